#!/bin/bash
# t_checks.sh - check scripts: a check failing on the master hands the VIP
# over, in fault mode (check_weight 0: the master goes FAULT) and in weight
# mode (A 100 - 20 < B 90: A resigns and stays BACKUP, healthy); a hanging
# check is killed at check_timeout_ms and counts as a failure; the check's
# state shows in vipctl status (--json and human) and in the metrics.
#
# The check script this test generates writes only inside $LAB_DIR.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_ready -p

# check.sh FILE - exits with the number in FILE; "hang" sleeps (with a child in
# its process group) until killed. Records its PIDs next to FILE.
cat >"$LAB_DIR/check.sh" <<'EOF'
#!/bin/sh
echo $$ >"$1.pid"
v=$(cat "$1")
case $v in
hang)
	sleep 100 &
	echo $! >"$1.child"
	wait
	;;
*)
	echo "check says $v"
	exit "$v"
	;;
esac
EOF
chmod 755 "$LAB_DIR/check.sh"
# setchk NODE VALUE - what NODE's check exits with next, replaced atomically
# so a run never reads a half-written file.
setchk() {
	echo "$2" >"$LAB_DIR/$1.check.new" && mv "$LAB_DIR/$1.check.new" "$LAB_DIR/$1.check"
}
setchk a 0
setchk b 0
chk() {	# NODE [WEIGHT]
	printf 'check_script = [ "%s", "%s" ]; check_interval_ms = 200; check_timeout_ms = 300; check_rise = 2; check_fall = 2; check_weight = %s;' \
		"$LAB_DIR/check.sh" "$LAB_DIR/$1.check" "${2:-0}"
}
cj() { js "$1" ".groups[0].checks.script.$2"; }
# Functions, so that wait_for asks again on every try.
check_passes() { test "$(cj "$1" ok)" = true; }
prio_is() { test "$(js "$1" '.groups[0].priority')" = "$2"; }

