/*
 * push: XEP-0357 push notifications.
 *
 * Registrations. <enable jid node/> (with an optional publish-options
 * form, kept as given) and <disable jid [node]/> on the account. Each
 * registration is one item of a user-owned map store keyed by the app
 * server's JID and the node (a newline between them: no JID holds one);
 * the value is the <enable/> element as sent, which is what a
 * notification needs. Unused registrations expire after [retention]
 * push; one that is used successfully is written again, which renews
 * its expiry. At most [limits] push_registrations per account.
 *
 * Notifications. A router outbound filter sees every message a local
 * session sends. A chat or normal message with a body or an encrypted
 * payload to a local account that has no session, or only detached ones
 * (session->detached, set by stream management), makes the account's
 * registrations be read and each app server be sent a pubsub publish
 * from the account's bare JID, with a urn:xmpp:push:summary form that
 * holds a message count (1: the server keeps no count) and nothing
 * else: no sender, no body. An account that does not exist has no
 * registrations, so needs no check.
 *
 * App servers. Only local ones are reachable until federation exists: a
 * local full JID is that session, a local bare JID the account's first
 * session; anything else is logged and skipped. The answer comes back
 * as an IQ from that session, which the filter recognises by its id in a
 * bounded table of publishes in flight; an error answer removes the
 * registration.
 *
 * Invariants: nothing here keeps a session pointer across an
 * asynchronous step; the table of publishes in flight holds copies.
 */
#include "xmpp/push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_PUSH "urn:xmpp:push:0"
#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_DATA "jabber:x:data"
#define PUSH_STORE "push"
/* Publishes awaiting an answer; the oldest is forgotten beyond this. */
#define INFLIGHT_MAX 256
#define ID_LEN 16
#define NODE_MAX 1024

static struct store_def push_def = {
    .name = PUSH_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 30 * 24 * 3600, /* replaced by [retention] push */
    .what = "push registrations: the push service's address and node, "
            "and its publish options",
    .sealed = 0,
};

/* Payloads that make a message worth a notification without a body. */
static const struct {
	const char *ns, *name;
} encrypted[] = {
    {"eu.siacs.conversations.axolotl", "encrypted"},
    {"urn:xmpp:omemo:2", "encrypted"},
    {"urn:xmpp:openpgp:0", "openpgp"},
    {"jabber:x:encrypted", "x"},
};

/* A publish awaiting its answer. */
struct inflight {
	char id[ID_LEN + 6]; /* "push-" + random */
	char *host, *user, *key; /* owned, one block: the registration */
	char *app; /* in the block: the app server's JID as registered */
	char *value; /* in the block: the registration, to write back */
	size_t len;
};

static struct inflight *inflight[INFLIGHT_MAX];
static size_t ninflight;

static void
inflight_drop(size_t i)
{
	free(inflight[i]);
	memmove(&inflight[i], &inflight[i + 1],
	    (ninflight - i - 1) * sizeof(inflight[0]));
	ninflight--;
}

/* --- registrations --- */

/* key = jid "\n" node, in arena a. */
static char *
reg_key(struct arena *a, const char *jid, const char *node)
{
	size_t lj = strlen(jid), ln = strlen(node);
	char *k;

	if ((k = arena_alloc(a, lj + ln + 2)) == NULL)
		return NULL;
	memcpy(k, jid, lj);
	k[lj] = '\n';
	memcpy(k + lj + 1, node, ln + 1);
	return k;
}

/* The normalized JID of attribute 'jid', or NULL. */
static char *
app_jid(struct arena *a, const struct xml_node *el)
{
	const char *v = xml_attr(el, "jid");
	struct jid j;

	if (v == NULL || jid_parse_arena(a, v, strlen(v), &j) == -1)
		return NULL;
	return jid_full_str(a, &j);
}

struct enable_ctx {
	struct iq_req *req;
	char *key;
	struct buf value;
};

static void
enable_done(void *arg, const struct store_res *r)
{
	struct enable_ctx *c = arg;

	if (r->status == STORE_OK)
		iq_reply(c->req, NULL);
	else
		iq_error(c->req, "wait", "internal-server-error", NULL);
	iq_req_free(c->req);
}

