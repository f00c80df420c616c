#!/bin/bash
# t_fence.sh - fencing before a takeover, with a real fence: the fence
# command takes the silent peer's switch port down in the bridge namespace
# (the lab's "power it off"), so a master that was only frozen cannot come
# back and hold the node IP; the crash gap is measured with the fence's own
# time. A fence that hangs or fails keeps the address unclaimed, in FAULT
# with "fencing the peer failed", retried with back-off until it works.
#
# The claim probe is on (the default): a frozen master's kernel still
# answers ARP for the VIP, and the fence runs all the same; the probe after
# it finds the address free once the fenced port is down.
#
# The switch's "management": vipd runs its commands without CAP_SYS_ADMIN,
# so the fence script cannot enter the switch namespace itself. Like
# ipmitool asking a BMC, it asks a stand-in for the switch's management
# (lab_fence_setup in lib.sh, run by this test as root) to take a port down, through
# request files in $LAB_DIR, and waits (bounded) for the answer. The fence
# is still real: the port goes down in the bridge. The script and the loop
# act only on the lab's own switch namespace and write only inside $LAB_DIR.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3

lab_ready -p
SW=$(lab_ns sw)

lab_fence_setup || exit 1
setmode() { lab_fence_mode "$1"; }
fence="$LAB_FENCE_CONF"
port_up() { ip -n "$SW" -o link show "p$1" | grep -q '<[^>]*,UP'; }
port_down() { ! port_up "$1"; }
fence_runs() { grep -c "fences node-$1" "$LAB_DIR/fence.log"; }
st() { "$VIPCTL" -s "$LAB_DIR/$1.sock" status; }

lab_pair_up -c "setup: A MASTER, B BACKUP, both with a fence command" "$fence"
check "status: B's fence is configured and was never needed" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/b.sock' status | grep -q '^  fence: configured, never needed, 0 of 0 failed$'"

# --- crash of the master (vipd killed, node gone): fence, then claim; the gap ---------------
client_start "$LAB_DIR/crash.out" -t "$LAB_VIP" -i 2 -d 2500 -w
sleep 0.5
link_down a	# the node is gone from the LAN ...
node_kill a	# ... and its vipd is dead
wait_for "B is MASTER" 3000 state_is b MASTER
client_wait 5000
g=$(probe_field "$LAB_DIR/crash.out" max_gap_ms)
fms=$(js b '.groups[0].fence.last_ms')
echo "# crash gap with a fence: ${g} ms client-observed, of which the fence took ${fms} ms (interval ${LAB_INTERVAL_MS} ms x ${LAB_MISSES})"
check "B ran the fence against node-a, with its address" \
	grep -q "node-b fences node-a at 192.0.2.1 (group 1)" "$LAB_DIR/fence.log"
check "B is MASTER: peer timed out" test "$(js b '.groups[0].reason')" = "peer timed out"
check "--json: fence last_ok, 1 run, 0 failures" \
	test "$(js b '.groups[0].fence | [.last_ok, .runs, .failures] | join(" ")')" = "true 1 0"
check_num "crash gap (ms) within interval x misses + 20 ms + the fence's time + 100 ms of noise" \
	"${g:-x}" "<" "$((LAB_INTERVAL_MS * LAB_MISSES + 20 + ${fms:-0} + 100))"
check "B's log says it fenced" grep -q "group 1: fenced node-a in [0-9]* ms" "$LAB_DIR/b.log"
check "metrics: vipd_fences_total ok 1" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/b.sock' metrics | grep -q '^vipd_fences_total{group=\"1\",result=\"ok\"} 1$'"
# A comes back: clean up after kill -9 (as ExecStopPost would), cable in, start.
lab_exec a "$VIPD" -c -f "$LAB_DIR/a.conf"
link_up a
node_start a
wait_for "A is BACKUP" 3000 state_is a BACKUP
check "A is back as BACKUP" state_is a BACKUP

# --- the master freezes (SIGSTOP): A fences it, B wakes up cut off -------------------------
sleep 0.3	# A rises (3 heartbeats) in B's eyes
node_signal b STOP
wait_for "A is MASTER" 3000 state_is a MASTER
check "A fenced the frozen B and claimed" \
	test "$(js a '.groups[0].fence.runs')/$(js a '.groups[0].state')" = 1/MASTER
check "the fence took B's switch port down" port_down b
check "A's claim probe heard the frozen B's kernel answer, and fenced it all the same" \
	grep -q "group 1: $LAB_VIP/[0-9]* is answered by .*: not claiming while it does" "$LAB_DIR/a.log"
node_signal b CONT
wait_for "B is FAULT" 3000 state_is b FAULT
check "B woke up fenced: FAULT (no carrier)" state_is b FAULT
wait_holder a 2000
check "... it dropped the VIP: only A holds it" lab_holders_are a
check "the phone reaches the VIP (on A)" lab_exec c ping -q -c 1 -W 1 "$LAB_VIP"

# --- a fence that hangs, then fails: the address stays unclaimed ---------------------------
node_stop b
link_up b
node_start b
wait_for "B is BACKUP" 3000 state_is b BACKUP
sleep 0.3
setmode hang
lab_now
t0=$LAB_NOW_MS
node_signal a STOP
wait_for "B is FAULT" 3000 state_is b FAULT
setmode fail	# the next try (in 1 s) fails at once
check "fence hung: B is FAULT, not MASTER" state_is b FAULT
check "B says why: fencing the peer failed" \
	test "$(js b '.groups[0].reason')" = "fencing the peer failed"
check "the address stays unclaimed by B" not has_vip b
check_num "--json: the hanging fence timed out (timeouts)" "$(js b '.groups[0].fence.timeouts')" ">=" 1
check "B logs the timeout" \
	grep -q "fencing node-a failed: fence command timed out after 1500 ms, killed" "$LAB_DIR/b.log"
said() { "$VIPCTL" -s "$LAB_DIR/b.sock" status | grep -q "^  fence: last FAILED in [0-9]* ms against node-a, \([0-9]*\) of \1 failed (fence: the PDU does not answer)$"; }
wait_for "a try failed with the fence's words" 6000 said
check "status says what the fence said" said
check "... still FAULT" state_is b FAULT
check "status: FAULT since ... (fencing the peer failed)" \
	sh -c "'$VIPCTL' -s '$LAB_DIR/b.sock' status | grep -q '^group 1: FAULT since .* (fencing the peer failed)$'"
check "still unclaimed" not has_vip b
check "A's port is still up: nothing was fenced" port_up a
setmode ok
wait_for "B is MASTER after a fence that worked" 10000 state_is b MASTER
lab_now
check "the retry fenced A and B claimed" state_is b MASTER
echo "# from A frozen to B MASTER through a hung and a failed fence: $((LAB_NOW_MS - t0)) ms"
check_num "tries: a hung one, failed ones, the one that worked" "$(($(fence_runs a) - 1))" ">=" 3
check "they came with back-off (vipd's log: 1 s, then 2 s)" \
	test "$(grep -c 'fencing node-a failed' "$LAB_DIR/b.log")" -ge 2
check "A's port is down now" port_down a
node_signal a CONT
wait_for "A is FAULT" 3000 state_is a FAULT
wait_holder b 2000
check "A woke up fenced and dropped the VIP: only B holds it" lab_holders_are b

node_stop a
node_stop b
lab_finish
