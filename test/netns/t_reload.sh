#!/bin/bash
# t_reload.sh - a reload applies every setting of vipd.conf(5). A table
# walks every group key: change it on both nodes (or one), reload the
# backup then the master, and assert that the running group uses the new
# value (`vipctl --json status`, .settings, read from the group's own live
# copy that every module of the group uses) and that exactly one node holds
# the VIP afterwards. Keys that restart the group (vipd.conf(5), RELOAD) are
# walked too. A VIP list change on the master adds the new address and
# removes the old within one interval, and the unchanged VIP sees no
# Deleted event. Settings that only a restart changes are refused.
set -u
. "$(dirname "$0")/lib.sh"

export LAB_INTERVAL_MS=50 LAB_MISSES=3
IV=$LAB_INTERVAL_MS
VIP2=192.0.2.101

lab_up || exit 1
lab_key
lab_key "$LAB_DIR/key2"
lab_cable	# eth1 on both nodes: for interface2 and interface
printf '#!/bin/sh\nexit 0\n' >"$LAB_DIR/ok.sh"
chmod 755 "$LAB_DIR/ok.sh"

declare -A SET_A=() SET_B=()

# group_text NODE - group 1 of NODE: the lab's base settings, overridden
# and extended by SET_<NODE>.
group_text() {
	local -n set=SET_${1^^}
	local -A g=([id]=1 [vips]="[ \"$LAB_VIP/24\" ]" [interval_ms]=$IV [misses]=3
		[multicast]='"239.255.80.1"' [port]=5800 [key_file]="\"$LAB_DIR/key\"")
	local k out=""
	for k in "${!set[@]}"; do g[$k]=${set[$k]}; done
	for k in "${!g[@]}"; do out+=$'\t\t'"$k = ${g[$k]};"$'\n'; done
	printf '\t{\n%s\t}' "$out"
}

# write_confs - both configs from the settings in SET_A / SET_B.
write_confs() {
	lab_conf_groups a 100 "$(group_text a)"
	lab_conf_groups b 90 "$(group_text b)"
}

# reload NODE - vipctl reload; its exit status.
reload() {
	"$VIPCTL" -s "$LAB_DIR/$1.sock" reload >>"$LAB_DIR/reload.out" 2>&1
}

# setting_is NODE KEY JSON - the running group's KEY is JSON (compact).
setting_is() {
	test "$(js "$1" ".groups[0].settings[\"$2\"] | tojson")" = "$3"
}

# holders - the nodes holding $CUR_VIP on $CUR_DEV (the VIP and where it
# lives change with the rows: the VIP list, vmac, interface).
CUR_VIP=$LAB_VIP CUR_DEV=eth0
holders() {
	local n out=
	for n in a b; do
		ip -n "$(lab_ns $n)" -o addr show dev "$CUR_DEV" 2>/dev/null | grep -q " $CUR_VIP/" &&
			out+="${out:+ }$n"
	done
	echo "$out"
}

# one_holder - exactly one of A and B holds the VIP.
one_holder() {
	local h
	h=$(holders)
	[ "$h" = a ] || [ "$h" = b ]
}

write_confs
lab_pair_up -n -s

# walk NODES KEY VALUE [WANT] - set KEY to VALUE (libconfig text; "-" =
# back to the default) on NODES (a, b or ab), reload B then A, and check.
# WANT is the JSON the status must show; by default VALUE itself.
walk() {
	local nodes=$1 key=$2 val=$3 want=${4:-} n ok=1
	case $nodes in *a*) if [ "$val" = - ]; then unset "SET_A[$key]"; else SET_A[$key]=$val; fi ;; esac
	case $nodes in *b*) if [ "$val" = - ]; then unset "SET_B[$key]"; else SET_B[$key]=$val; fi ;; esac
	[ -z "$want" ] && want=$(printf '%s' "$val" | jq -c . 2>/dev/null)
	write_confs
	reload b || ok=0
	reload a || ok=0
	if [ "$ok" = 0 ]; then
		not_ok "reload $key = $val: vipctl reload failed"
		tail -3 "$LAB_DIR/reload.out" | sed 's/^/# /'
		return
	fi
	for n in a b; do
		case $nodes in *$n*) ;; *) continue ;; esac
		wait_for "$n shows $key" 3000 setting_is "$n" "$key" "$want" || ok=0
	done
	wait_for "one holder after $key" 3000 one_holder || ok=0
	if [ "$ok" = 1 ]; then
		ok "reload $key = $val ($nodes): applied, one holder ($(holders))"
	else
		not_ok "reload $key = $val ($nodes): status shows" \
			"$(js a ".groups[0].settings[\"$key\"] | tojson") /" \
			"$(js b ".groups[0].settings[\"$key\"] | tojson"), want $want; holders '$(holders)'"
		lab_dump 8
	fi
}