# --- fault mode: check_weight 0 -------------------------------------------------
lab_pair_up -f chk -c "fault mode setup: A MASTER, B BACKUP"
check "--json: the check passes on A, last exit 0" test "$(cj a ok)/$(cj a last_exit)" = true/0
check "status shows the check" sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^  check: script passes, last exit 0, 0 of [0-9]* runs failed$'"
check "metrics: vipd_check_ok 1" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' metrics | grep -q '^vipd_check_ok{group=\"1\"} 1$'"

lab_now
t0=$LAB_NOW_MS
setchk a 1
wait_holder b 3000
lab_now
check "check fails on the master: the VIP moves to B" lab_holders_are b
check_num "... within fall x interval + a run (ms)" "$((LAB_NOW_MS - t0))" "<" 1000
wait_for "A is FAULT" 1000 state_is a FAULT
check "A is FAULT" state_is a FAULT
check "A says why" test "$(js a '.groups[0].reason')" = "health check failed"
check "--json: A's check failed: ok false, last exit 1, failures >= 2" \
	test "$(js a '.groups[0].checks.script | [.ok, .last_exit, (.failures >= 2)] | join(" ")')" = "false 1 true"
check "A logs the failing run with its output, once" \
	test "$(grep -c 'group 1: check script exited 1: check says 1' "$LAB_DIR/a.log")" = 1
check "status shows it failing" sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^  check: script FAILING, last exit 1,'"
setchk a 0
wait_for "A is BACKUP again" 3000 state_is a BACKUP
check "check passes again: A comes back as BACKUP" state_is a BACKUP
check "... healthy" test "$(js a '.groups[0].healthy')/$(cj a ok)" = true/true
sleep 0.5
check "... and the VIP stays on B (no preemption)" lab_holders_are b

# --- a hanging check is killed at check_timeout_ms and is a failure ---------------
wait_for "B sees A fit" 3000 peer_fit b
sleep 0.3
check "switchover back to A" ctl b switchover
wait_holder a 2000
wait_for "A's check passes" 2000 check_passes a
skipped0=$(cj a skipped)
setchk a hang
wait_holder b 3000
check "hanging check on the master: the VIP moves to B" lab_holders_are b
check "A is FAULT" state_is a FAULT
check "--json: timeouts >= 2, last_exit -1 (killed)" \
	test "$(js a '.groups[0].checks.script | [(.timeouts >= 2), .last_exit] | join(" ")')" = "true -1"
check "--json: ticks while a run hung were skipped, not run twice" \
	test "$(cj a skipped)" -gt "$skipped0"
check "A logs the timeout" grep -q 'group 1: check script timed out after 300 ms, killed' "$LAB_DIR/a.log"
to=$("$VIPCTL" -s "$LAB_DIR/a.sock" metrics | sed -n 's/^vipd_command_failures_total{reason="timed_out"} //p')
check_num "metrics: the daemon's commands timed out" "${to:-x}" ">=" 2
pid=$(cat "$LAB_DIR/a.check.pid") child=$(cat "$LAB_DIR/a.check.child")
setchk a 0
wait_for "the hung check is gone" 2000 not test -d "/proc/$pid"
check "the hung check was killed" not test -d "/proc/$pid"
wait_for "its child is gone" 2000 not test -d "/proc/$child"
check "... and its child too (the process group was killed)" not test -d "/proc/$child"
wait_for "A is BACKUP again" 3000 state_is a BACKUP
check "hang over: A is BACKUP again" state_is a BACKUP
check "both daemons exit 0" pair_stop

# --- weight mode: A 100, weight 20 -> 80 < B 90 ------------------------------------
setchk a 0
lab_conf a 100 "$(chk a 20)"
lab_conf b 90
lab_pair_up -n
wait_for "A sees B fit" 3000 peer_fit a
sleep 0.3
check "weight mode setup: A MASTER at priority 100" \
	test "$(js a '.groups[0].state')/$(js a '.groups[0].priority')" = MASTER/100
client_start "$LAB_DIR/weight.out" -t "$LAB_VIP" -i 2 -d 2500 -w
sleep 0.3
setchk a 1
wait_holder b 3000
check "check fails on the master: the VIP moves to B" lab_holders_are b
check "A is BACKUP, not FAULT" state_is a BACKUP
check "A says why" test "$(js a '.groups[0].reason')" = "priority lowered by a failing check"
check "A is healthy at priority 80" \
	test "$(js a '.groups[0].healthy')/$(js a '.groups[0].priority')" = true/80
check "B sees A at priority 80" test "$(js b '.groups[0].peer.priority')" = 80
check "status shows the weight" sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^  check: script FAILING, .*, weight 20$'"
client_wait 5000
check "the client saw one switch" test "$(probe_field "$LAB_DIR/weight.out" switches)" = 1
echo "# weight handover: client-observed gap $(probe_field "$LAB_DIR/weight.out" max_gap_ms) ms"
setchk a 0
wait_for "A is back at priority 100" 3000 prio_is a 100
check "check passes again: A is back at priority 100" prio_is a 100
sleep 0.5
check "check passes again: A stays BACKUP (no preemption)" state_is a BACKUP
check "... and the VIP stays on B" lab_holders_are b

# --- a check added by a reload: no disturbance until it fails --------------------
tr0=$(js b '.groups[0].counters.transitions')
setchk b 0
lab_conf b 90 "$(chk b)"
check "reload adding a check script to the master exits 0" ctl b reload
wait_for "B's new check ran" 2000 check_passes b
check "reload: the new check passes on B" check_passes b
check "reload: B stayed MASTER without a transition" \
	test "$(js b '.groups[0].state')/$(js b '.groups[0].counters.transitions')" = "MASTER/$tr0"
check "reload: the VIP stayed on B" lab_holders_are b
setchk b 1
wait_holder a 3000
check "the reloaded check fails on B: the VIP moves to A" lab_holders_are a
check "B is FAULT" state_is b FAULT

check "both daemons exit 0 (weight mode)" pair_stop
check "no sanitizer report in the logs" logs_clean

[ "$LAB_NFAIL" = 0 ] || lab_dump 30
lab_finish
