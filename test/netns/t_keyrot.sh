#!/bin/bash
# t_keyrot.sh - the documented key rotation (vipd.conf(5), KEY ROTATION),
# node after node with KEYROT_GAP_S [10] seconds between the steps, under
# traffic: after every step no heartbeat of the pair is rejected (auth or
# key_id), no transition happens, the VIP does not move and never has a
# second holder. Then a node with neither key is rejected by its key id,
# before any HMAC is computed. (The wire format itself is unit-tested.)
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
GAP=${KEYROT_GAP_S:-10}

lab_up || exit 1
lab_key "$LAB_DIR/key.old"
lab_key "$LAB_DIR/key.new"
lab_key "$LAB_DIR/key.other"
serve_start a
serve_start b

# conf NODE PRIO SIGN [ACCEPT] - NODE signs with SIGN, also accepts ACCEPT.
conf() {
	local extra=""
	[ -n "${4:-}" ] && extra="key_file_next = \"$LAB_DIR/key.$4\";"
	LAB_KEY=$LAB_DIR/key.$3 lab_conf "$1" "$2" "$extra"
}
prio() { [ "$1" = a ] && echo 100 || echo 90; }

# rejected NODE - heartbeats NODE rejected for a key: auth + key_id.
rejected() {
	js "$1" '.groups[0].counters.rejected | .auth + .key_id'
}
transitions() {
	js "$1" '.groups[0].counters.transitions'
}

conf a 100 old
conf b 90 old
lab_pair_up -n -s
sleep 0.5
client_start "$LAB_DIR/rot.out" -t "$LAB_VIP" -i 5 -d $((GAP * 6 * 1000 + 3000)) -w
lab_bg b "$LAB_DIR/mon-b" ip -ts -o monitor address
mon_b=$LAB_BG_PID
ra=$(rejected a) rb=$(rejected b) ta=$(transitions a) tb=$(transitions b)

# step N NODE SIGN ACCEPT WHAT - one step of the procedure, then checks.
step() {
	local n=$1 node=$2
	conf "$node" "$(prio "$node")" "$3" "${4:-}"
	check "step $n ($node: $5): vipctl reload" "$VIPCTL" -s "$LAB_DIR/$node.sock" reload
	sleep "$GAP"
	check "step $n: no heartbeat rejected on A or B" \
		test "$(rejected a)/$(rejected b)" = "$ra/$rb"
	check "step $n: no transition on A or B" \
		test "$(transitions a)/$(transitions b)" = "$ta/$tb"
	check "step $n: A still MASTER, B BACKUP, A the only holder" \
		test "$(js a '.groups[0].state') $(js b '.groups[0].state') $(vip_holders)" = \
		"MASTER BACKUP a"
	check "step $n: each hears the other" \
		test "$(js a '.groups[0].peer.alive')/$(js b '.groups[0].peer.alive')" = true/true
}

step 1 a old new "accept the new key too"
step 2 b old new "accept the new key too"
step 3 a new old "sign with the new key, accept the old"
step 4 b new old "sign with the new key, accept the old"
step 5 a new "" "drop the old key"
step 6 b new "" "drop the old key"
client_wait $((GAP * 1000 + 5000))
lab_stop_pid "$mon_b" TERM 1000
echo "# rotation: client saw $(probe_field "$LAB_DIR/rot.out" lost) lost probes," \
	"longest gap $(probe_field "$LAB_DIR/rot.out" max_gap_ms) ms, switches" \
	"$(probe_field "$LAB_DIR/rot.out" switches)"
check "rotation: the client saw no switch of holder" \
	test "$(probe_field "$LAB_DIR/rot.out" switches)" = 0
check "rotation: B never held the VIP (no add event on B)" \
	sh -c "! grep -v Deleted '$LAB_DIR/mon-b' | grep -q ' inet $LAB_VIP/'"
check "rotation: both sign with the new key (same key id)" \
	test "$(js a '.groups[0].settings.key_id')" = "$(js b '.groups[0].settings.key_id')"

# A node with neither key: rejected by key id, and nothing changes.
node_stop b
conf b 90 other
node_start b
sleep 1
check "other key: A rejects B's heartbeats by key id" test "$(js a '.groups[0].counters.rejected.key_id')" -gt 0
check "other key: A is still MASTER and does not hear B" \
	test "$(js a '.groups[0].state') $(js a '.groups[0].peer.alive')" = "MASTER false"

lab_finish
