/*
 * Tests for src/xmpp/scram.c: the published exchanges of RFC 5802 §5
 * (SHA-1) and RFC 7677 §3 (SHA-256) replayed byte for byte, a SHA-512
 * round trip against an independent client written here with OpenSSL
 * directly, channel binding and downgrade detection, strict parsing, and
 * the fake challenge for unknown accounts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/buf.h"
#include "xmpp/scram.h"

/* --- an independent client ---------------------------------------------- */

static const EVP_MD *
md(enum scram_hash h)
{
	return h == SCRAM_SHA1  ? EVP_sha1()
	    : h == SCRAM_SHA256 ? EVP_sha256()
	                        : EVP_sha512();
}

static size_t
b64enc(const unsigned char *in, size_t n, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static size_t
b64dec(const char *in, size_t n, unsigned char *out)
{
	int l = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);

	assert_true(l >= 0);
	while (n > 0 && in[n - 1] == '=') {
		n--;
		l--;
	}
	return (size_t)l;
}

/* Verifiers computed here, with a chosen salt, for the RFC vectors. */
static void
test_cred(enum scram_hash h, const char *password, const char *salt64,
    unsigned iter, struct scram_cred *c)
{
	unsigned char salted[64], ck[64];
	unsigned int l;
	size_t hl = (size_t)EVP_MD_get_size(md(h));

	memset(c, 0, sizeof(*c));
	c->hash = h;
	c->iter = iter;
	c->salt_len = b64dec(salt64, strlen(salt64), c->salt);
	assert_int_equal(
	    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), c->salt,
	        (int)c->salt_len, (int)iter, md(h), (int)hl, salted),
	    1);
	HMAC(md(h), salted, (int)hl, (const unsigned char *)"Client Key", 10,
	    ck, &l);
	EVP_Digest(ck, hl, c->stored_key, &l, md(h), NULL);
	HMAC(md(h), salted, (int)hl, (const unsigned char *)"Server Key", 10,
	    c->server_key, &l);
}

struct client {
	enum scram_hash h;
	const char *password;
	char first_bare[512];
	const char *gs2; /* "n,," etc. */
	const unsigned char *cb; /* channel-binding data or NULL */
	size_t cblen;
	char final[2048]; /* client-final-message */
	unsigned char client_key[64];
	char v[128]; /* expected server-final-message */
};

/* Computes client-final from server-first, as a client would. */
static void
client_final(struct client *c, const char *server_first, size_t sflen)
{
	unsigned char salt[128], salted[64], sk[64], sig[64], proof[64];
	unsigned char cbin[256], serverkey[64], ssig[64];
	char nonce[256], salt64[256], am[2048], wo[1024], p64[128], c64[512];
	char tmp[512];
	unsigned iter = 0;
	unsigned int l;
	size_t hl = (size_t)EVP_MD_get_size(md(c->h)), i, saltlen, cbl;
	const char *s, *e;

	assert_true(sflen < sizeof(tmp));
	memcpy(tmp, server_first, sflen);
	tmp[sflen] = '\0';
	assert_memory_equal(tmp, "r=", 2);
	s = tmp + 2;
	e = strchr(s, ',');
	assert_non_null(e);
	snprintf(nonce, sizeof(nonce), "%.*s", (int)(e - s), s);
	assert_memory_equal(e, ",s=", 3);
	s = e + 3;
	e = strchr(s, ',');
	assert_non_null(e);
	snprintf(salt64, sizeof(salt64), "%.*s", (int)(e - s), s);
	assert_int_equal(sscanf(e, ",i=%u", &iter), 1);
	saltlen = b64dec(salt64, strlen(salt64), salt);

	cbl = strlen(c->gs2);
	memcpy(cbin, c->gs2, cbl);
	if (c->cb != NULL) {
		memcpy(cbin + cbl, c->cb, c->cblen);
		cbl += c->cblen;
	}
	b64enc(cbin, cbl, c64);
	snprintf(wo, sizeof(wo), "c=%s,r=%s", c64, nonce);
	snprintf(am, sizeof(am), "%s,%s,%s", c->first_bare, tmp, wo);

	assert_int_equal(
	    PKCS5_PBKDF2_HMAC(c->password, (int)strlen(c->password), salt,
	        (int)saltlen, (int)iter, md(c->h), (int)hl, salted),
	    1);
	HMAC(md(c->h), salted, (int)hl, (const unsigned char *)"Client Key", 10,
	    c->client_key, &l);
	EVP_Digest(c->client_key, hl, sk, &l, md(c->h), NULL);
	HMAC(md(c->h), sk, (int)hl, (unsigned char *)am, strlen(am), sig, &l);
	for (i = 0; i < hl; i++)
		proof[i] = c->client_key[i] ^ sig[i];
	b64enc(proof, hl, p64);
	snprintf(c->final, sizeof(c->final), "%s,p=%s", wo, p64);

	HMAC(md(c->h), salted, (int)hl, (const unsigned char *)"Server Key", 10,
	    serverkey, &l);
	HMAC(md(c->h), serverkey, (int)hl, (unsigned char *)am, strlen(am),
	    ssig, &l);
	strcpy(c->v, "v=");
	b64enc(ssig, hl, c->v + 2);
}

