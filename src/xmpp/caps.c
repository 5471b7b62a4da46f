/*
 * caps: XEP-0115 entity capabilities, learnt and kept in memory only.
 *
 * The cache maps a ver string to the features its disco#info lists. An
 * entry is made when a session's presence carries a sha-1 ver we do not
 * know: the server sends that session a disco#info get on node#ver
 * (from the domain, with an id of its own) and remembers which sessions
 * wait for the answer. The answer is caught on its way out of the
 * client (an outbound router filter: an IQ result or error to the bare
 * domain with one of our ids); the features are kept only if the
 * verification string of §5.1 hashes to ver, so a client cannot poison
 * what other clients with that ver are taken to support. A failed or
 * false answer drops the entry, and the next presence with that ver
 * asks again.
 *
 * Bounds: at most CAPS_MAX entries (beyond that unknown vers are simply
 * not learnt: their sessions get no notifications), CAPS_WAITERS
 * sessions waiting per entry, CAPS_FEATURES features kept per entry.
 * Nothing here is written down: which client software people use is
 * never stored (PRIVACY.md).
 */
#include "xmpp/caps.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/presence.h"
#include "xmpp/router.h"
#include "xmpp/session.h"

#define NS_CAPS "http://jabber.org/protocol/caps"
#define NS_INFO "http://jabber.org/protocol/disco#info"
#define NS_DATA "jabber:x:data"
#define CAPS_MAX 1024
#define CAPS_WAITERS 16
#define CAPS_FEATURES 512
#define CAPS_HOOKS 4
#define CAPS_ID_PREFIX "caps-"

struct caps_entry {
	char *ver; /* owned; the hash key */
	char **features; /* owned, sorted; NULL while pending */
	size_t nfeatures;
	int pending; /* a query is out */
	char id[24]; /* the query's id while pending */
	char *waiters[CAPS_WAITERS]; /* owned full JIDs */
	size_t nwaiters;
};

static struct hash *cache; /* ver → struct caps_entry */
static struct hash *queries; /* id → struct caps_entry (pending only) */
static caps_fn hooks[CAPS_HOOKS];
static size_t nhooks;
static unsigned long long next_id;

int
caps_on_known(caps_fn fn)
{
	if (nhooks == CAPS_HOOKS)
		return -1;
	hooks[nhooks++] = fn;
	return 0;
}

static void
entry_free(struct caps_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nfeatures; i++)
		free(e->features[i]);
	free(e->features);
	for (i = 0; i < e->nwaiters; i++)
		free(e->waiters[i]);
	free(e->ver);
	free(e);
}

static void
entry_drop(struct caps_entry *e)
{
	if (e->pending)
		hash_del(queries, e->id);
	hash_del(cache, e->ver);
	entry_free(e);
}

