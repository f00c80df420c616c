/*
 * trust.c - may a daemon running as root trust this file: the key it reads,
 * the config it loads, a program it runs?
 *
 * The rule (OpenSSH's for authorized_keys, sudo's for sudoers): the file
 * and every directory on the way to it from "/" are owned by root, or by
 * the user this process runs as, and are writable by neither their group
 * nor others. What it protects against: a service account (asterisk,
 * kamailio, a monitoring agent) that owns, or may write into, any of those
 * could otherwise replace the file or a directory above it and so have
 * vipd use its key or run its program as root.
 *
 * The walk opens each component with O_PATH | O_NOFOLLOW relative to the
 * descriptor of the directory before it and checks it with fstat() on that
 * descriptor, so what is checked is what is used: there is no second
 * lookup of a name that someone could swap in between. A symbolic link is
 * followed only if the directory holding it passed the check (so a trusted
 * user wrote its target), and its target is walked under the same rule.
 * Nothing here logs: callers turn @why into their own one-line message.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

#define TRUST_MAX_LINKS 40 /* symbolic links followed per path, as the kernel's limit */

struct trust_walk {
	char rest[PATH_MAX];  /* what is still to walk, relative to dirfd */
	char shown[PATH_MAX]; /* what was walked, for messages ("" is "/") */
	int dirfd;	      /* the directory walked last, checked */
	int links;
	char *why;
	size_t why_len;
};

