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
 *   DETACHED       the connection dropped but the session waits to be
 *                  resumed (XEP-0198): no conn, no parser; stanzas for
 *                  it are only queued
 *   CLOSED         a stream error or </stream:stream> was sent
 *
 * stream_step() is the one place the state changes. The stream owns its
 * conn, parser, SASL exchange and session; everything is released in
 * stream_closed(), which the conn calls once the socket is gone, unless
 * the session is resumable: then the stream lives on DETACHED, without a
 * conn, until a new stream resumes it (taking its session and stream
 * management state, after which it is freed) or the resume timeout ends
 * it for real (stream_free()).
 *
 * Output: stanzas pass stream_send_stanza(), which holds what an inactive
 * client can wait for (XEP-0352, csi.c), then counts and keeps a copy of
 * each for stream management (sm.c), then writes it. Stream-level
 * elements go straight to the conn (stream_send_raw()).
 *
 * When a session with stream management ends for real, every message it
 * never acknowledged is routed again to its bare JID (the account's other
 * resources, or offline storage): a lost connection loses no message.
 *
 * Timers: before binding, `timer` enforces the login deadline; after,
 * it marks idleness: when it fires the parser drops its memory and a
 * whitespace keepalive is sent if nothing was written meanwhile.
 */
#include "xmpp/stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#include "xmpp/carbons.h"
#include "xmpp/csi.h"
#include "xmpp/fast.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/precis.h"
#include "xmpp/router.h"
#include "xmpp/sasl.h"
#include "xmpp/sasl2.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/sm.h"

#define NS_TLS "urn:ietf:params:xml:ns:xmpp-tls"
#define NS_SASL "urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND "urn:ietf:params:xml:ns:xmpp-bind"
#define NS_SESSION "urn:ietf:params:xml:ns:xmpp-session"
#define NS_STREAMS "urn:ietf:params:xml:ns:xmpp-streams"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

#define IDLE_SHRINK_MS 5000
/* XEP-0198: the server asks for an ack after this many stanzas. */
#define SM_ACK_EVERY 5

enum stream_state {
	ST_TLS_HANDSHAKE = 0,
	ST_HEADER,
	ST_OPEN,
	ST_STARTTLS,
	ST_SASL,
	ST_BOUND,
	ST_DETACHED,
	ST_CLOSED,
};

struct stream {
	enum stream_state state;
	struct conn *conn; /* owned (closing it frees it); NULL detached */
	struct xml_parser *parser; /* owned */
	const struct conf_listen *li;
	char id[17]; /* stream id, also the log id */
	char *host; /* owned: our domain the client named */
	char *user; /* owned: localpart once authenticated */
	unsigned tls : 1;
	unsigned authed : 1;
	/* Holds one unlock reference on the account's sealing keys
	 * (taken by the login, store_unlock()); dropped when it ends. */
	unsigned sealref : 1;
	unsigned header_sent : 1;
	unsigned restart : 1; /* parser must be reset after this feed */
	unsigned wrote : 1; /* output since the idle timer was armed */
	unsigned in_feed : 1;
	unsigned ping_out : 1; /* an idle ping awaits any answer */
	unsigned inactive : 1; /* XEP-0352: the client said <inactive/> */
	unsigned clean_end : 1; /* no resumption: closed on purpose */
	unsigned auth_failures;
	uint64_t last_in; /* loop time of the last input, ms */
	struct sasl *sasl; /* owned: exchange in progress */
	struct fast *fast; /* owned: token exchange in progress (SASL2) */
	struct s2 *s2; /* owned: the SASL2 request in progress */
	struct session *session; /* owned once bound */
	struct sm *sm; /* owned: XEP-0198 state once enabled */
	struct csi csi; /* held while inactive */
	struct timer timer;
	struct stream *prev, *next; /* all streams */
};

static struct stream *streams;
static size_t nstreams;
/* Resumable streams by resumption id (keys point into stream->sm->id). */
static struct hash *resumable;

