/*
 * Unit tests for src/store/registry.c: names are validated and unique,
 * definitions are copied, lookups and registration order, retention
 * changes, and the table's capacity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/store.h"

static void
test_register_and_lookup(void **state)
{
	struct store_def def = {
	    "roster", STORE_MAP, STORE_OWNER_USER, 0, "contacts", 1};
	const struct store_def *got;
	const struct store_def *const *all;
	size_t n;

	assert_int_equal(store_register(&def), 0);
	/* The registry keeps a copy: changing ours changes nothing. */
	def.retention = 99;
	got = store_lookup("roster");
	assert_non_null(got);
	assert_string_equal(got->name, "roster");
	assert_int_equal(got->shape, STORE_MAP);
	assert_int_equal(got->owner, STORE_OWNER_USER);
	assert_int_equal(got->retention, 0);
	assert_int_equal(got->sealed, 1);
	assert_string_equal(got->what, "contacts");

	def.name = "mam";
	def.shape = STORE_ARCHIVE;
	def.retention = 7 * 86400;
	assert_int_equal(store_register(&def), 0);
	def.name = "muc_mam";
	def.owner = STORE_OWNER_ROOM;
	assert_int_equal(store_register(&def), 0);

	all = store_registry(&n);
	assert_int_equal(n, 3);
	assert_string_equal(all[0]->name, "roster");
	assert_string_equal(all[1]->name, "mam");
	assert_string_equal(all[2]->name, "muc_mam");
	assert_ptr_equal(all[1], store_lookup("mam"));
	assert_int_equal(all[1]->retention, 7 * 86400);
	assert_null(store_lookup("nothing"));
	assert_null(store_lookup(NULL));
}

static void
test_duplicate_and_invalid(void **state)
{
	struct store_def def = {"dup", STORE_MAP, STORE_OWNER_USER, 0, "x", 0};
	static const char *const bad[] = {"", "Roster", "a-b", "a b", "é",
	    "x.y",
	    /* 64 characters: one too many. */
	    ("0123456789012345678901234567890123456789012345678901234567"
	     "890123")};
	size_t i, before;

	assert_int_equal(store_register(&def), 0);
	store_registry(&before);
	assert_int_equal(store_register(&def), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		def.name = bad[i];
		assert_int_equal(store_register(&def), -1);
	}
	def.name = NULL;
	assert_int_equal(store_register(&def), -1);
	assert_int_equal(store_register(NULL), -1);
	def.name = "neg";
	def.retention = -1;
	assert_int_equal(store_register(&def), -1);
	def.retention = 0;
	def.shape = (enum store_shape)7;
	assert_int_equal(store_register(&def), -1);
	def.shape = STORE_MAP;
	def.owner = (enum store_owner)9;
	assert_int_equal(store_register(&def), -1);
	store_registry(&i);
	assert_int_equal(i, before);
	/* The longest valid name. */
	def.owner = STORE_OWNER_HOST;
	def.name =
	    "a12345678901234567890123456789012345678901234567890123456789"
	    "_z_";
	assert_int_equal(strlen(def.name), 63);
	assert_int_equal(store_register(&def), 0);
}

static void
test_set_retention(void **state)
{
	struct store_def def = {"offline", STORE_ARCHIVE, STORE_OWNER_USER,
	    72 * 3600, "offline messages", 1};

	assert_int_equal(store_register(&def), 0);
	assert_int_equal(store_set_retention("offline", 3600), 0);
	assert_int_equal(store_lookup("offline")->retention, 3600);
	assert_int_equal(store_set_retention("offline", 0), 0);
	assert_int_equal(store_lookup("offline")->retention, 0);
	assert_int_equal(store_set_retention("offline", -5), -1);
	assert_int_equal(store_lookup("offline")->retention, 0);
	assert_int_equal(store_set_retention("missing", 10), -1);
}

static void
test_capacity(void **state)
{
	static char names[80][16];
	struct store_def def = {NULL, STORE_MAP, STORE_OWNER_USER, 0, "x", 0};
	size_t n, i;
	int ok = 0, refused = 0;

	for (i = 0; i < 80; i++) {
		snprintf(names[i], sizeof(names[i]), "fill_%zu", i);
		def.name = names[i];
		if (store_register(&def) == 0)
			ok++;
		else
			refused++;
	}
	store_registry(&n);
	assert_int_equal(n, 64);
	assert_true(refused > 0);
	assert_true(ok > 0);
	/* What is registered is still found. */
	assert_non_null(store_lookup("roster"));
	assert_non_null(store_lookup("fill_0"));
}

int
main(void)
{
	/* Order matters: the registry is process-wide and never shrinks. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_lookup),
	    cmocka_unit_test(test_duplicate_and_invalid),
	    cmocka_unit_test(test_set_retention),
	    cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
