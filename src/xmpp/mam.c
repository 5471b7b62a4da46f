/*
 * mam: XEP-0313 message archive, XEP-0441 preferences, XEP-0359 ids.
 *
 * Archiving. A router outbound filter sees every message a local session
 * sends. A message mam_archivable() accepts, between two local accounts,
 * is appended to the sender's archive (peer: the recipient) and to the
 * recipient's (peer: the sender), each under an id of its own, so the two
 * archives share nothing that links them. The recipient's id travels with
 * the delivered message as <stanza-id by='recipient bare JID'/>; any
 * stanza-id a client wrote claiming one of our JIDs is removed first, so
 * a client cannot forge one. Filters registered after blocking's, so a
 * message blocking stops is never archived. What is kept is the stanza
 * with bare 'from' and 'to' (resources are never written down) and no
 * stanza-id (the archive's own id is the item's). Messages to remote
 * domains are not archived until federation can deliver them.
 *
 * Preferences. Each account's <prefs/> (default always, roster or never;
 * always and never JID lists) is one sealed map item, read when its first
 * session binds and cached on the account. "roster" archives a peer that
 * has a subscription either way with the account (roster_subscription()).
 * The stanza-id is added when the recipient's archive is expected to keep
 * the message: for an online recipient that is exact; for an offline
 * one, only when the configured default is "always" (its own preferences
 * may still keep it, under an id its clients learn from a query).
 *
 * Away. The archive and the preferences are sealed (PRIVACY.md): while
 * an account has no session its preferences usually cannot be read
 * (STORE_LOCKED). What its copy of an incoming message needs then is
 * kept in clear beside them, in "archive_mode": the default (or "-",
 * the server's), the account's own retention, and one bit saying whether
 * it has always or never lists (never the addresses). A locked
 * account's copy is archived unless the default is never with no lists;
 * when the lists or the roster could have decided otherwise ("roster",
 * or any list), the item's id and peer are also appended to the sealed
 * "archive_review". When the account's first session binds, once its
 * preferences and roster are read, each reviewed item the preferences
 * would not have kept is deleted from the archive and the review is
 * emptied. So a message the account asked never to archive is gone at
 * its next login, and nothing the preferences keep is lost. An account
 * whose mode record is missing (preferences set before it existed) is
 * reviewed on every item until its next login writes the record.
 *
 * A shorter retention of one's own. <prefs/> may carry lethe:seconds in
 * urn:lethe:retention:0: how long this account's archive keeps items, at
 * most the server's [retention] archive. A longer value is clamped to
 * the server's, and the prefs result says the value in effect. Appends
 * for the account then carry min(server, own) as the item's retention;
 * setting it shortens what is already held at once (older items are
 * deleted, the rest expire at their time + the choice), and queries do
 * not reach back further than the choice.
 *
 * Queries. Form fields with, start, end, before-id, after-id and ids;
 * RSM max, after and before (empty before: the last page); flip-page.
 * Each result is one <message/> to the asking session, then the <fin/>.
 * The store runs queries on its thread; an index serves each shape.
 *
 * Invariants: sessions and accounts are found again after every
 * asynchronous step; a prefs read in flight is cancelled before its
 * account is freed.
 */
#include "xmpp/mam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/e2ee.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/roster.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_MAM "urn:xmpp:mam:2"
#define NS_MAM_EXT "urn:xmpp:mam:2#extended"
#define NS_SID "urn:xmpp:sid:0"
#define NS_RSM "http://jabber.org/protocol/rsm"
#define NS_DATA "jabber:x:data"
#define NS_FORWARD "urn:xmpp:forward:0"
#define NS_DELAY "urn:xmpp:delay"
#define NS_HINTS "urn:xmpp:hints"
#define NS_LETHE_RET "urn:lethe:retention:0"

#define ARCHIVE_STORE "archive"
#define PREFS_STORE "archive_prefs"
#define MODE_STORE "archive_mode"
#define REVIEW_STORE "archive_review"
/* Items per page when the client does not say, and at most. */
#define PAGE_DEFAULT 50
#define PAGE_MAX 250
/* Ids one query may name, JIDs one preference list may hold. */
#define IDS_MAX 250
#define PREFS_JIDS_MAX 1000
#define ID_LEN 16
/* Review: items read per step, steps per login. */
#define REVIEW_PAGE 500
#define REVIEW_ROUNDS 200

static struct store_def archive_def = {
    .name = ARCHIVE_STORE,
    .shape = STORE_ARCHIVE,
    .owner = STORE_OWNER_USER,
    .retention = 7 * 24 * 3600, /* replaced by [retention] archive */
    .what = "one-to-one messages an account sent or received, with the "
            "peer's address, for the account's own devices (sealed; "
            "the index keeps each item's time, its id and a keyed hash "
            "of the peer, so items with the same peer can be told "
            "apart from others but not who the peer is)",
    .sealed = 1,
};

static struct store_def prefs_def = {
    .name = PREFS_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "an account's archiving preferences: the default and the "
            "addresses always or never archived",
    .sealed = 1,
};

static struct store_def mode_def = {
    .name = MODE_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "an account's archiving default (always, roster or never), "
            "its own shorter retention if it chose one, and whether it "
            "keeps lists of addresses always or never archived (not the "
            "addresses): what archiving needs while the account is away "
            "and its sealed preferences cannot be read",
    .sealed = 0,
};

static struct store_def review_def = {
    .name = REVIEW_STORE,
    .shape = STORE_ARCHIVE,
    .owner = STORE_OWNER_USER,
    .retention = 7 * 24 * 3600, /* the archive's */
    .what = "the ids and peers of messages archived while the account was "
            "away, checked against its preferences and roster at its next "
            "login and then deleted",
    .sealed = 1,
};

