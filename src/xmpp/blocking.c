/*
 * blocking: XEP-0191, the blocking command.
 *
 * The list. An account's blocked JIDs are one value in the "blocklist"
 * map store (key ""), normalized JIDs separated by newlines (a newline
 * can occur in no JID). One value rather than a key per JID: when the
 * store seals values (PRIVACY.md), keys stay readable, and the list of
 * whom someone blocks is exactly what must not be. Nothing is stored
 * while nothing is blocked.
 *
 * The cache. The list is read when the account's first session binds and
 * kept in struct blist, in the account's slot, until its last session is
 * gone: the JIDs in order (for the blocklist result) and in a hash set
 * (for matching). Until it is read, nothing the account's sessions send
 * and nothing addressed to them from others passes: each such stanza is
 * copied and held (struct held), then replayed in order once the list is
 * known. So a block is never unenforced, not even in the first
 * milliseconds of a login. A list that cannot be read closes the
 * account's streams rather than let traffic through unchecked.
 *
 * Changes are applied to the cache at once (enforcement starts with the
 * command), then written; the result and the pushes to the resources
 * that asked for the list (§3.3) follow the write. A failed write is
 * answered <internal-server-error/> and the change stays in force until
 * the account goes offline.
 *
 * Enforcement, for online accounts (the list of an account that is
 * offline is not read, and sealed it could not be: mail for it is
 * stored, and what it blocks is dropped when delivered at login, by the
 * inbound filter):
 *   - outbound (the sender blocks the recipient, §3.3): message and IQ
 *     get/set get <not-acceptable/> with <blocked/> in
 *     urn:xmpp:blocking:errors; presence and other stanzas are dropped.
 *   - inbound (the recipient blocks the sender): presence dropped
 *     without answer; message and IQ get/set get <service-unavailable/>,
 *     so the blocker looks offline; IQ result/error dropped.
 * The outbound filter decides both directions between local accounts
 * before routing, so errors go once per stanza. The inbound filter, run
 * for every delivery to a session, drops whatever else one side blocks:
 * stored messages delivered at login, presence broadcast by the presence
 * module, stanzas that reached a list while it was loading.
 *
 * Matching (§6): an item user@domain/resource matches only that JID,
 * user@domain any of its resources, domain/resource only that, and
 * domain the domain, every address at it and at its subdomains. It works
 * on the 'from' the server stamped (a normalized JID). Never blocked, so
 * that a user cannot lock itself out: the account's own JIDs, stanzas
 * without 'from' (the server's answers to the account's own requests),
 * and our hosts themselves (a blocked local domain still blocks every
 * address at it).
 *
 * Presence (§3.3, §3.4): before a bare JID is blocked, a contact
 * subscribed to the account (from, both) gets unavailable from each
 * available resource; after it is unblocked, the current presence.
 * Full-JID and domain items name no roster entry and send nothing.
 *
 * A held stanza the account sent is routed again from the start, so an
 * outbound filter registered before this one sees it twice; none does
 * yet, and a new one must either come after this module or not mind.
 *
 * Limits: [limits] blocklist_items per list. A block command that would
 * exceed it is refused whole with <not-acceptable/> (modify): the request
 * as made will never succeed (<resource-constraint/> would tell the client
 * to retry it later), and <not-acceptable/> is the condition for a request
 * that does not meet the server's criteria; a text says which. The held
 * stanzas of one list are bounded too; past that, senders get
 * <resource-constraint/> (wait).
 */
#include "xmpp/blocking.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/presence.h"
#include "xmpp/roster.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/stream.h"

#define NS_BLOCKING "urn:xmpp:blocking"
#define NS_BLOCKING_ERR "urn:xmpp:blocking:errors"
#define BLOCK_STORE "blocklist"
/* A normalized JID as a string, with its NUL. */
#define JID_STR_MAX (3 * JID_PART_MAX + 3)
/* Stanzas held for one list while it loads. */
#define HELD_MAX 256
#define HELD_BYTES (1024 * 1024)

static const struct store_def blocklist_def = {
    .name = BLOCK_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0, /* until unblocked or the account is deleted */
    .what = "the addresses each account blocks (XEP-0191); sealed, so "
            "only the account's login opens it",
    .sealed = 1,
};

