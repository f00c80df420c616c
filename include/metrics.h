/*
 * metrics.h - the Prometheus text format, for `vipctl metrics` and for the
 * metrics_file that node_exporter's textfile collector reads.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdio.h>

#include "daemon.h"

/* Write every metric family of the daemon and its groups to @f. */
void metrics_write(const struct daemon *d, FILE *f);

/*
 * Write d->conf.metrics_file (if set) now and then every
 * d->conf.metrics_interval_ms, atomically (temporary file + rename). The
 * setting is read anew at each tick, so a reload takes effect by itself.
 */
void metrics_file_start(struct daemon *d);

/* Stop writing and remove the file last written. */
void metrics_file_stop(struct daemon *d);

#endif
