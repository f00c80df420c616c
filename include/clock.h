/*
 * clock.h - the daemon's one clock: CLOCK_MONOTONIC in milliseconds.
 * Pure modules never read it; the glue stamps their inputs with it.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <time.h>

uint64_t clock_now_ms(void);

/* The same clock in microseconds: for durations the daemon reports. */
uint64_t clock_now_us(void);

/*
 * Seconds from now until clock_now_ms() reaches @at_ms (0 if it has), for
 * a libev timer after ev_now_update(): measured from the clock itself, not
 * from its last whole ms, so every timer due at one ms fires in one turn of
 * the loop, whenever in its ms each was armed. Never early: a few us late.
 */
double clock_until_s(uint64_t at_ms);

/*
 * When a datagram stamped @stamp by the kernel (SO_TIMESTAMPNS: the wall
 * clock) arrived, on the monotonic clock, given both clocks read together
 * just after it was read (@mono_now, @real_now): @mono_now minus its age.
 * An age below zero or over CLOCK_STAMP_MAX_MS (the wall clock stepped in
 * between) is taken as none: @mono_now. Pure.
 */
#define CLOCK_STAMP_MAX_MS 1000
uint64_t clock_stamp_ms(const struct timespec *mono_now, const struct timespec *real_now,
			const struct timespec *stamp);

#endif
