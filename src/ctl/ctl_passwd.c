/*
 * ctl_passwd: `lethectl passwd JID [--yes]`, an operator's password reset.
 *
 * The account's sealed data (PRIVACY.md, "Sealed records") is opened by
 * keys wrapped under the old password's ClientKeys, which nobody but the
 * user holds. A reset therefore keeps that data only if the account is
 * unlocked right now (a logged-in or resumable session: the daemon wraps
 * the key again under the new password); otherwise new keys are made and
 * everything sealed under the old ones is deleted. When the account has
 * sealing keys the tool says so and wants a typed "yes" on a terminal, or
 * --yes (or -y); without either it refuses before reading a password and
 * changes nothing.
 *
 * With the daemon running the change goes through its control socket
 * ("passwd JID PASSWORD-BASE64": the daemon computes the verifiers and
 * calls store_account_set_creds(), which knows whether the account is
 * unlocked). Without a daemon nobody is online: verifiers and new keys
 * are written in one transaction (db_account_set_creds + db_seal_reset).
 * Every copy of the password is wiped before exit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/util.h"
#include "ctl/control.h"
#include "ctl/ctl.h"
#include "store/db.h"
#include "xmpp/jid.h"
#include "xmpp/scram.h"

#define PASSWD_B64_MAX 2048 /* the encoded password in a control request */

static const char warning[] =
    "%s@%s has sealed data: its roster, pending subscriptions, blocklist,\n"
    "offline messages, archive, private XML and bookmarks can only be\n"
    "opened with the old password. If the user is logged in right now the\n"
    "data is kept; otherwise a new password deletes it for good.\n";

/* What the daemon reported. */
struct outcome {
	int online; /* the account was unlocked: its keys were wrapped again */
	uint64_t deleted; /* sealed rows deleted */
	int seen;
};

static void
on_line(void *arg, const char *l)
{
	struct outcome *o = arg;

	if (strncmp(l, "online=", 7) == 0) {
		o->online = strcmp(l + 7, "1") == 0;
		o->seen = 1;
	} else if (strncmp(l, "deleted=", 8) == 0)
		o->deleted = strtoull(l + 8, NULL, 10);
}

