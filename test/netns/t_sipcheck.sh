#!/bin/bash
# t_sipcheck.sh - the built-in SIP OPTIONS check against a real kamailio
# (Debian's package) on both nodes: kamailio stopped on the master -> the
# group hands over within fall x interval; kamailio started again -> the
# node is healthy after rise checks and stays BACKUP; a UDP responder that
# answers with garbage, or with a well-formed 200 OK to another request,
# fails the check; a flood of forged answers from the client namespace (at
# the check's own socket and at kamailio) neither fakes a pass nor breaks
# the check. Status, --json and metrics (promtool) show code and RTT.
#
# Each node checks its own kamailio at its own LAN address (so the flood
# from the phone's namespace can reach the check's socket). The helper
# scripts live in test/netns/sip/ and talk only to the lab's addresses.
set -u
. "$(dirname "$0")/lib.sh"

for cmd in kamailio python3; do
	if ! command -v "$cmd" >/dev/null; then
		echo "1..0 # SKIP $cmd not installed (make deps)"
		exit 0
	fi
done
export LAB_INTERVAL_MS=50 LAB_MISSES=3
# Debian's python3 (a version manager's shim on PATH may take seconds to start).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
SIP=$LAB_ROOT/test/netns/sip
IV=200 FALL=2 RISE=2

lab_ready -p

# kam_start NODE - kamailio on NODE's address, answering OPTIONS with 200.
kam_start() {
	kam_run "$1" <<EOF
debug=1
children=1
listen=udp:${LAB_IP4[$1]}:5060
listen=tcp:${LAB_IP4[$1]}:5060
loadmodule "sl.so"
request_route {
	if (method == "OPTIONS") {
		sl_send_reply("200", "OK");
		exit;
	}
	sl_send_reply("403", "Forbidden");
}
EOF
}
sipconf() {
	printf 'sip_check = "sip:%s:5060"; sip_check_interval_ms = %d; sip_check_timeout_ms = 150; sip_check_rise = %d; sip_check_fall = %d;' \
		"${LAB_IP4[$1]}" "$IV" "$RISE" "$FALL"
}
sj() { js "$1" ".groups[0].checks.sip.$2"; }
sip_ok() { test "$(sj "$1" ok)" = true; }
stray_above() { test "$(sj "$1" stray)" -gt "$2"; }
last_error_is() { test "$(sj "$1" last_error)" = "$2"; }

kam_start a
kam_start b
lab_conf a 100 "$(sipconf a)"
lab_conf b 90 "$(sipconf b)"
lab_pair_up -n -w 4000
wait_for "A's SIP check passes" 3000 sip_ok a
check "setup: A MASTER, B BACKUP" pair_is MASTER BACKUP
check "--json: A's SIP check: ok, last code 200, target, udp" \
	test "$(js a '.groups[0].checks.sip | [.ok, .last_code, .target, .transport] | join(" ")')" = "true 200 192.0.2.1:5060 udp"
rtt=$(sj a last_rtt_ms)
echo "# kamailio answered in ${rtt} ms"
check_num "... with a round-trip time in ms" "${rtt:-x}" "<" 150
check "status shows the SIP check" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^  check: SIP 192.0.2.1:5060/udp passes, last 200 in [0-9]* ms, 0 of [0-9]* failed$'"
"$VIPCTL" -s "$LAB_DIR/a.sock" metrics >"$LAB_DIR/a.metrics"
check "metrics: vipd_sip_check_ok 1, response code 200" \
	sh -c "grep -q '^vipd_sip_check_ok{group=\"1\"} 1$' '$LAB_DIR/a.metrics' && grep -q '^vipd_sip_check_response_code{group=\"1\"} 200$' '$LAB_DIR/a.metrics' && grep -q '^vipd_sip_check_rtt_seconds{group=\"1\"} 0\.[0-9]*$' '$LAB_DIR/a.metrics'"
if command -v promtool >/dev/null; then
	promtool check metrics <"$LAB_DIR/a.metrics" >"$LAB_DIR/a.promtool" 2>&1
	check "metrics pass promtool check metrics" test "$?" = 0 -a ! -s "$LAB_DIR/a.promtool"
	sed 's/^/#   /' "$LAB_DIR/a.promtool"
fi
check "no process per check: vipd has no child" \
	test -z "$(ps -o pid= --ppid "$(node_pid a)")"

# --- kamailio stops on the master: handover within fall x interval ---------------------------
# From the SIGTERM on (kamailio closes its socket before it has exited).
lab_now
t0=$LAB_NOW_MS
kam_stop a
check "kamailio on A stopped (by its PID)" test $? != 124
lab_now
down=$((LAB_NOW_MS - t0))	# kamailio's own shutdown: its socket closes somewhere in there
wait_holder b 3000
# When B became MASTER, by its own clock (polling the addresses is too coarse here).
ago=$(js b '.groups[0].since_ms_ago')
lab_now
dt=$((LAB_NOW_MS - ${ago:-0} - t0))
echo "# handover ${dt} ms after SIGTERM to kamailio, which took ${down} ms to exit (check every ${IV} ms, fall ${FALL})"
check "kamailio down on the master: B holds the node IP" lab_holders_are b
check_num "... within fall x interval + kamailio's exit + one interval of noise (ms)" \
	"$dt" "<" $((FALL * IV + IV + down))
