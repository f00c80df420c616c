/*
 * vipctl.c - the admin's tool: send one command to vipd over its control
 * socket and print the reply, for a human or (-j) as JSON for scripts.
 *
 * One connection, one request, one reply. The exit code tells scripts what
 * happened without parsing: see enum vipctl_exit and vipctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctlmsg.h"
#include "vipd.h"

enum vipctl_exit {
	VIPCTL_OK = 0,		/* done; for status: every group is redundant */
	VIPCTL_FAILED = 1,	/* status degraded, or the daemon refused or failed */
	VIPCTL_USAGE = 2,	/* bad command line */
	VIPCTL_UNREACHABLE = 3, /* no answer from the daemon */
	VIPCTL_BUSY = 4,	/* the daemon answered "busy": too many connections; try again */
};

#define VIPCTL_TIMEOUT_S	5	/* s per send and per receive on the socket */
#define VIPCTL_DEF_EVENTS	20	/* events shown by default */

struct vipctl_cmd {
	const char *name;
	/* Fill the request's args from the command's own arguments; -1 on a usage error. */
	int (*parse)(int argc, char **argv, struct json_object *args);
	/* Print the reply's data for a human; returns the exit code. */
	int (*print)(struct json_object *data);
	/* The exit code of a successful reply printed with -j; NULL: VIPCTL_OK. */
	int (*json_exit)(struct json_object *data);
	/* The daemon command to send; NULL: the same as name. */
	const char *wire;
	/*
	 * A monitoring plugin (check): a usage error, an unreachable daemon or
	 * a refusal exits CHECK_UNKNOWN with one "VIPD UNKNOWN - ..." line on stdout.
	 */
	bool plugin;
};

/* A reply may be up to CTLMSG_MAX (1 MiB): static rather than on the stack. */
static struct ctlmsg_rx vipctl_rx;
static char vipctl_rx_buf[CTLMSG_MAX + 1];

static const char usage_line[] = "usage: vipctl [-s socket] [-j | --json] [-h] [-V] command [args]";

static void usage(FILE *f)
{
	fprintf(f, "%s\n", usage_line);
	if (f != stdout)
		return;
	printf("\n"
	       "commands:\n"
	       "  status                            who is master, since when, why; the peer\n"
	       "  switchover [group] [--force]      hand the VIPs to the peer (root)\n"
	       "    [--when-idle [--max-wait D] [--then switch|cancel]]  ... once no call is up\n"
	       "  switchover [group] --cancel       stop waiting for the calls to end (root)\n"
	       "  standby on|off [group] [--force]  maintenance: never hold the VIPs (root)\n"
	       "    [--when-idle [--max-wait D] [--then switch|cancel]]  (on) ... once no call is up\n"
	       "  reload                            re-read vipd.conf, apply the changes (root)\n"
	       "  events [n] [-f | --follow]        the last n state changes (default %d);\n"
	       "                                    --follow: then new ones as they happen\n"
	       "  metrics                           counters in Prometheus text format\n"
	       "  check [group]                     Nagios/Icinga plugin: one line, perfdata,\n"
	       "                                    exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
	       "  version                           vipctl's and vipd's versions\n"
	       "\n"
	       "options:\n"
	       "  -s, --socket socket  control socket (default %s)\n"
	       "  -j, --json           print the reply's data as JSON\n"
	       "  -h, --help           this help\n"
	       "  -V, --version        print vipctl's version and exit\n"
	       "\n"
	       "exit: 0 ok, 1 degraded or refused, 2 usage, 3 vipd unreachable, 4 vipd busy\n",
	       VIPCTL_DEF_EVENTS, VIPD_CONTROL_SOCKET);
}

/* Print "vipctl: " + the message and the usage line to stderr; returns -1. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vipctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", usage_line);
	return -1;
}

/* ---- arguments -------------------------------------------------------- */

/* Decimal @s in @min..@max, nothing else (no sign, no spaces). */
static bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out >= min && *out <= max;
}

static int parse_group(const char *s, struct json_object *args)
{
	uint64_t id;

	if (!parse_uint(s, 1, UINT32_MAX, &id))
		return usage_error("bad group \"%s\": a group id is 1..4294967295", s);
	json_object_object_add(args, "group", json_object_new_int64((int64_t)id));
	return 0;
}

static int parse_none(int argc, char **argv, struct json_object *args)
{
	(void)args;
	if (argc > 1)
		return usage_error("%s takes no arguments", argv[0]);
	return 0;
}

/* [group] [--force] in either order, from argv[@first] on; "force" is always sent. */
static int parse_group_force(int argc, char **argv, int first, struct json_object *args)
{
	bool force = false, group = false;
	int i;

	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 && !force) {
			force = true;
		} else if (argv[i][0] == '-' || group) {
			return usage_error("%s: unexpected \"%s\"", argv[0], argv[i]);
		} else {
			if (parse_group(argv[i], args) < 0)
				return -1;
			group = true;
		}
	}
	json_object_object_add(args, "force", json_object_new_boolean(force));
	return 0;
}

/* A duration: "90" (seconds), "500ms", "30s", "10m", "2h" into ms. */
static bool parse_duration_ms(const char *s, uint64_t *ms)
{
	char *end;
	unsigned long long v;
	uint64_t unit = 1000;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0 || end[0] == '\0')
		unit = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else
		return false;
	if (v > UINT32_MAX / unit)
		return false;
	*ms = v * unit;
	return true;
}

