/*
 * fsm_peer.c - the state machine's record of its peer: who the peer is,
 * whether a heartbeat is fresh (the challenge it echoes), a replay, a copy
 * by the other path, or a third node; the ranking of the two nodes and
 * whether the peer could take over. Pure, like fsm.c.
 */
#include <string.h>

#include "fsm.h"
#include "fsm_int.h"

#define STREAK_CAP 1000000u

/* True if our (priority, name) ranks above the peer's. */
bool fsm_peer_outranks(const struct fsm *s, const struct fsm_cfg *cfg)
{
	if (s->priority != s->peer.priority)
		return s->priority > s->peer.priority;
	return strcmp(cfg->name, s->peer.name) < 0;
}

/* The peer is alive but says it will not (or cannot) hold the VIPs. */
bool fsm_peer_unavailable(const struct fsm_peer *p)
{
	return p->state == PROTO_ST_FAULT || p->state == PROTO_ST_STOPPING ||
	       (p->flags & (PROTO_F_STANDBY | PROTO_F_RESIGN));
}

bool fsm_peer_fit(const struct fsm *s, const struct fsm_cfg *cfg)
{
	const struct fsm_peer *p = &s->peer;

	return p->alive && p->streak >= cfg->rise && !fsm_peer_unavailable(p) &&
	       (p->state == PROTO_ST_BACKUP || p->state == PROTO_ST_MASTER) &&
	       (p->flags & PROTO_F_UPSTREAM);
}

/*
 * Freshness. A recorded packet carries a valid MAC forever, so a MAC alone
 * proves only who sent it once, not that its sender is alive now. Each
 * session of a node (its nonce, random at start) sends a challenge, and
 * echoes the challenge of the peer session it accepted (echo) and of the
 * newest one it heard but has not accepted (echo_new). A new session of the
 * peer is accepted only from a packet that echoes our current challenge:
 * its sender heard us after we issued it. The challenge moves on whenever a
 * recording could otherwise pass: when the peer dies (so nothing recorded
 * before its death can bring it back) and when a new session shows up
 * while the peer lives (the newcomer must prove it is newer than now).
 * Within an accepted session, sequence numbers stop replays, and a session
 * that was replaced is retired for good. "Who is master?" makes the first
 * round trip anyway: a start costs no extra packet.
 */
static bool fresh(const struct fsm *s, const struct proto_pkt *pkt)
{
	return pkt->echo == s->challenge || pkt->echo_new == s->challenge;
}

void fsm_peer_rechallenge(struct fsm *s)
{
	/* Unique, not secret (packets cannot be forged): the next number will do. */
	s->challenge = s->challenge + 1 ? s->challenge + 1 : 1;
}

static bool retired(const struct fsm *s, uint64_t nonce)
{
	for (size_t i = 0; i < FSM_RETIRED; i++)
		if (s->retired[i] == nonce)
			return true;
	return false;
}

static void retire(struct fsm *s, uint64_t nonce)
{
	if (nonce)
		s->retired[s->n_retired++ % FSM_RETIRED] = nonce;
}

/*
 * A session we have not accepted: echo its challenge from now on, so that
 * if it is alive it can prove so. The first time, answer at once (a
 * starting peer waits one round trip, not one interval), and if it would
 * replace a peer that lives, move our challenge on first. Returns true to
 * send now.
 */
static bool candidate(struct fsm *s, const struct proto_pkt *pkt, bool replaces_peer)
{
	s->cand_challenge = pkt->challenge;
	if (pkt->nonce == s->cand)
		return false;
	s->cand = pkt->nonce;
	if (replaces_peer && s->peer.alive)
		fsm_peer_rechallenge(s);
	return true;
}

/*
 * A packet with our name and another nonce: a second node was given our
 * name (a copied config), or a recording of an earlier run of ours. Only a
 * live node echoes our challenge.
 */
static enum fsm_drop name_conflict(struct fsm *s, const struct fsm_cfg *cfg,
				   const struct proto_pkt *pkt, struct fsm_output *out,
				   uint64_t now, bool *answer)
{
	/* (Our own old packets echo the peer's challenges, never ours: no new one needed.) */
	*answer = candidate(s, pkt, false);
	if (!fresh(s, pkt))
		return *answer ? FSM_DROP_HELLO : FSM_DROP_STALE;
	if (now >= s->conflict_until_ms)
		out->conflict_started = true;
	s->conflict_until_ms = now + fsm_dead_ms(cfg, s, pkt->interval_ms);
	s->conflict_nonce = pkt->nonce;
	s->conflict_state = pkt->state;
	return FSM_DROP_NAME;
}

