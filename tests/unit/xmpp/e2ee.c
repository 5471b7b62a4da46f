/*
 * Tests for src/xmpp/e2ee.c: which messages count as plaintext (the test
 * the policy, the archive and offline storage share).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "xml/xml.h"
#include "xmpp/e2ee.h"

static const struct {
	const char *msg;
	int plaintext;
} cases[] = {
    {"<message><body>hi</body></message>", 1},
    {"<message type='chat'><body/></message>", 1},
    {"<message><active xmlns='http://jabber.org/protocol/chatstates'/>"
     "</message>",
        0},
    {"<message><body>fallback</body><encrypted "
     "xmlns='eu.siacs.conversations.axolotl'/></message>",
        0},
    {"<message><encrypted xmlns='urn:xmpp:omemo:2'/><body>f</body>"
     "</message>",
        0},
    {"<message><body>f</body><openpgp xmlns='urn:xmpp:openpgp:0'>x"
     "</openpgp></message>",
        0},
    {"<message><body>f</body><x xmlns='jabber:x:encrypted'>x</x>"
     "</message>",
        0},
    {"<message><body>?OTR:AAMD</body></message>", 0},
    {"<message><body>?OTRv23?</body></message>", 0},
    {"<message><body>?OT</body></message>", 1},
    {"<message><body> ?OTR:</body></message>", 1},
    /* An EME tag alone is not encryption. */
    {"<message><encryption xmlns='urn:xmpp:eme:0' "
     "namespace='urn:xmpp:omemo:2'/><body>f</body></message>",
        1},
    /* An EME tag with a payload in the namespace it names is. */
    {"<message><encryption xmlns='urn:xmpp:eme:0' namespace='urn:x:new'/>"
     "<body>f</body><data xmlns='urn:x:new'>x</data></message>",
        0},
    /* Not the client namespace's body. */
    {"<message><body xmlns='urn:x:other'>hi</body></message>", 0},
};

static void
test_plaintext(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new(4096);
		struct xml_node *m;

		assert_non_null(a);
		m = xml_parse_element(
		    a, cases[i].msg, strlen(cases[i].msg), NULL);
		assert_non_null(m);
		if (e2ee_plaintext(m) != cases[i].plaintext)
			fail_msg("case %zu: %s", i, cases[i].msg);
		arena_free(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plaintext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
