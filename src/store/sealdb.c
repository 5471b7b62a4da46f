/*
 * sealdb: sealed records in SQLite (see sealdb.h).
 *
 * Tables (db.c migration 4): seal_accounts (the public key, and whether
 * the owner's clear rows were sealed already), seal_wraps (the private
 * key wrapped once per login label) and seal_keys (data keys sealed to
 * the public key: kid 1 is the main key; higher ones are write-only keys
 * made while the owner was away). Rows of map and archive carry the kid
 * they are sealed under, or NULL when in clear.
 *
 * Invariants:
 * - An unlocked owner (refs > 0 with keys) holds sk, pk, the main key
 *   and the index key in one locked slot; every row it writes is under
 *   kid 1 with keyed-hash keys and peers. Its rows under other kids were
 *   re-sealed under kid 1 at the unlock, and those keys deleted.
 * - An away owner's sealed writes use its write-only key (in a locked
 *   slot while the process runs; a new one after a restart) and have no
 *   peer hash: the index key is not in memory then.
 * - An owner without keys is never locked; its rows are in clear until
 *   an unlock with sealing on makes its keys and seals them.
 */
#include "store/sealdb.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "store/seal.h"
#include "xmpp/scram.h"

#define MAIN_KID 1
/*
 * The main data key is kept twice: sealed to the public key (kid 1 in
 * seal_keys, as every data key) and wrapped under the private key itself
 * (this seal_wraps label), which opens it at login with one AEAD instead
 * of an X25519.
 */
#define MAIN_WRAP "main"
/* Set from the loop thread (store_set_sealing), read here. */
#define ON(r) __atomic_load_n(&(r)->on, __ATOMIC_RELAXED)
#define AWAY_MAX 65536 /* away owners with a write-only key in memory */
#define OWNER_KEY_MAX (3 * 1024 + 2)

enum kstate { K_UNKNOWN = 0, K_NONE, K_HAS };

struct keys {
	uint8_t sk[SEAL_KEY], pk[SEAL_KEY], main[SEAL_KEY], ik[SEAL_KEY];
};

struct owner {
	char *key; /* "host\nuser", owned: the hash key */
	unsigned refs; /* authenticated streams */
	enum kstate state;
	struct keys *k; /* locked slot while unlocked with keys */
	uint8_t *away; /* locked slot: the write-only key, or NULL */
	int64_t away_kid;
};

struct sealring {
	struct hash *owners;
	size_t naway;
	int on;
	size_t nopen; /* owners whose keys are in memory; read atomically */
};

static const char *const hash_labels[SCRAM_NHASH] = {
    [SCRAM_SHA1] = "SHA-1",
    [SCRAM_SHA256] = "SHA-256",
    [SCRAM_SHA512] = "SHA-512",
};

/* --- small SQL helpers (prepared per call: none of this is hot) --- */

/* A statement for a string literal, prepared once per database and
 * kept (db_stmt_cached()); give it back with fin(). Logins open keys
 * with several of these, so preparing each time would cost more than
 * the cryptography. */
static sqlite3_stmt *
prep(struct db *d, const char *sql)
{
	sqlite3_stmt *s = db_stmt_cached(d, sql);

	if (s == NULL)
		log_err("event=seal_db_error op=prepare msg=\"%s\"",
		    sqlite3_errmsg(db_sqlite(d)));
	return s;
}

static void
fin(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* A statement built at run time: finalized by the caller. */
static sqlite3_stmt *
prep_dyn(struct db *d, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db_sqlite(d), sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("event=seal_db_error op=prepare msg=\"%s\"",
		    sqlite3_errmsg(db_sqlite(d)));
		return NULL;
	}
	return s;
}

static void
owner_bind(sqlite3_stmt *s, const char *host, const char *user)
{
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
}

/* Runs sql bound to (host, user[, blob/int args]) to completion. */
static int
exec_owner(struct db *d, const char *sql, const char *host, const char *user)
{
	sqlite3_stmt *s = prep(d, sql);
	int rc;

	if (s == NULL)
		return -1;
	owner_bind(s, host, user);
	rc = sqlite3_step(s);
	fin(s);
	if (rc != SQLITE_DONE) {
		log_err("event=seal_db_error op=exec msg=\"%s\"",
		    sqlite3_errmsg(db_sqlite(d)));
		return -1;
	}
	return 0;
}

/* --- the ring --- */

struct sealring *
sealring_new(void)
{
	struct sealring *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->owners = hash_new()) == NULL) {
		free(r);
		return NULL;
	}
	r->on = 1;
	return r;
}

/* Frees an owner's unwrapped keys, keeping the count. */
static void
keys_close(struct sealring *r, struct owner *o)
{
	if (o->k == NULL)
		return;
	seal_slot_free(o->k);
	o->k = NULL;
	__atomic_sub_fetch(&r->nopen, 1, __ATOMIC_RELAXED);
}

static void
owner_wipe_keys(struct sealring *r, struct owner *o)
{
	keys_close(r, o);
	if (o->away != NULL) {
		seal_slot_free(o->away);
		o->away = NULL;
		o->away_kid = 0;
		r->naway--;
	}
}

static void
owner_free(struct sealring *r, struct owner *o)
{
	owner_wipe_keys(r, o);
	free(o->key);
	free(o);
}

void
sealring_free(struct sealring *r)
{
	struct owner *o;
	size_t cur = 0;

	if (r == NULL)
		return;
	while ((o = hash_next(r->owners, &cur, NULL)) != NULL)
		owner_free(r, o);
	hash_free(r->owners);
	free(r);
}

void
sealring_set_on(struct sealring *r, int on)
{
	__atomic_store_n(&r->on, on, __ATOMIC_RELAXED);
}

int
sealring_is_on(const struct sealring *r)
{
	return ON(r);
}

size_t
sealring_open(const struct sealring *r)
{
	return __atomic_load_n(&r->nopen, __ATOMIC_RELAXED);
}

