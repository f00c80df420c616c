#!/bin/bash
# run.sh - the failover benchmark behind `make bench`: vipd and keepalived
# (Debian's) side by side in the netns lab (test/netns/lib.sh), the same
# heartbeat timing for both (50 ms interval, 3 misses), a client "phone"
# probing the VIP every BENCH_PROBE_MS ms with UDP echo servers on both nodes.
#
#   failover  BENCH_RUNS rounds; each round, for each daemon in a fresh lab:
#             crash of the master (cable pulled, then SIGKILL), graceful stop
#             of the master (SIGTERM), the stopped node returning, and (vipd
#             only) `vipctl switchover`. The daemons take turns going first.
#   fence     vipd only, BENCH_RUNS runs: the crash of (a) with a fence_command
#             on both nodes, a real one (test/netns/lib.sh lab_fence_setup:
#             it takes the silent peer's switch port down): the gap of a
#             crash grows by the fence's own time, recorded beside it.
#   scale     64 groups x 4 VIPs on one pair: crash of the master, time until
#             the last of the 256 VIPs is on the new master; BENCH_SCALE_RUNS.
#   flood     BENCH_FLOOD_RUNS rounds; each, for each daemon in a fresh lab
#             with the pair settled (a master, b backup): forged heartbeats
#             from the client namespace at each of BENCH_FLOOD_RATES per s
#             for BENCH_FLOOD_S s (test/tools/hbflood): for vipd, right
#             length, magic, version, group id and TTL 255 with a wrong MAC
#             to its multicast group; for keepalived, VRRPv3 adverts with a
#             valid checksum for a VRID it does not run (254) to 224.0.0.18
#             (VRRPv3 has no authentication: an advert for its own VRID
#             would be believed). Counted: VIP moves (address events on
#             either node), each node's CPU over the window, and for vipd
#             transitions, kernel drops and the genuine heartbeats heard.
#             The sender shares the nodes' cores (on a real LAN the flood
#             is another machine's CPU), and the kernel's delivery of every
#             datagram to both nodes runs in its context.
#   idle      one group at 20 heartbeats/s: CPU % of one core over
#             BENCH_IDLE_S seconds (utime + stime) and peak RSS (VmHWM), both
#             nodes, keepalived's processes summed; vipd's window, then
#             keepalived's.
#   idle64    the same for 64 groups (vipd) or 64 VRRP instances (keepalived)
#             of 4 VIPs each, every one at 20 heartbeats/s: vipd's groups
#             on one UDP port, so they share one socket and one send bundle
#             (4 datagrams per interval).
#
# Where the time goes is measured too: an `ip -ts monitor` on every node
# (when a VIP came and went), one on the switch (when a cable was pulled),
# and, if tcpdump is installed, a capture on the new master in the crash
# runs (last heartbeat -> ARP probe -> first gratuitous ARP, per group).
#
# Results go to a scratch dir as TSV; test/bench/report.sh turns them into
# the table on stdout, docs/BENCHMARKS.md and docs/bench-gaps.png.
#
# Environment (defaults in brackets):
#   BENCH_RUNS [7]  BENCH_IDLE_S [60]  BENCH_SCALE_RUNS [3]  BENCH_PROBE_MS [2]
#   BENCH_FLOOD_RUNS [3]  BENCH_FLOOD_S [20]  BENCH_FLOOD_RATES ["20000 50000 100000"]
#   BENCH_FLOOD_BUNDLE [0] records per forged vipd datagram: 0 heartbeats (version 2),
#                          1..18 bundles (version 3, hbflood -b), one HMAC over up to 1232 bytes
#   BENCH_QUICK [0]        1: one run of everything, 5 s idle (a smoke test)
#   BENCH_DEADLINE_S [900] skip what is left once the bench ran this long
#   BENCH_MD [docs/BENCHMARKS.md]  BENCH_PNG [docs/bench-gaps.png]
#   BENCH_KEEP [0]         1: keep the scratch dir (raw TSV, lab logs)
#   BENCH_ONLY ["failover fence scale idle idle64 flood"]  the parts to run (for development)
#   BENCH_SHARED_PORT [1]  the scale part: 1 all 64 groups on one UDP port (one
#                          heartbeat socket and send bundle, as vipd should be
#                          configured), 0 a port per group
#   VIPD VIPCTL PROBE [build/...]  KEEPALIVED [keepalived in PATH]
#
# Test network rules (shared/BRIEF.md) hold as in lib.sh: namespaces only,
# 192.0.2.0/24 and 2001:db8::/64 inside them, every loop bounded, every
# process started here tracked by PID (lab_track) and stopped by lab_down.
# keepalived runs in the foreground inside a node namespace with its own pid
# files in the lab dir, VRRP only (-P), no syslog (-G), no scripts.
set -u
BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../netns/lib.sh
. "$BENCH_SRC/../netns/lib.sh"
VIPCTL=${VIPCTL:-$LAB_ROOT/build/vipctl}
case $VIPCTL in /*) ;; *) VIPCTL=$PWD/$VIPCTL ;; esac
KEEPALIVED=${KEEPALIVED:-$(command -v keepalived)}
GENCONF=$BENCH_SRC/genconf.sh

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	BENCH_RUNS=${BENCH_RUNS:-1} BENCH_IDLE_S=${BENCH_IDLE_S:-5}
	BENCH_SCALE_RUNS=${BENCH_SCALE_RUNS:-1}
	BENCH_FLOOD_RUNS=${BENCH_FLOOD_RUNS:-1} BENCH_FLOOD_S=${BENCH_FLOOD_S:-5}
fi
BENCH_FLOOD_RUNS=${BENCH_FLOOD_RUNS:-3}
BENCH_FLOOD_S=${BENCH_FLOOD_S:-20}
BENCH_FLOOD_RATES=${BENCH_FLOOD_RATES:-20000 50000 100000}
BENCH_FLOOD_BUNDLE=${BENCH_FLOOD_BUNDLE:-0}
HBFLOOD=${HBFLOOD:-$LAB_ROOT/build/hbflood}
BENCH_RUNS=${BENCH_RUNS:-7}
BENCH_IDLE_S=${BENCH_IDLE_S:-60}
BENCH_SCALE_RUNS=${BENCH_SCALE_RUNS:-3}
BENCH_PROBE_MS=${BENCH_PROBE_MS:-2}
BENCH_DEADLINE_S=${BENCH_DEADLINE_S:-900}
BENCH_MD=${BENCH_MD:-$LAB_ROOT/docs/BENCHMARKS.md}
BENCH_PNG=${BENCH_PNG:-$LAB_ROOT/docs/bench-gaps.png}

IV_MS=50		# heartbeat / advertisement interval
MISSES=3		# vipd misses; VRRP's master-down interval is 3 adverts + skew
SCALE_NG=64		# groups in the scale case (4 VIPs each)
SETTLE_HOLD_MS=400	# a settled pair must stay so this long (> VRRP's 182 ms)

# num NAME VALUE MIN MAX - die unless VALUE is an integer in MIN..MAX.
num() {
	case $2 in '' | *[!0-9]*) echo "bench: $1 must be a number, not '$2'" >&2; exit 2 ;; esac
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		echo "bench: $1 must be in $3..$4, not $2" >&2
		exit 2
	fi
}
num BENCH_RUNS "$BENCH_RUNS" 1 50
num BENCH_IDLE_S "$BENCH_IDLE_S" 1 600
num BENCH_SCALE_RUNS "$BENCH_SCALE_RUNS" 1 20
num BENCH_FLOOD_BUNDLE "$BENCH_FLOOD_BUNDLE" 0 18
num BENCH_PROBE_MS "$BENCH_PROBE_MS" 1 10
num BENCH_DEADLINE_S "$BENCH_DEADLINE_S" 60 3600

for f in "$VIPD" "$VIPCTL" "$PROBE"; do
	[ -x "$f" ] || { echo "bench: $f is missing (make all tests)" >&2; exit 1; }
done
if [ -z "$KEEPALIVED" ] || [ ! -x "$KEEPALIVED" ]; then
	echo "bench: keepalived is not installed (make deps-bench)" >&2
	exit 1
fi
for c in jq awk ip gnuplot; do
	command -v "$c" >/dev/null || { echo "bench: $c is missing (make deps-bench)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (ip netns)" >&2; exit 1; }

RES=$(mktemp -d "${TMPDIR:-/tmp}/vipd-bench.XXXXXX") || exit 1
bench_exit() {
	lab_down
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "# bench: raw results kept in $RES" >&2
	else
		case $RES in */vipd-bench.*) rm -rf -- "$RES" ;; esac
	fi
}
trap bench_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

