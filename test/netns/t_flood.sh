#!/bin/bash
# t_flood.sh - a flood of forged heartbeats from a LAN host (the client
# namespace): right length, magic, version, group id and TTL, wrong MAC
# (test/tools/hbflood, built with proto_encode and a random key), at
# FLOOD_RATE per s for FLOOD_S s, against a pair at 50 ms x 3. Zero
# transitions, the genuine heartbeats still arrive, every forgery is
# counted, the log stays bounded. Then forged bundles of 18 records (the
# largest datagram, one HMAC each), and the first flood against unicast
# peers: dropped by source, before the HMAC. The full rates are in `make bench`.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
# The sanitizer build (run.sh netns-san) costs several times the CPU per datagram: 20k/s there.
case ${VIPD:-} in
*build-san*) FLOOD_RATE=${FLOOD_RATE:-20000} ;;
esac
FLOOD_RATE=${FLOOD_RATE:-50000}
FLOOD_S=${FLOOD_S:-5}
HBFLOOD=${HBFLOOD:-$LAB_ROOT/build/hbflood}

lab_ready -p

# ticks NODE - utime + stime of NODE's vipd, in clock ticks.
ticks() {
	local s
	s=$(cat "/proc/$(node_pid "$1")/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	echo $((${12} + ${13}))
}

# flood NAME ARG... - run hbflood in the client's namespace, in the foreground
# (bounded by its own duration), output into $LAB_DIR/NAME.out.
flood() {
	local out=$LAB_DIR/$1.out
	shift
	timeout $((FLOOD_S + 10)) ip netns exec "$(lab_ns c)" "$HBFLOOD" -i eth0 \
		-r "$FLOOD_RATE" -t "$FLOOD_S" "$@" >"$out" 2>&1
	sed 's/^/# /' "$out"
}

# sent NAME - the datagrams hbflood says it sent.
sent() {
	sed -n 's/^hbflood: sent \([0-9]*\) .*/\1/p' "$LAB_DIR/$1.out"
}

# --- multicast: the forgeries cost an HMAC each, and change nothing ----------
lab_pair_up -s
wait_for "A hears B" 3000 peer_alive a
sleep 0.5
hz=$(getconf CLK_TCK)
for n in a b; do
	eval "tr0_$n=\$(js $n '.groups[0].counters.transitions')"
	eval "rx0_$n=\$(js $n '.groups[0].counters.rx')"
	eval "auth0_$n=\$(js $n '.groups[0].counters.rejected.auth')"
	eval "tk0_$n=\$(ticks $n)"
done
lines0=$(grep -c 'dropped heartbeat' "$LAB_DIR/b.log")
lab_now
t0=$LAB_NOW_MS
flood mcast -d 239.255.80.1 -p 5800 -g 1 -k "$(js a '.groups[0].settings.key_id')"
lab_now
t1=$LAB_NOW_MS
sleep 0.2
n_sent=$(sent mcast)
check_num "hbflood sent at least 90 % of $((FLOOD_RATE * FLOOD_S))" "${n_sent:-0}" ">=" \
	$((FLOOD_RATE * FLOOD_S * 9 / 10))
for n in a b; do
	eval "tr0=\$tr0_$n rx0=\$rx0_$n auth0=\$auth0_$n tk0=\$tk0_$n"
	check_eq "flood: no transition on $n" "$(js $n '.groups[0].counters.transitions')" "$tr0"
	rx=$(( $(js $n '.groups[0].counters.rx') - rx0 ))
	# 20 heartbeats/s from the peer; a few may be lost to the flood, never 1 in 3.
	check_num "flood: $n still heard its peer's heartbeats ($FLOOD_S s)" "$rx" ">=" \
		$((FLOOD_S * 20 * 8 / 10))
	auth=$(( $(js $n '.groups[0].counters.rejected.auth') - auth0 ))
	drops=$(js $n '.groups[0].counters.kernel_drops')
	check_num "flood: $n counted the forgeries as auth or kernel drops" \
		"$((auth + drops))" ">=" $((n_sent * 9 / 10))
	cpu=$(awk -v d=$(( $(ticks $n) - tk0 )) -v hz="$hz" -v ms=$((t1 - t0)) \
		'BEGIN { printf "%.1f", d / hz / (ms / 1000) * 100 }')
	echo "# flood $FLOOD_RATE/s: $n rx $rx auth $auth kernel_drops $drops cpu ${cpu}%"
done
check "flood: A is still MASTER, B BACKUP" \
	test "$(js a '.groups[0].state')/$(js b '.groups[0].state')" = MASTER/BACKUP
check "flood: the VIP never left A" lab_holders_are a
lines=$(( $(grep -c 'dropped heartbeat' "$LAB_DIR/b.log") - lines0 ))
check_num "flood: B logged at most 5 drops per 10 s per class" "$lines" "<=" \
	$(( (FLOOD_S / 10 + 1) * 5 * 2 ))
check "status shows the kernel drop counter" \
	test "$(js b '.groups[0].counters.kernel_drops | type')" = number

# --- forged bundles: the largest datagram, one HMAC over all its records ------
tr0=$(js b '.groups[0].counters.transitions')
auth0=$(js b '.groups[0].counters.rejected.auth')
rx0=$(js b '.groups[0].counters.rx')
flood bundle -b 18 -d 239.255.80.1 -p 5800 -g 1 -k "$(js a '.groups[0].settings.key_id')"
sleep 0.2
n_sent=$(sent bundle)
check_eq "bundle flood: no transition on B" "$(js b '.groups[0].counters.transitions')" "$tr0"
check_num "bundle flood: B still heard A" "$(( $(js b '.groups[0].counters.rx') - rx0 ))" ">=" \
	$((FLOOD_S * 20 * 8 / 10))
check_num "bundle flood: B counted the forged bundles as auth or kernel drops" \
	"$(( $(js b '.groups[0].counters.rejected.auth') - auth0 + $(js b '.groups[0].counters.kernel_drops') - drops ))" \
	">=" $((${n_sent:-1} * 9 / 10))
check "bundle flood: the VIP never left A" lab_holders_are a
node_stop b
node_stop a

# --- unicast peers: an unlisted source is dropped before the HMAC -------------
lab_pair_up -s -f unicast_peers
sleep 0.3
tr0=$(js b '.groups[0].counters.transitions')
rx0=$(js b '.groups[0].counters.rx')
src0=$(js b '.groups[0].counters.rejected.source')
auth0=$(js b '.groups[0].counters.rejected.auth')
flood ucast -d 192.0.2.2 -p 5800 -g 1 -k "$(js a '.groups[0].settings.key_id')"
sleep 0.2
n_sent=$(sent ucast)
check_eq "unicast flood: no transition on B" "$(js b '.groups[0].counters.transitions')" "$tr0"
check_num "unicast flood: B still heard A" "$(( $(js b '.groups[0].counters.rx') - rx0 ))" ">=" \
	$((FLOOD_S * 20 * 8 / 10))
src=$(( $(js b '.groups[0].counters.rejected.source') - src0 ))
check_num "unicast flood: forgeries from an unlisted source counted as 'source'" \
	"$((src + $(js b '.groups[0].counters.kernel_drops')))" ">=" $((${n_sent:-1} * 9 / 10))
check_eq "unicast flood: not one of them reached the HMAC" \
	"$(js b '.groups[0].counters.rejected.auth')" "$auth0"
check "unicast flood: the log says why" grep -q 'sender is not a listed peer' "$LAB_DIR/b.log"
lab_finish
