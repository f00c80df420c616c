/*
 * announce.c - tell the LAN that a VIP now lives at our MAC.
 *
 * IPv4: gratuitous ARP, broadcast, in both forms hosts and switches look
 * for: the ARP Announcement of RFC 5227 §2.3 (a request) and the gratuitous
 * reply of RFC 2002 §4.6. IPv6: an unsolicited neighbour advertisement to
 * all-nodes, RFC 4861 §7.2.6. Receivers only overwrite an entry they already
 * have (Linux, most phones), which is exactly the case that matters: a
 * phone that still points the VIP at the old holder.
 *
 * The sockets only send. Nothing is queued for reading: the packet socket
 * binds to no protocol and the ICMPv6 socket filters everything out.
 */
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "announce.h"
#include "log.h"

#define ANNOUNCE_ARP_LEN 28  /* bytes: Ethernet/IPv4 ARP, RFC 826 */
#define ANNOUNCE_NA_LEN	 32  /* bytes: NA header 24 + target link-layer option 8 */
#define ANNOUNCE_HOPS	 255 /* RFC 4861: receivers drop ND with any other hop limit */

struct announce {
	unsigned ifindex;
	int fd4; /* AF_PACKET, SOCK_DGRAM: the kernel adds the Ethernet header */
	int fd6; /* raw ICMPv6, opened on the first IPv6 VIP; -1 until then */
};

static const uint8_t announce_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Log one failure: "announce_vip eth0 192.0.2.100/24: what: strerror". */
static void announce_log(const struct announce *a, const char *vip, const char *what, int err)
{
	char name[IF_NAMESIZE];

	if (!if_indextoname(a->ifindex, name))
		snprintf(name, sizeof(name), "if#%u", a->ifindex);
	log_errx("announce_vip %s %s: %s: %s", name, vip, what, strerror(err));
}

/*
 * The packet socket is created with protocol 0 so that it receives nothing:
 * with ETH_P_ARP the kernel would copy every ARP frame on the LAN into a
 * queue nobody reads. The protocol goes into each sendto() address instead.
 */
static int announce_open4(unsigned ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = 0,
		.sll_ifindex = (int)ifindex,
	};
	int fd;

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("announce_open ifindex %u: packet socket", ifindex);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		log_err("announce_open ifindex %u: packet bind", ifindex);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The ICMPv6 socket. Neighbour discovery packets with a hop limit other
 * than 255 are dropped by every receiver (RFC 4861 §7.1.2): that is how they
 * know the packet was not routed. The filter blocks all input, else every
 * ICMPv6 packet on the host would be queued here.
 */
