#!/bin/bash
# t_sync.sh - a sync set (sync_group = "sip") of three groups changes state
# as one and never splits across the nodes: at start (although on A one of
# the followers has a lower priority than on B), on `vipctl switchover` of
# a follower and of every group, on SIGTERM of the master, when a
# follower's check fails on the master, and on a crash.
#
# Monitors record every address change on both nodes, with its time, during
# all of it; the set is split while its three VIPs do not have the same
# holders. The longest split must stay within one heartbeat interval. An
# independent group with the same priorities as group 2 (and preempt, so
# that the order in which the nodes start does not matter) shows what the
# set prevents: it lives on B while the set lives on A.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
IV=$LAB_INTERVAL_MS
S1=192.0.2.101	# group 1, the leader
S2=192.0.2.102	# group 2, follower; A's priority here is 50 (B: 90)
S3=192.0.2.103	# group 3, follower with a check (fails while $LAB_DIR/fail-NODE exists)
S4=192.0.2.104	# group 4, no sync set, A's priority 50 too, preempt

lab_up || exit 1
lab_key

# sync_groups NODE G2PRIO - the four groups for NODE.
sync_groups() {
	local k="key_file = \"$LAB_DIR/key\"; interval_ms = $IV; misses = $LAB_MISSES;"
	cat <<EOF
	{ id = 1; vips = [ "$S1/24" ]; sync_group = "sip"; $k },
	{ id = 2; vips = [ "$S2/24" ]; sync_group = "sip"; priority = $2; $k },
	{ id = 3; vips = [ "$S3/24" ]; sync_group = "sip"; $k
	  check_script = [ "/usr/bin/test", "!", "-e", "$LAB_DIR/fail-$1" ];
	  check_interval_ms = 50; check_rise = 1; check_fall = 1; },
	{ id = 4; vips = [ "$S4/24" ]; priority = $2; preempt = true; preempt_delay_ms = 0; $k }
EOF
}
lab_conf_groups a 100 "$(sync_groups a 50)"
lab_conf_groups b 90 "$(sync_groups b 90)"

# set_on NODE - NODE, and only NODE, holds the three VIPs of the set.
set_on() {
	lab_holders_are "$1" "$S1" && lab_holders_are "$1" "$S2" && lab_holders_are "$1" "$S3"
}

# gstate NODE ID - the state of group ID on NODE.
gstate() {
	js "$1" ".groups[] | select(.id == $2) | .state"
}

# set_states NODE STATE - groups 1-3 of NODE are all in STATE.
set_states() {
	test "$(js "$1" "[.groups[] | select(.id <= 3) | .state] | join(\" \")")" = "$2 $2 $2"
}

# a_backup_b_holds / b_backup_a_holds / b_took_crashed_set - compound states.
a_backup_b_holds() {
	set_states a BACKUP && set_on b
}
b_backup_a_holds() {
	set_states b BACKUP && set_on a
}
b_took_crashed_set() {
	has_vip b "$S1" && has_vip b "$S2" && has_vip b "$S3"
}

# sync_dump - what a failed check needs: both nodes' events and logs.
sync_dump() {
	local n
	for n in a b; do
		echo "# --- events of node $n"
		"$VIPCTL" -s "$LAB_DIR/$n.sock" events 2>&1 | sed 's/^/#   /'
	done
	lab_dump 40
}

# --- the monitors -----------------------------------------------------------------
# `ip monitor address` in each node's namespace records every address added
# or removed, with the time the kernel's notification arrived (microseconds):
# no sampling interval to hide a short split in.
lab_bg a "$LAB_DIR/mon-a.log" ip -ts -o monitor address
MON_A=$LAB_BG_PID
lab_bg b "$LAB_DIR/mon-b.log" ip -ts -o monitor address
MON_B=$LAB_BG_PID

# mon_events - both monitors' events for the set's VIPs, in time order:
# "MS NODE add|del VIP" (MS counted from the start of the month).
mon_events() {
	local n
	for n in a b; do
		awk -v node="$n" -v s1="$S1" -v s2="$S2" -v s3="$S3" '
			{ ts = substr($1, 2, 26); del = ($2 == "Deleted") }
			{ for (i = 2; i < NF; i++) if ($i == "inet") { split($(i + 1), a, "/"); ip = a[1] } }
			ip == s1 || ip == s2 || ip == s3 {
				d = substr(ts, 9, 2); h = substr(ts, 12, 2); m = substr(ts, 15, 2)
				sec = substr(ts, 18)
				printf "%.3f %s %s %s\n", ((d * 24 + h) * 60 + m) * 60000 + sec * 1000,
					node, del ? "del" : "add", ip
			}
			{ ip = "" }' "$LAB_DIR/mon-$n.log"
	done | sort -n -k1,1
}

