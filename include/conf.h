/*
 * conf.h - the configuration: libconfig file -> validated struct conf.
 *
 * conf_load() (conf_sys.c) opens a trusted file and hands it to the pure
 * parser, conf_parse_file(), with the system's look-ups (struct conf_sys).
 * Neither logs nor exits: on failure they write one line,
 * "FILE:LINE: what is wrong", into the caller's buffer.
 */
#ifndef CONF_H
#define CONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "proto.h"
#include "vipd.h"

#define CONF_PATH_MAX	   256
#define CONF_WARN_MAX	   8  /* warnings kept per load */
#define CONF_SIP_CODES_MAX 16 /* sip_check_codes entries */

struct conf_vip {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
	uint8_t prefix_len;
	char text[64]; /* canonical "192.0.2.100/24" */
};

/*
 * One unicast peer (conf.c checks one family per group). No padding and
 * the unused bytes zero, so a struct compares with memcmp.
 */
struct conf_peer {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET. IPv6:
			   * never link-local, multicast or v4-mapped */
};

/* Hook commands of a group, in the order they run for one transition. */
enum conf_notify {
	CONF_NOTIFY_MASTER,	  /* notify_master: entered MASTER */
	CONF_NOTIFY_BACKUP,	  /* notify_backup: entered BACKUP */
	CONF_NOTIFY_FAULT,	  /* notify_fault: entered FAULT */
	CONF_NOTIFY_STOP,	  /* notify_stop: entered STOPPING (or STOPPED) */
	CONF_NOTIFY_MASTER_AGAIN, /* notify_master_again: won a contention, re-announced */
	CONF_NOTIFY_ANY,	  /* notify: every transition and master-again event */
	CONF_NOTIFY_COUNT
};

/* The key of each enum conf_notify, "notify_master" ... */
extern const char *const conf_notify_keys[CONF_NOTIFY_COUNT];

struct conf_group {
	uint32_t id;		     /* 1..2^32-1, unique */
	int line;		     /* where the group starts in the file */
	char interface[IF_NAMESIZE]; /* defaults to node.interface */
	unsigned ifindex;	 /* at load; 0 = missing (a warning); the daemon follows the name */
	char label[IF_NAMESIZE]; /* address label, default "<interface>:vip" if it fits */
	uint8_t priority;	 /* defaults to node.priority */
	struct conf_vip vips[VIPD_MAX_VIPS];
	size_t n_vips; /* >= 1 */
	uint32_t interval_ms;
	uint32_t misses;
	uint32_t rise;
	bool preempt;
	uint32_t preempt_delay_ms;
	int mcast_family;	/* AF_INET or AF_INET6: which of the two below */
	struct in_addr mcast;	/* heartbeat multicast group (224.0.0.0/4) */
	struct in6_addr mcast6; /* ... or IPv6 of link-local scope (ff02::/16) */
	uint16_t port;
	char key_file[CONF_PATH_MAX];
	uint8_t key[VIPD_KEY_MAX];
	size_t key_len;
	struct proto_key hkey;		   /* key, ready for the HMAC (proto_key_init) */
	char key_file_next[CONF_PATH_MAX]; /* "" = none: a second key accepted, never signing */
	uint8_t key_next[VIPD_KEY_MAX];
	size_t key_next_len;
	struct proto_key hkey_next; /* key_next's; unset when there is none */
	uint32_t garp_count;	    /* 0..100, 0 = no burst */
	uint32_t garp_interval_ms;
	uint32_t garp_refresh_ms;	/* 0 = off */
	char sync_group[VIPD_NAME_MAX]; /* sync set name, "" = none */
	uint32_t sync_leader;		/* id of the set's leader (its lowest id), 0 = none */
	bool vmac;			/* VIPs on a macvlan with a virtual MAC */
	char vmac_ifname[IF_NAMESIZE];	/* "vip<id>" when vmac */
	uint8_t vmac_mac[6];		/* 00:00:5e:00:01:<id & 0xff> (:02: when IPv6 only) */
	uint32_t claim_probe_ms;	/* 0 = off */
	char interface2[IF_NAMESIZE];	/* second heartbeat path ("" = none), multicast */
	unsigned ifindex2;
	struct conf_peer peers[VIPD_MAX_PEERS]; /* unicast heartbeats instead of multicast */
	size_t n_peers;
	uint32_t peer_hops; /* 1..255: routers allowed on the way from a peer */
	struct in_addr upstream[VIPD_MAX_UPSTREAM]; /* on-link IPv4 targets, checked by ARP */
	size_t n_upstream;
	uint32_t upstream_interval_ms;
	uint32_t upstream_timeout_ms; /* < upstream_interval_ms */
	uint32_t upstream_rise;
	uint32_t upstream_fall;
	/*
	 * Commands: NULL-terminated argv vectors in one allocation each
	 * (conf_free() releases them), NULL when not configured.
	 */
	char **notify[CONF_NOTIFY_COUNT];
	uint32_t hook_timeout_ms;
	char **check_script;
	uint32_t check_interval_ms;
	uint32_t check_timeout_ms;
	uint32_t check_rise;
	uint32_t check_fall;
	uint32_t check_weight; /* 0 = a failed check means FAULT */
	/* The built-in SIP OPTIONS check (sipcheck.c); sip_check false = none. */
	bool sip_check;
	int sip_family;	      /* AF_INET or AF_INET6 */
	uint8_t sip_addr[16]; /* network order */
	uint16_t sip_port;
	bool sip_tcp;	     /* sip_check_transport "tcp" (default "udp") */
	char sip_target[80]; /* "127.0.0.1:5060", "[::1]:5060": for messages and the URI */
	uint32_t sip_interval_ms;
	uint32_t sip_timeout_ms; /* < sip_interval_ms */
	uint32_t sip_rise;
	uint32_t sip_fall;
	uint32_t sip_weight;			/* 0 = a failed SIP check means FAULT */
	uint16_t sip_codes[CONF_SIP_CODES_MAX]; /* accepted final responses; none = any */
	size_t n_sip_codes;
	/* Fencing (fence.c): run before a claim from a peer that went silent. */
	char **fence_command;
	uint32_t fence_timeout_ms;
	/* Drain (drain.c): the number of calls up, for switchover --when-idle. */
	char **calls_command;
	uint32_t calls_interval_ms;
	uint32_t calls_timeout_ms;
};

