/*
 * check.h - a group's check script ("is Kamailio answering?"): run every
 * check_interval_ms through exec.c, never two at once, with a timeout;
 * check_fall failed runs in a row make the check fail, check_rise good runs
 * make it pass again. What a failed check does (FAULT, or a lower priority)
 * is group.c's business.
 */
#ifndef CHECK_H
#define CHECK_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "exec.h"
#include "vipd.h"

/* The verdict changed: check_failed() tells the new one. */
typedef void (*check_fn)(void *ctx);

struct check {
	struct ev_loop *loop;
	const struct conf_group *cg;
	char node[VIPD_NAME_MAX];
	check_fn fn;
	void *ctx;
	bool on;	    /* a check_script is configured and running */
	struct exec *x;	    /* allocated while a check_script is configured */
	ev_timer tick;	    /* every check_interval_ms, the first at once */
	bool known;	    /* a run has finished */
	bool ok;	    /* the verdict; before the first run see check_start() */
	bool last_ok;	    /* the last run's result */
	uint32_t good, bad; /* runs in a row */
	int last_exit;	    /* last run's exit status; -1 killed, timed out or not started */
	uint64_t runs, failures, timeouts, skipped;
};

/*
 * Start running @cg's check_script (nothing happens without one: the check
 * then never fails). Until the first run ends the check counts as failed,
 * or as passed with @assume_ok (a check added to a running group by a
 * reload must not take the VIPs away before it ran). @fn is called from
 * the loop when the verdict changes.
 */
void check_start(struct check *c, struct ev_loop *loop, const struct conf_group *cg,
		 const char *node, bool assume_ok, check_fn fn, void *ctx);

/* Stop: the running script is killed, the check no longer fails. */
void check_stop(struct check *c);

/*
 * Follow a reloaded conf_group. A check added or removed starts or stops;
 * a changed one keeps its verdict and counters and runs the new command
 * from its next interval on.
 */
void check_reconf(struct check *c, const struct conf_group *cg);

/* True if a configured check does not pass (see check_start() for before its first run). */
bool check_failed(const struct check *c);

/* Add "script": { ... } to @checks when a check_script is configured. */
void check_status(const struct check *c, struct json_object *checks);

#endif
