/*
 * ctl_export: `lethectl export JID` writes one account's data to standard
 * output in XEP-0227 (Portable Import/Export Format, urn:xmpp:pie:0,
 * version 1.1): the SCRAM verifiers (<scram-credentials/>, never a
 * password: the server has none), the roster with waiting subscription
 * requests, the vCard, private XML, offline messages, PEP nodes and
 * items, and the message archive (urn:xmpp:pie:0#mam).
 *
 * It reads the database directly (db.h), as the other commands do; what
 * it prints is what the store holds now, expired items excluded. Every
 * stored element is parsed and serialized again inside the document, so
 * the output is well-formed whatever namespace each element had. Nothing
 * is written unless the whole document could be built.
 *
 * Sealed rows (PRIVACY.md, "Sealed records": a non-zero kid) are
 * ciphertext that only the account's password opens; the tool has no
 * password, so it leaves them out and says on standard error how many
 * rows of which store were skipped. An account not sealed yet exports
 * whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "xmpp/scram.h"

#define SKIP_STORES 8

struct out {
	struct ctl *c;
	struct arena *a;
	struct buf b;
	const char *host, *user;
	struct xml_limits lim;
	struct {
		const char *store;
		uint64_t n;
	} skip[SKIP_STORES]; /* sealed rows left out, per store */
};

/* 1 (and counted) if a row is sealed and must be left out. */
static int
sealed(struct out *o, const char *store, int64_t kid)
{
	size_t i;

	if (kid == 0)
		return 0;
	for (i = 0; i < SKIP_STORES; i++) {
		if (o->skip[i].store == NULL)
			o->skip[i].store = store;
		if (strcmp(o->skip[i].store, store) == 0) {
			o->skip[i].n++;
			break;
		}
	}
	return 1;
}

/* One line on standard error if anything sealed was left out. */
static void
skipped_report(const struct out *o)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < SKIP_STORES && o->skip[i].store != NULL; i++)
		total += o->skip[i].n;
	if (total == 0)
		return;
	fprintf(stderr,
	    "lethectl: %s@%s: %" PRIu64 " sealed row%s not exported (", o->user,
	    o->host, total, total == 1 ? "" : "s");
	for (i = 0; i < SKIP_STORES && o->skip[i].store != NULL; i++)
		fprintf(stderr, "%s%s %" PRIu64, i > 0 ? ", " : "",
		    o->skip[i].store, o->skip[i].n);
	fprintf(stderr,
	    "): sealed data opens only with the account's "
	    "password, which the server does not have\n");
}

static int
esc(struct out *o, const char *s, size_t n)
{
	return xml_escape(&o->b, s, n, 1);
}

static int
put(struct out *o, const char *s)
{
	return buf_append_str(&o->b, s);
}

static int
b64(struct out *o, const unsigned char *p, size_t n)
{
	char tmp[2 * SCRAM_MAX_KEY + 8];

	if (util_b64_enc_len(n) >= sizeof(tmp))
		return -1;
	util_b64_encode(p, n, tmp);
	return buf_append_str(&o->b, tmp);
}

/* Appends a stored element re-serialized in context ns; 0, or -1. A
 * value that does not parse is skipped with a warning. */
static int
element(struct out *o, const char *v, size_t n, const char *ctx_ns,
    struct xml_node **out)
{
	struct xml_node *el = xml_parse_element(o->a, v, n, &o->lim);

	if (el == NULL) {
		ctl_err("warning: an unreadable stored element was skipped");
		return 0;
	}
	if (out != NULL) {
		*out = el;
		return 0;
	}
	return xml_serialize(el, ctx_ns, &o->b);
}

static void
stamp(int64_t when, char *s, size_t cap)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(s, cap, "1970-01-01T00:00:00Z");
}

static int
creds(struct out *o)
{
	struct store_res r = {0};
	size_t i;
	int rc = 0;

	if (db_account_creds(o->c->db, o->a, o->host, o->user, &r) != STORE_OK)
		return -1;
	for (i = 0; rc == 0 && i < r.ncreds; i++) {
		const struct scram_cred *k = &r.creds[i];
		size_t kl = scram_hash_len(k->hash);

		rc = buf_appendf(&o->b,
		         "<scram-credentials xmlns='" PIE_NS_SCRAM
		         "' mechanism='%s'><iter-count>%u</iter-count><salt>",
		         scram_mech_name(k->hash, 0), k->iter) < 0 ||
		    b64(o, k->salt, k->salt_len) < 0 ||
		    put(o, "</salt><server-key>") < 0 ||
		    b64(o, k->server_key, kl) < 0 ||
		    put(o, "</server-key><stored-key>") < 0 ||
		    b64(o, k->stored_key, kl) < 0 ||
		    put(o, "</stored-key></scram-credentials>") < 0;
		rc = -rc;
	}
	util_wipe((void *)r.creds, r.ncreds * sizeof(*r.creds));
	return rc;
}