static int
owner_key(char *out, const char *host, const char *user)
{
	int n = snprintf(out, OWNER_KEY_MAX, "%s\n%s", host, user);

	return n < 0 || n >= OWNER_KEY_MAX ? -1 : 0;
}

static struct owner *
owner_find(struct sealring *r, const char *host, const char *user)
{
	char key[OWNER_KEY_MAX];

	if (owner_key(key, host, user) == -1)
		return NULL;
	return hash_get(r->owners, key);
}

static struct owner *
owner_get(struct sealring *r, const char *host, const char *user)
{
	char key[OWNER_KEY_MAX];
	struct owner *o;

	if (owner_key(key, host, user) == -1)
		return NULL;
	if ((o = hash_get(r->owners, key)) != NULL)
		return o;
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->key = strdup(key)) == NULL || hash_put(r->owners, o->key, o)) {
		if (o != NULL)
			free(o->key);
		free(o);
		return NULL;
	}
	return o;
}

/* Drops an entry that holds nothing worth keeping. */
static void
owner_release(struct sealring *r, struct owner *o)
{
	if (o->refs > 0 || o->away != NULL)
		return;
	hash_del(r->owners, o->key);
	owner_free(r, o);
}

/* Whether the owner has keys; pk[] filled when it does. */
static enum kstate
probe(struct db *d, const char *host, const char *user, uint8_t pk[SEAL_KEY])
{
	sqlite3_stmt *s = prep(d,
	    "SELECT pk FROM seal_accounts"
	    " WHERE host = ?1 AND user = ?2");
	enum kstate st = K_UNKNOWN;
	int rc;

	if (s == NULL)
		return K_UNKNOWN;
	owner_bind(s, host, user);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == SEAL_KEY) {
		if (pk != NULL)
			memcpy(pk, sqlite3_column_blob(s, 0), SEAL_KEY);
		st = K_HAS;
	} else if (rc == SQLITE_DONE) {
		st = K_NONE;
	}
	fin(s);
	return st;
}

static enum kstate
owner_state(struct db *d, struct owner *o, const char *host, const char *user)
{
	if (o->state == K_UNKNOWN)
		o->state = probe(d, host, user, NULL);
	return o->state;
}

/* --- keys in the database --- */

