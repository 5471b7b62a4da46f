/*
 * seal: the cryptography of sealed records (PRIVACY.md, "Sealed
 * records"), on libsodium. Pure functions plus a small
 * allocator of locked memory for keys; nothing here touches the database.
 *
 * - Each account has an X25519 key pair. The private key is stored only
 *   wrapped: XChaCha20-Poly1305 under HKDF-SHA-256(ClientKey) with the
 *   label (the SCRAM hash) and the owner as context.
 * - Data keys (32 bytes, XChaCha20-Poly1305) are stored sealed to the
 *   public key (crypto_box_seal), so the server can make one while the
 *   account is away; records are one AEAD each under a data key, with
 *   the store and the owner as associated data (a record moved to
 *   another owner or store does not open).
 * - Index values (map keys, archive peers) are keyed BLAKE2b hashes
 *   under an index key derived from the account's main data key.
 */
#ifndef LETHE_SEAL_H
#define LETHE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY 32 /* every secret and public key */
#define SEAL_NONCE 24
#define SEAL_TAG 16
#define SEAL_WRAP_LEN (SEAL_NONCE + SEAL_KEY + SEAL_TAG)
#define SEAL_SEALED_KEY_LEN (48 + SEAL_KEY) /* crypto_box_SEALBYTES + key */
#define SEAL_OVERHEAD (SEAL_NONCE + SEAL_TAG + 4)
#define SEAL_INDEX_HEX 32 /* characters of an index value */

/* Once, before any other call. 0 or -1. */
int seal_init(void);

void seal_keypair(uint8_t pk[SEAL_KEY], uint8_t sk[SEAL_KEY]);
void seal_random_key(uint8_t key[SEAL_KEY]);

/* sk wrapped for (label, host, user) under ikm (a ClientKey). 0 or -1. */
int seal_wrap(const uint8_t sk[SEAL_KEY], const uint8_t *ikm, size_t ikm_len,
    const char *label, const char *host, const char *user,
    uint8_t out[SEAL_WRAP_LEN]);
/* The reverse; -1 if the wrap does not open under ikm. */
int seal_unwrap(const uint8_t *in, size_t in_len, const uint8_t *ikm,
    size_t ikm_len, const char *label, const char *host, const char *user,
    uint8_t sk[SEAL_KEY]);

/* A data key sealed to pk, and opened with the key pair. 0 or -1. */
int seal_key_seal(const uint8_t key[SEAL_KEY], const uint8_t pk[SEAL_KEY],
    uint8_t out[SEAL_SEALED_KEY_LEN]);
int seal_key_open(const uint8_t *in, size_t in_len, const uint8_t pk[SEAL_KEY],
    const uint8_t sk[SEAL_KEY], uint8_t key[SEAL_KEY]);

/*
 * A record: the plaintext is a[alen] (a map key or an archive peer; the
 * reader gets it back) then b[blen] (the value); out holds
 * blen + alen + SEAL_OVERHEAD bytes. 0 or -1 (too long).
 */
int seal_record(const uint8_t key[SEAL_KEY], const char *store,
    const char *host, const char *user, const void *a, size_t alen,
    const void *b, size_t blen, uint8_t *out, size_t *out_len);
/*
 * Opens a record in place: on success (*a, *alen) and (*b, *blen) point into
 * buf (the value NUL-terminated, the key not). -1 if it does not open.
 */
int seal_open(const uint8_t key[SEAL_KEY], const char *store, const char *host,
    const char *user, uint8_t *buf, size_t len, const char **a, size_t *alen,
    const char **b, size_t *blen);

/* The index key of a main data key. */
void seal_index_key(const uint8_t key[SEAL_KEY], uint8_t ik[SEAL_KEY]);
/* Hex of a keyed hash of (kind, value) under ik; out[SEAL_INDEX_HEX+1]. */
void seal_index(
    const uint8_t ik[SEAL_KEY], const char *kind, const char *value, char *out);

/*
 * Locked memory for keys: fixed slots of SEAL_SLOT bytes in pages that are
 * mlock()ed (best effort, logged once when the limit refuses) and left
 * out of core dumps. Zeroed on allocation and on release. One thread.
 */
#define SEAL_SLOT 128
void *seal_slot_alloc(void);
void seal_slot_free(void *p);
/* Slots in use (for tests and status). */
size_t seal_slots_used(void);

#endif
