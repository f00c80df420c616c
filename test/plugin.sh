# shellcheck shell=bash
#
# plugin.sh - plugin_line DESC WANT_RC REGEX OUT RC: the verdict of a
# `vipctl check` run (the Nagios/Icinga plugin) that printed OUT and exited
# RC is "ok DESC" if RC is WANT_RC and OUT is one line matching REGEX
# (extended), else "not ok DESC" and a comment with what it gave; returns
# 1 then. The caller's ok and not_ok print and count (test/tap.sh in
# test/t_check.sh, test/netns/lib.sh in test/netns/t_monitor.sh).
plugin_line() {
	local lines
	lines=$(printf '%s\n' "$4" | wc -l)
	if [ "$5" = "$2" ] && [ "$lines" = 1 ] && printf '%s\n' "$4" | grep -Eq -- "$3"; then
		ok "$1"
		return 0
	fi
	not_ok "$1"
	echo "#   exit $5 (want $2), $lines line(s): $4"
	return 1
}
