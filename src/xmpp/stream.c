/*
 * stream: the client stream state machine (RFC 6120).
 *
 *   TLS_HANDSHAKE  direct TLS (XEP-0368): waiting for the handshake
 *   HEADER         waiting for <stream:stream>; what is offered next
 *                  depends on whether TLS and SASL are done
 *   OPEN           header answered, features sent; expecting
 *                  <starttls/> (no TLS), <auth/> (no SASL) or bind
 *   STARTTLS       <proceed/> sent, handshake under way
 *   SASL           an exchange is in progress (sub-state in `sasl`)
 *   BOUND          a resource is bound: stanzas are routed
 *   CLOSED         a stream error or </stream:stream> was sent
 *
 * stream_step() is the one place the state changes. The stream owns its
 * conn, parser, SASL exchange and session; everything is released in
 * stream_closed(), which the conn calls once the socket is gone.
 *
 * Timers: before binding, `timer` enforces the login deadline; after,
 * it marks idleness: when it fires the parser drops its memory and a
 * whitespace keepalive is sent if nothing was written meanwhile.
 */
#include "xmpp/stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "net/conn.h"
#include "net/tls.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/precis.h"
#include "xmpp/router.h"
#include "xmpp/sasl.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define NS_STREAMS "urn:ietf:params:xml:ns:xmpp-streams"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

#define IDLE_SHRINK_MS 5000

enum stream_state {
	ST_TLS_HANDSHAKE = 0,
	ST_HEADER,
	ST_OPEN,
	ST_STARTTLS,
	ST_SASL,
	ST_BOUND,
	ST_CLOSED,
};

struct stream {
	enum stream_state state;
	struct conn *conn; /* owned (closing it frees it) */
	struct xml_parser *parser; /* owned */
	const struct conf_listen *li;
	char id[17]; /* stream id, also the log id */
	char *host; /* owned: our domain the client named */
	char *user; /* owned: localpart once authenticated */
	unsigned tls : 1;
	unsigned authed : 1;
	unsigned header_sent : 1;
	unsigned restart : 1; /* parser must be reset after this feed */
	unsigned wrote : 1; /* output since the idle timer was armed */
	unsigned in_feed : 1;
	unsigned ping_out : 1; /* an idle ping awaits any answer */
	unsigned auth_failures;
	uint64_t last_in; /* loop time of the last input, ms */
	struct sasl *sasl; /* owned: exchange in progress */
	struct session *session; /* owned once bound */
	struct timer timer;
	struct stream *prev, *next; /* all streams */
};

static struct stream *streams;
static size_t nstreams;

static void stream_data(void *arg, const char *p, size_t n);
static void stream_tls_ready(void *arg);
static void stream_closed(void *arg);
static void stream_open(void *arg, const struct xml_node *root);
static void stream_stanza(void *arg, struct xml_node *st, struct arena *a);
static void stream_close_tag(void *arg);

static const struct conn_cb stream_conn_cb = {
    stream_data,
    stream_tls_ready,
    stream_closed,
};
static const struct xml_parser_cb stream_xml_cb = {
    stream_open,
    stream_stanza,
    stream_close_tag,
};

const char *
stream_log_id(const struct stream *s)
{
	return s->id;
}

size_t
stream_count(void)
{
	return nstreams;
}

static void
stream_timeout(struct loop *l, void *arg)
{
	struct stream *s = arg;
	uint64_t idle, period,
	    limit = (uint64_t)server.conf->limits.idle_timeout * 1000;

	if (s->state == ST_CLOSED)
		return;
	if (s->state != ST_BOUND) {
		log_info("event=stream_timeout stream=%s", s->id);
		stream_error(s, "connection-timeout", NULL);
		return;
	}
	/* Idle: release parser memory. */
	xml_parser_shrink(s->parser);
	idle = loop_now(l) - s->last_in;
	if (s->ping_out && idle >= 2 * limit) {
		/* Silent through a whole ping period: the peer is gone. */
		stream_error(s, "connection-timeout", NULL);
		return;
	}
	if (!s->ping_out && idle >= limit) {
		/* XEP-0199 §4.1: any answer (even an error) proves life. */
		char iq[JID_PART_MAX * 4 + 160];

		snprintf(iq, sizeof(iq),
		    "<iq type='get' id='idle-ping' from='%s' to='%s'>"
		    "<ping xmlns='urn:xmpp:ping'/></iq>",
		    s->host, s->session->full);
		stream_send_str(s, iq);
		s->ping_out = 1;
	} else if (!s->wrote && server.conf->keepalive > 0) {
		/* Keep NAT and firewall state warm. */
		conn_write(s->conn, " ", 1);
	}
	s->wrote = 0;
	period = server.conf->keepalive > 0
	    ? (uint64_t)server.conf->keepalive * 1000
	    : limit;
	timer_set(l, &s->timer, period < limit ? period : limit);
}

