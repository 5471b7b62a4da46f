/*
 * ctl_report: `lethectl privacy-report [--format md|html|json]`, what the
 * server keeps, where, for how long, who can read it and what a seized
 * database would give away, generated from the effective configuration
 * and the store registry.
 *
 * The registry is the daemon's own: modules_init() registers every store
 * exactly as the daemon does (registration needs no loop and no
 * database), then retention_configure() applies the configuration's
 * retentions. What is never written anywhere comes from `never` below,
 * the one list of it; each store's readers come from its owner and
 * `readers` (stores whose contents are published on purpose).
 *
 * Sealing follows the configuration too: a store registered as sealed is
 * reported sealed only while [server] sealing is on (off: new data is
 * written in clear, and what was sealed earlier is written in clear at
 * each account's next password login). What a
 * seizure yields is written from the same registry: the sealed stores,
 * the stores in clear, and what every sealed index still shows. When the
 * database exists, the report also counts the accounts without sealing
 * keys yet (db_seal_count()); it never creates one.
 *
 * Output is Markdown by default; HTML is one self-contained page with
 * every string escaped; JSON has stable keys (documented in
 * docs/privacy.md) for machines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/conf.h"
#include "ctl/ctl.h"
#include "store/db.h"
#include "store/store.h"
#include "xmpp/modules.h"
#include "xmpp/retention.h"
#include "xmpp/server.h"

enum fmt { FMT_MD, FMT_HTML, FMT_JSON };

/* What Lethe never writes down: kept in memory while needed, if at all. */
static const struct {
	const char *what;
	const char *held;
} never[] = {
    {"IP addresses",
        "in memory while connected; abuse limits use keyed "
        "hashes whose key lives in memory only"},
    {"connection and login times", "in memory only"},
    {"client software and resource names", "in memory while connected"},
    {"message routing metadata (who writes to whom, when)",
        "in memory while a message is delivered"},
    {"presence and status text", "in memory only"},
    {"message content in logs", "never logged, at any level"},
};

/* Stores whose contents their owner publishes to others on purpose. */
static const struct {
	const char *store;
	const char *readers;
} published[] = {
    {"vcard",
        "the account; anyone who asks (published on purpose); "
        "the operator with the database"},
    {"pep_nodes",
        "the account; those the node's access model allows "
        "(contacts, or anyone for open nodes such as OMEMO "
        "keys); the operator with the database"},
    {"pep_items",
        "the account; those the node's access model allows "
        "(contacts, or anyone for open nodes such as OMEMO "
        "keys); the operator with the database"},
};

/* The configuration the report describes; sealing follows it. */
static const struct conf *rconf;

/* Sealed now: registered as sealed, and [server] sealing on. */
static int
is_sealed(const struct store_def *d)
{
	return d->sealed && rconf->sealing;
}

static const char *
readers(const struct store_def *d)
{
	size_t i;

	for (i = 0; i < sizeof(published) / sizeof(published[0]); i++)
		if (strcmp(published[i].store, d->name) == 0)
			return published[i].readers;
	switch (d->owner) {
	case STORE_OWNER_USER:
		return is_sealed(d)
		    ? "the account only, while it is logged in"
		    : "the account; the operator with the database";
	case STORE_OWNER_ROOM:
		return "the room's members; the operator with the database";
	default:
		return "the server; the operator with the database";
	}
}

static const char *
owner_name(enum store_owner o)
{
	switch (o) {
	case STORE_OWNER_USER:
		return "account";
	case STORE_OWNER_ROOM:
		return "room";
	default:
		return "host";
	}
}

static const char *
exposure(const struct store_def *d)
{
	if (is_sealed(d) && d->shape == STORE_MAP)
		return "ciphertext and its size; each key is a keyed hash, so "
		       "the number of entries an account holds is visible, "
		       "not what they are";
	if (is_sealed(d))
		return "ciphertext, with each item's time, id and size; the "
		       "peer, where one is kept, is a keyed hash under the "
		       "account's own key: "
		       "items with the same peer can be grouped, the peer "
		       "cannot be named (items stored while the account was "
		       "offline have no peer hash until its next login)";
	if (d->sealed)
		return "the contents in clear from now on (sealing is off); "
		       "what was sealed before stays ciphertext until its "
		       "account's next password login writes it in clear";
	return "the contents in clear, for as long as they are kept";
}

