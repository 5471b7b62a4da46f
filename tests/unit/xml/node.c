/*
 * Tests for src/xml/node.c: building, reading, copying and editing trees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "xml/xml.h"

static int
setup(void **state)
{
	*state = arena_new(512);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static void
test_build_and_read(void **state)
{
	struct arena *a = *state;
	struct xml_node *iq, *q, *item, *c;
	char *t;

	iq = xml_new(a, XML_NS_CLIENT, "iq");
	assert_non_null(iq);
	assert_string_equal(iq->ns, XML_NS_CLIENT);
	assert_string_equal(iq->name, "iq");
	assert_int_equal(xml_set_attr(a, iq, "type", "get"), 0);
	assert_int_equal(xml_set_attr(a, iq, "id", "r1"), 0);
	q = xml_add(a, iq, "jabber:iq:roster", "query");
	assert_non_null(q);
	assert_ptr_equal(q->parent, iq);
	item = xml_add(a, q, NULL, "item");
	/* ns NULL: the parent's namespace */
	assert_string_equal(item->ns, "jabber:iq:roster");
	assert_int_equal(xml_add_text(a, item, "Fri", 3), 0);
	assert_int_equal(xml_add_text(a, item, "ends", 4), 0);
	assert_int_equal(xml_add_text(a, item, "", 0), 0);
	xml_add(a, q, NULL, "other");
	xml_add(a, q, NULL, "item");

	assert_string_equal(xml_attr(iq, "type"), "get");
	assert_string_equal(xml_attr(iq, "id"), "r1");
	assert_null(xml_attr(iq, "to"));
	assert_ptr_equal(xml_child(iq, "jabber:iq:roster", "query"), q);
	assert_null(xml_child(iq, XML_NS_CLIENT, "query"));
	assert_ptr_equal(xml_child(iq, NULL, NULL), q);
	assert_ptr_equal(xml_child(q, NULL, "item"), item);
	c = xml_next(item, NULL, "item");
	assert_non_null(c);
	assert_string_equal(c->name, "item");
	assert_ptr_not_equal(c, item);
	assert_null(xml_next(c, NULL, "item"));
	assert_string_equal(xml_next(item, NULL, NULL)->name, "other");
	/* text nodes are skipped by xml_child */
	assert_null(xml_child(item, NULL, NULL));

	t = xml_text(a, item);
	assert_string_equal(t, "Friends");
	assert_string_equal(xml_text(a, q), "");
	assert_true(xml_is(q, "jabber:iq:roster", "query"));
	assert_false(xml_is(q, XML_NS_CLIENT, "query"));
	assert_false(xml_is(q, "jabber:iq:roster", "item"));
	assert_false(xml_is(NULL, NULL, NULL));
	assert_false(xml_is(item->children, NULL, NULL));
}

static void
test_attrs(void **state)
{
	struct arena *a = *state;
	struct xml_node *m = xml_new(a, XML_NS_CLIENT, "message");
	const struct xml_attr *at;
	int n = 0;

	xml_set_attr(a, m, "to", "a@b");
	xml_set_attr(a, m, "type", "chat");
	xml_set_attr(a, m, "id", "x");
	xml_set_attr_ns(a, m, XML_NS_XML, "lang", "en");
	xml_set_attr_ns(a, m, "urn:x", "type", "other");
	/* replace keeps the position */
	xml_set_attr(a, m, "type", "normal");
	assert_string_equal(xml_attr(m, "type"), "normal");
	assert_string_equal(m->attrs->next->name, "type");
	/* qualified and unqualified attributes are distinct */
	assert_string_equal(xml_attr_ns(m, "urn:x", "type"), "other");
	assert_string_equal(xml_attr_ns(m, XML_NS_XML, "lang"), "en");
	assert_null(xml_attr(m, "lang"));
	/* "" namespace means unqualified */
	assert_string_equal(xml_attr_ns(m, "", "to"), "a@b");
	/* removal */
	assert_int_equal(xml_set_attr(a, m, "id", NULL), 0);
	assert_null(xml_attr(m, "id"));
	assert_int_equal(xml_set_attr(a, m, "nothere", NULL), 0);
	for (at = m->attrs; at != NULL; at = at->next)
		n++;
	assert_int_equal(n, 4);
	/* value copied */
	{
		char v[] = "abc";

		xml_set_attr(a, m, "from", v);
		v[0] = 'X';
		assert_string_equal(xml_attr(m, "from"), "abc");
	}
}

