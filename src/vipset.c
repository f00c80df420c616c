/*
 * vipset.c - a group's VIPs in the kernel: desired (the election's wish)
 * against observed (addrtab, kept by netlink events), and the requests
 * that close the gap; announcements of the VIPs that are present. See
 * vipset.h for the contract.
 *
 * Who changed what: a wanted VIP that was seen where it belongs and is gone
 * again was removed by someone else (we remove our VIPs only when the wish
 * is "nowhere"). A copy in the table whose generation is newer than the
 * last change of our wish appeared after it, so someone else put it there;
 * an older one is ours, being released. Our own removals are remembered by
 * the entry's generation until their event arrives, so a request in
 * flight is neither repeated nor counted.
 *
 * Cost: a pass is O(VIPs x table) with the table holding only VIP copies;
 * requests are sent only for differences.
 */
#include <arpa/inet.h>
#include <string.h>

#include "clock.h"
#include "vipset.h"

#define DEL_OURS 0x100u /* remove_copy's tag: our own VIP being released */

static void garp_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void add_done(void *ctx, const struct nl_done *d, int err, const char *what);
static void del_done(void *ctx, const struct nl_done *d, int err, const char *what);

/*
 * Requests are queued (nl_addr_add_q, nl_addr_del_q) and sent just before
 * the loop waits again: after a crash, every group that timed out in this
 * iteration has queued its VIPs by then, and they go to the kernel in one
 * sendmsg instead of one round trip each.
 */
static void flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct vipset *vs = w->data;

	(void)revents;
	ev_prepare_stop(loop, w);
	nl_flush(vs->nl);
}

static void queued(struct vipset *vs)
{
	if (!ev_is_active(&vs->flush))
		ev_prepare_start(vs->loop, &vs->flush);
}

void vipset_init(struct vipset *vs, struct ev_loop *loop, struct nl *nl, const struct addrtab *tab,
		 const struct conf_group *cg)
{
	memset(vs, 0, sizeof(*vs));
	vs->loop = loop;
	vs->nl = nl;
	vs->tab = tab;
	vs->cg = cg;
	ev_init(&vs->garp, garp_cb);
	vs->garp.data = vs;
	ev_init(&vs->retry, retry_cb);
	vs->retry.data = vs;
	ev_prepare_init(&vs->flush, flush_cb);
	vs->flush.data = vs;
}

void vipset_free(struct vipset *vs)
{
	if (!vs->loop)
		return;
	ev_timer_stop(vs->loop, &vs->garp);
	ev_timer_stop(vs->loop, &vs->retry);
	/* What this group queued (its VIPs' removal on the way out) goes now, answered here. */
	ev_prepare_stop(vs->loop, &vs->flush);
	nl_flush(vs->nl);
	announce_close(vs->ann);
	vs->ann = NULL;
	vs->ifindex = 0;
}