printf 'daemon\trate\trun\tsent\twindow_s\tcpu_master_pct\tcpu_backup_pct\tvip_events\tsettled\ttransitions\tkernel_drops\trx_backup\trejected_master\trejected_backup\n' \
	>"$RES/flood.tsv"
printf 'daemon\tscenario\trun\tgap_ms\tlost\tswitches\tmoved\ttakeover_ms\tremoved_ms\tvalid\tnote\traw_max_gap_ms\thb_to_garp_ms\thb_to_probe_ms\tprobe_to_garp_ms\n' \
	>"$RES/gaps.tsv"
printf 'daemon\tnode\trole\tcpu_pct\thwm_kb\trss_kb\tanon_kb\tfile_kb\tnprocs\twindow_s\tticks\tsched_pct\tpss_kb\ttop_rss\n' \
	| tee "$RES/idle64.tsv" >"$RES/idle.tsv"
printf 'run\tfence_ms\tvalid\n' >"$RES/fence.tsv"
printf 'daemon\trun\tlast_poll_ms\tfirst_add_ms\tlast_add_ms\tadded\tclient_gap_ms\tvalid\tnote\tlast_group_start_ms\tgroup_spread_ms\tcap_groups\tcap_min_ms\tcap_med_ms\tcap_max_ms\tcap_first_ms\tcap_last_ms\tcap_probed\tcap_det_med_ms\tcap_wait_min_ms\tcap_wait_med_ms\tcap_wait_max_ms\n' \
	>"$RES/scale.tsv"

SECONDS=0
say() {
	printf '# [%3ds] %s\n' "$SECONDS" "$*" >&2
}

# mark - set MARK_US to the wall clock in microseconds (no fork).
mark() {
	local t=${EPOCHREALTIME//[!0-9]/}
	MARK_US=$((10#$t))
}

# ---- the lab, per daemon ----

D=			# the daemon under test: vipd or keepalived
REC_CAP=		# capture figures for the next record (crash runs)
NG=1			# groups in the lab's configs
declare -A KA_PARENT KA_CHILD KA_LOG KA_GEN

# bench_lab_up NGROUPS - a fresh lab, configs for D on a (100) and b (90),
# address monitors on both nodes, echo servers on both nodes.
# bench_lab_up NGROUPS [fence] - a fresh lab for NGROUPS groups; with "fence",
# every vipd group fences its peer before a takeover on a timeout.
bench_lab_up() {
	local n prio extra=
	NG=$1
	lab_up || return 1
	trap bench_exit EXIT	# lab_up installed its own
	if [ "${2:-}" = fence ]; then
		lab_fence_setup || return 1
		extra=$LAB_FENCE_CONF
	fi
	KA_PARENT=() KA_CHILD=() KA_LOG=() KA_GEN=()
	# shellcheck disable=SC2119 # the default key file
	lab_key || return 1
	"$GENCONF" vips "$NG" | sed 's,/.*,,' >"$LAB_DIR/vips"
	NVIPS=$(wc -l <"$LAB_DIR/vips")
	for n in a b; do
		prio=100
		[ "$n" = b ] && prio=90
		mkdir -m 700 "$LAB_DIR/$n.state" || return 1
		"$GENCONF" vipd "$n" "$prio" "$NG" "$LAB_DIR" "$IV_MS" "$MISSES" "$extra" \
			>"$LAB_DIR/$n.conf" ||
			return 1
		"$GENCONF" keepalived "$n" "$prio" "$NG" "$IV_MS" >"$LAB_DIR/ka-$n.conf" || return 1
		# Every address change, time-stamped as it arrives: when a VIP
		# really came or went, independent of how often this script
		# looks. At nice -10, so that it reads the events promptly.
		lab_bg "$n" "$LAB_DIR/mon-$n.log" nice -n -10 env TZ=UTC \
			ip -ts -o monitor address dev eth0
		serve_start "$n"
	done
	# The switch's link events: when a cable was really pulled.
	lab_bg sw "$LAB_DIR/mon-sw.log" nice -n -10 env TZ=UTC ip -ts -o monitor link
	return 0
}

# ka_start NODE - run keepalived in NODE's namespace, track the parent and
# (once its pid file names it) the VRRP child. Each start logs to a new file.
ka_start() {
	local n=$1 i c stat
	KA_GEN[$n]=$((${KA_GEN[$n]:-0} + 1))
	KA_LOG[$n]=$LAB_DIR/ka-$n.${KA_GEN[$n]}.log
	KA_CHILD[$n]=
	rm -f "$LAB_DIR/ka-$n.pid" "$LAB_DIR/ka-$n.vpid"
	ip netns exec "$(lab_ns "$n")" "$KEEPALIVED" -P -G -n -l -D -f "$LAB_DIR/ka-$n.conf" \
		-p "$LAB_DIR/ka-$n.pid" -r "$LAB_DIR/ka-$n.vpid" >"${KA_LOG[$n]}" 2>&1 &
	KA_PARENT[$n]=$!
	lab_track "$!"
	for ((i = 0; i < 300; i++)); do
		c=$(cat "$LAB_DIR/ka-$n.vpid" 2>/dev/null)
		if [ -n "$c" ] && stat=$(cat "/proc/$c/stat" 2>/dev/null); then
			stat=${stat##*) }
			# shellcheck disable=SC2086
			set -- $stat
			if [ "$2" = "${KA_PARENT[$n]}" ]; then
				KA_CHILD[$n]=$c
				lab_track "$c"
				return 0
			fi
		fi
		lab_alive "${KA_PARENT[$n]}" || break
		sleep 0.01
	done
	echo "# keepalived on $n: no VRRP child within 3 s" >&2
	return 1
}

# d_start NODE / d_term NODE (SIGTERM) / d_kill NODE (SIGKILL) for D.
d_start() {
	case $D in
	vipd) node_start "$1" ;;
	keepalived) ka_start "$1" ;;
	esac
}
# d_term sets FAULT_US to the moment just before the signal, then waits
# (bounded) for the exit; a daemon still there after 5 s is killed.
d_term() {
	local pid child=
	case $D in
	vipd) pid=$(node_pid "$1") ;;
	keepalived)
		# As systemd stops keepalived.service (KillMode=process): the
		# parent gets SIGTERM and stops its child.
		pid=${KA_PARENT[$1]} child=${KA_CHILD[$1]}
		;;
	esac
	mark
	FAULT_US=$MARK_US
	kill -TERM "$pid"
	lab_stop_pid "$pid" 0 5000	# signal 0: only wait and reap
	if [ $? = 124 ]; then
		say "$D on $1 ignored SIGTERM for 5 s, killing it"
		lab_stop_pid "$pid" KILL 2000
	fi
	[ -n "$child" ] && lab_stop_pid "$child" TERM 1000
	return 0
}
d_kill() {
	case $D in
	vipd) node_kill "$1" ;;
	keepalived)
		# Both at once: a parent left alive would respawn the child, a
		# child left alive would shut down cleanly.
		kill -KILL "${KA_CHILD[$1]}" "${KA_PARENT[$1]}" 2>/dev/null
		lab_stop_pid "${KA_CHILD[$1]}" KILL 2000
		lab_stop_pid "${KA_PARENT[$1]}" KILL 2000
		;;
	esac
}

