/*
 * scram: SCRAM client with a cache of salted passwords (see scram.h).
 *
 * The cache is an open-addressing table keyed by the hash, the salt (as
 * the server sent it, base64) and the iteration count; it only grows,
 * and is bounded by the number of accounts a run uses.
 */
#include "scram.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define SALT_MAX 96

struct keys {
	int used;
	int sha256;
	unsigned iter;
	size_t salt_len;
	char salt[SALT_MAX];
	unsigned char client_key[SCRAM_HASH_MAX];
	unsigned char stored_key[SCRAM_HASH_MAX];
	unsigned char server_key[SCRAM_HASH_MAX];
};

static char *password;
static struct keys *cache;
static size_t cache_cap, cache_n;

void
scram_set_password(const char *pw)
{
	free(password);
	password = strdup(pw);
}

size_t
scram_cache_size(void)
{
	return cache_n;
}

static const EVP_MD *
md_of(int sha256)
{
	return sha256 ? EVP_sha256() : EVP_sha1();
}

static size_t
hlen_of(int sha256)
{
	return sha256 ? 32 : 20;
}

static uint64_t
key_hash(int sha256, const char *salt, size_t n, unsigned iter)
{
	uint64_t h =
	    1469598103934665603ull ^ (uint64_t)sha256 ^ ((uint64_t)iter << 8);
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)salt[i]) * 1099511628211ull;
	return h;
}

static int
grow(void)
{
	size_t ncap = cache_cap ? cache_cap * 2 : 1024, i;
	struct keys *n = calloc(ncap, sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < cache_cap; i++) {
		struct keys *k = &cache[i];
		size_t j;

		if (!k->used)
			continue;
		j = key_hash(k->sha256, k->salt, k->salt_len, k->iter) &
		    (ncap - 1);
		while (n[j].used)
			j = (j + 1) & (ncap - 1);
		n[j] = *k;
	}
	free(cache);
	cache = n;
	cache_cap = ncap;
	return 0;
}

/* The keys for (hash, salt, iter), computing them on a miss. */
static const struct keys *
keys_for(int sha256, const char *salt, size_t salt_len, unsigned iter)
{
	unsigned char raw[SALT_MAX], salted[SCRAM_HASH_MAX];
	size_t hl = hlen_of(sha256), j;
	unsigned int l;
	struct keys *k;
	int rawlen;

	if (salt_len == 0 || salt_len >= SALT_MAX || salt_len % 4 != 0)
		return NULL;
	if (cache_n * 2 >= cache_cap && grow() == -1)
		return NULL;
	j = key_hash(sha256, salt, salt_len, iter) & (cache_cap - 1);
	for (; cache[j].used; j = (j + 1) & (cache_cap - 1)) {
		k = &cache[j];
		if (k->sha256 == sha256 && k->iter == iter &&
		    k->salt_len == salt_len &&
		    memcmp(k->salt, salt, salt_len) == 0)
			return k;
	}
	rawlen =
	    EVP_DecodeBlock(raw, (const unsigned char *)salt, (int)salt_len);
	if (rawlen < 0)
		return NULL;
	if (salt_len >= 1 && salt[salt_len - 1] == '=')
		rawlen--;
	if (salt_len >= 2 && salt[salt_len - 2] == '=')
		rawlen--;
	k = &cache[j];
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), raw, rawlen,
	        (int)iter, md_of(sha256), (int)hl, salted) != 1)
		return NULL;
	if (HMAC(md_of(sha256), salted, (int)hl,
	        (const unsigned char *)"Client Key", 10, k->client_key,
	        &l) == NULL ||
	    HMAC(md_of(sha256), salted, (int)hl,
	        (const unsigned char *)"Server Key", 10, k->server_key,
	        &l) == NULL ||
	    EVP_Digest(
	        k->client_key, hl, k->stored_key, &l, md_of(sha256), NULL) != 1)
		return NULL;
	k->used = 1;
	k->sha256 = sha256;
	k->iter = iter;
	k->salt_len = salt_len;
	memcpy(k->salt, salt, salt_len);
	cache_n++;
	return k;
}

int
scram_first(
    struct scram *s, int sha256, const char *user, char *out, size_t cap)
{
	unsigned char rnd[18];
	char nonce[25], msg[224];
	int n;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)nonce, rnd, sizeof(rnd));
	s->sha256 = sha256;
	n = snprintf(
	    s->first_bare, sizeof(s->first_bare), "n=%s,r=%s", user, nonce);
	if (n < 0 || (size_t)n >= sizeof(s->first_bare))
		return -1;
	s->first_len = (size_t)n;
	n = snprintf(msg, sizeof(msg), "n,,%s", s->first_bare);
	if (cap < ((size_t)n + 2) / 3 * 4 + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, (unsigned char *)msg, n);
}

/* The value of attribute a ("r", "s", "i") in a server message. */
static const char *
attr(const char *m, size_t n, char a, size_t *len)
{
	size_t i = 0, j;

	while (i + 1 < n) {
		for (j = i; j < n && m[j] != ','; j++)
			;
		if (m[i] == a && m[i + 1] == '=') {
			*len = j - i - 2;
			return m + i + 2;
		}
		i = j + 1;
	}
	return NULL;
}

