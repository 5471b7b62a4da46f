/*
 * client: the simulated XMPP client (see client.h).
 *
 * Invariants: a client is on the live list from client_start() until it
 * is freed; on the dirty list at most once, while it has output to write
 * or a quit to finish; on the dead list at most once, after which no
 * event or callback reaches it. The scanner state (scan, elem, depth)
 * always describes c->in: compaction moves all three together.
 */
#include "client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/tcp.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define IN_MAX (1u << 20) /* an element larger than this is an error */

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int epfd = -1;
static SSL_CTX *ctx;
static struct sockaddr_in server;
static char domain[256];
static char header[512];
static size_t header_len;
static const struct client_cb *cbs;
static int sha1_only;
static char *body_pad; /* filler after the stamp in each body */
static struct client *live, *dirty, *dead;
static size_t nlive;
static struct client_stats stats;
static char rbuf[65536];

static void fail(struct client *c, const char *why);

int
client_init(uint32_t server_addr, uint16_t port, const char *dom,
    const char *password, const struct client_cb *cb, int sha1,
    size_t body_bytes)
{
	if ((server_addr >> 24) != 127) {
		fprintf(stderr, "client: only loopback servers (127/8)\n");
		return -1;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return -1;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Every login is a full handshake, as a first login is. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_addr.s_addr = htonl(server_addr);
	server.sin_port = htons(port);
	snprintf(domain, sizeof(domain), "%s", dom);
	header_len = (size_t)snprintf(header, sizeof(header),
	    "<?xml version='1.0'?><stream:stream to='%s' version='1.0' "
	    "xml:lang='en' xmlns='jabber:client' "
	    "xmlns:stream='http://etherx.jabber.org/streams'>",
	    domain);
	scram_set_password(password);
	cbs = cb;
	sha1_only = sha1;
	if ((body_pad = malloc(body_bytes + 1)) == NULL)
		return -1;
	memset(body_pad, 'x', body_bytes);
	body_pad[body_bytes] = '\0';
	/* Something like text: words of five letters. */
	for (size_t i = 5; i < body_bytes; i += 6)
		body_pad[i] = ' ';
	return 0;
}

void
client_set_callbacks(const struct client_cb *cb)
{
	cbs = cb;
}

int
client_epoll_fd(void)
{
	return epfd;
}

size_t
client_live(void)
{
	return nlive;
}

const struct client_stats *
client_stats(void)
{
	return &stats;
}

/* --- buffers --- */

static int
buf_reserve(struct iobuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 512;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
buf_free(struct iobuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void
set_events(struct client *c, unsigned ev)
{
	struct epoll_event e;

	if (c->ev == ev)
		return;
	e.events = ev;
	e.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->ev = ev;
}

static void
mark_dirty(struct client *c)
{
	if (c->dirty || c->dead)
		return;
	c->dirty = 1;
	c->next_dirty = dirty;
	dirty = c;
}

static void
mark_dead(struct client *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	c->next_dead = dead;
	dead = c;
}

static void
fail(struct client *c, const char *why)
{
	if (c->dead)
		return;
	c->failed = 1;
	c->why = why;
	mark_dead(c);
}

static int
send_bytes(struct client *c, const char *p, size_t n)
{
	if (c->dead)
		return -1;
	if (buf_reserve(&c->out, n) == -1) {
		fail(c, "out of memory");
		return -1;
	}
	memcpy(c->out.p + c->out.len, p, n);
	c->out.len += n;
	mark_dirty(c);
	return 0;
}

static int sendf(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
sendf(struct client *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->dead)
		return -1;
	if (buf_reserve(&c->out, 256) == -1) {
		fail(c, "out of memory");
		return -1;
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(
		    c->out.p + c->out.len, c->out.cap - c->out.len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			fail(c, "format");
			return -1;
		}
		if ((size_t)n < c->out.cap - c->out.len)
			break;
		if (buf_reserve(&c->out, (size_t)n + 1) == -1) {
			fail(c, "out of memory");
			return -1;
		}
	}
	c->out.len += (size_t)n;
	mark_dirty(c);
	return 0;
}

/* --- life cycle --- */

struct client *
client_start(
    uint32_t src, const char *user, const char *resource, void *arg, long index)
{
	struct sockaddr_in sa;
	struct epoll_event e;
	struct client *c;
	int one = 1;

	if ((src >> 24) != 127)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		free(c);
		return NULL;
	}
	/* The port is chosen at connect(), per destination: one source
	 * address then serves as many connections as the port range. */
	setsockopt(
	    c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(src);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    (connect(c->fd, (struct sockaddr *)&server, sizeof(server)) == -1 &&
	        errno != EINPROGRESS)) {
		close(c->fd);
		free(c);
		return NULL;
	}
	e.events = EPOLLOUT;
	e.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e) == -1) {
		close(c->fd);
		free(c);
		return NULL;
	}
	c->ev = EPOLLOUT;
	c->phase = CP_CONNECT;
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->resource, sizeof(c->resource), "%s", resource);
	c->arg = arg;
	c->index = index;
	c->t_start = 0;
	c->next = live;
	if (live != NULL)
		live->prev = c;
	live = c;
	nlive++;
	stats.started++;
	return c;
}

