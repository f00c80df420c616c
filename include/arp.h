/*
 * arp.h - asking the LAN by ARP who answers for an IPv4 address: the claim
 * probe (is anyone serving the VIP?) and upstream targets (is the gateway
 * there?). Announcing is announce.c's job.
 *
 * The users of one interface share one packet socket, opened by the first
 * and kept for ARP_LINGER_MS after the last has gone: closing a packet
 * socket waits for an RCU grace period (synchronize_net() in the kernel's
 * packet_release, some 20 ms on a 2-core machine), and 64 groups that each
 * closed their own probe's after a takeover blocked the loop for 1.3 s.
 */
#ifndef ARP_H
#define ARP_H

#include <ev.h>
#include <netinet/in.h>
#include <stdint.h>

#define ARP_LINGER_MS 10000

struct arp; /* one user of its interface's socket */

/*
 * Called for every ARP packet with a sender IP whose sender is not the
 * user's own MAC: who says it owns what. Must not open or close.
 */
typedef void (*arp_answer_fn)(void *ctx, struct in_addr sender_ip, const uint8_t sender_mac[6]);

/*
 * Called once after a read of the socket that gave the user a packet, when
 * every user has seen them all: the user's verdict. May close this user or
 * any other, and open new ones.
 */
typedef void (*arp_done_fn)(void *ctx);

/*
 * A user of the ARP socket of @ifindex on @loop, which is opened if it is
 * not (non-blocking, needs CAP_NET_RAW), and read at the loop's highest
 * priority, so that answers are in before a timer decides nobody answered.
 * @own_mac is copied. NULL (logged) on failure.
 */
struct arp *arp_open(struct ev_loop *loop, unsigned ifindex, const uint8_t own_mac[6],
		     arp_answer_fn fn, arp_done_fn done, void *ctx);

/*
 * Broadcast an ARP probe for @target from the user's MAC (RFC 5227 2.1.1:
 * sender IP 0.0.0.0, so no host's cache learns anything from it). Returns
 * 0 or -1.
 */
int arp_probe(struct arp *a, struct in_addr target);

/* The user is done; its socket lingers (see above). NULL is a no-op. */
void arp_close(struct arp *a);

/* Close every socket, lingering or not: at exit, once every user has closed. */
void arp_shutdown(void);

#endif