/* Payloads that make a message worth archiving without a body. */
static const struct {
	const char *ns, *name;
} encrypted[] = {
    {"eu.siacs.conversations.axolotl", "encrypted"}, /* OMEMO 0.3 */
    {"urn:xmpp:omemo:2", "encrypted"}, /* XEP-0384 */
    {"urn:xmpp:openpgp:0", "openpgp"}, /* XEP-0373 */
    {"jabber:x:encrypted", "x"}, /* XEP-0027 */
};

/* An account's preferences, cached in its slot while it is online. */
struct prefs {
	struct arena *a; /* owned: holds el, or NULL */
	struct xml_node *el; /* the stored <prefs/>, or NULL: defaults */
	struct store_req *req; /* the read in flight, or NULL */
	int unreadable; /* the read failed: el is not the account's */
	char *bare; /* owned: the account, for the review after the read */
};

static int slot = -1;

/* --- what is archived --- */

int
mam_archivable(const struct xml_node *st)
{
	const char *type = xml_attr(st, "type");
	const struct xml_node *c;
	int want = 0;
	size_t i;

	if (!xml_is(st, XML_NS_CLIENT, "message") ||
	    (type != NULL && strcmp(type, "chat") != 0 &&
	        strcmp(type, "normal") != 0))
		return 0;
	/* [server] store_plaintext = false: only ciphertext is kept. */
	if (server.conf != NULL && !server.conf->store_plaintext &&
	    e2ee_plaintext(st))
		return 0;
	for (c = xml_child(st, NULL, NULL); c != NULL;
	     c = xml_next(c, NULL, NULL)) {
		if (strcmp(c->ns, NS_HINTS) == 0 &&
		    (strcmp(c->name, "no-store") == 0 ||
		        strcmp(c->name, "no-permanent-store") == 0))
			return 0;
		if (xml_is(c, XML_NS_CLIENT, "body"))
			want = 1;
		for (i = 0; i < sizeof(encrypted) / sizeof(encrypted[0]); i++)
			if (xml_is(c, encrypted[i].ns, encrypted[i].name))
				want = 1;
	}
	return want;
}

/* --- preferences --- */

static int
default_of(const struct xml_node *el)
{
	const char *d = el != NULL ? xml_attr(el, "default") : NULL;

	if (d == NULL)
		return server.conf->archive_default;
	if (strcmp(d, "always") == 0)
		return CONF_ARCHIVE_ALWAYS;
	if (strcmp(d, "roster") == 0)
		return CONF_ARCHIVE_ROSTER;
	return CONF_ARCHIVE_NEVER;
}

static int
listed(const struct xml_node *el, const char *list, const char *peer)
{
	struct xml_node *l, *j;
	const struct xml_node *t;

	if (el == NULL || (l = xml_child(el, NS_MAM, list)) == NULL)
		return 0;
	for (j = xml_child(l, NS_MAM, "jid"); j != NULL;
	     j = xml_next(j, NS_MAM, "jid"))
		for (t = j->children; t != NULL; t = t->next)
			if (t->name == NULL && t->text_len == strlen(peer) &&
			    memcmp(t->text, peer, t->text_len) == 0)
				return 1;
	return 0;
}

/* Whether el (NULL: defaults) archives messages with peer: 1 yes, 0 no,
 * -1 if the roster decides (default "roster", peer in no list). */
static int
decide(const struct xml_node *el, const char *peer)
{
	if (listed(el, "never", peer))
		return 0;
	if (listed(el, "always", peer))
		return 1;
	switch (default_of(el)) {
	case CONF_ARCHIVE_ALWAYS:
		return 1;
	case CONF_ARCHIVE_ROSTER:
		return -1;
	default:
		return 0;
	}
}

/* Whether el archives messages with peer for online account acct. */
static int
wants(const struct xml_node *el, struct account *acct, const char *peer)
{
	int d = decide(el, peer);

	if (d >= 0)
		return d;
	return acct != NULL && roster_subscription(acct, peer) != ROSTER_NONE;
}

/* The server's archive retention, seconds (0: kept until removed). */
static int64_t
server_ttl(void)
{
	const struct store_def *d = store_lookup(ARCHIVE_STORE);

	return d != NULL ? __atomic_load_n(&d->retention, __ATOMIC_RELAXED) : 0;
}

/* Parses a lethe:seconds value; 0 if absent, -1 if malformed. */
static int64_t
parse_seconds(const char *v)
{
	int64_t n = 0;

	if (v == NULL)
		return 0;
	if (*v == '\0' || strlen(v) > 12)
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n;
}

/* The account's own retention from el, clamped to the server's; 0: the
 * server's applies. */
static int64_t
own_ttl(const struct xml_node *el)
{
	int64_t n, srv = server_ttl();

	if (el == NULL ||
	    (n = parse_seconds(xml_attr_ns(el, NS_LETHE_RET, "seconds"))) <= 0)
		return 0;
	return srv > 0 && n >= srv ? 0 : n;
}

static const struct xml_limits *
limits(void)
{
	static struct xml_limits lim;
	const struct conf_limits *cl = &server.conf->limits;

	lim.stanza_bytes = cl->stanza_bytes;
	lim.depth = cl->depth;
	lim.attrs = cl->attrs;
	lim.header_bytes = cl->header_bytes;
	return &lim;
}

/* 1 if p holds the account's preferences (read, and readable). */
static int
prefs_ready(const struct prefs *p)
{
	return p != NULL && p->req == NULL && !p->unreadable;
}

