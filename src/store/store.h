/*
 * store: everything Lethe keeps on disk, behind one asynchronous API.
 *
 * Requests are made on the loop thread and executed in order on a storage
 * thread (SQLite in WAL mode by default); each completion runs on the loop
 * thread. Three shapes: key/value (a map with the empty key), map per owner
 * and archive (time-ordered, queryable). Every store is declared in the
 * registry with its owner and its retention, so account deletion and
 * expiry are driven from one table and nothing is forgotten; expired items
 * are also filtered on read, so none is served between sweeps.
 *
 * Owners are (host, user) pairs of normalized strings; user "" is the host
 * itself. Values are opaque bytes.
 */
#ifndef LETHE_STORE_H
#define LETHE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct scram_cred;

/* --- registry --- */

enum store_shape { STORE_MAP = 0, STORE_ARCHIVE };
enum store_owner { STORE_OWNER_USER = 0, STORE_OWNER_HOST, STORE_OWNER_ROOM };

struct store_def {
	const char *name; /* unique, [a-z0-9_]+ */
	enum store_shape shape;
	enum store_owner owner;
	int64_t retention; /* seconds; 0 = kept until removed */
	const char *what; /* plain words for the privacy report */
	int sealed; /* values sealed to the owner (PRIVACY.md) */
};

/* Declares a store (static storage, before store_open). 0 or -1 if the
 * name is taken or invalid. */
int store_register(const struct store_def *def);
/* Changes a registered store's retention (from configuration). */
int store_set_retention(const char *name, int64_t seconds);
const struct store_def *store_lookup(const char *name);
/* The registered stores, in registration order. */
const struct store_def *const *store_registry(size_t *n);

/* --- results --- */

enum store_status {
	STORE_OK = 0,
	STORE_NOTFOUND,
	STORE_EXISTS, /* account already exists */
	STORE_LIMIT, /* a quota was reached */
	STORE_ERR, /* the database failed; logged by the store */
	STORE_CANCELLED,
	/* Sealed data of an owner whose keys are not in memory (no
	 * authenticated stream of the account): it cannot be read, and a
	 * map cannot be written (see "Sealing" below). */
	STORE_LOCKED,
};

struct store_item {
	const char *key; /* map key */
	const char *id; /* archive item id */
	int64_t when; /* archive timestamp, seconds */
	const char *with; /* archive peer (bare JID), or NULL */
	const void *value;
	size_t value_len;
	int64_t kid; /* internal to the store (sealing); callers ignore it */
};

/*
 * Everything a completion can carry; valid only during the callback (it
 * points into the request's memory, freed right after). Values are
 * NUL-terminated for convenience; the NUL is not counted in value_len.
 */
struct store_res {
	enum store_status status;
	const void *value; /* map/kv get */
	size_t value_len;
	const struct store_item *items; /* map list, archive query */
	size_t nitems;
	int complete; /* archive query: no further items in that direction */
	const struct scram_cred *creds; /* account creds */
	size_t ncreds;
	uint64_t count;
	int64_t oldest; /* store_stats: oldest item's time, 0 if unknown */
	int64_t next_expiry; /* store_stats: first expiry, 0 if none */
	void *work; /* store_work: what the work function returned */
	int64_t kid; /* internal to the store (sealing); callers ignore it */
};

typedef void (*store_done_fn)(void *arg, const struct store_res *r);

struct store;
struct store_req; /* a request in flight, for store_cancel() */

/*
 * Opens (creating, migrating) the database under data_dir and starts the
 * storage thread, whose completions are delivered on loop l. NULL on
 * failure with a message in err[errlen].
 */
struct store *store_open(
    const char *data_dir, struct loop *l, char *err, size_t errlen);
/*
 * Finishes queued requests, stops the thread, closes. The callbacks of
 * requests still pending run inside this call. NULL is a no-op.
 */
void store_close(struct store *st);
/*
 * On the loop thread, before req's callback has run: the callback will
 * not run and the store releases req. A cancelled read or work that has
 * not started is not executed; a cancelled write still is. If req is a
 * work request running now, this waits for it to return, so the caller
 * may free ctx afterwards. NULL is a no-op.
 */
void store_cancel(struct store_req *req);

/* Accounts: the SCRAM verifiers of (host, user). */
struct store_req *store_account_creds(struct store *st, const char *host,
    const char *user, store_done_fn fn, void *arg);
struct store_req *store_account_create(struct store *st, const char *host,
    const char *user, const struct scram_cred *creds, size_t ncreds,
    store_done_fn fn, void *arg);
/*
 * Replaces the verifiers. Sealing keys follow the creds that carry a
 * client_key (fresh ones from scram_make_cred()): while the owner is
 * unlocked its private key is wrapped again under them and nothing is
 * lost (a password change by a logged-in user); otherwise the old keys
 * cannot be opened, so new keys are made and everything sealed under
 * the old ones is deleted (count = rows deleted): an operator's reset.
 */