void
stream_accept(int fd, const struct conf_listen *li, void *arg)
{
	const struct conf *c = server.conf;
	struct xml_limits lim;
	struct stream *s;
	SSL *ssl;

	if (c->limits.max_connections > 0 &&
	    conn_count() >= c->limits.max_connections) {
		close(fd);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		return;
	}
	util_random_id(s->id, 16);
	s->li = li;
	lim.stanza_bytes = c->limits.stanza_bytes;
	lim.depth = c->limits.depth;
	lim.attrs = c->limits.attrs;
	lim.header_bytes = c->limits.header_bytes;
	if ((s->parser = xml_parser_new(&lim, &stream_xml_cb, s)) == NULL) {
		free(s);
		close(fd);
		return;
	}
	if ((s->conn = conn_new(server.loop, fd, &stream_conn_cb, s)) == NULL) {
		xml_parser_free(s->parser);
		free(s);
		return;
	}
	s->next = streams;
	if (streams != NULL)
		streams->prev = s;
	streams = s;
	nstreams++;
	timer_init(&s->timer, stream_timeout, s);
	timer_set(
	    server.loop, &s->timer, (uint64_t)c->limits.auth_timeout * 1000);
	s->state = ST_HEADER;
	if (li->tls == CONF_TLS_DIRECT) {
		s->state = ST_TLS_HANDSHAKE;
		if ((ssl = tls_new(server.tls, fd, 1)) == NULL ||
		    conn_start_tls(s->conn, ssl) == -1) {
			s->state = ST_CLOSED;
			conn_close(s->conn);
			return;
		}
	}
	log_debug("event=stream_open stream=%s tls=%s", s->id,
	    li->tls == CONF_TLS_DIRECT ? "direct" : "starttls");
}

static void
stream_closed(void *arg)
{
	struct stream *s = arg;

	log_debug("event=stream_closed stream=%s", s->id);
	timer_cancel(&s->timer);
	if (s->session != NULL) {
		session_unbind(s->session);
		s->session = NULL;
	}
	sasl_free(s->sasl);
	s->sasl = NULL;
	xml_parser_free(s->parser);
	s->parser = NULL;
	free(s->host);
	free(s->user);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	nstreams--;
	free(s);
}

void
stream_send_raw(struct stream *s, const char *p, size_t n)
{
	if (s->state == ST_CLOSED)
		return;
	s->wrote = 1;
	conn_write(s->conn, p, n);
}

void
stream_send_str(struct stream *s, const char *str)
{
	stream_send_raw(s, str, strlen(str));
}

void
stream_send(struct stream *s, const struct xml_node *n)
{
	struct buf b = BUF_INIT;

	if (s->state == ST_CLOSED)
		return;
	if (xml_serialize(n, XML_NS_CLIENT, &b) == 0)
		stream_send_raw(s, buf_ptr(&b), buf_size(&b));
	buf_free(&b);
}

static void
send_header(struct stream *s)
{
	char hdr[512];
	int n;

	n = snprintf(hdr, sizeof(hdr),
	    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
	    "xmlns:stream='http://etherx.jabber.org/streams' id='%s'%s%s%s "
	    "version='1.0' xml:lang='en'>",
	    s->id, s->host ? " from='" : "", s->host ? s->host : "",
	    s->host ? "'" : "");
	stream_send_raw(s, hdr, (size_t)n);
	s->header_sent = 1;
}

void
stream_error(struct stream *s, const char *cond, const char *text)
{
	struct buf b = BUF_INIT;

	if (s->state == ST_CLOSED)
		return;
	if (!s->header_sent)
		send_header(s);
	buf_appendf(&b, "<stream:error><%s xmlns='" NS_STREAMS "'/>", cond);
	if (text != NULL) {
		buf_append_str(&b, "<text xmlns='" NS_STREAMS "'>");
		xml_escape(&b, text, strlen(text), 0);
		buf_append_str(&b, "</text>");
	}
	buf_append_str(&b, "</stream:error></stream:stream>");
	stream_send_raw(s, buf_ptr(&b), buf_size(&b));
	buf_free(&b);
	log_info("event=stream_error stream=%s condition=%s", s->id, cond);
	s->state = ST_CLOSED;
	if (s->in_feed)
		xml_parser_stop(s->parser);
	conn_close(s->conn);
}

