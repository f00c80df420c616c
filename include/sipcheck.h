/*
 * sipcheck.h - the built-in SIP health check of a group: a SIP OPTIONS
 * request to sip_check (UDP, or TCP) every sip_check_interval_ms, sent
 * from the event loop (no process per check). An answer counts when it is
 * a final response (one of sip_check_codes, any final one by default)
 * whose Call-ID, CSeq and top Via branch are those of the request just
 * sent, within sip_check_timeout_ms. sip_check_fall failed checks in a row
 * make the check fail, sip_check_rise good ones make it pass again; what
 * a failed check does (FAULT, or a lower priority) is group.c's business,
 * exactly as for check_script.
 */
#ifndef SIPCHECK_H
#define SIPCHECK_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define SIPCHECK_BUF 4096 /* bytes of one response we read (UDP datagram, TCP headers) */

/* The verdict changed: sipcheck_failed() tells the new one. */
typedef void (*sipcheck_fn)(void *ctx);

struct sipcheck {
	struct ev_loop *loop;
	const struct conf_group *cg;
	sipcheck_fn fn;
	void *ctx;
	bool on; /* sip_check is configured and running */
	int fd;	 /* UDP: kept open; TCP: one connection per check; -1 = none */
	ev_io io;
	ev_timer tick;	    /* every sip_check_interval_ms, the first at once */
	ev_timer timeout;   /* sip_check_timeout_ms after the request */
	bool pending;	    /* a request waits for its answer */
	bool tcp_connected; /* TCP: the request was written, reading the answer */
	char call_id[48];
	char branch[48];
	char tag[24];
	uint32_t cseq;
	uint64_t sent_ms;
	char buf[SIPCHECK_BUF];
	size_t len;
	bool known, ok, last_ok;
	uint32_t good, bad;   /* checks in a row */
	int last_code;	      /* last final response code, 0 = none yet */
	uint64_t last_rtt_ms; /* of the last answered check */
	char last_error[96];  /* why the last check failed, "" after a good one */
	uint64_t runs, failures, timeouts, stray;
};

/*
 * Start checking @cg's sip_check (nothing happens without one: the check
 * then never fails). Until the first check ends the check counts as
 * failed, or as passed with @assume_ok (one added by a reload).
 */
void sipcheck_start(struct sipcheck *c, struct ev_loop *loop, const struct conf_group *cg,
		    bool assume_ok, sipcheck_fn fn, void *ctx);
void sipcheck_stop(struct sipcheck *c);

/* Follow a reloaded conf_group: added or removed start or stop, a changed one restarts. */
void sipcheck_reconf(struct sipcheck *c, const struct conf_group *cg);

/* True if a configured SIP check does not pass. */
bool sipcheck_failed(const struct sipcheck *c);

/* Add "sip": { ... } to @checks when sip_check is configured. */
void sipcheck_status(const struct sipcheck *c, struct json_object *checks);

#endif
