/*
 * conn: one client socket, plain or TLS, with an output queue.
 *
 * Reads go through one buffer shared by the loop thread, so an idle
 * connection holds no read buffer; each connection reads at most its
 * budget per iteration. Output is queued and written just before the loop
 * sleeps; the socket is watched for writability only while the kernel
 * buffer is full. A connection is never freed inside its own callback:
 * conn_close() marks it, and the close completes before the loop sleeps,
 * ending with the owner's closed() callback, after which the conn is gone.
 */
#ifndef LETHE_CONN_H
#define LETHE_CONN_H

#include <stddef.h>

struct loop;
struct tls_ctx;
typedef struct ssl_st SSL;

struct conn_cb {
	/* Bytes arrived (plaintext after TLS). */
	void (*data)(void *owner, const char *p, size_t n);
	/* A TLS handshake started by conn_start_tls() completed. */
	void (*tls_ready)(void *owner);
	/* The connection is closed and freed; the owner frees itself. */
	void (*closed)(void *owner);
};

struct conn;

/* Global settings: read budget per connection per iteration. */
void conn_init(struct loop *l, size_t read_budget);
/* Wraps an accepted non-blocking socket. NULL on failure (fd closed). */
struct conn *conn_new(
    struct loop *l, int fd, const struct conn_cb *cb, void *owner);
/* Queues bytes for writing. 0 or -1 (OOM, or closing: dropped). */
int conn_write(struct conn *c, const void *p, size_t n);
int conn_write_str(struct conn *c, const char *s);
/*
 * Starts a server TLS handshake with ssl (ownership passes to c) once all
 * queued output has been written in the clear (STARTTLS sends <proceed/>
 * first). Input until then is discarded.
 */
int conn_start_tls(struct conn *c, SSL *ssl);
/* The socket (for TLS set-up only). */
int conn_fd(const struct conn *c);
/* The connection's TLS object, or NULL while plaintext. */
SSL *conn_tls(struct conn *c);
/* 1 after a handshake completed. */
int conn_is_tls(const struct conn *c);
/* Flushes what it can of the queue, then closes; idempotent. */
void conn_close(struct conn *c);
int conn_closing(const struct conn *c);
/* Bytes queued but not yet written. */
size_t conn_queued(const struct conn *c);
/* Stop reading (back-pressure) or resume. */
void conn_pause(struct conn *c, int paused);
/* Connections currently open. */
size_t conn_count(void);
/*
 * Back-pressure: while on, no connection is read (and none is watched
 * for input), so a storage thread that fell behind is not handed more
 * work faster than it can do it. Costs one pass over all connections per
 * change; callers switch it with hysteresis.
 */
void conn_hold_reads(int on);

#endif
