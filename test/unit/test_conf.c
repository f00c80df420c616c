/*
 * test_conf.c - the pure config parser (conf_parse_file): values and
 * defaults of good files, the exact one-line error for each kind of bad
 * file (one table, errors[], walked by test_errors), key contents, and that
 * conf_print() output parses back to the same configuration.
 *
 * No file is written and nothing of the machine is looked at: each config
 * text is parsed from memory (fmemopen), and the parser's look-ups go to
 * the fake system below (conftest.c's, with this file's key files), which
 * knows interface "lo" (index 7, whatever the machine has), group "root",
 * a few key files and programs by name.
 * The real look-ups (conf_sys.c: trust, file modes, interfaces) are
 * test_conf_sys.c's.
 *
 * In config texts and expected messages, @KEY@ (a good key), @SAME@ (the
 * same key in another file), @SHORT@ (9 bytes), @REFUSED@ (refused by the
 * system) and @NONE@ (no such file) stand for key file paths; @CONF@ is the
 * config file's name.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "conftest.h"
#include "textsub.h"

#define CONF_NAME "/etc/vipd-test/vipd.conf" /* never opened */
#define KEY_DIR	  "/etc/vipd-test/"

static const char key_good[] = KEY_DIR "good.key", key_same[] = KEY_DIR "same.key",
		  key_short[] = KEY_DIR "short.key", key_refused[] = KEY_DIR "refused.key",
		  key_none[] = KEY_DIR "none.key", key_var[] = KEY_DIR "var.key";

/* The content of key_var, set by the test that reads it. */
static char var_data[VIPD_KEY_MAX + 8];
static size_t var_len;

/* Key files by name; whatever else "does not exist". */
static long fake_read_key(const char *path, uint8_t *buf, size_t max, char *why, size_t len)
{
	static const struct {
		const char *path, *data;
	} files[] = {
		{ key_good, KEY_TEXT "\n" },
		{ key_same, KEY_TEXT },
		{ key_short, "123456789" },
	};
	const char *data = NULL;
	size_t n;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(path, files[i].path) == 0)
			data = files[i].data;
	if (strcmp(path, key_var) == 0) {
		n = var_len < max ? var_len : max;
		memcpy(buf, var_data, n);
		return (long)n;
	}
	if (strcmp(path, key_refused) == 0) {
		snprintf(why, len, "%s is refused by the fake system", path);
		return -1;
	}
	if (!data) {
		snprintf(why, len, "cannot open %s: No such file or directory", path);
		return -1;
	}
	n = strlen(data) < max ? strlen(data) : max;
	memcpy(buf, data, n);
	return (long)n;
}

/* The fake system: conftest's interface "lo", group "root" and programs under /bin/. */
static const struct conf_sys fake = {
	.ifindex = conftest_ifindex,
	.gid = conftest_gid,
	.read_key = fake_read_key,
	.check_exec = conftest_check_exec,
};

/* @text with every @NAME@ placeholder replaced, into @out. */
static void expand(char *out, size_t len, const char *text)
{
	static const struct textsub sub[] = {
		{ "@KEY@", key_good },	      { "@SAME@", key_same }, { "@SHORT@", key_short },
		{ "@REFUSED@", key_refused }, { "@NONE@", key_none }, { "@CONF@", CONF_NAME },
	};

	assert_int_equal(textsub_expand(out, len, text, sub, sizeof(sub) / sizeof(sub[0])), 0);
}

/* Parse @text (placeholders expanded) as file CONF_NAME with the fake system. */
static int load(const char *text, struct conf *c, char *err, size_t err_len)
{
	static char buf[65536];

	expand(buf, sizeof(buf), text);
	return conftest_parse(CONF_NAME, buf, strlen(buf), &fake, c, err, err_len);
}

/* conftest_load_error_is() with this file's loader: a row that fails is printed. */
static bool load_error_is(const char *name, const char *text, const char *want)
{
	return conftest_load_error_is(load, expand, name, text, want);
}

static void assert_load_error(const char *text, const char *want)
{
	assert_true(load_error_is("error", text, want));
}

static void test_defaults(void **state)
{
	struct conf c;
	char err[512];
	const struct conf_group *g;

	(void)state;
	assert_int_equal(load(HEAD GROUP(""), &c, err, sizeof(err)), 0);
	assert_string_equal(c.node_name, "pbx-a");
	assert_string_equal(c.interface, "lo");
	assert_int_equal(c.priority, VIPD_DEF_PRIORITY);
	assert_string_equal(c.control_socket, VIPD_CONTROL_SOCKET);
	assert_string_equal(c.state_dir, VIPD_STATE_DIR);
	assert_string_equal(c.control_group, "");
	assert_int_equal(c.control_gid, (gid_t)-1);
	assert_string_equal(c.path, CONF_NAME);
	assert_int_equal(c.n_groups, 1);

	g = &c.groups[0];
	assert_int_equal(g->id, 1);
	assert_int_equal(g->line, 6);
	assert_string_equal(g->interface, "lo");
	assert_int_equal(g->ifindex, CONFTEST_LO_INDEX);
	assert_string_equal(g->label, "lo:vip");
	assert_int_equal(g->priority, VIPD_DEF_PRIORITY);
	assert_int_equal(g->n_vips, 1);
	assert_int_equal(g->vips[0].family, AF_INET);
	assert_memory_equal(g->vips[0].addr, "\xc0\x00\x02\x64", 4);
	assert_int_equal(g->vips[0].prefix_len, 24);
	assert_string_equal(g->vips[0].text, "192.0.2.100/24");
	assert_int_equal(g->interval_ms, VIPD_DEF_INTERVAL_MS);
	assert_int_equal(g->misses, VIPD_DEF_MISSES);
	assert_int_equal(g->rise, VIPD_DEF_RISE);
	assert_false(g->preempt);
	assert_int_equal(g->preempt_delay_ms, VIPD_DEF_PREEMPT_DELAY_MS);
	assert_int_equal(g->mcast.s_addr, inet_addr(VIPD_DEF_MCAST));
	assert_int_equal(g->port, VIPD_DEF_PORT);
	assert_string_equal(g->key_file, key_good);
	assert_int_equal(g->key_len, strlen(KEY_TEXT));
	assert_memory_equal(g->key, KEY_TEXT, strlen(KEY_TEXT));
	assert_int_equal(g->garp_count, VIPD_DEF_GARP_COUNT);
	assert_int_equal(g->garp_interval_ms, VIPD_DEF_GARP_INTERVAL_MS);
	assert_int_equal(g->garp_refresh_ms, VIPD_DEF_GARP_REFRESH_MS);
	conf_free(&c);
	assert_null(c.groups);
}

