#!/bin/bash
# t_lint.sh - the static checks as TAP, so that a finding counts in
# `make check`'s closing line like any failed test. `make lint` runs it with
# the compiler flags in LINT_CFLAGS (the Makefile's pkg-config flags).
#
#   format   clang-format (.clang-format): every C file in src/, include/,
#            test/unit/, test/tools/ and test/fuzz/ as formatted; one line each
#   tidy     clang-tidy (.clang-tidy) per file in src/, its findings shown
#   cppcheck over src/, one line
#   mandoc   -Tlint -W warning per man page
#
# LINT_ONLY ["format tidy cppcheck mandoc"] picks some of them.
set -u
cd "$(dirname "$0")/.." || exit 1
only=${LINT_ONLY:-format tidy cppcheck mandoc}
# Without the Makefile's flags: the same pkg-config modules it asks for.
flags=${LINT_CFLAGS:--Iinclude -D_GNU_SOURCE $(pkg-config --cflags libconfig libnl-3.0 \
	libnl-route-3.0 libmnl libsodium json-c libcap-ng 2>/dev/null)}
out=$(mktemp -d) || exit 1
trap 'rm -rf -- "$out"' EXIT
n=0

tap() {	# tap OK DESC [FILE-WITH-DETAILS]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && head -n 40 "$3" | sed 's/^/#   /'
	fi
}
want() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }

if want format; then
	for f in src/*.c src/*.h include/*.h test/unit/*.c test/tools/*.c test/fuzz/*.c; do
		[ -f "$f" ] || continue
		clang-format --style=file "$f" | diff -u "$f" - >"$out/fmt" 2>&1
		tap $? "clang-format: $f is formatted" "$out/fmt"
	done
fi
if want tidy; then
	# Two at a time (the machine's cores); each file's findings in its own log.
	# shellcheck disable=SC2016,SC2086
	printf '%s\n' src/*.c | xargs -P 2 -I{} sh -c \
		'clang-tidy --quiet "$1" -- -std=c11 $2 >"$3/tidy.$(basename "$1")" 2>&1; echo $? >"$3/rc.$(basename "$1")"' \
		_ {} "$flags" "$out"
	for f in src/*.c; do
		b=$(basename "$f")
		tap "$(cat "$out/rc.$b" 2>/dev/null || echo 1)" "clang-tidy: $f" "$out/tidy.$b"
	done
fi
if want cppcheck; then
	cppcheck -q --error-exitcode=1 --enable=warning,portability,performance --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -Iinclude src/ >"$out/cpp" 2>&1
	tap $? "cppcheck: src/" "$out/cpp"
fi
if want mandoc; then
	for f in man/*.[1-8]; do
		mandoc -Tlint -W warning "$f" >"$out/man" 2>&1
		tap $? "mandoc -Tlint: $f" "$out/man"
	done
fi
echo "1..$n"
