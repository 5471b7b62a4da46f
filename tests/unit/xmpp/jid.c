/*
 * Tests for src/xmpp/jid.c: RFC 7622 parsing (the section 3.5 examples
 * among them), preparation of each part, limits, equality, copying and
 * formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "xmpp/jid.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

struct valid {
	const char *in;
	const char *local, *domain, *resource; /* expected parts */
};

static const struct valid valid[] = {
    /* RFC 7622 section 3.5.1 */
    {"juliet@example.com", "juliet", "example.com", NULL},
    {"juliet@example.com/foo", "juliet", "example.com", "foo"},
    {"juliet@example.com/foo bar", "juliet", "example.com", "foo bar"},
    {"juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"},
    {"foo\\20bar@example.com", "foo\\20bar", "example.com", NULL},
    {"fussball@example.com", "fussball", "example.com", NULL},
    {"fu\xC3\x9F"
     "ball@example.com",
        "fu\xC3\x9F"
        "ball",
        "example.com", NULL},
    {"\xCF\x80@example.com", "\xCF\x80", "example.com", NULL},
    {"\xCE\xA3@example.com/foo", "\xCF\x83", "example.com", "foo"},
    {"\xCF\x83@example.com/foo", "\xCF\x83", "example.com", "foo"},
    {"\xCF\x82@example.com/foo", "\xCF\x82", "example.com", "foo"},
    {"king@example.com/\xE2\x99\x9A", "king", "example.com", "\xE2\x99\x9A"},
    {"example.com", NULL, "example.com", NULL},
    {"example.com/foobar", NULL, "example.com", "foobar"},
    {"a.example.com/b@example.net", NULL, "a.example.com", "b@example.net"},
    /* splitting: first '/' then first '@' */
    {"a@b/c/d", "a", "b", "c/d"},
    {"a@b/c@d/e", "a", "b", "c@d/e"},
    {"a/b@c", NULL, "a", "b@c"},
    {"a@b.c/@", "a", "b.c", "@"},
    {"a@b.c//", "a", "b.c", "/"},
    /* case and width mapping in the localpart, none in the resource */
    {"Juliet@Example.COM/Balcony", "juliet", "example.com", "Balcony"},
    {"\xEF\xBC\xAA\xEF\xBD\x95\xEF\xBD\x8C\xEF\xBD\x89\xEF\xBD\x85\xEF\xBD"
     "\x94@example.com",
        "juliet", "example.com", NULL},
    {"\xC3\x89lodie@example.com", "\xC3\xA9lodie", "example.com", NULL},
    {"e\xCC\x81@example.com/e\xCC\x81", "\xC3\xA9", "example.com", "\xC3\xA9"},
    /* non-ASCII spaces in a resource become U+0020 */
    {"a@b/x\xC2\xA0y", "a", "b", "x y"},
    {"a@b/x\xE3\x80\x80y", "a", "b", "x y"},
    /* trailing dot */
    {"juliet@example.com.", "juliet", "example.com", NULL},
    {"juliet@example.com./r", "juliet", "example.com", "r"},
    {"example.com.", NULL, "example.com", NULL},
    {"localhost", NULL, "localhost", NULL},
    /* IDN domains: canonical lowercase U-labels */
    {"juliet@b\xC3\xBC"
     "cher.de",
        "juliet",
        "b\xC3\xBC"
        "cher.de",
        NULL},
    {"juliet@B\xC3\x9C"
     "CHER.DE",
        "juliet",
        "b\xC3\xBC"
        "cher.de",
        NULL},
    {"juliet@xn--bcher-kva.de", "juliet",
        "b\xC3\xBC"
        "cher.de",
        NULL},
    {"juliet@XN--BCHER-KVA.de", "juliet",
        "b\xC3\xBC"
        "cher.de",
        NULL},
    {"fa\xC3\x9F.de", NULL, "fa\xC3\x9F.de", NULL},
    {"\xE4\xBE\x8B\xE3\x81\x88\xE3\x80\x82\xE3\x83\x86\xE3\x82\xB9\xE3\x83"
     "\x88",
        NULL, "\xE4\xBE\x8B\xE3\x81\x88.\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88",
        NULL},
    {"\xE4\xBE\x8B\xE3\x81\x88.\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88\xE3"
     "\x80\x82",
        NULL, "\xE4\xBE\x8B\xE3\x81\x88.\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88",
        NULL},
    {"\xEF\xBD\x85\xEF\xBD\x98\xEF\xBD\x81\xEF\xBD\x8D\xEF\xBD\x90\xEF\xBD"
     "\x8C\xEF\xBD\x85.com",
        NULL, "example.com", NULL},
    {"\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84", NULL,
        "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84",
        NULL},
    {"xn--e1afmkfd.xn--p1ai", NULL,
        "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84",
        NULL},
    /* IP literals */
    {"juliet@127.0.0.1", "juliet", "127.0.0.1", NULL},
    {"127.0.0.1/r", NULL, "127.0.0.1", "r"},
    {"juliet@[::1]/r", "juliet", "[::1]", "r"},
    {"[2001:DB8:0:0:0:0:0:1]", NULL, "[2001:db8::1]", NULL},
    {"[::ffff:192.0.2.1]", NULL, "[::ffff:192.0.2.1]", NULL},
};

