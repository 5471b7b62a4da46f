/*
 * adhoc: XEP-0050 commands an account runs on itself (see adhoc.h).
 *
 * Only the account's own resources may list or run them: a request from
 * anyone else gets <forbidden/>, and the list is empty for them, so a
 * stranger learns nothing but that commands exist.
 */
#include "xmpp/adhoc.h"

#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/session.h"

#define NS_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_DATA "jabber:x:data"
#define ADHOC_MAX 16

static struct {
	const char *node, *name;
	adhoc_fn fn;
} cmds[ADHOC_MAX];
static size_t ncmds;

int
adhoc_register(const char *node, const char *name, adhoc_fn fn)
{
	if (ncmds == ADHOC_MAX)
		return -1;
	cmds[ncmds].node = node;
	cmds[ncmds].name = name;
	cmds[ncmds].fn = fn;
	ncmds++;
	return 0;
}

/* 1 if the sender is a resource of the account addressed. */
static int
is_self(const struct iq_req *req)
{
	return req->from != NULL && req->to.local != NULL &&
	    jid_bare_eq(&req->from->jid, &req->to);
}

static enum iq_status
list_commands(struct iq_req *req)
{
	struct xml_node *qn, *it;
	size_t i;

	if (req->set)
		return IQ_UNHANDLED;
	qn = xml_new(req->a, NS_ITEMS, "query");
	xml_set_attr(req->a, qn, "node", ADHOC_NS);
	for (i = 0; is_self(req) && i < ncmds; i++) {
		it = xml_add(req->a, qn, NS_ITEMS, "item");
		xml_set_attr(req->a, it, "jid", req->from->full);
		xml_set_attr(req->a, it, "node", cmds[i].node);
		xml_set_attr(req->a, it, "name", cmds[i].name);
	}
	iq_reply(req, qn);
	return IQ_DONE;
}

struct xml_node *
adhoc_response(struct iq_req *req, const char *status)
{
	const char *sid = xml_attr(req->payload, "sessionid");
	struct xml_node *c = xml_new(req->a, ADHOC_NS, "command");
	char id[17];

	if (c == NULL)
		return NULL;
	if (sid == NULL) {
		util_random_id(id, 16);
		sid = id;
	}
	xml_set_attr(req->a, c, "node", xml_attr(req->payload, "node"));
	xml_set_attr(req->a, c, "sessionid", sid);
	xml_set_attr(req->a, c, "status", status);
	return c;
}

void
adhoc_note(struct iq_req *req, struct xml_node *cmd, const char *type,
    const char *text)
{
	struct xml_node *n = xml_add(req->a, cmd, ADHOC_NS, "note");

	if (n == NULL)
		return;
	xml_set_attr(req->a, n, "type", type);
	xml_add_text(req->a, n, text, strlen(text));
}

const char **
adhoc_values(struct iq_req *req, const struct xml_node *form, const char *var)
{
	const struct xml_node *f, *v;
	const char **out;
	size_t n = 0, i = 0;
	const char *fv;

	for (f = form != NULL ? xml_child(form, NS_DATA, "field") : NULL;
	     f != NULL; f = xml_next(f, NS_DATA, "field"))
		if ((fv = xml_attr(f, "var")) != NULL && strcmp(fv, var) == 0)
			for (v = xml_child(f, NS_DATA, "value"); v != NULL;
			     v = xml_next(v, NS_DATA, "value"))
				n++;
	if ((out = arena_alloc(req->a, (n + 1) * sizeof(*out))) == NULL)
		return NULL;
	for (f = form != NULL ? xml_child(form, NS_DATA, "field") : NULL;
	     f != NULL; f = xml_next(f, NS_DATA, "field"))
		if ((fv = xml_attr(f, "var")) != NULL && strcmp(fv, var) == 0)
			for (v = xml_child(f, NS_DATA, "value");
			     v != NULL && i < n;
			     v = xml_next(v, NS_DATA, "value"))
				if ((out[i] = xml_text(req->a, v)) != NULL)
					i++;
	out[i] = NULL;
	return out;
}

static enum iq_status
on_command(struct iq_req *req)
{
	const char *node = xml_attr(req->payload, "node");
	const char *action = xml_attr(req->payload, "action");
	const struct xml_node *form;
	struct xml_node *c;
	size_t i;

	if (!req->set)
		return IQ_UNHANDLED;
	if (!is_self(req)) {
		iq_error(req, "auth", "forbidden", NULL);
		return IQ_DONE;
	}
	for (i = 0; node != NULL && i < ncmds; i++)
		if (strcmp(cmds[i].node, node) == 0)
			break;
	if (node == NULL || i == ncmds) {
		iq_error(req, "cancel", "item-not-found", NULL);
		return IQ_DONE;
	}
	if (action == NULL)
		action = "execute";
	if (strcmp(action, "cancel") == 0) {
		if ((c = adhoc_response(req, "canceled")) == NULL) {
			iq_error(req, "wait", "resource-constraint", NULL);
			return IQ_DONE;
		}
		iq_reply(req, c);
		return IQ_DONE;
	}
	if (strcmp(action, "execute") != 0 && strcmp(action, "complete") != 0 &&
	    strcmp(action, "next") != 0) {
		iq_error(req, "modify", "bad-request", NULL);
		return IQ_DONE;
	}
	form = xml_child(req->payload, NS_DATA, "x");
	if (form != NULL &&
	    (xml_attr(form, "type") == NULL ||
	        strcmp(xml_attr(form, "type"), "submit") != 0))
		form = NULL;
	return cmds[i].fn(req, action, form);
}

void
adhoc_module_init(void)
{
	if (iq_register(ADHOC_NS, "command", IQ_ACCOUNT, on_command) < 0 ||
	    disco_add_items_node(ADHOC_NS, list_commands) < 0)
		fatal("event=start_failed reason=adhoc_module");
	disco_add_feature(ADHOC_NS, IQ_ACCOUNT);
}
