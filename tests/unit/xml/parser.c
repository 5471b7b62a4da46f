/*
 * Tests for src/xml/parser.c: stanzas delivered whole however the input
 * is cut, XMPP's XML restrictions, every limit, stop/reset, shrink, close.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "xml/xml.h"

#define NS_S "http://etherx.jabber.org/streams"
#define HDR                                                                    \
	"<stream:stream xmlns='jabber:client' xmlns:stream='" NS_S "' "        \
	"to='example.org' version='1.0' xml:lang='en'>"

struct rec {
	int opens, stanzas, closes;
	struct buf out; /* every stanza serialized, one per line */
	char root_to[64]; /* root's "to" */
	char root_ns[64]; /* root's recorded default namespace */
	char last_ns[64]; /* namespace of the last stanza */
	struct xml_parser *p;
	int stop_at; /* call stop when this stanza arrives (1-based) */
	int reset_at; /* call reset from the callback */
	int free_at; /* call free from the callback */
	int shrink_in_cb;
	int quiet; /* do not keep the serialized stanzas */
};

static void
on_open(void *arg, const struct xml_node *root)
{
	struct rec *r = arg;
	const char *v;

	r->opens++;
	assert_string_equal(root->ns, NS_S);
	assert_string_equal(root->name, "stream");
	v = xml_attr(root, "to");
	snprintf(r->root_to, sizeof(r->root_to), "%s", v ? v : "");
	v = xml_attr_ns(root, XML_NS_XMLNS, "xmlns");
	snprintf(r->root_ns, sizeof(r->root_ns), "%s", v ? v : "");
}

static void
on_stanza(void *arg, struct xml_node *st, struct arena *a)
{
	struct rec *r = arg;

	r->stanzas++;
	snprintf(r->last_ns, sizeof(r->last_ns), "%s", st->ns);
	assert_null(st->parent);
	if (!r->quiet) {
		assert_int_equal(xml_serialize(st, XML_NS_CLIENT, &r->out), 0);
		assert_int_equal(buf_append(&r->out, "\n", 1), 0);
	}
	arena_free(a);
	if (r->shrink_in_cb)
		assert_int_equal(xml_parser_shrink(r->p), 0);
	if (r->stanzas == r->stop_at)
		xml_parser_stop(r->p);
	if (r->stanzas == r->reset_at)
		assert_int_equal(xml_parser_reset(r->p), 0);
	if (r->stanzas == r->free_at) {
		xml_parser_free(r->p);
		r->p = NULL;
	}
}

static void
on_close(void *arg)
{
	struct rec *r = arg;

	r->closes++;
}

static const struct xml_parser_cb cbs = {on_open, on_stanza, on_close};

static struct xml_parser *
mk(struct rec *r, size_t stanza, unsigned depth, unsigned attrs, size_t header)
{
	struct xml_limits lim = {stanza, depth, attrs, header};

	memset(r, 0, sizeof(*r));
	r->p = xml_parser_new(&lim, &cbs, r);
	assert_non_null(r->p);
	return r->p;
}

static void
done(struct rec *r)
{
	xml_parser_free(r->p);
	buf_free(&r->out);
}

static enum xml_status
feed(struct xml_parser *p, const char *s)
{
	return xml_parser_feed(p, s, strlen(s));
}

/* Feeds s in pieces of n bytes; stops at the first status that is not OK. */
static enum xml_status
feed_by(struct xml_parser *p, const char *s, size_t len, size_t n)
{
	enum xml_status st = XML_OK;
	size_t off;

	for (off = 0; off < len && st == XML_OK; off += n)
		st = xml_parser_feed(p, s + off, len - off < n ? len - off : n);
	return st;
}

