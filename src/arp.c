/*
 * arp.c - ARP questions and their answers (see arp.h): one packet socket
 * per interface, shared by its users, read once for all of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arp.h"
#include "log.h"

#define ARP_LEN	  28 /* Ethernet/IPv4 ARP payload */
#define ARP_BATCH 64 /* frames read per wake-up at most */

struct arp_sock {
	struct arp_sock *next;
	struct ev_loop *loop;
	unsigned ifindex;
	int fd;
	ev_io io;
	ev_timer linger; /* running while no user is left */
	struct arp *users;
	bool stale; /* its interface went down or away: new users get a new socket */
};

struct arp {
	struct arp *next; /* on its socket's list */
	struct arp_sock *s;
	uint8_t mac[6];
	arp_answer_fn fn;
	arp_done_fn done;
	void *ctx;
	bool pending; /* given a packet in this read, its verdict not yet asked */
};

static struct arp_sock *arp_socks;

static void sock_free(struct arp_sock *s)
{
	struct arp_sock **pp = &arp_socks;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	ev_io_stop(s->loop, &s->io);
	ev_timer_stop(s->loop, &s->linger);
	close(s->fd); /* an RCU grace period: once per interface, not per user */
	free(s);
}

/* Every frame to every user, then each user's verdict once (which may close and open users). */
static void sock_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct arp_sock *s = w->data;
	uint8_t p[64];

	(void)loop;
	(void)revents;
	for (int i = 0; i < ARP_BATCH; i++) {
		ssize_t n = recv(s->fd, p, sizeof(p), MSG_DONTWAIT);
		struct in_addr sip;

		if (n < 0) {
			/*
			 * Down: the kernel hooks the socket in again when the link
			 * comes up, but not if the interface was deleted and one made
			 * with its index. A socket of its own for the next user tells.
			 */
			if (errno == ENETDOWN || errno == ENXIO || errno == ENODEV)
				s->stale = true;
			break;
		}
		/* Ethernet/IPv4 ARP only; probes (sender IP 0) say nothing. */
		if (n < ARP_LEN || p[0] != 0 || p[1] != 1 || p[2] != 8 || p[3] != 0 ||
		    p[4] != ETH_ALEN || p[5] != 4)
			continue;
		memcpy(&sip.s_addr, p + 14, 4);
		if (sip.s_addr == 0)
			continue;
		for (struct arp *a = s->users; a; a = a->next)
			if (memcmp(p + 8, a->mac, ETH_ALEN) != 0) {
				a->fn(a->ctx, sip, p + 8);
				a->pending = true;
			}
	}
	/* Bounded: a verdict may open users, never pending ones. */
	for (unsigned guard = 0; guard < 100000; guard++) {
		struct arp *a = s->users;

		while (a && !a->pending)
			a = a->next;
		if (!a)
			break;
		a->pending = false;
		a->done(a->ctx);
	}
}

static void sock_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct arp_sock *s = w->data;

	(void)loop;
	(void)revents;
	if (!s->users)
		sock_free(s);
}

static struct arp_sock *sock_open(struct ev_loop *loop, unsigned ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ARP),
				   .sll_ifindex = (int)ifindex };
	struct arp_sock *s = calloc(1, sizeof(*s));

	if (!s) {
		log_errx("arp_open: %s", strerror(ENOMEM));
		return NULL;
	}
	/*
	 * Protocol 0 at socket(), ETH_P_ARP at bind(): a socket created with a
	 * protocol is already hooked in (to every interface), and binding it
	 * then unhooks it first, which waits for an RCU grace period too.
	 */
	s->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		log_err("arp_open: socket");
		free(s);
		return NULL;
	}
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		log_err("arp_open: bind ifindex %u", ifindex);
		close(s->fd);
		free(s);
		return NULL;
	}
	s->loop = loop;
	s->ifindex = ifindex;
	ev_io_init(&s->io, sock_read_cb, s->fd, EV_READ);
	ev_set_priority(&s->io, EV_MAXPRI);
	s->io.data = s;
	ev_io_start(loop, &s->io);
	ev_timer_init(&s->linger, sock_linger_cb, 0.0, ARP_LINGER_MS / 1000.0);
	s->linger.data = s;
	s->next = arp_socks;
	arp_socks = s;
	return s;
}

struct arp *arp_open(struct ev_loop *loop, unsigned ifindex, const uint8_t own_mac[6],
		     arp_answer_fn fn, arp_done_fn done, void *ctx)
{
	struct arp_sock *s = arp_socks;
	struct arp *a;

	while (s && (s->loop != loop || s->ifindex != ifindex || s->stale))
		s = s->next;
	if (!s && !(s = sock_open(loop, ifindex)))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		log_errx("arp_open: %s", strerror(ENOMEM));
		if (!s->users)
			ev_timer_again(loop, &s->linger);
		return NULL;
	}
	ev_timer_stop(loop, &s->linger);
	a->s = s;
	memcpy(a->mac, own_mac, ETH_ALEN);
	a->fn = fn;
	a->done = done;
	a->ctx = ctx;
	a->next = s->users;
	s->users = a;
	return a;
}

int arp_probe(struct arp *a, struct in_addr target)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = (int)a->s->ifindex,
				  .sll_halen = ETH_ALEN };
	uint8_t p[ARP_LEN] = { 0x00, 0x01, 0x08, 0x00, ETH_ALEN, 4, 0x00, ARPOP_REQUEST };

	memset(to.sll_addr, 0xff, ETH_ALEN);
	memcpy(p + 8, a->mac, ETH_ALEN); /* sender MAC: ours */
	/* sender IP 0.0.0.0 (bytes 14..17), target MAC zero (18..23) */
	memcpy(p + 24, &target.s_addr, 4); /* target IP */
	if (sendto(a->s->fd, p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(p)) {
		log_warn("arp_probe %s", inet_ntoa(target));
		return -1;
	}
	return 0;
}

void arp_close(struct arp *a)
{
	struct arp **pp;

	if (!a)
		return;
	for (pp = &a->s->users; *pp && *pp != a; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = a->next;
	if (!a->s->users)
		ev_timer_again(a->s->loop, &a->s->linger);
	free(a);
}

void arp_shutdown(void)
{
	while (arp_socks) {
		struct arp_sock *s = arp_socks;

		/* Users left would point at a freed socket: cannot happen (see arp.h). */
		if (s->users)
			log_errx("arp: interface %u still has users at exit", s->ifindex);
		sock_free(s);
	}
}