/* Parses stored prefs into a new arena; 0, or -1 (p unchanged). */
static int
prefs_set(struct prefs *p, const void *value, size_t len)
{
	struct arena *a;
	struct xml_node *el;

	if ((a = arena_new(512 + len)) == NULL)
		return -1;
	el = xml_parse_element(a, value, len, limits());
	if (el == NULL || !xml_is(el, NS_MAM, "prefs")) {
		arena_free(a);
		return -1;
	}
	arena_free(p->a);
	p->a = a;
	p->el = el;
	return 0;
}

/* 1 if list `name` of el holds at least one JID. */
static int
has_list(const struct xml_node *el, const char *name)
{
	struct xml_node *l;

	return el != NULL && (l = xml_child(el, NS_MAM, name)) != NULL &&
	    xml_child(l, NS_MAM, "jid") != NULL;
}

/* What an away account's archiving needs, kept in clear (see the top):
 * "DEFAULT SECONDS LISTS", DEFAULT "-" for the server's. */
static void
mode_write(const char *host, const char *user, const struct xml_node *el)
{
	const char *d = el != NULL ? xml_attr(el, "default") : NULL;
	char rec[64];
	int n;

	n = snprintf(rec, sizeof(rec), "%s %lld %d", d != NULL ? d : "-",
	    (long long)own_ttl(el),
	    has_list(el, "always") || has_list(el, "never"));
	if (n < 0 || (size_t)n >= sizeof(rec) ||
	    store_map_put(server.store, MODE_STORE, host, user, "", rec,
	        (size_t)n, NULL, NULL) == NULL)
		log_warn("event=mam_mode_write_failed");
}

struct mode {
	int known; /* a record was read */
	int def; /* enum conf_archive_default */
	int64_t ttl; /* the account's own retention, 0: the server's */
	int lists; /* it has always or never lists */
};

static void
mode_parse(const struct store_res *r, struct mode *m)
{
	char d[16];
	long long ttl;
	int lists;

	memset(m, 0, sizeof(*m));
	m->def = server.conf->archive_default;
	if (r->status != STORE_OK || r->value_len >= 64 ||
	    sscanf(r->value, "%15s %lld %d", d, &ttl, &lists) != 3)
		return;
	m->known = 1;
	if (strcmp(d, "always") == 0)
		m->def = CONF_ARCHIVE_ALWAYS;
	else if (strcmp(d, "roster") == 0)
		m->def = CONF_ARCHIVE_ROSTER;
	else if (strcmp(d, "never") == 0)
		m->def = CONF_ARCHIVE_NEVER;
	m->ttl = ttl > 0 ? (int64_t)ttl : 0;
	if (server_ttl() > 0 && m->ttl >= server_ttl())
		m->ttl = 0;
	m->lists = lists != 0;
}

/* --- the review at login (see the top) --- */

struct review {
	char *host, *user, *bare; /* owned, one block */
	int rounds;
	int found; /* items were reviewed */
};

static void review_page(void *arg, const struct store_res *r);

static void
review_query(struct review *rv)
{
	struct store_archive_query q;

	memset(&q, 0, sizeof(q));
	q.max = REVIEW_PAGE;
	if (store_archive_query(server.store, REVIEW_STORE, rv->host, rv->user,
	        &q, review_page, rv) == NULL)
		free(rv);
}

static void
review_page(void *arg, const struct store_res *r)
{
	struct review *rv = arg;
	struct account *acct = session_account(rv->bare);
	struct prefs *p = acct != NULL ? acct->slot[slot] : NULL;
	const struct store_item *it;
	int64_t ttl;
	size_t i;

	/* Gone or locked again: what is left waits for the next login. */
	if (p == NULL || p->unreadable || r->status != STORE_OK) {
		if (r->status != STORE_OK && r->status != STORE_LOCKED)
			log_warn("event=mam_review_failed");
		free(rv);
		return;
	}
	for (i = 0; i < r->nitems; i++) {
		it = &r->items[i];
		if (it->value_len > 0 && !wants(p->el, acct, it->value))
			store_archive_delete(server.store, ARCHIVE_STORE,
			    rv->host, rv->user, it->id, NULL, NULL);
		store_archive_delete(server.store, REVIEW_STORE, rv->host,
		    rv->user, it->id, NULL, NULL);
	}
	if (r->nitems > 0)
		rv->found = 1;
	/* The deletes run before the next page is read. */
	if (r->nitems > 0 && !r->complete && ++rv->rounds < REVIEW_ROUNDS) {
		review_query(rv);
		return;
	}
	/* Items archived under a missing mode record carry the server's
	 * retention: the account's own choice applies to them now. */
	if (rv->found && (ttl = own_ttl(p->el)) > 0 &&
	    store_archive_shorten(server.store, ARCHIVE_STORE, rv->host,
	        rv->user, ttl, NULL, NULL) == NULL)
		log_warn("event=mam_shorten_failed");
	free(rv);
}

/* Runs with the account's roster loaded ("roster" needs it). */
static void
review_run(void *arg)
{
	review_query(arg);
}

static void
review_start(struct account *acct)
{
	size_t lh = strlen(acct->jid.domain) + 1,
	       lu = strlen(acct->jid.local) + 1, lb = strlen(acct->bare) + 1;
	struct review *rv;
	char *m;

	if ((rv = calloc(1, sizeof(*rv) + lh + lu + lb)) == NULL)
		return;
	m = (char *)(rv + 1);
	rv->host = memcpy(m, acct->jid.domain, lh);
	rv->user = memcpy(m += lh, acct->jid.local, lu);
	rv->bare = memcpy(m += lu, acct->bare, lb);
	if (roster_job(rv->bare, NULL, review_run, rv) == -1)
		free(rv);
}

