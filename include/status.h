/*
 * status.h - a group's status as JSON, for `vipctl status`.
 */
#ifndef STATUS_H
#define STATUS_H

#include <json-c/json.h>

#include "group.h"
#include "nl.h"

/*
 * Fill @o with the group's status (see vipctl(8) for the fields). Whether
 * each VIP is present is looked up in @addrs (one dump for all groups), or
 * asked of the kernel VIP by VIP when @addrs is NULL.
 */
void status_group(const struct group *g, const struct nl_addrs *addrs, struct json_object *o);

/* The role of @g in its sync set: "leader", "follower", or NULL when it has none. */
const char *status_sync_role(const struct group *g);

#endif
