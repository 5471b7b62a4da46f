/*
 * roster: contact lists (RFC 6121 §2) and the presence subscription state
 * machine (§3), with both ends of every subscription on this server.
 *
 * A roster is in memory (struct roster, found by bare JID) while something
 * needs it: its account is online (the account's slot holds a reference)
 * or a job waits on it (a subscription to or from an offline account). It
 * is read from the store with one map_list and written through: one map
 * key per contact JID, and the empty key (never a JID) for the version.
 *
 * Every change goes through a job (roster_job): a job names one or two
 * rosters and runs once both are loaded and it is first in the queue of
 * each. Jobs are appended to their queues in the order they are made, so
 * the queues never disagree (no deadlock) and a subscription changes the
 * user's and the contact's entries in one step: the two ends never
 * disagree either.
 *
 * An entry is a roster item (F_ITEM), or only a subscription request
 * waiting for an answer (F_IN alone), which is not an item (§3.1.3) and
 * is shown to the account at each initial presence until answered. Only
 * the request's existence is kept: its status text is not stored
 * (PRIVACY.md: status text is never written).
 *
 * Sealed rosters (PRIVACY.md, "Sealed records"). With [server] sealing
 * on, the roster of an account with no session cannot be read: such a
 * roster is R_LOCKED, with no items in memory. A change another account
 * makes to it (a subscription stanza, a contact's roster removal, a
 * contact's erasure) is not applied but appended to the account's
 * rosterinbox as the stanza the contact's server would receive; the
 * sender's side changes at once as usual. At the next login the roster is
 * read, the inbox is applied in order through the same functions as a
 * live stanza (its effects on other rosters run as jobs of their own),
 * and only then is the roster R_READY, so nothing is served before it.
 * Whatever a locked roster would have to answer (an auto-reply to a
 * subscription it already approved) waits for that too; nothing is told
 * to anyone about a locked account. The store's STORE_LOCKED on a read
 * means the same, whatever the configuration says.
 *
 * Erased contacts: with sealed rosters the store cannot find the entries
 * of other accounts that name an erased account (their keys are keyed
 * hashes), and a locked account's contacts cannot be known. So, with
 * sealing on, each login checks the local contacts of the roster it
 * loads against the tombstones of erased accounts, and removes those
 * entries with a roster push.
 *
 * Invariant: an entry without F_ITEM has exactly F_IN.
 */
#include "xmpp/roster.h"

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
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/presence.h"
#include "xmpp/rosterinbox.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_ROSTER "jabber:iq:roster"
#define STORE_NAME "roster"
#define VER_KEY "" /* the roster version's map key: no JID is empty */

/* Server-chosen limits of RFC 6121 §2.3.3 (bytes). */
#define NAME_MAX_BYTES 1023
#define GROUP_MAX_BYTES 1023
#define GROUPS_MAX 64

enum {
	F_TO = 1, /* = ROSTER_TO */
	F_FROM = 2, /* = ROSTER_FROM */
	F_ASK = 4, /* pending out: we asked the contact */
	F_IN = 8, /* pending in: the contact asked us */
	F_APPROVED = 16, /* pre-approved (§3.4) */
	F_ITEM = 32, /* on the roster */
};
#define F_SUB (F_TO | F_FROM)
#define F_ALL 63
/* What a roster item shows (a change is a new version and a push). */
#define F_SHOWN (F_ITEM | F_SUB | F_ASK | F_APPROVED)

struct ritem {
	char *jid; /* owned: normalized contact JID, the hash key */
	char *name; /* owned, or NULL */
	char **groups; /* owned array of owned strings */
	size_t ngroups;
	unsigned flags;
};

/* R_LOCKED: the account exists but its roster cannot be read now (no
 * session, sealing on); changes for it go to its inbox. */
enum rstate { R_LOADING = 0, R_READY, R_FAILED, R_LOCKED };

struct roster;

struct roster_job {
	roster_job_fn fn;
	void *arg;
	struct roster *r[2]; /* a reference on each */
	struct roster_job *next[2]; /* next in r[i]'s queue */
	int n;
};

struct roster {
	char *bare; /* owned: the hash key */
	char *user, *host; /* owned: the store owner */
	struct hash *items; /* contact JID → struct ritem, owned */
	size_t nitems; /* entries with F_ITEM */
	size_t npending; /* entries without */
	char epoch[9]; /* random: a version never repeats after a reset */
	uint64_t vn;
	char ver[32];
	enum rstate state;
	unsigned exists : 1; /* the account exists (else nothing is kept) */
	unsigned scheduled : 1; /* on run_list */
	unsigned refs;
	struct roster_job *head, *tail;
	struct roster *run_next;
};

static const struct store_def roster_store = {
    .name = STORE_NAME,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "contacts: their addresses, names, groups and subscription "
            "states, and subscription requests waiting for an answer; "
            "sealed, so only the account's login opens it",
    .sealed = 1,
};

static struct hash *rosters;
static struct roster *run_list;
static int running;
static int slot = -1; /* account: struct roster *; session: interested */

/* --- entries --- */

static void
item_free(struct ritem *it)
{
	size_t i;

	if (it == NULL)
		return;
	for (i = 0; i < it->ngroups; i++)
		free(it->groups[i]);
	free(it->groups);
	free(it->name);
	free(it->jid);
	free(it);
}

static struct ritem *
item_new(const char *jid, unsigned flags)
{
	struct ritem *it = calloc(1, sizeof(*it));

	if (it == NULL || (it->jid = strdup(jid)) == NULL) {
		free(it);
		return NULL;
	}
	it->flags = flags;
	return it;
}

/* Replaces name and groups with copies; -1 (OOM) leaves them as they
 * were. */
static int
item_set_meta(struct ritem *it, const char *name, size_t name_len,
    const char **groups, const size_t *glen, size_t ngroups)
{
	char *nm = NULL, **gs = NULL;
	size_t i;

	if (name != NULL && name_len > 0 &&
	    (nm = strndup(name, name_len)) == NULL)
		return -1;
	if (ngroups > 0 && (gs = calloc(ngroups, sizeof(*gs))) == NULL)
		goto fail;
	for (i = 0; i < ngroups; i++)
		if ((gs[i] = strndup(groups[i], glen[i])) == NULL)
			goto fail;
	for (i = 0; i < it->ngroups; i++)
		free(it->groups[i]);
	free(it->groups);
	free(it->name);
	it->name = nm;
	it->groups = gs;
	it->ngroups = ngroups;
	return 0;
fail:
	for (i = 0; gs != NULL && i < ngroups; i++)
		free(gs[i]);
	free(gs);
	free(nm);
	return -1;
}

/*
 * Stored form: '1', the flags as two hex digits, then "LEN:BYTES" for the
 * name (LEN 0: none) and one such field per group.
 */
