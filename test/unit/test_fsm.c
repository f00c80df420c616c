/*
 * test_fsm.c - the state machine against a plain integer clock: single
 * steps checked action by action, and a two-node simulator that carries
 * each node's SEND actions to the other with a fixed latency.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fsm.h"

#define IV 200u /* interval_ms used throughout */

struct node {
	struct fsm s;
	struct fsm_cfg c;
	struct fsm_output o;
	int rc;
};

static void node_init(struct node *n, const char *name, uint8_t prio, uint64_t boot)
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

/* Feed one event; a packet goes as it is (the simulator's, carrying real echoes). */
static int ev_wire(struct node *n, enum fsm_event e, uint64_t now, const struct proto_pkt *pkt)
{
	struct fsm_input in = { .ev = e, .now_ms = now, .pkt = pkt };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

/*
 * Feed one event. A hand-made packet that echoes nothing is taken to come
 * from a live peer that heard us: it echoes our current challenge. Tests
 * of freshness set echo or echo_new themselves.
 */
static int ev(struct node *n, enum fsm_event e, uint64_t now, const struct proto_pkt *pkt)
{
	struct proto_pkt p;

	if (pkt && pkt->echo == 0 && pkt->echo_new == 0) {
		p = *pkt;
		p.echo = n->s.challenge;
		pkt = &p;
	}
	return ev_wire(n, e, now, pkt);
}

static int admin(struct node *n, enum fsm_event e, uint64_t now, bool on, bool force)
{
	struct fsm_input in = { .ev = e, .now_ms = now, .on = on, .force = force };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

static int health(struct node *n, uint64_t now, bool ok, uint8_t prio)
{
	struct fsm_input in = {
		.ev = FSM_EV_HEALTH, .now_ms = now, .healthy = ok, .priority = prio
	};

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

static int act_index(const struct fsm_output *o, enum fsm_action_type t)
{
	for (size_t i = 0; i < o->n_act; i++)
		if (o->act[i].type == t)
			return (int)i;
	return -1;
}

static bool has(const struct fsm_output *o, enum fsm_action_type t)
{
	return act_index(o, t) >= 0;
}

/* The packet sent by the last step; an all-zero packet if none was sent. */
static const struct proto_pkt *sent(const struct fsm_output *o)
{
	static const struct proto_pkt none;
	int i = act_index(o, FSM_ACT_SEND);

	return i < 0 ? &none : &o->act[i].pkt;
}

static struct proto_pkt hb(const char *name, uint8_t state, uint8_t prio, uint16_t flags,
			   uint64_t boot, uint64_t seq)
{
	struct proto_pkt p = { .type = PROTO_T_HEARTBEAT,
			       .state = state,
			       .priority = prio,
			       .flags = flags,
			       .interval_ms = IV,
			       .group_id = 1,
			       .nonce = boot,
			       .challenge = boot,
			       .seq = seq };

	snprintf(p.name, sizeof(p.name), "%s", name);
	return p;
}

/* Fire the timer at every deadline up to and including @until, as the glue does. */
static void tick_to(struct node *n, uint64_t until)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t next = n->o.next_deadline_ms;

		if (next > until)
			break;
		ev(n, FSM_EV_TIMER, next, NULL);
	}
}

/* Feed @k heartbeats of a peer, one per interval from @t; returns next seq. */
static uint64_t feed(struct node *n, uint64_t *t, const char *name, uint8_t state, uint8_t prio,
		     uint64_t seq, int k)
{
	for (int i = 0; i < k; i++, *t += IV) {
		struct proto_pkt p = hb(name, state, prio, PROTO_F_UPSTREAM, 7, seq++);

		tick_to(n, *t);
		ev(n, FSM_EV_PACKET, *t, &p);
	}
	return seq;
}

/* A node @name (session 100) that has started: listening, heard nothing yet. */
static void started(struct node *n, const char *name, uint8_t prio)
{
	node_init(n, name, prio, 100);
	ev(n, FSM_EV_START, 0, NULL);
}

/* "a" (100) with a claim probe of 20 ms, started. */
static void probing(struct node *n)
{
	node_init(n, "a", 100, 100);
	n->c.probe_ms = 20;
	ev(n, FSM_EV_START, 0, NULL);
}

/* A node that started at 0, heard nothing and claimed at its dead interval. */
static uint64_t lone_master(struct node *n, const char *name, uint8_t prio)
{
	uint64_t t;

	started(n, name, prio);
	t = fsm_dead_ms(&n->c, &n->s, 0);
	tick_to(n, t);
	assert_int_equal(n->s.state, FSM_MASTER);
	assert_int_equal(n->s.since_ms, t);
	return t;
}

static void test_start_listens_and_asks(void **st)
{
	struct node n;
	const struct proto_pkt *p;

	(void)st;
	started(&n, "a", 100);
	assert_int_equal(n.s.state, FSM_INIT);
	/* Stale copies go first, then the question. */
	assert_int_equal(act_index(&n.o, FSM_ACT_DEL_VIPS), 0);
	assert_true(has(&n.o, FSM_ACT_SEND));
	p = sent(&n.o);
	assert_true(p->flags & PROTO_F_QUERY);
	assert_int_equal(p->state, PROTO_ST_INIT);
	assert_int_equal(p->seq, 1);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_int_equal(n.o.next_deadline_ms, IV);
}

/*
 * Timers fire late (rounding to the ms, a busy loop, a bundle's hold-back):
 * a periodic send that came late keeps the cadence, so the period does not
 * stretch; the send bundle may bring one forward into its phase; a send an
 * interval late, or an event's, starts it over.
 */
static void test_send_cadence_survives_late_timers(void **st)
{
	struct node n;
	struct fsm_input in = { .ev = FSM_EV_TIMER };

	(void)st;
	started(&n, "a", 100);
	for (uint64_t k = 1; k <= 5; k++) {
		ev(&n, FSM_EV_TIMER, k * IV + 3, NULL);
		assert_true(has(&n.o, FSM_ACT_SEND));
		assert_int_equal(n.s.next_send_ms, (k + 1) * IV);
	}
	/* The bundle's phase: due at 6 IV + 2 (held back 2 ms), stepped 1 ms after. */
	in.now_ms = 6 * IV + 3;
	in.send_due_ms = 6 * IV + 2;
	fsm_step(&n.s, &n.c, &in, &n.o);
	assert_true(has(&n.o, FSM_ACT_SEND));
	assert_int_equal(n.s.next_send_ms, 7 * IV + 2);
	/* ... or brought forward 2 ms into it: sent early, the cadence from there. */
	in.now_ms = in.send_due_ms = 7 * IV;
	fsm_step(&n.s, &n.c, &in, &n.o);
	assert_true(has(&n.o, FSM_ACT_SEND));
	assert_int_equal(n.s.next_send_ms, 8 * IV);
	/* More than an interval late: from now. */
	ev(&n, FSM_EV_TIMER, 9 * IV + 5, NULL);
	assert_int_equal(n.s.next_send_ms, 10 * IV + 5);
}

static void test_never_claims_before_dead_interval(void **st)
{
	struct node n;
	uint64_t dead;

	(void)st;
	started(&n, "a", 100);
	dead = fsm_dead_ms(&n.c, &n.s, 0);
	/* 3 x 200 + 200 / 8 + (256 - 100) x 200 / 2560 = 637 ms */
	assert_int_equal(dead, 637);
	for (uint64_t t = IV; t < dead; t += IV) {
		ev(&n, FSM_EV_TIMER, t, NULL);
		assert_int_equal(n.s.state, FSM_INIT);
		assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	}
	ev(&n, FSM_EV_TIMER, dead - 1, NULL);
	assert_int_equal(n.s.state, FSM_INIT);
	ev(&n, FSM_EV_TIMER, dead, NULL);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_LISTEN_DONE);
	assert_true(act_index(&n.o, FSM_ACT_ADD_VIPS) < act_index(&n.o, FSM_ACT_ANNOUNCE));
	assert_true(act_index(&n.o, FSM_ACT_ANNOUNCE) < act_index(&n.o, FSM_ACT_SEND));
	assert_int_equal(sent(&n.o)->state, PROTO_ST_MASTER);
}

static void test_init_hears_master_becomes_backup_at_once(void **st)
{
	struct node n;
	struct proto_pkt p = hb("b", PROTO_ST_MASTER, 50, PROTO_F_UPSTREAM, 7, 1);

	(void)st;
	started(&n, "a", 200);
	ev(&n, FSM_EV_PACKET, 3, &p);
	/* Higher priority, but no preemption: the returning node stays backup. */
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_PEER_MASTER);
	assert_true(n.o.changed);
	assert_int_equal(n.o.from, FSM_INIT);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	tick_to(&n, 2000);
	assert_int_equal(n.s.state, FSM_MASTER); /* the master then went silent */
	assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);
}

static void test_master_answers_query_at_once(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100);
	struct proto_pkt q = hb("b", PROTO_ST_INIT, 100, PROTO_F_QUERY | PROTO_F_UPSTREAM, 7, 1);

	(void)st;
	ev(&n, FSM_EV_PACKET, t + 1, &q);
	assert_true(has(&n.o, FSM_ACT_SEND));
	assert_int_equal(sent(&n.o)->state, PROTO_ST_MASTER);
	assert_int_equal(sent(&n.o)->peer_seq, 1);
	/* An ordinary heartbeat in between deadlines is not answered. */
	q = hb("b", PROTO_ST_INIT, 100, PROTO_F_UPSTREAM, 7, 2);
	ev(&n, FSM_EV_PACKET, t + 2, &q);
	assert_false(has(&n.o, FSM_ACT_SEND));
}

static void test_timeout_includes_priority_skew(void **st)
{
	struct node lo, hi;
	uint64_t t0 = 10000, seq = 1;

	(void)st;
	node_init(&lo, "a", 1, 100);
	node_init(&hi, "b", 254, 101);
	ev(&lo, FSM_EV_START, 0, NULL);
	ev(&hi, FSM_EV_START, 0, NULL);
	for (uint64_t t = 1; t < t0; t += IV) {
		struct proto_pkt m = hb("m", PROTO_ST_MASTER, 255, PROTO_F_UPSTREAM, 7, seq++);

		tick_to(&lo, t);
		tick_to(&hi, t);
		ev(&lo, FSM_EV_PACKET, t, &m);
		ev(&hi, FSM_EV_PACKET, t, &m);
	}
	assert_int_equal(lo.s.state, FSM_BACKUP);
	/* last heartbeat at 9801: lo waits 625 + 19 ms, hi 625 + 0 ms. */
	tick_to(&hi, 9801 + 624);
	assert_int_equal(hi.s.state, FSM_BACKUP);
	tick_to(&hi, 9801 + 625);
	assert_int_equal(hi.s.state, FSM_MASTER);
	tick_to(&lo, 9801 + 643);
	assert_int_equal(lo.s.state, FSM_BACKUP);
	tick_to(&lo, 9801 + 644);
	assert_int_equal(lo.s.state, FSM_MASTER);
	assert_int_equal(lo.s.reason, FSM_R_PEER_TIMEOUT);
}