struct store_req *store_account_set_creds(struct store *st, const char *host,
    const char *user, const struct scram_cred *creds, size_t ncreds,
    store_done_fn fn, void *arg);
/* Deletes the account and every registered store's data it owns. */
struct store_req *store_account_delete(struct store *st, const char *host,
    const char *user, store_done_fn fn, void *arg);

/*
 * What else goes when an account is erased (store_account_erase): the
 * rows of other owners in map store forget_store (NULL: none) whose key
 * is the account's bare JID, each such owner's ver_key row (NULL: none)
 * replaced by ver[ver_len]; and a tombstone kept tombstone_ttl seconds
 * (0: none) that stops the name being registered again.
 */
struct store_erase {
	const char *forget_store;
	const char *ver_key;
	const void *ver;
	size_t ver_len;
	int64_t tombstone_ttl;
};
/* store_account_delete() and the above in one transaction; e is copied. */
struct store_req *store_account_erase(struct store *st, const char *host,
    const char *user, const struct store_erase *e, store_done_fn fn, void *arg);
/* STORE_OK (count = the tombstone's expiry) if a live tombstone names
 * user@host, else STORE_NOTFOUND. */
struct store_req *store_tombstone_check(struct store *st, const char *host,
    const char *user, store_done_fn fn, void *arg);

/*
 * Map stores (key "" is the key/value shape). fn may be NULL. Inputs are
 * copied. get: STORE_NOTFOUND if absent or expired; del: STORE_NOTFOUND
 * if there was nothing to delete; clear: count = keys deleted.
 */
struct store_req *store_map_get(struct store *st, const char *store,
    const char *host, const char *user, const char *key, store_done_fn fn,
    void *arg);
struct store_req *store_map_put(struct store *st, const char *store,
    const char *host, const char *user, const char *key, const void *value,
    size_t len, store_done_fn fn, void *arg);
struct store_req *store_map_del(struct store *st, const char *store,
    const char *host, const char *user, const char *key, store_done_fn fn,
    void *arg);
/* All (key, value) of one owner in one store, in key order. */
struct store_req *store_map_list(struct store *st, const char *store,
    const char *host, const char *user, store_done_fn fn, void *arg);
/* Deletes all of one owner's keys in one store. */
struct store_req *store_map_clear(struct store *st, const char *store,
    const char *host, const char *user, store_done_fn fn, void *arg);

/* Archive stores. */
struct store_archive_query {
	const char *with; /* NULL: any */
	int64_t start, end; /* seconds, 0: unbounded */
	const char *after_id, *before_id; /* NULL: unbounded */
	size_t max; /* at most this many items (capped by the store) */
	int backwards; /* newest first (for "before" paging) */
	/* nids > 0: only the live items with these ids, in archive order
	 * (unknown ids skipped, every other field but max ignored). */
	const char *const *ids;
	size_t nids;
};
/*
 * Queries return items ordered by (when, insertion), oldest first unless
 * backwards. start and end are inclusive; after_id/before_id exclude the
 * item they name and must name a live item, else STORE_NOTFOUND. At most
 * min(max, 1000) items; complete says no further item matches in the
 * direction of the query.
 */
/* id NULL: the store generates a unique id, returned as items[0].id.
 * when 0: now. STORE_EXISTS if the owner already has that id. */
struct store_req *store_archive_append(struct store *st, const char *store,
    const char *host, const char *user, const char *id, int64_t when,
    const char *with, const void *value, size_t len, store_done_fn fn,
    void *arg);
/*
 * The same with a quota: if the owner already holds `max` live items in
 * that store, nothing is written and the status is STORE_LIMIT (count =
 * the items held). The count and the write are one step on the storage
 * thread, so appends in flight together cannot overshoot. max 0: none.
 */
struct store_req *store_archive_append_max(struct store *st, const char *store,
    const char *host, const char *user, const char *id, int64_t when,
    const char *with, const void *value, size_t len, size_t max,
    store_done_fn fn, void *arg);
/*
 * The same, but a full archive makes room: the owner's oldest items are
 * deleted until the new one fits (count = items deleted), in the same
 * step as the write. max 0: none.
 */
struct store_req *store_archive_append_evict(struct store *st,
    const char *store, const char *host, const char *user, const char *id,
    int64_t when, const char *with, const void *value, size_t len, size_t max,
    store_done_fn fn, void *arg);
/*
 * store_archive_append_evict() (evict non-zero) or _max() (evict 0) with
 * a per-item retention: ttl > 0 seconds is used when shorter than the
 * store's (a user's own choice), never to lengthen it.
 */
