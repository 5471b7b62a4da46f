/*
 * tls: OpenSSL 3 server contexts, one per [host], and the per-connection
 * calls the connection layer makes.
 *
 * The set of contexts (one SSL_CTX per host, the first the default) is
 * replaced as a whole on reload, under a mutex, and only once every host
 * has loaded; an SSL holds a reference to the SSL_CTX it uses, so
 * established connections keep their certificate while new ones get the
 * new set. SNI switches a connection to its host's context in the
 * servername callback; the callback looks the name up in the current set.
 *
 * Every call into OpenSSL that can fail starts and ends with an empty
 * error queue (it is per thread, and one connection's leftovers would
 * otherwise be read as the next connection's error).
 */
#include "net/tls.h"

#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

/*
 * TLS 1.2: ECDHE key exchange with AEAD only (Mozilla "intermediate"
 * without DHE). TLS 1.3: every suite is forward-secret AEAD; ChaCha20 is
 * kept for clients without AES instructions, which is why the client's
 * order is honoured.
 */
#define DEFAULT_CIPHERS                                                        \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"           \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"           \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define DEFAULT_CIPHERSUITES                                                   \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"                       \
	"TLS_CHACHA20_POLY1305_SHA256"
#define DEFAULT_GROUPS "X25519:P-256:P-384"

#define ALPN_XMPP "xmpp-client"
#define SNI_MAX 253

/* The host a context serves; hangs off the SSL_CTX as ex_data. */
struct tls_host {
	char *name; /* owned; as configured (U-label) */
	char *alabel; /* owned; ASCII form to match SNI against */
	/* tls-server-end-point of the certificate, hashed once at load
	 * (it is the same for every connection); ep_len -1: undefined. */
	unsigned char ep[EVP_MAX_MD_SIZE];
	int ep_len;
};

static int endpoint_hash(X509 *cert, unsigned char *out, size_t cap);

struct tls_set {
	SSL_CTX **ctx; /* owned references; ctx[0] is the default */
	size_t n;
};

struct tls_ctx {
	pthread_mutex_t lock; /* guards set */
	struct tls_set set;
};

/* Per-SSL flags, stored as the ex_data pointer value. */
#define F_DIRECT 1u
#define F_SNI 2u /* the client named one of our hosts */

static pthread_once_t idx_once = PTHREAD_ONCE_INIT;
static int ctx_idx = -1; /* SSL_CTX -> struct tls_host */
static int ssl_idx = -1; /* SSL -> flags */

static void
host_free_cb(
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct tls_host *h = ptr;

	if (h == NULL)
		return;
	free(h->name);
	free(h->alabel);
	free(h);
}

static void
idx_init(void)
{
	ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, host_free_cb);
	ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static unsigned
flags_of(const SSL *ssl)
{
	return (unsigned)(uintptr_t)SSL_get_ex_data(ssl, ssl_idx);
}

static void
flags_set(SSL *ssl, unsigned f)
{
	SSL_set_ex_data(ssl, ssl_idx, (void *)(uintptr_t)(flags_of(ssl) | f));
}

/* err <- "prefix: <first OpenSSL reason>", and the queue is emptied. */
static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[256], reason[256];
	unsigned long e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = ERR_peek_error();
	if (e != 0) {
		if (ERR_SYSTEM_ERROR(e))
			snprintf(reason, sizeof(reason), "%s",
			    strerror(ERR_GET_REASON(e)));
		else if (ERR_reason_error_string(e) != NULL)
			snprintf(reason, sizeof(reason), "%s",
			    ERR_reason_error_string(e));
		else
			ERR_error_string_n(e, reason, sizeof(reason));
		snprintf(err, errlen, "%s: %s", msg, reason);
	} else
		snprintf(err, errlen, "%s", msg);
	ERR_clear_error();
}

/* Lowercase ASCII copy without a trailing dot; -1 if too long or empty. */
static int
normalize(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), i;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= cap)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return 0;
}

/* --- contexts ----------------------------------------------------------- */

static void
set_free(struct tls_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		SSL_CTX_free(s->ctx[i]);
	free(s->ctx);
	s->ctx = NULL;
	s->n = 0;
}

static int sni_cb(SSL *ssl, int *al, void *arg);
static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg);

