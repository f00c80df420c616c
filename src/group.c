/*
 * group.c - one VIP group at run time. Receives heartbeats, feeds the pure
 * state machine (fsm.c) with events stamped by the monotonic clock, and
 * carries out the actions it returns: send, add/remove VIPs through nl.c,
 * announce through announce.c. Logs each transition once, with its reason.
 *
 * Cost: one timer per group armed at the state machine's next deadline,
 * one datagram per interval each way; nothing runs between deadlines.
 *
 * Its other files: group_rx.c (what a datagram must pass to reach the state
 * machine), group_net.c (where heartbeats go out and VIPs live: sockets,
 * bundles, interfaces, vmac), shared in src/group_int.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "digest.h"
#include "group_int.h"
#include "hbbundle.h"
#include "mcast.h"

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
	fc->probe_ms = cg->claim_probe_ms;
	fc->follower = cg->sync_leader != 0 && cg->sync_leader != cg->id;
	fc->base_priority = cg->priority;
	fc->key_id = proto_key_id(cg->key, cg->key_len);
	digest_settings(cg, fc->digest);
	fc->fence = cg->fence_command != NULL;
}

int group_step_at(struct group *g, struct fsm_input *in, const struct group_rx *rx,
		  uint64_t now_ms);

/* The claim probe found another host answering for a VIP. */
static void claim_answered(void *ctx)
{
	struct fsm_input in = { .ev = FSM_EV_VIP_ANSWERED };

	group_step(ctx, &in, NULL);
}

/* The fence command ended (fence.c); the state machine decides what it allows. */
static void fence_done(void *ctx, bool ok)
{
	struct fsm_input in = { .ev = FSM_EV_FENCE_DONE, .ok = ok };

	group_step(ctx, &in, NULL);
}

static void upstream_changed(void *ctx, bool reachable)
{
	struct fsm_input in = { .ev = FSM_EV_UPSTREAM, .healthy = reachable };

	group_step(ctx, &in, NULL);
}

/* Once per change: which shared settings the peer has otherwise (vipd.conf(5), PEERS MUST AGREE).
 */
static void log_mismatch(const struct group *g)
{
	char what[96] = "";
	size_t len = 0;

	for (int k = 0; k < PROTO_DIGEST_COUNT; k++)
		if (g->fsm.peer.mismatch & (1u << k))
			len += (size_t)snprintf(what + len,
						len < sizeof(what) ? sizeof(what) - len : 0, "%s%s",
						len ? ", " : "", digest_class_name(k));
	if (g->fsm.peer.mismatch)
		log_warnx(
			"group %u: %s's settings differ from this node's: %s (reported, not acted "
			"on; make the configs agree)",
			g->cg->id, g->fsm.peer.name, what);
	else
		log_notice("group %u: %s's settings agree with this node's again", g->cg->id,
			   g->fsm.peer.name);
}

/*
 * The daemon hears of a step (struct group_hooks) only once the step is
 * over: the actions carried out, the group's timer armed at the state
 * machine's new deadline. A callback may step other groups and through
 * them this one again (a follower's transition makes its leader unhealthy,
 * the leader's resign steps the follower): called from within the step,
 * the inner step armed the timer and the outer one then armed it again
 * with its own, stale deadline. So apply() queues what to tell, and
 * deliver() tells it, in order; a step of this group from within one of
 * its callbacks queues its own notes behind, delivered by the same loop.
 *
 * Bounded: a step queues at most three notes (transition, master again,
 * can hold; or exited), and a callback steps its own group again only
 * through another group's state change, which is once per sync set move.
 */
static void note(struct group *g, const struct group_note *n)
{
	if (g->n_notes == GROUP_NOTES) {
		log_errx("group %u: %d notifications pending: one dropped", g->cg->id, GROUP_NOTES);
		return;
	}
	g->notes[(g->note_head + g->n_notes++) % GROUP_NOTES] = *n;
}

