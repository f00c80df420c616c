# shellcheck shell=bash
#
# lib.sh - the network-namespace lab that vipd's tests, the demo and the
# benchmark run in. Source it, then call lab_up (or lab_ready: lab and key;
# or lab_pair_up: lab, key, both nodes configured, started and settled with
# A MASTER and B BACKUP, the preamble most tests share).
#
#           ${P}sw: bridge br0 (mcast_snooping 0), ports pa pb pc, hbsink
#          /            |             \
#   ${P}a eth0     ${P}b eth0     ${P}c eth0
#   192.0.2.1      192.0.2.2      192.0.2.10        /24
#   2001:db8::1    2001:db8::2    2001:db8::10      /64
#   node A         node B         client ("phone")
#
# Rules this file keeps (see shared/BRIEF.md, "Test network rules"): the LAN
# is made of `ip netns`, veth pairs and one bridge; only 192.0.2.0/24 and
# 2001:db8::/64 are used, only inside those namespaces; there is no default
# route; every loop is bounded in count and time; everything is cleaned up by
# the name or PID recorded when it was created, never by pattern. Each lab
# gets its own namespace prefix P, so labs of parallel runs never meet.
#
# Faults are tc filters on the switch ports. The kernels of this project's
# machines have neither cls_flower, act_gact nor sch_netem, so hb_block
# (u32) and lab_loss (classic BPF reading a random number) "drop" by
# redirecting into hbsink, a veth whose peer has no address.
#
# lab_up installs `trap lab_down EXIT` (and INT/TERM): a caller that needs
# its own EXIT trap must call lab_down from it. Processes must be started
# from the main shell (not inside $(...)), so their PIDs are recorded here.
#
# Environment (defaults in brackets):
#   VIPD [build/vipd]  PROBE [build/probe]  VIPCTL [build/vipctl]
#                                            binaries, made absolute
#   LAB_INTERVAL_MS [50]  LAB_MISSES [3]     heartbeat timing for lab_conf
#   LAB_KEY [$LAB_DIR/key]                   key_file for lab_conf
#   LAB_VIPS ["192.0.2.100/24"]              the vips array for lab_conf
#   LAB_MCAST [239.255.80.1]  LAB_PORT [5800]  heartbeat group and port
#   LAB_SERVE_MS [600000]                    probe servers stop by themselves

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test/tmpdir.sh
. "$LAB_ROOT/test/tmpdir.sh"
VIPD=${VIPD:-$LAB_ROOT/build/vipd}
PROBE=${PROBE:-$LAB_ROOT/build/probe}
VIPCTL=${VIPCTL:-$LAB_ROOT/build/vipctl}
case $VIPD in /*) ;; *) VIPD=$PWD/$VIPD ;; esac
case $PROBE in /*) ;; *) PROBE=$PWD/$PROBE ;; esac
case $VIPCTL in /*) ;; *) VIPCTL=$PWD/$VIPCTL ;; esac

LAB_P=			# namespace prefix of the lab that is up, empty if none
LAB_DIR=		# work dir: configs, logs, pid files, key
LAB_NS=()		# namespaces this lab created, in creation order
LAB_PIDS=()		# "PID:STARTTIME" of every process this lab started
LAB_NTESTS=0		# TAP checks printed
LAB_NFAIL=0		# ... of which failed
LAB_WAITED_MS=0		# how long the last wait_for waited
LAB_NOW_MS=0		# set by lab_now

LAB_NODES="a b"		# the vipd nodes
declare -A LAB_IP4=([a]=192.0.2.1 [b]=192.0.2.2 [c]=192.0.2.10)
declare -A LAB_IP6=([a]=2001:db8::1 [b]=2001:db8::2 [c]=2001:db8::10)
declare -A LAB_MAC=([a]=02:00:c0:00:02:01 [b]=02:00:c0:00:02:02 [c]=02:00:c0:00:02:0a)
LAB_VIP=192.0.2.100	# what vip_holders, wait_holder and the demo look for

# ---- small helpers ----

# lab_now - set LAB_NOW_MS to the wall clock in ms (no fork: EPOCHREALTIME).
lab_now() {
	local t=${EPOCHREALTIME//[!0-9]/}
	LAB_NOW_MS=$((10#$t / 1000))
}

# lab_ns NODE - print the namespace name of NODE (a, b, c or sw).
lab_ns() {
	echo "${LAB_P}$1"
}

# lab_exec NODE CMD... - run CMD inside NODE's namespace, in the foreground.
# Never background it (a backgrounded function is a subshell: its PID is not
# CMD's); use lab_bg for that.
lab_exec() {
	local n=$1
	shift
	ip netns exec "${LAB_P}$n" "$@"
}

# lab_pid_start PID - print the process's start time (field 22 of
# /proc/PID/stat), which tells a recorded process from a reused PID.
lab_pid_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }	# fields after "(comm)", starting at field 3
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# lab_track PID - add PID to the list that lab_down stops.
lab_track() {
	local start
	start=$(lab_pid_start "$1") || start=gone
	LAB_PIDS+=("$1:$start")
}

# lab_alive PID - true if PID runs and is not a zombie.
lab_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	case $stat in Z* | X*) return 1 ;; esac
	return 0
}

# lab_entry_alive "PID:START" - true if that very process still runs.
lab_entry_alive() {
	local pid=${1%%:*} start=${1#*:}
	lab_alive "$pid" && [ "$(lab_pid_start "$pid")" = "$start" ]
}

# lab_stop_pid PID SIGNAL TIMEOUT_MS - send SIGNAL to PID if it is one this
# lab recorded, wait (bounded) until it is gone and reap it. Returns the
# process's exit status when it was our child, 0 when it is gone otherwise,
# 124 when it still runs after TIMEOUT_MS.
lab_stop_pid() {
	local pid=$1 sig=$2 timeout=$3 e entry="" i rc=0
	for e in "${LAB_PIDS[@]}"; do
		[ "${e%%:*}" = "$pid" ] && entry=$e
	done
	[ -n "$entry" ] || { echo "# lab: PID $pid was not started by this lab" >&2; return 2; }
	# stderr off: bash reports "Killed" for a job when it reaps it, and
	# this death is the one we asked for (an unexpected one stays loud).
	{
		lab_entry_alive "$entry" && kill "-$sig" "$pid"
		for ((i = 0; i < timeout / 10 + 1; i++)); do
			lab_entry_alive "$entry" || break
			sleep 0.01
		done
		lab_entry_alive "$entry" && return 124
		wait "$pid"
		rc=$?
	} 2>/dev/null
	[ "$rc" = 127 ] && rc=0	# not our child: gone is all we know
	return "$rc"
}

# lab_bg NODE OUT CMD... - run CMD in NODE's namespace in the background,
# stdout and stderr to OUT; records its PID (stopped by lab_down) and sets
# LAB_BG_PID. Use lab_stop_pid "$LAB_BG_PID" TERM MS to stop it earlier.
lab_bg() {
	local n=$1 out=$2
	shift 2
	ip netns exec "${LAB_P}$n" "$@" >"$out" 2>&1 &
	LAB_BG_PID=$!
	lab_track "$LAB_BG_PID"
}

# ---- the lab ----

# lab_up - build the LAN (see the picture above), make LAB_DIR and install
# the clean-up traps. Returns non-zero (lab torn down) on failure.
lab_up() {
	local _
	if [ -n "$LAB_P" ]; then
		echo "# lab_up: lab $LAB_P is already up" >&2
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "# lab_up: needs root (ip netns)" >&2
		return 1
	fi
	trap lab_down EXIT
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM
	# Not under /tmp: vipd only trusts keys and hooks in root-only directories.
	LAB_DIR=$(test_tmpdir vipd-lab) || return 1
	# A fresh prefix; a name taken by someone else is skipped, never reused.
	for _ in 1 2 3 4 5; do
		LAB_P="v$$r$RANDOM-"
		if ip netns add "${LAB_P}sw" 2>/dev/null; then
			LAB_NS+=("${LAB_P}sw")
			break
		fi
		LAB_P=
	done
	if [ -z "$LAB_P" ]; then
		echo "# lab_up: could not create a namespace" >&2
		lab_down
		return 1
	fi
	_lab_build || { echo "# lab_up: building the lab $LAB_P failed" >&2; lab_down; return 1; }
	echo "$LAB_P" >"$LAB_DIR/prefix"
	return 0
}

# The body of lab_up; every command must succeed.
_lab_build() {
	local sw=${LAB_P}sw n
	# The switch has no addresses: no IPv6 either, so it stays silent.
	ip netns exec "$sw" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	ip -n "$sw" link set lo up || return 1
	ip -n "$sw" link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0 ||
		return 1
	# hbsink: where hb_block and lab_loss send the packets they drop (this
	# kernel config may lack gact/netem; redirecting into a veth whose peer
	# has no address drops the packet just as well and is always there).
	ip -n "$sw" link add hbsink type veth peer name hbsink1 || return 1
	ip -n "$sw" link set hbsink up && ip -n "$sw" link set hbsink1 up || return 1
	for n in a b c; do
		ip netns add "${LAB_P}$n" || return 1
		LAB_NS+=("${LAB_P}$n")
		# Set before eth0 exists, so eth0 inherits it: no DAD delay.
		ip netns exec "${LAB_P}$n" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 || return 1
		ip -n "${LAB_P}$n" link set lo up || return 1
		ip -n "$sw" link add "p$n" type veth peer name eth0 address "${LAB_MAC[$n]}" \
			netns "${LAB_P}$n" || return 1
		ip -n "$sw" link set "p$n" master br0 || return 1
		ip -n "$sw" link set "p$n" up || return 1
		ip netns exec "${LAB_P}$n" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 || return 1
		ip -n "${LAB_P}$n" addr add "${LAB_IP4[$n]}/24" dev eth0 || return 1
		ip -n "${LAB_P}$n" addr add "${LAB_IP6[$n]}/64" dev eth0 nodad || return 1
		ip -n "${LAB_P}$n" link set eth0 up || return 1
	done
	# The phone believes gratuitous ARP even for addresses it never asked for.
	ip netns exec "${LAB_P}c" sysctl -qw net.ipv4.conf.eth0.arp_accept=1 || return 1
	ip -n "$sw" link set br0 up || return 1
	# Never a default route anywhere: traffic cannot leave the lab.
	for n in sw a b c; do
		if [ -n "$(ip -n "${LAB_P}$n" route show default)$(ip -6 -n "${LAB_P}$n" route show default 2>/dev/null)" ]; then
			echo "# lab_up: ${LAB_P}$n has a default route" >&2
			return 1
		fi
	done
	return 0
}

# lab_host NAME IPV4 - one more host on the lab LAN: namespace ${P}NAME,
# cable pNAME on the switch, IPV4/24 (from 192.0.2.0/24) on its eth0, no
# default route. For the real servers tests talk to (DNS, HTTP, ...).
# Removed by lab_down with the other namespaces.
lab_host() {
	local n=$1 a=$2
	case $a in 192.0.2.*) ;; *) echo "# lab_host: $a is not in 192.0.2.0/24" >&2; return 1 ;; esac
	ip netns add "${LAB_P}$n" || return 1
	LAB_NS+=("${LAB_P}$n")
	ip -n "${LAB_P}$n" link set lo up || return 1
	ip -n "${LAB_P}sw" link add "p$n" type veth peer name eth0 netns "${LAB_P}$n" || return 1
	ip -n "${LAB_P}sw" link set "p$n" master br0 && ip -n "${LAB_P}sw" link set "p$n" up || return 1
	ip netns exec "${LAB_P}$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || return 1
	ip -n "${LAB_P}$n" addr add "$a/24" dev eth0 && ip -n "${LAB_P}$n" link set eth0 up
}

# lab_down - stop every recorded process (TERM, up to 3 s, then KILL), delete
# every recorded namespace, remove LAB_DIR. Idempotent.
lab_down() {
	_lab_down 2>/dev/null	# no "Killed" notes for the deaths we caused
}
# _lab_wait_gone TRIES - wait, 10 ms a try, until no recorded process runs.
_lab_wait_gone() {
	local e i any
	for ((i = 0; i < $1; i++)); do
		any=
		for e in "${LAB_PIDS[@]}"; do
			lab_entry_alive "$e" && any=1 && break
		done
		[ -z "$any" ] && return 0
		sleep 0.01
	done
	return 1
}

_lab_down() {
	local e i ns
	for e in "${LAB_PIDS[@]}"; do
		lab_entry_alive "$e" && kill -TERM "${e%%:*}" 2>/dev/null
	done
	if ! _lab_wait_gone 300; then
		for e in "${LAB_PIDS[@]}"; do
			lab_entry_alive "$e" && kill -KILL "${e%%:*}" 2>/dev/null
		done
		_lab_wait_gone 200
	fi
	for e in "${LAB_PIDS[@]}"; do
		lab_entry_alive "$e" || wait "${e%%:*}" 2>/dev/null
	done
	LAB_PIDS=()
	for ((i = ${#LAB_NS[@]} - 1; i >= 0; i--)); do
		ns=${LAB_NS[$i]}
		ip netns del "$ns" 2>/dev/null
	done
	LAB_NS=()
	case $LAB_DIR in
	*/vipd-lab.*) rm -rf -- "$LAB_DIR" ;;
	esac
	LAB_DIR=
	LAB_P=
	return 0
}