/* Every key set, two groups sharing one key, IPv6 canonicalized, 32-bit id. */
static const char full_text[] =
	"node: { name = \"pbx-b\"; interface = \"lo\"; priority = 90; };\n"
	"control_socket = \"/tmp/vipd.sock\";\n"
	"control_group = \"root\";\n"
	"state_dir = \"/tmp/vipd-state\";\n"
	"groups: (\n"
	"  { id = 4294967295L; interface = \"lo\"; label = \"lo:sip\"; priority = 255;\n"
	"    vips = [ \"192.0.2.100/24\", \"2001:DB8:0:0::0100/64\" ];\n"
	"    interval_ms = 50; misses = 4; rise = 1; preempt = true; preempt_delay_ms = 0;\n"
	"    multicast = \"224.0.0.18\"; port = 65535; key_file = \"@KEY@\";\n"
	"    garp_count = 100; garp_interval_ms = 0; garp_refresh_ms = 0; },\n"
	"  { id = 7; label = \"\"; vips = ( \"192.0.2.101/32\" ); key_file = \"@KEY@\";\n"
	"    garp_refresh_ms = 1000; }\n"
	");\n";

static void test_full(void **state)
{
	struct conf c;
	char err[512];
	const struct conf_group *g;

	(void)state;
	assert_int_equal(load(full_text, &c, err, sizeof(err)), 0);
	assert_string_equal(c.node_name, "pbx-b");
	assert_int_equal(c.priority, 90);
	assert_string_equal(c.control_socket, "/tmp/vipd.sock");
	assert_string_equal(c.control_group, "root");
	assert_int_equal(c.control_gid, 0);
	assert_string_equal(c.state_dir, "/tmp/vipd-state");
	assert_int_equal(c.n_groups, 2);

	g = &c.groups[0];
	assert_int_equal(g->id, UINT32_MAX);
	assert_int_equal(g->line, 6);
	assert_string_equal(g->label, "lo:sip");
	assert_int_equal(g->priority, 255);
	assert_int_equal(g->n_vips, 2);
	assert_int_equal(g->vips[1].family, AF_INET6);
	assert_int_equal(g->vips[1].prefix_len, 64);
	assert_string_equal(g->vips[1].text, "2001:db8::100/64");
	assert_int_equal(g->interval_ms, 50);
	assert_int_equal(g->misses, 4);
	assert_int_equal(g->rise, 1);
	assert_true(g->preempt);
	assert_int_equal(g->preempt_delay_ms, 0);
	assert_int_equal(g->mcast.s_addr, inet_addr("224.0.0.18"));
	assert_int_equal(g->port, 65535);
	assert_int_equal(g->garp_count, 100);
	assert_int_equal(g->garp_interval_ms, 0);
	assert_int_equal(g->garp_refresh_ms, 0);

	g = &c.groups[1];
	assert_int_equal(g->id, 7);
	assert_int_equal(g->line, 11);
	assert_string_equal(g->label, "");
	assert_int_equal(g->priority, 90); /* the node's */
	assert_string_equal(g->vips[0].text, "192.0.2.101/32");
	assert_int_equal(g->key_len, strlen(KEY_TEXT));
	assert_int_equal(g->garp_refresh_ms, 1000);
	conf_free(&c);
}

/*
 * IPv6 heartbeats, sync sets (the lowest id leads, wherever it is listed)
 * and virtual MACs: 00:00:5e:00:01:ID with an IPv4 VIP, :02:ID for IPv6 only.
 */
static const char sets_text[] =
	"node: { name = \"pbx-a\"; interface = \"lo\"; };\n"
	"groups: (\n"
	"  { id = 9; vips = [ \"192.0.2.9/24\" ]; sync_group = \"sip\"; key_file = \"@KEY@\";\n"
	"    multicast = \"FF02::1:5800\"; },\n"
	"  { id = 3; vips = [ \"192.0.2.3/24\", \"2001:db8::3/64\" ]; sync_group = \"sip\";\n"
	"    vmac = true; key_file = \"@KEY@\"; },\n"
	"  { id = 260; vips = [ \"2001:db8::4/64\" ]; vmac = true; sync_group = \"web.1\";\n"
	"    key_file = \"@KEY@\"; },\n"
	"  { id = 5; vips = [ \"192.0.2.5/24\" ]; key_file = \"@KEY@\"; sync_group = \"\"; }\n"
	");\n";