static void deliver(struct group *g)
{
	const struct group_hooks *h = &g->hooks;

	if (g->delivering)
		return; /* a callback stepped us again: the loop below tells it */
	g->delivering = true;
	while (g->n_notes > 0) {
		struct group_note n = g->notes[g->note_head];

		g->note_head = (g->note_head + 1) % GROUP_NOTES;
		g->n_notes--;
		switch (n.type) {
		case GROUP_NOTE_TRANSITION:
			if (h->transition)
				h->transition(h->ctx, g, n.from, n.to, n.why);
			break;
		case GROUP_NOTE_MASTER_AGAIN:
			if (h->master_again)
				h->master_again(h->ctx, g, n.contention);
			break;
		case GROUP_NOTE_CAN_HOLD:
			if (h->can_hold)
				h->can_hold(h->ctx, g);
			break;
		case GROUP_NOTE_EXITED:
			if (h->exited)
				h->exited(h->ctx, g);
			break;
		}
	}
	g->delivering = false;
}

static void apply(struct group *g, const struct fsm_output *o)
{
	const char *peer = g->fsm.peer.name[0] ? g->fsm.peer.name : "(none)";

	if (o->changed) {
		char why[64];

		group_reason(g, o->reason, why, sizeof(why));
		log_notice("group %u: %s -> %s (%s)", g->cg->id, fsm_state_name(o->from),
			   fsm_state_name(g->fsm.state), why);
	}
	if (o->contention_won) {
		g->st.contentions++;
		log_notice("group %u: two masters: %s also claims the VIPs, this node ranks "
			   "higher and announces again",
			   g->cg->id, peer);
	}
	if (o->reannounce)
		log_notice("group %u: %s dropped the VIPs this node holds, announcing again",
			   g->cg->id, peer);
	if (o->peer_returned)
		log_info("group %u: %s is back, announcing again", g->cg->id, peer);
	if (o->conflict_started)
		log_errx(
			"group %u: another node uses the name %s: not claiming (give each node its "
			"own node.name)",
			g->cg->id, g->fc.name);
	if (o->mismatch_changed)
		log_mismatch(g);
	for (size_t i = 0; i < o->n_act; i++) {
		switch (o->act[i].type) {
		case FSM_ACT_SEND:
			group_send(g, &o->act[i].pkt);
			break;
		case FSM_ACT_ADD_VIPS:
			vipset_want(&g->vs, true);
			break;
		case FSM_ACT_DEL_VIPS:
			vipset_want(&g->vs, false);
			break;
		case FSM_ACT_ANNOUNCE:
			vipset_announce(&g->vs, o->act[i].burst ? g->cg->garp_count : 1);
			break;
		case FSM_ACT_EXIT:
			g->exited = true;
			break;
		case FSM_ACT_PROBE:
			claim_probe(&g->claim);
			break;
		case FSM_ACT_FENCE: {
			char addr[INET6_ADDRSTRLEN];

			group_peer_address(g, addr, sizeof(addr));
			fence_start(&g->fence, g->fsm.peer.name, addr);
			break;
		}
		}
	}
	if (o->changed && o->reason == FSM_R_CONTENTION_LOST)
		g->st.contentions++;
	if (o->changed && o->from == FSM_MASTER && g->fsm.state != FSM_MASTER)
		drain_cancel(&g->drain, "this node is no longer master");
	if (o->changed)
		note(g, &(struct group_note){ .type = GROUP_NOTE_TRANSITION,
					      .from = o->from,
					      .to = g->fsm.state,
					      .why = o->reason });
	if (o->contention_won || o->reannounce)
		note(g, &(struct group_note){ .type = GROUP_NOTE_MASTER_AGAIN,
					      .contention = o->contention_won });
	if (g->exited) {
		ev_timer_stop(g->loop, &g->timer);
		ev_timer_stop(g->loop, &g->vs.garp);
		check_stop(&g->check);
		sipcheck_stop(&g->sip);
		note(g, &(struct group_note){ .type = GROUP_NOTE_EXITED });
		return;
	}
	group_arm(g, o->next_deadline_ms);
}

bool group_can_hold(const struct group *g)
{
	return g->fsm.state != FSM_FAULT && g->fsm.healthy && g->fsm.upstream;
}

/*
 * What a heartbeat that reached the state machine did to the counters: an
 * accepted one (or a copy of one, by the other path) shows its path alive.
 */