static int
wrap_put(struct db *d, const char *host, const char *user, const char *label,
    const uint8_t sk[SEAL_KEY], const uint8_t *ikm, size_t ikm_len)
{
	uint8_t w[SEAL_WRAP_LEN];
	sqlite3_stmt *s;
	int rc;

	if (seal_wrap(sk, ikm, ikm_len, label, host, user, w) == -1 ||
	    (s = prep(d,
	         "INSERT INTO seal_wraps (host, user, label, wrap)"
	         " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE"
	         " SET wrap = excluded.wrap")) == NULL)
		return -1;
	owner_bind(s, host, user);
	sqlite3_bind_text(s, 3, label, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, w, sizeof(w), SQLITE_STATIC);
	rc = sqlite3_step(s);
	fin(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
datakey_put(struct db *d, const char *host, const char *user, int64_t kid,
    const uint8_t key[SEAL_KEY], const uint8_t pk[SEAL_KEY])
{
	uint8_t sealed[SEAL_SEALED_KEY_LEN];
	sqlite3_stmt *s;
	int rc;

	if (seal_key_seal(key, pk, sealed) == -1 ||
	    (s = prep(d,
	         "INSERT INTO seal_keys (host, user, kid, sealed)"
	         " VALUES (?1, ?2, ?3, ?4)")) == NULL)
		return -1;
	owner_bind(s, host, user);
	sqlite3_bind_int64(s, 3, kid);
	sqlite3_bind_blob(s, 4, sealed, sizeof(sealed), SQLITE_STATIC);
	rc = sqlite3_step(s);
	fin(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Deletes the owner's sealed rows and keys; *deleted rows. */
static int
keys_drop(struct db *d, const char *host, const char *user, uint64_t *deleted)
{
	static const char *const sql[] = {
	    "DELETE FROM map WHERE host = ?1 AND user = ?2"
	    " AND kid IS NOT NULL",
	    "DELETE FROM archive WHERE host = ?1 AND user = ?2"
	    " AND kid IS NOT NULL",
	    "DELETE FROM seal_wraps WHERE host = ?1 AND user = ?2",
	    "DELETE FROM seal_keys WHERE host = ?1 AND user = ?2",
	    "DELETE FROM seal_accounts WHERE host = ?1 AND user = ?2",
	};
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (exec_owner(d, sql[i], host, user) == -1)
			return -1;
		if (i < 2)
			n += (uint64_t)sqlite3_changes64(db_sqlite(d));
	}
	if (deleted != NULL)
		*deleted = n;
	return 0;
}

/*
 * New keys wrapped under every cred with a client key; k (optional)
 * receives them. 0, 1 if no cred had a client key (nothing made), -1.
 */
static int
keys_make(struct db *d, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds, struct keys *k)
{
	struct keys tmp;
	sqlite3_stmt *s;
	size_t i, made = 0;
	int rc = -1;

	for (i = 0; i < ncreds; i++)
		made += creds[i].has_client_key && creds[i].hash < SCRAM_NHASH;
	if (made == 0)
		return 1;
	seal_keypair(tmp.pk, tmp.sk);
	seal_random_key(tmp.main);
	seal_index_key(tmp.main, tmp.ik);
	if ((s = prep(d,
	         "INSERT INTO seal_accounts (host, user, pk)"
	         " VALUES (?1, ?2, ?3)")) == NULL)
		goto out;
	owner_bind(s, host, user);
	sqlite3_bind_blob(s, 3, tmp.pk, SEAL_KEY, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	fin(s);
	for (i = 0; rc == 0 && i < ncreds; i++)
		if (creds[i].has_client_key && creds[i].hash < SCRAM_NHASH)
			rc = wrap_put(d, host, user, hash_labels[creds[i].hash],
			    tmp.sk, creds[i].client_key,
			    scram_hash_len(creds[i].hash));
	if (rc == 0)
		rc = datakey_put(d, host, user, MAIN_KID, tmp.main, tmp.pk);
	if (rc == 0)
		rc = wrap_put(
		    d, host, user, MAIN_WRAP, tmp.main, tmp.sk, SEAL_KEY);
	if (rc == 0 && k != NULL)
		*k = tmp;
out:
	util_wipe(&tmp, sizeof(tmp));
	return rc;
}

/* --- sealing rows --- */

/* The sealed form of (a, b) under key, in arena memory. */
static uint8_t *
seal_in(struct arena *ar, const uint8_t key[SEAL_KEY], const char *store,
    const char *host, const char *user, const char *a, const void *b,
    size_t blen, size_t *out_len)
{
	size_t alen = a != NULL ? strlen(a) : 0;
	uint8_t *out;

	if (blen > SIZE_MAX / 2 || alen > SIZE_MAX / 2 ||
	    (out = arena_alloc(ar, alen + blen + SEAL_OVERHEAD)) == NULL ||
	    seal_record(
	        key, store, host, user, a, alen, b, blen, out, out_len) == -1)
		return NULL;
	return out;
}

/* A row's fields for re-sealing, read in one pass before any update. */
struct row {
	int64_t id; /* rowid or seq */
	int64_t kid;
	char *store;
	char *a; /* map key or archive peer (clear), or NULL */
	uint8_t *v;
	size_t vlen;
};

static void
rows_free(struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].store);
		free(rows[i].a);
		if (rows[i].v != NULL)
			util_wipe(rows[i].v, rows[i].vlen);
		free(rows[i].v);
	}
	free(rows);
}

/* The ids (rowid or seq) sql selects for the owner, in a malloc'd
 * array: the rows themselves are read a batch at a time, so sealing a
 * large archive never holds it all in memory. */
static int
ids_read(struct db *d, const char *sql, const char *host, const char *user,
    int64_t **out, size_t *nout)
{
	sqlite3_stmt *s = prep_dyn(d, sql);
	int64_t *v = NULL, *nv;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	if (s == NULL)
		return -1;
	owner_bind(s, host, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Columns id, kid, store, key-or-peer, value of the rows sql (bound to
 * one id as ?1) selects for ids[0..n). */
static int
rows_read(struct db *d, const char *sql, const int64_t *ids, size_t n,
    struct row **out, size_t *nout)
{
	sqlite3_stmt *s = prep(d, sql);
	struct row *v;
	size_t i, got = 0;
	int rc = SQLITE_DONE;

	*out = NULL;
	*nout = 0;
	if (s == NULL)
		return -1;
	if ((v = calloc(n > 0 ? n : 1, sizeof(*v))) == NULL) {
		fin(s);
		return -1;
	}
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(s, 1, ids[i]);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct row *w = &v[got++];
			const void *b = sqlite3_column_blob(s, 4);
			size_t blen = (size_t)sqlite3_column_bytes(s, 4);
			int has_a = sqlite3_column_type(s, 3) != SQLITE_NULL;

			w->id = sqlite3_column_int64(s, 0);
			w->kid = sqlite3_column_int64(s, 1);
			w->store =
			    strdup((const char *)sqlite3_column_text(s, 2));
			if (has_a)
				w->a = strdup(
				    (const char *)sqlite3_column_text(s, 3));
			w->v = malloc(blen + 1);
			w->vlen = blen;
			if (w->store == NULL || w->v == NULL ||
			    (has_a && w->a == NULL)) {
				rc = SQLITE_NOMEM;
				break;
			}
			if (blen > 0)
				memcpy(w->v, b, blen);
			rc = SQLITE_DONE;
		}
		sqlite3_reset(s);
	}
	fin(s);
	if (rc != SQLITE_DONE) {
		rows_free(v, got);
		return -1;
	}
	*out = v;
	*nout = got;
	return 0;
}

static const uint8_t *
kid_key(int64_t kid, const struct keys *k, const int64_t *kids,
    uint8_t (*others)[SEAL_KEY], size_t nothers)
{
	size_t i;

	if (kid == MAIN_KID)
		return k->main;
	for (i = 0; i < nothers; i++)
		if (kids[i] == kid)
			return others[i];
	return NULL;
}

/* The keys a re-seal may meet, besides the main one. */
struct others {
	const int64_t *kids;
	uint8_t (*keys)[SEAL_KEY];
	size_t n;
};

/*
 * One row of table t (0: map, 1: archive) re-sealed under the main key
 * (its key or peer hashed) or, unseal, written in clear, through the
 * prepared update u (?1 id, ?2 key or peer, ?3 value, ?4 kid). A row that
 * does not open is left as it is (logged). 0 or -1.
 */
static int
reseal_row(struct db *d, sqlite3_stmt *u, int t, struct row *w,
    const char *host, const char *user, const struct keys *k,
    const struct others *o, int unseal)
{
	const struct store_def *def = store_lookup(w->store);
	const char *a = w->a, *b = (const char *)w->v;
	size_t alen = a != NULL ? strlen(a) : 0, blen = w->vlen, olen = 0;
	char *aclear = NULL, idx[SEAL_INDEX_HEX + 1];
	uint8_t *out = NULL;
	int rc = 0;

	if (w->kid != 0) {
		const uint8_t *key = kid_key(w->kid, k, o->kids, o->keys, o->n);

		if (key == NULL ||
		    seal_open(key, w->store, host, user, w->v, w->vlen, &a,
		        &alen, &b, &blen) == -1) {
			log_err("event=seal_row_unreadable");
			return 0;
		}
	} else if (def == NULL || !def->sealed || unseal) {
		return 0; /* clear and meant to stay clear */
	}
	if (alen > 0 && (aclear = strndup(a, alen)) == NULL)
		return -1;
	if (!unseal) {
		if ((out = malloc(alen + blen + SEAL_OVERHEAD)) == NULL ||
		    seal_record(k->main, w->store, host, user, aclear, alen, b,
		        blen, out, &olen) == -1) {
			free(out);
			free(aclear);
			return -1;
		}
		if (aclear != NULL)
			seal_index(
			    k->ik, t == 0 ? w->store : "peer", aclear, idx);
	}
	sqlite3_bind_int64(u, 1, w->id);
	if (aclear == NULL)
		sqlite3_bind_null(u, 2);
	else
		sqlite3_bind_text(
		    u, 2, unseal ? aclear : idx, -1, SQLITE_STATIC);
	if (unseal) {
		sqlite3_bind_blob64(
		    u, 3, blen ? (const void *)b : "", blen, SQLITE_STATIC);
		sqlite3_bind_null(u, 4);
	} else {
		sqlite3_bind_blob64(u, 3, out, olen, SQLITE_STATIC);
		sqlite3_bind_int64(u, 4, MAIN_KID);
	}
	if (sqlite3_step(u) != SQLITE_DONE) {
		log_err("event=seal_db_error op=reseal msg=\"%s\"",
		    sqlite3_errmsg(db_sqlite(d)));
		rc = -1;
	}
	sqlite3_reset(u);
	sqlite3_clear_bindings(u);
	if (out != NULL)
		util_wipe(out, olen);
	free(out);
	free(aclear);
	return rc;
}

/*
 * Re-seals the owner's rows of map and archive that match `where` under
 * the main key: rows in clear (migration) and rows under write-only keys
 * (o). unseal: writes them in clear instead (sealing turned off). The
 * ids are read first, the rows a batch at a time.
 */
static int
reseal(struct db *d, const char *host, const char *user, const struct keys *k,
    const struct others *o, const char *where, int unseal)
{
	enum { BATCH = 512 };
	static const char *const ids_sql[2] = {
	    "SELECT rowid FROM map WHERE host = ?1 AND user = ?2 AND %s",
	    "SELECT seq FROM archive WHERE host = ?1 AND user = ?2 AND %s",
	};
	static const char *const row_sql[2] = {
	    "SELECT rowid, coalesce(kid, 0), store, key, value FROM map"
	    " WHERE rowid = ?1",
	    "SELECT seq, coalesce(kid, 0), store, peer, value FROM archive"
	    " WHERE seq = ?1",
	};
	static const char *const upd_sql[2] = {
	    "UPDATE map SET key = ?2, value = ?3, kid = ?4 WHERE rowid = ?1",
	    "UPDATE archive SET peer = ?2, value = ?3, kid = ?4"
	    " WHERE seq = ?1",
	};
	char sql[4200];
	struct row *rows;
	int64_t *ids;
	size_t n, nids, i, at, t;
	sqlite3_stmt *u;
	int rc = 0;

	for (t = 0; t < 2 && rc == 0; t++) {
		snprintf(sql, sizeof(sql), ids_sql[t], where);
		if (ids_read(d, sql, host, user, &ids, &nids) == -1)
			return -1;
		if (nids == 0 || (u = prep(d, upd_sql[t])) == NULL) {
			rc = nids == 0 ? 0 : -1;
			free(ids);
			continue;
		}
		for (at = 0; at < nids && rc == 0; at += BATCH) {
			if (rows_read(d, row_sql[t], ids + at,
			        nids - at < BATCH ? nids - at : BATCH, &rows,
			        &n) == -1) {
				rc = -1;
				break;
			}
			for (i = 0; i < n && rc == 0; i++)
				rc = reseal_row(d, u, (int)t, &rows[i], host,
				    user, k, o, unseal);
			rows_free(rows, n);
		}
		fin(u);
		free(ids);
	}
	return rc;
}

/* "cond AND store IN (the sealed user stores)" into out; -1 if too long. */
static int
sealed_stores(char *out, size_t cap, const char *cond)
{
	const struct store_def *const *reg;
	size_t n, i, len;
	int w, first = 1;

	reg = store_registry(&n);
	w = snprintf(out, cap, "%s AND store IN (", cond);
	if (w < 0 || (size_t)w >= cap)
		return -1;
	len = (size_t)w;
	for (i = 0; i < n; i++) {
		if (!reg[i]->sealed || reg[i]->owner != STORE_OWNER_USER)
			continue;
		w = snprintf(out + len, cap - len, "%s'%s'", first ? "" : ",",
		    reg[i]->name);
		if (w < 0 || (size_t)w >= cap - len)
			return -1;
		len += (size_t)w;
		first = 0;
	}
	w = snprintf(out + len, cap - len, "%s)", first ? "NULL" : "");
	return w < 0 || (size_t)w >= cap - len ? -1 : 0;
}

/* Loads and opens the owner's keys with (label, ikm); re-seals rows of
 * write-only keys and, with sealing on, rows still in clear. */
static enum store_status
keys_open(struct sealring *r, struct db *d, const char *host, const char *user,
    int *dropped, const char *label, const uint8_t *ikm, size_t ikm_len,
    struct keys *k)
{
	enum { OTHERS_MAX = 1024 };
	uint8_t(*others)[SEAL_KEY] = NULL;
	int64_t kids[OTHERS_MAX];
	char where[4096];
	size_t nothers = 0, i;
	struct others o, none = {0};
	sqlite3_stmt *s;
	int have_main = 0, migrated = 0, rc;
	enum store_status st = STORE_LOCKED;

	if (probe(d, host, user, k->pk) != K_HAS)
		return STORE_ERR;
	if ((s = prep(d,
	         "SELECT wrap FROM seal_wraps WHERE host = ?1"
	         " AND user = ?2 AND label = ?3")) == NULL)
		return STORE_ERR;
	owner_bind(s, host, user);
	sqlite3_bind_text(s, 3, label, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW &&
	    seal_unwrap(sqlite3_column_blob(s, 0),
	        (size_t)sqlite3_column_bytes(s, 0), ikm, ikm_len, label, host,
	        user, k->sk) == 0)
		st = STORE_OK;
	else if (rc == SQLITE_ROW)
		log_err("event=seal_unwrap_failed");
	fin(s);
	if (st != STORE_OK)
		return rc == SQLITE_ROW ? STORE_ERR : STORE_LOCKED;
	if ((s = prep(d,
	         "SELECT wrap FROM seal_wraps WHERE host = ?1"
	         " AND user = ?2 AND label = 'main'")) == NULL)
		return STORE_ERR;
	owner_bind(s, host, user);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    seal_unwrap(sqlite3_column_blob(s, 0),
	        (size_t)sqlite3_column_bytes(s, 0), k->sk, SEAL_KEY, MAIN_WRAP,
	        host, user, k->main) == 0)
		have_main = 2; /* 2: no need to open kid 1 */
	fin(s);
	/* A write-only key per away period since the last login (one
	 * per restart of the server while away): few. Wiped below. */
	if ((others = calloc(OTHERS_MAX, SEAL_KEY)) == NULL)
		return STORE_ERR;
	if ((s = prep(d,
	         "SELECT kid, sealed FROM seal_keys WHERE host = ?1"
	         " AND user = ?2 ORDER BY kid")) == NULL) {
		free(others);
		return STORE_ERR;
	}
	owner_bind(s, host, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t kid = sqlite3_column_int64(s, 0);
		const void *b = sqlite3_column_blob(s, 1);
		size_t n = (size_t)sqlite3_column_bytes(s, 1);

		if (kid == MAIN_KID) {
			if (have_main != 2)
				have_main = seal_key_open(b, n, k->pk, k->sk,
				                k->main) == 0;
		} else if (nothers < OTHERS_MAX &&
		    seal_key_open(b, n, k->pk, k->sk, others[nothers]) == 0) {
			kids[nothers++] = kid;
		}
	}
	fin(s);
	if (!have_main) {
		log_err("event=seal_main_key_unreadable");
		util_wipe(others, OTHERS_MAX * SEAL_KEY);
		free(others);
		return STORE_ERR;
	}
	seal_index_key(k->main, k->ik);
	/* Keys made before the second copy existed get it now. */
	if (have_main == 1 &&
	    wrap_put(d, host, user, MAIN_WRAP, k->main, k->sk, SEAL_KEY) == -1)
		log_warn("event=seal_main_wrap_failed");
	if ((s = prep(d,
	         "SELECT migrated FROM seal_accounts WHERE host = ?1"
	         " AND user = ?2")) != NULL) {
		owner_bind(s, host, user);
		if (sqlite3_step(s) == SQLITE_ROW)
			migrated = sqlite3_column_int(s, 0);
		fin(s);
	}
	st = STORE_OK;
	o.kids = kids;
	o.keys = others;
	o.n = nothers;
	if (nothers > 0 && reseal(d, host, user, k, &o, "kid > 1", 0) == -1)
		st = STORE_ERR;
	/* Only the keys that opened go: rows under any other stay. */
	for (i = 0; st == STORE_OK && i < nothers; i++) {
		sqlite3_stmt *del = prep(d,
		    "DELETE FROM seal_keys WHERE"
		    " host = ?1 AND user = ?2"
		    " AND kid = ?3");

		if (del == NULL) {
			st = STORE_ERR;
			break;
		}
		owner_bind(del, host, user);
		sqlite3_bind_int64(del, 3, kids[i]);
		if (sqlite3_step(del) != SQLITE_DONE)
			st = STORE_ERR;
		fin(del);
	}
	if (st == STORE_OK && ON(r) && !migrated &&
	    (sealed_stores(where, sizeof(where), "kid IS NULL") == -1 ||
	        reseal(d, host, user, k, &none, where, 0) == -1 ||
	        exec_owner(d,
	            "UPDATE seal_accounts SET migrated = 1"
	            " WHERE host = ?1 AND user = ?2",
	            host, user) == -1))
		st = STORE_ERR;
	/* Sealing turned off: what was sealed is written in clear now, and
	 * the keys go (the account is as one that never had any; turning
	 * sealing on again makes new ones at its next login). */
	if (st == STORE_OK && !ON(r)) {
		if (reseal(d, host, user, k, &none, "kid IS NOT NULL", 1) ==
		        -1 ||
		    keys_drop(d, host, user, NULL) == -1)
			st = STORE_ERR;
		else
			*dropped = 1;
	}
	util_wipe(others, OTHERS_MAX * SEAL_KEY);
	free(others);
	return st;
}