/* --- helpers ------------------------------------------------------------ */

static const unsigned char fake_key[32] = "0123456789abcdef0123456789abcdef";

static enum scram_status
first(struct scram_server *s, const char *msg)
{
	return scram_server_first(s, msg, strlen(msg));
}

static enum scram_status
final(
    struct scram_server *s, const char *msg, struct buf *out, unsigned char *ck)
{
	return scram_server_final(s, msg, strlen(msg), out, ck);
}

/*
 * Runs a whole exchange: client-first = gs2 + bare; the client answers
 * the challenge with c->password. Returns the status of the final step.
 */
static enum scram_status
exchange(struct client *c, int plus, const struct scram_cb *cb,
    const struct scram_cred *cred, unsigned char *ck)
{
	struct scram_server *s;
	struct buf out = BUF_INIT, fin = BUF_INIT;
	char msg[600];
	enum scram_status st;

	s = scram_server_new(c->h, plus, cb);
	assert_non_null(s);
	snprintf(msg, sizeof(msg), "%s%s", c->gs2, c->first_bare);
	assert_int_equal(first(s, msg), SCRAM_OK);
	assert_int_equal(scram_server_challenge(
	                     s, cred, fake_key, sizeof(fake_key), 4096, &out),
	    SCRAM_OK);
	client_final(c, buf_ptr(&out), buf_size(&out));
	st = final(s, c->final, &fin, ck);
	if (st == SCRAM_OK) {
		assert_int_equal(buf_size(&fin), strlen(c->v));
		assert_memory_equal(buf_ptr(&fin), c->v, strlen(c->v));
	} else
		assert_int_equal(buf_size(&fin), 0);
	buf_free(&out);
	buf_free(&fin);
	scram_server_free(s);
	return st;
}

/* --- tests -------------------------------------------------------------- */

static void
test_mech_names(void **state)
{
	enum scram_hash h;
	int plus;

	assert_string_equal(scram_mech_name(SCRAM_SHA1, 0), "SCRAM-SHA-1");
	assert_string_equal(
	    scram_mech_name(SCRAM_SHA512, 1), "SCRAM-SHA-512-PLUS");
	assert_int_equal(scram_mech_parse("SCRAM-SHA-256-PLUS", &h, &plus), 0);
	assert_int_equal(h, SCRAM_SHA256);
	assert_int_equal(plus, 1);
	assert_int_equal(scram_mech_parse("SCRAM-SHA-1", &h, &plus), 0);
	assert_int_equal(h, SCRAM_SHA1);
	assert_int_equal(plus, 0);
	assert_int_equal(scram_mech_parse("scram-sha-1", &h, &plus), -1);
	assert_int_equal(scram_mech_parse("SCRAM-SHA-384", &h, &plus), -1);
	assert_int_equal(scram_mech_parse("PLAIN", &h, &plus), -1);
	assert_int_equal(scram_hash_len(SCRAM_SHA1), 20);
	assert_int_equal(scram_hash_len(SCRAM_SHA256), 32);
	assert_int_equal(scram_hash_len(SCRAM_SHA512), 64);
}

