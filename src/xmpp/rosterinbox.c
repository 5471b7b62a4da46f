/*
 * rosterinbox: the sealed archive of roster changes that reached an
 * account while its roster could not be read (see rosterinbox.h).
 *
 * One archive store, "roster_inbox", owned by the account: the value is
 * "KIND PEER" (a word, one space, a bare JID, which holds no space), the
 * archive's peer column stays empty and the store seals the value, so a
 * seized database shows only that some change waits. Entries are kept
 * until the owner's next login applies them (retention 0, as the roster
 * itself), and at most [limits] roster_items of them: past that a new
 * change is dropped and logged, never answered with an error that would
 * tell the sender anything about the owner.
 *
 * Invariant: a take reads at most as many pages as a full inbox holds,
 * so a store that keeps returning items cannot make it loop.
 */
#include "xmpp/rosterinbox.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "xmpp/jid.h"
#include "xmpp/server.h"

#define PAGE 1000 /* the store's own cap on one query */
#define PEER_MAX (2 * JID_PART_MAX + 1)

static const struct store_def inbox_def = {
    .name = ROSTERINBOX_STORE,
    .shape = STORE_ARCHIVE,
    .owner = STORE_OWNER_USER,
    .retention = 0, /* until the owner's next login applies them */
    .what = "roster changes and subscription requests (the kind and the "
            "other account's address, never status text) that reached "
            "an account while it was offline, until its next login "
            "applies them",
    .sealed = 1,
};

static const char *const kind_names[] = {
    "subscribe", "subscribed", "unsubscribe", "unsubscribed", "gone"};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

int
rosterinbox_encode(
    enum rosterinbox_kind kind, const char *peer, struct buf *out)
{
	size_t n = strlen(peer);

	if ((unsigned)kind >= NKINDS || n == 0 || n > PEER_MAX ||
	    strchr(peer, ' ') != NULL)
		return -1;
	return buf_appendf(out, "%s %s", kind_names[kind], peer) < 0 ? -1 : 0;
}

int
rosterinbox_decode(const void *v, size_t n, enum rosterinbox_kind *kind,
    const char **peer, size_t *peer_len)
{
	const char *p = v, *sp = memchr(p, ' ', n);
	size_t k, klen, plen;

	if (sp == NULL)
		return -1;
	klen = (size_t)(sp - p);
	plen = n - klen - 1;
	if (plen == 0 || plen > PEER_MAX || memchr(sp + 1, ' ', plen) ||
	    memchr(sp + 1, '\0', plen))
		return -1;
	for (k = 0; k < NKINDS; k++)
		if (strlen(kind_names[k]) == klen &&
		    memcmp(kind_names[k], p, klen) == 0)
			break;
	if (k == NKINDS)
		return -1;
	*kind = (enum rosterinbox_kind)k;
	*peer = sp + 1;
	*peer_len = plen;
	return 0;
}

/* --- appending --- */

static void
put_done(void *arg, const struct store_res *r)
{
	(void)arg;
	if (r->status == STORE_OK)
		log_debug("event=roster_inbox_put");
	else if (r->status == STORE_LIMIT)
		log_info("event=roster_inbox_full");
	else
		log_warn("event=roster_inbox_put_failed");
}

int
rosterinbox_put(const char *host, const char *user, enum rosterinbox_kind kind,
    const char *peer)
{
	struct buf b = BUF_INIT;
	struct store_req *sr = NULL;

	if (rosterinbox_encode(kind, peer, &b) == 0)
		sr = store_archive_append_max(server.store, ROSTERINBOX_STORE,
		    host, user, NULL, 0, NULL, buf_ptr(&b), buf_size(&b),
		    server.conf->limits.roster_items, put_done, NULL);
	buf_free(&b);
	if (sr == NULL) {
		log_warn("event=roster_inbox_put_failed");
		return -1;
	}
	return 0;
}

/* --- taking --- */

struct item {
	enum rosterinbox_kind kind;
	char *peer; /* owned */
	char *id; /* owned: the archive id, to delete */
};

struct take {
	char *host, *user; /* owned */
	struct item *items; /* owned array */
	size_t n, cap;
	unsigned pages;
	rosterinbox_fn fn;
	void *arg;
};

