/*
 * store: the asynchronous layer over db.c (see store.h).
 *
 * Requests are built on the loop thread, each in its own arena that holds
 * the request, copies of every input and, later, the results; the caller
 * keeps nothing alive for the store. One storage thread owns the database
 * handle and takes requests in order from `queue`; finished requests go on
 * `done` and a loop_async wakes the loop, where on_done() runs each
 * callback with the request's struct store_res and frees the arena after.
 *
 * Group commit: when the thread finds several requests queued, a run of
 * them that holds two or more writes shares one transaction (each write
 * still atomic on its own, through savepoints), so a burst costs one
 * fsync-worthy commit instead of one per write. Results of a run are
 * delivered only after its commit; if the commit fails, every request of
 * the run reports STORE_ERR. Work functions and sweeps never join a run:
 * they may be slow, and must not hold the write lock while they are.
 *
 * Cancellation (store_cancel) happens on the loop thread: it sets a flag
 * that makes on_done() free the request without calling back. A cancelled
 * read or work request that has not started is not executed; a cancelled
 * write is still carried out (the caller gave up on the answer, not on
 * the write). A work function borrows the caller's ctx, so store_cancel()
 * waits for a running one to return: afterwards the store never touches
 * ctx again. Its return value is dropped, so a work function that may be
 * cancelled should leave its results in ctx.
 */
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/hash.h"
#include "core/loop.h"
#include "core/util.h"
#include "store/db.h"
#include "store/sealdb.h"
#include "xmpp/scram.h"

#define STORE_GROUP_MAX 128

enum op {
	OP_CREDS,
	OP_CREATE,
	OP_SET_CREDS,
	OP_DELETE,
	OP_ERASE, /* store: forget_store, key: ver_key, when: tombstone */
	OP_TOMB_CHECK,
	OP_MAP_GET,
	OP_MAP_PUT,
	OP_MAP_DEL,
	OP_MAP_LIST,
	OP_MAP_CLEAR,
	OP_ARCH_APPEND,
	OP_ARCH_QUERY,
	OP_ARCH_DELETE,
	OP_ARCH_SHORTEN,
	OP_ACC_LIST,
	OP_SWEEP,
	OP_WORK,
	OP_STATS,
	OP_UNLOCK, /* key: label; value: ikm */
	OP_LOCK,
};

struct store_req {
	struct store_req *next; /* in queue, done or a local batch */
	struct store *st;
	struct arena *a; /* owns this request, its inputs and its results */
	enum op op;
	int cancelled; /* set on the loop thread, read by both (atomic) */
	int running; /* work executing; under st->mu */
	store_done_fn fn;
	void *arg;
	/* inputs, copies in a */
	const char *store, *host, *user;
	const char *key; /* map key, or archive id */
	const void *value;
	size_t len;
	int64_t when;
	const char *with;
	struct store_archive_query q;
	size_t max; /* archive append: the owner's quota, 0 = none */
	int evict; /* archive append: a full archive drops its oldest */
	int64_t ttl; /* archive append: shorter retention, 0 = the store's */
	uint64_t sweep_max; /* sweep: at most this many rows, 0 = all */
	struct scram_cred *creds;
	size_t ncreds;
	store_work_fn work;
	void *ctx; /* borrowed from the caller */
	/* output */
	struct store_res res;
};

struct store {
	struct db *db; /* the storage thread's once started */
	struct loop_async *async;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* queue non-empty or stopping */
	pthread_cond_t work_cv; /* a work request finished */
	struct store_req *qhead, *qtail; /* queued, under mu */
	struct store_req *dhead, *dtail; /* done, under mu */
	int stopping; /* under mu */
	/*
	 * Archive sizes of owners with an evicting limit (the message
	 * archive), counted once and then kept up to date by appends and
	 * evictions, so an append does not count a large archive each time.
	 * Storage thread only. Any other delete (sweep, delete, shorten,
	 * erasure) or a failed group forgets them all: the next append of
	 * each owner counts again.
	 */
	struct hash *counts;
	struct sealring *ring; /* storage thread (set_on: either) */
	size_t inflight; /* loop thread: submitted, not yet finished */
	size_t inflight_max; /* loop thread: the most seen at once */
};

