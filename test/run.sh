#!/bin/bash
# run.sh [SUITE...] - run vipd's test suites and print one closing line,
# "N passed, N failed". Suites: unit, san, lint (test/t_lint.sh: format,
# clang-tidy, cppcheck, mandoc), bench (test/bench/stats against known answers), golden, install, scripts (the example hook scripts),
# completion (bash completion), check (vipctl check's verdicts against a
# stand-in daemon), netns, netns-san (the netns tests again, against the
# ASan+UBSan daemon), faults, system (two booted Debian 12 containers with
# the .deb, test/system) (default: all).
#
# Every test speaks TAP: one "ok - what" or "not ok - what" line per check.
# Nothing passes by being absent or silent:
# - a test program that exits non-zero without printing "not ok" counts as
#   one failure, so a crash is never silent;
# - a unit test program of the Makefile's UNIT list (`make list-unit`) that
#   is not built in build/ (unit) or build-san/ (san) is a "not ok";
# - so is a netns script that is missing or not executable: the netns
#   suites run NETNS_TESTS (names such as "t_core t_health") if set, else
#   every test/netns/t_*.sh;
# - a suite that printed no TAP line at all is a "not ok", and a run that
#   counted nothing never ends in success.
set -u
cd "$(dirname "$0")/.." || exit 1
suites=${*:-unit san lint bench golden install scripts completion check netns netns-san faults system}
pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# not_ok WHAT - one failure that no test program printed.
not_ok() {
	echo "not ok - $*"
	fail=$((fail + 1))
}

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

# run_prog NAME FILE [ENV=VALUE...] - run FILE (with the environment
# settings) if it is there and executable, else a "not ok".
run_prog() {
	local name=$1 file=$2
	shift 2
	if [ ! -e "$file" ]; then
		not_ok "$name: $file is missing"
	elif [ ! -x "$file" ]; then
		not_ok "$name: $file is not executable"
	else
		run "$name" env "$@" "$file"
	fi
}

# unit_suite DIR - every program of the UNIT list, from DIR.
unit_suite() {
	local units t
	if ! units=$(make -s --no-print-directory list-unit 2>/dev/null) || [ -z "$units" ]; then
		not_ok "the Makefile's UNIT list (make list-unit) could not be read"
		return
	fi
	for t in $units; do
		run_prog "$1/$t" "$1/$t"
	done
}

# netns_scripts - the netns scripts to run, as paths (missing ones included).
netns_scripts() {
	local t
	if [ -n "${NETNS_TESTS:-}" ]; then
		for t in $NETNS_TESTS; do
			echo "test/netns/${t%.sh}.sh"
		done
	else
		for t in test/netns/t_*.sh; do
			[ -e "$t" ] && echo "$t"
		done
	fi
}

export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for s in $suites; do
	p0=$pass f0=$fail
	case $s in
	unit)	unit_suite build ;;
	san)	unit_suite build-san ;;
	lint)	run lint make -s --no-print-directory lint ;;
	bench)	run_prog "bench statistics" test/bench/t_stats.sh ;;
	golden)	run golden test/golden/run.sh ;;
	install) run install test/t_install.sh ;;
	scripts) run scripts test/t_scripts.sh ;;
	completion) run completion test/t_completion.sh ;;
	check)	run check test/t_check.sh ;;
	netns)
		scripts=$(netns_scripts)
		[ -n "$scripts" ] || not_ok "netns: no test/netns/t_*.sh"
		for t in $scripts; do
			run_prog "$t" "$t"
		done ;;
	netns-san)
		# Not t_valgrind (valgrind and ASan do not mix), not t_lab (no vipd).
		# The long procedures run once in full above; here shorter, for the sanitizers.
		for t in $(netns_scripts); do
			case $t in */t_valgrind.sh | */t_lab.sh) continue ;; esac
			run_prog "$t (ASan+UBSan)" "$t" VIPD=build-san/vipd \
				VIPCTL=build-san/vipctl NLTOOL=build-san/nltool KEYROT_GAP_S=2 \
				AGREE_RUNS=5
		done ;;
	faults)	run_prog test/faults/run.sh test/faults/run.sh ;;
	system)	run test/system/t_system.sh test/system/t_system.sh ;;
	*)	echo "run.sh: unknown suite $s" >&2; exit 2 ;;
	esac
	[ "$pass" = "$p0" ] && [ "$fail" = "$f0" ] && not_ok "suite $s ran no check"
done
[ $((pass + fail)) = 0 ] && not_ok "no check ran at all"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