# d_pids NODE - the daemon's processes on NODE (keepalived: parent, child).
d_pids() {
	case $D in
	vipd) node_pid "$1" ;;
	keepalived) echo "${KA_PARENT[$1]} ${KA_CHILD[$1]}" ;;
	esac
}

# d_cleanup NODE - remove the VIPs a SIGKILLed daemon left on NODE, as the
# node's reboot would: vipd's own `vipd -c` (its unit's ExecStopPost),
# `ip address del` for keepalived.
d_cleanup() {
	local n=$1 a
	case $D in
	vipd) lab_exec "$n" "$VIPD" -c -f "$LAB_DIR/$n.conf" >>"$LAB_DIR/$n.log" 2>&1 ;;
	keepalived)
		"$GENCONF" vips "$NG" | while read -r a; do
			echo "address del $a dev eth0"
		done >"$LAB_DIR/cleanup.batch"
		ip -n "$(lab_ns "$n")" -force -batch "$LAB_DIR/cleanup.batch" >/dev/null 2>&1
		;;
	esac
	[ "$(vips_on "$n")" = 0 ]
}

# vips_on NODE - print how many of the plan's VIPs NODE has on eth0.
vips_on() {
	ip -o -n "$(lab_ns "$1")" addr show dev eth0 2>/dev/null | awk '
		NR == FNR { want[$1] = 1; next }
		{ for (i = 1; i < NF; i++) if ($i == "inet" || $i == "inet6") {
			a = $(i + 1); sub(/\/.*/, "", a); if (a in want) c++ } }
		END { print c + 0 }' "$LAB_DIR/vips" -
}

# scale_vips_on NODE - vips_on for the scale plan, cheaper: in the lab only
# the VIPs have /32 and /128 prefixes.
scale_vips_on() {
	ip -o -n "$(lab_ns "$1")" addr show dev eth0 2>/dev/null |
		grep -cE ' inet 192\.0\.2\.[0-9]+/32 | inet6 2001:db8::64:[0-9a-f]+:[12]/128 '
}

# all_vips_on NODE - NODE has every VIP of the plan.
all_vips_on() {
	[ "$(vips_on "$1")" = "$NVIPS" ]
}

# vipd_groups NODE STATE - how many of NODE's groups are in STATE with the
# peer alive (risen), per `vipctl --json status`.
vipd_groups() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" --json status 2>/dev/null |
		jq -r --arg s "$2" '[.groups[] | select(.state == $s and .peer.alive == true)] | length' \
			2>/dev/null
}

# ka_instances NODE STATE - how many of keepalived's instances on NODE last
# entered STATE, per its current log.
ka_instances() {
	awk -v want="$2" '
		/\(VI_[0-9]+\) Entering [A-Z]+ STATE/ {
			for (i = 1; i < NF; i++) if ($i ~ /^\(VI_[0-9]+\)$/ && $(i + 1) == "Entering")
				last[$i] = $(i + 2) }
		END { for (k in last) if (last[k] == want) c++; print c + 0 }' "${KA_LOG[$1]}"
}

# is_settled M S - M holds every VIP and is master in every group, S holds
# none and is backup in every group, and (vipd) each side sees the other.
is_settled() {
	local m=$1 s=$2
	all_vips_on "$m" && [ "$(vips_on "$s")" = 0 ] || return 1
	case $D in
	vipd) [ "$(vipd_groups "$m" MASTER)" = "$NG" ] && [ "$(vipd_groups "$s" BACKUP)" = "$NG" ] ;;
	keepalived) [ "$(ka_instances "$m" MASTER)" = "$NG" ] &&
		[ "$(ka_instances "$s" BACKUP)" = "$NG" ] ;;
	esac
}

# settle M S TIMEOUT_MS - wait until is_settled M S holds and keeps holding
# for SETTLE_HOLD_MS: longer than VRRP's master-down interval, so a
# keepalived backup that stays backup that long does hear its master.
settle() {
	local m=$1 s=$2 timeout=$3 i t0
	mark
	t0=$MARK_US
	for ((i = 0; i < 50; i++)); do
		wait_for "$D: $m master, $s backup" "$timeout" is_settled "$m" "$s" || return 1
		sleep "$(awk -v ms="$SETTLE_HOLD_MS" 'BEGIN { print ms / 1000 }')"
		is_settled "$m" "$s" && return 0
		mark
		[ $(((MARK_US - t0) / 1000)) -ge "$timeout" ] && break
	done
	echo "# settle: $D pair $m/$s did not stay settled" >&2
	return 1
}

# ---- measuring ----

# probe_begin NAME DURATION_MS [ADDR] - start the client (as lib.sh's
# client_start, but at nice -10: on a busy machine the client's own
# scheduling delays would otherwise pose as gaps of several ms), give it
# 300 ms of answered probes before the fault.
probe_begin() {
	PROBE_OUT=$LAB_DIR/$1.out
	PROBE_DUR=$2
	ip netns exec "$(lab_ns c)" nice -n -10 "$PROBE" client -t "${3:-192.0.2.100}" \
		-i "$BENCH_PROBE_MS" -d "$2" -w -o "$PROBE_OUT.ev" >"$PROBE_OUT" 2>"$PROBE_OUT.err" &
	LAB_CLIENT_PID=$!
	lab_track "$LAB_CLIENT_PID"
	sleep 0.3
}

