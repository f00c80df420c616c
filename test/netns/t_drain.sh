#!/bin/bash
# t_drain.sh - switchover --when-idle with real SIP dialogs: sipp calls
# (INVITE, a few seconds of call, BYE) from the phone's namespace to the
# node IP, through kamailio with the dialog module on the master, to a sipp
# UAS; vipd's calls_command is scripts/vipd-calls-kamailio (kamcmd over the
# ctl socket). The master hands over only after the last call ended, no
# call is dropped (sipp: every call successful, every BYE answered), and
# the switchover itself has the usual < 20 ms gap. Also: --max-wait with
# --then cancel and --then switch, --cancel, standby on --when-idle, and a
# call counter that fails (kamailio stopped) never counting as 0.
#
# Kamailio listens on the node IP on both nodes (net.ipv4.ip_nonlocal_bind
# in the node namespaces), so it answers wherever the address is.
set -u
. "$(dirname "$0")/lib.sh"

for cmd in kamailio kamcmd sipp; do
	if ! command -v "$cmd" >/dev/null; then
		echo "1..0 # SKIP $cmd not installed (make deps)"
		exit 0
	fi
done
export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_ready
# vipd runs only programs in directories no one but root can write (trust.c):
# the call counters run from a copy in the lab's directory, wherever the tree lives.
SCRIPTS=$LAB_DIR/scripts
mkdir -m 755 "$SCRIPTS" && cp "$LAB_ROOT"/scripts/vipd-* "$SCRIPTS/" && chmod 755 "$SCRIPTS"/* ||
	{ not_ok "copy the scripts to $SCRIPTS"; lab_finish; }
serve_start a
serve_start b

# kam_start NODE - kamailio with the dialog module, proxying to the UAS on C.
kam_start() {
	kam_run "$1" <<EOF
debug=1
# One worker per socket: with two, a 180 and the 200 right behind it can be
# relayed out of order, and sipp's stock UAC aborts a call on a late 180
# (kamailio logs "bogus event 2 in state 4"). A phone shrugs that off.
children=1
listen=udp:$LAB_VIP:5060
listen=udp:${LAB_IP4[$1]}:5060
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "siputils.so"
loadmodule "ctl.so"
loadmodule "dialog.so"
modparam("ctl", "binrpc", "unix:$LAB_DIR/kam-$1/ctl")
# sipp's stock UAC ignores Record-Route: match in-dialog requests by their
# Call-ID and tags too (a phone would send them with a Route header).
modparam("dialog", "dlg_match_mode", 1)
request_route {
	if (has_totag()) {
		dlg_manage();
		if (!loose_route())
			\$du = "sip:${LAB_IP4[c]}:5070";
		t_relay();
		exit;
	}
	if (method == "OPTIONS") {
		sl_send_reply("200", "OK");
		exit;
	}
	if (method == "INVITE") {
		dlg_manage();
		record_route();
	}
	\$du = "sip:${LAB_IP4[c]}:5070";
	t_relay();
}
EOF
}
calls_on() { lab_exec "$1" "$SCRIPTS/vipd-calls-kamailio" -s "unix:$LAB_DIR/kam-$1/ctl" 2>/dev/null; }
kam_up() { test -n "$(calls_on "$1")"; }
calls_are() { test "$(calls_on "$1")" = "$2"; }
# calls_start TAG N DURATION_MS - N sipp calls to the node IP, all at once;
# the screen at the end into $LAB_DIR/TAG.screen; sets CALLS_PID.
calls_start() {
	lab_bg c "$LAB_DIR/$1.out" sipp -sn uac "$LAB_VIP:5060" -i "${LAB_IP4[c]}" -p 0 \
		-m "$2" -l "$2" -r "$2" -d "$3" -nostdin -timeout 30s -timeout_error \
		-screen_file "$LAB_DIR/$1.screen" -trace_screen
	CALLS_PID=$LAB_BG_PID
}
# calls_done TAG TIMEOUT_MS - wait for that sipp; sets CALLS_RC.
calls_done() {
	wait_for "sipp $1 ends" "$2" not lab_alive "$CALLS_PID"
	lab_stop_pid "$CALLS_PID" TERM 2000
	CALLS_RC=$?
}
# calls_diag TAG NODE - why TAG's calls failed, as TAP comments: sipp's
# output and final screen, and the tail of NODE's kamailio log.
calls_diag() {
	local f
	echo "# calls: A $(calls_on a), B $(calls_on b); holders: $(vip_holders); the phone's neighbour entry: $(lab_exec c ip neigh show "$LAB_VIP")"
	for f in "$LAB_DIR/$1.out" "$LAB_DIR/$1.screen" "$LAB_DIR/kam-$2.log" "$LAB_DIR/uas.out"; do
		[ -f "$f" ] || continue
		echo "# --- tail of ${f##*/}"
		tail -n 25 "$f" | sed 's/^/#   /'
	done
}
# calls_up TAG NODE N - wait until NODE's kamailio counts N calls; why not, if never.
calls_up() {
	wait_for "$3 calls up on $2" 5000 calls_are "$2" "$3" || { calls_diag "$1" "$2"; return 1; }
}
# test_call - one short call from the phone through the node IP; true if it ended well.
test_call() {
	calls_start warm 1 200
	calls_done warm 5000
	test "$CALLS_RC" = 0 -a "$(successful warm)" = "1 0"
}
# successful TAG - "successful failed" calls from sipp's final screen.
successful() {
	awk -F'|' '/Successful call/ { gsub(/ /, "", $3); s = $3 } /Failed call/ { gsub(/ /, "", $3); f = $3 }
		END { print s " " f }' "$LAB_DIR/$1.screen"
}
# neigh_is NODE - the phone's ARP entry for the node IP points at NODE (new calls go there).
neigh_is() { test "$(neigh_mac "$LAB_VIP")" = "$(node_mac "$1")"; }
drain_ended() { js "$1" '.groups[0].drain.ended' | grep -q "$2"; }
callsconf() {
	printf 'calls_command = [ "%s", "-s", "unix:%s" ]; calls_interval_ms = 300; calls_timeout_ms = 1000;' \
		"$SCRIPTS/vipd-calls-kamailio" "$LAB_DIR/kam-$1/ctl"
}

