/*
 * inactive: deletion of accounts nobody logs in to.
 *
 * Off unless [server] inactive_expiry is set. Then one map store,
 * "last_login", holds for each account the ISO week of its last login
 * ("2026-W47") under key "", and nothing else: no day, no time, no
 * client. A bind writes it when the week differs from what is stored.
 * Every [server] inactive_check (a day) each host's accounts are read:
 * an account with no week yet (made before the feature was on, or never
 * logged in) gets the current one, which starts its clock; one inactive
 * for inactive_expiry - inactive_warning is sent a message from the
 * server's domain, routed like any message, so it waits offline for the
 * next login; one inactive for inactive_expiry is deleted by
 * erase_account(), like a self-deletion. Since only weeks are kept, both
 * durations are rounded to whole weeks. That the warning went out is
 * kept as key "warned" holding the same login week, so it is sent once
 * per period of inactivity; a login in a new week removes it.
 *
 * Invariants: completions carry copies of host and user, never account
 * pointers; a check round does not start while the previous one has
 * requests in flight; after inactive_stop() completions do nothing.
 */
#include "xmpp/inactive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/loop.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/erase.h"
#include "xmpp/jid.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define STORE_NAME "last_login"
#define WEEK_LEN 8 /* "YYYY-Www" */
#define WEEK_SECS (7 * 86400LL)

static struct store_def last_login_def = {
    .name = STORE_NAME,
    .shape = STORE_MAP,
    .owner = STORE_OWNER_USER,
    /* Replaced at each login in a new week; gone with the account. */
    .retention = 0,
    .what = "the ISO week (e.g. 2026-W47) of an account's last login, "
            "kept only while inactive-account expiry is on, to delete "
            "accounts nobody uses",
    .sealed = 0,
};

static struct {
	struct loop *loop;
	struct timer timer;
	int on; /* registered and started */
	size_t pending; /* requests of the current round in flight */
} chk;

static int slot = -1;

static int64_t
now(void)
{
	return (int64_t)time(NULL) + server.conf->inactive_clock_offset;
}

/* The ISO week of t into out[WEEK_LEN + 1]; 0 or -1. */
static int
week_of(int64_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, WEEK_LEN + 1, "%G-W%V", &tm) != WEEK_LEN)
		return -1;
	return 0;
}

/* The Monday 00:00 UTC starting ISO week s ("YYYY-Www"); -1 if not one. */
static int64_t
week_start(const char *s, size_t len)
{
	struct tm tm;
	int y = 0, w = 0, i, wd;
	time_t jan4;

	if (len != WEEK_LEN || s[4] != '-' || s[5] != 'W')
		return -1;
	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	for (i = 6; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		w = w * 10 + (s[i] - '0');
	}
	if (y < 1970 || w < 1 || w > 53)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mday = 4; /* 4 January is always in week 1 */
	if ((jan4 = timegm(&tm)) == (time_t)-1)
		return -1;
	wd = (tm.tm_wday + 6) % 7; /* Monday 0 */
	return (int64_t)jan4 - wd * 86400LL + (w - 1) * WEEK_SECS;
}

/* A duration in whole weeks, rounded to the nearest. */
static int64_t
weeks(unsigned secs)
{
	return ((int64_t)secs + WEEK_SECS / 2) / WEEK_SECS;
}

/* --- the login week --- */

struct owner {
	char *host, *user; /* in one block with this */
};

static struct owner *
owner_new(const char *host, const char *user)
{
	size_t lh = strlen(host) + 1, lu = strlen(user) + 1;
	struct owner *o;

	if ((o = malloc(sizeof(*o) + lh + lu)) == NULL)
		return NULL;
	o->host = memcpy((char *)(o + 1), host, lh);
	o->user = memcpy(o->host + lh, user, lu);
	return o;
}

/* Replaces what is kept for the owner with the week alone. */
static void
put_week(const char *host, const char *user, const char *week)
{
	store_map_clear(server.store, STORE_NAME, host, user, NULL, NULL);
	if (store_map_put(server.store, STORE_NAME, host, user, "", week,
	        WEEK_LEN, NULL, NULL) == NULL)
		log_warn("event=inactive_write_failed");
}

static void
bind_read(void *arg, const struct store_res *r)
{
	struct owner *o = arg;
	char week[WEEK_LEN + 1];
	size_t i;
	int same = 0;

	if (chk.on && r->status == STORE_OK && week_of(now(), week) == 0) {
		for (i = 0; i < r->nitems; i++)
			if (strcmp(r->items[i].key, "") == 0 &&
			    r->items[i].value_len == WEEK_LEN &&
			    memcmp(r->items[i].value, week, WEEK_LEN) == 0)
				same = r->nitems == 1;
		if (!same)
			put_week(o->host, o->user, week);
	}
	free(o);
}

static void
on_bind(struct session *s)
{
	struct account *acct = s->acct;
	char week[WEEK_LEN + 1], *known = acct->slot[slot];
	struct owner *o;

	/* One read per account and week, whatever the number of binds. */
	if (week_of(now(), week) == -1 ||
	    (known != NULL && strcmp(known, week) == 0))
		return;
	if (known == NULL && (known = malloc(WEEK_LEN + 1)) == NULL)
		return;
	memcpy(known, week, WEEK_LEN + 1);
	acct->slot[slot] = known;
	if ((o = owner_new(acct->jid.domain, acct->jid.local)) == NULL)
		return;
	if (store_map_list(server.store, STORE_NAME, o->host, o->user,
	        bind_read, o) == NULL)
		free(o);
}

