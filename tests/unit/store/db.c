/*
 * Unit tests for src/store/db.c: the schema on a fresh directory and on
 * reopen, file modes and PRAGMAs, refusal of a newer schema; accounts and
 * their verifiers; deletion cascading through registered stores; map and
 * archive stores (ordering, paging, filters, caps); expiry on read, sweep
 * and retention applied to old rows, with time set through db_set_clock();
 * group transactions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/db.h"
#include "store/store.h"

#include "testdb.h"
#include "xmpp/scram.h"

static const struct store_def d_map = {
    "t_map", STORE_MAP, STORE_OWNER_USER, 0, "test map", 0};
static const struct store_def d_arch = {
    "t_arch", STORE_ARCHIVE, STORE_OWNER_USER, 0, "test archive", 0};
static const struct store_def d_room = {
    "t_room", STORE_ARCHIVE, STORE_OWNER_ROOM, 0, "test room archive", 0};
static const struct store_def d_exp = {
    "t_exp", STORE_MAP, STORE_OWNER_USER, 1, "expiring map", 0};
static const struct store_def d_exp_arch = {
    "t_exp_arch", STORE_ARCHIVE, STORE_OWNER_USER, 1, "expiring archive", 0};
static const struct store_def d_later = {
    "t_later", STORE_MAP, STORE_OWNER_USER, 0, "retention set later", 0};

/* A second, raw connection for checking what is on disk. */
static sqlite3 *
raw_open(void)
{
	char p[PATH_MAX + 32];
	sqlite3 *h = NULL;

	snprintf(p, sizeof(p), "%s/lethe.db", dir);
	assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	return h;
}

static int64_t
raw_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
make_cred(struct scram_cred *c, enum scram_hash h, unsigned char seed)
{
	memset(c, 0, sizeof(*c));
	c->hash = h;
	c->iter = 4096 + seed;
	c->salt_len = 16;
	memset(c->salt, seed, c->salt_len);
	memset(c->stored_key, seed + 1, sizeof(c->stored_key));
	memset(c->server_key, seed + 2, sizeof(c->server_key));
}

static size_t
klen(enum scram_hash h)
{
	return h == SCRAM_SHA1 ? 20 : h == SCRAM_SHA256 ? 32 : 64;
}

/* --- schema --- */

