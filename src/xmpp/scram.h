/*
 * scram: SCRAM (RFC 5802, RFC 7677) server side for SHA-1, SHA-256 and
 * SHA-512, with channel binding (-PLUS: tls-exporter, tls-server-end-point,
 * RFC 9266). Only verifiers are ever stored: salt, iteration count,
 * StoredKey and ServerKey. A successful exchange yields ClientKey, which
 * the server never stores (PRIVACY.md, sealed records).
 */
#ifndef LETHE_SCRAM_H
#define LETHE_SCRAM_H

#include <stddef.h>

struct buf;

enum scram_hash { SCRAM_SHA1 = 0, SCRAM_SHA256, SCRAM_SHA512, SCRAM_NHASH };

#define SCRAM_MAX_KEY 64
#define SCRAM_MAX_SALT 64
#define SCRAM_MSG_MAX 4096 /* ceiling for any SCRAM message we accept */

struct scram_cred {
	enum scram_hash hash;
	unsigned iter;
	unsigned char salt[SCRAM_MAX_SALT];
	size_t salt_len;
	unsigned char stored_key[SCRAM_MAX_KEY];
	unsigned char server_key[SCRAM_MAX_KEY];
	/* Never stored: set (has_client_key) only where the password is
	 * known (scram_make_cred()), so that account creation and
	 * password changes can wrap the sealing key under it. */
	unsigned char client_key[SCRAM_MAX_KEY];
	int has_client_key;
};

/* "SCRAM-SHA-256" etc.; plus != 0 gives the -PLUS name. */
const char *scram_mech_name(enum scram_hash h, int plus);
/* Parses a mechanism name; 0 and *h, *plus set, or -1. */
int scram_mech_parse(const char *name, enum scram_hash *h, int *plus);
size_t scram_hash_len(enum scram_hash h);

/*
 * Verifiers for a password already normalized with PRECIS OpaqueString.
 * A fresh random 16-byte salt is drawn. 0 or -1.
 */
int scram_make_cred(enum scram_hash h, const char *password, size_t n,
    unsigned iter, struct scram_cred *out);
/*
 * PLAIN check against stored verifiers (PBKDF2: slow; run off the loop).
 * Returns 1 if the password matches (and fills client_key, if non-NULL,
 * with scram_hash_len() bytes), 0 if not.
 */
int scram_check_password(const struct scram_cred *c, const char *password,
    size_t n, unsigned char *client_key);

/* Channel-binding data the TLS layer provides for the -PLUS variants. */
struct scram_cb {
	const unsigned char *exporter; /* tls-exporter (32 bytes), or NULL */
	size_t exporter_len;
	const unsigned char *endpoint; /* tls-server-end-point, or NULL */
	size_t endpoint_len;
	int plus_offered; /* the server advertised -PLUS mechanisms */
};

struct scram_server;

/* A new exchange for mechanism (h, plus). cb is copied. */
struct scram_server *scram_server_new(
    enum scram_hash h, int plus, const struct scram_cb *cb);
void scram_server_free(struct scram_server *s);

/*
 * For tests and fuzzing only, never in the server: fixes the server nonce
 * (printable, no ',', 1..64 bytes) that scram_server_challenge() appends
 * instead of 24 random bytes, so published test vectors can be replayed.
 * Must be called before the challenge. 0 or -1.
 */
int scram_server_set_nonce(struct scram_server *s, const char *nonce, size_t n);

/*
 * XEP-0474 (SASL SCRAM downgrade protection): base64 of H(the sorted
 * mechanism names joined by 0x1E, then 0x1F and the sorted channel-binding
 * types joined by 0x1E; without types, the names alone), H being the hash
 * of h. Written NUL-terminated into out[cap] (cap >= 89 fits SHA-512).
 * 0, or -1 (a name holding a separator, too long, OOM).
 */
int scram_ssdp_value(enum scram_hash h, const char *const *mechs, size_t nmechs,
    const char *const *cbs, size_t ncbs, char *out, size_t cap);
/* Makes server-first-message carry ",h=" value (XEP-0474). value is
 * copied (base64, at most 88 characters); call before the challenge.
 * 0 or -1. */
int scram_server_set_ssdp(struct scram_server *s, const char *value);

enum scram_status {
	SCRAM_OK = 0,
	SCRAM_FAIL, /* <not-authorized/> */
	SCRAM_MALFORMED, /* <malformed-request/> */
	SCRAM_BAD_CB, /* channel binding mismatch or downgrade */
	SCRAM_NOMEM,
};

/*
 * client-first-message. On SCRAM_OK the (still unprepared, SCRAM-decoded
 * "=2C"/"=3D") username is available from scram_server_user(). An authzid
 * is accepted only if it names the same account (checked by the caller).
 */
enum scram_status scram_server_first(
    struct scram_server *s, const char *msg, size_t n);
const char *scram_server_user(const struct scram_server *s);
const char *scram_server_authzid(const struct scram_server *s); /* or NULL */

/*
 * Builds server-first-message into out. cred NULL means "no such account":
 * a deterministic fake salt is derived from `fake_key` and the username, so
 * the reply does not reveal whether the account exists, and the exchange
 * will fail at the proof.
 */
enum scram_status scram_server_challenge(struct scram_server *s,
    const struct scram_cred *cred, const unsigned char *fake_key,
    size_t fake_key_len, unsigned default_iter, struct buf *out);

/*
 * client-final-message: checks channel binding, nonce and proof. On
 * SCRAM_OK writes server-final-message ("v=...") into out and ClientKey
 * (scram_hash_len() bytes) into client_key if non-NULL.
 */
enum scram_status scram_server_final(struct scram_server *s, const char *msg,
    size_t n, struct buf *out, unsigned char *client_key);

#endif
