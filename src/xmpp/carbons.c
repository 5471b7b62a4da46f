/*
 * carbons: XEP-0280 message carbons.
 *
 * State: one flag per session, in its module slot (a non-NULL marker, so
 * nothing is allocated or freed). Nothing is stored.
 *
 * Copies are made by a router outbound filter, which sees every message
 * a local session sends, registered after the archive's so that a copy
 * carries the recipient's <stanza-id/>. A message is eligible (§6) if it
 * has no <private/> and no XEP-0334 <no-copy/>, is not itself a carbon,
 * a group chat message or an error, and is of type chat, or normal with
 * a body, or carries a payload of one-to-one chat (chat states,
 * receipts, markers, encrypted payloads, corrections, reactions,
 * retractions).
 *
 *   sent:     to every other carbons-enabled resource of the sender's
 *             account, except one the message is addressed to.
 *   received: when the recipient is a local account, to each of its
 *             carbons-enabled resources the router will not deliver the
 *             original to: for a bound full JID every other resource;
 *             for a bare JID (or a chat message to an unbound full JID)
 *             those that are not available with a non-negative priority
 *             (RFC 6121 §8.5.2.1.1, as router.c applies it).
 *
 * Copies are addressed from the owning account's bare JID, so the
 * recipient's inbound filters treat them as the account's own; the
 * original inside keeps its from, to and stanza-id.
 */
#include "xmpp/carbons.h"

#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_CARBONS "urn:xmpp:carbons:2"
#define NS_FORWARD "urn:xmpp:forward:0"
#define NS_HINTS "urn:xmpp:hints"

static int slot = -1;
static char on_marker; /* the slot's value while enabled */

int
carbons_enable(struct session *s, int on)
{
	if (s == NULL || slot < 0)
		return -1;
	s->slot[slot] = on ? &on_marker : NULL;
	return 0;
}

int
carbons_enabled(const struct session *s)
{
	return slot >= 0 && s->slot[slot] != NULL;
}

/* Payloads of one-to-one chat that make any message eligible. */
static const struct {
	const char *ns, *name; /* name NULL: any element of ns */
} chat_payloads[] = {
    {"http://jabber.org/protocol/chatstates", NULL}, /* XEP-0085 */
    {"urn:xmpp:receipts", NULL}, /* XEP-0184 */
    {"urn:xmpp:chat-markers:0", NULL}, /* XEP-0333 */
    {"eu.siacs.conversations.axolotl", "encrypted"}, /* OMEMO 0.3 */
    {"urn:xmpp:omemo:2", "encrypted"}, /* XEP-0384 */
    {"urn:xmpp:openpgp:0", "openpgp"}, /* XEP-0373 */
    {"jabber:x:encrypted", "x"}, /* XEP-0027 */
    {"urn:xmpp:message-correct:0", "replace"}, /* XEP-0308 */
    {"urn:xmpp:reactions:0", "reactions"}, /* XEP-0444 */
    {"urn:xmpp:message-retract:1", "retract"}, /* XEP-0424 */
};

static int
eligible(const struct xml_node *st)
{
	const char *type = xml_attr(st, "type");
	const struct xml_node *c;
	int chat = type != NULL && strcmp(type, "chat") == 0;
	int normal = type == NULL || strcmp(type, "normal") == 0;
	int want = chat;
	size_t i;

	if (!chat && !normal)
		return 0; /* groupchat, headline, error */
	for (c = xml_child(st, NULL, NULL); c != NULL;
	     c = xml_next(c, NULL, NULL)) {
		if (strcmp(c->ns, NS_CARBONS) == 0)
			return 0; /* <private/>, or a carbon itself */
		if (xml_is(c, NS_HINTS, "no-copy"))
			return 0;
		if (xml_is(c, XML_NS_CLIENT, "body"))
			want = 1;
		for (i = 0;
		     i < sizeof(chat_payloads) / sizeof(chat_payloads[0]); i++)
			if (strcmp(c->ns, chat_payloads[i].ns) == 0 &&
			    (chat_payloads[i].name == NULL ||
			        strcmp(c->name, chat_payloads[i].name) == 0))
				want = 1;
	}
	return want;
}

