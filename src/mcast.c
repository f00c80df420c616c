/*
 * mcast.c - heartbeat sockets: one per UDP port and address family, bound
 * to the wildcard address, with the multicast groups of every interface
 * joined on it; send with TTL (hop limit) 255 (multicast out of the group's
 * interface, unicast where the routing table says), report the TTL (hop
 * limit), arrival interface and destination of what arrives, and the
 * socket's drop count.
 *
 * Owning the port. The socket sets neither SO_REUSEADDR nor SO_REUSEPORT
 * and binds the wildcard address: the kernel then refuses every other bind
 * of the port in the namespace (any address, any device, with or without
 * those options), so a local user cannot take the port first to keep vipd
 * from starting without vipd saying so, nor bind beside it and receive the
 * unicast heartbeats instead of it. Interfaces are told apart by the
 * arrival interface (IP_PKTINFO / IPV6_RECVPKTINFO), not by one socket per
 * device as before.
 *
 * TTL 255 on send and the check on receipt (GTSM, RFC 5082) mean a packet
 * that crossed a router cannot pass: only on-link senders can steer the
 * election, whatever they know of the key. IPv6 heartbeats go to a group of
 * link-local scope (ff02::/16, checked by conf.c), which no router forwards
 * in the first place; the hop-limit check holds for them all the same.
 * Unicast peers (IPv4 or IPv6) may be routed: group.c then allows the
 * configured number of hops below 255 (peer_hops), and what carries the
 * trust is the HMAC and the nonce echo, plus the list of peer addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mcast.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

static const char *fam_text(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static int set_int(int fd, int level, int opt, int val, const char *what, int family, uint16_t port)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == 0)
		return 0;
	log_err("mcast UDP port %u (%s): %s", port, fam_text(family), what);
	return -1;
}

int mcast_family(const struct conf_group *g)
{
	if (g->n_peers > 0)
		return g->peers[0].family;
	return g->mcast_family == AF_INET6 ? AF_INET6 : AF_INET;
}

const char *mcast_peer_text(const struct conf_peer *p, char *buf, size_t len)
{
	if (!inet_ntop(p->family, p->addr, buf, (socklen_t)len) && len)
		buf[0] = '\0';
	return buf;
}

const char *mcast_group_text(const struct conf_group *g, char *buf, size_t len)
{
	const void *a = &g->mcast;

	if (g->mcast_family == AF_INET6)
		a = &g->mcast6;
	if (!inet_ntop(g->mcast_family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) &&
	    len)
		buf[0] = '\0';
	return buf;
}

const char *mcast_addr_text(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	const void *a = NULL;

	if (sa->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->ss_family, a, buf, (socklen_t)len)) {
		if (len)
			buf[0] = '\0';
	}
	return buf;
}

/* IPv4: TTL 255 both ways, no loop, only the groups this socket joined. */
static int mcast_opts4(int fd, uint16_t port)
{
	const int f = AF_INET;

	return set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL", f, port) < 0 ||
			       set_int(fd, IPPROTO_IP, IP_TTL, 255, "IP_TTL", f, port) < 0 ||
			       set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP", f,
				       port) < 0 ||
			       set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL", f,
				       port) < 0 ||
			       set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL", f, port) < 0 ||
			       set_int(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO", f, port) < 0
		       ? -1
		       : 0;
}

/*
 * IPv6: the same with the hop limit, IPv6 only (an IPv4 socket of the port
 * may exist beside it). IPV6_MULTICAST_ALL needs Linux 4.20.
 */
static int mcast_opts6(int fd, uint16_t port)
{
	const int f = AF_INET6;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &(int){ 0 }, sizeof(int)) < 0 &&
	    errno != ENOPROTOOPT) {
		log_err("mcast UDP port %u (IPv6): IPV6_MULTICAST_ALL", port);
		return -1;
	}
	return set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY", f, port) < 0 ||
			       set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255,
				       "IPV6_MULTICAST_HOPS", f, port) < 0 ||
			       set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255,
				       "IPV6_UNICAST_HOPS", f, port) < 0 ||
			       set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0,
				       "IPV6_MULTICAST_LOOP", f, port) < 0 ||
			       set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT",
				       f, port) < 0 ||
			       set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO", f,
				       port) < 0
		       ? -1
		       : 0;
}