/* "72 hours", "7 days", "until removed"; into buf. */
static const char *
duration(int64_t s, char *buf, size_t len)
{
	if (s <= 0)
		snprintf(buf, len, "until removed or the account is deleted");
	else if (s % 86400 == 0)
		snprintf(buf, len, "%" PRId64 " day%s", s / 86400,
		    s == 86400 ? "" : "s");
	else if (s % 3600 == 0)
		snprintf(buf, len, "%" PRId64 " hour%s", s / 3600,
		    s == 3600 ? "" : "s");
	else if (s % 60 == 0)
		snprintf(buf, len, "%" PRId64 " minute%s", s / 60,
		    s == 60 ? "" : "s");
	else
		snprintf(
		    buf, len, "%" PRId64 " second%s", s, s == 1 ? "" : "s");
	return buf;
}

static const char *
conf_key(const struct store_def *d)
{
	const char *k = retention_conf_key(d->name);

	if (k != NULL)
		return k;
	return d->retention > 0 ? "built in" : "-";
}

/* --- escaping --- */

static void
put_md(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' ||
		    *s == '<' || *s == '>')
			putchar('\\');
		putchar(*s == '\n' ? ' ' : *s);
	}
}

static void
put_html(const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", stdout);
			break;
		case '>':
			fputs("&gt;", stdout);
			break;
		case '&':
			fputs("&amp;", stdout);
			break;
		case '"':
			fputs("&quot;", stdout);
			break;
		case '\'':
			fputs("&#39;", stdout);
			break;
		default:
			putchar(*s);
		}
	}
}

static void
put_json(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* --- formats --- */

static const char intro[] =
    "This report is generated by lethectl privacy-report from the "
    "configuration in force and the server's own list of stores, so it "
    "says what the server does. Every stored item carries its own expiry; "
    "no table or index records who had data on which day.";

/* Accounts with and without sealing keys; known only if the database
 * exists (the report never creates one). */
static struct {
	int known;
	uint64_t sealed, all;
} accts;

static void
count_accounts(struct ctl *c)
{
	char path[4096];
	struct stat sb;
	int n;

	n = snprintf(path, sizeof(path), "%s/lethe.db", c->conf->data_dir);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &sb) != 0)
		return;
	if (c->db == NULL && ctl_open_db(c) < 0)
		return;
	if (db_seal_count(c->db, &accts.sealed, &accts.all) == STORE_OK)
		accts.known = 1;
}

/* The what of every registered user store, sealed now or not, joined
 * with "; " into b. */
static void
list_stores(struct buf *b, int want_sealed)
{
	const struct store_def *const *reg;
	size_t n, i;
	int first = 1;

	reg = store_registry(&n);
	for (i = 0; i < n; i++) {
		if (reg[i]->owner != STORE_OWNER_USER ||
		    is_sealed(reg[i]) != want_sealed)
			continue;
		buf_appendf(b, "%s%s", first ? "" : "; ",
		    reg[i]->what != NULL ? reg[i]->what : reg[i]->name);
		first = 0;
	}
	if (first)
		buf_append_str(b, "none");
}