# ev_gap EVENTS_FILE - the interruption the failover caused, in ms: the
# longest stretch between two answered probes that either lost probes or
# spans the change of the answering node; 0 when nothing was lost and
# nothing moved. Unlike the probe's max_gap_ms, a stretch in which the
# client itself was late to send (a busy machine) but nothing was lost is
# not an interruption of the service.
ev_gap() {
	awk '
		{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		$1 == "gap" && v["len_ms"] + 0 > g { g = v["len_ms"] + 0 }
		$1 == "switch" { ns++; st[ns] = v["t_ms"] + 0; sf[ns] = v["from"] }
		$1 == "last" { last[v["node"]] = v["t_ms"] + 0 }
		END {
			for (i = 1; i <= ns; i++)
				if ((sf[i] in last) && last[sf[i]] <= st[i] && st[i] - last[sf[i]] > g)
					g = st[i] - last[sf[i]]
			printf "%.1f\n", g
		}' "$1"
}

# probe_end - wait for the client; set P_GAP (ev_gap), P_RAW (the probe's
# max_gap_ms), P_LOST P_SW P_RESP.
probe_end() {
	client_wait $((PROBE_DUR + 3000))
	P_RAW=$(probe_field "$PROBE_OUT" max_gap_ms)
	P_LOST=$(probe_field "$PROBE_OUT" lost)
	P_SW=$(probe_field "$PROBE_OUT" switches)
	P_RESP=$(probe_field "$PROBE_OUT" responders)
	P_GAP=$(ev_gap "$PROBE_OUT.ev" 2>/dev/null)
	if [ -z "$P_RAW" ] || [ ! -s "$PROBE_OUT.ev" ]; then
		P_GAP=NA P_RAW=NA P_LOST=NA P_SW=NA
	fi
}

# mon_times NODE add|del SINCE_US - from NODE's address monitor: "N FIRST
# LAST", how many of the plan's VIPs were added (deleted) since SINCE_US,
# and when the first and last of them were, in ms after SINCE_US.
mon_times() {
	TZ=UTC awk -v kind="$2" -v since="$3" '
		NR == FNR { want[$1] = 1; next }
		{
			ts = $1; gsub(/[][]/, "", ts)
			split(ts, p, /[-T:.]/)
			us = mktime(p[1] " " p[2] " " p[3] " " p[4] " " p[5] " " p[6]) * 1000000 + p[7]
			if ((kind == "del") != ($2 == "Deleted") || us < since) next
			for (i = 2; i < NF; i++) if ($i == "inet" || $i == "inet6") {
				a = $(i + 1); sub(/\/.*/, "", a)
				if ((a in want) && !(a in seen)) {
					seen[a] = 1; n++
					if (n == 1) first = us
					last = us
				}
			}
		}
		END {
			if (n) printf "%d %.1f %.1f\n", n, (first - since) / 1000, (last - since) / 1000
			else print "0 NA NA"
		}' "$LAB_DIR/vips" "$LAB_DIR/mon-$1.log"
}

# mon_groups NODE SINCE_US - for the scale plan (4 VIPs a group, in the
# order of the vips file): "FIRST LAST SPREAD", when the first and the last
# group began adding its VIPs (ms after SINCE_US; each group detects the
# crash on its own timer), and the longest time one group took from its
# first to its last VIP.
mon_groups() {
	TZ=UTC awk -v since="$2" '
		NR == FNR { grp[$1] = int((FNR - 1) / 4); next }
		{
			ts = $1; gsub(/[][]/, "", ts)
			split(ts, p, /[-T:.]/)
			us = mktime(p[1] " " p[2] " " p[3] " " p[4] " " p[5] " " p[6]) * 1000000 + p[7]
			if ($2 == "Deleted" || us < since) next
			for (i = 2; i < NF; i++) if ($i == "inet" || $i == "inet6") {
				a = $(i + 1); sub(/\/.*/, "", a)
				if (!(a in grp) || (a in seen)) continue
				seen[a] = 1; g = grp[a]
				if (!(g in gf)) { gf[g] = us; ng++ }
				gl[g] = us
			}
		}
		END {
			if (!ng) { print "NA NA NA"; exit }
			for (g in gf) {
				if (f == "" || gf[g] < f) f = gf[g]
				if (l == "" || gf[g] > l) l = gf[g]
				if (gl[g] - gf[g] > sp) sp = gl[g] - gf[g]
			}
			printf "%.1f %.1f %.1f\n", (f - since) / 1000, (l - since) / 1000, sp / 1000
		}' "$LAB_DIR/vips" "$LAB_DIR/mon-$1.log"
}

# pull_cable NODE - link_down NODE, and set FAULT_US to the moment the
# switch reported the port down (the \`ip link set\` command takes several
# ms itself); the moment before the command if the monitor missed it.
pull_cable() {
	local t
	mark
	FAULT_US=$MARK_US
	link_down "$1"
	t=$(TZ=UTC awk -v port="p$1@" -v since="$FAULT_US" '
		{
			ts = $1; gsub(/[][]/, "", ts)
			split(ts, p, /[-T:.]/)
			us = mktime(p[1] " " p[2] " " p[3] " " p[4] " " p[5] " " p[6]) * 1000000 + p[7]
			if (us >= since && index($3, port) == 1 && / state DOWN / && $4 !~ /UP/) {
				printf "%.0f\n", us; exit
			}
		}' "$LAB_DIR/mon-sw.log" 2>/dev/null)
	[ -n "$t" ] && FAULT_US=$t
	return 0
}

# record SCENARIO RUN MOVED NEW OLD VALID NOTE - one line of gaps.tsv, with the
# takeover time (VIP added on NEW) and the release time (VIP deleted on OLD)
# from the address monitors, both after MARK_US.
record() {
	local sc=$1 run=$2 moved=$3 new=$4 old=$5 valid=$6 note=$7 t_add=NA t_del=NA x
	if [ -n "$new" ]; then
		# shellcheck disable=SC2046
		set -- $(mon_times "$new" add "$FAULT_US")
		t_add=$2
	fi
	if [ -n "$old" ]; then
		# shellcheck disable=SC2046
		set -- $(mon_times "$old" del "$FAULT_US")
		t_del=$2
	fi
	# shellcheck disable=SC2086
	set -- ${REC_CAP:-NA NA NA}
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$D" "$sc" "$run" "$P_GAP" \
		"$P_LOST" "$P_SW" "$moved" "$t_add" "$t_del" "$valid" "$note" "$P_RAW" "$1" "$2" "$3" \
		>>"$RES/gaps.tsv"
	x="gap ${P_GAP} ms (raw max ${P_RAW} ms), lost ${P_LOST}, switches ${P_SW} [${P_RESP}]"
	[ "$1" != NA ] && x="$x, last heartbeat -> GARP $1 ms"
	[ "$2" != NA ] && x="$x (-> ARP probe $2 ms, probe -> GARP $3 ms)"
	REC_CAP=
	[ "$t_add" != NA ] && x="$x, VIP added after ${t_add} ms"
	[ "$t_del" != NA ] && x="$x, removed from the old master after ${t_del} ms"
	say "$D $sc #$run: $x${note:+ ($note)}"
}

# moved_ok OLD NEW - the client saw the old master, then the new one, once.
moved_ok() {
	case ",$P_RESP," in *",$1:"*",$2:"* | *",$2:"*",$1:"*) ;; *) return 1 ;; esac
	[ "$P_SW" = 1 ]
}

# ---- the failover round ----

