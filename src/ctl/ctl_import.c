/*
 * ctl_import: `lethectl import FILE` reads a XEP-0227 file (as written by
 * `lethectl export`, Prosody's mod_storage_xep0227 or ejabberd's
 * export_piefxis) and creates its accounts with their credentials,
 * roster and waiting subscription requests, vCard, private XML, offline
 * messages, PEP nodes and items, and message archive.
 *
 * Two passes. The whole file is parsed (the project's parser: no DTD,
 * entities, comments or processing instructions; depth and attribute
 * limits) and every account in it checked and turned into rows in memory
 * before anything is written: a malformed file, or one unusable account,
 * changes nothing. Then each account is written in one transaction; an
 * account that already exists is never overwritten (delete it first with
 * `lethectl deluser`): it is skipped and the exit status is 1.
 *
 * Passwords. A <scram-credentials/> element (urn:xmpp:pie:0#scram) is
 * taken as it is. A plaintext password='...' (older exports) is
 * normalized and turned into SCRAM verifiers for every hash the server
 * offers, with [server] scram_iterations, and, with [server] sealing on,
 * the account's sealing keys are made in the same transaction; the file's
 * bytes are wiped from memory before exit. XInclude is not followed: a file that uses it is
 * refused, and each included file can be imported by itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/conf.h"
#include "core/util.h"
#include "ctl/ctl.h"
#include "ctl/pie.h"
#include "store/db.h"
#include "xml/xml.h"
#include "xmpp/jid.h"
#include "xmpp/precis.h"
#include "xmpp/scram.h"

#define FILE_MAX (256u << 20)
#define NS_XINCLUDE "http://www.w3.org/2001/XInclude"

/* One row to write. */
struct row {
	const char *store;
	const char *key; /* map stores */
	const char *id; /* archive: NULL for a fresh one */
	int64_t when;
	const char *with;
	char *value;
	size_t len;
	struct row *next;
};

struct acct {
	const char *host, *user;
	struct scram_cred creds[SCRAM_NHASH];
	size_t ncreds;
	struct row *rows, **tail;
	size_t ncontacts, nvcard, nprivate, noffline, narchive, nnodes, nitems;
	struct acct *next;
};

struct imp {
	struct ctl *c;
	struct arena *a;
	struct acct *accts, **tail;
	const char *where; /* for messages */
};

static int
bad(struct imp *m, const char *what)
{
	ctl_err("%s: %s; nothing was imported", m->where, what);
	return -1;
}

static int
add_row(struct imp *m, struct acct *ac, const char *store, const char *key,
    const struct xml_node *el, const char *raw, int64_t when, const char *with,
    const char *id)
{
	struct row *r = arena_zalloc(m->a, sizeof(*r));
	struct buf b = BUF_INIT;

	if (r == NULL)
		return -1;
	r->store = store;
	r->key = key;
	r->id = id;
	r->when = when;
	r->with = with;
	if (el != NULL) {
		if (xml_serialize(el, XML_NS_CLIENT, &b) < 0) {
			buf_free(&b);
			return -1;
		}
		raw = buf_ptr(&b);
		r->len = buf_size(&b);
	} else {
		r->len = strlen(raw);
	}
	r->value = arena_strndup(m->a, raw, r->len);
	buf_free(&b);
	if (r->value == NULL)
		return -1;
	*ac->tail = r;
	ac->tail = &r->next;
	return 0;
}

/* --- credentials --- */

