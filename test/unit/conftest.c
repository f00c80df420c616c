/*
 * conftest.c - see conftest.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conftest.h"

unsigned conftest_ifindex(const char *name)
{
	return strcmp(name, "lo") == 0 ? CONFTEST_LO_INDEX : 0;
}

int conftest_gid(const char *name, gid_t *gid)
{
	if (strcmp(name, "root") != 0)
		return -1;
	*gid = 0;
	return 0;
}

int conftest_check_exec(const char *path, char *why, size_t len)
{
	if (strncmp(path, "/bin/", 5) == 0)
		return 0;
	snprintf(why, len, "\"%s\" is refused by the fake system", path);
	return -1;
}

int conftest_parse(const char *path, const void *text, size_t len, const struct conf_sys *sys,
		   struct conf *c, char *err, size_t err_len)
{
	static char empty[] = "\n";
	FILE *f = len ? fmemopen((void *)(uintptr_t)text, len, "r") : fmemopen(empty, 1, "r");
	int rc;

	if (!f)
		abort();
	rc = conf_parse_file(path, f, sys, c, err, err_len);
	if (fclose(f) != 0)
		abort();
	return rc;
}

bool conftest_load_error_is(conftest_load_fn *load, conftest_expand_fn *expand, const char *name,
			    const char *text, const char *want)
{
	char err[512], full[512], exp[600];
	struct conf c;
	int rc;

	memset(err, 'x', sizeof(err));
	rc = load(text, &c, err, sizeof(err));
	snprintf(full, sizeof(full), "@CONF@%s", want);
	expand(exp, sizeof(exp), full);
	if (rc == -1 && strcmp(err, exp) == 0 && !strchr(err, '\n') && !c.groups && c.n_groups == 0)
		return true;
	if (rc == 0)
		conf_free(&c);
	fprintf(stderr, "%s: rc %d\n  got  %s\n  want %s\n", name, rc, rc == -1 ? err : "", exp);
	return false;
}