static void
prefs_loaded(void *arg, const struct store_res *r)
{
	struct prefs *p = arg;
	struct account *acct;

	p->req = NULL;
	if (r->status == STORE_OK && prefs_set(p, r->value, r->value_len) == -1)
		log_warn("event=mam_prefs_unreadable");
	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		/* Locked or failed: the defaults are not the account's. */
		p->unreadable = 1;
		log_warn("event=mam_prefs_unreadable status=%d", r->status);
		return;
	}
	if ((acct = session_account(p->bare)) == NULL || acct->slot[slot] != p)
		return;
	mode_write(acct->jid.domain, acct->jid.local, p->el);
	review_start(acct);
}

static void
on_bind(struct session *s)
{
	struct account *acct = s->acct;
	struct prefs *p;

	if (acct->slot[slot] != NULL)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	if ((p->bare = strdup(acct->bare)) == NULL) {
		free(p);
		return;
	}
	acct->slot[slot] = p;
	p->req = store_map_get(server.store, PREFS_STORE, acct->jid.domain,
	    acct->jid.local, "", prefs_loaded, p);
}

static void
account_gone(struct account *acct)
{
	struct prefs *p = acct->slot[slot];

	if (p == NULL)
		return;
	store_cancel(p->req);
	arena_free(p->a);
	free(p->bare);
	free(p);
	acct->slot[slot] = NULL;
}

/* --- archiving --- */

/* A copy on its way to an offline account's archive. */
struct pending {
	char *host, *user, *peer, *id; /* owned, in one block with value */
	char *bare; /* user@host */
	char *value;
	size_t len;
	int tries; /* reads of the preferences so far */
};

static void
pending_free(struct pending *p)
{
	free(p);
}

static void
appended(void *arg, const struct store_res *r)
{
	(void)arg;
	if (r->status != STORE_OK)
		log_warn("event=mam_append_failed");
}

static void
append(const char *host, const char *user, const char *id, const char *peer,
    const char *value, size_t len, int64_t ttl)
{
	if (store_archive_append_ttl(server.store, ARCHIVE_STORE, host, user,
	        id, 0, peer, value, len, server.conf->limits.archive_messages,
	        1, ttl, appended, NULL) == NULL)
		log_warn("event=mam_append_failed");
}

static void
review_appended(void *arg, const struct store_res *r)
{
	struct pending *p = arg;

	/* Not reviewable: it must not stay, since the preferences may
	 * not want it (reviewed items are never lost this way). */
	if (r->status != STORE_OK) {
		log_warn("event=mam_review_append_failed status=%d", r->status);
		store_archive_delete(server.store, ARCHIVE_STORE, p->host,
		    p->user, p->id, NULL, NULL);
	}
	pending_free(p);
}

/* Archives p and, if review, notes it for the review at login. Takes
 * p. The two requests are made together, so no review at a login can
 * fall between them. */
static void
append_pending(struct pending *p, int64_t ttl, int review)
{
	append(p->host, p->user, p->id, p->peer, p->value, p->len, ttl);
	if (!review) {
		pending_free(p);
		return;
	}
	if (store_archive_append_max(server.store, REVIEW_STORE, p->host,
	        p->user, p->id, 0, NULL, p->peer, strlen(p->peer),
	        server.conf->limits.archive_messages, review_appended,
	        p) == NULL) {
		store_archive_delete(server.store, ARCHIVE_STORE, p->host,
		    p->user, p->id, NULL, NULL);
		pending_free(p);
	}
}

/* The preferences could not be read: the clear mode decides. */
static void
offline_mode(void *arg, const struct store_res *r)
{
	struct pending *p = arg;
	struct mode m;
	int keep, review;

	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		log_warn("event=mam_mode_unreadable");
		pending_free(p);
		return;
	}
	mode_parse(r, &m);
	if (!m.known) {
		keep = review = 1;
	} else {
		review = m.def == CONF_ARCHIVE_ROSTER || m.lists;
		keep = m.def != CONF_ARCHIVE_NEVER || m.lists;
	}
	if (keep)
		append_pending(p, m.ttl, review);
	else
		pending_free(p);
}

static void offline_prefs(void *arg, const struct store_res *r);

static void
prefs_read(struct pending *p)
{
	p->tries++;
	if (store_map_get(server.store, PREFS_STORE, p->host, p->user, "",
	        offline_prefs, p) == NULL)
		pending_free(p);
}

static void
offline_prefs(void *arg, const struct store_res *r)
{
	struct pending *p = arg;
	struct prefs tmp = {0};
	int d;

	if (r->status == STORE_LOCKED) {
		/* The account logged in meanwhile: its login unlocked it
		 * before anything it binds asks, so a second read sees the
		 * preferences; else the clear mode decides. */
		if (session_account(p->bare) != NULL && p->tries < 2) {
			prefs_read(p);
			return;
		}
		if (store_map_get(server.store, MODE_STORE, p->host, p->user,
		        "", offline_mode, p) == NULL)
			pending_free(p);
		return;
	}
	if (r->status == STORE_OK &&
	    prefs_set(&tmp, r->value, r->value_len) == -1) {
		log_warn("event=mam_prefs_unreadable");
		pending_free(p);
		return;
	}
	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		pending_free(p);
		return;
	}
	/* "roster": kept, and checked against the roster at login. */
	if ((d = decide(tmp.el, p->peer)) != 0)
		append_pending(p, own_ttl(tmp.el), d < 0);
	else
		pending_free(p);
	arena_free(tmp.a);
}

