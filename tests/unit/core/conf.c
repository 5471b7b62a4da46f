/*
 * Unit tests for src/core/conf.c: a good file loads with every default
 * applied; each class of error names the right FILE:LINE; size and
 * duration suffixes; relative paths; the example configuration loads;
 * docs/configuration.md is what conf_reference() generates.
 *
 * Error cases mark the line they expect in the message with a trailing
 * "; HERE" comment, so the expected line number is found, not counted.
 * The first argument is the source root (for docs/ and etc/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"

static const char *srcroot = ".";
static char tmpdir[PATH_MAX];
static char errbuf[512];

#define SERVER "[server]\ndata_dir = /var/lib/lethe\n"
#define HOST "[host localhost]\ncertificate = /c.pem\nkey = /k.pem\n"
#define LISTEN "[listen c2s]\naddress = 127.0.0.1\nport = 5222\n"
#define MINIMAL SERVER HOST LISTEN

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lethe-conf-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to tmpdir/rel (creating one level of directory) and
 * returns the full path in a static buffer. */
static const char *
write_file(const char *rel, const char *text)
{
	static char path[PATH_MAX];
	char dir[PATH_MAX];
	const char *slash;
	FILE *f;

	slash = strrchr(rel, '/');
	if (slash != NULL) {
		if (snprintf(dir, sizeof dir, "%s/%.*s", tmpdir,
		        (int)(slash - rel), rel) >= (int)sizeof dir)
			fail_msg("path too long");
		mkdir(dir, 0700);
	}
	if (snprintf(path, sizeof path, "%s/%s", tmpdir, rel) >=
	    (int)sizeof path)
		fail_msg("path too long");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct conf *
load_text(const char *text)
{
	return conf_load(write_file("lethe.ini", text), errbuf, sizeof errbuf);
}

static struct conf *
load_ok(const char *text)
{
	struct conf *c = load_text(text);

	if (c == NULL)
		fail_msg("unexpected error: %s", errbuf);
	return c;
}

/* The line holding "; HERE", or 0 if there is none. */
static int
marked_line(const char *text)
{
	const char *m = strstr(text, "; HERE");
	int line = 1;

	if (m == NULL)
		return 0;
	for (; text < m; text++)
		line += *text == '\n';
	return line;
}

/* text must fail with "PATH:LINE: ..." where LINE is the marked line and
 * the reason contains want. */
static void
expect_error(const char *text, const char *want)
{
	char prefix[PATH_MAX + 32];
	const char *path;
	struct conf *c;

	path = write_file("lethe.ini", text);
	c = conf_load(path, errbuf, sizeof errbuf);
	if (c != NULL) {
		conf_free(c);
		fail_msg(
		    "loaded, expected an error with '%s':\n%s", want, text);
	}
	snprintf(prefix, sizeof prefix, "%s:%d: ", path, marked_line(text));
	if (strncmp(errbuf, prefix, strlen(prefix)) != 0 ||
	    strstr(errbuf + strlen(prefix), want) == NULL)
		fail_msg(
		    "got '%s', expected '%s' and '%s'", errbuf, prefix, want);
}

static void
test_minimal_defaults(void **state)
{
	struct conf *c = load_ok(MINIMAL);

	assert_string_equal(c->data_dir, "/var/lib/lethe");
	assert_string_equal(c->log_level, "info");
	assert_int_equal(c->scram_iterations, 10000);
	assert_int_equal(c->keepalive, 60);
	assert_int_equal(c->tls_min_protocol, CONF_TLS_1_2);
	assert_non_null(c->tls_ciphers);
	assert_non_null(c->tls_ciphersuites);
	assert_int_equal(c->limits.stanza_bytes, 262144);
	assert_int_equal(c->limits.depth, 32);
	assert_int_equal(c->limits.attrs, 64);
	assert_int_equal(c->limits.header_bytes, 4096);
	assert_int_equal(c->limits.auth_timeout, 30);
	assert_int_equal(c->limits.auth_attempts, 3);
	assert_int_equal(c->limits.account_failures, 10);
	assert_int_equal(c->limits.account_window, 300);
	assert_int_equal(c->limits.idle_timeout, 300);
	assert_int_equal(c->limits.read_budget, 16384);
	assert_int_equal(c->limits.max_connections, 0);
	assert_int_equal(c->limits.resources, 16);
	assert_int_equal(c->nhosts, 1);
	assert_string_equal(c->hosts[0].name, "localhost");
	assert_string_equal(c->hosts[0].certificate, "/c.pem");
	assert_string_equal(c->hosts[0].key, "/k.pem");
	assert_string_equal(c->hosts[0].contact_admin, "");
	assert_int_equal(c->software_version, 0);
	assert_int_equal(c->limits.roster_items, 1000);
	assert_int_equal(c->limits.offline_messages, 200);
	assert_int_equal(c->retention.offline, 72 * 3600);
	assert_int_equal(c->retention.archive, 7 * 86400);
	assert_int_equal(c->archive_default, CONF_ARCHIVE_ALWAYS);
	assert_int_equal(c->fast, 1);
	assert_int_equal(c->limits.resume_timeout, 600);
	assert_int_equal(c->nlistens, 1);
	assert_string_equal(c->listens[0].name, "c2s");
	assert_string_equal(c->listens[0].address, "127.0.0.1");
	assert_int_equal(c->listens[0].port, 5222);
	assert_int_equal(c->listens[0].tls, CONF_TLS_STARTTLS);
	assert_int_equal(c->listens[0].kind, CONF_LISTEN_C2S);
	assert_non_null(strstr(c->path, "lethe.ini"));
	conf_free(c);
}

static void
test_all_values(void **state)
{
	struct conf *c = load_ok("\xEF\xBB\xBF; a full file\n"
	                         "# with both comment styles\n"
	                         "[server]\n"
	                         "  data_dir = /srv/lethe ; indented\n"
	                         "log_level = debug\n"
	                         "scram_iterations = 4096\n"
	                         "keepalive = 0\n"
	                         "[limits]\n"
	                         "stanza_bytes = 10000\n"
	                         "depth = 8\n"
	                         "attrs = 1024\n"
	                         "header_bytes = 64k\n"
	                         "auth_timeout = 1h\n"
	                         "auth_attempts = 100\n"
	                         "account_failures = 1\n"
	                         "account_window = 1d\n"
	                         "idle_timeout = 10\n"
	                         "read_budget = 1M\n"
	                         "max_connections = 10000000\n"
	                         "resources = 1\n"
	                         "[retention]\n"
	                         "offline = 2s\n"
	                         "[tls]\n"
	                         "min_protocol = 1.3\n"
	                         "ciphers = ECDHE+AESGCM\n"
	                         "ciphersuites = TLS_AES_256_GCM_SHA384\n"
	                         "[host Example.ORG]\n"
	                         "certificate = /e.pem\n"
	                         "key = /e.key\n"
	                         "[host localhost]\n"
	                         "certificate = /l.pem\n"
	                         "key = /l.key\n"
	                         "[listen v4]\n"
	                         "address = 0.0.0.0\n"
	                         "port = 5223\n"
	                         "tls = direct\n"
	                         "kind = c2s\n"
	                         "[listen v6]\n"
	                         "address = 0:0::0:1\n"
	                         "port = 5223\n");

	assert_string_equal(c->data_dir, "/srv/lethe");
	assert_string_equal(c->log_level, "debug");
	assert_int_equal(c->scram_iterations, 4096);
	assert_int_equal(c->keepalive, 0);
	assert_int_equal(c->limits.stanza_bytes, 10000);
	assert_int_equal(c->limits.depth, 8);
	assert_int_equal(c->limits.attrs, 1024);
	assert_int_equal(c->limits.header_bytes, 65536);
	assert_int_equal(c->limits.auth_timeout, 3600);
	assert_int_equal(c->limits.auth_attempts, 100);
	assert_int_equal(c->limits.account_failures, 1);
	assert_int_equal(c->limits.account_window, 86400);
	assert_int_equal(c->limits.idle_timeout, 10);
	assert_int_equal(c->limits.read_budget, 1048576);
	assert_int_equal(c->limits.max_connections, 10000000);
	assert_int_equal(c->limits.resources, 1);
	assert_int_equal(c->retention.offline, 2);
	assert_int_equal(c->tls_min_protocol, CONF_TLS_1_3);
	assert_string_equal(c->tls_ciphers, "ECDHE+AESGCM");
	assert_string_equal(c->tls_ciphersuites, "TLS_AES_256_GCM_SHA384");
	assert_int_equal(c->nhosts, 2);
	assert_string_equal(c->hosts[0].name, "example.org");
	assert_string_equal(c->hosts[1].name, "localhost");
	assert_int_equal(c->nlistens, 2);
	assert_string_equal(c->listens[0].address, "0.0.0.0");
	assert_int_equal(c->listens[0].tls, CONF_TLS_DIRECT);
	assert_string_equal(c->listens[1].address, "::1");
	assert_int_equal(c->listens[1].tls, CONF_TLS_STARTTLS);

	assert_ptr_equal(conf_host_find(c, "example.org"), &c->hosts[0]);
	assert_ptr_equal(conf_host_find(c, "localhost"), &c->hosts[1]);
	assert_null(conf_host_find(c, "example.com"));
	conf_free(c);
}

static void
test_size_suffixes(void **state)
{
	static const struct {
		const char *v;
		size_t want;
	} cases[] = {
	    {"10000", 10000},
	    {"300k", 300 * 1024},
	    {"300K", 300 * 1024},
	    {"2M", 2 * 1024 * 1024},
	    {"16M", 16 * 1024 * 1024},
	};
	char text[512];
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text,
		    MINIMAL "[limits]\n"
		            "stanza_bytes = %s\n",
		    cases[i].v);
		c = load_ok(text);
		assert_int_equal(c->limits.stanza_bytes, cases[i].want);
		conf_free(c);
	}
	expect_error(MINIMAL "[limits]\nstanza_bytes = 2G ; HERE\n",
	    "stanza_bytes: '2G' is not a size");
	expect_error(
	    MINIMAL "[limits]\nstanza_bytes = 2m ; HERE\n", "not a size");
	expect_error(
	    MINIMAL "[limits]\nstanza_bytes = 20 k ; HERE\n", "not a size");
	expect_error(
	    MINIMAL "[limits]\nstanza_bytes = 1kk ; HERE\n", "not a size");
	expect_error(MINIMAL "[limits]\nstanza_bytes = k ; HERE\n",
	    "'k' is not a number");
	expect_error(MINIMAL "[limits]\nstanza_bytes = 17M ; HERE\n",
	    "'17M' is out of range 10000..16M");
	expect_error(
	    MINIMAL "[limits]\nstanza_bytes = 9999 ; HERE\n", "out of range");
	expect_error(MINIMAL "[limits]\nread_budget = 99999999999999999999k"
	                     " ; HERE\n",
	    "too large");
	expect_error(MINIMAL "[limits]\nread_budget = 18014398509481984M"
	                     " ; HERE\n",
	    "too large");
}