static int
text_b64(struct imp *m, const struct xml_node *el, const char *name,
    unsigned char *out, size_t cap, size_t *len)
{
	const struct xml_node *c = xml_child(el, PIE_NS_SCRAM, name);
	char *t;
	long n;

	if (c == NULL || (t = xml_text(m->a, c)) == NULL)
		return -1;
	if ((n = util_b64_decode(t, strlen(t), out, cap)) < 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int
scram_creds(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *s;
	struct scram_cred *k;
	enum scram_hash h;
	char *t, *end;
	unsigned long iter;
	size_t kl, l1, l2;
	int plus;

	for (s = xml_child(u, PIE_NS_SCRAM, "scram-credentials"); s != NULL;
	     s = xml_next(s, PIE_NS_SCRAM, "scram-credentials")) {
		const char *mech = xml_attr(s, "mechanism");
		const struct xml_node *ic =
		    xml_child(s, PIE_NS_SCRAM, "iter-count");

		if (mech == NULL || scram_mech_parse(mech, &h, &plus) < 0 ||
		    plus) {
			ctl_err("%s: %s@%s: mechanism %s not offered here; "
			        "skipped",
			    m->where, ac->user, ac->host,
			    mech ? mech : "(none)");
			continue;
		}
		if (ac->ncreds == SCRAM_NHASH)
			return bad(m, "repeated scram-credentials");
		k = &ac->creds[ac->ncreds];
		kl = scram_hash_len(h);
		if (ic == NULL || (t = xml_text(m->a, ic)) == NULL)
			return bad(m, "scram-credentials without iter-count");
		iter = strtoul(t, &end, 10);
		if (*t == '\0' || *end != '\0' || iter < 1 || iter > 100000000)
			return bad(m, "scram-credentials: bad iter-count");
		k->hash = h;
		k->iter = (unsigned)iter;
		if (text_b64(m, s, "salt", k->salt, sizeof(k->salt),
		        &k->salt_len) < 0 ||
		    k->salt_len == 0 ||
		    text_b64(m, s, "server-key", k->server_key,
		        sizeof(k->server_key), &l1) < 0 ||
		    text_b64(m, s, "stored-key", k->stored_key,
		        sizeof(k->stored_key), &l2) < 0 ||
		    l1 != kl || l2 != kl)
			return bad(m, "scram-credentials: bad salt or keys");
		ac->ncreds++;
	}
	return 0;
}

static int
password_creds(struct imp *m, struct acct *ac, const char *pw)
{
	char *norm = NULL;
	size_t len = 0;
	int h, rc = 0;

	if (precis_enforce(PRECIS_OPAQUE_STRING, pw, strlen(pw), &norm, &len) <
	    0)
		return bad(m, "a password is empty or not allowed");
	for (h = 0; h < SCRAM_NHASH && rc == 0; h++)
		if (scram_make_cred((enum scram_hash)h, norm, len,
		        m->c->conf->scram_iterations, &ac->creds[h]) < 0)
			rc = bad(m, "cannot compute password verifiers");
	ac->ncreds = rc == 0 ? SCRAM_NHASH : 0;
	util_wipe(norm, len);
	free(norm);
	return rc;
}

/* --- roster --- */

struct rent {
	const char *jid;
	struct pie_ritem it;
	struct rent *next;
};

static struct rent *
rent_get(struct imp *m, struct rent **list, const char *jid)
{
	struct rent *e;

	for (e = *list; e != NULL; e = e->next)
		if (strcmp(e->jid, jid) == 0)
			return e;
	if ((e = arena_zalloc(m->a, sizeof(*e))) == NULL)
		return NULL;
	e->jid = jid;
	e->next = *list;
	*list = e;
	return e;
}

/* A normalized bare JID in m's arena, or NULL. */
static const char *
bare_of(struct imp *m, const char *s)
{
	struct jid j;

	if (s == NULL || jid_parse_arena(m->a, s, strlen(s), &j) < 0)
		return NULL;
	return jid_bare_str(m->a, &j);
}

static int
roster(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *q, *i, *g, *p;
	struct rent *list = NULL, *e;
	const char *jid, *sub, *name;
	struct buf b = BUF_INIT;
	char *t;
	int rc = -1;

	for (q = xml_child(u, PIE_NS_ROSTER, "query"); q != NULL;
	     q = xml_next(q, PIE_NS_ROSTER, "query"))
		for (i = xml_child(q, PIE_NS_ROSTER, "item"); i != NULL;
		     i = xml_next(i, PIE_NS_ROSTER, "item")) {
			if ((jid = bare_of(m, xml_attr(i, "jid"))) == NULL)
				return bad(m, "a roster item's jid is invalid");
			sub = xml_attr(i, "subscription");
			if (sub != NULL && strcmp(sub, "remove") == 0)
				continue;
			if ((e = rent_get(m, &list, jid)) == NULL)
				return -1;
			e->it.flags |= PIE_F_ITEM;
			if (sub == NULL || strcmp(sub, "none") == 0)
				;
			else if (strcmp(sub, "to") == 0)
				e->it.flags |= PIE_F_TO;
			else if (strcmp(sub, "from") == 0)
				e->it.flags |= PIE_F_FROM;
			else if (strcmp(sub, "both") == 0)
				e->it.flags |= PIE_F_TO | PIE_F_FROM;
			else
				return bad(m,
				    "a roster item's subscription "
				    "is invalid");
			if (xml_attr(i, "ask") != NULL &&
			    strcmp(xml_attr(i, "ask"), "subscribe") == 0)
				e->it.flags |= PIE_F_ASK;
			if ((name = xml_attr(i, "name")) != NULL) {
				e->it.name = name;
				e->it.name_len = strlen(name);
			}
			for (g = xml_child(i, PIE_NS_ROSTER, "group");
			     g != NULL;
			     g = xml_next(g, PIE_NS_ROSTER, "group")) {
				if (e->it.ngroups == PIE_GROUPS_MAX)
					return bad(m, "too many groups");
				if ((t = xml_text(m->a, g)) == NULL)
					return -1;
				e->it.groups[e->it.ngroups] = t;
				e->it.glen[e->it.ngroups++] = strlen(t);
			}
		}
	/* Waiting requests: <presence type='subscribe' from=.../>. */
	for (p = xml_child(u, XML_NS_CLIENT, "presence"); p != NULL;
	     p = xml_next(p, XML_NS_CLIENT, "presence")) {
		if (xml_attr(p, "type") == NULL ||
		    strcmp(xml_attr(p, "type"), "subscribe") != 0)
			continue;
		if ((jid = bare_of(m, xml_attr(p, "from"))) == NULL)
			return bad(m,
			    "a subscription request's from is "
			    "invalid");
		if ((e = rent_get(m, &list, jid)) == NULL)
			return -1;
		e->it.flags |= PIE_F_IN;
	}
	for (e = list; e != NULL; e = e->next) {
		b.off = b.len = 0;
		if (pie_roster_encode(&e->it, &b) < 0 ||
		    buf_append(&b, "", 1) < 0 ||
		    add_row(m, ac, PIE_ROSTER, e->jid, NULL, buf_ptr(&b), 0,
		        NULL, NULL) < 0)
			goto out;
		ac->ncontacts += (e->it.flags & PIE_F_ITEM) != 0;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* --- messages --- */

/* XEP-0082 date-time into seconds; 0 if absent or unreadable. */
static int64_t
parse_stamp(const char *s)
{
	struct tm tm;
	const char *p;
	int sign, hh, mm;
	int64_t t;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	t = (int64_t)timegm(&tm);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') &&
	    sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2) {
		sign = *p == '+' ? 1 : -1;
		t -= sign * (hh * 3600 + mm * 60);
	}
	return t > 0 ? t : 0;
}

/* Removes delay stamps from m, returning the first one's time. */
static int64_t
take_delay(struct xml_node *msg)
{
	struct xml_node *d;
	int64_t when = 0;

	while ((d = xml_child(msg, PIE_NS_DELAY, "delay")) != NULL) {
		if (when == 0)
			when = parse_stamp(xml_attr(d, "stamp"));
		xml_remove(d);
	}
	return when;
}

static int
offline(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *o;
	struct xml_node *msg;
	char *to;
	int64_t when;

	if ((to = arena_printf(m->a, "%s@%s", ac->user, ac->host)) == NULL)
		return -1;
	for (o = xml_child(u, PIE_NS, "offline-messages"); o != NULL;
	     o = xml_next(o, PIE_NS, "offline-messages"))
		for (msg = xml_child(o, XML_NS_CLIENT, "message"); msg != NULL;
		     msg = xml_next(msg, XML_NS_CLIENT, "message")) {
			when = take_delay(msg);
			if (xml_set_attr(m->a, msg, "to", to) < 0 ||
			    add_row(m, ac, PIE_OFFLINE, NULL, msg, NULL, when,
			        NULL, NULL) < 0)
				return -1;
			ac->noffline++;
		}
	return 0;
}

static int
archive(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *ar, *r, *f, *d;
	struct xml_node *msg;
	const char *from, *to, *with, *id;
	char *me;

	if ((me = arena_printf(m->a, "%s@%s", ac->user, ac->host)) == NULL)
		return -1;
	for (ar = xml_child(u, PIE_NS_MAM, "archive"); ar != NULL;
	     ar = xml_next(ar, PIE_NS_MAM, "archive"))
		for (r = xml_child(ar, PIE_NS_MAM2, "result"); r != NULL;
		     r = xml_next(r, PIE_NS_MAM2, "result")) {
			if ((f = xml_child(r, PIE_NS_FORWARD, "forwarded")) ==
			        NULL ||
			    (msg = xml_child(f, XML_NS_CLIENT, "message")) ==
			        NULL)
				return bad(m,
				    "an archive result without a "
				    "forwarded message");
			d = xml_child(f, PIE_NS_DELAY, "delay");
			from = bare_of(m, xml_attr(msg, "from"));
			to = bare_of(m, xml_attr(msg, "to"));
			with =
			    from != NULL && strcmp(from, me) != 0 ? from : to;
			id = xml_attr(r, "id");
			if (id != NULL && (*id == '\0' || strlen(id) > 64))
				id = NULL;
			if (add_row(m, ac, PIE_ARCHIVE, NULL, msg, NULL,
			        d ? parse_stamp(xml_attr(d, "stamp")) : 0, with,
			        id) < 0)
				return -1;
			ac->narchive++;
		}
	return 0;
}

/* --- vCard, private XML, PEP --- */

static int
vcard(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *v = xml_child(u, PIE_NS_VCARD, "vCard");

	if (v == NULL || v->children == NULL)
		return 0;
	ac->nvcard = 1;
	return add_row(m, ac, PIE_VCARD, "", v, NULL, 0, NULL, NULL);
}

static int
private_xml(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *q, *el;
	char *key;

	for (q = xml_child(u, PIE_NS_PRIVATE, "query"); q != NULL;
	     q = xml_next(q, PIE_NS_PRIVATE, "query"))
		for (el = xml_child(q, NULL, NULL); el != NULL;
		     el = xml_next(el, NULL, NULL)) {
			if ((key = arena_printf(
			         m->a, "{%s}%s", el->ns, el->name)) == NULL ||
			    add_row(m, ac, PIE_PRIVATE, key, el, NULL, 0, NULL,
			        NULL) < 0)
				return -1;
			ac->nprivate++;
		}
	return 0;
}

/* Settings pep.c keeps, from a node_config form. */
static const char *const pep_keys[] = {"access_model", "max_items",
    "persist_items", "send_last_published_item", "notify_retract",
    "notify_delete", "roster_groups_allowed", NULL};

static int
valid_node(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) <= 1024 &&
	    strchr(s, '\n') == NULL;
}

static int
pep(struct imp *m, struct acct *ac, const struct xml_node *u)
{
	const struct xml_node *ps, *c, *x, *f, *v, *it;
	struct buf b = BUF_INIT;
	const char *node, *var, *id;
	char *key, *t, *val;
	uint64_t seq = 1;
	size_t k;
	int rc = -1;

	for (ps = xml_child(u, PIE_NS_OWNER, "pubsub"); ps != NULL;
	     ps = xml_next(ps, PIE_NS_OWNER, "pubsub"))
		for (c = xml_child(ps, PIE_NS_OWNER, "configure"); c != NULL;
		     c = xml_next(c, PIE_NS_OWNER, "configure")) {
			if (!valid_node(node = xml_attr(c, "node")))
				goto bad_node;
			b.off = b.len = 0;
			x = xml_child(c, "jabber:x:data", "x");
			for (f = x ? xml_child(x, "jabber:x:data", "field")
			           : NULL;
			     f != NULL;
			     f = xml_next(f, "jabber:x:data", "field")) {
				var = xml_attr(f, "var");
				if (var == NULL ||
				    strncmp(var, "pubsub#", 7) != 0)
					continue;
				for (k = 0; pep_keys[k] != NULL; k++)
					if (strcmp(var + 7, pep_keys[k]) == 0)
						break;
				if (pep_keys[k] == NULL)
					continue;
				for (v = xml_child(f, "jabber:x:data", "value");
				     v != NULL; v = xml_next(v, "jabber:x:data",
				                    "value")) {
					if ((t = xml_text(m->a, v)) == NULL)
						goto out;
					if (strchr(t, '\n') != NULL)
						continue;
					if (buf_appendf(&b, "%s=%s\n",
					        pep_keys[k], t) < 0)
						goto out;
				}
			}
			if (buf_append(&b, "", 1) < 0 ||
			    add_row(m, ac, PIE_PEP_NODES, node, NULL,
			        buf_ptr(&b), 0, NULL, NULL) < 0)
				goto out;
			ac->nnodes++;
		}
	for (ps = xml_child(u, PIE_NS_PUBSUB, "pubsub"); ps != NULL;
	     ps = xml_next(ps, PIE_NS_PUBSUB, "pubsub"))
		for (c = xml_child(ps, PIE_NS_PUBSUB, "items"); c != NULL;
		     c = xml_next(c, PIE_NS_PUBSUB, "items")) {
			struct row *r;
			int known = 0;

			if (!valid_node(node = xml_attr(c, "node")))
				goto bad_node;
			for (r = ac->rows; r != NULL; r = r->next)
				if (strcmp(r->store, PIE_PEP_NODES) == 0 &&
				    strcmp(r->key, node) == 0)
					known = 1;
			/* Items of a node with no settings: the defaults,
			 * kept. */
			if (!known) {
				if (add_row(m, ac, PIE_PEP_NODES, node, NULL,
				        "persist_items=1\n", 0, NULL, NULL) < 0)
					goto out;
				ac->nnodes++;
			}
			for (it = xml_child(c, PIE_NS_PUBSUB, "item");
			     it != NULL;
			     it = xml_next(it, PIE_NS_PUBSUB, "item")) {
				id = xml_attr(it, "id");
				if (!valid_node(id))
					goto bad_node;
				b.off = b.len = 0;
				if (buf_appendf(&b, "%llu\n",
				        (unsigned long long)seq++) < 0 ||
				    xml_serialize(it, XML_NS_CLIENT, &b) < 0 ||
				    buf_append(&b, "", 1) < 0 ||
				    (key = arena_printf(
				         m->a, "%s\n%s", node, id)) == NULL ||
				    (val = arena_strndup(m->a, buf_ptr(&b),
				         buf_size(&b) - 1)) == NULL ||
				    add_row(m, ac, PIE_PEP_ITEMS, key, NULL,
				        val, 0, NULL, NULL) < 0)
					goto out;
				ac->nitems++;
			}
		}
	rc = 0;
	goto out;
bad_node:
	rc = bad(m,
	    "a PEP node or item id is empty, too long or has a "
	    "line break");
out:
	buf_free(&b);
	return rc;
}

/* --- the file --- */

static int
user(struct imp *m, const char *host, struct xml_node *u)
{
	struct acct *ac;
	const char *name = xml_attr(u, "name");
	char *user;
	struct xml_attr *at;

	if (name == NULL || (user = jid_local_prep(name, strlen(name))) == NULL)
		return bad(m, "a user without a valid name");
	if ((ac = arena_zalloc(m->a, sizeof(*ac))) == NULL ||
	    (ac->user = arena_strndup(m->a, user, strlen(user))) == NULL) {
		free(user);
		return -1;
	}
	free(user);
	ac->host = host;
	ac->tail = &ac->rows;
	if (scram_creds(m, ac, u) < 0)
		return -1;
	for (at = u->attrs; at != NULL; at = at->next) {
		if (strcmp(at->name, "password") != 0 || at->ns != NULL)
			continue;
		if (ac->ncreds == 0 && password_creds(m, ac, at->value) < 0)
			return -1;
		util_wipe((char *)at->value, strlen(at->value));
	}
	if (roster(m, ac, u) < 0 || vcard(m, ac, u) < 0 ||
	    private_xml(m, ac, u) < 0 || offline(m, ac, u) < 0 ||
	    pep(m, ac, u) < 0 || archive(m, ac, u) < 0)
		return -1;
	*m->tail = ac;
	m->tail = &ac->next;
	return 0;
}

static int
walk(struct imp *m, struct xml_node *root)
{
	struct xml_node *h, *u;
	char *host;

	if (!xml_is(root, PIE_NS, "server-data"))
		return bad(m,
		    "not a XEP-0227 file (no <server-data "
		    "xmlns='urn:xmpp:pie:0'>)");
	if (xml_child(root, NS_XINCLUDE, "include") != NULL)
		return bad(m,
		    "the file includes others (XInclude); import "
		    "each included file instead");
	for (h = xml_child(root, PIE_NS, "host"); h != NULL;
	     h = xml_next(h, PIE_NS, "host")) {
		const char *hj = xml_attr(h, "jid");

		if (xml_child(h, NS_XINCLUDE, "include") != NULL)
			return bad(m,
			    "a host includes other files (XInclude); "
			    "import each included file instead");
		if (hj == NULL ||
		    (host = jid_domain_prep(hj, strlen(hj))) == NULL)
			return bad(m, "a host without a valid jid");
		if (conf_host_find(m->c->conf, host) == NULL) {
			ctl_err("%s: host %s is not configured in %s", m->where,
			    host, m->c->conf->path);
			free(host);
			return bad(m, "unknown host");
		}
		hj = arena_strndup(m->a, host, strlen(host));
		free(host);
		if (hj == NULL)
			return -1;
		for (u = xml_child(h, PIE_NS, "user"); u != NULL;
		     u = xml_next(u, PIE_NS, "user"))
			if (user(m, hj, u) < 0)
				return -1;
	}
	return 0;
}

/* Writes one account in one transaction. 0, 1 if it exists, -1. */
static int
write_acct(struct imp *m, struct acct *ac)
{
	struct store_res r;
	struct row *w;
	enum store_status st;
	struct arena *a;

	if ((a = arena_new(1024)) == NULL || db_begin(m->c->db) < 0) {
		arena_free(a);
		return -1;
	}
	st = db_account_create(
	    m->c->db, ac->host, ac->user, ac->creds, ac->ncreds);
	if (st == STORE_EXISTS) {
		db_rollback(m->c->db);
		arena_free(a);
		return 1;
	}
	/* From a plaintext password the ClientKeys are known: the keys are
	 * made now, as adduser does. SCRAM verifiers alone carry none: such
	 * an account gets its keys, and its data is sealed, at its first
	 * login. */
	if (st == STORE_OK && m->c->conf->sealing && ac->ncreds > 0 &&
	    ac->creds[0].has_client_key)
		st = db_seal_reset(
		    m->c->db, ac->host, ac->user, ac->creds, ac->ncreds, NULL);
	for (w = ac->rows; st == STORE_OK && w != NULL; w = w->next) {
		memset(&r, 0, sizeof(r));
		if (w->key != NULL) {
			st = db_map_put(m->c->db, w->store, ac->host, ac->user,
			    w->key, w->value, w->len);
			continue;
		}
		st = db_archive_append(m->c->db, a, w->store, ac->host,
		    ac->user, w->id, w->when, w->with, w->value, w->len, &r);
		if (st == STORE_EXISTS) /* a repeated id: a fresh one */
			st = db_archive_append(m->c->db, a, w->store, ac->host,
			    ac->user, NULL, w->when, w->with, w->value, w->len,
			    &r);
	}
	arena_free(a);
	if (st != STORE_OK) {
		db_rollback(m->c->db);
		return -1;
	}
	return db_commit(m->c->db) < 0 ? -1 : 0;
}

static char *
read_all(const char *path, size_t *len)
{
	struct stat sb;
	FILE *f;
	char *p = NULL;

	if ((f = fopen(path, "rb")) == NULL) {
		ctl_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size <= 0 || (uint64_t)sb.st_size > FILE_MAX)
		ctl_err("%s: not a regular file of 1 byte to %u MiB", path,
		    FILE_MAX >> 20);
	else if ((p = malloc((size_t)sb.st_size + 1)) == NULL)
		ctl_err("out of memory");
	else if (fread(p, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		ctl_err("%s: cannot read it", path);
		free(p);
		p = NULL;
	} else {
		*len = (size_t)sb.st_size;
		p[*len] = '\0';
	}
	fclose(f);
	return p;
}

int
ctl_cmd_import(struct ctl *c, int argc, char **argv)
{
	struct imp m = {0};
	struct xml_limits lim = {0};
	struct xml_node *root;
	struct acct *ac;
	char *file, *p, *end;
	size_t len = 0;
	int rc = EXIT_ERR, w, failed = 0;

	m.c = c;
	m.where = argv[0];
	m.tail = &m.accts;
	if ((file = read_all(argv[0], &len)) == NULL)
		return EXIT_ERR;
	if ((m.a = arena_new(65536)) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	/* The XML declaration is the one processing instruction allowed. */
	p = file;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (strncmp(p, "<?xml", 5) == 0 && (end = strstr(p, "?>")) != NULL)
		p = end + 2;
	lim.stanza_bytes = len;
	lim.depth = 64;
	lim.attrs = 256;
	lim.header_bytes = 4096;
	if ((root = xml_parse_element(
	         m.a, p, len - (size_t)(p - file), &lim)) == NULL) {
		bad(&m,
		    "not well-formed XML, or it has a DTD, entities, "
		    "comments, processing instructions, or nesting deeper "
		    "than 64");
		goto out;
	}
	if (ctl_open_db(c) < 0 || pie_register(c->conf) < 0)
		goto out;
	if (walk(&m, root) < 0)
		goto out;
	util_wipe(file, len); /* passwords, if any */
	for (ac = m.accts; ac != NULL; ac = ac->next) {
		w = write_acct(&m, ac);
		util_wipe(ac->creds, sizeof(ac->creds));
		if (w == 1) {
			ctl_err("%s@%s exists: not overwritten (delete it "
			        "first to import it)",
			    ac->user, ac->host);
			failed = 1;
		} else if (w < 0) {
			ctl_err("%s@%s: database error: not imported", ac->user,
			    ac->host);
			failed = 1;
		} else {
			printf("imported %s@%s: %s, %zu contacts, %s, %zu "
			       "private, %zu offline, %zu PEP nodes with %zu "
			       "items, %zu archived\n",
			    ac->user, ac->host,
			    ac->ncreds > 0 ? "password"
			                   : "NO PASSWORD (set one "
			                     "with passwd)",
			    ac->ncontacts, ac->nvcard ? "vCard" : "no vCard",
			    ac->nprivate, ac->noffline, ac->nnodes, ac->nitems,
			    ac->narchive);
		}
	}
	fflush(stdout);
	rc = failed ? EXIT_ERR : EXIT_OK;
out:
	for (ac = m.accts; ac != NULL; ac = ac->next)
		util_wipe(ac->creds, sizeof(ac->creds));
	util_wipe(file, len);
	free(file);
	arena_free(m.a);
	return rc;
}
