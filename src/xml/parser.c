/*
 * parser: one XMPP stream's restricted XML (RFC 6120 §11) over expat.
 *
 * The stream root (depth 1) is reported once through `open`; each
 * complete child of it (depth 2) is built into its own arena and handed
 * to `stanza` with that arena. DTDs, entity declarations, comments and
 * processing instructions stop the stream (<restricted-xml/>), as does an
 * XML declaration naming an encoding other than UTF-8; input is always
 * read as UTF-8.
 *
 * Limits are checked before memory is taken:
 *  - bytes: the bytes of the header, then of each stanza, are counted from
 *    `mark` (the end of the last thing at stream level) to the end of what
 *    was read, including an unfinished token we hold; a stanza may not
 *    exceed stanza_bytes, the header header_bytes;
 *  - the tree built for a stanza may not exceed TREE_FACTOR times its
 *    byte limit, however small its elements;
 *  - element depth and attributes (namespace declarations included) per
 *    element.
 *
 * Expat is only ever given whole tokens. A small scanner follows the
 * lexical state (text, tag, quoted value, reference, comment, CDATA, PI)
 * and the bytes of a token still open at the end of a read are held here
 * until its last byte arrives. So expat never re-scans a long partial
 * start tag on every read (which would cost time quadratic in its size,
 * byte by byte; expat's own remedy, reparse deferral, would instead hold
 * back a stanza whose last bytes come in a short read), its buffer stays
 * near one piece (PIECE bytes) plus its context, and the limit is checked
 * before the held copy grows.
 *
 * Expat never forgets a name it has seen, so between stanzas it is
 * replaced now and then (renew) by a fresh instance primed with `hdr`.
 *
 * Between stanzas, xml_parser_shrink() drops expat and every buffer and
 * keeps only the root node and `hdr`, a start tag that carries the root's
 * namespace declarations. The next read rebuilds expat and replays `hdr`
 * (without calling `open`) before its own bytes, so prefixes declared on
 * the stream header still resolve.
 *
 * xml_parser_stop(), reset and free may be called from a callback: the
 * parse stops when the callback returns and the rest of the input is
 * dropped; reset and free then happen before feed returns.
 */
#include "xml/xml.h"

#include <expat.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/buf.h"

/* Cannot occur in XML 1.0, so it can separate URI, local name and prefix. */
#define NS_SEP '\x01'
/* Whole tokens are given to expat in pieces of about this size. */
#define PIECE 4096
/* Expat is replaced, between stanzas, after this many bytes (or four
 * stanzas' worth, if less). */
#define RENEW_BYTES (64 * 1024)
/* A stanza tree may take this many times stanza_bytes. */
#define TREE_FACTOR 8
#define STANZA_ARENA 1024

#define DEF_STANZA_BYTES 262144
#define DEF_DEPTH 32
#define DEF_ATTRS 64
#define DEF_HEADER_BYTES 4096

enum pstate {
	P_HEADER, /* waiting for the stream header */
	P_STREAM, /* inside the stream */
	P_CLOSED, /* </stream:stream> was read */
	P_STOPPED, /* stopped by a callback; waits for reset */
	P_FAILED, /* an error; `err` says which */
};

/* Lexical state of the scanner that finds token ends. */
enum scan {
	SC_TEXT,
	SC_LT,
	SC_TAG,
	SC_SQ,
	SC_DQ,
	SC_BANG,
	SC_COMMENT_OPEN,
	SC_COMMENT,
	SC_CDATA_OPEN,
	SC_CDATA,
	SC_PI,
	SC_REF,
};

struct xml_parser {
	struct xml_limits lim;
	struct xml_parser_cb cb;
	void *arg;

	XML_Parser xp; /* owned; NULL before input, after shrink and at end */
	enum pstate state;
	enum xml_status err; /* why P_FAILED, or the first handler error */

	struct arena *root_arena; /* owned: root, its attributes and hdr */
	struct xml_node *root;
	const char *hdr; /* in root_arena */
	size_t hdr_len;

	struct arena *st; /* owned while a stanza is open */
	struct xml_node *cur; /* innermost open element of that stanza */
	size_t tree; /* bytes of st charged against the budget */
	unsigned depth; /* open elements, the root included */
	unsigned decls; /* namespace declarations of the next element */

	/* owned: pending character data of the open element, or (at depth
	 * 0) the root's declarations as "prefix\0uri\0" pairs */
	char *scratch;
	size_t scratch_len, scratch_cap;

	/* owned: the bytes of a token not yet complete */
	char *hold;
	size_t hold_len, hold_cap;
	unsigned char sc, sc_n;

	/* Positions in the bytes given to the current expat instance. */
	unsigned long long fed; /* all of them */
	unsigned long long mark; /* start of what counts against a limit */
	unsigned long long end; /* just after </stream:stream> */

	unsigned replay : 1; /* parsing hdr after a shrink */
	unsigned in_feed : 1; /* inside xml_parser_feed */
	unsigned in_parse : 1; /* inside XML_Parse */
	unsigned stop : 1; /* a callback asked to stop */
	unsigned want_reset : 1;
	unsigned want_free : 1;
};

/* --- small helpers --- */

