/*
 * tls: OpenSSL 3 server contexts for the client listeners.
 *
 * One SSL_CTX per virtual host, chosen by SNI (the first host is the
 * default when the client sends none or an unknown name). TLS 1.2 and 1.3
 * only, forward-secret AEAD suites only, session tickets with keys that
 * live in memory. SSL_MODE_RELEASE_BUFFERS keeps idle connections small.
 * Direct-TLS listeners negotiate ALPN "xmpp-client" (XEP-0368).
 * Certificates are reloaded in place (SIGHUP): new connections use the new
 * ones, established ones keep theirs.
 */
#ifndef LETHE_TLS_H
#define LETHE_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct conf;
struct tls_ctx;
typedef struct ssl_st SSL;

/* Loads every host's certificate and key. NULL with a message in err. */
struct tls_ctx *tls_ctx_new(const struct conf *c, char *err, size_t errlen);
/* Reloads certificates from c; on failure keeps the old ones. 0 or -1. */
int tls_ctx_reload(
    struct tls_ctx *t, const struct conf *c, char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *t);

/* A server-side SSL on fd; direct != 0 for XEP-0368 listeners. */
SSL *tls_new(struct tls_ctx *t, int fd, int direct);
void tls_free(SSL *ssl);

enum {
	TLS_WANT_READ = -2,
	TLS_WANT_WRITE = -3,
	TLS_ERROR = -1,
	TLS_CLOSED = 0,
};

/* 1 when done, TLS_WANT_*, or TLS_ERROR. */
int tls_handshake(SSL *ssl);
/* Bytes read (> 0), TLS_CLOSED, TLS_WANT_*, or TLS_ERROR. */
ssize_t tls_read(SSL *ssl, void *p, size_t n);
/* Bytes written (> 0), TLS_WANT_*, or TLS_ERROR. */
ssize_t tls_write(SSL *ssl, const void *p, size_t n);
/* 1 if OpenSSL holds decrypted bytes not yet returned by tls_read. */
int tls_pending(SSL *ssl);

/* The host SNI selected (normalized), or NULL if none/unknown. */
const char *tls_sni(SSL *ssl);
/* Negotiated protocol version string ("TLSv1.3"). */
const char *tls_version(SSL *ssl);

/* Channel binding (RFC 9266 tls-exporter: 32 bytes; RFC 5929
 * tls-server-end-point). Return the length written, or -1 if unavailable
 * on this connection. */
int tls_cb_exporter(SSL *ssl, unsigned char *out, size_t cap);
int tls_cb_endpoint(SSL *ssl, unsigned char *out, size_t cap);

#endif
