/*
 * sasl: one SASL exchange on a client stream.
 *
 * SCRAM: client-first → (credential lookup on the storage thread) →
 * server-first → client-final → success with the server signature. An
 * unknown, malformed or locked-out username gets a challenge built from a
 * fake salt, so the reply does not tell whether the account exists; the
 * proof then fails like a wrong password.
 *
 * PLAIN: the password is checked by recomputing PBKDF2 against the stored
 * SCRAM-SHA-256 verifier, on the storage thread (it is deliberately slow).
 * An exchange whose stream closes during that computation is orphaned and
 * freed by the completion.
 */
#include "xmpp/sasl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "net/ratelimit.h"
#include "net/tls.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/precis.h"
#include "xmpp/scram.h"
#include "xmpp/server.h"

enum sasl_kind { SASL_SCRAM = 0, SASL_PLAIN };

struct sasl {
	enum sasl_kind kind;
	enum scram_hash hash;
	int plus;
	int step;
	unsigned orphan : 1;
	struct scram_server *scram; /* owned */
	char *host; /* owned */
	char *user; /* owned: normalized localpart or NULL */
	struct store_req *req; /* in flight, or NULL */
	sasl_done_fn fn;
	void *arg;
	unsigned char exporter[32];
	unsigned char endpoint[64];
	struct scram_cb cb;
	struct ratelimit_key addr; /* keyed hash of the source address */
	struct buf final; /* SCRAM server-final, held while unlocking */
};

/* PLAIN's work item: everything the storage thread needs, copied. */
struct plain_work {
	struct scram_cred cred;
	char *password; /* owned, wiped */
	size_t len;
	int ok;
	unsigned char ck[SCRAM_MAX_KEY]; /* ClientKey when ok, wiped */
};

/*
 * --- failed attempts, in memory only ---
 *
 * Per account and per source address, counted by ratelimit.c under
 * keyed hashes ("user@host" and the address under a key that lives in
 * memory and rotates daily): no table here holds a name or an address.
 */

static int
fail_locked(const char *host, const char *user)
{
	struct ratelimit_key k;
	int r;

	ratelimit_key_account(host, user, &k);
	r = ratelimit_over(RATELIMIT_LOGIN_ACCOUNT, &k);
	util_wipe(&k, sizeof(k));
	return r;
}

static void
fail_note(const char *host, const char *user)
{
	struct ratelimit_key k;

	if (user == NULL)
		return;
	ratelimit_key_account(host, user, &k);
	ratelimit_note(RATELIMIT_LOGIN_ACCOUNT, &k);
	util_wipe(&k, sizeof(k));
}

/* A failed exchange counts for its account and its source address. */
static void
fail_note_x(struct sasl *x)
{
	fail_note(x->host, x->user);
	ratelimit_note(RATELIMIT_LOGIN_ADDR, &x->addr);
}

/* --- mechanisms --- */

static void
cb_fill(struct sasl *x, SSL *ssl)
{
	int n;

	memset(&x->cb, 0, sizeof(x->cb));
	if ((n = tls_cb_exporter(ssl, x->exporter, sizeof(x->exporter))) > 0) {
		x->cb.exporter = x->exporter;
		x->cb.exporter_len = (size_t)n;
	}
	if ((n = tls_cb_endpoint(ssl, x->endpoint, sizeof(x->endpoint))) > 0) {
		x->cb.endpoint = x->endpoint;
		x->cb.endpoint_len = (size_t)n;
	}
	x->cb.plus_offered = x->cb.exporter != NULL || x->cb.endpoint != NULL;
}

/* The mechanisms offered on a TLS session with (plus) or without
 * channel binding, strongest first; returns how many (at most 7). */
static size_t
offered(int plus, const char **out)
{
	static const enum scram_hash order[] = {
	    SCRAM_SHA512, SCRAM_SHA256, SCRAM_SHA1};
	size_t i, n = 0;

	for (i = 0; plus && i < 3; i++)
		out[n++] = scram_mech_name(order[i], 1);
	for (i = 0; i < 3; i++)
		out[n++] = scram_mech_name(order[i], 0);
	out[n++] = "PLAIN";
	return n;
}

