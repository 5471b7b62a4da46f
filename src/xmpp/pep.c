/*
 * pep: XEP-0163 personal eventing on XEP-0060 publish-subscribe, one
 * service per account's bare JID.
 *
 * Storage: map stores owned by the account. "pep_nodes" holds one key
 * per node (its name) whose value is the node's configuration as
 * "key=value" lines; "pep_items" holds one key per item, "node\nid",
 * whose value is "seq\n" and the serialized <item/> (seq orders a node's
 * items, oldest first). Node names with a newline are refused, so the
 * item key is unambiguous. Items of a node with persist_items off are
 * never written: they live in memory only. "pep_subs" holds one key per
 * node with explicit subscribers (XEP-0060 <subscribe/>), the JIDs one a
 * line.
 *
 * Sealing. PEP is published on purpose and others read it while its
 * owner is away (avatars, OMEMO bundles, nicknames), so "pep_nodes" and
 * "pep_items" stay clear. The items of a node only its owner may read
 * (access model whitelist, which here has no members but the owner, or
 * roster with no groups allowed), and of the nodes a module declared
 * owner-only (pep_owner_only(): bookmarks), are kept instead in the same
 * shape in "pep_private", sealed to the owner; a change of configuration
 * moves them from one store to the other, and an item found in the wrong
 * one while the owner can read both (data from before) is moved too.
 * While the owner is locked (no session) "pep_private" cannot be read:
 * a service read then has no items in its private nodes and is marked
 * priv_locked. Nobody else may see those nodes anyway, so others are
 * served as always; the owner's first bind reads them again before any
 * request of its own runs, and until they are read its requests, and
 * other modules' jobs, are refused rather than answered from a partial
 * service.
 *
 * Explicit subscribers are a piece of the owner's social graph, so
 * "pep_subs" is sealed too, read with "pep_private" and under the same
 * rule (subs_locked). Notifications go out only when the owner publishes,
 * so only while it can read them. A <subscribe/> or <unsubscribe/> that
 * arrives while the list cannot be written (read locked, or the owner
 * away with sealing on, or earlier changes still waiting) is appended to
 * the sealed archive "pep_subs_inbox" (the change, the node and the JID;
 * at most [limits] pep_nodes of them), answered "pending" or "none", and
 * applied in order inside a roster job on the owner when its service is
 * next read with the owner online; a subscriber told "pending" then gets
 * the outcome as a subscription event. Records written before all this
 * carry "sub=" lines in "pep_nodes": they are kept until the list is
 * read unlocked, then moved to "pep_subs" (written first, so a failure in
 * between loses nothing) and dropped from the clear record.
 *
 * Memory: a service (struct svc) is read whole from the store when
 * something needs it (a request to it, a login of a contact who may get
 * its last items) and is kept while its account is online or requests
 * wait on it; every change is written through, and the store runs
 * requests in order, so a service read again later sees every write.
 *
 * Order: requests to one service run one at a time, in arrival order,
 * each inside a roster job on the owner (roster.h), so the access models
 * that read the owner's roster (presence, roster) see it loaded.
 *
 * Invariants: a service in `svcs` that is not READY has a load in
 * flight; a service is freed only when it is READY (or FAILED), has no
 * queued or running operation, and its account is offline.
 *
 * Limits ([limits]): pep_nodes nodes per account (<resource-constraint/>
 * beyond), pep_items items per node (max_items "max" means that, more is
 * <not-acceptable/>), pep_item_bytes per serialized item
 * (<not-acceptable/> with <payload-too-big/>).
 */
#include "xmpp/pep.h"

#include <inttypes.h>
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
#include "xmpp/caps.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/presence.h"
#include "xmpp/roster.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_OWNER "http://jabber.org/protocol/pubsub#owner"
#define NS_EVENT "http://jabber.org/protocol/pubsub#event"
#define NS_ERRORS "http://jabber.org/protocol/pubsub#errors"
#define NS_DATA "jabber:x:data"
#define FT_CONFIG "http://jabber.org/protocol/pubsub#node_config"
#define STORE_NODES "pep_nodes"
#define STORE_ITEMS "pep_items"
#define STORE_PRIVATE "pep_private"
#define STORE_SUBS "pep_subs"
#define STORE_INBOX "pep_subs_inbox"
#define GROUPS_MAX 16
#define SUBS_MAX 64
#define QUEUE_MAX 64
#define NODE_NAME_MAX 1024
#define ITEM_ID_MAX 1024

static const struct store_def nodes_store = {
    .name = STORE_NODES,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "personal eventing (PEP) nodes: their names and settings",
    .sealed = 0, /* published to others on purpose (PRIVACY.md) */
};

static const struct store_def items_store = {
    .name = STORE_ITEMS,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "personal eventing (PEP) items published to others: OMEMO "
            "keys, avatars, nicknames and the like",
    .sealed = 0,
};

static const struct store_def private_store = {
    .name = STORE_PRIVATE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "personal eventing (PEP) items of nodes only the account "
            "may read, such as its group chat bookmarks",
    .sealed = 1,
};

static const struct store_def subs_store_def = {
    .name = STORE_SUBS,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "the addresses explicitly subscribed to the account's "
            "personal eventing (PEP) nodes",
    .sealed = 1, /* who follows whom: the social graph (PRIVACY.md) */
};

static const struct store_def inbox_store_def = {
    .name = STORE_INBOX,
    .shape = STORE_ARCHIVE,
    .owner = STORE_OWNER_USER,
    .retention = 0, /* until the owner's next login applies them */
    .what = "explicit subscriptions to and unsubscriptions from the "
            "account's personal eventing (PEP) nodes (the node and the "
            "subscriber's address) that arrived while it was away",
    .sealed = 1,
};

enum access { A_PRESENCE = 0, A_OPEN, A_ROSTER, A_WHITELIST };
static const char *const access_names[] = {
    "presence", "open", "roster", "whitelist"};
enum sendlast { SL_NEVER = 0, SL_ON_SUB, SL_ON_SUB_AND_PRESENCE };
static const char *const sendlast_names[] = {
    "never", "on_sub", "on_sub_and_presence"};

struct cfg {
	enum access access;
	unsigned max_items; /* 0: "max", the configured ceiling */
	int persist;
	enum sendlast send_last;
	int notify_retract, notify_delete;
	char *groups[GROUPS_MAX]; /* owned (in a node) */
	size_t ngroups;
};

/* Where an item is written: nowhere, "pep_items" or "pep_private". */
enum where { W_NONE = 0, W_CLEAR, W_PRIVATE };
static const char *const where_store[] = {NULL, STORE_ITEMS, STORE_PRIVATE};

struct item {
	char *id; /* owned */
	char *xml; /* owned: serialized <item/> */
	size_t len;
	uint64_t seq;
	enum where in;
};

struct node {
	char *name; /* owned; the hash key */
	struct cfg cfg;
	char *subs[SUBS_MAX]; /* owned: explicitly subscribed JIDs */
	size_t nsubs;
	int legacy; /* its "pep_nodes" record still lists subs (see top) */
	struct item *items; /* owned array, oldest first */
	size_t nitems, cap;
};

enum svc_state { S_LOADING = 0, S_READY, S_FAILED };
enum op_kind { OP_IQ = 0, OP_LAST, OP_CALL, OP_RELOAD, OP_APPLY };

struct op {
	enum op_kind kind;
	struct svc *svc;
	struct iq_req *req; /* OP_IQ: owns the op (in req->a) */
	int kept; /* OP_IQ: an async reply frees req, not op_free() */
	char *target; /* OP_LAST: full JID (owned) */
	int own; /* OP_LAST: the owner's own session */
	pep_job_fn fn; /* OP_CALL, with arg */
	void *arg;
	struct op *next;
};

struct svc {
	char *bare, *host, *user; /* owned */
	struct hash *nodes; /* name → struct node */
	uint64_t seq; /* next item's */
	enum svc_state state;
	struct op *head, *tail; /* waiting; head runs when READY */
	size_t nops;
	int running; /* the head is inside its roster job */
	int priv_locked; /* "pep_private" was not read (owner locked) */
	int subs_locked; /* "pep_subs" was not read (owner locked) */
	int inbox_due; /* "pep_subs_inbox" may hold changes not applied */
	int inbox_more; /* the last read of it did not take all */
	int loaded; /* was READY once: a failed read leaves it locked */
	size_t reads; /* store reads out (S_LOADING while > 0) */
	int failed; /* one of them failed */
	struct pending *inbox; /* owned: read, waiting for OP_APPLY */
	size_t ninbox;
};

/* One change read from "pep_subs_inbox". */
struct pending {
	char *id; /* owned: the archive item's */
	int sub; /* <subscribe/> (1) or <unsubscribe/> (0) */
	char *node, *jid; /* owned */
};

static struct hash *svcs; /* bare → struct svc */

struct pep_ctx {
	struct svc *v;
	struct arena *a;
};

#define HOOKS_MAX 8
static struct {
	const char *node;
	pep_change_fn fn;
} hooks[HOOKS_MAX];
static size_t nhooks;

#define OWNER_ONLY_MAX 8
static const char *owner_only[OWNER_ONLY_MAX]; /* pep_owner_only() */
static size_t nowner_only;

static void svc_run(struct svc *v);
static void node_store(struct svc *v, const struct node *n);
static void subs_store(struct svc *v, const struct node *n);
static void queue_apply(struct svc *v);
static void item_place(
    struct svc *v, struct arena *a, const struct node *n, struct item *it);
static void item_drop(struct node *n, size_t i);
static enum where item_where(const struct node *n);

/* --- configuration --- */

static void
cfg_default(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->access = A_PRESENCE;
	c->persist = 1;
	c->send_last = SL_ON_SUB_AND_PRESENCE;
	c->notify_retract = 1;
	c->notify_delete = 1;
}

static void
cfg_clear(struct cfg *c)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	c->ngroups = 0;
}

static unsigned
cfg_max(const struct cfg *c)
{
	unsigned m = server.conf->limits.pep_items;

	return c->max_items == 0 || c->max_items > m ? m : c->max_items;
}

