/*
 * conn: socket I/O for client connections.
 *
 * States: PLAIN (reading cleartext), TLS_PENDING (waiting for queued
 * cleartext to drain before the handshake), HANDSHAKE, TLS. Independent
 * of the state, CLOSING means no more input is delivered and the socket
 * is closed at the next flush.
 *
 * Pending work lives on two intrusive lists drained by a before-sleep
 * hook: `dirty` (output queued, or leftover TLS input past the budget)
 * and `dead` (to be closed and freed). Freeing only ever happens there,
 * outside every connection's callbacks.
 */
#include "net/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "net/tls.h"

enum conn_state { CONN_PLAIN = 0, CONN_TLS_PENDING, CONN_HANDSHAKE, CONN_TLS };

struct conn {
	int fd;
	enum conn_state state;
	unsigned closing : 1;
	unsigned on_dirty : 1;
	unsigned on_dead : 1;
	unsigned paused : 1;
	unsigned want_write : 1; /* LOOP_WRITE is armed */
	unsigned read_more : 1; /* input left over after the budget */
	unsigned rd_wants_w : 1; /* TLS read needs the socket writable */
	SSL *ssl; /* owned */
	struct buf out; /* owned: queued output */
	const struct conn_cb *cb;
	void *owner;
	struct conn *next_dirty;
	struct conn *next_dead;
	struct conn *all_prev, *all_next; /* every open connection */
};

static struct loop *conn_loop;
static size_t conn_budget = 16384;
static char conn_rbuf[16384]; /* the one read buffer of the loop thread */
static struct conn *dirty_list;
static struct conn *dead_list;
static size_t conn_open;
static struct conn *all_list;
static int reads_held; /* conn_hold_reads() */

static void conn_io(struct loop *l, int fd, unsigned ev, void *arg);
static void update_events(struct conn *c);
static void mark_dirty(struct conn *c);
static void conn_flush_all(struct loop *l, void *arg);

void
conn_init(struct loop *l, size_t read_budget)
{
	conn_loop = l;
	if (read_budget > 0)
		conn_budget = read_budget;
	loop_before_sleep(l, conn_flush_all, NULL);
}

size_t
conn_count(void)
{
	return conn_open;
}

void
conn_hold_reads(int on)
{
	struct conn *c;

	if (reads_held == !!on)
		return;
	reads_held = !!on;
	for (c = all_list; c != NULL; c = c->all_next)
		if (!c->on_dead)
			update_events(c);
	if (!on)
		for (c = all_list; c != NULL; c = c->all_next)
			if (c->read_more)
				mark_dirty(c);
}

static void
mark_dirty(struct conn *c)
{
	if (c->on_dirty)
		return;
	c->on_dirty = 1;
	c->next_dirty = dirty_list;
	dirty_list = c;
}

static void
mark_dead(struct conn *c)
{
	if (c->on_dead)
		return;
	c->on_dead = 1;
	c->next_dead = dead_list;
	dead_list = c;
}

struct conn *
conn_new(struct loop *l, int fd, const struct conn_cb *cb, void *owner)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->cb = cb;
	c->owner = owner;
	if (loop_add(l, fd, LOOP_READ, conn_io, c) == -1) {
		close(fd);
		free(c);
		return NULL;
	}
	conn_open++;
	c->all_next = all_list;
	if (all_list != NULL)
		all_list->all_prev = c;
	all_list = c;
	return c;
}

static void
update_events(struct conn *c)
{
	unsigned ev = 0;

	if (!c->paused && !reads_held && !c->closing &&
	    c->state != CONN_TLS_PENDING)
		ev |= LOOP_READ;
	if (c->want_write || c->rd_wants_w)
		ev |= LOOP_WRITE;
	loop_mod(conn_loop, c->fd, ev);
}

int
conn_write(struct conn *c, const void *p, size_t n)
{
	if (c->closing && c->on_dead)
		return -1;
	if (buf_append(&c->out, p, n) == -1)
		return -1;
	mark_dirty(c);
	return 0;
}

