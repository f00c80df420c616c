/*
 * fsm.h - the per-group state machine (pure: no I/O, no clock, no logging).
 *
 * The caller feeds events stamped with a monotonic time in ms and carries
 * out the returned actions in order; the state holds absolute deadlines,
 * never timer handles. See fsm.c for the diagram; src/fsm_int.h lists the
 * other files of the state machine.
 */
#ifndef FSM_H
#define FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "vipd.h"

enum fsm_state {
	FSM_INIT = PROTO_ST_INIT,
	FSM_BACKUP = PROTO_ST_BACKUP,
	FSM_MASTER = PROTO_ST_MASTER,
	FSM_FAULT = PROTO_ST_FAULT,
	FSM_STOPPING = PROTO_ST_STOPPING,
	FSM_STOPPED,
	FSM_STATE_COUNT
};

enum fsm_event {
	FSM_EV_START,	     /* daemon started: listen first */
	FSM_EV_TIMER,	     /* a deadline passed (early calls are harmless) */
	FSM_EV_PACKET,	     /* an authenticated heartbeat of this group */
	FSM_EV_STOP,	     /* graceful stop: resign, then exit */
	FSM_EV_HEALTH,	     /* health or effective priority changed */
	FSM_EV_SWITCHOVER,   /* admin: move the VIPs to the peer */
	FSM_EV_STANDBY,	     /* admin: maintenance mode on/off */
	FSM_EV_SYNC,	     /* follower: the sync set's leader became or left MASTER */
	FSM_EV_UPSTREAM,     /* upstream targets reachable (healthy) or not */
	FSM_EV_VIP_ANSWERED, /* during a claim probe another host answered for a VIP */
	FSM_EV_FENCE_DONE,   /* the fence command ended: in.ok says whether it fenced */
};

enum fsm_reason {
	FSM_R_NONE,
	FSM_R_START,
	FSM_R_LISTEN_DONE,	/* heard the network for the dead interval */
	FSM_R_PEER_MASTER,	/* the peer holds the VIPs */
	FSM_R_PEER_TIMEOUT,	/* the peer was silent for the dead interval */
	FSM_R_PEER_RESIGNED,	/* the peer handed the VIPs over */
	FSM_R_PEER_UNAVAILABLE, /* the peer is in fault, standby or stopping */
	FSM_R_ELECTION_WON,	/* no master; this node ranks higher */
	FSM_R_CONTENTION_WON,	/* two masters; this node ranks higher */
	FSM_R_CONTENTION_LOST,	/* two masters; the peer ranks higher */
	FSM_R_PREEMPT,		/* handed over to a higher-priority peer */
	FSM_R_STALLED,		/* own timers ran late: assume the peer took over */
	FSM_R_FAULT,		/* health checks fail */
	FSM_R_HEALTHY,		/* health checks pass again */
	FSM_R_SWITCHOVER,	/* admin asked for a switchover */
	FSM_R_STANDBY,		/* admin put this node in standby */
	FSM_R_SHUTDOWN,		/* SIGTERM */
	FSM_R_UPSTREAM,		/* upstream targets unreachable */
	FSM_R_UPSTREAM_OK,	/* upstream targets reachable again */
	FSM_R_VIP_IN_USE,	/* the claim probe found another host answering */
	FSM_R_RECHECK,		/* after VIP_IN_USE: listen and probe again */
	FSM_R_PRIORITY,		/* a failing check lowered our priority below the peer's */
	FSM_R_SYNC_MASTER,	/* follower: the sync set's leader is master */
	FSM_R_SYNC_BACKUP,	/* follower: the sync set's leader left master */
	FSM_R_NO_INTERFACE,	/* the group's interface does not exist (now) */
	FSM_R_NAME_CONFLICT,	/* another live node uses this node's name */
	FSM_R_FENCE_FAILED,	/* the fence command failed or timed out: no claim */
	FSM_R_COUNT
};

enum fsm_action_type {
	FSM_ACT_SEND,	  /* send act.pkt (already sequenced) */
	FSM_ACT_ADD_VIPS, /* add every VIP of the group */
	FSM_ACT_DEL_VIPS, /* remove every VIP of the group */
	FSM_ACT_ANNOUNCE, /* start a gratuitous ARP / NA burst */
	FSM_ACT_EXIT,	  /* graceful stop finished for this group */
	FSM_ACT_PROBE,	  /* ask the LAN whether anyone answers for the VIPs */
	FSM_ACT_FENCE,	  /* run the fence command against the silent peer */
};

/* Why a packet that passed proto_decode() was still dropped. */
enum fsm_drop {
	FSM_DROP_NONE,
	FSM_DROP_OWN,	  /* our own packet looped back */
	FSM_DROP_NAME,	  /* another live node uses our name */
	FSM_DROP_REPLAY,  /* same session, sequence not newer */
	FSM_DROP_STALE,	  /* a session that did not echo our nonce, or a retired one */
	FSM_DROP_FOREIGN, /* a third node while the peer is alive */
	FSM_DROP_HELLO,	  /* first word of a session we do not know yet: asked to prove itself */
	FSM_DROP_COUNT
};

