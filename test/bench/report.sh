#!/bin/bash
# report.sh RESDIR MD PNG - turn the raw results of test/bench/run.sh (meta,
# gaps.tsv, scale.tsv, idle.tsv in RESDIR) into the results table on stdout,
# the Markdown report MD and the per-run gap plot PNG (gnuplot), judge every
# target of shared/BRIEF.md ("Numbers vipd must reach") PASS or FAIL, say
# what a missed one is made of, and end with one summary line.
#
# It only reads RESDIR, so a kept run (BENCH_KEEP=1) can be re-reported.
set -u
if [ $# != 3 ] || [ ! -f "$1/meta" ]; then
	echo "usage: report.sh RESDIR MD PNG" >&2
	exit 2
fi
RES=$1 MD=$2 PNG=$3

declare -A M S
while IFS='=' read -r k v; do
	M[$k]=$v
done <"$RES/meta"
IV=${M[interval_ms]} MISSES=${M[misses]} RUNS=${M[runs]}
DEAD=$((IV * MISSES))
CRASH_BOUND=$((DEAD + 20))	# BRIEF: interval x misses + 20 ms
CRASH_HARD=200			# BRIEF: "under 200 ms"
FAST_BOUND=20			# graceful stop, switchover
CPU_BOUND=0.5			# % of one core
RSS_BOUND_KB=4096		# 4 MiB

# ---- statistics: S[daemon.scenario.field] ----
# The statistics themselves are test/bench/stats's: each awk program below
# only picks the samples out of its TSV and pipes them, one "KEY<TAB>VALUE"
# a line, into `stats agg` (a sample that is no number only makes its key
# known); what it prints itself are counts, sums, lists and the worst run.
STATS=$(cd "$(dirname "$0")" && pwd)/stats
# The awk functions for that (st: the path of stats): agg(STATS) is the
# command that takes the samples of one list of statistics; done() closes
# each in turn at the end, closing waits for its output, so that the lines
# of the stats processes never interleave.
AWK_SAMPLES='
	function agg(sts) { cmds[sts] = "\"" st "\" agg " sts; return cmds[sts] }
	function done(    s) { fflush(); for (s in cmds) close(cmds[s]) }'

# Per daemon and scenario over the valid runs: n, median, max, min of the
# gap; medians of takeover (fault -> VIP added on the new master) and
# release (fault -> VIP deleted on the old master); the worst run's own
# numbers; lost and moved counts; invalid runs; the gaps in run order.
while IFS=$'\t' read -r key val; do
	S[$key]=$val
done < <(awk -F'\t' -v st="$STATS" "$AWK_SAMPLES"'
	NR == 1 { next }
	$2 == "round" { ab[$1]++; next }
	{
		k = $1 "." $2
		keys[k] = 1
		raw[k] = raw[k] (raw[k] == "" ? "" : " ") ($12 == "" ? "NA" : $12)
		if ($10 != 1 || $4 == "NA") {
			print k "\tNA" | agg("n med max min")
			bad[k]++; notes[k] = notes[k] (notes[k] == "" ? "" : "; ") "run " $3 ": " $11; list[k] = list[k] (list[k] == "" ? "" : " ") "(" $4 ")"; next
		}
		n[k]++
		print k "\t" $4 | agg("n med max min")
		list[k] = list[k] (list[k] == "" ? "" : " ") $4
		if (n[k] == 1 || $4 + 0 > mx[k]) { mx[k] = $4 + 0; wt[k] = $8; wr[k] = $9; wl[k] = $5; wc[k] = $13; wd[k] = $14; ww[k] = $15 }
		print k ".take\t" $8 | agg("med")
		print k ".rel\t" $9 | agg("med")
		print k ".cap\t" $13 | agg("med")
		print k ".capmax\t" $13 | agg("max")
		print k ".capdet\t" $14 | agg("med")
		print k ".capwait\t" (($14 != "" && $14 != "NA") ? $15 : "NA") | agg("med")
		if ($5 + 0 > lostmax[k]) lostmax[k] = $5 + 0
		if ($7 == "yes") moved[k]++
	}
	END {
		for (k in keys) {
			printf "%s.wtake\t%s\n%s.wrel\t%s\n%s.wlost\t%s\n", k, wt[k], k, wr[k], k, wl[k]
			printf "%s.wcap\t%s\n%s.wdet\t%s\n%s.wwait\t%s\n", k, wc[k], k, wd[k], k, ww[k]
			printf "%s.lost\t%d\n%s.moved\t%d\n%s.bad\t%d\n", k, lostmax[k], k, moved[k], k, bad[k]
			printf "%s.list\t%s\n%s.notes\t%s\n%s.raw\t%s\n", k, list[k], k, notes[k], k, raw[k]
		}
		for (d in ab) printf "%s.aborted\t%d\n", d, ab[d]
		done()
	}' "$RES/gaps.tsv")

# Scale: median and max of the time to the last VIP (address monitor and
# polling) and of the client gap on group 64's VIP.
while IFS=$'\t' read -r key val; do
	S[$key]=$val
done < <(awk -F'\t' -v st="$STATS" "$AWK_SAMPLES"'
	NR == 1 { next }
	{
		d = $1; ds[d] = 1
		if ($8 != 1) { bad[d]++; notes[d] = notes[d] (notes[d] == "" ? "" : "; ") "run " $2 ": " $9 }
		print d ".scale.n\tNA" | agg("n")
		if ($5 != "NA" && $6 == 256) {
			print d ".scale.n\t1" | agg("n")
			print d ".scale.last\t" $5 | agg("med"); print d ".scale.lastmax\t" $5 | agg("max")
			print d ".scale.first\t" $4 | agg("med")
			print d ".scale.burst\t" ($5 - $4) | agg("med"); print d ".scale.burstmax\t" ($5 - $4) | agg("max")
		}
		if ($3 != "NA") { print d ".scale.poll\t" $3 | agg("med"); print d ".scale.pollmax\t" $3 | agg("max") }
		if ($7 != "NA") { print d ".scale.gap\t" $7 | agg("med"); print d ".scale.gapmax\t" $7 | agg("max") }
		print d ".scale.lgstart\t" $10 | agg("med")
		print d ".scale.spread\t" $11 | agg("max")
		# The capture: per run the min / median / max heartbeat -> GARP
		# latency over the groups, and that of the first / last group.
		if ($12 != "" && $12 + 0 > 0) {
			print d ".scale.cap_n\t1" | agg("n")
			print d ".scale.cap_min\t" $13 | agg("min")
			print d ".scale.cap_med\t" $14 | agg("med")
			print d ".scale.cap_max\t" $15 | agg("max")
			print d ".scale.cap_first\t" $16 | agg("med")
			print d ".scale.cap_last\t" $17 | agg("med")
			if ($18 + 0 > 0) {
				print d ".scale.q_n\t1" | agg("n")
				print d ".scale.q_det\t" $19 | agg("med")
				print d ".scale.q_min\t" $20 | agg("min")
				print d ".scale.q_wait\t" $21 | agg("med")
				print d ".scale.q_max\t" $22 | agg("max")
			}
		}
	}
	END {
		for (d in ds) printf "%s.scale.bad\t%d\n%s.scale.notes\t%s\n", d, bad[d], d, notes[d]
		done()
	}' "$RES/scale.tsv")

# Idle: one line per daemon and node (the fields are read through ${!f}).
# shellcheck disable=SC2034
while IFS=$'\t' read -r d n role cpu hwm rss anon file np win ticks sched pss top; do
	[ "$d" = daemon ] && continue
	for f in role cpu hwm rss anon file np win ticks sched pss top; do
		S[$d.idle.$n.$f]=${!f}
	done
done <"$RES/idle.tsv"
# Idle at 64 groups (idle64.tsv, when the bench ran that part): the same fields.
# shellcheck disable=SC2034
[ -r "$RES/idle64.tsv" ] && while IFS=$'\t' read -r d n role cpu hwm rss anon file np win ticks sched pss top; do
	[ "$d" = daemon ] && continue
	for f in role cpu hwm rss anon file np win ticks sched pss top; do
		S[$d.idle64.$n.$f]=${!f}
	done
done <"$RES/idle64.tsv"

# Fence: the median and max of the fence's own time over the valid runs.
if [ -f "$RES/fence.tsv" ]; then
	while IFS=$'\t' read -r key val; do
		S[$key]=$val
	done < <(awk -F'\t' '
		NR > 1 && $3 == 1 && $2 != "NA" { n++; t[n] = $2 + 0 }
		END {
			if (n == 0) exit
			for (i = 2; i <= n; i++) { x = t[i]; for (j = i - 1; j >= 1 && t[j] > x; j--) t[j + 1] = t[j]; t[j + 1] = x }
			printf "vipd.fence.own\t%s\n", (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
			printf "vipd.fence.ownmax\t%s\n", t[n]
		}' "$RES/fence.tsv")
fi

# get KEY [DEFAULT] - a statistic, or DEFAULT [NA] when there is none.
get() {
	local v=${S[$1]:-}
	[ -n "$v" ] && echo "$v" || echo "${2-NA}"
}

# fmt VALUE [DECIMALS] - a number with DECIMALS [1] decimals, NA as "–".
fmt() {
	"$STATS" fmt "$@"
}

# ratio A B - "A/B x" or "–".
ratio() {
	"$STATS" ratio "$1" "$2"
}

# lt VALUE BOUND - true if VALUE is a number below BOUND.
lt() {
	awk -v v="$1" -v b="$2" 'BEGIN { exit !(v ~ /^[0-9.]+$/ && v + 0 < b + 0) }'
}

# judge VALUE BOUND - PASS / FAIL / "no data".
judge() {
	case $1 in NA | '') echo "no data"; return ;; esac
	lt "$1" "$2" && echo PASS || echo FAIL
}

NPASS=0 NFAIL=0 NNODATA=0
TROWS=()
WHY=()
# target NAME BOUND_TEXT MEASURED_TEXT RESULT [WHY] - one row of the targets
# table; WHY (for a FAIL) goes into the "misses explained" list.
target() {
	TROWS+=("| $1 | $2 | $3 | **$4** |")
	case $4 in
	PASS) NPASS=$((NPASS + 1)) ;;
	FAIL) NFAIL=$((NFAIL + 1)); [ -n "${5:-}" ] && WHY+=("- **$1**: $5") ;;
	*) NNODATA=$((NNODATA + 1)) ;;
	esac
}

# crash_cap_text - what the capture of the crash runs says about vipd.
crash_cap_text() {
	[ "$(get $v.crash.wcap)" = NA ] && return
	printf ' Packet capture on the new master in the worst run: %s ms from the last heartbeat heard to the first gratuitous ARP' "$(fmt "$(get $v.crash.wcap)")"
	if [ "$(get $v.crash.wdet)" != NA ]; then
		printf ', of which %s ms until vipd sent its ARP probe for the VIP (the detection) and %s ms from the probe to the announcement (medians over all runs: %s and %s ms)' \
			"$(fmt "$(get $v.crash.wdet)")" "$(fmt "$(get $v.crash.wwait)")" \
			"$(fmt "$(get $v.crash.capdet)")" "$(fmt "$(get $v.crash.capwait)")"
	fi
	printf '.'
}

# cap_text DAEMON - what the scale runs' packet capture says, one sentence.
cap_text() {
	[ "$(get "$1.scale.cap_n" 0)" = 0 ] && return
	printf ' Packet capture on the new master (tcpdump, kernel time stamps), from each group'"'"'s last heartbeat to its first gratuitous ARP: %s to %s ms over the groups (median of the runs'"'"' medians %s ms); the first group to take over needed %s ms, the last %s ms (medians over the runs): the groups, whose heartbeats run nearly in phase, time out together and are taken over one after another, about %s ms each.' \
		"$(fmt "$(get "$1.scale.cap_min")")" "$(fmt "$(get "$1.scale.cap_max")")" \
		"$(fmt "$(get "$1.scale.cap_med")")" "$(fmt "$(get "$1.scale.cap_first")")" \
		"$(fmt "$(get "$1.scale.cap_last")")" \
		"$(awk -v f="$(get "$1.scale.cap_first")" -v l="$(get "$1.scale.cap_last")" \
			'BEGIN { if (f ~ /^[0-9.]+$/ && l ~ /^[0-9.]+$/) printf "%.2f", (l - f) / 63; else printf "?" }')"
	[ "$(get "$1.scale.q_n" 0)" = 0 ] && return
	printf ' Before claiming, %s sends an ARP probe for its VIPs ("who-has VIP tell 0.0.0.0") and waits: last heartbeat → probe %s ms (median: the detection, on time), probe → first gratuitous ARP %s to %s ms (median %s ms): the wait and the takeovers queued behind it.' \
		"$1" "$(fmt "$(get "$1.scale.q_det")")" "$(fmt "$(get "$1.scale.q_min")")" \
		"$(fmt "$(get "$1.scale.q_max")")" "$(fmt "$(get "$1.scale.q_wait")")"
}

# ---- targets ----

v=vipd k=keepalived
crash_max=$(get $v.crash.max)
crash_why="worst run: gap $(fmt "$crash_max") ms; the VIP was on the new master $(fmt "$(get $v.crash.wtake)") ms after the cable was pulled (detection: the dead interval of ${DEAD} ms plus a skew below $((IV / 10)) ms, counted from the last heartbeat heard, which left up to one interval before the fault), and the client was answered $(awk -v g="$crash_max" -v t="$(get $v.crash.wtake)" 'BEGIN { if (t ~ /^[0-9.]+$/) printf "%.1f", g - t; else printf "?" }') ms after that (announcement, the client's ARP update, probe spacing of ${M[probe_ms]} ms). Median takeover $(fmt "$(get $v.crash.take)") ms vs keepalived $(fmt "$(get $k.crash.take)") ms.$(crash_cap_text)"
target "Crash of the master: gap within interval × misses + 20 ms" "< ${CRASH_BOUND} ms (every run)" \
	"max $(fmt "$crash_max") ms, median $(fmt "$(get $v.crash.med)") ms" \
	"$(judge "$crash_max" "$CRASH_BOUND")" "$crash_why"
target "Crash of the master: under 200 ms" "< ${CRASH_HARD} ms (every run)" \
	"max $(fmt "$crash_max") ms" "$(judge "$crash_max" "$CRASH_HARD")" "$crash_why"
for sc in graceful switchover; do
	name="Graceful stop (SIGTERM) of the master"
	[ $sc = switchover ] && name="\`vipctl switchover\`"
	mx=$(get $v.$sc.max)
	target "$name: gap" "< ${FAST_BOUND} ms (every run)" \
		"max $(fmt "$mx") ms, median $(fmt "$(get $v.$sc.med)") ms" "$(judge "$mx" "$FAST_BOUND")" \
		"worst run: gap $(fmt "$mx") ms ($(get $v.$sc.wlost) probes lost); the old master had removed the VIP $(fmt "$(get $v.$sc.wrel)") ms and the new one added it $(fmt "$(get $v.$sc.wtake)") ms after the request, so the address was absent for $(awk -v a="$(get $v.$sc.wtake)" -v r="$(get $v.$sc.wrel)" 'BEGIN { if (a ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/) printf "%.1f", a - r; else printf "?" }') ms (times are when \`ip monitor\` printed the events, a few ms late on a busy machine); the rest is the announcement reaching the client and the probe spacing."
done
rn=$(get $v.return.n 0)
rlost=$(get $v.return.lost 0)
rmoved=$(get $v.return.moved 0)
if [ "$rn" = 0 ]; then
	rres="no data"
elif [ "$rlost" = 0 ] && [ "$rmoved" = 0 ]; then
	rres=PASS
else
	rres=FAIL
fi
target "Returning node: zero further interruption" "0 probes lost, VIP not moved" \
	"max $rlost lost, moved in $rmoved of $rn runs" "$rres" \
	"the returning node disturbed the holder: up to $rlost probes lost, the VIP moved in $rmoved of $rn runs (gaps: $(get $v.return.list))."
for n in a b; do
	cpu=$(get $v.idle.$n.cpu)
	role=$(get $v.idle.$n.role "node $n")
	target "Idle CPU at 20 heartbeats/s ($role)" "< ${CPU_BOUND} % of one core" \
		"$(fmt "$cpu" 3) % (exact: $(fmt "$(get $v.idle.$n.sched)" 3) %)" "$(judge "$cpu" "$CPU_BOUND")" \
		"$(get $v.idle.$n.ticks) clock ticks of utime + stime in $(get $v.idle.$n.win) s; the scheduler's exact count (schedstat) says $(fmt "$(get $v.idle.$n.sched)" 3) %, i.e. $(awk -v p="$(get $v.idle.$n.sched)" 'BEGIN { if (p ~ /^[0-9.]+$/) printf "%.0f", p * 10000 / 40; else printf "?" }') µs of CPU per heartbeat sent or received (40 per second)."
done
for n in a b; do
	hwm=$(get $v.idle.$n.hwm)
	role=$(get $v.idle.$n.role "node $n")
	target "Resident memory ($role, VmHWM)" "< 4 MiB (${RSS_BOUND_KB} kB)" \
		"$(fmt "$hwm" 0) kB (PSS $(fmt "$(get $v.idle.$n.pss)" 0) kB)" "$(judge "$hwm" "$RSS_BOUND_KB")" \
		"VmHWM $(get $v.idle.$n.hwm) kB = anonymous (heap, stacks, data) $(get $v.idle.$n.anon) kB + file-backed $(get $v.idle.$n.file) kB: the pages of shared libraries the process touched, which other processes share (PSS, the proportional share, is $(get $v.idle.$n.pss) kB). Largest mappings (kB): $(get $v.idle.$n.top | sed 's/,/, /g')."
done
slast=$(get $v.scale.lastmax)
target "Scale 64 × 4: last of 256 VIPs on the new master after a crash" "< ${CRASH_BOUND} ms (every run)" \
	"max $(fmt "$slast") ms, median $(fmt "$(get $v.scale.last)") ms" "$(judge "$slast" "$CRASH_BOUND")" \
	"every group detects the crash on its own timer, started by its own last heartbeat: the first group began adding its VIPs after $(fmt "$(get $v.scale.first)") ms, the last group after $(fmt "$(get $v.scale.lgstart)") ms (medians), and one group took at most $(fmt "$(get $v.scale.spread)") ms from its first to its fourth address; the last of the 256 was in place after $(fmt "$(get $v.scale.last)") ms (median; worst run $(fmt "$slast") ms). A group times out $((DEAD + (256 - 90) * IV / 2560)) ms after its last heartbeat (dead interval + skew at priority 90), and that heartbeat came before the cable was pulled, so the time a group begins beyond $((DEAD + (256 - 90) * IV / 2560)) ms is latency: the daemon's work between the timeout and the address (a probe and its wait, if any, netlink, and the groups queued before it), on a shared 2-core machine. The detection itself already uses up ${DEAD} of the ${CRASH_BOUND} ms, which leaves 20 ms for 64 groups' takeovers.$(cap_text $v) keepalived under the same conditions: last group began $(fmt "$(get $k.scale.lgstart)") ms, last VIP $(fmt "$(get $k.scale.last)") ms.$(cap_text $k)"
sburst=$(get $v.scale.burstmax)
target "Scale 64 × 4: the last of 256 VIPs within 10 ms of the first" "≤ 10 ms (every run)" \
	"max $(fmt "$sburst") ms, median $(fmt "$(get $v.scale.burst)") ms" "$(judge "$sburst" 10.05)" \
	"the 64 groups time out together, one interval after the bundle that carried their last heartbeats; in the worst run the new master's address monitor saw the first VIP after $(fmt "$(get $v.scale.first)") ms (median) and the 256th $(fmt "$sburst") ms after it: groups that missed the first netlink batch wait for it to be done."
sgap=$(get $v.scale.gapmax)
target "Scale 64 × 4: client gap on group 64's VIP after a crash" "< ${CRASH_BOUND} ms (every run)" \
	"max $(fmt "$sgap") ms, median $(fmt "$(get $v.scale.gap)") ms" "$(judge "$sgap" "$CRASH_BOUND")" \
	"the VIP of the last group was answered again only after $(fmt "$sgap") ms; the last of the 256 addresses was in place after $(fmt "$slast") ms."

# ---- flood: F[daemon.rate.field], medians over the runs ----
declare -A F
FRATES=
if [ -f "$RES/flood.tsv" ]; then
	while IFS=$'\t' read -r key val; do
		F[$key]=$val
	done < <(awk -F'\t' -v st="$STATS" "$AWK_SAMPLES"'
		NR == 1 { next }
		{
			k = $1 "." $2; keys[k] = 1
			print k ".n\t1" | agg("n")
			print k ".cpu_m\t" sprintf("%.17g", $6 + 0) | agg("med")
			print k ".cpu_b\t" sprintf("%.17g", $7 + 0) | agg("med")
			print k ".rate\t" (($4 != "NA" && $5 + 0 > 0) ? sprintf("%.17g", $4 / $5) : "NA") | agg("med")
			print k ".hb\t" (($12 != "NA" && $5 + 0 > 0) ? sprintf("%.17g", $12 / $5) : "NA") | agg("med")
			ev[k] += $8; if ($9 != 1) uns[k]++
			if ($10 != "NA") tr[k] += $10
			if ($11 != "NA" && (!(k in dr) || $11 + 0 > dr[k])) dr[k] = $11 + 0
			if ($13 != "NA") rej[k] += $13 + $14
			if ($4 != "NA") sent[k] += $4 * 2
		}
		END {
			for (k in keys) {
				printf "%s.ev\t%d\n%s.uns\t%d\n", k, ev[k], k, uns[k]
				printf "%s.tr\t%s\n%s.drops\t%s\n", k, (k in tr) ? tr[k] : "NA", k, (k in dr) ? dr[k] : "NA"
				printf "%s.rej\t%s\n%s.sent2\t%s\n", k, (k in rej) ? rej[k] : "NA", k, (k in sent) ? sent[k] : "NA"
			}
			done()
		}' "$RES/flood.tsv")
	FRATES=$(awk -F'\t' 'NR > 1 { print $2 }' "$RES/flood.tsv" | sort -nu | tr '\n' ' ')
fi
# fget KEY - F[KEY], NA if missing; fnum KEY - the same, 0 for NA.
fget() {
	local x=${F[$1]:-NA}
	echo "${x:-NA}"
}
fnum() {
	local x
	x=$(fget "$1")
	[ "$x" = NA ] && x=0
	echo "$x"
}
if [ -n "$FRATES" ]; then
	fruns=0 fev=0 ftr=0 ftop=0
	for r in $FRATES; do
		fruns=$((fruns + $(fnum vipd.$r.n)))
		fev=$((fev + $(fnum vipd.$r.ev) + $(fnum vipd.$r.uns)))
		ftr=$((ftr + $(fnum vipd.$r.tr)))
		ftop=$r
	done
	fres=PASS
	[ $((fev + ftr)) = 0 ] || fres=FAIL
	{ [ "$fruns" = 0 ] || [ "$ftop" -lt 100000 ]; } && fres="no data"
	target "Flood of forged heartbeats (wrong MAC) from a LAN host at 100,000 packets/s: zero false failovers" \
		"0 transitions, 0 VIP moves, at every rate" \
		"$fruns windows over rates ${FRATES}/s: $ftr transitions, $fev VIP moves" \
		"$fres" "the flood moved the VIP or changed a state ($ftr transitions, $fev VIP events or unsettled ends)."
fi

# flood_table - the flood rows: per rate, each daemon's CPU on both nodes,
# false failovers, and (vipd) what it counted.
flood_table() {
	local r fb=
	[ -n "$FRATES" ] || return 0
	[ "${M[flood_bundle]:-0}" -gt 0 ] 2>/dev/null &&
		fb=" Here vipd's forgeries were bundles (version 3) of ${M[flood_bundle]} records,
one HMAC over $((80 + 64 * M[flood_bundle])) bytes each (hbflood -b)."
	cat <<EOF
## Flood of forged heartbeats from a LAN host

The pair settled (a master, b backup, ${IV} ms × ${MISSES}), then a flood from the
client namespace for ${M[flood_s]:-?} s at each rate (test/tools/hbflood: sendmmsg,
paced against the clock): for vipd, heartbeats of the current wire format built with
\`proto_encode()\` and a random key — right length, magic, version, group id
and TTL 255, wrong MAC — to its multicast group, so each one costs the
receiver an HMAC; for keepalived, VRRPv3 adverts with a valid checksum and
TTL 255 to 224.0.0.18 for VRID 254, which it does not run (VRRPv3 has no
authentication: an advert for its own VRID would be believed, so a wrong
VRID is the closest forgery). Both nodes receive the whole flood. The
sender shares the nodes' two cores (on a real LAN the flood costs another
machine's CPU), and the kernel's delivery of every datagram to both nodes
runs in its context: where the machine cannot keep up, the sent rate
column says what was reached.${fb} CPU is
utime + stime over the window, % of one core (keepalived: parent + VRRP
child), medians over ${M[flood_runs]:-?} runs, the daemons taking turns. VIP moves
count the VIP's address events on either node, plus windows after which
the pair was not settled as before.

| Flood rate /s (sent /s, median) | vipd CPU master | vipd CPU backup | keepalived CPU master | keepalived CPU backup | vipd / keepalived (master) | vipd transitions / VIP moves (all runs) | keepalived VIP moves (all runs) | vipd kernel drops, both nodes (worst run) | heartbeats heard by vipd's backup (/s) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
	for r in $FRATES; do
		printf '| %s (%s) | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |\n' "$r" \
			"$(fmt "$(fget vipd.$r.rate)" 0)" \
			"$(fmt "$(fget vipd.$r.cpu_m)" 1)" "$(fmt "$(fget vipd.$r.cpu_b)" 1)" \
			"$(fmt "$(fget keepalived.$r.cpu_m)" 1)" "$(fmt "$(fget keepalived.$r.cpu_b)" 1)" \
			"$(ratio "$(fget vipd.$r.cpu_m)" "$(fget keepalived.$r.cpu_m)")" \
			"$(fget vipd.$r.tr)" "$(($(fnum vipd.$r.ev) + $(fnum vipd.$r.uns)))" \
			"$(($(fnum keepalived.$r.ev) + $(fnum keepalived.$r.uns)))" \
			"$(fget vipd.$r.drops)" "$(fmt "$(fget vipd.$r.hb)" 1)"
	done
	echo
	printf 'vipd rejected'
	for r in $FRATES; do
		printf ' %s of the %s forgeries both nodes received at %s/s;' "$(fget vipd.$r.rej)" \
			"$(fget vipd.$r.sent2)" "$r"
	done
	echo ' the rest, if any, are among the kernel drops.'
	echo
}

# margin_text - the crash target's margin in the worst phase, from the
# capture: a cable pulled just after a heartbeat costs the client about the
# time from that heartbeat to the first gratuitous ARP.
margin_text() {
	local c m
	c=$(get $v.crash.cap) m=$(get $v.crash.capmax)
	[ "$c" = NA ] && return
	echo "### Margin of the crash target"
	echo
	printf -- '- The crash gap depends on where in the heartbeat interval the cable is pulled. From the last heartbeat the new master heard to its first gratuitous ARP, vipd took %s ms (median; %s ms at most over %s runs, packet capture)%s; keepalived %s ms. That is what a client loses when the master dies just after a heartbeat, the worst phase; so the worst case is %s the bound of %s ms.\n\n' \
		"$(fmt "$c")" "$(fmt "$m")" "$(get $v.crash.n 0)" \
		"$([ "$(get $v.crash.capdet)" != NA ] && echo ", of which $(fmt "$(get $v.crash.capwait)") ms between its ARP probe and the announcement")" \
		"$(fmt "$(get $k.crash.cap)")" \
		"$(if lt "$m" "$CRASH_BOUND"; then echo "within"; else echo "**over**"; fi)" "$CRASH_BOUND"
}

# ---- tables ----

# results_table - the main table, Markdown (printed on stdout as well).
results_table() {
	local sc name kmed kmax
	echo "| Scenario (client-observed gap, ms) | vipd median | vipd max | keepalived median | keepalived max | vipd / keepalived (median) |"
	echo "|---|---:|---:|---:|---:|---:|"
	for sc in crash graceful switchover return; do
		case $sc in
		crash) name="(a) master crash: cable pulled, then SIGKILL" ;;
		graceful) name="(b) graceful stop: SIGTERM of the master" ;;
		switchover) name="(c) planned switchover: \`vipctl switchover\`" ;;
		return) name="(d) returning node (no preemption)" ;;
		esac
		if [ $sc = switchover ]; then
			kmed="n/a" kmax="n/a"
		else
			kmed=$(fmt "$(get $k.$sc.med)") kmax=$(fmt "$(get $k.$sc.max)")
		fi
		printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$(fmt "$(get $v.$sc.med)")" \
			"$(fmt "$(get $v.$sc.max)")" "$kmed" "$kmax" \
			"$(if [ $sc = switchover ]; then echo "n/a"; else ratio "$(get $v.$sc.med)" "$(get $k.$sc.med)"; fi)"
	done
	printf '| (d) returning node: probes lost (max) / VIP moved | %s / %s of %s | | %s / %s of %s | | |\n' \
		"$(get $v.return.lost 0)" "$(get $v.return.moved 0)" "$(get $v.return.n 0)" \
		"$(get $k.return.lost 0)" "$(get $k.return.moved 0)" "$(get $k.return.n 0)"
	if [ -n "$(get $v.fence.list "")" ]; then
		printf '| (e) master crash as (a), with a fence before the takeover (vipd only; the fence itself: median %s, max %s) | %s | %s | n/a | n/a | n/a |\n' \
			"$(fmt "$(get $v.fence.own)")" "$(fmt "$(get $v.fence.ownmax)")" \
			"$(fmt "$(get $v.fence.med)")" "$(fmt "$(get $v.fence.max)")"
	fi
	printf '| 64 × 4 crash: last of 256 VIPs on the new master (ms) | %s | %s | %s | %s | %s |\n' \
		"$(fmt "$(get $v.scale.last)")" "$(fmt "$(get $v.scale.lastmax)")" \
		"$(fmt "$(get $k.scale.last)")" "$(fmt "$(get $k.scale.lastmax)")" \
		"$(ratio "$(get $v.scale.last)" "$(get $k.scale.last)")"
	printf '| 64 × 4 crash: client gap on group 64'"'"'s VIP (ms) | %s | %s | %s | %s | %s |\n' \
		"$(fmt "$(get $v.scale.gap)")" "$(fmt "$(get $v.scale.gapmax)")" \
		"$(fmt "$(get $k.scale.gap)")" "$(fmt "$(get $k.scale.gapmax)")" \
		"$(ratio "$(get $v.scale.gap)" "$(get $k.scale.gap)")"
	echo
	echo "| Idle, 1 group at 20 heartbeats/s | vipd master | vipd backup | keepalived master | keepalived backup | vipd / keepalived (master) |"
	echo "|---|---:|---:|---:|---:|---:|"
	printf '| CPU %% of one core (utime + stime) | %s | %s | %s | %s | %s |\n' \
		"$(fmt "$(get $v.idle.a.cpu)" 3)" "$(fmt "$(get $v.idle.b.cpu)" 3)" \
		"$(fmt "$(get $k.idle.a.cpu)" 3)" "$(fmt "$(get $k.idle.b.cpu)" 3)" \
		"$(ratio "$(get $v.idle.a.cpu)" "$(get $k.idle.a.cpu)")"
	printf '| CPU %% of one core (schedstat, exact) | %s | %s | %s | %s | %s |\n' \
		"$(fmt "$(get $v.idle.a.sched)" 3)" "$(fmt "$(get $v.idle.b.sched)" 3)" \
		"$(fmt "$(get $k.idle.a.sched)" 3)" "$(fmt "$(get $k.idle.b.sched)" 3)" \
		"$(ratio "$(get $v.idle.a.sched)" "$(get $k.idle.a.sched)")"
	printf '| peak RSS, VmHWM (kB) | %s | %s | %s | %s | %s |\n' \
		"$(get $v.idle.a.hwm)" "$(get $v.idle.b.hwm)" "$(get $k.idle.a.hwm)" "$(get $k.idle.b.hwm)" \
		"$(ratio "$(get $v.idle.a.hwm)" "$(get $k.idle.a.hwm)")"
	printf '| … of which anonymous / file-backed (kB) | %s / %s | %s / %s | %s / %s | %s / %s | |\n' \
		"$(get $v.idle.a.anon)" "$(get $v.idle.a.file)" "$(get $v.idle.b.anon)" "$(get $v.idle.b.file)" \
		"$(get $k.idle.a.anon)" "$(get $k.idle.a.file)" "$(get $k.idle.b.anon)" "$(get $k.idle.b.file)"
	printf '| PSS, proportional share (kB) | %s | %s | %s | %s | %s |\n' \
		"$(get $v.idle.a.pss)" "$(get $v.idle.b.pss)" "$(get $k.idle.a.pss)" "$(get $k.idle.b.pss)" \
		"$(ratio "$(get $v.idle.a.pss)" "$(get $k.idle.a.pss)")"
	printf '| processes measured | %s | %s | %s | %s | |\n' \
		"$(get $v.idle.a.np)" "$(get $v.idle.b.np)" "$(get $k.idle.a.np)" "$(get $k.idle.b.np)"
	echo
	echo "| Idle, 64 groups × 4 VIPs at 20 heartbeats/s (keepalived: 64 instances) | vipd master | vipd backup | keepalived master | keepalived backup | vipd / keepalived (master; target ≤ 0.25) |"
	echo "|---|---:|---:|---:|---:|---:|"
	printf '| CPU %% of one core (utime + stime) | %s | %s | %s | %s | %s |\n' \
		"$(fmt "$(get $v.idle64.a.cpu)" 3)" "$(fmt "$(get $v.idle64.b.cpu)" 3)" \
		"$(fmt "$(get $k.idle64.a.cpu)" 3)" "$(fmt "$(get $k.idle64.b.cpu)" 3)" \
		"$(ratio "$(get $v.idle64.a.cpu)" "$(get $k.idle64.a.cpu)")"
	printf '| CPU %% of one core (schedstat, exact) | %s | %s | %s | %s | %s |\n' \
		"$(fmt "$(get $v.idle64.a.sched)" 3)" "$(fmt "$(get $v.idle64.b.sched)" 3)" \
		"$(fmt "$(get $k.idle64.a.sched)" 3)" "$(fmt "$(get $k.idle64.b.sched)" 3)" \
		"$(ratio "$(get $v.idle64.a.sched)" "$(get $k.idle64.a.sched)")"
	printf '| peak RSS, VmHWM (kB) | %s | %s | %s | %s | %s |\n' \
		"$(get $v.idle64.a.hwm)" "$(get $v.idle64.b.hwm)" "$(get $k.idle64.a.hwm)" "$(get $k.idle64.b.hwm)" \
		"$(ratio "$(get $v.idle64.a.hwm)" "$(get $k.idle64.a.hwm)")"
}

# breakdown_table - what the gaps are made of (medians).
breakdown_table() {
	local d sc
	echo "| Scenario | Daemon | gap (median) | fault → VIP added on the new master | fault → VIP removed from the old master | last heartbeat → first gratuitous ARP (capture) |"
	echo "|---|---|---:|---:|---:|---|"
	for sc in crash graceful switchover; do
		for d in vipd keepalived; do
			[ "$(get $d.$sc.n 0)" = 0 ] && continue
			local c=–
			[ "$(get $d.$sc.cap)" != NA ] && c=$(fmt "$(get $d.$sc.cap)")
			[ "$(get $d.$sc.capdet)" != NA ] &&
				c="$c (→ ARP probe $(fmt "$(get $d.$sc.capdet)"), probe → GARP $(fmt "$(get $d.$sc.capwait)"))"
			printf '| %s | %s | %s | %s | %s | %s |\n' "$sc" "$d" "$(fmt "$(get $d.$sc.med)")" \
				"$(fmt "$(get $d.$sc.take)")" "$(fmt "$(get $d.$sc.rel)")" "$c"
		done
	done
	for d in vipd keepalived; do
		[ "$(get $d.scale.n 0)" = 0 ] && continue
		printf '| 64 × 4 crash | %s | %s (group 64) | first VIP %s, last group began %s, last VIP %s (polling saw it after %s); one group needed ≤ %s for its 4 VIPs | – | – |\n' \
			"$d" "$(fmt "$(get $d.scale.gap)")" "$(fmt "$(get $d.scale.first)")" \
			"$(fmt "$(get $d.scale.lgstart)")" "$(fmt "$(get $d.scale.last)")" \
			"$(fmt "$(get $d.scale.poll)" 0)" "$(fmt "$(get $d.scale.spread)")"
		[ "$(get $d.scale.cap_n 0)" != 0 ] &&
			printf '| 64 × 4 crash, per group | %s | – | – | – | min %s, median %s, max %s; the first group to announce %s, the last %s%s |\n' \
				"$d" "$(fmt "$(get $d.scale.cap_min)")" "$(fmt "$(get $d.scale.cap_med)")" \
				"$(fmt "$(get $d.scale.cap_max)")" "$(fmt "$(get $d.scale.cap_first)")" \
				"$(fmt "$(get $d.scale.cap_last)")" \
				"$([ "$(get $d.scale.q_n 0)" != 0 ] && echo "; → ARP probe $(fmt "$(get $d.scale.q_det)"), probe → GARP $(fmt "$(get $d.scale.q_min)")..$(fmt "$(get $d.scale.q_max)") (median $(fmt "$(get $d.scale.q_wait)"))")"
	done
}

# runs_table - every run's gap, in run order; invalid runs in parentheses.
runs_table() {
	local d sc
	echo "| Scenario | Daemon | valid runs | gaps in run order (ms) | the probe's raw max_gap_ms, same runs |"
	echo "|---|---|---:|---|---|"
	for sc in crash graceful switchover return fence; do
		for d in vipd keepalived; do
			[ -n "$(get $d.$sc.list "")" ] || continue
			printf '| %s | %s | %s | %s | %s |\n' "$sc" "$d" "$(get $d.$sc.n 0)" "$(get $d.$sc.list)" \
				"$(get $d.$sc.raw)"
		done
	done
}

# problems - invalid or aborted runs, with their notes.
problems() {
	local d sc any=
	for d in vipd keepalived; do
		for sc in crash graceful switchover return fence; do
			if [ "$(get $d.$sc.bad 0)" != 0 ]; then
				echo "- $d $sc: $(get $d.$sc.bad) invalid run(s) left out of the statistics: $(get $d.$sc.notes)"
				any=1
			fi
		done
		if [ "$(get $d.aborted 0)" != 0 ]; then
			echo "- $d: $(get $d.aborted) failover round(s) aborted (a bounded wait ran out; see the bench's log lines)"
			any=1
		fi
		if [ "$(get $d.scale.bad 0)" != 0 ]; then
			echo "- $d 64 × 4: $(get $d.scale.bad) run(s) with a problem: $(get $d.scale.notes)"
			any=1
		fi
	done
	[ -n "${M[skipped]:-}" ] && { echo "- skipped after BENCH_DEADLINE_S: ${M[skipped]}"; any=1; }
	[ -n "$any" ] || echo "- none: every run of every scenario was valid."
}

# ---- the plot ----

plot() {
	local dat=$RES/plot d sc x off ymax
	mkdir -p "$dat"
	awk -F'\t' -v dir="$dat" -v runs="$RUNS" '
		NR == 1 || $2 == "round" || $10 != 1 || $4 == "NA" { next }
		{
			x = ($2 == "crash") ? 1 : ($2 == "graceful") ? 2 : ($2 == "switchover") ? 3 : ($2 == "return") ? 4 : 5
			off = ($1 == "vipd") ? -0.17 : 0.17
			jit = (runs > 1) ? ($3 - (runs + 1) / 2) * 0.16 / runs : 0
			g = ($4 + 0 < 1) ? 1 : $4 + 0
			print x + off + jit, g > (dir "/" $1 ".dat")
		}' "$RES/gaps.tsv"
	: >"$dat/med.dat"
	for d in vipd keepalived; do
		touch "$dat/$d.dat"
		off=-0.17
		[ $d = keepalived ] && off=0.17
		x=1
		for sc in crash graceful switchover return fence; do
			m=$(get $d.$sc.med)
			[ "$m" != NA ] && awk -v x=$x -v o=$off -v m="$m" \
				'BEGIN { printf "%.3f %s 0.2 0\n", x + o - 0.1, (m < 1 ? 1 : m) }' >>"$dat/med.dat"
			x=$((x + 1))
		done
	done
	ymax=$(cat "$dat/vipd.dat" "$dat/keepalived.dat" | awk 'BEGIN { m = 200 } $2 > m { m = $2 } END { print m * 1.6 }')
	gnuplot <<EOF
set terminal pngcairo size 960,540 font "sans,10"
set output "$PNG"
set title "Client-observed gap per run: ${M[runs]} runs, heartbeat ${IV} ms × ${MISSES}, probe every ${M[probe_ms]} ms (${M[date]})"
set ylabel "gap (ms, log scale)"
set logscale y
set yrange [0.8:$ymax]
set xrange [0.4:5.6]
set xtics ("(a) master crash" 1, "(b) graceful stop" 2, "(c) vipctl switchover\n(vipd only)" 3, "(d) returning node" 4, "(e) crash with a fence\n(vipd only)" 5)
set grid ytics
set bmargin 4
set key top right box opaque
set arrow 1 from 0.55,$CRASH_BOUND to 1.45,$CRASH_BOUND nohead dt 2 lw 1.5 lc rgb "#d62728"
set arrow 2 from 1.55,$FAST_BOUND to 2.45,$FAST_BOUND nohead dt 2 lw 1.5 lc rgb "#d62728"
set arrow 3 from 2.55,$FAST_BOUND to 3.45,$FAST_BOUND nohead dt 2 lw 1.5 lc rgb "#d62728"
plot "$dat/vipd.dat" using 1:2 with points pt 7 ps 1.0 lc rgb "#1f77b4" title "vipd", \
     "$dat/keepalived.dat" using 1:2 with points pt 5 ps 0.9 lc rgb "#ff7f0e" title "keepalived", \
     "$dat/med.dat" using 1:2:3:4 with vectors nohead lw 2.5 lc rgb "#333333" title "median", \
     NaN with lines dt 2 lw 1.5 lc rgb "#d62728" title "target (BRIEF)"
EOF
}

# ---- output ----

SUMMARY=$(printf 'bench: crash vipd %s ms vs keepalived %s ms (%s), graceful %s ms vs %s ms (%s), switchover %s ms, returning node %s lost/%s moved, idle CPU %s%% vs %s%%, RSS %s kB vs %s kB, 64x4 last VIP %s ms vs %s ms; targets %d PASS, %d FAIL' \
	"$(fmt "$(get $v.crash.med)")" "$(fmt "$(get $k.crash.med)")" \
	"$(ratio "$(get $v.crash.med)" "$(get $k.crash.med)")" \
	"$(fmt "$(get $v.graceful.med)")" "$(fmt "$(get $k.graceful.med)")" \
	"$(ratio "$(get $v.graceful.med)" "$(get $k.graceful.med)")" \
	"$(fmt "$(get $v.switchover.med)")" \
	"$(get $v.return.lost –)" "$(get $v.return.moved –)" \
	"$(fmt "$(get $v.idle.a.cpu)" 2)" "$(fmt "$(get $k.idle.a.cpu)" 2)" \
	"$(get $v.idle.a.hwm)" "$(get $k.idle.a.hwm)" \
	"$(fmt "$(get $v.scale.last)")" "$(fmt "$(get $k.scale.last)")" "$NPASS" "$NFAIL")
[ "$NNODATA" != 0 ] && SUMMARY="$SUMMARY, $NNODATA without data"

plot_ok=1
plot 2>"$RES/gnuplot.err" || plot_ok=0
[ -s "$PNG" ] || plot_ok=0
[ "$plot_ok" = 1 ] || { echo "# report: gnuplot failed:" >&2; cat "$RES/gnuplot.err" >&2; }

{
	cat <<EOF
# vipd benchmark: failover against keepalived

Generated by \`make bench\` (test/bench/run.sh) on ${M[date]}; do not edit by
hand, run it again. ${M[quick]:+$([ "${M[quick]}" = 1 ] && echo "**This is a BENCH_QUICK=1 smoke run: one run per scenario, a short idle window; not for comparison.**")}

vipd and keepalived run one after the other in the same invocation, in the
same network-namespace lab (test/netns/lib.sh: two nodes and a client "phone"
on one bridge), with the same timing. A client in its own namespace sends a
UDP probe to the VIP every ${M[probe_ms]} ms (test/tools/probe.c); both nodes
run an echo server that answers from the VIP only while it holds it. The
*gap* of a run is the longest stretch between two answered probes that lost
probes or spans the change of the answering node: what a phone notices of
the failover (0 when nothing was lost and nothing moved). Stretches in which
the client itself was late to send on the busy machine but nothing was lost
are not counted; the probe's raw \`max_gap_ms\`, which includes them, is in
"Every run". Medians and maxima are over the valid runs of each scenario.

## Settings

| | |
|---|---|
| heartbeat / advertisement interval | ${IV} ms (20 per second) |
| misses | ${MISSES} (vipd \`misses = ${MISSES}\`; VRRP: 3 adverts + skew, by the RFC) → dead interval ${DEAD} ms + skew |
| runs per scenario | ${M[runs]} (64 × 4 crash: ${M[scale_runs]}) |
| probe interval | ${M[probe_ms]} ms, UDP from the client namespace to 192.0.2.100 |
| idle window | ${M[idle_s]} s per daemon |
| vipd | ${M[vipd]}$([ -n "${M[vipd_rev]:-}" ] && echo " (git ${M[vipd_rev]}$([ "${M[vipd_dirty]:-0}" != 0 ] && echo " + uncommitted changes in ${M[vipd_dirty]} files"))"): \`interval_ms = ${IV}; misses = ${MISSES};\` priorities 100 / 90, no preemption (default), 5 gratuitous ARPs 100 ms apart on takeover (default), HMAC-SHA256 heartbeats |
| keepalived | ${M[keepalived]}, Debian package ${M[keepalived_pkg]}: \`vrrp_version 3\`, \`advert_int $(awk -v ms="$IV" 'BEGIN { printf "%.2f", ms / 1000 }')\`, priorities 100 / 90, \`state BACKUP\` + \`nopreempt\` on both, \`vrrp_garp_master_repeat 5\`, \`vrrp_garp_master_delay 0\`, refresh 10 s; run as \`keepalived -P -G -n -l -D -f CONF -p PID -r VRRP_PID\` inside the node namespace; no scripts, no \`vrrp_strict\`, no iptables / nftables |
| 64 × 4 | 64 groups (vipd: ids 1..64, $([ "${M[scale_shared_port]:-0}" = 1 ] && echo "all on UDP port 5800: one heartbeat socket and one send bundle for the 64, which is how vipd should be configured" || echo "UDP ports 5800..5863"); keepalived: 64 \`vrrp_instance\`s, VRIDs 1..64), each with 2 IPv4 /32 (192.0.2.100..227) and 2 IPv6 /128 (2001:db8::64:*) VIPs — 192.0.2.0/24 has too few free addresses for 256 IPv4 VIPs; keepalived carries the IPv6 ones in \`virtual_ipaddress_excluded\` |

## Machine

| | |
|---|---|
| date | ${M[date]} |
| CPUs | ${M[nproc]} × ${M[cpu]} |
| kernel | ${M[kernel]} |
| load average at start / end | ${M[loadavg]} / ${M[loadavg_end]} |
| all CPUs busy during the run (everyone's work) / stolen by the hypervisor | ${M[machine_busy_pct]:-?} % / ${M[machine_steal_pct]:-?} % |
| duration of the run | ${M[duration_s]} s |

## Results

EOF
	results_table
	cat <<EOF

![Client-observed gap per run and scenario, vipd and keepalived](bench-gaps.png)

*Each point is one run; a bar is the median; the dashed red lines are the
BRIEF's targets for vipd (${CRASH_BOUND} ms for a crash, ${FAST_BOUND} ms for a graceful stop and a
switchover). Gaps are on a log scale, and a gap of 0 (a returning node,
nothing lost) is drawn at 1 ms.*

## Targets (shared/BRIEF.md, "Numbers vipd must reach")

| Target | Bound | vipd measured | Result |
|---|---|---|---|
EOF
	printf '%s\n' "${TROWS[@]}"
	echo
	if [ "${#WHY[@]}" -gt 0 ]; then
		echo "### Misses explained (measured in this run)"
		echo
		printf '%s\n' "${WHY[@]}"
		echo
	fi
	margin_text
	flood_table
	cat <<EOF
## What the gaps are made of

Times in ms after the fault (the cable pulled, SIGTERM sent, or
\`vipctl switchover\` started), medians, from an \`ip -ts monitor address\`
in each node's namespace: when the VIP appeared on the new master and left
the old one. For a crash the old master keeps its VIP (SIGKILL, cable
pulled), so there is nothing to remove. The client's gap begins at the
last probe the old master answered and ends at the first the new one
answered: for a crash it is detection + takeover + announcement; for a
graceful stop or a switchover it is the time the VIP is on neither node +
announcement. When tcpdump is installed, a capture on the new master in
the crash runs gives, on the kernel's packet time stamps, the time from the
last heartbeat it heard (per group for 64 × 4) to its first gratuitous
ARP, split at the ARP probe ("who-has VIP tell 0.0.0.0") if the daemon
sends one before claiming.

EOF
	breakdown_table
	cat <<EOF

## Every run

EOF
	runs_table
	cat <<EOF

Invalid or aborted runs:

EOF
	problems
	cat <<EOF

## How to reproduce

    make bench                      # deps (keepalived, gnuplot-nox), build, run: < 20 minutes
    BENCH_QUICK=1 make bench        # one run of everything, 5 s idle and flood windows: < 4 minutes
    BENCH_RUNS=15 BENCH_IDLE_S=120 make bench
    BENCH_ONLY=flood make bench     # the flood rows only (3 rounds x 3 rates x 20 s per daemon)

\`make bench\` runs test/bench/run.sh as root; it writes this file and
docs/bench-gaps.png. Other knobs: BENCH_SCALE_RUNS, BENCH_PROBE_MS (1..10),
BENCH_FLOOD_RUNS, BENCH_FLOOD_S, BENCH_FLOOD_RATES (packets/s, up to 1000000), HBFLOOD (the tool),
BENCH_KEEP=1 (keep the raw TSV and the daemons' logs), VIPD / VIPCTL / PROBE /
KEEPALIVED (binaries), BENCH_MD / BENCH_PNG (outputs). The configs come from
test/bench/genconf.sh; report.sh turns a kept result directory into this
report again.

## Noise, and how to read these numbers

- The machine is shared: ${M[nproc]} CPUs, and other network-namespace tests
  may run at the same time (load average ${M[loadavg]} at the start, the
  CPUs ${M[machine_busy_pct]:-?} % busy over the run, ${M[machine_steal_pct]:-?} % stolen by the hypervisor). Absolute
  numbers move by several ms between runs; compare the two daemons through
  the ratios, measured in the same invocation with the daemons taking turns
  (each failover round runs both, the order alternating).
- A crash gap depends on where in the heartbeat interval the cable is
  pulled: the peer's timer started at the last heartbeat, up to one interval
  (${IV} ms) earlier. Expect crash gaps spread over about ${IV} ms for both daemons;
  the maximum over ${M[runs]} runs is the number to hold against the target.
- The probe quantises gaps to its interval (${M[probe_ms]} ms). The client runs at
  nice -10 so that its own scheduling delays stay small (the daemons run at
  their defaults); the raw max_gap_ms in "Every run" shows what is left of
  them.
- 64 × 4: "last of 256 VIPs" is taken from the address monitor of the new
  master; the bench also polls \`ip -o addr\` there every few ms, which sees
  the same moment a little later (the polling column). Each group has its
  own heartbeat timer, so after a crash the groups detect the loss spread
  over about one interval.
- The "fault → VIP added / removed" times are when \`ip monitor\` (at nice
  -10) read the kernel's address events. While writing the bench they were
  checked against tcpdump's kernel time stamps of the gratuitous ARPs that
  follow each added address: within 1 ms. The fault is the moment the
  switch reported the port down, or the moment just before the signal or
  the \`vipctl\` command was started. The client's gap is measured
  independently of all of them.
- Idle CPU over ${M[idle_s]} s: utime + stime advance in clock ticks of 10 ms
  (1 tick = $(awk -v s="${M[idle_s]}" 'BEGIN { printf "%.3f", 1 / s }') % here); the schedstat row is the scheduler's exact
  runtime for the same window. keepalived is measured as the sum of its
  parent and its VRRP child; vipd is one process.
- VmHWM counts every resident page, including the pages of shared libraries
  (libcrypto, libsystemd, libnl, ...) that the whole system shares; the
  anonymous part and PSS say what the daemon costs on its own.
EOF
} >"$MD"

# stdout: the main table, the targets, the summary line last.
echo
results_table
echo
echo "| Target | Bound | vipd measured | Result |"
echo "|---|---|---|---|"
printf '%s\n' "${TROWS[@]}"
if [ "${#WHY[@]}" -gt 0 ]; then
	echo
	printf '%s\n' "${WHY[@]}"
fi
echo
echo "report: $MD$([ "$plot_ok" = 1 ] && echo ", $PNG")"
echo "$SUMMARY"
