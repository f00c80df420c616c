/*
 * conf_net.c - a group's addresses and heartbeat transport: the VIPs (none
 * used twice in the file), the plain numbers, upstream targets, multicast
 * group and port, unicast peers, a second path, sync sets and virtual MACs.
 * Pure, like all of the parser (conf_parse.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "conf_parse.h"

/*
 * Parse "ADDRESS/PREFIX" into @vip with its canonical text. Returns 0, or -1
 * with the reason, to follow the quoted value in a message, in @why.
 */
static int conf_net_vip(const char *v, struct conf_vip *vip, char *why, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strrchr(v, '/');
	static const uint8_t zero[16];
	unsigned long plen;
	unsigned max;

	snprintf(why, len, "is not an ADDRESS/PREFIX");
	if (!slash || (size_t)(slash - v) >= sizeof(addr) || slash[1] < '0' || slash[1] > '9' ||
	    strlen(slash + 1) > 3)
		return -1;
	memcpy(addr, v, (size_t)(slash - v));
	addr[slash - v] = '\0';
	plen = strtoul(slash + 1, &end, 10);
	if (*end)
		return -1;
	if (inet_pton(AF_INET, addr, vip->addr) == 1) {
		vip->family = AF_INET;
		max = 32;
		if (vip->addr[0] >= 224 || memcmp(vip->addr, zero, 4) == 0)
			goto not_unicast;
	} else if (inet_pton(AF_INET6, addr, vip->addr) == 1) {
		vip->family = AF_INET6;
		max = 128;
		if (vip->addr[0] == 0xff || memcmp(vip->addr, zero, 16) == 0)
			goto not_unicast;
	} else {
		return -1;
	}
	if (plen < 1 || plen > max) {
		snprintf(why, len, "has prefix length %lu, not 1..%u", plen, max);
		return -1;
	}
	vip->prefix_len = (uint8_t)plen;
	inet_ntop(vip->family, vip->addr, addr, sizeof(addr));
	snprintf(vip->text, sizeof(vip->text), "%s/%lu", addr, plen);
	return 0;
not_unicast:
	snprintf(why, len, "is not a unicast address");
	return -1;
}

/* Line of VIP @j of group @i, for "first at line N". */
static unsigned conf_net_vip_line(const config_setting_t *groups, size_t i, size_t j)
{
	const config_setting_t *g = config_setting_get_elem(groups, (unsigned)i);
	const config_setting_t *v = config_setting_get_member(g, "vips");

	return config_setting_source_line(config_setting_get_elem(v, (unsigned)j));
}

/* vips: 1..VIPD_MAX_VIPS addresses, none used twice in the whole file. */
static int conf_net_vips(const struct conf_ctx *x, const config_setting_t *groups,
			 const config_setting_t *gs, const char *gp, const struct conf *c,
			 size_t gi)
{
	struct conf_group *g = &c->groups[gi];
	const config_setting_t *list = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	int n;

	if (conf_required(x, gs, gp, "vips", CONF_STRINGS, &list, key) < 0)
		return -1;
	n = config_setting_length(list);
	if (n < 1 || n > VIPD_MAX_VIPS)
		return conf_err(x, list, key, "%d addresses, 1..%d allowed", n, VIPD_MAX_VIPS);
	for (int j = 0; j < n; j++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)j);
		struct conf_vip *vip = &g->vips[j];
		char why[64];

		if (snprintf(key, sizeof(key), "%s.vips[%d]", gp, j) < 0)
			key[0] = '\0';
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_err(x, s, key, "expected a string \"ADDRESS/PREFIX\"");
		conf_quote(q, sizeof(q), config_setting_get_string(s));
		if (conf_net_vip(config_setting_get_string(s), vip, why, sizeof(why)) < 0)
			return conf_err(x, s, key, "%s %s", q, why);
		for (size_t i = 0; i <= gi; i++) {
			size_t m = i == gi ? (size_t)j : c->groups[i].n_vips;

			for (size_t k = 0; k < m; k++) {
				const struct conf_vip *o = &c->groups[i].vips[k];

				if (o->family == vip->family && !memcmp(o->addr, vip->addr, 16))
					return conf_err(x, s, key,
							"duplicate address %s (first at line %u)",
							q, conf_net_vip_line(groups, i, k));
			}
		}
		g->n_vips++;
	}
	return 0;
}

