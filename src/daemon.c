/*
 * daemon.c - the running daemon's life cycle: start-up (daemon_run), the
 * libev loop's signal, timer and netlink callbacks, the groups' event
 * hooks, graceful stop, reload, vipd -c and daemon_free. main.c parses the
 * options and calls in here; everything per group lives in group.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arp.h"
#include "clock.h"
#include "ctlcmd.h"
#include "daemon.h"
#include "hook.h"
#include "log.h"
#include "metrics.h"
#include "nlmon.h"
#include "notify.h"
#include "priv.h"
#include "state.h"
#include "syncset.h"

/* Whether group @id's standby flag is on disk (state.c). */
static bool standby_saved(const struct daemon *d, uint32_t id)
{
	return state_standby_saved(d->conf.state_dir, id);
}

/* Queue @g's hook commands for an event; see hook.h. */
static void run_hooks(struct group *g, bool master_again, enum fsm_state from, enum fsm_state to,
		      const char *reason)
{
	char addr[64];
	struct hook_event e = { .master_again = master_again,
				.from = from,
				.to = to,
				.reason = reason,
				.peer = group_fsm(g)->peer.name,
				.peer_address = addr };

	group_peer_address(g, addr, sizeof(addr));
	hook_run(group_hook(g), &e);
}

/*
 * The one-line summary `systemctl status vipd` shows (STATUS=): each
 * group's role and why, e.g. "group 1 MASTER (peer timed out); group 2
 * BACKUP (peer is master)". Sent after start, every transition and reload.
 */
static void status_notify(const struct daemon *d)
{
	char text[NOTIFY_STATUS_MAX + 1];
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < d->n_groups && len < sizeof(text); i++) {
		const struct group *g = d->groups[i];
		int w = snprintf(text + len, sizeof(text) - len, "%sgroup %u %s (%s)",
				 i ? "; " : "", group_id(g), fsm_state_name(group_fsm(g)->state),
				 fsm_reason_text(group_fsm(g)->reason));

		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= sizeof(text)) /* cut: say so rather than end mid-word */
		memcpy(text + sizeof(text) - 4, "...", 4);
	notify_status(d->n_groups ? text : "no groups");
}

static void on_transition(void *ctx, struct group *g, enum fsm_state from, enum fsm_state to,
			  enum fsm_reason why)
{
	struct daemon *d = ctx;
	struct daemon_event *e = &d->events[d->ev_next];
	char reason[64];

	clock_gettime(CLOCK_REALTIME, &e->when);
	e->group = group_id(g);
	e->from = from;
	e->to = to;
	e->reason = why;
	d->ev_next = (d->ev_next + 1) % DAEMON_EVENTS;
	if (d->ev_count < DAEMON_EVENTS)
		d->ev_count++;
	d->ev_total++;
	group_reason(g, why, reason, sizeof(reason));
	run_hooks(g, false, from, to, reason);
	if (!d->reloading) {
		syncset_transition(d->groups, d->n_groups, g, from, to);
		status_notify(d); /* during a reload: once, when it is applied */
	}
}

/* Whether a group could hold its VIPs changed: its sync set may have to move. */
static void on_can_hold(void *ctx, struct group *g)
{
	struct daemon *d = ctx;

	(void)g;
	if (!d->reloading)
		syncset_health(d->groups, d->n_groups);
}

/* This master announced again: it won a contention, or the peer dropped the VIPs. */
static void on_master_again(void *ctx, struct group *g, bool contention)
{
	(void)ctx;
	run_hooks(g, true, FSM_MASTER, FSM_MASTER,
		  contention ? fsm_reason_text(FSM_R_CONTENTION_WON)
			     : "peer dropped the VIPs this node holds");
}

static bool groups_exited(const struct daemon *d)
{
	for (size_t i = 0; i < d->n_groups; i++)
		if (!group_exited(d->groups[i]))
			return false;
	return true;
}

static void on_exited(void *ctx, struct group *g)
{
	struct daemon *d = ctx;

	(void)g;
	if (!d->stopping)
		return; /* a group removed by a reload */
	/* Handed over: the hooks of the stop (notify_stop) run to their end first. */
	if (!groups_exited(d) || hook_busy() > 0)
		return;
	ev_break(d->loop, EVBREAK_ALL);
}

