/*
 * fast: XEP-0484 Fast Authentication Streamlining Tokens. After a SASL2
 * login a client may ask for a token; later it logs in with the token
 * through the HT-SHA-256-* mechanisms (draft-schmaus-kitten-sasl-ht) in
 * one round trip. Tokens are stored only as SHA-256 hashes, one map item
 * per token under a random id, owned by the account and expiring after
 * [retention] fast_token.
 */
#ifndef LETHE_FAST_H
#define LETHE_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "xmpp/sasl.h"

#define FAST_NS "urn:xmpp:fast:0"
/* Characters of a token as handed out (hex), and of a token id. */
#define FAST_TOKEN_LEN 80
#define FAST_ID_LEN 16

struct buf;
struct fast;

/* 1 if FAST is on ([server] fast). */
int fast_enabled(void);
/* Appends <fast><mechanism/>…</fast> for the SASL2 inline features of
 * this TLS session; nothing when FAST is off. */
void fast_features(SSL *ssl, struct buf *out);
/* 1 if mech is a token mechanism offered on this TLS session. */
int fast_mech_offered(const char *mech, SSL *ssl);

/*
 * A token login with mechanism `mech` for `host`: count is the client's
 * <fast count/> (-1 when absent) and invalidate its <fast invalidate/>.
 * The completion has sasl.c's contract (data: base64 additional data).
 * NULL if the mechanism is not offered here or on OOM.
 */
struct fast *fast_start(const char *mech, SSL *ssl, const char *host,
    long long count, int invalidate, sasl_done_fn fn, void *arg);
/* Feeds the base64 initial response (present == 0: none was sent). */
void fast_step(struct fast *x, const char *b64, int present);
/* The id of the token that logged in (after success), or NULL. */
const char *fast_used_id(const struct fast *x);
/* Cancels any pending lookup and frees. NULL is a no-op. */
void fast_free(struct fast *x);

/*
 * Issues a token for (host, user) usable with `mech`, replacing `prev`
 * (a token id, or NULL) once it is first used: writes its hash and fills
 * token[FAST_TOKEN_LEN + 1] and *expiry (Unix seconds). 0, or -1 if
 * mech is not a token mechanism or FAST is off.
 */
int fast_issue(const char *host, const char *user, const char *mech,
    const char *prev, char *token, int64_t *expiry);

/* One stored token as the token list shows it (no secret in it). */
struct fast_info {
	const char *id;
	const char *mech;
	int64_t expiry;
};
typedef void (*fast_list_fn)(
    void *arg, int ok, const struct fast_info *t, size_t n);
/* Lists (host, user)'s live tokens; fn runs once, later. -1 if not
 * queued. */
int fast_list(const char *host, const char *user, fast_list_fn fn, void *arg);
/* Revokes one token (id) or all (id NULL). fn (may be NULL) runs later
 * with ok. -1 if not queued. */
int fast_revoke(const char *host, const char *user, const char *id,
    void (*fn)(void *arg, int ok), void *arg);

void fast_module_init(void);

#endif
