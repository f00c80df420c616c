/*
 * group.h - one VIP group at run time: glue between libev (socket, timers),
 * the pure state machine, netlink and announcements.
 */
#ifndef GROUP_H
#define GROUP_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "announce.h"
#include "arp.h"
#include "check.h"
#include "claim.h"
#include "conf.h"
#include "drain.h"
#include "fence.h"
#include "fsm.h"
#include "hbsock.h"
#include "hook.h"
#include "log.h"
#include "nl.h"
#include "proto.h"
#include "sipcheck.h"
#include "upstream.h"
#include "vipset.h"

struct group;

/*
 * Classes of log messages, each with its own rate limit, so that a flood of
 * one kind (forged MACs, say) cannot hide another (a send error).
 */
enum group_log {
	GROUP_LOG_SEND,		/* heartbeats that did not go out */
	GROUP_LOG_TTL,		/* not on-link */
	GROUP_LOG_SOURCE,	/* not a listed peer */
	GROUP_LOG_FRAME,	/* not a vipd heartbeat: length, magic, version */
	GROUP_LOG_AUTH,		/* bad MAC */
	GROUP_LOG_PEER,		/* authentic, refused by the fields or the state machine */
	GROUP_LOG_COUNT
};

/*
 * Called after every transition, and once when a graceful stop is complete;
 * master_again when this master announced again without a transition: it
 * won a contention (@contention) or its peer dropped the VIPs it holds.
 */
struct group_hooks {
	void (*transition)(void *ctx, struct group *g, enum fsm_state from, enum fsm_state to,
			   enum fsm_reason why);
	void (*exited)(void *ctx, struct group *g);
	void *ctx;
	void (*master_again)(void *ctx, struct group *g, bool contention);
	void (*can_hold)(void *ctx, struct group *g);	/* group_can_hold() changed */
};

struct group_stats {
	uint64_t tx;
	uint64_t tx_err;
	uint64_t rx;			/* accepted heartbeats */
	uint64_t rx_err[PROTO_E_COUNT];	/* by -enum proto_err */
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
	struct hbsock *hb;		/* heartbeat socket, maybe shared with other groups */
	struct hbsock *hb2;		/* second path (interface2), or NULL */
	struct hbbundle *bundle;	/* send bundle of hb (and hb2), NULL if none */
	struct conf_group cg2;		/* cg with interface2 in place of interface, for hb2 */
	struct group_path {		/* what each path has heard of the peer */
		struct group *g;
		uint64_t last_heard_ms;	/* 0 = never */
		uint64_t rx;		/* authentic heartbeats, duplicates included */
	} path[2];
	uint64_t dup;			/* the same heartbeat again, by the other path */
	unsigned vip_ifindex;		/* where the VIPs go: the interface, or the vmac; 0 = none */
	ev_timer timer;
	struct vipset vs;		/* the VIPs in the kernel: the reconciler */
	struct group_stats st;
	struct log_rl rl[GROUP_LOG_COUNT];	/* by enum group_log */
	struct sockaddr_storage peer_addr; /* source of the last accepted heartbeat */
	bool link_up;			/* the heartbeat interface has carrier */
	struct upstream up;		/* upstream target checks */
	struct claim claim;		/* the claim probe */
	struct hook *hook;		/* notify commands, NULL if out of memory */
	struct check check;		/* check_script */
	struct sipcheck sip;		/* sip_check */
	struct fence fence;		/* fence_command */
	struct drain drain;		/* switchover / standby --when-idle */
	struct group *leader;		/* sync set leader this group follows, NULL if none */
	bool sync_blocked;		/* leader: a follower cannot hold its VIPs */
	bool exited;
};

/* Current monotonic time in ms. */
uint64_t group_now_ms(void);

/*
 * Join the heartbeat socket of the group's transport in @hbt (shared with
 * the groups on the same one), open its other sockets and start the state
 * machine: stale VIPs are removed (the reconciler reads @tab, the daemon's
 * observed addresses) and the node listens before it may claim. @standby
 * starts the group in maintenance mode. An interface that is missing is no
 * error: the group is FAULT until group_iface() says it is there. Returns 0
 * or -1 (logged; nothing left open).
 */
int group_start(struct group *g, struct ev_loop *loop, struct nl *nl, struct hbsock_tab *hbt,
		const struct addrtab *tab, const char *node_name, const struct conf_group *cg,
		bool standby, const struct group_hooks *hooks);

/* Graceful stop: resign if master; hooks.exited is called when done. */
void group_stop(struct group *g);

/* Release sockets and watchers; VIPs are left as they are. */
void group_free(struct group *g);

/*
 * The heartbeat interface went up or down (netlink event or resync). A node
 * without link is unhealthy: a master resigns, a backup does not claim.
 */
void group_link(struct group *g, bool up);

/*
 * The group's interface (by name) now has index @ifindex, or is gone (0):
 * deleted, renamed, or re-created with a new index. Everything bound to the
 * old index is let go and bound anew; a group without its interface is
 * FAULT ("interface eth0 missing") and resumes by itself. group_iface2 is
 * the same for the second heartbeat path, which only loses that path.
 */
void group_iface(struct group *g, unsigned ifindex);
void group_iface2(struct group *g, unsigned ifindex);

/* The group's vmac was deleted: create it again, the VIPs on it if MASTER. */
void group_vmac_lost(struct group *g);

/* @r as text for this group ("interface eth0 missing" names the interface). */
void group_reason(const struct group *g, enum fsm_reason r, char *buf, size_t len);

/*
 * switchover / standby on --when-idle: start waiting until calls_command
 * says no call is up, then @fire (see drain.h). Only a MASTER drains, and
 * (without @force) only towards a fit peer. Returns 0, or -1 with @err.
 * group_drain_cancel stops a wait; false if none ran.
 */
int group_drain(struct group *g, bool standby, bool force, uint32_t max_wait_ms,
		bool then_switch, drain_fire_fn fire, void *ctx, char *err, size_t err_len);
bool group_drain_cancel(struct group *g, const char *why);

/* Admin commands; return 0 or a negative enum fsm_err. */
int group_switchover(struct group *g, bool force);
int group_standby(struct group *g, bool on, bool force);

/*
 * The peer's address as text ("" if none was ever heard), for the hooks'
 * VIPD_PEER_ADDRESS.
 */
void group_peer_address(const struct group *g, char *buf, size_t len);

/*
 * Sync sets (syncset.c): tell follower @g whether its leader is MASTER, and
 * tell leader @g whether a follower holds the set back (then the leader
 * counts as unhealthy). group_sync returns 0 or a negative enum fsm_err.
 */
int group_sync(struct group *g, bool leader_master);
/* Whether @g could hold its VIPs now: not FAULT, healthy, upstream reachable. */
bool group_can_hold(const struct group *g);
void group_sync_blocked(struct group *g, bool blocked);

/*
 * Datagrams the kernel dropped on the group's heartbeat socket(s) because
 * the receive buffer was full (SO_RXQ_OVFL). The sockets are shared by
 * every group of their port: the count is the socket's, not the group's.
 */
uint64_t group_kernel_drops(const struct group *g);

/* Follow a reloaded conf_group with the same id: timing, priority, key. */
void group_reconf(struct group *g, const struct conf_group *cg);

#endif