/* "192.0.2.100/32 on eth0" for an entry of the table. */
static const char *entry_text(const struct addrtab_entry *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];

	if (!inet_ntop(e->family, e->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (!if_indextoname(e->ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "if#%u", e->ifindex);
	snprintf(buf, len, "%s/%u on %s", a, e->prefix_len, ifn);
	return buf;
}

/*
 * One more repair. Many in a short window mean another program keeps
 * undoing what we do. Requests are limited per interval anyway (see
 * fix_allowed()), which keeps the promise "back within one interval" and
 * bounds our cost whatever the other program does; a fight is reported,
 * once, so that the admin finds that program.
 */
static void fight_note(struct vipset *vs, uint64_t now)
{
	if (now - vs->fight_win_ms >= VIPSET_FIGHT_WINDOW_MS) {
		vs->fight_win_ms = now;
		vs->fight_n = 0;
	}
	vs->fight_last_ms = now;
	if (++vs->fight_n <= VIPSET_FIGHT_FIXES || vs->fighting)
		return;
	vs->fighting = true;
	vs->st.fights++;
	log_warnx(
		"group %u: another program keeps changing the VIPs on %s (%u repairs in %u s): "
		"repairing once per interval (%u ms) for as long as it goes on; see vipd.conf(5), "
		"DRIFT",
		vs->cg->id, vs->cg->interface, vs->fight_n, VIPSET_FIGHT_WINDOW_MS / 1000,
		vs->cg->interval_ms);
}

static void fight_check_end(struct vipset *vs, uint64_t now)
{
	if (!vs->fighting || now - vs->fight_last_ms < VIPSET_FIGHT_WINDOW_MS)
		return;
	vs->fighting = false;
	vs->fight_n = 0;
	log_notice("group %u: the VIPs on %s have been left alone for %u s: the fight is over",
		   vs->cg->id, vs->cg->interface, VIPSET_FIGHT_WINDOW_MS / 1000);
}

/* ---- announcements ---- */

/* The source MAC of announcements: the virtual one, or the interface's now. */
static bool burst_mac(struct vipset *vs)
{
	bool up;

	if (vs->cg->vmac) {
		memcpy(vs->mac, vs->cg->vmac_mac, sizeof(vs->mac));
		return true;
	}
	return nl_link_info(vs->nl, vs->ifindex, vs->mac, &up) == 0;
}

static bool vip_present(const struct vipset *vs, size_t i)
{
	return vs->ifindex && addrtab_find(vs->tab, vs->ifindex, &vs->cg->vips[i]) != NULL;
}

/* One round for VIP @i, only if it is really here: never draw traffic into a black hole. */
static void send_round(struct vipset *vs, size_t i)
{
	if (!vs->ann || !vs->want || !vip_present(vs, i))
		return;
	announce_vip(vs->ann, vs->mac, &vs->cg->vips[i]);
	vs->st.announce++;
}

static void garp_arm(struct vipset *vs)
{
	bool any = false;

	for (size_t i = 0; i < vs->cg->n_vips; i++)
		any |= vs->v[i].left > 0;
	if (!any) {
		ev_timer_stop(vs->loop, &vs->garp);
		return;
	}
	if (!ev_is_active(&vs->garp)) {
		double iv = vs->cg->garp_interval_ms / 1000.0;

		ev_timer_set(&vs->garp, iv, iv);
		ev_timer_start(vs->loop, &vs->garp);
	}
}

static void garp_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct vipset *vs = w->data;

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < vs->cg->n_vips; i++) {
		if (vs->v[i].left == 0)
			continue;
		vs->v[i].left--;
		if (!vs->want || !vip_present(vs, i)) {
			vs->v[i].left = 0;
			continue;
		}
		send_round(vs, i);
	}
	garp_arm(vs);
}

/* Start (or extend) a burst of @rounds for VIP @i; the MAC is already known. */
static void burst_one(struct vipset *vs, size_t i, uint32_t rounds)
{
	if (rounds == 0)
		return;
	send_round(vs, i);
	if (vs->v[i].left < rounds - 1)
		vs->v[i].left = rounds - 1;
}

void vipset_announce(struct vipset *vs, uint32_t rounds)
{
	bool mac = false;

	if (!vs->want || !vs->ann)
		return;
	for (size_t i = 0; i < vs->cg->n_vips; i++) {
		if (!vip_present(vs, i))
			continue; /* it gets its burst when it appears */
		if (!mac && !(mac = burst_mac(vs)))
			return;
		burst_one(vs, i, rounds);
	}
	garp_arm(vs);
}

/* ---- reconciliation ---- */

/*
 * May a request for VIP @i go out now? At most VIPSET_BURST per interval:
 * enough to outlast an `ip addr flush`, which deletes again what it finds
 * in each of its up to ten rounds (a VIP we re-added included), and a
 * bound on what a program that keeps deleting can make us do. When the budget is spent, next_fix_ms
 * says when the next window opens.
 */
static bool fix_allowed(struct vipset *vs, size_t i, uint64_t now)
{
	struct vipset_vip *s = &vs->v[i];

	if (now < s->next_fix_ms)
		return false;
	if (now - s->win_ms >= vs->cg->interval_ms) {
		s->win_ms = now;
		s->win_n = 0;
	}
	if (s->win_n >= VIPSET_BURST) {
		s->next_fix_ms = s->win_ms + vs->cg->interval_ms;
		return false;
	}
	s->win_n++;
	return true;
}