static void
account_gone(struct account *acct)
{
	free(acct->slot[slot]);
	acct->slot[slot] = NULL;
}

/* --- the check --- */

static void
warn(const char *host, const char *user, int64_t left)
{
	struct arena *a;
	struct xml_node *m, *b;
	struct jid to;
	char bare[2 * JID_PART_MAX + 2], text[400];
	int n;

	snprintf(bare, sizeof(bare), "%s@%s", user, host);
	n = snprintf(text, sizeof(text),
	    "Nobody has logged in to this account for a long time. It will "
	    "be deleted, with everything the server holds for it, if nobody "
	    "logs in within about %lld week%s. Logging in keeps it.",
	    (long long)left, left == 1 ? "" : "s");
	if ((a = arena_new(2048)) == NULL)
		return;
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    jid_parse_arena(a, bare, strlen(bare), &to) == -1 ||
	    (m = xml_new(a, XML_NS_CLIENT, "message")) == NULL ||
	    xml_set_attr(a, m, "from", host) == -1 ||
	    xml_set_attr(a, m, "to", bare) == -1 ||
	    xml_set_attr(a, m, "type", "normal") == -1 ||
	    (b = xml_add(a, m, XML_NS_CLIENT, "body")) == NULL ||
	    xml_add_text(a, b, text, (size_t)n) == -1) {
		arena_free(a);
		return;
	}
	router_route_bare(m, a, &to);
}

static void
erased(void *arg, enum store_status status)
{
	(void)arg;
	if (status == STORE_OK)
		log_info("event=inactive_erased");
	else
		log_warn("event=inactive_erase_failed");
}

static void
user_read(void *arg, const struct store_res *r)
{
	struct owner *o = arg;
	const struct store_item *login = NULL, *warned = NULL;
	char week[WEEK_LEN + 1], bare[2 * JID_PART_MAX + 2];
	int64_t start, idle, expiry_w, warn_at;
	size_t i;

	chk.pending--;
	if (!chk.on || r->status != STORE_OK || week_of(now(), week) == -1)
		goto done;
	for (i = 0; i < r->nitems; i++) {
		if (strcmp(r->items[i].key, "") == 0)
			login = &r->items[i];
		else if (strcmp(r->items[i].key, "warned") == 0)
			warned = &r->items[i];
	}
	if (login == NULL ||
	    (start = week_start(login->value, login->value_len)) < 0) {
		/* No week yet: the clock starts now. */
		put_week(o->host, o->user, week);
		goto done;
	}
	snprintf(bare, sizeof(bare), "%s@%s", o->user, o->host);
	if (session_account(bare) != NULL)
		goto done; /* in use now; its bind wrote the week */
	idle = (week_start(week, WEEK_LEN) - start) / WEEK_SECS;
	if ((expiry_w = weeks(server.conf->inactive_expiry)) < 1)
		expiry_w = 1;
	if (idle >= expiry_w) {
		if (erase_account(o->host, o->user, erased, NULL) == -1)
			log_warn("event=inactive_erase_failed");
		goto done;
	}
	warn_at = expiry_w - weeks(server.conf->inactive_warning);
	if (warn_at < 1)
		warn_at = 1;
	if (weeks(server.conf->inactive_warning) > 0 && idle >= warn_at &&
	    (warned == NULL || warned->value_len != WEEK_LEN ||
	        memcmp(warned->value, login->value, WEEK_LEN) != 0)) {
		warn(o->host, o->user, expiry_w - idle);
		if (store_map_put(server.store, STORE_NAME, o->host, o->user,
		        "warned", login->value, WEEK_LEN, NULL, NULL) == NULL)
			log_warn("event=inactive_write_failed");
		log_info("event=inactive_warned");
	}
done:
	free(o);
}

static void
users_listed(void *arg, const struct store_res *r)
{
	const char *host = arg;
	struct owner *o;
	size_t i;

	chk.pending--;
	if (!chk.on || r->status != STORE_OK)
		return;
	for (i = 0; i < r->nitems; i++) {
		if ((o = owner_new(host, r->items[i].key)) == NULL)
			return;
		if (store_map_list(server.store, STORE_NAME, o->host, o->user,
		        user_read, o) == NULL) {
			free(o);
			return;
		}
		chk.pending++;
	}
}

static void
check(struct loop *l, void *arg)
{
	size_t i;

	(void)arg;
	timer_set(l, &chk.timer, (uint64_t)server.conf->inactive_check * 1000);
	if (chk.pending > 0)
		return; /* the last round is still reading */
	for (i = 0; i < server.conf->nhosts; i++)
		if (store_account_list(server.store, server.conf->hosts[i].name,
		        users_listed, server.conf->hosts[i].name) != NULL)
			chk.pending++;
}

void
inactive_start(struct loop *l)
{
	if (slot < 0)
		return;
	chk.loop = l;
	chk.on = 1;
	timer_init(&chk.timer, check, NULL);
	timer_set(l, &chk.timer, (uint64_t)server.conf->inactive_check * 1000);
}

void
inactive_stop(void)
{
	if (chk.loop != NULL)
		timer_cancel(&chk.timer);
	chk.loop = NULL;
	chk.on = 0;
}

void
inactive_module_init(void)
{
	if (server.conf == NULL || server.conf->inactive_expiry == 0)
		return; /* off: nothing stored, nothing checked */
	if (store_register(&last_login_def) < 0 ||
	    (slot = session_slot()) < 0 || session_on_bind(on_bind) < 0 ||
	    session_on_account_free(account_gone) < 0)
		fatal("event=start_failed reason=inactive_module");
}