static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* A stream with a bit of everything a tokenizer can trip on. */
static const char stream_text[] =
    "\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-8'?>\n" HDR
    "\n <message to='juliet@example.com' type=\"chat\" id='a>b'>"
    "<body>caf\xC3\xA9 \xF0\x9F\x98\x80 &amp; &#x263A; &lt;&gt; a]]b</body>"
    "<x xmlns='urn:x' a=\"'\" b='\"'/></message>\r\n"
    "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"
    "   \t\n"
    "<presence><status><![CDATA[<not>&a;tag]]]></status>"
    "<c:c xmlns:c='urn:c' c:x='1'>\r\r\ntext</c:c></presence>"
    "<r xmlns='urn:xmpp:sm:3'/>";

static const char stream_want[] =
    "<message to='juliet@example.com' type='chat' id='a&gt;b'>"
    "<body>caf\xC3\xA9 \xF0\x9F\x98\x80 &amp; \xE2\x98\xBA &lt;&gt; a]]b"
    "</body><x xmlns='urn:x' a='&apos;' b='&quot;'/></message>\n"
    "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>\n"
    "<presence><status>&lt;not&gt;&amp;a;tag]</status>"
    "<c xmlns='urn:c' xmlns:ns1='urn:c' ns1:x='1'>\n\ntext</c></presence>\n"
    "<r xmlns='urn:xmpp:sm:3'/>\n";

static void
check_stream(struct rec *r)
{
	assert_int_equal(r->opens, 1);
	assert_int_equal(r->stanzas, 4);
	assert_string_equal(r->root_to, "example.org");
	assert_string_equal(r->root_ns, "jabber:client");
	assert_int_equal(buf_size(&r->out), strlen(stream_want));
	assert_memory_equal(buf_ptr(&r->out), stream_want, strlen(stream_want));
}

static void
test_whole_and_bytewise(void **state)
{
	struct rec r;
	size_t n, i;

	(void)state;
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(
	    xml_parser_feed(r.p, stream_text, sizeof(stream_text) - 1), XML_OK);
	check_stream(&r);
	done(&r);

	for (n = 1; n <= 7; n++) {
		mk(&r, 0, 0, 0, 0);
		assert_int_equal(
		    feed_by(r.p, stream_text, sizeof(stream_text) - 1, n),
		    XML_OK);
		check_stream(&r);
		done(&r);
	}

	/* Byte by byte, each stanza arrives exactly with its last byte. */
	mk(&r, 0, 0, 0, 0);
	for (i = 0; i < sizeof(stream_text) - 1; i++) {
		int before = r.stanzas;
		const char *end;

		assert_int_equal(
		    xml_parser_feed(r.p, stream_text + i, 1), XML_OK);
		if (r.stanzas != before) {
			assert_int_equal(stream_text[i], '>');
			end = stream_text + i + 1;
			assert_true(strncmp(end - 10, "</message>", 10) == 0 ||
			    strncmp(end - 5, "</iq>", 5) == 0 ||
			    strncmp(end - 11, "</presence>", 11) == 0 ||
			    strncmp(end - 2, "/>", 2) == 0);
		}
	}
	check_stream(&r);
	done(&r);
}

static void
test_shrink_everywhere(void **state)
{
	struct rec r;
	size_t i;
	int shrunk = 0;

	(void)state;
	/* Shrinking wherever it is allowed changes nothing in the result. */
	mk(&r, 0, 0, 0, 0);
	for (i = 0; i < sizeof(stream_text) - 1; i++) {
		assert_int_equal(
		    xml_parser_feed(r.p, stream_text + i, 1), XML_OK);
		shrunk += xml_parser_shrink(r.p);
	}
	check_stream(&r);
	/* between stanzas and in the whitespace between them */
	assert_true(shrunk >= 8);
	done(&r);
}

