/*
 * fsm_node.c - one node of the state machine under test: see fsm_node.h.
 */
#include <stdio.h>
#include <string.h>

#include "fsm_node.h"

void node_init(struct node *n, const char *name, uint8_t prio, uint64_t boot)
{
	memset(n, 0, sizeof(*n));
	n->c.group_id = 1;
	snprintf(n->c.name, sizeof(n->c.name), "%s", name);
	n->c.interval_ms = IV;
	n->c.misses = 3;
	n->c.rise = 3;
	n->c.preempt = false;
	n->c.preempt_delay_ms = 1000;
	n->c.refresh_ms = 10000;
	n->c.stop_wait_ms = 2000;
	fsm_init(&n->s, &n->c, boot, prio);
}

int ev_wire(struct node *n, enum fsm_event e, uint64_t now, const struct proto_pkt *pkt)
{
	struct fsm_input in = { .ev = e, .now_ms = now, .pkt = pkt };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

int ev(struct node *n, enum fsm_event e, uint64_t now, const struct proto_pkt *pkt)
{
	struct proto_pkt p;

	if (pkt && pkt->echo == 0 && pkt->echo_new == 0) {
		p = *pkt;
		p.echo = n->s.challenge;
		pkt = &p;
	}
	return ev_wire(n, e, now, pkt);
}
