/*
 * arp.h - asking the LAN by ARP who answers for an IPv4 address: the claim
 * probe (is anyone serving the VIP?) and upstream targets (is the gateway
 * there?). Announcing is announce.c's job.
 */
#ifndef ARP_H
#define ARP_H

#include <netinet/in.h>
#include <stdint.h>

struct arp;

/* Called for every ARP packet whose sender is not us: who says it owns what. */
typedef void (*arp_answer_fn)(void *ctx, struct in_addr sender_ip, const uint8_t sender_mac[6]);

/*
 * Open a packet socket for ARP on @ifindex, non-blocking (needs CAP_NET_RAW).
 * It sees every ARP frame on the link, so callers keep it open only while
 * they wait for answers. NULL (logged) on failure.
 */
struct arp *arp_open(unsigned ifindex);
int arp_fd(const struct arp *a);

/*
 * Broadcast an ARP probe for @target from @mac (RFC 5227 2.1.1: sender IP
 * 0.0.0.0, so no host's cache learns anything from it). Returns 0 or -1.
 */
int arp_probe(struct arp *a, const uint8_t mac[6], struct in_addr target);

/* Read what is pending, calling @fn for each ARP packet not sent from @own_mac. */
void arp_read(struct arp *a, const uint8_t own_mac[6], arp_answer_fn fn, void *ctx);

void arp_close(struct arp *a); /* NULL is a no-op */

#endif
