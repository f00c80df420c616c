/*
 * conf.c - the configuration file: libconfig text -> validated struct conf.
 *
 * Every value the daemon takes from the file is checked here, once, so the
 * rest of vipd can trust struct conf: ranges, address syntax, duplicates,
 * that interfaces exist, that key files are private and long enough. Unknown
 * keys are errors at every level: a typo must not silently become a default.
 *
 * The first problem found ends the load with one line in the caller's buffer,
 * "FILE:LINE: KEY: what is wrong", KEY being the setting's path such as
 * "groups[1].vips[0]". Nothing here logs or exits; conf_load() either fills
 * the whole struct conf or leaves it empty.
 *
 * libconfig 1.5 quirk: a decimal integer above 2147483647 without an "L"
 * suffix silently wraps to a 32-bit int. Only group ids can be that large;
 * the range error for them says to add the suffix, and conf_print() writes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "trust.h"

/* Limits that only the file format knows about. */
#define CONF_MAX_RISE		100	/* good heartbeats */
#define CONF_MAX_PREEMPT_DELAY_MS 3600000 /* ms */
#define CONF_MAX_GARP_COUNT	100	/* packets per burst */
#define CONF_MAX_GARP_INTERVAL_MS 10000 /* ms */
#define CONF_MIN_GARP_REFRESH_MS 1000	/* ms, unless 0 = off */
#define CONF_MAX_GARP_REFRESH_MS 3600000 /* ms */
#define CONF_ARGV_MAX		32	/* strings in a command, argv[0] included */
#define CONF_ARG_LEN		1024	/* bytes in one string of a command */
#define CONF_ARGV_BYTES		4096	/* bytes in a whole command */
#define CONF_MAX_CMD_MS		3600000 /* ms, hook and check timeouts and intervals */
#define CONF_MIN_CMD_MS		10	/* ms */

#define CONF_KEY_LEN	64	/* "groups[254].vips[15]" and friends */
#define CONF_QUOTE_LEN	100	/* a value quoted in a message, escaped, truncated */

/* Where the load stands: the file being read and where errors go. */
struct conf_ctx {
	const char *path;		/* as the caller gave it; starts every message */
	char dir[CONF_PATH_MAX];	/* directory of path with its '/', or "" */
	char *err;
	size_t err_len;
	struct conf *c;			/* where warnings go */
};

/* What a setting must be; the name is the tail of "expected ...". */
enum conf_kind { CONF_INT, CONF_BOOL, CONF_STRING, CONF_GROUP, CONF_LIST, CONF_STRINGS };

static const char *const conf_kind_name[] = {
	[CONF_INT] = "an integer",
	[CONF_BOOL] = "true or false",
	[CONF_STRING] = "a string",
	[CONF_GROUP] = "a group { ... }",
	[CONF_LIST] = "a list ( { ... }, ... )",
	[CONF_STRINGS] = "a list [ \"...\", ... ] of strings",
};

static const char *const conf_root_keys[] = {
	"node", "groups", "control_socket", "control_group", "state_dir", "metrics_file",
	"metrics_interval_ms", NULL,
};

static const char *const conf_node_keys[] = {
	"name", "interface", "priority", NULL,
};

static const char *const conf_group_keys[] = {
	"id", "interface", "label", "priority", "vips",
	"interval_ms", "misses", "rise", "preempt", "preempt_delay_ms",
	"multicast", "port", "key_file", "key_file_next", "sync_group", "vmac",
	"garp_count", "garp_interval_ms", "garp_refresh_ms", "claim_probe_ms", "upstream", "peers", "peer_hops", "interface2",
	"upstream_interval_ms", "upstream_timeout_ms", "upstream_rise", "upstream_fall",
	"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify_master_again",
	"notify", "hook_timeout_ms", "check_script", "check_interval_ms", "check_timeout_ms",
	"check_rise", "check_fall", "check_weight", "sip_check", "sip_check_transport",
	"sip_check_interval_ms", "sip_check_timeout_ms", "sip_check_rise", "sip_check_fall",
	"sip_check_weight", "sip_check_codes", "fence_command", "fence_timeout_ms",
	"calls_command", "calls_interval_ms", "calls_timeout_ms", NULL,
};

const char *const conf_notify_keys[CONF_NOTIFY_COUNT] = {
	[CONF_NOTIFY_MASTER] = "notify_master",
	[CONF_NOTIFY_BACKUP] = "notify_backup",
	[CONF_NOTIFY_FAULT] = "notify_fault",
	[CONF_NOTIFY_STOP] = "notify_stop",
	[CONF_NOTIFY_MASTER_AGAIN] = "notify_master_again",
	[CONF_NOTIFY_ANY] = "notify",
};

/*
 * Write @s into @buf (always NUL-terminated) with '"', '\\' and every byte
 * outside printable ASCII escaped, so a message stays one line and a printed
 * string reads back as the same libconfig string. Long values are cut with
 * "..." when @buf is too small.
 */
static void conf_escape(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char tmp[5];
		size_t k;

		if (ch == '"' || ch == '\\')
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\%c", ch);
		else if (ch < 0x20 || ch > 0x7e)
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
		else
			k = (size_t)snprintf(tmp, sizeof(tmp), "%c", ch);
		if (n + k + 4 > len) {
			if (n + 4 <= len) {
				memcpy(buf + n, "...", 3);
				n += 3;
			}
			break;
		}
		memcpy(buf + n, tmp, k);
		n += k;
	}
	buf[n] = '\0';
}

/* @s escaped and in double quotes, for messages. */
static const char *conf_quote(char *buf, size_t len, const char *s)
{
	size_t n;

	buf[0] = '"';
	conf_escape(buf + 1, len - 2, s);
	n = strlen(buf);
	buf[n] = '"';
	buf[n + 1] = '\0';
	return buf;
}

/*
 * The file a setting or syntax error comes from, for messages: @file as
 * libconfig recorded it, NULL for the main file. libconfig records an
 * @include by the name written in it, which we resolve from the config's
 * directory, so prefix that directory to show a path that opens.
 */
static const char *conf_file(const struct conf_ctx *x, const char *file, char *buf, size_t len)
{
	if (!file)
		return x->path;
	if (file[0] == '/' || !x->dir[0] || snprintf(buf, len, "%s%s", x->dir, file) < 0)
		return file;
	return buf;
}

/*
 * Write "FILE[:LINE]: [KEY: ]MESSAGE" into the caller's buffer. @s names the
 * setting the message is about (its file and line), NULL or the root when no
 * line applies. Returns -1 so callers can "return conf_err(...)".
 */
/* "FILE:LINE: KEY: msg" (":LINE" omitted when no line applies) into @out. */
static void conf_vfmt(const struct conf_ctx *x, const config_setting_t *s, const char *key,
		      char *out, size_t out_len, const char *fmt, va_list ap)
{
	char msg[512], buf[CONF_PATH_MAX * 2];
	const char *file;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	file = conf_file(x, s ? config_setting_source_file(s) : NULL, buf, sizeof(buf));
	if (s && config_setting_source_line(s) > 0)
		snprintf(out, out_len, "%s:%u: %s%s%s", file, config_setting_source_line(s),
			 key ? key : "", key ? ": " : "", msg);
	else
		snprintf(out, out_len, "%s: %s%s%s", file, key ? key : "", key ? ": " : "", msg);
}

