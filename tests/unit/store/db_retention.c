/*
 * Unit tests for the retention engine's additions to src/store/db.c: a
 * sweep bounded to a number of rows, what one owner holds in a store
 * (count, oldest item, first expiry) and a per-item retention that can
 * shorten the store's but never lengthen it. Time is set through
 * db_set_clock().
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

static const struct store_def d_map = {
    "r_map", STORE_MAP, STORE_OWNER_USER, 100, "expiring map", 0};
static const struct store_def d_arch = {
    "r_arch", STORE_ARCHIVE, STORE_OWNER_USER, 100, "expiring archive", 0};
static const struct store_def d_keep = {
    "r_keep", STORE_ARCHIVE, STORE_OWNER_USER, 0, "kept archive", 0};

static void
test_sweep_max(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	char key[16];
	int i;

	fake_now = 1000;
	assert_int_equal(db_begin(d), 0);
	for (i = 0; i < 700; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(
		    db_map_put(d, "r_map", "h", "u", key, "v", 1), STORE_OK);
	}
	for (i = 0; i < 10; i++)
		assert_int_equal(db_archive_append(d, NULL, "r_arch", "h", "u",
		                     NULL, 0, NULL, "m", 1, NULL),
		    STORE_OK);
	assert_int_equal(db_commit(d), 0);
	fake_now = 2000;
	/* Bounded: exactly max rows, then the rest, then nothing. */
	assert_int_equal(db_sweep_max(d, 600, &r), STORE_OK);
	assert_int_equal(r.count, 600);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_sweep_max(d, 600, &r), STORE_OK);
	assert_int_equal(r.count, 110);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_sweep_max(d, 600, &r), STORE_OK);
	assert_int_equal(r.count, 0);
}

static void
test_stats(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};

	assert_int_equal(db_stats(d, "r_arch", "h", "u", &r), STORE_OK);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.oldest, 0);
	assert_int_equal(r.next_expiry, 0);

	fake_now = 1000;
	assert_int_equal(db_archive_append(d, NULL, "r_arch", "h", "u", NULL,
	                     900, NULL, "m", 1, NULL),
	    STORE_OK);
	fake_now = 1050;
	assert_int_equal(db_archive_append(d, NULL, "r_arch", "h", "u", NULL, 0,
	                     NULL, "m", 1, NULL),
	    STORE_OK);
	/* Someone else's item is not counted. */
	assert_int_equal(db_archive_append(d, NULL, "r_arch", "h", "v", NULL, 0,
	                     NULL, "m", 1, NULL),
	    STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_stats(d, "r_arch", "h", "u", &r), STORE_OK);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.oldest, 900);
	assert_int_equal(r.next_expiry, 1100);
	/* Expired items are not held any more, swept or not. */
	fake_now = 1100;
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_stats(d, "r_arch", "h", "u", &r), STORE_OK);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.next_expiry, 1150);

	/* Maps: a count and the first expiry, no item time. */
	fake_now = 5000;
	assert_int_equal(
	    db_map_put(d, "r_map", "h", "u", "a", "v", 1), STORE_OK);
	fake_now = 5010;
	assert_int_equal(
	    db_map_put(d, "r_map", "h", "u", "b", "v", 1), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_stats(d, "r_map", "h", "u", &r), STORE_OK);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.oldest, 0);
	assert_int_equal(r.next_expiry, 5100);

	/* Kept forever: no expiry. */
	assert_int_equal(db_archive_append(d, NULL, "r_keep", "h", "u", NULL, 0,
	                     NULL, "m", 1, NULL),
	    STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_stats(d, "r_keep", "h", "u", &r), STORE_OK);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.next_expiry, 0);

	assert_int_equal(db_stats(d, "nope", "h", "u", &r), STORE_ERR);
}

static void
test_append_ttl(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};

	fake_now = 1000;
	/* Shorter than the store's 100 s: taken. */
	assert_int_equal(db_archive_append_ttl(d, NULL, "r_arch", "h", "u", "a",
	                     0, NULL, "m", 1, 10, NULL),
	    STORE_OK);
	assert_int_equal(db_stats(d, "r_arch", "h", "u", &r), STORE_OK);
	assert_int_equal(r.next_expiry, 1010);
	assert_int_equal(
	    db_archive_delete(d, "r_arch", "h", "u", "a", NULL), STORE_OK);
	/* Longer: the store's retention wins. */
	assert_int_equal(db_archive_append_ttl(d, NULL, "r_arch", "h", "u", "b",
	                     0, NULL, "m", 1, 1000000, NULL),
	    STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_stats(d, "r_arch", "h", "u", &r), STORE_OK);
	assert_int_equal(r.next_expiry, 1100);
	/* A store kept forever still takes a user's shorter choice. */
	assert_int_equal(db_archive_append_ttl(d, NULL, "r_keep", "h", "u", "c",
	                     0, NULL, "m", 1, 30, NULL),
	    STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_stats(d, "r_keep", "h", "u", &r), STORE_OK);
	assert_int_equal(r.next_expiry, 1030);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sweep_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_ttl, setup, teardown),
	};

	if (store_register(&d_map) < 0 || store_register(&d_arch) < 0 ||
	    store_register(&d_keep) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
