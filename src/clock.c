/*
 * clock.c - monotonic milliseconds (see clock.h).
 */
#include <time.h>

#include "clock.h"

uint64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#define CLOCK_LATE_US 20 /* past the ms boundary, whatever the rounding on the way */

double clock_until_s(uint64_t at_ms)
{
	struct timespec ts;
	uint64_t now_us, at_us = at_ms * 1000u + CLOCK_LATE_US;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	return at_us > now_us ? (double)(at_us - now_us) / 1e6 : 0.0;
}