static void
offline_exists(void *arg, const struct store_res *r)
{
	struct pending *p = arg;

	if (r->status != STORE_OK)
		pending_free(p);
	else
		prefs_read(p);
}

/* Appends to an account with no session once it is known to exist and
 * its preferences (or, locked, its mode) are read. */
static void
append_offline(const struct jid *owner, const char *id, const char *peer,
    const struct buf *value)
{
	size_t lh = strlen(owner->domain) + 1, lu = strlen(owner->local) + 1,
	       lp = strlen(peer) + 1, li = strlen(id) + 1;
	struct pending *p;
	char *m;

	if ((p = calloc(1,
	         sizeof(*p) + lh + lu + lp + li + lu + lh + buf_size(value) +
	             1)) == NULL)
		return;
	m = (char *)(p + 1);
	p->host = memcpy(m, owner->domain, lh);
	p->user = memcpy(m += lh, owner->local, lu);
	p->peer = memcpy(m += lu, peer, lp);
	p->id = memcpy(m += lp, id, li);
	p->bare = m += li;
	memcpy(m, owner->local, lu - 1);
	m[lu - 1] = '@';
	memcpy(m + lu, owner->domain, lh);
	p->value = memcpy(m += lu + lh, buf_ptr(value), buf_size(value));
	p->len = buf_size(value);
	if (store_account_creds(
	        server.store, p->host, p->user, offline_exists, p) == NULL)
		pending_free(p);
}

/* Removes stanza-ids claiming a JID of ours (XEP-0359 §4). */
static void
strip_ids(struct xml_node *st)
{
	struct xml_node *c, *next;
	const char *by, *at;

	for (c = xml_child(st, NS_SID, "stanza-id"); c != NULL; c = next) {
		next = xml_next(c, NS_SID, "stanza-id");
		by = xml_attr(c, "by");
		/* A JID's domain follows its '@', up to any '/'. */
		if (by != NULL) {
			char dom[JID_PART_MAX + 1];
			size_t n;

			at = strchr(by, '@');
			at = at != NULL ? at + 1 : by;
			n = strcspn(at, "/");
			if (n > JID_PART_MAX)
				continue;
			memcpy(dom, at, n);
			dom[n] = '\0';
			for (n = 0; dom[n] != '\0'; n++)
				if (dom[n] >= 'A' && dom[n] <= 'Z')
					dom[n] += 'a' - 'A';
			if (!server_is_local(dom))
				continue;
		}
		xml_remove(c);
	}
}

/* Serializes st with bare 'from' and 'to', as it is kept. */
static int
serialize_kept(struct arena *a, struct xml_node *st, const char *from_bare,
    const char *to_bare, struct buf *out)
{
	const char *from = xml_attr(st, "from"), *to = xml_attr(st, "to");
	int rc = 0;

	if (xml_set_attr(a, st, "from", from_bare) == -1 ||
	    xml_set_attr(a, st, "to", to_bare) == -1 ||
	    xml_serialize(st, XML_NS_CLIENT, out) == -1)
		rc = -1;
	if (xml_set_attr(a, st, "from", from) == -1 ||
	    xml_set_attr(a, st, "to", to) == -1)
		rc = -1;
	return rc;
}

static enum router_verdict
filter(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	struct account *rcpt;
	struct prefs *p;
	struct buf b = BUF_INIT;
	int64_t my_ttl = 0, their_ttl = 0;
	struct xml_node *sid;
	char id[ID_LEN + 1], *to_bare, *from_bare;
	int mine = 0, theirs, my_later = 0, their_later = 0;

	if (!xml_is(st, XML_NS_CLIENT, "message"))
		return ROUTER_PASS;
	strip_ids(st);
	if (to == NULL || to->local == NULL || !server_is_local(to->domain) ||
	    !mam_archivable(st))
		return ROUTER_PASS;
	if ((to_bare = jid_bare_str(a, to)) == NULL ||
	    (from_bare = from->acct->bare) == NULL)
		return ROUTER_PASS;
	/* Preferences not in memory yet (a login's first moments) or not
	 * readable decide as for an account away: read from the store. */
	p = from->acct->slot[slot];
	if (prefs_ready(p)) {
		mine = wants(p->el, from->acct, to_bare);
		my_ttl = own_ttl(p->el);
	} else {
		my_later = 1;
	}
	rcpt = session_account(to_bare);
	if (rcpt != NULL && prefs_ready(p = rcpt->slot[slot])) {
		theirs = wants(p->el, rcpt, from_bare);
		their_ttl = own_ttl(p->el);
	} else {
		/* Decided once the stored prefs are read; the stanza-id
		 * goes by the configured default (see the top). */
		theirs = server.conf->archive_default == CONF_ARCHIVE_ALWAYS;
		their_later = 1;
	}
	/* A note to oneself is one item, the received one. */
	if (rcpt == from->acct)
		mine = my_later = 0;
	if (!mine && !theirs && !my_later && !their_later)
		return ROUTER_PASS;
	if (serialize_kept(a, st, from_bare, to_bare, &b) == -1) {
		buf_free(&b);
		return ROUTER_PASS;
	}
	if (mine || my_later) {
		util_random_id(id, ID_LEN);
		if (my_later)
			append_offline(&from->acct->jid, id, to_bare, &b);
		else
			append(from->acct->jid.domain, from->acct->jid.local,
			    id, to_bare, buf_ptr(&b), buf_size(&b), my_ttl);
	}
	util_random_id(id, ID_LEN);
	if (theirs && (sid = xml_add(a, st, NS_SID, "stanza-id")) != NULL) {
		xml_set_attr(a, sid, "by", to_bare);
		xml_set_attr(a, sid, "id", id);
	}
	if (their_later)
		append_offline(to, id, from_bare, &b);
	else if (theirs)
		append(to->domain, to->local, id, from_bare, buf_ptr(&b),
		    buf_size(&b), their_ttl);
	buf_free(&b);
	return ROUTER_PASS;
}