void
stream_shutdown_all(void)
{
	struct stream *s;

	for (s = streams; s != NULL; s = s->next)
		stream_error(s, "system-shutdown", NULL);
}

/* --- input --- */

static void
stream_data(void *arg, const char *p, size_t n)
{
	struct stream *s = arg;
	enum xml_status r;

	if (s->state == ST_CLOSED)
		return;
	s->last_in = loop_now(server.loop);
	s->ping_out = 0;
	s->in_feed = 1;
	r = xml_parser_feed(s->parser, p, n);
	s->in_feed = 0;
	if (s->state == ST_CLOSED)
		return;
	if (r == XML_STOPPED || s->restart) {
		/* Bytes after <starttls/> or SASL success that the client
		 * should not have sent yet are dropped with the old parser. */
		s->restart = 0;
		xml_parser_reset(s->parser);
		return;
	}
	if (r != XML_OK) {
		log_info("event=bad_xml stream=%s", s->id);
		stream_error(s, xml_status_condition(r), NULL);
		return;
	}
	if (s->state == ST_BOUND) {
		timer_set(server.loop, &s->timer, IDLE_SHRINK_MS);
	}
}

static void
stream_tls_ready(void *arg)
{
	struct stream *s = arg;
	SSL *ssl = conn_tls(s->conn);

	s->tls = 1;
	s->header_sent = 0;
	s->state = ST_HEADER;
	log_debug(
	    "event=tls_ready stream=%s version=%s", s->id, tls_version(ssl));
}

static void
send_features(struct stream *s)
{
	struct buf b = BUF_INIT;

	buf_append_str(&b, "<stream:features>");
	if (!s->tls) {
		buf_append_str(
		    &b, "<starttls xmlns='" NS_TLS "'><required/></starttls>");
	} else if (!s->authed) {
		sasl_features(conn_tls(s->conn), &b);
	} else {
		buf_append_str(&b,
		    "<bind xmlns='" NS_BIND "'/>"
		    "<session xmlns='" NS_SESSION "'><optional/></session>"
		    /* RFC 6121 §2.6.1, §3.4.1 (roster.c) */
		    "<ver xmlns='urn:xmpp:features:rosterver'/>"
		    "<sub xmlns='urn:xmpp:features:pre-approval'/>");
	}
	buf_append_str(&b, "</stream:features>");
	stream_send_raw(s, buf_ptr(&b), buf_size(&b));
	buf_free(&b);
}

static void
stream_open(void *arg, const struct xml_node *root)
{
	struct stream *s = arg;
	const char *to = xml_attr(root, "to");
	const char *ver = xml_attr(root, "version");
	const char *ns = xml_attr_ns(root, XML_NS_XMLNS, "xmlns");
	char *host;

	if (s->state != ST_HEADER) {
		stream_error(s, "not-well-formed", NULL);
		return;
	}
	if (ns == NULL || strcmp(ns, XML_NS_CLIENT) != 0) {
		stream_error(s, "invalid-namespace", NULL);
		return;
	}
	if (to == NULL) {
		stream_error(
		    s, "host-unknown", "the stream header has no 'to'");
		return;
	}
	host = jid_domain_prep(to, strlen(to));
	if (host == NULL || !server_is_local(host)) {
		free(host);
		stream_error(s, "host-unknown", NULL);
		return;
	}
	if (s->host != NULL && strcmp(s->host, host) != 0) {
		/* A restarted stream may not switch hosts. */
		free(host);
		stream_error(s, "host-unknown", NULL);
		return;
	}
	free(s->host);
	s->host = host;
	send_header(s);
	if (ver == NULL || strncmp(ver, "1.", 2) != 0) {
		stream_error(s, "unsupported-version", NULL);
		return;
	}
	s->state = ST_OPEN;
	send_features(s);
}

static void
stream_close_tag(void *arg)
{
	struct stream *s = arg;

	if (s->state == ST_CLOSED)
		return;
	if (!s->header_sent)
		send_header(s);
	stream_send_str(s, "</stream:stream>");
	s->state = ST_CLOSED;
	conn_close(s->conn);
}

/* --- SASL --- */