static void stream_data(void *arg, const char *p, size_t n);
static void stream_tls_ready(void *arg);
static void stream_closed(void *arg);
static void stream_open(void *arg, const struct xml_node *root);
static void stream_stanza(void *arg, struct xml_node *st, struct arena *a);
static void stream_close_tag(void *arg);
static void stream_free(struct stream *s);
static void sm_request(struct stream *s);
static void s2_free(struct s2 *r);

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
	if (s->state == ST_DETACHED) {
		/* Nobody resumed it: the session ends for real. */
		log_info("event=resume_expired stream=%s", s->id);
		stream_free(s);
		return;
	}
	if (s->state != ST_BOUND) {
		log_info("event=stream_timeout stream=%s", s->id);
		stream_error(s, "connection-timeout", NULL);
		return;
	}
	/* Idle: release parser memory. */
	xml_parser_shrink(s->parser);
	if (s->sm != NULL && s->sm->n > 0 && !s->sm->r_out)
		sm_request(s);
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
		stream_send_stanza(s, NULL, iq, strlen(iq));
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

/*
 * Routes every message the client never acknowledged to its bare JID
 * again: the account's other resources, or offline storage. Carbon
 * copies went to other resources already; errors, groupchat and
 * headlines would not be stored anyway.
 */
static void
reroute_unacked(const struct sm *sm)
{
	const struct sm_item *it;
	struct xml_node *m;
	struct arena *a;
	const char *to, *type;
	struct jid j;
	size_t n = 0;

	for (it = sm->head; it != NULL; it = it->next) {
		if (!it->msg || (a = arena_new(it->len * 2 + 512)) == NULL)
			continue;
		m = xml_parse_element(a, it->data, it->len, NULL);
		if (m == NULL || !xml_is(m, XML_NS_CLIENT, "message") ||
		    (to = xml_attr(m, "to")) == NULL ||
		    jid_parse_arena(a, to, strlen(to), &j) == -1 ||
		    j.local == NULL ||
		    xml_child(m, "urn:xmpp:carbons:2", NULL) != NULL ||
		    ((type = xml_attr(m, "type")) != NULL &&
		        (strcmp(type, "error") == 0 ||
		            strcmp(type, "groupchat") == 0))) {
			arena_free(a);
			continue;
		}
		j.resource = NULL;
		router_route_bare(m, a, &j);
		n++;
	}
	if (n > 0)
		log_info("event=sm_rerouted count=%zu", n);
}

/* Ends the session for real: presence learns of it (unavailable), and
 * what the client never acknowledged is routed again. */
static void
stream_end_session(struct stream *s)
{
	struct sm *sm = s->sm;

	if (sm != NULL && resumable != NULL && hash_get(resumable, sm->id) == s)
		hash_del(resumable, sm->id);
	s->sm = NULL;
	if (s->session != NULL) {
		session_unbind(s->session);
		s->session = NULL;
	}
	if (sm != NULL) {
		reroute_unacked(sm);
		sm_free(sm);
	}
	csi_clear(&s->csi);
}

/* Drops the stream's reference on the account's sealing keys: the last
 * one wipes them from memory (a detached stream keeps its own). */
static void
stream_unseal(struct stream *s)
{
	if (!s->sealref)
		return;
	s->sealref = 0;
	if (s->user != NULL)
		store_lock(server.store, s->host, s->user);
}

