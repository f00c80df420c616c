#!/bin/bash
# t_core.sh - the core promises, with real daemons in the netns lab and a
# client "phone" probing the VIP: one holder at start, crash failover,
# graceful handover without a timeout, no move back on return, a healed
# partition, and a node with the wrong key.
#
# Gaps are printed; bounds asserted here are generous on purpose (the exact
# numbers belong to the benchmark, test/bench).
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
DEAD_MS=$((LAB_INTERVAL_MS * LAB_MISSES))

# gap OUT - the probe's longest client-observed interruption, in ms.
gap() {
	probe_field "$1" max_gap_ms
}

# --- both nodes start together: exactly one holds the VIP -----------------
# The claim probe (on by default) keeps a backup whose heartbeats are cut
# from claiming while the master still answers for the VIP; this test wants
# the two-master contention after a partition, so it turns the probe off.
# t_upstream.sh tests the probe.
lab_pair_up -p "claim_probe_ms = 0;"
if lab_holders_are a; then
	ok "started together: A (priority 100) holds the VIP, B does not"
else
	not_ok "started together: holders are '$(vip_holders)', expected 'a'"
fi
check "B is BACKUP (vipctl)" test "$(js b '.groups[0].state')" = BACKUP
check "A is MASTER (vipctl)" test "$(js a '.groups[0].state')" = MASTER
check "B sees A alive as MASTER" test "$(js b '.groups[0].peer.state')" = MASTER
check "C reaches the VIP" lab_exec c ping -c 1 -W 1 "$LAB_VIP"
check "label eth0:vip on A" sh -c "ip -n $(lab_ns a) -o addr show dev eth0 | grep -q 'eth0:vip'"

# --- SIGTERM of the master: handover without waiting for a timeout -------
client_start "$LAB_DIR/term.out" -t "$LAB_VIP" -i 2 -d 3000 -w
sleep 0.5
node_stop a
check "SIGTERM: vipd on A exited 0" test "$?" = 0
wait_holder b 2000
check "SIGTERM: B holds the VIP" lab_holders_are b
client_wait 5000
g=$(gap "$LAB_DIR/term.out")
echo "# SIGTERM handover: client-observed gap ${g} ms (dead interval ${DEAD_MS} ms)"
check "SIGTERM: B took over because A resigned, not by timeout" \
	test "$(js b '.groups[0].reason')" = "peer resigned"
check "SIGTERM: gap ${g} ms is below the dead interval" \
	awk -v g="$g" -v d="$DEAD_MS" 'BEGIN { exit !(g != "" && g < d) }'
check "SIGTERM: C's neighbour entry points at B" test "$(neigh_mac "$LAB_VIP")" = "$(node_mac b)"

# --- the stopped node comes back: BACKUP, the VIP stays -------------------
client_start "$LAB_DIR/return.out" -t "$LAB_VIP" -i 2 -d 2500 -w
node_start a
wait_for "A reports BACKUP" 3000 state_is a BACKUP
check "return: A comes back as BACKUP" test "$(js a '.groups[0].state')" = BACKUP
check "return: A's reason is 'peer is master'" test "$(js a '.groups[0].reason')" = "peer is master"
sleep 1
check "return: the VIP stayed on B" lab_holders_are b
client_wait 5000
echo "# return: client-observed gap $(gap "$LAB_DIR/return.out") ms, switches" \
	"$(probe_field "$LAB_DIR/return.out" switches)"
check "return: the client saw no switch" test "$(probe_field "$LAB_DIR/return.out" switches)" = 0

# --- crash of the master: SIGKILL and its cable pulled --------------------
client_start "$LAB_DIR/crash.out" -t "$LAB_VIP" -i 2 -d 3000 -w
sleep 0.5
link_down b	# the node is gone from the LAN ...
node_kill b	# ... and its vipd is dead
# kill -9 leaves the VIP on B's interface; with its cable pulled no one sees it.
wait_for "A holds the VIP" 3000 has_vip a
check "crash: A holds the VIP" has_vip a
client_wait 5000
g=$(gap "$LAB_DIR/crash.out")
echo "# crash failover: client-observed gap ${g} ms (interval ${LAB_INTERVAL_MS} ms x ${LAB_MISSES})"
check "crash: A took over because B timed out" test "$(js a '.groups[0].reason')" = "peer timed out"
check "crash: gap ${g} ms is below 1000 ms" awk -v g="$g" 'BEGIN { exit !(g != "" && g < 1000) }'
check "crash: C's neighbour entry points at A" test "$(neigh_mac "$LAB_VIP")" = "$(node_mac a)"
check "crash: C reaches the VIP" lab_exec c ping -c 1 -W 1 "$LAB_VIP"

