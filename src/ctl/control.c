/*
 * control: the control socket's daemon side. A UNIX stream socket in the
 * data directory, non-blocking on the loop, at most CONTROL_CLIENTS_MAX
 * clients, one request per connection (see control.h for the protocol).
 *
 * Invariants: a client is freed only in the before-sleep hook (never
 * inside a callback that might still use it); a req is freed only by
 * control_done(); while both live they point at each other, and a
 * client's disconnect clears req->client so a late answer is dropped
 * safely. Only the owner of the daemon (or root) may connect: the socket
 * is 0600 and each peer's uid is checked again with SO_PEERCRED.
 */
#include "ctl/control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/stream.h"

#define COMMANDS_MAX 64
#define OUT_MAX (1024 * 1024) /* queued response bytes per client */
#define LINGER_MS 2000 /* after the last line, for the client to close */

struct control_client {
	int fd;
	char in[CONTROL_LINE_MAX]; /* the request line as it arrives */
	size_t inlen;
	struct buf out; /* owned */
	struct control_req *req; /* running request, or NULL */
	int done; /* last line queued: close once out is written */
	int dead; /* to be freed by the hook */
	int wantw; /* watching for writability */
	int rdeof; /* the client closed its sending side */
	uint64_t linger; /* when the last byte went out; 0 before */
	struct control_client *next;
};

struct control_req {
	struct control_client *client; /* NULL once it disconnected */
	char line[CONTROL_LINE_MAX]; /* argv points into it */
	char *argv[CONTROL_ARGS_MAX + 1];
	control_close_fn on_close;
	void *on_close_arg;
};

static struct {
	const char *name;
	control_fn fn;
} commands[COMMANDS_MAX];
static size_t ncommands;

static struct loop *ctl_loop;
static int ctl_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct control_client *clients; /* owned list */
static size_t nclients;
static int hook_added;