/* Accept an authentic heartbeat into the peer record, or say why not. */
enum fsm_drop fsm_peer_update(struct fsm *s, const struct fsm_cfg *cfg, const struct proto_pkt *pkt,
			      struct fsm_output *out, uint64_t now, uint64_t heard, bool *answer)
{
	struct fsm_peer *p = &s->peer;
	bool same = p->nonce && pkt->nonce == p->nonce && strcmp(pkt->name, p->name) == 0;
	uint8_t mismatch = 0;

	if (strcmp(pkt->name, cfg->name) == 0) {
		/* Our own packet coming back (multicast loop). */
		if (pkt->nonce == s->nonce)
			return FSM_DROP_OWN;
		return name_conflict(s, cfg, pkt, out, now, answer);
	}
	if (same) {
		/* Replay: a sequence number of this session we already accepted, or an older one.
		 */
		if (pkt->seq <= p->seq)
			return FSM_DROP_REPLAY;
	} else {
		/* A two-node protocol: a third voice is ignored while the peer lives. */
		if (p->alive && strcmp(pkt->name, p->name) != 0)
			return FSM_DROP_FOREIGN;
		if (retired(s, pkt->nonce) || pkt->nonce == s->conflict_nonce)
			return FSM_DROP_STALE;
		*answer = candidate(s, pkt, true);
		if (!fresh(s, pkt))
			return *answer ? FSM_DROP_HELLO : FSM_DROP_STALE;
		/* A new session of the peer (or a new peer): the old one is over for good. */
		retire(s, p->nonce);
		memset(p, 0, sizeof(*p));
		memcpy(p->name, pkt->name, sizeof(p->name));
		p->nonce = pkt->nonce;
		p->seq_first = pkt->seq;
		s->cand = s->cand_challenge = 0;
		/* It does not know yet that we accepted it: tell it at once. */
		*answer = pkt->echo != s->challenge;
	}
	if (!p->alive) {
		p->alive = true;
		p->alive_since_ms = now;
		p->streak = 0;
	}
	if (p->streak < STREAK_CAP)
		p->streak++;
	p->rx++;
	p->seq = pkt->seq;
	p->state = pkt->state;
	p->priority = pkt->priority;
	p->flags = pkt->flags;
	p->interval_ms = pkt->interval_ms;
	p->peer_seq = pkt->peer_seq;
	p->challenge = pkt->challenge;
	/*
	 * From when it came, not from when we got to it: bundle mates stepped
	 * one after the other time out together. One queued through a stall of
	 * ours still leaves the peer an interval (see fsm_time_stall()).
	 */
	p->last_heard_ms = heard;
	p->dead_at_ms = heard + fsm_dead_ms(cfg, s, pkt->interval_ms);
	if (p->dead_at_ms < now + cfg->interval_ms)
		p->dead_at_ms = now + cfg->interval_ms;
	/* Settings the pair must share: reported, never acted on (no flap). */
	for (int k = 0; k < PROTO_DIGEST_COUNT; k++)
		if (pkt->digest[k] != cfg->digest[k])
			mismatch |= (uint8_t)(1u << k);
	if (mismatch != p->mismatch) {
		p->mismatch = mismatch;
		out->mismatch_changed = true;
	}
	fsm_probe_reset(s); /* the peer lives: whatever answered was the peer */
	return FSM_DROP_NONE;
}

/*
 * With two paths each heartbeat comes twice (or out of order across the
 * paths): a copy of one already accepted keeps that path's health up, but
 * is no replay and no news. Out of the window it is a replay like any.
 */
bool fsm_peer_duplicate(const struct fsm *s, const struct proto_pkt *pkt)
{
	const struct fsm_peer *p = &s->peer;

	return p->name[0] && strcmp(pkt->name, p->name) == 0 && pkt->nonce == p->nonce &&
	       pkt->seq <= p->seq && pkt->seq + FSM_DUP_WINDOW > p->seq;
}