static void
test_restricted(void **state)
{
	static const struct {
		const char *in;
		enum xml_status want;
	} cases[] = {
	    {"<?xml version='1.0'?><!DOCTYPE stream:stream>" HDR,
	        XML_ERR_RESTRICTED},
	    {"<!DOCTYPE s [<!ENTITY e 'boom'>]>" HDR, XML_ERR_RESTRICTED},
	    {"<!DOCTYPE s [<!ENTITY % p 'x'>]>" HDR, XML_ERR_RESTRICTED},
	    {"<!-- hello -->" HDR, XML_ERR_RESTRICTED},
	    {HDR "<!-- hello -->", XML_ERR_RESTRICTED},
	    {HDR "<message><!-- it's > here --></message>", XML_ERR_RESTRICTED},
	    {HDR "<?foo bar?>", XML_ERR_RESTRICTED},
	    {HDR "<message><?php echo 1; ?></message>", XML_ERR_RESTRICTED},
	    {"<?xml-stylesheet href='x'?>" HDR, XML_ERR_RESTRICTED},
	    {HDR "<message>&ent;</message>", XML_ERR_NOT_WELL_FORMED},
	    {HDR "<message><!DOCTYPE x></message>", XML_ERR_NOT_WELL_FORMED},
	    {HDR "<?xml version='1.0'?>", XML_ERR_NOT_WELL_FORMED},
	    {"<?xml version='1.0' encoding='ISO-8859-1'?>" HDR,
	        XML_ERR_ENCODING},
	    {"<?xml version='1.0' encoding='UTF-16'?>" HDR, XML_ERR_ENCODING},
	    {"<?xml version='1.0' encoding='utf-8'?>" HDR "<a/>", XML_OK},
	};
	struct rec r;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = 1; n <= 1000; n *= 1000) {
			enum xml_status got;

			mk(&r, 0, 0, 0, 0);
			got = feed_by(r.p, cases[i].in, strlen(cases[i].in), n);
			if (got != cases[i].want)
				fail_msg("case %zu (step %zu): got %d, want %d",
				    i, n, (int)got, (int)cases[i].want);
			/* an error is sticky */
			if (cases[i].want != XML_OK)
				assert_int_equal(
				    feed(r.p, "<a/>"), cases[i].want);
			assert_int_equal(r.stanzas, cases[i].want == XML_OK);
			done(&r);
		}
	}
}

