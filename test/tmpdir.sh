# shellcheck shell=bash
#
# tmpdir.sh - test_tmpdir NAME: make a fresh directory (mode 0700) for a
# test's configs, keys and hook scripts, and print its path.
#
# vipd trusts a file only if it and every directory above it are owned by
# root (or the user vipd runs as) and not writable by group or others
# (trust.c, vipd.conf(5) FILES). /tmp is mode 1777, so nothing under it
# passes. The directory is made under $VIPD_TEST_TMP when set, else under
# /run/vipd-test (as root; /run is root's, mode 0755) or
# $HOME/.cache/vipd-test (as another user); that parent is created 0755
# and shared by parallel runs, which each get their own NAME.XXXXXX in it.
test_tmpdir() {
	local base=${VIPD_TEST_TMP:-}
	if [ -z "$base" ]; then
		if [ "$(id -u)" = 0 ]; then
			base=/run/vipd-test
		else
			base=${HOME:?}/.cache/vipd-test
		fi
	fi
	if [ ! -d "$base" ]; then
		mkdir -p "$base" && chmod 0755 "$base" || return 1
	fi
	mktemp -d "$base/$1.XXXXXX"
}
