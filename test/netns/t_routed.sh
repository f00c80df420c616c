#!/bin/bash
# t_routed.sh - routed unicast peers: A and B in different subnets behind a
# router namespace (lab_routed), no shared L2, no multicast. The VIP lives
# on the master's lo and a MASTER hook moves the router's route to it;
# gratuitous ARP is off (garp_count = 0). Checked for IPv4 and IPv6 peers:
# the pair elects one master although every heartbeat crossed the router
# (TTL / hop limit 254) because peer_hops = 2 allows it; the client reaches
# the VIP through the router; kill -9 of the master: B takes over, the
# route follows, the client reaches the VIP again; a datagram from an
# unlisted source (the router) is dropped and counted; with peer_hops = 1
# the same pair does not pair (both drop the TTL 254 heartbeats, both are
# master), until a reload sets peer_hops = 2.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
HBFLOOD=${HBFLOOD:-$LAB_ROOT/build/hbflood}
case $HBFLOOD in /*) ;; *) HBFLOOD=$PWD/$HBFLOOD ;; esac
PORT=5800

lab_up || exit 1
lab_routed || { echo "not ok - the routed lab could not be built"; exit 1; }
lab_key
R=$(lab_ns r)
serve_start a
serve_start b

# The lab's stand-in for a cloud API that re-points a floating IP. vipd's
# hooks run without CAP_SYS_ADMIN, so they cannot enter the router's
# namespace: the MASTER hook (route.sh PREFIX VIA, copied into the trusted
# lab dir and run from there) writes its request into the lab dir, and
# api.sh, running in the router's namespace, applies each new request with
# `ip route replace PREFIX via VIA`. Bounded: 20 ms a round, 30000 rounds.
# (vipd runs it through /proc/self/fd: $0 does not name the lab dir.)
{ echo '#!/bin/sh'; printf 'dir=%s\n' "$LAB_DIR"; } >"$LAB_DIR/route.sh"
cat >>"$LAB_DIR/route.sh" <<'EOF'
printf '%s %s\n' "$1" "$2" >"$dir/route.req.$$" && exec mv "$dir/route.req.$$" "$dir/route.want"
EOF
cat >"$LAB_DIR/api.sh" <<'EOF'
#!/bin/bash
dir=$1 last=
for ((i = 0; i < 30000; i++)); do
	want=$(cat "$dir/route.want" 2>/dev/null)
	if [ -n "$want" ] && [ "$want" != "$last" ]; then
		read -r prefix via <<<"$want"
		case $prefix$via in
		*[!0-9a-f:./]*) echo "api: refused '$want'" ;;
		*) ip route replace "$prefix" via "$via" && echo "api: $prefix via $via" ;;
		esac
		last=$want
	fi
	sleep 0.02
done
EOF
chmod 755 "$LAB_DIR/route.sh" "$LAB_DIR/api.sh"
lab_bg r "$LAB_DIR/api.log" "$LAB_DIR/api.sh" "$LAB_DIR"

# routed_conf NODE PRIO PEER HOPS VIP - NODE's config: the VIP on lo, heartbeats
# to PEER only, peer_hops HOPS ("" = the default), no announcements, the hook.
routed_conf() {
	local n=$1 via=${LAB_IP4[$1]} hops=
	case $5 in *:*) via=${LAB_IP6[$1]} ;; esac
	[ -n "$4" ] && hops="peer_hops = $4;"
	lab_conf_groups "$n" "$2" "	{
		id = 1;
		interface = \"lo\";
		vips = [ \"$5\" ];
		interval_ms = $LAB_INTERVAL_MS;
		misses = $LAB_MISSES;
		port = $PORT;
		key_file = \"$LAB_DIR/key\";
		peers = [ \"$3\" ];
		$hops
		garp_count = 0;
		garp_refresh_ms = 0;
		claim_probe_ms = 0;
		notify_master = [ \"$LAB_DIR/route.sh\", \"$5\", \"$via\" ];
		notify_master_again = [ \"$LAB_DIR/route.sh\", \"$5\", \"$via\" ];
	}"
}

# route_via ADDR VIA - the router's route to ADDR goes via VIA.
route_via() {
	ip -n "$R" route get "$1" 2>/dev/null | grep -q " via $2 "
}

# reach VIP NODE - the client's UDP probes to VIP are answered, by NODE only.
reach() {
	local out=$LAB_DIR/reach.out
	client_start "$out" -t "$1" -i 10 -d 300 -w
	client_wait 3000
	[ "$(probe_field "$out" recv)" -gt 0 ] 2>/dev/null &&
		[ "$(probe_field "$out" responders)" = "$2:$(probe_field "$out" recv)" ]
}

# vip_on_lo NODE VIP - NODE holds VIP on its lo.
vip_on_lo() {
	ip -o -n "$(lab_ns "$1")" addr show dev lo | grep -q " ${2%/*}/"
}

# vip_only_on NODE OTHER VIP - NODE holds VIP on lo, OTHER does not.
vip_only_on() {
	vip_on_lo "$1" "$3" && ! vip_on_lo "$2" "$3"
}

# unvip NODE VIP - remove what a killed vipd left on NODE's lo.
unvip() {
	ip -n "$(lab_ns "$1")" addr del "$2" dev lo 2>/dev/null
	return 0
}

# paired - A is MASTER and B BACKUP, and each hears the other.
paired() {
	test "$(js a '.groups[0].state')/$(js b '.groups[0].state')" = MASTER/BACKUP &&
		test "$(js a '.groups[0].peer.hears_us')/$(js b '.groups[0].peer.hears_us')" = true/true
}

# ttl_drops NODE - TTL rejections in NODE's status.
ttl_drops() {
	js "$1" '.groups[0].counters.rejected.ttl'
}

# pair_round TAG VIP ADDR_A ADDR_B - the pair with peer_hops = 2: election,
# the client, a crash; leaves B master and A stopped.
pair_round() {
	local tag=$1 vip=$2 addr=${2%/*}
	routed_conf a 100 "$4" 2 "$vip"
	routed_conf b 90 "$3" 2 "$vip"
	node_start a
	node_start b
	wait_for "$tag: A MASTER" 3000 state_is a MASTER
	wait_for "$tag: B BACKUP" 3000 state_is b BACKUP
	check "$tag: A MASTER, B BACKUP across the router" \
		test "$(js a '.groups[0].state')/$(js b '.groups[0].state')" = MASTER/BACKUP || lab_dump
	check_eq "$tag: B hears A from its routed address" "$(js b '.groups[0].peer.address')" "$3"
	check "$tag: both directions work" \
		test "$(js a '.groups[0].peer.hears_us')/$(js b '.groups[0].peer.hears_us')" = true/true
	check_eq "$tag: peer_hops 2 in status" "$(js b '.groups[0].heartbeat.peer_hops')" 2
	check "$tag: no TTL rejections with peer_hops 2" test "$(ttl_drops a)/$(ttl_drops b)" = 0/0
	check "$tag: the VIP on A's lo, not on B's" vip_only_on a b "$vip"
	wait_for "$tag: the route points at A" 3000 route_via "$addr" "$3"
	check "$tag: the MASTER hook pointed the router's route at A" route_via "$addr" "$3"
	check "$tag: C reaches the VIP on A through the router" reach "$addr" a || lab_dump
	node_kill a
	wait_for "$tag: B MASTER after the crash" 3000 state_is b MASTER
	check "$tag: kill -9 of A: B MASTER" state_is b MASTER
	check_eq "$tag: B took over on timeout" "$(js b '.groups[0].reason')" "peer timed out"
	wait_for "$tag: the route points at B" 3000 route_via "$addr" "$4"
	check "$tag: the route moved to B" route_via "$addr" "$4"
	check "$tag: C reaches the VIP on B" reach "$addr" b || lab_dump
	unvip a "$vip"
}

# hops1_round TAG VIP ADDR_A ADDR_B - the same pair with peer_hops left at 1:
# every heartbeat arrives with TTL 254 and is dropped; both become master.
hops1_round() {
	local tag=$1 vip=$2
	routed_conf a 100 "$4" "" "$vip"
	routed_conf b 90 "$3" "" "$vip"
	node_start a
	node_start b
	wait_for "$tag: A MASTER" 3000 state_is a MASTER
	wait_for "$tag: B MASTER" 3000 state_is b MASTER
	wait_for "$tag: A dropped TTL 254" 3000 grep -q "dropped heartbeat from $4: TTL 254, not 255..255" "$LAB_DIR/a.log"
	wait_for "$tag: B dropped TTL 254" 3000 grep -q "dropped heartbeat from $3: TTL 254, not 255..255" "$LAB_DIR/b.log"
	check "$tag: peer_hops 1: both MASTER (neither hears the other)" \
		test "$(js a '.groups[0].state')/$(js b '.groups[0].state')" = MASTER/MASTER
	check "$tag: peer_hops 1: no peer on either side" \
		test "$(js a '.groups[0].peer')/$(js b '.groups[0].peer')" = null/null
	check "$tag: peer_hops 1: both count TTL drops" \
		test "$(ttl_drops a)" -gt 0 -a "$(ttl_drops b)" -gt 0
	check "$tag: peer_hops 1: A logs the TTL 254 drop" \
		grep -q "dropped heartbeat from $4: TTL 254, not 255..255 (sender is not on this link)" \
		"$LAB_DIR/a.log"
	check "$tag: peer_hops 1: B logs the TTL 254 drop" \
		grep -q "dropped heartbeat from $3: TTL 254, not 255..255" "$LAB_DIR/b.log"
	# peer_hops is applied live: a reload to 2 pairs them without a restart.
	routed_conf a 100 "$4" 2 "$vip"
	routed_conf b 90 "$3" 2 "$vip"
	"$VIPCTL" -s "$LAB_DIR/a.sock" reload >/dev/null 2>&1
	"$VIPCTL" -s "$LAB_DIR/b.sock" reload >/dev/null 2>&1
	wait_for "$tag: paired after the reload" 3000 paired
	check "$tag: reload to peer_hops 2: A MASTER, B BACKUP, same processes" paired
	node_stop a
	node_stop b
	unvip a "$vip"
	unvip b "$vip"
}

# via_router NODE ADDR - NODE's route to ADDR goes through its router.
via_router() {
	lab_exec "$1" ip route get "$2" 2>/dev/null | grep -q " via ${LAB_RTR4[$1]} "
}
check "lab: A reaches B's subnet only via the router" via_router a "${LAB_IP4[b]}"
# a_pings ADDR - A pings ADDR once (quietly).
a_pings() {
	lab_exec a ping -q -c 1 -W 1 "$1" >/dev/null 2>&1
}
check "lab: A reaches B through the router" a_pings "${LAB_IP4[b]}"
check "lab: A reaches B over IPv6 through the router" a_pings "${LAB_IP6[b]}"

# ---- IPv4 peers, IPv4 VIP ----
pair_round ipv4 198.51.100.100/32 "${LAB_IP4[a]}" "${LAB_IP4[b]}"

# A forged copy from the router (an unlisted source; TTL 255, right group id,
# a key nobody has): dropped before the HMAC and counted as such.
src0=$(js b '.groups[0].counters.rejected.source')
auth0=$(js b '.groups[0].counters.rejected | "\(.auth)/\(.key_id)"')
timeout 10 ip netns exec "$R" "$HBFLOOD" -d "${LAB_IP4[b]}" -p "$PORT" -g 1 -r 50 -t 1 \
	>"$LAB_DIR/forge.out" 2>&1
check "forged: hbflood sent from the router" grep -q "^hbflood: sent [1-9]" "$LAB_DIR/forge.out"
src1=$(js b '.groups[0].counters.rejected.source')
check "forged: B counted the unlisted source ($src0 -> $src1)" test "$src1" -gt "$src0"
check "forged: B logged the unlisted source" \
	grep -q "dropped heartbeat from ${LAB_RTR4[b]}: sender is not a listed peer" "$LAB_DIR/b.log"
check_eq "forged: none reached the key or the HMAC" \
	"$(js b '.groups[0].counters.rejected | "\(.auth)/\(.key_id)"')" "$auth0"
check "forged: B still MASTER" state_is b MASTER
node_stop b
unvip b 198.51.100.100/32

hops1_round ipv4 198.51.100.100/32 "${LAB_IP4[a]}" "${LAB_IP4[b]}"

# ---- IPv6 peers, IPv6 VIP ----
ip -n "$R" route del 198.51.100.100/32 2>/dev/null
pair_round ipv6 2001:db8:ff::100/128 "${LAB_IP6[a]}" "${LAB_IP6[b]}"
check_eq "ipv6: heartbeats are IPv6" "$(js b '.groups[0].heartbeat.family')" ipv6
node_stop b
unvip b 2001:db8:ff::100/128

hops1_round ipv6 2001:db8:ff::100/128 "${LAB_IP6[a]}" "${LAB_IP6[b]}"

lab_finish
