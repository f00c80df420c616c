# shellcheck shell=bash
#
# fm.sh - helpers of the fault matrix (test/faults/run.sh): a holder poller,
# its analysis, status queries, settle waits, the result table. Source it
# after test/netns/lib.sh; it uses that lab (LAB_P, LAB_DIR, lab_track ...).
#
# The poller answers the question vip_holders answers ("which nodes have
# the VIP?") every ~10 ms. vip_holders forks ip and awk twice, which costs
# 30-70 ms on a loaded machine: too slow to time a 50 ms bound. The poller
# reads instead, without forking, /proc/PID/net/fib_trie of a process that
# lives in each node's namespace (its probe server): the VIP is on a node
# exactly when the node's local table has "VIP /32 host LOCAL", an entry the
# kernel adds and removes together with the address. Every case ends by
# comparing the poller's answer with vip_holders'.

shopt -s extglob

# shellcheck disable=SC2034 # used by run.sh
FM_SLACK_MS=30		# measuring slack on top of a bound in ms (poll period, scheduling)
FM_POLL_MS=10		# ms between two holder samples ...
FM_POLL_SLEEP=0.01	# ... as read -t wants it
FM_ROWS=()		# the result table, one "|"-separated row per case
FM_POLL_PID=
FM_POLL_OUT=
FM_POLL_STOP=

