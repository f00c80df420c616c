/*
 * group_int.h - the inside of a group (group.c), for the modules that are
 * views of one (status.c, metrics.c, syncset.c). Everyone else uses the
 * accessors in group.h: struct group is opaque there.
 */
#ifndef GROUP_INT_H
#define GROUP_INT_H

#include <netinet/in.h>

#include "announce.h"
#include "arp.h"
#include "check.h"
#include "claim.h"
#include "fence.h"
#include "group.h"
#include "hook.h"
#include "log.h"
#include "proto.h"
#include "sipcheck.h"
#include "upstream.h"
#include "vipset.h"

/*
 * Classes of log messages, each with its own rate limit, so that a flood of
 * one kind (forged MACs, say) cannot hide another (a send error).
 */
enum group_log {
	GROUP_LOG_SEND,	  /* heartbeats that did not go out */
	GROUP_LOG_TTL,	  /* not on-link */
	GROUP_LOG_SOURCE, /* not a listed peer */
	GROUP_LOG_FRAME,  /* not a vipd heartbeat: length, magic, version */
	GROUP_LOG_AUTH,	  /* bad MAC */
	GROUP_LOG_PEER,	  /* authentic, refused by the fields or the state machine */
	GROUP_LOG_COUNT
};

/* A callback owed to the daemon, held until the step is over (see note() in group.c). */
struct group_note {
	enum {
		GROUP_NOTE_TRANSITION,
		GROUP_NOTE_MASTER_AGAIN,
		GROUP_NOTE_CAN_HOLD,
		GROUP_NOTE_EXITED
	} type;
	enum fsm_state from, to; /* TRANSITION */
	enum fsm_reason why;	 /* TRANSITION */
	bool contention;	 /* MASTER_AGAIN */
};

#define GROUP_NOTES 16

struct group_stats {
	uint64_t tx;
	uint64_t tx_err;
	uint64_t rx;			/* accepted heartbeats */
	uint64_t rx_err[PROTO_E_COUNT]; /* by -enum proto_err */
	uint64_t drop[FSM_DROP_COUNT];	/* by enum fsm_drop */
	uint64_t ttl;			/* TTL != 255: not on-link */
	uint64_t source;		/* peers listed, and the sender is not one of them */
	uint64_t other_group;		/* authentic framing, another group id */
	uint64_t contentions;		/* two masters seen */
};

struct group {
	struct ev_loop *loop;
	struct nl *nl;
	struct hbsock_tab *hbt;
	/*
	 * The group's own copy of its settings (argv vectors still owned by
	 * the daemon's conf), with the interface indexes found at run time:
	 * every module of the group points here, so a reload or a re-created
	 * interface changes it in one place. cg == &conf.
	 */
	struct conf_group conf;
	const struct conf_group *cg;
	struct group_hooks hooks;
	struct fsm_cfg fc;
	struct fsm fsm;
	struct hbsock *hb;	 /* heartbeat socket, maybe shared with other groups */
	struct hbsock *hb2;	 /* second path (interface2), or NULL */
	struct hbbundle *bundle; /* send bundle of hb (and hb2), NULL if none */
	struct conf_group cg2;	 /* cg with interface2 in place of interface, for hb2 */
	struct group_path {	 /* what each path has heard of the peer */
		struct group *g;
		uint64_t last_heard_ms; /* 0 = never */
		uint64_t rx;		/* authentic heartbeats, duplicates included */
	} path[2];
	uint64_t dup;	      /* the same heartbeat again, by the other path */
	unsigned vip_ifindex; /* where the VIPs go: the interface, or the vmac; 0 = none */
	ev_timer timer;
	uint64_t timer_due_ms; /* the deadline the timer is for, 0 = not armed ... */
	uint64_t timer_at_ms;  /* ... and when it fires: up to HBBUNDLE_ALIGN_MS later (group_arm())
				*/
	struct vipset vs;      /* the VIPs in the kernel: the reconciler */
	struct group_stats st;
	struct log_rl rl[GROUP_LOG_COUNT]; /* by enum group_log */
	struct sockaddr_storage peer_addr; /* source of the last accepted heartbeat */
	bool link_up;			   /* the heartbeat interface has carrier */
	struct upstream up;		   /* upstream target checks */
	struct claim claim;		   /* the claim probe */
	struct hook *hook;		   /* notify commands, NULL if out of memory */
	struct check check;		   /* check_script */
	struct sipcheck sip;		   /* sip_check */
	struct fence fence;		   /* fence_command */
	struct drain drain;		   /* switchover / standby --when-idle */
	struct group *leader;		   /* sync set leader this group follows, NULL if none */
	bool sync_blocked;		   /* leader: a follower cannot hold its VIPs */
	bool exited;
	bool stepping;			      /* between fsm_step() and the timer armed */
	bool delivering;		      /* deliver() runs: a nested step only queues */
	struct group_note notes[GROUP_NOTES]; /* ring: callbacks not yet made */
	size_t note_head, n_notes;
};

/* Where a heartbeat came from, for the counters (see rx_account()). */
struct group_rx {
	struct group_path *path;
	const struct sockaddr_storage *from;
};

/*
 * The one way into the state machine (group.c): stamp @in (group_step: the
 * clock; group_step_at: @now_ms, a bundle tick's one time for all its
 * groups), step, count the heartbeat @rx (NULL for other events), carry out
 * the actions, arm the timer, then make the daemon's callbacks.
 */
int group_step(struct group *g, struct fsm_input *in, const struct group_rx *rx);
int group_step_at(struct group *g, struct fsm_input *in, const struct group_rx *rx,
		  uint64_t now_ms);

/* group_rx.c: the socket's hooks into the group; a dropped datagram counted and logged. */
extern const struct hbsock_ops group_rx_ops;
void group_count_drop(struct group *g, enum group_log cls, const struct sockaddr_storage *from,
		      const char *why);

/* group_net.c: send a heartbeat on every path; the paths, the bundle, the interface. */
/*
 * Arm @g's timer for the state machine's next deadline (UINT64_MAX: none);
 * a periodic send in a bundle is the bundle's to time (group_net.c).
 */
void group_arm(struct group *g, uint64_t deadline_ms);
void group_send(struct group *g, const struct proto_pkt *p);
void group_bundle_rejoin(struct group *g);
void group_path2_conf(struct group *g);
int group_iface_bind(struct group *g);
void group_iface_unbind(struct group *g);
/* group.c: the health input changed (link, interface, check): tell the state machine. */
void group_health_update(struct group *g);

#endif
