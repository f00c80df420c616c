/*
 * exec.c - external commands (hooks, check scripts) run without a shell,
 * watched from the event loop: spawn, collect the output's tail, enforce
 * the timeout on the whole process group, report how it ended.
 *
 * posix_spawn() (a vfork-style clone in glibc: no copy of the daemon's
 * memory) starts the program directly; there is no shell anywhere, so no
 * value from the configuration or from a heartbeat is ever parsed as shell
 * text.
 *
 * The program runs as root, so right before each start argv[0] is opened
 * and checked again by trust.c (it and every directory above it owned by
 * root, not writable by group or others), and the child executes that
 * very descriptor, passed as fd 3, through /proc/self/fd/3: a file or
 * symlink swapped in after the check is never what runs. A script's
 * interpreter therefore sees /proc/self/fd/3 as its $0, and fd 3 (read
 * only, the script itself) stays open in it.
 * The child gets its own process group so that a timeout also reaches
 * whatever the command started (a script's sleep, curl, ...).
 *
 * libev's default loop reaps every child on SIGCHLD (waitpid(-1)), whether
 * or not a watcher asked for it; an ev_child watcher only hears about it.
 * So a cancelled or forgotten command never stays a zombie.
 *
 * Cost: one pipe and three watchers per running command; nothing at rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "exec.h"
#include "log.h"
#include "trust.h"
#include "vipd.h"

#define EXEC_ENV_MAX   32 /* environment entries, PATH included */
#define EXEC_READS     16 /* reads per wake-up, so a chatty command cannot starve the loop */
#define EXEC_DRAIN     64 /* reads after the exit, for output still in the pipe */
#define EXEC_PROG_FD   3  /* the checked program's descriptor in the child */
#define EXEC_PROG_PATH "/proc/self/fd/3" /* ... and how the child executes it */

static struct exec_stats stats;
static struct log_rl spawn_rl; /* spawn failures: a check retries every interval */

/* Keep the last EXEC_OUTPUT_MAX bytes written. */
static void ring_put(struct exec *x, const char *p, size_t n)
{
	if (n > EXEC_OUTPUT_MAX) {
		p += n - EXEC_OUTPUT_MAX;
		n = EXEC_OUTPUT_MAX;
		x->cut = true;
	}
	if (x->len + n > EXEC_OUTPUT_MAX)
		x->cut = true;
	while (n > 0) {
		size_t k = EXEC_OUTPUT_MAX - x->head;

		if (k > n)
			k = n;
		memcpy(x->buf + x->head, p, k);
		x->head = (x->head + k) % EXEC_OUTPUT_MAX;
		x->len = x->len + k > EXEC_OUTPUT_MAX ? EXEC_OUTPUT_MAX : x->len + k;
		p += k;
		n -= k;
	}
}

static void out_close(struct exec *x)
{
	if (x->out_fd < 0)
		return;
	ev_io_stop(x->loop, &x->out);
	close(x->out_fd);
	x->out_fd = -1;
}

