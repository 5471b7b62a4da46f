/*
 * bookmarks: the three places a client may keep its group chat
 * bookmarks, kept equal (XEP-0411 behaviour for XEP-0402):
 *
 *   native   PEP node urn:xmpp:bookmarks:1, one item per room, id = the
 *            room's JID, <conference xmlns='urn:xmpp:bookmarks:1'/>;
 *   private  <storage xmlns='storage:bookmarks'/> (XEP-0048) in private
 *            XML (XEP-0049);
 *   legacy   the same <storage/> as item "current" of PEP node
 *            storage:bookmarks.
 *
 * A change the account makes to any one of them is written to the other
 * two: through pep_ctx_* (pep.h) and private_put (private.h), which call
 * no hook, so one write makes one round of copies and never a loop. The
 * native node is brought to the legacy list item by item: a room whose
 * name, autojoin, nick and password did not change keeps its item (and
 * its <extensions/>, which the legacy form cannot carry); a changed one
 * is published again with its old <extensions/>; a room no longer listed
 * is retracted. Nodes made here are whitelist (owner only), as XEP-0402
 * and XEP-0048 ask. Legacy <url/> bookmarks have no native form and do
 * not survive a change made on the native side.
 *
 * Sealing: bookmarks name the rooms an account joins, so all three forms
 * are sealed to the account (PRIVACY.md). Both PEP nodes are declared
 * owner-only (pep_owner_only()): whitelist whatever a client asks, so
 * their items live in PEP's sealed store; private XML is sealed as a
 * whole. Every copy is made on the account's own change, while it is
 * logged in, so all three can be read and written.
 */
#include "xmpp/bookmarks.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/log.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/pep.h"
#include "xmpp/private.h"
#include "xmpp/server.h"

#define NS_NATIVE "urn:xmpp:bookmarks:1"
#define NS_LEGACY "storage:bookmarks"
#define NS_PUBSUB "http://jabber.org/protocol/pubsub"

static const char *const native_opts[] = {"access_model", "whitelist",
    "persist_items", "true", "max_items", "max", "send_last_published_item",
    "never", NULL};
static const char *const legacy_opts[] = {
    "access_model", "whitelist", "persist_items", "true", NULL};

/* One room as both forms describe it; strings in an arena. */
struct room {
	const char *jid, *name, *nick, *password; /* name..: NULL if absent */
	int autojoin;
	const struct xml_node *ext; /* native <extensions/>, or NULL */
};

static int
is_true(const char *s)
{
	return s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0);
}

static const char *
child_text(struct arena *a, const struct xml_node *el, const char *ns,
    const char *name)
{
	const struct xml_node *c = xml_child(el, ns, name);

	return c != NULL ? xml_text(a, c) : NULL;
}

/* A room from a <conference/> of either namespace; jid is the legacy
 * attribute or the native item's id. */
static void
room_of(struct arena *a, const struct xml_node *conf, const char *jid,
    struct room *r)
{
	memset(r, 0, sizeof(*r));
	r->jid = jid;
	r->name = xml_attr(conf, "name");
	r->autojoin = is_true(xml_attr(conf, "autojoin"));
	r->nick = child_text(a, conf, conf->ns, "nick");
	r->password = child_text(a, conf, conf->ns, "password");
	r->ext = xml_child(conf, conf->ns, "extensions");
}

