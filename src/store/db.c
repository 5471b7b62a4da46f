/*
 * db: the synchronous SQLite layer (see db.h).
 *
 * Schema. Numbered migrations in `migrations[]`, applied in one
 * transaction at open; the version reached is the single row of
 * schema_version. Tables are STRICT. The primary keys of map and archive
 * lead with the owner (host, user, store, ...): every query names all
 * three, and account deletion can then remove an owner's rows through
 * the index instead of scanning. Archive items are ordered by (at, seq),
 * seq being the rowid, which the (host, user, store, at) index already
 * ends with. Nothing about logins or creation times is stored.
 *
 * Transactions. A single statement is atomic by itself. Multi-statement
 * operations run between tx_begin() and tx_end(): a BEGIN IMMEDIATE when
 * no transaction is open (IMMEDIATE takes the write lock at once, so the
 * busy timeout applies instead of a deadlock-avoiding SQLITE_BUSY at the
 * first write), a SAVEPOINT inside the store's group transaction.
 *
 * Statements are prepared once per handle and cached (stmts[]); each use
 * ends with reset + clear_bindings so no value outlives the call.
 */
#include "store/db.h"
#include "store/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/util.h"
#include "xmpp/scram.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define DB_FILE "lethe.db"
#define DB_BUSY_MS 5000
#define DB_SWEEP_BATCH 512
#define DB_ID_LEN 16
#define DB_CACHED_MAX 48

static const char *const migrations[] = {
    /* 1: accounts, verifiers, map and archive stores, retentions. */
    "CREATE TABLE accounts ("
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " PRIMARY KEY (host, user)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE creds ("
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " iter INTEGER NOT NULL,"
    " salt BLOB NOT NULL,"
    " stored_key BLOB NOT NULL,"
    " server_key BLOB NOT NULL,"
    " PRIMARY KEY (host, user, hash),"
    " FOREIGN KEY (host, user) REFERENCES accounts (host, user)"
    "  ON DELETE CASCADE"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE map ("
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " store TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " value BLOB NOT NULL,"
    " expires INTEGER,"
    " PRIMARY KEY (host, user, store, key)"
    ") STRICT;"
    "CREATE INDEX map_expires ON map (expires) WHERE expires IS NOT NULL;"
    "CREATE TABLE archive ("
    " seq INTEGER PRIMARY KEY,"
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " store TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " at INTEGER NOT NULL,"
    " peer TEXT,"
    " value BLOB NOT NULL,"
    " expires INTEGER"
    ") STRICT;"
    "CREATE INDEX archive_at ON archive (host, user, store, at);"
    "CREATE UNIQUE INDEX archive_id ON archive (host, user, store, id);"
    "CREATE INDEX archive_expires ON archive (expires)"
    " WHERE expires IS NOT NULL;"
    /* The retention each store's rows were written under, so that a
	 * shorter one from the configuration can be applied to them. */
    "CREATE TABLE retention ("
    " store TEXT PRIMARY KEY,"
    " seconds INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;",
    /* 2: archive queries filtered by peer (MAM 'with') walk their own
     * index instead of every item of the owner. */
    "CREATE INDEX archive_peer ON archive (host, user, store, peer, at);",
    /* 3: tombstones of deleted accounts (a keyed hash of the name, never
     * the name), and map rows found by key across owners, so a deleted
     * account's entry leaves every roster in one indexed delete. */
    "CREATE TABLE tombstones ("
    " mac BLOB PRIMARY KEY,"
    " expires INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX map_key ON map (store, key);",
    /* 4: sealed records (sealdb.c; no times: a key's birth would date
     * a login or an away period). kid names the data key a row is
     * sealed under (NULL: in clear); 1 is the account's main key, higher
     * ones write-only keys made while the account was away, re-sealed
     * under the main key at its next login (hence the small index). */
    "ALTER TABLE map ADD COLUMN kid INTEGER;"
    "ALTER TABLE archive ADD COLUMN kid INTEGER;"
    "CREATE INDEX archive_away ON archive (host, user) WHERE kid > 1;"
    "CREATE TABLE seal_accounts ("
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " pk BLOB NOT NULL,"
    " migrated INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (host, user),"
    " FOREIGN KEY (host, user) REFERENCES accounts (host, user)"
    "  ON DELETE CASCADE"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE seal_wraps ("
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " label TEXT NOT NULL,"
    " wrap BLOB NOT NULL,"
    " PRIMARY KEY (host, user, label),"
    " FOREIGN KEY (host, user) REFERENCES accounts (host, user)"
    "  ON DELETE CASCADE"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE seal_keys ("
    " host TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " kid INTEGER NOT NULL,"
    " sealed BLOB NOT NULL,"
    " PRIMARY KEY (host, user, kid),"
    " FOREIGN KEY (host, user) REFERENCES accounts (host, user)"
    "  ON DELETE CASCADE"
    ") STRICT, WITHOUT ROWID;",
};

#define DB_VERSION ((int)ARRAY_LEN(migrations))

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_ACC_INSERT,
	S_ACC_DELETE,
	S_ACC_EXISTS,
	S_ACC_LIST,
	S_CREDS_GET,
	S_CREDS_INSERT,
	S_CREDS_CLEAR,
	S_MAP_GET,
	S_MAP_PUT,
	S_MAP_DEL,
	S_MAP_LIST,
	S_MAP_CLEAR,
	S_MAP_OWNER_DEL,
	S_ARCH_INSERT,
	S_ARCH_CURSOR,
	S_ARCH_FWD,
	S_ARCH_BWD,
	S_ARCH_FWD_PEER,
	S_ARCH_BWD_PEER,
	S_ARCH_COUNT,
	S_ARCH_DEL_ONE,
	S_ARCH_DEL_ALL,
	S_ARCH_OWNER_DEL,
	S_ARCH_GET,
	S_ARCH_EVICT,
	S_SWEEP_MAP,
	S_SWEEP_ARCH,
	S_RET_GET,
	S_RET_SET,
	S_RET_CLAMP_MAP,
	S_RET_CLAMP_ARCH,
	S_ARCH_SHORTEN_DEL,
	S_ARCH_SHORTEN_SET,
	S_STATS_MAP,
	S_STATS_ARCH,
	S_COUNT
};

/* Live rows only: an expired row is never served, swept or not. */
#define LIVE "(expires IS NULL OR expires > ?9)"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT op",
    [S_RELEASE] = "RELEASE op",
    [S_ROLLBACK_TO] = "ROLLBACK TO op",
    [S_ACC_INSERT] = "INSERT INTO accounts (host, user) VALUES (?1, ?2)",
    [S_ACC_DELETE] = "DELETE FROM accounts WHERE host = ?1 AND user = ?2",
    [S_ACC_EXISTS] = "SELECT 1 FROM accounts WHERE host = ?1 AND user = ?2",
    [S_ACC_LIST] = "SELECT user FROM accounts WHERE host = ?1 ORDER BY user",
    [S_CREDS_GET] = "SELECT c.hash, c.iter, c.salt, c.stored_key,"
                    " c.server_key FROM accounts a LEFT JOIN creds c"
                    " ON c.host = a.host AND c.user = a.user"
                    " WHERE a.host = ?1 AND a.user = ?2 ORDER BY c.hash",
    [S_CREDS_INSERT] = "INSERT INTO creds (host, user, hash, iter, salt,"
                       " stored_key, server_key)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_CREDS_CLEAR] = "DELETE FROM creds WHERE host = ?1 AND user = ?2",
    [S_MAP_GET] = "SELECT value, kid FROM map WHERE host = ?1 AND user = ?2"
                  " AND store = ?3 AND key = ?4 AND " LIVE,
    [S_MAP_PUT] = "INSERT INTO map (host, user, store, key, value, expires,"
                  " kid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                  " ON CONFLICT (host, user, store, key) DO UPDATE SET"
                  " value = excluded.value, expires = excluded.expires,"
                  " kid = excluded.kid",
    [S_MAP_DEL] = "DELETE FROM map WHERE host = ?1 AND user = ?2"
                  " AND store = ?3 AND key = ?4",
    [S_MAP_LIST] = "SELECT key, value, kid FROM map WHERE host = ?1"
                   " AND user = ?2 AND store = ?3 AND " LIVE " ORDER BY key",
    [S_MAP_CLEAR] = "DELETE FROM map WHERE host = ?1 AND user = ?2"
                    " AND store = ?3",
    [S_MAP_OWNER_DEL] = "DELETE FROM map WHERE host = ?1 AND user = ?2",
    [S_ARCH_INSERT] = "INSERT INTO archive (host, user, store, id, at,"
                      " peer, value, expires, kid)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10)",
    [S_ARCH_CURSOR] = "SELECT at, seq FROM archive WHERE host = ?1"
                      " AND user = ?2 AND store = ?3 AND id = ?4 AND " LIVE,
    [S_ARCH_FWD] = "SELECT id, at, peer, value, kid FROM archive"
                   " WHERE host = ?1 AND user = ?2 AND store = ?3"
                   " AND " LIVE " AND (?4 IS NULL OR peer = ?4)"
                   " AND at >= ?5 AND at <= ?6"
                   " AND (at, seq) > (?7, ?8) AND (at, seq) < (?10, ?11)"
                   " ORDER BY at, seq LIMIT ?12",
    [S_ARCH_BWD] = "SELECT id, at, peer, value, kid FROM archive"
                   " WHERE host = ?1 AND user = ?2 AND store = ?3"
                   " AND " LIVE " AND (?4 IS NULL OR peer = ?4)"
                   " AND at >= ?5 AND at <= ?6"
                   " AND (at, seq) > (?7, ?8) AND (at, seq) < (?10, ?11)"
                   " ORDER BY at DESC, seq DESC LIMIT ?12",
    /* The same for one peer: a separate statement, since the planner
     * picks an index once per statement, not per bound value. */
    [S_ARCH_FWD_PEER] = "SELECT id, at, peer, value, kid FROM archive"
                        " WHERE host = ?1 AND user = ?2 AND store = ?3"
                        " AND " LIVE " AND peer = ?4"
                        " AND at >= ?5 AND at <= ?6"
                        " AND (at, seq) > (?7, ?8)"
                        " AND (at, seq) < (?10, ?11)"
                        " ORDER BY at, seq LIMIT ?12",
    [S_ARCH_BWD_PEER] = "SELECT id, at, peer, value, kid FROM archive"
                        " WHERE host = ?1 AND user = ?2 AND store = ?3"
                        " AND " LIVE " AND peer = ?4"
                        " AND at >= ?5 AND at <= ?6"
                        " AND (at, seq) > (?7, ?8)"
                        " AND (at, seq) < (?10, ?11)"
                        " ORDER BY at DESC, seq DESC LIMIT ?12",
    [S_ARCH_COUNT] = "SELECT count(*) FROM archive WHERE host = ?1"
                     " AND user = ?2 AND store = ?3 AND " LIVE,
    [S_ARCH_DEL_ONE] = "DELETE FROM archive WHERE host = ?1 AND user = ?2"
                       " AND store = ?3 AND id = ?4",
    [S_ARCH_DEL_ALL] = "DELETE FROM archive WHERE host = ?1 AND user = ?2"
                       " AND store = ?3",
    [S_ARCH_OWNER_DEL] = "DELETE FROM archive WHERE host = ?1"
                         " AND user = ?2",
    [S_ARCH_GET] = "SELECT id, at, peer, value, seq, kid FROM archive"
                   " WHERE host = ?1 AND user = ?2 AND store = ?3"
                   " AND id = ?4 AND " LIVE,
    [S_ARCH_EVICT] = "DELETE FROM archive WHERE seq IN (SELECT seq"
                     " FROM archive WHERE host = ?1 AND user = ?2"
                     " AND store = ?3 ORDER BY at, seq LIMIT ?4)",
    [S_SWEEP_MAP] = "DELETE FROM map WHERE rowid IN (SELECT rowid FROM map"
                    " WHERE expires <= ?1 LIMIT ?2)",
    [S_SWEEP_ARCH] = "DELETE FROM archive WHERE seq IN (SELECT seq"
                     " FROM archive WHERE expires <= ?1 LIMIT ?2)",
    [S_RET_GET] = "SELECT seconds FROM retention WHERE store = ?1",
    [S_RET_SET] = "INSERT INTO retention (store, seconds) VALUES (?1, ?2)"
                  " ON CONFLICT (store) DO UPDATE SET"
                  " seconds = excluded.seconds",
    [S_RET_CLAMP_MAP] = "UPDATE map SET expires = ?2 WHERE store = ?1"
                        " AND (expires IS NULL OR expires > ?2)",
    [S_RET_CLAMP_ARCH] = "UPDATE archive SET expires = ?2 WHERE store = ?1"
                         " AND (expires IS NULL OR expires > ?2)",
    /* An owner's own shorter retention (db_archive_shorten). */
    [S_ARCH_SHORTEN_DEL] = "DELETE FROM archive WHERE host = ?1"
                           " AND user = ?2 AND store = ?3 AND at <= ?4",
    [S_ARCH_SHORTEN_SET] = "UPDATE archive SET expires = at + ?4"
                           " WHERE host = ?1 AND user = ?2 AND store = ?3"
                           " AND (expires IS NULL OR expires > at + ?4)",
    /* What one owner holds in one store: live rows, the oldest item's
     * time (archives only: map rows carry no time) and the first expiry. */
    [S_STATS_MAP] = "SELECT count(*), NULL, min(expires) FROM map"
                    " WHERE host = ?1 AND user = ?2 AND store = ?3"
                    " AND " LIVE,
    [S_STATS_ARCH] = "SELECT count(*), min(at), min(expires) FROM archive"
                     " WHERE host = ?1 AND user = ?2 AND store = ?3"
                     " AND " LIVE,
};

/* The on-disk names of the SCRAM hashes: independent of the enum order. */
static const struct {
	const char *name;
	size_t len;
} hashes[SCRAM_NHASH] = {
    [SCRAM_SHA1] = {"SHA-1", 20},
    [SCRAM_SHA256] = {"SHA-256", 32},
    [SCRAM_SHA512] = {"SHA-512", 64},
};

struct db {
	sqlite3 *h;
	sqlite3_stmt *stmts[S_COUNT];
	int depth; /* open tx_begin()s, the outermost a real transaction */
	int64_t kid; /* written with map puts and archive appends; 0: NULL */
	/* db_stmt_cached(): other files' statements, by their text's
	 * address (string literals). */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} cached[DB_CACHED_MAX];
	size_t ncached;
};

