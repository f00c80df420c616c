/*
 * claim.h - the claim probe: before a claim on a timeout, ask the LAN by
 * ARP (RFC 5227 probes) whether any host still answers for the VIPs.
 * Silence can mean a dead peer, or heartbeats that do not get through
 * while the peer still serves; only the first may be claimed.
 */
#ifndef CLAIM_H
#define CLAIM_H

#include <ev.h>
#include <stdint.h>

#include "arp.h"
#include "conf.h"
#include "log.h"
#include "nl.h"

struct claim {
	struct ev_loop *loop;
	struct nl *nl;
	const struct conf_group *cg; /* the group's live copy */
	void (*answered)(void *ctx); /* a host answered for a VIP (once per read of the socket) */
	void *ctx;
	struct arp *arp; /* a user of the interface's ARP socket while the window lasts */
	ev_timer end;
	uint8_t mac[6];
	uint64_t conflicts; /* answers seen, for status */
	bool heard;	    /* an answer in this read of the socket */
	struct log_rl rl;
};

void claim_init(struct claim *c, struct ev_loop *loop, struct nl *nl, const struct conf_group *cg,
		void (*answered)(void *ctx), void *ctx);

/*
 * Probe every IPv4 VIP and listen for claim_probe_ms (plus a margin for late
 * answers; the state machine decides at its own deadline). IPv6 VIPs are
 * not probed. Without interface, carrier or socket nothing is sent.
 */
void claim_probe(struct claim *c);

/* End the window early; a no-op when none is open. */
void claim_close(struct claim *c);

#endif
