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
 *   instead (see fsm_probe_clear()). With a fence command, a claim from a
 *   peer that went silent also waits for the fence, which runs whether or
 *   not the probe was answered (a frozen peer's kernel answers); after an
 *   answer the probe asks again once the fence is done (fsm_probe.c). A
 *   fence that fails is FAULT "fencing the peer failed", retried with
 *   back-off:
 *
 *     BACKUP/INIT -- peer silent, probed --> (fencing) -- ok, VIPs free --> MASTER
 *                                                |
 *                                      failed / timed out
 *                                                v
 *     MASTER <-- ok, VIPs free -- FAULT (fence failed) -- retry after 1, 2, 4 .. 30 s
 *     INIT   <-- the peer is heard again --+
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
#include "fsm_int.h"

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

uint64_t fsm_own_dead_ms(const struct fsm_cfg *cfg, const struct fsm *s)
{
	return fsm_dead_ms(cfg, s, cfg->interval_ms);
}

/* True if this node may hold the VIPs at all. */
bool fsm_self_eligible(const struct fsm *s, uint64_t now)
{
	return s->healthy && s->upstream && !s->standby && now >= s->resign_until_ms &&
	       now >= s->conflict_until_ms;
}

void fsm_push(struct fsm_output *out, enum fsm_action_type type)
{
	if (out->n_act < FSM_MAX_ACTIONS)
		out->act[out->n_act++].type = type;
}

void fsm_enter(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, enum fsm_state to,
	       enum fsm_reason why, uint64_t now)
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
		s->listen_until_ms = now + fsm_own_dead_ms(cfg, s);
	s->state = to;
	s->reason = why;
	s->since_ms = now;
	s->transitions++;
	out->reason = why;
}

void fsm_claim(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
	       enum fsm_reason why, uint64_t now)
{
	fsm_enter(s, cfg, out, FSM_MASTER, why, now);
	s->fenced = false;
	s->fence_failures = 0;
	fsm_push(out, FSM_ACT_ADD_VIPS);
	fsm_push(out, FSM_ACT_ANNOUNCE);
}

/* Give the VIPs up; the RESIGN flag tells the peer to take them at once. */
void fsm_resign(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, enum fsm_state to,
		enum fsm_reason why, uint64_t now)
{
	bool held = s->state == FSM_MASTER;

	fsm_enter(s, cfg, out, to, why, now);
	if (held)
		fsm_push(out, FSM_ACT_DEL_VIPS);
	s->resign_until_ms = now + fsm_own_dead_ms(cfg, s);
}

/*
 * A heartbeat while MASTER: yield to a peer that took over while we were
 * stalled, settle a contention, honour a takeover request, or announce
 * again when the peer dropped the VIPs or comes back from silence.
 * @was_alive and @prev_flags are the peer's before this heartbeat. Returns
 * true when the peer should hear from us at once.
 */
static bool master_packet(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			  bool was_alive, uint16_t prev_flags, uint64_t now)
{
	const struct fsm_peer *p = &s->peer;
	bool resigned = (p->flags & PROTO_F_RESIGN) && !(prev_flags & PROTO_F_RESIGN);

	/* Contention and preemption are for the leaders of sync sets to settle. */
	if (cfg->follower && (p->state == PROTO_ST_MASTER || (p->flags & PROTO_F_TAKEOVER)))
		return false;
	if (p->state == PROTO_ST_MASTER && now < s->stalled_until_ms) {
		/* It took over while we were frozen: yield, do not fight. */
		fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_STALLED, now);
		return true;
	}
	if (p->state == PROTO_ST_MASTER) {
		/* Contention: both hold the VIPs. The ranking decides. */
		if (fsm_peer_outranks(s, cfg)) {
			out->contention_won = true;
			fsm_push(out, FSM_ACT_ANNOUNCE);
		} else {
			/* RESIGN tells the winner to announce again. */
			fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_CONTENTION_LOST, now);
		}
		return true;
	}
	if ((p->flags & PROTO_F_TAKEOVER) && fsm_peer_fit(s, cfg)) {
		fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_PREEMPT, now);
		return true;
	}
	if (p->state == PROTO_ST_STOPPING || (was_alive && !resigned))
		return false;
	/*
	 * The peer just dropped VIPs while we hold them: it lost a contention
	 * we never saw (its MASTER heartbeat did not reach us first), or woke
	 * from a stall. Or it comes back from silence, in which it may have
	 * claimed them (a partition that healed one way first hides its
	 * RESIGN). Hosts may point at its MAC: announce again.
	 */
	fsm_push(out, FSM_ACT_ANNOUNCE);
	if (resigned)
		out->reannounce = true;
	else
		out->peer_returned = true;
	return true;
}

