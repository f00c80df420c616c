/*
 * fsm_time.c - the state machine's clock rules: the next deadline the glue
 * arms its timer at, the cadence of the periodic sends, and what a step
 * that comes late (a stalled process) may and may not conclude. Pure,
 * like fsm.c: the time comes with the event.
 */
#include "fsm.h"
#include "fsm_int.h"

/* A stalled process must not act on deadlines that passed while it slept. */
void fsm_time_stall(struct fsm *s, const struct fsm_cfg *cfg, uint64_t now)
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

static void min_future(uint64_t *best, uint64_t t, uint64_t now)
{
	if (t > now && t < *best)
		*best = t;
}

uint64_t fsm_time_next(const struct fsm *s, const struct fsm_cfg *cfg, uint64_t now)
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
	if (s->probe_at_ms && s->probe_closing && s->probe_at_ms + cfg->probe_ms <= now) {
		/* The verdict (fsm_probe.c): due at once, in the loop's next turn. */
		d = now;
	} else if (s->probe_at_ms) {
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
 * When the send after this one is due. A periodic send keeps the cadence:
 * one that came a little late (a timer's rounding to the ms, a busy turn of
 * the loop, a bundle holding it back into its phase) does not push the next
 * one later, or the period would stretch by that every interval and eat the
 * peer's margin (fsm_dead_ms). @due is when this send was due: the send
 * bundle's phase (fsm_input.send_due_ms) or our own schedule. An
 * event-driven send, or one later than an interval, starts the cadence over.
 */
uint64_t fsm_time_next_send(const struct fsm_cfg *cfg, uint64_t due, uint64_t now)
{
	if (due && now >= due && now - due < cfg->interval_ms)
		return due + cfg->interval_ms;
	return now + cfg->interval_ms;
}