static void
enable_listed(void *arg, const struct store_res *r)
{
	struct enable_ctx *c = arg;
	struct iq_req *req = c->req;
	size_t i, n = r->nitems;
	int present = 0;

	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		buf_free(&c->value);
		iq_error(req, "wait", "internal-server-error", NULL);
		iq_req_free(req);
		return;
	}
	for (i = 0; i < n; i++)
		if (strcmp(r->items[i].key, c->key) == 0)
			present = 1;
	if (!present && n >= server.conf->limits.push_registrations) {
		buf_free(&c->value);
		iq_error(req, "wait", "resource-constraint", NULL);
		iq_req_free(req);
		return;
	}
	if (store_map_put(server.store, PUSH_STORE, req->to.domain,
	        req->to.local, c->key, buf_ptr(&c->value), buf_size(&c->value),
	        enable_done, c) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		iq_req_free(req);
	}
	buf_free(&c->value);
}

static void
disable_done(void *arg, const struct store_res *r)
{
	struct iq_req *req = arg;

	if (r->status == STORE_OK || r->status == STORE_NOTFOUND)
		iq_reply(req, NULL);
	else
		iq_error(req, "wait", "internal-server-error", NULL);
	iq_req_free(req);
}

struct disable_ctx {
	struct iq_req *req;
	const char *jid;
};

/* Disable without a node: every registration with that app server. */
static void
disable_listed(void *arg, const struct store_res *r)
{
	struct disable_ctx *c = arg;
	struct iq_req *req = c->req;
	size_t i, lj = strlen(c->jid);

	if (r->status != STORE_OK && r->status != STORE_NOTFOUND) {
		iq_error(req, "wait", "internal-server-error", NULL);
		iq_req_free(req);
		return;
	}
	for (i = 0; i < r->nitems; i++)
		if (strncmp(r->items[i].key, c->jid, lj) == 0 &&
		    r->items[i].key[lj] == '\n')
			store_map_del(server.store, PUSH_STORE, req->to.domain,
			    req->to.local, r->items[i].key, NULL, NULL);
	/* The deletes run before anything queued after this answer. */
	iq_reply(req, NULL);
	iq_req_free(req);
}

