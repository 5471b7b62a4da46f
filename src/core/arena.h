/*
 * arena: bump allocation for data that dies together (one stanza, one
 * request). Memory is taken in chunks and released in one arena_free().
 * Every allocation is 16-byte aligned; size arithmetic is overflow-checked
 * and a failed allocation returns NULL, never aborts.
 */
#ifndef LETHE_ARENA_H
#define LETHE_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena whose first chunk holds at least `first` bytes. */
struct arena *arena_new(size_t first);
/* Releases the arena and everything allocated in it. NULL is a no-op. */
void arena_free(struct arena *a);
/* Frees all but the first chunk and makes it empty again. */
void arena_reset(struct arena *a);
/* n bytes, 16-byte aligned, uninitialised; NULL on overflow or OOM. */
void *arena_alloc(struct arena *a, size_t n);
/* n zeroed bytes. */
void *arena_zalloc(struct arena *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Bytes taken from the system by this arena (for limits and metrics). */
size_t arena_footprint(const struct arena *a);

#endif
