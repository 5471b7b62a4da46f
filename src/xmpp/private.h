/*
 * private: private XML storage (XEP-0049), and the two calls through
 * which another module keeps one stored element in step with something
 * else (bookmarks.h).
 */
#ifndef LETHE_PRIVATE_H
#define LETHE_PRIVATE_H

struct xml_node;

/* Called after an account's own set of one element was stored: el is
 * what was stored (valid for the call only), NULL if it was removed. */
typedef void (*private_set_fn)(
    const char *host, const char *user, const struct xml_node *el);
/* Registers fn for sets of the element keyed "{ns}name" (a static
 * string); at start-up. */
void private_on_set(const char *key, private_set_fn fn);

/*
 * Stores el (copied) for the local account user@host, after that
 * account's requests already queued; an element with neither children
 * nor attributes removes what is stored. Calls no hook; a write that
 * would exceed [limits] private_bytes is not made. 0, or -1 (queue
 * full, out of memory).
 */
int private_put(const char *host, const char *user, const struct xml_node *el);

#endif
