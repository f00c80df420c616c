#!/bin/bash
# t_local.sh - the local attack surface (vipd(8) SECURITY): what local users
# and files can and cannot do to a running root daemon.
#
#   1 privileges: the daemon, and a hook it runs, hold only CAP_NET_ADMIN
#     and CAP_NET_RAW (/proc/PID/status), uid 0
#   2 one instance: a second vipd for the same config, or another config
#     with the same control socket, exits at once, one
#     line naming the running PID
#   3 control socket: seven control_group members hold connections and
#     reconnect in a tight loop; root's status and switchover answer within
#     1 s every time, the members are told "busy" (vipctl exit 4), and no
#     heartbeat is late (no timeout or stall on either node)
#   4 a connection that keeps sending requests is still closed after
#     CONTROL_LIFE_MS (5 s): a request resets the idle time, not the age
#   5 state: a failed standby save changes nothing and says so; a symlink
#     planted at the standby file is replaced, not followed
#   6 trust at exec time: a hook swapped, after the config was loaded, for a
#     symlink into /tmp or a file owned by a service account is not run;
#     vipd -t names the path and the reason in one line (hook, key file,
#     config)
#   7 kill -9: the lock is gone with the process; of two vipd then started
#     together exactly one runs
#
# The flooding clients run under nice 19: the test is about what the
# control socket does, not about CPU starvation by local processes (which
# any local user can cause without vipd's socket), on a machine shared
# with other test runs.
set -u
. "$(dirname "$0")/lib.sh"
CTLFLOOD=${CTLFLOOD:-$LAB_ROOT/build/ctlflood}
case $CTLFLOOD in /*) ;; *) CTLFLOOD=$PWD/$CTLFLOOD ;; esac

export LAB_INTERVAL_MS=50 LAB_MISSES=3

ms_now() { lab_now; echo "$LAB_NOW_MS"; }

# Unprivileged accounts, all in one control_group; removed by name at exit.
GRP=vipdl$$
NUSERS=7
USERS=()
EVIL=
cleanup() {
	local u
	lab_down
	for u in "${USERS[@]}"; do userdel "$u" 2>/dev/null; done
	groupdel "$GRP" 2>/dev/null
	[ -n "$EVIL" ] && rm -rf -- "$EVIL"
}
lab_up || exit 1
trap cleanup EXIT
trap 'exit 143' INT TERM
groupadd --system "$GRP" || { not_ok "groupadd $GRP"; lab_finish; }
for ((i = 1; i <= NUSERS; i++)); do
	u=vipdl$$u$i
	useradd --system --no-create-home --no-user-group --gid "$GRP" --home-dir / \
		--shell /usr/sbin/nologin "$u" || { not_ok "useradd $u"; lab_finish; }
	USERS+=("$u")
done
U1=${USERS[0]}
U1_UID=$(id -u "$U1")
asuser() { local u=$1; shift; setpriv --reuid="$u" --regid="$GRP" --groups="$GRP" "$@"; }
# The members reach the sockets; the key, configs and state stay root's (0700/0600).
chmod 711 "$LAB_DIR"

lab_key
mkdir -m 755 "$LAB_DIR/hooks"
# caps.sh OUT - the hook's own uid and capability sets into OUT.
cat >"$LAB_DIR/hooks/caps.sh" <<'EOF'
#!/bin/sh
grep -E '^(Uid|Cap(Inh|Prm|Eff|Bnd|Amb)):' /proc/$$/status >"$1.tmp" && mv "$1.tmp" "$1"
EOF
# ran.sh OUT - one line per run.
printf '#!/bin/sh\necho ran >>"$1"\n' >"$LAB_DIR/hooks/ran.sh"
chmod 755 "$LAB_DIR/hooks/caps.sh" "$LAB_DIR/hooks/ran.sh"
cp "$LAB_DIR/hooks/ran.sh" "$LAB_DIR/hooks/backup.sh"
for n in a b; do
	lab_conf "$n" "$([ "$n" = a ] && echo 100 || echo 90)" \
		"notify_master = [ \"$LAB_DIR/hooks/caps.sh\", \"$LAB_DIR/$n.caps\" ];" \
		"notify_backup = [ \"$LAB_DIR/hooks/backup.sh\", \"$LAB_DIR/$n.backup\" ];" \
		"claim_probe_ms = 0;"
	echo "control_group = \"$GRP\";" >>"$LAB_DIR/$n.conf"
done
check "the configs load (every file trusted)" \
	sh -c "'$VIPD' -t -f '$LAB_DIR/a.conf' && '$VIPD' -t -f '$LAB_DIR/b.conf'"
lab_pair_up -n -s
wait_for "A sees B fit" 3000 peer_fit a

# --- 1 privileges ------------------------------------------------------------------
caps() {	# FILE FIELD - the value of FIELD in a /proc status file
	awk -v f="$2:" '$1 == f { print $2 }' "$1"
}
cp "/proc/$(node_pid a)/status" "$LAB_DIR/a.status"
wait_for "A's notify_master ran" 3000 test -s "$LAB_DIR/a.caps"
# The file (a copy of vipd's /proc status, or its hook's), the field, its
# value, the check.
while IFS='|' read -r file f want desc; do
	check_eq "$desc" "$(caps "$LAB_DIR/$file" "$f")" "$want"
done <<'EOF'
a.status|CapEff|0000000000003000|vipd (started as root, no systemd): CapEff is CAP_NET_ADMIN+CAP_NET_RAW
a.status|CapPrm|0000000000003000|vipd (started as root, no systemd): CapPrm is CAP_NET_ADMIN+CAP_NET_RAW
a.status|CapBnd|0000000000003000|vipd (started as root, no systemd): CapBnd is CAP_NET_ADMIN+CAP_NET_RAW
a.status|CapInh|0000000000000000|vipd: CapInh is empty
a.status|CapAmb|0000000000000000|vipd: CapAmb is empty
a.status|Uid|0|vipd: still uid 0
a.caps|CapEff|0000000000003000|a hook vipd runs: CapEff is CAP_NET_ADMIN+CAP_NET_RAW
a.caps|CapPrm|0000000000003000|a hook vipd runs: CapPrm is CAP_NET_ADMIN+CAP_NET_RAW
a.caps|CapBnd|0000000000003000|a hook vipd runs: CapBnd is CAP_NET_ADMIN+CAP_NET_RAW
a.caps|CapAmb|0000000000000000|a hook: CapAmb is empty
a.caps|Uid|0|a hook: uid 0
EOF

# --- 2 one instance ------------------------------------------------------------------
t0=$(ms_now)
ip netns exec "${LAB_P}a" "$VIPD" -f "$LAB_DIR/a.conf" >"$LAB_DIR/second.out" 2>"$LAB_DIR/second.err" &
lab_track $!
second=$!
wait_for "the second vipd exits" 3000 not lab_alive "$second"
lab_stop_pid "$second" KILL 1000
rc=$?
t1=$(ms_now)
check_eq "a second vipd for the same config exits 1" "$rc" 1
check_num "... at once (ms)" $((t1 - t0)) "<" 1000
check_eq "... with one line" "$(wc -l <"$LAB_DIR/second.err")" 1
check "... naming the running PID $(node_pid a)" \
	grep -q "another vipd (PID $(node_pid a)) is running" "$LAB_DIR/second.err"
sed 's/^/#   /' "$LAB_DIR/second.err"
# Another config, same control socket: the lock is the socket's, not the file's.
sed 's/name = "node-a"/name = "node-x"/' "$LAB_DIR/a.conf" >"$LAB_DIR/x.conf"
ip netns exec "${LAB_P}a" "$VIPD" -f "$LAB_DIR/x.conf" >/dev/null 2>"$LAB_DIR/second.err" &
lab_track $!
second=$!
wait_for "the vipd with another config exits" 3000 not lab_alive "$second"
lab_stop_pid "$second" KILL 1000
check_eq "another config with the same control socket: exits 1" "$?" 1
check "... naming the running PID" \
	grep -q "another vipd (PID $(node_pid a)) is running" "$LAB_DIR/second.err"
check "the first vipd still runs and holds the VIP" sh -c "kill -0 $(node_pid a) && \
	ip -n ${LAB_P}a -o addr show dev eth0 | grep -q ' $LAB_VIP/'"

# --- 3 control socket under a flood from control_group members -------------------------
FLOOD_MS=7000
for ((i = 0; i < NUSERS; i++)); do
	asuser "${USERS[$i]}" nice -n 19 "$CTLFLOOD" hold "$LAB_DIR/a.sock" 6 $FLOOD_MS \
		>"$LAB_DIR/flood-$i.out" 2>&1 &
	lab_track $!
	FLOODERS+=("$!")
done
sleep 1
asuser "$U1" "$VIPCTL" -s "$LAB_DIR/a.sock" status >/dev/null 2>"$LAB_DIR/busy.err"
check_eq "a member over its limit: vipctl exits 4 (busy)" "$?" 4
check "... and is told so: busy, not unreachable" grep -q "vipctl: busy: " "$LAB_DIR/busy.err"
sed 's/^/#   /' "$LAB_DIR/busy.err"
worst=0 bad=0
for ((i = 0; i < 20; i++)); do
	t0=$(ms_now)
	ctl a status >/dev/null 2>>"$LAB_DIR/root.err" || bad=$((bad + 1))
	t1=$(ms_now)
	[ $((t1 - t0)) -gt "$worst" ] && worst=$((t1 - t0))
done
check_eq "during the flood: root's vipctl status answered 20 of 20 times" "$bad" 0
check_num "... the slowest within 1 s (ms)" "$worst" "<" 1000
sw() {	# NODE TO - switchover through NODE's socket, timed; then wait for TO
	local t0 t1 rc
	t0=$(ms_now)
	ctl "$1" switchover >/dev/null 2>>"$LAB_DIR/root.err"
	rc=$?
	t1=$(ms_now)
	check_eq "during the flood: root's switchover on $1 exits 0" "$rc" 0
	check_num "... answered within 1 s (ms)" $((t1 - t0)) "<" 1000
	wait_holder "$2" 2000
}
sw a b
wait_for "A sees B fit" 3000 peer_fit b
sw b a
wait_for "B fit again" 3000 peer_fit a
sw a b
sed 's/^/#   root: /' "$LAB_DIR/root.err"
flooders_done() {
	local p
	for p in "${FLOODERS[@]}"; do lab_alive "$p" && return 1; done
	return 0
}
wait_for "the flooders end" $((FLOOD_MS + 3000)) flooders_done
for p in "${FLOODERS[@]}"; do lab_stop_pid "$p" TERM 1000 >/dev/null; done
busy_user=0 busy_reserved=0 answered=0
for ((i = 0; i < NUSERS; i++)); do
	echo "# flood $i: $(cat "$LAB_DIR/flood-$i.out")"
	busy_user=$((busy_user + $(probe_field "$LAB_DIR/flood-$i.out" busy_user)))
	busy_reserved=$((busy_reserved + $(probe_field "$LAB_DIR/flood-$i.out" busy_reserved)))
	answered=$((answered + $(probe_field "$LAB_DIR/flood-$i.out" answered)))
done
check_num "members over the per-user limit were told busy" "$busy_user" ">" 0
check_num "members were told busy once only the slots kept for root were left" \
	"$busy_reserved" ">" 0
timeouts() {	# NODE - transitions caused by a late heartbeat or a stalled loop
	ctl "$1" --json events 256 | jq '[.events[] | select(.reason == "peer timed out" or
		.reason == "own timers stalled" or (.reason | startswith("two masters")))] | length'
}
check_eq "heartbeats on time throughout: no timeout or stall on A" "$(timeouts a)" 0
check_eq "... nor on B" "$(timeouts b)" 0

# --- 4 a request does not reset the connection's age ----------------------------------
asuser "$U1" "$CTLFLOOD" trickle "$LAB_DIR/a.sock" 500 12000 >"$LAB_DIR/trickle.out"
echo "# trickle: $(cat "$LAB_DIR/trickle.out")"
check_eq "a request every 500 ms: the connection is closed anyway" \
	"$(probe_field "$LAB_DIR/trickle.out" closed)" yes
life=$(probe_field "$LAB_DIR/trickle.out" life_ms)
check_num "... after CONTROL_LIFE_MS (5000 ms; ms)" "$life" ">=" 4500
check_num "... not much later (ms)" "$life" "<" 8000

# --- 5 state written safely ------------------------------------------------------------
chmod 500 "$LAB_DIR/a.state"
ctl a standby on >/dev/null 2>"$LAB_DIR/standby.err"
check_eq "state_dir not writable: standby on exits 1" "$?" 1
check "... says the standby did not change" grep -q "standby not changed: cannot save it" \
	"$LAB_DIR/standby.err"
sed 's/^/#   /' "$LAB_DIR/standby.err"
check_eq "... and it did not" "$(js a '.groups[0].standby')" false
chmod 700 "$LAB_DIR/a.state"
echo precious >"$LAB_DIR/victim"
rm -f "$LAB_DIR/a.state/standby.1"	# nothing is there unless the check above failed
ln -s "$LAB_DIR/victim" "$LAB_DIR/a.state/standby.1"
check "symlink planted at the standby file: standby on exits 0" ctl a standby on
check_eq "... the link's target is untouched" "$(cat "$LAB_DIR/victim")" precious
check "... the link was replaced by a regular file" \
	sh -c "test -f '$LAB_DIR/a.state/standby.1' && ! test -L '$LAB_DIR/a.state/standby.1'"
check "... holding the flag" grep -q '^standby since [0-9]*$' "$LAB_DIR/a.state/standby.1"
check_eq "... no temporary file left" "$(find "$LAB_DIR/a.state" -name '.standby*' | wc -l)" 0
check "standby off exits 0" ctl a standby off
check "... the file is gone" not test -e "$LAB_DIR/a.state/standby.1"

# --- 6 trust, checked again right before each run --------------------------------------
wait_for "B sees A fit" 3000 peer_fit b
ctl b switchover >/dev/null && wait_holder a 2000
: >"$LAB_DIR/a.backup"
EVIL=$(mktemp -d /tmp/vipd-evil.XXXXXX)
printf '#!/bin/sh\ntouch "%s/pwned"\n' "$LAB_DIR" >"$EVIL/backup.sh"
chmod 755 "$EVIL/backup.sh"
mv "$LAB_DIR/hooks/backup.sh" "$LAB_DIR/hooks/backup.sh.good"
ln -s "$EVIL/backup.sh" "$LAB_DIR/hooks/backup.sh"
wait_for "A sees B fit" 3000 peer_fit a
ctl a switchover >/dev/null && wait_holder b 2000
wait_for "A logs the refused hook" 3000 grep -q "hook notify_backup: not running" "$LAB_DIR/a.log"
check "a hook swapped for a symlink into /tmp after the load is not run" \
	not test -e "$LAB_DIR/pwned"
check "... and the log says why" grep -q \
	"not running $LAB_DIR/hooks/backup.sh: not trusted: directory /tmp is writable by others" \
	"$LAB_DIR/a.log"
rm "$LAB_DIR/hooks/backup.sh"
cp "$EVIL/backup.sh" "$LAB_DIR/hooks/backup.sh"
chown "$U1" "$LAB_DIR/hooks/backup.sh"
wait_for "B sees A fit" 3000 peer_fit b
ctl b switchover >/dev/null && wait_holder a 2000
wait_for "A sees B fit" 3000 peer_fit a
ctl a switchover >/dev/null && wait_holder b 2000
wait_for "A logs the second refusal" 3000 grep -q \
	"backup.sh: not trusted: file $LAB_DIR/hooks/backup.sh is owned by uid $U1_UID ($U1), not root" \
	"$LAB_DIR/a.log"
check "a hook owned by a service account is not run" not test -e "$LAB_DIR/pwned"
check_eq "status: both refusals counted as untrusted commands" "$(js a '.commands.untrusted')" 2
check "... and said in the human status" sh -c \
	"'$VIPCTL' -s '$LAB_DIR/a.sock' status | grep -q '^commands: 2 refused as untrusted (of [0-9]* started, [0-9]* failed)$'"
check "... and in the metrics" sh -c \
	"'$VIPCTL' -s '$LAB_DIR/a.sock' metrics | grep -q '^vipd_command_failures_total{reason=\"untrusted\"} 2$'"
"$VIPD" -t -f "$LAB_DIR/a.conf" >/dev/null 2>"$LAB_DIR/t.err"
check_eq "vipd -t: that hook is refused (exit 3)" "$?" 3
check_eq "... in one line" "$(wc -l <"$LAB_DIR/t.err")" 1
check "... naming the path and the owner" grep -qF \
	"notify_backup[0]: \"$LAB_DIR/hooks/backup.sh\" is not trusted: file $LAB_DIR/hooks/backup.sh is owned by uid $U1_UID ($U1), not root" \
	"$LAB_DIR/t.err"
sed 's/^/#   /' "$LAB_DIR/t.err"
mv "$LAB_DIR/hooks/backup.sh.good" "$LAB_DIR/hooks/backup.sh"
chmod 775 "$LAB_DIR/hooks/backup.sh"
"$VIPD" -t -f "$LAB_DIR/a.conf" >/dev/null 2>"$LAB_DIR/t.err"
check "vipd -t: a group-writable hook is refused" grep -q \
	"backup.sh\" is not trusted: file $LAB_DIR/hooks/backup.sh is writable by its group" \
	"$LAB_DIR/t.err"
chmod 755 "$LAB_DIR/hooks/backup.sh"
chmod 777 "$LAB_DIR/hooks"
"$VIPD" -t -f "$LAB_DIR/a.conf" >/dev/null 2>"$LAB_DIR/t.err"
check "vipd -t: a hook in a directory others may write is refused" grep -q \
	"is not trusted: directory $LAB_DIR/hooks is writable by others" "$LAB_DIR/t.err"
chmod 755 "$LAB_DIR/hooks"
cp -p "$LAB_DIR/key" "$LAB_DIR/key.u1"
chown "$U1" "$LAB_DIR/key.u1"
sed "s|key_file = \"$LAB_DIR/key\"|key_file = \"$LAB_DIR/key.u1\"|" "$LAB_DIR/a.conf" >"$LAB_DIR/k.conf"
"$VIPD" -t -f "$LAB_DIR/k.conf" >/dev/null 2>"$LAB_DIR/t.err"
check "vipd -t: a key file owned by a service account is refused" grep -q \
	"key_file: $LAB_DIR/key.u1 is not trusted: file $LAB_DIR/key.u1 is owned by uid $U1_UID ($U1), not root" \
	"$LAB_DIR/t.err"
sed 's/^/#   /' "$LAB_DIR/t.err"
cp "$LAB_DIR/a.conf" "$LAB_DIR/gw.conf" && chmod 664 "$LAB_DIR/gw.conf"
"$VIPD" -t -f "$LAB_DIR/gw.conf" >/dev/null 2>"$LAB_DIR/t.err"
check "vipd -t: a group-writable config is refused" grep -qx \
	"$LAB_DIR/gw.conf: not trusted: file $LAB_DIR/gw.conf is writable by its group" "$LAB_DIR/t.err"
cp "$LAB_DIR/a.conf" "$EVIL/a.conf"
"$VIPD" -t -f "$EVIL/a.conf" >/dev/null 2>"$LAB_DIR/t.err"
check "vipd -t: a config under /tmp is refused" grep -qx \
	"$EVIL/a.conf: not trusted: directory /tmp is writable by others" "$LAB_DIR/t.err"
check "vipd -t: the repaired config loads" "$VIPD" -t -f "$LAB_DIR/a.conf"
chmod 664 "$LAB_DIR/a.conf"
ctl a reload >/dev/null 2>"$LAB_DIR/reload.err"
check_eq "reload of a config made group-writable: refused (exit 1)" "$?" 1
check "... saying why" grep -q "not trusted: file $LAB_DIR/a.conf is writable by its group" \
	"$LAB_DIR/reload.err"
chmod 644 "$LAB_DIR/a.conf"
check "... and accepted once repaired" ctl a reload

# --- 7 kill -9 leaves no lock behind ------------------------------------------------------
old=$(node_pid a)
node_kill a
# Two started together after the crash: the lock lets exactly one run.
ip netns exec "${LAB_P}a" "$VIPD" -f "$LAB_DIR/a.conf" >>"$LAB_DIR/a.log" 2>&1 &
p1=$!
lab_track $p1
ip netns exec "${LAB_P}a" "$VIPD" -f "$LAB_DIR/a.conf" >>"$LAB_DIR/a.log" 2>&1 &
p2=$!
lab_track $p2
one_gone() { ! lab_alive $p1 || ! lab_alive $p2; }
wait_for "one of two vipd started together exits" 3000 one_gone
sleep 0.5
if lab_alive $p1; then echo $p1; else echo $p2; fi >"$LAB_DIR/a.pid"
alive=0
lab_alive $p1 && alive=$((alive + 1))
lab_alive $p2 && alive=$((alive + 1))
check_eq "two vipd started together: exactly one runs" "$alive" 1
check "... the other said which PID runs" grep -q "another vipd (PID $(node_pid a)) is running" \
	"$LAB_DIR/a.log"
a_answers() { ctl a status >/dev/null 2>&1; }
wait_for "A answers again after kill -9" 3000 a_answers
check "after kill -9 a restarted vipd runs" node_alive a
check_eq "... and holds the lock (its PID in the lock file)" \
	"$(tr -d '\n' <"$LAB_DIR/a.sock.lock")" "$(node_pid a)"
check "... not the old one's" test "$old" != "$(node_pid a)"

check "no sanitizer report in the logs" logs_clean
lab_finish
