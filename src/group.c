/*
 * group.c - one VIP group at run time. Receives heartbeats, feeds the pure
 * state machine (fsm.c) with events stamped by the monotonic clock, and
 * carries out the actions it returns: send, add/remove VIPs through nl.c,
 * announce through announce.c. Logs each transition once, with its reason.
 *
 * Cost: one timer per group armed at the state machine's next deadline,
 * one datagram per interval each way; nothing runs between deadlines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "group.h"
#include "mcast.h"

#define RX_BURST 64	/* datagrams read per wake-up, so one group cannot starve others */

uint64_t group_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void fsm_cfg_from(struct fsm_cfg *fc, const char *node_name, const struct conf_group *cg)
{
	memset(fc, 0, sizeof(*fc));
	fc->group_id = cg->id;
	snprintf(fc->name, sizeof(fc->name), "%s", node_name);
	fc->interval_ms = cg->interval_ms;
	fc->misses = cg->misses;
	fc->rise = cg->rise;
	fc->preempt = cg->preempt;
	fc->preempt_delay_ms = cg->preempt_delay_ms;
	fc->refresh_ms = cg->garp_refresh_ms;
	fc->stop_wait_ms = VIPD_STOP_WAIT_MS;
}

static void vips_add(struct group *g)
{
	for (size_t i = 0; i < g->cg->n_vips; i++)
		if (nl_addr_add(g->nl, g->cg->ifindex, g->cg->label, &g->cg->vips[i]) < 0)
			g->st.nl_err++;
}

static void vips_del(struct group *g)
{
	for (size_t i = 0; i < g->cg->n_vips; i++)
		if (nl_addr_del(g->nl, g->cg->ifindex, &g->cg->vips[i]) < 0)
			g->st.nl_err++;
}

/* One round of announcements for every VIP, from the interface's MAC. */
static void announce_round(struct group *g)
{
	uint8_t mac[6];
	bool up;

	if (!g->ann || nl_link_info(g->nl, g->cg->ifindex, mac, &up) < 0)
		return;
	for (size_t i = 0; i < g->cg->n_vips; i++)
		announce_vip(g->ann, mac, &g->cg->vips[i]);
	g->st.announce++;
}

static void garp_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct group *g = w->data;

	(void)loop;
	(void)revents;
	if (g->garp_left == 0 || g->fsm.state != FSM_MASTER) {
		ev_timer_stop(g->loop, &g->garp);
		g->garp_left = 0;
		return;
	}
	announce_round(g);
	if (--g->garp_left == 0)
		ev_timer_stop(g->loop, &g->garp);
}

/* The first round goes out now, the rest of the burst from a timer. */
static void announce_burst(struct group *g, uint32_t count)
{
	announce_round(g);
	g->garp_left = count > 0 ? count - 1 : 0;
	ev_timer_stop(g->loop, &g->garp);
	if (g->garp_left > 0) {
		double iv = g->cg->garp_interval_ms / 1000.0;

		ev_timer_set(&g->garp, iv, iv);
		ev_timer_start(g->loop, &g->garp);
	}
}

static void send_pkt(struct group *g, const struct proto_pkt *p)
{
	uint8_t buf[PROTO_LEN];
	int n = proto_encode(p, g->cg->key, g->cg->key_len, buf, sizeof(buf));

	if (n < 0 || mcast_send(g->fd, g->cg, buf, (size_t)n) < 0) {
		g->st.tx_err++;
		if (log_ratelimit(&g->rl, group_now_ms(), 5, 10000))
			log_warn("group %u: send heartbeat: %s", g->cg->id,
				 n < 0 ? proto_strerror(n) : strerror(errno));
		return;
	}
	g->st.tx++;
}

static void arm(struct group *g, uint64_t deadline_ms)
{
	uint64_t now = group_now_ms();

	ev_timer_stop(g->loop, &g->timer);
	if (deadline_ms == UINT64_MAX)
		return;
	ev_now_update(g->loop);
	ev_timer_set(&g->timer, deadline_ms > now ? (deadline_ms - now) / 1000.0 : 0.0, 0.0);
	ev_timer_start(g->loop, &g->timer);
}

