/*
 * hbsock.c - heartbeat sockets shared between groups: one socket per UDP
 * port and address family (see mcast.c, "Owning the port"), opened for every
 * port of the configuration at start (hbsock_reserve) or when a group first
 * needs it, and kept open, unread, while no group uses it, until the
 * daemon prunes it (after a reload) or stops. Each member
 * (a group's path) has joined its multicast group on its interface; each
 * datagram read goes to the member whose interface and destination address
 * it arrived with (IP_PKTINFO) and whose group id it carries.
 *
 * The id is read with proto_peek_group(), which checks only length, magic
 * and version: whether the datagram is authentic is the group's business
 * (each group has its own key). A datagram too broken to carry an id, or
 * with an id no member has, goes to every member of its interface and
 * address, so each counts it as before sockets were shared. One that
 * matches no member at all (another interface, another group joined by
 * nobody here) is counted by the socket only.
 *
 * Flood: the receive buffer is sized for the members (below), datagrams
 * are read in batches (recvmmsg), and the kernel's drop count (SO_RXQ_OVFL)
 * is kept so status shows when the socket overflowed.
 *
 * A bundle (version 3, one datagram for several groups of the sender) is
 * split here: each record goes to the member of its group id, after that
 * member's checks without a key and after the bundle's one HMAC, made once
 * for all of them (a forged bundle costs one HMAC, not one per record).
 *
 * Cost: one ev_io per socket, one system call per batch of datagrams; a
 * member lookup is a scan of the socket's members (at most two per group).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"
#include "hbsock.h"
#include "log.h"
#include "mcast.h"
#include "proto.h"

/*
 * Reading per wake-up: until the queue is empty, for at most
 * HBSOCK_RX_BUDGET_MS, then timers run. Under a flood the queue never
 * empties; a count limit of a few dozen datagrams would then let a peer's
 * dead timer fire while its heartbeat still waits in the queue behind the
 * forgeries. A time limit well under an interval keeps that from
 * happening and delays the timers by at most the budget.
 */
#define HBSOCK_RX_BUDGET_MS 10
#define HBSOCK_BATCH	    32 /* datagrams per recvmmsg */

/*
 * Receive buffer, bytes asked for (the kernel doubles it for its own
 * bookkeeping): a base that holds 100,000 forged datagrams per second for
 * well over a dead interval of 150 ms while the daemon waits for the CPU
 * (a 104-byte datagram costs about 1.2 KiB of buffer on a veth; the lab
 * measured queues of 14 MB on a loaded 2-core machine, and drops with
 * half this base), plus room for every member's heartbeats. The memory is
 * the kernel's, and only used while datagrams wait.
 */
#define HBSOCK_RCVBUF_BASE	 (16 << 20)
#define HBSOCK_RCVBUF_PER_MEMBER (64 << 10)
#define HBSOCK_RCVBUF_MAX	 (64 << 20)

struct hbsock_member {
	uint32_t id;
	const struct hbsock_ops *ops;
	void *member;
	const struct conf_group *cg; /* the member's, for its interface and group */
};

struct hbsock {
	struct hbsock_tab *tab;
	struct hbsock *next;
	int family;
	uint16_t port;
	int fd;
	ev_io io;
	struct hbsock_member *m; /* owned, n of cap used */
	size_t n, cap;
	struct hbsock_stats st;
	struct log_rl rl;
	struct hbbundle *bundles; /* hbbundle.c's list */
};

struct hbsock_tab {
	struct ev_loop *loop;
	struct hbsock *head;
};

/* The HMAC of the bundle being dispatched, made with @key (NULL: not yet). */
struct hbsock_mac {
	const struct proto_key *key;
	int err;
};

struct hbsock_tab *hbsock_tab_new(struct ev_loop *loop)
{
	struct hbsock_tab *t = calloc(1, sizeof(*t));

	if (!t) {
		log_errx("hbsock: out of memory");
		return NULL;
	}
	t->loop = loop;
	return t;
}

static void hbsock_close(struct hbsock *s);

void hbsock_tab_free(struct hbsock_tab *t)
{
	if (!t)
		return;
	for (struct hbsock *s = t->head; s; s = s->next)
		if (s->n > 0) {
			log_errx("hbsock: table freed with sockets still in use");
			break;
		}
	while (t->head)
		hbsock_close(t->head);
	free(t);
}

/* Tell every member @d was sent to that it was dropped for @err; false if there was none. */
static bool hbsock_reject_all(struct hbsock *s, const struct mcast_dgram *d, int err)
{
	bool any = false;

	for (size_t i = 0; i < s->n; i++)
		if (mcast_for(d, s->m[i].cg)) {
			s->m[i].ops->reject(s->m[i].member, err, &d->from);
			any = true;
		}
	return any;
}

/* The member that record group @gid of @d is for, or SIZE_MAX. */
static size_t hbsock_member_for(const struct hbsock *s, const struct mcast_dgram *d, uint32_t gid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].id == gid && mcast_for(d, s->m[i].cg))
			return i;
	return SIZE_MAX;
}