static int
is_ws(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

static size_t
cur_limit(const struct xml_parser *p)
{
	return p->state == P_HEADER ? p->lim.header_bytes : p->lim.stanza_bytes;
}

/* Bytes that may still be read before the current limit is exceeded. */
static size_t
room(const struct xml_parser *p)
{
	unsigned long long used = p->fed - p->mark;
	size_t lim = cur_limit(p);

	return used >= lim ? 0 : lim - (size_t)used;
}

static int
halted(const struct xml_parser *p)
{
	return p->err != XML_OK || p->stop || p->state == P_CLOSED;
}

/* From a handler: record the first error and make expat return. */
static void
fail(struct xml_parser *p, enum xml_status st)
{
	if (p->err == XML_OK)
		p->err = st;
	XML_StopParser(p->xp, XML_FALSE);
}

static unsigned long long
ev_start(const struct xml_parser *p)
{
	XML_Index i = XML_GetCurrentByteIndex(p->xp);

	return i < 0 ? p->fed : (unsigned long long)i;
}

static unsigned long long
ev_end(const struct xml_parser *p)
{
	return ev_start(p) + (unsigned long long)XML_GetCurrentByteCount(p->xp);
}

/* Grows *bp to hold need bytes; 0 or -1. */
static int
grow(char **bp, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 256;
	char *n;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	if ((n = realloc(*bp, c)) == NULL)
		return -1;
	*bp = n;
	*cap = c;
	return 0;
}

static void
drop_buf(char **bp, size_t *len, size_t *cap)
{
	free(*bp);
	*bp = NULL;
	*len = *cap = 0;
}

/*
 * A name as expat reports it with triplets: "uri SEP local [SEP prefix]",
 * or just "local" when in no namespace.
 */
struct qname {
	const char *uri, *local, *prefix;
	size_t uri_len, local_len, prefix_len;
};

static void
split_name(const char *s, struct qname *q)
{
	const char *a = strchr(s, NS_SEP), *b;

	memset(q, 0, sizeof(*q));
	if (a == NULL) {
		q->uri = "";
		q->local = s;
		q->local_len = strlen(s);
		return;
	}
	q->uri = s;
	q->uri_len = (size_t)(a - s);
	q->local = a + 1;
	if ((b = strchr(q->local, NS_SEP)) == NULL) {
		q->local_len = strlen(q->local);
		return;
	}
	q->local_len = (size_t)(b - q->local);
	q->prefix = b + 1;
	q->prefix_len = strlen(q->prefix);
}

static int
eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* A constant for the namespaces nearly every stanza uses, or NULL. */
static const char *
known_ns(const char *s, size_t n)
{
	static const char *const known[] = {XML_NS_CLIENT, XML_NS_SERVER,
	    XML_NS_STREAM, XML_NS_XML, XML_NS_XMLNS};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (eq(s, n, known[i]))
			return known[i];
	return NULL;
}

static size_t
align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Takes n bytes of the stanza tree budget; -1 (and POLICY) if spent. */
static int
charge(struct xml_parser *p, size_t n)
{
	size_t budget = p->lim.stanza_bytes > SIZE_MAX / TREE_FACTOR
	    ? SIZE_MAX
	    : p->lim.stanza_bytes * TREE_FACTOR;

	n = align16(n);
	if (n > budget - p->tree) {
		fail(p, XML_ERR_POLICY);
		return -1;
	}
	p->tree += n;
	return 0;
}

/* --- building the tree --- */

static struct xml_node *
new_element(struct xml_parser *p, struct arena *a, const char *name,
    const struct xml_node *parent, int charged)
{
	struct qname q;
	struct xml_node *n;
	const char *ns;
	size_t sz;
	char *s;

	split_name(name, &q);
	ns = known_ns(q.uri, q.uri_len);
	if (ns == NULL && parent != NULL && eq(q.uri, q.uri_len, parent->ns))
		ns = parent->ns;
	sz = sizeof(*n) + q.local_len + 1 + (ns == NULL ? q.uri_len + 1 : 0);
	if (charged && charge(p, sz) == -1)
		return NULL;
	if ((n = arena_alloc(a, sz)) == NULL) {
		fail(p, XML_ERR_NOMEM);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	s = (char *)(n + 1);
	memcpy(s, q.local, q.local_len);
	s[q.local_len] = '\0';
	n->name = s;
	if (ns == NULL) {
		s += q.local_len + 1;
		memcpy(s, q.uri, q.uri_len);
		s[q.uri_len] = '\0';
		ns = s;
	}
	n->ns = ns;
	return n;
}

/* An attribute of element el from its split name and its value. */
static struct xml_attr *
new_attr(struct xml_parser *p, struct arena *a, const struct qname *q,
    const char *value, const struct xml_node *el, int charged)
{
	struct xml_attr *at;
	const char *ns = NULL;
	size_t vl = strlen(value), sz;
	int copy_ns = 0;
	char *s;

	if (q->uri_len > 0) {
		ns = known_ns(q->uri, q->uri_len);
		if (ns == NULL && eq(q->uri, q->uri_len, el->ns))
			ns = el->ns;
		copy_ns = ns == NULL;
	}
	sz = sizeof(*at) + q->local_len + 1 + vl + 1 +
	    (copy_ns ? q->uri_len + 1 : 0);
	if (charged && charge(p, sz) == -1)
		return NULL;
	if ((at = arena_alloc(a, sz)) == NULL) {
		fail(p, XML_ERR_NOMEM);
		return NULL;
	}
	s = (char *)(at + 1);
	memcpy(s, q->local, q->local_len);
	s[q->local_len] = '\0';
	at->name = s;
	s += q->local_len + 1;
	memcpy(s, value, vl + 1);
	at->value = s;
	s += vl + 1;
	if (copy_ns) {
		memcpy(s, q->uri, q->uri_len);
		s[q->uri_len] = '\0';
		ns = s;
	}
	at->ns = ns;
	at->next = NULL;
	return at;
}

static int
add_attrs(struct xml_parser *p, struct arena *a, struct xml_node *n,
    const XML_Char **atts, int charged)
{
	struct xml_attr **tail = &n->attrs, *at;
	struct qname q;
	size_t i;

	for (i = 0; atts[i] != NULL; i += 2) {
		split_name(atts[i], &q);
		if ((at = new_attr(p, a, &q, atts[i + 1], n, charged)) == NULL)
			return -1;
		*tail = at;
		tail = &at->next;
	}
	return 0;
}

/* Turns pending character data into a text child of the open element. */
static int
flush_text(struct xml_parser *p)
{
	struct xml_node *t;
	size_t sz;
	char *s;

	if (p->scratch_len == 0)
		return 0;
	sz = sizeof(*t) + p->scratch_len + 1;
	if (charge(p, sz) == -1)
		return -1;
	if ((t = arena_alloc(p->st, sz)) == NULL) {
		fail(p, XML_ERR_NOMEM);
		return -1;
	}
	memset(t, 0, sizeof(*t));
	s = (char *)(t + 1);
	memcpy(s, p->scratch, p->scratch_len);
	s[p->scratch_len] = '\0';
	t->text = s;
	t->text_len = p->scratch_len;
	xml_append(p->cur, t);
	p->scratch_len = 0;
	return 0;
}

/* Appends s to b escaped for a single-quoted attribute value, keeping
 * whitespace characters as references so they survive normalization. */
static int
put_attr_value(struct buf *b, const char *s)
{
	const char *r;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			r = "&amp;";
			break;
		case '<':
			r = "&lt;";
			break;
		case '\'':
			r = "&apos;";
			break;
		case '\t':
			r = "&#9;";
			break;
		case '\n':
			r = "&#10;";
			break;
		case '\r':
			r = "&#13;";
			break;
		default:
			if (buf_append(b, s, 1) == -1)
				return -1;
			continue;
		}
		if (buf_append_str(b, r) == -1)
			return -1;
	}
	return 0;
}