static int
parse_bool(const char *s, int *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_enum(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * Applies one setting (form field var without the "pubsub#" prefix, or a
 * stored key). groups collects roster-groups values; 0, or -1 if the
 * value is not acceptable.
 */
static int
cfg_set(struct cfg *c, const char *key, const char *val)
{
	char *end;
	unsigned long n;
	int i;

	if (strcmp(key, "access_model") == 0) {
		if ((i = parse_enum(val, access_names, 4)) < 0)
			return -1;
		c->access = (enum access)i;
	} else if (strcmp(key, "max_items") == 0) {
		if (strcmp(val, "max") == 0) {
			c->max_items = 0;
			return 0;
		}
		n = strtoul(val, &end, 10);
		if (*val == '\0' || *end != '\0' || n == 0 ||
		    n > server.conf->limits.pep_items)
			return -1;
		c->max_items = (unsigned)n;
	} else if (strcmp(key, "persist_items") == 0) {
		return parse_bool(val, &c->persist);
	} else if (strcmp(key, "send_last_published_item") == 0) {
		if ((i = parse_enum(val, sendlast_names, 3)) < 0)
			return -1;
		c->send_last = (enum sendlast)i;
	} else if (strcmp(key, "notify_retract") == 0) {
		return parse_bool(val, &c->notify_retract);
	} else if (strcmp(key, "notify_delete") == 0) {
		return parse_bool(val, &c->notify_delete);
	} else if (strcmp(key, "roster_groups_allowed") == 0) {
		if (c->ngroups == GROUPS_MAX ||
		    (c->groups[c->ngroups] = strdup(val)) == NULL)
			return -1;
		c->ngroups++;
	}
	/* Other settings (title, deliver_payloads...) have one value here. */
	return 0;
}

static int
cfg_eq(const struct cfg *a, const struct cfg *b)
{
	size_t i, j;

	if (a->access != b->access || cfg_max(a) != cfg_max(b) ||
	    a->persist != b->persist || a->send_last != b->send_last ||
	    a->notify_retract != b->notify_retract ||
	    a->notify_delete != b->notify_delete || a->ngroups != b->ngroups)
		return 0;
	for (i = 0; i < a->ngroups; i++) {
		for (j = 0; j < b->ngroups; j++)
			if (strcmp(a->groups[i], b->groups[j]) == 0)
				break;
		if (j == b->ngroups)
			return 0;
	}
	return 1;
}

static int
cfg_copy(struct cfg *dst, const struct cfg *src)
{
	size_t i;

	*dst = *src;
	dst->ngroups = 0;
	for (i = 0; i < src->ngroups; i++) {
		if ((dst->groups[i] = strdup(src->groups[i])) == NULL) {
			cfg_clear(dst);
			return -1;
		}
		dst->ngroups++;
	}
	return 0;
}

/* 1 if node `name` was declared owner-only (pep_owner_only()). */
static int
owner_only_node(const char *name)
{
	size_t i;

	for (i = 0; i < nowner_only; i++)
		if (strcmp(owner_only[i], name) == 0)
			return 1;
	return 0;
}

/* 1 if c may configure node `name`: an owner-only node stays whitelist. */
static int
cfg_fits(const char *name, const struct cfg *c)
{
	return !owner_only_node(name) || c->access == A_WHITELIST;
}

/* 1 if nobody but the owner may read n's items: they are sealed. Whitelist
 * nodes have no members here but their owner (no affiliations). */
static int
node_private(const struct node *n)
{
	return n->cfg.access == A_WHITELIST ||
	    (n->cfg.access == A_ROSTER && n->cfg.ngroups == 0);
}

/*
 * Applies a submitted data form (node_config or publish-options) to c.
 * roster_groups_allowed, when present, replaces the groups. 0, or -1 if a
 * value is not acceptable.
 */
static int
cfg_form(struct arena *a, struct cfg *c, const struct xml_node *x)
{
	const struct xml_node *f, *v;
	const char *var;
	char *val;

	for (f = xml_child(x, NS_DATA, "field"); f;
	     f = xml_next(f, NS_DATA, "field")) {
		if ((var = xml_attr(f, "var")) == NULL ||
		    strncmp(var, "pubsub#", 7) != 0)
			continue;
		var += 7;
		if (strcmp(var, "roster_groups_allowed") == 0)
			cfg_clear(c);
		for (v = xml_child(f, NS_DATA, "value"); v;
		     v = xml_next(v, NS_DATA, "value")) {
			if ((val = xml_text(a, v)) == NULL ||
			    cfg_set(c, var, val) == -1)
				return -1;
			if (strcmp(var, "roster_groups_allowed") != 0)
				break;
		}
	}
	return 0;
}

/* --- services in memory --- */

static void
node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	cfg_clear(&n->cfg);
	for (i = 0; i < n->nsubs; i++)
		free(n->subs[i]);
	for (i = 0; i < n->nitems; i++) {
		free(n->items[i].id);
		free(n->items[i].xml);
	}
	free(n->items);
	free(n->name);
	free(n);
}

static struct node *
node_new(const char *name)
{
	struct node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->name = strdup(name)) == NULL) {
		free(n);
		return NULL;
	}
	cfg_default(&n->cfg);
	return n;
}

static void
pending_free(struct svc *v)
{
	size_t i;

	for (i = 0; i < v->ninbox; i++) {
		free(v->inbox[i].id);
		free(v->inbox[i].node);
		free(v->inbox[i].jid);
	}
	free(v->inbox);
	v->inbox = NULL;
	v->ninbox = 0;
}

static void
svc_free(struct svc *v)
{
	struct node *n;
	size_t cur = 0;

	if (v == NULL)
		return;
	pending_free(v);
	while ((n = hash_next(v->nodes, &cur, NULL)) != NULL)
		node_free(n);
	hash_free(v->nodes);
	free(v->bare);
	free(v->host);
	free(v->user);
	free(v);
}

/* Frees v if nothing needs it any more. */
static void
svc_maybe_free(struct svc *v)
{
	if (v->state == S_LOADING || v->head != NULL ||
	    session_account(v->bare) != NULL)
		return;
	hash_del(svcs, v->bare);
	svc_free(v);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parses a stored node value into n. */
static void
node_load(struct node *n, const char *val)
{
	char line[2048];
	const char *p = val, *e;
	char *eq;
	size_t len;

	while (*p != '\0') {
		e = strchr(p, '\n');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if ((eq = strchr(line, '=')) != NULL) {
				*eq++ = '\0';
				if (strcmp(line, "sub") == 0) {
					n->legacy = 1;
					if (n->nsubs < SUBS_MAX &&
					    (n->subs[n->nsubs] = strdup(eq)) !=
					        NULL)
						n->nsubs++;
				} else {
					(void)cfg_set(&n->cfg, line, eq);
				}
			}
		}
		p += len + (e != NULL);
	}
}

static int
item_add(
    struct node *n, const char *id, const char *xml, size_t len, uint64_t seq)
{
	struct item *it;
	size_t cap;

	if (n->nitems == n->cap) {
		cap = n->cap ? n->cap * 2 : 4;
		if ((it = realloc(n->items, cap * sizeof(*it))) == NULL)
			return -1;
		n->items = it;
		n->cap = cap;
	}
	it = &n->items[n->nitems];
	if ((it->id = strdup(id)) == NULL)
		return -1;
	if ((it->xml = malloc(len + 1)) == NULL) {
		free(it->id);
		return -1;
	}
	memcpy(it->xml, xml, len);
	it->xml[len] = '\0';
	it->len = len;
	it->seq = seq;
	it->in = W_NONE;
	n->nitems++;
	return 0;
}

/*
 * Adds the items of r, read from store `in`, to v's nodes. An item in
 * both stores (a move cut short) keeps its newer copy and the older one
 * is deleted.
 */
static void
items_merge(struct svc *v, const struct store_res *r, enum where in)
{
	struct node *n;
	const char *nl, *x;
	char *name, *end;
	uint64_t seq;
	size_t i, j;

	for (i = 0; i < r->nitems; i++) {
		const struct store_item *si = &r->items[i];

		if ((nl = strchr(si->key, '\n')) == NULL ||
		    (name = strndup(si->key, (size_t)(nl - si->key))) == NULL)
			continue;
		n = hash_get(v->nodes, name);
		free(name);
		seq = strtoull(si->value, &end, 10);
		if (n == NULL || *end != '\n')
			continue;
		x = end + 1;
		for (j = 0; j < n->nitems; j++)
			if (strcmp(n->items[j].id, nl + 1) == 0)
				break;
		if (j < n->nitems) {
			if (n->items[j].seq >= seq) {
				store_map_del(server.store, where_store[in],
				    v->host, v->user, si->key, NULL, NULL);
				continue;
			}
			if (n->items[j].in != W_NONE)
				store_map_del(server.store,
				    where_store[n->items[j].in], v->host,
				    v->user, si->key, NULL, NULL);
			item_drop(n, j);
		}
		if (item_add(n, nl + 1, x,
		        si->value_len - (size_t)(x - (const char *)si->value),
		        seq) == 0) {
			n->items[n->nitems - 1].in = in;
			if (seq >= v->seq)
				v->seq = seq + 1;
		}
	}
}

/* Moves items found in the wrong store (written before their node was
 * owner-only, or before sealing) to the right one. */
static void
items_settle(struct svc *v)
{
	struct arena *a;
	struct node *n;
	size_t i, cur = 0;
	enum where w;

	while ((n = hash_next(v->nodes, &cur, NULL)) != NULL) {
		w = item_where(n);
		for (i = 0; i < n->nitems; i++) {
			if (w == W_NONE || n->items[i].in == W_NONE ||
			    n->items[i].in == w)
				continue;
			if ((a = arena_new(1024 + n->items[i].len)) == NULL)
				return;
			item_place(v, a, n, &n->items[i]);
			arena_free(a);
		}
	}
}

/*
 * Reading a service: the clear parts (nodes, then items) on the first
 * load, then the sealed parts not read yet (its private items, its
 * subscribers, the inbox of subscription changes), all submitted at once
 * so they are answered together, before a lock that comes later (the
 * store runs requests, and delivers their answers, in order). A sealed
 * part the store answers STORE_LOCKED for stays marked locked. A failure
 * on the first load fails the service; on a reload (OP_RELOAD) it leaves
 * the part as it was. The service is S_LOADING while reads are out.
 */

/* 1 if r may be used; else a failure is noted (not for STORE_LOCKED). */
static int
read_ok(struct svc *v, const struct store_res *r)
{
	if (r->status == STORE_OK || r->status == STORE_NOTFOUND)
		return 1;
	if (r->status != STORE_LOCKED)
		v->failed = 1;
	return 0;
}