/* Frees a stream whose conn is gone (or that never kept one). */
static void
stream_free(struct stream *s)
{
	timer_cancel(&s->timer);
	stream_end_session(s);
	/* After the session's own last writes, which run in order. */
	stream_unseal(s);
	sasl_free(s->sasl);
	s->sasl = NULL;
	fast_free(s->fast);
	s->fast = NULL;
	s2_free(s->s2);
	s->s2 = NULL;
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

static void csi_flush(struct stream *s);

/*
 * The connection is gone without a clean close: a resumable session
 * stays bound, with no broadcast of unavailable, and queues what comes
 * for it until it is resumed or the timeout passes.
 */
static void
stream_detach(struct stream *s)
{
	s->state = ST_DETACHED;
	s->session->detached = 1;
	/* Armed first: a queue that overflows below ends it sooner. */
	timer_set(server.loop, &s->timer, (uint64_t)s->sm->max * 1000);
	/* What was held for an inactive client joins the queue, to be
	 * written on resumption. */
	csi_flush(s);
	s->inactive = 0;
	sasl_free(s->sasl);
	s->sasl = NULL;
	fast_free(s->fast);
	s->fast = NULL;
	s2_free(s->s2);
	s->s2 = NULL;
	xml_parser_free(s->parser);
	s->parser = NULL;
	log_info("event=session_detached stream=%s", s->id);
}

static void
stream_closed(void *arg)
{
	struct stream *s = arg;

	log_debug("event=stream_closed stream=%s", s->id);
	s->conn = NULL;
	timer_cancel(&s->timer);
	if (s->session != NULL && s->sm != NULL && s->sm->resumable &&
	    !s->clean_end && s->state != ST_DETACHED) {
		stream_detach(s);
		return;
	}
	stream_free(s);
}

void
stream_send_raw(struct stream *s, const char *p, size_t n)
{
	if (s->state == ST_CLOSED || s->conn == NULL)
		return;
	s->wrote = 1;
	conn_write(s->conn, p, n);
}

void
stream_send_str(struct stream *s, const char *str)
{
	stream_send_raw(s, str, strlen(str));
}

/* XEP-0198 §4: asks the client how much it has handled. */
static void
sm_request(struct stream *s)
{
	if (s->state != ST_BOUND)
		return;
	s->sm->r_out = 1;
	s->sm->requested = s->sm->out;
	stream_send_str(s, "<r xmlns='" SM_NS "'/>");
}

/* A stanza leaves: counted and kept for stream management, and written
 * unless the stream is detached. */
static void
stanza_out(struct stream *s, const char *p, size_t n, int msg)
{
	if (s->sm != NULL) {
		if (sm_push(s->sm, p, n, msg) == -1)
			log_warn("event=sm_copy_failed stream=%s", s->id);
		if (s->sm->n > server.conf->limits.unacked_stanzas) {
			/* The client does not acknowledge: stop holding.
			 * Ending the session re-routes its messages. Never
			 * free here: callers may be walking sessions. */
			s->clean_end = 1;
			if (s->state == ST_DETACHED)
				timer_set(server.loop, &s->timer, 0);
			else
				stream_error(s, "resource-constraint",
				    "too many unacknowledged stanzas");
			return;
		}
	}
	if (s->state == ST_DETACHED)
		return;
	stream_send_raw(s, p, n);
	if (s->sm != NULL && !s->sm->r_out &&
	    s->sm->out - s->sm->requested >= SM_ACK_EVERY)
		sm_request(s);
}

static void
csi_flush(struct stream *s)
{
	struct csi_item *it, *next;

	for (it = csi_take(&s->csi); it != NULL; it = next) {
		next = it->next;
		stanza_out(
		    s, it->data, it->len, strncmp(it->key, "c ", 2) == 0);
		csi_item_free(it);
	}
}

void
stream_send_stanza(
    struct stream *s, const struct xml_node *n, const char *p, size_t len)
{
	char key[JID_PART_MAX * 4 + 8];

	if (s->state == ST_CLOSED)
		return;
	if (s->inactive) {
		if (csi_holdable(n, key, sizeof(key)) &&
		    s->csi.n < server.conf->limits.csi_held &&
		    csi_hold(&s->csi, key, p, len) == 0)
			return;
		/* Delivered now, after what was held (order matters between
		 * messages and presence). An IQ is an answer or a request
		 * the client must see, but needs no held stanza before it:
		 * pings to and from the client must not defeat holding. */
		if (n != NULL &&
		    (n->name == NULL || strcmp(n->name, "iq") != 0))
			csi_flush(s);
	}
	stanza_out(s, p, len,
	    n != NULL && n->name != NULL && strcmp(n->name, "message") == 0);
}

void
stream_send(struct stream *s, const struct xml_node *n)
{
	struct buf b = BUF_INIT;

	if (s->state == ST_CLOSED)
		return;
	if (xml_serialize(n, XML_NS_CLIENT, &b) == 0)
		stream_send_stanza(s, n, buf_ptr(&b), buf_size(&b));
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

/* A stream error; `extra` (may be NULL) is appended inside it as is. */
static void
stream_error_x(
    struct stream *s, const char *cond, const char *text, const char *extra)
{
	struct buf b = BUF_INIT;

	if (s->state == ST_CLOSED)
		return;
	if (strcmp(cond, "connection-timeout") != 0)
		s->clean_end = 1; /* a dead peer may still resume */
	if (s->state == ST_DETACHED) {
		/* No connection to tell: end it from the loop, not here
		 * (callers may be walking sessions). */
		timer_set(server.loop, &s->timer, 0);
		return;
	}
	if (s->conn == NULL) {
		s->state = ST_CLOSED;
		return;
	}
	if (!s->header_sent)
		send_header(s);
	buf_appendf(&b, "<stream:error><%s xmlns='" NS_STREAMS "'/>", cond);
	if (text != NULL) {
		buf_append_str(&b, "<text xmlns='" NS_STREAMS "'>");
		xml_escape(&b, text, strlen(text), 0);
		buf_append_str(&b, "</text>");
	}
	if (extra != NULL)
		buf_append_str(&b, extra);
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
stream_error(struct stream *s, const char *cond, const char *text)
{
	stream_error_x(s, cond, text, NULL);
}

void
stream_shutdown_all(void)
{
	struct stream *s;

	/* Detached sessions end with the process; nothing to tell. */
	for (s = streams; s != NULL; s = s->next)
		if (s->state != ST_DETACHED)
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
		sasl2_features(conn_tls(s->conn), &b);
	} else {
		buf_append_str(&b,
		    "<bind xmlns='" NS_BIND "'/>"
		    "<session xmlns='" NS_SESSION "'><optional/></session>"
		    /* RFC 6121 §2.6.1, §3.4.1 (roster.c) */
		    "<ver xmlns='urn:xmpp:features:rosterver'/>"
		    "<sub xmlns='urn:xmpp:features:pre-approval'/>"
		    "<sm xmlns='" SM_NS "'/>"
		    "<csi xmlns='" CSI_NS "'/>");
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
	s->clean_end = 1; /* XEP-0198 §5: a clean close ends the session */
	s->state = ST_CLOSED;
	conn_close(s->conn);
}

/* --- SASL --- */

/* A successful login's user (copied: it belongs to the exchange) and the
 * unlock reference it took, held until stream_unseal(); given back at
 * once if the copy fails. */
static void
auth_keep_user(struct stream *s, const char *user)
{
	if ((s->user = strdup(user)) == NULL)
		store_lock(server.store, s->host, user);
	s->sealref = s->user != NULL;
}

static void
auth_done(
    void *arg, enum sasl_result r, const char *user, const char *success_data)
{
	struct stream *s = arg;
	struct buf b = BUF_INIT;

	if (s->state != ST_SASL) {
		if (r == SASL_SUCCESS) /* nobody will hold its unlock */
			store_lock(server.store, s->host, user);
		return;
	}
	if (r == SASL_CONTINUE) {
		/* success_data is the next challenge. */
		buf_appendf(&b, "<challenge xmlns='" NS_SASL "'>%s</challenge>",
		    success_data);
		stream_send_raw(s, buf_ptr(&b), buf_size(&b));
		buf_free(&b);
		return;
	}
	/* `user` belongs to the exchange: copy it before freeing that. */
	if (r == SASL_SUCCESS) {
		auth_keep_user(s, user);
	}
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

/* --- SASL2 (XEP-0388) with Bind2, inline resumption and FAST --- */

static int sm_take_over(struct stream *s, const char *previd, const char *hs,
    char *out, size_t cap);
static void sm_resumed_flush(struct stream *s);
static void sm_enable_x(
    struct stream *s, int resume, uint32_t want, char *out, size_t cap);

/* What <authenticate/> asked for beyond the exchange, kept until it
 * ends (the stanza's arena is gone by then). */
struct s2 {
	unsigned bind : 1, carbons : 1, sm : 1, sm_resume : 1, resume : 1;
	uint32_t sm_max;
	char *tag, *ua_id, *previd, *h, *token_mech; /* owned, or NULL */
};

static void
s2_free(struct s2 *r)
{
	if (r == NULL)
		return;
	free(r->tag);
	free(r->ua_id);
	free(r->previd);
	free(r->h);
	free(r->token_mech);
	free(r);
}

static int
s2_dup(char **dst, const char *src)
{
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

static struct s2 *
s2_new(const struct sasl2_req *q)
{
	struct s2 *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->bind = q->bind;
	r->carbons = q->carbons;
	r->sm = q->sm;
	r->sm_resume = q->sm_resume;
	r->sm_max = q->sm_max;
	r->resume = q->resume;
	if (s2_dup(&r->tag, q->tag) == -1 ||
	    s2_dup(&r->ua_id, q->ua_id) == -1 ||
	    s2_dup(&r->previd, q->previd) == -1 || s2_dup(&r->h, q->h) == -1 ||
	    s2_dup(&r->token_mech, q->token_mech) == -1) {
		s2_free(r);
		return NULL;
	}
	return r;
}

static void
s2_failure(struct stream *s, const char *cond, const char *text)
{
	struct buf b = BUF_INIT;

	buf_appendf(&b,
	    "<failure xmlns='" SASL2_NS "'><%s xmlns='" NS_SASL "'/>", cond);
	if (text != NULL)
		buf_appendf(&b, "<text>%s</text>", text);
	buf_append_str(&b, "</failure>");
	stream_send_raw(s, buf_ptr(&b), buf_size(&b));
	buf_free(&b);
}

/*
 * Authentication succeeded: resume or bind as asked, issue a token if
 * asked, and answer <success/> with the results inline. The stream is
 * not restarted (XEP-0388 §2.5).
 */
static void
s2_success(struct stream *s, const char *data, const char *used_token)
{
	struct s2 *r = s->s2;
	struct buf b = BUF_INIT, x = BUF_INIT;
	enum session_bind_err err;
	char out[200], res[JID_PART_MAX + 1], token[FAST_TOKEN_LEN + 1];
	char when[32];
	int resumed = 0, bound = 0;
	int64_t expiry;
	time_t t;
	struct tm tm;

	s->authed = 1;
	s->state = ST_OPEN;
	if (r->resume) {
		resumed =
		    sm_take_over(s, r->previd, r->h, out, sizeof(out)) == 0;
		buf_append_str(&x, out);
	}
	if (!resumed && r->bind) {
		char bare[2 * JID_PART_MAX + 2];

		snprintf(bare, sizeof(bare), "%s@%s", s->user, s->host);
		if (sasl2_resource(bare, r->tag, r->ua_id, res, sizeof(res)) ==
		        -1 ||
		    (s->session = session_bind(s, s->user, s->host, res,
		         server.conf->limits.resources, &err)) == NULL) {
			buf_free(&x);
			s->authed = 0;
			stream_unseal(s);
			free(s->user);
			s->user = NULL;
			s2_free(s->s2);
			s->s2 = NULL;
			s2_failure(s, "aborted", "resource binding failed");
			return;
		}
		bound = 1;
		s->state = ST_BOUND;
		buf_append_str(&x, "<bound xmlns='" BIND2_NS "'>");
		if (r->sm) {
			sm_enable_x(
			    s, r->sm_resume, r->sm_max, out, sizeof(out));
			buf_append_str(&x, out);
		}
		buf_append_str(&x, "</bound>");
		if (r->carbons)
			carbons_enable(s->session, 1);
	}
	if (r->token_mech != NULL &&
	    fast_issue(s->host, s->user, r->token_mech, used_token, token,
	        &expiry) == 0) {
		t = (time_t)expiry;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_appendf(&x,
		    "<token xmlns='" FAST_NS "' expiry='%s' token='%s'/>", when,
		    token);
		util_wipe(token, sizeof(token));
	}
	buf_append_str(&b, "<success xmlns='" SASL2_NS "'>");
	if (data != NULL && *data)
		buf_appendf(&b, "<additional-data>%s</additional-data>", data);
	buf_append_str(&b, "<authorization-identifier>");
	if (s->session != NULL)
		xml_escape(&b, s->session->full, strlen(s->session->full), 0);
	else
		buf_appendf(&b, "%s@%s", s->user, s->host);
	buf_append_str(&b, "</authorization-identifier>");
	buf_append(&b, buf_ptr(&x), buf_size(&x));
	buf_append_str(&b, "</success>");
	stream_send_raw(s, buf_ptr(&b), buf_size(&b));
	util_wipe((char *)buf_ptr(&x), buf_size(&x));
	buf_free(&x);
	util_wipe((char *)buf_ptr(&b), buf_size(&b));
	buf_free(&b);
	s2_free(s->s2);
	s->s2 = NULL;
	log_info("event=auth_success stream=%s sasl2=1", s->id);
	if (resumed) {
		sm_resumed_flush(s);
	} else if (bound) {
		session_bound(s->session);
		timer_set(server.loop, &s->timer, IDLE_SHRINK_MS);
		log_info("event=session_bound stream=%s bind2=1", s->id);
	} else {
		/* Nothing bound inline: the client goes on as after a
		 * restart, so it needs the post-authentication features. */
		send_features(s);
	}
}

static void
auth2_done(void *arg, enum sasl_result r, const char *user, const char *data)
{
	struct stream *s = arg;
	struct buf b = BUF_INIT;
	char used[FAST_ID_LEN + 1] = "";

	if (s->state != ST_SASL || s->s2 == NULL) {
		if (r == SASL_SUCCESS)
			store_lock(server.store, s->host, user);
		return;
	}
	if (r == SASL_CONTINUE) {
		buf_appendf(&b,
		    "<challenge xmlns='" SASL2_NS "'>%s</challenge>",
		    data != NULL ? data : "");
		stream_send_raw(s, buf_ptr(&b), buf_size(&b));
		buf_free(&b);
		return;
	}
	/* `user` and `data` belong to the exchange: copy before freeing. */
	if (r == SASL_SUCCESS) {
		auth_keep_user(s, user);
		if (fast_used_id(s->fast) != NULL)
			snprintf(
			    used, sizeof(used), "%s", fast_used_id(s->fast));
		if (data != NULL && buf_append_str(&b, data) == -1) {
			stream_unseal(s);
			free(s->user);
			s->user = NULL;
		}
	}
	sasl_free(s->sasl);
	s->sasl = NULL;
	fast_free(s->fast);
	s->fast = NULL;
	if (r == SASL_SUCCESS) {
		if (s->user == NULL) {
			buf_free(&b);
			stream_error(s, "internal-server-error", NULL);
			return;
		}
		buf_append(&b, "", 1);
		s2_success(s, buf_ptr(&b), used[0] ? used : NULL);
		buf_free(&b);
		return;
	}
	s2_free(s->s2);
	s->s2 = NULL;
	s->state = ST_OPEN;
	s2_failure(s, sasl_result_condition(r),
	    r == SASL_CB_UNSUPPORTED ? "channel binding type not offered"
	        : r == SASL_CB_DOWNGRADE
	        ? "the channel binding flag does not fit the mechanism"
	        : NULL);
	/* The same counting as RFC 6120 SASL (auth_done()). */
	if (r == SASL_NOT_AUTHORIZED || r == SASL_BAD_CB) {
		log_info("event=auth_failure stream=%s sasl2=1", s->id);
		if (++s->auth_failures >= server.conf->limits.auth_attempts)
			stream_error(s, "policy-violation",
			    "too many failed authentication attempts");
	}
}

static void
handle_sasl2(struct stream *s, struct xml_node *st, struct arena *a)
{
	struct sasl2_req q;
	SSL *ssl = conn_tls(s->conn);
	char *data;

	if (xml_is(st, SASL2_NS, "authenticate") && s->state == ST_OPEN) {
		if (sasl2_parse(a, st, &q) == -1) {
			s2_failure(s, "malformed-request", NULL);
			return;
		}
		if ((s->s2 = s2_new(&q)) == NULL) {
			stream_error(s, "resource-constraint", NULL);
			return;
		}
		s->state = ST_SASL;
		if (strncmp(q.mech, "HT-", 3) == 0) {
			s->fast = fast_start(q.mech, ssl, s->host, q.count,
			    q.invalidate, auth2_done, s);
			if (s->fast == NULL) {
				auth2_done(s, SASL_INVALID_MECH, NULL, NULL);
				return;
			}
			fast_step(s->fast, q.initial ? q.initial : "",
			    q.initial != NULL);
			return;
		}
		s->sasl = sasl_start(q.mech, ssl, s->host, auth2_done, s);
		if (s->sasl == NULL) {
			auth2_done(s, SASL_INVALID_MECH, NULL, NULL);
			return;
		}
		sasl_step(
		    s->sasl, q.initial ? q.initial : "", q.initial != NULL);
		return;
	}
	if (xml_is(st, SASL2_NS, "response") && s->state == ST_SASL &&
	    s->sasl != NULL && s->s2 != NULL) {
		if ((data = xml_text(a, st)) == NULL) {
			stream_error(s, "resource-constraint", NULL);
			return;
		}
		sasl_step(s->sasl, data, 1);
		return;
	}
	if (xml_is(st, SASL2_NS, "abort") && s->state == ST_SASL &&
	    s->s2 != NULL) {
		sasl_free(s->sasl);
		s->sasl = NULL;
		fast_free(s->fast);
		s->fast = NULL;
		auth2_done(s, SASL_ABORTED, NULL, NULL);
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

/* --- stream management (XEP-0198) and client state (XEP-0352) --- */

#define SM_FAILED(cond)                                                        \
	"<failed xmlns='" SM_NS "'><" cond " xmlns='" NS_STANZAS "'/></failed>"

/*
 * Enables stream management (resumable if asked and allowed, for at most
 * `want` seconds when want > 0) and writes the answer, <enabled/> or
 * <failed/>, into out[cap]. Shared by <enable/> and Bind2's inline
 * enable.
 */
static void
sm_enable_x(struct stream *s, int resume, uint32_t want, char *out, size_t cap)
{
	unsigned max = server.conf->limits.resume_timeout;
	int r;

	if (s->sm != NULL) {
		snprintf(out, cap, "%s", SM_FAILED("unexpected-request"));
		return;
	}
	r = resume && max > 0;
	/* The client may ask for less time than we allow, never more. */
	if (r && want > 0 && want < max)
		max = want;
	if ((s->sm = sm_new(r, max)) == NULL) {
		snprintf(out, cap, "%s", SM_FAILED("internal-server-error"));
		return;
	}
	if (r &&
	    ((resumable == NULL && (resumable = hash_new()) == NULL) ||
	        hash_put(resumable, s->sm->id, s) == -1)) {
		s->sm->resumable = 0;
		r = 0;
	}
	if (r)
		snprintf(out, cap,
		    "<enabled xmlns='" SM_NS "' id='%s' resume='true' "
		    "max='%u'/>",
		    s->sm->id, max);
	else
		snprintf(out, cap, "<enabled xmlns='" SM_NS "'/>");
	log_debug("event=sm_enabled stream=%s resume=%d", s->id, r);
}

static void
sm_enable(struct stream *s, const struct xml_node *st)
{
	const char *res = xml_attr(st, "resume"), *mx = xml_attr(st, "max");
	char out[160];
	uint32_t want = 0;

	if (mx == NULL || sm_parse_h(mx, &want) == -1)
		want = 0;
	sm_enable_x(s,
	    res != NULL && (strcmp(res, "true") == 0 || strcmp(res, "1") == 0),
	    want, out, sizeof(out));
	stream_send_str(s, out);
}

/* <a h/>: more than was sent is a stream error (XEP-0198 §4). */
static void
sm_acked(struct stream *s, const struct xml_node *st)
{
	char extra[160];
	uint32_t h;

	if (sm_parse_h(xml_attr(st, "h"), &h) == -1) {
		stream_error(s, "bad-format", "the ack's h is not a count");
		return;
	}
	if (sm_ack(s->sm, h) == -1) {
		snprintf(extra, sizeof(extra),
		    "<handled-count-too-high xmlns='" SM_NS
		    "' h='%u' send-count='%u'/>",
		    h, s->sm->out);
		stream_error_x(s, "undefined-condition",
		    "the ack counts more stanzas than were sent", extra);
		return;
	}
	s->sm->r_out = 0;
}

static void
handle_sm(struct stream *s, const struct xml_node *st)
{
	char out[80];

	if (xml_is(st, SM_NS, "enable")) {
		sm_enable(s, st);
	} else if (s->sm == NULL) {
		/* <r/> or <a/> before <enable/>. */
		stream_send_str(s, SM_FAILED("unexpected-request"));
	} else if (xml_is(st, SM_NS, "r")) {
		snprintf(out, sizeof(out), "<a xmlns='" SM_NS "' h='%u'/>",
		    s->sm->in);
		stream_send_str(s, out);
	} else if (xml_is(st, SM_NS, "a")) {
		sm_acked(s, st);
	} else {
		stream_send_str(s, SM_FAILED("feature-not-implemented"));
	}
}

static void
handle_csi(struct stream *s, const struct xml_node *st)
{
	if (xml_is(st, CSI_NS, "inactive")) {
		s->inactive = 1;
	} else if (xml_is(st, CSI_NS, "active")) {
		s->inactive = 0;
		csi_flush(s);
	}
}

/*
 * <resume previd h/> on an authenticated stream: takes over the session
 * of the stream it names (same account), which is freed (detached) or
 * closed (still connected), then writes what the client missed.
 */
/*
 * Takes over the session named by previd (see sm_resume()); the answer,
 * <resumed/> or <failed/>, goes into out[cap]. 0 when resumed: the
 * caller then sends the answer and calls sm_resumed_flush(). Shared by
 * <resume/> and SASL2's inline resumption.
 */
static int
sm_take_over(
    struct stream *s, const char *previd, const char *hs, char *out, size_t cap)
{
	struct stream *old;
	uint32_t h;

	old = previd != NULL && resumable != NULL ? hash_get(resumable, previd)
	                                          : NULL;
	if (old == NULL || old == s || old->session == NULL || old->clean_end ||
	    old->sm == NULL || strcmp(old->user, s->user) != 0 ||
	    strcmp(old->host, s->host) != 0) {
		snprintf(out, cap, "%s", SM_FAILED("item-not-found"));
		return -1;
	}
	if (sm_parse_h(hs, &h) == -1) {
		snprintf(out, cap, "%s", SM_FAILED("bad-request"));
		return -1;
	}
	if (sm_ack(old->sm, h) == -1) {
		snprintf(out, cap,
		    "<failed xmlns='" SM_NS
		    "'><undefined-condition xmlns='" NS_STANZAS
		    "'/><handled-count-too-high h='%u' send-count='%u'/></failed>",
		    h, old->sm->out);
		return -1;
	}
	s->session = old->session;
	s->sm = old->sm;
	old->session = NULL;
	old->sm = NULL;
	s->session->stream = s;
	s->session->detached = 0;
	s->sm->r_out = 0;
	s->sm->requested = s->sm->out;
	hash_put(resumable, s->sm->id, s); /* replaces: no allocation */
	if (old->state == ST_DETACHED) {
		stream_free(old);
	} else {
		old->clean_end = 1;
		stream_error(old, "conflict", "the session was resumed");
	}
	s->state = ST_BOUND;
	snprintf(out, cap, "<resumed xmlns='" SM_NS "' previd='%s' h='%u'/>",
	    s->sm->id, s->sm->in);
	return 0;
}

/* After <resumed/>: writes what the client missed. */
static void
sm_resumed_flush(struct stream *s)
{
	struct sm_item *it;

	for (it = s->sm->head; it != NULL; it = it->next)
		stream_send_raw(s, it->data, it->len);
	if (s->sm->n > 0)
		sm_request(s);
	timer_set(server.loop, &s->timer, IDLE_SHRINK_MS);
	log_info("event=session_resumed stream=%s", s->id);
}

static void
sm_resume(struct stream *s, const struct xml_node *st)
{
	char out[200];

	if (sm_take_over(s, xml_attr(st, "previd"), xml_attr(st, "h"), out,
	        sizeof(out)) == -1) {
		stream_send_str(s, out);
		return;
	}
	stream_send_str(s, out);
	sm_resumed_flush(s);
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
	int sasl2 = st->ns != NULL && strcmp(st->ns, SASL2_NS) == 0;

	if (s->state == ST_BOUND) {
		if (st->ns != NULL && strcmp(st->ns, SM_NS) == 0) {
			handle_sm(s, st);
			arena_free(a);
			return;
		}
		if (st->ns != NULL && strcmp(st->ns, CSI_NS) == 0) {
			handle_csi(s, st);
			arena_free(a);
			return;
		}
		if (s->sm != NULL)
			s->sm->in++;
		handle_stanza(s, st, a); /* takes a */
		return;
	}
	if (s->state == ST_OPEN && !s->tls)
		handle_pre_tls(s, st);
	else if (((s->state == ST_OPEN && !s->authed) ||
	             (s->state == ST_SASL && s->s2 == NULL)) &&
	    sasl)
		handle_sasl(s, st, a);
	else if (((s->state == ST_OPEN && !s->authed) ||
	             (s->state == ST_SASL && s->s2 != NULL)) &&
	    sasl2)
		handle_sasl2(s, st, a);
	else if ((s->state == ST_OPEN && !s->authed) || s->state == ST_SASL)
		stream_error(s, "not-authorized", NULL);
	else if (s->state == ST_OPEN && xml_is(st, SM_NS, "resume"))
		sm_resume(s, st);
	else if (s->state == ST_OPEN && xml_is(st, SM_NS, "enable"))
		stream_send_str(s, SM_FAILED("unexpected-request"));
	else if (s->state == ST_OPEN && xml_is(st, XML_NS_CLIENT, "iq"))
		handle_bind(s, st, a);
	else if (s->state == ST_OPEN)
		stream_error(s, "not-authorized", "bind a resource first");
	else if (s->state != ST_CLOSED)
		stream_error(s, "not-authorized", NULL);
	arena_free(a);
}