/*
 * The replay header: the root's name with its prefix and its namespace
 * declarations, nothing else. Built into b.
 */
static int
make_hdr(struct xml_parser *p, const struct qname *q, struct buf *b)
{
	const char *s = p->scratch, *end = p->scratch + p->scratch_len;
	const char *pre, *uri;

	if (buf_append(b, "<", 1) == -1)
		return -1;
	if (q->prefix != NULL &&
	    (buf_append(b, q->prefix, q->prefix_len) == -1 ||
	        buf_append(b, ":", 1) == -1))
		return -1;
	if (buf_append(b, q->local, q->local_len) == -1)
		return -1;
	while (s < end) {
		pre = s;
		uri = pre + strlen(pre) + 1;
		s = uri + strlen(uri) + 1;
		if (buf_append_str(b, *pre ? " xmlns:" : " xmlns") == -1 ||
		    buf_append_str(b, pre) == -1 ||
		    buf_append(b, "='", 2) == -1 ||
		    put_attr_value(b, uri) == -1 || buf_append(b, "'", 1) == -1)
			return -1;
	}
	return buf_append(b, ">", 1);
}

/* The stream header: checks it, builds the root and the replay header. */
static void
root_open(struct xml_parser *p, const char *name, const XML_Char **atts)
{
	struct buf hb = BUF_INIT;
	struct qname q;
	struct xml_node *root;
	struct xml_attr **tail, *at;
	const char *s, *end;
	size_t need, i;
	char *h;

	split_name(name, &q);
	if (!eq(q.uri, q.uri_len, XML_NS_STREAM) ||
	    !eq(q.local, q.local_len, "stream")) {
		fail(p, XML_ERR_NS);
		return;
	}
	p->depth = 1;
	p->state = P_STREAM;
	p->mark = ev_end(p);
	if (p->replay)
		return;
	if (make_hdr(p, &q, &hb) == -1)
		goto oom;
	/* Size the arena to what it will hold: it stays while idle. */
	need = align16(sizeof(*root) + sizeof("stream")) +
	    align16(buf_size(&hb) + 1);
	for (i = 0; atts[i] != NULL; i += 2)
		need += align16(sizeof(struct xml_attr) + strlen(atts[i]) +
		    strlen(atts[i + 1]) + 3);
	need += align16(sizeof(struct xml_attr)) * 2 + p->scratch_len;
	if ((p->root_arena = arena_new(need)) == NULL)
		goto oom;
	if ((root = new_element(p, p->root_arena, name, NULL, 0)) == NULL)
		goto fail;
	if (add_attrs(p, p->root_arena, root, atts, 0) == -1)
		goto fail;
	for (tail = &root->attrs; *tail != NULL; tail = &(*tail)->next)
		;
	for (s = p->scratch, end = s + p->scratch_len; s < end;) {
		struct qname d;

		memset(&d, 0, sizeof(d));
		d.uri = XML_NS_XMLNS;
		d.uri_len = strlen(XML_NS_XMLNS);
		d.local = *s ? s : "xmlns";
		d.local_len = strlen(d.local);
		s += strlen(s) + 1;
		if ((at = new_attr(p, p->root_arena, &d, s, root, 0)) == NULL)
			goto fail;
		s += strlen(s) + 1;
		*tail = at;
		tail = &at->next;
	}
	if ((h = arena_strndup(p->root_arena, buf_ptr(&hb), buf_size(&hb))) ==
	    NULL)
		goto oom;
	p->hdr = h;
	p->hdr_len = buf_size(&hb);
	p->root = root;
	buf_free(&hb);
	p->scratch_len = 0;
	if (p->cb.open != NULL)
		p->cb.open(p->arg, root);
	return;
oom:
	fail(p, XML_ERR_NOMEM);
fail:
	buf_free(&hb);
}

