/*
 * upstream.c - upstream target checks. Each round is a user of the
 * interface's ARP socket (arp.h), probes every target (RFC 5227 form: sender IP 0.0.0.0) and waits
 * upstream_timeout_ms for answers; the round succeeds if any target
 * answered. upstream_fall failed rounds in a row make the targets
 * unreachable, upstream_rise good ones reachable again.
 *
 * Cost: one packet per target per interval, and the interface's shared
 * packet socket, which stays open while rounds come more often than
 * ARP_LINGER_MS.
 */
#include <string.h>

#include "log.h"
#include "upstream.h"

static void round_end(struct upstream *u)
{
	bool ok = u->answered != 0, was = u->reachable;

	ev_timer_stop(u->loop, &u->wait);
	arp_close(u->arp);
	u->arp = NULL;
	u->rounds++;
	if (!u->known) {
		/* The first round decides: a starting node must not wait rise rounds. */
		u->known = true;
		u->reachable = ok;
		u->good = ok;
		u->bad = !ok;
		u->failures += !ok;
	} else if (ok) {
		u->bad = 0;
		u->good++;
		if (!u->reachable && u->good >= u->cg->upstream_rise)
			u->reachable = true;
	} else {
		u->failures++;
		u->good = 0;
		u->bad++;
		if (u->reachable && u->bad >= u->cg->upstream_fall)
			u->reachable = false;
	}
	if (u->reachable != was || (u->rounds == 1 && !ok)) {
		log_notice("group %u: upstream targets %s", u->cg->id,
			   u->reachable ? "reachable again" : "unreachable");
		u->fn(u->ctx, u->reachable);
	}
}

static void answer(void *ctx, struct in_addr ip, const uint8_t mac[6])
{
	struct upstream *u = ctx;

	(void)mac;
	for (size_t i = 0; i < u->cg->n_upstream; i++)
		if (u->cg->upstream[i].s_addr == ip.s_addr)
			u->answered |= 1u << i;
}

/* Everyone answered: no need to wait out the window. */
static void done(void *ctx)
{
	struct upstream *u = ctx;

	if (u->arp && u->answered == (1u << u->cg->n_upstream) - 1)
		round_end(u);
}

static void wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	round_end(w->data);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct upstream *u = w->data;
	bool up;

	(void)loop;
	(void)revents;
	if (u->arp)
		round_end(u);
	u->answered = 0;
	/* No interface, link or socket: a failed round, counted like a silent target. */
	if (!u->cg->ifindex || nl_link_info(u->nl, u->cg->ifindex, u->mac, &up) < 0 || !up ||
	    !(u->arp = arp_open(u->loop, u->cg->ifindex, u->mac, answer, done, u))) {
		round_end(u);
		return;
	}
	for (size_t i = 0; i < u->cg->n_upstream; i++)
		arp_probe(u->arp, u->cg->upstream[i]);
	ev_timer_set(&u->wait, u->cg->upstream_timeout_ms / 1000.0, 0);
	ev_timer_start(u->loop, &u->wait);
}

void upstream_start(struct upstream *u, struct ev_loop *loop, struct nl *nl,
		    const struct conf_group *cg, upstream_fn fn, void *ctx)
{
	double iv = cg->upstream_interval_ms / 1000.0;

	memset(u, 0, sizeof(*u));
	u->loop = loop;
	u->nl = nl;
	u->cg = cg;
	u->fn = fn;
	u->ctx = ctx;
	u->reachable = cg->n_upstream == 0; /* unknown until the first round */
	ev_init(&u->wait, wait_cb);
	u->wait.data = u;
	ev_init(&u->tick, tick_cb);
	u->tick.data = u;
	if (cg->n_upstream == 0)
		return;
	ev_timer_set(&u->tick, 0.0, iv);
	ev_timer_start(loop, &u->tick);
}

void upstream_reconf(struct upstream *u)
{
	double iv = u->cg->upstream_interval_ms / 1000.0;

	if (u->cg->n_upstream == 0) {
		/* No targets any more: nothing to be cut off from. */
		upstream_stop(u);
		if (!u->reachable) {
			u->reachable = true;
			u->fn(u->ctx, true);
		}
		return;
	}
	/* The verdict so far stands until the next rounds say otherwise. */
	if (!ev_is_active(&u->tick)) {
		ev_timer_set(&u->tick, 0.0, iv);
		ev_timer_start(u->loop, &u->tick);
		return;
	}
	u->tick.repeat = iv;
	ev_timer_again(u->loop, &u->tick);
}

void upstream_stop(struct upstream *u)
{
	if (!u->loop)
		return;
	ev_timer_stop(u->loop, &u->tick);
	ev_timer_stop(u->loop, &u->wait);
	arp_close(u->arp);
	u->arp = NULL;
}