struct arch_count {
	char *key; /* "store\nhost\nuser", owned */
	uint64_t n;
};

static int
op_writes(enum op op)
{
	switch (op) {
	case OP_CREATE:
	case OP_SET_CREDS:
	case OP_DELETE:
	case OP_ERASE:
	case OP_MAP_PUT:
	case OP_MAP_DEL:
	case OP_MAP_CLEAR:
	case OP_ARCH_APPEND:
	case OP_ARCH_DELETE:
	case OP_ARCH_SHORTEN:
	case OP_UNLOCK:
	case OP_LOCK:
		return 1;
	default:
		return 0;
	}
}

/* Requests that must run alone, outside any group transaction. An
 * unlock may seal a whole archive the first time (migration). */
static int
op_alone(enum op op)
{
	return op == OP_WORK || op == OP_SWEEP || op == OP_UNLOCK;
}

/* Whether a store's values are sealed (else the plain db.c path). */
static int
sealed(const char *store)
{
	const struct store_def *def = store_lookup(store);

	return def != NULL && def->sealed && def->owner == STORE_OWNER_USER;
}

static void
req_free(struct store_req *r)
{
	/* Verifiers are not passwords, but they are what a thief wants. */
	if (r->creds != NULL)
		util_wipe(r->creds, r->ncreds * sizeof(*r->creds));
	if (r->res.creds != NULL)
		util_wipe((void *)r->res.creds,
		    r->res.ncreds * sizeof(*r->res.creds));
	/* An unlock carries a ClientKey. */
	if (r->op == OP_UNLOCK && r->value != NULL)
		util_wipe((void *)r->value, r->len);
	arena_free(r->a);
}

/* --- the storage thread --- */

static void
counts_forget(struct store *st)
{
	struct arch_count *c;
	size_t cur = 0;

	if (st->counts == NULL)
		return;
	while ((c = hash_next(st->counts, &cur, NULL)) != NULL) {
		free(c->key);
		free(c);
	}
	hash_free(st->counts);
	st->counts = NULL;
}

/* The archive size of the request's owner: cached, or counted. */
static enum store_status
arch_count(struct store *st, struct store_req *r, struct arch_count **out)
{
	char key[3 * 1024 + 3];
	struct arch_count *c;
	uint64_t n;
	enum store_status s;

	*out = NULL;
	snprintf(key, sizeof(key), "%s\n%s\n%s", r->store, r->host, r->user);
	if (st->counts == NULL && (st->counts = hash_new()) == NULL)
		return db_archive_count(
		    st->db, r->store, r->host, r->user, &r->res.count);
	if ((c = hash_get(st->counts, key)) != NULL) {
		r->res.count = c->n;
		*out = c;
		return STORE_OK;
	}
	if ((s = db_archive_count(st->db, r->store, r->host, r->user, &n)) !=
	    STORE_OK)
		return s;
	r->res.count = n;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->key = strdup(key)) == NULL ||
	    hash_put(st->counts, c->key, c) == -1) {
		if (c != NULL)
			free(c->key);
		free(c);
		return STORE_OK; /* counted, just not kept */
	}
	c->n = n;
	*out = c;
	return STORE_OK;
}