/*
 * One record of a bundle for member @i: its checks without a key, then the
 * bundle's HMAC, made once with the first key a member names (@ok says
 * whether it matched), again only for a member whose key differs (a key id
 * collision, or a half-done rotation), then the record's own fields.
 */
static void hbsock_bundle_record(struct hbsock *s, const struct mcast_dgram *d, size_t i,
				 unsigned rec, uint32_t key_id, struct hbsock_mac *mac)
{
	const struct hbsock_member *m = &s->m[i];
	struct proto_pkt p;
	const struct proto_key *key = m->ops->admit(m->member, d->ttl, &d->from, key_id);
	int err;

	if (!key)
		return;
	if (!mac->key || !proto_key_equal(mac->key, key)) {
		mac->key = key;
		mac->err = proto_bundle_verify(d->buf, d->len, key);
	}
	err = mac->err == PROTO_OK ? proto_bundle_record(d->buf, rec, &p) : mac->err;
	if (err != PROTO_OK)
		m->ops->reject(m->member, err, &d->from);
	else
		m->ops->deliver(m->member, &p, d->at_ms, &d->from);
}

/*
 * A bundle (version 3): the checks that need no key, for the whole of it
 * (length, count), then each record to the member of its group id and
 * destination. A bundle that names none of our groups is, like a version 2
 * packet of another group, foreign to every member of its destination;
 * a broken one is counted by each of them.
 */
static void hbsock_dispatch_bundle(struct hbsock *s, const struct mcast_dgram *d)
{
	struct hbsock_mac mac = { 0 };
	uint32_t key_id;
	unsigned n;
	bool any = false;
	int err = proto_bundle_peek(d->buf, d->len, &n, &key_id);

	s->st.bundles++;
	if (err != PROTO_OK) {
		if (!hbsock_reject_all(s, d, err))
			s->st.unmatched++;
		return;
	}
	for (unsigned r = 0; r < n && s->n > 0; r++) {
		size_t i = hbsock_member_for(s, d, proto_bundle_group(d->buf, r));

		if (i == SIZE_MAX)
			continue;
		any = true;
		hbsock_bundle_record(s, d, i, r, key_id, &mac);
	}
	for (size_t i = 0; !any && i < s->n; i++)
		if (mcast_for(d, s->m[i].cg)) {
			s->m[i].ops->rx(s->m[i].member, d->buf, d->len, d->at_ms, d->ttl, &d->from,
					true);
			any = true;
		}
	if (!any)
		s->st.unmatched++;
}

/* Hand one datagram to its group, or to every member it was sent to (see the file comment). */
static void hbsock_dispatch(struct hbsock *s, const struct mcast_dgram *d)
{
	uint32_t gid;
	bool has_id, any = false;

	if (d->has_drops)
		s->st.kernel_drops = d->drops;
	if (proto_is_bundle(d->buf, d->len)) {
		hbsock_dispatch_bundle(s, d);
		return;
	}
	has_id = proto_peek_group(d->buf, d->len, &gid) == PROTO_OK;
	for (size_t i = 0; has_id && i < s->n; i++)
		if (s->m[i].id == gid && mcast_for(d, s->m[i].cg)) {
			s->m[i].ops->rx(s->m[i].member, d->buf, d->len, d->at_ms, d->ttl, &d->from,
					false);
			return;
		}
	for (size_t i = 0; i < s->n; i++)
		if (mcast_for(d, s->m[i].cg)) {
			s->m[i].ops->rx(s->m[i].member, d->buf, d->len, d->at_ms, d->ttl, &d->from,
					has_id);
			any = true;
		}
	if (!any)
		s->st.unmatched++;
}

static void hbsock_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct hbsock *s = w->data;
	static uint8_t buf[HBSOCK_BATCH][PROTO_MAX_LEN + 1]; /* 39 KiB: not on the stack */
	struct mcast_dgram d[HBSOCK_BATCH];
	uint64_t until_ms = clock_now_ms() + HBSOCK_RX_BUDGET_MS;

	(void)loop;
	(void)revents;
	for (unsigned i = 0; i < HBSOCK_BATCH; i++) {
		d[i].buf = buf[i];
		d[i].cap = sizeof(buf[i]);
	}
	/* Bounded by the budget; the count only in case the clock stood still. */
	for (unsigned round = 0; round < 100000 && s->n > 0; round++) {
		int n = mcast_recv(s->fd, d, HBSOCK_BATCH);

		if (n == MCAST_NONE)
			break;
		if (n == MCAST_ERROR) {
			log_rl_errno(&s->rl, LOG_WARNING, "hbsock UDP port %u: receive", s->port);
			break;
		}
		for (int i = 0; i < n && s->n > 0; i++)
			hbsock_dispatch(s, &d[i]);
		s->st.rx += (uint64_t)n;
		if (n < HBSOCK_BATCH || clock_now_ms() >= until_ms)
			break;
	}
}

static struct hbsock *hbsock_find(struct hbsock_tab *t, const struct conf_group *cg)
{
	int family = mcast_family(cg);

	for (struct hbsock *s = t->head; s; s = s->next)
		if (s->family == family && s->port == cg->port)
			return s;
	return NULL;
}

