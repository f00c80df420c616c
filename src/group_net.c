/*
 * group_net.c - where a group's heartbeats go out and its VIPs live: the
 * send path (through the group's send bundle), the group's timer (in step
 * with its bundle mates), the heartbeat sockets of its one or two paths,
 * the interfaces followed by name, the vmac.
 */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "group_int.h"
#include "hbbundle.h"
#include "mcast.h"

/* A heartbeat went out (@err 0) or not: errno, or a negative enum proto_err. */
static void sent(struct group *g, int err)
{
	if (err) {
		g->st.tx_err++;
		log_rl(&g->rl[GROUP_LOG_SEND], LOG_WARNING, "group %u: send heartbeat: %s",
		       g->cg->id, err < 0 ? proto_strerror(err) : strerror(err));
		return;
	}
	g->st.tx++;
}

static void bundle_sent(void *member, int err)
{
	sent(member, err);
}

/* The bundle's phase came: the periodic send is due, stamped with the tick's time. */
static void bundle_tick(void *member, uint64_t now_ms, uint64_t due_ms)
{
	struct fsm_input in = { .ev = FSM_EV_TIMER, .send_due_ms = due_ms };

	group_step_at(member, &in, NULL, now_ms);
}

static void timer_set(struct group *g, uint64_t due_ms, uint64_t at_ms)
{
	ev_timer_stop(g->loop, &g->timer);
	g->timer_due_ms = due_ms;
	g->timer_at_ms = at_ms;
	ev_now_update(g->loop);
	ev_timer_set(&g->timer, clock_until_s(at_ms), 0.0);
	ev_timer_start(g->loop, &g->timer);
}

/*
 * How late a group's timer may fire to go with a mate's: HBBUNDLE_ALIGN_MS,
 * but less than its claim probe's window, whose verdict a step more than a
 * window late does not trust (fsm_probe.c: it would ask again, each time).
 */
static uint64_t slack_ms(const struct group *g)
{
	uint32_t probe = g->cg->claim_probe_ms;

	return probe && probe <= HBBUNDLE_ALIGN_MS ? probe - 1 : HBBUNDLE_ALIGN_MS;
}

/*
 * Bundle mates time out together. Their heartbeats came in one datagram, or
 * in a few read a turn of the loop apart, so their deadlines lie a ms or
 * two apart, and each timer would fire in a turn of its own: 64 groups'
 * claims in several netlink batches, the last VIP many ms after the first.
 * A timer due within HBBUNDLE_ALIGN_MS (slack_ms) before a mate's fires
 * with it instead, in one turn, and their claims reach the kernel in one batch
 * (vipset.c). No deadline is taken early, none more than that much late.
 * Returns when @g's timer, due at @due_ms, is to fire.
 */
static uint64_t coalesce(struct group *g, uint64_t due_ms)
{
	size_t n = hbbundle_members(g->bundle);
	uint64_t at = due_ms;

	for (size_t i = 0; i < n; i++) {
		const struct group *o = hbbundle_member(g->bundle, i);

		if (o != g && ev_is_active(&o->timer) && o->timer_at_ms > at &&
		    o->timer_at_ms <= due_ms + slack_ms(g))
			at = o->timer_at_ms;
	}
	for (size_t i = 0; i < n; i++) {
		struct group *o = hbbundle_member(g->bundle, i);

		if (o != g && ev_is_active(&o->timer) && o->timer_at_ms < at &&
		    o->timer_due_ms + slack_ms(o) >= at)
			timer_set(o, o->timer_due_ms, at);
	}
	return at;
}

void group_arm(struct group *g, uint64_t deadline_ms)
{
	ev_timer_stop(g->loop, &g->timer);
	g->timer_due_ms = g->timer_at_ms = 0;
	/* The periodic send is the bundle's to time, in phase with the others. */
	if (g->bundle)
		hbbundle_due(g->bundle, g,
			     deadline_ms == g->fsm.next_send_ms && deadline_ms != UINT64_MAX
				     ? deadline_ms
				     : 0);
	if (deadline_ms == UINT64_MAX || (g->bundle && deadline_ms == g->fsm.next_send_ms))
		return;
	timer_set(g, deadline_ms, g->bundle ? coalesce(g, deadline_ms) : deadline_ms);
}

/*
 * Heartbeats leave through the group's send bundle (hbbundle.h): with the
 * other groups' records of this turn of the loop, in one datagram. Without
 * one (out of memory) the group sends its own.
 */
void group_send(struct group *g, const struct proto_pkt *p)
{
	uint8_t buf[PROTO_LEN];
	int n;

	if (!g->hb)
		return; /* the interface is missing: FAULT, nowhere to send */
	if (g->bundle) {
		hbbundle_put(g->bundle, g, p);
		return;
	}
	n = proto_encode(p, &g->cg->hkey, buf, sizeof(buf));

	/* Every heartbeat goes out on every path; one that works is enough. */
	if (n >= 0 && g->hb2)
		hbsock_send(g->hb2, &g->cg2, buf, (size_t)n);
	sent(g, n < 0 ? n : hbsock_send(g->hb, g->cg, buf, (size_t)n) < 0 ? errno : 0);
}

/* The group's send bundle, joined again whenever a path, the key or the interval changes. */
void group_bundle_rejoin(struct group *g)
{
	hbbundle_leave(g->bundle, g);
	g->bundle = g->hb ? hbbundle_join(g->hb, g->cg, g->hb2, g->hb2 ? &g->cg2 : NULL,
					  bundle_tick, bundle_sent, g)
			  : NULL;
}

