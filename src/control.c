/*
 * control.c - the control socket server: accepts vipctl's connections on the
 * event loop, decodes ctlmsg frames, checks who may run which command, calls
 * the daemon's handler and writes the reply.
 *
 * Nothing a client does can block or pin the daemon: every socket is
 * non-blocking; a connection reads no further than the end of the request
 * in progress, and stops reading while its reply is unsent (so one reply
 * buffer per connection at most); each step (sending a request, taking the
 * reply) must finish within CONTROL_IDLE_MS, and a connection is closed
 * after CONTROL_LIFE_MS in any case, so a client that keeps sending
 * requests cannot keep its slot forever. A broken frame, non-JSON or a
 * request of the wrong shape gets an error reply and the connection is
 * closed; such garbage is logged rate-limited.
 *
 * Nothing a local user does can lock root out (see control.h): the peer's
 * uid is read at accept(), before any byte of the request; CONTROL_RESERVED
 * of the CONTROL_MAX_CONNS slots are only for root and vipd's own uid, and
 * any other uid holds at most CONTROL_MAX_PER_UID. A client over a limit is
 * told "busy" and closed at once, which costs the daemon one accept, one
 * send and one close: a client reconnecting in a loop only spins itself.
 * The backlog (CONTROL_BACKLOG) is long enough that root's connect() still
 * finds room in the queue while such a loop runs.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "clock.h"
#include "control.h"
#include "ctlmsg.h"
#include "log.h"

#define CONTROL_PAUSE_MS	1000	/* ms accept() rests after running out of fds */
#define CONTROL_ACCEPT_BATCH	64	/* connections accepted per loop iteration */
#define CONTROL_LOG_BURST	5	/* garbage log lines ... */
#define CONTROL_LOG_PERIOD_MS	10000	/* ... per this many ms */
#define CONTROL_READ_CHUNK	4096	/* bytes per read() */
#define CONTROL_ERR_MAX		256	/* bytes of an error message */

/*
 * libev priorities: control traffic yields to everything else the daemon
 * does in the same loop iteration (heartbeats first), and open connections
 * (often a client's EOF, freeing a slot) go before accepting new ones.
 */
#define CONTROL_CONN_PRI	(EV_MINPRI + 1)
#define CONTROL_ACCEPT_PRI	EV_MINPRI

struct control_cmd {
	const char *name;
	bool changes;		/* changes the daemon's state: root only */
};

static const struct control_cmd control_cmds[] = {
	{ "status", false },	 { "events", false },  { "metrics", false }, { "version", false },
	{ "switchover", true }, { "standby", true }, { "reload", true },
};

struct conn {
	struct control *ctl;
	size_t slot;		/* index in ctl->conns */
	int fd;
	ev_io io;		/* EV_READ, or EV_WRITE while a reply is pending */
	ev_timer idle;
	pid_t pid;		/* the peer, from SO_PEERCRED at connect time */
	uid_t uid;
	uint64_t end_ms;	/* CONTROL_LIFE_MS after accept: closed then whatever it does */
	bool may_read;
	bool may_change;
	bool close_after_write;
	uint8_t *out;		/* pending reply frame, owned */
	size_t out_len;
	size_t out_off;
	struct ctlmsg_rx rx;	/* requests only: at most CTLMSG_REQ_MAX bytes */
	char rx_buf[CTLMSG_REQ_MAX + 1];
};

struct control {
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	int fd;
	dev_t dev;		/* the socket file we created: remove only that one */
	ino_t ino;
	ev_io accept_io;
	ev_timer accept_pause;
	gid_t read_gid;
	char group_name[64];	/* read_gid's name for refusals, looked up once */
	control_handler_fn fn;
	void *ctx;
	struct conn *conns[CONTROL_MAX_CONNS];
	size_t n_conns;
	struct control_stats stats;
	struct log_rl rl;	/* for everything a client can trigger */
};


