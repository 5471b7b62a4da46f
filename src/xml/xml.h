/*
 * xml: XMPP's restricted XML (RFC 6120 §11).
 *
 * A stanza is a tree of struct xml_node in a per-stanza arena: elements
 * carry a resolved namespace URI and local name; character data are child
 * nodes with name == NULL. The parser wraps expat: no DTD, entity
 * declaration, comment or processing instruction is accepted
 * (<restricted-xml/>); size, depth and attribute limits are checked before
 * memory is taken. Between stanzas the parser can drop its expat state and
 * rebuild it from the stream header (xml_parser_shrink), so an idle stream
 * holds almost nothing.
 */
#ifndef LETHE_XML_H
#define LETHE_XML_H

#include <stddef.h>

struct arena;
struct buf;

#define XML_NS_STREAM "http://etherx.jabber.org/streams"
#define XML_NS_CLIENT "jabber:client"
#define XML_NS_SERVER "jabber:server"
#define XML_NS_XML "http://www.w3.org/XML/1998/namespace"
/* Namespace of the stream root's recorded xmlns declarations (see open). */
#define XML_NS_XMLNS "http://www.w3.org/2000/xmlns/"

struct xml_attr {
	const char *ns; /* namespace URI or NULL (unqualified) */
	const char *name; /* local name */
	const char *value;
	struct xml_attr *next;
};

struct xml_node {
	const char *ns; /* namespace URI ("" if none); NULL for text */
	const char *name; /* local name; NULL for a text node */
	const char *text; /* text nodes only */
	size_t text_len;
	struct xml_attr *attrs;
	struct xml_node *parent;
	struct xml_node *children, *last_child;
	struct xml_node *next;
};

/* --- building and reading trees (node.c); all memory in arena a --- */

struct xml_node *xml_new(struct arena *a, const char *ns, const char *name);
/* Appends a new element child; ns NULL means the parent's namespace. */
struct xml_node *xml_add(
    struct arena *a, struct xml_node *parent, const char *ns, const char *name);
/* Appends character data (copied). */
int xml_add_text(
    struct arena *a, struct xml_node *parent, const char *s, size_t n);
/* Appends an existing node (and its subtree) as the last child. */
void xml_append(struct xml_node *parent, struct xml_node *child);
/* Unlinks child from its parent. */
void xml_remove(struct xml_node *child);
/* Deep copy of n into arena a. */
struct xml_node *xml_copy(struct arena *a, const struct xml_node *n);
/* Sets (replaces) an unqualified attribute; value copied. NULL removes. */
int xml_set_attr(
    struct arena *a, struct xml_node *n, const char *name, const char *value);
/* Sets an attribute in namespace ns (e.g. XML_NS_XML, "lang"). */
int xml_set_attr_ns(struct arena *a, struct xml_node *n, const char *ns,
    const char *name, const char *value);
/* Value of an unqualified attribute, or NULL. */
const char *xml_attr(const struct xml_node *n, const char *name);
const char *xml_attr_ns(
    const struct xml_node *n, const char *ns, const char *name);
/* First element child with this ns (NULL: any) and name (NULL: any). */
struct xml_node *xml_child(
    const struct xml_node *n, const char *ns, const char *name);
/* Next element sibling after c with this ns/name (NULL: any). */
struct xml_node *xml_next(
    const struct xml_node *c, const char *ns, const char *name);
/* Concatenated character data of n's direct text children, NUL-terminated
 * in arena a ("" if none); NULL on OOM. */
char *xml_text(struct arena *a, const struct xml_node *n);
/* 1 if n is an element named name in namespace ns. */
int xml_is(const struct xml_node *n, const char *ns, const char *name);

/* --- serializing (serialize.c) --- */

/*
 * Appends n to out. `ctx_ns` is the default namespace in effect where n
 * is written (XML_NS_CLIENT inside a client stream): xmlns is emitted only
 * where an element's namespace differs from its context. Attributes in the
 * XML namespace are written with the xml: prefix; other namespaced
 * attributes get generated prefixes. Text and attribute values escaped.
 * 0 or -1 (OOM).
 */
