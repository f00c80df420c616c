#!/bin/bash
# t_valgrind.sh - vipd under valgrind memcheck through a whole life: start,
# election, switchover, failover when the peer resigns, control requests,
# reload, graceful stop. No invalid access, no leak, exit status 0.
set -u
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || { echo "ok - # SKIP valgrind not installed"; exit 0; }
# valgrind slows vipd down some 30x: slower heartbeats keep it from stalling.
export LAB_INTERVAL_MS=200 LAB_MISSES=3

lab_up || exit 1
lab_key
printf '#!/bin/sh\nexit 0\n' >"$LAB_DIR/ok.sh"
chmod 755 "$LAB_DIR/ok.sh"
# A runs everything a reload must carry over: upstream targets (C answers
# ARP), a check script and hooks.
A_EXTRA="upstream = [ \"192.0.2.10\" ]; upstream_interval_ms = 300; upstream_timeout_ms = 100;
	check_script = [ \"$LAB_DIR/ok.sh\" ]; check_interval_ms = 300;
	notify = [ \"$LAB_DIR/ok.sh\" ];"
lab_conf a 100 "$A_EXTRA"
lab_conf b 90
lab_bg a "$LAB_DIR/valgrind.log" valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=9 --track-fds=no \
	"$VIPD" -f "$LAB_DIR/a.conf"
VG=$LAB_BG_PID
# valgrind takes a while to start: B joins once A holds the VIP alone.
wait_holder a 20000
check "under valgrind: A becomes MASTER" lab_holders_are a
node_start b
wait_for "A sees B" 5000 sh -c "test \"\$('$VIPCTL' -s '$LAB_DIR/a.sock' --json status | jq -r '.groups[0].peer.alive')\" = true"
sleep 1
check "switchover from A" "$VIPCTL" -s "$LAB_DIR/a.sock" switchover
wait_holder b 5000
check "switchover: B holds the VIP" lab_holders_are b
node_stop b
wait_holder a 5000
check "B stopped: A takes over" lab_holders_are a
"$VIPCTL" -s "$LAB_DIR/a.sock" status >/dev/null
"$VIPCTL" -s "$LAB_DIR/a.sock" events >/dev/null
"$VIPCTL" -s "$LAB_DIR/a.sock" metrics >/dev/null
check "reload under valgrind" "$VIPCTL" -s "$LAB_DIR/a.sock" reload
# A reload cycle that changes what the upstream check, the check script, the
# hooks and the reconciler hold: the old config is freed each time, and the
# rounds that follow must not touch it.
LAB_VIPS='"192.0.2.100/24", "192.0.2.101/24"' lab_conf a 100 "${A_EXTRA/300;/400;}"
check "reload 2 (VIP added, intervals changed)" "$VIPCTL" -s "$LAB_DIR/a.sock" reload
sleep 1.5
wait_for "the added VIP is on A" 5000 has_vip a 192.0.2.101
check "reload 2: the added VIP is on A" has_vip a 192.0.2.101
lab_conf a 100 "upstream = [ \"192.0.2.10\", \"192.0.2.2\" ];"
check "reload 3 (VIP removed, check script and hooks gone)" "$VIPCTL" -s "$LAB_DIR/a.sock" reload
sleep 2.5	# upstream rounds at the default interval, after the free
check "reload 3: A still MASTER, upstream reachable" test \
	"$(js a '.groups[0].state') $(js a '.groups[0].upstream.reachable')" = "MASTER true"
check "reload 3: the removed VIP is gone" not has_vip a 192.0.2.101
lab_stop_pid "$VG" TERM 20000
rc=$?
check "vipd under valgrind exited 0 (no error, no leak)" test "$rc" = 0
check "valgrind: 0 errors" grep -q "ERROR SUMMARY: 0 errors" "$LAB_DIR/valgrind.log"
check "valgrind: nothing definitely lost" \
	sh -c "! grep -q 'definitely lost: [1-9]' '$LAB_DIR/valgrind.log'"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|in use at exit" "$LAB_DIR/valgrind.log" |
	sed 's/^/# /'
[ "$rc" = 0 ] || tail -40 "$LAB_DIR/valgrind.log" | sed 's/^/# /'
lab_finish
