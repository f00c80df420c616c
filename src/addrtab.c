/*
 * addrtab.c - the observed addresses and the reconciler's decision (see
 * addrtab.h). Pure: no I/O, no clock, no logging.
 *
 * Cost: a lookup is a scan of the table, which holds only copies of the
 * configured VIPs (a handful, at most a few per VIP); a diff is
 * O(VIPs x table).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addrtab.h"

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool entry_is(const struct addrtab_entry *e, unsigned ifindex, int family,
		     const uint8_t *addr, uint8_t prefix_len)
{
	return e->ifindex == ifindex && e->family == family && e->prefix_len == prefix_len &&
	       memcmp(e->addr, addr, alen(family)) == 0;
}

static void remove_at(struct addrtab *t, size_t i)
{
	struct addrtab_entry *g = &t->gone[t->n_gone++ % ADDRTAB_GONE_RING];

	*g = t->e[i];
	g->gen = t->gen;
	t->e[i] = t->e[t->n - 1];
	t->n--;
}

int addrtab_set(struct addrtab *t, unsigned ifindex, int family, const uint8_t *addr,
		uint8_t prefix_len, bool present)
{
	struct addrtab_entry *e;

	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (t->filter && !t->filter(t->filter_ctx, family, addr))
		return 0;
	t->gen++;
	for (size_t i = 0; i < t->n; i++) {
		if (!entry_is(&t->e[i], ifindex, family, addr, prefix_len))
			continue;
		/* An update of an address already there is no new appearance: gen stays. */
		if (!present)
			remove_at(t, i);
		return 0;
	}
	if (!present)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		e = realloc(t->e, cap * sizeof(*e));
		if (!e)
			return ADDRTAB_E_NOMEM;
		t->e = e;
		t->cap = cap;
	}
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->ifindex = ifindex;
	e->family = (uint8_t)family;
	e->prefix_len = prefix_len;
	memcpy(e->addr, addr, alen(family));
	e->gen = t->gen;
	return 0;
}

void addrtab_drop_ifindex(struct addrtab *t, unsigned ifindex)
{
	t->gen++;
	for (size_t i = t->n; i-- > 0;)
		if (t->e[i].ifindex == ifindex)
			remove_at(t, i);
	t->forgot_gen = t->gen;
}

void addrtab_clear(struct addrtab *t)
{
	t->n = 0;
	t->gen++;
	t->forgot_gen = t->gen;
}

bool addrtab_removed_since(const struct addrtab *t, unsigned ifindex, const struct conf_vip *vip,
			   uint64_t since)
{
	uint64_t k = t->n_gone, oldest = k > ADDRTAB_GONE_RING ? k - ADDRTAB_GONE_RING : 0;

	if (t->forgot_gen > since)
		return true;
	if (oldest > 0 && t->gone[oldest % ADDRTAB_GONE_RING].gen > since)
		return true; /* removals since then fell out of the ring */
	while (k-- > oldest) {
		const struct addrtab_entry *g = &t->gone[k % ADDRTAB_GONE_RING];

		if (g->gen <= since)
			break; /* the ring is in gen order: older ones are older still */
		if (entry_is(g, ifindex, vip->family, vip->addr, vip->prefix_len))
			return true;
	}
	return false;
}

void addrtab_free(struct addrtab *t)
{
	free(t->e);
	t->e = NULL;
	t->n = t->cap = 0;
}

bool addrtab_same_addr(const struct addrtab_entry *a, const struct conf_vip *vip)
{
	return a->family == vip->family && memcmp(a->addr, vip->addr, alen(vip->family)) == 0;
}

const struct addrtab_entry *addrtab_find(const struct addrtab *t, unsigned ifindex,
					 const struct conf_vip *vip)
{
	for (size_t i = 0; i < t->n; i++)
		if (entry_is(&t->e[i], ifindex, vip->family, vip->addr, vip->prefix_len))
			return &t->e[i];
	return NULL;
}

void addrtab_diff(const struct addrtab *t, const struct conf_vip *vips, size_t n_vips,
		  unsigned ifindex, bool want, struct addrtab_diff *d)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < n_vips && i < 32; i++) {
		const struct conf_vip *v = &vips[i];
		bool here = false;

		for (size_t k = 0; k < t->n; k++) {
			const struct addrtab_entry *e = &t->e[k];

			if (!addrtab_same_addr(e, v))
				continue;
			/* The one copy that belongs: the configured prefix on the VIP interface. */
			if (want && ifindex && e->ifindex == ifindex &&
			    e->prefix_len == v->prefix_len) {
				here = true;
				continue;
			}
			if (d->n_del == ADDRTAB_DIFF_MAX) {
				d->more = true;
				continue;
			}
			d->del_vip[d->n_del] = (uint16_t)i;
			d->del[d->n_del++] = *e;
		}
		if (here)
			d->present |= 1u << i;
		else if (want && ifindex)
			d->add |= 1u << i;
	}
}