# ---- vipd configuration and processes ----

# lab_key [FILE] - write 32 random bytes, base64, to FILE [$LAB_DIR/key], 0600.
lab_key() {
	local f=${1:-$LAB_DIR/key}
	(umask 077 && head -c 32 /dev/urandom | base64 >"$f") && chmod 600 "$f"
}

# lab_conf NODE PRIO [SETTING...] - write $LAB_DIR/NODE.conf for vipd; each
# SETTING (e.g. 'preempt = true;') goes verbatim into group 1. Creates the
# state dir (as systemd's StateDirectory= would).
lab_conf() {
	local n=$1 prio=$2 extra=
	shift 2
	[ $# -gt 0 ] && extra=$'\t\t'"$*"$'\n'
	mkdir -m 700 "$LAB_DIR/$n.state" 2>/dev/null || [ -d "$LAB_DIR/$n.state" ] || return 1
	cat >"$LAB_DIR/$n.conf" <<EOF
# vipd lab config for node $n (written by test/netns/lib.sh)
node: { name = "node-$n"; interface = "eth0"; priority = $prio; };
groups: (
	{
		id = 1;
		vips = [ ${LAB_VIPS:-\"192.0.2.100/24\"} ];
		interval_ms = ${LAB_INTERVAL_MS:-50};
		misses = ${LAB_MISSES:-3};
		multicast = "${LAB_MCAST:-239.255.80.1}";
		port = ${LAB_PORT:-5800};
		key_file = "${LAB_KEY:-$LAB_DIR/key}";
${extra}	}
);
control_socket = "$LAB_DIR/$n.sock";
state_dir = "$LAB_DIR/$n.state";
EOF
}

# lab_conf_groups NODE PRIO GROUPS - like lab_conf, but the groups list is
# GROUPS: the text between "groups: (" and ");", every group complete (its
# key_file included). For tests with several groups.
lab_conf_groups() {
	local n=$1 prio=$2
	mkdir -m 700 "$LAB_DIR/$n.state" 2>/dev/null || [ -d "$LAB_DIR/$n.state" ] || return 1
	cat >"$LAB_DIR/$n.conf" <<EOF
# vipd lab config for node $n (written by test/netns/lib.sh)
node: { name = "node-$n"; interface = "eth0"; priority = $prio; };
groups: (
$3
);
control_socket = "$LAB_DIR/$n.sock";
state_dir = "$LAB_DIR/$n.state";
EOF
}

# node_start NODE - run vipd -f $LAB_DIR/NODE.conf in NODE's namespace, in
# the background; output appended to $LAB_DIR/NODE.log, PID in NODE.pid.
node_start() {
	local n=$1
	echo "=== node_start $n $(date +%T.%N)" >>"$LAB_DIR/$n.log"
	ip netns exec "${LAB_P}$n" "$VIPD" -f "$LAB_DIR/$n.conf" >>"$LAB_DIR/$n.log" 2>&1 &
	lab_track "$!"
	echo "$!" >"$LAB_DIR/$n.pid"
}

# node_pid NODE - print the PID of NODE's last started vipd.
node_pid() {
	cat "$LAB_DIR/$1.pid" 2>/dev/null
}

# node_alive NODE - true while NODE's vipd runs.
node_alive() {
	local pid
	pid=$(node_pid "$1") && [ -n "$pid" ] && lab_alive "$pid"
}

# node_stop NODE [TIMEOUT_MS] - SIGTERM, wait up to TIMEOUT_MS [3000] for the
# exit. Returns vipd's exit status; 124 (and SIGKILLed) if it did not exit.
node_stop() {
	local pid rc
	pid=$(node_pid "$1") || return 2
	lab_stop_pid "$pid" TERM "${2:-3000}"
	rc=$?
	if [ "$rc" = 124 ]; then
		echo "# node_stop $1: vipd $pid ignored SIGTERM for ${2:-3000} ms, killing it" >&2
		lab_stop_pid "$pid" KILL 2000
		return 124
	fi
	return "$rc"
}

# pair_stop - node_stop A, then B; true if both exited 0 (else says how on
# stderr).
pair_stop() {
	local ra rb
	node_stop a
	ra=$?
	node_stop b
	rb=$?
	[ "$ra/$rb" = 0/0 ] && return 0
	echo "# pair_stop: A exited with status $ra, B with $rb" >&2
	return 1
}

# node_kill NODE - SIGKILL NODE's vipd and wait (bounded) until it is gone.
node_kill() {
	local pid
	pid=$(node_pid "$1") || return 2
	lab_stop_pid "$pid" KILL 2000
	[ $? != 124 ]
}

# node_signal NODE SIG - send SIG (STOP, CONT, HUP, ...) to NODE's vipd.
node_signal() {
	local pid
	pid=$(node_pid "$1") || return 2
	lab_alive "$pid" && kill "-$2" "$pid"
}

# lab_ready [-p] - lab_up and lab_key, the script ends (status 1) if either
# fails; -p: the probe servers on A and B are started too.
lab_ready() {
	lab_up || exit 1
	lab_key || exit 1
	[ "${1:-}" = -p ] || return 0
	serve_start a
	serve_start b
}

# lab_pair_up [-n] [-s] [-p] [-f FUNC] [-w MS] [-c DESC] [SETTING...] - the
# preamble most tests share: the lab up (unless it is), a key (unless
# LAB_KEY names one or $LAB_DIR/key exists), lab_conf a 100 and lab_conf
# b 90 with SETTINGs, both vipds started, then a wait until A is MASTER and
# the only holder of the VIP, and B is BACKUP. Options:
#   -n       the configs (and keys) are written already: no lab_key, no lab_conf
#   -f FUNC  node N's settings are SETTINGs followed by the output of `FUNC N`
#   -p       start the probe servers on A and B first (serve_start)
#   -s       start A alone, B only once A is MASTER (B joins a settled master)
#   -w MS    how long each wait may take [3000]
#   -c DESC  then one TAP check DESC: A MASTER, B BACKUP
# Exits the script if the lab cannot be built (as `lab_up || exit 1`);
# returns 1 if the pair did not settle (wait_for said what timed out).
lab_pair_up() {
	local opt noconf='' func='' serve='' seq='' wait_ms=3000 desc='' rc=0 OPTIND=1
	while getopts nf:psw:c: opt; do
		case $opt in
		n) noconf=1 ;;
		f) func=$OPTARG ;;
		p) serve=1 ;;
		s) seq=1 ;;
		w) wait_ms=$OPTARG ;;
		c) desc=$OPTARG ;;
		*) echo "# lab_pair_up: bad option" >&2; return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ -n "$LAB_P" ] || lab_up || exit 1
	if [ -z "$noconf" ]; then
		[ -n "${LAB_KEY:-}" ] || [ -f "$LAB_DIR/key" ] || lab_key "$LAB_DIR/key" || return 1
		lab_conf a 100 "$@" ${func:+"$($func a)"} || return 1
		lab_conf b 90 "$@" ${func:+"$($func b)"} || return 1
	fi
	[ -n "$serve" ] && { serve_start a; serve_start b; }
	node_start a
	[ -n "$seq" ] || node_start b
	wait_for "A is MASTER" "$wait_ms" state_is a MASTER || rc=1
	[ -n "$seq" ] && node_start b
	wait_holder a "$wait_ms" || rc=1
	wait_for "B is BACKUP" "$wait_ms" state_is b BACKUP || rc=1
	[ -n "$desc" ] && { check "$desc" pair_is MASTER BACKUP || rc=1; }
	return "$rc"
}