static bool on_packet(struct fsm *s, const struct fsm_cfg *cfg, const struct proto_pkt *pkt,
		      struct fsm_output *out, uint64_t now, uint64_t heard)
{
	const struct fsm_peer *p = &s->peer;
	uint16_t prev_flags = p->alive ? p->flags : 0;
	bool was_alive = p->alive, send = false;

	out->drop = fsm_peer_update(s, cfg, pkt, out, now, heard, &send);
	if (out->drop != FSM_DROP_NONE)
		return send;
	if (pkt->flags & PROTO_F_QUERY)
		send = true; /* a starting peer asks: answer at once */

	switch (s->state) {
	case FSM_INIT:
		if (p->state == PROTO_ST_MASTER) {
			fsm_enter(s, cfg, out, FSM_BACKUP, FSM_R_PEER_MASTER, now);
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
		if (master_packet(s, cfg, out, was_alive, prev_flags, now))
			send = true;
		break;
	case FSM_FAULT:
		/* The VIP we saw answered is the peer's: a partition that healed. */
		if (s->reason == FSM_R_VIP_IN_USE && p->state == PROTO_ST_MASTER) {
			fsm_enter(s, cfg, out, FSM_BACKUP, FSM_R_PEER_MASTER, now);
			send = true;
		}
		break;
	case FSM_STOPPING:
		if (p->state == PROTO_ST_MASTER) {
			/* The peer took over: our hand-over is acknowledged. */
			fsm_enter(s, cfg, out, FSM_STOPPED, FSM_R_SHUTDOWN, now);
			fsm_push(out, FSM_ACT_EXIT);
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
static bool follow(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now)
{
	if (s->leader_master && fsm_self_eligible(s, UINT64_MAX)) {
		fsm_claim(s, cfg, out, FSM_R_SYNC_MASTER, now);
		return true;
	}
	if (s->state != FSM_INIT || now < s->listen_until_ms)
		return false;
	if (!s->healthy)
		fsm_enter(s, cfg, out, FSM_FAULT, fsm_health_fault_reason(s), now);
	else if (!s->upstream)
		fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
	else
		fsm_enter(s, cfg, out, FSM_BACKUP, FSM_R_LISTEN_DONE, now);
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
		fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_SYNC_BACKUP, now);
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
			fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_NAME_CONFLICT, now);
			return true;
		}
		if (s->state == FSM_MASTER && s->conflict_state == PROTO_ST_MASTER &&
		    s->nonce < s->conflict_nonce) {
			fsm_resign(s, cfg, out, FSM_FAULT, FSM_R_NAME_CONFLICT, now);
			return true;
		}
		return false;
	}
	if (s->state != FSM_FAULT || s->reason != FSM_R_NAME_CONFLICT)
		return false;
	/* The other node is gone: back to the usual, listening first. */
	if (s->healthy && s->upstream) {
		fsm_enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
		return true;
	}
	s->reason = s->healthy ? FSM_R_UPSTREAM : fsm_health_fault_reason(s);
	return false;
}

