/*
 * ctltab.c - the rows of the command table (see ctltab.h) and the two
 * lookups by name. The args and help texts are what `vipctl -h` prints;
 * vipctl(8) says the same at length.
 */
#include <string.h>

#include "ctltab.h"

#define CTLTAB_IDLE "[--when-idle [--max-wait D] [--then switch|cancel]]"

const struct ctltab_cmd ctltab[CTLTAB_N] = {
	[CTLTAB_STATUS] =
		{
			.id = CTLTAB_STATUS,
			.name = "status",
			.args = "",
			.help = "who is master, since when, why; the peer",
		},
	[CTLTAB_SWITCHOVER] =
		{
			.id = CTLTAB_SWITCHOVER,
			.name = "switchover",
			.changes_state = true,
			.args = "[group] [--force] " CTLTAB_IDLE "\n"
				"[group] --cancel",
			.help = "hand the VIPs to the peer\n"
				"--when-idle: once no call is up (after D at most,\n"
				"then switch or cancel); --cancel: stop waiting",
		},
	[CTLTAB_STANDBY] =
		{
			.id = CTLTAB_STANDBY,
			.name = "standby",
			.changes_state = true,
			.args = "on|off [group] [--force] " CTLTAB_IDLE,
			.help = "maintenance: never hold the VIPs\n"
				"--when-idle (on only): once no call is up",
		},
	[CTLTAB_RELOAD] =
		{
			.id = CTLTAB_RELOAD,
			.name = "reload",
			.changes_state = true,
			.args = "",
			.help = "re-read vipd.conf, apply the changes",
		},
	[CTLTAB_EVENTS] =
		{
			.id = CTLTAB_EVENTS,
			.name = "events",
			.args = "[n] [-f | --follow]",
			.help = "the last n state changes (default 20);\n"
				"--follow: then new ones as they happen",
		},
	[CTLTAB_METRICS] =
		{
			.id = CTLTAB_METRICS,
			.name = "metrics",
			.args = "",
			.help = "counters in Prometheus text format",
		},
	[CTLTAB_CHECK] =
		{
			.id = CTLTAB_CHECK,
			.name = "check",
			.sends = "status",
			.args = "[group]",
			.help = "Nagios/Icinga plugin: one line, perfdata,\n"
				"exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
		},
	[CTLTAB_VERSION] =
		{
			.id = CTLTAB_VERSION,
			.name = "version",
			.args = "",
			.help = "vipctl's and vipd's versions",
		},
};

const struct ctltab_cmd *ctltab_find(const char *name)
{
	for (size_t i = 0; i < CTLTAB_N; i++)
		if (strcmp(ctltab[i].name, name) == 0)
			return &ctltab[i];
	return NULL;
}

const struct ctltab_cmd *ctltab_find_daemon(const char *name)
{
	const struct ctltab_cmd *c = ctltab_find(name);

	return c && !c->sends ? c : NULL;
}
