/*
 * nl.c - VIPs on an interface and link facts, through rtnetlink.
 *
 * Address and link requests are small and must report exactly what the
 * kernel said, so they are hand-built with libmnl: one request, NLM_F_ACK,
 * extended ACK, read until our ACK. Link facts (MAC, up/running, kind,
 * parent, IPv4 settings) come from libnl-route-3, whose rtnl_link object
 * already decodes IFLA_* for us.
 *
 * Address requests may also be queued (nl_addr_add_q, nl_addr_del_q) and
 * sent together by nl_flush (nl_addr.c): one sendmsg, then every ACK
 * matched to its request by sequence number.
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

#include "clock.h"
#include "log.h"
#include "nl.h"
#include "nl_int.h"

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
		log_err("nl_open");
		return NULL;
	}
	nl->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->mnl) {
		log_err("nl_open: netlink socket");
		goto fail_free;
	}
	if (mnl_socket_bind(nl->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_err("nl_open: netlink bind");
		goto fail_mnl;
	}
	nl->portid = mnl_socket_get_portid(nl->mnl);
	/*
	 * Extended ACK gives the kernel's reason as text; capped ACK keeps it
	 * from echoing our whole request back. Both exist since Linux 4.12;
	 * without them we still get the errno, so failure is not fatal.
	 */
	if (mnl_socket_setsockopt(nl->mnl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		log_warn("nl_open: NETLINK_EXT_ACK");
	if (mnl_socket_setsockopt(nl->mnl, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		log_warn("nl_open: NETLINK_CAP_ACK");
	if (nl_set_timeout(mnl_socket_get_fd(nl->mnl)) < 0) {
		log_err("nl_open: SO_RCVTIMEO");
		goto fail_mnl;
	}

	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		log_errx("nl_open: libnl socket: out of memory");
		goto fail_mnl;
	}
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		log_errx("nl_open: libnl connect: %s", nl_geterror(err));
		goto fail_sk;
	}
	if (nl_set_timeout(nl_socket_get_fd(nl->sk)) < 0) {
		log_err("nl_open: SO_RCVTIMEO");
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
	nl_flush(nl); /* a VIP removed on the way out must really go */
	nl_socket_free(nl->sk);
	mnl_socket_close(nl->mnl);
	free(nl);
}

/* The interface's name for messages; "if#N" when it has none (any more). */
const char *nl_ifname(unsigned ifindex, char name[IF_NAMESIZE])
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
void nl_log_fail(const char *fn, unsigned ifindex, const char *what, const struct nl_talk *t)
{
	static struct log_rl rl;
	char name[IF_NAMESIZE];

	if (!log_rl_pass(&rl))
		return;
	if (t->ext[0])
		log_rl_emit(&rl, LOG_ERR, "%s %s %s: %s (kernel: %s)", fn, nl_ifname(ifindex, name),
			    what, strerror(t->err), t->ext);
	else
		log_rl_emit(&rl, LOG_ERR, "%s %s %s: %s", fn, nl_ifname(ifindex, name), what,
			    strerror(t->err));
}

/*
 * Send the request built in nl's buffer and wait for its ACK; a refusal is
 * logged (nl_log_fail()) and -1, except the errnos in @fine (0-terminated,
 * NULL for none), which mean it is done already.
 */
int nl_request(struct nl *nl, const char *fn, unsigned ifindex, const char *what, const int *fine)
{
	struct nl_talk t = { 0 };

	if (nl_talk(nl, NULL, &t) == 0)
		return 0;
	for (; fine && *fine; fine++)
		if (t.err == *fine)
			return 0;
	nl_log_fail(fn, ifindex, what, &t);
	return -1;
}

static int nl_ext_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK; /* newer kernel, attribute we don't know */
	if (type == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK; /* not a proper string: ignore rather than overread */
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

int nl_ack_read(const struct nlmsghdr *nlh, struct nl_talk *t)
{
	return nl_error_cb(nlh, t) == MNL_CB_STOP ? 0 : -1;
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
void nl_drain(struct nl *nl)
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
int nl_talk(struct nl *nl, mnl_cb_t cb, struct nl_talk *t)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		/* libmnl takes it non-const */
		[NLMSG_ERROR] = nl_error_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)nl->req;
	ssize_t n;
	int ret;

	/* Any request may change a link (up, down, a vmac made or deleted): ask afresh. */
	memset(nl->links, 0, sizeof(nl->links));
	/* Queued requests go first: their ACKs must not be taken for ours. */
	if (nl->qn)
		nl_flush(nl);
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
