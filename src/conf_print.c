/*
 * conf_print.c - the effective configuration as libconfig text (vipd -t -v):
 * every default filled in, keys never shown. What it prints loads back to
 * the same struct conf (test_conf, fuzz_conf check that).
 */
#include <arpa/inet.h>
#include <limits.h>

#include "conf_parse.h"

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

/* The group's hooks, checks, fence and calls commands with their numbers. */
static void conf_print_commands(const struct conf_group *g, FILE *f, const char *in)
{
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
	conf_print_commands(g, f, in);
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
