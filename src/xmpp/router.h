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

#endif