/*
 * [group] [--force] [--when-idle [--max-wait DURATION] [--then switch|cancel]]
 * and, with @cancel_ok, [--cancel] alone; from argv[@first] on.
 */
static int parse_handover(int argc, char **argv, int first, struct json_object *args,
			  bool cancel_ok)
{
	bool idle = false, cancel = false, wait = false, then = false;
	int i, n = 0;
	char *rest[8];
	uint64_t ms;

	rest[n++] = argv[0];
	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--when-idle") == 0 && !idle) {
			idle = true;
		} else if (strcmp(argv[i], "--cancel") == 0 && cancel_ok && !cancel) {
			cancel = true;
		} else if (strcmp(argv[i], "--max-wait") == 0 && !wait) {
			if (++i >= argc || !parse_duration_ms(argv[i], &ms))
				return usage_error("%s: --max-wait needs a duration (90, 30s, 10m, "
						   "1h, 500ms)", argv[0]);
			json_object_object_add(args, "max_wait_ms", json_object_new_int64((int64_t)ms));
			wait = true;
		} else if (strcmp(argv[i], "--then") == 0 && !then) {
			if (++i >= argc || (strcmp(argv[i], "switch") != 0 &&
					    strcmp(argv[i], "cancel") != 0))
				return usage_error("%s: --then needs switch or cancel", argv[0]);
			json_object_object_add(args, "then", json_object_new_string(argv[i]));
			then = true;
		} else if (n < (int)(sizeof(rest) / sizeof(rest[0]))) {
			rest[n++] = argv[i];
		} else {
			return usage_error("%s: unexpected \"%s\"", argv[0], argv[i]);
		}
	}
	if ((wait || then) && !idle)
		return usage_error("%s: --max-wait and --then need --when-idle", argv[0]);
	if (cancel && (idle || n > 2 || (n == 2 && rest[1][0] == '-')))
		return usage_error("%s: --cancel takes only a group", argv[0]);
	if (idle)
		json_object_object_add(args, "when_idle", json_object_new_boolean(true));
	if (cancel)
		json_object_object_add(args, "cancel", json_object_new_boolean(true));
	return parse_group_force(n, rest, 1, args);
}

/* switchover [group] [--force] [--when-idle ...] | switchover [group] --cancel */
static int parse_switchover(int argc, char **argv, struct json_object *args)
{
	return parse_handover(argc, argv, 1, args, true);
}

/* standby on|off [group] [--force] */
static int parse_standby(int argc, char **argv, struct json_object *args)
{
	bool on;

	if (argc < 2)
		return usage_error("%s: expected on or off", argv[0]);
	if (strcmp(argv[1], "on") == 0)
		on = true;
	else if (strcmp(argv[1], "off") == 0)
		on = false;
	else
		return usage_error("standby: \"%s\" is neither on nor off", argv[1]);
	json_object_object_add(args, "on", json_object_new_boolean(on));
	if (!on) {
		for (int i = 2; i < argc; i++)
			if (strncmp(argv[i], "--when-idle", 11) == 0 || strcmp(argv[i], "--max-wait") == 0 ||
			    strcmp(argv[i], "--then") == 0)
				return usage_error("standby off: %s is for standby on", argv[i]);
	}
	return parse_handover(argc, argv, 2, args, false);
}

/* events --follow: poll for new events until interrupted. */
static bool events_follow;

/* events [n] [-f | --follow], in either order */
static int parse_events(int argc, char **argv, struct json_object *args)
{
	uint64_t n = VIPCTL_DEF_EVENTS;
	bool count = false;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) &&
		    !events_follow)
			events_follow = true;
		else if (argv[i][0] == '-' || count)
			return usage_error("%s: unexpected \"%s\"", argv[0], argv[i]);
		else if (!parse_uint(argv[i], 1, INT32_MAX, &n))
			return usage_error("events: bad count \"%s\"", argv[i]);
		else
			count = true;
	}
	json_object_object_add(args, "count", json_object_new_int64((int64_t)n));
	return 0;
}

/* check [group]: the group is kept here; the daemon is asked for the whole status. */
static int64_t check_group = -1;

static int parse_check(int argc, char **argv, struct json_object *args)
{
	uint64_t id;

	(void)args;
	if (argc > 2)
		return usage_error("%s: expected at most a group", argv[0]);
	if (argc == 2) {
		if (!parse_uint(argv[1], 1, UINT32_MAX, &id))
			return usage_error("bad group \"%s\": a group id is 1..4294967295",
					   argv[1]);
		check_group = (int64_t)id;
	}
	return 0;
}

/* ---- reading the reply -------------------------------------------------- */

static struct json_object *jget(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : "?";
}

static bool jint(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v = jget(o, key, json_type_int);

	if (v)
		*out = json_object_get_int64(v);
	return v != NULL;
}

static bool jbool(struct json_object *o, const char *key, bool def)
{
	struct json_object *v = jget(o, key, json_type_boolean);

	return v ? json_object_get_boolean(v) : def;
}

