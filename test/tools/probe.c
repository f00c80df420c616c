/*
 * probe.c - the "phone" of the netns lab: measures what a client of the VIP
 * notices of a failover.
 *
 *   probe serve -n NAME [-p PORT] [-d DURATION_MS]
 *   probe client -t ADDR [-p PORT] [-i INTERVAL_MS] -d DURATION_MS [-o EVENTS_FILE] [-w]
 *
 * serve: a UDP echo server on 0.0.0.0 and :: (PORT, default 7777). Each
 * datagram is answered with its own payload followed by NAME, sent FROM the
 * address the request was sent TO (IP_PKTINFO / IPV6_PKTINFO): a node that
 * answers for the VIP answers from the VIP, and a node that no longer holds
 * the VIP cannot answer at all (the kernel refuses the source address).
 * Runs until SIGTERM/SIGINT, or for DURATION_MS when -d is given.
 *
 * client: sends one probe to ADDR every INTERVAL_MS (default 2) for
 * DURATION_MS, on a connected UDP socket, so it only ever sends to ADDR and
 * only accepts replies from ADDR. A probe is 20 bytes: "VPRB", a per-run
 * nonce, a sequence number and the send time (CLOCK_MONOTONIC ns), all big
 * endian. With -w the clock starts only once the first reply arrived (at
 * most DURATION_MS of waiting). After the last probe the client waits up to
 * GRACE_MS for late replies (less if every probe is answered). SIGTERM or
 * SIGINT ends the run early; the summary is still printed.
 *
 * Output, one line on stdout:
 *   sent=N recv=N lost=N max_gap_ms=X.X gap_start_ms=X.X switches=N
 *   responders=a:N,b:N double_ms=X.X dup=N send_err=N
 * Definitions (all times are SEND times of probes, relative to the first
 * probe of the measured window):
 *   recv        probes that got at least one reply; lost = sent - recv.
 *   max_gap_ms  the longest stretch between two consecutive answered probes:
 *               what a phone sees as the interruption. The window's start
 *               and its last probe count as boundaries too, so an outage at
 *               the start or end of the run is not hidden; with no reply at
 *               all it is the whole window. Without loss it equals the
 *               interval.
 *   gap_start_ms  send time of the last answered probe before that gap
 *               (0 when the gap opens the window).
 *   switches    changes of the answering node between consecutive answered
 *               probes (a probe is credited to the node whose reply came
 *               first).
 *   responders  for each node, in order of first appearance, the number of
 *               probes credited to it.
 *   double_ms   time during which two or more nodes were answering: each
 *               node's answers span [first, last] answered probe; double_ms
 *               is the total time covered by two or more such spans. A clean
 *               failover A -> B gives 0; A and B taking turns (two holders
 *               flipping the client's ARP entry) gives the length of the
 *               flapping. Note: a deliberate switch back (A -> B -> A, e.g.
 *               preemption) also counts, for the whole time B answered.
 *   dup         replies beyond the first one to the same probe.
 *   send_err    sends the kernel refused (no neighbour, unreachable, ...).
 * Exit status: 0 when at least one probe was answered, 1 when none was,
 * 2 on usage or set-up errors.
 *
 * EVENTS_FILE (-o) gets one line per event, "KIND key=value...", KIND one of
 * start, first (a node's first answer), switch, gap (one or more probes
 * lost), last (a node's last answer), end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_DEF_PORT	      7777   /* UDP */
#define PROBE_DEF_INTERVAL_MS 2	     /* ms between probes */
#define PROBE_MAX_INTERVAL_MS 10000  /* ms */
#define PROBE_MAX_DURATION_MS 600000 /* ms: 10 minutes */
#define PROBE_GRACE_MS	      100    /* ms to wait for late replies */
#define PROBE_HDR_LEN	      20     /* bytes: magic, nonce, seq, time */
#define PROBE_NAME_MAX	      32     /* bytes of a responder's name */
#define PROBE_MAX_RESP	      8	     /* distinct responders tracked */
#define PROBE_BATCH	      256    /* datagrams read per wake-up, at most */
#define PROBE_BUF_LEN	      2048   /* bytes */