/* --- expat handlers --- */

static void XMLCALL
on_decl(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
	struct xml_parser *p = ud;
	size_t pl, ul;

	if (halted(p) || p->replay)
		return;
	if (++p->decls > p->lim.attrs) {
		fail(p, XML_ERR_POLICY);
		return;
	}
	if (p->depth > 0)
		return;
	/* The root's: kept for the replay header and the root node. */
	if (prefix == NULL)
		prefix = "";
	if (uri == NULL)
		uri = "";
	pl = strlen(prefix);
	ul = strlen(uri);
	if (grow(&p->scratch, &p->scratch_cap, p->scratch_len + pl + ul + 2) ==
	    -1) {
		fail(p, XML_ERR_NOMEM);
		return;
	}
	memcpy(p->scratch + p->scratch_len, prefix, pl + 1);
	p->scratch_len += pl + 1;
	memcpy(p->scratch + p->scratch_len, uri, ul + 1);
	p->scratch_len += ul + 1;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_parser *p = ud;
	struct xml_node *n;
	unsigned d = p->depth + 1;
	size_t nattr = 0;

	if (halted(p))
		return;
	while (atts[nattr * 2] != NULL)
		nattr++;
	if (!p->replay) {
		if (d > p->lim.depth) {
			fail(p, XML_ERR_POLICY);
			return;
		}
		if (nattr > p->lim.attrs || p->decls > p->lim.attrs - nattr) {
			fail(p, XML_ERR_POLICY);
			return;
		}
	}
	p->decls = 0;
	if (d == 1) {
		root_open(p, name, atts);
		return;
	}
	if (d == 2) {
		p->mark = ev_start(p);
		p->tree = 0;
		if ((p->st = arena_new(STANZA_ARENA)) == NULL) {
			fail(p, XML_ERR_NOMEM);
			return;
		}
	} else if (flush_text(p) == -1) {
		return;
	}
	if ((n = new_element(p, p->st, name, p->cur, 1)) == NULL)
		return;
	if (add_attrs(p, p->st, n, atts, 1) == -1)
		return;
	if (p->cur != NULL)
		xml_append(p->cur, n);
	p->cur = n;
	p->depth = d;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xml_parser *p = ud;
	struct xml_node *n;
	struct arena *a;
	unsigned long long end;

	(void)name;
	if (halted(p))
		return;
	if (p->depth == 1) {
		p->depth = 0;
		p->state = P_CLOSED;
		p->end = ev_end(p);
		XML_StopParser(p->xp, XML_FALSE);
		if (p->cb.close != NULL)
			p->cb.close(p->arg);
		return;
	}
	if (flush_text(p) == -1)
		return;
	if (p->depth > 2) {
		p->cur = p->cur->parent;
		p->depth--;
		return;
	}
	end = ev_end(p);
	if (end - p->mark > p->lim.stanza_bytes) {
		fail(p, XML_ERR_POLICY);
		return;
	}
	p->mark = end;
	n = p->cur;
	a = p->st;
	p->cur = NULL;
	p->st = NULL;
	p->depth = 1;
	if (p->scratch_cap > PIECE)
		drop_buf(&p->scratch, &p->scratch_len, &p->scratch_cap);
	if (p->cb.stanza != NULL)
		p->cb.stanza(p->arg, n, a);
	else
		arena_free(a);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_parser *p = ud;
	size_t n = (size_t)len;

	if (halted(p) || len <= 0)
		return;
	if (p->depth <= 1) {
		/* Between stanzas only whitespace (keepalives) may appear. */
		if (!is_ws(s, n)) {
			fail(p, XML_ERR_NOT_WELL_FORMED);
			return;
		}
		p->mark = ev_end(p);
		return;
	}
	if (n > p->lim.stanza_bytes - p->scratch_len) {
		fail(p, XML_ERR_POLICY);
		return;
	}
	if (grow(&p->scratch, &p->scratch_cap, p->scratch_len + n) == -1) {
		fail(p, XML_ERR_NOMEM);
		return;
	}
	memcpy(p->scratch + p->scratch_len, s, n);
	p->scratch_len += n;
}