static struct hbsock *hbsock_open(struct hbsock_tab *t, const struct conf_group *cg)
{
	struct hbsock *s = calloc(1, sizeof(*s));

	if (!s) {
		log_errx("hbsock %s: out of memory", cg->interface);
		return NULL;
	}
	s->family = mcast_family(cg);
	s->port = cg->port;
	s->fd = mcast_open(s->family, s->port);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	s->tab = t;
	ev_io_init(&s->io, hbsock_io_cb, s->fd, EV_READ);
	/* Queued heartbeats are read before late timers fire (see fsm_time.c, stalls). */
	ev_set_priority(&s->io, EV_MAXPRI);
	s->io.data = s;
	s->next = t->head;
	t->head = s;
	return s;
}

static void hbsock_close(struct hbsock *s)
{
	struct hbsock **pp;

	for (pp = &s->tab->head; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	ev_io_stop(s->tab->loop, &s->io);
	close(s->fd);
	free(s->m);
	free(s);
}

/* Whether another member than @skip uses @cg's multicast membership (interface and group). */
static bool hbsock_shared_membership(const struct hbsock *s, const struct conf_group *cg,
				     size_t skip)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct conf_group *o = s->m[i].cg;

		if (i == skip || o->n_peers > 0 || cg->n_peers > 0 || o->ifindex != cg->ifindex)
			continue;
		if (s->family == AF_INET6 ? memcmp(&o->mcast6, &cg->mcast6, 16) == 0
					  : o->mcast.s_addr == cg->mcast.s_addr)
			return true;
	}
	return false;
}

/* Grow the receive buffer with the members; never shrink it under a flood. */
static void hbsock_size(struct hbsock *s)
{
	size_t want = HBSOCK_RCVBUF_BASE + s->n * HBSOCK_RCVBUF_PER_MEMBER;
	int got;

	if (want > HBSOCK_RCVBUF_MAX)
		want = HBSOCK_RCVBUF_MAX;
	if ((int)want <= s->st.rcvbuf_asked)
		return;
	got = mcast_rcvbuf(s->fd, (int)want);
	s->st.rcvbuf_asked = (int)want;
	if (got >= 0)
		s->st.rcvbuf_bytes = got;
	if (got >= 0 && got < (int)want)
		log_warnx("hbsock UDP port %u: receive buffer %d bytes, not %zu "
			  "(no CAP_NET_ADMIN, and net.core.rmem_max is lower)",
			  s->port, got, want);
}

struct hbsock *hbsock_join(struct hbsock_tab *t, const struct conf_group *cg,
			   const struct hbsock_ops *ops, void *member)
{
	struct hbsock *s = hbsock_find(t, cg);
	bool opened = false;

	if (!s) {
		s = hbsock_open(t, cg);
		if (!s)
			return NULL;
		opened = true;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4;
		struct hbsock_member *m = realloc(s->m, cap * sizeof(*m));

		if (!m) {
			log_errx("group %u: hbsock: out of memory", cg->id);
			goto fail;
		}
		s->m = m;
		s->cap = cap;
	}
	if (!hbsock_shared_membership(s, cg, SIZE_MAX) && mcast_join(s->fd, cg) < 0)
		goto fail;
	s->m[s->n++] =
		(struct hbsock_member){ .id = cg->id, .ops = ops, .member = member, .cg = cg };
	if (s->n == 1)
		ev_io_start(t->loop, &s->io);
	hbsock_size(s);
	return s;
fail:
	if (opened && s->n == 0)
		hbsock_close(s);
	return NULL;
}

void hbsock_leave(struct hbsock *s, void *member)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->m[i].member != member)
			continue;
		if (!hbsock_shared_membership(s, s->m[i].cg, i))
			mcast_leave(s->fd, s->m[i].cg);
		memmove(&s->m[i], &s->m[i + 1], (s->n - i - 1) * sizeof(s->m[0]));
		s->n--;
		break;
	}
	/*
	 * The last member keeps the socket open, unread: an interface that
	 * goes and comes back, or a group restarted by a reload, must not
	 * leave the port free for another program in between.
	 */
	if (s->n == 0)
		ev_io_stop(s->tab->loop, &s->io);
}

int hbsock_reserve(struct hbsock_tab *t, const struct conf_group *cg)
{
	return hbsock_find(t, cg) || hbsock_open(t, cg) ? 0 : -1;
}

void hbsock_prune(struct hbsock_tab *t)
{
	struct hbsock *s = t->head, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->n == 0)
			hbsock_close(s);
	}
}

int hbsock_send(struct hbsock *s, const struct conf_group *cg, const uint8_t *buf, size_t len)
{
	return mcast_send(s->fd, cg, buf, len);
}

struct ev_loop *hbsock_loop(const struct hbsock *s)
{
	return s->tab->loop;
}

struct hbbundle **hbsock_bundles(struct hbsock *s)
{
	return &s->bundles;
}

size_t hbsock_members(const struct hbsock *s)
{
	return s->n;
}

struct hbsock_stats hbsock_stats(const struct hbsock *s)
{
	return s ? s->st : (struct hbsock_stats){ 0 };
}
