/*
 * vipctl.c - the admin's tool: send one command to vipd over its control
 * socket and print the reply, for a human or (-j) as JSON for scripts.
 * This file reads the command line, builds the request and prints the
 * help; the commands are the rows of ctltab.h, and what vipctl does with
 * each (its arguments, its printer) is vipctl_cmds[], by the same row.
 *
 * One connection, one request, one reply. The exit code tells scripts what
 * happened without parsing: see enum vipctl_exit and vipctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "ctltab.h"
#include "vipctl.h"
#include "vipd.h"

#define VIPCTL_HELP_COL 36 /* column of the commands' descriptions in -h */

static const char usage_line[] =
	"usage: vipctl [-s socket] [-j | --json] [-h] [-V] [--commands] command [args]";

/*
 * Print one command of the table for -h: its forms, one per line, then
 * its description from VIPCTL_HELP_COL on (on the line of a lone short
 * form), "(root)" after its first line when the command changes state.
 */
static void usage_cmd(const struct ctltab_cmd *c)
{
	const char *form = c->args, *help = c->help, *nl;
	bool first = true;
	int w = 0, forms = 0;

	for (; form; form = nl ? nl + 1 : NULL) {
		nl = strchr(form, '\n');
		if (w)
			printf("\n");
		w = printf("  %s%s%.*s", c->name, *form ? " " : "",
			   nl ? (int)(nl - form) : (int)strlen(form), form);
		forms++;
	}
	if (forms > 1)
		w = VIPCTL_HELP_COL; /* several forms: the description below them */
	for (; help; help = nl ? nl + 1 : NULL, first = false) {
		nl = strchr(help, '\n');
		if (w >= VIPCTL_HELP_COL - 1) {
			printf("\n");
			w = 0;
		}
		printf("%*s%.*s%s", VIPCTL_HELP_COL - w, "",
		       nl ? (int)(nl - help) : (int)strlen(help), help,
		       first && c->changes_state ? " (root)" : "");
		w = VIPCTL_HELP_COL;
	}
	printf("\n");
}

static void usage(FILE *f)
{
	fprintf(f, "%s\n", usage_line);
	if (f != stdout)
		return;
	printf("\ncommands:\n");
	for (size_t i = 0; i < CTLTAB_N; i++)
		usage_cmd(&ctltab[i]);
	printf("\n"
	       "options:\n"
	       "  -s, --socket socket  control socket (default %s)\n"
	       "  -j, --json           print the reply's data as JSON\n"
	       "  -h, --help           this help\n"
	       "  -V, --version        print vipctl's version and exit\n"
	       "  --commands           the command table for scripts and the bash completion\n"
	       "\n"
	       "exit: 0 ok, 1 degraded or refused, 2 usage, 3 vipd unreachable, 4 vipd busy\n",
	       VIPD_CONTROL_SOCKET);
}

/*
 * --commands: one line per form of each command, "name TAB change|read TAB
 * args", as in -h; the bash completion reads the commands, their options
 * and their arguments from here, so it knows every row of the table.
 */
static void print_commands(void)
{
	for (size_t i = 0; i < CTLTAB_N; i++) {
		const struct ctltab_cmd *c = &ctltab[i];
		const char *form = c->args, *nl;

		do {
			nl = strchr(form, '\n');
			printf("%s\t%s\t%.*s\n", c->name, c->changes_state ? "change" : "read",
			       nl ? (int)(nl - form) : (int)strlen(form), form);
			form = nl ? nl + 1 : NULL;
		} while (form);
	}
}

int vipctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vipctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", usage_line);
	return -1;
}

/* ---- arguments -------------------------------------------------------- */

bool vipctl_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out >= min && *out <= max;
}

static int parse_group(const char *s, struct json_object *args)
{
	uint64_t id;

	if (!vipctl_parse_uint(s, 1, UINT32_MAX, &id))
		return vipctl_usage_error("bad group \"%s\": a group id is 1..4294967295", s);
	json_object_object_add(args, "group", json_object_new_int64((int64_t)id));
	return 0;
}