/* An integer member as text, "?" if missing. */
static const char *jint_text(struct json_object *o, const char *key, char *buf, size_t len)
{
	int64_t v;

	if (!jint(o, key, &v))
		return "?";
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

/* A duration in ms for humans: "40 ms", "1.2s", "5m03s", "2h05m", "3d04h"; "?" if missing. */
static const char *jdur_text(struct json_object *o, const char *key, char *buf, size_t len)
{
	int64_t ms;
	const int64_t s_ms = 1000, min_ms = 60 * s_ms, h_ms = 60 * min_ms, d_ms = 24 * h_ms;

	if (!jint(o, key, &ms) || ms < 0)
		return "?";
	if (ms < s_ms)
		snprintf(buf, len, "%" PRId64 " ms", ms);
	else if (ms < min_ms)
		snprintf(buf, len, "%" PRId64 ".%" PRId64 "s", ms / s_ms, ms % s_ms / 100);
	else if (ms < h_ms)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", ms / min_ms, ms % min_ms / s_ms);
	else if (ms < d_ms)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", ms / h_ms, ms % h_ms / min_ms);
	else
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", ms / d_ms, ms % d_ms / h_ms);
	return buf;
}

/* ---- status ------------------------------------------------------------- */

/*
 * Each VIP against the wish: "here" / "not here" when the kernel agrees
 * with the election, "MISSING" / "HERE, must not be" when it does not, and
 * every copy found where it does not belong.
 */
static void print_vips(struct json_object *g)
{
	struct json_object *vips = jget(g, "vips", json_type_array), *v, *el;
	struct json_object *drift = jget(g, "vip_drift", json_type_object);
	size_t i, k, n = vips ? json_object_array_length(vips) : 0;

	printf("  vips:");
	for (i = 0; i < n; i++) {
		bool want, here;

		v = json_object_array_get_idx(vips, i);
		want = jbool(v, "expected", false);
		here = jbool(v, "present", false);
		printf("%s %s (%s)", i ? "," : "", jstr(v, "address"),
		       want == here ? (here ? "here" : "not here")
				    : (want ? "MISSING, must be here" : "HERE, must not be"));
	}
	printf("%s\n", n ? "" : " none");
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(vips, i);
		el = jget(v, "elsewhere", json_type_array);
		for (k = 0; el && k < json_object_array_length(el); k++)
			printf("  stray copy of %s: %s (being removed)\n", jstr(v, "address"),
			       json_object_get_string(json_object_array_get_idx(el, k)));
	}
	if (drift && jbool(drift, "fighting", false))
		printf("  drift: another program keeps changing these addresses (see vipd.conf(5), "
		       "DRIFT)\n");
}

/* The kernel has exactly what the election wants: no VIP missing, none where it must not be. */
static bool vips_ok(struct json_object *g)
{
	struct json_object *vips = jget(g, "vips", json_type_array), *v, *el;
	size_t n = vips ? json_object_array_length(vips) : 0;

	for (size_t i = 0; i < n; i++) {
		v = json_object_array_get_idx(vips, i);
		el = jget(v, "elsewhere", json_type_array);
		if (jbool(v, "expected", false) != jbool(v, "present", false) ||
		    (el && json_object_array_length(el) > 0))
			return false;
	}
	return true;
}

/* "  settings differ from the peer's: vips, timing" when they do. */
static void print_mismatch(struct json_object *p)
{
	struct json_object *mm = jget(p, "settings_mismatch", json_type_array);
	size_t n = mm ? json_object_array_length(mm) : 0;

	if (n == 0)
		return;
	printf("  settings differ from the peer's:");
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", json_object_get_string(json_object_array_get_idx(mm, i)));
	printf(" (see vipd.conf(5), PEERS MUST AGREE)\n");
}

static void print_peer(struct json_object *g)
{
	struct json_object *p = jget(g, "peer", json_type_object), *loss;
	char prio[24], heard[24];

	if (!p) {
		printf("  peer: never heard\n");
		return;
	}
	printf("  peer: %s %s ", jstr(p, "name"), jstr(p, "address"));
	/* A dead peer's last state and priority are history: do not show them as current. */
	if (jbool(p, "alive", false))
		printf("%s prio %s, heard %s ago", jstr(p, "state"),
		       jint_text(p, "priority", prio, sizeof(prio)),
		       jdur_text(p, "last_heard_ms_ago", heard, sizeof(heard)));
	else
		printf("DEAD, last heard %s ago",
		       jdur_text(p, "last_heard_ms_ago", heard, sizeof(heard)));
	/* A whole number has type int in json-c: accept both. */
	loss = jget(p, "loss_pct", json_type_double);
	if (!loss)
		loss = jget(p, "loss_pct", json_type_int);
	if (loss)
		printf(", loss %.1f %%", json_object_get_double(loss));
	/* One-way link: we hear the peer, it does not hear us. Moot for a dead peer. */
	if (jbool(p, "alive", false) && !jbool(p, "hears_us", true))
		printf(", does not hear us");
	printf("\n");
	print_mismatch(p);
}

/* The counters print_counters() always shows. */
static bool main_counter(const char *key)
{
	/* handshakes: every start of the peer makes one; JSON and metrics carry it. */
	return strcmp(key, "tx") == 0 || strcmp(key, "rx") == 0 || strcmp(key, "transitions") == 0 ||
	       strcmp(key, "handshakes") == 0;
}

/*
 * Print the integer members of @o that are not zero, in their order, as
 * " key N", after @prefix (", rejected: auth 3 ttl 1"); nothing if none.
 */
