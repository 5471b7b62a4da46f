/*
 * conf: loads the INI configuration file and validates it against one
 * schema table. Each row of the table names a key of one section type,
 * its value type and range, its default (as text, parsed by the same code
 * as the file, so a default can never be a value the file could not hold),
 * one line of documentation and the field it fills. The table drives
 * parsing, defaults, required-key checks and the Markdown reference.
 *
 * libinih splits lines into sections and key = value pairs. We feed it
 * through our own line reader, which gives us what its handler does not:
 * the line number of every key, and a clear event for every section
 * header (so empty sections and repeated headers are seen, and long
 * section names are not truncated). The reader also strips leading
 * blanks, which turns off inih's continuation lines: an indented line is
 * an ordinary line.
 *
 * Invariants: at most one error is reported, the first in file order;
 * a conf returned to the caller has every field set (value or default);
 * nothing is returned half-built.
 */
#include "core/conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/util.h"
#include "xmpp/jid.h"

/* A configuration file is small; anything bigger is a mistake. */
#define CONF_FILE_MAX (1024 * 1024)
#define LISTEN_NAME_MAX 64
/* inih's line buffer holds the line plus '\r', '\n' and NUL. */
#define CONF_LINE_MAX (INI_MAX_LINE - 3)

enum sec {
	SEC_SERVER,
	SEC_LIMITS,
	SEC_RETENTION,
	SEC_TLS,
	SEC_HOST,
	SEC_LISTEN,
	SEC_COUNT
};

static const struct {
	const char *word;
	int named; /* [word NAME] rather than [word] */
	const char *doc;
} sections[SEC_COUNT] = {
    [SEC_SERVER] = {"server", 0,
        "Process-wide settings. At most one `[server]` section."},
    [SEC_LIMITS] = {"limits", 0,
        "Ceilings on what one client can make the server hold or do. "
        "Every input path checks its limit before allocating."},
    [SEC_RETENTION] = {"retention", 0,
        "How long stored items live. Each is also checked when read, so "
        "nothing older is ever served, even between sweeps."},
    [SEC_TLS] = {"tls", 0,
        "Protocol versions and ciphers, shared by all listeners and "
        "hosts."},
    [SEC_HOST] = {"host", 1,
        "One section per virtual host. NAME is the domain; it is "
        "normalized (IDNA2008, lowercase) and must be unique. At least "
        "one `[host NAME]` is required."},
    [SEC_LISTEN] = {"listen", 1,
        "One section per listening socket. NAME (letters, digits, `.`, "
        "`_`, `-`; at most 64) names it in logs and must be unique; no "
        "two listeners may share an address and port. At least one "
        "`[listen NAME]` is required."},
};

enum type {
	T_STRING, /* free text */
	T_PATH, /* resolved against the file's directory */
	T_UINT,
	T_SIZE, /* bytes, k/K/M suffixes */
	T_DURATION, /* seconds, s/m/h/d suffixes */
	T_BOOL, /* stored as int 0/1 */
	T_ENUM, /* stored as int: index into words */
	T_WORD, /* stored as char *: one of words */
	T_ADDRESS, /* numeric IP address, stored canonical */
};

static const char *const type_names[] = {
    [T_STRING] = "string",
    [T_PATH] = "path",
    [T_UINT] = "uint",
    [T_SIZE] = "size",
    [T_DURATION] = "duration",
    [T_BOOL] = "bool",
    [T_ENUM] = "enum",
    [T_WORD] = "enum",
    [T_ADDRESS] = "address",
};

struct key {
	enum sec sec;
	const char *name;
	enum type type;
	size_t offset; /* into struct conf, conf_host or conf_listen */
	size_t width; /* sizeof the field */
	uint64_t min, max; /* numeric types */
	const char *const *words; /* T_ENUM, T_WORD: NULL-terminated */
	const char *(*check)(const char *v); /* extra check: NULL or reason */
	const char *def; /* default as written in a file; NULL: required */
	const char *doc;
};

#define FIELD(type, m)                                                         \
	.offset = offsetof(type, m), .width = sizeof(((type *)0)->m)
#define SRV(m) FIELD(struct conf, m)
#define HOST(m) FIELD(struct conf_host, m)
#define LSN(m) FIELD(struct conf_listen, m)

#define KIB 1024ULL
#define MIB (1024ULL * 1024)
#define MINUTE 60ULL
#define HOUR 3600ULL
#define DAY 86400ULL

static const char *const log_words[] = {"err", "warn", "info", "debug", NULL};
static const char *const tls_mode_words[] = {"starttls", "direct", NULL};
static const char *const kind_words[] = {"c2s", NULL};
static const char *const tls_version_words[] = {"1.2", "1.3", NULL};
static const char *const e2ee_words[] = {"off", "warn", "require", NULL};
static const char *const archive_default_words[] = {
    "always", "roster", "never", NULL};

static const char *check_ciphers(const char *v);
static const char *check_ciphersuites(const char *v);