void
sasl_features(SSL *ssl, struct buf *out)
{
	unsigned char tmp[64];
	int exp = tls_cb_exporter(ssl, tmp, sizeof(tmp)) > 0;
	int ep = tls_cb_endpoint(ssl, tmp, sizeof(tmp)) > 0;
	const char *mechs[8];
	size_t i, n = offered(exp || ep, mechs);

	buf_append_str(
	    out, "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
	for (i = 0; i < n; i++)
		buf_appendf(out, "<mechanism>%s</mechanism>", mechs[i]);
	buf_append_str(out, "</mechanisms>");
	if (exp || ep) {
		buf_append_str(
		    out, "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>");
		if (exp)
			buf_append_str(
			    out, "<channel-binding type='tls-exporter'/>");
		if (ep)
			buf_append_str(out,
			    "<channel-binding type='tls-server-end-point'/>");
		buf_append_str(out, "</sasl-channel-binding>");
	}
}

void
sasl_mechanism_list(SSL *ssl, struct buf *out)
{
	unsigned char tmp[64];
	int plus = tls_cb_exporter(ssl, tmp, sizeof(tmp)) > 0 ||
	    tls_cb_endpoint(ssl, tmp, sizeof(tmp)) > 0;
	const char *mechs[8];
	size_t i, n = offered(plus, mechs);

	for (i = 0; i < n; i++)
		buf_appendf(out, "<mechanism>%s</mechanism>", mechs[i]);
}

int
sasl_fail_locked(const char *host, const char *user)
{
	return fail_locked(host, user);
}

void
sasl_fail_note(const char *host, const char *user)
{
	fail_note(host, user);
}

/*
 * XEP-0474: server-first-message carries a hash of what sasl_features()
 * offered on this connection, so a client can tell that nobody removed
 * the -PLUS mechanisms or a channel-binding type on the way.
 */
static int
ssdp_set(struct sasl *x)
{
	const char *mechs[8], *cbs[2];
	size_t n = offered(x->cb.plus_offered, mechs), ncb = 0;
	char v[96];

	if (x->cb.exporter != NULL)
		cbs[ncb++] = "tls-exporter";
	if (x->cb.endpoint != NULL)
		cbs[ncb++] = "tls-server-end-point";
	if (scram_ssdp_value(x->hash, mechs, n, cbs, ncb, v, sizeof(v)) == -1)
		return -1;
	return scram_server_set_ssdp(x->scram, v);
}

struct sasl *
sasl_start(
    const char *mech, SSL *ssl, const char *host, sasl_done_fn fn, void *arg)
{
	struct sasl *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->host = strdup(host)) == NULL)
		goto fail;
	x->fn = fn;
	x->arg = arg;
	ratelimit_fd_get(SSL_get_fd(ssl), &x->addr);
	cb_fill(x, ssl);
	if (strcmp(mech, "PLAIN") == 0) {
		x->kind = SASL_PLAIN;
		return x;
	}
	if (scram_mech_parse(mech, &x->hash, &x->plus) == -1)
		goto fail;
	if (x->plus && x->cb.exporter == NULL && x->cb.endpoint == NULL)
		goto fail;
	x->kind = SASL_SCRAM;
	if ((x->scram = scram_server_new(x->hash, x->plus, &x->cb)) == NULL ||
	    ssdp_set(x) == -1)
		goto fail;
	return x;
fail:
	sasl_free(x);
	return NULL;
}

void
sasl_free(struct sasl *x)
{
	if (x == NULL)
		return;
	if (x->req != NULL && x->kind == SASL_PLAIN) {
		/* The work item is in the storage thread's hands. */
		x->orphan = 1;
		return;
	}
	if (x->req != NULL)
		store_cancel(x->req);
	buf_free(&x->final);
	scram_server_free(x->scram);
	free(x->host);
	free(x->user);
	util_wipe(x, sizeof(*x));
	free(x);
}

const char *
sasl_result_condition(enum sasl_result r)
{
	switch (r) {
	case SASL_INVALID_MECH:
		return "invalid-mechanism";
	case SASL_MALFORMED:
		return "malformed-request";
	case SASL_INCORRECT_ENCODING:
		return "incorrect-encoding";
	case SASL_INVALID_AUTHZID:
		return "invalid-authzid";
	case SASL_ABORTED:
		return "aborted";
	case SASL_TEMPORARY:
		return "temporary-auth-failure";
	case SASL_CB_UNSUPPORTED:
	case SASL_CB_DOWNGRADE:
	default:
		return "not-authorized";
	}
}