/* [group] [--force] in either order, from argv[@first] on; "force" is always sent. */
static int parse_group_force(int argc, char **argv, int first, struct json_object *args)
{
	bool force = false, group = false;
	int i;

	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 && !force) {
			force = true;
		} else if (argv[i][0] == '-' || group) {
			return vipctl_usage_error("%s: unexpected \"%s\"", argv[0], argv[i]);
		} else {
			if (parse_group(argv[i], args) < 0)
				return -1;
			group = true;
		}
	}
	json_object_object_add(args, "force", json_object_new_boolean(force));
	return 0;
}

/* A duration: "90" (seconds), "500ms", "30s", "10m", "2h" into ms. */
static bool parse_duration_ms(const char *s, uint64_t *ms)
{
	char *end;
	unsigned long long v;
	uint64_t unit = 1000;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0 || end[0] == '\0')
		unit = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else
		return false;
	if (v > UINT32_MAX / unit)
		return false;
	*ms = v * unit;
	return true;
}

/*
 * [group] [--force] [--when-idle [--max-wait DURATION] [--then switch|cancel]]
 * and, with @cancel_ok, [--cancel] alone; from argv[@first] on.
 */
static int parse_handover(int argc, char **argv, int first, struct json_object *args,
			  bool cancel_ok)
{
	bool idle = false, cancel = false, wait = false, then = false;
	int i, n = 0;
	char *rest[8];
	uint64_t ms;

	rest[n++] = argv[0];
	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--when-idle") == 0 && !idle) {
			idle = true;
		} else if (strcmp(argv[i], "--cancel") == 0 && cancel_ok && !cancel) {
			cancel = true;
		} else if (strcmp(argv[i], "--max-wait") == 0 && !wait) {
			if (++i >= argc || !parse_duration_ms(argv[i], &ms))
				return vipctl_usage_error(
					"%s: --max-wait needs a duration (90, 30s, 10m, "
					"1h, 500ms)",
					argv[0]);
			json_object_object_add(args, "max_wait_ms",
					       json_object_new_int64((int64_t)ms));
			wait = true;
		} else if (strcmp(argv[i], "--then") == 0 && !then) {
			if (++i >= argc ||
			    (strcmp(argv[i], "switch") != 0 && strcmp(argv[i], "cancel") != 0))
				return vipctl_usage_error("%s: --then needs switch or cancel",
							  argv[0]);
			json_object_object_add(args, "then", json_object_new_string(argv[i]));
			then = true;
		} else if (n < (int)(sizeof(rest) / sizeof(rest[0]))) {
			rest[n++] = argv[i];
		} else {
			return vipctl_usage_error("%s: unexpected \"%s\"", argv[0], argv[i]);
		}
	}
	if ((wait || then) && !idle)
		return vipctl_usage_error("%s: --max-wait and --then need --when-idle", argv[0]);
	if (cancel && (idle || n > 2 || (n == 2 && rest[1][0] == '-')))
		return vipctl_usage_error("%s: --cancel takes only a group", argv[0]);
	if (idle)
		json_object_object_add(args, "when_idle", json_object_new_boolean(true));
	if (cancel)
		json_object_object_add(args, "cancel", json_object_new_boolean(true));
	return parse_group_force(n, rest, 1, args);
}

/* switchover [group] [--force] [--when-idle ...] | switchover [group] --cancel */
static int parse_switchover(int argc, char **argv, struct json_object *args)
{
	return parse_handover(argc, argv, 1, args, true);
}

/* standby on|off [group] [--force] */
static int parse_standby(int argc, char **argv, struct json_object *args)
{
	bool on;

	if (argc < 2)
		return vipctl_usage_error("%s: expected on or off", argv[0]);
	if (strcmp(argv[1], "on") == 0)
		on = true;
	else if (strcmp(argv[1], "off") == 0)
		on = false;
	else
		return vipctl_usage_error("standby: \"%s\" is neither on nor off", argv[1]);
	json_object_object_add(args, "on", json_object_new_boolean(on));
	if (!on) {
		for (int i = 2; i < argc; i++)
			if (strncmp(argv[i], "--when-idle", 11) == 0 ||
			    strcmp(argv[i], "--max-wait") == 0 || strcmp(argv[i], "--then") == 0)
				return vipctl_usage_error("standby off: %s is for standby on",
							  argv[i]);
	}
	return parse_handover(argc, argv, 2, args, false);
}