enum store_status
sealring_unlock(struct sealring *r, struct db *d, const char *host,
    const char *user, const char *label, const uint8_t *ikm, size_t ikm_len,
    uint64_t *count)
{
	struct owner *o = owner_get(r, host, user);
	struct scram_cred c;
	struct keys *k;
	enum store_status st;
	int made, dropped = 0;

	*count = 0;
	if (o == NULL)
		return STORE_ERR;
	if (o->refs > 0) {
		/* Already open: a login with a label not wrapped yet (the
		 * other SCRAM hashes of a migrated account) adds it. */
		if (o->k != NULL && ikm != NULL && db_savepoint(d) == 0) {
			int ok = 1;
			sqlite3_stmt *s = prep(d,
			    "SELECT 1 FROM seal_wraps WHERE host = ?1"
			    " AND user = ?2 AND label = ?3");

			if (s != NULL) {
				owner_bind(s, host, user);
				sqlite3_bind_text(
				    s, 3, label, -1, SQLITE_STATIC);
				if (sqlite3_step(s) == SQLITE_DONE)
					ok = wrap_put(d, host, user, label,
					         o->k->sk, ikm, ikm_len) == 0;
				fin(s);
			}
			db_release(d, ok);
		}
		o->refs++;
		*count = o->k != NULL;
		return STORE_OK;
	}
	o->state = probe(d, host, user, NULL);
	if (o->state == K_UNKNOWN) {
		owner_release(r, o);
		return STORE_ERR;
	}
	if (o->state == K_NONE && (!ON(r) || ikm == NULL)) {
		o->refs = 1; /* nothing sealed: nothing to open */
		return STORE_OK;
	}
	if (o->state == K_HAS && ikm == NULL) {
		owner_release(r, o);
		return STORE_LOCKED;
	}
	if ((k = seal_slot_alloc()) == NULL) {
		owner_release(r, o);
		return STORE_ERR;
	}
	if (db_savepoint(d) == -1) {
		seal_slot_free(k);
		owner_release(r, o);
		return STORE_ERR;
	}
	if (o->state == K_NONE) {
		/* First login with sealing on: keys wrapped for this label
		 * only (the others are added at logins while it is open),
		 * then everything in clear is sealed (keys_open). */
		memset(&c, 0, sizeof(c));
		c.has_client_key = 1;
		for (c.hash = 0; c.hash < SCRAM_NHASH; c.hash++)
			if (strcmp(hash_labels[c.hash], label) == 0)
				break;
		st = STORE_ERR;
		if (c.hash < SCRAM_NHASH && ikm_len == scram_hash_len(c.hash)) {
			memcpy(c.client_key, ikm, ikm_len);
			made = keys_make(d, host, user, &c, 1, NULL);
			st = made == 0 ? STORE_OK : STORE_ERR;
		}
		util_wipe(&c, sizeof(c));
		if (st == STORE_OK)
			st = keys_open(
			    r, d, host, user, &dropped, label, ikm, ikm_len, k);
	} else {
		st = keys_open(
		    r, d, host, user, &dropped, label, ikm, ikm_len, k);
	}
	if (db_release(d, st == STORE_OK) == -1 && st == STORE_OK)
		st = STORE_ERR;
	if (st != STORE_OK) {
		seal_slot_free(k);
		owner_release(r, o);
		return st;
	}
	/* Its write-only key's rows were just re-sealed: forget it. */
	if (o->away != NULL) {
		seal_slot_free(o->away);
		o->away = NULL;
		o->away_kid = 0;
		r->naway--;
	}
	o->refs = 1;
	if (dropped) {
		/* Sealing is off and the account was opened for good. */
		seal_slot_free(k);
		o->state = K_NONE;
		return STORE_OK;
	}
	o->state = K_HAS;
	o->k = k;
	__atomic_add_fetch(&r->nopen, 1, __ATOMIC_RELAXED);
	*count = 1;
	return STORE_OK;
}