static void
test_duration_suffixes(void **state)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
	    {"0", 0},
	    {"45", 45},
	    {"45s", 45},
	    {"2m", 120},
	    {"1h", 3600},
	};
	char text[512];
	struct conf *c;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text,
		    "[server]\ndata_dir = /d\nkeepalive = %s\n" HOST LISTEN,
		    cases[i].v);
		c = load_ok(text);
		assert_int_equal(c->keepalive, cases[i].want);
		conf_free(c);
	}
	c = load_ok(MINIMAL "[limits]\naccount_window = 12h\n");
	assert_int_equal(c->limits.account_window, 12 * 3600);
	conf_free(c);

	expect_error(MINIMAL "[limits]\naccount_window = 5x ; HERE\n",
	    "account_window: '5x' is not a duration");
	expect_error(
	    MINIMAL "[limits]\naccount_window = 5M ; HERE\n", "not a duration");
	expect_error(MINIMAL "[limits]\naccount_window = 5ms ; HERE\n",
	    "not a duration");
	expect_error(
	    MINIMAL "[limits]\naccount_window = -5 ; HERE\n", "not a number");
	expect_error(MINIMAL "[limits]\naccount_window = 2d ; HERE\n",
	    "'2d' is out of range 1s..1d");
	expect_error(
	    "[server]\ndata_dir = /d\nkeepalive = 61m ; HERE\n" HOST LISTEN,
	    "'61m' is out of range 0..1h");
}