static const struct key schema[] = {
    /* [server] */
    {SEC_SERVER, "data_dir", T_PATH, SRV(data_dir), .def = NULL,
        .doc = "Directory for the database and uploaded files. "
               "The server must be able to write to it."},
    {SEC_SERVER, "log_level", T_WORD, SRV(log_level), .words = log_words,
        .def = "info",
        .doc = "Least severe messages logged. Logs never hold addresses "
               "or message content; `debug` may name local users."},
    {SEC_SERVER, "scram_iterations", T_UINT, SRV(scram_iterations), .min = 4096,
        .max = 1000000, .def = "10000",
        .doc = "PBKDF2 iterations for new SCRAM verifiers. Existing "
               "verifiers keep theirs until the password changes."},
    {SEC_SERVER, "keepalive", T_DURATION, SRV(keepalive), .min = 0, .max = HOUR,
        .def = "60s",
        .doc = "Interval of whitespace keepalives on quiet streams; "
               "`0` turns them off."},
    {SEC_SERVER, "archive_default", T_ENUM, SRV(archive_default),
        .words = archive_default_words, .def = "always",
        .doc = "Default archiving preference (XEP-0441) of accounts that "
               "set none: `always`, `roster` (only contacts) or "
               "`never`."},
    {SEC_SERVER, "fast", T_BOOL, SRV(fast), .def = "true",
        .doc = "Offer FAST token logins (XEP-0484) through SASL2."},
    {SEC_SERVER, "store_plaintext", T_BOOL, SRV(store_plaintext), .def = "true",
        .doc = "Keep messages whose body is not end-to-end encrypted in "
               "the archive (XEP-0313) and offline storage. `false`: the "
               "archive skips them and offline storage refuses them, so "
               "the sender gets `<service-unavailable/>`."},
    {SEC_SERVER, "sealing", T_BOOL, SRV(sealing), .def = "true",
        .doc = "Seal each account's roster, pending subscriptions, "
               "blocklist, offline messages, archive, private XML and "
               "bookmarks to a key that only the account's password "
               "opens (docs/privacy.md). `false`: new data is written in "
               "clear (for operators who must read their users' data), "
               "and what was sealed earlier is written in clear at each "
               "account's next password login."},
    {SEC_SERVER, "account_removal", T_BOOL, SRV(account_removal), .def = "true",
        .doc = "Let an account delete itself with XEP-0077 "
               "`<remove/>`: everything stored for it is erased, its "
               "contacts are told, and its name is tombstoned."},
    {SEC_SERVER, "registration", T_BOOL, SRV(registration), .def = "false",
        .doc = "In-band registration of new accounts (XEP-0077). Not "
               "implemented yet: `true` is refused at start-up."},
    {SEC_SERVER, "inactive_expiry", T_DURATION, SRV(inactive_expiry), .min = 0,
        .max = 3650 * DAY, .def = "0",
        .doc = "Delete accounts nobody has logged in to for this long, "
               "through the same erasure as a self-deletion; `0` (the "
               "default) turns it off and nothing is stored. When on, "
               "only the ISO week of each account's last login is kept "
               "(e.g. `2026-W47`), so this duration is rounded to "
               "whole weeks."},
    {SEC_SERVER, "inactive_warning", T_DURATION, SRV(inactive_warning),
        .min = 0, .max = 3650 * DAY, .def = "7d",
        .doc = "How long before `inactive_expiry` an inactive account is "
               "sent a message from the server's domain (stored offline "
               "like any message, so the next login shows it); rounded "
               "to whole weeks; `0`: no warning."},
    {SEC_SERVER, "inactive_check", T_DURATION, SRV(inactive_check), .min = 1,
        .max = DAY, .def = "1d",
        .doc = "Interval between checks for inactive accounts. For "
               "tests: keep the default."},
    {SEC_SERVER, "inactive_clock_offset", T_DURATION,
        SRV(inactive_clock_offset), .min = 0, .max = 3650 * DAY, .def = "0",
        .doc = "For tests only: the inactive-account check and the "
               "login week run this far ahead of the real clock."},
    {SEC_SERVER, "software_version", T_BOOL, SRV(software_version),
        .def = "false",
        .doc = "Answer software version queries (XEP-0092) with the "
               "server's name and version. Off: the server says nothing "
               "about what it runs."},

    /* [limits] */
    {SEC_LIMITS, "stanza_bytes", T_SIZE, SRV(limits.stanza_bytes), .min = 10000,
        .max = 16 * MIB, .def = "256k",
        .doc = "Largest stanza accepted from a peer (RFC 6120 requires "
               "at least 10000)."},
    {SEC_LIMITS, "depth", T_UINT, SRV(limits.depth), .min = 8, .max = 256,
        .def = "32",
        .doc = "Deepest element nesting accepted inside a stanza."},
    {SEC_LIMITS, "attrs", T_UINT, SRV(limits.attrs), .min = 8, .max = 1024,
        .def = "64", .doc = "Most attributes accepted on one element."},
    {SEC_LIMITS, "header_bytes", T_SIZE, SRV(limits.header_bytes), .min = KIB,
        .max = 64 * KIB, .def = "4k",
        .doc = "Largest stream header (the opening `<stream:stream>` "
               "tag) accepted."},
    {SEC_LIMITS, "auth_timeout", T_DURATION, SRV(limits.auth_timeout), .min = 1,
        .max = HOUR, .def = "30s",
        .doc = "Time a new connection has to authenticate before it is "
               "closed."},
    {SEC_LIMITS, "auth_attempts", T_UINT, SRV(limits.auth_attempts), .min = 1,
        .max = 100, .def = "3",
        .doc = "Failed authentication attempts allowed on one "
               "connection."},
    {SEC_LIMITS, "account_failures", T_UINT, SRV(limits.account_failures),
        .min = 1, .max = 100000, .def = "10",
        .doc = "Failed logins allowed for one account within "
               "`account_window`."},
    {SEC_LIMITS, "account_window", T_DURATION, SRV(limits.account_window),
        .min = 1, .max = DAY, .def = "5m",
        .doc = "Length of the window for `account_failures` and "
               "`login_failures_per_address`."},
    {SEC_LIMITS, "connections_per_address", T_UINT,
        SRV(limits.connections_per_address), .min = 0, .max = 1000000,
        .def = "60",
        .doc = "New connections accepted from one source address within "
               "`connection_window`; past it a connection is closed at "
               "once, before TLS. Counted under a keyed hash of the "
               "address that lives in memory only (0: no limit)."},
    {SEC_LIMITS, "connection_window", T_DURATION, SRV(limits.connection_window),
        .min = 1, .max = DAY, .def = "1m",
        .doc = "Length of the window for `connections_per_address`."},
    {SEC_LIMITS, "login_failures_per_address", T_UINT,
        SRV(limits.login_failures_per_address), .min = 0, .max = 1000000,
        .def = "20",
        .doc = "Failed logins allowed from one source address within "
               "`account_window`; past it every login from there fails "
               "with `<not-authorized/>` without the password being "
               "checked. Counted under a keyed hash of the address that "
               "lives in memory only (0: no limit)."},
    {SEC_LIMITS, "idle_timeout", T_DURATION, SRV(limits.idle_timeout), .min = 2,
        .max = DAY, .def = "5m",
        .doc = "Silence on a session before the server pings it "
               "(XEP-0199); a session silent for twice this is closed."},
    {SEC_LIMITS, "read_budget", T_SIZE, SRV(limits.read_budget), .min = KIB,
        .max = MIB, .def = "16k",
        .doc = "Bytes read from one connection per loop iteration, so "
               "that one busy peer cannot starve the others."},
    {SEC_LIMITS, "max_connections", T_UINT, SRV(limits.max_connections),
        .min = 0, .max = 10000000, .def = "0",
        .doc = "Most open client connections; `0` means as many as the "
               "file descriptor limit allows."},
    {SEC_LIMITS, "resources", T_UINT, SRV(limits.resources), .min = 1,
        .max = 1000, .def = "16",
        .doc = "Most simultaneous sessions (resources) of one account."},
    {SEC_LIMITS, "store_backlog", T_UINT, SRV(limits.store_backlog), .min = 16,
        .max = 10000000, .def = "20000",
        .doc = "Storage requests allowed to wait before the server stops "
               "reading from clients until a quarter of them are done, so "
               "a fast sender cannot make it queue work in memory without "
               "bound."},
    {SEC_LIMITS, "roster_items", T_UINT, SRV(limits.roster_items), .min = 1,
        .max = 100000, .def = "1000", .doc = "Most contacts in one roster."},
    {SEC_LIMITS, "offline_messages", T_UINT, SRV(limits.offline_messages),
        .min = 0, .max = 100000, .def = "200",
        .doc = "Most messages held for one account while it is offline; "
               "past it senders get an error, nothing is dropped "
               "silently. `0` turns offline storage off."},
    {SEC_LIMITS, "blocklist_items", T_UINT, SRV(limits.blocklist_items),
        .min = 1, .max = 100000, .def = "1000",
        .doc = "Most entries in one blocklist (XEP-0191)."},
    {SEC_LIMITS, "vcard_bytes", T_SIZE, SRV(limits.vcard_bytes), .min = KIB,
        .max = 16 * MIB, .def = "128k",
        .doc = "Largest vCard (XEP-0054) one account may store."},
    {SEC_LIMITS, "private_bytes", T_SIZE, SRV(limits.private_bytes), .min = KIB,
        .max = 16 * MIB, .def = "64k",
        .doc = "Most bytes of private XML (XEP-0049) one account may "
               "store, all namespaces together."},
    {SEC_LIMITS, "archive_messages", T_UINT, SRV(limits.archive_messages),
        .min = 0, .max = 10000000, .def = "100000",
        .doc = "Most messages kept in one account's archive (XEP-0313); "
               "past it the oldest are removed first. `0` turns the "
               "archive off."},
    {SEC_LIMITS, "resume_timeout", T_DURATION, SRV(limits.resume_timeout),
        .min = 0, .max = DAY, .def = "10m",
        .doc = "How long a session whose connection dropped may be "
               "resumed (XEP-0198); `0` turns resumption off."},
    {SEC_LIMITS, "unacked_stanzas", T_UINT, SRV(limits.unacked_stanzas),
        .min = 16, .max = 100000, .def = "1000",
        .doc = "Most stanzas held for one session awaiting the client's "
               "acknowledgement (XEP-0198); past it the session is "
               "closed, and what was held goes to offline storage."},
    {SEC_LIMITS, "csi_held", T_UINT, SRV(limits.csi_held), .min = 1,
        .max = 100000, .def = "200",
        .doc = "Most stanzas held for an inactive client (XEP-0352) "
               "before they are flushed anyway."},
    {SEC_LIMITS, "pep_nodes", T_UINT, SRV(limits.pep_nodes), .min = 1,
        .max = 10000, .def = "128",
        .doc = "Most PEP nodes (XEP-0163) one account may own."},
    {SEC_LIMITS, "pep_items", T_UINT, SRV(limits.pep_items), .min = 1,
        .max = 10000, .def = "256",
        .doc = "Most items one PEP node may keep (a node's `max_items` "
               "is capped to it)."},
    {SEC_LIMITS, "pep_item_bytes", T_SIZE, SRV(limits.pep_item_bytes),
        .min = KIB, .max = 16 * MIB, .def = "256k",
        .doc = "Largest item one PEP node accepts."},
    {SEC_LIMITS, "push_registrations", T_UINT, SRV(limits.push_registrations),
        .min = 0, .max = 1000, .def = "8",
        .doc = "Most push registrations (XEP-0357) of one account; `0` "
               "turns push off."},

    /* [retention] */
    {SEC_RETENTION, "offline", T_DURATION, SRV(retention.offline), .min = 1,
        .max = 365 * DAY, .def = "72h",
        .doc = "Age at which an undelivered offline message is deleted "
               "(and never delivered)."},
    {SEC_RETENTION, "archive", T_DURATION, SRV(retention.archive), .min = 1,
        .max = 3650 * DAY, .def = "7d",
        .doc = "Age at which an archived message (XEP-0313) is deleted. "
               "Users may choose shorter, never longer."},
    {SEC_RETENTION, "push", T_DURATION, SRV(retention.push), .min = 1,
        .max = 365 * DAY, .def = "30d",
        .doc = "A push registration (XEP-0357) unused this long is "
               "removed."},
    {SEC_RETENTION, "tombstone", T_DURATION, SRV(retention.tombstone), .min = 0,
        .max = 3650 * DAY, .def = "365d",
        .doc = "How long a deleted account's name cannot be registered "
               "again (kept as a keyed hash, never the name); `0` keeps "
               "no tombstone."},
    {SEC_RETENTION, "fast_token", T_DURATION, SRV(retention.fast_token),
        .min = 1, .max = 365 * DAY, .def = "14d",
        .doc = "Lifetime of a FAST login token (XEP-0484). A token "
               "login may ask for a new token; the old one then ends "
               "when the new one is first used."},

    /* [tls] */
    {SEC_TLS, "min_protocol", T_ENUM, SRV(tls_min_protocol),
        .words = tls_version_words, .def = "1.2",
        .doc = "Oldest TLS version accepted."},
    {SEC_TLS, "ciphers", T_STRING, SRV(tls_ciphers), .check = check_ciphers,
        .def = "ECDHE+AESGCM:ECDHE+CHACHA20",
        .doc = "OpenSSL cipher list for TLS 1.2."},
    {SEC_TLS, "ciphersuites", T_STRING, SRV(tls_ciphersuites),
        .check = check_ciphersuites,
        .def = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
               "TLS_CHACHA20_POLY1305_SHA256",
        .doc = "TLS 1.3 cipher suites, separated by `:`."},

    /* [host NAME] */
    {SEC_HOST, "certificate", T_PATH, HOST(certificate), .def = NULL,
        .doc = "PEM certificate chain for the domain, leaf first."},
    {SEC_HOST, "key", T_PATH, HOST(key), .def = NULL,
        .doc = "PEM private key of the certificate."},
    {SEC_HOST, "contact_admin", T_STRING, HOST(contact_admin), .def = "",
        .doc = "Server contact addresses (XEP-0157) for administrators: "
               "URIs (`xmpp:`, `mailto:`, `https:`) separated by spaces."},
    {SEC_HOST, "contact_abuse", T_STRING, HOST(contact_abuse), .def = "",
        .doc = "XEP-0157 addresses for abuse reports."},
    {SEC_HOST, "contact_feedback", T_STRING, HOST(contact_feedback), .def = "",
        .doc = "XEP-0157 addresses for feedback."},
    {SEC_HOST, "contact_security", T_STRING, HOST(contact_security), .def = "",
        .doc = "XEP-0157 addresses for security reports."},
    {SEC_HOST, "contact_support", T_STRING, HOST(contact_support), .def = "",
        .doc = "XEP-0157 addresses for user support."},
    {SEC_HOST, "e2ee", T_ENUM, HOST(e2ee), .words = e2ee_words, .def = "off",
        .doc = "End-to-end encryption policy for one-to-one messages "
               "with a body from or to this host's accounts: `off`; "
               "`warn` (delivered, the sender is told once per "
               "conversation per session); `require` (refused with "
               "`<policy-violation/>`). OMEMO, OpenPGP (XEP-0373, "
               "XEP-0027) and OTR count as encrypted."},
    {SEC_HOST, "e2ee_exempt", T_STRING, HOST(e2ee_exempt), .def = "",
        .doc = "JIDs and domains, separated by spaces, whose messages "
               "(sent or received) the `e2ee` policy skips; a bare JID "
               "covers its resources, a domain its accounts."},

    /* [listen NAME] */
    {SEC_LISTEN, "address", T_ADDRESS, LSN(address), .def = NULL,
        .doc = "Numeric IPv4 or IPv6 address to listen on (`0.0.0.0` or "
               "`::` for all addresses of that family)."},
    {SEC_LISTEN, "port", T_UINT, LSN(port), .min = 1, .max = 65535, .def = NULL,
        .doc = "TCP port."},
    {SEC_LISTEN, "tls", T_ENUM, LSN(tls), .words = tls_mode_words,
        .def = "starttls",
        .doc = "`starttls`: the stream starts in clear and is upgraded "
               "(RFC 6120, usually port 5222); `direct`: TLS from the "
               "first byte (XEP-0368, usually port 5223)."},
    {SEC_LISTEN, "kind", T_ENUM, LSN(kind), .words = kind_words, .def = "c2s",
        .doc = "What the listener serves: `c2s`, client connections."},
};

