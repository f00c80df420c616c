/*
 * fsm_int.h - what the files of the state machine share among themselves
 * (fsm.c the transitions, fsm_peer.c the peer record, fsm_health.c health,
 * fsm_probe.c the claim probe and the fence, fsm_admin.c the admin's
 * events, fsm_time.c deadlines and stalls; fsm_text.c the names). Not for
 * the glue: fsm.h is the state machine's interface. Everything here is
 * pure, like fsm.c.
 */
#ifndef FSM_INT_H
#define FSM_INT_H

#include "fsm.h"

/* fsm.c: the transitions and the building blocks of a step. */

/* Our own dead interval: fsm_dead_ms() at our interval. */
uint64_t fsm_own_dead_ms(const struct fsm_cfg *cfg, const struct fsm *s);
/* True if this node may hold the VIPs at all. */
bool fsm_self_eligible(const struct fsm *s, uint64_t now);
/* Append an action (one past FSM_MAX_ACTIONS is dropped: the table is sized for a step). */
void fsm_push(struct fsm_output *out, enum fsm_action_type type);
/* Enter state @to for @why; the first transition of a step sets out->from. */
void fsm_enter(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, enum fsm_state to,
	       enum fsm_reason why, uint64_t now);
/* Become MASTER: add the VIPs and announce them. */
void fsm_claim(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
	       enum fsm_reason why, uint64_t now);
/* Give the VIPs up (if held) and enter @to; RESIGN goes out for a dead interval. */
void fsm_resign(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, enum fsm_state to,
		enum fsm_reason why, uint64_t now);

/* fsm_peer.c: the peer record. */

/* True if our (priority, name) ranks above the peer's. */
bool fsm_peer_outranks(const struct fsm *s, const struct fsm_cfg *cfg);
/* The peer is alive but says it will not (or cannot) hold the VIPs. */
bool fsm_peer_unavailable(const struct fsm_peer *p);
/* Move our challenge on: nothing recorded before now echoes it. */
void fsm_peer_rechallenge(struct fsm *s);
/*
 * Accept an authentic heartbeat into the peer record, or say why not
 * (enum fsm_drop). *@answer is set when the sender should hear from us at
 * once (a new session to prove itself, or one just accepted). @heard is
 * when it arrived (<= @now): the peer is dead a dead interval after that,
 * but never sooner than an interval after @now (read late after a stall).
 */
enum fsm_drop fsm_peer_update(struct fsm *s, const struct fsm_cfg *cfg, const struct proto_pkt *pkt,
			      struct fsm_output *out, uint64_t now, uint64_t heard, bool *answer);
/* A copy of a heartbeat already accepted, within FSM_DUP_WINDOW (two paths). */
bool fsm_peer_duplicate(const struct fsm *s, const struct proto_pkt *pkt);

/* fsm_health.c: health and upstream. */

/* Why an unhealthy node is in FAULT. */
enum fsm_reason fsm_health_fault_reason(const struct fsm *s);
/* FSM_EV_HEALTH; true when the peer should hear of it now. */
bool fsm_health_event(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
		      struct fsm_output *out);
/* FSM_EV_UPSTREAM; true when the peer should hear of it now. */
bool fsm_health_upstream(struct fsm *s, const struct fsm_cfg *cfg, bool ok, struct fsm_output *out,
			 uint64_t now);

/* fsm_probe.c: the claim probe and the fence. */

void fsm_probe_reset(struct fsm *s);
/* Ask the LAN now (FSM_ACT_PROBE); the window is cfg->probe_ms. */
void fsm_probe_start(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		     uint64_t now);
/*
 * The claim probe: a claim on a timeout (the peer went silent, or nobody
 * answered while we listened) first asks the LAN whether anyone answers for
 * the VIPs. Silence can mean a dead peer, or heartbeats that do not get
 * through while the peer still serves the VIPs; only the first may be
 * claimed. The probe starts probe_ms before the deadline, so a real crash
 * costs no extra time. True when the claim may go ahead; false to wait, or
 * after entering FAULT because someone answered.
 */
bool fsm_probe_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
		     uint64_t now);
/* The claim probe, then the fence when there is a peer to fence. True: claim now. */
bool fsm_probe_timeout_clear(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			     uint64_t now);
/* FAULT for a VIP in use or a failed fence: probe, fence, claim or listen again. */
bool fsm_probe_fault_step(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out,
			  uint64_t now);
/* FSM_EV_FENCE_DONE. */
void fsm_probe_fence_done(struct fsm *s, const struct fsm_cfg *cfg, bool ok, struct fsm_output *out,
			  uint64_t now);

/* fsm_admin.c: admin events and SIGTERM. */

/* FSM_EV_STOP; true when the goodbye (or RESIGN) should go out now. */
bool fsm_admin_stop(struct fsm *s, const struct fsm_cfg *cfg, struct fsm_output *out, uint64_t now);
/* FSM_EV_SWITCHOVER and FSM_EV_STANDBY: FSM_OK or a negative enum fsm_err, state unchanged. */
int fsm_admin_switchover(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
			 struct fsm_output *out);
int fsm_admin_standby(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
		      struct fsm_output *out);

/* fsm_time.c: deadlines and stalls. */

/* A stalled process must not act on deadlines that passed while it slept. */
void fsm_time_stall(struct fsm *s, const struct fsm_cfg *cfg, uint64_t now);
/* The earliest deadline after @now (UINT64_MAX: none, STOPPED). */
uint64_t fsm_time_next(const struct fsm *s, const struct fsm_cfg *cfg, uint64_t now);
/* When the periodic send after one due at @due and made at @now is due (fsm_time.c). */
uint64_t fsm_time_next_send(const struct fsm_cfg *cfg, uint64_t due, uint64_t now);

#endif
