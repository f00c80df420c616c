/*
 * ctlcmd.c - the daemon's answers to vipctl: status, events, metrics,
 * version, switchover, standby and reload, one handler per daemon command
 * of ctltab.h, indexed by its row. control.c has already checked the
 * caller's permission; this file validates arguments and acts.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlcmd.h"
#include "daemon.h"
#include "exec.h"
#include "log.h"
#include "metrics.h"
#include "state.h"
#include "status.h"

#define CTLCMD_WHY_MAX 384 /* bytes of a per-group failure message */

/* Optional "group": a group id, or absent for every group. */
static int arg_group(struct daemon *d, struct json_object *args, struct group **one, char *err,
		     size_t err_len)
{
	struct json_object *v;
	int64_t id;

	*one = NULL;
	if (!json_object_object_get_ex(args, "group", &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, err_len, "group: expected a group id");
		return -1;
	}
	id = json_object_get_int64(v);
	for (size_t i = 0; i < d->n_groups; i++)
		if ((int64_t)group_id(d->groups[i]) == id) {
			*one = d->groups[i];
			return 0;
		}
	snprintf(err, err_len, "no group %lld", (long long)id);
	return -1;
}

static bool arg_bool(struct json_object *args, const char *key, bool def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, key, &v) || !json_object_is_type(v, json_type_boolean))
		return def;
	return json_object_get_boolean(v);
}

/* The control socket's own counters (control.h), for `vipctl status`. */
static struct json_object *control_json(const struct control *ctl)
{
	const struct control_stats *st = control_stats(ctl);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "connections", json_object_new_int64((int64_t)st->connections));
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)st->requests));
	json_object_object_add(o, "busy", json_object_new_int64((int64_t)st->busy));
	json_object_object_add(o, "bad_requests", json_object_new_int64((int64_t)st->bad_requests));
	json_object_object_add(o, "refused", json_object_new_int64((int64_t)st->refused));
	json_object_object_add(o, "timeouts", json_object_new_int64((int64_t)st->timeouts));
	return o;
}

/* The external commands the daemon started (exec.h), for `vipctl status`. */
static struct json_object *commands_json(void)
{
	const struct exec_stats *xs = exec_stats();
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "started", json_object_new_int64((int64_t)xs->spawns));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)xs->failures));
	json_object_object_add(o, "timed_out", json_object_new_int64((int64_t)xs->timeouts));
	json_object_object_add(o, "untrusted", json_object_new_int64((int64_t)xs->untrusted));
	return o;
}

/* The daemon's address requests to the kernel (nl.h), for `vipctl status`. */
static struct json_object *netlink_json(const struct nl *nl)
{
	const struct nl_stats *st = nl_stats(nl);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "address_adds", json_object_new_int64((int64_t)st->adds));
	json_object_object_add(o, "address_dels", json_object_new_int64((int64_t)st->dels));
	json_object_object_add(o, "batches", json_object_new_int64((int64_t)st->batches));
	json_object_object_add(o, "last_batch_us",
			       json_object_new_int64((int64_t)st->last_batch_us));
	json_object_object_add(o, "last_batch_requests",
			       json_object_new_int64((int64_t)st->last_batch_n));
	json_object_object_add(o, "longest_batch_us",
			       json_object_new_int64((int64_t)st->longest_batch_us));
	return o;
}

