# shellcheck shell=bash
#
# lib.sh - booted Debian 12 nodes for the system tier: systemd as PID 1 in
# systemd-nspawn containers, each joined to one node namespace of the netns
# lab (test/netns/lib.sh, which must be sourced and lab_up'ed first).
#
#   sys_prepare NODE     extract the cached rootfs into $SYS_DIR/NODE
#   sys_boot NODE        start its container, wait until systemd is up
#   sys_in NODE CMD...   run CMD inside (nsenter into the container's PID 1)
#   sys_reboot NODE      `systemctl reboot` inside; nspawn exits 133; boot again
#   sys_down             power every container off, remove cgroups and roots
#
# The host has no systemd, so nspawn runs with --register=no --keep-unit,
# each container in a fresh cgroup of its own under every mounted hierarchy
# (otherwise two containers share one tree and see each other's units). The
# containers get CAP_NET_ADMIN and CAP_NET_RAW for vipd, and no network of
# their own: --network-namespace-path puts them in the lab's node namespace.
# They never reach a mirror: the rootfs was built on the host
# (test/system/rootfs.sh) and has no sources.list.
#
# Everything is recorded (nspawn PIDs through lab_track, PID 1 with its
# start time, cgroups and root directories by name) and removed by that
# record, never by pattern.

SYS_DIR=		# $LAB_ROOT/build/system/run-$LAB_P: one root per node
declare -A SYS_NSPAWN=()	# NODE -> nspawn PID
declare -A SYS_PID1=()		# NODE -> "PID:STARTTIME" of the container's systemd
declare -A SYS_BOOTS=()		# NODE -> boots so far
SYS_CGROUPS=()			# cgroup directories created, every hierarchy
SYS_MOUNTS=()			# overlay mounts made, the nodes' roots
SYS_BOOT_MS=0			# how long the last sys_boot took

# The cgroup hierarchies to create a node's cgroup in: the named systemd one
# and the unified one of a hybrid host, or the root of a pure cgroup2 host.
_sys_hierarchies() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo /sys/fs/cgroup
		return
	fi
	local h
	for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
		[ -d "$h" ] && echo "$h"
	done
}

# sys_can_boot - print why containers cannot be booted here, or nothing.
sys_can_boot() {
	[ "$(id -u)" = 0 ] || { echo "needs root"; return; }
	command -v systemd-nspawn >/dev/null || { echo "systemd-nspawn missing (systemd-container)"; return; }
	command -v nsenter >/dev/null || { echo "nsenter missing (util-linux)"; return; }
	[ -n "$(_sys_hierarchies)" ] || { echo "no cgroup hierarchy mounted under /sys/fs/cgroup"; return; }
	local h
	for h in $(_sys_hierarchies); do
		[ -w "$h" ] || { echo "$h is not writable"; return; }
	done
}

# sys_init - make SYS_DIR for this lab.
sys_init() {
	SYS_DIR=$LAB_ROOT/build/system/run-${LAB_P%-}
	mkdir -p "$SYS_DIR"
}

# sys_root NODE - print the root directory of NODE's container.
sys_root() {
	echo "$SYS_DIR/$1"
}

# sys_prepare NODE - a fresh system for NODE: an overlay mount of the cached
# rootfs (build/system/rootfs.d, extracted once from rootfs.tar) with an
# upper directory of its own, so that neither the set-up nor the clean-up
# copies 300 MB. Without overlayfs, a full copy.
sys_prepare() {
	local r d=$SYS_DIR/$1 lower=$LAB_ROOT/build/system/rootfs.d
	r=$(sys_root "$1")
	if [ ! -e "$lower/.complete" ]; then
		rm -rf -- "$lower" && mkdir -p "$lower" &&
			tar -C "$lower" -xf "$LAB_ROOT/build/system/rootfs.tar" &&
			touch "$lower/.complete" || return 1
	fi
	mkdir -p "$d.upper" "$d.work" "$r" || return 1
	if mount -t overlay "vipd-sys-${LAB_P}$1" -o \
		"lowerdir=$lower,upperdir=$d.upper,workdir=$d.work" "$r" 2>/dev/null; then
		SYS_MOUNTS+=("$r")
	else
		tar -C "$r" -xf "$LAB_ROOT/build/system/rootfs.tar" || return 1
	fi
	echo "sys-$1" >"$r/etc/hostname"
}

# _sys_cgroup NODE - (re)create NODE's empty cgroup in every hierarchy.
_sys_cgroup() {
	local h d name=vipd-sys-${LAB_P}$1
	for h in $(_sys_hierarchies); do
		d=$h/$name
		_sys_rmtree "$d"
		mkdir "$d" || return 1
		case " ${SYS_CGROUPS[*]} " in *" $d "*) ;; *) SYS_CGROUPS+=("$d") ;; esac
	done
}

# _sys_rmtree DIR - remove a cgroup directory and its sub-cgroups (empty ones).
_sys_rmtree() {
	[ -d "$1" ] || return 0
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$1" ]
}