__attribute__((format(printf, 4, 5))) static int
conf_err(const struct conf_ctx *x, const config_setting_t *s, const char *key, const char *fmt,
	 ...)
{
	va_list ap;

	if (!x->err || x->err_len == 0)
		return -1;
	va_start(ap, fmt);
	conf_vfmt(x, s, key, x->err, x->err_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A warning: the config loads, but something will not work until the system changes. */
__attribute__((format(printf, 4, 5))) static void
conf_warn(const struct conf_ctx *x, const config_setting_t *s, const char *key, const char *fmt,
	  ...)
{
	va_list ap;

	if (!x->c || x->c->n_warnings >= CONF_WARN_MAX)
		return;
	va_start(ap, fmt);
	conf_vfmt(x, s, key, x->c->warnings[x->c->n_warnings++], sizeof(x->c->warnings[0]), fmt,
		  ap);
	va_end(ap);
}

/* "parent.name", or "name" at the top level; paths are short, @len is ample. */
static void conf_key(char *buf, size_t len, const char *ppath, const char *name)
{
	int n = snprintf(buf, len, "%s%s%s", ppath, ppath[0] ? "." : "", name);

	if (n < 0)
		buf[0] = '\0';
}

static bool conf_is_kind(const config_setting_t *s, enum conf_kind kind)
{
	int t = config_setting_type(s);

	switch (kind) {
	case CONF_INT:
		return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	case CONF_BOOL:
		return t == CONFIG_TYPE_BOOL;
	case CONF_STRING:
		return t == CONFIG_TYPE_STRING;
	case CONF_GROUP:
		return t == CONFIG_TYPE_GROUP;
	case CONF_LIST:
		return t == CONFIG_TYPE_LIST;
	case CONF_STRINGS:
		return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
	}
	return false;
}

/*
 * Find @name in @parent (whose path is @ppath) and check its kind. Returns 1
 * with *@out set, 0 when the key is absent, -1 with the error written. @key
 * receives the setting's path for the caller's own messages.
 */
static int conf_member(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
		       const char *name, enum conf_kind kind, const config_setting_t **out,
		       char key[CONF_KEY_LEN])
{
	const config_setting_t *s = config_setting_get_member(parent, name);

	conf_key(key, CONF_KEY_LEN, ppath, name);
	if (!s)
		return 0;
	if (!conf_is_kind(s, kind)) {
		conf_err(x, s, key, "expected %s", conf_kind_name[kind]);
		return -1;
	}
	*out = s;
	return 1;
}

/* Like conf_member(), but absence is an error reported at @parent. */
static int conf_required(const struct conf_ctx *x, const config_setting_t *parent,
			 const char *ppath, const char *name, enum conf_kind kind,
			 const config_setting_t **out, char key[CONF_KEY_LEN])
{
	int rc = conf_member(x, parent, ppath, name, kind, out, key);

	if (rc == 0)
		return conf_err(x, parent, key, "required key is missing");
	return rc;
}

/*
 * Integer @name in min..max into *@v; *@v is left alone when the key is
 * absent, so callers preset the default. Returns 1, 0 (absent) or -1.
 */
static int conf_int(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
		    const char *name, long long min, long long max, long long *v)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN];
	long long val;
	int rc = conf_member(x, parent, ppath, name, CONF_INT, &s, key);

	if (rc <= 0)
		return rc;
	val = config_setting_get_int64(s);
	if (val >= min && val <= max) {
		*v = val;
		return 1;
	}
	if (max > INT_MAX && config_setting_type(s) == CONFIG_TYPE_INT && val < 0)
		return conf_err(x, s, key,
				"%lld is out of range %lld..%lld (write values above %d "
				"with an L suffix, e.g. %lldL)",
				val, min, max, INT_MAX, max);
	return conf_err(x, s, key, "%lld is out of range %lld..%lld", val, min, max);
}

/* String @name into *@v, left alone when absent. Returns 1, 0 or -1. */
static int conf_str(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
		    const char *name, const char **v, const config_setting_t **setting)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN];
	int rc = conf_member(x, parent, ppath, name, CONF_STRING, &s, key);

	if (rc <= 0)
		return rc;
	*v = config_setting_get_string(s);
	if (setting)
		*setting = s;
	return 1;
}

/* Edit distance between two short names, for "did you mean". */
static size_t conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[CONF_KEY_LEN + 1];

	if (la > CONF_KEY_LEN || lb > CONF_KEY_LEN)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], up;

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* Reject any member of @s not in @known, suggesting the nearest known key. */
static int conf_check_keys(const struct conf_ctx *x, const config_setting_t *s, const char *ppath,
			   const char *const *known)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m), *near = NULL;
		size_t best = 3;	/* suggest only within 2 edits */
		char q[CONF_QUOTE_LEN];
		size_t k;

		for (k = 0; known[k]; k++) {
			size_t d = conf_distance(name, known[k]);

			if (d == 0)
				break;
			if (d < best) {
				best = d;
				near = known[k];
			}
		}
		if (known[k])
			continue;
		conf_quote(q, sizeof(q), name);
		return conf_err(x, m, ppath[0] ? ppath : NULL, "unknown key %s%s%s%s", q,
				near ? " (did you mean \"" : "", near ? near : "",
				near ? "\"?)" : "");
	}
	return 0;
}

/*
 * An interface name that exists now: copy it to @name (IF_NAMESIZE bytes)
 * and return its index, or -1 with the error written.
 */
/*
 * An interface name into @name; returns its index now, or 0 when there is
 * none of that name (yet): a warning, not an error, since VLANs, bonds and
 * bridges come and go and vipd follows them by name (the group is FAULT
 * while it is missing). -1 for a name that cannot be one.
 */
static long conf_interface(const struct conf_ctx *x, const config_setting_t *s, const char *key,
			   const char *v, char *name)
{
	char q[CONF_QUOTE_LEN];
	unsigned idx;

	if (v[0] == '\0' || strlen(v) >= IF_NAMESIZE)
		return conf_err(x, s, key, "%s is not an interface name (1..%d characters)",
				conf_quote(q, sizeof(q), v), IF_NAMESIZE - 1);
	idx = if_nametoindex(v);
	if (idx == 0)
		conf_warn(x, s, key, "no such interface %s now; its groups stay FAULT until it "
			  "appears", conf_quote(q, sizeof(q), v));
	snprintf(name, IF_NAMESIZE, "%s", v);
	return (long)idx;
}

/* An absolute path shorter than @max bytes into @dst. */
static int conf_abspath(const struct conf_ctx *x, const config_setting_t *s, const char *key,
			const char *v, char *dst, size_t max)
{
	char q[CONF_QUOTE_LEN];

	if (v[0] != '/')
		return conf_err(x, s, key, "%s is not an absolute path",
				conf_quote(q, sizeof(q), v));
	if (strlen(v) >= max)
		return conf_err(x, s, key, "path is longer than %zu bytes", max - 1);
	snprintf(dst, max, "%s", v);
	return 0;
}

static int conf_parse_node(const struct conf_ctx *x, const config_setting_t *root, struct conf *c)
{
	const config_setting_t *node = NULL, *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v;
	long long prio = VIPD_DEF_PRIORITY;
	size_t len;

	if (conf_required(x, root, "", "node", CONF_GROUP, &node, key) < 0 ||
	    conf_check_keys(x, node, "node", conf_node_keys) < 0)
		return -1;

	if (conf_required(x, node, "node", "name", CONF_STRING, &s, key) < 0)
		return -1;
	v = config_setting_get_string(s);
	len = strlen(v);
	for (size_t i = 0; i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			len = 0;
	if (len == 0 || len >= VIPD_NAME_MAX)
		return conf_err(x, s, key,
				"%s must be 1..%d printable ASCII characters without spaces",
				conf_quote(q, sizeof(q), v), VIPD_NAME_MAX - 1);
	memcpy(c->node_name, v, strlen(v) + 1);

	switch (conf_str(x, node, "node", "interface", &v, &s)) {
	case -1:
		return -1;
	case 1:
		if (conf_interface(x, s, "node.interface", v, c->interface) < 0)
			return -1;
		break;
	}
	if (conf_int(x, node, "node", "priority", 1, 255, &prio) < 0)
		return -1;
	c->priority = (uint8_t)prio;
	return 0;
}

/*
 * control_socket, state_dir and metrics_file, optional absolute paths;
 * control_group, a group name; metrics_interval_ms.
 */
static int conf_parse_paths(const struct conf_ctx *x, const config_setting_t *root, struct conf *c)
{
	const config_setting_t *s = NULL;
	const char *v;
	long long ms;
	int rc;

	snprintf(c->control_socket, sizeof(c->control_socket), "%s", VIPD_CONTROL_SOCKET);
	rc = conf_str(x, root, "", "control_socket", &v, &s);
	if (rc < 0 || (rc == 1 && conf_abspath(x, s, "control_socket", v, c->control_socket,
					      sizeof(((struct sockaddr_un *)NULL)->sun_path)) < 0))
		return -1;

	c->control_group[0] = '\0';
	c->control_gid = (gid_t)-1;
	rc = conf_str(x, root, "", "control_group", &v, &s);
	if (rc < 0)
		return -1;
	if (rc == 1 && v[0]) {
		struct group *gr = getgrnam(v);

		if (strlen(v) >= sizeof(c->control_group))
			return conf_err(x, s, "control_group", "name is longer than %zu characters",
					sizeof(c->control_group) - 1);
		if (!gr)
			return conf_err(x, s, "control_group", "no such group \"%s\"", v);
		snprintf(c->control_group, sizeof(c->control_group), "%s", v);
		c->control_gid = gr->gr_gid;
	}

	snprintf(c->state_dir, sizeof(c->state_dir), "%s", VIPD_STATE_DIR);
	rc = conf_str(x, root, "", "state_dir", &v, &s);
	if (rc < 0 || (rc == 1 && conf_abspath(x, s, "state_dir", v, c->state_dir,
					      sizeof(c->state_dir)) < 0))
		return -1;

	/* metrics_file: "" (the default) writes none; a temporary name is made beside it. */
	c->metrics_file[0] = '\0';
	rc = conf_str(x, root, "", "metrics_file", &v, &s);
	if (rc < 0 || (rc == 1 && v[0] &&
		       conf_abspath(x, s, "metrics_file", v, c->metrics_file,
				    sizeof(c->metrics_file) - 8) < 0))
		return -1;
	ms = VIPD_DEF_METRICS_INTERVAL_MS;
	if (conf_int(x, root, "", "metrics_interval_ms", VIPD_MIN_METRICS_INTERVAL_MS,
		     VIPD_MAX_METRICS_INTERVAL_MS, &ms) < 0)
		return -1;
	c->metrics_interval_ms = (uint32_t)ms;
	return 0;
}

/* The group's interface (its own or the node's), ifindex and address label. */
static int conf_parse_ifname(const struct conf_ctx *x, const config_setting_t *node,
			     const config_setting_t *gs, const char *gp, const struct conf *c,
			     struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v = c->interface;
	size_t ifl, room;
	bool ok;
	long idx;
	int rc;

	rc = conf_str(x, gs, gp, "interface", &v, &s);
	if (rc < 0)
		return -1;
	if (rc == 0 && !v[0])
		return conf_err(x, node, "node.interface",
				"required key is missing (%s sets no interface)", gp);
	conf_key(key, sizeof(key), gp, "interface");
	if (rc == 0) {
		/* node.interface, checked (and warned about) once already. */
		snprintf(g->interface, sizeof(g->interface), "%s", v);
		idx = (long)if_nametoindex(v);
	} else {
		idx = conf_interface(x, s, key, v, g->interface);
	}
	if (idx < 0)
		return -1;
	g->ifindex = (unsigned)idx;

	/*
	 * The kernel wants a label to be "<interface>:..." and at most 15 bytes;
	 * @room is what is left after the colon.
	 */
	ifl = strlen(g->interface);
	room = ifl + 2 < IF_NAMESIZE ? IF_NAMESIZE - 2 - ifl : 0;
	rc = conf_str(x, gs, gp, "label", &v, &s);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (room >= 3 && snprintf(g->label, sizeof(g->label), "%s:vip", g->interface) < 0)
			g->label[0] = '\0';
		return 0;
	}
	if (v[0] == '\0')
		return 0;
	conf_key(key, sizeof(key), gp, "label");
	if (room == 0)
		return conf_err(x, s, key, "interface name \"%s\" leaves no room for a label, "
				"use label = \"\"", g->interface);
	ok = strncmp(v, g->interface, ifl) == 0 && v[ifl] == ':' && strlen(v + ifl + 1) >= 1 &&
	     strlen(v + ifl + 1) <= room;
	for (const char *p = v; ok && *p; p++)
		ok = *p > ' ' && *p <= '~';
	if (!ok)
		return conf_err(x, s, key, "%s must be \"%s:\" followed by 1..%zu printable "
				"characters, or \"\" for no label",
				conf_quote(q, sizeof(q), v), g->interface, room);
	snprintf(g->label, sizeof(g->label), "%s", v);
	return 0;
}

