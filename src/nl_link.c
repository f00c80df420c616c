/*
 * nl_link.c - link facts (libnl-route-3's rtnl_link decodes IFLA_*) and
 * the virtual MAC interfaces of vmac groups (macvlan, by libmnl requests).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>

#include "clock.h"
#include "log.h"
#include "nl.h"
#include "nl_int.h"

/*
 * After a crash every group asks for the same link within a few
 * milliseconds (its claim probe, its announcement's MAC): an answer younger
 * than NL_LINK_FRESH_MS is reused. A change of the link in between is not
 * lost: its event reaches the groups through nlmon all the same.
 */
static const struct nl_link_fact *nl_link_fresh(const struct nl *nl, unsigned ifindex, uint64_t now)
{
	for (size_t i = 0; i < NL_LINK_FACTS; i++) {
		const struct nl_link_fact *f = &nl->links[i];

		if (f->ifindex == ifindex && now - f->at_ms < NL_LINK_FRESH_MS)
			return f;
	}
	return NULL;
}

static void nl_link_remember(struct nl *nl, unsigned ifindex, const uint8_t mac[6], bool up,
			     uint64_t now)
{
	struct nl_link_fact *f = NULL;

	for (size_t i = 0; i < NL_LINK_FACTS && !f; i++)
		if (nl->links[i].ifindex == ifindex)
			f = &nl->links[i];
	if (!f)
		f = &nl->links[nl->link_next++ % NL_LINK_FACTS];
	f->ifindex = ifindex;
	memcpy(f->mac, mac, 6);
	f->up = up;
	f->at_ms = now;
}

int nl_link_info(struct nl *nl, unsigned ifindex, uint8_t mac[6], bool *up)
{
	uint64_t now = clock_now_ms();
	const struct nl_link_fact *f = nl_link_fresh(nl, ifindex, now);
	struct rtnl_link *link = NULL;
	struct nl_addr *lladdr;
	char name[IF_NAMESIZE];
	unsigned flags;
	int err;

	if (ifindex == 0 || ifindex > INT32_MAX) {
		log_errx("nl_link_info ifindex %u: %s", ifindex, strerror(ENODEV));
		return -1;
	}
	if (f) {
		memcpy(mac, f->mac, 6);
		*up = f->up;
		return 0;
	}
	err = rtnl_link_get_kernel(nl->sk, (int)ifindex, NULL, &link);
	if (err < 0) {
		log_errx("nl_link_info %s: %s", nl_ifname(ifindex, name), nl_geterror(err));
		return -1;
	}
	lladdr = rtnl_link_get_addr(link);
	if (!lladdr || nl_addr_get_len(lladdr) != 6) {
		log_errx("nl_link_info %s: no Ethernet address", nl_ifname(ifindex, name));
		rtnl_link_put(link);
		return -1;
	}
	memcpy(mac, nl_addr_get_binary_addr(lladdr), 6);
	/*
	 * The kernel sets IFF_RUNNING exactly when the operational state is UP
	 * or UNKNOWN (a driver without carrier reporting), so UP && RUNNING is
	 * "configured up and able to pass packets".
	 */
	flags = rtnl_link_get_flags(link);
	*up = (flags & IFF_UP) && (flags & IFF_RUNNING);
	rtnl_link_put(link);
	nl_link_remember(nl, ifindex, mac, *up, now);
	return 0;
}

/* ---- virtual MAC interfaces ---- */

/* Start an RTM_*LINK request for @ifindex (0: by name) in nl->req. */
static struct nlmsghdr *nl_link_req(struct nl *nl, uint16_t type, uint16_t flags, unsigned ifindex,
				    struct ifinfomsg **ifi_out)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->req);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (ifi_out)
		*ifi_out = ifi;
	return nlh;
}

/*
 * What @name is now: 0 absent, 1 a macvlan on @parent (its index in
 * @ifindex), 2 something else. -1 (logged) if the kernel would not say.
 */
