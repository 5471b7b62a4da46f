/*
 * seal: key wrapping, sealed data keys, record AEAD, index hashes and
 * locked key memory (see seal.h).
 *
 * Formats (all stored, so they never change without a version):
 * - wrap: nonce[24] || XChaCha20-Poly1305(sk)[32 + 16], key =
 *   HKDF-SHA-256(ikm, salt "lethe seal wrap 1", info label NUL host NUL
 *   user) (RFC 5869), associated data the same info.
 * - sealed data key: crypto_box_seal(key, pk).
 * - record: nonce[24] || XChaCha20-Poly1305(be32(alen) || a || b), the
 *   associated data store NUL host NUL user.
 * - index: hex of BLAKE2b-128(key = ik, kind NUL value).
 */
#include "store/seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"
#include "core/util.h"

#define WRAP_SALT "lethe seal wrap 1"
#define INDEX_CONTEXT "lethe index 1"
#define CTX_MAX 2048 /* label NUL host NUL user, or store NUL host NUL user */
#define CHUNK (64 * 1024)
#define CHUNK_SLOTS (CHUNK / SEAL_SLOT)

int
seal_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
seal_keypair(uint8_t pk[SEAL_KEY], uint8_t sk[SEAL_KEY])
{
	crypto_box_keypair(pk, sk);
}

void
seal_random_key(uint8_t key[SEAL_KEY])
{
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

/* "a NUL b NUL c" into out; its length, or 0 if it does not fit. */
static size_t
context(char *out, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);

	if (la + lb + lc + 2 > CTX_MAX)
		return 0;
	memcpy(out, a, la);
	out[la] = '\0';
	memcpy(out + la + 1, b, lb);
	out[la + 1 + lb] = '\0';
	memcpy(out + la + lb + 2, c, lc);
	return la + lb + lc + 2;
}

/* HKDF-SHA-256 (RFC 5869) for one 32-byte block: extract with the salt,
 * expand with info and the counter 1. On libsodium's HMAC: OpenSSL's
 * EVP_PKEY HKDF costs some 80,000 instructions a call in set-up alone,
 * more than the rest of a login's unwrap. */
static int
hkdf(const uint8_t *ikm, size_t ikm_len, const char *info, size_t info_len,
    uint8_t out[SEAL_KEY])
{
	crypto_auth_hmacsha256_state st;
	uint8_t prk[crypto_auth_hmacsha256_BYTES], one = 1;

	crypto_auth_hmacsha256_init(
	    &st, (const uint8_t *)WRAP_SALT, strlen(WRAP_SALT));
	crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, info_len);
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int
seal_wrap(const uint8_t sk[SEAL_KEY], const uint8_t *ikm, size_t ikm_len,
    const char *label, const char *host, const char *user,
    uint8_t out[SEAL_WRAP_LEN])
{
	char info[CTX_MAX];
	uint8_t k[SEAL_KEY];
	size_t n;
	int rc = -1;

	if (ikm == NULL || ikm_len == 0 ||
	    (n = context(info, label, host, user)) == 0 ||
	    hkdf(ikm, ikm_len, info, n, k) == -1)
		goto out;
	randombytes_buf(out, SEAL_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_NONCE, NULL, sk,
	    SEAL_KEY, (const uint8_t *)info, n, NULL, out, k);
	rc = 0;
out:
	sodium_memzero(k, sizeof(k));
	return rc;
}

int
seal_unwrap(const uint8_t *in, size_t in_len, const uint8_t *ikm,
    size_t ikm_len, const char *label, const char *host, const char *user,
    uint8_t sk[SEAL_KEY])
{
	char info[CTX_MAX];
	uint8_t k[SEAL_KEY];
	unsigned long long out_len;
	size_t n;
	int rc = -1;

	if (in_len != SEAL_WRAP_LEN || ikm == NULL || ikm_len == 0 ||
	    (n = context(info, label, host, user)) == 0 ||
	    hkdf(ikm, ikm_len, info, n, k) == -1)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(sk, &out_len, NULL,
	        in + SEAL_NONCE, SEAL_KEY + SEAL_TAG, (const uint8_t *)info, n,
	        in, k) == 0 &&
	    out_len == SEAL_KEY)
		rc = 0;
	else
		sodium_memzero(sk, SEAL_KEY);
out:
	sodium_memzero(k, sizeof(k));
	return rc;
}

int
seal_key_seal(const uint8_t key[SEAL_KEY], const uint8_t pk[SEAL_KEY],
    uint8_t out[SEAL_SEALED_KEY_LEN])
{
	return crypto_box_seal(out, key, SEAL_KEY, pk) == 0 ? 0 : -1;
}

int
seal_key_open(const uint8_t *in, size_t in_len, const uint8_t pk[SEAL_KEY],
    const uint8_t sk[SEAL_KEY], uint8_t key[SEAL_KEY])
{
	if (in_len != SEAL_SEALED_KEY_LEN)
		return -1;
	return crypto_box_seal_open(key, in, in_len, pk, sk) == 0 ? 0 : -1;
}