static void
test_fresh_and_reopen(void **state)
{
	struct db *d = *state;
	char p[PATH_MAX + 32];
	struct stat sb;
	sqlite3 *h;

	assert_true(db_schema_version() >= 1);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(p, sizeof(p), "%s/lethe.db", dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	h = raw_open();
	assert_int_equal(raw_int(h, "SELECT version FROM schema_version"),
	    db_schema_version());
	assert_int_equal(raw_int(h, "SELECT count(*) FROM schema_version"), 1);
	assert_int_equal(raw_int(h, "PRAGMA auto_vacuum"), 2); /* incremental */
	assert_int_equal(raw_int(h,
	                     "SELECT count(*) FROM sqlite_schema WHERE "
	                     "name IN ('accounts','creds','map','archive')"),
	    4);
	assert_int_equal(raw_int(h,
	                     "SELECT count(*) FROM pragma_table_list "
	                     "WHERE strict = 1 AND name IN "
	                     "('accounts','creds','map','archive')"),
	    4);
	sqlite3_close(h);

	/* Reopening a migrated database migrates nothing and keeps data. */
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", NULL, 0), STORE_OK);
	db_close(d);
	d = *state = db_open(dir, errbuf, sizeof(errbuf));
	assert_non_null(d);
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", NULL, 0), STORE_EXISTS);
}

static void
test_mode_tightened(void **state)
{
	char p[PATH_MAX + 32];
	struct stat sb;

	db_close(*state);
	snprintf(p, sizeof(p), "%s/lethe.db", dir);
	assert_int_equal(chmod(p, 0644), 0);
	*state = db_open(dir, errbuf, sizeof(errbuf));
	assert_non_null(*state);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_pragmas(void **state)
{
	sqlite3 *h = raw_open();
	sqlite3_stmt *s;

	assert_int_equal(
	    sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(h);
}

static void
test_newer_refused(void **state)
{
	struct db *d = *state;
	sqlite3 *h;

	db_close(d);
	*state = NULL;
	h = raw_open();
	assert_int_equal(sqlite3_exec(h,
	                     "UPDATE schema_version SET version "
	                     "= 999",
	                     NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	errbuf[0] = '\0';
	assert_null(db_open(dir, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "newer"));
	assert_non_null(strstr(errbuf, "999"));
}

static void
test_open_fails_cleanly(void **state)
{
	errbuf[0] = '\0';
	assert_null(db_open("/nonexistent-lethe/x/y", errbuf, sizeof(errbuf)));
	assert_true(errbuf[0] != '\0');
}

/* --- accounts --- */

static void
test_account_roundtrip(void **state)
{
	struct db *d = *state;
	struct scram_cred in[3], in2[1];
	struct store_res r = {0};
	struct arena *a = arena_new(1024);
	size_t i;

	make_cred(&in[0], SCRAM_SHA1, 1);
	make_cred(&in[1], SCRAM_SHA256, 2);
	make_cred(&in[2], SCRAM_SHA512, 3);
	assert_int_equal(
	    db_account_creds(d, a, "localhost", "alice", &r), STORE_NOTFOUND);
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", in, 3), STORE_OK);
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", in, 3), STORE_EXISTS);
	/* Same user on another host is another account. */
	assert_int_equal(
	    db_account_create(d, "example.org", "alice", in, 1), STORE_OK);

	assert_int_equal(
	    db_account_creds(d, a, "localhost", "alice", &r), STORE_OK);
	assert_int_equal(r.ncreds, 3);
	for (i = 0; i < 3; i++) {
		const struct scram_cred *c = NULL;
		size_t j;

		for (j = 0; j < r.ncreds; j++)
			if (r.creds[j].hash == in[i].hash)
				c = &r.creds[j];
		assert_non_null(c);
		assert_int_equal(c->iter, in[i].iter);
		assert_int_equal(c->salt_len, in[i].salt_len);
		assert_memory_equal(c->salt, in[i].salt, in[i].salt_len);
		assert_memory_equal(
		    c->stored_key, in[i].stored_key, klen(c->hash));
		assert_memory_equal(
		    c->server_key, in[i].server_key, klen(c->hash));
	}

	/* A new password replaces every verifier. */
	make_cred(&in2[0], SCRAM_SHA256, 9);
	assert_int_equal(
	    db_account_set_creds(d, "localhost", "alice", in2, 1), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_account_creds(d, a, "localhost", "alice", &r), STORE_OK);
	assert_int_equal(r.ncreds, 1);
	assert_int_equal(r.creds[0].hash, SCRAM_SHA256);
	assert_int_equal(r.creds[0].iter, in2[0].iter);
	assert_int_equal(db_account_set_creds(d, "localhost", "nobody", in2, 1),
	    STORE_NOTFOUND);

	/* An invalid verifier is refused and the old ones stay. */
	in2[0].salt_len = 0;
	assert_int_equal(
	    db_account_set_creds(d, "localhost", "alice", in2, 1), STORE_ERR);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_account_creds(d, a, "localhost", "alice", &r), STORE_OK);
	assert_int_equal(r.ncreds, 1);

	/* No creation or login time is stored: only these columns. */
	{
		sqlite3 *h = raw_open();

		assert_int_equal(raw_int(h,
		                     "SELECT count(*) FROM "
		                     "pragma_table_info('accounts')"),
		    2);
		sqlite3_close(h);
	}
	arena_free(a);
}

static void
test_account_list(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	struct arena *a = arena_new(1024);

	assert_int_equal(db_account_list(d, a, "localhost", &r), STORE_OK);
	assert_int_equal(r.nitems, 0);
	assert_int_equal(
	    db_account_create(d, "localhost", "carol", NULL, 0), STORE_OK);
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", NULL, 0), STORE_OK);
	assert_int_equal(
	    db_account_create(d, "localhost", "bob", NULL, 0), STORE_OK);
	assert_int_equal(
	    db_account_create(d, "other", "dave", NULL, 0), STORE_OK);
	assert_int_equal(db_account_list(d, a, "localhost", &r), STORE_OK);
	assert_int_equal(r.nitems, 3);
	assert_string_equal(r.items[0].key, "alice");
	assert_string_equal(r.items[1].key, "bob");
	assert_string_equal(r.items[2].key, "carol");
	arena_free(a);
}

static void
test_account_delete_cascades(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	struct arena *a = arena_new(1024);
	struct scram_cred c;
	sqlite3 *h;

	make_cred(&c, SCRAM_SHA256, 5);
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", &c, 1), STORE_OK);
	assert_int_equal(
	    db_account_create(d, "localhost", "bob", &c, 1), STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_map", "localhost", "alice", "k1", "v1", 2),
	    STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_map", "localhost", "alice", "k2", "v2", 2),
	    STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_map", "localhost", "bob", "k1", "b", 1), STORE_OK);
	assert_int_equal(db_archive_append(d, a, "t_arch", "localhost", "alice",
	                     NULL, 10, "bob@localhost", "m", 1, NULL),
	    STORE_OK);
	assert_int_equal(db_archive_append(d, a, "t_arch", "localhost", "bob",
	                     NULL, 10, "alice@localhost", "m", 1, NULL),
	    STORE_OK);
	/* A room that happens to share the owner pair is not the account. */
	assert_int_equal(db_archive_append(d, a, "t_room", "localhost", "alice",
	                     NULL, 10, NULL, "room", 4, NULL),
	    STORE_OK);
	/* Rows of a store this process does not know are still erased. */
	h = raw_open();
	assert_int_equal(sqlite3_exec(h,
	                     "INSERT INTO map (host, user, store, key, value)"
	                     " VALUES ('localhost', 'alice', 'gone', 'k',"
	                     " x'00')",
	                     NULL, NULL, NULL),
	    SQLITE_OK);

	assert_int_equal(
	    db_account_delete(d, "localhost", "alice", &r), STORE_OK);
	assert_int_equal(r.count, 4); /* k1, k2, the orphan, one message */
	assert_int_equal(
	    db_account_creds(d, a, "localhost", "alice", &r), STORE_NOTFOUND);
	assert_int_equal(
	    raw_int(h, "SELECT count(*) FROM creds WHERE user = 'alice'"), 0);
	assert_int_equal(
	    raw_int(h, "SELECT count(*) FROM map WHERE user = 'alice'"), 0);
	assert_int_equal(raw_int(h,
	                     "SELECT count(*) FROM archive WHERE "
	                     "user = 'alice' AND store = 't_arch'"),
	    0);
	assert_int_equal(raw_int(h,
	                     "SELECT count(*) FROM archive WHERE "
	                     "user = 'alice' AND store = 't_room'"),
	    1);
	/* Bob is untouched. */
	assert_int_equal(
	    raw_int(h, "SELECT count(*) FROM map WHERE user = 'bob'"), 1);
	assert_int_equal(
	    raw_int(h, "SELECT count(*) FROM archive WHERE user = 'bob'"), 1);
	assert_int_equal(
	    raw_int(h, "SELECT count(*) FROM creds WHERE user = 'bob'"), 1);
	sqlite3_close(h);

	assert_int_equal(
	    db_account_delete(d, "localhost", "alice", &r), STORE_NOTFOUND);
	/* The name is free again. */
	assert_int_equal(
	    db_account_create(d, "localhost", "alice", NULL, 0), STORE_OK);
	arena_free(a);
}

/* --- map stores --- */

static void
test_map(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	struct arena *a = arena_new(1024);

	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "k", &r), STORE_NOTFOUND);
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "k", "one", 3), STORE_OK);
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "k", &r), STORE_OK);
	assert_int_equal(r.value_len, 3);
	assert_memory_equal(r.value, "one", 3);
	assert_int_equal(((const char *)r.value)[3], '\0');
	/* Overwrite. */
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "k", "two!", 4), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "k", &r), STORE_OK);
	assert_int_equal(r.value_len, 4);
	assert_memory_equal(r.value, "two!", 4);
	/* The key/value shape: key "" and an empty value are fine. */
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "", NULL, 0), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_map_get(d, a, "t_map", "h", "u", "", &r), STORE_OK);
	assert_non_null(r.value);
	assert_int_equal(r.value_len, 0);
	/* Binary values survive. */
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "bin", "a\0b", 3), STORE_OK);
	/* Owners are separate. */
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "v", "k", "other", 5), STORE_OK);

	memset(&r, 0, sizeof(r));
	assert_int_equal(db_map_list(d, a, "t_map", "h", "u", &r), STORE_OK);
	assert_int_equal(r.nitems, 3);
	assert_string_equal(r.items[0].key, "");
	assert_string_equal(r.items[1].key, "bin");
	assert_int_equal(r.items[1].value_len, 3);
	assert_memory_equal(r.items[1].value, "a\0b", 3);
	assert_string_equal(r.items[2].key, "k");

	assert_int_equal(db_map_del(d, "t_map", "h", "u", "bin"), STORE_OK);
	assert_int_equal(
	    db_map_del(d, "t_map", "h", "u", "bin"), STORE_NOTFOUND);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_map_clear(d, "t_map", "h", "u", &r), STORE_OK);
	assert_int_equal(r.count, 2);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_map_list(d, a, "t_map", "h", "u", &r), STORE_OK);
	assert_int_equal(r.nitems, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "v", "k", &r), STORE_OK);

	/* Unregistered stores and the wrong shape are refused. */
	assert_int_equal(
	    db_map_put(d, "nope", "h", "u", "k", "x", 1), STORE_ERR);
	assert_int_equal(
	    db_map_put(d, "t_arch", "h", "u", "k", "x", 1), STORE_ERR);
	assert_int_equal(
	    db_map_get(d, a, "nope", "h", "u", "k", &r), STORE_ERR);
	arena_free(a);
}