static void
test_relative_paths(void **state)
{
	char want[PATH_MAX + 64], cwd[PATH_MAX];
	const char *path;
	struct conf *c;

	path = write_file("sub/lethe.ini",
	    "[server]\ndata_dir = data\n"
	    "[host localhost]\ncertificate = ./certs/host.pem\n"
	    "key = /etc/ssl/key.pem\n" LISTEN);
	c = conf_load(path, errbuf, sizeof errbuf);
	if (c == NULL)
		fail_msg("%s", errbuf);
	snprintf(want, sizeof want, "%s/sub/data", tmpdir);
	assert_string_equal(c->data_dir, want);
	snprintf(want, sizeof want, "%s/sub/certs/host.pem", tmpdir);
	assert_string_equal(c->hosts[0].certificate, want);
	assert_string_equal(c->hosts[0].key, "/etc/ssl/key.pem");
	conf_free(c);

	/* A relative file name still gives absolute paths. */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmpdir), 0);
	c = conf_load("sub/lethe.ini", errbuf, sizeof errbuf);
	if (c == NULL)
		fail_msg("%s", errbuf);
	assert_string_equal(c->path, "sub/lethe.ini");
	snprintf(want, sizeof want, "%s/sub/data", tmpdir);
	assert_string_equal(c->data_dir, want);
	conf_free(c);
	assert_int_equal(chdir("sub"), 0);
	c = conf_load("lethe.ini", errbuf, sizeof errbuf);
	if (c == NULL)
		fail_msg("%s", errbuf);
	assert_string_equal(c->data_dir, want);
	conf_free(c);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_section_errors(void **state)
{
	expect_error(
	    MINIMAL "[bogus] ; HERE\nx = 1\n", "unknown section [bogus]");
	expect_error(
	    "data_dir = /d ; HERE\n" MINIMAL, "'data_dir' outside any section");
	expect_error(MINIMAL "[server] ; HERE\n",
	    "duplicate section [server] (first at line 1)");
	expect_error(MINIMAL "[host] ; HERE\n", "[host] needs a name");
	expect_error(MINIMAL "[limits x] ; HERE\n", "[limits] takes no name");
	expect_error(MINIMAL "[limits ; HERE\n", "without closing ']'");
	expect_error(MINIMAL "[limits] junk ; HERE\n",
	    "unexpected text after section header");
	expect_error(MINIMAL "[Server] ; HERE\n", "unknown section [Server]");
	expect_error(MINIMAL "[host bad..example] ; HERE\n",
	    "invalid host name 'bad..example'");
	expect_error(MINIMAL "[host LOCALHOST] ; HERE\n",
	    "duplicate host 'localhost' (first at line 3)");
	expect_error(MINIMAL "[listen c2s] ; HERE\n",
	    "duplicate listener 'c2s' (first at line 6)");
	expect_error(
	    MINIMAL "[listen a/b] ; HERE\n", "invalid listener name 'a/b'");
}

