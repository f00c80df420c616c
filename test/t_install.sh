#!/bin/bash
# t_install.sh - `make install` honours PREFIX and DESTDIR, puts every file
# where the man pages say, never overwrites an existing config, and the
# installed unit passes systemd-analyze verify; its exposure score is the
# one the README quotes. `make uninstall` removes every file of ours and
# keeps the config. Also lints the man pages.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=test/tap.sh
. test/tap.sh
not_grep() { ! grep -q "$@"; }

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

make -s install DESTDIR="$D" PREFIX=/usr >"$D/install.log" 2>&1
check "make install DESTDIR PREFIX=/usr succeeds" test "$?" = 0
for f in usr/sbin/vipd usr/sbin/vipctl usr/lib/vipd/vipd-action-url usr/lib/vipd/vipd-nsupdate \
	usr/lib/vipd/vipd-service usr/lib/vipd/vipd-cloud-ip usr/lib/vipd/check-kamailio \
	usr/lib/vipd/vipd-calls-kamailio usr/lib/vipd/vipd-calls-asterisk \
	usr/lib/vipd/vipd-calls-freeswitch usr/lib/vipd/vipd-fence-example; do
	check "$f installed, executable" test -x "$D/$f"
done
for f in usr/share/man/man8/vipd.8 usr/share/man/man8/vipctl.8 \
	usr/share/man/man5/vipd.conf.5 etc/vipd/vipd.conf lib/systemd/system/vipd.service \
	usr/share/bash-completion/completions/vipctl; do
	check "$f installed" test -s "$D/$f"
done
# vipd(8) FILES names the config and the unit's paths; check they agree.
check "vipd(8) FILES names /etc/vipd/vipd.conf" grep -q '^.It Pa /etc/vipd/vipd.conf' man/vipd.8
check "the unit runs /usr/sbin/vipd -f /etc/vipd/vipd.conf" \
	grep -q '^ExecStart=/usr/sbin/vipd -f /etc/vipd/vipd.conf$' "$D/lib/systemd/system/vipd.service"
check "the unit cleans up with vipd -c after any exit" \
	grep -q '^ExecStopPost=/usr/sbin/vipd -c ' "$D/lib/systemd/system/vipd.service"
check "no @SBINDIR@ left in the unit" not_grep '@SBINDIR@' "$D/lib/systemd/system/vipd.service"

echo "# my edit" >>"$D/etc/vipd/vipd.conf"
make -s install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
check "a second install keeps the admin's vipd.conf" grep -q '^# my edit$' "$D/etc/vipd/vipd.conf"

make -s install DESTDIR="$D/opt" PREFIX=/opt/vipd >/dev/null 2>&1
check "PREFIX=/opt/vipd puts vipd in /opt/vipd/sbin" test -x "$D/opt/opt/vipd/sbin/vipd"
check "... and the unit points there" \
	grep -q '^ExecStart=/opt/vipd/sbin/vipd ' "$D/opt/lib/systemd/system/vipd.service"

# verify needs the binaries where the unit says: verify a copy pointing into DESTDIR.
sed "s|/usr/sbin/|$D/usr/sbin/|g" "$D/lib/systemd/system/vipd.service" >"$D/vipd.service"
systemd-analyze verify --man=no "$D/vipd.service" >"$D/verify.log" 2>&1
check "systemd-analyze verify passes" test "$?" = 0 -a ! -s "$D/verify.log"
sed 's/^/#   /' "$D/verify.log"
score=$(systemd-analyze security --offline=true "$D/vipd.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for vipd.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security: exposure ${score:-?}"
check "exposure score ${score:-?} is the README's 2.5" test "$score" = 2.5
check "README quotes it" grep -q 'rates the unit \*\*2.5 OK\*\*' README.md

# bash-completion finds a completion by the command's name in its directory.
if [ -r /usr/share/bash-completion/bash_completion ]; then
	dir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
	check "the completion goes where bash-completion looks (${dir:-?})" \
		test "${dir:-/usr/share/bash-completion/completions}" = /usr/share/bash-completion/completions
fi

# --- uninstall: everything of ours goes, the admin's config stays ---------------
U=$D/u
make -s install DESTDIR="$U" PREFIX=/usr >/dev/null 2>&1
(umask 077 && echo secret >"$U/etc/vipd/key")
echo "# my edit" >>"$U/etc/vipd/vipd.conf"
find "$U" -mindepth 1 -not -type d | sort >"$D/installed.txt"
make -s uninstall DESTDIR="$U" PREFIX=/usr >"$D/uninstall.log" 2>&1
check "make uninstall DESTDIR PREFIX=/usr succeeds" test "$?" = 0
sed 's/^/#   /' "$D/uninstall.log"
find "$U" -mindepth 1 -not -type d | sort >"$D/left.txt"
check "uninstall: only the config and the key are left" \
	test "$(cat "$D/left.txt")" = "$U/etc/vipd/key
$U/etc/vipd/vipd.conf"
sed 's/^/#   left: /' "$D/left.txt"
check "uninstall: the admin's vipd.conf is untouched" grep -q '^# my edit$' "$U/etc/vipd/vipd.conf"
# 2 binaries, 9 hook, check, call counter and fence scripts, 3 man pages, the unit,
# the completion.
check "uninstall: the 16 files of ours were removed" \
	test "$(($(grep -c . "$D/installed.txt") - $(grep -c . "$D/left.txt")))" = 16
check "uninstall: the hook directory is gone" test ! -e "$U/usr/lib/vipd"
make -s uninstall DESTDIR="$U" PREFIX=/usr >/dev/null 2>&1
check "a second uninstall succeeds too (nothing left to remove)" test "$?" = 0
make -s install DESTDIR="$U" PREFIX=/opt/vipd >/dev/null 2>&1
make -s uninstall DESTDIR="$U" PREFIX=/opt/vipd >/dev/null 2>&1
check "uninstall honours PREFIX=/opt/vipd" \
	test -z "$(find "$U/opt" -not -type d)" -a -z "$(find "$U/lib" -not -type d)"

for m in man/*.[58]; do
	check "mandoc -Tlint $m" sh -c "mandoc -Tlint -W warning '$m' >/dev/null 2>&1"
done
for opt in -t -c -s -v -h -V -f; do
	check "vipd(8) documents $opt" grep -q "^.It Fl ${opt#-}" man/vipd.8
done
check "vipd -h matches the SYNOPSIS flags" sh -c 'build/vipd -h | head -1 | grep -q "vipd \[-tvhV\] \[-s\] \[-c\] \[-f FILE\]"'

tap_end
