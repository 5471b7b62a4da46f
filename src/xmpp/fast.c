/*
 * fast: XEP-0484 tokens and the HT-SHA-256-* mechanisms
 * (draft-schmaus-kitten-sasl-ht).
 *
 * A token is 80 hex characters handed to the client once. HT computes
 * HMAC-SHA-256 keyed with the token; a key longer than SHA-256's 64-byte
 * block is replaced by its SHA-256 (RFC 2104 §2), so the server keeps
 * only SHA-256(token) and computes the same HMACs from it. That hash is
 * still enough to log in with while the token lives: what it saves is
 * the token's text, not its power (docs/privacy.md).
 *
 * Store "fast_tokens" (owner: the account; retention [retention]
 * fast_token): key = a random token id, value =
 * "1 <sha256 hex> <expiry> <count> <mech> <prev id or ->". Nothing about
 * the client is kept. Rotation: a token issued at a token login names
 * the token it replaces as prev; that one stays valid until the new one
 * is first used, which deletes it. <fast count/> must grow with each use
 * of a token (replay protection for 0-RTT); invalidate='true' deletes
 * the token used.
 */
#include "xmpp/fast.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/util.h"
#include "net/tls.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/adhoc.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/server.h"

#define FAST_STORE "fast_tokens"
/* Tokens shown by the listing command (the login tries them all). */
#define TOKENS_MAX 64
#define FAST_NODE "fast-tokens"
#define NS_DATA "jabber:x:data"
#define HT_NONE "HT-SHA-256-NONE"
#define HT_ENDP "HT-SHA-256-ENDP"
#define HT_EXPR "HT-SHA-256-EXPR"
#define HASH_LEN 32
#define VALUE_MAX 256
/* Tokens looked at per login: more than any honest client keeps. */

static struct store_def fast_def = {
    .name = FAST_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 14 * 24 * 3600, /* replaced by [retention] fast_token */
    .what = "login tokens (FAST): a SHA-256 hash of each token, its "
            "expiry, its use counter and the mechanism it is for; "
            "nothing about the client",
    .sealed = 0,
};

enum cb_kind { CB_NONE = 0, CB_ENDP, CB_EXPR };

struct record {
	char hash[2 * HASH_LEN + 1];
	int64_t expiry;
	long long count;
	char mech[32];
	char prev[FAST_ID_LEN + 1];
};

struct fast {
	char *host; /* owned */
	char *user; /* owned: normalized localpart, or NULL */
	char *mech; /* owned */
	long long count; /* -1: not given */
	unsigned invalidate : 1;
	unsigned char proof[HASH_LEN]; /* the client's HMAC */
	unsigned char cb[64];
	size_t cb_len;
	char used[FAST_ID_LEN + 1]; /* the token that logged in */
	struct store_req *req; /* in flight, or NULL */
	struct record *hit; /* owned: the token's record while unlocking */
	char enc[64]; /* the server's proof (base64) while unlocking */
	sasl_done_fn fn;
	void *arg;
};

int
fast_enabled(void)
{
	return server.conf != NULL && server.conf->fast;
}

static enum cb_kind
mech_kind(const char *mech)
{
	if (strcmp(mech, HT_NONE) == 0)
		return CB_NONE;
	if (strcmp(mech, HT_ENDP) == 0)
		return CB_ENDP;
	if (strcmp(mech, HT_EXPR) == 0)
		return CB_EXPR;
	return (enum cb_kind) - 1;
}

/* Channel binding data for kind on ssl: length, or -1 if unavailable. */
static int
cb_data(enum cb_kind k, SSL *ssl, unsigned char *out, size_t cap)
{
	if (k == CB_NONE)
		return 0;
	if (ssl == NULL)
		return -1;
	return k == CB_EXPR ? tls_cb_exporter(ssl, out, cap)
	                    : tls_cb_endpoint(ssl, out, cap);
}

int
fast_mech_offered(const char *mech, SSL *ssl)
{
	unsigned char tmp[64];
	enum cb_kind k = mech_kind(mech);

	return fast_enabled() && (int)k >= 0 &&
	    cb_data(k, ssl, tmp, sizeof(tmp)) >= 0;
}

void
fast_features(SSL *ssl, struct buf *out)
{
	static const char *mechs[] = {HT_EXPR, HT_ENDP, HT_NONE};
	size_t i;

	if (!fast_enabled())
		return;
	buf_append_str(out, "<fast xmlns='" FAST_NS "'>");
	for (i = 0; i < ARRAY_LEN(mechs); i++)
		if (fast_mech_offered(mechs[i], ssl))
			buf_appendf(out, "<mechanism>%s</mechanism>", mechs[i]);
	buf_append_str(out, "</fast>");
}

