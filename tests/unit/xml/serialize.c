/*
 * Tests for src/xml/serialize.c: escaping, namespace declarations, and
 * that a parsed stanza serialized and parsed again gives the same tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "xml/xml.h"

#define HDR                                                                    \
	"<stream:stream xmlns='jabber:client' "                                \
	"xmlns:stream='http://etherx.jabber.org/streams' to='example.org' "    \
	"version='1.0'>"

struct got {
	struct xml_node *st;
	struct arena *a;
	int n;
};

static void
on_stanza(void *arg, struct xml_node *st, struct arena *a)
{
	struct got *g = arg;

	if (g->a != NULL)
		arena_free(g->a);
	g->st = st;
	g->a = a;
	g->n++;
}

/* Parses one stanza inside a client stream; the caller frees g->a. */
static void
parse_one(const char *xml, size_t len, struct got *g)
{
	static const struct xml_parser_cb cb = {NULL, on_stanza, NULL};
	struct xml_limits lim = {65536, 32, 64, 4096};
	struct xml_parser *p = xml_parser_new(&lim, &cb, g);

	memset(g, 0, sizeof(*g));
	assert_non_null(p);
	assert_int_equal(xml_parser_feed(p, HDR, strlen(HDR)), XML_OK);
	assert_int_equal(xml_parser_feed(p, xml, len), XML_OK);
	assert_int_equal(g->n, 1);
	xml_parser_free(p);
}

static int
tree_equal(const struct xml_node *a, const struct xml_node *b)
{
	const struct xml_node *ca, *cb;
	const struct xml_attr *x;
	int na = 0, nb = 0;

	if ((a->name == NULL) != (b->name == NULL))
		return 0;
	if (a->name == NULL)
		return a->text_len == b->text_len &&
		    memcmp(a->text, b->text, a->text_len) == 0;
	if (strcmp(a->name, b->name) != 0 || strcmp(a->ns, b->ns) != 0)
		return 0;
	for (x = a->attrs; x != NULL; x = x->next) {
		const char *v = xml_attr_ns(b, x->ns, x->name);

		if (v == NULL || strcmp(v, x->value) != 0)
			return 0;
		na++;
	}
	for (x = b->attrs; x != NULL; x = x->next)
		nb++;
	if (na != nb)
		return 0;
	for (ca = a->children, cb = b->children; ca && cb;
	     ca = ca->next, cb = cb->next)
		if (!tree_equal(ca, cb))
			return 0;
	return ca == NULL && cb == NULL;
}

/* Serializes n and checks the exact bytes. */
static void
expect(const struct xml_node *n, const char *ctx, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(xml_serialize(n, ctx, &b), 0);
	assert_int_equal(buf_size(&b), strlen(want));
	assert_memory_equal(buf_ptr(&b), want, strlen(want));
	buf_free(&b);
}

static void
test_escaping(void **state)
{
	struct arena *a = arena_new(256);
	struct xml_node *m = xml_new(a, XML_NS_CLIENT, "message"), *b;
	const char *t = "a<b & c>d 'q' \"dq\" ]]> x\r\ny\tz";

	(void)state;
	xml_set_attr(a, m, "id", "a'b\"c<d&e>f\tg\nh\ri");
	b = xml_add(a, m, NULL, "body");
	xml_add_text(a, b, t, strlen(t));
	expect(m, XML_NS_CLIENT,
	    "<message id='a&apos;b&quot;c&lt;d&amp;e&gt;f&#9;g&#10;h&#13;i'>"
	    "<body>a&lt;b &amp; c&gt;d 'q' \"dq\" ]]&gt; x&#13;\ny\tz</body>"
	    "</message>");
	arena_free(a);
}

static void
test_bad_characters(void **state)
{
	struct arena *a = arena_new(256);
	struct xml_node *b = xml_new(a, "", "b");
	/* control char, lone continuation, overlong, surrogate, U+FFFE,
	 * truncated sequence, then valid é and an emoji */
	static const char t[] = "A\x01"
	                        "B\x80"
	                        "C\xC0\xAF"
	                        "D\xED\xA0\x80"
	                        "E\xEF\xBF\xBE"
	                        "F\xE2\x82"
	                        "G\xC3\xA9\xF0\x9F\x98\x80";

	(void)state;
	xml_add_text(a, b, t, sizeof(t) - 1);
	xml_set_attr(a, b, "v", "x\x02y");
	expect(b, "",
	    "<b v='xy'>AB\xEF\xBF\xBD"
	    "C\xEF\xBF\xBD\xEF\xBF\xBD"
	    "D\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
	    "E\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
	    "F\xEF\xBF\xBD\xEF\xBF\xBD"
	    "G\xC3\xA9\xF0\x9F\x98\x80</b>");
	arena_free(a);
}

