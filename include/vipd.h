/*
 * vipd.h - project-wide constants: paths, limits and defaults.
 *
 * Every time value carries its unit in its name. Defaults are what a
 * two-node PBX wants out of the box; each is documented in vipd.conf(5).
 */
#ifndef VIPD_H
#define VIPD_H

#define VIPD_VERSION "0.1.0"

#define VIPD_CONF_PATH	    "/etc/vipd/vipd.conf"
#define VIPD_CONTROL_SOCKET "/run/vipd/vipd.sock"
#define VIPD_STATE_DIR	    "/var/lib/vipd"

#define VIPD_NAME_MAX	32  /* node name incl. NUL, bytes */
#define VIPD_MAX_VIPS	16  /* addresses per group */
#define VIPD_MAX_GROUPS 255 /* groups per daemon */
#define VIPD_KEY_MIN	16  /* HMAC key length, bytes */
#define VIPD_KEY_MAX	256 /* HMAC key length, bytes */

#define VIPD_DEF_PRIORITY	      100   /* 1..255, higher wins */
#define VIPD_DEF_INTERVAL_MS	      200   /* heartbeat interval, ms */
#define VIPD_MIN_INTERVAL_MS	      10    /* ms */
#define VIPD_MAX_INTERVAL_MS	      10000 /* ms */
#define VIPD_DEF_MISSES		      3	    /* intervals without a heartbeat = dead */
#define VIPD_MAX_MISSES		      100   /* count */
#define VIPD_DEF_RISE		      3	   /* good heartbeats before a peer counts as alive again */
#define VIPD_DEF_PREEMPT_DELAY_MS     5000 /* ms a higher node waits before it preempts */
#define VIPD_DEF_MCAST		      "239.255.80.1"
#define VIPD_DEF_PORT		      5800  /* UDP */
#define VIPD_DEF_GARP_COUNT	      5	    /* gratuitous ARPs per takeover burst */
#define VIPD_DEF_GARP_INTERVAL_MS     100   /* ms between burst packets */
#define VIPD_DEF_GARP_REFRESH_MS      10000 /* ms between refreshes while master, 0 = off */
#define VIPD_STOP_WAIT_MS	      2000  /* ms SIGTERM waits at most for the peer's ack */
#define VIPD_DEF_CLAIM_PROBE_MS	      20 /* ms a timeout claim first asks who answers for the VIPs */
#define VIPD_MAX_UPSTREAM	      8	 /* upstream targets per group */
#define VIPD_MAX_PEERS		      4	 /* unicast heartbeat peers per group */
#define VIPD_DEF_PEER_HOPS	      1	 /* routers allowed to a peer: 1 = on-link (TTL 255) */
#define VIPD_DEF_UPSTREAM_INTERVAL_MS 1000 /* ms between upstream checks */
#define VIPD_DEF_UPSTREAM_TIMEOUT_MS  500  /* ms an upstream target may take to answer */
#define VIPD_DEF_UPSTREAM_RISE	      2	   /* good checks before upstream counts as reachable */
#define VIPD_DEF_UPSTREAM_FALL	      3	   /* failed checks before it counts as unreachable */

/* Hook commands and check scripts (exec.c, hook.c, check.c). */
#define VIPD_EXEC_PATH		     "/usr/sbin:/usr/bin:/sbin:/bin" /* PATH of every command */
#define VIPD_EXEC_GRACE_MS	     1000  /* ms from SIGTERM to SIGKILL of a timed-out command */
#define VIPD_DEF_HOOK_TIMEOUT_MS     10000 /* ms a hook command may run */
#define VIPD_HOOK_QUEUE		     64 /* hook commands waiting per group; more drop the oldest */
#define VIPD_DEF_CHECK_INTERVAL_MS   2000 /* ms between check script runs */
#define VIPD_DEF_CHECK_TIMEOUT_MS    1000 /* ms a check script may run */
#define VIPD_DEF_CHECK_RISE	     2	  /* successful runs before a failed check is ok again */
#define VIPD_DEF_CHECK_FALL	     2	  /* failed runs before an ok check counts as failed */
#define VIPD_SIP_PORT		     5060 /* SIP, UDP and TCP */
#define VIPD_DEF_SIP_INTERVAL_MS     1000 /* ms between SIP OPTIONS checks */
#define VIPD_DEF_SIP_TIMEOUT_MS	     500  /* ms an OPTIONS may take to be answered */
#define VIPD_DEF_SIP_RISE	     2 /* answered checks before a failed SIP check is ok again */
#define VIPD_DEF_SIP_FALL	     3 /* unanswered checks before an ok SIP check fails */
#define VIPD_DEF_CALLS_INTERVAL_MS   3000  /* ms between calls_command runs while draining */
#define VIPD_DEF_CALLS_TIMEOUT_MS    2000  /* ms a calls_command may run */
#define VIPD_DEF_FENCE_TIMEOUT_MS    10000 /* ms a fence command may run (IPMI power off is slow) */
#define VIPD_FENCE_RETRY_MIN_MS	     1000  /* ms before the first retry of a failed fence */
#define VIPD_FENCE_RETRY_MAX_MS	     30000 /* ms: the back-off doubles up to this */
#define VIPD_DEF_METRICS_INTERVAL_MS 5000  /* ms between rewrites of metrics_file */
#define VIPD_MIN_METRICS_INTERVAL_MS 100   /* ms */
#define VIPD_MAX_METRICS_INTERVAL_MS 3600000 /* ms */

#endif
