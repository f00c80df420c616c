/*
 * test_bundle.c - bundles (proto.c, version 3) between two nodes' state
 * machines (fsm.c): each node runs NG groups, whose heartbeats of one step
 * travel as one bundle and are split into records again, each to its
 * group, as hbsock.c does. Checks that the groups elect as they do with one
 * packet each, that each keeps its own state (a switchover moves one), and
 * that a replayed bundle changes no group. Pure: a plain integer clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "fsm.h"
#include "pk.h"
#include "proto.h"

#define NG	5   /* groups per node */
#define IV	50u /* interval_ms */
#define STEP_MS 5u  /* the simulated loop's tick */

static const uint8_t key[32] = { 7, 6, 5, 4, 3, 2, 1 };

struct node {
	struct fsm s[NG];
	struct fsm_cfg c[NG];
	struct proto_pkt out[NG * FSM_MAX_ACTIONS]; /* this step's sends */
	size_t n_out;
	uint8_t wire[PROTO_MAX_LEN]; /* ... as one bundle */
	size_t wire_len;
	enum fsm_drop drop[NG]; /* of the last bundle received */
};

static void node_init(struct node *n, const char *name, uint8_t prio, uint64_t nonce)
{
	memset(n, 0, sizeof(*n));
	for (int i = 0; i < NG; i++) {
		struct fsm_cfg *c = &n->c[i];

		c->group_id = 10 + (uint32_t)i;
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->interval_ms = IV;
		c->misses = 3;
		c->rise = 3;
		c->stop_wait_ms = 2000;
		c->base_priority = prio;
		c->key_id = proto_key_id(key, sizeof(key));
		fsm_init(&n->s[i], c, nonce + (uint64_t)i * 1000, prio);
	}
}

/* Keep the sends of group @i's step @o for this step's bundle. */
static void collect(struct node *n, const struct fsm_output *o)
{
	for (size_t a = 0; a < o->n_act; a++)
		if (o->act[a].type == FSM_ACT_SEND)
			n->out[n->n_out++] = o->act[a].pkt;
}

static void step(struct node *n, int i, enum fsm_event ev, uint64_t now,
		 const struct proto_pkt *pkt, struct fsm_output *o)
{
	struct fsm_input in = { .ev = ev, .now_ms = now, .pkt = pkt };

	fsm_step(&n->s[i], &n->c[i], &in, o);
	collect(n, o);
}

/* Encode this step's sends as one bundle (the test's steps never send more than 18). */
static void seal(struct node *n)
{
	int len;

	n->wire_len = 0;
	if (n->n_out == 0)
		return;
	assert_true(n->n_out <= PROTO_BUNDLE_MAX);
	len = proto_bundle_encode(n->out, n->n_out, pk(key, sizeof(key)), n->wire, sizeof(n->wire));
	assert_int_equal(len, PROTO_BUNDLE_LEN(n->n_out));
	n->wire_len = (size_t)len;
	n->n_out = 0;
}

/* The receive path: the checks of the whole, one HMAC, then each record to its group. */
static void deliver(struct node *to, const uint8_t *wire, size_t len, uint64_t now)
{
	struct fsm_output o;
	struct proto_pkt p;
	uint32_t key_id;
	unsigned n;

	for (int i = 0; i < NG; i++)
		to->drop[i] = FSM_DROP_COUNT; /* no record */
	if (len == 0)
		return;
	assert_int_equal(proto_bundle_peek(wire, len, &n, &key_id), PROTO_OK);
	assert_int_equal(proto_bundle_verify(wire, len, pk(key, sizeof(key))), PROTO_OK);
	for (unsigned r = 0; r < n; r++) {
		int i = (int)proto_bundle_group(wire, r) - 10;

		assert_true(i >= 0 && i < NG);
		assert_int_equal(proto_bundle_record(wire, r, &p), PROTO_OK);
		step(to, i, FSM_EV_PACKET, now, &p, &o);
		to->drop[i] = o.drop;
	}
}

/* Run both nodes from @from to @until ms; every step's sends go over as one bundle each. */
static void run(struct node *a, struct node *b, uint64_t from, uint64_t until)
{
	struct fsm_output o;

	for (uint64_t t = from; t < until; t += STEP_MS) {
		for (int i = 0; i < NG; i++) {
			step(a, i, FSM_EV_TIMER, t, NULL, &o);
			step(b, i, FSM_EV_TIMER, t, NULL, &o);
		}
		seal(a);
		seal(b);
		deliver(b, a->wire, a->wire_len, t + 1);
		deliver(a, b->wire, b->wire_len, t + 1);
		seal(a);
		seal(b);
		deliver(b, a->wire, a->wire_len, t + 2);
		deliver(a, b->wire, b->wire_len, t + 2);
	}
}