static void test_resign_is_taken_at_once(void **st)
{
	struct node n;
	uint64_t t = 1, seq;
	struct proto_pkt r;

	(void)st;
	started(&n, "a", 100);
	seq = feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	assert_int_equal(n.s.state, FSM_BACKUP);
	r = hb("b", PROTO_ST_STOPPING, 100, PROTO_F_RESIGN | PROTO_F_UPSTREAM, 7, seq);
	ev(&n, FSM_EV_PACKET, t + 1, &r);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_RESIGNED);
	assert_true(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_true(has(&n.o, FSM_ACT_ANNOUNCE));
	/* The reply is the acknowledgement the stopping master waits for. */
	assert_int_equal(sent(&n.o)->state, PROTO_ST_MASTER);
}

static void test_stop_as_master_resigns_and_waits_for_ack(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;
	struct proto_pkt ack;
	const struct proto_pkt *p;

	(void)st;
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	ev(&n, FSM_EV_STOP, t + 10, NULL);
	assert_int_equal(n.s.state, FSM_STOPPING);
	assert_int_equal(act_index(&n.o, FSM_ACT_DEL_VIPS), 0);
	assert_true(has(&n.o, FSM_ACT_SEND));
	p = sent(&n.o);
	assert_int_equal(p->state, PROTO_ST_STOPPING);
	assert_true(p->flags & PROTO_F_RESIGN);
	assert_false(has(&n.o, FSM_ACT_EXIT));
	/* Resent every interval until acknowledged. */
	ev(&n, FSM_EV_TIMER, t + 10 + IV, NULL);
	assert_true(has(&n.o, FSM_ACT_SEND));
	ack = hb("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 7, 4);
	ev(&n, FSM_EV_PACKET, t + 10 + IV + 2, &ack);
	assert_true(has(&n.o, FSM_ACT_EXIT));
	assert_int_equal(n.s.state, FSM_STOPPED);
	assert_int_equal(n.o.next_deadline_ms, UINT64_MAX);
}

static void test_stop_without_ack_gives_up(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	ev(&n, FSM_EV_STOP, t, NULL);
	ev(&n, FSM_EV_TIMER, t + n.c.stop_wait_ms - 1, NULL);
	assert_false(has(&n.o, FSM_ACT_EXIT));
	ev(&n, FSM_EV_TIMER, t + n.c.stop_wait_ms, NULL);
	assert_true(has(&n.o, FSM_ACT_EXIT));
}

static void test_stop_alone_exits_at_once(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100);

	(void)st;
	ev(&n, FSM_EV_STOP, t, NULL);
	assert_int_equal(act_index(&n.o, FSM_ACT_DEL_VIPS), 0);
	assert_true(act_index(&n.o, FSM_ACT_SEND) < act_index(&n.o, FSM_ACT_EXIT));
}

static void test_stop_as_backup_says_goodbye_and_exits(void **st)
{
	struct node n;
	uint64_t t = 1;

	(void)st;
	started(&n, "a", 100);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 3);
	ev(&n, FSM_EV_STOP, t, NULL);
	assert_false(has(&n.o, FSM_ACT_DEL_VIPS));
	assert_true(has(&n.o, FSM_ACT_SEND));
	assert_int_equal(sent(&n.o)->state, PROTO_ST_STOPPING);
	assert_true(act_index(&n.o, FSM_ACT_SEND) < act_index(&n.o, FSM_ACT_EXIT));
}

static void test_contention_resolved_by_rank(void **st)
{
	struct node a, b;
	uint64_t ta = lone_master(&a, "a", 100);
	uint64_t tb = lone_master(&b, "b", 100);
	struct proto_pkt pa, pb;

	(void)st;
	(void)tb;
	/* The partition heals: each hears the other's MASTER heartbeat. */
	pa = hb("a", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, a.s.nonce, a.s.tx_seq + 1);
	pb = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, b.s.nonce, b.s.tx_seq + 1);
	ev(&a, FSM_EV_PACKET, ta + 1, &pb);
	ev(&b, FSM_EV_PACKET, ta + 1, &pa);
	/* Equal priority: the smaller name wins and announces again. */
	assert_int_equal(a.s.state, FSM_MASTER);
	assert_true(a.o.contention_won);
	assert_true(has(&a.o, FSM_ACT_ANNOUNCE));
	assert_true(has(&a.o, FSM_ACT_SEND));
	assert_int_equal(b.s.state, FSM_BACKUP);
	assert_int_equal(b.s.reason, FSM_R_CONTENTION_LOST);
	assert_true(has(&b.o, FSM_ACT_DEL_VIPS));
	assert_true(sent(&b.o)->flags & PROTO_F_RESIGN);
	/* That RESIGN may be lost: it is repeated while the winner is heard. */
	pa.seq++;
	tick_to(&b, ta + IV);
	ev(&b, FSM_EV_PACKET, ta + IV, &pa);
	tick_to(&b, ta + 2 * IV);
	assert_true(has(&b.o, FSM_ACT_SEND));
	assert_true(sent(&b.o)->flags & PROTO_F_RESIGN);
	assert_int_equal(b.s.state, FSM_BACKUP);
	/* Had b seen a's heartbeat first, a learns of it only from RESIGN. */
	lone_master(&a, "a", 100);
	pb = hb("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 5, 49);
	ev(&a, FSM_EV_PACKET, ta + 1, &pb);
	assert_true(has(&a.o, FSM_ACT_ANNOUNCE)); /* back from silence */
	pb.seq = 50;
	ev(&a, FSM_EV_PACKET, ta + 1, &pb);
	assert_false(has(&a.o, FSM_ACT_ANNOUNCE));
	pb = hb("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_RESIGN, 5, 51);
	ev(&a, FSM_EV_PACKET, ta + 2, &pb);
	assert_true(has(&a.o, FSM_ACT_ANNOUNCE));
	assert_true(a.o.reannounce);
	assert_int_equal(a.s.state, FSM_MASTER);
	/* Once per resignation, not once per heartbeat. */
	pb.seq = 52;
	ev(&a, FSM_EV_PACKET, ta + 3, &pb);
	assert_false(has(&a.o, FSM_ACT_ANNOUNCE));

	/* Higher priority beats the name. */
	lone_master(&a, "a", 100);
	lone_master(&b, "b", 101);
	pb = hb("b", PROTO_ST_MASTER, 101, PROTO_F_UPSTREAM, 5, 50);
	ev(&a, FSM_EV_PACKET, ta + 1, &pb);
	assert_int_equal(a.s.state, FSM_BACKUP);
}

static void test_replay_and_identity_drops(void **st)
{
	struct node n;
	struct proto_pkt p;

	(void)st;
	started(&n, "a", 100);
	p = hb("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 10);
	ev(&n, FSM_EV_PACKET, 1, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NONE);
	ev(&n, FSM_EV_PACKET, 2, &p);
	assert_int_equal(n.o.drop, FSM_DROP_REPLAY);
	p.seq = 9;
	ev(&n, FSM_EV_PACKET, 3, &p);
	assert_int_equal(n.o.drop, FSM_DROP_REPLAY);
	p.seq = 11;
	ev(&n, FSM_EV_PACKET, 4, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NONE);
	/* Within the accepted session no echo is needed: the sequence number protects it. */
	p.seq = 12;
	p.echo = 12345;
	ev_wire(&n, FSM_EV_PACKET, 5, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NONE);
	/* Our own packet looped back, and a node that stole our name. */
	p = hb("a", PROTO_ST_BACKUP, 100, 0, 100, 5);
	ev(&n, FSM_EV_PACKET, 7, &p);
	assert_int_equal(n.o.drop, FSM_DROP_OWN);
	p.nonce = 101;
	ev(&n, FSM_EV_PACKET, 8, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NAME);
	/* A third node while the peer is alive. */
	p = hb("c", PROTO_ST_MASTER, 255, PROTO_F_UPSTREAM, 5, 5);
	ev(&n, FSM_EV_PACKET, 9, &p);
	assert_int_equal(n.o.drop, FSM_DROP_FOREIGN);
	assert_int_equal(n.s.state, FSM_FAULT); /* the name conflict */
	/* Dropped packets change nothing. */
	assert_string_equal(n.s.peer.name, "b");
}

/*
 * A new session is accepted only if it echoes our current challenge, and
 * a live peer's replacement must echo a challenge issued after it showed
 * up: one round trip, taken at once.
 */
static void test_new_session_must_echo_a_fresh_challenge(void **st)
{
	struct node n;
	struct proto_pkt p;
	uint64_t c0;

	(void)st;
	started(&n, "a", 100);
	/* A starting peer asks: it does not know our challenge yet. */
	p = hb("b", PROTO_ST_INIT, 90, PROTO_F_QUERY, 50, 1);
	p.echo = 0;
	ev_wire(&n, FSM_EV_PACKET, 1, &p);
	assert_int_equal(n.o.drop, FSM_DROP_HELLO);
	assert_true(has(&n.o, FSM_ACT_SEND));		  /* answered at once ... */
	assert_true(sent(&n.o)->echo_new == p.challenge); /* ... with its challenge */
	assert_false(n.s.peer.alive);
	/* Its next packet echoes ours (as a session it has not accepted yet): accepted, and told so
	 * at once. */
	p.seq = 2;
	p.flags = 0;
	p.echo_new = n.s.challenge;
	ev_wire(&n, FSM_EV_PACKET, 2, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NONE);
	assert_true(n.s.peer.alive);
	assert_true(sent(&n.o)->echo == p.challenge);
	/* The peer restarts while we still count it alive: a new session ... */
	c0 = n.s.challenge;
	p = hb("b", PROTO_ST_INIT, 90, PROTO_F_QUERY, 51, 1);
	p.echo = c0; /* (even a recording that echoes our challenge of now) */
	ev_wire(&n, FSM_EV_PACKET, 3, &p);
	assert_int_equal(n.o.drop, FSM_DROP_HELLO);
	assert_true(n.s.challenge != c0); /* ... must answer a new challenge */
	assert_true(sent(&n.o)->echo_new == p.challenge);
	p.seq = 2;
	ev_wire(&n, FSM_EV_PACKET, 3, &p);
	assert_int_equal(n.o.drop, FSM_DROP_STALE); /* and again: now counted as stale */
	p.seq = 3;
	p.echo = n.s.challenge;
	ev_wire(&n, FSM_EV_PACKET, 4, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NONE);
	assert_true(n.s.peer.nonce == 51);
	/* The replaced session is over for good, whatever it echoes. */
	p = hb("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 50, 99);
	p.echo = n.s.challenge;
	ev_wire(&n, FSM_EV_PACKET, 5, &p);
	assert_int_equal(n.o.drop, FSM_DROP_STALE);
	assert_true(n.s.peer.nonce == 51);
}

/*
 * The attack: the peer's packets from two earlier sessions were
 * recorded; the master really dies; the backup claims; the recordings are
 * replayed. None may change the new master's state, however long it goes on.
 */
static void test_recordings_of_earlier_sessions_stay_dead(void **st)
{
	struct node a, b1, b2;
	struct proto_pkt rec1[8], rec2[8], p;
	uint64_t t = 1, seq = 1;
	int n1 = 0, n2 = 0;

	(void)st;
	/* B's first session is master; A (backup) hears it; the LAN records it. */
	started(&a, "a", 90);
	node_init(&b1, "b", 100, 7);
	for (int i = 0; i < 8; i++, t += IV) {
		p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 7, seq++);
		p.echo = a.s.challenge;
		rec1[n1++] = p;
		tick_to(&a, t);
		ev_wire(&a, FSM_EV_PACKET, t, &p);
	}
	assert_int_equal(a.s.state, FSM_BACKUP);
	/* B reboots into session 8: A accepts it after the round trip. */
	node_init(&b2, "b", 100, 8);
	p = hb("b", PROTO_ST_INIT, 100, PROTO_F_QUERY | PROTO_F_UPSTREAM, 8, 1);
	p.echo = 0;
	ev_wire(&a, FSM_EV_PACKET, t, &p);
	seq = 2;
	for (int i = 0; i < 8; i++, t += IV) {
		p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 8, seq++);
		p.echo = a.s.challenge;
		rec2[n2++] = p;
		tick_to(&a, t);
		ev_wire(&a, FSM_EV_PACKET, t, &p);
	}
	assert_true(a.s.peer.nonce == 8);
	assert_int_equal(a.s.state, FSM_BACKUP);
	/* The master dies for real: A claims. */
	tick_to(&a, t + 2000);
	t += 2000;
	assert_int_equal(a.s.state, FSM_MASTER);
	/* The replays: every recorded packet, again and again, with any echo they carried. */
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 8; i++) {
			t += 5;
			ev_wire(&a, FSM_EV_PACKET, t, &rec1[i]);
			assert_int_not_equal(a.o.drop, FSM_DROP_NONE);
			ev_wire(&a, FSM_EV_PACKET, t, &rec2[i]);
			assert_int_not_equal(a.o.drop, FSM_DROP_NONE);
			assert_int_equal(a.s.state, FSM_MASTER);
			assert_false(has(&a.o, FSM_ACT_DEL_VIPS));
		}
	/* A node that starts afresh trusts none of them either. */
	node_init(&a, "a", 90, 200);
	ev(&a, FSM_EV_START, 0, NULL);
	for (int i = 0; i < 8; i++) {
		ev_wire(&a, FSM_EV_PACKET, 1 + (uint64_t)i, &rec2[i]);
		assert_int_not_equal(a.o.drop, FSM_DROP_NONE);
	}
	tick_to(&a, 2000);
	assert_int_equal(a.s.state, FSM_MASTER);
}

