/*
 * scram: the server side of SCRAM (RFC 5802; RFC 7677 for SHA-256, and
 * SHA-512 by the same construction) with channel binding (RFC 5929
 * tls-server-end-point, RFC 9266 tls-exporter).
 *
 * An exchange moves FIRST -> CHALLENGE -> FINAL -> DONE, and any error
 * moves it straight to DONE, so a failed exchange can never be continued
 * or retried with different input. Every message is (pointer, length),
 * bounded by SCRAM_MSG_MAX before anything is allocated, and may not
 * contain NUL. Parsing follows the ABNF of RFC 5802 §7 strictly; unknown
 * optional extensions are tolerated as the RFC asks, mandatory ones ("m=")
 * are refused.
 *
 * The server never learns the password: it holds StoredKey and ServerKey,
 * recovers ClientKey = ClientProof XOR ClientSignature and accepts when
 * H(ClientKey) == StoredKey (compared in constant time). ClientKey is
 * handed to the caller, which derives the sealing key from it
 * (PRIVACY.md). All secrets are wiped before memory is released.
 */
#include "xmpp/scram.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

#define SNONCE_BYTES 24 /* random bytes in the server nonce (32 chars) */
#define SNONCE_MAX 64 /* longest server nonce, incl. the test hook's */
#define SSDP_MAX 88 /* base64 of a SHA-512 digest */
#define FAKE_SALT_LEN 16 /* same length as the salts scram_make_cred draws */
#define REAL_SALT_LEN 16
#define CB_MAX 64 /* largest channel-binding data: a SHA-512 hash */
#define FAKE_ITER_DEFAULT 4096

enum state { ST_FIRST, ST_CHALLENGE, ST_FINAL, ST_DONE };
enum cbflag { CBF_N, CBF_Y, CBF_P };

struct scram_server {
	enum scram_hash hash;
	int plus;
	enum state state;

	/* Channel-binding data from the TLS layer, copied. */
	unsigned char exporter[CB_MAX];
	size_t exporter_len;
	int has_exporter;
	unsigned char endpoint[CB_MAX];
	size_t endpoint_len;
	int has_endpoint;
	int plus_offered;
	const unsigned char *cbdata; /* points into exporter or endpoint */
	size_t cblen;

	char *gs2; /* owned: gs2 header including its final ',' */
	size_t gs2_len;
	char *first_bare; /* owned: client-first-message-bare */
	size_t first_bare_len;
	char *server_first; /* owned: server-first-message */
	size_t server_first_len;
	size_t cnonce_off; /* client nonce: first_bare[off..off+len) */
	size_t cnonce_len;
	size_t nonce_len; /* combined nonce: server_first[2..2+nonce_len) */
	char *user; /* owned, NUL-terminated, decoded */
	char *authzid; /* owned or NULL */
	char snonce[SNONCE_MAX + 1]; /* fixed server nonce (tests), or "" */
	char ssdp[SSDP_MAX + 1]; /* XEP-0474 h= value, or "" */

	struct scram_cred cred; /* copy of the verifiers, or a fake one */
	int fake; /* no such account: the proof must fail */
};

static int digest(
    enum scram_hash h, const void *data, size_t len, unsigned char *out);

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends the names sorted, joined by 0x1E; -1 if one holds a separator. */
static int
ssdp_list(struct buf *b, const char *const *names, size_t n)
{
	const char **v;
	size_t i;
	int r = 0;

	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	memcpy(v, names, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n && r == 0; i++) {
		if (*v[i] == '\0' || strpbrk(v[i], "\x1e\x1f") != NULL)
			r = -1;
		else if ((i > 0 && buf_append(b, "\x1e", 1) == -1) ||
		    buf_append_str(b, v[i]) == -1)
			r = -1;
	}
	free(v);
	return r;
}