void
client_quit(struct client *c)
{
	if (c->dead || c->quitting)
		return;
	c->quitting = 1;
	send_bytes(c, "</stream:stream>", 16);
}

static void
client_free(struct client *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	nlive--;
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl != NULL) {
		if (c->quitting && !c->failed)
			SSL_shutdown(c->ssl); /* close_notify, no wait */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	if (c->failed)
		stats.failed++;
	else if (c->quitting)
		stats.quit++;
	cbs->gone(c, c->failed);
	free(c);
}

void
client_expire(uint64_t now, uint64_t timeout_ns)
{
	struct client *c;

	for (c = live; c != NULL; c = c->next)
		if (c->phase != CP_READY && !c->dead && now > c->t_start &&
		    now - c->t_start > timeout_ns)
			fail(c, "login timed out");
}

void
client_close_all(void)
{
	struct client *c;

	for (c = live; c != NULL; c = c->next)
		if (!c->dead) {
			c->quitting = 1;
			mark_dead(c);
		}
	client_flush();
}

/* --- output --- */

static void
write_out(struct client *c)
{
	ssize_t n;
	int r, e;

	while (c->out.len > 0) {
		if (c->ssl != NULL) {
			r = SSL_write(c->ssl, c->out.p, (int)c->out.len);
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				ERR_clear_error();
				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ)
					break;
				fail(c, "TLS write");
				return;
			}
			n = r;
		} else {
			n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				break;
			if (n <= 0) {
				fail(c, "write");
				return;
			}
		}
		stats.bytes_out += (uint64_t)n;
		if ((size_t)n < c->out.len)
			memmove(c->out.p, c->out.p + n, c->out.len - (size_t)n);
		c->out.len -= (size_t)n;
	}
	c->want_w = c->out.len > 0;
	set_events(c, EPOLLIN | (c->want_w || c->hs_w ? EPOLLOUT : 0));
}

void
client_flush(void)
{
	struct client *c;

	while ((c = dirty) != NULL) {
		dirty = c->next_dirty;
		c->dirty = 0;
		if (c->dead || c->phase == CP_CONNECT ||
		    c->phase == CP_HANDSHAKE)
			continue;
		write_out(c);
		if (c->quitting && c->out.len == 0)
			mark_dead(c);
	}
	while ((c = dead) != NULL) {
		dead = c->next_dead;
		if (c->dirty) {
			struct client **p = &dirty;

			while (*p != c)
				p = &(*p)->next_dirty;
			*p = c->next_dirty;
		}
		client_free(c);
	}
}

/* --- element helpers --- */

/* The local name of the element at p (after '<' and any prefix). */
static const char *
local_name(const char *p, const char *end, size_t *len)
{
	const char *s = p + 1, *q, *colon = NULL;

	for (q = s; q < end && *q != ' ' && *q != '>' && *q != '/' &&
	     *q != '\t' && *q != '\n' && *q != '\r';
	     q++)
		if (*q == ':')
			colon = q;
	if (colon != NULL)
		s = colon + 1;
	*len = (size_t)(q - s);
	return s;
}

static int
name_is(const char *n, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(n, want, len) == 0;
}