static int cmd_status(struct daemon *d, struct json_object *args, struct json_object *data,
		      char *err, size_t err_len)
{
	struct json_object *groups = json_object_new_array();

	(void)args;
	(void)err;
	(void)err_len;

	json_object_object_add(data, "node", json_object_new_string(d->conf.node_name));
	json_object_object_add(data, "version", json_object_new_string(VIPD_VERSION));
	json_object_object_add(data, "pid", json_object_new_int(getpid()));
	json_object_object_add(data, "uptime_ms",
			       json_object_new_int64((int64_t)(clock_now_ms() - d->start_ms)));
	json_object_object_add(data, "config", json_object_new_string(d->conf.path));
	json_object_object_add(data, "reload_error",
			       d->reload_error[0] ? json_object_new_string(d->reload_error) : NULL);
	if (d->ctl)
		json_object_object_add(data, "control", control_json(d->ctl));
	json_object_object_add(data, "commands", commands_json());
	if (d->nl)
		json_object_object_add(data, "netlink", netlink_json(d->nl));
	for (size_t i = 0; i < d->n_groups; i++) {
		struct json_object *g = json_object_new_object();

		status_group(d->groups[i], g);
		json_object_array_add(groups, g);
	}
	json_object_object_add(data, "groups", groups);
	return 0;
}

/*
 * The last "count" events (default 20), oldest first, each with its
 * sequence number "seq" (1 for the daemon's first); with "after", only
 * those newer than that number. "total" is the newest event's number, so
 * `vipctl events --follow` asks again with after = total.
 */
static int cmd_events(struct daemon *d, struct json_object *args, struct json_object *data,
		      char *err, size_t err_len)
{
	struct json_object *list = json_object_new_array(), *v;
	size_t want = 20;

	(void)err;
	(void)err_len;
	if (json_object_object_get_ex(args, "count", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0)
		want = (size_t)json_object_get_int64(v);
	if (want > d->ev_count)
		want = d->ev_count;
	if (json_object_object_get_ex(args, "after", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0) {
		uint64_t after = (uint64_t)json_object_get_int64(v);
		uint64_t newer = after < d->ev_total ? d->ev_total - after : 0;

		if (newer < want)
			want = (size_t)newer;
	}
	for (size_t k = 0; k < want; k++) {
		size_t i = (d->ev_next + DAEMON_EVENTS - want + k) % DAEMON_EVENTS;
		const struct daemon_event *e = &d->events[i];
		struct json_object *o = json_object_new_object();
		char when[64];
		struct tm tm;

		gmtime_r(&e->when.tv_sec, &tm);
		snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, e->when.tv_nsec / 1000000);
		json_object_object_add(
			o, "seq", json_object_new_int64((int64_t)(d->ev_total - want + 1 + k)));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "group", json_object_new_int64(e->group));
		json_object_object_add(o, "from", json_object_new_string(fsm_state_name(e->from)));
		json_object_object_add(o, "to", json_object_new_string(fsm_state_name(e->to)));
		json_object_object_add(o, "reason",
				       json_object_new_string(fsm_reason_text(e->reason)));
		json_object_array_add(list, o);
	}
	json_object_object_add(data, "events", list);
	json_object_object_add(data, "total", json_object_new_int64((int64_t)d->ev_total));
	json_object_object_add(data, "pid", json_object_new_int(getpid()));
	return 0;
}

static int cmd_metrics(struct daemon *d, struct json_object *args, struct json_object *data,
		       char *err, size_t err_len)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)args;
	if (!f) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	metrics_write(d, f);
	fclose(f);
	json_object_object_add(data, "text", json_object_new_string_len(text, (int)len));
	free(text);
	return 0;
}

/*
 * Run @fn on one group or all; the first failure is reported. A sync set
 * moves as a whole, through its leader: a follower named alone stands for
 * its leader, and with no group named the followers are skipped.
 */
static int for_groups(struct daemon *d, struct group *one, bool on, bool force,
		      int (*fn)(struct daemon *, struct group *, bool, bool, char *, size_t),
		      char *err, size_t err_len)
{
	char why[CTLCMD_WHY_MAX];

	int failed = 0;

	if (one && group_leader(one)) {
		log_notice("group %u follows group %u (sync set \"%s\"): acting on the leader",
			   group_id(one), group_id(group_leader(one)), group_conf(one)->sync_group);
		one = group_leader(one);
	}
	for (size_t i = 0; i < d->n_groups; i++) {
		struct group *g = d->groups[i];
		int rc;

		if ((one && g != one) || (!one && group_leader(g)))
			continue;
		why[0] = '\0';
		rc = fn(d, g, on, force, why, sizeof(why));
		if (rc < 0 && !failed) {
			snprintf(err, err_len, "group %u: %s", group_id(g),
				 why[0] ? why : fsm_strerror(rc));
			failed = 1;
		}
	}
	return failed ? -1 : 0;
}