int
scram_ssdp_value(enum scram_hash h, const char *const *mechs, size_t nmechs,
    const char *const *cbs, size_t ncbs, char *out, size_t cap)
{
	unsigned char d[SCRAM_MAX_KEY];
	struct buf b = BUF_INIT;
	int r = -1;

	if (cap < 4 * ((scram_hash_len(h) + 2) / 3) + 1)
		return -1;
	if (ssdp_list(&b, mechs, nmechs) == -1 ||
	    (ncbs > 0 &&
	        (buf_append(&b, "\x1f", 1) == -1 ||
	            ssdp_list(&b, cbs, ncbs) == -1)))
		goto done;
	if (digest(h, buf_ptr(&b), buf_size(&b), d) == -1)
		goto done;
	util_b64_encode(d, scram_hash_len(h), out);
	r = 0;
done:
	buf_free(&b);
	return r;
}

static const char *const mech_names[SCRAM_NHASH][2] = {
    {"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"},
    {"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"},
    {"SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"},
};

const char *
scram_mech_name(enum scram_hash h, int plus)
{
	if ((unsigned)h >= SCRAM_NHASH)
		return NULL;
	return mech_names[h][plus ? 1 : 0];
}

int
scram_mech_parse(const char *name, enum scram_hash *h, int *plus)
{
	unsigned i, p;

	if (name == NULL)
		return -1;
	for (i = 0; i < SCRAM_NHASH; i++)
		for (p = 0; p < 2; p++)
			if (strcmp(name, mech_names[i][p]) == 0) {
				*h = (enum scram_hash)i;
				*plus = (int)p;
				return 0;
			}
	return -1;
}

size_t
scram_hash_len(enum scram_hash h)
{
	switch (h) {
	case SCRAM_SHA1:
		return 20;
	case SCRAM_SHA256:
		return 32;
	case SCRAM_SHA512:
		return 64;
	default:
		return 0;
	}
}