/* A stanza waiting for a list to load; everything in its own arena. */
struct held {
	struct held *next;
	struct arena *a; /* owns this, full and st */
	int out; /* 1: sent by `full`, to route again; 0: to deliver to it */
	char *full;
	struct xml_node *st;
};

/* One account's list; in the account's slot while it is online. */
struct blist {
	struct account *acct; /* the owner */
	char **items; /* owned, each owned: normalized JIDs in order */
	size_t n, cap;
	struct hash *set; /* item → item (keys are the strings above) */
	int loaded;
	struct store_req *load; /* the read in flight, or NULL */
	struct held *head, *tail; /* owned: waiting for the read */
	size_t nheld, held_bytes;
};

/* A change on its way to the store; in the request's arena. */
struct change {
	struct iq_req *req;
	char *bare; /* the account, to find it again */
	struct xml_node *push; /* <block/> or <unblock/> for the pushes */
};

static int slot = -1;
/* session->slot[slot] points here once the session asked for the list. */
static char requested;

/* --- the list --- */

static int
list_has(const struct blist *b, const char *jid)
{
	return hash_get(b->set, jid) != NULL;
}

static int
list_add(struct blist *b, const char *jid)
{
	char **items, *s;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap ? 2 * b->cap : 16;
		if ((items = realloc(b->items, cap * sizeof(*items))) == NULL)
			return -1;
		b->items = items;
		b->cap = cap;
	}
	if ((s = strdup(jid)) == NULL)
		return -1;
	if (hash_put(b->set, s, s) == -1) {
		free(s);
		return -1;
	}
	b->items[b->n++] = s;
	return 0;
}

static void
list_del(struct blist *b, const char *jid)
{
	size_t i;

	if (hash_del(b->set, jid) == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		if (strcmp(b->items[i], jid) == 0) {
			free(b->items[i]);
			memmove(&b->items[i], &b->items[i + 1],
			    (b->n - i - 1) * sizeof(*b->items));
			b->n--;
			return;
		}
	}
}

static void
list_clear(struct blist *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		hash_del(b->set, b->items[i]);
		free(b->items[i]);
	}
	b->n = 0;
}

/* Looks up s[0..n) in the set. */
static int
has_part(const struct blist *b, const char *s, size_t n)
{
	char key[JID_STR_MAX];

	if (n >= sizeof(key))
		return 0;
	memcpy(key, s, n);
	key[n] = '\0';
	return list_has(b, key);
}

/*
 * 1 if the list blocks jid, a normalized JID string (§6): the JID
 * itself, its bare JID, its domain/resource, its domain or a parent of
 * its domain.
 */
static int
list_blocks(const struct blist *b, const char *jid)
{
	const char *slash, *at, *d, *dot;
	char key[JID_STR_MAX];
	size_t n;

	if (b->n == 0)
		return 0;
	if (list_has(b, jid))
		return 1;
	slash = strchr(jid, '/');
	at = strchr(jid, '@');
	if (at != NULL && slash != NULL && at > slash)
		at = NULL; /* an '@' in the resource */
	d = at != NULL ? at + 1 : jid;
	n = slash != NULL ? (size_t)(slash - d) : strlen(d);
	if (slash != NULL && at != NULL) {
		if (has_part(b, jid, (size_t)(slash - jid)))
			return 1;
		if (snprintf(key, sizeof(key), "%.*s%s", (int)n, d, slash) <
		        (int)sizeof(key) &&
		    list_has(b, key))
			return 1;
	}
	for (;;) {
		if (has_part(b, d, n))
			return 1;
		if ((dot = memchr(d, '.', n)) == NULL)
			return 0;
		n -= (size_t)(dot + 1 - d);
		d = dot + 1;
	}
}

/* 1 if jid (a normalized string) names account acct or one of its
 * resources. */
static int
is_self(const struct account *acct, const char *jid)
{
	size_t n = strlen(acct->bare);

	return strncmp(jid, acct->bare, n) == 0 &&
	    (jid[n] == '\0' || jid[n] == '/');
}