static void
test_namespaces(void **state)
{
	struct arena *a = arena_new(256);
	struct xml_node *iq, *q, *item, *x;

	(void)state;
	iq = xml_new(a, XML_NS_CLIENT, "iq");
	xml_set_attr(a, iq, "type", "result");
	q = xml_add(a, iq, "jabber:iq:roster", "query");
	item = xml_add(a, q, NULL, "item");
	xml_set_attr(a, item, "jid", "a@b");
	x = xml_add(a, item, "", "plain");
	xml_add(a, x, "", "plainer");
	/* inherited: no xmlns on item; "" child must undeclare */
	expect(iq, XML_NS_CLIENT,
	    "<iq type='result'><query xmlns='jabber:iq:roster'>"
	    "<item jid='a@b'><plain xmlns=''><plainer/></plain></item>"
	    "</query></iq>");
	/* another context: the top element declares its namespace */
	expect(iq, XML_NS_SERVER,
	    "<iq xmlns='jabber:client' type='result'>"
	    "<query xmlns='jabber:iq:roster'><item jid='a@b'>"
	    "<plain xmlns=''><plainer/></plain></item></query></iq>");
	/* a subtree alone, no context */
	expect(item, NULL,
	    "<item xmlns='jabber:iq:roster' jid='a@b'>"
	    "<plain xmlns=''><plainer/></plain></item>");
	expect(x, NULL, "<plain><plainer/></plain>");
	arena_free(a);
}

static void
test_attr_namespaces(void **state)
{
	struct arena *a = arena_new(256);
	struct xml_node *m = xml_new(a, XML_NS_CLIENT, "message");

	(void)state;
	xml_set_attr_ns(a, m, XML_NS_XML, "lang", "en");
	xml_set_attr_ns(a, m, "urn:a", "one", "1");
	xml_set_attr_ns(a, m, "urn:b", "two", "2");
	xml_set_attr_ns(a, m, "urn:a", "three", "3");
	xml_set_attr_ns(a, m, XML_NS_CLIENT, "four", "4");
	/* recorded declarations are not written */
	xml_set_attr_ns(a, m, XML_NS_XMLNS, "stream", "urn:s");
	expect(m, XML_NS_CLIENT,
	    "<message xml:lang='en' xmlns:ns1='urn:a' ns1:one='1' "
	    "xmlns:ns2='urn:b' ns2:two='2' ns1:three='3' "
	    "xmlns:ns3='jabber:client' ns3:four='4'/>");
	arena_free(a);
}

static void
test_appends(void **state)
{
	struct arena *a = arena_new(256);
	struct xml_node *x = xml_new(a, "", "x");
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append_str(&b, "0123456789"), 0);
	buf_consume(&b, 4);
	assert_int_equal(xml_serialize(x, "", &b), 0);
	assert_int_equal(xml_serialize(x, "", &b), 0);
	assert_int_equal(buf_size(&b), 6 + 8);
	assert_memory_equal(buf_ptr(&b), "456789<x/><x/>", 14);
	buf_free(&b);
	arena_free(a);
}

static const char *const stanzas[] = {
    "<message to='juliet@example.com' type='chat' xml:lang='en' "
    "id='a&amp;b&apos;&quot;&lt;&gt;'><body>Wherefore &amp; &lt;art&gt; "
    "thou, \"Romeo\"? ]]&gt; &#x1F600; caf\xC3\xA9</body>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "<iq xmlns='jabber:client' type='get' id='r'>"
    "<query xmlns='jabber:iq:roster'/></iq>",
    "<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
    "<publish node='urn:xmpp:avatar:data'><item id='x'>"
    "<data xmlns='urn:xmpp:avatar:data'>AAAA</data></item></publish>"
    "</pubsub></iq>",
    /* prefixed child elements and prefixed attributes */
    "<message><x:event xmlns:x='urn:x' xmlns:y='urn:y' y:when='now' "
    "x:a='1' b='2'><x:inner/><plain xmlns=''><x:deep/></plain></x:event>"
    "</message>",
    /* whitespace, CDATA, newlines and character references in values */
    "<presence>\n  <show>away</show>\n  <status><![CDATA[<b>&</b>]]>"
    "</status>\r\n<c v='a&#10;b&#9;c&#13;d' w=\"'\"/></presence>",
    /* the stream namespace's own prefix inside a stanza */
    "<stream:error><not-well-formed "
    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
    "<message xmlns='jabber:server' from='a@b'><body/></message>",
    "<message><body xmlns=''>unqualified</body></message>",
};

