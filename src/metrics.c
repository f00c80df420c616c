/*
 * metrics.c - the Prometheus text format of the daemon and every group,
 * family by family: what `vipctl metrics` prints and what metrics_file
 * holds. Reads the daemon; changes nothing but that file.
 *
 * Conventions (https://prometheus.io/docs/practices/naming/), checked by
 * `promtool check metrics` in the tests: counters end in _total and count
 * one outcome each, so that sum() over a label means something; units are
 * base units in the name (_seconds, _ratio); points in time are Unix
 * timestamps (_timestamp_seconds), never ages, so that a scrape that comes
 * late shows the same value. Everything `vipctl status --json` counts is
 * here; see vipctl(8) for the list.
 *
 * metrics_file: every metrics_interval_ms the text is written to a
 * temporary file in the same directory and renamed over the file, so a
 * reader (node_exporter's textfile collector) sees the old text or the new
 * one, never a part. The temporary name does not end in ".prom", so the
 * collector never reads it. No listening socket: a root daemon does not
 * need to serve HTTP for this.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "exec.h"
#include "group_int.h"
#include "log.h"
#include "mcast.h"
#include "metrics.h"
#include "status.h"

/* One metric family: HELP and TYPE once, then its samples. */
#define FAMILY(f, name, type, help) \
	fprintf(f, "# HELP vipd_%s %s\n# TYPE vipd_%s %s\n", name, help, name, type)

#define METRICS_LOG_BURST     3	    /* metrics_file error lines ... */
#define METRICS_LOG_PERIOD_MS 60000 /* ... per this many ms */

/* Write @s as a label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Seconds since the epoch of the monotonic time @mono_ms (a clock_now_ms() value). */
static double wall_s(uint64_t mono_ms, uint64_t now_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - (double)(now_ms - mono_ms) / 1000.0;
}