/* The group's plain numbers: interval, misses, rise, preempt delay, GARP. */
static int conf_net_numbers(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			    struct conf_group *g)
{
	const struct conf_num num[] = {
		{ "interval_ms", &g->interval_ms, VIPD_DEF_INTERVAL_MS, VIPD_MIN_INTERVAL_MS,
		  VIPD_MAX_INTERVAL_MS },
		{ "misses", &g->misses, VIPD_DEF_MISSES, 1, VIPD_MAX_MISSES },
		{ "rise", &g->rise, VIPD_DEF_RISE, 1, CONF_MAX_RISE },
		{ "preempt_delay_ms", &g->preempt_delay_ms, VIPD_DEF_PREEMPT_DELAY_MS, 0,
		  CONF_MAX_PREEMPT_DELAY_MS },
		{ "garp_count", &g->garp_count, VIPD_DEF_GARP_COUNT, 0, CONF_MAX_GARP_COUNT },
		{ "garp_interval_ms", &g->garp_interval_ms, VIPD_DEF_GARP_INTERVAL_MS, 0,
		  CONF_MAX_GARP_INTERVAL_MS },
		{ "garp_refresh_ms", &g->garp_refresh_ms, VIPD_DEF_GARP_REFRESH_MS, 0,
		  CONF_MAX_GARP_REFRESH_MS },
		{ "claim_probe_ms", &g->claim_probe_ms, VIPD_DEF_CLAIM_PROBE_MS, 0, 1000 },
		{ "upstream_interval_ms", &g->upstream_interval_ms, VIPD_DEF_UPSTREAM_INTERVAL_MS,
		  100, 600000 },
		{ "upstream_timeout_ms", &g->upstream_timeout_ms, VIPD_DEF_UPSTREAM_TIMEOUT_MS, 10,
		  60000 },
		{ "upstream_rise", &g->upstream_rise, VIPD_DEF_UPSTREAM_RISE, 1, 100 },
		{ "upstream_fall", &g->upstream_fall, VIPD_DEF_UPSTREAM_FALL, 1, 100 },
	};
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN];

	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++)
		if (conf_num(x, gs, gp, &num[i]) < 0)
			return -1;
	if (g->garp_refresh_ms > 0 && g->garp_refresh_ms < CONF_MIN_GARP_REFRESH_MS) {
		conf_key(key, sizeof(key), gp, "garp_refresh_ms");
		s = config_setting_get_member(gs, "garp_refresh_ms");
		return conf_err(x, s, key, "%u is out of range (0 = off, or %d..%d)",
				g->garp_refresh_ms, CONF_MIN_GARP_REFRESH_MS,
				CONF_MAX_GARP_REFRESH_MS);
	}
	if (g->upstream_timeout_ms >= g->upstream_interval_ms) {
		conf_key(key, sizeof(key), gp, "upstream_timeout_ms");
		s = config_setting_get_member(gs, "upstream_timeout_ms");
		return conf_err(x, s ? s : gs, key, "%u must be below upstream_interval_ms (%u)",
				g->upstream_timeout_ms, g->upstream_interval_ms);
	}
	return 0;
}

/*
 * One unicast peer address, IPv4 or IPv6, into @p. Refused: what cannot be
 * one host's own address (unspecified, multicast, broadcast), IPv4-mapped
 * IPv6 (the IPv6 socket is IPv6 only) and IPv6 link-local (fe80::/10),
 * which would need a scope: on-link IPv6 peers use their global or ULA
 * address. Returns 0, or -1 with a one-line reason in @why.
 */