/* What a copy of the database gives away, in plain words, into b. */
static void
seizure_text(struct buf *b)
{
	buf_append_str(b,
	    "Someone who takes a copy of the database learns the account "
	    "names and the SCRAM password verifiers (salted; weak passwords "
	    "can still be guessed offline). ");
	if (rconf->sealing) {
		buf_append_str(b,
		    "Sealing is on. They also learn each account's public "
		    "key; what accounts publish on purpose (PEP nodes such as "
		    "OMEMO keys, vCards, avatars), in clear; push service "
		    "registrations; the hashes of FAST login tokens; and, for "
		    "every stored item, its time, id and size, around "
		    "ciphertext they cannot open without the account's "
		    "password. Sealed (ciphertext only): ");
		list_stores(b, 1);
		buf_append_str(b,
		    ". What each index still shows: the archive's peer column "
		    "is a keyed hash under the account's own key, so items "
		    "with the same peer can be grouped but the peer cannot be "
		    "named, and items stored while the account was offline "
		    "carry no peer hash until its next login; the keys of "
		    "sealed maps (contacts, blocked addresses, private XML) "
		    "are keyed hashes, so the number of contacts and blocks "
		    "is visible, not who they are. ");
		if (accts.known && accts.sealed < accts.all)
			buf_appendf(b,
			    "%" PRIu64 " of %" PRIu64 " accounts have no "
			    "sealing keys yet: their data is in clear until "
			    "their next login seals it. ",
			    accts.all - accts.sealed, accts.all);
	} else {
		buf_append_str(b,
		    "Sealing is off ([server] sealing = false): new data is "
		    "written in clear; data sealed while it was on stays "
		    "sealed until its account's next password login, which "
		    "writes it in clear. ");
	}
	buf_append_str(b, "Readable in clear: ");
	list_stores(b, 0);
	buf_append_str(b,
	    ", for as long as each is kept (table above). They learn no IP "
	    "addresses, no connection or login times, no client names and "
	    "no presence: none is ever written.");
}

static const char *
seizure(void)
{
	static struct buf b;
	static int made;

	if (!made) {
		seizure_text(&b);
		made = buf_append(&b, "", 1) == 0;
	}
	return made ? buf_ptr(&b) : "";
}

static void
report_md(const struct conf *c)
{
	const struct store_def *const *reg;
	char dur[64];
	size_t n, i;

	reg = store_registry(&n);
	printf("# Privacy report\n\n%s\n\n", intro);
	printf("Hosts:");
	for (i = 0; i < c->nhosts; i++)
		printf(" %s", c->hosts[i].name);
	printf("\n\n## What is stored\n\n");
	printf("| data | store (table) | owner | kept for | set by | sealed "
	       "| who can read it | a seized database exposes |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	printf("| account names and SCRAM verifiers | accounts (accounts, "
	       "creds) | account | until the account is deleted | - | no | "
	       "the server; the operator with the database | the name and "
	       "verifiers, not the password |\n");
	for (i = 0; i < n; i++) {
		printf("| ");
		put_md(reg[i]->what != NULL ? reg[i]->what : reg[i]->name);
		printf(" | %s (%s) | %s | %s | %s | %s | ", reg[i]->name,
		    reg[i]->shape == STORE_MAP ? "map" : "archive",
		    owner_name(reg[i]->owner),
		    duration(reg[i]->retention, dur, sizeof(dur)),
		    conf_key(reg[i]), is_sealed(reg[i]) ? "yes" : "no");
		put_md(readers(reg[i]));
		printf(" | ");
		put_md(exposure(reg[i]));
		printf(" |\n");
	}
	printf("\n## What is never stored\n\n| data | held |\n|---|---|\n");
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		printf("| ");
		put_md(never[i].what);
		printf(" | ");
		put_md(never[i].held);
		printf(" |\n");
	}
	printf("\n## If the server is seized\n\n");
	put_md(seizure());
	printf("\n");
}

static void
report_html(const struct conf *c)
{
	const struct store_def *const *reg;
	char dur[64];
	size_t n, i;

	reg = store_registry(&n);
	printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	       "<meta charset=\"utf-8\"/>\n<title>Privacy report</title>\n"
	       "<style>table{border-collapse:collapse}td,th{border:1px solid "
	       "#999;padding:4px;vertical-align:top}</style>\n"
	       "</head>\n<body>\n<h1>Privacy report</h1>\n<p>");
	put_html(intro);
	printf("</p>\n<p>Hosts:");
	for (i = 0; i < c->nhosts; i++) {
		putchar(' ');
		put_html(c->hosts[i].name);
	}
	printf("</p>\n<h2>What is stored</h2>\n<table>\n<tr><th>data</th>"
	       "<th>store (table)</th><th>owner</th><th>kept for</th>"
	       "<th>set by</th><th>sealed</th><th>who can read it</th>"
	       "<th>a seized database exposes</th></tr>\n");
	for (i = 0; i < n; i++) {
		printf("<tr><td>");
		put_html(reg[i]->what != NULL ? reg[i]->what : reg[i]->name);
		printf("</td><td>");
		put_html(reg[i]->name);
		printf(" (%s)</td><td>%s</td><td>%s</td><td>",
		    reg[i]->shape == STORE_MAP ? "map" : "archive",
		    owner_name(reg[i]->owner),
		    duration(reg[i]->retention, dur, sizeof(dur)));
		put_html(conf_key(reg[i]));
		printf(
		    "</td><td>%s</td><td>", is_sealed(reg[i]) ? "yes" : "no");
		put_html(readers(reg[i]));
		printf("</td><td>");
		put_html(exposure(reg[i]));
		printf("</td></tr>\n");
	}
	printf("</table>\n<h2>What is never stored</h2>\n<table>\n"
	       "<tr><th>data</th><th>held</th></tr>\n");
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		printf("<tr><td>");
		put_html(never[i].what);
		printf("</td><td>");
		put_html(never[i].held);
		printf("</td></tr>\n");
	}
	printf("</table>\n<h2>If the server is seized</h2>\n<p>");
	put_html(seizure());
	printf("</p>\n</body>\n</html>\n");
}