static int tx_begin(struct db *d);
static int tx_end(struct db *d, int ok);
static void db_log(struct db *d, const char *what);

static void
bind_kid(sqlite3_stmt *s, int i, int64_t kid)
{
	if (kid == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, kid);
}

static int64_t
col_kid(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL
	    ? 0
	    : sqlite3_column_int64(s, i);
}

sqlite3_stmt *
db_stmt_cached(struct db *d, const char *sql)
{
	sqlite3_stmt *s;
	size_t i;

	for (i = 0; i < d->ncached; i++)
		if (d->cached[i].sql == sql)
			return d->cached[i].s;
	if (d->ncached == DB_CACHED_MAX) {
		log_err("event=db_error op=stmt_cache_full");
		return NULL;
	}
	if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
	        NULL) != SQLITE_OK) {
		db_log(d, "prepare");
		return NULL;
	}
	d->cached[d->ncached].sql = sql;
	d->cached[d->ncached++].s = s;
	return s;
}

void
db_set_kid(struct db *d, int64_t kid)
{
	d->kid = kid;
}

sqlite3 *
db_sqlite(struct db *d)
{
	return d->h;
}

int
db_savepoint(struct db *d)
{
	return tx_begin(d);
}

int
db_release(struct db *d, int ok)
{
	return tx_end(d, ok);
}

static db_clock_fn clock_fn;

static const unsigned char empty_blob[1];

void
db_set_clock(db_clock_fn fn)
{
	__atomic_store_n(&clock_fn, fn, __ATOMIC_RELEASE);
}

int64_t
db_now(void)
{
	db_clock_fn fn = __atomic_load_n(&clock_fn, __ATOMIC_ACQUIRE);

	return fn != NULL ? fn() : util_time();
}