static void
test_stanza_limit(void **state)
{
	struct rec r;
	char big[1200];
	size_t pre = strlen("<message><body>"),
	       post = strlen("</body></message>");

	(void)state;
	/* exactly at the limit: accepted; one more byte: refused */
	memset(big, 'x', sizeof(big));
	memcpy(big, "<message><body>", pre);
	memcpy(big + 1000 - post, "</body></message>", post);
	mk(&r, 1000, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(xml_parser_feed(r.p, big, 1000), XML_OK);
	/* the limit is per stanza, and whitespace between is not counted */
	assert_int_equal(xml_parser_feed(r.p, big, 1000), XML_OK);
	memset(big, ' ', sizeof(big));
	assert_int_equal(feed_by(r.p, big, sizeof(big), 100), XML_OK);
	assert_int_equal(feed_by(r.p, big, sizeof(big), 1), XML_OK);
	assert_int_equal(r.stanzas, 2);
	done(&r);

	memset(big, 'x', sizeof(big));
	memcpy(big, "<message><body>", pre);
	memcpy(big + 1001 - post, "</body></message>", post);
	mk(&r, 1000, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(xml_parser_feed(r.p, big, 1001), XML_ERR_POLICY);
	assert_int_equal(r.stanzas, 0);
	done(&r);

	mk(&r, 1000, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(feed_by(r.p, big, 1001, 1), XML_ERR_POLICY);
	assert_int_equal(r.stanzas, 0);
	done(&r);

	/* the header has its own limit */
	mk(&r, 0, 0, 0, 100);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	done(&r);
	mk(&r, 0, 0, 0, 60);
	assert_int_equal(feed_by(r.p, HDR, strlen(HDR), 7), XML_ERR_POLICY);
	assert_int_equal(r.opens, 0);
	done(&r);
}

/*
 * A start tag that never ends, fed in reads of 1000 bytes: refused on the
 * read that crosses the limit, having held about the limit, not the input.
 */
static void
test_giant_attribute(void **state)
{
	const size_t lim = 64 * 1024, chunk = 1000;
	struct rec r;
	char *v = malloc(chunk);
	size_t fed = 0, base, peak = 0, now;
	enum xml_status st = XML_OK;
	char *huge;

	(void)state;
	memset(v, 'a', chunk);
	mk(&r, lim, 0, 0, 0);
	assert_int_equal(
	    feed(r.p, HDR "<message><body>hi</body></message>"), XML_OK);
	base = heap_used();
	assert_int_equal(feed(r.p, "<message to='"), XML_OK);
	fed = strlen("<message to='");
	while (st == XML_OK && fed < 4 * lim) {
		st = xml_parser_feed(r.p, v, chunk);
		fed += chunk;
		now = heap_used();
		if (now > base && now - base > peak)
			peak = now - base;
	}
	assert_int_equal(st, XML_ERR_POLICY);
	assert_true(fed > lim && fed <= lim + chunk);
	printf("# giant attribute: refused after %zu bytes, peak heap %zu "
	       "bytes over a %zu-byte limit\n",
	    fed, peak, lim);
	assert_true(peak < 2 * lim + 16 * 1024);
	assert_int_equal(r.stanzas, 1);
	done(&r);

	/* The same in one read of 16 times the limit: nothing is copied. */
	huge = malloc(16 * lim);
	memset(huge, 'a', 16 * lim);
	memcpy(huge, "<message to='", 13);
	mk(&r, lim, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	base = heap_used();
	assert_int_equal(xml_parser_feed(r.p, huge, 16 * lim), XML_ERR_POLICY);
	now = heap_used();
	assert_true(now < base + lim);
	done(&r);

	/* ...and a huge text node in one read */
	memcpy(huge, "<message><body>", 15);
	mk(&r, lim, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(xml_parser_feed(r.p, huge, 16 * lim), XML_ERR_POLICY);
	done(&r);
	free(huge);
	free(v);
}

static void
test_tree_budget(void **state)
{
	struct rec r;
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	/* 4 KiB of empty elements would be 80 KiB of nodes */
	buf_append_str(&b, "<m>");
	for (i = 0; i < 1000; i++)
		buf_append_str(&b, "<a/>");
	buf_append_str(&b, "</m>");
	mk(&r, 4096, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(
	    xml_parser_feed(r.p, buf_ptr(&b), buf_size(&b)), XML_ERR_POLICY);
	done(&r);
	/* entity references one byte each do not make a node each */
	buf_free(&b);
	buf_append_str(&b, "<m>");
	for (i = 0; i < 700; i++)
		buf_append_str(&b, "&amp;");
	buf_append_str(&b, "</m>");
	mk(&r, 4096, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(
	    xml_parser_feed(r.p, buf_ptr(&b), buf_size(&b)), XML_OK);
	assert_int_equal(r.stanzas, 1);
	done(&r);
	buf_free(&b);
}

static void
test_depth(void **state)
{
	struct rec r;

	(void)state;
	mk(&r, 0, 4, 0, 0);
	assert_int_equal(
	    feed(r.p, HDR "<message><a><b/></a></message>"), XML_OK);
	assert_int_equal(
	    feed(r.p, "<message><a><b><c/></b></a></message>"), XML_ERR_POLICY);
	assert_int_equal(r.stanzas, 1);
	done(&r);
	/* the root alone is depth 1 */
	mk(&r, 0, 1, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(feed(r.p, "<a/>"), XML_ERR_POLICY);
	done(&r);
}

static void
test_attrs(void **state)
{
	struct rec r;

	(void)state;
	mk(&r, 0, 0, 8, 0);
	assert_int_equal(feed(r.p,
	                     HDR "<a b='1' c='2' d='3' e='4' f='5' g='6' "
	                         "h='7' i='8'/>"),
	    XML_OK);
	assert_int_equal(feed(r.p,
	                     "<a b='1' c='2' d='3' e='4' f='5' g='6' "
	                     "h='7' i='8' j='9'/>"),
	    XML_ERR_POLICY);
	assert_int_equal(r.stanzas, 1);
	done(&r);
	/* namespace declarations count */
	mk(&r, 0, 0, 8, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(feed(r.p,
	                     "<a xmlns:p1='u1' xmlns:p2='u2' "
	                     "xmlns:p3='u3' xmlns:p4='u4' xmlns:p5='u5' "
	                     "b='1' c='2' d='3' e='4'/>"),
	    XML_ERR_POLICY);
	done(&r);
	/* duplicates are not well-formed */
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(
	    feed(r.p, HDR "<a b='1' b='2'/>"), XML_ERR_NOT_WELL_FORMED);
	done(&r);
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p,
	                     HDR "<a xmlns:x='u' xmlns:y='u' x:b='1' "
	                         "y:b='2'/>"),
	    XML_ERR_NOT_WELL_FORMED);
	done(&r);
}

static void
test_bad_utf8(void **state)
{
	static const char *const bad[] = {
	    "<m>\xC3\x28</m>", /* bad continuation */
	    "<m>\xC0\xAF</m>", /* overlong */
	    "<m>\xED\xA0\x80</m>", /* surrogate */
	    "<m>\xF8\x88\x80\x80\x80</m>",
	    "<m>\x80</m>",
	    "<m>\xFF</m>",
	    "<m a='\xC3'/>",
	    "<m\xC3\xA9\xC3/>",
	    "<m>\x01</m>", /* not an XML character */
	    "<m>&#0;</m>",
	    "<m>&#xD800;</m>",
	};
	struct rec r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mk(&r, 0, 0, 0, 0);
		assert_int_equal(feed(r.p, HDR), XML_OK);
		if (feed(r.p, bad[i]) != XML_ERR_NOT_WELL_FORMED)
			fail_msg("case %zu accepted", i);
		assert_int_equal(r.stanzas, 0);
		done(&r);
	}
}

static void
test_stream_namespace(void **state)
{
	struct rec r;

	(void)state;
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p,
	                     "<stream:stream xmlns:stream='urn:wrong' "
	                     "xmlns='jabber:client'>"),
	    XML_ERR_NS);
	assert_int_equal(r.opens, 0);
	done(&r);
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(
	    feed(r.p, "<stream xmlns='jabber:client'>"), XML_ERR_NS);
	done(&r);
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(
	    feed(r.p, "<stream:features xmlns:stream='" NS_S "'>"), XML_ERR_NS);
	done(&r);
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, "<stream:stream xmlns='jabber:client'>"),
	    XML_ERR_NOT_WELL_FORMED);
	done(&r);
	/* the stream namespace as the default works too */
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p,
	                     "<stream xmlns='" NS_S "'>"
	                     "<message xmlns='jabber:client'/>"),
	    XML_OK);
	assert_int_equal(r.opens, 1);
	assert_string_equal(r.root_ns, NS_S);
	assert_string_equal(r.last_ns, "jabber:client");
	done(&r);
}

