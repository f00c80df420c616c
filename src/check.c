/*
 * check.c - the check script of a group. A timer starts the script every
 * check_interval_ms (the first time at once); if the previous run still
 * goes on, that tick is skipped and counted, so there are never two runs.
 * A run passes when the script exits 0 within check_timeout_ms; anything
 * else (non-zero, killed, timed out, not startable) is a failure.
 *
 * The verdict starts as "failed, not known": a node does not claim on the
 * strength of a check that has not answered (a check that a reload adds to
 * a running group starts as passing instead: it must not take the VIPs
 * away before it ran). The first run decides at once; after that
 * check_fall failures in a row are needed to fail and check_rise
 * successes in a row to pass again.
 *
 * Cost: the struct exec (and its output buffer) is allocated only while a
 * check_script is configured.
 *
 * Logging: one line when runs start failing (with the script's last output
 * line) and one when they pass again, one per verdict change; not one per
 * run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "log.h"

/* The verdict after a run; @fn is told when it changed. */
static void verdict(struct check *c, bool ok)
{
	const char *effect = c->cg->check_weight ? "priority lowered" : "group is unhealthy";
	bool was = c->ok, first = !c->known;

	c->known = true;
	if (first)
		c->ok = ok; /* the first run decides at once */
	else if (ok && c->good >= c->cg->check_rise)
		c->ok = true;
	else if (!ok && c->bad >= c->cg->check_fall)
		c->ok = false;
	if (c->ok == was) {
		if (first)
			log_info("group %u: check script %s its first run", c->cg->id,
				 ok ? "passed" : "failed");
		return;
	}
	if (c->ok)
		log_notice("group %u: check script passes%s", c->cg->id, first ? "" : " again");
	else if (first)
		log_warnx("group %u: check script failed its first run: %s", c->cg->id, effect);
	else
		log_warnx("group %u: check script failed %u time(s) in a row: %s", c->cg->id,
			  c->bad, effect);
	c->fn(c->ctx);
}

/* One run's result: counters, the log line on a change of result, the verdict. */
static void result(struct check *c, bool ok, int exit_status, const char *what, const char *line)
{
	bool first = c->runs == 0;

	c->runs++;
	c->last_exit = exit_status;
	if (ok) {
		c->bad = 0;
		c->good++;
	} else {
		c->failures++;
		c->good = 0;
		c->bad++;
	}
	if (!ok && (first || c->last_ok))
		log_warnx("group %u: check script %s%s%s", c->cg->id, what, line[0] ? ": " : "",
			  line);
	c->last_ok = ok;
	verdict(c, ok);
}

static void done_cb(void *ctx, const struct exec_result *r)
{
	struct check *c = ctx;
	char what[64], line[160];

	if (r->timed_out) {
		c->timeouts++;
		snprintf(what, sizeof(what), "timed out after %u ms, killed",
			 c->cg->check_timeout_ms);
	} else {
		exec_describe(r, what, sizeof(what));
	}
	exec_last_line(r, line, sizeof(line));
	result(c, r->exit_status == 0 && !r->timed_out, r->timed_out ? -1 : r->exit_status, what,
	       line);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct check *c = w->data;
	const struct conf_group *cg = c->cg;
	char tag[EXEC_TAG_MAX], group[24], vips[VIPD_MAX_VIPS * sizeof(cg->vips[0].text) + 16];
	char iface[IF_NAMESIZE + 16], node[VIPD_NAME_MAX + 16];
	const char *env[] = { group, node, iface, vips, NULL };
	size_t n;

	(void)revents;
	if (c->x && exec_running(c->x)) {
		c->skipped++;
		return;
	}
	snprintf(group, sizeof(group), "VIPD_GROUP=%u", cg->id);
	snprintf(node, sizeof(node), "VIPD_NODE=%s", c->node);
	snprintf(iface, sizeof(iface), "VIPD_INTERFACE=%s", cg->interface);
	n = (size_t)snprintf(vips, sizeof(vips), "VIPD_VIPS=");
	for (size_t i = 0; i < cg->n_vips && n < sizeof(vips); i++)
		n += (size_t)snprintf(vips + n, sizeof(vips) - n, "%s%s", i ? " " : "",
				      cg->vips[i].text);
	snprintf(tag, sizeof(tag), "group %u: check script", cg->id);
	if (!c->x)
		result(c, false, -1, "could not be started", "out of memory");
	else if (exec_start(c->x, loop, (const char *const *)cg->check_script, env,
			    cg->check_timeout_ms, done_cb, c, tag) < 0)
		result(c, false, -1, "could not be started", "");
}

void check_start(struct check *c, struct ev_loop *loop, const struct conf_group *cg,
		 const char *node, bool assume_ok, check_fn fn, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->cg = cg;
	c->fn = fn;
	c->ctx = ctx;
	c->last_exit = -1;
	c->ok = assume_ok;
	snprintf(c->node, sizeof(c->node), "%s", node);
	ev_init(&c->tick, tick_cb);
	c->tick.data = c;
	if (!cg->check_script)
		return;
	c->x = calloc(1, sizeof(*c->x)); /* without it every run fails, see tick_cb() */
	c->on = true;
	ev_timer_set(&c->tick, 0.0, cg->check_interval_ms / 1000.0);
	ev_timer_start(loop, &c->tick);
}

void check_stop(struct check *c)
{
	if (!c->on)
		return;
	ev_timer_stop(c->loop, &c->tick);
	if (c->x) {
		exec_cancel(c->x);
		free(c->x);
		c->x = NULL;
	}
	c->on = false;
}

void check_reconf(struct check *c, const struct conf_group *cg)
{
	if (!c->on) {
		if (cg->check_script)
			check_start(c, c->loop, cg, c->node, true, c->fn, c->ctx);
		else
			c->cg = cg;
		return;
	}
	if (!cg->check_script) {
		check_stop(c);
		c->cg = cg;
		return;
	}
	c->cg = cg;
	c->tick.repeat = cg->check_interval_ms / 1000.0;
	ev_timer_again(c->loop, &c->tick);
}

bool check_failed(const struct check *c)
{
	return c->on && !c->ok;
}

void check_status(const struct check *c, struct json_object *checks)
{
	struct json_object *o;

	if (!c->on)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(c->ok));
	json_object_object_add(o, "known", json_object_new_boolean(c->known));
	json_object_object_add(o, "weight", json_object_new_int64(c->cg->check_weight));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)c->runs));
	json_object_object_add(o, "failures", json_object_new_int64((int64_t)c->failures));
	json_object_object_add(o, "timeouts", json_object_new_int64((int64_t)c->timeouts));
	json_object_object_add(o, "skipped", json_object_new_int64((int64_t)c->skipped));
	json_object_object_add(o, "last_exit", json_object_new_int(c->last_exit));
	json_object_object_add(checks, "script", o);
}