static int
str_eq(const char *x, const char *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

static int
room_eq(const struct room *x, const struct room *y)
{
	return x->autojoin == y->autojoin && str_eq(x->name, y->name) &&
	    str_eq(x->nick, y->nick) && str_eq(x->password, y->password);
}

/* <conference/> of room r in namespace ns (with 'jid' if legacy). */
static struct xml_node *
conference(struct arena *a, const char *ns, const struct room *r)
{
	struct xml_node *c;

	if ((c = xml_new(a, ns, "conference")) == NULL ||
	    (strcmp(ns, NS_LEGACY) == 0 &&
	        xml_set_attr(a, c, "jid", r->jid) == -1) ||
	    (r->name != NULL && xml_set_attr(a, c, "name", r->name) == -1) ||
	    xml_set_attr(a, c, "autojoin", r->autojoin ? "true" : "false") ==
	        -1)
		return NULL;
	if (r->nick != NULL &&
	    xml_add_text(
	        a, xml_add(a, c, ns, "nick"), r->nick, strlen(r->nick)) == -1)
		return NULL;
	if (r->password != NULL &&
	    xml_add_text(a, xml_add(a, c, ns, "password"), r->password,
	        strlen(r->password)) == -1)
		return NULL;
	if (r->ext != NULL && strcmp(ns, NS_NATIVE) == 0)
		xml_append(c, xml_copy(a, r->ext));
	return c;
}

/* The payload of item "current" of the legacy node, or NULL. */
static const struct xml_node *
legacy_pep_storage(struct pep_ctx *c)
{
	struct xml_node *its = pep_ctx_items(c, NS_LEGACY), *it;
	const struct xml_node *last = NULL;

	for (it = its ? xml_child(its, NS_PUBSUB, "item") : NULL; it;
	     it = xml_next(it, NS_PUBSUB, "item"))
		last = xml_child(it, NS_LEGACY, "storage");
	return last;
}

/* The legacy <storage/> equal to the native node. */
static struct xml_node *
storage_of_native(struct pep_ctx *c)
{
	struct arena *a = pep_ctx_arena(c);
	struct xml_node *its = pep_ctx_items(c, NS_NATIVE), *st, *it, *conf;
	const struct xml_node *nc;
	struct room r;

	if (its == NULL || (st = xml_new(a, NS_LEGACY, "storage")) == NULL)
		return NULL;
	for (it = xml_child(its, NS_PUBSUB, "item"); it;
	     it = xml_next(it, NS_PUBSUB, "item")) {
		if ((nc = xml_child(it, NS_NATIVE, "conference")) == NULL ||
		    xml_attr(it, "id") == NULL)
			continue;
		room_of(a, nc, xml_attr(it, "id"), &r);
		if ((conf = conference(a, NS_LEGACY, &r)) == NULL)
			return NULL;
		xml_append(st, conf);
	}
	return st;
}

/* Brings the native node to the rooms of legacy <storage/> st. */
static void
native_from(struct pep_ctx *c, const struct xml_node *st)
{
	struct arena *a = pep_ctx_arena(c);
	struct xml_node *its = pep_ctx_items(c, NS_NATIVE), *it, *conf;
	const struct xml_node *lc, *nc, *seen;
	struct room want, have;
	const char *jid;

	if (its == NULL)
		return;
	/* Rooms no longer listed leave first. */
	for (it = xml_child(its, NS_PUBSUB, "item"); it;
	     it = xml_next(it, NS_PUBSUB, "item")) {
		jid = xml_attr(it, "id");
		for (lc = st ? xml_child(st, NS_LEGACY, "conference") : NULL;
		     lc; lc = xml_next(lc, NS_LEGACY, "conference"))
			if (str_eq(xml_attr(lc, "jid"), jid))
				break;
		if (jid != NULL && lc == NULL)
			(void)pep_ctx_retract(c, NS_NATIVE, jid);
	}
	for (lc = st ? xml_child(st, NS_LEGACY, "conference") : NULL; lc;
	     lc = xml_next(lc, NS_LEGACY, "conference")) {
		if ((jid = xml_attr(lc, "jid")) == NULL || *jid == '\0')
			continue;
		/* A room listed twice: the first counts. */
		for (seen = xml_child(st, NS_LEGACY, "conference"); seen != lc;
		     seen = xml_next(seen, NS_LEGACY, "conference"))
			if (str_eq(xml_attr(seen, "jid"), jid))
				break;
		if (seen != lc)
			continue;
		room_of(a, lc, jid, &want);
		for (it = xml_child(its, NS_PUBSUB, "item"); it;
		     it = xml_next(it, NS_PUBSUB, "item"))
			if (str_eq(xml_attr(it, "id"), jid))
				break;
		nc = it ? xml_child(it, NS_NATIVE, "conference") : NULL;
		if (nc != NULL) {
			room_of(a, nc, jid, &have);
			if (room_eq(&want, &have))
				continue;
			want.ext = have.ext;
		}
		if ((conf = conference(a, NS_NATIVE, &want)) == NULL ||
		    pep_ctx_publish(c, NS_NATIVE, jid, conf, native_opts) == -1)
			log_info("event=bookmarks_copy_failed form=native");
	}
}

static void
legacy_pep_from(struct pep_ctx *c, const struct xml_node *st)
{
	const struct xml_node *now = legacy_pep_storage(c);
	struct buf x = BUF_INIT, y = BUF_INIT;
	int same;

	/* Equal already: nothing to publish, nobody to tell. */
	same = now != NULL && xml_serialize(now, NS_LEGACY, &x) == 0 &&
	    xml_serialize(st, NS_LEGACY, &y) == 0 &&
	    buf_size(&x) == buf_size(&y) &&
	    memcmp(buf_ptr(&x), buf_ptr(&y), buf_size(&x)) == 0;
	buf_free(&x);
	buf_free(&y);
	if (!same &&
	    pep_ctx_publish(c, NS_LEGACY, "current", st, legacy_opts) == -1)
		log_info("event=bookmarks_copy_failed form=legacy_pep");
}

static void
to_private(struct pep_ctx *c, const struct xml_node *st)
{
	if (private_put(pep_ctx_host(c), pep_ctx_user(c), st) == -1)
		log_info("event=bookmarks_copy_failed form=private");
}

/* The account changed the native node. */
static void
native_changed(struct pep_ctx *c, const char *node)
{
	struct xml_node *st = storage_of_native(c);

	(void)node;
	if (st == NULL)
		return;
	legacy_pep_from(c, st);
	to_private(c, st);
}

/* The account changed the legacy node: its last item (none: no rooms). */
static void
legacy_pep_changed(struct pep_ctx *c, const char *node)
{
	const struct xml_node *st = legacy_pep_storage(c);
	struct xml_node *empty;

	(void)node;
	if (st == NULL) {
		if ((empty = xml_new(pep_ctx_arena(c), NS_LEGACY, "storage")) ==
		    NULL)
			return;
		st = empty;
	}
	native_from(c, st);
	to_private(c, st);
}

/* The account's private XML bookmarks, waiting for its PEP service. */
struct job {
	char *xml; /* owned: the serialized <storage/>, or NULL (removed) */
	size_t len;
};

static void
private_job(struct pep_ctx *c, void *arg)
{
	struct job *j = arg;
	struct xml_node *st = NULL;

	if (c != NULL) {
		if (j->xml != NULL)
			st = xml_parse_element(
			    pep_ctx_arena(c), j->xml, j->len, NULL);
		else
			st = xml_new(pep_ctx_arena(c), NS_LEGACY, "storage");
		if (st != NULL) {
			native_from(c, st);
			legacy_pep_from(c, st);
		}
	}
	free(j->xml);
	free(j);
}

/* The account stored (or removed) its bookmarks in private XML. */
static void
private_changed(const char *host, const char *user, const struct xml_node *el)
{
	struct job *j;
	struct buf b = BUF_INIT;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	if (el != NULL) {
		if (xml_serialize(el, XML_NS_CLIENT, &b) == -1 ||
		    (j->xml = malloc(buf_size(&b) + 1)) == NULL) {
			buf_free(&b);
			free(j);
			return;
		}
		memcpy(j->xml, buf_ptr(&b), buf_size(&b));
		j->xml[buf_size(&b)] = '\0';
		j->len = buf_size(&b);
		buf_free(&b);
	}
	if (pep_job(host, user, private_job, j) == -1) {
		log_info("event=bookmarks_copy_failed form=native");
		free(j->xml);
		free(j);
	}
}

void
bookmarks_module_init(void)
{
	pep_owner_only(NS_NATIVE);
	pep_owner_only(NS_LEGACY);
	pep_on_change(NS_NATIVE, native_changed);
	pep_on_change(NS_LEGACY, legacy_pep_changed);
	private_on_set("{" NS_LEGACY "}storage", private_changed);
	disco_add_feature(NS_NATIVE "#compat", IQ_ACCOUNT);
	disco_add_feature(NS_NATIVE "#compat-pep", IQ_ACCOUNT);
}
