/*
 * nlmon.h - the kernel's link and address events (rtnetlink multicast),
 * read from the event loop. What vipd knows of the kernel's state between
 * dumps comes from here.
 */
#ifndef NLMON_H
#define NLMON_H

#include <net/if.h>
#include <stdbool.h>

#include "nl.h"

struct nlmon;

#define NLMON_RESYNC 1 /* events were lost (ENOBUFS): dump again */

struct nlmon_ops {
	/*
	 * A link appeared or changed (@gone false), or was deleted. @up is
	 * IFF_UP and IFF_RUNNING (carrier); @name is its current name.
	 */
	void (*link)(void *ctx, unsigned ifindex, const char *name, bool up, bool gone);
	/* An address was added or removed (@a->added says which). */
	void (*addr)(void *ctx, const struct nl_ifaddr *a);
	void *ctx;
};

/* Subscribe to links and IPv4/IPv6 addresses. NULL (logged) on failure. */
struct nlmon *nlmon_open(void);
int nlmon_fd(const struct nlmon *m); /* non-blocking, for an ev_io */

/*
 * Read the pending events (a bounded number of batches) and call @ops for
 * each. Only messages from the kernel (port id 0) are believed. Returns 0,
 * NLMON_RESYNC when the kernel dropped events, -1 (logged) on any other error.
 */
int nlmon_read(struct nlmon *m, const struct nlmon_ops *ops);
void nlmon_free(struct nlmon *m); /* NULL is a no-op */

#endif