/* --- archive stores --- */

static void
append_n(struct db *d, const char *user, int n, int64_t t0)
{
	struct arena *a = arena_new(256);
	char id[16], body[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "id%02d", i);
		snprintf(body, sizeof(body), "body%02d", i);
		/* Pairs share a timestamp: insertion order breaks the tie. */
		assert_int_equal(
		    db_archive_append(d, a, "t_arch", "h", user, id, t0 + i / 2,
		        i % 3 == 0 ? "x@h" : "y@h", body, strlen(body), NULL),
		    STORE_OK);
	}
	arena_free(a);
}

static void
expect_ids(const struct store_res *r, const int *want, size_t n)
{
	char id[16];
	size_t i;

	assert_int_equal(r->nitems, n);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "id%02d", want[i]);
		assert_string_equal(r->items[i].id, id);
	}
}

static void
test_archive_order_and_paging(void **state)
{
	struct db *d = *state;
	struct store_archive_query q = {0};
	struct store_res r = {0};
	struct arena *a = arena_new(4096);

	append_n(d, "u", 10, 100);
	/* Another owner's items never show. */
	append_n(d, "other", 3, 100);

	q.max = 4;
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){0, 1, 2, 3}, 4);
	assert_false(r.complete);
	assert_int_equal(r.items[0].when, 100);
	assert_int_equal(r.items[2].when, 101);
	assert_string_equal(r.items[0].with, "x@h");
	assert_int_equal(r.items[1].value_len, 6);
	assert_memory_equal(r.items[1].value, "body01", 6);

	q.after_id = "id03";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){4, 5, 6, 7}, 4);
	assert_false(r.complete);
	q.after_id = "id07";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){8, 9}, 2);
	assert_true(r.complete);
	/* Exactly max left is complete too. */
	q.after_id = "id05";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){6, 7, 8, 9}, 4);
	assert_true(r.complete);

	/* Backwards: the last page, newest first, then before it. */
	q.after_id = NULL;
	q.backwards = 1;
	q.max = 3;
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){9, 8, 7}, 3);
	assert_false(r.complete);
	q.before_id = "id07";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){6, 5, 4}, 3);
	q.before_id = "id01";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){0}, 1);
	assert_true(r.complete);

	/* Between two ids. */
	q.backwards = 0;
	q.after_id = "id02";
	q.before_id = "id06";
	q.max = 10;
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){3, 4, 5}, 3);
	assert_true(r.complete);

	/* An unknown id is an error, not an empty page. */
	q.after_id = "nope";
	q.before_id = NULL;
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_NOTFOUND);
	/* An id of another owner is unknown here. */
	q.after_id = "id00";
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "nobody", &q, &r),
	    STORE_NOTFOUND);

	/* max 0: no items, but it says whether there are any. */
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	assert_int_equal(r.nitems, 0);
	assert_false(r.complete);
	arena_free(a);
}