static bool control_rl(struct control *c)
{
	return log_ratelimit(&c->rl, clock_now_ms(), CONTROL_LOG_BURST, CONTROL_LOG_PERIOD_MS);
}

/* ---- permissions ------------------------------------------------------ */

/*
 * Whether the peer on @fd has @gid among its supplementary groups.
 * SO_PEERGROUPS reports the groups the client had when it connected, with
 * no window for its pid to be reused (unlike reading /proc/PID/status).
 */
static bool conn_in_group(int fd, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;
	size_t i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE)
			return false;
		groups = malloc(len);
		if (!groups || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
			free(groups);
			return false;
		}
	}
	for (i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

/*
 * The peer of @fd, from SO_PEERCRED (what it was at connect(), no PID-reuse
 * window). An unknown peer gets uid -1: no rights, not privileged.
 */
static void control_peer(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) < 0) {
		log_warn("control: SO_PEERCRED: %s", strerror(errno));
		uc->pid = 0;
		uc->uid = (uid_t)-1;
		uc->gid = (gid_t)-1;
	}
}

/* Root, or the uid vipd itself runs as: the peers that are never locked out. */
static bool control_privileged(uid_t uid)
{
	return uid == 0 || (uid != (uid_t)-1 && uid == geteuid());
}

/* Who is on the other end (@uc), and what may they do. Unknown peers may do nothing. */
static void conn_creds(struct control *c, struct conn *cn, const struct ucred *uc)
{
	cn->pid = uc->pid;
	cn->uid = uc->uid;
	cn->may_change = uc->uid == 0;
	cn->may_read = cn->may_change ||
		       (uc->uid != (uid_t)-1 && c->read_gid != (gid_t)-1 &&
			(uc->gid == c->read_gid || conn_in_group(cn->fd, c->read_gid)));
}

/* ---- connections ------------------------------------------------------ */

static void conn_close(struct conn *cn)
{
	struct control *c = cn->ctl;

	ev_io_stop(c->loop, &cn->io);
	ev_timer_stop(c->loop, &cn->idle);
	close(cn->fd);
	free(cn->out);
	c->conns[cn->slot] = NULL;
	c->n_conns--;
	free(cn);
}

/* Watch @fd for @events only (EV_READ or EV_WRITE). */
static void conn_watch(struct conn *cn, int events)
{
	if ((cn->io.events & (EV_READ | EV_WRITE)) == events && ev_is_active(&cn->io))
		return;
	ev_io_stop(cn->ctl->loop, &cn->io);
	ev_io_set(&cn->io, cn->fd, events);
	ev_io_start(cn->ctl->loop, &cn->io);
}

/*
 * Give the client CONTROL_IDLE_MS from now for its next step, but never
 * past the end of its life: a request resets the idle time, not the age.
 */
static void conn_touch(struct conn *cn)
{
	uint64_t now = clock_now_ms(), ms = CONTROL_IDLE_MS;

	if (now >= cn->end_ms)
		ms = 1;
	else if (cn->end_ms - now < ms)
		ms = cn->end_ms - now;
	cn->idle.repeat = (double)ms / 1000.0;
	ev_timer_again(cn->ctl->loop, &cn->idle);
}

/*
 * Write as much of the pending reply as the socket takes. Once it is all
 * out, read the next request, or close if the reply ended the connection.
 * May free @cn: the caller must not touch it afterwards.
 */
static void conn_flush(struct conn *cn)
{
	ssize_t n;

	while (cn->out_off < cn->out_len) {
		n = send(cn->fd, cn->out + cn->out_off, cn->out_len - cn->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_watch(cn, EV_WRITE);
			return;
		}
		if (n < 0) {
			/* The client went away before its reply: nothing to tell anyone. */
			log_debug("control: pid %d: send: %s", (int)cn->pid, strerror(errno));
			conn_close(cn);
			return;
		}
		cn->out_off += (size_t)n;
	}
	free(cn->out);
	cn->out = NULL;
	cn->out_len = cn->out_off = 0;
	if (cn->close_after_write) {
		conn_close(cn);
		return;
	}
	conn_touch(cn);
	conn_watch(cn, EV_READ);
}

