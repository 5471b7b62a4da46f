/*
 * last: last activity (XEP-0012) for the server only, where it means the
 * seconds since the server started (§5). Nothing is answered for
 * accounts: the server keeps no per-user last activity (PRIVACY.md), so
 * the namespace is not registered for them and such a query gets
 * <service-unavailable/>. Queries to a full JID go to the client.
 */
#include <stdio.h>

#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/modules.h"
#include "xmpp/server.h"

#define NS_LAST "jabber:iq:last"

static enum iq_status
last_get(struct iq_req *req)
{
	int64_t up = util_time() - server.started;
	char secs[24];
	struct xml_node *q;

	if (req->set)
		return IQ_UNHANDLED;
	/* The wall clock may step back; uptime never goes negative. */
	if (up < 0)
		up = 0;
	snprintf(secs, sizeof(secs), "%lld", (long long)up);
	if ((q = xml_new(req->a, NS_LAST, "query")) == NULL ||
	    xml_set_attr(req->a, q, "seconds", secs) == -1) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	iq_reply(req, q);
	return IQ_DONE;
}

void
last_module_init(void)
{
	iq_register(NS_LAST, "query", IQ_SERVER, last_get);
	disco_add_feature(NS_LAST, IQ_SERVER);
}
