/*
 * clock.h - the daemon's one clock: CLOCK_MONOTONIC in milliseconds.
 * Pure modules never read it; the glue stamps their inputs with it.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

uint64_t clock_now_ms(void);

#endif
