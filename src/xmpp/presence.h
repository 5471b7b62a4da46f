/*
 * presence: RFC 6121 §4: initial presence (probes and broadcast by
 * subscription state), presence updates, directed presence and its
 * unavailable on logout, unavailable broadcast when a session ends for any
 * reason, and the subscription stanzas (§3) together with the roster.
 */
#ifndef LETHE_PRESENCE_H
#define LETHE_PRESENCE_H

struct account;
struct session;

/*
 * Hooks run after a session sent its initial presence: each time it
 * becomes available (its first available presence, or the first one
 * after an unavailable presence), once the broadcast and probes are done;
 * offline messages are delivered here. -1 when the table is full.
 */
typedef void (*presence_fn)(struct session *s);
int presence_on_initial(presence_fn fn);

/*
 * Hooks run after every available presence a session sends (initial or
 * update), once it is stored on the session and broadcast, before the
 * initial hooks. -1 when the table is full.
 */
int presence_on_available(presence_fn fn);

/* Sends the current presence of each available resource of a (or
 * unavailable presence from each) to one contact's bare JID; used when a
 * block is lifted or set (XEP-0191). Current presence goes only to a
 * contact subscribed to a's presence (from or both); unavailable goes
 * regardless. a NULL is a no-op. */
void presence_send_current(struct account *a, const char *to_bare);
void presence_send_unavailable(struct account *a, const char *to_bare);

void presence_module_init(void);

#endif
