/*
 * util: randomness from getrandom(2), strict base64, hex, constant-time
 * comparison and wiping (OpenSSL's, which the compiler cannot elide).
 */
#include "core/util.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/log.h"

void
util_random(void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n > 0) {
		r = getrandom(c, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatal("event=getrandom_failed");
		}
		c += r;
		n -= (size_t)r;
	}
}

void
util_random_id(char *out, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
	                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[64];
	size_t i = 0, j;

	while (i < n) {
		util_random(r, sizeof(r));
		/* 248 = 4 * 62: reject the top values to stay unbiased. */
		for (j = 0; j < sizeof(r) && i < n; j++)
			if (r[j] < 248)
				out[i++] = set[r[j] % 62];
	}
	out[n] = '\0';
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
util_b64_enc_len(size_t n)
{
	return (n + 2) / 3 * 4 + 1;
}

size_t
util_b64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *s = in;
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)s[i] << 16;
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
util_b64_decode(const char *in, size_t n, void *out, size_t outcap)
{
	unsigned char *o = out;
	size_t i, len = 0;
	int v[4], pad, k;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64_val(in[i + k])) < 0)
				return -1;
		}
		/* Non-canonical trailing bits are refused. */
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
			return -1;
		if (len + (size_t)(3 - pad) > outcap)
			return -1;
		o[len++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			o[len++] =
			    (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			o[len++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return (long)len;
}

void
util_hex(const void *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *s = in;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[s[i] >> 4];
		out[2 * i + 1] = hx[s[i] & 15];
	}
	out[2 * n] = '\0';
}

int
util_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
util_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

int64_t
util_time(void)
{
	return (int64_t)time(NULL);
}