static int
item_encode(const struct ritem *it, struct buf *b)
{
	size_t i, n;

	if (buf_appendf(b, "1%02x", it->flags & F_ALL) < 0)
		return -1;
	n = it->name ? strlen(it->name) : 0;
	if (buf_appendf(b, "%zu:", n) < 0 ||
	    (n > 0 && buf_append(b, it->name, n) < 0))
		return -1;
	for (i = 0; i < it->ngroups; i++) {
		n = strlen(it->groups[i]);
		if (buf_appendf(b, "%zu:", n) < 0 ||
		    buf_append(b, it->groups[i], n) < 0)
			return -1;
	}
	return 0;
}

/* One "LEN:BYTES" field at *p (within end); NULL if malformed. */
static const char *
field(const char *p, const char *end, size_t *len)
{
	size_t n = 0;

	if (p == end || *p < '0' || *p > '9')
		return NULL;
	while (p < end && *p >= '0' && *p <= '9') {
		n = n * 10 + (size_t)(*p - '0');
		if (n > 65536)
			return NULL;
		p++;
	}
	if (p == end || *p != ':' || (size_t)(end - p - 1) < n)
		return NULL;
	*len = n;
	return p + 1;
}

static struct ritem *
item_decode(const char *jid, const char *v, size_t n)
{
	const char *p = v + 3, *end = v + n, *name, *gs[GROUPS_MAX];
	size_t name_len, glen[GROUPS_MAX], ng = 0;
	struct ritem *it;
	char hex[3];
	unsigned long flags;

	if (n < 5 || v[0] != '1')
		return NULL;
	memcpy(hex, v + 1, 2);
	hex[2] = '\0';
	flags = strtoul(hex, NULL, 16);
	if ((flags & ~(unsigned long)F_ALL) != 0 ||
	    (!(flags & F_ITEM) && flags != F_IN))
		return NULL;
	if ((name = field(p, end, &name_len)) == NULL)
		return NULL;
	p = name + name_len;
	while (p < end) {
		if (ng == GROUPS_MAX ||
		    (gs[ng] = field(p, end, &glen[ng])) == NULL)
			return NULL;
		p = gs[ng] + glen[ng];
		ng++;
	}
	if ((it = item_new(jid, (unsigned)flags)) == NULL)
		return NULL;
	if (item_set_meta(it, name, name_len, gs, glen, ng) == -1) {
		item_free(it);
		return NULL;
	}
	return it;
}

/* --- rosters and their lifetime --- */

static struct roster *
roster_of(const char *bare)
{
	return rosters ? hash_get(rosters, bare) : NULL;
}

static struct roster *
account_roster(struct account *a)
{
	return a != NULL && slot >= 0 ? a->slot[slot] : NULL;
}

static void
set_ver(struct roster *r)
{
	snprintf(r->ver, sizeof(r->ver), "%s-%llu", r->epoch,
	    (unsigned long long)r->vn);
}

static void
roster_put(struct roster *r)
{
	struct ritem *it;
	size_t cur = 0;

	if (r == NULL || --r->refs > 0)
		return;
	hash_del(rosters, r->bare);
	/* Iteration reads no key, so the items can go as it runs. */
	while ((it = hash_next(r->items, &cur, NULL)) != NULL)
		item_free(it);
	hash_free(r->items);
	free(r->bare);
	free(r->user);
	free(r->host);
	free(r);
}

static void run_jobs(void);

static void
schedule(struct roster *r)
{
	if (r->scheduled)
		return;
	r->scheduled = 1;
	r->refs++;
	r->run_next = run_list;
	run_list = r;
}

/* Loading ends: whatever the outcome, queued jobs may now run. */
static void
load_done(struct roster *r, enum rstate state)
{
	r->state = state;
	schedule(r);
	run_jobs();
	roster_put(r); /* the load's reference */
}

static void
parse_ver(struct roster *r, const char *v, size_t n)
{
	const char *dash = memchr(v, '-', n);
	char num[24];
	size_t k;

	if (dash == NULL || dash - v != 8 || (k = n - 9) == 0 ||
	    k >= sizeof(num))
		return;
	memcpy(r->epoch, v, 8);
	r->epoch[8] = '\0';
	memcpy(num, dash + 1, k);
	num[k] = '\0';
	r->vn = strtoull(num, NULL, 10);
	set_ver(r);
}

/* Whether the roster of account bare is to stay closed: sealing on and
 * no session, so the store holds no key to open it with (a login in
 * progress counts as none; what it misses waits in the inbox, which its
 * bind reads after). */
static int
sealed_away(const char *bare)
{
	return server.conf->sealing && session_account(bare) == NULL;
}

/* Drops every entry in memory (a locked roster keeps none); -1 on OOM,
 * the entries unchanged. */
static int
items_clear(struct roster *r)
{
	struct hash *h = hash_new();
	struct ritem *it;
	size_t cur = 0;

	if (h == NULL)
		return -1;
	while ((it = hash_next(r->items, &cur, NULL)) != NULL)
		item_free(it);
	hash_free(r->items);
	r->items = h;
	r->nitems = r->npending = 0;
	return 0;
}

static int inbox_taken(void *arg, enum store_status status,
    const struct rosterinbox_entry *e, size_t n);
static void check_gone(struct roster *r);

static void
loaded(void *arg, const struct store_res *res)
{
	struct roster *r = arg;
	struct ritem *it;
	size_t i;

	if (res->status == STORE_LOCKED) {
		/* The store cannot open it: the same as an account away. */
		log_debug("event=roster_locked");
		load_done(r, R_LOCKED);
		return;
	}
	if (res->status != STORE_OK) {
		log_warn("event=roster_load_failed");
		load_done(r, R_FAILED);
		return;
	}
	if (sealed_away(r->bare)) {
		/* Its last session ended while this was read. */
		load_done(r, R_LOCKED);
		return;
	}
	for (i = 0; i < res->nitems; i++) {
		const struct store_item *si = &res->items[i];

		if (strcmp(si->key, VER_KEY) == 0) {
			parse_ver(r, si->value, si->value_len);
			continue;
		}
		if ((it = item_decode(si->key, si->value, si->value_len)) ==
		    NULL) {
			log_warn("event=roster_item_unreadable");
			continue;
		}
		if (hash_put(r->items, it->jid, it) == -1) {
			item_free(it);
			load_done(r, R_FAILED);
			return;
		}
		if (it->flags & F_ITEM)
			r->nitems++;
		else
			r->npending++;
	}
	/* What waited for the account while it was away comes first. */
	if (rosterinbox_take(r->host, r->user, inbox_taken, r) == -1) {
		log_warn("event=roster_inbox_read_failed");
		check_gone(r);
		load_done(r, R_READY);
	}
}

/* Reads r (its load's reference taken by the caller). */
static void
load_list(struct roster *r)
{
	if (store_map_list(
	        server.store, STORE_NAME, r->host, r->user, loaded, r) == NULL)
		load_done(r, R_FAILED);
}

static void
checked(void *arg, const struct store_res *res)
{
	struct roster *r = arg;

	if (res->status == STORE_NOTFOUND) {
		load_done(r, R_READY); /* no account: an empty roster */
		return;
	}
	if (res->status != STORE_OK) {
		load_done(r, R_FAILED);
		return;
	}
	r->exists = 1;
	if (sealed_away(r->bare)) {
		load_done(r, R_LOCKED);
		return;
	}
	load_list(r);
}