int
conn_write_str(struct conn *c, const char *s)
{
	return conn_write(c, s, strlen(s));
}

int
conn_start_tls(struct conn *c, SSL *ssl)
{
	if (c->ssl != NULL) {
		tls_free(ssl);
		return -1;
	}
	c->ssl = ssl;
	/* One read() takes every record the kernel holds, instead of a
	 * header read and a body read per record. */
	SSL_set_read_ahead(ssl, 1);
	c->state = buf_size(&c->out) > 0 ? CONN_TLS_PENDING : CONN_HANDSHAKE;
	update_events(c);
	mark_dirty(c);
	return 0;
}

int
conn_fd(const struct conn *c)
{
	return c->fd;
}

SSL *
conn_tls(struct conn *c)
{
	return c->ssl;
}

int
conn_is_tls(const struct conn *c)
{
	return c->state == CONN_TLS;
}

int
conn_closing(const struct conn *c)
{
	return c->closing;
}

size_t
conn_queued(const struct conn *c)
{
	return buf_size(&c->out);
}

void
conn_pause(struct conn *c, int paused)
{
	c->paused = paused ? 1 : 0;
	update_events(c);
	if (!paused && c->read_more)
		mark_dirty(c);
}

void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	update_events(c);
	mark_dirty(c);
}

/* Handshake step; on success tells the owner. -1 on fatal error. */
static int
do_handshake(struct conn *c)
{
	int r = tls_handshake(c->ssl);

	c->rd_wants_w = 0;
	if (r == 1) {
		c->state = CONN_TLS;
		update_events(c);
		/* The client may have sent its stream header in the same
		 * flight; OpenSSL holds it and epoll will not say so. */
		c->read_more = 1;
		mark_dirty(c);
		c->cb->tls_ready(c->owner);
		return 0;
	}
	if (r == TLS_WANT_WRITE)
		c->rd_wants_w = 1;
	else if (r != TLS_WANT_READ)
		return -1;
	update_events(c);
	return 0;
}

/* Reads up to the budget and hands the bytes to the owner. */
static void
do_read(struct conn *c)
{
	size_t total = 0;
	ssize_t n;

	if (reads_held)
		return; /* read_more stays as it was */
	c->read_more = 0;
	while (!c->closing && !c->paused && total < conn_budget) {
		size_t want = conn_budget - total;

		if (want > sizeof(conn_rbuf))
			want = sizeof(conn_rbuf);
		if (c->ssl != NULL && c->state == CONN_TLS) {
			n = tls_read(c->ssl, conn_rbuf, want);
			if (n == TLS_WANT_READ)
				break;
			if (n == TLS_WANT_WRITE) {
				c->rd_wants_w = 1;
				update_events(c);
				break;
			}
			if (c->rd_wants_w) {
				c->rd_wants_w = 0;
				update_events(c);
			}
		} else {
			n = recv(c->fd, conn_rbuf, want, 0);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				break;
		}
		if (n <= 0) {
			conn_close(c);
			return;
		}
		total += (size_t)n;
		if (c->state != CONN_PLAIN && c->state != CONN_TLS)
			continue; /* bytes before the handshake: dropped */
		c->cb->data(c->owner, conn_rbuf, (size_t)n);
		if (c->state == CONN_TLS_PENDING)
			break; /* the owner asked for STARTTLS */
		/* Nothing left in OpenSSL, or a short read in the clear: the
		 * socket is most likely drained, and the level-triggered loop
		 * reports it again if not. Asking now would mostly cost a
		 * read() that fails with EAGAIN. */
		if (c->ssl != NULL && c->state == CONN_TLS
		        ? !SSL_has_pending(c->ssl)
		        : (size_t)n < want)
			break;
	}
	if (!c->closing && total >= conn_budget) {
		/* Budget spent: the kernel will report the rest, but bytes
		 * OpenSSL already decrypted will not wake epoll. */
		c->read_more = 1;
		if (c->ssl != NULL && SSL_has_pending(c->ssl))
			mark_dirty(c);
	}
}