static void print_nonzero(struct json_object *o, const char *prefix, bool skip_main)
{
	const char *lead = prefix;	/* printed before the first counter only */

	json_object_object_foreach(o, key, val)
	{
		if ((skip_main && main_counter(key)) || !json_object_is_type(val, json_type_int) ||
		    json_object_get_int64(val) == 0)
			continue;
		printf("%s %s %" PRId64, lead, key, json_object_get_int64(val));
		lead = "";
	}
}

/* tx, rx and transitions always; every other counter and rejection reason when not zero. */
static void print_counters(struct json_object *g)
{
	struct json_object *c = jget(g, "counters", json_type_object), *rej;
	char tx[24], rx[24], tr[24];

	printf("  counters: tx %s rx %s transitions %s", jint_text(c, "tx", tx, sizeof(tx)),
	       jint_text(c, "rx", rx, sizeof(rx)), jint_text(c, "transitions", tr, sizeof(tr)));
	if (c)
		print_nonzero(c, "", true);
	rej = c ? jget(c, "rejected", json_type_object) : NULL;
	if (rej)
		print_nonzero(rej, ", rejected:", false);
	printf("\n");
}

/* "  check: script passes" or "FAILING", with its last exit and failure count. */
static void print_checks(struct json_object *g)
{
	struct json_object *c = jget(g, "checks", json_type_object);
	struct json_object *sc = c ? jget(c, "script", json_type_object) : NULL;
	char last[24], fails[24], runs[24], weight[24];

	if (!sc)
		return;
	printf("  check: script %s", jbool(sc, "ok", false) ? "passes" : "FAILING");
	if (!jbool(sc, "known", false))
		printf(" (not run yet)");
	else
		printf(", last exit %s, %s of %s runs failed",
		       jint_text(sc, "last_exit", last, sizeof(last)),
		       jint_text(sc, "failures", fails, sizeof(fails)),
		       jint_text(sc, "runs", runs, sizeof(runs)));
	if (strcmp(jint_text(sc, "weight", weight, sizeof(weight)), "0") != 0)
		printf(", weight %s", weight);
	printf("\n");
}

/* "  check: SIP 127.0.0.1:5060/udp passes, last 200 in 1 ms, 0 of 12 failed". */
static void print_sip(struct json_object *g)
{
	struct json_object *c = jget(g, "checks", json_type_object);
	struct json_object *sc = c ? jget(c, "sip", json_type_object) : NULL;
	char code[24], rtt[24], fails[24], runs[24], weight[24];

	if (!sc)
		return;
	printf("  check: SIP %s/%s %s", jstr(sc, "target"), jstr(sc, "transport"),
	       jbool(sc, "ok", false) ? "passes" : "FAILING");
	if (!jbool(sc, "known", false))
		printf(" (not answered yet)");
	else
		printf(", last %s in %s ms, %s of %s failed",
		       jint_text(sc, "last_code", code, sizeof(code)),
		       jint_text(sc, "last_rtt_ms", rtt, sizeof(rtt)),
		       jint_text(sc, "failures", fails, sizeof(fails)),
		       jint_text(sc, "runs", runs, sizeof(runs)));
	if (jstr(sc, "last_error")[0])
		printf(" (%s)", jstr(sc, "last_error"));
	if (strcmp(jint_text(sc, "weight", weight, sizeof(weight)), "0") != 0)
		printf(", weight %s", weight);
	printf("\n");
}

/* "  fence: last ok in 12 ms against node-b, 0 of 1 failed", or "running". */
static void print_fence(struct json_object *g)
{
	struct json_object *f = jget(g, "fence", json_type_object);
	char ms[24], fails[24], runs[24];

	if (!f)
		return;
	if (jbool(f, "running", false))
		printf("  fence: RUNNING against %s", jstr(f, "peer"));
	else if (strcmp(jint_text(f, "runs", runs, sizeof(runs)), "0") == 0)
		printf("  fence: configured, never needed");
	else
		printf("  fence: last %s in %s ms against %s", jbool(f, "last_ok", false) ? "ok"
											  : "FAILED",
		       jint_text(f, "last_ms", ms, sizeof(ms)), jstr(f, "peer"));
	printf(", %s of %s failed", jint_text(f, "failures", fails, sizeof(fails)),
	       jint_text(f, "runs", runs, sizeof(runs)));
	if (!jbool(f, "last_ok", true) && jstr(f, "last_output")[0])
		printf(" (%s)", jstr(f, "last_output"));
	printf("\n");
}

/* "  draining: 3 calls, waiting since 22:10:05 (switchover, max wait 600 s then switch)". */
static void print_drain(struct json_object *g)
{
	struct json_object *d = jget(g, "drain", json_type_object);
	int64_t calls = -1, since = 0, max = 0;
	char t[32] = "?";

	if (!d)
		return;
	if (!jbool(d, "active", false)) {
		printf("  last %s when idle: %s\n", jstr(d, "action"), jstr(d, "ended"));
		return;
	}
	jint(d, "calls", &calls);
	jint(d, "since", &since);
	jint(d, "max_wait_ms", &max);
	{
		time_t ts = (time_t)since;
		struct tm tm;

		if (localtime_r(&ts, &tm))
			strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
	}
	if (calls >= 0)
		printf("  draining: %lld call%s, waiting since %s (%s", (long long)calls,
		       calls == 1 ? "" : "s", t, jstr(d, "action"));
	else
		printf("  draining: calls unknown, waiting since %s (%s", t, jstr(d, "action"));
	if (max)
		printf(", max wait %lld s then %s", (long long)(max / 1000), jstr(d, "then"));
	printf(")");
	if (jstr(d, "last_error")[0])
		printf(": %s", jstr(d, "last_error"));
	printf("\n");
}

