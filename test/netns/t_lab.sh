#!/bin/bash
# t_lab.sh - tests the netns lab and the probe tool themselves, without vipd:
# the LAN is wired as documented, the VIP moved by hand from A to B shows up
# in the probe as one gap and one switch, the client's ARP entry follows,
# hb_block cuts only the heartbeat port, link_down and lab_loss do what they
# say, node_start/node_stop/node_kill manage processes, and lab_down leaves
# nothing behind. TAP output; about 8 s.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=test/netns/lib.sh
. test/netns/lib.sh

if [ ! -x "$PROBE" ]; then
	not_ok "probe binary $PROBE exists (make tests)"
	lab_finish
fi
if ! lab_up; then
	not_ok "lab_up"
	lab_finish
fi
ok "lab_up (prefix $LAB_P)"
c=${LAB_P}c

# pings NODE ADDR - one ping from NODE to ADDR answered (quietly).
# shellcheck disable=SC2317 # called through check
pings() {
	ip netns exec "${LAB_P}$1" ping -q -c 1 -W 2 "$2" >/dev/null
}

# ---- wiring ----
for n in a b c; do
	check "namespace $n has ${LAB_IP4[$n]} on eth0" \
		grep -q "inet ${LAB_IP4[$n]}/24 " < <(ip -o -n "${LAB_P}$n" addr show dev eth0)
	check_eq "namespace $n has no default route" \
		"$(ip -n "${LAB_P}$n" route show default)$(ip -6 -n "${LAB_P}$n" route show default)" ""
	check_eq "namespace $n: accept_dad is 0 on eth0" \
		"$(lab_exec "$n" sysctl -n net.ipv6.conf.eth0.accept_dad)" 0
done
check_eq "the switch namespace has no routes" "$(ip -n "${LAB_P}sw" route show)" ""
check_eq "C accepts gratuitous ARP" "$(lab_exec c sysctl -n net.ipv4.conf.eth0.arp_accept)" 1
check "bridge br0 does no multicast snooping" \
	grep -q 'mcast_snooping 0' < <(ip -d -n "${LAB_P}sw" link show br0)
check "C reaches A over IPv4" pings c "${LAB_IP4[a]}"
check "C reaches B over IPv6" pings c "${LAB_IP6[b]}"
check_eq "node_mac a" "$(node_mac a)" "${LAB_MAC[a]}"

# ---- a VIP moved by hand, seen by the probe ----
serve_start a
serve_start b
ip -n "${LAB_P}a" addr add "$LAB_VIP/24" dev eth0 label eth0:vip
check_eq "vip_holders sees the VIP on A" "$(vip_holders)" a
check "wait_holder a" wait_holder a 500
check "wait_holder b times out while A holds the VIP" not wait_holder b 100
check_num "wait_holder b gave up after about 100 ms" "$LAB_WAITED_MS" ">=" 100

out=$LAB_DIR/steady.out
ip netns exec "$c" "$PROBE" client -t "$LAB_VIP" -d 300 -w >"$out" 2>&1
check_eq "probe client against a steady VIP exits 0" "$?" 0
check_eq "steady: every probe answered" "$(probe_field "$out" lost)" 0
check_eq "steady: only A answers" "$(probe_field "$out" responders)" "a:$(probe_field "$out" sent)"
check_eq "steady: no switch" "$(probe_field "$out" switches)" 0
check_num "steady: max gap is about one interval" "$(probe_field "$out" max_gap_ms)" "<" 100