static int
roster(struct out *o)
{
	static const char *const subs[] = {"none", "to", "from", "both"};
	struct store_res r = {0};
	struct pie_ritem it;
	size_t i, g;
	int open = 0;

	if (db_map_list(o->c->db, o->a, PIE_ROSTER, o->host, o->user, &r) !=
	    STORE_OK)
		return -1;
	for (i = 0; i < r.nitems; i++) {
		const struct store_item *si = &r.items[i];

		if (sealed(o, PIE_ROSTER, si->kid) || *si->key == '\0')
			continue; /* sealed, or the version */
		if (pie_roster_decode(si->value, si->value_len, &it) < 0) {
			ctl_err("warning: an unreadable roster entry was "
			        "skipped");
			continue;
		}
		if (!(it.flags & PIE_F_ITEM))
			continue;
		if (!open && put(o, "<query xmlns='" PIE_NS_ROSTER "'>") < 0)
			return -1;
		open = 1;
		if (put(o, "<item jid='") < 0 ||
		    esc(o, si->key, strlen(si->key)) < 0 ||
		    buf_appendf(&o->b, "' subscription='%s'",
		        subs[it.flags & (PIE_F_TO | PIE_F_FROM)]) < 0 ||
		    ((it.flags & PIE_F_ASK) &&
		        put(o, " ask='subscribe'") < 0) ||
		    (it.flags & PIE_F_APPROVED &&
		        put(o, " approved='true'") < 0) ||
		    (it.name_len > 0 &&
		        (put(o, " name='") < 0 ||
		            esc(o, it.name, it.name_len) < 0 ||
		            put(o, "'") < 0)) ||
		    put(o, ">") < 0)
			return -1;
		for (g = 0; g < it.ngroups; g++)
			if (put(o, "<group>") < 0 ||
			    esc(o, it.groups[g], it.glen[g]) < 0 ||
			    put(o, "</group>") < 0)
				return -1;
		if (put(o, "</item>") < 0)
			return -1;
	}
	if (open && put(o, "</query>") < 0)
		return -1;
	/* Requests waiting for an answer (XEP-0227 §4.8). */
	for (i = 0; i < r.nitems; i++) {
		const struct store_item *si = &r.items[i];

		if (si->kid != 0 || *si->key == '\0' ||
		    pie_roster_decode(si->value, si->value_len, &it) < 0 ||
		    !(it.flags & PIE_F_IN))
			continue;
		if (put(o, "<presence xmlns='jabber:client' from='") < 0 ||
		    esc(o, si->key, strlen(si->key)) < 0 ||
		    put(o, "' to='") < 0 ||
		    esc(o, o->user, strlen(o->user)) < 0 || put(o, "@") < 0 ||
		    esc(o, o->host, strlen(o->host)) < 0 ||
		    put(o, "' type='subscribe'/>") < 0)
			return -1;
	}
	return 0;
}

static int
vcard(struct out *o)
{
	struct store_res r = {0};
	enum store_status st;

	st = db_map_get(o->c->db, o->a, PIE_VCARD, o->host, o->user, "", &r);
	if (st == STORE_NOTFOUND)
		return 0;
	if (st != STORE_OK)
		return -1;
	if (sealed(o, PIE_VCARD, r.kid))
		return 0;
	return element(o, r.value, r.value_len, PIE_NS, NULL);
}

static int
private_xml(struct out *o)
{
	struct store_res r = {0};
	size_t i, n;

	if (db_map_list(o->c->db, o->a, PIE_PRIVATE, o->host, o->user, &r) !=
	    STORE_OK)
		return -1;
	for (i = 0, n = 0; i < r.nitems; i++)
		if (!sealed(o, PIE_PRIVATE, r.items[i].kid))
			n++;
	if (n == 0)
		return 0;
	if (put(o, "<query xmlns='" PIE_NS_PRIVATE "'>") < 0)
		return -1;
	for (i = 0; i < r.nitems; i++)
		if (r.items[i].kid == 0 &&
		    element(o, r.items[i].value, r.items[i].value_len,
		        PIE_NS_PRIVATE, NULL) < 0)
			return -1;
	return put(o, "</query>");
}