/*
 * Keys are read at start-up and on reload, unattended: an encrypted key
 * must fail with a message, never wait for someone to type a passphrase.
 */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* A context for one host: policy, certificate chain and key. */
static SSL_CTX *
host_ctx(struct tls_ctx *t, const struct conf *c, const struct conf_host *h,
    char *err, size_t errlen)
{
	static const unsigned char sid[] = "lethe";
	SSL_CTX *ctx = NULL;
	struct tls_host *th = NULL;
	EVP_PKEY *pkey = NULL;
	X509 *cert;
	BIO *bio = NULL;
	char *alabel = NULL;
	const char *ciphers, *suites;
	int min;

	if (h->name == NULL || h->certificate == NULL || h->key == NULL) {
		snprintf(err, errlen, "host %s: certificate and key required",
		    h->name ? h->name : "(unnamed)");
		return NULL;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		seterr(err, errlen, "host %s: SSL_CTX_new", h->name);
		goto fail;
	}

	min = c->tls_min_protocol == CONF_TLS_1_3 ? TLS1_3_VERSION
	                                          : TLS1_2_VERSION;
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		seterr(err, errlen, "host %s: protocol versions", h->name);
		goto fail;
	}
	ciphers = c->tls_ciphers && *c->tls_ciphers ? c->tls_ciphers
	                                            : DEFAULT_CIPHERS;
	suites = c->tls_ciphersuites && *c->tls_ciphersuites
	    ? c->tls_ciphersuites
	    : DEFAULT_CIPHERSUITES;
	if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		seterr(err, errlen, "tls ciphers \"%s\"", ciphers);
		goto fail;
	}
	if (SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
		seterr(err, errlen, "tls ciphersuites \"%s\"", suites);
		goto fail;
	}
	if (SSL_CTX_set1_groups_list(ctx, DEFAULT_GROUPS) != 1) {
		seterr(err, errlen, "tls groups");
		goto fail;
	}
	/*
	 * No compression (CRIME), no renegotiation (nothing needs it and it
	 * is a DoS lever). Session tickets stay on: their keys are random
	 * per context and live only in memory, so a reload also retires
	 * them. An EOF without close_notify reads as a close: XMPP ends
	 * its own stream, so truncation is detected above us.
	 */
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	        SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_clear_options(
	    ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) != 1) {
		seterr(err, errlen, "host %s: session id context", h->name);
		goto fail;
	}
	SSL_CTX_set_tlsext_servername_callback(ctx, sni_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, t);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);

	/* Certificate chain, then the key read on its own, so that a key
	 * that does not fit is reported as that and not as a parse error. */
	if (SSL_CTX_use_certificate_chain_file(ctx, h->certificate) != 1) {
		seterr(err, errlen, "host %s: cannot load certificate %s",
		    h->name, h->certificate);
		goto fail;
	}
	if ((bio = BIO_new_file(h->key, "r")) == NULL) {
		seterr(err, errlen, "host %s: cannot open key %s", h->name,
		    h->key);
		goto fail;
	}
	if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) ==
	    NULL) {
		seterr(err, errlen,
		    "host %s: cannot read key %s (want an unencrypted PEM "
		    "private key)",
		    h->name, h->key);
		goto fail;
	}
	cert = SSL_CTX_get0_certificate(ctx);
	if (cert == NULL || X509_check_private_key(cert, pkey) != 1) {
		ERR_clear_error();
		snprintf(err, errlen,
		    "host %s: key %s does not match certificate %s", h->name,
		    h->key, h->certificate);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		seterr(err, errlen,
		    "host %s: key %s does not match certificate %s", h->name,
		    h->key, h->certificate);
		goto fail;
	}

	if ((th = calloc(1, sizeof(*th))) == NULL ||
	    (th->name = strdup(h->name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* SNI carries the A-label; the configuration holds the U-label. */
	if (idn2_to_ascii_8z(h->name, &alabel, IDN2_NONTRANSITIONAL) ==
	        IDN2_OK &&
	    alabel != NULL) {
		th->alabel = strdup(alabel);
		idn2_free(alabel);
	} else
		th->alabel = strdup(h->name);
	th->ep_len = endpoint_hash(cert, th->ep, sizeof(th->ep));
	if (th->alabel == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (SSL_CTX_set_ex_data(ctx, ctx_idx, th) != 1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	th = NULL; /* the context owns it now */

	EVP_PKEY_free(pkey);
	BIO_free(bio);
	ERR_clear_error();
	return ctx;
fail:
	if (th != NULL) {
		free(th->name);
		free(th->alabel);
		free(th);
	}
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

static int
set_load(struct tls_ctx *t, const struct conf *c, struct tls_set *out,
    char *err, size_t errlen)
{
	size_t i;

	out->ctx = NULL;
	out->n = 0;
	if (c->nhosts == 0) {
		snprintf(err, errlen, "no [host] configured");
		return -1;
	}
	if ((out->ctx = calloc(c->nhosts, sizeof(*out->ctx))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < c->nhosts; i++) {
		out->ctx[i] = host_ctx(t, c, &c->hosts[i], err, errlen);
		if (out->ctx[i] == NULL) {
			set_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

struct tls_ctx *
tls_ctx_new(const struct conf *c, char *err, size_t errlen)
{
	struct tls_ctx *t;

	pthread_once(&idx_once, idx_init);
	if (ctx_idx < 0 || ssl_idx < 0) {
		snprintf(err, errlen, "OpenSSL ex_data index");
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		snprintf(err, errlen, "mutex");
		free(t);
		return NULL;
	}
	if (set_load(t, c, &t->set, err, errlen) == -1) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	return t;
}

int
tls_ctx_reload(
    struct tls_ctx *t, const struct conf *c, char *err, size_t errlen)
{
	struct tls_set fresh, old;

	if (set_load(t, c, &fresh, err, errlen) == -1)
		return -1;
	pthread_mutex_lock(&t->lock);
	old = t->set;
	t->set = fresh;
	pthread_mutex_unlock(&t->lock);
	/* Connections still using an old context hold their own reference. */
	set_free(&old);
	return 0;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	set_free(&t->set);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* --- callbacks ---------------------------------------------------------- */

/* Switches the connection to the context of the host the client named. */
static int
sni_cb(SSL *ssl, int *al, void *arg)
{
	struct tls_ctx *t = arg;
	const char *name;
	char norm[SNI_MAX + 1];
	struct tls_host *th;
	size_t i;
	int found = 0;

	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL || normalize(name, norm, sizeof(norm)) == -1)
		return SSL_TLSEXT_ERR_NOACK;
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->set.n && !found; i++) {
		th = SSL_CTX_get_ex_data(t->set.ctx[i], ctx_idx);
		if (th != NULL &&
		    (strcmp(th->alabel, norm) == 0 ||
		        strcmp(th->name, norm) == 0)) {
			if (SSL_set_SSL_CTX(ssl, t->set.ctx[i]) != NULL)
				found = 1;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (!found)
		return SSL_TLSEXT_ERR_NOACK; /* default host, name not ours */
	flags_set(ssl, F_SNI);
	return SSL_TLSEXT_ERR_OK;
}

/*
 * XEP-0368: direct TLS negotiates "xmpp-client". A client that sends no
 * ALPN never gets here and is accepted; one that offers only other
 * protocols is talking to the wrong port and gets no_application_protocol.
 * STARTTLS connections do not use ALPN and ignore it.
 */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char proto[] = ALPN_XMPP;
	unsigned int i = 0, l;

	if (!(flags_of(ssl) & F_DIRECT))
		return SSL_TLSEXT_ERR_NOACK;
	while (i < inlen) {
		l = in[i++];
		if (l == 0 || l > inlen - i)
			return SSL_TLSEXT_ERR_ALERT_FATAL;
		if (l == sizeof(proto) - 1 && memcmp(in + i, proto, l) == 0) {
			*out = in + i;
			*outlen = (unsigned char)l;
			return SSL_TLSEXT_ERR_OK;
		}
		i += l;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* --- connections -------------------------------------------------------- */

SSL *
tls_new(struct tls_ctx *t, int fd, int direct)
{
	SSL *ssl;

	ERR_clear_error();
	pthread_mutex_lock(&t->lock);
	ssl = t->set.n > 0 ? SSL_new(t->set.ctx[0]) : NULL;
	pthread_mutex_unlock(&t->lock);
	if (ssl == NULL)
		goto fail;
	if (SSL_set_fd(ssl, fd) != 1)
		goto fail;
	if (SSL_set_ex_data(
	        ssl, ssl_idx, (void *)(uintptr_t)(direct ? F_DIRECT : 0)) != 1)
		goto fail;
	SSL_set_accept_state(ssl);
	return ssl;
fail:
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

void
tls_free(SSL *ssl)
{
	SSL_free(ssl);
}

/* Maps a failed call's result to the tls.h codes. */
static int
map_error(SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return TLS_CLOSED;
	default:
		ERR_clear_error();
		return TLS_ERROR;
	}
}

int
tls_handshake(SSL *ssl)
{
	int r;

	ERR_clear_error();
	r = SSL_do_handshake(ssl);
	if (r == 1)
		return 1;
	r = map_error(ssl, r);
	/* A handshake cannot end cleanly half-way. */
	return r == TLS_CLOSED ? TLS_ERROR : r;
}

ssize_t
tls_read(SSL *ssl, void *p, size_t n)
{
	size_t got = 0;
	int r;

	if (n == 0)
		return TLS_ERROR;
	ERR_clear_error();
	r = SSL_read_ex(ssl, p, n, &got);
	if (r == 1)
		return (ssize_t)got;
	return map_error(ssl, r);
}

ssize_t
tls_write(SSL *ssl, const void *p, size_t n)
{
	size_t put = 0;
	int r;

	if (n == 0)
		return TLS_ERROR;
	ERR_clear_error();
	r = SSL_write_ex(ssl, p, n, &put);
	if (r == 1)
		return (ssize_t)put;
	r = map_error(ssl, r);
	/* Writing after the peer's close_notify is an error for us. */
	return r == TLS_CLOSED ? TLS_ERROR : r;
}

int
tls_pending(SSL *ssl)
{
	return SSL_pending(ssl) > 0;
}

const char *
tls_sni(SSL *ssl)
{
	struct tls_host *th;

	if (!(flags_of(ssl) & F_SNI))
		return NULL;
	th = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_idx);
	return th != NULL ? th->name : NULL;
}

const char *
tls_version(SSL *ssl)
{
	return SSL_get_version(ssl);
}

/* --- channel binding ---------------------------------------------------- */

int
tls_cb_exporter(SSL *ssl, unsigned char *out, size_t cap)
{
	static const char label[] = "EXPORTER-Channel-Binding";

	if (cap < 32 || !SSL_is_init_finished(ssl))
		return -1;
	/* RFC 9266 §3: on TLS 1.2 only with the extended master secret,
	 * otherwise the exporter is not unique to the connection. */
	if (SSL_version(ssl) < TLS1_3_VERSION && !SSL_get_extms_support(ssl))
		return -1;
	ERR_clear_error();
	if (SSL_export_keying_material(
	        ssl, out, 32, label, sizeof(label) - 1, NULL, 0, 0) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 32;
}

int
tls_cb_endpoint(SSL *ssl, unsigned char *out, size_t cap)
{
	const struct tls_host *th =
	    SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_idx);
	X509 *cert;

	if (th != NULL &&
	    SSL_get_certificate(ssl) ==
	        SSL_CTX_get0_certificate(SSL_get_SSL_CTX(ssl))) {
		if (th->ep_len < 0 || (size_t)th->ep_len > cap)
			return -1;
		memcpy(out, th->ep, (size_t)th->ep_len);
		return th->ep_len;
	}
	if ((cert = SSL_get_certificate(ssl)) == NULL)
		return -1;
	return endpoint_hash(cert, out, cap);
}

static int
endpoint_hash(X509 *cert, unsigned char *out, size_t cap)
{
	const EVP_MD *md;
	unsigned int len = 0;
	int mdnid = NID_undef;

	ERR_clear_error();
	/*
	 * RFC 5929 §4.1: the certificate's signature hash, MD5 and SHA-1
	 * upgraded to SHA-256; undefined for signatures without a single
	 * hash (Ed25519, for instance).
	 */
	if (X509_get_signature_info(cert, &mdnid, NULL, NULL, NULL) != 1 ||
	    mdnid == NID_undef) {
		ERR_clear_error();
		return -1;
	}
	if (mdnid == NID_md5 || mdnid == NID_sha1)
		mdnid = NID_sha256;
	if ((md = EVP_get_digestbynid(mdnid)) == NULL ||
	    (size_t)EVP_MD_get_size(md) > cap ||
	    X509_digest(cert, md, out, &len) != 1) {
		ERR_clear_error();
		return -1;
	}
	return (int)len;
}