out=$LAB_DIR/move.out
client_start "$out" -t "$LAB_VIP" -d 2000 -w -o "$LAB_DIR/move.events"
sleep 0.6
ip -n "${LAB_P}a" addr del "$LAB_VIP/24" dev eth0
sleep 0.15	# the outage the probe must see: at least 150 ms
ip -n "${LAB_P}b" addr add "$LAB_VIP/24" dev eth0 label eth0:vip
check "lab_announce b $LAB_VIP" lab_announce b "$LAB_VIP"
check_eq "vip_holders sees the VIP on B" "$(vip_holders)" b
client_wait 5000
check_eq "probe client during the move exits 0" "$?" 0
sed 's/^/# /' "$out"
check_eq "move: exactly one switch" "$(probe_field "$out" switches)" 1
check "move: A then B answered" grep -Eq ' responders=a:[0-9]+,b:[0-9]+ ' "$out"
check_num "move: max gap covers the outage" "$(probe_field "$out" max_gap_ms)" ">=" 150
check_num "move: max gap ends with the announcement" "$(probe_field "$out" max_gap_ms)" "<" 1000
check_num "move: gap starts when A lost the VIP" "$(probe_field "$out" gap_start_ms)" ">=" 300
check_num "move: probes were lost" "$(probe_field "$out" lost)" ">" 0
check_eq "move: no double answering" "$(probe_field "$out" double_ms)" 0.0
check "move: events file has the switch" grep -q '^switch .*from=a to=b' "$LAB_DIR/move.events"
check_eq "C's neighbour entry for the VIP points to B" "$(neigh_mac "$LAB_VIP")" "$(node_mac b)"

# IPv6 VIP on B.
ip -n "${LAB_P}b" addr add 2001:db8::100/64 dev eth0 nodad
check_eq "vip_holders for an IPv6 VIP" "$(vip_holders 2001:db8::100)" b
out=$LAB_DIR/v6.out
ip netns exec "$c" "$PROBE" client -t 2001:db8::100 -d 200 -w >"$out" 2>&1
check "IPv6: B answers every probe" grep -Eq '^sent=([0-9]+) recv=\1 lost=0 .* responders=b:' "$out"

# Nobody answers: exit 1, the whole window is the gap.
out=$LAB_DIR/none.out
ip netns exec "$c" "$PROBE" client -t 192.0.2.200 -d 200 >"$out" 2>&1
check_eq "probe client with no responder exits 1" "$?" 1
check_num "no responder: the gap is the whole window" "$(probe_field "$out" max_gap_ms)" ">=" 190

# ---- hb_block: cuts UDP 5800 from a node, nothing else ----
hb_probe() {	# from A to B's port 5800
	ip netns exec "${LAB_P}a" "$PROBE" client -t "${LAB_IP4[b]}" -p 5800 -d 300 "$@" \
		>"$LAB_DIR/hb.out" 2>&1
}
serve_start b 5800
hb_probe -w
check_eq "port 5800 from A to B open before hb_block" "$?" 0
hb_block a b
hb_probe
check_eq "hb_block: nothing gets through from A to B's port 5800" \
	"$(probe_field "$LAB_DIR/hb.out" recv)" 0
check_num "hb_block: the filter counted the drops" "$(hb_dropped a)" ">" 0
check "hb_block: A still pings B" pings a "${LAB_IP4[b]}"
ip netns exec "$c" "$PROBE" client -t "$LAB_VIP" -d 200 -w >"$LAB_DIR/hbc.out" 2>&1
check_eq "hb_block: the client still reaches the VIP" "$(probe_field "$LAB_DIR/hbc.out" lost)" 0
hb_unblock a b
hb_probe -w
check_eq "hb_unblock: port 5800 open again" "$(probe_field "$LAB_DIR/hb.out" lost)" 0

# ---- link_down / link_up ----
# shellcheck disable=SC2317 # called through wait_for
no_carrier() {
	ip -n "${LAB_P}$1" link show dev eth0 | grep -q NO-CARRIER
}
link_down b
check "link_down b: B's eth0 lost its carrier" wait_for "NO-CARRIER on B" 1000 no_carrier b
ip netns exec "$c" "$PROBE" client -t "$LAB_VIP" -d 200 >"$LAB_DIR/ld.out" 2>&1
check_eq "link_down b: the VIP on B is unreachable" "$(probe_field "$LAB_DIR/ld.out" recv)" 0
link_up b
ip netns exec "$c" "$PROBE" client -t "$LAB_VIP" -d 1000 -w >"$LAB_DIR/lu.out" 2>&1
check_eq "link_up b: the VIP on B answers again" "$?" 0

# ---- lab_loss ----
lab_loss b 30
ip netns exec "$c" "$PROBE" client -t "$LAB_VIP" -d 600 >"$LAB_DIR/loss.out" 2>&1
sent=$(probe_field "$LAB_DIR/loss.out" sent)
lost=$(probe_field "$LAB_DIR/loss.out" lost)
# 30 % each way: about 51 % of the round trips fail.
check_num "lab_loss 30: lost share of round trips" "$((lost * 100 / (sent > 0 ? sent : 1)))" \
	">=" 25
