/*
 * status.c - what `vipctl status` shows of a group: state and reason, VIPs,
 * peer, paths, counters, checks, upstream (see vipctl(8) for the fields).
 * Reads the group; changes nothing.
 */
#include <arpa/inet.h>

#include "digest.h"
#include "group_int.h"
#include "hbbundle.h"
#include "mcast.h"
#include "status.h"

/* The role of @g in its sync set: "leader", "follower", or NULL when it has none. */
const char *status_sync_role(const struct group *g)
{
	if (!g->cg->sync_group[0])
		return NULL;
	return g->cg->sync_leader == g->cg->id ? "leader" : "follower";
}

/* Status: how heartbeats travel, where the VIPs live (vmac), the sync set. */
static void status_layout(const struct group *g, struct json_object *o)
{
	const struct conf_group *cg = g->cg;
	struct json_object *hb = json_object_new_object(), *vm = NULL, *sy = NULL;
	char addr[INET6_ADDRSTRLEN], mac[18];

	json_object_object_add(
		hb, "family",
		json_object_new_string(mcast_family(cg) == AF_INET6 ? "ipv6" : "ipv4"));
	if (cg->n_peers) {
		/* Unicast: the peers take the place of the group. */
		struct json_object *pl = json_object_new_array();

		for (size_t i = 0; i < cg->n_peers; i++)
			json_object_array_add(pl, json_object_new_string(mcast_peer_text(
							  &cg->peers[i], addr, sizeof(addr))));
		json_object_object_add(hb, "unicast", pl);
		json_object_object_add(hb, "peer_hops", json_object_new_int64(cg->peer_hops));
		json_object_object_add(hb, "group", NULL);
	} else {
		json_object_object_add(
			hb, "group",
			json_object_new_string(mcast_group_text(cg, addr, sizeof(addr))));
	}
	json_object_object_add(hb, "port", json_object_new_int(cg->port));
	json_object_object_add(hb, "socket_groups",
			       json_object_new_int64(g->hb ? (int64_t)hbsock_members(g->hb) : 0));
	json_object_object_add(o, "heartbeat", hb);
	if (cg->vmac) {
		uint8_t m[6];
		bool up = false;

		vm = json_object_new_object();
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", cg->vmac_mac[0],
			 cg->vmac_mac[1], cg->vmac_mac[2], cg->vmac_mac[3], cg->vmac_mac[4],
			 cg->vmac_mac[5]);
		json_object_object_add(vm, "interface", json_object_new_string(cg->vmac_ifname));
		json_object_object_add(vm, "mac", json_object_new_string(mac));
		if (g->vip_ifindex && g->vip_ifindex != cg->ifindex &&
		    nl_link_info(g->nl, g->vip_ifindex, m, &up) < 0)
			up = false;
		json_object_object_add(vm, "up", json_object_new_boolean(up));
	}
	json_object_object_add(o, "vmac", vm);
	if (status_sync_role(g)) {
		sy = json_object_new_object();
		json_object_object_add(sy, "name", json_object_new_string(cg->sync_group));
		json_object_object_add(sy, "role", json_object_new_string(status_sync_role(g)));
		json_object_object_add(sy, "leader", json_object_new_int64(cg->sync_leader));
		json_object_object_add(sy, "blocked", json_object_new_boolean(g->sync_blocked));
	}
	json_object_object_add(o, "sync", sy);
}

static double loss_pct(const struct fsm_peer *p)
{
	uint64_t expected;

	if (p->rx == 0 || p->seq < p->seq_first)
		return 0.0;
	expected = p->seq - p->seq_first + 1;
	return expected > p->rx ? 100.0 * (double)(expected - p->rx) / (double)expected : 0.0;
}

/* The peer as last heard, or NULL when none was ever heard. */
static struct json_object *status_peer(const struct group *g, uint64_t now)
{
	const struct fsm_peer *p = &g->fsm.peer;
	struct json_object *po;
	char addr[INET6_ADDRSTRLEN] = "";

