/*
 * db: the synchronous SQLite layer under the store. The storage thread
 * and lethectl each own a handle; the database is DATA_DIR/lethe.db in
 * WAL mode with a busy timeout, so the daemon and the admin tool can
 * write at the same time.
 *
 * A handle is used by one thread at a time. Every function that reads
 * filters out expired rows, so an expired item is never served between
 * sweeps; every write to a registered store sets expires = now + the
 * store's retention (NULL when the retention is 0). Store names must be
 * registered (store_register()) with the shape the call expects, else the
 * call fails with STORE_ERR. Hosts, users and ids are normalized strings
 * handed in by callers.
 *
 * Results (values, items, creds) are allocated in the caller's arena and
 * described in a struct store_res; values are NUL-terminated for the
 * caller's convenience (the NUL is not counted in value_len).
 */
#ifndef LETHE_STORE_DB_H
#define LETHE_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct arena;
struct db;

/* The most items one archive query returns, whatever max asks for. */
#define DB_ARCHIVE_MAX 1000

/*
 * Opens (creating data_dir with mode 0700 and lethe.db with mode 0600 if
 * absent) and migrates the schema in one transaction. A database written
 * by a newer Lethe is refused. NULL on failure, with a one-line message
 * in err[errlen].
 */
struct db *db_open(const char *data_dir, char *err, size_t errlen);
/* Closes the handle; NULL is a no-op. */
void db_close(struct db *d);

/* The schema version this code writes. */
int db_schema_version(void);

/*
 * The clock used for expiry, seconds since the epoch; process-wide.
 * NULL restores the wall clock. For tests.
 */
typedef int64_t (*db_clock_fn)(void);
void db_set_clock(db_clock_fn fn);
int64_t db_now(void);

/*
 * Groups several writes in one transaction (the store's group commit).
 * Operations inside keep their own atomicity through savepoints, so one
 * failing does not undo the others. db_commit() returns -1 (and leaves
 * no transaction open) if the commit failed or SQLite already rolled the
 * transaction back after an I/O error: then none of the group's writes
 * happened.
 */
int db_begin(struct db *d);
int db_commit(struct db *d);
void db_rollback(struct db *d);

/* --- accounts --- */

/* STORE_OK, STORE_EXISTS, STORE_ERR. ncreds may be 0. */
enum store_status db_account_create(struct db *d, const char *host,
    const char *user, const struct scram_cred *creds, size_t ncreds);
/* r->creds/ncreds (in a); STORE_NOTFOUND if there is no such account. */
enum store_status db_account_creds(struct db *d, struct arena *a,
    const char *host, const char *user, struct store_res *r);
/* Replaces all verifiers; STORE_NOTFOUND if there is no such account. */
enum store_status db_account_set_creds(struct db *d, const char *host,
    const char *user, const struct scram_cred *creds, size_t ncreds);
/*
 * Deletes the account, its verifiers and, in the same transaction, every
 * row it owns in the map and archive tables, except those of stores
 * registered with a non-user owner (rooms and hosts are not accounts).
 * Rows of stores not registered in this process (lethectl registers
 * none) are deleted too, so nothing is left behind. STORE_NOTFOUND if
 * there was no account (leftover rows are still erased); r->count, if r
 * is non-NULL, is the number of data rows deleted.
 */
enum store_status db_account_delete(
    struct db *d, const char *host, const char *user, struct store_res *r);
/* The users of host, sorted bytewise, as r->items[].key (in a). */
enum store_status db_account_list(
    struct db *d, struct arena *a, const char *host, struct store_res *r);

/* --- map stores --- */

/* r->value/value_len (in a); STORE_NOTFOUND if absent or expired. */
enum store_status db_map_get(struct db *d, struct arena *a, const char *store,
    const char *host, const char *user, const char *key, struct store_res *r);
/* Inserts or replaces, renewing the expiry. */
enum store_status db_map_put(struct db *d, const char *store, const char *host,
    const char *user, const char *key, const void *value, size_t len);
/* STORE_NOTFOUND if there was nothing to delete. */
enum store_status db_map_del(struct db *d, const char *store, const char *host,
    const char *user, const char *key);
/* r->items[].key/value in key order (in a). */
enum store_status db_map_list(struct db *d, struct arena *a, const char *store,
    const char *host, const char *user, struct store_res *r);
/* r->count (r may be NULL) = keys deleted. */
enum store_status db_map_clear(struct db *d, const char *store,
    const char *host, const char *user, struct store_res *r);

/* --- archive stores --- */

/*
 * Appends an item. id NULL: a random unique id is generated. when 0: now.
 * r->items[0] (in a) carries the id and time. STORE_EXISTS if the owner
 * already has an item with that id.
 */
enum store_status db_archive_append(struct db *d, struct arena *a,
    const char *store, const char *host, const char *user, const char *id,
    int64_t when, const char *with, const void *value, size_t len,
    struct store_res *r);
/* The same, but ttl > 0 (seconds) is this item's retention when shorter
 * than the store's (a user's own choice); it never lengthens it. */
enum store_status db_archive_append_ttl(struct db *d, struct arena *a,
    const char *store, const char *host, const char *user, const char *id,
    int64_t when, const char *with, const void *value, size_t len, int64_t ttl,
    struct store_res *r);
/*
 * Items ordered by (time, insertion), oldest first, or newest first if
 * q->backwards. start and end are inclusive; after_id/before_id exclude
 * the item named and must name a live item (else STORE_NOTFOUND). At most
 * min(q->max, DB_ARCHIVE_MAX) items; r->complete says no further item
 * matches in that direction.
 */
