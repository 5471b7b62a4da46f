/*
 * private: private XML storage (XEP-0049, jabber:iq:private). An account
 * keeps elements only it can read back, one per (namespace, name), under
 * the key "{ns}name" of a map store; a request gets or sets exactly one
 * element. Only the account itself may use it: a 'to' other than the
 * sender's own bare JID is <forbidden/>.
 *
 * All of one account's stored elements together may not exceed
 * [limits] private_bytes. Checking that is a read (what is stored now)
 * followed by a write, so the requests of one account are run one after
 * the other through a small per-account queue: requests pipelined in one
 * burst cannot all pass the check before any of them is written, and a
 * get sent after a set sees what the set stored. The queue holds at most
 * PRIVATE_QUEUE_MAX requests per account; beyond that the client is told
 * to wait (<resource-constraint/>). A queue exists only while it holds
 * requests.
 *
 * Invariant: a queue's head is the one request of that account with a
 * store operation in flight; it leaves the queue when that operation's
 * answer has been sent, and the next one starts.
 *
 * The store is sealed to the account (PRIVACY.md): only the account
 * itself reads or writes it, while it is logged in and so unlocked. A
 * store answer STORE_LOCKED (a login that did not unlock) is an error to
 * the account and writes nothing; a copy kept in step by another module
 * is then not made, and is logged.
 *
 * Other modules keeping a copy of an element in step (bookmarks.h) learn
 * of the account's own sets through private_on_set and write through
 * private_put, which takes the same queue and calls no hook, so two
 * mirrors cannot feed each other forever.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/hash.h"
#include "core/log.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/modules.h"
#include "xmpp/private.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_PRIVATE "jabber:iq:private"
#define PRIVATE_STORE "private"
#define PRIVATE_QUEUE_MAX 16

static const struct store_def private_store = {
    .name = PRIVATE_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "private XML (XEP-0049): data clients keep for their own "
            "account, such as group chat bookmarks in the older form",
    .sealed = 1,
};

struct queue;

/* One request; lives in the request's arena (or, from private_put, in
 * an arena of its own). */
struct op {
	struct iq_req *req; /* NULL: from private_put */
	struct arena *own; /* private_put: owned, holds op */
	const char *host, *user;
	struct queue *q;
	const struct xml_node *el; /* the element named (get) or sent (set) */
	const char *key; /* "{ns}name" */
	const char *value; /* set: serialized element; NULL: delete */
	size_t len;
	struct op *next;
};

/* The requests of one account, oldest (running) first. */
struct queue {
	char *bare; /* owned; the hash key */
	struct op *head, *tail;
	size_t n;
};

static struct hash *queues; /* bare JID → struct queue; NULL when none */

#define HOOKS_MAX 4
static struct {
	const char *key; /* "{ns}name" */
	private_set_fn fn;
} hooks[HOOKS_MAX];
static size_t nhooks;

static void run(struct queue *q);

/* Ends the head request (its answer was sent) and starts the next. */
static void
finish(struct op *op)
{
	struct queue *q = op->q;

	q->head = op->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->n--;
	if (op->req != NULL)
		iq_req_free(op->req); /* op is gone with it */
	else
		arena_free(op->own);
	if (q->head != NULL) {
		run(q);
		return;
	}
	hash_del(queues, q->bare);
	free(q->bare);
	free(q);
	if (hash_count(queues) == 0) {
		hash_free(queues);
		queues = NULL;
	}
}

static void
fail(struct op *op)
{
	if (op->req != NULL)
		iq_error(op->req, "wait", "internal-server-error", NULL);
	else
		log_info("event=private_copy_failed");
	finish(op);
}