int
db_schema_version(void)
{
	return DB_VERSION;
}

static void
db_log(struct db *d, const char *what)
{
	log_err("event=db_error op=%s code=%d msg=\"%s\"", what,
	    sqlite3_extended_errcode(d->h), sqlite3_errmsg(d->h));
}

static sqlite3_stmt *
stmt(struct db *d, enum stmt_id id)
{
	if (d->stmts[id] == NULL &&
	    sqlite3_prepare_v3(d->h, stmt_sql[id], -1,
	        SQLITE_PREPARE_PERSISTENT, &d->stmts[id], NULL) != SQLITE_OK) {
		db_log(d, "prepare");
		d->stmts[id] = NULL;
	}
	return d->stmts[id];
}

static void
stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Runs a statement that returns no rows; SQLITE_DONE or the error. */
static int
run(struct db *d, enum stmt_id id)
{
	sqlite3_stmt *s = stmt(d, id);
	int rc;

	if (s == NULL)
		return SQLITE_ERROR;
	rc = sqlite3_step(s);
	stmt_done(s);
	return rc;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* A NULL pointer would bind SQL NULL; an empty value is an empty blob. */
static void
bind_blob(sqlite3_stmt *s, int i, const void *v, size_t len)
{
	sqlite3_bind_blob64(s, i, len > 0 ? v : empty_blob, len, SQLITE_STATIC);
}

static void
bind_owner(
    sqlite3_stmt *s, const char *host, const char *user, const char *store)
{
	bind_text(s, 1, host);
	bind_text(s, 2, user);
	if (store != NULL)
		bind_text(s, 3, store);
}

/*
 * Inside a group transaction that SQLite rolled back by itself (I/O
 * error, disk full), nothing more may run: it would silently commit on
 * its own while the group is reported failed.
 */
static int
tx_lost(struct db *d)
{
	return d->depth > 0 && sqlite3_get_autocommit(d->h);
}

static int
tx_begin(struct db *d)
{
	if (tx_lost(d))
		return -1;
	if (run(d, d->depth == 0 ? S_BEGIN : S_SAVEPOINT) != SQLITE_DONE) {
		db_log(d, "begin");
		return -1;
	}
	d->depth++;
	return 0;
}

/* Ends the innermost tx_begin(): commits if ok, else undoes it. */
static int
tx_end(struct db *d, int ok)
{
	int rc = 0;

	d->depth--;
	if (d->depth == 0) {
		if (ok && run(d, S_COMMIT) != SQLITE_DONE) {
			db_log(d, "commit");
			ok = 0;
			rc = -1;
		}
		if (!ok && !sqlite3_get_autocommit(d->h))
			run(d, S_ROLLBACK);
		return ok ? 0 : rc;
	}
	if (sqlite3_get_autocommit(d->h))
		return -1;
	if (!ok)
		run(d, S_ROLLBACK_TO);
	if (run(d, S_RELEASE) != SQLITE_DONE) {
		db_log(d, "release");
		return -1;
	}
	return 0;
}

int
db_begin(struct db *d)
{
	return tx_begin(d);
}

int
db_commit(struct db *d)
{
	if (d->depth != 1)
		return -1;
	if (sqlite3_get_autocommit(d->h)) {
		d->depth = 0;
		return -1;
	}
	return tx_end(d, 1);
}

void
db_rollback(struct db *d)
{
	if (d->depth != 1)
		return;
	tx_end(d, 0);
}

/* --- opening and migrations --- */

static int
exec_sql(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "database: %s", msg ? msg : sqlite3_errmsg(h));
	sqlite3_free(msg);
	return -1;
}

static int
pragma_text(
    sqlite3 *h, const char *sql, const char *want, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int ok = 0;

	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(h));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) &&
	    strcmp((const char *)sqlite3_column_text(s, 0), want) == 0)
		ok = 1;
	sqlite3_finalize(s);
	if (!ok)
		snprintf(
		    err, errlen, "database: \"%s\" did not give %s", sql, want);
	return ok ? 0 : -1;
}

static int
schema_read(sqlite3 *h, int *version, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(h, "SELECT max(version) FROM schema_version", -1,
	        &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(h));
		return -1;
	}
	rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(h));
		return -1;
	}
	return 0;
}

/*
 * Brings the schema to DB_VERSION in one IMMEDIATE transaction, so two
 * processes opening a fresh database at once cannot both migrate it.
 */
