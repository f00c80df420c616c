/*
 * announce.h - tell the LAN where a VIP now lives: gratuitous ARP for IPv4
 * (request and reply form), unsolicited neighbour advertisement for IPv6.
 */
#ifndef ANNOUNCE_H
#define ANNOUNCE_H

#include <stdint.h>

#include "conf.h"

struct announce;

/* Open the raw sockets for @ifindex (needs CAP_NET_RAW). NULL (logged) on failure. */
struct announce *announce_open(unsigned ifindex);
void announce_close(struct announce *a);

/*
 * Send one round for @vip from @mac: for IPv4 a gratuitous ARP request and
 * a gratuitous ARP reply, both broadcast; for IPv6 an unsolicited neighbour
 * advertisement (override flag) to ff02::1. Returns 0 or -1 (logged).
 */
int announce_vip(struct announce *a, const uint8_t mac[6], const struct conf_vip *vip);

#endif
