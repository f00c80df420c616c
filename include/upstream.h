/*
 * upstream.h - "am I the isolated one?": the group's upstream targets (the
 * gateway, a trunk's next hop) asked by ARP every interval, with rise/fall
 * counts. The verdict goes to the state machine and into every heartbeat.
 */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "arp.h"
#include "conf.h"
#include "nl.h"

struct upstream;
typedef void (*upstream_fn)(void *ctx, bool reachable);

struct upstream {
	struct ev_loop *loop;
	struct nl *nl;
	const struct conf_group *cg;
	upstream_fn fn;
	void *ctx;
	ev_timer tick;	 /* every upstream_interval_ms */
	ev_timer wait;	 /* end of one round's answer window */
	struct arp *arp; /* a user of the interface's ARP socket during a round */
	uint8_t mac[6];
	uint32_t answered;  /* bit per target */
	uint32_t good, bad; /* consecutive rounds */
	bool known;	    /* a round has finished */
	bool reachable;	    /* the verdict; false until the first round answers */
	uint64_t rounds, failures;
};

/*
 * Start checking @cg's targets; a group without targets is always reachable.
 * @cg must stay valid until upstream_stop(): the group's own copy.
 */
void upstream_start(struct upstream *u, struct ev_loop *loop, struct nl *nl,
		    const struct conf_group *cg, upstream_fn fn, void *ctx);
void upstream_stop(struct upstream *u);

/*
 * The settings behind u->cg changed (a reload; the pointer stays): follow
 * the new interval and targets, keeping the verdict until rounds change it.
 */
void upstream_reconf(struct upstream *u);

#endif
