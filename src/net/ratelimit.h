/*
 * ratelimit: abuse controls that store nothing (PRIVACY.md). Connections
 * and failed logins are counted per source address and per account, but
 * never under the address or the name: under an HMAC-SHA-256 of it with a
 * key that lives in memory only, is drawn at start and is replaced every
 * day (then every counter is wiped, so yesterday's keys lead nowhere).
 *
 * Counters live in fixed-size tables: memory is bounded whatever the
 * traffic, and when a table is full the oldest entry in the way goes.
 */
#ifndef LETHE_RATELIMIT_H
#define LETHE_RATELIMIT_H

#include <stddef.h>

struct loop;
struct conf_limits;

#define RATELIMIT_KEY_LEN 16 /* bytes of the HMAC kept */

struct ratelimit_key {
	unsigned char b[RATELIMIT_KEY_LEN];
	int set; /* 0: no key (e.g. rotated away); nothing is counted */
};

enum ratelimit_kind {
	RATELIMIT_CONNECT, /* connections per address per connection_window */
	RATELIMIT_LOGIN_ADDR, /* failed logins per address per account_window */
	RATELIMIT_LOGIN_ACCOUNT, /* failed logins per account, same window */
	RATELIMIT_NKINDS
};

/* Draws the first key and arms the daily rotation on loop l; limits are
 * read from lim at each check. 0 or -1. */
int ratelimit_init(struct loop *l, const struct conf_limits *lim);
/* Wipes the key and every table. */
void ratelimit_end(void);

/* The keyed hash of a socket address (IPv4-mapped IPv6 counts as IPv4).
 * The caller wipes its copy of the address right after. */
void ratelimit_key_addr(const void *sa, size_t salen, struct ratelimit_key *k);
/* The keyed hash of "user@host". */
void ratelimit_key_account(
    const char *host, const char *user, struct ratelimit_key *k);

/* 1 if k has reached the limit of kind within its window now. */
int ratelimit_over(enum ratelimit_kind kind, const struct ratelimit_key *k);
/* Counts one event of kind for k. */
void ratelimit_note(enum ratelimit_kind kind, const struct ratelimit_key *k);

/*
 * The address key of an accepted socket, recorded by listen at accept
 * and found again by SASL through the socket: no struct keeps the
 * address, only this hash, and only while the fd is in use.
 */
void ratelimit_fd_set(int fd, const struct ratelimit_key *k);
void ratelimit_fd_get(int fd, struct ratelimit_key *k);

#endif