# unicast_peers NODE - the setting that sends NODE's (a or b) heartbeats by
# unicast to the other node alone (for lab_pair_up -f).
unicast_peers() {
	case $1 in
	a) echo "peers = [ \"${LAB_IP4[b]}\" ];" ;;
	*) echo "peers = [ \"${LAB_IP4[a]}\" ];" ;;
	esac
}

# pair_is STATE_A STATE_B - A's group 1 is in STATE_A and B's in STATE_B.
pair_is() {
	test "$(js a '.groups[0].state')/$(js b '.groups[0].state')" = "$1/$2"
}

# ---- probe servers and client ----

# serve_start NODE [PORT] - run `probe serve -n NODE` in NODE's namespace
# (port [7777]); PID in $LAB_DIR/serve-NODE[-PORT].pid.
serve_start() {
	local n=$1 port=${2:-7777} tag=$1
	[ "$port" != 7777 ] && tag=$n-$port
	ip netns exec "${LAB_P}$n" "$PROBE" serve -n "$n" -p "$port" -d "${LAB_SERVE_MS:-600000}" \
		>>"$LAB_DIR/serve-$tag.log" 2>&1 &
	lab_track "$!"
	echo "$!" >"$LAB_DIR/serve-$tag.pid"
}

# serve_stop NODE [PORT] - stop that probe server.
serve_stop() {
	local tag=$1 pid
	[ "${2:-7777}" != 7777 ] && tag=$1-$2
	pid=$(cat "$LAB_DIR/serve-$tag.pid" 2>/dev/null) || return 2
	lab_stop_pid "$pid" TERM 1000
}