static void
test_namespaces(void **state)
{
	struct rec r;
	const char *want =
	    "<iq><query xmlns='jabber:iq:roster'><item/></query></iq>\n"
	    "<message><body xmlns='urn:other'/><x xmlns='urn:p'><y/></x>"
	    "</message>\n"
	    "<error xmlns='" NS_S "'/>\n"
	    "<a xmlns=''/>\n";

	(void)state;
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(
	    feed(r.p,
	        HDR
	        "<iq xmlns='jabber:client'><query xmlns='jabber:iq:roster'>"
	        "<item/></query></iq>"
	        "<message><body xmlns='urn:other'/><p:x xmlns:p='urn:p'><p:y/>"
	        "</p:x></message><stream:error/><a xmlns=''/>"),
	    XML_OK);
	assert_int_equal(r.stanzas, 4);
	assert_int_equal(buf_size(&r.out), strlen(want));
	assert_memory_equal(buf_ptr(&r.out), want, strlen(want));
	assert_int_equal(feed(r.p, "<q:a/>"), XML_ERR_NOT_WELL_FORMED);
	done(&r);
}

static void
test_stop_reset(void **state)
{
	struct rec r;

	(void)state;
	/* STARTTLS: the bytes after the stopping stanza are dropped */
	mk(&r, 0, 0, 0, 0);
	r.stop_at = 1;
	assert_int_equal(feed(r.p,
	                     HDR "<starttls xmlns='urn:ietf:params:xml:"
	                         "ns:xmpp-tls'/><message/>"),
	    XML_STOPPED);
	assert_int_equal(r.stanzas, 1);
	assert_int_equal(feed(r.p, "<message/>"), XML_STOPPED);
	assert_int_equal(r.stanzas, 1);
	assert_int_equal(xml_parser_reset(r.p), 0);
	/* a new stream, with its own XML declaration */
	assert_int_equal(
	    feed(r.p, "<?xml version='1.0'?>" HDR "<message/>"), XML_OK);
	assert_int_equal(r.opens, 2);
	assert_int_equal(r.stanzas, 2);
	done(&r);

	/* reset from inside the callback, byte by byte */
	mk(&r, 0, 0, 0, 0);
	r.reset_at = 1;
	assert_int_equal(feed(r.p, HDR), XML_OK);
	assert_int_equal(feed_by(r.p, "<auth/><x/>", 11, 1), XML_STOPPED);
	assert_int_equal(feed(r.p, HDR "<y/>"), XML_OK);
	assert_int_equal(r.opens, 2);
	assert_int_equal(r.stanzas, 2);
	done(&r);

	/* free from inside the callback */
	mk(&r, 0, 0, 0, 0);
	r.free_at = 1;
	r.shrink_in_cb = 1;
	assert_int_equal(feed(r.p, HDR "<a/><b/>"), XML_STOPPED);
	assert_null(r.p);
	assert_int_equal(r.stanzas, 1);
	buf_free(&r.out);

	/* stop from outside a feed */
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR), XML_OK);
	xml_parser_stop(r.p);
	assert_int_equal(feed(r.p, "<a/>"), XML_STOPPED);
	assert_int_equal(xml_parser_reset(r.p), 0);
	assert_int_equal(feed(r.p, HDR "<a/>"), XML_OK);
	assert_int_equal(r.stanzas, 1);
	done(&r);
}

