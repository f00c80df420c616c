/*
 * hbsock.c - heartbeat sockets shared between groups: one socket per
 * (family, multicast address, port, interface), opened by mcast.c when the
 * first group needs it and closed when the last one leaves; each datagram
 * read from it is handed to the group whose id it carries.
 *
 * The id is read with proto_peek_group(), which checks only length, magic
 * and version: whether the datagram is authentic is the group's business
 * (each group has its own key). A datagram too broken to carry an id goes
 * to every member, so each counts it as before sockets were shared.
 *
 * Cost: one ev_io per socket; a member lookup is a scan of the socket's
 * members (at most VIPD_MAX_GROUPS, usually a handful).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "hbsock.h"
#include "log.h"
#include "mcast.h"
#include "proto.h"

/* Datagrams read per wake-up: enough for every member's burst, bounded so timers still run. */
#define HBSOCK_RX_BASE		64
#define HBSOCK_RX_PER_MEMBER	4

struct hbsock_member {
	uint32_t id;
	hbsock_rx_fn fn;
	void *member;
};

struct hbsock {
	struct hbsock_tab *tab;
	struct hbsock *next;
	int family;
	uint8_t addr[16];		/* the multicast group, 4 bytes used for AF_INET */
	uint16_t port;
	unsigned ifindex;
	char ifname[IF_NAMESIZE];
	int fd;
	ev_io io;
	struct hbsock_member *m;	/* owned, n of cap used */
	size_t n, cap;
	struct log_rl rl;
};

struct hbsock_tab {
	struct ev_loop *loop;
	struct hbsock *head;
};

struct hbsock_tab *hbsock_tab_new(struct ev_loop *loop)
{
	struct hbsock_tab *t = calloc(1, sizeof(*t));

	if (!t) {
		log_err("hbsock: out of memory");
		return NULL;
	}
	t->loop = loop;
	return t;
}

void hbsock_tab_free(struct hbsock_tab *t)
{
	if (!t)
		return;
	if (t->head)
		log_err("hbsock: table freed with sockets still in use");
	free(t);
}

/* The transport of @cg in the table's terms. */
static void hbsock_key(const struct conf_group *cg, int *family, uint8_t addr[16])
{
	*family = cg->mcast_family == AF_INET6 ? AF_INET6 : AF_INET;
	memset(addr, 0, 16);
	/* Unicast groups share the wildcard socket of their port and interface. */
	if (cg->n_peers > 0) {
		*family = AF_INET;
		return;
	}
	if (*family == AF_INET6)
		memcpy(addr, &cg->mcast6, 16);
	else
		memcpy(addr, &cg->mcast, 4);
}

static uint64_t hbsock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Hand one datagram to its group, or to every member (see the file comment). */
static void hbsock_dispatch(struct hbsock *s, const uint8_t *buf, size_t len, int ttl,
			    const struct sockaddr_storage *from)
{
	uint32_t gid;
	bool has_id = proto_peek_group(buf, len, &gid) == PROTO_OK;

	for (size_t i = 0; has_id && i < s->n; i++)
		if (s->m[i].id == gid) {
			s->m[i].fn(s->m[i].member, buf, len, ttl, from, false);
			return;
		}
	for (size_t i = 0; i < s->n; i++)
		s->m[i].fn(s->m[i].member, buf, len, ttl, from, has_id);
}

static void hbsock_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct hbsock *s = w->data;
	uint8_t buf[PROTO_LEN + 1];
	struct sockaddr_storage from;
	size_t burst = HBSOCK_RX_BASE + HBSOCK_RX_PER_MEMBER * s->n;
	int ttl;

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < burst && s->n > 0; i++) {
		ssize_t n = mcast_recv(s->fd, buf, sizeof(buf), &from, &ttl);

		if (n == MCAST_NONE)
			break;
		if (n == MCAST_ERROR) {
			if (log_ratelimit(&s->rl, hbsock_now_ms(), 5, 10000))
				log_warn("hbsock %s: receive: %s", s->ifname, strerror(errno));
			break;
		}
		hbsock_dispatch(s, buf, (size_t)n, ttl, &from);
	}
}

static struct hbsock *hbsock_find(struct hbsock_tab *t, const struct conf_group *cg)
{
	uint8_t addr[16];
	int family;

	hbsock_key(cg, &family, addr);
	for (struct hbsock *s = t->head; s; s = s->next)
		if (s->family == family && memcmp(s->addr, addr, 16) == 0 &&
		    s->port == cg->port && s->ifindex == cg->ifindex)
			return s;
	return NULL;
}

static struct hbsock *hbsock_open(struct hbsock_tab *t, const struct conf_group *cg)
{
	struct hbsock *s = calloc(1, sizeof(*s));

	if (!s) {
		log_err("hbsock %s: out of memory", cg->interface);
		return NULL;
	}
	s->fd = mcast_open(cg);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	s->tab = t;
	hbsock_key(cg, &s->family, s->addr);
	s->port = cg->port;
	s->ifindex = cg->ifindex;
	snprintf(s->ifname, sizeof(s->ifname), "%s", cg->interface);
	ev_io_init(&s->io, hbsock_io_cb, s->fd, EV_READ);
	/* Queued heartbeats are read before late timers fire (see fsm.c, stalls). */
	ev_set_priority(&s->io, EV_MAXPRI);
	s->io.data = s;
	ev_io_start(t->loop, &s->io);
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

struct hbsock *hbsock_join(struct hbsock_tab *t, const struct conf_group *cg, hbsock_rx_fn fn,
			   void *member)
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
			log_err("group %u: hbsock: out of memory", cg->id);
			if (opened)
				hbsock_close(s);
			return NULL;
		}
		s->m = m;
		s->cap = cap;
	}
	s->m[s->n++] = (struct hbsock_member){ .id = cg->id, .fn = fn, .member = member };
	return s;
}

void hbsock_leave(struct hbsock *s, void *member)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->m[i].member != member)
			continue;
		memmove(&s->m[i], &s->m[i + 1], (s->n - i - 1) * sizeof(s->m[0]));
		s->n--;
		break;
	}
	if (s->n == 0)
		hbsock_close(s);
}

int hbsock_send(struct hbsock *s, const struct conf_group *cg, const uint8_t *buf, size_t len)
{
	return mcast_send(s->fd, cg, buf, len);
}

size_t hbsock_members(const struct hbsock *s)
{
	return s->n;
}