/* How heartbeats travel; the virtual MAC and the sync set when the group has them. */
static void print_layout(struct json_object *g)
{
	struct json_object *hb = jget(g, "heartbeat", json_type_object);
	struct json_object *vm = jget(g, "vmac", json_type_object);
	struct json_object *sy = jget(g, "sync", json_type_object);
	char port[24], n[24], leader[24];
	int64_t shared = 0;

	if (hb && jget(hb, "unicast", json_type_array)) {
		struct json_object *pl = jget(hb, "unicast", json_type_array);

		printf("  heartbeats: unicast to");
		for (size_t i = 0; i < json_object_array_length(pl); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(pl, i)));
		printf(" port %s\n", jint_text(hb, "port", port, sizeof(port)));
	} else if (hb) {
		printf("  heartbeats: %s port %s (%s", jstr(hb, "group"),
		       jint_text(hb, "port", port, sizeof(port)),
		       strcmp(jstr(hb, "family"), "ipv6") == 0 ? "IPv6" : "IPv4");
		if (jint(hb, "socket_groups", &shared) && shared > 1)
			printf(", socket shared by %s groups",
			       jint_text(hb, "socket_groups", n, sizeof(n)));
		printf(")\n");
	}
	if (vm)
		printf("  vmac: %s %s, %s\n", jstr(vm, "interface"), jstr(vm, "mac"),
		       jbool(vm, "up", false) ? "up" : "down");
	if (sy && strcmp(jstr(sy, "role"), "leader") == 0)
		printf("  sync: set %s, leader%s\n", jstr(sy, "name"),
		       jbool(sy, "blocked", false) ? ", a follower cannot hold its VIPs" : "");
	else if (sy)
		printf("  sync: set %s, follows group %s\n", jstr(sy, "name"),
		       jint_text(sy, "leader", leader, sizeof(leader)));
}

/* With two heartbeat paths: whether the peer is heard on each. */
static void print_paths(struct json_object *g)
{
	struct json_object *pl = jget(g, "paths", json_type_array);
	char ago[24];

	if (!pl || json_object_array_length(pl) < 2)
		return;
	printf("  paths:");
	for (size_t i = 0; i < json_object_array_length(pl); i++) {
		struct json_object *p = json_object_array_get_idx(pl, i);

		printf("%s %s %s", i ? "," : "", jstr(p, "interface"),
		       jbool(p, "alive", false) ? "up" : "SILENT");
		if (jget(p, "last_heard_ms_ago", json_type_int))
			printf(" (heard %s ms ago)",
			       jint_text(p, "last_heard_ms_ago", ago, sizeof(ago)));
	}
	printf("\n");
}

static void print_group(struct json_object *g)
{
	const char *reason = jstr(g, "reason");
	char id[24], since[24], prio[24];

	printf("group %s: %s since %s", jint_text(g, "id", id, sizeof(id)), jstr(g, "state"),
	       jdur_text(g, "since_ms_ago", since, sizeof(since)));
	if (reason[0] && strcmp(reason, "?") != 0)
		printf(" (%s)", reason);
	printf("\n  local: prio %s on %s, %s%s\n", jint_text(g, "priority", prio, sizeof(prio)),
	       jstr(g, "interface"), jbool(g, "healthy", false) ? "healthy" : "UNHEALTHY",
	       jbool(g, "standby", false) ? ", STANDBY" : "");
	print_layout(g);
	print_vips(g);
	print_peer(g);
	print_checks(g);
	print_sip(g);
	print_fence(g);
	print_drain(g);
	print_paths(g);
	print_counters(g);
}

/*
 * A group is redundant when this node is MASTER or BACKUP and not in
 * standby, its peer is alive, exactly one of the two is MASTER, and the
 * kernel holds exactly what this node's role says (vips_ok).
 */
static bool group_ok(struct json_object *g)
{
	struct json_object *peer = jget(g, "peer", json_type_object);
	const char *st = jstr(g, "state");
	bool master = strcmp(st, "MASTER") == 0;

	if (!master && strcmp(st, "BACKUP") != 0)
		return false;
	if (!vips_ok(g))
		return false;
	if (jbool(g, "name_conflict", false))
		return false;
	if (peer && jget(peer, "settings_mismatch", json_type_array) &&
	    json_object_array_length(jget(peer, "settings_mismatch", json_type_array)) > 0)
		return false;
	if (jbool(g, "standby", true) || !peer || !jbool(peer, "alive", false))
		return false;
	return master != (strcmp(jstr(peer, "state"), "MASTER") == 0);
}

static int status_exit(struct json_object *data)
{
	struct json_object *groups = jget(data, "groups", json_type_array);
	size_t i, n = groups ? json_object_array_length(groups) : 0;

	for (i = 0; i < n; i++)
		if (!group_ok(json_object_array_get_idx(groups, i)))
			return VIPCTL_FAILED;
	return n ? VIPCTL_OK : VIPCTL_FAILED;
}