# client_start OUT ARG... - run `probe client ARG...` in C's namespace in the
# background, summary to OUT, stderr to OUT.err; sets LAB_CLIENT_PID.
client_start() {
	local out=$1
	shift
	ip netns exec "${LAB_P}c" "$PROBE" client "$@" >"$out" 2>"$out.err" &
	LAB_CLIENT_PID=$!
	lab_track "$LAB_CLIENT_PID"
}

# client_wait TIMEOUT_MS - wait for the client of client_start; past the
# timeout it gets SIGTERM (it still prints its summary). Returns its status.
client_wait() {
	local i
	for ((i = 0; i < $1 / 10 + 1; i++)); do
		lab_alive "$LAB_CLIENT_PID" || break
		sleep 0.01
	done
	if lab_alive "$LAB_CLIENT_PID"; then
		echo "# client_wait: probe client still runs after $1 ms, stopping it" >&2
		lab_stop_pid "$LAB_CLIENT_PID" TERM 2000
		return $?
	fi
	lab_stop_pid "$LAB_CLIENT_PID" TERM 0
}

# probe_field FILE KEY - print KEY's value from a probe summary line in FILE.
probe_field() {
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) v = substr($i, length(k) + 2) }
		END { print v }' "$1"
}

# kam_run NODE - kamailio in NODE's namespace, in the foreground (-DD -E),
# log in $LAB_DIR/kam-NODE.log, PID in kam-NODE.pid, runtime files in
# kam-NODE/. Its config, $LAB_DIR/kam-NODE.cfg, is the lines every lab
# kamailio has (log to stderr, no aliases, the module path) followed by
# stdin: debug, children, listen, modules and routes.
kam_run() {
	local n=$1
	mkdir -p "$LAB_DIR/kam-$n" || return 1
	{
		echo '#!KAMAILIO'
		echo 'log_stderror=yes'
		echo 'auto_aliases=no'
		echo "mpath=\"/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/kamailio/modules/\""
		cat
	} >"$LAB_DIR/kam-$n.cfg" || return 1
	lab_bg "$n" "$LAB_DIR/kam-$n.log" kamailio -DD -E -f "$LAB_DIR/kam-$n.cfg" \
		-P "$LAB_DIR/kam-$n/pid" -Y "$LAB_DIR/kam-$n"
	echo "$LAB_BG_PID" >"$LAB_DIR/kam-$n.pid"
}

