/*
 * nl.h - the kernel's network configuration through netlink: VIPs on an
 * interface, and link facts. The only module that talks rtnetlink.
 *
 * Every request asks for an ACK and extended ACK; a failure is logged once
 * here, with the kernel's text when it gives one, and returned as -1.
 */
#ifndef NL_H
#define NL_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

struct nl;

/* Open the rtnetlink request socket. NULL (logged) on failure. */
struct nl *nl_open(void);
/* Close both sockets; NULL is a no-op. (Not nl_close: libnl-3 owns that name.) */
void nl_free(struct nl *nl);

/*
 * Add @vip to @ifindex with @label (may be "" for none). An address that is
 * already there counts as success. IPv6 addresses get IFA_F_NODAD.
 */
int nl_addr_add(struct nl *nl, unsigned ifindex, const char *label, const struct conf_vip *vip);

/* Remove @vip from @ifindex; an address that is not there counts as success. */
int nl_addr_del(struct nl *nl, unsigned ifindex, const struct conf_vip *vip);

/* 1 if @vip is on @ifindex, 0 if not, -1 on error. */
int nl_addr_present(struct nl *nl, unsigned ifindex, const struct conf_vip *vip);

/*
 * A snapshot of every address on the system (one dump), for answering
 * "is this VIP there?" for many VIPs at the cost of one request: what
 * `vipctl status` does for every VIP of every group. Owned by the caller.
 */
struct nl_addrs;

struct nl_addrs *nl_addrs_dump(struct nl *nl);	/* NULL (logged) on failure */
bool nl_addrs_has(const struct nl_addrs *a, unsigned ifindex, const struct conf_vip *vip);
void nl_addrs_free(struct nl_addrs *a);		/* NULL is a no-op */

/* The link's hardware address (6 bytes) and whether it is up and running. */
int nl_link_info(struct nl *nl, unsigned ifindex, uint8_t mac[6], bool *up);

/*
 * Virtual MAC interfaces (vmac groups). nl_vmac_create makes @name a
 * macvlan (mode bridge) on @parent with @mac, down, with no IPv6 link-local
 * address (both nodes have the same MAC, so the same address) and
 * arp_ignore 1 (it answers ARP only for the VIPs on it). A macvlan of that
 * name on @parent, left by a crash, is replaced; any other interface of
 * that name is refused. Returns the new ifindex, or -1 (logged).
 */
int nl_vmac_create(struct nl *nl, unsigned parent, const char *name, const uint8_t mac[6]);

/* Delete @name if it is a macvlan on @parent. 0 if it is gone or was never there, -1 (logged). */
int nl_vmac_delete(struct nl *nl, unsigned parent, const char *name);

/* Set @ifindex administratively up or down. 0 or -1 (logged). */
int nl_link_set_up(struct nl *nl, unsigned ifindex, bool up);

/*
 * Raise @ifindex's net.ipv4.conf arp_ignore and arp_announce to at least
 * @arp_ignore and @arp_announce (never lowered). If a value changed, the
 * old ones are written to @was as "arp_ignore 0, arp_announce 0" and 1 is
 * returned; 0 when nothing changed, -1 (logged) on failure.
 */
int nl_arp_raise(struct nl *nl, unsigned ifindex, uint32_t arp_ignore, uint32_t arp_announce,
		 char *was, size_t was_len);

/*
 * Link events: a netlink socket subscribed to RTMGRP_LINK, read from the
 * event loop. An interface counts as up when it is IFF_UP and IFF_RUNNING
 * (carrier); a removed interface is down.
 */
struct nl_mon;

#define NL_MON_RESYNC 1	/* events were lost: ask nl_link_info() again */

typedef void (*nl_link_fn)(void *ctx, unsigned ifindex, bool up);

struct nl_mon *nl_mon_open(void);	/* NULL (logged) on failure */
int nl_mon_fd(const struct nl_mon *m);	/* non-blocking, for an ev_io */

/*
 * Read every pending event and call @fn for each link message. Returns 0,
 * NL_MON_RESYNC when the kernel dropped events (ENOBUFS), -1 (logged) on
 * any other error.
 */
int nl_mon_read(struct nl_mon *m, nl_link_fn fn, void *ctx);
void nl_mon_free(struct nl_mon *m);	/* NULL is a no-op */

#endif