static void
test_round_trip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(stanzas) / sizeof(stanzas[0]); i++) {
		struct got g1, g2;
		struct buf b1 = BUF_INIT, b2 = BUF_INIT;

		parse_one(stanzas[i], strlen(stanzas[i]), &g1);
		assert_int_equal(xml_serialize(g1.st, XML_NS_CLIENT, &b1), 0);
		parse_one(buf_ptr(&b1), buf_size(&b1), &g2);
		if (!tree_equal(g1.st, g2.st))
			fail_msg("round trip %zu differs: %.*s", i,
			    (int)buf_size(&b1), buf_ptr(&b1));
		/* stable: serializing the re-parsed tree gives the same */
		assert_int_equal(xml_serialize(g2.st, XML_NS_CLIENT, &b2), 0);
		assert_int_equal(buf_size(&b1), buf_size(&b2));
		assert_memory_equal(buf_ptr(&b1), buf_ptr(&b2), buf_size(&b1));
		buf_free(&b1);
		buf_free(&b2);
		arena_free(g1.a);
		arena_free(g2.a);
	}
}

static void
test_parsed_output(void **state)
{
	struct got g;
	struct buf b = BUF_INIT;
	const char *in = "<iq xmlns='jabber:client' type='get'>"
	                 "<query xmlns='jabber:iq:roster'/></iq>";
	const char *pre = "<message><x:a xmlns:x='urn:x'><x:b/></x:a>"
	                  "</message>";

	(void)state;
	parse_one(in, strlen(in), &g);
	assert_int_equal(xml_serialize(g.st, XML_NS_CLIENT, &b), 0);
	assert_int_equal(buf_size(&b),
	    strlen("<iq type='get'><query "
	           "xmlns='jabber:iq:roster'/></iq>"));
	assert_memory_equal(buf_ptr(&b),
	    "<iq type='get'><query xmlns='jabber:iq:roster'/></iq>",
	    buf_size(&b));
	buf_free(&b);
	arena_free(g.a);

	/* prefixes become default declarations */
	parse_one(pre, strlen(pre), &g);
	assert_int_equal(xml_serialize(g.st, XML_NS_CLIENT, &b), 0);
	assert_int_equal(buf_size(&b),
	    strlen("<message><a xmlns='urn:x'><b/></a></message>"));
	assert_memory_equal(buf_ptr(&b),
	    "<message><a xmlns='urn:x'><b/></a></message>", buf_size(&b));
	buf_free(&b);
	arena_free(g.a);
}

static void
expect_xml(const char *in, int attr, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(xml_escape(&b, in, strlen(in), attr), 0);
	assert_int_equal(buf_size(&b), strlen(want));
	assert_memory_equal(buf_ptr(&b), want, strlen(want));
	buf_free(&b);
}

static void
test_escape_function(void **state)
{
	struct buf b = BUF_INIT;

	expect_xml("", 0, "");
	expect_xml("plain text", 0, "plain text");
	expect_xml("a<b>&c", 0, "a&lt;b&gt;&amp;c");
	expect_xml("\"quoted\" 'single'", 0, "\"quoted\" 'single'");
	expect_xml(
	    "\"quoted\" 'single'", 1, "&quot;quoted&quot; &apos;single&apos;");
	expect_xml("&&", 1, "&amp;&amp;");
	expect_xml("<", 1, "&lt;");
	expect_xml(
	    "caf\xc3\xa9 \xf0\x9f\x98\x80", 0, "caf\xc3\xa9 \xf0\x9f\x98\x80");

	/* Length-bounded: stops at n, NULs included. */
	assert_int_equal(buf_append_str(&b, "x="), 0);
	assert_int_equal(xml_escape(&b, "a&b<c", 3, 0), 0);
	assert_int_equal(xml_escape(&b, "\0<", 2, 0), 0);
	/* NUL is not an XML character: dropped. */
	assert_int_equal(buf_size(&b), 2 + 7 + 4);
	assert_memory_equal(buf_ptr(&b), "x=a&amp;b&lt;", 13);
	buf_free(&b);
	expect_xml("a\rb", 0, "a&#13;b");
	expect_xml("a\tb\nc", 1, "a&#9;b&#10;c");
	expect_xml("a\tb\nc", 0, "a\tb\nc");
	expect_xml("bad \xff byte", 0, "bad \xEF\xBF\xBD byte");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_escape_function),
	    cmocka_unit_test(test_bad_characters),
	    cmocka_unit_test(test_namespaces),
	    cmocka_unit_test(test_attr_namespaces),
	    cmocka_unit_test(test_appends),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_parsed_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
