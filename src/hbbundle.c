/*
 * hbbundle.c - one heartbeat datagram for the groups that share a send
 * path (see hbbundle.h). The bundles of a socket hang off it (hbsock.c).
 *
 * Sending: hbbundle_put() queues a member's record; an ev_prepare watcher,
 * which libev runs after every callback of a turn of the loop, encodes the
 * queue as one datagram and sends it (a full queue goes at once). Nothing
 * waits for a later turn, so an event-driven send (a claim, a resign, the
 * answer to a new session's challenge) leaves as fast as before.
 *
 * Phase: a member's periodic send is due one interval after the last was
 * due (the state machine keeps the cadence, fsm_input.send_due_ms): a tick
 * that fires late, as every timer does by up to a ms, delays that send but
 * not the next, so the period never stretches. The bundle's one timer steps
 * every member due, all at the time it read once (stepping 64 state
 * machines takes a while on a loaded machine), so their records land in the
 * same turn, and the phase is the time the tick was due. A member out of
 * phase is held back by up to HBBUNDLE_ALIGN_MS, or else brought forward by
 * up to a quarter of an interval each interval until it is in phase
 * (hbbundle_at): its heartbeats then come at most that much late or early,
 * and, as the state machine's other deadlines are only looked at when it
 * is stepped, those too (a member in phase is never moved).
 *
 * Cost: one timer and one prepare watcher per bundle, one HMAC and one
 * sendmsg per PROTO_BUNDLE_MAX records instead of one each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "clock.h"
#include "hbbundle.h"
#include "log.h"
#include "mcast.h"

struct hbbundle_member {
	void *member;
	const struct conf_group *cg;  /* the member's, for its key and destination */
	const struct conf_group *cg2; /* second path or NULL */
	hbbundle_tick_fn tick;
	hbbundle_sent_fn sent;
	uint64_t send_ms; /* the member's next periodic send, 0 = none */
};

struct hbbundle {
	struct hbbundle *next; /* on the socket's list */
	struct hbsock *s, *s2;
	struct ev_loop *loop;
	struct hbbundle_member *m; /* owned, n of cap used */
	size_t n, cap;
	struct proto_pkt q[PROTO_BUNDLE_MAX]; /* queued records ... */
	void *q_member[PROTO_BUNDLE_MAX];     /* ... and whose */
	size_t n_q;
	ev_prepare flush;
	ev_timer tick;
	uint64_t tick_at_ms; /* what the tick timer is armed for, 0 = not armed */
	uint64_t tick_ms;    /* the tick running now: its time (when it was due), 0 = none */
	uint64_t turn_ms;    /* this turn of the loop: its time */
	size_t turn_n;	     /* ... how many records */
	uint64_t phase_ms;   /* the last turn of the most records in an interval */
	size_t phase_n;	     /* ... how many */
	struct hbbundle_stats st;
};

/* Whether two groups' sends may share a datagram: same destination(s), key and interval. */
static bool hbbundle_same_path(const struct conf_group *a, const struct conf_group *a2,
			       const struct conf_group *b, const struct conf_group *b2)
{
	if (a->interval_ms != b->interval_ms || a->key_len != b->key_len ||
	    memcmp(a->key, b->key, a->key_len) != 0 || a->ifindex != b->ifindex ||
	    a->n_peers != b->n_peers ||
	    memcmp(a->peers, b->peers, a->n_peers * sizeof(a->peers[0])) != 0)
		return false;
	if (a->n_peers == 0 && (a->mcast.s_addr != b->mcast.s_addr ||
				memcmp(&a->mcast6, &b->mcast6, sizeof(a->mcast6)) != 0))
		return false;
	if (!a2 || !b2)
		return !a2 && !b2;
	return a2->ifindex == b2->ifindex;
}

static int hbbundle_send_one(struct hbbundle *b, const uint8_t *buf, size_t len)
{
	const struct hbbundle_member *m0 = &b->m[0];

	/* Every heartbeat goes out on every path; one that works is enough. */
	if (b->s2 && m0->cg2)
		hbsock_send(b->s2, m0->cg2, buf, len);
	return hbsock_send(b->s, m0->cg, buf, len) < 0 ? errno : 0;
}

