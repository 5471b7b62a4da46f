/*
 * jid: XMPP addresses (RFC 7622). Parsing enforces PRECIS on the
 * localpart (UsernameCaseMapped) and resourcepart (OpaqueString) and
 * IDNA2008 on the domainpart (stored as lowercase U-labels, trailing dot
 * removed; IP literals allowed). Each part is at most 1023 bytes.
 */
#ifndef LETHE_JID_H
#define LETHE_JID_H

#include <stddef.h>

struct arena;

#define JID_PART_MAX 1023

struct jid {
	const char *local; /* NULL if absent */
	const char *domain; /* never NULL in a parsed jid */
	const char *resource; /* NULL if absent */
	char *mem; /* owned block behind the parts, or NULL (arena) */
};

/* Parses s[0..n) into j with parts in one malloc'd block; 0, or -1 for a
 * malformed JID (<jid-malformed/>) or OOM. */
int jid_parse(const char *s, size_t n, struct jid *j);
/* Same, parts allocated in arena a (j->mem stays NULL). */
int jid_parse_arena(struct arena *a, const char *s, size_t n, struct jid *j);
/* Releases j->mem and clears j. NULL or an arena jid is a no-op. */
void jid_free(struct jid *j);
/* Builds a jid from already-normalized parts (copied into one block); -1
 * if domain is NULL, a part is empty or longer than JID_PART_MAX, or OOM. */
int jid_make(
    struct jid *j, const char *local, const char *domain, const char *resource);
/* Copies src into dst with its own block. */
int jid_copy(struct jid *dst, const struct jid *src);

/* Normalizes one part alone; malloc'd result or NULL if invalid. */
char *jid_local_prep(const char *s, size_t n);
char *jid_domain_prep(const char *s, size_t n);
char *jid_resource_prep(const char *s, size_t n);

/* String forms in arena a: "local@domain" / "local@domain/resource". */
char *jid_bare_str(struct arena *a, const struct jid *j);
char *jid_full_str(struct arena *a, const struct jid *j);
/* Formats into out[cap]; returns the length, or -1 if it does not fit. */
int jid_format(const struct jid *j, int with_resource, char *out, size_t cap);

/* Compare normalized jids: bare parts only, or with resource. */
int jid_bare_eq(const struct jid *a, const struct jid *b);
int jid_full_eq(const struct jid *a, const struct jid *b);

#endif
