/*
 * Tests for src/net/tls.c. Certificates come from tools/gen-cert (its
 * path in GEN_CERT) in a temporary directory; every handshake runs in
 * memory between tls_new() and an OpenSSL client over a non-blocking
 * socketpair, and what the server reports (SNI, ALPN, version, channel
 * binding) is checked against what the client computes on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/conf.h"
#include "net/tls.h"

static char dir[] = "/tmp/lethe-tls-test-XXXXXX";
static char path[8][256];

enum { C_ORG, K_ORG, C_CHAT, K_CHAT, C_OTHER, K_OTHER, C_P384, K_P384 };

static int
setup(void **state)
{
	const char *gen = getenv("GEN_CERT");
	char cmd[1024];

	if (gen == NULL) {
		fprintf(stderr, "GEN_CERT not set\n");
		return -1;
	}
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
	    "'%s' '%s' example.org chat.example other.test >/dev/null", gen,
	    dir);
	if (system(cmd) != 0)
		return -1;
	/* A certificate signed with SHA-384, for tls-server-end-point. */
	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 "
	    "-nodes -sha384 -days 1 -subj /CN=p384.test -keyout %s/p384.key "
	    "-out %s/p384.crt 2>/dev/null",
	    dir, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(path[C_ORG], 256, "%s/example.org.crt", dir);
	snprintf(path[K_ORG], 256, "%s/example.org.key", dir);
	snprintf(path[C_CHAT], 256, "%s/chat.example.crt", dir);
	snprintf(path[K_CHAT], 256, "%s/chat.example.key", dir);
	snprintf(path[C_OTHER], 256, "%s/other.test.crt", dir);
	snprintf(path[K_OTHER], 256, "%s/other.test.key", dir);
	snprintf(path[C_P384], 256, "%s/p384.crt", dir);
	snprintf(path[K_P384], 256, "%s/p384.key", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A configuration with two hosts: example.org (default), chat.example. */
static struct conf_host hosts[2];
static struct conf conf;

static struct conf *
two_hosts(void)
{
	memset(&conf, 0, sizeof(conf));
	hosts[0].name = (char *)"example.org";
	hosts[0].certificate = path[C_ORG];
	hosts[0].key = path[K_ORG];
	hosts[1].name = (char *)"chat.example";
	hosts[1].certificate = path[C_CHAT];
	hosts[1].key = path[K_CHAT];
	conf.hosts = hosts;
	conf.nhosts = 2;
	return &conf;
}

/* --- an in-memory client ------------------------------------------------ */

struct pair {
	int sv[2];
	SSL *server;
	SSL_CTX *cctx;
	SSL *client;
	int sres; /* last tls_handshake() result */
	int cerr; /* client's SSL_get_error() on failure, 0 if done */
	unsigned long creason; /* first client error reason */
};

struct copts {
	const char *sni;
	const unsigned char *alpn; /* wire format */
	unsigned alpn_len;
	int min, max; /* protocol versions, 0 for defaults */
	uint64_t options;
};

static void
pair_new(struct pair *p, struct tls_ctx *t, int direct, const struct copts *o)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->sv), 0);
	p->server = tls_new(t, p->sv[0], direct);
	assert_non_null(p->server);
	p->cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(p->cctx);
	SSL_CTX_set_verify(p->cctx, SSL_VERIFY_NONE, NULL);
	if (o->min || o->max) {
		SSL_CTX_set_security_level(p->cctx, 0);
		SSL_CTX_set_cipher_list(p->cctx, "DEFAULT:@SECLEVEL=0");
		SSL_CTX_set_min_proto_version(p->cctx, o->min);
		SSL_CTX_set_max_proto_version(p->cctx, o->max);
	}
	SSL_CTX_set_options(p->cctx, o->options);
	p->client = SSL_new(p->cctx);
	assert_non_null(p->client);
	SSL_set_fd(p->client, p->sv[1]);
	SSL_set_connect_state(p->client);
	if (o->sni != NULL)
		SSL_set_tlsext_host_name(p->client, o->sni);
	if (o->alpn != NULL)
		assert_int_equal(
		    SSL_set_alpn_protos(p->client, o->alpn, o->alpn_len), 0);
}