/* Calls fn for every live item of an archive store, oldest first. */
static int
archive_each(struct out *o, const char *store,
    int (*fn)(struct out *o, const struct store_item *it), size_t *count)
{
	struct store_archive_query q;
	struct store_res r;
	char *after = NULL;
	size_t i;

	*count = 0;
	for (;;) {
		memset(&q, 0, sizeof(q));
		memset(&r, 0, sizeof(r));
		q.max = DB_ARCHIVE_MAX;
		q.after_id = after;
		if (db_archive_query(o->c->db, o->a, store, o->host, o->user,
		        &q, &r) != STORE_OK)
			return -1;
		for (i = 0; i < r.nitems; i++) {
			if (sealed(o, store, r.items[i].kid))
				continue;
			if (fn(o, &r.items[i]) < 0)
				return -1;
			(*count)++;
		}
		if (r.complete || r.nitems == 0)
			return 0;
		if ((after = arena_strndup(o->a, r.items[r.nitems - 1].id,
		         strlen(r.items[r.nitems - 1].id))) == NULL)
			return -1;
	}
}

static int
offline_one(struct out *o, const struct store_item *it)
{
	struct xml_node *m = NULL, *d;
	char ts[32];

	if (element(o, it->value, it->value_len, PIE_NS, &m) < 0)
		return -1;
	if (m == NULL)
		return 0;
	stamp(it->when, ts, sizeof(ts));
	if (xml_child(m, PIE_NS_DELAY, "delay") == NULL) {
		if ((d = xml_add(o->a, m, PIE_NS_DELAY, "delay")) == NULL ||
		    xml_set_attr(o->a, d, "from", o->host) < 0 ||
		    xml_set_attr(o->a, d, "stamp", ts) < 0)
			return -1;
	}
	return xml_serialize(m, PIE_NS, &o->b);
}

static int
archive_one(struct out *o, const struct store_item *it)
{
	struct xml_node *m = NULL;
	char ts[32];

	if (element(o, it->value, it->value_len, PIE_NS, &m) < 0)
		return -1;
	if (m == NULL)
		return 0;
	stamp(it->when, ts, sizeof(ts));
	if (put(o, "<result xmlns='" PIE_NS_MAM2 "' id='") < 0 ||
	    esc(o, it->id, strlen(it->id)) < 0 ||
	    put(o,
	        "'><forwarded xmlns='" PIE_NS_FORWARD
	        "'><delay xmlns='" PIE_NS_DELAY "' stamp='") < 0 ||
	    put(o, ts) < 0 || put(o, "'/>") < 0 ||
	    xml_serialize(m, PIE_NS_FORWARD, &o->b) < 0 ||
	    put(o, "</forwarded></result>") < 0)
		return -1;
	return 0;
}

static int
messages(struct out *o, const char *store, const char *open, const char *close,
    int (*fn)(struct out *, const struct store_item *))
{
	size_t mark = buf_size(&o->b), n;

	if (put(o, open) < 0 || archive_each(o, store, fn, &n) < 0)
		return -1;
	if (n == 0) {
		o->b.len = o->b.off + mark; /* nothing: no empty element */
		return 0;
	}
	return put(o, close);
}