static const char probe_magic[4] = { 'V', 'P', 'R', 'B' };

static volatile sig_atomic_t probe_stop;

static void probe_on_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: probe serve -n NAME [-p PORT] [-d DURATION_MS]\n"
			"       probe client -t ADDR [-p PORT] [-i INTERVAL_MS] -d DURATION_MS"
			" [-o EVENTS_FILE] [-w]\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ns_to_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Parse a decimal number in [min, max] or exit with a message naming @what. */
static uint32_t parse_u32(const char *s, uint32_t min, uint32_t max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "probe: %s must be a number in %u..%u, not \"%s\"\n", what, min,
			max, s);
		exit(2);
	}
	return (uint32_t)v;
}

/*
 * SIGTERM and SIGINT set probe_stop. Both stay blocked except inside
 * ppoll(), so a signal can never slip in between the check and the sleep.
 * Returns the mask to hand to ppoll().
 */
static sigset_t signals_setup(void)
{
	struct sigaction sa;
	sigset_t block, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigdelset(&old, SIGTERM);
	sigdelset(&old, SIGINT);
	return old;
}

/* Sleep in ppoll() until an fd is readable, a signal arrives or @deadline_ns. */
static int wait_until(struct pollfd *fds, nfds_t n, uint64_t deadline_ns, const sigset_t *mask)
{
	struct timespec ts;
	uint64_t now = now_ns(), left = deadline_ns > now ? deadline_ns - now : 0;

	ts.tv_sec = (time_t)(left / 1000000000u);
	ts.tv_nsec = (long)(left % 1000000000u);
	return ppoll(fds, n, &ts, mask);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- serve ---- */

/* One wildcard socket of @family on @port, asking for each datagram's
 * destination address. Returns the fd or -1 (after a message). */
static int serve_open(int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*sin);
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
			goto fail_fd;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_any;
		len = sizeof(*sin6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			goto fail_fd;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto fail_fd;
	return fd;
fail_fd:
	close(fd);
fail:
	fprintf(stderr, "probe serve: %s socket on port %u: %s\n",
		family == AF_INET ? "IPv4" : "IPv6", port, strerror(errno));
	return -1;
}

/*
 * Answer what is queued on @fd: payload + @name, from the request's own
 * destination address. Reads at most PROBE_BATCH datagrams. Returns the
 * number of replies sent.
 */
static unsigned serve_drain(int fd, const char *name, size_t name_len, unsigned long *errors)
{
	unsigned answered = 0;

	for (int i = 0; i < PROBE_BATCH; i++) {
		uint8_t buf[PROBE_BUF_LEN];
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_storage peer;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - PROBE_NAME_MAX };
		struct msghdr msg = {
			.msg_name = &peer,
			.msg_namelen = sizeof(peer),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &msg, 0);

		if (n < 0)
			break; /* EAGAIN: drained; anything else: try next wake-up */
		if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			continue; /* not a probe: too long, do not echo a stub */
		memcpy(buf + n, name, name_len);
		iov.iov_len = (size_t)n + name_len;
		/* Reply with the request's destination as source (see header). */
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				pi.ipi_spec_dst = pi.ipi_addr;
				pi.ipi_ifindex = 0;
				memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			}
			/* IPV6_PKTINFO goes back as it came: ipi6_addr becomes the
			 * source, ipi6_ifindex the outgoing interface. */
		}
		if (sendmsg(fd, &msg, 0) < 0)
			(*errors)++;
		else
			answered++;
	}
	return answered;
}