static int
migrate(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	char sql[128];
	int v, i;

	if (exec_sql(h,
	        "CREATE TABLE IF NOT EXISTS schema_version ("
	        " version INTEGER NOT NULL) STRICT",
	        err, errlen) < 0)
		return -1;
	if (exec_sql(h, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	if (schema_read(h, &v, err, errlen) < 0)
		goto fail;
	if (v > DB_VERSION) {
		snprintf(err, errlen,
		    "%s has schema version %d, newer than this Lethe "
		    "understands (%d): upgrade Lethe",
		    path, v, DB_VERSION);
		goto fail;
	}
	for (i = v; i < DB_VERSION; i++) {
		if (exec_sql(h, migrations[i], err, errlen) < 0)
			goto fail;
	}
	if (v < DB_VERSION) {
		snprintf(sql, sizeof(sql),
		    "DELETE FROM schema_version;"
		    "INSERT INTO schema_version VALUES (%d)",
		    DB_VERSION);
		if (exec_sql(h, sql, err, errlen) < 0)
			goto fail;
	}
	if (exec_sql(h, "COMMIT", err, errlen) < 0)
		goto fail;
	if (v < DB_VERSION)
		log_info("event=db_migrated from=%d to=%d", v, DB_VERSION);
	return 0;
fail:
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * A database others can read defeats the file's purpose (PRIVACY.md): an
 * existing one with group or other bits loses them, with a warning.
 */
static int
tighten_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
		log_warn("event=db_mode_tightened mode=%o", st.st_mode & 0777);
		if (fchmod(fd, st.st_mode & 0700) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	close(fd);
	return rc;
}

/*
 * Creates the file with mode 0600 before SQLite sees it (SQLite would
 * use 0644 less the umask; its -wal and -shm files copy the database
 * file's mode). When root creates it (lethectl before the first start),
 * it goes to the data directory's owner, so the daemon can open it.
 */
static int
create_file(const char *dir, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(
	    path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return tighten_file(path, err, errlen);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && stat(dir, &st) == 0 &&
	    (st.st_uid != 0 || st.st_gid != 0) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

struct db *
db_open(const char *data_dir, char *err, size_t errlen)
{
	struct db *d;
	char *path = NULL;
	int n;

	if (data_dir == NULL || data_dir[0] == '\0') {
		snprintf(err, errlen, "no data directory");
		return NULL;
	}
	/* Every process that opens the database may make sealing keys
	 * (lethectl adduser, passwd): libsodium first. */
	if (seal_init() == -1) {
		snprintf(err, errlen, "cannot initialize libsodium");
		return NULL;
	}
	if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", data_dir, strerror(errno));
		return NULL;
	}
	n = snprintf(NULL, 0, "%s/%s", data_dir, DB_FILE);
	if (n < 0 || (path = malloc((size_t)n + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(path, (size_t)n + 1, "%s/%s", data_dir, DB_FILE);
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail_path;
	}
	if (create_file(data_dir, path, err, errlen) < 0)
		goto fail_db;
	if (sqlite3_open_v2(path, &d->h,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	            SQLITE_OPEN_NOFOLLOW,
	        NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		    d->h ? sqlite3_errmsg(d->h) : "cannot open");
		goto fail_handle;
	}
	sqlite3_extended_result_codes(d->h, 1);
	/* Hardening: no schema tricks from a tampered file. */
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_busy_timeout(d->h, DB_BUSY_MS);
	/* auto_vacuum only takes effect before the first table exists. */
	if (exec_sql(d->h,
	        "PRAGMA auto_vacuum = INCREMENTAL;"
	        "PRAGMA foreign_keys = ON;"
	        "PRAGMA secure_delete = ON;",
	        err, errlen) < 0)
		goto fail_handle;
	if (pragma_text(d->h, "PRAGMA journal_mode = WAL", "wal", err, errlen) <
	    0)
		goto fail_handle;
	if (exec_sql(d->h, "PRAGMA synchronous = NORMAL", err, errlen) < 0)
		goto fail_handle;
	if (migrate(d->h, path, err, errlen) < 0)
		goto fail_handle;
	free(path);
	return d;
fail_handle:
	sqlite3_close_v2(d->h);
fail_db:
	free(d);
fail_path:
	free(path);
	return NULL;
}

void
db_close(struct db *d)
{
	size_t i;

	if (d == NULL)
		return;
	while (d->depth > 0)
		tx_end(d, 0);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(d->stmts[i]);
	for (i = 0; i < d->ncached; i++)
		sqlite3_finalize(d->cached[i].s);
	/* A clean close checkpoints and removes the -wal file. */
	sqlite3_close_v2(d->h);
	free(d);
}

/* --- helpers for results and stores --- */

static char *
col_text(struct arena *a, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	if (t == NULL)
		return NULL;
	return arena_strndup(
	    a, (const char *)t, (size_t)sqlite3_column_bytes(s, i));
}

/* A NUL-terminated copy of a blob column; never NULL unless OOM. */
static void *
col_blob(struct arena *a, sqlite3_stmt *s, int i, size_t *len)
{
	const void *b = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);
	char *p;

	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, b, n);
	p[n] = '\0';
	*len = n;
	return p;
}

/* The registered store of that name and shape, or NULL (logged). */
static const struct store_def *
store_def(const char *store, enum store_shape shape)
{
	const struct store_def *def = store_lookup(store);

	if (def == NULL || def->shape != shape) {
		log_err("event=db_bad_store store=%s",
		    store != NULL ? store : "(null)");
		return NULL;
	}
	return def;
}

/* expires for a row written now, bound to parameter i (NULL: never);
 * ttl > 0 shortens the store's retention for this row, never lengthens. */
static void
bind_expires_ttl(sqlite3_stmt *s, int i, const struct store_def *def,
    int64_t now, int64_t ttl)
{
	int64_t ret = __atomic_load_n(&def->retention, __ATOMIC_RELAXED);

	if (ttl > 0 && (ret <= 0 || ttl < ret))
		ret = ttl;
	if (ret <= 0 || now > INT64_MAX - ret)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, now + ret);
}

static void
bind_expires(sqlite3_stmt *s, int i, const struct store_def *def, int64_t now)
{
	int64_t ret = __atomic_load_n(&def->retention, __ATOMIC_RELAXED);

	if (ret <= 0 || now > INT64_MAX - ret)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, now + ret);
}

/* A growing array of items, copied into the arena at the end. */
struct items {
	struct store_item *v;
	size_t n, cap;
};

static struct store_item *
items_add(struct items *it)
{
	struct store_item *nv;
	size_t ncap;

	if (it->n == it->cap) {
		ncap = it->cap ? it->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(*nv) ||
		    (nv = realloc(it->v, ncap * sizeof(*nv))) == NULL)
			return NULL;
		it->v = nv;
		it->cap = ncap;
	}
	memset(&it->v[it->n], 0, sizeof(it->v[0]));
	return &it->v[it->n++];
}

static int
items_finish(struct items *it, struct arena *a, struct store_res *r)
{
	struct store_item *v = NULL;

	if (it->n > 0) {
		if ((v = arena_alloc(a, it->n * sizeof(*v))) == NULL) {
			free(it->v);
			return -1;
		}
		memcpy(v, it->v, it->n * sizeof(*v));
	}
	free(it->v);
	r->items = v;
	r->nitems = it->n;
	return 0;
}

/* --- accounts --- */

static int
cred_valid(const struct scram_cred *c)
{
	return (int)c->hash >= 0 && (int)c->hash < SCRAM_NHASH && c->iter > 0 &&
	    c->iter <= INT_MAX && c->salt_len > 0 &&
	    c->salt_len <= SCRAM_MAX_SALT;
}

static int
creds_insert(struct db *d, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds)
{
	sqlite3_stmt *s;
	size_t i, klen;
	int rc;

	for (i = 0; i < ncreds; i++) {
		if (!cred_valid(&creds[i])) {
			log_err("event=db_bad_cred");
			return -1;
		}
		if ((s = stmt(d, S_CREDS_INSERT)) == NULL)
			return -1;
		klen = hashes[creds[i].hash].len;
		bind_owner(s, host, user, NULL);
		bind_text(s, 3, hashes[creds[i].hash].name);
		sqlite3_bind_int64(s, 4, creds[i].iter);
		bind_blob(s, 5, creds[i].salt, creds[i].salt_len);
		bind_blob(s, 6, creds[i].stored_key, klen);
		bind_blob(s, 7, creds[i].server_key, klen);
		rc = sqlite3_step(s);
		stmt_done(s);
		if (rc != SQLITE_DONE) {
			db_log(d, "creds_insert");
			return -1;
		}
	}
	return 0;
}

enum store_status
db_account_create(struct db *d, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds)
{
	sqlite3_stmt *s;
	enum store_status st = STORE_ERR;
	int rc;

	if (tx_begin(d) < 0)
		return STORE_ERR;
	if ((s = stmt(d, S_ACC_INSERT)) == NULL)
		goto out;
	bind_owner(s, host, user, NULL);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		st = STORE_EXISTS;
		goto out;
	}
	if (rc != SQLITE_DONE) {
		db_log(d, "account_create");
		goto out;
	}
	if (creds_insert(d, host, user, creds, ncreds) < 0)
		goto out;
	st = STORE_OK;
out:
	if (tx_end(d, st == STORE_OK) < 0 && st == STORE_OK)
		st = STORE_ERR;
	return st;
}

static enum scram_hash
hash_parse(const char *name)
{
	int h;

	for (h = 0; h < SCRAM_NHASH; h++)
		if (strcmp(hashes[h].name, name) == 0)
			return (enum scram_hash)h;
	return SCRAM_NHASH;
}

enum store_status
db_account_creds(struct db *d, struct arena *a, const char *host,
    const char *user, struct store_res *r)
{
	struct scram_cred tmp[SCRAM_NHASH], *out;
	sqlite3_stmt *s;
	enum store_status st = STORE_NOTFOUND;
	const char *name;
	enum scram_hash h;
	size_t n = 0, len;
	int rc;

	if (tx_lost(d) || (s = stmt(d, S_CREDS_GET)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, NULL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st = STORE_OK;
		/* LEFT JOIN: an account without verifiers gives one NULL row. */
		if ((name = (const char *)sqlite3_column_text(s, 0)) == NULL)
			continue;
		h = hash_parse(name);
		if (h == SCRAM_NHASH || n >= SCRAM_NHASH) {
			log_warn("event=db_unknown_hash");
			continue;
		}
		memset(&tmp[n], 0, sizeof(tmp[n]));
		tmp[n].hash = h;
		tmp[n].iter = (unsigned)sqlite3_column_int64(s, 1);
		len = (size_t)sqlite3_column_bytes(s, 2);
		if (len == 0 || len > SCRAM_MAX_SALT ||
		    (size_t)sqlite3_column_bytes(s, 3) != hashes[h].len ||
		    (size_t)sqlite3_column_bytes(s, 4) != hashes[h].len) {
			log_warn("event=db_bad_cred_row");
			continue;
		}
		tmp[n].salt_len = len;
		memcpy(tmp[n].salt, sqlite3_column_blob(s, 2), len);
		memcpy(tmp[n].stored_key, sqlite3_column_blob(s, 3),
		    hashes[h].len);
		memcpy(tmp[n].server_key, sqlite3_column_blob(s, 4),
		    hashes[h].len);
		n++;
	}
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "account_creds");
		st = STORE_ERR;
	} else if (st == STORE_OK && n > 0) {
		if ((out = arena_alloc(a, n * sizeof(*out))) == NULL) {
			st = STORE_ERR;
		} else {
			memcpy(out, tmp, n * sizeof(*out));
			r->creds = out;
			r->ncreds = n;
		}
	}
	util_wipe(tmp, sizeof(tmp));
	return st;
}

static enum store_status
account_exists(struct db *d, const char *host, const char *user)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt(d, S_ACC_EXISTS)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, NULL);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	db_log(d, "account_exists");
	return STORE_ERR;
}

