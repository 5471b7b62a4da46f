/*
 * hash: a string-keyed hash table with chaining and a per-process random
 * seed (so that peers cannot aim collisions at one chain). Keys are
 * borrowed: the caller keeps each key alive while its entry exists,
 * usually by pointing into the value it maps to.
 */
#ifndef LETHE_HASH_H
#define LETHE_HASH_H

#include <stddef.h>

struct hash;

struct hash *hash_new(void);
/* Frees the table, not the values. NULL is a no-op. */
void hash_free(struct hash *h);
void *hash_get(const struct hash *h, const char *key);
/* Inserts or replaces; 0 or -1 (OOM). */
int hash_put(struct hash *h, const char *key, void *value);
/* Removes key; returns its value or NULL. */
void *hash_del(struct hash *h, const char *key);
size_t hash_count(const struct hash *h);

/* Iteration: *cursor starts at 0; returns NULL when done. The table must
 * not change during an iteration. */
void *hash_next(const struct hash *h, size_t *cursor, const char **key);

#endif