/* 1 if sub is in n's list (index in *at), else 0 (*at = nsubs). */
static int
sub_find(const struct node *n, const char *jid, size_t *at)
{
	size_t i;

	for (i = 0; i < n->nsubs; i++)
		if (strcmp(n->subs[i], jid) == 0)
			break;
	*at = i;
	return i < n->nsubs;
}

/* Adds jid (copied) to n's subscribers; 0, or -1 if full or OOM. */
static int
sub_add(struct node *n, const char *jid)
{
	size_t i;

	if (sub_find(n, jid, &i))
		return 0;
	if (n->nsubs == SUBS_MAX || (n->subs[n->nsubs] = strdup(jid)) == NULL)
		return -1;
	n->nsubs++;
	return 0;
}

/* Decodes one inbox value, "s\nnode\njid" or "u\nnode\njid". */
static int
pending_decode(struct pending *p, const char *val)
{
	const char *nl1;

	if ((val[0] != 's' && val[0] != 'u') || val[1] != '\n' ||
	    (nl1 = strchr(val + 2, '\n')) == NULL || nl1 == val + 2 ||
	    strchr(nl1 + 1, '\n') != NULL || nl1[1] == '\0')
		return -1;
	p->sub = val[0] == 's';
	if ((p->node = strndup(val + 2, (size_t)(nl1 - val - 2))) == NULL ||
	    (p->jid = strdup(nl1 + 1)) == NULL) {
		free(p->node);
		return -1;
	}
	return 0;
}

/* Moves subscribers still listed in clear records to "pep_subs". */
static void
subs_settle(struct svc *v)
{
	struct node *n;
	size_t cur = 0;

	while ((n = hash_next(v->nodes, &cur, NULL)) != NULL) {
		if (!n->legacy)
			continue;
		subs_store(v, n);
		n->legacy = 0;
		node_store(v, n);
	}
}

static void
reads_over(struct svc *v)
{
	struct node *n;
	size_t cur = 0;

	if (v->failed && !v->loaded) {
		v->state = S_FAILED;
		pending_free(v);
		svc_run(v);
		return;
	}
	v->failed = 0;
	while ((n = hash_next(v->nodes, &cur, NULL)) != NULL)
		qsort(n->items, n->nitems, sizeof(struct item), item_cmp);
	if (!v->priv_locked)
		items_settle(v);
	if (!v->subs_locked)
		subs_settle(v);
	else
		pending_free(v); /* changes go to a list that was read */
	v->state = S_READY;
	v->loaded = 1;
	if (v->ninbox > 0)
		queue_apply(v);
	svc_run(v);
}

static void
read_done(struct svc *v)
{
	if (--v->reads == 0)
		reads_over(v);
}

static void
nodes_loaded(void *arg, const struct store_res *r)
{
	struct svc *v = arg;
	struct node *n;
	size_t i;

	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		v->failed = 1;
		read_done(v);
		return;
	}
	for (i = 0; i < r->nitems; i++) {
		if ((n = node_new(r->items[i].key)) == NULL)
			continue;
		node_load(n, r->items[i].value);
		if (hash_put(v->nodes, n->name, n) == -1) {
			node_free(n);
			continue;
		}
		/* Made before it was declared owner-only. */
		if (!cfg_fits(n->name, &n->cfg)) {
			n->cfg.access = A_WHITELIST;
			node_store(v, n);
		}
	}
	read_done(v);
}

static void
items_loaded(void *arg, const struct store_res *r)
{
	struct svc *v = arg;

	if (r->status != STORE_OK && r->status != STORE_NOTFOUND)
		v->failed = 1;
	else if (!v->failed)
		items_merge(v, r, W_CLEAR);
	read_done(v);
}

static void
private_loaded(void *arg, const struct store_res *r)
{
	struct svc *v = arg;

	if (read_ok(v, r) && !v->failed) {
		v->priv_locked = 0;
		items_merge(v, r, W_PRIVATE);
	}
	read_done(v);
}

/* The sealed subscriber lists, joined to what clear records still list. */
static void
subs_loaded(void *arg, const struct store_res *r)
{
	struct svc *v = arg;
	struct node *n;
	const char *p, *e;
	char *jid;
	size_t i;

	if (!read_ok(v, r) || v->failed) {
		read_done(v);
		return;
	}
	v->subs_locked = 0;
	for (i = 0; i < r->nitems; i++) {
		if ((n = hash_get(v->nodes, r->items[i].key)) == NULL) {
			/* Its node went while this was not readable. */
			store_map_del(server.store, STORE_SUBS, v->host,
			    v->user, r->items[i].key, NULL, NULL);
			continue;
		}
		for (p = r->items[i].value; *p != '\0'; p = e + (*e != '\0')) {
			if ((e = strchr(p, '\n')) == NULL)
				e = p + strlen(p);
			if (e == p ||
			    (jid = strndup(p, (size_t)(e - p))) == NULL)
				continue;
			(void)sub_add(n, jid);
			free(jid);
		}
	}
	read_done(v);
}

static void
inbox_loaded(void *arg, const struct store_res *r)
{
	struct svc *v = arg;
	struct pending *p;
	size_t i;

	if (!read_ok(v, r) || v->failed || r->nitems == 0 ||
	    (v->inbox = calloc(r->nitems, sizeof(*v->inbox))) == NULL) {
		if (r->status == STORE_OK || r->status == STORE_NOTFOUND)
			v->inbox_due = v->inbox == NULL && r->nitems > 0;
		read_done(v);
		return;
	}
	for (i = 0; i < r->nitems; i++) {
		p = &v->inbox[v->ninbox];
		if (r->items[i].id == NULL ||
		    (p->id = strdup(r->items[i].id)) == NULL)
			continue;
		if (pending_decode(p, r->items[i].value) == -1) {
			/* Not ours to keep: deleted with the rest. */
			p->sub = -1;
			p->node = p->jid = NULL;
		}
		v->ninbox++;
	}
	v->inbox_more = !r->complete;
	read_done(v);
}

/* Submits one read (counted), or notes that it could not be. */
static void
read_submit(struct svc *v, struct store_req *sr)
{
	if (sr != NULL)
		v->reads++;
	else
		v->failed = 1;
}

/*
 * Submits the reads v needs (first: the clear parts too) and marks it
 * S_LOADING while they are out. 0, or -1 if none could be submitted (v
 * is then as before, or S_FAILED on a first load; nothing was run).
 */
static int
svc_read(struct svc *v, int first)
{
	struct store_archive_query q;

	v->failed = 0;
	if (first) {
		read_submit(v,
		    store_map_list(server.store, STORE_NODES, v->host, v->user,
		        nodes_loaded, v));
		read_submit(v,
		    store_map_list(server.store, STORE_ITEMS, v->host, v->user,
		        items_loaded, v));
	}
	if (v->priv_locked)
		read_submit(v,
		    store_map_list(server.store, STORE_PRIVATE, v->host,
		        v->user, private_loaded, v));
	if (v->subs_locked)
		read_submit(v,
		    store_map_list(server.store, STORE_SUBS, v->host, v->user,
		        subs_loaded, v));
	if (v->inbox_due && v->ninbox == 0) {
		memset(&q, 0, sizeof(q));
		q.max = 1000;
		read_submit(v,
		    store_archive_query(server.store, STORE_INBOX, v->host,
		        v->user, &q, inbox_loaded, v));
	}
	if (v->reads == 0) {
		if (first)
			v->state = S_FAILED;
		return -1;
	}
	v->state = S_LOADING;
	return 0;
}

/* The service of bare (host, user), loading it if needed; NULL on OOM. */
static struct svc *
svc_get(const char *host, const char *user)
{
	struct svc *v;
	char *bare;

	if (asprintf(&bare, "%s@%s", user, host) == -1)
		return NULL;
	if ((v = hash_get(svcs, bare)) != NULL) {
		free(bare);
		return v;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->nodes = hash_new()) == NULL ||
	    (v->host = strdup(host)) == NULL ||
	    (v->user = strdup(user)) == NULL) {
		free(bare);
		svc_free(v);
		return NULL;
	}
	v->bare = bare;
	v->seq = 1;
	/* Nothing sealed is read yet (see svc_read()). */
	v->priv_locked = v->subs_locked = v->inbox_due = 1;
	if (hash_put(svcs, v->bare, v) == -1) {
		svc_free(v);
		return NULL;
	}
	(void)svc_read(v, 1);
	return v;
}

/* --- writing through --- */

static void
node_store(struct svc *v, const struct node *n)
{
	struct buf b = BUF_INIT;
	const struct cfg *c = &n->cfg;
	char max[16];
	size_t i;
	int rc;

	if (c->max_items == 0)
		snprintf(max, sizeof(max), "max");
	else
		snprintf(max, sizeof(max), "%u", c->max_items);
	rc = buf_appendf(&b,
	    "access_model=%s\nmax_items=%s\npersist_items=%d\n"
	    "send_last_published_item=%s\nnotify_retract=%d\n"
	    "notify_delete=%d\n",
	    access_names[c->access], max, c->persist,
	    sendlast_names[c->send_last], c->notify_retract, c->notify_delete);
	for (i = 0; rc == 0 && i < c->ngroups; i++)
		rc =
		    buf_appendf(&b, "roster_groups_allowed=%s\n", c->groups[i]);
	/* Subscribers stay here only until they can move (see top). */
	for (i = 0; rc == 0 && n->legacy && i < n->nsubs; i++)
		rc = buf_appendf(&b, "sub=%s\n", n->subs[i]);
	if (rc == 0)
		store_map_put(server.store, STORE_NODES, v->host, v->user,
		    n->name, buf_ptr(&b), buf_size(&b), NULL, NULL);
	buf_free(&b);
}

static void
subs_written(void *arg, const struct store_res *r)
{
	(void)arg;
	if (r->status != STORE_OK && r->status != STORE_NOTFOUND)
		log_warn(
		    "event=pep_subs_write_failed status=%d", (int)r->status);
}

/* Writes n's subscriber list to "pep_subs" (none: the key goes). */
static void
subs_store(struct svc *v, const struct node *n)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	if (n->nsubs == 0) {
		store_map_del(server.store, STORE_SUBS, v->host, v->user,
		    n->name, subs_written, NULL);
		return;
	}
	for (i = 0; rc == 0 && i < n->nsubs; i++)
		rc = buf_appendf(&b, "%s\n", n->subs[i]);
	if (rc == 0)
		store_map_put(server.store, STORE_SUBS, v->host, v->user,
		    n->name, buf_ptr(&b), buf_size(&b), subs_written, NULL);
	else
		log_warn("event=pep_subs_write_failed status=oom");
	buf_free(&b);
}