# longest_split - the longest time (ms) during which the three VIPs did not
# have the same holders, from the events of mon_events.
longest_split() {
	mon_events | awk -v s1="$S1" -v s2="$S2" -v s3="$S3" '
		function holders(ip) { return (on["a", ip] ? "a" : "") (on["b", ip] ? "b" : "") }
		{ on[$2, $4] = ($3 == "add") }
		{ sp = !(holders(s1) == holders(s2) && holders(s2) == holders(s3)) }
		sp && !in_split { in_split = 1; start = $1 }
		!sp && in_split { in_split = 0; if ($1 - start > max) max = $1 - start }
		END { printf "%.1f\n", in_split ? 999999 : max + 0 }'
}

# --- start: A's leader wins, the whole set follows it -------------------------
node_start a
node_start b
wait_for "the set is on A" 3000 set_on a
wait_for "B's set is BACKUP" 2000 set_states b BACKUP
check "start: A holds the set ($S1 $S2 $S3), B none of it" set_on a || lab_dump
check "start: B's groups 1-3 are BACKUP" set_states b BACKUP
check "start: A's group 2 (priority 50 < 90) follows its leader" \
	test "$(js a '.groups[] | select(.id == 2) |
		"\(.state) \(.reason) \(.sync.role) \(.sync.leader)"')" = \
	"MASTER sync set leader is master follower 1"
wait_holder b 3000 "$S4"
check "start: group 4, not in the set, went by priority: B holds $S4" lab_holders_are b "$S4"
check "start: ... while A's set stayed whole" set_on a

# --- switchover of a follower: the whole set moves -------------------------------
check "switchover 2 (a follower) on A succeeds" "$VIPCTL" -s "$LAB_DIR/a.sock" switchover 2
wait_for "the set is on B" 1000 set_on b
check "switchover 2: B holds the whole set" set_on b
check "switchover 2: B's leader took over at once (peer resigned)" \
	test "$(js b '.groups[] | select(.id == 1) | .reason')" = "peer resigned"
check "switchover 2: B's followers follow it" \
	test "$(js b '[.groups[] | select(.id == 2 or .id == 3) | .reason] | unique | join(",")')" = \
	"sync set leader is master" || sync_dump

# --- switchover of every group: back to A, group 4 too ----------------------------
sleep 0.3
check "switchover (all groups) on B succeeds" "$VIPCTL" -s "$LAB_DIR/b.sock" switchover
wait_for "the set is on A" 1000 set_on a
check "switchover all: A holds the whole set" set_on a || sync_dump

# --- a follower's check fails on the master: the set hands over --------------------
sleep 0.3
touch "$LAB_DIR/fail-a"
wait_for "the set is on B" 2000 set_on b
check "check fails on A's group 3: the whole set moves to B" set_on b
check "check fails: A's group 3 is FAULT" test "$(gstate a 3)" = FAULT
check "check fails: A's leader is unhealthy while its follower is FAULT" \
	test "$(js a '.groups[] | select(.id == 1) | "\(.state) \(.sync.blocked)"')" = "FAULT true"
rm -f "$LAB_DIR/fail-a"
wait_for "A's set is BACKUP again" 3000 a_backup_b_holds
check "check passes again: A's groups 1-3 are BACKUP, B keeps the set" a_backup_b_holds

# --- SIGTERM of the master: handed over as a whole ---------------------------------
sleep 0.3
node_stop b
check "SIGTERM: vipd on B exited 0" test "$?" = 0
wait_for "the set is on A" 1000 set_on a
check "SIGTERM: A holds the whole set" set_on a
node_start b
wait_for "B's set is BACKUP" 3000 b_backup_a_holds
check "SIGTERM: B comes back BACKUP in the whole set, A keeps it" b_backup_a_holds

# --- crash of the master ------------------------------------------------------------
sleep 0.3
link_down a
node_kill a
wait_for "B holds the set" 2000 b_took_crashed_set
check "crash: B took the whole set" b_took_crashed_set
check "crash: B's groups 1-3 are MASTER" set_states b MASTER

# --- the verdict of the monitors ------------------------------------------------
sleep 0.1
lab_stop_pid "$MON_A" TERM 2000
lab_stop_pid "$MON_B" TERM 2000
adds=$(mon_events | grep -c ' add ')
dels=$(mon_events | grep -c ' del ')
split=$(longest_split)
echo "# monitors: $adds additions and $dels removals of the set's VIPs;" \
	"longest split ${split} ms (interval ${IV} ms)"
# Six moves of three VIPs: start, switchover, switchover, check, SIGTERM, crash.
check_num "monitors: every move of the set was recorded (additions)" "$adds" ">=" 18
check_num "monitors: the set never split for longer than one interval" "$split" "<=" "$IV"

# A group's callbacks (the sync set's among them) run once its own step is
# over and its timer armed: no transition above stepped a group from within
# its own step (the follower's check, then its leader's resign, used to).
nested=$(cat "$LAB_DIR"/a.log "$LAB_DIR"/b.log | grep -c 'stepped again from within its own step')
check_num "no group was stepped from within its own step" "$nested" "==" 0

lab_finish
