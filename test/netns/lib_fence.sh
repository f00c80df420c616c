#!/bin/bash
# lib_fence.sh - sourced by lib.sh: the lab's fence for fence_command.
# shellcheck shell=bash

# lab_fence_setup - a real fence for fence_command, in the lab: the fence
# takes the silent peer's switch port down in the bridge namespace (the lab's
# "power it off"). vipd runs its commands without CAP_SYS_ADMIN, so the script
# cannot enter the switch namespace itself: like ipmitool asking a BMC, it asks
# a stand-in for the switch's management (a loop run here as root) through
# FIFOs in $LAB_DIR/pdu, and waits for the answer. The port really goes down.
# $LAB_DIR/fence.mode says what the script does: ok (cut the port), fail, or
# hang (until vipd kills it at fence_timeout_ms); lab_fence_mode MODE sets it.
# Each run is logged to $LAB_DIR/fence.log. Sets LAB_FENCE_CONF to the group
# settings that use it.
lab_fence_setup() {
	cat >"$LAB_DIR/fence.sh" <<'EOF'
#!/bin/sh
d=$1
echo "$VIPD_NODE fences $VIPD_PEER at $VIPD_PEER_ADDRESS (group $VIPD_GROUP)" >>"$d/fence.log"
case $(cat "$d/fence.mode") in
fail) echo "fence: the PDU does not answer" >&2; exit 1 ;;
hang) sleep 30; exit 1 ;;
esac
case $VIPD_PEER in
node-a) port=pa ;;
node-b) port=pb ;;
*) echo "fence: unknown peer $VIPD_PEER" >&2; exit 2 ;;
esac
mkfifo "$d/pdu/ack.$$" || exit 3
echo "$port $$" >"$d/pdu/req"	# blocks until the switch management listens
read -r rc <"$d/pdu/ack.$$"
rm -f "$d/pdu/ack.$$"
[ "$rc" = 0 ] && echo "fence: $port is down"
exit "$rc"
EOF
	chmod 755 "$LAB_DIR/fence.sh" || return 1
	mkdir -m 700 "$LAB_DIR/pdu" && mkfifo -m 600 "$LAB_DIR/pdu/req" || return 1
	lab_fence_mode ok || return 1
	: >"$LAB_DIR/fence.log"
	_lab_pdu_loop &
	lab_track $!
	LAB_FENCE_CONF="fence_command = [ \"$LAB_DIR/fence.sh\", \"$LAB_DIR\" ]; fence_timeout_ms = 1500;"
}

lab_fence_mode() {
	echo "$1" >"$LAB_DIR/fence.mode.new" && mv "$LAB_DIR/fence.mode.new" "$LAB_DIR/fence.mode"
}

# _lab_pdu_loop - the switch management: takes pa or pb down on request, one
# request per line on the FIFO pdu/req, the answer (0 or 2) into the FIFO
# pdu/ack.PID the script made. Blocking reads, no polling: a fence costs one
# `ip link set`. Bounded: 1000 requests (lab_down stops it long before).
_lab_pdu_loop() {
	local i port pid rc sw
	sw=$(lab_ns sw)
	for ((i = 0; i < 1000; i++)); do
		read -r port pid <"$LAB_DIR/pdu/req" || continue
		case $pid in *[!0-9]* | '') continue ;; esac
		rc=2
		case $port in pa | pb) ip -n "$sw" link set "$port" down && rc=0 ;; esac
		[ -p "$LAB_DIR/pdu/ack.$pid" ] && echo "$rc" >"$LAB_DIR/pdu/ack.$pid"
	done
}
