/*
 * register: XEP-0077 for an authenticated account.
 *
 * get: the form says the account is registered (§3.2 needs nothing
 * more) and names its user. set with <remove/> (§3.2): the account is
 * erased; the result is written first, then every session of the account
 * is closed with <not-authorized/>. set with <username/> and <password/>
 * (§3.3): the password changes. Any other set (a registration) is
 * <not-allowed/>: it is not offered.
 *
 * A password change computes verifiers for every SCRAM hash with
 * scram_make_cred() on the storage thread (PBKDF2 must not block the
 * loop), then store_account_set_creds(): the fresh creds carry their
 * ClientKeys, and since the account is logged in (unlocked) the store
 * wraps its sealing key again under them, so no sealed data is lost.
 * The same path serves the control socket's "passwd JID PASSWORD-BASE64"
 * (lethectl passwd, src/ctl/ctl_passwd.c), where the account may be
 * offline: the store then makes new keys and deletes what was sealed
 * under the old ones, and says how many rows went.
 *
 * Requests come from a bound session and are addressed to its server
 * (what clients send) or its own bare JID; one to another account's bare
 * JID or another host is refused with <forbidden/>.
 */
#include "xmpp/register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/util.h"
#include "ctl/control.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/erase.h"
#include "xmpp/fast.h"
#include "xmpp/iq.h"
#include "xmpp/jid.h"
#include "xmpp/precis.h"
#include "xmpp/scram.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define NS_REGISTER "jabber:iq:register"
#define PASSWORD_MAX 1024 /* bytes, before normalization (as lethectl) */

/* --- changing a password --- */

typedef void (*pw_done_fn)(void *arg, enum store_status st, uint64_t deleted);

/* One change in flight; freed by pw_free() once the store answered. */
struct pw_change {
	char *host, *user; /* owned */
	char *password; /* owned, normalized; wiped once the creds exist */
	size_t len;
	unsigned iter;
	struct scram_cred creds[SCRAM_NHASH]; /* wiped on free */
	int made; /* creds computed */
	pw_done_fn done;
	void *arg;
};

static void
pw_free(struct pw_change *p)
{
	if (p == NULL)
		return;
	if (p->password != NULL) {
		util_wipe(p->password, p->len);
		free(p->password);
	}
	util_wipe(p->creds, sizeof(p->creds));
	free(p->host);
	free(p->user);
	free(p);
}

/* Storage thread: PBKDF2 for each hash. */
static void *
pw_work(void *ctx)
{
	struct pw_change *p = ctx;
	int h;

	for (h = 0; h < SCRAM_NHASH; h++)
		if (scram_make_cred((enum scram_hash)h, p->password, p->len,
		        p->iter, &p->creds[h]) < 0)
			return NULL;
	p->made = 1;
	return p;
}

static void
pw_set(void *arg, const struct store_res *r)
{
	struct pw_change *p = arg;

	/* A new password ends every token login made with the old one: a
	 * device the user no longer trusts must not keep a way in. */
	if (r->status == STORE_OK)
		fast_revoke(p->host, p->user, NULL, NULL, NULL);
	p->done(p->arg, r->status, r->status == STORE_OK ? r->count : 0);
	pw_free(p);
}

static void
pw_made(void *arg, const struct store_res *r)
{
	struct pw_change *p = arg;

	util_wipe(p->password, p->len);
	free(p->password);
	p->password = NULL;
	if (!p->made) {
		p->done(p->arg, STORE_ERR, 0);
		pw_free(p);
		return;
	}
	if (store_account_set_creds(server.store, p->host, p->user, p->creds,
	        SCRAM_NHASH, pw_set, p) == NULL) {
		p->done(p->arg, STORE_ERR, 0);
		pw_free(p);
	}
}

/*
 * Sets a new password (normalized, pw[len]; copied) for user@host and
 * calls done(arg, status, sealed rows deleted) once it is written:
 * STORE_OK, STORE_NOTFOUND (no such account) or STORE_ERR. 0, or -1
 * (nothing started, done not called).
 */
