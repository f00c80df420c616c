/*
 * vipctl_client.c - vipctl's end of the control socket: connect (naming who
 * may when the socket's mode says no), send one framed request, read one
 * framed reply, each bounded by VIPCTL_TIMEOUT_S; and events --follow,
 * which asks again every VIPCTL_FOLLOW_MS until interrupted.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctlmsg.h"
#include "vipctl.h"

/* A reply may be up to CTLMSG_MAX (1 MiB): static rather than on the stack. */
static struct ctlmsg_rx vipctl_rx;
static char vipctl_rx_buf[CTLMSG_MAX + 1];

/* Why the last exchange with the daemon failed, for check's UNKNOWN line. */
static char vipctl_err[300];

const char *vipctl_client_last_error(void)
{
	return vipctl_err;
}

void vipctl_client_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vipctl_err, sizeof(vipctl_err), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vipctl: %s\n", vipctl_err);
}

/* The socket's mode said no: name who may connect, from the socket file itself. */
static void connect_denied(const char *path)
{
	struct group *gr;
	struct stat st;

	if (stat(path, &st) < 0) {
		vipctl_client_error("%s: Permission denied", path);
		return;
	}
	if (!(st.st_mode & S_IWGRP) || st.st_gid == 0) {
		vipctl_client_error("%s: Permission denied (root only)", path);
		return;
	}
	gr = getgrgid(st.st_gid);
	if (gr)
		vipctl_client_error("%s: Permission denied (root or group %s)", path, gr->gr_name);
	else
		vipctl_client_error("%s: Permission denied (root or group %u)", path,
				    (unsigned)st.st_gid);
}

static int vipctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = VIPCTL_TIMEOUT_S };
	int fd;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		vipctl_client_error("socket: %s", strerror(errno));
		return -1;
	}
	/* Before connect(): on Linux the send timeout also bounds a full backlog. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EACCES)
			connect_denied(path);
		else
			vipctl_client_error("%s: %s", path,
					    errno == EAGAIN ? "vipd does not accept connections"
							    : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int vipctl_send(int fd, const char *path, struct json_object *req)
{
	static uint8_t frame[CTLMSG_HDR_LEN + CTLMSG_REQ_MAX];
	const char *text = json_object_to_json_string_ext(
		req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int n = ctlmsg_frame(text, strlen(text), frame, sizeof(frame));
	size_t off = 0;
	ssize_t w;

	if (n < 0) {
		vipctl_client_error("request: %s", ctlmsg_strerror(n));
		return -1;
	}
	while (off < (size_t)n) {
		w = send(fd, frame + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			/* EPIPE, ECONNRESET: the caller reads what vipd said before it closed. */
			if (errno != EPIPE && errno != ECONNRESET)
				vipctl_client_error("%s: %s", path,
						    errno == EAGAIN ? "vipd does not read requests"
								    : strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* Read one reply frame; returns its text (in vipctl_rx) or NULL (printed). */
static const char *vipctl_recv(int fd, const char *path, size_t *len)
{
	static uint8_t buf[65536];
	size_t used;
	ssize_t n;
	int rc = 0;

	ctlmsg_rx_init(&vipctl_rx, vipctl_rx_buf, CTLMSG_MAX);
	while (rc == 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			vipctl_client_error("%s: no reply within %d s", path, VIPCTL_TIMEOUT_S);
			return NULL;
		}
		if (n <= 0) {
			vipctl_client_error("%s: %s", path,
					    n < 0 ? strerror(errno) : "vipd closed the connection");
			return NULL;
		}
		rc = ctlmsg_rx_feed(&vipctl_rx, buf, (size_t)n, &used);
	}
	if (rc < 0) {
		vipctl_client_error("%s: bad reply: %s", path, ctlmsg_strerror(rc));
		return NULL;
	}
	return ctlmsg_rx_msg(&vipctl_rx, len);
}

