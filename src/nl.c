/*
 * nl.c - VIPs on an interface and link facts, through rtnetlink.
 *
 * Address and link requests are small and must report exactly what the
 * kernel said, so they are hand-built with libmnl: one request, NLM_F_ACK,
 * extended ACK, read until our ACK. Link facts (MAC, up/running, kind,
 * parent, IPv4 settings) come from libnl-route-3, whose rtnl_link object
 * already decodes IFLA_* for us.
 *
 * Every call is synchronous and bounded: the sockets carry a receive timeout,
 * so a kernel that never answers costs NL_TIMEOUT_MS, not the daemon.
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

#include "addrtab.h"
#include "clock.h"
#include "log.h"
#include "nl.h"

#define NL_TIMEOUT_MS	1000	/* ms one reply may take before the request fails */
#define NL_RECV_SIZE	32768	/* bytes; the kernel's largest dump message fits */
#define NL_REQ_SIZE	256	/* bytes; one address request with its attributes */
#define NL_DUMP_TRIES	3	/* dumps retried when the kernel flags them inconsistent */

struct nl {
	struct mnl_socket *mnl;		/* address requests and dumps (libmnl) */
	unsigned portid;
	unsigned seq;
	bool stale;			/* a conversation was cut short: drain first */
	struct nl_sock *sk;		/* link queries (libnl-3) */
	alignas(struct nlmsghdr) char req[NL_REQ_SIZE];
	alignas(struct nlmsghdr) char buf[NL_RECV_SIZE];
};

/* What one conversation with the kernel came to. */
struct nl_talk {
	int err;			/* errno: the kernel's or our own; 0 = ok */
	char ext[128];			/* the kernel's extended-ACK text, "" if none */
	const struct conf_vip *vip;	/* nl_addr_present: what we look for */
	unsigned ifindex;
	bool found;
	struct addrtab *tab;		/* nl_addr_dump: what it fills */
	bool oom;
};

static int nl_set_timeout(int fd)
{
	struct timeval tv = {
		.tv_sec = NL_TIMEOUT_MS / 1000,
		.tv_usec = (suseconds_t)(NL_TIMEOUT_MS % 1000) * 1000,
	};

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

struct nl *nl_open(void)
{
	struct nl *nl;
	int one = 1;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		log_err("nl_open: %s", strerror(errno));
		return NULL;
	}
	nl->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->mnl) {
		log_err("nl_open: netlink socket: %s", strerror(errno));
		goto fail_free;
	}
	if (mnl_socket_bind(nl->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_err("nl_open: netlink bind: %s", strerror(errno));
		goto fail_mnl;
	}
	nl->portid = mnl_socket_get_portid(nl->mnl);
	/*
	 * Extended ACK gives the kernel's reason as text; capped ACK keeps it
	 * from echoing our whole request back. Both exist since Linux 4.12;
	 * without them we still get the errno, so failure is not fatal.
	 */
	if (mnl_socket_setsockopt(nl->mnl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		log_warn("nl_open: NETLINK_EXT_ACK: %s", strerror(errno));
	if (mnl_socket_setsockopt(nl->mnl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		log_warn("nl_open: NETLINK_CAP_ACK: %s", strerror(errno));
	if (nl_set_timeout(mnl_socket_get_fd(nl->mnl)) < 0) {
		log_err("nl_open: SO_RCVTIMEO: %s", strerror(errno));
		goto fail_mnl;
	}

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		log_err("nl_open: libnl socket: out of memory");
		goto fail_mnl;
	}
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		log_err("nl_open: libnl connect: %s", nl_geterror(err));
		goto fail_sk;
	}
	if (nl_set_timeout(nl_socket_get_fd(nl->sk)) < 0) {
		log_err("nl_open: SO_RCVTIMEO: %s", strerror(errno));
		goto fail_sk;
	}
	return nl;

fail_sk:
	nl_socket_free(nl->sk);
fail_mnl:
	mnl_socket_close(nl->mnl);
fail_free:
	free(nl);
	return NULL;
}

void nl_free(struct nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	mnl_socket_close(nl->mnl);
	free(nl);
}

/* The interface's name for messages; "if#N" when it has none (any more). */
static const char *nl_ifname(unsigned ifindex, char name[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, name))
		snprintf(name, IF_NAMESIZE, "if#%u", ifindex);
	return name;
}

/*
 * Log a failed request once: "nl_addr_add eth0 192.0.2.100/24: File exists
 * (kernel: ...)". Rate-limited: a kernel that keeps refusing what the
 * reconciler asks every interval must not flood the log (the callers count
 * every failure).
 */
static void nl_log_fail(const char *fn, unsigned ifindex, const char *what,
			const struct nl_talk *t)
{
	static struct log_rl rl;
	char name[IF_NAMESIZE];

	if (!log_ratelimit(&rl, clock_now_ms(), 5, 10000))
		return;
	if (t->ext[0])
		log_err("%s %s %s: %s (kernel: %s)", fn, nl_ifname(ifindex, name), what,
			strerror(t->err), t->ext);
	else
		log_err("%s %s %s: %s", fn, nl_ifname(ifindex, name), what, strerror(t->err));
}

static int nl_ext_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;	/* newer kernel, attribute we don't know */
	if (type == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;	/* not a proper string: ignore rather than overread */
	tb[type] = attr;
	return MNL_CB_OK;
}

/* Keep the kernel's extended-ACK text, if the message carries one at @off. */
static void nl_ext_text(const struct nlmsghdr *nlh, size_t off, struct nl_talk *t)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (mnl_attr_parse(nlh, off, nl_ext_attr_cb, tb) == MNL_CB_OK && tb[NLMSGERR_ATTR_MSG])
		snprintf(t->ext, sizeof(t->ext), "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
}

/*
 * NLMSG_ERROR is both the ACK (error 0) and the failure. The extended-ACK
 * attributes follow struct nlmsgerr, after our echoed request unless the
 * kernel capped it (NLM_F_CAPPED).
 */
static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_talk *t = data;
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		t->err = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	nl_ext_text(nlh, off, t);
	if (e->error == 0)
		return MNL_CB_STOP;
	t->err = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE ends a dump; a dump that failed half-way says why in it. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	int32_t err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	nl_ext_text(nlh, sizeof(err), t);
	t->err = -err;
	return MNL_CB_ERROR;
}

