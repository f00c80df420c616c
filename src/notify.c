/*
 * notify.c - sd_notify(3) without libsystemd. The protocol is one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named in
 * $NOTIFY_SOCKET ('@' for the abstract namespace), documented by systemd
 * as stable for daemons that do not link libsystemd. Linking it would map
 * libsystemd and its compressors and libgcrypt (about 1 MiB resident) for
 * this one datagram.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

int notify(const char *state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;
	socklen_t salen;
	int fd, rc = 0;

	if (!path || !path[0])
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		log_warnx("notify: NOTIFY_SOCKET \"%s\" is not a socket path", path);
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0) {
		log_warn("notify %s", state);
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int notify_status(const char *text)
{
	char msg[NOTIFY_STATUS_MAX + sizeof("STATUS=")];
	size_t n;

	n = (size_t)snprintf(msg, sizeof(msg), "STATUS=%s", text);
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	/* One line: systemctl status shows STATUS= as a single "Status:" line. */
	for (size_t i = 0; i < n; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	return notify(msg);
}

uint64_t notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	/* WATCHDOG_PID, when set, names the process meant: not a child of ours. */
	if (!usec || (pid && strtoll(pid, NULL, 10) != (long long)getpid()))
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	return errno || *end || v == 0 ? 0 : (uint64_t)v;
}
