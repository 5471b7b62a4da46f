/*
 * jid: XMPP addresses (RFC 7622). A JID is split as section 3.1 says:
 * the resourcepart is everything after the first '/', the localpart is
 * everything before the first '@' of what remains, and the rest is the
 * domainpart. Each part is then prepared on its own: the localpart with
 * PRECIS UsernameCaseMapped plus the RFC 7622 section 3.3.1 exclusions,
 * the resourcepart with OpaqueString, the domainpart as an IP literal or
 * an IDNA2008 name (libidn2, UTS #46 non-transitional mapping) kept in
 * its canonical lowercase U-label form with one trailing dot removed.
 *
 * Invariants: a parsed jid's parts are normalized, so equal JIDs have
 * byte-equal parts and formatting a jid and parsing it again yields the
 * same jid; domain is never NULL; local and resource are NULL or 1 to
 * JID_PART_MAX bytes; raw input is bounded (JID_RAW_MAX per part) before
 * any work is done on it.
 */
#include "xmpp/jid.h"

#include <arpa/inet.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "xmpp/precis.h"

/*
 * Longest raw part worth preparing. Preparation shrinks text at most
 * threefold (fullwidth forms and ideographic space to ASCII, conjoining
 * jamo to a syllable), so anything longer cannot fit in JID_PART_MAX.
 */
#define JID_RAW_MAX (4 * JID_PART_MAX)
/* A domain name in A-label form, without the trailing dot (RFC 1035). */
#define DOMAIN_MAX 253
#define LABEL_MAX 63

static char *
dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *
jid_local_prep(const char *s, size_t n)
{
	char *out;
	size_t len, i;

	if (n == 0 || n > JID_RAW_MAX)
		return NULL;
	if (precis_enforce(PRECIS_USERNAME_CASEMAPPED, s, n, &out, &len) != 0)
		return NULL;
	if (len > JID_PART_MAX)
		goto bad;
	/* RFC 7622 section 3.3.1: these stay out of localparts, checked
	 * after mapping so that fullwidth forms cannot slip them in. */
	for (i = 0; i < len; i++)
		if (strchr("\"&'/:<>@", out[i]) != NULL)
			goto bad;
	return out;
bad:
	free(out);
	return NULL;
}