/* Two live nodes with one name: neither claims; a master that was there keeps the VIPs. */
static void test_duplicate_name_refuses_to_claim(void **st)
{
	struct node n;
	struct proto_pkt p;
	uint64_t t;

	(void)st;
	started(&n, "a", 100);
	/* A recording of an earlier run of ours is no conflict. */
	p = hb("a", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 99, 5);
	p.echo = 77;
	ev_wire(&n, FSM_EV_PACKET, 1, &p);
	assert_int_equal(n.o.drop, FSM_DROP_HELLO);
	assert_int_equal(n.s.state, FSM_INIT);
	/* A live one answers our challenge: FAULT, loudly, for as long as it is heard. */
	p.seq = 6;
	p.state = PROTO_ST_INIT;
	p.echo_new = n.s.challenge;
	ev_wire(&n, FSM_EV_PACKET, 2, &p);
	assert_int_equal(n.o.drop, FSM_DROP_NAME);
	assert_true(n.o.conflict_started);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_NAME_CONFLICT);
	tick_to(&n, n.s.conflict_until_ms);
	assert_int_equal(n.s.state, FSM_INIT); /* gone: listen again */
	tick_to(&n, 6000);
	assert_int_equal(n.s.state, FSM_MASTER);
	/* A master keeps the VIPs when a newcomer with its name shows up ... */
	t = 6001;
	p.state = PROTO_ST_INIT;
	p.seq = 7;
	p.echo_new = n.s.challenge;
	ev_wire(&n, FSM_EV_PACKET, t, &p);
	assert_int_equal(n.s.state, FSM_MASTER);
	/* ... unless that one is MASTER too: then the smaller nonce yields (ours, 100 < 200). */
	p.nonce = 200;
	p.challenge = 200;
	p.seq = 1;
	p.state = PROTO_ST_MASTER;
	p.echo_new = n.s.challenge;
	ev_wire(&n, FSM_EV_PACKET, t + 1, &p);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
}

/* Settings the pair must share: a difference is reported once per change, never acted on. */
static void test_settings_mismatch_is_reported(void **st)
{
	struct node n;
	struct proto_pkt p;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	n.c.digest[PROTO_DIGEST_VIPS] = 0x1111;
	p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 5, 1);
	p.digest[PROTO_DIGEST_VIPS] = 0x2222;
	ev(&n, FSM_EV_PACKET, t, &p);
	assert_true(n.o.mismatch_changed);
	assert_int_equal(n.s.peer.mismatch, 1u << PROTO_DIGEST_VIPS);
	p.seq = 2;
	ev(&n, FSM_EV_PACKET, t + 1, &p);
	assert_false(n.o.mismatch_changed);
	assert_int_equal(n.s.state, FSM_MASTER);
	p.seq = 3;
	p.digest[PROTO_DIGEST_VIPS] = 0x1111;
	ev(&n, FSM_EV_PACKET, t + 2, &p);
	assert_true(n.o.mismatch_changed);
	assert_int_equal(n.s.peer.mismatch, 0);
}

static void test_stalled_master_yields_to_a_peer_that_took_over(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1, seq;
	struct proto_pkt p;

	(void)st;
	seq = feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	/* Frozen for 5 s (SIGSTOP); the first event after waking is a late timer. */
	ev(&n, FSM_EV_TIMER, t + 5000, NULL);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_false(has(&n.o, FSM_ACT_DEL_VIPS));
	assert_int_equal(n.s.stalls, 1);
	/* The queued heartbeats say the peer took over: yield, even outranking it. */
	p = hb("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 7, seq + 40);
	ev(&n, FSM_EV_PACKET, t + 5001, &p);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_STALLED);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
	assert_true(sent(&n.o)->flags & PROTO_F_RESIGN);
}

static void test_stalled_master_keeps_vips_if_nobody_took_over(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1, seq;
	struct proto_pkt p;

	(void)st;
	seq = feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	ev(&n, FSM_EV_TIMER, t + 5000, NULL);
	/* The peer stayed backup (it saw our VIP still answered): keep it. */
	p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 7, seq + 40);
	ev(&n, FSM_EV_PACKET, t + 5001, &p);
	tick_to(&n, t + 6000);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.transitions, 1);
	/* After the window a MASTER peer is an ordinary contention again. */
	p = hb("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 7, seq + 41);
	ev(&n, FSM_EV_PACKET, t + 6001, &p);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_true(n.o.contention_won);
}

static void test_master_reannounces_when_peer_returns(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;
	struct proto_pkt p;

	(void)st;
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	tick_to(&n, t + 2000); /* b silent: counted dead (it may claim meanwhile) */
	assert_false(n.s.peer.alive);
	p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 7, 60);
	ev(&n, FSM_EV_PACKET, t + 2001, &p);
	assert_true(has(&n.o, FSM_ACT_ANNOUNCE));
	assert_true(n.o.peer_returned);
	assert_false(n.o.reannounce); /* no master_again hook for a mere return */
	/* A peer saying goodbye is not a reason to announce. */
	p = hb("b", PROTO_ST_STOPPING, 90, PROTO_F_RESIGN | PROTO_F_UPSTREAM, 7, 61);
	ev(&n, FSM_EV_PACKET, t + 2002, &p);
	assert_false(has(&n.o, FSM_ACT_ANNOUNCE));
	/* ... and after it a stopping master does not wait for its ack. */
	ev(&n, FSM_EV_STOP, t + 2003, NULL);
	assert_true(has(&n.o, FSM_ACT_EXIT));
}

static void test_stalled_backup_does_not_claim_on_its_lateness(void **st)
{
	struct node n;
	uint64_t t = 1;
	struct proto_pkt p;

	(void)st;
	started(&n, "a", 100);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	/* The process sleeps 3 s; the master's heartbeats wait in the socket. */
	ev(&n, FSM_EV_TIMER, t + 3000, NULL);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.stalls, 1);
	p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 7, 6);
	ev(&n, FSM_EV_PACKET, t + 3001, &p);
	assert_int_equal(n.s.state, FSM_BACKUP);
}

static void test_switchover_needs_fit_peer(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100), seq;

	(void)st;
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, t, false, false), FSM_E_PEER_UNHEALTHY);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.o.n_act, 0);
	/* Two heartbeats are fewer than rise = 3. */
	t += 1;
	seq = feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 2);
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, t, false, false), FSM_E_PEER_UNHEALTHY);
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, seq, 1);
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, t, false, false), FSM_OK);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_SWITCHOVER);
	assert_int_equal(act_index(&n.o, FSM_ACT_DEL_VIPS), 0);
	assert_true(sent(&n.o)->flags & PROTO_F_RESIGN);
	/* While the hand-over is in flight a stale BACKUP heartbeat must not
	 * lure us back even though we outrank the peer. */
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, seq + 1, 1);
	assert_int_equal(n.s.state, FSM_BACKUP);
	/* --force overrides the check. */
	lone_master(&n, "a", 100);
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, 700, false, true), FSM_OK);
	assert_int_equal(n.s.state, FSM_BACKUP);
}

static void test_switchover_on_backup_asks_master(void **st)
{
	struct node n;
	uint64_t t = 1;

	(void)st;
	started(&n, "a", 100);
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, 1, false, false), FSM_E_STATE);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 3);
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, t, false, false), FSM_OK);
	assert_true(sent(&n.o)->flags & PROTO_F_TAKEOVER);
	assert_int_equal(n.s.state, FSM_BACKUP);
}

static void test_master_honours_takeover_request(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1, seq;
	struct proto_pkt p;

	(void)st;
	seq = feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_TAKEOVER | PROTO_F_UPSTREAM, 7, seq);
	ev(&n, FSM_EV_PACKET, t, &p);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_PREEMPT);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
}