/* A roster left closed or failed is read again now that its account
 * has a session. */
static void
reload(struct roster *r)
{
	if (items_clear(r) == -1) {
		log_warn("event=roster_unavailable reason=nomem");
		return;
	}
	r->state = R_LOADING;
	r->refs++; /* the load's */
	load_list(r);
}

/* A reference to the roster of bare, loading it if need be; NULL on OOM
 * or if bare names no account here. */
static struct roster *
roster_get(const char *bare)
{
	struct roster *r;
	const char *at;

	if ((r = roster_of(bare)) != NULL) {
		r->refs++;
		return r;
	}
	if ((at = strchr(bare, '@')) == NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->bare = strdup(bare)) == NULL ||
	    (r->user = strndup(bare, (size_t)(at - bare))) == NULL ||
	    (r->host = strdup(at + 1)) == NULL ||
	    (r->items = hash_new()) == NULL ||
	    hash_put(rosters, r->bare, r) == -1) {
		hash_free(r->items);
		free(r->bare);
		free(r->user);
		free(r->host);
		free(r);
		return NULL;
	}
	util_random_id(r->epoch, 8);
	set_ver(r);
	r->refs = 2; /* the caller's and the load's */
	if (session_account(bare) != NULL) {
		/* Online, so it exists: no need to ask. */
		r->exists = 1;
		if (store_map_list(server.store, STORE_NAME, r->host, r->user,
		        loaded, r) == NULL) {
			r->state = R_FAILED;
			r->refs--;
		}
	} else if (store_account_creds(
	               server.store, r->host, r->user, checked, r) == NULL) {
		r->state = R_FAILED;
		r->refs--;
	}
	return r;
}

/* --- jobs --- */

static int
runnable(const struct roster_job *j)
{
	int i;

	for (i = 0; i < j->n; i++)
		if (j->r[i]->state == R_LOADING || j->r[i]->head != j)
			return 0;
	return 1;
}

static void
run_jobs(void)
{
	struct roster *r, *rs[2];
	struct roster_job *j;
	int i, n;

	if (running)
		return; /* the outer call picks up what was scheduled */
	running = 1;
	while ((r = run_list) != NULL) {
		run_list = r->run_next;
		r->scheduled = 0;
		while ((j = r->head) != NULL && runnable(j)) {
			n = j->n;
			for (i = 0; i < n; i++) {
				rs[i] = j->r[i];
				rs[i]->head = j->next[i];
				if (rs[i]->head == NULL)
					rs[i]->tail = NULL;
			}
			j->fn(j->arg);
			free(j);
			for (i = 0; i < n; i++) {
				if (rs[i] != r)
					schedule(rs[i]);
				roster_put(rs[i]);
			}
		}
		roster_put(r);
	}
	running = 0;
}

int
roster_job(const char *bare, const char *other, roster_job_fn fn, void *arg)
{
	struct roster_job *j;
	struct roster *r;
	int i;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->fn = fn;
	j->arg = arg;
	if ((j->r[0] = roster_get(bare)) == NULL) {
		free(j);
		return -1;
	}
	j->n = 1;
	if (other != NULL && strcmp(other, bare) != 0) {
		if ((j->r[1] = roster_get(other)) == NULL) {
			roster_put(j->r[0]);
			free(j);
			return -1;
		}
		j->n = 2;
	}
	for (i = 0; i < j->n; i++) {
		r = j->r[i];
		if (r->tail == NULL)
			r->head = j;
		else
			r->tail->next[r->tail->r[0] == r ? 0 : 1] = j;
		r->tail = j;
	}
	schedule(j->r[0]);
	run_jobs();
	return 0;
}

/* --- what other modules ask --- */

enum roster_sub
roster_subscription(struct account *a, const char *contact_bare)
{
	struct roster *r = account_roster(a);
	struct ritem *it;

	if (r == NULL || r->state != R_READY ||
	    (it = hash_get(r->items, contact_bare)) == NULL)
		return ROSTER_NONE;
	return (enum roster_sub)(it->flags & F_SUB);
}

enum roster_sub
roster_subscription_of(const char *bare, const char *contact_bare)
{
	struct roster *r = roster_of(bare);
	struct ritem *it;

	if (r == NULL || r->state != R_READY ||
	    (it = hash_get(r->items, contact_bare)) == NULL)
		return ROSTER_NONE;
	return (enum roster_sub)(it->flags & F_SUB);
}

int
roster_in_group(const char *bare, const char *contact_bare, const char *group)
{
	struct roster *r = roster_of(bare);
	struct ritem *it;
	size_t i;

	if (r == NULL || r->state != R_READY ||
	    (it = hash_get(r->items, contact_bare)) == NULL ||
	    !(it->flags & F_ITEM))
		return 0;
	for (i = 0; i < it->ngroups; i++)
		if (strcmp(it->groups[i], group) == 0)
			return 1;
	return 0;
}

void
roster_each(struct account *a, enum roster_sub mask,
    void (*fn)(void *arg, const char *contact_bare), void *arg)
{
	struct roster *r = account_roster(a);
	struct ritem *it;
	size_t cur = 0;

	if (r == NULL || r->state != R_READY)
		return;
	while ((it = hash_next(r->items, &cur, NULL)) != NULL)
		if (it->flags & (unsigned)mask)
			fn(arg, it->jid);
}

/* --- changes: store, version, pushes --- */

static struct xml_node *
item_xml(struct arena *a, struct xml_node *query, const struct ritem *it,
    int removed)
{
	static const char *const subs[] = {"none", "to", "from", "both"};
	struct xml_node *x, *g;
	size_t i;

	if ((x = xml_add(a, query, NS_ROSTER, "item")) == NULL)
		return NULL;
	xml_set_attr(a, x, "jid", it->jid);
	if (removed) {
		xml_set_attr(a, x, "subscription", "remove");
		return x;
	}
	if (it->name != NULL)
		xml_set_attr(a, x, "name", it->name);
	xml_set_attr(a, x, "subscription", subs[it->flags & F_SUB]);
	if (it->flags & F_ASK)
		xml_set_attr(a, x, "ask", "subscribe");
	if (it->flags & F_APPROVED)
		xml_set_attr(a, x, "approved", "true");
	for (i = 0; i < it->ngroups; i++)
		if ((g = xml_add(a, x, NS_ROSTER, "group")) != NULL)
			xml_add_text(
			    a, g, it->groups[i], strlen(it->groups[i]));
	return x;
}

/* Roster push (§2.1.6) to every interested resource of r's account. */
static void
push(struct roster *r, const struct ritem *it, int removed)
{
	struct account *acct = session_account(r->bare);
	struct xml_node *iq, *q;
	struct session *s;
	struct arena *a;
	char id[17];

	if (acct == NULL || (a = arena_new(1024)) == NULL)
		return;
	if ((iq = xml_new(a, XML_NS_CLIENT, "iq")) == NULL ||
	    (q = xml_add(a, iq, NS_ROSTER, "query")) == NULL ||
	    item_xml(a, q, it, removed) == NULL) {
		arena_free(a);
		return;
	}
	xml_set_attr(a, q, "ver", r->ver);
	xml_set_attr(a, iq, "type", "set");
	util_random_id(id, 16);
	xml_set_attr(a, iq, "id", id);
	for (s = acct->sessions; s != NULL; s = s->next) {
		if (s->slot[slot] == NULL)
			continue;
		xml_set_attr(a, iq, "to", s->full);
		router_deliver(s, iq);
	}
	arena_free(a);
}

