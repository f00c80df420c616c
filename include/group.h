/*
 * group.h - one VIP group at run time: glue between libev (socket, timers),
 * the pure state machine, netlink and announcements.
 */
#ifndef GROUP_H
#define GROUP_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h" /* clock_now_ms(): the clock of every time a group reports */
#include "conf.h"
#include "drain.h"
#include "fsm.h"
#include "hbsock.h"
#include "nl.h"

struct addrtab;
struct group;
struct hook;

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
	void (*can_hold)(void *ctx, struct group *g); /* group_can_hold() changed */
};

/*
 * Outside the group's own files (group.c, and the modules that are views of
 * a group: status.c, metrics.c, syncset.c, through src/group_int.h) a group
 * is opaque: these read it.
 */
uint32_t group_id(const struct group *g);
const struct conf_group *group_conf(const struct group *g); /* its settings as running */
const struct fsm *group_fsm(const struct group *g);	    /* its state machine, read-only */
bool group_exited(const struct group *g);		    /* a graceful stop completed */
struct hook *group_hook(const struct group *g);		    /* its notify hooks, or NULL */
struct group *group_leader(const struct group *g);	    /* sync set leader, or NULL */
unsigned group_vip_ifindex(const struct group *g);	    /* where its VIPs go, 0 = none */
/* Compare the kernel's addresses with what the group wants, and repair (vipset.h). */
void group_reconcile(struct group *g);
/* A zeroed group for group_start(); free() it after group_free(). NULL if out of memory. */
struct group *group_alloc(void);

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
int group_drain(struct group *g, bool standby, bool force, uint32_t max_wait_ms, bool then_switch,
		drain_fire_fn fire, void *ctx, char *err, size_t err_len);
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