static int
pw_change(const char *host, const char *user, const char *pw, size_t len,
    pw_done_fn done, void *arg)
{
	struct pw_change *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->host = strdup(host);
	p->user = strdup(user);
	p->password = malloc(len + 1);
	if (p->host == NULL || p->user == NULL || p->password == NULL) {
		pw_free(p);
		return -1;
	}
	memcpy(p->password, pw, len);
	p->password[len] = '\0';
	p->len = len;
	p->iter = server.conf->scram_iterations;
	p->done = done;
	p->arg = arg;
	if (store_work(server.store, pw_work, p, pw_made, p) == NULL) {
		pw_free(p);
		return -1;
	}
	return 0;
}

/* --- XEP-0077 §3.3, by the logged-in account --- */

static void
changed(void *arg, enum store_status st, uint64_t deleted)
{
	struct iq_req *req = arg;

	(void)deleted;
	if (st == STORE_OK) {
		log_info("event=password_changed by=account");
		iq_reply(req, NULL);
	} else
		iq_error(req, "wait", "internal-server-error", NULL);
	iq_req_free(req);
}

/* The password's text in the stanza, wiped before the arena is freed. */
static void
wipe_text(struct xml_node *n)
{
	struct xml_node *t;

	for (t = n->children; t != NULL; t = t->next)
		if (t->name == NULL && t->text != NULL)
			util_wipe((void *)t->text, t->text_len);
}