/* INIT: the claim probe ahead of the listening's end, then claim, BACKUP or FAULT. */
static bool init_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		      uint64_t now)
{
	const struct fsm_peer *p = &s->peer;

	if (cfg->probe_ms && !s->probe_at_ms && !s->fencing &&
	    now + cfg->probe_ms >= s->listen_until_ms && fsm_self_eligible(s, now))
		fsm_probe_start(s, cfg, out, now);
	if (now < s->listen_until_ms)
		return false;
	if (!s->healthy) {
		fsm_enter(s, cfg, out, FSM_FAULT, fsm_health_fault_reason(s), now);
	} else if (!s->upstream) {
		fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
	} else if (fsm_self_eligible(s, now) &&
		   (!p->alive || fsm_peer_unavailable(p) || fsm_peer_outranks(s, cfg))) {
		/* A live peer that cannot or need not hold the VIPs is not fenced. */
		if (!(p->alive ? fsm_probe_clear(s, cfg, out, now)
			       : fsm_probe_timeout_clear(s, cfg, out, now)))
			return false;
		fsm_claim(s, cfg, out, FSM_R_LISTEN_DONE, now);
	} else {
		fsm_enter(s, cfg, out, FSM_BACKUP, FSM_R_LISTEN_DONE, now);
	}
	return true;
}

/* BACKUP: claim from a silent, resigning or unavailable peer, or one we outrank; preempt. */
static bool backup_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now)
{
	const struct fsm_peer *p = &s->peer;
	bool send;

	if (!fsm_self_eligible(s, now)) {
		s->preempt_at_ms = 0;
		return false;
	}
	if (cfg->probe_ms && p->alive && !s->probe_at_ms && now + cfg->probe_ms >= p->dead_at_ms)
		fsm_probe_start(s, cfg, out, now); /* the peer is late: ask early */
	if (!p->alive) {
		if (fsm_probe_timeout_clear(s, cfg, out, now))
			fsm_claim(s, cfg, out, FSM_R_PEER_TIMEOUT, now);
		return true;
	}
	if ((p->flags & PROTO_F_RESIGN) || p->state == PROTO_ST_STOPPING) {
		fsm_claim(s, cfg, out, FSM_R_PEER_RESIGNED, now);
		return true;
	}
	if (fsm_peer_unavailable(p)) {
		fsm_claim(s, cfg, out, FSM_R_PEER_UNAVAILABLE, now);
		return true;
	}
	if (p->state == PROTO_ST_BACKUP && fsm_peer_outranks(s, cfg)) {
		fsm_claim(s, cfg, out, FSM_R_ELECTION_WON, now);
		return true;
	}
	if (!(p->state == PROTO_ST_MASTER && cfg->preempt && fsm_peer_outranks(s, cfg))) {
		s->preempt_at_ms = 0;
		return false;
	}
	if (s->preempt_at_ms == 0)
		s->preempt_at_ms = now + cfg->preempt_delay_ms;
	if (now < s->preempt_at_ms)
		return false;
	/* Ask for the VIPs (TAKEOVER) for two intervals; say so at once the first time. */
	send = now >= s->takeover_until_ms;
	s->takeover_until_ms = now + 2ull * cfg->interval_ms;
	return send;
}

/* MASTER: hand over when cut off upstream or outranked by a check's weight; refresh. */
static bool master_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now)
{
	/* Cut off upstream: hand over, but only to a peer that is not. */
	if (!s->upstream && fsm_peer_fit(s, cfg)) {
		fsm_resign(s, cfg, out, FSM_FAULT, FSM_R_UPSTREAM, now);
		return true;
	}
	/*
	 * A check script with a weight lowered our priority and the peer
	 * now outranks us: hand over, as a healthy master would to a
	 * switchover. Not preemption: a master at its configured
	 * priority keeps the VIPs whatever the peer's (see preempt).
	 */
	if (s->priority < cfg->base_priority && fsm_peer_fit(s, cfg) &&
	    !fsm_peer_outranks(s, cfg)) {
		fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_PRIORITY, now);
		return true;
	}
	if (s->refresh_at_ms && now >= s->refresh_at_ms) {
		fsm_push(out, FSM_ACT_ANNOUNCE);
		s->refresh_at_ms = now + cfg->refresh_ms;
	}
	return false;
}

