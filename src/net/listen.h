/*
 * listen: listening sockets for the configured [listen] sections.
 * Accepted sockets are non-blocking and close-on-exec. The peer's address
 * is used for one thing, its keyed hash for the per-address limits
 * (ratelimit.h), and wiped at once (PRIVACY.md). When the process runs out of file
 * descriptors, accepting pauses for a second instead of spinning.
 */
#ifndef LETHE_LISTEN_H
#define LETHE_LISTEN_H

#include <stddef.h>

struct loop;
struct conf_listen;

/* fd is a new connection on listener li; the callee owns fd. */
typedef void (*listen_accept_fn)(
    int fd, const struct conf_listen *li, void *arg);

/* Opens every listener; -1 with a message in err on the first failure. */
int listen_open(struct loop *l, const struct conf_listen *ls, size_t n,
    listen_accept_fn fn, void *arg, char *err, size_t errlen);
/* Closes all listeners. */
void listen_close(void);

#endif
