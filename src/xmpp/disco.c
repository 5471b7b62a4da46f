/*
 * disco: XEP-0030 info and items for the server and for accounts. The
 * feature list is whatever modules registered at start-up; the server's
 * info also carries the extended-information forms (XEP-0128) that
 * modules build for the queried host, after identity and features.
 */
#include "xmpp/disco.h"

#include <string.h>

#include "core/arena.h"
#include "xml/xml.h"
#include "xmpp/iq.h"

#define NS_INFO "http://jabber.org/protocol/disco#info"
#define NS_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_DATA "jabber:x:data"
#define DISCO_MAX 128
#define DISCO_FORMS_MAX 16

struct feature {
	const char *var;
	unsigned where;
};

static struct feature features[DISCO_MAX];
static size_t nfeatures;
static disco_form_fn forms[DISCO_FORMS_MAX];
static size_t nforms;
static struct {
	const char *category, *type;
	unsigned where;
} idents[DISCO_FORMS_MAX];
static size_t nidents;
static struct {
	const char *node;
	iq_fn fn;
} item_nodes[DISCO_FORMS_MAX];
static size_t nitem_nodes;

int
disco_add_items_node(const char *node, iq_fn fn)
{
	if (nitem_nodes == DISCO_FORMS_MAX)
		return -1;
	item_nodes[nitem_nodes].node = node;
	item_nodes[nitem_nodes].fn = fn;
	nitem_nodes++;
	return 0;
}

int
disco_add_identity(const char *category, const char *type, unsigned where)
{
	if (nidents == DISCO_FORMS_MAX)
		return -1;
	idents[nidents].category = category;
	idents[nidents].type = type;
	idents[nidents].where = where;
	nidents++;
	return 0;
}

int
disco_add_feature(const char *var, unsigned where)
{
	size_t i;

	for (i = 0; i < nfeatures; i++) {
		if (strcmp(features[i].var, var) == 0) {
			features[i].where |= where;
			return 0;
		}
	}
	if (nfeatures == DISCO_MAX)
		return -1;
	features[nfeatures].var = var;
	features[nfeatures].where = where;
	nfeatures++;
	return 0;
}

int
disco_add_form(disco_form_fn fn)
{
	if (nforms == DISCO_FORMS_MAX)
		return -1;
	forms[nforms++] = fn;
	return 0;
}

struct xml_node *
disco_form(struct arena *a, struct xml_node *query, const char *form_type)
{
	struct xml_node *x, *f, *v;

	if ((x = xml_add(a, query, NS_DATA, "x")) == NULL)
		return NULL;
	if (xml_set_attr(a, x, "type", "result") == -1 ||
	    (f = xml_add(a, x, NS_DATA, "field")) == NULL ||
	    xml_set_attr(a, f, "var", "FORM_TYPE") == -1 ||
	    xml_set_attr(a, f, "type", "hidden") == -1 ||
	    (v = xml_add(a, f, NS_DATA, "value")) == NULL ||
	    xml_add_text(a, v, form_type, strlen(form_type)) == -1) {
		/* A form without its FORM_TYPE must not go out. */
		xml_remove(x);
		return NULL;
	}
	return x;
}

static enum iq_status
disco_info(struct iq_req *req)
{
	unsigned where = req->to.local != NULL ? IQ_ACCOUNT : IQ_SERVER;
	const char *node = xml_attr(req->payload, "node");
	struct arena *a = req->a;
	struct xml_node *q, *id, *f;
	size_t i;

	if (req->set)
		return IQ_UNHANDLED;
	if (node != NULL) {
		iq_error(req, "cancel", "item-not-found", NULL);
		return IQ_DONE;
	}
	q = xml_new(a, NS_INFO, "query");
	id = xml_add(a, q, NS_INFO, "identity");
	if (where == IQ_SERVER) {
		xml_set_attr(a, id, "category", "server");
		xml_set_attr(a, id, "type", "im");
		xml_set_attr(a, id, "name", "Lethe");
	} else {
		xml_set_attr(a, id, "category", "account");
		xml_set_attr(a, id, "type", "registered");
	}
	for (i = 0; i < nidents; i++) {
		if (!(idents[i].where & where))
			continue;
		id = xml_add(a, q, NS_INFO, "identity");
		xml_set_attr(a, id, "category", idents[i].category);
		xml_set_attr(a, id, "type", idents[i].type);
	}
	for (i = 0; i < nfeatures; i++) {
		if (!(features[i].where & where))
			continue;
		f = xml_add(a, q, NS_INFO, "feature");
		xml_set_attr(a, f, "var", features[i].var);
	}
	if (where == IQ_SERVER)
		for (i = 0; i < nforms; i++)
			forms[i](a, q, req->to.domain);
	iq_reply(req, q);
	return IQ_DONE;
}

static enum iq_status
disco_items(struct iq_req *req)
{
	const char *node = xml_attr(req->payload, "node");

	if (req->set)
		return IQ_UNHANDLED;
	if (node != NULL) {
		for (size_t i = 0; i < nitem_nodes; i++)
			if (strcmp(item_nodes[i].node, node) == 0)
				return item_nodes[i].fn(req);
		iq_error(req, "cancel", "item-not-found", NULL);
		return IQ_DONE;
	}
	iq_reply(req, xml_new(req->a, NS_ITEMS, "query"));
	return IQ_DONE;
}

void
disco_module_init(void)
{
	iq_register(NS_INFO, "query", IQ_SERVER | IQ_ACCOUNT, disco_info);
	iq_register(NS_ITEMS, "query", IQ_SERVER | IQ_ACCOUNT, disco_items);
	disco_add_feature(NS_INFO, IQ_SERVER | IQ_ACCOUNT);
	disco_add_feature(NS_ITEMS, IQ_SERVER | IQ_ACCOUNT);
}