int
scram_final(struct scram *s, const char *b64, size_t n, char *out, size_t cap)
{
	unsigned char sfirst[512], csig[SCRAM_HASH_MAX], proof[SCRAM_HASH_MAX];
	char auth[1024], final[512], proof64[64];
	size_t rl = 0, sl = 0, il = 0, cl, hl = hlen_of(s->sha256), i;
	const char *r, *salt, *it, *cn;
	const struct keys *k;
	int m, alen, flen;
	unsigned int l;

	if (n == 0 || n > 4 * (sizeof(sfirst) - 1) / 3 || n % 4 != 0)
		return -1;
	m = EVP_DecodeBlock(sfirst, (const unsigned char *)b64, (int)n);
	if (m < 0)
		return -1;
	while (m > 0 && sfirst[m - 1] == '\0')
		m--; /* padding */
	r = attr((char *)sfirst, (size_t)m, 'r', &rl);
	salt = attr((char *)sfirst, (size_t)m, 's', &sl);
	it = attr((char *)sfirst, (size_t)m, 'i', &il);
	if (r == NULL || salt == NULL || it == NULL || il == 0 || il > 9)
		return -1;
	/* The server's nonce must extend ours. */
	cn = strstr(s->first_bare, ",r=") + 3;
	cl = s->first_len - (size_t)(cn - s->first_bare);
	if (rl <= cl || memcmp(r, cn, cl) != 0)
		return -1;
	k = keys_for(s->sha256, salt, sl, (unsigned)strtoul(it, NULL, 10));
	if (k == NULL)
		return -1;
	flen = snprintf(final, sizeof(final), "c=biws,r=%.*s", (int)rl, r);
	alen = snprintf(auth, sizeof(auth), "%s,%.*s,%s", s->first_bare, m,
	    (char *)sfirst, final);
	if (flen < 0 || (size_t)flen >= sizeof(final) || alen < 0 ||
	    (size_t)alen >= sizeof(auth))
		return -1;
	if (HMAC(md_of(s->sha256), k->stored_key, (int)hl,
	        (unsigned char *)auth, (size_t)alen, csig, &l) == NULL ||
	    HMAC(md_of(s->sha256), k->server_key, (int)hl,
	        (unsigned char *)auth, (size_t)alen, s->server_sig, &l) == NULL)
		return -1;
	for (i = 0; i < hl; i++)
		proof[i] = k->client_key[i] ^ csig[i];
	EVP_EncodeBlock((unsigned char *)proof64, proof, (int)hl);
	flen += snprintf(
	    final + flen, sizeof(final) - (size_t)flen, ",p=%s", proof64);
	if ((size_t)flen >= sizeof(final) ||
	    cap < ((size_t)flen + 2) / 3 * 4 + 1)
		return -1;
	return EVP_EncodeBlock(
	    (unsigned char *)out, (unsigned char *) final, flen);
}

int
scram_verify(const struct scram *s, const char *b64, size_t n)
{
	unsigned char msg[128], v[SCRAM_HASH_MAX + 4];
	size_t hl = hlen_of(s->sha256);
	int m;

	if (n == 0 || n > 4 * (sizeof(msg) - 1) / 3 || n % 4 != 0)
		return -1;
	m = EVP_DecodeBlock(msg, (const unsigned char *)b64, (int)n);
	while (m > 0 && msg[m - 1] == '\0')
		m--;
	if (m < 3 || msg[0] != 'v' || msg[1] != '=')
		return -1;
	if (EVP_DecodeBlock(v, msg + 2, m - 2) < (int)hl)
		return -1;
	return memcmp(v, s->server_sig, hl) == 0 ? 0 : -1;
}

/* --- the cache as a file: "sha256 iter salt client stored server" --- */

static void
hex(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int
unhex(const char *s, unsigned char *p, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		p[i] = (unsigned char)v;
	}
	return 0;
}

int
scram_cache_save(const char *path)
{
	char tmp[4096];
	size_t i, hl;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	for (i = 0; i < cache_cap; i++) {
		const struct keys *k = &cache[i];

		if (!k->used)
			continue;
		hl = hlen_of(k->sha256);
		fprintf(f, "%d %u %.*s ", k->sha256, k->iter, (int)k->salt_len,
		    k->salt);
		hex(f, k->client_key, hl);
		fputc(' ', f);
		hex(f, k->stored_key, hl);
		fputc(' ', f);
		hex(f, k->server_key, hl);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int
scram_cache_load(const char *path)
{
	char line[512], salt[SALT_MAX + 1], ck[80], sk[80], vk[80];
	struct keys k, *slot;
	unsigned iter;
	size_t hl, j;
	int sha256;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		memset(&k, 0, sizeof(k));
		if (sscanf(line, "%d %u %96s %79s %79s %79s", &sha256, &iter,
		        salt, ck, sk, vk) != 6 ||
		    (sha256 != 0 && sha256 != 1))
			continue;
		hl = hlen_of(sha256);
		if (strlen(ck) != 2 * hl || strlen(sk) != 2 * hl ||
		    strlen(vk) != 2 * hl || strlen(salt) >= SALT_MAX ||
		    unhex(ck, k.client_key, hl) == -1 ||
		    unhex(sk, k.stored_key, hl) == -1 ||
		    unhex(vk, k.server_key, hl) == -1)
			continue;
		k.used = 1;
		k.sha256 = sha256;
		k.iter = iter;
		k.salt_len = strlen(salt);
		memcpy(k.salt, salt, k.salt_len);
		if (cache_n * 2 >= cache_cap && grow() == -1)
			break;
		j = key_hash(sha256, k.salt, k.salt_len, iter) &
		    (cache_cap - 1);
		for (slot = &cache[j]; slot->used;
		     j = (j + 1) & (cache_cap - 1), slot = &cache[j])
			;
		*slot = k;
		cache_n++;
	}
	fclose(f);
	return 0;
}
