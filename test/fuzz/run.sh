#!/bin/bash
# run.sh SECONDS NAME... - run each libFuzzer harness build-fuzz/NAME for
# SECONDS on a scratch copy of its seed corpus test/fuzz/corpus/NAME, so the
# checked-in corpus is never written to. Prints one TAP line per harness,
#   ok - fuzz NAME SECONDS s, N execs
# and exits non-zero if any harness crashed, hung or could not run. A crashing
# input is kept as build-fuzz/NAME-crash-<sha1>; replay it with
#   build-fuzz/NAME build-fuzz/NAME-crash-<sha1>
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ $# -lt 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 SECONDS NAME..." >&2
	exit 2
fi
secs=$1
shift

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for name in "$@"; do
	bin=build-fuzz/$name
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $name: $bin is not built (make $bin)"
		failed=1
		continue
	fi
	corpus=$tmp/corpus-$name
	log=$tmp/$name.log
	mkdir -p "$corpus"
	if [ -d "test/fuzz/corpus/$name" ]; then
		cp -R "test/fuzz/corpus/$name/." "$corpus/"
	fi
	# libFuzzer stops itself after -max_total_time; timeout only guards
	# against a harness that hangs outside libFuzzer's control.
	LSAN_OPTIONS=suppressions=$(pwd)/test/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
	timeout --kill-after=10 $((secs + 60)) "$bin" -max_total_time="$secs" \
		-print_final_stats=1 -artifact_prefix="build-fuzz/$name-" "$corpus" \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs='?'
	if [ "$rc" = 0 ]; then
		echo "ok - fuzz $name $secs s, $execs execs"
	else
		echo "not ok - fuzz $name $secs s, $execs execs, exit status $rc"
		tail -n 40 "$log" | sed 's/^/# /'
		failed=1
	fi
done
exit "$failed"
