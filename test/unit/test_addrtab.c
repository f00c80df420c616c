/*
 * test_addrtab.c - the observed-address table and the reconciler's
 * decision, as tables of (kernel state, wish) -> (present, add, remove).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "addrtab.h"

static const uint8_t A100[4] = { 192, 0, 2, 100 }, A101[4] = { 192, 0, 2, 101 };
static const uint8_t A1[4] = { 192, 0, 2, 1 };

static struct conf_vip vip4(const uint8_t a[4], uint8_t prefix)
{
	struct conf_vip v = { .family = AF_INET, .prefix_len = prefix };

	memcpy(v.addr, a, 4);
	return v;
}

static void test_set_and_remove(void **st)
{
	struct addrtab t = { 0 };
	struct conf_vip v = vip4(A100, 24);
	uint64_t gen;

	(void)st;
	assert_int_equal(addrtab_set(&t, 2, AF_INET, A100, 24, true), 0);
	assert_non_null(addrtab_find(&t, 2, &v));
	gen = addrtab_find(&t, 2, &v)->gen;
	/* The same address again (an update): one entry, its generation kept. */
	assert_int_equal(addrtab_set(&t, 2, AF_INET, A100, 24, true), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(addrtab_find(&t, 2, &v)->gen, gen);
	/* Another prefix or interface is another entry. */
	addrtab_set(&t, 2, AF_INET, A100, 32, true);
	addrtab_set(&t, 3, AF_INET, A100, 24, true);
	assert_int_equal(t.n, 3);
	addrtab_set(&t, 2, AF_INET, A100, 24, false);
	assert_null(addrtab_find(&t, 2, &v));
	assert_int_equal(t.n, 2);
	/* Removing what is not there changes nothing. */
	addrtab_set(&t, 9, AF_INET, A100, 24, false);
	assert_int_equal(t.n, 2);
	addrtab_drop_ifindex(&t, 3);
	assert_int_equal(t.n, 1);
	addrtab_clear(&t);
	assert_int_equal(t.n, 0);
	addrtab_free(&t);
}

/*
 * The reconciler asked for 192.0.2.100/24 on 2 at generation @asked: was
 * it removed since (its add seen, then undone), or can the table not tell?
 */
static void test_removed_since(void **st)
{
	struct addrtab t = { 0 };
	struct conf_vip v = vip4(A100, 24);
	uint64_t asked;

	(void)st;
	addrtab_set(&t, 2, AF_INET, A101, 24, true);
	addrtab_set(&t, 2, AF_INET, A101, 24, false); /* another VIP's removal */
	asked = t.gen;
	assert_false(addrtab_removed_since(&t, 2, &v, asked)); /* the event not read yet */
	/* A flush round: our add's event and its deletion, read at once. */
	addrtab_set(&t, 2, AF_INET, A100, 24, true);
	addrtab_set(&t, 2, AF_INET, A100, 24, false);
	assert_true(addrtab_removed_since(&t, 2, &v, asked));
	assert_false(addrtab_removed_since(&t, 2, &v, t.gen)); /* asked again after it */
	/* Only this address, prefix and interface count. */
	asked = t.gen;
	addrtab_set(&t, 3, AF_INET, A100, 24, true);
	addrtab_set(&t, 3, AF_INET, A100, 24, false);
	addrtab_set(&t, 2, AF_INET, A100, 32, true);
	addrtab_set(&t, 2, AF_INET, A100, 32, false);
	assert_false(addrtab_removed_since(&t, 2, &v, asked));
	/* More removals than the ring holds: it cannot tell, so yes. */
	for (int k = 0; k < ADDRTAB_GONE_RING; k++) {
		addrtab_set(&t, 4, AF_INET, A1, 24, true);
		addrtab_set(&t, 4, AF_INET, A1, 24, false);
	}
	assert_true(addrtab_removed_since(&t, 2, &v, asked));
	assert_false(addrtab_removed_since(&t, 2, &v, t.gen));
	/* Forgotten by a new dump or a lost interface: yes as well. */
	asked = t.gen;
	addrtab_clear(&t);
	assert_true(addrtab_removed_since(&t, 2, &v, asked));
	asked = t.gen;
	addrtab_drop_ifindex(&t, 7);
	assert_true(addrtab_removed_since(&t, 2, &v, asked));
	addrtab_free(&t);
}