# fm_now_us - print the wall clock in microseconds (no fork).
fm_now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo $((10#$t))
}

# _fm_local FILE - true if fib_trie FILE has the VIP as a local address;
# status 2 if FILE cannot be read (the namespace's witness process is gone).
_fm_local() {
	local x=
	read -r -d '' x <"$1" 2>/dev/null
	[ -n "$x" ] || return 2
	[[ $x == *"-- $LAB_VIP"$'\n'+( )"/32 host LOCAL"* ]]
}

# fm_holders_fast - what vip_holders prints, from the fib_trie files.
fm_holders_fast() {
	local n out='' rc pid
	for n in $LAB_NODES; do
		pid=$(<"$LAB_DIR/serve-$n.pid")
		_fm_local "/proc/$pid/net/fib_trie"
		rc=$?
		[ "$rc" = 2 ] && { echo "?"; return; }
		[ "$rc" = 0 ] && out="$out${out:+ }$n"
	done
	echo "$out"
}

# _fm_poller OUT STOPFILE MAX_MS FIB_A FIB_B - the poller's body (run in the
# background). Writes "T_US HOLDERS" whenever the holders change (HOLDERS:
# a, b, "a b", - for none, ? when unreadable), then "end T_US SAMPLES
# MAXSTEP_US". Ends when STOPFILE exists or after MAX_MS; at most
# MAX_MS / FM_POLL_MS + 1 samples.
_fm_poller() {
	local out=$1 stop=$2 max_ms=$3 fa=$4 fb=$5
	local fifo=$out.fifo fd t t0 prev=-1 last=init cur i maxstep=0 ra rb
	mkfifo "$fifo" || return 1
	exec {fd}<>"$fifo"	# nobody writes: read -t on it is a sleep without a fork
	t0=$(fm_now_us)
	for ((i = 0; i <= max_ms / FM_POLL_MS; i++)); do
		[ -e "$stop" ] && break
		t=${EPOCHREALTIME//[!0-9]/}
		t=$((10#$t))
		[ $((t - t0)) -gt $((max_ms * 1000)) ] && break
		_fm_local "$fa"
		ra=$?
		_fm_local "$fb"
		rb=$?
		if [ "$ra" = 2 ] || [ "$rb" = 2 ]; then
			cur="?"
		elif [ "$ra" = 0 ] && [ "$rb" = 0 ]; then
			cur="a b"
		elif [ "$ra" = 0 ]; then
			cur=a
		elif [ "$rb" = 0 ]; then
			cur=b
		else
			cur=-
		fi
		[ "$cur" != "$last" ] && echo "$t $cur" >>"$out"
		last=$cur
		[ "$prev" -ge 0 ] && [ $((t - prev)) -gt "$maxstep" ] && maxstep=$((t - prev))
		prev=$t
		read -r -t "$FM_POLL_SLEEP" -u "$fd" _ 2>/dev/null
	done
	echo "end $(fm_now_us) $i $maxstep" >>"$out"
	exec {fd}<&-
	rm -f "$fifo"
}

# fm_poll_start NAME MAX_MS - start the poller for case NAME, writing
# $LAB_DIR/NAME.poll; it stops by itself after MAX_MS.
fm_poll_start() {
	FM_POLL_OUT=$LAB_DIR/$1.poll
	FM_POLL_STOP=$LAB_DIR/$1.poll-stop
	: >"$FM_POLL_OUT"
	rm -f "$FM_POLL_STOP"
	_fm_poller "$FM_POLL_OUT" "$FM_POLL_STOP" "$2" \
		"/proc/$(<"$LAB_DIR/serve-a.pid")/net/fib_trie" \
		"/proc/$(<"$LAB_DIR/serve-b.pid")/net/fib_trie" &
	FM_POLL_PID=$!
	lab_track "$FM_POLL_PID"
}

# fm_poll_stop - ask the poller to end, wait (bounded) for it.
fm_poll_stop() {
	local i
	[ -n "$FM_POLL_PID" ] || return 0
	touch "$FM_POLL_STOP"
	for ((i = 0; i < 100; i++)); do
		lab_alive "$FM_POLL_PID" || break
		sleep 0.01
	done
	lab_stop_pid "$FM_POLL_PID" TERM 1000
	FM_POLL_PID=
}

# fm_poll_stats FILE FROM_US - print, from a poller file:
#   AB_AFTER_MS  time both nodes held the VIP after FROM_US
#   AB_TOTAL_MS  ... over the whole file
#   MOVES        changes of the single holder (a -> b or b -> a), two-holder
#                and no-holder stretches in between skipped
#   NOA_MS       time A did not hold the VIP
#   NONE_MS      time nobody held it
#   NONE_AFTER_MS  ... after FROM_US
#   SAMPLES MAXSTEP_MS  how many samples, the longest time between two
# Each state lasts from the sample that first saw it to the next change.
fm_poll_stats() {
	awk -v from="$2" '
		function close_state(t_end,   s, d, a) {
			if (n == 0) return
			d = (t_end - t) / 1000
			if (st == "a b") {
				tot += d
				s = t > from ? t : from
				if (t_end > s) after += (t_end - s) / 1000
			}
			if (st !~ /a/) noa += d
			if (st == "-") {
				none += d
				s = t > from ? t : from
				if (t_end > s) none_after += (t_end - s) / 1000
			}
		}
		$1 == "end" { close_state($2); samples = $3; maxstep = $4 / 1000; next }
		{
			close_state($1)
			t = $1; st = substr($0, index($0, " ") + 1); n++
			if (st == "a" || st == "b") {
				if (sole != "" && st != sole) moves++
				sole = st
			}
		}
		END { printf "%.0f %.0f %d %.0f %.0f %d %.0f %.0f\n", after, tot, moves, noa, none, samples, maxstep, none_after }
	' "$1"
}

# fm_poll_trace FILE [FROM_US] - the poller file as TAP comments, times in ms
# relative to FROM_US (or to its first line).
fm_poll_trace() {
	awk -v from="${2:-0}" '
		NR == 1 && from == 0 { from = $1 }
		$1 == "end" { printf "#   %+9.1f ms end (%d samples, longest step %.1f ms)\n", ($2 - from) / 1000, $3, $4 / 1000; next }
		{ printf "#   %+9.1f ms holders: %s\n", ($1 - from) / 1000, substr($0, index($0, " ") + 1) }
	' "$1" | tail -n 25
}

# fm_sleep_until T0_MS TOTAL_MS - sleep until TOTAL_MS after T0_MS (a lab_now
# value); returns at once if that time passed.
fm_sleep_until() {
	local rem
	lab_now
	rem=$(($1 + $2 - LAB_NOW_MS))
	[ "$rem" -gt 0 ] || return 0
	sleep "$((rem / 1000)).$(printf %03d $((rem % 1000)))"
}

# ---- vipctl ----

# fm_state NODE - NODE's group 1 state, or "down".
fm_state() {
	local s
	node_alive "$1" || { echo down; return; }
	s=$(js "$1" '.groups[0].state')
	echo "${s:-down}"
}

# fm_state_is NODE STATE - for wait_for.
fm_state_is() {
	[ "$(fm_state "$1")" = "$2" ]
}

# fm_masters_since NODE ISO_TIME - how many times NODE entered MASTER at or
# after ISO_TIME (daemon's clock, as `vipctl events` prints it). Empty if
# the daemon does not answer.
fm_masters_since() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" --json events 256 2>/dev/null |
		jq -r --arg t "$2" '[.events[] | select(.to == "MASTER" and .time >= $t)] | length' \
			2>/dev/null
}

# fm_iso_now - the wall clock as `vipctl events` prints it (UTC, ms).
fm_iso_now() {
	date -u +%Y-%m-%dT%H:%M:%S.%3NZ
}

# fm_settled MASTER BACKUP - the steady state: MASTER is master and the only
# holder, BACKUP is backup and sees MASTER alive as master, MASTER sees its
# peer alive.
fm_settled() {
	[ "$(fm_holders_fast)" = "$1" ] && fm_state_is "$1" MASTER && fm_state_is "$2" BACKUP &&
		[ "$(js "$2" '.groups[0].peer.state')" = MASTER ] &&
		[ "$(js "$1" '.groups[0].peer.alive')" = true ]
}

# fm_holders_are HOLDERS - fm_holders_fast prints exactly HOLDERS (for wait_for).
fm_holders_are() {
	[ "$(fm_holders_fast)" = "$1" ]
}

# fm_peer_gone NODE - NODE no longer counts its peer as alive.
fm_peer_gone() {
	[ "$(js "$1" '.groups[0].peer.alive')" != true ]
}

# fm_holds NODE - NODE holds the VIP, whoever else does (for wait_for).
fm_holds() {
	[[ " $(fm_holders_fast) " == *" $1 "* ]]
}

# fm_one_holder - exactly one node holds the VIP (either).
fm_one_holder() {
	case $(fm_holders_fast) in a | b) return 0 ;; esac
	return 1
}

# fm_other NODE - the other vipd node.
fm_other() {
	[ "$1" = a ] && echo b || echo a
}

# fm_final_state - "A MASTER, B BACKUP, holder a" (for the table).
fm_final_state() {
	local h
	h=$(vip_holders)
	echo "A $(fm_state a), B $(fm_state b), holder ${h:-none}"
}

# ---- probe client ----

# fm_client_start NAME MAX_MS - probe the VIP every 2 ms for up to MAX_MS
# (until fm_client_stop); summary in $LAB_DIR/NAME.probe, events in NAME.ev.
fm_client_start() {
	client_start "$LAB_DIR/$1.probe" -t "$LAB_VIP" -i 2 -d "$2" -w -o "$LAB_DIR/$1.ev"
}

# fm_client_stop - end the client now (it prints its summary on SIGTERM).
fm_client_stop() {
	lab_stop_pid "$LAB_CLIENT_PID" TERM 3000 >/dev/null
	return 0
}

# fm_client_tail EVENTS - "NODE MS": the node that answered the client's last
# answered probe, and how long before the client's last probe that was.
fm_client_tail() {
	awk '$1 == "last" { split($2, t, "="); split($3, n, "="); if (t[2] + 0 >= lt) { lt = t[2] + 0; ln = n[2] } }
		$1 == "end" { split($2, t, "="); et = t[2] + 0 }
		END { printf "%s %.0f\n", ln == "" ? "none" : ln, et - lt }' "$1"
}

# fm_gaps_over EVENTS MS - how many client-observed gaps were longer than MS.
fm_gaps_over() {
	awk -v l="$2" '$1 == "gap" { split($3, a, "="); if (a[2] + 0 > l) n++ } END { print n + 0 }' "$1"
}

# ---- a port cut ----

# fm_cut NODE DIR / fm_uncut NODE DIR - drop every frame NODE sends (DIR
# from) or is sent (DIR to), at its switch port: a cut of one direction of
# its cable while the carrier stays up. Filter preference 30, apart from the
# ones of lib.sh (10, 11, 20).
fm_cut() {
	local hook=ingress
	[ "$2" = to ] && hook=egress
	fm_uncut "$1" "$2"
	_lab_drop "$1" "$hook" 30 all u32 match u32 0 0
}
fm_uncut() {
	local hook=ingress
	[ "$2" = to ] && hook=egress
	_lab_undrop "$hook" 30 "$1"
}

# ---- address monitor ----

# fm_mon_start NODE OUT MAX_S - `ip -ts -o monitor address` in NODE's
# namespace for at most MAX_S seconds (timeout), to OUT; sets FM_MON_PID.
fm_mon_start() {
	timeout "$3" ip -ts -o -n "$(lab_ns "$1")" monitor address >"$2" 2>&1 &
	FM_MON_PID=$!
	lab_track "$FM_MON_PID"
}

# fm_mon_stop - stop the monitor of fm_mon_start.
fm_mon_stop() {
	[ -n "${FM_MON_PID:-}" ] && lab_stop_pid "$FM_MON_PID" TERM 1000
	FM_MON_PID=
	return 0
}

# fm_mon_holds OUT - from a monitor file, how long the VIP stayed each time
# it was added: "N MIN_MS MAX_MS" (N adds with a matching delete).
fm_mon_holds() {
	awk -v vip="$LAB_VIP" '
		function ms(s,   a, b) {	# "[2026-11-22T05:38:28.930743]" -> ms of the day
			s = substr(s, 2, length(s) - 2); split(s, a, "T"); split(a[2], b, ":")
			return ((b[1] * 60 + b[2]) * 60 + b[3]) * 1000
		}
		index($0, " " vip "/") == 0 { next }
		$2 == "Deleted" { if (t0 != "") { d = ms($1) - t0; if (d < 0) d += 86400000
			n++; if (min == "" || d < min) min = d; if (d > max) max = d; t0 = "" } next }
		{ t0 = ms($1) }
		END { printf "%d %.1f %.1f\n", n, min + 0, max + 0 }' "$1"
}

# ---- the table ----

# fm_row CASE GAP TWO MOVES FINAL VERDICT - add a row to the result table.
fm_row() {
	FM_ROWS+=("$1|$2|$3|$4|$5|$6")
}

# fm_table - print the result table (markdown).
fm_table() {
	local r
	echo "| case | gap ms | two-holder ms after fault | moves / false failovers | final state | verdict |"
	echo "|---|---|---|---|---|---|"
	for r in "${FM_ROWS[@]}"; do
		echo "| ${r//|/ | } |"
	done
}
