/*
 * util: small helpers with no better home: randomness, encodings,
 * constant-time comparison, wall-clock time.
 */
#ifndef LETHE_UTIL_H
#define LETHE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Cryptographically strong random bytes; aborts only if the kernel fails. */
void util_random(void *p, size_t n);
/* A random id of n alphanumeric characters plus NUL into out[n+1]. */
void util_random_id(char *out, size_t n);

/* Base64 (RFC 4648, padded). Encoded length including NUL. */
size_t util_b64_enc_len(size_t n);
size_t util_b64_encode(const void *in, size_t n, char *out);
/* Strict decode: rejects whitespace and bad padding; -1 or length. */
long util_b64_decode(const char *in, size_t n, void *out, size_t outcap);

void util_hex(const void *in, size_t n, char *out /* 2n+1 */);

/* 1 if equal, in time that depends only on n. */
int util_memeq(const void *a, const void *b, size_t n);
/* Overwrite memory in a way the compiler keeps. */
void util_wipe(void *p, size_t n);

/* Seconds since the epoch. */
int64_t util_time(void);

#endif
