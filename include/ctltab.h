/*
 * ctltab.h - the one table of vipctl's commands, shared by the daemon
 * (control.c checks permissions by it, ctlcmd.c dispatches by its index)
 * and by vipctl (which parses, prints its help and feeds the bash
 * completion from it). A command is added here, once; everything else
 * follows from the row.
 *
 * Pure: no I/O, no allocation; linked into both vipd and vipctl.
 */
#ifndef CTLTAB_H
#define CTLTAB_H

#include <stdbool.h>
#include <stddef.h>

/* The commands, in the order of vipctl's help; an index into ctltab[]. */
enum ctltab_id {
	CTLTAB_STATUS,
	CTLTAB_SWITCHOVER,
	CTLTAB_STANDBY,
	CTLTAB_RELOAD,
	CTLTAB_EVENTS,
	CTLTAB_METRICS,
	CTLTAB_CHECK,
	CTLTAB_VERSION,
	CTLTAB_N,
};

struct ctltab_cmd {
	enum ctltab_id id; /* its own index in ctltab[] */
	const char *name;  /* on vipctl's command line and, for a daemon command, the wire */
	/*
	 * Changes the daemon's state: root only, refused while vipd stops,
	 * logged with the caller's uid. Otherwise root or control_group.
	 */
	bool changes_state;
	/*
	 * NULL for a command the daemon answers; for one vipctl builds on
	 * another (check reads status), the daemon command it sends. The
	 * daemon does not know such a command by its own name.
	 */
	const char *sends;
	/*
	 * The arguments after the name, in usage notation ("[group] [--force]");
	 * alternative forms separated by '\n'. The bash completion reads its
	 * options, their values (a|b) and the [group] slot from here.
	 */
	const char *args;
	/* What it does, for vipctl -h; continuation lines separated by '\n'. */
	const char *help;
};

extern const struct ctltab_cmd ctltab[CTLTAB_N];

/* The command called @name as vipctl knows it (daemon or not), or NULL. */
const struct ctltab_cmd *ctltab_find(const char *name);

/*
 * The command the daemon answers under @name (a request's "cmd"), or
 * NULL: unknown, or a command only vipctl knows (its sends is set).
 */
const struct ctltab_cmd *ctltab_find_daemon(const char *name);

#endif