/* 1 if jid is one of our hosts itself: the account's own server is no
 * contact, and blocking its domain must not cut the account off from it
 * (pings, disco). Addresses at the domain are blocked all the same. */
static int
is_server(const char *jid)
{
	return strchr(jid, '@') == NULL && strchr(jid, '/') == NULL &&
	    server_is_local(jid);
}

/* The list value as stored: the items, newline-separated. */
static int
list_value(const struct blist *b, struct buf *out)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if ((i > 0 && buf_append(out, "\n", 1) == -1) ||
		    buf_append_str(out, b->items[i]) == -1)
			return -1;
	return 0;
}

/* --- held stanzas --- */

static void
held_free_all(struct held *h)
{
	struct held *next;

	for (; h != NULL; h = next) {
		next = h->next;
		arena_free(h->a);
	}
}

/*
 * Set while this module writes its own error replies: their 'from' is the
 * blocked (or blocking) party, and the inbound filter must not eat them.
 */
static int own_reply;

static void
deliver_own(struct session *to, struct xml_node *st)
{
	own_reply = 1;
	router_deliver(to, st);
	own_reply = 0;
}

static int is_request(const struct xml_node *st);

/* Tells the sender of a request that could not be held to wait. */
static void
refuse_busy(const struct xml_node *st)
{
	const char *from = xml_attr(st, "from");
	struct session *s = from != NULL ? session_find_str(from) : NULL;
	struct xml_node *e;
	struct arena *a;

	if (s == NULL || !is_request(st) || (a = arena_new(512)) == NULL)
		return;
	e = router_make_error(a, st, "wait", "resource-constraint", NULL);
	if (e != NULL)
		deliver_own(s, e);
	arena_free(a);
}

/* Copies st to wait for b to load; -1 when b holds too much already. */
static int
hold(struct blist *b, int out, const char *full, const struct xml_node *st)
{
	struct arena *a;
	struct held *h;

	if (b->nheld >= HELD_MAX || b->held_bytes >= HELD_BYTES)
		return -1;
	if ((a = arena_new(1024)) == NULL)
		return -1;
	if ((h = arena_zalloc(a, sizeof(*h))) == NULL ||
	    (h->full = arena_strdup(a, full)) == NULL ||
	    (h->st = xml_copy(a, st)) == NULL) {
		arena_free(a);
		return -1;
	}
	h->a = a;
	h->out = out;
	if (b->tail != NULL)
		b->tail->next = h;
	else
		b->head = h;
	b->tail = h;
	b->nheld++;
	b->held_bytes += arena_footprint(a);
	return 0;
}

/* Sends on, in order, what waited for b's list. */
static void
replay(struct blist *b)
{
	struct held *h = b->head, *next;
	struct session *s;

	b->head = b->tail = NULL;
	b->nheld = b->held_bytes = 0;
	for (; h != NULL; h = next) {
		next = h->next;
		if ((s = session_find_str(h->full)) == NULL) {
			arena_free(h->a);
		} else if (h->out) {
			router_route(s, h->st, h->a); /* takes h->a */
		} else {
			router_deliver(s, h->st);
			arena_free(h->a);
		}
	}
}

/* --- loading and freeing --- */

static void
loaded(void *arg, const struct store_res *r)
{
	struct blist *b = arg;
	const char *p, *e, *end;
	char jid[JID_STR_MAX];
	struct session *s;

	b->load = NULL;
	if (r->status == STORE_OK) {
		p = r->value;
		end = p + r->value_len;
		for (; p < end; p = e + 1) {
			if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
				e = end;
			if (e == p || (size_t)(e - p) >= sizeof(jid))
				continue;
			memcpy(jid, p, (size_t)(e - p));
			jid[e - p] = '\0';
			if (!list_has(b, jid) && list_add(b, jid) == -1)
				goto fail;
		}
	} else if (r->status == STORE_LOCKED) {
		/* Sealed and its keys gone (the login ended meanwhile, or a
		 * token login to an account nobody unlocked): unreadable,
		 * so nothing passes. */
		log_info("event=blocklist_locked");
		goto fail;
	} else if (r->status != STORE_NOTFOUND) {
		goto fail;
	}
	b->loaded = 1;
	log_debug("event=blocklist_loaded items=%zu", b->n);
	replay(b);
	return;
fail:
	/* Letting traffic through unchecked is not an option. */
	log_err("event=blocklist_load_failed");
	list_clear(b);
	held_free_all(b->head);
	b->head = b->tail = NULL;
	b->nheld = b->held_bytes = 0;
	for (s = b->acct->sessions; s != NULL; s = s->next)
		stream_error(s->stream, "internal-server-error", NULL);
}

