/*
 * vipctl.h - inside vipctl, shared by its files: vipctl.c (command line,
 * help, main), vipctl_client.c (the control socket), vipctl_out.c (the
 * replies for a human) and vipctl_check.c (the monitoring plugin). The
 * commands themselves are the rows of ctltab.h.
 */
#ifndef VIPCTL_H
#define VIPCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

enum vipctl_exit {
	VIPCTL_OK = 0,		/* done; for status: every group is redundant */
	VIPCTL_FAILED = 1,	/* status degraded, or the daemon refused or failed */
	VIPCTL_USAGE = 2,	/* bad command line */
	VIPCTL_UNREACHABLE = 3, /* no answer from the daemon */
	VIPCTL_BUSY = 4,	/* the daemon answered "busy": too many connections; try again */
};

#define VIPCTL_TIMEOUT_S  5  /* s per send and per receive on the socket */
#define VIPCTL_DEF_EVENTS 20 /* events shown by default */

/* ---- reading a reply: members of the wanted type, or a default ---------- */

static inline struct json_object *jget(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* A string member, "?" if missing. */
static inline const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : "?";
}

/* An integer member into @out; false (and @out untouched) if missing. */
static inline bool jint(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v = jget(o, key, json_type_int);

	if (v)
		*out = json_object_get_int64(v);
	return v != NULL;
}

static inline bool jbool(struct json_object *o, const char *key, bool def)
{
	struct json_object *v = jget(o, key, json_type_boolean);

	return v ? json_object_get_boolean(v) : def;
}

/* ---- vipctl.c ------------------------------------------------------------ */

/* Print "vipctl: " + the message and the usage line to stderr; returns -1. */
int vipctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Decimal @s in @min..@max, nothing else (no sign, no spaces). */
bool vipctl_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* ---- vipctl_client.c: one request, one reply ------------------------------ */

/* Print "vipctl: " + the message to stderr, and keep it for vipctl_client_last_error(). */
void vipctl_client_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Why the last exchange with the daemon failed; "" if nothing failed. */
const char *vipctl_client_last_error(void);

/* Send @req to the socket @path, wait for the reply: it (caller puts) or NULL (printed). */
struct json_object *vipctl_client_call(const char *path, struct json_object *req);

/*
 * events --follow, after the first @reply (printed already): print the new
 * events until SIGINT or SIGTERM, one JSON object per line with
 * @json_lines. Returns the exit code.
 */
int vipctl_client_follow(const char *path, struct json_object *reply, bool json_lines);

/* ---- vipctl_out.c: replies for a human; each returns the exit code ------- */

int vipctl_out_status(struct json_object *data);
/* status's exit code alone (for -j): VIPCTL_OK when every group is redundant. */
int vipctl_out_status_exit(struct json_object *data);
/* The events of the reply; with @json_lines one compact JSON object per line. */
int vipctl_out_events(struct json_object *data, bool json_lines);
int vipctl_out_metrics(struct json_object *data);
int vipctl_out_version(struct json_object *data);
/* A command that changes state: nothing on success unless the daemon has a message. */
int vipctl_out_message(struct json_object *data);

/* ---- vipctl_check.c: the monitoring plugin -------------------------------- */

/* check [group]: the group is kept for the verdict; the daemon is asked for status. */
int vipctl_check_parse(int argc, char **argv, struct json_object *args);
/* The plugin line on stdout; returns the plugin's exit code (0 OK .. 3 UNKNOWN). */
int vipctl_check_print(struct json_object *data);
/* With -j: the verdict's exit code alone, nothing printed. */
int vipctl_check_exit(struct json_object *data);
/* No verdict (@why): "VIPD UNKNOWN - @why" on stdout; returns 3. */
int vipctl_check_unknown(const char *why);

#endif