static void
execute(struct store *st, struct store_req *r)
{
	struct store_res *res = &r->res;
	struct db *d = st->db;

	switch (r->op) {
	case OP_CREDS:
		res->status = db_account_creds(d, r->a, r->host, r->user, res);
		break;
	case OP_CREATE:
	case OP_SET_CREDS: {
		/* The verifiers and the sealing keys change together. */
		int ok;

		if (db_savepoint(d) == -1) {
			res->status = STORE_ERR;
			break;
		}
		res->status = r->op == OP_CREATE
		    ? db_account_create(
		          d, r->host, r->user, r->creds, r->ncreds)
		    : db_account_set_creds(
		          d, r->host, r->user, r->creds, r->ncreds);
		if (res->status == STORE_OK)
			res->status = sealring_creds(st->ring, d, r->host,
			    r->user, r->creds, r->ncreds, r->op == OP_CREATE,
			    &res->count);
		ok = res->status == STORE_OK;
		if (db_release(d, ok) == -1 && ok)
			res->status = STORE_ERR;
		/* A reset deletes sealed rows: counted archives change. */
		if (!ok || res->status != STORE_OK || res->count > 0)
			counts_forget(st);
		break;
	}
	case OP_DELETE:
		counts_forget(st);
		sealring_forget(st->ring, r->host, r->user);
		res->status = db_account_delete(d, r->host, r->user, res);
		break;
	case OP_ERASE: {
		counts_forget(st);
		sealring_forget(st->ring, r->host, r->user);
		struct store_erase e = {.forget_store = r->store,
		    .ver_key = r->key,
		    .ver = r->value,
		    .ver_len = r->len,
		    .tombstone_ttl = r->when};

		res->status = db_account_erase(d, r->host, r->user, &e, res);
		break;
	}
	case OP_TOMB_CHECK: {
		int64_t until = 0;

		res->status = db_tombstone_check(d, r->host, r->user, &until);
		res->count = until > 0 ? (uint64_t)until : 0;
		break;
	}
	case OP_MAP_GET:
		res->status = sealed(r->store)
		    ? sealdb_map_get(st->ring, d, r->a, r->store, r->host,
		          r->user, r->key, res)
		    : db_map_get(
		          d, r->a, r->store, r->host, r->user, r->key, res);
		break;
	case OP_MAP_PUT:
		res->status = sealed(r->store)
		    ? sealdb_map_put(st->ring, d, r->a, r->store, r->host,
		          r->user, r->key, r->value, r->len)
		    : db_map_put(d, r->store, r->host, r->user, r->key,
		          r->value, r->len);
		break;
	case OP_MAP_DEL:
		res->status = sealed(r->store)
		    ? sealdb_map_del(
		          st->ring, d, r->store, r->host, r->user, r->key)
		    : db_map_del(d, r->store, r->host, r->user, r->key);
		break;
	case OP_MAP_LIST:
		res->status = sealed(r->store)
		    ? sealdb_map_list(
		          st->ring, d, r->a, r->store, r->host, r->user, res)
		    : db_map_list(d, r->a, r->store, r->host, r->user, res);
		break;
	case OP_MAP_CLEAR:
		res->status = db_map_clear(d, r->store, r->host, r->user, res);
		break;
	case OP_ARCH_APPEND: {
		struct arch_count *c = NULL;
		uint64_t evicted = 0;
		const char *with = r->with;
		const void *value = r->value;
		size_t len = r->len;

		/* Counted and written in one step of this thread, so two
		 * appends in flight cannot both take the last place. Small
		 * quotas (offline) count each time; evicting ones (the
		 * archive) keep a running count. */
		if (r->max > 0 &&
		    (res->status = r->evict
		            ? arch_count(st, r, &c)
		            : db_archive_count(d, r->store, r->host, r->user,
		                  &res->count)) != STORE_OK)
			break;
		if (r->max > 0 && res->count >= r->max && !r->evict) {
			res->status = STORE_LIMIT;
			break;
		}
		if (r->max > 0 && res->count >= r->max) {
			if ((res->status = db_archive_evict(d, r->store,
			         r->host, r->user, res->count - r->max + 1,
			         res)) != STORE_OK)
				break;
			evicted = res->count;
		}
		if (sealed(r->store) &&
		    (res->status = sealdb_archive_prepare(st->ring, d, r->a,
		         r->store, r->host, r->user, &with, &value, &len)) !=
		        STORE_OK)
			break;
		res->status = db_archive_append_ttl(d, r->a, r->store, r->host,
		    r->user, r->key, r->when, with, value, len, r->ttl, res);
		sealdb_done(d);
		if (c != NULL && res->status == STORE_OK)
			c->n = c->n - (evicted < c->n ? evicted : c->n) + 1;
		else if (c != NULL)
			counts_forget(st);
		break;
	}
	case OP_ARCH_QUERY:
		res->status = sealed(r->store)
		    ? sealdb_archive_query(st->ring, d, r->a, r->store, r->host,
		          r->user, &r->q, res)
		    : db_archive_query(
		          d, r->a, r->store, r->host, r->user, &r->q, res);
		break;
	case OP_ARCH_DELETE:
		counts_forget(st);
		res->status = db_archive_delete(
		    d, r->store, r->host, r->user, r->key, res);
		break;
	case OP_ARCH_SHORTEN:
		counts_forget(st);
		res->status = db_archive_shorten(
		    d, r->store, r->host, r->user, r->ttl, res);
		break;
	case OP_ACC_LIST:
		res->status = db_account_list(d, r->a, r->host, res);
		break;
	case OP_SWEEP:
		counts_forget(st);
		res->status = db_sweep_max(d, r->sweep_max, res);
		break;
	case OP_STATS:
		res->status = db_stats(d, r->store, r->host, r->user, res);
		break;
	case OP_WORK:
		res->work = r->work(r->ctx);
		res->status = STORE_OK;
		break;
	case OP_UNLOCK:
		/* Re-sealing rewrites rows in place, counts stay; opening
		 * for good (sealing off) may drop unreadable ones. */
		if (!sealring_is_on(st->ring))
			counts_forget(st);
		res->status = sealring_unlock(st->ring, d, r->host, r->user,
		    r->key, r->value, r->len, &res->count);
		break;
	case OP_LOCK:
		sealring_lock(st->ring, r->host, r->user);
		res->status = STORE_OK;
		break;
	}
	/* Tombstones are not a registered store: they expire here. */
	if (r->op == OP_SWEEP && res->status == STORE_OK)
		db_tombstone_sweep(d, NULL);
}