/*
 * Parse "ADDRESS/PREFIX" into @vip with its canonical text. Returns 0, or -1
 * with the reason, to follow the quoted value in a message, in @why.
 */
static int conf_vip_parse(const char *v, struct conf_vip *vip, char *why, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strrchr(v, '/');
	static const uint8_t zero[16];
	unsigned long plen;
	unsigned max;

	snprintf(why, len, "is not an ADDRESS/PREFIX");
	if (!slash || (size_t)(slash - v) >= sizeof(addr) || slash[1] < '0' || slash[1] > '9' ||
	    strlen(slash + 1) > 3)
		return -1;
	memcpy(addr, v, (size_t)(slash - v));
	addr[slash - v] = '\0';
	plen = strtoul(slash + 1, &end, 10);
	if (*end)
		return -1;
	if (inet_pton(AF_INET, addr, vip->addr) == 1) {
		vip->family = AF_INET;
		max = 32;
		if (vip->addr[0] >= 224 || memcmp(vip->addr, zero, 4) == 0)
			goto not_unicast;
	} else if (inet_pton(AF_INET6, addr, vip->addr) == 1) {
		vip->family = AF_INET6;
		max = 128;
		if (vip->addr[0] == 0xff || memcmp(vip->addr, zero, 16) == 0)
			goto not_unicast;
	} else {
		return -1;
	}
	if (plen < 1 || plen > max) {
		snprintf(why, len, "has prefix length %lu, not 1..%u", plen, max);
		return -1;
	}
	vip->prefix_len = (uint8_t)plen;
	inet_ntop(vip->family, vip->addr, addr, sizeof(addr));
	snprintf(vip->text, sizeof(vip->text), "%s/%lu", addr, plen);
	return 0;
not_unicast:
	snprintf(why, len, "is not a unicast address");
	return -1;
}

/* Line of VIP @j of group @i, for "first at line N". */
static unsigned conf_vip_line(const config_setting_t *groups, size_t i, size_t j)
{
	const config_setting_t *g = config_setting_get_elem(groups, (unsigned)i);
	const config_setting_t *v = config_setting_get_member(g, "vips");

	return config_setting_source_line(config_setting_get_elem(v, (unsigned)j));
}

/* vips: 1..VIPD_MAX_VIPS addresses, none used twice in the whole file. */
static int conf_parse_vips(const struct conf_ctx *x, const config_setting_t *groups,
			   const config_setting_t *gs, const char *gp, const struct conf *c,
			   size_t gi)
{
	struct conf_group *g = &c->groups[gi];
	const config_setting_t *list = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	int n;

	if (conf_required(x, gs, gp, "vips", CONF_STRINGS, &list, key) < 0)
		return -1;
	n = config_setting_length(list);
	if (n < 1 || n > VIPD_MAX_VIPS)
		return conf_err(x, list, key, "%d addresses, 1..%d allowed", n, VIPD_MAX_VIPS);
	for (int j = 0; j < n; j++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)j);
		struct conf_vip *vip = &g->vips[j];
		char why[64];

		if (snprintf(key, sizeof(key), "%s.vips[%d]", gp, j) < 0)
			key[0] = '\0';
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_err(x, s, key, "expected a string \"ADDRESS/PREFIX\"");
		conf_quote(q, sizeof(q), config_setting_get_string(s));
		if (conf_vip_parse(config_setting_get_string(s), vip, why, sizeof(why)) < 0)
			return conf_err(x, s, key, "%s %s", q, why);
		for (size_t i = 0; i <= gi; i++) {
			size_t m = i == gi ? (size_t)j : c->groups[i].n_vips;

			for (size_t k = 0; k < m; k++) {
				const struct conf_vip *o = &c->groups[i].vips[k];

				if (o->family == vip->family && !memcmp(o->addr, vip->addr, 16))
					return conf_err(x, s, key,
							"duplicate address %s (first at line %u)",
							q, conf_vip_line(groups, i, k));
			}
		}
		g->n_vips++;
	}
	return 0;
}

/* One integer setting with its default and range, for the tables below. */
struct conf_num {
	const char *name;
	uint32_t *field;
	long long def, min, max;
};

/* Read @n into its field, the default when absent: 1 if set, 0 if not, -1 on error. */
static int conf_num(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		    const struct conf_num *n)
{
	long long v = n->def;
	int rc = conf_int(x, gs, gp, n->name, n->min, n->max, &v);

	if (rc >= 0)
		*n->field = (uint32_t)v;
	return rc;
}

/* The group's plain numbers: interval, misses, rise, preempt delay, GARP. */
static int conf_parse_numbers(const struct conf_ctx *x, const config_setting_t *gs,
			      const char *gp, struct conf_group *g)
{
	const struct conf_num num[] = {
		{ "interval_ms", &g->interval_ms, VIPD_DEF_INTERVAL_MS, VIPD_MIN_INTERVAL_MS,
		  VIPD_MAX_INTERVAL_MS },
		{ "misses", &g->misses, VIPD_DEF_MISSES, 1, VIPD_MAX_MISSES },
		{ "rise", &g->rise, VIPD_DEF_RISE, 1, CONF_MAX_RISE },
		{ "preempt_delay_ms", &g->preempt_delay_ms, VIPD_DEF_PREEMPT_DELAY_MS, 0,
		  CONF_MAX_PREEMPT_DELAY_MS },
		{ "garp_count", &g->garp_count, VIPD_DEF_GARP_COUNT, 0, CONF_MAX_GARP_COUNT },
		{ "garp_interval_ms", &g->garp_interval_ms, VIPD_DEF_GARP_INTERVAL_MS, 0,
		  CONF_MAX_GARP_INTERVAL_MS },
		{ "garp_refresh_ms", &g->garp_refresh_ms, VIPD_DEF_GARP_REFRESH_MS, 0,
		  CONF_MAX_GARP_REFRESH_MS },
		{ "claim_probe_ms", &g->claim_probe_ms, VIPD_DEF_CLAIM_PROBE_MS, 0, 1000 },
		{ "upstream_interval_ms", &g->upstream_interval_ms, VIPD_DEF_UPSTREAM_INTERVAL_MS,
		  100, 600000 },
		{ "upstream_timeout_ms", &g->upstream_timeout_ms, VIPD_DEF_UPSTREAM_TIMEOUT_MS, 10,
		  60000 },
		{ "upstream_rise", &g->upstream_rise, VIPD_DEF_UPSTREAM_RISE, 1, 100 },
		{ "upstream_fall", &g->upstream_fall, VIPD_DEF_UPSTREAM_FALL, 1, 100 },
	};
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN];

	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++)
		if (conf_num(x, gs, gp, &num[i]) < 0)
			return -1;
	if (g->garp_refresh_ms > 0 && g->garp_refresh_ms < CONF_MIN_GARP_REFRESH_MS) {
		conf_key(key, sizeof(key), gp, "garp_refresh_ms");
		s = config_setting_get_member(gs, "garp_refresh_ms");
		return conf_err(x, s, key, "%u is out of range (0 = off, or %d..%d)",
				g->garp_refresh_ms, CONF_MIN_GARP_REFRESH_MS,
				CONF_MAX_GARP_REFRESH_MS);
	}
	if (g->upstream_timeout_ms >= g->upstream_interval_ms) {
		conf_key(key, sizeof(key), gp, "upstream_timeout_ms");
		s = config_setting_get_member(gs, "upstream_timeout_ms");
		return conf_err(x, s ? s : gs, key, "%u must be below upstream_interval_ms (%u)",
				g->upstream_timeout_ms, g->upstream_interval_ms);
	}
	return 0;
}