static void on_hooks_idle(void *ctx)
{
	on_exited(ctx, NULL);
}

static struct group *group_new(struct daemon *d, const struct conf_group *cg)
{
	struct group_hooks hooks = { .transition = on_transition,
				     .exited = on_exited,
				     .master_again = on_master_again,
				     .can_hold = on_can_hold,
				     .ctx = d };
	struct group *g = group_alloc();

	if (!g) {
		log_errx("group %u: out of memory", cg->id);
		return NULL;
	}
	if (group_start(g, d->loop, d->nl, d->hb, &d->addrs, d->conf.node_name, cg,
			standby_saved(d, cg->id), &hooks) < 0) {
		free(g);
		return NULL;
	}
	return g;
}

static const struct conf_group *conf_group_by_id(const struct conf *c, uint32_t id)
{
	for (size_t i = 0; i < c->n_groups; i++)
		if (c->groups[i].id == id)
			return &c->groups[i];
	return NULL;
}

/*
 * What a reload cannot change in place: the group is stopped (handing over
 * first if it is master) and started anew. See vipd.conf(5), RELOAD.
 */
static bool needs_restart(const struct conf_group *a, const struct conf_group *b)
{
	return strcmp(a->interface, b->interface) != 0 || a->mcast_family != b->mcast_family ||
	       a->mcast.s_addr != b->mcast.s_addr || memcmp(&a->mcast6, &b->mcast6, 16) != 0 ||
	       a->port != b->port || strcmp(a->label, b->label) != 0 || a->vmac != b->vmac ||
	       strcmp(a->interface2, b->interface2) != 0 || a->n_peers != b->n_peers ||
	       memcmp(a->peers, b->peers, sizeof(a->peers)) != 0 ||
	       strcmp(a->sync_group, b->sync_group) != 0;
}

/* Whether @family/@addr is a VIP of @c. */
static bool conf_has_vip(const struct conf *c, int family, const uint8_t *addr)
{
	for (size_t i = 0; c && i < c->n_groups; i++)
		for (size_t k = 0; k < c->groups[i].n_vips; k++)
			if (c->groups[i].vips[k].family == family &&
			    memcmp(c->groups[i].vips[k].addr, addr, family == AF_INET ? 4 : 16) ==
				    0)
				return true;
	return false;
}

/* The address table keeps copies of the VIPs of the running config (and of one being loaded). */
static bool addr_filter(void *ctx, int family, const uint8_t *addr)
{
	const struct daemon *d = ctx;

	return conf_has_vip(&d->conf, family, addr) || conf_has_vip(d->next_conf, family, addr);
}

/* Every group compares the kernel with its wish and applies the difference. */
static void reconcile_all(struct daemon *d)
{
	for (size_t i = 0; i < d->n_groups; i++)
		group_reconcile(d->groups[i]);
}

/*
 * The groups of new configuration @nc into @ng (room for all of them): the
 * running ones it keeps as they are follow it; those it drops, or changed
 * beyond a live change, hand over and go; new ones start. Returns how many.
 */
static size_t reload_groups(struct daemon *d, const struct conf *nc, struct group **ng)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_groups; i++) {
		struct group *g = d->groups[i];
		const struct conf_group *cg = conf_group_by_id(nc, group_id(g));

		if (cg && !needs_restart(group_conf(g), cg)) {
			group_reconf(g, cg);
			ng[n++] = g;
			continue;
		}
		log_notice("reload: group %u %s", group_id(g), cg ? "restarts" : "removed");
		group_stop(g);
		group_free(g);
		free(g);
	}
	for (size_t i = 0; i < nc->n_groups; i++)
		(void)hbsock_reserve(d->hb,
				     &nc->groups[i]); /* a failure is logged, the group fails */
	for (size_t i = 0; i < nc->n_groups; i++) {
		bool kept = false;

		for (size_t k = 0; k < n; k++)
			kept |= group_id(ng[k]) == nc->groups[i].id;
		if (kept)
			continue;
		ng[n] = group_new(d, &nc->groups[i]);
		if (ng[n])
			n++;
	}
	return n;
}