int
control_register(const char *name, control_fn fn)
{
	size_t i;

	if (ncommands == COMMANDS_MAX)
		return -1;
	for (i = 0; i < ncommands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return -1;
	commands[ncommands].name = name;
	commands[ncommands].fn = fn;
	ncommands++;
	return 0;
}

/* --- output --- */

static void
client_watch(struct control_client *c)
{
	loop_mod(ctl_loop, c->fd,
	    (c->rdeof ? 0 : LOOP_READ) | (c->wantw ? LOOP_WRITE : 0));
}

static void
client_flush(struct control_client *c)
{
	ssize_t w;

	while (!c->dead && buf_size(&c->out) > 0) {
		w = send(c->fd, buf_ptr(&c->out), buf_size(&c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			buf_consume(&c->out, (size_t)w);
			continue;
		}
		if (w == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (!c->wantw) {
				c->wantw = 1;
				loop_mod(
				    ctl_loop, c->fd, LOOP_READ | LOOP_WRITE);
			}
			return;
		}
		c->dead = 1;
		return;
	}
	if (c->wantw && !c->dead) {
		c->wantw = 0;
		client_watch(c);
	}
	/* Half-close and wait for the client's end of file: closing with its
	 * input unread would reset the connection and could destroy the last
	 * line before the client reads it. */
	if (c->done && buf_size(&c->out) == 0 && c->rdeof)
		c->dead = 1;
	if (c->done && buf_size(&c->out) == 0 && !c->dead && c->linger == 0) {
		shutdown(c->fd, SHUT_WR);
		c->linger = loop_now(ctl_loop);
	}
}

static int
client_put(struct control_client *c, const char *prefix, const char *s)
{
	size_t n = strlen(s), p = strlen(prefix), i, start;

	if (c->dead || buf_size(&c->out) + p + n + 1 > OUT_MAX)
		return -1;
	start = c->out.len;
	if (buf_append(&c->out, prefix, p) == -1 ||
	    buf_append(&c->out, s, n) == -1 ||
	    buf_append(&c->out, "\n", 1) == -1)
		return -1;
	/* One line stays one line, whatever a handler formatted. */
	for (i = start + p; i < c->out.len - 1; i++)
		if (c->out.data[i] == '\n' || c->out.data[i] == '\r')
			c->out.data[i] = ' ';
	return 0;
}

int
control_line(struct control_req *req, const char *fmt, ...)
{
	char line[CONTROL_LINE_MAX];
	va_list ap;

	if (req->client == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return client_put(req->client, "- ", line);
}

void
control_done(struct control_req *req, int ok, const char *text)
{
	struct control_client *c;

	if (req == NULL)
		return;
	if ((c = req->client) != NULL) {
		c->req = NULL;
		c->done = 1;
		if (ok)
			client_put(c, "", "ok");
		else
			client_put(c, "error ", text ? text : "failed");
	}
	util_wipe(req->line, sizeof(req->line));
	free(req);
}

int
control_req_gone(const struct control_req *req)
{
	return req->client == NULL;
}

void
control_req_on_close(struct control_req *req, control_close_fn fn, void *arg)
{
	req->on_close = fn;
	req->on_close_arg = arg;
}

/* --- requests --- */

static void
client_request(struct control_client *c, size_t len)
{
	struct control_req *req;
	char *p, *name;
	int argc = 0;
	size_t i;

	if ((req = calloc(1, sizeof(*req))) == NULL) {
		c->done = 1;
		client_put(c, "error ", "out of memory");
		return;
	}
	memcpy(req->line, c->in, len);
	req->line[len] = '\0';
	if (len > 0 && req->line[len - 1] == '\r')
		req->line[len - 1] = '\0';
	util_wipe(c->in, sizeof(c->in));
	c->inlen = 0;
	req->client = c;
	c->req = req;
	name = req->line;
	if ((p = strchr(name, ' ')) != NULL) {
		*p++ = '\0';
		while (p != NULL && *p != '\0') {
			if (argc == CONTROL_ARGS_MAX) {
				control_done(req, 0, "too many arguments");
				return;
			}
			req->argv[argc++] = p;
			if ((p = strchr(p, ' ')) != NULL)
				*p++ = '\0';
		}
	}
	for (i = 0; i < ncommands; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			commands[i].fn(req, argc, req->argv);
			return;
		}
	}
	control_done(req, 0, "unknown command");
}

static void
client_io(struct loop *l, int fd, unsigned ev, void *arg)
{
	struct control_client *c = arg;
	char *nl;
	ssize_t r;

	if (c->dead)
		return;
	if (ev & LOOP_WRITE)
		client_flush(c);
	if (!(ev & LOOP_READ) || c->dead)
		return;
	if (c->rdeof) {
		/* Not watching for input any more: this is a hang-up. */
		c->dead = 1;
		return;
	}
	if (c->req != NULL || c->done) {
		/* One request per connection: anything more is only read to
		 * notice the client closing. */
		char sink[256];

		r = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (r == 0) {
			/* A client may half-close after its request and
			 * still read the answer. */
			c->rdeof = 1;
			if (c->done && buf_size(&c->out) == 0)
				c->dead = 1;
			else
				client_watch(c);
		} else if (r == -1 && errno != EAGAIN && errno != EINTR)
			c->dead = 1;
		return;
	}
	r = recv(fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR)) {
		c->dead = 1;
		return;
	}
	if (r < 0)
		return;
	c->inlen += (size_t)r;
	if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		client_request(c, (size_t)(nl - c->in));
		return;
	}
	if (c->inlen == sizeof(c->in)) {
		c->done = 1;
		client_put(c, "error ", "request too long");
	}
}

/* Frees dead clients (telling their running request) and writes queued
 * output. */
static void
control_hook(struct loop *l, void *arg)
{
	struct control_client **pp = &clients, *c;
	struct control_req *req;

	while ((c = *pp) != NULL) {
		if (!c->dead)
			client_flush(c);
		if (c->linger != 0 && loop_now(l) - c->linger > LINGER_MS)
			c->dead = 1;
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		nclients--;
		if ((req = c->req) != NULL) {
			req->client = NULL;
			c->req = NULL;
			if (req->on_close != NULL)
				req->on_close(req, req->on_close_arg);
		}
		loop_del(l, c->fd);
		close(c->fd);
		buf_free(&c->out);
		util_wipe(c->in, sizeof(c->in));
		free(c);
	}
}