static int print_status(struct json_object *data)
{
	struct json_object *groups = jget(data, "groups", json_type_array);
	size_t i, n = groups ? json_object_array_length(groups) : 0;
	char pid[24], up[24];

	printf("node %s: vipd %s, pid %s, up %s", jstr(data, "node"), jstr(data, "version"),
	       jint_text(data, "pid", pid, sizeof(pid)),
	       jdur_text(data, "uptime_ms", up, sizeof(up)));
	if (jget(data, "config", json_type_string))
		printf(", config %s", jstr(data, "config"));
	printf("\n");
	if (jget(data, "reload_error", json_type_string) && jstr(data, "reload_error")[0])
		printf("last reload failed, previous configuration kept: %s\n",
		       jstr(data, "reload_error"));
	for (i = 0; i < n; i++)
		print_group(json_object_array_get_idx(groups, i));
	return status_exit(data);
}

/* ---- check: a monitoring plugin ------------------------------------------- */

/*
 * The plugin convention of Nagios, Icinga, Zabbix and friends: one line of
 * text, performance data after a '|', and the exit status as the verdict.
 * What each level means for a two-node pair is in vipctl(8), CHECK.
 */
enum check_level {
	CHECK_OK = 0,		/* redundant: one holder, with its VIPs, and a fit peer */
	CHECK_WARNING = 1,	/* served, but not redundant or not as configured */
	CHECK_CRITICAL = 2,	/* not served, served twice, or this node is broken */
	CHECK_UNKNOWN = 3,	/* no verdict: vipd unreachable, refused, bad usage */
};

static const char *const check_word[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

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
	for (size_t i = 0; paths && json_object_array_length(paths) > 1 &&
			   i < json_object_array_length(paths); i++) {
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
	fprintf(f, " 'g%" PRId64 "_peer_alive'=%d;;;0;1", id,
		p && jbool(p, "alive", false));
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
			fprintf(out, "VIPD UNKNOWN - no group %" PRId64 " on node %s\n", check_group,
				jstr(data, "node"));
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

static int print_check(struct json_object *data)
{
	return check_level(data, stdout);
}

/* With -j: the status JSON is printed; the exit status is still the verdict. */
static int check_exit(struct json_object *data)
{
	FILE *devnull = fopen("/dev/null", "w");
	int rc;

	if (!devnull)
		return CHECK_UNKNOWN;
	rc = check_level(data, devnull);
	fclose(devnull);
	return rc;
}

/* ---- other commands ----------------------------------------------------- */

static bool events_json;	/* -j with --follow: one compact JSON object per line */

static int print_events(struct json_object *data)
{
	struct json_object *events = jget(data, "events", json_type_array), *e;
	size_t i, n = events ? json_object_array_length(events) : 0;
	const char *reason;
	char group[24];

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(events, i);
		if (events_json) {
			printf("%s\n", json_object_to_json_string_ext(
					       e, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
			continue;
		}
		reason = jstr(e, "reason");
		printf("%s group %s: %s -> %s", jstr(e, "time"),
		       jint_text(e, "group", group, sizeof(group)), jstr(e, "from"),
		       jstr(e, "to"));
		if (reason[0] && strcmp(reason, "?") != 0)
			printf(" (%s)", reason);
		printf("\n");
	}
	return VIPCTL_OK;
}

static int print_metrics(struct json_object *data)
{
	struct json_object *text = jget(data, "text", json_type_string);

	if (text)
		fputs(json_object_get_string(text), stdout);
	return VIPCTL_OK;
}

static int print_version(struct json_object *data)
{
	printf("vipd %s\n", jstr(data, "version"));
	return VIPCTL_OK;
}

/* Commands that change state: silent on success unless the daemon has something to say. */
static int print_message(struct json_object *data)
{
	if (jget(data, "message", json_type_string))
		printf("%s\n", jstr(data, "message"));
	return VIPCTL_OK;
}

static const struct vipctl_cmd vipctl_cmds[] = {
	{ "status", parse_none, print_status, status_exit, NULL, false },
	{ "switchover", parse_switchover, print_message, NULL, NULL, false },
	{ "standby", parse_standby, print_message, NULL, NULL, false },
	{ "reload", parse_none, print_message, NULL, NULL, false },
	{ "events", parse_events, print_events, NULL, NULL, false },
	{ "metrics", parse_none, print_metrics, NULL, NULL, false },
	{ "version", parse_none, print_version, NULL, NULL, false },
	{ "check", parse_check, print_check, check_exit, "status", true },
};

/* ---- talking to the daemon ---------------------------------------------- */

/* Why the last exchange with the daemon failed, for check's UNKNOWN line. */
static char vipctl_err[300];

/* Print "vipctl: " + the message to stderr, and keep it in vipctl_err. */
static void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ctl_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vipctl_err, sizeof(vipctl_err), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vipctl: %s\n", vipctl_err);
}

/* The socket's mode said no: name who may connect, from the socket file itself. */
static void connect_denied(const char *path)
{
	struct group *gr;
	struct stat st;

	if (stat(path, &st) < 0) {
		ctl_error("%s: Permission denied", path);
		return;
	}
	if (!(st.st_mode & S_IWGRP) || st.st_gid == 0) {
		ctl_error("%s: Permission denied (root only)", path);
		return;
	}
	gr = getgrgid(st.st_gid);
	if (gr)
		ctl_error("%s: Permission denied (root or group %s)", path,
			gr->gr_name);
	else
		ctl_error("%s: Permission denied (root or group %u)", path,
			(unsigned)st.st_gid);
}

static int vipctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = VIPCTL_TIMEOUT_S };
	int fd;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ctl_error("socket: %s", strerror(errno));
		return -1;
	}
	/* Before connect(): on Linux the send timeout also bounds a full backlog. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EACCES)
			connect_denied(path);
		else
			ctl_error("%s: %s", path,
				errno == EAGAIN ? "vipd does not accept connections"
						: strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int vipctl_send(int fd, const char *path, struct json_object *req)
{
	static uint8_t frame[CTLMSG_HDR_LEN + CTLMSG_REQ_MAX];
	const char *text = json_object_to_json_string_ext(
		req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int n = ctlmsg_frame(text, strlen(text), frame, sizeof(frame));
	size_t off = 0;
	ssize_t w;

	if (n < 0) {
		ctl_error("request: %s", ctlmsg_strerror(n));
		return -1;
	}
	while (off < (size_t)n) {
		w = send(fd, frame + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			/* EPIPE, ECONNRESET: the caller reads what vipd said before it closed. */
			if (errno != EPIPE && errno != ECONNRESET)
				ctl_error("%s: %s", path,
					  errno == EAGAIN ? "vipd does not read requests"
							  : strerror(errno));
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* Read one reply frame; returns its text (in vipctl_rx) or NULL (printed). */
static const char *vipctl_recv(int fd, const char *path, size_t *len)
{
	static uint8_t buf[65536];
	size_t used;
	ssize_t n;
	int rc = 0;

	ctlmsg_rx_init(&vipctl_rx, vipctl_rx_buf, CTLMSG_MAX);
	while (rc == 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ctl_error("%s: no reply within %d s", path,
				VIPCTL_TIMEOUT_S);
			return NULL;
		}
		if (n <= 0) {
			ctl_error("%s: %s", path,
				n < 0 ? strerror(errno) : "vipd closed the connection");
			return NULL;
		}
		rc = ctlmsg_rx_feed(&vipctl_rx, buf, (size_t)n, &used);
	}
	if (rc < 0) {
		ctl_error("%s: bad reply: %s", path, ctlmsg_strerror(rc));
		return NULL;
	}
	return ctlmsg_rx_msg(&vipctl_rx, len);
}

