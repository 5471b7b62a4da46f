/*
 * roster: contact lists (RFC 6121 §2) and the subscription state machine
 * (§3). The roster of an account is read from the store when its first
 * session binds and cached on the account while it is online; every
 * change is written through. This header is what other modules may ask
 * of it.
 */
#ifndef LETHE_ROSTER_H
#define LETHE_ROSTER_H

struct account;

enum roster_sub {
	ROSTER_NONE = 0,
	ROSTER_TO = 1,   /* the account sees the contact's presence */
	ROSTER_FROM = 2, /* the contact sees the account's presence */
	ROSTER_BOTH = 3,
};

/* The subscription of online account a with the contact's bare JID
 * (ROSTER_NONE when not in the roster or not loaded yet). */
enum roster_sub roster_subscription(struct account *a,
    const char *contact_bare);

void roster_module_init(void);

#endif