static const char *const invalid[] = {
    /* RFC 7622 section 3.5.2 */
    "\"juliet\"@example.com",
    "foo bar@example.com",
    "henry\xE2\x85\xA3@example.com",
    "\xE2\x99\x9A@example.com",
    "juliet@",
    "/foobar",
    /* empty parts */
    "",
    "@",
    "/",
    "@/",
    "@example.com",
    "example.com/",
    "juliet@example.com/",
    "node@/server",
    "@example.com/r",
    /* localpart exclusions, also when they arrive fullwidth */
    "a&b@example.com",
    "a'b@example.com",
    "a:b@example.com",
    "a<b@example.com",
    "a>b@example.com",
    "a\xEF\xBC\xA0"
    "b@example.com",
    "a\xEF\xBC\x8F"
    "b@example.com",
    /* disallowed code points */
    "a\tb@example.com",
    "a@example.com/a\nb",
    "a@example.com/\x7F",
    "a\xE2\x80\x8D@example.com",
    "a@example.com/\xEF\xBF\xBF",
    "\xCD\xB8@example.com",
    /* bidi rule in the localpart */
    "\xD7\xA9"
    "1\xD7\xA9"
    "a@example.com",
    "a\xD7\xA9@example.com",
    /* invalid UTF-8 in any part */
    "\xC0\xAF@example.com",
    "a@example.com/\xED\xA0\x80",
    "a@ex\xFF"
    "ample.com",
    /* domainparts */
    "juliet@example.com@example.net",
    "juliet@.",
    "juliet@..",
    "juliet@example..com",
    "juliet@.example.com",
    "juliet@example.com..",
    "juliet@a_b.com",
    "juliet@-a.com",
    "juliet@a-.com",
    "juliet@ab--cd.com",
    "juliet@exa mple.com",
    "juliet@xn--bcher-xxx.de",
    "juliet@xn--.de",
    "juliet@\xF0\x9F\x98\x80.com",
    "juliet@xn--ls8h.com",
    "juliet@1.2.3.256",
    "juliet@123",
    "juliet@[::1",
    "juliet@[]",
    "juliet@[1.2.3.4]",
    "juliet@[fe80::1%eth0]",
    "juliet@[::1].",
    "juliet@::1",
};