/* Whether r is skipped: a cancelled read or work that has not started. */
static int
skip(struct store *st, struct store_req *r)
{
	int cancelled;

	pthread_mutex_lock(&st->mu);
	cancelled = __atomic_load_n(&r->cancelled, __ATOMIC_RELAXED);
	if (!cancelled || op_writes(r->op)) {
		cancelled = 0;
		if (r->op == OP_WORK)
			r->running = 1;
	}
	pthread_mutex_unlock(&st->mu);
	if (cancelled)
		r->res.status = STORE_CANCELLED;
	return cancelled;
}

/* Hands the requests first..last (linked) to the loop thread. */
static void
deliver(struct store *st, struct store_req *first, struct store_req *last)
{
	struct store_req *r;

	pthread_mutex_lock(&st->mu);
	for (r = first;; r = r->next) {
		r->running = 0;
		if (r == last)
			break;
	}
	last->next = NULL;
	if (st->dtail != NULL)
		st->dtail->next = first;
	else
		st->dhead = first;
	st->dtail = last;
	pthread_cond_broadcast(&st->work_cv);
	pthread_mutex_unlock(&st->mu);
	loop_async_send(st->async);
}

/*
 * Runs the batch from *head: one request that must run alone, or a run of
 * up to STORE_GROUP_MAX others, in one transaction if it holds two or more
 * writes. Delivers it and advances *head past it.
 */
static void
run_segment(struct store *st, struct store_req **head)
{
	struct store_req *first = *head, *last, *r;
	size_t n = 0, writes = 0;
	int grouped = 0;

	if (op_alone(first->op)) {
		last = first;
	} else {
		for (r = first;; r = r->next) {
			n++;
			/* Cancelled writes still run (see top). */
			writes += op_writes(r->op);
			if (r->next == NULL || op_alone(r->next->op) ||
			    n == STORE_GROUP_MAX)
				break;
		}
		last = r;
	}
	*head = last->next;
	if (writes >= 2 && db_begin(st->db) == 0)
		grouped = 1;
	for (r = first;; r = r->next) {
		if (!skip(st, r))
			execute(st, r);
		if (r == last)
			break;
	}
	if (grouped && db_commit(st->db) < 0) {
		log_err("event=store_group_failed requests=%zu", n);
		counts_forget(st);
		for (r = first;; r = r->next) {
			if (r->res.status != STORE_CANCELLED) {
				memset(&r->res, 0, sizeof(r->res));
				r->res.status = STORE_ERR;
			}
			if (r == last)
				break;
		}
	}
	deliver(st, first, last);
}