enum store_status
db_account_set_creds(struct db *d, const char *host, const char *user,
    const struct scram_cred *creds, size_t ncreds)
{
	sqlite3_stmt *s;
	enum store_status st;
	int rc;

	if (tx_begin(d) < 0)
		return STORE_ERR;
	if ((st = account_exists(d, host, user)) != STORE_OK)
		goto out;
	st = STORE_ERR;
	if ((s = stmt(d, S_CREDS_CLEAR)) == NULL)
		goto out;
	bind_owner(s, host, user, NULL);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "creds_clear");
		goto out;
	}
	if (creds_insert(d, host, user, creds, ncreds) < 0)
		goto out;
	st = STORE_OK;
out:
	if (tx_end(d, st == STORE_OK) < 0 && st == STORE_OK)
		st = STORE_ERR;
	return st;
}

/*
 * Deletes (host, user)'s rows from one table, sparing the stores
 * registered with a non-user owner. Adds the rows deleted to *count.
 */
static int
owner_delete(struct db *d, const char *table, enum stmt_id all,
    const char *host, const char *user, uint64_t *count)
{
	const struct store_def *const *reg;
	const char *spare[64];
	sqlite3_stmt *s;
	char *sql = NULL, *p;
	size_t n, nspare = 0, i, len;
	int rc;

	reg = store_registry(&n);
	for (i = 0; i < n && nspare < ARRAY_LEN(spare); i++)
		if (reg[i]->owner != STORE_OWNER_USER)
			spare[nspare++] = reg[i]->name;
	if (nspare == 0) {
		if ((s = stmt(d, all)) == NULL)
			return -1;
		bind_owner(s, host, user, NULL);
		rc = sqlite3_step(s);
		stmt_done(s);
	} else {
		/* Rare (account deletion), so prepared for this call only. */
		len = 96 + strlen(table) + nspare * 4;
		if ((sql = malloc(len)) == NULL)
			return -1;
		p = sql +
		    snprintf(sql, len,
		        "DELETE FROM %s WHERE host = ?1 AND user = ?2"
		        " AND store NOT IN (?3",
		        table);
		for (i = 1; i < nspare; i++) {
			memcpy(p, ",?", 2);
			p += 2;
		}
		memcpy(p, ")", 2);
		if (sqlite3_prepare_v2(d->h, sql, -1, &s, NULL) != SQLITE_OK) {
			db_log(d, "owner_delete");
			free(sql);
			return -1;
		}
		free(sql);
		bind_owner(s, host, user, NULL);
		for (i = 0; i < nspare; i++)
			bind_text(s, (int)i + 3, spare[i]);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_DONE) {
		db_log(d, "owner_delete");
		return -1;
	}
	*count += (uint64_t)sqlite3_changes64(d->h);
	return 0;
}

enum store_status
db_account_delete(
    struct db *d, const char *host, const char *user, struct store_res *r)
{
	sqlite3_stmt *s;
	enum store_status st = STORE_ERR;
	uint64_t count = 0;
	int rc, found;

	if (tx_begin(d) < 0)
		return STORE_ERR;
	if ((s = stmt(d, S_ACC_DELETE)) == NULL)
		goto out;
	bind_owner(s, host, user, NULL);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "account_delete");
		goto out;
	}
	/* The verifiers go by ON DELETE CASCADE. */
	found = sqlite3_changes(d->h) > 0;
	if (owner_delete(d, "map", S_MAP_OWNER_DEL, host, user, &count) < 0 ||
	    owner_delete(d, "archive", S_ARCH_OWNER_DEL, host, user, &count) <
	        0)
		goto out;
	st = found ? STORE_OK : STORE_NOTFOUND;
out:
	if (tx_end(d, st != STORE_ERR) < 0)
		st = STORE_ERR;
	if (r != NULL && st != STORE_ERR)
		r->count = count;
	return st;
}

enum store_status
db_account_list(
    struct db *d, struct arena *a, const char *host, struct store_res *r)
{
	struct items it = {0};
	struct store_item *item;
	sqlite3_stmt *s;
	int rc;

	if (tx_lost(d) || (s = stmt(d, S_ACC_LIST)) == NULL)
		return STORE_ERR;
	bind_text(s, 1, host);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((item = items_add(&it)) == NULL ||
		    (item->key = col_text(a, s, 0)) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_NOMEM)
			db_log(d, "account_list");
		free(it.v);
		return STORE_ERR;
	}
	return items_finish(&it, a, r) < 0 ? STORE_ERR : STORE_OK;
}

/* --- map stores --- */

enum store_status
db_map_get(struct db *d, struct arena *a, const char *store, const char *host,
    const char *user, const char *key, struct store_res *r)
{
	sqlite3_stmt *s;
	enum store_status st = STORE_NOTFOUND;
	int rc;

	if (tx_lost(d) || store_def(store, STORE_MAP) == NULL ||
	    (s = stmt(d, S_MAP_GET)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	bind_text(s, 4, key);
	sqlite3_bind_int64(s, 9, db_now());
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->value = col_blob(a, s, 0, &r->value_len);
		r->kid = col_kid(s, 1);
		st = r->value != NULL ? STORE_OK : STORE_ERR;
	} else if (rc != SQLITE_DONE) {
		db_log(d, "map_get");
		st = STORE_ERR;
	}
	stmt_done(s);
	return st;
}

enum store_status
db_map_put(struct db *d, const char *store, const char *host, const char *user,
    const char *key, const void *value, size_t len)
{
	const struct store_def *def;
	sqlite3_stmt *s;
	int rc;

	if (tx_lost(d) || (def = store_def(store, STORE_MAP)) == NULL ||
	    (s = stmt(d, S_MAP_PUT)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	bind_text(s, 4, key);
	bind_blob(s, 5, value, len);
	bind_expires(s, 6, def, db_now());
	bind_kid(s, 7, d->kid);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "map_put");
		return STORE_ERR;
	}
	return STORE_OK;
}

enum store_status
db_map_del(struct db *d, const char *store, const char *host, const char *user,
    const char *key)
{
	sqlite3_stmt *s;
	int rc;

	if (tx_lost(d) || store_def(store, STORE_MAP) == NULL ||
	    (s = stmt(d, S_MAP_DEL)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	bind_text(s, 4, key);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "map_del");
		return STORE_ERR;
	}
	return sqlite3_changes(d->h) > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_status
db_map_list(struct db *d, struct arena *a, const char *store, const char *host,
    const char *user, struct store_res *r)
{
	struct items it = {0};
	struct store_item *item;
	sqlite3_stmt *s;
	int rc;

	if (tx_lost(d) || store_def(store, STORE_MAP) == NULL ||
	    (s = stmt(d, S_MAP_LIST)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	sqlite3_bind_int64(s, 9, db_now());
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((item = items_add(&it)) == NULL ||
		    (item->key = col_text(a, s, 0)) == NULL ||
		    (item->value = col_blob(a, s, 1, &item->value_len)) ==
		        NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		item->kid = col_kid(s, 2);
	}
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_NOMEM)
			db_log(d, "map_list");
		free(it.v);
		return STORE_ERR;
	}
	return items_finish(&it, a, r) < 0 ? STORE_ERR : STORE_OK;
}

/* Runs a DELETE bound to (host, user, store[, id]); count into r. */
static enum store_status
delete_rows(struct db *d, enum stmt_id id, const char *store, const char *host,
    const char *user, const char *key, struct store_res *r)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt(d, id)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	if (key != NULL)
		bind_text(s, 4, key);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "delete");
		return STORE_ERR;
	}
	if (r != NULL)
		r->count = (uint64_t)sqlite3_changes64(d->h);
	return STORE_OK;
}

enum store_status
db_map_drop(struct db *d, const char *store, const char *host, const char *user)
{
	if (tx_lost(d))
		return STORE_ERR;
	return delete_rows(d, S_MAP_CLEAR, store, host, user, NULL, NULL);
}

enum store_status
db_map_clear(struct db *d, const char *store, const char *host,
    const char *user, struct store_res *r)
{
	if (tx_lost(d) || store_def(store, STORE_MAP) == NULL)
		return STORE_ERR;
	return delete_rows(d, S_MAP_CLEAR, store, host, user, NULL, r);
}

