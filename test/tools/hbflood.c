/*
 * hbflood.c - test tool: flood a heartbeat address with forged datagrams at
 * a bounded rate for a bounded time, from a LAN host of the netns lab.
 *
 *   hbflood [-m vipd|vrrp] -d DST [-s SRC] [-i IFNAME] [-p PORT] [-g GROUP]
 *           [-k KEYID] [-b COUNT] [-v VRID] -r RATE -t SECONDS
 *   hbflood [-g GROUP] [-k KEYID] [-b COUNT] -B N
 *   (-k: the group's key id in hex, as `vipctl --json status` shows it)
 *
 * vipd mode: heartbeats of the current wire format, built by proto_encode()
 * (proto.c is linked in) and signed with a random key: right length, magic,
 * version and group id, TTL 255, a MAC that never matches. Each one costs
 * the receiver everything up to and including the HMAC. 1024 distinct
 * packets (sequence numbers) are built once and sent round robin. With -b
 * COUNT (1..PROTO_BUNDLE_MAX) they are bundles (version 3) of COUNT records
 * for groups GROUP, GROUP + 1, ...: one HMAC over up to 1232 bytes each.
 *
 * -B N sends nothing: it times N proto_decode() calls (bundles:
 * proto_bundle_peek() and proto_bundle_verify(), what hbsock.c makes of
 * one) on those forgeries with a key of the receiver's, and prints
 * "hbflood: bench: N forgeries of L bytes, X ns each" on one line: what a
 * forged datagram costs vipd's CPU, without the kernel's share.
 *
 * vrrp mode (keepalived's side of the benchmark): VRRPv3 adverts (RFC 5798)
 * to DST (224.0.0.18) with IP protocol 112 and TTL 255, from SRC (needed
 * for the checksum's pseudo header), with a valid checksum and virtual
 * router id VRID (default 254), which the lab's keepalived does not run: it
 * parses and checks every one and drops it. (VRRPv3 has no authentication,
 * so a wrong vrid is the forgery closest to vipd's wrong MAC; an advert
 * with a configured vrid would be accepted.)
 *
 * Datagrams go out with sendmmsg in batches of 64, paced against the clock
 * (absolute sleeps), RATE at most 1000000 per s, SECONDS at most 600.
 * Prints one line: "hbflood: sent N of M datagrams in S s (R/s)". Exit
 * status: 0 sent, 1 a socket error, 2 usage. Root only in the lab (raw
 * socket for vrrp); never aim it outside the lab's namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "proto.h"

#define BATCH	 64
#define NPKT	 1024
#define PKT_MAX	 PROTO_MAX_LEN
#define VRRP_LEN 12 /* header (8) + one IPv4 address */

static uint8_t pkts[NPKT][PKT_MAX];
static size_t pkt_len;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: hbflood [-m vipd|vrrp] -d DST [-s SRC] [-i IFNAME] [-p PORT] "
			"[-g GROUP] [-k KEYID] [-b COUNT] [-v VRID] -r RATE -t SECONDS\n"
			"       hbflood [-g GROUP] [-k KEYID] [-b COUNT] -B N\n");
	return 2;
}

/*
 * NPKT forged heartbeats of group @gid: the group's real key id when
 * @key_id is given (it is in every genuine packet, in the clear), so each
 * costs the receiver an HMAC; signed with a random key, so each fails it.
 * @bundle records (groups @gid, @gid + 1, ...) in each, or 0: version 2.
 */
