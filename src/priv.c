/*
 * priv.c - drop every capability but CAP_NET_ADMIN and CAP_NET_RAW once
 * vipd's sockets are open, with libcap-ng (a well-kept library: no
 * hand-written capset() and bounding-set loops).
 *
 * Why both sets: a uid-0 process regains at execve() every capability left
 * in its bounding set, so dropping only the effective and permitted sets
 * would hand full root back to every hook. With the bounding set cut too,
 * nothing vipd runs (not even a setuid binary) gets more than these two.
 * The uid stays 0: the state directory, the control socket and root-owned
 * hooks keep working through plain file ownership.
 *
 * Under the systemd unit (CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW)
 * the process holds no more than this already, and lacks CAP_SETPCAP to
 * touch its bounding set; it is left as it is.
 */
#include <linux/capability.h>
#include <stdbool.h>

#include <cap-ng.h>

#include "log.h"
#include "priv.h"

/* Whether the process holds anything beyond the two it keeps, in any set. */
static bool priv_extra(void)
{
	for (unsigned cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (cap == CAP_NET_ADMIN || cap == CAP_NET_RAW)
			continue;
		if (capng_have_capability(CAPNG_PERMITTED, cap) ||
		    capng_have_capability(CAPNG_EFFECTIVE, cap) ||
		    capng_have_capability(CAPNG_INHERITABLE, cap) ||
		    capng_have_capability(CAPNG_BOUNDING_SET, cap) ||
		    capng_have_capability(CAPNG_AMBIENT, cap))
			return true;
	}
	return false;
}

int priv_drop(void)
{
	if (capng_get_caps_process() < 0) {
		log_errx("capabilities: cannot read this process's capabilities");
		return -1;
	}
	if (!priv_extra()) {
		log_info("capabilities: holding at most CAP_NET_ADMIN and CAP_NET_RAW already");
		return 0;
	}
	/*
	 * The bounding set can only be changed with CAP_SETPCAP. Under the
	 * systemd unit vipd has not got it, and the unit's
	 * CapabilityBoundingSet= already bounds it: then the capability sets
	 * and the ambient set are dropped, and the bounding set is left as
	 * the unit made it (nothing outside it can come back: permitted is
	 * empty of it and NoNewPrivileges holds).
	 */
	bool bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_select_t what = bounds ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;

	capng_clear(what);
	if (capng_updatev(CAPNG_ADD,
			  CAPNG_EFFECTIVE | CAPNG_PERMITTED | (bounds ? CAPNG_BOUNDING_SET : 0),
			  CAP_NET_ADMIN, CAP_NET_RAW, -1) < 0 ||
	    capng_apply(what) < 0) {
		log_errx("capabilities: cannot drop to CAP_NET_ADMIN and CAP_NET_RAW "
			 "(CAP_SETPCAP missing?)");
		return -1;
	}
	log_info("capabilities: dropped all but CAP_NET_ADMIN and CAP_NET_RAW");
	return 0;
}