static void test_standby_hands_over_and_never_claims(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	assert_int_equal(admin(&n, FSM_EV_STANDBY, t, true, false), FSM_OK);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_STANDBY);
	assert_true(sent(&n.o)->flags & PROTO_F_STANDBY);
	/* The peer dies; a node in standby still does not claim. */
	tick_to(&n, t + 10000);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	/* Standby off: eligible again; with nobody master it claims. */
	admin(&n, FSM_EV_STANDBY, t + 10001, false, false);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_standby_off_does_not_move_vip_back(void **st)
{
	struct node n;
	uint64_t t = 1, seq;

	(void)st;
	started(&n, "a", 200);
	admin(&n, FSM_EV_STANDBY, 0, true, false);
	seq = feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 10);
	admin(&n, FSM_EV_STANDBY, t, false, false);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, seq, 10);
	assert_int_equal(n.s.state, FSM_BACKUP);
}

static void test_fault_and_recovery(void **st)
{
	struct node n, b;
	uint64_t t = lone_master(&n, "a", 100) + 1, tb = 1;
	struct proto_pkt p;

	(void)st;
	health(&n, t, false, 100);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
	assert_int_equal(sent(&n.o)->state, PROTO_ST_FAULT);
	/* A backup hearing a peer in FAULT claims at once. */
	node_init(&b, "b", 90, 200);
	ev(&b, FSM_EV_START, 0, NULL);
	feed(&b, &tb, "a", PROTO_ST_MASTER, 100, 1, 4);
	p = hb("a", PROTO_ST_FAULT, 100, PROTO_F_RESIGN, 7, 5);
	ev(&b, FSM_EV_PACKET, tb, &p);
	assert_int_equal(b.s.state, FSM_MASTER);
	/* Health back: listen again, do not grab. */
	health(&n, t + 100, true, 100);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_int_equal(n.s.reason, FSM_R_HEALTHY);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
}

/* A health event saying "the interface is missing". */
static void no_interface(struct node *n, uint64_t now)
{
	struct fsm_input in = { .ev = FSM_EV_HEALTH,
				.now_ms = now,
				.healthy = false,
				.no_interface = true,
				.priority = 100 };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
}

/*
 * The interface is deleted under a master (carrier goes first, then the
 * link): FAULT, and the reason names the missing interface, not a failed
 * check. It comes back: listen again, no claim before the dead interval.
 */
static void test_missing_interface_is_its_own_fault(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	health(&n, t, false, 100);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_FAULT);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
	no_interface(&n, t + 1);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_NO_INTERFACE);
	assert_false(n.o.changed);
	tick_to(&n, t + 5000);
	assert_int_equal(n.s.state, FSM_FAULT);
	health(&n, t + 5000, true, 100);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	/* Missing from the start: INIT ends in FAULT with that reason. */
	started(&n, "a", 100);
	no_interface(&n, 1);
	tick_to(&n, 5000);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_NO_INTERFACE);
	assert_string_equal(fsm_reason_text(n.s.reason), "interface missing");
}

static void test_fault_backup_never_claims(void **st)
{
	struct node n;
	uint64_t t = 1;

	(void)st;
	started(&n, "a", 100);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 4);
	health(&n, t, false, 100);
	assert_int_equal(n.s.state, FSM_FAULT);
	tick_to(&n, t + 5000);
	assert_int_equal(n.s.state, FSM_FAULT);
}

static void test_refresh_while_master(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100);
	int announces = 0;

	(void)st;
	/* Timer events every interval for 25 s: one refresh per 10 s. */
	for (uint64_t now = t + IV; now <= t + 25000; now += IV) {
		ev(&n, FSM_EV_TIMER, now, NULL);
		announces += has(&n.o, FSM_ACT_ANNOUNCE);
	}
	assert_int_equal(announces, 2);
}

static int upstream(struct node *n, uint64_t now, bool ok)
{
	struct fsm_input in = { .ev = FSM_EV_UPSTREAM, .now_ms = now, .healthy = ok };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

static void test_probe_costs_no_time_on_a_crash(void **st)
{
	struct node n;
	uint64_t t = 1, dead;
	bool probed = false;

	(void)st;
	probing(&n);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	dead = n.s.peer.dead_at_ms;
	/* The master dies: the probe starts 20 ms before its deadline ... */
	for (uint64_t now = t; now < dead; now = n.o.next_deadline_ms) {
		ev(&n, FSM_EV_TIMER, n.o.next_deadline_ms, NULL);
		if (has(&n.o, FSM_ACT_PROBE)) {
			assert_int_equal(n.s.probe_at_ms, dead - 20);
			probed = true;
		}
		if (n.o.next_deadline_ms >= dead)
			break;
	}
	assert_true(probed);
	assert_int_equal(n.s.state, FSM_BACKUP);
	/*
	 * ... and nobody answered: the claim comes one step after the deadline,
	 * 1 ms, once answers queued meanwhile would have been read.
	 */
	ev(&n, FSM_EV_TIMER, dead, NULL);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.o.next_deadline_ms, dead + 1);
	ev(&n, FSM_EV_TIMER, dead + 1, NULL);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.since_ms, dead + 1);
}

static void test_probe_answered_goes_fault_not_master(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	probing(&n);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	dead = n.s.peer.dead_at_ms;
	tick_to(&n, dead - 20);
	assert_true(n.s.probe_at_ms != 0);
	/* Heartbeats are blocked, but the master still serves the VIP. */
	ev(&n, FSM_EV_VIP_ANSWERED, dead - 19, NULL);
	tick_to(&n, dead);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_VIP_IN_USE);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	/* It asks again within the interval (4/5 x 200 - 2 x 20 ms later) ... */
	assert_int_equal(n.s.fault_until_ms, dead + 120);
	tick_to(&n, n.s.fault_until_ms);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_true(has(&n.o, FSM_ACT_PROBE));
	/* ... and nobody answers: the held-back claim goes ahead, no listening. */
	tick_to(&n, dead + 141);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);
	assert_int_equal(n.s.since_ms, dead + 141);
}

/*
 * A, probe 20 ms, hears B as master until B goes silent; the claim probe
 * before the timeout is answered (B's kernel still serves the VIP): A is
 * FAULT at B's dead time, which it returns. *@seq (if not NULL): B's last seq.
 */
static uint64_t answered_in_probe(struct node *n, uint64_t *t, uint64_t *seq)
{
	uint64_t last, dead;

	probing(n);
	last = feed(n, t, "b", PROTO_ST_MASTER, 100, 1, 5);
	dead = n->s.peer.dead_at_ms;
	tick_to(n, dead - 20);
	ev(n, FSM_EV_VIP_ANSWERED, dead - 19, NULL);
	tick_to(n, dead);
	assert_int_equal(n->s.state, FSM_FAULT);
	if (seq)
		*seq = last;
	return dead;
}

/*
 * The old master's vipd was killed (kill -9, or the watchdog after SIGSTOP):
 * its kernel answers for the VIP until ExecStopPost removes it, at a time
 * unrelated to our clock. A table of removal times: the backup stays FAULT
 * (one transition, not one per probe), asks again every interval, and
 * claims at most one interval after the address went.
 */
static void test_vip_in_use_reprobes_every_interval(void **st)
{
	static const uint64_t gone_after_ms[] = { 1, 19, 20, 21, 150, 159, 161, 999, 5003 };

	(void)st;
	for (size_t k = 0; k < sizeof(gone_after_ms) / sizeof(gone_after_ms[0]); k++) {
		struct node n;
		uint64_t t = 1, dead, gone, last_probe = 0;
		uint32_t transitions, probes = 0;

		dead = answered_in_probe(&n, &t, NULL);
		transitions = n.s.transitions;
		gone = dead + gone_after_ms[k];
		/* Every probe that starts before the address is gone is answered. */
		for (int guard = 0; guard < 10000 && n.s.state == FSM_FAULT; guard++) {
			uint64_t now = n.o.next_deadline_ms;

			assert_true(now != UINT64_MAX);
			ev(&n, FSM_EV_TIMER, now, NULL);
			if (!has(&n.o, FSM_ACT_PROBE))
				continue;
			if (last_probe)
				assert_true(now - last_probe <= 1 + 120);
			last_probe = now;
			probes++;
			if (now < gone)
				ev(&n, FSM_EV_VIP_ANSWERED, now + 1, NULL);
		}
		assert_int_equal(n.s.state, FSM_MASTER);
		assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);
		assert_int_equal(n.s.transitions, transitions + 1);
		assert_true(has(&n.o, FSM_ACT_ADD_VIPS));
		assert_true(n.s.since_ms > gone);
		assert_true(n.s.since_ms <= gone + IV - IV / 5);
		assert_true(probes >= 1);
	}
}

/*
 * The decision comes late (the process was starved): the answer that
 * arrived meanwhile is still unread, and the loop runs the timer first. The
 * machine gives the socket a millisecond before it decides.
 */
static void test_late_probe_decision_reads_answers_first(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	probing(&n);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	dead = n.s.peer.dead_at_ms;
	tick_to(&n, dead - 20);
	assert_true(n.s.probe_at_ms != 0);
	/* Woken 15 ms after the window closed: no verdict yet ... */
	ev(&n, FSM_EV_TIMER, dead + 15, NULL);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_int_equal(n.o.next_deadline_ms, dead + 16);
	/* ... the queued answer is read, and then the verdict is FAULT. */
	ev(&n, FSM_EV_VIP_ANSWERED, dead + 15, NULL);
	ev(&n, FSM_EV_TIMER, dead + 16, NULL);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_VIP_IN_USE);
	/* Late with nothing queued: the claim is one millisecond later. */
	tick_to(&n, n.s.fault_until_ms);
	assert_true(n.s.probe_at_ms != 0);
	ev(&n, FSM_EV_TIMER, n.s.probe_at_ms + 25, NULL);
	assert_int_equal(n.s.state, FSM_FAULT);
	tick_to(&n, n.o.next_deadline_ms);
	assert_int_equal(n.s.state, FSM_MASTER);
}

/*
 * Held up for more than a window after the question was due (the request
 * may have left only just now): the machine asks again instead of
 * trusting that window.
 */
static void test_window_closed_very_late_asks_again(void **st)
{
	struct node n;
	uint64_t t = 1, dead, at;

	(void)st;
	probing(&n);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	dead = n.s.peer.dead_at_ms;
	tick_to(&n, dead - 20);
	/* 150 ms late: a new question, no claim. */
	ev(&n, FSM_EV_TIMER, dead + 130, NULL);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_true(has(&n.o, FSM_ACT_PROBE));
	at = n.s.probe_at_ms;
	assert_int_equal(at, dead + 130);
	/* It is answered: FAULT, not a second holder. */
	ev(&n, FSM_EV_VIP_ANSWERED, at + 1, NULL);
	tick_to(&n, at + 21);
	assert_int_equal(n.s.state, FSM_FAULT);
}