static void test_sets(void **state)
{
	static const struct in6_addr grp6 = { .s6_addr = { 0xff, 0x02, [13] = 0x01, [14] = 0x58 } };
	struct conf c;
	char err[512];
	const struct conf_group *g;

	(void)state;
	assert_int_equal(load(sets_text, &c, err, sizeof(err)), 0);
	g = &c.groups[0];
	assert_int_equal(g->mcast_family, AF_INET6);
	assert_memory_equal(&g->mcast6, &grp6, 16);
	assert_string_equal(g->sync_group, "sip");
	assert_int_equal(g->sync_leader, 3);
	assert_false(g->vmac);
	assert_string_equal(g->label, "lo:vip");

	g = &c.groups[1];
	assert_int_equal(g->mcast_family, AF_INET);
	assert_int_equal(g->sync_leader, 3);
	assert_true(g->vmac);
	assert_string_equal(g->label, "");
	assert_string_equal(g->vmac_ifname, "vip3");
	assert_memory_equal(g->vmac_mac, "\x00\x00\x5e\x00\x01\x03", 6);

	g = &c.groups[2];
	assert_int_equal(g->sync_leader, 260); /* alone in its set: its own leader */
	assert_string_equal(g->vmac_ifname, "vip260");
	assert_memory_equal(g->vmac_mac, "\x00\x00\x5e\x00\x02\x04", 6);

	g = &c.groups[3];
	assert_string_equal(g->sync_group, "");
	assert_int_equal(g->sync_leader, 0);
	assert_false(g->vmac);

	/* The printout loads back to the same groups. */
	{
		char *out = NULL;
		size_t out_len = 0;
		FILE *f = open_memstream(&out, &out_len);
		struct conf b;

		assert_non_null(f);
		conf_print(&c, f);
		assert_int_equal(fclose(f), 0);
		assert_non_null(strstr(out, "multicast = \"ff02::1:5800\";"));
		assert_non_null(strstr(out, "# the VIPs live on vip3, MAC 00:00:5e:00:01:03"));
		assert_non_null(strstr(out, "# follows group 3, the sync set's leader"));
		assert_int_equal(load(out, &b, err, sizeof(err)), 0);
		free(out);
		assert_int_equal(b.n_groups, c.n_groups);
		for (size_t i = 0; i < c.n_groups; i++) {
			b.groups[i].line = c.groups[i].line;
			assert_memory_equal(&c.groups[i], &b.groups[i], sizeof(c.groups[i]));
		}
		conf_free(&b);
	}
	conf_free(&c);
}

/*
 * An interface that does not exist (yet) is a warning, not an error: the
 * daemon follows it by name. Each missing name is reported once, with its
 * line, and the group's index is 0. (The fake system knows only "lo";
 * test_conf_sys asks the real one.)
 */
static void test_missing_interface_warns(void **state)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		{ "node: {\n\tname = \"a\";\n\tinterface = \"vipdnosuch9\";\n};\n" GROUP(""),
		  ":3: node.interface: no such interface \"vipdnosuch9\" now; its groups stay "
		  "FAULT "
		  "until it appears" },
		{ HEAD GROUP("\t\tinterface = \"vipdnosuch9\";\n"),
		  ":10: groups[0].interface: no such interface \"vipdnosuch9\" now; its groups "
		  "stay "
		  "FAULT until it appears" },
		{ HEAD GROUP("\t\tinterface2 = \"vipdnosuch8\";\n"),
		  ":10: groups[0].interface2: no such interface \"vipdnosuch8\" now; this path is "
		  "unused until it appears" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct conf c;
		char err[512];
		const char *w;

		assert_int_equal(load(rows[i].text, &c, err, sizeof(err)), 0);
		assert_int_equal(c.n_warnings, 1);
		w = strchr(c.warnings[0], ':');
		assert_non_null(w);
		assert_string_equal(w, rows[i].want);
		assert_int_equal(c.groups[0].ifindex == 0, i < 2);
		assert_int_equal(c.groups[0].ifindex2, 0);
		conf_free(&c);
	}
}

/* No node.interface is fine when every group names its own. */
static void test_group_interface_only(void **state)
{
	struct conf c;
	char err[512];

	(void)state;
	assert_int_equal(load("node: { name = \"a\"; };\n" GROUP("\t\tinterface = \"lo\";\n"), &c,
			      err, sizeof(err)),
			 0);
	assert_string_equal(c.interface, "");
	assert_string_equal(c.groups[0].interface, "lo");
	assert_int_equal(c.groups[0].ifindex, CONFTEST_LO_INDEX);
	conf_free(&c);
}

/* conf_print() shows every value but never the key, and loads back the same. */
static void test_print_round_trip(void **state)
{
	struct conf a, b;
	char err[512], *out = NULL;
	size_t out_len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(full_text, &a, err, sizeof(err)), 0);
	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	conf_print(&a, f);
	assert_int_equal(fclose(f), 0);
	assert_null(strstr(out, "0123456789"));
	assert_non_null(strstr(out, "id = 4294967295L;"));
	assert_non_null(strstr(out, "\"2001:db8::100/64\""));
	assert_non_null(strstr(out, "32 bytes"));

	assert_int_equal(load(out, &b, err, sizeof(err)), 0);
	free(out);
	assert_string_equal(a.node_name, b.node_name);
	assert_string_equal(a.interface, b.interface);
	assert_int_equal(a.priority, b.priority);
	assert_string_equal(a.control_socket, b.control_socket);
	assert_string_equal(a.state_dir, b.state_dir);
	assert_int_equal(a.n_groups, b.n_groups);
	for (size_t i = 0; i < a.n_groups; i++) {
		b.groups[i].line = a.groups[i].line; /* the printout has its own layout */
		assert_memory_equal(&a.groups[i], &b.groups[i], sizeof(a.groups[i]));
	}
	conf_free(&a);
	conf_free(&b);
}

/* One trailing "\n" or "\r\n" is not part of the key; anything else is. */
static void test_key_content(void **state)
{
	static const struct {
		const char *data;
		size_t len, key_len;
	} keys[] = {
		{ KEY_TEXT, 32, 32 },
		{ KEY_TEXT "\r\n", 34, 32 },
		{ KEY_TEXT "\n\n", 34, 33 },
		{ KEY_TEXT "\r", 33, 33 },
		{ "0123456789abcdef\n", 17, 16 },
	};
	char text[512], err[512];
	struct conf c;

	(void)state;
	snprintf(text, sizeof(text), HEAD GROUP_VK("\"192.0.2.1/24\"", "%s", ""), key_var);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memcpy(var_data, keys[i].data, keys[i].len);
		var_len = keys[i].len;
		assert_int_equal(load(text, &c, err, sizeof(err)), 0);
		assert_int_equal(c.groups[0].key_len, keys[i].key_len);
		assert_memory_equal(c.groups[0].key, keys[i].data, keys[i].key_len);
		conf_free(&c);
	}
}