static int do_switchover(struct daemon *d, struct group *g, bool on, bool force, char *why,
			 size_t why_len)
{
	(void)d;
	(void)on;
	(void)why;
	(void)why_len;
	log_notice("group %u: switchover requested%s", group_id(g), force ? " (forced)" : "");
	return group_switchover(g, force);
}

/*
 * The flag goes to disk first: a standby that could not be saved would
 * silently end at the next restart, so then nothing changes at all. If the
 * state machine refuses, the file is put back as it was.
 */
static int do_standby(struct daemon *d, struct group *g, bool on, bool force, char *why,
		      size_t why_len)
{
	const char *dir = d->conf.state_dir;
	bool was = state_standby_saved(dir, group_id(g));
	char err[CTLCMD_WHY_MAX];
	int rc;

	if (was != on && state_standby_save(dir, group_id(g), on, err, sizeof(err)) < 0) {
		snprintf(why, why_len, "standby not changed: cannot save it: %s", err);
		return -1;
	}
	rc = group_standby(g, on, force);
	if (rc == 0) {
		log_notice("group %u: standby %s", group_id(g), on ? "on" : "off");
		return 0;
	}
	if (was != on)
		(void)state_standby_save(dir, group_id(g), was, err, sizeof(err));
	return rc;
}

/*
 * --when-idle: the options of the request at hand, for do_drain() (the
 * for_groups() callback has no room for them). Set right before the call.
 */
static struct {
	bool standby;
	uint32_t max_wait_ms;
	bool then_switch;
} drain_opts;

/* The drain's hand-over: the same switchover or standby an admin would ask for. */
static int drain_fire(void *ctx, void *owner, bool standby, bool force, char *why, size_t why_len)
{
	struct group *g = owner;
	int rc;

	if (standby)
		rc = do_standby(ctx, g, true, force, why, why_len);
	else
		rc = do_switchover(ctx, g, false, force, why, why_len);
	if (rc < 0 && !why[0])
		snprintf(why, why_len, "%s", fsm_strerror(rc));
	return rc;
}

static int do_drain(struct daemon *d, struct group *g, bool on, bool force, char *why,
		    size_t why_len)
{
	(void)on;
	return group_drain(g, drain_opts.standby, force, drain_opts.max_wait_ms,
			   drain_opts.then_switch, drain_fire, d, why, why_len);
}

static int do_cancel(struct daemon *d, struct group *g, bool on, bool force, char *why,
		     size_t why_len)
{
	(void)d;
	(void)on;
	(void)force;
	(void)why;
	(void)why_len;
	group_drain_cancel(g, "cancelled by the admin");
	return 0;
}

/*
 * "when_idle": true, "max_wait_ms": N (0 = no limit), "then": "switch" or
 * "cancel" into drain_opts; 1 when a drain was asked for, 0 when not, -1.
 */
static int arg_drain(struct json_object *args, bool standby, char *err, size_t err_len)
{
	struct json_object *v;

	if (!arg_bool(args, "when_idle", false)) {
		if (json_object_object_get_ex(args, "max_wait_ms", &v) ||
		    json_object_object_get_ex(args, "then", &v)) {
			snprintf(err, err_len, "--max-wait and --then need --when-idle");
			return -1;
		}
		return 0;
	}
	drain_opts.standby = standby;
	drain_opts.max_wait_ms = 0;
	drain_opts.then_switch = true;
	if (json_object_object_get_ex(args, "max_wait_ms", &v)) {
		int64_t ms = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || ms < 0 || ms > UINT32_MAX) {
			snprintf(err, err_len, "max_wait_ms: expected 0..%u", UINT32_MAX);
			return -1;
		}
		drain_opts.max_wait_ms = (uint32_t)ms;
	}
	if (json_object_object_get_ex(args, "then", &v)) {
		const char *t = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(t, "switch") != 0 && strcmp(t, "cancel") != 0)) {
			snprintf(err, err_len, "then: expected switch or cancel");
			return -1;
		}
		drain_opts.then_switch = strcmp(t, "switch") == 0;
	}
	return 1;
}

