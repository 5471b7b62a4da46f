/*
 * Unit tests for db_archive_shorten() in src/store/db.c: an owner's own
 * shorter retention deletes the owner's items at least that old, brings
 * the others' expiry forward to their time + the choice, never pushes an
 * expiry later, and leaves other owners alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/db.h"
#include "store/store.h"

#include "testdb.h"

static const struct store_def d_arch = {
    "t_arch", STORE_ARCHIVE, STORE_OWNER_USER, 100, "test archive", 0};

static size_t
live(struct db *d, struct arena *a, const char *user)
{
	struct store_archive_query q = {.max = 100};
	struct store_res r = {0};

	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", user, &q, &r), STORE_OK);
	return r.nitems;
}

static void
test_shorten(void **state)
{
	struct db *d = *state;
	struct arena *a = arena_new(4096);
	struct store_res r = {0};

	/* Items at 1000000 - 50, - 20 and now, for u and for v. */
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u", "old",
	                     fake_now - 50, NULL, "x", 1, &r),
	    STORE_OK);
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u", "mid",
	                     fake_now - 20, NULL, "x", 1, &r),
	    STORE_OK);
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u", "new", 0,
	                     NULL, "x", 1, &r),
	    STORE_OK);
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "v", "old",
	                     fake_now - 50, NULL, "x", 1, &r),
	    STORE_OK);
	assert_int_equal(live(d, a, "u"), 3);

	/* 30 s: "old" goes now, "mid" at +10, "new" at +30. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_shorten(d, "t_arch", "h", "u", 30, &r), STORE_OK);
	assert_int_equal(r.count, 1);
	assert_int_equal(live(d, a, "u"), 2);
	assert_int_equal(live(d, a, "v"), 1);
	fake_now += 10;
	assert_int_equal(live(d, a, "u"), 1);
	fake_now += 20;
	assert_int_equal(live(d, a, "u"), 0);
	assert_int_equal(live(d, a, "v"), 1);

	/* A longer choice lengthens nothing: the store's 100 s still rule. */
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u", "w", 0,
	                     NULL, "x", 1, &r),
	    STORE_OK);
	assert_int_equal(
	    db_archive_shorten(d, "t_arch", "h", "u", 1000, &r), STORE_OK);
	fake_now += 100;
	assert_int_equal(live(d, a, "u"), 0);

	assert_int_equal(
	    db_archive_shorten(d, "t_arch", "h", "u", 0, &r), STORE_ERR);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_shorten, setup, teardown),
	};

	if (store_register(&d_arch) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