void
sealring_lock(struct sealring *r, const char *host, const char *user)
{
	struct owner *o = owner_find(r, host, user);

	if (o == NULL || o->refs == 0)
		return; /* deleted meanwhile: its keys are gone already */
	if (--o->refs > 0)
		return;
	keys_close(r, o);
	owner_release(r, o);
}

void
sealring_forget(struct sealring *r, const char *host, const char *user)
{
	struct owner *o = owner_find(r, host, user);

	if (o == NULL)
		return;
	hash_del(r->owners, o->key);
	owner_free(r, o);
}

enum store_status
sealring_creds(struct sealring *r, struct db *d, const char *host,
    const char *user, const struct scram_cred *creds, size_t ncreds,
    int created, uint64_t *deleted)
{
	struct owner *o = owner_find(r, host, user);
	size_t i, with_key = 0;
	enum kstate ks;
	int rc = 0;

	*deleted = 0;
	for (i = 0; i < ncreds; i++)
		with_key += creds[i].has_client_key;
	if (with_key == 0)
		return STORE_OK; /* verifiers only (import): keys at login */
	if (o != NULL && o->k != NULL) {
		/* Open: wrap the same key again; nothing is lost. */
		if (exec_owner(d,
		        "DELETE FROM seal_wraps WHERE host = ?1 AND user = ?2"
		        " AND label <> 'main'",
		        host, user) == -1)
			return STORE_ERR;
		for (i = 0; i < ncreds && rc == 0; i++)
			if (creds[i].has_client_key &&
			    creds[i].hash < SCRAM_NHASH)
				rc = wrap_put(d, host, user,
				    hash_labels[creds[i].hash], o->k->sk,
				    creds[i].client_key,
				    scram_hash_len(creds[i].hash));
		return rc == 0 ? STORE_OK : STORE_ERR;
	}
	ks = probe(d, host, user, NULL);
	if (ks == K_UNKNOWN)
		return STORE_ERR;
	if (ks == K_NONE && !ON(r))
		return STORE_OK;
	if (created && ks == K_HAS)
		return STORE_ERR; /* a new account cannot have keys */
	/* Closed: the old keys cannot be opened without the old password. */
	if (o != NULL)
		owner_wipe_keys(r, o);
	if (keys_drop(d, host, user, deleted) == -1)
		return STORE_ERR;
	if (!ON(r))
		return STORE_OK;
	{
		struct keys *k =
		    o != NULL && o->refs > 0 ? seal_slot_alloc() : NULL;

		rc = keys_make(d, host, user, creds, ncreds, k);
		if (rc == 0 && k != NULL) {
			/* Logged in without keys (a token login): it holds
			 * the new ones now. */
			o->k = k;
			o->state = K_HAS;
			__atomic_add_fetch(&r->nopen, 1, __ATOMIC_RELAXED);
		} else {
			seal_slot_free(k);
			if (o != NULL)
				o->state = K_UNKNOWN;
		}
	}
	if (o != NULL)
		owner_release(r, o);
	return rc == -1 ? STORE_ERR : STORE_OK;
}