/* acct's list, created and its read started if need be; NULL on OOM. */
static struct blist *
blist_get(struct account *acct)
{
	struct blist *b = acct->slot[slot];

	if (b == NULL) {
		if ((b = calloc(1, sizeof(*b))) == NULL)
			return NULL;
		if ((b->set = hash_new()) == NULL) {
			free(b);
			return NULL;
		}
		b->acct = acct;
		acct->slot[slot] = b;
	}
	/* A read that could not be queued is tried again on next use. */
	if (!b->loaded && b->load == NULL)
		b->load = store_map_get(server.store, BLOCK_STORE,
		    acct->jid.domain, acct->jid.local, "", loaded, b);
	return b;
}

static void
on_bind(struct session *s)
{
	if (blist_get(s->acct) == NULL)
		stream_error(s->stream, "internal-server-error", NULL);
}

static void
account_gone(struct account *acct)
{
	struct blist *b = acct->slot[slot];

	if (b == NULL)
		return;
	store_cancel(b->load);
	held_free_all(b->head);
	list_clear(b);
	hash_free(b->set);
	free(b->items);
	free(b);
	acct->slot[slot] = NULL;
}

/* --- enforcement --- */

static int
is_request(const struct xml_node *st)
{
	const char *t = xml_attr(st, "type");

	if (strcmp(st->name, "iq") == 0)
		return t != NULL &&
		    (strcmp(t, "get") == 0 || strcmp(t, "set") == 0);
	if (strcmp(st->name, "message") == 0)
		return t == NULL || strcmp(t, "error") != 0;
	return 0; /* presence: never answered */
}

/* Answers st (from `from`) with an error; app: an application condition
 * in urn:xmpp:blocking:errors, or NULL. Presence and replies get none. */
static void
refuse(struct session *from, const struct xml_node *st, struct arena *a,
    const char *cond, const char *app)
{
	struct xml_node *e, *err;

	if (!is_request(st) ||
	    (e = router_make_error(a, st, "cancel", cond, NULL)) == NULL)
		return;
	if (app != NULL && (err = xml_child(e, XML_NS_CLIENT, "error")) != NULL)
		xml_add(a, err, NS_BLOCKING_ERR, app);
	deliver_own(from, e);
}

static enum router_verdict
out_filter(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	struct blist *b = blist_get(from->acct), *rb;
	char jid[JID_STR_MAX], bare[JID_STR_MAX];
	struct account *racct;

	if (b == NULL) {
		router_error(
		    from, st, a, "wait", "internal-server-error", NULL);
		return ROUTER_STOP;
	}
	if (!b->loaded) {
		if (hold(b, 1, from->full, st) == -1)
			router_error(
			    from, st, a, "wait", "resource-constraint", NULL);
		return ROUTER_STOP;
	}
	if (to == NULL || jid_format(to, 1, jid, sizeof(jid)) < 0 ||
	    is_self(from->acct, jid) || is_server(jid))
		return ROUTER_PASS;
	if (list_blocks(b, jid)) {
		log_debug("event=blocked direction=out");
		refuse(from, st, a, "not-acceptable", "blocked");
		return ROUTER_STOP;
	}
	/* A local recipient that blocks the sender looks offline (§3.3). */
	if (to->local != NULL && jid_format(to, 0, bare, sizeof(bare)) > 0 &&
	    (racct = session_account(bare)) != NULL &&
	    (rb = racct->slot[slot]) != NULL && rb->loaded &&
	    list_blocks(rb, from->full)) {
		log_debug("event=blocked direction=in");
		refuse(from, st, a, "service-unavailable", NULL);
		return ROUTER_STOP;
	}
	return ROUTER_PASS;
}

