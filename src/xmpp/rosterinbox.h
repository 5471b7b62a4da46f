/*
 * rosterinbox: roster changes waiting for an account whose roster cannot
 * be read (sealed, and the account has no session: PRIVACY.md, "Sealed
 * records"). Another account's subscription stanza, or the erasure of a
 * contact, is appended here, sealed to the owner, and taken in order at
 * the owner's next login, before its roster is served. Only the kind of
 * change and the peer's bare JID are kept (never status text), and at
 * most [limits] roster_items entries per account, so a stranger cannot
 * make it grow without bound.
 */
#ifndef LETHE_ROSTERINBOX_H
#define LETHE_ROSTERINBOX_H

#include <stddef.h>

#include "store/store.h"

struct buf;

#define ROSTERINBOX_STORE "roster_inbox"

enum rosterinbox_kind {
	/* The four subscription stanzas of RFC 6121 §3, as the contact's
	 * server receives them. */
	RI_SUBSCRIBE = 0,
	RI_SUBSCRIBED,
	RI_UNSUBSCRIBE,
	RI_UNSUBSCRIBED,
	RI_GONE, /* the peer's account was erased here */
};

struct rosterinbox_entry {
	enum rosterinbox_kind kind;
	const char *peer; /* normalized bare JID */
};

/*
 * Appends one change for (host, user) from peer. Failures (the quota,
 * the database) are logged and the change is dropped: the sender is
 * never told anything about the owner. 0, or -1 if it could not be
 * queued.
 */
int rosterinbox_put(const char *host, const char *user,
    enum rosterinbox_kind kind, const char *peer);

/*
 * Reads every change waiting for (host, user), oldest first, and calls
 * fn(arg, status, entries, n) once: STORE_OK with the entries (valid
 * during the call), or the store's status with none (STORE_LOCKED,
 * STORE_ERR). If fn returns non-zero (it applied them) the entries are
 * deleted, after it, so their effects (written by fn) are queued before
 * the deletes; 0 keeps them for the next take. -1 if nothing could be
 * queued (fn will not run).
 */
typedef int (*rosterinbox_fn)(void *arg, enum store_status status,
    const struct rosterinbox_entry *e, size_t n);
int rosterinbox_take(
    const char *host, const char *user, rosterinbox_fn fn, void *arg);

/* The stored form of one entry, and back (peer points into v, not
 * NUL-terminated; *peer_len its length). 0, or -1 if malformed. */
int rosterinbox_encode(
    enum rosterinbox_kind kind, const char *peer, struct buf *out);
int rosterinbox_decode(const void *v, size_t n, enum rosterinbox_kind *kind,
    const char **peer, size_t *peer_len);

/* Registers the store (called by roster_module_init). */
void rosterinbox_init(void);

#endif