static void
test_key_errors(void **state)
{
	expect_error(
	    "[server]\ndata_dir = /a\ndata_dir = /b ; HERE\n" HOST LISTEN,
	    "duplicate key 'data_dir' (first at line 2)");
	expect_error(
	    "[server]\ndata_dir = /a\nDATA_DIR = /b ; HERE\n" HOST LISTEN,
	    "unknown key 'DATA_DIR' in [server]");
	expect_error(MINIMAL "[limits]\nport = 5 ; HERE\n",
	    "unknown key 'port' in [limits]");
	expect_error(
	    MINIMAL "[limits]\ndepth = ; HERE\n", "depth: empty value");
	expect_error(MINIMAL "[limits]\ndepth = 4 ; HERE\n",
	    "depth: '4' is out of range 8..256");
	expect_error(MINIMAL "[limits]\ndepth = 0x20 ; HERE\n",
	    "'0x20' is not a number");
	expect_error(MINIMAL "[limits]\ndepth = +20 ; HERE\n", "not a number");
	expect_error(
	    MINIMAL "[limits]\ndepth = 20 # no ; HERE\n", "not a number");
	expect_error("[server]\ndata_dir = /d\nscram_iterations = 4095 ; "
	             "HERE\n" HOST LISTEN,
	    "scram_iterations: '4095' is out of range 4096..1000000");
	expect_error(
	    "[server]\ndata_dir = /d\nlog_level = verbose ; HERE\n" HOST LISTEN,
	    "'verbose' is not one of `err`, `warn`, `info` or `debug`");
	expect_error(
	    "[server]\ndata_dir = /d\nmoderation = maybe ; HERE\n" HOST LISTEN,
	    "unknown key 'moderation' in [server]");
	expect_error(MINIMAL "[tls]\nciphers = NOTHING-KNOWN ; HERE\n",
	    "ciphers: 'NOTHING-KNOWN'");
	expect_error(MINIMAL "[tls]\nciphersuites = TLS_BOGUS ; HERE\n",
	    "ciphersuites: 'TLS_BOGUS'");
	expect_error(MINIMAL "[tls]\nmin_protocol = 1.1 ; HERE\n",
	    "is not one of `1.2` or `1.3`");
	expect_error(MINIMAL "[listen x]\naddress = ::1\nport = 0 ; HERE\n",
	    "port: '0' is out of range 1..65535");
	expect_error(MINIMAL "[listen x]\naddress = ::1\nport = 65536 ; HERE\n",
	    "out of range 1..65535");
	expect_error(MINIMAL "[listen x]\naddress = ::1\nport = 5222\n"
	                     "tls = ssl ; HERE\n",
	    "tls: 'ssl' is not one of `starttls` or `direct`");
	expect_error(MINIMAL "[listen x]\naddress = ::1\nport = 5222\n"
	                     "kind = s2s ; HERE\n",
	    "kind: 's2s' is not one of `c2s`");
	expect_error(MINIMAL "[listen x]\naddress = localhost ; HERE\n",
	    "address: 'localhost' is not a numeric IPv4 or IPv6 address");
	expect_error(
	    MINIMAL "[listen x]\naddress = 1.2.3 ; HERE\n", "not a numeric");
	expect_error(
	    MINIMAL "[listen x]\naddress = [::1] ; HERE\n", "not a numeric");
	expect_error(MINIMAL "[listen x]\naddress = 127.0.0.1:5222 ; HERE\n",
	    "not a numeric");
}