static char *
item_key(struct arena *a, const struct node *n, const char *id)
{
	return arena_printf(a, "%s\n%s", n->name, id);
}

/* Where n's items belong (see the top). */
static enum where
item_where(const struct node *n)
{
	if (!n->cfg.persist)
		return W_NONE;
	return node_private(n) ? W_PRIVATE : W_CLEAR;
}

/* Writes it where n's configuration says, and removes it from where it
 * was (written first, so a failure in between loses nothing). */
static void
item_place(
    struct svc *v, struct arena *a, const struct node *n, struct item *it)
{
	enum where want = item_where(n);
	char *val, *key;

	if ((key = item_key(a, n, it->id)) == NULL)
		return;
	if (want != W_NONE) {
		if ((val = arena_printf(
		         a, "%" PRIu64 "\n%s", it->seq, it->xml)) == NULL)
			return;
		store_map_put(server.store, where_store[want], v->host, v->user,
		    key, val, strlen(val), NULL, NULL);
	}
	if (it->in != W_NONE && it->in != want)
		store_map_del(server.store, where_store[it->in], v->host,
		    v->user, key, NULL, NULL);
	it->in = want;
}

static void
item_unstore(
    struct svc *v, struct arena *a, const struct node *n, struct item *it)
{
	char *key;

	if (it->in != W_NONE && (key = item_key(a, n, it->id)) != NULL)
		store_map_del(server.store, where_store[it->in], v->host,
		    v->user, key, NULL, NULL);
	it->in = W_NONE;
}

static void
item_drop(struct node *n, size_t i)
{
	free(n->items[i].id);
	free(n->items[i].xml);
	memmove(&n->items[i], &n->items[i + 1],
	    (n->nitems - i - 1) * sizeof(struct item));
	n->nitems--;
}

/* Drops the oldest items beyond the node's max_items. */
static void
trim(struct svc *v, struct arena *a, struct node *n)
{
	unsigned max = n->cfg.persist ? cfg_max(&n->cfg) : 1;

	while (n->nitems > max) {
		item_unstore(v, a, n, &n->items[0]);
		item_drop(n, 0);
	}
}

static void
node_erase(struct svc *v, struct arena *a, struct node *n)
{
	size_t i;

	for (i = 0; i < n->nitems; i++)
		item_unstore(v, a, n, &n->items[i]);
	store_map_del(
	    server.store, STORE_NODES, v->host, v->user, n->name, NULL, NULL);
	store_map_del(
	    server.store, STORE_SUBS, v->host, v->user, n->name, NULL, NULL);
	hash_del(v->nodes, n->name);
	node_free(n);
}

/* --- access --- */

static int owner_away(const struct svc *v);

/* 1 if the account `who` (bare) may see node n of service v. */
static int
allowed(const struct svc *v, const struct node *n, const char *who)
{
	size_t i;

	if (strcmp(who, v->bare) == 0)
		return 1;
	switch (n->cfg.access) {
	case A_OPEN:
		return 1;
	case A_PRESENCE:
		/* The owner's roster is sealed while it is away; a local
		 * asker's own roster says the same (the two ends of a
		 * subscription change together), and it is open: the asker
		 * is online. svc_run() loads it for the job. */
		if (owner_away(v))
			return (roster_subscription_of(who, v->bare) &
			           ROSTER_TO) != 0;
		return (roster_subscription_of(v->bare, who) & ROSTER_FROM) !=
		    0;
	case A_ROSTER:
		for (i = 0; i < n->cfg.ngroups; i++)
			if (roster_in_group(v->bare, who, n->cfg.groups[i]))
				return 1;
		return 0;
	case A_WHITELIST:
	default:
		return 0;
	}
}

/* --- errors and notifications --- */

/* An error with an application condition of pubsub#errors (or none). */
static void
pep_error(struct iq_req *req, const char *type, const char *cond,
    const char *app, const char *feature)
{
	struct session *to = session_find_str(req->from_full);
	struct xml_node *e, *err, *x;

	if (to == NULL ||
	    (e = router_make_error(req->a, req->iq, type, cond, NULL)) == NULL)
		return;
	if (app != NULL && (err = xml_child(e, NULL, "error")) != NULL &&
	    (x = xml_add(req->a, err, NS_ERRORS, app)) != NULL && feature)
		xml_set_attr(req->a, x, "feature", feature);
	router_deliver(to, e);
}

/* Why `who` may not see n (XEP-0060 §6.5.9, §12.7), as an error. */
static void
deny(struct iq_req *req, const struct node *n)
{
	switch (n->cfg.access) {
	case A_PRESENCE:
		pep_error(req, "auth", "not-authorized",
		    "presence-subscription-required", NULL);
		break;
	case A_ROSTER:
		pep_error(
		    req, "auth", "not-authorized", "not-in-roster-group", NULL);
		break;
	default:
		pep_error(req, "cancel", "not-allowed", "closed-node", NULL);
		break;
	}
}

/* A headline <message/> with an empty <event/>; the caller fills it. */
static struct xml_node *
event_msg(struct arena *a, const struct svc *v, struct xml_node **event)
{
	struct xml_node *m;

	if ((m = xml_new(a, XML_NS_CLIENT, "message")) == NULL ||
	    xml_set_attr(a, m, "from", v->bare) == -1 ||
	    xml_set_attr(a, m, "type", "headline") == -1 ||
	    (*event = xml_add(a, m, NS_EVENT, "event")) == NULL)
		return NULL;
	return m;
}

static void
deliver(struct session *s, struct xml_node *m, struct arena *a)
{
	if (xml_set_attr(a, m, "to", s->full) == 0)
		router_deliver(s, m);
}

struct fan {
	struct svc *v;
	struct node *n;
	struct xml_node *m;
	struct arena *a;
	const char *notify; /* "node+notify" */
	int subs_too; /* explicit subscribers get it as well */
};

/* Whether session s gets n's events: +notify caps or a subscription. */
static int
wants(const struct fan *f, struct session *s)
{
	size_t i;

	if (caps_has(s, f->notify))
		return 1;
	for (i = 0; f->subs_too && i < f->n->nsubs; i++)
		if (strcmp(f->n->subs[i], s->full) == 0 ||
		    strcmp(f->n->subs[i], s->acct->bare) == 0)
			return 1;
	return 0;
}

static void
fan_account(struct fan *f, const char *bare)
{
	struct account *c = session_account(bare);
	struct session *s;

	if (c == NULL || !allowed(f->v, f->n, bare))
		return;
	for (s = c->sessions; s != NULL; s = s->next)
		if (s->available && wants(f, s))
			deliver(s, f->m, f->a);
}

static void
fan_contact(void *arg, const char *contact)
{
	struct fan *f = arg;

	fan_account(f, contact);
}

/*
 * Sends m to everyone who gets n's events: the owner's resources and
 * contacts subscribed to the owner's presence (if the access model lets
 * them see n) that advertise NODE+notify, and explicit subscribers.
 */
static void
notify(struct svc *v, struct node *n, struct xml_node *m, struct arena *a)
{
	struct fan f = {v, n, m, a, NULL, 1};
	struct account *owner = session_account(v->bare);
	size_t i;
	char *bare, *slash;

	if ((f.notify = arena_printf(a, "%s+notify", n->name)) == NULL)
		return;
	fan_account(&f, v->bare);
	if (owner != NULL)
		roster_each(owner, ROSTER_FROM, fan_contact, &f);
	/* Explicit subscribers outside the roster's subscribers. */
	for (i = 0; i < n->nsubs; i++) {
		if ((bare = arena_strdup(a, n->subs[i])) == NULL)
			return;
		if ((slash = strchr(bare, '/')) != NULL)
			*slash = '\0';
		if (strcmp(bare, v->bare) == 0 ||
		    roster_subscription_of(v->bare, bare) & ROSTER_FROM)
			continue;
		fan_account(&f, bare);
	}
}

/* <items node><item/>*</items> in parent from n's items [from, nitems). */
static struct xml_node *
items_el(struct arena *a, struct xml_node *parent, const char *ns,
    const struct node *n, size_t from)
{
	struct xml_node *its, *it;
	struct xml_limits lim;
	size_t i;

	if ((its = xml_add(a, parent, ns, "items")) == NULL ||
	    xml_set_attr(a, its, "node", n->name) == -1)
		return NULL;
	memset(&lim, 0, sizeof(lim));
	for (i = from; i < n->nitems; i++) {
		if ((it = xml_parse_element(
		         a, n->items[i].xml, n->items[i].len, &lim)) == NULL)
			continue;
		/* Stored in the pubsub namespace; the event has its own. */
		it->ns = ns;
		xml_append(its, it);
	}
	return its;
}

static void
notify_items(struct svc *v, struct node *n, struct arena *a)
{
	struct xml_node *m, *ev;

	if (n->nitems == 0 || (m = event_msg(a, v, &ev)) == NULL ||
	    items_el(a, ev, NS_EVENT, n, n->nitems - 1) == NULL)
		return;
	notify(v, n, m, a);
}

/* Tells the modules that mirror node `name` that the owner changed it. */
static void
changed(struct svc *v, struct arena *a, const char *name)
{
	struct pep_ctx c = {v, a};
	size_t i;

	for (i = 0; i < nhooks; i++)
		if (strcmp(hooks[i].node, name) == 0)
			hooks[i].fn(&c, name);
}

/* The last item of n to session s, if n has one. */
static void
send_last(struct svc *v, struct node *n, struct session *s, struct arena *a)
{
	struct xml_node *m, *ev;

	if (n->nitems == 0 || (m = event_msg(a, v, &ev)) == NULL ||
	    items_el(a, ev, NS_EVENT, n, n->nitems - 1) == NULL)
		return;
	deliver(s, m, a);
}

/* --- requests --- */

static int
valid_name(const char *s, size_t max)
{
	return s != NULL && *s != '\0' && strlen(s) <= max &&
	    strchr(s, '\n') == NULL;
}

static struct node *
find_node(struct iq_req *req, struct svc *v, const char *name)
{
	struct node *n;

	if (!valid_name(name, NODE_NAME_MAX)) {
		pep_error(
		    req, "modify", "bad-request", "nodeid-required", NULL);
		return NULL;
	}
	if ((n = hash_get(v->nodes, name)) == NULL)
		pep_error(req, "cancel", "item-not-found", NULL, NULL);
	return n;
}