/* events --follow: poll for new events until interrupted. */
static bool events_follow;

/* events [n] [-f | --follow], in either order */
static int parse_events(int argc, char **argv, struct json_object *args)
{
	uint64_t n = VIPCTL_DEF_EVENTS;
	bool count = false;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) &&
		    !events_follow)
			events_follow = true;
		else if (argv[i][0] == '-' || count)
			return vipctl_usage_error("%s: unexpected \"%s\"", argv[0], argv[i]);
		else if (!vipctl_parse_uint(argv[i], 1, INT32_MAX, &n))
			return vipctl_usage_error("events: bad count \"%s\"", argv[i]);
		else
			count = true;
	}
	json_object_object_add(args, "count", json_object_new_int64((int64_t)n));
	return 0;
}

/* ---- the commands ------------------------------------------------------- */

static bool events_json; /* -j with --follow: one compact JSON object per line */

static int print_events(struct json_object *data)
{
	return vipctl_out_events(data, events_json);
}

/* What vipctl does with a command of ctltab, by its row. */
struct vipctl_cmd {
	/* Fill the request's args from the command's own arguments; -1 on a usage error. */
	int (*parse)(int argc, char **argv, struct json_object *args);
	/* Print the reply's data for a human; returns the exit code. */
	int (*print)(struct json_object *data);
	/* The exit code of a successful reply printed with -j; NULL: VIPCTL_OK. */
	int (*json_exit)(struct json_object *data);
	/*
	 * A monitoring plugin (check): a usage error, an unreachable daemon or
	 * a refusal exits CHECK_UNKNOWN with one "VIPD UNKNOWN - ..." line on stdout.
	 */
	bool plugin;
};

/* A row without a parser takes no arguments; one without a printer prints the message. */
static const struct vipctl_cmd vipctl_cmds[CTLTAB_N] = {
	[CTLTAB_STATUS] = { NULL, vipctl_out_status, vipctl_out_status_exit, false },
	[CTLTAB_SWITCHOVER] = { parse_switchover, NULL, NULL, false },
	[CTLTAB_STANDBY] = { parse_standby, NULL, NULL, false },
	[CTLTAB_RELOAD] = { NULL, NULL, NULL, false },
	[CTLTAB_EVENTS] = { parse_events, print_events, NULL, false },
	[CTLTAB_METRICS] = { NULL, vipctl_out_metrics, NULL, false },
	[CTLTAB_CHECK] = { vipctl_check_parse, vipctl_check_print, vipctl_check_exit, true },
	[CTLTAB_VERSION] = { NULL, vipctl_out_version, NULL, false },
};

/* Print the reply to @cmd; returns the exit code. */
static int vipctl_output(const struct vipctl_cmd *cmd, struct json_object *reply, bool json)
{
	struct json_object *data = jget(reply, "data", json_type_object), *empty = NULL;
	int rc;

	if (!jbool(reply, "ok", false)) {
		vipctl_client_error("%s", jstr(reply, "error"));
		return jbool(reply, "busy", false) ? VIPCTL_BUSY : VIPCTL_FAILED;
	}
	if (!data)
		data = empty = json_object_new_object();
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
				       data, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
		rc = cmd->json_exit ? cmd->json_exit(data) : VIPCTL_OK;
	} else {
		rc = cmd->print ? cmd->print(data) : vipctl_out_message(data);
	}
	json_object_put(empty);
	return rc;
}

/*
 * Build the request for the command line in @argv (the command @tc first).
 * -j/--json may also follow the command; it is taken out here.
 */
static struct json_object *vipctl_request(const struct ctltab_cmd *tc, int argc, char **argv,
					  bool *json)
{
	const struct vipctl_cmd *cmd = &vipctl_cmds[tc->id];
	struct json_object *req = json_object_new_object(), *args = json_object_new_object();
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 || strcmp(argv[i], "--json") == 0)
			*json = true;
		else
			argv[n++] = argv[i];
	}
	if (!req || !args) {
		vipctl_client_error("out of memory");
		exit(VIPCTL_FAILED);
	}
	if (cmd->parse ? cmd->parse(n, argv, args) < 0
		       : n > 1 && vipctl_usage_error("%s takes no arguments", argv[0]) < 0) {
		json_object_put(req);
		json_object_put(args);
		return NULL;
	}
	json_object_object_add(req, "cmd",
			       json_object_new_string(tc->sends ? tc->sends : tc->name));
	json_object_object_add(req, "args", args);
	return req;
}

