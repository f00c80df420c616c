#!/bin/bash
# t_hooks.sh - notify hooks: order and environment across start, SIGTERM
# handover, return, switchover and a healed partition (master-again), read
# back from the hook logs of both nodes; argv passed verbatim, never through
# a shell; a clean, minimal environment; a hanging hook killed at its
# timeout (and one ignoring SIGTERM killed after the grace) while the
# heartbeats stay on time; failures and timeouts counted in vipctl status.
#
# Every script this test generates writes only inside $LAB_DIR.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_ready

# hook.sh OUT TAG [ARG...] - one line per call into OUT; the extra arguments,
# one per line in brackets, into OUT.argv; the environment into OUT.env.
cat >"$LAB_DIR/hook.sh" <<'EOF'
#!/bin/sh
out=$1 tag=$2
shift 2
extra=
if [ "$tag" = after-hang ]; then
	# Serialized: the hanging hook before this one must be gone already.
	if kill -0 "$(cat "${out%/*}/hang.pid")" 2>/dev/null; then extra='|hang-alive'; else extra='|hang-gone'; fi
fi
printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s/%s%s\n' "$tag" "$VIPD_HOOK" "$VIPD_EVENT" \
	"$VIPD_GROUP" "$VIPD_PREV_STATE" "$VIPD_STATE" "$VIPD_REASON" "$VIPD_PEER" \
	"$VIPD_PEER_ADDRESS" "$VIPD_VIPS" "$VIPD_NODE" "$VIPD_INTERFACE" "$extra" >>"$out"
for a in "$@"; do printf '[%s]\n' "$a"; done >>"$out.argv"
env | sort >"$out.env"
EOF
# hang.sh DIR [stubborn] - a hook that never ends; its child sleeps too, in
# the same process group. "stubborn" ignores SIGTERM (and so does the child).
cat >"$LAB_DIR/hang.sh" <<'EOF'
#!/bin/sh
[ "${2:-}" = stubborn ] && trap '' TERM
sleep 100 &
echo $! >"$1/${2:-hang}-child.pid"
echo $$ >"$1/${2:-hang}.pid"
wait
EOF
# fail.sh - says why and exits 3.
printf '#!/bin/sh\necho "oops: failing on purpose" >&2\nexit 3\n' >"$LAB_DIR/fail.sh"
chmod 755 "$LAB_DIR/hook.sh" "$LAB_DIR/hang.sh" "$LAB_DIR/fail.sh"

H=$LAB_DIR/hook.sh
# Shell metacharacters that a shell would act on; vipd must pass them as they are.
EVIL1='$(touch '"$LAB_DIR"'/pwned)'
EVIL2='`touch '"$LAB_DIR"'/pwned2`'
conf_hooks() {	# NODE: the logging hooks for NODE, all into $LAB_DIR/NODE.hooks
	local o=$LAB_DIR/$1.hooks
	printf 'notify_master = [ "%s", "%s", "master", "%s", "a;b", "%s", "two words", "", "it'"'"'s \\"q\\"", "*", "|", "&" ];\n' \
		"$H" "$o" "$EVIL1" "$EVIL2"
	printf 'notify_backup = [ "%s", "%s", "backup" ];\n' "$H" "$o"
	printf 'notify_stop = [ "%s", "%s", "stop" ];\n' "$H" "$o"
	printf 'notify_master_again = [ "%s", "%s", "again" ];\n' "$H" "$o"
	printf 'notify = [ "%s", "%s", "any" ];\n' "$H" "$o"
}
lab_conf a 100 "$(conf_hooks a)" "claim_probe_ms = 0;"
lab_conf b 90 "$(conf_hooks b)" "claim_probe_ms = 0;"
check "the configs with hooks load" sh -c "'$VIPD' -t -f '$LAB_DIR/a.conf' && '$VIPD' -t -f '$LAB_DIR/b.conf'"

# hooks_done NODE N - NODE's hook log has N lines.
hooks_done() {
	test "$(wc -l <"$LAB_DIR/$1.hooks" 2>/dev/null || echo 0)" -ge "$2"
}

# --- transitions: start, SIGTERM handover, return, switchover -----------------
# A leaks a variable into vipd's environment: no hook may see it.
export VIPD_TEST_LEAK=1
node_start a
unset VIPD_TEST_LEAK
wait_holder a 3000
wait_for "A's first hooks ran" 2000 hooks_done a 2
node_start b
wait_for "B is BACKUP" 2000 state_is b BACKUP
wait_for "A sees B" 2000 peer_alive a
sleep 0.2
node_stop a
check "SIGTERM: vipd exits 0 after its stop hooks" test "$?" = 0
wait_holder b 2000
check "after SIGTERM the stop hooks had run: notify_stop logged before exit" \
	grep -q 'hook notify_stop exited 0 in [0-9]* ms' "$LAB_DIR/a.log"
node_start a
wait_for "A is BACKUP" 2000 state_is a BACKUP
wait_for "B sees A fit" 2000 peer_fit b
sleep 0.3
check "switchover on B exits 0" ctl b switchover
wait_holder a 2000
wait_for "A's hooks ran" 3000 hooks_done a 9
wait_for "B's hooks ran" 3000 hooks_done b 6

VIPS=192.0.2.100/24
AGAIN='peer dropped the VIPs this node holds'
cat >"$LAB_DIR/a.want" <<EOF
master|notify_master|transition|1|INIT|MASTER|listened for the dead interval|||$VIPS|node-a/eth0
any|notify|transition|1|INIT|MASTER|listened for the dead interval|||$VIPS|node-a/eth0
stop|notify_stop|transition|1|MASTER|STOPPING|shutdown|node-b|192.0.2.2|$VIPS|node-a/eth0
any|notify|transition|1|MASTER|STOPPING|shutdown|node-b|192.0.2.2|$VIPS|node-a/eth0
any|notify|transition|1|STOPPING|STOPPED|shutdown|node-b|192.0.2.2|$VIPS|node-a/eth0
backup|notify_backup|transition|1|INIT|BACKUP|peer is master|node-b|192.0.2.2|$VIPS|node-a/eth0
any|notify|transition|1|INIT|BACKUP|peer is master|node-b|192.0.2.2|$VIPS|node-a/eth0
master|notify_master|transition|1|BACKUP|MASTER|peer resigned|node-b|192.0.2.2|$VIPS|node-a/eth0
any|notify|transition|1|BACKUP|MASTER|peer resigned|node-b|192.0.2.2|$VIPS|node-a/eth0
EOF
cat >"$LAB_DIR/b.want" <<EOF
backup|notify_backup|transition|1|INIT|BACKUP|peer is master|node-a|192.0.2.1|$VIPS|node-b/eth0
any|notify|transition|1|INIT|BACKUP|peer is master|node-a|192.0.2.1|$VIPS|node-b/eth0
master|notify_master|transition|1|BACKUP|MASTER|peer resigned|node-a|192.0.2.1|$VIPS|node-b/eth0
any|notify|transition|1|BACKUP|MASTER|peer resigned|node-a|192.0.2.1|$VIPS|node-b/eth0
backup|notify_backup|transition|1|MASTER|BACKUP|switchover requested|node-a|192.0.2.1|$VIPS|node-b/eth0
any|notify|transition|1|MASTER|BACKUP|switchover requested|node-a|192.0.2.1|$VIPS|node-b/eth0
EOF
for n in a b; do
	if diff -u "$LAB_DIR/$n.want" "$LAB_DIR/$n.hooks" >"$LAB_DIR/$n.diff"; then
		ok "node $n: hooks ran in transition order with the right environment"
	else
		not_ok "node $n: hooks ran in transition order with the right environment"
		sed 's/^/#   /' "$LAB_DIR/$n.diff"
	fi
done

# --- argv verbatim, no shell; a clean environment ------------------------------
printf '[%s]\n' "$EVIL1" "a;b" "$EVIL2" "two words" "" "it's \"q\"" "*" "|" "&" >"$LAB_DIR/argv.want"
for n in a b; do
	# notify_master ran twice on A (start, switchover) and once on B.
	k=1
	[ "$n" = a ] && k=2
	for ((i = 0; i < k; i++)); do cat "$LAB_DIR/argv.want"; done >"$LAB_DIR/$n.argv.want"
	check "node $n: notify_master got its argv verbatim" \
		diff -u "$LAB_DIR/$n.argv.want" "$LAB_DIR/$n.hooks.argv"
done
check "no shell ran the arguments: no \$(...) file" test ! -e "$LAB_DIR/pwned"
check "no shell ran the arguments: no \`...\` file" test ! -e "$LAB_DIR/pwned2"
check "environment: only PATH, PWD and VIPD_* variables" \
	sh -c "! grep -v -e '^PATH=/usr/sbin:/usr/bin:/sbin:/bin\$' -e '^PWD=/\$' -e '^VIPD_[A-Z_]*=' '$LAB_DIR/a.hooks.env'"
check "environment: the daemon's own environment does not leak" \
	sh -c "! grep -q VIPD_TEST_LEAK '$LAB_DIR/a.hooks.env'"
check "environment: PATH is the fixed one and the hook runs in /" \
	sh -c "grep -qx 'PATH=/usr/sbin:/usr/bin:/sbin:/bin' '$LAB_DIR/a.hooks.env' && grep -qx 'PWD=/' '$LAB_DIR/a.hooks.env'"
check "the daemon logs each hook's exit and duration" \
	grep -q 'group 1: hook notify_master exited 0 in [0-9]* ms' "$LAB_DIR/a.log"
check "--json counters: hooks_run on A" test "$(js a '.groups[0].counters.hooks_run')" = 4
check "--json counters: nothing failed, timed out or dropped on A" \
	test "$(js a '.groups[0].counters | [.hooks_failed, .hooks_timed_out, .hooks_dropped] | join(" ")')" = "0 0 0"

# --- a healed partition: the winner runs notify_master_again -------------------
hb_block
wait_for "B claims during the partition" 2000 has_vip b
check "partition: two masters" lab_holders_are "a b"
hb_unblock
wait_holder a 2000
wait_for "A's master-again hooks ran" 3000 hooks_done a 11
sleep 0.5
# Which heartbeats cross first decides how A learns of the contention: B's
# MASTER one (A wins it, and B's RESIGN that follows announces once more), or
# only B's RESIGN. One or two master-again events, each notify_master_again
# then notify.
tail -n +10 "$LAB_DIR/a.hooks" | sed -e 's/two masters, this node ranks higher/REASON/' \
	-e "s/$AGAIN/REASON/" >"$LAB_DIR/a.again"
for ((i = 0; i < $(wc -l <"$LAB_DIR/a.again") / 2; i++)); do cat <<EOF
again|notify_master_again|master_again|1|MASTER|MASTER|REASON|node-b|192.0.2.2|$VIPS|node-a/eth0
any|notify|master_again|1|MASTER|MASTER|REASON|node-b|192.0.2.2|$VIPS|node-a/eth0
EOF
done >"$LAB_DIR/a.again.want"
check "healed partition: A ran notify_master_again, then notify, with VIPD_EVENT=master_again" \
	sh -c "[ -s '$LAB_DIR/a.again.want' ] && diff -u '$LAB_DIR/a.again.want' '$LAB_DIR/a.again'"
wait_for "B's contention hooks ran" 3000 hooks_done b 10
check "healed partition: B, the loser, ran notify_backup (contention lost)" \
	grep -qx "backup|notify_backup|transition|1|MASTER|BACKUP|two masters, peer ranks higher|node-a|192.0.2.1|$VIPS|node-b/eth0" "$LAB_DIR/b.hooks"
check "both daemons exit 0" pair_stop

# --- a hanging hook is killed at its timeout; heartbeats go on -----------------
# A: notify_master hangs (500 ms limit), then notify checks it is gone.
# B: notify_backup hangs and ignores SIGTERM (300 ms limit, SIGKILL after the
# 1 s grace); notify fails with status 3.
lab_conf a 100 "hook_timeout_ms = 500;" \
	"notify_master = [ \"$LAB_DIR/hang.sh\", \"$LAB_DIR\" ];" \
	"notify_stop = [ \"$LAB_DIR/hang.sh\", \"$LAB_DIR\", \"stop\" ];" \
	"notify = [ \"$H\", \"$LAB_DIR/a2.hooks\", \"after-hang\" ];"
lab_conf b 90 "hook_timeout_ms = 300;" \
	"notify_backup = [ \"$LAB_DIR/hang.sh\", \"$LAB_DIR\", \"stubborn\" ];" \
	"notify = [ \"$LAB_DIR/fail.sh\" ];"
node_start a
node_start b
wait_holder a 3000
wait_for "B is BACKUP" 2000 state_is b BACKUP
wait_for "A's hook hangs" 2000 test -s "$LAB_DIR/hang.pid"
wait_for "B's hook hangs" 2000 test -s "$LAB_DIR/stubborn.pid"
# While they hang: sample both nodes' view of their peer for 1.5 s.
max_a=0 max_b=0
for ((i = 0; i < 30; i++)); do
	la=$(js a '.groups[0].peer.last_heard_ms_ago // 0')
	lb=$(js b '.groups[0].peer.last_heard_ms_ago // 0')
	[ "${la:-0}" -gt "$max_a" ] && max_a=$la
	[ "${lb:-0}" -gt "$max_b" ] && max_b=$lb
	sleep 0.05
done
check_num "while hooks hang: A always heard B within" "$max_a" "<" 150
check_num "while hooks hang: B always heard A within" "$max_b" "<" 150
check "while hooks hang: A made one transition" test "$(js a '.groups[0].counters.transitions')" = 1
check "while hooks hang: B made one transition" test "$(js b '.groups[0].counters.transitions')" = 1
wait_for "A's hook is gone" 2000 not test -d "/proc/$(cat "$LAB_DIR/hang.pid")"
check "A: the hanging hook was killed" not test -d "/proc/$(cat "$LAB_DIR/hang.pid")"
wait_for "A's hook's child is gone" 2000 not test -d "/proc/$(cat "$LAB_DIR/hang-child.pid")"
check "A: ... and its child (the process group)" \
	not test -d "/proc/$(cat "$LAB_DIR/hang-child.pid")"
check "A: hooks_timed_out is 1" test "$(js a '.groups[0].counters.hooks_timed_out')" = 1
check "A: the timeout is logged with the hook's name" \
	grep -q 'group 1: hook notify_master timed out after [0-9]* ms (limit 500 ms)' "$LAB_DIR/a.log"
d=$(sed -n 's/.*hook notify_master timed out after \([0-9]*\) ms.*/\1/p' "$LAB_DIR/a.log" | head -1)
check_num "A: killed at its timeout (SIGTERM works), after ms" "${d:-0}" "<" 900
wait_for "A's notify ran after the hang" 3000 test -s "$LAB_DIR/a2.hooks"
check "A: notify ran only once notify_master was gone (serialized)" \
	grep -q '^after-hang|notify|transition|1|INIT|MASTER|.*|hang-gone$' "$LAB_DIR/a2.hooks"
wait_for "B's stubborn hook is gone" 3000 not test -d "/proc/$(cat "$LAB_DIR/stubborn.pid")"
check "B: the hook ignoring SIGTERM was killed" \
	not test -d "/proc/$(cat "$LAB_DIR/stubborn.pid")"
wait_for "B's stubborn hook's child is gone" 2000 \
	not test -d "/proc/$(cat "$LAB_DIR/stubborn-child.pid")"
check "B: ... and its child" not test -d "/proc/$(cat "$LAB_DIR/stubborn-child.pid")"
d=$(sed -n 's/.*hook notify_backup timed out after \([0-9]*\) ms.*/\1/p' "$LAB_DIR/b.log" | head -1)
check_num "B: SIGTERM ignored, SIGKILL after the grace, after ms" "${d:-0}" ">=" 1300
wait_for "B's failing notify ran" 3000 grep -q 'hook notify exited 3' "$LAB_DIR/b.log"
check "B: a failing hook is logged with its status and last output line" \
	grep -q 'group 1: hook notify exited 3 in [0-9]* ms: oops: failing on purpose' "$LAB_DIR/b.log"
check "B: hooks_failed 2 (timeout + exit 3), hooks_timed_out 1" \
	test "$(js b '.groups[0].counters | [.hooks_run, .hooks_failed, .hooks_timed_out] | join(" ")')" = "2 2 1"
check "B: still BACKUP, A still MASTER" test "$(js a '.groups[0].state')/$(js b '.groups[0].state')" = MASTER/BACKUP
check "metrics: hooks by result" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/b.sock' metrics | grep -q '^vipd_hooks_total{group=\"1\",result=\"timed_out\"} 1$'"

# --- SIGTERM while notify_stop hangs: hand over at once, exit after its timeout --
lab_now
t0=$LAB_NOW_MS
node_stop a 5000
ra=$?
lab_now
check "SIGTERM with a hanging notify_stop: vipd still exits 0" test "$ra" = 0
check_num "... once the hook's 500 ms were up (ms)" "$((LAB_NOW_MS - t0))" ">=" 500
check "... and B had taken the VIP over" lab_holders_are b
check "... the hanging notify_stop was killed" not test -d "/proc/$(cat "$LAB_DIR/stop.pid")"
check "... and logged" grep -q 'group 1: hook notify_stop timed out' "$LAB_DIR/a.log"
node_stop b
check "B exits 0" test "$?" = 0

# --- a full queue drops the oldest; a stop does not wait for a stale queue -------
# B's hooks all sleep (2 s limit each); link flaps queue 5 hooks per flap.
lab_conf a 100
lab_conf b 90 "hook_timeout_ms = 2000;" 'notify_backup = [ "/bin/sleep", "100" ];' \
	'notify_fault = [ "/bin/sleep", "100" ];' 'notify = [ "/bin/sleep", "100" ];'
node_start a
node_start b
wait_holder a 3000
wait_for "B is BACKUP" 2000 state_is b BACKUP
for ((i = 0; i < 14; i++)); do
	link_down b
	wait_for "B is FAULT" 2000 state_is b FAULT || break
	link_up b
	wait_for "B is BACKUP" 2000 state_is b BACKUP || break
done
check "14 link flaps on B: 42 more transitions" \
	test "$(js b '.groups[0].counters.transitions')" = 43
dropped=$(js b '.groups[0].counters.hooks_dropped')
check_num "B: hooks dropped from the full queue" "$dropped" ">=" 1
check "B: the drop is logged" grep -q 'group 1: hook queue full (64 waiting): dropped the oldest' "$LAB_DIR/b.log"
check "B: still BACKUP with A heard, while its hooks sleep" \
	test "$(js b '.groups[0].state')/$(js b '.groups[0].peer.alive')" = BACKUP/true
child=$(ps -o pid= --ppid "$(node_pid b)" | tr -d ' ')
lab_now
t0=$LAB_NOW_MS
node_stop b 10000
rb=$?
lab_now
check "SIGTERM with a long stale queue: B exits 0" test "$rb" = 0
check_num "... after its handover and one more hook_timeout_ms, not the queue's 2 min (ms)" \
	"$((LAB_NOW_MS - t0))" "<" 7000
check "... saying so" grep -q 'stop: hooks still running, exiting anyway' "$LAB_DIR/b.log"
check "... and the hook then running was killed" test -n "$child" -a ! -d "/proc/$child"
node_stop a
check "A exits 0" test "$?" = 0

# --- a reload that restarts the group keeps its hooks in order ------------------
# Each hook takes 300 ms; the restarted group claims after ~150 ms, so its
# hooks would overtake the old group's stop hooks if the queue were not kept.
printf '#!/bin/sh\nsleep 0.3\nprintf "%%s|%%s|%%s\\n" "$VIPD_HOOK" "$VIPD_PREV_STATE" "$VIPD_STATE" >>"$1"\n' \
	>"$LAB_DIR/slow.sh"
chmod 755 "$LAB_DIR/slow.sh"
SLOW="[ \"$LAB_DIR/slow.sh\", \"$LAB_DIR/a4.hooks\" ]"
lab_conf a 100 "notify_stop = $SLOW;" "notify = $SLOW;"
node_start a
wait_holder a 3000
wait_for "A's start hook ran" 2000 hooks_done a4 1
LAB_PORT=5801 lab_conf a 100 "notify_stop = $SLOW;" "notify = $SLOW;"
check "reload with another port (the group restarts) exits 0" ctl a reload
wait_for "the restarted group's hooks ran" 3000 hooks_done a4 4
printf '%s\n' "notify|INIT|MASTER" "notify_stop|MASTER|STOPPED" "notify|MASTER|STOPPED" \
	"notify|INIT|MASTER" >"$LAB_DIR/a4.want"
check "reload restart: the old group's stop hooks, then the new group's, in order" \
	diff -u "$LAB_DIR/a4.want" "$LAB_DIR/a4.hooks"
check "reload restart: A holds the VIP again" lab_holders_are a
node_stop a
check "A exits 0 after the reload" test "$?" = 0
check "no sanitizer report in the logs" logs_clean

[ "$LAB_NFAIL" = 0 ] || lab_dump 30
lab_finish
