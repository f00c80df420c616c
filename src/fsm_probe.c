/*
 * fsm_probe.c - what must be clear before a claim on a timeout: the claim
 * probe (does anyone answer for the VIPs?) and the fence of a peer that
 * went silent, with FAULT and the retries when either says no. Pure, like
 * fsm.c.
 */
#include "fsm.h"
#include "fsm_int.h"

void fsm_probe_reset(struct fsm *s)
{
	s->probe_at_ms = 0;
	s->vip_answered = false;
	s->probe_closing = false;
}

/*
 * The window opens now, or when this turn of the loop began if that is at
 * most a tenth of a window ago: bundle mates that ask in one turn then
 * share one window (the ms may tick between the first and the last of 64),
 * close it together and claim in one turn (see the verdict below). The
 * question goes out a little after the window opened, never more than that
 * tenth; a turn that took longer gives each its own window.
 */
void fsm_probe_start(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now)
{
	s->probe_at_ms = now - s->turn_ms <= cfg->probe_ms / 10 ? s->turn_ms : now;
	s->vip_answered = false;
	s->probe_closing = false;
	fsm_push(out, FSM_ACT_PROBE);
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
 * A host answered for a VIP: FAULT "VIP in use", asked again after the gap.
 * Already FAULT (in use, or after a fence that worked: the address is still
 * answered for), only the reason is new.
 */
static void vip_in_use(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		       uint64_t now)
{
	if (s->state != FSM_FAULT)
		fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_VIP_IN_USE, now);
	else
		s->reason = FSM_R_VIP_IN_USE;
	s->fault_until_ms = now + reprobe_gap_ms(cfg);
}

enum probe_verdict { PROBE_PENDING, PROBE_FREE, PROBE_ANSWERED };

/* Where the claim probe stands: asked (or asking now), free, or answered (reset for the next
 * round). */
static enum probe_verdict probe_verdict(struct fsm *s, const struct fsm_cfg *cfg,
					struct fsm_output *out, uint64_t now)
{
	if (cfg->probe_ms == 0)
		return PROBE_FREE;
	if (s->probe_at_ms == 0) {
		fsm_probe_start(s, cfg, out, now);
		return PROBE_PENDING;
	}
	/*
	 * Already FAULT for a VIP in use: an answer settles this round at once,
	 * so the next question can go out sooner (see reprobe_gap_ms()).
	 */
	if (s->vip_answered && s->state == FSM_FAULT) {
		fsm_probe_reset(s);
		return PROBE_ANSWERED;
	}
	/* Closing: the verdict comes in a later turn of the loop (below). */
	if ((s->probe_closing ? s->turn_ms : now) < s->probe_at_ms + cfg->probe_ms)
		return PROBE_PENDING;
	/*
	 * The window closed with no answer seen. An answer may still wait
	 * unread in the probe socket: the process did not run when it came (a
	 * loaded machine, a slow journal), and the glue's loop runs this
	 * expired timer before that socket's callback. So a "nobody answered"
	 * verdict waits for a step of a later turn of the loop (by when the
	 * queued answers have been read: never claim on our own lateness), one
	 * millisecond after the turn that closed the window began. Bundle mates
	 * whose windows closed in one turn share that turn's time, and so
	 * their verdicts, and claim in one turn: their VIPs reach the kernel in
	 * one batch, however long the closing turn took.
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
			fsm_probe_start(s, cfg, out, now);
			return PROBE_PENDING;
		}
		s->probe_closing = true;
		s->probe_at_ms = s->turn_ms + 1 - cfg->probe_ms;
		return PROBE_PENDING;
	}
	enum probe_verdict v = s->vip_answered ? PROBE_ANSWERED : PROBE_FREE;

	fsm_probe_reset(s);
	return v;
}

bool fsm_probe_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now)
{
	switch (probe_verdict(s, cfg, out, now)) {
	case PROBE_FREE:
		return true;
	case PROBE_ANSWERED:
		vip_in_use(s, cfg, out, now);
		return false;
	default:
		return false;
	}
}

/*
 * Fencing: before claiming from a peer that went silent, make sure it
 * cannot come back holding the VIPs (power it off, cut its switch port).
 * Silence is all we know: the peer may be dead, or alive and cut off, or
 * frozen, and only the fence tells these apart for good. Only a timeout
 * claim is fenced: a peer that resigned, is in fault or standby, or lost an
 * election told us so itself. A node that never heard its peer at all (both
 * booted, the twin is off) has nobody to fence: it claims after the claim
 * probe alone, as without a fence command; a peer heard once and silent
 * since is fenced, in INIT as in BACKUP.
 *
 * The claim probe still comes first, so that a dead peer costs the probe no
 * time (it runs before the deadline) and the claim follows the fence at
 * once when nobody answered. An answer does not stop the fence: a frozen
 * peer (SIGSTOP, a hung vipd, a paused VM) still answers ARP for the VIPs
 * from its kernel, and it is the one host the fence is there for. After a
 * fence that followed an answer, the probe asks afresh (answers heard before
 * it say nothing of after); a VIP still answered for is FAULT "VIP in use"
 * as without a fence, and the fence that worked is not run again while the
 * peer stays silent.
 */
static bool fence_due(const struct fsm *s, const struct fsm_cfg *cfg)
{
	return cfg->fence && s->peer.name[0] && !s->fenced;
}

/* @probed: the claim probe found the VIPs free just before; else it asks after the fence. */
static void fence_start(struct fsm *s, struct fsm_output *out, uint64_t now, bool probed)
{
	if (s->fencing)
		return;
	s->fence_probed = probed;
	s->fencing = true;
	s->fence_at_ms = now;
	fsm_push(out, FSM_ACT_FENCE);
}

/* The claim probe, and the fence when there is a peer to fence; true when the claim may go ahead.
 */
bool fsm_probe_timeout_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			     uint64_t now)
{
	enum probe_verdict v;

	if (s->fencing)
		return false;
	if (s->fenced && s->fence_probed)
		return true; /* free before the fence, and the fence worked */
	v = probe_verdict(s, cfg, out, now);
	if (v == PROBE_PENDING)
		return false;
	if (fence_due(s, cfg)) {
		fence_start(s, out, now, v == PROBE_FREE);
		return false;
	}
	if (v == PROBE_ANSWERED) {
		vip_in_use(s, cfg, out, now);
		return false;
	}
	return true;
}