for n in a b; do
	lab_exec "$n" sysctl -qw net.ipv4.ip_nonlocal_bind=1
	kam_start "$n"
done
lab_bg c "$LAB_DIR/uas.out" sipp -sn uas -i "${LAB_IP4[c]}" -p 5070 -nostdin
uas_up() { lab_exec c ss -Hlun "sport = :5070" | grep -q .; }
wait_for "the UAS listens on C" 5000 uas_up
wait_for "kamailio on A answers kamcmd" 5000 kam_up a
wait_for "kamailio on B answers kamcmd" 5000 kam_up b
check "the Kamailio call counter says 0 on an idle kamailio" calls_are a 0
lab_pair_up -f callsconf
sleep 0.3	# B rises in A's eyes
# The SIP path (phone, node IP, kamailio on A, UAS) carries a call before
# anything is measured on it; the drain checks below count calls, not start-up.
wait_for "a test call through A's kamailio ends well" 15000 test_call ||
	calls_diag warm a
check "a test call through the node IP ends well" test "$(successful warm)" = "1 0"

# --- switchover --when-idle waits for the last call ------------------------------------------
calls_start idle 3 3000
calls_up idle a 3
check "3 sipp calls up through A's kamailio (dialog module)" calls_are a 3
client_start "$LAB_DIR/idle.probe" -t "$LAB_VIP" -i 2 -d 6000 -w
check "switchover --when-idle is accepted" ctl a switchover --when-idle --max-wait 30s
sleep 0.5
ctl a status >"$LAB_DIR/a.status"
check "status: draining: 3 calls, waiting since ..." \
	grep -Eq '^  draining: 3 calls, waiting since [0-9-]+ [0-9:]+ \(switchover, max wait 30 s then switch\)$' "$LAB_DIR/a.status"
sed -n '/draining/s/^/# /p' "$LAB_DIR/a.status"
check "--json: drain active, 3 calls" test "$(js a '.groups[0].drain | [.active, .calls] | join(" ")')" = "true 3"
# While a call is up on A, the node IP must stay there. sipp may outlive
# its last BYE by a little, so a move is early only if A's kamailio still
# counts a call when it is seen (a call whose BYE went to B after an early
# move stays counted on A).
early=0
for ((i = 0; i < 400; i++)); do
	lab_alive "$CALLS_PID" || break
	if ! lab_holders_are a; then
		calls_are a 0 || { early=1; echo "# the node IP left A with $(calls_on a) call(s) up"; }
		break
	fi
	sleep 0.02