/* Read what the pipe holds, at most @reads times; closes it at EOF. */
static void out_read(struct exec *x, int reads)
{
	char tmp[EXEC_OUTPUT_MAX];

	while (x->out_fd >= 0 && reads-- > 0) {
		ssize_t n = read(x->out_fd, tmp, sizeof(tmp));

		if (n > 0) {
			ring_put(x, tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		out_close(x); /* EOF, or an error no retry would fix */
	}
}

static void out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	out_read(w->data, EXEC_READS);
}

/* Signal the command's process group; it may be gone already (ESRCH). */
static void kill_group(struct exec *x, int sig)
{
	if (kill(-x->pid, sig) < 0 && errno != ESRCH && log_rl_pass(&spawn_rl))
		log_rl_emit(&spawn_rl, LOG_WARNING, "%s: kill process group %d: %s", x->tag,
			    (int)x->pid, strerror(errno));
}

static void finish(struct exec *x, int wstatus, bool reaped)
{
	char out[EXEC_OUTPUT_MAX + 1];
	struct exec_result r = { .exit_status = -1 };
	size_t start = (x->head + EXEC_OUTPUT_MAX - x->len) % EXEC_OUTPUT_MAX;
	exec_done_fn done = x->done;
	void *ctx = x->ctx;

	out_read(x, EXEC_DRAIN);
	out_close(x);
	ev_timer_stop(x->loop, &x->timer);
	ev_child_stop(x->loop, &x->child);
	for (size_t i = 0; i < x->len; i++)
		out[i] = x->buf[(start + i) % EXEC_OUTPUT_MAX];
	out[x->len] = '\0';
	r.output = out;
	r.output_len = x->len;
	r.output_cut = x->cut;
	r.timed_out = x->timed_out;
	r.duration_ms = clock_now_ms() - x->start_ms;
	if (reaped && WIFEXITED(wstatus))
		r.exit_status = WEXITSTATUS(wstatus);
	else if (reaped && WIFSIGNALED(wstatus))
		r.signal = WTERMSIG(wstatus);
	if (r.timed_out || r.exit_status != 0)
		stats.failures++;
	/* Idle again before the callback, which may start the next command on @x. */
	x->pid = 0;
	x->len = 0;
	x->head = 0;
	x->cut = false;
	x->done = NULL;
	done(ctx, &r);
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct exec *x = w->data;

	(void)loop;
	(void)revents;
	/*
	 * The group of a command killed at its timeout may still hold
	 * children that ignored SIGTERM. The leader was reaped an instant
	 * ago and PIDs are handed out cyclically, so the group id is still
	 * this command's.
	 */
	if (x->timed_out)
		kill_group(x, SIGKILL);
	finish(x, w->rstatus, true);
}

/* Timeout: SIGTERM to the group; after the grace SIGKILL; after another, give up. */
static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct exec *x = w->data;

	(void)revents;
	if (!x->timed_out) {
		x->timed_out = true;
		stats.timeouts++;
		kill_group(x, SIGTERM);
	} else if (!x->killed) {
		x->killed = true;
		kill_group(x, SIGKILL);
	} else {
		/* Unkillable (stuck in the kernel): stop waiting, libev still reaps it. */
		log_warnx("%s: process %d survives SIGKILL, no longer waiting for it", x->tag,
			  (int)x->pid);
		finish(x, 0, false);
		return;
	}
	ev_timer_set(w, VIPD_EXEC_GRACE_MS / 1000.0, 0);
	ev_timer_start(loop, w);
}

/*
 * Open @path for execution after trust.c passed it and every directory
 * above it, as a descriptor above EXEC_PROG_FD (so that the child's dup2()
 * onto fd 3 never meets itself). -1 with the reason in @why.
 */
static int exec_open(const char *path, char *why, size_t why_len)
{
	int fd = trust_open(path, O_PATH, why, why_len < TRUST_WHY_MAX ? why_len : TRUST_WHY_MAX),
	    hi;

	if (fd < 0) {
		if (errno == EPERM) {
			char reason[TRUST_WHY_MAX];

			snprintf(reason, sizeof(reason), "%.*s", (int)sizeof(reason) - 1, why);
			snprintf(why, why_len, "not trusted: %s", reason);
		}
		return -1;
	}
	if (fd > EXEC_PROG_FD)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, EXEC_PROG_FD + 1);
	if (hi < 0)
		snprintf(why, why_len, "%s", strerror(errno));
	close(fd);
	return hi;
}