static void
bump_ver(struct roster *r)
{
	r->vn++;
	set_ver(r);
	store_map_put(server.store, STORE_NAME, r->host, r->user, VER_KEY,
	    r->ver, strlen(r->ver), NULL, NULL);
}

/*
 * Writes entry it of r after a change from flags `old` (0: new entry):
 * stores or deletes it, keeps the counts, and for a change a roster item
 * shows (or `meta`: name or groups changed) makes a new version and
 * pushes it. An entry that became empty is removed and freed.
 */
static void
entry_changed(struct roster *r, struct ritem *it, unsigned old, int meta)
{
	unsigned now = it->flags;
	int shown =
	    (old | now) & F_ITEM && (meta || ((old ^ now) & F_SHOWN) != 0);
	struct buf b = BUF_INIT;

	if (old != 0) {
		if (old & F_ITEM)
			r->nitems--;
		else
			r->npending--;
	}
	if (!(now & (F_ITEM | F_IN))) {
		hash_del(r->items, it->jid);
		store_map_del(server.store, STORE_NAME, r->host, r->user,
		    it->jid, NULL, NULL);
		if (shown) {
			bump_ver(r);
			push(r, it, 1);
		}
		item_free(it);
		return;
	}
	if (now & F_ITEM)
		r->nitems++;
	else
		r->npending++;
	if (old == now && !meta)
		return;
	if (item_encode(it, &b) == 0)
		store_map_put(server.store, STORE_NAME, r->host, r->user,
		    it->jid, buf_ptr(&b), buf_size(&b), NULL, NULL);
	buf_free(&b);
	if (shown) {
		bump_ver(r);
		push(r, it, 0);
	}
}

/* The entry for jid, created (flags 0, not yet counted) if create; NULL
 * if absent or on OOM. A new entry must be passed to entry_changed. */
static struct ritem *
entry(struct roster *r, const char *jid, int create)
{
	struct ritem *it = hash_get(r->items, jid);

	if (it != NULL || !create)
		return it;
	if ((it = item_new(jid, 0)) == NULL)
		return NULL;
	if (hash_put(r->items, it->jid, it) == -1) {
		item_free(it);
		return NULL;
	}
	return it;
}

/* Drops an entry made by entry() that no change was applied to. */
static void
entry_abandon(struct roster *r, struct ritem *it)
{
	if (it != NULL && it->flags == 0) {
		hash_del(r->items, it->jid);
		item_free(it);
	}
}

static int
roster_full(const struct roster *r)
{
	return r->nitems >= server.conf->limits.roster_items;
}

/* --- subscription stanzas (RFC 6121 §3, Appendix A) --- */

/* GONE is no stanza: the peer's account was erased (rosterinbox). */
enum subtype { SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED, GONE };

static const char *const subtype_names[] = {
    "subscribe", "subscribed", "unsubscribe", "unsubscribed"};

/*
 * Delivers a subscription stanza of `type` from from_bare to every
 * available resource of account to_bare (§3.1.3: requests go to
 * available resources; an offline account sees pending requests at its
 * next initial presence). orig, if given, supplies the children.
 */
static void
deliver_sub(struct arena *a, const struct xml_node *orig, enum subtype type,
    const char *from_bare, const char *to_bare)
{
	struct account *acct = session_account(to_bare);
	struct xml_node *st;
	struct session *s;

	if (acct == NULL)
		return;
	st = orig ? xml_copy(a, orig) : xml_new(a, XML_NS_CLIENT, "presence");
	if (st == NULL)
		return;
	xml_set_attr(a, st, "type", subtype_names[type]);
	xml_set_attr(a, st, "from", from_bare);
	xml_set_attr(a, st, "to", to_bare);
	for (s = acct->sessions; s != NULL; s = s->next)
		if (s->available)
			router_deliver(s, st);
}

/*
 * Inbound 'subscribed' at r from peer (§3.1.6): a pending-out request
 * is approved. Returns 1 if it was (and the account was told).
 */
static int
in_subscribed(struct roster *r, const char *peer, const struct xml_node *orig,
    struct arena *a)
{
	struct ritem *it = entry(r, peer, 0);
	unsigned old;

	if (it == NULL || !(it->flags & F_ASK))
		return 0; /* nothing asked: ignored (§3.1.6) */
	old = it->flags;
	it->flags = (it->flags & ~(unsigned)F_ASK) | F_TO;
	entry_changed(r, it, old, 0);
	deliver_sub(a, orig, SUBSCRIBED, peer, r->bare);
	return 1;
}

/* Inbound 'unsubscribe' at r from peer (§3.3.3): the peer no longer
 * sees r's presence, nor asks to. */
static void
in_unsubscribe(struct roster *r, const char *peer, const struct xml_node *orig,
    struct arena *a)
{
	struct ritem *it = entry(r, peer, 0);
	unsigned old;

	if (it == NULL || !(it->flags & (F_FROM | F_IN)))
		return;
	old = it->flags;
	it->flags &= ~(unsigned)(F_FROM | F_IN);
	deliver_sub(a, orig, UNSUBSCRIBE, peer, r->bare);
	if (old & F_FROM)
		presence_send_unavailable(session_account(r->bare), peer);
	entry_changed(r, it, old, 0);
}

/* Inbound 'unsubscribed' at r from peer (§3.2.3): r no longer sees the
 * peer's presence, nor is its request pending. */
static void
in_unsubscribed(struct roster *r, const char *peer, const struct xml_node *orig,
    struct arena *a)
{
	struct ritem *it = entry(r, peer, 0);
	unsigned old;

	if (it == NULL || !(it->flags & (F_TO | F_ASK)))
		return;
	old = it->flags;
	it->flags &= ~(unsigned)(F_TO | F_ASK);
	entry_changed(r, it, old, 0);
	deliver_sub(a, orig, UNSUBSCRIBED, peer, r->bare);
}

static int inbound(struct roster *r, struct roster *peer_r, enum subtype type,
    const char *peer, const struct xml_node *orig, struct arena *a);
static void inbound_later(
    const char *target, enum subtype type, const char *peer);

/*
 * The peer's server receives 'subscribed' from c (an auto-reply): at
 * once if its roster u is held by this job, else as a job of its own (a
 * request taken from c's inbox at login). 1 if it approved a request.
 */
static int
reply_subscribed(
    struct roster *c, struct roster *u, const char *peer, struct arena *a)
{
	if (u != NULL)
		return inbound(u, NULL, SUBSCRIBED, c->bare, NULL, a);
	inbound_later(peer, SUBSCRIBED, c->bare);
	return 0;
}