static bool deleted_by_us(const struct vipset *vs, uint64_t gen)
{
	for (size_t i = 0; i < VIPSET_DELETED_RING; i++)
		if (vs->deleted[i] == gen)
			return true;
	return false;
}

/* Remove one copy; says why when it is not simply ours being released. */
static void remove_copy(struct vipset *vs, const struct addrtab_entry *e, size_t vi, uint64_t now)
{
	const struct conf_vip *v = &vs->cg->vips[vi];
	struct conf_vip tmp = *v;
	bool ours = !vs->want && e->gen <= vs->want_gen && e->ifindex == vs->ifindex &&
		    e->prefix_len == v->prefix_len;
	struct nl_done done = { .fn = del_done, .ctx = vs };
	char what[96];
	size_t slot;

	if (deleted_by_us(vs, e->gen))
		return; /* asked already; its event is on the way */
	if (!ours && !fix_allowed(vs, vi, now))
		return; /* enough requests this interval: retry_cb comes back */
	tmp.prefix_len = e->prefix_len;
	entry_text(e, what, sizeof(what));
	snprintf(tmp.text, sizeof(tmp.text), "%.*s", (int)sizeof(tmp.text) - 1, what);
	slot = vs->deleted_next++ % VIPSET_DELETED_RING;
	done.tag = (uint32_t)vi | (ours ? DEL_OURS : 0) | (uint32_t)slot << 16;
	done.arg = e->gen;
	if (nl_addr_del_q(vs->nl, e->ifindex, &tmp, &done) < 0) {
		vs->st.nl_err++;
		vs->v[vi].next_fix_ms = now + vs->cg->interval_ms;
		return;
	}
	/* In flight: not asked again while its answer and then its event are on the way. */
	vs->deleted[slot] = e->gen;
	queued(vs);
}

/* The kernel's answer to remove_copy's request (from nl_flush). */
static void del_done(void *ctx, const struct nl_done *d, int err, const char *what)
{
	struct vipset *vs = ctx;
	size_t vi = d->tag & 0xff, slot = d->tag >> 16;
	uint64_t now = clock_now_ms();

	if (err) {
		vs->st.nl_err++;
		vs->v[vi].next_fix_ms = now + vs->cg->interval_ms;
		if (vs->deleted[slot] == d->arg)
			vs->deleted[slot] = 0; /* refused: to be asked again after the spacing */
		return;
	}
	if (d->tag & DEL_OURS)
		return;
	vs->st.removed++;
	fight_note(vs, now);
	log_rl(&vs->rl, LOG_NOTICE, "group %u: removed %s: %s", vs->cg->id, what,
	       vs->want ? "not where this master keeps the VIP"
			: "this node does not hold the VIP");
}

/* VIP @i is wanted and not where it belongs. */
static void add_missing(struct vipset *vs, size_t i, uint64_t now, bool *if_here)
{
	struct vipset_vip *s = &vs->v[i];
	const struct conf_vip *v = &vs->cg->vips[i];
	struct nl_done done = { .fn = add_done, .ctx = vs, .tag = (uint32_t)i };
	char ifname[IF_NAMESIZE];

	if (s->seen) {
		/* It was here, and we did not remove it: someone else did. */
		s->seen = false;
		s->lost = true;
		vs->st.repairs++;
		fight_note(vs, now);
		log_rl(&vs->rl, LOG_WARNING,
		       "group %u: %s was removed from %s by another program: adding it "
		       "back",
		       vs->cg->id, v->text, vs->cg->interface);
	}
	/* Its addresses go first when an interface is deleted: the link event follows. */
	if (!*if_here && !(*if_here = if_indextoname(vs->ifindex, ifname) != NULL))
		return;
	/*
	 * Asked already, and its event not read yet: after a takeover the
	 * events of 256 adds come in one by one, and each makes a reconcile in
	 * which the others still look missing; asking again would cost the
	 * kernel hundreds of idle requests just when the VIPs should go up.
	 * But if the address came and went again since (`ip addr flush`
	 * deletes what we add, and both events are read at once), ask at
	 * once. An event that never comes is asked for an interval later (the
	 * retry timer).
	 */
	if (s->asked && now - s->asked_ms < vs->cg->interval_ms &&
	    !addrtab_removed_since(vs->tab, vs->ifindex, v, s->asked_gen))
		return;
	if (!fix_allowed(vs, i, now))
		return;
	if (nl_addr_add_q(vs->nl, vs->ifindex, vs->cg->label, v, &done) < 0) {
		vs->st.nl_err++;
		s->next_fix_ms = now + vs->cg->interval_ms; /* not again at once */
		return;
	}
	s->asked = true;
	s->asked_ms = now;
	s->asked_gen = vs->tab->gen;
	queued(vs);
}

