/*
 * drain.c - switchover / standby --when-idle (see drain.h). One drain per
 * group at a time, one calls_command run at a time: a run still going when
 * the next tick comes is waited for, not doubled.
 *
 * Trust: the count is the output of a root-owned program (trust.c checks it
 * at every start), read as one decimal number and nothing else, so a PBX
 * that answers with an error text ("Unable to connect to remote asterisk")
 * is an error and never counts as "no calls".
 *
 * Logging: the start, every change of the count, each failing run's first
 * time, and the end (handed over, gave up, cancelled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "drain.h"
#include "log.h"

static const char *what(const struct drain *d)
{
	return d->standby ? "standby" : "switchover";
}

/* Stop the timers and any counter still running; the drain is over. */
static void halt(struct drain *d)
{
	ev_timer_stop(d->loop, &d->tick);
	ev_timer_stop(d->loop, &d->limit);
	if (d->x) {
		exec_cancel(d->x);
		free(d->x);
		d->x = NULL;
	}
	d->active = false;
}

static void finish(struct drain *d, const char *how)
{
	char t[32];
	struct tm tm;

	halt(d);
	localtime_r(&d->since, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	snprintf(d->ended, sizeof(d->ended), "%s", how);
	log_notice("group %u: %s when idle (waiting since %s): %s", d->cg->id, what(d), t,
		   d->ended);
}

/* Hand over now; the drain is over either way. */
static void fire(struct drain *d, const char *because)
{
	char why[160] = "", msg[256];
	bool standby = d->standby, force = d->force;

	snprintf(msg, sizeof(msg), "%s: handing over", because);
	finish(d, msg);
	if (d->fire(d->ctx, d->owner, standby, force, why, sizeof(why)) < 0) {
		snprintf(msg, sizeof(msg), "%s, but the %s was refused: %s", because,
			 standby ? "standby" : "switchover", why);
		snprintf(d->ended, sizeof(d->ended), "%s", msg);
		log_warnx("group %u: %s", d->cg->id, msg);
	}
}

static void arm_tick(struct drain *d)
{
	ev_timer_set(&d->tick, d->cg->calls_interval_ms / 1000.0, 0.0);
	ev_timer_start(d->loop, &d->tick);
}

static void done_cb(void *ctx, const struct exec_result *r)
{
	struct drain *d = ctx;
	int64_t n = -1;
	char desc[64], line[120];

	d->polls++;
	if (r->exit_status == 0 && !r->timed_out)
		n = calls_parse(r->output, r->output_len);
	if (n < 0) {
		d->poll_failures++;
		exec_describe(r, desc, sizeof(desc));
		exec_last_line(r, line, sizeof(line));
		if (r->exit_status == 0 && !r->timed_out)
			snprintf(desc, sizeof(desc), "printed no call count");
		if (!d->last_error[0])
			log_warnx("group %u: calls_command %s%s%s: calls unknown, still waiting",
				  d->cg->id, desc, line[0] ? ": " : "", line);
		snprintf(d->last_error, sizeof(d->last_error), "calls_command %s%s%s", desc,
			 line[0] ? ": " : "", line);
		arm_tick(d);
		return;
	}
	d->last_error[0] = '\0';
	if (n != d->calls)
		log_info("group %u: %s when idle: %lld call(s) up", d->cg->id, what(d),
			 (long long)n);
	d->calls = n;
	if (n == 0) {
		fire(d, "no call is up");
		return;
	}
	arm_tick(d);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct drain *d = w->data;
	char tag[EXEC_TAG_MAX], group[24];
	const char *env[] = { group, NULL };

	(void)revents;
	if (exec_running(d->x)) {
		arm_tick(d);
		return;
	}
	snprintf(group, sizeof(group), "VIPD_GROUP=%u", d->cg->id);
	snprintf(tag, sizeof(tag), "group %u: calls_command", d->cg->id);
	if (exec_start(d->x, loop, (const char *const *)d->cg->calls_command, env,
		       d->cg->calls_timeout_ms, done_cb, d, tag) < 0) {
		d->polls++;
		d->poll_failures++;
		snprintf(d->last_error, sizeof(d->last_error),
			 "calls_command could not be started");
		arm_tick(d);
	}
}

static void limit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct drain *d = w->data;
	char because[96];

	(void)loop;
	(void)revents;
	if (d->calls >= 0)
		snprintf(because, sizeof(because), "max wait of %u ms reached with %lld call(s) up",
			 d->max_wait_ms, (long long)d->calls);
	else
		snprintf(because, sizeof(because), "max wait of %u ms reached, calls unknown",
			 d->max_wait_ms);
	if (d->then_switch)
		fire(d, because);
	else {
		char how[160];

		snprintf(how, sizeof(how), "%s: gave up, nothing moved", because);
		finish(d, how);
	}
}