static void
test_shrink(void **state)
{
	struct rec r;
	const char *want = "<result xmlns='jabber:server:dialback' to='b'>k"
	                   "</result>\n";

	(void)state;
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(xml_parser_shrink(r.p), 0); /* nothing yet */
	assert_int_equal(feed(r.p,
	                     "<stream:stream xmlns='jabber:server' "
	                     "xmlns:stream='" NS_S "' "
	                     "xmlns:db='jabber:server:dialback'>"),
	    XML_OK);
	assert_int_equal(xml_parser_shrink(r.p), 1);
	assert_int_equal(xml_parser_shrink(r.p), 0); /* already */
	/* the prefix declared on the header still resolves */
	assert_int_equal(feed(r.p, "<db:result to='b'>k</db:result>"), XML_OK);
	assert_int_equal(r.stanzas, 1);
	assert_int_equal(r.opens, 1);
	assert_int_equal(buf_size(&r.out), strlen(want));
	assert_memory_equal(buf_ptr(&r.out), want, strlen(want));
	/* and the default namespace */
	assert_int_equal(xml_parser_shrink(r.p), 1);
	assert_int_equal(feed(r.p, "<message/>"), XML_OK);
	assert_string_equal(r.last_ns, "jabber:server");
	/* not in the middle of a stanza or a token */
	assert_int_equal(feed(r.p, "<message><bo"), XML_OK);
	assert_int_equal(xml_parser_shrink(r.p), 0);
	assert_int_equal(feed(r.p, "dy>x</body></mess"), XML_OK);
	assert_int_equal(xml_parser_shrink(r.p), 0);
	assert_int_equal(feed(r.p, "age>"), XML_OK);
	assert_int_equal(r.stanzas, 3);
	assert_int_equal(xml_parser_shrink(r.p), 1);
	/* limits still hold after a rebuild */
	assert_int_equal(feed(r.p, "</stream:stream>"), XML_OK);
	assert_int_equal(r.closes, 1);
	assert_int_equal(xml_parser_shrink(r.p), 0);
	done(&r);

	/* a keepalive "\r" between stanzas does not prevent it */
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR "\r"), XML_OK);
	assert_int_equal(xml_parser_shrink(r.p), 1);
	assert_int_equal(feed(r.p, "\n<a/>"), XML_OK);
	assert_int_equal(r.stanzas, 1);
	done(&r);
}

