/*
 * fsm.c - the per-group election state machine. Pure: no I/O, no clock, no
 * logging. Every event carries the time; the state holds absolute deadlines
 * and the caller carries out the actions this file returns.
 *
 *             START (drop stale VIPs, send "who is master?")
 *               |
 *               v
 *             INIT ---- peer says MASTER -----------------------+
 *               |                                               |
 *               | listened for the dead interval:               v
 *               | outranks every fit peer       otherwise    BACKUP
 *               v                                               |
 *             MASTER <-- peer silent for the dead interval -----+
 *               |    <-- peer resigned / in fault / standby ----+
 *               |    <-- no master, this node outranks the peer +
 *               |
 *               +-- resign: switchover, standby, peer asked (preempt),
 *               |   lost a contention, own timers stalled,
 *               |   a check's weight put the peer above us ----> BACKUP
 *               +-- health checks fail -------------------------> FAULT
 *
 *               +-- upstream lost and the peer's is fine ----> FAULT
 *
 *   A claim on a timeout (peer silent, or nobody heard while listening) is
 *   preceded by the claim probe: if any host answers for a VIP, FAULT
 *   instead (see probe_clear()). With a fence command, a claim from a peer
 *   that went silent then waits for the fence (see fence_clear()); a fence
 *   that fails is FAULT "fencing the peer failed", retried with back-off:
 *
 *     BACKUP/INIT -- peer silent, probe clear --> (fencing) -- ok --> MASTER
 *                                                    |
 *                                         failed / timed out
 *                                                    v
 *     MASTER <-- fence ok --- FAULT (fence failed) --+-- retry after 1, 2, 4 .. 30 s
 *     INIT   <-- the peer is heard again ---+
 *
 *   A node without carrier, or whose upstream
 *   targets are unreachable, is FAULT instead of BACKUP.
 *
 *   FAULT -- health back --> INIT (listen again before claiming)
 *   any  -- SIGTERM --> STOPPING (VIPs removed, RESIGN sent until the peer
 *                       answers as MASTER or stop_wait_ms passes) --> STOPPED
 *
 * Ranking ("outranks"): higher effective priority, then the smaller node
 * name. Both nodes compute the same answer from the same two heartbeats, so
 * a contention (two masters after a partition heals) ends after one
 * heartbeat each way: the loser drops its VIPs, the winner announces again.
 *
 * The dead interval for a peer is misses x the peer's advertised interval,
 * plus a skew of up to 10 % of one interval that grows as our own priority
 * falls, so that of two backups the higher one claims first.
 *
 * Sync sets: groups that must change state together (a SIP address and its
 * media address) follow one leader, the set's lowest group id. A follower
 * (cfg->follower) still exchanges heartbeats and tracks its peer, but never
 * claims, resigns, settles a contention or yields to a preemption by its
 * own election: the glue feeds it FSM_EV_SYNC with the leader's state, and
 * it claims while the leader is MASTER (at once, even while listening: the
 * leader did listen) and resigns to BACKUP when the leader leaves MASTER.
 * What a follower still does alone is drop its VIPs when it cannot hold
 * them (FAULT, a stall, SIGTERM); the glue then makes the leader unhealthy,
 * so the whole set moves. Admin switchover and standby go to the leader.
 *
 * A node that claims never does so on the strength of its own lateness: if
 * an event arrives more than one interval after our own send deadline, the
 * process was stalled (SIGSTOP, swap, a hung VM), and heartbeats may be
 * queued unread. A stalled backup gives the peer one more interval; a
 * stalled master assumes the peer already took over, drops the VIPs and
 * resigns rather than fight with the node that did its job.
 */
#include <string.h>

#include "fsm.h"

#define STREAK_CAP 1000000u

static bool peer_unavailable(const struct fsm_peer *p);

void fsm_init(struct fsm *s, const struct fsm_cfg *cfg, uint64_t nonce, uint8_t priority)
{
	(void)cfg;
	memset(s, 0, sizeof(*s));
	s->state = FSM_INIT;
	s->reason = FSM_R_START;
	s->nonce = nonce ? nonce : 1;
	s->challenge = s->nonce;
	s->priority = priority;
	s->healthy = true;
	s->upstream = true;
}

uint64_t fsm_dead_ms(const struct fsm_cfg *cfg, const struct fsm *s, uint32_t interval_ms)
{
	uint64_t iv = interval_ms ? interval_ms : cfg->interval_ms;

	/*
	 * An eighth of an interval of margin: "misses" heartbeats must really
	 * be missing, not misses - 1 lost and the next one a few ms late. More
	 * would eat into the crash budget of interval x misses + 20 ms.
	 */
	return (uint64_t)cfg->misses * iv + iv / 8 + (256u - s->priority) * iv / 2560u;
}

static uint64_t own_dead_ms(const struct fsm_cfg *cfg, const struct fsm *s)
{
	return fsm_dead_ms(cfg, s, cfg->interval_ms);
}

/* Why an unhealthy node is in FAULT. */
static enum fsm_reason fault_reason(const struct fsm *s)
{
	return s->no_interface ? FSM_R_NO_INTERFACE : FSM_R_FAULT;
}

/* True if this node may hold the VIPs at all. */
static bool self_eligible(const struct fsm *s, uint64_t now)
{
	return s->healthy && s->upstream && !s->standby && now >= s->resign_until_ms &&
	       now >= s->conflict_until_ms;
}

static void probe_reset(struct fsm *s)
{
	s->probe_at_ms = 0;
	s->vip_answered = false;
	s->probe_closing = false;
}

static void probe_start(struct fsm *s, struct fsm_output *out, uint64_t now);
static uint64_t reprobe_gap_ms(const struct fsm_cfg *cfg);

