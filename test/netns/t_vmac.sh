#!/bin/bash
# t_vmac.sh - a group with a virtual MAC (vmac = true): the VIPs live on the
# macvlan vip1 (MAC 00:00:5e:00:01:01), up on the master only. After a crash
# failover the client's neighbour entries (IPv4 and IPv6) still hold the
# same virtual MAC, the switch has learnt it on the new master's port (the
# gratuitous ARP), and the client's traffic reaches the new master. The
# macvlan is removed when vipd stops, and by `vipd -c` after a kill -9.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
V4=192.0.2.100
V6=2001:db8::100
VMAC=00:00:5e:00:01:01
export LAB_VIPS="\"$V4/24\", \"$V6/64\""

lab_up || exit 1
lab_key
lab_conf a 100 "vmac = true;"
lab_conf b 90 "vmac = true;"
serve_start a
serve_start b

# vip1 NODE - print "STATE MAC" of NODE's vip1 ("" if it does not exist).
vip1() {
	ip -o -n "$(lab_ns "$1")" link show dev vip1 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) { if ($i == "state") s = $(i + 1)
			if ($i == "link/ether") m = $(i + 1) } } END { if (m) print s, m }'
}

# on_vip1 NODE - NODE has both VIPs on vip1, and none on eth0.
on_vip1() {
	local a e
	a=$(ip -o -n "$(lab_ns "$1")" addr show dev vip1 2>/dev/null)
	e=$(ip -o -n "$(lab_ns "$1")" addr show dev eth0 2>/dev/null)
	[[ $a == *" $V4/24 "* && $a == *" $V6/64 "* ]] && [[ $e != *" $V4/"* && $e != *" $V6/"* ]]
}

# none_on NODE - NODE has neither VIP on any interface.
none_on() {
	local a
	a=$(ip -o -n "$(lab_ns "$1")" addr show 2>/dev/null)
	[[ $a != *" $V4/"* && $a != *" $V6/"* ]]
}

# neigh_vmac - C's entries for both VIPs carry the virtual MAC.
neigh_vmac() {
	[ "$(neigh_mac "$V4")" = "$VMAC" ] && [ "$(neigh_mac "$V6")" = "$VMAC" ]
}

# fdb_port - the switch port the bridge has learnt the virtual MAC on.
fdb_port() {
	bridge -n "$(lab_ns sw)" fdb show br br0 2>/dev/null |
		awk -v m="$VMAC" '$1 == m { for (i = 2; i < NF; i++) if ($i == "dev") print $(i + 1) }'
}

# fdb_on PORT - the switch has learnt the virtual MAC on PORT.
fdb_on() {
	test "$(fdb_port)" = "$1"
}

# ping6_vip - C pings the IPv6 VIP once (quietly).
ping6_vip() {
	lab_exec c ping -6 -q -c 1 -W 1 "$V6" >/dev/null 2>&1
}

# none_anywhere - neither node has either VIP.
none_anywhere() {
	none_on a && none_on b
}

# sysctl_of NODE KEY - a sysctl's value in NODE's namespace.
sysctl_of() {
	lab_exec "$1" sysctl -n "$2" 2>/dev/null
}

node_start a
node_start b
wait_for "A holds the VIPs on vip1" 3000 on_vip1 a
wait_for "B is BACKUP" 2000 state_is b BACKUP
check "start: A holds both VIPs on vip1, not on eth0" on_vip1 a || lab_dump
check "start: A's vip1 is UP with the virtual MAC" test "$(vip1 a)" = "UP $VMAC"
check "start: B's vip1 exists, DOWN, with the same MAC" test "$(vip1 b)" = "DOWN $VMAC"
check "start: B holds neither VIP" none_on b
check "status: vmac interface, MAC and state (vipctl --json)" \
	test "$(js a '.groups[0].vmac | "\(.interface) \(.mac) \(.up)"')/$(js b '.groups[0].vmac.up')" = \
	"vip1 $VMAC true/false"
check "start: A's eth0 no longer answers ARP for others' addresses (arp_ignore >= 1)" \
	test "$(sysctl_of a net.ipv4.conf.eth0.arp_ignore)" -ge 1
