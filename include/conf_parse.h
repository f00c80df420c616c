/*
 * conf_parse.h - what the parser's files share: conf.c (messages, typed
 * members, unknown keys), conf_parse.c (the file, node, paths, each group),
 * conf_net.c (a group's addresses and heartbeat transport), conf_cmd.c
 * (commands and the telephony checks). None of them logs, exits or looks at
 * the system other than through struct conf_sys. Not for the rest of vipd.
 */
#ifndef CONF_PARSE_H
#define CONF_PARSE_H

#include <libconfig.h>

#include "conf.h"

/* Limits that only the file format knows about. */
#define CONF_MAX_RISE		  100	  /* good heartbeats */
#define CONF_MAX_PREEMPT_DELAY_MS 3600000 /* ms */
#define CONF_MAX_GARP_COUNT	  100	  /* packets per burst */
#define CONF_MAX_GARP_INTERVAL_MS 10000	  /* ms */
#define CONF_MIN_GARP_REFRESH_MS  1000	  /* ms, unless 0 = off */
#define CONF_MAX_GARP_REFRESH_MS  3600000 /* ms */
#define CONF_ARGV_MAX		  32	  /* strings in a command, argv[0] included */
#define CONF_ARG_LEN		  1024	  /* bytes in one string of a command */
#define CONF_ARGV_BYTES		  4096	  /* bytes in a whole command */
#define CONF_MAX_CMD_MS		  3600000 /* ms, hook and check timeouts and intervals */
#define CONF_MIN_CMD_MS		  10	  /* ms */

#define CONF_KEY_LEN   64  /* "groups[254].vips[15]" and friends */
#define CONF_QUOTE_LEN 100 /* a value quoted in a message, escaped, truncated */

/* Where the load stands: the file being read, where errors go, who looks things up. */
struct conf_ctx {
	const char *path;	 /* as the caller gave it; starts every message */
	char dir[CONF_PATH_MAX]; /* directory of path with its '/', or "" */
	char *err;
	size_t err_len;
	struct conf *c; /* where warnings go */
	const struct conf_sys *sys;
};

/* What a setting must be; the name is the tail of "expected ...". */
enum conf_kind { CONF_INT, CONF_BOOL, CONF_STRING, CONF_GROUP, CONF_LIST, CONF_STRINGS };

extern const char *const conf_kind_name[];

/* One integer setting with its default and range, for tables of them. */
struct conf_num {
	const char *name;
	uint32_t *field;
	long long def, min, max;
};

/* @s escaped and in double quotes (conf_escape), for messages; returns @buf. */
const char *conf_quote(char *buf, size_t len, const char *s);

/*
 * The file a setting or syntax error comes from, for messages: @file as
 * libconfig recorded it, NULL for the main file.
 */
const char *conf_file(const struct conf_ctx *x, const char *file, char *buf, size_t len);

/*
 * Write "FILE[:LINE]: [KEY: ]MESSAGE" into the caller's buffer. @s names the
 * setting the message is about (its file and line), NULL or the root when no
 * line applies. Returns -1 so callers can "return conf_err(...)".
 */
__attribute__((format(printf, 4, 5))) int conf_err(const struct conf_ctx *x,
						   const config_setting_t *s, const char *key,
						   const char *fmt, ...);

/* A warning: the config loads, but something will not work until the system changes. */
__attribute__((format(printf, 4, 5))) void conf_warn(const struct conf_ctx *x,
						     const config_setting_t *s, const char *key,
						     const char *fmt, ...);

/* "parent.name", or "name" at the top level, into @buf. */
void conf_key(char *buf, size_t len, const char *ppath, const char *name);

/*
 * Find @name in @parent (whose path is @ppath) and check its kind. Returns 1
 * with *@out set, 0 when the key is absent, -1 with the error written. @key
 * receives the setting's path for the caller's own messages.
 */
int conf_member(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
		const char *name, enum conf_kind kind, const config_setting_t **out,
		char key[CONF_KEY_LEN]);

/* Like conf_member(), but absence is an error reported at @parent. */
int conf_required(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
		  const char *name, enum conf_kind kind, const config_setting_t **out,
		  char key[CONF_KEY_LEN]);

/*
 * Integer @name in min..max into *@v; *@v is left alone when the key is
 * absent, so callers preset the default. Returns 1, 0 (absent) or -1.
 */
int conf_int(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
	     const char *name, long long min, long long max, long long *v);

/* String @name into *@v (and its setting into *@setting), left alone when absent. 1, 0 or -1. */
int conf_str(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
	     const char *name, const char **v, const config_setting_t **setting);

/* Read @n into its field, the default when absent: 1 if set, 0 if not, -1 on error. */
int conf_num(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
	     const struct conf_num *n);

/* Reject any member of @s not in @known, suggesting the nearest known key. */
int conf_check_keys(const struct conf_ctx *x, const config_setting_t *s, const char *ppath,
		    const char *const *known);

/*
 * An interface name into @name (IF_NAMESIZE bytes); returns its index now,
 * or 0 when there is none of that name (yet): a warning, not an error,
 * since VLANs, bonds and bridges come and go and vipd follows them by name
 * (the group is FAULT while it is missing). -1 for a name that cannot be one.
 */
long conf_interface(const struct conf_ctx *x, const config_setting_t *s, const char *key,
		    const char *v, char *name);

/*
 * conf_net.c: group @gi's vips, plain numbers, upstream targets, transport,
 * unicast peers and second path, in that order (the first error wins).
 */
int conf_net_parse(const struct conf_ctx *x, const config_setting_t *groups,
		   const config_setting_t *gs, const char *gp, struct conf *c, size_t gi);

/* sync_group and vmac (after the VIPs: the virtual MAC depends on their family). */
int conf_net_sync_vmac(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		       struct conf_group *g);

/* Across groups: sync set leaders, virtual MACs that collide. */
int conf_net_link(const struct conf_ctx *x, const config_setting_t *groups, struct conf *c);

/* conf_cmd.c: hooks, the check script and their numbers. */
int conf_cmd_hooks(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		   struct conf_group *g);

/* The SIP check, fence_command and calls_command with their numbers. */
int conf_cmd_telephony(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		       struct conf_group *g);

#endif