/* Parse a reply: a JSON object with a boolean "ok". NULL (printed) if it is not one. */
static struct json_object *vipctl_parse(const char *text, size_t len, const char *path)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *reply = NULL;

	if (tok)
		reply = json_tokener_parse_ex(tok, text, (int)len + 1);
	if (!reply || !jget(reply, "ok", json_type_boolean)) {
		vipctl_client_error("%s: bad reply: %s", path,
				    reply ? "no \"ok\" member" : "not JSON");
		json_object_put(reply);
		reply = NULL;
	}
	json_tokener_free(tok);
	return reply;
}

/*
 * Send @req, wait for the reply. Returns it (caller puts) or NULL (printed).
 * A daemon that turns the connection away ("busy") may have replied and
 * closed before the request was sent: the send then fails (EPIPE), but the
 * reply is still there to read, and it is what the user must see.
 */
struct json_object *vipctl_client_call(const char *path, struct json_object *req)
{
	struct json_object *reply = NULL;
	const char *text;
	size_t len = 0;
	int fd = vipctl_connect(path), rc;

	if (fd < 0)
		return NULL;
	rc = vipctl_send(fd, path, req);
	if (rc == 0 || errno == EPIPE || errno == ECONNRESET) {
		text = vipctl_recv(fd, path, &len);
		if (text)
			reply = vipctl_parse(text, len, path);
	}
	close(fd);
	return reply;
}

/* ---- events --follow ------------------------------------------------------ */

#define VIPCTL_FOLLOW_MS 250 /* ms between two questions for new events */

static volatile sig_atomic_t vipctl_stop;

static void on_stop(int sig)
{
	(void)sig;
	vipctl_stop = 1;
}

/* Sleep @ms, or less if a signal asks us to stop. */
static void nap(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	if (!vipctl_stop)
		nanosleep(&ts, NULL);
}

/*
 * After the first reply (@reply, printed): ask every VIPCTL_FOLLOW_MS for
 * the events after the newest one seen, print them, until SIGINT or
 * SIGTERM. A daemon that went away is waited for (said once on stderr); a
 * daemon that restarted (another pid) has all its events printed.
 */
int vipctl_client_follow(const char *path, struct json_object *reply, bool json_lines)
{
	struct json_object *data = jget(reply, "data", json_type_object);
	int64_t seen = 0, pid = 0, v;
	bool lost = false;
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (data && jint(data, "total", &v))
		seen = v;
	if (data && jint(data, "pid", &v))
		pid = v;
	while (!vipctl_stop) {
		struct json_object *req = json_object_new_object();
		struct json_object *args = json_object_new_object(), *r, *d;

		nap(VIPCTL_FOLLOW_MS);
		if (vipctl_stop || !req || !args) {
			json_object_put(req);
			json_object_put(args);
			break;
		}
		json_object_object_add(args, "count", json_object_new_int64(1000000));
		json_object_object_add(args, "after", json_object_new_int64(seen));
		json_object_object_add(req, "cmd", json_object_new_string("events"));
		json_object_object_add(req, "args", args);
		r = vipctl_client_call(path, req);
		json_object_put(req);
		d = r && jbool(r, "ok", false) ? jget(r, "data", json_type_object) : NULL;
		if (!d) {
			if (!lost)
				fprintf(stderr, "vipctl: waiting for vipd on %s\n", path);
			lost = true;
			json_object_put(r);
			continue;
		}
		if (jint(d, "pid", &v) && v != pid) {
			/* Another daemon: its numbers start again at 1, and we want them all. */
			fprintf(stderr, "vipctl: vipd restarted (pid %" PRId64 ")\n", v);
			pid = v;
			seen = 0;
			json_object_put(r);
			continue;
		}
		lost = false;
		vipctl_out_events(d, json_lines);
		if (jint(d, "total", &v))
			seen = v;
		json_object_put(r);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "vipctl: stdout: %s\n", strerror(errno));
			return VIPCTL_FAILED;
		}
	}
	return VIPCTL_OK;
}

/* A plugin's verdict when there is none: one line on stdout, CHECK_UNKNOWN. */