/* Replays a published exchange; the server nonce is fixed by the hook. */
static void
replay(enum scram_hash h, const char *salt64, const char *snonce,
    const char *cfirst, const char *sfirst, const char *cfinal,
    const char *sfinal)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf out = BUF_INIT;
	unsigned char ck[64], ck2[64];

	test_cred(h, "pencil", salt64, 4096, &cred);
	s = scram_server_new(h, 0, NULL);
	assert_non_null(s);
	assert_int_equal(scram_server_set_nonce(s, snonce, strlen(snonce)), 0);
	assert_int_equal(first(s, cfirst), SCRAM_OK);
	assert_string_equal(scram_server_user(s), "user");
	assert_null(scram_server_authzid(s));
	assert_int_equal(scram_server_challenge(
	                     s, &cred, fake_key, sizeof(fake_key), 4096, &out),
	    SCRAM_OK);
	assert_int_equal(buf_size(&out), strlen(sfirst));
	assert_memory_equal(buf_ptr(&out), sfirst, strlen(sfirst));
	buf_free(&out);
	assert_int_equal(final(s, cfinal, &out, ck), SCRAM_OK);
	assert_int_equal(buf_size(&out), strlen(sfinal));
	assert_memory_equal(buf_ptr(&out), sfinal, strlen(sfinal));
	buf_free(&out);
	scram_server_free(s);

	/* PLAIN with the same password recovers the same ClientKey. */
	assert_int_equal(scram_check_password(&cred, "pencil", 6, ck2), 1);
	assert_memory_equal(ck, ck2, scram_hash_len(h));
	assert_int_equal(scram_check_password(&cred, "pencil!", 7, ck2), 0);
}

