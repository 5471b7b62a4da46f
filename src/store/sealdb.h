/*
 * sealdb: sealed records in the database, on the storage thread (see
 * store.h "Sealing" and seal.h for the cryptography).
 *
 * A sealring holds, for owners with an authenticated stream, their
 * unwrapped keys in locked memory (with a reference count), and for
 * owners that are away, a write-only data key per owner made on their
 * first sealed write. The sealdb_* operations are the sealed variants of
 * db.c's map and archive operations: store.c calls them for stores
 * registered with .sealed, and they fall back to the plain ones for
 * owners that have no keys.
 *
 * Storage thread only, like the struct db it works on.
 */
#ifndef LETHE_SEALDB_H
#define LETHE_SEALDB_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct arena;
struct db;
struct sealring;

struct sealring *sealring_new(void);
/* Wipes every key in memory. NULL is a no-op. */
void sealring_free(struct sealring *r);
void sealring_set_on(struct sealring *r, int on);
int sealring_is_on(const struct sealring *r);
/* Owners whose keys are in memory now (any thread). */
size_t sealring_open(const struct sealring *r);

/* store_unlock() / store_lock() on the storage thread. */
enum store_status sealring_unlock(struct sealring *r, struct db *d,
    const char *host, const char *user, const char *label, const uint8_t *ikm,
    size_t ikm_len, uint64_t *count);
void sealring_lock(struct sealring *r, const char *host, const char *user);
/* The account is gone: its keys leave memory whatever the references. */
void sealring_forget(struct sealring *r, const char *host, const char *user);
/* After the verifiers changed (db_account_set_creds or _create): wraps
 * again (unlocked) or makes new keys (sealing on, or keys existed). */
enum store_status sealring_creds(struct sealring *r, struct db *d,
    const char *host, const char *user, const struct scram_cred *creds,
    size_t ncreds, int created, uint64_t *deleted);

enum store_status sealdb_map_get(struct sealring *r, struct db *d,
    struct arena *a, const char *store, const char *host, const char *user,
    const char *key, struct store_res *res);
enum store_status sealdb_map_put(struct sealring *r, struct db *d,
    struct arena *a, const char *store, const char *host, const char *user,
    const char *key, const void *value, size_t len);
enum store_status sealdb_map_del(struct sealring *r, struct db *d,
    const char *store, const char *host, const char *user, const char *key);
enum store_status sealdb_map_list(struct sealring *r, struct db *d,
    struct arena *a, const char *store, const char *host, const char *user,
    struct store_res *res);
/*
 * Before an archive append: replaces *with, *value and *len by what is
 * written (a peer hash or NULL, the sealed record, in a) and sets the
 * key id on d. sealdb_done() clears it after the write.
 */
enum store_status sealdb_archive_prepare(struct sealring *r, struct db *d,
    struct arena *a, const char *store, const char *host, const char *user,
    const char **with, const void **value, size_t *len);
void sealdb_done(struct db *d);
enum store_status sealdb_archive_query(struct sealring *r, struct db *d,
    struct arena *a, const char *store, const char *host, const char *user,
    const struct store_archive_query *q, struct store_res *res);

#endif