static void apply(struct group *g, const struct fsm_output *o)
{
	const char *peer = g->fsm.peer.name[0] ? g->fsm.peer.name : "(none)";

	if (o->changed)
		log_notice("group %u: %s -> %s (%s)", g->cg->id, fsm_state_name(o->from),
			   fsm_state_name(g->fsm.state), fsm_reason_text(o->reason));
	if (o->contention_won) {
		g->st.contentions++;
		log_notice("group %u: two masters: %s also claims the VIPs, this node ranks "
			   "higher and announces again", g->cg->id, peer);
	}
	if (o->reannounce)
		log_notice("group %u: %s dropped the VIPs this node holds, announcing again",
			   g->cg->id, peer);
	for (size_t i = 0; i < o->n_act; i++) {
		switch (o->act[i].type) {
		case FSM_ACT_SEND:
			send_pkt(g, &o->act[i].pkt);
			break;
		case FSM_ACT_ADD_VIPS:
			vips_add(g);
			break;
		case FSM_ACT_DEL_VIPS:
			vips_del(g);
			break;
		case FSM_ACT_ANNOUNCE:
			/* A refresh is one round; a takeover or a contention a burst. */
			announce_burst(g, o->changed || o->contention_won || o->reannounce
						  ? g->cg->garp_count
						  : 1);
			break;
		case FSM_ACT_EXIT:
			g->exited = true;
			break;
		}
	}
	if (o->changed && o->reason == FSM_R_CONTENTION_LOST)
		g->st.contentions++;
	if (o->changed && g->hooks.transition)
		g->hooks.transition(g->hooks.ctx, g, o->from, g->fsm.state, o->reason);
	if (g->exited) {
		ev_io_stop(g->loop, &g->io);
		ev_timer_stop(g->loop, &g->timer);
		ev_timer_stop(g->loop, &g->garp);
		if (g->hooks.exited)
			g->hooks.exited(g->hooks.ctx, g);
		return;
	}
	arm(g, o->next_deadline_ms);
}

static int step(struct group *g, struct fsm_input *in)
{
	struct fsm_output out;
	int rc;

	if (g->exited)
		return FSM_E_STATE;
	in->now_ms = group_now_ms();
	rc = fsm_step(&g->fsm, &g->fc, in, &out);
	apply(g, &out);
	return rc;
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fsm_input in = { .ev = FSM_EV_TIMER };

	(void)loop;
	(void)revents;
	step(w->data, &in);
}

static void count_drop(struct group *g, const struct sockaddr_in *from, const char *why)
{
	char addr[INET_ADDRSTRLEN];

	if (!log_ratelimit(&g->rl, group_now_ms(), 5, 10000))
		return;
	inet_ntop(AF_INET, &from->sin_addr, addr, sizeof(addr));
	log_warn("group %u: dropped heartbeat from %s: %s", g->cg->id, addr, why);
}

/* Every check a datagram must pass before it reaches the state machine. */
static void receive_one(struct group *g, const uint8_t *buf, ssize_t n, int ttl,
			const struct sockaddr_in *from)
{
	struct fsm_input in = { .ev = FSM_EV_PACKET };
	struct fsm_output out;
	struct proto_pkt pkt;
	uint32_t gid;
	int err;

	/* A router between the nodes would have lowered it: not on-link. */
	if (ttl != 255) {
		g->st.ttl++;
		count_drop(g, from, "TTL is not 255 (sender is not on this link)");
		return;
	}
	err = proto_peek_group(buf, (size_t)n, &gid);
	if (err == PROTO_OK && gid != g->cg->id) {
		/* Another group on the same address and port: not ours, not an error. */
		g->st.other_group++;
		return;
	}
	if (err == PROTO_OK)
		err = proto_decode(buf, (size_t)n, g->cg->key, g->cg->key_len, &pkt);
	if (err != PROTO_OK) {
		g->st.rx_err[-err]++;
		count_drop(g, from, proto_strerror(err));
		return;
	}
	in.pkt = &pkt;
	in.now_ms = group_now_ms();
	fsm_step(&g->fsm, &g->fc, &in, &out);
	if (out.drop != FSM_DROP_NONE) {
		g->st.drop[out.drop]++;
		if (out.drop != FSM_DROP_OWN)
			count_drop(g, from, fsm_drop_key(out.drop));
	} else {
		g->st.rx++;
		g->peer_addr = *from;
	}
	apply(g, &out);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct group *g = w->data;
	uint8_t buf[PROTO_LEN + 1];
	struct sockaddr_in from;
	int ttl;

	(void)loop;
	(void)revents;
	for (int i = 0; i < RX_BURST && !g->exited; i++) {
		ssize_t n = mcast_recv(g->fd, buf, sizeof(buf), &from, &ttl);

		if (n == MCAST_NONE)
			break;
		if (n == MCAST_ERROR) {
			if (log_ratelimit(&g->rl, group_now_ms(), 5, 10000))
				log_warn("group %u: receive: %s", g->cg->id, strerror(errno));
			break;
		}
		receive_one(g, buf, n, ttl, &from);
	}
}

