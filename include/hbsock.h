/*
 * hbsock.h - heartbeat sockets shared between groups.
 *
 * Every group whose heartbeats use the same UDP port and address family
 * shares one socket, whatever its multicast address or interface: the port
 * is then vipd's alone (see mcast.c). The kernel delivers each datagram
 * once, and it goes to the group whose interface, destination address and
 * id it carries. (One socket per group would make every group read,
 * authenticate-check and count every other group's heartbeats: 64 groups
 * on one address cost 64 x 64 reads per interval.)
 */
#ifndef HBSOCK_H
#define HBSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"

struct ev_loop;
struct hbsock_tab; /* the daemon's open heartbeat sockets */
struct hbsock;	   /* one socket and the groups on it */

/*
 * A datagram for a member: @len bytes (more than were read when cut),
 * arrived at @at_ms (clock_now_ms() time, the kernel's stamp: datagrams
 * read in one batch, or stepped one after the other, keep the times they
 * came at) with TTL / hop limit @ttl (-1 unknown) from @from. @foreign is
 * true when it carries a group id that no member of its interface and
 * destination has; such a datagram, and one too broken to carry an id at
 * all, goes to every member of that interface and destination.
 * @fn must not leave the socket (hbsock_leave) while it runs.
 */
typedef void (*hbsock_rx_fn)(void *member, const uint8_t *buf, size_t len, uint64_t at_ms, int ttl,
			     const struct sockaddr_storage *from, bool foreign);

struct proto_pkt;

/*
 * What a member is given of the datagrams on the socket: @rx every version
 * 2 packet and anything too broken to name a group; the rest for bundles
 * (version 3), whose one HMAC hbsock checks for all the groups in them.
 * @admit makes a member's checks that need no key (TTL, a listed source)
 * and returns the key that @key_id names, or NULL (counted by the member);
 * @deliver hands over a verified, decoded record (arrived at @at_ms, as
 * for @rx); @reject says why a
 * bundle with a record for the member was dropped (enum proto_err).
 */
struct hbsock_ops {
	hbsock_rx_fn rx;
	const struct proto_key *(*admit)(void *member, int ttl, const struct sockaddr_storage *from,
					 uint32_t key_id);
	void (*deliver)(void *member, const struct proto_pkt *p, uint64_t at_ms,
			const struct sockaddr_storage *from);
	void (*reject)(void *member, int err, const struct sockaddr_storage *from);
};

/* An empty table on @loop; NULL (logged) when out of memory. */
struct hbsock_tab *hbsock_tab_new(struct ev_loop *loop);

/* Close every socket and free the table; every member must have left. NULL is a no-op. */
void hbsock_tab_free(struct hbsock_tab *t);

/*
 * Add group @cg (with @member, whose datagrams go to @ops) to the socket for
 * its heartbeat transport, opening and joining it for the first member.
 * Returns the socket, or NULL (logged) on failure.
 */
struct hbsock *hbsock_join(struct hbsock_tab *t, const struct conf_group *cg,
			   const struct hbsock_ops *ops, void *member);

/*
 * Open the socket of @cg's port and family now, without joining anything,
 * so that the port is vipd's from the start even while the group's
 * interface is missing. 0, or -1 (logged: "UDP port 5800 (IPv4) is in use
 * by another program").
 */
int hbsock_reserve(struct hbsock_tab *t, const struct conf_group *cg);

/* Close the sockets no group uses (after a reload removed their ports). */
void hbsock_prune(struct hbsock_tab *t);

/*
 * Remove @member; the socket stays open, unread, when it was the last (see
 * hbsock_prune). NULL is a no-op.
 */
void hbsock_leave(struct hbsock *s, void *member);

/* Send one datagram for @cg on the shared socket. 0, or -1 with errno. */
int hbsock_send(struct hbsock *s, const struct conf_group *cg, const uint8_t *buf, size_t len);

/* The loop @s runs on, and the list of its send bundles (hbbundle.c's to keep). */
struct ev_loop *hbsock_loop(const struct hbsock *s);
struct hbbundle **hbsock_bundles(struct hbsock *s);

/* How many groups (paths) use @s. */
size_t hbsock_members(const struct hbsock *s);

/* What a socket counted; every counter is for the socket, shared by its groups. */
struct hbsock_stats {
	uint64_t rx;	       /* datagrams read */
	uint64_t unmatched;    /* for no member's interface and address */
	uint64_t bundles;      /* of them bundles (several groups, one HMAC) */
	uint64_t kernel_drops; /* SO_RXQ_OVFL: dropped by the kernel, buffer full */
	int rcvbuf_bytes;      /* SO_RCVBUF as the kernel reports it */
	int rcvbuf_asked;      /* what was asked for, bytes */
};

/* @s's counters; all zero for NULL. */
struct hbsock_stats hbsock_stats(const struct hbsock *s);

#endif
