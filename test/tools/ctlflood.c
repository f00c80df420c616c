/*
 * ctlflood.c - test tool: what a misbehaving local client does to vipd's
 * control socket.
 *
 *   ctlflood hold SOCKET N DURATION_MS
 *	keep N connections open and idle (each one the daemon closes is
 *	opened again at once) and, meanwhile, connect, ask "status" and
 *	disconnect in a tight loop, for DURATION_MS. Prints one line:
 *	"connects=C answered=A busy=B busy_user=U busy_reserved=R" (replies
 *	that were answers; that said busy, of which for the per-user limit
 *	and for the slots kept for root).
 *   ctlflood trickle SOCKET EVERY_MS DURATION_MS
 *	one connection, one "status" request every EVERY_MS, until the
 *	daemon closes it or DURATION_MS pass. Prints "requests=R life_ms=L
 *	closed=yes|no".
 *
 * Exit status: 0 done, 1 could not connect at all, 2 usage. Every loop is
 * bounded by DURATION_MS.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctlmsg.h"

#define FLOOD_MAX_HOLD 64

static struct sockaddr_un sa = { .sun_family = AF_UNIX };
static uint8_t req[CTLMSG_HDR_LEN + 64];
static size_t req_len;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A connected socket (1 s send/receive timeouts), or -1. */
static int flood_connect(void)
{
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

enum flood_reply { FLOOD_NONE, FLOOD_ANSWER, FLOOD_BUSY_USER, FLOOD_BUSY_RESERVED, FLOOD_BUSY };

static long counts[FLOOD_BUSY + 1];

/* What the reply starting in @buf (@n bytes) was. */
static enum flood_reply flood_kind(char *buf, ssize_t n, size_t size)
{
	if (n <= 0)
		return FLOOD_NONE;
	buf[(size_t)n < size ? (size_t)n : size - 1] = '\0';
	buf += n > CTLMSG_HDR_LEN ? CTLMSG_HDR_LEN : 0;
	if (!strstr(buf, "\"busy\":true"))
		return FLOOD_ANSWER;
	if (strstr(buf, "per user"))
		return FLOOD_BUSY_USER;
	if (strstr(buf, "kept for root"))
		return FLOOD_BUSY_RESERVED;
	return FLOOD_BUSY;
}

/* Send the request, read the first bytes of one reply. */
static enum flood_reply flood_ask(int fd)
{
	char buf[8192];

	(void)send(fd, req, req_len, MSG_NOSIGNAL);
	return flood_kind(buf, recv(fd, buf, sizeof(buf) - 1, 0), sizeof(buf));
}

static int flood_hold(int n, long duration_ms)
{
	int held[FLOOD_MAX_HOLD], i;
	long end = now_ms() + duration_ms, connects = 0;
	bool any = false;

	for (i = 0; i < n; i++)
		held[i] = -1;
	while (now_ms() < end) {
		struct pollfd p[FLOOD_MAX_HOLD];

		for (i = 0; i < n; i++) {
			if (held[i] < 0) {
				held[i] = flood_connect();
				connects++;
			}
			p[i].fd = held[i];
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		(void)poll(p, (nfds_t)n, 0);
		for (i = 0; i < n; i++) {
			char buf[512];

			if (held[i] < 0)
				continue;
			any = true;
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* The daemon spoke (busy) or hung up (idle timeout): reopen next round. */
			counts[flood_kind(buf, recv(held[i], buf, sizeof(buf) - 1, MSG_DONTWAIT),
					  sizeof(buf))]++;
			close(held[i]);
			held[i] = -1;
		}
		i = flood_connect();
		connects++;
		if (i >= 0) {
			any = true;
			counts[flood_ask(i)]++;
			close(i);
		}
	}
	printf("connects=%ld answered=%ld busy=%ld busy_user=%ld busy_reserved=%ld\n", connects,
	       counts[FLOOD_ANSWER],
	       counts[FLOOD_BUSY_USER] + counts[FLOOD_BUSY_RESERVED] + counts[FLOOD_BUSY],
	       counts[FLOOD_BUSY_USER], counts[FLOOD_BUSY_RESERVED]);
	return any ? 0 : 1;
}

static int flood_trickle(long every_ms, long duration_ms)
{
	long start = now_ms(), end = start + duration_ms, requests = 0;
	bool closed = false;
	int fd = flood_connect();

	if (fd < 0)
		return 1;
	while (now_ms() < end && !closed) {
		requests++;
		if (flood_ask(fd) != FLOOD_ANSWER) {
			closed = true;
			break;
		}
		usleep((useconds_t)every_ms * 1000);
	}
	printf("requests=%ld life_ms=%ld closed=%s\n", requests, now_ms() - start,
	       closed ? "yes" : "no");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const char text[] = "{\"cmd\":\"status\"}";
	int n;

	if (argc != 5 || strlen(argv[2]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctlflood hold SOCKET N DURATION_MS\n"
				"       ctlflood trickle SOCKET EVERY_MS DURATION_MS\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[2], strlen(argv[2]) + 1);
	n = ctlmsg_frame(text, sizeof(text) - 1, req, sizeof(req));
	if (n < 0)
		return 2;
	req_len = (size_t)n;
	if (strcmp(argv[1], "hold") == 0) {
		n = atoi(argv[3]);
		if (n < 1 || n > FLOOD_MAX_HOLD)
			return 2;
		return flood_hold(n, atol(argv[4]));
	}
	if (strcmp(argv[1], "trickle") == 0)
		return flood_trickle(atol(argv[3]), atol(argv[4]));
	return 2;
}