/* --- the sealed operations --- */

/*
 * How an operation on (host, user) goes: with the unlocked keys (*k set),
 * in clear (the owner has no keys), or not at all (STORE_LOCKED).
 */
static enum store_status
route(struct sealring *r, struct db *d, const char *host, const char *user,
    struct owner **op, const struct keys **k)
{
	struct owner *o = owner_find(r, host, user);

	*k = NULL;
	*op = o;
	if (o != NULL && o->k != NULL) {
		*k = o->k;
		return STORE_OK;
	}
	if (o != NULL && o->refs > 0)
		return STORE_OK; /* open, without keys */
	if (o != NULL) {
		if (owner_state(d, o, host, user) == K_UNKNOWN)
			return STORE_ERR;
		return o->state == K_HAS ? STORE_LOCKED : STORE_OK;
	}
	switch (probe(d, host, user, NULL)) {
	case K_HAS:
		return STORE_LOCKED;
	case K_NONE:
		return STORE_OK;
	default:
		return STORE_ERR;
	}
}

/* Opens a row's value in place; NULL-safe on clear rows (kid 0). */
static enum store_status
open_value(const struct keys *k, const char *store, const char *host,
    const char *user, int64_t kid, const void **value, size_t *len,
    const char **a, size_t *alen)
{
	const char *b;
	size_t blen;

	*a = NULL;
	*alen = 0;
	if (kid == 0)
		return STORE_OK;
	if (k == NULL || kid != MAIN_KID)
		return STORE_LOCKED;
	if (seal_open(k->main, store, host, user, (uint8_t *)*value, *len, a,
	        alen, &b, &blen) == -1) {
		log_err("event=seal_row_unreadable");
		return STORE_ERR;
	}
	*value = b;
	*len = blen;
	return STORE_OK;
}