static void hbbundle_report(struct hbbundle *b, void *member, int err)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->m[i].member == member) {
			b->m[i].sent(member, err);
			return;
		}
}

static void hbbundle_arm(struct hbbundle *b);

/* Encode and send the queue: one datagram, the version 2 packet for a single record. */
static void hbbundle_flush_now(struct hbbundle *b)
{
	uint8_t buf[PROTO_MAX_LEN];
	size_t n = b->n_q;
	const struct conf_group *cg;
	int len, err;

	ev_prepare_stop(b->loop, &b->flush);
	if (n == 0 || b->n == 0)
		return;
	b->n_q = 0;
	cg = b->m[0].cg;

	if (n == 1)
		len = proto_encode(&b->q[0], &cg->hkey, buf, sizeof(buf));
	else
		len = proto_bundle_encode(b->q, n, &cg->hkey, buf, sizeof(buf));
	err = len < 0 ? len : hbbundle_send_one(b, buf, (size_t)len);
	if (err == 0) {
		b->st.datagrams++;
		b->st.records += n;
	}
	for (size_t i = 0; i < n; i++)
		hbbundle_report(b, b->q_member[i], err);
}

/*
 * The end of a turn of the loop: send what is left, and keep the phase,
 * the turn with the most records in the last interval (or the first of a
 * new one). Its time is that of its last record: the members' next sends
 * are due an interval after their own steps, the latest of them then, and
 * the ones stepped earlier in the turn are held back to it (see
 * hbbundle_due), so the turn stays whole.
 */
static void hbbundle_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct hbbundle *b = w->data;
	uint64_t iv = b->n ? b->m[0].cg->interval_ms : 0;

	(void)loop;
	(void)revents;
	hbbundle_flush_now(b);
	if (b->turn_n >= b->phase_n || b->turn_ms + HBBUNDLE_ALIGN_MS >= b->phase_ms + iv) {
		b->phase_ms = b->turn_ms;
		b->phase_n = b->turn_n;
	}
	b->turn_n = 0;
	hbbundle_arm(b);
}

/*
 * When to step a member whose periodic send is due at @send_ms: at the next
 * point of the bundle's phase, if that is at most HBBUNDLE_ALIGN_MS away;
 * or else at the point before it, if that is at most a quarter of an
 * interval earlier; or else that quarter earlier (it drifts in, within four
 * intervals). A heartbeat a little early costs nothing (the peer's dead
 * interval runs from the last one heard), one late eats into the peer's
 * margin, so the hold-back stays small. Alone, or without a phase yet, at
 * @send_ms. The phase is only moved at the end of a turn, so a member
 * stepped early in a turn is aligned to the turn's last record.
 */
static uint64_t hbbundle_at(const struct hbbundle *b, uint64_t send_ms)
{
	uint64_t iv = b->m[0].cg->interval_ms, off, wait;

	if (b->n < 2 || !b->phase_ms || iv == 0 || send_ms <= b->phase_ms)
		return send_ms;
	off = (send_ms - b->phase_ms) % iv; /* after the phase point before */
	wait = off ? iv - off : 0;	    /* before the one after */
	if (wait <= HBBUNDLE_ALIGN_MS)
		return send_ms + wait;
	return send_ms - (off < iv / 4 ? off : iv / 4);
}

static void hbbundle_arm(struct hbbundle *b)
{
	uint64_t first = UINT64_MAX;

	for (size_t i = 0; i < b->n; i++)
		if (b->m[i].send_ms && hbbundle_at(b, b->m[i].send_ms) < first)
			first = hbbundle_at(b, b->m[i].send_ms);
	ev_timer_stop(b->loop, &b->tick);
	b->tick_at_ms = first == UINT64_MAX ? 0 : first;
	if (first == UINT64_MAX)
		return;
	ev_now_update(b->loop);
	ev_timer_set(&b->tick, clock_until_s(first), 0.0);
	ev_timer_start(b->loop, &b->tick);
}

/*
 * Step every member that is due. A step may make members join, leave or
 * come due again (never at or before now: the state machine's deadlines
 * lie in the future), so the scan starts over after each, bounded.
 */