# kam_stop NODE - stop NODE's kamailio of kam_run.
kam_stop() {
	lab_stop_pid "$(cat "$LAB_DIR/kam-$1.pid")" TERM 3000
}

# ---- observing ----

# js NODE FILTER - a jq FILTER applied to NODE's `vipctl --json status`
# (empty when the daemon does not answer).
js() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" --json status 2>/dev/null | jq -r "$2" 2>/dev/null
}

# ctl NODE ARG... - vipctl ARG... on NODE's control socket.
ctl() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" "${@:2}"
}

# peer_fit NODE - NODE sees its peer fit to take over (alive for rise
# heartbeats, not in standby or FAULT: what a switchover asks). A function,
# for wait_for.
peer_fit() {
	test "$(js "$1" '.groups[0].peer.fit')" = true
}

# peer_alive NODE - NODE hears its peer alive. A function, for wait_for.
peer_alive() {
	test "$(js "$1" '.groups[0].peer.alive')" = true
}

# state_is NODE STATE - NODE's group 1 is in STATE. A function, so that
# wait_for asks again on every try (wait_for "..." test "$(js ...)" would not).
state_is() {
	test "$(js "$1" '.groups[0].state')" = "$2"
}

# has_vip NODE [ADDR] - NODE has ADDR [the VIP] on eth0, whoever else does.
has_vip() {
	ip -n "${LAB_P}$1" -o addr show dev eth0 | grep -q " ${2:-$LAB_VIP}/"
}