/*
 * The claim probe: a claim on a timeout (the peer went silent, or nobody
 * answered while we listened) first asks the LAN whether anyone answers for
 * the VIPs. Silence can mean a dead peer, or heartbeats that do not get
 * through while the peer still serves the VIPs; only the first may be
 * claimed. The probe starts probe_ms before the deadline, so a real crash
 * costs no extra time. True when the claim may go ahead; false to wait, or
 * after entering FAULT because someone answered.
 */
static bool probe_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now);

/* True if our (priority, name) ranks above the peer's. */
static bool outranks_peer(const struct fsm *s, const struct fsm_cfg *cfg)
{
	if (s->priority != s->peer.priority)
		return s->priority > s->peer.priority;
	return strcmp(cfg->name, s->peer.name) < 0;
}

/* The peer is alive but says it will not (or cannot) hold the VIPs. */
static bool peer_unavailable(const struct fsm_peer *p)
{
	return p->state == PROTO_ST_FAULT || p->state == PROTO_ST_STOPPING ||
	       (p->flags & (PROTO_F_STANDBY | PROTO_F_RESIGN));
}

bool fsm_peer_fit(const struct fsm *s, const struct fsm_cfg *cfg)
{
	const struct fsm_peer *p = &s->peer;

	return p->alive && p->streak >= cfg->rise && !peer_unavailable(p) &&
	       (p->state == PROTO_ST_BACKUP || p->state == PROTO_ST_MASTER) &&
	       (p->flags & PROTO_F_UPSTREAM);
}

static void push(struct fsm_output *out, enum fsm_action_type type)
{
	if (out->n_act < FSM_MAX_ACTIONS)
		out->act[out->n_act++].type = type;
}

static void probe_start(struct fsm *s, struct fsm_output *out, uint64_t now)
{
	s->probe_at_ms = now;
	s->vip_answered = false;
	s->probe_closing = false;
	push(out, FSM_ACT_PROBE);
}

static void enter(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		  enum fsm_state to, enum fsm_reason why, uint64_t now);

static bool probe_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now)
{
	if (cfg->probe_ms == 0)
		return true;
	if (s->probe_at_ms == 0) {
		probe_start(s, out, now);
		return false;
	}
	/*
	 * Already FAULT for a VIP in use: an answer settles this round at once,
	 * so the next question can go out sooner (see reprobe_gap_ms()).
	 */
	if (s->vip_answered && s->state == FSM_FAULT) {
		s->fault_until_ms = now + reprobe_gap_ms(cfg);
		probe_reset(s);
		return false;
	}
	if (now < s->probe_at_ms + cfg->probe_ms)
		return false;
	/*
	 * The window closed with no answer seen. An answer may still wait
	 * unread in the probe socket: the process did not run when it came (a
	 * loaded machine, a slow journal), and the glue's loop runs this
	 * expired timer before that socket's callback. So a "nobody answered"
	 * verdict waits for the next step, one millisecond later, by when the
	 * queued answers have been read: never claim on our own lateness.
	 */
	if (!s->vip_answered && !s->probe_closing) {
		/*
		 * Closing more than a window late, the process was held up
		 * somewhere after the question was due (the glue sends it after
		 * a netlink query; a loaded machine): it may have gone out only
		 * just now. Ask again rather than trust a window that may not
		 * have been one.
		 */
		if (now > s->probe_at_ms + 2ull * cfg->probe_ms) {
			probe_start(s, out, now);
			return false;
		}
		s->probe_closing = true;
		s->probe_at_ms = now + 1 - cfg->probe_ms;
		return false;
	}
	if (s->vip_answered) {
		if (s->state != FSM_FAULT)
			enter(s, cfg, out, FSM_FAULT, FSM_R_VIP_IN_USE, now);
		s->fault_until_ms = now + reprobe_gap_ms(cfg);
		probe_reset(s);
		return false;
	}
	probe_reset(s);
	return true;
}

/*
 * A node that found the VIP answered asks again soon: the usual holder is
 * the old master whose vipd died (kill -9, a watchdog kill after SIGSTOP),
 * and its address goes as soon as ExecStopPost runs, which is not tied to
 * our clock. An answer ends a round at once; the next question goes out
 * this long after it, and a question nobody answers lets the claim go
 * ahead one window later. The address may go while an answer to the
 * current question is still on its way, so the claim comes at most this
 * gap plus two windows after the address went: one interval less a fifth,
 * the fifth left for a loaded machine's timer and netlink delays. At
 * 50 ms x 3 with a 20 ms window that is a question right after each answer
 * (one ARP request per VIP per window, while it lasts); at the default
 * 200 ms, every 120 ms. Once a second would cost a second of outage.
 */
static uint64_t reprobe_gap_ms(const struct fsm_cfg *cfg)
{
	uint64_t budget_ms = cfg->interval_ms - cfg->interval_ms / 5;

	return budget_ms > 2ull * cfg->probe_ms + 1 ? budget_ms - 2ull * cfg->probe_ms : 1;
}

/*
 * Fencing: before claiming from a peer that went silent, make sure it
 * cannot come back holding the VIPs (power it off, cut its switch port).
 * Silence is all we know: the peer may be dead, or alive and cut off, and
 * only the fence tells the two apart for good. Only a timeout claim is
 * fenced: a peer that resigned, is in fault or standby, or lost an election
 * told us so itself. A node that never heard its peer at all (both booted,
 * the twin is off) has nobody to fence: it claims after the claim probe
 * alone, as without a fence command; a peer heard once and silent since is
 * fenced, in INIT as in BACKUP. True when the claim may go ahead; false
 * while the fence runs (started here, FSM_ACT_FENCE, once).
 */
static bool fence_clear(struct fsm *s, struct fsm_output *out, uint64_t now)
{
	if (s->fenced) {
		s->fenced = false;
		return true;
	}
	if (!s->fencing) {
		s->fencing = true;
		s->fence_at_ms = now;
		push(out, FSM_ACT_FENCE);
	}
	return false;
}