/* Parse a reply: a JSON object with a boolean "ok". NULL (printed) if it is not one. */
static struct json_object *vipctl_parse(const char *text, size_t len, const char *path)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *reply = NULL;

	if (tok)
		reply = json_tokener_parse_ex(tok, text, (int)len + 1);
	if (!reply || !jget(reply, "ok", json_type_boolean)) {
		ctl_error("%s: bad reply: %s", path,
			reply ? "no \"ok\" member" : "not JSON");
		json_object_put(reply);
		reply = NULL;
	}
	json_tokener_free(tok);
	return reply;
}

/*
 * Send @req, wait for the reply. Returns it (caller puts) or NULL (printed).
 * A daemon that turns the connection away ("busy") may have replied and
 * closed before the request was sent: the send then fails (EPIPE), but the
 * reply is still there to read, and it is what the user must see.
 */
static struct json_object *vipctl_call(const char *path, struct json_object *req)
{
	struct json_object *reply = NULL;
	const char *text;
	size_t len = 0;
	int fd = vipctl_connect(path), rc;

	if (fd < 0)
		return NULL;
	rc = vipctl_send(fd, path, req);
	if (rc == 0 || errno == EPIPE || errno == ECONNRESET) {
		text = vipctl_recv(fd, path, &len);
		if (text)
			reply = vipctl_parse(text, len, path);
	}
	close(fd);
	return reply;
}

/* ---- main --------------------------------------------------------------- */

/* Print the reply to @cmd; returns the exit code. */
static int vipctl_output(const struct vipctl_cmd *cmd, struct json_object *reply, bool json)
{
	struct json_object *data = jget(reply, "data", json_type_object), *empty = NULL;
	int rc;

	if (!jbool(reply, "ok", false)) {
		ctl_error("%s", jstr(reply, "error"));
		return jbool(reply, "busy", false) ? VIPCTL_BUSY : VIPCTL_FAILED;
	}
	if (!data)
		data = empty = json_object_new_object();
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
				       data, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
		rc = cmd->json_exit ? cmd->json_exit(data) : VIPCTL_OK;
	} else {
		rc = cmd->print(data);
	}
	json_object_put(empty);
	return rc;
}

static const struct vipctl_cmd *vipctl_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(vipctl_cmds) / sizeof(vipctl_cmds[0]); i++)
		if (strcmp(vipctl_cmds[i].name, name) == 0)
			return &vipctl_cmds[i];
	return NULL;
}

/*
 * Build the request for the command line in @argv (the command first).
 * -j/--json may also follow the command; it is taken out here.
 */
static struct json_object *vipctl_request(const struct vipctl_cmd *cmd, int argc, char **argv,
					  bool *json)
{
	struct json_object *req = json_object_new_object(), *args = json_object_new_object();
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 || strcmp(argv[i], "--json") == 0)
			*json = true;
		else
			argv[n++] = argv[i];
	}
	if (!req || !args) {
		ctl_error("out of memory");
		exit(VIPCTL_FAILED);
	}
	if (cmd->parse(n, argv, args) < 0) {
		json_object_put(req);
		json_object_put(args);
		return NULL;
	}
	json_object_object_add(req, "cmd", json_object_new_string(cmd->wire ? cmd->wire : cmd->name));
	json_object_object_add(req, "args", args);
	return req;
}