/* The kernel's answer to add_missing's request (from nl_flush). */
static void add_done(void *ctx, const struct nl_done *d, int err, const char *what)
{
	struct vipset *vs = ctx;

	(void)what;
	if (!err)
		return; /* its address event makes it present */
	vs->v[d->tag].asked = false;
	vs->st.nl_err++;
	vs->v[d->tag].next_fix_ms = clock_now_ms() + vs->cg->interval_ms; /* the kernel said no */
}

/*
 * Arm the retry timer for the earliest repair held back by the spacing
 * (@pending: the kernel still differs), or for the end of a fight. A
 * request whose event never came is asked again then, too.
 */
static void retry_arm(struct vipset *vs, uint64_t now, bool pending)
{
	uint64_t at = UINT64_MAX;

	ev_timer_stop(vs->loop, &vs->retry);
	for (size_t i = 0; pending && i < vs->cg->n_vips; i++)
		if (vs->v[i].next_fix_ms > now && vs->v[i].next_fix_ms < at)
			at = vs->v[i].next_fix_ms;
	if (pending && at == UINT64_MAX)
		at = now + vs->cg->interval_ms;
	if (vs->fighting && vs->fight_last_ms + VIPSET_FIGHT_WINDOW_MS < at)
		at = vs->fight_last_ms + VIPSET_FIGHT_WINDOW_MS;
	if (at == UINT64_MAX)
		return;
	ev_now_update(vs->loop);
	ev_timer_set(&vs->retry, clock_until_s(at), 0.0);
	ev_timer_start(vs->loop, &vs->retry);
}

void vipset_reconcile(struct vipset *vs)
{
	struct addrtab_diff d;
	uint64_t now = clock_now_ms();
	bool mac = false, pending, if_here = false;

	fight_check_end(vs, now);
	addrtab_diff(vs->tab, vs->cg->vips, vs->cg->n_vips, vs->ifindex, vs->want, &d);
	for (size_t k = 0; k < d.n_del; k++)
		remove_copy(vs, &d.del[k], d.del_vip[k], now);
	for (size_t i = 0; i < vs->cg->n_vips; i++) {
		struct vipset_vip *s = &vs->v[i];

		if (d.add & (1u << i)) {
			add_missing(vs, i, now, &if_here);
			continue;
		}
		if (d.present & (1u << i))
			s->asked = false;
		if (!(d.present & (1u << i)) || s->seen)
			continue;
		/* Newly here (added by us, or back): announce it with a full burst. */
		s->seen = true;
		if (s->lost)
			log_notice("group %u: %s is back on %s", vs->cg->id, vs->cg->vips[i].text,
				   vs->cg->interface);
		s->lost = false;
		if (vs->ann && (mac || (mac = burst_mac(vs))))
			burst_one(vs, i, vs->cg->garp_count);
	}
	garp_arm(vs);
	pending = d.more || d.add != 0 || d.n_del > 0;
	retry_arm(vs, now, pending);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	vipset_reconcile(w->data);
}

static void vmac_up(struct vipset *vs, bool up);

