/*
 * erase: deleting an account, in this order.
 *
 * 1. The account is marked: from now on every stanza its sessions send
 *    is dropped (an out filter), so nothing new is written for it while
 *    it goes.
 * 2. The roster module tells its contacts (unavailable presence from each
 *    resource they could see, unsubscribe and unsubscribed as the
 *    subscriptions were) and removes its item from every roster it can
 *    load, with roster pushes (roster_forget).
 * 3. One store request deletes the account and every registered store's
 *    data it owns (PEP, archive, vCard, private XML, blocklist, push
 *    registrations, FAST tokens, offline messages waiting for it...),
 *    removes the roster rows of other accounts that still name it (those
 *    that were not loaded: their roster version is replaced so clients
 *    fetch everything again), and writes its tombstone.
 * 4. The caller's callback runs (an in-band request is answered), then
 *    each of its sessions gets the stream error <not-authorized/> with
 *    the text "account deleted" (XEP-0077 §3.2) and is closed; a
 *    detached (XEP-0198) session just ends.
 *
 * Sealed rosters (PRIVACY.md): step 2 reads the account's own roster
 * only if it is online (otherwise its roster is sealed and its contacts
 * cannot be known); a contact that is away gets the change in its
 * roster inbox. Step 3 finds roster rows only in rosters kept in clear,
 * since sealed ones have keyed-hash keys. Whatever names the account in
 * a roster step 2 did not reach goes at that contact's next login, when
 * the roster module finds the tombstone (so with [retention] tombstone
 * 0 such an entry stays).
 *
 * Offline messages it sent that wait for others are left: they belong to
 * their recipients.
 *
 * Invariant: an account is in `erasing` from step 1 until its sessions
 * are closed, and at most once.
 */
#include "xmpp/erase.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/util.h"
#include "ctl/control.h"
#include "xmpp/jid.h"
#include "xmpp/roster.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/stream.h"

struct erasing {
	char *host, *user, *bare; /* owned */
	erase_fn fn;
	void *arg;
	struct erasing *next;
};

static struct erasing *erasing;

static struct erasing *
find(const char *bare)
{
	struct erasing *e;

	for (e = erasing; e != NULL; e = e->next)
		if (strcmp(e->bare, bare) == 0)
			return e;
	return NULL;
}

static void
unlink_free(struct erasing *x)
{
	struct erasing **pp;

	for (pp = &erasing; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	free(x->host);
	free(x->user);
	free(x->bare);
	free(x);
}

/* Step 4: every session of the account ends. Full JIDs are collected
 * first: closing a stream may unbind its session and free the account. */
static void
close_sessions(const char *bare)
{
	struct account *a = session_account(bare);
	struct session *s;
	char **full;
	size_t n = 0, i;

	if (a == NULL || a->nsessions == 0)
		return;
	if ((full = calloc(a->nsessions, sizeof(*full))) == NULL)
		return;
	for (s = a->sessions; s != NULL && n < a->nsessions; s = s->next)
		if ((full[n] = strdup(s->full)) != NULL)
			n++;
	for (i = 0; i < n; i++) {
		if ((s = session_find_str(full[i])) != NULL)
			stream_error(
			    s->stream, "not-authorized", "account deleted");
		free(full[i]);
	}
	free(full);
}

static void
erased(void *arg, const struct store_res *r)
{
	struct erasing *x = arg;

	if (r->status == STORE_ERR)
		log_err("event=account_erase_failed");
	else
		log_info("event=account_erased rows=%llu",
		    (unsigned long long)r->count);
	x->fn(x->arg, r->status);
	if (r->status != STORE_ERR)
		close_sessions(x->bare);
	unlink_free(x);
}

/* Step 3, once the rosters are done with. */
static void
forgotten(void *arg)
{
	struct erasing *x = arg;
	struct store_res r = {.status = STORE_ERR};
	struct store_erase e = {0};
	char ver[16];

	/* A fresh epoch: any version a contact's client cached differs. */
	util_random_id(ver, 8);
	memcpy(ver + 8, "-0", 3);
	e.forget_store = ROSTER_STORE;
	e.ver_key = ROSTER_VER_KEY;
	e.ver = ver;
	e.ver_len = strlen(ver);
	e.tombstone_ttl = server.conf->retention.tombstone;
	if (store_account_erase(
	        server.store, x->host, x->user, &e, erased, x) == NULL)
		erased(x, &r);
}

int
erase_account(const char *host, const char *user, erase_fn fn, void *arg)
{
	struct erasing *x;
	size_t n = strlen(user) + strlen(host) + 2;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	if ((x->host = strdup(host)) == NULL ||
	    (x->user = strdup(user)) == NULL || (x->bare = malloc(n)) == NULL) {
		free(x->host);
		free(x->user);
		free(x);
		return -1;
	}
	snprintf(x->bare, n, "%s@%s", user, host);
	if (find(x->bare) != NULL) {
		free(x->host);
		free(x->user);
		free(x->bare);
		free(x);
		return -2;
	}
	x->fn = fn;
	x->arg = arg;
	x->next = erasing;
	erasing = x;
	if (roster_forget(x->bare, forgotten, x) == -1)
		forgotten(x); /* the store still removes the roster rows */
	return 0;
}

/* Step 1: an account being erased sends nothing more. */
static enum router_verdict
drop_erasing(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	(void)st;
	(void)a;
	(void)to;
	return erasing != NULL && find(from->acct->bare) != NULL ? ROUTER_STOP
	                                                         : ROUTER_PASS;
}

/* --- "deluser JID" on the control socket --- */

static void
ctl_erased(void *arg, enum store_status status)
{
	struct control_req *req = arg;

	if (status == STORE_OK)
		control_done(req, 1, NULL);
	else if (status == STORE_NOTFOUND)
		control_done(req, 0, "no such user");
	else
		control_done(req, 0, "database error");
}

static void
ctl_deluser(struct control_req *req, int argc, char **argv)
{
	struct jid j;
	int rc;

	if (control_account_arg(
	        req, argc == 1 ? argv[0] : NULL, &j, "usage: deluser JID") < 0)
		return;
	rc = erase_account(j.domain, j.local, ctl_erased, req);
	jid_free(&j);
	if (rc == -2)
		control_done(req, 0, "being deleted already");
	else if (rc < 0)
		control_done(req, 0, "out of memory");
}

void
erase_module_init(void)
{
	if (router_add_out_filter(drop_erasing) == -1 ||
	    control_register("deluser", ctl_deluser) == -1)
		fatal("erase: cannot register the module");
}
