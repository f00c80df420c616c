/*
 * sockpoke.c - test tool: write stdin to a UNIX stream socket, then print
 * what comes back until the peer closes or TIMEOUT_MS passes.
 *
 *   sockpoke SOCKET [TIMEOUT_MS]
 *
 * Exit status: 0 the peer closed or went quiet, 1 connect failed, 2 usage.
 * Used to throw garbage and oversized frames at vipd's control socket.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int timeout_ms = argc > 2 ? atoi(argv[2]) : 2000;
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: sockpoke SOCKET [TIMEOUT_MS]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sockpoke: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* The daemon may close early (a broken frame): stop writing then. */
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 1000; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return 0;
}