/*
 * One unicast peer address, IPv4 or IPv6, into @p. Refused: what cannot be
 * one host's own address (unspecified, multicast, broadcast), IPv4-mapped
 * IPv6 (the IPv6 socket is IPv6 only) and IPv6 link-local (fe80::/10),
 * which would need a scope: on-link IPv6 peers use their global or ULA
 * address. Returns 0, or -1 with a one-line reason in @why.
 */
static int conf_parse_peer(const char *v, struct conf_peer *p, const char **why)
{
	struct in_addr a4;
	struct in6_addr a6;
	const uint8_t *b = a6.s6_addr;

	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, v, &a4) == 1) {
		uint32_t h = ntohl(a4.s_addr);

		p->family = AF_INET;
		memcpy(p->addr, &a4, 4);
		*why = "is not an IPv4 unicast address";
		return h == 0 || IN_MULTICAST(h) || h == INADDR_BROADCAST ? -1 : 0;
	}
	if (inet_pton(AF_INET6, v, &a6) != 1) {
		*why = "is not an IPv4 or IPv6 address";
		return -1;
	}
	p->family = AF_INET6;
	memcpy(p->addr, &a6, 16);
	*why = "is not an IPv6 unicast address";
	if (IN6_IS_ADDR_UNSPECIFIED(&a6) || b[0] == 0xff || IN6_IS_ADDR_V4MAPPED(&a6))
		return -1;
	*why = "is link-local (fe80::/10): use the peer's global or ULA address";
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80 ? -1 : 0;
}

/*
 * Unicast peers: heartbeats go to these addresses (IPv4 or IPv6, one family
 * per group) instead of the multicast group, for networks that do not carry
 * multicast, also across routers. peer_hops (only with peers) is how many
 * routers a peer's heartbeat may cross: 1 (on-link) wants TTL 255, N lets
 * 256-N..255 in; see vipd(8), WIRE FORMAT.
 */
static int conf_parse_peers(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			    struct conf_group *g)
{
	const config_setting_t *list = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	long long hops = VIPD_DEF_PEER_HOPS;
	const char *why;
	int n;

	g->peer_hops = VIPD_DEF_PEER_HOPS;
	switch (conf_member(x, gs, gp, "peers", CONF_STRINGS, &list, key)) {
	case -1:
		return -1;
	case 0:
		n = 0;
		break;
	default:
		n = config_setting_length(list);
	}
	if (n > VIPD_MAX_PEERS)
		return conf_err(x, list, key, "%d peers, at most %d allowed", n, VIPD_MAX_PEERS);
	if (n > 0 && g->vmac)
		return conf_err(x, list, key, "unicast peers do not go with vmac");
	for (int j = 0; j < n; j++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)j);
		struct conf_peer *p = &g->peers[j];

		if (snprintf(key, sizeof(key), "%s.peers[%d]", gp, j) < 0)
			key[0] = '\0';
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_err(x, s, key, "expected a string \"ADDRESS\"");
		conf_quote(q, sizeof(q), config_setting_get_string(s));
		if (conf_parse_peer(config_setting_get_string(s), p, &why) < 0)
			return conf_err(x, s, key, "%s %s", q, why);
		if (j > 0 && p->family != g->peers[0].family)
			return conf_err(x, s, key, "%s is %s, peers[0] is %s: one family per group",
					q, p->family == AF_INET6 ? "IPv6" : "IPv4",
					p->family == AF_INET6 ? "IPv4" : "IPv6");
		g->n_peers++;
	}
	switch (conf_int(x, gs, gp, "peer_hops", 1, 255, &hops)) {
	case -1:
		return -1;
	case 1:
		if (n > 0)
			break;
		conf_key(key, sizeof(key), gp, "peer_hops");
		return conf_err(x, config_setting_get_member(gs, "peer_hops"), key,
				"only with peers (multicast heartbeats stay on the link)");
	}
	g->peer_hops = (uint32_t)hops;
	return 0;
}

/* A second heartbeat path: another interface carrying the same multicast heartbeats. */
static int conf_parse_interface2(const struct conf_ctx *x, const config_setting_t *gs,
				 const char *gp, struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v;

	switch (conf_member(x, gs, gp, "interface2", CONF_STRING, &s, key)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	v = config_setting_get_string(s);
	conf_quote(q, sizeof(q), v);
	if (!v[0])
		return 0;
	if (strlen(v) >= sizeof(g->interface2))
		return conf_err(x, s, key, "%s is not an interface name (1..%d characters)", q,
				IF_NAMESIZE - 1);
	if (strcmp(v, g->interface) == 0)
		return conf_err(x, s, key, "%s is the group's interface already", q);
	g->ifindex2 = if_nametoindex(v);
	if (!g->ifindex2)
		conf_warn(x, s, key, "no such interface %s now; this path is unused until it "
			  "appears", q);
	snprintf(g->interface2, sizeof(g->interface2), "%s", v);
	return 0;
}

/* Upstream targets: on-link IPv4 addresses (the gateway, a trunk's router). */
static int conf_parse_upstream(const struct conf_ctx *x, const config_setting_t *gs,
			       const char *gp, struct conf_group *g)
{
	const config_setting_t *list = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	int n;

	switch (conf_member(x, gs, gp, "upstream", CONF_STRINGS, &list, key)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	n = config_setting_length(list);
	if (n > VIPD_MAX_UPSTREAM)
		return conf_err(x, list, key, "%d targets, at most %d allowed", n,
				VIPD_MAX_UPSTREAM);
	for (int j = 0; j < n; j++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)j);

		if (snprintf(key, sizeof(key), "%s.upstream[%d]", gp, j) < 0)
			key[0] = '\0';
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return conf_err(x, s, key, "expected a string \"IPv4 ADDRESS\"");
		conf_quote(q, sizeof(q), config_setting_get_string(s));
		if (inet_pton(AF_INET, config_setting_get_string(s), &g->upstream[j]) != 1 ||
		    g->upstream[j].s_addr == 0 || IN_MULTICAST(ntohl(g->upstream[j].s_addr)))
			return conf_err(x, s, key, "%s is not an IPv4 unicast address", q);
		g->n_upstream++;
	}
	return 0;
}

/* Heartbeat transport: preempt flag, multicast group, UDP port. */
static int conf_parse_transport(const struct conf_ctx *x, const config_setting_t *gs,
				const char *gp, struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v = VIPD_DEF_MCAST;
	long long port = VIPD_DEF_PORT;

	switch (conf_member(x, gs, gp, "preempt", CONF_BOOL, &s, key)) {
	case -1:
		return -1;
	case 1:
		g->preempt = config_setting_get_bool(s);
		break;
	}
	s = NULL;
	if (conf_str(x, gs, gp, "multicast", &v, &s) < 0)
		return -1;
	conf_key(key, sizeof(key), gp, "multicast");
	conf_quote(q, sizeof(q), v);
	g->mcast_family = AF_INET;
	if (inet_pton(AF_INET6, v, &g->mcast6) == 1) {
		/*
		 * Heartbeats never leave the link (hop limit 255, checked on
		 * receipt): only link-local scope says so to the network too.
		 */
		if (g->mcast6.s6_addr[0] != 0xff || g->mcast6.s6_addr[1] != 0x02)
			return conf_err(x, s, key, "%s must be an IPv6 multicast address of "
					"link-local scope (ff02::/16)", q);
		g->mcast_family = AF_INET6;
	} else if (inet_pton(AF_INET, v, &g->mcast) != 1 ||
		   !IN_MULTICAST(ntohl(g->mcast.s_addr))) {
		return conf_err(x, s, key, "%s is not a multicast address (IPv4 224.0.0.0/4, or "
				"IPv6 ff02::/16)", q);
	}
	if (conf_int(x, gs, gp, "port", 1, 65535, &port) < 0)
		return -1;
	g->port = (uint16_t)port;
	return 0;
}

