/*
 * Tests for src/xmpp/precis.c against vectors that precis_i18n, an
 * independent implementation, produced (tools/gen-precis-vectors.py):
 * strings per profile, and every single code point of Unicode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "xmpp/precis.h"
#include "xmpp/precis_tables.h"
#include "precis_vectors.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *
profile_name(enum precis_profile p)
{
	switch (p) {
	case PRECIS_USERNAME_CASEMAPPED:
		return "UsernameCaseMapped";
	case PRECIS_USERNAME_CASEPRESERVED:
		return "UsernameCasePreserved";
	case PRECIS_OPAQUE_STRING:
		return "OpaqueString";
	}
	return "?";
}

static size_t
enc(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int
in_ranges(const struct precis_cp_range *r, size_t n, uint32_t cp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return 1;
	return 0;
}

static void
hexdump(const char *what, const char *s, size_t n)
{
	size_t i;

	fprintf(stderr, "%s:", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", (unsigned char)s[i]);
	fprintf(stderr, "\n");
}

static void
test_vectors(void **state)
{
	size_t i, bad = 0, outlen;
	char *out;
	int rc;

	(void)state;
	for (i = 0; i < LEN(precis_vectors); i++) {
		const struct precis_vector *v = &precis_vectors[i];

		out = (char *)0x1;
		outlen = 12345;
		rc = precis_enforce(v->profile, v->in, v->inlen, &out, &outlen);
		if (v->out == NULL && rc == -1 && out == NULL)
			continue;
		if (v->out != NULL && rc == 0 && outlen == strlen(v->out) &&
		    memcmp(out, v->out, outlen + 1) == 0) {
			free(out);
			continue;
		}
		bad++;
		fprintf(stderr, "vector %zu (%s): rc %d\n", i,
		    profile_name(v->profile), rc);
		hexdump(" in", v->in, v->inlen);
		if (v->out != NULL)
			hexdump(" want", v->out, strlen(v->out));
		if (rc == 0) {
			hexdump(" got", out, outlen);
			free(out);
		}
	}
	assert_int_equal(bad, 0);
}

/* Every code point alone, in every profile, against precis_i18n. */
static void
check_singles(enum precis_profile p, const struct precis_cp_range *ok,
    size_t nok, const uint32_t (*map)[4], size_t nmap)
{
	char in[4], want[16], *out;
	size_t n, wn, outlen, m = 0, j, bad = 0;
	uint32_t cp;
	int rc, accept;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (in_ranges(precis_skip, LEN(precis_skip), cp))
			continue;
		n = enc(cp, in);
		/* Ranges are sorted, so a linear walk keeps this fast. */
		while (nok > 0 && ok->hi < cp) {
			ok++;
			nok--;
		}
		accept = nok > 0 && cp >= ok->lo;
		while (m < nmap && map[m][0] < cp)
			m++;
		wn = 0;
		if (m < nmap && map[m][0] == cp) {
			for (j = 1; j < 4 && map[m][j] != 0; j++)
				wn += enc(map[m][j], want + wn);
		} else
			wn = enc(cp, want);
		out = NULL;
		rc = precis_enforce(p, in, n, &out, &outlen);
		if (accept && rc == 0 && outlen == wn &&
		    memcmp(out, want, wn) == 0 && out[wn] == '\0') {
			free(out);
			continue;
		}
		if (!accept && rc == -1)
			continue;
		if (bad++ < 20)
			fprintf(stderr, "%s U+%04X: rc %d, want %s\n",
			    profile_name(p), cp, rc,
			    accept ? "accept" : "reject");
		free(out);
	}
	assert_int_equal(bad, 0);
}

static void
test_singles_casemapped(void **state)
{
	(void)state;
	check_singles(PRECIS_USERNAME_CASEMAPPED,
	    precis_single_ok_username_casemapped,
	    LEN(precis_single_ok_username_casemapped),
	    precis_single_map_username_casemapped,
	    LEN(precis_single_map_username_casemapped));
}