# vip_holders [ADDR] - print the nodes (of "a b") with ADDR [192.0.2.100]
# on eth0, space-separated, empty line if none.
vip_holders() {
	local addr=${1:-$LAB_VIP} n out=
	addr=${addr%/*}
	for n in $LAB_NODES; do
		if ip -o -n "${LAB_P}$n" addr show dev eth0 2>/dev/null | awk -v a="$addr" '
			{ for (i = 1; i < NF; i++)
				if (($i == "inet" || $i == "inet6") &&
				    substr($(i + 1), 1, index($(i + 1), "/") - 1) == a) f = 1 }
			END { exit !f }'; then
			out="$out${out:+ }$n"
		fi
	done
	echo "$out"
}

# lab_holders_are "NODES" [ADDR] - true if vip_holders prints exactly NODES.
lab_holders_are() {
	[ "$(vip_holders "${2:-$LAB_VIP}")" = "$1" ]
}

# wait_for DESC TIMEOUT_MS CMD... - run CMD every 10 ms until it succeeds or
# TIMEOUT_MS passed. Sets LAB_WAITED_MS; says on stderr what timed out.
wait_for() {
	local desc=$1 timeout=$2 i start
	shift 2
	lab_now
	start=$LAB_NOW_MS
	for ((i = 0; i < timeout / 10 + 1; i++)); do
		if "$@"; then
			lab_now
			LAB_WAITED_MS=$((LAB_NOW_MS - start))
			return 0
		fi
		lab_now
		[ $((LAB_NOW_MS - start)) -ge "$timeout" ] && break
		sleep 0.01
	done
	lab_now
	LAB_WAITED_MS=$((LAB_NOW_MS - start))
	echo "# wait_for: gave up after $LAB_WAITED_MS ms: $desc" >&2
	return 1
}

# wait_holder NODE TIMEOUT_MS [ADDR] - wait until exactly NODE (a, b, "a b",
# or none) holds ADDR [192.0.2.100].
wait_holder() {
	local want=$1
	[ "$want" = none ] && want=
	wait_for "holder of ${3:-$LAB_VIP} is '$1' (now '$(vip_holders "${3:-$LAB_VIP}")')" \
		"$2" lab_holders_are "$want" "${3:-$LAB_VIP}"
}

# neigh_mac ADDR - print the MAC in C's neighbour entry for ADDR, IPv4 or
# IPv6 (empty if C has none, or an unresolved one).
neigh_mac() {
	ip -n "${LAB_P}c" neigh show to "$1" dev eth0 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# node_mac NODE - print NODE's eth0 MAC.
node_mac() {
	ip -o -n "${LAB_P}$1" link show dev eth0 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1) }'
}

# ---- faults ----

# link_down NODE / link_up NODE - unplug / plug NODE's cable (the bridge-side
# veth; NODE's eth0 sees the carrier go).
link_down() {
	ip -n "${LAB_P}sw" link set "p$1" down
}
link_up() {
	ip -n "${LAB_P}sw" link set "p$1" up
}

# iface_down NODE / iface_up NODE - set NODE's own eth0 down / up.
iface_down() {
	ip -n "${LAB_P}$1" link set eth0 down
}
iface_up() {
	ip -n "${LAB_P}$1" link set eth0 up
}

# lab_iface_recreate NODE - after `ip link del eth0` in NODE: a new eth0 (a
# new ifindex, the same MAC and addresses), plugged into the switch again,
# as networkd does when it rebuilds a VLAN or bond.
lab_iface_recreate() {
	local n=$1
	ip -n "${LAB_P}sw" link add "p$n" type veth peer name eth0 address "${LAB_MAC[$n]}" \
		netns "${LAB_P}$n" || return 1
	ip -n "${LAB_P}sw" link set "p$n" master br0 up || return 1
	ip netns exec "${LAB_P}$n" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 || return 1
	ip -n "${LAB_P}$n" addr add "${LAB_IP4[$n]}/24" dev eth0 || return 1
	ip -n "${LAB_P}$n" addr add "${LAB_IP6[$n]}/64" dev eth0 nodad || return 1
	ip -n "${LAB_P}$n" link set eth0 up
}

# _lab_clsact PORT - make sure PORT in the switch has a clsact qdisc.
_lab_clsact() {
	tc -n "${LAB_P}sw" qdisc show dev "$1" | grep -q clsact ||
		tc -n "${LAB_P}sw" qdisc add dev "$1" clsact
}

# _lab_drop NODE HOOK PREF PROTOCOL FILTER... - at NODE's switch port, tc
# filter PREF on HOOK (ingress: what NODE sends; egress: what it is sent)
# redirects the PROTOCOL packets that FILTER (a filter kind and its match)
# selects to hbsink, where they are lost. The callers remove PREF first:
# "filter replace" would add a second filter.
_lab_drop() {
	local n=$1 hook=$2 pref=$3 proto=$4
	shift 4
	_lab_clsact "p$n" || return 1
	tc -n "${LAB_P}sw" filter add dev "p$n" "$hook" pref "$pref" protocol "$proto" "$@" \
		action mirred egress redirect dev hbsink
}

# _lab_undrop HOOK PREF NODE... - remove filter PREF on HOOK at each NODE's
# switch port, where there is one. Returns 0.
_lab_undrop() {
	local hook=$1 pref=$2 n
	shift 2
	for n; do
		tc -n "${LAB_P}sw" filter del dev "p$n" "$hook" pref "$pref" 2>/dev/null
	done
	return 0
}

# hb_block [NODE...] - drop the heartbeats (UDP to port LAB_PORT [5800], IPv4
# and IPv6) that NODE [a b] sends, at its switch port; other traffic passes.
# hb_block a alone cuts the path one way (A's heartbeats do not reach B).
hb_block() {
	local n port=${LAB_PORT:-5800}
	[ $# = 0 ] && set -- a b
	hb_unblock "$@"
	for n; do
		_lab_drop "$n" ingress 10 ip u32 \
			match ip protocol 17 0xff match ip dport "$port" 0xffff || return 1
		_lab_drop "$n" ingress 11 ipv6 u32 \
			match ip6 protocol 17 0xff match ip6 dport "$port" 0xffff || return 1
	done
}

# hb_unblock [NODE...] - undo hb_block for NODE [a b]. Idempotent.
hb_unblock() {
	[ $# = 0 ] && set -- a b
	_lab_undrop ingress 10 "$@"
	_lab_undrop ingress 11 "$@"
}

# arp_block NODE - drop every ARP frame NODE sends, at its switch port: NODE
# can no longer reach its upstream targets, nor probe or announce.
arp_block() {
	arp_unblock "$1"
	_lab_drop "$1" ingress 20 arp u32 match u32 0 0
}

# arp_unblock NODE - undo arp_block. Idempotent.
arp_unblock() {
	_lab_undrop ingress 20 "$1"
}

# lab_cable - a direct cable between A and B: eth1 in both, 192.0.2.249/30
# on A and 192.0.2.250/30 on B (a second heartbeat path that bypasses the
# switch). Removed with the namespaces.
lab_cable() {
	ip link add eth1 netns "${LAB_P}a" type veth peer name eth1 netns "${LAB_P}b" || return 1
	ip -n "${LAB_P}a" addr add 192.0.2.249/30 dev eth1 &&
		ip -n "${LAB_P}b" addr add 192.0.2.250/30 dev eth1 &&
		ip -n "${LAB_P}a" link set eth1 up && ip -n "${LAB_P}b" link set eth1 up
}

# mcast_block [NODE...] - drop every IPv4 multicast packet NODE [a b] sends
# (224.0.0.0/4), at its switch port: a LAN that does not carry multicast.
mcast_block() {
	local n
	[ $# = 0 ] && set -- a b
	mcast_unblock "$@"
	for n; do
		_lab_drop "$n" ingress 30 ip u32 match ip dst 224.0.0.0/4 || return 1
	done
}

# mcast_unblock [NODE...] - undo mcast_block. Idempotent.
mcast_unblock() {
	[ $# = 0 ] && set -- a b
	_lab_undrop ingress 30 "$@"
}

# hb_dropped NODE - print how many packets hb_block dropped from NODE.
hb_dropped() {
	tc -s -n "${LAB_P}sw" filter show dev "p$1" ingress 2>/dev/null |
		awk '/^filter .* pref 1[01] / { f = 1 } /^filter .* pref [^1]/ { f = 0 }
			f && /Sent [0-9]+ bytes [0-9]+ pkt/ { n += $4 } END { print n + 0 }'
}

# lab_loss NODE PERCENT - drop PERCENT (0..100) % of all frames to and from
# NODE at random, at its switch port (the kernel may have no netem: a
# classic BPF filter reading a random number does it).
lab_loss() {
	local n=$1 pct=$2 t dir
	case $pct in '' | *[!0-9]*) echo "# lab_loss: bad percentage '$pct'" >&2; return 2 ;; esac
	[ "$pct" -le 100 ] || return 2
	t=$((pct * 4294967296 / 100))
	[ "$t" -gt 4294967295 ] && t=4294967295
	lab_loss_clear "$n"
	# ld rand; jge #t -> pass; ret -1 (match: drop); pass: ret 0
	for dir in ingress egress; do
		_lab_drop "$n" "$dir" 20 all bpf \
			bytecode "4,32 0 0 4294963256,53 1 0 $t,6 0 0 4294967295,6 0 0 0" || return 1
	done
}

# lab_loss_clear NODE - undo lab_loss. Idempotent.
lab_loss_clear() {
	_lab_undrop ingress 20 "$1"
	_lab_undrop egress 20 "$1"
}

# lab_announce NODE ADDR - make C learn that ADDR is at NODE's MAC, as a
# takeover's gratuitous ARP would (for testing the lab without vipd). Uses
# arping (iputils or Habets) for IPv4 when installed; otherwise, and for
# IPv6, NODE asks C for C's own address with ADDR as source, which C's
# kernel also learns from.
lab_announce() {
	local n=$1 a=${2%/*}
	case $a in
	*:*) ;;
	*)
		if command -v arping >/dev/null; then
			if arping -V 2>&1 | grep -q iputils; then
				ip netns exec "${LAB_P}$n" arping -q -U -c 1 -I eth0 "$a"
				return
			elif arping --help 2>&1 | grep -q Habets; then
				ip netns exec "${LAB_P}$n" arping -q -U -c 1 -w 0 -i eth0 -S "$a" "$a"
				[ $? -le 1 ] # 1: no reply, expected for an unsolicited ARP
				return
			fi
		fi
		;;
	esac
	ip -n "${LAB_P}$n" neigh flush dev eth0 || return 1
	case $a in
	*:*) ip netns exec "${LAB_P}$n" ping -6 -q -c 1 -W 1 -I "$a" "${LAB_IP6[c]}" >/dev/null ;;
	*) ip netns exec "${LAB_P}$n" ping -4 -q -c 1 -W 1 -I "$a" "${LAB_IP4[c]}" >/dev/null ;;
	esac
}

# logs_clean - no sanitizer report (ASan, LeakSanitizer, UBSan's "runtime
# error") in the vipd logs of A and B.
logs_clean() {
	not grep -q -e AddressSanitizer -e LeakSanitizer -e 'runtime error' "$LAB_DIR/a.log" "$LAB_DIR/b.log"
}

# lab_dump [LINES] - print the last LINES [15] of every node log and C's
# neighbour table as TAP comments: what a failed check needs to be understood.
lab_dump() {
	local f
	for f in "$LAB_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "# --- ${f##*/}"
		tail -n "${1:-15}" "$f" | sed 's/^/#   /'
	done
	echo "# --- C's neighbours"
	ip -n "${LAB_P}c" neigh show 2>&1 | sed 's/^/#   /'
}

