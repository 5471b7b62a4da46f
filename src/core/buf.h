/*
 * buf: a growable byte buffer with a read offset, used for socket input
 * and output queues. An empty buf holds no memory: buf_free() and a fully
 * consumed buffer release it, so idle connections cost nothing here.
 */
#ifndef LETHE_BUF_H
#define LETHE_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* owned; NULL when cap == 0 */
	size_t off; /* start of unread data */
	size_t len; /* end of data (data[off..len) is live) */
	size_t cap;
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

static inline size_t
buf_size(const struct buf *b)
{
	return b->len - b->off;
}
static inline const char *
buf_ptr(const struct buf *b)
{
	return b->data + b->off;
}

/* Make room for `extra` more bytes; 0 or -1 (overflow, OOM). */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_appendf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop n bytes from the front; frees the memory once empty. */
void buf_consume(struct buf *b, size_t n);
/* Release the memory; the buf is empty and reusable afterwards. */
void buf_free(struct buf *b);

#endif