static void
control_accept(struct loop *l, int fd, unsigned ev, void *arg)
{
	struct control_client *c;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	char sink[256];
	int s;

	while (
	    (s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
		    (cr.uid != geteuid() && cr.uid != 0)) {
			close(s);
			continue;
		}
		if (nclients >= CONTROL_CLIENTS_MAX ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			/* Read what already came, so the close is not a
			 * reset that destroys the answer. */
			while (recv(s, sink, sizeof(sink), MSG_DONTWAIT) > 0)
				;
			send(
			    s, "error busy\n", 11, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(s);
			continue;
		}
		c->fd = s;
		if (loop_add(l, s, LOOP_READ, client_io, c) == -1) {
			close(s);
			free(c);
			continue;
		}
		c->next = clients;
		clients = c;
		nclients++;
	}
}

static void cmd_status(struct control_req *req, int argc, char **argv);

/* --- the socket --- */

/* 1 if a daemon answers on path. */
static int
socket_live(const struct sockaddr_un *sun)
{
	int fd, live;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return live;
}

int
control_open(struct loop *l, const char *data_dir, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, n;

	n = snprintf(ctl_path, sizeof(ctl_path), "%s/control.sock", data_dir);
	if (n < 0 || (size_t)n >= sizeof(ctl_path)) {
		snprintf(
		    err, errlen, "control socket path too long: %s", data_dir);
		ctl_path[0] = '\0';
		return -1;
	}
	if (stat(data_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", data_dir);
		ctl_path[0] = '\0';
		return -1;
	}
	/* The socket is the daemon's door: only its owner may reach it. */
	if ((st.st_mode & 077) != 0 &&
	    chmod(data_dir, st.st_mode & 0700) == -1) {
		snprintf(
		    err, errlen, "%s: chmod: %s", data_dir, strerror(errno));
		ctl_path[0] = '\0';
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ctl_path, (size_t)n + 1);
	if (socket_live(&sun)) {
		snprintf(err, errlen,
		    "another lethe is running on %s (its control socket "
		    "answers)",
		    data_dir);
		ctl_path[0] = '\0';
		return -1;
	}
	unlink(ctl_path); /* stale, left by a daemon that died */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto fail;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		close(fd);
		goto fail;
	}
	umask(old);
	if (chmod(ctl_path, 0600) == -1 || listen(fd, 64) == -1 ||
	    loop_add(l, fd, LOOP_READ, control_accept, NULL) == -1 ||
	    (!hook_added && loop_before_sleep(l, control_hook, NULL) == -1)) {
		close(fd);
		unlink(ctl_path);
		goto fail;
	}
	hook_added = 1;
	control_register("status", cmd_status); /* taken if opened before */
	ctl_loop = l;
	ctl_fd = fd;
	return 0;
fail:
	snprintf(
	    err, errlen, "control socket %s: %s", ctl_path, strerror(errno));
	ctl_path[0] = '\0';
	return -1;
}

void
control_close(void)
{
	struct control_client *c;

	if (ctl_fd == -1)
		return;
	loop_del(ctl_loop, ctl_fd);
	close(ctl_fd);
	ctl_fd = -1;
	if (ctl_path[0] != '\0')
		unlink(ctl_path);
	ctl_path[0] = '\0';
	for (c = clients; c != NULL; c = c->next)
		c->dead = 1;
	control_hook(ctl_loop, NULL);
}

/* --- status: aggregate counts only --- */

static void
cmd_status(struct control_req *req, int argc, char **argv)
{
	if (argc != 0) {
		control_done(req, 0, "usage: status");
		return;
	}
	control_line(
	    req, "uptime=%lld", (long long)(util_time() - server.started));
	control_line(req, "streams=%zu", stream_count());
	control_line(req, "sessions=%zu", session_count());
	{
		size_t max, n = store_inflight(server.store, &max);

		control_line(req, "store_requests=%zu", n);
		control_line(req, "store_requests_max=%zu", max);
	}
	/* Accounts whose sealing keys are in memory (PRIVACY.md: only
	 * while they have a session, a resumable one included). */
	control_line(
	    req, "accounts_unlocked=%zu", store_unlocked(server.store));
	control_done(req, 1, NULL);
}

int
control_account_arg(
    struct control_req *req, const char *s, struct jid *j, const char *usage)
{
	if (s == NULL || jid_parse(s, strlen(s), j) < 0) {
		control_done(req, 0, usage);
		return -1;
	}
	if (j->local == NULL || j->resource != NULL ||
	    !server_is_local(j->domain)) {
		jid_free(j);
		control_done(req, 0, "not an account here");
		return -1;
	}
	return 0;
}
