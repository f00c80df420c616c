/*
 * daemon.h - the running daemon: its configuration, groups and event log,
 * shared by daemon.c (life cycle, signals, reload), main.c and ctlcmd.c
 * (vipctl's commands).
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "addrtab.h"
#include "conf.h"
#include "control.h"
#include "fsm.h"
#include "group.h"
#include "hbsock.h"
#include "nl.h"

#define DAEMON_EVENTS 256 /* transitions kept for `vipctl events` */

struct daemon_event {
	struct timespec when; /* CLOCK_REALTIME */
	uint32_t group;
	enum fsm_state from;
	enum fsm_state to;
	enum fsm_reason reason;
};

struct daemon {
	struct ev_loop *loop;
	struct conf conf;
	struct nl *nl;
	struct hbsock_tab *hb; /* heartbeat sockets, shared by the groups */
	struct group **groups; /* by pointer: libev watchers live inside and must not move */
	size_t n_groups;
	struct control *ctl;
	struct nlmon *mon; /* link and address events */
	ev_io mon_io;
	struct addrtab addrs;	      /* the kernel's copies of our VIPs, as last observed */
	bool addrs_stale;	      /* the table missed something: dump again */
	const struct conf *next_conf; /* a reload's new config while it is applied */
	uint64_t start_ms;
	bool stopping;
	bool reloading;		/* groups are being replaced: the sync glue waits */
	char reload_error[512]; /* last failed reload, "" after a good one */
	struct daemon_event events[DAEMON_EVENTS];
	size_t ev_next; /* ring index of the next event */
	size_t ev_count;
	uint64_t ev_total; /* events ever logged: the newest one's sequence number */
};

/*
 * Start everything @d->conf (loaded by the caller) asks for and run the
 * loop until a stop signal's hand-over ends it. 0 after a clean stop, 1
 * when start-up failed. daemon_free() releases @d either way.
 */
int daemon_run(struct daemon *d);

void daemon_free(struct daemon *d);

/* vipd -c: delete every copy of @c's VIPs and its vmac links. 0, or 1 if any failed. */
int daemon_cleanup(const struct conf *c);

/* Re-read the config file and apply the difference. 0, or -1 with @err set. */
int daemon_reload(struct daemon *d, char *err, size_t err_len);

#endif
