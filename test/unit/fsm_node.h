/*
 * fsm_node.h - one node of the state machine under test (test_fsm.c,
 * test_fsm_sim.c): its config, state and last output, fed one event at a
 * time against a plain integer clock.
 */
#ifndef FSM_NODE_H
#define FSM_NODE_H

#include <stdint.h>

#include "fsm.h"

#define IV 200u /* interval_ms used throughout */

struct node {
	struct fsm s;
	struct fsm_cfg c;
	struct fsm_output o;
	int rc;
};

/* Fill @n: group 1, name @name, IV, 3 misses, rise 3, no preemption; session @boot. */
void node_init(struct node *n, const char *name, uint8_t prio, uint64_t boot);

/* Feed one event; a packet goes as it is (the simulator's, carrying real echoes). */
int ev_wire(struct node *n, enum fsm_event e, uint64_t now, const struct proto_pkt *pkt);

/*
 * Feed one event. A hand-made packet that echoes nothing is taken to come
 * from a live peer that heard us: it echoes our current challenge. Tests
 * of freshness set echo or echo_new themselves.
 */
int ev(struct node *n, enum fsm_event e, uint64_t now, const struct proto_pkt *pkt);

#endif
