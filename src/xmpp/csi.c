/*
 * csi: what an inactive client may wait for, and the list of what waits.
 *
 * Held: presence without a type or of type unavailable (the latest per
 * sender full JID), and messages with no body whose payload is only a
 * XEP-0085 chat state, possibly with a thread, delay or processing hints
 * (the latest per sender). Subscription requests, errors, IQs and every
 * other message go out at once. A replaced item leaves its place: the
 * newer one joins the end, which is where it arrived.
 *
 * Invariant: no two items share a key.
 */
#include "xmpp/csi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml/xml.h"

#define NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define NS_HINTS "urn:xmpp:hints"
#define NS_DELAY "urn:xmpp:delay"

static int
only_chat_state(const struct xml_node *st)
{
	const struct xml_node *c;
	int state = 0;

	for (c = st->children; c != NULL; c = c->next) {
		if (c->name == NULL)
			continue;
		if (strcmp(c->ns, NS_CHATSTATES) == 0)
			state = 1;
		else if (!xml_is(c, XML_NS_CLIENT, "thread") &&
		    strcmp(c->ns, NS_HINTS) != 0 &&
		    strcmp(c->ns, NS_DELAY) != 0)
			return 0;
	}
	return state;
}

int
csi_holdable(const struct xml_node *st, char *key, size_t cap)
{
	const char *type, *from;
	int n;

	if (st == NULL || st->name == NULL ||
	    strcmp(st->ns, XML_NS_CLIENT) != 0)
		return 0;
	type = xml_attr(st, "type");
	if ((from = xml_attr(st, "from")) == NULL)
		from = "";
	if (strcmp(st->name, "presence") == 0) {
		if (type != NULL && strcmp(type, "unavailable") != 0)
			return 0;
		n = snprintf(key, cap, "p %s", from);
	} else if (strcmp(st->name, "message") == 0) {
		if ((type != NULL && strcmp(type, "error") == 0) ||
		    !only_chat_state(st))
			return 0;
		n = snprintf(key, cap, "c %s", from);
	} else {
		return 0;
	}
	return n > 0 && (size_t)n < cap;
}

void
csi_item_free(struct csi_item *it)
{
	if (it == NULL)
		return;
	free(it->key);
	free(it->data);
	free(it);
}

int
csi_hold(struct csi *c, const char *key, const char *p, size_t n)
{
	struct csi_item *it, **pp, *prev = NULL;

	for (pp = &c->head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			it = *pp;
			*pp = it->next;
			if (c->tail == it)
				c->tail = prev;
			csi_item_free(it);
			c->n--;
			break;
		}
	}
	if ((it = calloc(1, sizeof(*it))) == NULL ||
	    (it->key = strdup(key)) == NULL || (it->data = malloc(n)) == NULL) {
		csi_item_free(it);
		return -1;
	}
	memcpy(it->data, p, n);
	it->len = n;
	if (c->tail != NULL)
		c->tail->next = it;
	else
		c->head = it;
	c->tail = it;
	c->n++;
	return 0;
}

struct csi_item *
csi_take(struct csi *c)
{
	struct csi_item *it = c->head;

	c->head = c->tail = NULL;
	c->n = 0;
	return it;
}

void
csi_clear(struct csi *c)
{
	struct csi_item *it, *next;

	for (it = csi_take(c); it != NULL; it = next) {
		next = it->next;
		csi_item_free(it);
	}
}
