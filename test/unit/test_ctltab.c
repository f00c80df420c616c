/*
 * test_ctltab.c - the command table: every row is where its id says, the
 * lookups find each command by its exact name and nothing else, a
 * command only vipctl knows (check) is not a daemon command, and the
 * privilege flag is set on exactly the commands that change state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctltab.h"

/* dispatch in ctlcmd.c and vipctl_cmds[] index by id: row i must be id i. */
static void test_ids_are_indices(void **state)
{
	(void)state;
	for (size_t i = 0; i < CTLTAB_N; i++) {
		assert_int_equal(ctltab[i].id, i);
		assert_non_null(ctltab[i].name);
		assert_non_null(ctltab[i].args);
		assert_non_null(ctltab[i].help);
		assert_true(ctltab[i].help[0] != '\0');
	}
}

static void test_names_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < CTLTAB_N; i++)
		for (size_t k = i + 1; k < CTLTAB_N; k++)
			assert_string_not_equal(ctltab[i].name, ctltab[k].name);
}

static void test_find_each(void **state)
{
	(void)state;
	for (size_t i = 0; i < CTLTAB_N; i++)
		assert_ptr_equal(ctltab_find(ctltab[i].name), &ctltab[i]);
	assert_int_equal(ctltab_find("switchover")->id, CTLTAB_SWITCHOVER);
	assert_int_equal(ctltab_find("check")->id, CTLTAB_CHECK);
}

/* Only the exact name: no prefix, no case folding, no trailing bytes. */
static void test_find_unknown(void **state)
{
	static const char *const bad[] = { "",	      "stat",	 "statusx", "STATUS", "Status",
					   " status", "status ", "switch",  "help",   "reloa" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(ctltab_find(bad[i]));
		assert_null(ctltab_find_daemon(bad[i]));
	}
}

/* check is vipctl's: it sends status; the daemon does not answer "check". */
static void test_client_only(void **state)
{
	const struct ctltab_cmd *c = ctltab_find("check");

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->sends, "status");
	assert_null(ctltab_find_daemon("check"));
	for (size_t i = 0; i < CTLTAB_N; i++) {
		const struct ctltab_cmd *d = ctltab_find_daemon(ctltab[i].name);

		if (ctltab[i].sends) {
			assert_null(d);
			/* what it sends is a daemon command that changes nothing */
			assert_non_null(ctltab_find_daemon(ctltab[i].sends));
			assert_false(ctltab_find_daemon(ctltab[i].sends)->changes_state);
		} else {
			assert_ptr_equal(d, &ctltab[i]);
		}
	}
}

/* root only: exactly switchover, standby and reload (vipctl(8), PERMISSIONS). */
static void test_privilege(void **state)
{
	static const char *const change[] = { "switchover", "standby", "reload" };
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++)
		assert_true(ctltab_find_daemon(change[i])->changes_state);
	for (size_t i = 0; i < CTLTAB_N; i++)
		n += ctltab[i].changes_state;
	assert_int_equal(n, sizeof(change) / sizeof(change[0]));
	assert_false(ctltab_find_daemon("status")->changes_state);
	assert_false(ctltab_find_daemon("events")->changes_state);
	assert_false(ctltab_find_daemon("metrics")->changes_state);
	assert_false(ctltab_find_daemon("version")->changes_state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_are_indices), cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_find_each),	cmocka_unit_test(test_find_unknown),
		cmocka_unit_test(test_client_only),	cmocka_unit_test(test_privilege),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