static void
report_json(const struct conf *c)
{
	const struct store_def *const *reg;
	const char *k;
	size_t n, i;

	reg = store_registry(&n);
	printf("{\"version\":1,\"hosts\":[");
	for (i = 0; i < c->nhosts; i++) {
		if (i > 0)
			putchar(',');
		put_json(c->hosts[i].name);
	}
	printf("],\"stored\":[");
	for (i = 0; i < n; i++) {
		k = retention_conf_key(reg[i]->name);
		printf("%s{\"store\":", i > 0 ? "," : "");
		put_json(reg[i]->name);
		printf(",\"what\":");
		put_json(reg[i]->what != NULL ? reg[i]->what : "");
		printf(",\"table\":\"%s\",\"owner\":\"%s\","
		       "\"retention_seconds\":%" PRId64 ",\"retention_key\":",
		    reg[i]->shape == STORE_MAP ? "map" : "archive",
		    owner_name(reg[i]->owner), reg[i]->retention);
		if (k != NULL)
			put_json(k);
		else
			printf("null");
		printf(",\"sealed\":%s,\"readers\":",
		    is_sealed(reg[i]) ? "true" : "false");
		put_json(readers(reg[i]));
		printf(",\"seizure_exposes\":");
		put_json(exposure(reg[i]));
		putchar('}');
	}
	printf("],\"never_stored\":[");
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		printf("%s{\"what\":", i > 0 ? "," : "");
		put_json(never[i].what);
		printf(",\"held\":");
		put_json(never[i].held);
		putchar('}');
	}
	printf("],\"seizure\":");
	put_json(seizure());
	printf(",\"sealing\":{\"on\":%s,\"accounts\":",
	    c->sealing ? "true" : "false");
	if (accts.known)
		printf("%" PRIu64 ",\"accounts_sealed\":%" PRIu64 "}",
		    accts.all, accts.sealed);
	else
		printf("null,\"accounts_sealed\":null}");
	printf("}\n");
}

int
ctl_cmd_privacy_report(struct ctl *c, int argc, char **argv)
{
	enum fmt f = FMT_MD;
	const char *v = NULL;

	if (argc == 1 && strncmp(argv[0], "--format=", 9) == 0)
		v = argv[0] + 9;
	else if (argc == 2 && strcmp(argv[0], "--format") == 0)
		v = argv[1];
	else if (argc != 0) {
		ctl_err("usage: privacy-report [--format md|html|json]");
		return EXIT_USAGE;
	}
	if (v != NULL) {
		if (strcmp(v, "md") == 0)
			f = FMT_MD;
		else if (strcmp(v, "html") == 0)
			f = FMT_HTML;
		else if (strcmp(v, "json") == 0)
			f = FMT_JSON;
		else {
			ctl_err("unknown format: %s", v);
			return EXIT_USAGE;
		}
	}
	/* The daemon's registry, with the daemon's retentions. */
	server.conf = c->conf;
	rconf = c->conf;
	modules_init();
	retention_configure(c->conf);
	count_accounts(c);
	switch (f) {
	case FMT_MD:
		report_md(c->conf);
		break;
	case FMT_HTML:
		report_html(c->conf);
		break;
	case FMT_JSON:
		report_json(c->conf);
		break;
	}
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
}