#define NKEYS ARRAY_LEN(schema)

/* One section header of the file, in file order. */
struct section {
	struct section *next;
	enum sec sec;
	int line; /* of the header */
	struct conf_host host; /* SEC_HOST; owned until moved into conf */
	struct conf_listen listen; /* SEC_LISTEN; same */
	int seen[NKEYS]; /* line where each key was set, 0 if not */
};

struct parse {
	struct conf *c;
	const char *path; /* as given, for messages */
	char *dir; /* owned; absolute directory of the file */
	const char *text; /* file contents */
	size_t len, pos;
	int line; /* number of the line last handed to inih */
	struct section *head, **tail, *cur;
	struct section *single[SEC_COUNT]; /* [server], [limits], [tls] */
	int failed;
	int err_line;
	char *err;
	size_t errlen;
};

static void
set_error(struct parse *p, int line, const char *fmt, va_list ap)
{
	int n;

	p->failed = 1;
	p->err_line = line;
	if (p->err == NULL || p->errlen == 0)
		return;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
}

/* Records the first error only: later ones are usually its echoes. */
static void __attribute__((format(printf, 3, 4)))
fail(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	va_start(ap, fmt);
	set_error(p, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
fail_replace(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(p, line, fmt, ap);
	va_end(ap);
}

static const char *
check_ciphers(const char *v)
{
	SSL_CTX *ctx;
	int ok;

	if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
		return "cannot create a TLS context to check it";
	ok = SSL_CTX_set_cipher_list(ctx, v);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok ? NULL : "OpenSSL knows no TLS 1.2 cipher in this list";
}

static const char *
check_ciphersuites(const char *v)
{
	SSL_CTX *ctx;
	int ok;

	if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
		return "cannot create a TLS context to check it";
	ok = SSL_CTX_set_ciphersuites(ctx, v);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok ? NULL
	          : "not a list of TLS 1.3 cipher suites known to "
	            "OpenSSL";
}

static char *
xstrndup(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* dir/rel, without "./" noise; rel is relative. */
static char *
path_join(const char *dir, const char *rel)
{
	size_t dn, rn;
	char *out;

	while (rel[0] == '.' && rel[1] == '/') {
		rel += 2;
		while (*rel == '/')
			rel++;
	}
	if (strcmp(rel, ".") == 0)
		rel = "";
	dn = strlen(dir);
	rn = strlen(rel);
	if (rn == 0)
		return xstrndup(dir, dn);
	if (dn > 0 && dir[dn - 1] == '/')
		dn--;
	if (dn > SIZE_MAX - rn - 2 || (out = malloc(dn + rn + 2)) == NULL)
		return NULL;
	memcpy(out, dir, dn);
	out[dn] = '/';
	memcpy(out + dn + 1, rel, rn + 1);
	return out;
}

/* The absolute directory holding path, so that relative paths in the
 * file mean the same whatever the server's working directory later is. */
static char *
file_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *cwd, *rel, *out;

	if (slash == path)
		return xstrndup("/", 1);
	rel = slash ? xstrndup(path, slash - path) : xstrndup(".", 1);
	if (rel == NULL)
		return NULL;
	if (rel[0] == '/')
		return rel;
	if ((cwd = getcwd(NULL, 0)) == NULL) {
		free(rel);
		return NULL;
	}
	out = path_join(cwd, rel);
	free(cwd);
	free(rel);
	return out;
}

static void
store_ptr(void *field, char *s)
{
	char *old;

	memcpy(&old, field, sizeof old);
	free(old);
	memcpy(field, &s, sizeof s);
}

static void
store_int(void *field, int v)
{
	memcpy(field, &v, sizeof v);
}

static void
store_num(const struct key *k, void *field, uint64_t v)
{
	if (k->width == sizeof(size_t)) {
		size_t z = v;
		memcpy(field, &z, sizeof z);
	} else {
		unsigned u = v;
		memcpy(field, &u, sizeof u);
	}
}

static int
word_index(const char *const *words, const char *v)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], v) == 0)
			return i;
	return -1;
}