/* A new node with configuration c (copied); NULL after replying. */
static struct node *
create_node(
    struct iq_req *req, struct svc *v, const char *name, const struct cfg *c)
{
	struct node *n;

	if (hash_count(v->nodes) >= server.conf->limits.pep_nodes) {
		pep_error(req, "wait", "resource-constraint", NULL, NULL);
		return NULL;
	}
	if ((n = node_new(name)) == NULL ||
	    (c != NULL && (cfg_clear(&n->cfg), cfg_copy(&n->cfg, c)) == -1) ||
	    hash_put(v->nodes, n->name, n) == -1) {
		node_free(n);
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return NULL;
	}
	node_store(v, n);
	return n;
}

/* The submitted form in el (publish-options, configure), or NULL. */
static const struct xml_node *
form_of(const struct xml_node *el)
{
	const struct xml_node *x = el ? xml_child(el, NS_DATA, "x") : NULL;
	const char *t = x ? xml_attr(x, "type") : NULL;

	return t != NULL && strcmp(t, "submit") == 0 ? x : NULL;
}

static void
do_publish(struct iq_req *req, struct svc *v, const struct xml_node *ps,
    const struct xml_node *pub)
{
	const char *name = xml_attr(pub, "node"), *id;
	const struct xml_node *opts =
	    form_of(xml_child(ps, NS_PUBSUB, "publish-options"));
	struct xml_node *item, *copy, *res, *p, *ri;
	struct node *n;
	struct cfg want;
	struct buf b = BUF_INIT;
	char gen[17];
	size_t i;
	struct item *it;

	if (!valid_name(name, NODE_NAME_MAX)) {
		pep_error(
		    req, "modify", "bad-request", "nodeid-required", NULL);
		return;
	}
	item = xml_child(pub, NS_PUBSUB, "item");
	if (item == NULL || xml_next(item, NS_PUBSUB, "item") != NULL ||
	    xml_child(item, NULL, NULL) == NULL) {
		pep_error(req, "modify", "bad-request",
		    item ? "invalid-payload" : "item-required", NULL);
		return;
	}
	if ((id = xml_attr(item, "id")) == NULL || *id == '\0') {
		util_random_id(gen, 16);
		id = gen;
	}
	if (!valid_name(id, ITEM_ID_MAX)) {
		pep_error(req, "modify", "bad-request", NULL, NULL);
		return;
	}
	n = hash_get(v->nodes, name);
	cfg_default(&want);
	if (owner_only_node(name))
		want.access = A_WHITELIST;
	if (n != NULL && cfg_copy(&want, &n->cfg) == -1) {
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return;
	}
	if (opts != NULL &&
	    (cfg_form(req->a, &want, opts) == -1 || !cfg_fits(name, &want))) {
		cfg_clear(&want);
		pep_error(
		    req, "cancel", "conflict", "precondition-not-met", NULL);
		return;
	}
	/* §7.1.5: options that differ from an existing node's are a failed
	 * precondition, not a reconfiguration. */
	if (n != NULL && !cfg_eq(&want, &n->cfg)) {
		cfg_clear(&want);
		pep_error(
		    req, "cancel", "conflict", "precondition-not-met", NULL);
		return;
	}
	/* The item as stored: <item id/> with the payload, in the pubsub
	 * namespace, measured before anything is kept. */
	if ((copy = xml_copy(req->a, item)) == NULL ||
	    xml_set_attr(req->a, copy, "id", id) == -1 ||
	    xml_serialize(copy, XML_NS_CLIENT, &b) == -1) {
		cfg_clear(&want);
		buf_free(&b);
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return;
	}
	if (buf_size(&b) > server.conf->limits.pep_item_bytes) {
		cfg_clear(&want);
		buf_free(&b);
		pep_error(
		    req, "modify", "not-acceptable", "payload-too-big", NULL);
		return;
	}
	if (n == NULL && (n = create_node(req, v, name, &want)) == NULL) {
		cfg_clear(&want);
		buf_free(&b);
		return;
	}
	cfg_clear(&want);
	for (i = 0; i < n->nitems; i++) {
		if (strcmp(n->items[i].id, id) == 0) {
			item_drop(n, i);
			break;
		}
	}
	if (item_add(n, id, buf_ptr(&b), buf_size(&b), v->seq++) == -1) {
		buf_free(&b);
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return;
	}
	buf_free(&b);
	it = &n->items[n->nitems - 1];
	item_place(v, req->a, n, it);
	trim(v, req->a, n);
	res = xml_new(req->a, NS_PUBSUB, "pubsub");
	p = xml_add(req->a, res, NS_PUBSUB, "publish");
	xml_set_attr(req->a, p, "node", name);
	ri = xml_add(req->a, p, NS_PUBSUB, "item");
	xml_set_attr(req->a, ri, "id", id);
	iq_reply(req, res);
	notify_items(v, n, req->a);
	changed(v, req->a, name);
}

static void
do_retract(struct iq_req *req, struct svc *v, const struct xml_node *el)
{
	const char *id, *nt = xml_attr(el, "notify");
	const struct xml_node *item = xml_child(el, NS_PUBSUB, "item");
	struct xml_node *m, *ev, *its, *r;
	struct node *n;
	size_t i;

	if ((n = find_node(req, v, xml_attr(el, "node"))) == NULL)
		return;
	if (item == NULL || (id = xml_attr(item, "id")) == NULL) {
		pep_error(req, "modify", "bad-request", "item-required", NULL);
		return;
	}
	for (i = 0; i < n->nitems; i++)
		if (strcmp(n->items[i].id, id) == 0)
			break;
	if (i == n->nitems) {
		pep_error(req, "cancel", "item-not-found", NULL, NULL);
		return;
	}
	item_unstore(v, req->a, n, &n->items[i]);
	item_drop(n, i);
	iq_reply(req, NULL);
	if (nt != NULL ? (strcmp(nt, "1") == 0 || strcmp(nt, "true") == 0)
	               : n->cfg.notify_retract) {
		if ((m = event_msg(req->a, v, &ev)) != NULL &&
		    (its = xml_add(req->a, ev, NS_EVENT, "items")) != NULL &&
		    xml_set_attr(req->a, its, "node", n->name) == 0 &&
		    (r = xml_add(req->a, its, NS_EVENT, "retract")) != NULL &&
		    xml_set_attr(req->a, r, "id", id) == 0)
			notify(v, n, m, req->a);
	}
	changed(v, req->a, n->name);
}

static void
do_items(struct iq_req *req, struct svc *v, const struct xml_node *el,
    const char *who)
{
	const char *mx = xml_attr(el, "max_items");
	const struct xml_node *want;
	struct xml_node *res, *its;
	struct node *n;
	unsigned long max = 0;
	size_t i, from = 0;
	char *end;

	if ((n = find_node(req, v, xml_attr(el, "node"))) == NULL)
		return;
	if (!allowed(v, n, who)) {
		deny(req, n);
		return;
	}
	if (mx != NULL) {
		max = strtoul(mx, &end, 10);
		if (*mx == '\0' || *end != '\0') {
			pep_error(req, "modify", "bad-request", NULL, NULL);
			return;
		}
		if (max < n->nitems)
			from = n->nitems - max;
	}
	res = xml_new(req->a, NS_PUBSUB, "pubsub");
	if ((want = xml_child(el, NS_PUBSUB, "item")) == NULL) {
		if (items_el(req->a, res, NS_PUBSUB, n, from) == NULL) {
			pep_error(
			    req, "wait", "internal-server-error", NULL, NULL);
			return;
		}
		iq_reply(req, res);
		return;
	}
	/* By id: those that exist, in the node's order. */
	if ((its = items_el(req->a, res, NS_PUBSUB, n, n->nitems)) == NULL)
		return;
	for (i = 0; i < n->nitems; i++) {
		const struct xml_node *w;
		struct xml_node *it;
		struct xml_limits lim;

		for (w = want; w; w = xml_next(w, NS_PUBSUB, "item"))
			if (xml_attr(w, "id") &&
			    strcmp(xml_attr(w, "id"), n->items[i].id) == 0)
				break;
		if (w == NULL)
			continue;
		memset(&lim, 0, sizeof(lim));
		if ((it = xml_parse_element(req->a, n->items[i].xml,
		         n->items[i].len, &lim)) != NULL)
			xml_append(its, it);
	}
	iq_reply(req, res);
}

/* 1 if the owner is away with sealing on: its roster and sealed stores
 * cannot be read or written (its data may be in clear still, if it has
 * not logged in since sealing was turned on, but that is the store's). */
static int
owner_away(const struct svc *v)
{
	return server.conf->sealing && session_account(v->bare) == NULL;
}

/* 1 if subscriber changes cannot be made to the list now, so they wait
 * in the inbox: not read, or changes wait already (order), or the owner
 * is away (see the top). */
static int
subs_closed(const struct svc *v)
{
	return v->subs_locked || v->inbox_due || owner_away(v);
}

static void
sub_reply(
    struct iq_req *req, const char *node, const char *jid, const char *state)
{
	struct xml_node *res, *x;

	res = xml_new(req->a, NS_PUBSUB, "pubsub");
	x = xml_add(req->a, res, NS_PUBSUB, "subscription");
	xml_set_attr(req->a, x, "node", node);
	xml_set_attr(req->a, x, "jid", jid);
	xml_set_attr(req->a, x, "subscription", state);
	iq_reply(req, res);
}

/* A change waiting in the inbox, answered when it is written. */
struct later {
	struct iq_req *req;
	const char *node, *jid; /* in req->a */
	int sub;
};

static void
later_done(void *arg, const struct store_res *r)
{
	struct later *l = arg;

	if (r->status == STORE_OK)
		sub_reply(l->req, l->node, l->jid, l->sub ? "pending" : "none");
	else if (r->status == STORE_LIMIT)
		pep_error(l->req, "wait", "resource-constraint", NULL, NULL);
	else
		pep_error(l->req, "wait", "internal-server-error", NULL, NULL);
	iq_req_free(l->req);
}

/*
 * The list cannot be changed now: the change goes to the inbox. A node
 * nobody but the owner may see is refused as always; whether the roster
 * allows the rest is known only if it can be read, else decided when the
 * change is applied. 1 if req is kept (answered by later_done()).
 */