void group_link(struct group *g, bool up)
{
	struct fsm_input in = { .ev = FSM_EV_HEALTH, .healthy = up,
				.priority = g->fsm.priority };

	if (up == g->link_up)
		return;
	g->link_up = up;
	log_notice("group %u: %s link %s", g->cg->id, g->cg->interface, up ? "up" : "down");
	step(g, &in);
}

int group_start(struct group *g, struct ev_loop *loop, struct nl *nl, const char *node_name,
		const struct conf_group *cg, uint64_t boot_id, bool standby,
		const struct group_hooks *hooks)
{
	struct fsm_input in = { .ev = FSM_EV_START };

	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->nl = nl;
	g->cg = cg;
	g->hooks = *hooks;
	fsm_cfg_from(&g->fc, node_name, cg);
	fsm_init(&g->fsm, &g->fc, boot_id, cg->priority);
	g->fsm.standby = standby;
	g->fd = mcast_open(cg);
	if (g->fd < 0)
		goto fail;
	g->ann = announce_open(cg->ifindex);
	if (!g->ann)
		goto fail_fd;
	ev_io_init(&g->io, io_cb, g->fd, EV_READ);
	/* Queued heartbeats are read before late timers fire (see fsm.c, stalls). */
	ev_set_priority(&g->io, EV_MAXPRI);
	g->io.data = g;
	ev_init(&g->timer, timer_cb);
	g->timer.data = g;
	ev_init(&g->garp, garp_cb);
	g->garp.data = g;
	ev_io_start(loop, &g->io);
	log_info("group %u: listening on %s for %llu ms before claiming %zu VIP(s)%s", cg->id,
		 cg->interface, (unsigned long long)fsm_dead_ms(&g->fc, &g->fsm, 0), cg->n_vips,
		 standby ? " (standby)" : "");
	step(g, &in);
	/* Without carrier the node is FAULT from the start, never MASTER. */
	{
		uint8_t mac[6];
		bool up = false;

		g->link_up = true;
		if (nl_link_info(nl, cg->ifindex, mac, &up) < 0 || !up)
			group_link(g, false);
	}
	return 0;
fail_fd:
	close(g->fd);
fail:
	g->fd = -1;
	return -1;
}

void group_stop(struct group *g)
{
	struct fsm_input in = { .ev = FSM_EV_STOP };

	step(g, &in);
}

void group_free(struct group *g)
{
	if (g->loop) {
		ev_io_stop(g->loop, &g->io);
		ev_timer_stop(g->loop, &g->timer);
		ev_timer_stop(g->loop, &g->garp);
	}
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	announce_close(g->ann);
	g->ann = NULL;
}

int group_switchover(struct group *g, bool force)
{
	struct fsm_input in = { .ev = FSM_EV_SWITCHOVER, .force = force };

	return step(g, &in);
}

int group_standby(struct group *g, bool on, bool force)
{
	struct fsm_input in = { .ev = FSM_EV_STANDBY, .on = on, .force = force };

	return step(g, &in);
}

void group_reconf(struct group *g, const struct conf_group *cg)
{
	struct fsm_input in = { .ev = FSM_EV_HEALTH, .healthy = g->fsm.healthy,
				.priority = cg->priority };
	char name[VIPD_NAME_MAX];

	memcpy(name, g->fc.name, sizeof(name));
	g->cg = cg;
	fsm_cfg_from(&g->fc, name, cg);
	step(g, &in);
}

static double loss_pct(const struct fsm_peer *p)
{
	uint64_t expected;

	if (p->rx == 0 || p->seq < p->seq_first)
		return 0.0;
	expected = p->seq - p->seq_first + 1;
	return expected > p->rx ? 100.0 * (double)(expected - p->rx) / (double)expected : 0.0;
}

