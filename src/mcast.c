/*
 * mcast.c - heartbeat sockets: join the group's multicast address on its
 * interface, IPv4 or IPv6, send with TTL (hop limit) 255, report the TTL
 * (hop limit) of what arrives.
 *
 * TTL 255 on send and the check on receipt (GTSM, RFC 5082) mean a packet
 * that crossed a router cannot pass: only on-link senders can steer the
 * election, whatever they know of the key. IPv6 heartbeats go to a group of
 * link-local scope (ff02::/16, checked by conf.c), which no router forwards
 * in the first place; the hop-limit check holds for them all the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "mcast.h"

static int set_int(int fd, int level, int opt, int val, const char *what, const char *ifname)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) == 0)
		return 0;
	log_err("mcast %s: %s: %s", ifname, what, strerror(errno));
	return -1;
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

/*
 * IPv4 unicast (peers = [...]): bound to the port on any address of the
 * interface; no group to join. TTL 255 as for multicast.
 */
static int mcast_open4_unicast(int fd, const struct conf_group *g)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(g->port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	const char *ifn = g->interface;

	if (set_int(fd, IPPROTO_IP, IP_TTL, 255, "IP_TTL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL", ifn) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("mcast %s: bind *:%u: %s", ifn, g->port, strerror(errno));
		return -1;
	}
	return 0;
}

/* IPv4: options, bind to the group, multicast interface, join. */
static int mcast_open4(int fd, const struct conf_group *g)
{
	if (g->n_peers > 0)
		return mcast_open4_unicast(fd, g);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(g->port),
				  .sin_addr = g->mcast };
	struct ip_mreqn mr = { .imr_multiaddr = g->mcast, .imr_ifindex = (int)g->ifindex };
	const char *ifn = g->interface;
	char grp[INET6_ADDRSTRLEN];

	mcast_group_text(g, grp, sizeof(grp));
	if (set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_TTL, 255, "IP_TTL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL", ifn) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("mcast %s: bind %s:%u: %s", ifn, grp, g->port, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0) {
		log_err("mcast %s: IP_MULTICAST_IF: %s", ifn, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		log_err("mcast %s: join %s: %s", ifn, grp, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * IPv6: the same with the hop limit. The group is link-local, so the bind
 * address carries the interface as its scope; IPV6_RECVHOPLIMIT makes each
 * datagram report the hop limit it arrived with.
 */
static int mcast_open6(int fd, const struct conf_group *g)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(g->port),
				   .sin6_addr = g->mcast6, .sin6_scope_id = g->ifindex };
	struct ipv6_mreq mr = { .ipv6mr_multiaddr = g->mcast6, .ipv6mr_interface = g->ifindex };
	const char *ifn = g->interface;
	char grp[INET6_ADDRSTRLEN];

	mcast_group_text(g, grp, sizeof(grp));
	/*
	 * Only this group's datagrams: the bind address filters already; this
	 * also keeps out other groups joined on the host. Linux 4.20 and later.
	 */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &(int){ 0 }, sizeof(int)) < 0 &&
	    errno != ENOPROTOOPT) {
		log_err("mcast %s: IPV6_MULTICAST_ALL: %s", ifn, strerror(errno));
		return -1;
	}
	if (set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY", ifn) < 0 ||
	    set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS", ifn) < 0 ||
	    set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS", ifn) < 0 ||
	    set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP", ifn) < 0 ||
	    set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT", ifn) < 0 ||
	    set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)g->ifindex, "IPV6_MULTICAST_IF",
		    ifn) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("mcast %s: bind [%s%%%s]:%u: %s", ifn, grp, ifn, g->port, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0) {
		log_err("mcast %s: join %s: %s", ifn, grp, strerror(errno));
		return -1;
	}
	return 0;
}

int mcast_open(const struct conf_group *g)
{
	const char *ifn = g->interface;
	int fd;

	fd = socket(g->mcast_family == AF_INET6 && g->n_peers == 0 ? AF_INET6 : AF_INET,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("mcast %s: socket: %s", ifn, strerror(errno));
		return -1;
	}
	/* Another daemon (a test's second node, a restart) may hold the same address and port. */
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", ifn) < 0)
		goto fail;
	/* Heartbeats of this interface only, whatever the routing table says. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn, (socklen_t)strlen(ifn)) < 0) {
		log_err("mcast %s: SO_BINDTODEVICE: %s", ifn, strerror(errno));
		goto fail;
	}
	if ((g->mcast_family == AF_INET6 && g->n_peers == 0 ? mcast_open6(fd, g)
							      : mcast_open4(fd, g)) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

int mcast_send(int fd, const struct conf_group *g, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa4 = { .sin_family = AF_INET, .sin_port = htons(g->port),
				   .sin_addr = g->mcast };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(g->port),
				    .sin6_addr = g->mcast6, .sin6_scope_id = g->ifindex };
	ssize_t n;

	if (g->n_peers > 0) {
		/* Unicast: one copy per peer; it counts as sent if any went out. */
		int sent = 0;

		for (size_t i = 0; i < g->n_peers; i++) {
			sa4.sin_addr = g->peers[i];
			sent += sendto(fd, buf, len, 0, (struct sockaddr *)&sa4, sizeof(sa4)) ==
				(ssize_t)len;
		}
		return sent > 0 ? 0 : -1;
	}
	if (g->mcast_family == AF_INET6)
		n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa6, sizeof(sa6));
	else
		n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa4, sizeof(sa4));
	return n == (ssize_t)len ? 0 : -1;
}

ssize_t mcast_recv(int fd, uint8_t *buf, size_t len, struct sockaddr_storage *from, int *ttl)
{
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = from, .msg_namelen = sizeof(*from),
			      .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	*ttl = -1;
	memset(from, 0, sizeof(*from));
	n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? MCAST_NONE
										 : MCAST_ERROR;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
	return n;
}