enum store_status db_archive_query(struct db *d, struct arena *a,
    const char *store, const char *host, const char *user,
    const struct store_archive_query *q, struct store_res *r);
/*
 * Deletes the owner's n oldest items (by time, then insertion), whatever
 * their expiry; r->count (r may be NULL) = items deleted.
 */
enum store_status db_archive_evict(struct db *d, const char *store,
    const char *host, const char *user, uint64_t n, struct store_res *r);
/* The owner's live items in one archive store, into *n. */
enum store_status db_archive_count(struct db *d, const char *store,
    const char *host, const char *user, uint64_t *n);
/*
 * An owner's own shorter retention, applied to what is held: items at
 * least ttl seconds old are deleted, the others expire at their time +
 * ttl if that is sooner. r->count (r may be NULL) = items deleted.
 */
enum store_status db_archive_shorten(struct db *d, const char *store,
    const char *host, const char *user, int64_t ttl, struct store_res *r);
/* One item (id non-NULL; STORE_NOTFOUND if absent) or all the owner's
 * items. r->count (r may be NULL) = items deleted. */
enum store_status db_archive_delete(struct db *d, const char *store,
    const char *host, const char *user, const char *id, struct store_res *r);

/* --- retention --- */

/* Deletes every expired row and returns freed pages to the file system.
 * r->count (r may be NULL) = rows deleted. */
enum store_status db_sweep(struct db *d, struct store_res *r);
/* The same, deleting at most max rows (0: all), so one call never holds
 * the storage thread for long; r->count == max means more may remain. */
enum store_status db_sweep_max(struct db *d, uint64_t max, struct store_res *r);
/*
 * Applies the registered retentions to rows already stored: a store whose
 * retention became shorter (or was switched on) since the last call gets
 * every row's expiry pulled in to at most now + retention. Cheap when
 * nothing changed; the store calls it at start-up.
 */
enum store_status db_retention_apply(struct db *d);

/* --- what an owner holds --- */

/*
 * Of one owner in one registered store (any shape): r->count = live
 * items, r->oldest = the oldest item's time (archives; 0 for maps, whose
 * rows carry no time, or when empty), r->next_expiry = the first expiry
 * (0: none expires, or empty).
 */
enum store_status db_stats(struct db *d, const char *store, const char *host,
    const char *user, struct store_res *r);
/* --- erasure and tombstones --- */

/*
 * Deletes the account as db_account_delete() does and, in the same
 * transaction: every other owner's row of map store e->forget_store
 * whose key is the account's bare JID (after replacing those owners'
 * e->ver_key row with e->ver), and, if the account existed and
 * e->tombstone_ttl > 0, writes its tombstone: HMAC-SHA-256 of
 * "user@host" under the key in DATA_DIR/tombstone.key (made on first
 * use), expiring after that many seconds. Returns as db_account_delete().
 */
enum store_status db_account_erase(struct db *d, const char *host,
    const char *user, const struct store_erase *e, struct store_res *r);
/* STORE_OK and *until (may be NULL) = its expiry if a live tombstone
 * names user@host; STORE_NOTFOUND if none. */
enum store_status db_tombstone_check(
    struct db *d, const char *host, const char *user, int64_t *until);
/* Deletes expired tombstones, adding the number to *count (may be NULL). */
enum store_status db_tombstone_sweep(struct db *d, uint64_t *count);

/* db_map_clear() for a store this process may not have registered
 * (lethectl registers none): an operator's password reset drops the
 * account's login tokens ("fast_tokens") this way. */
enum store_status db_map_drop(
    struct db *d, const char *store, const char *host, const char *user);

/* --- sealing (sealdb.c; PRIVACY.md "Sealed records") --- */

/* The data key id written with the following map puts and archive
 * appends (0: in clear); reads report each row's in kid. */
void db_set_kid(struct db *d, int64_t kid);
/* For sealdb.c: the handle, and nested transactions (savepoints). */
struct sqlite3;
struct sqlite3 *db_sqlite(struct db *d);
/* A prepared statement for sql, a string literal (kept by its address:
 * never a buffer), made once and kept until db_close(); the caller
 * resets it after use. NULL on error (logged). */
struct sqlite3_stmt;
struct sqlite3_stmt *db_stmt_cached(struct db *d, const char *sql);
int db_savepoint(struct db *d);
int db_release(struct db *d, int ok); /* 0, or -1: rolled back */

struct scram_cred;

/* Accounts with sealing keys and all accounts, over every host. */
enum store_status db_seal_count(
    struct db *d, uint64_t *sealed, uint64_t *accounts);
/* STORE_OK if (host, user) has sealing keys, else STORE_NOTFOUND. */
enum store_status db_seal_has_keys(
    struct db *d, const char *host, const char *user);
/*
 * New sealing keys for (host, user), the private key wrapped under the
 * client_key of every cred that has one (has_client_key). Everything
 * sealed under the account's previous keys is deleted first (*deleted,
 * if non-NULL, counts the rows): for account creation and an operator's
 * password reset, where the old keys cannot be opened. Run inside a
 * transaction (db_begin()) with the change of verifiers.
 */
enum store_status db_seal_reset(struct db *d, const char *host,
    const char *user, const struct scram_cred *creds, size_t ncreds,
    uint64_t *deleted);

#endif
