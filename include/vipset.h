/*
 * vipset.h - a group's VIPs in the kernel: the reconciler.
 *
 * The election (fsm.c through group.c) says only what it wants: the VIPs
 * here, or nowhere. The kernel's addresses as last observed live in the
 * daemon's addrtab, kept by netlink events. vipset_reconcile() compares the
 * two and applies the difference (add what is missing where it belongs,
 * remove every copy that does not belong), after every transition, every
 * address event and every reload: the same code each time. It never takes
 * its own requests for the truth: a VIP counts as present when the kernel
 * says so, and only a present VIP is announced.
 *
 * Drift: a wanted VIP that disappears is added back at once and announced
 * again (counted as a repair); a copy that appears where it does not belong
 * is removed (counted). Requests for one VIP are limited to VIPSET_BURST
 * per heartbeat interval, so another program that keeps undoing them costs
 * a few requests per interval and the VIP is back within one. Such a
 * fight (VIPSET_FIGHT_FIXES repairs within VIPSET_FIGHT_WINDOW_MS) is
 * logged once and shown in status until the window passes quietly.
 */
#ifndef VIPSET_H
#define VIPSET_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "addrtab.h"
#include "announce.h"
#include "conf.h"
#include "log.h"
#include "nl.h"

#define VIPSET_FIGHT_FIXES     5     /* repairs within the window that make a fight */
#define VIPSET_FIGHT_WINDOW_MS 10000 /* ms; a fight ends after this long in peace */
#define VIPSET_DELETED_RING    16    /* our removals still awaiting their event */
#define VIPSET_BURST	       12 /* requests per VIP per interval: > the 10 rounds of `ip addr flush` */

struct vipset_vip {
	bool seen;	      /* observed where it belongs since the wish last changed */
	bool lost;	      /* removed by another program: an episode is open */
	uint64_t next_fix_ms; /* no new request for this VIP before then */
	bool asked;	      /* added by us, and not observed since ... */
	uint64_t asked_ms;    /* ... asked then ... */
	uint64_t asked_gen;   /* ... at this tab->gen */
	uint64_t win_ms;      /* start of the current request window (one interval) */
	uint32_t win_n;	      /* requests in it */
	uint32_t left;	      /* announcement rounds still to send */
};

struct vipset_stats {
	uint64_t repairs;  /* a wanted VIP added back after something removed it */
	uint64_t removed;  /* copies removed where they did not belong */
	uint64_t fights;   /* fight episodes */
	uint64_t nl_err;   /* requests the kernel refused */
	uint64_t announce; /* announcement rounds (one per VIP per round) */
};

struct vipset {
	struct ev_loop *loop;
	struct nl *nl;
	const struct addrtab *tab;
	const struct conf_group *cg; /* the group's live copy */
	unsigned ifindex;	     /* where the VIPs belong; 0 = that interface is missing */
	bool want;		     /* the election's wish: VIPs here */
	uint64_t want_gen;	     /* tab->gen when the wish last changed */
	struct vipset_vip v[VIPD_MAX_VIPS];
	uint64_t deleted[VIPSET_DELETED_RING]; /* gen of entries we removed */
	size_t deleted_next;
	struct announce *ann;  /* open while ifindex != 0 */
	uint8_t mac[6];	       /* source MAC of the current burst */
	ev_timer garp;	       /* the rest of an announcement burst */
	ev_timer retry;	       /* a repair held back by a fight */
	ev_prepare flush;      /* sends the queued requests before the loop waits */
	uint64_t fight_win_ms; /* start of the counting window */
	uint32_t fight_n;      /* repairs in that window */
	uint64_t fight_last_ms;
	bool fighting;
	struct vipset_stats st;
	struct log_rl rl;
};

/* Set up for @cg (a pointer that stays valid; its vips may change on reload). */
void vipset_init(struct vipset *vs, struct ev_loop *loop, struct nl *nl, const struct addrtab *tab,
		 const struct conf_group *cg);
void vipset_free(struct vipset *vs);

/*
 * The VIPs belong on @ifindex from now on (0: the interface is missing;
 * nothing can be added). Opens the announcement sockets there; 0 or -1
 * (logged: announcements are then impossible, addresses still reconciled).
 */
int vipset_attach(struct vipset *vs, unsigned ifindex);

/* The election's wish changed (or was said again). Reconciles at once. */
void vipset_want(struct vipset *vs, bool want);

/*
 * Announce every wanted VIP that is present, @rounds times (the first now,
 * the rest every garp_interval_ms). A VIP that becomes present later gets
 * its own burst then.
 */
void vipset_announce(struct vipset *vs, uint32_t rounds);

/* Compare with the kernel and apply the difference (after events). */
void vipset_reconcile(struct vipset *vs);

/*
 * Reload: @cg replaces the settings (same pointer, new contents already
 * copied in by the caller). @old_vips are the VIPs before; those held here
 * and no longer configured are removed.
 */
void vipset_reconf(struct vipset *vs, const struct conf_vip *old_vips, size_t n_old);

/* True while the kernel differs from the wish (a VIP missing, or one where it must not be). */
bool vipset_drift(const struct vipset *vs);

/* Per VIP for status: address, expected, present, copies elsewhere. */
struct json_object *vipset_status(const struct vipset *vs);

#endif
