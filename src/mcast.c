/*
 * mcast.c - heartbeat sockets: join the group's multicast address on its
 * interface, send with TTL 255, report the TTL of what arrives.
 *
 * TTL 255 on send and the check on receipt (GTSM, RFC 5082) mean a packet
 * that crossed a router cannot pass: only on-link senders can steer the
 * election, whatever they know of the key.
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

int mcast_open(const struct conf_group *g)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(g->port),
				  .sin_addr = g->mcast };
	struct ip_mreqn mr = { .imr_multiaddr = g->mcast, .imr_ifindex = (int)g->ifindex };
	const char *ifn = g->interface;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("mcast %s: socket: %s", ifn, strerror(errno));
		return -1;
	}
	/* Several groups may share one address and port: each filters by id. */
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_TTL, 255, "IP_TTL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL", ifn) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL", ifn) < 0)
		goto fail;
	/* Heartbeats of this interface only, whatever the routing table says. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn, (socklen_t)strlen(ifn)) < 0) {
		log_err("mcast %s: SO_BINDTODEVICE: %s", ifn, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("mcast %s: bind %s:%u: %s", ifn, inet_ntoa(g->mcast), g->port,
			strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0) {
		log_err("mcast %s: IP_MULTICAST_IF: %s", ifn, strerror(errno));
		goto fail;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		log_err("mcast %s: join %s: %s", ifn, inet_ntoa(g->mcast), strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int mcast_send(int fd, const struct conf_group *g, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(g->port),
				  .sin_addr = g->mcast };
	ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));

	return n == (ssize_t)len ? 0 : -1;
}

ssize_t mcast_recv(int fd, uint8_t *buf, size_t len, struct sockaddr_in *from, int *ttl)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = from, .msg_namelen = sizeof(*from),
			      .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	*ttl = -1;
	n = recvmsg(fd, &msg, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? MCAST_NONE
										 : MCAST_ERROR;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
	return n;
}