	if (!p->name[0])
		return NULL;
	po = json_object_new_object();
	mcast_addr_text(&g->peer_addr, addr, sizeof(addr));
	json_object_object_add(po, "name", json_object_new_string(p->name));
	json_object_object_add(po, "address", json_object_new_string(addr));
	json_object_object_add(
		po, "state",
		json_object_new_string(p->alive ? proto_state_name(p->state) : "DEAD"));
	json_object_object_add(po, "priority", json_object_new_int(p->priority));
	json_object_object_add(po, "alive", json_object_new_boolean(p->alive));
	json_object_object_add(po, "standby", json_object_new_boolean(p->flags & PROTO_F_STANDBY));
	json_object_object_add(po, "fit", json_object_new_boolean(fsm_peer_fit(&g->fsm, &g->fc)));
	json_object_object_add(po, "last_heard_ms_ago",
			       json_object_new_int64((int64_t)(now - p->last_heard_ms)));
	json_object_object_add(po, "loss_pct", json_object_new_double(loss_pct(p)));
	{
		struct json_object *mm = json_object_new_array();

		for (int k = 0; k < PROTO_DIGEST_COUNT; k++)
			if (p->mismatch & (1u << k))
				json_object_array_add(mm,
						      json_object_new_string(digest_class_name(k)));
		json_object_object_add(po, "settings_mismatch", mm);
	}
	/* It heard one of our last three heartbeats: the link works both ways. */
	json_object_object_add(
		po, "hears_us",
		json_object_new_boolean(p->alive && p->peer_seq + 3 >= g->fsm.tx_seq));
	return po;
}

/* Each heartbeat path and whether the peer is heard on it. */
static struct json_object *status_paths(const struct group *g, uint64_t now)
{
	struct json_object *pl = json_object_new_array();
	uint64_t dead = fsm_dead_ms(&g->fc, &g->fsm, g->fsm.peer.interval_ms);

	for (int i = 0; i < (g->hb2 ? 2 : 1); i++) {
		const struct group_path *pa = &g->path[i];
		struct json_object *po = json_object_new_object();

		json_object_object_add(
			po, "interface",
			json_object_new_string(i ? g->cg->interface2 : g->cg->interface));
		json_object_object_add(po, "alive",
				       json_object_new_boolean(pa->last_heard_ms &&
							       now - pa->last_heard_ms < dead));
		json_object_object_add(
			po, "last_heard_ms_ago",
			pa->last_heard_ms
				? json_object_new_int64((int64_t)(now - pa->last_heard_ms))
				: NULL);
		json_object_object_add(po, "rx", json_object_new_int64((int64_t)pa->rx));
		json_object_array_add(pl, po);
	}
	return pl;
}

/* Upstream targets and the verdict on them. */
static struct json_object *status_upstream(const struct group *g)
{
	struct json_object *uo = json_object_new_object();
	struct json_object *ta = json_object_new_array();

	for (size_t i = 0; i < g->cg->n_upstream; i++)
		json_object_array_add(ta, json_object_new_string(inet_ntoa(g->cg->upstream[i])));
	json_object_object_add(uo, "targets", ta);
	json_object_object_add(uo, "reachable", json_object_new_boolean(g->up.reachable));
	json_object_object_add(uo, "rounds", json_object_new_int64((int64_t)g->up.rounds));
	json_object_object_add(uo, "failures", json_object_new_int64((int64_t)g->up.failures));
	return uo;
}

/* Where the VIPs stand against the wish: the reconciler's side of the story. */
static struct json_object *status_drift(const struct group *g, uint64_t now)
{
	const struct vipset *vs = &g->vs;
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "in_sync", json_object_new_boolean(!vipset_drift(vs)));
	json_object_object_add(d, "fighting", json_object_new_boolean(vs->fighting));
	json_object_object_add(d, "last_repair_ms_ago",
			       vs->fight_last_ms
				       ? json_object_new_int64((int64_t)(now - vs->fight_last_ms))
				       : NULL);
	return d;
}

/* A JSON array of strings: argv of a command, or NULL when not configured. */
static struct json_object *argv_json(char *const *argv)
{
	struct json_object *a;

	if (!argv)
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; argv[i]; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	return a;
}

static struct json_object *addrs_json(const struct in_addr *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(inet_ntoa(v[i])));
	return a;
}

static struct json_object *peers_json(const struct conf_group *cg)
{
	struct json_object *a = json_object_new_array();
	char addr[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < cg->n_peers; i++)
		json_object_array_add(a, json_object_new_string(mcast_peer_text(&cg->peers[i], addr,
										sizeof(addr))));
	return a;
}

#define SET_INT(o, cg, k) json_object_object_add(o, #k, json_object_new_int64((int64_t)(cg)->k))

/*
 * The settings the running group uses, key by key as in vipd.conf(5): what
 * a reload changed is visible here (the key itself only as a fingerprint).
 */
static struct json_object *status_settings(const struct group *g)
{
	const struct conf_group *cg = g->cg;
	struct json_object *o = json_object_new_object(), *v = json_object_new_array();
	char addr[INET6_ADDRSTRLEN], hex[9];

