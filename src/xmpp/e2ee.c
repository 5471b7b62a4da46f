/*
 * e2ee: a host may ask that one-to-one messages be end-to-end encrypted.
 *
 * [host NAME] e2ee is off, warn or require. It concerns messages of type
 * chat or normal that carry a plaintext body (e2ee_plaintext()); group
 * chat, headlines, errors and messages without a body (chat states,
 * receipts, markers) always pass. A message is judged by the policy of
 * the sender's host and of the recipient's host when that is local; the
 * stricter wins. A host's e2ee_exempt list (bare JIDs, which cover their
 * resources, full JIDs and domains) lifts its policy for a message when
 * it covers the sender or the recipient, so a support account or a bot
 * can still be spoken to in clear.
 *
 * require: the sender gets the message back as an error of type modify
 * with <policy-violation/> and a text saying why; the recipient gets
 * nothing, and no archive or carbon sees it (this filter runs before
 * theirs). warn: the message goes through, and the sending session gets
 * a <message type='headline'/> from its domain saying it was not
 * encrypted, once per peer per session: at most WARN_PEERS peers are
 * remembered for a session, in memory only, forgotten when it ends.
 *
 * Today every sender is a local session, so the router's outbound filter
 * covers local-to-local messages in both directions. Messages from other
 * servers will pass through e2ee_check() in the server-to-server receiver
 * once federation exists (see e2ee.h).
 *
 * Invariant: `warned` holds one entry per session that has been warned,
 * removed when that session unbinds.
 */
#include "xmpp/e2ee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/jid.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_EME "urn:xmpp:eme:0"
#define WARN_PEERS 32

#define REFUSE_TEXT                                                            \
	"This server only accepts end-to-end encrypted messages. Turn on "     \
	"OMEMO or OpenPGP encryption for this conversation and send it "       \
	"again."
#define WARN_TEXT                                                              \
	"Your message to %s was not end-to-end encrypted: the servers on "     \
	"its way could read it. Turn on OMEMO or OpenPGP encryption for "      \
	"this conversation."

static const struct {
	const char *ns, *name;
} payloads[] = {
    {"eu.siacs.conversations.axolotl", "encrypted"}, /* OMEMO 0.3 */
    {"urn:xmpp:omemo:2", "encrypted"}, /* XEP-0384 */
    {"urn:xmpp:openpgp:0", "openpgp"}, /* XEP-0373 */
    {"jabber:x:encrypted", "x"}, /* XEP-0027 */
};

/* One host's exempt list, parsed at start. */
struct exempt {
	const struct conf_host *host;
	struct jid *jids; /* owned array of owned JIDs */
	size_t n;
};

static struct exempt *exempts; /* owned, one per configured host */
static size_t nexempts;

/* The peers one session was warned about. */
struct warned {
	char *full; /* owned: the session, the hash key */
	char *peers[WARN_PEERS]; /* owned bare JIDs */
	size_t n, next; /* used; the one replaced when full */
};

static struct hash *warned;

/* 1 if the text of body starts with "?OTR" (text nodes may be split). */
static int
otr_body(const struct xml_node *body)
{
	static const char tag[] = "?OTR";
	const struct xml_node *t;
	size_t have = 0, k;

	for (t = body->children; t != NULL && have < 4; t = t->next) {
		if (t->name != NULL)
			continue;
		for (k = 0; k < t->text_len && have < 4; k++, have++)
			if (t->text[k] != tag[have])
				return 0;
	}
	return have == 4;
}

int
e2ee_plaintext(const struct xml_node *msg)
{
	const struct xml_node *c, *body = NULL;
	const char *eme_ns = NULL;
	size_t i;

	for (c = xml_child(msg, NULL, NULL); c != NULL;
	     c = xml_next(c, NULL, NULL)) {
		if (body == NULL && xml_is(c, XML_NS_CLIENT, "body"))
			body = c;
		else if (xml_is(c, NS_EME, "encryption"))
			eme_ns = xml_attr(c, "namespace");
		for (i = 0; i < ARRAY_LEN(payloads); i++)
			if (xml_is(c, payloads[i].ns, payloads[i].name))
				return 0;
	}
	if (body == NULL || otr_body(body))
		return 0;
	/* XEP-0380 names a mechanism; only its payload makes it one. */
	if (eme_ns != NULL && *eme_ns != '\0' && strcmp(eme_ns, NS_EME) != 0 &&
	    strcmp(eme_ns, XML_NS_CLIENT) != 0 &&
	    xml_child(msg, eme_ns, NULL) != NULL)
		return 0;
	return 1;
}

/* --- policy --- */

static const struct exempt *
exempt_of(const struct conf_host *h)
{
	size_t i;

	for (i = 0; i < nexempts; i++)
		if (exempts[i].host == h)
			return &exempts[i];
	return NULL;
}

/* 1 if entry e (a domain, bare or full JID) covers j. */
static int
covers(const struct jid *e, const struct jid *j)
{
	if (strcmp(e->domain, j->domain) != 0)
		return 0;
	if (e->local == NULL)
		return e->resource == NULL;
	if (j->local == NULL || strcmp(e->local, j->local) != 0)
		return 0;
	return e->resource == NULL ||
	    (j->resource != NULL && strcmp(e->resource, j->resource) == 0);
}

/* The policy of the local host named domain for this pair; off if the
 * host is not ours or lists either party. */