static const EVP_MD *
md_of(enum scram_hash h)
{
	switch (h) {
	case SCRAM_SHA1:
		return EVP_sha1();
	case SCRAM_SHA256:
		return EVP_sha256();
	case SCRAM_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static int
hmac(enum scram_hash h, const void *key, size_t keylen, const void *data,
    size_t len, unsigned char *out)
{
	static const unsigned char empty;
	unsigned int olen = 0;

	if (keylen > INT_MAX)
		return -1;
	if (HMAC(md_of(h), keylen ? key : &empty, (int)keylen,
	        len ? data : &empty, len, out, &olen) == NULL ||
	    olen != scram_hash_len(h))
		return -1;
	return 0;
}

static int
digest(enum scram_hash h, const void *data, size_t len, unsigned char *out)
{
	unsigned int olen = 0;

	if (EVP_Digest(data, len, out, &olen, md_of(h), NULL) != 1 ||
	    olen != scram_hash_len(h))
		return -1;
	return 0;
}

/*
 * SaltedPassword, then ClientKey, StoredKey and ServerKey from it. Any
 * output pointer may be NULL.
 */
static int
derive(enum scram_hash h, const char *password, size_t n,
    const unsigned char *salt, size_t salt_len, unsigned iter,
    unsigned char *client_key, unsigned char *stored_key,
    unsigned char *server_key)
{
	unsigned char salted[SCRAM_MAX_KEY], ck[SCRAM_MAX_KEY];
	size_t hl = scram_hash_len(h);
	int rc = -1;

	if (hl == 0 || n > INT_MAX || salt_len > INT_MAX || iter == 0 ||
	    iter > INT_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(n ? password : "", (int)n, salt, (int)salt_len,
	        (int)iter, md_of(h), (int)hl, salted) != 1)
		goto out;
	if (hmac(h, salted, hl, "Client Key", 10, ck) == -1)
		goto out;
	if (stored_key != NULL && digest(h, ck, hl, stored_key) == -1)
		goto out;
	if (server_key != NULL &&
	    hmac(h, salted, hl, "Server Key", 10, server_key) == -1)
		goto out;
	if (client_key != NULL)
		memcpy(client_key, ck, hl);
	rc = 0;
out:
	util_wipe(salted, sizeof(salted));
	util_wipe(ck, sizeof(ck));
	return rc;
}

int
scram_make_cred(enum scram_hash h, const char *password, size_t n,
    unsigned iter, struct scram_cred *out)
{
	memset(out, 0, sizeof(*out));
	if (scram_hash_len(h) == 0 || n == 0 || iter == 0 || iter > INT_MAX)
		return -1;
	out->hash = h;
	out->iter = iter;
	out->salt_len = REAL_SALT_LEN;
	util_random(out->salt, out->salt_len);
	if (derive(h, password, n, out->salt, out->salt_len, iter,
	        out->client_key, out->stored_key, out->server_key) == -1) {
		util_wipe(out, sizeof(*out));
		return -1;
	}
	out->has_client_key = 1;
	return 0;
}

int
scram_check_password(const struct scram_cred *c, const char *password, size_t n,
    unsigned char *client_key)
{
	unsigned char ck[SCRAM_MAX_KEY], sk[SCRAM_MAX_KEY];
	size_t hl = scram_hash_len(c->hash);
	int ok = 0;

	if (hl == 0 || n == 0 || c->salt_len == 0 ||
	    c->salt_len > SCRAM_MAX_SALT)
		return 0;
	if (derive(c->hash, password, n, c->salt, c->salt_len, c->iter, ck, sk,
	        NULL) == -1)
		goto out;
	ok = util_memeq(sk, c->stored_key, hl);
	if (ok && client_key != NULL)
		memcpy(client_key, ck, hl);
out:
	util_wipe(ck, sizeof(ck));
	util_wipe(sk, sizeof(sk));
	return ok;
}

struct scram_server *
scram_server_new(enum scram_hash h, int plus, const struct scram_cb *cb)
{
	struct scram_server *s;

	if (scram_hash_len(h) == 0)
		return NULL;
	if (cb != NULL &&
	    ((cb->exporter != NULL && cb->exporter_len > CB_MAX) ||
	        (cb->endpoint != NULL && cb->endpoint_len > CB_MAX)))
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->hash = h;
	s->plus = plus ? 1 : 0;
	s->state = ST_FIRST;
	if (cb != NULL) {
		if (cb->exporter != NULL && cb->exporter_len > 0) {
			memcpy(s->exporter, cb->exporter, cb->exporter_len);
			s->exporter_len = cb->exporter_len;
			s->has_exporter = 1;
		}
		if (cb->endpoint != NULL && cb->endpoint_len > 0) {
			memcpy(s->endpoint, cb->endpoint, cb->endpoint_len);
			s->endpoint_len = cb->endpoint_len;
			s->has_endpoint = 1;
		}
		s->plus_offered = cb->plus_offered ? 1 : 0;
	}
	return s;
}

static void
free_str(char **p, size_t len)
{
	if (*p != NULL) {
		util_wipe(*p, len);
		free(*p);
		*p = NULL;
	}
}

void
scram_server_free(struct scram_server *s)
{
	if (s == NULL)
		return;
	free_str(&s->gs2, s->gs2_len);
	free_str(&s->first_bare, s->first_bare_len);
	free_str(&s->server_first, s->server_first_len);
	if (s->user != NULL)
		free_str(&s->user, strlen(s->user));
	if (s->authzid != NULL)
		free_str(&s->authzid, strlen(s->authzid));
	util_wipe(s, sizeof(*s));
	free(s);
}

int
scram_server_set_nonce(struct scram_server *s, const char *nonce, size_t n)
{
	size_t i;

	if (s->state != ST_FIRST && s->state != ST_CHALLENGE)
		return -1;
	if (n == 0 || n > SNONCE_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
			return -1;
	memcpy(s->snonce, nonce, n);
	s->snonce[n] = '\0';
	return 0;
}

int
scram_server_set_ssdp(struct scram_server *s, const char *value)
{
	size_t n = strlen(value);

	if ((s->state != ST_FIRST && s->state != ST_CHALLENGE) || n == 0 ||
	    n > SSDP_MAX || strchr(value, ',') != NULL)
		return -1;
	memcpy(s->ssdp, value, n + 1);
	return 0;
}

const char *
scram_server_user(const struct scram_server *s)
{
	return s->user;
}

const char *
scram_server_authzid(const struct scram_server *s)
{
	return s->authzid;
}

/* --- parsing ------------------------------------------------------------ */

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, len, k;
	unsigned c, cp, min;

	while (i < n) {
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* A field: the bytes up to the next ',' (or the end of the message). */
struct field {
	const char *p;
	size_t n;
};

/*
 * Splits msg at every ','. Returns the number of fields, or -1 if there
 * are more than max. An empty message is one empty field.
 */
static int
split(const char *msg, size_t n, struct field *f, int max)
{
	size_t i, start = 0;
	int nf = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && msg[i] != ',')
			continue;
		if (nf == max)
			return -1;
		f[nf].p = msg + start;
		f[nf].n = i - start;
		nf++;
		start = i + 1;
	}
	return nf;
}

/* "X=" with X the given attribute letter. */
static int
is_attr(const struct field *f, char a)
{
	return f->n >= 2 && f->p[0] == a && f->p[1] == '=';
}

/*
 * saslname (RFC 5802 §7): non-empty UTF-8 without NUL or ',', where '='
 * appears only as "=2C" or "=3D". Decodes into a new string.
 */
static char *
saslname_decode(const char *p, size_t n)
{
	char *out;
	size_t i, o = 0;

	if (n == 0 || !utf8_valid((const unsigned char *)p, n))
		return NULL;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (p[i] == '\0')
			goto bad;
		if (p[i] != '=') {
			out[o++] = p[i];
			continue;
		}
		if (n - i < 3)
			goto bad;
		if (p[i + 1] == '2' && p[i + 2] == 'C')
			out[o++] = ',';
		else if (p[i + 1] == '3' && p[i + 2] == 'D')
			out[o++] = '=';
		else
			goto bad;
		i += 2;
	}
	out[o] = '\0';
	return out;
bad:
	util_wipe(out, n + 1);
	free(out);
	return NULL;
}

/* printable (RFC 5802 §7): %x21-2B / %x2D-7E, at least one. */
static int
printable(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',')
			return 0;
	return 1;
}

