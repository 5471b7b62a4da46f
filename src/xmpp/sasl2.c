/*
 * sasl2: XEP-0388 features and <authenticate/> parsing, with the inline
 * requests of Bind2 (XEP-0386), XEP-0198 resumption and FAST (XEP-0484).
 *
 * The Bind2 resource suffix is derived, not stored: an HMAC under the
 * per-process secret of the account and the client's user-agent id, so
 * the same client gets the same resource until the server restarts and
 * nothing about it is written anywhere.
 */
#include "xmpp/sasl2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "xml/xml.h"
#include "xmpp/carbons.h"
#include "xmpp/fast.h"
#include "xmpp/sasl.h"
#include "xmpp/server.h"
#include "xmpp/sm.h"

#define CARBONS_NS "urn:xmpp:carbons:2"
/* Longest tag kept in a resource; longer ones are cut. */
#define TAG_MAX 64

void
sasl2_features(SSL *ssl, struct buf *out)
{
	buf_append_str(out, "<authentication xmlns='" SASL2_NS "'>");
	sasl_mechanism_list(ssl, out);
	buf_append_str(out,
	    "<inline><bind xmlns='" BIND2_NS "'><inline>"
	    "<feature var='" CARBONS_NS "'/><feature var='" SM_NS "'/>"
	    "</inline></bind><sm xmlns='" SM_NS "'/>");
	fast_features(ssl, out);
	buf_append_str(out, "</inline></authentication>");
}

static int
parse_count(const char *s, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int
truthy(const char *v)
{
	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

int
sasl2_parse(struct arena *a, const struct xml_node *auth, struct sasl2_req *r)
{
	const struct xml_node *c, *e;
	uint32_t max;

	memset(r, 0, sizeof(*r));
	r->count = -1;
	if ((r->mech = xml_attr(auth, "mechanism")) == NULL)
		return -1;
	if ((c = xml_child(auth, SASL2_NS, "initial-response")) != NULL &&
	    (r->initial = xml_text(a, c)) == NULL)
		return -1;
	if ((c = xml_child(auth, SASL2_NS, "user-agent")) != NULL)
		r->ua_id = xml_attr(c, "id");
	if ((c = xml_child(auth, BIND2_NS, "bind")) != NULL) {
		r->bind = 1;
		if ((e = xml_child(c, BIND2_NS, "tag")) != NULL &&
		    (r->tag = xml_text(a, e)) == NULL)
			return -1;
		if (xml_child(c, CARBONS_NS, "enable") != NULL)
			r->carbons = 1;
		if ((e = xml_child(c, SM_NS, "enable")) != NULL) {
			r->sm = 1;
			r->sm_resume = truthy(xml_attr(e, "resume"));
			if (sm_parse_h(xml_attr(e, "max"), &max) == 0)
				r->sm_max = max;
		}
	}
	if ((c = xml_child(auth, SM_NS, "resume")) != NULL) {
		r->resume = 1;
		r->previd = xml_attr(c, "previd");
		r->h = xml_attr(c, "h");
	}
	if ((c = xml_child(auth, FAST_NS, "request-token")) != NULL &&
	    (r->token_mech = xml_attr(c, "mechanism")) == NULL)
		return -1;
	if ((c = xml_child(auth, FAST_NS, "fast")) != NULL) {
		r->fast = 1;
		r->invalidate = truthy(xml_attr(c, "invalidate"));
		if (xml_attr(c, "count") != NULL &&
		    parse_count(xml_attr(c, "count"), &r->count) == -1)
			return -1;
	}
	return 0;
}

int
sasl2_resource(
    const char *bare, const char *tag, const char *ua_id, char *out, size_t cap)
{
	unsigned char mac[32];
	char id[9];
	unsigned len = 0;
	size_t tl;
	int n;

	if (tag == NULL || *tag == '\0')
		tag = "lethe";
	tl = strnlen(tag, TAG_MAX);
	if (ua_id != NULL && *ua_id != '\0') {
		struct buf b = BUF_INIT;

		buf_appendf(&b, "%s", bare);
		buf_append(&b, "", 1);
		buf_append_str(&b, ua_id);
		if (HMAC(EVP_sha256(), server.secret, sizeof(server.secret),
		        (const unsigned char *)buf_ptr(&b), buf_size(&b), mac,
		        &len) == NULL) {
			buf_free(&b);
			return -1;
		}
		buf_free(&b);
		util_hex(mac, 4, id);
	} else {
		util_random_id(id, 8);
	}
	n = snprintf(out, cap, "%.*s.%s", (int)tl, tag, id);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}