# ---- TAP ----

# ok DESC / not_ok DESC - print one TAP line and count it.
ok() {
	LAB_NTESTS=$((LAB_NTESTS + 1))
	echo "ok - $*"
}
not_ok() {
	LAB_NTESTS=$((LAB_NTESTS + 1))
	LAB_NFAIL=$((LAB_NFAIL + 1))
	echo "not ok - $*"
}

# check DESC CMD... - ok if CMD succeeds; returns 1 after a "not ok", so a
# caller can add "|| lab_dump".
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; return 1; fi
}

# not CMD... - succeed when CMD fails (for check and wait_for).
not() {
	! "$@"
}

# check_eq DESC GOT WANT - ok if the strings are equal.
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got: '$2'"
		echo "#  want: '$3'"
	fi
}

# check_num DESC VALUE OP LIMIT - numeric (decimals allowed) comparison,
# OP one of < <= > >= ==.
check_num() {
	if awk -v v="$2" -v op="$3" -v l="$4" 'BEGIN {
		if (v !~ /^-?[0-9]+(\.[0-9]+)?$/) exit 1
		v += 0; l += 0
		exit !((op == "<" && v < l) || (op == "<=" && v <= l) || (op == ">" && v > l) ||
		       (op == ">=" && v >= l) || (op == "==" && v == l)) }'; then
		ok "$1 ($2 $3 $4)"
	else
		not_ok "$1 (want $3 $4, got '$2')"
	fi
}