/* ---- main --------------------------------------------------------------- */

#define VIPCTL_OPT_COMMANDS 256 /* --commands: no short option */

/*
 * The options before the command into @path and @json. Returns the index
 * of the command in @argv, or -1 after -h, -V, --commands (with @rc
 * VIPCTL_OK) or a usage error (@rc VIPCTL_USAGE).
 */
static int vipctl_options(int argc, char **argv, const char **path, bool *json, int *rc)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "commands", no_argument, NULL, VIPCTL_OPT_COMMANDS },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*rc = VIPCTL_OK;
	while ((c = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			*path = optarg;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			printf("vipctl %s\n", VIPD_VERSION);
			return -1;
		case VIPCTL_OPT_COMMANDS:
			print_commands();
			return -1;
		default:
			usage(stderr);
			*rc = VIPCTL_USAGE;
			return -1;
		}
	}
	*rc = VIPCTL_USAGE;
	if (optind >= argc)
		return vipctl_usage_error("%s", "no command given");
	if ((*path)[0] == '\0' || strlen(*path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return vipctl_usage_error("socket path \"%s\" is empty or too long", *path);
	*rc = VIPCTL_OK;
	return optind;
}

/* Send @req for @tc, print the reply; returns the exit code. */
static int vipctl_run(const struct ctltab_cmd *tc, const char *path, struct json_object *req,
		      bool json)
{
	const struct vipctl_cmd *cmd = &vipctl_cmds[tc->id];
	const char *why;
	struct json_object *reply;
	int rc;

	events_json = json && events_follow;
	/* vipctl's own version first: it is known even if vipd does not answer. */
	if (tc->id == CTLTAB_VERSION && !json)
		printf("vipctl %s\n", VIPD_VERSION);
	fflush(stdout);
	reply = vipctl_client_call(path, req);
	if (!reply && cmd->plugin) {
		why = vipctl_client_last_error();
		return vipctl_check_unknown(why[0] ? why : "no reply from vipd");
	}
	if (!reply)
		return VIPCTL_UNREACHABLE;
	if (cmd->plugin && !jbool(reply, "ok", false)) {
		char refused[300];

		snprintf(refused, sizeof(refused), "vipd refused: %s", jstr(reply, "error"));
		json_object_put(reply);
		return vipctl_check_unknown(refused);
	}
	if (events_follow && jbool(reply, "ok", false)) {
		/* The first batch as one would see it without --follow, then the stream. */
		if (events_json)
			vipctl_out_events(jget(reply, "data", json_type_object), true);
		else
			vipctl_output(cmd, reply, false);
		fflush(stdout);
		rc = vipctl_client_follow(path, reply, events_json);
	} else {
		rc = vipctl_output(cmd, reply, json);
	}
	json_object_put(reply);
	return rc;
}

int main(int argc, char **argv)
{
	const char *path = VIPD_CONTROL_SOCKET;
	const struct ctltab_cmd *tc;
	struct json_object *req;
	bool json = false;
	int first, rc;

	first = vipctl_options(argc, argv, &path, &json, &rc);
	if (first < 0)
		return rc;
	tc = ctltab_find(argv[first]);
	if (!tc) {
		vipctl_usage_error("unknown command \"%s\" (vipctl -h lists them)", argv[first]);
		return VIPCTL_USAGE;
	}
	req = vipctl_request(tc, argc - first, argv + first, &json);
	if (!req)
		return vipctl_cmds[tc->id].plugin ? vipctl_check_unknown("bad usage (vipctl -h)")
						  : VIPCTL_USAGE;
	rc = vipctl_run(tc, path, req, json);
	json_object_put(req);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vipctl: stdout: %s\n", strerror(errno));
		return VIPCTL_FAILED;
	}
	return rc;
}
