/*
 * router: the delivery rules of RFC 6120 §10 and RFC 6121 §8, for
 * stanzas from local sessions.
 *
 *   no 'to'            iq: the sender's account; message: the sender's
 *                      bare JID
 *   a local domain     iq: server modules; message: dropped
 *   a remote domain    <remote-server-not-found/> (no federation yet)
 *   local bare JID     iq: account modules (if the account exists);
 *                      message: by type to available resources
 *   local full JID     that session if bound, else the bare-JID rules
 *                      the RFC allows for the stanza type
 *
 * Presence goes to the presence handler (presence.c) once the outbound
 * filters have seen it; without one it is dropped.
 *
 * A stanza is serialized once per delivery; nothing is stored.
 */
#include "xmpp/router.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/stream.h"

#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

#define FILTERS_MAX 16

static router_out_fn out_filters[FILTERS_MAX];
static router_in_fn in_filters[FILTERS_MAX];
static size_t nout, nin;
static router_take_fn offline_fn, presence_fn;

int
router_add_out_filter(router_out_fn fn)
{
	if (nout == FILTERS_MAX)
		return -1;
	out_filters[nout++] = fn;
	return 0;
}

int
router_add_in_filter(router_in_fn fn)
{
	if (nin == FILTERS_MAX)
		return -1;
	in_filters[nin++] = fn;
	return 0;
}

void
router_set_offline(router_take_fn fn)
{
	offline_fn = fn;
}

void
router_set_presence(router_take_fn fn)
{
	presence_fn = fn;
}

static int
accepted(struct session *to, const struct xml_node *st)
{
	size_t i;

	for (i = 0; i < nin; i++)
		if (in_filters[i](to, st) == ROUTER_STOP)
			return 0;
	return 1;
}

void
router_deliver(struct session *to, const struct xml_node *st)
{
	if (accepted(to, st))
		stream_send(to->stream, st);
}

/* Delivers one serialization to many sessions. */
static void
deliver_many(struct session **to, size_t n, const struct xml_node *st)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (n == 1) {
		router_deliver(to[0], st);
		return;
	}
	/* Each recipient's inbound filters still decide for itself. */
	if (xml_serialize(st, XML_NS_CLIENT, &b) == 0)
		for (i = 0; i < n; i++)
			if (accepted(to[i], st))
				stream_send_stanza(to[i]->stream, st,
				    buf_ptr(&b), buf_size(&b));
	buf_free(&b);
}

struct xml_node *
router_make_error(struct arena *a, const struct xml_node *st, const char *type,
    const char *cond, const char *text)
{
	const char *t = xml_attr(st, "type"), *v;
	struct xml_node *r, *e;

	if (t != NULL && strcmp(t, "error") == 0)
		return NULL;
	if ((r = xml_new(a, XML_NS_CLIENT, st->name)) == NULL)
		return NULL;
	xml_set_attr(a, r, "type", "error");
	if ((v = xml_attr(st, "id")) != NULL)
		xml_set_attr(a, r, "id", v);
	if ((v = xml_attr(st, "to")) != NULL)
		xml_set_attr(a, r, "from", v);
	if ((v = xml_attr(st, "from")) != NULL)
		xml_set_attr(a, r, "to", v);
	e = xml_add(a, r, XML_NS_CLIENT, "error");
	if (e == NULL)
		return NULL;
	xml_set_attr(a, e, "type", type);
	xml_add(a, e, NS_STANZAS, cond);
	if (text != NULL) {
		struct xml_node *tx = xml_add(a, e, NS_STANZAS, "text");

		if (tx != NULL)
			xml_add_text(a, tx, text, strlen(text));
	}
	return r;
}

void
router_error(struct session *from, const struct xml_node *st, struct arena *a,
    const char *type, const char *cond, const char *text)
{
	struct xml_node *e = router_make_error(a, st, type, cond, text);

	if (e != NULL && from != NULL)
		router_deliver(from, e);
}

static int
is_type(const struct xml_node *st, const char *type)
{
	const char *t = xml_attr(st, "type");

	if (t == NULL)
		return strcmp(type, "normal") == 0 ||
		    strcmp(type, "available") == 0;
	return strcmp(t, type) == 0;
}

/* Available resources with priority >= 0 (RFC 6121 §8.5.2.1.1). */
static size_t
available(struct account *acct, struct session **out, size_t cap, int nonneg)
{
	struct session *s;
	size_t n = 0;

	for (s = acct ? acct->sessions : NULL; s != NULL && n < cap;
	     s = s->next)
		if (s->available && (!nonneg || s->priority >= 0))
			out[n++] = s;
	return n;
}

/* RFC 6121 §8.5.2: a message to a local bare JID (takes arena a). */
static void
message_to_bare(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	struct session *dst[64];
	char *bare = jid_bare_str(a, to);
	size_t n = bare ? available(session_account(bare), dst, 64, 1) : 0;

	if (is_type(st, "error"))
		goto done;
	if (is_type(st, "groupchat")) {
		router_error(
		    from, st, a, "cancel", "service-unavailable", NULL);
		goto done;
	}
	if (n > 0) {
		deliver_many(dst, n, st);
		goto done;
	}
	if (is_type(st, "headline"))
		goto done;
	/* normal, chat: nobody online to take it. */
	if (offline_fn != NULL) {
		offline_fn(from, st, a, to);
		return;
	}
	router_error(from, st, a, "cancel", "service-unavailable", NULL);
done:
	arena_free(a);
}

