/*
 * test_fsm.c - the state machine against a plain integer clock, one node
 * at a time: scenarios as tables of steps (time, event, heartbeat -> the
 * state, actions and packet each must leave), and in C what is no table
 * (loops, two nodes side by side). test_fsm_sim.c has the two-node simulator.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fsm.h"
#include "fsm_node.h"

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

/* A node that started at 0, heard nothing and claimed at its dead interval. */
/* A node @name (session 100) that has started: listening, heard nothing yet. */
static void started(struct node *n, const char *name, uint8_t prio)
{
	node_init(n, name, prio, 100);
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

/* "a" (100) started and followed "b", master at 100, for @k heartbeats from *@t; next seq. */
static uint64_t backup_of(struct node *n, uint64_t *t, int k)
{
	uint64_t seq;

	*t = 1;
	started(n, "a", 100);
	seq = feed(n, t, "b", PROTO_ST_MASTER, 100, 1, k);
	assert_int_equal(n->s.state, FSM_BACKUP);
	return seq;
}

/* The lone master "a" (100), then 3 heartbeats of "b", backup at 90, from a ms later; next seq. */
static uint64_t master_with_backup(struct node *n, uint64_t *t)
{
	*t = lone_master(n, "a", 100) + 1;
	return feed(n, t, "b", PROTO_ST_BACKUP, 90, 1, 3);
}

/* "a" (100) with a claim probe of 20 ms, started. */
static void probing(struct node *n)
{
	node_init(n, "a", 100, 100);
	n->c.probe_ms = 20;
	ev(n, FSM_EV_START, 0, NULL);
}

/* probing(), then @k heartbeats of "b" as master (100) from *@t = 1; b's dead time. */
static uint64_t probing_backup(struct node *n, uint64_t *t, int k)
{
	*t = 1;
	probing(n);
	feed(n, t, "b", PROTO_ST_MASTER, 100, 1, k);
	return n->s.peer.dead_at_ms;
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

static int upstream(struct node *n, uint64_t now, bool ok)
{
	struct fsm_input in = { .ev = FSM_EV_UPSTREAM, .now_ms = now, .healthy = ok };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
	return n->rc;
}

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

/*
 * A probing backup whose claim probe before the timeout was answered (B's
 * kernel still serves the VIP): A is FAULT at B's dead time, which it
 * returns. *@seq (if not NULL): B's last seq.
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

/* ------------------------------------------------------------------ */
/* Scenarios as tables: rows of (time, event, packet) -> what must hold. */

/* What a row feeds the node. */
enum step_ev {
	S_CHECK,      /* nothing: the row only checks */
	S_START,      /* FSM_EV_START */
	S_PKT,	      /* the row's heartbeat through ev(): it echoes our challenge */
	S_WIRE,	      /* the row's heartbeat with the row's echo and echo_new, as it is */
	S_TIMER,      /* FSM_EV_TIMER, its send_due_ms the row's due */
	S_TICK,	      /* tick_to() the row's time */
	S_FEED,	      /* feed() .k heartbeats (the row's name, state, prio, seq) from then */
	S_HEALTH,     /* health(): .ok, .prio */
	S_NO_IFACE,   /* no_interface() */
	S_UPSTREAM,   /* upstream(): .ok */
	S_STOP,	      /* FSM_EV_STOP */
	S_ANSWERED,   /* FSM_EV_VIP_ANSWERED */
	S_SWITCHOVER, /* admin(): .ok (on), .force */
	S_STANDBY,    /* admin(): .ok (on), .force */
	S_SYNC,	      /* sync_ev(): .ok (the leader is master) */
	S_FENCE_DONE, /* FSM_EV_FENCE_DONE: .ok (it fenced) */
	S_PEER_DEAD,  /* tick_to() the peer's dead_at_ms (the row's time is not used) */
};

/* A heartbeat: hb()'s arguments. */
struct spec {
	const char *name;
	uint8_t state, prio;
	uint16_t flags;
	uint64_t nonce, seq;
};

#define HB(nm, st, pr, fl, no, sq)                                                       \
	{                                                                                \
		.name = (nm), .state = (st), .prio = (pr), .flags = (fl), .nonce = (no), \
		.seq = (sq)                                                              \
	}

/* The heartbeats S_FEED sends: feed() gives them PROTO_F_UPSTREAM and session 7. */
#define BEATS(nm, st, pr, sq)                                          \
	{                                                              \
		.name = (nm), .state = (st), .prio = (pr), .seq = (sq) \
	}

#define OURS UINT64_MAX	      /* echo or echo_new: our challenge when the row is fed */
#define PREV (UINT64_MAX - 1) /* ... the one we had before the previous row */

/* An expected value; a field a row leaves out is not checked. */
struct want {
	bool on;
	uint64_t v;
};
#define EQ(x)                       \
	{                           \
		true, (uint64_t)(x) \
	}
#define A(t) (1u << (t)) /* an action type in a mask */

/* struct fsm_output's flags as bits of a mask. */
enum {
	O_CHANGED = 1 << 0,
	O_CONTENTION_WON = 1 << 1,
	O_REANNOUNCE = 1 << 2,
	O_PEER_RETURNED = 1 << 3,
	O_MISMATCH_CHANGED = 1 << 4,
	O_CONFLICT_STARTED = 1 << 5,
};

struct step {
	const char *what; /* named when the row fails */
	enum step_ev ev;
	int64_t at; /* ms after the scenario's time 0 */
	struct spec pkt;
	uint64_t echo, echo_new; /* echoes of the heartbeat (OURS, PREV or a value) */
	uint64_t challenge;	 /* ... its challenge if not its nonce */
	uint16_t vips_digest;	 /* ... its digest[PROTO_DIGEST_VIPS] */
	int64_t due;		 /* S_TIMER: send_due_ms after time 0 (0: our own schedule) */
	int k;			 /* S_FEED: how many */
	bool ok, force;
	uint8_t prio; /* S_HEALTH */
	/* After the event, the node ... */
	struct want fencing, fenced, fence_failures;
	struct want state, reason, from, rc, drop, alive, peer_nonce, mismatch, stalls, transitions,
		probing, answered;
	const char *peer;   /* the peer's name */
	bool new_challenge; /* our challenge moved on */
	/* ... its times, in ms after time 0 ... */
	struct want since, deadline, next_send, fault_until, probe_at;
	bool never; /* next_deadline_ms is UINT64_MAX */
	/* ... its actions (masks of A()), the first, and some in this order ... */
	unsigned has, lacks;
	struct want first, n_act, order[3];
	unsigned out, out_not; /* O_* */
	/* ... and the packet it sent (all zero if none). */
	struct want sent_state, sent_seq, sent_peer_seq, sent_echo, sent_echo_new;
	uint16_t sent_flags, sent_lacks;
};

/* A table being run: the row at hand and our challenge before it and before the last one. */
struct run {
	struct node *n;
	uint64_t t0;
	const struct step *row;
	size_t i;
	uint64_t c_now, c_prev;
};

static void want_eq(const struct run *r, const char *field, struct want w, uint64_t got)
{
	if (w.on && got != w.v)
		fail_msg("row %zu \"%s\": %s is %" PRId64 ", want %" PRId64, r->i, r->row->what,
			 field, (int64_t)got, (int64_t)w.v);
}

/* A state, a reason or a drop: by name in the message. */
static void want_named(const struct run *r, const char *field, struct want w, uint64_t got,
		       const char *got_name, const char *want_name)
{
	if (w.on && got != w.v)
		fail_msg("row %zu \"%s\": %s is %s, want %s", r->i, r->row->what, field, got_name,
			 want_name);
}

/* A time of the node's, checked as ms after time 0. */
static void want_at(const struct run *r, const char *field, struct want w, uint64_t got)
{
	want_eq(r, field, w, got - r->t0);
}

static void want_bits(const struct run *r, const char *field, unsigned all, unsigned none,
		      unsigned got)
{
	if ((got & all) != all || (got & none) != 0)
		fail_msg("row %zu \"%s\": %s are 0x%x, want all of 0x%x and none of 0x%x", r->i,
			 r->row->what, field, got, all, none);
}

static uint64_t step_echo(const struct run *r, uint64_t e)
{
	if (e == OURS)
		return r->n->s.challenge;
	return e == PREV ? r->c_prev : e;
}

static struct proto_pkt step_pkt(const struct run *r)
{
	const struct spec *s = &r->row->pkt;
	struct proto_pkt p =
		hb(s->name ? s->name : "", s->state, s->prio, s->flags, s->nonce, s->seq);

	if (r->row->challenge)
		p.challenge = r->row->challenge;
	p.digest[PROTO_DIGEST_VIPS] = r->row->vips_digest;
	p.echo = step_echo(r, r->row->echo);
	p.echo_new = step_echo(r, r->row->echo_new);
	return p;
}

static void step_feed(const struct run *r)
{
	const struct step *s = r->row;
	struct node *n = r->n;
	uint64_t t = r->t0 + (uint64_t)s->at;
	struct proto_pkt p = step_pkt(r);
	struct fsm_input timer = { .ev = FSM_EV_TIMER, .now_ms = t };
	struct fsm_input fence_in = { .ev = FSM_EV_FENCE_DONE };

	switch (s->ev) {
	case S_CHECK:
		break;
	case S_START:
		ev(n, FSM_EV_START, t, NULL);
		break;
	case S_PKT:
		ev(n, FSM_EV_PACKET, t, &p);
		break;
	case S_WIRE:
		ev_wire(n, FSM_EV_PACKET, t, &p);
		break;
	case S_TIMER:
		timer.send_due_ms = s->due ? r->t0 + (uint64_t)s->due : 0;
		n->rc = fsm_step(&n->s, &n->c, &timer, &n->o);
		break;
	case S_TICK:
		tick_to(n, t);
		break;
	case S_FEED:
		feed(n, &t, s->pkt.name, s->pkt.state, s->pkt.prio, s->pkt.seq, s->k);
		break;
	case S_HEALTH:
		health(n, t, s->ok, s->prio);
		break;
	case S_NO_IFACE:
		no_interface(n, t);
		break;
	case S_UPSTREAM:
		upstream(n, t, s->ok);
		break;
	case S_STOP:
		ev(n, FSM_EV_STOP, t, NULL);
		break;
	case S_ANSWERED:
		ev(n, FSM_EV_VIP_ANSWERED, t, NULL);
		break;
	case S_SWITCHOVER:
		admin(n, FSM_EV_SWITCHOVER, t, s->ok, s->force);
		break;
	case S_STANDBY:
		admin(n, FSM_EV_STANDBY, t, s->ok, s->force);
		break;
	case S_SYNC:
		sync_ev(n, t, s->ok);
		break;
	case S_FENCE_DONE:
		fence_in.now_ms = t;
		fence_in.ok = s->ok;
		n->rc = fsm_step(&n->s, &n->c, &fence_in, &n->o);
		break;
	case S_PEER_DEAD:
		tick_to(n, n->s.peer.dead_at_ms);
		break;
	}
}

static void check_node(const struct run *r)
{
	const struct step *s = r->row;
	const struct fsm *f = &r->n->s;

	want_named(r, "state", s->state, f->state, fsm_state_name(f->state),
		   fsm_state_name((enum fsm_state)s->state.v));
	want_named(r, "reason", s->reason, f->reason, fsm_reason_text(f->reason),
		   fsm_reason_text((enum fsm_reason)s->reason.v));
	want_eq(r, "rc", s->rc, (uint64_t)(int64_t)r->n->rc);
	want_eq(r, "peer.alive", s->alive, f->peer.alive);
	want_eq(r, "peer.nonce", s->peer_nonce, f->peer.nonce);
	want_eq(r, "peer.mismatch", s->mismatch, f->peer.mismatch);
	want_eq(r, "stalls", s->stalls, f->stalls);
	want_eq(r, "transitions", s->transitions, f->transitions);
	want_eq(r, "probe running", s->probing, f->probe_at_ms != 0);
	want_eq(r, "vip_answered", s->answered, f->vip_answered);
	want_eq(r, "fencing", s->fencing, f->fencing);
	want_eq(r, "fenced", s->fenced, f->fenced);
	want_eq(r, "fence_failures", s->fence_failures, f->fence_failures);
	want_at(r, "since_ms", s->since, f->since_ms);
	want_at(r, "next_send_ms", s->next_send, f->next_send_ms);
	want_at(r, "fault_until_ms", s->fault_until, f->fault_until_ms);
	want_at(r, "probe_at_ms", s->probe_at, f->probe_at_ms);
	if (s->peer && strcmp(f->peer.name, s->peer) != 0)
		fail_msg("row %zu \"%s\": peer is \"%s\", want \"%s\"", r->i, s->what, f->peer.name,
			 s->peer);
	if (s->new_challenge && f->challenge == r->c_now)
		fail_msg("row %zu \"%s\": the challenge did not move on", r->i, s->what);
}

static void check_output(const struct run *r)
{
	const struct step *s = r->row;
	const struct fsm_output *o = &r->n->o;
	const struct proto_pkt *p = sent(o);
	unsigned acts = 0, out;
	int last = -1;

	for (size_t k = 0; k < o->n_act; k++)
		acts |= A(o->act[k].type);
	want_bits(r, "actions", s->has, s->lacks, acts);
	want_eq(r, "first action", s->first, o->n_act ? (uint64_t)o->act[0].type : UINT64_MAX);
	want_eq(r, "n_act", s->n_act, o->n_act);
	for (int k = 0; k < 3 && s->order[k].on; k++) {
		int at = act_index(o, (enum fsm_action_type)s->order[k].v);

		if (at <= last)
			fail_msg("row %zu \"%s\": action %d of the order is missing or early", r->i,
				 s->what, k);
		last = at;
	}
	out = (o->changed ? O_CHANGED : 0) | (o->contention_won ? O_CONTENTION_WON : 0) |
	      (o->reannounce ? O_REANNOUNCE : 0) | (o->peer_returned ? O_PEER_RETURNED : 0) |
	      (o->mismatch_changed ? O_MISMATCH_CHANGED : 0) |
	      (o->conflict_started ? O_CONFLICT_STARTED : 0);
	want_bits(r, "output flags", s->out, s->out_not, out);
	want_named(r, "from", s->from, o->from, fsm_state_name(o->from),
		   fsm_state_name((enum fsm_state)s->from.v));
	want_named(r, "drop", s->drop, o->drop, fsm_drop_key(o->drop),
		   fsm_drop_key((enum fsm_drop)s->drop.v));
	want_at(r, "next_deadline_ms", s->deadline, o->next_deadline_ms);
	if (s->never && o->next_deadline_ms != UINT64_MAX)
		fail_msg("row %zu \"%s\": a deadline is set", r->i, s->what);
	want_eq(r, "sent state", s->sent_state, p->state);
	want_eq(r, "sent seq", s->sent_seq, p->seq);
	want_eq(r, "sent peer_seq", s->sent_peer_seq, p->peer_seq);
	want_eq(r, "sent echo", s->sent_echo, p->echo);
	want_eq(r, "sent echo_new", s->sent_echo_new, p->echo_new);
	want_bits(r, "sent flags", s->sent_flags, s->sent_lacks, p->flags);
}

/* Feed each row's event at its time after @t0, then check what the row expects. */
static void run_steps(struct node *n, uint64_t t0, const struct step *rows, size_t k)
{
	struct run r = { .n = n, .t0 = t0, .c_now = n->s.challenge };

	for (r.i = 0; r.i < k; r.i++) {
		r.row = &rows[r.i];
		r.c_prev = r.c_now;
		r.c_now = n->s.challenge;
		step_feed(&r);
		check_node(&r);
		check_output(&r);
	}
}

#define RUN(n, t0, rows) run_steps((n), (t0), (rows), sizeof(rows) / sizeof((rows)[0]))

/* fenced_backup() (with the fence tests), then @rows from its time 0 @at (below). */
enum fenced_at { AT_HEARD, AT_DEAD };
static void run_fenced(void **st, enum fenced_at at, const struct step *rows, size_t k);
#define RUN_FENCED(st, at, rows) run_fenced((st), (at), (rows), sizeof(rows) / sizeof((rows)[0]))

/* Where a scenario starts: the fixtures above. */
enum from {
	F_NEW,	    /* node_init() only */
	F_STARTED,  /* started() */
	F_BACKUP,   /* backup_of() with k heartbeats: time 0 is after the last */
	F_ALONE,    /* lone_master(): time 0 is its claim */
	F_MASTER,   /* master_with_backup(): time 0 is after b's last heartbeat */
	F_PROBING,  /* probing_backup() with k heartbeats: time 0 is b's dead time */
	F_ANSWERED, /* answered_in_probe(): time 0 is b's dead time */
	F_FOLLOWER, /* follower_init() */
};

/* Bring "a" (@prio where the fixture takes one) to @f; its time 0. */
static uint64_t reach(struct node *n, enum from f, uint8_t prio, int k)
{
	uint64_t t = 0;

	switch (f) {
	case F_NEW:
		node_init(n, "a", prio, 100);
		break;
	case F_STARTED:
		started(n, "a", prio);
		break;
	case F_BACKUP:
		backup_of(n, &t, k);
		break;
	case F_ALONE:
		t = lone_master(n, "a", prio);
		break;
	case F_MASTER:
		master_with_backup(n, &t);
		break;
	case F_PROBING:
		return probing_backup(n, &t, k);
	case F_ANSWERED:
		t = 1;
		return answered_in_probe(n, &t, NULL);
	case F_FOLLOWER:
		follower_init(n, "a", prio);
		break;
	}
	return t;
}

/* The table @rows, from @f: a whole test. */
static void run_from(void **st, enum from f, uint8_t prio, int k, const struct step *rows,
		     size_t n_rows)
{
	struct node n;

	(void)st;
	run_steps(&n, reach(&n, f, prio, k), rows, n_rows);
}

#define RUN_FROM(st, f, prio, k, rows) \
	run_from((st), (f), (prio), (k), (rows), sizeof(rows) / sizeof((rows)[0]))

/* Stale copies go first, then the question. */
static const struct step start_listens_and_asks[] = {
	{ "start", S_START, .at = 0, .state = EQ(FSM_INIT), .first = EQ(FSM_ACT_DEL_VIPS),
	  .has = A(FSM_ACT_SEND), .lacks = A(FSM_ACT_ADD_VIPS), .sent_flags = PROTO_F_QUERY,
	  .sent_state = EQ(PROTO_ST_INIT), .sent_seq = EQ(1), .deadline = EQ(IV) },
};

static void test_start_listens_and_asks(void **st)
{
	RUN_FROM(st, F_NEW, 100, 0, start_listens_and_asks);
}

/*
 * Timers fire late (rounding to the ms, a busy loop, a bundle's hold-back):
 * a periodic send that came late keeps the cadence, so the period does not
 * stretch; the send bundle may bring one forward into its phase; a send an
 * interval late, or an event's, starts it over.
 */
static const struct step send_cadence_survives_late_timers[] = {
	{ "3 ms late, 1", S_TIMER, .at = 1 * IV + 3, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(2 * IV) },
	{ "3 ms late, 2", S_TIMER, .at = 2 * IV + 3, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(3 * IV) },
	{ "3 ms late, 3", S_TIMER, .at = 3 * IV + 3, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(4 * IV) },
	{ "3 ms late, 4", S_TIMER, .at = 4 * IV + 3, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(5 * IV) },
	{ "3 ms late, 5", S_TIMER, .at = 5 * IV + 3, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(6 * IV) },
	/* The bundle's phase: due at 6 IV + 2 (held back 2 ms), stepped 1 ms after. */
	{ "bundle held back", S_TIMER, .at = 6 * IV + 3, .due = 6 * IV + 2, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(7 * IV + 2) },
	/* ... or brought forward 2 ms into it: sent early, the cadence from there. */
	{ "bundle brought forward", S_TIMER, .at = 7 * IV, .due = 7 * IV, .has = A(FSM_ACT_SEND),
	  .next_send = EQ(8 * IV) },
	/* More than an interval late: from now. */
	{ "an interval late", S_TIMER, .at = 9 * IV + 5, .next_send = EQ(10 * IV + 5) },
};

static void test_send_cadence_survives_late_timers(void **st)
{
	RUN_FROM(st, F_STARTED, 100, 0, send_cadence_survives_late_timers);
}

static void test_never_claims_before_dead_interval(void **st)
{
	/* 3 x 200 + 200 / 8 + (256 - 100) x 200 / 2560 = 637 ms */
	static const struct step rows[] = {
		{ "1 IV", S_TIMER, .at = IV, .state = EQ(FSM_INIT), .lacks = A(FSM_ACT_ADD_VIPS) },
		{ "2 IV", S_TIMER, .at = 2 * IV, .state = EQ(FSM_INIT),
		  .lacks = A(FSM_ACT_ADD_VIPS) },
		{ "3 IV", S_TIMER, .at = 3 * IV, .state = EQ(FSM_INIT),
		  .lacks = A(FSM_ACT_ADD_VIPS) },
		{ "1 ms before", S_TIMER, .at = 636, .state = EQ(FSM_INIT) },
		{ "dead interval", S_TIMER, .at = 637, .state = EQ(FSM_MASTER),
		  .reason = EQ(FSM_R_LISTEN_DONE),
		  .order = { EQ(FSM_ACT_ADD_VIPS), EQ(FSM_ACT_ANNOUNCE), EQ(FSM_ACT_SEND) },
		  .sent_state = EQ(PROTO_ST_MASTER) },
	};
	struct node n;

	(void)st;
	started(&n, "a", 100);
	assert_int_equal(fsm_dead_ms(&n.c, &n.s, 0), 637);
	RUN(&n, 0, rows);
}

static const struct step init_hears_master_becomes_backup_at_once[] = {
	/* Higher priority, but no preemption: the returning node stays backup. */
	{ "master heard", S_PKT, .at = 3, HB("b", PROTO_ST_MASTER, 50, PROTO_F_UPSTREAM, 7, 1),
	  .state = EQ(FSM_BACKUP), .reason = EQ(FSM_R_PEER_MASTER), .out = O_CHANGED,
	  .from = EQ(FSM_INIT), .lacks = A(FSM_ACT_ADD_VIPS) },
	/* The master then went silent. */
	{ "master silent", S_TICK, .at = 2000, .state = EQ(FSM_MASTER),
	  .reason = EQ(FSM_R_PEER_TIMEOUT) },
};

static void test_init_hears_master_becomes_backup_at_once(void **st)
{
	RUN_FROM(st, F_STARTED, 200, 0, init_hears_master_becomes_backup_at_once);
}

static const struct step master_answers_query_at_once[] = {
	{ "query", S_PKT, .at = 1,
	  HB("b", PROTO_ST_INIT, 100, PROTO_F_QUERY | PROTO_F_UPSTREAM, 7, 1),
	  .has = A(FSM_ACT_SEND), .sent_state = EQ(PROTO_ST_MASTER), .sent_peer_seq = EQ(1) },
	/* An ordinary heartbeat in between deadlines is not answered. */
	{ "heartbeat", S_PKT, .at = 2, HB("b", PROTO_ST_INIT, 100, PROTO_F_UPSTREAM, 7, 2),
	  .lacks = A(FSM_ACT_SEND) },
};

static void test_master_answers_query_at_once(void **st)
{
	RUN_FROM(st, F_ALONE, 100, 0, master_answers_query_at_once);
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

static const struct step resign_is_taken_at_once[] = {
	/* The reply is the acknowledgement the stopping master waits for. */
	{ "resign", S_PKT, .at = 1,
	  HB("b", PROTO_ST_STOPPING, 100, PROTO_F_RESIGN | PROTO_F_UPSTREAM, 7, 6),
	  .state = EQ(FSM_MASTER), .reason = EQ(FSM_R_PEER_RESIGNED),
	  .has = A(FSM_ACT_ADD_VIPS) | A(FSM_ACT_ANNOUNCE), .sent_state = EQ(PROTO_ST_MASTER) },
};

static void test_resign_is_taken_at_once(void **st)
{
	RUN_FROM(st, F_BACKUP, 100, 5, resign_is_taken_at_once);
}

static const struct step stop_as_master_resigns_and_waits_for_ack[] = {
	{ "stop", S_STOP, .at = 10, .state = EQ(FSM_STOPPING), .first = EQ(FSM_ACT_DEL_VIPS),
	  .has = A(FSM_ACT_SEND), .lacks = A(FSM_ACT_EXIT), .sent_state = EQ(PROTO_ST_STOPPING),
	  .sent_flags = PROTO_F_RESIGN },
	/* Resent every interval until acknowledged. */
	{ "resent", S_TIMER, .at = 10 + IV, .has = A(FSM_ACT_SEND) },
	{ "ack", S_PKT, .at = 10 + IV + 2, HB("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 7, 4),
	  .has = A(FSM_ACT_EXIT), .state = EQ(FSM_STOPPED), .never = true },
};

static void test_stop_as_master_resigns_and_waits_for_ack(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, stop_as_master_resigns_and_waits_for_ack);
}

/* stop_wait_ms is 2000 */
static const struct step stop_without_ack_gives_up[] = {
	{ "stop", S_STOP, .at = 0 },
	{ "1 ms before the wait ends", S_TIMER, .at = 2000 - 1, .lacks = A(FSM_ACT_EXIT) },
	{ "the wait ends", S_TIMER, .at = 2000, .has = A(FSM_ACT_EXIT) },
};

static void test_stop_without_ack_gives_up(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, stop_without_ack_gives_up);
}

static const struct step stop_alone_exits_at_once[] = {
	{ "stop", S_STOP, .at = 0, .first = EQ(FSM_ACT_DEL_VIPS),
	  .order = { EQ(FSM_ACT_SEND), EQ(FSM_ACT_EXIT) } },
};

static void test_stop_alone_exits_at_once(void **st)
{
	RUN_FROM(st, F_ALONE, 100, 0, stop_alone_exits_at_once);
}

static const struct step stop_as_backup_says_goodbye_and_exits[] = {
	{ "stop", S_STOP, .at = 0, .lacks = A(FSM_ACT_DEL_VIPS), .has = A(FSM_ACT_SEND),
	  .sent_state = EQ(PROTO_ST_STOPPING), .order = { EQ(FSM_ACT_SEND), EQ(FSM_ACT_EXIT) } },
};

static void test_stop_as_backup_says_goodbye_and_exits(void **st)
{
	RUN_FROM(st, F_BACKUP, 100, 3, stop_as_backup_says_goodbye_and_exits);
}

static void test_contention_resolved_by_rank(void **st)
{
	/* Had b seen a's heartbeat first, a learns of it only from RESIGN. */
	static const struct step heard_late[] = {
		{ "back from silence", S_PKT, .at = 1,
		  HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 5, 49),
		  .has = A(FSM_ACT_ANNOUNCE) },
		{ "heard again", S_PKT, .at = 1,
		  HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 5, 50),
		  .lacks = A(FSM_ACT_ANNOUNCE) },
		{ "resign", S_PKT, .at = 2,
		  HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_RESIGN, 5, 51),
		  .has = A(FSM_ACT_ANNOUNCE), .out = O_REANNOUNCE, .state = EQ(FSM_MASTER) },
		/* Once per resignation, not once per heartbeat. */
		{ "resign again", S_PKT, .at = 3,
		  HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_RESIGN, 5, 52),
		  .lacks = A(FSM_ACT_ANNOUNCE) },
	};
	/* Higher priority beats the name. */
	static const struct step outranked[] = {
		{ "higher master", S_PKT, .at = 1,
		  HB("b", PROTO_ST_MASTER, 101, PROTO_F_UPSTREAM, 5, 50), .state = EQ(FSM_BACKUP) },
	};
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
	lone_master(&a, "a", 100);
	RUN(&a, ta, heard_late);
	lone_master(&a, "a", 100);
	lone_master(&b, "b", 101);
	RUN(&a, ta, outranked);
}

