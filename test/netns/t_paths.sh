#!/bin/bash
# t_paths.sh - two heartbeat paths (the LAN and a direct cable): cutting one
# causes no failover and status shows which path is silent; with both cut
# (and the master gone) the backup takes over.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_up || exit 1
lab_cable || { not_ok "lab_cable"; lab_finish; }
lab_pair_up -p 'interface2 = "eth1";'
sleep 0.3
check "two paths: B hears A on both" \
	test "$(js b '[.groups[0].paths[] | .interface + "=" + (.alive | tostring)] | join(" ")')" = \
	"eth0=true eth1=true"
check "two paths: copies are counted as duplicates, not replays" \
	test "$(js b '.groups[0].counters | (.duplicates > 0) and (.rejected.replay == 0)')" = true

# --- the LAN path is cut: no failover ----------------------------------------
tr=$(js b '.groups[0].counters.transitions')
hb_block
sleep 1
check "LAN path cut: B is still BACKUP, no transition" \
	test "$(js b '.groups[0].state')/$(js b '.groups[0].counters.transitions')" = "BACKUP/$tr"
check "LAN path cut: the VIP stays on A" lab_holders_are a
check "LAN path cut: status shows eth0 silent, eth1 alive" \
	test "$(js b '[.groups[0].paths[] | .alive | tostring] | join(" ")')" = "false true"
check "LAN path cut: vipctl says which path is silent" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/b.sock' status | grep -q 'paths: eth0 SILENT.*, eth1 up'"
hb_unblock

# --- the cable is cut instead: no failover ------------------------------------
lab_exec a ip link set eth1 down
sleep 1
check "cable cut: B is still BACKUP, no transition" \
	test "$(js b '.groups[0].state')/$(js b '.groups[0].counters.transitions')" = "BACKUP/$tr"
check "cable cut: status shows eth1 silent" \
	test "$(js b '[.groups[0].paths[] | .alive | tostring] | join(" ")')" = "true false"

# --- the master is gone on both paths: B takes over ----------------------------
link_down a
node_kill a
wait_holder b 3000
check "both paths silent, master gone: B holds the VIP" lab_holders_are b
check "... because A timed out" test "$(js b '.groups[0].reason')" = "peer timed out"

lab_finish