static void
test_missing(void **state)
{
	expect_error(HOST LISTEN,
	    "missing [server] section with required key 'data_dir'");
	expect_error("[server] ; HERE\nlog_level = info\n" HOST LISTEN,
	    "[server]: missing required key 'data_dir'");
	expect_error(SERVER LISTEN, "no [host NAME] section");
	expect_error(SERVER HOST, "no [listen NAME] section");
	expect_error(SERVER
	    "[host example.org] ; HERE\ncertificate = /c\n" LISTEN,
	    "[host example.org]: missing required key 'key'");
	expect_error(SERVER HOST "[listen a] ; HERE\naddress = ::\n",
	    "[listen a]: missing required key 'port'");
	expect_error(SERVER HOST "[listen a] ; HERE\nport = 5222\n",
	    "[listen a]: missing required key 'address'");
	expect_error(SERVER HOST "[listen a] ; HERE\n",
	    "missing required key 'address'");
}

static void
test_listen_clash(void **state)
{
	struct conf *c;

	expect_error(MINIMAL "[listen b] ; HERE\naddress = 127.0.0.1\n"
	                     "port = 5222\ntls = direct\n",
	    "listener 'b' on 127.0.0.1 port 5222 clashes with listener "
	    "'c2s' (line 6)");
	expect_error(MINIMAL "[listen b] ; HERE\naddress = 0.0.0.0\n"
	                     "port = 5222\n",
	    "clashes with listener 'c2s'");
	expect_error(MINIMAL "[listen a]\naddress = ::\nport = 5269\n"
	                     "[listen b] ; HERE\naddress = 0::1\nport = 5269\n",
	    "on ::1 port 5269 clashes with listener 'a'");
	/* Different port, or different family: no clash. */
	c = load_ok(MINIMAL "[listen b]\naddress = 127.0.0.1\nport = 5223\n"
	                    "[listen c]\naddress = ::\nport = 5222\n"
	                    "[listen d]\naddress = 127.0.0.2\nport = 5222\n");
	assert_int_equal(c->nlistens, 4);
	assert_string_equal(c->listens[2].address, "::");
	conf_free(c);
}

