/*
 * fsm_admin.c - the state machine's answers to the admin and to SIGTERM:
 * switchover, standby, graceful stop. Pure, like fsm.c.
 */
#include "fsm.h"
#include "fsm_int.h"

bool fsm_admin_stop(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now)
{
	if (s->state == FSM_STOPPING)
		return false;
	if (s->state == FSM_MASTER) {
		fsm_resign(s, cfg, out, FSM_STOPPING, FSM_R_SHUTDOWN, now);
		/* Wait for the peer's ack only if there is a peer to give one. */
		s->stop_at_ms = s->peer.alive && s->peer.state != PROTO_ST_STOPPING
					? now + cfg->stop_wait_ms
					: now;
		return true;
	}
	/* Holding nothing: say goodbye once and go. */
	fsm_enter(s, cfg, out, FSM_STOPPING, FSM_R_SHUTDOWN, now);
	s->stop_at_ms = now;
	return true;
}

int fsm_admin_switchover(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
			 struct fsm_output *out)
{
	uint64_t now = in->now_ms;

	if (s->state == FSM_MASTER) {
		if (!in->force && !fsm_peer_fit(s, cfg))
			return FSM_E_PEER_UNHEALTHY;
		fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_SWITCHOVER, now);
		return FSM_OK;
	}
	if (s->state == FSM_BACKUP) {
		if (!s->peer.alive || s->peer.state != PROTO_ST_MASTER)
			return FSM_E_NOT_MASTER;
		if (!s->healthy || s->standby)
			return FSM_E_STATE;
		/* Ask the master to resign to us; its RESIGN makes us claim. */
		s->takeover_until_ms = now + fsm_own_dead_ms(cfg, s);
		return FSM_OK;
	}
	return FSM_E_STATE;
}

int fsm_admin_standby(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
		      struct fsm_output *out)
{
	if (in->on && s->state == FSM_MASTER) {
		if (!in->force && !fsm_peer_fit(s, cfg))
			return FSM_E_PEER_UNHEALTHY;
		s->standby = true;
		fsm_resign(s, cfg, out, FSM_BACKUP, FSM_R_STANDBY, in->now_ms);
		return FSM_OK;
	}
	s->standby = in->on;
	if (!in->on)
		s->resign_until_ms = 0;
	return FSM_OK;
}
