/*
 * avatar: an account's avatar kept equal in PEP (User Avatar, XEP-0084)
 * and in its vCard (XEP-0054 PHOTO), as XEP-0398 describes.
 *
 * PEP to vCard: when the account changes urn:xmpp:avatar:metadata or
 * urn:xmpp:avatar:data, the first <info/> of the last metadata item that
 * has its data in the data node (no 'url') becomes the vCard's PHOTO
 * (TYPE and BINVAL); metadata without <info/>, or no metadata at all
 * after a retract, purge or delete, removes the PHOTO. Metadata whose
 * data is not published yet changes nothing until the data arrives.
 *
 * vCard to PEP: a vCard set with a PHOTO publishes its bytes as a data
 * item and a metadata item whose id is the SHA-1 (hex) of the bytes,
 * with bytes, type and, for PNG and JPEG, width and height read from
 * the image header. If the last metadata item already has that id,
 * nothing is published, so saving a vCard again tells nobody anything.
 * A vCard without PHOTO leaves the PEP avatar alone: clients that only
 * edit a nickname send no PHOTO, and removing an avatar is done in PEP.
 *
 * Both directions write through calls that call no hook (pep.h,
 * vcard.h), so one change makes one copy and never a loop. Nodes made
 * here get the PEP defaults (presence access), as a client's would.
 */
#include "xmpp/avatar.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/iq.h"
#include "xmpp/pep.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "store/store.h"
#include "xmpp/vcard.h"

#define NS_META "urn:xmpp:avatar:metadata"
#define NS_DATA "urn:xmpp:avatar:data"
#define NS_VCARD "vcard-temp"
#define NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define NS_CONVERSION "urn:xmpp:pep-vcard-conversion:0"

static void photo_hash_set(const char *host, const char *user, const char *hex);

/* s without whitespace (base64 in vCards is often folded), in a. */
static char *
squeeze(struct arena *a, const char *s)
{
	size_t n = strlen(s), i, j = 0;
	char *out;

	if ((out = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strchr(" \t\r\n", s[i]) == NULL)
			out[j++] = s[i];
	out[j] = '\0';
	return out;
}

/* The last item's payload of node (element ns/name), or NULL. */
static const struct xml_node *
last_payload(struct pep_ctx *c, const char *node, const char *ns,
    const char *name, const char **id)
{
	struct xml_node *its = pep_ctx_items(c, node), *it, *last = NULL;

	for (it = its ? xml_child(its, NS_PUBSUB, "item") : NULL; it;
	     it = xml_next(it, NS_PUBSUB, "item"))
		last = it;
	if (last == NULL)
		return NULL;
	if (id != NULL)
		*id = xml_attr(last, "id");
	return xml_child(last, ns, name);
}

/* The payload of item id of node, or NULL. */
static const struct xml_node *
payload_of(struct pep_ctx *c, const char *node, const char *id)
{
	struct xml_node *its = pep_ctx_items(c, node), *it;

	for (it = its ? xml_child(its, NS_PUBSUB, "item") : NULL; it;
	     it = xml_next(it, NS_PUBSUB, "item"))
		if (id != NULL && xml_attr(it, "id") != NULL &&
		    strcmp(xml_attr(it, "id"), id) == 0)
			return xml_child(it, NS_DATA, "data");
	return NULL;
}

/* The account changed its avatar in PEP. */
static void
pep_changed(struct pep_ctx *c, const char *node)
{
	struct arena *a = pep_ctx_arena(c);
	const struct xml_node *meta, *info, *data;
	const char *type, *b64;

	meta = last_payload(c, NS_META, NS_META, "metadata", NULL);
	if (meta == NULL || xml_child(meta, NS_META, "info") == NULL) {
		/* Avatar withdrawn; a change of data alone says nothing. */
		if (strcmp(node, NS_META) != 0)
			return;
		if (vcard_set_photo(
		        pep_ctx_host(c), pep_ctx_user(c), NULL, NULL) == -1)
			log_info("event=avatar_copy_failed form=vcard");
		else
			photo_hash_set(pep_ctx_host(c), pep_ctx_user(c), "");
		return;
	}
	for (info = xml_child(meta, NS_META, "info"); info;
	     info = xml_next(info, NS_META, "info")) {
		if (xml_attr(info, "url") != NULL ||
		    (type = xml_attr(info, "type")) == NULL ||
		    (data = payload_of(c, NS_DATA, xml_attr(info, "id"))) ==
		        NULL ||
		    (b64 = xml_text(a, data)) == NULL ||
		    (b64 = squeeze(a, b64)) == NULL || *b64 == '\0')
			continue;
		if (vcard_set_photo(
		        pep_ctx_host(c), pep_ctx_user(c), type, b64) == -1)
			log_info("event=avatar_copy_failed form=vcard");
		else
			photo_hash_set(pep_ctx_host(c), pep_ctx_user(c),
			    xml_attr(info, "id"));
		return;
	}
}

static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* The MIME type and size the image header tells; 0 if it tells none. */
static const char *
sniff(const unsigned char *p, size_t n, uint32_t *w, uint32_t *h)
{
	static const unsigned char png[8] = {
	    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	size_t i;
	unsigned m;

	*w = *h = 0;
	if (n >= 24 && memcmp(p, png, 8) == 0 &&
	    memcmp(p + 12, "IHDR", 4) == 0) {
		*w = be32(p + 16);
		*h = be32(p + 20);
		return "image/png";
	}
	if (n < 4 || p[0] != 0xff || p[1] != 0xd8)
		return NULL;
	/* JPEG: walk the segments to the first start-of-frame. */
	for (i = 2; i + 9 <= n && p[i] == 0xff;) {
		m = p[i + 1];
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			i += 2;
			continue;
		}
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			*h = be16(p + i + 5);
			*w = be16(p + i + 7);
			break;
		}
		i += 2 + be16(p + i + 2);
	}
	return "image/jpeg";
}