	SET_INT(o, cg, id);
	json_object_object_add(o, "interface", json_object_new_string(cg->interface));
	json_object_object_add(o, "label", json_object_new_string(cg->label));
	SET_INT(o, cg, priority);
	for (size_t i = 0; i < cg->n_vips; i++)
		json_object_array_add(v, json_object_new_string(cg->vips[i].text));
	json_object_object_add(o, "vips", v);
	SET_INT(o, cg, interval_ms);
	SET_INT(o, cg, misses);
	SET_INT(o, cg, rise);
	json_object_object_add(o, "preempt", json_object_new_boolean(cg->preempt));
	SET_INT(o, cg, preempt_delay_ms);
	json_object_object_add(o, "multicast",
			       json_object_new_string(mcast_group_text(cg, addr, sizeof(addr))));
	SET_INT(o, cg, port);
	json_object_object_add(o, "key_file", json_object_new_string(cg->key_file));
	/* The key id every heartbeat carries (proto_key_id): what the LAN sees anyway. */
	snprintf(hex, sizeof(hex), "%08x", proto_key_id(cg->key, cg->key_len));
	json_object_object_add(o, "key_id", json_object_new_string(hex));
	json_object_object_add(o, "key_file_next", json_object_new_string(cg->key_file_next));
	json_object_object_add(o, "sync_group", json_object_new_string(cg->sync_group));
	json_object_object_add(o, "vmac", json_object_new_boolean(cg->vmac));
	SET_INT(o, cg, garp_count);
	SET_INT(o, cg, garp_interval_ms);
	SET_INT(o, cg, garp_refresh_ms);
	SET_INT(o, cg, claim_probe_ms);
	json_object_object_add(o, "upstream", addrs_json(cg->upstream, cg->n_upstream));
	json_object_object_add(o, "peers", peers_json(cg));
	SET_INT(o, cg, peer_hops);
	json_object_object_add(o, "interface2", json_object_new_string(cg->interface2));
	SET_INT(o, cg, upstream_interval_ms);
	SET_INT(o, cg, upstream_timeout_ms);
	SET_INT(o, cg, upstream_rise);
	SET_INT(o, cg, upstream_fall);
	for (int k = 0; k < CONF_NOTIFY_COUNT; k++)
		json_object_object_add(o, conf_notify_keys[k], argv_json(cg->notify[k]));
	SET_INT(o, cg, hook_timeout_ms);
	json_object_object_add(o, "check_script", argv_json(cg->check_script));
	SET_INT(o, cg, check_interval_ms);
	SET_INT(o, cg, check_timeout_ms);
	SET_INT(o, cg, check_rise);
	SET_INT(o, cg, check_fall);
	SET_INT(o, cg, check_weight);
	json_object_object_add(o, "sip_check",
			       json_object_new_string(cg->sip_check ? cg->sip_target : ""));
	json_object_object_add(o, "sip_check_transport",
			       json_object_new_string(cg->sip_tcp ? "tcp" : "udp"));
	SET_INT(o, cg, sip_interval_ms);
	SET_INT(o, cg, sip_timeout_ms);
	SET_INT(o, cg, sip_rise);
	SET_INT(o, cg, sip_fall);
	SET_INT(o, cg, sip_weight);
	json_object_object_add(o, "fence_command", argv_json(cg->fence_command));
	SET_INT(o, cg, fence_timeout_ms);
	json_object_object_add(o, "calls_command", argv_json(cg->calls_command));
	SET_INT(o, cg, calls_interval_ms);
	SET_INT(o, cg, calls_timeout_ms);
	return o;
}

/*
 * The heartbeat socket the group's first path shares with every group of
 * its port and family: its receive buffer and what it counted. The kernel
 * drops (SO_RXQ_OVFL, datagrams lost because the buffer was full) are also
 * among the counters, summed over both paths' sockets.
 */
/* The group's send bundle (hbbundle.h): its groups and what it sent. */
static struct json_object *status_bundle(const struct hbbundle *b)
{
	struct json_object *o = json_object_new_object();
	struct hbbundle_stats bs = hbbundle_stats(b);

	json_object_object_add(o, "groups", json_object_new_int64((int64_t)hbbundle_members(b)));
	json_object_object_add(o, "datagrams", json_object_new_int64((int64_t)bs.datagrams));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)bs.records));
	return o;
}

static struct json_object *status_socket(const struct group *g)
{
	struct json_object *o = json_object_new_object();
	struct hbsock_stats hs = hbsock_stats(g->hb);

	json_object_object_add(o, "port", json_object_new_int(g->cg->port));
	json_object_object_add(
		o, "family",
		json_object_new_string(mcast_family(g->cg) == AF_INET6 ? "ipv6" : "ipv4"));
	json_object_object_add(o, "groups",
			       json_object_new_int64((int64_t)(g->hb ? hbsock_members(g->hb) : 0)));
	json_object_object_add(o, "rcvbuf_bytes", json_object_new_int(hs.rcvbuf_bytes));
	json_object_object_add(o, "datagrams", json_object_new_int64((int64_t)hs.rx));
	json_object_object_add(o, "kernel_drops", json_object_new_int64((int64_t)hs.kernel_drops));
	json_object_object_add(o, "unmatched", json_object_new_int64((int64_t)hs.unmatched));
	json_object_object_add(o, "bundle", status_bundle(g->bundle));
	return o;
}

