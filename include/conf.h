/*
 * conf.h - the configuration: libconfig file -> validated struct conf.
 *
 * conf_load() never logs and never exits: on failure it writes one line,
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

#include "vipd.h"

#define CONF_PATH_MAX 256

struct conf_vip {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network order; 4 bytes used for AF_INET */
	uint8_t prefix_len;
	char text[64];			/* canonical "192.0.2.100/24" */
};

struct conf_group {
	uint32_t id;			/* 1..2^32-1, unique */
	int line;			/* where the group starts in the file */
	char interface[IF_NAMESIZE];	/* defaults to node.interface */
	unsigned ifindex;
	char label[IF_NAMESIZE];	/* address label, default "<interface>:vip" if it fits */
	uint8_t priority;		/* defaults to node.priority */
	struct conf_vip vips[VIPD_MAX_VIPS];
	size_t n_vips;			/* >= 1 */
	uint32_t interval_ms;
	uint32_t misses;
	uint32_t rise;
	bool preempt;
	uint32_t preempt_delay_ms;
	struct in_addr mcast;		/* heartbeat multicast group (224.0.0.0/4) */
	uint16_t port;
	char key_file[CONF_PATH_MAX];
	uint8_t key[VIPD_KEY_MAX];
	size_t key_len;
	uint32_t garp_count;		/* 1..100 */
	uint32_t garp_interval_ms;
	uint32_t garp_refresh_ms;	/* 0 = off */
};

struct conf {
	char path[CONF_PATH_MAX];
	char node_name[VIPD_NAME_MAX];
	char interface[IF_NAMESIZE];
	uint8_t priority;
	char control_socket[CONF_PATH_MAX];
	char control_group[VIPD_NAME_MAX];	/* may read status; "" = root only */
	gid_t control_gid;			/* (gid_t)-1 when control_group is "" */
	char state_dir[CONF_PATH_MAX];
	struct conf_group *groups;	/* owned, conf_free() releases it */
	size_t n_groups;		/* >= 1 */
};

/*
 * Parse and validate @path into @c. Returns 0, or -1 with a one-line message
 * "PATH:LINE: what is wrong" (":LINE" omitted when no line applies) in @err.
 * On failure @c holds nothing to free.
 */
int conf_load(const char *path, struct conf *c, char *err, size_t err_len);

void conf_free(struct conf *c);

/* Print the effective configuration, every default filled in, keys hidden. */
void conf_print(const struct conf *c, FILE *f);

#endif