void drain_init(struct drain *d, struct ev_loop *loop, const struct conf_group *cg,
		drain_fire_fn fire_fn, void *ctx, void *owner)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->cg = cg;
	d->fire = fire_fn;
	d->ctx = ctx;
	d->owner = owner;
	d->calls = -1;
	ev_init(&d->tick, tick_cb);
	d->tick.data = d;
	ev_init(&d->limit, limit_cb);
	d->limit.data = d;
}

int drain_start(struct drain *d, bool standby, bool force, uint32_t max_wait_ms, bool then_switch,
		char *err, size_t err_len)
{
	if (!d->cg->calls_command) {
		snprintf(err, err_len, "--when-idle needs a calls_command in the group's config");
		return -1;
	}
	if (d->active) {
		snprintf(err, err_len, "a %s when idle already waits (--cancel stops it)", what(d));
		return -1;
	}
	d->x = calloc(1, sizeof(*d->x));
	if (!d->x) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	d->active = true;
	d->standby = standby;
	d->force = force;
	d->then_switch = then_switch;
	d->max_wait_ms = max_wait_ms;
	d->since_ms = (uint64_t)(ev_now(d->loop) * 1000.0);
	d->since = time(NULL);
	d->calls = -1;
	d->polls = d->poll_failures = 0;
	d->last_error[0] = '\0';
	d->ended[0] = '\0';
	log_notice("group %u: %s when idle: waiting until no call is up%s%s", d->cg->id, what(d),
		   max_wait_ms ? (then_switch ? ", then switching anyway at the max wait"
					      : ", giving up at the max wait")
			       : "",
		   force ? " (forced)" : "");
	ev_timer_set(&d->tick, 0.0, 0.0);
	ev_timer_start(d->loop, &d->tick);
	if (max_wait_ms) {
		ev_timer_set(&d->limit, max_wait_ms / 1000.0, 0.0);
		ev_timer_start(d->loop, &d->limit);
	}
	return 0;
}

bool drain_cancel(struct drain *d, const char *why)
{
	if (!d->active)
		return false;
	char how[160];

	snprintf(how, sizeof(how), "cancelled: %s", why);
	finish(d, how);
	return true;
}

void drain_free(struct drain *d)
{
	if (d->loop)
		halt(d);
}

void drain_reconf(struct drain *d, const struct conf_group *cg)
{
	d->cg = cg;
	if (d->active && !cg->calls_command)
		drain_cancel(d, "calls_command removed by a reload");
}

void drain_status(const struct drain *d, struct json_object *o)
{
	struct json_object *j;

	if (!d->active && !d->ended[0])
		return;
	j = json_object_new_object();
	json_object_object_add(j, "active", json_object_new_boolean(d->active));
	json_object_object_add(j, "action", json_object_new_string(what(d)));
	json_object_object_add(j, "calls", json_object_new_int64(d->calls));
	json_object_object_add(j, "since", json_object_new_int64((int64_t)d->since));
	json_object_object_add(j, "max_wait_ms", json_object_new_int64(d->max_wait_ms));
	json_object_object_add(j, "then",
			       json_object_new_string(d->then_switch ? "switch" : "cancel"));
	json_object_object_add(j, "polls", json_object_new_int64((int64_t)d->polls));
	json_object_object_add(j, "poll_failures",
			       json_object_new_int64((int64_t)d->poll_failures));
	json_object_object_add(j, "last_error", json_object_new_string(d->last_error));
	json_object_object_add(j, "ended", json_object_new_string(d->ended));
	json_object_object_add(o, "drain", j);
}