static void *
thread_main(void *arg)
{
	struct store *st = arg;
	struct store_req *batch;

	for (;;) {
		pthread_mutex_lock(&st->mu);
		while (st->qhead == NULL && !st->stopping)
			pthread_cond_wait(&st->cv, &st->mu);
		batch = st->qhead;
		st->qhead = st->qtail = NULL;
		pthread_mutex_unlock(&st->mu);
		if (batch == NULL)
			break; /* stopping, and everything is done */
		while (batch != NULL)
			run_segment(st, &batch);
	}
	return NULL;
}

/* --- the loop thread --- */

static void
finish(struct store_req *r)
{
	int cancelled = __atomic_load_n(&r->cancelled, __ATOMIC_RELAXED);

	if (r->st->inflight > 0)
		r->st->inflight--;
	/* Nobody will hold the reference an abandoned login took. */
	if (cancelled && r->op == OP_UNLOCK && r->res.status == STORE_OK)
		store_lock(r->st, r->host, r->user);
	if (!cancelled && r->fn != NULL)
		r->fn(r->arg, &r->res);
	req_free(r);
}

static void
on_done(struct loop *l, void *arg)
{
	struct store *st = arg;
	struct store_req *list, *r;

	pthread_mutex_lock(&st->mu);
	list = st->dhead;
	st->dhead = st->dtail = NULL;
	pthread_mutex_unlock(&st->mu);
	while ((r = list) != NULL) {
		list = r->next;
		finish(r);
	}
}

struct store *
store_open(const char *data_dir, struct loop *l, char *err, size_t errlen)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((st->ring = sealring_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail_st;
	}
	if ((st->db = db_open(data_dir, err, errlen)) == NULL)
		goto fail_st;
	/* A retention shortened in the configuration reaches old rows. */
	if (db_retention_apply(st->db) != STORE_OK) {
		snprintf(err, errlen, "database: cannot apply retention");
		goto fail_db;
	}
	if ((st->async = loop_async_new(l, on_done, st)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail_db;
	}
	if (pthread_mutex_init(&st->mu, NULL) != 0) {
		snprintf(err, errlen, "cannot create a mutex");
		goto fail_async;
	}
	if (pthread_cond_init(&st->cv, NULL) != 0) {
		snprintf(err, errlen, "cannot create a condition variable");
		goto fail_mu;
	}
	if (pthread_cond_init(&st->work_cv, NULL) != 0) {
		snprintf(err, errlen, "cannot create a condition variable");
		goto fail_cv;
	}
	if (pthread_create(&st->thread, NULL, thread_main, st) != 0) {
		snprintf(err, errlen, "cannot start the storage thread");
		goto fail_work_cv;
	}
	return st;
fail_work_cv:
	pthread_cond_destroy(&st->work_cv);
fail_cv:
	pthread_cond_destroy(&st->cv);
fail_mu:
	pthread_mutex_destroy(&st->mu);
fail_async:
	loop_async_free(st->async);
fail_db:
	counts_forget(st);
	db_close(st->db);
fail_st:
	sealring_free(st->ring);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&st->mu);
	st->stopping = 1;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->thread, NULL);
	/* Everything queued has run; its callbacks run here, not later. */
	on_done(NULL, st);
	loop_async_free(st->async);
	db_close(st->db);
	sealring_free(st->ring);
	pthread_cond_destroy(&st->work_cv);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

void
store_cancel(struct store_req *req)
{
	struct store *st;

	if (req == NULL)
		return;
	st = req->st;
	pthread_mutex_lock(&st->mu);
	__atomic_store_n(&req->cancelled, 1, __ATOMIC_RELAXED);
	/* After this returns the storage thread no longer uses ctx. */
	while (req->running)
		pthread_cond_wait(&st->work_cv, &st->mu);
	pthread_mutex_unlock(&st->mu);
}

/* --- building requests --- */

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/*
 * A new request whose arena is sized for extra bytes of inputs beyond the
 * request itself. NULL on OOM.
 */