/* The address went, but meanwhile the peer came back: elect, do not grab. */
static void test_vip_in_use_free_with_live_peer_listens(void **st)
{
	struct node n;
	uint64_t t = 1, seq, dead;
	struct proto_pkt p;

	(void)st;
	dead = answered_in_probe(&n, &t, &seq);
	/* The peer restarted: its INIT heartbeats, new boot id. */
	p = hb("b", PROTO_ST_INIT, 100, PROTO_F_UPSTREAM, 8, 1);
	ev(&n, FSM_EV_PACKET, dead + 10, &p);
	assert_int_equal(n.s.state, FSM_FAULT);
	tick_to(&n, dead + IV);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_int_equal(n.s.reason, FSM_R_RECHECK);
	(void)seq;
}

static void test_vip_in_use_explained_by_master_heartbeat(void **st)
{
	struct node n;
	uint64_t t = 1, seq, dead;
	struct proto_pkt p;

	(void)st;
	dead = answered_in_probe(&n, &t, &seq);
	/* The partition heals: the answer was the peer's. */
	p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 7, seq + 10);
	ev(&n, FSM_EV_PACKET, dead + 100, &p);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_PEER_MASTER);
}

static void test_answer_outside_a_probe_is_ignored(void **st)
{
	struct node n;
	uint64_t t = 1;

	(void)st;
	probing(&n);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 3);
	ev(&n, FSM_EV_VIP_ANSWERED, t, NULL);
	assert_false(n.s.vip_answered);
	tick_to(&n, t + 5000);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_start_probe_before_listen_end(void **st)
{
	struct node n;

	(void)st;
	probing(&n);
	tick_to(&n, 636);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_int_equal(n.s.probe_at_ms, 637 - 20);
	tick_to(&n, 637);
	assert_int_equal(n.s.state, FSM_INIT); /* the verdict waits one step */
	tick_to(&n, 638);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static int fence_done(struct node *n, uint64_t now, bool ok)
{
	struct fsm_input in = { .ev = FSM_EV_FENCE_DONE, .now_ms = now, .ok = ok };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

/* A backup with a fence command whose master went silent at @*dead. */
static void fenced_backup(struct node *n, uint64_t *t, uint64_t *dead)
{
	node_init(n, "a", 100, 100);
	n->c.fence = true;
	ev(n, FSM_EV_START, 0, NULL);
	feed(n, t, "b", PROTO_ST_MASTER, 100, 1, 5);
	assert_int_equal(n->s.state, FSM_BACKUP);
	*dead = n->s.peer.dead_at_ms;
}

static void test_fence_runs_before_a_timeout_claim(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	fenced_backup(&n, &t, &dead);
	tick_to(&n, dead);
	/* Silent for the dead interval: fence first, VIPs not yet. */
	assert_true(has(&n.o, FSM_ACT_FENCE));
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_true(n.s.fencing);
	assert_int_equal(n.s.fence_at_ms, dead);
	/* Timers while the fence runs start no second one. */
	ev(&n, FSM_EV_TIMER, dead + 100, NULL);
	assert_false(has(&n.o, FSM_ACT_FENCE));
	assert_int_equal(n.s.state, FSM_BACKUP);
	/* The fence took 300 ms: the claim comes then, the crash gap grows by it. */
	fence_done(&n, dead + 300, true);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);
	assert_int_equal(n.s.since_ms, dead + 300);
	assert_true(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_false(n.s.fencing);
	assert_false(n.s.fenced);
}

static void test_fence_after_the_claim_probe(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	node_init(&n, "a", 100, 100);
	n.c.fence = true;
	n.c.probe_ms = 20;
	ev(&n, FSM_EV_START, 0, NULL);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 5);
	dead = n.s.peer.dead_at_ms;
	tick_to(&n, dead - 1);
	assert_false(n.s.fencing);
	/*
	 * Probe over, nobody answered (the verdict one step after the window,
	 * so queued answers are read first): now the fence, and no second
	 * probe while it runs.
	 */
	ev(&n, FSM_EV_TIMER, dead, NULL);
	ev(&n, FSM_EV_TIMER, dead + 1, NULL);
	assert_true(has(&n.o, FSM_ACT_FENCE));
	ev(&n, FSM_EV_TIMER, dead + 50, NULL);
	assert_false(has(&n.o, FSM_ACT_PROBE));
	fence_done(&n, dead + 60, true);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_fence_failure_is_fault_retried_with_backoff(void **st)
{
	struct node n;
	uint64_t t = 1, dead, now;

	(void)st;
	fenced_backup(&n, &t, &dead);
	tick_to(&n, dead);
	fence_done(&n, dead + 200, false);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_FENCE_FAILED);
	assert_string_equal(fsm_reason_text(n.s.reason), "fencing the peer failed");
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	/* Retries after 1 s, 2 s, 4 s ...; the address stays unclaimed meanwhile. */
	now = dead + 200;
	for (uint64_t wait = 1000; wait <= 8000; wait *= 2) {
		assert_int_equal(n.s.fault_until_ms, now + wait);
		tick_to(&n, now + wait - 1);
		assert_false(n.s.fencing);
		tick_to(&n, now + wait);
		assert_true(has(&n.o, FSM_ACT_FENCE));
		assert_int_equal(n.s.state, FSM_FAULT);
		now += wait + 100;
		fence_done(&n, now, false);
		assert_int_equal(n.s.state, FSM_FAULT);
		assert_int_equal(n.s.reason, FSM_R_FENCE_FAILED);
	}
	/* The next try works: MASTER at once. */
	tick_to(&n, n.s.fault_until_ms);
	assert_true(n.s.fencing);
	fence_done(&n, n.s.fault_until_ms + 5, true);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);
	assert_true(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_int_equal(n.s.fence_failures, 0);
}

static void test_fence_backoff_is_capped(void **st)
{
	struct node n;
	uint64_t t = 1, dead, now;

	(void)st;
	fenced_backup(&n, &t, &dead);
	tick_to(&n, dead);
	now = dead;
	for (int i = 0; i < 12; i++) {
		now += 10;
		fence_done(&n, now, false);
		assert_true(n.s.fault_until_ms - now <= VIPD_FENCE_RETRY_MAX_MS);
		now = n.s.fault_until_ms;
		tick_to(&n, now);
		assert_true(n.s.fencing);
	}
	assert_int_equal(n.s.fence_failures, 12);
	fence_done(&n, now + 10, false);
	assert_int_equal(n.s.fault_until_ms, now + 10 + VIPD_FENCE_RETRY_MAX_MS);
}

static void test_fence_failed_peer_heard_again_listens(void **st)
{
	struct node n;
	uint64_t t = 1, dead, seq;

	(void)st;
	fenced_backup(&n, &t, &dead);
	tick_to(&n, dead);
	fence_done(&n, dead + 100, false);
	assert_int_equal(n.s.state, FSM_FAULT);
	/* Only cut off, and back: no claim; listen again, then follow it. */
	t = dead + 200;
	seq = feed(&n, &t, "b", PROTO_ST_MASTER, 100, 10, 1);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_int_equal(n.s.reason, FSM_R_RECHECK);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, seq, 1);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_PEER_MASTER);
}

static void test_fence_ok_but_peer_back_does_not_claim(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	fenced_backup(&n, &t, &dead);
	tick_to(&n, dead);
	t = dead + 10;
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 10, 1);
	fence_done(&n, t, true);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_false(n.s.fenced);
}

static void test_no_fence_after_resign_or_when_never_heard(void **st)
{
	struct node n;
	uint64_t t = 1, seq;
	struct proto_pkt p;

	(void)st;
	/* The peer resigned: it said so itself, nothing to fence. */
	fenced_backup(&n, &t, &seq);
	p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_RESIGN | PROTO_F_UPSTREAM, 7, 100);
	ev(&n, FSM_EV_PACKET, t, &p);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_RESIGNED);
	assert_false(has(&n.o, FSM_ACT_FENCE));
	/* A node that never heard a peer has nobody to fence (see fence_clear()). */
	node_init(&n, "a", 100, 100);
	n.c.fence = true;
	ev(&n, FSM_EV_START, 0, NULL);
	tick_to(&n, fsm_dead_ms(&n.c, &n.s, 0));
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_LISTEN_DONE);
}

static void test_fence_in_init_for_a_peer_heard_before(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	fenced_backup(&n, &t, &dead);
	/* Unhealthy, then healthy again while the peer went silent: INIT, then a fence. */
	health(&n, t, false, 100);
	assert_int_equal(n.s.state, FSM_FAULT);
	health(&n, t + 10, true, 100);
	assert_int_equal(n.s.state, FSM_INIT);
	tick_to(&n, n.s.listen_until_ms);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_true(n.s.fencing);
	fence_done(&n, n.s.listen_until_ms + 50, true);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_fence_result_does_not_outlive_the_peers_return(void **st)
{
	struct node n;
	uint64_t t = 1, dead, seq;

	(void)st;
	fenced_backup(&n, &t, &dead);
	tick_to(&n, dead);
	assert_true(n.s.fencing);
	/* Unhealthy while the fence runs; it works, but nothing is claimed in FAULT. */
	health(&n, dead + 10, false, 100);
	fence_done(&n, dead + 20, true);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_true(n.s.fenced);
	/* The peer is back (powered on again): the old fence counts for nothing. */
	t = dead + 100;
	seq = feed(&n, &t, "b", PROTO_ST_MASTER, 100, 50, 2);
	assert_false(n.s.fenced);
	health(&n, t, true, 100);
	seq = feed(&n, &t, "b", PROTO_ST_MASTER, 100, seq, 2);
	assert_int_equal(n.s.state, FSM_BACKUP);
	/* It dies again: a new fence, not a claim on the old one. */
	dead = n.s.peer.dead_at_ms;
	tick_to(&n, dead);
	assert_true(has(&n.o, FSM_ACT_FENCE));
	assert_int_equal(n.s.state, FSM_BACKUP);
}

static void test_fence_done_without_a_fence_is_ignored(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	fenced_backup(&n, &t, &dead);
	fence_done(&n, t, true);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_false(n.s.fenced);
	fence_done(&n, t, false);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.fence_failures, 0);
}

static void test_isolated_backup_does_not_claim(void **st)
{
	struct node n;
	uint64_t t = 1;

	(void)st;
	started(&n, "a", 100);
	feed(&n, &t, "b", PROTO_ST_MASTER, 100, 1, 4);
	upstream(&n, t, false);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_UPSTREAM);
	assert_false(sent(&n.o)->flags & PROTO_F_UPSTREAM);
	tick_to(&n, t + 5000); /* the master is gone too */
	assert_int_equal(n.s.state, FSM_FAULT);
	upstream(&n, t + 5001, true);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_int_equal(n.s.reason, FSM_R_UPSTREAM_OK);
	tick_to(&n, t + 6000);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_master_without_upstream_hands_to_healthy_peer(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1, seq;

	(void)st;
	/* The peer is cut off too (no UPSTREAM flag): keep the VIP. */
	seq = feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 3);
	n.s.peer.flags = 0;
	upstream(&n, t, false);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_false(sent(&n.o)->flags & PROTO_F_UPSTREAM);
	/* The peer reports healthy upstream: hand over. */
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, seq, 1);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_UPSTREAM);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
	assert_true(sent(&n.o)->flags & PROTO_F_RESIGN);
}