/* Drop replies a cut-short conversation (timeout) left in the socket. */
static void nl_drain(struct nl *nl)
{
	int fd = mnl_socket_get_fd(nl->mnl);
	int i;

	for (i = 0; i < 64; i++)
		if (recv(fd, nl->buf, sizeof(nl->buf), MSG_DONTWAIT) < 0)
			break;
	nl->stale = false;
}

/*
 * Send the request in nl->req and read until the kernel's ACK, error or the
 * end of a dump; @cb (may be NULL) sees every data message. Replies must
 * carry our port id and sequence number, and a dump must not have raced a
 * change (libmnl checks all three: ESRCH, EPROTO, EINTR). Returns 0, or -1
 * with t->err, and t->ext when the kernel explained itself.
 */
static int nl_talk(struct nl *nl, mnl_cb_t cb, struct nl_talk *t)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {	/* libmnl takes it non-const */
		[NLMSG_ERROR] = nl_error_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->req;
	ssize_t n;
	int ret;

	if (nl->stale)
		nl_drain(nl);
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->mnl, nlh, nlh->nlmsg_len) < 0) {
		t->err = errno;
		return -1;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl->mnl, nl->buf, sizeof(nl->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			t->err = errno == EAGAIN ? ETIMEDOUT : errno;
			nl->stale = true;
			return -1;
		}
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, nl->seq, nl->portid, cb, t, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret == MNL_CB_ERROR) {
			/* The kernel's error ends its answer; any other leaves the rest queued. */
			if (!t->err) {
				t->err = errno ? errno : EPROTO;
				nl->stale = true;
			}
			return -1;
		}
	}
}

/*
 * Build RTM_NEWADDR / RTM_DELADDR for @vip on @ifindex in nl->req. The
 * address goes in both IFA_LOCAL and IFA_ADDRESS: on a broadcast link they
 * are the same, and the kernel matches on either.
 */
static void nl_addr_req(struct nl *nl, uint16_t type, uint16_t flags, unsigned ifindex,
			const char *label, const struct conf_vip *vip)
{
	size_t alen = vip->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = mnl_nlmsg_put_header(nl->req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)vip->family;
	ifa->ifa_prefixlen = vip->prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, vip->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, vip->addr);
	if (type != RTM_NEWADDR)
		return;
	/* Labels ("eth0:vip") are an IPv4 notion; IPv6 addresses have none. */
	if (vip->family == AF_INET && label && label[0])
		mnl_attr_put_strz(nlh, IFA_LABEL, label);
	/*
	 * A VIP moves between nodes by design: duplicate address detection
	 * would hold it tentative (unusable as a source, answering no NS) for a
	 * second or more exactly when phones need it, and it would "detect" the
	 * old holder that is releasing it. The election is our DAD.
	 */
	if (vip->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
}

static bool nl_vip_ok(const char *fn, unsigned ifindex, const char *label,
		      const struct conf_vip *vip)
{
	unsigned max = vip->family == AF_INET ? 32 : 128;
	char name[IF_NAMESIZE];

	if ((vip->family != AF_INET && vip->family != AF_INET6) || vip->prefix_len > max) {
		log_err("%s %s %s: %s", fn, nl_ifname(ifindex, name), vip->text,
			strerror(EAFNOSUPPORT));
		return false;
	}
	if (label && strlen(label) >= IFNAMSIZ) {
		log_err("%s %s %s: label \"%s\" longer than %d bytes", fn,
			nl_ifname(ifindex, name), vip->text, label, IFNAMSIZ - 1);
		return false;
	}
	return true;
}

