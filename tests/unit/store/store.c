/*
 * Unit tests for src/store/store.c: requests complete on the loop thread
 * in order, results are valid during the callback; a burst of writes
 * (group commit) all land; a cancelled request never calls back, a
 * cancelled write still happens, a cancelled running work is waited for;
 * store_work runs off the loop thread; store_close drains the queue.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"
#include "store/db.h"
#include "store/store.h"
#include "xmpp/scram.h"

struct fixture {
	struct loop *loop;
	struct store *st;
	struct timer guard;
	char dir[PATH_MAX];
};

static const struct store_def d_map = {
    "s_map", STORE_MAP, STORE_OWNER_USER, 0, "test map", 0};
static const struct store_def d_arch = {
    "s_arch", STORE_ARCHIVE, STORE_OWNER_USER, 0, "test archive", 0};

/* Blocks the storage thread until released, so requests pile up. */
static sem_t gate;

/* What callbacks saw, in order. */
struct seen {
	int calls;
	int order[64];
	enum store_status status[64];
	char value[64][32];
	size_t nitems[64];
	int complete[64];
	uint64_t count[64];
	void *work[64];
	int stop_after; /* stop the loop when calls reaches this */
	struct loop *loop;
};

static struct seen seen;

static void
rm_dir(const char *dir)
{
	static const char *const files[] = {
	    "lethe.db", "lethe.db-wal", "lethe.db-shm"};
	char p[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void
guard_fired(struct loop *l, void *arg)
{
	/* A test whose callbacks never come must fail, not hang. */
	fprintf(stderr, "timeout waiting for store callbacks\n");
	loop_stop(l);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/lethe-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if ((f->loop = loop_new()) == NULL)
		return -1;
	if ((f->st = store_open(f->dir, f->loop, err, sizeof(err))) == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	timer_init(&f->guard, guard_fired, NULL);
	sem_init(&gate, 0, 0);
	memset(&seen, 0, sizeof(seen));
	seen.loop = f->loop;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	/* A failed test may have left work waiting at the gate. */
	for (i = 0; i < 8; i++)
		sem_post(&gate);
	store_close(f->st);
	sem_destroy(&gate);
	timer_cancel(&f->guard);
	loop_free(f->loop);
	rm_dir(f->dir);
	free(f);
	return 0;
}

/* Runs the loop until seen.calls reaches n (or 10 s pass). */
static void
run_until(struct fixture *f, int n)
{
	if (seen.calls >= n)
		return;
	seen.stop_after = n;
	timer_set(f->loop, &f->guard, 10000);
	loop_run(f->loop);
	timer_cancel(&f->guard);
	assert_int_equal(seen.calls, n);
}

static void
record(void *arg, const struct store_res *r)
{
	int i = seen.calls++;

	assert_true(i < 64);
	seen.order[i] = (int)(intptr_t)arg;
	seen.status[i] = r->status;
	if (r->value != NULL) {
		assert_true(r->value_len < sizeof(seen.value[i]));
		memcpy(seen.value[i], r->value, r->value_len);
	}
	seen.nitems[i] = r->nitems;
	seen.complete[i] = r->complete;
	seen.count[i] = r->count;
	seen.work[i] = r->work;
	if (seen.calls == seen.stop_after)
		loop_stop(seen.loop);
}

#define TAG(n) ((void *)(intptr_t)(n))

static void
test_map_roundtrip(void **state)
{
	struct fixture *f = *state;
	char key[] = "k", value[] = "hello";

	assert_non_null(store_map_put(
	    f->st, "s_map", "h", "u", key, value, 5, record, TAG(1)));
	/* Inputs are copied: the caller's buffers may change at once. */
	value[0] = 'X';
	key[0] = 'z';
	assert_non_null(
	    store_map_get(f->st, "s_map", "h", "u", "k", record, TAG(2)));
	assert_non_null(
	    store_map_get(f->st, "s_map", "h", "u", "z", record, TAG(3)));
	assert_non_null(
	    store_map_list(f->st, "s_map", "h", "u", record, TAG(4)));
	assert_non_null(
	    store_map_del(f->st, "s_map", "h", "u", "k", record, TAG(5)));
	assert_non_null(
	    store_map_get(f->st, "s_map", "h", "u", "k", record, TAG(6)));
	run_until(f, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(seen.order[i], i + 1);
	assert_int_equal(seen.status[0], STORE_OK);
	assert_int_equal(seen.status[1], STORE_OK);
	assert_string_equal(seen.value[1], "hello");
	assert_int_equal(seen.status[2], STORE_NOTFOUND);
	assert_int_equal(seen.nitems[3], 1);
	assert_int_equal(seen.status[4], STORE_OK);
	assert_int_equal(seen.status[5], STORE_NOTFOUND);
}

static void
test_accounts_and_archive(void **state)
{
	struct fixture *f = *state;
	struct store_archive_query q = {0};
	struct scram_cred c;

	memset(&c, 0, sizeof(c));
	c.hash = SCRAM_SHA256;
	c.iter = 4096;
	c.salt_len = 16;
	assert_non_null(
	    store_account_create(f->st, "h", "alice", &c, 1, record, TAG(1)));
	assert_non_null(
	    store_account_create(f->st, "h", "alice", &c, 1, record, TAG(2)));
	assert_non_null(
	    store_account_creds(f->st, "h", "alice", record, TAG(3)));
	assert_non_null(store_archive_append(f->st, "s_arch", "h", "alice",
	    NULL, 0, "bob@h", "m1", 2, record, TAG(4)));
	assert_non_null(store_archive_append(f->st, "s_arch", "h", "alice",
	    "fixed", 0, "bob@h", "m2", 2, record, TAG(5)));
	q.max = 1;
	q.with = "bob@h";
	assert_non_null(store_archive_query(
	    f->st, "s_arch", "h", "alice", &q, record, TAG(6)));
	assert_non_null(store_map_put(
	    f->st, "s_map", "h", "alice", "k", "v", 1, record, TAG(7)));
	assert_non_null(
	    store_account_delete(f->st, "h", "alice", record, TAG(8)));
	assert_non_null(
	    store_account_creds(f->st, "h", "alice", record, TAG(9)));
	q.max = 10;
	assert_non_null(store_archive_query(
	    f->st, "s_arch", "h", "alice", &q, record, TAG(10)));
	run_until(f, 10);
	assert_int_equal(seen.status[0], STORE_OK);
	assert_int_equal(seen.status[1], STORE_EXISTS);
	assert_int_equal(seen.status[2], STORE_OK);
	assert_int_equal(seen.status[3], STORE_OK);
	assert_int_equal(seen.nitems[3], 1);
	assert_int_equal(seen.status[4], STORE_OK);
	assert_int_equal(seen.nitems[5], 1);
	assert_false(seen.complete[5]);
	assert_int_equal(seen.status[7], STORE_OK);
	assert_int_equal(seen.count[7], 3);
	assert_int_equal(seen.status[8], STORE_NOTFOUND);
	assert_int_equal(seen.nitems[9], 0);
	assert_true(seen.complete[9]);
}

/* Appends with a quota, all in flight together: the count and the write
 * are one step, so exactly `max` land, per owner. */
static void
test_archive_append_max(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 5; i++)
		assert_non_null(store_archive_append_max(f->st, "s_arch", "h",
		    "carol", NULL, 0, NULL, "m", 1, 3, record, TAG(i + 1)));
	assert_non_null(store_archive_append_max(f->st, "s_arch", "h", "dave",
	    NULL, 0, NULL, "m", 1, 3, record, TAG(6)));
	/* max 0: no quota. */
	assert_non_null(store_archive_append_max(f->st, "s_arch", "h", "carol",
	    NULL, 0, NULL, "m", 1, 0, record, TAG(7)));
	run_until(f, 7);
	for (i = 0; i < 3; i++)
		assert_int_equal(seen.status[i], STORE_OK);
	assert_int_equal(seen.status[3], STORE_LIMIT);
	assert_int_equal(seen.count[3], 3);
	assert_int_equal(seen.status[4], STORE_LIMIT);
	assert_int_equal(seen.status[5], STORE_OK);
	assert_int_equal(seen.status[6], STORE_OK);
}

/* A full archive with eviction keeps the newest `max`: oldest go first.
 * The query through the store also carries an id list. */
static void
test_archive_append_evict(void **state)
{
	struct fixture *f = *state;
	struct store_archive_query q = {0};
	const char *ids[] = {"e4", "e0"};
	char id[8];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "e%d", i);
		assert_non_null(store_archive_append_evict(f->st, "s_arch", "h",
		    "erin", id, 100 + i, NULL, "m", 1, 3, record, TAG(i + 1)));
	}
	q.ids = ids;
	q.nids = 2;
	assert_non_null(store_archive_query(
	    f->st, "s_arch", "h", "erin", &q, record, TAG(6)));
	memset(&q, 0, sizeof(q));
	q.max = 10;
	assert_non_null(store_archive_query(
	    f->st, "s_arch", "h", "erin", &q, record, TAG(7)));
	run_until(f, 7);
	for (i = 0; i < 5; i++)
		assert_int_equal(seen.status[i], STORE_OK);
	assert_int_equal(seen.count[4], 1); /* one evicted to fit */
	assert_int_equal(seen.nitems[5], 1); /* e0 is gone, e4 is there */
	assert_int_equal(seen.nitems[6], 3);
}

static pthread_t loop_thread;
static int work_thread_differs;

static void *
gate_work(void *ctx)
{
	work_thread_differs = !pthread_equal(pthread_self(), loop_thread);
	sem_wait(&gate);
	return ctx;
}

static void
test_group_commit_burst(void **state)
{
	struct fixture *f = *state;
	char key[16];
	int i;

	loop_thread = pthread_self();
	assert_non_null(
	    store_work(f->st, gate_work, TAG(77), record, TAG(100)));
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		assert_non_null(store_map_put(f->st, "s_map", "h", "u", key,
		    key, strlen(key), record, TAG(i)));
	}
	/* One fails (unknown store) without taking the others with it. */
	assert_non_null(store_map_put(
	    f->st, "nope", "h", "u", "x", "x", 1, record, TAG(40)));
	assert_non_null(
	    store_map_list(f->st, "s_map", "h", "u", record, TAG(41)));
	sem_post(&gate);
	run_until(f, 43);
	assert_true(work_thread_differs);
	assert_int_equal(seen.order[0], 100);
	assert_ptr_equal(seen.work[0], TAG(77));
	for (i = 0; i < 40; i++) {
		assert_int_equal(seen.order[i + 1], i);
		assert_int_equal(seen.status[i + 1], STORE_OK);
	}
	assert_int_equal(seen.status[41], STORE_ERR);
	assert_int_equal(seen.status[42], STORE_OK);
	assert_int_equal(seen.nitems[42], 40);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct store_req *get, *put, *w;

	loop_thread = pthread_self();
	assert_non_null(
	    store_map_put(f->st, "s_map", "h", "u", "a", "1", 1, NULL, NULL));
	assert_non_null(store_work(f->st, gate_work, NULL, record, TAG(1)));
	get = store_map_get(f->st, "s_map", "h", "u", "a", record, TAG(2));
	put = store_map_put(
	    f->st, "s_map", "h", "u", "b", "2", 1, record, TAG(3));
	w = store_work(f->st, gate_work, NULL, record, TAG(4));
	assert_non_null(get);
	assert_non_null(put);
	assert_non_null(w);
	/* All three are queued behind the gate. */
	store_cancel(get);
	store_cancel(put);
	store_cancel(w); /* not started: it never runs (the gate is open
			    only once) */
	store_cancel(NULL);
	assert_non_null(
	    store_map_get(f->st, "s_map", "h", "u", "b", record, TAG(5)));
	sem_post(&gate);
	run_until(f, 2);
	assert_int_equal(seen.order[0], 1);
	/* The cancelled write still happened; its callback did not run. */
	assert_int_equal(seen.order[1], 5);
	assert_int_equal(seen.status[1], STORE_OK);
	assert_string_equal(seen.value[1], "2");
}

