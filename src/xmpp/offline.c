/*
 * offline: XEP-0160 offline messages.
 *
 * Storing. The router hands over a normal or chat message for a local
 * bare JID none of whose resources is available with a non-negative
 * priority. It is kept if it carries something the recipient will want
 * later (a body, an encrypted payload, a receipt or marker, an invitation,
 * or the XEP-0334 <store/> hint) and no <no-store/> hint. Otherwise, and
 * when the account does not exist or offline storage is off, the sender
 * gets <service-unavailable/>: RFC 6121 §8.5.2.2.1 allows storing or an
 * error, never a silent loss. A full quota is <resource-constraint/>
 * (wait): it frees up once the recipient has logged in. With [server]
 * store_plaintext = false a message whose body is not end-to-end
 * encrypted (e2ee_plaintext()) is refused the same way, with a text that
 * says why. <no-permanent-store/> does not stop offline storage:
 * XEP-0334 lets such a message be held temporarily for delivery, and
 * this store is exactly that.
 *
 * What is kept is the stanza as it arrived, with its time, except that
 * 'from' and 'to' are cut to bare JIDs: resources (which often name the
 * client software) are never written down. The archive's peer column
 * stays empty, so nothing beside the stanzas themselves says who wrote
 * to whom. Items expire after [retention] offline.
 *
 * Delivery. When a session first becomes available with a non-negative
 * priority (the presence hook), the account's messages are read oldest
 * first, a page at a time, by the store's query, which never returns an
 * expired item; each is written to that session with a XEP-0203 <delay/>
 * and then deleted. router_deliver() runs the inbound filters, so a
 * message from a sender the recipient blocks is dropped there, and
 * deleted all the same: the blocklist is read at bind, before the
 * first query, and is sealed like this store, so while the account is
 * away nobody can tell whether it blocks a sender, and a blocked
 * sender's message is stored like any other (PRIVACY.md, "Sealed
 * records"). Messages of type headline, groupchat and error are never
 * stored: the router drops headline and error, and refuses groupchat,
 * whether or not the recipient blocks the sender. One run per account at a time (struct run, in the
 * account's slot). A message whose existence check and append were queued
 * before the recipient became available is stored after the run read its
 * page; its completion starts another run, so it does not wait for the
 * next login.
 *
 * Invariants: a run's read is cancelled before its account is freed, so
 * its completion may use the run and the account; sessions are found
 * again by full JID after every asynchronous step.
 */
#include "xmpp/offline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/e2ee.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/presence.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define OFFLINE_STORE "offline"
#define NS_DELAY "urn:xmpp:delay"
#define NS_HINTS "urn:xmpp:hints"
/* Messages read and delivered per store query. */
#define PAGE 100

static struct store_def offline_def = {
    .name = OFFLINE_STORE,
    .shape = STORE_ARCHIVE,
    .owner = STORE_OWNER_USER,
    .retention = 72 * 3600, /* replaced by [retention] offline */
    .what = "messages sent to an account while it had no available "
            "resource, until delivered; sealed, so only the account's "
            "login opens them",
    .sealed = 1,
};

/*
 * Payloads worth keeping without a body. Chat states alone are not
 * (XEP-0085 §5.6: servers SHOULD NOT store them offline); receipts are,
 * so that the sender's client learns of the delivery later.
 */
static const struct {
	const char *ns, *name; /* name NULL: any element of ns */
} keep[] = {
    {"urn:xmpp:receipts", "received"}, /* XEP-0184 */
    {"urn:xmpp:chat-markers:0", NULL}, /* XEP-0333 */
    {"eu.siacs.conversations.axolotl", "encrypted"}, /* OMEMO 0.3 */
    {"urn:xmpp:omemo:2", "encrypted"}, /* XEP-0384 */
    {"urn:xmpp:openpgp:0", "openpgp"}, /* XEP-0373 */
    {"jabber:x:encrypted", "x"}, /* XEP-0027 */
    {"jabber:x:conference", "x"}, /* XEP-0249 invitation */
    {"http://jabber.org/protocol/muc#user", "x"}, /* XEP-0045 invite */
    {"urn:xmpp:reactions:0", "reactions"}, /* XEP-0444 */
    {"urn:xmpp:message-retract:1", "retract"}, /* XEP-0424 */
};