/* A sync set name: 1..VIPD_NAME_MAX-1 letters, digits, '-', '_' or '.'. */
static bool conf_sync_name_ok(const char *v)
{
	size_t len = strlen(v);

	for (size_t i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' || v[i] == '.'))
			return false;
	return len >= 1 && len < VIPD_NAME_MAX;
}

/*
 * sync_group, the name of the set of groups this one changes state with
 * ("" for none, as conf_print writes it);
 * vmac, whether its VIPs live on a macvlan "vip<id>" with a virtual MAC.
 * The MAC is VRRP's (RFC 5798 §7.3): 00:00:5e:00:01:<id & 0xff>, or
 * 00:00:5e:00:02:<id & 0xff> for a group with only IPv6 VIPs.
 */
static int conf_parse_sync_vmac(const struct conf_ctx *x, const config_setting_t *gs,
				const char *gp, struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v = "";
	bool v4 = false;

	if (conf_str(x, gs, gp, "sync_group", &v, &s) < 0)
		return -1;
	if (s && v[0] && !conf_sync_name_ok(v)) {
		conf_key(key, sizeof(key), gp, "sync_group");
		return conf_err(x, s, key, "%s must be 1..%d letters, digits, '-', '_' or '.'",
				conf_quote(q, sizeof(q), v), VIPD_NAME_MAX - 1);
	}
	snprintf(g->sync_group, sizeof(g->sync_group), "%s", v);

	s = NULL;
	switch (conf_member(x, gs, gp, "vmac", CONF_BOOL, &s, key)) {
	case -1:
		return -1;
	case 1:
		g->vmac = config_setting_get_bool(s);
		break;
	}
	if (!g->vmac)
		return 0;
	/* The VIPs live on vip<id>: a label of the parent interface means nothing there. */
	s = config_setting_get_member(gs, "label");
	if (s && config_setting_type(s) == CONFIG_TYPE_STRING && config_setting_get_string(s)[0]) {
		conf_key(key, sizeof(key), gp, "label");
		return conf_err(x, s, key, "not used with vmac = true (the VIPs live on vip%u)",
				g->id);
	}
	memset(g->label, 0, sizeof(g->label));
	snprintf(g->vmac_ifname, sizeof(g->vmac_ifname), "vip%u", g->id);
	for (size_t i = 0; i < g->n_vips; i++)
		v4 |= g->vips[i].family == AF_INET;
	g->vmac_mac[0] = 0x00;
	g->vmac_mac[1] = 0x00;
	g->vmac_mac[2] = 0x5e;
	g->vmac_mac[3] = 0x00;
	g->vmac_mac[4] = v4 ? 0x01 : 0x02;
	g->vmac_mac[5] = (uint8_t)(g->id & 0xff);
	return 0;
}

/*
 * Across groups: each sync set's leader is its lowest id; two vmac groups
 * must not share a virtual MAC (ids equal in their low byte).
 */
static int conf_link_groups(const struct conf_ctx *x, const config_setting_t *groups,
			    struct conf *c)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		struct conf_group *g = &c->groups[i];
		char gp[CONF_KEY_LEN];

		if (g->sync_group[0]) {
			g->sync_leader = g->id;
			for (size_t k = 0; k < c->n_groups; k++)
				if (strcmp(c->groups[k].sync_group, g->sync_group) == 0 &&
				    c->groups[k].id < g->sync_leader)
					g->sync_leader = c->groups[k].id;
		}
		for (size_t k = 0; g->vmac && k < i; k++) {
			const struct conf_group *o = &c->groups[k];
			const uint8_t *m = g->vmac_mac;

			if (!o->vmac || memcmp(o->vmac_mac, m, 6) != 0)
				continue;
			snprintf(gp, sizeof(gp), "groups[%zu].vmac", i);
			return conf_err(x,
					config_setting_get_member(
						config_setting_get_elem(groups, (unsigned)i), "vmac"),
					gp,
					"virtual MAC %02x:%02x:%02x:%02x:%02x:%02x is taken by group %u "
					"(line %d): the ids of vmac groups must differ in their low "
					"byte (id & 0xff)",
					m[0], m[1], m[2], m[3], m[4], m[5], o->id, o->line);
		}
	}
	return 0;
}

/*
 * Read an HMAC key from @file into @out (VIPD_KEY_MAX bytes) and @out_len:
 * a regular file that only its owner can access, whose content minus one
 * trailing newline is the key. O_NONBLOCK so that a FIFO in its place
 * cannot hang the load.
 */