/* The claim probe, then the fence when there is a peer to fence (see fence_clear()). */
static bool timeout_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			  uint64_t now)
{
	bool fence = cfg->fence && s->peer.name[0];

	/* Probed already: the fence that runs (or ran) follows that probe. */
	if (!(fence && (s->fencing || s->fenced)) && !probe_clear(s, cfg, out, now))
		return false;
	return !fence || fence_clear(s, out, now);
}

/* Time before the next try after @failures failed fences in a row. */
static uint64_t fence_backoff_ms(uint32_t failures)
{
	uint64_t ms = VIPD_FENCE_RETRY_MIN_MS;

	for (uint32_t i = 1; i < failures && ms < VIPD_FENCE_RETRY_MAX_MS; i++)
		ms *= 2;
	return ms < VIPD_FENCE_RETRY_MAX_MS ? ms : VIPD_FENCE_RETRY_MAX_MS;
}

static void enter(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		  enum fsm_state to, enum fsm_reason why, uint64_t now)
{
	if (!out->changed) {
		out->changed = true;
		out->from = s->state;
	}
	if (to == FSM_MASTER) {
		s->refresh_at_ms = cfg->refresh_ms ? now + cfg->refresh_ms : 0;
		s->preempt_at_ms = 0;
		s->takeover_until_ms = 0;
		s->resign_until_ms = 0;
	} else {
		s->refresh_at_ms = 0;
	}
	if (to == FSM_INIT)
		s->listen_until_ms = now + own_dead_ms(cfg, s);
	s->state = to;
	s->reason = why;
	s->since_ms = now;
	s->transitions++;
	out->reason = why;
}

static void claim(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		  enum fsm_reason why, uint64_t now)
{
	enter(s, cfg, out, FSM_MASTER, why, now);
	s->fenced = false;
	s->fence_failures = 0;
	push(out, FSM_ACT_ADD_VIPS);
	push(out, FSM_ACT_ANNOUNCE);
}

/* Give the VIPs up; the RESIGN flag tells the peer to take them at once. */
static void resign(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		   enum fsm_state to, enum fsm_reason why, uint64_t now)
{
	bool held = s->state == FSM_MASTER;

	enter(s, cfg, out, to, why, now);
	if (held)
		push(out, FSM_ACT_DEL_VIPS);
	s->resign_until_ms = now + own_dead_ms(cfg, s);
}

/* A stalled process must not act on deadlines that passed while it slept. */
static void check_stall(struct fsm *s, const struct fsm_cfg *cfg, uint64_t now)
{
	uint64_t late;

	if (s->state == FSM_STOPPING || s->next_send_ms == 0 ||
	    now <= s->next_send_ms + cfg->interval_ms)
		return;
	late = now - s->next_send_ms;
	s->stalls++;
	/*
	 * A master asleep for about the dead interval cannot know whether
	 * its peer took over. The heartbeats queued meanwhile tell: for two
	 * intervals a MASTER heartbeat from the peer makes us yield rather
	 * than fight (see on_packet()); without one we never left.
	 */
	if (s->state == FSM_MASTER && late + cfg->interval_ms >= fsm_dead_ms(cfg, s, 0)) {
		s->stalled_until_ms = now + 2ull * cfg->interval_ms;
		return;
	}
	if (s->peer.alive && s->peer.dead_at_ms < now + cfg->interval_ms)
		s->peer.dead_at_ms = now + cfg->interval_ms;
	if (s->state == FSM_INIT && s->listen_until_ms < now + cfg->interval_ms)
		s->listen_until_ms = now + cfg->interval_ms;
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

static void rechallenge(struct fsm *s)
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
		rechallenge(s);
	return true;
}

/*
 * A packet with our name and another nonce: a second node was given our
 * name (a copied config), or a recording of an earlier run of ours. Only a
 * live node echoes our challenge.
 */
static enum fsm_drop name_conflict(struct fsm *s, const struct fsm_cfg *cfg,
				   const struct proto_pkt *pkt, struct fsm_output *out, uint64_t now,
				   bool *answer)
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
static enum fsm_drop peer_update(struct fsm *s, const struct fsm_cfg *cfg,
				 const struct proto_pkt *pkt, struct fsm_output *out, uint64_t now,
				 bool *answer)
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
		/* Replay: a sequence number of this session we already accepted, or an older one. */
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
	p->last_heard_ms = now;
	p->dead_at_ms = now + fsm_dead_ms(cfg, s, pkt->interval_ms);
	/* Settings the pair must share: reported, never acted on (no flap). */
	for (int k = 0; k < PROTO_DIGEST_COUNT; k++)
		if (pkt->digest[k] != cfg->digest[k])
			mismatch |= (uint8_t)(1u << k);
	if (mismatch != p->mismatch) {
		p->mismatch = mismatch;
		out->mismatch_changed = true;
	}
	probe_reset(s);	/* the peer lives: whatever answered was the peer */
	return FSM_DROP_NONE;
}

/*
 * With two paths each heartbeat comes twice (or out of order across the
 * paths): a copy of one already accepted keeps that path's health up, but
 * is no replay and no news. Out of the window it is a replay like any.
 */
static bool duplicate(const struct fsm *s, const struct proto_pkt *pkt)
{
	const struct fsm_peer *p = &s->peer;

	return p->name[0] && strcmp(pkt->name, p->name) == 0 && pkt->nonce == p->nonce &&
	       pkt->seq <= p->seq && pkt->seq + FSM_DUP_WINDOW > p->seq;
}

static bool on_packet(struct fsm *s, const struct fsm_cfg *cfg, const struct proto_pkt *pkt,
		      struct fsm_output *out, uint64_t now)
{
	const struct fsm_peer *p = &s->peer;
	uint16_t prev_flags = p->alive ? p->flags : 0;
	bool was_alive = p->alive, send = false;

