#!/bin/bash
# demo.sh - watch vipd move a node IP, in a throw-away network-namespace lab.
#
# `make demo` builds vipd and the probe tool, then runs this. Needs root (it
# creates network namespaces); touches nothing outside them and removes
# everything it made when it ends, also on Ctrl-C.
#
# The story: two PBX nodes A (priority 100) and B (priority 90) share the
# node IP 192.0.2.100, heartbeats every 50 ms, 3 missed = dead. A phone C
# talks to 192.0.2.100 all the time (a UDP probe every 2 ms). The master
# crashes (kill -9 and its cable pulled); the backup takes over; the phone
# sees one short gap and its ARP entry now names the new holder. The crashed
# node comes back and stays backup: the node IP does not move again.
#
# Exit status: 0 when every step went as described, 1 otherwise.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=test/netns/lib.sh
. test/netns/lib.sh
VIPCTL=${VIPCTL:-$LAB_ROOT/build/vipctl}

INTERVAL_MS=50
MISSES=3
BOUND_MS=$((INTERVAL_MS * MISSES + 20))	# BRIEF: crash gap bound
failed=0

say() {
	printf '\n==> %s\n' "$*"
}
indent() {
	sed 's/^/    /'
}
# bad WHAT - report a step that did not go as described, and go on.
bad() {
	echo "    !!! $*"
	failed=1
}
die() {
	echo "demo: $*" >&2
	exit 1	# the EXIT trap of lab_up cleans up
}
# status NODE - vipctl's view of NODE, when vipctl is built.
status() {
	if [ -x "$VIPCTL" ]; then
		"$VIPCTL" -s "$LAB_DIR/$1.sock" status 2>&1 | indent
	fi
}
# log_since_start NODE - NODE's log since its last node_start.
log_since_start() {
	awk '/^=== node_start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
		"$LAB_DIR/$1.log"
}
# restarted_as NODE STATE - NODE's vipd logged "-> STATE" since its restart.
# shellcheck disable=SC2317 # called through wait_for
restarted_as() {
	log_since_start "$1" | grep -q -- "-> $2 "
}
# holds NODE - NODE has the VIP on eth0 (whoever else does).
# shellcheck disable=SC2317 # called through wait_for
holds() {
	[[ " $(vip_holders) " == *" $1 "* ]]
}
# shellcheck disable=SC2317 # called through wait_for
one_holder() {
	case $(vip_holders) in a | b) return 0 ;; esac
	return 1
}

[ "$(id -u)" = 0 ] || die "run me as root: I create network namespaces"
[ -x "$VIPD" ] || die "$VIPD is missing: run make first"
[ -x "$PROBE" ] || die "$PROBE is missing: run make tests first"

say "Building the lab: namespaces, veth cables and one bridge (nothing leaves it)"
lab_up || die "could not build the lab"
cat <<EOF | indent
          switch ${LAB_P}sw (bridge br0)
         /               |                \\
  node A ${LAB_P}a    node B ${LAB_P}b    phone C ${LAB_P}c
  192.0.2.1            192.0.2.2             192.0.2.10
  ${LAB_MAC[a]}    ${LAB_MAC[b]}     ${LAB_MAC[c]}
  node IP (VIP): $LAB_VIP    work dir: $LAB_DIR
EOF

say "Writing the configs: A priority 100, B priority 90, heartbeat ${INTERVAL_MS} ms x ${MISSES}"
export LAB_INTERVAL_MS=$INTERVAL_MS LAB_MISSES=$MISSES
lab_key "$LAB_DIR/key"
lab_conf a 100
lab_conf b 90
grep -v '^#' "$LAB_DIR/a.conf" | indent

say "Starting vipd on A and B, and a UDP echo service (probe serve) on each"
serve_start a
serve_start b
node_start a
node_start b
wait_for "one node holds $LAB_VIP" 5000 one_holder ||
	die "no node took $LAB_VIP within 5 s; logs: $(tail -n 5 "$LAB_DIR/a.log" "$LAB_DIR/b.log")"
master=$(vip_holders)
if [ "$master" = a ]; then backup=b; else backup=a; fi
echo "    after ${LAB_WAITED_MS} ms node ${master^^} holds $LAB_VIP (a node listens for the"
echo "    dead interval before it claims anything)"
sleep 0.3	# a moment for a second claimant to show up, if there were one
[ "$(vip_holders)" = "$master" ] || bad "holders now: '$(vip_holders)', want only $master"
echo "    ip -n ${LAB_P}$master addr show dev eth0:"
ip -n "${LAB_P}$master" addr show dev eth0 | indent
status "$master"