static int
subscribe_later(struct iq_req *req, struct svc *v, const struct node *n,
    const char *jid, const char *who, int sub)
{
	struct later *l;
	char *val;

	if (sub && !allowed(v, n, who) && (node_private(n) || !owner_away(v))) {
		deny(req, n);
		return 0;
	}
	if ((l = arena_zalloc(req->a, sizeof(*l))) == NULL ||
	    (l->node = arena_strdup(req->a, n->name)) == NULL ||
	    (l->jid = arena_strdup(req->a, jid)) == NULL ||
	    (val = arena_printf(req->a, "%c\n%s\n%s", sub ? 's' : 'u', n->name,
	         jid)) == NULL) {
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return 0;
	}
	l->req = req;
	l->sub = sub;
	if (store_archive_append_max(server.store, STORE_INBOX, v->host,
	        v->user, NULL, 0, NULL, val, strlen(val),
	        server.conf->limits.pep_nodes, later_done, l) == NULL) {
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return 0;
	}
	/* Whatever comes next goes after it. */
	v->inbox_due = 1;
	return 1;
}

/* 1 if req is kept for an asynchronous answer. */
static int
do_subscribe(struct iq_req *req, struct svc *v, const struct xml_node *el,
    const char *who, int sub)
{
	const char *jid = xml_attr(el, "jid");
	struct session *s = session_find_str(req->from_full);
	struct node *n;
	size_t i;

	if ((n = find_node(req, v, xml_attr(el, "node"))) == NULL)
		return 0;
	/* §6.1.3.1: the JID must be the sender's, bare or full. */
	if (jid == NULL ||
	    (strcmp(jid, who) != 0 && strcmp(jid, req->from_full) != 0)) {
		pep_error(req, "modify", "bad-request", "invalid-jid", NULL);
		return 0;
	}
	if (subs_closed(v))
		return subscribe_later(req, v, n, jid, who, sub);
	if (sub && !allowed(v, n, who)) {
		deny(req, n);
		return 0;
	}
	if (sub && !sub_find(n, jid, &i)) {
		if (sub_add(n, jid) == -1) {
			pep_error(req, "wait",
			    n->nsubs == SUBS_MAX ? "resource-constraint"
			                         : "internal-server-error",
			    NULL, NULL);
			return 0;
		}
		subs_store(v, n);
	} else if (!sub) {
		if (!sub_find(n, jid, &i)) {
			pep_error(req, "cancel", "unexpected-request",
			    "not-subscribed", NULL);
			return 0;
		}
		free(n->subs[i]);
		n->subs[i] = n->subs[--n->nsubs];
		subs_store(v, n);
	}
	sub_reply(req, n->name, jid, sub ? "subscribed" : "none");
	if (sub && s != NULL && n->cfg.send_last != SL_NEVER)
		send_last(v, n, s, req->a);
	return 0;
}

/*
 * The sender's own subscriptions on this service (XEP-0060 §5.6), of one
 * node or all. While the list cannot be read (the owner is away) there
 * is no true answer to give but that one is away.
 */
static void
do_subscriptions(struct iq_req *req, struct svc *v, const struct xml_node *el,
    const char *who)
{
	const char *only = xml_attr(el, "node");
	struct xml_node *res, *subs, *x;
	struct node *n;
	size_t i, len = strlen(who), cur = 0;

	if (subs_closed(v)) {
		pep_error(req, "wait", "recipient-unavailable", NULL, NULL);
		return;
	}
	if ((res = xml_new(req->a, NS_PUBSUB, "pubsub")) == NULL ||
	    (subs = xml_add(req->a, res, NS_PUBSUB, "subscriptions")) == NULL ||
	    (only != NULL && xml_set_attr(req->a, subs, "node", only) == -1)) {
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return;
	}
	while ((n = hash_next(v->nodes, &cur, NULL)) != NULL) {
		if (only != NULL && strcmp(only, n->name) != 0)
			continue;
		for (i = 0; i < n->nsubs; i++) {
			if (strncmp(n->subs[i], who, len) != 0 ||
			    (n->subs[i][len] != '\0' && n->subs[i][len] != '/'))
				continue;
			if ((x = xml_add(req->a, subs, NS_PUBSUB,
			         "subscription")) == NULL)
				continue;
			xml_set_attr(req->a, x, "node", n->name);
			xml_set_attr(req->a, x, "jid", n->subs[i]);
			xml_set_attr(req->a, x, "subscription", "subscribed");
		}
	}
	iq_reply(req, res);
}

static struct xml_node *
field(struct arena *a, struct xml_node *x, const char *var, const char *type,
    const char *val)
{
	struct xml_node *f = xml_add(a, x, NS_DATA, "field");

	xml_set_attr(a, f, "var", var);
	xml_set_attr(a, f, "type", type);
	if (val != NULL)
		xml_add_text(
		    a, xml_add(a, f, NS_DATA, "value"), val, strlen(val));
	return f;
}

/* The configuration form of n (XEP-0060 §8.2). */
static void
config_form(struct arena *a, struct xml_node *parent, const struct node *n)
{
	const struct cfg *c = &n->cfg;
	struct xml_node *x, *f;
	char num[16];
	size_t i;

	x = xml_add(a, parent, NS_DATA, "x");
	xml_set_attr(a, x, "type", "form");
	f = field(a, x, "FORM_TYPE", "hidden", FT_CONFIG);
	f = field(a, x, "pubsub#access_model", "list-single",
	    access_names[c->access]);
	for (i = 0; i < 4; i++) {
		struct xml_node *o = xml_add(a, f, NS_DATA, "option");
		xml_add_text(a, xml_add(a, o, NS_DATA, "value"),
		    access_names[i], strlen(access_names[i]));
	}
	if (c->max_items == 0)
		snprintf(num, sizeof(num), "max");
	else
		snprintf(num, sizeof(num), "%u", c->max_items);
	f = field(a, x, "pubsub#max_items", "text-single", num);
	f = field(
	    a, x, "pubsub#persist_items", "boolean", c->persist ? "1" : "0");
	f = field(a, x, "pubsub#send_last_published_item", "list-single",
	    sendlast_names[c->send_last]);
	f = field(a, x, "pubsub#notify_retract", "boolean",
	    c->notify_retract ? "1" : "0");
	f = field(a, x, "pubsub#notify_delete", "boolean",
	    c->notify_delete ? "1" : "0");
	f = field(a, x, "pubsub#roster_groups_allowed", "list-multi", NULL);
	for (i = 0; i < c->ngroups; i++)
		xml_add_text(a, xml_add(a, f, NS_DATA, "value"), c->groups[i],
		    strlen(c->groups[i]));
}

static void
do_owner(struct iq_req *req, struct svc *v, const struct xml_node *el)
{
	struct xml_node *res, *c, *m, *ev, *d;
	const struct xml_node *x;
	struct node *n;
	struct cfg cfg;
	size_t i;
	char *name;

	if ((n = find_node(req, v, xml_attr(el, "node"))) == NULL)
		return;
	name = n->name;
	if (strcmp(el->name, "configure") == 0 && !req->set) {
		res = xml_new(req->a, NS_OWNER, "pubsub");
		c = xml_add(req->a, res, NS_OWNER, "configure");
		xml_set_attr(req->a, c, "node", n->name);
		config_form(req->a, c, n);
		iq_reply(req, res);
	} else if (strcmp(el->name, "configure") == 0) {
		if ((x = xml_child(el, NS_DATA, "x")) == NULL ||
		    xml_attr(x, "type") == NULL) {
			pep_error(req, "modify", "bad-request", NULL, NULL);
			return;
		}
		if (strcmp(xml_attr(x, "type"), "cancel") == 0) {
			iq_reply(req, NULL);
			return;
		}
		if (cfg_copy(&cfg, &n->cfg) == -1) {
			pep_error(
			    req, "wait", "internal-server-error", NULL, NULL);
			return;
		}
		if (cfg_form(req->a, &cfg, x) == -1 ||
		    !cfg_fits(n->name, &cfg)) {
			cfg_clear(&cfg);
			pep_error(req, "modify", "not-acceptable", NULL, NULL);
			return;
		}
		cfg_clear(&n->cfg);
		n->cfg = cfg;
		/* Items kept only in memory from now on leave the store;
		 * items persisted from now on enter it; items of a node
		 * that became (or stopped being) owner-only move between
		 * the clear and the sealed store. */
		for (i = 0; i < n->nitems; i++)
			if (n->items[i].in != item_where(n))
				item_place(v, req->a, n, &n->items[i]);
		trim(v, req->a, n);
		node_store(v, n);
		iq_reply(req, NULL);
	} else if (strcmp(el->name, "delete") == 0 && req->set) {
		iq_reply(req, NULL);
		if (n->cfg.notify_delete && (m = event_msg(req->a, v, &ev)) &&
		    (d = xml_add(req->a, ev, NS_EVENT, "delete")) &&
		    xml_set_attr(req->a, d, "node", n->name) == 0)
			notify(v, n, m, req->a);
		name = arena_strdup(req->a, n->name);
		node_erase(v, req->a, n);
		if (name != NULL)
			changed(v, req->a, name);
	} else if (strcmp(el->name, "purge") == 0 && req->set) {
		while (n->nitems > 0) {
			item_unstore(v, req->a, n, &n->items[0]);
			item_drop(n, 0);
		}
		iq_reply(req, NULL);
		if ((m = event_msg(req->a, v, &ev)) &&
		    (d = xml_add(req->a, ev, NS_EVENT, "purge")) &&
		    xml_set_attr(req->a, d, "node", n->name) == 0)
			notify(v, n, m, req->a);
		changed(v, req->a, name);
	} else {
		pep_error(req, "cancel", "feature-not-implemented",
		    "unsupported", NULL);
	}
}

static void
do_create(struct iq_req *req, struct svc *v, const struct xml_node *ps,
    const struct xml_node *el)
{
	const char *name = xml_attr(el, "node");
	const struct xml_node *x =
	    form_of(xml_child(ps, NS_PUBSUB, "configure"));
	struct cfg cfg;

	if (!valid_name(name, NODE_NAME_MAX)) {
		/* PEP nodes are named by their namespace: no instant nodes. */
		pep_error(
		    req, "modify", "not-acceptable", "nodeid-required", NULL);
		return;
	}
	if (hash_get(v->nodes, name) != NULL) {
		pep_error(req, "cancel", "conflict", NULL, NULL);
		return;
	}
	cfg_default(&cfg);
	if (owner_only_node(name))
		cfg.access = A_WHITELIST;
	if (x != NULL &&
	    (cfg_form(req->a, &cfg, x) == -1 || !cfg_fits(name, &cfg))) {
		cfg_clear(&cfg);
		pep_error(req, "modify", "not-acceptable", NULL, NULL);
		return;
	}
	if (create_node(req, v, name, &cfg) != NULL)
		iq_reply(req, NULL);
	cfg_clear(&cfg);
}

