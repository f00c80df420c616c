/*
 * ctlcmd.h - the daemon's answers to vipctl's commands: the handler
 * control.c calls for each request, once the caller's permission for
 * @cmd (a row of ctltab.h) has been checked.
 */
#ifndef CTLCMD_H
#define CTLCMD_H

#include <stddef.h>

#include "ctltab.h"

struct json_object;

/*
 * Run @cmd for the daemon @ctx (a struct daemon) with @args; the contract
 * is control_handler_fn's in control.h: 0 with @data filled, or -1 with a
 * one-line message in @err. A command that changes state is refused while
 * the daemon stops.
 */
int ctlcmd_handle(void *ctx, const struct ctltab_cmd *cmd, struct json_object *args,
		  struct json_object *data, char *err, size_t err_len);

#endif
