/*
 * group_rx.c - a group's received heartbeats: every check a datagram must
 * pass before it reaches the state machine, cheapest first (TTL, group id,
 * the listed source, length, magic, version, key id), then one HMAC, then
 * group_step(). Version 2 packets come through receive_one, version 3
 * bundles through the admit / deliver / reject hooks hbsock.c calls.
 */
#include <arpa/inet.h>
#include <string.h>

#include "group_int.h"
#include "mcast.h"

/*
 * The key a received packet names (key_file's, or key_file_next's during a
 * rotation): one key is tried, never all, so a forged packet costs at most
 * one HMAC. NULL when it names neither.
 */
static const struct proto_key *rx_key(const struct group *g, uint32_t id)
{
	if (id == g->fc.key_id)
		return &g->cg->hkey;
	if (g->cg->key_next_len && id == proto_key_id_of(&g->cg->hkey_next))
		return &g->cg->hkey_next;
	return NULL;
}

/*
 * Log a dropped datagram, at most 5 per 10 s for each class: a flood of one
 * class leaves the others (and send errors) their own share of the log.
 * The first message after a suppressed stretch says how many were not shown.
 */
void group_count_drop(struct group *g, enum group_log cls, const struct sockaddr_storage *from,
		      const char *why)
{
	char addr[INET6_ADDRSTRLEN];

	if (!log_rl_pass(&g->rl[cls]))
		return;
	mcast_addr_text(from, addr, sizeof(addr));
	log_rl_emit(&g->rl[cls], LOG_WARNING, "group %u: dropped heartbeat from %s: %s", g->cg->id,
		    addr, why);
}

/* The log class of a proto_decode error. */
static enum group_log proto_log_class(int err)
{
	switch (err) {
	case PROTO_E_AUTH:
	case PROTO_E_KEY:
		return GROUP_LOG_AUTH;
	case PROTO_E_FIELD:
		return GROUP_LOG_PEER;
	default:
		return GROUP_LOG_FRAME;
	}
}

/* Whether @from is one of the group's listed unicast peers (IPv4 or IPv6). */
static bool peer_listed(const struct conf_group *cg, const struct sockaddr_storage *from)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)from;

	for (size_t i = 0; i < cg->n_peers; i++) {
		const struct conf_peer *p = &cg->peers[i];

		if (p->family != from->ss_family)
			continue;
		if (p->family == AF_INET ? memcmp(p->addr, &sin->sin_addr, 4) == 0
					 : memcmp(p->addr, &sin6->sin6_addr, 16) == 0)
			return true;
	}
	return false;
}

/*
 * The lowest TTL (hop limit) this path accepts: 255 on the link (GTSM),
 * 256 - peer_hops from listed unicast peers, which may sit behind routers.
 */
static int path_min_ttl(const struct group *g, const struct group_path *pa)
{
	if (pa == &g->path[0] && g->cg->n_peers > 0)
		return 256 - (int)g->cg->peer_hops;
	return 255;
}

/*
 * Each router between the nodes lowers the TTL by one: below 255 the sender
 * is not on the link, and beyond peer_hops routers not a peer.
 */
static bool rx_on_link(struct group_path *pa, int ttl, const struct sockaddr_storage *from)
{
	struct group *g = pa->g;
	int min = path_min_ttl(g, pa);
	char why[96];

	if (ttl >= min && ttl <= 255)
		return true;
	g->st.ttl++;
	snprintf(why, sizeof(why), "TTL %d, not %d..255 (%s)", ttl, min,
		 min == 255 ? "sender is not on this link" : "more routers than peer_hops");
	group_count_drop(g, GROUP_LOG_TTL, from, why);
	return false;
}

/*
 * With peers listed, heartbeats come from them and from nobody else (the
 * second path is multicast and has no list). Anyone else on the link may
 * send us datagrams; none of them is worth an HMAC.
 */
static bool rx_source_ok(struct group_path *pa, const struct sockaddr_storage *from)
{
	struct group *g = pa->g;

	if (pa != &g->path[0] || g->cg->n_peers == 0 || peer_listed(g->cg, from))
		return true;
	g->st.source++;
	group_count_drop(g, GROUP_LOG_SOURCE, from, "sender is not a listed peer");
	return false;
}

