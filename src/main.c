/*
 * main.c - vipd's life cycle: options, start-up, the libev loop, signals,
 * graceful stop and reload. Everything per group lives in group.c.
 *
 * Exit status: 0 clean stop or config OK (-t); 1 start-up failure;
 * 2 bad usage; 3 invalid configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "hook.h"
#include "log.h"
#include "notify.h"
#include "syncset.h"

#define EXIT_USAGE 2
#define EXIT_CONFIG 3

static void usage(FILE *f)
{
	fprintf(f, "usage: vipd [-tvhV] [-s] [-c] [-f FILE]\n"
		   "  -f, --config FILE  configuration file (default " VIPD_CONF_PATH ")\n"
		   "  -t, --test         check the configuration and exit (with -v: print it)\n"
		   "  -c, --cleanup      remove every configured VIP from this node and exit\n"
		   "  -s, --syslog       log to syslog instead of stderr\n"
		   "  -v, --verbose      debug logging; with -t print the effective config\n"
		   "  -h, --help         this text\n"
		   "  -V, --version      print the version\n");
}

static uint64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void standby_path(const struct daemon *d, uint32_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/standby.%u", d->conf.state_dir, id);
}

static bool standby_saved(const struct daemon *d, uint32_t id)
{
	char path[CONF_PATH_MAX + 32];

	standby_path(d, id, path, sizeof(path));
	return access(path, F_OK) == 0;
}

int daemon_standby_save(const struct daemon *d, uint32_t id, bool on)
{
	char path[CONF_PATH_MAX + 32];
	FILE *f;

	standby_path(d, id, path, sizeof(path));
	if (!on) {
		if (unlink(path) < 0 && errno != ENOENT) {
			log_err("standby: unlink %s: %s", path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (mkdir(d->conf.state_dir, 0755) < 0 && errno != EEXIST) {
		log_err("standby: mkdir %s: %s", d->conf.state_dir, strerror(errno));
		return -1;
	}
	f = fopen(path, "w");
	if (!f) {
		log_err("standby: %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "standby since %llu\n", (unsigned long long)(realtime_us() / 1000000u));
	if (fclose(f) != 0) {
		log_err("standby: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Queue @g's hook commands for an event; see hook.h. */
static void run_hooks(struct group *g, bool master_again, enum fsm_state from, enum fsm_state to,
		      const char *reason)
{
	char addr[64];
	struct hook_event e = { .master_again = master_again, .from = from, .to = to,
				.reason = reason, .peer = g->fsm.peer.name, .peer_address = addr };

	group_peer_address(g, addr, sizeof(addr));
	hook_run(g->hook, &e);
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
				 i ? "; " : "", g->cg->id, fsm_state_name(g->fsm.state),
				 fsm_reason_text(g->fsm.reason));

		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= sizeof(text))	/* cut: say so rather than end mid-word */
		memcpy(text + sizeof(text) - 4, "...", 4);
	notify_status(d->n_groups ? text : "no groups");
}

static void on_transition(void *ctx, struct group *g, enum fsm_state from, enum fsm_state to,
			  enum fsm_reason why)
{
	struct daemon *d = ctx;
	struct daemon_event *e = &d->events[d->ev_next];

