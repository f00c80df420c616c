/*
 * syncset.c - sync sets: a leader's MASTER/not-MASTER goes to its
 * followers, the followers' health comes back to the leader.
 *
 * Why both directions: the leader's election decides where the set lives,
 * and a follower that cannot hold its VIPs (its link is down, a check
 * fails) must move the set rather than leave its address behind on the
 * other node's side of the split. The follower drops its own VIPs (FAULT);
 * the leader, now unhealthy, resigns and the peer's leader takes the set.
 *
 * All of it runs on the event loop, synchronously: a leader's transition
 * steps its followers before the loop goes on, so the set's VIPs change
 * within one netlink round per address, never an interval apart.
 */
#include "syncset.h"
#include "group_int.h"
#include "log.h"

/* (A group that led a set before a reload and leads none now is unblocked here too.) */
void syncset_health(struct group *const *gs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct group *l = gs[i];
		bool blocked = false;

		for (size_t k = 0; k < n && !blocked; k++)
			blocked = gs[k]->leader == l && !group_can_hold(gs[k]);
		if (blocked != l->sync_blocked)
			group_sync_blocked(l, blocked);
	}
}

void syncset_transition(struct group *const *gs, size_t n, struct group *g, enum fsm_state from,
			enum fsm_state to)
{
	if ((from == FSM_MASTER) != (to == FSM_MASTER)) {
		for (size_t i = 0; i < n; i++)
			if (gs[i]->leader == g)
				group_sync(gs[i], to == FSM_MASTER);
	}
	syncset_health(gs, n);
}

void syncset_link(struct group *const *gs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct group *g = gs[i];
		uint32_t lid = g->cg->sync_leader;

		g->leader = NULL;
		if (lid == 0 || lid == g->cg->id)
			continue;
		for (size_t k = 0; k < n && !g->leader; k++)
			if (gs[k]->cg->id == lid)
				g->leader = gs[k];
		/* The leader failed to start: the follower waits, it never claims alone. */
		if (!g->leader)
			log_errx("group %u: sync set \"%s\": leader group %u is not running",
				 g->cg->id, g->cg->sync_group, lid);
	}
	for (size_t i = 0; i < n; i++)
		if (gs[i]->leader)
			group_sync(gs[i], gs[i]->leader->fsm.state == FSM_MASTER);
	syncset_health(gs, n);
}
