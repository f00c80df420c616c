#!/bin/bash
# t_check.sh - `vipctl check`'s verdict for the states a real pair in the
# lab cannot be held in long enough to look at (t_monitor.sh checks the
# ones it can): a master missing its VIP, two masters that hear each
# other, nobody holding the VIPs, a one-way link, a silent second path, a
# failing check in weight mode, unreachable upstream targets, a blocked
# sync set, a refused reload, a starting node, several groups (the worst
# wins, perfdata for each), a daemon that refuses. A stand-in daemon on a
# UNIX socket in a temporary directory answers every request with the
# status JSON in a file (python3, the ctlmsg framing: a 4-byte big-endian
# length, then the JSON).
set -u
cd "$(dirname "$0")/.." || exit 1
VIPCTL=${VIPCTL:-build/vipctl}
# shellcheck source=test/tap.sh
. test/tap.sh
# shellcheck source=test/plugin.sh
. test/plugin.sh

D=$(mktemp -d /tmp/vipd-check.XXXXXX) || exit 1
FAKE=
cleanup() {
	[ -n "$FAKE" ] && kill "$FAKE" 2>/dev/null && wait "$FAKE" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
for cmd in python3 jq; do
	command -v "$cmd" >/dev/null || { echo "not ok - $cmd is not installed (make deps)"; exit 1; }
done

cat >"$D/fake.py" <<'PY'
import socket, struct, sys
sock, reply = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock)
s.listen(4)
s.settimeout(60)                      # bounded: gone after a minute idle
while True:
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    with c:
        c.settimeout(5)
        hdr = c.recv(4, socket.MSG_WAITALL)
        if len(hdr) == 4:
            c.recv(struct.unpack(">I", hdr)[0], socket.MSG_WAITALL)
            body = open(reply, "rb").read()
            c.sendall(struct.pack(">I", len(body)) + body)
PY
python3 "$D/fake.py" "$D/sock" "$D/reply.json" &
FAKE=$!
for ((i = 0; i < 100; i++)); do [ -S "$D/sock" ] && break; sleep 0.05; done

# A redundant pair seen from the master: the base every case edits.
cat >"$D/ok.json" <<'JSON'
{ "node": "pbx-a", "version": "0.1.0", "pid": 1, "uptime_ms": 1000, "config": "/etc/vipd/vipd.conf",
  "reload_error": null,
  "groups": [ { "id": 1, "state": "MASTER", "since_ms_ago": 2500, "reason": "peer timed out",
    "priority": 100, "standby": false, "healthy": true, "interface": "eth0",
    "vips": [ { "address": "192.0.2.100/24", "present": true } ],
    "heartbeat": { "family": "ipv4", "group": "239.255.80.1", "port": 5800, "socket_groups": 1 },
    "vmac": null, "sync": null,
    "peer": { "name": "pbx-b", "address": "192.0.2.2", "state": "BACKUP", "priority": 90,
      "alive": true, "standby": false, "last_heard_ms_ago": 40, "loss_pct": 0.5, "hears_us": true },
    "paths": [ { "interface": "eth0", "alive": true, "last_heard_ms_ago": 40, "rx": 9 } ],
    "checks": {},
    "counters": { "tx": 10, "rx": 9, "transitions": 2, "rejected": { "auth": 3, "ttl": 1 } },
    "upstream": { "targets": [], "reachable": true, "rounds": 0, "failures": 0 } } ] }
JSON
# verdict DESC RC REGEX [JQ] - with the base status edited by JQ, `vipctl
# check` exits RC and prints one line matching REGEX (extended).
verdict() {
	local desc=$1 want=$2 re=$3 out rc
	jq -c "{ ok: true, data: (${4:-.}) }" "$D/ok.json" >"$D/reply.json" || { not_ok "$desc (bad jq)"; return; }
	out=$("$VIPCTL" -s "$D/sock" check 2>"$D/err")
	rc=$?
	plugin_line "$desc" "$want" "$re" "$out" "$rc" || sed 's/^/#   stderr: /' "$D/err"
}
G='.groups[0]'

verdict "redundant master: OK (0)" 0 '^VIPD OK - node pbx-a: group 1 MASTER, peer pbx-b BACKUP \| '
verdict "perfdata: master, peer, loss, time in state, counters, all rejections summed" 0 \
	"\| 'g1_master'=1;;;0;1 'g1_peer_alive'=1;;;0;1 'g1_peer_heard'=0\.040s;;;0 'g1_peer_loss'=0\.5%;;;0;100 'g1_in_state'=2\.500s;;;0 'g1_transitions'=2c;;;0 'g1_tx'=10c;;;0 'g1_rx'=9c;;;0 'g1_rejected'=4c;;;0$"
verdict "redundant backup: OK (0)" 0 '^VIPD OK - node pbx-a: group 1 BACKUP, peer pbx-b MASTER \|' \
	"$G.state = \"BACKUP\" | $G.peer.state = \"MASTER\""
