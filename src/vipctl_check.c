/*
 * vipctl_check.c - `vipctl check`, a monitoring plugin in the convention of
 * Nagios, Icinga, Zabbix and friends: one line of text, performance data
 * after a '|', and the exit status as the verdict. It asks the daemon for
 * status and judges every group (or the one named) from the reply.
 * What each level means for a two-node pair is in vipctl(8), CHECK.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "vipctl.h"

enum check_level {
	CHECK_OK = 0,	    /* redundant: one holder, with its VIPs, and a fit peer */
	CHECK_WARNING = 1,  /* served, but not redundant or not as configured */
	CHECK_CRITICAL = 2, /* not served, served twice, or this node is broken */
	CHECK_UNKNOWN = 3,  /* no verdict: vipd unreachable, refused, bad usage */
};

static const char *const check_word[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* check [group]: the group asked for, -1 for all. */
static int64_t check_group = -1;

int vipctl_check_parse(int argc, char **argv, struct json_object *args)
{
	uint64_t id;

	(void)args;
	if (argc > 2)
		return vipctl_usage_error("%s: expected at most a group", argv[0]);
	if (argc == 2) {
		if (!vipctl_parse_uint(argv[1], 1, UINT32_MAX, &id))
			return vipctl_usage_error("bad group \"%s\": a group id is 1..4294967295",
						  argv[1]);
		check_group = (int64_t)id;
	}
	return 0;
}

/* A group's problems, worst level first, as text. */
struct check_note {
	enum check_level level;
	char text[512];
	size_t len;
};

static void note(struct check_note *n, enum check_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct check_note *n, enum check_level level, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (level > n->level)
		n->level = level;
	if (n->len + 3 >= sizeof(n->text))
		return;
	n->len += (size_t)snprintf(n->text + n->len, sizeof(n->text) - n->len, ", ");
	va_start(ap, fmt);
	w = vsnprintf(n->text + n->len, sizeof(n->text) - n->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		n->len += (size_t)w < sizeof(n->text) - n->len ? (size_t)w
							       : sizeof(n->text) - n->len - 1;
}

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* The VIPs of a master that are not on this node. */
static void check_vips(struct json_object *g, struct check_note *n)
{
	struct json_object *vips = jget(g, "vips", json_type_array);

	for (size_t i = 0; vips && i < json_object_array_length(vips); i++) {
		struct json_object *v = json_object_array_get_idx(vips, i);

		if (!jbool(v, "present", false))
			note(n, CHECK_CRITICAL, "MASTER without VIP %s", jstr(v, "address"));
	}
}

/* Redundancy: the peer, the paths to it, the check script, upstream, the sync set. */
static void check_peer(struct json_object *g, struct check_note *n)
{
	struct json_object *p = jget(g, "peer", json_type_object);
	struct json_object *paths = jget(g, "paths", json_type_array);
	struct json_object *c = jget(g, "checks", json_type_object);
	struct json_object *sc = c ? jget(c, "script", json_type_object) : NULL;
	struct json_object *up = jget(g, "upstream", json_type_object);
	struct json_object *targets = up ? jget(up, "targets", json_type_array) : NULL;
	struct json_object *sy = jget(g, "sync", json_type_object);

	if (!p)
		note(n, CHECK_WARNING, "peer never heard");
	else if (!jbool(p, "alive", false))
		note(n, CHECK_WARNING, "peer %s DEAD", jstr(p, "name"));
	else if (is(jstr(p, "state"), "FAULT") || is(jstr(p, "state"), "STOPPING") ||
		 is(jstr(p, "state"), "INIT"))
		note(n, CHECK_WARNING, "peer %s %s", jstr(p, "name"), jstr(p, "state"));
	else if (jbool(p, "standby", false))
		note(n, CHECK_WARNING, "peer %s in standby", jstr(p, "name"));
	else
		note(n, CHECK_OK, "peer %s %s", jstr(p, "name"), jstr(p, "state"));
	if (p && jbool(p, "alive", false) && !jbool(p, "hears_us", true))
		note(n, CHECK_WARNING, "peer does not hear us");
	for (size_t i = 0;
	     paths && json_object_array_length(paths) > 1 && i < json_object_array_length(paths);
	     i++) {
		struct json_object *pa = json_object_array_get_idx(paths, i);

		if (!jbool(pa, "alive", false))
			note(n, CHECK_WARNING, "path %s SILENT", jstr(pa, "interface"));
	}
	if (sc && jbool(sc, "known", false) && !jbool(sc, "ok", false))
		note(n, CHECK_WARNING, "check script FAILING");
	if (targets && json_object_array_length(targets) && !jbool(up, "reachable", true))
		note(n, CHECK_WARNING, "upstream unreachable");
	if (sy && jbool(sy, "blocked", false))
		note(n, CHECK_WARNING, "sync set blocked");
	if (p && jget(p, "settings_mismatch", json_type_array) &&
	    json_object_array_length(jget(p, "settings_mismatch", json_type_array)) > 0)
		note(n, CHECK_WARNING, "peer's settings differ");
	if (jbool(g, "name_conflict", false))
		note(n, CHECK_WARNING, "another node uses this node's name");
}

/* The verdict on one group, its text after "group ID ". */
static void check_one(struct json_object *g, struct check_note *n)
{
	struct json_object *p = jget(g, "peer", json_type_object);
	const char *st = jstr(g, "state"), *reason = jstr(g, "reason");
	bool master = is(st, "MASTER");
	bool peer_master = p && jbool(p, "alive", false) && is(jstr(p, "state"), "MASTER");

	n->len = (size_t)snprintf(n->text, sizeof(n->text), "%s", st);
	if (is(st, "FAULT"))
		note(n, CHECK_CRITICAL, "%s", reason);
	else if (is(st, "INIT"))
		note(n, CHECK_WARNING, "starting");
	else if (is(st, "STOPPING") || is(st, "STOPPED"))
		note(n, CHECK_WARNING, "stopping");
	if (master)
		check_vips(g, n);
	if (master && peer_master)
		note(n, CHECK_CRITICAL, "both nodes MASTER");
	else if (is(st, "BACKUP") && !peer_master)
		note(n, CHECK_CRITICAL, "no node holds the VIPs");
	if (jbool(g, "standby", false))
		note(n, CHECK_WARNING, "in standby");
	check_peer(g, n);
}

/* Performance data of one group: label=value[unit];warn;crit;min;max. */
static void check_perf(struct json_object *g, FILE *f)
{
	struct json_object *p = jget(g, "peer", json_type_object), *loss;
	struct json_object *c = jget(g, "counters", json_type_object);
	struct json_object *rej = c ? jget(c, "rejected", json_type_object) : NULL;
	int64_t id = 0, v = 0, rejected = 0;

	jint(g, "id", &id);
	fprintf(f, " 'g%" PRId64 "_master'=%d;;;0;1", id, is(jstr(g, "state"), "MASTER"));
	fprintf(f, " 'g%" PRId64 "_peer_alive'=%d;;;0;1", id, p && jbool(p, "alive", false));
	if (p && jint(p, "last_heard_ms_ago", &v))
		fprintf(f, " 'g%" PRId64 "_peer_heard'=%.3fs;;;0", id, (double)v / 1000.0);
	loss = p ? jget(p, "loss_pct", json_type_double) : NULL;
	if (p && !loss)
		loss = jget(p, "loss_pct", json_type_int);
	if (loss)
		fprintf(f, " 'g%" PRId64 "_peer_loss'=%.1f%%;;;0;100", id,
			json_object_get_double(loss));
	if (jint(g, "since_ms_ago", &v))
		fprintf(f, " 'g%" PRId64 "_in_state'=%.3fs;;;0", id, (double)v / 1000.0);
	if (c && jint(c, "transitions", &v))
		fprintf(f, " 'g%" PRId64 "_transitions'=%" PRId64 "c;;;0", id, v);
	if (c && jint(c, "tx", &v))
		fprintf(f, " 'g%" PRId64 "_tx'=%" PRId64 "c;;;0", id, v);
	if (c && jint(c, "rx", &v))
		fprintf(f, " 'g%" PRId64 "_rx'=%" PRId64 "c;;;0", id, v);
	if (rej) {
		json_object_object_foreach(rej, key, val)
		{
			(void)key;
			if (json_object_is_type(val, json_type_int))
				rejected += json_object_get_int64(val);
		}
		fprintf(f, " 'g%" PRId64 "_rejected'=%" PRId64 "c;;;0", id, rejected);
	}
}

/*
 * Judge every group (or only check_group) and print the plugin line to
 * @out; returns the worst level, CHECK_UNKNOWN when no group matched.
 */
static int check_level(struct json_object *data, FILE *out)
{
	struct json_object *groups = jget(data, "groups", json_type_array);
	size_t n = groups ? json_object_array_length(groups) : 0, seen = 0;
	enum check_level worst = CHECK_OK;
	char *text = NULL, *perf = NULL;
	size_t text_len = 0, perf_len = 0;
	FILE *t = open_memstream(&text, &text_len), *pf = open_memstream(&perf, &perf_len);

	if (!t || !pf) {
		fprintf(out, "VIPD UNKNOWN - out of memory\n");
		return CHECK_UNKNOWN;
	}
	if (jget(data, "reload_error", json_type_string) && jstr(data, "reload_error")[0]) {
		worst = CHECK_WARNING;
		fprintf(t, "; last reload failed");
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		struct check_note nt = { .level = CHECK_OK };
		int64_t id = 0;

		if (!jint(g, "id", &id) || (check_group >= 0 && id != check_group))
			continue;
		seen++;
		check_one(g, &nt);
		if (nt.level > worst)
			worst = nt.level;
		fprintf(t, "; group %" PRId64 " %s", id, nt.text);
		check_perf(g, pf);
	}
	fclose(t);
	fclose(pf);
	if (!seen) {
		free(text);
		free(perf);
		if (check_group >= 0)
			fprintf(out, "VIPD UNKNOWN - no group %" PRId64 " on node %s\n",
				check_group, jstr(data, "node"));
		else
			fprintf(out, "VIPD UNKNOWN - node %s runs no group\n", jstr(data, "node"));
		return CHECK_UNKNOWN;
	}
	/* "; " before the first entry: dropped, and the node names the line. */
	fprintf(out, "VIPD %s - node %s: %s |%s\n", check_word[worst], jstr(data, "node"),
		text[0] ? text + 2 : "", perf);
	free(text);
	free(perf);
	return (int)worst;
}

int vipctl_check_print(struct json_object *data)
{
	return check_level(data, stdout);
}

/* With -j: the status JSON is printed; the exit status is still the verdict. */
int vipctl_check_exit(struct json_object *data)
{
	FILE *devnull = fopen("/dev/null", "w");
	int rc;

	if (!devnull)
		return CHECK_UNKNOWN;
	rc = check_level(data, devnull);
	fclose(devnull);
	return rc;
}

int vipctl_check_unknown(const char *why)
{
	printf("VIPD UNKNOWN - %s\n", why);
	return CHECK_UNKNOWN;
}