/* Writes "`a`, `b` or `c`" for messages and the reference. */
static int
append_words(struct buf *b, const char *const *words)
{
	int i;

	for (i = 0; words[i] != NULL; i++) {
		if (buf_appendf(b, "%s`%s`",
		        i == 0                     ? ""
		            : words[i + 1] == NULL ? " or "
		                                   : ", ",
		        words[i]) == -1)
			return -1;
	}
	return 0;
}

/* v in the unit a person would write it in, e.g. 262144 -> "256k". */
static void
format_num(enum type t, uint64_t v, char *out, size_t cap)
{
	static const struct {
		enum type t;
		uint64_t unit;
		const char *suffix;
	} units[] = {
	    {T_SIZE, MIB, "M"},
	    {T_SIZE, KIB, "k"},
	    {T_DURATION, DAY, "d"},
	    {T_DURATION, HOUR, "h"},
	    {T_DURATION, MINUTE, "m"},
	    {T_DURATION, 1, "s"},
	};
	size_t i;

	if (v != 0) {
		for (i = 0; i < ARRAY_LEN(units); i++) {
			if (units[i].t == t && v % units[i].unit == 0) {
				snprintf(out, cap, "%llu%s",
				    (unsigned long long)(v / units[i].unit),
				    units[i].suffix);
				return;
			}
		}
	}
	snprintf(out, cap, "%llu", (unsigned long long)v);
}