static void
test_archive_filters(void **state)
{
	struct db *d = *state;
	struct store_archive_query q = {0};
	struct store_res r = {0};
	struct arena *a = arena_new(4096);

	append_n(d, "u", 10, 100); /* times 100,100,101,101,...,104,104 */

	q.max = 100;
	q.with = "x@h"; /* ids 0, 3, 6, 9 */
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){0, 3, 6, 9}, 4);
	assert_true(r.complete);

	q.with = NULL;
	q.start = 101;
	q.end = 102; /* inclusive both ends: ids 2..5 */
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){2, 3, 4, 5}, 4);

	q.with = "y@h";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){2, 4, 5}, 3);

	q.with = NULL;
	q.start = 103;
	q.end = 0;
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){6, 7, 8, 9}, 4);
	arena_free(a);
}

static void
test_archive_ids_and_delete(void **state)
{
	struct db *d = *state;
	struct store_archive_query q = {0};
	struct store_res r = {0}, r2 = {0};
	struct arena *a = arena_new(4096);

	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u", NULL, 0,
	                     NULL, "a", 1, &r),
	    STORE_OK);
	assert_int_equal(r.nitems, 1);
	assert_int_equal(strlen(r.items[0].id), 16);
	assert_int_equal(r.items[0].when, fake_now); /* when 0 = now */
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u", NULL, 0,
	                     NULL, "b", 1, &r2),
	    STORE_OK);
	assert_string_not_equal(r.items[0].id, r2.items[0].id);
	/* A caller's id must be unique per owner... */
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u",
	                     r.items[0].id, 5, NULL, "c", 1, NULL),
	    STORE_EXISTS);
	/* ...but another owner may use it. */
	assert_int_equal(db_archive_append(d, a, "t_arch", "h", "w",
	                     r.items[0].id, 5, NULL, "c", 1, NULL),
	    STORE_OK);

	assert_int_equal(
	    db_archive_delete(d, "t_arch", "h", "u", r.items[0].id, NULL),
	    STORE_OK);
	assert_int_equal(
	    db_archive_delete(d, "t_arch", "h", "u", r.items[0].id, NULL),
	    STORE_NOTFOUND);
	q.max = 10;
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	assert_int_equal(r.nitems, 1);
	assert_string_equal(r.items[0].id, r2.items[0].id);
	assert_null(r.items[0].with);

	assert_int_equal(
	    db_archive_delete(d, "t_arch", "h", "u", NULL, &r), STORE_OK);
	assert_int_equal(r.count, 1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "w", &q, &r), STORE_OK);
	assert_int_equal(r.nitems, 1);
	/* The wrong shape is refused. */
	assert_int_equal(db_archive_append(d, a, "t_map", "h", "u", NULL, 0,
	                     NULL, "a", 1, NULL),
	    STORE_ERR);
	arena_free(a);
}