/* A delivery run: lives in its account's slot. */
struct run {
	struct account *acct; /* the owner */
	struct store_req *req; /* the page being read, or NULL */
	char *full; /* owned: the session served, or NULL */
	unsigned pages; /* read in this run (a guard, see page_read) */
};

static int slot = -1;

/* --- storing --- */

static int
worth_storing(const struct xml_node *st)
{
	const struct xml_node *c;
	int want = 0;
	size_t i;

	for (c = xml_child(st, NULL, NULL); c != NULL;
	     c = xml_next(c, NULL, NULL)) {
		if (strcmp(c->ns, NS_HINTS) == 0) {
			if (strcmp(c->name, "no-store") == 0)
				return 0;
			if (strcmp(c->name, "store") == 0)
				want = 1;
			continue;
		}
		if (xml_is(c, XML_NS_CLIENT, "body")) {
			want = 1;
			continue;
		}
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (strcmp(c->ns, keep[i].ns) == 0 &&
			    (keep[i].name == NULL ||
			        strcmp(c->name, keep[i].name) == 0))
				want = 1;
	}
	return want;
}

/* A message on its way into the store; lives in the stanza's arena. */
struct pending {
	struct arena *a; /* owns this and the stanza */
	struct xml_node *st;
	char *from_full; /* the sender, to find again; NULL: none */
	char *host, *user; /* the recipient */
	char *value; /* the stanza serialized */
	size_t len;
};

static struct session *
sender(const struct pending *p)
{
	return p->from_full != NULL ? session_find_str(p->from_full) : NULL;
}

static void
bounce(struct pending *p, const char *type, const char *cond)
{
	router_error(sender(p), p->st, p->a, type, cond, NULL);
	arena_free(p->a);
}

static void run_start(struct account *acct, struct session *s);

static void
stored(void *arg, const struct store_res *r)
{
	struct pending *p = arg;
	char bare[2 * JID_PART_MAX + 2];
	struct account *acct;

	switch (r->status) {
	case STORE_OK:
		log_debug("event=offline_stored");
		/* Appended after the recipient became available? */
		snprintf(bare, sizeof(bare), "%s@%s", p->user, p->host);
		if ((acct = session_account(bare)) != NULL)
			run_start(acct, NULL);
		arena_free(p->a);
		return;
	case STORE_LIMIT:
		log_debug("event=offline_full");
		bounce(p, "wait", "resource-constraint");
		return;
	default:
		bounce(p, "wait", "internal-server-error");
		return;
	}
}

static void
append(struct pending *p)
{
	if (store_archive_append_max(server.store, OFFLINE_STORE, p->host,
	        p->user, NULL, 0, NULL, p->value, p->len,
	        server.conf->limits.offline_messages, stored, p) == NULL)
		bounce(p, "wait", "internal-server-error");
}

static void
account_checked(void *arg, const struct store_res *r)
{
	struct pending *p = arg;

	if (r->status == STORE_OK)
		append(p);
	else if (r->status == STORE_NOTFOUND)
		bounce(p, "cancel", "service-unavailable");
	else
		bounce(p, "wait", "internal-server-error");
}

/*
 * Serializes st as it is kept: with the sender's and the recipient's
 * bare JIDs, since resources are never written down (PRIVACY.md); st
 * itself is left as it was, for the error replies.
 */
static int
serialize_bare(
    struct arena *a, struct xml_node *st, const char *to_bare, struct buf *out)
{
	const char *from = xml_attr(st, "from"), *to = xml_attr(st, "to");
	char *from_bare = NULL, *slash;
	int rc;

