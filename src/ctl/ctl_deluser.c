/*
 * ctl_deluser: `lethectl deluser JID`.
 *
 * With the daemon running, the request goes through the control socket
 * ("deluser JID"): the daemon erases the account as in-band removal does
 * (src/xmpp/erase.c): its contacts get unavailable presence and
 * unsubscriptions and lose the roster item with a push, its data and
 * verifiers go in one transaction with its tombstone, and its sessions
 * are closed with <not-authorized/>.
 *
 * Without a daemon, the same transaction runs on the database directly
 * (db_account_erase): the account, everything it owns, every other
 * roster's item naming it (those rosters get a new version, so a client
 * with a cached copy fetches it again) and the tombstone. Nobody is
 * online to be told.
 *
 * adduser refuses a name whose tombstone lives (ctl_tombstoned).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/util.h"
#include "store/db.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/roster.h"
#include "ctl/ctl.h"

static int
erase_direct(struct ctl *c, const struct jid *j)
{
	struct store_erase e = {0};
	enum store_status st;
	char ver[16];

	util_random_id(ver, 8);
	memcpy(ver + 8, "-0", 3);
	e.forget_store = ROSTER_STORE;
	e.ver_key = ROSTER_VER_KEY;
	e.ver = ver;
	e.ver_len = strlen(ver);
	e.tombstone_ttl = c->conf->retention.tombstone;
	st = db_account_erase(c->db, j->domain, j->local, &e, NULL);
	if (st == STORE_NOTFOUND) {
		ctl_err("no such user: %s@%s", j->local, j->domain);
		return EXIT_ERR;
	}
	if (st != STORE_OK) {
		ctl_err("database error");
		return EXIT_ERR;
	}
	return EXIT_OK;
}

int
ctl_cmd_deluser(struct ctl *c, int argc, char **argv)
{
	struct jid j;
	char q[2 * JID_PART_MAX + 128];
	int rc = EXIT_ERR, n;

	(void)argc;
	if (ctl_account_jid(c, argv[0], &j) < 0)
		return EXIT_ERR;
	if (ctl_require_account(c, &j) < 0)
		goto out;
	if (!c->yes && isatty(STDIN_FILENO)) {
		snprintf(q, sizeof(q),
		    "Delete %s@%s and everything stored for it? "
		    "This cannot be undone.",
		    j.local, j.domain);
		if (!ctl_confirm(q)) {
			ctl_err("not deleted");
			goto out;
		}
	}
	n = snprintf(q, sizeof(q), "deluser %s@%s", j.local, j.domain);
	if (n < 0 || (size_t)n >= sizeof(q)) {
		ctl_err("JID too long");
		goto out;
	}
	switch (ctl_call(c, q, NULL, NULL)) {
	case CTL_CALL_OK:
		rc = EXIT_OK;
		break;
	case CTL_CALL_NODAEMON:
		rc = erase_direct(c, &j);
		break;
	default:
		break; /* reported by ctl_call */
	}
out:
	jid_free(&j);
	return rc;
}

/* adduser's check: a tombstoned name is not given out again, -y or not. */
int
ctl_tombstoned(struct ctl *c, const struct jid *j)
{
	char date[32];
	int64_t until = 0;
	time_t t;
	struct tm tm;

	switch (db_tombstone_check(c->db, j->domain, j->local, &until)) {
	case STORE_NOTFOUND:
		return 0;
	case STORE_OK:
		t = (time_t)until;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
			snprintf(date, sizeof(date), "its tombstone expires");
		ctl_err("%s@%s: this name was used by a deleted account; it "
		        "cannot be registered again until %s",
		    j->local, j->domain, date);
		return -1;
	default:
		ctl_err("database error");
		return -1;
	}
}