static int cmd_serve(int argc, char **argv)
{
	const char *name = NULL;
	uint16_t port = PROBE_DEF_PORT;
	uint32_t duration_ms = 0;
	unsigned long answered = 0, errors = 0;
	struct pollfd fds[2];
	nfds_t n = 0;
	sigset_t mask;
	uint64_t deadline_ns;
	int opt;

	while ((opt = getopt(argc, argv, "n:p:d:")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'p':
			port = (uint16_t)parse_u32(optarg, 1, 65535, "port");
			break;
		case 'd':
			duration_ms = parse_u32(optarg, 1, UINT32_MAX, "duration");
			break;
		default:
			usage();
		}
	}
	if (!name || !*name || strlen(name) > PROBE_NAME_MAX || optind != argc)
		usage();
	mask = signals_setup();
	for (int i = 0; i < 2; i++) {
		int fd = serve_open(i == 0 ? AF_INET : AF_INET6, port);

		if (fd >= 0)
			fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	if (n == 0)
		return 2;
	/* Without -d: until a signal (the lab kills it by PID). The deadline is
	 * then only the length of one sleep. */
	deadline_ns = now_ns() + (uint64_t)(duration_ms ? duration_ms : 3600000u) * 1000000u;
	while (!probe_stop) {
		int r = wait_until(fds, n, deadline_ns, &mask);

		if (r < 0 && errno != EINTR) {
			perror("probe serve: ppoll");
			return 2;
		}
		for (nfds_t i = 0; r > 0 && i < n; i++)
			if (fds[i].revents & POLLIN)
				answered += serve_drain(fds[i].fd, name, strlen(name), &errors);
		if (now_ns() >= deadline_ns) {
			if (duration_ms)
				break;
			deadline_ns = now_ns() + 3600000000000u;
		}
	}
	fprintf(stderr, "probe serve %s: answered %lu, send errors %lu\n", name, answered, errors);
	for (nfds_t i = 0; i < n; i++)
		close(fds[i].fd);
	return 0;
}

/* ---- client ---- */

struct slot {
	uint64_t sent_ns; /* send time relative to the window start */
	int8_t who;	  /* responder index of the first reply, -1 = none */
};

struct responder {
	char name[PROBE_NAME_MAX + 1];
	unsigned long probes;	    /* probes credited to it */
	uint64_t first_ns, last_ns; /* send times of its first/last answered probe */
};

struct client {
	int fd;
	uint32_t nonce;
	uint32_t seq0; /* sequence number of window probe 0 */
	uint32_t next_seq;
	uint64_t start_ns;  /* absolute CLOCK_MONOTONIC of window probe 0 */
	struct slot *slots; /* window probes, n_slots allocated */
	size_t n_slots, sent;
	bool in_window; /* false while -w waits for a first reply */
	unsigned long recv, dup, send_err, early;
	struct responder resp[PROBE_MAX_RESP];
	int n_resp;
};

/* Index of responder @name (created on first sight); the last slot
 * collects every name past PROBE_MAX_RESP - 1. */
static int client_responder(struct client *cl, const uint8_t *name, size_t len)
{
	char clean[PROBE_NAME_MAX + 1];
	size_t i;

	if (len > PROBE_NAME_MAX)
		len = PROBE_NAME_MAX;
	/* Names go into a key=value line: keep them to a safe alphabet. */
	for (i = 0; i < len; i++) {
		char ch = (char)name[i];

		clean[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
					   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
					   ch == '.'
				   ? ch
				   : '?';
	}
	clean[i] = '\0';
	if (i == 0)
		strcpy(clean, "?");
	for (int r = 0; r < cl->n_resp; r++)
		if (strcmp(cl->resp[r].name, clean) == 0)
			return r;
	if (cl->n_resp == PROBE_MAX_RESP)
		return PROBE_MAX_RESP - 1;
	if (cl->n_resp == PROBE_MAX_RESP - 1)
		strcpy(clean, "other");
	memcpy(cl->resp[cl->n_resp].name, clean, sizeof(clean));
	return cl->n_resp++;
}

static void client_send(struct client *cl)
{
	uint8_t pkt[PROBE_HDR_LEN];
	uint64_t t = now_ns();
	uint32_t seq = cl->next_seq++;

	memcpy(pkt, probe_magic, 4);
	put_be32(pkt + 4, cl->nonce);
	put_be32(pkt + 8, seq);
	put_be32(pkt + 12, (uint32_t)(t >> 32));
	put_be32(pkt + 16, (uint32_t)t);
	if (cl->in_window) {
		cl->slots[cl->sent].sent_ns = t - cl->start_ns;
		cl->slots[cl->sent].who = -1;
		cl->sent++;
	}
	/* Errors (no neighbour yet, ICMP unreachable reported on this
	 * connected socket) are expected during a failover: count them. */
	if (send(cl->fd, pkt, sizeof(pkt), 0) < 0)
		cl->send_err++;
}

/* Read what is queued (at most PROBE_BATCH datagrams) and credit probes.
 * Returns true when a reply arrived while -w was still waiting. */
static bool client_drain(struct client *cl)
{
	bool first = false;

	for (int i = 0; i < PROBE_BATCH; i++) {
		uint8_t buf[PROBE_BUF_LEN];
		ssize_t n = recv(cl->fd, buf, sizeof(buf), 0);
		uint32_t idx;
		struct slot *s;
		int r;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue; /* ECONNREFUSED etc.: a pending ICMP error */
		}
		/* Someone else's datagram or an old run's reply: ignore. */
		if (n < PROBE_HDR_LEN || memcmp(buf, probe_magic, 4) != 0 ||
		    get_be32(buf + 4) != cl->nonce)
			continue;
		if (!cl->in_window) {
			first = true;
			continue;
		}
		idx = get_be32(buf + 8) - cl->seq0;
		if (idx >= cl->sent) {
			cl->early++; /* a -w warm-up probe answered late */
			continue;
		}
		s = &cl->slots[idx];
		r = client_responder(cl, buf + PROBE_HDR_LEN, (size_t)n - PROBE_HDR_LEN);
		if (s->who >= 0) {
			cl->dup++;
			continue;
		}
		s->who = (int8_t)r;
		cl->recv++;
	}
	return first;
}

/*
 * Send a probe every @interval_ns until @end_ns (or @max probes), reading
 * replies in between. During the -w wait phase it returns as soon as the
 * first reply arrives. Returns true if it ended because of a reply.
 */
static bool client_run(struct client *cl, struct pollfd *pfd, uint64_t interval_ns, uint64_t end_ns,
		       size_t max, const sigset_t *mask)
{
	uint64_t next = now_ns();

	while (!probe_stop) {
		uint64_t now = now_ns();

		if (now >= end_ns || (cl->in_window && cl->sent >= max))
			return false;
		if (now >= next) {
			client_send(cl);
			next += interval_ns;
			if (next <= now) /* we were late: no catch-up burst */
				next = now + interval_ns;
		}
		if (wait_until(pfd, 1, next < end_ns ? next : end_ns, mask) > 0 && client_drain(cl))
			return true;
	}
	return false;
}

/* Total time covered by two or more responders' [first, last] spans. */
static uint64_t client_double_ns(const struct client *cl)
{
	uint64_t pts[2 * PROBE_MAX_RESP], total = 0;
	int n = 0;

	for (int r = 0; r < cl->n_resp; r++) {
		if (!cl->resp[r].probes)
			continue;
		pts[n++] = cl->resp[r].first_ns;
		pts[n++] = cl->resp[r].last_ns;
	}
	/* Between each pair of neighbouring span ends, count covering spans. */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (pts[j] < pts[i]) {
				uint64_t t = pts[i];

				pts[i] = pts[j];
				pts[j] = t;
			}
	for (int i = 0; i + 1 < n; i++) {
		int cover = 0;

		for (int r = 0; r < cl->n_resp; r++)
			if (cl->resp[r].probes && cl->resp[r].first_ns <= pts[i] &&
			    cl->resp[r].last_ns >= pts[i + 1])
				cover++;
		if (cover >= 2)
			total += pts[i + 1] - pts[i];
	}
	return total;
}

static void client_report(struct client *cl, FILE *ev)
{
	uint64_t gap = 0, gap_start = 0, prev = 0, last_sent = 0;
	unsigned long switches = 0;
	size_t last_idx = 0; /* last answered probe, valid when any */
	int prev_who = -1;
	bool any = false;

	if (cl->sent)
		last_sent = cl->slots[cl->sent - 1].sent_ns;
	for (size_t i = 0; i < cl->sent; i++) {
		const struct slot *s = &cl->slots[i];
		struct responder *r;

		if (s->who < 0)
			continue;
		r = &cl->resp[s->who];
		if (!r->probes++) {
			r->first_ns = s->sent_ns;
			if (ev)
				fprintf(ev, "first t_ms=%.3f node=%s\n", ns_to_ms(s->sent_ns),
					r->name);
		}
		r->last_ns = s->sent_ns;
		/* The window start is a boundary: an outage at the start counts. */
		if (s->sent_ns - prev > gap) {
			gap = s->sent_ns - prev;
			gap_start = prev;
		}
		if (ev && i > 0 && cl->slots[i - 1].who < 0)
			fprintf(ev, "gap t_ms=%.3f len_ms=%.3f lost=%zu\n", ns_to_ms(prev),
				ns_to_ms(s->sent_ns - prev), any ? i - 1 - last_idx : i);
		if (prev_who >= 0 && prev_who != s->who) {
			switches++;
			if (ev)
				fprintf(ev, "switch t_ms=%.3f from=%s to=%s\n",
					ns_to_ms(s->sent_ns), cl->resp[prev_who].name, r->name);
		}
		prev_who = s->who;
		prev = s->sent_ns;
		last_idx = i;
		any = true;
	}
	/* ... and so is the last probe sent: an outage at the end counts too. */
	if (last_sent - prev > gap) {
		gap = last_sent - prev;
		gap_start = prev;
	}
	if (ev) {
		if (cl->sent && (!any || last_idx + 1 < cl->sent))
			fprintf(ev, "gap t_ms=%.3f len_ms=%.3f lost=%zu\n", ns_to_ms(prev),
				ns_to_ms(last_sent - prev),
				any ? cl->sent - 1 - last_idx : cl->sent);
		for (int r = 0; r < cl->n_resp; r++)
			if (cl->resp[r].probes)
				fprintf(ev, "last t_ms=%.3f node=%s\n",
					ns_to_ms(cl->resp[r].last_ns), cl->resp[r].name);
	}
	printf("sent=%zu recv=%lu lost=%lu max_gap_ms=%.1f gap_start_ms=%.1f switches=%lu"
	       " responders=",
	       cl->sent, cl->recv, (unsigned long)cl->sent - cl->recv, ns_to_ms(gap),
	       ns_to_ms(gap_start), switches);
	for (int r = 0, k = 0; r < cl->n_resp; r++)
		if (cl->resp[r].probes)
			printf("%s%s:%lu", k++ ? "," : "", cl->resp[r].name, cl->resp[r].probes);
	printf(" double_ms=%.1f dup=%lu send_err=%lu\n", ns_to_ms(client_double_ns(cl)), cl->dup,
	       cl->send_err);
	if (ev)
		fprintf(ev, "end t_ms=%.3f sent=%zu recv=%lu switches=%lu max_gap_ms=%.3f\n",
			ns_to_ms(last_sent), cl->sent, cl->recv, switches, ns_to_ms(gap));
}

/* A connected UDP socket to @addr:@port; exits on failure. */
static int client_open(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr *sa;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sa = (struct sockaddr *)&sin;
		len = sizeof(sin);
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&sin6;
		len = sizeof(sin6);
	} else {
		fprintf(stderr, "probe client: -t %s is not an IPv4 or IPv6 address\n", addr);
		exit(2);
	}
	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, sa, len) < 0) {
		fprintf(stderr, "probe client: %s port %u: %s\n", addr, port, strerror(errno));
		exit(2);
	}
	return fd;
}