/* One sample "vipd_NAME{group="ID"EXTRA} VALUE" per group; EXTRA may be "". */
static void gsample(FILE *f, const char *name, const struct group *g, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void gsample(FILE *f, const char *name, const struct group *g, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "vipd_%s{group=\"%u\"} ", name, g->cg->id);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* The daemon itself: version and node, start time, the last reload. */
static void daemon_metrics(const struct daemon *d, uint64_t now, FILE *f)
{
	FAMILY(f, "info", "gauge", "Always 1: vipd's version and this node's name.");
	fprintf(f, "vipd_info{version=\"%s\",node=\"", VIPD_VERSION);
	label(f, d->conf.node_name);
	fprintf(f, "\"} 1\n");
	FAMILY(f, "start_time_seconds", "gauge",
	       "When the daemon started, seconds since the epoch.");
	fprintf(f, "vipd_start_time_seconds %.3f\n", wall_s(d->start_ms, now));
	FAMILY(f, "config_last_reload_successful", "gauge",
	       "0 while the last reload was refused (the previous configuration runs), else 1.");
	fprintf(f, "vipd_config_last_reload_successful %d\n", d->reload_error[0] == '\0');
	FAMILY(f, "groups", "gauge", "Groups the daemon runs.");
	fprintf(f, "vipd_groups %zu\n", d->n_groups);
}

/* State, since when, priority, health and the VIPs of each group. */
static void state_metrics(struct group *const *gs, size_t n, uint64_t now, FILE *f)
{
	FAMILY(f, "group_state", "gauge", "1 for the group's current state, 0 for the others.");
	for (size_t i = 0; i < n; i++)
		for (int st = FSM_INIT; st <= FSM_STOPPED; st++)
			fprintf(f, "vipd_group_state{group=\"%u\",state=\"%s\"} %d\n",
				gs[i]->cg->id, fsm_state_name((enum fsm_state)st),
				gs[i]->fsm.state == (enum fsm_state)st);
	FAMILY(f, "group_state_change_timestamp_seconds", "gauge",
	       "When the group entered its current state, seconds since the epoch.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "group_state_change_timestamp_seconds", gs[i], "%.3f",
			wall_s(gs[i]->fsm.since_ms, now));
	FAMILY(f, "group_priority", "gauge", "This node's effective priority in the group.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "group_priority", gs[i], "%u", gs[i]->fsm.priority);
	FAMILY(f, "group_healthy", "gauge", "0 while a health check of this node fails.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "group_healthy", gs[i], "%d", gs[i]->fsm.healthy);
	FAMILY(f, "group_standby", "gauge", "1 while the group is in standby (maintenance).");
	for (size_t i = 0; i < n; i++)
		gsample(f, "group_standby", gs[i], "%d", gs[i]->fsm.standby);
	FAMILY(f, "transitions_total", "counter", "State transitions.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "transitions_total", gs[i], "%llu", ull(gs[i]->fsm.transitions));
}

/*
 * The VIPs against the wish (as the kernel's events last said: no request),
 * and what the reconciler had to do about it.
 */
static void vip_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "vip_present", "gauge",
	       "1 while the VIP is on this node where it belongs (as the kernel last said).");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < gs[i]->cg->n_vips; k++)
			fprintf(f, "vipd_vip_present{group=\"%u\",address=\"%s\"} %d\n",
				gs[i]->cg->id, gs[i]->cg->vips[k].text,
				gs[i]->vs.ifindex && addrtab_find(gs[i]->vs.tab, gs[i]->vs.ifindex,
								  &gs[i]->cg->vips[k]) != NULL);
	FAMILY(f, "vip_expected", "gauge", "1 while this node's role says the VIP belongs here.");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < gs[i]->cg->n_vips; k++)
			fprintf(f, "vipd_vip_expected{group=\"%u\",address=\"%s\"} %d\n",
				gs[i]->cg->id, gs[i]->cg->vips[k].text, gs[i]->vs.want);
	FAMILY(f, "vip_drift", "gauge",
	       "1 while the kernel's addresses differ from what the group wants.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "vip_drift", gs[i], "%d", vipset_drift(&gs[i]->vs));
	FAMILY(f, "vip_repairs_total", "counter",
	       "Wanted VIPs added back after another program removed them.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "vip_repairs_total", gs[i], "%llu", ull(gs[i]->vs.st.repairs));
	FAMILY(f, "vip_copies_removed_total", "counter",
	       "Copies of VIPs removed where they did not belong (a non-master, another prefix "
	       "or interface).");
	for (size_t i = 0; i < n; i++)
		gsample(f, "vip_copies_removed_total", gs[i], "%llu", ull(gs[i]->vs.st.removed));
	FAMILY(f, "vip_fights_total", "counter",
	       "Episodes of another program undoing the VIPs again and again.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "vip_fights_total", gs[i], "%llu", ull(gs[i]->vs.st.fights));
}

/* The settings both nodes must share, class by class (digest.h). */
static void agree_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "peer_settings_mismatch", "gauge",
	       "1 while the peer's shared settings of this class differ from this node's.");
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < PROTO_DIGEST_COUNT; k++)
			fprintf(f, "vipd_peer_settings_mismatch{group=\"%u\",class=\"%s\"} %d\n",
				gs[i]->cg->id, digest_class_name(k),
				!!(gs[i]->fsm.peer.mismatch & (1u << k)));
	FAMILY(f, "name_conflict", "gauge", "1 while another live node uses this node's name.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "name_conflict", gs[i], "%d",
			gs[i]->fsm.conflict_until_ms > clock_now_ms());
}