static void XMLCALL
on_xmldecl(
    void *ud, const XML_Char *version, const XML_Char *encoding, int standalone)
{
	struct xml_parser *p = ud;

	(void)version;
	(void)standalone;
	if (halted(p))
		return;
	if (encoding != NULL && strcasecmp(encoding, "UTF-8") != 0)
		fail(p, XML_ERR_ENCODING);
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(ud, XML_ERR_RESTRICTED);
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
    int value_len, const XML_Char *base, const XML_Char *sysid,
    const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	fail(ud, XML_ERR_RESTRICTED);
}

static void XMLCALL
on_comment(void *ud, const XML_Char *data)
{
	(void)data;
	fail(ud, XML_ERR_RESTRICTED);
}

static void XMLCALL
on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
	(void)target;
	(void)data;
	fail(ud, XML_ERR_RESTRICTED);
}

/* --- feeding expat --- */

static enum xml_status
map_error(enum XML_Error e)
{
	switch (e) {
	case XML_ERROR_NO_MEMORY:
		return XML_ERR_NOMEM;
	case XML_ERROR_UNKNOWN_ENCODING:
	case XML_ERROR_INCORRECT_ENCODING:
		return XML_ERR_ENCODING;
	case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
		return XML_ERR_POLICY;
	default:
		return XML_ERR_NOT_WELL_FORMED;
	}
}

/*
 * Gives s[0..n) (whole tokens) to expat. `rest` is the input after it,
 * looked at only if the stream closes here: whitespace may follow
 * </stream:stream>, nothing else.
 */
static enum xml_status
parse(struct xml_parser *p, const char *s, size_t n, const char *rest,
    size_t rest_n)
{
	unsigned long long before = p->fed;
	enum XML_Status r = XML_STATUS_OK;
	size_t off = 0, k, at;

	while (off < n && r == XML_STATUS_OK) {
		k = n - off > INT_MAX / 2 ? INT_MAX / 2 : n - off;
		p->in_parse = 1;
		r = XML_Parse(p->xp, s + off, (int)k, 0);
		p->in_parse = 0;
		p->fed += k;
		off += k;
	}
	if (p->err != XML_OK)
		return p->err;
	if (p->stop)
		return XML_STOPPED;
	if (p->state == P_CLOSED) {
		at = p->end > before ? (size_t)(p->end - before) : 0;
		if (at > n)
			at = n;
		if (!is_ws(s + at, n - at) || !is_ws(rest, rest_n))
			return XML_ERR_CLOSED;
		return XML_OK;
	}
	if (r != XML_STATUS_OK)
		return map_error(XML_GetErrorCode(p->xp));
	if (p->fed - p->mark > cur_limit(p))
		return XML_ERR_POLICY;
	return XML_OK;
}

/*
 * Advances the scanner (state sc, counter k) over byte c. Returns 1 if a
 * token ends with c, so
 * that expat can be given everything up to here. For well-formed input it
 * never misses a token end; for malformed input it ends the token early
 * and lets expat report the error.
 */
static inline int
step(unsigned char *sc, unsigned char *k, unsigned char c)
{
	switch (*sc) {
	case SC_TEXT:
		if (*k > 0) {
			/* inside a multi-byte character */
			if ((c & 0xC0) == 0x80)
				return --*k == 0;
			*k = 0;
		}
		if (c == '<') {
			*sc = SC_LT;
			return 0;
		}
		if (c == '&') {
			*sc = SC_REF;
			return 0;
		}
		if (c == '\r')
			return 0; /* expat looks ahead for a \n */
		if (c >= 0xC0) {
			*k = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
			return 0;
		}
		return 1;
	case SC_LT:
		if (c == '!') {
			*sc = SC_BANG;
			return 0;
		}
		if (c == '?') {
			*sc = SC_PI;
			*k = 0;
			return 0;
		}
		*sc = SC_TAG;
		/* FALLTHROUGH */
	case SC_TAG:
		if (c == '>' || c == '<') {
			*sc = SC_TEXT;
			return 1;
		}
		if (c == '\'')
			*sc = SC_SQ;
		else if (c == '"')
			*sc = SC_DQ;
		return 0;
	case SC_SQ:
	case SC_DQ:
		if (c == (*sc == SC_SQ ? '\'' : '"')) {
			*sc = SC_TAG;
		} else if (c == '<') {
			*sc = SC_TEXT;
			return 1;
		}
		return 0;
	case SC_BANG:
		if (c == '-') {
			*sc = SC_COMMENT_OPEN;
			return 0;
		}
		if (c == '[') {
			*sc = SC_CDATA_OPEN;
			*k = 0;
			return 0;
		}
		/* A declaration (only a DOCTYPE can come) or garbage. */
		*sc = SC_TEXT;
		return 1;
	case SC_COMMENT_OPEN:
		if (c == '-') {
			*sc = SC_COMMENT;
			*k = 0;
			return 0;
		}
		*sc = SC_TEXT;
		return 1;
	case SC_COMMENT:
	case SC_CDATA:
		if (c == (*sc == SC_COMMENT ? '-' : ']')) {
			if (*k < 2)
				(*k)++;
			return 0;
		}
		if (c == '>' && *k == 2) {
			*sc = SC_TEXT;
			*k = 0;
			return 1;
		}
		*k = 0;
		return 0;
	case SC_CDATA_OPEN:
		if (c != (unsigned char)"CDATA["[*k]) {
			*sc = SC_TEXT;
			*k = 0;
			return 1;
		}
		if (++*k == 6) {
			*sc = SC_CDATA;
			*k = 0;
		}
		return 0;
	case SC_PI:
		if (c == '>' && *k) {
			*sc = SC_TEXT;
			*k = 0;
			return 1;
		}
		*k = c == '?';
		return 0;
	case SC_REF:
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '#' || c == '_' ||
		    c == ':' || c == '-' || c == '.' || c >= 0x80)
			return 0;
		*sc = SC_TEXT;
		return 1; /* ';' ends it; anything else is expat's error */
	}
	return 1;
}

