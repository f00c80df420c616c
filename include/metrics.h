/*
 * metrics.h - Prometheus text format for `vipctl metrics`.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "group.h"

/* Write every metric family for the @n groups of @gs to @f. */
void metrics_write(struct group *const *gs, size_t n, FILE *f);

#endif
