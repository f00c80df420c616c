/*
 * test_clock.c - a heartbeat's arrival on the monotonic clock from the
 * kernel's wall-clock stamp (clock_stamp_ms), as a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"

static struct timespec ts(long long ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = ns % 1000000000 };
}

static void test_stamp_table(void **st)
{
	/* Both clocks read together: the wall clock at 1700000000 s + 10 ms. */
	const long long real = 1700000000LL * 1000000000 + 10000000;
	static const struct {
		const char *what;
		long long mono_ns; /* the monotonic clock then */
		long long age_ns;  /* real - stamp */
		uint64_t want_ms;
	} rows[] = {
		{ "read as it came", 5000900000, 0, 5000 },
		{ "waited 0.5 ms: still in the same ms", 5000900000, 500000, 5000 },
		{ "waited 1.2 ms: the ms before", 5000900000, 1200000, 4999 },
		{ "waited 4.2 ms behind its mates' steps", 5000900000, 4200000, 4996 },
		{ "waited 0.999 s", 5000900000, 999000000, 4001 },
		{ "over a second: the wall clock stepped back in between", 5000900000, 1000000001,
		  5000 },
		{ "from the future: the wall clock stepped forward", 5000900000, -3000000, 5000 },
		{ "older than the monotonic clock itself", 500900000, 600000000, 500 },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct timespec m = ts(rows[i].mono_ns), r = ts(real),
				s = ts(real - rows[i].age_ns);
		uint64_t got = clock_stamp_ms(&m, &r, &s);

		if (got != rows[i].want_ms)
			fail_msg("row %zu \"%s\": got %llu ms, want %llu", i, rows[i].what,
				 (unsigned long long)got, (unsigned long long)rows[i].want_ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