int mcast_open(int family, uint16_t port)
{
	struct sockaddr_in sa4 = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(port),
				    .sin6_addr = IN6ADDR_ANY_INIT };
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("mcast UDP port %u (%s): socket", port, fam_text(family));
		return -1;
	}
	if ((family == AF_INET6 ? mcast_opts6(fd, port) : mcast_opts4(fd, port)) < 0)
		goto fail;
	/* Drops are counted in status; an old kernel without it only loses the count. */
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &(int){ 1 }, sizeof(int)) < 0)
		log_warnx("mcast UDP port %u (%s): SO_RXQ_OVFL: %s (kernel drops not counted)",
			  port, fam_text(family), strerror(errno));
	/*
	 * The kernel's arrival stamps: a heartbeat that waited in the queue, or
	 * behind its bundle mates' steps, counts from when it came (hbsock.h).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 }, sizeof(int)) < 0)
		log_warnx("mcast UDP port %u (%s): SO_TIMESTAMPNS: %s (arrival taken when read)",
			  port, fam_text(family), strerror(errno));
	/* No SO_REUSEADDR, no SO_REUSEPORT: see the file comment. */
	if ((family == AF_INET6 ? bind(fd, (struct sockaddr *)&sa6, sizeof(sa6))
				: bind(fd, (struct sockaddr *)&sa4, sizeof(sa4))) < 0) {
		if (errno == EADDRINUSE)
			log_errx("UDP port %u (%s) is in use by another program", port,
				 fam_text(family));
		else
			log_err("mcast UDP port %u (%s): bind", port, fam_text(family));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int mcast_member(int fd, const struct conf_group *g, bool join)
{
	struct ip_mreqn mr4 = { .imr_multiaddr = g->mcast, .imr_ifindex = (int)g->ifindex };
	struct ipv6_mreq mr6 = { .ipv6mr_multiaddr = g->mcast6, .ipv6mr_interface = g->ifindex };
	int rc;

	if (g->n_peers > 0)
		return 0; /* unicast: nothing to join */
	if (mcast_family(g) == AF_INET6)
		rc = setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mr6,
				sizeof(mr6));
	else
		rc = setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr4,
				sizeof(mr4));
	return rc;
}

int mcast_join(int fd, const struct conf_group *g)
{
	char grp[INET6_ADDRSTRLEN];

	if (mcast_member(fd, g, true) == 0)
		return 0;
	log_err("mcast %s: join %s", g->interface, mcast_group_text(g, grp, sizeof(grp)));
	return -1;
}

void mcast_leave(int fd, const struct conf_group *g)
{
	char grp[INET6_ADDRSTRLEN];

	/* A deleted interface took its memberships with it. */
	if (mcast_member(fd, g, false) < 0 && errno != ENODEV && errno != EADDRNOTAVAIL &&
	    errno != EINVAL && errno != ENOENT)
		log_warn("mcast %s: leave %s", g->interface, mcast_group_text(g, grp, sizeof(grp)));
}

int mcast_rcvbuf(int fd, int bytes)
{
	int got = 0;
	socklen_t l = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &l) < 0)
		return -1;
	return got;
}

/* sendmsg with the outgoing interface in IP_PKTINFO (IPv4; IPv6 uses the scope id). */
static ssize_t send4(int fd, const struct sockaddr_in *to, unsigned ifindex, const uint8_t *buf,
		     size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr msg = { .msg_name = (void *)(uintptr_t)to,
			      .msg_namelen = sizeof(*to),
			      .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct in_pktinfo pi = { .ipi_ifindex = (int)ifindex };

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	return sendmsg(fd, &msg, MSG_DONTWAIT);
}

/*
 * Unicast: one copy per peer; it counts as sent if any went out. The
 * routing table picks the way (a routed peer is not on the group's
 * interface, which may be lo or a dummy holding the VIPs); the source is
 * the address the route prefers, which is what the peer lists.
 */
static int send_peers(int fd, const struct conf_group *g, const uint8_t *buf, size_t len)
{
	int sent = 0;

	for (size_t i = 0; i < g->n_peers; i++) {
		struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(g->port) };
		struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(g->port) };
		ssize_t n;

		memcpy(&sa4.sin_addr, g->peers[i].addr, 4);
		memcpy(&sa6.sin6_addr, g->peers[i].addr, 16);
		if (g->peers[i].family == AF_INET6)
			n = sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa6,
				   sizeof(sa6));
		else
			n = sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa4,
				   sizeof(sa4));
		sent += n == (ssize_t)len;
	}
	return sent > 0 ? 0 : -1;
}