/* The bare part of a JID string that has a localpart, into out. */
static int
bare_of(const char *jid, char *out, size_t cap)
{
	const char *slash = strchr(jid, '/'), *at = strchr(jid, '@');
	size_t n = slash != NULL ? (size_t)(slash - jid) : strlen(jid);

	if (at == NULL || (slash != NULL && at > slash) || n >= cap)
		return 0;
	memcpy(out, jid, n);
	out[n] = '\0';
	return 1;
}

static enum router_verdict
in_filter(struct session *to, const struct xml_node *st)
{
	const char *from = xml_attr(st, "from");
	char bare[JID_STR_MAX];
	struct account *sacct;
	struct blist *b, *sb;

	if (own_reply || from == NULL || is_self(to->acct, from) ||
	    is_server(from))
		return ROUTER_PASS;
	if ((b = blist_get(to->acct)) == NULL)
		return ROUTER_STOP;
	if (!b->loaded) {
		if (hold(b, 0, to->full, st) == -1)
			refuse_busy(st);
		return ROUTER_STOP;
	}
	if (list_blocks(b, from)) {
		log_debug("event=blocked direction=in");
		return ROUTER_STOP;
	}
	/* What a local sender blocks: its presence broadcast, and what
	 * modules send on its behalf. */
	if (bare_of(from, bare, sizeof(bare)) &&
	    (sacct = session_account(bare)) != NULL) {
		if ((sb = blist_get(sacct)) == NULL)
			return ROUTER_STOP;
		if (!sb->loaded) {
			if (hold(sb, 0, to->full, st) == -1)
				refuse_busy(st);
			return ROUTER_STOP;
		}
		if (list_blocks(sb, to->full)) {
			log_debug("event=blocked direction=out");
			return ROUTER_STOP;
		}
	}
	return ROUTER_PASS;
}

/* --- presence on block and unblock --- */

/* A bare-JID item names one contact whose presence the block changes;
 * other items (full JIDs, domains) name no roster entry. */
static int
contact_of(const char *jid)
{
	return strchr(jid, '@') != NULL && strchr(jid, '/') == NULL;
}

/* Before jid is blocked: it stops seeing acct, so tell it (§3.3). */
static void
presence_off(struct blist *b, const char *jid)
{
	if (contact_of(jid) && !list_blocks(b, jid) &&
	    (roster_subscription(b->acct, jid) & ROSTER_FROM))
		presence_send_unavailable(b->acct, jid);
}

/* After jid was unblocked: it sees acct again, unless still blocked by
 * another item (§3.4). */
static void
presence_on(struct blist *b, const char *jid)
{
	if (contact_of(jid) && !list_blocks(b, jid) &&
	    (roster_subscription(b->acct, jid) & ROSTER_FROM))
		presence_send_current(b->acct, jid);
}

/* --- the commands --- */

/* The requester's own list; NULL for a request about another account. */
static struct blist *
own_list(struct iq_req *req)
{
	struct session *s = req->from;

	if (s == NULL || req->to.local == NULL ||
	    strcmp(req->to.local, s->jid.local) != 0 ||
	    strcmp(req->to.domain, s->jid.domain) != 0)
		return NULL;
	return s->acct->slot[slot];
}

static size_t
count_items(const struct xml_node *el)
{
	const struct xml_node *c;
	size_t n = 0;

	for (c = xml_child(el, NS_BLOCKING, "item"); c != NULL;
	     c = xml_next(c, NS_BLOCKING, "item"))
		n++;
	return n;
}

/*
 * The normalized JIDs of the n items of the request, without duplicates,
 * into *out (in req->a). 0, or -1 after an error reply.
 */
