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

#include "addrtab.h"
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

/*
 * Queued requests. A takeover adds the VIPs of many groups in one loop
 * iteration: nl_addr_add_q and nl_addr_del_q only queue the request (with
 * its own sequence number), nl_flush sends the queue in one sendmsg and
 * reads the ACKs, each matched to its request. Each request's outcome is
 * exactly what nl_addr_add / nl_addr_del would have returned: a refusal is
 * logged (rate-limited, with the kernel's text) and @done's fn gets the
 * errno (0 on success) and the address as given (EEXIST for an add, "not there" for a delete count
 * as success). fn runs inside nl_flush and must not call nl_* itself.
 * The queue is flushed when full, and before any other request on the
 * socket, so the kernel sees the requests in the order they were made.
 */
struct nl_done {
	void (*fn)(void *ctx, const struct nl_done *d, int err, const char *what);
	void *ctx;
	uint32_t tag; /* the caller's: which VIP */
	uint64_t arg; /* the caller's */
};
/* 0 queued, -1 (logged) if @vip cannot be asked for at all: fn is not called. */
int nl_addr_add_q(struct nl *nl, unsigned ifindex, const char *label, const struct conf_vip *vip,
		  const struct nl_done *done);
int nl_addr_del_q(struct nl *nl, unsigned ifindex, const struct conf_vip *vip,
		  const struct nl_done *done);
/* Send what is queued and read every answer; a no-op when nothing is. */
void nl_flush(struct nl *nl);

/* What the daemon asked of the kernel's address table, for `vipctl status`. */
struct nl_stats {
	uint64_t adds;		   /* address additions asked (queued or not) */
	uint64_t dels;		   /* ... and removals */
	uint64_t batches;	   /* sendmsg calls that carried queued requests (nl_flush) */
	uint64_t last_batch_us;	   /* the last one: from its send to its last answer */
	uint64_t last_batch_n;	   /* ... and how many requests it carried */
	uint64_t longest_batch_us; /* the longest one so far */
};
const struct nl_stats *nl_stats(const struct nl *nl);

/* 1 if @vip is on @ifindex, 0 if not, -1 on error. */
int nl_addr_present(struct nl *nl, unsigned ifindex, const struct conf_vip *vip);

/* Fill @tab with every address on the system (one dump). 0 or -1 (logged). */
int nl_addr_dump(struct nl *nl, struct addrtab *tab);

/* One RTM_NEWADDR / RTM_DELADDR message, decoded. */
struct nl_ifaddr {
	bool added; /* RTM_NEWADDR */
	unsigned ifindex;
	uint8_t family;
	uint8_t prefix_len;
	uint8_t addr[16];
};

struct nlmsghdr;
/* Decode @nlh; -1 if it is not an IPv4/IPv6 address message with a local address. */
int nl_ifaddr_parse(const struct nlmsghdr *nlh, struct nl_ifaddr *out);

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

#endif