/* Deadlines and conditions that do not depend on the event at hand. */
static bool evaluate(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now)
{
	struct fsm_peer *p = &s->peer;
	bool send = false;

	if (p->alive && now >= p->dead_at_ms) {
		p->alive = false;
		p->streak = 0;
		/* Nothing recorded before its death may bring it back. */
		fsm_peer_rechallenge(s);
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
		return init_step(s, cfg, out, now) || send;
	case FSM_BACKUP:
		return backup_step(s, cfg, out, now) || send;
	case FSM_MASTER:
		return master_step(s, cfg, out, now) || send;
	case FSM_FAULT:
		/* Its answer alone: a conflict entered just now is told at the next send. */
		return fsm_probe_fault_step(s, cfg, out, now);
	default:
		return send;
	}
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
		      uint16_t extra, uint64_t due, uint64_t now)
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
	s->next_send_ms = fsm_time_next_send(cfg, due, now);
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
	uint64_t now = in->now_ms, due;
	uint16_t extra = 0;
	bool send = false;
	int rc = FSM_OK;

	memset(out, 0, sizeof(*out));
	s->turn_ms = in->turn_ms && in->turn_ms <= now ? in->turn_ms : now;
	if (s->state == FSM_STOPPED) {
		out->next_deadline_ms = UINT64_MAX;
		return in->ev == FSM_EV_TIMER ? FSM_OK : FSM_E_STATE;
	}
	if (in->ev != FSM_EV_START)
		fsm_time_stall(s, cfg, now);

	switch (in->ev) {
	case FSM_EV_START:
		/* Copies left by a crash are removed: we are not master yet. */
		fsm_push(out, FSM_ACT_DEL_VIPS);
		s->listen_until_ms = now + fsm_own_dead_ms(cfg, s);
		s->since_ms = now;
		extra = PROTO_F_QUERY;
		send = true;
		break;
	case FSM_EV_PACKET:
		if (in->pkt && in->multipath && fsm_peer_duplicate(s, in->pkt))
			out->duplicate = true;
		else if (in->pkt)
			send = on_packet(s, cfg, in->pkt, out, now,
					 in->heard_ms && in->heard_ms <= now ? in->heard_ms : now);
		break;
	case FSM_EV_STOP:
		send = fsm_admin_stop(s, cfg, out, now);
		break;
	case FSM_EV_HEALTH:
		send = fsm_health_event(s, cfg, in, out);
		break;
	case FSM_EV_SWITCHOVER:
		rc = cfg->follower ? FSM_E_FOLLOWER : fsm_admin_switchover(s, cfg, in, out);
		send = rc == FSM_OK;
		break;
	case FSM_EV_STANDBY:
		rc = cfg->follower ? FSM_E_FOLLOWER : fsm_admin_standby(s, cfg, in, out);
		send = rc == FSM_OK;
		break;
	case FSM_EV_SYNC:
		send = on_sync(s, cfg, in->leader_master, out, now);
		break;
	case FSM_EV_UPSTREAM:
		send = fsm_health_upstream(s, cfg, in->healthy, out, now);
		break;
	case FSM_EV_VIP_ANSWERED:
		if (s->probe_at_ms)
			s->vip_answered = true;
		break;
	case FSM_EV_FENCE_DONE:
		fsm_probe_fence_done(s, cfg, in->ok, out, now);
		break;
	case FSM_EV_TIMER:
		break;
	}
	if (s->state != FSM_STOPPED && evaluate(s, cfg, out, now))
		send = true;
	/* The periodic send is due on our schedule, or when the send bundle says (its phase). */
	due = in->ev == FSM_EV_TIMER && in->send_due_ms ? in->send_due_ms : s->next_send_ms;
	if (s->state != FSM_STOPPED && (send || now >= due))
		emit_send(s, cfg, out, extra, due, now);
	/* A goodbye from a node holding nothing goes out before it exits. */
	if (s->state == FSM_STOPPING && now >= s->stop_at_ms) {
		fsm_enter(s, cfg, out, FSM_STOPPED, FSM_R_SHUTDOWN, now);
		fsm_push(out, FSM_ACT_EXIT);
	}
	announce_size(out);
	out->next_deadline_ms = fsm_time_next(s, cfg, now);
	return rc;
}
