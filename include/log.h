/*
 * log.h - the daemon's logging: stderr (foreground, systemd) or syslog.
 *
 * As in OpenBSD's daemons: log_err, log_warn and fatal append ": " and
 * strerror(errno) (errno as it was when they were called); log_errx,
 * log_warnx and fatalx do not. Notices, info and debug lines never do.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_init(const char *ident, bool use_syslog, bool verbose);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_msg_errno(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_errx(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_err(...)	log_msg_errno(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg_errno(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * A bare line on stderr, for what `vipd -t` prints (config errors and
 * warnings, exactly as the admin and the golden tests read them): no
 * "vipd: level:" tag, and syslog never; under systemd (ExecStartPre) it
 * still gets its "<N>" prefix, so the journal files it at @prio.
 */
void log_stderr(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log and exit(1); for start-up only. fatal appends errno, fatalx does not. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A rate limit for one class of message (per packet, per client, per
 * retry): at most @burst lines per @period_ms. What it holds back is
 * counted, and the next line it lets through says how many lines of its
 * class were not logged. A zeroed one allows 5 lines per 10 s; others are
 * set with LOG_RL_INIT(burst, period_ms) or log_rl_init().
 */
struct log_rl {
	uint32_t burst;
	uint32_t period_ms;
	uint64_t window_start_ms;
	uint32_t count;
	uint64_t suppressed; /* held back since the last line let through */
	uint64_t suppressed_total;
};
#define LOG_RL_INIT(b, p)                      \
	{                                      \
		.burst = (b), .period_ms = (p) \
	}
void log_rl_init(struct log_rl *rl, uint32_t burst, uint32_t period_ms);
/* log_rl: as log_msg; log_rl_errno: as log_msg_errno; both through @rl. */
void log_rl(struct log_rl *rl, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_rl_errno(struct log_rl *rl, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * For a line that costs something to make (a flood's per-packet message):
 * log_rl_pass says whether @rl lets one through now (counting it if not),
 * log_rl_emit then logs it without asking again.
 */
bool log_rl_pass(struct log_rl *rl);
void log_rl_emit(struct log_rl *rl, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The bare window: true at most @burst times per @period_ms of @now_ms. */
bool log_ratelimit(struct log_rl *rl, uint64_t now_ms, uint32_t burst, uint32_t period_ms);

#endif