char *
jid_resource_prep(const char *s, size_t n)
{
	char *out;
	size_t len;

	if (n == 0 || n > JID_RAW_MAX)
		return NULL;
	if (precis_enforce(PRECIS_OPAQUE_STRING, s, n, &out, &len) != 0)
		return NULL;
	if (len > JID_PART_MAX) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * 1 if s is a lowercase LDH domain name in A-label form: labels of 1 to
 * 63 letters, digits and hyphens, no hyphen at either end, "--" in the
 * third and fourth places only after "xn", at most 253 bytes, and a last
 * label that is not all digits (that would be a malformed IPv4 address).
 */
static int
ldh_ok(const char *s, size_t n)
{
	size_t i, start = 0, len;
	int digits = 1;
	char c;

	if (n == 0 || n > DOMAIN_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		c = i < n ? s[i] : '.';
		if (c != '.') {
			if (!((c >= 'a' && c <= 'z') ||
			        (c >= '0' && c <= '9') || c == '-'))
				return 0;
			if (c < '0' || c > '9')
				digits = 0;
			continue;
		}
		len = i - start;
		if (len == 0 || len > LABEL_MAX)
			return 0;
		if (s[start] == '-' || s[i - 1] == '-')
			return 0;
		if (len >= 4 && s[start + 2] == '-' && s[start + 3] == '-' &&
		    !(s[start] == 'x' && s[start + 1] == 'n'))
			return 0;
		if (i == n && digits)
			return 0;
		start = i + 1;
		digits = 1;
	}
	return 1;
}

/* 1 if some label of the lowercase name s starts with the ACE prefix. */
static int
has_ace_label(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if ((i == 0 || s[i - 1] == '.') &&
		    memcmp(s + i, "xn--", 4) == 0)
			return 1;
	return 0;
}

/* "[IPv6]" in its RFC 5952 text form, or NULL. */
static char *
ipv6_prep(const char *s, size_t n)
{
	char in[INET6_ADDRSTRLEN + 1], out[INET6_ADDRSTRLEN + 2];
	unsigned char addr[16];
	size_t len;

	if (n < 3 || s[n - 1] != ']' || n - 2 > INET6_ADDRSTRLEN)
		return NULL;
	memcpy(in, s + 1, n - 2);
	in[n - 2] = '\0';
	if (inet_pton(AF_INET6, in, addr) != 1)
		return NULL;
	out[0] = '[';
	if (inet_ntop(AF_INET6, addr, out + 1, INET6_ADDRSTRLEN) == NULL)
		return NULL;
	len = strlen(out);
	out[len] = ']';
	return dup_n(out, len + 1);
}

/*
 * An internationalized name through IDNA2008: map and check it into an
 * A-label form, turn that into U-labels, and require that the U-labels
 * lead back to the same A-labels, so the stored form is canonical.
 */
static char *
idn_prep(const char *name, int dot_stripped)
{
	char *alabel = NULL, *ulabel = NULL, *again = NULL, *res = NULL;
	size_t n, i;

	if (idn2_lookup_u8((const uint8_t *)name, (uint8_t **)&alabel,
	        IDN2_NONTRANSITIONAL) != IDN2_OK)
		goto done;
	n = strlen(alabel);
	/* A trailing ideographic full stop and the like became a dot. */
	if (!dot_stripped && n > 1 && alabel[n - 1] == '.')
		alabel[--n] = '\0';
	for (i = 0; i < n; i++)
		if (alabel[i] >= 'A' && alabel[i] <= 'Z')
			alabel[i] = (char)(alabel[i] - 'A' + 'a');
	if (!ldh_ok(alabel, n))
		goto done;
	if (idn2_to_unicode_8z8z(alabel, &ulabel, 0) != IDN2_OK)
		goto done;
	if (idn2_lookup_u8((const uint8_t *)ulabel, (uint8_t **)&again,
	        IDN2_NONTRANSITIONAL) != IDN2_OK ||
	    strcmp(again, alabel) != 0)
		goto done;
	if (strlen(ulabel) > JID_PART_MAX)
		goto done;
	res = ulabel;
	ulabel = NULL;
done:
	idn2_free(alabel);
	idn2_free(ulabel);
	idn2_free(again);
	return res;
}

char *
jid_domain_prep(const char *s, size_t n)
{
	unsigned char v4[4];
	char *name, *res = NULL;
	size_t i;
	int ascii = 1, stripped = 0;

	if (n == 0 || n > JID_RAW_MAX)
		return NULL;
	if (s[0] == '[')
		return ipv6_prep(s, n);
	if (s[n - 1] == '.') {
		n--;
		stripped = 1;
	}
	if (n == 0 || memchr(s, '\0', n) != NULL)
		return NULL;
	if ((name = dup_n(s, n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((unsigned char)name[i] >= 0x80)
			ascii = 0;
		else if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	}
	if (ascii && inet_pton(AF_INET, name, v4) == 1)
		return name;
	if (ascii && !has_ace_label(name, n)) {
		if (ldh_ok(name, n))
			return name;
		free(name);
		return NULL;
	}
	res = idn_prep(name, stripped);
	free(name);
	return res;
}

/* Splits s[0..n) per RFC 7622 section 3.1 and prepares the parts. */
static int
parse_parts(
    const char *s, size_t n, char **local, char **domain, char **resource)
{
	const char *slash, *at;
	size_t dn = n;

	*local = *domain = *resource = NULL;
	if (n == 0 || n > 3 * JID_RAW_MAX + 2)
		return -1;
	slash = memchr(s, '/', n);
	if (slash != NULL) {
		dn = (size_t)(slash - s);
		*resource = jid_resource_prep(slash + 1, n - dn - 1);
		if (*resource == NULL)
			goto fail;
	}
	at = memchr(s, '@', dn);
	if (at != NULL) {
		*local = jid_local_prep(s, (size_t)(at - s));
		if (*local == NULL)
			goto fail;
		dn -= (size_t)(at - s) + 1;
		s = at + 1;
	}
	*domain = jid_domain_prep(s, dn);
	if (*domain == NULL)
		goto fail;
	return 0;
fail:
	free(*local);
	free(*resource);
	*local = *resource = NULL;
	return -1;
}

static size_t
block_size(const char *local, const char *domain, const char *resource)
{
	return (local ? strlen(local) + 1 : 0) + strlen(domain) + 1 +
	    (resource ? strlen(resource) + 1 : 0);
}

/* Lays the parts out in mem and points j at them. */
static void
fill(struct jid *j, char *mem, const char *local, const char *domain,
    const char *resource)
{
	size_t len;

	j->local = j->resource = NULL;
	if (local != NULL) {
		len = strlen(local) + 1;
		memcpy(mem, local, len);
		j->local = mem;
		mem += len;
	}
	len = strlen(domain) + 1;
	memcpy(mem, domain, len);
	j->domain = mem;
	mem += len;
	if (resource != NULL) {
		memcpy(mem, resource, strlen(resource) + 1);
		j->resource = mem;
	}
}

static void
clear(struct jid *j)
{
	j->local = j->domain = j->resource = NULL;
	j->mem = NULL;
}

int
jid_parse(const char *s, size_t n, struct jid *j)
{
	char *l, *d, *r;
	int rc;

	clear(j);
	if (parse_parts(s, n, &l, &d, &r) != 0)
		return -1;
	rc = jid_make(j, l, d, r);
	free(l);
	free(d);
	free(r);
	return rc;
}

int
jid_parse_arena(struct arena *a, const char *s, size_t n, struct jid *j)
{
	char *l, *d, *r, *mem;

	clear(j);
	if (parse_parts(s, n, &l, &d, &r) != 0)
		return -1;
	mem = arena_alloc(a, block_size(l, d, r));
	if (mem != NULL)
		fill(j, mem, l, d, r);
	free(l);
	free(d);
	free(r);
	return mem != NULL ? 0 : -1;
}

void
jid_free(struct jid *j)
{
	if (j == NULL || j->mem == NULL)
		return;
	free(j->mem);
	clear(j);
}

static int
part_ok(const char *p)
{
	size_t len;

	if (p == NULL)
		return 1;
	len = strlen(p);
	return len >= 1 && len <= JID_PART_MAX;
}

int
jid_make(
    struct jid *j, const char *local, const char *domain, const char *resource)
{
	char *mem;

	if (domain == NULL || !part_ok(local) || !part_ok(domain) ||
	    !part_ok(resource)) {
		clear(j);
		return -1;
	}
	/* Built before j is touched, so jid_make(j, j->local, ...) works. */
	mem = malloc(block_size(local, domain, resource));
	if (mem == NULL) {
		clear(j);
		return -1;
	}
	fill(j, mem, local, domain, resource);
	j->mem = mem;
	return 0;
}

int
jid_copy(struct jid *dst, const struct jid *src)
{
	return jid_make(dst, src->local, src->domain, src->resource);
}

/* Length of the string form; parts are bounded, so this cannot wrap. */
static size_t
str_len(const struct jid *j, int with_resource)
{
	size_t len = strlen(j->domain);

	if (j->local != NULL)
		len += strlen(j->local) + 1;
	if (with_resource && j->resource != NULL)
		len += strlen(j->resource) + 1;
	return len;
}

static void
str_write(const struct jid *j, int with_resource, char *out)
{
	size_t len;

	if (j->local != NULL) {
		len = strlen(j->local);
		memcpy(out, j->local, len);
		out += len;
		*out++ = '@';
	}
	len = strlen(j->domain);
	memcpy(out, j->domain, len);
	out += len;
	if (with_resource && j->resource != NULL) {
		*out++ = '/';
		len = strlen(j->resource);
		memcpy(out, j->resource, len);
		out += len;
	}
	*out = '\0';
}

int
jid_format(const struct jid *j, int with_resource, char *out, size_t cap)
{
	size_t len;

	if (j->domain == NULL)
		return -1;
	len = str_len(j, with_resource);
	if (len >= cap)
		return -1;
	str_write(j, with_resource, out);
	return (int)len;
}

static char *
to_arena(struct arena *a, const struct jid *j, int with_resource)
{
	char *s;

	if (j->domain == NULL)
		return NULL;
	s = arena_alloc(a, str_len(j, with_resource) + 1);
	if (s != NULL)
		str_write(j, with_resource, s);
	return s;
}

char *
jid_bare_str(struct arena *a, const struct jid *j)
{
	return to_arena(a, j, 0);
}

char *
jid_full_str(struct arena *a, const struct jid *j)
{
	return to_arena(a, j, 1);
}

static int
part_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
jid_bare_eq(const struct jid *a, const struct jid *b)
{
	return part_eq(a->local, b->local) && part_eq(a->domain, b->domain);
}

int
jid_full_eq(const struct jid *a, const struct jid *b)
{
	return jid_bare_eq(a, b) && part_eq(a->resource, b->resource);
}