/* The value of attribute name in the start tag at p. NULL if absent. */
static const char *
attr(const char *p, const char *end, const char *name, size_t *len, char *quote)
{
	size_t nl = strlen(name);
	const char *q = p + 1;
	char qc = 0;

	for (; q < end && *q != '>'; q++) {
		if (qc) {
			if (*q == qc)
				qc = 0;
			continue;
		}
		if (*q == '\'' || *q == '"') {
			qc = *q;
			continue;
		}
		if ((q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n') &&
		    q + nl + 2 < end && memcmp(q, name, nl) == 0 &&
		    q[nl] == '=' && (q[nl + 1] == '\'' || q[nl + 1] == '"')) {
			const char *v = q + nl + 2, *e;

			if ((e = memchr(v, q[nl + 1], (size_t)(end - v))) ==
			    NULL)
				return NULL;
			*len = (size_t)(e - v);
			if (quote != NULL)
				*quote = q[nl + 1];
			return v;
		}
	}
	return NULL;
}

static int
attr_is(const char *p, const char *end, const char *name, const char *want)
{
	size_t len;
	const char *v = attr(p, end, name, &len, NULL);

	return v != NULL && name_is(v, len, want);
}

/* The text content of a leaf element (between its tags). */
static const char *
text_of(const char *p, const char *end, size_t *len)
{
	const char *s = memchr(p, '>', (size_t)(end - p)), *e;

	if (s == NULL || s[-1] == '/') {
		*len = 0;
		return end;
	}
	s++;
	for (e = end - 1; e > s && *e != '<'; e--)
		;
	*len = (size_t)(e - s);
	return s;
}

static int
contains(const char *p, const char *end, const char *needle)
{
	return memmem(p, (size_t)(end - p), needle, strlen(needle)) != NULL;
}

/* --- the login sequence --- */

static void
restart_stream(struct client *c)
{
	/* Whatever is buffered belongs to the old stream. */
	c->in.len = 0;
	c->scan = c->elem = 0;
	c->depth = 0;
	send_bytes(c, header, header_len);
}

static void
start_tls(struct client *c)
{
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, domain) != 1) {
		fail(c, "TLS set-up");
		return;
	}
	SSL_set_connect_state(c->ssl);
	c->in.len = 0;
	c->scan = c->elem = 0;
	c->depth = 0;
	c->phase = CP_HANDSHAKE;
}

static void
handshake(struct client *c)
{
	int r = SSL_do_handshake(c->ssl), e;

	c->hs_w = 0;
	if (r == 1) {
		c->phase = CP_FEATURES2;
		restart_stream(c);
		/* The server's first bytes may already be buffered. */
		set_events(c, EPOLLIN);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ)
		set_events(c, EPOLLIN);
	else if (e == SSL_ERROR_WANT_WRITE) {
		c->hs_w = 1;
		set_events(c, EPOLLIN | EPOLLOUT);
	} else
		fail(c, "TLS handshake");
}

static void
on_features(struct client *c, const char *p, const char *end)
{
	char b64[512];
	int n, sha256;

	switch (c->phase) {
	case CP_FEATURES1:
		if (!contains(p, end, "starttls")) {
			fail(c, "no STARTTLS offered");
			return;
		}
		send_bytes(c, "<starttls xmlns='" NS_TLS "'/>",
		    sizeof("<starttls xmlns='" NS_TLS "'/>") - 1);
		c->phase = CP_PROCEED;
		return;
	case CP_FEATURES2:
		sha256 = !sha1_only && contains(p, end, ">SCRAM-SHA-256<");
		if (!sha256 && !contains(p, end, ">SCRAM-SHA-1<")) {
			fail(c, "no SCRAM offered");
			return;
		}
		n = scram_first(&c->scram, sha256, c->user, b64, sizeof(b64));
		if (n < 0) {
			fail(c, "SCRAM");
			return;
		}
		sendf(c,
		    "<auth xmlns='" NS_SASL "' mechanism='SCRAM-SHA-%s'>%.*s"
		    "</auth>",
		    sha256 ? "256" : "1", n, b64);
		c->phase = CP_CHALLENGE;
		return;
	case CP_FEATURES3:
		if (!contains(p, end, NS_BIND)) {
			fail(c, "no bind offered");
			return;
		}
		sendf(c,
		    "<iq type='set' id='b'><bind xmlns='" NS_BIND
		    "'><resource>%s</resource></bind></iq>",
		    c->resource);
		c->phase = CP_BIND;
		return;
	default:
		fail(c, "unexpected features");
	}
}

static void
on_sasl(struct client *c, const char *name, size_t nl, const char *p,
    const char *end)
{
	char b64[512];
	const char *t;
	size_t tl;
	int n;

	t = text_of(p, end, &tl);
	if (c->phase == CP_CHALLENGE && name_is(name, nl, "challenge")) {
		n = scram_final(&c->scram, t, tl, b64, sizeof(b64));
		if (n < 0) {
			fail(c, "bad SCRAM challenge");
			return;
		}
		sendf(
		    c, "<response xmlns='" NS_SASL "'>%.*s</response>", n, b64);
		c->phase = CP_SUCCESS;
	} else if (c->phase == CP_SUCCESS && name_is(name, nl, "success")) {
		if (scram_verify(&c->scram, t, tl) == -1) {
			fail(c, "server signature");
			return;
		}
		c->phase = CP_FEATURES3;
		restart_stream(c);
	} else if (name_is(name, nl, "failure")) {
		fail(c, "SASL failure");
	} else {
		fail(c, "unexpected SASL element");
	}
}