/* ---- events --follow ------------------------------------------------------ */

#define VIPCTL_FOLLOW_MS	250	/* ms between two questions for new events */

static volatile sig_atomic_t vipctl_stop;

static void on_stop(int sig)
{
	(void)sig;
	vipctl_stop = 1;
}

/* Sleep @ms, or less if a signal asks us to stop. */
static void nap(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	if (!vipctl_stop)
		nanosleep(&ts, NULL);
}

/*
 * After the first reply (@reply, printed): ask every VIPCTL_FOLLOW_MS for
 * the events after the newest one seen, print them, until SIGINT or
 * SIGTERM. A daemon that went away is waited for (said once on stderr); a
 * daemon that restarted (another pid) has all its events printed.
 */
static int events_follow_loop(const char *path, struct json_object *reply)
{
	struct json_object *data = jget(reply, "data", json_type_object);
	int64_t seen = 0, pid = 0, v;
	bool lost = false;
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (data && jint(data, "total", &v))
		seen = v;
	if (data && jint(data, "pid", &v))
		pid = v;
	while (!vipctl_stop) {
		struct json_object *req = json_object_new_object();
		struct json_object *args = json_object_new_object(), *r, *d;

		nap(VIPCTL_FOLLOW_MS);
		if (vipctl_stop || !req || !args) {
			json_object_put(req);
			json_object_put(args);
			break;
		}
		json_object_object_add(args, "count", json_object_new_int64(1000000));
		json_object_object_add(args, "after", json_object_new_int64(seen));
		json_object_object_add(req, "cmd", json_object_new_string("events"));
		json_object_object_add(req, "args", args);
		r = vipctl_call(path, req);
		json_object_put(req);
		d = r && jbool(r, "ok", false) ? jget(r, "data", json_type_object) : NULL;
		if (!d) {
			if (!lost)
				fprintf(stderr, "vipctl: waiting for vipd on %s\n", path);
			lost = true;
			json_object_put(r);
			continue;
		}
		if (jint(d, "pid", &v) && v != pid) {
			/* Another daemon: its numbers start again at 1, and we want them all. */
			fprintf(stderr, "vipctl: vipd restarted (pid %" PRId64 ")\n", v);
			pid = v;
			seen = 0;
			json_object_put(r);
			continue;
		}
		lost = false;
		print_events(d);
		if (jint(d, "total", &v))
			seen = v;
		json_object_put(r);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "vipctl: stdout: %s\n", strerror(errno));
			return VIPCTL_FAILED;
		}
	}
	return VIPCTL_OK;
}

/* A plugin's verdict when there is none: one line on stdout, CHECK_UNKNOWN. */
static int check_unknown(const char *why)
{
	printf("VIPD UNKNOWN - %s\n", why);
	return CHECK_UNKNOWN;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = VIPD_CONTROL_SOCKET;
	const struct vipctl_cmd *cmd;
	struct json_object *req, *reply;
	bool json = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return VIPCTL_OK;
		case 'V':
			printf("vipctl %s\n", VIPD_VERSION);
			return VIPCTL_OK;
		default:
			usage(stderr);
			return VIPCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage_error("%s", "no command given");
		return VIPCTL_USAGE;
	}
	cmd = vipctl_cmd_find(argv[optind]);
	if (!cmd) {
		usage_error("unknown command \"%s\" (vipctl -h lists them)", argv[optind]);
		return VIPCTL_USAGE;
	}
	if (path[0] == '\0' || strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		usage_error("socket path \"%s\" is empty or too long", path);
		return VIPCTL_USAGE;
	}
	req = vipctl_request(cmd, argc - optind, argv + optind, &json);
	if (!req)
		return cmd->plugin ? check_unknown("bad usage (vipctl -h)") : VIPCTL_USAGE;
	events_json = json && events_follow;
	/* vipctl's own version first: it is known even if vipd does not answer. */
	if (strcmp(cmd->name, "version") == 0 && !json)
		printf("vipctl %s\n", VIPD_VERSION);
	fflush(stdout);
	reply = vipctl_call(path, req);
	json_object_put(req);
	if (!reply && cmd->plugin)
		return check_unknown(vipctl_err[0] ? vipctl_err : "no reply from vipd");
	if (!reply)
		return VIPCTL_UNREACHABLE;
	if (cmd->plugin && !jbool(reply, "ok", false)) {
		char why[300];

		snprintf(why, sizeof(why), "vipd refused: %s", jstr(reply, "error"));
		json_object_put(reply);
		return check_unknown(why);
	}
	if (events_follow && jbool(reply, "ok", false)) {
		/* The first batch as one would see it without --follow, then the stream. */
		if (events_json)
			print_events(jget(reply, "data", json_type_object));
		else
			vipctl_output(cmd, reply, false);
		fflush(stdout);
		rc = events_follow_loop(path, reply);
	} else {
		rc = vipctl_output(cmd, reply, json);
	}
	json_object_put(reply);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vipctl: stdout: %s\n", strerror(errno));
		return VIPCTL_FAILED;
	}
	return rc;
}