static int conf_net_peer(const char *v, struct conf_peer *p, const char **why)
{
	struct in_addr a4;
	struct in6_addr a6;
	const uint8_t *b = a6.s6_addr;

	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, v, &a4) == 1) {
		uint32_t h = ntohl(a4.s_addr);

		p->family = AF_INET;
		memcpy(p->addr, &a4, 4);
		*why = "is not an IPv4 unicast address";
		return h == 0 || IN_MULTICAST(h) || h == INADDR_BROADCAST ? -1 : 0;
	}
	if (inet_pton(AF_INET6, v, &a6) != 1) {
		*why = "is not an IPv4 or IPv6 address";
		return -1;
	}
	p->family = AF_INET6;
	memcpy(p->addr, &a6, 16);
	*why = "is not an IPv6 unicast address";
	if (IN6_IS_ADDR_UNSPECIFIED(&a6) || b[0] == 0xff || IN6_IS_ADDR_V4MAPPED(&a6))
		return -1;
	*why = "is link-local (fe80::/10): use the peer's global or ULA address";
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80 ? -1 : 0;
}

/*
 * Unicast peers: heartbeats go to these addresses (IPv4 or IPv6, one family
 * per group) instead of the multicast group, for networks that do not carry
 * multicast, also across routers. peer_hops (only with peers) is how many
 * routers a peer's heartbeat may cross: 1 (on-link) wants TTL 255, N lets
 * 256-N..255 in; see vipd(8), WIRE FORMAT.
 */
static int conf_net_peers(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			  struct conf_group *g)
{
	const config_setting_t *list = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	long long hops = VIPD_DEF_PEER_HOPS;
	const char *why;
	int n;

	g->peer_hops = VIPD_DEF_PEER_HOPS;
	switch (conf_member(x, gs, gp, "peers", CONF_STRINGS, &list, key)) {
	case -1:
		return -1;
	case 0:
		n = 0;
		break;
	default:
		n = config_setting_length(list);
	}
	if (n > VIPD_MAX_PEERS)
		return conf_err(x, list, key, "%d peers, at most %d allowed", n, VIPD_MAX_PEERS);
	for (int j = 0; j < n; j++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)j);
		struct conf_peer *p = &g->peers[j];

		if (snprintf(key, sizeof(key), "%s.peers[%d]", gp, j) < 0)
			key[0] = '\0';
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_err(x, s, key, "expected a string \"ADDRESS\"");
		conf_quote(q, sizeof(q), config_setting_get_string(s));
		if (conf_net_peer(config_setting_get_string(s), p, &why) < 0)
			return conf_err(x, s, key, "%s %s", q, why);
		if (j > 0 && p->family != g->peers[0].family)
			return conf_err(x, s, key, "%s is %s, peers[0] is %s: one family per group",
					q, p->family == AF_INET6 ? "IPv6" : "IPv4",
					p->family == AF_INET6 ? "IPv4" : "IPv6");
		g->n_peers++;
	}
	switch (conf_int(x, gs, gp, "peer_hops", 1, 255, &hops)) {
	case -1:
		return -1;
	case 1:
		if (n > 0)
			break;
		conf_key(key, sizeof(key), gp, "peer_hops");
		return conf_err(x, config_setting_get_member(gs, "peer_hops"), key,
				"only with peers (multicast heartbeats stay on the link)");
	}
	g->peer_hops = (uint32_t)hops;
	return 0;
}

