/*
 * log.h - the daemon's logging: stderr (foreground, systemd) or syslog.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_init(const char *ident, bool use_syslog, bool verbose);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Log and exit(1); for start-up only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate limit for per-packet messages: returns true at most @burst times per
 * @period_ms of @now_ms; @state is the caller's (zero-initialised) memory.
 */
struct log_rl {
	uint64_t window_start_ms;
	uint32_t count;
	uint64_t suppressed;
};
bool log_ratelimit(struct log_rl *rl, uint64_t now_ms, uint32_t burst, uint32_t period_ms);

#endif
