#!/bin/bash
# t_health.sh - link state from netlink events: a node without carrier is
# FAULT and never claims the VIP; it listens again when its link returns.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_pair_up -p -c "setup: A MASTER, B BACKUP"

# --- the backup's link goes down, then the master dies ----------------------
link_down b
wait_for "B is FAULT" 2000 state_is b FAULT
check "backup link down: B goes FAULT" state_is b FAULT
check "backup link down: the reason is the health check" \
	test "$(js b '.groups[0].reason')" = "health check failed"
node_kill a
lab_exec a "$VIPD" -c -f "$LAB_DIR/a.conf"	# as the unit's ExecStopPost would
sleep 0.5
check "master killed: B, without link, does not claim" not has_vip b
check "master killed: B is still FAULT" state_is b FAULT
link_up b
wait_for "B claims once its link is back" 2000 has_vip b
check "link back: B holds the VIP" lab_holders_are b
check "link back: B listened first (INIT via health restored)" \
	sh -c "grep -q 'FAULT -> INIT (health restored)' '$LAB_DIR/b.log'"

# --- a node restarted while its cable is still out ---------------------------
link_down a
node_start a
wait_for "A is FAULT" 2000 state_is a FAULT
check "restart without cable: A is FAULT, not MASTER" state_is a FAULT
check "restart without cable: A does not hold the VIP" not has_vip a
client_start "$LAB_DIR/return.out" -t "$LAB_VIP" -i 2 -d 2000 -w
link_up a
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "cable back: A comes back as BACKUP" state_is a BACKUP
client_wait 4000
check "cable back: the VIP stayed on B" lab_holders_are b
check "cable back: the client saw no switch" test "$(probe_field "$LAB_DIR/return.out" switches)" = 0

# --- the master loses its link ------------------------------------------------
client_start "$LAB_DIR/mlink.out" -t "$LAB_VIP" -i 2 -d 2500 -w
sleep 0.3
link_down b
wait_for "B is FAULT" 2000 state_is b FAULT
check "master link down: B is FAULT and dropped the VIP" not has_vip b
wait_for "A takes over" 2000 has_vip a
check "master link down: A holds the VIP" lab_holders_are a
client_wait 4000
echo "# master link down: client-observed gap $(probe_field "$LAB_DIR/mlink.out" max_gap_ms) ms"
link_up b
wait_for "B is BACKUP" 3000 state_is b BACKUP
check "master link back: B is BACKUP, A keeps the VIP" lab_holders_are a
check "master link back: B BACKUP" state_is b BACKUP

lab_finish