static void hbbundle_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hbbundle *b = w->data;
	uint64_t now = clock_now_ms();
	/* The time the tick was due, for every record of it: the steps re-arm the timer. */
	uint64_t at = b->tick_at_ms && b->tick_at_ms <= now ? b->tick_at_ms : now;
	size_t budget = 2 * b->n + 2;

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < b->n && budget > 0; i++) {
		uint64_t due = b->m[i].send_ms ? hbbundle_at(b, b->m[i].send_ms) : 0;

		if (!due || due > now)
			continue;
		b->m[i].send_ms = 0;
		budget--;
		b->tick_ms = at;
		b->m[i].tick(b->m[i].member, now, due);
		b->tick_ms = 0;
		i = (size_t)-1; /* the array may have changed: from the start */
	}
	hbbundle_arm(b);
}

struct hbbundle *hbbundle_join(struct hbsock *s, const struct conf_group *cg, struct hbsock *s2,
			       const struct conf_group *cg2, hbbundle_tick_fn tick,
			       hbbundle_sent_fn sent, void *member)
{
	struct hbbundle **head = hbsock_bundles(s), *b;

	for (b = *head; b; b = b->next)
		if (b->s2 == s2 && hbbundle_same_path(b->m[0].cg, b->m[0].cg2, cg, cg2))
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b) {
			log_errx("group %u: hbbundle: out of memory", cg->id);
			return NULL;
		}
		b->s = s;
		b->s2 = s2;
		b->loop = hbsock_loop(s);
		ev_prepare_init(&b->flush, hbbundle_flush_cb);
		b->flush.data = b;
		ev_init(&b->tick, hbbundle_tick_cb);
		b->tick.data = b;
		b->next = *head;
		*head = b;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4;
		struct hbbundle_member *m = realloc(b->m, cap * sizeof(*m));

		if (!m) {
			log_errx("group %u: hbbundle: out of memory", cg->id);
			if (b->n == 0)
				hbbundle_leave(b, NULL);
			return NULL;
		}
		b->m = m;
		b->cap = cap;
	}
	b->m[b->n++] = (struct hbbundle_member){
		.member = member,
		.cg = cg,
		.cg2 = s2 ? cg2 : NULL,
		.tick = tick,
		.sent = sent,
	};
	return b;
}

void hbbundle_leave(struct hbbundle *b, void *member)
{
	struct hbbundle **pp;

	if (!b)
		return;
	hbbundle_flush_now(b);
	for (size_t i = 0; i < b->n; i++)
		if (b->m[i].member == member) {
			memmove(&b->m[i], &b->m[i + 1], (b->n - i - 1) * sizeof(b->m[0]));
			b->n--;
			break;
		}
	if (b->n > 0) {
		hbbundle_arm(b);
		return;
	}
	for (pp = hbsock_bundles(b->s); *pp && *pp != b; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = b->next;
	ev_timer_stop(b->loop, &b->tick);
	ev_prepare_stop(b->loop, &b->flush);
	free(b->m);
	free(b);
}

void hbbundle_put(struct hbbundle *b, void *member, const struct proto_pkt *p)
{
	if (b->n_q == PROTO_BUNDLE_MAX)
		hbbundle_flush_now(b);
	b->q[b->n_q] = *p;
	b->q_member[b->n_q++] = member;
	/* A tick's records are of its time; an event's of the moment it was sent. */
	b->turn_ms = b->tick_ms ? b->tick_ms : clock_now_ms();
	b->turn_n++;
	ev_prepare_start(b->loop, &b->flush);
}

void hbbundle_due(struct hbbundle *b, void *member, uint64_t send_ms)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->m[i].member == member)
			b->m[i].send_ms = send_ms;
	hbbundle_arm(b);
}

size_t hbbundle_members(const struct hbbundle *b)
{
	return b ? b->n : 0;
}

void *hbbundle_member(const struct hbbundle *b, size_t i)
{
	return b->m[i].member;
}

struct hbbundle_stats hbbundle_stats(const struct hbbundle *b)
{
	return b ? b->st : (struct hbbundle_stats){ 0 };
}