verdict "master without its VIP: CRITICAL (2)" 2 \
	'^VIPD CRITICAL - node pbx-a: group 1 MASTER, MASTER without VIP 192\.0\.2\.100/24, peer pbx-b BACKUP \|' \
	"$G.vips[0].present = false"
verdict "both nodes MASTER, hearing each other: CRITICAL (2)" 2 'group 1 MASTER, both nodes MASTER, peer pbx-b MASTER' \
	"$G.peer.state = \"MASTER\""
verdict "backup whose live peer is not master: CRITICAL (2), nobody holds the VIPs" 2 \
	'group 1 BACKUP, no node holds the VIPs, peer pbx-b BACKUP' "$G.state = \"BACKUP\""
verdict "backup with a dead peer: CRITICAL (2)" 2 'group 1 BACKUP, no node holds the VIPs, peer pbx-b DEAD' \
	"$G.state = \"BACKUP\" | $G.peer.alive = false | $G.peer.state = \"DEAD\""
verdict "FAULT: CRITICAL (2) with the reason" 2 '^VIPD CRITICAL - node pbx-a: group 1 FAULT, upstream targets unreachable, peer pbx-b MASTER' \
	"$G.state = \"FAULT\" | $G.reason = \"upstream targets unreachable\" | $G.peer.state = \"MASTER\""
verdict "peer never heard: WARNING (1)" 1 'group 1 MASTER, peer never heard' "$G.peer = null"
verdict "peer FAULT: WARNING (1)" 1 'group 1 MASTER, peer pbx-b FAULT' "$G.peer.state = \"FAULT\""
verdict "one-way link: WARNING (1)" 1 'peer pbx-b BACKUP, peer does not hear us' "$G.peer.hears_us = false"
verdict "second path silent: WARNING (1)" 1 'path eth1 SILENT' \
	"$G.paths += [ { \"interface\": \"eth1\", \"alive\": false, \"rx\": 0 } ]"
verdict "check script failing in weight mode: WARNING (1)" 1 'check script FAILING' \
	"$G.checks = { \"script\": { \"ok\": false, \"known\": true, \"weight\": 20 } }"
verdict "check script not run yet: no warning" 0 '^VIPD OK' \
	"$G.checks = { \"script\": { \"ok\": false, \"known\": false, \"weight\": 20 } }"
verdict "upstream unreachable: WARNING (1)" 1 'upstream unreachable' \
	"$G.upstream = { \"targets\": [ \"192.0.2.254\" ], \"reachable\": false }"
verdict "no upstream targets: no warning" 0 '^VIPD OK' "$G.upstream.reachable = false"
verdict "sync set blocked: WARNING (1)" 1 'sync set blocked' \
	"$G.sync = { \"name\": \"sip\", \"role\": \"leader\", \"leader\": 1, \"blocked\": true }"
verdict "last reload refused: WARNING (1)" 1 '^VIPD WARNING - node pbx-a: last reload failed; group 1 MASTER' \
	'.reload_error = "vipd.conf:3: bad"'
verdict "starting (INIT): WARNING (1)" 1 'group 1 INIT, starting, peer pbx-b MASTER' \
	"$G.state = \"INIT\" | $G.peer.state = \"MASTER\""
verdict "stopping: WARNING (1)" 1 'group 1 STOPPING, stopping' "$G.state = \"STOPPING\""
verdict "two groups: the worst decides, each is named, perfdata for both" 2 \
	"^VIPD CRITICAL - node pbx-a: group 1 MASTER, peer pbx-b BACKUP; group 2 FAULT, health check failed, .*'g1_master'=1.* 'g2_master'=0" \
	".groups += [ ($G | .id = 2 | .state = \"FAULT\" | .reason = \"health check failed\" | .peer.state = \"MASTER\") ]"
jq -c "{ ok: true, data: (.groups += [ ($G | .id = 2 | .state = \"FAULT\" | .reason = \"health check failed\") ]) }" \
	"$D/ok.json" >"$D/reply.json"
out=$("$VIPCTL" -s "$D/sock" check 1)
rc=$?
if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -q '^VIPD OK - node pbx-a: group 1 MASTER' &&
	! printf '%s\n' "$out" | grep -q 'group 2\|g2_'; then
	ok "check 1 judges group 1 alone"
else
	not_ok "check 1 judges group 1 alone"
	echo "#   exit $rc: $out"
fi
# unknown DESC REPLY LINE - with the stand-in answering REPLY, `vipctl check`
# exits 3 (UNKNOWN) and prints exactly LINE.
unknown() {
	local out rc
	printf '%s\n' "$2" >"$D/reply.json"
	out=$("$VIPCTL" -s "$D/sock" check 2>/dev/null)
	rc=$?
	if [ "$rc" = 3 ] && [ "$out" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   exit $rc: $out"
	fi
}
unknown "a refusal: UNKNOWN (3), saying why" \
	'{"ok":false,"error":"permission denied: status needs root"}' \
	"VIPD UNKNOWN - vipd refused: permission denied: status needs root"
unknown "a reply that is not JSON: UNKNOWN (3), saying so" 'not json' \
	"VIPD UNKNOWN - $D/sock: bad reply: not JSON"

tap_end