	out->drop = peer_update(s, cfg, pkt, out, now, &send);
	if (out->drop != FSM_DROP_NONE)
		return send;
	if (pkt->flags & PROTO_F_QUERY)
		send = true;	/* a starting peer asks: answer at once */

	switch (s->state) {
	case FSM_INIT:
		if (p->state == PROTO_ST_MASTER) {
			enter(s, cfg, out, FSM_BACKUP, FSM_R_PEER_MASTER, now);
			send = true;
		}
		break;
	case FSM_BACKUP:
		/*
		 * The peer took what we handed over: the hold has done its job.
		 * Not after a lost contention: there RESIGN is how the winner
		 * learns to announce again, and the first one may have been
		 * lost (a link that heals one direction first), so it is kept
		 * for the whole hold.
		 */
		if (p->state == PROTO_ST_MASTER && s->reason != FSM_R_CONTENTION_LOST)
			s->resign_until_ms = 0;
		break;
	case FSM_MASTER:
		/* Contention and preemption are for the leaders of sync sets to settle. */
		if (cfg->follower && (p->state == PROTO_ST_MASTER || (p->flags & PROTO_F_TAKEOVER)))
			break;
		if (p->state == PROTO_ST_MASTER && now < s->stalled_until_ms) {
			/* It took over while we were frozen: yield, do not fight. */
			resign(s, cfg, out, FSM_BACKUP, FSM_R_STALLED, now);
			send = true;
		} else if (p->state == PROTO_ST_MASTER) {
			/* Contention: both hold the VIPs. The ranking decides. */
			if (outranks_peer(s, cfg)) {
				out->contention_won = true;
				push(out, FSM_ACT_ANNOUNCE);
			} else {
				/* RESIGN tells the winner to announce again. */
				resign(s, cfg, out, FSM_BACKUP, FSM_R_CONTENTION_LOST, now);
			}
			send = true;
		} else if ((p->flags & PROTO_F_TAKEOVER) && fsm_peer_fit(s, cfg)) {
			resign(s, cfg, out, FSM_BACKUP, FSM_R_PREEMPT, now);
			send = true;
		} else if (p->state != PROTO_ST_STOPPING &&
			   (!was_alive || ((p->flags & PROTO_F_RESIGN) &&
					   !(prev_flags & PROTO_F_RESIGN)))) {
			/*
			 * The peer just dropped VIPs while we hold them: it lost a
			 * contention we never saw (its MASTER heartbeat did not
			 * reach us first), or woke from a stall. Or it comes back
			 * from silence, in which it may have claimed them (a
			 * partition that healed one way first hides its RESIGN).
			 * Hosts may point at its MAC: announce again.
			 */
			push(out, FSM_ACT_ANNOUNCE);
			if ((p->flags & PROTO_F_RESIGN) && !(prev_flags & PROTO_F_RESIGN))
				out->reannounce = true;
			else
				out->peer_returned = true;
			send = true;
		}
		break;
	case FSM_FAULT:
		/* The VIP we saw answered is the peer's: a partition that healed. */
		if (s->reason == FSM_R_VIP_IN_USE && p->state == PROTO_ST_MASTER) {
			enter(s, cfg, out, FSM_BACKUP, FSM_R_PEER_MASTER, now);
			send = true;
		}
		break;
	case FSM_STOPPING:
		if (p->state == PROTO_ST_MASTER) {
			/* The peer took over: our hand-over is acknowledged. */
			enter(s, cfg, out, FSM_STOPPED, FSM_R_SHUTDOWN, now);
			push(out, FSM_ACT_EXIT);
		}
		break;
	default:
		break;
	}
	return send;
}

/*
 * A follower in INIT or BACKUP: claim while the leader is master, else
 * finish listening like any group. Its own resign hold and standby flag do
 * not count: holding the set back is the leader's business.
 */
static bool follow(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		   uint64_t now)
{
	if (s->leader_master && self_eligible(s, UINT64_MAX)) {
		claim(s, cfg, out, FSM_R_SYNC_MASTER, now);
		return true;
	}
	if (s->state != FSM_INIT || now < s->listen_until_ms)
		return false;
	if (!s->healthy)
		enter(s, cfg, out, FSM_FAULT, fault_reason(s), now);
	else if (!s->upstream)
		enter(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
	else
		enter(s, cfg, out, FSM_BACKUP, FSM_R_LISTEN_DONE, now);
	return true;
}

/* A follower learns its leader's state; claiming waits for evaluate(). */
static bool on_sync(struct fsm *s, const struct fsm_cfg *cfg, bool leader_master,
		    struct fsm_output *out, uint64_t now)
{
	if (!cfg->follower)
		return false;
	s->leader_master = leader_master;
	if (!leader_master && s->state == FSM_MASTER) {
		resign(s, cfg, out, FSM_BACKUP, FSM_R_SYNC_BACKUP, now);
		return true;
	}
	return false;
}

/*
 * Another live node uses our name: the pair cannot tell who is who, so no
 * node in doubt may claim. A non-master goes FAULT. A master keeps the VIPs
 * (the newcomer listened before it could claim, so the master was there
 * first) unless the other is MASTER too; then the smaller nonce yields,
 * the same answer on both nodes. The fault ends a dead interval after the
 * other node was last heard. Returns true when the peer should hear of it.
 */
static bool conflict_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			  uint64_t now)
{
	if (now < s->conflict_until_ms) {
		if (s->state == FSM_INIT || s->state == FSM_BACKUP) {
			enter(s, cfg, out, FSM_FAULT, FSM_R_NAME_CONFLICT, now);
			return true;
		}
		if (s->state == FSM_MASTER && s->conflict_state == PROTO_ST_MASTER &&
		    s->nonce < s->conflict_nonce) {
			resign(s, cfg, out, FSM_FAULT, FSM_R_NAME_CONFLICT, now);
			return true;
		}
		return false;
	}
	if (s->state != FSM_FAULT || s->reason != FSM_R_NAME_CONFLICT)
		return false;
	/* The other node is gone: back to the usual, listening first. */
	if (s->healthy && s->upstream) {
		enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
		return true;
	}
	s->reason = s->healthy ? FSM_R_UPSTREAM : fault_reason(s);
	return false;
}

