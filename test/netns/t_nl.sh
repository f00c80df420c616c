#!/bin/bash
# t_nl.sh - nl.c and announce.c against a real kernel, through test/tools/nltool.
#
# The LAN: a bridge in its own namespace, node A and client C each on a veth
# port. A holds 192.0.2.1/24 and 2001:db8::1/64, C 192.0.2.10/24 and
# 2001:db8::10/64; the VIPs are 192.0.2.100/24 and 2001:db8::100/64. No
# default route, no link-local addresses, nothing leaves the namespaces.
#
# Needs root. Takes the binary from $NLTOOL (default build/nltool). Prints
# TAP ("ok - what" / "not ok - what") and exits non-zero if any check fails.
set -u
# $NLTOOL is relative to the caller's directory, the default to the repository.
[ -n "${NLTOOL:-}" ] || NLTOOL=$(dirname "$0")/../../build/nltool
NLTOOL=$(realpath -e "$NLTOOL" 2>/dev/null) || {
	echo "not ok - setup: no nltool binary ($NLTOOL); make build/nltool"
	exit 1
}
[ "$(id -u)" = 0 ] || { echo "not ok - setup: must run as root"; exit 1; }

P="vnl$$-"
SW=${P}sw A=${P}a C=${P}c
V4=192.0.2.100/24 V6=2001:db8::100/64
BOGUS=02:00:00:00:00:99
STEP_S=5		# seconds any one command may take
created=()
tmp=$(mktemp -d) || exit 1