/* "yes" typed in full on the terminal; anything else declines. */
static int
confirm_yes(void)
{
	char line[16];
	ssize_t r;
	size_t n = 0;
	char ch;

	fputs("Type yes to set the new password: ", stderr);
	fflush(stderr);
	for (;;) {
		r = read(STDIN_FILENO, &ch, 1);
		if (r <= 0 || ch == '\n')
			break;
		if (n + 1 < sizeof(line))
			line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return strcmp(line, "yes") == 0;
}

/* Through the daemon. CTL_CALL_* as ctl_call(). */
static int
via_daemon(struct ctl *c, const struct jid *j, const char *pw, size_t len,
    struct outcome *o)
{
	char q[2 * JID_PART_MAX + PASSWD_B64_MAX + 32];
	char b64[PASSWD_B64_MAX + 1];
	int n, rc;

	if (util_b64_enc_len(len) > PASSWD_B64_MAX) {
		ctl_err("password too long");
		return CTL_CALL_ERR;
	}
	util_b64_encode(pw, len, b64);
	n = snprintf(q, sizeof(q), "passwd %s@%s %s", j->local, j->domain, b64);
	util_wipe(b64, sizeof(b64));
	if (n < 0 || (size_t)n >= sizeof(q)) {
		util_wipe(q, sizeof(q));
		ctl_err("JID too long");
		return CTL_CALL_ERR;
	}
	rc = ctl_call(c, q, on_line, o);
	util_wipe(q, sizeof(q));
	if (rc == CTL_CALL_OK && !o->seen) {
		ctl_err("the server did not say what became of the sealed "
		        "data");
		return CTL_CALL_ERR;
	}
	return rc;
}

/* No daemon: nobody is online, so old sealed data cannot be kept. */
static int
direct(struct ctl *c, const struct jid *j, const char *pw, size_t len, int keys,
    struct outcome *o)
{
	struct scram_cred creds[SCRAM_NHASH];
	enum store_status st;

	if (ctl_make_creds(c, pw, len, creds) < 0)
		return -1;
	if (db_begin(c->db) < 0) {
		util_wipe(creds, sizeof(creds));
		ctl_err("database error");
		return -1;
	}
	st = db_account_set_creds(
	    c->db, j->domain, j->local, creds, SCRAM_NHASH);
	/* Without keys the data is in clear and is sealed at the next
	 * login, as for any account that predates sealing. */
	if (st == STORE_OK && keys)
		st = db_seal_reset(c->db, j->domain, j->local, creds,
		    SCRAM_NHASH, &o->deleted);
	/* Token logins made with the old password end with it (the
	 * daemon does the same, src/xmpp/register.c). */
	if (st == STORE_OK)
		st = db_map_drop(c->db, "fast_tokens", j->domain, j->local);
	util_wipe(creds, sizeof(creds));
	if (st != STORE_OK)
		db_rollback(c->db);
	else if (db_commit(c->db) < 0)
		st = STORE_ERR;
	if (st == STORE_NOTFOUND)
		ctl_err("no such user: %s@%s", j->local, j->domain);
	else if (st != STORE_OK)
		ctl_err("database error");
	return st == STORE_OK ? 0 : -1;
}

static void
report(struct ctl *c, const struct jid *j, int keys, const struct outcome *o)
{
	printf("password changed for %s@%s\n", j->local, j->domain);
	if (keys && o->online && o->deleted == 0)
		printf("sealed data kept: the account is logged in, its key "
		       "is now wrapped under the new password\n");
	else if (o->deleted > 0)
		printf("sealed data deleted: %" PRIu64
		       " row%s; new sealing keys were made\n",
		    o->deleted, o->deleted == 1 ? "" : "s");
	else if (keys)
		printf("sealed data deleted: 0 rows (nothing was sealed)\n");
	else if (c->conf->sealing)
		printf("no sealed data: the account is sealed at its next "
		       "login\n");
}

int
ctl_cmd_passwd(struct ctl *c, int argc, char **argv)
{
	struct outcome o = {0};
	const char *arg = NULL;
	struct jid j;
	char *pw = NULL;
	size_t len = 0;
	enum store_status st;
	int i, yes = c->yes, keys, rc = EXIT_ERR;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0)
			yes = 1;
		else if (arg == NULL && argv[i][0] != '-')
			arg = argv[i];
		else {
			ctl_err("usage: passwd JID [--yes]");
			return EXIT_USAGE;
		}
	}
	if (arg == NULL) {
		ctl_err("usage: passwd JID [--yes]");
		return EXIT_USAGE;
	}
	if (ctl_account_jid(c, arg, &j) < 0)
		return EXIT_ERR;
	if (ctl_require_account(c, &j) < 0)
		goto out;
	/* Keys made while sealing was on still hold data after it is
	 * turned off: the warning is about the keys, not the setting. */
	st = db_seal_has_keys(c->db, j.domain, j.local);
	if (st != STORE_OK && st != STORE_NOTFOUND) {
		ctl_err("database error");
		goto out;
	}
	keys = st == STORE_OK;
	if (keys && !yes) {
		if (!isatty(STDIN_FILENO)) {
			ctl_err("%s@%s has sealed data that a new password "
			        "deletes unless the user is logged in; "
			        "nothing changed (run on a terminal to "
			        "confirm, or pass --yes)",
			    j.local, j.domain);
			goto out;
		}
		fprintf(stderr, warning, j.local, j.domain);
		if (!confirm_yes()) {
			ctl_err("password not changed");
			goto out;
		}
	}
	if (ctl_read_password(&pw, &len) < 0)
		goto out;
	switch (via_daemon(c, &j, pw, len, &o)) {
	case CTL_CALL_OK:
		rc = EXIT_OK;
		break;
	case CTL_CALL_NODAEMON:
		if (direct(c, &j, pw, len, keys, &o) == 0)
			rc = EXIT_OK;
		break;
	default:
		break; /* reported */
	}
	util_wipe(pw, len);
	free(pw);
	if (rc == EXIT_OK) {
		report(c, &j, keys, &o);
		if (fflush(stdout) != 0)
			rc = EXIT_ERR;
	}
out:
	jid_free(&j);
	return rc;
}