# --- a VIP list change on the master: the difference only -----------------
# event_after_ms T0 PATTERN - ms from T0 (date +%T.%N) to the first line of
# the monitor output matching PATTERN; empty if none.
event_after_ms() {
	awk -v t0="$1" -v p="$2" '
		function ms(s,   h) { split(s, h, ":"); return ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 }
		$0 ~ p { d = ms(substr($0, 13, 15)) - ms(t0); if (d < 0) d += 86400000
			printf "%.1f\n", d; exit }' "$LAB_DIR/mon"
}
# reload_vips VALUE - set vips on both, reload the backup, then the master;
# prints when the master's reload began and when it returned (date +%T.%N).
reload_vips() {
	SET_A[vips]=$1
	SET_B[vips]=$1
	write_confs
	reload "$backup"
	date +%T.%N
	reload "$holder"
	date +%T.%N
}
# ms_between T0 T1 - ms from one `date +%T.%N` to another.
ms_between() {
	awk -v a="$1" -v b="$2" '
		function ms(s,   h) { split(s, h, ":"); return ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 }
		BEGIN { d = ms(b) - ms(a); if (d < 0) d += 86400000; printf "%.1f", d }'
}
# within T0 T1 R - the event at R ms after T0 came no later than one interval
# after the reload returned at T1: the reload itself applied it.
within() {
	awk -v t0="$1" -v t1="$2" -v r="$3" -v iv="$IV" '
		function ms(s,   h) { split(s, h, ":"); return ((h[1] * 60 + h[2]) * 60 + h[3]) * 1000 }
		BEGIN { d = ms(t1) - ms(t0); if (d < 0) d += 86400000; exit !(r != "" && r <= d + iv) }'
}
holder=$(holders)
backup=a
[ "$holder" = a ] && backup=b
lab_bg "$holder" "$LAB_DIR/mon" ip -ts -o monitor address
MON=$LAB_BG_PID
sleep 0.2
read -r t0 t1 <<<"$(reload_vips "[ \"$LAB_VIP/24\", \"$VIP2/24\" ]" | tr '\n' ' ')"
wait_for "the new VIP is on $holder" 1000 has_vip "$holder" "$VIP2"
r=$(event_after_ms "$t0" "\\] [0-9]+: eth0 +inet $VIP2/24")
echo "# vips: $VIP2 added on the master ${r:-never} ms after its reload began" \
	"(vipctl's start included); the reload returned after $(ms_between "$t0" "$t1") ms"
check "vips: the added VIP is on the master when the reload returns, within an interval" \
	within "$t0" "$t1" "$r"
check "vips: both nodes show the new list" test \
	"$(js a '.groups[0].settings.vips | length')$(js b '.groups[0].settings.vips | length')" = 22
read -r t0 t1 <<<"$(reload_vips "[ \"$VIP2/24\" ]" | tr '\n' ' ')"
wait_for "the removed VIP is gone from $holder" 1000 not has_vip "$holder" "$LAB_VIP"
r=$(event_after_ms "$t0" "Deleted [0-9]+: eth0 +inet $LAB_VIP/24")
echo "# vips: $LAB_VIP removed from the master ${r:-never} ms after its reload began"
check "vips: the removed VIP is gone from the master when the reload returns, within an interval" \
	within "$t0" "$t1" "$r"
check "vips: the kept VIP stayed" has_vip "$holder" "$VIP2"
lab_stop_pid "$MON" TERM 1000
check "vips: the unchanged VIP saw no Deleted event" \
	sh -c "! grep -q 'Deleted .* inet $VIP2/' '$LAB_DIR/mon'"
