/*
 * log.c - logging to stderr (foreground under systemd, which adds the time)
 * or to syslog, with rate limits per class of message that say what they
 * held back.
 *
 * Under systemd, stderr is a stream to the journal, which files every line
 * at the unit's default priority (info) unless the line starts with an
 * sd-daemon(3) prefix "<N>". vipd writes that prefix only when stderr
 * really is the journal's stream: $JOURNAL_STREAM names its device and
 * inode (systemd.exec(5)), so a terminal, a pipe or a redirected file
 * (the netns tests, `vipd -t` at a shell) keeps plain lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static bool log_syslog;
static bool log_verbose;
static bool log_journal; /* stderr is $JOURNAL_STREAM: prefix "<N>" */

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

static const char *const log_tag[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",	  [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

/*
 * One line: the message, then ": strerror(@err)" when @err is not 0, then
 * " (N more ... not logged)" when @hidden is not 0. Formatted once into a
 * buffer, so that syslog and stderr get the same line; a longer one is cut.
 */
static void log_line(int prio, int err, uint64_t hidden, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line) && err)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
	if (n >= 0 && (size_t)n < sizeof(line) && hidden)
		snprintf(line + n, sizeof(line) - (size_t)n, " (%llu more like it not logged)",
			 (unsigned long long)hidden);
	if (log_syslog) {
		syslog(prio, "%s", line);
		return;
	}
	if (log_journal)
		fprintf(stderr, "<%d>", prio & 7);
	fprintf(stderr, "vipd: %s: %s\n", log_tag[prio & 7], line);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(prio, 0, 0, fmt, ap);
	va_end(ap);
}

void log_stderr(int prio, const char *fmt, ...)
{
	va_list ap;

	if (log_journal)
		fprintf(stderr, "<%d>", prio & 7);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void log_msg_errno(int prio, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_line(prio, err, 0, fmt, ap);
	va_end(ap);
	errno = err;
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, err, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, 0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void log_rl_init(struct log_rl *rl, uint32_t burst, uint32_t period_ms)
{
	*rl = (struct log_rl){ .burst = burst, .period_ms = period_ms };
}

bool log_rl_pass(struct log_rl *rl)
{
	if (log_ratelimit(rl, clock_now_ms(), rl->burst ? rl->burst : 5,
			  rl->period_ms ? rl->period_ms : 10000))
		return true;
	rl->suppressed_total++;
	return false;
}

void log_rl_emit(struct log_rl *rl, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(prio, 0, rl->suppressed, fmt, ap);
	va_end(ap);
	rl->suppressed = 0;
}

void log_rl(struct log_rl *rl, int prio, const char *fmt, ...)
{
	va_list ap;

	if (!log_rl_pass(rl))
		return;
	va_start(ap, fmt);
	log_line(prio, 0, rl->suppressed, fmt, ap);
	va_end(ap);
	rl->suppressed = 0;
}

void log_rl_errno(struct log_rl *rl, int prio, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	if (!log_rl_pass(rl))
		return;
	va_start(ap, fmt);
	log_line(prio, err, rl->suppressed, fmt, ap);
	va_end(ap);
	rl->suppressed = 0;
	errno = err;
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
