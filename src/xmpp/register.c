/*
 * register: XEP-0077 for an authenticated account.
 *
 * get: the form says the account is registered (§3.2 needs nothing
 * more) and names its user. set with <remove/> (§3.2): the account is
 * erased; the result is written first, then every session of the account
 * is closed with <not-authorized/>. Any other set (a registration or a
 * password change, §3.3) is <not-allowed/>: neither is offered.
 *
 * Requests come from a bound session and are addressed to its server
 * (what clients send) or its own bare JID; one to another account's bare
 * JID or another host is refused with <forbidden/>.
 */
#include "xmpp/register.h"

#include <string.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/log.h"
#include "xml/xml.h"
#include "xmpp/erase.h"
#include "xmpp/iq.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_REGISTER "jabber:iq:register"

static void
removed(void *arg, enum store_status status)
{
	struct iq_req *req = arg;

	/* The sender's session is still bound: closing comes after this. */
	if (status == STORE_ERR)
		iq_error(req, "wait", "internal-server-error", NULL);
	else
		iq_reply(req, NULL);
	iq_req_free(req);
}

static enum iq_status
register_iq(struct iq_req *req)
{
	struct session *s = req->from;
	struct xml_node *q, *x;
	int rc;

	if (s == NULL)
		return IQ_DONE;
	/* To one's own server (the usual form) or own account only. */
	if ((req->to.local != NULL &&
	        strcmp(req->to.local, s->jid.local) != 0) ||
	    strcmp(req->to.domain, s->jid.domain) != 0) {
		iq_error(req, "auth", "forbidden", NULL);
		return IQ_DONE;
	}
	if (!req->set) {
		if ((q = xml_new(req->a, NS_REGISTER, "query")) == NULL ||
		    xml_add(req->a, q, NS_REGISTER, "registered") == NULL ||
		    (x = xml_add(req->a, q, NS_REGISTER, "username")) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		xml_add_text(req->a, x, s->jid.local, strlen(s->jid.local));
		iq_reply(req, q);
		return IQ_DONE;
	}
	if (xml_child(req->payload, NS_REGISTER, "remove") == NULL) {
		iq_error(req, "cancel", "not-allowed",
		    "registration and password changes are not offered here");
		return IQ_DONE;
	}
	if (!server.conf->account_removal) {
		iq_error(req, "cancel", "not-allowed",
		    "accounts cannot delete themselves on this server");
		return IQ_DONE;
	}
	rc = erase_account(s->jid.domain, s->jid.local, removed, req);
	if (rc == -2) {
		iq_error(req, "wait", "conflict", "being deleted already");
		return IQ_DONE;
	}
	if (rc < 0) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	log_info("event=account_remove_requested");
	return IQ_ASYNC;
}

void
register_module_init(void)
{
	if (server.conf != NULL && server.conf->registration)
		fatal("event=start_failed reason=registration_not_implemented "
		      "hint=set_[server]_registration_=_false");
	if (iq_register(NS_REGISTER, "query", IQ_SERVER | IQ_ACCOUNT,
	        register_iq) == -1)
		fatal("register: cannot register the module");
}