/* The rejected datagrams, by reason: what the framing, the MAC and the state machine refused. */
static struct json_object *status_rejected(const struct group *g)
{
	struct json_object *rej = json_object_new_object();

	for (int e = 1; e < PROTO_E_COUNT; e++)
		if (e != -PROTO_E_ARG)
			json_object_object_add(rej, proto_err_key(-e),
					       json_object_new_int64((int64_t)g->st.rx_err[e]));
	for (int d = 1; d < FSM_DROP_COUNT; d++)
		if (d != FSM_DROP_HELLO)
			json_object_object_add(rej, fsm_drop_key((enum fsm_drop)d),
					       json_object_new_int64((int64_t)g->st.drop[d]));
	json_object_object_add(rej, "ttl", json_object_new_int64((int64_t)g->st.ttl));
	json_object_object_add(rej, "source", json_object_new_int64((int64_t)g->st.source));
	return rej;
}

static void count(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* The group's counters since it started. */
static struct json_object *status_counters(const struct group *g)
{
	const struct fsm *s = &g->fsm;
	struct json_object *cnt = json_object_new_object();
	struct hook_stats hs = hook_stats(g->hook);

	count(cnt, "tx", g->st.tx);
	count(cnt, "tx_errors", g->st.tx_err);
	count(cnt, "rx", g->st.rx);
	count(cnt, "transitions", s->transitions);
	count(cnt, "contentions", g->st.contentions);
	count(cnt, "stalls", s->stalls);
	count(cnt, "announcements", g->vs.st.announce);
	count(cnt, "vip_repairs", g->vs.st.repairs);
	count(cnt, "vip_copies_removed", g->vs.st.removed);
	count(cnt, "vip_fights", g->vs.st.fights);
	count(cnt, "other_group", g->st.other_group);
	count(cnt, "kernel_drops", group_kernel_drops(g));
	count(cnt, "netlink_errors", g->vs.st.nl_err);
	/* Not a rejection: the first packet of a session, answered with a challenge. */
	count(cnt, "handshakes", g->st.drop[FSM_DROP_HELLO]);
	json_object_object_add(cnt, "rejected", status_rejected(g));
	count(cnt, "vip_conflicts", g->claim.conflicts);
	count(cnt, "duplicates", g->dup);
	count(cnt, "hooks_run", hs.run);
	count(cnt, "hooks_failed", hs.failed);
	count(cnt, "hooks_timed_out", hs.timed_out);
	count(cnt, "hooks_dropped", hs.dropped);
	return cnt;
}

void status_group(const struct group *g, struct json_object *o)
{
	const struct fsm *s = &g->fsm;
	uint64_t now = clock_now_ms();
	struct json_object *checks = json_object_new_object();
	char why[64];

	group_reason(g, s->reason, why, sizeof(why));
	json_object_object_add(o, "id", json_object_new_int64(g->cg->id));
	json_object_object_add(o, "state", json_object_new_string(fsm_state_name(s->state)));
	json_object_object_add(o, "since_ms_ago",
			       json_object_new_int64((int64_t)(now - s->since_ms)));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "priority", json_object_new_int(s->priority));
	json_object_object_add(o, "standby", json_object_new_boolean(s->standby));
	json_object_object_add(o, "healthy", json_object_new_boolean(s->healthy));
	json_object_object_add(o, "interface", json_object_new_string(g->cg->interface));
	json_object_object_add(o, "interface_present",
			       json_object_new_boolean(g->cg->ifindex != 0));
	json_object_object_add(o, "name_conflict",
			       json_object_new_boolean(now < g->fsm.conflict_until_ms));
	json_object_object_add(o, "vips", vipset_status(&g->vs));
	json_object_object_add(o, "vip_drift", status_drift(g, now));
	status_layout(g, o);
	json_object_object_add(o, "peer", status_peer(g, now));
	json_object_object_add(o, "paths", status_paths(g, now));
	json_object_object_add(o, "socket", status_socket(g));
	check_status(&g->check, checks);
	sipcheck_status(&g->sip, checks);
	json_object_object_add(o, "checks", checks);
	fence_status(&g->fence, o);
	drain_status(&g->drain, o);
	json_object_object_add(o, "counters", status_counters(g));
	json_object_object_add(o, "upstream", status_upstream(g));
	json_object_object_add(o, "settings", status_settings(g));
}
