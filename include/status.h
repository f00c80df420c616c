/*
 * status.h - a group's status as JSON, for `vipctl status`.
 */
#ifndef STATUS_H
#define STATUS_H

#include <json-c/json.h>

#include "group.h"

/*
 * Fill @o with the group's status (see vipctl(8) for the fields). Whether
 * each VIP is present is what the kernel's events last said (the daemon's
 * address table): status costs no netlink request.
 */
void status_group(const struct group *g, struct json_object *o);

/* The role of @g in its sync set: "leader", "follower", or NULL when it has none. */
const char *status_sync_role(const struct group *g);

#endif
