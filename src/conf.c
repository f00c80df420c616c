/*
 * conf.c - what every part of the config parser uses: one-line messages
 * that name the file, line and setting, typed access to members, unknown
 * keys with "did you mean", and conf_free(). Pure: no look-ups, no I/O.
 *
 * The parse is spread by job: conf_parse.c (the file, node, paths, each
 * group's frame and key), conf_net.c (addresses, heartbeat transport),
 * conf_cmd.c (commands, telephony checks); conf_sys.c opens the file and
 * answers the system look-ups; conf_print.c prints the result.
 *
 * libconfig 1.5 quirk: a decimal integer above 2147483647 without an "L"
 * suffix silently wraps to a 32-bit int. Only group ids can be that large;
 * the range error for them says to add the suffix, and conf_print() writes it.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf_parse.h"

const char *const conf_kind_name[] = {
	[CONF_INT] = "an integer",
	[CONF_BOOL] = "true or false",
	[CONF_STRING] = "a string",
	[CONF_GROUP] = "a group { ... }",
	[CONF_LIST] = "a list ( { ... }, ... )",
	[CONF_STRINGS] = "a list [ \"...\", ... ] of strings",
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
void conf_escape(char *buf, size_t len, const char *s)
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
const char *conf_quote(char *buf, size_t len, const char *s)
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
const char *conf_file(const struct conf_ctx *x, const char *file, char *buf, size_t len)
{
	if (!file)
		return x->path;
	if (file[0] == '/' || !x->dir[0] || snprintf(buf, len, "%s%s", x->dir, file) < 0)
		return file;
	return buf;
}

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

int conf_err(const struct conf_ctx *x, const config_setting_t *s, const char *key, const char *fmt,
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
void conf_warn(const struct conf_ctx *x, const config_setting_t *s, const char *key,
	       const char *fmt, ...)
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
void conf_key(char *buf, size_t len, const char *ppath, const char *name)
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
int conf_member(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
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
int conf_required(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
		  const char *name, enum conf_kind kind, const config_setting_t **out,
		  char key[CONF_KEY_LEN])
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
int conf_int(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
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
int conf_str(const struct conf_ctx *x, const config_setting_t *parent, const char *ppath,
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
int conf_check_keys(const struct conf_ctx *x, const config_setting_t *s, const char *ppath,
		    const char *const *known)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m), *near = NULL;
		size_t best = 3; /* suggest only within 2 edits */
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
 * An interface name into @name; returns its index now, or 0 when there is
 * none of that name (yet): a warning, not an error, since VLANs, bonds and
 * bridges come and go and vipd follows them by name (the group is FAULT
 * while it is missing). -1 for a name that cannot be one.
 */
long conf_interface(const struct conf_ctx *x, const config_setting_t *s, const char *key,
		    const char *v, char *name)
{
	char q[CONF_QUOTE_LEN];
	unsigned idx;

	if (v[0] == '\0' || strlen(v) >= IF_NAMESIZE)
		return conf_err(x, s, key, "%s is not an interface name (1..%d characters)",
				conf_quote(q, sizeof(q), v), IF_NAMESIZE - 1);
	idx = x->sys->ifindex(v);
	if (idx == 0)
		conf_warn(x, s, key,
			  "no such interface %s now; its groups stay FAULT until it "
			  "appears",
			  conf_quote(q, sizeof(q), v));
	snprintf(name, IF_NAMESIZE, "%s", v);
	return (long)idx;
}

/* Read @n into its field, the default when absent: 1 if set, 0 if not, -1 on error. */
int conf_num(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
	     const struct conf_num *n)
{
	long long v = n->def;
	int rc = conf_int(x, gs, gp, n->name, n->min, n->max, &v);

	if (rc >= 0)
		*n->field = (uint32_t)v;
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