/*
 * Frame @reply (consumed) and start sending it. A reply too long for one
 * frame is replaced by an error. May free @cn.
 */
static void conn_send(struct conn *cn, struct json_object *reply)
{
	const char *text = NULL;
	size_t len = 0;
	int n;

	if (reply)
		text = json_object_to_json_string_ext(
			reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		len = strlen(text);
	if (len > CTLMSG_MAX) {
		log_warn("control: reply of %zu bytes exceeds %d, sent an error instead", len,
			 CTLMSG_MAX);
		text = "{\"ok\":false,\"error\":\"reply too long for one message\"}";
		len = strlen(text);
	}
	cn->out = text ? malloc(CTLMSG_HDR_LEN + len) : NULL;
	n = cn->out ? ctlmsg_frame(text, len, cn->out, CTLMSG_HDR_LEN + len) : -1;
	json_object_put(reply);
	if (n < 0) {
		log_err("control: pid %d: cannot build a reply: out of memory", (int)cn->pid);
		conn_close(cn);
		return;
	}
	cn->out_len = (size_t)n;
	cn->out_off = 0;
	conn_flush(cn);
}

/* Reply {"ok":false,"error":@msg}; if @fatal, close once it is sent. May free @cn. */
static void conn_error(struct conn *cn, const char *msg, bool fatal)
{
	struct json_object *reply = json_object_new_object();

	cn->close_after_write = cn->close_after_write || fatal;
	if (reply) {
		json_object_object_add(reply, "ok", json_object_new_boolean(0));
		json_object_object_add(reply, "error", json_object_new_string(msg));
	}
	conn_send(cn, reply);
}

/* A request that cannot be answered: count, log (rate-limited), reply, close. */
static void conn_bad(struct conn *cn, const char *why)
{
	struct control *c = cn->ctl;
	char msg[CONTROL_ERR_MAX];

	c->stats.bad_requests++;
	if (control_rl(c))
		log_warn("control: uid %u pid %d: bad request: %s", (unsigned)cn->uid, (int)cn->pid,
			 why);
	snprintf(msg, sizeof(msg), "bad request: %s", why);
	conn_error(cn, msg, true);
}

/*
 * Parse @msg as exactly one JSON value, strictly. Returns it (the caller
 * puts it), or NULL with the reason in @why.
 */
static struct json_object *control_parse_json(const char *msg, size_t len, char *why,
					      size_t why_len)
{
	struct json_tokener *tok;
	struct json_object *val;

	if (memchr(msg, '\0', len)) {
		snprintf(why, why_len, "NUL byte in the message");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The decoder NUL-terminates @msg; parsing the NUL too completes a trailing number. */
	val = json_tokener_parse_ex(tok, msg, (int)len + 1);
	if (!val) {
		snprintf(why, why_len, "not JSON (%s)",
			 json_tokener_error_desc(json_tokener_get_error(tok)));
	} else if (json_tokener_get_parse_end(tok) < len) {
		snprintf(why, why_len, "data after the JSON value");
		json_object_put(val);
		val = NULL;
	}
	json_tokener_free(tok);
	return val;
}

/*
 * Check that @req is {"cmd": string, "args": object} with "args" optional
 * and nothing else. Returns the command name and points @args into @req
 * (NULL if absent), or returns NULL with the reason in @why.
 */
static const char *control_check_request(struct json_object *req, struct json_object **args,
					 char *why, size_t why_len)
{
	struct json_object *cmd = NULL;
	bool has_args;

	*args = NULL;
	if (!json_object_is_type(req, json_type_object)) {
		snprintf(why, why_len, "not a JSON object");
		return NULL;
	}
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		snprintf(why, why_len, "\"cmd\" missing or not a string");
		return NULL;
	}
	if (strlen(json_object_get_string(cmd)) != (size_t)json_object_get_string_len(cmd)) {
		/* "status\u0000x" must not pass for "status" */
		snprintf(why, why_len, "NUL character in \"cmd\"");
		return NULL;
	}
	has_args = json_object_object_get_ex(req, "args", args);
	if (has_args && !json_object_is_type(*args, json_type_object)) {
		snprintf(why, why_len, "\"args\" is not an object");
		return NULL;
	}
	if (json_object_object_length(req) != (has_args ? 2 : 1)) {
		snprintf(why, why_len, "keys other than \"cmd\" and \"args\"");
		return NULL;
	}
	return json_object_get_string(cmd);
}

static const struct control_cmd *control_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (strcmp(control_cmds[i].name, name) == 0)
			return &control_cmds[i];
	return NULL;
}

