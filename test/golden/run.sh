#!/bin/bash
# run.sh - golden tests of the configuration through `vipd -t`, TAP output.
#
#   good-*.conf   must load: exit 0, empty stderr, and `vipd -t -v -f` prints
#                 exactly good-*.ok (the effective config, defaults filled in)
#   bad-*.conf    must be refused: exit 3, empty stdout, and stderr is exactly
#                 the one line in bad-*.err ("FILE:LINE: KEY: what is wrong")
#   warn-*.conf   must load with a warning: exit 0, empty stdout, and stderr is
#                 exactly warn-*.warn (a missing interface is followed by name)
#   etc/vipd.conf the shipped example must load
#
# vipd runs with relative file names, so messages and printouts name
# "good-x.conf" and "test.key" wherever the tree lives. It runs in a copy of
# this directory made by test_tmpdir (test/tmpdir.sh): vipd trusts configs
# and keys only in directories that no one but root can write, and a fresh
# clone may sit anywhere. The configs point at key files this script creates
# there (test.key, mode 600, and wide.key, mode 644, for the permission
# check); the copy is removed on exit. The binary is $VIPD, else build/vipd.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
vipd=${VIPD:-$top/build/vipd}
case $vipd in
/*) ;;
*) vipd=$PWD/$vipd ;;
esac

. "$top/test/tmpdir.sh"
tmp=$(test_tmpdir vipd-golden) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/golden" "$tmp/out.d" || exit 1
n=0 failed=0

# ok CONDITION-EXIT-STATUS DESCRIPTION
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failed=$((failed + 1))
	fi
}

# show FILE - a file's lines as TAP comments, for a failure's diagnosis.
show() {
	sed 's/^/#   /' "$1"
}

if [ ! -x "$vipd" ]; then
	echo "not ok - vipd binary $vipd not found (build it first)"
	exit 1
fi
cp -p "$here"/*.conf "$here"/*.ok "$here"/*.err "$here"/*.warn "$tmp/golden/" || exit 1
cd "$tmp/golden" || exit 1

# 24 random bytes are 32 base64 characters: the key length in the .ok files.
(umask 077 && head -c 24 /dev/urandom | base64 >test.key) || exit 1
cp test.key wide.key && chmod 644 wide.key || exit 1

# expect CONF RC STREAM WANT DESCRIPTION [OPTION...] - one check of
# "vipd -t OPTION... -f CONF": it exits RC, prints nothing on the other
# stream and exactly the file WANT on STREAM (out or err).
expect() {
	local conf=$1 want_rc=$2 got=$tmp/out.d/$3 quiet=$tmp/out.d/out want=$4 what=$5 rc
	shift 5
	[ "$got" = "$quiet" ] && quiet=$tmp/out.d/err
	"$vipd" -t "$@" -f "$conf" >"$tmp/out.d/out" 2>"$tmp/out.d/err"
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ ! -s "$quiet" ] && cmp -s "$got" "$want"; then
		ok 0 "$what"
		return
	fi
	ok 1 "$what"
	echo "# exit status $rc (want $want_rc), stderr:"
	show "$tmp/out.d/err"
	if [ "$got" = "$tmp/out.d/out" ]; then
		diff -u "$want" "$got" | sed 's/^/# /'
	else
		echo "# want:"
		show "$want"
	fi
}

for conf in good-*.conf; do
	expect "$conf" 0 out "${conf%.conf}.ok" "$conf loads and prints ${conf%.conf}.ok" -v
done
for conf in bad-*.conf; do
	expect "$conf" 3 err "${conf%.conf}.err" "$conf is refused with ${conf%.conf}.err"
done
for conf in warn-*.conf; do
	expect "$conf" 0 err "${conf%.conf}.warn" "$conf loads with the warning in ${conf%.conf}.warn"
done

# The shipped example names eth0 and /etc/vipd/key, which a CI machine does
# not have: check a copy with the interface replaced by lo and the key file by
# test.key. Every other line is checked as shipped.
eq='[[:space:]]*=[[:space:]]*'
sed -e "s|^\\([[:space:]]*interface$eq\\)\"eth0\"|\\1\"lo\"|" \
    -e "s|^\\([[:space:]]*key_file$eq\\)\"/etc/vipd/key\"|\\1\"$tmp/golden/test.key\"|" \
    "$top/etc/vipd.conf" >"$tmp/vipd.conf"
if cmp -s "$top/etc/vipd.conf" "$tmp/vipd.conf"; then
	ok 1 "etc/vipd.conf: interface \"eth0\" / key_file \"/etc/vipd/key\" found to replace"
else
	expect "$tmp/vipd.conf" 0 err /dev/null "etc/vipd.conf loads (interface lo, test key)"
fi

# Under systemd (ExecStartPre=vipd -t) stderr is the journal's stream: the
# same line, with the sd-daemon prefix "<3>" (error) that files it as such.
# $JOURNAL_STREAM names the file stderr goes to, as systemd would.
(
	cd "$tmp/golden" || exit 1
	: >"$tmp/out.d/journal"
	exec 2>>"$tmp/out.d/journal"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/out.d/journal") "$vipd" -t -f bad-address.conf
)
want="<3>$(cat "$here/bad-address.err")"
if [ "$(cat "$tmp/out.d/journal")" = "$want" ]; then
	ok 0 "under the journal a config error is one line at priority 3 (<3>)"
else
	ok 1 "under the journal a config error is one line at priority 3 (<3>)"
	show "$tmp/out.d/journal"
fi

echo "1..$n"
[ "$failed" = 0 ]