/* Writes queued output; -1 if the connection broke. */
static int
do_write(struct conn *c)
{
	ssize_t n;

	while (buf_size(&c->out) > 0) {
		if (c->ssl != NULL && c->state == CONN_TLS) {
			n = tls_write(
			    c->ssl, buf_ptr(&c->out), buf_size(&c->out));
			if (n == TLS_WANT_WRITE || n == TLS_WANT_READ)
				break;
		} else {
			n = send(c->fd, buf_ptr(&c->out), buf_size(&c->out),
			    MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				break;
		}
		if (n <= 0)
			return -1;
		buf_consume(&c->out, (size_t)n);
	}
	c->want_write = buf_size(&c->out) > 0;
	update_events(c);
	return 0;
}

static void
conn_io(struct loop *l, int fd, unsigned ev, void *arg)
{
	struct conn *c = arg;

	if (c->on_dead)
		return;
	if (c->state == CONN_HANDSHAKE) {
		if (do_handshake(c) == -1) {
			c->closing = 1;
			mark_dead(c);
		}
		return;
	}
	if ((ev & LOOP_WRITE) &&
	    (c->want_write || c->state == CONN_TLS_PENDING)) {
		mark_dirty(c);
	}
	if ((ev & LOOP_READ) || ((ev & LOOP_WRITE) && c->rd_wants_w)) {
		if (c->closing) {
			/* Draining: a peer that closed gets no more from us. */
			mark_dead(c);
			return;
		}
		do_read(c);
	}
}

static void
flush_one(struct conn *c)
{
	if (c->on_dead)
		return;
	if (c->state == CONN_HANDSHAKE && c->ssl != NULL) {
		if (do_handshake(c) == -1)
			goto dead;
		return;
	}
	if (do_write(c) == -1)
		goto dead;
	if (c->state == CONN_TLS_PENDING && buf_size(&c->out) == 0) {
		c->state = CONN_HANDSHAKE;
		update_events(c);
		if (do_handshake(c) == -1)
			goto dead;
	}
	if (c->closing) {
		/* One attempt to deliver a final stream error, then go. */
		goto dead;
	}
	if (c->read_more && c->ssl != NULL && SSL_has_pending(c->ssl)) {
		do_read(c);
		if (c->read_more && SSL_has_pending(c->ssl))
			loop_poll_now(conn_loop);
	}
	return;
dead:
	c->closing = 1;
	mark_dead(c);
}

static void
conn_free(struct conn *c)
{
	loop_del(conn_loop, c->fd);
	if (c->ssl != NULL && c->state == CONN_TLS) {
		/* close_notify, without waiting for the peer's. */
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	tls_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	buf_free(&c->out);
	conn_open--;
	if (c->all_prev != NULL)
		c->all_prev->all_next = c->all_next;
	else
		all_list = c->all_next;
	if (c->all_next != NULL)
		c->all_next->all_prev = c->all_prev;
	c->cb->closed(c->owner);
	free(c);
}

static void
conn_flush_all(struct loop *l, void *arg)
{
	struct conn *c;

	/* Callbacks may mark more connections dirty or dead: loop until
	 * both lists are empty. */
	while (dirty_list != NULL || dead_list != NULL) {
		while ((c = dirty_list) != NULL) {
			dirty_list = c->next_dirty;
			c->on_dirty = 0;
			flush_one(c);
		}
		while ((c = dead_list) != NULL) {
			dead_list = c->next_dead;
			/* Still on the dirty list? Unlink it first. */
			if (c->on_dirty) {
				struct conn **p = &dirty_list;

				while (*p != c)
					p = &(*p)->next_dirty;
				*p = c->next_dirty;
			}
			conn_free(c);
		}
	}
}