/* --- time --- */

static int
format_time(int64_t when, char *out, size_t cap)
{
	time_t t = (time_t)when;
	struct tm tm;

	return gmtime_r(&t, &tm) != NULL &&
	        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0
	    ? 0
	    : -1;
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* XEP-0082 DateTime to seconds since the epoch; -1 if malformed. */
static int
parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh, om, sign;
	const char *p;
	time_t t;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z' && p[1] == '\0') {
		oh = om = 0;
		sign = 1;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
	    !digits(p + 1, 2, &oh) && p[3] == ':' && !digits(p + 4, 2, &om)) {
		sign = *p == '-' ? -1 : 1;
	} else {
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t - sign * (oh * 3600 + om * 60);
	return 0;
}

/* --- queries --- */

struct query {
	struct iq_req *req; /* owns this, in req->a */
	const char *queryid; /* or NULL */
	int flip; /* <flip-page/> */
	int backwards; /* RSM <before/> */
	struct store_req *sreq;
};

static struct xml_node *
text_el(struct arena *a, struct xml_node *parent, const char *ns,
    const char *name, const char *text)
{
	struct xml_node *n = xml_add(a, parent, ns, name);

	if (n != NULL && text != NULL)
		xml_add_text(a, n, text, strlen(text));
	return n;
}

/* Sends one archived item to s as a <result/> message. */
static void
send_result(
    struct session *s, const struct query *q, const struct store_item *it)
{
	struct xml_node *m, *res, *fw, *d, *inner;
	struct arena *a;
	char stamp[32];

	if ((a = arena_new(1024 + it->value_len)) == NULL)
		return;
	inner = xml_parse_element(a, it->value, it->value_len, limits());
	if (inner == NULL || !xml_is(inner, XML_NS_CLIENT, "message")) {
		log_warn("event=mam_item_unreadable");
		arena_free(a);
		return;
	}
	if ((m = xml_new(a, XML_NS_CLIENT, "message")) == NULL ||
	    xml_set_attr(a, m, "to", s->full) == -1 ||
	    xml_set_attr(a, m, "from", s->acct->bare) == -1 ||
	    (res = xml_add(a, m, NS_MAM, "result")) == NULL ||
	    xml_set_attr(a, res, "id", it->id) == -1 ||
	    (q->queryid != NULL &&
	        xml_set_attr(a, res, "queryid", q->queryid) == -1) ||
	    (fw = xml_add(a, res, NS_FORWARD, "forwarded")) == NULL ||
	    (d = xml_add(a, fw, NS_DELAY, "delay")) == NULL ||
	    format_time(it->when, stamp, sizeof(stamp)) == -1 ||
	    xml_set_attr(a, d, "stamp", stamp) == -1) {
		arena_free(a);
		return;
	}
	xml_append(fw, inner);
	router_deliver(s, m);
	arena_free(a);
}

static void
query_done(void *arg, const struct store_res *r)
{
	struct query *q = arg;
	struct iq_req *req = q->req;
	struct arena *a = req->a;
	struct session *s = session_find_str(req->from_full);
	struct xml_node *fin, *set, *f;
	size_t i, n = r->nitems, k;
	int rev;

	if (s == NULL) {
		iq_req_free(req);
		return;
	}
	if (r->status == STORE_NOTFOUND) {
		iq_error(req, "cancel", "item-not-found", NULL);
		iq_req_free(req);
		return;
	}
	if (r->status == STORE_LOCKED) {
		/* Only the account asks, and while it is logged in its
		 * archive is open: this is a login that did not unlock. */
		iq_error(req, "wait", "internal-server-error",
		    "the archive is sealed until the next login");
		iq_req_free(req);
		return;
	}
	if (r->status != STORE_OK) {
		iq_error(req, "wait", "internal-server-error", NULL);
		iq_req_free(req);
		return;
	}
	/* Pages go out oldest first; a backwards read came newest first;
	 * flip-page asks for the opposite. */
	rev = q->backwards != q->flip;
	for (i = 0; i < n; i++)
		send_result(s, q, &r->items[rev ? n - 1 - i : i]);
	if ((fin = xml_new(a, NS_MAM, "fin")) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		iq_req_free(req);
		return;
	}
	xml_set_attr(a, fin, "complete", r->complete ? "true" : "false");
	if ((set = xml_add(a, fin, NS_RSM, "set")) != NULL && n > 0) {
		k = rev ? n - 1 : 0;
		if ((f = text_el(a, set, NS_RSM, "first", r->items[k].id)) !=
		    NULL)
			xml_set_attr(a, f, "index", "0");
		text_el(a, set, NS_RSM, "last", r->items[rev ? 0 : n - 1].id);
	}
	iq_reply(req, fin);
	iq_req_free(req);
}

/* The single-value text of a form field, or NULL. */
static char *
field_value(struct arena *a, const struct xml_node *field)
{
	struct xml_node *v = xml_child(field, NS_DATA, "value");

	return v != NULL ? xml_text(a, v) : NULL;
}

/* Reads the form into sq; a reason for <bad-request/>, or NULL. */
static const char *
read_form(
    struct arena *a, const struct xml_node *x, struct store_archive_query *sq)
{
	struct xml_node *f, *v;
	const char *var, **ids;
	char *val;
	struct jid j;
	size_t n;