/*
 * Inbound 'subscribe' at c from peer (§3.1.3), whose roster is u if this
 * job holds it (NULL: it is applied from c's inbox): already subscribed
 * → auto-reply 'subscribed'; pre-approved → approve; else the request is
 * kept (pending in) and shown to c's available resources.
 */
static void
in_subscribe(struct roster *c, struct roster *u, const char *peer,
    const struct xml_node *orig, struct arena *a)
{
	struct ritem *it = entry(c, peer, 0);
	unsigned old;

	if (it != NULL && (it->flags & F_FROM)) {
		if (reply_subscribed(c, u, peer, a))
			presence_send_current(session_account(c->bare), peer);
		return;
	}
	if (it != NULL && (it->flags & F_APPROVED)) {
		old = it->flags;
		it->flags =
		    (it->flags & ~(unsigned)(F_APPROVED | F_IN)) | F_FROM;
		entry_changed(c, it, old, 0);
		reply_subscribed(c, u, peer, a);
		presence_send_current(session_account(c->bare), peer);
		return;
	}
	if (it != NULL && (it->flags & F_IN))
		return; /* already pending: not shown again (Appendix A.3.1) */
	if (it == NULL) {
		/* Requests count against the same limit as items. */
		if (c->npending >= server.conf->limits.roster_items ||
		    (it = entry(c, peer, 1)) == NULL)
			return;
	}
	old = it->flags;
	it->flags |= F_IN;
	entry_changed(c, it, old, 0);
	deliver_sub(a, orig, SUBSCRIBE, peer, c->bare);
}

/* Inbound erasure of peer's account at r: its entry goes, with a roster
 * push (RFC 6121 §2.5.3 for a contact that no longer exists). */
static void
in_gone(struct roster *r, const char *peer)
{
	struct ritem *it = entry(r, peer, 0);
	unsigned old;

	if (it == NULL)
		return;
	old = it->flags;
	it->flags = 0;
	entry_changed(r, it, old, 0);
}

static const enum rosterinbox_kind inbox_kinds[] = {
    RI_SUBSCRIBE, RI_SUBSCRIBED, RI_UNSUBSCRIBE, RI_UNSUBSCRIBED, RI_GONE};

/*
 * What the server of account r does with a change from peer (its roster
 * peer_r if the running job holds it): applied now if r is readable, kept
 * in r's inbox if it is locked, nothing if r is no account (or could not
 * be read: the change is lost, as when a live stanza meets a store error).
 * Returns in_subscribed's answer for SUBSCRIBED, else 0.
 */
static int
inbound(struct roster *r, struct roster *peer_r, enum subtype type,
    const char *peer, const struct xml_node *orig, struct arena *a)
{
	if (!r->exists)
		return 0;
	if (r->state == R_LOCKED) {
		rosterinbox_put(r->host, r->user, inbox_kinds[type], peer);
		return 0;
	}
	if (r->state != R_READY)
		return 0;
	switch (type) {
	case SUBSCRIBE:
		in_subscribe(r, peer_r, peer, orig, a);
		return 0;
	case SUBSCRIBED:
		return in_subscribed(r, peer, orig, a);
	case UNSUBSCRIBE:
		in_unsubscribe(r, peer, orig, a);
		return 0;
	case UNSUBSCRIBED:
		in_unsubscribed(r, peer, orig, a);
		return 0;
	case GONE:
		in_gone(r, peer);
		return 0;
	}
	return 0;
}

struct later {
	char *target, *peer; /* owned: bare JIDs */
	enum subtype type;
};

static void
later_job(void *arg)
{
	struct later *l = arg;
	struct roster *r = roster_of(l->target);
	struct arena *a;

	if (r != NULL && (a = arena_new(512)) != NULL) {
		inbound(r, NULL, l->type, l->peer, NULL, a);
		arena_free(a);
	}
	free(l->target);
	free(l->peer);
	free(l);
}

/* inbound() on target's roster as a job of its own, after what is queued
 * on it already. */
static void
inbound_later(const char *target, enum subtype type, const char *peer)
{
	struct later *l = calloc(1, sizeof(*l));

	if (l != NULL)
		l->type = type;
	if (l == NULL || (l->target = strdup(target)) == NULL ||
	    (l->peer = strdup(peer)) == NULL ||
	    roster_job(target, NULL, later_job, l) == -1) {
		log_warn("event=roster_change_lost reason=nomem");
		if (l != NULL) {
			free(l->target);
			free(l->peer);
		}
		free(l);
	}
}

/*
 * The inbox of r, read at login (r is loading): each change is applied
 * in order as if it arrived now, before any job sees the roster. No
 * session of the account is available yet, so nothing is delivered but
 * the roster pushes nobody asked for yet; pending requests are shown at
 * its initial presence (show_pending).
 */
static int
inbox_taken(void *arg, enum store_status status,
    const struct rosterinbox_entry *e, size_t n)
{
	struct roster *r = arg;
	struct arena *a = NULL;
	size_t i;
	int held;

	if (status == STORE_LOCKED || sealed_away(r->bare)) {
		/* Its last session ended while this was read: the inbox
		 * stays for the next login. */
		items_clear(r);
		load_done(r, R_LOCKED);
		return 0;
	}
	if (status != STORE_OK || (n > 0 && (a = arena_new(1024)) == NULL)) {
		/* Kept for the next login; the roster itself is read. */
		log_warn("event=roster_inbox_read_failed");
		check_gone(r);
		load_done(r, R_READY);
		return 0;
	}
	/* Ready for inbound(), but no job may run before the inbox is
	 * applied: the jobs it makes on other rosters wait for load_done()
	 * below to run them. */
	r->state = R_READY;
	r->refs++; /* load_done() may drop the last reference */
	held = running;
	running = 1;
	for (i = 0; i < n; i++)
		inbound(r, NULL, (enum subtype)e[i].kind, e[i].peer, NULL, a);
	running = held;
	arena_free(a);
	check_gone(r);
	load_done(r, R_READY);
	roster_put(r);
	return 1;
}

/* --- contacts whose account was erased (sealed rosters) --- */

struct gone {
	char *bare, *contact; /* owned */
};

static void
gone_free(struct gone *g)
{
	free(g->bare);
	free(g->contact);
	free(g);
}

static void
gone_job(void *arg)
{
	struct gone *g = arg;
	struct roster *r = roster_of(g->bare);

	if (r != NULL && r->state == R_READY) {
		log_debug("event=roster_contact_gone");
		in_gone(r, g->contact);
	}
	gone_free(g);
}

static void
gone_checked(void *arg, const struct store_res *res)
{
	struct gone *g = arg;

	/* A live tombstone: the account was erased and nobody has the
	 * name since. */
	if (res->status != STORE_OK ||
	    roster_job(g->bare, NULL, gone_job, g) == -1)
		gone_free(g);
}

/*
 * Each local contact of r (entries loaded, not yet served) is looked up
 * among the tombstones of erased accounts; one that is there loses its
 * entry in a job of its own. Only with sealing on: otherwise the erasure
 * removed those entries in the store itself.
 */