static volatile int slow_started, slow_finished;

static void *
slow_work(void *ctx)
{
	__atomic_store_n(&slow_started, 1, __ATOMIC_SEQ_CST);
	usleep(100000);
	__atomic_store_n(&slow_finished, 1, __ATOMIC_SEQ_CST);
	return ctx;
}

static void
test_cancel_running_work(void **state)
{
	struct fixture *f = *state;
	struct store_req *w;
	int i;

	slow_started = slow_finished = 0;
	w = store_work(f->st, slow_work, NULL, record, TAG(1));
	assert_non_null(w);
	for (i = 0;
	     i < 5000 && !__atomic_load_n(&slow_started, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	assert_true(slow_started);
	store_cancel(w);
	/* Returned only once the work was done with its ctx. */
	assert_true(__atomic_load_n(&slow_finished, __ATOMIC_SEQ_CST));
	assert_non_null(store_sweep(f->st, record, TAG(2)));
	run_until(f, 1);
	assert_int_equal(seen.order[0], 2);
	assert_int_equal(seen.status[0], STORE_OK);
}

static void
test_close_drains(void **state)
{
	struct fixture *f = *state;
	char err[256];
	int i;

	for (i = 0; i < 10; i++)
		assert_non_null(store_map_put(
		    f->st, "s_map", "h", "u", "k", "v", 1, record, TAG(i)));
	store_close(f->st);
	/* Every callback ran inside store_close, in order. */
	assert_int_equal(seen.calls, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(seen.order[i], i);
	f->st = store_open(f->dir, f->loop, err, sizeof(err));
	assert_non_null(f->st);
	assert_non_null(
	    store_map_get(f->st, "s_map", "h", "u", "k", record, TAG(99)));
	run_until(f, 11);
	assert_int_equal(seen.status[10], STORE_OK);
}

static void
test_open_fails(void **state)
{
	struct loop *l = loop_new();
	char err[256] = "";

	assert_non_null(l);
	assert_null(store_open("/nonexistent-lethe/a/b", l, err, sizeof(err)));
	assert_true(err[0] != '\0');
	store_close(NULL);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_map_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_accounts_and_archive, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_append_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_archive_append_evict, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_group_commit_burst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_cancel_running_work, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_drains, setup, teardown),
	    cmocka_unit_test(test_open_fails),
	};

	if (store_register(&d_map) < 0 || store_register(&d_arch) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
