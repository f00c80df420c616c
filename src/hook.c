/*
 * hook.c - the notify commands of each group. A transition queues the
 * commands it calls for, each with its argv and environment fixed at that
 * moment; one command runs at a time per group, in queue order, through
 * exec.c (no shell, a timeout on the whole process group). The state
 * machine never waits for a hook: a hook that hangs delays only the hooks
 * queued behind it, and only until its timeout.
 *
 * The queue holds at most VIPD_HOOK_QUEUE commands besides the running
 * one; when it is full the oldest waiting command is dropped (logged and
 * counted): under flapping the latest state matters more than history.
 *
 * A group that goes away (stop, reload) releases its hooks: the queue runs
 * to its end on its own and the object frees itself. A group restarted by
 * a reload takes the released object back, so its hooks stay in order.
 *
 * Cost: a group without hooks has a small struct hook and nothing else;
 * the struct exec (with its output buffer) comes with the first command,
 * a queued command is one allocation holding its argv and environment.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "hook.h"
#include "log.h"

#define HOOK_ENV_VARS  12   /* VIPD_* variables per command */
#define HOOK_ENV_BYTES 2048 /* their text; 16 VIPs of 63 characters fit */

/* One queued command: argv and envp point into the same allocation. */
struct hook_job {
	struct hook_job *next;
	enum conf_notify cmd;
	uint32_t timeout_ms;
	char **envp; /* into v[] */
	char *v[];   /* argv, NULL, envp, NULL; then the strings */
};

struct hook {
	struct ev_loop *loop;
	uint32_t group_id;
	const struct conf_group *cg; /* NULL once released */
	char node[VIPD_NAME_MAX];
	struct hook_job *head, *tail; /* waiting, oldest first */
	size_t queued;
	struct hook_job *cur; /* running */
	struct exec *x;	      /* allocated at the first command */
	struct hook_stats st;
	bool busy; /* running or queued: counted in hook_nbusy */
	bool released;
	struct hook *next_released;
};

static struct hook *hook_released; /* released hooks still working */
static size_t hook_nbusy;
static void (*hook_idle_fn)(void *ctx);
static void *hook_idle_ctx;