/* Whether @cn may run @cmd; if not, the refusal goes to @err. */
static bool conn_allowed(struct conn *cn, const struct control_cmd *cmd, char *err,
			 size_t err_len)
{
	struct control *c = cn->ctl;

	if (cmd->changes ? cn->may_change : cn->may_read)
		return true;
	c->stats.refused++;
	if (cmd->changes || c->read_gid == (gid_t)-1)
		snprintf(err, err_len, "permission denied: %s needs root", cmd->name);
	else
		snprintf(err, err_len, "permission denied: %s needs root or group %s", cmd->name,
			 c->group_name);
	if (control_rl(c))
		log_notice("control: uid %u pid %d: %s refused", (unsigned)cn->uid, (int)cn->pid,
			   cmd->name);
	return false;
}

/* Run @cmd for @cn and build the reply; NULL only when out of memory. */
static struct json_object *conn_run(struct conn *cn, const struct control_cmd *cmd,
				    struct json_object *args)
{
	struct control *c = cn->ctl;
	struct json_object *reply = json_object_new_object(), *data = json_object_new_object();
	char err[CONTROL_ERR_MAX] = "";
	int rc;

	if (!reply || !data) {
		json_object_put(reply);
		json_object_put(data);
		return NULL;
	}
	if (cmd->changes)
		log_notice("control: uid %u pid %d: %s", (unsigned)cn->uid, (int)cn->pid,
			   cmd->name);
	c->stats.requests++;
	rc = c->fn(c->ctx, cmd->name, args, data, err, sizeof(err));
	json_object_object_add(reply, "ok", json_object_new_boolean(rc == 0));
	if (rc == 0) {
		json_object_object_add(reply, "data", data);
		return reply;
	}
	json_object_put(data);
	json_object_object_add(reply, "error", json_object_new_string(err[0] ? err : "failed"));
	return reply;
}

/* One whole request arrived. May free @cn. */
static void conn_request(struct conn *cn, const char *msg, size_t len)
{
	struct json_object *req, *args, *empty = NULL, *reply;
	const struct control_cmd *cmd;
	const char *name;
	char err[CONTROL_ERR_MAX];

	req = control_parse_json(msg, len, err, sizeof(err));
	name = req ? control_check_request(req, &args, err, sizeof(err)) : NULL;
	if (!name) {
		json_object_put(req);
		conn_bad(cn, err);
		return;
	}
	/* The next step (taking the reply) gets its own CONTROL_IDLE_MS. */
	conn_touch(cn);
	cmd = control_cmd_find(name);
	if (!cmd) {
		cn->ctl->stats.bad_requests++;
		snprintf(err, sizeof(err), "unknown command \"%.64s\"", name);
		json_object_put(req);
		conn_error(cn, err, false);
		return;
	}
	if (!conn_allowed(cn, cmd, err, sizeof(err))) {
		json_object_put(req);
		conn_error(cn, err, false);
		return;
	}
	if (!args)
		args = empty = json_object_new_object();
	reply = args ? conn_run(cn, cmd, args) : NULL;
	json_object_put(empty);
	json_object_put(req);
	conn_send(cn, reply);
}

