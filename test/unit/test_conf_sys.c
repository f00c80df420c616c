/*
 * test_conf_sys.c - the configuration meets the system (conf_sys.c,
 * through conf_load()): interfaces looked up by name, group names, key
 * files read with their mode and trust checked, programs checked before
 * vipd would run them as root, and the config file's own trust. The pure
 * parser's values and messages are test_conf.c's.
 *
 * Every config and key file is written at run time in a fresh directory
 * and removed again. Not under /tmp: conf_sys.c accepts only files that it
 * and every directory above them are owned by root (or this user) and not
 * writable by group or others, which /tmp (mode 1777) is not. The directory
 * is made under $VIPD_TEST_TMP, else /run/vipd-test (root) or $HOME.
 * Interface "lo" always exists; "vipdnosuch9" is assumed not to.
 * In config texts and expected messages, @KEY@ (a good key), @WIDE@ (mode
 * 0644), @SHORT@ (9 bytes), @DIR@ (a directory) and @NONE@ (no such file)
 * stand for key file paths; @CONF@ is the config file's own path.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "conftest.h"
#include "textsub.h"

static char tmpdir[256]; /* mkdtemp: holds every key file */
static char key_good[300], key_wide[300], key_short[300], key_none[300];
static char conf_path[300]; /* the config of the running test */

/* Write @len bytes to @path with @mode (not subject to umask). */
static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* @text with every @NAME@ placeholder replaced, into @out. */
static void expand(char *out, size_t len, const char *text)
{
	static const struct textsub sub[] = {
		{ "@KEY@", key_good }, { "@WIDE@", key_wide }, { "@SHORT@", key_short },
		{ "@DIR@", tmpdir },   { "@NONE@", key_none }, { "@CONF@", conf_path },
	};

	assert_int_equal(textsub_expand(out, len, text, sub, sizeof(sub) / sizeof(sub[0])), 0);
}

/* Write @text (placeholders expanded) to a new temp file, load it, remove it. */
static int load(const char *text, struct conf *c, char *err, size_t err_len)
{
	static char buf[65536];
	int fd, rc;

	snprintf(conf_path, sizeof(conf_path), "%s/conf.XXXXXX", tmpdir);
	fd = mkstemp(conf_path);
	assert_true(fd >= 0);
	expand(buf, sizeof(buf), text);
	assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
	assert_int_equal(close(fd), 0);
	rc = conf_load(conf_path, c, err, err_len);
	assert_int_equal(unlink(conf_path), 0);
	return rc;
}

/* Load @text, which must fail with exactly "@CONF@@want" (expanded), one line, nothing to free. */
static void assert_load_error(const char *text, const char *want)
{
	assert_true(conftest_load_error_is(load, expand, "error", text, want));
}

/* The parent of the test's directory, made 0755 if missing (see the top). */
static const char *tmp_base(void)
{
	const char *base = getenv("VIPD_TEST_TMP");

	if (!base || !*base)
		base = geteuid() == 0 ? "/run/vipd-test" : getenv("HOME");
	if (!base)
		return NULL;
	if (mkdir(base, 0755) == 0)
		chmod(base, 0755);
	return base;
}

static int setup(void **state)
{
	const char *base = tmp_base();

	(void)state;
	if (!base)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX", base);
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(key_good, sizeof(key_good), "%s/good.key", tmpdir);
	snprintf(key_wide, sizeof(key_wide), "%s/wide.key", tmpdir);
	snprintf(key_short, sizeof(key_short), "%s/short.key", tmpdir);
	snprintf(key_none, sizeof(key_none), "%s/none.key", tmpdir);
	write_file(key_good, KEY_TEXT "\n", strlen(KEY_TEXT) + 1, 0600);
	write_file(key_wide, KEY_TEXT "\n", strlen(KEY_TEXT) + 1, 0644);
	write_file(key_short, "123456789", 9, 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(key_good);
	unlink(key_wide);
	unlink(key_short);
	return rmdir(tmpdir);
}

/* A good file: the real look-ups fill in what the fake ones do in test_conf. */
static void test_loads(void **state)
{
	struct conf c;
	char err[512];

	(void)state;
	assert_int_equal(load(HEAD GROUP("") "control_group = \"root\";\n", &c, err, sizeof(err)),
			 0);
	assert_string_equal(c.path, conf_path);
	assert_int_equal(c.control_gid, 0);
	assert_int_equal(c.n_warnings, 0);
	assert_int_equal(c.groups[0].ifindex, if_nametoindex("lo"));
	assert_string_equal(c.groups[0].key_file, key_good);
	assert_int_equal(c.groups[0].key_len, strlen(KEY_TEXT));
	assert_memory_equal(c.groups[0].key, KEY_TEXT, strlen(KEY_TEXT));
	conf_free(&c);
}

/* A relative key_file is found next to the config file, not in the cwd. */
static void test_key_relative(void **state)
{
	char path[300], key[300], err[512];
	struct conf c;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/vipd.conf", tmpdir);
	snprintf(key, sizeof(key), "%s/rel.key", tmpdir);
	write_file(key, KEY_TEXT, strlen(KEY_TEXT), 0600);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEAD GROUP_VK("\"192.0.2.1/24\"", "rel.key", ""), f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.groups[0].key_file, key);
	assert_int_equal(c.groups[0].key_len, strlen(KEY_TEXT));
	conf_free(&c);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(key), 0);
}