/* The sha-1 ver of s's last presence, or NULL. */
static const char *
ver_of(const struct session *s)
{
	const struct xml_node *c;
	const char *h;

	if (s == NULL || !s->available || s->presence == NULL ||
	    (c = xml_child(s->presence, NS_CAPS, "c")) == NULL)
		return NULL;
	/* Legacy caps (no hash) name no verifiable list: ignored. */
	if ((h = xml_attr(c, "hash")) == NULL || strcmp(h, "sha-1") != 0)
		return NULL;
	return xml_attr(c, "ver");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
has_feature(const struct caps_entry *e, const char *f)
{
	return e->features != NULL &&
	    bsearch(&f, e->features, e->nfeatures, sizeof(char *), cmp_str) !=
	    NULL;
}

/* Sends s the disco#info query for e. 0 or -1. */
static int
ask(struct session *s, struct caps_entry *e, const struct xml_node *c)
{
	struct arena *a = arena_new(512);
	struct xml_node *iq, *q;
	const char *node = xml_attr(c, "node");
	int rc = -1;

	if (a == NULL)
		return -1;
	snprintf(e->id, sizeof(e->id), CAPS_ID_PREFIX "%llu", ++next_id);
	if ((iq = xml_new(a, XML_NS_CLIENT, "iq")) == NULL ||
	    xml_set_attr(a, iq, "type", "get") == -1 ||
	    xml_set_attr(a, iq, "id", e->id) == -1 ||
	    xml_set_attr(a, iq, "from", s->jid.domain) == -1 ||
	    xml_set_attr(a, iq, "to", s->full) == -1 ||
	    (q = xml_add(a, iq, NS_INFO, "query")) == NULL ||
	    xml_set_attr(a, q, "node",
	        arena_printf(a, "%s#%s", node ? node : "", e->ver)) == -1)
		goto out;
	if (hash_put(queries, e->id, e) == -1)
		goto out;
	e->pending = 1;
	router_deliver(s, iq);
	rc = 0;
out:
	arena_free(a);
	return rc;
}

int
caps_has(struct session *s, const char *feature)
{
	const char *ver = ver_of(s);
	struct caps_entry *e;
	size_t i;

	if (ver == NULL || cache == NULL)
		return 0;
	if ((e = hash_get(cache, ver)) != NULL) {
		if (e->features != NULL)
			return has_feature(e, feature);
		for (i = 0; i < e->nwaiters; i++)
			if (strcmp(e->waiters[i], s->full) == 0)
				return 0;
		if (e->nwaiters < CAPS_WAITERS &&
		    (e->waiters[e->nwaiters] = strdup(s->full)) != NULL)
			e->nwaiters++;
		return 0;
	}
	if (hash_count(cache) >= CAPS_MAX) {
		log_debug("event=caps_not_learnt reason=cache_full");
		return 0;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->ver = strdup(ver)) == NULL ||
	    (e->waiters[0] = strdup(s->full)) == NULL) {
		entry_free(e);
		return 0;
	}
	e->nwaiters = 1;
	if (hash_put(cache, e->ver, e) == -1) {
		entry_free(e);
		return 0;
	}
	if (ask(s, e, xml_child(s->presence, NS_CAPS, "c")) == -1)
		entry_drop(e);
	return 0;
}

/* --- verification (XEP-0115 §5.1) --- */

struct ident {
	const char *cat, *type, *lang, *name;
};