check_num "lab_loss 30: but not all" "$((lost * 100 / (sent > 0 ? sent : 1)))" "<=" 75
lab_loss_clear b
ip netns exec "$c" "$PROBE" client -t "$LAB_VIP" -d 200 >"$LAB_DIR/loss.out" 2>&1
check_eq "lab_loss_clear: no loss" "$(probe_field "$LAB_DIR/loss.out" lost)" 0

# ---- process management, with a stand-in for vipd ----
fake=$LAB_DIR/fakevipd
cat >"$fake" <<'EOF'
#!/bin/sh
# Stands in for vipd: logs its arguments, exits 0 on SIGTERM, ends by itself.
echo "fakevipd: $*" >&2
trap 'echo "fakevipd: TERM" >&2; exit 0' TERM
i=0
while [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
EOF
chmod +x "$fake"
lab_key "$LAB_DIR/key"
check_eq "lab_key: mode 600" "$(stat -c %a "$LAB_DIR/key")" 600
check_eq "lab_key: 32 bytes" "$(base64 -d "$LAB_DIR/key" | wc -c)" 32
LAB_INTERVAL_MS=20 lab_conf a 100 'preempt = true;'
check "lab_conf: priority, interval and extra setting" grep -q 'priority = 100;' "$LAB_DIR/a.conf"
check "lab_conf: interval from LAB_INTERVAL_MS" grep -q 'interval_ms = 20;' "$LAB_DIR/a.conf"
check "lab_conf: extra setting inside the group" grep -q 'preempt = true;' "$LAB_DIR/a.conf"
lab_conf b 90
saved=$VIPD
VIPD=$fake
node_start a
node_start b
check "node_start: the process runs" wait_for "fakevipd on A" 1000 node_alive a
check "node_start: in A's namespace" test "$(ip netns identify "$(node_pid a)")" = "${LAB_P}a"
check "node_start: -f NODE.conf, logged" \
	wait_for "log of A" 1000 grep -q "fakevipd: -f $LAB_DIR/a.conf" "$LAB_DIR/a.log"
node_stop a
check_eq "node_stop: exit status of the daemon" "$?" 0
check "node_stop: the daemon saw SIGTERM" grep -q 'fakevipd: TERM' "$LAB_DIR/a.log"
check "node_stop: gone" not node_alive a
node_kill b
check "node_kill: gone" not node_alive b
check_eq "unicast_peers a: B's address" "$(unicast_peers a)" 'peers = [ "192.0.2.2" ];'
check_eq "unicast_peers b: A's address" "$(unicast_peers b)" 'peers = [ "192.0.2.1" ];'
# A stand-in never answers vipctl: the pair never settles.
check "lab_pair_up: a pair that does not settle returns 1" \
	not lab_pair_up -w 100 -f unicast_peers 'preempt = true;'
check "lab_pair_up: the settings and FUNC's in both configs" \
	grep -q 'preempt = true; peers = \[ "192.0.2.2" \];' "$LAB_DIR/a.conf"
check "lab_pair_up: FUNC's output per node" grep -q 'peers = \[ "192.0.2.1" \];' "$LAB_DIR/b.conf"
check "lab_pair_up: started both nodes" sh -c "kill -0 $(node_pid a) && kill -0 $(node_pid b)"
node_stop a
node_stop b
check "logs_clean: the stand-in's logs are clean" logs_clean
echo "runtime error: signed integer overflow" >>"$LAB_DIR/b.log"
check "logs_clean: a UBSan report in B's log is found" not logs_clean
VIPD=$saved

# ---- lab_down leaves nothing behind ----
ns=("${LAB_NS[@]}")
pids=("${LAB_PIDS[@]}")
dir=$LAB_DIR
lab_down
left=
for n in "${ns[@]}"; do
	[ -e "/run/netns/$n" ] && left="$left $n"
done
check_eq "lab_down: every namespace deleted" "$left" ""
left=
for e in "${pids[@]}"; do
	lab_entry_alive "$e" && left="$left ${e%%:*}"
done
check_eq "lab_down: every process stopped" "$left" ""
check "lab_down: work dir removed" test ! -e "$dir"
lab_down
ok "lab_down twice is harmless"
lab_finish