/* --- archive stores --- */

enum store_status
db_archive_append(struct db *d, struct arena *a, const char *store,
    const char *host, const char *user, const char *id, int64_t when,
    const char *with, const void *value, size_t len, struct store_res *r)
{
	return db_archive_append_ttl(
	    d, a, store, host, user, id, when, with, value, len, 0, r);
}

enum store_status
db_archive_append_ttl(struct db *d, struct arena *a, const char *store,
    const char *host, const char *user, const char *id, int64_t when,
    const char *with, const void *value, size_t len, int64_t ttl,
    struct store_res *r)
{
	const struct store_def *def;
	struct store_item *item;
	sqlite3_stmt *s;
	char gen[DB_ID_LEN + 1];
	int64_t now = db_now();
	int rc, tries;

	if (tx_lost(d) || (def = store_def(store, STORE_ARCHIVE)) == NULL)
		return STORE_ERR;
	if (when == 0)
		when = now;
	/* A generated id collides with odds of 62^-16; retry anyway. */
	for (tries = 0;; tries++) {
		if (id == NULL)
			util_random_id(gen, DB_ID_LEN);
		if ((s = stmt(d, S_ARCH_INSERT)) == NULL)
			return STORE_ERR;
		bind_owner(s, host, user, store);
		bind_text(s, 4, id != NULL ? id : gen);
		sqlite3_bind_int64(s, 5, when);
		bind_text(s, 6, with);
		bind_blob(s, 7, value, len);
		bind_expires_ttl(s, 8, def, now, ttl);
		bind_kid(s, 10, d->kid);
		rc = sqlite3_step(s);
		stmt_done(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_CONSTRAINT_UNIQUE) {
			db_log(d, "archive_append");
			return STORE_ERR;
		}
		if (id != NULL)
			return STORE_EXISTS;
		if (tries == 3) {
			log_err("event=db_archive_id_collisions");
			return STORE_ERR;
		}
	}
	if (r == NULL)
		return STORE_OK;
	if ((item = arena_zalloc(a, sizeof(*item))) == NULL ||
	    (item->id = arena_strdup(a, id != NULL ? id : gen)) == NULL)
		return STORE_ERR;
	item->when = when;
	r->items = item;
	r->nitems = 1;
	return STORE_OK;
}

/* The (at, seq) position of a live item, for paging. */
static enum store_status
archive_cursor(struct db *d, const char *store, const char *host,
    const char *user, const char *id, int64_t now, int64_t *at, int64_t *seq)
{
	sqlite3_stmt *s;
	enum store_status st = STORE_NOTFOUND;
	int rc;

	if ((s = stmt(d, S_ARCH_CURSOR)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	bind_text(s, 4, id);
	sqlite3_bind_int64(s, 9, now);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*at = sqlite3_column_int64(s, 0);
		*seq = sqlite3_column_int64(s, 1);
		st = STORE_OK;
	} else if (rc != SQLITE_DONE) {
		db_log(d, "archive_cursor");
		st = STORE_ERR;
	}
	stmt_done(s);
	return st;
}

/* An item and its insertion order, for sorting items fetched by id. */
struct seq_item {
	struct store_item it;
	int64_t seq;
};

static int
seq_cmp(const void *x, const void *y)
{
	const struct seq_item *a = x, *b = y;

	if (a->it.when != b->it.when)
		return a->it.when < b->it.when ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The live items named in q->ids (unknown ids skipped), in archive order;
 * every other filter is ignored, as XEP-0313 does for an ids query. */
static enum store_status
archive_by_ids(struct db *d, struct arena *a, const char *store,
    const char *host, const char *user, const struct store_archive_query *q,
    int64_t now, struct store_res *r)
{
	struct seq_item *got;
	struct store_item *items;
	sqlite3_stmt *s;
	size_t i, j, n = 0, max;
	int rc;

	max = q->nids < DB_ARCHIVE_MAX ? q->nids : DB_ARCHIVE_MAX;
	if ((got = arena_zalloc(a, max * sizeof(*got))) == NULL ||
	    (items = arena_zalloc(a, max * sizeof(*items))) == NULL)
		return STORE_ERR;
	for (i = 0; i < max; i++) {
		if ((s = stmt(d, S_ARCH_GET)) == NULL)
			return STORE_ERR;
		bind_owner(s, host, user, store);
		bind_text(s, 4, q->ids[i]);
		sqlite3_bind_int64(s, 9, now);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			struct store_item *it = &got[n].it;

			if ((it->id = col_text(a, s, 0)) == NULL ||
			    (it->value = col_blob(a, s, 3, &it->value_len)) ==
			        NULL ||
			    (sqlite3_column_type(s, 2) != SQLITE_NULL &&
			        (it->with = col_text(a, s, 2)) == NULL)) {
				stmt_done(s);
				return STORE_ERR;
			}
			it->when = sqlite3_column_int64(s, 1);
			it->kid = col_kid(s, 5);
			got[n].seq = sqlite3_column_int64(s, 4);
			n++;
		} else if (rc != SQLITE_DONE) {
			stmt_done(s);
			db_log(d, "archive_get");
			return STORE_ERR;
		}
		stmt_done(s);
	}
	qsort(got, n, sizeof(*got), seq_cmp);
	/* The same id asked twice is served once. */
	for (i = 0, j = 0; i < n; i++)
		if (j == 0 || got[i].seq != got[i - 1].seq)
			items[j++] = got[i].it;
	r->items = j > 0 ? items : NULL;
	r->nitems = j;
	r->complete = 1;
	return STORE_OK;
}

enum store_status
db_archive_evict(struct db *d, const char *store, const char *host,
    const char *user, uint64_t n, struct store_res *r)
{
	sqlite3_stmt *s;
	int rc;

	if (tx_lost(d) || store_def(store, STORE_ARCHIVE) == NULL)
		return STORE_ERR;
	if ((s = stmt(d, S_ARCH_EVICT)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	sqlite3_bind_int64(s, 4, (int64_t)n);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "archive_evict");
		return STORE_ERR;
	}
	if (r != NULL)
		r->count = (uint64_t)sqlite3_changes64(d->h);
	return STORE_OK;
}

enum store_status
db_archive_query(struct db *d, struct arena *a, const char *store,
    const char *host, const char *user, const struct store_archive_query *q,
    struct store_res *r)
{
	struct store_item *items = NULL, *item;
	sqlite3_stmt *s;
	enum store_status st;
	int64_t now = db_now();
	int64_t lo_at = INT64_MIN, lo_seq = INT64_MIN;
	int64_t hi_at = INT64_MAX, hi_seq = INT64_MAX;
	int64_t lo, hi;
	size_t max, n = 0;
	int rc;

	if (tx_lost(d) || store_def(store, STORE_ARCHIVE) == NULL)
		return STORE_ERR;
	if (q->nids > 0)
		return archive_by_ids(d, a, store, host, user, q, now, r);
	if (q->after_id != NULL &&
	    (st = archive_cursor(d, store, host, user, q->after_id, now, &lo_at,
	         &lo_seq)) != STORE_OK)
		return st;
	if (q->before_id != NULL &&
	    (st = archive_cursor(d, store, host, user, q->before_id, now,
	         &hi_at, &hi_seq)) != STORE_OK)
		return st;
	max = q->max < DB_ARCHIVE_MAX ? q->max : DB_ARCHIVE_MAX;
	/* One more than asked tells whether the page is the last. */
	if ((items = arena_zalloc(a, (max + 1) * sizeof(*items))) == NULL)
		return STORE_ERR;
	if ((s = stmt(d,
	         q->with != NULL
	             ? (q->backwards ? S_ARCH_BWD_PEER : S_ARCH_FWD_PEER)
	             : (q->backwards ? S_ARCH_BWD : S_ARCH_FWD))) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	bind_text(s, 4, q->with);
	/* The cursors bound `at` too: saying so lets the index seek to the
	 * cursor instead of walking the archive from its first row (the
	 * row-value comparisons alone give SQLite no range). */
	lo = q->start != 0 ? q->start : INT64_MIN;
	hi = q->end != 0 ? q->end : INT64_MAX;
	if (lo_at > lo)
		lo = lo_at;
	if (hi_at < hi)
		hi = hi_at;
	sqlite3_bind_int64(s, 5, lo);
	sqlite3_bind_int64(s, 6, hi);
	sqlite3_bind_int64(s, 7, lo_at);
	sqlite3_bind_int64(s, 8, lo_seq);
	sqlite3_bind_int64(s, 9, now);
	sqlite3_bind_int64(s, 10, hi_at);
	sqlite3_bind_int64(s, 11, hi_seq);
	sqlite3_bind_int64(s, 12, (int64_t)max + 1);
	st = STORE_OK;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == max) {
			n++;
			break;
		}
		item = &items[n];
		if ((item->id = col_text(a, s, 0)) == NULL ||
		    (item->value = col_blob(a, s, 3, &item->value_len)) ==
		        NULL) {
			st = STORE_ERR;
			break;
		}
		item->when = sqlite3_column_int64(s, 1);
		item->kid = col_kid(s, 4);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL &&
		    (item->with = col_text(a, s, 2)) == NULL) {
			st = STORE_ERR;
			break;
		}
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_log(d, "archive_query");
		st = STORE_ERR;
	}
	stmt_done(s);
	if (st != STORE_OK)
		return st;
	r->complete = n <= max;
	r->nitems = n <= max ? n : max;
	r->items = r->nitems > 0 ? items : NULL;
	return STORE_OK;
}