static void
test_archive_max_cap(void **state)
{
	struct db *d = *state;
	struct store_archive_query q = {0};
	struct store_res r = {0};
	struct arena *a = arena_new(4096);
	int i;

	assert_int_equal(db_begin(d), 0);
	for (i = 0; i < DB_ARCHIVE_MAX + 5; i++)
		assert_int_equal(db_archive_append(d, a, "t_arch", "h", "u",
		                     NULL, 100 + i, NULL, "x", 1, NULL),
		    STORE_OK);
	assert_int_equal(db_commit(d), 0);
	q.max = 100000;
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	assert_int_equal(r.nitems, DB_ARCHIVE_MAX);
	assert_false(r.complete);
	assert_int_equal(r.items[0].when, 100);
	assert_int_equal(
	    r.items[DB_ARCHIVE_MAX - 1].when, 100 + DB_ARCHIVE_MAX - 1);
	arena_free(a);
}

static void
test_archive_by_ids_and_evict(void **state)
{
	struct db *d = *state;
	struct store_archive_query q = {0};
	struct store_res r = {0};
	struct arena *a = arena_new(4096);
	const char *ids[] = {"id07", "nope", "id02", "id07"};

	append_n(d, "u", 10, 100);
	q.ids = ids;
	q.nids = 4;
	q.with = "nobody@h"; /* ignored with ids */
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	/* Archive order, unknown skipped, a repeated id served once. */
	expect_ids(&r, (const int[]){2, 7}, 2);
	assert_true(r.complete);

	/* Eviction drops the oldest first. */
	assert_int_equal(
	    db_archive_evict(d, "t_arch", "h", "u", 3, &r), STORE_OK);
	assert_int_equal(r.count, 3);
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	q.max = 2;
	assert_int_equal(
	    db_archive_query(d, a, "t_arch", "h", "u", &q, &r), STORE_OK);
	expect_ids(&r, (const int[]){3, 4}, 2);
	arena_free(a);
}