static const struct step replay_and_identity_drops[] = {
	{ "first", S_PKT, .at = 1, HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 10),
	  .drop = EQ(FSM_DROP_NONE) },
	{ "the same", S_PKT, .at = 2, HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 10),
	  .drop = EQ(FSM_DROP_REPLAY) },
	{ "older", S_PKT, .at = 3, HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 9),
	  .drop = EQ(FSM_DROP_REPLAY) },
	{ "newer", S_PKT, .at = 4, HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 11),
	  .drop = EQ(FSM_DROP_NONE) },
	/* Within the accepted session no echo is needed: the sequence number protects it.
	 */
	{ "any echo", S_WIRE, .at = 5, HB("b", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM, 50, 12),
	  .echo = 12345, .drop = EQ(FSM_DROP_NONE) },
	/* Our own packet looped back, and a node that stole our name. */
	{ "own", S_PKT, .at = 7, HB("a", PROTO_ST_BACKUP, 100, 0, 100, 5),
	  .drop = EQ(FSM_DROP_OWN) },
	{ "our name", S_PKT, .at = 8, HB("a", PROTO_ST_BACKUP, 100, 0, 101, 5), .challenge = 100,
	  .drop = EQ(FSM_DROP_NAME) },
	/* A third node while the peer is alive; the name conflict; dropped packets change
	 * nothing. */
	{ "third node", S_PKT, .at = 9, HB("c", PROTO_ST_MASTER, 255, PROTO_F_UPSTREAM, 5, 5),
	  .drop = EQ(FSM_DROP_FOREIGN), .state = EQ(FSM_FAULT), .peer = "b" },
};

