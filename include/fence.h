/*
 * fence.h - a group's fence command: before this node claims the VIPs from
 * a peer that went silent, make sure that peer cannot hold them (power it
 * off, cut its switch port). Runs fence_command through exec.c with the
 * peer's name and address in the environment and fence_timeout_ms as its
 * timeout; exit 0 in time = fenced, anything else = not. When to fence is
 * the state machine's business (fsm_probe.c, fence_due()).
 */
#ifndef FENCE_H
#define FENCE_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "exec.h"
#include "vipd.h"

/* The fence ended: @ok when the command exited 0 within fence_timeout_ms. */
typedef void (*fence_fn)(void *ctx, bool ok);

struct fence {
	struct ev_loop *loop;
	const struct conf_group *cg;
	char node[VIPD_NAME_MAX];
	fence_fn fn;
	void *ctx;
	struct exec *x; /* allocated while a fence_command is configured */
	ev_timer fail;	/* reports a fence that could not start, from the loop */
	bool running;
	char peer[VIPD_NAME_MAX]; /* the peer of the last (or running) fence */
	uint64_t runs, failures, timeouts;
	int last_exit; /* -1 killed, timed out or not started; 0.. exit status */
	bool last_ok;
	uint64_t last_ms;    /* how long the last fence took */
	char last_line[160]; /* its last line of output */
};

/* Prepare @f for @cg (nothing runs yet); @fn is called once per fence_start(). */
void fence_init(struct fence *f, struct ev_loop *loop, const struct conf_group *cg,
		const char *node, fence_fn fn, void *ctx);

/*
 * Run the fence command against @peer_name at @peer_addr ("" if unknown).
 * @fn is called exactly once, from the loop (never from inside this call),
 * also when the command could not be started. A fence already running is
 * left to finish: its end is the answer.
 */
void fence_start(struct fence *f, const char *peer_name, const char *peer_addr);

/* Kill a running fence (no callback) and release the command's memory. */
void fence_free(struct fence *f);

/* Follow a reloaded conf_group (a running fence finishes with the old command). */
void fence_reconf(struct fence *f, const struct conf_group *cg);

/* Add "fence": { ... } to @o when a fence_command is configured. */
void fence_status(const struct fence *f, struct json_object *o);

#endif