# B's node is back (kill -9 left the VIP on its interface): the systemd
# unit's ExecStopPost runs `vipd -c`; do the same, then start it again.
lab_exec b "$VIPD" -c -f "$LAB_DIR/b.conf"
check "vipd -c removed the VIP left by kill -9" lab_holders_are a
link_up b
node_start b
wait_for "B reports BACKUP" 3000 state_is b BACKUP
check "crash: B comes back as BACKUP" test "$(js b '.groups[0].state')" = BACKUP

# --- heartbeat path cut while both stay up, then healed -------------------
hb_block
wait_holder "a b" 3000
check "partition: both nodes hold the VIP while cut" lab_holders_are "a b"
hb_unblock
lab_now
t0=$LAB_NOW_MS
wait_for "one holder after heal" 3000 lab_holders_are a
lab_now
healed=$((LAB_NOW_MS - t0))
echo "# partition healed: one holder after ${healed} ms (2 intervals = $((2 * LAB_INTERVAL_MS)) ms)"
check "healed: exactly one holder (A, higher priority)" lab_holders_are a
check "healed: one holder within 2 intervals (+200 ms test slack)" \
	test "$healed" -le $((2 * LAB_INTERVAL_MS + 200))
check "healed: the contention was counted" \
	test $(($(js a '.groups[0].counters.contentions') + $(js b '.groups[0].counters.contentions'))) -ge 1
check "healed: B is BACKUP" test "$(js b '.groups[0].state')" = BACKUP
# The winner's burst reaches C well before the 10 s refresh could.
neigh_is_a() { test "$(neigh_mac "$LAB_VIP")" = "$(node_mac a)"; }
wait_for "C's entry points at A" 1500 neigh_is_a
check "healed: C's neighbour entry points at A (winner re-announced)" neigh_is_a || lab_dump

# --- a node with the wrong key: ignored, counted, no disturbance ----------
lab_key "$LAB_DIR/wrong.key"
tr_a=$(js a '.groups[0].counters.transitions')
tr_b=$(js b '.groups[0].counters.transitions')
LAB_KEY=$LAB_DIR/wrong.key LAB_VIPS='"192.0.2.101/24"' lab_conf c 200
node_start c
sleep 1.5
check "wrong key: A counted rejected heartbeats (key_id)" \
	test "$(js a '.groups[0].counters.rejected.key_id')" -gt 0
check "wrong key: B counted rejected heartbeats (key_id)" \
	test "$(js b '.groups[0].counters.rejected.key_id')" -gt 0
check "wrong key: A is still MASTER, no transition" \
	test "$(js a '.groups[0].state')/$(js a '.groups[0].counters.transitions')" = "MASTER/$tr_a"
check "wrong key: B is still BACKUP, no transition" \
	test "$(js b '.groups[0].state')/$(js b '.groups[0].counters.transitions')" = "BACKUP/$tr_b"
check "wrong key: A's peer is still node-b" test "$(js a '.groups[0].peer.name')" = node-b
check "wrong key: the VIP stayed on A" lab_holders_are a
node_stop c

# --- the backup, stopped, wakes to a dead master ---------------------------
# A's heartbeats queue on B's socket while B is stopped; A dies; B wakes a
# dead interval less an interval after A's last heartbeat. That heartbeat
# counts from when it arrived (the kernel's stamp), and B, having been
# stalled, gives A one interval more: B takes over one interval after it
# wakes, not a dead interval after it read the queue.
wait_for "A has a live peer" 2000 test "$(js a '.groups[0].peer.alive')" = true
node_signal b STOP
sleep 0.12	# two or three heartbeats of A wait for B
link_down a
node_kill a
sleep $(awk -v d=$((DEAD_MS - LAB_INTERVAL_MS + 10)) 'BEGIN { printf "%.3f", d / 1000 }')
node_signal b CONT
lab_now
t0=$LAB_NOW_MS
wait_for "B holds the VIP" 2000 has_vip b
lab_now
woke=$((LAB_NOW_MS - t0))
echo "# stopped backup: VIP on B ${woke} ms after it woke (an interval: ${LAB_INTERVAL_MS} ms; from the read: $DEAD_MS)"
check "stopped backup: took over by timeout" test "$(js b '.groups[0].reason')" = "peer timed out"
check "stopped backup: counted its stall" test "$(js b '.groups[0].counters.stalls')" -ge 1
check "stopped backup: the VIP within an interval of waking (+60 ms), not a dead interval" \
	test "$woke" -lt $((LAB_INTERVAL_MS + 60))

lab_finish