/*
 * Archive queries must stay fast on a million items: every shape the
 * message archive asks for is served by an index range on the owner, never
 * a scan. The statements mirror db.c's S_ARCH_FWD* and S_ARCH_BWD*.
 */
static void
test_archive_query_plans(void **state)
{
	static const char *const sql[] = {
	    "SELECT id, at, peer, value FROM archive WHERE host = ?1 AND"
	    " user = ?2 AND store = ?3 AND (expires IS NULL OR expires > ?9)"
	    " AND (?4 IS NULL OR peer = ?4) AND at >= ?5 AND at <= ?6 AND"
	    " (at, seq) > (?7, ?8) AND (at, seq) < (?10, ?11)"
	    " ORDER BY at DESC, seq DESC LIMIT ?12",
	    "SELECT id, at, peer, value FROM archive WHERE host = ?1 AND"
	    " user = ?2 AND store = ?3 AND (expires IS NULL OR expires > ?9)"
	    " AND peer = ?4 AND at >= ?5 AND at <= ?6 AND"
	    " (at, seq) > (?7, ?8) AND (at, seq) < (?10, ?11)"
	    " ORDER BY at, seq LIMIT ?12",
	    "SELECT at, seq FROM archive WHERE host = ?1 AND user = ?2 AND"
	    " store = ?3 AND id = ?4 AND (expires IS NULL OR expires > ?9)",
	};
	static const char *const want[] = {"USING INDEX archive_at",
	    "USING INDEX archive_peer", "USING INDEX archive_id"};
	char path[PATH_MAX + 16], q[1024];
	sqlite3_stmt *s;
	sqlite3 *h;
	size_t i;
	int found;

	(void)state;
	snprintf(path, sizeof(path), "%s/lethe.db", dir);
	assert_int_equal(
	    sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql[i]);
		assert_int_equal(
		    sqlite3_prepare_v2(h, q, -1, &s, NULL), SQLITE_OK);
		found = 0;
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *detail =
			    (const char *)sqlite3_column_text(s, 3);

			assert_null(strstr(detail, "TEMP B-TREE"));
			if (strstr(detail, want[i]) != NULL)
				found = 1;
		}
		sqlite3_finalize(s);
		assert_true(found);
	}
	sqlite3_close(h);
}

/* --- expiry --- */