static bool only_100(void *ctx, int family, const uint8_t *addr)
{
	(void)ctx;
	return family == AF_INET && memcmp(addr, A100, 4) == 0;
}

static void test_filter_keeps_only_vips(void **st)
{
	struct addrtab t = { .filter = only_100 };

	(void)st;
	addrtab_set(&t, 2, AF_INET, A1, 24, true);
	addrtab_set(&t, 2, AF_INET, A100, 24, true);
	assert_int_equal(t.n, 1);
	addrtab_free(&t);
}

/* One row: the kernel has these copies of 192.0.2.100; the wish is (want, ifindex). */
struct row {
	const char *what;
	struct {
		unsigned ifindex;
		uint8_t prefix;
	} have[3];
	bool want;
	unsigned ifindex;
	bool present, add;
	size_t n_del;
};

static void test_diff_table(void **st)
{
	static const struct row rows[] = {
		{ "master, nothing there: add", { { 0, 0 } }, true, 2, false, true, 0 },
		{ "master, in place: nothing to do", { { 2, 24 } }, true, 2, true, false, 0 },
		{ "master, a /32 copy beside it: remove the copy",
		  { { 2, 24 }, { 2, 32 } },
		  true,
		  2,
		  true,
		  false,
		  1 },
		{ "master, only a /32 copy: add ours, remove it",
		  { { 2, 32 } },
		  true,
		  2,
		  false,
		  true,
		  1 },
		{ "master, copy on another interface: remove",
		  { { 2, 24 }, { 5, 24 } },
		  true,
		  2,
		  true,
		  false,
		  1 },
		{ "backup, nothing there: nothing to do", { { 0, 0 } }, false, 2, false, false, 0 },
		{ "backup, ours left behind: remove", { { 2, 24 } }, false, 2, false, false, 1 },
		{ "backup, any prefix anywhere: remove all",
		  { { 2, 24 }, { 2, 32 }, { 7, 16 } },
		  false,
		  2,
		  false,
		  false,
		  3 },
		{ "master, interface missing: cannot add", { { 0, 0 } }, true, 0, false, false, 0 },
	};
	(void)st;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct addrtab t = { 0 };
		struct conf_vip v[2] = { vip4(A100, 24), vip4(A101, 24) };
		struct addrtab_diff d;

		for (size_t k = 0; k < 3 && rows[r].have[k].ifindex; k++)
			addrtab_set(&t, rows[r].have[k].ifindex, AF_INET, A100,
				    rows[r].have[k].prefix, true);
		/* A101 is in place when wanted, so only A100's row is under test. */
		if (rows[r].want && rows[r].ifindex)
			addrtab_set(&t, rows[r].ifindex, AF_INET, A101, 24, true);
		addrtab_diff(&t, v, 2, rows[r].ifindex, rows[r].want, &d);
		print_message("# %s\n", rows[r].what);
		assert_int_equal(!!(d.present & 1u), rows[r].present);
		assert_int_equal(!!(d.add & 1u), rows[r].add);
		assert_int_equal(d.n_del, rows[r].n_del);
		for (size_t k = 0; k < d.n_del; k++) {
			assert_int_equal(d.del_vip[k], 0);
			assert_false(d.del[k].ifindex == rows[r].ifindex &&
				     d.del[k].prefix_len == 24 && rows[r].want);
		}
		assert_int_equal(!!(d.present & 2u), rows[r].want && rows[r].ifindex);
		assert_false(d.more);
		addrtab_free(&t);
	}
}

/* More copies than one diff takes: the rest wait, and the caller is told. */
static void test_diff_bounded(void **st)
{
	struct addrtab t = { 0 };
	struct conf_vip v = vip4(A100, 24);
	struct addrtab_diff d;

	(void)st;
	for (unsigned i = 1; i <= ADDRTAB_DIFF_MAX + 5; i++)
		addrtab_set(&t, i, AF_INET, A100, 24, true);
	addrtab_diff(&t, &v, 1, 0, false, &d);
	assert_int_equal(d.n_del, ADDRTAB_DIFF_MAX);
	assert_true(d.more);
	addrtab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_remove),	       cmocka_unit_test(test_removed_since),
		cmocka_unit_test(test_filter_keeps_only_vips), cmocka_unit_test(test_diff_table),
		cmocka_unit_test(test_diff_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
