/*
 * mcast.h - heartbeat sockets: UDP to a multicast group on one interface,
 * sent with TTL 255; the TTL of every received packet is reported so the
 * caller can accept only on-link senders.
 */
#ifndef MCAST_H
#define MCAST_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

/* Open and join for @g. Returns a non-blocking fd, or -1 (logged). */
int mcast_open(const struct conf_group *g);

/* Send one datagram to the group. Returns 0 or -1 (logged by the caller). */
int mcast_send(int fd, const struct conf_group *g, const uint8_t *buf, size_t len);

#define MCAST_NONE  (-1)	/* nothing pending */
#define MCAST_ERROR (-2)	/* errno says why */

/*
 * Receive one datagram. Returns its full length (which may exceed @len: the
 * rest was cut), MCAST_NONE or MCAST_ERROR. @ttl is the received IP TTL,
 * -1 if the kernel did not say.
 */
ssize_t mcast_recv(int fd, uint8_t *buf, size_t len, struct sockaddr_in *from, int *ttl);

#endif