static void
test_valid(void **state)
{
	struct jid j;
	size_t i;

	(void)state;
	for (i = 0; i < LEN(valid); i++) {
		const struct valid *v = &valid[i];

		if (jid_parse(v->in, strlen(v->in), &j) != 0)
			fail_msg("rejected: %s", v->in);
		if (v->local == NULL)
			assert_null(j.local);
		else
			assert_string_equal(j.local, v->local);
		assert_string_equal(j.domain, v->domain);
		if (v->resource == NULL)
			assert_null(j.resource);
		else
			assert_string_equal(j.resource, v->resource);
		assert_non_null(j.mem);
		jid_free(&j);
		assert_null(j.mem);
		assert_null(j.domain);
	}
}

static void
test_invalid(void **state)
{
	struct jid j;
	size_t i;

	(void)state;
	for (i = 0; i < LEN(invalid); i++) {
		j.local = j.domain = j.resource = "x";
		j.mem = (char *)0x1;
		if (jid_parse(invalid[i], strlen(invalid[i]), &j) != -1)
			fail_msg("accepted: %s (%zu)", invalid[i], i);
		assert_null(j.mem);
		assert_null(j.domain);
	}
}

/* The length comes from n: bytes past it are ignored, a NUL before it
 * is data (and disallowed). */
static void
test_lengths_from_n(void **state)
{
	struct jid j;

	(void)state;
	assert_int_equal(jid_parse("a@example.com/rest", 13, &j), 0);
	assert_string_equal(j.domain, "example.com");
	assert_null(j.resource);
	jid_free(&j);
	assert_int_equal(jid_parse("a\0b@example.com", 15, &j), -1);
	assert_int_equal(jid_parse("a@exa\0mple.com", 14, &j), -1);
	assert_int_equal(jid_parse("a@example.com/r\0", 16, &j), -1);
}

static char *
repeat(const char *unit, size_t times, const char *prefix, const char *suffix)
{
	size_t ul = strlen(unit), pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + ul * times + sl + 1), *p;
	size_t i;

	assert_non_null(s);
	memcpy(s, prefix, pl);
	p = s + pl;
	for (i = 0; i < times; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, suffix, sl + 1);
	return s;
}

static int
parses(const char *s)
{
	struct jid j;
	int rc = jid_parse(s, strlen(s), &j);

	jid_free(&j);
	return rc == 0;
}

static void
test_part_limits(void **state)
{
	char *s;

	(void)state;
	/* localpart and resourcepart: 1023 bytes after preparation */
	s = repeat("a", 1023, "", "@example.com");
	assert_true(parses(s));
	free(s);
	s = repeat("a", 1024, "", "@example.com");
	assert_false(parses(s));
	free(s);
	s = repeat("r", 1023, "a@example.com/", "");
	assert_true(parses(s));
	free(s);
	s = repeat("r", 1024, "a@example.com/", "");
	assert_false(parses(s));
	free(s);
	/* 341 three-byte characters fit, 342 do not */
	s = repeat("\xE2\x82\xAC", 341, "a@example.com/", "");
	assert_true(parses(s));
	free(s);
	s = repeat("\xE2\x82\xAC", 342, "a@example.com/", "");
	assert_false(parses(s));
	free(s);
	/* counted after mapping: fullwidth letters shrink to ASCII */
	s = repeat("\xEF\xBD\x81", 1023, "", "@example.com");
	assert_true(parses(s));
	free(s);
	s = repeat("\xEF\xBD\x81", 1024, "", "@example.com");
	assert_false(parses(s));
	free(s);
	/* raw input far past any possible result is refused outright */
	s = repeat("a", 100000, "", "@example.com");
	assert_false(parses(s));
	free(s);

	/* domain labels: 63 bytes; name: 253 bytes */
	s = repeat("a", 63, "x@", ".com");
	assert_true(parses(s));
	free(s);
	s = repeat("a", 64, "x@", ".com");
	assert_false(parses(s));
	free(s);
	/* 125 labels "a." and "bcd": 253 bytes */
	s = repeat("a.", 125, "x@", "bcd");
	assert_true(parses(s));
	free(s);
	s = repeat("a.", 125, "x@", "bcde");
	assert_false(parses(s));
	free(s);
	/* and a trailing dot does not count */
	s = repeat("a.", 125, "x@", "bcd.");
	assert_true(parses(s));
	free(s);
	/* an IDN name is measured in its A-label form */
	s = repeat("\xC3\xBC", 60, "x@", ".de");
	assert_false(parses(s)); /* xn-- + 60 + punycode > 63 */
	free(s);
	s = repeat("\xC3\xBC", 20, "x@", ".de");
	assert_true(parses(s));
	free(s);
}