static void
test_rfc5802_sha1(void **state)
{
	replay(SCRAM_SHA1, "QSXCR+Q6sek8bf92", "3rfcNHYJY1ZVvWVs7j",
	    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096",
	    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

static void
test_rfc7677_sha256(void **state)
{
	replay(SCRAM_SHA256,
	    "W22ZaJ0SNY7soEsUEjb6gQ==", "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
	    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

/* XEP-0474 values, computed independently (Python hashlib) from the
 * sorted lists joined by 0x1E, with 0x1F before the binding types. */
static void
test_ssdp_value(void **state)
{
	const char *mechs[] = {
	    "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"};
	const char *cbs[] = {"tls-server-end-point", "tls-exporter"};
	const char *bad[] = {"SCRAM\x1eSHA-1"};
	char v[96];

	assert_int_equal(
	    scram_ssdp_value(SCRAM_SHA256, mechs, 4, cbs, 2, v, sizeof(v)), 0);
	assert_string_equal(v, "n1xb5ywFwgC0CeBi3yOR59+yoM7x2+FqqjQJOg7bmtA=");
	/* Without channel binding: the names alone, no 0x1F. */
	assert_int_equal(
	    scram_ssdp_value(SCRAM_SHA1, mechs, 4, NULL, 0, v, sizeof(v)), 0);
	assert_string_equal(v, "zTEfLjxJvGRDurzXdA4LIhJRAeM=");
	assert_int_equal(
	    scram_ssdp_value(SCRAM_SHA1, bad, 1, NULL, 0, v, sizeof(v)), -1);
	assert_int_equal(
	    scram_ssdp_value(SCRAM_SHA512, mechs, 4, NULL, 0, v, 20), -1);
}

/* The value rides in server-first-message, so it is in AuthMessage. */
static void
test_ssdp_in_server_first(void **state)
{
	struct scram_cb cb = {0};
	struct scram_server *s = scram_server_new(SCRAM_SHA256, 0, &cb);
	struct buf out = BUF_INIT;
	unsigned char key[32] = {0};
	const char *sf;

	assert_non_null(s);
	assert_int_equal(scram_server_set_ssdp(s, "a,b"), -1);
	assert_int_equal(scram_server_set_ssdp(s, "QUJD"), 0);
	assert_int_equal(scram_server_set_nonce(s, "SNONCE", 6), 0);
	assert_int_equal(
	    scram_server_first(s, "n,,n=user,r=CNONCE", 18), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, NULL, key, sizeof(key), 4096, &out),
	    SCRAM_OK);
	assert_int_equal(buf_append(&out, "", 1), 0);
	sf = buf_ptr(&out);
	assert_non_null(strstr(sf, "r=CNONCESNONCE,s="));
	assert_non_null(strstr(sf, ",i=4096,h=QUJD"));
	assert_int_equal(scram_server_set_ssdp(s, "QUJD"), -1);
	buf_free(&out);
	scram_server_free(s);
}

static void
test_sha512_roundtrip(void **state)
{
	struct scram_cred cred;
	struct client c = {.h = SCRAM_SHA512,
	    .password = "correct horse",
	    .gs2 = "n,,",
	    .first_bare = "n=al=2Cice,r=q3Zk9vX0aBcD"};
	unsigned char ck[64], ck2[64];

	assert_int_equal(
	    scram_make_cred(SCRAM_SHA512, "correct horse", 13, 4096, &cred), 0);
	assert_int_equal(cred.hash, SCRAM_SHA512);
	assert_int_equal(cred.iter, 4096);
	assert_int_equal(cred.salt_len, 16);
	assert_int_equal(exchange(&c, 0, NULL, &cred, ck), SCRAM_OK);
	assert_memory_equal(ck, c.client_key, 64);
	assert_int_equal(
	    scram_check_password(&cred, "correct horse", 13, ck2), 1);
	assert_memory_equal(ck2, ck, 64);

	c.password = "correct horsf";
	assert_int_equal(exchange(&c, 0, NULL, &cred, NULL), SCRAM_FAIL);
}

static void
test_make_cred(void **state)
{
	struct scram_cred a, b;

	assert_int_equal(scram_make_cred(SCRAM_SHA256, "pw", 2, 4096, &a), 0);
	assert_int_equal(scram_make_cred(SCRAM_SHA256, "pw", 2, 4096, &b), 0);
	/* Fresh salts, so equal passwords give unrelated verifiers. */
	assert_memory_not_equal(a.salt, b.salt, 16);
	assert_memory_not_equal(a.stored_key, b.stored_key, 32);
	assert_int_equal(scram_check_password(&a, "pw", 2, NULL), 1);
	assert_int_equal(scram_check_password(&b, "pw", 2, NULL), 1);
	assert_int_equal(scram_check_password(&a, "pW", 2, NULL), 0);
	assert_int_equal(scram_check_password(&a, "pw", 1, NULL), 0);
	assert_int_equal(scram_make_cred(SCRAM_SHA256, "pw", 2, 0, &a), -1);
	assert_int_equal(scram_make_cred(SCRAM_SHA256, "", 0, 4096, &a), -1);
	assert_int_equal(scram_make_cred(SCRAM_NHASH, "pw", 2, 4096, &a), -1);
}

static void
test_wrong_proof(void **state)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf out = BUF_INIT;
	struct client c = {.h = SCRAM_SHA256,
	    .password = "pencil",
	    .gs2 = "n,,",
	    .first_bare = "n=user,r=abcdefgh"};
	char *p;

	test_cred(
	    SCRAM_SHA256, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096, &cred);
	s = scram_server_new(SCRAM_SHA256, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abcdefgh"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_OK);
	client_final(&c, buf_ptr(&out), buf_size(&out));
	buf_free(&out);
	/* Flip one base64 digit of the proof. */
	p = strstr(c.final, ",p=") + 3;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(final(s, c.final, &out, NULL), SCRAM_FAIL);
	assert_int_equal(buf_size(&out), 0);
	scram_server_free(s);
}

static void
test_wrong_nonce(void **state)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf out = BUF_INIT;
	struct client c = {.h = SCRAM_SHA1,
	    .password = "pencil",
	    .gs2 = "n,,",
	    .first_bare = "n=user,r=abcdefgh"};
	char *p;

	test_cred(SCRAM_SHA1, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abcdefgh"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_OK);
	client_final(&c, buf_ptr(&out), buf_size(&out));
	buf_free(&out);
	/* Change the last character of the server's part of the nonce. */
	p = strstr(c.final, ",p=") - 1;
	*p = *p == 'x' ? 'y' : 'x';
	assert_int_equal(final(s, c.final, &out, NULL), SCRAM_FAIL);
	scram_server_free(s);

	/* A nonce that is only the client's part. */
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abcdefgh"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_OK);
	buf_free(&out);
	assert_int_equal(
	    final(s, "c=biws,r=abcdefgh,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", &out,
	        NULL),
	    SCRAM_FAIL);
	scram_server_free(s);
}

static void
test_server_nonce_random(void **state)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *sfx;

	test_cred(SCRAM_SHA1, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, NULL, 0, 0, &a), SCRAM_OK);
	scram_server_free(s);
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, NULL, 0, 0, &b), SCRAM_OK);
	scram_server_free(s);
	/* "r=abc" + 32 characters (24 random bytes) + ",s=..." */
	sfx = memchr(buf_ptr(&a), ',', buf_size(&a));
	assert_int_equal(sfx - buf_ptr(&a), 2 + 3 + 32);
	assert_memory_not_equal(buf_ptr(&a), buf_ptr(&b), 2 + 3 + 32);
	buf_free(&a);
	buf_free(&b);
}