/* Move @fd above 2, so that dup2() onto 0..2 in the child never meets itself. */
static int fd_above_stdio(int fd)
{
	int n;

	if (fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return n;
}

/* The child's set-up: @prog_fd (> 3) becomes its fd 3 and is executed. 0 or an errno value. */
static int spawn(pid_t *pid, const char *const *argv, const char *const *envp, int out_fd,
		 int prog_fd)
{
	union {
		const char *const *c;
		char *const *m;
	} av = { .c = argv }, ev = { .c = envp };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return ENOMEM;
	if (posix_spawnattr_init(&sa) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ENOMEM;
	}
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	/* dup2() clears FD_CLOEXEC: the descriptor survives into the exec. */
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, prog_fd, EXEC_PROG_FD);
	/* Belt and braces: the daemon opens everything O_CLOEXEC anyway. */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, EXEC_PROG_FD + 1);
	if (!rc)
		rc = posix_spawn_file_actions_addchdir_np(&fa, "/");
	/*
	 * libev blocks the signals it handles and the daemon ignores SIGPIPE;
	 * a child inheriting either could not be stopped by SIGTERM or would
	 * misbehave in a pipeline.
	 */
	if (!rc)
		rc = posix_spawnattr_setsigmask(&sa, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&sa, &all);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&sa, 0);
	if (!rc)
		rc = posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
							   POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawn(pid, EXEC_PROG_PATH, &fa, &sa, av.m, ev.m);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int exec_start(struct exec *x, struct ev_loop *loop, const char *const *argv,
	       const char *const *env, uint32_t timeout_ms, exec_done_fn done, void *ctx,
	       const char *tag)
{
	const char *envp[EXEC_ENV_MAX + 1];
	char why[TRUST_WHY_MAX + 16];
	size_t ne = 0;
	int p[2] = { -1, -1 }, prog, rc;
	pid_t pid;

	if (x->pid > 0) {
		log_errx("%s: exec_start while the previous command runs", tag);
		return -1;
	}
	memset(x, 0, sizeof(*x));
	x->out_fd = -1;
	snprintf(x->tag, sizeof(x->tag), "%s", tag);
	envp[ne++] = "PATH=" VIPD_EXEC_PATH;
	for (size_t i = 0; env && env[i]; i++) {
		if (ne == EXEC_ENV_MAX) {
			log_errx("%s: more than %d environment variables", tag, EXEC_ENV_MAX);
			stats.failures++;
			return -1;
		}
		envp[ne++] = env[i];
	}
	envp[ne] = NULL;
	prog = exec_open(argv[0], why, sizeof(why));
	if (prog < 0) {
		stats.failures++;
		stats.untrusted++;
		log_rl(&spawn_rl, LOG_ERR, "%s: not running %s: %s", tag, argv[0], why);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = errno;
		goto fail;
	}
	p[0] = fd_above_stdio(p[0]);
	p[1] = fd_above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = errno;
		goto fail_pipe;
	}
	rc = spawn(&pid, argv, envp, p[1], prog);
	if (rc != 0)
		goto fail_pipe;
	close(prog);
	close(p[1]);
	stats.spawns++;
	x->loop = loop;
	x->pid = pid;
	x->out_fd = p[0];
	x->start_ms = clock_now_ms();
	x->done = done;
	x->ctx = ctx;
	ev_child_init(&x->child, child_cb, pid, 0);
	x->child.data = x;
	ev_child_start(loop, &x->child);
	ev_io_init(&x->out, out_cb, x->out_fd, EV_READ);
	x->out.data = x;
	ev_io_start(loop, &x->out);
	ev_init(&x->timer, timer_cb);
	x->timer.data = x;
	if (timeout_ms > 0) {
		ev_now_update(loop);
		ev_timer_set(&x->timer, timeout_ms / 1000.0, 0);
		ev_timer_start(loop, &x->timer);
	}
	return 0;
fail_pipe:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
fail:
	close(prog);
	stats.failures++;
	log_rl(&spawn_rl, LOG_ERR, "%s: cannot run %s: %s", tag, argv[0], strerror(rc));
	return -1;
}

bool exec_running(const struct exec *x)
{
	return x->pid > 0;
}

void exec_cancel(struct exec *x)
{
	if (x->pid <= 0)
		return;
	kill_group(x, SIGKILL);
	out_close(x);
	ev_timer_stop(x->loop, &x->timer);
	ev_child_stop(x->loop, &x->child);
	x->pid = 0;
	x->done = NULL;
}

const char *exec_last_line(const struct exec_result *r, char *buf, size_t len)
{
	size_t end = r->output_len, start, n = 0;

	if (len == 0)
		return buf;
	while (end > 0 && (unsigned char)r->output[end - 1] <= ' ')
		end--;
	start = end;
	while (start > 0 && r->output[start - 1] != '\n')
		start--;
	for (size_t i = start; i < end && n + 1 < len; i++) {
		unsigned char c = (unsigned char)r->output[i];

		buf[n++] = (char)(c < ' ' || c > '~' ? '?' : c);
	}
	buf[n] = '\0';
	return buf;
}

const char *exec_describe(const struct exec_result *r, char *buf, size_t len)
{
	if (r->timed_out)
		snprintf(buf, len, "timed out");
	else if (r->signal)
		snprintf(buf, len, "killed by SIG%s",
			 sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "?");
	else if (r->exit_status >= 0)
		snprintf(buf, len, "exited %d", r->exit_status);
	else
		snprintf(buf, len, "vanished");
	return buf;
}

const struct exec_stats *exec_stats(void)
{
	return &stats;
}