/* Time before the next try after @failures failed fences in a row. */
static uint64_t fence_backoff_ms(uint32_t failures)
{
	uint64_t ms = VIPD_FENCE_RETRY_MIN_MS;

	for (uint32_t i = 1; i < failures && ms < VIPD_FENCE_RETRY_MAX_MS; i++)
		ms *= 2;
	return ms < VIPD_FENCE_RETRY_MAX_MS ? ms : VIPD_FENCE_RETRY_MAX_MS;
}

/*
 * FAULT after a failed fence: the peer is heard again (it was only cut off
 * and is back, or the fence hit the wrong box): listen again; a fence that
 * succeeded: the claim probe, then claim; otherwise the next try when the
 * back-off is over.
 * Health and upstream lost meanwhile are fsm_health_event()'s and fsm_health_upstream()'s.
 */
static bool fence_retry(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			uint64_t now)
{
	if (s->peer.alive) {
		s->fenced = false;
		fsm_enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
		return true;
	}
	if (!fsm_self_eligible(s, now))
		return false;
	if (!s->fenced) {
		if (now >= s->fault_until_ms)
			fence_start(s, out, now, false);
		return false;
	}
	if (!fsm_probe_clear(s, cfg, out, now))
		return false;
	fsm_claim(s, cfg, out, FSM_R_PEER_TIMEOUT, now);
	return true;
}

/*
 * FAULT: after a failed fence, its retries. A VIP in use elsewhere: probe
 * again every interval (see reprobe_gap_ms()); a silent peer not fenced yet
 * is fenced first (see fence_due()). Free and the peer still silent: the
 * claim the probe held back goes ahead at once. Free while a peer speaks:
 * listen and elect again. Returns true when the peer should hear of it.
 */
bool fsm_probe_fault_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			  uint64_t now)
{
	const struct fsm_peer *p = &s->peer;
	bool claim;

	if (s->reason == FSM_R_FENCE_FAILED)
		return fence_retry(s, cfg, out, now);
	if (s->reason != FSM_R_VIP_IN_USE || now < s->fault_until_ms || !s->healthy || !s->upstream)
		return false;
	claim = !p->alive && fsm_self_eligible(s, now);
	if (claim && fence_due(s, cfg)) {
		fence_start(s, out, now, false);
		return false;
	}
	if (s->fencing || !fsm_probe_clear(s, cfg, out, now))
		return false;
	if (claim)
		fsm_claim(s, cfg, out, p->name[0] ? FSM_R_PEER_TIMEOUT : FSM_R_LISTEN_DONE, now);
	else
		fsm_enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
	return true;
}

/* The fence command ended; what it allows is evaluate()'s business. */
void fsm_probe_fence_done(struct fsm *s, const struct fsm_cfg *cfg, bool ok, struct fsm_output *out,
			  uint64_t now)
{
	if (!s->fencing)
		return; /* abandoned: the peer came back, or we left the claim path */
	s->fencing = false;
	if (ok) {
		s->fenced = true;
		s->fence_failures = 0;
		fsm_probe_reset(s); /* what answered before the fence says nothing of after */
		return;
	}
	s->fence_failures++;
	s->fault_until_ms = now + fence_backoff_ms(s->fence_failures);
	/* In FAULT for another reason (health, upstream) that reason stays. */
	if (s->state == FSM_BACKUP || s->state == FSM_INIT)
		fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_FENCE_FAILED, now);
	else if (s->state == FSM_FAULT && s->reason == FSM_R_VIP_IN_USE)
		s->reason = FSM_R_FENCE_FAILED; /* the fence is what holds the claim back now */
}