int daemon_reload(struct daemon *d, char *err, size_t err_len)
{
	/* On the heap: the address filter looks at it while the groups follow it. */
	struct conf *nc = calloc(1, sizeof(*nc));
	struct group **ng;
	size_t n = 0;

	notify("RELOADING=1");
	if (!nc) {
		snprintf(err, err_len, "out of memory");
		goto refused;
	}
	if (conf_load(d->conf.path, nc, err, err_len) < 0)
		goto refused;
	if (strcmp(nc->node_name, d->conf.node_name) != 0 ||
	    strcmp(nc->control_socket, d->conf.control_socket) != 0 ||
	    strcmp(nc->control_group, d->conf.control_group) != 0 ||
	    strcmp(nc->state_dir, d->conf.state_dir) != 0) {
		snprintf(err, err_len,
			 "%s: node.name, control_socket, control_group and state_dir "
			 "take effect only at restart",
			 nc->path);
		conf_free(nc);
		goto refused;
	}
	ng = calloc(nc->n_groups ? nc->n_groups : 1, sizeof(struct group *));
	if (!ng) {
		snprintf(err, err_len, "out of memory");
		conf_free(nc);
		goto refused;
	}
	/* Copies of the new VIPs must be seen before the groups decide. */
	d->next_conf = nc;
	if (nl_addr_dump(d->nl, &d->addrs) < 0)
		d->addrs_stale = true;
	d->reloading = true;
	n = reload_groups(d, nc, ng);
	free(d->groups);
	d->groups = ng;
	d->n_groups = n;
	hbsock_prune(d->hb); /* ports the new configuration does not use */
	d->reloading = false;
	syncset_link(d->groups, d->n_groups);
	conf_free(&d->conf);
	d->conf = *nc;
	free(nc);
	d->next_conf = NULL;
	d->reload_error[0] = '\0';
	/* Only the new VIPs' copies are kept from now on. */
	if (nl_addr_dump(d->nl, &d->addrs) < 0)
		d->addrs_stale = true;
	reconcile_all(d);
	log_notice("reload: %s applied, %zu group(s)", d->conf.path, n);
	notify("READY=1");
	status_notify(d);
	return 0;
refused:
	free(nc);
	log_errx("reload refused, running configuration kept: %s", err);
	snprintf(d->reload_error, sizeof(d->reload_error), "%s", err);
	notify("READY=1");
	return -1;
}

/*
 * A link event. Interfaces are followed by name: one deleted, renamed away
 * or re-created under a new index is let go of and bound anew by the
 * groups that name it. A deleted vmac is re-created by binding its group
 * again.
 */
static void link_event(void *ctx, unsigned ifindex, const char *name, bool up, bool gone)
{
	struct daemon *d = ctx;

	if (gone)
		addrtab_drop_ifindex(&d->addrs, ifindex);
	for (size_t i = 0; i < d->n_groups; i++) {
		struct group *g = d->groups[i];
		bool ours = !gone && strcmp(name, group_conf(g)->interface) == 0;
		bool ours2 = !gone && group_conf(g)->interface2[0] &&
			     strcmp(name, group_conf(g)->interface2) == 0;

		if (group_conf(g)->ifindex == ifindex && !ours)
			group_iface(g, 0);
		else if (ours && group_conf(g)->ifindex != ifindex)
			group_iface(g, ifindex);
		else if (gone && group_conf(g)->vmac && group_vip_ifindex(g) == ifindex)
			group_vmac_lost(g);
		if (group_conf(g)->ifindex2 == ifindex && !ours2)
			group_iface2(g, 0);
		else if (ours2 && group_conf(g)->ifindex2 != ifindex)
			group_iface2(g, ifindex);
		if (group_conf(g)->ifindex == ifindex && ifindex)
			group_link(g, up);
	}
	syncset_health(d->groups, d->n_groups);
}

static void addr_event(void *ctx, const struct nl_ifaddr *a)
{
	struct daemon *d = ctx;

	if (addrtab_set(&d->addrs, a->ifindex, a->family, a->addr, a->prefix_len, a->added) < 0)
		d->addrs_stale = true;
}

/*
 * After lost events (or a table that ran out of memory) every followed
 * interface is looked up by name again and the addresses dumped anew.
 */