static int
scan1(struct xml_parser *p, unsigned char c)
{
	return step(&p->sc, &p->sc_n, c);
}

/* Bytes that end a token wherever they stand in text, and bytes that do
 * not change the state inside a tag. */
static const unsigned char text_plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    /* 0x00 */ 1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    0 /* \r */,
    1,
    1,
    /* 0x10 */ R16(1),
    /* 0x20 */ 1,
    1,
    1,
    1,
    1,
    1,
    0 /* & */,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    /* 0x30 */ 1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    0 /* < */,
    1,
    1,
    1,
    /* 0x40 */ R16(1),
    R16(1),
    R16(1),
    R16(1),
    /* 0x80 */ R16(0),
    R16(0),
    R16(0),
    R16(0),
    R16(0),
    R16(0),
    R16(0),
    R16(0),
};
static const unsigned char tag_plain[256] = {
    /* 0x00 */ R16(1),
    R16(1),
    /* 0x20 */ 1,
    1,
    0 /* " */,
    1,
    1,
    1,
    1,
    0 /* ' */,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    /* 0x30 */ 1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    0 /* < */,
    1,
    0 /* > */,
    1,
    /* 0x40 */ R16(1),
    R16(1),
    R16(1),
    R16(1),
    /* 0x80 */ R16(1),
    R16(1),
    R16(1),
    R16(1),
    R16(1),
    R16(1),
    R16(1),
    R16(1),
#undef R16
};

/*
 * Scans s[i..to) and returns the position just after the last token end
 * in it, or 0 if there is none. Runs of plain text, of a tag's insides
 * and of quoted values are skipped without a state change.
 */
static size_t
scan_block(struct xml_parser *p, const char *buf, size_t i, size_t to)
{
	const unsigned char *s = (const unsigned char *)buf;
	unsigned char sc = p->sc, k = p->sc_n, q;
	size_t last = 0;

	while (i < to) {
		if (sc == SC_TEXT && k == 0) {
			if (text_plain[s[i]]) {
				while (++i < to && text_plain[s[i]])
					;
				last = i;
				continue;
			}
		} else if (sc == SC_TAG) {
			while (i < to && tag_plain[s[i]])
				i++;
			if (i == to)
				break;
		} else if (sc == SC_SQ || sc == SC_DQ) {
			q = sc == SC_SQ ? '\'' : '"';
			while (i < to && s[i] != q && s[i] != '<')
				i++;
			if (i == to)
				break;
		}
		if (step(&sc, &k, s[i++]))
			last = i;
	}
	p->sc = sc;
	p->sc_n = k;
	return last;
}

/* Keeps s[0..n), the start of an unfinished token, within the limit. */
static enum xml_status
hold(struct xml_parser *p, const char *s, size_t n)
{
	if (n > room(p) || p->hold_len > room(p) - n)
		return XML_ERR_POLICY;
	if (grow(&p->hold, &p->hold_cap, p->hold_len + n) == -1)
		return XML_ERR_NOMEM;
	memcpy(p->hold + p->hold_len, s, n);
	p->hold_len += n;
	return XML_OK;
}

static int
done(const struct xml_parser *p, enum xml_status st)
{
	return st != XML_OK || p->state == P_CLOSED;
}

static int build(struct xml_parser *p);

/*
 * Expat keeps every distinct element name, attribute name and prefix it
 * has seen for as long as it lives, so a stream of ever new names would
 * grow it without end. Between stanzas, now and then, it is replaced by
 * a fresh one primed with the header.
 */
static enum xml_status
renew(struct xml_parser *p)
{
	size_t every = p->lim.stanza_bytes < RENEW_BYTES / 4
	    ? 4 * p->lim.stanza_bytes
	    : RENEW_BYTES;

	if (p->fed - p->hdr_len < every || p->state != P_STREAM ||
	    p->depth != 1 || p->fed != p->mark)
		return XML_OK;
	XML_ParserFree(p->xp);
	p->xp = NULL;
	return build(p) == 0 ? XML_OK : XML_ERR_NOMEM;
}

