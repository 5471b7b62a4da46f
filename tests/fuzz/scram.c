/*
 * Fuzz target for src/xmpp/scram.c: one server exchange per input.
 *
 * Input: one control byte, then client-first-message, a NUL byte, and
 * client-final-message (the part after the NUL may be absent). The
 * control byte picks the hash (bits 0-1, modulo 3), -PLUS (bit 2),
 * whether -PLUS was offered (bit 3) and an unknown account (bit 4). The
 * verifiers are fixed (password "pencil", the salts of RFC 5802 and RFC
 * 7677) and so is the server nonce, so a well-formed input can reach a
 * successful exchange and every run is reproducible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/buf.h"
#include "xmpp/scram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const nonces[SCRAM_NHASH] = {
    "3rfcNHYJY1ZVvWVs7j",
    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "Kq3cvXm0lR8bT2sWzY9pNd4e",
};
static const char *const salts[SCRAM_NHASH] = {
    "\x41\x25\xc2\x47\xe4\x3a\xb1\xe9\x3c\x6d\xff\x76",
    "\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81",
    "lethe-fuzz-salt!",
};
static const size_t salt_lens[SCRAM_NHASH] = {12, 16, 16};
static const unsigned char exporter[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char endpoint[32] = "fedcba9876543210fedcba9876543210";
static const unsigned char fake_key[32] = "fuzz fake key fuzz fake key ....";

static struct scram_cred creds[SCRAM_NHASH];

static void
init(void)
{
	static const EVP_MD *(*const mds[SCRAM_NHASH])(void) = {
	    EVP_sha1, EVP_sha256, EVP_sha512};
	unsigned char salted[64], ck[64];
	unsigned int l;
	int h, hl;

	for (h = 0; h < SCRAM_NHASH; h++) {
		struct scram_cred *c = &creds[h];
		const EVP_MD *md = mds[h]();

		hl = EVP_MD_get_size(md);
		c->hash = (enum scram_hash)h;
		c->iter = 4096;
		c->salt_len = salt_lens[h];
		memcpy(c->salt, salts[h], c->salt_len);
		if (PKCS5_PBKDF2_HMAC("pencil", 6, c->salt, (int)c->salt_len,
		        4096, md, hl, salted) != 1)
			abort();
		HMAC(md, salted, hl, (const unsigned char *)"Client Key", 10,
		    ck, &l);
		EVP_Digest(ck, (size_t)hl, c->stored_key, &l, md, NULL);
		HMAC(md, salted, hl, (const unsigned char *)"Server Key", 10,
		    c->server_key, &l);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct scram_cb cb = {
	    exporter, sizeof(exporter), endpoint, sizeof(endpoint), 0};
	struct scram_server *s;
	struct buf out = BUF_INIT;
	unsigned char ck[SCRAM_MAX_KEY];
	const char *first, *final = NULL, *nul;
	size_t first_len, final_len = 0;
	enum scram_hash h;
	enum scram_status st;
	unsigned ctl;

	if (!ready) {
		init();
		ready = 1;
	}
	if (size < 1)
		return 0;
	ctl = data[0];
	h = (enum scram_hash)((ctl & 3) % SCRAM_NHASH);
	cb.plus_offered = (ctl >> 3) & 1;
	first = (const char *)data + 1;
	first_len = size - 1;
	if ((nul = memchr(first, '\0', first_len)) != NULL) {
		final = nul + 1;
		final_len = first_len - (size_t)(final - first);
		first_len = (size_t)(nul - first);
	}

	if ((s = scram_server_new(h, (ctl >> 2) & 1, &cb)) == NULL)
		abort();
	if (scram_server_set_nonce(s, nonces[h], strlen(nonces[h])) != 0)
		abort();
	if (scram_server_first(s, first, first_len) != SCRAM_OK)
		goto out;
	if (scram_server_user(s) == NULL || scram_server_user(s)[0] == '\0')
		abort();
	if (scram_server_challenge(s, (ctl >> 4) & 1 ? NULL : &creds[h],
	        fake_key, sizeof(fake_key), 4096, &out) != SCRAM_OK)
		goto out;
	if (final == NULL)
		goto out;
	buf_free(&out);
	st = scram_server_final(s, final, final_len, &out, ck);
	/* Success only with a real account, and always with a signature. */
	if (st == SCRAM_OK &&
	    (((ctl >> 4) & 1) || buf_size(&out) < 3 ||
	        memcmp(buf_ptr(&out), "v=", 2) != 0))
		abort();
	if (st != SCRAM_OK && buf_size(&out) != 0)
		abort();
out:
	buf_free(&out);
	scram_server_free(s);
	return 0;
}