static int announce_open6(unsigned ifindex)
{
	struct icmp6_filter filter;
	int hops = ANNOUNCE_HOPS;
	int ifi = (int)ifindex;
	int zero = 0;
	int fd;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -1;
	ICMP6_FILTER_SETBLOCKALL(&filter);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Open what IPv4 needs now; the IPv6 socket waits for the first IPv6 VIP,
 * so a host without IPv6 can still announce its IPv4 VIPs.
 */
struct announce *announce_open(unsigned ifindex)
{
	struct announce *a;

	a = calloc(1, sizeof(*a));
	if (!a) {
		log_err("announce_open ifindex %u", ifindex);
		return NULL;
	}
	a->ifindex = ifindex;
	a->fd6 = -1;
	a->fd4 = announce_open4(ifindex);
	if (a->fd4 < 0) {
		free(a);
		return NULL;
	}
	return a;
}

void announce_close(struct announce *a)
{
	if (!a)
		return;
	if (a->fd6 >= 0)
		close(a->fd6);
	close(a->fd4);
	free(a);
}

/*
 * One Ethernet/IPv4 ARP packet (RFC 826), written byte by byte so the
 * layout on the wire is what this function says, whatever the ABI.
 */
static void announce_arp_build(uint8_t p[ANNOUNCE_ARP_LEN], uint16_t op, const uint8_t sha[6],
			       const uint8_t ip[4], const uint8_t tha[6])
{
	p[0] = ARPHRD_ETHER >> 8; /* hardware type */
	p[1] = ARPHRD_ETHER & 0xff;
	p[2] = ETHERTYPE_IP >> 8; /* protocol type */
	p[3] = ETHERTYPE_IP & 0xff;
	p[4] = ETH_ALEN; /* hardware address length */
	p[5] = 4;	 /* protocol address length */
	p[6] = (uint8_t)(op >> 8);
	p[7] = (uint8_t)(op & 0xff);
	memcpy(p + 8, sha, ETH_ALEN); /* sender: us */
	memcpy(p + 14, ip, 4);	      /* sender IP: the VIP */
	memcpy(p + 18, tha, ETH_ALEN);
	memcpy(p + 24, ip, 4); /* target IP: the VIP too, that makes it gratuitous */
}

static int announce_arp(struct announce *a, const uint8_t mac[6], const struct conf_vip *vip)
{
	static const uint8_t zero[ETH_ALEN];
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = (int)a->ifindex,
		.sll_halen = ETH_ALEN,
	};
	uint8_t req[ANNOUNCE_ARP_LEN], rep[ANNOUNCE_ARP_LEN];

	memcpy(to.sll_addr, announce_bcast, ETH_ALEN);
	/*
	 * RFC 5227 §2.3 ARP Announcement: a request whose sender and target IP
	 * are both the VIP; target hardware address ignored, zero. Linux treats
	 * it as gratuitous and overrides its entry even inside locktime.
	 */
	announce_arp_build(req, ARPOP_REQUEST, mac, vip->addr, zero);
	/*
	 * RFC 2002 §4.6 gratuitous reply: target hardware address = ours as
	 * well. Some phones and switches only learn from replies; Linux only
	 * counts a reply as gratuitous when tha is zero or equals sha.
	 */
	announce_arp_build(rep, ARPOP_REPLY, mac, vip->addr, mac);

	if (sendto(a->fd4, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		announce_log(a, vip->text, "ARP request", errno);
		return -1;
	}
	if (sendto(a->fd4, rep, sizeof(rep), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		announce_log(a, vip->text, "ARP reply", errno);
		return -1;
	}
	return 0;
}

/*
 * Unsolicited neighbour advertisement, RFC 4861 §4.4 and §7.2.6: to
 * all-nodes ff02::1, Solicited clear (it answers nobody; receivers drop a
 * multicast NA with S set), Router clear (we are not claiming to route),
 * Override set (replace the cached link-layer address of the old holder),
 * with the Target Link-Layer Address option carrying our MAC. The checksum
 * stays zero: for IPPROTO_ICMPV6 raw sockets the kernel always fills it in
 * (RFC 3542 §3.1).
 */
static void announce_na_build(uint8_t p[ANNOUNCE_NA_LEN], const uint8_t mac[6],
			      const uint8_t target[16])
{
	memset(p, 0, ANNOUNCE_NA_LEN);
	p[0] = ND_NEIGHBOR_ADVERT; /* type 136 */
	p[1] = 0;		   /* code */
	p[4] = 0x20;		   /* flags R=0x80 S=0x40 O=0x20: Override only */
	memcpy(p + 8, target, 16);
	p[24] = ND_OPT_TARGET_LINKADDR; /* option type 2 */
	p[25] = 1;			/* option length in units of 8 bytes */
	memcpy(p + 26, mac, ETH_ALEN);
}

static int announce_na(struct announce *a, const uint8_t mac[6], const struct conf_vip *vip)
{
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_addr = { .s6_addr = { 0xff, 0x02, [15] = 0x01 } },
		.sin6_scope_id = a->ifindex,
	};
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	uint8_t na[ANNOUNCE_NA_LEN];
	struct iovec iov = { .iov_base = na, .iov_len = sizeof(na) };
	struct msghdr msg = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct in6_pktinfo pi = { .ipi6_ifindex = a->ifindex };
	struct cmsghdr *cm;

	if (a->fd6 < 0) {
		a->fd6 = announce_open6(a->ifindex);
		if (a->fd6 < 0) {
			announce_log(a, vip->text, "ICMPv6 socket", errno);
			return -1;
		}
	}
	announce_na_build(na, mac, vip->addr);
	/*
	 * The source is the VIP itself rather than whatever the kernel would
	 * pick: RFC 4861 §4.4 wants an address of the sending interface, the
	 * VIP is the one we know is there (the node's own may be missing or
	 * still tentative), and ND-snooping switches bind it to this port.
	 */
	memcpy(&pi.ipi6_addr, vip->addr, 16);
	memset(&ctl, 0, sizeof(ctl));
	cm = &ctl.align; /* the first and only header, CMSG_FIRSTHDR(&msg) */
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));

	if (sendmsg(a->fd6, &msg, 0) < 0) {
		announce_log(a, vip->text, "neighbour advertisement", errno);
		return -1;
	}
	return 0;
}

int announce_vip(struct announce *a, const uint8_t mac[6], const struct conf_vip *vip)
{
	static const uint8_t zero[ETH_ALEN];

	/* An all-zero or group MAC would tell every host to drop the VIP's traffic. */
	if (memcmp(mac, zero, ETH_ALEN) == 0 || (mac[0] & 1)) {
		announce_log(a, vip->text, "not a unicast MAC", EINVAL);
		return -1;
	}
	switch (vip->family) {
	case AF_INET:
		return announce_arp(a, mac, vip);
	case AF_INET6:
		return announce_na(a, mac, vip);
	default:
		announce_log(a, vip->text, "family", EAFNOSUPPORT);
		return -1;
	}
}