static void
pair_free(struct pair *p)
{
	tls_free(p->server);
	SSL_free(p->client);
	SSL_CTX_free(p->cctx);
	close(p->sv[0]);
	close(p->sv[1]);
	ERR_clear_error();
}

/* Steps both sides until both finish or one fails; 1 if both finished. */
static int
pair_handshake(struct pair *p)
{
	int cdone = 0, sdone = 0, i, r;

	for (i = 0; i < 100 && !(cdone && sdone); i++) {
		if (!cdone) {
			ERR_clear_error();
			r = SSL_do_handshake(p->client);
			if (r == 1)
				cdone = 1;
			else {
				r = SSL_get_error(p->client, r);
				if (r != SSL_ERROR_WANT_READ &&
				    r != SSL_ERROR_WANT_WRITE) {
					p->cerr = r;
					p->creason =
					    ERR_GET_REASON(ERR_peek_error());
					/* Let the server read the alert. */
					p->sres = tls_handshake(p->server);
					return 0;
				}
			}
		}
		if (!sdone) {
			p->sres = tls_handshake(p->server);
			if (p->sres == 1)
				sdone = 1;
			else if (p->sres == TLS_ERROR) {
				/* Its error stays with the connection. */
				assert_int_equal(ERR_peek_error(), 0);
				ERR_clear_error();
				SSL_do_handshake(p->client);
				p->creason = ERR_GET_REASON(ERR_peek_error());
				ERR_clear_error();
				return 0;
			} else
				assert_true(p->sres == TLS_WANT_READ ||
				    p->sres == TLS_WANT_WRITE);
		}
	}
	return cdone && sdone;
}

/* Server and client can talk both ways, and a close is seen. */
static void
pair_talk(struct pair *p)
{
	char buf[64];
	ssize_t n;
	int i;

	assert_int_equal(tls_read(p->server, buf, sizeof(buf)), TLS_WANT_READ);
	assert_int_equal(tls_write(p->server, "<stream>", 8), 8);
	for (i = 0; i < 10; i++)
		if ((n = SSL_read(p->client, buf, sizeof(buf))) > 0)
			break;
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "<stream>", 8);
	assert_int_equal(SSL_write(p->client, "hello world", 11), 11);
	n = tls_read(p->server, buf, 5);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(tls_pending(p->server), 1);
	n = tls_read(p->server, buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_int_equal(tls_pending(p->server), 0);
	SSL_shutdown(p->client);
	assert_int_equal(tls_read(p->server, buf, sizeof(buf)), TLS_CLOSED);
}

/* Which of our hosts the client saw. */
static int
peer_is(struct pair *p, const char *host)
{
	X509 *peer = SSL_get0_peer_certificate(p->client);

	return peer != NULL && X509_check_host(peer, host, 0, 0, NULL) == 1;
}

static const unsigned char alpn_xmpp[] = "\x0bxmpp-client";
static const unsigned char alpn_mixed[] = "\x02h2\x0bxmpp-client";
static const unsigned char alpn_h2[] = "\x02h2\x08http/1.1";

/* --- tests -------------------------------------------------------------- */

static void
test_load(void **state)
{
	char err[256] = "";
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));

	assert_non_null(t);
	tls_ctx_free(t);
	tls_ctx_free(NULL);
}