int xml_serialize(
    const struct xml_node *n, const char *ctx_ns, struct buf *out);

/*
 * Appends s[0..n) escaped for character data (attr == 0) or a quoted
 * attribute value (attr != 0): markup characters and CR (and in attributes
 * TAB and LF) become references, invalid UTF-8 becomes U+FFFD, characters
 * XML forbids are dropped. 0 or -1 (OOM).
 */
int xml_escape(struct buf *out, const char *s, size_t n, int attr);

/* --- parsing (parser.c) --- */

/* A field left 0 takes the configuration default (conf.h). */
struct xml_limits {
	size_t
	    stanza_bytes; /* max bytes of one top-level child of the stream */
	unsigned depth; /* max element depth, the stream root is 1 */
	unsigned attrs; /* max attributes on one element */
	size_t header_bytes; /* max bytes of the stream header */
};

enum xml_status {
	XML_OK = 0,
	XML_STOPPED, /* a callback called xml_parser_stop() */
	XML_ERR_NOT_WELL_FORMED, /* <not-well-formed/> (also invalid UTF-8) */
	XML_ERR_RESTRICTED, /* <restricted-xml/> DTD, comment, PI, entity */
	XML_ERR_POLICY, /* <policy-violation/> a limit was exceeded */
	XML_ERR_NS, /* <invalid-namespace/> stream ns wrong */
	XML_ERR_NOMEM, /* <resource-constraint/> */
	XML_ERR_CLOSED, /* data after </stream:stream> */
	XML_ERR_ENCODING, /* <unsupported-encoding/> declared non-UTF-8 */
};

struct xml_parser_cb {
	/* The stream root opened; `root` (attrs included) lives in a parser
	 * arena until the next reset. The root's namespace declarations are
	 * among its attributes, in namespace XML_NS_XMLNS, named by their
	 * prefix ("xmlns" for the default namespace), so the content
	 * namespace is xml_attr_ns(root, XML_NS_XMLNS, "xmlns"). */
	void (*open)(void *arg, const struct xml_node *root);
	/* A complete top-level child. The callee takes ownership of `a` (the
	 * stanza's own arena) and must arena_free() it. */
	void (*stanza)(void *arg, struct xml_node *stanza, struct arena *a);
	/* </stream:stream> was read. */
	void (*close)(void *arg);
};

struct xml_parser;

struct xml_parser *xml_parser_new(
    const struct xml_limits *lim, const struct xml_parser_cb *cb, void *arg);
void xml_parser_free(struct xml_parser *p);
/*
 * Feeds bytes; callbacks run synchronously. Returns XML_OK when all bytes
 * were consumed, XML_STOPPED if a callback stopped the parser (the rest of
 * the input is dropped), or an error.
 */
enum xml_status xml_parser_feed(
    struct xml_parser *p, const char *data, size_t len);
/* Called from a callback: stop after it returns (stream restarts). */
void xml_parser_stop(struct xml_parser *p);
/* Forget everything: a new stream header is expected next. */
int xml_parser_reset(struct xml_parser *p);
/*
 * If the parser sits between stanzas, release expat and all buffers,
 * keeping only what is needed to rebuild them when data next arrives.
 * Returns 1 if memory was released.
 */
int xml_parser_shrink(struct xml_parser *p);
/* The RFC 6120 stream error condition for a status ("" for XML_OK). */
const char *xml_status_condition(enum xml_status s);

/*
 * Parses s[0..n), one element as xml_serialize(el, XML_NS_CLIENT, ...)
 * wrote it (stored data, never wire input), into arena a, under the same
 * rules and limits as a stanza (lim NULL or a field 0: defaults;
 * stanza_bytes is raised to n if smaller). Returns the element, or NULL if s is not exactly one well-formed
 * element (whitespace around it allowed) or on OOM.
 */
struct xml_node *xml_parse_element(
    struct arena *a, const char *s, size_t n, const struct xml_limits *lim);

#endif