/* Decodes base64 SASL data ("=" is empty) into out[cap]; -1 if invalid. */
static long
decode(const char *b64, char *out, size_t cap)
{
	size_t n = strlen(b64);
	long r;

	if (n == 1 && b64[0] == '=')
		return 0;
	if (n > (cap / 3) * 4)
		return -1;
	r = util_b64_decode(b64, n, out, cap - 1);
	if (r >= 0)
		out[r] = '\0';
	return r;
}

/* 1 if a client-first message asks for a channel binding type that this
 * connection does not offer (e.g. tls-unique). */
static int
cb_unsupported(const struct sasl *x, const char *msg, size_t n)
{
	const char *end;
	size_t len;

	if (n < 2 || msg[0] != 'p' || msg[1] != '=')
		return 0;
	if ((end = memchr(msg, ',', n)) == NULL)
		return 0;
	len = (size_t)(end - msg) - 2;
	if (x->cb.exporter != NULL && len == 12 &&
	    memcmp(msg + 2, "tls-exporter", 12) == 0)
		return 0;
	if (x->cb.endpoint != NULL && len == 20 &&
	    memcmp(msg + 2, "tls-server-end-point", 20) == 0)
		return 0;
	return 1;
}

/* Hands a result to the stream; base64-encodes raw bytes when given. */
static void
finish(struct sasl *x, enum sasl_result r, const struct buf *raw)
{
	char *enc = NULL;
	const char *user = x->user;

	if (raw != NULL &&
	    (enc = malloc(util_b64_enc_len(buf_size(raw)))) != NULL)
		util_b64_encode(buf_ptr(raw), buf_size(raw), enc);
	x->fn(x->arg, r, user, enc != NULL ? enc : "");
	free(enc);
}

/*
 * The proof was right: the account's sealing keys are opened with the
 * ClientKey before success is said (PRIVACY.md, sealed records), so
 * everything the client asks next finds them. The stream drops the
 * reference this takes when it ends (stream.c).
 */
static void
unlocked(void *arg, const struct store_res *res)
{
	struct sasl *x = arg;

	x->req = NULL;
	if (x->orphan) {
		/* PLAIN's stream went away while this ran. */
		if (res->status == STORE_OK)
			store_lock(server.store, x->host, x->user);
		sasl_free(x);
		return;
	}
	if (res->status == STORE_OK) {
		finish(x, SASL_SUCCESS, buf_size(&x->final) ? &x->final : NULL);
		return;
	}
	if (res->status == STORE_LOCKED) {
		/* No key wrapped for this hash while the account is closed
		 * (docs/privacy.md): the same answer as a wrong password,
		 * but not counted as one. */
		log_info("event=auth_sealed_refused");
		finish(x, SASL_NOT_AUTHORIZED, NULL);
		return;
	}
	finish(x, SASL_TEMPORARY, NULL);
}

static void
unlock(struct sasl *x, enum scram_hash h, const unsigned char *ck)
{
	static const char *const labels[SCRAM_NHASH] = {
	    [SCRAM_SHA1] = "SHA-1",
	    [SCRAM_SHA256] = "SHA-256",
	    [SCRAM_SHA512] = "SHA-512",
	};
	struct store_unlock u = {
	    .label = labels[h], .ikm = ck, .ikm_len = scram_hash_len(h)};

	x->req = store_unlock(server.store, x->host, x->user, &u, unlocked, x);
	if (x->req == NULL)
		finish(x, SASL_TEMPORARY, NULL);
}

