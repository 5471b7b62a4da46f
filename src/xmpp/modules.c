/*
 * modules: every XEP module's init, in one list. Adding a module is one
 * line here plus its own file.
 */
#include "xmpp/modules.h"

#include "xmpp/disco.h"
#include "xmpp/adhoc.h"
#include "xmpp/avatar.h"
#include "xmpp/bookmarks.h"
#include "xmpp/blocking.h"
#include "xmpp/carbons.h"
#include "xmpp/e2ee.h"
#include "xmpp/erase.h"
#include "xmpp/caps.h"
#include "xmpp/fast.h"
#include "xmpp/iq.h"
#include "xmpp/mam.h"
#include "xmpp/myview.h"
#include "xmpp/inactive.h"
#include "xmpp/offline.h"
#include "xmpp/pep.h"
#include "xmpp/presence.h"
#include "xmpp/push.h"
#include "xmpp/register.h"
#include "xmpp/retention.h"
#include "xmpp/roster.h"

#define NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"

/* RFC 3921 session establishment: a no-op kept for older clients. */
static enum iq_status
session_establish(struct iq_req *req)
{
	if (!req->set)
		return IQ_UNHANDLED;
	iq_reply(req, NULL);
	return IQ_DONE;
}

void
session_module_init(void)
{
	iq_register(
	    NS_SESSION, "session", IQ_SERVER | IQ_ACCOUNT, session_establish);
}

void
modules_init(void)
{
	disco_module_init();
	ping_module_init();
	session_module_init();
	roster_module_init();
	presence_module_init();
	vcard_module_init();
	private_module_init();
	contact_module_init();
	time_module_init();
	version_module_init();
	last_module_init();
	offline_module_init();
	blocking_module_init();
	e2ee_module_init();
	mam_module_init();
	carbons_module_init();
	push_module_init();
	caps_module_init();
	pep_module_init();
	bookmarks_module_init();
	avatar_module_init();
	fast_module_init();
	adhoc_module_init();
	erase_module_init();
	register_module_init();
	retention_module_init();
	myview_module_init();
	inactive_module_init();
}
