/*
 * erase: what happens when an account is deleted, whoever asks (the
 * account itself by XEP-0077 <remove/>, or the operator through lethectl
 * and the control socket). Its contacts are told and lose their roster
 * items, everything it owns goes through the store registry in one
 * transaction with a tombstone of its name, then its sessions are closed.
 */
#ifndef LETHE_ERASE_H
#define LETHE_ERASE_H

#include "store/store.h"

/*
 * Called once the data is gone (status STORE_OK, STORE_NOTFOUND when there
 * was no such account, STORE_ERR), before the account's sessions are
 * closed: an in-band request answers its IQ here, so that answer is the
 * last thing its stream reads before the stream error.
 */
typedef void (*erase_fn)(void *arg, enum store_status status);

/*
 * Erases user@host (normalized). 0: fn(arg, ...) will run once; -1 out of
 * memory, -2 the account is being erased already (fn will not run).
 */
int erase_account(const char *host, const char *user, erase_fn fn, void *arg);

void erase_module_init(void);

#endif