static const unsigned char exporter[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31, 32};
static const unsigned char endpoint[32] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1,
    0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd,
    0xbe, 0xbf};

static void
test_channel_binding(void **state)
{
	struct scram_cb cb = {
	    exporter, sizeof(exporter), endpoint, sizeof(endpoint), 1};
	struct scram_cred cred;
	struct client c = {.h = SCRAM_SHA256,
	    .password = "pencil",
	    .first_bare = "n=user,r=nonce1234"};
	unsigned char other[32];

	assert_int_equal(
	    scram_make_cred(SCRAM_SHA256, "pencil", 6, 4096, &cred), 0);

	c.gs2 = "p=tls-exporter,,";
	c.cb = exporter;
	c.cblen = sizeof(exporter);
	assert_int_equal(exchange(&c, 1, &cb, &cred, NULL), SCRAM_OK);

	c.gs2 = "p=tls-server-end-point,,";
	c.cb = endpoint;
	c.cblen = sizeof(endpoint);
	assert_int_equal(exchange(&c, 1, &cb, &cred, NULL), SCRAM_OK);

	/* With an authzid in the gs2 header, which c= must repeat. */
	c.gs2 = "p=tls-exporter,a=user,";
	c.cb = exporter;
	c.cblen = sizeof(exporter);
	assert_int_equal(exchange(&c, 1, &cb, &cred, NULL), SCRAM_OK);

	/* The client saw a different TLS session (a man in the middle). */
	memcpy(other, exporter, sizeof(other));
	other[31] ^= 1;
	c.gs2 = "p=tls-exporter,,";
	c.cb = other;
	assert_int_equal(exchange(&c, 1, &cb, &cred, NULL), SCRAM_BAD_CB);

	/* The client claims one binding type but sends another's data. */
	c.gs2 = "p=tls-server-end-point,,";
	c.cb = exporter;
	assert_int_equal(exchange(&c, 1, &cb, &cred, NULL), SCRAM_BAD_CB);

	/* Binding data left out of c=. */
	c.gs2 = "p=tls-exporter,,";
	c.cb = NULL;
	c.cblen = 0;
	assert_int_equal(exchange(&c, 1, &cb, &cred, NULL), SCRAM_BAD_CB);
}

static void
test_channel_binding_first(void **state)
{
	struct scram_cb cb = {
	    exporter, sizeof(exporter), endpoint, sizeof(endpoint), 1};
	struct scram_cb no_ep = {exporter, sizeof(exporter), NULL, 0, 1};
	struct scram_server *s;

	/* Unknown binding type. */
	s = scram_server_new(SCRAM_SHA256, 1, &cb);
	assert_int_equal(first(s, "p=tls-unique,,n=user,r=abc"), SCRAM_BAD_CB);
	scram_server_free(s);
	/* A type the TLS layer could not provide on this connection. */
	s = scram_server_new(SCRAM_SHA256, 1, &no_ep);
	assert_int_equal(
	    first(s, "p=tls-server-end-point,,n=user,r=abc"), SCRAM_BAD_CB);
	scram_server_free(s);
	/* -PLUS with "n" or "y". */
	s = scram_server_new(SCRAM_SHA256, 1, &cb);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_BAD_CB);
	scram_server_free(s);
	s = scram_server_new(SCRAM_SHA256, 1, &cb);
	assert_int_equal(first(s, "y,,n=user,r=abc"), SCRAM_BAD_CB);
	scram_server_free(s);
	/* "p=" with a mechanism that is not -PLUS. */
	s = scram_server_new(SCRAM_SHA256, 0, &cb);
	assert_int_equal(
	    first(s, "p=tls-exporter,,n=user,r=abc"), SCRAM_BAD_CB);
	scram_server_free(s);
}