static int
cmp_ident(const void *pa, const void *pb)
{
	const struct ident *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->cat, b->cat)) != 0 ||
	    (c = strcmp(a->type, b->type)) != 0 ||
	    (c = strcmp(a->lang, b->lang)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

struct field {
	const char *var;
	const struct xml_node *el;
};

static int
cmp_field(const void *pa, const void *pb)
{
	return strcmp(
	    ((const struct field *)pa)->var, ((const struct field *)pb)->var);
}

#define ATTR(n, k) (xml_attr((n), (k)) ? xml_attr((n), (k)) : "")

/* Appends the sorted values of field f, each followed by '<'. */
static int
add_values(struct arena *a, struct buf *b, const struct xml_node *f)
{
	const struct xml_node *v;
	const char **vals;
	size_t n = 0, i;

	for (v = xml_child(f, NS_DATA, "value"); v;
	     v = xml_next(v, NS_DATA, "value"))
		n++;
	if ((vals = arena_alloc(a, (n + 1) * sizeof(*vals))) == NULL)
		return -1;
	n = 0;
	for (v = xml_child(f, NS_DATA, "value"); v;
	     v = xml_next(v, NS_DATA, "value"))
		if ((vals[n++] = xml_text(a, v)) == NULL)
			return -1;
	qsort(vals, n, sizeof(*vals), cmp_str);
	for (i = 0; i < n; i++)
		if (buf_appendf(b, "%s<", vals[i]) == -1)
			return -1;
	return 0;
}

/* The FORM_TYPE value of form x, or NULL if it has none. */
static const char *
form_type(struct arena *a, const struct xml_node *x)
{
	const struct xml_node *f, *v;

	for (f = xml_child(x, NS_DATA, "field"); f;
	     f = xml_next(f, NS_DATA, "field"))
		if (strcmp(ATTR(f, "var"), "FORM_TYPE") == 0 &&
		    (v = xml_child(f, NS_DATA, "value")) != NULL)
			return xml_text(a, v);
	return NULL;
}

struct form {
	const char *type;
	const struct xml_node *x;
};

static int
cmp_form(const void *pa, const void *pb)
{
	return strcmp(
	    ((const struct form *)pa)->type, ((const struct form *)pb)->type);
}

/* The §5.1 string of disco#info result q into b. 0 or -1. */
static int
ver_string(struct arena *a, const struct xml_node *q, struct buf *b)
{
	const struct xml_node *c, *f;
	struct ident *ids;
	struct form *forms;
	struct field *fields;
	const char **feats;
	size_t nid = 0, nf = 0, nx = 0, nfi, i, j;

	for (c = xml_child(q, NULL, NULL); c; c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, NS_INFO, "identity"))
			nid++;
		else if (xml_is(c, NS_INFO, "feature"))
			nf++;
		else if (xml_is(c, NS_DATA, "x"))
			nx++;
	}
	if (nf > CAPS_FEATURES ||
	    (ids = arena_alloc(a, (nid + 1) * sizeof(*ids))) == NULL ||
	    (feats = arena_alloc(a, (nf + 1) * sizeof(*feats))) == NULL ||
	    (forms = arena_alloc(a, (nx + 1) * sizeof(*forms))) == NULL)
		return -1;
	nid = nf = nx = 0;
	for (c = xml_child(q, NULL, NULL); c; c = xml_next(c, NULL, NULL)) {
		if (xml_is(c, NS_INFO, "identity")) {
			ids[nid].cat = ATTR(c, "category");
			ids[nid].type = ATTR(c, "type");
			ids[nid].lang = xml_attr_ns(c, XML_NS_XML, "lang")
			    ? xml_attr_ns(c, XML_NS_XML, "lang")
			    : "";
			ids[nid].name = ATTR(c, "name");
			nid++;
		} else if (xml_is(c, NS_INFO, "feature")) {
			feats[nf++] = ATTR(c, "var");
		} else if (xml_is(c, NS_DATA, "x")) {
			/* §5.4: a form without FORM_TYPE is ignored. */
			if ((forms[nx].type = form_type(a, c)) == NULL)
				continue;
			forms[nx++].x = c;
		}
	}
	qsort(ids, nid, sizeof(*ids), cmp_ident);
	qsort(feats, nf, sizeof(*feats), cmp_str);
	qsort(forms, nx, sizeof(*forms), cmp_form);
	for (i = 0; i < nid; i++)
		if (buf_appendf(b, "%s/%s/%s/%s<", ids[i].cat, ids[i].type,
		        ids[i].lang, ids[i].name) == -1)
			return -1;
	for (i = 0; i < nf; i++)
		if (buf_appendf(b, "%s<", feats[i]) == -1)
			return -1;
	for (i = 0; i < nx; i++) {
		if (buf_appendf(b, "%s<", forms[i].type) == -1)
			return -1;
		nfi = 0;
		for (f = xml_child(forms[i].x, NS_DATA, "field"); f;
		     f = xml_next(f, NS_DATA, "field"))
			nfi++;
		if ((fields = arena_alloc(a, (nfi + 1) * sizeof(*fields))) ==
		    NULL)
			return -1;
		nfi = 0;
		for (f = xml_child(forms[i].x, NS_DATA, "field"); f;
		     f = xml_next(f, NS_DATA, "field")) {
			if (strcmp(ATTR(f, "var"), "FORM_TYPE") == 0)
				continue;
			fields[nfi].var = ATTR(f, "var");
			fields[nfi++].el = f;
		}
		qsort(fields, nfi, sizeof(*fields), cmp_field);
		for (j = 0; j < nfi; j++)
			if (buf_appendf(b, "%s<", fields[j].var) == -1 ||
			    add_values(a, b, fields[j].el) == -1)
				return -1;
	}
	return 0;
}