/* A vCard PHOTO waiting for the account's PEP service. */
struct job {
	char *b64, *type; /* owned */
	char id[41];
	size_t bytes;
	uint32_t w, h;
};

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->b64);
	free(j->type);
	free(j);
}

static void
publish_job(struct pep_ctx *c, void *arg)
{
	struct job *j = arg;
	struct arena *a;
	struct xml_node *d, *m, *info;
	const char *now = NULL;
	char num[24];

	if (c == NULL)
		goto done;
	a = pep_ctx_arena(c);
	if (last_payload(c, NS_META, NS_META, "metadata", &now) != NULL &&
	    now != NULL && strcmp(now, j->id) == 0)
		goto done; /* the avatar already */
	if ((d = xml_new(a, NS_DATA, "data")) == NULL ||
	    xml_add_text(a, d, j->b64, strlen(j->b64)) == -1 ||
	    pep_ctx_publish(c, NS_DATA, j->id, d, NULL) == -1) {
		log_info("event=avatar_copy_failed form=pep");
		goto done;
	}
	if ((m = xml_new(a, NS_META, "metadata")) == NULL ||
	    (info = xml_add(a, m, NS_META, "info")) == NULL)
		goto done;
	snprintf(num, sizeof(num), "%zu", j->bytes);
	xml_set_attr(a, info, "bytes", num);
	xml_set_attr(a, info, "id", j->id);
	xml_set_attr(a, info, "type", j->type);
	if (j->w != 0 && j->h != 0) {
		snprintf(num, sizeof(num), "%u", (unsigned)j->w);
		xml_set_attr(a, info, "width", num);
		snprintf(num, sizeof(num), "%u", (unsigned)j->h);
		xml_set_attr(a, info, "height", num);
	}
	if (pep_ctx_publish(c, NS_META, j->id, m, NULL) == -1)
		log_info("event=avatar_copy_failed form=pep");
done:
	job_free(j);
}

/* The account set its vCard. */
/*
 * The PHOTO of vCard v: its base64 (in a), its bytes (malloc'd, *img) and
 * the SHA-1 hex of the bytes. 1 if there is a photo, 0 if none, -1 on
 * failure.
 */
static int
decode_photo(struct arena *a, const struct xml_node *v, const char **b64,
    unsigned char **img, long *n, char hex[41])
{
	const struct xml_node *ph = xml_child(v, NS_VCARD, "PHOTO"), *el;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t cap;

	*img = NULL;
	if (ph == NULL || (el = xml_child(ph, NS_VCARD, "BINVAL")) == NULL)
		return 0;
	if ((*b64 = xml_text(a, el)) == NULL ||
	    (*b64 = squeeze(a, *b64)) == NULL)
		return -1;
	if (**b64 == '\0')
		return 0;
	cap = strlen(*b64) / 4 * 3 + 3;
	if ((*img = malloc(cap)) == NULL ||
	    (*n = util_b64_decode(*b64, strlen(*b64), *img, cap)) <= 0 ||
	    EVP_Digest(*img, (size_t)*n, md, &mdlen, EVP_sha1(), NULL) != 1) {
		free(*img);
		*img = NULL;
		return -1;
	}
	util_hex(md, mdlen, hex);
	return 1;
}

static void photo_hash_set(const char *host, const char *user, const char *hex);

static void
vcard_changed(const char *host, const char *user, const struct xml_node *v)
{
	const struct xml_node *ph = xml_child(v, NS_VCARD, "PHOTO"), *el;
	struct arena *a;
	struct job *j = NULL;
	unsigned char *img = NULL;
	const char *b64, *type = NULL, *sniffed;
	char hex[41];
	long n;
	int r;

	if ((a = arena_new(1024)) == NULL)
		return;
	r = decode_photo(a, v, &b64, &img, &n, hex);
	if (r == 0 && ph != NULL) /* an emptied PHOTO: no avatar */
		photo_hash_set(host, user, "");
	if (r <= 0) {
		arena_free(a);
		return;
	}
	photo_hash_set(host, user, hex);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto fail;
	memcpy(j->id, hex, sizeof(j->id));
	j->bytes = (size_t)n;
	sniffed = sniff(img, (size_t)n, &j->w, &j->h);
	if ((el = xml_child(ph, NS_VCARD, "TYPE")) != NULL)
		type = squeeze(a, xml_text(a, el) ? xml_text(a, el) : "");
	if (type == NULL || *type == '\0')
		type = sniffed;
	if (type == NULL || (j->type = strdup(type)) == NULL ||
	    (j->b64 = strdup(b64)) == NULL)
		goto fail;
	if (pep_job(host, user, publish_job, j) == -1)
		goto fail;
	free(img);
	arena_free(a);
	return;
fail:
	log_info("event=avatar_copy_failed form=pep");
	job_free(j);
	free(img);
	arena_free(a);
}