/* Fail with @err and a reason; returns -1. */
__attribute__((format(printf, 3, 4))) static int trust_fail(struct trust_walk *w, int err,
							    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->why_len, fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

static const char *trust_shown(const struct trust_walk *w)
{
	return w->shown[0] ? w->shown : "/";
}

/*
 * Whether @st (a directory if @dir, else the file) may be trusted. Only
 * the violation path asks NSS for a user name, for the admin's message.
 */
static int trust_check(struct trust_walk *w, const struct stat *st, bool dir)
{
	const char *kind = dir ? "directory" : "file";
	char owner[64 + 32];

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		if (getpwuid_r(st->st_uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			snprintf(owner, sizeof(owner), "uid %u (%.64s)", (unsigned)st->st_uid,
				 res->pw_name);
		else
			snprintf(owner, sizeof(owner), "uid %u", (unsigned)st->st_uid);
		snprintf(w->why, w->why_len, "%s %s is owned by %s, not root", kind, trust_shown(w),
			 owner);
		errno = EPERM;
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(w->why, w->why_len, "%s %s is writable by %s", kind, trust_shown(w),
			 st->st_mode & S_IWOTH ? "others" : "its group");
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* Start at "/" with @path made absolute. */
static int trust_start(struct trust_walk *w, const char *path)
{
	struct stat st;
	size_t n = 0;

	w->shown[0] = '\0';
	if (path[0] != '/') {
		if (!getcwd(w->rest, sizeof(w->rest)))
			return trust_fail(w, errno, "working directory: %s", strerror(errno));
		n = strlen(w->rest);
		w->rest[n++] = '/';
	}
	if (n + strlen(path) >= sizeof(w->rest))
		return trust_fail(w, ENAMETOOLONG, "%s", strerror(ENAMETOOLONG));
	memcpy(w->rest + n, path, strlen(path) + 1);
	w->dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0 || fstat(w->dirfd, &st) < 0)
		return trust_fail(w, errno, "/: %s", strerror(errno));
	return trust_check(w, &st, true);
}

/*
 * Take the next component of w->rest into @name. Returns 1 with *@last
 * set, 0 when nothing is left, -1 when a component is too long.
 */
static int trust_next(struct trust_walk *w, char *name, bool *last)
{
	const char *p = w->rest, *end;
	size_t len;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	end = strchrnul(p, '/');
	len = (size_t)(end - p);
	if (len > NAME_MAX)
		return trust_fail(w, ENAMETOOLONG, "%s", strerror(ENAMETOOLONG));
	memcpy(name, p, len);
	name[len] = '\0';
	while (*end == '/')
		end++;
	*last = *end == '\0';
	memmove(w->rest, end, strlen(end) + 1);
	return 1;
}

/* Replace the link just met by its target: w->rest = target "/" rest. */
static int trust_follow(struct trust_walk *w, int fd)
{
	char target[PATH_MAX], joined[PATH_MAX];
	ssize_t n;
	int k;

	if (++w->links > TRUST_MAX_LINKS)
		return trust_fail(w, ELOOP, "%s: %s", trust_shown(w), strerror(ELOOP));
	n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return trust_fail(w, errno, "%s: %s", trust_shown(w), strerror(errno));
	target[n] = '\0';
	k = snprintf(joined, sizeof(joined), "%s%s%s", target, w->rest[0] ? "/" : "", w->rest);
	if (k < 0 || (size_t)k >= sizeof(joined))
		return trust_fail(w, ENAMETOOLONG, "%s", strerror(ENAMETOOLONG));
	memcpy(w->rest, joined, (size_t)k + 1);
	if (target[0] == '/') {
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (root < 0)
			return trust_fail(w, errno, "/: %s", strerror(errno));
		close(w->dirfd);
		w->dirfd = root;
		w->shown[0] = '\0';
	}
	return 0;
}

/* Append @name to w->shown, or drop its last component for "..". */
static void trust_show(struct trust_walk *w, const char *name)
{
	size_t n = strlen(w->shown);

	if (strcmp(name, "..") == 0) {
		char *slash = strrchr(w->shown, '/');

		if (slash)
			*slash = '\0';
		return;
	}
	snprintf(w->shown + n, sizeof(w->shown) - n, "/%s", name);
}

/* The last component, checked: reopen it with the caller's @flags. */
static int trust_final(struct trust_walk *w, int fd, const struct stat *st, const char *name,
		       int flags)
{
	struct stat st2;
	int fd2;

	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return trust_fail(w, EINVAL, "%s is not a regular file", trust_shown(w));
	}
	if (trust_check(w, st, false) < 0) {
		close(fd);
		return -1;
	}
	if (flags & O_PATH)
		return fd;
	close(fd);
	fd2 = openat(w->dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd2 < 0)
		return trust_fail(w, errno, "%s", strerror(errno));
	if (fstat(fd2, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		close(fd2);
		return trust_fail(w, EAGAIN, "%s changed while it was checked", trust_shown(w));
	}
	return fd2;
}

int trust_open(const char *path, int flags, char *why, size_t why_len)
{
	struct trust_walk w = { .dirfd = -1, .why = why, .why_len = why_len };
	char name[NAME_MAX + 1];
	struct stat st;
	bool last = false;
	int fd = -1, rc, saved;

	if (trust_start(&w, path) < 0)
		goto fail;
	while ((rc = trust_next(&w, name, &last)) == 1) {
		if (strcmp(name, ".") == 0 && !last)
			continue;
		fd = openat(w.dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			trust_fail(&w, errno, "%s", strerror(errno));
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			rc = trust_follow(&w, fd);
			close(fd);
			fd = -1;
			if (rc < 0)
				goto fail;
			if (w.rest[0] == '\0' || strspn(w.rest, "/") == strlen(w.rest)) {
				trust_fail(&w, EINVAL, "%s is not a regular file", path);
				goto fail;
			}
			continue;
		}
		trust_show(&w, name);
		if (last) {
			fd = trust_final(&w, fd, &st, name, flags);
			saved = errno;
			close(w.dirfd);
			errno = saved;
			return fd;
		}
		if (!S_ISDIR(st.st_mode)) {
			trust_fail(&w, ENOTDIR, "%s: %s", trust_shown(&w), strerror(ENOTDIR));
			goto fail;
		}
		if (trust_check(&w, &st, true) < 0)
			goto fail;
		close(w.dirfd);
		w.dirfd = fd;
		fd = -1;
	}
	if (rc == 0)
		trust_fail(&w, EINVAL, "%s is not a regular file", path);
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (w.dirfd >= 0)
		close(w.dirfd);
	errno = saved;
	return -1;
}