/* Parses a number of type t with its suffix; NULL or the reason. */
static const char *
parse_num(enum type t, const char *v, uint64_t *out)
{
	uint64_t n = 0, mult = 1;
	const char *s = v;

	if (*s < '0' || *s > '9')
		return "not a number";
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (*s - '0')) / 10)
			return "too large";
		n = n * 10 + (*s - '0');
	}
	if (*s != '\0') {
		if (t == T_SIZE && (*s == 'k' || *s == 'K'))
			mult = KIB;
		else if (t == T_SIZE && *s == 'M')
			mult = MIB;
		else if (t == T_DURATION && *s == 's')
			mult = 1;
		else if (t == T_DURATION && *s == 'm')
			mult = MINUTE;
		else if (t == T_DURATION && *s == 'h')
			mult = HOUR;
		else if (t == T_DURATION && *s == 'd')
			mult = DAY;
		else if (t == T_SIZE)
			return "not a size (digits with an optional k, K or M)";
		else if (t == T_DURATION)
			return "not a duration (digits with an optional s, m, "
			       "h or d)";
		else
			return "not a number";
		if (s[1] != '\0')
			return t == T_SIZE ? "not a size (digits with an "
			                     "optional k, K or M)"
			                   : "not a duration (digits with an "
			                     "optional s, m, h or d)";
		if (n > UINT64_MAX / mult)
			return "too large";
	}
	*out = n * mult;
	return NULL;
}

/*
 * Sets the field of k in base from the text v, which came from line
 * (0 for a default). Returns 0, or -1 with the error recorded.
 */
static int
apply(struct parse *p, const struct key *k, void *base, const char *v, int line)
{
	char *field = (char *)base + k->offset;
	char *s, lo[32], hi[32];
	const char *why, *q;
	uint64_t n;
	int i;

	/* Keys whose default is empty (lists that may be empty) accept it. */
	if (*v == '\0' && !(k->def != NULL && *k->def == '\0')) {
		fail(p, line,
		    "%s: empty value (leave the key out for the "
		    "default)",
		    k->name);
		return -1;
	}
	switch (k->type) {
	case T_STRING:
		for (q = v; *q != '\0'; q++) {
			if ((unsigned char)*q < 0x20 || *q == 0x7f) {
				fail(p, line, "%s: control character in value",
				    k->name);
				return -1;
			}
		}
		if (k->check != NULL && (why = k->check(v)) != NULL) {
			fail(p, line, "%s: '%s': %s", k->name, v, why);
			return -1;
		}
		if ((s = strdup(v)) == NULL)
			goto oom;
		store_ptr(field, s);
		return 0;
	case T_PATH:
		s = v[0] == '/' ? strdup(v) : path_join(p->dir, v);
		if (s == NULL)
			goto oom;
		store_ptr(field, s);
		return 0;
	case T_UINT:
	case T_SIZE:
	case T_DURATION:
		if ((why = parse_num(k->type, v, &n)) != NULL) {
			fail(p, line, "%s: '%s' is %s", k->name, v, why);
			return -1;
		}
		if (n < k->min || n > k->max) {
			format_num(k->type, k->min, lo, sizeof lo);
			format_num(k->type, k->max, hi, sizeof hi);
			fail(p, line, "%s: '%s' is out of range %s..%s",
			    k->name, v, lo, hi);
			return -1;
		}
		store_num(k, field, n);
		return 0;
	case T_BOOL: {
		static const char *const bool_words[] = {
		    "false", "true", "no", "yes", "off", "on", NULL};

		if ((i = word_index(bool_words, v)) == -1) {
			fail(p, line,
			    "%s: '%s' is not true/false, yes/no or "
			    "on/off",
			    k->name, v);
			return -1;
		}
		store_int(field, i % 2);
		return 0;
	}
	case T_ENUM:
	case T_WORD: {
		struct buf b = BUF_INIT;

		if ((i = word_index(k->words, v)) != -1) {
			if (k->type == T_ENUM) {
				store_int(field, i);
				return 0;
			}
			if ((s = strdup(v)) == NULL)
				goto oom;
			store_ptr(field, s);
			return 0;
		}
		if (append_words(&b, k->words) == -1 ||
		    buf_append(&b, "", 1) == -1) {
			buf_free(&b);
			goto oom;
		}
		fail(p, line, "%s: '%s' is not one of %s", k->name, v,
		    buf_ptr(&b));
		buf_free(&b);
		return -1;
	}
	case T_ADDRESS: {
		unsigned char bin[sizeof(struct in6_addr)];
		char text[INET6_ADDRSTRLEN];
		int af = strchr(v, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(af, v, bin) != 1 ||
		    inet_ntop(af, bin, text, sizeof text) == NULL) {
			fail(p, line,
			    "%s: '%s' is not a numeric IPv4 or IPv6 "
			    "address",
			    k->name, v);
			return -1;
		}
		if ((s = strdup(text)) == NULL)
			goto oom;
		store_ptr(field, s);
		return 0;
	}
	}
	fail(p, line, "%s: unknown type in schema", k->name);
	return -1;
oom:
	fail(p, line, "out of memory");
	return -1;
}