static void
on_iq(struct client *c, const char *p, const char *end)
{
	const char *id, *from;
	size_t idl, froml;
	char q, fq;

	id = attr(p, end, "id", &idl, &q);
	if (attr_is(p, end, "type", "get") || attr_is(p, end, "type", "set")) {
		/* The server's ping (XEP-0199), or anything else: an empty
		 * result proves life, which is all a server asks of an
		 * idle client. */
		from = attr(p, end, "from", &froml, &fq);
		if (id == NULL)
			return;
		if (from != NULL)
			sendf(c, "<iq type='result' id=%c%.*s%c to=%c%.*s%c/>",
			    q, (int)idl, id, q, fq, (int)froml, from, fq);
		else
			sendf(c, "<iq type='result' id=%c%.*s%c/>", q, (int)idl,
			    id, q);
		return;
	}
	if (id == NULL || idl != 1)
		return;
	if (c->phase == CP_BIND && *id == 'b') {
		if (!attr_is(p, end, "type", "result")) {
			fail(c, "bind refused");
			return;
		}
		/* What a client asks for at login: its roster (today's
		 * answer may be an error), then it becomes available and
		 * pings so that it knows the presence went through. */
		send_bytes(c,
		    "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/>"
		    "</iq>",
		    sizeof("<iq type='get' id='r'><query "
		           "xmlns='jabber:iq:roster'/></iq>") -
		        1);
		c->phase = CP_ROSTER;
	} else if (c->phase == CP_ROSTER && *id == 'r') {
		sendf(c,
		    "<presence/><iq type='get' id='p' to='%s'>"
		    "<ping xmlns='urn:xmpp:ping'/></iq>",
		    domain);
		c->phase = CP_PING;
	} else if (c->phase == CP_PING && *id == 'p') {
		c->phase = CP_READY;
		stats.ready++;
		cbs->ready(c);
	}
}

static void
on_message(struct client *c, const char *p, const char *end)
{
	const char *b;
	uint64_t v = 0;

	if (attr_is(p, end, "type", "error")) {
		cbs->message(c, 0, 1);
		return;
	}
	if ((b = memmem(p, (size_t)(end - p), "<body", 5)) == NULL ||
	    (b = memchr(b, '>', (size_t)(end - b))) == NULL) {
		cbs->message(c, 0, 1);
		return;
	}
	for (b++; b < end && *b >= '0' && *b <= '9'; b++)
		v = v * 10 + (uint64_t)(*b - '0');
	cbs->message(c, v, 0);
}

/* One complete top-level element [p, end). */
static void
dispatch(struct client *c, const char *p, const char *end)
{
	size_t nl;
	const char *name = local_name(p, end, &nl);

	if (c->phase == CP_READY && cbs->stanza != NULL &&
	    (name_is(name, nl, "message") ||
	        (name_is(name, nl, "iq") &&
	            (attr_is(p, end, "type", "result") ||
	                attr_is(p, end, "type", "error")))) &&
	    cbs->stanza(c, p, end)) {
		/* the scenario's */
	} else if (c->phase == CP_READY && name_is(name, nl, "message")) {
		on_message(c, p, end);
	} else if (name_is(name, nl, "presence")) {
		/* The server reflects our own presence: nothing to do. */
	} else if (name_is(name, nl, "iq")) {
		on_iq(c, p, end);
	} else if (name_is(name, nl, "features")) {
		on_features(c, p, end);
	} else if (c->phase == CP_PROCEED && name_is(name, nl, "proceed")) {
		start_tls(c);
	} else if (c->phase == CP_CHALLENGE || c->phase == CP_SUCCESS) {
		on_sasl(c, name, nl, p, end);
	} else if (name_is(name, nl, "error")) {
		fail(c, "stream error");
	} else if (name_is(name, nl, "message")) {
		/* Before ready: an offline message, say. Ignored. */
	} else {
		fail(c, "unexpected element");
	}
}

/*
 * Finds complete top-level elements in c->in and dispatches them. A
 * dispatch that restarts the stream empties c->in; the scan then stops.
 */
