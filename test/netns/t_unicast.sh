#!/bin/bash
# t_unicast.sh - heartbeats by unicast to listed peers, on a LAN that drops
# multicast: election, crash failover and the client still served.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_ready -p
mcast_block

# Control: with multicast heartbeats under the block the nodes do not meet.
lab_conf a 100 "claim_probe_ms = 0;"
lab_conf b 90 "claim_probe_ms = 0;"
node_start a
node_start b
wait_holder "a b" 3000
check "control: multicast blocked, the nodes never hear each other" \
	test "$(js a '.groups[0].peer')/$(js b '.groups[0].peer')" = null/null
node_stop a
node_stop b

lab_pair_up -f unicast_peers -c "unicast: A MASTER, B BACKUP"
check "unicast: B hears A from 192.0.2.1" test "$(js b '.groups[0].peer.address')" = 192.0.2.1
check "unicast: both directions work" \
	test "$(js a '.groups[0].peer.hears_us')/$(js b '.groups[0].peer.hears_us')" = true/true
check "unicast: no TTL rejections" test "$(js b '.groups[0].counters.rejected.ttl')" = 0

client_start "$LAB_DIR/crash.out" -t "$LAB_VIP" -i 2 -d 2500 -w
sleep 0.4
link_down a
node_kill a
wait_holder b 3000
check "unicast crash: B holds the VIP" lab_holders_are b
check "unicast crash: B took over on timeout" test "$(js b '.groups[0].reason')" = "peer timed out"
client_wait 4000
echo "# unicast crash failover: client-observed gap $(probe_field "$LAB_DIR/crash.out" max_gap_ms) ms"
check "unicast crash: C reaches the VIP" lab_exec c ping -c 1 -W 1 "$LAB_VIP"
lab_exec a "$VIPD" -c -f "$LAB_DIR/a.conf"
link_up a
node_start a
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "unicast: A returns as BACKUP" state_is a BACKUP
check "unicast: the VIP stayed on B" lab_holders_are b

lab_finish