static void start(struct node *a, struct node *b)
{
	struct fsm_output o;

	node_init(a, "pbx-a", 200, 0x1000);
	node_init(b, "pbx-b", 100, 0x9000);
	for (int i = 0; i < NG; i++) {
		step(a, i, FSM_EV_START, 0, NULL, &o);
		step(b, i, FSM_EV_START, 0, NULL, &o);
	}
	seal(a);
	seal(b);
	deliver(b, a->wire, a->wire_len, 1);
	deliver(a, b->wire, b->wire_len, 1);
	run(a, b, STEP_MS, 2000);
}

static void test_bundle_election(void **state)
{
	struct node a, b;

	(void)state;
	start(&a, &b);
	for (int i = 0; i < NG; i++) {
		assert_int_equal(a.s[i].state, FSM_MASTER);
		assert_int_equal(b.s[i].state, FSM_BACKUP);
		assert_true(b.s[i].peer.alive);
		assert_true(b.s[i].peer.rx > 30);
	}
}

/* Each group elects on its own: a switchover of group 2 moves group 2 only. */
static void test_bundle_independent(void **state)
{
	struct node a, b;
	struct fsm_output o;

	(void)state;
	start(&a, &b);
	step(&a, 2, FSM_EV_SWITCHOVER, 2000, NULL, &o);
	run(&a, &b, 2000, 3000);
	for (int i = 0; i < NG; i++) {
		assert_int_equal(a.s[i].state, i == 2 ? FSM_BACKUP : FSM_MASTER);
		assert_int_equal(b.s[i].state, i == 2 ? FSM_MASTER : FSM_BACKUP);
	}
}

/* A bundle recorded and played again: a replay for every group in it, no state changes. */
static void test_bundle_replay(void **state)
{
	struct node a, b;
	uint8_t rec[PROTO_MAX_LEN];
	size_t rec_len;
	struct fsm before[NG];

	(void)state;
	start(&a, &b);
	/* Record the next bundle of A's periodic heartbeats (all groups in one phase). */
	for (uint64_t t = 2000; t < 2000 + 2 * IV; t += STEP_MS) {
		struct fsm_output o;

		for (int i = 0; i < NG; i++)
			step(&a, i, FSM_EV_TIMER, t, NULL, &o);
		if (a.n_out == NG)
			break;
		a.n_out = 0;
	}
	assert_int_equal(a.n_out, NG);
	seal(&a);
	memcpy(rec, a.wire, a.wire_len);
	rec_len = a.wire_len;
	deliver(&b, rec, rec_len, 2100);
	for (int i = 0; i < NG; i++)
		assert_int_equal(b.drop[i], FSM_DROP_NONE);
	memcpy(before, b.s, sizeof(before));
	deliver(&b, rec, rec_len, 2101);
	for (int i = 0; i < NG; i++) {
		assert_int_equal(b.drop[i], FSM_DROP_REPLAY);
		assert_int_equal(b.s[i].state, before[i].state);
		assert_true(b.s[i].peer.seq == before[i].peer.seq);
		assert_true(b.s[i].peer.rx == before[i].peer.rx);
		assert_true(b.s[i].peer.last_heard_ms == before[i].peer.last_heard_ms);
	}
	/* After A is gone, the recording cannot bring it back: B takes over and stays. */
	for (uint64_t t = 2100; t < 3000; t += STEP_MS) {
		struct fsm_output o;

		for (int i = 0; i < NG; i++)
			step(&b, i, FSM_EV_TIMER, t, NULL, &o);
		b.n_out = 0;
		if (t == 2900)
			deliver(&b, rec, rec_len, t);
		b.n_out = 0;
	}
	for (int i = 0; i < NG; i++) {
		assert_int_equal(b.s[i].state, FSM_MASTER);
		assert_true(b.drop[i] == FSM_DROP_REPLAY || b.drop[i] == FSM_DROP_STALE);
		assert_false(b.s[i].peer.alive);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_election),
		cmocka_unit_test(test_bundle_independent),
		cmocka_unit_test(test_bundle_replay),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
}