static void
auth_done(
    void *arg, enum sasl_result r, const char *user, const char *success_data)
{
	struct stream *s = arg;
	struct buf b = BUF_INIT;

	if (s->state != ST_SASL)
		return;
	if (r == SASL_CONTINUE) {
		/* success_data is the next challenge. */
		buf_appendf(&b, "<challenge xmlns='" NS_SASL "'>%s</challenge>",
		    success_data);
		stream_send_raw(s, buf_ptr(&b), buf_size(&b));
		buf_free(&b);
		return;
	}
	/* `user` belongs to the exchange: copy it before freeing that. */
	if (r == SASL_SUCCESS)
		s->user = strdup(user);
	sasl_free(s->sasl);
	s->sasl = NULL;
	if (r == SASL_SUCCESS) {
		if (s->user == NULL) {
			stream_error(s, "internal-server-error", NULL);
			return;
		}
		s->authed = 1;
		s->state = ST_HEADER;
		s->header_sent = 0;
		if (success_data != NULL && *success_data)
			buf_appendf(&b,
			    "<success xmlns='" NS_SASL "'>%s</success>",
			    success_data);
		else
			buf_append_str(&b, "<success xmlns='" NS_SASL "'/>");
		stream_send_raw(s, buf_ptr(&b), buf_size(&b));
		buf_free(&b);
		log_info("event=auth_success stream=%s", s->id);
		if (s->in_feed) {
			s->restart = 1;
			xml_parser_stop(s->parser);
		} else {
			xml_parser_reset(s->parser);
		}
		return;
	}
	buf_appendf(&b, "<failure xmlns='" NS_SASL "'><%s/>%s</failure>",
	    sasl_result_condition(r),
	    r == SASL_CB_UNSUPPORTED ? "<text>channel binding type not "
	                               "offered; see urn:xmpp:sasl-cb:0</text>"
	        : r == SASL_CB_DOWNGRADE
	        ? "<text>the channel binding flag does "
	          "not fit the mechanism or the offered "
	          "-PLUS mechanisms</text>"
	        : "");
	stream_send_raw(s, buf_ptr(&b), buf_size(&b));
	buf_free(&b);
	s->state = ST_OPEN;
	/* Only a checked proof or password counts as an attempt: refusals
	 * at the first message (channel binding) tested nothing. */
	if (r == SASL_NOT_AUTHORIZED || r == SASL_BAD_CB) {
		log_info("event=auth_failure stream=%s", s->id);
		if (++s->auth_failures >= server.conf->limits.auth_attempts)
			stream_error(s, "policy-violation",
			    "too many failed authentication attempts");
	}
}

static void
handle_sasl(struct stream *s, struct xml_node *st, struct arena *a)
{
	const char *mech;
	char *data;

	data = xml_text(a, st);
	if (data == NULL) {
		stream_error(s, "resource-constraint", NULL);
		return;
	}
	if (xml_is(st, NS_SASL, "auth") && s->state == ST_OPEN) {
		mech = xml_attr(st, "mechanism");
		s->state = ST_SASL;
		s->sasl = sasl_start(
		    mech ? mech : "", conn_tls(s->conn), s->host, auth_done, s);
		if (s->sasl == NULL) {
			auth_done(s, SASL_INVALID_MECH, NULL, NULL);
			return;
		}
		/* <auth/> without text has no initial response; "=" is an
		 * empty one (RFC 6120 §6.4.2). */
		sasl_step(s->sasl, data, st->children != NULL);
		return;
	}
	if (xml_is(st, NS_SASL, "response") && s->state == ST_SASL &&
	    s->sasl != NULL) {
		sasl_step(s->sasl, data, 1);
		return;
	}
	if (xml_is(st, NS_SASL, "abort") && s->state == ST_SASL) {
		sasl_free(s->sasl);
		s->sasl = NULL;
		s->state = ST_SASL;
		auth_done(s, SASL_ABORTED, NULL, NULL);
		return;
	}
	stream_error(s, "policy-violation", "unexpected SASL element");
}

/* --- binding and stanzas --- */

static void
send_iq_error(struct stream *s, struct xml_node *iq, struct arena *a,
    const char *type, const char *cond)
{
	struct xml_node *e = router_make_error(a, iq, type, cond, NULL);

	if (e != NULL) {
		xml_set_attr(a, e, "from", NULL);
		stream_send(s, e);
	}
}