static void
test_syntax(void **state)
{
	char text[1024];

	expect_error(MINIMAL "[limits]\nthis is not a key ; HERE\n",
	    "expected 'key = value'");
	/* The first error wins, whichever part of the code found it. */
	expect_error(MINIMAL "[limits]\nnonsense ; HERE\n[bogus]\n",
	    "expected 'key = value'");
	expect_error(MINIMAL "[bogus] ; HERE\nnonsense\n", "unknown section");
	expect_error(
	    MINIMAL "[limits]\ndepth = 1 ; HERE\nnonsense\n", "out of range");
	memset(text, 0, sizeof text);
	snprintf(
	    text, sizeof text, MINIMAL "[limits]\ndepth = %0197d ; HERE\n", 0);
	expect_error(text, "line longer than 197 characters");
	/* The longest line allowed is fine. */
	snprintf(text, sizeof text, MINIMAL "[limits]\ndepth = %0189d\n", 32);
	assert_int_equal(strlen(strstr(text, "depth")), 198);
	conf_free(load_ok(text));
	expect_error("", "missing [server] section");
}

static void
test_file_errors(void **state)
{
	char path[PATH_MAX + 32], small[24];
	static const char nul[] = MINIMAL "[limits]\ndepth = 3\0"
	                                  "2\n";
	FILE *f;

	snprintf(path, sizeof path, "%s/does-not-exist.ini", tmpdir);
	assert_null(conf_load(path, errbuf, sizeof errbuf));
	assert_non_null(strstr(errbuf, ":0: cannot open"));

	snprintf(path, sizeof path, "%s/nul.ini", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(nul, 1, sizeof nul - 1, f);
	fclose(f);
	assert_null(conf_load(path, errbuf, sizeof errbuf));
	assert_non_null(strstr(errbuf, ":10: NUL byte"));

	/* A short buffer is truncated, not overrun; none at all is fine. */
	memset(small, 'x', sizeof small);
	assert_null(conf_load(path, small, 8));
	assert_int_equal(strlen(small), 7);
	assert_int_equal(small[8], 'x');
	assert_null(conf_load(path, NULL, 0));
	conf_free(NULL);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc(n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	*len = n;
	return s;
}

static void
test_reference_up_to_date(void **state)
{
	struct buf b = BUF_INIT;
	char path[PATH_MAX];
	size_t len = 0;
	char *doc;

	assert_int_equal(conf_reference(&b), 0);
	assert_non_null(strstr(buf_ptr(&b), "## [listen NAME]"));
	assert_non_null(strstr(
	    buf_ptr(&b), "| `stanza_bytes` | size, 10000..16M | `256k` |"));
	assert_non_null(strstr(buf_ptr(&b),
	    "| `port` | uint, 1..65535 | "
	    "*required* |"));
	snprintf(path, sizeof path, "%s/docs/configuration.md", srcroot);
	doc = slurp(path, &len);
	if (doc == NULL)
		fail_msg("cannot read %s", path);
	if (len != buf_size(&b) || memcmp(doc, buf_ptr(&b), len) != 0)
		fail_msg("%s does not match the schema: run "
		         "tools/gen-conf-reference.sh",
		    path);
	free(doc);
	buf_free(&b);
}

static void
test_example_loads(void **state)
{
	char path[PATH_MAX];
	struct conf *c;

	snprintf(path, sizeof path, "%s/etc/lethe.ini", srcroot);
	c = conf_load(path, errbuf, sizeof errbuf);
	if (c == NULL)
		fail_msg("%s", errbuf);
	assert_int_equal(c->nhosts, 1);
	assert_string_equal(c->hosts[0].name, "localhost");
	assert_int_equal(c->nlistens, 4);
	assert_string_equal(c->listens[0].address, "127.0.0.1");
	assert_int_equal(c->listens[0].port, 5222);
	assert_int_equal(c->listens[0].tls, CONF_TLS_STARTTLS);
	assert_string_equal(c->listens[1].address, "::1");
	assert_int_equal(c->listens[1].port, 5222);
	assert_int_equal(c->listens[2].port, 5223);
	assert_int_equal(c->listens[2].tls, CONF_TLS_DIRECT);
	assert_int_equal(c->listens[3].port, 5223);
	assert_int_equal(c->listens[3].tls, CONF_TLS_DIRECT);
	assert_true(c->data_dir[0] == '/');
	conf_free(c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_defaults),
	    cmocka_unit_test(test_all_values),
	    cmocka_unit_test(test_size_suffixes),
	    cmocka_unit_test(test_duration_suffixes),
	    cmocka_unit_test(test_relative_paths),
	    cmocka_unit_test(test_section_errors),
	    cmocka_unit_test(test_key_errors),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_listen_clash),
	    cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_reference_up_to_date),
	    cmocka_unit_test(test_example_loads),
	};

	if (argc > 1)
		srcroot = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
