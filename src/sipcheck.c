/*
 * sipcheck.c - the built-in SIP OPTIONS check (see sipcheck.h).
 *
 * Who may answer: over UDP the socket is connect()ed to the target, so the
 * kernel delivers only datagrams from that address and port; over TCP only
 * the connection we opened is read. That alone does not make an answer
 * ours: a datagram can still be a late answer to an earlier check, or
 * forged by a host that can send from the target's address. So an answer
 * passes only when its Call-ID, its CSeq (number and method) and the
 * branch of its top Via are exactly those of the request just sent; the
 * Call-ID and branch carry 128 random bits each, fresh per check. Anything
 * else is counted as stray and ignored; the check then still waits for its
 * own answer until its timeout.
 *
 * A provisional response (1xx) is no answer: the check waits on. A final
 * response passes when its code is in sip_check_codes (any final response
 * by default: a 404 or 483 still shows a live SIP stack). An ICMP "port
 * unreachable" (ECONNREFUSED: no server listens) fails the check at once.
 *
 * Cost: one socket per group (UDP) or one connection per check (TCP), one
 * request of about 400 bytes per interval, no process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sipcheck.h"
#include "sipmsg.h"
#include "vipd.h"

#define SIPCHECK_READS 64 /* datagrams read per wake-up: a flood cannot hold the loop */

static void hex(char *out, size_t bytes)
{
	uint8_t r[16];

	if (bytes > sizeof(r))
		bytes = sizeof(r);
	if (getrandom(r, bytes, 0) != (ssize_t)bytes) {
		/* Never expected after boot; the CSeq and clock still change per check. */
		uint64_t t = clock_now_ms();

		memcpy(r, &t, sizeof(t) < bytes ? sizeof(t) : bytes);
	}
	for (size_t i = 0; i < bytes; i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

static void close_fd(struct sipcheck *c)
{
	if (c->fd < 0)
		return;
	ev_io_stop(c->loop, &c->io);
	close(c->fd);
	c->fd = -1;
	c->tcp_connected = false;
}

/* The verdict after a check, as check.c's: the first decides, then rise / fall. */
static void verdict(struct sipcheck *c, bool ok)
{
	const char *effect = c->cg->sip_weight ? "priority lowered" : "group is unhealthy";
	bool was = c->ok, first = !c->known;

	c->known = true;
	if (first)
		c->ok = ok;
	else if (ok && c->good >= c->cg->sip_rise)
		c->ok = true;
	else if (!ok && c->bad >= c->cg->sip_fall)
		c->ok = false;
	if (c->ok == was)
		return;
	if (c->ok)
		log_notice("group %u: SIP check of %s passes%s (%d in %llu ms)", c->cg->id,
			   c->cg->sip_target, first ? "" : " again", c->last_code,
			   (unsigned long long)c->last_rtt_ms);
	else
		log_warnx("group %u: SIP check of %s failed %u time(s) in a row (%s): %s",
			  c->cg->id, c->cg->sip_target, first ? 1 : c->bad, c->last_error, effect);
	c->fn(c->ctx);
}

/* One check's end: @code the final response (0 = none), @why when it failed. */
static void result(struct sipcheck *c, bool ok, int code, const char *why)
{
	ev_timer_stop(c->loop, &c->timeout);
	c->pending = false;
	if (c->cg->sip_tcp)
		close_fd(c);
	c->runs++;
	if (code)
		c->last_code = code;
	if (ok) {
		c->last_rtt_ms = clock_now_ms() - c->sent_ms;
		c->last_error[0] = '\0';
		c->bad = 0;
		c->good++;
	} else {
		snprintf(c->last_error, sizeof(c->last_error), "%s", why);
		c->failures++;
		c->good = 0;
		c->bad++;
		if (c->last_ok || c->runs == 1)
			log_warnx("group %u: SIP check of %s: %s", c->cg->id, c->cg->sip_target,
				  why);
	}
	c->last_ok = ok;
	verdict(c, ok);
}

static bool code_accepted(const struct sipcheck *c, int code)
{
	if (c->cg->n_sip_codes == 0)
		return code >= 200;
	for (size_t i = 0; i < c->cg->n_sip_codes; i++)
		if (c->cg->sip_codes[i] == code)
			return true;
	return false;
}

/* A message read: ours and final ends the check; else 1 = not ours / provisional. */
static int consider(struct sipcheck *c, const char *msg, size_t n, size_t *used)
{
	char why[64];
	int code = sipmsg_match(msg, n, c->call_id, c->cseq, c->branch, used);

	if (code < 0) {
		c->stray++;
		return 1;
	}
	if (code < 200)
		return 1; /* provisional: the final answer is still to come */
	if (code_accepted(c, code)) {
		result(c, true, code, "");
	} else {
		snprintf(why, sizeof(why), "answered %d, not an accepted code", code);
		result(c, false, code, why);
	}
	return 0;
}

static void fail_errno(struct sipcheck *c, const char *what, int err)
{
	char why[96];

	snprintf(why, sizeof(why), "%s: %s", what,
		 err == ECONNREFUSED ? "connection refused (nothing listens)" : strerror(err));
	result(c, false, 0, why);
}

/* Our local address for Via and From: "192.0.2.1:40001", "[2001:db8::1]:40001". */
static void local_addr(const struct sipcheck *c, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "0.0.0.0";
	unsigned port = 0;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_INET;
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			port = ntohs(s6->sin6_port);
		} else {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
			port = ntohs(s4->sin_port);
		}
	}
	snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

static int send_request(struct sipcheck *c)
{
	char req[1024], me[INET6_ADDRSTRLEN + 16];
	int n;

	local_addr(c, me, sizeof(me));
	n = snprintf(req, sizeof(req),
		     "OPTIONS sip:%s SIP/2.0\r\n"
		     "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:vipd@%s>;tag=%s\r\n"
		     "To: <sip:%s>\r\n"
		     "Call-ID: %s@vipd\r\n"
		     "CSeq: %u OPTIONS\r\n"
		     "User-Agent: vipd/" VIPD_VERSION "\r\n"
		     "Accept: application/sdp\r\n"
		     "Content-Length: 0\r\n\r\n",
		     c->cg->sip_target, c->cg->sip_tcp ? "TCP" : "UDP", me, c->branch + 7, me,
		     c->tag, c->cg->sip_target, c->call_id, c->cseq);
	/* The random parts of Call-ID and branch, as they appear on the wire. */
	strcat(c->call_id, "@vipd");
	c->sent_ms = clock_now_ms();
	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		fail_errno(c, "send", errno ? errno : EIO);
		return -1;
	}
	return 0;
}