/*
 * An optional extension: ALPHA "=" 1*value-char. The letters RFC 5802
 * defines are not extensions; "m" is reserved for mandatory extensions,
 * which we do not support and must therefore refuse.
 */
static int
extension_ok(const struct field *f)
{
	char a;

	if (f->n < 3 || f->p[1] != '=')
		return 0;
	a = f->p[0];
	if (!((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z')))
		return 0;
	if (strchr("acimnprsve", a) != NULL)
		return 0;
	return memchr(f->p, '\0', f->n) == NULL &&
	    utf8_valid((const unsigned char *)f->p + 2, f->n - 2);
}

/* cb-name: 1*(ALPHA / DIGIT / "." / "-"). */
static int
cbname_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		        (p[i] >= 'A' && p[i] <= 'Z') ||
		        (p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
		        p[i] == '-'))
			return 0;
	return 1;
}

static int
field_eq(const struct field *f, const char *s)
{
	size_t n = strlen(s);

	return f->n == n && memcmp(f->p, s, n) == 0;
}

static enum scram_status
fail(struct scram_server *s, enum scram_status st)
{
	s->state = ST_DONE;
	return st;
}

/* Fields in a message of at most SCRAM_MSG_MAX bytes: bounded anyway. */
#define MAX_FIELDS 64

enum scram_status
scram_server_first(struct scram_server *s, const char *msg, size_t n)
{
	struct field f[MAX_FIELDS];
	enum cbflag flag;
	struct field cbname = {NULL, 0};
	int nf, i;
	char *user = NULL, *authzid = NULL, *gs2 = NULL, *bare = NULL;
	size_t gs2_len, bare_len;

	if (s->state != ST_FIRST)
		return fail(s, SCRAM_MALFORMED);
	if (msg == NULL || n == 0 || n > SCRAM_MSG_MAX ||
	    memchr(msg, '\0', n) != NULL)
		return fail(s, SCRAM_MALFORMED);
	/* gs2-cbind-flag, authzid (maybe empty), n=, r=, extensions. */
	if ((nf = split(msg, n, f, MAX_FIELDS)) < 4)
		return fail(s, SCRAM_MALFORMED);

	if (field_eq(&f[0], "n"))
		flag = CBF_N;
	else if (field_eq(&f[0], "y"))
		flag = CBF_Y;
	else if (is_attr(&f[0], 'p') && cbname_ok(f[0].p + 2, f[0].n - 2)) {
		flag = CBF_P;
		cbname.p = f[0].p + 2;
		cbname.n = f[0].n - 2;
	} else
		return fail(s, SCRAM_MALFORMED);

	if (f[1].n != 0 && !is_attr(&f[1], 'a'))
		return fail(s, SCRAM_MALFORMED);
	if (!is_attr(&f[2], 'n')) /* also refuses "m=" mandatory extensions */
		return fail(s, SCRAM_MALFORMED);
	if (!is_attr(&f[3], 'r') || !printable(f[3].p + 2, f[3].n - 2))
		return fail(s, SCRAM_MALFORMED);
	for (i = 4; i < nf; i++)
		if (!extension_ok(&f[i]))
			return fail(s, SCRAM_MALFORMED);

	/* Channel binding: the flag must agree with the mechanism. */
	if (flag == CBF_P) {
		if (!s->plus)
			return fail(s, SCRAM_BAD_CB);
		if (cbname.n == 12 &&
		    memcmp(cbname.p, "tls-exporter", 12) == 0 &&
		    s->has_exporter) {
			s->cbdata = s->exporter;
			s->cblen = s->exporter_len;
		} else if (cbname.n == 20 &&
		    memcmp(cbname.p, "tls-server-end-point", 20) == 0 &&
		    s->has_endpoint) {
			s->cbdata = s->endpoint;
			s->cblen = s->endpoint_len;
		} else
			return fail(s, SCRAM_BAD_CB);
	} else {
		if (s->plus)
			return fail(s, SCRAM_BAD_CB);
		/* "y": the client could bind but thinks we cannot. We did
		 * offer -PLUS, so someone removed it on the way. */
		if (flag == CBF_Y && s->plus_offered)
			return fail(s, SCRAM_BAD_CB);
		s->cbdata = NULL;
		s->cblen = 0;
	}

	if ((user = saslname_decode(f[2].p + 2, f[2].n - 2)) == NULL)
		goto malformed;
	if (f[1].n != 0 &&
	    (authzid = saslname_decode(f[1].p + 2, f[1].n - 2)) == NULL)
		goto malformed;

	gs2_len = (size_t)(f[2].p - msg);
	bare_len = n - gs2_len;
	if ((gs2 = malloc(gs2_len)) == NULL ||
	    (bare = malloc(bare_len)) == NULL)
		goto nomem;
	memcpy(gs2, msg, gs2_len);
	memcpy(bare, f[2].p, bare_len);

	s->user = user;
	s->authzid = authzid;
	s->gs2 = gs2;
	s->gs2_len = gs2_len;
	s->first_bare = bare;
	s->first_bare_len = bare_len;
	s->cnonce_off = (size_t)(f[3].p + 2 - f[2].p);
	s->cnonce_len = f[3].n - 2;
	s->state = ST_CHALLENGE;
	return SCRAM_OK;

malformed:
	free_str(&user, user ? strlen(user) : 0);
	free_str(&authzid, authzid ? strlen(authzid) : 0);
	return fail(s, SCRAM_MALFORMED);
nomem:
	free_str(&user, strlen(user));
	free_str(&authzid, authzid ? strlen(authzid) : 0);
	free(gs2);
	free(bare);
	return fail(s, SCRAM_NOMEM);
}

/*
 * The salt an unknown account gets: stable per (key, mechanism hash,
 * username), so asking twice gives the same answer a real account would,
 * and unlinkable across servers with different keys.
 */
static int
fake_salt(enum scram_hash h, const unsigned char *key, size_t keylen,
    const char *user, unsigned char *out)
{
	static const char label[] = "lethe scram fake salt";
	unsigned char in[sizeof(label) + 1 + SCRAM_MSG_MAX];
	unsigned char mac[SCRAM_MAX_KEY];
	size_t ulen = strlen(user);
	int rc;

	if (ulen > SCRAM_MSG_MAX)
		return -1;
	/* Label (with its NUL), hash, name: no two inputs share an encoding. */
	memcpy(in, label, sizeof(label));
	in[sizeof(label)] = (unsigned char)h;
	memcpy(in + sizeof(label) + 1, user, ulen);
	rc = hmac(SCRAM_SHA256, key, keylen, in, sizeof(label) + 1 + ulen, mac);
	if (rc == 0)
		memcpy(out, mac, FAKE_SALT_LEN);
	util_wipe(in, sizeof(label) + 1 + ulen);
	util_wipe(mac, sizeof(mac));
	return rc;
}

enum scram_status
scram_server_challenge(struct scram_server *s, const struct scram_cred *cred,
    const unsigned char *fake_key, size_t fake_key_len, unsigned default_iter,
    struct buf *out)
{
	unsigned char rnd[SNONCE_BYTES];
	char snonce[SNONCE_MAX + 1], salt64[(SCRAM_MAX_SALT + 2) / 3 * 4 + 1];
	const char *cnonce;
	size_t cnonce_len, snonce_len, len;
	char *sf;
	int w;

	if (s->state != ST_CHALLENGE)
		return fail(s, SCRAM_FAIL);

	if (cred != NULL) {
		if (cred->hash != s->hash || cred->iter == 0 ||
		    cred->iter > INT_MAX || cred->salt_len == 0 ||
		    cred->salt_len > SCRAM_MAX_SALT)
			return fail(s, SCRAM_FAIL);
		s->cred = *cred;
		s->fake = 0;
	} else {
		memset(&s->cred, 0, sizeof(s->cred));
		s->cred.hash = s->hash;
		s->cred.iter = default_iter ? default_iter : FAKE_ITER_DEFAULT;
		if (s->cred.iter > INT_MAX)
			s->cred.iter = FAKE_ITER_DEFAULT;
		s->cred.salt_len = FAKE_SALT_LEN;
		if (fake_salt(s->hash, fake_key, fake_key_len, s->user,
		        s->cred.salt) == -1)
			return fail(s, SCRAM_NOMEM);
		/* Random keys: the proof check runs as for a real account. */
		util_random(s->cred.stored_key, sizeof(s->cred.stored_key));
		util_random(s->cred.server_key, sizeof(s->cred.server_key));
		s->fake = 1;
	}

	if (s->snonce[0] != '\0') {
		snonce_len = strlen(s->snonce);
		memcpy(snonce, s->snonce, snonce_len + 1);
	} else {
		util_random(rnd, sizeof(rnd));
		snonce_len = util_b64_encode(rnd, sizeof(rnd), snonce);
	}
	util_b64_encode(s->cred.salt, s->cred.salt_len, salt64);

	cnonce = s->first_bare + s->cnonce_off;
	cnonce_len = s->cnonce_len;

	/* "r=" nonce ",s=" salt ",i=" iter; iter has at most 10 digits;
	 * then XEP-0474's ",h=" when set (part of AuthMessage, so a
	 * tampered mechanism list makes the proofs disagree). */
	len = 2 + cnonce_len + snonce_len + 3 + strlen(salt64) + 3 + 10 + 3 +
	    strlen(s->ssdp) + 1;
	if ((sf = malloc(len)) == NULL)
		return fail(s, SCRAM_NOMEM);
	w = snprintf(sf, len, "r=%.*s%s,s=%s,i=%u%s%s", (int)cnonce_len, cnonce,
	    snonce, salt64, s->cred.iter, s->ssdp[0] ? ",h=" : "", s->ssdp);
	if (w < 0 || (size_t)w >= len) {
		free(sf);
		return fail(s, SCRAM_NOMEM);
	}
	s->server_first = sf;
	s->server_first_len = (size_t)w;
	s->nonce_len = cnonce_len + snonce_len;
	if (buf_append(out, sf, (size_t)w) == -1)
		return fail(s, SCRAM_NOMEM);
	s->state = ST_FINAL;
	return SCRAM_OK;
}

enum scram_status
scram_server_final(struct scram_server *s, const char *msg, size_t n,
    struct buf *out, unsigned char *client_key)
{
	struct field f[MAX_FIELDS];
	unsigned char cbin[SCRAM_MSG_MAX], proof[SCRAM_MAX_KEY];
	unsigned char sig[SCRAM_MAX_KEY], ck[SCRAM_MAX_KEY], sk[SCRAM_MAX_KEY];
	char v64[(SCRAM_MAX_KEY + 2) / 3 * 4 + 1];
	size_t hl = scram_hash_len(s->hash), wo_len, am_len, i;
	char *am = NULL;
	long l, cbl;
	int nf, ok;
	enum scram_status st;

	if (s->state != ST_FINAL)
		return fail(s, SCRAM_MALFORMED);
	if (msg == NULL || n == 0 || n > SCRAM_MSG_MAX ||
	    memchr(msg, '\0', n) != NULL)
		return fail(s, SCRAM_MALFORMED);
	/* c=, r=, extensions, and p= last. */
	if ((nf = split(msg, n, f, MAX_FIELDS)) < 3)
		return fail(s, SCRAM_MALFORMED);
	if (!is_attr(&f[0], 'c') || f[0].n == 2 || !is_attr(&f[1], 'r') ||
	    !printable(f[1].p + 2, f[1].n - 2) || !is_attr(&f[nf - 1], 'p'))
		return fail(s, SCRAM_MALFORMED);
	for (i = 2; i < (size_t)nf - 1; i++)
		if (!extension_ok(&f[i]))
			return fail(s, SCRAM_MALFORMED);
	cbl = util_b64_decode(f[0].p + 2, f[0].n - 2, cbin, sizeof(cbin));
	if (cbl < 0)
		return fail(s, SCRAM_MALFORMED);
	l = util_b64_decode(
	    f[nf - 1].p + 2, f[nf - 1].n - 2, proof, sizeof(proof));
	if (l < 0 || (size_t)l != hl) {
		util_wipe(proof, sizeof(proof));
		return fail(s, SCRAM_MALFORMED);
	}

	/* c= must be exactly the gs2 header followed by our binding data. */
	if ((size_t)cbl != s->gs2_len + s->cblen ||
	    memcmp(cbin, s->gs2, s->gs2_len) != 0 ||
	    (s->cblen > 0 &&
	        !util_memeq(cbin + s->gs2_len, s->cbdata, s->cblen))) {
		st = SCRAM_BAD_CB;
		goto out;
	}
	if (f[1].n - 2 != s->nonce_len ||
	    memcmp(f[1].p + 2, s->server_first + 2, s->nonce_len) != 0) {
		st = SCRAM_FAIL;
		goto out;
	}

	/* AuthMessage = client-first-bare "," server-first "," final-wo. */
	wo_len = (size_t)(f[nf - 1].p - 1 - msg);
	am_len = s->first_bare_len + 1 + s->server_first_len + 1 + wo_len;
	if ((am = malloc(am_len)) == NULL) {
		st = SCRAM_NOMEM;
		goto out;
	}
	memcpy(am, s->first_bare, s->first_bare_len);
	am[s->first_bare_len] = ',';
	memcpy(
	    am + s->first_bare_len + 1, s->server_first, s->server_first_len);
	am[s->first_bare_len + 1 + s->server_first_len] = ',';
	memcpy(
	    am + s->first_bare_len + 1 + s->server_first_len + 1, msg, wo_len);

	if (hmac(s->hash, s->cred.stored_key, hl, am, am_len, sig) == -1) {
		st = SCRAM_NOMEM;
		goto out;
	}
	for (i = 0; i < hl; i++)
		ck[i] = proof[i] ^ sig[i];
	if (digest(s->hash, ck, hl, sk) == -1) {
		st = SCRAM_NOMEM;
		goto out;
	}
	ok = util_memeq(sk, s->cred.stored_key, hl) & !s->fake;
	if (!ok) {
		st = SCRAM_FAIL;
		goto out;
	}
	if (hmac(s->hash, s->cred.server_key, hl, am, am_len, sig) == -1) {
		st = SCRAM_NOMEM;
		goto out;
	}
	util_b64_encode(sig, hl, v64);
	if (buf_append(out, "v=", 2) == -1 ||
	    buf_append(out, v64, strlen(v64)) == -1) {
		st = SCRAM_NOMEM;
		goto out;
	}
	if (client_key != NULL)
		memcpy(client_key, ck, hl);
	st = SCRAM_OK;
out:
	s->state = ST_DONE;
	if (am != NULL) {
		util_wipe(am, am_len);
		free(am);
	}
	util_wipe(proof, sizeof(proof));
	util_wipe(sig, sizeof(sig));
	util_wipe(ck, sizeof(ck));
	util_wipe(sk, sizeof(sk));
	util_wipe(&s->cred, sizeof(s->cred));
	return st;
}
