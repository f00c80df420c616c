/*
 * conf_sys.c - the configuration meets the system: conf_load() opens the
 * config file only if trust.c trusts it, and gives the pure parser
 * (conf_parse_file) the real look-ups: interface indexes, group ids, key
 * files and the programs vipd runs as root. Each look-up's refusal is one
 * message tail; the parser puts the file, line and setting in front.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "trust.h"

#define CONF_SYS_QUOTE_LEN 100 /* a path quoted in a message, escaped, truncated */

static unsigned conf_sys_ifindex(const char *name)
{
	return if_nametoindex(name);
}

static int conf_sys_gid(const char *name, gid_t *gid)
{
	const struct group *gr = getgrnam(name);

	if (!gr)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

/* Write a message tail into @why; returns -1 for "return conf_sys_why(...)". */
__attribute__((format(printf, 3, 4))) static int conf_sys_why(char *why, size_t len,
							      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A key file: a regular file that only its owner can access, in trusted
 * directories (trust.c), so nobody else can read the key or swap in their
 * own. O_NONBLOCK so that a FIFO in its place cannot hang the load. Reads
 * up to @max bytes; the caller judges the length.
 */
static long conf_sys_read_key(const char *file, uint8_t *buf, size_t max, char *why, size_t len)
{
	char path[CONF_SYS_QUOTE_LEN], reason[TRUST_WHY_MAX];
	struct stat st;
	size_t n = 0;
	ssize_t r = 0;
	long rc = -1;
	int fd;

	conf_escape(path, sizeof(path), file);
	fd = trust_open(file, O_RDONLY | O_NOCTTY | O_NONBLOCK, reason, sizeof(reason));
	if (fd < 0 && errno == EPERM)
		return conf_sys_why(why, len, "%s is not trusted: %s", path, reason);
	if (fd < 0 && errno == EINVAL)
		return conf_sys_why(why, len, "%s is not a regular file", path);
	if (fd < 0)
		return conf_sys_why(why, len, "cannot open %s: %s", path, reason);
	if (fstat(fd, &st) < 0) {
		conf_sys_why(why, len, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_sys_why(why, len, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		conf_sys_why(why, len, "%s is %s by group or others (chmod 600)", path,
			     st.st_mode & 044 ? "readable" : "accessible");
		goto out;
	}
	while (n < max && (r = read(fd, buf + n, max - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			conf_sys_why(why, len, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	rc = (long)n;
out:
	close(fd);
	return rc;
}

/*
 * A program vipd runs as root: trusted by trust.c (nobody else could have
 * written it or the directories above it), a regular file, executable.
 * exec.c checks it again, on the descriptor it executes, each time it runs.
 */
static int conf_sys_check_exec(const char *path, char *why, size_t len)
{
	char q[CONF_SYS_QUOTE_LEN + 2], reason[TRUST_WHY_MAX];
	struct stat st;
	int fd, rc;

	q[0] = '"';
	conf_escape(q + 1, sizeof(q) - 2, path);
	strcat(q, "\"");
	fd = trust_open(path, O_PATH, reason, sizeof(reason));
	if (fd < 0 && errno == EPERM)
		return conf_sys_why(why, len, "%s is not trusted: %s", q, reason);
	if (fd < 0 && errno == EINVAL)
		return conf_sys_why(why, len, "%s is not a regular file", q);
	if (fd < 0)
		return conf_sys_why(why, len, "%s: %s", q, reason);
	rc = fstat(fd, &st);
	close(fd);
	if (rc < 0)
		return conf_sys_why(why, len, "%s: %s", q, strerror(errno));
	if (!(st.st_mode & 0111))
		return conf_sys_why(why, len, "%s is not executable", q);
	return 0;
}

static const struct conf_sys conf_sys_os = {
	.ifindex = conf_sys_ifindex,
	.gid = conf_sys_gid,
	.read_key = conf_sys_read_key,
	.check_exec = conf_sys_check_exec,
};

/* "PATH: WHAT: WHY" into @err (if any); returns -1. */
static int conf_sys_fail(const char *path, const char *what, const char *why, char *err,
			 size_t err_len)
{
	if (err && err_len)
		snprintf(err, err_len, "%s: %s: %s", path, what, why);
	return -1;
}

int conf_load(const char *path, struct conf *c, char *err, size_t err_len)
{
	char why[TRUST_WHY_MAX];
	struct stat st;
	FILE *f;
	int fd, rc;

	memset(c, 0, sizeof(*c));
	if (err && err_len)
		err[0] = '\0';
	if (strlen(path) >= sizeof(c->path)) {
		if (err && err_len)
			snprintf(err, err_len, "%s: path is longer than %zu bytes", path,
				 sizeof(c->path) - 1);
		return -1;
	}
	/* The config names programs vipd runs as root: it must be as trusted as they are. */
	fd = trust_open(path, O_RDONLY, why, sizeof(why));
	if (fd < 0 && errno == EPERM)
		return conf_sys_fail(path, "not trusted", why, err, err_len);
	if (fd < 0 && errno == EINVAL && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return conf_sys_fail(path, "cannot open", strerror(EISDIR), err, err_len);
	if (fd < 0)
		return conf_sys_fail(path, "cannot open", why, err, err_len);
	f = fdopen(fd, "r");
	if (!f) {
		rc = errno;
		close(fd);
		return conf_sys_fail(path, "cannot open", strerror(rc), err, err_len);
	}
	rc = conf_parse_file(path, f, &conf_sys_os, c, err, err_len);
	fclose(f);
	return rc;
}
