/*
 * Unit tests for store/seal.c and store/sealdb.c: the cryptography's
 * round trips and refusals, and sealed map and archive rows through the
 * ring on a real database: what the rows hold, locking, writes while
 * away, re-sealing at unlock, migration of clear rows, password change
 * and reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <string.h>

#include "core/arena.h"
#include "store/db.h"
#include "store/seal.h"
#include "store/sealdb.h"
#include "store/store.h"
#include "xmpp/scram.h"

#include "testdb.h"

static const struct store_def d_map = {.name = "sealed_map",
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .what = "test",
    .sealed = 1};
static const struct store_def d_arch = {.name = "sealed_arch",
    .shape = STORE_ARCHIVE,
    .owner = STORE_OWNER_USER,
    .what = "test",
    .sealed = 1};

#define H "example.org"
#define U "alice"

/* --- seal.c --- */

static void
test_wrap_roundtrip(void **state)
{
	uint8_t pk[SEAL_KEY], sk[SEAL_KEY], sk2[SEAL_KEY];
	uint8_t ck[32], bad[32], w[SEAL_WRAP_LEN];

	(void)state;
	seal_keypair(pk, sk);
	memset(ck, 7, sizeof(ck));
	memset(bad, 8, sizeof(bad));
	assert_int_equal(seal_wrap(sk, ck, sizeof(ck), "SHA-256", H, U, w), 0);
	assert_null(memmem(w, sizeof(w), sk, 8));
	assert_int_equal(
	    seal_unwrap(w, sizeof(w), ck, sizeof(ck), "SHA-256", H, U, sk2), 0);
	assert_memory_equal(sk, sk2, SEAL_KEY);
	/* Another key, label or owner does not open it. */
	assert_int_equal(
	    seal_unwrap(w, sizeof(w), bad, sizeof(bad), "SHA-256", H, U, sk2),
	    -1);
	assert_int_equal(
	    seal_unwrap(w, sizeof(w), ck, sizeof(ck), "SHA-1", H, U, sk2), -1);
	assert_int_equal(
	    seal_unwrap(w, sizeof(w), ck, sizeof(ck), "SHA-256", H, "bob", sk2),
	    -1);
}

static void
test_record_roundtrip(void **state)
{
	uint8_t key[SEAL_KEY], other[SEAL_KEY], buf[256], copy[256];
	const char *a, *b;
	size_t alen, blen, n;

	(void)state;
	seal_random_key(key);
	seal_random_key(other);
	assert_int_equal(seal_record(key, "s", H, U, "bob@x", 5,
	                     "<body>secret</body>", 19, buf, &n),
	    0);
	assert_int_equal(n, 5 + 19 + SEAL_OVERHEAD);
	assert_null(memmem(buf, n, "secret", 6));
	assert_null(memmem(buf, n, "bob@x", 5));
	memcpy(copy, buf, n);
	assert_int_equal(
	    seal_open(key, "s", H, U, buf, n, &a, &alen, &b, &blen), 0);
	assert_int_equal(alen, 5);
	assert_memory_equal(a, "bob@x", 5);
	assert_string_equal(b, "<body>secret</body>");
	/* Bound to its key, store and owner. */
	memcpy(buf, copy, n);
	assert_int_equal(
	    seal_open(other, "s", H, U, buf, n, &a, &alen, &b, &blen), -1);
	memcpy(buf, copy, n);
	assert_int_equal(
	    seal_open(key, "t", H, U, buf, n, &a, &alen, &b, &blen), -1);
	memcpy(buf, copy, n);
	assert_int_equal(
	    seal_open(key, "s", H, "bob", buf, n, &a, &alen, &b, &blen), -1);
	memcpy(buf, copy, n);
	buf[n - 1] ^= 1;
	assert_int_equal(
	    seal_open(key, "s", H, U, buf, n, &a, &alen, &b, &blen), -1);
}

static void
test_key_seal_and_index(void **state)
{
	uint8_t pk[SEAL_KEY], sk[SEAL_KEY], pk2[SEAL_KEY], sk2[SEAL_KEY];
	uint8_t key[SEAL_KEY], got[SEAL_KEY], sealed[SEAL_SEALED_KEY_LEN];
	uint8_t ik[SEAL_KEY], ik2[SEAL_KEY];
	char i1[SEAL_INDEX_HEX + 1], i2[SEAL_INDEX_HEX + 1];
	void *slot;

	(void)state;
	seal_keypair(pk, sk);
	seal_keypair(pk2, sk2);
	seal_random_key(key);
	assert_int_equal(seal_key_seal(key, pk, sealed), 0);
	assert_int_equal(seal_key_open(sealed, sizeof(sealed), pk, sk, got), 0);
	assert_memory_equal(key, got, SEAL_KEY);
	assert_int_equal(
	    seal_key_open(sealed, sizeof(sealed), pk2, sk2, got), -1);
	seal_index_key(key, ik);
	seal_random_key(got);
	seal_index_key(got, ik2);
	seal_index(ik, "peer", "bob@x", i1);
	seal_index(ik, "peer", "bob@x", i2);
	assert_string_equal(i1, i2);
	assert_int_equal(strlen(i1), SEAL_INDEX_HEX);
	seal_index(ik, "roster", "bob@x", i2);
	assert_string_not_equal(i1, i2);
	seal_index(ik2, "peer", "bob@x", i2);
	assert_string_not_equal(i1, i2);
	slot = seal_slot_alloc();
	assert_non_null(slot);
	assert_int_equal(seal_slots_used(), 1);
	seal_slot_free(slot);
	assert_int_equal(seal_slots_used(), 0);
}

