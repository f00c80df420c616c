/*
 * fence.c - the fence command of a group (see fence.h). One command at a
 * time; the state machine asks for a fence at most once per claim attempt
 * and retries with back-off itself, so this file keeps no queue.
 *
 * Environment of the command: VIPD_GROUP, VIPD_NODE (this node),
 * VIPD_PEER (the peer's node name), VIPD_PEER_ADDRESS (the source address
 * of its last heartbeat), VIPD_INTERFACE and VIPD_VIPS. The peer's name
 * and address come from authenticated heartbeats; they reach the command
 * as environment strings, never through a shell.
 *
 * Logging: one line when a fence starts, one when it ends (with the
 * command's last output line when it failed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fence.h"
#include "log.h"

static void report(struct fence *f, bool ok)
{
	f->running = false;
	f->last_ok = ok;
	if (!ok)
		f->failures++;
	f->fn(f->ctx, ok);
}

static void done_cb(void *ctx, const struct exec_result *r)
{
	struct fence *f = ctx;
	bool ok = r->exit_status == 0 && !r->timed_out;
	char what[64];

	f->last_exit = r->timed_out ? -1 : r->exit_status;
	f->last_ms = r->duration_ms;
	exec_last_line(r, f->last_line, sizeof(f->last_line));
	if (r->timed_out) {
		f->timeouts++;
		snprintf(what, sizeof(what), "timed out after %u ms, killed",
			 f->cg->fence_timeout_ms);
	} else {
		exec_describe(r, what, sizeof(what));
	}
	if (ok)
		log_notice("group %u: fenced %s in %llu ms", f->cg->id, f->peer,
			   (unsigned long long)r->duration_ms);
	else
		log_warnx("group %u: fencing %s failed: fence command %s%s%s", f->cg->id, f->peer,
			  what, f->last_line[0] ? ": " : "", f->last_line);
	report(f, ok);
}

static void fail_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	report(w->data, false);
}

void fence_init(struct fence *f, struct ev_loop *loop, const struct conf_group *cg,
		const char *node, fence_fn fn, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->loop = loop;
	f->cg = cg;
	f->fn = fn;
	f->ctx = ctx;
	f->last_exit = -1;
	snprintf(f->node, sizeof(f->node), "%s", node);
	ev_timer_init(&f->fail, fail_cb, 0.0, 0.0);
	f->fail.data = f;
}

void fence_start(struct fence *f, const char *peer_name, const char *peer_addr)
{
	const struct conf_group *cg = f->cg;
	char group[24], node[VIPD_NAME_MAX + 16], peer[VIPD_NAME_MAX + 16], addr[80];
	char iface[IF_NAMESIZE + 16], vips[VIPD_MAX_VIPS * sizeof(cg->vips[0].text) + 16];
	char tag[EXEC_TAG_MAX];
	const char *env[] = { group, node, peer, addr, iface, vips, NULL };
	size_t n;

	if (f->running)
		return;
	f->running = true;
	f->runs++;
	snprintf(f->peer, sizeof(f->peer), "%s", peer_name);
	if (!f->x && cg->fence_command)
		f->x = calloc(1, sizeof(*f->x));
	snprintf(group, sizeof(group), "VIPD_GROUP=%u", cg->id);
	snprintf(node, sizeof(node), "VIPD_NODE=%s", f->node);
	snprintf(peer, sizeof(peer), "VIPD_PEER=%s", peer_name);
	snprintf(addr, sizeof(addr), "VIPD_PEER_ADDRESS=%s", peer_addr);
	snprintf(iface, sizeof(iface), "VIPD_INTERFACE=%s", cg->interface);
	n = (size_t)snprintf(vips, sizeof(vips), "VIPD_VIPS=");
	for (size_t i = 0; i < cg->n_vips && n < sizeof(vips); i++)
		n += (size_t)snprintf(vips + n, sizeof(vips) - n, "%s%s", i ? " " : "",
				      cg->vips[i].text);
	snprintf(tag, sizeof(tag), "group %u: fence_command", cg->id);
	log_notice("group %u: %s is silent: fencing it before claiming (%s)", cg->id, peer_name,
		   peer_addr[0] ? peer_addr : "address unknown");
	if (!f->x || !cg->fence_command ||
	    exec_start(f->x, f->loop, (const char *const *)cg->fence_command, env,
		       cg->fence_timeout_ms, done_cb, f, tag) < 0) {
		f->last_exit = -1;
		f->last_ms = 0;
		snprintf(f->last_line, sizeof(f->last_line), "could not be started");
		log_warnx("group %u: fencing %s failed: the fence command could not be started",
			  cg->id, peer_name);
		ev_timer_set(&f->fail, 0.0, 0.0);
		ev_timer_start(f->loop, &f->fail);
	}
}

void fence_free(struct fence *f)
{
	if (f->loop)
		ev_timer_stop(f->loop, &f->fail);
	if (f->x) {
		exec_cancel(f->x);
		free(f->x);
		f->x = NULL;
	}
	f->running = false;
}

void fence_reconf(struct fence *f, const struct conf_group *cg)
{
	f->cg = cg;
}

void fence_status(const struct fence *f, struct json_object *o)
{
	struct json_object *j;

	if (!f->cg->fence_command)
		return;
	j = json_object_new_object();
	json_object_object_add(j, "running", json_object_new_boolean(f->running));
	json_object_object_add(j, "peer", json_object_new_string(f->peer));
	json_object_object_add(j, "runs", json_object_new_int64((int64_t)f->runs));
	json_object_object_add(j, "failures", json_object_new_int64((int64_t)f->failures));
	json_object_object_add(j, "timeouts", json_object_new_int64((int64_t)f->timeouts));
	json_object_object_add(j, "last_ok", json_object_new_boolean(f->last_ok));
	json_object_object_add(j, "last_exit", json_object_new_int(f->last_exit));
	json_object_object_add(j, "last_ms", json_object_new_int64((int64_t)f->last_ms));
	json_object_object_add(j, "last_output", json_object_new_string(f->last_line));
	json_object_object_add(j, "timeout_ms", json_object_new_int64(f->cg->fence_timeout_ms));
	json_object_object_add(o, "fence", j);
}
