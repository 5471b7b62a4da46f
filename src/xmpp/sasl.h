/*
 * sasl: SASL for client streams (RFC 6120 §6): which mechanisms to offer
 * and one exchange at a time. SCRAM-SHA-1/256/512 and their -PLUS
 * variants (channel binding advertised per XEP-0440), and PLAIN, which
 * only runs inside TLS and is checked against the stored SCRAM verifiers.
 *
 * Failed attempts are counted per account in memory only; past the
 * configured number within the window, logins to that account fail
 * whatever the password, without saying so.
 */
#ifndef LETHE_SASL_H
#define LETHE_SASL_H

struct buf;
typedef struct ssl_st SSL;

enum sasl_result {
	SASL_SUCCESS = 0,
	SASL_CONTINUE, /* data is the next challenge (base64) */
	SASL_NOT_AUTHORIZED,
	SASL_BAD_CB,
	SASL_INVALID_MECH,
	SASL_MALFORMED,
	SASL_INCORRECT_ENCODING,
	SASL_INVALID_AUTHZID,
	SASL_ABORTED,
	SASL_TEMPORARY, /* storage failure */
	/* Refused at the client's first message, before any proof: */
	SASL_CB_UNSUPPORTED, /* p=<a channel binding type we do not offer> */
	SASL_CB_DOWNGRADE, /* "y" although -PLUS was offered (RFC 5802) */
};

/*
 * Completion: on SASL_SUCCESS `user` is the normalized localpart and data
 * the base64 additional data (may be ""); on SASL_CONTINUE data is the
 * challenge. May run inside sasl_step() or later; it must be the last
 * thing sasl.c does with the exchange, so the callee may free it.
 */
typedef void (*sasl_done_fn)(
    void *arg, enum sasl_result r, const char *user, const char *data);

struct sasl;

/* Appends <mechanisms/> and <sasl-channel-binding/> for this TLS session. */
void sasl_features(SSL *ssl, struct buf *out);
/* Starts mechanism `mech` for `host`; NULL if not offered here. */
struct sasl *sasl_start(
    const char *mech, SSL *ssl, const char *host, sasl_done_fn fn, void *arg);
/* Feeds the base64 text of <auth/> or <response/>; present == 0 when
 * <auth/> carried no initial response. */
void sasl_step(struct sasl *x, const char *b64, int present);
/* Cancels any pending lookup and frees. NULL is a no-op. */
void sasl_free(struct sasl *x);
/* The <failure/> child for a result. */
const char *sasl_result_condition(enum sasl_result r);
/* Appends one <mechanism/> per mechanism sasl_features() offers on this
 * TLS session, in the same order (SASL2, XEP-0388, lists the same set). */
void sasl_mechanism_list(SSL *ssl, struct buf *out);
/* The in-memory failure count shared by every login path (SASL2 and
 * FAST too): 1 if (host, user) is locked out now. */
int sasl_fail_locked(const char *host, const char *user);
/* Counts one failed attempt for (host, user); user NULL is a no-op. */
void sasl_fail_note(const char *host, const char *user);

#endif