/* One request, with the owner's roster loaded; 1 if req is kept for an
 * asynchronous answer. */
static int
handle(struct iq_req *req, struct svc *v)
{
	const struct xml_node *ps = req->payload, *el;
	struct session *s = session_find_str(req->from_full);
	const char *who;
	int owner;

	if (s == NULL)
		return 0;
	who = s->acct->bare;
	owner = strcmp(who, v->bare) == 0;
	/* The owner's own nodes are not all read: nothing it asks can be
	 * answered from the rest (others cannot see what is missing). */
	if (v->state != S_READY ||
	    (owner && (v->priv_locked || v->subs_locked))) {
		pep_error(req, "wait", "internal-server-error", NULL, NULL);
		return 0;
	}
	if (xml_is(ps, NS_OWNER, "pubsub")) {
		if (!owner) {
			pep_error(req, "auth", "forbidden", NULL, NULL);
			return 0;
		}
		if ((el = xml_child(ps, NS_OWNER, NULL)) == NULL) {
			pep_error(req, "modify", "bad-request", NULL, NULL);
			return 0;
		}
		do_owner(req, v, el);
		return 0;
	}
	/* The first child that is an action; publish-options and configure
	 * go with publish and create. */
	for (el = xml_child(ps, NS_PUBSUB, NULL); el != NULL;
	     el = xml_next(el, NS_PUBSUB, NULL))
		if (strcmp(el->name, "publish-options") != 0 &&
		    strcmp(el->name, "configure") != 0)
			break;
	if (el == NULL) {
		pep_error(req, "modify", "bad-request", NULL, NULL);
		return 0;
	}
	if (req->set &&
	    (strcmp(el->name, "publish") == 0 ||
	        strcmp(el->name, "retract") == 0 ||
	        strcmp(el->name, "create") == 0) &&
	    !owner) {
		pep_error(req, "auth", "forbidden", NULL, NULL);
		return 0;
	}
	if (req->set && strcmp(el->name, "publish") == 0)
		do_publish(req, v, ps, el);
	else if (req->set && strcmp(el->name, "retract") == 0)
		do_retract(req, v, el);
	else if (req->set && strcmp(el->name, "create") == 0)
		do_create(req, v, ps, el);
	else if (!req->set && strcmp(el->name, "items") == 0)
		do_items(req, v, el, who);
	else if (req->set && strcmp(el->name, "subscribe") == 0)
		return do_subscribe(req, v, el, who, 1);
	else if (req->set && strcmp(el->name, "unsubscribe") == 0)
		return do_subscribe(req, v, el, who, 0);
	else if (!req->set && strcmp(el->name, "subscriptions") == 0)
		do_subscriptions(req, v, el, who);
	else
		pep_error(req, "cancel", "feature-not-implemented",
		    "unsupported", NULL);
	return 0;
}

/* Last items of v's nodes to session `target` (OP_LAST). */
static void
last_items(struct svc *v, const char *target)
{
	struct session *s = session_find_str(target);
	struct arena *a;
	struct node *n;
	size_t cur = 0;
	char *notify;

	if (s == NULL || !s->available || v->state != S_READY ||
	    (a = arena_new(2048)) == NULL)
		return;
	while ((n = hash_next(v->nodes, &cur, NULL)) != NULL) {
		if (n->nitems == 0 ||
		    n->cfg.send_last != SL_ON_SUB_AND_PRESENCE ||
		    !allowed(v, n, s->acct->bare) ||
		    (notify = arena_printf(a, "%s+notify", n->name)) == NULL ||
		    !caps_has(s, notify))
			continue;
		send_last(v, n, s, a);
	}
	arena_free(a);
}

/* 1 if a sealed part of v was not read, or changes wait unread. */
static int
reload_wanted(const struct svc *v)
{
	return v->priv_locked || v->subs_locked ||
	    (v->inbox_due && v->ninbox == 0);
}

/* An OP_RELOAD: the sealed parts that were not read; the operations
 * behind wait for them (S_LOADING). */
static void
reload(struct svc *v)
{
	if (v->state != S_READY || !reload_wanted(v))
		return;
	(void)svc_read(v, 0);
}

/* The outcome of a subscription that was answered "pending" (XEP-0060
 * §6.1.4 and §8.8.4: a subscription state notification), with the last
 * item if it is now subscribed, to the subscriber's sessions. */
static void
tell(struct svc *v, struct node *n, const char *node, const char *jid, int ok,
    struct arena *a)
{
	struct xml_node *m, *ev, *x;
	struct session *s, *one = NULL;
	struct account *acct;
	char *bare, *slash;

	if ((bare = arena_strdup(a, jid)) == NULL)
		return;
	if ((slash = strchr(bare, '/')) != NULL) {
		*slash = '\0';
		if ((one = session_find_str(jid)) == NULL)
			return;
	}
	if ((acct = session_account(bare)) == NULL)
		return;
	for (s = acct->sessions; s != NULL; s = s->next) {
		if ((one != NULL && s != one) || !s->available)
			continue;
		if ((m = event_msg(a, v, &ev)) == NULL ||
		    (x = xml_add(a, ev, NS_EVENT, "subscription")) == NULL ||
		    xml_set_attr(a, x, "node", node) == -1 ||
		    xml_set_attr(a, x, "jid", jid) == -1 ||
		    xml_set_attr(
		        a, x, "subscription", ok ? "subscribed" : "none") == -1)
			return;
		deliver(s, m, a);
		if (ok && n->cfg.send_last != SL_NEVER)
			send_last(v, n, s, a);
	}
}

/*
 * An OP_APPLY: the changes read from the inbox, in order, with the
 * owner's roster loaded (the access model is checked now), then deleted
 * from it (after the lists are written: a failure in between applies
 * them twice, which changes nothing). If the owner went away meanwhile
 * they are left for its next login.
 */
static void
apply(struct svc *v)
{
	struct pending *p;
	struct arena *a;
	struct node *n;
	char *bare, *slash;
	size_t i, j;
	int ok;

	if (v->state != S_READY || v->subs_locked || owner_away(v) ||
	    (a = arena_new(4096)) == NULL) {
		pending_free(v);
		return;
	}
	for (i = 0; i < v->ninbox; i++) {
		p = &v->inbox[i];
		if (p->sub == -1)
			continue;
		n = hash_get(v->nodes, p->node);
		if (!p->sub) {
			if (n != NULL && sub_find(n, p->jid, &j)) {
				free(n->subs[j]);
				n->subs[j] = n->subs[--n->nsubs];
				subs_store(v, n);
			}
			continue;
		}
		if ((bare = arena_strdup(a, p->jid)) == NULL)
			break;
		if ((slash = strchr(bare, '/')) != NULL)
			*slash = '\0';
		ok = n != NULL && allowed(v, n, bare);
		if (ok && !sub_find(n, p->jid, &j)) {
			if (sub_add(n, p->jid) == 0)
				subs_store(v, n);
			else
				ok = 0;
		}
		tell(v, n, p->node, p->jid, ok, a);
	}
	for (i = 0; i < v->ninbox; i++)
		store_archive_delete(server.store, STORE_INBOX, v->host,
		    v->user, v->inbox[i].id, NULL, NULL);
	arena_free(a);
	pending_free(v);
	/* More than one read takes: the next reload reads on. */
	v->inbox_due = v->inbox_more;
}

/* An OP_CALL: the job with a context while the service is usable. */
static void
call(struct svc *v, struct op *op)
{
	struct pep_ctx c = {v, NULL};

	if (v->state == S_READY && !v->priv_locked && !v->subs_locked &&
	    (c.a = arena_new(4096)) != NULL) {
		op->fn(&c, op->arg);
		arena_free(c.a);
	} else {
		op->fn(NULL, op->arg);
	}
}

static void
op_free(struct op *op)
{
	if (op->kind == OP_IQ) {
		if (!op->kept)
			iq_req_free(op->req); /* op is in its arena */
		return;
	}
	free(op->target);
	free(op);
}

/* The head operation, inside its roster job. */
static void
op_run(void *arg)
{
	struct op *op = arg;
	struct svc *v = op->svc;

	if (op->kind == OP_IQ)
		op->kept = handle(op->req, v);
	else if (op->kind == OP_CALL)
		call(v, op);
	else if (op->kind == OP_RELOAD)
		reload(v);
	else if (op->kind == OP_APPLY)
		apply(v);
	else
		last_items(v, op->target);
	/* Unlinked before it is freed: an OP_IQ lives in its request. */
	v->head = op->next;
	if (v->head == NULL)
		v->tail = NULL;
	v->nops--;
	v->running = 0;
	op_free(op);
	svc_run(v);
}

/* The local account asking in op, when the owner is away: its roster
 * answers for the owner's sealed one (allowed()); else NULL. */
static const char *
asker(const struct svc *v, const struct op *op)
{
	static char bare[3 * 1024 + 2];
	struct jid j;

	if (op->kind != OP_IQ || op->req == NULL ||
	    op->req->from_full == NULL || !owner_away(v) ||
	    jid_parse(op->req->from_full, strlen(op->req->from_full), &j) == -1)
		return NULL;
	bare[0] = '\0';
	if (j.local != NULL && server_is_local(j.domain))
		snprintf(bare, sizeof(bare), "%s@%s", j.local, j.domain);
	jid_free(&j);
	return bare[0] != '\0' && strcmp(bare, v->bare) != 0 ? bare : NULL;
}

static void
svc_run(struct svc *v)
{
	struct op *op;

	while (v->state != S_LOADING && (op = v->head) != NULL && !v->running) {
		v->running = 1;
		if (roster_job(v->bare, asker(v, op), op_run, op) == 0)
			return;
		/* Out of memory: the operation goes without roster. */
		if (op->kind == OP_IQ)
			pep_error(op->req, "wait", "internal-server-error",
			    NULL, NULL);
		else if (op->kind == OP_CALL)
			op->fn(NULL, op->arg);
		else if (op->kind == OP_APPLY)
			pending_free(v); /* read again at the next reload */
		v->head = op->next;
		if (v->head == NULL)
			v->tail = NULL;
		v->nops--;
		v->running = 0;
		op_free(op);
	}
	if (v->head == NULL)
		svc_maybe_free(v);
}