# sys_boot NODE - boot NODE's container in NODE's namespace; wait (30 s at
# most) until systemd says running or degraded. Sets SYS_BOOT_MS.
sys_boot() {
	local n=$1 r cg i pid1 st= t0 h
	r=$(sys_root "$n")
	_sys_cgroup "$n" || return 1
	cg=vipd-sys-${LAB_P}$n
	lab_now
	t0=$LAB_NOW_MS
	SYS_BOOTS[$n]=$((${SYS_BOOTS[$n]:-0} + 1))
	(
		for h in $(_sys_hierarchies); do
			echo "$BASHPID" >"$h/$cg/cgroup.procs" || exit 1
		done
		exec systemd-nspawn -q --boot --directory="$r" --machine="vipd-${LAB_P}$n" \
			--register=no --keep-unit --private-users=no \
			--network-namespace-path="/run/netns/${LAB_P}$n" \
			--capability=CAP_NET_ADMIN,CAP_NET_RAW \
			--console=passive --link-journal=no --resolv-conf=off --timezone=off
	) >>"$SYS_DIR/$n.nspawn.log" 2>&1 &
	SYS_NSPAWN[$n]=$!
	lab_track "$!"
	pid1=
	for ((i = 0; i < 3000; i++)); do
		lab_alive "${SYS_NSPAWN[$n]}" || break
		if [ -z "$pid1" ]; then
			pid1=$(cat "/proc/${SYS_NSPAWN[$n]}/task/${SYS_NSPAWN[$n]}/children" 2>/dev/null)
			pid1=${pid1%% *}
			[ -n "$pid1" ] && [ "$(cat "/proc/$pid1/comm" 2>/dev/null)" != systemd ] && pid1=
			[ -n "$pid1" ] && SYS_PID1[$n]=$pid1:$(lab_pid_start "$pid1")
		fi
		if [ -n "$pid1" ]; then
			st=$(nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null)
			case $st in running | degraded) break ;; esac
		fi
		lab_now
		[ $((LAB_NOW_MS - t0)) -ge 30000 ] && break
		sleep 0.01
	done
	lab_now
	SYS_BOOT_MS=$((LAB_NOW_MS - t0))
	case $st in
	running | degraded) return 0 ;;
	esac
	echo "# sys_boot $n: systemd not up after $SYS_BOOT_MS ms (state '${st:-none}')" >&2
	tail -5 "$SYS_DIR/$n.nspawn.log" | sed 's/^/#   /' >&2
	return 1
}

# sys_pid1 NODE - print the PID of NODE's systemd if it still is that process.
sys_pid1() {
	local e=${SYS_PID1[$1]:-}
	[ -n "$e" ] && lab_entry_alive "$e" && echo "${e%%:*}"
}

# sys_in NODE CMD... - run CMD inside NODE's container (all its namespaces).
sys_in() {
	local n=$1 pid
	shift
	pid=$(sys_pid1 "$n") || { echo "# sys_in $n: container not running" >&2; return 125; }
	nsenter -t "$pid" -a "$@"
}

# sys_reboot NODE - `systemctl reboot` inside NODE; wait (60 s at most) for
# nspawn to exit with 133 ("reboot requested"), then boot it again.
sys_reboot() {
	local n=$1 i pid=${SYS_NSPAWN[$1]} rc
	sys_in "$n" systemctl reboot || return 1
	for ((i = 0; i < 6000; i++)); do
		lab_alive "$pid" || break
		sleep 0.01
	done
	lab_alive "$pid" && { echo "# sys_reboot $n: nspawn still runs after 60 s" >&2; return 1; }
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" = 133 ] || { echo "# sys_reboot $n: nspawn exited $rc, not 133" >&2; return 1; }
	sys_boot "$n"
}

# sys_poweroff NODE - stop NODE's container: SIGTERM to nspawn (a clean
# poweroff inside), 20 s at most, then SIGKILL to nspawn and the recorded
# PID 1, then whatever is left in its own cgroup.
sys_poweroff() {
	local n=$1 pid=${SYS_NSPAWN[$1]:-} e h p
	[ -n "$pid" ] || return 0
	lab_stop_pid "$pid" TERM 20000 >/dev/null 2>&1
	if [ $? = 124 ]; then
		lab_stop_pid "$pid" KILL 2000 >/dev/null 2>&1
	fi
	e=${SYS_PID1[$n]:-}
	[ -n "$e" ] && lab_entry_alive "$e" && kill -KILL "${e%%:*}" 2>/dev/null
	for h in $(_sys_hierarchies); do
		[ -f "$h/vipd-sys-${LAB_P}$n/cgroup.procs" ] || continue
		while read -r p; do
			[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
		done < <(find "$h/vipd-sys-${LAB_P}$n" -name cgroup.procs -exec cat {} + 2>/dev/null)
	done
	unset "SYS_NSPAWN[$n]" "SYS_PID1[$n]"
}

# sys_down - power off every container, remove their cgroups and roots.
sys_down() {
	local n d i e
	# Every container powers off at once; then each is waited for.
	for n in "${!SYS_NSPAWN[@]}"; do
		for e in "${LAB_PIDS[@]}"; do
			[ "${e%%:*}" = "${SYS_NSPAWN[$n]}" ] && lab_entry_alive "$e" &&
				kill -TERM "${SYS_NSPAWN[$n]}" 2>/dev/null
		done
	done
	for n in "${!SYS_NSPAWN[@]}"; do
		sys_poweroff "$n"
	done
	for d in "${SYS_CGROUPS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			_sys_rmtree "$d" && break
			sleep 0.1
		done
	done
	SYS_CGROUPS=()
	for d in "${SYS_MOUNTS[@]}"; do
		for ((i = 0; i < 50; i++)); do
			umount "$d" 2>/dev/null && break
			mountpoint -q "$d" || break
			sleep 0.1
		done
		mountpoint -q "$d" && umount -l "$d" 2>/dev/null
	done
	SYS_MOUNTS=()
	case $SYS_DIR in
	*/build/system/run-*) rm -rf -- "$SYS_DIR" ;;
	esac
	SYS_DIR=
}
