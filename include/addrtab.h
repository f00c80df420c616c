/*
 * addrtab.h - the kernel's addresses as last observed (pure: no I/O).
 *
 * The daemon keeps one table, filled by an address dump at start (and after
 * lost events) and kept current by netlink address events. It holds only
 * the addresses the caller's filter accepts (the configured VIPs, whatever
 * their prefix or interface), so it stays small on hosts with many.
 *
 * addrtab_diff() is the reconciler's decision: given where a group's VIPs
 * should be (or that they should be nowhere), what to add and what to
 * remove. The glue (vipset.c) carries it out.
 */
#ifndef ADDRTAB_H
#define ADDRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct addrtab_entry {
	unsigned ifindex;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix_len;
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
	uint64_t gen;	  /* addrtab.gen when it was (last) observed added */
};

/* Whether an address belongs in the table (the caller's VIPs). */
typedef bool (*addrtab_filter_fn)(void *ctx, int family, const uint8_t *addr);

#define ADDRTAB_GONE_RING 64 /* the last removals remembered, for addrtab_removed_since() */

struct addrtab {
	struct addrtab_entry *e; /* owned, n of cap used */
	size_t n, cap;
	uint64_t gen;				      /* bumped by every change */
	struct addrtab_entry gone[ADDRTAB_GONE_RING]; /* removed entries, gen = at removal */
	uint64_t n_gone;			      /* removals ever; the ring holds the last */
	uint64_t forgot_gen;			      /* gen of the last clear or interface drop */
	addrtab_filter_fn filter;		      /* NULL: keep everything */
	void *filter_ctx;
};

#define ADDRTAB_E_NOMEM (-1)

/*
 * Record that the kernel added (@present) or removed an address. Entries
 * are keyed by (ifindex, family, address, prefix). Returns 0, or
 * ADDRTAB_E_NOMEM (the table is then incomplete: dump again).
 */
int addrtab_set(struct addrtab *t, unsigned ifindex, int family, const uint8_t *addr,
		uint8_t prefix_len, bool present);

/* An interface went away: forget its addresses. */
void addrtab_drop_ifindex(struct addrtab *t, unsigned ifindex);

/* Forget everything (before a new dump). */
void addrtab_clear(struct addrtab *t);
void addrtab_free(struct addrtab *t);

/* The entry for exactly @vip on @ifindex, or NULL. */
const struct addrtab_entry *addrtab_find(const struct addrtab *t, unsigned ifindex,
					 const struct conf_vip *vip);

/*
 * True if exactly @vip (its address and prefix) on @ifindex was removed
 * after generation @since (an add seen, then undone: `ip addr flush`
 * deleting what the reconciler asked for, both events read at once). Also
 * true when the table cannot tell: it was cleared or lost an interface
 * since, or more removals came since than it remembers.
 */
bool addrtab_removed_since(const struct addrtab *t, unsigned ifindex, const struct conf_vip *vip,
			   uint64_t since);

/* True if @a and @vip are the same address (any prefix). */
bool addrtab_same_addr(const struct addrtab_entry *a, const struct conf_vip *vip);

#define ADDRTAB_DIFF_MAX 32 /* removals per diff; the rest wait for the next pass */

/*
 * What one group must change. @want: the VIPs belong on @ifindex (0 when
 * that interface is missing: nothing can be added). Every other copy of a
 * VIP's address (another prefix, another interface, or any copy when not
 * wanted) is to be removed.
 */
struct addrtab_diff {
	uint32_t present; /* bit i: vips[i] is where it belongs */
	uint32_t add;	  /* bit i: vips[i] must be added */
	struct addrtab_entry del[ADDRTAB_DIFF_MAX];
	size_t n_del;
	uint16_t del_vip[ADDRTAB_DIFF_MAX]; /* which VIP each removal is a copy of */
	bool more;			    /* removals beyond ADDRTAB_DIFF_MAX remain */
};

void addrtab_diff(const struct addrtab *t, const struct conf_vip *vips, size_t n_vips,
		  unsigned ifindex, bool want, struct addrtab_diff *d);

#endif