static void
test_expiry_on_read_and_sweep(void **state)
{
	struct db *d = *state;
	struct store_archive_query q = {0};
	struct store_res r = {0};
	struct arena *a = arena_new(4096);
	sqlite3 *h;

	fake_now = 5000;
	assert_int_equal(
	    db_map_put(d, "t_exp", "h", "u", "k", "v", 1), STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "k", "kept", 4), STORE_OK);
	assert_int_equal(db_archive_append(d, a, "t_exp_arch", "h", "u", "m1",
	                     0, NULL, "v", 1, NULL),
	    STORE_OK);
	q.max = 10;
	assert_int_equal(
	    db_map_get(d, a, "t_exp", "h", "u", "k", &r), STORE_OK);
	assert_int_equal(
	    db_archive_query(d, a, "t_exp_arch", "h", "u", &q, &r), STORE_OK);
	assert_int_equal(r.nitems, 1);

	/* One second later (retention 1 s) nothing is served, unswept. */
	fake_now = 5001;
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    db_map_get(d, a, "t_exp", "h", "u", "k", &r), STORE_NOTFOUND);
	assert_int_equal(db_map_list(d, a, "t_exp", "h", "u", &r), STORE_OK);
	assert_int_equal(r.nitems, 0);
	assert_int_equal(
	    db_archive_query(d, a, "t_exp_arch", "h", "u", &q, &r), STORE_OK);
	assert_int_equal(r.nitems, 0);
	assert_true(r.complete);
	q.after_id = "m1";
	assert_int_equal(db_archive_query(d, a, "t_exp_arch", "h", "u", &q, &r),
	    STORE_NOTFOUND);
	/* Retention 0 means kept. */
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "k", &r), STORE_OK);

	h = raw_open();
	assert_int_equal(raw_int(h, "SELECT count(*) FROM map"), 2);
	assert_int_equal(raw_int(h, "SELECT count(*) FROM archive"), 1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_sweep(d, &r), STORE_OK);
	assert_int_equal(r.count, 2);
	assert_int_equal(raw_int(h, "SELECT count(*) FROM map"), 1);
	assert_int_equal(raw_int(h, "SELECT count(*) FROM archive"), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_sweep(d, &r), STORE_OK);
	assert_int_equal(r.count, 0);
	sqlite3_close(h);

	/* A put renews the expiry. */
	fake_now = 6000;
	assert_int_equal(
	    db_map_put(d, "t_exp", "h", "u", "k", "v", 1), STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_exp", "h", "u", "k", "v", 1), STORE_OK);
	fake_now = 6000;
	assert_int_equal(
	    db_map_get(d, a, "t_exp", "h", "u", "k", &r), STORE_OK);
	arena_free(a);
}

static void
test_sweep_batches(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	char key[16];
	int i;

	fake_now = 100;
	assert_int_equal(db_begin(d), 0);
	for (i = 0; i < 1300; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(
		    db_map_put(d, "t_exp", "h", "u", key, "v", 1), STORE_OK);
	}
	assert_int_equal(db_commit(d), 0);
	fake_now = 200;
	assert_int_equal(db_sweep(d, &r), STORE_OK);
	assert_int_equal(r.count, 1300);
}