static void
test_load_errors(void **state)
{
	char err[512];
	struct conf *c;

	c = two_hosts();
	hosts[1].key = path[K_ORG]; /* example.org's key, chat's cert */
	assert_null(tls_ctx_new(c, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	assert_non_null(strstr(err, path[K_ORG]));
	assert_non_null(strstr(err, path[C_CHAT]));
	assert_int_equal(ERR_peek_error(), 0);

	c = two_hosts();
	hosts[0].certificate = (char *)"/nonexistent/cert.pem";
	assert_null(tls_ctx_new(c, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/cert.pem"));
	assert_non_null(strstr(err, "example.org"));

	c = two_hosts();
	hosts[1].key = path[C_CHAT]; /* a certificate is not a key */
	assert_null(tls_ctx_new(c, err, sizeof(err)));
	assert_non_null(strstr(err, path[C_CHAT]));

	c = two_hosts();
	c->tls_ciphers = (char *)"NO-SUCH-CIPHER";
	assert_null(tls_ctx_new(c, err, sizeof(err)));
	assert_non_null(strstr(err, "NO-SUCH-CIPHER"));

	c = two_hosts();
	c->nhosts = 0;
	assert_null(tls_ctx_new(c, err, sizeof(err)));
}

static void
test_direct_sni_alpn(void **state)
{
	char err[256];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	struct copts o = {.sni = "chat.example",
	    .alpn = alpn_mixed,
	    .alpn_len = sizeof(alpn_mixed) - 1};
	struct pair p;
	const unsigned char *sel;
	unsigned int sel_len;
	unsigned char a[64], b[64];
	unsigned int blen;
	int n;

	assert_non_null(t);
	pair_new(&p, t, 1, &o);
	assert_int_equal(pair_handshake(&p), 1);
	assert_string_equal(tls_version(p.server), "TLSv1.3");
	assert_int_equal(SSL_version(p.client), TLS1_3_VERSION);
	SSL_get0_alpn_selected(p.client, &sel, &sel_len);
	assert_int_equal(sel_len, 11);
	assert_memory_equal(sel, "xmpp-client", 11);
	/* SNI chose the second host's certificate. */
	assert_true(peer_is(&p, "chat.example"));
	assert_false(peer_is(&p, "example.org"));
	assert_non_null(tls_sni(p.server));
	assert_string_equal(tls_sni(p.server), "chat.example");

	/* tls-exporter, as the client computes it. */
	n = tls_cb_exporter(p.server, a, sizeof(a));
	assert_int_equal(n, 32);
	assert_int_equal(SSL_export_keying_material(p.client, b, 32,
	                     "EXPORTER-Channel-Binding", 24, NULL, 0, 0),
	    1);
	assert_memory_equal(a, b, 32);
	assert_int_equal(tls_cb_exporter(p.server, a, 31), -1);

	/* tls-server-end-point: SHA-256 of the certificate the client got
	 * (signed with ecdsa-with-SHA256). */
	n = tls_cb_endpoint(p.server, a, sizeof(a));
	assert_int_equal(n, 32);
	assert_int_equal(X509_digest(SSL_get0_peer_certificate(p.client),
	                     EVP_sha256(), b, &blen),
	    1);
	assert_memory_equal(a, b, 32);
	assert_int_equal(tls_cb_endpoint(p.server, a, 16), -1);

	pair_talk(&p);
	pair_free(&p);
	tls_ctx_free(t);
}

static void
test_sni_default_and_case(void **state)
{
	char err[256];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	struct copts none = {0}, unknown = {.sni = "unknown.test"},
	             upper = {.sni = "CHAT.Example."};
	struct pair p;

	assert_non_null(t);
	pair_new(&p, t, 0, &none);
	assert_int_equal(pair_handshake(&p), 1);
	assert_true(peer_is(&p, "example.org"));
	assert_null(tls_sni(p.server));
	pair_free(&p);

	pair_new(&p, t, 0, &unknown);
	assert_int_equal(pair_handshake(&p), 1);
	assert_true(peer_is(&p, "example.org"));
	assert_null(tls_sni(p.server));
	pair_free(&p);

	pair_new(&p, t, 0, &upper);
	assert_int_equal(pair_handshake(&p), 1);
	assert_true(peer_is(&p, "chat.example"));
	assert_string_equal(tls_sni(p.server), "chat.example");
	pair_free(&p);
	tls_ctx_free(t);
}

static void
test_alpn(void **state)
{
	char err[256];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	struct copts none = {0},
	             h2 = {.alpn = alpn_h2, .alpn_len = sizeof(alpn_h2) - 1},
	             xmpp = {
	                 .alpn = alpn_xmpp, .alpn_len = sizeof(alpn_xmpp) - 1};
	struct pair p;
	const unsigned char *sel;
	unsigned int sel_len;

	assert_non_null(t);
	/* Direct TLS without ALPN is accepted. */
	pair_new(&p, t, 1, &none);
	assert_int_equal(pair_handshake(&p), 1);
	SSL_get0_alpn_selected(p.client, &sel, &sel_len);
	assert_int_equal(sel_len, 0);
	pair_free(&p);

	/* Direct TLS offered only other protocols: no_application_protocol. */
	pair_new(&p, t, 1, &h2);
	assert_int_equal(pair_handshake(&p), 0);
	assert_int_equal(p.sres, TLS_ERROR);
	assert_int_equal(p.creason, SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
	pair_free(&p);

	/* After STARTTLS, ALPN plays no part. */
	pair_new(&p, t, 0, &h2);
	assert_int_equal(pair_handshake(&p), 1);
	SSL_get0_alpn_selected(p.client, &sel, &sel_len);
	assert_int_equal(sel_len, 0);
	pair_free(&p);
	pair_new(&p, t, 0, &xmpp);
	assert_int_equal(pair_handshake(&p), 1);
	SSL_get0_alpn_selected(p.client, &sel, &sel_len);
	assert_int_equal(sel_len, 0);
	pair_free(&p);
	tls_ctx_free(t);
}

static void
test_old_protocols(void **state)
{
	char err[256];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	struct copts tls11 = {.min = TLS1_VERSION, .max = TLS1_1_VERSION};
	struct pair p;

	assert_non_null(t);
	pair_new(&p, t, 0, &tls11);
	assert_int_equal(pair_handshake(&p), 0);
	assert_int_equal(p.sres, TLS_ERROR);
	pair_free(&p);
	tls_ctx_free(t);
}

static void
test_tls12_exporter(void **state)
{
	char err[256];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	struct copts ems = {.min = TLS1_2_VERSION, .max = TLS1_2_VERSION},
	             no_ems = {.min = TLS1_2_VERSION,
	                 .max = TLS1_2_VERSION,
	                 .options = SSL_OP_NO_EXTENDED_MASTER_SECRET};
	struct pair p;
	unsigned char a[64], b[64];

	assert_non_null(t);
	pair_new(&p, t, 0, &ems);
	assert_int_equal(pair_handshake(&p), 1);
	assert_string_equal(tls_version(p.server), "TLSv1.2");
	/* Only ECDHE with AEAD is on offer. */
	assert_non_null(strstr(SSL_get_cipher_name(p.client), "ECDHE"));
	assert_int_equal(tls_cb_exporter(p.server, a, sizeof(a)), 32);
	assert_int_equal(SSL_export_keying_material(p.client, b, 32,
	                     "EXPORTER-Channel-Binding", 24, NULL, 0, 0),
	    1);
	assert_memory_equal(a, b, 32);
	pair_talk(&p);
	pair_free(&p);

	/* Without the extended master secret, tls-exporter is not unique
	 * to the connection (RFC 9266 §3) and is refused. */
	pair_new(&p, t, 0, &no_ems);
	assert_int_equal(pair_handshake(&p), 1);
	assert_int_equal(SSL_get_extms_support(p.server), 0);
	assert_int_equal(tls_cb_exporter(p.server, a, sizeof(a)), -1);
	assert_int_equal(tls_cb_endpoint(p.server, a, sizeof(a)), 32);
	pair_free(&p);
	tls_ctx_free(t);
}

static void
test_endpoint_sha384(void **state)
{
	char err[256];
	struct conf *c = two_hosts();
	struct tls_ctx *t;
	struct copts o = {0};
	struct pair p;
	unsigned char a[64], b[64];
	unsigned int blen;

	hosts[0].certificate = path[C_P384];
	hosts[0].key = path[K_P384];
	t = tls_ctx_new(c, err, sizeof(err));
	assert_non_null(t);
	pair_new(&p, t, 0, &o);
	assert_int_equal(pair_handshake(&p), 1);
	assert_int_equal(tls_cb_endpoint(p.server, a, sizeof(a)), 48);
	X509_digest(
	    SSL_get0_peer_certificate(p.client), EVP_sha384(), b, &blen);
	assert_int_equal(blen, 48);
	assert_memory_equal(a, b, 48);
	assert_int_equal(tls_cb_endpoint(p.server, a, 47), -1);
	pair_free(&p);
	tls_ctx_free(t);
}

static void
test_reload(void **state)
{
	char err[512];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	struct copts o = {0};
	struct pair before, p;
	struct conf *c;

	assert_non_null(t);
	pair_new(&before, t, 0, &o);
	assert_int_equal(pair_handshake(&before), 1);

	/* A bad file: the reload fails and the old certificates stay. */
	c = two_hosts();
	hosts[0].certificate = path[C_OTHER];
	hosts[0].key = path[K_OTHER];
	hosts[1].key = (char *)"/nonexistent/chat.key";
	assert_int_equal(tls_ctx_reload(t, c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/chat.key"));
	pair_new(&p, t, 0, &o);
	assert_int_equal(pair_handshake(&p), 1);
	assert_true(peer_is(&p, "example.org"));
	pair_free(&p);

	/* A good one: new connections get the new certificate... */
	c = two_hosts();
	hosts[0].certificate = path[C_OTHER];
	hosts[0].key = path[K_OTHER];
	assert_int_equal(tls_ctx_reload(t, c, err, sizeof(err)), 0);
	pair_new(&p, t, 0, &o);
	assert_int_equal(pair_handshake(&p), 1);
	assert_true(peer_is(&p, "other.test"));
	pair_free(&p);
	o.sni = "chat.example";
	pair_new(&p, t, 0, &o);
	assert_int_equal(pair_handshake(&p), 1);
	assert_true(peer_is(&p, "chat.example"));
	pair_free(&p);

	/* ...and the connection made before keeps working. */
	assert_int_equal(
	    tls_cb_endpoint(before.server, (unsigned char[64]){0}, 64), 32);
	pair_talk(&before);
	pair_free(&before);
	tls_ctx_free(t);
}

/* A broken peer: garbage instead of a ClientHello. */
static void
test_garbage(void **state)
{
	char err[256];
	struct tls_ctx *t = tls_ctx_new(two_hosts(), err, sizeof(err));
	int sv[2];
	SSL *s;
	char buf[16];

	assert_non_null(t);
	assert_int_equal(
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	s = tls_new(t, sv[0], 1);
	assert_non_null(s);
	assert_int_equal(tls_handshake(s), TLS_WANT_READ);
	assert_int_equal(write(sv[1], "GET / HTTP/1.1\r\n\r\n", 18), 18);
	assert_int_equal(tls_handshake(s), TLS_ERROR);
	assert_int_equal(ERR_peek_error(), 0);
	assert_int_equal(tls_read(s, buf, sizeof(buf)), TLS_ERROR);
	tls_free(s);
	close(sv[0]);
	close(sv[1]);
	tls_ctx_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_direct_sni_alpn),
	    cmocka_unit_test(test_sni_default_and_case),
	    cmocka_unit_test(test_alpn),
	    cmocka_unit_test(test_old_protocols),
	    cmocka_unit_test(test_tls12_exporter),
	    cmocka_unit_test(test_endpoint_sha384),
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
