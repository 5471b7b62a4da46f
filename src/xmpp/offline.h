/*
 * offline: messages kept for an account while none of its resources is
 * available (XEP-0160, RFC 6121 §8.5.2.2), delivered with a XEP-0203
 * delay stamp at its next non-negative initial presence, then deleted.
 * Kept in one archive store with the [retention] offline expiry and the
 * [limits] offline_messages quota.
 */
#ifndef LETHE_OFFLINE_H
#define LETHE_OFFLINE_H

/* Registers the store, the router's offline handler, the presence hook
 * and the disco feature. Needs server.conf. */
void offline_module_init(void);

#endif
