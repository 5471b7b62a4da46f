/*
 * retention: the one engine that forgets on schedule. Every store with a
 * retention takes it from the configuration ([retention] section) at
 * start-up, a timer sweeps expired rows a bounded batch at a time, and
 * the server's disco#info advertises each store's retention in a
 * XEP-0128 form (FORM_TYPE urn:lethe:retention:0), so clients and the
 * privacy report say the same thing the sweeper does. Reads filter
 * expired rows themselves (db.c), so the sweep only frees space: an
 * expired item is never served between sweeps.
 */
#ifndef LETHE_RETENTION_H
#define LETHE_RETENTION_H

#include <stdint.h>

struct conf;
struct loop;
struct store;

#define RETENTION_FORM_TYPE "urn:lethe:retention:0"

/*
 * Sets every registered store's retention from c. Call after
 * modules_init() (every store registered) and before store_open(), in
 * the daemon and in lethectl alike. Returns the number of registered
 * stores that keep a built-in retention no configuration key sets (each
 * logged as a warning), 0 when every retention comes from c.
 */
int retention_configure(const struct conf *c);
/* The configuration key ("[retention] offline") that sets store name's
 * retention, or NULL if none does. */
const char *retention_conf_key(const char *name);
/* Starts the periodic sweep on l over st; call once after store_open. */
void retention_start(struct loop *l, struct store *st);
/* Stops the sweep timer (before store_close). */
void retention_stop(void);

void retention_module_init(void);

#endif
