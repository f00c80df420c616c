/*
 * conf_cmd.c - the programs a group runs and the checks of a telephony
 * server: notify_* hooks, check_script, the built-in SIP OPTIONS check,
 * fence_command and calls_command, each with its numbers. Whether a
 * program may run as root is asked of struct conf_sys; the rest is pure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_parse.h"

/*
 * A command @name: 1..CONF_ARGV_MAX strings, the argv of a program run
 * without a shell, so there is nothing to quote. argv[0] must be an
 * absolute path to an executable regular file that trust.c trusts
 * (conf_sys.c checks that): vipd runs it as root (exec.c checks it again, on the descriptor it
 * executes, each time it runs). On success *@out is a NULL-terminated vector in one allocation.
 * Returns 1, 0 (absent, *@out untouched) or -1.
 */
static int conf_cmd_argv(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			 const char *name, char ***out)
{
	const config_setting_t *list = NULL, *s0;
	char key[CONF_KEY_LEN], ekey[CONF_KEY_LEN + 16], q[CONF_QUOTE_LEN], why[512];
	size_t bytes = 0;
	const char *v0;
	char **v, *p;
	int n, rc = conf_member(x, gs, gp, name, CONF_STRINGS, &list, key);

	if (rc <= 0)
		return rc;
	n = config_setting_length(list);
	if (n < 1 || n > CONF_ARGV_MAX)
		return conf_err(x, list, key,
				"%d strings, 1..%d allowed (the program and its "
				"arguments)",
				n, CONF_ARGV_MAX);
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
	if (x->sys->check_exec(v0, why, sizeof(why)) < 0)
		return conf_err(x, s0, ekey, "%s", why);
	v = malloc((size_t)(n + 1) * sizeof(char *) + bytes);
	if (!v)
		return conf_err(x, list, key, "%s", strerror(errno));
	p = (char *)&v[n + 1];
	for (int j = 0; j < n; j++) {
		const char *a =
			config_setting_get_string(config_setting_get_elem(list, (unsigned)j));

		v[j] = memcpy(p, a, strlen(a) + 1);
		p += strlen(a) + 1;
	}
	v[n] = NULL;
	*out = v;
	return 1;
}

/* Hooks (notify_*) and the check script with their numbers. */
int conf_cmd_hooks(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		   struct conf_group *g)
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
		if (conf_cmd_argv(x, gs, gp, conf_notify_keys[k], &g->notify[k]) < 0)
			return -1;
	if (conf_cmd_argv(x, gs, gp, "check_script", &g->check_script) < 0)
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
static int conf_cmd_sip_target(const struct conf_ctx *x, const config_setting_t *s, const char *key,
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
	snprintf(g->sip_target, sizeof(g->sip_target),
		 g->sip_family == AF_INET6 ? "[%s]:%ld" : "%s:%ld", host, p);
	return 1;
}

/* sip_check_transport and sip_check_codes, which mean nothing without sip_check. */
static int conf_cmd_sip_more(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
			     struct conf_group *g)
{
	const config_setting_t *s = NULL, *codes;
	char key[CONF_KEY_LEN], q[CONF_QUOTE_LEN];
	const char *v;
	int rc;

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
		return conf_err(x, codes, key,
				"expected an array [ 200, 404, ... ] of response codes");
	if (codes &&
	    (config_setting_length(codes) < 1 || config_setting_length(codes) > CONF_SIP_CODES_MAX))
		return conf_err(x, codes, key, "1..%d codes allowed", CONF_SIP_CODES_MAX);
	for (int i = 0; codes && i < config_setting_length(codes); i++) {
		const config_setting_t *e = config_setting_get_elem(codes, (unsigned)i);
		long long c =
			config_setting_type(e) == CONFIG_TYPE_INT ? config_setting_get_int(e) : -1;

		if (c < 200 || c > 699)
			return conf_err(x, e, key, "%lld is not a final response code (200..699)",
					c);
		g->sip_codes[g->n_sip_codes++] = (uint16_t)c;
	}
	return 0;
}

/* The SIP check, fence_command and calls_command with their numbers. */
int conf_cmd_telephony(const struct conf_ctx *x, const config_setting_t *gs, const char *gp,
		       struct conf_group *g)
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
	const config_setting_t *s = config_setting_get_member(gs, "sip_check");
	char key[CONF_KEY_LEN];
	int rc;

	conf_key(key, sizeof(key), gp, "sip_check");
	if (s && conf_cmd_sip_target(x, s, key, g) < 0)
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
		return conf_err(x, s ? s : gs, key,
				"%u must be less than sip_check_interval_ms (%u)",
				g->sip_timeout_ms, g->sip_interval_ms);
	}
	if (conf_cmd_sip_more(x, gs, gp, g) < 0)
		return -1;
	if (conf_cmd_argv(x, gs, gp, "fence_command", &g->fence_command) < 0 ||
	    conf_cmd_argv(x, gs, gp, "calls_command", &g->calls_command) < 0)
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
