/*
 * control.h - the daemon's control socket: vipctl's requests in, replies out.
 *
 * A UNIX stream socket carrying ctlmsg frames, one JSON request
 * {"cmd": "...", "args": {...}} and one reply {"ok": true, "data": {...}} or
 * {"ok": false, "error": "..."} per frame. control.c owns the socket, the
 * connections and the permission check; the daemon supplies one handler that
 * fills in the data of each command it is asked.
 *
 * The commands are the daemon's rows of ctltab.h; who may run one is
 * checked here, before the handler runs, by its changes_state:
 *   read-only: root, or a member of read_gid
 *   changing:  root only
 *
 * Fairness: root (or the uid vipd runs as) must always get an answer,
 * whatever other local users do. Of CONTROL_MAX_CONNS connections,
 * CONTROL_RESERVED are kept for those privileged peers; every other uid
 * may hold at most CONTROL_MAX_PER_UID. A connection beyond a limit gets
 * the reply {"ok": false, "busy": true, "error": "busy: ..."} and is
 * closed (vipctl exits 4). Each step of a connection (sending a request,
 * taking a reply) must finish within CONTROL_IDLE_MS, and no connection
 * lives longer than CONTROL_LIFE_MS however many requests it sends.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONTROL_MAX_CONNS   32	 /* open connections; more are told "busy" and closed */
#define CONTROL_RESERVED    8	 /* ... of which only root (or vipd's own uid) may take */
#define CONTROL_MAX_PER_UID 4	 /* connections one other uid may hold */
#define CONTROL_BACKLOG	    256	 /* connections queued before accept() */
#define CONTROL_IDLE_MS	    2000 /* ms a client may take to send a request or read a reply */
#define CONTROL_LIFE_MS	    5000 /* ms a connection may live, whatever it does */

struct ev_loop;
struct json_object;
struct control;
struct ctltab_cmd;

/*
 * Run command @cmd (a daemon row of ctltab.h, permission already checked)
 * with @args (a JSON object, empty when the request had none; validating
 * its members is the handler's job). On success fill @data (an empty object
 * owned by the caller) and return 0; on failure write a one-line message for
 * the admin into @err and return -1. Runs on the event loop: must not block.
 */
typedef int (*control_handler_fn)(void *ctx, const struct ctltab_cmd *cmd, struct json_object *args,
				  struct json_object *data, char *err, size_t err_len);

struct control_stats {
	uint64_t connections;  /* accepted */
	uint64_t busy;	       /* told "busy" and closed at once: a connection limit was reached */
	uint64_t requests;     /* requests passed to the handler */
	uint64_t bad_requests; /* broken frame, not JSON, wrong shape, unknown command */
	uint64_t refused;      /* permission denied */
	uint64_t timeouts; /* closed after CONTROL_IDLE_MS without progress, or CONTROL_LIFE_MS */
};

/*
 * Listen on @path: create its parent directory (0755) if missing, replace a
 * stale socket, refuse to start if another process answers on it. The file
 * is made 0660 root:@read_gid, or 0600 when @read_gid is (gid_t)-1 (root
 * only). Returns NULL (logged) on failure.
 */
struct control *control_open(struct ev_loop *loop, const char *path, gid_t read_gid,
			     control_handler_fn fn, void *ctx);

/* Close every connection and the listener, and remove the socket file. NULL is a no-op. */
void control_close(struct control *c);

/* Counters since control_open(); the pointer stays valid until control_close(). */
const struct control_stats *control_stats(const struct control *c);

#endif