done
check "the node IP stayed on A while any call was up" test "$early" = 0
calls_done idle 10000
check "sipp: exit 0" test "$CALLS_RC" = 0
check "sipp: 3 successful calls, 0 failed (every BYE answered)" test "$(successful idle)" = "3 0" ||
	calls_diag idle a
wait_holder b 3000
check "after the last call: B holds the node IP" lab_holders_are b
check "A says how the drain ended" drain_ended a "no call is up: handing over"
check "A's log: switchover when idle" grep -q "switchover when idle (waiting since [0-9:]*): no call is up: handing over" "$LAB_DIR/a.log"
client_wait 8000
g=$(probe_field "$LAB_DIR/idle.probe" max_gap_ms)
echo "# switchover when idle: client-observed gap ${g} ms"
check_num "the switchover itself: gap (ms)" "${g:-x}" "<" 20
check "B took over as for a switchover" test "$(js b '.groups[0].reason')" = "peer resigned"

# --- --max-wait with --then cancel: gives up, nothing moves -----------------------------------
wait_for "the phone sends to B" 3000 neigh_is b
sleep 0.3
calls_start mwc 2 3000
calls_up mwc b 2
check "switchover --when-idle --max-wait 1s --then cancel" \
	ctl b switchover --when-idle --max-wait 1s --then cancel
wait_for "B gives up" 3000 drain_ended b "gave up"
check "max wait over with calls up: B gave up" drain_ended b "max wait of 1000 ms reached with 2 call(s) up: gave up, nothing moved"
check "... and keeps the node IP" lab_holders_are b
calls_done mwc 8000
check "... the calls ended well (2 successful)" test "$(successful mwc)" = "2 0"

# --- --max-wait with --then switch: hands over anyway -----------------------------------------
calls_start mws 2 3000
calls_up mws b 2
check "switchover --when-idle --max-wait 1s --then switch" \
	ctl b switchover --when-idle --max-wait 1s --then switch
wait_holder a 3000
check "max wait over: the node IP moves to A with calls up" lab_holders_are a
check "B says so" drain_ended b "max wait of 1000 ms reached with 2 call(s) up: handing over"
calls_done mws 8000

# --- --cancel ---------------------------------------------------------------------------------
wait_for "the phone sends to A" 3000 neigh_is a
sleep 0.3
calls_start cancel 2 2000
calls_up cancel a 2
check "switchover --when-idle" ctl a switchover --when-idle
check "switchover --cancel" ctl a switchover --cancel
check "the drain was cancelled" drain_ended a "cancelled: cancelled by the admin"
calls_done cancel 8000
sleep 0.6	# two counts after the calls ended
check "cancelled: the calls ended, A keeps the node IP" lab_holders_are a

# --- a counter that fails never counts as 0 ---------------------------------------------------
kam_stop a
check "switchover --when-idle with kamailio stopped on A" ctl a switchover --when-idle
sleep 1.5	# five counts
check "no count: A keeps the node IP" lab_holders_are a
check "status: calls unknown, and why" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^  draining: calls unknown, waiting since .*(switchover): calls_command exited 1: vipd-calls-kamailio: kamcmd failed'"
check "--json: calls -1, polls failed" test "$(js a '.groups[0].drain | [.calls, (.poll_failures >= 3)] | join(" ")')" = "-1 true"
check "switchover --cancel" ctl a switchover --cancel
kam_start a
wait_for "kamailio on A answers again" 5000 kam_up a

# --- standby on --when-idle, and usage errors -------------------------------------------------
check "standby on --when-idle with no call up: at once" ctl a standby on --when-idle
wait_holder b 3000
check "A in standby, B holds the node IP" test "$(js a '.groups[0].standby')" = true -a "$(vip_holders)" = b
check "standby off" ctl a standby off
ctl b switchover --max-wait 5s >/dev/null 2>&1
check "--max-wait without --when-idle is a usage error" test $? = 2
out=$(ctl a switchover --when-idle 2>&1)
check "--when-idle on a backup is refused with a reason" \
	test "$?" != 0 -a -n "$(echo "$out" | grep 'not master')"

node_stop a
node_stop b
lab_finish