struct conf {
	char path[CONF_PATH_MAX];
	char node_name[VIPD_NAME_MAX];
	char interface[IF_NAMESIZE];
	uint8_t priority;
	char control_socket[CONF_PATH_MAX];
	char control_group[VIPD_NAME_MAX]; /* may read status; "" = root only */
	gid_t control_gid;		   /* (gid_t)-1 when control_group is "" */
	char state_dir[CONF_PATH_MAX];
	char metrics_file[CONF_PATH_MAX]; /* Prometheus text written here; "" = none */
	uint32_t metrics_interval_ms;	  /* how often metrics_file is rewritten */
	struct conf_group *groups;	  /* owned, conf_free() releases it */
	size_t n_groups;		  /* >= 1 */
	/* "FILE:LINE: KEY: what" for what loads but will not work yet (a missing interface). */
	char warnings[CONF_WARN_MAX][384];
	size_t n_warnings;
};

/*
 * What the parser asks of the system, so that it stays pure: conf_load()
 * passes the real look-ups, the unit tests and the fuzzer their own. A
 * message tail written to @why follows "FILE:LINE: KEY: " as it is.
 */
struct conf_sys {
	/* The index of interface @name now, 0 when there is none. */
	unsigned (*ifindex)(const char *name);
	/* The id of group @name into *@gid: 0, or -1 when there is no such group. */
	int (*gid)(const char *name, gid_t *gid);
	/*
	 * Read key file @path, at most @max bytes of it, into @buf: the number
	 * of bytes read, or -1 with the reason ("PATH is readable by group or
	 * others (chmod 600)") in @why.
	 */
	long (*read_key)(const char *path, uint8_t *buf, size_t max, char *why, size_t why_len);
	/*
	 * Whether absolute @path may be run as root (trusted, a regular file,
	 * executable): 0, or -1 with the reason ("\"PATH\" is not executable").
	 */
	int (*check_exec)(const char *path, char *why, size_t why_len);
};

/*
 * Parse and validate config file @f, named @path for messages and for
 * relative key files and @include, into @c with @sys's look-ups. Reads
 * only @f (and what it includes) and does not close it. Returns 0, or -1
 * with the message in @err as conf_load(); on failure @c holds nothing to free.
 */
int conf_parse_file(const char *path, FILE *f, const struct conf_sys *sys, struct conf *c,
		    char *err, size_t err_len);

/*
 * Parse and validate @path into @c. Returns 0, or -1 with a one-line message
 * "PATH:LINE: what is wrong" (":LINE" omitted when no line applies) in @err.
 * On failure @c holds nothing to free.
 */
int conf_load(const char *path, struct conf *c, char *err, size_t err_len);

void conf_free(struct conf *c);

/*
 * Write @s into @buf (always NUL-terminated) with '"', '\\' and every byte
 * outside printable ASCII escaped, so a message stays one line and a printed
 * string reads back as the same libconfig string. Long values are cut with
 * "..." when @buf is too small.
 */
void conf_escape(char *buf, size_t len, const char *s);

/* Print the effective configuration, every default filled in, keys hidden (conf_print.c). */
void conf_print(const struct conf *c, FILE *f);

#endif
