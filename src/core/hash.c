/*
 * hash: separate chaining over a power-of-two bucket array that doubles
 * when the load passes 1. The hash is SipHash-like in spirit but simpler:
 * FNV-1a mixed with a random 64-bit seed and a final avalanche, which is
 * enough to keep remote peers from predicting bucket placement.
 */
#include "core/hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct entry {
	const char *key;
	void *value;
	uint64_t h;
	struct entry *next;
};

struct hash {
	struct entry **b; /* owned bucket array */
	size_t nb; /* power of two */
	size_t n;
};

static uint64_t hash_seed;

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL ^ hash_seed;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

struct hash *
hash_new(void)
{
	struct hash *h;

	while (hash_seed == 0)
		util_random(&hash_seed, sizeof(hash_seed));
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->nb = 16;
	if ((h->b = calloc(h->nb, sizeof(*h->b))) == NULL) {
		free(h);
		return NULL;
	}
	return h;
}

void
hash_free(struct hash *h)
{
	struct entry *e, *n;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nb; i++) {
		for (e = h->b[i]; e != NULL; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(h->b);
	free(h);
}

static struct entry **
find(const struct hash *h, const char *key, uint64_t hv)
{
	struct entry **p = &h->b[hv & (h->nb - 1)];

	for (; *p != NULL; p = &(*p)->next)
		if ((*p)->h == hv && strcmp((*p)->key, key) == 0)
			return p;
	return p;
}

void *
hash_get(const struct hash *h, const char *key)
{
	struct entry **p = find(h, key, hash_str(key));

	return *p ? (*p)->value : NULL;
}

static void
grow(struct hash *h)
{
	struct entry **nb, *e, *n;
	size_t i, size = h->nb * 2;

	if ((nb = calloc(size, sizeof(*nb))) == NULL)
		return; /* keep working with longer chains */
	for (i = 0; i < h->nb; i++) {
		for (e = h->b[i]; e != NULL; e = n) {
			n = e->next;
			e->next = nb[e->h & (size - 1)];
			nb[e->h & (size - 1)] = e;
		}
	}
	free(h->b);
	h->b = nb;
	h->nb = size;
}

int
hash_put(struct hash *h, const char *key, void *value)
{
	uint64_t hv = hash_str(key);
	struct entry **p = find(h, key, hv), *e;

	if (*p != NULL) {
		(*p)->key = key;
		(*p)->value = value;
		return 0;
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return -1;
	e->key = key;
	e->value = value;
	e->h = hv;
	e->next = NULL;
	*p = e;
	if (++h->n > h->nb)
		grow(h);
	return 0;
}

void *
hash_del(struct hash *h, const char *key)
{
	struct entry **p = find(h, key, hash_str(key)), *e;
	void *v;

	if ((e = *p) == NULL)
		return NULL;
	*p = e->next;
	v = e->value;
	free(e);
	h->n--;
	return v;
}

size_t
hash_count(const struct hash *h)
{
	return h->n;
}

void *
hash_next(const struct hash *h, size_t *cursor, const char **key)
{
	/* cursor = bucket index << 16 | position in chain */
	size_t bi = *cursor >> 16, pos = *cursor & 0xffff, k;
	struct entry *e;

	for (; bi < h->nb; bi++, pos = 0) {
		for (e = h->b[bi], k = 0; e != NULL && k < pos; k++)
			e = e->next;
		if (e != NULL) {
			*cursor = bi << 16 | (pos + 1);
			if (key != NULL)
				*key = e->key;
			return e->value;
		}
	}
	*cursor = bi << 16;
	return NULL;
}
