/*
 * node: building and reading stanza trees. Every node, attribute and
 * string lives in the arena the caller passes, so a whole stanza dies in
 * one arena_free(). A node and its strings are taken in one allocation,
 * and a child whose namespace equals its parent's shares the parent's
 * string, so a tree costs little more than the XML it came from.
 *
 * Invariants: an element has name != NULL and ns != NULL ("" when in no
 * namespace); a text node has name == NULL, ns == NULL and a NUL-terminated
 * text of text_len bytes; last_child is the tail of the children list and
 * every child's parent points back. An attribute in no namespace has
 * ns == NULL, never "".
 */
#include "xml/xml.h"

#include <stdint.h>
#include <string.h>

#include "core/arena.h"

/* ns "" and NULL both mean "no namespace" for attributes. */
static const char *
attr_ns(const char *ns)
{
	return ns != NULL && *ns != '\0' ? ns : NULL;
}

static int
same_ns(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a == b || strcmp(a, b) == 0;
}

/*
 * One allocation for the node and the copies of name and (unless shared)
 * ns. `share` is a string already in the arena that equals ns, or NULL.
 */
static struct xml_node *
node_alloc(struct arena *a, const char *ns, const char *share, const char *name)
{
	struct xml_node *n;
	size_t nl = strlen(name), sl = share != NULL ? 0 : strlen(ns), sz;
	char *p;

	sz = sizeof(*n);
	if (nl > SIZE_MAX - sz - 2 || sl > SIZE_MAX - sz - 2 - nl)
		return NULL;
	sz += nl + 1 + (share != NULL ? 0 : sl + 1);
	if ((n = arena_alloc(a, sz)) == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	p = (char *)(n + 1);
	memcpy(p, name, nl + 1);
	n->name = p;
	if (share != NULL) {
		n->ns = share;
	} else {
		p += nl + 1;
		memcpy(p, ns, sl + 1);
		n->ns = p;
	}
	return n;
}

struct xml_node *
xml_new(struct arena *a, const char *ns, const char *name)
{
	if (name == NULL)
		return NULL;
	return node_alloc(a, ns != NULL ? ns : "", NULL, name);
}

struct xml_node *
xml_add(
    struct arena *a, struct xml_node *parent, const char *ns, const char *name)
{
	struct xml_node *n;

	if (parent == NULL || parent->name == NULL || name == NULL)
		return NULL;
	if (ns == NULL || same_ns(ns, parent->ns))
		n = node_alloc(a, parent->ns, parent->ns, name);
	else
		n = node_alloc(a, ns, NULL, name);
	if (n != NULL)
		xml_append(parent, n);
	return n;
}

static struct xml_node *
text_alloc(struct arena *a, const char *s, size_t n)
{
	struct xml_node *t;
	char *p;

	if (n > SIZE_MAX - sizeof(*t) - 1)
		return NULL;
	if ((t = arena_alloc(a, sizeof(*t) + n + 1)) == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	p = (char *)(t + 1);
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	t->text = p;
	t->text_len = n;
	return t;
}

int
xml_add_text(struct arena *a, struct xml_node *parent, const char *s, size_t n)
{
	struct xml_node *t;

	if (parent == NULL || parent->name == NULL)
		return -1;
	if (n == 0)
		return 0;
	if ((t = text_alloc(a, s, n)) == NULL)
		return -1;
	xml_append(parent, t);
	return 0;
}

void
xml_append(struct xml_node *parent, struct xml_node *child)
{
	if (parent == NULL || child == NULL)
		return;
	if (child->parent != NULL)
		xml_remove(child);
	child->parent = parent;
	child->next = NULL;
	if (parent->last_child != NULL)
		parent->last_child->next = child;
	else
		parent->children = child;
	parent->last_child = child;
}

void
xml_remove(struct xml_node *child)
{
	struct xml_node *parent, *prev = NULL, *c;

	if (child == NULL || (parent = child->parent) == NULL)
		return;
	for (c = parent->children; c != NULL && c != child; c = c->next)
		prev = c;
	if (c == NULL)
		return; /* not linked where it claims to be: leave it */
	if (prev != NULL)
		prev->next = child->next;
	else
		parent->children = child->next;
	if (parent->last_child == child)
		parent->last_child = prev;
	child->parent = NULL;
	child->next = NULL;
}

static struct xml_attr *
attr_alloc(struct arena *a, const char *ns, const char *name, const char *value)
{
	struct xml_attr *at;
	size_t nl = strlen(name), vl = strlen(value), sl = 0, sz;
	char *p;

	if (ns != NULL && strcmp(ns, XML_NS_XML) != 0)
		sl = strlen(ns) + 1;
	sz = sizeof(*at);
	if (nl > SIZE_MAX / 4 || vl > SIZE_MAX / 4 || sl > SIZE_MAX / 4)
		return NULL;
	sz += nl + 1 + vl + 1 + sl;
	if ((at = arena_alloc(a, sz)) == NULL)
		return NULL;
	p = (char *)(at + 1);
	memcpy(p, name, nl + 1);
	at->name = p;
	p += nl + 1;
	memcpy(p, value, vl + 1);
	at->value = p;
	p += vl + 1;
	if (sl != 0) {
		memcpy(p, ns, sl);
		at->ns = p;
	} else {
		/* The XML namespace is a constant; no copy needed. */
		at->ns = ns != NULL ? XML_NS_XML : NULL;
	}
	at->next = NULL;
	return at;
}

int
xml_set_attr_ns(struct arena *a, struct xml_node *n, const char *ns,
    const char *name, const char *value)
{
	struct xml_attr **pp, *at, *nw;

	if (n == NULL || n->name == NULL || name == NULL)
		return -1;
	ns = attr_ns(ns);
	for (pp = &n->attrs; (at = *pp) != NULL; pp = &at->next)
		if (strcmp(at->name, name) == 0 && same_ns(at->ns, ns))
			break;
	if (value == NULL) {
		if (at != NULL)
			*pp = at->next;
		return 0;
	}
	if ((nw = attr_alloc(a, ns, name, value)) == NULL)
		return -1;
	if (at != NULL) {
		/* Replace in place so attribute order stays stable. */
		nw->next = at->next;
		*pp = nw;
	} else {
		*pp = nw;
	}
	return 0;
}

int
xml_set_attr(
    struct arena *a, struct xml_node *n, const char *name, const char *value)
{
	return xml_set_attr_ns(a, n, NULL, name, value);
}

const char *
xml_attr_ns(const struct xml_node *n, const char *ns, const char *name)
{
	const struct xml_attr *at;

	if (n == NULL || name == NULL)
		return NULL;
	ns = attr_ns(ns);
	for (at = n->attrs; at != NULL; at = at->next)
		if (strcmp(at->name, name) == 0 && same_ns(at->ns, ns))
			return at->value;
	return NULL;
}

const char *
xml_attr(const struct xml_node *n, const char *name)
{
	return xml_attr_ns(n, NULL, name);
}

static int
matches(const struct xml_node *c, const char *ns, const char *name)
{
	if (c->name == NULL)
		return 0;
	if (name != NULL && strcmp(c->name, name) != 0)
		return 0;
	if (ns != NULL && strcmp(c->ns, ns) != 0)
		return 0;
	return 1;
}

struct xml_node *
xml_child(const struct xml_node *n, const char *ns, const char *name)
{
	struct xml_node *c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (matches(c, ns, name))
			return c;
	return NULL;
}

struct xml_node *
xml_next(const struct xml_node *c, const char *ns, const char *name)
{
	struct xml_node *s;

	if (c == NULL)
		return NULL;
	for (s = c->next; s != NULL; s = s->next)
		if (matches(s, ns, name))
			return s;
	return NULL;
}

char *
xml_text(struct arena *a, const struct xml_node *n)
{
	const struct xml_node *c;
	size_t len = 0;
	char *s, *p;

	if (n == NULL)
		return arena_strndup(a, "", 0);
	for (c = n->children; c != NULL; c = c->next) {
		if (c->name != NULL || c->text == NULL)
			continue;
		if (c->text_len > SIZE_MAX - 1 - len)
			return NULL;
		len += c->text_len;
	}
	if ((s = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	p = s;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->name != NULL || c->text == NULL)
			continue;
		memcpy(p, c->text, c->text_len);
		p += c->text_len;
	}
	*p = '\0';
	return s;
}

int
xml_is(const struct xml_node *n, const char *ns, const char *name)
{
	return n != NULL && matches(n, ns, name);
}

/* A copy of one node without its children; ns shared with the new parent
 * when equal. */
static struct xml_node *
copy_one(
    struct arena *a, const struct xml_node *n, const struct xml_node *newparent)
{
	struct xml_node *c;
	const struct xml_attr *at;
	struct xml_attr **tail, *nat;

	if (n->name == NULL)
		return text_alloc(
		    a, n->text, n->text != NULL ? n->text_len : 0);
	if (newparent != NULL && same_ns(n->ns, newparent->ns))
		c = node_alloc(a, newparent->ns, newparent->ns, n->name);
	else
		c = node_alloc(a, n->ns != NULL ? n->ns : "", NULL, n->name);
	if (c == NULL)
		return NULL;
	tail = &c->attrs;
	for (at = n->attrs; at != NULL; at = at->next) {
		nat = attr_alloc(a, attr_ns(at->ns), at->name, at->value);
		if (nat == NULL)
			return NULL;
		*tail = nat;
		tail = &nat->next;
	}
	return c;
}

/*
 * Iterative: walks the source with its parent pointers, so a deep tree
 * costs no stack.
 */
struct xml_node *
xml_copy(struct arena *a, const struct xml_node *n)
{
	const struct xml_node *src = n;
	struct xml_node *top, *dst, *c;

	if (n == NULL || (top = copy_one(a, n, NULL)) == NULL)
		return NULL;
	dst = top;
	for (;;) {
		if (src->name != NULL && src->children != NULL) {
			src = src->children;
			if ((c = copy_one(a, src, dst)) == NULL)
				return NULL;
			xml_append(dst, c);
			dst = c;
			continue;
		}
		while (src != n && src->next == NULL) {
			src = src->parent;
			dst = dst->parent;
		}
		if (src == n)
			break;
		src = src->next;
		if ((c = copy_one(a, src, dst->parent)) == NULL)
			return NULL;
		xml_append(dst->parent, c);
		dst = c;
	}
	return top;
}