struct store_req *store_archive_append_ttl(struct store *st, const char *store,
    const char *host, const char *user, const char *id, int64_t when,
    const char *with, const void *value, size_t len, size_t max, int evict,
    int64_t ttl, store_done_fn fn, void *arg);
/*
 * An owner's own shorter retention, ttl > 0 seconds, applied to what the
 * owner already holds: older items deleted (count), the rest expiring at
 * their time + ttl when sooner (db_archive_shorten()).
 */
struct store_req *store_archive_shorten(struct store *st, const char *store,
    const char *host, const char *user, int64_t ttl, store_done_fn fn,
    void *arg);
/* The users of host, sorted bytewise, as items[].key. */
struct store_req *store_account_list(
    struct store *st, const char *host, store_done_fn fn, void *arg);
struct store_req *store_archive_query(struct store *st, const char *store,
    const char *host, const char *user, const struct store_archive_query *q,
    store_done_fn fn, void *arg);
/* Deletes one item (id non-NULL) or all of the owner's items. */
struct store_req *store_archive_delete(struct store *st, const char *store,
    const char *host, const char *user, const char *id, store_done_fn fn,
    void *arg);

/*
 * Requests submitted and not yet finished (their callbacks not yet run),
 * and in *max (if non-NULL) the most there have been at once. Loop
 * thread only; main uses it for back-pressure.
 */
size_t store_inflight(const struct store *st, size_t *max);

/* Runs the retention sweep now (normally on a timer); count = deleted. */
struct store_req *store_sweep(struct store *st, store_done_fn fn, void *arg);
/* The same, deleting at most max rows (0: all); count == max says more
 * may remain. */
struct store_req *store_sweep_max(
    struct store *st, uint64_t max, store_done_fn fn, void *arg);

/*
 * What one owner holds in one registered store: count = live items,
 * oldest = the oldest item's time (archives; 0 for maps and when empty),
 * next_expiry = the first expiry (0: none).
 */
struct store_req *store_stats(struct store *st, const char *store,
    const char *host, const char *user, store_done_fn fn, void *arg);

/*
 * Runs work(ctx) on the storage thread (for slow computations such as
 * PBKDF2 that must not block the loop); its return value is res->work.
 * ctx is borrowed until the callback runs or store_cancel() returns; the
 * return value of a cancelled work is dropped, so a work that may be
 * cancelled should leave its results in ctx.
 */
typedef void *(*store_work_fn)(void *ctx);
struct store_req *store_work(struct store *st, store_work_fn work, void *ctx,
    store_done_fn fn, void *arg);

/*
 * Sealing (PRIVACY.md, "Sealed records"). The values of stores registered
 * with .sealed are encrypted to their owner, and their map keys and
 * archive peers are replaced by keyed hashes, by this layer: callers see
 * clear data exactly as before, but only while the owner is unlocked.
 *
 * An owner is unlocked from a successful login (store_unlock(), once per
 * authenticated stream) until the matching store_lock() (when that stream
 * ends, including a resumable one that expires). For a locked owner whose
 * data is sealed: map get, put, del and list and archive queries answer
 * STORE_LOCKED; archive appends, deletes by id, map clears, stats and
 * account deletion work (an append is sealed to the owner's public key
 * through a write-only key, and indexed at the next unlock). An account
 * that has no keys yet (sealing off, or not logged in since it was
 * turned on) is never locked: its data is in clear until its next login
 * seals it. Requests run in order, so everything submitted after
 * store_unlock() sees the outcome of it.
 */
/* Whether new data is sealed ([server] sealing); before store_open(). */
void store_set_sealing(struct store *st, int on);

struct store_unlock {
	/* "SHA-1", "SHA-256", "SHA-512" (SCRAM and PLAIN logins: ikm is
	 * that hash's ClientKey), or "FAST" (token logins: no ikm; the
	 * login only joins an owner already unlocked). */
	const char *label;
	const unsigned char *ikm;
	size_t ikm_len;
};
/*
 * Takes one unlock reference for (host, user), unwrapping the account's
 * private key with u (creating the keys, and sealing what is in clear,
 * the first time). STORE_OK: unlocked (count 1) or nothing to unlock
 * (count 0); STORE_LOCKED: u cannot open the keys (no key wrapped for
 * that label, a token login to a locked owner): the login must fail;
 * STORE_ERR. Every STORE_OK must be matched by one store_lock().
 */
struct store_req *store_unlock(struct store *st, const char *host,
    const char *user, const struct store_unlock *u, store_done_fn fn,
    void *arg);
/* Drops one reference; the last wipes the owner's keys from memory. */
void store_lock(struct store *st, const char *host, const char *user);
/* Accounts whose unwrapped keys are in memory now (status). */
size_t store_unlocked(const struct store *st);

#endif