/* The environment of one event, built once and shared by its commands. */
struct hook_env {
	char buf[HOOK_ENV_BYTES];
	size_t used;
	const char *v[HOOK_ENV_VARS + 1];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void env_add(struct hook_env *e, const char *fmt, ...)
{
	size_t room = sizeof(e->buf) - e->used;
	va_list ap;
	int n;

	if (e->n == HOOK_ENV_VARS || room == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(e->buf + e->used, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	e->v[e->n++] = e->buf + e->used;
	e->used += (size_t)n < room ? (size_t)n + 1 : room; /* cut at the end, never past it */
	e->v[e->n] = NULL;
}

/* Pack @argv and @env into one job; NULL when out of memory. */
static struct hook_job *job_new(enum conf_notify cmd, uint32_t timeout_ms, char *const *argv,
				const char *const *env)
{
	size_t na = 0, ne = 0, bytes = 0, k = 0;
	struct hook_job *j;
	char *p;

	for (; argv[na]; na++)
		bytes += strlen(argv[na]) + 1;
	for (; env[ne]; ne++)
		bytes += strlen(env[ne]) + 1;
	j = malloc(sizeof(*j) + (na + ne + 2) * sizeof(char *) + bytes);
	if (!j)
		return NULL;
	j->next = NULL;
	j->cmd = cmd;
	j->timeout_ms = timeout_ms;
	p = (char *)&j->v[na + ne + 2];
	for (size_t i = 0; i < na; i++, k++) {
		size_t n = strlen(argv[i]) + 1;

		j->v[k] = memcpy(p, argv[i], n);
		p += n;
	}
	j->v[k++] = NULL;
	j->envp = &j->v[k];
	for (size_t i = 0; i < ne; i++, k++) {
		size_t n = strlen(env[i]) + 1;

		j->v[k] = memcpy(p, env[i], n);
		p += n;
	}
	j->v[k] = NULL;
	return j;
}

static void busy_set(struct hook *h, bool busy)
{
	if (h->busy == busy)
		return;
	h->busy = busy;
	if (busy)
		hook_nbusy++;
	else
		hook_nbusy--;
}

static void released_unlink(struct hook *h)
{
	for (struct hook **pp = &hook_released; *pp; pp = &(*pp)->next_released)
		if (*pp == h) {
			*pp = h->next_released;
			h->next_released = NULL;
			return;
		}
}

static void done_cb(void *ctx, const struct exec_result *r);

/*
 * Start the next command if none runs. When the queue has run dry the
 * idle callback is told, and a released hook frees itself: @h may be gone
 * when this returns.
 */
static void kick(struct hook *h)
{
	while (!h->cur && h->head) {
		struct hook_job *j = h->head;
		char tag[EXEC_TAG_MAX];

		h->head = j->next;
		if (!h->head)
			h->tail = NULL;
		h->queued--;
		snprintf(tag, sizeof(tag), "group %u: hook %s", h->group_id,
			 conf_notify_keys[j->cmd]);
		h->cur = j;
		if (!h->x)
			h->x = calloc(1, sizeof(*h->x));
		if (!h->x)
			log_errx("%s: out of memory, not run", tag);
		else if (exec_start(h->x, h->loop, (const char *const *)j->v,
				    (const char *const *)j->envp, j->timeout_ms, done_cb, h,
				    tag) == 0) {
			h->st.run++;
			return;
		}
		/* exec_start() said why. */
		h->st.failed++;
		h->cur = NULL;
		free(j);
	}
	if (h->cur || !h->busy)
		return;
	busy_set(h, false);
	if (h->released) {
		released_unlink(h);
		free(h->x);
		free(h);
	}
	if (hook_idle_fn)
		hook_idle_fn(hook_idle_ctx);
}

static void done_cb(void *ctx, const struct exec_result *r)
{
	struct hook *h = ctx;
	struct hook_job *j = h->cur;
	const char *key = conf_notify_keys[j->cmd];
	char what[48], line[160];

	exec_describe(r, what, sizeof(what));
	exec_last_line(r, line, sizeof(line));
	if (r->timed_out) {
		h->st.timed_out++;
		h->st.failed++;
		log_warnx("group %u: hook %s timed out after %llu ms (limit %u ms), process group "
			  "killed%s%s",
			  h->group_id, key, (unsigned long long)r->duration_ms, j->timeout_ms,
			  line[0] ? ": " : "", line);
	} else if (r->exit_status != 0) {
		h->st.failed++;
		log_warnx("group %u: hook %s %s in %llu ms%s%s", h->group_id, key, what,
			  (unsigned long long)r->duration_ms, line[0] ? ": " : "", line);
	} else {
		h->st.ok++;
		log_info("group %u: hook %s %s in %llu ms", h->group_id, key, what,
			 (unsigned long long)r->duration_ms);
	}
	h->cur = NULL;
	free(j);
	kick(h);
}

static void enqueue(struct hook *h, struct hook_job *j)
{
	if (h->queued >= VIPD_HOOK_QUEUE) {
		struct hook_job *old = h->head;

		h->head = old->next;
		if (h->tail == old)
			h->tail = NULL;
		h->queued--;
		h->st.dropped++;
		log_warnx("group %u: hook queue full (%d waiting): dropped the oldest, %s",
			  h->group_id, VIPD_HOOK_QUEUE, conf_notify_keys[old->cmd]);
		free(old);
	}
	if (h->tail)
		h->tail->next = j;
	else
		h->head = j;
	h->tail = j;
	h->queued++;
	busy_set(h, true);
}

/* The state's own command for @e, or -1. */
static int state_cmd(const struct hook_event *e)
{
	if (e->master_again)
		return CONF_NOTIFY_MASTER_AGAIN;
	switch (e->to) {
	case FSM_MASTER:
		return CONF_NOTIFY_MASTER;
	case FSM_BACKUP:
		return CONF_NOTIFY_BACKUP;
	case FSM_FAULT:
		return CONF_NOTIFY_FAULT;
	case FSM_STOPPING:
		return CONF_NOTIFY_STOP;
	case FSM_STOPPED:
		/* Once per stop: STOPPED comes straight only for a node holding nothing. */
		return e->from == FSM_STOPPING ? -1 : CONF_NOTIFY_STOP;
	default:
		return -1;
	}
}

static void env_build(struct hook_env *env, const struct hook *h, const struct hook_event *e)
{
	const struct conf_group *cg = h->cg;
	char vips[VIPD_MAX_VIPS * sizeof(cg->vips[0].text)];
	size_t n = 0;

	vips[0] = '\0';
	for (size_t i = 0; i < cg->n_vips && n < sizeof(vips); i++)
		n += (size_t)snprintf(vips + n, sizeof(vips) - n, "%s%s", i ? " " : "",
				      cg->vips[i].text);
	memset(env, 0, sizeof(*env));
	env_add(env, "VIPD_EVENT=%s", e->master_again ? "master_again" : "transition");
	env_add(env, "VIPD_GROUP=%u", cg->id);
	env_add(env, "VIPD_STATE=%s", fsm_state_name(e->to));
	env_add(env, "VIPD_PREV_STATE=%s", fsm_state_name(e->from));
	env_add(env, "VIPD_REASON=%s", e->reason);
	env_add(env, "VIPD_VIPS=%s", vips);
	env_add(env, "VIPD_INTERFACE=%s", cg->interface);
	env_add(env, "VIPD_NODE=%s", h->node);
	env_add(env, "VIPD_PEER=%s", e->peer);
	env_add(env, "VIPD_PEER_ADDRESS=%s", e->peer_address);
}

void hook_run(struct hook *h, const struct hook_event *e)
{
	int cmds[2], n = 0, own;
	struct hook_env env;
	size_t n0, used0;

	if (!h || !h->cg)
		return;
	own = state_cmd(e);
	if (own >= 0 && h->cg->notify[own])
		cmds[n++] = own;
	if (h->cg->notify[CONF_NOTIFY_ANY])
		cmds[n++] = CONF_NOTIFY_ANY;
	if (n == 0)
		return;
	env_build(&env, h, e);
	n0 = env.n;
	used0 = env.used;
	for (int i = 0; i < n; i++) {
		struct hook_job *j;

		/* Which key ran it, for a script configured under several; the last variable. */
		env.n = n0;
		env.used = used0;
		env_add(&env, "VIPD_HOOK=%s", conf_notify_keys[cmds[i]]);
		j = job_new((enum conf_notify)cmds[i], h->cg->hook_timeout_ms,
			    h->cg->notify[cmds[i]], env.v);
		if (!j) {
			h->st.dropped++;
			log_errx("group %u: hook %s: out of memory, not run", h->group_id,
				 conf_notify_keys[cmds[i]]);
			continue;
		}
		enqueue(h, j);
	}
	kick(h);
}

struct hook *hook_new(struct ev_loop *loop, const struct conf_group *cg, const char *node)
{
	struct hook *h;

	for (h = hook_released; h; h = h->next_released)
		if (h->group_id == cg->id)
			break;
	if (h) {
		released_unlink(h);
		h->released = false;
	} else {
		h = calloc(1, sizeof(*h));
		if (!h) {
			log_errx("group %u: hooks: out of memory", cg->id);
			return NULL;
		}
	}
	h->loop = loop;
	h->group_id = cg->id;
	h->cg = cg;
	snprintf(h->node, sizeof(h->node), "%s", node);
	return h;
}

void hook_reconf(struct hook *h, const struct conf_group *cg)
{
	if (h)
		h->cg = cg;
}

void hook_release(struct hook *h)
{
	if (!h)
		return;
	h->cg = NULL;
	if (!h->busy) {
		free(h->x);
		free(h);
		return;
	}
	h->released = true;
	h->next_released = hook_released;
	hook_released = h;
}

struct hook_stats hook_stats(const struct hook *h)
{
	struct hook_stats none = { 0 };

	return h ? h->st : none;
}

size_t hook_busy(void)
{
	return hook_nbusy;
}

void hook_on_idle(void (*fn)(void *ctx), void *ctx)
{
	hook_idle_fn = fn;
	hook_idle_ctx = ctx;
}

void hook_shutdown(void)
{
	while (hook_released) {
		struct hook *h = hook_released;

		hook_released = h->next_released;
		if (h->cur) {
			log_warnx("group %u: hook %s still running at exit: killed", h->group_id,
				  conf_notify_keys[h->cur->cmd]);
			exec_cancel(h->x);
			free(h->cur);
		}
		if (h->queued)
			log_warnx("group %u: %zu queued hook(s) not run: exiting", h->group_id,
				  h->queued);
		while (h->head) {
			struct hook_job *j = h->head;

			h->head = j->next;
			free(j);
		}
		free(h->x);
		free(h);
	}
	hook_nbusy = 0;
}