/* Heartbeats: sent, received, rejected by reason, and the other counters of status. */
static void heartbeat_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "heartbeats_sent_total", "counter", "Heartbeats sent.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "heartbeats_sent_total", gs[i], "%llu", ull(gs[i]->st.tx));
	FAMILY(f, "heartbeat_send_errors_total", "counter", "Heartbeats the kernel did not take.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "heartbeat_send_errors_total", gs[i], "%llu", ull(gs[i]->st.tx_err));
	FAMILY(f, "heartbeats_received_total", "counter", "Heartbeats accepted.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "heartbeats_received_total", gs[i], "%llu", ull(gs[i]->st.rx));
	FAMILY(f, "heartbeats_rejected_total", "counter", "Heartbeats dropped, by reason.");
	for (size_t i = 0; i < n; i++) {
		const struct group *g = gs[i];

		for (int e = 1; e < PROTO_E_COUNT; e++)
			if (e != -PROTO_E_ARG)
				fprintf(f,
					"vipd_heartbeats_rejected_total{group=\"%u\",reason=\"%s\"}"
					" %llu\n",
					g->cg->id, proto_err_key(-e), ull(g->st.rx_err[e]));
		for (int d = 1; d < FSM_DROP_COUNT; d++)
			if (d != FSM_DROP_HELLO)
				fprintf(f,
					"vipd_heartbeats_rejected_total{group=\"%u\",reason=\"%s\"}"
					" %llu\n",
					g->cg->id, fsm_drop_key((enum fsm_drop)d),
					ull(g->st.drop[d]));
		fprintf(f, "vipd_heartbeats_rejected_total{group=\"%u\",reason=\"ttl\"} %llu\n",
			g->cg->id, ull(g->st.ttl));
		fprintf(f, "vipd_heartbeats_rejected_total{group=\"%u\",reason=\"source\"} %llu\n",
			g->cg->id, ull(g->st.source));
	}
	FAMILY(f, "handshakes_total", "counter",
	       "First packets of a peer session not known yet, answered with a challenge.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "handshakes_total", gs[i], "%llu", ull(gs[i]->st.drop[FSM_DROP_HELLO]));
	FAMILY(f, "heartbeat_socket_drops_total", "counter",
	       "Datagrams the kernel dropped on the group's heartbeat socket, its buffer full "
	       "(shared by every group of the port).");
	for (size_t i = 0; i < n; i++)
		gsample(f, "heartbeat_socket_drops_total", gs[i], "%llu",
			ull(group_kernel_drops(gs[i])));
	FAMILY(f, "heartbeats_other_group_total", "counter",
	       "Authentic heartbeats on this group's address for a group this node does not run.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "heartbeats_other_group_total", gs[i], "%llu",
			ull(gs[i]->st.other_group));
	FAMILY(f, "heartbeats_duplicate_total", "counter",
	       "Heartbeats heard again on the second path.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "heartbeats_duplicate_total", gs[i], "%llu", ull(gs[i]->dup));
	FAMILY(f, "contentions_total", "counter", "Times both nodes were master.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "contentions_total", gs[i], "%llu", ull(gs[i]->st.contentions));
	FAMILY(f, "stalls_total", "counter", "Times this daemon's timers ran late.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "stalls_total", gs[i], "%llu", ull(gs[i]->fsm.stalls));
	FAMILY(f, "announcements_total", "counter",
	       "Gratuitous ARP / NA rounds sent, one per VIP.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "announcements_total", gs[i], "%llu", ull(gs[i]->vs.st.announce));
	FAMILY(f, "netlink_errors_total", "counter", "Netlink requests the kernel refused.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "netlink_errors_total", gs[i], "%llu", ull(gs[i]->vs.st.nl_err));
	FAMILY(f, "vip_conflicts_total", "counter", "Claim probes that another host answered.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "vip_conflicts_total", gs[i], "%llu", ull(gs[i]->claim.conflicts));
}

/* The peer as last heard, and each heartbeat path. */
static void peer_metrics(struct group *const *gs, size_t n, uint64_t now, FILE *f)
{
	FAMILY(f, "peer_alive", "gauge", "1 if the peer was heard within its dead interval.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "peer_alive", gs[i], "%d", gs[i]->fsm.peer.alive);
	FAMILY(f, "peer_info", "gauge", "Always 1: the peer last heard, its name and address.");
	for (size_t i = 0; i < n; i++) {
		char addr[INET6_ADDRSTRLEN] = "";

		if (!gs[i]->fsm.peer.name[0])
			continue;
		mcast_addr_text(&gs[i]->peer_addr, addr, sizeof(addr));
		fprintf(f, "vipd_peer_info{group=\"%u\",name=\"", gs[i]->cg->id);
		label(f, gs[i]->fsm.peer.name);
		fprintf(f, "\",address=\"%s\"} 1\n", addr);
	}
	FAMILY(f, "peer_state", "gauge", "1 for the state in the peer's last heartbeat.");
	for (size_t i = 0; i < n; i++)
		for (unsigned st = 0; st < PROTO_ST_COUNT && gs[i]->fsm.peer.name[0]; st++)
			fprintf(f, "vipd_peer_state{group=\"%u\",state=\"%s\"} %d\n", gs[i]->cg->id,
				proto_state_name(st), gs[i]->fsm.peer.state == st);
	FAMILY(f, "peer_priority", "gauge", "The priority in the peer's last heartbeat.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->fsm.peer.name[0])
			gsample(f, "peer_priority", gs[i], "%u", gs[i]->fsm.peer.priority);
	FAMILY(f, "peer_last_heard_timestamp_seconds", "gauge",
	       "When the peer's last heartbeat arrived, seconds since the epoch.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->fsm.peer.name[0])
			gsample(f, "peer_last_heard_timestamp_seconds", gs[i], "%.3f",
				wall_s(gs[i]->fsm.peer.last_heard_ms, now));
	FAMILY(f, "peer_heartbeats_lost_ratio", "gauge",
	       "Share of the peer's heartbeats that went missing since it started, 0 to 1.");
	for (size_t i = 0; i < n; i++) {
		const struct fsm_peer *p = &gs[i]->fsm.peer;
		uint64_t expected = p->seq >= p->seq_first ? p->seq - p->seq_first + 1 : 0;

		if (p->name[0])
			gsample(f, "peer_heartbeats_lost_ratio", gs[i], "%.4f",
				p->rx && expected > p->rx
					? (double)(expected - p->rx) / (double)expected
					: 0.0);
	}
	FAMILY(f, "peer_hears_this_node", "gauge",
	       "1 while the peer reports our recent heartbeats (the link works both ways).");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->fsm.peer.name[0])
			gsample(f, "peer_hears_this_node", gs[i], "%d",
				gs[i]->fsm.peer.alive &&
					gs[i]->fsm.peer.peer_seq + 3 >= gs[i]->fsm.tx_seq);
	FAMILY(f, "path_heartbeats_received_total", "counter",
	       "Authentic heartbeats heard on each path, duplicates included.");
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < (gs[i]->hb2 ? 2 : 1); k++)
			fprintf(f,
				"vipd_path_heartbeats_received_total{group=\"%u\",interface=\"%s\"}"
				" %llu\n",
				gs[i]->cg->id, k ? gs[i]->cg->interface2 : gs[i]->cg->interface,
				ull(gs[i]->path[k].rx));
	FAMILY(f, "path_last_heard_timestamp_seconds", "gauge",
	       "When the peer was last heard on each path, seconds since the epoch.");
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < (gs[i]->hb2 ? 2 : 1); k++)
			if (gs[i]->path[k].last_heard_ms)
				fprintf(f,
					"vipd_path_last_heard_timestamp_seconds{group=\"%u\","
					"interface=\"%s\"} %.3f\n",
					gs[i]->cg->id,
					k ? gs[i]->cg->interface2 : gs[i]->cg->interface,
					wall_s(gs[i]->path[k].last_heard_ms, now));
}

/* Layout (heartbeat transport, vmac, sync set) and upstream targets. */
static void layout_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "group_info", "gauge",
	       "Always 1 per group: heartbeat family and group, virtual MAC interface, sync set.");
	for (size_t i = 0; i < n; i++) {
		const struct conf_group *cg = gs[i]->cg;
		char addr[INET6_ADDRSTRLEN];

		fprintf(f,
			"vipd_group_info{group=\"%u\",heartbeat_family=\"%s\",heartbeat_group="
			"\"%s\",vmac=\"%s\",sync_group=\"",
			cg->id, mcast_family(cg) == AF_INET6 ? "ipv6" : "ipv4",
			cg->n_peers ? "" : mcast_group_text(cg, addr, sizeof(addr)),
			cg->vmac ? cg->vmac_ifname : "");
		label(f, cg->sync_group);
		fprintf(f, "\",sync_role=\"%s\"} 1\n",
			status_sync_role(gs[i]) ? status_sync_role(gs[i]) : "");
	}
	FAMILY(f, "sync_blocked", "gauge",
	       "Sync set leaders: 1 while a follower cannot hold its VIPs (the set is unhealthy).");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->cg->sync_group[0] && gs[i]->cg->sync_leader == gs[i]->cg->id)
			gsample(f, "sync_blocked", gs[i], "%d", gs[i]->sync_blocked);
	FAMILY(f, "upstream_reachable", "gauge",
	       "1 while the group's upstream targets answer (also when it has none).");
	for (size_t i = 0; i < n; i++)
		gsample(f, "upstream_reachable", gs[i], "%d", gs[i]->up.reachable);
	FAMILY(f, "upstream_rounds_total", "counter", "Rounds of upstream checks, by result.");
	for (size_t i = 0; i < n; i++) {
		const struct upstream *u = &gs[i]->up;

		fprintf(f,
			"vipd_upstream_rounds_total{group=\"%u\",result=\"ok\"} %llu\n"
			"vipd_upstream_rounds_total{group=\"%u\",result=\"failed\"} %llu\n",
			gs[i]->cg->id, ull(u->rounds >= u->failures ? u->rounds - u->failures : 0),
			gs[i]->cg->id, ull(u->failures));
	}
}

/* Hook commands, by outcome. */
static void hook_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "hooks_started_total", "counter", "Hook commands started.");
	for (size_t i = 0; i < n; i++)
		gsample(f, "hooks_started_total", gs[i], "%llu", ull(hook_stats(gs[i]->hook).run));
	FAMILY(f, "hooks_total", "counter",
	       "Hook commands done, by result: exited 0, failed (did not start, exited "
	       "non-zero or killed), timed out, dropped from a full queue.");
	for (size_t i = 0; i < n; i++) {
		struct hook_stats hs = hook_stats(gs[i]->hook);
		const char *const res[] = { "ok", "failed", "timed_out", "dropped" };
		const uint64_t v[] = { hs.ok, hs.failed - hs.timed_out, hs.timed_out, hs.dropped };

		for (size_t k = 0; k < sizeof(res) / sizeof(res[0]); k++)
			fprintf(f, "vipd_hooks_total{group=\"%u\",result=\"%s\"} %llu\n",
				gs[i]->cg->id, res[k], ull(v[k]));
	}
}

/* The check script, by outcome. */
static void check_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "check_ok", "gauge", "1 while the group's check script passes.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->check.on)
			gsample(f, "check_ok", gs[i], "%d", !check_failed(&gs[i]->check));
	FAMILY(f, "check_runs_total", "counter",
	       "Check script runs, by result: exited 0, failed, timed out.");
	for (size_t i = 0; i < n; i++) {
		const struct check *c = &gs[i]->check;

		if (!c->on)
			continue;
		fprintf(f,
			"vipd_check_runs_total{group=\"%u\",result=\"ok\"} %llu\n"
			"vipd_check_runs_total{group=\"%u\",result=\"failed\"} %llu\n"
			"vipd_check_runs_total{group=\"%u\",result=\"timed_out\"} %llu\n",
			gs[i]->cg->id, ull(c->runs - c->failures), gs[i]->cg->id,
			ull(c->failures - c->timeouts), gs[i]->cg->id, ull(c->timeouts));
	}
	FAMILY(f, "check_skipped_total", "counter",
	       "Check runs not started because the previous one still ran.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->check.on)
			gsample(f, "check_skipped_total", gs[i], "%llu", ull(gs[i]->check.skipped));
}

/* The built-in SIP check: the last answer and the checks by outcome. */
static void sip_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "sip_check_ok", "gauge", "1 while the group's SIP OPTIONS check passes.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->sip.on)
			gsample(f, "sip_check_ok", gs[i], "%d", !sipcheck_failed(&gs[i]->sip));
	FAMILY(f, "sip_check_response_code", "gauge",
	       "Status code of the last final answer to the SIP check, 0 before the first.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->sip.on)
			gsample(f, "sip_check_response_code", gs[i], "%d", gs[i]->sip.last_code);
	FAMILY(f, "sip_check_rtt_seconds", "gauge",
	       "Round-trip time of the last answered SIP check.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->sip.on)
			gsample(f, "sip_check_rtt_seconds", gs[i], "%.3f",
				(double)gs[i]->sip.last_rtt_ms / 1000.0);
	FAMILY(f, "sip_checks_total", "counter",
	       "SIP OPTIONS checks, by result: answered and accepted, failed, timed out.");
	for (size_t i = 0; i < n; i++) {
		const struct sipcheck *c = &gs[i]->sip;

		if (!c->on)
			continue;
		fprintf(f,
			"vipd_sip_checks_total{group=\"%u\",result=\"ok\"} %llu\n"
			"vipd_sip_checks_total{group=\"%u\",result=\"failed\"} %llu\n"
			"vipd_sip_checks_total{group=\"%u\",result=\"timed_out\"} %llu\n",
			gs[i]->cg->id, ull(c->runs - c->failures), gs[i]->cg->id,
			ull(c->failures - c->timeouts), gs[i]->cg->id, ull(c->timeouts));
	}
	FAMILY(f, "sip_check_stray_total", "counter",
	       "SIP messages that did not answer the check's request (stray or forged), ignored.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->sip.on)
			gsample(f, "sip_check_stray_total", gs[i], "%llu", ull(gs[i]->sip.stray));
}

/* Fences, by outcome, and how long the last one took. */
static void fence_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "fences_total", "counter", "Fence commands run, by result: ok, failed.");
	for (size_t i = 0; i < n; i++) {
		const struct fence *fc = &gs[i]->fence;

		if (!gs[i]->cg->fence_command)
			continue;
		fprintf(f,
			"vipd_fences_total{group=\"%u\",result=\"ok\"} %llu\n"
			"vipd_fences_total{group=\"%u\",result=\"failed\"} %llu\n",
			gs[i]->cg->id, ull(fc->runs - fc->failures - fc->running), gs[i]->cg->id,
			ull(fc->failures));
	}
	FAMILY(f, "fence_duration_seconds", "gauge", "How long the last fence command took.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->cg->fence_command)
			gsample(f, "fence_duration_seconds", gs[i], "%.3f",
				(double)gs[i]->fence.last_ms / 1000.0);
}

/* Switchovers waiting for the calls to end. */
static void drain_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "drain_active", "gauge",
	       "1 while a switchover or standby --when-idle waits for the calls to end.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->cg->calls_command)
			gsample(f, "drain_active", gs[i], "%d", gs[i]->drain.active);
	FAMILY(f, "drain_calls", "gauge",
	       "Calls up by the last calls_command of a drain, -1 when unknown.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->cg->calls_command)
			gsample(f, "drain_calls", gs[i], "%lld", (long long)gs[i]->drain.calls);
}

/* Hooks, checks, fences and drains, by outcome; the daemon's external commands. */
static void command_metrics(struct group *const *gs, size_t n, FILE *f)
{
	const struct exec_stats *xs = exec_stats();

	hook_metrics(gs, n, f);
	check_metrics(gs, n, f);
	sip_metrics(gs, n, f);
	fence_metrics(gs, n, f);
	drain_metrics(gs, n, f);
	FAMILY(f, "commands_started_total", "counter",
	       "External commands (hooks and check scripts) the daemon started.");
	fprintf(f, "vipd_commands_started_total %llu\n", ull(xs->spawns));
	FAMILY(f, "command_failures_total", "counter",
	       "External commands that failed, by reason: untrusted (trust.c refused the "
	       "program), failed (did not start otherwise, exited non-zero or killed) or "
	       "timed out.");
	fprintf(f,
		"vipd_command_failures_total{reason=\"failed\"} %llu\n"
		"vipd_command_failures_total{reason=\"timed_out\"} %llu\n"
		"vipd_command_failures_total{reason=\"untrusted\"} %llu\n",
		ull(xs->failures - xs->timeouts - xs->untrusted), ull(xs->timeouts),
		ull(xs->untrusted));
}

void metrics_write(const struct daemon *d, FILE *f)
{
	uint64_t now = clock_now_ms();
	struct group *const *gs = d->groups;
	size_t n = d->n_groups;

	daemon_metrics(d, now, f);
	state_metrics(gs, n, now, f);
	vip_metrics(gs, n, f);
	agree_metrics(gs, n, f);
	heartbeat_metrics(gs, n, f);
	peer_metrics(gs, n, now, f);
	layout_metrics(gs, n, f);
	command_metrics(gs, n, f);
}

/* ---- metrics_file --------------------------------------------------------- */

static ev_timer metrics_timer;
static char metrics_last[CONF_PATH_MAX]; /* the file last written, "" if none */
static struct log_rl metrics_rl = LOG_RL_INIT(METRICS_LOG_BURST, METRICS_LOG_PERIOD_MS);

/* Write the text to a temporary file beside @path and rename it over @path. 0 or -1 (logged). */
static int metrics_file_write(const struct daemon *d, const char *path)
{
	char tmp[CONF_PATH_MAX + 16];
	FILE *f = NULL;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	f = fdopen(fd, "w");
	if (!f || fchmod(fd, 0644) < 0) {
		err = errno;
		if (!f)
			close(fd);
		goto fail_unlink;
	}
	metrics_write(d, f);
	if (fflush(f) != 0 || ferror(f)) {
		err = errno ? errno : EIO;
		goto fail_unlink;
	}
	if (fclose(f) != 0) {
		f = NULL;
		err = errno;
		goto fail_unlink;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		err = errno;
		goto fail_unlink;
	}
	return 0;
fail_unlink:
	if (f)
		fclose(f);
	unlink(tmp);
fail:
	log_rl(&metrics_rl, LOG_ERR, "metrics_file %s: %s", path, strerror(err));
	return -1;
}

/* Each tick: write the file named by the configuration in force now (reload may change it). */
static void metrics_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	const struct daemon *d = w->data;
	const char *path = d->conf.metrics_file;

	(void)revents;
	if (metrics_last[0] && strcmp(metrics_last, path) != 0) {
		/* The setting changed or went: the old file must not show a frozen state. */
		unlink(metrics_last);
		metrics_last[0] = '\0';
	}
	if (path[0] && metrics_file_write(d, path) == 0)
		snprintf(metrics_last, sizeof(metrics_last), "%s", path);
	w->repeat = d->conf.metrics_interval_ms / 1000.0;
	ev_timer_again(loop, w);
}

void metrics_file_start(struct daemon *d)
{
	ev_init(&metrics_timer, metrics_tick);
	metrics_timer.data = d;
	metrics_timer.repeat = d->conf.metrics_interval_ms / 1000.0;
	/* A first file at once, then every interval. */
	ev_timer_set(&metrics_timer, 0.0, metrics_timer.repeat);
	ev_timer_start(d->loop, &metrics_timer);
}

void metrics_file_stop(struct daemon *d)
{
	if (d->loop && ev_is_active(&metrics_timer))
		ev_timer_stop(d->loop, &metrics_timer);
	/* A stopped daemon has no state to report: no stale MASTER for the collector. */
	if (metrics_last[0])
		unlink(metrics_last);
	metrics_last[0] = '\0';
}
