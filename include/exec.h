/*
 * exec.h - run an external command without a shell and without blocking
 * the event loop: hook commands and check scripts.
 *
 * The program, argv[0], is opened and checked by trust.c right before each
 * start and executed by that descriptor (see exec.c). The command gets
 * exactly the argv it was given (no shell, no word
 * splitting, no expansion), a clean environment (PATH plus what the
 * caller adds), stdin from /dev/null, "/" as its working directory,
 * default signal dispositions and an empty signal mask, no file
 * descriptor of the daemon but 0-2 and 3 (the program, opened with
 * O_PATH), and its own process group. Its
 * stdout and stderr are kept, the last EXEC_OUTPUT_MAX bytes of them.
 * After timeout_ms the whole process group gets SIGTERM, and SIGKILL
 * VIPD_EXEC_GRACE_MS later if the command is still there.
 *
 * Works on libev's default loop only: ev_child needs it, and that loop's
 * SIGCHLD handler reaps every child, so there are never zombies even for
 * a command whose struct exec was cancelled.
 */
#ifndef EXEC_H
#define EXEC_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EXEC_OUTPUT_MAX 4096 /* bytes of stdout+stderr kept, the last ones */
#define EXEC_TAG_MAX	64   /* "group 1: hook notify_master", for messages */

struct exec_result {
	int exit_status;      /* 0..255 when the command exited, else -1 */
	int signal;	      /* the signal that ended it, else 0 */
	bool timed_out;	      /* exec killed it at its timeout */
	uint64_t duration_ms; /* from spawn to exit */
	const char *output;   /* the tail of stdout+stderr, NUL-terminated */
	size_t output_len;
	bool output_cut; /* more was written than was kept */
};

/* Called once per started command, after it ended; @r lives for the call only. */
typedef void (*exec_done_fn)(void *ctx, const struct exec_result *r);

/* One running command; the caller's memory, idle when zero-filled. */
struct exec {
	struct ev_loop *loop;
	pid_t pid;  /* > 0 while running */
	int out_fd; /* read end of the output pipe, -1 when closed */
	ev_child child;
	ev_io out;
	ev_timer timer; /* the timeout, then the grace before SIGKILL */
	bool timed_out;
	bool killed; /* SIGKILL sent */
	uint64_t start_ms;
	char buf[EXEC_OUTPUT_MAX]; /* ring of the output's tail */
	size_t head;		   /* next write position in buf */
	size_t len;		   /* bytes held, <= EXEC_OUTPUT_MAX */
	bool cut;
	exec_done_fn done;
	void *ctx;
	char tag[EXEC_TAG_MAX];
};

/* Module-wide counters, for status and metrics. */
struct exec_stats {
	uint64_t spawns;    /* commands started */
	uint64_t failures;  /* could not start, exited non-zero or died of a signal */
	uint64_t timeouts;  /* killed at their timeout (also counted as failures) */
	uint64_t untrusted; /* not started: trust.c refused the program (also failures) */
};

/*
 * Start @argv (argv[0] an absolute path) with the environment PATH plus
 * @env ("NAME=value" strings, NULL-terminated, may be NULL). @x must be
 * idle. Returns 0 (@done will be called exactly once, from the loop, never
 * from inside exec_start) or -1 when the command could not be started
 * (logged once with @tag; @done is not called).
 */
int exec_start(struct exec *x, struct ev_loop *loop, const char *const *argv,
	       const char *const *env, uint32_t timeout_ms, exec_done_fn done, void *ctx,
	       const char *tag);

/* True while the command of @x runs (until just before @done is called). */
bool exec_running(const struct exec *x);

/*
 * Stop caring about a running command: SIGKILL its process group, stop the
 * watchers, close the pipe; @done is not called. Harmless on an idle @x.
 */
void exec_cancel(struct exec *x);

/*
 * The last non-empty line of @r's output, control characters replaced by
 * '?', cut to fit @len; "" if there was no output. Returns @buf.
 */
const char *exec_last_line(const struct exec_result *r, char *buf, size_t len);

/* "exited 0", "killed by signal 9", "timed out": what happened, for messages. */
const char *exec_describe(const struct exec_result *r, char *buf, size_t len);

const struct exec_stats *exec_stats(void);

#endif