static void
test_append_remove(void **state)
{
	struct arena *a = *state;
	struct xml_node *p = xml_new(a, "", "p");
	struct xml_node *x = xml_add(a, p, NULL, "x");
	struct xml_node *y = xml_add(a, p, NULL, "y");
	struct xml_node *z = xml_add(a, p, NULL, "z");
	struct xml_node *q = xml_new(a, "", "q");

	xml_remove(y);
	assert_null(y->parent);
	assert_ptr_equal(x->next, z);
	xml_remove(z);
	assert_ptr_equal(p->last_child, x);
	assert_null(x->next);
	xml_remove(x);
	assert_null(p->children);
	assert_null(p->last_child);
	xml_remove(x); /* not linked: nothing */

	xml_append(p, y);
	xml_append(p, z);
	assert_ptr_equal(p->children, y);
	assert_ptr_equal(p->last_child, z);
	/* appending a linked node moves it */
	xml_append(q, y);
	assert_ptr_equal(p->children, z);
	assert_ptr_equal(q->children, y);
	assert_ptr_equal(y->parent, q);
}

static int
tree_equal(const struct xml_node *a, const struct xml_node *b)
{
	const struct xml_node *ca, *cb;
	const struct xml_attr *x;

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
	}
	for (ca = a->children, cb = b->children; ca && cb;
	     ca = ca->next, cb = cb->next) {
		if (cb->parent != b || !tree_equal(ca, cb))
			return 0;
	}
	return ca == NULL && cb == NULL;
}

static void
test_copy(void **state)
{
	struct arena *a = *state, *b = arena_new(256);
	struct xml_node *m, *x, *c;

	m = xml_new(a, XML_NS_CLIENT, "message");
	xml_set_attr(a, m, "to", "x@y");
	xml_set_attr_ns(a, m, XML_NS_XML, "lang", "de");
	x = xml_add(a, m, NULL, "body");
	xml_add_text(a, x, "hallo", 5);
	x = xml_add(a, m, "urn:xmpp:receipts", "request");
	xml_add(a, x, NULL, "deep");
	xml_add(a, xml_child(x, NULL, "deep"), "", "deeper");
	xml_add_text(a, m, "tail", 4);

	c = xml_copy(b, m);
	assert_non_null(c);
	assert_null(c->parent);
	assert_true(tree_equal(m, c));
	/* independent of the original */
	xml_set_attr(a, m, "to", "changed");
	assert_string_equal(xml_attr(c, "to"), "x@y");
	/* a copy survives the source arena */
	arena_free(a);
	*state = arena_new(256);
	assert_string_equal(xml_text(b, xml_child(c, NULL, "body")), "hallo");
	assert_string_equal(xml_child(c, "urn:xmpp:receipts", "request")
	                        ->children->children->ns,
	    "");
	assert_string_equal(xml_text(b, c), "tail");
	/* copy of a subtree has no parent or sibling */
	x = xml_copy(b, xml_child(c, NULL, "body"));
	assert_null(x->parent);
	assert_null(x->next);
	assert_string_equal(xml_text(b, x), "hallo");
	arena_free(b);
}

static void
test_bad_args(void **state)
{
	struct arena *a = *state;
	struct xml_node *m = xml_new(a, NULL, "m");

	assert_string_equal(m->ns, "");
	assert_null(xml_new(a, "x", NULL));
	assert_null(xml_add(a, NULL, "x", "y"));
	assert_int_equal(xml_add_text(a, NULL, "x", 1), -1);
	assert_null(xml_attr(NULL, "x"));
	assert_null(xml_child(NULL, NULL, NULL));
	assert_null(xml_copy(a, NULL));
	assert_string_equal(xml_text(a, NULL), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_build_and_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_attrs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_append_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
