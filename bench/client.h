/*
 * client: one simulated XMPP client of the load generator.
 *
 * It does what a real client does, in order, waiting for each answer:
 * TCP connect from a chosen loopback source address, stream header,
 * STARTTLS, TLS handshake, stream header, SASL SCRAM-SHA-256 (SHA-1 when
 * that is all the server offers), stream restart, resource binding,
 * roster get, initial presence, and a ping to the server whose answer
 * proves the presence was processed: then it is ready, and the
 * scenario's ready() callback runs. From then on it sends chat messages
 * when asked, hands received ones to message(), and answers the server's
 * IQ requests (pings) with an empty result.
 *
 * Input is not parsed as XML: a small scanner finds where each top-level
 * element ends (tags, quotes, depth), and only the few attributes and
 * texts the client needs are looked at. Output is queued and written once
 * per loop iteration by client_flush(), one TLS record per client.
 *
 * A client is never freed inside a callback: failing or quitting marks
 * it dead, and client_flush() closes it, calls gone() and frees it.
 */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "scram.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

struct client;

struct client_cb {
	/* Login complete: bound, roster fetched, presence processed. */
	void (*ready)(struct client *c);
	/* A chat message arrived; stamp is the sender's send time (ns),
	 * 0 for an error bounce (error != 0). */
	void (*message)(struct client *c, uint64_t stamp, int error);
	/* The client is closed and about to be freed; failed != 0 when it
	 * ended on an error (c->why says which). */
	void (*gone)(struct client *c, int failed);
	/* Optional: once ready, every <message/> and every <iq/> result or
	 * error is offered here first, as [p, end); nonzero: consumed. */
	int (*stanza)(struct client *c, const char *p, const char *end);
};

enum client_phase {
	CP_CONNECT = 0,
	CP_FEATURES1, /* plaintext stream: waiting for <starttls/> offer */
	CP_PROCEED,
	CP_HANDSHAKE,
	CP_FEATURES2, /* TLS stream: waiting for the SASL mechanisms */
	CP_CHALLENGE,
	CP_SUCCESS,
	CP_FEATURES3, /* authenticated stream: waiting for <bind/> */
	CP_BIND,
	CP_ROSTER,
	CP_PING, /* presence sent, waiting for the ping's answer */
	CP_READY,
};

struct iobuf {
	char *p;
	size_t len, cap;
};

struct client {
	int fd;
	enum client_phase phase;
	SSL *ssl;
	struct iobuf in, out;
	size_t scan; /* scanner position in `in` */
	size_t elem; /* start of the top-level element being read */
	int depth; /* 0: before the stream header; 1: between stanzas */
	unsigned dirty : 1, dead : 1, failed : 1, quitting : 1;
	unsigned want_w : 1; /* output waits for the socket */
	unsigned hs_w : 1; /* TLS wants the socket writable */
	unsigned ev; /* epoll events armed */
	const char *why; /* failure reason, a static string */
	struct scram scram;
	char user[48];
	char resource[24];
	uint64_t t_start, t_ready; /* ns, monotonic */
	uint64_t msg_id;
	void *arg; /* the scenario's */
	long index; /* the scenario's */
	struct client *next_dirty, *next_dead;
	struct client *prev, *next; /* every live client */
};

struct client_stats {
	uint64_t started, ready, failed, quit;
	uint64_t bytes_in, bytes_out;
};

/* Loopback only: addresses are host-order 127.x.y.z. */
int client_init(uint32_t server_addr, uint16_t port, const char *domain,
    const char *password, const struct client_cb *cb, int sha1_only,
    size_t body_bytes);
/* The epoll descriptor the loop waits on; event data is the client. */
int client_epoll_fd(void);
/* Replaces the callbacks given to client_init() (one scenario's). */
void client_set_callbacks(const struct client_cb *cb);
/* Starts a login from source address src. NULL if no descriptor or
 * memory is left (the caller counts it as a failure). */
struct client *client_start(uint32_t src, const char *user,
    const char *resource, void *arg, long index);
/* Handles epoll events for c. */
void client_event(struct client *c, uint32_t ev);
/* Writes queued output, then closes and frees dead clients. */
void client_flush(void);
/* Queues a chat message to the bare JID to, with the send time. */
int client_send_chat(struct client *c, const char *to, uint64_t stamp);
/* Queues any text (a stanza) for sending; 0 or -1. */
int client_sendf(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the stream (</stream:stream>, close_notify) and closes. */
void client_quit(struct client *c);
/* Fails clients whose login has taken longer than timeout_ns. */
void client_expire(uint64_t now, uint64_t timeout_ns);
/* Fails every client (end of a scenario). */
void client_close_all(void);
size_t client_live(void);
const struct client_stats *client_stats(void);

#endif