int vipset_attach(struct vipset *vs, unsigned ifindex)
{
	int rc = 0;

	if (ifindex == vs->ifindex && (ifindex == 0 || vs->ann))
		return 0;
	announce_close(vs->ann);
	vs->ann = NULL;
	vs->ifindex = ifindex;
	for (size_t i = 0; i < VIPD_MAX_VIPS; i++) {
		vs->v[i].seen = false;
		vs->v[i].left = 0;
		vs->v[i].asked = false;
	}
	if (ifindex) {
		vs->ann = announce_open(ifindex);
		rc = vs->ann ? 0 : -1;
		if (vs->want)
			vmac_up(vs, true); /* a vmac made anew while master */
	}
	vipset_reconcile(vs);
	return rc;
}

/*
 * A vmac group's macvlan is up exactly while its VIPs are on it: both
 * nodes have one with the same MAC, and only one may be on the LAN.
 */
static void vmac_up(struct vipset *vs, bool up)
{
	/* The VIPs' removal first: the macvlan goes down without them. */
	if (vs->cg->vmac && !up)
		nl_flush(vs->nl);
	if (vs->cg->vmac && vs->ifindex && vs->ifindex != vs->cg->ifindex &&
	    nl_link_set_up(vs->nl, vs->ifindex, up) < 0)
		vs->st.nl_err++;
}

void vipset_want(struct vipset *vs, bool want)
{
	if (want == vs->want) {
		vipset_reconcile(vs);
		return;
	}
	vs->want = want;
	vs->want_gen = vs->tab->gen;
	for (size_t i = 0; i < VIPD_MAX_VIPS; i++)
		vs->v[i] = (struct vipset_vip){ 0 };
	if (want)
		vmac_up(vs, true);
	vipset_reconcile(vs);
	if (!want)
		vmac_up(vs, false);
}

void vipset_reconf(struct vipset *vs, const struct conf_vip *old_vips, size_t n_old)
{
	/* A VIP no longer configured: if we held it, it goes (every copy of it). */
	for (size_t i = 0; vs->want && i < n_old; i++) {
		bool kept = false;

		for (size_t k = 0; k < vs->cg->n_vips && !kept; k++)
			kept = vs->cg->vips[k].family == old_vips[i].family &&
			       memcmp(vs->cg->vips[k].addr, old_vips[i].addr, 16) == 0;
		if (!kept && vs->ifindex && nl_addr_del(vs->nl, vs->ifindex, &old_vips[i]) < 0)
			vs->st.nl_err++;
		else if (!kept)
			log_notice("group %u: reload: removed %s", vs->cg->id, old_vips[i].text);
	}
	/* Indices may have moved: what is seen is found again from the table. */
	for (size_t i = 0; i < VIPD_MAX_VIPS; i++)
		vs->v[i] = (struct vipset_vip){ .seen = i < vs->cg->n_vips && vip_present(vs, i) };
	vipset_reconcile(vs);
}

bool vipset_drift(const struct vipset *vs)
{
	struct addrtab_diff d;

	addrtab_diff(vs->tab, vs->cg->vips, vs->cg->n_vips, vs->ifindex, vs->want, &d);
	return d.n_del > 0 || d.add != 0;
}

struct json_object *vipset_status(const struct vipset *vs)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < vs->cg->n_vips; i++) {
		const struct conf_vip *v = &vs->cg->vips[i];
		struct json_object *o = json_object_new_object(), *el = json_object_new_array();
		char what[96];

		for (size_t k = 0; k < vs->tab->n; k++) {
			const struct addrtab_entry *e = &vs->tab->e[k];

			if (!addrtab_same_addr(e, v) ||
			    (e->ifindex == vs->ifindex && e->prefix_len == v->prefix_len))
				continue;
			json_object_array_add(
				el, json_object_new_string(entry_text(e, what, sizeof(what))));
		}
		json_object_object_add(o, "address", json_object_new_string(v->text));
		json_object_object_add(o, "expected", json_object_new_boolean(vs->want));
		json_object_object_add(o, "present", json_object_new_boolean(vip_present(vs, i)));
		json_object_object_add(o, "elsewhere", el);
		json_object_array_add(arr, o);
	}
	return arr;
}