static void
test_downgrade(void **state)
{
	struct scram_cb offered = {exporter, sizeof(exporter), NULL, 0, 1};
	struct scram_cb not_offered = {NULL, 0, NULL, 0, 0};
	struct scram_cred cred;
	struct scram_server *s;
	struct client c = {.h = SCRAM_SHA1,
	    .password = "pencil",
	    .gs2 = "y,,",
	    .first_bare = "n=user,r=abc"};

	/* We offered -PLUS, the client says it could bind but saw none. */
	s = scram_server_new(SCRAM_SHA1, 0, &offered);
	assert_int_equal(first(s, "y,,n=user,r=abc"), SCRAM_BAD_CB);
	/* The exchange is over: nothing else is accepted. */
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_MALFORMED);
	scram_server_free(s);

	/* Without -PLUS on offer "y" is honest, and c= must say "y,,". */
	test_cred(SCRAM_SHA1, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	assert_int_equal(exchange(&c, 0, &not_offered, &cred, NULL), SCRAM_OK);

	/* "n" is fine whether or not -PLUS was offered. */
	c.gs2 = "n,,";
	assert_int_equal(exchange(&c, 0, &offered, &cred, NULL), SCRAM_OK);
}

/* c= must repeat the gs2 header of client-first exactly. */
static void
test_gs2_mismatch(void **state)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf out = BUF_INIT;
	struct client c = {.h = SCRAM_SHA1,
	    .password = "pencil",
	    .gs2 = "y,,",
	    .first_bare = "n=user,r=abc"};

	test_cred(SCRAM_SHA1, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_OK);
	client_final(&c, buf_ptr(&out), buf_size(&out)); /* c=eSws */
	buf_free(&out);
	assert_int_equal(final(s, c.final, &out, NULL), SCRAM_BAD_CB);
	scram_server_free(s);
}

static void
test_first_parsing(void **state)
{
	static const char *const bad[] = {
	    "",
	    "n",
	    "n,,",
	    "x,,n=user,r=abc",
	    "N,,n=user,r=abc",
	    "n,n=user,r=abc",
	    "n,,r=abc",
	    "n,,n=user",
	    "n,,n=user,",
	    "n,,n=,r=abc",
	    "n,,n=user,r=",
	    "n,,n=user,r=ab c",
	    "n,,n=user,r=ab\x7f",
	    "n,,n=user,r=abc,",
	    "n,,n=user,r=abc,m=ext",
	    "n,,m=ext,n=user,r=abc",
	    "n,,n=user,x=1,r=abc",
	    "n,,r=abc,n=user",
	    "n,,n=us=41er,r=abc",
	    "n,,n=us=2c,r=abc",
	    "n,,n=user=,r=abc",
	    "n,,n=user=2,r=abc",
	    "n,,n=\xc0\xaf,r=abc",
	    "n,,n=\xed\xa0\x80,r=abc",
	    "n,,n=\xff,r=abc",
	    "n,x=y,n=user,r=abc",
	    "n,a=,n=user,r=abc",
	    "n,a=b=,n=user,r=abc",
	    "p=,,n=user,r=abc",
	    "p=tls exporter,,n=user,r=abc",
	    "n,,n=user,r=abc,1=x",
	    "n,,n=user,r=abc,xy=1",
	    "n,,n=user,r=abc,x=",
	    ",,n=user,r=abc",
	};
	struct scram_server *s;
	size_t i;
	char big[SCRAM_MSG_MAX + 2];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = scram_server_new(SCRAM_SHA256, 0, NULL);
		if (first(s, bad[i]) != SCRAM_MALFORMED)
			fail_msg("accepted client-first \"%s\"", bad[i]);
		scram_server_free(s);
	}

	/* An embedded NUL. */
	s = scram_server_new(SCRAM_SHA256, 0, NULL);
	assert_int_equal(
	    scram_server_first(s, "n,,n=us\0er,r=abc", 16), SCRAM_MALFORMED);
	scram_server_free(s);

	/* One byte over the ceiling, with an otherwise valid nonce. */
	memcpy(big, "n,,n=user,r=", 12);
	memset(big + 12, 'x', sizeof(big) - 12);
	s = scram_server_new(SCRAM_SHA256, 0, NULL);
	assert_int_equal(
	    scram_server_first(s, big, SCRAM_MSG_MAX + 1), SCRAM_MALFORMED);
	scram_server_free(s);
	s = scram_server_new(SCRAM_SHA256, 0, NULL);
	assert_int_equal(scram_server_first(s, big, SCRAM_MSG_MAX), SCRAM_OK);
	scram_server_free(s);

	/* Escapes decode; an authzid and optional extensions are fine. */
	s = scram_server_new(SCRAM_SHA256, 0, NULL);
	assert_int_equal(
	    first(s, "n,a=b=3Dc=2Cd,n=a=2Cb=3Dc\xc3\xa9,r=abc,x=1"), SCRAM_OK);
	assert_string_equal(scram_server_user(s), "a,b=c\xc3\xa9");
	assert_string_equal(scram_server_authzid(s), "b=c,d");
	scram_server_free(s);
}