static enum iq_status
change_password(struct iq_req *req, struct xml_node *un, struct xml_node *pn)
{
	struct session *s = req->from;
	char *name, *given, *pw = NULL;
	size_t plen = 0, n;

	if (un == NULL || pn == NULL) {
		iq_error(req, "modify", "bad-request",
		    "both username and password are required");
		return IQ_DONE;
	}
	name = xml_text(req->a, un);
	given = name != NULL ? jid_local_prep(name, strlen(name)) : NULL;
	if (given == NULL || strcmp(given, s->jid.local) != 0) {
		free(given);
		iq_error(req, "cancel", "not-authorized",
		    "only the account's own password can be changed");
		return IQ_DONE;
	}
	free(given);
	if ((name = xml_text(req->a, pn)) == NULL) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	n = strlen(name);
	if (n > PASSWORD_MAX ||
	    precis_enforce(PRECIS_OPAQUE_STRING, name, n, &pw, &plen) < 0) {
		util_wipe(name, n);
		wipe_text(pn);
		iq_error(req, "modify", "not-acceptable",
		    "the password is empty, too long or not allowed");
		return IQ_DONE;
	}
	util_wipe(name, n);
	wipe_text(pn);
	if (pw_change(s->jid.domain, s->jid.local, pw, plen, changed, req) <
	    0) {
		util_wipe(pw, plen);
		free(pw);
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	util_wipe(pw, plen);
	free(pw);
	return IQ_ASYNC;
}

static void
removed(void *arg, enum store_status status)
{
	struct iq_req *req = arg;

	/* The sender's session is still bound: closing comes after this. */
	if (status == STORE_ERR)
		iq_error(req, "wait", "internal-server-error", NULL);
	else
		iq_reply(req, NULL);
	iq_req_free(req);
}

static enum iq_status
register_iq(struct iq_req *req)
{
	struct session *s = req->from;
	struct xml_node *q, *x;
	int rc;

	if (s == NULL)
		return IQ_DONE;
	/* To one's own server (the usual form) or own account only. */
	if ((req->to.local != NULL &&
	        strcmp(req->to.local, s->jid.local) != 0) ||
	    strcmp(req->to.domain, s->jid.domain) != 0) {
		iq_error(req, "auth", "forbidden", NULL);
		return IQ_DONE;
	}
	if (!req->set) {
		if ((q = xml_new(req->a, NS_REGISTER, "query")) == NULL ||
		    xml_add(req->a, q, NS_REGISTER, "registered") == NULL ||
		    (x = xml_add(req->a, q, NS_REGISTER, "username")) == NULL) {
			iq_error(req, "wait", "internal-server-error", NULL);
			return IQ_DONE;
		}
		xml_add_text(req->a, x, s->jid.local, strlen(s->jid.local));
		iq_reply(req, q);
		return IQ_DONE;
	}
	if (xml_child(req->payload, NS_REGISTER, "remove") == NULL) {
		struct xml_node *un, *pn;

		un = xml_child(req->payload, NS_REGISTER, "username");
		pn = xml_child(req->payload, NS_REGISTER, "password");
		if (un != NULL || pn != NULL)
			return change_password(req, un, pn);
		iq_error(req, "cancel", "not-allowed",
		    "registration is not offered here");
		return IQ_DONE;
	}
	if (!server.conf->account_removal) {
		iq_error(req, "cancel", "not-allowed",
		    "accounts cannot delete themselves on this server");
		return IQ_DONE;
	}
	rc = erase_account(s->jid.domain, s->jid.local, removed, req);
	if (rc == -2) {
		iq_error(req, "wait", "conflict", "being deleted already");
		return IQ_DONE;
	}
	if (rc < 0) {
		iq_error(req, "wait", "internal-server-error", NULL);
		return IQ_DONE;
	}
	log_info("event=account_remove_requested");
	return IQ_ASYNC;
}

/* --- "passwd JID PASSWORD-BASE64" on the control socket --- */

/* The online flag is read when the change is asked for; the store
 * decides by the same state, and requests run in order. */
struct ctl_pw {
	struct control_req *req;
	int online;
};

static void
ctl_changed(void *arg, enum store_status st, uint64_t deleted)
{
	struct ctl_pw *c = arg;

	if (st == STORE_OK) {
		log_info("event=password_changed by=operator");
		control_line(c->req, "online=%d", c->online);
		control_line(
		    c->req, "deleted=%llu", (unsigned long long)deleted);
		control_done(c->req, 1, NULL);
	} else if (st == STORE_NOTFOUND)
		control_done(c->req, 0, "no such user");
	else
		control_done(c->req, 0, "database error");
	free(c);
}

static void
ctl_passwd(struct control_req *req, int argc, char **argv)
{
	char raw[PASSWORD_MAX + 1];
	char *pw = NULL;
	struct ctl_pw *c;
	struct jid j;
	size_t plen = 0;
	long n;

	if (control_account_arg(req, argc == 2 ? argv[0] : NULL, &j,
	        "usage: passwd JID PASSWORD-BASE64") < 0)
		return;
	n = util_b64_decode(argv[1], strlen(argv[1]), raw, sizeof(raw) - 1);
	util_wipe(argv[1], strlen(argv[1]));
	if (n <= 0 ||
	    precis_enforce(PRECIS_OPAQUE_STRING, raw, (size_t)n, &pw, &plen) <
	        0) {
		util_wipe(raw, sizeof(raw));
		jid_free(&j);
		control_done(req, 0, "the password is empty or not allowed");
		return;
	}
	util_wipe(raw, sizeof(raw));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		util_wipe(pw, plen);
		free(pw);
		jid_free(&j);
		control_done(req, 0, "out of memory");
		return;
	}
	c->req = req;
	{
		char bare[2 * JID_PART_MAX + 2];

		snprintf(bare, sizeof(bare), "%s@%s", j.local, j.domain);
		c->online = session_account(bare) != NULL;
	}
	if (pw_change(j.domain, j.local, pw, plen, ctl_changed, c) < 0) {
		free(c);
		control_done(req, 0, "out of memory");
	}
	util_wipe(pw, plen);
	free(pw);
	jid_free(&j);
}

void
register_module_init(void)
{
	if (server.conf != NULL && server.conf->registration)
		fatal("event=start_failed reason=registration_not_implemented "
		      "hint=set_[server]_registration_=_false");
	/* XEP-0077 §8: the server answers jabber:iq:register (removal and
	 * password change for its accounts). */
	if (iq_register(NS_REGISTER, "query", IQ_SERVER | IQ_ACCOUNT,
	        register_iq) == -1 ||
	    disco_add_feature(NS_REGISTER, IQ_SERVER) == -1 ||
	    control_register("passwd", ctl_passwd) == -1)
		fatal("register: cannot register the module");
}