cleanup() {
	local ns
	for ns in "${created[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
# nsx NS CMD... - run CMD inside namespace NS, bounded in time.
nsx() { local ns=$1; shift; timeout "$STEP_S" ip netns exec "$ns" "$@"; }
nlt() { local ns=$1; shift; nsx "$ns" "$NLTOOL" "$@"; }

# addr_info NS ADDR - the one-line JSON object `ip -j addr` gives for ADDR on eth0.
# addr_info objects are flat, so splitting at braces isolates each one.
addr_info() { ip -j -n "$1" addr show dev eth0 | tr '{}' '\n\n' | grep -F "\"local\":\"$2\""; }
# lladdr NS ADDR - the MAC NS's neighbour table holds for ADDR on eth0.
lladdr() {
	ip -j -n "$1" neigh show "$2" dev eth0 | grep -o '"lladdr":"[^"]*"' | cut -d'"' -f4
}
# wait_lladdr NS ADDR MAC - true once NS maps ADDR to MAC; 20 tries, 50 ms apart.
wait_lladdr() {
	local i
	for ((i = 0; i < 20; i++)); do
		[ "$(lladdr "$1" "$2")" = "$3" ] && return 0
		sleep 0.05
	done
	return 1
}
# ping1 NS ADDR - one echo from NS to ADDR answered within a second.
ping1() { nsx "$1" ping -q -c 1 -W 1 "$2" >/dev/null; }

setup() {
	local ns
	for ns in "$SW" "$A" "$C"; do
		ip netns add "$ns" || return 1
		created+=("$ns")
		ip -n "$ns" link set lo up || return 1
	done
	# The switch speaks no IPv6 at all; A and C get no link-local addresses
	# and send no router solicitations: nothing but our addresses on the wire.
	nsx "$SW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	for ns in "$A" "$C"; do
		nsx "$ns" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 \
			net.ipv6.conf.default.router_solicitations=0 || return 1
	done
	# Flood multicast (ff02::1 for the NA) to every port, as a plain switch does.
	ip -n "$SW" link add br0 type bridge mcast_snooping 0 || return 1
	ip -n "$SW" link set br0 up || return 1
	ip -n "$SW" link add a0 type veth peer name eth0 netns "$A" || return 1
	ip -n "$SW" link add c0 type veth peer name eth0 netns "$C" || return 1
	for p in a0 c0; do
		ip -n "$SW" link set "$p" master br0 up || return 1
	done
	# DAD stays on (the default), so that "no tentative" on the VIP proves
	# IFA_F_NODAD; the fixed addresses skip it with nodad instead.
	ip -n "$A" addr add 192.0.2.1/24 dev eth0 || return 1
	ip -n "$A" addr add 2001:db8::1/64 dev eth0 nodad || return 1
	ip -n "$C" addr add 192.0.2.10/24 dev eth0 || return 1
	ip -n "$C" addr add 2001:db8::10/64 dev eth0 nodad || return 1
	# A second, never-up link on A for the "down" answer.
	ip -n "$A" link add v0 type veth peer name v1 || return 1
	ip -n "$A" link set eth0 up || return 1
	ip -n "$C" link set eth0 up || return 1
	# Linux creates no neighbour entry from gratuitous ARP unless told to.
	nsx "$C" sysctl -qw net.ipv4.conf.eth0.arp_accept=1 || return 1
}

if ! setup; then
	echo "not ok - setup: namespaces ${P}*"
	exit 1
fi
MAC_A=$(ip -j -n "$A" link show eth0 | grep -o '"address":"[^"]*"' | cut -d'"' -f4)

# --- link facts ---------------------------------------------------------------
out=$(nlt "$A" link eth0)
check "link eth0: A's MAC and up ($out)" [ "$out" = "$MAC_A up" ]
out=$(nlt "$A" link v0)
check "link v0: down ($out)" [ "${out##* }" = down ]

# --- IPv4 add / present / del -------------------------------------------------
nlt "$A" add eth0 eth0:vip "$V4"
rc=$?
info=$(addr_info "$A" 192.0.2.100)
check "add $V4 label eth0:vip" [ "$rc" = 0 ]
check "ip addr shows it /24 with label eth0:vip" \
	grep -q '"prefixlen":24,.*"label":"eth0:vip"' <<<"$info"
nlt "$A" add eth0 eth0:vip "$V4"
rc=$?
check "add again succeeds (EEXIST is success)" [ "$rc" = 0 ]
check "and the address is there once" [ "$(addr_info "$A" 192.0.2.100 | wc -l)" = 1 ]
out=$(nlt "$A" present eth0 "$V4")
rc=$?
check "present says yes" [ "$rc/$out" = "0/yes" ]
out=$(nlt "$A" present eth0 192.0.2.100/25)
rc=$?
check "present with another prefix says no" [ "$rc/$out" = "1/no" ]
nlt "$A" del eth0 "$V4"
rc=$?
check "del $V4" [ "$rc" = 0 ]
check "ip addr no longer shows it" [ -z "$(addr_info "$A" 192.0.2.100)" ]
check "A keeps its own address" [ -n "$(addr_info "$A" 192.0.2.1)" ]
nlt "$A" del eth0 "$V4"
rc=$?
check "del again succeeds (EADDRNOTAVAIL is success)" [ "$rc" = 0 ]
out=$(nlt "$A" present eth0 "$V4")
rc=$?
check "present says no" [ "$rc/$out" = "1/no" ]

# --- failures: exit status and one line -----------------------------------------
nlt "$A" add nosuch0 nosuch0:vip "$V4" 2>"$tmp/err"
rc=$?
check "add on a missing interface name fails" [ "$rc" != 0 ]
check "with one line: $(head -1 "$tmp/err")" [ "$(wc -l <"$tmp/err")" = 1 ]
nlt "$A" add 99999 "" "$V4" 2>"$tmp/err"
rc=$?
line=$(cat "$tmp/err")
check "add on a missing ifindex fails" [ "$rc" != 0 ]
check "with one line from nl.c: $line" eval '[ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -qx ".*error: nl_addr_add if#99999 192.0.2.100/24: No such device.*" "$tmp/err"'
nlt "$A" add eth0 eth0:this-is-too-long "$V4" 2>"$tmp/err"
rc=$?
check "a label longer than 15 bytes fails: $(cat "$tmp/err")" \
	eval '[ "$rc" != 0 ] && [ "$(wc -l <"$tmp/err")" = 1 ]'
check "and adds nothing" [ -z "$(addr_info "$A" 192.0.2.100)" ]

# --- IPv6 -----------------------------------------------------------------------
nlt "$A" add eth0 eth0:vip "$V6"
rc=$?
info=$(addr_info "$A" 2001:db8::100)
check "add $V6" [ "$rc" = 0 ]
check "ip addr shows it /64 with nodad" grep -q '"prefixlen":64,.*"nodad":true' <<<"$info"
check "and not tentative" eval '[ -n "$info" ] && ! grep -q tentative <<<"$info"'
out=$(nlt "$A" present eth0 "$V6")
check "present says yes for $V6" [ "$out" = yes ]
nlt "$A" add eth0 eth0:vip "$V6"
rc=$?
check "add $V6 again succeeds" [ "$rc" = 0 ]

# --- announcements ----------------------------------------------------------------
# C holds a wrong, STALE entry for each VIP (a phone that remembers the old
# holder); one announcement round from A must overwrite it with A's MAC.
nlt "$A" add eth0 eth0:vip "$V4" || nok "add $V4 for garp"
ip -n "$C" neigh replace 192.0.2.100 lladdr "$BOGUS" dev eth0 nud stale
ip -n "$C" neigh replace 2001:db8::100 lladdr "$BOGUS" dev eth0 nud stale
check "C starts with the wrong MAC for 192.0.2.100" [ "$(lladdr "$C" 192.0.2.100)" = "$BOGUS" ]
check "C starts with the wrong MAC for 2001:db8::100" \
	[ "$(lladdr "$C" 2001:db8::100)" = "$BOGUS" ]
nlt "$A" garp eth0 "$V4" 1
rc=$?
check "garp $V4 sends" [ "$rc" = 0 ]
check "C now maps 192.0.2.100 to A's MAC $MAC_A" wait_lladdr "$C" 192.0.2.100 "$MAC_A"
nlt "$A" garp eth0 "$V6" 1
rc=$?
check "unsolicited NA for $V6 sends" [ "$rc" = 0 ]
check "C now maps 2001:db8::100 to A's MAC $MAC_A" wait_lladdr "$C" 2001:db8::100 "$MAC_A"
check "C reaches 192.0.2.100" ping1 "$C" 192.0.2.100
check "C reaches 2001:db8::100" ping1 "$C" 2001:db8::100

nlt "$A" del eth0 "$V6"
rc=$?
check "del $V6" eval '[ "$rc" = 0 ] && [ -z "$(addr_info "$A" 2001:db8::100)" ]'

echo "1..$n"
[ "$failed" = 0 ]