static int
parse_items(struct iq_req *req, size_t n, char ***out, size_t *nout)
{
	const struct xml_node *c;
	char jid[JID_STR_MAX], **v, *s;
	struct hash *seen;
	const char *attr;
	struct jid j;
	size_t k = 0;
	int rc = -1;

	if ((v = arena_alloc(req->a, n * sizeof(*v))) == NULL ||
	    (seen = hash_new()) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return -1;
	}
	for (c = xml_child(req->payload, NS_BLOCKING, "item"); c != NULL;
	     c = xml_next(c, NS_BLOCKING, "item")) {
		if ((attr = xml_attr(c, "jid")) == NULL) {
			iq_error(req, "modify", "bad-request",
			    "an item needs a 'jid'");
			goto done;
		}
		if (jid_parse(attr, strlen(attr), &j) == -1) {
			iq_error(req, "modify", "jid-malformed", NULL);
			goto done;
		}
		s = jid_format(&j, 1, jid, sizeof(jid)) < 0
		    ? NULL
		    : arena_strdup(req->a, jid);
		jid_free(&j);
		if (s == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			goto done;
		}
		if (hash_get(seen, s) != NULL)
			continue;
		if (hash_put(seen, s, s) == -1) {
			iq_error(req, "wait", "internal-server-error", NULL);
			goto done;
		}
		v[k++] = s;
	}
	*out = v;
	*nout = k;
	rc = 0;
done:
	hash_free(seen);
	return rc;
}

/* A <block/> or <unblock/> listing jids, in a. */
static struct xml_node *
items_el(struct arena *a, const char *name, char **jids, size_t n)
{
	struct xml_node *el = xml_new(a, NS_BLOCKING, name), *it;
	size_t i;

	for (i = 0; el != NULL && i < n; i++) {
		if ((it = xml_add(a, el, NS_BLOCKING, "item")) == NULL)
			return NULL;
		xml_set_attr(a, it, "jid", jids[i]);
	}
	return el;
}

/* §3.3: every resource that asked for the list learns of the change. */
static void
push_all(struct account *acct, const struct xml_node *change, struct arena *a)
{
	struct xml_node *iq, *c;
	struct session *s;
	char id[17];

	for (s = acct->sessions; s != NULL; s = s->next) {
		if (s->slot[slot] != &requested)
			continue;
		util_random_id(id, 10);
		if ((iq = xml_new(a, XML_NS_CLIENT, "iq")) == NULL ||
		    (c = xml_copy(a, change)) == NULL)
			return;
		xml_set_attr(a, iq, "type", "set");
		xml_set_attr(a, iq, "id", id);
		xml_set_attr(a, iq, "to", s->full);
		xml_append(iq, c);
		router_deliver(s, iq);
	}
}

static void
written(void *arg, const struct store_res *r)
{
	struct change *c = arg;
	struct account *acct;

	if (r->status == STORE_OK || r->status == STORE_NOTFOUND) {
		iq_reply(c->req, NULL);
		if (c->push != NULL &&
		    (acct = session_account(c->bare)) != NULL)
			push_all(acct, c->push, c->req->a);
	} else {
		iq_error(c->req, "wait", "internal-server-error", NULL);
	}
	iq_req_free(c->req);
}