enum fsm_err {
	FSM_OK = 0,
	FSM_E_NOT_MASTER = -1,	   /* switchover asked of a node with nothing to hand over */
	FSM_E_PEER_UNHEALTHY = -2, /* switchover refused: the peer could not take over */
	FSM_E_STATE = -3,	   /* event not valid in this state */
	FSM_E_FOLLOWER = -4,	   /* admin event for a sync set follower: ask its leader */
};

struct fsm_cfg {
	uint32_t group_id;
	char name[VIPD_NAME_MAX];
	uint32_t interval_ms;
	uint32_t misses;
	uint32_t rise; /* good heartbeats before a returning peer counts */
	bool preempt;
	uint32_t preempt_delay_ms;
	uint32_t refresh_ms;   /* announce refresh while master, 0 = off */
	uint32_t stop_wait_ms; /* STOPPING waits this long for the peer's ack */
	bool follower;	       /* in a sync set, not its leader: see fsm.c */
	uint32_t probe_ms;     /* claim probe window before a timeout claim, 0 = off */
	uint8_t base_priority; /* configured priority; a lower effective one = a check failed */
	uint32_t key_id;       /* proto_key_id() of the key that signs */
	uint16_t digest[PROTO_DIGEST_COUNT]; /* the settings both nodes must share */
	bool fence;			     /* a fence_command is configured: see fsm_probe.c */
};

struct fsm_peer {
	bool alive; /* heard within its dead interval */
	char name[VIPD_NAME_MAX];
	uint64_t nonce;	    /* the accepted session: (nonce, seq) of the newest packet */
	uint64_t challenge; /* its current challenge: what we echo */
	uint64_t seq;
	uint8_t state; /* enum proto_state as last reported */
	uint8_t priority;
	uint16_t flags;
	uint16_t interval_ms;
	uint64_t peer_seq; /* what the peer last heard from us */
	uint64_t last_heard_ms;
	uint64_t dead_at_ms; /* declared dead at this time */
	uint64_t alive_since_ms;
	uint32_t streak;    /* heartbeats since it came (back), capped */
	uint64_t seq_first; /* first sequence heard of this session, for loss % */
	uint64_t rx;	    /* heartbeats accepted of this session */
	uint8_t mismatch;   /* bit per PROTO_DIGEST_* class that differs from ours */
};

#define FSM_RETIRED 16 /* peer sessions remembered as over */

struct fsm {
	enum fsm_state state;
	enum fsm_reason reason;	       /* why the last transition happened */
	uint64_t since_ms;	       /* time of the last transition */
	uint64_t nonce;		       /* this session's nonce (never 0) */
	uint64_t challenge;	       /* what a new peer session must echo; moves on (never 0) */
	uint64_t tx_seq;	       /* last sequence number sent */
	uint64_t cand;		       /* newest peer session heard but not accepted (0: none) */
	uint64_t cand_challenge;       /* ... and its challenge, echoed so it can prove itself */
	uint64_t retired[FSM_RETIRED]; /* peer sessions that are over: never accepted again */
	size_t n_retired;	       /* ring index */
	uint64_t conflict_until_ms;    /* another node uses our name: FAULT until then */
	uint64_t conflict_nonce;       /* ... its session */
	uint8_t conflict_state;	       /* ... and its state */
	uint8_t priority;	       /* effective priority */
	bool healthy;
	bool no_interface; /* ... and the reason it is not: the interface is missing */
	bool standby;
	bool upstream;		   /* upstream targets reachable (true when none) */
	uint64_t probe_at_ms;	   /* claim probe started, 0 = none running */
	bool vip_answered;	   /* ... and someone answered for a VIP */
	bool probe_closing;	   /* ... its window closed; verdict at the next step */
	uint64_t fault_until_ms;   /* FAULT for a VIP in use: listen again then */
	uint64_t stalled_until_ms; /* MASTER woke from a stall: yield to a peer MASTER */
	bool leader_master;	   /* follower: the sync set's leader is MASTER */
	uint64_t listen_until_ms;  /* INIT: claim no earlier than this */
	uint64_t next_send_ms;
	uint64_t refresh_at_ms;	    /* MASTER: next announce refresh, 0 = none */
	uint64_t preempt_at_ms;	    /* BACKUP: ask for takeover from then on, 0 = none */
	uint64_t resign_until_ms;   /* send PROTO_F_RESIGN and do not reclaim until then */
	uint64_t stop_at_ms;	    /* STOPPING: give up waiting for the ack */
	uint64_t takeover_until_ms; /* send PROTO_F_TAKEOVER until then */
	uint64_t turn_ms;	    /* this step's turn of the loop (fsm_input.turn_ms) */
	bool fencing;		    /* the fence command runs ... */
	uint64_t fence_at_ms;	    /* ... since then (the last start, kept for status) */
	bool fenced;		    /* ... it exited 0: the silent peer may be claimed from */
	bool fence_probed;	    /* the probe before that fence found the VIPs free */
	uint32_t fence_failures;    /* failed fences in a row, for the back-off */
	struct fsm_peer peer;
	uint64_t transitions;
	uint64_t stalls;
};