static void
test_prep_functions(void **state)
{
	char *s;

	(void)state;
	s = jid_local_prep("\xEF\xBC\xAA"
	                   "uliet",
	    8);
	assert_non_null(s);
	assert_string_equal(s, "juliet");
	free(s);
	assert_null(jid_local_prep("", 0));
	assert_null(jid_local_prep("a@b", 3));
	assert_null(jid_local_prep("a b", 3));

	s = jid_domain_prep("EXAMPLE.com.", 12);
	assert_non_null(s);
	assert_string_equal(s, "example.com");
	free(s);
	s = jid_domain_prep("XN--BCHER-KVA.DE", 16);
	assert_non_null(s);
	assert_string_equal(s,
	    "b\xC3\xBC"
	    "cher.de");
	free(s);
	assert_null(jid_domain_prep(".", 1));
	assert_null(jid_domain_prep("", 0));

	s = jid_resource_prep("Foo Bar", 7);
	assert_non_null(s);
	assert_string_equal(s, "Foo Bar");
	free(s);
	assert_null(jid_resource_prep("", 0));
	assert_null(jid_resource_prep("\x01", 1));
}

static void
test_equality(void **state)
{
	struct jid a, b, c, d;

	(void)state;
	assert_int_equal(jid_parse("Juliet@EXAMPLE.com./Balcony", 27, &a), 0);
	assert_int_equal(jid_parse("juliet@example.com/Balcony", 26, &b), 0);
	assert_int_equal(jid_parse("juliet@example.com/balcony", 26, &c), 0);
	assert_int_equal(jid_parse("example.com/Balcony", 19, &d), 0);
	assert_true(jid_full_eq(&a, &b));
	assert_true(jid_bare_eq(&a, &b));
	assert_true(jid_bare_eq(&a, &c));
	assert_false(jid_full_eq(&a, &c)); /* resources keep their case */
	assert_false(jid_bare_eq(&a, &d)); /* no localpart vs. one */
	assert_false(jid_bare_eq(&d, &a));
	jid_free(&c);
	assert_int_equal(jid_parse("juliet@example.com", 18, &c), 0);
	assert_true(jid_bare_eq(&a, &c));
	assert_false(jid_full_eq(&a, &c)); /* no resource vs. one */
	assert_false(jid_full_eq(&c, &a));
	jid_free(&a);
	jid_free(&b);
	jid_free(&c);
	jid_free(&d);
}