static struct store_req *
req_new(struct store *st, enum op op, size_t extra, store_done_fn fn, void *arg)
{
	struct arena *a;
	struct store_req *r;
	size_t first = sizeof(*r) + 256;

	if (st == NULL)
		return NULL;
	/* Big values get their own chunk rather than a huge first one. */
	if (extra < 4096)
		first += extra;
	if ((a = arena_new(first)) == NULL)
		return NULL;
	if ((r = arena_zalloc(a, sizeof(*r))) == NULL) {
		arena_free(a);
		return NULL;
	}
	r->a = a;
	r->st = st;
	r->op = op;
	r->fn = fn;
	r->arg = arg;
	return r;
}

/* Copies s into the request; 0, or -1 on OOM. NULL stays NULL. */
static int
req_str(struct store_req *r, const char **dst, const char *s)
{
	if (s == NULL) {
		*dst = NULL;
		return 0;
	}
	return (*dst = arena_strdup(r->a, s)) != NULL ? 0 : -1;
}

static int
req_owner(
    struct store_req *r, const char *store, const char *host, const char *user)
{
	return req_str(r, &r->store, store) | req_str(r, &r->host, host) |
	    req_str(r, &r->user, user);
}

static int
req_value(struct store_req *r, const void *value, size_t len)
{
	void *p;

	if (len == 0) {
		r->value = NULL;
		r->len = 0;
		return 0;
	}
	if (value == NULL || (p = arena_alloc(r->a, len)) == NULL)
		return -1;
	memcpy(p, value, len);
	r->value = p;
	r->len = len;
	return 0;
}

static int
req_creds(struct store_req *r, const struct scram_cred *creds, size_t n)
{
	if (n == 0)
		return 0;
	if (creds == NULL || n > SCRAM_NHASH ||
	    (r->creds = arena_alloc(r->a, n * sizeof(*creds))) == NULL)
		return -1;
	memcpy(r->creds, creds, n * sizeof(*creds));
	r->ncreds = n;
	return 0;
}

/* Queues r, or frees it and returns NULL if building it failed. */
static struct store_req *
submit(struct store_req *r, int failed)
{
	struct store *st;

	if (r == NULL)
		return NULL;
	if (failed) {
		req_free(r);
		return NULL;
	}
	st = r->st;
	if (++st->inflight > st->inflight_max)
		st->inflight_max = st->inflight;
	pthread_mutex_lock(&st->mu);
	if (st->qtail != NULL)
		st->qtail->next = r;
	else
		st->qhead = r;
	st->qtail = r;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	return r;
}

struct store_req *
store_account_creds(struct store *st, const char *host, const char *user,
    store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_CREDS, slen(host) + slen(user), fn, arg);
	return submit(r, r != NULL && req_owner(r, NULL, host, user) < 0);
}

struct store_req *
store_account_create(struct store *st, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds, store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_CREATE, slen(host) + slen(user), fn, arg);
	return submit(r,
	    r != NULL &&
	        (req_owner(r, NULL, host, user) < 0 ||
	            req_creds(r, creds, ncreds) < 0));
}

struct store_req *
store_account_set_creds(struct store *st, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds, store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_SET_CREDS, slen(host) + slen(user), fn, arg);
	return submit(r,
	    r != NULL &&
	        (req_owner(r, NULL, host, user) < 0 ||
	            req_creds(r, creds, ncreds) < 0));
}

struct store_req *
store_account_delete(struct store *st, const char *host, const char *user,
    store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_DELETE, slen(host) + slen(user), fn, arg);
	return submit(r, r != NULL && req_owner(r, NULL, host, user) < 0);
}

struct store_req *
store_account_erase(struct store *st, const char *host, const char *user,
    const struct store_erase *e, store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_ERASE,
	    slen(host) + slen(user) + slen(e->forget_store) + slen(e->ver_key) +
	        e->ver_len,
	    fn, arg);
	if (r == NULL)
		return NULL;
	r->when = e->tombstone_ttl;
	return submit(r,
	    req_owner(r, e->forget_store, host, user) < 0 ||
	        req_str(r, &r->key, e->ver_key) < 0 ||
	        req_value(r, e->ver, e->ver_len) < 0);
}

struct store_req *
store_tombstone_check(struct store *st, const char *host, const char *user,
    store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_TOMB_CHECK, slen(host) + slen(user), fn, arg);
	return submit(r, r != NULL && req_owner(r, NULL, host, user) < 0);
}