/* parse(), then renew() if the input left expat between stanzas. */
static enum xml_status
flush(struct xml_parser *p, const char *s, size_t n, const char *rest,
    size_t rest_n)
{
	enum xml_status st = parse(p, s, n, rest, rest_n);

	if (st != XML_OK || p->state == P_CLOSED)
		return st;
	return renew(p);
}

static enum xml_status
run(struct xml_parser *p, const char *s, size_t n)
{
	size_t i = 0, a, last, b, to;
	enum xml_status st;

	if (p->hold_len > 0) {
		/* Finish the held token first, as one piece. */
		while (i < n && !scan1(p, (unsigned char)s[i]))
			i++;
		if (i == n)
			return hold(p, s, n);
		i++;
		if ((st = hold(p, s, i)) != XML_OK)
			return st;
		st = flush(p, p->hold, p->hold_len, s + i, n - i);
		drop_buf(&p->hold, &p->hold_len, &p->hold_cap);
		if (done(p, st))
			return st;
	}
	for (a = last = i; i < n;) {
		to = n - i > PIECE ? i + PIECE : n;
		if ((b = scan_block(p, s, i, to)) != 0)
			last = b;
		i = to;
		if (i - a < PIECE)
			continue;
		if (last > a) {
			st = flush(p, s + a, last - a, s + last, n - last);
			if (done(p, st))
				return st;
			a = last;
		}
		/* What is left is one unfinished token: it must fit. */
		if (i - a > room(p))
			return XML_ERR_POLICY;
	}
	if (last > a) {
		st = flush(p, s + a, last - a, s + last, n - last);
		if (done(p, st))
			return st;
	}
	return last < n ? hold(p, s + last, n - last) : XML_OK;
}

/* Releases expat and every buffer of the stream; keeps the root. */
static void
release(struct xml_parser *p)
{
	if (p->xp != NULL) {
		XML_ParserFree(p->xp);
		p->xp = NULL;
	}
	arena_free(p->st);
	p->st = NULL;
	p->cur = NULL;
	p->tree = 0;
	drop_buf(&p->scratch, &p->scratch_len, &p->scratch_cap);
	drop_buf(&p->hold, &p->hold_len, &p->hold_cap);
	p->sc = SC_TEXT;
	p->sc_n = 0;
	p->decls = 0;
	p->fed = p->mark = p->end = 0;
}

/* A fresh expat; after a shrink, replays the header into it. */
static int
build(struct xml_parser *p)
{
	XML_Parser xp;
	enum XML_Status r;

	if ((xp = XML_ParserCreateNS("UTF-8", NS_SEP)) == NULL)
		return -1;
	XML_SetReturnNSTriplet(xp, XML_TRUE);
	XML_SetUserData(xp, p);
	XML_SetElementHandler(xp, on_start, on_end);
	XML_SetCharacterDataHandler(xp, on_text);
	XML_SetStartNamespaceDeclHandler(xp, on_decl);
	XML_SetXmlDeclHandler(xp, on_xmldecl);
	XML_SetStartDoctypeDeclHandler(xp, on_doctype);
	XML_SetEntityDeclHandler(xp, on_entity);
	XML_SetCommentHandler(xp, on_comment);
	XML_SetProcessingInstructionHandler(xp, on_pi);
	XML_SetParamEntityParsing(xp, XML_PARAM_ENTITY_PARSING_NEVER);
	p->xp = xp;
	p->fed = p->mark = 0;
	if (p->state != P_STREAM)
		return 0;
	p->replay = 1;
	p->depth = 0;
	p->in_parse = 1;
	r = XML_Parse(xp, p->hdr, (int)p->hdr_len, 0);
	p->in_parse = 0;
	p->replay = 0;
	p->fed = p->mark = p->hdr_len;
	if (r != XML_STATUS_OK || p->err != XML_OK || p->depth != 1) {
		XML_ParserFree(xp);
		p->xp = NULL;
		p->err = XML_OK;
		return -1;
	}
	return 0;
}

static void
do_reset(struct xml_parser *p)
{
	release(p);
	arena_free(p->root_arena);
	p->root_arena = NULL;
	p->root = NULL;
	p->hdr = NULL;
	p->hdr_len = 0;
	p->state = P_HEADER;
	p->err = XML_OK;
	p->depth = 0;
	p->stop = 0;
	p->replay = 0;
}

/* --- the interface --- */

struct xml_parser *
xml_parser_new(
    const struct xml_limits *lim, const struct xml_parser_cb *cb, void *arg)
{
	struct xml_parser *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (lim != NULL)
		p->lim = *lim;
	if (p->lim.stanza_bytes == 0)
		p->lim.stanza_bytes = DEF_STANZA_BYTES;
	if (p->lim.depth == 0)
		p->lim.depth = DEF_DEPTH;
	if (p->lim.attrs == 0)
		p->lim.attrs = DEF_ATTRS;
	if (p->lim.header_bytes == 0)
		p->lim.header_bytes = DEF_HEADER_BYTES;
	if (cb != NULL)
		p->cb = *cb;
	p->arg = arg;
	p->state = P_HEADER;
	return p;
}

