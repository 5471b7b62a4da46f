/*
 * pie: stores and encodings lethectl's export and import share.
 *
 * The roster codec repeats roster.c's stored form ('1', the flags as two
 * hex digits, then "LEN:BYTES" for the name and for each group): the
 * daemon's code lives in a module that cannot be linked into lethectl,
 * and the export/import round-trip test fails if the two drift apart.
 */
#include "ctl/pie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/conf.h"
#include "ctl/ctl.h"
#include "store/store.h"

#define F_ALL 63
#define FIELD_MAX 65536

static struct store_def defs[] = {
    {.name = PIE_ROSTER, .shape = STORE_MAP, .what = "contacts"},
    {.name = PIE_VCARD, .shape = STORE_MAP, .what = "vCards"},
    {.name = PIE_PRIVATE, .shape = STORE_MAP, .what = "private XML"},
    {.name = PIE_OFFLINE, .shape = STORE_ARCHIVE, .what = "offline"},
    {.name = PIE_ARCHIVE, .shape = STORE_ARCHIVE, .what = "archive"},
    {.name = PIE_PEP_NODES, .shape = STORE_MAP, .what = "PEP nodes"},
    {.name = PIE_PEP_ITEMS, .shape = STORE_MAP, .what = "PEP items"},
};

int
pie_register(const struct conf *c)
{
	size_t i;

	/* Imported messages expire as the server's own would. */
	defs[3].retention = c->retention.offline;
	defs[4].retention = c->retention.archive;
	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		if (store_lookup(defs[i].name) != NULL)
			continue;
		if (store_register(&defs[i]) < 0) {
			ctl_err("cannot register store %s", defs[i].name);
			return -1;
		}
	}
	return 0;
}

/* One "LEN:BYTES" field at *p (within end); NULL if malformed. */
static const char *
field(const char *p, const char *end, size_t *len)
{
	size_t n = 0;

	if (p == end || *p < '0' || *p > '9')
		return NULL;
	while (p < end && *p >= '0' && *p <= '9') {
		n = n * 10 + (size_t)(*p - '0');
		if (n > FIELD_MAX)
			return NULL;
		p++;
	}
	if (p == end || *p != ':' || (size_t)(end - p - 1) < n)
		return NULL;
	*len = n;
	return p + 1;
}

int
pie_roster_decode(const char *v, size_t n, struct pie_ritem *it)
{
	const char *p = v + 3, *end = v + n;
	char hex[3];
	unsigned long flags;

	memset(it, 0, sizeof(*it));
	if (n < 5 || v[0] != '1')
		return -1;
	memcpy(hex, v + 1, 2);
	hex[2] = '\0';
	flags = strtoul(hex, NULL, 16);
	if ((flags & ~(unsigned long)F_ALL) != 0 ||
	    (!(flags & PIE_F_ITEM) && flags != PIE_F_IN))
		return -1;
	it->flags = (unsigned)flags;
	if ((it->name = field(p, end, &it->name_len)) == NULL)
		return -1;
	p = it->name + it->name_len;
	while (p < end) {
		if (it->ngroups == PIE_GROUPS_MAX ||
		    (it->groups[it->ngroups] =
		            field(p, end, &it->glen[it->ngroups])) == NULL)
			return -1;
		p = it->groups[it->ngroups] + it->glen[it->ngroups];
		it->ngroups++;
	}
	return 0;
}

int
pie_roster_encode(const struct pie_ritem *it, struct buf *b)
{
	size_t i;

	if (buf_appendf(b, "1%02x", it->flags & F_ALL) < 0 ||
	    buf_appendf(b, "%zu:", it->name_len) < 0 ||
	    (it->name_len > 0 && buf_append(b, it->name, it->name_len) < 0))
		return -1;
	for (i = 0; i < it->ngroups; i++)
		if (buf_appendf(b, "%zu:", it->glen[i]) < 0 ||
		    buf_append(b, it->groups[i], it->glen[i]) < 0)
			return -1;
	return 0;
}