static void
scram_challenge(void *arg, const struct store_res *res)
{
	struct sasl *x = arg;
	const struct scram_cred *cred = NULL;
	struct buf out = BUF_INIT;
	size_t i;

	x->req = NULL;
	if (res->status == STORE_ERR) {
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	for (i = 0; res->status == STORE_OK && i < res->ncreds; i++)
		if (res->creds[i].hash == x->hash)
			cred = &res->creds[i];
	/* A locked-out account still gets its real salt (a fake one would
	 * tell that it exists); the lock is enforced at the proof. */
	if (scram_server_challenge(x->scram, cred, server.secret,
	        sizeof(server.secret), server.conf->scram_iterations,
	        &out) != SCRAM_OK) {
		buf_free(&out);
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	x->step = 1;
	finish(x, SASL_CONTINUE, &out);
	buf_free(&out);
}

static int
authzid_ok(const struct sasl *x, const char *authzid)
{
	struct jid j;
	int ok;

	if (authzid == NULL || *authzid == '\0')
		return 1;
	if (x->user == NULL || jid_parse(authzid, strlen(authzid), &j) == -1)
		return 0;
	ok = j.local != NULL && j.resource == NULL &&
	    strcmp(j.local, x->user) == 0 && strcmp(j.domain, x->host) == 0;
	jid_free(&j);
	return ok;
}

static void
scram_step(struct sasl *x, const char *b64)
{
	char msg[SCRAM_MSG_MAX + 1];
	unsigned char ck[SCRAM_MAX_KEY];
	struct buf out = BUF_INIT;
	enum scram_status r;
	const char *u;
	long n;

	if ((n = decode(b64, msg, sizeof(msg))) < 0) {
		finish(x, SASL_INCORRECT_ENCODING, NULL);
		return;
	}
	if (x->step == 0) {
		if (cb_unsupported(x, msg, (size_t)n)) {
			finish(x, SASL_CB_UNSUPPORTED, NULL);
			return;
		}
		r = scram_server_first(x->scram, msg, (size_t)n);
		if (r == SCRAM_BAD_CB) {
			/* "y" although -PLUS was offered (a downgrade), or a
			 * flag that does not fit the mechanism. */
			finish(x, SASL_CB_DOWNGRADE, NULL);
			return;
		}
		if (r != SCRAM_OK) {
			finish(x, SASL_MALFORMED, NULL);
			return;
		}
		u = scram_server_user(x->scram);
		x->user = jid_local_prep(u, strlen(u));
		if (!authzid_ok(x, scram_server_authzid(x->scram))) {
			finish(x, SASL_INVALID_AUTHZID, NULL);
			return;
		}
		if (x->user == NULL) {
			struct store_res none = {.status = STORE_NOTFOUND};

			scram_challenge(x, &none);
			return;
		}
		x->req = store_account_creds(
		    server.store, x->host, x->user, scram_challenge, x);
		if (x->req == NULL)
			finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	r = scram_server_final(x->scram, msg, (size_t)n, &out, ck);
	if (r == SCRAM_OK && x->user != NULL &&
	    !fail_locked(x->host, x->user)) {
		x->final = out;
		out = (struct buf)BUF_INIT;
		unlock(x, x->hash, ck);
	} else if (r == SCRAM_MALFORMED) {
		finish(x, SASL_MALFORMED, NULL);
	} else {
		fail_note_x(x);
		finish(x, r == SCRAM_BAD_CB ? SASL_BAD_CB : SASL_NOT_AUTHORIZED,
		    NULL);
	}
	util_wipe(ck, sizeof(ck));
	buf_free(&out);
}

static void *
plain_work(void *ctx)
{
	struct plain_work *w = ctx;

	w->ok = scram_check_password(&w->cred, w->password, w->len, w->ck);
	return w;
}

static void
plain_work_free(struct plain_work *w)
{
	if (w == NULL)
		return;
	if (w->password != NULL) {
		util_wipe(w->password, w->len);
		free(w->password);
	}
	util_wipe(w, sizeof(*w));
	free(w);
}

static void
plain_checked(void *arg, const struct store_res *res)
{
	struct sasl *x = arg;
	struct plain_work *w = res->work;
	unsigned char ck[SCRAM_MAX_KEY];
	int ok = w != NULL && w->ok;
	enum scram_hash h = w != NULL ? w->cred.hash : SCRAM_SHA256;

	if (ok)
		memcpy(ck, w->ck, sizeof(ck));
	plain_work_free(w);
	x->req = NULL;
	if (x->orphan) {
		if (ok)
			util_wipe(ck, sizeof(ck));
		sasl_free(x);
		return;
	}
	if (ok && !fail_locked(x->host, x->user)) {
		/* The password gives the same ClientKey SCRAM would. */
		unlock(x, h, ck);
		util_wipe(ck, sizeof(ck));
		return;
	}
	if (ok)
		util_wipe(ck, sizeof(ck));
	fail_note_x(x);
	finish(x, SASL_NOT_AUTHORIZED, NULL);
}

/* x->req carries the password until the credentials arrive. */
struct plain_pending {
	struct sasl *x;
	char *password;
	size_t len;
};

static void
plain_creds(void *arg, const struct store_res *res)
{
	struct plain_pending *p = arg;
	struct sasl *x = p->x;
	struct plain_work *w = NULL;
	size_t i;

	x->req = NULL;
	if (x->orphan) {
		util_wipe(p->password, p->len);
		free(p->password);
		free(p);
		sasl_free(x);
		return;
	}
	for (i = 0; res->status == STORE_OK && i < res->ncreds; i++) {
		if (res->creds[i].hash != SCRAM_SHA256)
			continue;
		if ((w = calloc(1, sizeof(*w))) == NULL)
			break;
		w->cred = res->creds[i];
		w->password = p->password;
		w->len = p->len;
		p->password = NULL;
		break;
	}
	if (p->password != NULL) {
		util_wipe(p->password, p->len);
		free(p->password);
	}
	free(p);
	if (res->status == STORE_ERR) {
		plain_work_free(w);
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	if (w == NULL) {
		/* No account: the same answer as a wrong password. */
		fail_note_x(x);
		finish(x, SASL_NOT_AUTHORIZED, NULL);
		return;
	}
	x->req = store_work(server.store, plain_work, w, plain_checked, x);
	if (x->req == NULL) {
		plain_work_free(w);
		finish(x, SASL_TEMPORARY, NULL);
	}
}

static void
plain_step(struct sasl *x, const char *b64)
{
	char msg[3 * 1024 + 1], *authzid, *authcid, *pass, *end;
	struct plain_pending *p;
	char *prepped = NULL;
	size_t plen;
	long n;

	if ((n = decode(b64, msg, sizeof(msg))) < 0) {
		finish(x, SASL_INCORRECT_ENCODING, NULL);
		return;
	}
	end = msg + n;
	authzid = msg;
	authcid = memchr(authzid, '\0', (size_t)(end - authzid));
	if (authcid == NULL || ++authcid >= end ||
	    (pass = memchr(authcid, '\0', (size_t)(end - authcid))) == NULL ||
	    ++pass > end || memchr(pass, '\0', (size_t)(end - pass)) != NULL) {
		finish(x, SASL_MALFORMED, NULL);
		return;
	}
	x->user = jid_local_prep(authcid, strlen(authcid));
	if (!authzid_ok(x, authzid)) {
		util_wipe(msg, sizeof(msg));
		finish(x, SASL_INVALID_AUTHZID, NULL);
		return;
	}
	if (x->user == NULL ||
	    precis_enforce(PRECIS_OPAQUE_STRING, pass, (size_t)(end - pass),
	        &prepped, &plen) == -1) {
		util_wipe(msg, sizeof(msg));
		finish(x, SASL_NOT_AUTHORIZED, NULL);
		return;
	}
	util_wipe(msg, sizeof(msg));
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		util_wipe(prepped, plen);
		free(prepped);
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	p->x = x;
	p->password = prepped;
	p->len = plen;
	x->req =
	    store_account_creds(server.store, x->host, x->user, plain_creds, p);
	if (x->req == NULL) {
		util_wipe(prepped, plen);
		free(prepped);
		free(p);
		finish(x, SASL_TEMPORARY, NULL);
	}
}

void
sasl_step(struct sasl *x, const char *b64, int present)
{
	if (x->req != NULL) {
		finish(x, SASL_MALFORMED, NULL);
		return;
	}
	if (ratelimit_over(RATELIMIT_LOGIN_ADDR, &x->addr)) {
		/* Too many failures from this address: no password is
		 * checked, and the answer is the same as a wrong one. */
		finish(x, SASL_NOT_AUTHORIZED, NULL);
		return;
	}
	if (!present) {
		/* No initial response: ask for it with an empty challenge. */
		finish(x, SASL_CONTINUE, NULL);
		return;
	}
	if (x->kind == SASL_PLAIN)
		plain_step(x, b64);
	else
		scram_step(x, b64);
}