static void rx_account(struct group *g, const struct group_rx *rx, const struct fsm_output *o,
		       uint64_t now)
{
	if (o->drop != FSM_DROP_NONE) {
		g->st.drop[o->drop]++;
		if (o->drop != FSM_DROP_OWN && o->drop != FSM_DROP_HELLO)
			group_count_drop(g, GROUP_LOG_PEER, rx->from, fsm_drop_key(o->drop));
		return;
	}
	if (o->duplicate) {
		g->dup++;
	} else {
		g->st.rx++;
		g->peer_addr = *rx->from;
	}
	rx->path->last_heard_ms = now;
	rx->path->rx++;
}

/*
 * When this turn of the event loop began (the first step in it), for every
 * step of the turn: fsm_input.turn_ms. Bundle mates stepped one after the
 * other in a long turn (a loaded machine) then still decide as one.
 */
static uint64_t turn_ms(struct ev_loop *loop, uint64_t now_ms)
{
	static unsigned iteration;
	static uint64_t began_ms;

	if (!began_ms || ev_iteration(loop) != iteration || began_ms > now_ms) {
		iteration = ev_iteration(loop);
		began_ms = now_ms;
	}
	return began_ms;
}

/*
 * The one way into the state machine: stamp @in with @now_ms (group_step(): the
 * clock; a bundle's tick: the one time it read for all its groups), step,
 * count the heartbeat (@rx, NULL for any other event), carry out the
 * actions and arm the timer, then make the callbacks (see note()).
 */
int group_step_at(struct group *g, struct fsm_input *in, const struct group_rx *rx, uint64_t now_ms)
{
	struct fsm_output out;
	bool could = group_can_hold(g);
	int rc;

	if (g->exited)
		return FSM_E_STATE;
	/* Cannot happen (see note()); said if it ever does. */
	if (g->stepping)
		log_errx("group %u: stepped again from within its own step", g->cg->id);
	g->stepping = true;
	in->now_ms = now_ms;
	in->turn_ms = turn_ms(g->loop, now_ms);
	rc = fsm_step(&g->fsm, &g->fc, in, &out);
	if (rx)
		rx_account(g, rx, &out, in->now_ms);
	apply(g, &out);
	g->stepping = false;
	if (group_can_hold(g) != could)
		note(g, &(struct group_note){ .type = GROUP_NOTE_CAN_HOLD });
	deliver(g);
	return rc;
}

int group_step(struct group *g, struct fsm_input *in, const struct group_rx *rx)
{
	return group_step_at(g, in, rx, clock_now_ms());
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fsm_input in = { .ev = FSM_EV_TIMER };

	(void)loop;
	(void)revents;
	group_step(w->data, &in, NULL);
}

/* The state machine's health input from what the group observes (fsm_health_input()). */
static void health_input(const struct group *g, struct fsm_input *in)
{
	const struct fsm_health h = {
		.interface = g->cg->ifindex != 0,
		.link_up = g->link_up,
		.check_failed = check_failed(&g->check),
		.check_weight = g->cg->check_weight,
		.sip_failed = sipcheck_failed(&g->sip),
		.sip_weight = g->cg->sip_weight,
		.sync_blocked = g->sync_blocked,
	};

	fsm_health_input(&g->fc, &h, in);
}

/* Feed the state machine one FSM_EV_HEALTH if health, its reason or priority changed. */
void group_health_update(struct group *g)
{
	struct fsm_input in = { .ev = FSM_EV_HEALTH };

	health_input(g, &in);
	if (fsm_health_news(&g->fsm, &in))
		group_step(g, &in, NULL);
}

static void check_changed(void *ctx)
{
	group_health_update(ctx);
}

void group_link(struct group *g, bool up)
{
	if (up == g->link_up)
		return;
	g->link_up = up;
	log_notice("group %u: %s link %s", g->cg->id, g->cg->interface, up ? "up" : "down");
	group_health_update(g);
}

void group_reason(const struct group *g, enum fsm_reason r, char *buf, size_t len)
{
	if (r == FSM_R_NO_INTERFACE)
		snprintf(buf, len, "interface %s missing", g->cg->interface);
	else if (r == FSM_R_NAME_CONFLICT)
		snprintf(buf, len, "another node uses the name %s", g->fc.name);
	else
		snprintf(buf, len, "%s", fsm_reason_text(r));
}