static void
check_gone(struct roster *r)
{
	struct store_req *sr;
	const char *at;
	struct ritem *it;
	struct gone *g;
	size_t cur = 0;

	if (!server.conf->sealing)
		return;
	while ((it = hash_next(r->items, &cur, NULL)) != NULL) {
		at = strchr(it->jid, '@');
		if (at == NULL || strchr(it->jid, '/') != NULL ||
		    !server_is_local(at + 1))
			continue;
		if ((g = calloc(1, sizeof(*g))) == NULL ||
		    (g->bare = strdup(r->bare)) == NULL ||
		    (g->contact = strdup(it->jid)) == NULL) {
			if (g != NULL)
				gone_free(g);
			return;
		}
		/* The contact's localpart: g->contact up to its '@'. */
		g->contact[at - it->jid] = '\0';
		sr = store_tombstone_check(
		    server.store, at + 1, g->contact, gone_checked, g);
		g->contact[at - it->jid] = '@';
		if (sr == NULL) {
			gone_free(g);
			return;
		}
	}
}

struct sub_ctx {
	char *from_full; /* the sender's session, found again */
	char *user, *contact; /* bare JIDs */
	enum subtype type;
	struct xml_node *st;
	struct arena *a;
};

static void
sub_error(struct sub_ctx *x, const char *type, const char *cond)
{
	struct session *s = session_find_str(x->from_full);

	if (s != NULL)
		router_error(s, x->st, x->a, type, cond, NULL);
}

/*
 * Whether a stanza goes on to contact c: always to a readable roster
 * (the live rules decide there), to a locked one's inbox unless it is a
 * repeat, as the user's entry before it says: the two ends agree, so a
 * repeat would change nothing there, and repeating a stanza must not
 * fill the inbox.
 */
static int
told(const struct roster *c, int repeat)
{
	return c->state != R_LOCKED || !repeat;
}

/*
 * One subscription stanza from user u to local contact c: the user's
 * entry changes as the user's server would (outbound), then the
 * contact's as the contact's server would (inbound).
 */
static void
sub_job(void *arg)
{
	struct sub_ctx *x = arg;
	struct roster *u = roster_of(x->user), *c = roster_of(x->contact);
	struct ritem *it;
	unsigned old;
	int contact =
	    c->exists && (c->state == R_READY || c->state == R_LOCKED);

	if (u->state != R_READY || c->state == R_FAILED) {
		sub_error(x, "wait", "internal-server-error");
		goto done;
	}
	it = entry(u, x->contact, 0);
	old = it ? it->flags : 0;
	switch (x->type) {
	case SUBSCRIBE:
		if (!contact) {
			/* §3.1.2: the local contact does not exist. */
			sub_error(x, "cancel", "item-not-found");
			break;
		}
		if (!(old & F_ITEM) && roster_full(u)) {
			sub_error(x, "wait", "resource-constraint");
			break;
		}
		if ((it = entry(u, x->contact, 1)) == NULL)
			break;
		it->flags |= F_ITEM;
		if (!(it->flags & F_TO))
			it->flags |= F_ASK;
		entry_changed(u, it, old, 0);
		if (told(c, (old & (F_TO | F_ASK)) != 0))
			inbound(c, u, SUBSCRIBE, u->bare, x->st, x->a);
		break;
	case UNSUBSCRIBE:
		if (it != NULL && (old & (F_TO | F_ASK))) {
			it->flags &= ~(unsigned)(F_TO | F_ASK);
			entry_changed(u, it, old, 0);
		}
		if (contact && told(c, !(old & (F_TO | F_ASK))))
			inbound(c, u, UNSUBSCRIBE, u->bare, x->st, x->a);
		break;
	case SUBSCRIBED:
		if (old & F_FROM)
			break; /* nothing to approve (§3.1.5) */
		if (!(old & F_IN)) {
			/* Pre-approval (§3.4): noted, not routed. */
			if (!(old & F_ITEM) && roster_full(u)) {
				sub_error(x, "wait", "resource-constraint");
				break;
			}
			if ((it = entry(u, x->contact, 1)) == NULL)
				break;
			it->flags |= F_ITEM | F_APPROVED;
			entry_changed(u, it, old, 0);
			break;
		}
		/* §3.1.5: approving adds the contact to the roster. */
		if (!(old & F_ITEM) && roster_full(u)) {
			sub_error(x, "wait", "resource-constraint");
			break;
		}
		it->flags = (it->flags & ~(unsigned)(F_IN | F_APPROVED)) |
		    F_FROM | F_ITEM;
		entry_changed(u, it, old, 0);
		if (contact)
			inbound(c, u, SUBSCRIBED, u->bare, x->st, x->a);
		presence_send_current(session_account(u->bare), x->contact);
		break;
	case UNSUBSCRIBED:
		if (it != NULL && (old & (F_FROM | F_IN | F_APPROVED))) {
			it->flags &= ~(unsigned)(F_FROM | F_IN | F_APPROVED);
			entry_changed(u, it, old, 0);
		}
		if (contact && told(c, !(old & (F_FROM | F_IN))))
			inbound(c, u, UNSUBSCRIBED, u->bare, x->st, x->a);
		/* §3.2.2: a contact that could see us sees us leave. */
		if (old & F_FROM)
			presence_send_unavailable(
			    session_account(u->bare), x->contact);
		break;
	case GONE:
		break; /* never a stanza */
	}
done:
	arena_free(x->a);
}

void
roster_presence(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	const char *type = xml_attr(st, "type");
	struct sub_ctx *x;
	int t;

	for (t = 0; t < 4; t++)
		if (type != NULL && strcmp(type, subtype_names[t]) == 0)
			break;
	if (t == 4 || to == NULL) {
		arena_free(a); /* to one's own account: implicit (§4.2.2) */
		return;
	}
	if (!server_is_local(to->domain)) {
		/* No federation yet: nothing is recorded (§3.1.2). */
		router_error(
		    from, st, a, "cancel", "remote-server-not-found", NULL);
		arena_free(a);
		return;
	}
	if (to->local == NULL || (x = arena_zalloc(a, sizeof(*x))) == NULL ||
	    (x->contact = jid_bare_str(a, to)) == NULL ||
	    strcmp(x->contact, from->acct->bare) == 0 ||
	    (x->user = arena_strdup(a, from->acct->bare)) == NULL ||
	    (x->from_full = arena_strdup(a, from->full)) == NULL) {
		arena_free(a);
		return;
	}
	x->type = (enum subtype)t;
	x->st = st;
	x->a = a;
	/* §3.1.2: stamped with bare JIDs both ways. */
	xml_set_attr(a, st, "to", x->contact);
	if (roster_job(x->user, x->contact, sub_job, x) == -1) {
		router_error(
		    from, st, a, "wait", "internal-server-error", NULL);
		arena_free(a);
	}
}

