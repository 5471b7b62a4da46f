/*
 * vcard: vCard-temp (XEP-0054). Each account may publish one vCard, which
 * anybody who asks may read: a get to a local bare JID is answered by the
 * server from the store, a get without 'to' is for the sender's own. Only
 * the account itself may set it; anybody else gets <forbidden/>. The
 * stored value is the vCard element as serialized, kept until replaced
 * or the account is deleted; an empty vCard deletes it.
 *
 * With nothing stored the answer is an empty <vCard/>, not an error:
 * XEP-0054 allows either, and what clients meet elsewhere is the empty
 * result (ejabberd, and Prosody since its vCard-on-PEP module; only
 * Prosody's older module said <item-not-found/>). Clients fetching
 * avatars treat an error as a failure to retry, an empty vCard as "no
 * vCard". It tells nothing new: an account that does not exist already
 * gets <service-unavailable/> from the router.
 *
 * The server's own domain has no vCard: a get answers an empty one (so
 * the feature it advertises answers), a set is <forbidden/>.
 *
 * The avatar module (avatar.h) hears of every set through vcard_on_set
 * and changes the PHOTO alone through vcard_set_photo, a read and a
 * write that call no hook. A client set that lands between that read
 * and write loses to it; the window is one store round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/modules.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/vcard.h"

#define NS_VCARD "vcard-temp"
#define VCARD_STORE "vcard"

static const struct store_def vcard_store = {
    .name = VCARD_STORE,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    .retention = 0,
    .what = "vCards (XEP-0054) as each account published them; anyone "
            "may read them",
    .sealed = 0, /* published on purpose (PRIVACY.md) */
};

#define HOOKS_MAX 4
static vcard_set_fn hooks[HOOKS_MAX];
static size_t nhooks;

static void
reply_empty(struct iq_req *req)
{
	struct xml_node *v = xml_new(req->a, NS_VCARD, "vCard");

	if (v == NULL)
		iq_error(req, "wait", "internal-server-error", NULL);
	else
		iq_reply(req, v);
}

static void
vcard_loaded(void *arg, const struct store_res *r)
{
	struct iq_req *req = arg;
	struct xml_limits lim;
	struct xml_node *v;

	if (r->status == STORE_NOTFOUND) {
		reply_empty(req);
	} else if (r->status != STORE_OK) {
		iq_error(req, "wait", "internal-server-error", NULL);
	} else {
		memset(&lim, 0, sizeof(lim));
		lim.stanza_bytes = server.conf->limits.stanza_bytes;
		lim.depth = server.conf->limits.depth;
		lim.attrs = server.conf->limits.attrs;
		if ((v = xml_parse_element(
		         req->a, r->value, r->value_len, &lim)) == NULL)
			iq_error(req, "wait", "internal-server-error", NULL);
		else
			iq_reply(req, v);
	}
	iq_req_free(req);
}

static void
vcard_stored(void *arg, const struct store_res *r)
{
	struct iq_req *req = arg;
	size_t i;

	if (r->status == STORE_OK || r->status == STORE_NOTFOUND) {
		iq_reply(req, NULL); /* NOTFOUND: deleted what was not there */
		for (i = 0; i < nhooks; i++)
			hooks[i](req->to.domain, req->to.local, req->payload);
	} else {
		iq_error(req, "wait", "internal-server-error", NULL);
	}
	iq_req_free(req);
}

/* 1 if v is a vCard as XEP-0054 shapes it: properties as child elements,
 * no character data of its own but whitespace. */
static int
well_formed(const struct xml_node *v)
{
	const struct xml_node *c;
	size_t i;

	if (strcmp(v->name, "vCard") != 0)
		return 0;
	for (c = v->children; c != NULL; c = c->next) {
		if (c->name != NULL)
			continue;
		for (i = 0; i < c->text_len; i++)
			if (strchr(" \t\r\n", c->text[i]) == NULL)
				return 0;
	}
	return 1;
}