static void
handle_bind(struct stream *s, struct xml_node *iq, struct arena *a)
{
	struct xml_node *bind = xml_child(iq, NS_BIND, "bind"), *res, *r, *b;
	enum session_bind_err err;
	const char *type = xml_attr(iq, "type"), *id = xml_attr(iq, "id");
	char *resource = NULL;

	if (bind == NULL || type == NULL || strcmp(type, "set") != 0 ||
	    id == NULL) {
		stream_error(s, "not-authorized", "bind a resource first");
		return;
	}
	if ((res = xml_child(bind, NS_BIND, "resource")) != NULL)
		resource = xml_text(a, res);
	s->session = session_bind(
	    s, s->user, s->host, resource, server.conf->limits.resources, &err);
	if (s->session == NULL) {
		send_iq_error(s, iq, a,
		    err == SESSION_BAD_RESOURCE   ? "modify"
		        : err == SESSION_TOO_MANY ? "wait"
		                                  : "cancel",
		    err == SESSION_BAD_RESOURCE   ? "bad-request"
		        : err == SESSION_TOO_MANY ? "resource-constraint"
		                                  : "internal-server-error");
		return;
	}
	s->state = ST_BOUND;
	r = xml_new(a, XML_NS_CLIENT, "iq");
	xml_set_attr(a, r, "type", "result");
	xml_set_attr(a, r, "id", id);
	b = xml_add(a, r, NS_BIND, "bind");
	b = xml_add(a, b, NS_BIND, "jid");
	xml_add_text(a, b, s->session->full, strlen(s->session->full));
	stream_send(s, r);
	session_bound(s->session);
	timer_set(server.loop, &s->timer, IDLE_SHRINK_MS);
	log_info("event=session_bound stream=%s", s->id);
}

/* RFC 6120 §8.1.2.1: 'from' may only name this session or its account. */
static int
stamp_from(struct stream *s, struct xml_node *st, struct arena *a)
{
	const char *from = xml_attr(st, "from");
	struct jid j;

	if (from != NULL) {
		if (jid_parse_arena(a, from, strlen(from), &j) == -1)
			return -1;
		if (!jid_bare_eq(&j, &s->session->jid) ||
		    (j.resource != NULL && !jid_full_eq(&j, &s->session->jid)))
			return -1;
	}
	return xml_set_attr(a, st, "from", s->session->full) == 0 ? 0 : -1;
}

static void
handle_stanza(struct stream *s, struct xml_node *st, struct arena *a)
{
	if (!xml_is(st, XML_NS_CLIENT, st->name) ||
	    (strcmp(st->name, "message") != 0 &&
	        strcmp(st->name, "presence") != 0 &&
	        strcmp(st->name, "iq") != 0)) {
		arena_free(a);
		stream_error(s,
		    strcmp(st->ns, XML_NS_CLIENT) != 0
		        ? "invalid-namespace"
		        : "unsupported-stanza-type",
		    NULL);
		return;
	}
	if (stamp_from(s, st, a) == -1) {
		arena_free(a);
		stream_error(s, "invalid-from", NULL);
		return;
	}
	router_route(s->session, st, a);
}

/* Before TLS only STARTTLS is possible (RFC 6120 §5.3.1: required). */
static void
handle_pre_tls(struct stream *s, const struct xml_node *st)
{
	SSL *ssl;

	if (xml_is(st, NS_SASL, "auth")) {
		stream_send_str(s,
		    "<failure xmlns='" NS_SASL
		    "'><encryption-required/></failure>");
		return;
	}
	if (!xml_is(st, NS_TLS, "starttls")) {
		stream_error(s, "policy-violation", "STARTTLS is required");
		return;
	}
	ssl = tls_new(server.tls, conn_fd(s->conn), 0);
	stream_send_str(s, "<proceed xmlns='" NS_TLS "'/>");
	if (ssl == NULL || conn_start_tls(s->conn, ssl) == -1) {
		stream_error(s, "internal-server-error", NULL);
		return;
	}
	s->state = ST_STARTTLS;
	/* Bytes after <starttls/> are dropped with the parser's state. */
	xml_parser_stop(s->parser);
	s->restart = 1;
}

/*
 * The transition function for top-level elements: what is acceptable
 * depends on the state and on what TLS and SASL have done so far.
 */
static void
stream_stanza(void *arg, struct xml_node *st, struct arena *a)
{
	struct stream *s = arg;
	int sasl = st->ns != NULL && strcmp(st->ns, NS_SASL) == 0;

	if (s->state == ST_BOUND) {
		handle_stanza(s, st, a); /* takes a */
		return;
	}
	if (s->state == ST_OPEN && !s->tls)
		handle_pre_tls(s, st);
	else if (((s->state == ST_OPEN && !s->authed) || s->state == ST_SASL) &&
	    sasl)
		handle_sasl(s, st, a);
	else if ((s->state == ST_OPEN && !s->authed) || s->state == ST_SASL)
		stream_error(s, "not-authorized", NULL);
	else if (s->state == ST_OPEN && xml_is(st, XML_NS_CLIENT, "iq"))
		handle_bind(s, st, a);
	else if (s->state == ST_OPEN)
		stream_error(s, "not-authorized", "bind a resource first");
	else if (s->state != ST_CLOSED)
		stream_error(s, "not-authorized", NULL);
	arena_free(a);
}