/* A second heartbeat path: another interface carrying the same multicast heartbeats. */
static int conf_net_interface2(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			       struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v;

	switch (conf_member(x, gs, gp, "interface2", CONF_STRING, &s, key)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	v = config_setting_get_string(s);
	conf_quote(q, sizeof(q), v);
	if (!v[0])
		return 0;
	if (strlen(v) >= sizeof(g->interface2))
		return conf_err(x, s, key, "%s is not an interface name (1..%d characters)", q,
				IF_NAMESIZE - 1);
	if (strcmp(v, g->interface) == 0)
		return conf_err(x, s, key, "%s is the group's interface already", q);
	g->ifindex2 = x->sys->ifindex(v);
	if (!g->ifindex2)
		conf_warn(x, s, key,
			  "no such interface %s now; this path is unused until it "
			  "appears",
			  q);
	snprintf(g->interface2, sizeof(g->interface2), "%s", v);
	return 0;
}

/* Upstream targets: on-link IPv4 addresses (the gateway, a trunk's router). */
static int conf_net_upstream(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			     struct conf_group *g)
{
	const config_setting_t *list = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	int n;

	switch (conf_member(x, gs, gp, "upstream", CONF_STRINGS, &list, key)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	n = config_setting_length(list);
	if (n > VIPD_MAX_UPSTREAM)
		return conf_err(x, list, key, "%d targets, at most %d allowed", n,
				VIPD_MAX_UPSTREAM);
	for (int j = 0; j < n; j++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)j);

		if (snprintf(key, sizeof(key), "%s.upstream[%d]", gp, j) < 0)
			key[0] = '\0';
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_err(x, s, key, "expected a string \"IPv4 ADDRESS\"");
		conf_quote(q, sizeof(q), config_setting_get_string(s));
		if (inet_pton(AF_INET, config_setting_get_string(s), &g->upstream[j]) != 1 ||
		    g->upstream[j].s_addr == 0 || IN_MULTICAST(ntohl(g->upstream[j].s_addr)))
			return conf_err(x, s, key, "%s is not an IPv4 unicast address", q);
		g->n_upstream++;
	}
	return 0;
}

/* Heartbeat transport: preempt flag, multicast group, UDP port. */
static int conf_net_transport(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			      struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v = VIPD_DEF_MCAST;
	long long port = VIPD_DEF_PORT;

	switch (conf_member(x, gs, gp, "preempt", CONF_BOOL, &s, key)) {
	case -1:
		return -1;
	case 1:
		g->preempt = config_setting_get_bool(s);
		break;
	}
	s = NULL;
	if (conf_str(x, gs, gp, "multicast", &v, &s) < 0)
		return -1;
	conf_key(key, sizeof(key), gp, "multicast");
	conf_quote(q, sizeof(q), v);
	g->mcast_family = AF_INET;
	if (inet_pton(AF_INET6, v, &g->mcast6) == 1) {
		/*
		 * Heartbeats never leave the link (hop limit 255, checked on
		 * receipt): only link-local scope says so to the network too.
		 */
		if (g->mcast6.s6_addr[0] != 0xff || g->mcast6.s6_addr[1] != 0x02)
			return conf_err(x, s, key,
					"%s must be an IPv6 multicast address of "
					"link-local scope (ff02::/16)",
					q);
		g->mcast_family = AF_INET6;
	} else if (inet_pton(AF_INET, v, &g->mcast) != 1 || !IN_MULTICAST(ntohl(g->mcast.s_addr))) {
		return conf_err(x, s, key,
				"%s is not a multicast address (IPv4 224.0.0.0/4, or "
				"IPv6 ff02::/16)",
				q);
	}
	if (conf_int(x, gs, gp, "port", 1, 65535, &port) < 0)
		return -1;
	g->port = (uint16_t)port;
	return 0;
}