static void resync(struct daemon *d)
{
	log_warnx("netlink events lost: asking the kernel again");
	d->addrs_stale = nl_addr_dump(d->nl, &d->addrs) < 0;
	for (size_t i = 0; i < d->n_groups; i++) {
		struct group *g = d->groups[i];
		uint8_t mac[6];
		bool up = false;

		group_iface(g, if_nametoindex(group_conf(g)->interface));
		if (group_conf(g)->interface2[0])
			group_iface2(g, if_nametoindex(group_conf(g)->interface2));
		if (group_conf(g)->ifindex &&
		    nl_link_info(d->nl, group_conf(g)->ifindex, mac, &up) < 0)
			up = false;
		if (group_conf(g)->ifindex)
			group_link(g, up);
	}
	syncset_health(d->groups, d->n_groups);
}

static void mon_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	const struct nlmon_ops ops = { .link = link_event, .addr = addr_event, .ctx = d };

	(void)loop;
	(void)revents;
	if (nlmon_read(d->mon, &ops) == NLMON_RESYNC || d->addrs_stale)
		resync(d);
	reconcile_all(d);
}

/*
 * The stop's deadline. If by then every group has handed over and only
 * hooks still run, they get one more hook_timeout_ms (the longest of any
 * group) plus the kill grace: enough for a notify_stop that is already
 * running, not for a long queue of stale ones. Then vipd exits anyway and
 * hook_shutdown() kills what is left.
 */
static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	static bool draining;
	const struct daemon *d = w->data;
	uint32_t ms = 0;

	(void)revents;
	if (groups_exited(d) && !draining) {
		for (size_t i = 0; i < d->conf.n_groups; i++)
			if (d->conf.groups[i].hook_timeout_ms > ms)
				ms = d->conf.groups[i].hook_timeout_ms;
		ms += VIPD_EXEC_GRACE_MS;
		draining = true;
		log_notice("stop: waiting up to %u ms for the hooks of %zu group(s)", ms,
			   hook_busy());
		ev_timer_set(w, ms / 1000.0, 0);
		ev_timer_start(loop, w);
		return;
	}
	if (draining)
		log_warnx("stop: hooks still running, exiting anyway");
	else
		log_warnx("stop: peer did not acknowledge in time, exiting anyway");
	ev_break(loop, EVBREAK_ALL);
}

static void sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	static ev_timer cap;

	(void)revents;
	if (d->stopping)
		return;
	d->stopping = true;
	log_notice("signal %d: stopping, handing the VIPs over", w->signum);
	notify("STOPPING=1");
	ev_timer_init(&cap, stop_cb, VIPD_STOP_WAIT_MS / 1000.0 + 0.5, 0);
	cap.data = d;
	ev_timer_start(loop, &cap);
	for (size_t i = 0; i < d->n_groups; i++)
		group_stop(d->groups[i]);
	on_exited(d, NULL);
}

static void sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	char err[512];

	(void)loop;
	(void)revents;
	if (!((struct daemon *)w->data)->stopping)
		daemon_reload(w->data, err, sizeof(err));
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	notify("WATCHDOG=1");
}

static bool cleanup_filter(void *ctx, int family, const uint8_t *addr)
{
	return conf_has_vip(ctx, family, addr);
}

/*
 * vipd -c: what the systemd unit's ExecStopPost runs after any exit. Every
 * copy of a VIP goes, whatever its prefix or interface, and a vmac group's
 * macvlan with it (only a macvlan on the group's interface; another
 * interface of that name is left alone and reported).
 */
int daemon_cleanup(const struct conf *c)
{
	struct addrtab tab = { .filter = cleanup_filter, .filter_ctx = (void *)(uintptr_t)c };
	struct nl *nl = nl_open();
	int rc = 0;

	if (!nl)
		return 1;
	if (nl_addr_dump(nl, &tab) < 0)
		rc = 1;
	/* Every copy of every VIP: any prefix, any interface (a vmac's went with it). */
	for (size_t i = 0; i < tab.n; i++) {
		const struct addrtab_entry *e = &tab.e[i];
		struct conf_vip v = { .family = e->family, .prefix_len = e->prefix_len };
		char a[INET6_ADDRSTRLEN];

		memcpy(v.addr, e->addr, sizeof(v.addr));
		snprintf(v.text, sizeof(v.text), "%s/%u",
			 inet_ntop(e->family, e->addr, a, sizeof(a)) ? a : "?", e->prefix_len);
		if (nl_addr_del(nl, e->ifindex, &v) < 0)
			rc = 1;
	}
	for (size_t i = 0; i < c->n_groups; i++) {
		const struct conf_group *g = &c->groups[i];
		unsigned parent = if_nametoindex(g->interface);

		if (g->vmac && parent && nl_vmac_delete(nl, parent, g->vmac_ifname) < 0)
			rc = 1;
	}
	addrtab_free(&tab);
	nl_free(nl);
	return rc;
}

