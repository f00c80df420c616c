/*
 * mcast.h - heartbeat sockets: one UDP socket per port and address family,
 * bound to the wildcard address without SO_REUSEADDR / SO_REUSEPORT, so no
 * other program (an unprivileged user's included) can bind the port beside
 * it or steal its datagrams. Multicast groups are joined per interface on
 * that one socket; every received datagram reports its arrival interface,
 * its destination address, its TTL / hop limit and the socket's drop count,
 * so the caller hands it to the right group and accepts only on-link senders
 * (or listed peers at most peer_hops routers away).
 */
#ifndef MCAST_H
#define MCAST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conf.h"

/*
 * Open the socket for UDP @port of @family (AF_INET or AF_INET6), bound to
 * the wildcard address. Returns a non-blocking fd, or -1 (logged in one
 * line; "UDP port 5800 (IPv4) is in use by another program" when it is).
 */
int mcast_open(int family, uint16_t port);

/*
 * Join @g's multicast group on its interface (nothing for unicast peers),
 * or leave it again. 0, or -1 (logged; leave only logs unexpected errors).
 */
int mcast_join(int fd, const struct conf_group *g);
void mcast_leave(int fd, const struct conf_group *g);

/*
 * Ask for a receive buffer of @bytes (SO_RCVBUFFORCE, which root with
 * CAP_NET_ADMIN may use beyond net.core.rmem_max, else SO_RCVBUF).
 * Returns what the kernel granted (bytes, as SO_RCVBUF reports it), or -1.
 */
int mcast_rcvbuf(int fd, int bytes);

/*
 * Send one datagram to @g's group out of its interface, or to each of its
 * peers the way the routing table says, with TTL (hop limit) 255.
 * Returns 0 or -1 with errno (logged by the caller).
 */
int mcast_send(int fd, const struct conf_group *g, const uint8_t *buf, size_t len);

/* One received datagram and what the kernel said about it. */
struct mcast_dgram {
	uint8_t *buf; /* the caller's buffer, cap bytes */
	size_t cap;
	size_t len;		      /* full length: more than cap when cut */
	struct sockaddr_storage from; /* sockaddr_in or sockaddr_in6 */
	int ttl;		      /* IPv4 TTL or IPv6 hop limit, -1 unknown */
	unsigned ifindex;	      /* arrival interface, 0 unknown */
	uint8_t dst[16];	      /* destination address (4 bytes used for IPv4) */
	bool dst_known;
	bool has_drops;
	uint32_t drops; /* SO_RXQ_OVFL: datagrams the socket dropped so far */
	uint64_t at_ms; /* arrival (clock_now_ms() time): the kernel's stamp, else when read */
};

#define MCAST_NONE  (-1) /* nothing pending */
#define MCAST_ERROR (-2) /* errno says why */

/*
 * Receive up to @n datagrams in one system call (recvmmsg) into @d[0..n-1],
 * whose buf and cap the caller set. Returns how many arrived (> 0),
 * MCAST_NONE or MCAST_ERROR.
 */
int mcast_recv(int fd, struct mcast_dgram *d, unsigned n);

/*
 * Whether @d was sent to @g's group on @g's interface, or, for unicast
 * peers, to one of our unicast addresses (on any interface: a routed
 * peer's heartbeats arrive where the route from it ends).
 */
bool mcast_for(const struct mcast_dgram *d, const struct conf_group *g);

/* "192.0.2.1" or "fe80::1": the address of @sa (AF_INET or AF_INET6) into @buf; "" otherwise. */
const char *mcast_addr_text(const struct sockaddr_storage *sa, char *buf, size_t len);

/* "239.255.80.1" or "ff02::1:5800": the group's multicast address into @buf. */
const char *mcast_group_text(const struct conf_group *g, char *buf, size_t len);

/* "192.0.2.2" or "2001:db8:b::10": a unicast peer's address into @buf. */
const char *mcast_peer_text(const struct conf_peer *p, char *buf, size_t len);

/* The family of @g's heartbeat socket: its unicast peers', else its group's. */
int mcast_family(const struct conf_group *g);

#endif
