/*
 * conf: the one configuration file, INI (libinih), validated against one
 * schema table: every key has a type, a range, a default and a line of
 * documentation, and the table also generates docs/configuration.md.
 * Unknown sections or keys and bad values are errors with file, line and
 * reason, never warnings.
 *
 * Sections:
 *   [server]            data_dir, log_level, ...
 *   [limits]            stanza_bytes, depth, ...
 *   [tls]               protocols and ciphers
 *   [host NAME]         one per virtual host: certificate, key
 *   [listen NAME]       one per listener: address, port, tls
 *
 * A loaded struct conf is complete: every field holds either the value
 * from the file or its default, strings are never NULL (except the
 * reserved contact_admin), and paths are absolute.
 */
#ifndef LETHE_CONF_H
#define LETHE_CONF_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum conf_tls_mode { CONF_TLS_STARTTLS = 0, CONF_TLS_DIRECT };
enum conf_listen_kind { CONF_LISTEN_C2S = 0 };
enum conf_tls_version { CONF_TLS_1_2 = 0, CONF_TLS_1_3 };

struct conf_host {
	char *name; /* owned; normalized domain (IDNA U-label, lowercase) */
	char *certificate; /* owned; absolute path to PEM chain */
	char *key; /* owned; absolute path to PEM private key */
	/* XEP-0157: space-separated URIs, owned, "" when none. */
	char *contact_admin;
	char *contact_abuse;
	char *contact_feedback;
	char *contact_security;
	char *contact_support;
	int e2ee; /* enum conf_e2ee, default off */
	/* Space-separated JIDs and domains the policy skips; owned, "". */
	char *e2ee_exempt;
};

struct conf_listen {
	char *name; /* owned; [A-Za-z0-9._-], unique */
	char *address; /* owned; numeric IPv4 or IPv6, canonical form */
	unsigned port; /* 1..65535 */
	enum conf_tls_mode tls;
	enum conf_listen_kind kind;
};

struct conf_limits {
	size_t stanza_bytes; /* default 262144 */
	unsigned depth; /* default 32 */
	unsigned attrs; /* default 64 */
	size_t header_bytes; /* default 4096 */
	unsigned auth_timeout; /* seconds to finish login, default 30 */
	unsigned auth_attempts; /* failed SASL attempts per connection, 3 */
	unsigned account_failures; /* failures per account per window, 10 */
	unsigned account_window; /* seconds of that window, 300 */
	unsigned connections_per_address; /* per connection_window, 60; 0 off */
	unsigned connection_window; /* seconds, 60 */
	unsigned login_failures_per_address; /* per account_window, 20; 0 off */
	unsigned idle_timeout; /* seconds without traffic before ping, 300 */
	unsigned read_budget; /* bytes read per connection per iteration */
	unsigned max_connections; /* open client connections, 0 = fd limit */
	unsigned resources; /* resources per account, default 16 */
	unsigned store_backlog; /* storage requests before reads pause, 20000 */
	unsigned roster_items; /* contacts per roster, default 1000 */
	unsigned offline_messages; /* held per account, 200; 0 = off */
	unsigned blocklist_items; /* entries per blocklist, default 1000 */
	size_t vcard_bytes; /* one vCard, default 128k */
	size_t private_bytes; /* private XML per account, default 64k */
	unsigned archive_messages; /* per account, 100000; 0 = no archive */
	unsigned resume_timeout; /* seconds, XEP-0198, 600; 0 = off */
	unsigned unacked_stanzas; /* per session, XEP-0198, 1000 */
	unsigned csi_held; /* held for an inactive client, 200 */
	unsigned pep_nodes; /* per account, 128 */
	unsigned pep_items; /* per node, 256 */
	size_t pep_item_bytes; /* per item, 256k */
	unsigned push_registrations; /* per account, 8; 0 = off */
};

struct conf_retention {
	unsigned offline; /* seconds, default 72 h */
	unsigned archive; /* seconds, default 7 d */
	unsigned push; /* unused push registrations, default 30 d */
	unsigned fast_token; /* FAST token lifetime, default 14 d */
	unsigned tombstone; /* deleted names kept, default 365 d; 0 = none */
};

enum conf_e2ee { CONF_E2EE_OFF = 0, CONF_E2EE_WARN, CONF_E2EE_REQUIRE };

enum conf_archive_default {
	CONF_ARCHIVE_ALWAYS = 0,
	CONF_ARCHIVE_ROSTER,
	CONF_ARCHIVE_NEVER,
};

struct conf {
	char *path; /* owned; the file as given to conf_load() */
	char *data_dir; /* owned; absolute */
	char *log_level; /* owned; err, warn, info, debug */
	unsigned scram_iterations; /* for new verifiers, default 10000 */
	int keepalive; /* whitespace keepalive interval seconds, 0 = off */
	int software_version; /* answer XEP-0092, default 0 */
	int archive_default; /* enum conf_archive_default, default always */
	int fast; /* offer FAST tokens, default 1 */
	int account_removal; /* XEP-0077 <remove/>, default 1 */
	int registration; /* XEP-0077 registration, default 0 */
	int store_plaintext; /* archive/hold plaintext bodies, default 1 */
	int sealing; /* seal account data to its owner, default 1 */
	unsigned inactive_expiry; /* seconds, 0 = off (default) */
	unsigned inactive_warning; /* seconds before expiry, default 7 d */
	unsigned inactive_check; /* seconds between checks, default 1 d */
	unsigned inactive_clock_offset; /* seconds, tests only, default 0 */
	char *tls_ciphers; /* owned; TLS 1.2 cipher list */
	char *tls_ciphersuites; /* owned; TLS 1.3 suites */
	enum conf_tls_version tls_min_protocol; /* default TLS 1.2 */
	struct conf_limits limits;
	struct conf_retention retention;
	struct conf_host *hosts; /* owned array of nhosts, nhosts >= 1 */
	size_t nhosts;
	struct conf_listen *listens; /* owned array of nlistens, >= 1 */
	size_t nlistens;
};

/*
 * Loads and validates path. Returns a new conf owned by the caller, or
 * NULL with "FILE:LINE: reason" written into err[errlen] (LINE is 0 for
 * problems of the whole file, such as no [host] section).
 */
struct conf *conf_load(const char *path, char *err, size_t errlen);
/* Releases c and everything it owns. NULL is a no-op. */
void conf_free(struct conf *c);
/* The host named name (normalized), or NULL. */
const struct conf_host *conf_host_find(const struct conf *c, const char *name);
/* Appends the configuration reference (Markdown) generated from the
 * schema to out; 0, or -1 on OOM. */
int conf_reference(struct buf *out);

#endif