static int nl_vmac_lookup(struct nl *nl, unsigned parent, const char *name, unsigned *ifindex)
{
	struct rtnl_link *link = NULL;
	const char *kind;
	int err, rc;

	err = rtnl_link_get_kernel(nl->sk, 0, name, &link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	if (err < 0) {
		log_errx("nl_vmac %s: %s", name, nl_geterror(err));
		return -1;
	}
	kind = rtnl_link_get_type(link);
	*ifindex = (unsigned)rtnl_link_get_ifindex(link);
	rc = kind && strcmp(kind, "macvlan") == 0 && rtnl_link_get_link(link) == (int)parent ? 1
											     : 2;
	rtnl_link_put(link);
	return rc;
}

static int nl_link_del(struct nl *nl, unsigned ifindex, const char *name)
{
	nl_link_req(nl, RTM_DELLINK, 0, ifindex, NULL);
	if (nl_request(nl, "nl_vmac_delete", ifindex, name, (const int[]){ ENODEV, 0 }) < 0)
		return -1;
	return 0;
}

int nl_vmac_delete(struct nl *nl, unsigned parent, const char *name)
{
	char pname[IF_NAMESIZE];
	unsigned idx = 0;

	switch (nl_vmac_lookup(nl, parent, name, &idx)) {
	case 0:
		return 0;
	case 1:
		return nl_link_del(nl, idx, name);
	case 2:
		log_errx("nl_vmac_delete %s: not a macvlan on %s, not touching it", name,
			 nl_ifname(parent, pname));
		return -1;
	default:
		return -1;
	}
}

int nl_link_set_up(struct nl *nl, unsigned ifindex, bool up)
{
	struct ifinfomsg *ifi;

	nl_link_req(nl, RTM_NEWLINK, 0, ifindex, &ifi);
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (nl_request(nl, "nl_link_set_up", ifindex, up ? "up" : "down", NULL) < 0)
		return -1;
	return 0;
}

/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { arp_ignore, arp_announce } } } for @ifindex. */
static int nl_arp_set(struct nl *nl, unsigned ifindex, uint32_t arp_ignore, uint32_t arp_announce)
{
	struct nlmsghdr *nlh = nl_link_req(nl, RTM_NEWLINK, 0, ifindex, NULL);
	struct nlattr *af, *in, *conf;

	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_ARP_IGNORE, arp_ignore);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_ARP_ANNOUNCE, arp_announce);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, in);
	mnl_attr_nest_end(nlh, af);
	if (nl_request(nl, "nl_arp_raise", ifindex, "arp_ignore/arp_announce", NULL) < 0)
		return -1;
	return 0;
}

int nl_arp_raise(struct nl *nl, unsigned ifindex, uint32_t arp_ignore, uint32_t arp_announce,
		 char *was, size_t was_len)
{
	struct rtnl_link *link = NULL;
	char name[IF_NAMESIZE];
	uint32_t ign = 0, ann = 0;
	int err;

	err = rtnl_link_get_kernel(nl->sk, (int)ifindex, NULL, &link);
	if (err < 0) {
		log_errx("nl_arp_raise %s: %s", nl_ifname(ifindex, name), nl_geterror(err));
		return -1;
	}
	err = rtnl_link_inet_get_conf(link, IPV4_DEVCONF_ARP_IGNORE, &ign);
	if (err == 0)
		err = rtnl_link_inet_get_conf(link, IPV4_DEVCONF_ARP_ANNOUNCE, &ann);
	rtnl_link_put(link);
	if (err < 0) {
		log_errx("nl_arp_raise %s: no IPv4 settings: %s", nl_ifname(ifindex, name),
			 nl_geterror(err));
		return -1;
	}
	if (ign >= arp_ignore && ann >= arp_announce)
		return 0;
	snprintf(was, was_len, "arp_ignore %u, arp_announce %u", ign, ann);
	if (nl_arp_set(nl, ifindex, ign > arp_ignore ? ign : arp_ignore,
		       ann > arp_announce ? ann : arp_announce) < 0)
		return -1;
	return 1;
}

/* No IPv6 link-local on the macvlan: IFLA_AF_SPEC { AF_INET6 { ADDR_GEN_MODE none } }. */
static int nl_vmac_no_ll(struct nl *nl, unsigned ifindex, const char *name)
{
	struct nlmsghdr *nlh = nl_link_req(nl, RTM_NEWLINK, 0, ifindex, NULL);
	struct nlattr *af, *in6;

	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, af);
	if (nl_request(nl, "nl_vmac_create", ifindex, name, NULL) < 0)
		return -1;
	return 0;
}

int nl_vmac_create(struct nl *nl, unsigned parent, const char *name, const uint8_t mac[6])
{
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	char pname[IF_NAMESIZE], was[64];
	unsigned idx = 0;

	if (strlen(name) >= IF_NAMESIZE) {
		log_errx("nl_vmac_create %s: name longer than %d bytes", name, IF_NAMESIZE - 1);
		return -1;
	}
	switch (nl_vmac_lookup(nl, parent, name, &idx)) {
	case 0:
		break;
	case 1:
		/* Ours, left by a crash (or by `kill -9` and no `vipd -c`): start afresh. */
		if (nl_link_del(nl, idx, name) < 0)
			return -1;
		break;
	case 2:
		log_errx("nl_vmac_create %s: an interface of that name exists and is not a "
			 "macvlan on %s",
			 name, nl_ifname(parent, pname));
		return -1;
	default:
		return -1;
	}
	nlh = nl_link_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, parent);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if (nl_request(nl, "nl_vmac_create", parent, name, NULL) < 0)
		return -1;
	idx = if_nametoindex(name);
	if (idx == 0) {
		log_err("nl_vmac_create %s: created but not found", name);
		return -1;
	}
	if (nl_vmac_no_ll(nl, idx, name) < 0 || nl_arp_raise(nl, idx, 1, 0, was, sizeof(was)) < 0) {
		nl_link_del(nl, idx, name);
		return -1;
	}
	return (int)idx;
}