static enum iq_status
vcard_set(struct iq_req *req)
{
	struct store_req *sr;
	struct buf b = BUF_INIT;

	if (req->from == NULL ||
	    !jid_bare_eq(&req->from->acct->jid, &req->to)) {
		iq_error(req, "auth", "forbidden", NULL);
		return IQ_DONE;
	}
	if (!well_formed(req->payload)) {
		iq_error(req, "modify", "bad-request",
		    "a vCard holds its properties as elements");
		return IQ_DONE;
	}
	if (xml_child(req->payload, NULL, NULL) == NULL) {
		sr = store_map_del(server.store, VCARD_STORE, req->to.domain,
		    req->to.local, "", vcard_stored, req);
	} else {
		if (xml_serialize(req->payload, XML_NS_CLIENT, &b) == -1) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		/*
		 * Too big is <not-acceptable/>: the request is understood but
		 * fails a criterion this server sets, and only a smaller
		 * vCard will do (RFC 6120 §8.3.3.12). <resource-constraint/>
		 * would tell the client to wait and retry, which cannot help.
		 */
		if (buf_size(&b) > server.conf->limits.vcard_bytes) {
			buf_free(&b);
			iq_error(req, "modify", "not-acceptable",
			    "the vCard is larger than this server accepts");
			return IQ_DONE;
		}
		sr = store_map_put(server.store, VCARD_STORE, req->to.domain,
		    req->to.local, "", buf_ptr(&b), buf_size(&b), vcard_stored,
		    req);
		buf_free(&b);
	}
	if (sr == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

static enum iq_status
vcard_iq(struct iq_req *req)
{
	if (req->to.local == NULL) {
		if (req->set)
			iq_error(req, "auth", "forbidden", NULL);
		else if (strcmp(req->payload->name, "vCard") != 0)
			iq_error(req, "modify", "bad-request", NULL);
		else
			reply_empty(req);
		return IQ_DONE;
	}
	if (req->set)
		return vcard_set(req);
	if (strcmp(req->payload->name, "vCard") != 0) {
		iq_error(req, "modify", "bad-request", NULL);
		return IQ_DONE;
	}
	if (store_map_get(server.store, VCARD_STORE, req->to.domain,
	        req->to.local, "", vcard_loaded, req) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	return IQ_ASYNC;
}

/* A PHOTO change (vcard_set_photo) waiting for the vCard it edits. */
struct photo {
	char *host, *user, *type, *b64; /* owned; type NULL: remove */
};

static void
photo_free(struct photo *p)
{
	if (p == NULL)
		return;
	free(p->host);
	free(p->user);
	free(p->type);
	free(p->b64);
	free(p);
}

static void
photo_loaded(void *arg, const struct store_res *r)
{
	struct photo *p = arg;
	struct xml_limits lim;
	struct arena *a;
	struct xml_node *v = NULL, *c, *next, *ph;
	struct buf b = BUF_INIT;

	if ((r->status != STORE_OK && r->status != STORE_NOTFOUND) ||
	    (a = arena_new(4096)) == NULL) {
		photo_free(p);
		return;
	}
	if (r->status == STORE_OK) {
		memset(&lim, 0, sizeof(lim));
		lim.stanza_bytes = server.conf->limits.stanza_bytes;
		lim.depth = server.conf->limits.depth;
		lim.attrs = server.conf->limits.attrs;
		v = xml_parse_element(a, r->value, r->value_len, &lim);
	} else {
		v = xml_new(a, NS_VCARD, "vCard");
	}
	if (v == NULL)
		goto done;
	for (c = xml_child(v, NS_VCARD, "PHOTO"); c != NULL; c = next) {
		next = xml_next(c, NS_VCARD, "PHOTO");
		xml_remove(c);
	}
	if (p->type != NULL &&
	    ((ph = xml_add(a, v, NS_VCARD, "PHOTO")) == NULL ||
	        xml_add_text(a, xml_add(a, ph, NS_VCARD, "TYPE"), p->type,
	            strlen(p->type)) == -1 ||
	        xml_add_text(a, xml_add(a, ph, NS_VCARD, "BINVAL"), p->b64,
	            strlen(p->b64)) == -1))
		goto done;
	if (xml_child(v, NULL, NULL) == NULL) {
		store_map_del(server.store, VCARD_STORE, p->host, p->user, "",
		    NULL, NULL);
		goto done;
	}
	if (xml_serialize(v, XML_NS_CLIENT, &b) == 0 &&
	    buf_size(&b) <= server.conf->limits.vcard_bytes)
		store_map_put(server.store, VCARD_STORE, p->host, p->user, "",
		    buf_ptr(&b), buf_size(&b), NULL, NULL);
done:
	buf_free(&b);
	arena_free(a);
	photo_free(p);
}

void
vcard_on_set(vcard_set_fn fn)
{
	if (nhooks == HOOKS_MAX)
		fatal("vcard: too many hooks");
	hooks[nhooks++] = fn;
}

int
vcard_set_photo(
    const char *host, const char *user, const char *type, const char *b64)
{
	struct photo *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->host = strdup(host)) == NULL ||
	    (p->user = strdup(user)) == NULL ||
	    (type != NULL &&
	        ((p->type = strdup(type)) == NULL ||
	            (p->b64 = strdup(b64)) == NULL))) {
		photo_free(p);
		return -1;
	}
	if (store_map_get(server.store, VCARD_STORE, host, user, "",
	        photo_loaded, p) == NULL) {
		photo_free(p);
		return -1;
	}
	return 0;
}

void
vcard_module_init(void)
{
	store_register(&vcard_store);
	/* Any element in the namespace, so a misnamed one is <bad-request/>
	 * rather than "not supported". */
	iq_register(NS_VCARD, NULL, IQ_SERVER | IQ_ACCOUNT, vcard_iq);
	disco_add_feature(NS_VCARD, IQ_SERVER | IQ_ACCOUNT);
}