static int build_vipd(uint32_t gid, const char *key_id, unsigned bundle)
{
	struct proto_pkt p[PROTO_BUNDLE_MAX];
	struct proto_key k;
	uint8_t key[32];
	uint64_t boot;
	uint32_t id;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(&boot, sizeof(boot));
	id = key_id ? (uint32_t)strtoul(key_id, NULL, 16) : proto_key_id(key, sizeof(key));
	if (proto_key_init(&k, key, sizeof(key)) != PROTO_OK) {
		fprintf(stderr, "hbflood: proto_key_init failed\n");
		return -1;
	}
	for (unsigned i = 0; i < NPKT; i++) {
		unsigned nrec = bundle ? bundle : 1;
		int n;

		memset(p, 0, sizeof(p));
		for (unsigned r = 0; r < nrec; r++) {
			p[r].type = PROTO_T_HEARTBEAT;
			p[r].state = PROTO_ST_MASTER;
			p[r].priority = 255;
			p[r].interval_ms = 50;
			p[r].group_id = gid + r;
			p[r].key_id = id;
			p[r].nonce = boot | 1;
			p[r].challenge = boot | 1;
			p[r].seq = i + 1;
			snprintf(p[r].name, sizeof(p[r].name), "flood");
		}
		n = bundle ? proto_bundle_encode(p, nrec, &k, pkts[i], sizeof(pkts[i]))
			   : proto_encode(p, &k, pkts[i], sizeof(pkts[i]));
		if (n < 0) {
			fprintf(stderr, "hbflood: encode: %s\n", proto_strerror(n));
			return -1;
		}
		pkt_len = (size_t)n;
	}
	proto_key_clear(&k);
	return 0;
}

/*
 * -B: @n forgeries through the receiver's checks with a key of its own
 * (another random one), timed. Every one must fail the HMAC: anything
 * else means the forgery is not what the flood sends, and the run fails.
 */
static int bench(unsigned long n, bool bundle)
{
	struct proto_key k;
	struct proto_pkt p;
	uint8_t key[32];
	uint64_t t0, t1;

	randombytes_buf(key, sizeof(key));
	if (proto_key_init(&k, key, sizeof(key)) != PROTO_OK)
		return 1;
	t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		const uint8_t *b = pkts[i % NPKT];
		unsigned nrec;
		uint32_t id;
		int rc;

		if (bundle)
			rc = proto_bundle_peek(b, pkt_len, &nrec, &id) != PROTO_OK
				     ? PROTO_E_ARG
				     : proto_bundle_verify(b, pkt_len, &k);
		else
			rc = proto_decode(b, pkt_len, &k, &p);
		if (rc != PROTO_E_AUTH) {
			fprintf(stderr, "hbflood: bench: forgery %lu: %s\n", i, proto_strerror(rc));
			return 1;
		}
	}
	t1 = now_ns();
	proto_key_clear(&k);
	printf("hbflood: bench: %lu forgeries of %zu bytes, %.0f ns each\n", n, pkt_len,
	       (double)(t1 - t0) / (double)n);
	return 0;
}