/* Read what the request in progress still lacks, never past its end. May free @cn. */
static void conn_read(struct conn *cn)
{
	uint8_t buf[CONTROL_READ_CHUNK];
	size_t want = ctlmsg_rx_need(&cn->rx), used, len;
	const char *msg;
	ssize_t n;
	int rc;

	if (want > sizeof(buf))
		want = sizeof(buf);
	n = recv(cn->fd, buf, want, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0 || !ctlmsg_rx_idle(&cn->rx))
			log_debug("control: pid %d: closed mid-request%s%s", (int)cn->pid,
				  n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		conn_close(cn);
		return;
	}
	rc = ctlmsg_rx_feed(&cn->rx, buf, (size_t)n, &used);
	if (rc < 0) {
		conn_bad(cn, ctlmsg_strerror(rc));
		return;
	}
	msg = ctlmsg_rx_msg(&cn->rx, &len);
	if (rc == 1 && msg)
		conn_request(cn, msg, len);
}

static void conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *cn = w->data;

	(void)loop;
	if (revents & EV_WRITE)
		conn_flush(cn);
	else if (revents & EV_READ)
		conn_read(cn);
}

static void conn_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *cn = w->data;
	struct control *c = cn->ctl;

	(void)loop;
	(void)revents;
	c->stats.timeouts++;
	if (control_rl(c)) {
		if (clock_now_ms() >= cn->end_ms)
			log_info("control: uid %u pid %d: connection open for %d ms, closed",
				 (unsigned)cn->uid, (int)cn->pid, CONTROL_LIFE_MS);
		else
			log_info("control: uid %u pid %d: no progress for %d ms, closed",
				 (unsigned)cn->uid, (int)cn->pid, CONTROL_IDLE_MS);
	}
	conn_close(cn);
}

/* Take over accepted @fd from peer @uc; closes it on failure. */
static void conn_new(struct control *c, int fd, const struct ucred *uc)
{
	struct conn *cn;
	size_t slot;

	for (slot = 0; slot < CONTROL_MAX_CONNS && c->conns[slot]; slot++)
		;
	cn = slot < CONTROL_MAX_CONNS ? calloc(1, sizeof(*cn)) : NULL;
	if (!cn) {
		log_err("control: cannot take a connection: %s",
			slot < CONTROL_MAX_CONNS ? "out of memory" : "no free slot");
		close(fd);
		return;
	}
	ctlmsg_rx_init(&cn->rx, cn->rx_buf, CTLMSG_REQ_MAX);
	cn->ctl = c;
	cn->slot = slot;
	cn->fd = fd;
	cn->end_ms = clock_now_ms() + CONTROL_LIFE_MS;
	conn_creds(c, cn, uc);
	ev_io_init(&cn->io, conn_io_cb, fd, EV_READ);
	ev_set_priority(&cn->io, CONTROL_CONN_PRI);
	cn->io.data = cn;
	ev_init(&cn->idle, conn_idle_cb);
	ev_set_priority(&cn->idle, CONTROL_CONN_PRI);
	cn->idle.repeat = CONTROL_IDLE_MS / 1000.0;
	cn->idle.data = cn;
	c->conns[slot] = cn;
	c->n_conns++;
	ev_io_start(c->loop, &cn->io);
	conn_touch(cn);
}

/* ---- listener --------------------------------------------------------- */

/* Connections @uid holds now. */
static size_t control_count_uid(const struct control *c, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < CONTROL_MAX_CONNS; i++)
		n += c->conns[i] && c->conns[i]->uid == uid;
	return n;
}

/*
 * Whether a new connection from @uid must be turned away; if so, why, for
 * the client, in @why. Root and vipd's own uid may use every slot; the
 * others share all but CONTROL_RESERVED, at most CONTROL_MAX_PER_UID each.
 */
