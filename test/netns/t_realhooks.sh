#!/bin/bash
# t_realhooks.sh - the shipped hook and check scripts against the real
# servers, in the lab: scripts/vipd-nsupdate against BIND 9 (Debian's
# named, its own host on the LAN, a TSIG key, the zone example.test) with
# `dig` showing the A record follow the master; scripts/vipd-action-url
# against busybox httpd, whose CGI records each request's method, path,
# content type and body; scripts/check-kamailio against a real kamailio on
# each node: kamailio stopped on the master -> its check fails -> the
# master goes FAULT and node B takes the node IP, and DNS and the action
# URL follow. Then the error paths the real servers produce: an unsigned
# and a wrongly signed update refused by named, an HTTP 404, a hung SIP
# service. (The refusals before anything is sent stay in t_scripts.sh.)
#
# Servers run in the lab's namespaces, started with `ip netns exec`, their
# PIDs recorded and stopped by lab_down; their config, zone, logs and
# records are in $LAB_DIR. No host service is touched.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
S=192.0.2.53		# the server host: named and httpd
NAME=pbx.example.test

for cmd in named dig nsupdate tsig-keygen busybox kamailio sipsak curl; do
	if ! command -v "$cmd" >/dev/null; then
		echo "not ok - $cmd is not installed (make deps installs it)"
		exit 1
	fi