static int
record_parse(const char *v, size_t n, struct record *r)
{
	char buf[VALUE_MAX];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (sscanf(buf, "1 %64s %lld %lld %31s %16s", r->hash,
	        (long long *)&r->expiry, &r->count, r->mech, r->prev) != 5 ||
	    strlen(r->hash) != 2 * HASH_LEN)
		return -1;
	return 0;
}

static int
record_format(const struct record *r, char *out, size_t cap)
{
	int n = snprintf(out, cap, "1 %s %lld %lld %s %s", r->hash,
	    (long long)r->expiry, r->count, r->mech,
	    r->prev[0] ? r->prev : "-");

	return n > 0 && (size_t)n < cap ? n : -1;
}

static int
unhex(const char *h, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* HMAC-SHA-256(key, label || cb) into out[32]. */
static int
ht_mac(const unsigned char *key, size_t klen, const char *label,
    const unsigned char *cb, size_t cblen, unsigned char *out)
{
	unsigned char msg[16 + 64];
	size_t l = strlen(label);
	unsigned olen = 0;

	if (l + cblen > sizeof(msg))
		return -1;
	memcpy(msg, label, l);
	if (cblen > 0)
		memcpy(msg + l, cb, cblen);
	if (HMAC(EVP_sha256(), key, (int)klen, msg, l + cblen, out, &olen) ==
	        NULL ||
	    olen != HASH_LEN)
		return -1;
	return 0;
}

static int
sha256(const void *p, size_t n, unsigned char *out)
{
	unsigned olen = 0;

	return EVP_Digest(p, n, out, &olen, EVP_sha256(), NULL) == 1 &&
	        olen == HASH_LEN
	    ? 0
	    : -1;
}

int
fast_issue(const char *host, const char *user, const char *mech,
    const char *prev, char *token, int64_t *expiry)
{
	unsigned char raw[FAST_TOKEN_LEN / 2], h[HASH_LEN];
	char id[FAST_ID_LEN + 1], value[VALUE_MAX];
	struct record r;
	int n;

	if (!fast_enabled() || (int)mech_kind(mech) < 0)
		return -1;
	util_random(raw, sizeof(raw));
	util_hex(raw, sizeof(raw), token);
	util_wipe(raw, sizeof(raw));
	if (sha256(token, FAST_TOKEN_LEN, h) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	util_hex(h, sizeof(h), r.hash);
	r.expiry = util_time() + (int64_t)server.conf->retention.fast_token;
	r.count = -1;
	snprintf(r.mech, sizeof(r.mech), "%s", mech);
	if (prev != NULL)
		snprintf(r.prev, sizeof(r.prev), "%s", prev);
	if ((n = record_format(&r, value, sizeof(value))) < 0)
		return -1;
	util_random_id(id, FAST_ID_LEN);
	/* Queued before any later read of the same store: a login with
	 * this token finds it. */
	if (store_map_put(server.store, FAST_STORE, host, user, id, value,
	        (size_t)n, NULL, NULL) == NULL)
		return -1;
	*expiry = r.expiry;
	log_debug("event=fast_token_issued");
	return 0;
}

/* --- token login --- */

static void
finish(struct fast *x, enum sasl_result r, const char *data)
{
	x->fn(x->arg, r, x->user, data != NULL ? data : "");
}

static void
fail(struct fast *x)
{
	sasl_fail_note(x->host, x->user);
	finish(x, SASL_NOT_AUTHORIZED, NULL);
}

static void token_unlocked(void *arg, const struct store_res *res);

static void
tokens_loaded(void *arg, const struct store_res *res)
{
	struct fast *x = arg;
	unsigned char key[HASH_LEN], mac[HASH_LEN];
	struct record r, hit;
	const char *id = NULL;
	int64_t now = util_time();
	size_t i;
	int n;

	x->req = NULL;
	if (res->status == STORE_ERR) {
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	/* Every live token is tried (one HMAC each, about a microsecond):
	 * a cap here would make the newest tokens of a busy account fail
	 * depending on their random ids. */
	for (i = 0; res->status == STORE_OK && i < res->nitems && id == NULL;
	     i++) {
		if (record_parse(res->items[i].value, res->items[i].value_len,
		        &r) == -1 ||
		    r.expiry <= now || strcmp(r.mech, x->mech) != 0 ||
		    unhex(r.hash, key, sizeof(key)) == -1 ||
		    ht_mac(key, sizeof(key), "Initiator", x->cb, x->cb_len,
		        mac) == -1)
			continue;
		if (util_memeq(mac, x->proof, HASH_LEN)) {
			id = res->items[i].key;
			hit = r;
		}
	}
	if (id == NULL || sasl_fail_locked(x->host, x->user) ||
	    (x->count >= 0 && hit.count >= 0 && x->count <= hit.count)) {
		util_wipe(key, sizeof(key));
		fail(x);
		return;
	}
	snprintf(x->used, sizeof(x->used), "%s", id);
	/* The server's proof, before the key goes. */
	n = ht_mac(key, sizeof(key), "Responder", x->cb, x->cb_len, mac);
	util_wipe(key, sizeof(key));
	if (n == -1) {
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	util_b64_encode(mac, sizeof(mac), x->enc);
	/*
	 * A token cannot open the account's sealed data (its hash is in
	 * the database): the login stands only if a password login has
	 * the account open now (docs/privacy.md). Otherwise it is refused,
	 * the token deleted, and the client falls back to its password.
	 */
	if ((x->hit = malloc(sizeof(*x->hit))) == NULL) {
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	*x->hit = hit;
	{
		struct store_unlock u = {.label = "FAST"};

		x->req = store_unlock(
		    server.store, x->host, x->user, &u, token_unlocked, x);
	}
	if (x->req == NULL)
		finish(x, SASL_TEMPORARY, NULL);
}

static void
token_unlocked(void *arg, const struct store_res *res)
{
	struct fast *x = arg;
	struct record hit = *x->hit;
	const char *id = x->used;
	char value[VALUE_MAX];
	int n;

	x->req = NULL;
	if (res->status == STORE_LOCKED) {
		/* Clients drop a refused token and log in with the password
		 * (asking for a new token): this one would only sit in the
		 * database, where its hash is worth a login while the
		 * account is open. */
		log_info("event=auth_fast_sealed_refused");
		store_map_del(
		    server.store, FAST_STORE, x->host, x->user, id, NULL, NULL);
		finish(x, SASL_NOT_AUTHORIZED, NULL);
		return;
	}
	if (res->status != STORE_OK) {
		finish(x, SASL_TEMPORARY, NULL);
		return;
	}
	/* Rotation: the first use of a new token retires the old one. */
	if (hit.prev[0] != '\0' && strcmp(hit.prev, "-") != 0)
		store_map_del(server.store, FAST_STORE, x->host, x->user,
		    hit.prev, NULL, NULL);
	if (x->invalidate) {
		store_map_del(
		    server.store, FAST_STORE, x->host, x->user, id, NULL, NULL);
	} else if (x->count >= 0 || strcmp(hit.prev, "-") != 0) {
		if (x->count >= 0)
			hit.count = x->count;
		hit.prev[0] = '\0';
		if ((n = record_format(&hit, value, sizeof(value))) > 0)
			store_map_put(server.store, FAST_STORE, x->host,
			    x->user, id, value, (size_t)n, NULL, NULL);
	}
	finish(x, SASL_SUCCESS, x->enc);
}

struct fast *
fast_start(const char *mech, SSL *ssl, const char *host, long long count,
    int invalidate, sasl_done_fn fn, void *arg)
{
	struct fast *x;
	int n;

	if (!fast_mech_offered(mech, ssl))
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->host = strdup(host)) == NULL ||
	    (x->mech = strdup(mech)) == NULL ||
	    (n = cb_data(mech_kind(mech), ssl, x->cb, sizeof(x->cb))) < 0) {
		fast_free(x);
		return NULL;
	}
	x->cb_len = (size_t)n;
	x->count = count;
	x->invalidate = invalidate != 0;
	x->fn = fn;
	x->arg = arg;
	return x;
}

void
fast_step(struct fast *x, const char *b64, int present)
{
	char msg[3 * 1024 + 1];
	const char *nul;
	size_t len = strlen(b64);
	long n;

	if (x->req != NULL || !present) {
		finish(x, SASL_MALFORMED, NULL);
		return;
	}
	if (len > (sizeof(msg) / 3) * 4 ||
	    (n = util_b64_decode(b64, len, msg, sizeof(msg) - 1)) < 0) {
		finish(x, SASL_INCORRECT_ENCODING, NULL);
		return;
	}
	/* authcid NUL HMAC(token, "Initiator" || cb-data) */
	if ((nul = memchr(msg, '\0', (size_t)n)) == NULL ||
	    (size_t)(msg + n - (nul + 1)) != HASH_LEN || nul == msg) {
		finish(x, SASL_MALFORMED, NULL);
		return;
	}
	memcpy(x->proof, nul + 1, HASH_LEN);
	x->user = jid_local_prep(msg, (size_t)(nul - msg));
	if (x->user == NULL) {
		finish(x, SASL_NOT_AUTHORIZED, NULL);
		return;
	}
	x->req = store_map_list(
	    server.store, FAST_STORE, x->host, x->user, tokens_loaded, x);
	if (x->req == NULL)
		finish(x, SASL_TEMPORARY, NULL);
}

const char *
fast_used_id(const struct fast *x)
{
	return x != NULL && x->used[0] != '\0' ? x->used : NULL;
}

void
fast_free(struct fast *x)
{
	if (x == NULL)
		return;
	if (x->req != NULL)
		store_cancel(x->req);
	free(x->hit);
	free(x->host);
	free(x->user);
	free(x->mech);
	util_wipe(x, sizeof(*x));
	free(x);
}

/* --- listing and revocation (the ad-hoc command) --- */

struct fast_op {
	fast_list_fn list;
	void (*done)(void *arg, int ok);
	void *arg;
	char *host, *user;
	char *id; /* one to revoke, or NULL: all */
};

static void
op_free(struct fast_op *op)
{
	free(op->host);
	free(op->user);
	free(op->id);
	free(op);
}

static struct fast_op *
op_new(const char *host, const char *user, const char *id)
{
	struct fast_op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	if ((op->host = strdup(host)) == NULL ||
	    (op->user = strdup(user)) == NULL ||
	    (id != NULL && (op->id = strdup(id)) == NULL)) {
		op_free(op);
		return NULL;
	}
	return op;
}

static void
listed(void *arg, const struct store_res *res)
{
	struct fast_op *op = arg;
	struct fast_info t[TOKENS_MAX];
	struct record r[TOKENS_MAX];
	int64_t now = util_time();
	size_t i, n = 0;

	for (i = 0;
	     res->status == STORE_OK && i < res->nitems && n < TOKENS_MAX;
	     i++) {
		if (record_parse(res->items[i].value, res->items[i].value_len,
		        &r[n]) == -1 ||
		    r[n].expiry <= now)
			continue;
		t[n].id = res->items[i].key;
		t[n].mech = r[n].mech;
		t[n].expiry = r[n].expiry;
		n++;
	}
	op->list(op->arg, res->status != STORE_ERR, t, n);
	op_free(op);
}

int
fast_list(const char *host, const char *user, fast_list_fn fn, void *arg)
{
	struct fast_op *op = op_new(host, user, NULL);

	if (op == NULL)
		return -1;
	op->list = fn;
	op->arg = arg;
	if (store_map_list(server.store, FAST_STORE, host, user, listed, op) ==
	    NULL) {
		op_free(op);
		return -1;
	}
	return 0;
}

static void
revoked(void *arg, const struct store_res *res)
{
	struct fast_op *op = arg;

	if (op->done != NULL)
		op->done(op->arg, res->status != STORE_ERR);
	op_free(op);
}

int
fast_revoke(const char *host, const char *user, const char *id,
    void (*fn)(void *arg, int ok), void *arg)
{
	struct fast_op *op = op_new(host, user, NULL);
	struct store_req *q;

	if (op == NULL)
		return -1;
	op->done = fn;
	op->arg = arg;
	q = id != NULL ? store_map_del(server.store, FAST_STORE, host, user, id,
	                     revoked, op)
	               : store_map_clear(
	                     server.store, FAST_STORE, host, user, revoked, op);
	if (q == NULL) {
		op_free(op);
		return -1;
	}
	log_info("event=fast_token_revoked all=%d", id == NULL);
	return 0;
}

/* --- the ad-hoc command: list and revoke (XEP-0050) --- */

static void
add_field(struct arena *a, struct xml_node *x, const char *var,
    const char *type, const char *label, const char *value)
{
	struct xml_node *f = xml_add(a, x, NS_DATA, "field"), *v;

	xml_set_attr(a, f, "var", var);
	xml_set_attr(a, f, "type", type);
	if (label != NULL)
		xml_set_attr(a, f, "label", label);
	if (value != NULL) {
		v = xml_add(a, f, NS_DATA, "value");
		xml_add_text(a, v, value, strlen(value));
	}
}

static void
cmd_listed(void *arg, int ok, const struct fast_info *t, size_t n)
{
	static const char instr[] =
	    "Each token lets one client log in without the password until "
	    "it expires. Choose the tokens to revoke.";
	struct iq_req *req = arg;
	struct arena *a = req->a;
	struct xml_node *c, *x, *f, *o, *v, *act;
	char label[96];
	struct tm tm;
	time_t when;
	size_t i;

	if (!ok || (c = adhoc_response(req, "executing")) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		iq_req_free(req);
		return;
	}
	act = xml_add(a, c, ADHOC_NS, "actions");
	xml_set_attr(a, act, "execute", "complete");
	xml_add(a, act, ADHOC_NS, "complete");
	x = xml_add(a, c, NS_DATA, "x");
	xml_set_attr(a, x, "type", "form");
	xml_add_text(a, xml_add(a, x, NS_DATA, "title"), "Login tokens", 12);
	xml_add_text(a, xml_add(a, x, NS_DATA, "instructions"), instr,
	    sizeof(instr) - 1);
	add_field(a, x, "revoke", "list-multi", "Revoke", NULL);
	f = x->last_child;
	for (i = 0; i < n; i++) {
		when = (time_t)t[i].expiry;
		gmtime_r(&when, &tm);
		snprintf(label, sizeof(label), "%s (%s), expires ", t[i].id,
		    t[i].mech);
		strftime(label + strlen(label), sizeof(label) - strlen(label),
		    "%Y-%m-%dT%H:%M:%SZ", &tm);
		o = xml_add(a, f, NS_DATA, "option");
		xml_set_attr(a, o, "label", label);
		v = xml_add(a, o, NS_DATA, "value");
		xml_add_text(a, v, t[i].id, strlen(t[i].id));
	}
	add_field(a, x, "all", "boolean", "Revoke every token", "0");
	iq_reply(req, c);
	iq_req_free(req);
}

static int
valid_id(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > FAST_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		        (id[i] >= 'a' && id[i] <= 'z') ||
		        (id[i] >= 'A' && id[i] <= 'Z')))
			return 0;
	return 1;
}

static enum iq_status
cmd_tokens(struct iq_req *req, const char *action, const struct xml_node *form)
{
	const char **ids, **all;
	struct xml_node *c;
	char note[64];
	size_t n = 0;
	int everything;

	if (form == NULL) {
		if (fast_list(req->to.domain, req->to.local, cmd_listed, req) ==
		    -1) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		return IQ_ASYNC;
	}
	if ((ids = adhoc_values(req, form, "revoke")) == NULL ||
	    (all = adhoc_values(req, form, "all")) == NULL ||
	    (c = adhoc_response(req, "completed")) == NULL) {
		iq_error(req, "wait", "resource-constraint", NULL);
		return IQ_DONE;
	}
	everything = all[0] != NULL &&
	    (strcmp(all[0], "1") == 0 || strcmp(all[0], "true") == 0);
	if (everything) {
		if (fast_revoke(req->to.domain, req->to.local, NULL, NULL,
		        NULL) == -1) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		adhoc_note(req, c, "info", "Every login token was revoked.");
		iq_reply(req, c);
		return IQ_DONE;
	}
	for (; *ids != NULL; ids++) {
		if (!valid_id(*ids)) {
			iq_error(req, "modify", "bad-request", "no such token");
			return IQ_DONE;
		}
		/* Deletes are queued before any later token login reads. */
		if (fast_revoke(
		        req->to.domain, req->to.local, *ids, NULL, NULL) == 0)
			n++;
	}
	snprintf(note, sizeof(note), "Revoked %zu login token%s.", n,
	    n == 1 ? "" : "s");
	adhoc_note(req, c, "info", note);
	iq_reply(req, c);
	return IQ_DONE;
}

void
fast_module_init(void)
{
	const struct conf *conf = server.conf;

	if (conf == NULL)
		fatal("event=start_failed reason=fast_without_conf");
	/* Registered even when off: tokens issued before are then deleted
	 * with the account and expire on schedule. */
	fast_def.retention = conf->retention.fast_token;
	if (store_register(&fast_def) < 0 ||
	    (conf->fast &&
	        adhoc_register(FAST_NODE, "Login tokens", cmd_tokens) < 0))
		fatal("event=start_failed reason=fast_module");
}
