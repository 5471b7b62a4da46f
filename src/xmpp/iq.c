/*
 * iq: a small table of (namespace, element, where) → handler, searched
 * linearly: there are a few dozen entries and the first match wins.
 */
#include "xmpp/iq.h"

#include <string.h>

#include "core/arena.h"
#include "xml/xml.h"
#include "xmpp/router.h"
#include "xmpp/session.h"
#include "xmpp/stream.h"

#define IQ_MAX 64

struct iq_handler {
	const char *ns;
	const char *name;
	unsigned where;
	iq_fn fn;
};

static struct iq_handler handlers[IQ_MAX];
static size_t nhandlers;

int
iq_register(const char *ns, const char *name, unsigned where, iq_fn fn)
{
	if (nhandlers == IQ_MAX)
		return -1;
	handlers[nhandlers].ns = ns;
	handlers[nhandlers].name = name;
	handlers[nhandlers].where = where;
	handlers[nhandlers].fn = fn;
	nhandlers++;
	return 0;
}

static const struct iq_handler *
find(const struct xml_node *payload, unsigned where)
{
	size_t i;

	for (i = 0; i < nhandlers; i++) {
		if (!(handlers[i].where & where) ||
		    strcmp(handlers[i].ns, payload->ns) != 0)
			continue;
		if (handlers[i].name == NULL ||
		    strcmp(handlers[i].name, payload->name) == 0)
			return &handlers[i];
	}
	return NULL;
}

void
iq_dispatch(struct session *from, struct xml_node *iq, const struct jid *to,
    unsigned where, struct arena *a)
{
	const struct iq_handler *h;
	struct xml_node *payload;
	struct iq_req *req;
	const char *type = xml_attr(iq, "type");

	payload = xml_child(iq, NULL, NULL);
	if (payload == NULL || xml_next(payload, NULL, NULL) != NULL) {
		router_error(from, iq, a, "modify", "bad-request",
		    "an IQ request carries exactly one payload");
		arena_free(a);
		return;
	}
	if ((h = find(payload, where)) == NULL ||
	    (req = arena_zalloc(a, sizeof(*req))) == NULL) {
		router_error(
		    from, iq, a, "cancel", "service-unavailable", NULL);
		arena_free(a);
		return;
	}
	req->from = from;
	req->from_full = arena_strdup(a, from->full);
	req->iq = iq;
	req->payload = payload;
	/* Copied: an async handler may outlive whatever `to` points into. */
	req->to.mem = NULL;
	req->to.local = to->local ? arena_strdup(a, to->local) : NULL;
	req->to.domain = arena_strdup(a, to->domain);
	req->to.resource = to->resource ? arena_strdup(a, to->resource) : NULL;
	req->set = type != NULL && strcmp(type, "set") == 0;
	req->a = a;
	switch (h->fn(req)) {
	case IQ_DONE:
		arena_free(a);
		return;
	case IQ_ASYNC:
		return;
	case IQ_UNHANDLED:
	default:
		router_error(
		    from, iq, a, "cancel", "service-unavailable", NULL);
		arena_free(a);
		return;
	}
}

/* The sender now: async handlers may outlive it. */
static struct session *
sender(struct iq_req *req)
{
	return req->from_full ? session_find_str(req->from_full) : NULL;
}

void
iq_reply(struct iq_req *req, struct xml_node *payload)
{
	struct arena *a = req->a;
	struct session *to = sender(req);
	const char *v;
	struct xml_node *r;

	if (to != NULL && (r = xml_new(a, XML_NS_CLIENT, "iq")) != NULL) {
		xml_set_attr(a, r, "type", "result");
		xml_set_attr(a, r, "id", xml_attr(req->iq, "id"));
		if ((v = xml_attr(req->iq, "to")) != NULL)
			xml_set_attr(a, r, "from", v);
		xml_set_attr(a, r, "to", to->full);
		if (payload != NULL)
			xml_append(r, payload);
		router_deliver(to, r);
	}
}

void
iq_error(
    struct iq_req *req, const char *type, const char *cond, const char *text)
{
	struct session *to = sender(req);

	if (to != NULL)
		router_error(to, req->iq, req->a, type, cond, text);
}

void
iq_req_free(struct iq_req *req)
{
	arena_free(req->a);
}