done
lab_ready
# vipd runs only programs in directories no one but root can write (trust.c):
# the scripts run from a copy in the lab's directory, wherever the tree lives.
SCRIPTS=$LAB_DIR/scripts
mkdir -m 755 "$SCRIPTS" && cp "$LAB_ROOT"/scripts/vipd-* "$LAB_ROOT"/scripts/check-kamailio "$SCRIPTS/" &&
	chmod 755 "$SCRIPTS"/* || { not_ok "copy the scripts to $SCRIPTS"; lab_finish; }
lab_host s "$S" || { not_ok "lab_host s $S"; lab_finish; }
# dns - the A record of $NAME as the phone (C) sees it at the server.
dns() { lab_exec c dig +short +time=1 +tries=1 @"$S" "$NAME" A 2>/dev/null; }
dns_is() { test "$(dns)" = "$1"; }

# --- BIND 9: a primary for example.test, updates only with the TSIG key -------------
mkdir -p "$LAB_DIR/named"
tsig-keygen -a hmac-sha256 vipd-key >"$LAB_DIR/tsig.key"
# Same name, another secret: what a node with the wrong key file would send.
tsig-keygen -a hmac-sha256 vipd-key >"$LAB_DIR/wrong.key"
chmod 600 "$LAB_DIR/tsig.key" "$LAB_DIR/wrong.key"
cat >"$LAB_DIR/named/example.test.zone" <<EOF
\$TTL 60
@	IN SOA	ns.example.test. hostmaster.example.test. 1 60 60 600 60
	IN NS	ns.example.test.
ns	IN A	$S
pbx	IN A	192.0.2.99
EOF
cat >"$LAB_DIR/named.conf" <<EOF
options {
	directory "$LAB_DIR/named";
	listen-on port 53 { $S; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	pid-file none;
	session-keyfile "$LAB_DIR/named/session.key";
	managed-keys-directory "$LAB_DIR/named";
};
controls { };
include "$LAB_DIR/tsig.key";
zone "example.test" {
	type primary;
	file "$LAB_DIR/named/example.test.zone";
	allow-update { key "vipd-key"; };
};
EOF
check "named-checkconf accepts the lab's named.conf" named-checkconf "$LAB_DIR/named.conf"
lab_bg s "$LAB_DIR/named.log" named -g -c "$LAB_DIR/named.conf"
NAMED=$LAB_BG_PID
wait_for "named answers" 5000 dns_is 192.0.2.99
check "BIND 9 serves example.test on $S (pbx A 192.0.2.99)" dns_is 192.0.2.99

# --- busybox httpd: a CGI that records every request -----------------------------------
mkdir -p "$LAB_DIR/www/cgi-bin" "$LAB_DIR/http"
cat >"$LAB_DIR/www/cgi-bin/takeover" <<EOF
#!/bin/sh
# One file per request: method, path, query, content type, then the body.
f=\$(mktemp "$LAB_DIR/http/req.XXXXXX")
{
	echo "method=\$REQUEST_METHOD"
	echo "uri=\$REQUEST_URI"
	echo "query=\$QUERY_STRING"
	echo "type=\${CONTENT_TYPE:-}"
	echo "body=\$(head -c "\${CONTENT_LENGTH:-0}")"
} >"\$f.tmp"
mv "\$f.tmp" "\$f.req"
rm -f "\$f"
printf 'Content-Type: text/plain\r\n\r\nrecorded\n'
EOF
chmod 755 "$LAB_DIR/www/cgi-bin/takeover"
lab_bg s "$LAB_DIR/httpd.log" busybox httpd -f -vv -p "$S:80" -h "$LAB_DIR/www"
HTTPD=$LAB_BG_PID
http_up() { lab_exec c curl -s -o /dev/null --max-time 1 "http://$S/" 2>/dev/null; [ $? != 7 ]; }
wait_for "httpd listens" 5000 http_up
# req_with FIELD... - print the recorded request files whose lines include every FIELD.
req_with() {
	local f k
	for f in "$LAB_DIR"/http/*.req; do
		[ -f "$f" ] || continue
		for k in "$@"; do
			grep -qF -- "$k" "$f" || continue 2
		done
		echo "$f"
	done
}
has_req() { [ -n "$(req_with "$@")" ]; }

# --- kamailio on both nodes ---------------------------------------------------------------
# kam_start NODE - kamailio on NODE, answering OPTIONS on 127.0.0.1 and the
# node's own address (the check tests the local service; it runs on both).
kam_start() {
	kam_run "$1" <<EOF
debug=2
children=1
listen=udp:127.0.0.1:5060
listen=udp:${LAB_IP4[$1]}:5060
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
request_route {
	if (method == "OPTIONS") {
		xlog("L_NOTICE", "OPTIONS from \$si:\$sp\n");
		sl_send_reply("200", "OK");
		exit;
	}
	sl_send_reply("403", "Forbidden");
}
EOF
}
kam_ok() { lab_exec "$1" "$SCRIPTS/check-kamailio" >/dev/null 2>&1; }
kam_start a
kam_start b
check "kamailio config on A parses" sh -c "kamailio -c -f '$LAB_DIR/kam-a.cfg' >/dev/null 2>&1"
wait_for "kamailio answers on A" 5000 kam_ok a
wait_for "kamailio answers on B" 5000 kam_ok b
lab_exec a "$SCRIPTS/check-kamailio" >"$LAB_DIR/kam.out" 2>&1
check "check-kamailio on A: exit 0, the 200 OK quoted" \
	sh -c "[ $? = 0 ] && grep -q 'answers: SIP/2.0 200 OK' '$LAB_DIR/kam.out'"
check "kamailio logged the OPTIONS from the check" grep -q 'OPTIONS from 127.0.0.1' "$LAB_DIR/kam-a.log"

# --- the pair, with the real hooks ---------------------------------------------------------
hooks() {	# NODE
	local n=$1 ns
	ns="\"$SCRIPTS/vipd-nsupdate\", \"-s\", \"$S\", \"-k\", \"$LAB_DIR/tsig.key\", \"-z\", \"example.test\", \"-n\", \"$NAME\", \"-a\", \"${LAB_IP4[$n]}\", \"-t\", \"30\""
	printf 'notify_master = [ %s ];\n' "$ns"
	printf 'notify_master_again = [ %s ];\n' "$ns"
	printf 'notify = [ "%s", "http://%s/cgi-bin/takeover" ];\n' "$SCRIPTS/vipd-action-url" "$S"
	printf 'hook_timeout_ms = 8000;\n'
	# Generous timeouts: a loaded CI machine (or ASan) must not fail a healthy node's
	# check; a stopped kamailio is refused at once (ICMP), so the handover stays fast.
	printf 'check_script = [ "%s", "-t", "1500" ]; check_interval_ms = 200; check_timeout_ms = 2500; check_fall = 2; check_rise = 2;\n' \
		"$SCRIPTS/check-kamailio"
}
lab_conf a 100 "$(hooks a)"
lab_conf b 90 "$(hooks b)"
check "both configs with the real hooks and the check load" \
	sh -c "'$VIPD' -t -v -f '$LAB_DIR/a.conf' | grep -q '^		notify_master = \[ \"$SCRIPTS/vipd-nsupdate\"' &&
	       '$VIPD' -t -v -f '$LAB_DIR/b.conf' | grep -q '^		check_script = \[ \"$SCRIPTS/check-kamailio\"'"
lab_pair_up -n -s
wait_for "A sees B" 3000 peer_alive a
wait_for "DNS points at A" 5000 dns_is 192.0.2.1
check "vipd-nsupdate on A's takeover: dig shows $NAME -> 192.0.2.1" dns_is 192.0.2.1
check "... one A record, with the TTL given by -t 30" \
	test "$(lab_exec c dig +noall +answer @"$S" "$NAME" A | awk '{ print $2, $4, $5 }')" = "30 A 192.0.2.1"
check "named logged the signed update" grep -q "updating zone 'example.test/IN'" "$LAB_DIR/named.log"
check "the update was signed with vipd-key" grep -q "signer \"vipd-key\" approved" "$LAB_DIR/named.log"
wait_for "the action URL got A's takeover" 5000 has_req "body=" "node=node-a" "state=MASTER"
f=$(req_with "node=node-a" "state=MASTER" | head -1)
check "action URL: POST to /cgi-bin/takeover" \
	sh -c "grep -qx 'method=POST' '$f' && grep -qx 'uri=/cgi-bin/takeover' '$f'"
check "action URL: a form body" grep -qx 'type=application/x-www-form-urlencoded' "$f"
check "action URL: the body has the takeover's fields" \
	grep -qx 'body=event=transition&hook=notify&group=1&state=MASTER&prev_state=INIT&reason=listened+for+the+dead+interval&vips=192.0.2.100%2F24&interface=eth0&node=node-a&peer=&peer_address=' "$f"
check "check script passes on both" \
	test "$(js a '.groups[0].checks.script.ok')/$(js b '.groups[0].checks.script.ok')" = true/true

# --- kamailio dies on the master: handover, DNS and the action URL follow ---------------------
client_start "$LAB_DIR/probe.out" -t "$LAB_VIP" -i 1 -d 4000 -w
serve_start a
serve_start b
sleep 0.3
kam_stop a
check "kamailio on A stopped (by its PID)" test $? != 124
lab_now
t0=$LAB_NOW_MS
wait_holder b 3000
lab_now
check "kamailio down on the master: B holds the node IP" lab_holders_are b
echo "# handover $((LAB_NOW_MS - t0)) ms after kamailio was gone (check every 200 ms, fall 2)"
check_num "... within a few check intervals (ms)" "$((LAB_NOW_MS - t0))" "<" 3000
check "A is FAULT, saying why" test "$(js a '.groups[0].state')/$(js a '.groups[0].reason')" = "FAULT/health check failed"
check "A's check script is FAILING" test "$(js a '.groups[0].checks.script.ok')" = false
# (On a loaded machine the first failed run may be a timeout instead.)
check "A logged why the check failed (check-kamailio's words, or its timeout)" \
	grep -Eq "check script (exited 2: check-kamailio: sip:vipd-check@127\.0\.0\.1:5060: no answer within 1500 ms|timed out after 2500 ms)" "$LAB_DIR/a.log" ||
	grep 'check script' "$LAB_DIR/a.log" | sed 's/^/#   /'
ctl a check >"$LAB_DIR/chk.out"
check "vipctl check on A: CRITICAL (2)" test "$?" = 2
wait_for "DNS points at B" 5000 dns_is 192.0.2.2
check "after the failover dig shows $NAME -> 192.0.2.2 (the new master)" dns_is 192.0.2.2
wait_for "the action URL got B's takeover" 5000 has_req "node=node-b" "state=MASTER" "prev_state=BACKUP"
f=$(req_with "node=node-b" "state=MASTER" | head -1)
check "action URL: B's POST names the new master and its peer" \
	sh -c "grep -q '&node=node-b&peer=node-a&peer_address=192.0.2.1$' '$f' && grep -qx 'method=POST' '$f'"
check "action URL: A's FAULT was posted too" has_req "node=node-a" "state=FAULT" "prev_state=MASTER"
client_wait 6000
echo "# client: $(cat "$LAB_DIR/probe.out")"

# --- kamailio back on A: A returns as BACKUP, nothing moves -----------------------------------
kam_start a
wait_for "kamailio answers on A again" 5000 kam_ok a
wait_for "A is BACKUP again" 5000 state_is a BACKUP
check "kamailio back: A is BACKUP, B keeps the node IP" lab_holders_are b
sleep 0.5
check "... and DNS still points at B" dns_is 192.0.2.2
ctl a check >/dev/null
check "vipctl check on A: OK again" test "$?" = 0

# --- error paths from the real servers ---------------------------------------------------------
# The hook run as vipd runs it, by hand: a clean environment of a takeover.
hook() {	# NODE SCRIPT ARG...
	local n=$1 s=$2
	shift 2
	lab_exec "$n" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin VIPD_EVENT=transition \
		VIPD_HOOK=notify_master VIPD_GROUP=1 VIPD_STATE=MASTER VIPD_PREV_STATE=BACKUP \
		VIPD_REASON="${REASON:-peer timed out}" VIPD_VIPS=192.0.2.100/24 VIPD_INTERFACE=eth0 \
		VIPD_NODE="node-$n" VIPD_PEER=node-b VIPD_PEER_ADDRESS=192.0.2.2 \
		"$SCRIPTS/$s" "$@" >"$LAB_DIR/hook.out" 2>&1
}
hook a vipd-nsupdate -s "$S" -z example.test -n "$NAME" -a 192.0.2.1
check "nsupdate without the key: named refuses (exit non-zero)" test "$?" != 0
check "... REFUSED, as nsupdate reports it" grep -q REFUSED "$LAB_DIR/hook.out"
hook a vipd-nsupdate -s "$S" -k "$LAB_DIR/wrong.key" -z example.test -n "$NAME" -a 192.0.2.1
check "nsupdate with the wrong secret: refused (exit non-zero)" test "$?" != 0
check "... named saw a bad signature" grep -qi "bad\(sig\|key\)\|tsig verify failure\|request has invalid signature" "$LAB_DIR/named.log"
check "... and the record did not move" dns_is 192.0.2.2
hook a vipd-action-url "http://$S/cgi-bin/missing"
check "action URL answering 404: exit 22 (curl --fail)" test "$?" = 22
REASON='peer timed out; $(touch '"$LAB_DIR"'/pwned)' hook a vipd-action-url -X GET "http://$S/cgi-bin/takeover"
check "action URL by GET: exit 0" test "$?" = 0
f=$(req_with "method=GET" | head -1)
check "action URL by GET: no body, the fields in the query string" \
	sh -c "grep -qx 'body=' '$f' && grep -q '^query=event=transition&hook=notify_master&group=1&state=MASTER&' '$f'"
# busybox httpd -d: the server's own URL decoder.
check "action URL: a reason with shell syntax arrives as literal text" \
	sh -c "busybox httpd -d \"\$(sed -n 's/^query=//p' '$f')\" | grep -qF '&reason=peer timed out; \$(touch $LAB_DIR/pwned)&vips='"
check "... and nothing ran it" test ! -e "$LAB_DIR/pwned"
# A hung SIP service: the process is there but answers nothing.
kp=$(cat "$LAB_DIR/kam-b.pid")
kids=$(ps -o pid= --ppid "$kp" | tr '\n' ' ')
# shellcheck disable=SC2086
kill -STOP "$kp" $kids
lab_now
t0=$LAB_NOW_MS
lab_exec b "$SCRIPTS/check-kamailio" -t 300 >"$LAB_DIR/hung.out" 2>&1
rc=$?
lab_now
# shellcheck disable=SC2086
kill -CONT "$kp" $kids
check "check-kamailio against a hung kamailio: exit 2 (no answer)" test "$rc" = 2
check_num "... after about its -t 300 (ms)" "$((LAB_NOW_MS - t0))" "<" 800
check "... saying so" grep -q 'no answer within 300 ms' "$LAB_DIR/hung.out"

node_stop a
node_stop b
check "no sanitizer report in the logs" logs_clean
[ "$LAB_NFAIL" = 0 ] || lab_dump 25
lab_finish