static void
test_format(void **state)
{
	struct jid j, k;
	char buf[64];
	struct arena *a;

	(void)state;
	assert_int_equal(jid_parse("Juliet@Example.com/Balcony", 26, &j), 0);
	assert_int_equal(jid_format(&j, 1, buf, sizeof(buf)), 26);
	assert_string_equal(buf, "juliet@example.com/Balcony");
	assert_int_equal(jid_format(&j, 0, buf, sizeof(buf)), 18);
	assert_string_equal(buf, "juliet@example.com");
	/* the NUL must fit as well */
	assert_int_equal(jid_format(&j, 1, buf, 27), 26);
	assert_int_equal(jid_format(&j, 1, buf, 26), -1);
	assert_int_equal(jid_format(&j, 0, buf, 19), 18);
	assert_int_equal(jid_format(&j, 0, buf, 18), -1);
	assert_int_equal(jid_format(&j, 0, buf, 0), -1);

	a = arena_new(256);
	assert_non_null(a);
	assert_string_equal(jid_bare_str(a, &j), "juliet@example.com");
	assert_string_equal(jid_full_str(a, &j), "juliet@example.com/Balcony");
	jid_free(&j);

	assert_int_equal(jid_parse("example.com", 11, &k), 0);
	assert_string_equal(jid_full_str(a, &k), "example.com");
	assert_int_equal(jid_format(&k, 1, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "example.com");
	jid_free(&k);

	assert_int_equal(jid_parse("example.com/r/s", 15, &k), 0);
	assert_string_equal(jid_bare_str(a, &k), "example.com");
	assert_string_equal(jid_full_str(a, &k), "example.com/r/s");
	jid_free(&k);
	arena_free(a);
}

/* Formatting then parsing gives the same jid back. */
static void
test_roundtrip(void **state)
{
	char buf[3 * JID_PART_MAX + 3];
	struct jid j, k;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < LEN(valid); i++) {
		assert_int_equal(
		    jid_parse(valid[i].in, strlen(valid[i].in), &j), 0);
		n = jid_format(&j, 1, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(jid_parse(buf, (size_t)n, &k), 0);
		assert_true(jid_full_eq(&j, &k));
		jid_free(&k);
		n = jid_format(&j, 0, buf, sizeof(buf));
		assert_int_equal(jid_parse(buf, (size_t)n, &k), 0);
		assert_true(jid_bare_eq(&j, &k));
		assert_null(k.resource);
		jid_free(&k);
		jid_free(&j);
	}
}

static void
test_make_copy_free(void **state)
{
	struct jid j, k;
	char *big;

	(void)state;
	assert_int_equal(jid_make(&j, "juliet", "example.com", "r"), 0);
	assert_int_equal(jid_copy(&k, &j), 0);
	assert_ptr_not_equal(k.mem, j.mem);
	jid_free(&j);
	jid_free(&j); /* second free is a no-op */
	jid_free(NULL);
	assert_string_equal(k.local, "juliet");
	assert_string_equal(k.domain, "example.com");
	assert_string_equal(k.resource, "r");
	jid_free(&k);

	assert_int_equal(jid_make(&j, NULL, "example.com", NULL), 0);
	assert_null(j.local);
	assert_null(j.resource);
	assert_string_equal(j.domain, "example.com");
	jid_free(&j);

	assert_int_equal(jid_make(&j, "a", NULL, NULL), -1);
	assert_null(j.mem);
	assert_int_equal(jid_make(&j, "", "example.com", NULL), -1);
	assert_int_equal(jid_make(&j, "a", "", NULL), -1);
	assert_int_equal(jid_make(&j, "a", "example.com", ""), -1);
	big = repeat("a", JID_PART_MAX + 1, "", "");
	assert_int_equal(jid_make(&j, big, "example.com", NULL), -1);
	assert_int_equal(jid_make(&j, "a", "example.com", big), -1);
	big[JID_PART_MAX] = '\0';
	assert_int_equal(jid_make(&j, big, "example.com", big), 0);
	jid_free(&j);
	free(big);
}

static void
test_arena(void **state)
{
	struct arena *a = arena_new(64);
	struct jid j;

	(void)state;
	assert_non_null(a);
	assert_int_equal(jid_parse_arena(a, "Juliet@Example.com/r", 20, &j), 0);
	assert_null(j.mem);
	assert_string_equal(j.local, "juliet");
	assert_string_equal(j.domain, "example.com");
	assert_string_equal(j.resource, "r");
	jid_free(&j); /* no-op for an arena jid */
	assert_string_equal(j.domain, "example.com");
	assert_int_equal(jid_parse_arena(a, "@example.com", 12, &j), -1);
	assert_null(j.domain);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_lengths_from_n),
	    cmocka_unit_test(test_part_limits),
	    cmocka_unit_test(test_prep_functions),
	    cmocka_unit_test(test_equality),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_make_copy_free),
	    cmocka_unit_test(test_arena),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
