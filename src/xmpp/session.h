/*
 * session: bound resources. An account with at least one bound resource
 * has a struct account, found by its bare JID; each resource is a struct
 * session owned by its stream. Nothing here is ever written to disk.
 *
 * Invariants: a full JID names at most one session; an account exists
 * exactly while it has sessions.
 */
#ifndef LETHE_SESSION_H
#define LETHE_SESSION_H

#include <stddef.h>

#include "xmpp/jid.h"

struct stream;
struct arena;
struct xml_node;

struct account;

/* Per-module data hung on a session or an account (see session_slot()). */
#define SESSION_SLOTS 8

struct session {
	struct stream *stream; /* the owner */
	struct jid jid; /* full JID, owned */
	char *full; /* "local@domain/resource", owned */
	struct account *acct;
	int priority;
	unsigned available : 1; /* sent initial presence, not unavailable */
	/* Resumable (XEP-0198) with no live connection: stanzas for it are
	 * queued, and push (XEP-0357) may wake its client. */
	unsigned detached : 1;
	struct arena *pres_arena; /* owned: holds `presence` */
	struct xml_node *presence; /* last available presence, or NULL */
	struct session *next; /* in acct->sessions */
	void *slot[SESSION_SLOTS]; /* module data; each module frees its own */
};

struct account {
	char *bare; /* "local@domain", owned; the hash key */
	struct jid jid; /* the bare JID, owned */
	struct session *sessions;
	size_t nsessions;
	void *slot[SESSION_SLOTS]; /* module data; each module frees its own */
};

int session_init(void);

enum session_bind_err {
	SESSION_OK = 0,
	SESSION_BAD_RESOURCE, /* <bad-request/> */
	SESSION_TOO_MANY, /* <resource-constraint/> */
	SESSION_NOMEM, /* <internal-server-error/> */
};

/*
 * Binds resource (NULL or "": server-generated) for local@domain to
 * stream. A session already bound to the same full JID is replaced: its
 * stream gets a <conflict/> stream error. Returns the session or NULL
 * with *err set.
 */
struct session *session_bind(struct stream *st, const char *local,
    const char *domain, const char *resource, size_t max_resources,
    enum session_bind_err *err);
/* Removes s from its account and frees it. NULL is a no-op. */
void session_unbind(struct session *s);

/*
 * Module hooks. on_bind runs after a resource is bound (its stream can be
 * written to); on_unbind runs when the session ends for any reason, after
 * it left its account's list (its stream can no longer be written to);
 * on_account_free runs when an account's last session is gone, before the
 * account is freed. Each returns -1 when the table is full.
 */
typedef void (*session_fn)(struct session *s);
typedef void (*session_account_fn)(struct account *a);
int session_on_bind(session_fn fn);
/* Runs the on_bind hooks; the stream calls it once the bind result is
 * written. */
void session_bound(struct session *s);
int session_on_unbind(session_fn fn);
int session_on_account_free(session_account_fn fn);
/* A slot index for a module's data in session->slot[] and
 * account->slot[]; -1 when none is left. Call at module init. */
int session_slot(void);

/* The online account for a bare JID string, or NULL. */
struct account *session_account(const char *bare);
/* The session for a full JID, or NULL. */
struct session *session_find(const struct jid *full);
struct session *session_find_str(const char *full);
/* Online accounts and sessions (metrics). */
size_t session_count(void);

#endif