int mcast_send(int fd, const struct conf_group *g, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa4 = { .sin_family = AF_INET,
				   .sin_port = htons(g->port),
				   .sin_addr = g->mcast };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(g->port),
				    .sin6_addr = g->mcast6,
				    .sin6_scope_id = g->ifindex };
	ssize_t n;

	if (g->n_peers > 0)
		return send_peers(fd, g, buf, len);
	if (mcast_family(g) == AF_INET6)
		n = sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa6, sizeof(sa6));
	else
		n = send4(fd, &sa4, g->ifindex, buf, len);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * What the kernel attached to one datagram: TTL, arrival interface and
 * destination, drops, and when it arrived (@stamp, left as it is without).
 */
static void mcast_cmsgs(struct msghdr *msg, struct mcast_dgram *d, struct timespec *stamp)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&d->ttl, CMSG_DATA(c), sizeof(d->ttl));
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->ifindex = (unsigned)pi.ipi_ifindex;
			memcpy(d->dst, &pi.ipi_addr, 4);
			d->dst_known = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->ifindex = pi.ipi6_ifindex;
			memcpy(d->dst, &pi.ipi6_addr, 16);
			d->dst_known = true;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&d->drops, CMSG_DATA(c), sizeof(d->drops));
			d->has_drops = true;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(stamp, CMSG_DATA(c), sizeof(*stamp));
		}
	}
}

/* Datagrams per recvmmsg call at most (the caller's array may be shorter). */
#define MCAST_BATCH 32

int mcast_recv(int fd, struct mcast_dgram *d, unsigned n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 2 + CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[MCAST_BATCH];
	struct mmsghdr mm[MCAST_BATCH];
	struct iovec iov[MCAST_BATCH];
	struct timespec mono, real;
	int got;

	if (n > MCAST_BATCH)
		n = MCAST_BATCH;
	memset(ctl, 0, n * sizeof(ctl[0]));
	for (unsigned i = 0; i < n; i++) {
		iov[i] = (struct iovec){ .iov_base = d[i].buf, .iov_len = d[i].cap };
		memset(&d[i].from, 0, sizeof(d[i].from));
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &d[i].from,
						       .msg_namelen = sizeof(d[i].from),
						       .msg_iov = &iov[i],
						       .msg_iovlen = 1,
						       .msg_control = ctl[i].buf,
						       .msg_controllen = sizeof(ctl[i].buf) } };
	}
	got = recvmmsg(fd, mm, n, MSG_TRUNC | MSG_DONTWAIT, NULL);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? MCAST_NONE
										 : MCAST_ERROR;
	if (got == 0)
		return MCAST_NONE;
	/* Both clocks once for the batch: each datagram's age is its stamp's. */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	for (int i = 0; i < got; i++) {
		struct timespec stamp = real;

		d[i].len = mm[i].msg_len;
		d[i].ttl = -1;
		d[i].ifindex = 0;
		d[i].dst_known = d[i].has_drops = false;
		mcast_cmsgs(&mm[i].msg_hdr, &d[i], &stamp);
		d[i].at_ms = clock_stamp_ms(&mono, &real, &stamp);
	}
	return got;
}

/*
 * Multicast: the group's address on the group's interface. Unicast: sent to
 * one of this host's unicast addresses of the peers' family, on whichever
 * interface the route from the peer ends (the group's interface may be lo
 * or a dummy holding the VIPs): who may send is group.c's check of the
 * source, the TTL and the HMAC.
 */
bool mcast_for(const struct mcast_dgram *d, const struct conf_group *g)
{
	if (!d->dst_known)
		return false;
	if (g->n_peers > 0) {
		uint32_t a;

		if (g->peers[0].family == AF_INET6)
			return d->dst[0] != 0xff;
		memcpy(&a, d->dst, 4);
		return !IN_MULTICAST(ntohl(a)) && a != htonl(INADDR_BROADCAST);
	}
	if (d->ifindex != g->ifindex)
		return false;
	if (mcast_family(g) == AF_INET6)
		return memcmp(d->dst, &g->mcast6, 16) == 0;
	return memcmp(d->dst, &g->mcast, 4) == 0;
}