/* Pending requests are shown again at each initial presence (§3.1.3). */
static void
show_pending(struct session *s)
{
	struct roster *r = account_roster(s->acct);
	struct xml_node *st;
	struct ritem *it;
	struct arena *a;
	size_t cur = 0;

	if (r == NULL || r->state != R_READY || r->npending + r->nitems == 0 ||
	    (a = arena_new(512)) == NULL)
		return;
	while ((it = hash_next(r->items, &cur, NULL)) != NULL) {
		if (!(it->flags & F_IN) ||
		    (st = xml_new(a, XML_NS_CLIENT, "presence")) == NULL)
			continue;
		xml_set_attr(a, st, "type", "subscribe");
		xml_set_attr(a, st, "from", it->jid);
		xml_set_attr(a, st, "to", s->full);
		router_deliver(s, st);
	}
	arena_free(a);
}

/* --- the roster IQ (§2) --- */

struct set_ctx {
	struct iq_req *req;
	char *jid; /* normalized */
	char *user; /* the account's bare JID */
	const char *name;
	size_t name_len;
	const char **groups;
	size_t *glen;
	size_t ngroups;
	int remove;
	int local; /* jid is a local account other than the user */
};

static void
get_job(void *arg)
{
	struct iq_req *req = arg;
	struct session *s = session_find_str(req->from_full);
	struct roster *r;
	struct xml_node *q;
	struct ritem *it;
	const char *ver;
	char *bare = jid_bare_str(req->a, &req->to);
	size_t cur = 0;

	r = bare ? roster_of(bare) : NULL;
	if (r == NULL || r->state != R_READY) {
		iq_error(req, "wait", "internal-server-error", NULL);
		goto done;
	}
	if (s != NULL)
		s->slot[slot] = (void *)1; /* interested (§2.1.6) */
	ver = xml_attr(req->payload, "ver");
	if (ver != NULL && strcmp(ver, r->ver) == 0) {
		/* §2.6.3: nothing changed; pushes follow from here. */
		iq_reply(req, NULL);
		goto done;
	}
	if ((q = xml_new(req->a, NS_ROSTER, "query")) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		goto done;
	}
	xml_set_attr(req->a, q, "ver", r->ver);
	while ((it = hash_next(r->items, &cur, NULL)) != NULL)
		if ((it->flags & F_ITEM) && item_xml(req->a, q, it, 0) == NULL)
			break;
	iq_reply(req, q);
done:
	iq_req_free(req);
}

static void
set_job(void *arg)
{
	struct set_ctx *x = arg;
	struct iq_req *req = x->req;
	struct roster *u = roster_of(x->user);
	struct roster *c = x->local ? roster_of(x->jid) : NULL;
	struct ritem *it;
	unsigned old;

	if (u->state != R_READY || (c != NULL && c->state == R_FAILED)) {
		iq_error(req, "wait", "internal-server-error", NULL);
		goto done;
	}
	if (c != NULL && !c->exists)
		c = NULL;
	it = entry(u, x->jid, 0);
	old = it ? it->flags : 0;
	if (x->remove) {
		if (it == NULL || !(old & F_ITEM)) {
			iq_error(req, "cancel", "item-not-found", NULL);
			goto done;
		}
		/* §2.5.2: cancel both ways, then remove (a locked contact
		 * gets both in its inbox). */
		if (c != NULL && (old & (F_TO | F_ASK)))
			inbound(c, u, UNSUBSCRIBE, u->bare, NULL, req->a);
		if (c != NULL && (old & (F_FROM | F_IN)))
			inbound(c, u, UNSUBSCRIBED, u->bare, NULL, req->a);
		if (old & F_FROM)
			presence_send_unavailable(
			    session_account(u->bare), x->jid);
		it->flags = 0;
		entry_changed(u, it, old, 1);
		iq_reply(req, NULL);
		goto done;
	}
	if (!(old & F_ITEM) && roster_full(u)) {
		iq_error(
		    req, "wait", "resource-constraint", "the roster is full");
		goto done;
	}
	if ((it = entry(u, x->jid, 1)) == NULL ||
	    item_set_meta(it, x->name, x->name_len, x->groups, x->glen,
	        x->ngroups) == -1) {
		entry_abandon(u, it);
		iq_error(req, "wait", "internal-server-error", NULL);
		goto done;
	}
	it->flags |= F_ITEM;
	entry_changed(u, it, old, 1);
	iq_reply(req, NULL);
done:
	iq_req_free(req);
}

/* Parses and checks a roster set (§2.3.3); NULL after replying with the
 * error. */
static struct set_ctx *
parse_set(struct iq_req *req, const char *user)
{
	struct arena *a = req->a;
	struct xml_node *item, *g;
	const char *jid, *sub, *name;
	struct set_ctx *x;
	struct jid j;
	size_t i, n = 0;
	char *t;

	item = xml_child(req->payload, NS_ROSTER, "item");
	if (item == NULL || xml_next(item, NS_ROSTER, "item") != NULL) {
		iq_error(req, "modify", "bad-request",
		    "a roster set carries exactly one item");
		return NULL;
	}
	if ((jid = xml_attr(item, "jid")) == NULL) {
		iq_error(req, "modify", "bad-request", "the item has no jid");
		return NULL;
	}
	if (jid_parse_arena(a, jid, strlen(jid), &j) == -1) {
		iq_error(req, "modify", "jid-malformed", NULL);
		return NULL;
	}
	if ((x = arena_zalloc(a, sizeof(*x))) == NULL ||
	    (x->jid = jid_full_str(a, &j)) == NULL ||
	    (x->user = arena_strdup(a, user)) == NULL)
		goto nomem;
	x->req = req;
	/* §2.1.2.5: every other value is ignored in a set. */
	sub = xml_attr(item, "subscription");
	x->remove = sub != NULL && strcmp(sub, "remove") == 0;
	x->local = j.local != NULL && j.resource == NULL &&
	    server_is_local(j.domain) && strcmp(x->jid, user) != 0;
	if (x->remove)
		return x;
	if ((name = xml_attr(item, "name")) != NULL) {
		x->name = name;
		x->name_len = strlen(name);
		if (x->name_len > NAME_MAX_BYTES) {
			iq_error(req, "modify", "not-acceptable",
			    "the name is too long");
			return NULL;
		}
	}
	for (g = xml_child(item, NS_ROSTER, "group"); g != NULL;
	     g = xml_next(g, NS_ROSTER, "group"))
		n++;
	if (n > GROUPS_MAX) {
		iq_error(req, "modify", "not-acceptable", "too many groups");
		return NULL;
	}
	if (n > 0 &&
	    ((x->groups = arena_alloc(a, n * sizeof(char *))) == NULL ||
	        (x->glen = arena_alloc(a, n * sizeof(size_t))) == NULL))
		goto nomem;
	for (g = xml_child(item, NS_ROSTER, "group"); g != NULL;
	     g = xml_next(g, NS_ROSTER, "group")) {
		if ((t = xml_text(a, g)) == NULL)
			goto nomem;
		if (*t == '\0' || strlen(t) > GROUP_MAX_BYTES) {
			iq_error(req, "modify", "not-acceptable",
			    *t ? "a group name is too long"
			       : "a group name is empty");
			return NULL;
		}
		for (i = 0; i < x->ngroups; i++) {
			if (strcmp(x->groups[i], t) == 0) {
				iq_error(req, "modify", "bad-request",
				    "a group is named twice");
				return NULL;
			}
		}
		x->groups[x->ngroups] = t;
		x->glen[x->ngroups] = strlen(t);
		x->ngroups++;
	}
	return x;
nomem:
	iq_error(req, "wait", "internal-server-error", NULL);
	return NULL;
}