say "Phone C starts talking to $LAB_VIP:7777 (a UDP probe every 2 ms)"
client_start "$LAB_DIR/crash.out" -t "$LAB_VIP" -d 3000 -w -o "$LAB_DIR/crash.events"
sleep 1
echo "    C's neighbour entry: $LAB_VIP at $(neigh_mac "$LAB_VIP") (node ${master^^}: $(node_mac "$master"))"

say "Crash: kill -9 vipd on ${master^^} and pull its cable"
node_kill "$master"
link_down "$master"
if wait_for "$backup holds $LAB_VIP" 3000 holds "$backup"; then
	echo "    node ${backup^^} holds $LAB_VIP ${LAB_WAITED_MS} ms later"
	echo "    (the crashed node still has it on a dead cable: $(vip_holders))"
else
	bad "node ${backup^^} did not take $LAB_VIP within 3 s"
fi
client_wait 5000
summary=$(cat "$LAB_DIR/crash.out")
echo "    probe: $summary"
gap=$(probe_field "$LAB_DIR/crash.out" max_gap_ms)
echo "    the phone's longest interruption: ${gap:-?} ms (target: under ${BOUND_MS} ms =" \
	"${INTERVAL_MS} x ${MISSES} + 20)"
awk -v g="${gap:-999999}" -v b="$BOUND_MS" 'BEGIN { exit !(g < b) }' ||
	bad "gap ${gap:-?} ms is not under ${BOUND_MS} ms"
[ "$(probe_field "$LAB_DIR/crash.out" switches)" = 1 ] ||
	bad "the phone saw $(probe_field "$LAB_DIR/crash.out" switches) switches, want 1"
mac=$(neigh_mac "$LAB_VIP")
echo "    C's neighbour entry: $LAB_VIP at $mac (node ${backup^^}: $(node_mac "$backup"))"
[ "$mac" = "$(node_mac "$backup")" ] || bad "C's ARP entry does not name node ${backup^^}"
echo "    ping -c 3 $LAB_VIP from C:"
lab_exec c ping -c 3 -i 0.2 -W 1 "$LAB_VIP" 2>&1 | indent ||
	bad "C cannot ping $LAB_VIP"
status "$backup"

say "Node ${master^^} comes back: cable in, vipd restarted (as after a reboot)"
echo "    the phone keeps probing: the node IP must not move again"
client_start "$LAB_DIR/back.out" -t "$LAB_VIP" -d 2500 -w
sleep 0.2
link_up "$master"
node_start "$master"
if wait_for "stale VIP gone from $master" 3000 not holds "$master"; then
	echo "    vipd removed the stale $LAB_VIP that kill -9 left on ${master^^}'s eth0" \
		"(${LAB_WAITED_MS} ms)"
else
	bad "vipd on ${master^^} left the stale $LAB_VIP on eth0"
fi
if wait_for "$master is BACKUP" 3000 restarted_as "$master" BACKUP; then
	echo "    node ${master^^} is BACKUP after ${LAB_WAITED_MS} ms:"
	log_since_start "$master" | grep -- '-> ' | indent
else
	bad "node ${master^^} did not log '-> BACKUP' within 3 s"
fi
client_wait 5000
echo "    probe: $(cat "$LAB_DIR/back.out")"
[ "$(vip_holders)" = "$backup" ] || bad "holders now '$(vip_holders)', want only $backup"
if [ "$(probe_field "$LAB_DIR/back.out" switches)" = 0 ] &&
	[ "$(probe_field "$LAB_DIR/back.out" lost)" = 0 ]; then
	echo "    $LAB_VIP stayed on node ${backup^^}: no second interruption"
else
	bad "the phone saw an interruption while ${master^^} came back"
fi
status "$master"

for n in a b; do
	say "Last lines of node ${n^^}'s log"
	tail -n 8 "$LAB_DIR/$n.log" | indent
done

say "Cleaning up: stopping every process and deleting every namespace this demo made"
lab_down
if [ "$failed" = 0 ]; then
	echo "    done: every step went as described"
else
	echo "    done, but some steps did not go as described (see !!! above)"
fi
exit "$failed"
