/*
 * ping: XEP-0199 for the server and for accounts (the server answers on
 * an account's behalf; pings to a full JID go to the client).
 */
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/modules.h"

#define NS_PING "urn:xmpp:ping"

static enum iq_status
ping(struct iq_req *req)
{
	if (req->set)
		return IQ_UNHANDLED;
	iq_reply(req, NULL);
	return IQ_DONE;
}

void
ping_module_init(void)
{
	iq_register(NS_PING, "ping", IQ_SERVER | IQ_ACCOUNT, ping);
	disco_add_feature(NS_PING, IQ_SERVER | IQ_ACCOUNT);
}