int group_start(struct group *g, struct ev_loop *loop, struct nl *nl, struct hbsock_tab *hbt,
		const struct addrtab *tab, const char *node_name, const struct conf_group *cg,
		bool standby, const struct group_hooks *hooks)
{
	struct fsm_input in = { .ev = FSM_EV_START };
	uint64_t nonce = 0;

	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->nl = nl;
	g->hbt = hbt;
	g->conf = *cg;
	g->cg = &g->conf;
	g->hooks = *hooks;
	fsm_cfg_from(&g->fc, node_name, cg);
	/* This session's nonce: random, so no recording from an earlier run can echo it. */
	while (nonce == 0)
		randombytes_buf(&nonce, sizeof(nonce));
	fsm_init(&g->fsm, &g->fc, nonce, cg->priority);
	/* A follower's standby is its leader's (see syncset.h). */
	g->fsm.standby = standby && !g->fc.follower;
	g->path[0].g = g->path[1].g = g;
	vipset_init(&g->vs, loop, nl, tab, g->cg);
	ev_init(&g->timer, timer_cb);
	g->timer.data = g;
	claim_init(&g->claim, loop, nl, g->cg, claim_answered, g);
	/* A missing interface is not an error: FAULT until one of that name appears. */
	if (g->conf.ifindex && group_iface_bind(g) < 0)
		goto fail;
	if (g->conf.ifindex2) {
		group_path2_conf(g);
		g->hb2 = hbsock_join(hbt, &g->cg2, &group_rx_ops, &g->path[1]);
		if (!g->hb2)
			goto fail_bind;
		group_bundle_rejoin(g);
	}
	log_info("group %u: listening on %s for %llu ms before claiming %zu VIP(s)%s", cg->id,
		 cg->interface, (unsigned long long)fsm_dead_ms(&g->fc, &g->fsm, 0), cg->n_vips,
		 standby ? " (standby)" : "");
	if (!g->conf.ifindex)
		log_warnx("group %u: interface %s missing: FAULT until it is there", cg->id,
			  cg->interface);
	/* Copies of the VIPs left by a crash go: this node is not master yet. */
	group_step(g, &in, NULL);
	/* Without carrier (or interface) the node is FAULT from the start, never MASTER. */
	if (!g->link_up) {
		struct fsm_input hi;

		health_input(g, &hi);
		group_step(g, &hi, NULL);
	}
	/* Upstream is unknown until the first round answers: no claim before. */
	if (cg->n_upstream > 0) {
		struct fsm_input un = { .ev = FSM_EV_UPSTREAM, .healthy = false };

		group_step(g, &un, NULL);
	}
	upstream_start(&g->up, loop, nl, g->cg, upstream_changed, g);
	g->hook = hook_new(loop, g->cg, node_name);
	/* Like upstream, the check has not passed before its first run: no claim. */
	check_start(&g->check, loop, g->cg, node_name, false, check_changed, g);
	sipcheck_start(&g->sip, loop, g->cg, false, check_changed, g);
	fence_init(&g->fence, loop, g->cg, node_name, fence_done, g);
	drain_init(&g->drain, loop, g->cg, NULL, NULL, g);
	group_health_update(g);
	return 0;
fail_bind:
	group_iface_unbind(g);
fail:
	vipset_free(&g->vs);
	g->hb = g->hb2 = NULL;
	return -1;
}

void group_stop(struct group *g)
{
	struct fsm_input in = { .ev = FSM_EV_STOP };

	group_step(g, &in, NULL);
}

void group_free(struct group *g)
{
	if (g->loop)
		ev_timer_stop(g->loop, &g->timer);
	hbsock_leave(g->hb2, &g->path[1]);
	g->hb2 = NULL;
	upstream_stop(&g->up);
	check_stop(&g->check);
	sipcheck_stop(&g->sip);
	fence_free(&g->fence);
	drain_free(&g->drain);
	if (g->conf.ifindex)
		group_iface_unbind(g);
	vipset_free(&g->vs);
	hook_release(g->hook); /* queued hooks (notify_stop) still run */
	g->hook = NULL;
}

