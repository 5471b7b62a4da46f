/*
 * arena: chunks in a singly linked list; allocation bumps a pointer in
 * the newest chunk and opens a larger one when it is full. Nothing is
 * freed individually. Chunk sizes double up to a cap so a large stanza
 * does not cost one malloc per node, while a small one stays small.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_CHUNK_MAX (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	/* data follows, aligned */
};

struct arena {
	struct chunk *head; /* current chunk; list of all chunks */
	struct chunk *first; /* the chunk arena_new() made; kept by reset */
	size_t footprint;
	size_t next_size;
};

#define CHUNK_HDR                                                              \
	((sizeof(struct chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c;

	if (size > SIZE_MAX - CHUNK_HDR)
		return NULL;
	if ((c = malloc(CHUNK_HDR + size)) == NULL)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(size_t first)
{
	struct arena *a;

	if (first < 256)
		first = 256;
	if ((a = malloc(sizeof(*a))) == NULL)
		return NULL;
	if ((a->head = chunk_new(first)) == NULL) {
		free(a);
		return NULL;
	}
	a->first = a->head;
	a->footprint = sizeof(*a) + CHUNK_HDR + first;
	a->next_size = first * 2;
	return a;
}

void
arena_free(struct arena *a)
{
	struct chunk *c, *n;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct chunk *c, *n;

	for (c = a->head; c != NULL; c = n) {
		n = c->next;
		if (c == a->first)
			continue;
		a->footprint -= CHUNK_HDR + c->size;
		free(c);
	}
	a->head = a->first;
	a->head->next = NULL;
	a->head->used = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need, size;
	char *p;

	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (c->size - c->used < need) {
		size = a->next_size;
		if (size < need)
			size = need;
		if ((c = chunk_new(size)) == NULL)
			return NULL;
		/* Keep the partly used chunk current for small requests when
		 * a big one gets a chunk of its own. */
		if (size == need && a->head->size - a->head->used > 0) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
			if (a->next_size < ARENA_CHUNK_MAX)
				a->next_size *= 2;
		}
		a->footprint += CHUNK_HDR + size;
		c->used = need;
		return (char *)c + CHUNK_HDR;
	}
	p = (char *)c + CHUNK_HDR + c->used;
	c->used += need;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_footprint(const struct arena *a)
{
	return a->footprint;
}