static int
policy_of(const char *domain, const struct jid *from, const struct jid *to)
{
	const struct conf_host *h = conf_host_find(server.conf, domain);
	const struct exempt *ex;
	size_t i;

	if (h == NULL || h->e2ee == CONF_E2EE_OFF)
		return CONF_E2EE_OFF;
	if ((ex = exempt_of(h)) != NULL)
		for (i = 0; i < ex->n; i++)
			if (covers(&ex->jids[i], from) ||
			    covers(&ex->jids[i], to))
				return CONF_E2EE_OFF;
	return h->e2ee;
}

enum e2ee_verdict
e2ee_check(
    const struct jid *from, const struct jid *to, const struct xml_node *st)
{
	const char *type = xml_attr(st, "type");
	int p, q;

	if (from == NULL || to == NULL || to->local == NULL ||
	    !xml_is(st, XML_NS_CLIENT, "message") ||
	    (type != NULL && strcmp(type, "chat") != 0 &&
	        strcmp(type, "normal") != 0) ||
	    !e2ee_plaintext(st))
		return E2EE_PASS;
	p = policy_of(from->domain, from, to);
	q = policy_of(to->domain, from, to);
	if (q > p)
		p = q;
	if (p == CONF_E2EE_REQUIRE)
		return E2EE_REFUSE;
	return p == CONF_E2EE_WARN ? E2EE_WARN : E2EE_PASS;
}

/* --- warnings --- */

static void
warned_free(struct warned *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		free(w->peers[i]);
	free(w->full);
	free(w);
}

/* 1 if s should be told about peer now (and remembers it), else 0. */
static int
first_time(struct session *s, const char *peer)
{
	struct warned *w = hash_get(warned, s->full);
	char *p;
	size_t i;

	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL ||
		    (w->full = strdup(s->full)) == NULL ||
		    hash_put(warned, w->full, w) < 0) {
			warned_free(w);
			return 0; /* no memory: rather not warn than warn again */
		}
	}
	for (i = 0; i < w->n; i++)
		if (strcmp(w->peers[i], peer) == 0)
			return 0;
	if ((p = strdup(peer)) == NULL)
		return 0;
	if (w->n < WARN_PEERS) {
		w->peers[w->n++] = p;
	} else {
		free(w->peers[w->next]);
		w->peers[w->next] = p;
		w->next = (w->next + 1) % WARN_PEERS;
	}
	return 1;
}

static void
warn(struct session *from, struct arena *a, const struct jid *to)
{
	struct xml_node *m, *b;
	char *peer, *text;
	size_t n;

	if ((peer = jid_bare_str(a, to)) == NULL || !first_time(from, peer))
		return;
	n = sizeof(WARN_TEXT) + strlen(peer);
	if ((text = arena_alloc(a, n)) == NULL ||
	    (m = xml_new(a, XML_NS_CLIENT, "message")) == NULL ||
	    xml_set_attr(a, m, "type", "headline") < 0 ||
	    xml_set_attr(a, m, "from", from->jid.domain) < 0 ||
	    xml_set_attr(a, m, "to", from->full) < 0 ||
	    (b = xml_add(a, m, NULL, "body")) == NULL)
		return;
	snprintf(text, n, WARN_TEXT, peer);
	if (xml_add_text(a, b, text, strlen(text)) < 0)
		return;
	router_deliver(from, m);
	log_debug("event=e2ee_warned");
}

static enum router_verdict
filter(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	switch (e2ee_check(&from->jid, to, st)) {
	case E2EE_REFUSE:
		log_debug("event=e2ee_refused");
		router_error(
		    from, st, a, "modify", "policy-violation", REFUSE_TEXT);
		return ROUTER_STOP;
	case E2EE_WARN:
		warn(from, a, to);
		return ROUTER_PASS;
	default:
		return ROUTER_PASS;
	}
}

static void
unbound(struct session *s)
{
	if (warned != NULL)
		warned_free(hash_del(warned, s->full));
}

/* Parses one host's e2ee_exempt into ex. 0, or -1 on a bad entry. */
static int
parse_exempt(const struct conf_host *h, struct exempt *ex)
{
	const char *p = h->e2ee_exempt, *end;
	size_t n;

	ex->host = h;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && *end != ' ' && *end != '\t';
		     end++)
			;
		n = ex->n + 1;
		ex->jids = reallocarray(ex->jids, n, sizeof(*ex->jids));
		if (ex->jids == NULL ||
		    jid_parse(p, (size_t)(end - p), &ex->jids[ex->n]) < 0)
			return -1;
		ex->n = n;
		p = end;
	}
	return 0;
}

void
e2ee_module_init(void)
{
	const struct conf *c = server.conf;
	size_t i;

	if (c == NULL)
		fatal("event=start_failed reason=e2ee_without_conf");
	if ((exempts = calloc(c->nhosts, sizeof(*exempts))) == NULL)
		fatal("event=start_failed reason=e2ee_module");
	nexempts = c->nhosts;
	for (i = 0; i < c->nhosts; i++)
		if (parse_exempt(&c->hosts[i], &exempts[i]) < 0)
			fatal("event=start_failed reason=e2ee_exempt host=%zu",
			    i);
	if ((warned = hash_new()) == NULL ||
	    router_add_out_filter(filter) < 0 || session_on_unbind(unbound) < 0)
		fatal("event=start_failed reason=e2ee_module");
}
