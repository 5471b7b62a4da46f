/*
 * Tests for src/xmpp/rosterinbox.c: the stored form of a roster change
 * waiting for an account (kind and peer, nothing else), and that what is
 * not that form is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "xmpp/rosterinbox.h"

static void
test_round_trip(void **state)
{
	static const char *const peers[] = {
	    "a@localhost", "x@example.org", "\xc3\xa9@h"};
	enum rosterinbox_kind k, got;
	const char *peer;
	size_t i, n;

	(void)state;
	for (k = RI_SUBSCRIBE; k <= RI_GONE; k++) {
		for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
			struct buf b = BUF_INIT;

			assert_int_equal(
			    rosterinbox_encode(k, peers[i], &b), 0);
			assert_int_equal(rosterinbox_decode(buf_ptr(&b),
			                     buf_size(&b), &got, &peer, &n),
			    0);
			assert_int_equal(got, k);
			assert_int_equal(n, strlen(peers[i]));
			assert_memory_equal(peer, peers[i], n);
			buf_free(&b);
		}
	}
}

static void
test_stored_form(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(
	    rosterinbox_encode(RI_UNSUBSCRIBED, "a@localhost", &b), 0);
	assert_int_equal(buf_size(&b), strlen("unsubscribed a@localhost"));
	assert_memory_equal(
	    buf_ptr(&b), "unsubscribed a@localhost", buf_size(&b));
	buf_free(&b);
}

static void
test_encode_refuses(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(rosterinbox_encode(RI_SUBSCRIBE, "", &b), -1);
	assert_int_equal(rosterinbox_encode(RI_SUBSCRIBE, "a b@h", &b), -1);
	assert_int_equal(
	    rosterinbox_encode((enum rosterinbox_kind)99, "a@h", &b), -1);
	assert_int_equal(buf_size(&b), 0);
	buf_free(&b);
}

static void
test_decode_refuses(void **state)
{
	static const char *const bad[] = {"", "subscribe", "subscribe ",
	    "subscribed  a@h", "probe a@h", "Subscribe a@h", " a@h",
	    "gone a@h x"};
	enum rosterinbox_kind k;
	const char *peer;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    rosterinbox_decode(bad[i], strlen(bad[i]), &k, &peer, &n),
		    -1);
	/* An embedded NUL is no JID. */
	assert_int_equal(rosterinbox_decode("gone a\0b", 8, &k, &peer, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_stored_form),
	    cmocka_unit_test(test_encode_refuses),
	    cmocka_unit_test(test_decode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