enum store_status
db_archive_count(struct db *d, const char *store, const char *host,
    const char *user, uint64_t *n)
{
	sqlite3_stmt *s;
	enum store_status st = STORE_OK;

	if (tx_lost(d) || store_def(store, STORE_ARCHIVE) == NULL)
		return STORE_ERR;
	if ((s = stmt(d, S_ARCH_COUNT)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	sqlite3_bind_int64(s, 9, db_now());
	if (sqlite3_step(s) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(s, 0);
	} else {
		db_log(d, "archive_count");
		st = STORE_ERR;
	}
	stmt_done(s);
	return st;
}

enum store_status
db_archive_delete(struct db *d, const char *store, const char *host,
    const char *user, const char *id, struct store_res *r)
{
	struct store_res tmp = {0};
	enum store_status st;

	if (tx_lost(d) || store_def(store, STORE_ARCHIVE) == NULL)
		return STORE_ERR;
	st = delete_rows(d, id != NULL ? S_ARCH_DEL_ONE : S_ARCH_DEL_ALL, store,
	    host, user, id, &tmp);
	if (st != STORE_OK)
		return st;
	if (r != NULL)
		r->count = tmp.count;
	return id != NULL && tmp.count == 0 ? STORE_NOTFOUND : STORE_OK;
}

enum store_status
db_archive_shorten(struct db *d, const char *store, const char *host,
    const char *user, int64_t ttl, struct store_res *r)
{
	sqlite3_stmt *s;
	int64_t now = db_now();
	uint64_t n;
	int rc;

	if (ttl <= 0 || tx_lost(d) || store_def(store, STORE_ARCHIVE) == NULL)
		return STORE_ERR;
	if ((s = stmt(d, S_ARCH_SHORTEN_DEL)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	sqlite3_bind_int64(s, 4, now - ttl);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "archive_shorten");
		return STORE_ERR;
	}
	n = (uint64_t)sqlite3_changes64(d->h);
	if ((s = stmt(d, S_ARCH_SHORTEN_SET)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	sqlite3_bind_int64(s, 4, ttl);
	rc = sqlite3_step(s);
	stmt_done(s);
	if (rc != SQLITE_DONE) {
		db_log(d, "archive_shorten");
		return STORE_ERR;
	}
	if (r != NULL)
		r->count = n;
	return STORE_OK;
}

/* --- retention --- */

/*
 * Deletes in batches, each its own transaction when none is open, so a
 * large sweep never holds the write lock long enough to time lethectl
 * out.
 */
static int
sweep_table(
    struct db *d, enum stmt_id id, int64_t now, uint64_t max, uint64_t *count)
{
	sqlite3_stmt *s;
	int64_t n, batch;
	int rc;

	do {
		/* max > 0: stop once that many rows are gone in all. */
		batch = DB_SWEEP_BATCH;
		if (max > 0 && max - *count < (uint64_t)batch)
			batch = (int64_t)(max - *count);
		if (batch == 0)
			break;
		if ((s = stmt(d, id)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, batch);
		rc = sqlite3_step(s);
		stmt_done(s);
		if (rc != SQLITE_DONE) {
			db_log(d, "sweep");
			return -1;
		}
		n = sqlite3_changes64(d->h);
		*count += (uint64_t)n;
	} while (n == batch);
	return 0;
}

enum store_status
db_sweep(struct db *d, struct store_res *r)
{
	return db_sweep_max(d, 0, r);
}

enum store_status
db_sweep_max(struct db *d, uint64_t max, struct store_res *r)
{
	uint64_t count = 0;
	int64_t now = db_now();

	if (tx_lost(d))
		return STORE_ERR;
	if (sweep_table(d, S_SWEEP_MAP, now, max, &count) < 0 ||
	    ((max == 0 || count < max) &&
	        sweep_table(d, S_SWEEP_ARCH, now, max, &count) < 0))
		return STORE_ERR;
	/* secure_delete zeroed the rows; hand the free pages back too. */
	if (count > 0 && d->depth == 0 &&
	    sqlite3_exec(d->h, "PRAGMA incremental_vacuum", NULL, NULL, NULL) !=
	        SQLITE_OK)
		db_log(d, "incremental_vacuum");
	if (r != NULL)
		r->count = count;
	return STORE_OK;
}

static int
retention_clamp(
    struct db *d, const struct store_def *def, int64_t ret, int64_t now)
{
	sqlite3_stmt *s;
	int64_t old = 0;
	int rc;

	if ((s = stmt(d, S_RET_GET)) == NULL)
		return -1;
	bind_text(s, 1, def->name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		old = sqlite3_column_int64(s, 0);
	stmt_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (rc == SQLITE_ROW && old == ret)
		return 0;
	/* Shorter than before (0 = forever) or first seen: pull in. */
	if (ret > 0 && (old == 0 || ret < old) && now <= INT64_MAX - ret) {
		if ((s = stmt(d,
		         def->shape == STORE_MAP ? S_RET_CLAMP_MAP
		                                 : S_RET_CLAMP_ARCH)) == NULL)
			return -1;
		bind_text(s, 1, def->name);
		sqlite3_bind_int64(s, 2, now + ret);
		rc = sqlite3_step(s);
		stmt_done(s);
		if (rc != SQLITE_DONE)
			return -1;
		if (sqlite3_changes(d->h) > 0)
			log_info("event=retention_applied store=%s rows=%d",
			    def->name, sqlite3_changes(d->h));
	}
	if ((s = stmt(d, S_RET_SET)) == NULL)
		return -1;
	bind_text(s, 1, def->name);
	sqlite3_bind_int64(s, 2, ret);
	rc = sqlite3_step(s);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

enum store_status
db_retention_apply(struct db *d)
{
	const struct store_def *const *reg;
	size_t n, i;
	int64_t now = db_now(), ret;
	int ok = 1;

	if (tx_begin(d) < 0)
		return STORE_ERR;
	reg = store_registry(&n);
	for (i = 0; i < n && ok; i++) {
		ret = __atomic_load_n(&reg[i]->retention, __ATOMIC_RELAXED);
		if (retention_clamp(d, reg[i], ret, now) < 0) {
			db_log(d, "retention_apply");
			ok = 0;
		}
	}
	if (tx_end(d, ok) < 0)
		ok = 0;
	return ok ? STORE_OK : STORE_ERR;
}

/* --- what an owner holds --- */

enum store_status
db_stats(struct db *d, const char *store, const char *host, const char *user,
    struct store_res *r)
{
	const struct store_def *def = store_lookup(store);
	sqlite3_stmt *s;
	enum store_status st = STORE_OK;

	if (tx_lost(d) || def == NULL) {
		if (def == NULL)
			log_err("event=db_bad_store store=%s",
			    store != NULL ? store : "(null)");
		return STORE_ERR;
	}
	if ((s = stmt(d,
	         def->shape == STORE_MAP ? S_STATS_MAP : S_STATS_ARCH)) == NULL)
		return STORE_ERR;
	bind_owner(s, host, user, store);
	sqlite3_bind_int64(s, 9, db_now());
	if (sqlite3_step(s) == SQLITE_ROW) {
		r->count = (uint64_t)sqlite3_column_int64(s, 0);
		r->oldest = sqlite3_column_int64(s, 1);
		r->next_expiry = sqlite3_column_int64(s, 2);
	} else {
		db_log(d, "stats");
		st = STORE_ERR;
	}
	stmt_done(s);
	return st;
}

/* --- erasure and tombstones --- */

#define TOMB_KEY_FILE "tombstone.key"
#define TOMB_KEY_LEN 32

/* Runs one rare statement prepared for this call; binds text/int64
 * arguments given as (type, value) pairs: 't' text, 'i' int64, 'b' blob
 * (pointer, length). Returns the sqlite3_step result; *changes gets the
 * rows changed. */
static int
run_once(
    struct db *d, const char *sql, uint64_t *changes, const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	const void *p;
	size_t i, len;
	int rc;

	if (sqlite3_prepare_v2(d->h, sql, -1, &s, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		switch (types[i]) {
		case 't':
			bind_text(s, (int)i + 1, va_arg(ap, const char *));
			break;
		case 'i':
			sqlite3_bind_int64(s, (int)i + 1, va_arg(ap, int64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			bind_blob(s, (int)i + 1, p, len);
			break;
		}
	}
	va_end(ap);
	rc = sqlite3_step(s);
	if (changes != NULL)
		*changes = (uint64_t)sqlite3_changes64(d->h);
	sqlite3_finalize(s);
	return rc;
}

/*
 * The tombstone key: TOMB_KEY_LEN random bytes in DATA_DIR/tombstone.key
 * (mode 0600), made on first use beside the database. It keeps names out
 * of a copy of the database taken alone; whoever holds the data
 * directory holds the key too, and could test guessed names.
 */
static int
tomb_key(struct db *d, unsigned char key[TOMB_KEY_LEN])
{
	const char *dbpath = sqlite3_db_filename(d->h, "main");
	const char *slash;
	char path[4096];
	unsigned char fresh[TOMB_KEY_LEN];
	ssize_t n;
	int fd, tries;

	if (dbpath == NULL || (slash = strrchr(dbpath, '/')) == NULL ||
	    (size_t)(slash - dbpath) + sizeof(TOMB_KEY_FILE) + 1 > sizeof(path))
		return -1;
	snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - dbpath), dbpath,
	    TOMB_KEY_FILE);
	for (tries = 0; tries < 2; tries++) {
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			n = read(fd, key, TOMB_KEY_LEN);
			close(fd);
			if (n == TOMB_KEY_LEN)
				return 0;
			log_err("event=tombstone_key_unreadable");
			return -1;
		}
		if (errno != ENOENT)
			break;
		/* O_EXCL: two processes making it at once agree on one. */
		fd = open(path,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			break;
		}
		util_random(fresh, sizeof(fresh));
		n = write(fd, fresh, sizeof(fresh));
		if (n != (ssize_t)sizeof(fresh) || fsync(fd) < 0) {
			close(fd);
			unlink(path);
			util_wipe(fresh, sizeof(fresh));
			break;
		}
		close(fd);
		memcpy(key, fresh, TOMB_KEY_LEN);
		util_wipe(fresh, sizeof(fresh));
		return 0;
	}
	log_err("event=tombstone_key_failed errno=%d", errno);
	return -1;
}

/* HMAC-SHA-256(key, "user@host") into mac[32]. */
static int
tomb_mac(
    struct db *d, const char *host, const char *user, unsigned char mac[32])
{
	unsigned char key[TOMB_KEY_LEN];
	unsigned int maclen = 32;
	char name[1024];
	int n, rc = -1;

	n = snprintf(name, sizeof(name), "%s@%s", user, host);
	if (n < 0 || (size_t)n >= sizeof(name) || tomb_key(d, key) < 0)
		goto out;
	if (HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)name,
	        (size_t)n, mac, &maclen) != NULL &&
	    maclen == 32)
		rc = 0;
out:
	util_wipe(key, sizeof(key));
	util_wipe(name, sizeof(name));
	return rc;
}

enum store_status
db_tombstone_check(
    struct db *d, const char *host, const char *user, int64_t *until)
{
	unsigned char mac[32];
	sqlite3_stmt *s;
	enum store_status st = STORE_ERR;
	int rc;

	if (tx_lost(d) || tomb_mac(d, host, user, mac) < 0)
		return STORE_ERR;
	if (sqlite3_prepare_v2(d->h,
	        "SELECT expires FROM tombstones WHERE mac = ?1"
	        " AND expires > ?2",
	        -1, &s, NULL) != SQLITE_OK) {
		db_log(d, "tombstone_check");
		return STORE_ERR;
	}
	bind_blob(s, 1, mac, sizeof(mac));
	sqlite3_bind_int64(s, 2, db_now());
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (until != NULL)
			*until = sqlite3_column_int64(s, 0);
		st = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		st = STORE_NOTFOUND;
	} else {
		db_log(d, "tombstone_check");
	}
	sqlite3_finalize(s);
	return st;
}

enum store_status
db_tombstone_sweep(struct db *d, uint64_t *count)
{
	uint64_t n = 0;

	if (tx_lost(d))
		return STORE_ERR;
	if (run_once(d, "DELETE FROM tombstones WHERE expires <= ?1", &n, "i",
	        db_now()) != SQLITE_DONE) {
		db_log(d, "tombstone_sweep");
		return STORE_ERR;
	}
	if (count != NULL)
		*count += n;
	return STORE_OK;
}

enum store_status
db_account_erase(struct db *d, const char *host, const char *user,
    const struct store_erase *e, struct store_res *r)
{
	unsigned char mac[32];
	char bare[1024];
	enum store_status st = STORE_ERR, del;
	int64_t now = db_now();
	int n;

	n = snprintf(bare, sizeof(bare), "%s@%s", user, host);
	if (n < 0 || (size_t)n >= sizeof(bare))
		return STORE_ERR;
	if (e->tombstone_ttl > 0 && tomb_mac(d, host, user, mac) < 0)
		return STORE_ERR;
	if (tx_begin(d) < 0)
		return STORE_ERR;
	if ((del = db_account_delete(d, host, user, r)) == STORE_ERR)
		goto out;
	if (e->forget_store != NULL) {
		/* Every other owner's row naming the account: first a new
		 * version for each such owner (a client caching the old one
		 * must fetch everything again), then the rows themselves. */
		if (e->ver_key != NULL &&
		    run_once(d,
		        "UPDATE map SET value = ?3 WHERE store = ?1"
		        " AND key = ?4 AND (host, user) IN (SELECT host, user"
		        " FROM map WHERE store = ?1 AND key = ?2)",
		        NULL, "ttbt", e->forget_store, bare, e->ver, e->ver_len,
		        e->ver_key) != SQLITE_DONE) {
			db_log(d, "erase_version");
			goto out;
		}
		if (run_once(d, "DELETE FROM map WHERE store = ?1 AND key = ?2",
		        NULL, "tt", e->forget_store, bare) != SQLITE_DONE) {
			db_log(d, "erase_forget");
			goto out;
		}
	}
	if (del == STORE_OK && e->tombstone_ttl > 0 &&
	    (run_once(d,
	         "INSERT INTO tombstones (mac, expires) VALUES (?1, ?2)"
	         " ON CONFLICT (mac) DO UPDATE SET expires = excluded.expires",
	         NULL, "bi", mac, sizeof(mac),
	         now > INT64_MAX - e->tombstone_ttl
	             ? INT64_MAX
	             : now + e->tombstone_ttl) != SQLITE_DONE)) {
		db_log(d, "tombstone_add");
		goto out;
	}
	st = del;
out:
	if (tx_end(d, st != STORE_ERR) < 0)
		st = STORE_ERR;
	util_wipe(bare, sizeof(bare));
	return st;
}