/* ------------------------------------------------------------------ */
/* Sync set followers: slaved to the leader's state through FSM_EV_SYNC. */

static int sync_ev(struct node *n, uint64_t now, bool leader_master)
{
	struct fsm_input in = { .ev = FSM_EV_SYNC, .now_ms = now, .leader_master = leader_master };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

static void follower_init(struct node *n, const char *name, uint8_t prio)
{
	node_init(n, name, prio, 100);
	n->c.follower = true;
	ev(n, FSM_EV_START, 0, NULL);
}

static void test_follower_never_claims_alone(void **st)
{
	struct node n;
	uint64_t t;

	(void)st;
	follower_init(&n, "a", 200);
	/* No peer at all: a lone group would claim at the dead interval. */
	t = fsm_dead_ms(&n.c, &n.s, 0);
	tick_to(&n, t);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_LISTEN_DONE);
	tick_to(&n, t + 10000);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_false(has(&n.o, FSM_ACT_ADD_VIPS));

	/* The leader became master: the follower claims in the same step. */
	assert_int_equal(sync_ev(&n, t + 10001, true), FSM_OK);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_SYNC_MASTER);
	assert_true(has(&n.o, FSM_ACT_ADD_VIPS));
	assert_true(has(&n.o, FSM_ACT_ANNOUNCE));
	assert_int_equal(sent(&n.o)->state, PROTO_ST_MASTER);

	/* The leader left master: the follower drops its VIPs and says so. */
	assert_int_equal(sync_ev(&n, t + 10002, false), FSM_OK);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_SYNC_BACKUP);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
	assert_true(sent(&n.o)->flags & PROTO_F_RESIGN);

	/* Its own resign hold does not delay following the leader back. */
	assert_int_equal(sync_ev(&n, t + 10003, true), FSM_OK);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_follower_claims_while_listening(void **st)
{
	struct node n;

	(void)st;
	follower_init(&n, "b", 90);
	assert_int_equal(n.s.state, FSM_INIT);
	sync_ev(&n, 5, true);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.since_ms, 5);
	/* A leader that is not master changes nothing for a listening follower. */
	follower_init(&n, "b", 90);
	sync_ev(&n, 5, false);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_int_equal(n.o.n_act, 0);
}

static void test_follower_leaves_contention_and_preemption_to_leader(void **st)
{
	struct node n;
	uint64_t t = 1, seq;

	(void)st;
	follower_init(&n, "b", 90);
	sync_ev(&n, t, true);
	assert_int_equal(n.s.state, FSM_MASTER);
	/* The peer's follower also claims (the leaders are in contention). */
	seq = feed(&n, &t, "a", PROTO_ST_MASTER, 100, 1, 5);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_false(has(&n.o, FSM_ACT_DEL_VIPS));
	/* A fit peer asking to take over is not obeyed either. */
	for (int i = 0; i < 3; i++, t += IV) {
		struct proto_pkt p = hb("a", PROTO_ST_BACKUP, 100,
					PROTO_F_UPSTREAM | PROTO_F_TAKEOVER, 7, seq++);

		ev(&n, FSM_EV_PACKET, t, &p);
	}
	assert_int_equal(n.s.state, FSM_MASTER);
	/* A peer that drops its VIPs still makes the follower announce again. */
	{
		struct proto_pkt p =
			hb("a", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_RESIGN, 7, seq++);

		ev(&n, FSM_EV_PACKET, t, &p);
		assert_true(n.o.reannounce);
		assert_true(has(&n.o, FSM_ACT_ANNOUNCE));
	}
	/* Back in BACKUP, a silent peer is no reason to claim. */
	sync_ev(&n, t, false);
	assert_int_equal(n.s.state, FSM_BACKUP);
	tick_to(&n, t + 5000);
	assert_false(n.s.peer.alive);
	assert_int_equal(n.s.state, FSM_BACKUP);
}

static void test_follower_refuses_admin_events(void **st)
{
	struct node n;

	(void)st;
	follower_init(&n, "a", 100);
	sync_ev(&n, 1, true);
	assert_int_equal(admin(&n, FSM_EV_SWITCHOVER, 2, false, true), FSM_E_FOLLOWER);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(admin(&n, FSM_EV_STANDBY, 3, true, true), FSM_E_FOLLOWER);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_false(n.s.standby);
	assert_string_equal(fsm_strerror(FSM_E_FOLLOWER),
			    "the group follows its sync set's leader: ask the leader");
	/* A group that is not a follower ignores FSM_EV_SYNC. */
	started(&n, "a", 100);
	sync_ev(&n, 1, true);
	assert_int_equal(n.s.state, FSM_INIT);
	assert_false(n.s.leader_master);
}

static void test_follower_unhealthy_drops_vips(void **st)
{
	struct node n;

	(void)st;
	follower_init(&n, "a", 100);
	sync_ev(&n, 1, true);
	health(&n, 10, false, 100);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
	/* Unhealthy: the leader being master is no reason to claim. */
	sync_ev(&n, 20, true);
	assert_int_equal(n.s.state, FSM_FAULT);
	/* Healthy again while the leader is master: back with the set at once. */
	health(&n, 30, true, 100);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_SYNC_MASTER);
}

/* ------------------------------------------------------------------ */
/* Two-node simulator: packets travel with LAT ms of latency.          */

#define LAT  1
#define QMAX 64

struct flight {
	struct proto_pkt pkt;
	int to;
	uint64_t at;
};

struct sim {
	struct node n[2];
	bool up[2];
	bool cut; /* heartbeat path cut */
	uint64_t now;
	struct flight q[QMAX];
	int nq;
	uint64_t deadline[2];
	bool holds[2];	    /* VIPs currently on the node */
	uint64_t double_ms; /* time both held the VIPs */
};

static void sim_apply(struct sim *s, int i)
{
	struct fsm_output *o = &s->n[i].o;

	for (size_t k = 0; k < o->n_act; k++) {
		switch (o->act[k].type) {
		case FSM_ACT_SEND:
			if (!s->cut && s->nq < QMAX)
				s->q[s->nq++] =
					(struct flight){ o->act[k].pkt, 1 - i, s->now + LAT };
			break;
		case FSM_ACT_ADD_VIPS:
			s->holds[i] = true;
			break;
		case FSM_ACT_DEL_VIPS:
			s->holds[i] = false;
			break;
		case FSM_ACT_EXIT:
			s->up[i] = false;
			break;
		default:
			break;
		}
	}
	s->deadline[i] = o->next_deadline_ms;
}

static void sim_start(struct sim *s, int i, uint64_t boot)
{
	s->n[i].s.nonce = s->n[i].s.challenge = boot;
	s->n[i].s.tx_seq = 0;
	s->up[i] = true;
	ev(&s->n[i], FSM_EV_START, s->now, NULL);
	sim_apply(s, i);
}

static void sim_init(struct sim *s, uint8_t pa, uint8_t pb)
{
	memset(s, 0, sizeof(*s));
	node_init(&s->n[0], "a", pa, 1);
	node_init(&s->n[1], "b", pb, 1);
}

/* Restart node @i as a fresh process (new boot id, same config). */
static void sim_restart(struct sim *s, int i, uint64_t boot)
{
	struct fsm_cfg c = s->n[i].c;

	fsm_init(&s->n[i].s, &c, boot, s->n[i].s.priority);
	sim_start(s, i, boot);
}

static void sim_run(struct sim *s, uint64_t until)
{
	for (int guard = 0; guard < 100000 && s->now < until; guard++) {
		uint64_t next = until;
		int fi = -1;

		for (int i = 0; i < 2; i++)
			if (s->up[i] && s->deadline[i] < next)
				next = s->deadline[i];
		for (int k = 0; k < s->nq; k++)
			if (s->q[k].at <= next) {
				next = s->q[k].at;
				fi = k;
			}
		if (s->holds[0] && s->holds[1])
			s->double_ms += next - s->now;
		s->now = next;
		if (fi >= 0) {
			struct flight f = s->q[fi];

			s->q[fi] = s->q[--s->nq];
			if (s->up[f.to] && !s->cut) {
				ev_wire(&s->n[f.to], FSM_EV_PACKET, s->now, &f.pkt);
				sim_apply(s, f.to);
			}
			continue;
		}
		for (int i = 0; i < 2; i++)
			if (s->up[i] && s->deadline[i] <= s->now) {
				ev(&s->n[i], FSM_EV_TIMER, s->now, NULL);
				sim_apply(s, i);
			}
	}
}

/*
 * The pair as most scenarios begin: a (priority @pa) and b (@pb) start
 * together and run for 3 s, by when the election is settled. Each node's
 * base priority is its configured one.
 */
static void sim_settled(struct sim *s, uint8_t pa, uint8_t pb)
{
	sim_init(s, pa, pb);
	s->n[0].c.base_priority = pa;
	s->n[1].c.base_priority = pb;
	sim_start(s, 0, 10);
	sim_start(s, 1, 20);
	sim_run(s, 3000);
}

/* Feed node @i one event of the admin, SIGTERM or health kind now, and carry its actions. */
static int sim_event(struct sim *s, int i, const struct fsm_input *in)
{
	struct fsm_input e = *in;

	e.now_ms = s->now;
	s->n[i].rc = fsm_step(&s->n[i].s, &s->n[i].c, &e, &s->n[i].o);
	sim_apply(s, i);
	return s->n[i].rc;
}

static int sim_masters(const struct sim *s)
{
	return (s->up[0] && s->n[0].s.state == FSM_MASTER) +
	       (s->up[1] && s->n[1].s.state == FSM_MASTER);
}

static void test_sim_start_together_one_master(void **st)
{
	struct sim s;

	(void)st;
	for (int prio_b = 99; prio_b <= 101; prio_b++) {
		sim_init(&s, 100, (uint8_t)prio_b);
		sim_start(&s, 0, 10);
		sim_start(&s, 1, 20);
		sim_run(&s, 5000);
		assert_int_equal(sim_masters(&s), 1);
		/* Higher priority wins; on a tie the smaller name ("a"). */
		assert_int_equal(s.n[prio_b > 100 ? 1 : 0].s.state, FSM_MASTER);
		assert_int_equal(s.double_ms, 0);
	}
}

static void test_sim_crash_then_return_no_preempt(void **st)
{
	struct sim s;
	uint64_t crash;

	(void)st;
	sim_settled(&s, 100, 90);
	assert_int_equal(s.n[0].s.state, FSM_MASTER);
	crash = s.now;
	s.up[0] = false;    /* kill -9: no goodbye */
	s.holds[0] = false; /* and the node is gone */
	sim_run(&s, crash + 2000);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(s.n[1].s.reason, FSM_R_PEER_TIMEOUT);
	assert_true(s.n[1].s.since_ms - crash <= 3 * IV + IV / 10 + LAT);
	/* A returns with higher priority: no preemption, B keeps the VIP. */
	sim_restart(&s, 0, 30);
	sim_run(&s, s.now + 10000);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	assert_int_equal(s.double_ms, 0);
}

