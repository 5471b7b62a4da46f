/*
 * sasl2: the wire side of XEP-0388 Extensible SASL Profile with its
 * inline extensions, Bind2 (XEP-0386), stream management resumption
 * (XEP-0198) and FAST (XEP-0484): the <authentication/> feature, and
 * <authenticate/> read into a plain request the stream acts on. The
 * exchange itself is sasl.c's (or fast.c's for token mechanisms); the
 * state changes are the stream's.
 */
#ifndef LETHE_SASL2_H
#define LETHE_SASL2_H

#include <stddef.h>
#include <stdint.h>

#define SASL2_NS "urn:xmpp:sasl:2"
#define BIND2_NS "urn:xmpp:bind:0"

struct arena;
struct buf;
struct xml_node;
typedef struct ssl_st SSL;

/* What <authenticate/> asked for; strings live in the stanza's arena. */
struct sasl2_req {
	const char *mech;
	const char *initial; /* base64, or NULL: no initial response */
	const char *ua_id; /* <user-agent id/>, or NULL */
	/* Bind2 */
	unsigned bind : 1;
	unsigned carbons : 1; /* <enable xmlns='urn:xmpp:carbons:2'/> */
	unsigned sm : 1; /* <enable xmlns='urn:xmpp:sm:3'/> */
	unsigned sm_resume : 1; /* ... resume='true' */
	unsigned sm_max; /* ... max, 0 if absent */
	const char *tag; /* <tag/>, or NULL */
	/* inline resumption */
	unsigned resume : 1;
	const char *previd;
	const char *h;
	/* FAST */
	const char *token_mech; /* <request-token mechanism/>, or NULL */
	unsigned fast : 1; /* <fast/> present */
	unsigned invalidate : 1;
	long long count; /* <fast count/>, -1 if absent */
};

/* Appends <authentication/> (mechanisms and inline features) for a TLS
 * session; fast_on says whether FAST is offered. */
void sasl2_features(SSL *ssl, struct buf *out);
/* Reads <authenticate/> into r. 0, or -1 if it is malformed (no
 * mechanism, a bad count, OOM). */
int sasl2_parse(
    struct arena *a, const struct xml_node *auth, struct sasl2_req *r);
/* A resource for Bind2: tag (or "lethe") + '.' + a short id that is the
 * same for the same (account, user-agent id) while the server runs, and
 * random when there is no id. Kept in memory only. out[cap]; -1 if the
 * tag does not fit. */
int sasl2_resource(const char *bare, const char *tag, const char *ua_id,
    char *out, size_t cap);

#endif