	clock_gettime(CLOCK_REALTIME, &e->when);
	e->group = g->cg->id;
	e->from = from;
	e->to = to;
	e->reason = why;
	d->ev_next = (d->ev_next + 1) % DAEMON_EVENTS;
	if (d->ev_count < DAEMON_EVENTS)
		d->ev_count++;
	run_hooks(g, false, from, to, fsm_reason_text(why));
	if (!d->reloading) {
		syncset_transition(d->groups, d->n_groups, g, from, to);
		status_notify(d);	/* during a reload: once, when it is applied */
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
		if (!d->groups[i]->exited)
			return false;
	return true;
}

static void on_exited(void *ctx, struct group *g)
{
	struct daemon *d = ctx;

	(void)g;
	if (!d->stopping)
		return;	/* a group removed by a reload */
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
	struct group_hooks hooks = { .transition = on_transition, .exited = on_exited,
				     .master_again = on_master_again, .can_hold = on_can_hold,
				     .ctx = d };
	struct group *g = calloc(1, sizeof(*g));

	if (!g) {
		log_err("group %u: out of memory", cg->id);
		return NULL;
	}
	if (group_start(g, d->loop, d->nl, d->hb, d->conf.node_name, cg, d->boot_id,
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

/* What a reload cannot change in place: the group is stopped and started anew. */
static bool needs_restart(const struct conf_group *a, const struct conf_group *b)
{
	return a->ifindex != b->ifindex || a->mcast_family != b->mcast_family ||
	       a->mcast.s_addr != b->mcast.s_addr || memcmp(&a->mcast6, &b->mcast6, 16) != 0 ||
	       a->port != b->port || strcmp(a->label, b->label) != 0 || a->vmac != b->vmac ||
	       a->ifindex2 != b->ifindex2 || a->n_peers != b->n_peers ||
	       memcmp(a->peers, b->peers, sizeof(a->peers)) != 0;
}

int daemon_reload(struct daemon *d, char *err, size_t err_len)
{
	struct conf nc;
	struct group **ng;
	size_t n = 0;

	notify("RELOADING=1");
	if (conf_load(d->conf.path, &nc, err, err_len) < 0)
		goto refused;
	if (strcmp(nc.node_name, d->conf.node_name) != 0 ||
	    strcmp(nc.control_socket, d->conf.control_socket) != 0 ||
	    strcmp(nc.control_group, d->conf.control_group) != 0 ||
	    strcmp(nc.state_dir, d->conf.state_dir) != 0) {
		snprintf(err, err_len, "%s: node.name, control_socket, control_group and state_dir "
			 "take effect only at restart", nc.path);
		conf_free(&nc);
		goto refused;
	}
	ng = calloc(nc.n_groups ? nc.n_groups : 1, sizeof(struct group *));
	if (!ng) {
		snprintf(err, err_len, "out of memory");
		conf_free(&nc);
		goto refused;
	}
	/* Groups that are gone, or changed beyond repair, hand over and go. */
	d->reloading = true;
	for (size_t i = 0; i < d->n_groups; i++) {
		struct group *g = d->groups[i];
		const struct conf_group *cg = conf_group_by_id(&nc, g->cg->id);

		if (cg && !needs_restart(g->cg, cg)) {
			group_reconf(g, cg);
			ng[n++] = g;
			continue;
		}
		log_notice("reload: group %u %s", g->cg->id, cg ? "restarts" : "removed");
		group_stop(g);
		group_free(g);
		free(g);
	}
	for (size_t i = 0; i < nc.n_groups; i++) {
		bool kept = false;

		for (size_t k = 0; k < n; k++)
			kept |= ng[k]->cg == &nc.groups[i];
		if (kept)
			continue;
		ng[n] = group_new(d, &nc.groups[i]);
		if (ng[n])
			n++;
	}
	free(d->groups);
	d->groups = ng;
	d->n_groups = n;
	d->reloading = false;
	syncset_link(d->groups, d->n_groups);
	conf_free(&d->conf);
	d->conf = nc;
	d->reload_error[0] = '\0';
	log_notice("reload: %s applied, %zu group(s)", d->conf.path, n);
	notify("READY=1");
	status_notify(d);
	return 0;
refused:
	log_err("reload refused, running configuration kept: %s", err);
	snprintf(d->reload_error, sizeof(d->reload_error), "%s", err);
	notify("READY=1");
	return -1;
}

static void link_event(void *ctx, unsigned ifindex, bool up)
{
	struct daemon *d = ctx;

	for (size_t i = 0; i < d->n_groups; i++)
		if (d->groups[i]->cg->ifindex == ifindex)
			group_link(d->groups[i], up);
	syncset_health(d->groups, d->n_groups);
}

/* After lost events every followed link is asked for anew. */
static void link_resync(struct daemon *d)
{
	log_warn("link events lost (ENOBUFS): asking the kernel again");
	for (size_t i = 0; i < d->n_groups; i++) {
		uint8_t mac[6];
		bool up = false;

		if (nl_link_info(d->nl, d->groups[i]->cg->ifindex, mac, &up) < 0)
			up = false;
		group_link(d->groups[i], up);
	}
}

static void mon_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (nl_mon_read(d->mon, link_event, d) == NL_MON_RESYNC)
		link_resync(d);
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
		log_warn("stop: hooks still running, exiting anyway");
	else
		log_warn("stop: peer did not acknowledge in time, exiting anyway");
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

/*
 * vipd -c: what the systemd unit's ExecStopPost runs after any exit. A vmac
 * group's macvlan goes with its VIPs (only a macvlan on the group's
 * interface; another interface of that name is left alone and reported).
 */
static int cleanup(const struct conf *c)
{
	struct nl *nl = nl_open();
	int rc = 0;

	if (!nl)
		return 1;
	for (size_t i = 0; i < c->n_groups; i++) {
		const struct conf_group *g = &c->groups[i];

		for (size_t k = 0; k < g->n_vips; k++)
			if (nl_addr_del(nl, g->ifindex, &g->vips[k]) < 0)
				rc = 1;
		if (g->vmac && nl_vmac_delete(nl, g->ifindex, g->vmac_ifname) < 0)
			rc = 1;
	}
	nl_free(nl);
	return rc;
}

static int run(struct daemon *d)
{
	ev_signal sterm, sint, shup;
	ev_timer wd;
	uint64_t wd_usec = 0;

	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (!d->loop)
		fatal("cannot initialise libev");
	signal(SIGPIPE, SIG_IGN);
	d->nl = nl_open();
	if (!d->nl)
		return 1;
	d->hb = hbsock_tab_new(d->loop);
	if (!d->hb)
		return 1;
	d->mon = nl_mon_open();
	if (!d->mon)
		return 1;
	hook_on_idle(on_hooks_idle, d);
	ev_io_init(&d->mon_io, mon_cb, nl_mon_fd(d->mon), EV_READ);
	d->mon_io.data = d;
	ev_io_start(d->loop, &d->mon_io);
	d->boot_id = realtime_us();
	d->start_ms = group_now_ms();
	d->groups = calloc(d->conf.n_groups, sizeof(struct group *));
	if (!d->groups)
		fatal("out of memory");
	d->ctl = control_open(d->loop, d->conf.control_socket, d->conf.control_gid, ctlcmd_handle,
			      d);
	if (!d->ctl)
		return 1;
	for (size_t i = 0; i < d->conf.n_groups; i++) {
		d->groups[i] = group_new(d, &d->conf.groups[i]);
		if (!d->groups[i])
			return 1;
		d->n_groups++;
	}
	syncset_link(d->groups, d->n_groups);
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

static void daemon_free(struct daemon *d)
{
	control_close(d->ctl);
	for (size_t i = 0; i < d->n_groups; i++) {
		group_free(d->groups[i]);
		free(d->groups[i]);
	}
	free(d->groups);
	hook_shutdown();
	hbsock_tab_free(d->hb);
	if (d->mon) {
		ev_io_stop(d->loop, &d->mon_io);
		nl_mon_free(d->mon);
	}
	nl_free(d->nl);
	conf_free(&d->conf);
	if (d->loop)
		ev_loop_destroy(d->loop);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' }, { "test", no_argument, NULL, 't' },
		{ "cleanup", no_argument, NULL, 'c' },	    { "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },	    { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { NULL, 0, NULL, 0 },
	};
	const char *path = VIPD_CONF_PATH;
	bool test = false, verbose = false, use_syslog = false, clean = false;
	static struct daemon d;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "f:tcsvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'c':
			clean = true;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vipd %s\n", VIPD_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_init("vipd", use_syslog, verbose && !test);
	if (sodium_init() < 0) {
		fprintf(stderr, "vipd: libsodium cannot initialise\n");
		return 1;
	}
	if (conf_load(path, &d.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	if (test) {
		if (verbose)
			conf_print(&d.conf, stdout);
		conf_free(&d.conf);
		return 0;
	}
	if (clean) {
		rc = cleanup(&d.conf);
		conf_free(&d.conf);
		return rc;
	}
	rc = run(&d);
	daemon_free(&d);
	return rc;
}
