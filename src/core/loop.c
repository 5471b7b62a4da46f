/*
 * loop: level-triggered epoll, a hashed timer wheel and before-sleep
 * hooks.
 *
 * Handlers are kept in an array indexed by file descriptor. An iteration
 * is: run due timers, run before-sleep hooks (which write queued output),
 * sleep in epoll_wait until the next timer tick, dispatch events. Timers
 * live in a wheel of WHEEL_SLOTS lists of TICK_MS each; a timer due beyond
 * one rotation simply stays in its slot until its time comes, which costs
 * one visit per rotation and keeps arming and cancelling O(1). The loop
 * wakes once per tick.
 *
 * Cross-thread wake-ups share one eventfd: a sender sets its async's flag
 * and writes the eventfd; the loop clears the flags it finds set and calls
 * their functions.
 */
#include "core/loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define TICK_MS 64
#define WHEEL_SLOTS 1024
#define MAX_EVENTS 256
#define MAX_HOOKS 16

struct handler {
	loop_io_fn fn;
	void *arg;
	unsigned events;
};

struct hook {
	loop_fn fn;
	void *arg;
};

struct loop_async {
	struct loop *loop;
	loop_fn fn;
	void *arg;
	atomic_int pending;
	struct loop_async *next;
};

struct loop {
	int epfd;
	int stop;
	int poll_now; /* skip the next sleep */
	uint64_t now;
	struct handler *handlers; /* owned; indexed by fd */
	size_t nhandlers;
	struct timer wheel[WHEEL_SLOTS]; /* list heads (sentinels) */
	uint64_t wheel_ms; /* time the wheel has run up to */
	struct hook hooks[MAX_HOOKS];
	size_t nhooks;
	int evfd;
	struct loop_async *asyncs; /* owned list */
};

static uint64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void async_dispatch(struct loop *l, int fd, unsigned ev, void *arg);

struct loop *
loop_new(void)
{
	struct loop *l;
	size_t i;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto fail_free;
	if ((l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail_ep;
	for (i = 0; i < WHEEL_SLOTS; i++)
		l->wheel[i].next = l->wheel[i].prev = &l->wheel[i];
	l->now = l->wheel_ms = clock_ms();
	if (loop_add(l, l->evfd, LOOP_READ, async_dispatch, NULL) == -1)
		goto fail_ev;
	return l;
fail_ev:
	close(l->evfd);
fail_ep:
	close(l->epfd);
fail_free:
	free(l);
	return NULL;
}

void
loop_free(struct loop *l)
{
	struct loop_async *a, *n;

	if (l == NULL)
		return;
	for (a = l->asyncs; a != NULL; a = n) {
		n = a->next;
		free(a);
	}
	close(l->evfd);
	close(l->epfd);
	free(l->handlers);
	free(l);
}

uint64_t
loop_now(struct loop *l)
{
	return l->now;
}

static int
handlers_grow(struct loop *l, int fd)
{
	size_t n = l->nhandlers ? l->nhandlers : 64;
	struct handler *h;

	while (n <= (size_t)fd)
		n *= 2;
	if ((h = realloc(l->handlers, n * sizeof(*h))) == NULL)
		return -1;
	memset(h + l->nhandlers, 0, (n - l->nhandlers) * sizeof(*h));
	l->handlers = h;
	l->nhandlers = n;
	return 0;
}

static uint32_t
ep_events(unsigned ev)
{
	return ((ev & LOOP_READ) ? EPOLLIN | EPOLLRDHUP : 0) |
	    ((ev & LOOP_WRITE) ? EPOLLOUT : 0);
}

int
loop_add(struct loop *l, int fd, unsigned events, loop_io_fn fn, void *arg)
{
	struct epoll_event e = {0};

	if (fd < 0 ||
	    ((size_t)fd >= l->nhandlers && handlers_grow(l, fd) == -1))
		return -1;
	e.events = ep_events(events);
	e.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) == -1)
		return -1;
	l->handlers[fd].fn = fn;
	l->handlers[fd].arg = arg;
	l->handlers[fd].events = events;
	return 0;
}

int
loop_mod(struct loop *l, int fd, unsigned events)
{
	struct epoll_event e = {0};

	if (fd < 0 || (size_t)fd >= l->nhandlers || l->handlers[fd].fn == NULL)
		return -1;
	if (l->handlers[fd].events == events)
		return 0;
	e.events = ep_events(events);
	e.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &e) == -1)
		return -1;
	l->handlers[fd].events = events;
	return 0;
}

void
loop_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nhandlers || l->handlers[fd].fn == NULL)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->handlers[fd].fn = NULL;
	l->handlers[fd].arg = NULL;
	l->handlers[fd].events = 0;
}

