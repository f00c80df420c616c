/*
 * nltool.c - drive nl.c and announce.c by hand, for the netns tests.
 *
 *   nltool add IFNAME LABEL ADDR/PREFIX     add a VIP ("" = no label)
 *   nltool del IFNAME ADDR/PREFIX           remove it
 *   nltool present IFNAME ADDR/PREFIX       print yes/no, exit 0/1
 *   nltool link IFNAME                      print "MAC up|down"
 *   nltool garp IFNAME ADDR/PREFIX COUNT    COUNT announcement rounds
 *   nltool del-wait IFNAME ADDR/PREFIX TIMEOUT_MS
 *                                           remove it, wait until someone adds it
 *                                           back; prints "back_ms=X" (or "back_ms=")
 *   nltool add-wait IFNAME LABEL ADDR/PREFIX TIMEOUT_MS
 *                                           add it, wait until someone removes it;
 *                                           prints "gone_ms=X" (or "gone_ms=")
 *   nltool fight IFNAME ADDR/PREFIX GAP_MS DURATION_MS
 *                                           remove it every GAP_MS for DURATION_MS
 *                                           (another program that keeps deleting);
 *                                           prints "deletions=N present=M"
 *
 * IFNAME may also be a plain ifindex, so that tests can hand the kernel an
 * index that does not exist. Exit status: 0 ok (or "yes"), 1 failed (or
 * "no"), 2 usage, or an error while asking "present".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "announce.h"
#include "conf.h"
#include "log.h"
#include "nl.h"
#include "nlmon.h"

#define NLTOOL_GARP_MAX	   100 /* rounds */
#define NLTOOL_GARP_GAP_MS 100 /* ms between rounds */

static int usage(void)
{
	fprintf(stderr, "usage: nltool add IFNAME LABEL ADDR/PREFIX\n"
			"       nltool del IFNAME ADDR/PREFIX\n"
			"       nltool present IFNAME ADDR/PREFIX\n"
			"       nltool link IFNAME\n"
			"       nltool garp IFNAME ADDR/PREFIX COUNT\n"
			"       nltool del-wait IFNAME ADDR/PREFIX TIMEOUT_MS\n"
			"       nltool add-wait IFNAME LABEL ADDR/PREFIX TIMEOUT_MS\n"
			"       nltool fight IFNAME ADDR/PREFIX GAP_MS DURATION_MS\n");
	return 2;
}

/* A plain number is taken as an ifindex as is; a name must exist. 0 = bad. */
static unsigned parse_if(const char *s)
{
	char *end;
	unsigned long v;
	unsigned idx;

	if (s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || v == 0 || v > INT_MAX) {
			fprintf(stderr, "nltool: bad ifindex: %s\n", s);
			return 0;
		}
		return (unsigned)v;
	}
	idx = if_nametoindex(s);
	if (!idx)
		fprintf(stderr, "nltool: %s: %s\n", s, strerror(errno));
	return idx;
}

/* "192.0.2.100/24" or "2001:db8::100/64" -> @vip; -1 (printed) if malformed. */
static int parse_vip(const char *s, struct conf_vip *vip)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;
	size_t n;

	memset(vip, 0, sizeof(*vip));
	if (!slash || (n = (size_t)(slash - s)) >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, vip->addr) == 1)
		vip->family = AF_INET;
	else if (inet_pton(AF_INET6, host, vip->addr) == 1)
		vip->family = AF_INET6;
	else
		goto bad;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || len > (vip->family == AF_INET ? 32u : 128u))
		goto bad;
	vip->prefix_len = (uint8_t)len;
	inet_ntop(vip->family, vip->addr, host, sizeof(host));
	snprintf(vip->text, sizeof(vip->text), "%s/%u", host, vip->prefix_len);
	return 0;
bad:
	fprintf(stderr, "nltool: bad ADDR/PREFIX: %s\n", s);
	return -1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmd_garp(struct nl *nl, unsigned ifindex, const struct conf_vip *vip,
		    const char *count_s)
{
	struct announce *a;
	uint8_t mac[6];
	unsigned long count;
	unsigned long i;
	char *end;
	bool up;
	int rc = 0;

	errno = 0;
	count = strtoul(count_s, &end, 10);
	if (errno || *end || count < 1 || count > NLTOOL_GARP_MAX) {
		fprintf(stderr, "nltool: COUNT must be 1..%d\n", NLTOOL_GARP_MAX);
		return 2;
	}
	if (nl_link_info(nl, ifindex, mac, &up) < 0)
		return 1;
	a = announce_open(ifindex);
	if (!a)
		return 1;
	for (i = 0; i < count && rc == 0; i++) {
		if (i > 0)
			sleep_ms(NLTOOL_GARP_GAP_MS);
		if (announce_vip(a, mac, vip) < 0)
			rc = 1;
	}
	announce_close(a);
	return rc;
}

#define NLTOOL_FIGHT_MAX_MS 60000 /* a fight lasts at most this long */

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t mono_ms(void)
{
	return mono_us() / 1000u;
}

/* Delete @vip every @gap_s ms for @dur_s ms; count how often it was there to delete. */
static int cmd_fight(struct nl *nl, unsigned ifindex, const struct conf_vip *vip, const char *gap_s,
		     const char *dur_s)
{
	long gap = strtol(gap_s, NULL, 10), dur = strtol(dur_s, NULL, 10);
	unsigned long n = 0, present = 0;
	uint64_t end;

	if (gap < 1 || gap > 1000 || dur < 1 || dur > NLTOOL_FIGHT_MAX_MS)
		return usage();
	end = mono_ms() + (uint64_t)dur;
	for (unsigned long i = 0; i < (unsigned long)(dur / gap) + 1 && mono_ms() < end; i++) {
		struct timespec ts = { .tv_nsec = gap * 1000000L };

		if (nl_addr_present(nl, ifindex, vip) == 1) {
			present++;
			if (nl_addr_del(nl, ifindex, vip) == 0)
				n++;
		}
		nanosleep(&ts, NULL);
	}
	printf("deletions=%lu present=%lu\n", n, present);
	return 0;
}