static int cmd_client(int argc, char **argv)
{
	const char *target = NULL, *events = NULL;
	uint16_t port = PROBE_DEF_PORT;
	uint32_t interval_ms = PROBE_DEF_INTERVAL_MS, duration_ms = 0;
	uint64_t interval_ns, duration_ns, t0;
	bool wait_first = false;
	struct client cl;
	struct pollfd pfd;
	sigset_t mask;
	FILE *ev = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "t:p:i:d:o:w")) != -1) {
		switch (opt) {
		case 't':
			target = optarg;
			break;
		case 'p':
			port = (uint16_t)parse_u32(optarg, 1, 65535, "port");
			break;
		case 'i':
			interval_ms = parse_u32(optarg, 1, PROBE_MAX_INTERVAL_MS, "interval");
			break;
		case 'd':
			duration_ms = parse_u32(optarg, 1, PROBE_MAX_DURATION_MS, "duration");
			break;
		case 'o':
			events = optarg;
			break;
		case 'w':
			wait_first = true;
			break;
		default:
			usage();
		}
	}
	if (!target || !duration_ms || optind != argc)
		usage();
	if (events && !(ev = fopen(events, "w"))) {
		fprintf(stderr, "probe client: %s: %s\n", events, strerror(errno));
		return 2;
	}
	memset(&cl, 0, sizeof(cl));
	cl.fd = client_open(target, port);
	interval_ns = (uint64_t)interval_ms * 1000000u;
	duration_ns = (uint64_t)duration_ms * 1000000u;
	cl.n_slots = duration_ms / interval_ms + 1;
	cl.slots = calloc(cl.n_slots, sizeof(*cl.slots));
	if (!cl.slots) {
		perror("probe client");
		return 2;
	}
	t0 = now_ns();
	cl.nonce = (uint32_t)getpid() ^ (uint32_t)t0 ^ (uint32_t)(t0 >> 32);
	mask = signals_setup();
	pfd = (struct pollfd){ .fd = cl.fd, .events = POLLIN };

	if (wait_first && !client_run(&cl, &pfd, interval_ns, t0 + duration_ns, 0, &mask)) {
		fprintf(stderr, "probe client: no reply from %s port %u within %u ms\n", target,
			port, duration_ms);
		client_report(&cl, ev);
		if (ev)
			fclose(ev);
		return 1;
	}
	cl.in_window = true;
	cl.seq0 = cl.next_seq;
	cl.start_ns = now_ns();
	if (ev)
		fprintf(ev,
			"start t_ms=0 mono_ms=%.3f target=%s port=%u interval_ms=%u"
			" duration_ms=%u\n",
			ns_to_ms(cl.start_ns), target, port, interval_ms, duration_ms);
	client_run(&cl, &pfd, interval_ns, cl.start_ns + duration_ns, cl.n_slots, &mask);
	/* Late replies: until GRACE_MS passed or every probe is answered. */
	for (uint64_t end = now_ns() + PROBE_GRACE_MS * 1000000u;
	     !probe_stop && cl.recv < cl.sent && now_ns() < end;)
		if (wait_until(&pfd, 1, end, &mask) > 0)
			client_drain(&cl);
	client_report(&cl, ev);
	if (ev && fclose(ev) != 0)
		perror("probe client: events file");
	free(cl.slots);
	close(cl.fd);
	return cl.recv ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "client") == 0)
		return cmd_client(argc - 1, argv + 1);
	usage();
	return 2;
}