static void
test_idle_memory(void **state)
{
	struct rec r;
	size_t m0, m1, m2, m3;

	(void)state;
	m0 = heap_used();
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, stream_text), XML_OK);
	m1 = heap_used();
	if (m1 == m0) {
		/* a sanitizer's allocator: mallinfo2 sees nothing */
		done(&r);
		skip();
	}
	assert_int_equal(xml_parser_shrink(r.p), 1);
	m2 = heap_used();
	assert_int_equal(
	    feed(r.p, "<message><body>x</body></message>"), XML_OK);
	m3 = heap_used();
	printf("# idle parser heap: %zu bytes before shrink, %zu after, "
	       "%zu once rebuilt\n",
	    m1 - m0, m2 - m0, m3 - m0);
	assert_true(m2 - m0 < 1024);
	assert_true(m1 - m2 > 4096);
	assert_int_equal(r.stanzas, 5);
	done(&r);
}

/*
 * Expat remembers every name it has seen; a stream of new names must not
 * grow the parser without bound.
 */
static void
test_new_names(void **state)
{
	struct rec r;
	size_t m0, m1;
	char b[128];
	int i, n;

	(void)state;
	mk(&r, 0, 0, 0, 0);
	r.quiet = 1;
	assert_int_equal(feed(r.p, HDR), XML_OK);
	m0 = heap_used();
	for (i = 0; i < 100000; i++) {
		n = snprintf(
		    b, sizeof(b), "<m%d a%d='1' xmlns:p%d='u'/>", i, i, i);
		assert_int_equal(xml_parser_feed(r.p, b, (size_t)n), XML_OK);
	}
	m1 = heap_used();
	assert_int_equal(r.stanzas, 100000);
	printf("# 100000 stanzas of new names: heap grew %zd bytes\n",
	    (ssize_t)(m1 - m0));
	assert_true(m1 < m0 + 2 * 1024 * 1024);
	done(&r);
}

static void
test_close(void **state)
{
	struct rec r;

	(void)state;
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR "<a/></stream:stream>\n "), XML_OK);
	assert_int_equal(r.closes, 1);
	assert_int_equal(feed(r.p, " \r\n"), XML_OK);
	assert_int_equal(feed(r.p, "<a/>"), XML_ERR_CLOSED);
	assert_int_equal(r.stanzas, 1);
	done(&r);

	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed_by(r.p, HDR "</stream:stream><a/>",
	                     strlen(HDR "</stream:stream><a/>"), 1),
	    XML_ERR_CLOSED);
	assert_int_equal(r.closes, 1);
	assert_int_equal(r.stanzas, 0);
	done(&r);

	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR "</stream:stream>x"), XML_ERR_CLOSED);
	assert_int_equal(r.closes, 1);
	done(&r);
}

static void
test_keepalive_and_text(void **state)
{
	struct rec r;

	(void)state;
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR " "), XML_OK);
	assert_int_equal(feed(r.p, "\n"), XML_OK);
	assert_int_equal(feed(r.p, "<a/> \t "), XML_OK);
	assert_int_equal(feed(r.p, "hello"), XML_ERR_NOT_WELL_FORMED);
	assert_int_equal(r.stanzas, 1);
	done(&r);
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR "&amp;"), XML_ERR_NOT_WELL_FORMED);
	done(&r);
	mk(&r, 0, 0, 0, 0);
	assert_int_equal(feed(r.p, HDR "<a></b>"), XML_ERR_NOT_WELL_FORMED);
	done(&r);
}