static void
got(void *arg, const struct store_res *r)
{
	struct op *op = arg;
	struct iq_req *req = op->req;
	struct xml_node *q, *el;
	struct xml_limits lim;

	if ((q = xml_new(req->a, NS_PRIVATE, "query")) == NULL) {
		fail(op);
		return;
	}
	if (r->status == STORE_NOTFOUND) {
		/* Nothing stored: the element asked for comes back empty. */
		el = xml_new(req->a, op->el->ns, op->el->name);
	} else if (r->status == STORE_OK) {
		memset(&lim, 0, sizeof(lim));
		lim.stanza_bytes = server.conf->limits.stanza_bytes;
		lim.depth = server.conf->limits.depth;
		lim.attrs = server.conf->limits.attrs;
		el = xml_parse_element(req->a, r->value, r->value_len, &lim);
	} else {
		el = NULL;
	}
	if (el == NULL) {
		fail(op);
		return;
	}
	xml_append(q, el);
	iq_reply(req, q);
	finish(op);
}

static void
stored(void *arg, const struct store_res *r)
{
	struct op *op = arg;

	size_t i;

	/* NOTFOUND: a delete of what was not there. */
	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		fail(op);
		return;
	}
	if (op->req != NULL) {
		iq_reply(op->req, NULL);
		for (i = 0; i < nhooks; i++)
			if (strcmp(hooks[i].key, op->key) == 0)
				hooks[i].fn(op->host, op->user,
				    op->value != NULL ? op->el : NULL);
	}
	finish(op);
}

static void
listed(void *arg, const struct store_res *r)
{
	struct op *op = arg;
	struct iq_req *req = op->req;
	size_t total = op->len, i;

	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		fail(op);
		return;
	}
	/* What the account will hold: everything but the element this set
	 * replaces, plus the new one. */
	for (i = 0; i < r->nitems; i++)
		if (strcmp(r->items[i].key, op->key) != 0)
			total += r->items[i].value_len;
	if (total > server.conf->limits.private_bytes) {
		/* As for vCards: a limit the client can only meet by storing
		 * less, so <not-acceptable/>, not a wait-and-retry
		 * <resource-constraint/>. A copy kept in step is not made. */
		if (req != NULL)
			iq_error(req, "modify", "not-acceptable",
			    "private storage is full");
		finish(op);
		return;
	}
	if (store_map_put(server.store, PRIVATE_STORE, op->host, op->user,
	        op->key, op->value, op->len, stored, op) == NULL)
		fail(op);
}

static void
run(struct queue *q)
{
	struct op *op = q->head;
	struct iq_req *req = op->req;
	struct store_req *sr;

	if (req != NULL && !req->set)
		sr = store_map_get(server.store, PRIVATE_STORE, op->host,
		    op->user, op->key, got, op);
	else if (op->value == NULL)
		sr = store_map_del(server.store, PRIVATE_STORE, op->host,
		    op->user, op->key, stored, op);
	else
		sr = store_map_list(server.store, PRIVATE_STORE, op->host,
		    op->user, listed, op);
	if (sr == NULL)
		fail(op);
}

/* Queues op for its account; -1 when the queue is full or on OOM. */
static int
enqueue(struct op *op, const char *bare)
{
	struct queue *q;
	int fresh = 0;

	if (queues == NULL && (queues = hash_new()) == NULL)
		return -1;
	if ((q = hash_get(queues, bare)) == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL ||
		    (q->bare = strdup(bare)) == NULL ||
		    hash_put(queues, q->bare, q) == -1) {
			if (q != NULL)
				free(q->bare);
			free(q);
			if (hash_count(queues) == 0) {
				hash_free(queues);
				queues = NULL;
			}
			return -1;
		}
		fresh = 1;
	}
	if (!fresh && q->n >= PRIVATE_QUEUE_MAX)
		return -1;
	op->q = q;
	if (q->tail != NULL)
		q->tail->next = op;
	else
		q->head = op;
	q->tail = op;
	q->n++;
	if (q->head == op)
		run(q);
	return 0;
}

/* The one element child of <query/>, or NULL if there are none or more. */
static const struct xml_node *
only_child(const struct xml_node *query)
{
	const struct xml_node *c = xml_child(query, NULL, NULL);

	if (c == NULL || xml_next(c, NULL, NULL) != NULL)
		return NULL;
	return c;
}