	for (f = xml_child(x, NS_DATA, "field"); f != NULL;
	     f = xml_next(f, NS_DATA, "field")) {
		if ((var = xml_attr(f, "var")) == NULL)
			continue;
		if (strcmp(var, "FORM_TYPE") == 0)
			continue;
		if (strcmp(var, "ids") == 0) {
			n = 0;
			for (v = xml_child(f, NS_DATA, "value"); v != NULL;
			     v = xml_next(v, NS_DATA, "value"))
				n++;
			if (n > IDS_MAX)
				return "too many ids";
			if (n == 0)
				continue;
			if ((ids = arena_alloc(a, n * sizeof(*ids))) == NULL)
				return "out of memory";
			n = 0;
			for (v = xml_child(f, NS_DATA, "value"); v != NULL;
			     v = xml_next(v, NS_DATA, "value"))
				if ((ids[n++] = xml_text(a, v)) == NULL)
					return "out of memory";
			sq->ids = ids;
			sq->nids = n;
			continue;
		}
		if ((val = field_value(a, f)) == NULL)
			return "field without value";
		if (*val == '\0')
			continue;
		if (strcmp(var, "with") == 0) {
			if (jid_parse_arena(a, val, strlen(val), &j) == -1)
				return "malformed with";
			/* Only bare JIDs are kept as peers. */
			if (j.resource != NULL)
				return "with must be a bare JID";
			if ((sq->with = jid_bare_str(a, &j)) == NULL)
				return "out of memory";
		} else if (strcmp(var, "start") == 0) {
			if (parse_time(val, &sq->start) == -1)
				return "malformed start";
			if (sq->start == 0)
				sq->start = 1;
		} else if (strcmp(var, "end") == 0) {
			if (parse_time(val, &sq->end) == -1)
				return "malformed end";
			if (sq->end <= 0)
				sq->end = -1; /* before everything */
		} else if (strcmp(var, "after-id") == 0) {
			sq->after_id = val;
		} else if (strcmp(var, "before-id") == 0) {
			sq->before_id = val;
		} else {
			return "unsupported field";
		}
	}
	return NULL;
}

