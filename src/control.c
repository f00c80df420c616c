/*
 * control.c - the control socket server's listener: creates the socket
 * file, accepts vipctl's connections on the event loop and enforces the
 * connection limits; control_conn.c serves each connection (framing,
 * permission, the daemon's handler, the reply).
 *
 * Nothing a client does can block or pin the daemon: every socket is
 * non-blocking, and control_conn.c bounds what one connection may hold
 * and how long (CONTROL_IDLE_MS per step, CONTROL_LIFE_MS in all), so a
 * client that keeps sending requests cannot keep its slot forever.
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

#include "clock.h"
#include "control_conn.h"

#define CONTROL_PAUSE_MS      1000  /* ms accept() rests after running out of fds */
#define CONTROL_ACCEPT_BATCH  64    /* connections accepted per loop iteration */
#define CONTROL_LOG_BURST     5	    /* garbage log lines ... */
#define CONTROL_LOG_PERIOD_MS 10000 /* ... per this many ms */

bool control_rl(struct control *c)
{
	return log_rl_pass(&c->rl);
}

/* ---- peers ---------------------------------------------------------- */

static void control_peer(int fd, struct ucred *uc)
{
	socklen_t len = sizeof(*uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, uc, &len) < 0) {
		log_warn("control: SO_PEERCRED");
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
		snprintf(why, why_len,
			 "busy: %zu control connections are open, the last %d are "
			 "kept for root",
			 c->n_conns, CONTROL_RESERVED);
		return true;
	}
	mine = control_count_uid(c, uid);
	if (mine >= CONTROL_MAX_PER_UID) {
		snprintf(why, why_len,
			 "busy: uid %u has %zu control connections open, at most "
			 "%d per user",
			 (unsigned)uid, mine, CONTROL_MAX_PER_UID);
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
		log_rl_emit(&c->rl, LOG_WARNING, "control: uid %u pid %d turned away: %s",
			    (unsigned)uc->uid, (int)uc->pid, why);
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
				log_rl_emit(&c->rl, LOG_ERR, "control: accept: %s",
					    strerror(errno));
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
			control_conn_new(c, fd, &uc);
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
				log_err("control socket: chmod %s", dir);
				return -1;
			}
		} else if (errno != EEXIST) {
			log_err("control socket: mkdir %s", dir);
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
		log_err("control socket %s", sa->sun_path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_errx("control socket %s: exists and is not a socket, not touching it",
			 sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("control socket: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc < 0 && errno == ECONNREFUSED) {
		close(fd);
		if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
			log_err("control socket %s: removing the stale socket", sa->sun_path);
			return -1;
		}
		log_notice("control socket %s: removed a stale socket", sa->sun_path);
		return 0;
	}
	if (rc == 0 || errno == EAGAIN)
		log_errx("control socket %s: another vipd is running (it answers there)",
			 sa->sun_path);
	else
		log_err("control socket %s: probing the existing socket", sa->sun_path);
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
		log_err("control socket %s: bind", sa->sun_path);
	return rc;
}

/* Give the bound socket file its group and mode, and remember which file it is. */
static int control_own(struct control *c)
{
	struct stat st;

	if (c->read_gid != (gid_t)-1 && chown(c->path, (uid_t)-1, c->read_gid) < 0) {
		log_err("control socket %s: chown to group %s", c->path, c->group_name);
		return -1;
	}
	if (chmod(c->path, control_mode(c)) < 0 || stat(c->path, &st) < 0) {
		log_err("control socket %s", c->path);
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
		log_errx("control socket %s: must be an absolute path shorter than %zu bytes", path,
			 sizeof(sa.sun_path));
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_errx("control socket %s: out of memory", path);
		return NULL;
	}
	c->loop = loop;
	log_rl_init(&c->rl, CONTROL_LOG_BURST, CONTROL_LOG_PERIOD_MS);
	c->read_gid = read_gid;
	c->fn = fn;
	c->ctx = ctx;
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	control_group_name(c, read_gid);
	if (control_mkdirs(path) < 0 || control_clear_stale(&sa) < 0)
		goto fail_free;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		log_err("control socket: socket");
		goto fail_free;
	}
	if (control_bind(c, &sa) < 0)
		goto fail_close;
	if (control_own(c) < 0)
		goto fail_unlink;
	if (listen(c->fd, CONTROL_BACKLOG) < 0) {
		log_err("control socket %s: listen", path);
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
			control_conn_close(c->conns[i]);
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