# round RUN - one round for D in a fresh lab: crash a (b takes over), b
# back; graceful stop of b (a takes over); b returns; vipd: switchover a -> b.
round() {
	local r=$1 v note
	bench_lab_up 1 || { say "$D #$r: lab_up failed"; return 1; }
	d_start a || return 1
	wait_for "$D on a takes the VIP" 5000 all_vips_on a || return 1
	d_start b || return 1
	settle a b 5000 || return 1

	# (a) crash of the master: the node leaves the LAN, its daemon dies.
	cap_start b "$LAB_DIR/crash-$r.pcap" a
	probe_begin "crash-$r" 1500
	pull_cable a
	d_kill a
	wait_for "$D: b takes over" 3000 all_vips_on b
	probe_end
	if [ -n "$CAP_PID" ]; then
		lab_stop_pid "$CAP_PID" TERM 2000
		# shellcheck disable=SC2046
		set -- $(cap_groups "$LAB_DIR/crash-$r.pcap" a "$FAULT_US")
		# heartbeat -> GARP, heartbeat -> probe, probe -> GARP
		REC_CAP="$3 NA NA"
		[ "$7" != 0 ] && REC_CAP="$3 $8 ${10}"
	fi
	v=1 note=
	moved_ok a b || { v=0 note="client did not see a -> b"; }
	record crash "$r" yes b "" "$v" "$note"
	d_cleanup a || say "$D #$r: VIPs left on a after the clean-up"
	link_up a
	d_start a || return 1
	settle b a 5000 || return 1

	# (b) graceful stop of the master (the reboot case).
	probe_begin "graceful-$r" 1200
	d_term b
	wait_for "$D: a takes over" 3000 all_vips_on a
	probe_end
	v=1 note=
	moved_ok b a || { v=0 note="client did not see b -> a"; }
	record graceful "$r" yes a b "$v" "$note"

	# (d) the stopped node returns: it must stay backup, no interruption.
	probe_begin "return-$r" 2500
	mark
	FAULT_US=$MARK_US
	d_start b || return 1
	settle a b 3000
	v=$?
	probe_end
	note=
	local moved=no
	if ! lab_holders_are a || [ "$P_SW" != 0 ]; then
		moved=yes
	fi
	if [ "$v" = 0 ]; then
		v=1
	else
		v=0 note="pair did not settle"
	fi
	record return "$r" "$moved" "" "" "$v" "$note"

	# (c) planned switchover (vipd only; keepalived has no such command).
	if [ "$D" = vipd ]; then
		settle a b 3000 || return 1
		probe_begin "switchover-$r" 1200
		mark
		FAULT_US=$MARK_US
		note=
		"$VIPCTL" -s "$LAB_DIR/a.sock" switchover >>"$LAB_DIR/vipctl.log" 2>&1 ||
			note="vipctl switchover failed"
		wait_for "$D: b takes over" 3000 all_vips_on b
		probe_end
		v=1
		moved_ok a b || { v=0 note="${note:-client did not see a -> b}"; }
		[ -n "$note" ] && v=0
		record switchover "$r" yes b a "$v" "$note"
	fi
	return 0
}

# fence_round RUN - vipd only: the crash of (a) with a fence on both nodes;
# the fence's own time (vipctl status: fence.last_ms) goes to fence.tsv.
fence_round() {
	local r=$1 v note fms
	bench_lab_up 1 fence || { say "$D fence #$r: lab_up failed"; return 1; }
	d_start a || return 1
	wait_for "$D on a takes the VIP" 5000 all_vips_on a || return 1
	d_start b || return 1
	settle a b 5000 || return 1
	probe_begin "fence-$r" 2000
	pull_cable a
	d_kill a
	wait_for "$D: b fences a and takes over" 3000 all_vips_on b
	probe_end
	fms=$(js b '.groups[0].fence.last_ms // "NA"')
	v=1 note=
	moved_ok a b || { v=0 note="client did not see a -> b"; }
	[ "$(js b '.groups[0].fence.runs')" = 1 ] || { v=0 note="${note:+$note; }fence runs: $(js b '.groups[0].fence.runs')"; }
	record fence "$r" yes b "" "$v" "$note"
	printf '%s\t%s\t%s\n' "$r" "${fms:-NA}" "$v" >>"$RES/fence.tsv"
	say "$D fence #$r: the fence took ${fms:-NA} ms"
	return 0
}

