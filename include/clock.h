/*
 * clock.h - the daemon's one clock: CLOCK_MONOTONIC in milliseconds.
 * Pure modules never read it; the glue stamps their inputs with it.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

uint64_t clock_now_ms(void);

/*
 * Seconds from now until clock_now_ms() reaches @at_ms (0 if it has), for
 * a libev timer after ev_now_update(): measured from the clock itself, not
 * from its last whole ms, so every timer due at one ms fires in one turn of
 * the loop, whenever in its ms each was armed. Never early: a few us late.
 */
double clock_until_s(uint64_t at_ms);

#endif