/* A sync set name: 1..VIPD_NAME_MAX-1 letters, digits, '-', '_' or '.'. */
static bool conf_net_sync_name_ok(const char *v)
{
	size_t len = strlen(v);

	for (size_t i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' || v[i] == '.'))
			return false;
	return len >= 1 && len < VIPD_NAME_MAX;
}

/*
 * sync_group, the name of the set of groups this one changes state with
 * ("" for none, as conf_print writes it);
 * vmac, whether its VIPs live on a macvlan "vip<id>" with a virtual MAC.
 * The MAC is VRRP's (RFC 5798 §7.3): 00:00:5e:00:01:<id & 0xff>, or
 * 00:00:5e:00:02:<id & 0xff> for a group with only IPv6 VIPs.
 */
int conf_net_sync_vmac(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		       struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v = "";
	bool v4 = false;

	if (conf_str(x, gs, gp, "sync_group", &v, &s) < 0)
		return -1;
	if (s && v[0] && !conf_net_sync_name_ok(v)) {
		conf_key(key, sizeof(key), gp, "sync_group");
		return conf_err(x, s, key, "%s must be 1..%d letters, digits, '-', '_' or '.'",
				conf_quote(q, sizeof(q), v), VIPD_NAME_MAX - 1);
	}
	snprintf(g->sync_group, sizeof(g->sync_group), "%s", v);

	s = NULL;
	switch (conf_member(x, gs, gp, "vmac", CONF_BOOL, &s, key)) {
	case -1:
		return -1;
	case 1:
		g->vmac = config_setting_get_bool(s);
		break;
	}
	if (!g->vmac)
		return 0;
	/* Parsed before: a virtual MAC is for a shared link, unicast peers may be routed. */
	if (g->n_peers > 0)
		return conf_err(x, s, key, "not used with unicast peers");
	/* The VIPs live on vip<id>: a label of the parent interface means nothing there. */
	s = config_setting_get_member(gs, "label");
	if (s && config_setting_type(s) == CONFIG_TYPE_STRING && config_setting_get_string(s)[0]) {
		conf_key(key, sizeof(key), gp, "label");
		return conf_err(x, s, key, "not used with vmac = true (the VIPs live on vip%u)",
				g->id);
	}
	memset(g->label, 0, sizeof(g->label));
	snprintf(g->vmac_ifname, sizeof(g->vmac_ifname), "vip%u", g->id);
	for (size_t i = 0; i < g->n_vips; i++)
		v4 |= g->vips[i].family == AF_INET;
	g->vmac_mac[0] = 0x00;
	g->vmac_mac[1] = 0x00;
	g->vmac_mac[2] = 0x5e;
	g->vmac_mac[3] = 0x00;
	g->vmac_mac[4] = v4 ? 0x01 : 0x02;
	g->vmac_mac[5] = (uint8_t)(g->id & 0xff);
	return 0;
}

/*
 * Across groups: each sync set's leader is its lowest id; two vmac groups
 * must not share a virtual MAC (ids equal in their low byte).
 */
int conf_net_link(const struct conf_ctx *x, const config_setting_t *groups, struct conf *c)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		struct conf_group *g = &c->groups[i];
		char gp[CONF_KEY_LEN];

		if (g->sync_group[0]) {
			g->sync_leader = g->id;
			for (size_t k = 0; k < c->n_groups; k++)
				if (strcmp(c->groups[k].sync_group, g->sync_group) == 0 &&
				    c->groups[k].id < g->sync_leader)
					g->sync_leader = c->groups[k].id;
		}
		for (size_t k = 0; g->vmac && k < i; k++) {
			const struct conf_group *o = &c->groups[k];
			const uint8_t *m = g->vmac_mac;

			if (!o->vmac || memcmp(o->vmac_mac, m, 6) != 0)
				continue;
			snprintf(gp, sizeof(gp), "groups[%zu].vmac", i);
			return conf_err(
				x,
				config_setting_get_member(
					config_setting_get_elem(groups, (unsigned)i), "vmac"),
				gp,
				"virtual MAC %02x:%02x:%02x:%02x:%02x:%02x is taken by group %u "
				"(line %d): the ids of vmac groups must differ in their low "
				"byte (id & 0xff)",
				m[0], m[1], m[2], m[3], m[4], m[5], o->id, o->line);
		}
	}
	return 0;
}

int conf_net_parse(const struct conf_ctx *x, const config_setting_t *groups,
		   const config_setting_t *gs, const char *gp, struct conf *c, size_t gi)
{
	struct conf_group *g = &c->groups[gi];

	if (conf_net_vips(x, groups, gs, gp, c, gi) < 0 || conf_net_numbers(x, gs, gp, g) < 0 ||
	    conf_net_upstream(x, gs, gp, g) < 0 || conf_net_transport(x, gs, gp, g) < 0 ||
	    conf_net_peers(x, gs, gp, g) < 0 || conf_net_interface2(x, gs, gp, g) < 0)
		return -1;
	return 0;
}
