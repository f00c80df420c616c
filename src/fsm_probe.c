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

void fsm_probe_start(struct fsm *s, struct fsm_output *out, uint64_t now)
{
	s->probe_at_ms = now;
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

bool fsm_probe_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now)
{
	if (cfg->probe_ms == 0)
		return true;
	if (s->probe_at_ms == 0) {
		fsm_probe_start(s, out, now);
		return false;
	}
	/*
	 * Already FAULT for a VIP in use: an answer settles this round at once,
	 * so the next question can go out sooner (see reprobe_gap_ms()).
	 */
	if (s->vip_answered && s->state == FSM_FAULT) {
		s->fault_until_ms = now + reprobe_gap_ms(cfg);
		fsm_probe_reset(s);
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
			fsm_probe_start(s, out, now);
			return false;
		}
		s->probe_closing = true;
		s->probe_at_ms = now + 1 - cfg->probe_ms;
		return false;
	}
	if (s->vip_answered) {
		if (s->state != FSM_FAULT)
			fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_VIP_IN_USE, now);
		s->fault_until_ms = now + reprobe_gap_ms(cfg);
		fsm_probe_reset(s);
		return false;
	}
	fsm_probe_reset(s);
	return true;
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
		fsm_push(out, FSM_ACT_FENCE);
	}
	return false;
}

/* The claim probe, then the fence when there is a peer to fence (see fence_clear()). */
bool fsm_probe_timeout_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			     uint64_t now)
{
	bool fence = cfg->fence && s->peer.name[0];

	/* Probed already: the fence that runs (or ran) follows that probe. */
	if (!(fence && (s->fencing || s->fenced)) && !fsm_probe_clear(s, cfg, out, now))
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

/*
 * FAULT after a failed fence: the peer is heard again (it was only cut off
 * and is back, or the fence hit the wrong box): listen again; a fence that
 * succeeded: claim; otherwise the next try when the back-off is over.
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
	if (s->fenced) {
		fsm_claim(s, cfg, out, FSM_R_PEER_TIMEOUT, now);
		return true;
	}
	if (!s->fencing && now >= s->fault_until_ms)
		fence_clear(s, out, now);
	return false;
}

/*
 * FAULT: after a failed fence, its retries. A VIP in use elsewhere: probe
 * again every interval (see reprobe_gap_ms()). Free and the peer still
 * silent: the claim the probe held back goes ahead at once (after the
 * fence, when there is one: see fsm_probe_timeout_clear()). Free while a peer speaks:
 * listen and elect again. Returns true when the peer should hear of it.
 */
bool fsm_probe_fault_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			  uint64_t now)
{
	const struct fsm_peer *p = &s->peer;

	if (s->reason == FSM_R_FENCE_FAILED)
		return fence_retry(s, cfg, out, now);
	if (s->reason != FSM_R_VIP_IN_USE || now < s->fault_until_ms || !s->healthy || !s->upstream)
		return false;
	if (!(cfg->fence && p->name[0] && (s->fencing || s->fenced)) &&
	    !fsm_probe_clear(s, cfg, out, now))
		return false;
	if (!p->alive && fsm_self_eligible(s, now)) {
		if (cfg->fence && p->name[0] && !fence_clear(s, out, now))
			return false;
		fsm_claim(s, cfg, out, p->name[0] ? FSM_R_PEER_TIMEOUT : FSM_R_LISTEN_DONE, now);
	} else {
		fsm_enter(s, cfg, out, FSM_INIT, FSM_R_RECHECK, now);
	}
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
		return;
	}
	s->fence_failures++;
	s->fault_until_ms = now + fence_backoff_ms(s->fence_failures);
	/* In FAULT for another reason (health, upstream) that reason stays. */
	if (s->state == FSM_BACKUP || s->state == FSM_INIT)
		fsm_enter(s, cfg, out, FSM_FAULT, FSM_R_FENCE_FAILED, now);
}