static uint16_t csum(const uint8_t *b, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)(b[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* VRRPv3 adverts for @vrid from @src to @dst: priority 255, 50 ms, one address. */
static void build_vrrp(uint8_t vrid, struct in_addr src, struct in_addr dst)
{
	uint8_t ph[12];
	uint32_t sum = 0;

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = 112;
	ph[10] = 0;
	ph[11] = VRRP_LEN;
	for (size_t i = 0; i < sizeof(ph); i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	for (unsigned i = 0; i < NPKT; i++) {
		uint8_t *v = pkts[i];
		uint16_t c;

		memset(v, 0, VRRP_LEN);
		v[0] = 0x31; /* version 3, type 1 (advertisement) */
		v[1] = vrid;
		v[2] = 255;
		v[3] = 1; /* one address */
		v[4] = 0; /* max advert interval 5 cs = 50 ms */
		v[5] = 5;
		v[8] = 192; /* 192.0.2.(200 + i % 50): never a lab VIP */
		v[9] = 0;
		v[10] = 2;
		v[11] = (uint8_t)(200 + i % 50);
		c = csum(v, VRRP_LEN, sum);
		v[6] = (uint8_t)(c >> 8);
		v[7] = (uint8_t)c;
	}
	pkt_len = VRRP_LEN;
}

static int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

int main(int argc, char **argv)
{
	const char *mode = "vipd", *dst_s = NULL, *src_s = NULL, *ifname = NULL;
	unsigned long port = 5800, gid = 1, vrid = 254, rate = 0, secs = 0, bundle = 0, nbench = 0;
	const char *key_id = NULL;
	struct sockaddr_in dst = { .sin_family = AF_INET }, src = { .sin_family = AF_INET };
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t t0, total, sent = 0, next = 0;
	bool vrrp;
	int c, fd;

	while ((c = getopt(argc, argv, "m:d:s:i:p:g:k:b:B:v:r:t:")) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'd':
			dst_s = optarg;
			break;
		case 's':
			src_s = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'g':
			gid = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			key_id = optarg;
			break;
		case 'b':
			bundle = strtoul(optarg, NULL, 10);
			break;
		case 'B':
			nbench = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			vrid = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = strtoul(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	vrrp = strcmp(mode, "vrrp") == 0;
	if (bundle > PROTO_BUNDLE_MAX || gid == 0 || gid > UINT32_MAX - PROTO_BUNDLE_MAX ||
	    nbench > 100000000 || (nbench && vrrp))
		return usage();
	if (nbench) {
		if (sodium_init() < 0 || build_vipd((uint32_t)gid, key_id, (unsigned)bundle) < 0)
			return 1;
		return bench(nbench, bundle != 0);
	}
	if ((!vrrp && strcmp(mode, "vipd") != 0) || !dst_s ||
	    inet_pton(AF_INET, dst_s, &dst.sin_addr) != 1 ||
	    (src_s && inet_pton(AF_INET, src_s, &src.sin_addr) != 1) || (vrrp && !src_s) ||
	    rate == 0 || rate > 1000000 || secs == 0 || secs > 600 || port == 0 || port > 65535 ||
	    gid == 0 || gid > UINT32_MAX || vrid == 0 || vrid > 255)
		return usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "hbflood: sodium_init failed\n");
		return 1;
	}
	if (vrrp)
		build_vrrp((uint8_t)vrid, src.sin_addr, dst.sin_addr);
	else if (build_vipd((uint32_t)gid, key_id, (unsigned)bundle) < 0)
		return 1;
	dst.sin_port = vrrp ? 0 : htons((uint16_t)port);
	fd = vrrp ? socket(AF_INET, SOCK_RAW, 112) : socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || set_int(fd, IPPROTO_IP, IP_TTL, 255) < 0 ||
	    set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255) < 0 ||
	    (src_s && bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) ||
	    (ifname &&
	     setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0)) {
		fprintf(stderr, "hbflood: socket: %s\n", strerror(errno));
		return 1;
	}
	if (ifname) {
		struct ip_mreqn mr = { .imr_ifindex = (int)if_nametoindex(ifname) };

		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0) {
			fprintf(stderr, "hbflood: IP_MULTICAST_IF %s: %s\n", ifname,
				strerror(errno));
			return 1;
		}
	}
	total = (uint64_t)rate * secs;
	t0 = now_ns();
	while (next < total) {
		unsigned n = total - next < BATCH ? (unsigned)(total - next) : BATCH;
		uint64_t due = t0 + next * 1000000000u / rate;
		struct timespec ts = { .tv_sec = (time_t)(due / 1000000000u),
				       .tv_nsec = (long)(due % 1000000000u) };
		int r;

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (now_ns() > t0 + (uint64_t)(secs + 5) * 1000000000u)
			break; /* far behind: the duration bounds the run, not the count */
		for (unsigned i = 0; i < n; i++) {
			iov[i] = (struct iovec){ .iov_base = pkts[(next + i) % NPKT],
						 .iov_len = pkt_len };
			mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &dst,
							       .msg_namelen = sizeof(dst),
							       .msg_iov = &iov[i],
							       .msg_iovlen = 1 } };
		}
		next += n;
		r = sendmmsg(fd, mm, n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue; /* a full queue: this batch is lost, pace on */
			fprintf(stderr, "hbflood: sendmmsg: %s\n", strerror(errno));
			return 1;
		}
		sent += (uint64_t)r;
	}
	{
		double s = (double)(now_ns() - t0) / 1e9;

		printf("hbflood: sent %llu of %llu datagrams in %.2f s (%.0f/s)\n",
		       (unsigned long long)sent, (unsigned long long)total, s,
		       s > 0 ? (double)sent / s : 0.0);
	}
	close(fd);
	return 0;
}