void
timer_init(struct timer *t, loop_fn fn, void *arg)
{
	t->next = t->prev = NULL;
	t->due_ms = 0;
	t->fn = fn;
	t->arg = arg;
}

void
timer_cancel(struct timer *t)
{
	if (t->prev == NULL)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

void
timer_set(struct loop *l, struct timer *t, uint64_t ms)
{
	struct timer *head;

	timer_cancel(t);
	t->due_ms = l->now + ms;
	head = &l->wheel[(t->due_ms / TICK_MS) % WHEEL_SLOTS];
	t->next = head;
	t->prev = head->prev;
	head->prev->next = t;
	head->prev = t;
}

/* Fires every timer due up to l->now, slot by slot. */
static void
timers_run(struct loop *l)
{
	struct timer *head, *t, *n;
	uint64_t tick = l->wheel_ms / TICK_MS, last = l->now / TICK_MS;

	/* After a long sleep, one full rotation visits every slot. */
	if (last - tick >= WHEEL_SLOTS)
		tick = last - WHEEL_SLOTS + 1;
	for (; tick <= last; tick++) {
		head = &l->wheel[tick % WHEEL_SLOTS];
		for (t = head->next; t != head; t = n) {
			n = t->next;
			if (t->due_ms > l->now)
				continue;
			timer_cancel(t);
			t->fn(l, t->arg);
			/* The callback may have cancelled n: restart the slot. */
			n = head->next;
		}
	}
	l->wheel_ms = l->now;
}

int
loop_before_sleep(struct loop *l, loop_fn fn, void *arg)
{
	if (l->nhooks == MAX_HOOKS)
		return -1;
	l->hooks[l->nhooks].fn = fn;
	l->hooks[l->nhooks].arg = arg;
	l->nhooks++;
	return 0;
}

void
loop_poll_now(struct loop *l)
{
	l->poll_now = 1;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

int
loop_run(struct loop *l)
{
	struct epoll_event ev[MAX_EVENTS];
	struct handler *h;
	unsigned fired;
	int n, i, timeout, fd;
	size_t k;

	l->stop = 0;
	for (;;) {
		l->now = clock_ms();
		timers_run(l);
		for (k = 0; k < l->nhooks; k++)
			l->hooks[k].fn(l, l->hooks[k].arg);
		if (l->stop)
			break;
		/* Wake at the next tick: an idle server still has keepalive
		 * timers, so a tick-less sleep would buy nothing. */
		timeout = TICK_MS - (int)(l->now % TICK_MS);
		if (l->poll_now) {
			timeout = 0;
			l->poll_now = 0;
		}
		n = epoll_wait(l->epfd, ev, MAX_EVENTS, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_err("event=epoll_failed errno=%d", errno);
			return -1;
		}
		l->now = clock_ms();
		for (i = 0; i < n; i++) {
			fd = ev[i].data.fd;
			if ((size_t)fd >= l->nhandlers)
				continue;
			h = &l->handlers[fd];
			if (h->fn == NULL)
				continue; /* removed by an earlier handler */
			fired = 0;
			if (ev[i].events &
			    (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
				fired |= LOOP_READ;
			if (ev[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				fired |= LOOP_WRITE;
			fired &= h->events | LOOP_READ;
			h->fn(l, fd, fired, h->arg);
		}
	}
	return 0;
}

struct loop_async *
loop_async_new(struct loop *l, loop_fn fn, void *arg)
{
	struct loop_async *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->loop = l;
	a->fn = fn;
	a->arg = arg;
	atomic_init(&a->pending, 0);
	a->next = l->asyncs;
	l->asyncs = a;
	return a;
}

void
loop_async_send(struct loop_async *a)
{
	uint64_t one = 1;
	ssize_t r;

	if (atomic_exchange(&a->pending, 1) == 1)
		return;
	do
		r = write(a->loop->evfd, &one, sizeof(one));
	while (r == -1 && errno == EINTR);
}

void
loop_async_free(struct loop_async *a)
{
	struct loop_async **p;

	if (a == NULL)
		return;
	for (p = &a->loop->asyncs; *p != NULL; p = &(*p)->next) {
		if (*p == a) {
			*p = a->next;
			break;
		}
	}
	free(a);
}

static void
async_dispatch(struct loop *l, int fd, unsigned ev, void *arg)
{
	struct loop_async *a, *n;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == -1 && errno == EINTR)
		;
	for (a = l->asyncs; a != NULL; a = n) {
		n = a->next;
		if (atomic_exchange(&a->pending, 0) == 1)
			a->fn(l, a->arg);
	}
}