static enum iq_status
roster_iq(struct iq_req *req)
{
	struct session *s = req->from;
	struct set_ctx *x;
	char *user = s->acct->bare;

	/* §2.1.5: only the account's own resources touch its roster; a
	 * "push" sent by another account is refused. */
	if (req->to.local == NULL || !jid_bare_eq(&req->to, &s->jid)) {
		iq_error(req, "auth", "forbidden", NULL);
		return IQ_DONE;
	}
	if (!req->set) {
		if (roster_job(user, NULL, get_job, req) == -1) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		return IQ_ASYNC;
	}
	if ((x = parse_set(req, user)) == NULL)
		return IQ_DONE;
	if (roster_job(user, x->remove && x->local ? x->jid : NULL, set_job,
	        x) == -1) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

/* --- session hooks --- */

static void
roster_bind(struct session *s)
{
	struct account *a = s->acct;
	struct roster *r;

	if (a->slot[slot] != NULL)
		return;
	if ((r = roster_get(a->bare)) == NULL) {
		log_warn("event=roster_unavailable reason=nomem");
		return;
	}
	r->exists = 1;
	a->slot[slot] = r;
	/* Kept closed (or failed) while the account was away, and alive
	 * since for jobs of others: read it now, inbox and all. */
	if (r->state == R_LOCKED || r->state == R_FAILED)
		reload(r);
}

static void
roster_account_free(struct account *a)
{
	struct roster *r = a->slot[slot];

	a->slot[slot] = NULL;
	/* Still needed by jobs of others, but its account is going away:
	 * from now on what they change waits in its inbox. (The account is
	 * still in the session table while this hook runs, so
	 * sealed_away() would not tell.) */
	if (r != NULL && r->refs > 1 && r->state == R_READY &&
	    server.conf->sealing) {
		items_clear(r);
		r->state = R_LOCKED;
	}
	roster_put(r);
}

/* --- an account going away (erasure) --- */

struct forget {
	char *bare; /* owned: the account erased */
	roster_job_fn done;
	void *arg;
};

struct forget_one {
	struct forget *f; /* freed by the last job, forget_done */
	char *contact; /* owned */
};

/* On (bare, contact): the contact is told and loses its item for bare. */
static void
forget_contact(void *arg)
{
	struct forget_one *o = arg;
	const char *bare = o->f->bare;
	struct roster *u = roster_of(bare), *c = roster_of(o->contact);
	struct ritem *mine = NULL, *theirs;
	struct arena *a;
	unsigned old;

	if (c != NULL && c->state == R_LOCKED) {
		/* Its roster cannot be read: it learns at its next login. */
		inbound(c, NULL, GONE, bare, NULL, NULL);
		goto done;
	}
	if (c == NULL || c->state != R_READY ||
	    (theirs = entry(c, bare, 0)) == NULL ||
	    (a = arena_new(512)) == NULL)
		goto done;
	if (u != NULL && u->state == R_READY)
		mine = entry(u, o->contact, 0);
	/* §3.2.2 as if bare had cancelled: whoever saw it sees it leave. */
	if (mine != NULL && (mine->flags & F_FROM))
		presence_send_unavailable(session_account(bare), c->bare);
	old = theirs->flags;
	if (old & (F_FROM | F_IN))
		deliver_sub(a, NULL, UNSUBSCRIBE, bare, c->bare);
	if (old & (F_TO | F_ASK))
		deliver_sub(a, NULL, UNSUBSCRIBED, bare, c->bare);
	/* RFC 6121 §2.5.3 for a contact that no longer exists: the item
	 * goes, with a roster push. */
	theirs->flags = 0;
	entry_changed(c, theirs, old, 0);
	arena_free(a);
done:
	free(o->contact);
	free(o);
}

static void
forget_done(void *arg)
{
	struct forget *f = arg;

	f->done(f->arg);
	free(f->bare);
	free(f);
}

static int
forget_queue(struct forget *f, struct hash *seen, const char *contact)
{
	struct forget_one *o;
	const char *at = strchr(contact, '@');

	/* Only accounts here have rosters to clean (no federation). */
	if (at == NULL || strchr(contact, '/') != NULL ||
	    !server_is_local(at + 1) || strcmp(contact, f->bare) == 0 ||
	    hash_get(seen, contact) != NULL)
		return 0;
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->contact = strdup(contact)) == NULL ||
	    hash_put(seen, o->contact, o) == -1) {
		if (o != NULL)
			free(o->contact);
		free(o);
		return -1;
	}
	o->f = f;
	if (roster_job(f->bare, o->contact, forget_contact, o) == -1) {
		hash_del(seen, o->contact);
		free(o->contact);
		free(o);
		return -1;
	}
	return 0;
}

/* On bare: one job per contact, then forget_done after all of them. */
static void
forget_list(void *arg)
{
	struct forget *f = arg;
	struct roster *u = roster_of(f->bare), *r;
	struct ritem *it;
	struct hash *seen;
	size_t cur = 0;

	if (u != NULL)
		u->exists = 0; /* no new subscription reaches it */
	if ((seen = hash_new()) == NULL) {
		log_warn("event=roster_forget_failed");
	} else {
		if (u != NULL && u->state == R_READY)
			while ((it = hash_next(u->items, &cur, NULL)) != NULL)
				if (forget_queue(f, seen, it->jid) < 0)
					log_warn("event=roster_forget_failed");
		cur = 0;
		while ((r = hash_next(rosters, &cur, NULL)) != NULL)
			if (r != u && r->state == R_READY &&
			    entry(r, f->bare, 0) != NULL &&
			    forget_queue(f, seen, r->bare) < 0)
				log_warn("event=roster_forget_failed");
		/* The jobs own their contacts; seen only borrowed them. */
		hash_free(seen);
	}
	/* Queued on bare after every job above, so it runs last. */
	if (roster_job(f->bare, NULL, forget_done, f) == -1)
		f->done(f->arg); /* f stays: queued jobs still read it */
}

int
roster_forget(const char *bare, roster_job_fn done, void *arg)
{
	struct forget *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->bare = strdup(bare)) == NULL) {
		free(f);
		return -1;
	}
	f->done = done;
	f->arg = arg;
	if (roster_job(bare, NULL, forget_list, f) == -1) {
		free(f->bare);
		free(f);
		return -1;
	}
	return 0;
}

void
roster_module_init(void)
{
	if ((rosters = hash_new()) == NULL || (slot = session_slot()) < 0 ||
	    store_register(&roster_store) == -1 ||
	    iq_register(NS_ROSTER, "query", IQ_ACCOUNT, roster_iq) == -1 ||
	    session_on_bind(roster_bind) == -1 ||
	    session_on_account_free(roster_account_free) == -1 ||
	    presence_on_initial(show_pending) == -1)
		fatal("roster: cannot register the module");
	rosterinbox_init();
}
