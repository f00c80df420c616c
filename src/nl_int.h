/*
 * nl_int.h - what the netlink files share: nl.c (the sockets, one request
 * and its ACK), nl_addr.c (addresses) and nl_link.c (link facts, vmac).
 * Not for the rest of vipd: nl.h is the interface.
 */
#ifndef NL_INT_H
#define NL_INT_H

#include <net/if.h>
#include <stdalign.h>
#include <stdbool.h>

#include <libmnl/libmnl.h>

#include "addrtab.h"
#include "conf.h"
#include "nl.h"

struct nl_sock;

#define NL_TIMEOUT_MS	 1000  /* ms one reply may take before the request fails */
#define NL_RECV_SIZE	 32768 /* bytes; the kernel's largest dump message fits */
#define NL_REQ_SIZE	 256   /* bytes; one address request with its attributes */
#define NL_DUMP_TRIES	 3     /* dumps retried when the kernel flags them inconsistent */
#define NL_LINK_FACTS	 4     /* interfaces whose link facts are remembered */
#define NL_LINK_FRESH_MS 10    /* ms a link fact is reused: the groups of one burst ask once */
/* Queued address requests sent in one sendmsg: a 64 x 4 takeover (their ACKs fit the socket). */
#define NL_Q_MAX 256

/* What nl_link_info last heard about one interface. */
struct nl_link_fact {
	unsigned ifindex; /* 0: empty */
	uint8_t mac[6];
	bool up;
	uint64_t at_ms; /* clock_now_ms() of the answer */
};

/* One queued address request (nl_addr_add_q, nl_addr_del_q) awaiting its ACK. */
struct nl_q {
	uint32_t seq;
	unsigned ifindex;
	bool add;
	bool answered;
	struct nl_done done; /* done.fn may be NULL: nobody waits for the answer */
	char text[64];	     /* the address, for the failure's log line */
	int err;
	char ext[128];
};

struct nl {
	struct mnl_socket *mnl; /* address requests and dumps (libmnl) */
	unsigned portid;
	unsigned seq;
	bool stale;				  /* a conversation was cut short: drain first */
	struct nl_sock *sk;			  /* link queries (libnl-3) */
	struct nl_link_fact links[NL_LINK_FACTS]; /* emptied by every request (nl_talk) */
	unsigned link_next;
	alignas(struct nlmsghdr) char req[NL_REQ_SIZE];
	alignas(struct nlmsghdr) char buf[NL_RECV_SIZE];
	struct nl_q q[NL_Q_MAX]; /* the queue, in the order sent */
	size_t qn;
	size_t qlen; /* bytes of qbuf used */
	alignas(struct nlmsghdr) char qbuf[NL_Q_MAX * NL_REQ_SIZE];
	struct nl_stats st;
};

/* What one conversation with the kernel came to. */
struct nl_talk {
	int err;		    /* errno: the kernel's or our own; 0 = ok */
	char ext[128];		    /* the kernel's extended-ACK text, "" if none */
	const struct conf_vip *vip; /* nl_addr_present: what we look for */
	unsigned ifindex;
	bool found;
	struct addrtab *tab; /* nl_addr_dump: what it fills */
	bool oom;
};

/*
 * Send the request in nl->req and read until its ACK (or the end of its
 * dump), passing each data message to @cb. 0, or -1 with t->err and t->ext.
 */
int nl_talk(struct nl *nl, mnl_cb_t cb, struct nl_talk *t);
/* Drop replies a cut-short conversation (timeout) left in the socket. */
void nl_drain(struct nl *nl);
/* Read one NLMSG_ERROR (ACK or failure) into t: 0 for an ACK, -1 with t->err. */
int nl_ack_read(const struct nlmsghdr *nlh, struct nl_talk *t);
/* The interface's name for messages; "if#N" when it has none (any more). */
const char *nl_ifname(unsigned ifindex, char name[IF_NAMESIZE]);
/* Log a failed request once (rate-limited), with the kernel's text. */
void nl_log_fail(const char *fn, unsigned ifindex, const char *what, const struct nl_talk *t);
int nl_request(struct nl *nl, const char *fn, unsigned ifindex, const char *what, const int *fine);

#endif