void group_status(const struct group *g, struct json_object *o)
{
	const struct fsm *s = &g->fsm;
	const struct fsm_peer *p = &s->peer;
	uint64_t now = group_now_ms();
	struct json_object *vips = json_object_new_array();
	struct json_object *cnt = json_object_new_object();
	struct json_object *rej = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(g->cg->id));
	json_object_object_add(o, "state", json_object_new_string(fsm_state_name(s->state)));
	json_object_object_add(o, "since_ms_ago", json_object_new_int64((int64_t)(now - s->since_ms)));
	json_object_object_add(o, "reason", json_object_new_string(fsm_reason_text(s->reason)));
	json_object_object_add(o, "priority", json_object_new_int(s->priority));
	json_object_object_add(o, "standby", json_object_new_boolean(s->standby));
	json_object_object_add(o, "healthy", json_object_new_boolean(s->healthy));
	json_object_object_add(o, "interface", json_object_new_string(g->cg->interface));
	for (size_t i = 0; i < g->cg->n_vips; i++) {
		struct json_object *v = json_object_new_object();
		int here = nl_addr_present(g->nl, g->cg->ifindex, &g->cg->vips[i]);

		json_object_object_add(v, "address", json_object_new_string(g->cg->vips[i].text));
		json_object_object_add(v, "present", json_object_new_boolean(here == 1));
		json_object_array_add(vips, v);
	}
	json_object_object_add(o, "vips", vips);
	if (p->name[0]) {
		struct json_object *po = json_object_new_object();
		char addr[INET_ADDRSTRLEN] = "";

		inet_ntop(AF_INET, &g->peer_addr.sin_addr, addr, sizeof(addr));
		json_object_object_add(po, "name", json_object_new_string(p->name));
		json_object_object_add(po, "address", json_object_new_string(addr));
		json_object_object_add(po, "state", json_object_new_string(
			p->alive ? proto_state_name(p->state) : "DEAD"));
		json_object_object_add(po, "priority", json_object_new_int(p->priority));
		json_object_object_add(po, "alive", json_object_new_boolean(p->alive));
		json_object_object_add(po, "last_heard_ms_ago",
				       json_object_new_int64((int64_t)(now - p->last_heard_ms)));
		json_object_object_add(po, "loss_pct", json_object_new_double(loss_pct(p)));
		/* It heard one of our last three heartbeats: the link works both ways. */
		json_object_object_add(po, "hears_us", json_object_new_boolean(
			p->alive && p->peer_seq + 3 >= s->tx_seq));
		json_object_object_add(o, "peer", po);
	} else {
		json_object_object_add(o, "peer", NULL);
	}
	json_object_object_add(cnt, "tx", json_object_new_int64((int64_t)g->st.tx));
	json_object_object_add(cnt, "tx_errors", json_object_new_int64((int64_t)g->st.tx_err));
	json_object_object_add(cnt, "rx", json_object_new_int64((int64_t)g->st.rx));
	json_object_object_add(cnt, "transitions", json_object_new_int64((int64_t)s->transitions));
	json_object_object_add(cnt, "contentions", json_object_new_int64((int64_t)g->st.contentions));
	json_object_object_add(cnt, "stalls", json_object_new_int64((int64_t)s->stalls));
	json_object_object_add(cnt, "announcements", json_object_new_int64((int64_t)g->st.announce));
	json_object_object_add(cnt, "netlink_errors", json_object_new_int64((int64_t)g->st.nl_err));
	for (int e = 1; e < PROTO_E_COUNT; e++)
		if (e != -PROTO_E_ARG)
			json_object_object_add(rej, proto_err_key(-e),
					       json_object_new_int64((int64_t)g->st.rx_err[e]));
	for (int d = 1; d < FSM_DROP_COUNT; d++)
		json_object_object_add(rej, fsm_drop_key((enum fsm_drop)d),
				       json_object_new_int64((int64_t)g->st.drop[d]));
	json_object_object_add(rej, "ttl", json_object_new_int64((int64_t)g->st.ttl));
	json_object_object_add(cnt, "rejected", rej);
	json_object_object_add(o, "counters", cnt);
}

/* One metric family: HELP and TYPE once, then a sample per group. */
#define FAMILY(f, name, type, help) \
	fprintf(f, "# HELP vipd_%s %s\n# TYPE vipd_%s %s\n", name, help, name, type)

void group_metrics(struct group *const *gs, size_t n, FILE *f)
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
}
