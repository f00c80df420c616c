#!/bin/bash
# shellcheck disable=SC2317,SC2119 # case_N are called as "case_$c"; lab_key, hb_block take no args here
# run.sh - the fault matrix (shared/BRIEF.md, "Reliability and security"):
# each fault in its own netns lab, two real daemons (interval 50 ms, misses
# 3, A priority 100, B priority 90) and a client "phone" probing the VIP
# every 2 ms the whole time. For each case it records the client-observed
# gap, the time with two holders (the probe's double_ms, and a ~10 ms holder
# poller: the time both nodes hold the VIP after the fault ends), VIP moves
# or false failovers, and the final state; prints TAP, then a table.
#
#   1 kill -9 of the master, cable pulled; node back (vipd -c, cable, start)
#   2 SIGTERM of the master; restarted
#   3 SIGSTOP of the master for 5 s, then SIGCONT: the woken master yields
#   4 link down on the master, then up
#   5 link down on the backup, then up: the VIP does not move
#   6 heartbeat path cut for 2 s, then healed
#   6b A's port cut both ways for 2 s, healed one way first (A -> B 300 ms
#      before B -> A): the master must still announce again
#   7 1 %, 5 %, 20 % random loss on the master's port: false failovers
#   8 20 restarts of the master in a row
#   9 SIGHUP (config unchanged) under traffic: the VIP is never removed
#  10 the VIP deleted on the master by another program: repaired
#  11 the master's interface flushed, its own address back after 1 s
#  12 the master's interface deleted, re-created 1 s later (new ifindex)
#
# Asserted: the final state (one holder, the expected roles, and the
# client's last probes answered by that holder), two holders for at most
# one interval (+ FM_SLACK_MS) after each fault ends, zero false failovers
# at 1 % loss, no "Deleted" event for the VIP on reload. Gaps are printed,
# not asserted: the bounds in the brief belong to the benchmark, and this
# runs on loaded CI machines.
#
# "Moves" are what the phone sees: changes of the node answering for the
# VIP (the probe's switches). The poller samples every ~10 ms, so a VIP
# held for less than that can escape it; case 7 therefore also watches B's
# addresses with `ip monitor`, which sees every claim however short.
#
# Environment (defaults in brackets):
#   VIPD [build/vipd]  VIPCTL [build/vipctl]  PROBE [build/probe]
#   FAULT_LOSS_S [20]    seconds of each loss level in case 7
#   FAULT_CASES [1 2 3 4 5 6 6b 7 8 9 10 11 12]   which cases to run
#   FAULTS_OUT           also write the result table to this file
#   FAULTS_LOGS          keep each case's logs, probe and poller files in
#                        this directory (FAULTS_LOGS/case-N/)
set -u
FM_HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../netns/lib.sh
. "$FM_HERE/../netns/lib.sh"
# shellcheck source=fm.sh
. "$FM_HERE/fm.sh"
VIPCTL=${VIPCTL:-$LAB_ROOT/build/vipctl}
case $VIPCTL in /*) ;; *) VIPCTL=$PWD/$VIPCTL ;; esac

export LAB_INTERVAL_MS=50 LAB_MISSES=3
IV=$LAB_INTERVAL_MS
TWO_MAX=$((IV + FM_SLACK_MS))	# ms two holders may overlap after a fault ends
TAIL_MAX=300	# ms: the client's last answered probe at most this before its last probe
LOSS_S=${FAULT_LOSS_S:-20}
case $LOSS_S in '' | *[!0-9]* | 0) echo "# FAULT_LOSS_S must be a positive number" >&2; exit 2 ;; esac
[ "$LOSS_S" -le 300 ] || { echo "# FAULT_LOSS_S is at most 300" >&2; exit 2; }
CASES=${FAULT_CASES:-1 2 3 4 5 6 6b 7 8 9 10 11 12}

for f in "$VIPD" "$VIPCTL" "$PROBE"; do
	[ -x "$f" ] || { echo "not ok - $f is not built"; exit 1; }
done
command -v jq >/dev/null || { echo "not ok - jq is not installed"; exit 1; }

# ---- per-case scaffolding ----

CASE=		# the running case's name, e.g. "3"
CASE_ROW=	# its first column in the result table
CASE_PROBE=	# the name of its client probe and poller files, e.g. "c3"
CASE_FAIL0=0	# LAB_NFAIL when the case began
CASE_T0=0	# lab_now when the case began

# case_begin NAME ROW TITLE - a fresh lab: A master, B backup, settled.
# ROW is the case's first column in the table; the client probe is "cNAME".
# If the lab cannot be set up, the case ends here (case_end - - -) and
# this returns 1: the caller returns.
case_begin() {
	CASE=$1
	CASE_ROW=$2
	CASE_PROBE=c$1
	CASE_FAIL0=$LAB_NFAIL
	lab_now
	CASE_T0=$LAB_NOW_MS
	echo "# --- case $1: $3"
	_case_begin "$1" && return 0
	case_end - - -
	return 1
}

# _case_begin NAME - case_begin's lab, 0 when it is settled.
_case_begin() {
	lab_up || { not_ok "case $1: lab set-up"; return 1; }
	lab_key
	lab_conf a 100
	lab_conf b 90
	serve_start a
	serve_start b
	node_start a
	node_start b
	if ! wait_for "case $1 settles: A master, B backup" 5000 fm_settled a b; then
		not_ok "case $1: A MASTER, B BACKUP after start (holders '$(vip_holders)')"
		return 1
	fi
	return 0
}

# case_check_final MASTER BACKUP [PROBE_NAME] - assert the steady state
# after the case: MASTER is the one holder, BACKUP is backup (waits up to
# 3 s for it); and the client's last probes were answered by MASTER.
case_check_final() {
	local tail_node tail_ms
	wait_for "case $CASE final state: $1 MASTER, $2 BACKUP" 3000 fm_settled "$1" "$2"
	check_eq "case $CASE: final holder (vip_holders)" "$(vip_holders)" "$1"
	check_eq "case $CASE: final states" "$(fm_state "$1")/$(fm_state "$2")" "MASTER/BACKUP"
	[ -n "${3:-}" ] || return 0
	read -r tail_node tail_ms <<<"$(fm_client_tail "$LAB_DIR/$3.ev")"
	check_eq "case $CASE: the client's last probes reach the VIP on the holder" \
		"$tail_node/$([ "${tail_ms:-999}" -le "$TAIL_MAX" ] && echo answered || echo "unanswered for the last $tail_ms ms")" \
		"$1/answered"
}

# case_check_two MS [BOUND] - assert the two-holder time after the fault.
case_check_two() {
	check_num "case $CASE: two holders after the fault ends (ms, poller)" "$1" "<=" \
		"${2:-$TWO_MAX}"
}

# case_traffic CLIENT_MS POLL_MS - start the case's client probe and the
# holder poller, for at most CLIENT_MS and POLL_MS.
case_traffic() {
	fm_client_start "$CASE_PROBE" "$1"
	fm_poll_start "$CASE_PROBE" "$2"
}

# case_traffic_stop [WAIT_MS] - stop the client (or, with WAIT_MS, let it
# finish its count, waiting up to WAIT_MS) and the poller; print the probe
# summary and set poll_stats' variables (AB_AFTER, MOVES, ...).
case_traffic_stop() {
	if [ -n "${1:-}" ]; then
		client_wait "$1"
	else
		fm_client_stop
	fi
	fm_poll_stop
	probe_summary "$CASE_PROBE"
	poll_stats
}

# case_close MASTER BACKUP [MORE] - the usual end of a case: the final
# state (case_check_final, with the client's tail), the two-holder time,
# then case_end with the probe's gap, its double_ms and its switches
# ("VIP moves: N", then MORE).
case_close() {
	case_check_final "$1" "$2" "$CASE_PROBE"
	case_check_two "$AB_AFTER"
	case_end "$(pf "$CASE_PROBE" max_gap_ms)" "$AB_AFTER (probe $(pf "$CASE_PROBE" double_ms))" \
		"VIP moves: $(pf "$CASE_PROBE" switches)${3:-}"
}

# case_end GAP TWO MOVES - print the logs if the case failed, add its table
# row, take the lab down.
case_end() {
	local verdict=PASS
	if [ "$LAB_NFAIL" != "$CASE_FAIL0" ]; then
		verdict=FAIL
		[ -n "$FM_POLL_OUT" ] && [ -s "$FM_POLL_OUT" ] && {
			echo "# holder poller trace:"
			fm_poll_trace "$FM_POLL_OUT" "${T_END:-0}"
		}
		case_dump
	fi
	if [ -n "$LAB_P" ]; then
		fm_row "$CASE_ROW" "$1" "$2" "$3" "$(fm_final_state)" "$verdict"
	else
		fm_row "$CASE_ROW" "$1" "$2" "$3" "no lab" "$verdict"
	fi
	lab_quiet_down
}

# case_dump - what a failed case leaves to look at: logs, status, filters.
case_dump() {
	local n
	for n in a b; do
		[ -f "$LAB_DIR/$n.log" ] || continue
		echo "# $n.log (last 15 lines):"
		tail -n 15 "$LAB_DIR/$n.log" | sed 's/^/#   /'
		echo "# vipctl status on $n:"
		"$VIPCTL" -s "$LAB_DIR/$n.sock" status 2>&1 | sed 's/^/#   /'
		echo "# switch port p$n, ingress filters:"
		tc -s -n "$(lab_ns sw)" filter show dev "p$n" ingress 2>&1 | sed 's/^/#   /' | head -n 20
	done
}

# lab_quiet_down - stop the backup first, so that the master's SIGTERM
# does not wait for an acknowledgement that will never come, then lab_down.
lab_quiet_down() {
	local m n
	fm_poll_stop
	fm_mon_stop
	lab_now
	echo "# case ${CASE%%/*}: $(((LAB_NOW_MS - CASE_T0) / 1000)) s"
	if [ -n "${FAULTS_LOGS:-}" ] && [ -n "$LAB_DIR" ]; then
		mkdir -p "$FAULTS_LOGS/case-${CASE%%/*}" &&
			cp "$LAB_DIR"/*.log "$LAB_DIR"/*.probe* "$LAB_DIR"/*.ev "$LAB_DIR"/*.poll \
				"$LAB_DIR"/*.conf "$FAULTS_LOGS/case-${CASE%%/*}/" 2>/dev/null
		cp "$LAB_DIR"/*.mon "$FAULTS_LOGS/case-${CASE%%/*}/" 2>/dev/null
	fi
	for n in a b; do node_signal "$n" CONT 2>/dev/null; done
	for n in a b; do
		[ "$(fm_state "$n")" = MASTER ] && continue
		node_alive "$n" && node_stop "$n" 3000
	done
	for m in a b; do
		node_alive "$m" && wait_for "$m sees its peer gone" 1000 fm_peer_gone "$m" 2>/dev/null
	done
	lab_down
	FM_POLL_OUT=
	T_END=
}

# probe_summary NAME - "gap X ms, lost N, switches N, double_ms X" comment.
probe_summary() {
	local f=$LAB_DIR/$1.probe
	echo "# probe: $(cat "$f" 2>/dev/null)"
}

# pf NAME KEY - a field of the probe summary of NAME.
pf() {
	probe_field "$LAB_DIR/$1.probe" "$2"
}

# poll_stats - set AB_AFTER AB_TOTAL MOVES NOA_MS NONE_MS SAMPLES MAXSTEP
# NONE_AFTER from the running case's poller file, after T_END.
poll_stats() {
	read -r AB_AFTER AB_TOTAL MOVES NOA_MS NONE_MS SAMPLES MAXSTEP NONE_AFTER \
		<<<"$(fm_poll_stats "$FM_POLL_OUT" "$T_END")"
	echo "# poller: two holders ${AB_TOTAL} ms in all, ${AB_AFTER} ms after the fault;" \
		"no holder ${NONE_MS} ms in all, ${NONE_AFTER} ms after the fault; holder changes ${MOVES};" \
		"${SAMPLES} samples, longest step ${MAXSTEP} ms"
}

# mark_end - the fault ends now.
mark_end() {
	T_END=$(fm_now_us)
}

# ---- the cases ----

# 1: kill -9 of the master with its cable pulled; the node comes back.
case_1() {
	case_begin 1 "1 kill -9 master (cable pulled), node back" \
		"kill -9 of the master, cable pulled, node back" || return
	case_traffic 20000 20000
	sleep 0.5
	link_down a	# the node is gone from the LAN ...
	node_kill a	# ... and its vipd is dead; the VIP stays on its eth0
	wait_for "B holds the VIP" 3000 fm_holds b
	sleep 0.5
	lab_exec a "$VIPD" -c -f "$LAB_DIR/a.conf" >>"$LAB_DIR/a.log" 2>&1
	check "case 1: vipd -c removed the VIP kill -9 left on A" lab_holders_are b
	link_up a
	mark_end
	node_start a
	wait_for "A is BACKUP" 3000 fm_state_is a BACKUP
	sleep 0.5
	case_traffic_stop
	check_eq "case 1: B took over because A timed out" \
		"$(js b '.groups[0].reason')" "peer timed out"
	check_eq "case 1: A came back as BACKUP, not by claiming" \
		"$(js a '.groups[0].reason')" "peer is master"
	echo "# case 1: crash gap $(pf c1 max_gap_ms) ms (bound in the brief: 50 x 3 + 20 = 170 ms)"
	case_close b a
}

# 2: SIGTERM of the master; restarted, it returns as backup.
case_2() {
	local rc
	case_begin 2 "2 SIGTERM master, restart" "SIGTERM of the master, restart" || return
	case_traffic 20000 20000
	sleep 0.5
	mark_end
	node_stop a
	rc=$?
	check_eq "case 2: vipd on A exited 0 after SIGTERM" "$rc" 0
	wait_for "B holds the VIP" 2000 lab_holders_are b
	node_start a
	wait_for "A is BACKUP" 3000 fm_state_is a BACKUP
	sleep 0.5
	case_traffic_stop
	check_eq "case 2: B took over because A resigned" \
		"$(js b '.groups[0].reason')" "peer resigned"
	echo "# case 2: handover gap $(pf c2 max_gap_ms) ms (target in the brief: < 20 ms)"
	case_close b a
}

# 3: the master is frozen for 5 s, then continued. B takes over during the
# freeze (unless it sees the VIP still answered: the frozen node's kernel
# does answer, and a claim probe may keep B out); the woken master yields
# to a B that took over, and keeps serving if B did not.
case_3() {
	local t0 took m
	case_begin 3 "3 SIGSTOP master 5 s, SIGCONT" "SIGSTOP of the master for 5 s, then SIGCONT" ||
		return
	case_traffic 20000 20000
	sleep 0.5
	lab_now
	t0=$LAB_NOW_MS
	node_signal a STOP
	wait_for "B claims during the freeze" 3000 fm_holds b 2>/dev/null
	fm_sleep_until "$t0" 5000
	took=no
	fm_holds b && took=yes
	echo "# case 3: end of the freeze: B is $(js b '.groups[0].state') ($(js b '.groups[0].reason')), holders '$(vip_holders)'"
	node_signal a CONT
	mark_end
	wait_for "one holder after SIGCONT" 2000 fm_one_holder
	sleep 1
	case_traffic_stop
	echo "# case 3: A after SIGCONT: $(js a '.groups[0].state') ($(js a '.groups[0].reason'))"
	check_num "case 3: A noticed it was stalled (counters.stalls)" \
		"$(js a '.groups[0].counters.stalls')" ">=" 1
	if [ "$took" = yes ]; then
		m=b
		check_eq "case 3: the woken master yielded: one holder change (A -> B), none back" \
			"$MOVES" 1
	else
		m=a
		echo "# case 3: B did not take over during the freeze (the lead's case list expects it to)"
		check_num "case 3: B did not take over, so the woken master kept the VIP (ms without a holder after SIGCONT)" \
			"$NONE_AFTER" "<=" "$FM_SLACK_MS"
	fi
	case_close "$m" "$(fm_other "$m")" "; B took over: $took"
}

# 4: the master's cable is pulled for 2 s, then plugged back.
case_4() {
	local h m t0
	case_begin 4 "4 link down on master 2 s, up" "link down on the master, then up" || return
	case_traffic 20000 20000
	sleep 0.5
	lab_now
	t0=$LAB_NOW_MS
	link_down a
	wait_for "B holds the VIP" 3000 fm_holds b
	check_eq "case 4: B took over while A's cable was out" "$(js b '.groups[0].state')" MASTER
	echo "# case 4: during the cut A is $(js a '.groups[0].state') ($(js a '.groups[0].reason')), holders '$(vip_holders)'"
	fm_sleep_until "$t0" 2000
	link_up a
	mark_end
	wait_for "one holder after link up" 2000 fm_one_holder
	sleep 1
	case_traffic_stop
	# Either node may end as master: A by the ranking (A 100 > B 90) if
	# it kept the VIP while cut off, B if A gave it up (no carrier).
	h=$(vip_holders)
	case $h in a | b) m=$h ;; *) m=a ;; esac
	echo "# case 4: after link up the VIP is on '${h}' ($(js a '.groups[0].reason') / $(js b '.groups[0].reason'))"
	case_close "$m" "$(fm_other "$m")"
}

# 5: the backup's cable is pulled for 2 s: the master keeps the VIP.
case_5() {
	local since claims
	case_begin 5 "5 link down on backup 2 s, up" "link down on the backup, then up" || return
	since=$(fm_iso_now)
	case_traffic 20000 20000
	sleep 0.5
	link_down b
	sleep 2
	echo "# case 5: isolated B is $(js b '.groups[0].state') ($(js b '.groups[0].reason')), holders '$(vip_holders)'"
	link_up b
	mark_end
	wait_for "one holder after link up" 2000 fm_one_holder
	sleep 1
	case_traffic_stop
	claims=$(fm_masters_since b "$since")
	# Not asserted (yet): the brief wants an isolated backup to go FAULT
	# instead (pain 2); vipd has no link/upstream check so far.
	echo "# case 5: B claimed MASTER ${claims:-?} times while its cable was out (brief, pain 2: it should go FAULT)"
	check_num "case 5: A never lost the VIP (ms without it, poller)" "$NOA_MS" "==" 0
	check_eq "case 5: the client never switched node" "$(pf c5 switches)" 0
	case_close a b "; isolated B claimed ${claims:-?} times"
}

# 6: heartbeats cut both ways for 2 s while both nodes stay up, then healed.
case_6() {
	local t0
	case_begin 6 "6 heartbeat path cut 2 s, healed" "heartbeat path cut for 2 s, healed" || return
	case_traffic 20000 20000
	sleep 0.5
	lab_now
	t0=$LAB_NOW_MS
	hb_block
	# Two masters during the cut are allowed, not required: B may see
	# that A still answers for the VIP and stay out of it.
	fm_sleep_until "$t0" 1900
	echo "# case 6: during the cut B is $(js b '.groups[0].state') ($(js b '.groups[0].reason')), holders '$(vip_holders)'"
	fm_sleep_until "$t0" 2000
	hb_unblock
	mark_end
	wait_for "one holder after the heal" 2000 fm_one_holder
	sleep 1
	case_traffic_stop
	case_close a b " (during the cut)"
}

# 6b: A's port cut both ways for 2 s (every frame; the carrier stays up),
# healed one way first: A's frames pass 300 ms before B's reach A again (a
# heal is rarely simultaneous in both directions). B takes over during the
# cut and yields when it hears A; A must still learn that B held the VIP and
# announce it again, or the client keeps B's MAC and cannot reach the VIP.
case_6b() {
	local t0
	case_begin 6b "6b A's port cut 2 s, healed A->B 300 ms before B->A" \
		"A's port cut both ways for 2 s, healed one way first" || return
	case_traffic 20000 20000
	sleep 0.5
	lab_now
	t0=$LAB_NOW_MS
	fm_cut a from
	fm_cut a to
	wait_for "B holds the VIP during the cut" 3000 fm_holds b
	check_eq "case 6b: B took over while A was cut off" "$(js b '.groups[0].state')" MASTER
	fm_sleep_until "$t0" 2000
	fm_uncut a from
	mark_end
	wait_for "one holder after A's frames pass" 2000 fm_one_holder
	fm_sleep_until "$t0" 2300
	fm_uncut a to
	sleep 1
	case_traffic_stop
	case_close a b
}

# 7: random loss on the master's switch port: false failovers.
case_7() {
	local pct since ff sw fail0 verdict holds hmin hmax
	case_begin 7 "7 loss" "random loss on the master's port, ${LOSS_S} s per level" || return
	for pct in 1 5 20; do
		fail0=$LAB_NFAIL
		CASE_PROBE=c7-$pct
		CASE=7/$pct%
		wait_for "settled before ${pct} % loss" 3000 fm_settled a b
		since=$(fm_iso_now)
		case_traffic $((LOSS_S * 1000 + 10000)) $((LOSS_S * 1000 + 10000))
		fm_mon_start b "$LAB_DIR/$CASE_PROBE.mon" $((LOSS_S + 10))
		sleep 0.3
		lab_loss a "$pct" || not_ok "case 7: lab_loss a $pct"
		sleep "$LOSS_S"
		lab_loss_clear a
		mark_end
		wait_for "settled after ${pct} % loss" 3000 fm_settled a b
		sleep 0.5
		case_traffic_stop
		fm_mon_stop
		ff=$(fm_masters_since b "$since")
		read -r holds hmin hmax <<<"$(fm_mon_holds "$LAB_DIR/$CASE_PROBE.mon")"
		echo "# case 7: B added the VIP $holds times, held it $hmin..$hmax ms (ip monitor on B)"
		sw=$(pf "$CASE_PROBE" switches)
		echo "# case 7: ${pct} % loss for ${LOSS_S} s: B became MASTER ${ff:-?} times," \
			"A's peer loss $(js a '.groups[0].peer.loss_pct') %"
		[ "$pct" = 1 ] && check_eq "case 7: no false failover at 1 % loss" "${ff:-?}" 0
		case_check_final a b "$CASE_PROBE"
		case_check_two "$AB_AFTER"
		verdict=PASS
		[ "$LAB_NFAIL" != "$fail0" ] && verdict=FAIL
		fm_row "7 loss ${pct} % on master port, ${LOSS_S} s" "$(pf "$CASE_PROBE" max_gap_ms)" \
			"$AB_AFTER (probe $(pf "$CASE_PROBE" double_ms))" \
			"false failovers: ${ff:-?}$([ "${holds:-0}" -gt 0 ] && echo " (B held the VIP $hmin..$hmax ms)"); VIP moves: $sw" \
			"$(fm_final_state)" "$verdict"
	done
	[ "$LAB_NFAIL" != "$CASE_FAIL0" ] && case_dump
	lab_quiet_down
}

# 8: 20 restarts of the master in a row (each: SIGTERM, start, settle).
case_8() {
	local i m o rc bad=0 t_end0 over mg nrest=20
	case_begin 8 "8 20 restarts of the master" "$nrest restarts of the master in a row" || return
	case_traffic 120000 120000
	sleep 0.3
	mark_end	# for this case the whole run counts: there is no "after"
	lab_now
	t_end0=$((LAB_NOW_MS + 90000))	# the loop's time bound
	m=a
	for ((i = 1; i <= nrest; i++)); do
		o=$(fm_other "$m")
		node_stop "$m" 3000
		rc=$?
		[ "$rc" = 0 ] || { bad=$((bad + 1)); echo "# restart $i: vipd on $m exited $rc"; }
		wait_for "restart $i: $o holds the VIP" 2000 lab_holders_are "$o" || bad=$((bad + 1))
		node_start "$m"
		if ! wait_for "restart $i: settled ($o master, $m backup)" 3000 fm_settled "$o" "$m"; then
			bad=$((bad + 1))
			echo "# restart $i: not settled: $(fm_final_state)"
		fi
		m=$o
		lab_now
		[ "$LAB_NOW_MS" -ge "$t_end0" ] && { echo "# case 8: time bound hit after $i restarts"; break; }
	done
	sleep 0.3
	case_traffic_stop
	over=$(fm_gaps_over "$LAB_DIR/c8.ev" 20)
	mg=$(pf c8 max_gap_ms)
	# A gap is a stretch of lost probes; max_gap_ms also counts stretches
	# in which the loaded client itself sent nothing.
	echo "# case 8: $((i > nrest ? nrest : i)) restarts: $over client gaps (lost probes) > 20 ms, max gap $mg ms"
	check_eq "case 8: all $nrest restarts done, each exited 0 and settled" "$i/$bad" "$((nrest + 1))/0"
	case_check_final "$m" "$(fm_other "$m")" c8
	check_num "case 8: two holders at any time during the restarts (ms, poller)" "$AB_TOTAL" \
		"<=" "$TWO_MAX"
	case_end "$mg" "$AB_TOTAL, whole run (probe: n/a, nodes take turns)" \
		"VIP moves: $(pf c8 switches); gaps > 20 ms: $over"
}

# 9: SIGHUP of the master, config unchanged, under traffic.
case_9() {
	local mon tr0 tr1 del
	case_begin 9 "9 reload (SIGHUP) under traffic" \
		"reload (SIGHUP, config unchanged) under traffic" || return
	mon=$LAB_DIR/c9.mon
	fm_mon_start a "$mon" 20
	sleep 0.2
	# Prove the monitor listens: an address of our own, added and deleted.
	ip -n "$(lab_ns a)" addr add 192.0.2.250/32 dev lo
	ip -n "$(lab_ns a)" addr del 192.0.2.250/32 dev lo
	wait_for "the monitor saw the test address go" 2000 grep -q 'Deleted.* 192\.0\.2\.250/' "$mon"
	check "case 9: ip monitor reports address deletions" grep -q 'Deleted.* 192\.0\.2\.250/' "$mon"
	tr0=$(js a '.groups[0].counters.transitions')
	case_traffic 3000 10000
	sleep 1
	mark_end
	node_signal a HUP
	wait_for "A applied the reload" 2000 grep -q 'reload: .* applied' "$LAB_DIR/a.log"
	case_traffic_stop 6000
	sleep 0.1
	fm_mon_stop
	tr1=$(js a '.groups[0].counters.transitions')
	del=$(grep -c "Deleted.* ${LAB_VIP//./\\.}/" "$mon")
	echo "# case 9: address events on A during the reload:"
	grep -v '192\.0\.2\.250/' "$mon" | sed 's/^/#   /' | head -n 10
	check "case 9: A applied the reload" grep -q 'reload: .* applied' "$LAB_DIR/a.log"
	check_eq "case 9: no Deleted event for the VIP on A (ip monitor)" "$del" 0
	check_num "case 9: A never lost the VIP (ms without it, poller)" "$NOA_MS" "==" 0
	check_eq "case 9: A made no transition" "$tr1" "$tr0"
	check_num "case 9: probes lost during the reload (noise allowance 3)" "$(pf c9 lost)" "<=" 3
	case_close a b "; probes lost: $(pf c9 lost); VIP deletions: $del"
}

# 10: another program deletes the VIP on the master; vipd puts it back.
case_10() {
	local mon r t0
	case_begin 10 "10 VIP deleted on the master by another program" \
		"the VIP deleted on the master by another program" || return
	mon=$LAB_DIR/c10.mon
	fm_mon_start a "$mon" 20
	sleep 0.2
	case_traffic 3000 10000
	sleep 1
	t0=$(date +%T.%N)
	ip -n "$(lab_ns a)" addr del "$LAB_VIP/24" dev eth0
	mark_end
	wait_for "A has the VIP again" 1000 lab_holders_are a
	case_traffic_stop 6000
	fm_mon_stop
	# From before the deleting command to when the monitor read the re-add: an upper bound.
	r=$(awk -v a=" $LAB_VIP/24 " -v t0="$t0" '
		function ms(s,   h) { split(s, h, ":"); return ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 }
		index($0, a) && !index($0, "Deleted") { d = ms(substr($0, 13, 15)) - ms(t0)
			if (d >= 0) { printf "%.1f", d; exit } }' "$mon")
	echo "# case 10: the VIP was back on A at most ${r:-never} ms after the deletion began" \
		"(interval ${IV} ms)"
	check_num "case 10: back within one interval (ms, ip monitor)" "${r:-9999}" "<=" "$TWO_MAX"
	check_eq "case 10: A counted one repair" "$(js a '.groups[0].counters.vip_repairs')" 1
	check_eq "case 10: no failover" "$(js b '.groups[0].counters.transitions')" 1
	case_close a b "; back after ${r:-?} ms"
}

# 11: the master's interface flushed (every address), its own back after 1 s.
case_11() {
	case_begin 11 "11 flush of the master's interface, address back after 1 s" \
		"ip addr flush on the master, its address back after 1 s" || return
	case_traffic 4000 10000
	sleep 1
	ip -n "$(lab_ns a)" addr flush dev eth0
	sleep 1
	ip -n "$(lab_ns a)" addr add "${LAB_IP4[a]}/24" dev eth0
	ip -n "$(lab_ns a)" addr add "${LAB_IP6[a]}/64" dev eth0 nodad
	mark_end
	if wait_for "one holder again" $((IV * LAB_MISSES)) fm_one_holder; then
		ok "case 11: one holder within misses x interval of the address's return"
	else
		not_ok "case 11: holders '$(vip_holders)' $((IV * LAB_MISSES)) ms after the address returned"
	fi
	case_traffic_stop 6000
	case_close a b "; no holder ${NONE_MS} ms"
}

# 12: the master's interface deleted; 1 s later one of that name is back.
case_12() {
	case_begin 12 "12 master's interface deleted, re-created after 1 s" \
		"the master's interface deleted and re-created (new ifindex)" || return
	case_traffic 5000 10000
	sleep 1
	ip -n "$(lab_ns a)" link del eth0
	wait_for "B holds the VIP" 2000 fm_holds b
	check_eq "case 12: A is FAULT for its missing interface" \
		"$(js a '.groups[0].state') / $(js a '.groups[0].reason')" \
		"FAULT / interface eth0 missing"
	sleep 1
	lab_iface_recreate a
	mark_end
	wait_for "A is BACKUP" 3000 fm_state_is a BACKUP
	case_traffic_stop 8000
	case_close b a "; A resumed as BACKUP by itself"
}

# ---- main ----

lab_now
T_RUN0=$LAB_NOW_MS
for c in $CASES; do
	case $c in
	[1-9] | 6b | 1[0-2]) "case_$c" ;;
	*) echo "# unknown case '$c'" >&2; exit 2 ;;
	esac
done
lab_now
echo "# fault matrix: $(((LAB_NOW_MS - T_RUN0) / 1000)) s, interval ${IV} ms x ${LAB_MISSES} misses"
fm_table | sed 's/^/# /'
if [ -n "${FAULTS_OUT:-}" ]; then
	fm_table >"$FAULTS_OUT" || not_ok "writing the table to $FAULTS_OUT"
fi
lab_finish