/* --- sealdb.c --- */

struct fix {
	struct db *d;
	struct sealring *r;
	struct arena *a;
	struct scram_cred creds[SCRAM_NHASH];
};

static int
setup_ring(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	void *d;
	int i;

	if (f == NULL || setup(&d) != 0)
		return -1;
	f->d = d;
	f->r = sealring_new();
	f->a = arena_new(4096);
	for (i = 0; i < SCRAM_NHASH; i++)
		if (scram_make_cred(i, "pw", 2, 4096, &f->creds[i]) != 0)
			return -1;
	if (db_account_create(f->d, H, U, f->creds, SCRAM_NHASH) != STORE_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown_ring(void **state)
{
	struct fix *f = *state;
	void *d = f->d;

	sealring_free(f->r);
	arena_free(f->a);
	free(f);
	return teardown(&d);
}

static enum store_status
unlock_with(struct fix *f, int hash, const char *label)
{
	uint64_t n;

	return sealring_unlock(f->r, f->d, H, U, label,
	    hash < 0 ? NULL : f->creds[hash].client_key,
	    hash < 0 ? 0 : scram_hash_len(hash), &n);
}

/* Whether any byte string of table holds needle (raw row contents). */
static int
row_holds(struct fix *f, const char *sql, const char *needle)
{
	sqlite3_stmt *s;
	int hit = 0, i;

	assert_int_equal(
	    sqlite3_prepare_v2(db_sqlite(f->d), sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		for (i = 0; i < sqlite3_column_count(s); i++) {
			const void *b = sqlite3_column_blob(s, i);
			int n = sqlite3_column_bytes(s, i);

			if (b != NULL &&
			    memmem(b, (size_t)n, needle, strlen(needle)) !=
			        NULL)
				hit = 1;
		}
	sqlite3_finalize(s);
	return hit;
}

static void
test_map_sealed(void **state)
{
	struct fix *f = *state;
	struct store_res r;
	uint64_t del;

	/* The account's keys come with its first password. */
	assert_int_equal(
	    sealring_creds(f->r, f->d, H, U, f->creds, SCRAM_NHASH, 1, &del),
	    STORE_OK);
	assert_int_equal(db_seal_has_keys(f->d, H, U), STORE_OK);
	/* Locked until a login. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(sealdb_map_put(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", "friend", 6),
	    STORE_LOCKED);
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_int_equal(sealdb_map_put(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", "friend", 6),
	    STORE_OK);
	assert_int_equal(sealdb_map_put(f->r, f->d, f->a, "sealed_map", H, U,
	                     "aaron@example.org", "other", 5),
	    STORE_OK);
	assert_false(row_holds(f, "SELECT key, value FROM map", "bob@"));
	assert_false(row_holds(f, "SELECT key, value FROM map", "friend"));
	assert_int_equal(sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", &r),
	    STORE_OK);
	assert_int_equal(r.value_len, 6);
	assert_string_equal(r.value, "friend");
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    sealdb_map_list(f->r, f->d, f->a, "sealed_map", H, U, &r),
	    STORE_OK);
	assert_int_equal(r.nitems, 2);
	assert_string_equal(r.items[0].key, "aaron@example.org");
	assert_string_equal(r.items[1].key, "bob@example.org");
	assert_string_equal(r.items[1].value, "friend");
	assert_int_equal(
	    sealdb_map_del(f->r, f->d, "sealed_map", H, U, "aaron@example.org"),
	    STORE_OK);
	/* The last reference wipes the keys: reads are refused. */
	assert_int_equal(unlock_with(f, -1, "FAST"), STORE_OK);
	sealring_lock(f->r, H, U);
	assert_int_equal(sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", &r),
	    STORE_OK);
	sealring_lock(f->r, H, U);
	assert_int_equal(sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", &r),
	    STORE_LOCKED);
	/* A token login cannot open it; a wrong key cannot either. */
	assert_int_equal(unlock_with(f, -1, "FAST"), STORE_LOCKED);
	assert_int_equal(unlock_with(f, SCRAM_SHA1, "SHA-256"), STORE_ERR);
	assert_int_equal(unlock_with(f, SCRAM_SHA512, "SHA-512"), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", &r),
	    STORE_OK);
	assert_string_equal(r.value, "friend");
	/* Without the main key's copy under the private key, a login
	 * opens the copy sealed to the public key and makes it again. */
	sealring_lock(f->r, H, U);
	assert_true(row_holds(f, "SELECT label FROM seal_wraps", "main"));
	assert_int_equal(sqlite3_exec(db_sqlite(f->d),
	                     "DELETE FROM seal_wraps WHERE label = 'main'",
	                     NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(unlock_with(f, SCRAM_SHA512, "SHA-512"), STORE_OK);
	assert_true(row_holds(f, "SELECT label FROM seal_wraps", "main"));
	memset(&r, 0, sizeof(r));
	assert_int_equal(sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", &r),
	    STORE_OK);
	assert_string_equal(r.value, "friend");
	/* A value moved under another key's hash does not pass. */
	assert_int_equal(sealdb_map_put(f->r, f->d, f->a, "sealed_map", H, U,
	                     "carl@example.org", "stranger", 8),
	    STORE_OK);
	assert_int_equal(sqlite3_exec(db_sqlite(f->d),
	                     "UPDATE map SET value = (SELECT value FROM map"
	                     " m2 WHERE m2.rowid <> map.rowid LIMIT 1)",
	                     NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U,
	                     "bob@example.org", &r),
	    STORE_ERR);
}

static void
test_archive_away_and_back(void **state)
{
	struct fix *f = *state;
	struct store_archive_query q = {.max = 10};
	struct store_res r;
	const char *with;
	const void *v;
	size_t len;
	uint64_t del;

	assert_int_equal(
	    sealring_creds(f->r, f->d, H, U, f->creds, SCRAM_NHASH, 1, &del),
	    STORE_OK);
	/* Away: appends are sealed to the public key, without a peer. */
	with = "bob@example.org";
	v = "<body>while away</body>";
	len = strlen(v);
	assert_int_equal(sealdb_archive_prepare(f->r, f->d, f->a, "sealed_arch",
	                     H, U, &with, &v, &len),
	    STORE_OK);
	assert_null(with);
	memset(&r, 0, sizeof(r));
	assert_int_equal(db_archive_append(f->d, f->a, "sealed_arch", H, U,
	                     NULL, 0, with, v, len, &r),
	    STORE_OK);
	sealdb_done(f->d);
	assert_false(row_holds(f, "SELECT peer, value FROM archive", "bob@"));
	assert_false(row_holds(f, "SELECT peer, value FROM archive", "away"));
	assert_int_equal(
	    sealdb_archive_query(f->r, f->d, f->a, "sealed_arch", H, U, &q, &r),
	    STORE_LOCKED);
	/* The login re-seals it under the main key with a peer hash. */
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_false(row_holds(f, "SELECT 1 FROM archive WHERE kid > 1", ""));
	with = "bob@example.org";
	v = "<body>online</body>";
	len = strlen(v);
	assert_int_equal(sealdb_archive_prepare(f->r, f->d, f->a, "sealed_arch",
	                     H, U, &with, &v, &len),
	    STORE_OK);
	assert_non_null(with);
	assert_int_equal(db_archive_append(f->d, f->a, "sealed_arch", H, U,
	                     NULL, 0, with, v, len, &r),
	    STORE_OK);
	sealdb_done(f->d);
	memset(&r, 0, sizeof(r));
	q.with = "bob@example.org";
	assert_int_equal(
	    sealdb_archive_query(f->r, f->d, f->a, "sealed_arch", H, U, &q, &r),
	    STORE_OK);
	assert_int_equal(r.nitems, 2);
	assert_string_equal(r.items[0].value, "<body>while away</body>");
	assert_string_equal(r.items[0].with, "bob@example.org");
	assert_string_equal(r.items[1].value, "<body>online</body>");
	q.with = "carol@example.org";
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    sealdb_archive_query(f->r, f->d, f->a, "sealed_arch", H, U, &q, &r),
	    STORE_OK);
	assert_int_equal(r.nitems, 0);
}

static void
test_migration_and_reset(void **state)
{
	struct fix *f = *state;
	struct store_archive_query q = {.max = 10};
	struct scram_cred fresh[SCRAM_NHASH];
	struct store_res r;
	uint64_t del;
	int i;

	/* Written in clear before the account had keys. */
	assert_int_equal(
	    db_map_put(f->d, "sealed_map", H, U, "dave@x", "clear", 5),
	    STORE_OK);
	assert_int_equal(db_archive_append(f->d, f->a, "sealed_arch", H, U,
	                     NULL, 0, "dave@x", "old", 3, NULL),
	    STORE_OK);
	assert_int_equal(db_seal_has_keys(f->d, H, U), STORE_NOTFOUND);
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_int_equal(db_seal_has_keys(f->d, H, U), STORE_OK);
	assert_false(row_holds(f, "SELECT key, value FROM map", "dave@"));
	assert_false(row_holds(f, "SELECT peer, value FROM archive", "dave@"));
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U, "dave@x", &r),
	    STORE_OK);
	assert_string_equal(r.value, "clear");
	q.with = "dave@x";
	assert_int_equal(
	    sealdb_archive_query(f->r, f->d, f->a, "sealed_arch", H, U, &q, &r),
	    STORE_OK);
	assert_int_equal(r.nitems, 1);
	/* Only SHA-256 was wrapped at that login; SHA-1 is added by a
	 * login while open, and refused while closed. */
	sealring_lock(f->r, H, U);
	assert_int_equal(unlock_with(f, SCRAM_SHA1, "SHA-1"), STORE_LOCKED);
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_int_equal(unlock_with(f, SCRAM_SHA1, "SHA-1"), STORE_OK);
	sealring_lock(f->r, H, U);
	sealring_lock(f->r, H, U);
	assert_int_equal(unlock_with(f, SCRAM_SHA1, "SHA-1"), STORE_OK);
	/* A password change while open keeps the data. */
	for (i = 0; i < SCRAM_NHASH; i++)
		assert_int_equal(
		    scram_make_cred(i, "new", 3, 4096, &fresh[i]), 0);
	assert_int_equal(
	    sealring_creds(f->r, f->d, H, U, fresh, SCRAM_NHASH, 0, &del),
	    STORE_OK);
	assert_int_equal(del, 0);
	sealring_lock(f->r, H, U);
	memcpy(f->creds, fresh, sizeof(fresh));
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U, "dave@x", &r),
	    STORE_OK);
	sealring_lock(f->r, H, U);
	/* A reset while closed cannot keep it. */
	for (i = 0; i < SCRAM_NHASH; i++)
		assert_int_equal(
		    scram_make_cred(i, "reset", 5, 4096, &fresh[i]), 0);
	assert_int_equal(
	    sealring_creds(f->r, f->d, H, U, fresh, SCRAM_NHASH, 0, &del),
	    STORE_OK);
	assert_int_equal(del, 2);
	memcpy(f->creds, fresh, sizeof(fresh));
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_int_equal(
	    sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U, "dave@x", &r),
	    STORE_NOTFOUND);
}