# keep_logs TAG - copy the lab's daemon logs into the results (BENCH_KEEP).
keep_logs() {
	local f
	[ "${BENCH_KEEP:-0}" = 1 ] && [ -n "$LAB_DIR" ] || return 0
	mkdir -p "$RES/logs/$1"
	for f in "$LAB_DIR"/*.log "$LAB_DIR"/*.out "$LAB_DIR"/*.ev "$LAB_DIR"/*.conf "$LAB_DIR"/*.pcap; do
		[ -e "$f" ] && cp -- "$f" "$RES/logs/$1/"
	done
}

# ---- idle cost ----

# proc_ticks PID... - utime + stime of the processes, in clock ticks.
proc_ticks() {
	local p stat sum=0
	for p in "$@"; do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		# shellcheck disable=SC2086
		set -- $stat
		sum=$((sum + ${12} + ${13}))	# fields 14 and 15
	done
	echo "$sum"
}

# proc_sched_ns PID... - CPU time of all their threads in ns, exact
# (/proc/PID/task/TID/schedstat), a cross-check of the tick-based utime +
# stime, which only samples at the timer tick.
proc_sched_ns() {
	local p f v sum=0
	for p in "$@"; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r v _ <"$f" 2>/dev/null || continue
			sum=$((sum + v))
		done
	done
	echo "$sum"
}

# proc_top_rss PID - the five mappings with the most resident memory, as
# "file:kB,..." (what a high VmHWM is made of).
proc_top_rss() {
	awk '$1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { name = ($6 == "") ? "[anon]" : $6; sub(/.*\//, "", name) }
		$1 == "Rss:" { rss[name] += $2 }
		END { for (k in rss) print rss[k], k }' "/proc/$1/smaps" 2>/dev/null |
		sort -rn | head -5 | awk '{ printf "%s%s:%d", (NR > 1 ? "," : ""), $2, $1 }'
}

# proc_kb FIELD PID... - the sum of a /proc/PID/status field (VmHWM, VmRSS).
proc_kb() {
	local f=$1 p sum=0 v
	shift
	for p in "$@"; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# idle [GROUPS TSV] - the idle cost of one group (idle.tsv), or of GROUPS
# (idle64: 64 groups x 4 VIPs, every group at 20 heartbeats/s, idle64.tsv).
idle() {
	local ng=${1:-1} tsv=${2:-idle.tsv} n t0 t1 hz role
	local -A tk0 tk1 ns0 ns1
	hz=$(getconf CLK_TCK)
	bench_lab_up "$ng" || return 1
	d_start a || return 1
	wait_for "$D on a takes the VIPs" $((5000 + 150 * ng)) all_vips_on a || return 1
	d_start b || return 1
	settle a b $((5000 + 150 * ng)) || return 1
	sleep 2		# past the start-up: the steady state only
	mark
	t0=$MARK_US
	for n in a b; do
		# shellcheck disable=SC2046
		tk0[$n]=$(proc_ticks $(d_pids "$n"))
		# shellcheck disable=SC2046
		ns0[$n]=$(proc_sched_ns $(d_pids "$n"))
	done
	say "$D idle: measuring for $BENCH_IDLE_S s"
	sleep "$BENCH_IDLE_S"
	mark
	t1=$MARK_US
	for n in a b; do
		# shellcheck disable=SC2046
		tk1[$n]=$(proc_ticks $(d_pids "$n"))
		# shellcheck disable=SC2046
		ns1[$n]=$(proc_sched_ns $(d_pids "$n"))
	done
	is_settled a b || say "$D idle: the pair changed during the window"
	for n in a b; do
		role=master
		[ "$n" = b ] && role=backup
		# shellcheck disable=SC2046
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$D" "$n" "$role" \
			"$(awk -v d=$((tk1[$n] - tk0[$n])) -v hz="$hz" -v us=$((t1 - t0)) \
				'BEGIN { printf "%.3f", d / hz / (us / 1e6) * 100 }')" \
			"$(proc_kb VmHWM $(d_pids "$n"))" "$(proc_kb VmRSS $(d_pids "$n"))" \
			"$(proc_kb RssAnon $(d_pids "$n"))" "$(proc_kb RssFile $(d_pids "$n"))" \
			"$(d_pids "$n" | wc -w)" \
			"$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.1f", us / 1e6 }')" \
			$((tk1[$n] - tk0[$n])) \
			"$(awk -v d=$((ns1[$n] - ns0[$n])) -v us=$((t1 - t0)) \
				'BEGIN { printf "%.3f", d / 1e3 / us * 100 }')" \
			"$(awk '$1 == "Pss:" { s += $2 } END { print s + 0 }' \
				$(printf '/proc/%s/smaps_rollup ' $(d_pids "$n")) 2>/dev/null)" \
			"$(for p in $(d_pids "$n"); do proc_top_rss "$p"; echo; done | paste -sd';')" \
			>>"$RES/$tsv"
	done
	return 0
}

# ---- flood ----

# vip_events - address events for the VIPs on either node so far (ip monitor).
vip_events() {
	cat "$LAB_DIR/mon-a.log" "$LAB_DIR/mon-b.log" 2>/dev/null | grep -cF -f "$LAB_DIR/vips"
}

# vipd_sum NODE JQ - sum of a counter over NODE's groups (vipd), NA if unknown.
vipd_sum() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" --json status 2>/dev/null |
		jq -r "[.groups[] | $2] | add // \"NA\"" 2>/dev/null || echo NA
}

# vipd_key_id NODE - group 1's key id, as the LAN sees it in every heartbeat.
vipd_key_id() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" --json status 2>/dev/null | jq -r '.groups[0].settings.key_id'
}

# flood RUN - one flood round for D: the pair settled, then each rate.
flood() {
	local run=$1 rate t0 t1 hz ev0 ev1 tr0 tr1 dr0=0 rx0=NA rx1=NA ra0 rb0 ra1 rb1 sent ok n
	local -A tk0 tk1
	hz=$(getconf CLK_TCK)
	bench_lab_up 1 || return 1
	d_start a || return 1
	wait_for "$D on a takes the VIP" 5000 all_vips_on a || return 1
	d_start b || return 1
	settle a b 5000 || return 1
	sleep 1
	for rate in $BENCH_FLOOD_RATES; do
		ev0=$(vip_events) tr0=NA rx0=NA ra0=NA rb0=NA
		if [ "$D" = vipd ]; then
			tr0=$(( $(vipd_sum a .counters.transitions) + $(vipd_sum b .counters.transitions) ))
			dr0=$(( $(vipd_sum a .counters.kernel_drops) + $(vipd_sum b .counters.kernel_drops) ))
			ra0=$(vipd_sum a '.counters.rejected | add')
			rb0=$(vipd_sum b '.counters.rejected | add')
		fi
		say "$D flood run $run: $rate/s for $BENCH_FLOOD_S s"
		[ "$D" = vipd ] && rx0=$(vipd_sum b .counters.rx)
		for n in a b; do
			# shellcheck disable=SC2046
			tk0[$n]=$(proc_ticks $(d_pids "$n"))
		done
		mark
		t0=$MARK_US
		case $D in
		vipd) timeout $((BENCH_FLOOD_S + 10)) ip netns exec "$(lab_ns c)" "$HBFLOOD" -m vipd \
			-i eth0 -d 239.255.80.1 -p 5800 -g 1 -r "$rate" -t "$BENCH_FLOOD_S" \
			-k "$(vipd_key_id a)" -b "$BENCH_FLOOD_BUNDLE" ;;
		keepalived) timeout $((BENCH_FLOOD_S + 10)) ip netns exec "$(lab_ns c)" "$HBFLOOD" \
			-m vrrp -i eth0 -d 224.0.0.18 -s "${LAB_IP4[c]}" -v 254 -r "$rate" \
			-t "$BENCH_FLOOD_S" ;;
		esac >"$LAB_DIR/flood-$rate.out" 2>&1
		mark
		t1=$MARK_US
		for n in a b; do
			# shellcheck disable=SC2046
			tk1[$n]=$(proc_ticks $(d_pids "$n"))
		done
		[ "$D" = vipd ] && rx1=$(vipd_sum b .counters.rx)
		sent=$(sed -n 's/^hbflood: sent \([0-9]*\) .*/\1/p' "$LAB_DIR/flood-$rate.out")
		sleep 0.5	# a failover the flood caused at its very end shows by now
		ok=0
		is_settled a b && ok=1
		ev1=$(vip_events) tr1=NA ra1=NA rb1=NA
		if [ "$D" = vipd ]; then
			tr1=$(( $(vipd_sum a .counters.transitions) + $(vipd_sum b .counters.transitions) ))
			ra1=$(vipd_sum a '.counters.rejected | add')
			rb1=$(vipd_sum b '.counters.rejected | add')
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$D" "$rate" "$run" \
			"${sent:-NA}" "$(awk -v us=$((t1 - t0)) 'BEGIN { printf "%.1f", us / 1e6 }')" \
			"$(awk -v d=$((tk1[a] - tk0[a])) -v hz="$hz" -v us=$((t1 - t0)) \
				'BEGIN { printf "%.2f", d / hz / (us / 1e6) * 100 }')" \
			"$(awk -v d=$((tk1[b] - tk0[b])) -v hz="$hz" -v us=$((t1 - t0)) \
				'BEGIN { printf "%.2f", d / hz / (us / 1e6) * 100 }')" \
			$((ev1 - ev0)) "$ok" \
			"$([ "$D" = vipd ] && echo $((tr1 - tr0)) || echo NA)" \
			"$([ "$D" = vipd ] && echo $(( $(vipd_sum a .counters.kernel_drops) + \
				$(vipd_sum b .counters.kernel_drops) - dr0 )) || echo NA)" \
			"$([ "$D" = vipd ] && echo $((rx1 - rx0)) || echo NA)" \
			"$([ "$D" = vipd ] && echo $((ra1 - ra0)) || echo NA)" \
			"$([ "$D" = vipd ] && echo $((rb1 - rb0)) || echo NA)" >>"$RES/flood.tsv"
		[ "$ok" = 1 ] || settle a b 5000 || return 1
		sleep 1
	done
	return 0
}

# ---- scale ----

# cap_start NODE FILE - if tcpdump is installed, capture on NODE's eth0 what
# tells each group's takeover latency: the heartbeats (vipd's UDP, VRRP)
# of the other node and all ARP, raw into FILE. Waits (bounded) until it
# listens. CAP_PID is empty when there is no capture.
cap_start() {
	local i
	CAP_PID=
	command -v tcpdump >/dev/null || return 0
	lab_bg "$1" "$2.err" tcpdump -n -i eth0 -U -s 96 -w "$2" \
		"(src host ${LAB_IP4[$3]} and (udp or ip proto 112)) or arp"
	CAP_PID=$LAB_BG_PID
	for ((i = 0; i < 200; i++)); do
		grep -q 'listening on' "$2.err" 2>/dev/null && return 0
		lab_alive "$CAP_PID" || break
		sleep 0.01
	done
	say "tcpdump in $1 did not start: $(head -c 200 "$2.err" 2>/dev/null)"
	lab_stop_pid "$CAP_PID" TERM 1000
	CAP_PID=
}

