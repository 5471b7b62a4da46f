/*
 * time: entity time (XEP-0202) for the server itself. The server answers
 * in UTC with offset +00:00 whatever the host's zone: the offset would
 * tell a stranger where the machine stands and nothing a client needs.
 * Accounts are not answered (a client answers at its full JID).
 */
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/modules.h"

#define NS_TIME "urn:xmpp:time"

static int
add_text(struct arena *a, struct xml_node *parent, const char *name,
    const char *text)
{
	struct xml_node *n = xml_add(a, parent, NS_TIME, name);

	return n != NULL ? xml_add_text(a, n, text, strlen(text)) : -1;
}

static enum iq_status
time_get(struct iq_req *req)
{
	time_t now = (time_t)util_time();
	char utc[sizeof("YYYY-MM-DDThh:mm:ssZ") + 8];
	struct xml_node *t;
	struct tm tm;

	if (req->set)
		return IQ_UNHANDLED;
	/* XEP-0082 DateTime, whole seconds: finer adds nothing. */
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(utc, sizeof(utc), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    (t = xml_new(req->a, NS_TIME, "time")) == NULL ||
	    add_text(req->a, t, "tzo", "+00:00") == -1 ||
	    add_text(req->a, t, "utc", utc) == -1) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	iq_reply(req, t);
	return IQ_DONE;
}

void
time_module_init(void)
{
	iq_register(NS_TIME, "time", IQ_SERVER, time_get);
	disco_add_feature(NS_TIME, IQ_SERVER);
}