static bool fence_retry(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now);

/*
 * FAULT: after a failed fence, its retries. A VIP in use elsewhere: probe
 * again every interval (see reprobe_gap_ms()). Free and the peer still
 * silent: the claim the probe held back goes ahead at once (after the
 * fence, when there is one: see timeout_clear()). Free while a peer speaks:
 * listen and elect again. Returns true when the peer should hear of it.
 */
static bool fault_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		       uint64_t now)
{
	const struct fsm_peer *p = &s->peer;

	if (s->reason == FSM_R_FENCE_FAILED)
		return fence_retry(s, cfg, out, now);
	if (s->reason != FSM_R_VIP_IN_USE || now < s->fault_until_ms || !s->healthy ||
	    !s->upstream)
		return false;
	if (!(cfg->fence && p->name[0] && (s->fencing || s->fenced)) &&
	    !probe_clear(s, cfg, out, now))
		return false;
	if (!p->alive && self_eligible(s, now)) {
		if (cfg->fence && p->name[0] && !fence_clear(s, out, now))
			return false;
		claim(s, cfg, out, p->name[0] ? FSM_R_PEER_TIMEOUT : FSM_R_LISTEN_DONE, now);
	} else {
		enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
	}
	return true;
}

/* Deadlines and conditions that do not depend on the event at hand. */
static bool evaluate(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		     uint64_t now)
{
	struct fsm_peer *p = &s->peer;
	bool send = false;

	if (p->alive && now >= p->dead_at_ms) {
		p->alive = false;
		p->streak = 0;
		rechallenge(s);	/* nothing recorded before its death may bring it back */
	}
	if (conflict_step(s, cfg, out, now))
		send = true;
	/* The peer spoke again: a fence that ended before allows no later claim. */
	if (p->alive && !s->fencing)
		s->fenced = false;
	if (cfg->follower && (s->state == FSM_INIT || s->state == FSM_BACKUP))
		return follow(s, cfg, out, now) || send;

	switch (s->state) {
	case FSM_INIT:
		if (cfg->probe_ms && !s->probe_at_ms && !s->fencing &&
		    now + cfg->probe_ms >= s->listen_until_ms && self_eligible(s, now))
			probe_start(s, out, now);
		if (now < s->listen_until_ms)
			break;
		if (!s->healthy) {
			enter(s, cfg, out, FSM_FAULT, fault_reason(s), now);
		} else if (!s->upstream) {
			enter(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
		} else if (self_eligible(s, now) &&
			   (!p->alive || peer_unavailable(p) || outranks_peer(s, cfg))) {
			/* A live peer that cannot or need not hold the VIPs is not fenced. */
			if (!(p->alive ? probe_clear(s, cfg, out, now)
				       : timeout_clear(s, cfg, out, now)))
				break;
			claim(s, cfg, out, FSM_R_LISTEN_DONE, now);
		} else {
			enter(s, cfg, out, FSM_BACKUP, FSM_R_LISTEN_DONE, now);
		}
		send = true;
		break;
	case FSM_BACKUP:
		if (!self_eligible(s, now)) {
			s->preempt_at_ms = 0;
			break;
		}
		if (cfg->probe_ms && p->alive && !s->probe_at_ms &&
		    now + cfg->probe_ms >= p->dead_at_ms)
			probe_start(s, out, now);	/* the peer is late: ask early */
		if (!p->alive) {
			if (timeout_clear(s, cfg, out, now))
				claim(s, cfg, out, FSM_R_PEER_TIMEOUT, now);
			send = true;
		} else if ((p->flags & PROTO_F_RESIGN) || p->state == PROTO_ST_STOPPING) {
			claim(s, cfg, out, FSM_R_PEER_RESIGNED, now);
			send = true;
		} else if (peer_unavailable(p)) {
			claim(s, cfg, out, FSM_R_PEER_UNAVAILABLE, now);
			send = true;
		} else if (p->state == PROTO_ST_BACKUP && outranks_peer(s, cfg)) {
			claim(s, cfg, out, FSM_R_ELECTION_WON, now);
			send = true;
		} else if (p->state == PROTO_ST_MASTER && cfg->preempt && outranks_peer(s, cfg)) {
			if (s->preempt_at_ms == 0)
				s->preempt_at_ms = now + cfg->preempt_delay_ms;
			if (now >= s->preempt_at_ms) {
				if (now >= s->takeover_until_ms)
					send = true;
				s->takeover_until_ms = now + 2ull * cfg->interval_ms;
			}
		} else {
			s->preempt_at_ms = 0;
		}
		break;
	case FSM_MASTER:
		/* Cut off upstream: hand over, but only to a peer that is not. */
		if (!s->upstream && fsm_peer_fit(s, cfg)) {
			resign(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
			send = true;
			break;
		}
		/*
		 * A check script with a weight lowered our priority and the peer
		 * now outranks us: hand over, as a healthy master would to a
		 * switchover. Not preemption: a master at its configured
		 * priority keeps the VIPs whatever the peer's (see preempt).
		 */
		if (s->priority < cfg->base_priority && fsm_peer_fit(s, cfg) &&
		    !outranks_peer(s, cfg)) {
			resign(s, cfg, out, FSM_BACKUP, FSM_R_PRIORITY, now);
			send = true;
			break;
		}
		if (s->refresh_at_ms && now >= s->refresh_at_ms) {
			push(out, FSM_ACT_ANNOUNCE);
			s->refresh_at_ms = now + cfg->refresh_ms;
		}
		break;
	case FSM_FAULT:
		send = fault_step(s, cfg, out, now);
		break;
	default:
		break;
	}
	return send;
}

/*
 * FAULT after a failed fence: the peer is heard again (it was only cut off
 * and is back, or the fence hit the wrong box): listen again; a fence that
 * succeeded: claim; otherwise the next try when the back-off is over.
 * Health and upstream lost meanwhile are on_health()'s and on_upstream()'s.
 */
static bool fence_retry(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now)
{
	if (s->peer.alive) {
		s->fenced = false;
		enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
		return true;
	}
	if (!self_eligible(s, now))
		return false;
	if (s->fenced) {
		claim(s, cfg, out, FSM_R_PEER_TIMEOUT, now);
		return true;
	}
	if (!s->fencing && now >= s->fault_until_ms)
		fence_clear(s, out, now);
	return false;
}

/* The fence command ended; what it allows is evaluate()'s business. */
static void on_fence_done(struct fsm *s, const struct fsm_cfg *cfg, bool ok,
			  struct fsm_output *out, uint64_t now)
{
	if (!s->fencing)
		return;		/* abandoned: the peer came back, or we left the claim path */
	s->fencing = false;
	if (ok) {
		s->fenced = true;
		s->fence_failures = 0;
		return;
	}
	s->fence_failures++;
	s->fault_until_ms = now + fence_backoff_ms(s->fence_failures);
	/* In FAULT for another reason (health, upstream) that reason stays. */
	if (s->state == FSM_BACKUP || s->state == FSM_INIT)
		enter(s, cfg, out, FSM_FAULT, FSM_R_FENCE_FAILED, now);
}

static bool on_upstream(struct fsm *s, const struct fsm_cfg *cfg, bool ok,
			struct fsm_output *out, uint64_t now)
{
	if (ok == s->upstream)
		return false;
	s->upstream = ok;
	if (!ok && s->state == FSM_BACKUP) {
		/*
		 * Isolated: must not claim. (A master decides in evaluate();
		 * a node in INIT when its listening ends.)
		 */
		enter(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
	} else if (ok && s->state == FSM_FAULT && s->healthy && s->reason == FSM_R_UPSTREAM) {
		enter(s, cfg, out, FSM_INIT, FSM_R_UPSTREAM_OK, now);
	}
	return true;	/* the UPSTREAM flag changed: tell the peer now */
}

static bool on_stop(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		    uint64_t now)
{
	if (s->state == FSM_STOPPING)
		return false;
	if (s->state == FSM_MASTER) {
		resign(s, cfg, out, FSM_STOPPING, FSM_R_SHUTDOWN, now);
		/* Wait for the peer's ack only if there is a peer to give one. */
		s->stop_at_ms = s->peer.alive && s->peer.state != PROTO_ST_STOPPING
					? now + cfg->stop_wait_ms
					: now;
		return true;
	}
	/* Holding nothing: say goodbye once and go. */
	enter(s, cfg, out, FSM_STOPPING, FSM_R_SHUTDOWN, now);
	s->stop_at_ms = now;
	return true;
}

static bool on_health(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
		      struct fsm_output *out)
{
	uint64_t now = in->now_ms;
	bool send = false;

	if (in->priority && in->priority != s->priority) {
		s->priority = in->priority;
		send = true;
	}
	s->no_interface = !in->healthy && in->no_interface;
	if (!in->healthy && s->healthy) {
		s->healthy = false;
		if (s->state == FSM_MASTER) {
			resign(s, cfg, out, FSM_FAULT, fault_reason(s), now);
			send = true;
		} else if (s->state == FSM_BACKUP) {
			enter(s, cfg, out, FSM_FAULT, fault_reason(s), now);
			send = true;
		}
	} else if (!in->healthy && s->state == FSM_FAULT &&
		   (s->reason == FSM_R_FAULT || s->reason == FSM_R_NO_INTERFACE ||
		    s->reason == FSM_R_FENCE_FAILED)) {
		/* Still unhealthy, for another reason (carrier lost, then the link deleted). */
		s->reason = fault_reason(s);
	} else if (in->healthy && !s->healthy) {
		s->healthy = true;
		if (s->state == FSM_FAULT && s->upstream) {
			/* What happened while we were blind is unknown: listen again. */
			enter(s, cfg, out, FSM_INIT, FSM_R_HEALTHY, now);
			send = true;
		}
	}
	return send;
}

void fsm_health_input(const struct fsm_cfg *cfg, const struct fsm_health *h,
		      struct fsm_input *in)
{
	int prio = (int)cfg->base_priority;

	if (h->check_failed)
		prio -= (int)(h->check_weight < 255 ? h->check_weight : 255);
	if (h->sip_failed)
		prio -= (int)(h->sip_weight < 255 ? h->sip_weight : 255);
	in->ev = FSM_EV_HEALTH;
	in->healthy = h->interface && h->link_up && !(h->check_failed && h->check_weight == 0) &&
		      !(h->sip_failed && h->sip_weight == 0) && !h->sync_blocked;
	in->no_interface = !h->interface;
	in->priority = (uint8_t)(prio < 1 ? 1 : prio);
}

bool fsm_health_news(const struct fsm *s, const struct fsm_input *in)
{
	return in->healthy != s->healthy || in->priority != s->priority ||
	       (!in->healthy && in->no_interface != s->no_interface);
}

static int on_switchover(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
			 struct fsm_output *out)
{
	uint64_t now = in->now_ms;

	if (s->state == FSM_MASTER) {
		if (!in->force && !fsm_peer_fit(s, cfg))
			return FSM_E_PEER_UNHEALTHY;
		resign(s, cfg, out, FSM_BACKUP, FSM_R_SWITCHOVER, now);
		return FSM_OK;
	}
	if (s->state == FSM_BACKUP) {
		if (!s->peer.alive || s->peer.state != PROTO_ST_MASTER)
			return FSM_E_NOT_MASTER;
		if (!s->healthy || s->standby)
			return FSM_E_STATE;
		/* Ask the master to resign to us; its RESIGN makes us claim. */
		s->takeover_until_ms = now + own_dead_ms(cfg, s);
		return FSM_OK;
	}
	return FSM_E_STATE;
}

static int on_standby(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
		      struct fsm_output *out)
{
	if (in->on && s->state == FSM_MASTER) {
		if (!in->force && !fsm_peer_fit(s, cfg))
			return FSM_E_PEER_UNHEALTHY;
		s->standby = true;
		resign(s, cfg, out, FSM_BACKUP, FSM_R_STANDBY, in->now_ms);
		return FSM_OK;
	}
	s->standby = in->on;
	if (!in->on)
		s->resign_until_ms = 0;
	return FSM_OK;
}

static uint16_t tx_flags(const struct fsm *s, uint64_t now)
{
	uint16_t f = 0;

	if (now < s->resign_until_ms || s->state == FSM_STOPPING)
		f |= PROTO_F_RESIGN;
	if (now < s->takeover_until_ms && s->state == FSM_BACKUP)
		f |= PROTO_F_TAKEOVER;
	if (s->standby)
		f |= PROTO_F_STANDBY;
	if (s->healthy && s->upstream)
		f |= PROTO_F_UPSTREAM;
	return f;
}

static void emit_send(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		      uint16_t extra, uint64_t now)
{
	struct proto_pkt *pkt;

	if (out->n_act >= FSM_MAX_ACTIONS)
		return;
	pkt = &out->act[out->n_act].pkt;
	out->act[out->n_act++].type = FSM_ACT_SEND;
	memset(pkt, 0, sizeof(*pkt));
	pkt->type = PROTO_T_HEARTBEAT;
	pkt->state = (uint8_t)(s->state == FSM_STOPPED ? FSM_STOPPING : s->state);
	pkt->priority = s->priority;
	pkt->flags = (uint16_t)(tx_flags(s, now) | extra);
	pkt->interval_ms = (uint16_t)cfg->interval_ms;
	pkt->group_id = cfg->group_id;
	pkt->key_id = cfg->key_id;
	memcpy(pkt->digest, cfg->digest, sizeof(pkt->digest));
	pkt->nonce = s->nonce;
	pkt->challenge = s->challenge;
	pkt->echo = s->peer.challenge;
	pkt->echo_new = s->cand ? s->cand_challenge : 0;
	pkt->seq = ++s->tx_seq;
	pkt->peer_seq = s->peer.seq;
	memcpy(pkt->name, cfg->name, sizeof(pkt->name) - 1);
	s->next_send_ms = now + cfg->interval_ms;
}

static void min_future(uint64_t *best, uint64_t t, uint64_t now)
{
	if (t > now && t < *best)
		*best = t;
}

static uint64_t next_deadline(const struct fsm *s, const struct fsm_cfg *cfg, uint64_t now)
{
	uint64_t d = UINT64_MAX;

	if (s->state == FSM_STOPPED)
		return d;
	min_future(&d, s->next_send_ms, now);
	if (s->state == FSM_INIT)
		min_future(&d, s->listen_until_ms, now);
	if (s->state == FSM_STOPPING)
		min_future(&d, s->stop_at_ms, now);
	if (s->state == FSM_MASTER)
		min_future(&d, s->refresh_at_ms, now);
	if (s->peer.alive)
		min_future(&d, s->peer.dead_at_ms, now);
	min_future(&d, s->preempt_at_ms, now);
	min_future(&d, s->resign_until_ms, now);
	if (s->state == FSM_FAULT)
		min_future(&d, s->fault_until_ms, now);
	min_future(&d, s->conflict_until_ms, now);
	if (s->probe_at_ms) {
		min_future(&d, s->probe_at_ms + cfg->probe_ms, now);
	} else if (cfg->probe_ms) {
		/* When the claim probe would start. */
		if (s->state == FSM_INIT && s->listen_until_ms > cfg->probe_ms)
			min_future(&d, s->listen_until_ms - cfg->probe_ms, now);
		if (s->state == FSM_BACKUP && s->peer.alive && s->peer.dead_at_ms > cfg->probe_ms)
			min_future(&d, s->peer.dead_at_ms - cfg->probe_ms, now);
	}
	return d;
}

/*
 * A refresh is one round of announcements; a takeover, a contention won, a
 * peer that dropped our VIPs or came back from silence get the full burst
 * (garp_count): hosts may point at the other node's MAC.
 */
static void announce_size(struct fsm_output *out)
{
	bool burst = out->changed || out->contention_won || out->reannounce || out->peer_returned;

	for (size_t i = 0; i < out->n_act; i++)
		if (out->act[i].type == FSM_ACT_ANNOUNCE)
			out->act[i].burst = burst;
}

int fsm_step(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
	     struct fsm_output *out)
{
	uint64_t now = in->now_ms;
	uint16_t extra = 0;
	bool send = false;
	int rc = FSM_OK;

	memset(out, 0, sizeof(*out));
	if (s->state == FSM_STOPPED) {
		out->next_deadline_ms = UINT64_MAX;
		return in->ev == FSM_EV_TIMER ? FSM_OK : FSM_E_STATE;
	}
	if (in->ev != FSM_EV_START)
		check_stall(s, cfg, now);

	switch (in->ev) {
	case FSM_EV_START:
		/* Copies left by a crash are removed: we are not master yet. */
		push(out, FSM_ACT_DEL_VIPS);
		s->listen_until_ms = now + own_dead_ms(cfg, s);
		s->since_ms = now;
		extra = PROTO_F_QUERY;
		send = true;
		break;
	case FSM_EV_PACKET:
		if (in->pkt && in->multipath && duplicate(s, in->pkt))
			out->duplicate = true;
		else if (in->pkt)
			send = on_packet(s, cfg, in->pkt, out, now);
		break;
	case FSM_EV_STOP:
		send = on_stop(s, cfg, out, now);
		break;
	case FSM_EV_HEALTH:
		send = on_health(s, cfg, in, out);
		break;
	case FSM_EV_SWITCHOVER:
		rc = cfg->follower ? FSM_E_FOLLOWER : on_switchover(s, cfg, in, out);
		send = rc == FSM_OK;
		break;
	case FSM_EV_STANDBY:
		rc = cfg->follower ? FSM_E_FOLLOWER : on_standby(s, cfg, in, out);
		send = rc == FSM_OK;
		break;
	case FSM_EV_SYNC:
		send = on_sync(s, cfg, in->leader_master, out, now);
		break;
	case FSM_EV_UPSTREAM:
		send = on_upstream(s, cfg, in->healthy, out, now);
		break;
	case FSM_EV_VIP_ANSWERED:
		if (s->probe_at_ms)
			s->vip_answered = true;
		break;
	case FSM_EV_FENCE_DONE:
		on_fence_done(s, cfg, in->ok, out, now);
		break;
	case FSM_EV_TIMER:
		break;
	}
	if (s->state != FSM_STOPPED && evaluate(s, cfg, out, now))
		send = true;
	if (s->state != FSM_STOPPED && (send || now >= s->next_send_ms))
		emit_send(s, cfg, out, extra, now);
	/* A goodbye from a node holding nothing goes out before it exits. */
	if (s->state == FSM_STOPPING && now >= s->stop_at_ms) {
		enter(s, cfg, out, FSM_STOPPED, FSM_R_SHUTDOWN, now);
		push(out, FSM_ACT_EXIT);
	}
	announce_size(out);
	out->next_deadline_ms = next_deadline(s, cfg, now);
	return rc;
}

const char *fsm_state_name(enum fsm_state st)
{
	static const char *const names[FSM_STATE_COUNT] = {
		[FSM_INIT] = "INIT",	 [FSM_BACKUP] = "BACKUP",     [FSM_MASTER] = "MASTER",
		[FSM_FAULT] = "FAULT",	 [FSM_STOPPING] = "STOPPING", [FSM_STOPPED] = "STOPPED",
	};

	return (unsigned)st < FSM_STATE_COUNT ? names[st] : "?";
}

const char *fsm_reason_text(enum fsm_reason r)
{
	static const char *const text[FSM_R_COUNT] = {
		[FSM_R_NONE] = "none",
		[FSM_R_START] = "started",
		[FSM_R_LISTEN_DONE] = "listened for the dead interval",
		[FSM_R_PEER_MASTER] = "peer is master",
		[FSM_R_PEER_TIMEOUT] = "peer timed out",
		[FSM_R_PEER_RESIGNED] = "peer resigned",
		[FSM_R_PEER_UNAVAILABLE] = "peer in fault or standby",
		[FSM_R_ELECTION_WON] = "no master, this node ranks higher",
		[FSM_R_CONTENTION_WON] = "two masters, this node ranks higher",
		[FSM_R_CONTENTION_LOST] = "two masters, peer ranks higher",
		[FSM_R_PREEMPT] = "handed over at the peer's request",
		[FSM_R_STALLED] = "own timers stalled",
		[FSM_R_FAULT] = "health check failed",
		[FSM_R_HEALTHY] = "health restored",
		[FSM_R_SWITCHOVER] = "switchover requested",
		[FSM_R_STANDBY] = "standby requested",
		[FSM_R_SHUTDOWN] = "shutdown",
		[FSM_R_SYNC_MASTER] = "sync set leader is master",
		[FSM_R_SYNC_BACKUP] = "sync set leader left master",
		[FSM_R_UPSTREAM] = "upstream targets unreachable",
		[FSM_R_UPSTREAM_OK] = "upstream targets reachable again",
		[FSM_R_VIP_IN_USE] = "another host answers for the VIP",
		[FSM_R_PRIORITY] = "priority lowered by a failing check",
		[FSM_R_RECHECK] = "checking again whether the VIP is free",
		[FSM_R_NO_INTERFACE] = "interface missing",
		[FSM_R_NAME_CONFLICT] = "another node uses this node's name",
		[FSM_R_FENCE_FAILED] = "fencing the peer failed",
	};

	return (unsigned)r < FSM_R_COUNT ? text[r] : "?";
}

const char *fsm_drop_key(enum fsm_drop d)
{
	static const char *const keys[FSM_DROP_COUNT] = {
		[FSM_DROP_NONE] = "none",	  [FSM_DROP_OWN] = "own",
		[FSM_DROP_NAME] = "name_conflict", [FSM_DROP_REPLAY] = "replay",
		[FSM_DROP_STALE] = "stale",	   [FSM_DROP_FOREIGN] = "foreign",
		[FSM_DROP_HELLO] = "hello",
	};

	return (unsigned)d < FSM_DROP_COUNT ? keys[d] : "?";
}

const char *fsm_strerror(int err)
{
	switch (err) {
	case FSM_OK:
		return "success";
	case FSM_E_NOT_MASTER:
		return "no master to take over from";
	case FSM_E_PEER_UNHEALTHY:
		return "peer is not fit to take over (use --force to override)";
	case FSM_E_STATE:
		return "not possible in the current state";
	case FSM_E_FOLLOWER:
		return "the group follows its sync set's leader: ask the leader";
	default:
		return "unknown error";
	}
}