int group_drain(struct group *g, bool standby, bool force, uint32_t max_wait_ms, bool then_switch,
		drain_fire_fn fire, void *ctx, char *err, size_t err_len)
{
	if (g->exited || g->fsm.state != FSM_MASTER) {
		snprintf(err, err_len,
			 "--when-idle: this node is not master, it has no calls to wait for");
		return -1;
	}
	if (!force && !fsm_peer_fit(&g->fsm, &g->fc)) {
		snprintf(err, err_len, "%s", fsm_strerror(FSM_E_PEER_UNHEALTHY));
		return -1;
	}
	g->drain.fire = fire;
	g->drain.ctx = ctx;
	g->drain.owner = g;
	return drain_start(&g->drain, standby, force, max_wait_ms, then_switch, err, err_len);
}

bool group_drain_cancel(struct group *g, const char *why)
{
	return drain_cancel(&g->drain, why);
}

int group_switchover(struct group *g, bool force)
{
	struct fsm_input in = { .ev = FSM_EV_SWITCHOVER, .force = force };

	return group_step(g, &in, NULL);
}

int group_standby(struct group *g, bool on, bool force)
{
	struct fsm_input in = { .ev = FSM_EV_STANDBY, .on = on, .force = force };

	return group_step(g, &in, NULL);
}

int group_sync(struct group *g, bool leader_master)
{
	struct fsm_input in = { .ev = FSM_EV_SYNC, .leader_master = leader_master };

	return group_step(g, &in, NULL);
}

void group_sync_blocked(struct group *g, bool blocked)
{
	if (blocked == g->sync_blocked)
		return;
	g->sync_blocked = blocked;
	log_notice("group %u: sync set \"%s\": %s", g->cg->id, g->cg->sync_group,
		   blocked ? "a follower cannot hold its VIPs, the set is unhealthy"
			   : "every follower can hold its VIPs again");
	group_health_update(g);
}

void group_reconf(struct group *g, const struct conf_group *cg)
{
	struct conf_vip old[VIPD_MAX_VIPS];
	size_t n_old = g->conf.n_vips;
	unsigned idx = g->conf.ifindex, idx2 = g->conf.ifindex2;
	struct fsm_input in = { .ev = FSM_EV_HEALTH };
	char name[VIPD_NAME_MAX];

	memcpy(old, g->conf.vips, sizeof(old));
	memcpy(name, g->fc.name, sizeof(name));
	/* The interfaces are the same names (else the group restarts): keep what we found. */
	g->conf = *cg;
	g->conf.ifindex = idx;
	g->conf.ifindex2 = idx2;
	if (g->hb2)
		group_path2_conf(g);
	group_bundle_rejoin(g);
	fsm_cfg_from(&g->fc, name, g->cg);
	hook_reconf(g->hook, g->cg);
	check_reconf(&g->check, g->cg);
	sipcheck_reconf(&g->sip, g->cg);
	fence_reconf(&g->fence, g->cg);
	drain_reconf(&g->drain, g->cg);
	upstream_reconf(&g->up);
	vipset_reconf(&g->vs, old, n_old);
	health_input(g, &in);
	group_step(g, &in, NULL);
}

uint64_t group_kernel_drops(const struct group *g)
{
	uint64_t n = hbsock_stats(g->hb).kernel_drops;

	if (g->hb2 && g->hb2 != g->hb)
		n += hbsock_stats(g->hb2).kernel_drops;
	return n;
}

void group_peer_address(const struct group *g, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (g->fsm.peer.name[0])
		mcast_addr_text(&g->peer_addr, buf, len);
}

uint32_t group_id(const struct group *g)
{
	return g->cg->id;
}

const struct conf_group *group_conf(const struct group *g)
{
	return g->cg;
}

const struct fsm *group_fsm(const struct group *g)
{
	return &g->fsm;
}

bool group_exited(const struct group *g)
{
	return g->exited;
}

struct hook *group_hook(const struct group *g)
{
	return g->hook;
}

struct group *group_leader(const struct group *g)
{
	return g->leader;
}

unsigned group_vip_ifindex(const struct group *g)
{
	return g->vip_ifindex;
}

void group_reconcile(struct group *g)
{
	vipset_reconcile(&g->vs);
}

struct group *group_alloc(void)
{
	return calloc(1, sizeof(struct group));
}
