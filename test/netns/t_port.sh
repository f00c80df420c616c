#!/bin/bash
# t_port.sh - vipd owns its heartbeat port: a local unprivileged user can
# neither bind the port beside vipd (with or without SO_REUSEADDR /
# SO_REUSEPORT, any address, IPv4 or dual-stack IPv6) nor so receive the
# unicast heartbeats; a port already taken at start is one error line naming
# the port, and exit status 1. The user is created here under a unique name
# and removed by the EXIT trap; its commands run through setpriv.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
PORT=5800
# Debian's python3, which the user may run (not a root-only shim earlier in PATH).
PY=/usr/bin/python3
U="vipdt$$"
UGONE=

port_down() {
	lab_down
	if [ -z "$UGONE" ] && id -u "$U" >/dev/null 2>&1; then
		userdel "$U" 2>/dev/null
		getent group "$U" >/dev/null && groupdel "$U" 2>/dev/null
	fi
	UGONE=1
}

lab_up || exit 1
trap port_down EXIT
trap 'port_down; exit 130' INT
trap 'port_down; exit 143' TERM
if id -u "$U" >/dev/null 2>&1; then
	echo "# t_port: user $U exists already, not touching it" >&2
	UGONE=1
	exit 1
fi
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
	--user-group "$U" || exit 1
UID_=$(id -u "$U") GID_=$(id -g "$U")
lab_key
serve_start a
serve_start b

# as_user NODE CMD... - run CMD in NODE's namespace as the unprivileged user.
as_user() {
	local n=$1
	shift
	ip netns exec "$(lab_ns "$n")" setpriv --reuid="$UID_" --regid="$GID_" --clear-groups \
		--no-new-privs "$@"
}

# try_bind NODE FAMILY ADDR OPTS - as the user, bind UDP PORT; prints
# "bound", "inuse" or the error name. OPTS: none, reuseaddr, reuseport, both.
try_bind() {
	as_user "$1" "$PY" -c '
import errno, socket, sys
fam, addr, opts, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
if fam == "6":
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
if opts in ("reuseaddr", "both"):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if opts in ("reuseport", "both"):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind((addr, port))
except OSError as e:
    print("inuse" if e.errno == errno.EADDRINUSE else errno.errorcode.get(e.errno, str(e.errno)))
    sys.exit(0)
s.settimeout(1.0)
try:
    s.recvfrom(2048)
    print("received")
except OSError:
    print("bound")
' "$2" "$3" "$4" "$PORT" 2>&1
}

check "the user runs python3 (and is not root)" \
	test "$(as_user a "$PY" -c 'import os; print(os.getuid())')" = "$UID_"

# --- a port already taken at start ------------------------------------------
# The user binds the port first (plain bind, as any program could) and holds it.
lab_conf a 100 "$(unicast_peers a)"
lab_conf b 90 "$(unicast_peers b)"
ip netns exec "$(lab_ns a)" setpriv --reuid="$UID_" --regid="$GID_" --clear-groups \
	--no-new-privs "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("holding", flush=True)
time.sleep(20)
' "$PORT" >"$LAB_DIR/holder.out" 2>&1 &
HOLDER=$!
lab_track "$HOLDER"
wait_for "the user's holder binds the port" 3000 grep -q holding "$LAB_DIR/holder.out"
ip netns exec "$(lab_ns a)" "$VIPD" -f "$LAB_DIR/a.conf" >"$LAB_DIR/taken.out" 2>&1 &
TPID=$!
lab_track "$TPID"
lab_stop_pid "$TPID" 0 3000
rc=$?
check_eq "port taken at start: vipd exits with status 1" "$rc" 1
check "port taken at start: the error names the port" \
	grep -q "UDP port $PORT (IPv4) is in use by another program" "$LAB_DIR/taken.out"
check_eq "port taken at start: exactly one error line" \
	"$(grep -c 'error:' "$LAB_DIR/taken.out")" 1
sed 's/^/#   /' "$LAB_DIR/taken.out"
lab_stop_pid "$HOLDER" TERM 2000

# --- vipd holds the port: the user gets nowhere -------------------------------
lab_pair_up -n -c "unicast pair: A MASTER, B BACKUP"
for o in none reuseaddr reuseport both; do
	check_eq "user cannot bind *:$PORT beside vipd ($o)" "$(try_bind b 4 0.0.0.0 "$o")" inuse
done
check_eq "user cannot bind 192.0.2.2:$PORT beside vipd (reuseaddr)" \
	"$(try_bind b 4 192.0.2.2 both)" inuse
check_eq "user cannot bind 239.255.80.1:$PORT beside vipd (reuseaddr)" \
	"$(try_bind b 4 239.255.80.1 both)" inuse
check_eq "user cannot bind dual-stack [::]:$PORT beside vipd" \
	"$(try_bind b 6 :: both)" inuse
check "user cannot read the link instead (no packet socket)" \
	not as_user b "$PY" -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)' 2>/dev/null
rx0=$(js b '.groups[0].counters.rx') tr0=$(js b '.groups[0].counters.transitions')
sleep 1
rx1=$(js b '.groups[0].counters.rx')
check_num "B still receives A's unicast heartbeats (in 1 s)" "$((rx1 - rx0))" ">=" 15
check_eq "no transition on B meanwhile" "$(js b '.groups[0].counters.transitions')" "$tr0"
check "A and B share one socket per port: status names it" \
	test "$(js b '.groups[0].socket.port')/$(js b '.groups[0].socket.family')" = "$PORT/ipv4"
check_num "the socket's receive buffer was sized (bytes)" \
	"$(js b '.groups[0].socket.rcvbuf_bytes')" ">=" 1048576
check "vipd sets neither SO_REUSEADDR nor SO_REUSEPORT (ss shows one socket)" \
	test "$(ip netns exec "$(lab_ns b)" ss -Hnua "sport = :$PORT" | wc -l)" = 1

# --- the port is held from the start, even while the group's interface is missing ---
node_stop b
node_stop a
lab_conf a 100 'interface = "vipdgone0";'
node_start a
wait_for "A is FAULT (no interface)" 3000 state_is a FAULT
check "interface missing: vipd runs, FAULT" state_is a FAULT
check_eq "interface missing: the user still cannot bind *:$PORT" "$(try_bind a 4 0.0.0.0 both)" inuse
lab_finish
