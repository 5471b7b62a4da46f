/*
 * inactive: accounts nobody logs in to are deleted after [server]
 * inactive_expiry (off by default), after a warning message; only the ISO
 * week of each account's last login is stored (see inactive.c).
 */
#ifndef LETHE_INACTIVE_H
#define LETHE_INACTIVE_H

struct loop;

/* Registers the store and the bind hook when the feature is on. */
void inactive_module_init(void);
/* Starts the periodic check on loop l (no-op when off). */
void inactive_start(struct loop *l);
/* Stops it; completions still pending afterwards do nothing. */
void inactive_stop(void);

#endif
