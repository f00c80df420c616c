#!/bin/bash
# t_ipv6.sh - IPv6 node IPs and IPv6 heartbeats. A group with an IPv4 and an
# IPv6 VIP fails over (crash: the master's cable pulled and its vipd killed);
# the client's neighbour entries for both addresses then point at the new
# holder, and ping6 to the VIP works. Two rounds: heartbeats over IPv4
# multicast, then over IPv6 multicast (ff02::1:5800).
#
# The client's traffic during the crash goes to the IPv4 VIP only, so its
# IPv6 neighbour entry can only have moved because of the new master's
# unsolicited neighbour advertisement (override flag), not because the
# client resolved the address again.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
V4=192.0.2.100
V6=2001:db8::100
export LAB_VIPS="\"$V4/24\", \"$V6/64\""

lab_ready -p

# both_on NODE - NODE, and only NODE, holds both VIPs.
both_on() {
	lab_holders_are "$1" "$V4" && lab_holders_are "$1" "$V6"
}

# neigh_both_at NODE - C's entries for both VIPs carry NODE's MAC.
neigh_both_at() {
	local m
	m=$(node_mac "$1")
	[ -n "$m" ] && [ "$(neigh_mac "$V4")" = "$m" ] && [ "$(neigh_mac "$V6")" = "$m" ]
}

# ping6_vip - C pings the IPv6 VIP once (quietly).
ping6_vip() {
	lab_exec c ping -6 -q -c 1 -W 1 "$V6" >/dev/null 2>&1
}

# vip6_nodad NODE - NODE's IPv6 VIP carries the nodad flag and is usable.
vip6_nodad() {
	local l
	l=$(ip -o -6 -n "$(lab_ns "$1")" addr show dev eth0 2>/dev/null | grep " $V6/")
	[[ $l == *" nodad"* && $l != *tentative* && $l != *dadfailed* ]]
}

# peer_address_ok NODE FAMILY - the peer's address in NODE's status is of FAMILY
# (an IPv6 group is heard from the peer's link-local address).
peer_address_ok() {
	local a
	a=$(js "$1" '.groups[0].peer.address')
	case $2 in
	ipv4) [ "$a" = "${LAB_IP4[a]}" ] || [ "$a" = "${LAB_IP4[b]}" ] ;;
	ipv6) case $a in fe80:*) true ;; *) false ;; esac ;;
	esac
}

# crash_round TAG MCAST FAMILY - start A (100) and B (90) with heartbeats to
# MCAST, check who holds what, crash A, check B took over and C followed.
crash_round() {
	local tag=$1 mcast=$2 fam=$3 g
	LAB_MCAST=$mcast lab_conf a 100
	LAB_MCAST=$mcast lab_conf b 90
	node_start a
	node_start b
	wait_for "A holds both VIPs" 3000 both_on a
	wait_for "B is BACKUP" 2000 state_is b BACKUP
	check "$tag: A holds $V4 and $V6, B neither" both_on a || lab_dump
	check "$tag: B is BACKUP" state_is b BACKUP
	check "$tag: A's IPv6 VIP was added without DAD (nodad, not tentative)" vip6_nodad a
	check "$tag: heartbeats are $fam (vipctl --json)" \
		test "$(js b '.groups[0].heartbeat.family')/$(js a '.groups[0].heartbeat.group')" = \
		"$fam/$mcast"
	check "$tag: B hears A from an $fam address ($(js b '.groups[0].peer.address'))" \
		peer_address_ok b "$fam"
	check "$tag: heartbeats accepted, none dropped for TTL / hop limit" \
		test "$(js b '.groups[0].counters | [(.rx > 0), (.rejected.ttl == 0)] | all')" = true
	# C talks to both VIPs: its neighbour entries point at A.
	lab_exec c ping -4 -c 1 -W 1 "$V4" >/dev/null
	ping6_vip
	check "$tag: C's neighbour entries for both VIPs point at A" neigh_both_at a

	client_start "$LAB_DIR/$tag.out" -t "$V4" -i 2 -d 2000 -w
	sleep 0.4
	link_down a	# the node is gone from the LAN ...
	node_kill a	# ... and its vipd is dead
	wait_for "B holds both VIPs" 3000 both_on b
	check "$tag: crash: B holds both VIPs" both_on b
	check "$tag: crash: B took over because A timed out" \
		test "$(js b '.groups[0].reason')" = "peer timed out"
	wait_for "C's entries point at B" 1000 neigh_both_at b
	check "$tag: crash: C's neighbour entries (IPv4 and IPv6) point at B" neigh_both_at b ||
		lab_dump
	check "$tag: crash: ping6 to $V6 works after takeover" ping6_vip
	client_wait 4000
	g=$(probe_field "$LAB_DIR/$tag.out" max_gap_ms)
	echo "# $tag: crash failover, client-observed gap ${g} ms" \
		"(interval ${LAB_INTERVAL_MS} ms x ${LAB_MISSES})"
	check_num "$tag: crash: client-observed gap" "$g" "<" 1000

	# Back to a clean pair: B stops, A's leftovers go (as ExecStopPost would).
	node_stop b
	check "$tag: vipd on B exited 0" test "$?" = 0
	lab_exec a "$VIPD" -c -f "$LAB_DIR/a.conf"
	link_up a
	check "$tag: no VIP left on either node" both_on ""
}

crash_round "IPv4 heartbeats" 239.255.80.1 ipv4
crash_round "IPv6 heartbeats" ff02::1:5800 ipv6

lab_finish
