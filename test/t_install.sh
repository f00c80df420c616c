#!/bin/bash
# t_install.sh - `make install` honours PREFIX and DESTDIR, puts every file
# where the man pages say, never overwrites an existing config, and the
# installed unit passes systemd-analyze verify; its exposure score is the
# one the README quotes. Also lints the man pages.
set -u
cd "$(dirname "$0")/.." || exit 1
nfail=0 n=0
ok() { n=$((n + 1)); echo "ok - $*"; }
not_ok() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
not_grep() { ! grep -q "$@"; }

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

make -s install DESTDIR="$D" PREFIX=/usr >"$D/install.log" 2>&1
check "make install DESTDIR PREFIX=/usr succeeds" test "$?" = 0
for f in usr/sbin/vipd usr/sbin/vipctl usr/lib/vipd/vipd-action-url usr/lib/vipd/vipd-nsupdate \
	usr/lib/vipd/vipd-service usr/lib/vipd/vipd-cloud-ip; do
	check "$f installed, executable" test -x "$D/$f"
done
for f in usr/share/man/man8/vipd.8 usr/share/man/man8/vipctl.8 \
	usr/share/man/man5/vipd.conf.5 etc/vipd/vipd.conf lib/systemd/system/vipd.service; do
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

for m in man/*.[58]; do
	check "mandoc -Tlint $m" sh -c "mandoc -Tlint -W warning '$m' >/dev/null 2>&1"
done
for opt in -t -c -s -v -h -V -f; do
	check "vipd(8) documents $opt" grep -q "^.It Fl ${opt#-}" man/vipd.8
done
check "vipd -h matches the SYNOPSIS flags" sh -c 'build/vipd -h | head -1 | grep -q "vipd \[-tvhV\] \[-s\] \[-c\] \[-f FILE\]"'

echo "1..$n"
[ "$nfail" = 0 ]