check "A is FAULT: health check failed" \
	test "$(js a '.groups[0].state')/$(js a '.groups[0].reason')" = "FAULT/health check failed"
check "A's status says why (nothing listens: ICMP refused)" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^  check: SIP 192.0.2.1:5060/udp FAILING, .*(receive: connection refused (nothing listens))$'"
check "A logged the failure once, not per check" \
	test "$(grep -c 'SIP check of 192.0.2.1:5060 failed' "$LAB_DIR/a.log")" = 1

# --- kamailio back: healthy after rise checks, stays BACKUP ----------------------------------
kam_start a
wait_for "A's SIP check passes again" 5000 sip_ok a
check "kamailio back: A's check passes again" sip_ok a
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "A is BACKUP, healthy" test "$(js a '.groups[0].state')/$(js a '.groups[0].healthy')" = BACKUP/true
sleep 0.5
check "... and the node IP stays on B (no preemption)" lab_holders_are b
check "A logged that it passes again" grep -q "SIP check of 192.0.2.1:5060 passes again (200 in" "$LAB_DIR/a.log"

# --- wrong answers: garbage, and a 200 OK to another request ---------------------------------
for mode in garbage wrongid; do
	kam_stop a
	lab_bg a "$LAB_DIR/resp-$mode.out" "$PY" "$SIP/responder.py" "$mode" 192.0.2.1 5060 20
	rpid=$LAB_BG_PID
	stray0=$(sj a stray)
	# Refused until the responder is up; then its answers come, and do not count.
	wait_for "the responder answers A's checks" 5000 stray_above a "$stray0"
	wait_for "A is FAULT ($mode)" 3000 state_is a FAULT
	check "a responder answering $mode: A's check fails, A is FAULT" state_is a FAULT
	check "... the answers were counted as stray, not taken" test "$(sj a stray)" -gt "$stray0"
	wait_for "a check timed out" 1000 last_error_is a "no answer within 150 ms"
	check "... the check says it got no answer of its own" \
		test "$(sj a last_error)" = "no answer within 150 ms"
	lab_stop_pid "$rpid" TERM 2000
	kam_start a
	wait_for "A is BACKUP again" 5000 state_is a BACKUP
	check "kamailio back after $mode: A BACKUP" state_is a BACKUP
done
"$VIPCTL" -s "$LAB_DIR/a.sock" metrics >"$LAB_DIR/a.metrics"
check "metrics count the strays" \
	sh -c "grep -Eq '^vipd_sip_check_stray_total\{group=\"1\"\} [1-9][0-9]*$' '$LAB_DIR/a.metrics'"

# --- a flood of forged answers from the phone's namespace -------------------------------------
wait_for "A fit again in B's eyes" 3000 peer_fit b
port=$(lab_exec b ss -Hnu state established dst 192.0.2.2:5060 | awk '{ n = split($3, a, ":"); print a[n]; exit }')
check "found the check's socket on B (port ${port:-?})" test -n "$port"
runs0=$(sj b runs) fail0=$(sj b failures) tr0=$(js b '.groups[0].counters.transitions')
# At the check's own socket: the attack on vipd (kamailio's own port is kamailio's business).
lab_bg c "$LAB_DIR/flood.out" "$PY" "$SIP/flood.py" 192.0.2.2 "${port:-5060}" 4
fpid=$LAB_BG_PID
sleep 2
check "under the flood B's check still runs and passes" \
	test "$(sj b ok)" = true -a "$(sj b runs)" -gt "$runs0"
check "... without a failure" test "$(sj b failures)" = "$fail0"
check "... and B stays MASTER, no transition" \
	test "$(js b '.groups[0].state')/$(js b '.groups[0].counters.transitions')" = "MASTER/$tr0"
# kamailio dies while the flood goes on: forged 200s must not keep B healthy.
lab_now
t0=$LAB_NOW_MS
kam_stop b
wait_holder a 3000
ago=$(js a '.groups[0].since_ms_ago')
lab_now
check "kamailio stopped on B under the flood: the node IP moves to A" lab_holders_are a
echo "# handover under the flood $((LAB_NOW_MS - ${ago:-0} - t0)) ms"
wait_for "the flood ends by itself" 5000 not lab_alive "$fpid"
lab_stop_pid "$fpid" TERM 1000
echo "# flood: $(cat "$LAB_DIR/flood.out")"
check "the flood ran" grep -q "^sent [1-9]" "$LAB_DIR/flood.out"

# --- over TCP, applied by a reload ------------------------------------------------------------
lab_conf a 100 "$(sipconf a) sip_check_transport = \"tcp\";"
check "reload with sip_check_transport = tcp" "$VIPCTL" -s "$LAB_DIR/a.sock" reload
tcp_ok() { test "$(js a '.groups[0].checks.sip | [.transport, .ok, .last_code, .last_error] | join(" ")')" = "tcp true 200 "; }
runs0=$(sj a runs)
wait_for "A's check answers over TCP" 3000 tcp_ok
check "the SIP check over TCP: kamailio answers 200" tcp_ok
sleep 0.5
check "... check after check (a connection each), none failed since" \
	test "$(sj a runs)" -gt "$((runs0 + 1))" -a "$(sj a ok)" = true
check "A stayed MASTER through the reload" state_is a MASTER

node_stop a
node_stop b
lab_finish