CUR_VIP=$VIP2
check "vips: one holder" one_holder
CUR_VIP=$LAB_VIP
walk ab vips - '["192.0.2.100/24"]'

# --- every other group key, applied live ---------------------------------
walk a priority 120
check "priority: the effective priority follows" test "$(js a '.groups[0].priority')" = 120
walk a priority - 100
walk ab interval_ms 60
walk ab misses 4
walk ab rise 2
walk ab preempt true
walk ab preempt_delay_ms 2000
walk ab garp_count 3
walk ab garp_interval_ms 50
walk ab garp_refresh_ms 5000
walk ab claim_probe_ms 30
walk ab hook_timeout_ms 5000
for k in notify_master notify_backup notify_fault notify_stop notify_master_again notify; do
	walk ab "$k" "[ \"$LAB_DIR/ok.sh\", \"$k\" ]"
done
walk ab check_script "[ \"$LAB_DIR/ok.sh\" ]"
walk ab check_interval_ms 500
walk ab check_timeout_ms 300
walk ab check_rise 1
walk ab check_fall 1
walk ab check_weight 10
walk ab upstream '[ "192.0.2.10" ]'
walk ab upstream_timeout_ms 200
walk ab upstream_interval_ms 500
walk ab upstream_rise 1
walk ab upstream_fall 2
sleep 1.2	# upstream rounds at the new interval: C answers, nobody goes FAULT
check "upstream: reachable after the reloads" test "$(js a '.groups[0].upstream.reachable')" = true
# C is not on eth1: the interface row below must not be cut off upstream.
walk ab upstream - '[]'
walk ab upstream_interval_ms - 1000
walk ab upstream_timeout_ms - 500
kid=$(js a '.groups[0].settings.key_id')
walk ab key_file "\"$LAB_DIR/key2\""
check "key_file: the new key is in use (key id $kid -> $(js a '.groups[0].settings.key_id'))" \
	test "$(js a '.groups[0].settings.key_id')" != "$kid"
wait_for "A and B hear each other with the new key" 2000 \
	test "$(js a '.groups[0].peer.alive')/$(js b '.groups[0].peer.alive')" = true/true
walk ab key_file_next "\"$LAB_DIR/key\""
walk ab key_file_next - '""'

# --- keys that restart the group: still one holder, the new value in use --
walk ab label '"eth0:v2"'
check "label: the VIP carries the new label" \
	sh -c "ip -n '$(lab_ns "$(holders)")' -o addr show dev eth0 | grep -q 'eth0:v2'"
walk ab label - '"eth0:vip"'
walk ab multicast '"239.255.80.7"'
walk ab port 5807
walk a peers '[ "192.0.2.2" ]'
walk b peers '[ "192.0.2.1" ]'
walk ab peers - '[]'
walk ab interface2 '"eth1"'
walk ab interface2 - '""'
CUR_DEV=vip1
walk ab vmac true
CUR_DEV=eth0
walk ab vmac - false
walk ab sync_group '"s1"'
walk ab sync_group - '""'
CUR_DEV=eth1
walk ab interface '"eth1"'
check "interface: the VIP moved to eth1 on its holder" one_holder
CUR_DEV=eth0
walk ab interface - '"eth0"'
walk ab id 2
walk ab id - 1

# --- what only a restart changes is refused, the running config kept ------
sed -i "s|^state_dir = .*|state_dir = \"$LAB_DIR/other\";|" "$LAB_DIR/a.conf"
"$VIPCTL" -s "$LAB_DIR/a.sock" reload >"$LAB_DIR/refused.out" 2>&1
check "state_dir: reload refused (exit 1)" test "$?" = 1
check "state_dir: the reason says restart" grep -q "take effect only at restart" "$LAB_DIR/refused.out"
sed -i 's|name = "node-a"|name = "node-z"|' "$LAB_DIR/a.conf"
"$VIPCTL" -s "$LAB_DIR/a.sock" reload >/dev/null 2>&1
check "node.name: reload refused" test "$?" = 1
check "after refused reloads: one holder, A still runs" sh -c 'true' && one_holder && node_alive a

lab_finish