static bool control_over_limit(const struct control *c, uid_t uid, char *why, size_t why_len)
{
	size_t mine;

	if (c->n_conns >= CONTROL_MAX_CONNS) {
		snprintf(why, why_len, "busy: all %d control connections are in use",
			 CONTROL_MAX_CONNS);
		return true;
	}
	if (control_privileged(uid))
		return false;
	if (c->n_conns >= CONTROL_MAX_CONNS - CONTROL_RESERVED) {
		snprintf(why, why_len, "busy: %zu control connections are open, the last %d are "
			 "kept for root", c->n_conns, CONTROL_RESERVED);
		return true;
	}
	mine = control_count_uid(c, uid);
	if (mine >= CONTROL_MAX_PER_UID) {
		snprintf(why, why_len, "busy: uid %u has %zu control connections open, at most "
			 "%d per user", (unsigned)uid, mine, CONTROL_MAX_PER_UID);
		return true;
	}
	return false;
}

/*
 * Turn away a connection over a limit: {"ok":false,"busy":true,"error":@why}
 * if the socket takes it (a fresh socket's buffer always does), then close.
 * The client may have sent its request already; it still finds the reply
 * queued before the end of the stream.
 */
static void control_busy(struct control *c, int fd, const struct ucred *uc, const char *why)
{
	uint8_t frame[CTLMSG_HDR_LEN + CONTROL_ERR_MAX + 64];
	char msg[CONTROL_ERR_MAX + 64];
	int n;

	snprintf(msg, sizeof(msg), "{\"ok\":false,\"busy\":true,\"error\":\"%s\"}", why);
	n = ctlmsg_frame(msg, strlen(msg), frame, sizeof(frame));
	c->stats.busy++;
	if (control_rl(c))
		log_warn("control: uid %u pid %d turned away: %s", (unsigned)uc->uid, (int)uc->pid,
			 why);
	if (n > 0 && send(fd, frame, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: busy reply: %s", strerror(errno));
	close(fd);
}

static void control_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *c = w->data;
	char why[CONTROL_ERR_MAX];
	struct ucred uc;
	int i, fd;

	(void)revents;
	for (i = 0; i < CONTROL_ACCEPT_BATCH; i++) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (fd < 0) {
			/*
			 * Out of descriptors or memory: the pending connection stays
			 * queued and the socket stays readable, so rest rather than spin.
			 */
			if (control_rl(c))
				log_err("control: accept: %s", strerror(errno));
			ev_io_stop(loop, &c->accept_io);
			ev_timer_set(&c->accept_pause, CONTROL_PAUSE_MS / 1000.0, 0.0);
			ev_timer_start(loop, &c->accept_pause);
			return;
		}
		c->stats.connections++;
		control_peer(fd, &uc);
		if (control_over_limit(c, uc.uid, why, sizeof(why)))
			control_busy(c, fd, &uc, why);
		else
			conn_new(c, fd, &uc);
	}
}

static void control_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control *c = w->data;

	(void)revents;
	ev_io_start(loop, &c->accept_io);
}

