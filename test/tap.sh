# shellcheck shell=bash
#
# tap.sh - the TAP lines of the test/t_*.sh scripts, sourced after their
# `set -u`: ok and not_ok print one line each and count it (n, nfail),
# check DESC CMD... is ok DESC when CMD succeeds and not_ok DESC when not,
# tap_end prints the plan "1..N" and returns 1 if any line was "not ok".
n=0 nfail=0
ok() { n=$((n + 1)); echo "ok - $*"; }
not_ok() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
tap_end() { echo "1..$n"; [ "$nfail" = 0 ]; }
