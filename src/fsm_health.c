/*
 * fsm_health.c - the state machine's health inputs: what the glue observes
 * (interface, carrier, checks and their weights, a sync set's followers)
 * as FSM_EV_HEALTH, and what health and upstream reachability do to the
 * state. Pure, like fsm.c.
 */
#include "fsm.h"
#include "fsm_int.h"

/* Why an unhealthy node is in FAULT. */
enum fsm_reason fsm_health_fault_reason(const struct fsm *s)
{
	return s->no_interface ? FSM_R_NO_INTERFACE : FSM_R_FAULT;
}

bool fsm_health_event(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
		      struct fsm_output *out)
{
	uint64_t now = in->now_ms;
	bool send = false;

	if (in->priority && in->priority != s->priority) {
		s->priority = in->priority;
		send = true;
	}
	s->no_interface = !in->healthy && in->no_interface;
	if (!in->healthy && s->healthy) {
		s->healthy = false;
		if (s->state == FSM_MASTER) {
			fsm_resign(s, cfg, out, FSM_FAULT, fsm_health_fault_reason(s), now);
			send = true;
		} else if (s->state == FSM_BACKUP) {
			fsm_enter(s, cfg, out, FSM_FAULT, fsm_health_fault_reason(s), now);
			send = true;
		}
	} else if (!in->healthy && s->state == FSM_FAULT &&
		   (s->reason == FSM_R_FAULT || s->reason == FSM_R_NO_INTERFACE ||
		    s->reason == FSM_R_FENCE_FAILED)) {
		/* Still unhealthy, for another reason (carrier lost, then the link deleted). */
		s->reason = fsm_health_fault_reason(s);
	} else if (in->healthy && !s->healthy) {
		s->healthy = true;
		if (s->state == FSM_FAULT && s->upstream) {
			/* What happened while we were blind is unknown: listen again. */
			fsm_enter(s, cfg, out, FSM_INIT, FSM_R_HEALTHY, now);
			send = true;
		}
	}
	return send;
}

bool fsm_health_upstream(struct fsm *s, const struct fsm_cfg *cfg, bool ok, struct fsm_output *out,
			 uint64_t now)
{
	if (ok == s->upstream)
		return false;
	s->upstream = ok;
	if (!ok && s->state == FSM_BACKUP) {
		/*
		 * Isolated: must not claim. (A master decides in evaluate();
		 * a node in INIT when its listening ends.)
		 */
		fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
	} else if (ok && s->state == FSM_FAULT && s->healthy && s->reason == FSM_R_UPSTREAM) {
		fsm_enter(s, cfg, out, FSM_INIT, FSM_R_UPSTREAM_OK, now);
	}
	return true; /* the UPSTREAM flag changed: tell the peer now */
}

void fsm_health_input(const struct fsm_cfg *cfg, const struct fsm_health *h, struct fsm_input *in)
{
	int prio = (int)cfg->base_priority;

	if (h->check_failed)
		prio -= (int)(h->check_weight < 255 ? h->check_weight : 255);
	if (h->sip_failed)
		prio -= (int)(h->sip_weight < 255 ? h->sip_weight : 255);
	in->ev = FSM_EV_HEALTH;
	in->healthy = h->interface && h->link_up && !(h->check_failed && h->check_weight == 0) &&
		      !(h->sip_failed && h->sip_weight == 0) && !h->sync_blocked;
	in->no_interface = !h->interface;
	in->priority = (uint8_t)(prio < 1 ? 1 : prio);
}

bool fsm_health_news(const struct fsm *s, const struct fsm_input *in)
{
	return in->healthy != s->healthy || in->priority != s->priority ||
	       (!in->healthy && in->no_interface != s->no_interface);
}
