/*
 * ssl-cost: what OpenSSL keeps for one idle server connection, block by
 * block, with the server's settings (src/net/tls.c): TLS 1.2-1.3,
 * SSL_MODE_RELEASE_BUFFERS, read-ahead, session tickets on.
 *
 *   ssl-cost CERT.crt KEY.key
 *
 * OpenSSL's allocator is replaced (CRYPTO_set_mem_functions) by one that
 * records each block's size and the OpenSSL source line that asked for
 * it. A few warm-up connections fill OpenSSL's process-wide caches
 * (method and provider look-ups); then one more connection is made over
 * a socketpair: SSL_new() and SSL_set_fd(), a full handshake, one record
 * each way. What is still allocated then is that connection's idle
 * cost, listed by source line, largest first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#define BLOCKS_MAX 4096

struct hdr {
	size_t n;
	int rec; /* index in blocks[], or -1 */
	int pad;
};

struct block {
	const char *file;
	int line;
	size_t n;
	int live;
};

static struct block blocks[BLOCKS_MAX];
static int nblocks, tracking;

static void *
cost_malloc(size_t n, const char *file, int line)
{
	struct hdr *h = malloc(sizeof(*h) + n);

	if (h == NULL)
		return NULL;
	h->n = n;
	h->rec = -1;
	if (tracking && nblocks < BLOCKS_MAX) {
		blocks[nblocks] = (struct block){file, line, n, 1};
		h->rec = nblocks++;
	}
	return h + 1;
}

static void
cost_free(void *p, const char *file, int line)
{
	struct hdr *h;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	if (h->rec >= 0)
		blocks[h->rec].live = 0;
	free(h);
}

static void *
cost_realloc(void *p, size_t n, const char *file, int line)
{
	struct hdr *h, *q;

	if (p == NULL)
		return cost_malloc(n, file, line);
	h = (struct hdr *)p - 1;
	if ((q = realloc(h, sizeof(*q) + n)) == NULL)
		return NULL;
	q->n = n;
	if (q->rec >= 0)
		blocks[q->rec].n = n;
	return q + 1;
}

/* Drives both ends until the handshake is done (non-blocking pair). */
static int
connect_pair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **srv, SSL **cli, int track)
{
	char buf[64];
	int sv[2], i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		return -1;
	*cli = SSL_new(cctx);
	SSL_set_fd(*cli, sv[1]);
	SSL_set_connect_state(*cli);
	tracking = track;
	*srv = SSL_new(sctx);
	SSL_set_fd(*srv, sv[0]);
	SSL_set_read_ahead(*srv, 1);
	SSL_set_accept_state(*srv);
	tracking = 0;
	for (i = 0; i < 50; i++) {
		SSL_do_handshake(*cli);
		tracking = track;
		SSL_do_handshake(*srv);
		tracking = 0;
		if (SSL_is_init_finished(*srv) && SSL_is_init_finished(*cli))
			break;
	}
	if (!SSL_is_init_finished(*srv))
		return -1;
	/* One record each way, as a login's first stanzas. */
	SSL_write(*cli, "<stream>", 8);
	tracking = track;
	SSL_read(*srv, buf, sizeof(buf));
	SSL_write(*srv, "<stream>", 8);
	tracking = 0;
	SSL_read(*cli, buf, sizeof(buf));
	return 0;
}

int
main(int argc, char **argv)
{
	SSL_CTX *sctx, *cctx;
	SSL *srv, *cli;
	size_t total = 0, shown;
	int i, j, count = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: ssl-cost CERT KEY\n");
		return 2;
	}
	if (!CRYPTO_set_mem_functions(cost_malloc, cost_realloc, cost_free))
		return 1;
	sctx = SSL_CTX_new(TLS_server_method());
	cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION);
	SSL_CTX_set_options(sctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	        SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(sctx,
	    SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"lethe", 5);
	if (SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "ssl-cost: cannot load %s / %s\n", argv[1],
		    argv[2]);
		return 1;
	}
	for (i = 0; i < 3; i++)
		if (connect_pair(sctx, cctx, &srv, &cli, 0) == -1)
			return 1;
	if (connect_pair(sctx, cctx, &srv, &cli, 1) == -1)
		return 1;
	printf("OpenSSL memory kept by one idle server connection (%s, %s)\n",
	    SSL_get_version(srv), SSL_get_cipher_name(srv));
	printf("%8s %6s  %s\n", "bytes", "blocks", "allocated at");
	/* Group by source line, largest first. */
	for (shown = 0;;) {
		size_t best = 0, sum;
		int bi = -1, n;

		for (i = 0; i < nblocks; i++) {
			if (!blocks[i].live)
				continue;
			for (sum = 0, j = 0; j < nblocks; j++)
				if (blocks[j].live &&
				    blocks[j].line == blocks[i].line &&
				    strcmp(blocks[j].file, blocks[i].file) == 0)
					sum += blocks[j].n;
			if (sum > best) {
				best = sum;
				bi = i;
			}
		}
		if (bi < 0)
			break;
		for (n = 0, j = 0; j < nblocks; j++)
			if (blocks[j].live &&
			    blocks[j].line == blocks[bi].line &&
			    strcmp(blocks[j].file, blocks[bi].file) == 0 &&
			    j != bi) {
				blocks[j].live = 0;
				n++;
			}
		printf("%8zu %6d  %s:%d\n", best, n + 1, blocks[bi].file,
		    blocks[bi].line);
		blocks[bi].live = 0;
		total += best;
		count += n + 1;
		shown++;
	}
	printf("%8zu %6d  in all (bytes asked; glibc adds about 8-16 per "
	       "block)\n",
	    total, count);
	return 0;
}
