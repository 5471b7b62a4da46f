/*
 * Unit tests for src/core/arena.c: 16-byte alignment, growth that keeps
 * earlier allocations intact, refusal of sizes that would overflow,
 * reset back to the first chunk, and the string helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/arena.h"

static void
test_alignment(void **state)
{
	struct arena *a = arena_new(64);
	unsigned char *p[200];
	size_t i, j, n;

	assert_non_null(a);
	for (i = 0; i < 200; i++) {
		n = i % 37; /* odd sizes, including 0 */
		p[i] = arena_alloc(a, n);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		memset(p[i], (int)i, n);
	}
	/* No allocation overlaps another. */
	for (i = 0; i < 200; i++)
		for (j = 0; j < i % 37; j++)
			assert_int_equal(p[i][j], (unsigned char)i);
	arena_free(a);
}

static void
test_growth(void **state)
{
	struct arena *a = arena_new(256);
	size_t before = arena_footprint(a), i;
	char *p[64];

	assert_true(before >= 256);
	for (i = 0; i < 64; i++) {
		p[i] = arena_alloc(a, 100);
		assert_non_null(p[i]);
		memset(p[i], 'a' + (int)(i % 26), 100);
	}
	assert_true(arena_footprint(a) > before);
	assert_true(arena_footprint(a) >= 64 * 100);
	for (i = 0; i < 64; i++) {
		assert_int_equal(p[i][0], 'a' + (int)(i % 26));
		assert_int_equal(p[i][99], 'a' + (int)(i % 26));
	}
	/* One allocation larger than any chunk gets its own. */
	p[0] = arena_alloc(a, 1 << 20);
	assert_non_null(p[0]);
	assert_int_equal((uintptr_t)p[0] % 16, 0);
	memset(p[0], 'z', 1 << 20);
	assert_true(arena_footprint(a) >= (1 << 20));
	assert_int_equal(p[1][0], 'a' + 1);
	arena_free(a);
}

static void
test_overflow_refused(void **state)
{
	struct arena *a = arena_new(256);
	size_t fp = arena_footprint(a);
	char *p;

	assert_null(arena_alloc(a, SIZE_MAX));
	assert_null(arena_alloc(a, SIZE_MAX - 1));
	assert_null(arena_alloc(a, SIZE_MAX - 15));
	assert_null(arena_alloc(a, SIZE_MAX - 16));
	assert_null(arena_alloc(a, SIZE_MAX - 100));
	assert_null(arena_zalloc(a, SIZE_MAX));
	assert_null(arena_strndup(a, "x", SIZE_MAX));
	assert_int_equal(arena_footprint(a), fp);
	/* Still usable afterwards. */
	p = arena_strdup(a, "still here");
	assert_non_null(p);
	assert_string_equal(p, "still here");
	arena_free(a);
}

static void
test_reset(void **state)
{
	struct arena *a = arena_new(256);
	size_t fp = arena_footprint(a), i;
	char *p, *q;

	p = arena_alloc(a, 16);
	for (i = 0; i < 100; i++)
		assert_non_null(arena_alloc(a, 200));
	assert_true(arena_footprint(a) > fp);
	arena_reset(a);
	assert_int_equal(arena_footprint(a), fp);
	/* The first chunk is empty again: the next allocation reuses it. */
	q = arena_alloc(a, 16);
	assert_ptr_equal(q, p);
	arena_free(a);
}

/* A request bigger than the next chunk size, made while the only chunk
 * still has room, must not make reset keep the big chunk. */
static void
test_reset_after_big_first(void **state)
{
	struct arena *a = arena_new(256);
	size_t fp = arena_footprint(a);
	char *p, *q;

	p = arena_alloc(a, 16);
	assert_non_null(arena_alloc(a, 1 << 20));
	arena_reset(a);
	assert_int_equal(arena_footprint(a), fp);
	q = arena_alloc(a, 16);
	assert_ptr_equal(q, p);
	arena_free(a);
}

static void
test_strings(void **state)
{
	struct arena *a = arena_new(0);
	unsigned char *z;
	char *s;
	size_t i;

	assert_non_null(a);
	s = arena_strndup(a, "hello world", 5);
	assert_string_equal(s, "hello");
	s = arena_strndup(a, "a\0b", 3);
	assert_memory_equal(s, "a\0b\0", 4);
	s = arena_strdup(a, "");
	assert_string_equal(s, "");
	s = arena_printf(a, "%s=%d", "depth", 32);
	assert_string_equal(s, "depth=32");
	assert_int_equal((uintptr_t)s % 16, 0);
	z = arena_alloc(a, 300);
	memset(z, 0xff, 300);
	arena_reset(a);
	z = arena_zalloc(a, 300);
	assert_non_null(z);
	for (i = 0; i < 300; i++)
		assert_int_equal(z[i], 0);
	arena_free(a);
	arena_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alignment),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_overflow_refused),
	    cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_reset_after_big_first),
	    cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
