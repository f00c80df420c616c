#!/bin/bash
# t_agree.sh - the pair must agree, and says so when it does not: settings
# that differ between the nodes (VIP list, timing) are reported on both
# (status degraded, logged once, metrics) and never cause a flap; two nodes
# given the same node.name (a copied config) refuse to claim: in 20 starts
# together never two holders; a node in doubt is FAULT with the reason, and
# one that was master first (it finished listening before it heard the
# other) keeps the VIP and reports the conflict.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
RUNS=${AGREE_RUNS:-20}

lab_up || exit 1
lab_key

# --- settings that differ -------------------------------------------------
LAB_VIPS='"192.0.2.100/24"' lab_conf a 100
LAB_VIPS='"192.0.2.100/24", "192.0.2.101/24"' LAB_INTERVAL_MS=60 lab_conf b 90
lab_pair_up -n -s
sleep 1
for n in a b; do
	check "mismatch: $n names the classes that differ" \
		test "$(js $n '.groups[0].peer.settings_mismatch | join(",")')" = "vips,timing"
	"$VIPCTL" -s "$LAB_DIR/$n.sock" status >"$LAB_DIR/$n.status" 2>&1
	check "mismatch: vipctl status on $n exits 1 (degraded)" test "$?" = 1
	check "mismatch: the status text says so" \
		grep -q "settings differ from the peer's: vips, timing" "$LAB_DIR/$n.status"
	check "mismatch: logged once on $n" \
		test "$(grep -c "settings differ from this node's: vips, timing" "$LAB_DIR/$n.log")" = 1
done
check "mismatch: no flap (A MASTER, B BACKUP, one transition each)" test \
	"$(js a '[.groups[0].state, .groups[0].counters.transitions] | join(" ")') $(js b '[.groups[0].state, .groups[0].counters.transitions] | join(" ")')" \
	= "MASTER 1 BACKUP 1"
check "mismatch: metrics carry it" sh -c \
	"'$VIPCTL' -s '$LAB_DIR/a.sock' metrics | grep -qx 'vipd_peer_settings_mismatch{group=\"1\",class=\"vips\"} 1'"
# The configs made to agree: reported as such, status healthy again.
LAB_VIPS='"192.0.2.100/24"' lab_conf b 90
"$VIPCTL" -s "$LAB_DIR/b.sock" reload >/dev/null 2>&1
wait_for "the pair agrees again" 2000 test "$(js a '.groups[0].peer.settings_mismatch | length')" = 0
check "agree again: A's status exits 0" "$VIPCTL" -s "$LAB_DIR/a.sock" status >/dev/null
check "agree again: logged" grep -q "settings agree with this node's again" "$LAB_DIR/a.log"
node_stop b
node_stop a

# --- two nodes, one name ----------------------------------------------------
# holds_ever NODE - NODE's monitor saw the VIP added.
holds_ever() {
	grep -v Deleted "$LAB_DIR/mon-$1" | grep -q " inet $LAB_VIP/"
}
# verdict NODE - "FAULT" if FAULT for the conflict, "MASTER" if master reporting it.
verdict() {
	case "$(js "$1" '[.groups[0].state, .groups[0].reason, .groups[0].name_conflict] | join("/")')" in
	"FAULT/another node uses the name pbx-a/"*) echo FAULT ;;
	MASTER/*/true) echo MASTER ;;
	*) echo "?" ;;
	esac
}
both=0 good=0 first=0
for ((run = 1; run <= RUNS; run++)); do
	for n in a b; do
		lab_conf "$n" 100
		sed -i 's/name = "node-[ab]"/name = "pbx-a"/' "$LAB_DIR/$n.conf"
		: >"$LAB_DIR/mon-$n"
		lab_bg "$n" "$LAB_DIR/mon-$n" ip -o monitor address
		eval "mon_$n=\$LAB_BG_PID"
	done
	sleep 0.2
	node_start a
	node_start b
	sleep 1
	# shellcheck disable=SC2154
	lab_stop_pid "$mon_a" TERM 1000
	# shellcheck disable=SC2154
	lab_stop_pid "$mon_b" TERM 1000
	holds_ever a && holds_ever b && both=$((both + 1))
	v="$(verdict a)/$(verdict b)"
	case $v in
	FAULT/FAULT) good=$((good + 1)) ;;
	MASTER/FAULT | FAULT/MASTER) good=$((good + 1)) first=$((first + 1)) ;;
	*) echo "# one name, run $run: A and B ended $v" ;;
	esac
	node_stop a 3000
	node_stop b 3000
done
echo "# one name: $RUNS starts together; both held the VIP in $both; the right end in $good" \
	"($first with a node that was master first and kept the VIP)"
check "one name: never two holders in $RUNS starts" test "$both" = 0
check "one name: every run ended with the node(s) in doubt FAULT ($good of $RUNS)" \
	test "$good" = "$RUNS"
check "one name: logged loudly" grep -q "error: group 1: another node uses the name pbx-a" "$LAB_DIR/a.log"

lab_finish