static enum iq_status
on_push(struct iq_req *req)
{
	struct arena *a = req->a;
	const char *node = xml_attr(req->payload, "node");
	char *jid, *key = NULL;
	int enable = strcmp(req->payload->name, "enable") == 0;

	if (!req->set)
		return IQ_UNHANDLED;
	if (req->from == NULL || !jid_bare_eq(&req->to, &req->from->jid)) {
		iq_error(req, "cancel", "forbidden", NULL);
		return IQ_DONE;
	}
	if ((jid = app_jid(a, req->payload)) == NULL ||
	    (enable && (node == NULL || *node == '\0')) ||
	    (node != NULL && strlen(node) > NODE_MAX)) {
		iq_error(req, "modify", "bad-request", NULL);
		return IQ_DONE;
	}
	if (enable || node != NULL) {
		if ((key = reg_key(a, jid, node)) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
	}
	if (enable) {
		struct enable_ctx *c = arena_zalloc(a, sizeof(*c));

		if (c == NULL ||
		    xml_serialize(req->payload, XML_NS_CLIENT, &c->value) ==
		        -1) {
			if (c != NULL)
				buf_free(&c->value);
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		c->req = req;
		c->key = key;
		if (store_map_list(server.store, PUSH_STORE, req->to.domain,
		        req->to.local, enable_listed, c) == NULL) {
			buf_free(&c->value);
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		log_debug("event=push_enable");
		return IQ_ASYNC;
	}
	if (node != NULL) {
		if (store_map_del(server.store, PUSH_STORE, req->to.domain,
		        req->to.local, key, disable_done, req) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
	} else {
		struct disable_ctx *c = arena_zalloc(a, sizeof(*c));

		if (c == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		c->req = req;
		c->jid = jid;
		if (store_map_list(server.store, PUSH_STORE, req->to.domain,
		        req->to.local, disable_listed, c) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
	}
	log_debug("event=push_disable");
	return IQ_ASYNC;
}

/* --- notifications --- */

static const struct xml_limits *
limits(void)
{
	static struct xml_limits lim;
	const struct conf_limits *cl = &server.conf->limits;

	lim.stanza_bytes = cl->stanza_bytes;
	lim.depth = cl->depth;
	lim.attrs = cl->attrs;
	lim.header_bytes = cl->header_bytes;
	return &lim;
}

static struct xml_node *
field(struct arena *a, struct xml_node *x, const char *var, const char *v)
{
	struct xml_node *f = xml_add(a, x, NS_DATA, "field"), *val;

	if (f == NULL || xml_set_attr(a, f, "var", var) == -1 ||
	    (val = xml_add(a, f, NS_DATA, "value")) == NULL ||
	    xml_add_text(a, val, v, strlen(v)) == -1)
		return NULL;
	return f;
}

/* The session an app server JID names, or NULL if not reachable. */
static struct session *
app_session(const struct jid *j)
{
	char bare[2 * JID_PART_MAX + 2];
	struct account *acct;

	if (j->local == NULL || !server_is_local(j->domain))
		return NULL;
	if (j->resource != NULL)
		return session_find(j);
	if (jid_format(j, 0, bare, sizeof(bare)) < 0 ||
	    (acct = session_account(bare)) == NULL)
		return NULL;
	return acct->sessions;
}

/* Records a publish in flight; its id into id_out. 0 or -1. */
static int
inflight_add(const char *host, const char *user, const struct store_item *it,
    const char *app, char *id_out)
{
	size_t lh = strlen(host) + 1, lu = strlen(user) + 1,
	       lk = strlen(it->key) + 1, la = strlen(app) + 1;
	struct inflight *f;
	char *m;

	if ((f = malloc(sizeof(*f) + lh + lu + lk + la + it->value_len)) ==
	    NULL)
		return -1;
	memcpy(f->id, "push-", 5);
	util_random_id(f->id + 5, ID_LEN);
	f->id[5 + ID_LEN] = '\0';
	m = (char *)(f + 1);
	f->host = memcpy(m, host, lh);
	f->user = memcpy(m += lh, user, lu);
	f->key = memcpy(m += lu, it->key, lk);
	f->app = memcpy(m += lk, app, la);
	f->value = memcpy(m += la, it->value, it->value_len);
	f->len = it->value_len;
	if (ninflight == INFLIGHT_MAX)
		inflight_drop(0);
	inflight[ninflight++] = f;
	memcpy(id_out, f->id, sizeof(f->id));
	return 0;
}

/* Sends one notification for the registration `it` of host/user. */
static void
notify(const char *host, const char *user, const struct store_item *it)
{
	struct xml_node *reg, *iq, *ps, *pub, *item, *n, *x, *po, *opts;
	const char *app, *node;
	struct session *dst;
	struct arena *a;
	struct jid j;
	char id[ID_LEN + 6], bare[2 * JID_PART_MAX + 2];

	if ((a = arena_new(2048 + it->value_len)) == NULL)
		return;
	reg = xml_parse_element(a, it->value, it->value_len, limits());
	if (reg == NULL || (app = xml_attr(reg, "jid")) == NULL ||
	    (node = xml_attr(reg, "node")) == NULL ||
	    jid_parse_arena(a, app, strlen(app), &j) == -1) {
		log_warn("event=push_registration_unreadable");
		goto done;
	}
	if ((dst = app_session(&j)) == NULL) {
		log_info("event=push_unreachable");
		goto done;
	}
	snprintf(bare, sizeof(bare), "%s@%s", user, host);
	if (inflight_add(host, user, it, app, id) == -1 ||
	    (iq = xml_new(a, XML_NS_CLIENT, "iq")) == NULL ||
	    xml_set_attr(a, iq, "type", "set") == -1 ||
	    xml_set_attr(a, iq, "id", id) == -1 ||
	    xml_set_attr(a, iq, "from", bare) == -1 ||
	    xml_set_attr(a, iq, "to", app) == -1 ||
	    (ps = xml_add(a, iq, NS_PUBSUB, "pubsub")) == NULL ||
	    (pub = xml_add(a, ps, NS_PUBSUB, "publish")) == NULL ||
	    xml_set_attr(a, pub, "node", node) == -1 ||
	    (item = xml_add(a, pub, NS_PUBSUB, "item")) == NULL ||
	    (n = xml_add(a, item, NS_PUSH, "notification")) == NULL ||
	    (x = xml_add(a, n, NS_DATA, "x")) == NULL ||
	    xml_set_attr(a, x, "type", "submit") == -1 ||
	    field(a, x, "FORM_TYPE", "urn:xmpp:push:summary") == NULL ||
	    field(a, x, "message-count", "1") == NULL)
		goto done;
	/* The publish options exactly as the client gave them. */
	if ((opts = xml_child(reg, NS_DATA, "x")) != NULL &&
	    (po = xml_add(a, ps, NS_PUBSUB, "publish-options")) != NULL)
		xml_append(po, xml_copy(a, opts));
	router_deliver(dst, iq);
	log_debug("event=push_sent");
done:
	arena_free(a);
}

struct notify_ctx {
	char *host, *user; /* one block with this */
};

static void
registrations_read(void *arg, const struct store_res *r)
{
	struct notify_ctx *c = arg;
	size_t i;

	if (r->status == STORE_OK)
		for (i = 0; i < r->nitems; i++)
			notify(c->host, c->user, &r->items[i]);
	free(c);
}

static int
worth_notifying(const struct xml_node *st)
{
	const char *type = xml_attr(st, "type");
	const struct xml_node *c;
	size_t i;

	if (type != NULL && strcmp(type, "chat") != 0 &&
	    strcmp(type, "normal") != 0)
		return 0;
	for (c = xml_child(st, NULL, NULL); c != NULL;
	     c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, XML_NS_CLIENT, "body"))
			return 1;
		for (i = 0; i < sizeof(encrypted) / sizeof(encrypted[0]); i++)
			if (xml_is(c, encrypted[i].ns, encrypted[i].name))
				return 1;
	}
	return 0;
}

/* 1 if nobody can take the message now: no session, or all detached. */
static int
unreachable(const char *bare)
{
	struct account *acct = session_account(bare);
	struct session *s;

	if (acct == NULL)
		return 1;
	for (s = acct->sessions; s != NULL; s = s->next)
		if (!s->detached)
			return 0;
	return 1;
}

/* An answer to one of our publishes; 1 if it was one. */
static int
answer(struct session *from, const struct xml_node *st)
{
	const char *id = xml_attr(st, "id"), *type = xml_attr(st, "type");
	struct inflight *f;
	struct jid j;
	size_t i;

	if (id == NULL || strncmp(id, "push-", 5) != 0 || type == NULL ||
	    (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
		return 0;
	for (i = 0; i < ninflight; i++)
		if (strcmp(inflight[i]->id, id) == 0)
			break;
	if (i == ninflight)
		return 0;
	f = inflight[i];
	/* Only the app server may answer for it. */
	if (jid_parse(f->app, strlen(f->app), &j) == -1)
		return 0;
	if (j.resource != NULL ? !jid_full_eq(&j, &from->jid)
	                       : !jid_bare_eq(&j, &from->jid)) {
		jid_free(&j);
		return 0;
	}
	jid_free(&j);
	if (strcmp(type, "error") == 0) {
		log_info("event=push_rejected");
		store_map_del(server.store, PUSH_STORE, f->host, f->user,
		    f->key, NULL, NULL);
	} else {
		/* Used: written again, so its expiry starts over. */
		store_map_put(server.store, PUSH_STORE, f->host, f->user,
		    f->key, f->value, f->len, NULL, NULL);
	}
	inflight_drop(i);
	return 1;
}

static enum router_verdict
filter(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	struct notify_ctx *c;
	size_t lh, lu;
	char *bare;

	if (xml_is(st, XML_NS_CLIENT, "iq"))
		return answer(from, st) ? ROUTER_STOP : ROUTER_PASS;
	if (!xml_is(st, XML_NS_CLIENT, "message") || to == NULL ||
	    to->local == NULL || !server_is_local(to->domain) ||
	    !worth_notifying(st) || (bare = jid_bare_str(a, to)) == NULL ||
	    !unreachable(bare))
		return ROUTER_PASS;
	lh = strlen(to->domain) + 1;
	lu = strlen(to->local) + 1;
	if ((c = malloc(sizeof(*c) + lh + lu)) == NULL)
		return ROUTER_PASS;
	c->host = memcpy((char *)(c + 1), to->domain, lh);
	c->user = memcpy(c->host + lh, to->local, lu);
	if (store_map_list(server.store, PUSH_STORE, c->host, c->user,
	        registrations_read, c) == NULL)
		free(c);
	return ROUTER_PASS;
}

void
push_module_init(void)
{
	const struct conf *conf = server.conf;

	if (conf == NULL)
		fatal("event=start_failed reason=push_without_conf");
	if (conf->limits.push_registrations == 0)
		return;
	push_def.retention = conf->retention.push;
	if (store_register(&push_def) < 0 ||
	    router_add_out_filter(filter) < 0 ||
	    iq_register(NS_PUSH, "enable", IQ_ACCOUNT, on_push) < 0 ||
	    iq_register(NS_PUSH, "disable", IQ_ACCOUNT, on_push) < 0)
		fatal("event=start_failed reason=push_module");
	disco_add_feature(NS_PUSH, IQ_ACCOUNT);
}