int
seal_record(const uint8_t key[SEAL_KEY], const char *store, const char *host,
    const char *user, const void *a, size_t alen, const void *b, size_t blen,
    uint8_t *out, size_t *out_len)
{
	char ad[CTX_MAX];
	uint8_t *p = out + SEAL_NONCE;
	unsigned long long clen;
	size_t adlen, n;

	if (alen > UINT32_MAX || blen > SIZE_MAX / 2 - alen - SEAL_OVERHEAD ||
	    (adlen = context(ad, store, host, user)) == 0)
		return -1;
	n = 4 + alen + blen;
	/* Built in place, then encrypted in place (libsodium allows it). */
	p[0] = (uint8_t)(alen >> 24);
	p[1] = (uint8_t)(alen >> 16);
	p[2] = (uint8_t)(alen >> 8);
	p[3] = (uint8_t)alen;
	if (alen > 0)
		memcpy(p + 4, a, alen);
	if (blen > 0)
		memcpy(p + 4 + alen, b, blen);
	randombytes_buf(out, SEAL_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    p, &clen, p, n, (const uint8_t *)ad, adlen, NULL, out, key);
	*out_len = SEAL_NONCE + (size_t)clen;
	return 0;
}

int
seal_open(const uint8_t key[SEAL_KEY], const char *store, const char *host,
    const char *user, uint8_t *buf, size_t len, const char **a, size_t *alen,
    const char **b, size_t *blen)
{
	char ad[CTX_MAX];
	uint8_t *p = buf + SEAL_NONCE;
	unsigned long long n;
	size_t adlen, al;

	if (len < SEAL_OVERHEAD ||
	    (adlen = context(ad, store, host, user)) == 0)
		return -1;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(p, &n, NULL, p,
	        len - SEAL_NONCE, (const uint8_t *)ad, adlen, buf, key) != 0 ||
	    n < 4)
		return -1;
	al = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 |
	    (size_t)p[3];
	if (al > n - 4)
		return -1;
	*a = (const char *)p + 4;
	*alen = al;
	*b = (const char *)p + 4 + al;
	*blen = (size_t)n - 4 - al;
	/* The caller's buffer has room: the tag's bytes are free now. */
	p[n] = '\0';
	return 0;
}

void
seal_index_key(const uint8_t key[SEAL_KEY], uint8_t ik[SEAL_KEY])
{
	crypto_generichash(ik, SEAL_KEY, (const uint8_t *)INDEX_CONTEXT,
	    strlen(INDEX_CONTEXT), key, SEAL_KEY);
}

void
seal_index(
    const uint8_t ik[SEAL_KEY], const char *kind, const char *value, char *out)
{
	crypto_generichash_state s;
	uint8_t h[SEAL_INDEX_HEX / 2];

	crypto_generichash_init(&s, ik, SEAL_KEY, sizeof(h));
	crypto_generichash_update(&s, (const uint8_t *)kind, strlen(kind) + 1);
	crypto_generichash_update(
	    &s, (const uint8_t *)value, value != NULL ? strlen(value) : 0);
	crypto_generichash_final(&s, h, sizeof(h));
	util_hex(h, sizeof(h), out);
}

/* --- locked slots --- */

struct chunk {
	struct chunk *next;
	uint8_t *mem; /* CHUNK bytes, page-aligned */
};

static struct chunk *chunks;
static void *free_slots; /* singly linked through the slots themselves */
static size_t used;
static int mlock_warned;

static int
chunk_add(void)
{
	struct chunk *c;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->mem = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->mem == MAP_FAILED) {
		free(c);
		return -1;
	}
	if (mlock(c->mem, CHUNK) == -1 && !mlock_warned) {
		/* Keys still work; they may reach swap. RLIMIT_MEMLOCK
		 * (LimitMEMLOCK= in systemd) lifts this. */
		log_warn("event=seal_mlock_failed hint=raise_memlock_limit");
		mlock_warned = 1;
	}
#ifdef MADV_DONTDUMP
	madvise(c->mem, CHUNK, MADV_DONTDUMP);
#endif
	for (i = 0; i < CHUNK_SLOTS; i++) {
		void **slot = (void **)(c->mem + i * SEAL_SLOT);

		*slot = free_slots;
		free_slots = slot;
	}
	c->next = chunks;
	chunks = c;
	return 0;
}

void *
seal_slot_alloc(void)
{
	void **slot;

	if (free_slots == NULL && chunk_add() == -1)
		return NULL;
	slot = free_slots;
	free_slots = *slot;
	sodium_memzero(slot, SEAL_SLOT);
	used++;
	return slot;
}

void
seal_slot_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, SEAL_SLOT);
	*(void **)p = free_slots;
	free_slots = p;
	used--;
}

size_t
seal_slots_used(void)
{
	return used;
}