/* Drives a fresh exchange to the final step and feeds it msg. */
static enum scram_status
final_of(const char *msg, size_t n)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf out = BUF_INIT;
	enum scram_status st;

	test_cred(SCRAM_SHA1, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(
	    scram_server_set_nonce(s, "3rfcNHYJY1ZVvWVs7j", 18), 0);
	assert_int_equal(
	    first(s, "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_OK);
	buf_free(&out);
	st = scram_server_final(s, msg, n, &out, NULL);
	assert_int_equal(buf_size(&out), st == SCRAM_OK ? 30 : 0);
	buf_free(&out);
	scram_server_free(s);
	return st;
}

#define NONCE "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"
#define PROOF "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="

static void
test_final_parsing(void **state)
{
	static const char *const bad[] = {
	    "",
	    "c=biws",
	    "c=biws," NONCE,
	    NONCE ",c=biws," PROOF,
	    "c=biws," PROOF,
	    "c=biws," NONCE "," PROOF ",",
	    "c=biws," NONCE "," PROOF ",x=1",
	    "c=biw," NONCE "," PROOF,
	    "c=bi*s," NONCE "," PROOF,
	    "c=biws," NONCE ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4T=",
	    "c=biws," NONCE ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts",
	    "c=biws," NONCE ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4TsA",
	    "c=biws," NONCE ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4TsAAAA=",
	    "c=biws," NONCE ",p=",
	    "c=biws," NONCE ",m=1," PROOF,
	    "c=biws," NONCE ",," PROOF,
	    "c=biws,r=," PROOF,
	    "c=biws,r=a b," PROOF,
	    "c=," NONCE "," PROOF,
	};
	const char *good = "c=biws," NONCE "," PROOF;
	char big[SCRAM_MSG_MAX + 1];
	size_t i, n;

	assert_int_equal(final_of(good, strlen(good)), SCRAM_OK);
	/* An optional extension between nonce and proof is tolerated, but
	 * it is part of AuthMessage, so this proof no longer fits. */
	assert_int_equal(final_of("c=biws," NONCE ",x=1," PROOF,
	                     strlen("c=biws," NONCE ",x=1," PROOF)),
	    SCRAM_FAIL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (final_of(bad[i], strlen(bad[i])) != SCRAM_MALFORMED)
			fail_msg("accepted client-final \"%s\"", bad[i]);
	/* c= that decodes, but to another header. */
	assert_int_equal(final_of("c=eSws," NONCE "," PROOF,
	                     strlen("c=eSws," NONCE "," PROOF)),
	    SCRAM_BAD_CB);
	/* Embedded NUL. */
	assert_int_equal(
	    final_of("c=biws,\0" NONCE "," PROOF, strlen(good) + 1),
	    SCRAM_MALFORMED);
	/* Oversize: a long optional extension pushes it past the limit. */
	n = (size_t)snprintf(big, sizeof(big), "c=biws,%s,x=", NONCE);
	memset(big + n, 'a', sizeof(big) - n);
	memcpy(big + sizeof(big) - strlen(PROOF) - 1, "," PROOF,
	    strlen(PROOF) + 1);
	assert_int_equal(final_of(big, sizeof(big)), SCRAM_MALFORMED);
}

static void
test_state_machine(void **state)
{
	struct scram_cred cred;
	struct scram_server *s;
	struct buf out = BUF_INIT;

	test_cred(SCRAM_SHA1, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	/* Final before the challenge. */
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_OK);
	assert_int_equal(
	    final(s, "c=biws,r=abc," PROOF, &out, NULL), SCRAM_MALFORMED);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_FAIL);
	scram_server_free(s);
	/* A second client-first. */
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_OK);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_MALFORMED);
	scram_server_free(s);
	/* A verifier for another hash. */
	test_cred(SCRAM_SHA256, "pencil", "QSXCR+Q6sek8bf92", 4096, &cred);
	s = scram_server_new(SCRAM_SHA1, 0, NULL);
	assert_int_equal(first(s, "n,,n=user,r=abc"), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, &cred, fake_key, 32, 4096, &out),
	    SCRAM_FAIL);
	assert_int_equal(buf_size(&out), 0);
	scram_server_free(s);
	scram_server_free(NULL);
}

