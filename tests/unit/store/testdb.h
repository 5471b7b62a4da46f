/*
 * testdb: the fixture the db unit tests share: a fresh data directory per
 * test, a database opened in it with a clock the test sets (fake_now),
 * and everything removed afterwards. Include once per test file, after
 * cmocka and store/db.h.
 */
#ifndef LETHE_TESTDB_H
#define LETHE_TESTDB_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[PATH_MAX];
static char errbuf[512];
static int64_t fake_now = 1000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static void
rm_dir(void)
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

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/lethe-db-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	/* db_open creates the last component itself. */
	rmdir(dir);
	fake_now = 1000000;
	db_set_clock(fake_clock);
	if ((*state = db_open(dir, errbuf, sizeof(errbuf))) == NULL) {
		fprintf(stderr, "db_open: %s\n", errbuf);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	db_close(*state);
	rm_dir();
	return 0;
}

#endif
