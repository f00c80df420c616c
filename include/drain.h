/*
 * drain.h - a planned switchover (or standby) that waits until no call is
 * up: while this node is MASTER, run the group's calls_command every
 * calls_interval_ms through exec.c; it prints the number of active calls
 * and exits 0. At 0 the switchover (or standby) is done, the normal fast
 * one. A count that cannot be had (non-zero exit, timeout, output that is
 * not one number) is an error, never 0: the wait goes on. After max_wait
 * the drain switches anyway or gives up, as the admin chose.
 */
#ifndef DRAIN_H
#define DRAIN_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "exec.h"

/*
 * Hand over now: a switchover, or standby on (@standby). Returns 0, or a
 * negative value with the reason in @why (the switchover was refused).
 */
typedef int (*drain_fire_fn)(void *ctx, void *owner, bool standby, bool force, char *why,
			     size_t why_len);

struct drain {
	struct ev_loop *loop;
	const struct conf_group *cg;
	drain_fire_fn fire;
	void *ctx, *owner;
	struct exec *x; /* allocated while a drain runs */
	ev_timer tick;	/* the next calls_command run */
	ev_timer limit; /* max_wait */
	bool active;
	bool standby, force, then_switch;
	uint32_t max_wait_ms; /* 0 = wait as long as it takes */
	uint64_t since_ms;    /* monotonic start of the wait */
	time_t since;	      /* ... on the wall clock, for status */
	int64_t calls;	      /* last count, -1 = none yet */
	uint64_t polls, poll_failures;
	char last_error[256]; /* why the last count failed, "" after a good one */
	char ended[256];      /* how the last drain ended, "" before the first */
};

void drain_init(struct drain *d, struct ev_loop *loop, const struct conf_group *cg,
		drain_fire_fn fire, void *ctx, void *owner);

/*
 * Start waiting (the first count at once). Returns 0, or -1 with the
 * reason in @err: no calls_command, or a drain already runs.
 */
int drain_start(struct drain *d, bool standby, bool force, uint32_t max_wait_ms, bool then_switch,
		char *err, size_t err_len);

/* Stop waiting, @why for the log and status. Returns true if a drain was running. */
bool drain_cancel(struct drain *d, const char *why);

void drain_free(struct drain *d);
void drain_reconf(struct drain *d, const struct conf_group *cg);

/* Add "drain": { ... } to @o while one runs or after one ended. */
void drain_status(const struct drain *d, struct json_object *o);

#endif
