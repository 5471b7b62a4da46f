/*
 * iq: IQ handlers by payload namespace. A module registers what it
 * answers and where: for the server itself (to = a local domain) or for
 * an account (to = a local bare JID, or no 'to' at all, which RFC 6120
 * §10.3.3 treats as the sender's own account). An unhandled get/set is
 * answered <service-unavailable/>.
 */
#ifndef LETHE_IQ_H
#define LETHE_IQ_H

#include "xmpp/jid.h"

struct arena;
struct session;
struct xml_node;

enum { IQ_SERVER = 1, IQ_ACCOUNT = 2 };

struct iq_req {
	struct session *from; /* the sender; NULL once it has gone (async) */
	char *from_full; /* in a: to find the sender again later */
	struct xml_node *iq; /* the stanza */
	struct xml_node *payload; /* its single child */
	struct jid to; /* resolved target (bare for accounts) */
	int set; /* type='set' */
	struct arena *a; /* owns everything above */
};

enum iq_status {
	IQ_DONE = 0, /* replied; the dispatcher frees the request */
	IQ_ASYNC, /* the handler keeps req and calls iq_reply* later */
	IQ_UNHANDLED, /* <service-unavailable/> */
};

typedef enum iq_status (*iq_fn)(struct iq_req *req);

/* Registers fn for payloads {ns}name (name NULL: any) at `where`. */
int iq_register(const char *ns, const char *name, unsigned where, iq_fn fn);

/*
 * Dispatches a get/set addressed to `where`. Takes ownership of the
 * request's arena in every case.
 */
void iq_dispatch(struct session *from, struct xml_node *iq,
    const struct jid *to, unsigned where, struct arena *a);

/*
 * Sends a result with payload (built in req->a; may be NULL), or an
 * error, to the sender if it is still connected. Neither frees the
 * request: a handler returning IQ_DONE leaves that to the dispatcher; an
 * IQ_ASYNC handler calls iq_req_free() after replying.
 */
void iq_reply(struct iq_req *req, struct xml_node *payload);
void iq_error(
    struct iq_req *req, const char *type, const char *cond, const char *text);
/* Frees a request (its arena holds it). */
void iq_req_free(struct iq_req *req);

#endif