# cap_groups FILE OLD SINCE_US - from a capture on the new master: for each
# group, the time from the last heartbeat of OLD (a or b; vipd on one shared
# port, BENCH_SHARED_PORT=1: its last heartbeat datagram) to the group's
# first gratuitous ARP after SINCE_US: when its timeout fired plus its
# takeover, on the kernel's packet time stamps. A daemon that first probes
# whether the VIP is taken (an RFC 5227 ARP probe, "who-has VIP tell
# 0.0.0.0") has that time split in two: heartbeat -> probe (the detection)
# and probe -> announcement (the wait for an answer plus the takeover).
# Prints "N MIN MEDIAN MAX FIRST LAST PROBED DET_MEDIAN WAIT_MIN WAIT_MEDIAN
# WAIT_MAX" in ms, FIRST and LAST for the first and the last group to
# announce; NA where there is no data.
cap_groups() {
	[ -s "$1" ] || { echo "0 NA NA NA NA NA 0 NA NA NA NA"; return; }
	tcpdump -n -tt -r "$1" 2>/dev/null | awk -v old="${LAB_IP4[$2]}" -v since="$3" \
		-v shared="${BENCH_SHARED_PORT:-0}" '
		function grp_of(ip,    o) { split(ip, o, "."); return int((o[4] - 100) / 2) + 1 }
		function sort(a, n,    i, j, t) {
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		}
		function med(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		# vipd: "IP 192.0.2.1.5803 > 239.255.80.1.5803: UDP" (group = port - 5799);
		# on one shared port the groups heartbeat in bundles: the last datagram
		# counts for every group (hball)
		$2 == "IP" && index($3, old ".") == 1 && / UDP/ {
			if (shared == 1) { hball = $1; next }
			np = split($3, p, "."); hb[p[np] - 5799] = $1; next }
		# keepalived: "IP 192.0.2.1 > 224.0.0.18: VRRPv3, Advertisement, vrid 7, ..."
		$2 == "IP" && $3 == old && /VRRP/ {
			for (i = 4; i < NF; i++) if ($i == "vrid") { v = $(i + 1); sub(/,/, "", v); hb[v + 0] = $1 }
			next }
		/ARP, / && $1 * 1000000 >= since {
			# Probes ("tell 0.0.0.0") and gratuitous ones ("who-has X
			# tell X", "Reply X is-at"); the requests of the client do
			# not count.
			ip = ""; tell = ""
			for (i = 2; i < NF; i++) {
				if ($i == "Reply" && ip == "") { ip = $(i + 1); tell = ip }
				if ($i == "who-has" && ip == "") ip = $(i + 1)
				if ($i == "tell") { tell = $(i + 1); sub(/,$/, "", tell) }
			}
			if (ip !~ /^192\.0\.2\.[0-9]+$/) next
			g = grp_of(ip)
			if (g < 1) next
			if (tell == "0.0.0.0") { if (!(g in pr)) pr[g] = $1; next }
			if (tell != ip) next
			if (!(g in ann)) { ann[g] = $1; order[++na] = g }
		}
		END {
			for (i = 1; i <= na; i++) {
				g = order[i]
				if (!(g in hb) && hball != "") hb[g] = hball
				if (!(g in hb)) continue
				n++; lat[n] = (ann[g] - hb[g]) * 1000
				if (n == 1) first = lat[n]
				last = lat[n]
				if (g in pr) { nq++; det[nq] = (pr[g] - hb[g]) * 1000; wt[nq] = (ann[g] - pr[g]) * 1000 }
			}
			if (!n) { print "0 NA NA NA NA NA 0 NA NA NA NA"; exit }
			sort(lat, n)
			printf "%d %.1f %.1f %.1f %.1f %.1f", n, lat[1], med(lat, n), lat[n], first, last
			if (!nq) { print " 0 NA NA NA NA"; exit }
			sort(det, nq); sort(wt, nq)
			printf " %d %.1f %.1f %.1f %.1f\n", nq, med(det, nq), wt[1], med(wt, nq), wt[nq]
		}'
}

scale() {
	local r m=a s=b i c poll_ms v note gap
	bench_lab_up "$SCALE_NG" || return 1
	d_start a || return 1
	wait_for "$D on a takes all $NVIPS VIPs" 15000 all_vips_on a || return 1
	say "$D scale: a holds $NVIPS VIPs after $LAB_WAITED_MS ms"
	d_start b || return 1
	settle a b 15000 || return 1
	say "$D scale: pair settled"
	for ((r = 1; r <= BENCH_SCALE_RUNS; r++)); do
		cap_start "$s" "$LAB_DIR/scale-$r.pcap" "$m"
		# Group 64's first IPv4 VIP: the last group in every list.
		probe_begin "scale-$r" 2500 192.0.2.226
		pull_cable "$m"
		d_kill "$m"
		c=0
		# Poll every 10 ms or so for at most 5 s (more often would take
		# CPU from the daemons on a small machine; the monitor has the
		# exact moment).
		for ((i = 0; i < 500; i++)); do
			c=$(scale_vips_on "$s")
			[ "$c" = "$NVIPS" ] && break
			mark
			[ $((MARK_US - FAULT_US)) -ge 5000000 ] && break
			sleep 0.01
		done
		mark
		poll_ms=$(((MARK_US - FAULT_US) / 1000))
		probe_end
		[ -n "$CAP_PID" ] && lab_stop_pid "$CAP_PID" TERM 2000
		gap=$P_GAP
		v=1 note=
		[ "$c" = "$NVIPS" ] || { v=0 note="only $c of $NVIPS VIPs after ${poll_ms} ms"; }
		moved_ok "$m" "$s" || { v=0 note="${note:-client did not see $m -> $s}"; }
		local grp cap stalls=
		[ "$D" = vipd ] && stalls=$("$VIPCTL" -s "$LAB_DIR/$s.sock" --json status 2>/dev/null |
			jq -r '[.groups[].counters.stalls] | add' 2>/dev/null)
		grp=$(mon_groups "$s" "$FAULT_US")
		cap=$(cap_groups "$LAB_DIR/scale-$r.pcap" "$m" "$FAULT_US")
		# shellcheck disable=SC2046,SC2086
		set -- $(mon_times "$s" add "$FAULT_US") $grp $cap
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			"$D" "$r" "$poll_ms" "$2" "$3" "$1" "$gap" "$v" "$note" "$5" "$6" \
			"$7" "$8" "$9" "${10}" "${11}" "${12}" "${13}" "${14}" "${15}" "${16}" "${17}" \
			>>"$RES/scale.tsv"
		say "$D scale #$r: $c VIPs on $s after ${poll_ms} ms (monitor: first $2 ms, last $3 ms," \
			"$1 added; the last group began at $5 ms, one group took up to $6 ms)," \
			"client gap $gap ms${note:+ ($note)}${stalls:+, stalls counted by $s: $stalls};" \
			"heartbeat -> GARP per group ($7):" \
			"min $8, median $9, max ${10} ms, first group ${11}, last group ${12} ms" \
			"$([ "${13}" != 0 ] && echo "; ARP probes in ${13} groups: heartbeat -> probe" \
				"median ${14}, probe -> GARP ${15}..${17} (median ${16}) ms")"
		[ "$r" = "$BENCH_SCALE_RUNS" ] && break
		d_cleanup "$m" || say "$D scale: VIPs left on $m after the clean-up"
		link_up "$m"
		d_start "$m" || return 1
		settle "$s" "$m" 15000 || return 1
		i=$m m=$s s=$i
	done
	return 0
}

# ---- main ----

# cpu_jiffies - "BUSY STEAL TOTAL" of the whole machine from /proc/stat:
# how loaded it was by everyone, and how much the hypervisor took.
cpu_jiffies() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i
		printf "%d %d %d\n", t - $5 - $6, $9, t; exit }' /proc/stat
}
CPU0=$(cpu_jiffies)

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "nproc=$(nproc)"
	echo "kernel=$(uname -r)"
	echo "cpu=$(awk -F': *' '$1 ~ /^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "vipd=$("$VIPD" -V 2>&1 | head -1)"
	echo "vipd_rev=$(cd "$LAB_ROOT" && GIT_OPTIONAL_LOCKS=0 git rev-parse --short HEAD 2>/dev/null)"
	# Read-only: no index refresh, no lock (GIT_OPTIONAL_LOCKS=0).
	echo "vipd_dirty=$(cd "$LAB_ROOT" && GIT_OPTIONAL_LOCKS=0 git status --porcelain \
		-- src include Makefile 2>/dev/null | wc -l)"
	echo "keepalived=$("$KEEPALIVED" -v 2>&1 | head -1)"
	echo "keepalived_pkg=$(dpkg-query -W -f='${Version}' keepalived 2>/dev/null)"
	echo "interval_ms=$IV_MS"
	echo "misses=$MISSES"
	echo "runs=$BENCH_RUNS"
	echo "scale_runs=$BENCH_SCALE_RUNS"
	echo "scale_groups=$SCALE_NG"
	echo "scale_shared_port=${BENCH_SHARED_PORT:-1}"
	echo "idle_s=$BENCH_IDLE_S"
	echo "flood_runs=$BENCH_FLOOD_RUNS"
	echo "flood_s=$BENCH_FLOOD_S"
	echo "flood_rates=$BENCH_FLOOD_RATES"
	echo "flood_bundle=$BENCH_FLOOD_BUNDLE"
	echo "probe_ms=$BENCH_PROBE_MS"
	echo "quick=${BENCH_QUICK:-0}"
	echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RES/meta"

