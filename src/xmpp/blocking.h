/*
 * blocking: XEP-0191 blocklists. Each account's list is read from the
 * store when its first session binds and cached on the account while it
 * is online; the account's traffic waits until it is loaded, so there is
 * no moment in which a block is not enforced. Enforcement runs in the
 * router's outbound and inbound filters.
 */
#ifndef LETHE_BLOCKING_H
#define LETHE_BLOCKING_H

/* Registers the IQ handlers, the store, the router filters, the session
 * hooks and the disco feature. Needs server.conf. */
void blocking_module_init(void);

#endif
