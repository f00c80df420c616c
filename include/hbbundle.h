/*
 * hbbundle.h - one heartbeat datagram for the groups that share a send path.
 *
 * The groups of this node that send on the same heartbeat socket to the same
 * destination (interface and multicast group, or the same unicast peers;
 * the same second path), with the same key and interval, form a bundle: what
 * their state machines send in one turn of the event loop leaves as one
 * datagram (a version 3 bundle of up to PROTO_BUNDLE_MAX records, or the
 * version 2 packet when there is one record), and their periodic sends are
 * kept in one phase so that they fall into the same turn. Each group still
 * elects on its own: the bundle only carries its records.
 */
#ifndef HBBUNDLE_H
#define HBBUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "hbsock.h"
#include "proto.h"

struct hbbundle;

/*
 * Most a member's periodic send is held back to fall into its bundle's
 * phase, ms (a member out of phase, after a switchover, a reload, a clock
 * tick between two groups, is otherwise brought forward by up to a quarter
 * of an interval per interval), and most two bundle mates' timers are
 * moved to fire together (group_net.c).
 */
#define HBBUNDLE_ALIGN_MS 2

/*
 * The member's send is due: step its state machine (FSM_EV_TIMER) at
 * @now_ms, the one time of the bundle's tick for every member it steps,
 * with its send due at @due_ms in the bundle's phase (fsm_input.send_due_ms),
 * so that its next send falls due an interval after that, with the others.
 */
typedef void (*hbbundle_tick_fn)(void *member, uint64_t now_ms, uint64_t due_ms);
/* A record of the member went out (@err 0), or did not: errno, or a negative enum proto_err. */
typedef void (*hbbundle_sent_fn)(void *member, int err);

/*
 * Add @member to the bundle of its send path, @cg on socket @s (and @cg2 on
 * @s2 for a second path, or NULL), signed with @cg's key; a bundle is made
 * for the first member. Returns the bundle, or NULL (logged) out of memory.
 */
struct hbbundle *hbbundle_join(struct hbsock *s, const struct conf_group *cg, struct hbsock *s2,
			       const struct conf_group *cg2, hbbundle_tick_fn tick,
			       hbbundle_sent_fn sent, void *member);

/*
 * Remove @member: what is queued goes out first (a goodbye sent just before
 * a stop must not be lost). The last member frees the bundle. NULL is a no-op.
 */
void hbbundle_leave(struct hbbundle *b, void *member);

/* Queue @p (encoded, signed and sent at the end of this turn of the loop). */
void hbbundle_put(struct hbbundle *b, void *member, const struct proto_pkt *p);

/*
 * @member's next deadline is its periodic send, at @send_ms: the bundle
 * steps it then, or up to HBBUNDLE_ALIGN_MS later in the bundle's phase.
 * 0 cancels (the member arms its own timer).
 */
void hbbundle_due(struct hbbundle *b, void *member, uint64_t send_ms);

/* How many groups share @b. */
size_t hbbundle_members(const struct hbbundle *b);
/* The @i-th member (0 <= @i < hbbundle_members()). */
void *hbbundle_member(const struct hbbundle *b, size_t i);

/* Datagrams @b sent: bundles of several records and single ones. */
struct hbbundle_stats {
	uint64_t datagrams;
	uint64_t records;
};
struct hbbundle_stats hbbundle_stats(const struct hbbundle *b);

#endif