static void *
section_base(struct parse *p, struct section *s)
{
	if (s == NULL || s->sec == SEC_SERVER || s->sec == SEC_LIMITS ||
	    s->sec == SEC_RETENTION || s->sec == SEC_TLS)
		return p->c;
	return s->sec == SEC_HOST ? (void *)&s->host : (void *)&s->listen;
}

static int
listen_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LISTEN_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		        ch == '-'))
			return 0;
	}
	return 1;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * A section header line (starting with '['): check it and open a new
 * section. inih sees the same line; where it would call the header
 * malformed, we say so first and more precisely.
 */
static int
section_open(struct parse *p, const char *line)
{
	const char *s = line + 1, *e, *w, *we, *name = NULL;
	size_t wn, nn = 0;
	struct section *sec;
	struct section *o;
	int i, kind = -1;

	for (e = s; *e != '\0' && *e != ']'; e++)
		if (*e == ';' && is_blank(e[-1]))
			break;
	if (*e != ']') {
		fail(p, p->line, "section header without closing ']'");
		return -1;
	}
	for (w = e + 1; is_blank(*w); w++)
		;
	if (*w != '\0' && *w != ';' && *w != '#') {
		fail(p, p->line, "unexpected text after section header");
		return -1;
	}
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	for (we = s; we < e && !is_blank(*we); we++)
		;
	wn = we - s;
	if (we < e) {
		for (name = we; is_blank(*name); name++)
			;
		nn = e - name;
	}
	for (i = 0; i < SEC_COUNT; i++)
		if (strlen(sections[i].word) == wn &&
		    memcmp(sections[i].word, s, wn) == 0)
			kind = i;
	if (kind == -1) {
		fail(p, p->line, "unknown section [%.*s]", (int)wn, s);
		return -1;
	}
	if (sections[kind].named && name == NULL) {
		fail(p, p->line, "[%s] needs a name: [%s NAME]",
		    sections[kind].word, sections[kind].word);
		return -1;
	}
	if (!sections[kind].named && name != NULL) {
		fail(p, p->line, "[%s] takes no name", sections[kind].word);
		return -1;
	}
	if (!sections[kind].named && p->single[kind] != NULL) {
		fail(p, p->line, "duplicate section [%s] (first at line %d)",
		    sections[kind].word, p->single[kind]->line);
		return -1;
	}

	if ((sec = calloc(1, sizeof *sec)) == NULL) {
		fail(p, p->line, "out of memory");
		return -1;
	}
	sec->sec = kind;
	sec->line = p->line;
	*p->tail = sec;
	p->tail = &sec->next;
	p->cur = sec;
	if (!sections[kind].named)
		p->single[kind] = sec;

	if (kind == SEC_HOST) {
		if ((sec->host.name = jid_domain_prep(name, nn)) == NULL) {
			fail(p, p->line, "invalid host name '%.*s'", (int)nn,
			    name);
			return -1;
		}
		for (o = p->head; o != sec; o = o->next) {
			if (o->sec == SEC_HOST &&
			    strcmp(o->host.name, sec->host.name) == 0) {
				fail(p, p->line,
				    "duplicate host '%s' (first at "
				    "line %d)",
				    sec->host.name, o->line);
				return -1;
			}
		}
	} else if (kind == SEC_LISTEN) {
		if (!listen_name_ok(name, nn)) {
			fail(p, p->line,
			    "invalid listener name '%.*s' (letters, "
			    "digits, '.', '_', '-'; at most %d)",
			    (int)nn, name, LISTEN_NAME_MAX);
			return -1;
		}
		if ((sec->listen.name = xstrndup(name, nn)) == NULL) {
			fail(p, p->line, "out of memory");
			return -1;
		}
		for (o = p->head; o != sec; o = o->next) {
			if (o->sec == SEC_LISTEN &&
			    strcmp(o->listen.name, sec->listen.name) == 0) {
				fail(p, p->line,
				    "duplicate listener '%s' (first "
				    "at line %d)",
				    sec->listen.name, o->line);
				return -1;
			}
		}
	}
	return 0;
}

/* inih's reader: one line of the file per call, counted. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *s, *e, *nl;
	size_t n, content;

	if (p->failed || p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	e = nl ? nl + 1 : p->text + p->len;
	p->pos = e - p->text;
	p->line++;
	if (p->line == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	/* No leading blanks: inih would take the line as a continuation. */
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	n = e - s;
	content = n;
	while (
	    content > 0 && (s[content - 1] == '\n' || s[content - 1] == '\r'))
		content--;
	if (num < 4 || content > (size_t)num - 3 || content > CONF_LINE_MAX) {
		fail(p, p->line, "line longer than %d characters",
		    CONF_LINE_MAX);
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	if (str[0] == '[' && section_open(p, str) == -1)
		return NULL;
	return str;
}

