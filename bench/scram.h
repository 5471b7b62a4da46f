/*
 * scram: the client side of SASL SCRAM-SHA-1 and SCRAM-SHA-256
 * (RFC 5802, RFC 7677), without channel binding, as a client that keeps
 * its salted password does it: the PBKDF2 result and the keys derived
 * from it are cached per (hash, salt, iterations), so a login costs the
 * generator two HMACs and a hash, not thousands.
 *
 * The state of one exchange is the struct below, kept in the client;
 * it holds no heap memory.
 */
#ifndef BENCH_SCRAM_H
#define BENCH_SCRAM_H

#include <stddef.h>

#define SCRAM_HASH_MAX 32

struct scram {
	int sha256; /* 1: SCRAM-SHA-256, 0: SCRAM-SHA-1 */
	size_t first_len;
	char first_bare[192]; /* "n=USER,r=NONCE" */
	unsigned char server_sig[SCRAM_HASH_MAX]; /* expected 'v' */
};

/* The password every account uses (normalized already: ASCII). */
void scram_set_password(const char *password);
/* Base64 client-first-message into out. Length, or -1. */
int scram_first(
    struct scram *s, int sha256, const char *user, char *out, size_t cap);
/* From the base64 server-first-message, the base64 client-final-message
 * into out. Length, or -1 on a malformed challenge. */
int scram_final(
    struct scram *s, const char *b64, size_t n, char *out, size_t cap);
/* 0 if the base64 server-final-message proves the server knew the
 * verifier, -1 otherwise. */
int scram_verify(const struct scram *s, const char *b64, size_t n);
/* Distinct (hash, salt, iterations) seen, and PBKDF2 runs done. */
size_t scram_cache_size(void);
/*
 * The cache as a file, so that repeated runs against the same accounts
 * skip PBKDF2: one line per entry. Loading a missing file is not an
 * error; lines that do not parse are skipped. 0 or -1.
 */
int scram_cache_load(const char *path);
int scram_cache_save(const char *path);

#endif