static void read_udp(struct sipcheck *c)
{
	for (int i = 0; i < SIPCHECK_READS; i++) {
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
		size_t used;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (c->pending)
				fail_errno(c, "receive", errno);
			return;
		}
		if (!c->pending) {
			c->stray++; /* late, or not asked for */
			continue;
		}
		if (consider(c, c->buf, (size_t)n, &used) == 0)
			return;
	}
}

static void read_tcp(struct sipcheck *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	size_t used;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == 0)
			result(c, false, 0, "the server closed the connection without an answer");
		else
			fail_errno(c, "receive", errno);
		return;
	}
	c->len += (size_t)n;
	while (c->pending && c->len) {
		int rc = sipmsg_match(c->buf, c->len, c->call_id, c->cseq, c->branch, &used);

		if (used == 0) {
			if (c->len == sizeof(c->buf))
				result(c, false, 0, "an answer too large to read");
			return; /* not the whole header block yet */
		}
		if (rc >= 0 && rc < 200) {
			/* Drop a provisional (no body on an OPTIONS 1xx) and read on. */
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			continue;
		}
		consider(c, c->buf, c->len, &used);
		if (c->pending) {
			result(c, false, 0, "a TCP answer that is not ours");
			return;
		}
	}
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sipcheck *c = w->data;

	(void)loop;
	if (!c->cg->sip_tcp) {
		read_udp(c);
		return;
	}
	if (!c->tcp_connected && (revents & EV_WRITE)) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			fail_errno(c, "connect", err);
			return;
		}
		c->tcp_connected = true;
		ev_io_stop(c->loop, &c->io);
		ev_io_set(&c->io, c->fd, EV_READ);
		ev_io_start(c->loop, &c->io);
		send_request(c);
		return;
	}
	if (revents & EV_READ)
		read_tcp(c);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sipcheck *c = w->data;
	char why[64];

	(void)loop;
	(void)revents;
	if (!c->pending)
		return;
	c->timeouts++;
	snprintf(why, sizeof(why), "no answer within %u ms", c->cg->sip_timeout_ms);
	result(c, false, 0, why);
}