static void
test_singles_casepreserved(void **state)
{
	(void)state;
	check_singles(PRECIS_USERNAME_CASEPRESERVED,
	    precis_single_ok_username_casepreserved,
	    LEN(precis_single_ok_username_casepreserved),
	    precis_single_map_username_casepreserved,
	    LEN(precis_single_map_username_casepreserved));
}

static void
test_singles_opaque(void **state)
{
	(void)state;
	check_singles(PRECIS_OPAQUE_STRING, precis_single_ok_opaque_string,
	    LEN(precis_single_ok_opaque_string),
	    precis_single_map_opaque_string,
	    LEN(precis_single_map_opaque_string));
}

/* Malformed UTF-8 is rejected whatever the profile. */
static void
test_bad_utf8(void **state)
{
	static const char *const bad[] = {
	    "\x80", /* stray continuation */
	    "a\xC3", /* truncated */
	    "\xC0\xAF", /* overlong '/' */
	    "\xC1\xBF", /* overlong */
	    "\xE0\x80\xAF", /* overlong */
	    "\xF0\x80\x80\xAF", /* overlong */
	    "\xED\xA0\x80", /* surrogate U+D800 */
	    "\xED\xBF\xBF", /* surrogate U+DFFF */
	    "\xF4\x90\x80\x80", /* U+110000 */
	    "\xF5\x80\x80\x80", /* beyond */
	    "\xFF", "\xE2\x82", /* truncated euro */
	    "\xE2\x28\xA1", /* bad continuation */
	};
	char *out;
	size_t i;
	int p;

	(void)state;
	for (p = 0; p < 3; p++) {
		for (i = 0; i < LEN(bad); i++) {
			out = (char *)0x1;
			assert_int_equal(
			    precis_enforce((enum precis_profile)p, bad[i],
			        strlen(bad[i]), &out, NULL),
			    -1);
			assert_null(out);
		}
	}
}

/* Embedded NUL counts as a control character, not as the end. */
static void
test_nul_and_length(void **state)
{
	char *out, *big;
	size_t outlen;

	(void)state;
	assert_int_equal(
	    precis_enforce(PRECIS_OPAQUE_STRING, "a\0b", 3, &out, &outlen), -1);
	assert_int_equal(
	    precis_enforce(PRECIS_OPAQUE_STRING, "", 0, &out, &outlen), -1);
	/* The length is taken from n, not from a NUL. */
	assert_int_equal(precis_enforce(PRECIS_USERNAME_CASEMAPPED, "ABCD", 2,
	                     &out, &outlen),
	    0);
	assert_string_equal(out, "ab");
	assert_int_equal(outlen, 2);
	free(out);

	big = malloc(PRECIS_INPUT_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', PRECIS_INPUT_MAX + 1);
	assert_int_equal(precis_enforce(PRECIS_OPAQUE_STRING, big,
	                     PRECIS_INPUT_MAX, &out, &outlen),
	    0);
	assert_int_equal(outlen, PRECIS_INPUT_MAX);
	free(out);
	assert_int_equal(precis_enforce(PRECIS_OPAQUE_STRING, big,
	                     PRECIS_INPUT_MAX + 1, &out, &outlen),
	    -1);
	free(big);
	assert_int_equal(
	    precis_enforce((enum precis_profile)7, "a", 1, &out, &outlen), -1);
}

/*
 * precis_tables.h must describe the Unicode version utf8proc implements,
 * or properties and normalization would disagree: after a utf8proc
 * upgrade, rerun tools/gen-precis-tables.py (and the vectors).
 */
static void
test_unicode_version(void **state)
{
	(void)state;
	assert_string_equal(utf8proc_unicode_version(), PRECIS_TABLES_UNICODE);
}

/* outlen is optional. */
static void
test_outlen_optional(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(precis_enforce(PRECIS_USERNAME_CASEMAPPED,
	                     "\xEF\xBC\xAA\xC3\x89", 5, &out, NULL),
	    0);
	assert_string_equal(out, "j\xC3\xA9");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_singles_casemapped),
	    cmocka_unit_test(test_singles_casepreserved),
	    cmocka_unit_test(test_singles_opaque),
	    cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_nul_and_length),
	    cmocka_unit_test(test_outlen_optional),
	    cmocka_unit_test(test_unicode_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
