/*
 * server: the process-wide context every XMPP module reaches: the loop,
 * the configuration in force, the store and the TLS contexts. One per
 * process; set up by main before any stream is accepted.
 */
#ifndef LETHE_SERVER_H
#define LETHE_SERVER_H

#include <stdint.h>

struct loop;
struct conf;
struct store;
struct tls_ctx;

struct server {
	struct loop *loop;
	const struct conf *conf;
	struct store *store;
	struct tls_ctx *tls;
	int64_t started; /* for uptime only */
	unsigned char secret[32]; /* in memory only: fake SCRAM salts */
};

extern struct server server;

/* 1 if domain (normalized) is one of our virtual hosts. */
int server_is_local(const char *domain);

#endif
