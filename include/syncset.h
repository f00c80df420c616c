/*
 * syncset.h - sync sets: groups that change state together, all MASTER or
 * all BACKUP, so that a SIP address never ends up on one node and its media
 * address on the other.
 *
 * The groups of a set (same sync_group in vipd.conf) follow one leader, the
 * set's lowest group id. Each group keeps its own heartbeats; the leader
 * alone runs the election. This file is the glue that carries the leader's
 * state to its followers (FSM_EV_SYNC) and the followers' health back to the
 * leader (a follower that cannot hold its VIPs, !group_can_hold(), makes the
 * leader unhealthy, so the whole set hands over). See fsm.c for what a
 * follower does. main.c calls these from the groups' hooks.
 */
#ifndef SYNCSET_H
#define SYNCSET_H

#include <stddef.h>

#include "fsm.h"
#include "group.h"

/*
 * (Re)compute every group's leader among the @n groups of @gs and tell each
 * follower where its leader stands. After start-up and after every reload.
 */
void syncset_link(struct group *const *gs, size_t n);

/*
 * Group @g went @from -> @to: a leader entering or leaving MASTER takes its
 * followers along; any transition may change a set's health. Called from
 * the transition hook, once the step of @g is over (see note() in group.c);
 * followers that transition in turn call it again from theirs.
 */
void syncset_transition(struct group *const *gs, size_t n, struct group *g, enum fsm_state from,
			enum fsm_state to);

/*
 * Bring each leader's view of its followers' health up to date (after any
 * group_can_hold() change). Cost: O(n^2) group comparisons, n <=
 * VIPD_MAX_GROUPS, no system calls unless a leader's health changes.
 */
void syncset_health(struct group *const *gs, size_t n);

#endif