/* mkdir -p the directory part of @path; directories created get 0755 whatever the umask. */
static int control_mkdirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			if (chmod(dir, 0755) < 0) {
				log_err("control socket: chmod %s: %s", dir, strerror(errno));
				return -1;
			}
		} else if (errno != EEXIST) {
			log_err("control socket: mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static mode_t control_mode(const struct control *c)
{
	return c->read_gid == (gid_t)-1 ? 0600 : 0660;
}

/*
 * If something is at @path already: a socket nobody answers on is stale (a
 * vipd that died) and is removed; a live one means another vipd runs, and
 * anything that is not a socket is left alone. Returns 0 if @path is free.
 */
static int control_clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_err("control socket %s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control socket %s: exists and is not a socket, not touching it",
			sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("control socket: socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc < 0 && errno == ECONNREFUSED) {
		close(fd);
		if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
			log_err("control socket %s: removing the stale socket: %s", sa->sun_path,
				strerror(errno));
			return -1;
		}
		log_notice("control socket %s: removed a stale socket", sa->sun_path);
		return 0;
	}
	if (rc == 0 || errno == EAGAIN)
		log_err("control socket %s: another vipd is running (it answers there)",
			sa->sun_path);
	else
		log_err("control socket %s: probing the existing socket: %s", sa->sun_path,
			strerror(errno));
	close(fd);
	return -1;
}

/*
 * Bind the listener at @sa. The umask gives the file its final mode (0660,
 * or 0600 without a read group) from the start, so it is never more open
 * than that, not even before control_own() runs. Returns 0 or -1 (logged;
 * then no file was created).
 */
static int control_bind(struct control *c, const struct sockaddr_un *sa)
{
	mode_t old;
	int rc;

	old = umask(0777 & ~control_mode(c));
	rc = bind(c->fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc < 0)
		log_err("control socket %s: bind: %s", sa->sun_path, strerror(errno));
	return rc;
}

/* Give the bound socket file its group and mode, and remember which file it is. */
static int control_own(struct control *c)
{
	struct stat st;

	if (c->read_gid != (gid_t)-1 && chown(c->path, (uid_t)-1, c->read_gid) < 0) {
		log_err("control socket %s: chown to group %s: %s", c->path, c->group_name,
			strerror(errno));
		return -1;
	}
	if (chmod(c->path, control_mode(c)) < 0 || stat(c->path, &st) < 0) {
		log_err("control socket %s: %s", c->path, strerror(errno));
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return 0;
}

/* Name of @gid for refusal messages (the number if it has none). Start-up only: NSS may block. */
static void control_group_name(struct control *c, gid_t gid)
{
	struct group gr, *res = NULL;
	char buf[1024];

	if (gid != (gid_t)-1 && getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res)
		snprintf(c->group_name, sizeof(c->group_name), "%s", res->gr_name);
	else
		snprintf(c->group_name, sizeof(c->group_name), "%u", (unsigned)gid);
}

struct control *control_open(struct ev_loop *loop, const char *path, gid_t read_gid,
			     control_handler_fn fn, void *ctx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;

	if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/') {
		log_err("control socket %s: must be an absolute path shorter than %zu bytes", path,
			sizeof(sa.sun_path));
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("control socket %s: out of memory", path);
		return NULL;
	}
	c->loop = loop;
	c->read_gid = read_gid;
	c->fn = fn;
	c->ctx = ctx;
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	control_group_name(c, read_gid);
	if (control_mkdirs(path) < 0 || control_clear_stale(&sa) < 0)
		goto fail_free;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		log_err("control socket: socket: %s", strerror(errno));
		goto fail_free;
	}
	if (control_bind(c, &sa) < 0)
		goto fail_close;
	if (control_own(c) < 0)
		goto fail_unlink;
	if (listen(c->fd, CONTROL_BACKLOG) < 0) {
		log_err("control socket %s: listen: %s", path, strerror(errno));
		goto fail_unlink;
	}
	ev_io_init(&c->accept_io, control_accept_cb, c->fd, EV_READ);
	ev_set_priority(&c->accept_io, CONTROL_ACCEPT_PRI);
	c->accept_io.data = c;
	ev_init(&c->accept_pause, control_pause_cb);
	c->accept_pause.data = c;
	ev_io_start(loop, &c->accept_io);
	log_info("control socket %s: listening (read-only access: %s)", path,
		 read_gid == (gid_t)-1 ? "root only" : c->group_name);
	return c;

fail_unlink:
	unlink(path);
fail_close:
	close(c->fd);
fail_free:
	free(c);
	return NULL;
}

void control_close(struct control *c)
{
	struct stat st;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < CONTROL_MAX_CONNS; i++)
		if (c->conns[i])
			conn_close(c->conns[i]);
	ev_io_stop(c->loop, &c->accept_io);
	ev_timer_stop(c->loop, &c->accept_pause);
	close(c->fd);
	/* Remove the file only if it is still the one we bound. */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}

const struct control_stats *control_stats(const struct control *c)
{
	return &c->stats;
}