void
router_route_bare(struct xml_node *st, struct arena *a, const struct jid *to)
{
	message_to_bare(NULL, st, a, to);
}

/* An IQ for an account that is offline: dispatch once it is known to
 * exist (RFC 6121 §8.5.1: else <service-unavailable/>). */
struct iq_wait {
	struct xml_node *iq;
	struct arena *a;
	char *from_full;
	struct jid to;
};

static void
iq_account_checked(void *arg, const struct store_res *r)
{
	struct iq_wait *w = arg;
	struct session *from = session_find_str(w->from_full);

	if (from == NULL) {
		arena_free(w->a);
		return;
	}
	if (r->status != STORE_OK) {
		router_error(
		    from, w->iq, w->a, "cancel", "service-unavailable", NULL);
		arena_free(w->a);
		return;
	}
	iq_dispatch(from, w->iq, &w->to, IQ_ACCOUNT, w->a);
}

static void
iq_to_account(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to, const char *bare)
{
	struct iq_wait *w;

	if (session_account(bare) != NULL) {
		iq_dispatch(from, st, to, IQ_ACCOUNT, a);
		return;
	}
	if ((w = arena_zalloc(a, sizeof(*w))) == NULL ||
	    (w->from_full = arena_strdup(a, from->full)) == NULL) {
		arena_free(a);
		return;
	}
	w->iq = st;
	w->a = a;
	w->to = *to;
	if (store_account_creds(server.store, to->domain, to->local,
	        iq_account_checked, w) == NULL) {
		router_error(
		    from, st, a, "wait", "internal-server-error", NULL);
		arena_free(a);
	}
}

static int
is_iq_request(const struct xml_node *st)
{
	return is_type(st, "get") || is_type(st, "set");
}

void
router_route(struct session *from, struct xml_node *st, struct arena *a)
{
	const char *tos = xml_attr(st, "to");
	int iq = strcmp(st->name, "iq") == 0;
	int msg = strcmp(st->name, "message") == 0;
	struct session *dst;
	struct jid to;
	char *bare;
	size_t i;

	if (iq &&
	    (xml_attr(st, "id") == NULL ||
	        (!is_iq_request(st) && !is_type(st, "result") &&
	            !is_type(st, "error")))) {
		router_error(from, st, a, "modify", "bad-request", NULL);
		goto done;
	}
	if (tos != NULL && jid_parse_arena(a, tos, strlen(tos), &to) == -1) {
		router_error(from, st, a, "modify", "jid-malformed", NULL);
		goto done;
	}
	for (i = 0; i < nout; i++)
		if (out_filters[i](from, st, a, tos ? &to : NULL) ==
		    ROUTER_STOP)
			goto done;
	if (!iq && !msg && presence_fn != NULL) {
		presence_fn(from, st, a, tos ? &to : NULL);
		return;
	}
	if (tos == NULL) {
		if (iq) {
			if (is_iq_request(st)) {
				to = from->acct->jid;
				iq_dispatch(from, st, &to, IQ_ACCOUNT, a);
				return;
			}
			goto done;
		}
		if (msg) {
			message_to_bare(from, st, a, &from->acct->jid);
			return;
		}
		goto done; /* presence: only with a presence handler */
	}
	if (!server_is_local(to.domain)) {
		router_error(
		    from, st, a, "cancel", "remote-server-not-found", NULL);
		goto done;
	}
	if (to.local == NULL) {
		if (iq && to.resource == NULL && is_iq_request(st)) {
			iq_dispatch(from, st, &to, IQ_SERVER, a);
			return;
		}
		if (iq && is_iq_request(st))
			router_error(
			    from, st, a, "cancel", "service-unavailable", NULL);
		goto done;
	}
	if ((bare = jid_bare_str(a, &to)) == NULL)
		goto done;
	if (to.resource != NULL && (dst = session_find(&to)) != NULL) {
		router_deliver(dst, st);
		goto done;
	}
	if (iq) {
		if (to.resource == NULL && is_iq_request(st)) {
			iq_to_account(from, st, a, &to, bare);
			return;
		}
		if (is_iq_request(st))
			router_error(
			    from, st, a, "cancel", "service-unavailable", NULL);
		goto done;
	}
	if (msg) {
		/* RFC 6121 §8.5.3.2.1: to a full JID that is not bound, chat
		 * gets the bare-JID treatment; error and headline are
		 * dropped; normal (as is an unknown type, §5.2.2) and
		 * groupchat are refused. */
		if (to.resource != NULL && !is_type(st, "chat")) {
			if (!is_type(st, "error") && !is_type(st, "headline"))
				router_error(from, st, a, "cancel",
				    "service-unavailable", NULL);
			goto done;
		}
		to.resource = NULL;
		message_to_bare(from, st, a, &to);
		return;
	}
	/* Presence never gets here: the presence handler takes it. */
done:
	arena_free(a);
}
