/*
 * conftest.h - what the config tests share (test_conf, test_conf_sys,
 * fuzz_conf): the config text every case starts from, a fake system for
 * the pure parser, parsing from memory, and the check of a refused file.
 * Pure, no cmocka: the fuzzer links it too.
 */
#ifndef CONFTEST_H
#define CONFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

#define KEY_TEXT	  "0123456789abcdef0123456789ABCDEF" /* 32 bytes */
#define CONFTEST_LO_INDEX 7 /* conftest_ifindex("lo"), whatever the machine has */

/* Lines 1-4: the node. */
#define HEAD "node: {\n\tname = \"pbx-a\";\n\tinterface = \"lo\";\n};\n"

/* Lines 5-9 open group 0 (id on 7, vips on 8, key_file on 9); EXTRA starts on 10. */
#define GROUP_VK(vips, key, extra)                                                     \
	"groups: (\n\t{\n\t\tid = 1;\n\t\tvips = [ " vips " ];\n\t\tkey_file = \"" key \
	"\";\n" extra "\t}\n);\n"
#define GROUP(extra) GROUP_VK("\"192.0.2.100/24\"", "@KEY@", extra)

/* The fake system's interfaces: "lo" only, index CONFTEST_LO_INDEX. */
unsigned conftest_ifindex(const char *name);
/* The fake system's groups: "root" only, gid 0. */
int conftest_gid(const char *name, gid_t *gid);
/* The fake system's programs: those under /bin/ run, others are refused. */
int conftest_check_exec(const char *path, char *why, size_t len);

/*
 * conf_parse_file() on the @len bytes at @text as file @path, with @sys;
 * fmemopen wants at least one byte, so "" is read as "\n". Returns its 0 or
 * -1; aborts if the text cannot be opened or closed as a stream.
 */
int conftest_parse(const char *path, const void *text, size_t len, const struct conf_sys *sys,
		   struct conf *c, char *err, size_t err_len);

/* A test's loader (placeholders expanded) and its placeholder expansion. */
typedef int conftest_load_fn(const char *text, struct conf *c, char *err, size_t err_len);
typedef void conftest_expand_fn(char *out, size_t len, const char *text);

/*
 * Load @text with @load, which must fail with exactly "@CONF@@want"
 * (expanded by @expand), one line, leaving nothing to free. Returns whether
 * it did; if not, prints on stderr what differs, after @name (so one walk
 * over a table reports every row that fails).
 */
bool conftest_load_error_is(conftest_load_fn *load, conftest_expand_fn *expand, const char *name,
			    const char *text, const char *want);

#endif