/* Opens sealed items in place: the value, and the map key (map) or the
 * archive peer (otherwise) kept inside it. */
static enum store_status
open_items(const struct keys *k, struct arena *a, const char *store,
    const char *host, const char *user, struct store_item *items, size_t n,
    int map)
{
	enum store_status st;
	const char *x;
	size_t i, xlen;

	for (i = 0; i < n; i++) {
		if (items[i].kid == 0)
			continue;
		st = open_value(k, store, host, user, items[i].kid,
		    &items[i].value, &items[i].value_len, &x, &xlen);
		if (st != STORE_OK)
			return st;
		if (map) {
			if ((items[i].key = arena_strndup(a, x, xlen)) == NULL)
				return STORE_ERR;
		} else {
			items[i].with = NULL;
			if (xlen > 0 &&
			    (items[i].with = arena_strndup(a, x, xlen)) == NULL)
				return STORE_ERR;
		}
	}
	return STORE_OK;
}

enum store_status
sealdb_map_get(struct sealring *r, struct db *d, struct arena *a,
    const char *store, const char *host, const char *user, const char *key,
    struct store_res *res)
{
	char idx[SEAL_INDEX_HEX + 1];
	const struct keys *k;
	struct owner *o;
	const char *ka;
	size_t kalen;
	enum store_status st = route(r, d, host, user, &o, &k);

	if (st != STORE_OK)
		return st;
	if (k != NULL && ON(r))
		seal_index(k->ik, store, key, idx);
	st = db_map_get(
	    d, a, store, host, user, k != NULL && ON(r) ? idx : key, res);
	if (st == STORE_OK)
		st = open_value(k, store, host, user, res->kid, &res->value,
		    &res->value_len, &ka, &kalen);
	/* The key sealed inside must be the one asked for: a row moved
	 * under another row's hash in the database is refused. */
	if (st == STORE_OK && res->kid != 0 &&
	    (kalen != strlen(key) || memcmp(ka, key, kalen) != 0)) {
		log_err("event=seal_row_misplaced");
		st = STORE_ERR;
	}
	return st;
}

enum store_status
sealdb_map_put(struct sealring *r, struct db *d, struct arena *a,
    const char *store, const char *host, const char *user, const char *key,
    const void *value, size_t len)
{
	char idx[SEAL_INDEX_HEX + 1];
	const struct keys *k;
	struct owner *o;
	uint8_t *v;
	size_t vlen;
	enum store_status st = route(r, d, host, user, &o, &k);

	if (st != STORE_OK)
		return st;
	if (k == NULL || !ON(r))
		return db_map_put(d, store, host, user, key, value, len);
	seal_index(k->ik, store, key, idx);
	if ((v = seal_in(a, k->main, store, host, user, key, value, len,
	         &vlen)) == NULL)
		return STORE_ERR;
	db_set_kid(d, MAIN_KID);
	st = db_map_put(d, store, host, user, idx, v, vlen);
	db_set_kid(d, 0);
	return st;
}

enum store_status
sealdb_map_del(struct sealring *r, struct db *d, const char *store,
    const char *host, const char *user, const char *key)
{
	char idx[SEAL_INDEX_HEX + 1];
	const struct keys *k;
	struct owner *o;
	enum store_status st = route(r, d, host, user, &o, &k);

	if (st != STORE_OK)
		return st;
	if (k == NULL)
		return db_map_del(d, store, host, user, key);
	seal_index(k->ik, store, key, idx);
	st = db_map_del(d, store, host, user, idx);
	/* A row still in clear (sealing off) goes by its clear key. */
	if (st == STORE_NOTFOUND)
		st = db_map_del(d, store, host, user, key);
	return st;
}

static int
item_key_cmp(const void *x, const void *y)
{
	const struct store_item *a = x, *b = y;

	return strcmp(a->key, b->key);
}

enum store_status
sealdb_map_list(struct sealring *r, struct db *d, struct arena *a,
    const char *store, const char *host, const char *user,
    struct store_res *res)
{
	const struct keys *k;
	struct owner *o;
	struct store_item *items;
	enum store_status st = route(r, d, host, user, &o, &k);

	if (st != STORE_OK)
		return st;
	if ((st = db_map_list(d, a, store, host, user, res)) != STORE_OK)
		return st;
	items = (struct store_item *)res->items;
	if ((st = open_items(k, a, store, host, user, items, res->nitems, 1)) !=
	    STORE_OK)
		return st;
	if (res->nitems > 1)
		qsort(items, res->nitems, sizeof(*items), item_key_cmp);
	return STORE_OK;
}