static void
take_free(struct take *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->items[i].peer);
		free(t->items[i].id);
	}
	free(t->items);
	free(t->host);
	free(t->user);
	free(t);
}

static int
take_add(struct take *t, enum rosterinbox_kind kind, const char *peer,
    size_t plen, const char *id)
{
	struct item *v;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap ? 2 * t->cap : 16;
		if ((v = realloc(t->items, cap * sizeof(*v))) == NULL)
			return -1;
		t->items = v;
		t->cap = cap;
	}
	v = &t->items[t->n];
	if ((v->peer = strndup(peer, plen)) == NULL)
		return -1;
	if ((v->id = strdup(id)) == NULL) {
		free(v->peer);
		return -1;
	}
	v->kind = kind;
	t->n++;
	return 0;
}

/* The owner's entries are in t: the caller applies them, then they go. */
static void
finish(struct take *t, enum store_status status)
{
	struct rosterinbox_entry *e = NULL;
	size_t i;

	if (status != STORE_OK) {
		t->fn(t->arg, status, NULL, 0);
		take_free(t);
		return;
	}
	if (t->n > 0 && (e = calloc(t->n, sizeof(*e))) == NULL) {
		/* Kept for the next login rather than half applied. */
		t->fn(t->arg, STORE_ERR, NULL, 0);
		take_free(t);
		return;
	}
	for (i = 0; i < t->n; i++) {
		e[i].kind = t->items[i].kind;
		e[i].peer = t->items[i].peer;
	}
	if (t->fn(t->arg, STORE_OK, e, t->n) != 0) {
		for (i = 0; i < t->n; i++)
			store_archive_delete(server.store, ROSTERINBOX_STORE,
			    t->host, t->user, t->items[i].id, NULL, NULL);
		if (t->n > 0)
			log_debug("event=roster_inbox_applied count=%zu", t->n);
	}
	free(e);
	take_free(t);
}

static int read_page(struct take *t, const char *after);

static void
page_read(void *arg, const struct store_res *r)
{
	struct take *t = arg;
	enum rosterinbox_kind kind;
	const char *peer;
	size_t i, plen, max;

	if (r->status != STORE_OK) {
		finish(t, r->status);
		return;
	}
	for (i = 0; i < r->nitems; i++) {
		const struct store_item *it = &r->items[i];

		if (rosterinbox_decode(
		        it->value, it->value_len, &kind, &peer, &plen) == -1) {
			/* Ours, so never expected: it goes. */
			log_warn("event=roster_inbox_unreadable");
			store_archive_delete(server.store, ROSTERINBOX_STORE,
			    t->host, t->user, it->id, NULL, NULL);
			continue;
		}
		if (take_add(t, kind, peer, plen, it->id) == -1) {
			finish(t, STORE_ERR);
			return;
		}
	}
	max = server.conf->limits.roster_items / PAGE + 2;
	if (r->complete || r->nitems == 0 || ++t->pages >= max) {
		finish(t, STORE_OK);
		return;
	}
	/* After the last entry kept: unreadable ones are deleted before the
	 * next read runs, and an id past them may be gone. */
	if (read_page(t, t->n > 0 ? t->items[t->n - 1].id : NULL) == -1)
		finish(t, STORE_ERR);
}

static int
read_page(struct take *t, const char *after)
{
	struct store_archive_query q;

	memset(&q, 0, sizeof(q));
	q.max = PAGE;
	q.after_id = after;
	return store_archive_query(server.store, ROSTERINBOX_STORE, t->host,
	           t->user, &q, page_read, t) == NULL
	    ? -1
	    : 0;
}

int
rosterinbox_take(
    const char *host, const char *user, rosterinbox_fn fn, void *arg)
{
	struct take *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	if ((t->host = strdup(host)) == NULL ||
	    (t->user = strdup(user)) == NULL) {
		take_free(t);
		return -1;
	}
	t->fn = fn;
	t->arg = arg;
	if (read_page(t, NULL) == -1) {
		take_free(t);
		return -1;
	}
	return 0;
}

void
rosterinbox_init(void)
{
	if (store_register(&inbox_def) == -1)
		fatal("rosterinbox: cannot register the store");
}