/* The challenge for an unknown account, as salt and iteration count. */
static void
fake_challenge(enum scram_hash h, const char *user, const unsigned char *key,
    char *out, size_t cap)
{
	struct scram_server *s;
	struct buf b = BUF_INIT;
	char msg[128];
	const char *salt;

	s = scram_server_new(h, 0, NULL);
	snprintf(msg, sizeof(msg), "n,,n=%s,r=abc", user);
	assert_int_equal(first(s, msg), SCRAM_OK);
	assert_int_equal(
	    scram_server_challenge(s, NULL, key, 32, 12345, &b), SCRAM_OK);
	salt = memchr(buf_ptr(&b), ',', buf_size(&b));
	assert_non_null(salt);
	assert_true(buf_size(&b) - (size_t)(salt - buf_ptr(&b)) < cap);
	snprintf(out, cap, "%.*s",
	    (int)(buf_size(&b) - (size_t)(salt - buf_ptr(&b))), salt);
	buf_free(&b);
	scram_server_free(s);
}

static void
test_unknown_account(void **state)
{
	static const unsigned char key2[32] = "another key, another server....";
	char a[128], b[128];
	unsigned char salt[64];
	struct client c = {.h = SCRAM_SHA256,
	    .password = "anything",
	    .gs2 = "n,,",
	    .first_bare = "n=nobody,r=abc"};
	unsigned char ck[32];

	fake_challenge(SCRAM_SHA256, "nobody", fake_key, a, sizeof(a));
	fake_challenge(SCRAM_SHA256, "nobody", fake_key, b, sizeof(b));
	assert_string_equal(a, b);
	/* Looks like a real challenge: 16-byte salt, configured count. */
	assert_memory_equal(a, ",s=", 3);
	assert_non_null(strstr(a, ",i=12345"));
	assert_int_equal(
	    b64dec(a + 3, (size_t)(strstr(a, ",i=") - a - 3), salt), 16);
	fake_challenge(SCRAM_SHA256, "nobody2", fake_key, b, sizeof(b));
	assert_string_not_equal(a, b);
	fake_challenge(SCRAM_SHA256, "nobody", key2, b, sizeof(b));
	assert_string_not_equal(a, b);
	fake_challenge(SCRAM_SHA1, "nobody", fake_key, b, sizeof(b));
	assert_string_not_equal(a, b);

	/* Whatever the client answers, the exchange fails at the proof. */
	memset(ck, 0x55, sizeof(ck));
	assert_int_equal(exchange(&c, 0, NULL, NULL, ck), SCRAM_FAIL);
	for (size_t i = 0; i < sizeof(ck); i++)
		assert_int_equal(ck[i], 0x55);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mech_names),
	    cmocka_unit_test(test_rfc5802_sha1),
	    cmocka_unit_test(test_rfc7677_sha256),
	    cmocka_unit_test(test_ssdp_value),
	    cmocka_unit_test(test_ssdp_in_server_first),
	    cmocka_unit_test(test_sha512_roundtrip),
	    cmocka_unit_test(test_make_cred),
	    cmocka_unit_test(test_wrong_proof),
	    cmocka_unit_test(test_wrong_nonce),
	    cmocka_unit_test(test_server_nonce_random),
	    cmocka_unit_test(test_channel_binding),
	    cmocka_unit_test(test_channel_binding_first),
	    cmocka_unit_test(test_downgrade),
	    cmocka_unit_test(test_gs2_mismatch),
	    cmocka_unit_test(test_first_parsing),
	    cmocka_unit_test(test_final_parsing),
	    cmocka_unit_test(test_state_machine),
	    cmocka_unit_test(test_unknown_account),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
