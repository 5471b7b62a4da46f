/*
 * Fuzz target for src/xmpp/jid.c: parses the input as a JID; when it
 * parses, formatting it and parsing the result must give the same jid
 * (preparation is idempotent and the separators cannot reappear inside
 * a part), for the full and the bare form, and a copy must be equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmpp/jid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[3 * JID_PART_MAX + 3];
	struct jid j, k;
	int n;

	if (jid_parse((const char *)data, size, &j) != 0)
		return 0;

	n = jid_format(&j, 1, buf, sizeof(buf));
	if (n <= 0)
		abort();
	if (jid_parse(buf, (size_t)n, &k) != 0 || !jid_full_eq(&j, &k))
		abort();
	jid_free(&k);

	n = jid_format(&j, 0, buf, sizeof(buf));
	if (n <= 0)
		abort();
	if (jid_parse(buf, (size_t)n, &k) != 0 || !jid_bare_eq(&j, &k) ||
	    k.resource != NULL)
		abort();
	jid_free(&k);

	if (jid_copy(&k, &j) != 0 || !jid_full_eq(&j, &k))
		abort();
	jid_free(&k);
	jid_free(&j);
	return 0;
}
