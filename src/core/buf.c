/*
 * buf: growable byte buffer. Data lives in data[off..len). Appending
 * compacts before growing, and a buffer that becomes empty frees its
 * memory: an idle connection's queues hold no allocation.
 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t live = b->len - b->off, need, cap;
	char *p;

	if (b->cap - b->len >= extra)
		return 0;
	if (extra > SIZE_MAX - live)
		return -1;
	need = live + extra;
	if (b->off > 0 && b->cap >= need) {
		memmove(b->data, b->data + b->off, live);
		b->off = 0;
		b->len = live;
		return 0;
	}
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, live);
		b->off = 0;
		b->len = live;
	}
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n + 1) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len - b->off) {
		buf_free(b);
		return;
	}
	b->off += n;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