static void test_sim_graceful_stop_hands_over_at_once(void **st)
{
	struct sim s;
	uint64_t t;

	(void)st;
	sim_settled(&s, 100, 90);
	t = s.now;
	sim_event(&s, 0, &(struct fsm_input){ .ev = FSM_EV_STOP });
	sim_run(&s, t + 50);
	/* One latency later, not a dead interval later. */
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(s.n[1].s.reason, FSM_R_PEER_RESIGNED);
	assert_int_equal(s.n[1].s.since_ms, t + LAT);
	/* The master's ack lets the stopping node exit right away. */
	assert_false(s.up[0]);
	assert_int_equal(s.double_ms, 0);
	/* Reboot: the old master comes back as backup. */
	sim_restart(&s, 0, 11);
	sim_run(&s, s.now + 5000);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	assert_int_equal(s.n[0].s.reason, FSM_R_PEER_MASTER);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
}

static void test_sim_preempt_with_delay(void **st)
{
	struct sim s;
	uint64_t back;

	(void)st;
	sim_init(&s, 100, 90);
	s.n[0].c.preempt = true;
	s.n[0].c.preempt_delay_ms = 3000;
	sim_start(&s, 1, 20);
	sim_run(&s, 2000);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	sim_start(&s, 0, 10);
	back = s.now;
	sim_run(&s, back + 2900);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	sim_run(&s, back + 5000);
	assert_int_equal(s.n[0].s.state, FSM_MASTER);
	assert_int_equal(s.n[0].s.reason, FSM_R_PEER_RESIGNED);
	assert_int_equal(s.n[1].s.reason, FSM_R_PREEMPT);
	assert_true(s.n[0].s.since_ms >= back + 3000);
	assert_int_equal(s.double_ms, 0);
	assert_int_equal(sim_masters(&s), 1);
}

static void test_sim_partition_heals_to_one_holder(void **st)
{
	struct sim s;
	uint64_t heal;

	(void)st;
	sim_settled(&s, 100, 90);
	s.cut = true;
	sim_run(&s, 6000);
	assert_int_equal(sim_masters(&s), 2);
	s.cut = false;
	heal = s.now;
	s.double_ms = 0;
	sim_run(&s, heal + 2 * IV);
	assert_int_equal(sim_masters(&s), 1);
	assert_int_equal(s.n[0].s.state, FSM_MASTER);
	assert_true(s.double_ms <= IV + LAT);
}

static void test_sim_switchover_both_ways(void **st)
{
	struct sim s;
	uint64_t t;

	(void)st;
	sim_settled(&s, 100, 90);
	t = s.now;
	assert_int_equal(sim_event(&s, 0, &(struct fsm_input){ .ev = FSM_EV_SWITCHOVER }), FSM_OK);
	sim_run(&s, t + 10);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(s.n[1].s.since_ms, t + LAT);
	/* And straight back, asked on the backup this time. */
	sim_run(&s, t + 1000);
	t = s.now;
	assert_int_equal(sim_event(&s, 0, &(struct fsm_input){ .ev = FSM_EV_SWITCHOVER }), FSM_OK);
	sim_run(&s, t + 10);
	assert_int_equal(s.n[0].s.state, FSM_MASTER);
	assert_int_equal(s.n[1].s.state, FSM_BACKUP);
	assert_int_equal(s.double_ms, 0);
	sim_run(&s, t + 5000);
	assert_int_equal(sim_masters(&s), 1);
	assert_int_equal(s.n[0].s.state, FSM_MASTER);
}

/* ------------------------------------------------------------------ */
/* Check scripts with a weight: a lowered priority hands over.         */

/*
 * A master whose effective priority a failing check lowered (below
 * cfg.base_priority) resigns to a fit peer that now outranks it, and to no
 * other. Each row: the master's configured and effective priority, what
 * the peer reports and how many heartbeats of it were heard.
 */
/*
 * fsm_health_input(): what the glue observes -> the FSM_EV_HEALTH input.
 * Base priority 100 throughout.
 */
static void test_health_input_table(void **st)
{
	static const struct {
		const char *what;
		struct fsm_health h;
		bool healthy, no_interface;
		uint8_t priority;
	} rows[] = {
		{ "all well", { true, true, false, 0, false, 0, false }, true, false, 100 },
		{ "no carrier", { true, false, false, 0, false, 0, false }, false, false, 100 },
		{ "no interface", { false, false, false, 0, false, 0, false }, false, true, 100 },
		{ "check fails, no weight",
		  { true, true, true, 0, false, 0, false },
		  false,
		  false,
		  100 },
		{ "check fails, weight 30",
		  { true, true, true, 30, false, 0, false },
		  true,
		  false,
		  70 },
		{ "weight, check passes",
		  { true, true, false, 30, false, 0, false },
		  true,
		  false,
		  100 },
		{ "SIP fails, no weight",
		  { true, true, false, 0, true, 0, false },
		  false,
		  false,
		  100 },
		{ "SIP fails, weight 20",
		  { true, true, false, 0, true, 20, false },
		  true,
		  false,
		  80 },
		{ "both fail: weights add",
		  { true, true, true, 30, true, 20, false },
		  true,
		  false,
		  50 },
		{ "weights past 0: floor 1",
		  { true, true, true, 99, true, 99, false },
		  true,
		  false,
		  1 },
		{ "weight 254 alone", { true, true, true, 254, false, 0, false }, true, false, 1 },
		{ "weighted, no weight",
		  { true, true, true, 30, true, 0, false },
		  false,
		  false,
		  70 },
		{ "a follower blocks",
		  { true, true, false, 0, false, 0, true },
		  false,
		  false,
		  100 },
		{ "no interface, blocked",
		  { false, true, false, 0, false, 0, true },
		  false,
		  true,
		  100 },
	};
	struct fsm_cfg c = { .base_priority = 100 };

	(void)st;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fsm_input in = { .ev = FSM_EV_TIMER };

		fsm_health_input(&c, &rows[i].h, &in);
		print_message("health: %s\n", rows[i].what);
		assert_int_equal(in.ev, FSM_EV_HEALTH);
		assert_int_equal(in.healthy, rows[i].healthy);
		assert_int_equal(in.no_interface, rows[i].no_interface);
		assert_int_equal(in.priority, rows[i].priority);
	}
}

/* fsm_health_news(): the glue steps only when health, its reason or the priority changed. */
static void test_health_news_table(void **st)
{
	static const struct {
		const char *what;
		bool s_healthy, s_no_iface;
		uint8_t s_prio;
		bool healthy, no_iface;
		uint8_t prio;
		bool news;
	} rows[] = {
		{ "same, healthy", true, false, 100, true, false, 100, false },
		{ "health lost", true, false, 100, false, false, 100, true },
		{ "health back", false, false, 100, true, false, 100, true },
		{ "priority lowered", true, false, 100, true, false, 70, true },
		{ "still unhealthy, interface gone", false, false, 100, false, true, 100, true },
		{ "still without interface", false, true, 100, false, true, 100, false },
		{ "healthy: no_interface ignored", true, false, 100, true, true, 100, false },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fsm s = { .healthy = rows[i].s_healthy,
				 .no_interface = rows[i].s_no_iface,
				 .priority = rows[i].s_prio };
		struct fsm_input in = { .ev = FSM_EV_HEALTH,
					.healthy = rows[i].healthy,
					.no_interface = rows[i].no_iface,
					.priority = rows[i].prio };

		print_message("health news: %s\n", rows[i].what);
		assert_int_equal(fsm_health_news(&s, &in), rows[i].news);
	}
}

/*
 * Two paths: a copy of an accepted heartbeat within FSM_DUP_WINDOW is a
 * duplicate (no news, no drop), and only with two paths; anything else is
 * what the state machine always made of it. The accepted session is
 * ("b", nonce 50) at seq 40.
 */
static void test_duplicate_table(void **st)
{
	static const struct {
		const char *what;
		bool multipath;
		const char *name;
		uint64_t nonce, seq;
		bool duplicate;
		enum fsm_drop drop;
	} rows[] = {
		{ "the same again", true, "b", 50, 40, true, FSM_DROP_NONE },
		{ "one behind", true, "b", 50, 39, true, FSM_DROP_NONE },
		{ "window's edge", true, "b", 50, 40 - FSM_DUP_WINDOW + 1, true, FSM_DROP_NONE },
		{ "out of the window", true, "b", 50, 40 - FSM_DUP_WINDOW, false, FSM_DROP_REPLAY },
		{ "newer: news", true, "b", 50, 41, false, FSM_DROP_NONE },
		{ "one path: a replay", false, "b", 50, 40, false, FSM_DROP_REPLAY },
		{ "another session", true, "b", 51, 40, false, FSM_DROP_HELLO },
		{ "another name", true, "c", 50, 40, false, FSM_DROP_FOREIGN },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct node n;
		struct proto_pkt p = hb("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 40);
		struct fsm_input in = { .ev = FSM_EV_PACKET, .now_ms = 20, .pkt = &p };
		uint64_t rx;

		print_message("duplicate: %s\n", rows[i].what);
		started(&n, "a", 100);
		ev(&n, FSM_EV_PACKET, 10, &p);
		assert_int_equal(n.o.drop, FSM_DROP_NONE);
		rx = n.s.peer.rx;
		p = hb(rows[i].name, PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, rows[i].nonce,
		       rows[i].seq);
		p.echo = 777777; /* no fresh echo: only the accepted session passes */
		in.multipath = rows[i].multipath;
		fsm_step(&n.s, &n.c, &in, &n.o);
		assert_int_equal(n.o.duplicate, rows[i].duplicate);
		assert_int_equal(n.o.drop, rows[i].drop);
		/* A copy is no news: the peer record is as the first one left it. */
		if (rows[i].duplicate) {
			assert_int_equal(n.s.peer.rx, rx);
			assert_int_equal(n.s.peer.seq, 40);
			assert_int_equal(n.s.peer.last_heard_ms, 10);
		}
	}
}

/* Announcement sizes: a refresh is one round, everything else the burst. */
static void announce_claim(struct node *n)
{
	started(n, "a", 100);
	tick_to(n, fsm_dead_ms(&n->c, &n->s, 0));
}

static void announce_refresh(struct node *n)
{
	uint64_t t = lone_master(n, "a", 100);

	ev(n, FSM_EV_TIMER, t + n->c.refresh_ms, NULL);
}

static void announce_contention(struct node *n)
{
	uint64_t t = lone_master(n, "a", 100);
	struct proto_pkt p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 5, 50);

	ev(n, FSM_EV_PACKET, t + 1, &p);
}