static int cmd_version(struct daemon *d, struct json_object *args, struct json_object *data,
		       char *err, size_t err_len)
{
	(void)d;
	(void)args;
	(void)err;
	(void)err_len;
	json_object_object_add(data, "version", json_object_new_string(VIPD_VERSION));
	return 0;
}

static int cmd_reload(struct daemon *d, struct json_object *args, struct json_object *data,
		      char *err, size_t err_len)
{
	(void)args;
	(void)data;
	return daemon_reload(d, err, err_len);
}

/* switchover [group] [--force] [--when-idle ...] | [group] --cancel */
static int cmd_switchover(struct daemon *d, struct json_object *args, struct json_object *data,
			  char *err, size_t err_len)
{
	struct group *one;
	int rc;

	(void)data;
	if (arg_group(d, args, &one, err, err_len) < 0)
		return -1;
	if (arg_bool(args, "cancel", false))
		return for_groups(d, one, false, false, do_cancel, err, err_len);
	rc = arg_drain(args, false, err, err_len);
	if (rc < 0)
		return -1;
	return for_groups(d, one, false, arg_bool(args, "force", false),
			  rc ? do_drain : do_switchover, err, err_len);
}

/* standby on|off [group] [--force] [--when-idle ...] */
static int cmd_standby(struct daemon *d, struct json_object *args, struct json_object *data,
		       char *err, size_t err_len)
{
	struct json_object *v;
	struct group *one;
	bool on;

	(void)data;
	if (arg_group(d, args, &one, err, err_len) < 0)
		return -1;
	if (!json_object_object_get_ex(args, "on", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		snprintf(err, err_len, "standby: expected on or off");
		return -1;
	}
	on = json_object_get_boolean(v);
	switch (arg_drain(args, true, err, err_len)) {
	case -1:
		return -1;
	case 1:
		if (!on) {
			snprintf(err, err_len, "--when-idle is for standby on");
			return -1;
		}
		return for_groups(d, one, true, arg_bool(args, "force", false), do_drain, err,
				  err_len);
	}
	if (on)
		for_groups(d, one, false, false, do_cancel, err, err_len);
	return for_groups(d, one, on, arg_bool(args, "force", false), do_standby, err, err_len);
}

typedef int (*ctlcmd_fn)(struct daemon *d, struct json_object *args, struct json_object *data,
			 char *err, size_t err_len);

/* By ctltab row; NULL for a command only vipctl knows (check). */
static const ctlcmd_fn ctlcmd_fns[CTLTAB_N] = {
	[CTLTAB_STATUS] = cmd_status,	[CTLTAB_SWITCHOVER] = cmd_switchover,
	[CTLTAB_STANDBY] = cmd_standby, [CTLTAB_RELOAD] = cmd_reload,
	[CTLTAB_EVENTS] = cmd_events,	[CTLTAB_METRICS] = cmd_metrics,
	[CTLTAB_VERSION] = cmd_version,
};

int ctlcmd_handle(void *ctx, const struct ctltab_cmd *cmd, struct json_object *args,
		  struct json_object *data, char *err, size_t err_len)
{
	struct daemon *d = ctx;

	if (cmd->id >= CTLTAB_N || !ctlcmd_fns[cmd->id]) {
		snprintf(err, err_len, "unknown command \"%s\"", cmd->name);
		return -1;
	}
	if (cmd->changes_state && d->stopping) {
		snprintf(err, err_len, "vipd is stopping");
		return -1;
	}
	return ctlcmd_fns[cmd->id](d, args, data, err, err_len);
}
