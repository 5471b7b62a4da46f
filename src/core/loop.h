/*
 * loop: one epoll event loop per thread, a timer wheel, hooks that run
 * just before the loop sleeps (where queued output is written), and
 * async wake-ups from other threads (storage completions).
 *
 * Level-triggered. A handler is called with the events that fired;
 * EPOLLERR/EPOLLHUP are reported as LOOP_READ so the next read sees them.
 */
#ifndef LETHE_LOOP_H
#define LETHE_LOOP_H

#include <stdint.h>

struct loop;

enum { LOOP_READ = 1, LOOP_WRITE = 2 };

typedef void (*loop_io_fn)(struct loop *l, int fd, unsigned events, void *arg);
typedef void (*loop_fn)(struct loop *l, void *arg);

/* A timer is embedded in its owner; timer_init() before first use. */
struct timer {
	struct timer *next, *prev; /* wheel slot list; NULL when unarmed */
	uint64_t due_ms;
	loop_fn fn;
	void *arg;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);
/* Run until loop_stop(); 0 or -1 on epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

int loop_add(struct loop *l, int fd, unsigned events, loop_io_fn fn, void *arg);
int loop_mod(struct loop *l, int fd, unsigned events);
void loop_del(struct loop *l, int fd);

/* Milliseconds of a monotonic clock, cached once per iteration. */
uint64_t loop_now(struct loop *l);

void timer_init(struct timer *t, loop_fn fn, void *arg);
/* (Re)arm t to fire once after ms milliseconds. */
void timer_set(struct loop *l, struct timer *t, uint64_t ms);
void timer_cancel(struct timer *t);
static inline int
timer_armed(const struct timer *t)
{
	return t->prev != 0;
}

/* The next sleep returns at once (work is pending, e.g. decrypted TLS
 * bytes left over by a read budget). */
void loop_poll_now(struct loop *l);

/* fn(arg) runs every iteration before the loop sleeps. */
int loop_before_sleep(struct loop *l, loop_fn fn, void *arg);

/*
 * A wake-up another thread can trigger: loop_async_send() is
 * thread-safe and makes fn(arg) run once on the loop thread soon after
 * (several sends may coalesce into one call).
 */
struct loop_async;
struct loop_async *loop_async_new(struct loop *l, loop_fn fn, void *arg);
void loop_async_send(struct loop_async *a);
void loop_async_free(struct loop_async *a);

#endif
