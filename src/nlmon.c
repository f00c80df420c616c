/*
 * nlmon.c - rtnetlink events: links (RTMGRP_LINK) and addresses
 * (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR) on one non-blocking socket.
 *
 * Trust: only the kernel sends to a netlink multicast group, but any local
 * process may unicast to our port id; a message whose sender port id is not
 * 0 is not the kernel's and is ignored. An overflowing socket (ENOBUFS)
 * means events are gone for good: the caller dumps the state again.
 *
 * Cost: one recvmsg per batch; at most NLMON_BATCHES batches per wake-up,
 * so a storm of events (an `ip addr flush` of thousands) cannot starve the
 * heartbeat timers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nlmon.h"

#define NLMON_RECV_SIZE 32768	      /* bytes; the kernel's largest event fits */
#define NLMON_RCVBUF	(1024 * 1024) /* bytes of socket buffer against ENOBUFS */
#define NLMON_BATCHES	64

struct nlmon {
	struct mnl_socket *mnl;
	const struct nlmon_ops *ops;
	alignas(struct nlmsghdr) char buf[NLMON_RECV_SIZE];
};

struct nlmon *nlmon_open(void)
{
	struct nlmon *m = calloc(1, sizeof(*m));
	int fd, fl, sz = NLMON_RCVBUF;

	if (!m) {
		log_errx("nlmon_open: %s", strerror(ENOMEM));
		return NULL;
	}
	m->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!m->mnl) {
		log_err("nlmon_open: socket");
		goto fail;
	}
	if (mnl_socket_bind(m->mnl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		log_err("nlmon_open: bind RTMGRP_LINK|IPV4_IFADDR|IPV6_IFADDR");
		goto fail_sock;
	}
	fd = mnl_socket_get_fd(m->mnl);
	/* Root may exceed rmem_max; anyone else gets what the system allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		log_err("nlmon_open: O_NONBLOCK");
		goto fail_sock;
	}
	return m;
fail_sock:
	mnl_socket_close(m->mnl);
fail:
	free(m);
	return NULL;
}

int nlmon_fd(const struct nlmon *m)
{
	return mnl_socket_get_fd(m->mnl);
}

static int nlmon_link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static void nlmon_link(const struct nlmon *m, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi;
	char name[IF_NAMESIZE] = "";

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return;
	if (mnl_attr_parse(nlh, sizeof(*ifi), nlmon_link_attr_cb, tb) == MNL_CB_OK &&
	    tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
		snprintf(name, sizeof(name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	m->ops->link(m->ops->ctx, (unsigned)ifi->ifi_index, name,
		     nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
			     (ifi->ifi_flags & IFF_RUNNING),
		     nlh->nlmsg_type == RTM_DELLINK);
}

static int nlmon_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmon *m = data;
	struct nl_ifaddr a;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		nlmon_link(m, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nl_ifaddr_parse(nlh, &a) == 0)
			m->ops->addr(m->ops->ctx, &a);
		break;
	}
	return MNL_CB_OK;
}

int nlmon_read(struct nlmon *m, const struct nlmon_ops *ops)
{
	m->ops = ops;
	for (int i = 0; i < NLMON_BATCHES; i++) {
		struct sockaddr_nl sa;
		struct iovec iov = { .iov_base = m->buf, .iov_len = sizeof(m->buf) };
		struct msghdr mh = {
			.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1
		};
		ssize_t n = recvmsg(mnl_socket_get_fd(m->mnl), &mh, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			if (errno == ENOBUFS)
				return NLMON_RESYNC;
			log_err("nlmon_read");
			return -1;
		}
		/* Not from the kernel: a local process writing to our port. */
		if (mh.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;
		if (mnl_cb_run(m->buf, (size_t)n, 0, 0, nlmon_cb, m) < 0 && errno != ENOENT) {
			log_err("nlmon_read");
			return -1;
		}
	}
	return 0;
}

void nlmon_free(struct nlmon *m)
{
	if (!m)
		return;
	mnl_socket_close(m->mnl);
	free(m);
}