/* Count (and log, rate-limited) a datagram dropped for @err; @version its version byte or 0. */
static void rx_error(struct group *g, int err, unsigned version,
		     const struct sockaddr_storage *from)
{
	g->st.rx_err[-err]++;
	if (err == PROTO_E_VERSION && version)
		group_count_drop(g, proto_log_class(err), from,
				 version < PROTO_VERSION
					 ? "an older vipd (protocol version 1): upgrade it"
					 : "a newer vipd (protocol version > 3)");
	else
		group_count_drop(g, proto_log_class(err), from, proto_strerror(err));
}

/* An authentic heartbeat of the group, from a version 2 packet or a bundle's record. */
static void receive_pkt(struct group_path *pa, const struct proto_pkt *pkt, uint64_t at_ms,
			const struct sockaddr_storage *from)
{
	struct fsm_input in = { .ev = FSM_EV_PACKET, .pkt = pkt };
	struct group *g = pa->g;

	in.multipath = g->hb2 != NULL;
	in.heard_ms = at_ms;
	group_step(g, &in, &(struct group_rx){ .path = pa, .from = from });
}

/*
 * Every check a datagram must pass before it reaches the state machine.
 * hbsock.c calls this for the datagrams of our group id sent to our group
 * address on our interface, and for those of no group on the socket
 * (@foreign) or with no readable id at all.
 *
 * The order is by cost: the checks that need no key (TTL, group id, the
 * listed source, then length, magic and version inside proto_decode) come
 * before the HMAC, so a flood that fails any of them costs a comparison per
 * datagram, not a SHA-256.
 */
static void receive_one(void *member, const uint8_t *buf, size_t n, uint64_t at_ms, int ttl,
			const struct sockaddr_storage *from, bool foreign)
{
	struct group_path *pa = member;
	struct group *g = pa->g;
	struct proto_pkt pkt;
	const struct proto_key *key;
	uint32_t key_id = 0;
	int err;

	if (g->exited || !rx_on_link(pa, ttl, from))
		return;
	if (foreign) {
		/* A group this node does not run, on the same address and port: not an error. */
		g->st.other_group++;
		return;
	}
	if (!rx_source_ok(pa, from))
		return;
	/* Length, magic, version and key id first: a forgery costs no HMAC until they pass. */
	err = proto_peek_key(buf, n, &key_id);
	key = err == PROTO_OK ? rx_key(g, key_id) : NULL;
	if (err == PROTO_OK)
		err = key ? proto_decode(buf, n, key, &pkt) : PROTO_E_KEY;
	if (err != PROTO_OK) {
		rx_error(g, err, n > 4 ? buf[4] : 0, from);
		return;
	}
	receive_pkt(pa, &pkt, at_ms, from);
}

/*
 * A bundle with a record of the group (hbsock.c splits it): the same checks
 * before its one HMAC as receive_one makes, the key its key id names.
 */
static const struct proto_key *bundle_admit(void *member, int ttl,
					    const struct sockaddr_storage *from, uint32_t key_id)
{
	struct group_path *pa = member;
	const struct proto_key *key;

	if (pa->g->exited || !rx_on_link(pa, ttl, from) || !rx_source_ok(pa, from))
		return NULL;
	key = rx_key(pa->g, key_id);
	if (!key)
		rx_error(pa->g, PROTO_E_KEY, 0, from);
	return key;
}

static void bundle_deliver(void *member, const struct proto_pkt *p, uint64_t at_ms,
			   const struct sockaddr_storage *from)
{
	struct group_path *pa = member;

	if (!pa->g->exited)
		receive_pkt(pa, p, at_ms, from);
}

static void bundle_reject(void *member, int err, const struct sockaddr_storage *from)
{
	struct group_path *pa = member;

	if (!pa->g->exited)
		rx_error(pa->g, err, 0, from);
}

const struct hbsock_ops group_rx_ops = {
	.rx = receive_one,
	.admit = bundle_admit,
	.deliver = bundle_deliver,
	.reject = bundle_reject,
};
