#!/bin/bash
# run.sh [SUITE...] - run vipd's test suites and print one closing line,
# "N passed, N failed". Suites: unit, san, golden, install, scripts (the
# example hook scripts), completion (bash completion), check (vipctl check's
# verdicts against a stand-in daemon), netns, netns-san
# (the netns tests again, against the ASan+UBSan daemon), faults, system (two
# booted Debian 12 containers with the .deb, test/system) (default: all).
#
# Every test speaks TAP: one "ok - what" or "not ok - what" line per check.
# A test program that exits non-zero without printing "not ok" counts as one
# failure, so a crash is never silent.
set -u
cd "$(dirname "$0")/.." || exit 1
suites=${*:-unit san golden install scripts completion check netns netns-san faults system}
pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME CMD... - run one test program, echo its output, count its TAP lines.
run() {
	local name=$1 rc p f
	shift
	echo "# $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}

export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for s in $suites; do
	case $s in
	unit)	for t in build/test_*; do [ -x "$t" ] && run "$t" "$t"; done ;;
	san)	for t in build-san/test_*; do [ -x "$t" ] && run "$t" "$t"; done ;;
	golden)	run golden test/golden/run.sh ;;
	install) run install test/t_install.sh ;;
	scripts) run scripts test/t_scripts.sh ;;
	completion) run completion test/t_completion.sh ;;
	check)	run check test/t_check.sh ;;
	netns)	for t in test/netns/t_*.sh; do [ -x "$t" ] && run "$t" "$t"; done ;;
	netns-san)
		# Not t_valgrind (valgrind and ASan do not mix), not t_lab (no vipd).
		# The long procedures run once in full above; here shorter, for the sanitizers.
		for t in test/netns/t_*.sh; do
			case $t in */t_valgrind.sh | */t_lab.sh) continue ;; esac
			[ -x "$t" ] && run "$t (ASan+UBSan)" env VIPD=build-san/vipd \
				VIPCTL=build-san/vipctl NLTOOL=build-san/nltool KEYROT_GAP_S=2 \
				AGREE_RUNS=5 "$t"
		done ;;
	faults)	[ -x test/faults/run.sh ] && run test/faults/run.sh test/faults/run.sh ;;
	system)	run test/system/t_system.sh test/system/t_system.sh ;;
	*)	echo "run.sh: unknown suite $s" >&2; exit 2 ;;
	esac
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
