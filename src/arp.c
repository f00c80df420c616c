/*
 * arp.c - ARP questions and their answers, on a packet socket that lives
 * only while an answer is awaited (it sees every ARP frame on the link).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arp.h"
#include "log.h"

#define ARP_LEN 28 /* Ethernet/IPv4 ARP payload */

struct arp {
	int fd;
	unsigned ifindex;
};

struct arp *arp_open(unsigned ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ARP),
				   .sll_ifindex = (int)ifindex };
	struct arp *a = calloc(1, sizeof(*a));

	if (!a) {
		log_errx("arp_open: %s", strerror(ENOMEM));
		return NULL;
	}
	a->ifindex = ifindex;
	/*
	 * Protocol 0 at socket(), ETH_P_ARP at bind(): a socket created with a
	 * protocol is already hooked in (to every interface), and binding it
	 * then unhooks it first, which waits for an RCU grace period
	 * (synchronize_net, milliseconds on a busy machine). Every group's
	 * claim probe opens one, all in the same loop iteration after a crash.
	 */
	a->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		log_err("arp_open: socket");
		goto fail;
	}
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		log_err("arp_open: bind ifindex %u", ifindex);
		goto fail_fd;
	}
	return a;
fail_fd:
	close(a->fd);
fail:
	free(a);
	return NULL;
}

int arp_fd(const struct arp *a)
{
	return a->fd;
}

int arp_probe(struct arp *a, const uint8_t mac[6], struct in_addr target)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = (int)a->ifindex,
				  .sll_halen = ETH_ALEN };
	uint8_t p[ARP_LEN] = { 0x00, 0x01, 0x08, 0x00, ETH_ALEN, 4, 0x00, ARPOP_REQUEST };

	memset(to.sll_addr, 0xff, ETH_ALEN);
	memcpy(p + 8, mac, ETH_ALEN); /* sender MAC: ours */
	/* sender IP 0.0.0.0 (bytes 14..17), target MAC zero (18..23) */
	memcpy(p + 24, &target.s_addr, 4); /* target IP */
	if (sendto(a->fd, p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(p)) {
		log_warn("arp_probe %s", inet_ntoa(target));
		return -1;
	}
	return 0;
}

void arp_read(struct arp *a, const uint8_t own_mac[6], arp_answer_fn fn, void *ctx)
{
	uint8_t p[64];

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(a->fd, p, sizeof(p), MSG_DONTWAIT);
		struct in_addr sip;

		if (n < 0)
			return;
		/* Ethernet/IPv4 ARP only; our own packets and probes say nothing. */
		if (n < ARP_LEN || p[0] != 0 || p[1] != 1 || p[2] != 8 || p[3] != 0 ||
		    p[4] != ETH_ALEN || p[5] != 4 || memcmp(p + 8, own_mac, ETH_ALEN) == 0)
			continue;
		memcpy(&sip.s_addr, p + 14, 4);
		if (sip.s_addr == 0)
			continue;
		fn(ctx, sip, p + 8);
	}
}

void arp_close(struct arp *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}
