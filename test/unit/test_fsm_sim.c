/*
 * test_fsm_sim.c - the state machine as two nodes: a simulator that carries
 * each node's SEND actions to the other with a fixed latency, runs their
 * timers against one integer clock and counts the time both held the VIPs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsm.h"
#include "fsm_node.h"

/* Two-node simulator: packets travel with LAT ms of latency. */

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
 * The pair as most scenarios begin: a (priority 100) and b (90) start
 * together and run for 3 s, by when the election is settled: a is master,
 * b backup. Each node's base priority is its configured one. Returns now.
 */
static uint64_t sim_pair(struct sim *s)
{
	sim_init(s, 100, 90);
	s->n[0].c.base_priority = 100;
	s->n[1].c.base_priority = 90;
	sim_start(s, 0, 10);
	sim_start(s, 1, 20);
	sim_run(s, 3000);
	assert_int_equal(s->n[0].s.state, FSM_MASTER);
	assert_int_equal(s->n[1].s.state, FSM_BACKUP);
	return s->now;
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

/* Node @i healthy, at effective priority @prio. */
static int sim_health(struct sim *s, int i, uint8_t prio)
{
	return sim_event(
		s, i,
		&(struct fsm_input){ .ev = FSM_EV_HEALTH, .healthy = true, .priority = prio });
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
	uint64_t crash = sim_pair(&s);

	(void)st;
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
	uint64_t t = sim_pair(&s);

	(void)st;
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
	sim_pair(&s);
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
	uint64_t t = sim_pair(&s);

	(void)st;
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

/*
 * Two nodes: A (100) loses 20 to a failing check and hands over to B (90)
 * at once, without a double holder; A stays BACKUP, not FAULT, and does not
 * take the VIPs back when the check passes again (no preemption).
 */
static void test_sim_check_weight_handover(void **st)
{
	struct sim s;
	uint64_t t = sim_pair(&s);

	(void)st;
	sim_health(&s, 0, 80);
	sim_run(&s, t + 10);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	assert_int_equal(s.n[0].s.reason, FSM_R_PRIORITY);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(s.n[1].s.reason, FSM_R_PEER_RESIGNED);
	assert_int_equal(s.n[1].s.since_ms, t + LAT);
	assert_int_equal(s.double_ms, 0);
	sim_run(&s, t + 3000);
	t = s.now;
	sim_health(&s, 0, 100);
	sim_run(&s, t + 10000);
	assert_int_equal(s.n[0].s.state, FSM_BACKUP);
	assert_int_equal(s.n[1].s.state, FSM_MASTER);
	assert_int_equal(sim_masters(&s), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_start_together_one_master),
		cmocka_unit_test(test_sim_crash_then_return_no_preempt),
		cmocka_unit_test(test_sim_graceful_stop_hands_over_at_once),
		cmocka_unit_test(test_sim_preempt_with_delay),
		cmocka_unit_test(test_sim_partition_heals_to_one_holder),
		cmocka_unit_test(test_sim_switchover_both_ways),
		cmocka_unit_test(test_sim_check_weight_handover),
	};

	return cmocka_run_group_tests_name("fsm_sim", tests, NULL, NULL);
}
