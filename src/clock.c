/*
 * clock.c - monotonic milliseconds (see clock.h).
 */
#include <time.h>

#include "clock.h"

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

uint64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#define CLOCK_LATE_US 20 /* past the ms boundary, whatever the rounding on the way */

double clock_until_s(uint64_t at_ms)
{
	uint64_t now_us = clock_now_us(), at_us = at_ms * 1000u + CLOCK_LATE_US;

	return at_us > now_us ? (double)(at_us - now_us) / 1e6 : 0.0;
}

uint64_t clock_stamp_ms(const struct timespec *mono_now, const struct timespec *real_now,
			const struct timespec *stamp)
{
	int64_t now = ns_of(mono_now), age = ns_of(real_now) - ns_of(stamp);

	if (age < 0 || age > (int64_t)CLOCK_STAMP_MAX_MS * 1000000 || age > now)
		age = 0;
	return (uint64_t)(now - age) / 1000000u;
}