int daemon_run(struct daemon *d)
{
	ev_signal sterm, sint, shup;
	ev_timer wd;
	uint64_t wd_usec = 0;

	/* Before anything is opened, and before the control socket's stale probe. */
	if (state_lock(d->conf.control_socket) < 0)
		return 1;
	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (!d->loop)
		fatalx("cannot initialise libev");
	signal(SIGPIPE, SIG_IGN);
	d->nl = nl_open();
	if (!d->nl)
		return 1;
	d->hb = hbsock_tab_new(d->loop);
	if (!d->hb)
		return 1;
	/* Subscribe first, then dump: no change falls between the two. */
	d->mon = nlmon_open();
	if (!d->mon)
		return 1;
	d->addrs.filter = addr_filter;
	d->addrs.filter_ctx = d;
	if (nl_addr_dump(d->nl, &d->addrs) < 0)
		return 1;
	hook_on_idle(on_hooks_idle, d);
	ev_io_init(&d->mon_io, mon_cb, nlmon_fd(d->mon), EV_READ);
	d->mon_io.data = d;
	ev_io_start(d->loop, &d->mon_io);
	d->start_ms = clock_now_ms();
	d->groups = calloc(d->conf.n_groups, sizeof(struct group *));
	if (!d->groups)
		fatalx("out of memory");
	d->ctl = control_open(d->loop, d->conf.control_socket, d->conf.control_gid, ctlcmd_handle,
			      d);
	if (!d->ctl)
		return 1;
	metrics_file_start(d);
	/* Every heartbeat port is ours before any group starts (see vipd(8), HEARTBEAT SOCKETS). */
	for (size_t i = 0; i < d->conf.n_groups; i++)
		if (hbsock_reserve(d->hb, &d->conf.groups[i]) < 0)
			return 1;
	for (size_t i = 0; i < d->conf.n_groups; i++) {
		d->groups[i] = group_new(d, &d->conf.groups[i]);
		if (!d->groups[i])
			return 1;
		d->n_groups++;
	}
	syncset_link(d->groups, d->n_groups);
	/* Every socket is open: from here on only CAP_NET_ADMIN and CAP_NET_RAW. */
	if (priv_drop() < 0)
		return 1;
	ev_signal_init(&sterm, sigterm_cb, SIGTERM);
	ev_signal_init(&sint, sigterm_cb, SIGINT);
	ev_signal_init(&shup, sighup_cb, SIGHUP);
	sterm.data = sint.data = shup.data = d;
	ev_signal_start(d->loop, &sterm);
	ev_signal_start(d->loop, &sint);
	ev_signal_start(d->loop, &shup);
	wd_usec = notify_watchdog_usec();
	if (wd_usec > 0) {
		ev_timer_init(&wd, watchdog_cb, wd_usec / 2e6, wd_usec / 2e6);
		ev_timer_start(d->loop, &wd);
	}
	log_notice("vipd %s started: node %s, %zu group(s), config %s", VIPD_VERSION,
		   d->conf.node_name, d->n_groups, d->conf.path);
	notify("READY=1");
	status_notify(d);
	ev_run(d->loop, 0);
	log_notice("vipd stopped");
	return 0;
}

void daemon_free(struct daemon *d)
{
	metrics_file_stop(d);
	control_close(d->ctl);
	for (size_t i = 0; i < d->n_groups; i++) {
		group_free(d->groups[i]);
		free(d->groups[i]);
	}
	free(d->groups);
	arp_shutdown();
	hook_shutdown();
	hbsock_tab_free(d->hb);
	if (d->mon) {
		ev_io_stop(d->loop, &d->mon_io);
		nlmon_free(d->mon);
	}
	addrtab_free(&d->addrs);
	nl_free(d->nl);
	conf_free(&d->conf);
	if (d->loop)
		ev_loop_destroy(d->loop);
	state_unlock();
}