# lab_finish - print the TAP plan and exit: 1 if any check failed (the EXIT
# trap then takes the lab down).
lab_finish() {
	echo "1..$LAB_NTESTS"
	if [ "$LAB_NFAIL" != 0 ]; then
		echo "# $LAB_NFAIL of $LAB_NTESTS checks failed"
		exit 1
	fi
	exit 0
}

# ---- a routed lab ----

# lab_routed - after lab_up: no shared L2 any more. A router namespace
# ${P}r takes the switch ports pa, pb and pc out of the bridge, so each
# node's eth0 is cabled to it alone, and every node gets its own subnet:
#   a eth0 192.0.2.10/26   2001:db8:a::10/64 -- pa 192.0.2.1/26   2001:db8:a::1/64
#   b eth0 192.0.2.74/26   2001:db8:b::10/64 -- pb 192.0.2.65/26  2001:db8:b::1/64
#   c eth0 192.0.2.138/26  2001:db8:c::10/64 -- pc 192.0.2.129/26 2001:db8:c::1/64
# The router forwards both families (lowering TTL and hop limit by one).
# The nodes route only the lab prefixes (192.0.2.0/24, 198.51.100.0/24,
# 2001:db8::/32) via the router, never a default. LAB_IP4 and LAB_IP6 are
# set to the new addresses; LAB_RTR4 and LAB_RTR6 hold the router's side.
# The router's namespace goes with the others in lab_down.
declare -A LAB_RTR4=() LAB_RTR6=()
lab_routed() {
	local r=${LAB_P}r n i=0 net
	declare -A host=([a]=10 [b]=74 [c]=138)
	ip netns add "$r" || return 1
	LAB_NS+=("$r")
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 || return 1
	ip -n "$r" link set lo up || return 1
	for n in a b c; do
		net=$((i * 64))
		ip -n "${LAB_P}sw" link set "p$n" nomaster || return 1
		ip -n "${LAB_P}sw" link set "p$n" netns "$r" || return 1
		LAB_RTR4[$n]=192.0.2.$((net + 1))
		LAB_RTR6[$n]=2001:db8:$n::1
		ip -n "$r" addr add "${LAB_RTR4[$n]}/26" dev "p$n" || return 1
		ip -n "$r" addr add "${LAB_RTR6[$n]}/64" dev "p$n" nodad || return 1
		ip -n "$r" link set "p$n" up || return 1
		ip -n "${LAB_P}$n" addr flush dev eth0 scope global || return 1
		LAB_IP4[$n]=192.0.2.${host[$n]}
		LAB_IP6[$n]=2001:db8:$n::10
		ip -n "${LAB_P}$n" addr add "${LAB_IP4[$n]}/26" dev eth0 || return 1
		ip -n "${LAB_P}$n" addr add "${LAB_IP6[$n]}/64" dev eth0 nodad || return 1
		ip -n "${LAB_P}$n" route add 192.0.2.0/24 via "${LAB_RTR4[$n]}" || return 1
		ip -n "${LAB_P}$n" route add 198.51.100.0/24 via "${LAB_RTR4[$n]}" || return 1
		ip -n "${LAB_P}$n" -6 route add 2001:db8::/32 via "${LAB_RTR6[$n]}" || return 1
		i=$((i + 1))
	done
	for n in r a b c; do
		if [ -n "$(ip -n "${LAB_P}$n" route show default)$(ip -6 -n "${LAB_P}$n" route show default)" ]; then
			echo "# lab_routed: ${LAB_P}$n has a default route" >&2
			return 1
		fi
	done
}

# The lab's fence (lab_fence_setup, lab_fence_mode).
# shellcheck source=lib_fence.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_fence.sh"
