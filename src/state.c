/*
 * state.c - files vipd keeps between runs (the standby flag under
 * state_dir) and the single-instance lock.
 *
 * Writes are atomic and never follow a link: a temporary file created with
 * O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC next to the target, written,
 * fsynced, renamed over the target (rename replaces a planted symlink, it
 * does not write through it), and the directory fsynced so that the rename
 * survives a power cut. A failure at any step removes the temporary file
 * and leaves the old file as it was.
 *
 * The lock: two vipd started together would both probe the control
 * socket, both find it stale, and both run. flock() on "SOCKET.lock",
 * taken before the socket is touched and held for the daemon's life,
 * serialises that; the kernel drops it when the process ends in any way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "state.h"

#define STATE_TMP_TRIES 16 /* names tried for a temporary file */
#define STATE_PID_TRIES 20 /* reads of the lock holder's PID, 10 ms apart */

static int state_lock_fd = -1;

/* Open @dir (made 0755 if missing) as a directory descriptor. -1 with @err. */
static int state_dir_open(const char *dir, char *err, size_t err_len)
{
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, err_len, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, err_len, "%s: %s", dir, strerror(errno));
	return fd;
}

/* write() all of @len bytes. */
static int state_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Atomically make @name in directory @dfd (shown as @dir) hold @text.
 * Returns 0, or -1 with @err set; the old file is then untouched.
 */
static int state_replace(int dfd, const char *dir, const char *name, const char *text, char *err,
			 size_t err_len)
{
	char tmp[CONF_PATH_MAX];
	int fd = -1, i;

	for (i = 0; i < STATE_TMP_TRIES && fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), ".%s.%ld.%d", name, (long)getpid(), i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, err_len, "%s/%s: %s", dir, tmp, strerror(errno));
		return -1;
	}
	if (state_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		snprintf(err, err_len, "%s/%s: %s", dir, tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, err_len, "%s/%s: %s", dir, tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) < 0) {
		snprintf(err, err_len, "rename %s/%s to %s: %s", dir, tmp, name, strerror(errno));
		goto fail;
	}
	if (fsync(dfd) < 0)
		log_warn("state: fsync %s", dir);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return -1;
}

bool state_standby_saved(const char *dir, uint32_t id)
{
	char path[CONF_PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/standby.%u", dir, id);
	if (lstat(path, &st) < 0)
		return false;
	if (!S_ISREG(st.st_mode)) {
		log_warnx("state: %s is not a regular file, ignored", path);
		return false;
	}
	return true;
}

int state_standby_save(const char *dir, uint32_t id, bool on, char *err, size_t err_len)
{
	char name[32], text[64];
	int dfd, rc = 0;

	snprintf(name, sizeof(name), "standby.%u", id);
	dfd = state_dir_open(dir, err, err_len);
	if (dfd < 0)
		goto out;
	if (on) {
		snprintf(text, sizeof(text), "standby since %lld\n", (long long)time(NULL));
		rc = state_replace(dfd, dir, name, text, err, err_len);
	} else if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		snprintf(err, err_len, "%s/%s: %s", dir, name, strerror(errno));
		rc = -1;
	} else if (fsync(dfd) < 0) {
		log_warn("state: fsync %s", dir);
	}
	close(dfd);
out:
	if (dfd < 0 || rc < 0) {
		log_errx("standby: %.*s", (int)err_len, err);
		return -1;
	}
	return 0;
}

/* mkdir -p the directory part of @path; directories created get 0755. */
static int state_mkdirs(const char *path)
{
	char dir[CONF_PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_err("lock: mkdir %s", dir);
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/*
 * The PID written by the lock's holder, or 0 if it cannot be read. A holder
 * that took the lock an instant ago may not have written it yet: wait a
 * little (at most STATE_PID_TRIES x 10 ms) for it.
 */
static long state_lock_holder(int fd)
{
	const struct timespec pause = { .tv_nsec = 10000000L }; /* 10 ms */
	char buf[32];
	long pid = 0;

	for (int i = 0; i < STATE_PID_TRIES && pid <= 0; i++) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
		}
		if (pid <= 0)
			nanosleep(&pause, NULL);
	}
	return pid;
}

int state_lock(const char *control_socket)
{
	char path[CONF_PATH_MAX + 8], pid[32];
	long holder;
	int fd;

	snprintf(path, sizeof(path), "%s.lock", control_socket);
	if (state_mkdirs(control_socket) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		log_err("lock %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		holder = err == EWOULDBLOCK ? state_lock_holder(fd) : 0;
		if (err == EWOULDBLOCK)
			log_errx("another vipd (PID %ld) is running for control socket %s "
				 "(lock %s held): not starting",
				 holder, control_socket, path);
		else
			log_errx("lock %s: %s", path, strerror(err));
		close(fd);
		return -1;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		log_warn("lock %s: cannot record the PID", path);
	state_lock_fd = fd;
	return 0;
}

void state_unlock(void)
{
	if (state_lock_fd < 0)
		return;
	close(state_lock_fd);
	state_lock_fd = -1;
}