/* --- XEP-0153: the photo hash in the account's presence --- */

/*
 * Per online account: the SHA-1 of its vCard photo, "" for none, or
 * unknown until the vCard has been read after the first bind. Clients
 * that add their own vcard-temp:x:update are left alone; for the others
 * the server adds it (XEP-0398 §4), so contacts on old clients see the
 * avatar change. Memory only.
 */
struct photo_state {
	int known;
	char hex[41];
};

static int photo_slot = -1;

static struct photo_state *
photo_state(const char *host, const char *user)
{
	char bare[2 * JID_PART_MAX + 2];
	struct account *acct;

	if (photo_slot < 0)
		return NULL;
	snprintf(bare, sizeof(bare), "%s@%s", user, host);
	acct = session_account(bare);
	return acct != NULL ? acct->slot[photo_slot] : NULL;
}

static void
photo_hash_set(const char *host, const char *user, const char *hex)
{
	struct photo_state *ps = photo_state(host, user);

	if (ps == NULL || hex == NULL || strlen(hex) >= sizeof(ps->hex))
		return;
	strcpy(ps->hex, hex);
	ps->known = 1;
}

struct photo_read {
	char *host, *user; /* owned */
};

static void
photo_read_done(void *arg, const struct store_res *r)
{
	struct photo_read *pr = arg;
	struct photo_state *ps = photo_state(pr->host, pr->user);
	struct arena *a = NULL;
	struct xml_node *v;
	unsigned char *img = NULL;
	const char *b64;
	char hex[41] = "";
	long n;

	if (ps != NULL && !ps->known) {
		if (r->status == STORE_OK && (a = arena_new(1024)) != NULL &&
		    (v = xml_parse_element(a, r->value, r->value_len, NULL)) !=
		        NULL &&
		    decode_photo(a, v, &b64, &img, &n, hex) >= 0)
			photo_hash_set(pr->host, pr->user, hex);
		else if (r->status == STORE_NOTFOUND)
			photo_hash_set(pr->host, pr->user, "");
	}
	free(img);
	arena_free(a);
	free(pr->host);
	free(pr->user);
	free(pr);
}

static void
photo_bind(struct session *s)
{
	struct account *acct = s->acct;
	struct photo_read *pr;

	if (acct->slot[photo_slot] != NULL)
		return;
	if ((acct->slot[photo_slot] = calloc(1, sizeof(struct photo_state))) ==
	    NULL)
		return;
	if ((pr = calloc(1, sizeof(*pr))) == NULL ||
	    (pr->host = strdup(acct->jid.domain)) == NULL ||
	    (pr->user = strdup(acct->jid.local)) == NULL ||
	    store_map_get(server.store, "vcard", pr->host, pr->user, "",
	        photo_read_done, pr) == NULL) {
		if (pr != NULL) {
			free(pr->host);
			free(pr->user);
		}
		free(pr);
	}
}

static void
photo_account_free(struct account *acct)
{
	free(acct->slot[photo_slot]);
	acct->slot[photo_slot] = NULL;
}

#define NS_UPDATE "vcard-temp:x:update"

/* Adds <x xmlns='vcard-temp:x:update'> to broadcast available presence
 * that has none; <photo/> only once the hash is known. */
static enum router_verdict
photo_presence(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	struct photo_state *ps;
	struct xml_node *x, *p;

	if (to != NULL || strcmp(st->name, "presence") != 0 ||
	    xml_attr(st, "type") != NULL ||
	    xml_child(st, NS_UPDATE, "x") != NULL ||
	    (ps = from->acct->slot[photo_slot]) == NULL)
		return ROUTER_PASS;
	if ((x = xml_add(a, st, NS_UPDATE, "x")) == NULL)
		return ROUTER_PASS;
	if (ps->known && (p = xml_add(a, x, NS_UPDATE, "photo")) != NULL &&
	    ps->hex[0] != '\0')
		xml_add_text(a, p, ps->hex, strlen(ps->hex));
	return ROUTER_PASS;
}

void
avatar_module_init(void)
{
	if ((photo_slot = session_slot()) >= 0) {
		session_on_bind(photo_bind);
		session_on_account_free(photo_account_free);
		router_add_out_filter(photo_presence);
	}
	pep_on_change(NS_META, pep_changed);
	pep_on_change(NS_DATA, pep_changed);
	vcard_on_set(vcard_changed);
	disco_add_feature(NS_CONVERSION, IQ_ACCOUNT);
}