/* What wait_cb looks for: @vip on @ifindex appearing (@want_added) or going. */
struct waiter {
	unsigned ifindex;
	const struct conf_vip *vip;
	bool want_added, seen;
};

static void wait_link(void *ctx, unsigned ifindex, const char *name, bool up, bool gone)
{
	(void)ctx, (void)ifindex, (void)name, (void)up, (void)gone;
}

static void wait_addr(void *ctx, const struct nl_ifaddr *a)
{
	struct waiter *w = ctx;

	if (a->ifindex == w->ifindex && a->family == w->vip->family &&
	    a->prefix_len == w->vip->prefix_len &&
	    memcmp(a->addr, w->vip->addr, a->family == AF_INET ? 4 : 16) == 0 &&
	    a->added == w->want_added)
		w->seen = true;
}

/*
 * Change the address (remove it, or add it with @label), then time how long
 * until the kernel reports the opposite change: what another program (vipd)
 * did about ours. Subscribed before the change, so nothing is missed; the
 * time is measured by this process, from the kernel's ACK to the event.
 */
static int cmd_wait(struct nl *nl, unsigned ifindex, const char *label, const struct conf_vip *vip,
		    const char *timeout_s)
{
	struct waiter w = { .ifindex = ifindex, .vip = vip, .want_added = label == NULL };
	const struct nlmon_ops ops = { .link = wait_link, .addr = wait_addr, .ctx = &w };
	long timeout = strtol(timeout_s, NULL, 10);
	struct nlmon *m = nlmon_open();
	uint64_t t0_us, end;
	int rc;

	if (!m || timeout < 1 || timeout > NLTOOL_FIGHT_MAX_MS) {
		nlmon_free(m);
		return usage();
	}
	rc = label ? nl_addr_add(nl, ifindex, label, vip) : nl_addr_del(nl, ifindex, vip);
	t0_us = mono_us();
	end = t0_us / 1000u + (uint64_t)timeout;
	/* Our own change is in the queue first; what we wait for comes after it. */
	while (rc == 0 && !w.seen && mono_ms() < end) {
		struct pollfd p = { .fd = nlmon_fd(m), .events = POLLIN };

		if (poll(&p, 1, (int)(end - mono_ms()) + 1) > 0)
			nlmon_read(m, &ops);
	}
	if (w.seen)
		printf("%s=%.2f\n", label ? "gone_ms" : "back_ms",
		       (double)(mono_us() - t0_us) / 1000.0);
	else
		printf("%s=\n", label ? "gone_ms" : "back_ms");
	nlmon_free(m);
	return rc == 0 && w.seen ? 0 : 1;
}

static int run(struct nl *nl, int argc, char **argv)
{
	const char *cmd = argv[1];
	struct conf_vip vip;
	unsigned ifindex;
	uint8_t mac[6];
	bool up;
	int r;

	ifindex = parse_if(argv[2]);
	if (!ifindex)
		return 1;
	if (strcmp(cmd, "link") == 0 && argc == 3) {
		if (nl_link_info(nl, ifindex, mac, &up) < 0)
			return 1;
		printf("%02x:%02x:%02x:%02x:%02x:%02x %s\n", mac[0], mac[1], mac[2], mac[3], mac[4],
		       mac[5], up ? "up" : "down");
		return 0;
	}
	if (strcmp(cmd, "add") == 0 && argc == 5) {
		if (parse_vip(argv[4], &vip) < 0)
			return 2;
		return nl_addr_add(nl, ifindex, argv[3], &vip) < 0 ? 1 : 0;
	}
	if (strcmp(cmd, "add-wait") == 0 && argc == 6) {
		if (parse_vip(argv[4], &vip) < 0)
			return 2;
		return cmd_wait(nl, ifindex, argv[3], &vip, argv[5]);
	}
	if (argc < 4 || parse_vip(argv[3], &vip) < 0)
		return usage();
	if (strcmp(cmd, "del") == 0 && argc == 4)
		return nl_addr_del(nl, ifindex, &vip) < 0 ? 1 : 0;
	if (strcmp(cmd, "present") == 0 && argc == 4) {
		r = nl_addr_present(nl, ifindex, &vip);
		if (r < 0)
			return 2;
		puts(r ? "yes" : "no");
		return r ? 0 : 1;
	}
	if (strcmp(cmd, "garp") == 0 && argc == 5)
		return cmd_garp(nl, ifindex, &vip, argv[4]);
	if (strcmp(cmd, "del-wait") == 0 && argc == 5)
		return cmd_wait(nl, ifindex, NULL, &vip, argv[4]);
	if (strcmp(cmd, "fight") == 0 && argc == 6)
		return cmd_fight(nl, ifindex, &vip, argv[4], argv[5]);
	return usage();
}

int main(int argc, char **argv)
{
	struct nl *nl;
	int rc;

	if (argc < 3)
		return usage();
	log_init("nltool", false, false);
	nl = nl_open();
	if (!nl)
		return 1;
	rc = run(nl, argc, argv);
	nl_free(nl);
	return rc;
}