int nl_addr_add(struct nl *nl, unsigned ifindex, const char *label, const struct conf_vip *vip)
{
	struct nl_talk t = { 0 };

	if (!nl_vip_ok("nl_addr_add", ifindex, label, vip))
		return -1;
	/* NLM_F_EXCL: never replace an address someone else configured; EEXIST is fine. */
	nl_addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, label, vip);
	if (nl_talk(nl, NULL, &t) < 0 && t.err != EEXIST) {
		nl_log_fail("nl_addr_add", ifindex, vip->text, &t);
		return -1;
	}
	return 0;
}

int nl_addr_del(struct nl *nl, unsigned ifindex, const struct conf_vip *vip)
{
	struct nl_talk t = { 0 };

	if (!nl_vip_ok("nl_addr_del", ifindex, NULL, vip))
		return -1;
	nl_addr_req(nl, RTM_DELADDR, 0, ifindex, NULL, vip);
	/* IPv4 says EADDRNOTAVAIL for an address that is not there; accept ENOENT too. */
	if (nl_talk(nl, NULL, &t) < 0 && t.err != EADDRNOTAVAIL && t.err != ENOENT) {
		nl_log_fail("nl_addr_del", ifindex, vip->text, &t);
		return -1;
	}
	return 0;
}

static int nl_ifa_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * The local address is IFA_LOCAL; IPv6 sends only IFA_ADDRESS unless the
 * link is point-to-point, where IFA_ADDRESS is the peer.
 */
int nl_ifaddr_parse(const struct nlmsghdr *nlh, struct nl_ifaddr *out)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	size_t alen;

	if ((nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR) ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return -1;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -1;
	if (mnl_attr_parse(nlh, sizeof(*ifa), nl_ifa_attr_cb, tb) != MNL_CB_OK)
		return -1;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != alen)
		return -1;
	memset(out, 0, sizeof(*out));
	out->added = nlh->nlmsg_type == RTM_NEWADDR;
	out->ifindex = ifa->ifa_index;
	out->family = ifa->ifa_family;
	out->prefix_len = ifa->ifa_prefixlen;
	memcpy(out->addr, mnl_attr_get_payload(a), alen);
	return 0;
}

/* One address of the dump: is it the one nl_addr_present() looks for? */
static int nl_present_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	struct nl_ifaddr a;

	if (nl_ifaddr_parse(nlh, &a) == 0 && a.family == t->vip->family &&
	    a.ifindex == t->ifindex && a.prefix_len == t->vip->prefix_len &&
	    memcmp(a.addr, t->vip->addr, a.family == AF_INET ? 4 : 16) == 0)
		t->found = true;
	return MNL_CB_OK;
}

int nl_addr_present(struct nl *nl, unsigned ifindex, const struct conf_vip *vip)
{
	struct nl_talk t = { 0 };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int i;

	if (!nl_vip_ok("nl_addr_present", ifindex, NULL, vip))
		return -1;
	/* A dump that raced an address change says so (EINTR); it is cheap to ask again. */
	for (i = 0; i < NL_DUMP_TRIES; i++) {
		memset(&t, 0, sizeof(t));
		t.vip = vip;
		t.ifindex = ifindex;
		nlh = mnl_nlmsg_put_header(nl->req);
		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = (uint8_t)vip->family;
		ifa->ifa_index = ifindex;
		if (nl_talk(nl, nl_present_cb, &t) == 0)
			return t.found;
		if (t.err != EINTR)
			break;
	}
	nl_log_fail("nl_addr_present", ifindex, vip->text, &t);
	return -1;
}

/* ---- the address dump ---- */

/* One address of the dump into the table (IFA_LOCAL, else IFA_ADDRESS, as nl_present_cb). */
static int nl_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;
	struct nl_ifaddr a;

	if (nl_ifaddr_parse(nlh, &a) == 0 && addrtab_set(t->tab, a.ifindex, a.family, a.addr,
							   a.prefix_len, true) < 0)
		t->oom = true;	/* read the dump to its end all the same */
	return MNL_CB_OK;
}

int nl_addr_dump(struct nl *nl, struct addrtab *tab)
{
	struct nl_talk t = { 0 };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	for (int i = 0; i < NL_DUMP_TRIES; i++) {
		addrtab_clear(tab);
		memset(&t, 0, sizeof(t));
		t.tab = tab;
		nlh = mnl_nlmsg_put_header(nl->req);
		nlh->nlmsg_type = RTM_GETADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
		if (nl_talk(nl, nl_dump_cb, &t) == 0 && !t.oom)
			return 0;
		if (t.err != EINTR)	/* EINTR: the dump raced a change, ask again */
			break;
	}
	log_err("nl_addr_dump: %s", strerror(t.err ? t.err : ENOMEM));
	return -1;
}