	/* A stamped JID's first '/' starts its resource. */
	if (from != NULL) {
		if ((from_bare = arena_strdup(a, from)) == NULL)
			return -1;
		if ((slash = strchr(from_bare, '/')) != NULL)
			*slash = '\0';
	}
	if ((from_bare != NULL &&
	        xml_set_attr(a, st, "from", from_bare) == -1) ||
	    xml_set_attr(a, st, "to", to_bare) == -1)
		rc = -1;
	else
		rc = xml_serialize(st, XML_NS_CLIENT, out);
	if (xml_set_attr(a, st, "from", from) == -1 ||
	    xml_set_attr(a, st, "to", to) == -1)
		rc = -1;
	return rc;
}

/* The router's offline handler; takes arena a. */
static void
take(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	const char *type = xml_attr(st, "type");
	struct buf b = BUF_INIT;
	struct pending *p;
	char *bare;

	if (server.conf->limits.offline_messages == 0 || to->local == NULL ||
	    (type != NULL && strcmp(type, "chat") != 0 &&
	        strcmp(type, "normal") != 0) ||
	    !worth_storing(st)) {
		router_error(
		    from, st, a, "cancel", "service-unavailable", NULL);
		arena_free(a);
		return;
	}
	/* [server] store_plaintext = false: a plaintext body is never
	 * written down; the sender learns it was not kept. */
	if (!server.conf->store_plaintext && e2ee_plaintext(st)) {
		router_error(from, st, a, "cancel", "service-unavailable",
		    "This server does not keep unencrypted messages for "
		    "offline delivery; it was not delivered.");
		arena_free(a);
		return;
	}
	if ((p = arena_zalloc(a, sizeof(*p))) == NULL ||
	    (from != NULL &&
	        (p->from_full = arena_strdup(a, from->full)) == NULL) ||
	    (p->host = arena_strdup(a, to->domain)) == NULL ||
	    (p->user = arena_strdup(a, to->local)) == NULL ||
	    (bare = jid_bare_str(a, to)) == NULL ||
	    serialize_bare(a, st, bare, &b) == -1 ||
	    (p->value = arena_alloc(a, buf_size(&b))) == NULL) {
		buf_free(&b);
		router_error(
		    from, st, a, "wait", "internal-server-error", NULL);
		arena_free(a);
		return;
	}
	memcpy(p->value, buf_ptr(&b), buf_size(&b));
	p->len = buf_size(&b);
	buf_free(&b);
	p->a = a;
	p->st = st;
	/* Online (bound, not available) accounts exist; others are asked. */
	if (session_account(bare) != NULL) {
		append(p);
		return;
	}
	if (store_account_creds(
	        server.store, p->host, p->user, account_checked, p) == NULL)
		bounce(p, "wait", "internal-server-error");
}

/* --- delivery --- */

static int
takes_offline(const struct session *s)
{
	return s->available && s->priority >= 0;
}

/* The session to deliver to now: the one the run was started for, else
 * any other that may take them; NULL if none. */
static struct session *
target(struct run *r)
{
	struct session *s = r->full ? session_find_str(r->full) : NULL;
	char *f;

	if (s != NULL && s->acct == r->acct && takes_offline(s))
		return s;
	for (s = r->acct->sessions; s != NULL; s = s->next) {
		if (!takes_offline(s))
			continue;
		if ((f = strdup(s->full)) == NULL)
			return NULL;
		free(r->full);
		r->full = f;
		return s;
	}
	return NULL;
}