static const struct key *
key_find(enum sec sec, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (schema[i].sec == sec && strcmp(schema[i].name, name) == 0) {
			*idx = i;
			return &schema[i];
		}
	}
	return NULL;
}

/* inih's handler: one key = value; the section is ours, not its. */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct section *sec = p->cur;
	const struct key *k;
	size_t idx;

	(void)section;
	if (p->failed)
		return 0;
	if (sec == NULL) {
		fail(p, p->line, "'%s' outside any section", name);
		return 0;
	}
	if ((k = key_find(sec->sec, name, &idx)) == NULL) {
		fail(p, p->line, "unknown key '%s' in [%s]", name,
		    sections[sec->sec].word);
		return 0;
	}
	if (sec->seen[idx] != 0) {
		fail(p, p->line, "duplicate key '%s' (first at line %d)", name,
		    sec->seen[idx]);
		return 0;
	}
	sec->seen[idx] = p->line;
	return apply(p, k, section_base(p, sec), value, p->line) == 0;
}

/*
 * Defaults for the keys of sec's kind that the file left out; a missing
 * required key is an error at the section header, or at line 0 for a
 * section absent altogether (sec == NULL).
 */
static int
complete(struct parse *p, enum sec kind, struct section *sec)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &schema[i];

		if (k->sec != kind || (sec != NULL && sec->seen[i] != 0))
			continue;
		if (k->def == NULL) {
			if (sec == NULL)
				fail(p, 0,
				    "missing [%s] section with required "
				    "key '%s'",
				    sections[kind].word, k->name);
			else if (sections[kind].named)
				fail(p, sec->line,
				    "[%s %s]: missing required "
				    "key '%s'",
				    sections[kind].word,
				    kind == SEC_HOST ? sec->host.name
				                     : sec->listen.name,
				    k->name);
			else
				fail(p, sec->line,
				    "[%s]: missing required key "
				    "'%s'",
				    sections[kind].word, k->name);
			return -1;
		}
		if (apply(p, k, section_base(p, sec), k->def, 0) == -1)
			return -1;
	}
	return 0;
}

/* Whether binding a and b at once would fail: same family and port, and
 * the same address or a wildcard. */
static int
listen_clash(const struct conf_listen *a, const struct conf_listen *b)
{
	unsigned char x[sizeof(struct in6_addr)], y[sizeof(struct in6_addr)];
	static const unsigned char zero[sizeof(struct in6_addr)];
	int fa = strchr(a->address, ':') ? AF_INET6 : AF_INET;
	int fb = strchr(b->address, ':') ? AF_INET6 : AF_INET;
	size_t n = fa == AF_INET6 ? 16 : 4;

	if (a->port != b->port || fa != fb)
		return 0;
	if (inet_pton(fa, a->address, x) != 1 ||
	    inet_pton(fb, b->address, y) != 1)
		return 0;
	return memcmp(x, y, n) == 0 || memcmp(x, zero, n) == 0 ||
	    memcmp(y, zero, n) == 0;
}

/* After the last line: defaults, required keys, cross-section rules,
 * and the hosts and listeners moved into their arrays. */
static int
finish(struct parse *p)
{
	struct conf *c = p->c;
	struct section *s, *o;
	size_t nh = 0, nl = 0;
	int kind;

	for (s = p->head; s != NULL; s = s->next) {
		if (complete(p, s->sec, s) == -1)
			return -1;
		nh += s->sec == SEC_HOST;
		nl += s->sec == SEC_LISTEN;
	}
	for (kind = 0; kind < SEC_COUNT; kind++)
		if (!sections[kind].named && p->single[kind] == NULL &&
		    complete(p, kind, NULL) == -1)
			return -1;
	for (s = p->head; s != NULL; s = s->next) {
		if (s->sec != SEC_LISTEN)
			continue;
		for (o = p->head; o != s; o = o->next) {
			if (o->sec == SEC_LISTEN &&
			    listen_clash(&o->listen, &s->listen)) {
				fail(p, s->line,
				    "listener '%s' on %s port %u "
				    "clashes with listener '%s' "
				    "(line %d) on %s",
				    s->listen.name, s->listen.address,
				    s->listen.port, o->listen.name, o->line,
				    o->listen.address);
				return -1;
			}
		}
	}
	if (nh == 0) {
		fail(p, 0,
		    "no [host NAME] section: at least one host is "
		    "required");
		return -1;
	}
	if (nl == 0) {
		fail(p, 0,
		    "no [listen NAME] section: at least one listener "
		    "is required");
		return -1;
	}
	if ((c->hosts = calloc(nh, sizeof *c->hosts)) == NULL ||
	    (c->listens = calloc(nl, sizeof *c->listens)) == NULL) {
		fail(p, 0, "out of memory");
		return -1;
	}
	for (s = p->head; s != NULL; s = s->next) {
		if (s->sec == SEC_HOST) {
			c->hosts[c->nhosts++] = s->host;
			memset(&s->host, 0, sizeof s->host);
		} else if (s->sec == SEC_LISTEN) {
			c->listens[c->nlistens++] = s->listen;
			memset(&s->listen, 0, sizeof s->listen);
		}
	}
	return 0;
}

static void
host_clear(struct conf_host *h)
{
	free(h->name);
	free(h->certificate);
	free(h->key);
	free(h->contact_admin);
	free(h->contact_abuse);
	free(h->contact_feedback);
	free(h->contact_security);
	free(h->contact_support);
	free(h->e2ee_exempt);
	memset(h, 0, sizeof *h);
}

static void
listen_clear(struct conf_listen *l)
{
	free(l->name);
	free(l->address);
	memset(l, 0, sizeof *l);
}

