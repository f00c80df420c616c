/*
 * conf_parse.c - the configuration file: libconfig text -> validated struct
 * conf, with the system's look-ups asked of struct conf_sys.
 *
 * Every value the daemon takes from the file is checked here, once, so the
 * rest of vipd can trust struct conf: ranges, address syntax, duplicates,
 * that interfaces exist, that key files are private and long enough. Unknown
 * keys are errors at every level: a typo must not silently become a default.
 *
 * The first problem found ends the load with one line in the caller's buffer,
 * "FILE:LINE: KEY: what is wrong", KEY being the setting's path such as
 * "groups[1].vips[0]". Nothing here logs or exits, and nothing but the
 * given file (and what it includes) is read; conf_parse_file() either
 * fills the whole struct conf or leaves it empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "conf_parse.h"

static const char *const conf_root_keys[] = {
	"node",	     "groups",	     "control_socket",	    "control_group",
	"state_dir", "metrics_file", "metrics_interval_ms", NULL,
};

static const char *const conf_node_keys[] = {
	"name",
	"interface",
	"priority",
	NULL,
};

static const char *const conf_group_keys[] = {
	"id",
	"interface",
	"label",
	"priority",
	"vips",
	"interval_ms",
	"misses",
	"rise",
	"preempt",
	"preempt_delay_ms",
	"multicast",
	"port",
	"key_file",
	"key_file_next",
	"sync_group",
	"vmac",
	"garp_count",
	"garp_interval_ms",
	"garp_refresh_ms",
	"claim_probe_ms",
	"upstream",
	"peers",
	"peer_hops",
	"interface2",
	"upstream_interval_ms",
	"upstream_timeout_ms",
	"upstream_rise",
	"upstream_fall",
	"notify_master",
	"notify_backup",
	"notify_fault",
	"notify_stop",
	"notify_master_again",
	"notify",
	"hook_timeout_ms",
	"check_script",
	"check_interval_ms",
	"check_timeout_ms",
	"check_rise",
	"check_fall",
	"check_weight",
	"sip_check",
	"sip_check_transport",
	"sip_check_interval_ms",
	"sip_check_timeout_ms",
	"sip_check_rise",
	"sip_check_fall",
	"sip_check_weight",
	"sip_check_codes",
	"fence_command",
	"fence_timeout_ms",
	"calls_command",
	"calls_interval_ms",
	"calls_timeout_ms",
	NULL,
};

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
		if (strlen(v) >= sizeof(c->control_group))
			return conf_err(x, s, "control_group", "name is longer than %zu characters",
					sizeof(c->control_group) - 1);
		if (x->sys->gid(v, &c->control_gid) < 0)
			return conf_err(x, s, "control_group", "no such group \"%s\"", v);
		snprintf(c->control_group, sizeof(c->control_group), "%s", v);
	}

	snprintf(c->state_dir, sizeof(c->state_dir), "%s", VIPD_STATE_DIR);
	rc = conf_str(x, root, "", "state_dir", &v, &s);
	if (rc < 0 ||
	    (rc == 1 && conf_abspath(x, s, "state_dir", v, c->state_dir, sizeof(c->state_dir)) < 0))
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
		idx = (long)x->sys->ifindex(v);
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
		return conf_err(x, s, key,
				"interface name \"%s\" leaves no room for a label, "
				"use label = \"\"",
				g->interface);
	ok = strncmp(v, g->interface, ifl) == 0 && v[ifl] == ':' && strlen(v + ifl + 1) >= 1 &&
	     strlen(v + ifl + 1) <= room;
	for (const char *p = v; ok && *p; p++)
		ok = *p > ' ' && *p <= '~';
	if (!ok)
		return conf_err(x, s, key,
				"%s must be \"%s:\" followed by 1..%zu printable "
				"characters, or \"\" for no label",
				conf_quote(q, sizeof(q), v), g->interface, room);
	snprintf(g->label, sizeof(g->label), "%s", v);
	return 0;
}

/*
 * The HMAC key in @file into @out (VIPD_KEY_MAX bytes) and @out_len: the
 * file's content minus one trailing newline ("\n" or "\r\n"). The system
 * reads it (struct conf_sys: a private regular file, trusted); its length
 * is checked here.
 */
static int conf_read_key(const struct conf_ctx *x, const config_setting_t *s, const char *key,
			 const char *file, uint8_t *out, size_t *out_len)
{
	uint8_t buf[VIPD_KEY_MAX + 3];
	char path[CONF_QUOTE_LEN], why[512];
	long got;
	size_t n;
	int rc = -1;

	conf_escape(path, sizeof(path), file);
	got = x->sys->read_key(file, buf, sizeof(buf), why, sizeof(why));
	if (got < 0)
		return conf_err(x, s, key, "%s", why);
	n = (size_t)got;
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
	explicit_bzero(buf, sizeof(buf));
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
	if (proto_key_init(&g->hkey, g->key, g->key_len) != PROTO_OK)
		return conf_err(x, s, key, "cannot set up the HMAC with this key");
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
	if (proto_key_init(&g->hkey_next, g->key_next, g->key_next_len) != PROTO_OK)
		return conf_err(x, s, key, "cannot set up the HMAC with this key");
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
			return conf_err(
				x, s, key, "duplicate group id %u (first at line %u)", g->id,
				config_setting_source_line(config_setting_get_member(o, "id")));
	}

	if (conf_parse_ifname(x, node, gs, gp, c, g) < 0 ||
	    conf_int(x, gs, gp, "priority", 1, 255, &prio) < 0)
		return -1;
	g->priority = (uint8_t)prio;

	if (conf_net_parse(x, groups, gs, gp, c, gi) < 0 || conf_parse_key(x, gs, gp, g) < 0 ||
	    conf_net_sync_vmac(x, gs, gp, g) < 0 || conf_cmd_hooks(x, gs, gp, g) < 0 ||
	    conf_cmd_telephony(x, gs, gp, g) < 0)
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
	return conf_net_link(x, groups, c);
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

int conf_parse_file(const char *path, FILE *f, const struct conf_sys *sys, struct conf *c,
		    char *err, size_t err_len)
{
	struct conf_ctx x = { .path = path, .err = err, .err_len = err_len, .c = c, .sys = sys };
	const char *slash = strrchr(path, '/');
	config_t cfg;
	int rc;

	memset(c, 0, sizeof(*c));
	if (err && err_len)
		err[0] = '\0';
	if (strlen(path) >= sizeof(c->path))
		return conf_err(&x, NULL, NULL, "path is longer than %zu bytes",
				sizeof(c->path) - 1);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (slash)
		snprintf(x.dir, sizeof(x.dir), "%.*s", (int)(slash - path + 1), path);

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
	if (rc < 0)
		conf_free(c);
	return rc;
}