/* 256 bytes is the longest key, 257 is refused. */
static void test_key_max(void **state)
{
	char text[512], want[512], err[512];
	struct conf c;

	(void)state;
	snprintf(text, sizeof(text), HEAD GROUP_VK("\"192.0.2.1/24\"", "%s", ""), key_var);
	memset(var_data, 'k', VIPD_KEY_MAX + 2);
	var_data[VIPD_KEY_MAX] = '\n';
	var_len = VIPD_KEY_MAX + 1;
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.groups[0].key_len, VIPD_KEY_MAX);
	conf_free(&c);

	var_len = VIPD_KEY_MAX + 2; /* 256 'k', "\n", 'k' */
	snprintf(want, sizeof(want), ":9: groups[0].key_file: key in %s is longer than %d bytes",
		 key_var, VIPD_KEY_MAX);
	assert_load_error(text, want);
}

/* A relative key_file is looked up next to the config file, not in the cwd. */
static void test_key_relative(void **state)
{
	char err[512];
	struct conf c;

	(void)state;
	assert_int_equal(
		load(HEAD GROUP_VK("\"192.0.2.1/24\"", "good.key", ""), &c, err, sizeof(err)), 0);
	assert_string_equal(c.groups[0].key_file, key_good);
	assert_int_equal(c.groups[0].key_len, strlen(KEY_TEXT));
	conf_free(&c);
}

/* A message that does not fit is cut, still NUL-terminated. */
static void test_small_error_buffer(void **state)
{
	char err[8];
	struct conf c;

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(load(HEAD GROUP("\t\tport = 0;\n"), &c, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, CONF_NAME, sizeof(err) - 1);
}

/* VIPD_MAX_VIPS addresses are fine, one more is not. */
static void test_too_many_vips(void **state)
{
	char vips[2048] = "", text[4096], want[128], err[512];
	struct conf c;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < VIPD_MAX_VIPS; i++)
		n += (size_t)snprintf(vips + n, sizeof(vips) - n, "%s\"192.0.2.%d/24\"",
				      i ? ", " : "", i + 1);
	snprintf(text, sizeof(text), HEAD GROUP_VK("%s", "@KEY@", ""), vips);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.groups[0].n_vips, VIPD_MAX_VIPS);
	conf_free(&c);

	snprintf(vips + n, sizeof(vips) - n, ", \"192.0.2.200/24\"");
	snprintf(text, sizeof(text), HEAD GROUP_VK("%s", "@KEY@", ""), vips);
	snprintf(want, sizeof(want), ":8: groups[0].vips: %d addresses, 1..%d allowed",
		 VIPD_MAX_VIPS + 1, VIPD_MAX_VIPS);
	assert_load_error(text, want);
}

/* Hook and check commands: argv kept verbatim, defaults, printed back the same. */
static void test_commands(void **state)
{
	static const char *const want[] = { "/bin/true",  "a b", "$(touch /x)",
					    "it's \"q\"", "",	 NULL };
	struct conf a, b;
	char err[512], *out = NULL;
	size_t out_len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(HEAD GROUP("\t\tnotify_master = [ \"/bin/true\", \"a b\", "
					 "\"$(touch /x)\", \"it's \\\"q\\\"\", \"\" ];\n"
					 "\t\tnotify = [ \"/bin/true\" ];\n"
					 "\t\tcheck_script = [ \"/bin/false\", \"--sip\" ];\n"
					 "\t\tcheck_weight = 20;\n"),
			      &a, err, sizeof(err)),
			 0);
	for (size_t i = 0; want[i]; i++)
		assert_string_equal(a.groups[0].notify[CONF_NOTIFY_MASTER][i], want[i]);
	assert_null(a.groups[0].notify[CONF_NOTIFY_MASTER][5]);
	assert_string_equal(a.groups[0].notify[CONF_NOTIFY_ANY][0], "/bin/true");
	assert_null(a.groups[0].notify[CONF_NOTIFY_ANY][1]);
	assert_null(a.groups[0].notify[CONF_NOTIFY_BACKUP]);
	assert_null(a.groups[0].notify[CONF_NOTIFY_MASTER_AGAIN]);
	assert_int_equal(a.groups[0].hook_timeout_ms, VIPD_DEF_HOOK_TIMEOUT_MS);
	assert_string_equal(a.groups[0].check_script[1], "--sip");
	assert_int_equal(a.groups[0].check_interval_ms, VIPD_DEF_CHECK_INTERVAL_MS);
	assert_int_equal(a.groups[0].check_timeout_ms, VIPD_DEF_CHECK_TIMEOUT_MS);
	assert_int_equal(a.groups[0].check_rise, VIPD_DEF_CHECK_RISE);
	assert_int_equal(a.groups[0].check_fall, VIPD_DEF_CHECK_FALL);
	assert_int_equal(a.groups[0].check_weight, 20);

	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	conf_print(&a, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(load(out, &b, err, sizeof(err)), 0);
	free(out);
	for (int k = 0; k < CONF_NOTIFY_COUNT; k++) {
		char **x = a.groups[0].notify[k], **y = b.groups[0].notify[k];

		assert_true((x == NULL) == (y == NULL));
		for (size_t i = 0; x && (x[i] || y[i]); i++)
			assert_string_equal(x[i], y[i]);
	}
	assert_string_equal(b.groups[0].check_script[0], "/bin/false");
	assert_int_equal(b.groups[0].check_weight, 20);
	conf_free(&a);
	conf_free(&b);
}

/* VIPD_MAX_GROUPS groups are fine, one more is not. */
static void test_too_many_groups(void **state)
{
	static char text[65536];
	char want[128], err[512];
	struct conf c;
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), HEAD "groups: (\n");
	for (int i = 1; i <= VIPD_MAX_GROUPS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s{ id = %d; vips = [ \"10.%d.0.1/16\" ]; "
				      "key_file = \"@KEY@\"; }\n",
				      i > 1 ? "," : "", i, i);
	snprintf(text + n, sizeof(text) - n, ");\n");
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_groups, VIPD_MAX_GROUPS);
	assert_int_equal(c.groups[VIPD_MAX_GROUPS - 1].id, VIPD_MAX_GROUPS);
	conf_free(&c);

	snprintf(text + n, sizeof(text) - n,
		 ",{ id = 999; vips = [ \"192.0.2.1/24\" ]; key_file = \"@KEY@\"; }\n);\n");
	snprintf(want, sizeof(want), ":5: groups: %d groups, at most %d allowed",
		 VIPD_MAX_GROUPS + 1, VIPD_MAX_GROUPS);
	assert_load_error(text, want);
}