say "bench: $BENCH_RUNS failover round(s), $BENCH_SCALE_RUNS scale run(s), ${BENCH_IDLE_S} s idle" \
	"windows; vipd $VIPD, keepalived $KEEPALIVED"
skipped=
BENCH_ONLY=${BENCH_ONLY:-failover fence scale idle idle64 flood}
want() {
	case " $BENCH_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}
FENCE_RUNS=$BENCH_RUNS
want failover || BENCH_RUNS=0
want fence || FENCE_RUNS=0
for ((run = 1; run <= BENCH_RUNS; run++)); do
	if [ "$SECONDS" -ge "$BENCH_DEADLINE_S" ]; then
		skipped="$skipped failover rounds $run..$BENCH_RUNS;"
		break
	fi
	order="vipd keepalived"
	[ $((run % 2)) = 0 ] && order="keepalived vipd"
	for D in $order; do
		if ! round "$run"; then
			say "$D round $run aborted"
			printf '%s\tround\t%s\tNA\tNA\tNA\tNA\tNA\tNA\t0\taborted\tNA\tNA\tNA\tNA\n' "$D" "$run" \
				>>"$RES/gaps.tsv"
		fi
		keep_logs "$D-round$run"
		lab_down
	done
done
D=vipd
for ((run = 1; run <= FENCE_RUNS; run++)); do
	if [ "$SECONDS" -ge "$BENCH_DEADLINE_S" ]; then
		skipped="$skipped fence runs $run..$FENCE_RUNS;"
		break
	fi
	fence_round "$run" || {
		say "vipd fence run $run aborted"
		printf '%s\tfence\t%s\tNA\tNA\tNA\tNA\tNA\tNA\t0\taborted\tNA\tNA\tNA\tNA\n' vipd "$run" \
			>>"$RES/gaps.tsv"
	}
	keep_logs "vipd-fence$run"
	lab_down
done
for D in vipd keepalived; do
	want scale || break
	if [ "$SECONDS" -ge "$BENCH_DEADLINE_S" ]; then
		skipped="$skipped scale $D;"
		continue
	fi
	say "$D scale: $SCALE_NG groups x 4 VIPs"
	# vipd: one UDP port for all groups unless told otherwise (genconf.sh).
	BENCH_SHARED_PORT=${BENCH_SHARED_PORT:-1} scale || {
		say "$D scale aborted"
		printf '%s\tNA\tNA\tNA\tNA\tNA\tNA\t0\taborted\n' "$D" >>"$RES/scale.tsv"
	}
	keep_logs "$D-scale"
	lab_down
done
for D in vipd keepalived; do
	want idle || break
	if [ "$SECONDS" -ge "$BENCH_DEADLINE_S" ]; then
		skipped="$skipped idle $D;"
		continue
	fi
	idle || say "$D idle aborted"
	keep_logs "$D-idle"
	lab_down
done
for D in vipd keepalived; do
	want idle64 || break
	if [ "$SECONDS" -ge "$BENCH_DEADLINE_S" ]; then
		skipped="$skipped idle64 $D;"
		continue
	fi
	say "$D idle64: $SCALE_NG groups x 4 VIPs at 20 heartbeats/s each"
	# One port for all 64 groups: one socket, one send bundle (genconf.sh).
	BENCH_SHARED_PORT=1 idle "$SCALE_NG" idle64.tsv || say "$D idle64 aborted"
	keep_logs "$D-idle64"
	lab_down
done
want flood || BENCH_FLOOD_RUNS=0
for ((run = 1; run <= BENCH_FLOOD_RUNS; run++)); do
	if [ "$SECONDS" -ge "$BENCH_DEADLINE_S" ]; then
		skipped="$skipped flood rounds $run..$BENCH_FLOOD_RUNS;"
		break
	fi
	order="vipd keepalived"
	[ $((run % 2)) = 0 ] && order="keepalived vipd"
	for D in $order; do
		flood "$run" || say "$D flood round $run aborted"
		keep_logs "$D-flood$run"
		lab_down
	done
done
{
	echo "skipped=$skipped"
	echo "only=$BENCH_ONLY"
	echo "duration_s=$SECONDS"
	echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$RES/meta"
# shellcheck disable=SC2046,SC2086
set -- $CPU0 $(cpu_jiffies)
awk -v b=$(($4 - $1)) -v st=$(($5 - $2)) -v t=$(($6 - $3)) 'BEGIN {
	if (t > 0) printf "machine_busy_pct=%.0f\nmachine_steal_pct=%.1f\n", b * 100 / t, st * 100 / t }' \
	>>"$RES/meta"

mkdir -p "$(dirname "$BENCH_MD")" "$(dirname "$BENCH_PNG")"
"$BENCH_SRC/report.sh" "$RES" "$BENCH_MD" "$BENCH_PNG"
