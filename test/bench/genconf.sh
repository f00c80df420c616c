#!/bin/bash
# genconf.sh - write the benchmark's configurations for vipd and keepalived,
# the same groups, timing and addresses for both daemons.
#
#   genconf.sh vips NGROUPS
#       print every VIP of the plan, one ADDRESS/PREFIX a line, group order
#   genconf.sh vipd NODE PRIO NGROUPS LABDIR [INTERVAL_MS MISSES [EXTRA]]
#       print a vipd.conf for NODE (a or b) of the netns lab in LABDIR;
#       EXTRA: more settings for every group (the fence scenario's)
#   genconf.sh keepalived NODE PRIO NGROUPS [INTERVAL_MS]
#       print a keepalived.conf for NODE
#
# The address plan. One group: 192.0.2.100/24, as the lab's tests use. More
# groups (the 64 x 4 scale case): 192.0.2.0/24 has 251 host addresses once
# .0, .255 and the lab's .1, .2 and .10 are taken, too few for 256 VIPs, so
# group i (1..64) gets two IPv4 and two IPv6 addresses:
#   192.0.2.(98 + 2i)/32, 192.0.2.(99 + 2i)/32    -> 192.0.2.100 .. .227
#   2001:db8::64:i:1/128, 2001:db8::64:i:2/128    (i in hex)
# /32 and /128 keep the VIPs apart from the nodes' own /24 and /64, so that
# counting them in `ip -o addr` is a match on the prefix length.
#
# Both daemons get the same timing (interval, misses = 3 for VRRP by the
# RFC), the same priorities, no preemption, and a comparable announcement
# burst: vipd's default of 5 gratuitous ARPs (unsolicited NAs for IPv6) per
# group, 100 ms apart, on takeover and a refresh every 10 s; keepalived:
# vrrp_garp_master_repeat 5, no second burst (vrrp_garp_master_delay 0),
# refresh every 10 s. In both the first announcement leaves at takeover,
# which is what the client's gap depends on. keepalived's spacing,
# vrrp_garp_interval / vrrp_gna_interval, stays at its default 0 (the burst
# goes out at once): it is one queue per interface across all instances, so
# 0.1 s would make the 64 x 4 case announce group 64 only seconds later
# (measured while writing this: a 2.2 s client gap on group 64's VIP).
#
# vipd's groups each have their own UDP port (5800 + i - 1), or, with
# BENCH_SHARED_PORT=1 in the environment (the idle64 part), all port 5800:
# then they share one heartbeat socket and one send bundle.
#
# keepalived is kept inside its namespace: no scripts, no notify, no email,
# no vrrp_strict, no vrrp_iptables / vrrp_nftables (so it never touches a
# firewall), no VMAC (so it never creates interfaces).
set -u

# vips NGROUPS - print the address plan.
vips() {
	local ng=$1 i
	if [ "$ng" = 1 ]; then
		echo "192.0.2.100/24"
		return
	fi
	for ((i = 1; i <= ng; i++)); do
		echo "192.0.2.$((98 + 2 * i))/32"
		echo "192.0.2.$((99 + 2 * i))/32"
		printf '2001:db8::64:%x:1/128\n2001:db8::64:%x:2/128\n' "$i" "$i"
	done
}

# The plan as an array, for the generators: PLAN[4 * (i - 1) .. + 3] are
# group i's VIPs (one group: PLAN[0] only).
PLAN=()

check_ng() {
	case $1 in '' | *[!0-9]*) echo "genconf: bad group count '$1'" >&2; exit 2 ;; esac
	if [ "$1" -lt 1 ] || [ "$1" -gt 64 ]; then
		echo "genconf: 1..64 groups, not $1" >&2
		exit 2
	fi
}

gen_vipd() {
	local n=$1 prio=$2 ng=$3 dir=$4 iv=${5:-50} misses=${6:-3} extra=${7:-} i list a sep
	check_ng "$ng"
	mapfile -t PLAN < <(vips "$ng")
	cat <<EOF
# vipd benchmark config for node $n, $ng group(s) (test/bench/genconf.sh)
node: { name = "node-$n"; interface = "eth0"; priority = $prio; };
groups: (
EOF
	for ((i = 1; i <= ng; i++)); do
		list=
		for a in "${PLAN[@]:$((4 * (i - 1))):4}"; do
			list="$list${list:+, }\"$a\""
		done
		sep=,
		[ "$i" = "$ng" ] && sep=
		cat <<EOF
	{
		id = $i;
		vips = [ $list ];
		interval_ms = $iv;
		misses = $misses;
		multicast = "239.255.80.1";
		port = $([ "${BENCH_SHARED_PORT:-0}" = 1 ] && echo 5800 || echo $((5799 + i)));
		key_file = "$dir/key";${extra:+
		$extra}
	}$sep
EOF
	done
	cat <<EOF
);
control_socket = "$dir/$n.sock";
state_dir = "$dir/$n.state";
EOF
}

gen_keepalived() {
	local n=$1 prio=$2 ng=$3 iv=${4:-50} i a adv v4 v6
	check_ng "$ng"
	mapfile -t PLAN < <(vips "$ng")
	adv=$(awk -v ms="$iv" 'BEGIN { printf "%.2f", ms / 1000 }')
	cat <<EOF
# keepalived benchmark config for node $n, $ng instance(s) (test/bench/genconf.sh)
global_defs {
	router_id node-$n
	vrrp_version 3
	vrrp_garp_master_delay 0
	vrrp_garp_master_repeat 5
	vrrp_garp_master_refresh 10
	vrrp_garp_master_refresh_repeat 1
}
EOF
	for ((i = 1; i <= ng; i++)); do
		v4='' v6=''
		for a in "${PLAN[@]:$((4 * (i - 1))):4}"; do
			case $a in
			*:*) v6="$v6"$'\t\t'"$a dev eth0"$'\n' ;;
			*) v4="$v4"$'\t\t'"$a dev eth0"$'\n' ;;
			esac
		done
		printf 'vrrp_instance VI_%d {\n' "$i"
		printf '\tstate BACKUP\n\tnopreempt\n\tinterface eth0\n'
		printf '\tvirtual_router_id %d\n\tpriority %d\n\tadvert_int %s\n' "$i" "$prio" "$adv"
		printf '\tvirtual_ipaddress {\n%s\t}\n' "$v4"
		# VRRPv3 adverts carry one family; the IPv6 VIPs ride along.
		[ -n "$v6" ] && printf '\tvirtual_ipaddress_excluded {\n%s\t}\n' "$v6"
		printf '}\n'
	done
}

case ${1:-} in
vips) check_ng "${2:-}"; vips "$2" ;;
vipd) [ $# -ge 5 ] || { echo "usage: genconf.sh vipd NODE PRIO NGROUPS LABDIR [IV MISSES [EXTRA]]" >&2; exit 2; }
	shift; gen_vipd "$@" ;;
keepalived) [ $# -ge 4 ] || { echo "usage: genconf.sh keepalived NODE PRIO NGROUPS [IV]" >&2; exit 2; }
	shift; gen_keepalived "$@" ;;
*) echo "usage: genconf.sh vips|vipd|keepalived ..." >&2; exit 2 ;;
esac
