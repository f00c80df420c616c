/*
 * log.c - logging to stderr (foreground under systemd, which adds the time)
 * or to syslog, with a rate limiter for per-packet messages.
 *
 * Under systemd, stderr is a stream to the journal, which files every line
 * at the unit's default priority (info) unless the line starts with an
 * sd-daemon(3) prefix "<N>". vipd writes that prefix only when stderr
 * really is the journal's stream: $JOURNAL_STREAM names its device and
 * inode (systemd.exec(5)), so a terminal, a pipe or a redirected file
 * (the netns tests, `vipd -t` at a shell) keeps plain lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static bool log_syslog;
static bool log_verbose;
static bool log_journal;	/* stderr is $JOURNAL_STREAM: prefix "<N>" */

/* True if fd 2 is the stream that $JOURNAL_STREAM ("DEV:INODE") names. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char c;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &c) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *ident, bool use_syslog, bool verbose)
{
	log_syslog = use_syslog;
	log_verbose = verbose;
	log_journal = !use_syslog && stderr_is_journal();
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	static const char *const tag[] = {
		[LOG_EMERG] = "emerg",	   [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
		[LOG_ERR] = "error",	   [LOG_WARNING] = "warning",
		[LOG_NOTICE] = "notice",   [LOG_INFO] = "info",	  [LOG_DEBUG] = "debug",
	};

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	if (log_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	if (log_journal)
		fprintf(stderr, "<%d>", prio & 7);
	fprintf(stderr, "vipd: %s: ", tag[prio & 7]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

bool log_ratelimit(struct log_rl *rl, uint64_t now_ms, uint32_t burst, uint32_t period_ms)
{
	if (now_ms - rl->window_start_ms >= period_ms) {
		rl->window_start_ms = now_ms;
		rl->count = 0;
	}
	if (rl->count < burst) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}
