#!/bin/bash
# t_monitor.sh - what an operator's monitoring sees of a real pair:
# `vipctl check` (the Nagios/Icinga plugin) through OK, WARNING (peer dead,
# standby), CRITICAL (FAULT: link down, VIP in use elsewhere) and UNKNOWN (no daemon, bad
# usage, no such group), one line with performance data each time;
# `vipctl metrics` passing `promtool check metrics` with the names the
# conventions ask for and every counter of `status --json`; metrics_file
# rewritten atomically for node_exporter's textfile collector, moved by a
# reload, removed at a clean stop; `vipctl events --follow` streaming the
# transitions of a switchover.
#
# Everything this test writes is inside $LAB_DIR.
set -u
. "$(dirname "$0")/lib.sh"
# shellcheck source=test/plugin.sh
. "$LAB_ROOT/test/plugin.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_ready

# chk NODE [ARG...] - run `vipctl check` on NODE; its line in CHK, its exit in CHK_RC.
chk() {
	CHK=$(ctl "$1" check "${@:2}" 2>/dev/null)
	CHK_RC=$?
}
# check_plugin DESC WANT_RC REGEX - the last chk exited WANT_RC with exactly
# one line matching REGEX (extended).
check_plugin() {
	plugin_line "$1" "$2" "$3" "$CHK" "$CHK_RC"
}
# chk_is NODE RC - for wait_for: NODE's check exits RC now.
chk_is() {
	chk "$1"
	[ "$CHK_RC" = "$2" ] && { [ $# -lt 3 ] || printf '%s\n' "$CHK" | grep -Eq -- "$3"; }
}

mkdir -m 755 "$LAB_DIR/textfile" "$LAB_DIR/textfile2"
PROM=$LAB_DIR/textfile/vipd.prom
lab_conf a 100
lab_conf b 90
{
	echo "metrics_file = \"$PROM\";"
	echo "metrics_interval_ms = 100;"
} >>"$LAB_DIR/a.conf"
check "metrics_file and metrics_interval_ms load" "$VIPD" -t -f "$LAB_DIR/a.conf"
lab_pair_up -n
wait_for "A sees B" 3000 peer_alive a
wait_for "B sees A" 3000 peer_alive b

# --- check: OK ---------------------------------------------------------------------
# The node and arguments of `vipctl check`, its exit status, the one line it
# must print (an ERE), the check.
while IFS='~' read -r args rc re desc; do
	# shellcheck disable=SC2086 # ARGS are words on purpose
	chk $args
	check_plugin "$desc" "$rc" "$re"
done <<'EOF'
a~0~^VIPD OK - node node-a: group 1 MASTER, peer node-b BACKUP \|~check on the master: OK, exit 0, one line
a~0~\| 'g1_master'=1;;;0;1 'g1_peer_alive'=1;;;0;1 'g1_peer_heard'=[0-9.]+s;;;0 'g1_peer_loss'=[0-9.]+%;;;0;100 'g1_in_state'=[0-9.]+s;;;0 'g1_transitions'=1c;;;0 'g1_tx'=[0-9]+c;;;0 'g1_rx'=[0-9]+c;;;0 'g1_rejected'=0c;;;0$~check: performance data after the |
b~0~^VIPD OK - node node-b: group 1 BACKUP, peer node-a MASTER \|~check on the backup: OK
a 1~0~^VIPD OK - node node-a: group 1 MASTER~check 1 (the group named): OK
a 7~3~^VIPD UNKNOWN - no group 7 on node node-a$~check of a group the node does not run: UNKNOWN (3)
a 0~3~^VIPD UNKNOWN - bad usage~check with a bad group id: UNKNOWN (3), not a usage exit 2
a 1 2~3~^VIPD UNKNOWN - bad usage~check with two arguments: UNKNOWN (3)
EOF
"$VIPCTL" -s "$LAB_DIR/none.sock" check >"$LAB_DIR/unk.out" 2>/dev/null
CHK_RC=$? CHK=$(cat "$LAB_DIR/unk.out")
check_plugin "check without a daemon: UNKNOWN (3), one line on stdout, saying why" 3 \
	"^VIPD UNKNOWN - $LAB_DIR/none.sock: No such file or directory$"
ctl a -j check >"$LAB_DIR/check.json"
check "check -j: the status JSON, exit 0" test "$?:$(jq -r '.groups[0].state' "$LAB_DIR/check.json")" = 0:MASTER

# --- metrics: promtool and the conventions -------------------------------------------
for n in a b; do
	ctl "$n" metrics >"$LAB_DIR/$n.metrics"
	promtool check metrics <"$LAB_DIR/$n.metrics" >"$LAB_DIR/$n.promtool" 2>&1
	check "node $n: vipctl metrics passes promtool check metrics" test "$?" = 0 -a ! -s "$LAB_DIR/$n.promtool"
	sed 's/^/#   /' "$LAB_DIR/$n.promtool"
done
M=$LAB_DIR/a.metrics
check "metrics: every counter ends in _total" \
	sh -c "! awk '/^# TYPE/ && \$4 == \"counter\" && \$3 !~ /_total\$/' '$M' | grep -q ."
check "metrics: no gauge ends in _total, no age in ms" \
	sh -c "! awk '/^# TYPE/ && \$4 != \"counter\" && \$3 ~ /_total\$/' '$M' | grep -q . && ! grep -q '_ms' '$M'"
check "metrics: the peer's last heartbeat as a timestamp, not an age" \
	grep -Eq '^vipd_peer_last_heard_timestamp_seconds\{group="1"\} [0-9]{10}\.[0-9]{3}$' "$M"
now=$(date +%s)
t=$(sed -n 's/^vipd_peer_last_heard_timestamp_seconds{group="1"} \([0-9]*\).*/\1/p' "$M")
check_num "metrics: ... within a second of now (s)" "$((now - ${t:-0}))" "<=" 1
check "metrics: the state, with when it began" sh -c \
	"grep -q '^vipd_group_state{group=\"1\",state=\"MASTER\"} 1$' '$M' && grep -Eq '^vipd_group_state_change_timestamp_seconds\{group=\"1\"\} [0-9]{10}' '$M'"
check "metrics: the VIP is present on the master" grep -q '^vipd_vip_present{group="1",address="192.0.2.100/24"} 1$' "$M"
check "metrics: hooks by outcome only (no 'started' among the results)" \
	sh -c "grep -q '^vipd_hooks_total{group=\"1\",result=\"ok\"} ' '$M' && ! grep -q 'vipd_hooks_total{.*started' '$M'"
# Every counter of status --json has its metric family.
for pair in tx:heartbeats_sent_total tx_errors:heartbeat_send_errors_total \
	rx:heartbeats_received_total transitions:transitions_total contentions:contentions_total \
	stalls:stalls_total announcements:announcements_total other_group:heartbeats_other_group_total \
	netlink_errors:netlink_errors_total vip_conflicts:vip_conflicts_total \
	duplicates:heartbeats_duplicate_total hooks_run:hooks_started_total \
	kernel_drops:heartbeat_socket_drops_total \
	hooks_failed:hooks_total hooks_timed_out:hooks_total hooks_dropped:hooks_total; do
	key=${pair%%:*} fam=${pair#*:}
	check "metrics: status counter $key is exported as vipd_$fam" grep -q "^# TYPE vipd_$fam counter$" "$M"
done
for r in $(js a '.groups[0].counters.rejected | keys[]'); do
	check "metrics: rejection reason $r is a label of vipd_heartbeats_rejected_total" \
		grep -q "^vipd_heartbeats_rejected_total{group=\"1\",reason=\"$r\"} " "$M"
done
# Announcements go on for a few hundred ms after a takeover (the rounds of
# gratuitous ARPs): status read before and after one scrape brackets it.
ha0=$(js a '.groups[0].counters.announcements')
ctl a metrics >"$LAB_DIR/a2.metrics"
ha1=$(js a '.groups[0].counters.announcements')
hm=$(sed -n 's/^vipd_announcements_total{group="1"} \([0-9]*\)$/\1/p' "$LAB_DIR/a2.metrics")
check "metrics: announcements agree with status ($ha0 <= ${hm:-none} <= $ha1)" \
	test -n "$hm" -a "${hm:-0}" -ge "${ha0:-1}" -a "${hm:-0}" -le "${ha1:--1}"

# --- metrics_file: atomic, current, moved by reload, removed at stop -----------------
wait_for "A wrote $PROM" 2000 test -s "$PROM"
check "metrics_file: written, mode 0644" test "$(stat -c %a "$PROM")" = 644
promtool check metrics <"$PROM" >"$LAB_DIR/file.promtool" 2>&1
check "metrics_file passes promtool check metrics" test "$?" = 0 -a ! -s "$LAB_DIR/file.promtool"
# 60 reads at random moments over ~3 s while vipd rewrites it every 100 ms:
# each read is a whole file (first family first, last family last).
last='^vipd_command_failures_total\{reason="untrusted"\} [0-9]+$'
torn=0 inodes=()
for ((i = 0; i < 60; i++)); do
	cp "$PROM" "$LAB_DIR/read.prom" 2>/dev/null || { torn=$((torn + 1)); continue; }
	{ head -1 "$LAB_DIR/read.prom" | grep -q '^# HELP vipd_info ' &&
		tail -1 "$LAB_DIR/read.prom" | grep -Eq "$last"; } || torn=$((torn + 1))
	inodes+=("$(stat -c %i "$PROM" 2>/dev/null)")
	sleep "0.0$((RANDOM % 9 + 1))"
done
check "metrics_file: 60 reads during rewrites, none partial" test "$torn" = 0
n_inodes=$(printf '%s\n' "${inodes[@]}" | sort -u | wc -l)
# Any new inode proves a rename (an in-place rewrite keeps one); how many
# rewrites 60 reads catch depends on the machine's load.
check_num "metrics_file: replaced by rename (distinct inodes seen)" "$n_inodes" ">=" 2
check "metrics_file: no temporary file left beside it" \
	test "$(find "$LAB_DIR/textfile" -type f | wc -l)" = 1
check "metrics_file: shows the current state" grep -q '^vipd_group_state{group="1",state="MASTER"} 1$' "$PROM"

# --- events --follow ---------------------------------------------------------------
"$VIPCTL" -s "$LAB_DIR/a.sock" events --follow >"$LAB_DIR/follow.out" 2>"$LAB_DIR/follow.err" &
FOLLOW=$!
lab_track "$FOLLOW"
"$VIPCTL" -s "$LAB_DIR/b.sock" -j events -f >"$LAB_DIR/follow-b.out" 2>&1 &
FOLLOWB=$!
lab_track "$FOLLOWB"
wait_for "follow printed the start-up event" 2000 grep -q 'INIT -> MASTER' "$LAB_DIR/follow.out"
sleep 0.3
check "switchover on A exits 0" ctl a switchover
wait_holder b 2000
wait_for "follow printed the switchover" 3000 grep -q 'MASTER -> BACKUP (switchover requested)' "$LAB_DIR/follow.out"
check "events --follow: the new transition streamed while it ran" \
	grep -Eq '^[0-9T:.-]+Z group 1: MASTER -> BACKUP \(switchover requested\)$' "$LAB_DIR/follow.out"
check "events --follow: still running" lab_alive "$FOLLOW"
lab_stop_pid "$FOLLOW" INT 2000
check "events --follow: SIGINT ends it with exit 0" test "$?" = 0
check "events --follow: each event once" \
	test "$(grep -c 'MASTER -> BACKUP' "$LAB_DIR/follow.out")" = 1
wait_for "B's follow printed its takeover" 3000 grep -q '"to":"MASTER"' "$LAB_DIR/follow-b.out"
check "events -j --follow: one JSON object per line, with a sequence number" \
	sh -c "tail -1 '$LAB_DIR/follow-b.out' | jq -e '.seq >= 2 and .to == \"MASTER\" and .from == \"BACKUP\"' >/dev/null"
lab_stop_pid "$FOLLOWB" TERM 2000
check "events -j --follow: SIGTERM ends it with exit 0" test "$?" = 0
check "events still works without --follow" sh -c "'$VIPCTL' -s '$LAB_DIR/b.sock' events 1 | grep -q 'BACKUP -> MASTER'"

# --- check: WARNING ------------------------------------------------------------------
# B is MASTER now, A BACKUP.
wait_for "B sees A fit" 3000 peer_fit b
sleep 0.3
check "standby on A exits 0" ctl a standby on
chk a
check_plugin "check on a node in standby: WARNING (1)" 1 '^VIPD WARNING - node node-a: group 1 BACKUP, in standby, peer node-b MASTER'
wait_for "B sees A's standby" 2000 chk_is b 1
chk b
check_plugin "check on the master whose peer is in standby: WARNING (1)" 1 'group 1 MASTER, peer node-a in standby'
ctl a standby off
wait_for "B is OK again" 2000 chk_is b 0
node_stop a
wait_for "B: peer dead" 2000 chk_is b 1 'peer node-a DEAD'
check_plugin "check on a master with a dead peer: WARNING (1)" 1 '^VIPD WARNING - node node-b: group 1 MASTER, peer node-a DEAD'
chk a
check_plugin "check on the stopped node: UNKNOWN (3)" 3 "^VIPD UNKNOWN - $LAB_DIR/a.sock: "
check "metrics_file: removed when vipd stops cleanly" test ! -e "$PROM"

# --- metrics_file: a reload moves it --------------------------------------------------
node_start a
wait_for "A is BACKUP" 3000 state_is a BACKUP
wait_for "A wrote its file again" 2000 test -s "$PROM"
sed -i "s|$LAB_DIR/textfile/|$LAB_DIR/textfile2/|" "$LAB_DIR/a.conf"
check "reload with another metrics_file exits 0" ctl a reload
wait_for "the file moved" 2000 test -s "$LAB_DIR/textfile2/vipd.prom" -a ! -e "$PROM"
check "metrics_file: after the reload only the new file exists" \
	test -s "$LAB_DIR/textfile2/vipd.prom" -a ! -e "$PROM"
# A directory that went away (an unmounted file system): logged, survived.
mv "$LAB_DIR/textfile2" "$LAB_DIR/textfile3"
sleep 0.5
check "metrics_file: a missing directory is logged, vipd goes on" \
	sh -c "grep -q 'metrics_file $LAB_DIR/textfile2/vipd.prom: No such file or directory' '$LAB_DIR/a.log' && '$VIPCTL' -s '$LAB_DIR/a.sock' status >/dev/null"

# --- check: CRITICAL --------------------------------------------------------------------
wait_for "A is OK" 3000 chk_is a 0
# Heartbeats cut: A (BACKUP) times B out, its claim probe finds B still
# answering for the VIP, and it goes FAULT instead of becoming a second master.
hb_block
wait_for "A is FAULT during the partition" 3000 state_is a FAULT
chk a
check_plugin "check during a partition: CRITICAL (2) on the node that found the VIP in use" 2 \
	'^VIPD CRITICAL - node node-a: group 1 FAULT, another host answers for the VIP'
chk b
check_plugin "... WARNING (1) on the master, which no longer hears its peer" 1 \
	'^VIPD WARNING - node node-b: group 1 MASTER, peer node-a DEAD'
hb_unblock
wait_holder b 3000
wait_for "A OK after the heal" 3000 chk_is a 0
link_down a
wait_for "A is FAULT" 3000 state_is a FAULT
chk a
check_plugin "check on a FAULT node: CRITICAL (2), with the reason" 2 '^VIPD CRITICAL - node node-a: group 1 FAULT, [a-z]'
link_up a
wait_for "A is BACKUP again" 3000 state_is a BACKUP

node_stop a
node_stop b
check "no sanitizer report in the logs" logs_clean
[ "$LAB_NFAIL" = 0 ] || lab_dump 20
lab_finish
