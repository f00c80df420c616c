/*
 * metrics.c - the Prometheus text format of every group, family by family
 * (what `vipctl metrics` prints). Reads the groups; changes nothing.
 */
#include "exec.h"
#include "mcast.h"
#include "metrics.h"
#include "status.h"

/* One metric family: HELP and TYPE once, then a sample per group. */
#define FAMILY(f, name, type, help) \
	fprintf(f, "# HELP vipd_%s %s\n# TYPE vipd_%s %s\n", name, help, name, type)

/* Hooks by outcome, and the check script's verdict where there is one. */
static void hook_metrics(struct group *const *gs, size_t n, FILE *f)
{
	static const char *const res[] = { "started", "failed", "timed_out", "dropped" };

	FAMILY(f, "hooks_total", "counter",
	       "Hook commands started, and of those failed (timeouts included) or timed out; "
	       "dropped from a full queue.");
	for (size_t i = 0; i < n; i++) {
		struct hook_stats hs = hook_stats(gs[i]->hook);
		const uint64_t v[] = { hs.run, hs.failed, hs.timed_out, hs.dropped };

		for (size_t k = 0; k < sizeof(res) / sizeof(res[0]); k++)
			fprintf(f, "vipd_hooks_total{group=\"%u\",result=\"%s\"} %llu\n",
				gs[i]->cg->id, res[k], (unsigned long long)v[k]);
	}
	FAMILY(f, "check_ok", "gauge", "1 while the group's check script passes.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->check.on)
			fprintf(f, "vipd_check_ok{group=\"%u\"} %d\n", gs[i]->cg->id,
				!check_failed(&gs[i]->check));
	FAMILY(f, "check_failures_total", "counter", "Check script runs that failed.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->check.on)
			fprintf(f, "vipd_check_failures_total{group=\"%u\"} %llu\n",
				gs[i]->cg->id, (unsigned long long)gs[i]->check.failures);
	FAMILY(f, "commands_total", "counter",
	       "External commands (hooks and check scripts) of the daemon, by result.");
	fprintf(f, "vipd_commands_total{result=\"started\"} %llu\n"
		   "vipd_commands_total{result=\"failed\"} %llu\n"
		   "vipd_commands_total{result=\"timed_out\"} %llu\n",
		(unsigned long long)exec_stats()->spawns, (unsigned long long)exec_stats()->failures,
		(unsigned long long)exec_stats()->timeouts);
}

/* The VIPs against the wish, and what the reconciler had to do about it. */
static void vip_metrics(struct group *const *gs, size_t n, FILE *f)
{
	FAMILY(f, "vip_present", "gauge",
	       "1 while the VIP is on this node where it belongs (as the kernel last said).");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < gs[i]->cg->n_vips; k++)
			fprintf(f, "vipd_vip_present{group=\"%u\",vip=\"%s\"} %d\n", gs[i]->cg->id,
				gs[i]->cg->vips[k].text,
				gs[i]->vs.ifindex && addrtab_find(gs[i]->vs.tab, gs[i]->vs.ifindex,
								  &gs[i]->cg->vips[k]) != NULL);
	FAMILY(f, "vip_expected", "gauge", "1 while this node's role says the VIP belongs here.");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < gs[i]->cg->n_vips; k++)
			fprintf(f, "vipd_vip_expected{group=\"%u\",vip=\"%s\"} %d\n", gs[i]->cg->id,
				gs[i]->cg->vips[k].text, gs[i]->vs.want);
	FAMILY(f, "vip_drift", "gauge",
	       "1 while the kernel's addresses differ from what the group wants.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_vip_drift{group=\"%u\"} %d\n", gs[i]->cg->id,
			vipset_drift(&gs[i]->vs));
	FAMILY(f, "vip_repairs_total", "counter",
	       "Wanted VIPs added back after another program removed them.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_vip_repairs_total{group=\"%u\"} %llu\n", gs[i]->cg->id,
			(unsigned long long)gs[i]->vs.st.repairs);
	FAMILY(f, "vip_copies_removed_total", "counter",
	       "Copies of VIPs removed where they did not belong (a non-master, another prefix "
	       "or interface).");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_vip_copies_removed_total{group=\"%u\"} %llu\n", gs[i]->cg->id,
			(unsigned long long)gs[i]->vs.st.removed);
	FAMILY(f, "vip_fights_total", "counter",
	       "Episodes of another program undoing the VIPs again and again.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_vip_fights_total{group=\"%u\"} %llu\n", gs[i]->cg->id,
			(unsigned long long)gs[i]->vs.st.fights);
}

