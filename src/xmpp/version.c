/*
 * version: software version (XEP-0092) for the server, only when the
 * operator turns it on ([server] software_version). Off by default, and
 * then the namespace is neither registered nor advertised, so a query
 * gets <service-unavailable/> like any unknown one: naming the software
 * and its version helps whoever looks for servers to attack. When on, the
 * answer is the name and version only; the operating system is never
 * told.
 */
#include <string.h>

#include "core/conf.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/modules.h"
#include "xmpp/server.h"

#define NS_VERSION "jabber:iq:version"
#define VERSION_NAME "Lethe"
#define VERSION_STRING "0.1.0"

static int
add_text(struct arena *a, struct xml_node *parent, const char *name,
    const char *text)
{
	struct xml_node *n = xml_add(a, parent, NS_VERSION, name);

	return n != NULL ? xml_add_text(a, n, text, strlen(text)) : -1;
}

static enum iq_status
version_get(struct iq_req *req)
{
	struct xml_node *q;

	if (req->set)
		return IQ_UNHANDLED;
	if ((q = xml_new(req->a, NS_VERSION, "query")) == NULL ||
	    add_text(req->a, q, "name", VERSION_NAME) == -1 ||
	    add_text(req->a, q, "version", VERSION_STRING) == -1) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	iq_reply(req, q);
	return IQ_DONE;
}

void
version_module_init(void)
{
	if (server.conf == NULL || !server.conf->software_version)
		return;
	iq_register(NS_VERSION, "query", IQ_SERVER, version_get);
	disco_add_feature(NS_VERSION, IQ_SERVER);
}