/* PEP: items under pubsub, node settings as pubsub#owner forms. */
static int
pep(struct out *o)
{
	struct store_res nodes = {0}, items = {0};
	size_t i, j, nl;
	const char *p, *nl_at, *eq, *v;

	if (db_map_list(o->c->db, o->a, PIE_PEP_NODES, o->host, o->user,
	        &nodes) != STORE_OK ||
	    db_map_list(o->c->db, o->a, PIE_PEP_ITEMS, o->host, o->user,
	        &items) != STORE_OK)
		return -1;
	if (nodes.nitems == 0)
		return 0;
	if (put(o, "<pubsub xmlns='" PIE_NS_OWNER "'>") < 0)
		return -1;
	for (i = 0; i < nodes.nitems; i++) {
		const char *name = nodes.items[i].key;

		if (put(o, "<configure node='") < 0 ||
		    esc(o, name, strlen(name)) < 0 ||
		    put(o,
		        "'><x xmlns='jabber:x:data' type='submit'>"
		        "<field var='FORM_TYPE' type='hidden'><value>"
		        "http://jabber.org/protocol/pubsub#node_config"
		        "</value></field>") < 0)
			return -1;
		/* "key=value" lines; subscribers (sub=) stay behind. */
		for (p = nodes.items[i].value; *p != '\0'; p = nl_at + 1) {
			if ((nl_at = strchr(p, '\n')) == NULL)
				break;
			if ((eq = memchr(p, '=', (size_t)(nl_at - p))) ==
			        NULL ||
			    strncmp(p, "sub=", 4) == 0)
				continue;
			v = eq + 1;
			if (put(o, "<field var='pubsub#") < 0 ||
			    esc(o, p, (size_t)(eq - p)) < 0 ||
			    put(o, "'><value>") < 0 ||
			    esc(o, v, (size_t)(nl_at - v)) < 0 ||
			    put(o, "</value></field>") < 0)
				return -1;
		}
		if (put(o, "</x></configure>") < 0)
			return -1;
	}
	if (put(o, "</pubsub><pubsub xmlns='" PIE_NS_PUBSUB "'>") < 0)
		return -1;
	for (i = 0; i < nodes.nitems; i++) {
		const char *name = nodes.items[i].key;

		nl = strlen(name);
		if (put(o, "<items node='") < 0 || esc(o, name, nl) < 0 ||
		    put(o, "'>") < 0)
			return -1;
		for (j = 0; j < items.nitems; j++) {
			const struct store_item *it = &items.items[j];
			const char *x;

			if (strncmp(it->key, name, nl) != 0 ||
			    it->key[nl] != '\n')
				continue;
			if ((x = memchr(it->value, '\n', it->value_len)) ==
			    NULL)
				continue;
			x++;
			if (element(o, x,
			        it->value_len - (size_t)(x - (char *)it->value),
			        PIE_NS_PUBSUB, NULL) < 0)
				return -1;
		}
		if (put(o, "</items>") < 0)
			return -1;
	}
	return put(o, "</pubsub>");
}

int
ctl_cmd_export(struct ctl *c, int argc, char **argv)
{
	struct out o = {0};
	struct jid j;
	int rc = EXIT_ERR;

	if (ctl_account_jid(c, argv[0], &j) < 0)
		return EXIT_ERR;
	if (ctl_open_db(c) < 0 || pie_register(c->conf) < 0 ||
	    ctl_require_account(c, &j) < 0)
		goto out;
	if ((o.a = arena_new(1 << 16)) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	o.c = c;
	o.host = j.domain;
	o.user = j.local;
	o.lim.stanza_bytes = 16u << 20;
	o.lim.depth = 64;
	o.lim.attrs = 256;
	o.lim.header_bytes = 4096;
	if (put(&o,
	        "<?xml version='1.0' encoding='UTF-8'?>\n"
	        "<server-data xmlns='" PIE_NS "'><host jid='") < 0 ||
	    esc(&o, o.host, strlen(o.host)) < 0 ||
	    put(&o, "'><user name='") < 0 ||
	    esc(&o, o.user, strlen(o.user)) < 0 || put(&o, "'>") < 0 ||
	    creds(&o) < 0 || roster(&o) < 0 || vcard(&o) < 0 ||
	    private_xml(&o) < 0 ||
	    messages(&o, PIE_OFFLINE, "<offline-messages>",
	        "</offline-messages>", offline_one) < 0 ||
	    pep(&o) < 0 ||
	    messages(&o, PIE_ARCHIVE, "<archive xmlns='" PIE_NS_MAM "'>",
	        "</archive>", archive_one) < 0 ||
	    put(&o, "</user></host></server-data>\n") < 0) {
		ctl_err("cannot read the account's data (database error or "
		        "out of memory)");
		goto out;
	}
	if (fwrite(buf_ptr(&o.b), 1, buf_size(&o.b), stdout) !=
	        buf_size(&o.b) ||
	    fflush(stdout) != 0) {
		ctl_err("cannot write the export: %s", strerror(errno));
		goto out;
	}
	skipped_report(&o);
	rc = EXIT_OK;
out:
	buf_free(&o.b);
	arena_free(o.a);
	jid_free(&j);
	return rc;
}