struct fsm_input {
	enum fsm_event ev;
	uint64_t now_ms;
	const struct proto_pkt *pkt; /* FSM_EV_PACKET */
	bool healthy;		     /* FSM_EV_HEALTH */
	bool no_interface;	     /* FSM_EV_HEALTH: unhealthy because the interface is missing */
	uint8_t priority;	     /* FSM_EV_HEALTH: effective priority */
	bool on;		     /* FSM_EV_STANDBY */
	bool force;		     /* FSM_EV_SWITCHOVER: even if the peer looks unfit */
	bool leader_master;	     /* FSM_EV_SYNC: the leader is MASTER now */
	bool ok;		     /* FSM_EV_FENCE_DONE: the fence command exited 0 in time */
	bool multipath;		     /* FSM_EV_PACKET: heard on two paths (interface2) */
	uint64_t send_due_ms;	     /* FSM_EV_TIMER: the periodic send's time in the send
					bundle's phase (0: our own schedule, next_send_ms) */
	uint64_t turn_ms;	     /* when the glue's turn of its event loop began, the
					same for every step of that turn (0: now_ms) */
	uint64_t heard_ms;	     /* FSM_EV_PACKET: when it arrived, the kernel's stamp (0,
					or later than now_ms: now_ms); see fsm_peer_update() */
};

/*
 * With two heartbeat paths every heartbeat comes twice, or out of order
 * across the paths: a packet of the accepted session up to this many
 * sequence numbers behind the newest is a copy (fsm_output.duplicate), not
 * a replay.
 */
#define FSM_DUP_WINDOW 16

/*
 * What the glue observes of a group's health, turned into FSM_EV_HEALTH by
 * fsm_health_input(): the interface and its carrier, the check script and
 * the SIP check with their weights (vipd.conf(5) check_weight, sip_weight),
 * and, for a sync set leader, whether a follower holds the set back.
 */
struct fsm_health {
	bool interface; /* the group's interface exists */
	bool link_up;	/* ... and has carrier */
	bool check_failed;
	uint32_t check_weight; /* 0: a failed check makes the node unhealthy */
	bool sip_failed;
	uint32_t sip_weight; /* 0: a failed SIP check makes the node unhealthy */
	bool sync_blocked;   /* leader: a follower cannot hold its VIPs */
};

#define FSM_MAX_ACTIONS 8

struct fsm_action {
	enum fsm_action_type type;
	struct proto_pkt pkt; /* FSM_ACT_SEND */
	bool burst;	      /* FSM_ACT_ANNOUNCE: the full burst, else one round */
};

struct fsm_output {
	struct fsm_action act[FSM_MAX_ACTIONS];
	size_t n_act;
	bool changed; /* a transition happened: from -> state */
	enum fsm_state from;
	enum fsm_reason reason;
	bool contention_won;   /* re-announced as the winner of a contention */
	bool reannounce;       /* re-announced: the peer dropped the VIPs we hold */
	bool peer_returned;    /* re-announced: the peer is back from silence */
	bool mismatch_changed; /* peer.mismatch changed: report it */
	bool conflict_started; /* another node with our name was just heard */
	bool duplicate;	       /* FSM_EV_PACKET: a copy by the other path, no news */
	enum fsm_drop drop;
	uint64_t next_deadline_ms; /* call again with FSM_EV_TIMER at this time */
};

/*
 * Fill @s for a group; the first event must be FSM_EV_START. @nonce is
 * this session's: random, never 0 (the caller draws it; fsm.c stays pure).
 */
void fsm_init(struct fsm *s, const struct fsm_cfg *cfg, uint64_t nonce, uint8_t priority);

/*
 * Feed one event. Fills @out (always) and returns FSM_OK or a negative
 * enum fsm_err (only admin events can fail; the state is then unchanged).
 */
int fsm_step(struct fsm *s, const struct fsm_cfg *cfg, const struct fsm_input *in,
	     struct fsm_output *out);

/*
 * The FSM_EV_HEALTH input for what the glue observes (@h): healthy when the
 * interface exists and has carrier, no follower holds the set back, and
 * each failed check has a weight; each weight of a failed check lowers the
 * priority instead (both add up; never below 1). fsm_health_news() says
 * whether @in would tell @s anything new, so the glue steps only then.
 */
void fsm_health_input(const struct fsm_cfg *cfg, const struct fsm_health *h, struct fsm_input *in);
bool fsm_health_news(const struct fsm *s, const struct fsm_input *in);

/* Dead interval used for a peer sending every @interval_ms. */
uint64_t fsm_dead_ms(const struct fsm_cfg *cfg, const struct fsm *s, uint32_t interval_ms);

/* True if the peer is alive, has risen, and could hold the VIPs. */
bool fsm_peer_fit(const struct fsm *s, const struct fsm_cfg *cfg);

const char *fsm_state_name(enum fsm_state st);
const char *fsm_reason_text(enum fsm_reason r);
const char *fsm_drop_key(enum fsm_drop d);
const char *fsm_strerror(int err);

#endif