/* Writes one stored message to s with its delay stamp. */
static void
deliver_item(struct session *s, const struct store_item *it)
{
	const struct conf_limits *cl = &server.conf->limits;
	struct xml_limits lim = {
	    cl->stanza_bytes, cl->depth, cl->attrs, cl->header_bytes};
	struct xml_node *m, *d;
	struct arena *a;
	char stamp[32];
	time_t t = (time_t)it->when;
	struct tm tm;

	if ((a = arena_new(1024 + it->value_len)) == NULL)
		return;
	m = xml_parse_element(a, it->value, it->value_len, &lim);
	if (m == NULL || !xml_is(m, XML_NS_CLIENT, "message")) {
		/* Ours, so never expected; it is deleted all the same. */
		log_warn("event=offline_unreadable");
		arena_free(a);
		return;
	}
	if (gmtime_r(&t, &tm) != NULL &&
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 &&
	    (d = xml_add(a, m, NS_DELAY, "delay")) != NULL) {
		xml_set_attr(a, d, "from", s->jid.domain);
		xml_set_attr(a, d, "stamp", stamp);
	}
	router_deliver(s, m);
	arena_free(a);
}

static void read_page(struct run *r);

static void
page_read(void *arg, const struct store_res *res)
{
	struct run *r = arg;
	struct session *s;
	size_t i, pages_max;

	r->req = NULL;
	if (res->status == STORE_LOCKED) {
		/* The account's keys went with its last stream as this was
		 * read: the messages stay for its next login. */
		log_debug("event=offline_locked");
		return;
	}
	if (res->status != STORE_OK) {
		log_warn("event=offline_read_failed");
		return;
	}
	if (res->nitems == 0 || (s = target(r)) == NULL)
		return; /* nothing, or nobody to take them: next time */
	for (i = 0; i < res->nitems; i++) {
		deliver_item(s, &res->items[i]);
		/* Written to the session's stream: now forget it. */
		store_archive_delete(server.store, OFFLINE_STORE,
		    r->acct->jid.domain, r->acct->jid.local, res->items[i].id,
		    NULL, NULL);
	}
	log_debug("event=offline_delivered count=%zu", res->nitems);
	/* The deletes are queued before the next read, which so starts
	 * past them. Should they fail, the same page would come back: a
	 * run reads no more pages than a full store holds. */
	pages_max = server.conf->limits.offline_messages / PAGE + 2;
	if (!res->complete && ++r->pages < pages_max)
		read_page(r);
}

static void
read_page(struct run *r)
{
	struct store_archive_query q;

	memset(&q, 0, sizeof(q));
	q.max = PAGE;
	r->req = store_archive_query(server.store, OFFLINE_STORE,
	    r->acct->jid.domain, r->acct->jid.local, &q, page_read, r);
	if (r->req == NULL)
		log_warn("event=offline_read_failed");
}

/* Starts delivering to s (NULL: whichever session may take them). */
static void
run_start(struct account *acct, struct session *s)
{
	struct run *r = acct->slot[slot];
	struct session *any;
	char *f;

	for (any = acct->sessions; any != NULL; any = any->next)
		if (takes_offline(any))
			break;
	if (any == NULL)
		return;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return;
		r->acct = acct;
		acct->slot[slot] = r;
	}
	if (s != NULL && (f = strdup(s->full)) != NULL) {
		free(r->full);
		r->full = f;
	}
	/* A read in flight serves this too: the store runs requests in
	 * order, so it sees everything stored before it was queued. */
	if (r->req != NULL)
		return;
	r->pages = 0;
	read_page(r);
}

static void
on_initial(struct session *s)
{
	if (takes_offline(s))
		run_start(s->acct, s);
}

static void
account_gone(struct account *acct)
{
	struct run *r = acct->slot[slot];

	if (r == NULL)
		return;
	store_cancel(r->req);
	free(r->full);
	free(r);
	acct->slot[slot] = NULL;
}

void
offline_module_init(void)
{
	const struct conf *c = server.conf;

	if (c == NULL)
		fatal("event=start_failed reason=offline_without_conf");
	offline_def.retention = c->retention.offline;
	if (store_register(&offline_def) < 0 || (slot = session_slot()) < 0 ||
	    presence_on_initial(on_initial) < 0 ||
	    session_on_account_free(account_gone) < 0)
		fatal("event=start_failed reason=offline_module");
	router_set_offline(take);
	if (c->limits.offline_messages > 0)
		disco_add_feature("msgoffline", IQ_SERVER);
}