static void
test_retention_apply(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	struct arena *a = arena_new(1024);

	fake_now = 1000;
	assert_int_equal(db_retention_apply(d), STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_later", "h", "u", "k", "v", 1), STORE_OK);
	/* Kept forever so far. */
	fake_now = 1000000;
	assert_int_equal(
	    db_map_get(d, a, "t_later", "h", "u", "k", &r), STORE_OK);
	/* The configuration now says 10 s: old rows get at most that. */
	assert_int_equal(store_set_retention("t_later", 10), 0);
	assert_int_equal(db_retention_apply(d), STORE_OK);
	fake_now += 9;
	assert_int_equal(
	    db_map_get(d, a, "t_later", "h", "u", "k", &r), STORE_OK);
	fake_now += 1;
	assert_int_equal(
	    db_map_get(d, a, "t_later", "h", "u", "k", &r), STORE_NOTFOUND);
	/* Unchanged retention: nothing is touched again. */
	assert_int_equal(
	    db_map_put(d, "t_later", "h", "u", "k2", "v", 1), STORE_OK);
	fake_now += 5;
	assert_int_equal(db_retention_apply(d), STORE_OK);
	fake_now += 5;
	assert_int_equal(
	    db_map_get(d, a, "t_later", "h", "u", "k2", &r), STORE_NOTFOUND);
	fake_now -= 1;
	assert_int_equal(
	    db_map_get(d, a, "t_later", "h", "u", "k2", &r), STORE_OK);
	assert_int_equal(store_set_retention("t_later", 0), 0);
	arena_free(a);
}

/* --- transactions --- */

static void
test_group_transaction(void **state)
{
	struct db *d = *state;
	struct store_res r = {0};
	struct arena *a = arena_new(1024);

	assert_int_equal(db_account_create(d, "h", "taken", NULL, 0), STORE_OK);
	/* Rolled back: nothing stays. */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "a", "1", 1), STORE_OK);
	assert_int_equal(db_account_create(d, "h", "new", NULL, 0), STORE_OK);
	db_rollback(d);
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "a", &r), STORE_NOTFOUND);
	assert_int_equal(db_account_create(d, "h", "new", NULL, 0), STORE_OK);

	/* One failing operation does not undo the others in the group. */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "a", "1", 1), STORE_OK);
	assert_int_equal(
	    db_account_create(d, "h", "taken", NULL, 0), STORE_EXISTS);
	assert_int_equal(
	    db_map_put(d, "nope", "h", "u", "b", "1", 1), STORE_ERR);
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "u", "c", "3", 1), STORE_OK);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "a", &r), STORE_OK);
	assert_int_equal(
	    db_map_get(d, a, "t_map", "h", "u", "c", &r), STORE_OK);
	/* No transaction left open. */
	assert_int_equal(db_commit(d), -1);
	arena_free(a);
}

/* Another handle (lethectl beside the daemon) writes at the same time. */
static void
test_two_handles(void **state)
{
	struct db *d = *state, *d2;
	struct store_res r = {0};
	struct arena *a = arena_new(1024);

	d2 = db_open(dir, errbuf, sizeof(errbuf));
	assert_non_null(d2);
	assert_int_equal(db_account_create(d2, "h", "x", NULL, 0), STORE_OK);
	assert_int_equal(db_account_creds(d, a, "h", "x", &r), STORE_OK);
	assert_int_equal(r.ncreds, 0);
	assert_int_equal(db_account_delete(d, "h", "x", NULL), STORE_OK);
	assert_int_equal(db_account_creds(d2, a, "h", "x", &r), STORE_NOTFOUND);
	db_close(d2);
	arena_free(a);
}

/* The writer holding the lock makes the other wait, not fail. */
static void *
hold_lock(void *arg)
{
	sqlite3 *h = raw_open();

	assert_int_equal(
	    sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(h, "INSERT INTO accounts VALUES ('h', 'holder')", NULL,
	        NULL, NULL),
	    SQLITE_OK);
	__atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
	usleep(300000);
	assert_int_equal(
	    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	return NULL;
}

static void
test_busy_waits(void **state)
{
	struct db *d = *state;
	pthread_t t;
	int locked = 0;

	assert_int_equal(pthread_create(&t, NULL, hold_lock, &locked), 0);
	while (!__atomic_load_n(&locked, __ATOMIC_SEQ_CST))
		usleep(1000);
	assert_int_equal(
	    db_account_create(d, "h", "waiter", NULL, 0), STORE_OK);
	assert_int_equal(
	    db_map_put(d, "t_map", "h", "waiter", "k", "v", 1), STORE_OK);
	pthread_join(t, NULL);
	assert_int_equal(
	    db_account_create(d, "h", "holder", NULL, 0), STORE_EXISTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_fresh_and_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_mode_tightened, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_newer_refused, setup, teardown),
	    cmocka_unit_test(test_open_fails_cleanly),
	    cmocka_unit_test_setup_teardown(
	        test_account_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_account_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_account_delete_cascades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_map, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_order_and_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_ids_and_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_max_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_by_ids_and_evict, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_query_plans, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_expiry_on_read_and_sweep, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sweep_batches, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_retention_apply, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_group_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_handles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_waits, setup, teardown),
	};

	if (store_register(&d_map) < 0 || store_register(&d_arch) < 0 ||
	    store_register(&d_room) < 0 || store_register(&d_exp) < 0 ||
	    store_register(&d_exp_arch) < 0 || store_register(&d_later) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
