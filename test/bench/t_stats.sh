#!/bin/bash
# t_stats.sh - test/bench/stats against known answers: one TAP line a case.
# Run by `test/run.sh bench`.
set -u
STATS=$(cd "$(dirname "$0")" && pwd)/stats
nt=0 nf=0

# expect DESC WANT GOT - one TAP line.
expect() {
	nt=$((nt + 1))
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		nf=$((nf + 1))
		echo "not ok - $1"
		echo "#   got: '$3'"
		echo "#  want: '$2'"
	fi
}

# agg VALUES STAT... - `stats agg STAT...` over VALUES (space-separated,
# key k), the results joined by spaces.
agg() {
	local vals=$1 x
	shift
	for x in $vals; do printf 'k\t%s\n' "$x"; done | "$STATS" agg "$@" | cut -f2 | paste -sd' '
}

# The values (comma-separated, "-" for none), the statistics, the answer.
while IFS='|' read -r desc vals sts want; do
	[ -n "$desc" ] || continue
	[ "$vals" = - ] && vals=
	# shellcheck disable=SC2086 # STS are words on purpose
	expect "agg $sts over [$vals]: $desc" "$want" "$(agg "${vals//,/ }" $sts)"
done <<'EOF'
empty input: no key, no line||med|
one value: every statistic is that value|7|n med min max mean p0 p90 p100|1 7 7 7 7 7 7 7
odd count: the middle value|3,1,2|n med min max|3 2 1 3
even count: the mean of the two middle ones|4,1,3,2|n med min max|4 2.5 1 4
unsorted with duplicates|5,1,5,3,5|med min max mean|5 1 5 3.8
NA and empty values are not counted|3,NA,1|n med max|2 2 3
only NA: n 0, the rest NA|NA,NA|n med min max p50|0 NA NA NA NA
decimals and negative numbers|-1.5,2.25,0|med min max|0 -1.5 2.25
percentiles interpolate between ranks|10,20,30,40|p25 p50 p75 p90|17.5 25 32.5 37
p50 is the median, p0 min, p100 max|9,2,7,4,5,1|p50 med p0 min p100 max|4.5 4.5 1 1 9 9
a decimal percentile|1,2,3,4,5,6,7,8,9,10,11|p99.5|10.95
large numbers print as awk prints them|1234567.5,1|med|617284
EOF

# Several keys: first-seen order, KEY.STAT names with several statistics.
expect "agg: keys in first-seen order, KEY.STAT with several statistics" \
	"b.n=2 b.med=3 a.n=1 a.med=10" \
	"$(printf 'b\t2\na\t10\nb\t4\n' | "$STATS" agg n med | tr '\t' = | paste -sd' ')"
expect "agg: one statistic keeps the key as it is" "a=1" \
	"$(printf 'a\t1\n' | "$STATS" agg max | tr '\t' =)"
expect "agg: a key seen only with NA is still printed" "x.n=0 x.med=NA" \
	"$(printf 'x\tNA\n' | "$STATS" agg n med | tr '\t' = | paste -sd' ')"

while IFS='|' read -r desc args want; do
	[ -n "$desc" ] || continue
	# shellcheck disable=SC2086 # ARGS are words on purpose
	expect "$args: $desc" "$want" "$("$STATS" $args)"
done <<'EOF'
one decimal by default|fmt 160.55|160.6
decimals asked for|fmt 0.0004 3|0.000
no decimals|fmt 4095.6 0|4096
NA is a dash|fmt NA|–
a ratio|ratio 1 3|0.33x
a ratio above one|ratio 12.5 5|2.50x
NA on either side is a dash|ratio NA 3|–
NA on the other side is a dash|ratio 3 NA|–
a zero divisor is a dash|ratio 3 0|–
EOF

# Wrong use is refused: exit status 2.
for args in "agg" "agg foo" "agg p101" "agg px" "ratio 1" "nothing"; do
	# shellcheck disable=SC2086
	"$STATS" $args </dev/null >/dev/null 2>&1
	expect "stats $args is refused (status 2)" 2 "$?"
done
printf 'k\t1\n' | "$STATS" agg med >/dev/null
expect "stats agg med exits 0" 0 "$?"

echo "1..$nt"
[ "$nf" = 0 ]