static enum iq_status
query(struct iq_req *req)
{
	struct arena *a = req->a;
	struct store_archive_query sq;
	struct xml_node *x, *set, *e;
	struct query *q;
	struct prefs *p;
	const char *why = NULL;
	char *v;
	unsigned long max;
	int64_t ttl;

	if (!req->set)
		return IQ_UNHANDLED;
	if (req->from == NULL || !jid_bare_eq(&req->to, &req->from->jid)) {
		iq_error(req, "cancel", "forbidden", NULL);
		return IQ_DONE;
	}
	memset(&sq, 0, sizeof(sq));
	sq.max = PAGE_DEFAULT;
	if ((q = arena_zalloc(a, sizeof(*q))) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	q->req = req;
	q->queryid = xml_attr(req->payload, "queryid");
	q->flip = xml_child(req->payload, NS_MAM, "flip-page") != NULL;
	if ((x = xml_child(req->payload, NS_DATA, "x")) != NULL)
		why = read_form(a, x, &sq);
	if (why == NULL &&
	    (set = xml_child(req->payload, NS_RSM, "set")) != NULL) {
		if ((e = xml_child(set, NS_RSM, "max")) != NULL) {
			v = xml_text(a, e);
			if (v == NULL || *v < '0' || *v > '9' ||
			    (max = strtoul(v, &v, 10), *v != '\0'))
				why = "malformed max";
			else
				sq.max = max < PAGE_MAX ? max : PAGE_MAX;
		}
		if (xml_child(set, NS_RSM, "index") != NULL) {
			iq_error(
			    req, "cancel", "feature-not-implemented", NULL);
			return IQ_DONE;
		}
		if ((e = xml_child(set, NS_RSM, "after")) != NULL &&
		    (v = xml_text(a, e)) != NULL && *v != '\0')
			sq.after_id = v;
		if ((e = xml_child(set, NS_RSM, "before")) != NULL) {
			sq.backwards = 1;
			if ((v = xml_text(a, e)) != NULL && *v != '\0')
				sq.before_id = v;
		}
	}
	if (why != NULL) {
		iq_error(req, "modify", "bad-request", why);
		return IQ_DONE;
	}
	q->backwards = sq.backwards;
	/* A shortened archive answers at once, before the sweep: nothing
	 * older than the account's own retention (start is inclusive). */
	p = req->from->acct->slot[slot];
	if ((ttl = own_ttl(p != NULL ? p->el : NULL)) > 0 &&
	    sq.start < (int64_t)time(NULL) - ttl + 1)
		sq.start = (int64_t)time(NULL) - ttl + 1;
	if (sq.max == 0) {
		/* A count-only request: an empty page (count not kept). */
		sq.max = 1;
		sq.end = -1;
	}
	if ((q->sreq = store_archive_query(server.store, ARCHIVE_STORE,
	         req->to.domain, req->to.local, &sq, query_done, q)) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

/* --- preferences IQ --- */

/* Copies the valid bare JIDs of list `name` from `src` to dst's list. */
static const char *
copy_list(struct arena *a, const struct xml_node *src, struct xml_node *dst,
    const char *name)
{
	struct xml_node *l, *j, *out;
	struct jid jid;
	char *t, *bare;
	size_t n = 0;

	if ((out = xml_add(a, dst, NS_MAM, name)) == NULL)
		return "out of memory";
	if (src == NULL || (l = xml_child(src, NS_MAM, name)) == NULL)
		return NULL;
	for (j = xml_child(l, NS_MAM, "jid"); j != NULL;
	     j = xml_next(j, NS_MAM, "jid")) {
		if (++n > PREFS_JIDS_MAX)
			return "too many JIDs";
		if ((t = xml_text(a, j)) == NULL ||
		    jid_parse_arena(a, t, strlen(t), &jid) == -1 ||
		    jid.resource != NULL)
			return "malformed JID";
		if ((bare = jid_bare_str(a, &jid)) == NULL ||
		    text_el(a, out, NS_MAM, "jid", bare) == NULL)
			return "out of memory";
	}
	return NULL;
}

static const char *const default_names[] = {"always", "roster", "never"};

/* A normalized copy of prefs (src NULL: the defaults) in arena a. */
static struct xml_node *
prefs_build(struct arena *a, const struct xml_node *src, const char **why)
{
	struct xml_node *el;
	const char *d = src != NULL ? xml_attr(src, "default") : NULL;
	char num[24];
	int64_t ttl;
	size_t i;

	*why = NULL;
	if (d == NULL)
		d = default_names[server.conf->archive_default];
	for (i = 0; i < 3; i++)
		if (strcmp(d, default_names[i]) == 0)
			break;
	if (i == 3) {
		*why = "default must be always, roster or never";
		return NULL;
	}
	if ((el = xml_new(a, NS_MAM, "prefs")) == NULL ||
	    xml_set_attr(a, el, "default", d) == -1) {
		*why = "out of memory";
		return NULL;
	}
	if ((*why = copy_list(a, src, el, "always")) != NULL ||
	    (*why = copy_list(a, src, el, "never")) != NULL)
		return NULL;
	if (src != NULL &&
	    parse_seconds(xml_attr_ns(src, NS_LETHE_RET, "seconds")) < 0) {
		*why = "seconds must be decimal digits";
		return NULL;
	}
	/* Kept only when shorter than the server's: what is returned is
	 * what applies. */
	if ((ttl = own_ttl(src)) > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)ttl);
		if (xml_set_attr_ns(a, el, NS_LETHE_RET, "seconds", num) ==
		    -1) {
			*why = "out of memory";
			return NULL;
		}
	}
	return el;
}

static enum iq_status
prefs_iq(struct iq_req *req)
{
	struct arena *a = req->a;
	struct account *acct;
	struct prefs *p;
	struct xml_node *el;
	struct buf b = BUF_INIT;
	const char *why;
	int64_t ttl;

	if (req->from == NULL || !jid_bare_eq(&req->to, &req->from->jid)) {
		iq_error(req, "cancel", "forbidden", NULL);
		return IQ_DONE;
	}
	acct = req->from->acct;
	p = acct->slot[slot];
	if (!req->set) {
		if (p != NULL && p->unreadable) {
			/* The defaults would not be the account's. */
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		el = prefs_build(a, p != NULL ? p->el : NULL, &why);
		if (el == NULL)
			iq_error(req, "wait", "internal-server-error", NULL);
		else
			iq_reply(req, el);
		return IQ_DONE;
	}
	if ((el = prefs_build(a, req->payload, &why)) == NULL) {
		iq_error(req, "modify", "bad-request", why);
		return IQ_DONE;
	}
	if (xml_serialize(el, XML_NS_CLIENT, &b) == -1 || p == NULL ||
	    prefs_set(p, buf_ptr(&b), buf_size(&b)) == -1 ||
	    store_map_put(server.store, PREFS_STORE, acct->jid.domain,
	        acct->jid.local, "", buf_ptr(&b), buf_size(&b), NULL,
	        NULL) == NULL) {
		buf_free(&b);
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	buf_free(&b);
	mode_write(acct->jid.domain, acct->jid.local, el);
	p->unreadable = 0;
	/* A read still in flight must not overwrite what was just set;
	 * the review it would have started runs now, by the new choice. */
	if (p->req != NULL) {
		store_cancel(p->req);
		p->req = NULL;
		review_start(acct);
	}
	/* What the new choice no longer covers goes now, not at the sweep. */
	if ((ttl = own_ttl(el)) > 0 &&
	    store_archive_shorten(server.store, ARCHIVE_STORE, acct->jid.domain,
	        acct->jid.local, ttl, appended, NULL) == NULL)
		log_warn("event=mam_shorten_failed");
	iq_reply(req, el);
	return IQ_DONE;
}

void
mam_module_init(void)
{
	const struct conf *c = server.conf;

	if (c == NULL)
		fatal("event=start_failed reason=mam_without_conf");
	if (c->limits.archive_messages == 0)
		return; /* no archive: nothing kept, nothing offered */
	archive_def.retention = c->retention.archive;
	review_def.retention = c->retention.archive;
	if (store_register(&archive_def) < 0 ||
	    store_register(&prefs_def) < 0 || store_register(&mode_def) < 0 ||
	    store_register(&review_def) < 0 || (slot = session_slot()) < 0 ||
	    session_on_bind(on_bind) < 0 ||
	    session_on_account_free(account_gone) < 0 ||
	    router_add_out_filter(filter) < 0 ||
	    iq_register(NS_MAM, "query", IQ_ACCOUNT, query) < 0 ||
	    iq_register(NS_MAM, "prefs", IQ_ACCOUNT, prefs_iq) < 0)
		fatal("event=start_failed reason=mam_module");
	disco_add_feature(NS_MAM, IQ_ACCOUNT);
	disco_add_feature(NS_MAM_EXT, IQ_ACCOUNT);
	disco_add_feature(NS_SID, IQ_ACCOUNT);
}
