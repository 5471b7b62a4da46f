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
 */
#ifndef LETHE_CONF_H
#define LETHE_CONF_H

#include <stddef.h>
#include <stdint.h>

enum conf_tls_mode { CONF_TLS_STARTTLS = 0, CONF_TLS_DIRECT };
enum conf_listen_kind { CONF_LISTEN_C2S = 0 };

struct conf_host {
	char *name; /* normalized domain (IDNA U-label, lowercase) */
	char *certificate; /* path to PEM chain */
	char *key; /* path to PEM private key */
	char **contact_admin; /* unused yet; reserved */
};

struct conf_listen {
	char *name;
	char *address; /* numeric IPv4 or IPv6 address */
	unsigned port;
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
	unsigned idle_timeout; /* seconds without traffic before ping, 300 */
	unsigned read_budget; /* bytes read per connection per iteration */
	unsigned max_connections; /* open client connections, 0 = fd limit */
	unsigned resources; /* resources per account, default 16 */
};

struct conf {
	char *path;
	char *data_dir;
	char *log_level; /* err, warn, info, debug */
	unsigned scram_iterations; /* for new verifiers, default 10000 */
	int keepalive; /* whitespace keepalive interval seconds, 0 = off */
	char *tls_ciphers; /* TLS 1.2 cipher list */
	char *tls_ciphersuites; /* TLS 1.3 suites */
	struct conf_limits limits;
	struct conf_host *hosts; /* array of nhosts */
	size_t nhosts;
	struct conf_listen *listens; /* array of nlistens */
	size_t nlistens;
};

/*
 * Loads and validates path. On failure returns NULL and writes
 * "FILE:LINE: reason" into err[errlen].
 */
struct conf *conf_load(const char *path, char *err, size_t errlen);
void conf_free(struct conf *c);
/* The host named name (normalized), or NULL. */
const struct conf_host *conf_host_find(const struct conf *c, const char *name);
/* Writes the configuration reference (Markdown) generated from the schema. */
struct buf;
int conf_reference(struct buf *out);

#endif
