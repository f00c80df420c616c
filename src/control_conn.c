/*
 * control_conn.c - one connection to the control socket: read a ctlmsg
 * frame no further than the end of the request in progress, parse it
 * strictly, check the peer may run the command (the row of ctltab.h says
 * whether it changes state), call the daemon's handler and send the reply.
 *
 * A connection stops reading while its reply is unsent (so one reply
 * buffer per connection at most); each step (sending a request, taking the
 * reply) must finish within CONTROL_IDLE_MS, and a connection is closed
 * after CONTROL_LIFE_MS in any case. A broken frame, non-JSON or a request
 * of the wrong shape gets an error reply and the connection is closed;
 * such garbage is logged rate-limited.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "clock.h"
#include "control_conn.h"
#include "ctltab.h"

#define CONTROL_READ_CHUNK 4096 /* bytes per read() */

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
static void conn_creds(struct control *c, struct conn *cn, const struct ucred *uc)
{
	cn->pid = uc->pid;
	cn->uid = uc->uid;
	cn->may_change = uc->uid == 0;
	cn->may_read =
		cn->may_change || (uc->uid != (uid_t)-1 && c->read_gid != (gid_t)-1 &&
				   (uc->gid == c->read_gid || conn_in_group(cn->fd, c->read_gid)));
}

/* ---- connections ------------------------------------------------------ */

void control_conn_close(struct conn *cn)
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
			control_conn_close(cn);
			return;
		}
		cn->out_off += (size_t)n;
	}
	free(cn->out);
	cn->out = NULL;
	cn->out_len = cn->out_off = 0;
	if (cn->close_after_write) {
		control_conn_close(cn);
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
		log_warnx("control: reply of %zu bytes exceeds %d, sent an error instead", len,
			  CTLMSG_MAX);
		text = "{\"ok\":false,\"error\":\"reply too long for one message\"}";
		len = strlen(text);
	}
	cn->out = text ? malloc(CTLMSG_HDR_LEN + len) : NULL;
	n = cn->out ? ctlmsg_frame(text, len, cn->out, CTLMSG_HDR_LEN + len) : -1;
	json_object_put(reply);
	if (n < 0) {
		log_errx("control: pid %d: cannot build a reply: out of memory", (int)cn->pid);
		control_conn_close(cn);
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
		log_rl_emit(&c->rl, LOG_WARNING, "control: uid %u pid %d: bad request: %s",
			    (unsigned)cn->uid, (int)cn->pid, why);
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

/* Whether @cn may run @cmd; if not, the refusal goes to @err. */
static bool conn_allowed(struct conn *cn, const struct ctltab_cmd *cmd, char *err, size_t err_len)
{
	struct control *c = cn->ctl;

	if (cmd->changes_state ? cn->may_change : cn->may_read)
		return true;
	c->stats.refused++;
	if (cmd->changes_state || c->read_gid == (gid_t)-1)
		snprintf(err, err_len, "permission denied: %s needs root", cmd->name);
	else
		snprintf(err, err_len, "permission denied: %s needs root or group %s", cmd->name,
			 c->group_name);
	if (control_rl(c))
		log_rl_emit(&c->rl, LOG_NOTICE, "control: uid %u pid %d: %s refused",
			    (unsigned)cn->uid, (int)cn->pid, cmd->name);
	return false;
}

/* Run @cmd for @cn and build the reply; NULL only when out of memory. */
static struct json_object *conn_run(struct conn *cn, const struct ctltab_cmd *cmd,
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
	if (cmd->changes_state)
		log_notice("control: uid %u pid %d: %s", (unsigned)cn->uid, (int)cn->pid,
			   cmd->name);
	c->stats.requests++;
	rc = c->fn(c->ctx, cmd, args, data, err, sizeof(err));
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
	const struct ctltab_cmd *cmd;
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
	cmd = ctltab_find_daemon(name);
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
		control_conn_close(cn);
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
			log_rl_emit(&c->rl, LOG_INFO,
				    "control: uid %u pid %d: connection open for %d ms, closed",
				    (unsigned)cn->uid, (int)cn->pid, CONTROL_LIFE_MS);
		else
			log_rl_emit(&c->rl, LOG_INFO,
				    "control: uid %u pid %d: no progress for %d ms, closed",
				    (unsigned)cn->uid, (int)cn->pid, CONTROL_IDLE_MS);
	}
	control_conn_close(cn);
}

void control_conn_new(struct control *c, int fd, const struct ucred *uc)
{
	struct conn *cn;
	size_t slot;

	for (slot = 0; slot < CONTROL_MAX_CONNS && c->conns[slot]; slot++)
		;
	cn = slot < CONTROL_MAX_CONNS ? calloc(1, sizeof(*cn)) : NULL;
	if (!cn) {
		log_errx("control: cannot take a connection: %s",
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