/* Sends st wrapped in <sent/> or <received/> (dir) to session s. */
static void
copy_to(struct session *s, const struct xml_node *st, const char *dir)
{
	struct xml_node *m, *w, *fw, *inner;
	const char *type = xml_attr(st, "type");
	struct arena *a;

	if ((a = arena_new(2048)) == NULL)
		return;
	if ((m = xml_new(a, XML_NS_CLIENT, "message")) == NULL ||
	    xml_set_attr(a, m, "from", s->acct->bare) == -1 ||
	    xml_set_attr(a, m, "to", s->full) == -1 ||
	    (type != NULL && xml_set_attr(a, m, "type", type) == -1) ||
	    (w = xml_add(a, m, NS_CARBONS, dir)) == NULL ||
	    (fw = xml_add(a, w, NS_FORWARD, "forwarded")) == NULL ||
	    (inner = xml_copy(a, st)) == NULL) {
		arena_free(a);
		return;
	}
	xml_append(fw, inner);
	router_deliver(s, m);
	arena_free(a);
}

static void
sent_copies(
    struct session *from, const struct xml_node *st, const struct jid *to)
{
	struct session *s;

	/* To one's own bare JID the router delivers to the resources. */
	if (to == NULL ||
	    (to->resource == NULL && jid_bare_eq(to, &from->acct->jid)))
		return;
	for (s = from->acct->sessions; s != NULL; s = s->next)
		if (s != from && carbons_enabled(s) &&
		    !(to->resource != NULL && jid_full_eq(to, &s->jid)))
			copy_to(s, st, "sent");
}

static void
received_copies(
    struct session *from, const struct xml_node *st, const struct jid *to)
{
	const char *type = xml_attr(st, "type");
	char bare[2 * JID_PART_MAX + 2];
	struct account *acct;
	struct session *s, *direct = NULL;

	if (to == NULL || to->local == NULL || !server_is_local(to->domain) ||
	    jid_format(to, 0, bare, sizeof(bare)) < 0 ||
	    (acct = session_account(bare)) == NULL)
		return;
	/* The sender's own account: its sent copies cover it. */
	if (acct == from->acct)
		return;
	if (to->resource != NULL) {
		direct = session_find(to);
		/* Normal to an unbound resource is refused, not delivered. */
		if (direct == NULL &&
		    !(type != NULL && strcmp(type, "chat") == 0))
			return;
	}
	for (s = acct->sessions; s != NULL; s = s->next) {
		if (!carbons_enabled(s) || s == direct)
			continue;
		if (direct == NULL && s->available && s->priority >= 0)
			continue; /* the router gives it the original */
		copy_to(s, st, "received");
	}
}

static enum router_verdict
filter(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	(void)a;
	if (!xml_is(st, XML_NS_CLIENT, "message") || !eligible(st))
		return ROUTER_PASS;
	sent_copies(from, st, to);
	received_copies(from, st, to);
	return ROUTER_PASS;
}

static enum iq_status
toggle(struct iq_req *req)
{
	if (!req->set)
		return IQ_UNHANDLED;
	if (req->from == NULL ||
	    (req->to.local != NULL &&
	        !jid_bare_eq(&req->to, &req->from->jid))) {
		iq_error(req, "cancel", "forbidden", NULL);
		return IQ_DONE;
	}
	carbons_enable(req->from, strcmp(req->payload->name, "enable") == 0);
	log_debug("event=carbons on=%d", carbons_enabled(req->from));
	iq_reply(req, NULL);
	return IQ_DONE;
}

void
carbons_module_init(void)
{
	if ((slot = session_slot()) < 0 || router_add_out_filter(filter) < 0 ||
	    iq_register(NS_CARBONS, "enable", IQ_SERVER | IQ_ACCOUNT, toggle) <
	        0 ||
	    iq_register(NS_CARBONS, "disable", IQ_SERVER | IQ_ACCOUNT, toggle) <
	        0)
		fatal("event=start_failed reason=carbons_module");
	disco_add_feature(NS_CARBONS, IQ_SERVER | IQ_ACCOUNT);
}