void metrics_write(struct group *const *gs, size_t n, FILE *f)
{
	uint64_t now = group_now_ms();

	FAMILY(f, "group_state", "gauge", "1 for the group's current state.");
	for (size_t i = 0; i < n; i++)
		for (int st = FSM_INIT; st <= FSM_STOPPING; st++)
			fprintf(f, "vipd_group_state{group=\"%u\",state=\"%s\"} %d\n", gs[i]->cg->id,
				fsm_state_name((enum fsm_state)st),
				gs[i]->fsm.state == (enum fsm_state)st);
	FAMILY(f, "group_priority", "gauge", "Effective priority.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_group_priority{group=\"%u\"} %u\n", gs[i]->cg->id,
			gs[i]->fsm.priority);
	FAMILY(f, "transitions_total", "counter", "State transitions.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_transitions_total{group=\"%u\"} %llu\n", gs[i]->cg->id,
			(unsigned long long)gs[i]->fsm.transitions);
	FAMILY(f, "heartbeats_sent_total", "counter", "Heartbeats sent.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_heartbeats_sent_total{group=\"%u\"} %llu\n", gs[i]->cg->id,
			(unsigned long long)gs[i]->st.tx);
	FAMILY(f, "heartbeats_received_total", "counter", "Heartbeats accepted.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_heartbeats_received_total{group=\"%u\"} %llu\n", gs[i]->cg->id,
			(unsigned long long)gs[i]->st.rx);
	FAMILY(f, "heartbeats_rejected_total", "counter", "Heartbeats dropped, by reason.");
	for (size_t i = 0; i < n; i++) {
		const struct group *g = gs[i];

		for (int e = 1; e < PROTO_E_COUNT; e++)
			if (e != -PROTO_E_ARG)
				fprintf(f, "vipd_heartbeats_rejected_total{group=\"%u\",reason=\"%s\"}"
					" %llu\n", g->cg->id, proto_err_key(-e),
					(unsigned long long)g->st.rx_err[e]);
		for (int d = 1; d < FSM_DROP_COUNT; d++)
			fprintf(f, "vipd_heartbeats_rejected_total{group=\"%u\",reason=\"%s\"} %llu\n",
				g->cg->id, fsm_drop_key((enum fsm_drop)d),
				(unsigned long long)g->st.drop[d]);
		fprintf(f, "vipd_heartbeats_rejected_total{group=\"%u\",reason=\"ttl\"} %llu\n",
			g->cg->id, (unsigned long long)g->st.ttl);
	}
	FAMILY(f, "peer_alive", "gauge", "1 if the peer was heard within its dead interval.");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "vipd_peer_alive{group=\"%u\"} %d\n", gs[i]->cg->id,
			gs[i]->fsm.peer.alive);
	FAMILY(f, "peer_last_heard_seconds", "gauge", "Age of the peer's last heartbeat.");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->fsm.peer.name[0])
			fprintf(f, "vipd_peer_last_heard_seconds{group=\"%u\"} %.3f\n",
				gs[i]->cg->id,
				(double)(now - gs[i]->fsm.peer.last_heard_ms) / 1000.0);
	FAMILY(f, "group_info", "gauge",
	       "1 per group: heartbeat family and group, virtual MAC interface, sync set.");
	for (size_t i = 0; i < n; i++) {
		const struct conf_group *cg = gs[i]->cg;
		char addr[INET6_ADDRSTRLEN];

		fprintf(f, "vipd_group_info{group=\"%u\",heartbeat_family=\"%s\",heartbeat_group="
			"\"%s\",vmac=\"%s\",sync_group=\"%s\",sync_role=\"%s\"} 1\n", cg->id,
			cg->mcast_family == AF_INET6 ? "ipv6" : "ipv4",
			mcast_group_text(cg, addr, sizeof(addr)), cg->vmac ? cg->vmac_ifname : "",
			cg->sync_group, status_sync_role(gs[i]) ? status_sync_role(gs[i]) : "");
	}
	FAMILY(f, "sync_blocked", "gauge",
	       "Sync set leaders: 1 while a follower cannot hold its VIPs (the set is unhealthy).");
	for (size_t i = 0; i < n; i++)
		if (gs[i]->cg->sync_group[0] && gs[i]->cg->sync_leader == gs[i]->cg->id)
			fprintf(f, "vipd_sync_blocked{group=\"%u\"} %d\n", gs[i]->cg->id,
				gs[i]->sync_blocked);
	hook_metrics(gs, n, f);
	vip_metrics(gs, n, f);
}
