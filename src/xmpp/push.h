/*
 * push: push notifications (XEP-0357, urn:xmpp:push:0). A client
 * registers an app server (a JID and a node); while its account has no
 * session, or only detached ones (stream management waiting for a
 * resumption), a message with a body or an encrypted payload makes the
 * server publish a content-free notification to each registration.
 */
#ifndef LETHE_PUSH_H
#define LETHE_PUSH_H

/* Registers the store, the IQ handlers, the router filter and the disco
 * feature; nothing when [limits] push_registrations is 0. */
void push_module_init(void);

#endif