void
xml_parser_free(struct xml_parser *p)
{
	if (p == NULL)
		return;
	if (p->in_feed) {
		p->want_free = 1;
		xml_parser_stop(p);
		return;
	}
	do_reset(p);
	free(p);
}

enum xml_status
xml_parser_feed(struct xml_parser *p, const char *data, size_t len)
{
	enum xml_status st;

	if (p == NULL || p->in_feed)
		return XML_STOPPED; /* not from a callback: input dropped */
	switch (p->state) {
	case P_FAILED:
		return p->err;
	case P_STOPPED:
		return XML_STOPPED;
	case P_CLOSED:
		return is_ws(data, len) ? XML_OK : XML_ERR_CLOSED;
	default:
		break;
	}
	if (len == 0)
		return XML_OK;
	if (p->xp == NULL && build(p) == -1) {
		release(p);
		p->state = P_FAILED;
		p->err = XML_ERR_NOMEM;
		return p->err;
	}
	p->in_feed = 1;
	st = run(p, data, len);
	p->in_feed = 0;
	if (p->want_free) {
		p->want_free = 0;
		xml_parser_free(p);
		return XML_STOPPED;
	}
	if (p->want_reset) {
		p->want_reset = 0;
		do_reset(p);
		return XML_STOPPED;
	}
	if (st == XML_OK && p->state != P_CLOSED)
		return XML_OK;
	release(p);
	if (st == XML_STOPPED) {
		p->state = P_STOPPED;
	} else if (st != XML_OK) {
		p->state = P_FAILED;
		p->err = st;
	}
	return st;
}

void
xml_parser_stop(struct xml_parser *p)
{
	if (p == NULL)
		return;
	if (!p->in_feed) {
		if (p->state == P_HEADER || p->state == P_STREAM) {
			release(p);
			p->state = P_STOPPED;
		}
		return;
	}
	p->stop = 1;
	if (p->in_parse && p->xp != NULL)
		XML_StopParser(p->xp, XML_FALSE);
}

int
xml_parser_reset(struct xml_parser *p)
{
	if (p == NULL)
		return -1;
	if (p->in_feed) {
		p->want_reset = 1;
		xml_parser_stop(p);
		return 0;
	}
	do_reset(p);
	return 0;
}

int
xml_parser_shrink(struct xml_parser *p)
{
	if (p == NULL || p->in_feed || p->state != P_STREAM || p->xp == NULL)
		return 0;
	if (p->depth != 1 || p->fed != p->mark || p->sc != SC_TEXT ||
	    p->sc_n != 0)
		return 0;
	/* A held lone \r between stanzas is whitespace: forget it. */
	if (p->hold_len > 0 && !is_ws(p->hold, p->hold_len))
		return 0;
	release(p);
	return 1;
}

const char *
xml_status_condition(enum xml_status s)
{
	switch (s) {
	case XML_OK:
	case XML_STOPPED:
		return "";
	case XML_ERR_NOT_WELL_FORMED:
	case XML_ERR_CLOSED:
		return "not-well-formed";
	case XML_ERR_RESTRICTED:
		return "restricted-xml";
	case XML_ERR_POLICY:
		return "policy-violation";
	case XML_ERR_NS:
		return "invalid-namespace";
	case XML_ERR_NOMEM:
		return "resource-constraint";
	case XML_ERR_ENCODING:
		return "unsupported-encoding";
	}
	return "undefined-condition";
}

/* --- one element from storage --- */

struct parse_one {
	struct arena *dst;
	struct xml_node *n;
	unsigned count;
};

static void
one_stanza(void *arg, struct xml_node *st, struct arena *a)
{
	struct parse_one *o = arg;

	if (o->count++ == 0)
		o->n = xml_copy(o->dst, st);
	arena_free(a);
}

/*
 * The element is parsed as the child of a made-up stream root, so it gets
 * exactly the checks a stanza gets (restricted XML, limits) and the same
 * namespace context that xml_serialize(n, XML_NS_CLIENT, ...) wrote it in.
 */
struct xml_node *
xml_parse_element(
    struct arena *a, const char *s, size_t n, const struct xml_limits *lim)
{
	static const char hdr[] =
	    "<s:stream xmlns:s='" XML_NS_STREAM "' xmlns='" XML_NS_CLIENT "'>";
	struct xml_parser_cb cb = {NULL, one_stanza, NULL};
	struct parse_one o = {a, NULL, 0};
	struct xml_limits l;
	struct xml_parser *p;
	enum xml_status st;

	if (lim != NULL)
		l = *lim;
	else
		memset(&l, 0, sizeof(l));
	/* The tree budget is a multiple of stanza_bytes: never less than
	 * what a stanza may take, whatever n is. */
	if (l.stanza_bytes == 0)
		l.stanza_bytes = DEF_STANZA_BYTES;
	if (l.stanza_bytes < n)
		l.stanza_bytes = n;
	if ((p = xml_parser_new(&l, &cb, &o)) == NULL)
		return NULL;
	st = xml_parser_feed(p, hdr, sizeof(hdr) - 1);
	if (st == XML_OK)
		st = xml_parser_feed(p, s, n);
	xml_parser_free(p);
	if (st != XML_OK || o.count != 1)
		return NULL;
	return o.n;
}
