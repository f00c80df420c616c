/*
 * nl_addr.c - VIPs on an interface through rtnetlink: add, delete, ask,
 * and the dump of every address (libmnl, one request and its ACK each);
 * and the queue of adds and deletes that nl_flush sends in one go.
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

#include "clock.h"
#include "log.h"
#include "nl.h"
#include "nl_int.h"

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
		log_errx("%s %s %s: %s", fn, nl_ifname(ifindex, name), vip->text,
			 strerror(EAFNOSUPPORT));
		return false;
	}
	if (label && strlen(label) >= IFNAMSIZ) {
		log_errx("%s %s %s: label \"%s\" longer than %d bytes", fn,
			 nl_ifname(ifindex, name), vip->text, label, IFNAMSIZ - 1);
		return false;
	}
	return true;
}

int nl_addr_add(struct nl *nl, unsigned ifindex, const char *label, const struct conf_vip *vip)
{
	if (!nl_vip_ok("nl_addr_add", ifindex, label, vip))
		return -1;
	/* NLM_F_EXCL: never replace an address someone else configured; EEXIST is fine. */
	nl_addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, label, vip);
	nl->st.adds++;
	return nl_request(nl, "nl_addr_add", ifindex, vip->text, (const int[]){ EEXIST, 0 });
}

int nl_addr_del(struct nl *nl, unsigned ifindex, const struct conf_vip *vip)
{
	if (!nl_vip_ok("nl_addr_del", ifindex, NULL, vip))
		return -1;
	nl_addr_req(nl, RTM_DELADDR, 0, ifindex, NULL, vip);
	nl->st.dels++;
	/* IPv4 says EADDRNOTAVAIL for an address that is not there; accept ENOENT too. */
	return nl_request(nl, "nl_addr_del", ifindex, vip->text,
			  (const int[]){ EADDRNOTAVAIL, ENOENT, 0 });
}

/* ---- the queue ---- */

static int nl_q_put(struct nl *nl, bool add, unsigned ifindex, const struct conf_vip *vip,
		    const struct nl_done *done)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->req;
	struct nl_q *q;

	if (nl->qn == NL_Q_MAX || nl->qlen + nlh->nlmsg_len > sizeof(nl->qbuf))
		nl_flush(nl);
	nlh->nlmsg_seq = ++nl->seq;
	memcpy(nl->qbuf + nl->qlen, nlh, nlh->nlmsg_len);
	nl->qlen += NLMSG_ALIGN(nlh->nlmsg_len);
	q = &nl->q[nl->qn++];
	memset(q, 0, sizeof(*q));
	q->seq = nlh->nlmsg_seq;
	q->ifindex = ifindex;
	q->add = add;
	q->done = *done;
	if (add)
		nl->st.adds++;
	else
		nl->st.dels++;
	snprintf(q->text, sizeof(q->text), "%s", vip->text);
	return 0;
}

int nl_addr_add_q(struct nl *nl, unsigned ifindex, const char *label, const struct conf_vip *vip,
		  const struct nl_done *done)
{
	if (!nl_vip_ok("nl_addr_add", ifindex, label, vip))
		return -1;
	nl_addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, label, vip);
	return nl_q_put(nl, true, ifindex, vip, done);
}

int nl_addr_del_q(struct nl *nl, unsigned ifindex, const struct conf_vip *vip,
		  const struct nl_done *done)
{
	if (!nl_vip_ok("nl_addr_del", ifindex, NULL, vip))
		return -1;
	nl_addr_req(nl, RTM_DELADDR, 0, ifindex, NULL, vip);
	return nl_q_put(nl, false, ifindex, vip, done);
}

/* The ACKs in one datagram to their requests; how many were answered. */
static size_t nl_q_match(struct nl *nl, size_t n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
	int len = (int)n;
	size_t got = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		struct nl_talk t = { 0 };
		uint32_t k = nlh->nlmsg_seq - nl->q[0].seq;
		struct nl_q *q;

		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != nl->portid || k >= nl->qn ||
		    nl->q[k].answered)
			continue; /* not an answer to this queue (the socket was drained) */
		q = &nl->q[k];
		q->answered = true;
		got++;
		if (nl_ack_read(nlh, &t) < 0) {
			q->err = t.err;
			memcpy(q->ext, t.ext, sizeof(q->ext));
		}
	}
	return got;
}

/* Send the queue and read until every request has its answer (or the socket times out). */
static void nl_q_talk(struct nl *nl)
{
	size_t left = nl->qn;
	int err = 0;
	ssize_t n;

	if (nl->stale)
		nl_drain(nl);
	if (mnl_socket_sendto(nl->mnl, nl->qbuf, nl->qlen) < 0)
		err = errno;
	/* Each ACK is its own datagram: at most one read per request, plus the interrupted ones. */
	for (size_t reads = 0; !err && left && reads < (size_t)4 * NL_Q_MAX; reads++) {
		n = mnl_socket_recvfrom(nl->mnl, nl->buf, sizeof(nl->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno == EAGAIN ? ETIMEDOUT : errno;
			break;
		}
		left -= nl_q_match(nl, (size_t)n);
	}
	if (left && !err)
		err = EPROTO;
	for (size_t i = 0; left && i < nl->qn; i++)
		if (!nl->q[i].answered)
			nl->q[i].err = err;
	if (left)
		nl->stale = true;
}

void nl_flush(struct nl *nl)
{
	size_t n = nl->qn;
	uint64_t t0;

	if (!n)
		return;
	nl->st.batches++;
	t0 = clock_now_us();
	nl_q_talk(nl);
	nl->st.last_batch_us = clock_now_us() - t0;
	nl->st.last_batch_n = n;
	if (nl->st.last_batch_us > nl->st.longest_batch_us)
		nl->st.longest_batch_us = nl->st.last_batch_us;
	nl->qn = 0;
	nl->qlen = 0;
	for (size_t i = 0; i < n; i++) {
		struct nl_q *q = &nl->q[i];
		struct nl_talk t = { .err = q->err };
		bool gone = q->add ? q->err == EEXIST : q->err == EADDRNOTAVAIL || q->err == ENOENT;

		if (q->err && !gone) {
			memcpy(t.ext, q->ext, sizeof(t.ext));
			nl_log_fail(q->add ? "nl_addr_add" : "nl_addr_del", q->ifindex, q->text,
				    &t);
		}
		if (q->done.fn)
			q->done.fn(q->done.ctx, &q->done, q->err && !gone ? q->err : 0, q->text);
	}
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

	if (nl_ifaddr_parse(nlh, &a) == 0 &&
	    addrtab_set(t->tab, a.ifindex, a.family, a.addr, a.prefix_len, true) < 0)
		t->oom = true; /* read the dump to its end all the same */
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
		if (t.err != EINTR) /* EINTR: the dump raced a change, ask again */
			break;
	}
	log_errx("nl_addr_dump: %s", strerror(t.err ? t.err : ENOMEM));
	return -1;
}

const struct nl_stats *nl_stats(const struct nl *nl)
{
	return &nl->st;
}
