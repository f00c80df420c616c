#!/bin/bash
# t_upstream.sh - "am I the isolated one?": upstream targets checked by ARP,
# and the claim probe that refuses a VIP someone else still answers for.
# The client C (192.0.2.10) plays the upstream gateway.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
UP='upstream = [ "192.0.2.10" ]; upstream_interval_ms = 200; upstream_timeout_ms = 100;
	upstream_rise = 2; upstream_fall = 2;'

lab_pair_up -p -c "setup: A MASTER, B BACKUP" "$UP"
check "setup: both see the gateway" \
	test "$(js a '.groups[0].upstream.reachable')/$(js b '.groups[0].upstream.reachable')" = true/true

# --- the backup is cut off from upstream, then from its peer too -------------
arp_block b
wait_for "B is FAULT" 3000 state_is b FAULT
check "backup loses upstream: B goes FAULT" state_is b FAULT
check "... and says why" test "$(js b '.groups[0].reason')" = "upstream targets unreachable"
hb_block
sleep 0.6
check "heartbeats cut too: B does not claim" not has_vip b
check "the master keeps the VIP" lab_holders_are a
hb_unblock
arp_unblock b
wait_for "B is BACKUP" 3000 state_is b BACKUP
check "upstream back: B returns to BACKUP" state_is b BACKUP
check "upstream back: the VIP stayed on A" lab_holders_are a

# --- the master loses upstream while the backup is healthy --------------------
client_start "$LAB_DIR/up.out" -t "$LAB_VIP" -i 2 -d 2500 -w
arp_block a
wait_for "B takes over" 3000 has_vip b
check "master loses upstream: the VIP moves to B" lab_holders_are b
check "... A is FAULT for upstream" test "$(js a '.groups[0].state') $(js a '.groups[0].reason')" = \
	"FAULT upstream targets unreachable"
client_wait 4000
echo "# master lost upstream: client-observed gap $(probe_field "$LAB_DIR/up.out" max_gap_ms) ms"
arp_unblock a
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "upstream back: A is BACKUP, B keeps the VIP" lab_holders_are b

# --- heartbeats cut while the master serves: the claim probe refuses ----------
wait_for "A sees B fit" 2000 test "$(js a '.groups[0].peer.alive')" = true
hb_block
wait_for "A is FAULT (VIP in use)" 2000 state_is a FAULT
check "partition: A does not claim a VIP B still answers for" not has_vip a
check "... and says why" test "$(js a '.groups[0] | .state + " " + .reason')" = \
	"FAULT another host answers for the VIP"
check "... counted" test "$(js a '.groups[0].counters.vip_conflicts')" -ge 1
check "partition: one holder, B" lab_holders_are b
hb_unblock
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "healed: A is BACKUP, B still holds the VIP" lab_holders_are b

# --- a third host answers for the VIP -----------------------------------------
node_stop a
node_stop b
lab_exec c ip addr add "$LAB_VIP/24" dev eth0
node_start b
wait_for "B is FAULT" 3000 state_is b FAULT
check "VIP owned by a third host: B refuses to claim" not has_vip b
check "... and says why" test "$(js b '.groups[0] | .state + " " + .reason')" = \
	"FAULT another host answers for the VIP"
check "... naming the MAC in its log" grep -q "is answered by $(node_mac c)" "$LAB_DIR/b.log"
lab_exec c ip addr del "$LAB_VIP/24" dev eth0
wait_for "B claims once the address is free" 3000 has_vip b
check "address freed: B claims after listening again" lab_holders_are b

lab_finish
