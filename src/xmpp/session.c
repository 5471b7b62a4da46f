/*
 * session: the table of online accounts (bare JID → struct account) and
 * their resources. Lookups by full JID go through the account. The table
 * lives in memory only; it is the whole of what the server knows about
 * who is connected.
 */
#include "xmpp/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/util.h"
#include "xmpp/stream.h"

#define HOOKS_MAX 16

static struct hash *accounts;
static size_t nsessions;
static session_fn bind_hooks[HOOKS_MAX], unbind_hooks[HOOKS_MAX];
static session_account_fn free_hooks[HOOKS_MAX];
static size_t nbind, nunbind, nfree;
static int nslots;

int
session_on_bind(session_fn fn)
{
	if (nbind == HOOKS_MAX)
		return -1;
	bind_hooks[nbind++] = fn;
	return 0;
}

int
session_on_unbind(session_fn fn)
{
	if (nunbind == HOOKS_MAX)
		return -1;
	unbind_hooks[nunbind++] = fn;
	return 0;
}

int
session_on_account_free(session_account_fn fn)
{
	if (nfree == HOOKS_MAX)
		return -1;
	free_hooks[nfree++] = fn;
	return 0;
}

void
session_bound(struct session *s)
{
	size_t i;

	for (i = 0; i < nbind; i++)
		bind_hooks[i](s);
}

int
session_slot(void)
{
	return nslots < SESSION_SLOTS ? nslots++ : -1;
}

int
session_init(void)
{
	if (accounts == NULL && (accounts = hash_new()) == NULL)
		return -1;
	return 0;
}

size_t
session_count(void)
{
	return nsessions;
}

struct account *
session_account(const char *bare)
{
	return accounts ? hash_get(accounts, bare) : NULL;
}

struct session *
session_find(const struct jid *full)
{
	char bare[2 * JID_PART_MAX + 2];
	struct account *a;
	struct session *s;

	if (full->local == NULL || full->resource == NULL)
		return NULL;
	snprintf(bare, sizeof(bare), "%s@%s", full->local, full->domain);
	if ((a = session_account(bare)) == NULL)
		return NULL;
	for (s = a->sessions; s != NULL; s = s->next)
		if (strcmp(s->jid.resource, full->resource) == 0)
			return s;
	return NULL;
}

struct session *
session_find_str(const char *full)
{
	struct jid j;
	struct session *s;

	if (jid_parse(full, strlen(full), &j) == -1)
		return NULL;
	s = session_find(&j);
	jid_free(&j);
	return s;
}

static struct account *
account_get(const char *local, const char *domain)
{
	char bare[2 * JID_PART_MAX + 2];
	struct account *a;

	snprintf(bare, sizeof(bare), "%s@%s", local, domain);
	if ((a = session_account(bare)) != NULL)
		return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->bare = strdup(bare)) == NULL ||
	    jid_make(&a->jid, local, domain, NULL) == -1 ||
	    hash_put(accounts, a->bare, a) == -1) {
		jid_free(&a->jid);
		free(a->bare);
		free(a);
		return NULL;
	}
	return a;
}

static void
account_put(struct account *a)
{
	size_t i;

	if (a->sessions != NULL)
		return;
	for (i = 0; i < nfree; i++)
		free_hooks[i](a);
	hash_del(accounts, a->bare);
	jid_free(&a->jid);
	free(a->bare);
	free(a);
}

struct session *
session_bind(struct stream *st, const char *local, const char *domain,
    const char *resource, size_t max_resources, enum session_bind_err *err)
{
	char gen[17], *res;
	struct account *a;
	struct session *s, *old;
	struct jid full;
	size_t n;

	if (resource == NULL || *resource == '\0') {
		util_random_id(gen, 16);
		res = strdup(gen);
	} else {
		res = jid_resource_prep(resource, strlen(resource));
	}
	if (res == NULL) {
		*err = SESSION_BAD_RESOURCE;
		return NULL;
	}
	if (jid_make(&full, local, domain, res) == -1) {
		free(res);
		*err = SESSION_BAD_RESOURCE;
		return NULL;
	}
	free(res);
	if ((a = account_get(local, domain)) == NULL)
		goto nomem;
	old = session_find(&full);
	if (old == NULL && max_resources > 0 && a->nsessions >= max_resources) {
		jid_free(&full);
		account_put(a);
		*err = SESSION_TOO_MANY;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem_acct;
	n = strlen(local) + strlen(domain) + strlen(full.resource) + 3;
	if ((s->full = malloc(n)) == NULL) {
		free(s);
		goto nomem_acct;
	}
	snprintf(s->full, n, "%s@%s/%s", local, domain, full.resource);
	s->jid = full;
	s->stream = st;
	s->acct = a;
	if (old != NULL) {
		/* RFC 6120 §7.7.2.2: the new session wins. Unlink the old
		 * one now; its stream frees it when it closes. */
		stream_error(
		    old->stream, "conflict", "replaced by a new connection");
	}
	s->next = a->sessions;
	a->sessions = s;
	a->nsessions++;
	nsessions++;
	*err = SESSION_OK;
	return s;
nomem_acct:
	account_put(a);
nomem:
	jid_free(&full);
	*err = SESSION_NOMEM;
	return NULL;
}

void
session_unbind(struct session *s)
{
	struct session **p;
	struct account *a;
	size_t i;

	if (s == NULL)
		return;
	a = s->acct;
	for (p = &a->sessions; *p != NULL; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			a->nsessions--;
			nsessions--;
			break;
		}
	}
	for (i = 0; i < nunbind; i++)
		unbind_hooks[i](s);
	account_put(a);
	arena_free(s->pres_arena);
	jid_free(&s->jid);
	free(s->full);
	free(s);
}