static enum iq_status
private_iq(struct iq_req *req)
{
	const struct xml_node *el;
	struct buf b = BUF_INIT;
	struct op *op;
	char *bare;

	if (req->from == NULL ||
	    !jid_bare_eq(&req->from->acct->jid, &req->to)) {
		iq_error(req, "auth", "forbidden", NULL);
		return IQ_DONE;
	}
	/* XEP-0049 §2.3: a get names one element; a set here stores one,
	 * which is all clients send and what one key per element needs. */
	if ((el = only_child(req->payload)) == NULL) {
		iq_error(req, "modify", "bad-request",
		    "exactly one element is stored or asked for");
		return IQ_DONE;
	}
	/* The element needs a namespace of its own, and jabber:* ones are
	 * reserved (XEP-0049 §2.3); a child that inherited
	 * jabber:iq:private falls here too. */
	if (el->ns[0] == '\0' || strncmp(el->ns, "jabber:", 7) == 0) {
		iq_error(req, "modify", "not-acceptable",
		    "reserved or missing namespace");
		return IQ_DONE;
	}
	if ((op = arena_zalloc(req->a, sizeof(*op))) == NULL ||
	    (op->key = arena_printf(req->a, "{%s}%s", el->ns, el->name)) ==
	        NULL ||
	    (bare = jid_bare_str(req->a, &req->to)) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	op->req = req;
	op->host = req->to.domain;
	op->user = req->to.local;
	op->el = el;
	/* An element with nothing in it is what a get of nothing returns:
	 * storing it would keep nothing of use, so it deletes the key. */
	if (req->set && (el->children != NULL || el->attrs != NULL)) {
		if (xml_serialize(el, XML_NS_CLIENT, &b) == -1 ||
		    (op->value = arena_strndup(
		         req->a, buf_ptr(&b), buf_size(&b))) == NULL) {
			buf_free(&b);
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		op->len = buf_size(&b);
		buf_free(&b);
		if (op->len > server.conf->limits.private_bytes) {
			iq_error(req, "modify", "not-acceptable",
			    "private storage is full");
			return IQ_DONE;
		}
	}
	if (enqueue(op, bare) == -1) {
		iq_error(req, "wait", "resource-constraint", NULL);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

void
private_on_set(const char *key, private_set_fn fn)
{
	if (nhooks == HOOKS_MAX)
		fatal("private: too many hooks");
	hooks[nhooks].key = key;
	hooks[nhooks].fn = fn;
	nhooks++;
}

int
private_put(const char *host, const char *user, const struct xml_node *el)
{
	struct arena *a;
	struct op *op;
	struct buf b = BUF_INIT;
	char *bare;

	if ((a = arena_new(1024)) == NULL)
		return -1;
	if ((op = arena_zalloc(a, sizeof(*op))) == NULL ||
	    (op->host = arena_strdup(a, host)) == NULL ||
	    (op->user = arena_strdup(a, user)) == NULL ||
	    (op->key = arena_printf(a, "{%s}%s", el->ns, el->name)) == NULL ||
	    (bare = arena_printf(a, "%s@%s", user, host)) == NULL)
		goto fail;
	op->own = a;
	if (el->children != NULL || el->attrs != NULL) {
		if (xml_serialize(el, XML_NS_CLIENT, &b) == -1 ||
		    (op->value = arena_strndup(a, buf_ptr(&b), buf_size(&b))) ==
		        NULL)
			goto fail;
		op->len = buf_size(&b);
		buf_free(&b);
	}
	if (enqueue(op, bare) == -1)
		goto fail;
	return 0;
fail:
	buf_free(&b);
	arena_free(a);
	return -1;
}

void
private_module_init(void)
{
	store_register(&private_store);
	iq_register(NS_PRIVATE, "query", IQ_ACCOUNT, private_iq);
	disco_add_feature(NS_PRIVATE, IQ_ACCOUNT);
}
