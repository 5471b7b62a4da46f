/*
 * Unit tests for src/core/util.c: base64 against the RFC 4648 vectors,
 * strict decoding (no whitespace, no bad or misplaced padding, no
 * non-canonical trailing bits, no overrun of the output), random ids
 * from the documented alphabet, constant-time comparison, hex, wiping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/util.h"

static const struct {
	const char *plain, *b64;
} vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void
test_b64_vectors(void **state)
{
	char enc[16], dec[16];
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(vectors); i++) {
		n = strlen(vectors[i].plain);
		assert_int_equal(
		    util_b64_enc_len(n), strlen(vectors[i].b64) + 1);
		assert_int_equal(util_b64_encode(vectors[i].plain, n, enc),
		    strlen(vectors[i].b64));
		assert_string_equal(enc, vectors[i].b64);
		assert_int_equal(util_b64_decode(vectors[i].b64,
		                     strlen(vectors[i].b64), dec, sizeof dec),
		    (long)n);
		assert_memory_equal(dec, vectors[i].plain, n);
	}
}

static void
test_b64_binary_roundtrip(void **state)
{
	unsigned char in[256], out[256];
	char enc[400];
	size_t n, i;

	for (i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(255 - i);
	for (n = 0; n <= sizeof in; n += 17) {
		util_b64_encode(in, n, enc);
		assert_int_equal(strlen(enc) + 1, util_b64_enc_len(n));
		assert_int_equal(
		    util_b64_decode(enc, strlen(enc), out, n), (long)n);
		assert_memory_equal(out, in, n);
	}
}

static void
test_b64_strict(void **state)
{
	static const char *const bad[] = {
	    "Zg=", /* length not a multiple of 4 */
	    "Zg", /* padding left out */
	    "Zg===", /* too much padding */
	    "Z===", /* padding too early in the quantum */
	    "====", /* nothing but padding */
	    "Zg==Zg==", /* padding before the end */
	    "Zm=v", /* data after padding */
	    " Zg==", /* leading whitespace */
	    "Zg== ", /* trailing whitespace */
	    "Zm9v\n", /* newline */
	    "Zm9v\r\nYmFy", /* line break inside */
	    "Zm 9v", /* blank inside */
	    "Zm9*", /* not in the alphabet */
	    "Zm9-", /* base64url is not base64 */
	    "Zm9_", "Zh==", /* non-canonical: trailing bits set */
	    "Zm9=", /* non-canonical: trailing bits set */
	};
	char out[16];
	size_t i;

	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (util_b64_decode(bad[i], strlen(bad[i]), out, sizeof out) !=
		    -1)
			fail_msg("accepted '%s'", bad[i]);
	/* A NUL inside the length is not the end of the input. */
	assert_int_equal(
	    util_b64_decode("Zg==\0\0\0\0", 8, out, sizeof out), -1);
}

static void
test_b64_outcap(void **state)
{
	char out[8];

	memset(out, 'x', sizeof out);
	assert_int_equal(util_b64_decode("Zm9vYmFy", 8, out, 5), -1);
	assert_int_equal(out[5], 'x');
	assert_int_equal(util_b64_decode("Zm9vYmFy", 8, out, 6), 6);
	assert_int_equal(util_b64_decode("Zm9vYg==", 8, out, 3), -1);
	assert_int_equal(util_b64_decode("Zm9vYg==", 8, out, 4), 4);
	assert_int_equal(util_b64_decode("", 0, NULL, 0), 0);
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static void
test_random_id(void **state)
{
	char id[33], other[33], big[10001];
	int seen[256] = {0}, kinds = 0;
	size_t i;

	memset(id, '#', sizeof id);
	util_random_id(id, 32);
	assert_int_equal(strlen(id), 32);
	for (i = 0; i < 32; i++)
		assert_true(is_alnum(id[i]));
	util_random_id(other, 32);
	assert_string_not_equal(id, other);

	util_random_id(id, 0);
	assert_int_equal(id[0], '\0');

	/* All 62 characters turn up, and nothing else does. */
	util_random_id(big, 10000);
	assert_int_equal(strlen(big), 10000);
	for (i = 0; i < 10000; i++) {
		assert_true(is_alnum(big[i]));
		if (seen[(unsigned char)big[i]]++ == 0)
			kinds++;
	}
	assert_int_equal(kinds, 62);
}

static void
test_random_bytes(void **state)
{
	unsigned char a[32], b[32], zero[32] = {0};

	util_random(a, sizeof a);
	util_random(b, sizeof b);
	assert_memory_not_equal(a, zero, sizeof a);
	assert_memory_not_equal(a, b, sizeof a);
	util_random(NULL, 0);
}

static void
test_memeq(void **state)
{
	unsigned char a[64], b[64];

	memset(a, 7, sizeof a);
	memset(b, 7, sizeof b);
	assert_true(util_memeq(a, b, sizeof a));
	b[63] = 8;
	assert_false(util_memeq(a, b, sizeof a));
	assert_true(util_memeq(a, b, 63));
	b[63] = 7;
	b[0] = 0;
	assert_false(util_memeq(a, b, sizeof a));
	assert_true(util_memeq(a, b, 0));
	assert_false(util_memeq("abc", "abd", 3));
}

static void
test_hex_wipe_time(void **state)
{
	char out[9];
	unsigned char k[16];
	size_t i;

	util_hex("\x00\x0f\xa5\xff", 4, out);
	assert_string_equal(out, "000fa5ff");
	util_hex("", 0, out);
	assert_string_equal(out, "");

	memset(k, 0xaa, sizeof k);
	util_wipe(k, sizeof k);
	for (i = 0; i < sizeof k; i++)
		assert_int_equal(k[i], 0);

	/* After 2020-01-01 and not in the far future. */
	assert_true(util_time() > 1577836800);
	assert_true(util_time() < 4102444800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_b64_vectors),
	    cmocka_unit_test(test_b64_binary_roundtrip),
	    cmocka_unit_test(test_b64_strict),
	    cmocka_unit_test(test_b64_outcap),
	    cmocka_unit_test(test_random_id),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_memeq),
	    cmocka_unit_test(test_hex_wipe_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
