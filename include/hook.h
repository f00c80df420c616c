/*
 * hook.h - a group's notify commands: run on every transition (and on the
 * master-again event) in the order the events happened, one at a time per
 * group, each with a timeout, without a shell. See vipd.conf(5), HOOKS.
 */
#ifndef HOOK_H
#define HOOK_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "fsm.h"

struct hook;

/* What happened, as the hook's environment tells it. */
struct hook_event {
	bool master_again;	  /* VIPD_EVENT: "master_again", else "transition" */
	enum fsm_state from;	  /* VIPD_PREV_STATE */
	enum fsm_state to;	  /* VIPD_STATE */
	const char *reason;	  /* VIPD_REASON */
	const char *peer;	  /* VIPD_PEER: the peer last heard, "" if none */
	const char *peer_address; /* VIPD_PEER_ADDRESS, "" if none */
};

struct hook_stats {
	uint64_t run;	    /* commands started */
	uint64_t failed;    /* not started, exited non-zero, killed, or timed out */
	uint64_t timed_out; /* killed at hook_timeout_ms */
	uint64_t dropped;   /* dropped from a full queue */
	uint64_t ok;	    /* exited 0 */
};

/*
 * The hooks of group @cg on node @node. If a hook of the same group id was
 * released and is still running its queue (a group restarted by a reload),
 * that one is taken back, so the order across the restart holds. NULL only
 * when out of memory (logged).
 */
struct hook *hook_new(struct ev_loop *loop, const struct conf_group *cg, const char *node);

/* Follow a reloaded conf_group: commands queued earlier keep what they had. */
void hook_reconf(struct hook *h, const struct conf_group *cg);

/*
 * Queue the commands @e calls for: the state's own (notify_master, ...;
 * notify_master_again for a master-again event), then notify. Each
 * command's argv and environment are fixed now; it runs when the ones
 * before it have finished. @h may be NULL (nothing happens).
 */
void hook_run(struct hook *h, const struct hook_event *e);

/*
 * The group is gone: let the queue finish on its own (the commands are
 * self-contained), then free @h. @h may be NULL.
 */
void hook_release(struct hook *h);

/* @h's counters; all zero for NULL. */
struct hook_stats hook_stats(const struct hook *h);

/* Hooks with a command running or queued, released ones included. */
size_t hook_busy(void);

/* Call @fn(@ctx) whenever a hook's queue has run empty (for a clean exit). */
void hook_on_idle(void (*fn)(void *ctx), void *ctx);

/* At exit: kill whatever still runs and free every released hook. */
void hook_shutdown(void);

#endif
