/*
 * Fuzz target for src/xml/parser.c and serialize.c.
 *
 * Input: two bytes that choose how the rest is cut and fed, then the
 * stream. The stream goes to a parser with small limits in two reads (or
 * the second byte by byte), shrinking between them when asked. Every
 * stanza is copied, serialized and parsed again by a second parser, and
 * both results must equal the original tree: the round trip is the
 * property checked. A <starttls/> stanza stops the parser, which is then
 * reset, as the stream layer does. Everything is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "xml/xml.h"

#define CHK_HDR                                                                \
	"<stream:stream xmlns='jabber:client' "                                \
	"xmlns:stream='http://etherx.jabber.org/streams'>"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct xml_parser *p;
	const struct xml_node *want;
	int matched;
};

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
	for (ca = a->children, cb = b->children; ca != NULL && cb != NULL;
	     ca = ca->next, cb = cb->next)
		if (cb->parent != b || !tree_equal(ca, cb))
			return 0;
	return ca == NULL && cb == NULL;
}

static void
on_open(void *arg, const struct xml_node *root)
{
	struct arena *a = arena_new(256);
	char *t;

	(void)arg;
	if (a == NULL)
		return;
	/* read it the way the stream layer does */
	(void)xml_attr(root, "to");
	(void)xml_attr_ns(root, XML_NS_XML, "lang");
	(void)xml_attr_ns(root, XML_NS_XMLNS, "xmlns");
	t = xml_text(a, root);
	if (t == NULL || *t != '\0')
		abort();
	arena_free(a);
}

static void
chk_stanza(void *arg, struct xml_node *st, struct arena *a)
{
	struct fz *f = arg;

	if (!tree_equal(f->want, st))
		abort();
	f->matched++;
	arena_free(a);
}

static void
on_stanza(void *arg, struct xml_node *st, struct arena *a)
{
	static const struct xml_parser_cb chk_cb = {NULL, chk_stanza, NULL};
	struct xml_limits big = {1 << 20, 64, 256, 4096};
	struct fz *f = arg;
	struct buf b = BUF_INIT;
	struct arena *ca;
	struct xml_node *copy;
	struct xml_parser *chk;

	/* a copy into another arena is the same tree */
	if ((ca = arena_new(512)) != NULL) {
		if ((copy = xml_copy(ca, st)) != NULL && !tree_equal(st, copy))
			abort();
		arena_free(ca);
	}
	/* serialized and parsed again: the same tree */
	if (xml_serialize(st, XML_NS_CLIENT, &b) == 0 &&
	    (chk = xml_parser_new(&big, &chk_cb, f)) != NULL) {
		enum xml_status s1, s2;

		f->want = st;
		f->matched = 0;
		s1 = xml_parser_feed(chk, CHK_HDR, strlen(CHK_HDR));
		s2 = xml_parser_feed(chk, buf_ptr(&b), buf_size(&b));
		if (s1 == XML_OK && s2 == XML_OK && f->matched != 1)
			abort();
		if (s1 != XML_OK || (s2 != XML_OK && s2 != XML_ERR_NOMEM))
			abort();
		xml_parser_free(chk);
	}
	buf_free(&b);
	if (xml_is(st, NULL, "starttls"))
		xml_parser_stop(f->p);
	arena_free(a);
}

static void
on_close(void *arg)
{
	(void)arg;
}

static enum xml_status
feed(struct fz *f, const uint8_t *p, size_t n)
{
	enum xml_status st = xml_parser_feed(f->p, (const char *)p, n);

	if (st == XML_STOPPED)
		xml_parser_reset(f->p);
	/* every status has a condition; an error is sticky */
	if (st != XML_OK && st != XML_STOPPED &&
	    (*xml_status_condition(st) == '\0' ||
	        xml_parser_feed(f->p, "<a/>", 4) != st))
		abort();
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xml_parser_cb cb = {on_open, on_stanza, on_close};
	struct xml_limits lim = {512, 8, 8, 256};
	struct fz f;
	size_t split, i;
	unsigned mode;

	if (size < 2)
		return 0;
	mode = data[0];
	split = ((size_t)(data[0] >> 2) << 8 | data[1]) % (size - 1);
	data += 2;
	size -= 2;
	memset(&f, 0, sizeof(f));
	if ((f.p = xml_parser_new(&lim, &cb, &f)) == NULL)
		return 0;
	feed(&f, data, split);
	if (mode & 1)
		xml_parser_shrink(f.p);
	if (mode & 2) {
		for (i = split; i < size; i++) {
			feed(&f, data + i, 1);
			if (mode & 1)
				xml_parser_shrink(f.p);
		}
	} else {
		feed(&f, data + split, size - split);
	}
	xml_parser_free(f.p);
	return 0;
}