int nl_link_info(struct nl *nl, unsigned ifindex, uint8_t mac[6], bool *up)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *lladdr;
	char name[IF_NAMESIZE];
	unsigned flags;
	int err;

	if (ifindex == 0 || ifindex > INT32_MAX) {
		log_err("nl_link_info ifindex %u: %s", ifindex, strerror(ENODEV));
		return -1;
	}
	err = rtnl_link_get_kernel(nl->sk, (int)ifindex, NULL, &link);
	if (err < 0) {
		log_err("nl_link_info %s: %s", nl_ifname(ifindex, name), nl_geterror(err));
		return -1;
	}
	lladdr = rtnl_link_get_addr(link);
	if (!lladdr || nl_addr_get_len(lladdr) != 6) {
		log_err("nl_link_info %s: no Ethernet address", nl_ifname(ifindex, name));
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
		log_err("nl_vmac %s: %s", name, nl_geterror(err));
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
	struct nl_talk t = { 0 };

	nl_link_req(nl, RTM_DELLINK, 0, ifindex, NULL);
	if (nl_talk(nl, NULL, &t) < 0 && t.err != ENODEV) {
		nl_log_fail("nl_vmac_delete", ifindex, name, &t);
		return -1;
	}
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
		log_err("nl_vmac_delete %s: not a macvlan on %s, not touching it", name,
			nl_ifname(parent, pname));
		return -1;
	default:
		return -1;
	}
}

int nl_link_set_up(struct nl *nl, unsigned ifindex, bool up)
{
	struct nl_talk t = { 0 };
	struct ifinfomsg *ifi;

	nl_link_req(nl, RTM_NEWLINK, 0, ifindex, &ifi);
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (nl_talk(nl, NULL, &t) < 0) {
		nl_log_fail("nl_link_set_up", ifindex, up ? "up" : "down", &t);
		return -1;
	}
	return 0;
}

/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { arp_ignore, arp_announce } } } for @ifindex. */
static int nl_arp_set(struct nl *nl, unsigned ifindex, uint32_t arp_ignore, uint32_t arp_announce)
{
	struct nl_talk t = { 0 };
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
	if (nl_talk(nl, NULL, &t) < 0) {
		nl_log_fail("nl_arp_raise", ifindex, "arp_ignore/arp_announce", &t);
		return -1;
	}
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
		log_err("nl_arp_raise %s: %s", nl_ifname(ifindex, name), nl_geterror(err));
		return -1;
	}
	err = rtnl_link_inet_get_conf(link, IPV4_DEVCONF_ARP_IGNORE, &ign);
	if (err == 0)
		err = rtnl_link_inet_get_conf(link, IPV4_DEVCONF_ARP_ANNOUNCE, &ann);
	rtnl_link_put(link);
	if (err < 0) {
		log_err("nl_arp_raise %s: no IPv4 settings: %s", nl_ifname(ifindex, name),
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
	struct nl_talk t = { 0 };
	struct nlmsghdr *nlh = nl_link_req(nl, RTM_NEWLINK, 0, ifindex, NULL);
	struct nlattr *af, *in6;

	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, af);
	if (nl_talk(nl, NULL, &t) < 0) {
		nl_log_fail("nl_vmac_create", ifindex, name, &t);
		return -1;
	}
	return 0;
}

int nl_vmac_create(struct nl *nl, unsigned parent, const char *name, const uint8_t mac[6])
{
	struct nl_talk t = { 0 };
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	char pname[IF_NAMESIZE], was[64];
	unsigned idx = 0;

	if (strlen(name) >= IF_NAMESIZE) {
		log_err("nl_vmac_create %s: name longer than %d bytes", name, IF_NAMESIZE - 1);
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
		log_err("nl_vmac_create %s: an interface of that name exists and is not a "
			"macvlan on %s", name, nl_ifname(parent, pname));
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
	if (nl_talk(nl, NULL, &t) < 0) {
		nl_log_fail("nl_vmac_create", parent, name, &t);
		return -1;
	}
	idx = if_nametoindex(name);
	if (idx == 0) {
		log_err("nl_vmac_create %s: created but not found: %s", name, strerror(errno));
		return -1;
	}
	if (nl_vmac_no_ll(nl, idx, name) < 0 || nl_arp_raise(nl, idx, 1, 0, was, sizeof(was)) < 0) {
		nl_link_del(nl, idx, name);
		return -1;
	}
	return (int)idx;
}