/* Writes b through; the reply and pushes (push) follow the write. */
static enum iq_status
write_list(struct iq_req *req, struct blist *b, struct xml_node *push)
{
	struct account *acct = b->acct;
	struct buf v = BUF_INIT;
	struct store_req *sr = NULL;
	struct change *c;

	if ((c = arena_zalloc(req->a, sizeof(*c))) == NULL ||
	    (c->bare = arena_strdup(req->a, acct->bare)) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	c->req = req;
	c->push = push;
	if (b->n == 0)
		sr = store_map_del(server.store, BLOCK_STORE, acct->jid.domain,
		    acct->jid.local, "", written, c);
	else if (list_value(b, &v) == 0)
		sr = store_map_put(server.store, BLOCK_STORE, acct->jid.domain,
		    acct->jid.local, "", buf_ptr(&v), buf_size(&v), written, c);
	buf_free(&v);
	if (sr == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

static enum iq_status
on_blocklist(struct iq_req *req)
{
	struct xml_node *q, *it;
	struct blist *b;
	size_t i;

	if (req->set || (b = own_list(req)) == NULL)
		return IQ_UNHANDLED;
	if (!b->loaded) {
		iq_error(req, "wait", "resource-constraint", NULL);
		return IQ_DONE;
	}
	if ((q = xml_new(req->a, NS_BLOCKING, "blocklist")) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	for (i = 0; i < b->n; i++) {
		if ((it = xml_add(req->a, q, NS_BLOCKING, "item")) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		xml_set_attr(req->a, it, "jid", b->items[i]);
	}
	/* From now on this resource gets the pushes. */
	req->from->slot[slot] = &requested;
	iq_reply(req, q);
	return IQ_DONE;
}

static enum iq_status
on_block(struct iq_req *req)
{
	unsigned limit = server.conf->limits.blocklist_items;
	size_t n, k, i, fresh = 0;
	struct xml_node *push;
	struct blist *b;
	char **jids, text[64];

	if (!req->set || (b = own_list(req)) == NULL)
		return IQ_UNHANDLED;
	if (!b->loaded) {
		iq_error(req, "wait", "resource-constraint", NULL);
		return IQ_DONE;
	}
	if ((n = count_items(req->payload)) == 0) {
		iq_error(req, "modify", "bad-request", "nothing to block");
		return IQ_DONE;
	}
	snprintf(text, sizeof(text), "a blocklist holds at most %u addresses",
	    limit);
	/* Limits first: a request longer than the limit is not parsed. */
	if (n > limit) {
		iq_error(req, "modify", "not-acceptable", text);
		return IQ_DONE;
	}
	if (parse_items(req, n, &jids, &k) == -1)
		return IQ_DONE;
	for (i = 0; i < k; i++)
		fresh += !list_has(b, jids[i]);
	if (b->n + fresh > limit) {
		iq_error(req, "modify", "not-acceptable", text);
		return IQ_DONE;
	}
	if ((push = items_el(req->a, "block", jids, k)) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	for (i = 0; i < k; i++) {
		if (list_has(b, jids[i]))
			continue;
		presence_off(b, jids[i]);
		if (list_add(b, jids[i]) == -1) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
	}
	log_debug("event=blocklist_block items=%zu", k);
	return write_list(req, b, push);
}

static enum iq_status
on_unblock(struct iq_req *req)
{
	struct xml_node *push;
	struct blist *b;
	char **jids;
	size_t n, k, i;

	if (!req->set || (b = own_list(req)) == NULL)
		return IQ_UNHANDLED;
	if (!b->loaded) {
		iq_error(req, "wait", "resource-constraint", NULL);
		return IQ_DONE;
	}
	if ((n = count_items(req->payload)) == 0) {
		/* §3.5: unblock all. */
		if ((push = xml_new(req->a, NS_BLOCKING, "unblock")) == NULL ||
		    (k = b->n) > SIZE_MAX / sizeof(*jids) ||
		    (jids = arena_alloc(req->a, k * sizeof(*jids) + 1)) ==
		        NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		for (i = 0; i < k; i++)
			if ((jids[i] = arena_strdup(req->a, b->items[i])) ==
			    NULL) {
				iq_error(
				    req, "wait", "internal-server-error", NULL);
				return IQ_DONE;
			}
		list_clear(b);
	} else {
		if (parse_items(req, n, &jids, &k) == -1)
			return IQ_DONE;
		if ((push = items_el(req->a, "unblock", jids, k)) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		for (i = 0; i < k; i++)
			list_del(b, jids[i]);
	}
	for (i = 0; i < k; i++)
		presence_on(b, jids[i]);
	log_debug("event=blocklist_unblock items=%zu", k);
	return write_list(req, b, push);
}

void
blocking_module_init(void)
{
	if (store_register(&blocklist_def) < 0 || (slot = session_slot()) < 0 ||
	    session_on_bind(on_bind) < 0 ||
	    session_on_account_free(account_gone) < 0 ||
	    router_add_out_filter(out_filter) < 0 ||
	    router_add_in_filter(in_filter) < 0 ||
	    iq_register(NS_BLOCKING, "blocklist", IQ_ACCOUNT, on_blocklist) <
	        0 ||
	    iq_register(NS_BLOCKING, "block", IQ_ACCOUNT, on_block) < 0 ||
	    iq_register(NS_BLOCKING, "unblock", IQ_ACCOUNT, on_unblock) < 0)
		fatal("event=start_failed reason=blocking_module");
	disco_add_feature(NS_BLOCKING, IQ_SERVER | IQ_ACCOUNT);
}
