/*
 * control_conn.h - inside the control socket server, shared by its two
 * files: control.c (the listener, the socket file, the connection limits)
 * and control_conn.c (one connection: framing, request, permission,
 * reply). Not for the rest of the daemon, which sees only control.h.
 */
#ifndef CONTROL_CONN_H
#define CONTROL_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <ev.h>

#include "control.h"
#include "ctlmsg.h"
#include "log.h"

#define CONTROL_ERR_MAX 256 /* bytes of an error message */

/*
 * libev priorities: control traffic yields to everything else the daemon
 * does in the same loop iteration (heartbeats first), and open connections
 * (often a client's EOF, freeing a slot) go before accepting new ones.
 */
#define CONTROL_CONN_PRI   (EV_MINPRI + 1)
#define CONTROL_ACCEPT_PRI EV_MINPRI

struct conn {
	struct control *ctl;
	size_t slot; /* index in ctl->conns */
	int fd;
	ev_io io; /* EV_READ, or EV_WRITE while a reply is pending */
	ev_timer idle;
	pid_t pid; /* the peer, from SO_PEERCRED at connect time */
	uid_t uid;
	uint64_t end_ms; /* CONTROL_LIFE_MS after accept: closed then whatever it does */
	bool may_read;
	bool may_change;
	bool close_after_write;
	uint8_t *out; /* pending reply frame, owned */
	size_t out_len;
	size_t out_off;
	struct ctlmsg_rx rx; /* requests only: at most CTLMSG_REQ_MAX bytes */
	char rx_buf[CTLMSG_REQ_MAX + 1];
};

struct control {
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	int fd;
	dev_t dev; /* the socket file we created: remove only that one */
	ino_t ino;
	ev_io accept_io;
	ev_timer accept_pause;
	gid_t read_gid;
	char group_name[64]; /* read_gid's name for refusals, looked up once */
	control_handler_fn fn;
	void *ctx;
	struct conn *conns[CONTROL_MAX_CONNS];
	size_t n_conns;
	struct control_stats stats;
	struct log_rl rl; /* for everything a client can trigger */
};

/* Whether a log line about something a client did may go out now (rate limit). */
bool control_rl(struct control *c);

/* Take over accepted @fd from peer @uc into a free slot; closes @fd on failure. */
void control_conn_new(struct control *c, int fd, const struct ucred *uc);

/* Stop watching, close and free @cn, and free its slot. */
void control_conn_close(struct conn *cn);

#endif
