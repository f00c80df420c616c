/*
 * claim.c - the claim probe (see claim.h). A user of the interface's ARP
 * socket (arp.h) during the probe window; the answer is logged with the
 * MAC that gave it.
 */
#include <string.h>

#include "claim.h"
#include "clock.h"
#include "log.h"

void claim_close(struct claim *c)
{
	if (!c->arp)
		return;
	ev_timer_stop(c->loop, &c->end);
	arp_close(c->arp);
	c->arp = NULL;
}

/* Someone else speaks for one of our VIPs while we consider claiming it. */
static void claim_answer(void *ctx, struct in_addr ip, const uint8_t mac[6])
{
	struct claim *c = ctx;

	for (size_t i = 0; i < c->cg->n_vips; i++) {
		const struct conf_vip *v = &c->cg->vips[i];

		if (v->family != AF_INET || memcmp(v->addr, &ip.s_addr, 4) != 0)
			continue;
		c->conflicts++;
		/* Every probe round while FAULT gets its answer: counted, logged rate-limited. */
		log_rl(&c->rl, LOG_WARNING,
		       "group %u: %s is answered by %02x:%02x:%02x:%02x:%02x:%02x: "
		       "not claiming while it does",
		       c->cg->id, v->text, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		c->heard = true;
		return;
	}
}

/*
 * The group hears of an answer once every user has read the frames: its
 * step may close this probe and open the next one.
 */
static void claim_done(void *ctx)
{
	struct claim *c = ctx;

	if (!c->heard)
		return;
	c->heard = false;
	c->answered(c->ctx);
}

static void claim_end_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	claim_close(w->data);
}

void claim_init(struct claim *c, struct ev_loop *loop, struct nl *nl, const struct conf_group *cg,
		void (*answered)(void *ctx), void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->nl = nl;
	c->cg = cg;
	c->answered = answered;
	c->ctx = ctx;
	log_rl_init(&c->rl, 3, 60000);
	ev_init(&c->end, claim_end_cb);
	c->end.data = c;
}

void claim_probe(struct claim *c)
{
	bool up;

	claim_close(c);
	if (!c->cg->ifindex || nl_link_info(c->nl, c->cg->ifindex, c->mac, &up) < 0 || !up)
		return;
	c->heard = false;
	c->arp = arp_open(c->loop, c->cg->ifindex, c->mac, claim_answer, claim_done, c);
	if (!c->arp)
		return;
	for (size_t i = 0; i < c->cg->n_vips; i++) {
		struct in_addr a;

		if (c->cg->vips[i].family != AF_INET)
			continue;
		memcpy(&a.s_addr, c->cg->vips[i].addr, 4);
		arp_probe(c->arp, a);
	}
	ev_timer_set(&c->end, (c->cg->claim_probe_ms + 50) / 1000.0, 0);
	ev_timer_start(c->loop, &c->end);
}