static void test_missing_file(void **state)
{
	char err[512], want[512];
	struct conf c;

	(void)state;
	assert_int_equal(conf_load(key_none, &c, err, sizeof(err)), -1);
	assert_null(c.groups);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", key_none);
	assert_string_equal(err, want);

	assert_int_equal(conf_load(tmpdir, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: Is a directory", tmpdir);
	assert_string_equal(err, want);
}

/* What the system refuses of a command; errors name the array element. */
static void test_command_errors(void **state)
{
	char prog[300];

	(void)state;
	assert_load_error(HEAD GROUP("\t\tnotify_fault = [ \"/etc/passwd\" ];\n"),
			  ":10: groups[0].notify_fault[0]: \"/etc/passwd\" is not executable");
	assert_load_error(HEAD GROUP("\t\tnotify_stop = [ \"/\" ];\n"),
			  ":10: groups[0].notify_stop[0]: \"/\" is not a regular file");
	assert_load_error(
		HEAD GROUP("\t\tnotify_backup = [ \"@DIR@/none\" ];\n"),
		":10: groups[0].notify_backup[0]: \"@DIR@/none\": No such file or directory");
	/* A program others may rewrite would run as root: refused. */
	snprintf(prog, sizeof(prog), "%s/prog", tmpdir);
	write_file(prog, "#!/bin/sh\n", 10, 0757);
	assert_load_error(
		HEAD GROUP("\t\tnotify = [ \"@DIR@/prog\" ];\n"),
		":10: groups[0].notify[0]: \"@DIR@/prog\" is not trusted: file @DIR@/prog "
		"is writable by others");
	assert_int_equal(unlink(prog), 0);
}

/*
 * trust.c's rule, through conf_load(): programs, key files and the config
 * itself are refused when they, or a directory above them, could be
 * changed by someone other than root (or this user); a symlink is followed
 * only where it lives in a trusted directory, and its target is held to
 * the same rule. Each refusal is one line naming the path and the reason.
 */
static void test_trust(void **state)
{
	char sub[320], prog[340], link[340], key[340], want[1024], err[1024], conf[340];
	struct conf c;
	int fd;

	(void)state;
	snprintf(prog, sizeof(prog), "%s/prog", tmpdir);
	write_file(prog, "#!/bin/sh\n", 10, 0775);
	assert_load_error(
		HEAD GROUP("\t\tnotify = [ \"@DIR@/prog\" ];\n"),
		":10: groups[0].notify[0]: \"@DIR@/prog\" is not trusted: file @DIR@/prog "
		"is writable by its group");
	assert_int_equal(chmod(prog, 0755), 0);
	/* A link in a trusted directory to a trusted program: fine. */
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink("prog", link), 0);
	assert_int_equal(
		load(HEAD GROUP("\t\tnotify = [ \"@DIR@/link\" ];\n"), &c, err, sizeof(err)), 0);
	conf_free(&c);
	/* The same program in a directory others may write: its name could be swapped. */
	snprintf(sub, sizeof(sub), "%s/open", tmpdir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(unlink(prog), 0);
	snprintf(prog, sizeof(prog), "%s/open/prog", tmpdir);
	write_file(prog, "#!/bin/sh\n", 10, 0755);
	assert_load_error(HEAD GROUP("\t\tnotify = [ \"@DIR@/open/prog\" ];\n"),
			  ":10: groups[0].notify[0]: \"@DIR@/open/prog\" is not trusted: directory "
			  "@DIR@/open is writable by others");
	/* A trusted link to that program does not make it trusted: the target is walked. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("open/prog", link), 0);
	assert_load_error(HEAD GROUP("\t\tnotify = [ \"@DIR@/link\" ];\n"),
			  ":10: groups[0].notify[0]: \"@DIR@/link\" is not trusted: directory "
			  "@DIR@/open is writable by others");
	/* A key file in it likewise. */
	snprintf(key, sizeof(key), "%s/open/k", tmpdir);
	write_file(key, KEY_TEXT, strlen(KEY_TEXT), 0600);
	assert_load_error(
		HEAD "groups: ( { id = 1; vips = [ \"192.0.2.100/24\" ]; "
		     "key_file = \"@DIR@/open/k\"; } );\n",
		":5: groups[0].key_file: @DIR@/open/k is not trusted: directory @DIR@/open "
		"is writable by others");
	/* Owned by another user (needs root to give it away). */
	if (geteuid() == 0) {
		assert_int_equal(chmod(sub, 0755), 0);
		assert_int_equal(chown(key, 65534, 65534), 0);
		assert_int_equal(load(HEAD "groups: ( { id = 1; vips = [ \"192.0.2.100/24\" ]; "
					   "key_file = \"@DIR@/open/k\"; } );\n",
				      &c, err, sizeof(err)),
				 -1);
		expand(want, sizeof(want),
		       "groups[0].key_file: @DIR@/open/k is not trusted: "
		       "file @DIR@/open/k is owned by uid 65534");
		assert_non_null(strstr(err, want));
		assert_non_null(strstr(err, ", not root"));
	}
	assert_int_equal(unlink(key), 0);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(prog), 0);
	assert_int_equal(rmdir(sub), 0);
	/* A loop of links ends, with the kernel's message. */
	snprintf(link, sizeof(link), "%s/loop1", tmpdir);
	assert_int_equal(symlink("loop2", link), 0);
	snprintf(prog, sizeof(prog), "%s/loop2", tmpdir);
	assert_int_equal(symlink("loop1", prog), 0);
	assert_load_error(HEAD GROUP("\t\tnotify = [ \"@DIR@/loop1\" ];\n"),
			  ":10: groups[0].notify[0]: \"@DIR@/loop1\": @DIR@: Too many levels of "
			  "symbolic links");
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(prog), 0);
	/* The config itself: it names what runs as root. */
	snprintf(conf, sizeof(conf), "%s/g+w.conf", tmpdir);
	fd = open(conf, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(conf, 0664), 0);
	assert_int_equal(conf_load(conf, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not trusted: file %s is writable by its group", conf,
		 conf);
	assert_string_equal(err, want);
	assert_int_equal(unlink(conf), 0);
}

/* Key files and group names as the system has them, each with its exact line. */
static void test_system_errors(void **state)
{
	static const struct {
		const char *name, *text, *want;
	} rows[] = {
		{ "key file missing", HEAD GROUP_VK("\"192.0.2.1/24\"", "@NONE@", ""),
		  ":9: groups[0].key_file: cannot open @NONE@: No such file or directory" },
		{ "key file readable by others", HEAD GROUP_VK("\"192.0.2.1/24\"", "@WIDE@", ""),
		  ":9: groups[0].key_file: @WIDE@ is readable by group or others (chmod 600)" },
		{ "key file a directory", HEAD GROUP_VK("\"192.0.2.1/24\"", "@DIR@", ""),
		  ":9: groups[0].key_file: @DIR@ is not a regular file" },
		{ "key too short", HEAD GROUP_VK("\"192.0.2.1/24\"", "@SHORT@", ""),
		  ":9: groups[0].key_file: key in @SHORT@ is 9 bytes, at least 16 needed" },
		{ "control group unknown", HEAD GROUP("") "control_group = \"no-such-grp\";\n",
		  ":12: control_group: no such group \"no-such-grp\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("%s\n", rows[i].name);
		assert_load_error(rows[i].text, rows[i].want);
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),	     cmocka_unit_test(test_key_relative),
		cmocka_unit_test(test_missing_file), cmocka_unit_test(test_command_errors),
		cmocka_unit_test(test_trust),	     cmocka_unit_test(test_system_errors),
	};

	return cmocka_run_group_tests_name("conf_sys", tests, setup, teardown);
}