/* The whole file in memory: inih then reads it through reader(). */
static char *
read_file(struct parse *p, size_t *lenp)
{
	FILE *f;
	char *text, *nul;
	size_t len;
	int line;

	if ((f = fopen(p->path, "re")) == NULL) {
		fail(p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if ((text = malloc(CONF_FILE_MAX + 1)) == NULL) {
		fclose(f);
		fail(p, 0, "out of memory");
		return NULL;
	}
	len = fread(text, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		fail(p, 0, "cannot read: %s", strerror(errno));
		goto fail_text;
	}
	if (len > CONF_FILE_MAX) {
		fail(p, 0, "larger than %d bytes", CONF_FILE_MAX);
		goto fail_text;
	}
	if ((nul = memchr(text, '\0', len)) != NULL) {
		line = 1;
		for (char *q = text; q < nul; q++)
			line += *q == '\n';
		fail(p, line, "NUL byte in file");
		goto fail_text;
	}
	fclose(f);
	*lenp = len;
	return text;
fail_text:
	free(text);
	fclose(f);
	return NULL;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct parse p;
	struct section *s, *next;
	char *text = NULL;
	int r;

	memset(&p, 0, sizeof p);
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	p.tail = &p.head;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if ((p.c = calloc(1, sizeof *p.c)) == NULL ||
	    (p.c->path = strdup(path)) == NULL ||
	    (p.dir = file_dir(path)) == NULL) {
		fail(&p, 0, "out of memory");
		goto done;
	}
	if ((text = read_file(&p, &p.len)) == NULL)
		goto done;
	p.text = text;
	r = ini_parse_stream(reader, &p, handler, &p);
	if (r == -2) {
		fail_replace(&p, 0, "out of memory");
		goto done;
	}
	/* inih's own complaints are about syntax, on lines we let through. */
	if (r > 0 && (!p.failed || r < p.err_line))
		fail_replace(&p, r,
		    "expected 'key = value', '[section]' or "
		    "a comment");
	if (!p.failed)
		finish(&p);
done:
	for (s = p.head; s != NULL; s = next) {
		next = s->next;
		host_clear(&s->host);
		listen_clear(&s->listen);
		free(s);
	}
	free(text);
	free(p.dir);
	if (p.failed) {
		conf_free(p.c);
		return NULL;
	}
	return p.c;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nhosts; i++)
		host_clear(&c->hosts[i]);
	for (i = 0; i < c->nlistens; i++)
		listen_clear(&c->listens[i]);
	free(c->hosts);
	free(c->listens);
	free(c->path);
	free(c->data_dir);
	free(c->log_level);
	free(c->tls_ciphers);
	free(c->tls_ciphersuites);
	free(c);
}

const struct conf_host *
conf_host_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return &c->hosts[i];
	return NULL;
}

static const char reference_head[] =
    "# Configuration reference\n"
    "\n"
    "<!-- Generated from the schema in src/core/conf.c by "
    "tools/gen-conf-reference.sh. Do not edit: a unit test checks that "
    "this file matches the schema. -->\n"
    "\n"
    "Lethe reads one INI file; `etc/lethe.ini` is a commented example.\n"
    "\n"
    "## Syntax\n"
    "\n"
    "- A section starts with a header line, `[server]` or "
    "`[host NAME]`; the keys after it, one `key = value` per line, "
    "belong to it. Leading blanks are ignored.\n"
    "- A line starting with `;` or `#` is a comment. After a value, `;` "
    "preceded by a blank starts a comment; `#` there is part of the "
    "value.\n"
    "- Section names and keys are lowercase and case-sensitive. A key "
    "may appear once per section; `[server]`, `[limits]` and `[tls]` "
    "at most once each.\n"
    "- Keys left out take their default; a key marked *required* must "
    "be given. An empty value is an error, except for keys whose "
    "default is empty.\n"
    "- Unknown sections and keys, bad values and missing required keys "
    "stop the server with `FILE:LINE: reason` (line 0 for problems of "
    "the whole file).\n"
    "- A line holds at most %d characters; the file at most %d bytes.\n"
    "\n"
    "## Types\n"
    "\n"
    "| type | written as |\n"
    "|---|---|\n"
    "| uint | decimal digits |\n"
    "| size | bytes: decimal digits, optionally followed by `k` or `K` "
    "(times 1024) or `M` (times 1048576), e.g. `256k` |\n"
    "| duration | seconds: decimal digits, optionally followed by `s`, "
    "`m` (minutes), `h` or `d`, e.g. `5m` |\n"
    "| bool | `true`, `yes`, `on` or `false`, `no`, `off` |\n"
    "| enum | one of the listed words |\n"
    "| string | text without control characters |\n"
    "| path | a file name; a relative one is taken from the directory "
    "of the configuration file |\n"
    "| address | a numeric IPv4 or IPv6 address (no host names) |\n";

static int
reference_type(struct buf *b, const struct key *k)
{
	char lo[32], hi[32];

	switch (k->type) {
	case T_UINT:
	case T_SIZE:
	case T_DURATION:
		format_num(k->type, k->min, lo, sizeof lo);
		format_num(k->type, k->max, hi, sizeof hi);
		return buf_appendf(
		    b, "%s, %s..%s", type_names[k->type], lo, hi);
	case T_ENUM:
	case T_WORD:
		if (buf_append_str(b, "one of ") == -1)
			return -1;
		return append_words(b, k->words);
	default:
		return buf_append_str(b, type_names[k->type]);
	}
}

int
conf_reference(struct buf *out)
{
	size_t i;
	int sec, r;

	if (buf_appendf(out, reference_head, CONF_LINE_MAX, CONF_FILE_MAX) ==
	    -1)
		return -1;
	for (sec = 0; sec < SEC_COUNT; sec++) {
		if (buf_appendf(out, "\n## [%s%s]\n\n%s\n\n",
		        sections[sec].word, sections[sec].named ? " NAME" : "",
		        sections[sec].doc) == -1 ||
		    buf_append_str(out,
		        "| key | type | default | meaning |\n"
		        "|---|---|---|---|\n") == -1)
			return -1;
		for (i = 0; i < NKEYS; i++) {
			const struct key *k = &schema[i];

			if ((int)k->sec != sec)
				continue;
			if (buf_appendf(out, "| `%s` | ", k->name) == -1 ||
			    reference_type(out, k) == -1)
				return -1;
			r = k->def != NULL
			    ? buf_appendf(out, " | `%s` | ", k->def)
			    : buf_append_str(out, " | *required* | ");
			if (r == -1)
				return -1;
			if (buf_appendf(out, "%s |\n", k->doc) == -1)
				return -1;
		}
	}
	return 0;
}