/* A map request: store, owner and key copied. */
static struct store_req *
map_req(struct store *st, enum op op, const char *store, const char *host,
    const char *user, const char *key, size_t extra, store_done_fn fn,
    void *arg)
{
	struct store_req *r;

	r = req_new(st, op,
	    slen(store) + slen(host) + slen(user) + slen(key) + extra, fn, arg);
	if (r != NULL &&
	    (req_owner(r, store, host, user) < 0 ||
	        req_str(r, &r->key, key) < 0)) {
		req_free(r);
		return NULL;
	}
	return r;
}

struct store_req *
store_map_get(struct store *st, const char *store, const char *host,
    const char *user, const char *key, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_MAP_GET, store, host, user, key, 0, fn, arg), 0);
}

struct store_req *
store_map_put(struct store *st, const char *store, const char *host,
    const char *user, const char *key, const void *value, size_t len,
    store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = map_req(st, OP_MAP_PUT, store, host, user, key, len, fn, arg);
	return submit(r, r != NULL && req_value(r, value, len) < 0);
}

struct store_req *
store_map_del(struct store *st, const char *store, const char *host,
    const char *user, const char *key, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_MAP_DEL, store, host, user, key, 0, fn, arg), 0);
}

struct store_req *
store_map_list(struct store *st, const char *store, const char *host,
    const char *user, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_MAP_LIST, store, host, user, NULL, 0, fn, arg), 0);
}

struct store_req *
store_map_clear(struct store *st, const char *store, const char *host,
    const char *user, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_MAP_CLEAR, store, host, user, NULL, 0, fn, arg), 0);
}

struct store_req *
store_archive_append(struct store *st, const char *store, const char *host,
    const char *user, const char *id, int64_t when, const char *with,
    const void *value, size_t len, store_done_fn fn, void *arg)
{
	return store_archive_append_max(
	    st, store, host, user, id, when, with, value, len, 0, fn, arg);
}

struct store_req *
store_archive_append_max(struct store *st, const char *store, const char *host,
    const char *user, const char *id, int64_t when, const char *with,
    const void *value, size_t len, size_t max, store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = map_req(st, OP_ARCH_APPEND, store, host, user, id, slen(with) + len,
	    fn, arg);
	if (r == NULL)
		return NULL;
	r->when = when;
	r->max = max;
	return submit(
	    r, req_str(r, &r->with, with) < 0 || req_value(r, value, len) < 0);
}

struct store_req *
store_archive_append_evict(struct store *st, const char *store,
    const char *host, const char *user, const char *id, int64_t when,
    const char *with, const void *value, size_t len, size_t max,
    store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = map_req(st, OP_ARCH_APPEND, store, host, user, id, slen(with) + len,
	    fn, arg);
	if (r == NULL)
		return NULL;
	r->when = when;
	r->max = max;
	r->evict = 1;
	return submit(
	    r, req_str(r, &r->with, with) < 0 || req_value(r, value, len) < 0);
}

struct store_req *
store_archive_append_ttl(struct store *st, const char *store, const char *host,
    const char *user, const char *id, int64_t when, const char *with,
    const void *value, size_t len, size_t max, int evict, int64_t ttl,
    store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = map_req(st, OP_ARCH_APPEND, store, host, user, id, slen(with) + len,
	    fn, arg);
	if (r == NULL)
		return NULL;
	r->when = when;
	r->max = max;
	r->evict = evict != 0;
	r->ttl = ttl > 0 ? ttl : 0;
	return submit(
	    r, req_str(r, &r->with, with) < 0 || req_value(r, value, len) < 0);
}

/* Copies the query's id list into the request; 0, or -1 on OOM. */
static int
req_ids(struct store_req *r, const struct store_archive_query *q)
{
	const char **ids;
	size_t i;

	if (q->nids == 0) {
		r->q.ids = NULL;
		return 0;
	}
	if (q->nids > SIZE_MAX / sizeof(*ids) ||
	    (ids = arena_alloc(r->a, q->nids * sizeof(*ids))) == NULL)
		return -1;
	for (i = 0; i < q->nids; i++)
		if (req_str(r, &ids[i], q->ids[i]) < 0)
			return -1;
	r->q.ids = ids;
	return 0;
}

