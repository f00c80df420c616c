/*
 * mcast.h - heartbeat sockets: UDP to a multicast group on one interface,
 * IPv4 or IPv6 (the group's conf says which), sent with TTL / hop limit 255;
 * the TTL or hop limit of every received packet is reported so the caller
 * can accept only on-link senders.
 */
#ifndef MCAST_H
#define MCAST_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conf.h"

/*
 * Open a socket for @g's heartbeats (its family, group, port, interface) and
 * join the group. Returns a non-blocking fd, or -1 (logged).
 */
int mcast_open(const struct conf_group *g);

/* Send one datagram to the group. Returns 0 or -1 (logged by the caller). */
int mcast_send(int fd, const struct conf_group *g, const uint8_t *buf, size_t len);

#define MCAST_NONE  (-1)	/* nothing pending */
#define MCAST_ERROR (-2)	/* errno says why */

/*
 * Receive one datagram. Returns its full length (which may exceed @len: the
 * rest was cut), MCAST_NONE or MCAST_ERROR. @from gets the sender (a
 * sockaddr_in or sockaddr_in6); @ttl the IPv4 TTL or IPv6 hop limit it
 * arrived with, -1 if the kernel did not say.
 */
ssize_t mcast_recv(int fd, uint8_t *buf, size_t len, struct sockaddr_storage *from, int *ttl);

/* "192.0.2.1" or "fe80::1": the address of @sa (AF_INET or AF_INET6) into @buf; "" otherwise. */
const char *mcast_addr_text(const struct sockaddr_storage *sa, char *buf, size_t len);

/* "239.255.80.1" or "ff02::1:5800": the group's multicast address into @buf. */
const char *mcast_group_text(const struct conf_group *g, char *buf, size_t len);

#endif