static void announce_return(struct node *n)
{
	uint64_t t = lone_master(n, "a", 100);
	struct proto_pkt p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 5, 50);

	ev(n, FSM_EV_PACKET, t + 1, &p);
}

static void announce_resigned_peer(struct node *n)
{
	uint64_t t = lone_master(n, "a", 100);
	struct proto_pkt p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 5, 50);

	ev(n, FSM_EV_PACKET, t + 1, &p);
	p = hb("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM | PROTO_F_RESIGN, 5, 51);
	ev(n, FSM_EV_PACKET, t + 2, &p);
}

static void test_announce_burst_table(void **st)
{
	static const struct {
		const char *what;
		void (*scenario)(struct node *n);
		bool burst;
	} rows[] = {
		{ "claim after listening", announce_claim, true },
		{ "refresh while master", announce_refresh, false },
		{ "contention won", announce_contention, true },
		{ "peer back from silence", announce_return, true },
		{ "peer dropped our VIPs", announce_resigned_peer, true },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct node n;
		int k;

		print_message("announce: %s\n", rows[i].what);
		rows[i].scenario(&n);
		k = act_index(&n.o, FSM_ACT_ANNOUNCE);
		assert_true(k >= 0);
		assert_int_equal(n.o.act[k].burst, rows[i].burst);
	}
}

static void test_check_weight_hands_over_to_fit_peer(void **st)
{
	static const struct {
		const char *what;
		uint8_t base, eff;
		uint8_t peer_prio, peer_state;
		uint16_t peer_flags;
		int heard;
		bool resigns;
	} rows[] = {
		{ "lowered below a fit backup", 100, 80, 90, PROTO_ST_BACKUP, PROTO_F_UPSTREAM, 3,
		  true },
		{ "lowered but still above the peer", 100, 95, 90, PROTO_ST_BACKUP,
		  PROTO_F_UPSTREAM, 3, false },
		{ "lowered to a tie: the smaller name keeps it", 100, 90, 90, PROTO_ST_BACKUP,
		  PROTO_F_UPSTREAM, 3, false },
		{ "configured lower, nothing failed: no preemption", 80, 80, 90, PROTO_ST_BACKUP,
		  PROTO_F_UPSTREAM, 3, false },
		{ "peer has not risen yet", 100, 80, 90, PROTO_ST_BACKUP, PROTO_F_UPSTREAM, 2,
		  false },
		{ "peer cut off upstream", 100, 80, 90, PROTO_ST_BACKUP, 0, 3, false },
		{ "peer in standby", 100, 80, 90, PROTO_ST_BACKUP,
		  PROTO_F_UPSTREAM | PROTO_F_STANDBY, 3, false },
		{ "peer in fault", 100, 80, 90, PROTO_ST_FAULT, 0, 3, false },
		{ "lowered to the floor", 20, 1, 2, PROTO_ST_BACKUP, PROTO_F_UPSTREAM, 3, true },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct node n;
		uint64_t t = lone_master(&n, "a", rows[i].base) + 1, seq = 1;

		print_message("# %s\n", rows[i].what);
		n.c.base_priority = rows[i].base;
		for (int k = 0; k < rows[i].heard; k++, t += IV) {
			struct proto_pkt p = hb("b", rows[i].peer_state, rows[i].peer_prio,
						rows[i].peer_flags, 7, seq++);

			tick_to(&n, t);
			ev(&n, FSM_EV_PACKET, t, &p);
		}
		assert_int_equal(n.s.state, FSM_MASTER);
		health(&n, t, true, rows[i].eff);
		assert_int_equal(n.s.priority, rows[i].eff);
		if (!rows[i].resigns) {
			assert_int_equal(n.s.state, FSM_MASTER);
			assert_false(has(&n.o, FSM_ACT_DEL_VIPS));
			continue;
		}
		assert_int_equal(n.s.state, FSM_BACKUP);
		assert_int_equal(n.s.reason, FSM_R_PRIORITY);
		assert_true(n.s.healthy);
		assert_true(has(&n.o, FSM_ACT_DEL_VIPS));
		assert_true(sent(&n.o)->flags & PROTO_F_RESIGN);
		assert_int_equal(sent(&n.o)->priority, rows[i].eff);
	}
}

/* Lowered while alone: keep the VIPs; hand over once a fit peer has risen. */
static void test_check_weight_waits_for_peer_to_rise(void **st)
{
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1, seq;

	(void)st;
	n.c.base_priority = 100;
	health(&n, t, true, 80);
	assert_int_equal(n.s.state, FSM_MASTER);
	seq = feed(&n, &t, "b", PROTO_ST_BACKUP, 90, 1, 2);
	assert_int_equal(n.s.state, FSM_MASTER);
	feed(&n, &t, "b", PROTO_ST_BACKUP, 90, seq, 1); /* the rise-th heartbeat */
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.reason, FSM_R_PRIORITY);
}

/*
 * Two nodes: A (100) loses 20 to a failing check and hands over to B (90)
 * at once, without a double holder; A stays BACKUP, not FAULT, and does not
 * take the VIPs back when the check passes again (no preemption).
 */
static void test_sim_check_weight_handover(void **st)
{
	struct sim s;
	uint64_t t;

	(void)st;
	sim_settled(&s, 100, 90);
	assert_int_equal(s.n[0].s.state, FSM_MASTER);
	t = s.now;
	sim_event(&s, 0,
		  &(struct fsm_input){ .ev = FSM_EV_HEALTH, .healthy = true, .priority = 80 });
	sim_run(&s, t + 10);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	assert_int_equal(s.n[0].s.reason, FSM_R_PRIORITY);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(s.n[1].s.reason, FSM_R_PEER_RESIGNED);
	assert_int_equal(s.n[1].s.since_ms, t + LAT);
	assert_int_equal(s.double_ms, 0);
	sim_run(&s, t + 3000);
	t = s.now;
	sim_event(&s, 0,
		  &(struct fsm_input){ .ev = FSM_EV_HEALTH, .healthy = true, .priority = 100 });
	sim_run(&s, t + 10000);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(sim_masters(&s), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_listens_and_asks),
		cmocka_unit_test(test_send_cadence_survives_late_timers),
		cmocka_unit_test(test_never_claims_before_dead_interval),
		cmocka_unit_test(test_init_hears_master_becomes_backup_at_once),
		cmocka_unit_test(test_master_answers_query_at_once),
		cmocka_unit_test(test_timeout_includes_priority_skew),
		cmocka_unit_test(test_resign_is_taken_at_once),
		cmocka_unit_test(test_stop_as_master_resigns_and_waits_for_ack),
		cmocka_unit_test(test_stop_without_ack_gives_up),
		cmocka_unit_test(test_stop_alone_exits_at_once),
		cmocka_unit_test(test_stop_as_backup_says_goodbye_and_exits),
		cmocka_unit_test(test_contention_resolved_by_rank),
		cmocka_unit_test(test_replay_and_identity_drops),
		cmocka_unit_test(test_new_session_must_echo_a_fresh_challenge),
		cmocka_unit_test(test_recordings_of_earlier_sessions_stay_dead),
		cmocka_unit_test(test_duplicate_name_refuses_to_claim),
		cmocka_unit_test(test_settings_mismatch_is_reported),
		cmocka_unit_test(test_stalled_master_yields_to_a_peer_that_took_over),
		cmocka_unit_test(test_stalled_master_keeps_vips_if_nobody_took_over),
		cmocka_unit_test(test_master_reannounces_when_peer_returns),
		cmocka_unit_test(test_stalled_backup_does_not_claim_on_its_lateness),
		cmocka_unit_test(test_switchover_needs_fit_peer),
		cmocka_unit_test(test_switchover_on_backup_asks_master),
		cmocka_unit_test(test_master_honours_takeover_request),
		cmocka_unit_test(test_standby_hands_over_and_never_claims),
		cmocka_unit_test(test_standby_off_does_not_move_vip_back),
		cmocka_unit_test(test_fault_and_recovery),
		cmocka_unit_test(test_fault_backup_never_claims),
		cmocka_unit_test(test_missing_interface_is_its_own_fault),
		cmocka_unit_test(test_refresh_while_master),
		cmocka_unit_test(test_probe_costs_no_time_on_a_crash),
		cmocka_unit_test(test_fence_runs_before_a_timeout_claim),
		cmocka_unit_test(test_fence_after_the_claim_probe),
		cmocka_unit_test(test_fence_failure_is_fault_retried_with_backoff),
		cmocka_unit_test(test_fence_backoff_is_capped),
		cmocka_unit_test(test_fence_failed_peer_heard_again_listens),
		cmocka_unit_test(test_fence_ok_but_peer_back_does_not_claim),
		cmocka_unit_test(test_no_fence_after_resign_or_when_never_heard),
		cmocka_unit_test(test_fence_in_init_for_a_peer_heard_before),
		cmocka_unit_test(test_fence_done_without_a_fence_is_ignored),
		cmocka_unit_test(test_fence_result_does_not_outlive_the_peers_return),
		cmocka_unit_test(test_probe_answered_goes_fault_not_master),
		cmocka_unit_test(test_vip_in_use_reprobes_every_interval),
		cmocka_unit_test(test_vip_in_use_free_with_live_peer_listens),
		cmocka_unit_test(test_late_probe_decision_reads_answers_first),
		cmocka_unit_test(test_window_closed_very_late_asks_again),
		cmocka_unit_test(test_answer_outside_a_probe_is_ignored),
		cmocka_unit_test(test_vip_in_use_explained_by_master_heartbeat),
		cmocka_unit_test(test_start_probe_before_listen_end),
		cmocka_unit_test(test_isolated_backup_does_not_claim),
		cmocka_unit_test(test_master_without_upstream_hands_to_healthy_peer),
		cmocka_unit_test(test_sim_start_together_one_master),
		cmocka_unit_test(test_sim_crash_then_return_no_preempt),
		cmocka_unit_test(test_sim_graceful_stop_hands_over_at_once),
		cmocka_unit_test(test_sim_preempt_with_delay),
		cmocka_unit_test(test_sim_partition_heals_to_one_holder),
		cmocka_unit_test(test_sim_switchover_both_ways),
		cmocka_unit_test(test_follower_never_claims_alone),
		cmocka_unit_test(test_follower_claims_while_listening),
		cmocka_unit_test(test_follower_leaves_contention_and_preemption_to_leader),
		cmocka_unit_test(test_follower_refuses_admin_events),
		cmocka_unit_test(test_follower_unhealthy_drops_vips),
		cmocka_unit_test(test_check_weight_hands_over_to_fit_peer),
		cmocka_unit_test(test_check_weight_waits_for_peer_to_rise),
		cmocka_unit_test(test_sim_check_weight_handover),
		cmocka_unit_test(test_health_input_table),
		cmocka_unit_test(test_health_news_table),
		cmocka_unit_test(test_duplicate_table),
		cmocka_unit_test(test_announce_burst_table),
	};

	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