/* Open the socket and connect it to the target; 0 or -1 (errno set). */
static int open_fd(struct sipcheck *c)
{
	const struct conf_group *cg = c->cg;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int rc;

	if (cg->sip_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, cg->sip_addr, 16);
		s6->sin6_port = htons(cg->sip_port);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, cg->sip_addr, 4);
		s4->sin_port = htons(cg->sip_port);
		sl = sizeof(*s4);
	}
	c->fd = socket(cg->sip_family,
		       (cg->sip_tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	rc = connect(c->fd, (struct sockaddr *)&ss, sl);
	if (rc < 0 && !(cg->sip_tcp && errno == EINPROGRESS)) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		errno = e;
		return -1;
	}
	ev_io_set(&c->io, c->fd, cg->sip_tcp ? EV_WRITE : EV_READ);
	ev_io_start(c->loop, &c->io);
	return 0;
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sipcheck *c = w->data;

	(void)loop;
	(void)revents;
	if (c->pending)
		return; /* cannot happen: timeout < interval; never two at once */
	c->cseq++;
	hex(c->call_id, 16);
	memcpy(c->branch, "z9hG4bK", 7);
	hex(c->branch + 7, 16);
	hex(c->tag, 8);
	c->len = 0;
	c->pending = true;
	ev_timer_set(&c->timeout, c->cg->sip_timeout_ms / 1000.0, 0.0);
	ev_timer_start(c->loop, &c->timeout);
	c->sent_ms = clock_now_ms();
	if (c->fd < 0 && open_fd(c) < 0) {
		fail_errno(c, c->cg->sip_tcp ? "connect" : "socket", errno);
		return;
	}
	if (c->cg->sip_tcp) {
		/* The request is written once connected (io_cb); call_id gets its suffix then. */
		return;
	}
	send_request(c);
}

void sipcheck_start(struct sipcheck *c, struct ev_loop *loop, const struct conf_group *cg,
		    bool assume_ok, sipcheck_fn fn, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->cg = cg;
	c->fn = fn;
	c->ctx = ctx;
	c->fd = -1;
	c->ok = assume_ok;
	ev_init(&c->io, io_cb);
	c->io.data = c;
	ev_init(&c->tick, tick_cb);
	c->tick.data = c;
	ev_init(&c->timeout, timeout_cb);
	c->timeout.data = c;
	if (!cg->sip_check)
		return;
	c->on = true;
	ev_timer_set(&c->tick, 0.0, cg->sip_interval_ms / 1000.0);
	ev_timer_start(loop, &c->tick);
}

void sipcheck_stop(struct sipcheck *c)
{
	if (!c->on)
		return;
	ev_timer_stop(c->loop, &c->tick);
	ev_timer_stop(c->loop, &c->timeout);
	close_fd(c);
	c->pending = false;
	c->on = false;
}

void sipcheck_reconf(struct sipcheck *c, const struct conf_group *cg)
{
	bool was = c->on, ok = c->ok || !c->on;

	if (was)
		sipcheck_stop(c);
	if (cg->sip_check)
		sipcheck_start(c, c->loop, cg, ok, c->fn, c->ctx);
	else
		c->cg = cg;
}

bool sipcheck_failed(const struct sipcheck *c)
{
	return c->on && !c->ok;
}

void sipcheck_status(const struct sipcheck *c, struct json_object *checks)
{
	struct json_object *o;

	if (!c->on)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "target", json_object_new_string(c->cg->sip_target));
	json_object_object_add(o, "transport",
			       json_object_new_string(c->cg->sip_tcp ? "tcp" : "udp"));
	json_object_object_add(o, "ok", json_object_new_boolean(c->ok));
	json_object_object_add(o, "known", json_object_new_boolean(c->known));
	json_object_object_add(o, "weight", json_object_new_int64(c->cg->sip_weight));
	json_object_object_add(o, "last_code", json_object_new_int(c->last_code));
	json_object_object_add(o, "last_rtt_ms", json_object_new_int64((int64_t)c->last_rtt_ms));
	json_object_object_add(o, "last_error", json_object_new_string(c->last_error));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)c->runs));
	json_object_object_add(o, "failures", json_object_new_int64((int64_t)c->failures));
	json_object_object_add(o, "timeouts", json_object_new_int64((int64_t)c->timeouts));
	json_object_object_add(o, "stray", json_object_new_int64((int64_t)c->stray));
	json_object_object_add(checks, "sip", o);
}