static void
scan_input(struct client *c)
{
	size_t i = c->scan, j, t, keep;
	char *b, q, *lt;

	while (!c->dead && i < c->in.len) {
		b = c->in.p;
		if (b[i] != '<') {
			lt = memchr(b + i, '<', c->in.len - i);
			if (lt == NULL) {
				i = c->in.len;
				break;
			}
			i = (size_t)(lt - b);
		}
		if (i + 1 >= c->in.len)
			break;
		for (j = i + 1, q = 0; j < c->in.len; j++) {
			if (q) {
				if (b[j] == q)
					q = 0;
			} else if (b[j] == '\'' || b[j] == '"') {
				q = b[j];
			} else if (b[j] == '>') {
				break;
			}
		}
		if (j >= c->in.len)
			break; /* the tag is incomplete: wait for more */
		t = i;
		i = j + 1;
		if (b[t + 1] == '?' || b[t + 1] == '!')
			continue;
		if (b[t + 1] == '/') {
			if (--c->depth <= 0) {
				/* </stream:stream> */
				if (!c->quitting)
					fail(c, "stream closed by server");
				else
					mark_dead(c);
				return;
			}
			if (c->depth == 1)
				dispatch(c, b + c->elem, b + i);
		} else if (b[j - 1] == '/') {
			if (c->depth == 1)
				dispatch(c, b + t, b + i);
		} else {
			if (c->depth == 1)
				c->elem = t;
			c->depth++;
		}
		if (c->in.len == 0)
			return; /* the stream restarted: c->in is empty */
	}
	/* Drop what is consumed; keep an element in progress. */
	keep = c->depth > 1 ? c->elem : i;
	if (keep > 0) {
		memmove(c->in.p, c->in.p + keep, c->in.len - keep);
		c->in.len -= keep;
		i -= keep;
		c->elem = 0;
	}
	c->scan = i;
	if (c->in.len > IN_MAX)
		fail(c, "element too large");
}

static void
read_input(struct client *c)
{
	ssize_t n;
	int r, e;

	for (;;) {
		if (c->ssl != NULL) {
			r = SSL_read(c->ssl, rbuf, sizeof(rbuf));
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ)
					break;
				if (e == SSL_ERROR_WANT_WRITE) {
					c->hs_w = 1;
					set_events(c, EPOLLIN | EPOLLOUT);
					break;
				}
				if (c->quitting)
					mark_dead(c);
				else
					fail(c,
					    e == SSL_ERROR_ZERO_RETURN
					        ? "closed by server"
					        : "TLS read");
				return;
			}
			n = r;
		} else {
			n = recv(c->fd, rbuf, sizeof(rbuf), 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EAGAIN)
				break;
			if (n <= 0) {
				if (c->quitting)
					mark_dead(c);
				else
					fail(c, "closed by server");
				return;
			}
		}
		stats.bytes_in += (uint64_t)n;
		if (buf_reserve(&c->in, (size_t)n) == -1) {
			fail(c, "out of memory");
			return;
		}
		memcpy(c->in.p + c->in.len, rbuf, (size_t)n);
		c->in.len += (size_t)n;
		scan_input(c);
		if (c->dead || c->phase == CP_HANDSHAKE)
			return;
	}
}

void
client_event(struct client *c, uint32_t ev)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->dead)
		return;
	switch (c->phase) {
	case CP_CONNECT:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			fail(c, "connect");
			return;
		}
		c->phase = CP_FEATURES1;
		set_events(c, EPOLLIN);
		send_bytes(c, header, header_len);
		return;
	case CP_HANDSHAKE:
		handshake(c);
		if (c->phase != CP_HANDSHAKE && !c->dead)
			read_input(c);
		return;
	default:
		break;
	}
	if ((ev & EPOLLOUT) && c->hs_w) {
		c->hs_w = 0;
		set_events(c, EPOLLIN | (c->want_w ? EPOLLOUT : 0));
		read_input(c);
	}
	if ((ev & EPOLLOUT) && c->want_w)
		mark_dirty(c);
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		read_input(c);
	if (c->phase == CP_HANDSHAKE && !c->dead) {
		/* <proceed/> arrived: send the ClientHello now. */
		handshake(c);
	}
}

int
client_send_chat(struct client *c, const char *to, uint64_t stamp)
{
	return sendf(c,
	    "<message to='%s' type='chat' id='m%llx'><body>%llu %s</body>"
	    "</message>",
	    to, (unsigned long long)++c->msg_id, (unsigned long long)stamp,
	    body_pad);
}

int
client_sendf(struct client *c, const char *fmt, ...)
{
	char small[2048], *p = small;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		if ((p = malloc((size_t)n + 1)) == NULL)
			return -1;
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = send_bytes(c, p, (size_t)n);
	if (p != small)
		free(p);
	return rc;
}