static void test_replay_and_identity_drops(void **st)
{
	RUN_FROM(st, F_STARTED, 100, 0, replay_and_identity_drops);
}

/*
 * A new session is accepted only if it echoes our current challenge, and
 * a live peer's replacement must echo a challenge issued after it showed
 * up: one round trip, taken at once.
 */
static const struct step new_session_must_echo_a_fresh_challenge[] = {
	/* A starting peer asks: it does not know our challenge yet; answered at once, with
	 * its challenge. */
	{ "query", S_WIRE, .at = 1, HB("b", PROTO_ST_INIT, 90, PROTO_F_QUERY, 50, 1),
	  .drop = EQ(FSM_DROP_HELLO), .has = A(FSM_ACT_SEND), .sent_echo_new = EQ(50),
	  .alive = EQ(false) },
	/* Its next packet echoes ours (as a session it has not accepted yet): accepted, and
	 * told so at once. */
	{ "echoes ours", S_WIRE, .at = 2, HB("b", PROTO_ST_INIT, 90, 0, 50, 2), .echo_new = OURS,
	  .drop = EQ(FSM_DROP_NONE), .alive = EQ(true), .sent_echo = EQ(50) },
	/* The peer restarts while we still count it alive: a new session (even a recording
	 * that echoes our challenge of now) must answer a new challenge ... */
	{ "restarted", S_WIRE, .at = 3, HB("b", PROTO_ST_INIT, 90, PROTO_F_QUERY, 51, 1),
	  .echo = OURS, .drop = EQ(FSM_DROP_HELLO), .new_challenge = true,
	  .sent_echo_new = EQ(51) },
	/* ... and again with the old one: now counted as stale. */
	{ "old challenge", S_WIRE, .at = 3, HB("b", PROTO_ST_INIT, 90, PROTO_F_QUERY, 51, 2),
	  .echo = PREV, .drop = EQ(FSM_DROP_STALE) },
	{ "new challenge", S_WIRE, .at = 4, HB("b", PROTO_ST_INIT, 90, PROTO_F_QUERY, 51, 3),
	  .echo = OURS, .drop = EQ(FSM_DROP_NONE), .peer_nonce = EQ(51) },
	/* The replaced session is over for good, whatever it echoes. */
	{ "replaced session", S_WIRE, .at = 5,
	  HB("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 50, 99), .echo = OURS,
	  .drop = EQ(FSM_DROP_STALE), .peer_nonce = EQ(51) },
};

static void test_new_session_must_echo_a_fresh_challenge(void **st)
{
	RUN_FROM(st, F_STARTED, 100, 0, new_session_must_echo_a_fresh_challenge);
}

/*
 * Feed @a 8 MASTER heartbeats of b's session @nonce from seq @seq, one per
 * interval from *@t, each echoing a's challenge, and record them in @rec.
 */
static void record(struct node *a, uint64_t *t, uint64_t nonce, uint64_t seq,
		   struct proto_pkt rec[8])
{
	for (int i = 0; i < 8; i++, *t += IV) {
		rec[i] = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, nonce, seq + (uint64_t)i);
		rec[i].echo = a->s.challenge;
		tick_to(a, *t);
		ev_wire(a, FSM_EV_PACKET, *t, &rec[i]);
	}
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
	uint64_t t = 1;

	(void)st;
	/* B's first session is master; A (backup) hears it; the LAN records it. */
	started(&a, "a", 90);
	node_init(&b1, "b", 100, 7);
	record(&a, &t, 7, 1, rec1);
	assert_int_equal(a.s.state, FSM_BACKUP);
	/* B reboots into session 8: A accepts it after the round trip. */
	node_init(&b2, "b", 100, 8);
	p = hb("b", PROTO_ST_INIT, 100, PROTO_F_QUERY | PROTO_F_UPSTREAM, 8, 1);
	p.echo = 0;
	ev_wire(&a, FSM_EV_PACKET, t, &p);
	record(&a, &t, 8, 2, rec2);
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
	static const struct step conflict[] = {
		/* A recording of an earlier run of ours is no conflict. */
		{ "recording", S_WIRE, .at = 1,
		  HB("a", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 99, 5), .echo = 77,
		  .drop = EQ(FSM_DROP_HELLO), .state = EQ(FSM_INIT) },
		/* A live one answers our challenge: FAULT, loudly, for as long as it is heard. */
		{ "live", S_WIRE, .at = 2, HB("a", PROTO_ST_INIT, 100, PROTO_F_UPSTREAM, 99, 6),
		  .echo = 77, .echo_new = OURS, .drop = EQ(FSM_DROP_NAME),
		  .out = O_CONFLICT_STARTED, .state = EQ(FSM_FAULT),
		  .reason = EQ(FSM_R_NAME_CONFLICT) },
	};
	static const struct step later[] = {
		{ "listened again", S_TICK, .at = 6000, .state = EQ(FSM_MASTER) },
		/* A master keeps the VIPs when a newcomer with its name shows up ... */
		{ "newcomer", S_WIRE, .at = 6001,
		  HB("a", PROTO_ST_INIT, 100, PROTO_F_UPSTREAM, 99, 7), .echo = 77,
		  .echo_new = OURS, .state = EQ(FSM_MASTER) },
		/* ... unless that one is MASTER too: then the smaller nonce yields (ours, 100 <
		   200). */
		{ "master newcomer", S_WIRE, .at = 6002,
		  HB("a", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 200, 1), .echo = 77,
		  .echo_new = OURS, .state = EQ(FSM_FAULT), .has = A(FSM_ACT_DEL_VIPS) },
	};
	struct node n;

	(void)st;
	started(&n, "a", 100);
	RUN(&n, 0, conflict);
	tick_to(&n, n.s.conflict_until_ms);
	assert_int_equal(n.s.state, FSM_INIT); /* gone: listen again */
	RUN(&n, 0, later);
}

