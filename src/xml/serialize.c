/*
 * serialize: a stanza tree back to bytes, once per recipient.
 *
 * Elements are written with default-namespace declarations only: an
 * element's namespace becomes the default in effect for its children, so
 * xmlns='...' appears exactly where a namespace differs from its context
 * and no element prefix is ever needed. Attributes in the XML namespace
 * are written as xml:name; attributes in other namespaces get prefixes
 * ns1, ns2, ... declared on the same element. Attributes in the xmlns
 * namespace (the stream root's recorded declarations) are not written:
 * declarations follow from the tree itself.
 *
 * Whatever the tree holds, the output is well-formed UTF-8 XML: text and
 * attribute values are escaped, characters XML 1.0 forbids (C0 controls
 * other than tab, newline and carriage return; U+FFFE, U+FFFF) are
 * dropped and invalid UTF-8 becomes U+FFFD. Carriage returns, and in
 * attributes also tabs and newlines, are written as character references
 * so that the parser's normalization gives back the same value.
 *
 * The walk is iterative over parent pointers, so depth costs no stack.
 * On failure out is truncated back to where it was.
 */
#include "xml/xml.h"

#include <string.h>

#include "core/buf.h"

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes) that encodes
 * a character XML allows, or 0.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len, i;

	if (c < 0xC2)
		return 0; /* continuation byte or overlong lead */
	if (c < 0xE0) {
		len = 2;
		cp = c & 0x1F;
	} else if (c < 0xF0) {
		len = 3;
		cp = c & 0x0F;
	} else if (c < 0xF5) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
	    cp == 0xFFFF)
		return 0;
	return len;
}

/*
 * Appends s[0..n) escaped. Bytes that need no attention are copied in
 * runs; only markup characters, controls and non-ASCII are looked at.
 */
int
xml_escape(struct buf *b, const char *str, size_t n, int attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, l;
	const char *rep;
	unsigned char c;

	while (i < n) {
		c = s[i];
		if (c >= 0x80) {
			if ((l = utf8_len(s + i, n - i)) != 0) {
				i += l;
				continue;
			}
			rep = "\xEF\xBF\xBD"; /* U+FFFD */
		} else if (c >= 0x20) {
			switch (c) {
			case '&':
				rep = "&amp;";
				break;
			case '<':
				rep = "&lt;";
				break;
			case '>':
				rep = "&gt;";
				break;
			case '\'':
				rep = attr ? "&apos;" : NULL;
				break;
			case '"':
				rep = attr ? "&quot;" : NULL;
				break;
			default:
				rep = NULL;
			}
			if (rep == NULL) {
				i++;
				continue;
			}
		} else if (c == '\r') {
			rep = "&#13;";
		} else if (c == '\n') {
			if (!attr) {
				i++;
				continue;
			}
			rep = "&#10;";
		} else if (c == '\t') {
			if (!attr) {
				i++;
				continue;
			}
			rep = "&#9;";
		} else {
			rep = ""; /* not an XML character: dropped */
		}
		if (buf_append(b, s + run, i - run) == -1 ||
		    buf_append(b, rep, strlen(rep)) == -1)
			return -1;
		run = ++i;
	}
	return buf_append(b, s + run, n - run);
}

static int
put(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

static const char *
ns_of(const char *ns)
{
	return ns != NULL ? ns : "";
}

/* 1 if attribute `at` needs a generated prefix. */
static int
foreign(const struct xml_attr *at)
{
	return at->ns != NULL && *at->ns != '\0' &&
	    strcmp(at->ns, XML_NS_XML) != 0 &&
	    strcmp(at->ns, XML_NS_XMLNS) != 0;
}

/*
 * Number of the generated prefix for at->ns on this element: attributes
 * in the same namespace share one, numbered in order of first use.
 */
static unsigned
prefix_of(const struct xml_node *n, const struct xml_attr *at, int *first)
{
	const struct xml_attr *o;
	unsigned k = 0;

	for (o = n->attrs; o != at; o = o->next) {
		const struct xml_attr *q;
		int seen = 0;

		if (!foreign(o))
			continue;
		for (q = n->attrs; q != o; q = q->next)
			if (foreign(q) && strcmp(q->ns, o->ns) == 0) {
				seen = 1;
				break;
			}
		if (seen)
			continue;
		k++;
		if (strcmp(o->ns, at->ns) == 0) {
			*first = 0;
			return k;
		}
	}
	*first = 1;
	return k + 1;
}

static int
put_start(struct buf *b, const struct xml_node *n, const char *ctx)
{
	const struct xml_attr *at;
	const char *ns = ns_of(n->ns);
	unsigned k;
	int first;

	if (buf_append(b, "<", 1) == -1 || put(b, n->name) == -1)
		return -1;
	if (strcmp(ns, ns_of(ctx)) != 0) {
		if (put(b, " xmlns='") == -1 ||
		    xml_escape(b, ns, strlen(ns), 1) == -1 ||
		    buf_append(b, "'", 1) == -1)
			return -1;
	}
	for (at = n->attrs; at != NULL; at = at->next) {
		if (at->ns != NULL && strcmp(at->ns, XML_NS_XMLNS) == 0)
			continue;
		if (buf_append(b, " ", 1) == -1)
			return -1;
		if (at->ns == NULL || *at->ns == '\0') {
			/* unqualified */
		} else if (strcmp(at->ns, XML_NS_XML) == 0) {
			if (put(b, "xml:") == -1)
				return -1;
		} else {
			k = prefix_of(n, at, &first);
			if (first &&
			    (buf_appendf(b, "xmlns:ns%u='", k) == -1 ||
			        xml_escape(b, at->ns, strlen(at->ns), 1) ==
			            -1 ||
			        put(b, "' ") == -1))
				return -1;
			if (buf_appendf(b, "ns%u:", k) == -1)
				return -1;
		}
		if (put(b, at->name) == -1 || put(b, "='") == -1 ||
		    xml_escape(b, at->value, strlen(at->value), 1) == -1 ||
		    buf_append(b, "'", 1) == -1)
			return -1;
	}
	return 0;
}

static int
put_end(struct buf *b, const struct xml_node *n)
{
	if (put(b, "</") == -1 || put(b, n->name) == -1 ||
	    buf_append(b, ">", 1) == -1)
		return -1;
	return 0;
}

static int
walk(const struct xml_node *top, const char *ctx_ns, struct buf *b)
{
	const struct xml_node *n = top;

	for (;;) {
		if (n->name == NULL) {
			if (n->text != NULL &&
			    xml_escape(b, n->text, n->text_len, 0) == -1)
				return -1;
		} else {
			if (put_start(
			        b, n, n == top ? ctx_ns : n->parent->ns) == -1)
				return -1;
			if (n->children != NULL) {
				if (buf_append(b, ">", 1) == -1)
					return -1;
				n = n->children;
				continue;
			}
			if (put(b, "/>") == -1)
				return -1;
		}
		while (n != top && n->next == NULL) {
			n = n->parent;
			if (put_end(b, n) == -1)
				return -1;
		}
		if (n == top)
			return 0;
		n = n->next;
	}
}

int
xml_serialize(const struct xml_node *n, const char *ctx_ns, struct buf *out)
{
	size_t off = out->off, len = out->len;

	if (n == NULL)
		return 0;
	if (walk(n, ctx_ns, out) == 0)
		return 0;
	/* Undo the partial write. Growing may have moved the live data to
	 * the front, so restore its length, not its old end. */
	out->len = out->off + (len - off);
	return -1;
}
