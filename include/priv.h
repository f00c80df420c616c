/*
 * priv.h - give up every capability vipd does not need once its sockets
 * are open.
 */
#ifndef PRIV_H
#define PRIV_H

/*
 * Keep only CAP_NET_ADMIN (addresses, links, the vmac macvlan, netlink)
 * and CAP_NET_RAW (ARP/NA on packet sockets, SO_BINDTODEVICE) in the
 * effective, permitted and bounding sets; clear the inheritable and
 * ambient sets. The uid stays 0. Commands vipd runs afterwards (hooks,
 * checks) therefore get the same two capabilities and nothing more, as
 * under the systemd unit. A process that already holds no more than these
 * (the unit's CapabilityBoundingSet) is left as it is. Returns 0, or -1
 * (logged) if the capabilities could not be dropped.
 */
int priv_drop(void);

#endif