static int
enqueue(struct svc *v, struct op *op)
{
	if (v->nops >= QUEUE_MAX)
		return -1;
	op->svc = v;
	if (v->tail != NULL)
		v->tail->next = op;
	else
		v->head = op;
	v->tail = op;
	v->nops++;
	svc_run(v);
	return 0;
}

/* Queues an OP_RELOAD (it does nothing if the items are read by then). */
static void
queue_reload(struct svc *v)
{
	struct op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return;
	op->kind = OP_RELOAD;
	if (enqueue(v, op) == -1)
		free(op);
}

/* Queues an OP_APPLY first: before everything waiting (after the one
 * running, if any), as it belongs to the read that just finished. */
static void
queue_apply(struct svc *v)
{
	struct op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		pending_free(v);
		return;
	}
	op->kind = OP_APPLY;
	op->svc = v;
	if (v->running && v->head != NULL) {
		op->next = v->head->next;
		v->head->next = op;
		if (v->tail == v->head)
			v->tail = op;
	} else {
		op->next = v->head;
		v->head = op;
		if (v->tail == NULL)
			v->tail = op;
	}
	v->nops++;
}

static enum iq_status
pep_iq(struct iq_req *req)
{
	struct svc *v;
	struct op *op;

	if (req->from == NULL || req->to.local == NULL)
		return IQ_UNHANDLED;
	if ((op = arena_zalloc(req->a, sizeof(*op))) == NULL ||
	    (v = svc_get(req->to.domain, req->to.local)) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	op->kind = OP_IQ;
	op->req = req;
	/* The owner's sealed parts were not read (a reload at its bind that
	 * failed): another try before its request. */
	if (reload_wanted(v) && strcmp(req->from->acct->bare, v->bare) == 0)
		queue_reload(v);
	if (enqueue(v, op) == -1) {
		iq_error(req, "wait", "resource-constraint", NULL);
		svc_maybe_free(v);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

/* --- last items when a session comes online or its caps are known --- */

static void
queue_last(const char *bare, const char *target)
{
	struct svc *v;
	struct op *op;
	struct jid j;
	struct arena *a = arena_new(256);

	if (a == NULL)
		return;
	if (jid_parse_arena(a, bare, strlen(bare), &j) == -1 ||
	    j.local == NULL || !server_is_local(j.domain) ||
	    (v = svc_get(j.domain, j.local)) == NULL) {
		arena_free(a);
		return;
	}
	arena_free(a);
	if ((op = calloc(1, sizeof(*op))) == NULL ||
	    (op->target = strdup(target)) == NULL) {
		free(op);
		svc_maybe_free(v);
		return;
	}
	op->kind = OP_LAST;
	if (enqueue(v, op) == -1) {
		free(op->target);
		free(op);
		svc_maybe_free(v);
	}
}

static void
last_of_contact(void *arg, const char *contact)
{
	queue_last(contact, ((struct session *)arg)->full);
}

static void
pep_available(struct session *s)
{
	queue_last(s->acct->bare, s->full);
	roster_each(s->acct, ROSTER_TO, last_of_contact, s);
}

/* The owner's first bind: its service, if one is in memory, may have been
 * read while it was locked; its sealed items are read again before any
 * of its requests (they all come after the bind). */
static void
pep_bound(struct session *s)
{
	struct svc *v = hash_get(svcs, s->acct->bare);

	if (v != NULL && (v->state == S_LOADING || reload_wanted(v)))
		queue_reload(v);
}

static void
pep_account_free(struct account *a)
{
	struct svc *v = hash_get(svcs, a->bare);

	/* The hook runs before the account is gone: free only when idle. */
	if (v != NULL && v->state != S_LOADING && v->head == NULL) {
		hash_del(svcs, v->bare);
		svc_free(v);
	}
}

/* --- the interface for modules that mirror nodes (pep.h) --- */

void
pep_owner_only(const char *node)
{
	if (nowner_only == OWNER_ONLY_MAX)
		fatal("pep: too many owner-only nodes");
	owner_only[nowner_only++] = node;
}

void
pep_on_change(const char *node, pep_change_fn fn)
{
	if (nhooks == HOOKS_MAX)
		fatal("pep: too many change hooks");
	hooks[nhooks].node = node;
	hooks[nhooks].fn = fn;
	nhooks++;
}

int
pep_job(const char *host, const char *user, pep_job_fn fn, void *arg)
{
	struct svc *v;
	struct op *op;

	if ((v = svc_get(host, user)) == NULL)
		return -1;
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		svc_maybe_free(v);
		return -1;
	}
	op->kind = OP_CALL;
	op->fn = fn;
	op->arg = arg;
	if (enqueue(v, op) == -1) {
		free(op);
		svc_maybe_free(v);
		return -1;
	}
	return 0;
}

const char *
pep_ctx_host(const struct pep_ctx *c)
{
	return c->v->host;
}

const char *
pep_ctx_user(const struct pep_ctx *c)
{
	return c->v->user;
}

struct arena *
pep_ctx_arena(const struct pep_ctx *c)
{
	return c->a;
}

struct xml_node *
pep_ctx_items(struct pep_ctx *c, const char *node)
{
	struct node *n = hash_get(c->v->nodes, node);
	struct xml_node *ps, *its;

	if ((ps = xml_new(c->a, NS_PUBSUB, "pubsub")) == NULL)
		return NULL;
	if (n != NULL)
		return items_el(c->a, ps, NS_PUBSUB, n, 0);
	if ((its = xml_add(c->a, ps, NS_PUBSUB, "items")) == NULL ||
	    xml_set_attr(c->a, its, "node", node) == -1)
		return NULL;
	return its;
}

int
pep_ctx_publish(struct pep_ctx *c, const char *node, const char *id,
    const struct xml_node *payload, const char *const *opts)
{
	struct svc *v = c->v;
	struct node *n = hash_get(v->nodes, node);
	struct xml_node *item, *copy;
	struct buf b = BUF_INIT;
	size_t i;

	if (!valid_name(node, NODE_NAME_MAX) || !valid_name(id, ITEM_ID_MAX))
		return -1;
	if ((item = xml_new(c->a, NS_PUBSUB, "item")) == NULL ||
	    xml_set_attr(c->a, item, "id", id) == -1 ||
	    (copy = xml_copy(c->a, payload)) == NULL)
		return -1;
	xml_append(item, copy);
	if (xml_serialize(item, XML_NS_CLIENT, &b) == -1 ||
	    buf_size(&b) > server.conf->limits.pep_item_bytes)
		goto fail;
	if (n == NULL) {
		if (hash_count(v->nodes) >= server.conf->limits.pep_nodes ||
		    (n = node_new(node)) == NULL)
			goto fail;
		for (i = 0;
		     opts != NULL && opts[i] != NULL && opts[i + 1] != NULL;
		     i += 2)
			(void)cfg_set(&n->cfg, opts[i], opts[i + 1]);
		if (owner_only_node(node))
			n->cfg.access = A_WHITELIST;
		if (hash_put(v->nodes, n->name, n) == -1) {
			node_free(n);
			goto fail;
		}
		node_store(v, n);
	}
	for (i = 0; i < n->nitems; i++) {
		if (strcmp(n->items[i].id, id) == 0) {
			item_drop(n, i);
			break;
		}
	}
	if (item_add(n, id, buf_ptr(&b), buf_size(&b), v->seq++) == -1)
		goto fail;
	buf_free(&b);
	item_place(v, c->a, n, &n->items[n->nitems - 1]);
	trim(v, c->a, n);
	notify_items(v, n, c->a);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

int
pep_ctx_retract(struct pep_ctx *c, const char *node, const char *id)
{
	struct svc *v = c->v;
	struct node *n = hash_get(v->nodes, node);
	struct xml_node *m, *ev, *its, *r;
	size_t i;

	if (n == NULL)
		return -1;
	for (i = 0; i < n->nitems; i++)
		if (strcmp(n->items[i].id, id) == 0)
			break;
	if (i == n->nitems)
		return -1;
	item_unstore(v, c->a, n, &n->items[i]);
	item_drop(n, i);
	if (n->cfg.notify_retract && (m = event_msg(c->a, v, &ev)) != NULL &&
	    (its = xml_add(c->a, ev, NS_EVENT, "items")) != NULL &&
	    xml_set_attr(c->a, its, "node", n->name) == 0 &&
	    (r = xml_add(c->a, its, NS_EVENT, "retract")) != NULL &&
	    xml_set_attr(c->a, r, "id", id) == 0)
		notify(v, n, m, c->a);
	return 0;
}

void
pep_module_init(void)
{
	static const char *const features[] = {
	    NS_PUBSUB "#publish",
	    NS_PUBSUB "#publish-options",
	    NS_PUBSUB "#auto-create",
	    NS_PUBSUB "#create-nodes",
	    NS_PUBSUB "#access-open",
	    NS_PUBSUB "#access-presence",
	    NS_PUBSUB "#access-roster",
	    NS_PUBSUB "#access-whitelist",
	    NS_PUBSUB "#persistent-items",
	    NS_PUBSUB "#retrieve-items",
	    NS_PUBSUB "#delete-items",
	    NS_PUBSUB "#retract-items",
	    NS_PUBSUB "#delete-nodes",
	    NS_PUBSUB "#purge-nodes",
	    NS_PUBSUB "#config-node",
	    NS_PUBSUB "#subscribe",
	    NS_PUBSUB "#retrieve-subscriptions",
	    NS_PUBSUB "#last-published",
	    NS_PUBSUB "#filtered-notifications",
	    NS_PUBSUB "#item-ids",
	    NS_PUBSUB "#multi-items",
	};
	size_t i;

	if ((svcs = hash_new()) == NULL)
		fatal("pep: out of memory");
	store_register(&nodes_store);
	store_register(&items_store);
	store_register(&private_store);
	store_register(&subs_store_def);
	store_register(&inbox_store_def);
	iq_register(NS_PUBSUB, "pubsub", IQ_ACCOUNT, pep_iq);
	iq_register(NS_OWNER, "pubsub", IQ_ACCOUNT, pep_iq);
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		disco_add_feature(features[i], IQ_ACCOUNT);
	disco_add_identity("pubsub", "pep", IQ_ACCOUNT);
	presence_on_initial(pep_available);
	caps_on_known(pep_available);
	session_on_account_free(pep_account_free);
	session_on_bind(pep_bound);
}