/*
 * The vmac: create the macvlan (down), and make the parent interface stop
 * answering ARP for addresses that are not its own (arp_ignore 1) and stop
 * asking with them as the source (arp_announce 2). Without both, the parent
 * answers for the VIPs with its own MAC, or teaches the LAN that MAC while
 * it resolves a host to reply from a VIP, and hosts stop using the virtual
 * MAC. Both are raised only, never lowered, and left set at exit. Copies of
 * the VIPs on the parent are the reconciler's business (they do not belong).
 */
static int vmac_start(struct group *g)
{
	const struct conf_group *cg = g->cg;
	char was[64];
	int idx;

	switch (nl_arp_raise(g->nl, cg->ifindex, 1, 2, was, sizeof(was))) {
	case -1:
		return -1;
	case 1:
		log_notice("group %u: vmac: %s now has arp_ignore >= 1, arp_announce >= 2 (was %s)",
			   cg->id, cg->interface, was);
		break;
	}
	idx = nl_vmac_create(g->nl, cg->ifindex, cg->vmac_ifname, cg->vmac_mac);
	if (idx < 0)
		return -1;
	g->vip_ifindex = (unsigned)idx;
	log_info("group %u: vmac %s (%02x:%02x:%02x:%02x:%02x:%02x) on %s, down until master",
		 cg->id, cg->vmac_ifname, cg->vmac_mac[0], cg->vmac_mac[1], cg->vmac_mac[2],
		 cg->vmac_mac[3], cg->vmac_mac[4], cg->vmac_mac[5], cg->interface);
	return 0;
}

/* The copy of the group's settings that path 2's socket is keyed by. */
void group_path2_conf(struct group *g)
{
	g->cg2 = g->conf;
	snprintf(g->cg2.interface, sizeof(g->cg2.interface), "%s", g->conf.interface2);
	g->cg2.ifindex = g->conf.ifindex2;
	g->cg2.n_peers = 0;
}

/*
 * Everything bound to the interface's index: the heartbeat socket, the
 * vmac, where the VIPs go. Returns 0, or -1 (logged) with nothing bound;
 * the group then counts as having no interface until the next link event.
 */
int group_iface_bind(struct group *g)
{
	uint8_t mac[6];
	bool up = false;

	g->hb = hbsock_join(g->hbt, g->cg, &group_rx_ops, &g->path[0]);
	if (!g->hb)
		return -1;
	g->vip_ifindex = g->cg->ifindex;
	if (g->cg->vmac && vmac_start(g) < 0) {
		hbsock_leave(g->hb, &g->path[0]);
		g->hb = NULL;
		g->vip_ifindex = 0;
		return -1;
	}
	/* Announcements leave from where the VIPs live: the vmac's frames carry its MAC. */
	vipset_attach(&g->vs, g->vip_ifindex);
	g->link_up = nl_link_info(g->nl, g->cg->ifindex, mac, &up) == 0 && up;
	group_bundle_rejoin(g);
	return 0;
}

void group_iface_unbind(struct group *g)
{
	claim_close(&g->claim);
	vipset_attach(&g->vs, 0);
	hbbundle_leave(g->bundle, g);
	g->bundle = NULL;
	hbsock_leave(g->hb, &g->path[0]);
	g->hb = NULL;
	if (g->cg->vmac && g->vip_ifindex && g->vip_ifindex != g->cg->ifindex &&
	    nl_vmac_delete(g->nl, g->cg->ifindex, g->cg->vmac_ifname) == 0)
		log_info("group %u: removed %s", g->cg->id, g->cg->vmac_ifname);
	g->vip_ifindex = 0;
}

void group_iface(struct group *g, unsigned ifindex)
{
	if (g->exited || ifindex == g->conf.ifindex)
		return;
	if (g->conf.ifindex)
		group_iface_unbind(g);
	g->conf.ifindex = ifindex;
	g->link_up = false;
	if (ifindex && group_iface_bind(g) < 0)
		g->conf.ifindex = 0;
	if (g->conf.ifindex)
		log_notice("group %u: interface %s is there (index %u)%s", g->cg->id,
			   g->cg->interface, ifindex, g->link_up ? "" : ", no carrier yet");
	else
		log_warnx("group %u: interface %s missing: FAULT until it is there", g->cg->id,
			  g->cg->interface);
	group_health_update(g);
}

void group_vmac_lost(struct group *g)
{
	if (g->exited || !g->cg->vmac || !g->conf.ifindex)
		return;
	log_warnx("group %u: %s was deleted by another program: creating it again", g->cg->id,
		  g->cg->vmac_ifname);
	vipset_attach(&g->vs, 0);
	g->vip_ifindex = 0;
	if (vmac_start(g) < 0) {
		/* Nowhere to put the VIPs: as good as no interface; a later link event retries. */
		group_iface_unbind(g);
		g->conf.ifindex = 0;
		group_health_update(g);
		return;
	}
	vipset_attach(&g->vs, g->vip_ifindex);
}

void group_iface2(struct group *g, unsigned ifindex)
{
	if (g->exited || !g->conf.interface2[0] || ifindex == g->conf.ifindex2)
		return;
	hbsock_leave(g->hb2, &g->path[1]);
	g->hb2 = NULL;
	g->conf.ifindex2 = ifindex;
	group_path2_conf(g);
	if (ifindex)
		g->hb2 = hbsock_join(g->hbt, &g->cg2, &group_rx_ops, &g->path[1]);
	group_bundle_rejoin(g);
	log_notice("group %u: second path %s %s", g->cg->id, g->conf.interface2,
		   g->hb2 ? "is there" : "missing");
}
