/*
 * listen: binds, listens, accepts in batches. The peer's address is read
 * into a stack buffer only to compute its keyed hash (ratelimit.h) and is
 * wiped before anything else runs: no struct holds it, nothing logs it.
 * An address over its connection rate is closed at once, before TLS
 * (a stream error would need the handshake the limit is there to spare).
 */
#include "net/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "net/ratelimit.h"

#define ACCEPT_BATCH 64

struct listener {
	int fd;
	const struct conf_listen *li;
	struct timer pause; /* re-arms accepting after EMFILE */
};

static struct listener *listeners; /* owned array */
static size_t nlisteners;
static listen_accept_fn accept_fn;
static void *accept_arg;
static struct loop *listen_loop;

static void
listen_resume(struct loop *l, void *arg)
{
	struct listener *ls = arg;

	loop_mod(l, ls->fd, LOOP_READ);
}

static void
listen_io(struct loop *l, int fd, unsigned ev, void *arg)
{
	struct listener *ls = arg;
	struct ratelimit_key key;
	struct sockaddr_storage ss;
	socklen_t sl;
	int c, i, one = 1;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		sl = sizeof(ss);
		c = accept4(fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c != -1)
			ratelimit_key_addr(&ss, sl, &key);
		util_wipe(&ss, sizeof(ss));
		if (c == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("event=accept_paused errno=%d", errno);
				loop_mod(l, fd, 0);
				timer_set(l, &ls->pause, 1000);
			}
			return;
		}
		if (ratelimit_over(RATELIMIT_CONNECT, &key)) {
			log_debug("event=connection_refused reason=rate");
			close(c);
			continue;
		}
		ratelimit_note(RATELIMIT_CONNECT, &key);
		ratelimit_fd_set(c, &key);
		util_wipe(&key, sizeof(key));
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		accept_fn(c, ls->li, accept_arg);
	}
}

static int
open_one(
    struct listener *ls, const struct conf_listen *li, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, li->address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)li->port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, li->address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)li->port);
		sl = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "listen %s: bad address %s", li->name,
		    li->address);
		return -1;
	}
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		goto fail;
	}
	ls->fd = fd;
	ls->li = li;
	timer_init(&ls->pause, listen_resume, ls);
	if (loop_add(listen_loop, fd, LOOP_READ, listen_io, ls) == -1) {
		close(fd);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "listen %s: [%s]:%u: %s", li->name, li->address,
	    li->port, strerror(errno));
	return -1;
}

int
listen_open(struct loop *l, const struct conf_listen *ls, size_t n,
    listen_accept_fn fn, void *arg, char *err, size_t errlen)
{
	size_t i;

	listen_loop = l;
	accept_fn = fn;
	accept_arg = arg;
	if ((listeners = calloc(n ? n : 1, sizeof(*listeners))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (open_one(&listeners[i], &ls[i], err, errlen) == -1) {
			nlisteners = i;
			listen_close();
			return -1;
		}
	}
	nlisteners = n;
	return 0;
}

void
listen_close(void)
{
	size_t i;

	for (i = 0; i < nlisteners; i++) {
		timer_cancel(&listeners[i].pause);
		loop_del(listen_loop, listeners[i].fd);
		close(listeners[i].fd);
	}
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
}