/* Settings the pair must share: a difference is reported once per change, never acted on. */
static void test_settings_mismatch_is_reported(void **st)
{
	static const struct step rows[] = {
		{ "differs", S_PKT, .at = 0, HB("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 5, 1),
		  .vips_digest = 0x2222, .out = O_MISMATCH_CHANGED,
		  .mismatch = EQ(1u << PROTO_DIGEST_VIPS) },
		{ "still differs", S_PKT, .at = 1,
		  HB("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 5, 2), .vips_digest = 0x2222,
		  .out_not = O_MISMATCH_CHANGED, .state = EQ(FSM_MASTER) },
		{ "the same", S_PKT, .at = 2, HB("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 5, 3),
		  .vips_digest = 0x1111, .out = O_MISMATCH_CHANGED, .mismatch = EQ(0) },
	};
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	n.c.digest[PROTO_DIGEST_VIPS] = 0x1111;
	RUN(&n, t, rows);
}

/* After b's 3 heartbeats (seq 1-3) the master is frozen for 5 s (SIGSTOP). */
static const struct step stalled_master_yields_to_a_peer_that_took_over[] = {
	/* The first event after waking is a late timer. */
	{ "woken late", S_TIMER, .at = 5000, .state = EQ(FSM_MASTER), .lacks = A(FSM_ACT_DEL_VIPS),
	  .stalls = EQ(1) },
	/* The queued heartbeats say the peer took over: yield, even outranking it. */
	{ "peer master", S_PKT, .at = 5001, HB("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 7, 44),
	  .state = EQ(FSM_BACKUP), .reason = EQ(FSM_R_STALLED), .has = A(FSM_ACT_DEL_VIPS),
	  .sent_flags = PROTO_F_RESIGN },
};

static void test_stalled_master_yields_to_a_peer_that_took_over(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, stalled_master_yields_to_a_peer_that_took_over);
}

static const struct step stalled_master_keeps_vips_if_nobody_took_over[] = {
	{ "woken late", S_TIMER, .at = 5000 },
	/* The peer stayed backup (it saw our VIP still answered): keep it. */
	{ "peer backup", S_PKT, .at = 5001, HB("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 7, 44) },
	{ "a second on", S_TICK, .at = 6000, .state = EQ(FSM_MASTER), .transitions = EQ(1) },
	/* After the window a MASTER peer is an ordinary contention again. */
	{ "peer master", S_PKT, .at = 6001, HB("b", PROTO_ST_MASTER, 90, PROTO_F_UPSTREAM, 7, 45),
	  .state = EQ(FSM_MASTER), .out = O_CONTENTION_WON },
};

static void test_stalled_master_keeps_vips_if_nobody_took_over(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, stalled_master_keeps_vips_if_nobody_took_over);
}

static const struct step master_reannounces_when_peer_returns[] = {
	/* b silent: counted dead (it may claim meanwhile) */
	{ "b silent", S_TICK, .at = 2000, .alive = EQ(false) },
	/* No master_again hook for a mere return. */
	{ "b back", S_PKT, .at = 2001, HB("b", PROTO_ST_BACKUP, 90, PROTO_F_UPSTREAM, 7, 60),
	  .has = A(FSM_ACT_ANNOUNCE), .out = O_PEER_RETURNED, .out_not = O_REANNOUNCE },
	/* A peer saying goodbye is not a reason to announce ... */
	{ "b goodbye", S_PKT, .at = 2002,
	  HB("b", PROTO_ST_STOPPING, 90, PROTO_F_RESIGN | PROTO_F_UPSTREAM, 7, 61),
	  .lacks = A(FSM_ACT_ANNOUNCE) },
	/* ... and after it a stopping master does not wait for its ack. */
	{ "stop", S_STOP, .at = 2003, .has = A(FSM_ACT_EXIT) },
};

static void test_master_reannounces_when_peer_returns(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, master_reannounces_when_peer_returns);
}

static const struct step stalled_backup_does_not_claim_on_its_lateness[] = {
	/* The process sleeps 3 s; the master's heartbeats wait in the socket. */
	{ "woken late", S_TIMER, .at = 3000, .state = EQ(FSM_BACKUP), .stalls = EQ(1) },
	{ "queued heartbeat", S_PKT, .at = 3001,
	  HB("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 7, 6), .state = EQ(FSM_BACKUP) },
};

static void test_stalled_backup_does_not_claim_on_its_lateness(void **st)
{
	RUN_FROM(st, F_BACKUP, 100, 5, stalled_backup_does_not_claim_on_its_lateness);
}

static void test_switchover_needs_fit_peer(void **st)
{
	/* From the claim; b's heartbeats from 1 ms later. */
	static const struct step rows[] = {
		{ "nobody", S_SWITCHOVER, .at = 0, .rc = EQ(FSM_E_PEER_UNHEALTHY),
		  .state = EQ(FSM_MASTER), .n_act = EQ(0) },
		/* Two heartbeats are fewer than rise = 3. */
		{ "2 heartbeats", S_FEED, .at = 1, BEATS("b", PROTO_ST_BACKUP, 90, 1), .k = 2 },
		{ "not risen", S_SWITCHOVER, .at = 1 + 2 * IV, .rc = EQ(FSM_E_PEER_UNHEALTHY) },
		{ "3rd heartbeat", S_FEED, .at = 1 + 2 * IV, BEATS("b", PROTO_ST_BACKUP, 90, 3),
		  .k = 1 },
		{ "risen", S_SWITCHOVER, .at = 1 + 3 * IV, .rc = EQ(FSM_OK),
		  .state = EQ(FSM_BACKUP), .reason = EQ(FSM_R_SWITCHOVER),
		  .first = EQ(FSM_ACT_DEL_VIPS), .sent_flags = PROTO_F_RESIGN },
		/* While the hand-over is in flight a stale BACKUP heartbeat must not lure us back
		 * even though we outrank the peer. */
		{ "stale backup", S_FEED, .at = 1 + 3 * IV, BEATS("b", PROTO_ST_BACKUP, 90, 4),
		  .k = 1, .state = EQ(FSM_BACKUP) },
	};
	/* --force overrides the check (700 ms after the start). */
	static const struct step forced[] = {
		{ "forced", S_SWITCHOVER, .at = 700 - 637, .force = true, .rc = EQ(FSM_OK),
		  .state = EQ(FSM_BACKUP) },
	};
	RUN_FROM(st, F_ALONE, 100, 0, rows);
	RUN_FROM(st, F_ALONE, 100, 0, forced);
}

static const struct step switchover_on_backup_asks_master[] = {
	{ "listening", S_SWITCHOVER, .at = 1, .rc = EQ(FSM_E_STATE) },
	{ "b master", S_FEED, .at = 1, BEATS("b", PROTO_ST_MASTER, 100, 1), .k = 3 },
	{ "backup", S_SWITCHOVER, .at = 1 + 3 * IV, .rc = EQ(FSM_OK),
	  .sent_flags = PROTO_F_TAKEOVER, .state = EQ(FSM_BACKUP) },
};

static void test_switchover_on_backup_asks_master(void **st)
{
	RUN_FROM(st, F_STARTED, 100, 0, switchover_on_backup_asks_master);
}

static const struct step master_honours_takeover_request[] = {
	{ "takeover", S_PKT, .at = 0,
	  HB("b", PROTO_ST_BACKUP, 90, PROTO_F_TAKEOVER | PROTO_F_UPSTREAM, 7, 4),
	  .state = EQ(FSM_BACKUP), .reason = EQ(FSM_R_PREEMPT), .has = A(FSM_ACT_DEL_VIPS) },
};

static void test_master_honours_takeover_request(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, master_honours_takeover_request);
}

static const struct step standby_hands_over_and_never_claims[] = {
	{ "standby", S_STANDBY, .at = 0, .ok = true, .rc = EQ(FSM_OK), .state = EQ(FSM_BACKUP),
	  .reason = EQ(FSM_R_STANDBY), .sent_flags = PROTO_F_STANDBY },
	/* The peer dies; a node in standby still does not claim. */
	{ "peer dead", S_TICK, .at = 10000, .state = EQ(FSM_BACKUP), .lacks = A(FSM_ACT_ADD_VIPS) },
	/* Standby off: eligible again; with nobody master it claims. */
	{ "standby off", S_STANDBY, .at = 10001, .state = EQ(FSM_MASTER) },
};

static void test_standby_hands_over_and_never_claims(void **st)
{
	RUN_FROM(st, F_MASTER, 100, 0, standby_hands_over_and_never_claims);
}

static const struct step standby_off_does_not_move_vip_back[] = {
	{ "standby", S_STANDBY, .at = 0, .ok = true },
	{ "b master", S_FEED, .at = 1, BEATS("b", PROTO_ST_MASTER, 100, 1), .k = 10 },
	{ "standby off", S_STANDBY, .at = 1 + 10 * IV },
	{ "b still master", S_FEED, .at = 1 + 10 * IV, BEATS("b", PROTO_ST_MASTER, 100, 11),
	  .k = 10, .state = EQ(FSM_BACKUP) },
};

static void test_standby_off_does_not_move_vip_back(void **st)
{
	RUN_FROM(st, F_STARTED, 200, 0, standby_off_does_not_move_vip_back);
}

static void test_fault_and_recovery(void **st)
{
	static const struct step fault[] = {
		{ "unhealthy", S_HEALTH, .at = 0, .prio = 100, .state = EQ(FSM_FAULT),
		  .has = A(FSM_ACT_DEL_VIPS), .sent_state = EQ(PROTO_ST_FAULT) },
	};
	/* Health back: listen again, do not grab. */
	static const struct step healthy[] = {
		{ "healthy", S_HEALTH, .at = 100, .ok = true, .prio = 100, .state = EQ(FSM_INIT),
		  .reason = EQ(FSM_R_HEALTHY), .lacks = A(FSM_ACT_ADD_VIPS) },
	};
	/* A backup hearing a peer in FAULT claims at once. */
	static const struct step peer_fault[] = {
		{ "a master", S_FEED, .at = 1, BEATS("a", PROTO_ST_MASTER, 100, 1), .k = 4 },
		{ "a fault", S_PKT, .at = 1 + 4 * IV,
		  HB("a", PROTO_ST_FAULT, 100, PROTO_F_RESIGN, 7, 5), .state = EQ(FSM_MASTER) },
	};
	struct node n, b;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	RUN(&n, t, fault);
	node_init(&b, "b", 90, 200);
	ev(&b, FSM_EV_START, 0, NULL);
	RUN(&b, 0, peer_fault);
	RUN(&n, t, healthy);
}

/*
 * The interface is deleted under a master (carrier goes first, then the
 * link): FAULT, and the reason names the missing interface, not a failed
 * check. It comes back: listen again, no claim before the dead interval.
 */
static void test_missing_interface_is_its_own_fault(void **st)
{
	/* From 1 ms after the claim. */
	static const struct step deleted[] = {
		{ "no carrier", S_HEALTH, .at = 1, .prio = 100, .state = EQ(FSM_FAULT),
		  .reason = EQ(FSM_R_FAULT), .has = A(FSM_ACT_DEL_VIPS) },
		{ "no interface", S_NO_IFACE, .at = 2, .state = EQ(FSM_FAULT),
		  .reason = EQ(FSM_R_NO_INTERFACE), .out_not = O_CHANGED },
		{ "still missing", S_TICK, .at = 5001, .state = EQ(FSM_FAULT) },
		{ "back", S_HEALTH, .at = 5001, .ok = true, .prio = 100, .state = EQ(FSM_INIT),
		  .lacks = A(FSM_ACT_ADD_VIPS) },
	};
	/* Missing from the start: INIT ends in FAULT with that reason. */
	static const struct step missing[] = {
		{ "no interface", S_NO_IFACE, .at = 1 },
		{ "listened", S_TICK, .at = 5000, .state = EQ(FSM_FAULT),
		  .reason = EQ(FSM_R_NO_INTERFACE) },
	};
	RUN_FROM(st, F_ALONE, 100, 0, deleted);
	RUN_FROM(st, F_STARTED, 100, 0, missing);
	assert_string_equal(fsm_reason_text(FSM_R_NO_INTERFACE), "interface missing");
}

static const struct step fault_backup_never_claims[] = {
	{ "unhealthy", S_HEALTH, .at = 0, .prio = 100, .state = EQ(FSM_FAULT) },
	{ "master gone", S_TICK, .at = 5000, .state = EQ(FSM_FAULT) },
};

static void test_fault_backup_never_claims(void **st)
{
	RUN_FROM(st, F_BACKUP, 100, 4, fault_backup_never_claims);
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

static void test_probe_costs_no_time_on_a_crash(void **st)
{
	/* ... nobody answered: the claim comes one step after the deadline, 1 ms, once answers
	 * queued meanwhile would have been read. */
	static const struct step rows[] = {
		{ "deadline", S_TIMER, .at = 0, .state = EQ(FSM_BACKUP), .deadline = EQ(1) },
		{ "a step later", S_TIMER, .at = 1, .state = EQ(FSM_MASTER), .since = EQ(1) },
	};
	struct node n;
	uint64_t t = 1, dead;
	bool probed = false;

	(void)st;
	dead = probing_backup(&n, &t, 5);
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
	RUN(&n, dead, rows);
}

/* From b's dead time. */
static const struct step probe_answered_goes_fault_not_master[] = {
	{ "probe", S_TICK, .at = -20, .probing = EQ(true) },
	/* Heartbeats are blocked, but the master still serves the VIP. */
	{ "answered", S_ANSWERED, .at = -19 },
	/* It asks again within the interval (4/5 x 200 - 2 x 20 ms later) ... */
	{ "dead", S_TICK, .at = 0, .state = EQ(FSM_FAULT), .reason = EQ(FSM_R_VIP_IN_USE),
	  .lacks = A(FSM_ACT_ADD_VIPS), .fault_until = EQ(120) },
	{ "asks again", S_TICK, .at = 120, .state = EQ(FSM_FAULT), .has = A(FSM_ACT_PROBE) },
	/* ... and nobody answers: the held-back claim goes ahead, no listening. */
	{ "unanswered", S_TICK, .at = 141, .state = EQ(FSM_MASTER),
	  .reason = EQ(FSM_R_PEER_TIMEOUT), .since = EQ(141) },
};

static void test_probe_answered_goes_fault_not_master(void **st)
{
	RUN_FROM(st, F_PROBING, 100, 5, probe_answered_goes_fault_not_master);
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
/* A timer step in the glue's turn of the loop that began at @turn. */
static void timer_in_turn(struct node *n, uint64_t now, uint64_t turn)
{
	struct fsm_input in = { .ev = FSM_EV_TIMER, .now_ms = now, .turn_ms = turn };

	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
}

/*
 * Bundle mates stepped one after another in one long turn of the loop: those
 * that ask within a tenth of a window of the turn's start share its window;
 * those that close it in one turn have their verdicts in one later turn,
 * never in the closing turn itself, and claim together.
 */
static void test_mates_of_one_turn_probe_and_claim_together(void **st)
{
	struct node n[3];
	uint64_t t, dead, turn;

	(void)st;
	for (int k = 0; k < 3; k++)
		dead = probing_backup(&n[k], &t, 5);
	turn = dead - 20;
	for (int k = 0; k < 3; k++) {
		tick_to(&n[k], turn - 1);
		assert_int_equal(n[k].s.probe_at_ms, 0);
	}
	timer_in_turn(&n[0], turn, turn);
	timer_in_turn(&n[1], turn + 2, turn); /* 2 ms into the turn: its window */
	timer_in_turn(&n[2], turn + 3, turn); /* more than a tenth late: its own */
	assert_int_equal(n[0].s.probe_at_ms, turn);
	assert_int_equal(n[1].s.probe_at_ms, turn);
	assert_int_equal(n[2].s.probe_at_ms, turn + 3);
	/* One turn closes both shared windows, the second 2 ms into it. */
	timer_in_turn(&n[0], dead, dead);
	timer_in_turn(&n[1], dead + 2, dead);
	assert_int_equal(n[0].o.next_deadline_ms, dead + 1);
	assert_int_equal(n[1].o.next_deadline_ms, dead + 2); /* due at once: the next turn */
	/* Stepped again in the closing turn: no verdict, whatever the clock says. */
	timer_in_turn(&n[1], dead + 3, dead);
	assert_int_equal(n[1].s.state, FSM_BACKUP);
	/* The next turn: both claim. */
	timer_in_turn(&n[0], dead + 3, dead + 3);
	timer_in_turn(&n[1], dead + 3, dead + 3);
	assert_int_equal(n[0].s.state, FSM_MASTER);
	assert_int_equal(n[1].s.state, FSM_MASTER);
	assert_int_equal(n[2].s.state, FSM_BACKUP); /* its window is still open */
}

/* A heartbeat of "b" (master, 100, seq @seq) that arrived at @heard and is stepped at @now. */
static void heard_at(struct node *n, uint64_t now, uint64_t heard, uint64_t seq)
{
	struct proto_pkt p = hb("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 7, seq);
	struct fsm_input in = { .ev = FSM_EV_PACKET, .now_ms = now, .pkt = &p, .heard_ms = heard };

	p.echo = n->s.challenge;
	n->rc = fsm_step(&n->s, &n->c, &in, &n->o);
}

/*
 * The peer counts from when its heartbeat arrived (the kernel's stamp), not
 * from when the glue stepped it: the 64th bundle mate, stepped 6 ms after
 * the first, times out with it. One read after a stall of ours still gives
 * the peer an interval; a stamp from the future counts as now.
 */
static void test_peer_counts_from_arrival(void **st)
{
	struct node n;
	uint64_t t, seq, dead;

	(void)st;
	seq = backup_of(&n, &t, 3);
	dead = fsm_dead_ms(&n.c, &n.s, IV);
	tick_to(&n, t + 6);
	heard_at(&n, t + 6, t, seq++);
	assert_int_equal(n.rc, FSM_OK);
	assert_int_equal(n.s.peer.last_heard_ms, t);
	assert_int_equal(n.s.peer.dead_at_ms, t + dead);
	tick_to(&n, t + dead - 1);
	assert_int_equal(n.s.state, FSM_BACKUP);
	tick_to(&n, t + dead);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);

	/* Stamped in the future (a clock step): as if it came now. */
	seq = backup_of(&n, &t, 3);
	heard_at(&n, t, t + 500, seq++);
	assert_int_equal(n.s.peer.dead_at_ms, t + dead);

	/* Queued while we were stopped for a dead interval: the peer gets an interval more. */
	seq = backup_of(&n, &t, 3);
	heard_at(&n, t + dead, t, seq++);
	assert_int_equal(n.s.state, FSM_BACKUP);
	assert_int_equal(n.s.peer.last_heard_ms, t);
	assert_int_equal(n.s.peer.dead_at_ms, t + dead + IV);
	tick_to(&n, t + dead + IV - 1);
	assert_int_equal(n.s.state, FSM_BACKUP);
	tick_to(&n, t + dead + IV);
	assert_int_equal(n.s.state, FSM_MASTER);
}

static void test_late_probe_decision_reads_answers_first(void **st)
{
	/* From b's dead time. */
	static const struct step rows[] = {
		{ "probe", S_TICK, .at = -20, .probing = EQ(true) },
		/* Woken 15 ms after the window closed: no verdict yet ... */
		{ "woken late", S_TIMER, .at = 15, .state = EQ(FSM_BACKUP),
		  .lacks = A(FSM_ACT_ADD_VIPS), .deadline = EQ(16) },
		/* ... the queued answer is read, and then the verdict is FAULT. */
		{ "queued answer", S_ANSWERED, .at = 15 },
		{ "verdict", S_TIMER, .at = 16, .state = EQ(FSM_FAULT),
		  .reason = EQ(FSM_R_VIP_IN_USE) },
	};
	struct node n;
	uint64_t t, dead = probing_backup(&n, &t, 5);

	(void)st;
	RUN(&n, dead, rows);
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
/* From b's dead time. */
static const struct step window_closed_very_late_asks_again[] = {
	{ "probe", S_TICK, .at = -20 },
	/* 150 ms late: a new question, no claim. */
	{ "150 ms late", S_TIMER, .at = 130, .state = EQ(FSM_BACKUP), .has = A(FSM_ACT_PROBE),
	  .probe_at = EQ(130) },
	/* It is answered: FAULT, not a second holder. */
	{ "answered", S_ANSWERED, .at = 131 },
	{ "window closed", S_TICK, .at = 151, .state = EQ(FSM_FAULT) },
};

static void test_window_closed_very_late_asks_again(void **st)
{
	RUN_FROM(st, F_PROBING, 100, 5, window_closed_very_late_asks_again);
}

/* The address went, but meanwhile the peer came back: elect, do not grab. */
/* From b's dead time; b restarted: its INIT heartbeats, new boot id. */
static const struct step vip_in_use_free_with_live_peer_listens[] = {
	{ "b restarted", S_PKT, .at = 10, HB("b", PROTO_ST_INIT, 100, PROTO_F_UPSTREAM, 8, 1),
	  .state = EQ(FSM_FAULT) },
	{ "free", S_TICK, .at = IV, .state = EQ(FSM_INIT), .reason = EQ(FSM_R_RECHECK) },
};

static void test_vip_in_use_free_with_live_peer_listens(void **st)
{
	RUN_FROM(st, F_ANSWERED, 100, 0, vip_in_use_free_with_live_peer_listens);
}

static void test_vip_in_use_explained_by_master_heartbeat(void **st)
{
	/* From b's dead time; b's last seq was 5. The partition heals: the answer was the peer's.
	 */
	static const struct step rows[] = {
		{ "b master", S_PKT, .at = 100,
		  HB("b", PROTO_ST_MASTER, 100, PROTO_F_UPSTREAM, 7, 6 + 10),
		  .state = EQ(FSM_BACKUP), .reason = EQ(FSM_R_PEER_MASTER) },
	};
	struct node n;
	uint64_t t = 1, seq, dead = answered_in_probe(&n, &t, &seq);

	(void)st;
	assert_int_equal(seq, 6);
	RUN(&n, dead, rows);
}

static void test_answer_outside_a_probe_is_ignored(void **st)
{
	/* From b's last heartbeat. */
	static const struct step rows[] = {
		{ "answered", S_ANSWERED, .at = 0, .answered = EQ(false) },
		{ "b gone", S_TICK, .at = 5000, .state = EQ(FSM_MASTER) },
	};
	struct node n;
	uint64_t t;

	(void)st;
	probing_backup(&n, &t, 3);
	RUN(&n, t, rows);
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

/* A backup with a fence command and a 20 ms claim probe whose master went silent at @*dead. */
static void fenced_probing_backup(struct node *n, uint64_t *t, uint64_t *dead)
{
	node_init(n, "a", 100, 100);
	n->c.fence = true;
	n->c.probe_ms = 20;
	ev(n, FSM_EV_START, 0, NULL);
	feed(n, t, "b", PROTO_ST_MASTER, 100, 1, 5);
	*dead = n->s.peer.dead_at_ms;
}

/* After a fence: the probe's question goes out now, nobody answers, the claim follows its window.
 */
static void probe_clear_then_master(struct node *n, uint64_t fenced_at)
{
	assert_true(has(&n->o, FSM_ACT_PROBE));
	assert_int_equal(n->s.probe_at_ms, fenced_at);
	assert_int_not_equal(n->s.state, FSM_MASTER);
	tick_to(n, fenced_at + 20);
	assert_int_not_equal(n->s.state, FSM_MASTER); /* the verdict waits one step */
	ev(n, FSM_EV_TIMER, fenced_at + 21, NULL);
	assert_int_equal(n->s.state, FSM_MASTER);
	assert_int_equal(n->s.reason, FSM_R_PEER_TIMEOUT);
	assert_int_equal(n->s.since_ms, fenced_at + 21);
	assert_true(has(&n->o, FSM_ACT_ADD_VIPS));
}

/*
 * A frozen master (SIGSTOP, a hung vipd, a paused VM) is silent, but its
 * kernel still answers ARP for the VIP: the fence runs all the same (at the
 * deadline, when the early probe's window closes answered), and a new
 * probe after it no longer hears the fenced host.
 */
static void frozen_peer_fenced(struct node *n, uint64_t *t, uint64_t *dead)
{
	fenced_probing_backup(n, t, dead);
	tick_to(n, *dead - 20);
	assert_true(n->s.probe_at_ms != 0); /* the peer is late: asked early */
	ev(n, FSM_EV_VIP_ANSWERED, *dead - 19, NULL);
	tick_to(n, *dead);
	assert_int_equal(n->s.state, FSM_BACKUP); /* not FAULT "VIP in use" */
	assert_true(n->s.fencing);
	assert_int_equal(n->s.fence_at_ms, *dead);
	assert_false(has(&n->o, FSM_ACT_ADD_VIPS));
}

static void test_frozen_peer_that_answers_is_fenced(void **st)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	frozen_peer_fenced(&n, &t, &dead);
	/* No probe, no second fence while it runs. */
	ev(&n, FSM_EV_TIMER, dead + 50, NULL);
	assert_false(has(&n.o, FSM_ACT_PROBE));
	assert_false(has(&n.o, FSM_ACT_FENCE));
	fence_done(&n, dead + 90, true);
	assert_false(n.s.vip_answered);
	probe_clear_then_master(&n, dead + 90);
}

/*
 * The fence worked, yet a host answers for the VIP (the fence hit another
 * box, or a third host has the address): FAULT "VIP in use" as without a
 * fence, asked again, no second fence while the peer stays silent.
 */
static void test_vip_in_use_after_the_fence_is_not_fenced_again(void **st)
{
	struct node n;
	uint64_t t = 1, dead, at;

	(void)st;
	frozen_peer_fenced(&n, &t, &dead);
	fence_done(&n, dead + 60, true);
	assert_true(has(&n.o, FSM_ACT_PROBE));
	ev(&n, FSM_EV_VIP_ANSWERED, dead + 61, NULL);
	tick_to(&n, dead + 81);
	assert_int_equal(n.s.state, FSM_FAULT);
	assert_int_equal(n.s.reason, FSM_R_VIP_IN_USE);
	assert_true(n.s.fenced);
	at = n.s.fault_until_ms;
	tick_to(&n, at);
	assert_true(has(&n.o, FSM_ACT_PROBE));
	assert_false(n.s.fencing);
	tick_to(&n, at + 21);
	assert_int_equal(n.s.state, FSM_MASTER);
	assert_int_equal(n.s.reason, FSM_R_PEER_TIMEOUT);
}

/*
 * FAULT "VIP in use" with no fence run yet for the silent peer (here: a
 * reload gave the group its fence_command): the next re-probe is a fence,
 * then the probe.
 */
static void test_vip_in_use_then_fenced_then_probed(void **st)
{
	struct node n;
	uint64_t t = 1, at;

	(void)st;
	answered_in_probe(&n, &t, NULL);
	assert_int_equal(n.s.reason, FSM_R_VIP_IN_USE);
	n.c.fence = true;
	at = n.s.fault_until_ms;
	tick_to(&n, at);
	assert_true(n.s.fencing);
	assert_false(has(&n.o, FSM_ACT_PROBE));
	fence_done(&n, at + 30, true);
	assert_int_equal(n.s.state, FSM_FAULT);
	probe_clear_then_master(&n, at + 30);
}

/* A fence that failed, then worked: the probe, then the claim; a failure while in use says so. */
static void test_fence_retry_probes_before_the_claim(void **st)
{
	struct node n;
	uint64_t t = 1, dead, at;

	(void)st;
	fenced_probing_backup(&n, &t, &dead);
	tick_to(&n, dead + 1); /* the early probe found the VIP free: the fence */
	assert_true(n.s.fencing);
	fence_done(&n, dead + 100, false);
	assert_int_equal(n.s.reason, FSM_R_FENCE_FAILED);
	at = n.s.fault_until_ms;
	tick_to(&n, at);
	assert_true(n.s.fencing);
	fence_done(&n, at + 40, true);
	assert_int_equal(n.s.state, FSM_FAULT);
	probe_clear_then_master(&n, at + 40);
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
	/* From b's dead time. */
	static const struct step rows[] = {
		{ "dead", S_TICK, .at = 0, .fencing = EQ(true) },
		/* Unhealthy while the fence runs; it works, but nothing is claimed in FAULT. */
		{ "unhealthy", S_HEALTH, .at = 10, .prio = 100 },
		{ "fenced", S_FENCE_DONE, .at = 20, .ok = true, .state = EQ(FSM_FAULT),
		  .fenced = EQ(true) },
		/* The peer is back (powered on again): the old fence counts for nothing. */
		{ "b back", S_FEED, .at = 100, BEATS("b", PROTO_ST_MASTER, 100, 50), .k = 2,
		  .fenced = EQ(false) },
		{ "healthy", S_HEALTH, .at = 100 + 2 * IV, .ok = true, .prio = 100 },
		{ "b heard", S_FEED, .at = 100 + 2 * IV, BEATS("b", PROTO_ST_MASTER, 100, 52),
		  .k = 2, .state = EQ(FSM_BACKUP) },
		/* It dies again: a new fence, not a claim on the old one. */
		{ "b dead again", S_PEER_DEAD, .has = A(FSM_ACT_FENCE), .state = EQ(FSM_BACKUP) },
	};

	RUN_FENCED(st, AT_DEAD, rows);
}

static void test_fence_done_without_a_fence_is_ignored(void **st)
{
	/* From b's last heartbeat. */
	static const struct step rows[] = {
		{ "fenced", S_FENCE_DONE, .at = 0, .ok = true, .state = EQ(FSM_BACKUP),
		  .fenced = EQ(false) },
		{ "failed", S_FENCE_DONE, .at = 0, .state = EQ(FSM_BACKUP),
		  .fence_failures = EQ(0) },
	};

	RUN_FENCED(st, AT_HEARD, rows);
}

static const struct step isolated_backup_does_not_claim[] = {
	{ "upstream lost", S_UPSTREAM, .at = 0, .state = EQ(FSM_FAULT),
	  .reason = EQ(FSM_R_UPSTREAM), .sent_lacks = PROTO_F_UPSTREAM },
	{ "the master is gone too", S_TICK, .at = 5000, .state = EQ(FSM_FAULT) },
	{ "upstream back", S_UPSTREAM, .at = 5001, .ok = true, .state = EQ(FSM_INIT),
	  .reason = EQ(FSM_R_UPSTREAM_OK) },
	{ "listened", S_TICK, .at = 6000, .state = EQ(FSM_MASTER) },
};

static void test_isolated_backup_does_not_claim(void **st)
{
	RUN_FROM(st, F_BACKUP, 100, 4, isolated_backup_does_not_claim);
}

static void test_master_without_upstream_hands_to_healthy_peer(void **st)
{
	static const struct step rows[] = {
		/* The peer is cut off too (no UPSTREAM flag): keep the VIP. */
		{ "upstream lost", S_UPSTREAM, .at = 0, .state = EQ(FSM_MASTER),
		  .sent_lacks = PROTO_F_UPSTREAM },
		/* The peer reports healthy upstream: hand over. */
		{ "peer upstream", S_FEED, .at = 0, BEATS("b", PROTO_ST_BACKUP, 90, 4), .k = 1,
		  .state = EQ(FSM_FAULT), .reason = EQ(FSM_R_UPSTREAM), .has = A(FSM_ACT_DEL_VIPS),
		  .sent_flags = PROTO_F_RESIGN },
	};
	struct node n;
	uint64_t t;

	(void)st;
	master_with_backup(&n, &t);
	n.s.peer.flags = 0;
	RUN(&n, t, rows);
}

/* ------------------------------------------------------------------ */
/* Sync set followers: slaved to the leader's state through FSM_EV_SYNC. */

static void test_follower_never_claims_alone(void **st)
{
	/* From the dead interval: a lone group would claim then, with no peer at all. */
	static const struct step rows[] = {
		{ "dead interval", S_TICK, .at = 0, .state = EQ(FSM_BACKUP),
		  .reason = EQ(FSM_R_LISTEN_DONE) },
		{ "still alone", S_TICK, .at = 10000, .state = EQ(FSM_BACKUP),
		  .lacks = A(FSM_ACT_ADD_VIPS) },
		/* The leader became master: the follower claims in the same step. */
		{ "leader master", S_SYNC, .at = 10001, .ok = true, .rc = EQ(FSM_OK),
		  .state = EQ(FSM_MASTER), .reason = EQ(FSM_R_SYNC_MASTER),
		  .has = A(FSM_ACT_ADD_VIPS) | A(FSM_ACT_ANNOUNCE),
		  .sent_state = EQ(PROTO_ST_MASTER) },
		/* The leader left master: the follower drops its VIPs and says so. */
		{ "leader left", S_SYNC, .at = 10002, .rc = EQ(FSM_OK), .state = EQ(FSM_BACKUP),
		  .reason = EQ(FSM_R_SYNC_BACKUP), .has = A(FSM_ACT_DEL_VIPS),
		  .sent_flags = PROTO_F_RESIGN },
		/* Its own resign hold does not delay following the leader back. */
		{ "leader back", S_SYNC, .at = 10003, .ok = true, .rc = EQ(FSM_OK),
		  .state = EQ(FSM_MASTER) },
	};
	struct node n;

	(void)st;
	follower_init(&n, "a", 200);
	RUN(&n, fsm_dead_ms(&n.c, &n.s, 0), rows);
}

static void test_follower_claims_while_listening(void **st)
{
	static const struct step master[] = {
		{ "listening", S_CHECK, .at = 0, .state = EQ(FSM_INIT) },
		{ "leader master", S_SYNC, .at = 5, .ok = true, .state = EQ(FSM_MASTER),
		  .since = EQ(5) },
	};
	/* A leader that is not master changes nothing for a listening follower. */
	static const struct step not_master[] = {
		{ "leader not master", S_SYNC, .at = 5, .state = EQ(FSM_INIT), .n_act = EQ(0) },
	};
	struct node n;

	(void)st;
	follower_init(&n, "b", 90);
	RUN(&n, 0, master);
	follower_init(&n, "b", 90);
	RUN(&n, 0, not_master);
}

static void test_follower_leaves_contention_and_preemption_to_leader(void **st)
{
	static const struct step rows[] = {
		{ "leader master", S_SYNC, .at = 1, .ok = true, .state = EQ(FSM_MASTER) },
		/* The peer's follower also claims (the leaders are in contention). */
		{ "peer master", S_FEED, .at = 1, BEATS("a", PROTO_ST_MASTER, 100, 1), .k = 5,
		  .state = EQ(FSM_MASTER), .lacks = A(FSM_ACT_DEL_VIPS) },
		/* A fit peer asking to take over is not obeyed either. */
		{ "takeover 1", S_PKT, .at = 1 + 5 * IV,
		  HB("a", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_TAKEOVER, 7, 6) },
		{ "takeover 2", S_PKT, .at = 1 + 6 * IV,
		  HB("a", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_TAKEOVER, 7, 7) },
		{ "takeover 3", S_PKT, .at = 1 + 7 * IV,
		  HB("a", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_TAKEOVER, 7, 8),
		  .state = EQ(FSM_MASTER) },
		/* A peer that drops its VIPs still makes the follower announce again. */
		{ "peer resigns", S_PKT, .at = 1 + 8 * IV,
		  HB("a", PROTO_ST_BACKUP, 100, PROTO_F_UPSTREAM | PROTO_F_RESIGN, 7, 9),
		  .out = O_REANNOUNCE, .has = A(FSM_ACT_ANNOUNCE) },
		/* Back in BACKUP, a silent peer is no reason to claim. */
		{ "leader left", S_SYNC, .at = 1 + 8 * IV, .state = EQ(FSM_BACKUP) },
		{ "peer silent", S_TICK, .at = 1 + 8 * IV + 5000, .alive = EQ(false),
		  .state = EQ(FSM_BACKUP) },
	};
	struct node n;

	(void)st;
	follower_init(&n, "b", 90);
	RUN(&n, 0, rows);
}

static void test_follower_refuses_admin_events(void **st)
{
	static const struct step rows[] = {
		{ "leader master", S_SYNC, .at = 1, .ok = true },
		{ "switchover", S_SWITCHOVER, .at = 2, .force = true, .rc = EQ(FSM_E_FOLLOWER),
		  .state = EQ(FSM_MASTER) },
		{ "standby", S_STANDBY, .at = 3, .ok = true, .force = true,
		  .rc = EQ(FSM_E_FOLLOWER), .state = EQ(FSM_MASTER) },
	};
	/* A group that is not a follower ignores FSM_EV_SYNC. */
	static const struct step not_follower[] = {
		{ "sync", S_SYNC, .at = 1, .ok = true, .state = EQ(FSM_INIT) },
	};
	struct node n;

	(void)st;
	follower_init(&n, "a", 100);
	RUN(&n, 0, rows);
	assert_false(n.s.standby);
	assert_string_equal(fsm_strerror(FSM_E_FOLLOWER),
			    "the group follows its sync set's leader: ask the leader");
	started(&n, "a", 100);
	RUN(&n, 0, not_follower);
	assert_false(n.s.leader_master);
}

static const struct step follower_unhealthy_drops_vips[] = {
	{ "leader master", S_SYNC, .at = 1, .ok = true },
	{ "unhealthy", S_HEALTH, .at = 10, .prio = 100, .state = EQ(FSM_FAULT),
	  .has = A(FSM_ACT_DEL_VIPS) },
	/* Unhealthy: the leader being master is no reason to claim. */
	{ "leader master again", S_SYNC, .at = 20, .ok = true, .state = EQ(FSM_FAULT) },
	/* Healthy again while the leader is master: back with the set at once. */
	{ "healthy", S_HEALTH, .at = 30, .ok = true, .prio = 100, .state = EQ(FSM_MASTER),
	  .reason = EQ(FSM_R_SYNC_MASTER) },
};

static void test_follower_unhealthy_drops_vips(void **st)
{
	RUN_FROM(st, F_FOLLOWER, 100, 0, follower_unhealthy_drops_vips);
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
static const struct health_row {
	const char *what;
	struct fsm_health h;
	bool healthy, no_interface;
	uint8_t priority;
} health_rows[] = {
	{ "all well", { true, true, false, 0, false, 0, false }, true, false, 100 },
	{ "no carrier", { true, false, false, 0, false, 0, false }, false, false, 100 },
	{ "no interface", { false, false, false, 0, false, 0, false }, false, true, 100 },
	{ "check fails, no weight", { true, true, true, 0, false, 0, false }, false, false, 100 },
	{ "check fails, weight 30", { true, true, true, 30, false, 0, false }, true, false, 70 },
	{ "weight, check passes", { true, true, false, 30, false, 0, false }, true, false, 100 },
	{ "SIP fails, no weight", { true, true, false, 0, true, 0, false }, false, false, 100 },
	{ "SIP fails, weight 20", { true, true, false, 0, true, 20, false }, true, false, 80 },
	{ "both fail: weights add", { true, true, true, 30, true, 20, false }, true, false, 50 },
	{ "weights past 0: floor 1", { true, true, true, 99, true, 99, false }, true, false, 1 },
	{ "weight 254 alone", { true, true, true, 254, false, 0, false }, true, false, 1 },
	{ "weighted, no weight", { true, true, true, 30, true, 0, false }, false, false, 70 },
	{ "a follower blocks", { true, true, false, 0, false, 0, true }, false, false, 100 },
	{ "no interface, blocked", { false, true, false, 0, false, 0, true }, false, true, 100 },
};

static void test_health_input_table(void **st)
{
	const struct health_row *rows = health_rows;
	struct fsm_cfg c = { .base_priority = 100 };

	(void)st;
	for (size_t i = 0; i < sizeof(health_rows) / sizeof(health_rows[0]); i++) {
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
	static const struct step rows[] = {
		{ "lowered alone", S_HEALTH, .at = 0, .ok = true, .prio = 80,
		  .state = EQ(FSM_MASTER) },
		{ "2 heartbeats", S_FEED, .at = 0, BEATS("b", PROTO_ST_BACKUP, 90, 1), .k = 2,
		  .state = EQ(FSM_MASTER) },
		{ "the rise-th heartbeat", S_FEED, .at = 2 * IV, BEATS("b", PROTO_ST_BACKUP, 90, 3),
		  .k = 1, .state = EQ(FSM_BACKUP), .reason = EQ(FSM_R_PRIORITY) },
	};
	struct node n;
	uint64_t t = lone_master(&n, "a", 100) + 1;

	(void)st;
	n.c.base_priority = 100;
	RUN(&n, t, rows);
}

static void run_fenced(void **st, enum fenced_at at, const struct step *rows, size_t k)
{
	struct node n;
	uint64_t t = 1, dead;

	(void)st;
	fenced_backup(&n, &t, &dead);
	run_steps(&n, at == AT_DEAD ? dead : t, rows, k);
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
		cmocka_unit_test(test_frozen_peer_that_answers_is_fenced),
		cmocka_unit_test(test_vip_in_use_after_the_fence_is_not_fenced_again),
		cmocka_unit_test(test_vip_in_use_then_fenced_then_probed),
		cmocka_unit_test(test_fence_retry_probes_before_the_claim),
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
		cmocka_unit_test(test_mates_of_one_turn_probe_and_claim_together),
		cmocka_unit_test(test_peer_counts_from_arrival),
		cmocka_unit_test(test_late_probe_decision_reads_answers_first),
		cmocka_unit_test(test_window_closed_very_late_asks_again),
		cmocka_unit_test(test_answer_outside_a_probe_is_ignored),
		cmocka_unit_test(test_vip_in_use_explained_by_master_heartbeat),
		cmocka_unit_test(test_start_probe_before_listen_end),
		cmocka_unit_test(test_isolated_backup_does_not_claim),
		cmocka_unit_test(test_master_without_upstream_hands_to_healthy_peer),
		cmocka_unit_test(test_follower_never_claims_alone),
		cmocka_unit_test(test_follower_claims_while_listening),
		cmocka_unit_test(test_follower_leaves_contention_and_preemption_to_leader),
		cmocka_unit_test(test_follower_refuses_admin_events),
		cmocka_unit_test(test_follower_unhealthy_drops_vips),
		cmocka_unit_test(test_check_weight_hands_over_to_fit_peer),
		cmocka_unit_test(test_check_weight_waits_for_peer_to_rise),
		cmocka_unit_test(test_health_input_table),
		cmocka_unit_test(test_health_news_table),
		cmocka_unit_test(test_duplicate_table),
		cmocka_unit_test(test_announce_burst_table),
	};

	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
