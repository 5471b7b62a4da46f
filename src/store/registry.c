/*
 * registry: the one table of every store Lethe keeps, with its shape,
 * owner and retention. Account deletion, expiry and the privacy report
 * are all driven from it, so a store that is not registered cannot be
 * written (the database layer refuses unknown names).
 *
 * Invariants: names are unique and match [a-z0-9_]+; entries are copies
 * owned here (the strings they point to, name and what, must be static),
 * never removed, and kept in registration order. Registration happens at
 * start-up, before store_open(); afterwards only the retention changes,
 * and it is read and written atomically because the storage thread reads
 * it while the loop thread may apply a new configuration.
 */
#include "store/store.h"

#include <string.h>

#define REGISTRY_MAX 64
#define REGISTRY_NAME_MAX 63

static struct store_def entries[REGISTRY_MAX];
static const struct store_def *ptrs[REGISTRY_MAX];
static size_t nentries;

static int
name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= REGISTRY_NAME_MAX)
			return 0;
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		        (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	}
	return 1;
}

static struct store_def *
find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].name, name) == 0)
			return &entries[i];
	return NULL;
}

int
store_register(const struct store_def *def)
{
	struct store_def *e;

	if (def == NULL || !name_valid(def->name) || find(def->name) != NULL)
		return -1;
	if (nentries >= REGISTRY_MAX)
		return -1;
	if (def->shape != STORE_MAP && def->shape != STORE_ARCHIVE)
		return -1;
	if (def->owner != STORE_OWNER_USER && def->owner != STORE_OWNER_HOST &&
	    def->owner != STORE_OWNER_ROOM)
		return -1;
	if (def->retention < 0)
		return -1;
	e = &entries[nentries];
	*e = *def;
	ptrs[nentries] = e;
	nentries++;
	return 0;
}

int
store_set_retention(const char *name, int64_t seconds)
{
	struct store_def *e;

	if (seconds < 0 || (e = find(name)) == NULL)
		return -1;
	__atomic_store_n(&e->retention, seconds, __ATOMIC_RELAXED);
	return 0;
}

const struct store_def *
store_lookup(const char *name)
{
	return find(name);
}

const struct store_def *const *
store_registry(size_t *n)
{
	if (n != NULL)
		*n = nentries;
	return ptrs;
}