/* One bad file and the exact line it must produce (after "PATH"). */
struct bad_case {
	const char *name;
	const char *text;
	const char *want;
};

static const struct bad_case errors[] = {
	{ "syntax error", HEAD "groups: ( { id = ; } );\n", ":5: syntax error" },
	{ "duplicate key", HEAD "node: { name = \"b\"; };\n",
	  ":5: syntax error: duplicate setting name" },
	{ "unknown top-level key", HEAD GROUP("") "colour = \"blue\";\n",
	  ":12: unknown key \"colour\"" },
	{ "unknown node key suggests", "node: {\n\tname = \"pbx-a\";\n\tinterfce = \"lo\";\n};\n",
	  ":3: node: unknown key \"interfce\" (did you mean \"interface\"?)" },
	{ "unknown group key suggests", HEAD GROUP("\t\tprioirty = 10;\n"),
	  ":10: groups[0]: unknown key \"prioirty\" (did you mean \"priority\"?)" },
	{ "unknown group key", HEAD GROUP("\t\twobble = \"192.0.2.2\";\n"),
	  ":10: groups[0]: unknown key \"wobble\"" },
	{ "group priority out of range", HEAD GROUP("\t\tpriority = 300;\n"),
	  ":10: groups[0].priority: 300 is out of range 1..255" },
	{ "node priority out of range",
	  "node: {\n\tname = \"a\";\n\tinterface = \"lo\";\n\tpriority = 0;\n};\n" GROUP(""),
	  ":4: node.priority: 0 is out of range 1..255" },
	{ "interface name too long", HEAD GROUP("\t\tinterface = \"abcdefghijklmnop\";\n"),
	  ":10: groups[0].interface: \"abcdefghijklmnop\" is not an interface name "
	  "(1..15 characters)" },
	{ "node.interface missing", "node: {\n\tname = \"a\";\n};\n" GROUP(""),
	  ":1: node.interface: required key is missing (groups[0] sets no interface)" },
	{ "duplicate group id",
	  HEAD "groups: (\n{\n id = 1;\n vips = [ \"192.0.2.1/24\" ];\n"
	       " key_file = \"@KEY@\";\n},\n{\n id = 1;\n vips = [ \"192.0.2.2/24\" ];\n"
	       " key_file = \"@KEY@\";\n} );\n",
	  ":12: groups[1].id: duplicate group id 1 (first at line 7)" },
	{ "group id zero", HEAD "groups: ( { id = 0; } );\n",
	  ":5: groups[0].id: 0 is out of range 1..4294967295" },
	{ "group id above 2^31 without L", HEAD "groups: ( { id = 4294967295; } );\n",
	  ":5: groups[0].id: -1 is out of range 1..4294967295 (write values above 2147483647 "
	  "with an L suffix, e.g. 4294967295L)" },
	{ "group id above 2^32", HEAD "groups: ( { id = 4294967296L; } );\n",
	  ":5: groups[0].id: 4294967296 is out of range 1..4294967295" },
	{ "group id missing", HEAD "groups: (\n{ vips = [ \"192.0.2.1/24\" ]; } );\n",
	  ":6: groups[0].id: required key is missing" },
	{ "bad address", HEAD GROUP_VK("\"192.0.2.100/24\", \"192.0.2.300/24\"", "@KEY@", ""),
	  ":8: groups[0].vips[1]: \"192.0.2.300/24\" is not an ADDRESS/PREFIX" },
	{ "prefix missing", HEAD GROUP_VK("\"192.0.2.100\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"192.0.2.100\" is not an ADDRESS/PREFIX" },
	{ "prefix not a number", HEAD GROUP_VK("\"192.0.2.100/2x\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"192.0.2.100/2x\" is not an ADDRESS/PREFIX" },
	{ "IPv4 prefix out of range", HEAD GROUP_VK("\"192.0.2.100/33\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"192.0.2.100/33\" has prefix length 33, not 1..32" },
	{ "IPv6 prefix out of range", HEAD GROUP_VK("\"2001:db8::1/129\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"2001:db8::1/129\" has prefix length 129, not 1..128" },
	{ "prefix zero", HEAD GROUP_VK("\"2001:db8::1/0\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"2001:db8::1/0\" has prefix length 0, not 1..128" },
	{ "multicast VIP", HEAD GROUP_VK("\"239.1.1.1/24\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"239.1.1.1/24\" is not a unicast address" },
	{ "unspecified VIP", HEAD GROUP_VK("\"::/64\"", "@KEY@", ""),
	  ":8: groups[0].vips[0]: \"::/64\" is not a unicast address" },
	{ "VIP not a string", HEAD GROUP_VK("3", "@KEY@", ""),
	  ":8: groups[0].vips[0]: expected a string \"ADDRESS/PREFIX\"" },
	{ "vips not a list", HEAD "groups: ( { id = 1;\nvips = \"192.0.2.1/24\"; } );\n",
	  ":6: groups[0].vips: expected a list [ \"...\", ... ] of strings" },
	{ "vips empty", HEAD GROUP_VK("", "@KEY@", ""),
	  ":8: groups[0].vips: 0 addresses, 1..16 allowed" },
	{ "duplicate VIP in a group",
	  HEAD GROUP_VK("\"2001:db8::1/64\", \"2001:DB8:0::1/128\"", "@KEY@", ""),
	  ":8: groups[0].vips[1]: duplicate address \"2001:DB8:0::1/128\" (first at line 8)" },
	{ "duplicate VIP across groups",
	  HEAD "groups: (\n{ id = 1;\n vips = [ \"192.0.2.1/24\" ];\n"
	       " key_file = \"@KEY@\"; },\n{ id = 2;\n vips = [ \"192.0.2.2/24\",\n"
	       " \"192.0.2.1/24\" ]; key_file = \"@KEY@\"; } );\n",
	  ":11: groups[1].vips[1]: duplicate address \"192.0.2.1/24\" (first at line 7)" },
	{ "string for an integer", HEAD GROUP("\t\tinterval_ms = \"200\";\n"),
	  ":10: groups[0].interval_ms: expected an integer" },
	{ "float for an integer", HEAD GROUP("\t\tmisses = 3.0;\n"),
	  ":10: groups[0].misses: expected an integer" },
	{ "string for a boolean", HEAD GROUP("\t\tpreempt = \"yes\";\n"),
	  ":10: groups[0].preempt: expected true or false" },
	{ "integer for a string", "node: {\n\tname = \"a\";\n\tinterface = 5;\n};\n",
	  ":3: node.interface: expected a string" },
	{ "interval too short", HEAD GROUP("\t\tinterval_ms = 5;\n"),
	  ":10: groups[0].interval_ms: 5 is out of range 10..10000" },
	{ "misses too many", HEAD GROUP("\t\tmisses = 101;\n"),
	  ":10: groups[0].misses: 101 is out of range 1..100" },
	{ "rise zero", HEAD GROUP("\t\trise = 0;\n"),
	  ":10: groups[0].rise: 0 is out of range 1..100" },
	{ "preempt delay too long", HEAD GROUP("\t\tpreempt_delay_ms = 3600001;\n"),
	  ":10: groups[0].preempt_delay_ms: 3600001 is out of range 0..3600000" },
	{ "garp count too many", HEAD GROUP("\t\tgarp_count = 101;\n"),
	  ":10: groups[0].garp_count: 101 is out of range 0..100" },
	{ "garp interval too long", HEAD GROUP("\t\tgarp_interval_ms = 10001;\n"),
	  ":10: groups[0].garp_interval_ms: 10001 is out of range 0..10000" },
	{ "garp refresh too short", HEAD GROUP("\t\tgarp_refresh_ms = 500;\n"),
	  ":10: groups[0].garp_refresh_ms: 500 is out of range (0 = off, or 1000..3600000)" },
	{ "port zero", HEAD GROUP("\t\tport = 0;\n"),
	  ":10: groups[0].port: 0 is out of range 1..65535" },
	{ "port too big", HEAD GROUP("\t\tport = 65536;\n"),
	  ":10: groups[0].port: 65536 is out of range 1..65535" },
	{ "unicast heartbeat group", HEAD GROUP("\t\tmulticast = \"192.0.2.9\";\n"),
	  ":10: groups[0].multicast: \"192.0.2.9\" is not a multicast address (IPv4 "
	  "224.0.0.0/4, or IPv6 ff02::/16)" },
	{ "IPv6 heartbeat group of site scope", HEAD GROUP("\t\tmulticast = \"ff05::12\";\n"),
	  ":10: groups[0].multicast: \"ff05::12\" must be an IPv6 multicast address of "
	  "link-local scope (ff02::/16)" },
	{ "IPv6 unicast heartbeat group", HEAD GROUP("\t\tmulticast = \"2001:db8::9\";\n"),
	  ":10: groups[0].multicast: \"2001:db8::9\" must be an IPv6 multicast address of "
	  "link-local scope (ff02::/16)" },
	{ "sync_group not a name", HEAD GROUP("\t\tsync_group = \"sip/media\";\n"),
	  ":10: groups[0].sync_group: \"sip/media\" must be 1..31 letters, digits, '-', '_' "
	  "or '.'" },
	{ "vmac not a boolean", HEAD GROUP("\t\tvmac = 1;\n"),
	  ":10: groups[0].vmac: expected true or false" },
	{ "vmac with a label", HEAD GROUP("\t\tlabel = \"lo:x\";\n\t\tvmac = true;\n"),
	  ":10: groups[0].label: not used with vmac = true (the VIPs live on vip1)" },
	{ "vmac MACs collide",
	  HEAD "groups: (\n{ id = 2; vips = [ \"192.0.2.1/24\" ]; vmac = true;"
	       " key_file = \"@KEY@\"; },\n{ id = 514; vips = [ \"192.0.2.2/24\" ];\n vmac = true;"
	       " key_file = \"@KEY@\"; } );\n",
	  ":8: groups[1].vmac: virtual MAC 00:00:5e:00:01:02 is taken by group 2 (line 6): the "
	  "ids of vmac groups must differ in their low byte (id & 0xff)" },
	{ "label of another interface", HEAD GROUP("\t\tlabel = \"eth0:vip\";\n"),
	  ":10: groups[0].label: \"eth0:vip\" must be \"lo:\" followed by 1..12 printable "
	  "characters, or \"\" for no label" },
	{ "label too long", HEAD GROUP("\t\tlabel = \"lo:abcdefghijklm\";\n"),
	  ":10: groups[0].label: \"lo:abcdefghijklm\" must be \"lo:\" followed by 1..12 "
	  "printable characters, or \"\" for no label" },
	{ "key too short", HEAD GROUP_VK("\"192.0.2.1/24\"", "@SHORT@", ""),
	  ":9: groups[0].key_file: key in @SHORT@ is 9 bytes, at least 16 needed" },
	{ "key_file missing", HEAD "groups: (\n{ id = 1;\n vips = [ \"192.0.2.1/24\" ]; } );\n",
	  ":6: groups[0].key_file: required key is missing" },
	{ "node name with a space", "node: {\n\tname = \"pbx a\";\n};\n",
	  ":2: node.name: \"pbx a\" must be 1..31 printable ASCII characters without spaces" },
	{ "node name with a newline", "node: {\n\tname = \"pbx\\n\";\n};\n",
	  ":2: node.name: \"pbx\\x0a\" must be 1..31 printable ASCII characters without spaces" },
	{ "node name too long", "node: {\n\tname = \"abcdefghijklmnopqrstuvwxyz012345\";\n};\n",
	  ":2: node.name: \"abcdefghijklmnopqrstuvwxyz012345\" must be 1..31 printable ASCII "
	  "characters without spaces" },
	{ "node name missing", "node: {\n\tinterface = \"lo\";\n};\n",
	  ":1: node.name: required key is missing" },
	{ "node missing", GROUP(""), ": node: required key is missing" },
	{ "node not a group", "node = \"pbx-a\";\n", ":1: node: expected a group { ... }" },
	{ "groups missing", HEAD, ": groups: required key is missing" },
	{ "groups empty", HEAD "groups: ( );\n", ":5: groups: at least one group is required" },
	{ "groups an array", HEAD "groups = [ ];\n",
	  ":5: groups: expected a list ( { ... }, ... )" },
	{ "group not a group", HEAD "groups: ( 1 );\n", ":5: groups[0]: expected a group { ... }" },
	{ "control socket relative", HEAD GROUP("") "control_socket = \"vipd.sock\";\n",
	  ":12: control_socket: \"vipd.sock\" is not an absolute path" },
	{ "control socket too long",
	  HEAD GROUP("") "control_socket = \"/"
			 "0123456789012345678901234567890123456789012345678901234567890123456789"
			 "0123456789012345678901234567890123456789\";\n",
	  ":12: control_socket: path is longer than 107 bytes" },
	{ "state dir relative", HEAD GROUP("") "state_dir = \"var/lib/vipd\";\n",
	  ":12: state_dir: \"var/lib/vipd\" is not an absolute path" },
	{ "control group unknown", HEAD GROUP("") "control_group = \"no-such-grp\";\n",
	  ":12: control_group: no such group \"no-such-grp\"" },
	{ "control group wrong type", HEAD GROUP("") "control_group = 5;\n",
	  ":12: control_group: expected a string" },

	/* Commands. */
	{ "command not absolute", HEAD GROUP("\t\tnotify = [ \"true\" ];\n"),
	  ":10: groups[0].notify[0]: \"true\" is not an absolute path" },
	{ "command refused by the system", HEAD GROUP("\t\tnotify_fault = [ \"/bad/prog\" ];\n"),
	  ":10: groups[0].notify_fault[0]: \"/bad/prog\" is refused by the fake system" },
	{ "command element not a string", HEAD GROUP("\t\tnotify = ( \"/bin/true\", 5 );\n"),
	  ":10: groups[0].notify[1]: expected a string" },
	{ "command a string", HEAD GROUP("\t\tnotify = \"/bin/true --now\";\n"),
	  ":10: groups[0].notify: expected a list [ \"...\", ... ] of strings" },
	{ "command empty", HEAD GROUP("\t\tnotify_backup = [ ];\n"),
	  ":10: groups[0].notify_backup: 0 strings, 1..32 allowed (the program and its "
	  "arguments)" },
	{ "command of 33 strings",
	  HEAD GROUP("\t\tnotify = [ \"/bin/true\", \"1\", \"2\", \"3\", \"4\", \"5\", \"6\", "
		     "\"7\", \"8\", \"9\", \"10\", \"11\", \"12\", \"13\", \"14\", \"15\", \"16\", "
		     "\"17\", \"18\", \"19\", \"20\", \"21\", \"22\", \"23\", \"24\", \"25\", "
		     "\"26\", \"27\", \"28\", \"29\", \"30\", \"31\", \"32\" ];\n"),
	  ":10: groups[0].notify: 33 strings, 1..32 allowed (the program and its arguments)" },
	{ "hook timeout too short", HEAD GROUP("\t\thook_timeout_ms = 5;\n"),
	  ":10: groups[0].hook_timeout_ms: 5 is out of range 10..3600000" },
	{ "check setting without check_script", HEAD GROUP("\t\tcheck_fall = 3;\n"),
	  ":10: groups[0].check_fall: has no effect without check_script" },
	{ "check weight out of range",
	  HEAD GROUP("\t\tcheck_script = [ \"/bin/true\" ];\n\t\tcheck_weight = 255;\n"),
	  ":11: groups[0].check_weight: 255 is out of range 0..254" },
	{ "fence timeout without fence_command", HEAD GROUP("\t\tfence_timeout_ms = 100;\n"),
	  ":10: groups[0].fence_timeout_ms: has no effect without fence_command" },
	{ "calls interval without calls_command", HEAD GROUP("\t\tcalls_interval_ms = 1000;\n"),
	  ":10: groups[0].calls_interval_ms: has no effect without calls_command" },
	/* The SIP check. */
	{ "sip_check a number", HEAD GROUP("\t\tsip_check = 5;\n"),
	  ":10: groups[0].sip_check: expected true or a string \"[sip:]HOST[:PORT]\"" },
	{ "sip_check a name", HEAD GROUP("\t\tsip_check = \"sip:pbx.example:5060\";\n"),
	  ":10: groups[0].sip_check: \"sip:pbx.example:5060\": not an IP address (names are not "
	  "looked up)" },
	{ "sip_check port zero", HEAD GROUP("\t\tsip_check = \"127.0.0.1:0\";\n"),
	  ":10: groups[0].sip_check: \"127.0.0.1:0\": port must be 1..65535" },
	{ "sip_check IPv6 unclosed", HEAD GROUP("\t\tsip_check = \"[::1\";\n"),
	  ":10: groups[0].sip_check: \"[::1\": expected [IPv6] or [IPv6]:PORT" },
	{ "sip setting without sip_check", HEAD GROUP("\t\tsip_check_rise = 2;\n"),
	  ":10: groups[0].sip_check_rise: has no effect without sip_check" },
	{ "sip timeout not below interval",
	  HEAD GROUP("\t\tsip_check = true;\n\t\tsip_check_interval_ms = 2000;\n"
		     "\t\tsip_check_timeout_ms = 2000;\n"),
	  ":12: groups[0].sip_check_timeout_ms: 2000 must be less than sip_check_interval_ms "
	  "(2000)" },
	{ "sip transport unknown",
	  HEAD GROUP("\t\tsip_check = true;\n\t\tsip_check_transport = \"tls\";\n"),
	  ":11: groups[0].sip_check_transport: \"tls\": expected \"udp\" or \"tcp\"" },
	{ "sip transport without sip_check", HEAD GROUP("\t\tsip_check_transport = \"tcp\";\n"),
	  ":10: groups[0].sip_check_transport: has no effect without sip_check" },
	{ "sip codes a list", HEAD GROUP("\t\tsip_check = true;\n\t\tsip_check_codes = ( 200 );\n"),
	  ":11: groups[0].sip_check_codes: expected an array [ 200, 404, ... ] of response codes" },
	{ "sip code provisional",
	  HEAD GROUP("\t\tsip_check = true;\n\t\tsip_check_codes = [ 200, 180 ];\n"),
	  ":11: groups[0].sip_check_codes: 180 is not a final response code (200..699)" },
	/* Peers, upstream targets, the second path. */
	{ "peer not an address", HEAD GROUP("\t\tpeers = [ \"pbx-b\" ];\n"),
	  ":10: groups[0].peers[0]: \"pbx-b\" is not an IPv4 or IPv6 address" },
	{ "peer multicast", HEAD GROUP("\t\tpeers = [ \"ff02::12\" ];\n"),
	  ":10: groups[0].peers[0]: \"ff02::12\" is not an IPv6 unicast address" },
	{ "peer link-local", HEAD GROUP("\t\tpeers = [ \"fe80::1\" ];\n"),
	  ":10: groups[0].peers[0]: \"fe80::1\" is link-local (fe80::/10): use the peer's global "
	  "or ULA address" },
	{ "peers of two families", HEAD GROUP("\t\tpeers = [ \"192.0.2.2\", \"2001:db8::2\" ];\n"),
	  ":10: groups[0].peers[1]: \"2001:db8::2\" is IPv6, peers[0] is IPv4: one family per "
	  "group" },
	{ "peer_hops without peers", HEAD GROUP("\t\tpeer_hops = 2;\n"),
	  ":10: groups[0].peer_hops: only with peers (multicast heartbeats stay on the link)" },
	{ "peer_hops out of range",
	  HEAD GROUP("\t\tpeers = [ \"192.0.2.2\" ];\n\t\tpeer_hops = 0;\n"),
	  ":11: groups[0].peer_hops: 0 is out of range 1..255" },
	{ "vmac with peers", HEAD GROUP("\t\tpeers = [ \"192.0.2.2\" ];\n\t\tvmac = true;\n"),
	  ":11: groups[0].vmac: not used with unicast peers" },
	{ "too many peers",
	  HEAD GROUP("\t\tpeers = [ \"192.0.2.2\", \"192.0.2.3\", \"192.0.2.4\", \"192.0.2.5\", "
		     "\"192.0.2.6\" ];\n"),
	  ":10: groups[0].peers: 5 peers, at most 4 allowed" },
	{ "upstream multicast", HEAD GROUP("\t\tupstream = [ \"224.0.0.1\" ];\n"),
	  ":10: groups[0].upstream[0]: \"224.0.0.1\" is not an IPv4 unicast address" },
	{ "upstream timeout not below interval",
	  HEAD GROUP("\t\tupstream_interval_ms = 1000;\n\t\tupstream_timeout_ms = 1000;\n"),
	  ":11: groups[0].upstream_timeout_ms: 1000 must be below upstream_interval_ms (1000)" },
	{ "interface2 the group's interface", HEAD GROUP("\t\tinterface2 = \"lo\";\n"),
	  ":10: groups[0].interface2: \"lo\" is the group's interface already" },
	{ "interface2 name too long", HEAD GROUP("\t\tinterface2 = \"abcdefghijklmnop\";\n"),
	  ":10: groups[0].interface2: \"abcdefghijklmnop\" is not an interface name "
	  "(1..15 characters)" },
	{ "label without room",
	  HEAD GROUP("\t\tinterface = \"abcdefghijklmn\";\n\t\tlabel = \"abcdefghijklmn:x\";\n"),
	  ":11: groups[0].label: interface name \"abcdefghijklmn\" leaves no room for a label, "
	  "use label = \"\"" },
	/* Keys, through the fake system. */
	{ "key file refused by the system", HEAD GROUP_VK("\"192.0.2.1/24\"", "@REFUSED@", ""),
	  ":9: groups[0].key_file: @REFUSED@ is refused by the fake system" },
	{ "key file path empty", HEAD GROUP_VK("\"192.0.2.1/24\"", "", ""),
	  ":9: groups[0].key_file: empty path" },
	{ "key_file_next the same key", HEAD GROUP("\t\tkey_file_next = \"@SAME@\";\n"),
	  ":10: groups[0].key_file_next: the same key as key_file" },
	{ "key_file_next too short", HEAD GROUP("\t\tkey_file_next = \"@SHORT@\";\n"),
	  ":10: groups[0].key_file_next: key in @SHORT@ is 9 bytes, at least 16 needed" },
	/* Top level. */
	{ "unknown top-level key suggests", HEAD GROUP("") "contol_socket = \"/run/v.sock\";\n",
	  ":12: unknown key \"contol_socket\" (did you mean \"control_socket\"?)" },
	{ "metrics file relative", HEAD GROUP("") "metrics_file = \"vipd.prom\";\n",
	  ":12: metrics_file: \"vipd.prom\" is not an absolute path" },
	{ "metrics interval too short", HEAD GROUP("") "metrics_interval_ms = 99;\n",
	  ":12: metrics_interval_ms: 99 is out of range 100..3600000" },
	{ "control group name too long",
	  HEAD GROUP("") "control_group = \"abcdefghijklmnopqrstuvwxyz0123456\";\n",
	  ":12: control_group: name is longer than 31 characters" },
	{ "node missing a name", "node: {\n\tname = \"\";\n};\n",
	  ":2: node.name: \"\" must be 1..31 printable ASCII characters without spaces" },
};

/* Every row of errors[]; each one that fails is printed, then the test fails. */
static void test_errors(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		failed += !load_error_is(errors[i].name, errors[i].text, errors[i].want);
	print_message("%zu error cases, %zu failed\n", sizeof(errors) / sizeof(errors[0]), failed);
	assert_int_equal(failed, 0);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_group_interface_only),
		cmocka_unit_test(test_missing_interface_warns),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_key_content),
		cmocka_unit_test(test_key_max),
		cmocka_unit_test(test_key_relative),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_too_many_vips),
		cmocka_unit_test(test_too_many_groups),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