/* 1 if q hashes to ver under sha-1. */
static int
verifies(struct arena *a, const struct xml_node *q, const char *ver)
{
	struct buf b = BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char out[64];
	int ok = 0;

	if (ver_string(a, q, &b) == 0 &&
	    EVP_Digest(
	        buf_ptr(&b), buf_size(&b), md, &mdlen, EVP_sha1(), NULL) == 1 &&
	    util_b64_enc_len(mdlen) <= sizeof(out)) {
		util_b64_encode(md, mdlen, out);
		ok = strcmp(out, ver) == 0;
	}
	buf_free(&b);
	return ok;
}

/* Keeps q's features in e. 0 or -1. */
static int
learn(struct caps_entry *e, const struct xml_node *q)
{
	const struct xml_node *c;
	size_t n = 0;

	for (c = xml_child(q, NS_INFO, "feature"); c;
	     c = xml_next(c, NS_INFO, "feature"))
		n++;
	if ((e->features = calloc(n + 1, sizeof(char *))) == NULL)
		return -1;
	for (c = xml_child(q, NS_INFO, "feature"); c;
	     c = xml_next(c, NS_INFO, "feature")) {
		if ((e->features[e->nfeatures] = strdup(ATTR(c, "var"))) ==
		    NULL)
			return -1;
		e->nfeatures++;
	}
	qsort(e->features, e->nfeatures, sizeof(char *), cmp_str);
	return 0;
}

static enum router_verdict
caps_answer(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	const char *id = xml_attr(st, "id"), *type = xml_attr(st, "type");
	struct caps_entry *e;
	const struct xml_node *q;
	struct session *w;
	char *waiters[CAPS_WAITERS];
	size_t n, i, j;

	if (strcmp(st->name, "iq") != 0 || id == NULL || type == NULL ||
	    strncmp(id, CAPS_ID_PREFIX, strlen(CAPS_ID_PREFIX)) != 0 ||
	    (to != NULL && (to->local != NULL || to->resource != NULL)) ||
	    queries == NULL || (e = hash_get(queries, id)) == NULL)
		return ROUTER_PASS;
	/* Only the session that was asked may answer. */
	for (i = 0; i < e->nwaiters; i++)
		if (strcmp(e->waiters[i], from->full) == 0)
			break;
	if (i == e->nwaiters)
		return ROUTER_PASS;
	hash_del(queries, e->id);
	e->pending = 0;
	if (strcmp(type, "result") != 0 ||
	    (q = xml_child(st, NS_INFO, "query")) == NULL ||
	    !verifies(a, q, e->ver) || learn(e, q) == -1) {
		log_debug("event=caps_unverified");
		entry_drop(e);
		return ROUTER_STOP;
	}
	/* Hooks may ask caps again; the waiter list is ours now. */
	n = e->nwaiters;
	memcpy(waiters, e->waiters, n * sizeof(char *));
	e->nwaiters = 0;
	for (i = 0; i < n; i++) {
		if ((w = session_find_str(waiters[i])) != NULL)
			for (j = 0; j < nhooks; j++)
				hooks[j](w);
		free(waiters[i]);
	}
	return ROUTER_STOP;
}

/* An available presence: learn its caps early. */
static void
caps_available(struct session *s)
{
	(void)caps_has(s, "");
}

void
caps_module_init(void)
{
	if ((cache = hash_new()) == NULL || (queries = hash_new()) == NULL)
		fatal("caps: out of memory");
	router_add_out_filter(caps_answer);
	presence_on_available(caps_available);
}