struct store_req *
store_archive_query(struct store *st, const char *store, const char *host,
    const char *user, const struct store_archive_query *q, store_done_fn fn,
    void *arg)
{
	struct store_req *r;

	if (q == NULL)
		return NULL;
	r = map_req(st, OP_ARCH_QUERY, store, host, user, NULL,
	    slen(q->with) + slen(q->after_id) + slen(q->before_id), fn, arg);
	if (r == NULL)
		return NULL;
	r->q = *q;
	return submit(r,
	    req_str(r, &r->q.with, q->with) < 0 ||
	        req_str(r, &r->q.after_id, q->after_id) < 0 ||
	        req_str(r, &r->q.before_id, q->before_id) < 0 ||
	        req_ids(r, q) < 0);
}

struct store_req *
store_archive_delete(struct store *st, const char *store, const char *host,
    const char *user, const char *id, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_ARCH_DELETE, store, host, user, id, 0, fn, arg), 0);
}

struct store_req *
store_archive_shorten(struct store *st, const char *store, const char *host,
    const char *user, int64_t ttl, store_done_fn fn, void *arg)
{
	struct store_req *r;

	if (ttl <= 0)
		return NULL;
	r = map_req(st, OP_ARCH_SHORTEN, store, host, user, NULL, 0, fn, arg);
	if (r == NULL)
		return NULL;
	r->ttl = ttl;
	return submit(r, 0);
}

struct store_req *
store_account_list(
    struct store *st, const char *host, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_ACC_LIST, "", host, "", NULL, 0, fn, arg), 0);
}

struct store_req *
store_sweep(struct store *st, store_done_fn fn, void *arg)
{
	return submit(req_new(st, OP_SWEEP, 0, fn, arg), 0);
}

struct store_req *
store_sweep_max(struct store *st, uint64_t max, store_done_fn fn, void *arg)
{
	struct store_req *r;

	if ((r = req_new(st, OP_SWEEP, 0, fn, arg)) == NULL)
		return NULL;
	r->sweep_max = max;
	return submit(r, 0);
}

struct store_req *
store_stats(struct store *st, const char *store, const char *host,
    const char *user, store_done_fn fn, void *arg)
{
	return submit(
	    map_req(st, OP_STATS, store, host, user, NULL, 0, fn, arg), 0);
}

struct store_req *
store_work(struct store *st, store_work_fn work, void *ctx, store_done_fn fn,
    void *arg)
{
	struct store_req *r;

	if (work == NULL)
		return NULL;
	if ((r = req_new(st, OP_WORK, 0, fn, arg)) == NULL)
		return NULL;
	r->work = work;
	r->ctx = ctx;
	return submit(r, 0);
}

size_t
store_inflight(const struct store *st, size_t *max)
{
	if (max != NULL)
		*max = st->inflight_max;
	return st->inflight;
}

/* --- sealing --- */

void
store_set_sealing(struct store *st, int on)
{
	if (st != NULL)
		sealring_set_on(st->ring, on);
}

struct store_req *
store_unlock(struct store *st, const char *host, const char *user,
    const struct store_unlock *u, store_done_fn fn, void *arg)
{
	struct store_req *r;

	r = req_new(st, OP_UNLOCK,
	    slen(host) + slen(user) + slen(u->label) + u->ikm_len, fn, arg);
	return submit(r,
	    r != NULL &&
	        (req_owner(r, NULL, host, user) < 0 ||
	            req_str(r, &r->key, u->label) < 0 ||
	            (u->ikm != NULL && req_value(r, u->ikm, u->ikm_len) < 0)));
}

void
store_lock(struct store *st, const char *host, const char *user)
{
	struct store_req *r;

	r = req_new(st, OP_LOCK, slen(host) + slen(user), NULL, NULL);
	submit(r, r != NULL && req_owner(r, NULL, host, user) < 0);
}

size_t
store_unlocked(const struct store *st)
{
	return st != NULL ? sealring_open(st->ring) : 0;
}