static int conf_read_key(const struct conf_ctx *x, const config_setting_t *s, const char *key,
			 const char *file, uint8_t *out, size_t *out_len)
{
	uint8_t buf[VIPD_KEY_MAX + 3];
	char path[CONF_QUOTE_LEN], why[TRUST_WHY_MAX];
	struct stat st;
	size_t n = 0;
	ssize_t r = 0;
	int fd, rc = -1;

	conf_escape(path, sizeof(path), file);
	fd = trust_open(file, O_RDONLY | O_NOCTTY | O_NONBLOCK, why, sizeof(why));
	if (fd < 0 && errno == EPERM)
		return conf_err(x, s, key, "%s is not trusted: %s", path, why);
	if (fd < 0 && errno == EINVAL)
		return conf_err(x, s, key, "%s is not a regular file", path);
	if (fd < 0)
		return conf_err(x, s, key, "cannot open %s: %s", path, why);
	if (fstat(fd, &st) < 0) {
		conf_err(x, s, key, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err(x, s, key, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		conf_err(x, s, key, "%s is %s by group or others (chmod 600)", path,
			 st.st_mode & 044 ? "readable" : "accessible");
		goto out;
	}
	while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			conf_err(x, s, key, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n' && n < sizeof(buf))
		n -= n > 1 && buf[n - 2] == '\r' ? 2 : 1;
	if (n < VIPD_KEY_MIN) {
		conf_err(x, s, key, "key in %s is %zu bytes, at least %d needed", path, n,
			 VIPD_KEY_MIN);
	} else if (n > VIPD_KEY_MAX) {
		conf_err(x, s, key, "key in %s is longer than %d bytes", path, VIPD_KEY_MAX);
	} else {
		memcpy(out, buf, n);
		*out_len = n;
		rc = 0;
	}
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* A key file's path into @dst; a relative path is taken from the config's directory. */
static int conf_key_path(const struct conf_ctx *x, const config_setting_t *s, const char *key,
			 char *dst, size_t len)
{
	const char *v = config_setting_get_string(s), *dir;
	int n;

	if (v[0] == '\0')
		return conf_err(x, s, key, "empty path");
	dir = v[0] == '/' ? "" : x->dir;
	n = snprintf(dst, len, "%s%s", dir, v);
	if (n < 0 || (size_t)n >= len)
		return conf_err(x, s, key, "path is longer than %zu bytes", len - 1);
	return 0;
}

/*
 * key_file: required, the key that signs and is accepted. key_file_next:
 * optional, a second key accepted on receipt, for a rotation without an
 * outage (vipd.conf(5), KEY ROTATION).
 */
static int conf_parse_key(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			  struct conf_group *g)
{
	const config_setting_t *s = NULL;
	char key[CONF_KEY_LEN];

	if (conf_required(x, gs, gp, "key_file", CONF_STRING, &s, key) < 0 ||
	    conf_key_path(x, s, key, g->key_file, sizeof(g->key_file)) < 0 ||
	    conf_read_key(x, s, key, g->key_file, g->key, &g->key_len) < 0)
		return -1;
	switch (conf_member(x, gs, gp, "key_file_next", CONF_STRING, &s, key)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	if (conf_key_path(x, s, key, g->key_file_next, sizeof(g->key_file_next)) < 0 ||
	    conf_read_key(x, s, key, g->key_file_next, g->key_next, &g->key_next_len) < 0)
		return -1;
	if (g->key_next_len == g->key_len && memcmp(g->key_next, g->key, g->key_len) == 0)
		return conf_err(x, s, key, "the same key as key_file");
	return 0;
}

/*
 * A command @name: 1..CONF_ARGV_MAX strings, the argv of a program run
 * without a shell, so there is nothing to quote. argv[0] must be an
 * absolute path to an executable regular file that trust.c trusts: vipd
 * runs it as root (exec.c checks it again, on the descriptor it executes,
 * each time it runs). On success *@out is a NULL-terminated vector in
 * one allocation. Returns 1, 0 (absent, *@out untouched) or -1.
 */
static int conf_parse_argv(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			   const char *name, char ***out)
{
	const config_setting_t *list = NULL, *s0;
	char key[CONF_KEY_LEN], ekey[CONF_KEY_LEN + 16], q[CONF_QUOTE_LEN], why[TRUST_WHY_MAX];
	size_t bytes = 0;
	const char *v0;
	struct stat st;
	char **v, *p;
	int n, fd, rc = conf_member(x, gs, gp, name, CONF_STRINGS, &list, key);

	if (rc <= 0)
		return rc;
	n = config_setting_length(list);
	if (n < 1 || n > CONF_ARGV_MAX)
		return conf_err(x, list, key, "%d strings, 1..%d allowed (the program and its "
				"arguments)", n, CONF_ARGV_MAX);
	for (int j = 0; j < n; j++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)j);

		snprintf(ekey, sizeof(ekey), "%s[%d]", key, j);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return conf_err(x, e, ekey, "expected a string");
		if (strlen(config_setting_get_string(e)) >= CONF_ARG_LEN)
			return conf_err(x, e, ekey, "longer than %d bytes", CONF_ARG_LEN - 1);
		bytes += strlen(config_setting_get_string(e)) + 1;
	}
	if (bytes > CONF_ARGV_BYTES)
		return conf_err(x, list, key, "%zu bytes, at most %d allowed", bytes,
				CONF_ARGV_BYTES);
	s0 = config_setting_get_elem(list, 0);
	v0 = config_setting_get_string(s0);
	snprintf(ekey, sizeof(ekey), "%s[0]", key);
	conf_quote(q, sizeof(q), v0);
	if (v0[0] != '/')
		return conf_err(x, s0, ekey, "%s is not an absolute path", q);
	fd = trust_open(v0, O_PATH, why, sizeof(why));
	if (fd < 0 && errno == EPERM)
		return conf_err(x, s0, ekey, "%s is not trusted: %s", q, why);
	if (fd < 0 && errno == EINVAL)
		return conf_err(x, s0, ekey, "%s is not a regular file", q);
	if (fd < 0)
		return conf_err(x, s0, ekey, "%s: %s", q, why);
	rc = fstat(fd, &st);
	close(fd);
	if (rc < 0)
		return conf_err(x, s0, ekey, "%s: %s", q, strerror(errno));
	if (!(st.st_mode & 0111))
		return conf_err(x, s0, ekey, "%s is not executable", q);
	v = malloc((size_t)(n + 1) * sizeof(char *) + bytes);
	if (!v)
		return conf_err(x, list, key, "%s", strerror(errno));
	p = (char *)&v[n + 1];
	for (int j = 0; j < n; j++) {
		const char *a = config_setting_get_string(config_setting_get_elem(list, (unsigned)j));

		v[j] = memcpy(p, a, strlen(a) + 1);
		p += strlen(a) + 1;
	}
	v[n] = NULL;
	*out = v;
	return 1;
}

/* Hooks (notify_*) and the check script with their numbers. */
static int conf_parse_commands(const struct conf_ctx *x, const config_setting_t *gs,
			       const char *gp, struct conf_group *g)
{
	const struct conf_num num[] = {
		{ "hook_timeout_ms", &g->hook_timeout_ms, VIPD_DEF_HOOK_TIMEOUT_MS, CONF_MIN_CMD_MS,
		  CONF_MAX_CMD_MS },
		{ "check_interval_ms", &g->check_interval_ms, VIPD_DEF_CHECK_INTERVAL_MS,
		  CONF_MIN_CMD_MS, CONF_MAX_CMD_MS },
		{ "check_timeout_ms", &g->check_timeout_ms, VIPD_DEF_CHECK_TIMEOUT_MS,
		  CONF_MIN_CMD_MS, CONF_MAX_CMD_MS },
		{ "check_rise", &g->check_rise, VIPD_DEF_CHECK_RISE, 1, CONF_MAX_RISE },
		{ "check_fall", &g->check_fall, VIPD_DEF_CHECK_FALL, 1, CONF_MAX_RISE },
		{ "check_weight", &g->check_weight, 0, 0, 254 },
	};
	char key[CONF_KEY_LEN];

	for (int k = 0; k < CONF_NOTIFY_COUNT; k++)
		if (conf_parse_argv(x, gs, gp, conf_notify_keys[k], &g->notify[k]) < 0)
			return -1;
	if (conf_parse_argv(x, gs, gp, "check_script", &g->check_script) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		int rc = conf_num(x, gs, gp, &num[i]);

		if (rc < 0)
			return -1;
		/* A check setting without a check is a mistake, not a default. */
		if (rc == 1 && !g->check_script && strncmp(num[i].name, "check_", 6) == 0) {
			conf_key(key, sizeof(key), gp, num[i].name);
			return conf_err(x, config_setting_get_member(gs, num[i].name), key,
					"has no effect without check_script");
		}
	}
	return 0;
}

/*
 * sip_check's target: true for the local server (127.0.0.1:5060), or
 * "[sip:]HOST[:PORT]" with HOST an IPv4 address or a bracketed IPv6 one
 * (no names: a check that depends on DNS fails when DNS does).
 */
static int conf_sip_target(const struct conf_ctx *x, const config_setting_t *s, const char *key,
			   struct conf_group *g)
{
	char host[64], q[CONF_QUOTE_LEN];
	const char *v, *port = NULL, *end;
	long p = VIPD_SIP_PORT;

	if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
		if (!config_setting_get_bool(s))
			return 0;
		v = "127.0.0.1";
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
	} else {
		return conf_err(x, s, key, "expected true or a string \"[sip:]HOST[:PORT]\"");
	}
	conf_quote(q, sizeof(q), v);
	if (strncasecmp(v, "sip:", 4) == 0)
		v += 4;
	if (v[0] == '[') {
		end = strchr(v, ']');
		if (!end || (end[1] && end[1] != ':'))
			return conf_err(x, s, key, "%s: expected [IPv6] or [IPv6]:PORT", q);
		if ((size_t)(end - v - 1) >= sizeof(host))
			return conf_err(x, s, key, "%s: address too long", q);
		memcpy(host, v + 1, (size_t)(end - v - 1));
		host[end - v - 1] = '\0';
		port = end[1] ? end + 2 : NULL;
		g->sip_family = AF_INET6;
	} else {
		end = strchr(v, ':');
		size_t n = end ? (size_t)(end - v) : strlen(v);

		if (n >= sizeof(host))
			return conf_err(x, s, key, "%s: address too long", q);
		memcpy(host, v, n);
		host[n] = '\0';
		port = end ? end + 1 : NULL;
		g->sip_family = AF_INET;
	}
	if (inet_pton(g->sip_family, host, g->sip_addr) != 1)
		return conf_err(x, s, key, "%s: not an IP address (names are not looked up)", q);
	if (port) {
		char *e;

		p = strtol(port, &e, 10);
		if (port[0] < '0' || port[0] > '9' || *e || p < 1 || p > 65535)
			return conf_err(x, s, key, "%s: port must be 1..65535", q);
	}
	g->sip_port = (uint16_t)p;
	g->sip_check = true;
	snprintf(g->sip_target, sizeof(g->sip_target), g->sip_family == AF_INET6 ? "[%s]:%ld"
										 : "%s:%ld",
		 host, p);
	return 1;
}

/* The SIP check, fence_command and calls_command with their numbers. */
static int conf_parse_telephony(const struct conf_ctx *x, const config_setting_t *gs,
				const char *gp, struct conf_group *g)
{
	const struct conf_num sip[] = {
		{ "sip_check_interval_ms", &g->sip_interval_ms, VIPD_DEF_SIP_INTERVAL_MS, 50,
		  600000 },
		{ "sip_check_timeout_ms", &g->sip_timeout_ms, VIPD_DEF_SIP_TIMEOUT_MS, 10, 600000 },
		{ "sip_check_rise", &g->sip_rise, VIPD_DEF_SIP_RISE, 1, CONF_MAX_RISE },
		{ "sip_check_fall", &g->sip_fall, VIPD_DEF_SIP_FALL, 1, CONF_MAX_RISE },
		{ "sip_check_weight", &g->sip_weight, 0, 0, 254 },
	};
	const struct conf_num cmd[] = {
		{ "fence_timeout_ms", &g->fence_timeout_ms, VIPD_DEF_FENCE_TIMEOUT_MS,
		  CONF_MIN_CMD_MS, CONF_MAX_CMD_MS },
		{ "calls_interval_ms", &g->calls_interval_ms, VIPD_DEF_CALLS_INTERVAL_MS, 100,
		  600000 },
		{ "calls_timeout_ms", &g->calls_timeout_ms, VIPD_DEF_CALLS_TIMEOUT_MS,
		  CONF_MIN_CMD_MS, CONF_MAX_CMD_MS },
	};
	const config_setting_t *s = config_setting_get_member(gs, "sip_check"), *codes;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v;
	int rc;

	conf_key(key, sizeof(key), gp, "sip_check");
	if (s && conf_sip_target(x, s, key, g) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(sip) / sizeof(sip[0]); i++) {
		rc = conf_num(x, gs, gp, &sip[i]);
		if (rc < 0)
			return -1;
		if (rc == 1 && !g->sip_check) {
			conf_key(key, sizeof(key), gp, sip[i].name);
			return conf_err(x, config_setting_get_member(gs, sip[i].name), key,
					"has no effect without sip_check");
		}
	}
	if (g->sip_timeout_ms >= g->sip_interval_ms) {
		s = config_setting_get_member(gs, "sip_check_timeout_ms");
		conf_key(key, sizeof(key), gp, "sip_check_timeout_ms");
		return conf_err(x, s ? s : gs, key, "%u must be less than sip_check_interval_ms (%u)",
				g->sip_timeout_ms, g->sip_interval_ms);
	}
	rc = conf_str(x, gs, gp, "sip_check_transport", &v, &s);
	if (rc < 0)
		return -1;
	conf_key(key, sizeof(key), gp, "sip_check_transport");
	if (rc == 1 && !g->sip_check)
		return conf_err(x, s, key, "has no effect without sip_check");
	if (rc == 1 && strcmp(v, "udp") != 0 && strcmp(v, "tcp") != 0)
		return conf_err(x, s, key, "%s: expected \"udp\" or \"tcp\"",
				conf_quote(q, sizeof(q), v));
	g->sip_tcp = rc == 1 && strcmp(v, "tcp") == 0;
	codes = config_setting_get_member(gs, "sip_check_codes");
	conf_key(key, sizeof(key), gp, "sip_check_codes");
	if (codes && !g->sip_check)
		return conf_err(x, codes, key, "has no effect without sip_check");
	if (codes && config_setting_type(codes) != CONFIG_TYPE_ARRAY)
		return conf_err(x, codes, key, "expected an array [ 200, 404, ... ] of response codes");
	if (codes && (config_setting_length(codes) < 1 ||
		      config_setting_length(codes) > CONF_SIP_CODES_MAX))
		return conf_err(x, codes, key, "1..%d codes allowed", CONF_SIP_CODES_MAX);
	for (int i = 0; codes && i < config_setting_length(codes); i++) {
		const config_setting_t *e = config_setting_get_elem(codes, (unsigned)i);
		long long c = config_setting_type(e) == CONFIG_TYPE_INT ? config_setting_get_int(e)
									: -1;

		if (c < 200 || c > 699)
			return conf_err(x, e, key, "%lld is not a final response code (200..699)", c);
		g->sip_codes[g->n_sip_codes++] = (uint16_t)c;
	}
	if (conf_parse_argv(x, gs, gp, "fence_command", &g->fence_command) < 0 ||
	    conf_parse_argv(x, gs, gp, "calls_command", &g->calls_command) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(cmd) / sizeof(cmd[0]); i++) {
		bool fence = strncmp(cmd[i].name, "fence_", 6) == 0;

		rc = conf_num(x, gs, gp, &cmd[i]);
		if (rc < 0)
			return -1;
		if (rc == 1 && !(fence ? g->fence_command : g->calls_command)) {
			conf_key(key, sizeof(key), gp, cmd[i].name);
			return conf_err(x, config_setting_get_member(gs, cmd[i].name), key,
					"has no effect without %s",
					fence ? "fence_command" : "calls_command");
		}
	}
	return 0;
}

static int conf_parse_group(const struct conf_ctx *x, const config_setting_t *root,
			    const config_setting_t *groups, struct conf *c, size_t gi)
{
	const config_setting_t *gs = config_setting_get_elem(groups, (unsigned)gi);
	const config_setting_t *node = config_setting_get_member(root, "node");
	struct conf_group *g = &c->groups[gi];
	const config_setting_t *s = NULL;
	char gp[CONF_KEY_LEN], key[CONF_KEY_LEN];
	long long id = 0, prio = c->priority;

	snprintf(gp, sizeof(gp), "groups[%zu]", gi);
	if (config_setting_type(gs) != CONFIG_TYPE_GROUP)
		return conf_err(x, gs, gp, "expected %s", conf_kind_name[CONF_GROUP]);
	if (conf_check_keys(x, gs, gp, conf_group_keys) < 0)
		return -1;
	g->line = (int)config_setting_source_line(gs);

	if (conf_required(x, gs, gp, "id", CONF_INT, &s, key) < 0 ||
	    conf_int(x, gs, gp, "id", 1, UINT32_MAX, &id) < 0)
		return -1;
	g->id = (uint32_t)id;
	for (size_t i = 0; i < gi; i++) {
		const config_setting_t *o = config_setting_get_elem(groups, (unsigned)i);

		if (c->groups[i].id == g->id)
			return conf_err(x, s, key, "duplicate group id %u (first at line %u)",
					g->id,
					config_setting_source_line(
						config_setting_get_member(o, "id")));
	}

	if (conf_parse_ifname(x, node, gs, gp, c, g) < 0 ||
	    conf_int(x, gs, gp, "priority", 1, 255, &prio) < 0)
		return -1;
	g->priority = (uint8_t)prio;

	if (conf_parse_vips(x, groups, gs, gp, c, gi) < 0 ||
	    conf_parse_numbers(x, gs, gp, g) < 0 || conf_parse_upstream(x, gs, gp, g) < 0 ||
	    conf_parse_transport(x, gs, gp, g) < 0 || conf_parse_peers(x, gs, gp, g) < 0 ||
	    conf_parse_interface2(x, gs, gp, g) < 0 ||
	    conf_parse_key(x, gs, gp, g) < 0 || conf_parse_sync_vmac(x, gs, gp, g) < 0 ||
	    conf_parse_commands(x, gs, gp, g) < 0 || conf_parse_telephony(x, gs, gp, g) < 0)
		return -1;
	return 0;
}

static int conf_parse(const struct conf_ctx *x, const config_t *cfg, struct conf *c)
{
	const config_setting_t *root = config_root_setting(cfg), *groups = NULL;
	char key[CONF_KEY_LEN];
	int n;

	if (conf_check_keys(x, root, "", conf_root_keys) < 0 || conf_parse_node(x, root, c) < 0 ||
	    conf_parse_paths(x, root, c) < 0)
		return -1;

	if (conf_required(x, root, "", "groups", CONF_LIST, &groups, key) < 0)
		return -1;
	n = config_setting_length(groups);
	if (n < 1)
		return conf_err(x, groups, key, "at least one group is required");
	if (n > VIPD_MAX_GROUPS)
		return conf_err(x, groups, key, "%d groups, at most %d allowed", n,
				VIPD_MAX_GROUPS);
	c->groups = calloc((size_t)n, sizeof(*c->groups));
	if (!c->groups)
		return conf_err(x, NULL, NULL, "%s", strerror(errno));
	c->n_groups = (size_t)n;
	for (size_t i = 0; i < c->n_groups; i++)
		if (conf_parse_group(x, root, groups, c, i) < 0)
			return -1;
	return conf_link_groups(x, groups, c);
}

/*
 * libconfig's own complaint: "FILE:LINE: syntax error[: TEXT]", TEXT left
 * out when it is just "syntax error" again.
 */
static void conf_syntax_err(const struct conf_ctx *x, const config_t *cfg)
{
	char buf[CONF_PATH_MAX * 2];
	const char *file = conf_file(x, config_error_file(cfg), buf, sizeof(buf));
	const char *text = config_error_text(cfg) ? config_error_text(cfg) : "syntax error";

	if (!x->err || x->err_len == 0)
		return;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		snprintf(x->err, x->err_len, "%s: cannot read: %s", file, text);
	else if (strcmp(text, "syntax error") == 0)
		snprintf(x->err, x->err_len, "%s:%d: syntax error", file, config_error_line(cfg));
	else
		snprintf(x->err, x->err_len, "%s:%d: syntax error: %s", file,
			 config_error_line(cfg), text);
}

int conf_load(const char *path, struct conf *c, char *err, size_t err_len)
{
	struct conf_ctx x = { .path = path, .err = err, .err_len = err_len, .c = c };
	const char *slash = strrchr(path, '/');
	char why[TRUST_WHY_MAX];
	struct stat st;
	config_t cfg;
	FILE *f;
	int fd, rc;

	memset(c, 0, sizeof(*c));
	if (err && err_len)
		err[0] = '\0';
	if (strlen(path) >= sizeof(c->path))
		return conf_err(&x, NULL, NULL, "path is longer than %zu bytes",
				sizeof(c->path) - 1);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (slash)
		snprintf(x.dir, sizeof(x.dir), "%.*s", (int)(slash - path + 1), path);

	/* The config names programs vipd runs as root: it must be as trusted as they are. */
	fd = trust_open(path, O_RDONLY, why, sizeof(why));
	if (fd < 0 && errno == EPERM)
		return conf_err(&x, NULL, NULL, "not trusted: %s", why);
	if (fd < 0 && errno == EINVAL && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return conf_err(&x, NULL, NULL, "cannot open: %s", strerror(EISDIR));
	if (fd < 0)
		return conf_err(&x, NULL, NULL, "cannot open: %s", why);
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return conf_err(&x, NULL, NULL, "cannot open: %s", strerror(errno));
	}

	/* @include "FILE" is relative to the config's directory too. */
	config_init(&cfg);
	if (x.dir[0]) {
		char inc[CONF_PATH_MAX];

		snprintf(inc, sizeof(inc), "%.*s", slash == path ? 1 : (int)(slash - path), path);
		config_set_include_dir(&cfg, inc);
	}
	if (!config_read(&cfg, f)) {
		conf_syntax_err(&x, &cfg);
		rc = -1;
	} else {
		rc = conf_parse(&x, &cfg, c);
	}
	config_destroy(&cfg);
	fclose(f);
	if (rc < 0)
		conf_free(c);
	return rc;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; c->groups && i < c->n_groups; i++) {
		for (int k = 0; k < CONF_NOTIFY_COUNT; k++)
			free(c->groups[i].notify[k]);
		free(c->groups[i].check_script);
		free(c->groups[i].fence_command);
		free(c->groups[i].calls_command);
	}
	if (c->groups) {
		explicit_bzero(c->groups, c->n_groups * sizeof(*c->groups));
		free(c->groups);
	}
	memset(c, 0, sizeof(*c));
}

/* A libconfig string literal. */
static void conf_print_str(FILE *f, const char *indent, const char *name, const char *v)
{
	char buf[4 * CONF_PATH_MAX + 4];

	conf_escape(buf, sizeof(buf), v);
	fprintf(f, "%s%s = \"%s\";\n", indent, name, buf);
}

/* A command as a libconfig array of strings; nothing when not set. */
static void conf_print_argv(FILE *f, const char *indent, const char *name, char *const *argv)
{
	char buf[4 * CONF_ARG_LEN + 4];

	if (!argv)
		return;
	fprintf(f, "%s%s = [", indent, name);
	for (size_t i = 0; argv[i]; i++) {
		conf_escape(buf, sizeof(buf), argv[i]);
		fprintf(f, "%s\"%s\"", i ? ", " : " ", buf);
	}
	fprintf(f, " ];\n");
}

static void conf_print_group(const struct conf_group *g, FILE *f)
{
	char mcast[INET6_ADDRSTRLEN];
	const char *in = "\t\t";

	fprintf(f, "\t{\n");
	fprintf(f, "%sid = %u%s;\n", in, g->id, g->id > INT_MAX ? "L" : "");
	conf_print_str(f, in, "interface", g->interface);
	conf_print_str(f, in, "label", g->label);
	fprintf(f, "%svmac = %s;\n", in, g->vmac ? "true" : "false");
	if (g->vmac)
		fprintf(f, "%s# the VIPs live on %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", in,
			g->vmac_ifname, g->vmac_mac[0], g->vmac_mac[1], g->vmac_mac[2],
			g->vmac_mac[3], g->vmac_mac[4], g->vmac_mac[5]);
	fprintf(f, "%spriority = %u;\n", in, g->priority);
	if (g->n_vips == 1) {
		fprintf(f, "%svips = [ \"%s\" ];\n", in, g->vips[0].text);
	} else {
		fprintf(f, "%svips = [\n", in);
		for (size_t i = 0; i < g->n_vips; i++)
			fprintf(f, "%s\t\"%s\"%s\n", in, g->vips[i].text,
				i + 1 < g->n_vips ? "," : "");
		fprintf(f, "%s];\n", in);
	}
	fprintf(f, "%sinterval_ms = %u;\n", in, g->interval_ms);
	fprintf(f, "%smisses = %u;\n", in, g->misses);
	fprintf(f, "%srise = %u;\n", in, g->rise);
	fprintf(f, "%spreempt = %s;\n", in, g->preempt ? "true" : "false");
	fprintf(f, "%spreempt_delay_ms = %u;\n", in, g->preempt_delay_ms);
	conf_print_str(f, in, "sync_group", g->sync_group);
	if (g->sync_group[0] && g->sync_leader == g->id)
		fprintf(f, "%s# this group leads the sync set\n", in);
	else if (g->sync_group[0])
		fprintf(f, "%s# follows group %u, the sync set's leader\n", in, g->sync_leader);
	if (g->mcast_family == AF_INET6)
		inet_ntop(AF_INET6, &g->mcast6, mcast, sizeof(mcast));
	else
		inet_ntop(AF_INET, &g->mcast, mcast, sizeof(mcast));
	fprintf(f, "%smulticast = \"%s\";\n", in, mcast);
	fprintf(f, "%sport = %u;\n", in, g->port);
	conf_print_str(f, in, "key_file", g->key_file);
	if (g->key_file_next[0])
		conf_print_str(f, in, "key_file_next", g->key_file_next);
	fprintf(f, "%s# the key: %zu bytes, not shown\n", in, g->key_len);
	fprintf(f, "%sgarp_count = %u;\n", in, g->garp_count);
	fprintf(f, "%sgarp_interval_ms = %u;\n", in, g->garp_interval_ms);
	fprintf(f, "%sgarp_refresh_ms = %u;\n", in, g->garp_refresh_ms);
	fprintf(f, "%sclaim_probe_ms = %u;\n", in, g->claim_probe_ms);
	fprintf(f, "%sinterface2 = \"%s\";\n", in, g->interface2);
	fprintf(f, "%speers = [", in);
	for (size_t k = 0; k < g->n_peers; k++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(g->peers[k].family, g->peers[k].addr, a, sizeof(a));
		fprintf(f, "%s\"%s\"", k ? ", " : " ", a);
	}
	fprintf(f, "%s];\n", g->n_peers ? " " : "");
	if (g->n_peers)
		fprintf(f, "%speer_hops = %u;\n", in, g->peer_hops);
	fprintf(f, "%supstream = [", in);
	for (size_t k = 0; k < g->n_upstream; k++)
		fprintf(f, "%s\"%s\"", k ? ", " : " ", inet_ntoa(g->upstream[k]));
	fprintf(f, "%s];\n", g->n_upstream ? " " : "");
	fprintf(f, "%supstream_interval_ms = %u;\n", in, g->upstream_interval_ms);
	fprintf(f, "%supstream_timeout_ms = %u;\n", in, g->upstream_timeout_ms);
	fprintf(f, "%supstream_rise = %u;\n", in, g->upstream_rise);
	fprintf(f, "%supstream_fall = %u;\n", in, g->upstream_fall);
	for (int k = 0; k < CONF_NOTIFY_COUNT; k++)
		conf_print_argv(f, in, conf_notify_keys[k], g->notify[k]);
	fprintf(f, "%shook_timeout_ms = %u;\n", in, g->hook_timeout_ms);
	conf_print_argv(f, in, "check_script", g->check_script);
	if (g->check_script) {
		fprintf(f, "%scheck_interval_ms = %u;\n", in, g->check_interval_ms);
		fprintf(f, "%scheck_timeout_ms = %u;\n", in, g->check_timeout_ms);
		fprintf(f, "%scheck_rise = %u;\n", in, g->check_rise);
		fprintf(f, "%scheck_fall = %u;\n", in, g->check_fall);
		fprintf(f, "%scheck_weight = %u;\n", in, g->check_weight);
	}
	if (g->sip_check) {
		fprintf(f, "%ssip_check = \"%s\";\n", in, g->sip_target);
		fprintf(f, "%ssip_check_transport = \"%s\";\n", in, g->sip_tcp ? "tcp" : "udp");
		fprintf(f, "%ssip_check_interval_ms = %u;\n", in, g->sip_interval_ms);
		fprintf(f, "%ssip_check_timeout_ms = %u;\n", in, g->sip_timeout_ms);
		fprintf(f, "%ssip_check_rise = %u;\n", in, g->sip_rise);
		fprintf(f, "%ssip_check_fall = %u;\n", in, g->sip_fall);
		fprintf(f, "%ssip_check_weight = %u;\n", in, g->sip_weight);
		if (g->n_sip_codes) {
			fprintf(f, "%ssip_check_codes = [", in);
			for (size_t k = 0; k < g->n_sip_codes; k++)
				fprintf(f, "%s%u", k ? ", " : " ", g->sip_codes[k]);
			fprintf(f, " ];\n");
		}
	}
	conf_print_argv(f, in, "fence_command", g->fence_command);
	if (g->fence_command)
		fprintf(f, "%sfence_timeout_ms = %u;\n", in, g->fence_timeout_ms);
	conf_print_argv(f, in, "calls_command", g->calls_command);
	if (g->calls_command) {
		fprintf(f, "%scalls_interval_ms = %u;\n", in, g->calls_interval_ms);
		fprintf(f, "%scalls_timeout_ms = %u;\n", in, g->calls_timeout_ms);
	}
	fprintf(f, "\t}");
}

void conf_print(const struct conf *c, FILE *f)
{
	fprintf(f, "node: {\n");
	conf_print_str(f, "\t", "name", c->node_name);
	if (c->interface[0])
		conf_print_str(f, "\t", "interface", c->interface);
	fprintf(f, "\tpriority = %u;\n", c->priority);
	fprintf(f, "};\n");
	conf_print_str(f, "", "control_socket", c->control_socket);
	conf_print_str(f, "", "control_group", c->control_group);
	conf_print_str(f, "", "state_dir", c->state_dir);
	if (c->metrics_file[0]) {
		conf_print_str(f, "", "metrics_file", c->metrics_file);
		fprintf(f, "metrics_interval_ms = %u;\n", c->metrics_interval_ms);
	}
	fprintf(f, "groups: (\n");
	for (size_t i = 0; i < c->n_groups; i++) {
		conf_print_group(&c->groups[i], f);
		fprintf(f, "%s\n", i + 1 < c->n_groups ? "," : "");
	}
	fprintf(f, ");\n");
}