static void
test_sealing_turned_off(void **state)
{
	struct fix *f = *state;
	struct store_res r;
	uint64_t del;

	assert_int_equal(
	    sealring_creds(f->r, f->d, H, U, f->creds, SCRAM_NHASH, 1, &del),
	    STORE_OK);
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_int_equal(sealdb_map_put(f->r, f->d, f->a, "sealed_map", H, U,
	                     "erin@x", "kept", 4),
	    STORE_OK);
	sealring_lock(f->r, H, U);
	assert_false(row_holds(f, "SELECT key, value FROM map", "erin@"));
	/* Off: the next password login writes it all in clear and the
	 * keys go; a token login then needs nothing opened. */
	sealring_set_on(f->r, 0);
	assert_int_equal(unlock_with(f, SCRAM_SHA256, "SHA-256"), STORE_OK);
	assert_true(row_holds(f, "SELECT key, value FROM map", "erin@"));
	assert_true(row_holds(f, "SELECT value FROM map", "kept"));
	assert_int_equal(db_seal_has_keys(f->d, H, U), STORE_NOTFOUND);
	sealring_lock(f->r, H, U);
	assert_int_equal(unlock_with(f, -1, "FAST"), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    sealdb_map_get(f->r, f->d, f->a, "sealed_map", H, U, "erin@x", &r),
	    STORE_OK);
	assert_string_equal(r.value, "kept");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wrap_roundtrip),
	    cmocka_unit_test(test_record_roundtrip),
	    cmocka_unit_test(test_key_seal_and_index),
	    cmocka_unit_test_setup_teardown(
	        test_map_sealed, setup_ring, teardown_ring),
	    cmocka_unit_test_setup_teardown(
	        test_archive_away_and_back, setup_ring, teardown_ring),
	    cmocka_unit_test_setup_teardown(
	        test_migration_and_reset, setup_ring, teardown_ring),
	    cmocka_unit_test_setup_teardown(
	        test_sealing_turned_off, setup_ring, teardown_ring),
	};

	if (seal_init() != 0 || store_register(&d_map) < 0 ||
	    store_register(&d_arch) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
