/*
 * vipctl_out.c - vipctl's replies for a human: the status report (one
 * block per group), events, metrics, version, and the silence of a
 * command that changed state. Each printer returns vipctl's exit code;
 * a missing member prints as "?", never as a crash.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "vipctl.h"

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
		printf("%s %s", i ? "," : "",
		       json_object_get_string(json_object_array_get_idx(mm, i)));
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
	return strcmp(key, "tx") == 0 || strcmp(key, "rx") == 0 ||
	       strcmp(key, "transitions") == 0 || strcmp(key, "handshakes") == 0;
}

/*
 * Print the integer members of @o that are not zero, in their order, as
 * " key N", after @prefix (", rejected: auth 3 ttl 1"); nothing if none.
 */
static void print_nonzero(struct json_object *o, const char *prefix, bool skip_main)
{
	const char *lead = prefix; /* printed before the first counter only */

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
		printf("  fence: last %s in %s ms against %s",
		       jbool(f, "last_ok", false) ? "ok" : "FAILED",
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

int vipctl_out_status_exit(struct json_object *data)
{
	struct json_object *groups = jget(data, "groups", json_type_array);
	size_t i, n = groups ? json_object_array_length(groups) : 0;

	for (i = 0; i < n; i++)
		if (!group_ok(json_object_array_get_idx(groups, i)))
			return VIPCTL_FAILED;
	return n ? VIPCTL_OK : VIPCTL_FAILED;
}

/* The counters of the control socket that tell of trouble. */
static bool control_trouble(const char *key)
{
	return strcmp(key, "busy") == 0 || strcmp(key, "bad_requests") == 0 ||
	       strcmp(key, "refused") == 0 || strcmp(key, "timeouts") == 0;
}

/*
 * "control socket: connections 40 requests 38, refused 1 timeouts 2": the
 * daemon's control_stats(), only when a client was turned away, refused,
 * timed out or sent garbage; the trouble counters that are not zero.
 */
static void print_control(struct json_object *data)
{
	struct json_object *c = jget(data, "control", json_type_object);
	char conns[24], reqs[24];
	const char *lead = ","; /* before the first trouble counter only */
	bool trouble = false;

	if (!c)
		return;
	json_object_object_foreach(c, k, v) trouble =
		trouble || (control_trouble(k) && json_object_is_type(v, json_type_int) &&
			    json_object_get_int64(v) != 0);
	if (!trouble)
		return;
	printf("control socket: connections %s requests %s",
	       jint_text(c, "connections", conns, sizeof(conns)),
	       jint_text(c, "requests", reqs, sizeof(reqs)));
	json_object_object_foreach(c, key, val)
	{
		if (!control_trouble(key) || !json_object_is_type(val, json_type_int) ||
		    json_object_get_int64(val) == 0)
			continue;
		printf("%s %s %" PRId64, lead, key, json_object_get_int64(val));
		lead = "";
	}
	printf("\n");
}

/*
 * "commands: 2 refused as untrusted (of 40 started, 3 failed)": only when
 * trust.c refused a hook, check or fence program (vipd(8), SECURITY), which
 * otherwise shows only as that command's failure.
 */
static void print_commands(struct json_object *data)
{
	struct json_object *c = jget(data, "commands", json_type_object);
	char u[24], st[24], f[24];

	if (!c || json_object_get_int64(jget(c, "untrusted", json_type_int)) == 0)
		return;
	printf("commands: %s refused as untrusted (of %s started, %s failed)\n",
	       jint_text(c, "untrusted", u, sizeof(u)), jint_text(c, "started", st, sizeof(st)),
	       jint_text(c, "failed", f, sizeof(f)));
}

int vipctl_out_status(struct json_object *data)
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
	print_control(data);
	print_commands(data);
	for (i = 0; i < n; i++)
		print_group(json_object_array_get_idx(groups, i));
	return vipctl_out_status_exit(data);
}

/* ---- other commands ----------------------------------------------------- */

int vipctl_out_events(struct json_object *data, bool json_lines)
{
	struct json_object *events = jget(data, "events", json_type_array), *e;
	size_t i, n = events ? json_object_array_length(events) : 0;
	const char *reason;
	char group[24];

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(events, i);
		if (json_lines) {
			printf("%s\n",
			       json_object_to_json_string_ext(
				       e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
			continue;
		}
		reason = jstr(e, "reason");
		printf("%s group %s: %s -> %s", jstr(e, "time"),
		       jint_text(e, "group", group, sizeof(group)), jstr(e, "from"), jstr(e, "to"));
		if (reason[0] && strcmp(reason, "?") != 0)
			printf(" (%s)", reason);
		printf("\n");
	}
	return VIPCTL_OK;
}

int vipctl_out_metrics(struct json_object *data)
{
	struct json_object *text = jget(data, "text", json_type_string);

	if (text)
		fputs(json_object_get_string(text), stdout);
	return VIPCTL_OK;
}

int vipctl_out_version(struct json_object *data)
{
	printf("vipd %s\n", jstr(data, "version"));
	return VIPCTL_OK;
}

int vipctl_out_message(struct json_object *data)
{
	if (jget(data, "message", json_type_string))
		printf("%s\n", jstr(data, "message"));
	return VIPCTL_OK;
}
