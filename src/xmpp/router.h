/*
 * router: decides where a stanza goes by RFC 6120 §10 and RFC 6121 §8:
 * the server itself, a local account (bare JID), a local resource (full
 * JID), or a remote domain (not reachable until federation exists).
 * Modules may take a stanza on the way through hooks (router_hook).
 */
#ifndef LETHE_ROUTER_H
#define LETHE_ROUTER_H

struct session;
struct xml_node;
struct arena;
struct jid;

/*
 * Routes a stanza sent by session `from` (its 'from' already stamped).
 * Takes ownership of arena a, which holds the stanza.
 */
void router_route(struct session *from, struct xml_node *st, struct arena *a);

/*
 * Routes a message on behalf of the server to a local bare JID by RFC
 * 6121 §8.5.2: its available resources, else the offline handler. No
 * session sent it, so errors are dropped. Takes ownership of arena a.
 * (Stream management re-routes unacknowledged messages with this.)
 */
void router_route_bare(
    struct xml_node *st, struct arena *a, const struct jid *to);

/* Writes the stanza to one session (serialized in the client namespace). */
void router_deliver(struct session *to, const struct xml_node *st);

/*
 * Replies to `st` (sent by `from`) with a stanza error of type `type`
 * ("cancel", "modify", "auth", "wait") and defined condition `cond`; text
 * may be NULL. No reply is made to an error stanza.
 */
void router_error(struct session *from, const struct xml_node *st,
    struct arena *a, const char *type, const char *cond, const char *text);

/*
 * Builds an error reply to `st` in arena a, addressed from `st`'s 'to'
 * (or `self` when absent) to its 'from'. NULL for an error stanza.
 */
struct xml_node *router_make_error(struct arena *a, const struct xml_node *st,
    const char *type, const char *cond, const char *text);

/* --- hooks for modules (registered at module init) --- */

enum router_verdict { ROUTER_PASS = 0, ROUTER_STOP };

/*
 * Outbound filter: runs on every stanza a local session sends, after
 * 'from' is stamped and 'to' parsed (to is NULL when there is no 'to'),
 * before any routing. ROUTER_STOP means the filter dealt with the stanza
 * (replied with an error, or dropped it); the router still frees arena a.
 */
typedef enum router_verdict (*router_out_fn)(struct session *from,
    struct xml_node *st, struct arena *a, const struct jid *to);
int router_add_out_filter(router_out_fn fn);

/*
 * Inbound filter: runs before any stanza is written to a local session,
 * whoever sent it (another session, the server, a module). ROUTER_STOP
 * suppresses that one delivery.
 */
typedef enum router_verdict (*router_in_fn)(
    struct session *to, const struct xml_node *st);
int router_add_in_filter(router_in_fn fn);

/*
 * Handlers that take over one kind of routing; each takes ownership of
 * arena a. offline: a normal or chat message to a local bare JID with no
 * available resource (`to` is that bare JID; without a handler the sender
 * gets <service-unavailable/>). presence: every presence stanza from a
 * local session (to NULL when it had no 'to'); without a handler
 * presence is dropped.
 */
typedef void (*router_take_fn)(struct session *from, struct xml_node *st,
    struct arena *a, const struct jid *to);
void router_set_offline(router_take_fn fn);
void router_set_presence(router_take_fn fn);

#endif