static void
test_conditions(void **state)
{
	(void)state;
	assert_string_equal(xml_status_condition(XML_OK), "");
	assert_string_equal(
	    xml_status_condition(XML_ERR_NOT_WELL_FORMED), "not-well-formed");
	assert_string_equal(
	    xml_status_condition(XML_ERR_RESTRICTED), "restricted-xml");
	assert_string_equal(
	    xml_status_condition(XML_ERR_POLICY), "policy-violation");
	assert_string_equal(
	    xml_status_condition(XML_ERR_NS), "invalid-namespace");
	assert_string_equal(
	    xml_status_condition(XML_ERR_NOMEM), "resource-constraint");
	assert_string_equal(
	    xml_status_condition(XML_ERR_ENCODING), "unsupported-encoding");
	assert_string_equal(
	    xml_status_condition(XML_ERR_CLOSED), "not-well-formed");
}

/* xml_parse_element gives back what xml_serialize wrote, and nothing
 * that is not exactly one element. */
static void
test_parse_element(void **state)
{
	static const char *bad[] = {"", "  ", "<a xmlns='x'/><b/>",
	    "<a xmlns='x'>", "text", "<a xmlns='x'/>junk",
	    "<!-- c --><a xmlns='x'/>", "<a xmlns='x'><?pi?></a>"};
	struct arena *a = arena_new(1024);
	struct xml_node *n, *c;
	struct buf b = BUF_INIT, b2 = BUF_INIT;
	struct xml_limits lim = {0, 3, 0, 0};
	const char *deep;
	size_t i;

	(void)state;
	n = xml_new(a, "urn:x", "top");
	xml_set_attr(a, n, "k", "v'\"<&");
	c = xml_add(a, n, "", "bare");
	xml_add_text(a, c, "t&<>\r", 5);
	xml_add(a, n, XML_NS_CLIENT, "client");
	xml_set_attr_ns(a, xml_add(a, n, NULL, "x"), XML_NS_XML, "lang", "en");
	assert_int_equal(xml_serialize(n, XML_NS_CLIENT, &b), 0);
	n = xml_parse_element(a, buf_ptr(&b), buf_size(&b), NULL);
	assert_non_null(n);
	assert_string_equal(n->ns, "urn:x");
	assert_string_equal(xml_child(n, "", "bare")->ns, "");
	assert_non_null(xml_child(n, XML_NS_CLIENT, "client"));
	assert_int_equal(xml_serialize(n, XML_NS_CLIENT, &b2), 0);
	assert_int_equal(buf_size(&b), buf_size(&b2));
	assert_memory_equal(buf_ptr(&b), buf_ptr(&b2), buf_size(&b));
	/* Limits apply as to a stanza: depth counts the made-up root. */
	deep = "<a xmlns='x'><b><c/></b></a>";
	assert_null(xml_parse_element(a, deep, strlen(deep), &lim));
	deep = " <a xmlns='x'><b/></a>\n";
	assert_non_null(xml_parse_element(a, deep, strlen(deep), &lim));
	/* A small element with many nodes: the tree budget follows the
	 * stanza limit, not the element's length. */
	deep = "<a xmlns='x'>\n <b/>\n <c/>\n <d/>\n</a>";
	assert_non_null(xml_parse_element(a, deep, strlen(deep), NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(xml_parse_element(a, bad[i], strlen(bad[i]), NULL));
	buf_free(&b);
	buf_free(&b2);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_and_bytewise),
	    cmocka_unit_test(test_shrink_everywhere),
	    cmocka_unit_test(test_restricted),
	    cmocka_unit_test(test_stanza_limit),
	    cmocka_unit_test(test_giant_attribute),
	    cmocka_unit_test(test_tree_budget),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_attrs),
	    cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_stream_namespace),
	    cmocka_unit_test(test_namespaces),
	    cmocka_unit_test(test_stop_reset),
	    cmocka_unit_test(test_shrink),
	    cmocka_unit_test(test_idle_memory),
	    cmocka_unit_test(test_new_names),
	    cmocka_unit_test(test_close),
	    cmocka_unit_test(test_keepalive_and_text),
	    cmocka_unit_test(test_conditions),
	    cmocka_unit_test(test_parse_element),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