/* The owner's write-only key while it is away, made on first use. */
static const uint8_t *
away_key(struct sealring *r, struct db *d, struct owner *o, const char *host,
    const char *user, int64_t *kid)
{
	uint8_t pk[SEAL_KEY];
	sqlite3_stmt *s;
	int64_t next = MAIN_KID + 1;

	if (o->away != NULL) {
		*kid = o->away_kid;
		return o->away;
	}
	if (r->naway >= AWAY_MAX) {
		/* Bounded memory: forget them all; each gets a new key at
		 * its next write (one more sealed key row, no data lost). */
		struct owner *x, **idle;
		size_t cur = 0, n = 0, i;

		idle = calloc(hash_count(r->owners) + 1, sizeof(*idle));
		while ((x = hash_next(r->owners, &cur, NULL)) != NULL) {
			if (x->away != NULL) {
				seal_slot_free(x->away);
				x->away = NULL;
				x->away_kid = 0;
			}
			/* Entries left with nothing go too (not o: it is
			 * getting a key now). */
			if (idle != NULL && x != o && x->refs == 0)
				idle[n++] = x;
		}
		r->naway = 0;
		for (i = 0; i < n; i++)
			owner_release(r, idle[i]);
		free(idle);
	}
	if (probe(d, host, user, pk) != K_HAS ||
	    (s = prep(d,
	         "SELECT max(kid) FROM seal_keys WHERE host = ?1"
	         " AND user = ?2")) == NULL)
		return NULL;
	owner_bind(s, host, user);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(s, 0) >= next)
		next = sqlite3_column_int64(s, 0) + 1;
	fin(s);
	if ((o->away = seal_slot_alloc()) == NULL)
		return NULL;
	seal_random_key(o->away);
	if (datakey_put(d, host, user, next, o->away, pk) == -1) {
		seal_slot_free(o->away);
		o->away = NULL;
		return NULL;
	}
	o->away_kid = next;
	r->naway++;
	*kid = next;
	return o->away;
}

enum store_status
sealdb_archive_prepare(struct sealring *r, struct db *d, struct arena *a,
    const char *store, const char *host, const char *user, const char **with,
    const void **value, size_t *len)
{
	const struct keys *k;
	struct owner *o;
	const uint8_t *key;
	char *idx = NULL;
	uint8_t *v;
	size_t vlen;
	int64_t kid = MAIN_KID;
	enum store_status st = route(r, d, host, user, &o, &k);

	if (st == STORE_OK && (k == NULL || !ON(r)))
		return STORE_OK; /* in clear */
	if (st == STORE_LOCKED) {
		/* Away: sealed to its public key, no peer hash until the
		 * next login re-seals it under the main key. */
		if (o == NULL && (o = owner_get(r, host, user)) == NULL)
			return STORE_ERR;
		o->state = K_HAS;
		if ((key = away_key(r, d, o, host, user, &kid)) == NULL) {
			owner_release(r, o);
			return STORE_ERR;
		}
	} else if (st == STORE_OK) {
		key = k->main;
		if (*with != NULL &&
		    ((idx = arena_alloc(a, SEAL_INDEX_HEX + 1)) == NULL))
			return STORE_ERR;
		if (idx != NULL)
			seal_index(k->ik, "peer", *with, idx);
	} else {
		return st;
	}
	if ((v = seal_in(a, key, store, host, user, *with, *value, *len,
	         &vlen)) == NULL)
		return STORE_ERR;
	*with = idx;
	*value = v;
	*len = vlen;
	db_set_kid(d, kid);
	return STORE_OK;
}

void
sealdb_done(struct db *d)
{
	db_set_kid(d, 0);
}

enum store_status
sealdb_archive_query(struct sealring *r, struct db *d, struct arena *a,
    const char *store, const char *host, const char *user,
    const struct store_archive_query *q, struct store_res *res)
{
	struct store_archive_query hq = *q;
	char idx[SEAL_INDEX_HEX + 1];
	const struct keys *k;
	struct owner *o;
	enum store_status st = route(r, d, host, user, &o, &k);

	if (st != STORE_OK)
		return st;
	if (k != NULL && q->with != NULL && q->nids == 0 && ON(r)) {
		seal_index(k->ik, "peer", q->with, idx);
		hq.with = idx;
	}
	if ((st = db_archive_query(d, a, store, host, user, &hq, res)) !=
	    STORE_OK)
		return st;
	return open_items(k, a, store, host, user,
	    (struct store_item *)res->items, res->nitems, 0);
}

/* --- for lethectl (db.h) --- */

enum store_status
db_seal_count(struct db *d, uint64_t *sealed, uint64_t *accounts)
{
	sqlite3_stmt *s = prep(d,
	    "SELECT (SELECT count(*) FROM"
	    " seal_accounts), (SELECT count(*) FROM"
	    " accounts)");
	int rc;

	if (s == NULL)
		return STORE_ERR;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*sealed = (uint64_t)sqlite3_column_int64(s, 0);
		*accounts = (uint64_t)sqlite3_column_int64(s, 1);
	}
	fin(s);
	return rc == SQLITE_ROW ? STORE_OK : STORE_ERR;
}

enum store_status
db_seal_has_keys(struct db *d, const char *host, const char *user)
{
	switch (probe(d, host, user, NULL)) {
	case K_HAS:
		return STORE_OK;
	case K_NONE:
		return STORE_NOTFOUND;
	default:
		return STORE_ERR;
	}
}

enum store_status
db_seal_reset(struct db *d, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds, uint64_t *deleted)
{
	int ok;

	if (db_savepoint(d) == -1)
		return STORE_ERR;
	ok = keys_drop(d, host, user, deleted) == 0 &&
	    keys_make(d, host, user, creds, ncreds, NULL) != -1;
	return db_release(d, ok) == 0 && ok ? STORE_OK : STORE_ERR;
}