check "start: A's eth0 asks ARP with its own address (arp_announce >= 2)" \
	test "$(sysctl_of a net.ipv4.conf.eth0.arp_announce)" -ge 2
check "start: vip1 answers ARP only for its own VIPs (arp_ignore 1)" \
	test "$(sysctl_of a net.ipv4.conf.vip1.arp_ignore)" = 1

# C talks to both VIPs: it learns the virtual MAC, not A's.
lab_exec c ping -4 -q -c 1 -W 1 "$V4" >/dev/null
lab_exec c ping -6 -q -c 1 -W 1 "$V6" >/dev/null
check "C's neighbour entries for both VIPs hold the virtual MAC" neigh_vmac || lab_dump
check "the switch learnt the virtual MAC on A's port" fdb_on pa

# --- crash of the master ----------------------------------------------------
client_start "$LAB_DIR/crash.out" -t "$V4" -i 2 -d 2000 -w
sleep 0.4
link_down a
node_kill a
wait_for "B holds the VIPs on vip1" 3000 on_vip1 b
check "crash: B holds both VIPs on vip1" on_vip1 b
check "crash: B's vip1 is UP with the virtual MAC" test "$(vip1 b)" = "UP $VMAC"
wait_for "the switch learns the virtual MAC on B's port" 1000 fdb_on pb
check "crash: the switch learnt the virtual MAC on B's port (gratuitous ARP)" fdb_on pb
check "crash: C's neighbour entries still hold the virtual MAC" neigh_vmac
client_wait 4000
out=$LAB_DIR/crash.out
echo "# crash: client-observed gap $(probe_field "$out" max_gap_ms) ms," \
	"responders $(probe_field "$out" responders)"
check "crash: the client's traffic reached B after the takeover" \
	awk -v r="$(probe_field "$out" responders)" 'BEGIN { exit !(r ~ /(^|,)b:[1-9]/) }'
check_num "crash: client-observed gap" "$(probe_field "$out" max_gap_ms)" "<" 1000
check "crash: ping6 to $V6 reaches B" ping6_vip
check "crash: C's entries hold the virtual MAC after the traffic too" neigh_vmac

# --- stopping removes the macvlan ---------------------------------------------
check "kill -9 left A's vip1 behind" test -n "$(vip1 a)"
lab_exec a "$VIPD" -c -f "$LAB_DIR/a.conf"
check "vipd -c removed A's vip1 and its VIPs" test -z "$(vip1 a)"
check "vipd -c left A with no VIP" none_on a
link_up a
node_start a
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "return: A is BACKUP, its new vip1 DOWN" test "$(js a '.groups[0].state') $(vip1 a)" = \
	"BACKUP DOWN $VMAC"
# Another program deletes the master's vip1: created again, the VIPs back on it.
vip1_is() { test "$(vip1 "$1")" = "$2"; }
tr0=$(js b '.groups[0].counters.transitions')
ip -n "$(lab_ns b)" link del vip1
wait_for "B's vip1 is back with its VIPs" 2000 on_vip1 b
check "vmac deleted on the master: re-created, UP, VIPs on it" \
	sh -c "test \"\$1\" = 'UP $VMAC'" _ "$(vip1 b)" && on_vip1 b
check "vmac deleted on the master: B stayed MASTER (no transition)" test \
	"$(js b '.groups[0].state') $(js b '.groups[0].counters.transitions')" = "MASTER $tr0"
check "vmac deleted on the master: A stayed BACKUP" state_is a BACKUP
# ... and the backup's: created again, DOWN.
ip -n "$(lab_ns a)" link del vip1
wait_for "A's vip1 is back" 2000 vip1_is a "DOWN $VMAC"
check "vmac deleted on the backup: re-created, DOWN" test "$(vip1 a)" = "DOWN $VMAC"
check "vmac deleted on the backup: still BACKUP" state_is a BACKUP
node_stop b
check "SIGTERM: vipd on B exited 0" test "$?" = 0
check "SIGTERM: B's vip1 is gone" test -z "$(vip1 b)"
wait_for "A took over" 2000 on_vip1 a
check "SIGTERM: A holds both VIPs on its vip1" on_vip1 a
node_stop a
check "SIGTERM: A's vip1 is gone too" test -z "$(vip1 a)"
check "nothing left on either node" none_anywhere

lab_finish
