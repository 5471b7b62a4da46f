/*
 * archive-fill: writes N archived messages into one account's message
 * archive, through the server's own store code (src/store/db.c), into a
 * data directory while the server is stopped. The benchmark's "archive"
 * scenario then queries them.
 *
 *   archive-fill DATA_DIR HOST USER COUNT RETENTION_S IDS_OUT [PASSWORD]
 *
 * With PASSWORD the rows are sealed as a running server seals them for a
 * logged-in account (src/store/sealdb.c: the account's keys opened with
 * the SHA-256 ClientKey of PASSWORD, one AEAD and a keyed peer hash per
 * row); without it they are written in clear, as with [server] sealing =
 * false.
 *
 * Rows are what src/xmpp/mam.c writes: store "archive" (owner: user), a
 * 16-character random id, the peer's bare JID as `with`, and the stanza
 * serialized as kept (bare from and to, jabber:client implied). Peers are
 * 200 addresses with a skewed spread (a few talk much, most little), and
 * times are spread evenly, oldest first, over the 90 % of RETENTION_S
 * before now, so nothing expires during a run. One transaction per
 * 10,000 rows, as a busy server's group commit would write them.
 *
 * Every 1,000th id is written to IDS_OUT ("id time peer" per line) so the
 * generator can name items in the middle of the archive.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "store/seal.h"
#include "store/sealdb.h"
#include "store/store.h"
#include "xmpp/scram.h"

#define PEERS 200
#define BATCH 10000
#define ID_LEN 16

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const words[] = {"the", "meeting", "is", "at", "three", "ok",
    "see", "you", "there", "thanks", "did", "the", "build", "pass", "yes", "no",
    "later", "coffee", "tomorrow", "sounds", "good", "sure", "where", "are",
    "the", "notes", "sent", "them", "just", "now"};

/* A body of 2 to 40 words, as short chat messages are. */
static size_t
body(char *out, size_t cap)
{
	size_t n = 2 + next() % 39, len = 0, i, w;

	for (i = 0; i < n; i++) {
		w = next() % (sizeof(words) / sizeof(words[0]));
		len += (size_t)snprintf(
		    out + len, cap - len, "%s%s", i ? " " : "", words[w]);
		if (len >= cap - 16)
			break;
	}
	return len;
}

/* The account's keys, opened as a SCRAM-SHA-256 login would. */
static struct sealring *
unlock(struct db *d, struct arena *a, const char *host, const char *user,
    const char *password)
{
	unsigned char ck[SCRAM_MAX_KEY];
	struct sealring *ring;
	struct store_res r = {0};
	uint64_t n;
	size_t i;

	if (seal_init() == -1 || (ring = sealring_new()) == NULL ||
	    db_account_creds(d, a, host, user, &r) != STORE_OK) {
		fprintf(stderr, "archive-fill: no such account\n");
		return NULL;
	}
	for (i = 0; i < r.ncreds; i++)
		if (r.creds[i].hash == SCRAM_SHA256 &&
		    scram_check_password(
		        &r.creds[i], password, strlen(password), ck))
			break;
	if (i == r.ncreds ||
	    sealring_unlock(ring, d, host, user, "SHA-256", ck,
	        scram_hash_len(SCRAM_SHA256), &n) != STORE_OK) {
		fprintf(stderr, "archive-fill: cannot open the account\n");
		return NULL;
	}
	util_wipe(ck, sizeof(ck));
	return ring;
}

int
main(int argc, char **argv)
{
	struct store_def def = {
	    .name = "archive",
	    .shape = STORE_ARCHIVE,
	    .owner = STORE_OWNER_USER,
	    .what = "benchmark archive",
	};
	struct sealring *ring = NULL;
	char err[256], id[ID_LEN + 1], peer[96], self[96], text[512];
	char value[1024];
	const char *dir, *host, *user;
	struct store_res r;
	struct arena *a;
	struct db *d;
	FILE *ids;
	long long count, retention, i, now, span, when;
	size_t len, p;

	if (argc != 7 && argc != 8) {
		fprintf(stderr,
		    "usage: archive-fill DATA_DIR HOST USER COUNT "
		    "RETENTION_S IDS_OUT [PASSWORD]\n");
		return 2;
	}
	dir = argv[1];
	host = argv[2];
	user = argv[3];
	count = atoll(argv[4]);
	retention = atoll(argv[5]);
	if (count <= 0 || retention <= 100) {
		fprintf(stderr, "archive-fill: bad count or retention\n");
		return 2;
	}
	log_init(LOG_LVL_WARN);
	def.retention = retention;
	def.sealed = argc == 8;
	if (store_register(&def) < 0) {
		fprintf(stderr, "archive-fill: store_register failed\n");
		return 1;
	}
	if ((d = db_open(dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "archive-fill: %s\n", err);
		return 1;
	}
	if ((ids = fopen(argv[6], "w")) == NULL) {
		perror(argv[6]);
		return 1;
	}
	if ((a = arena_new(4096)) == NULL)
		return 1;
	if (argc == 8 && (ring = unlock(d, a, host, user, argv[7])) == NULL)
		return 1;
	snprintf(self, sizeof(self), "%s@%s", user, host);
	now = (long long)time(NULL);
	span = retention * 9 / 10;
	for (i = 0; i < count; i++) {
		if (i % BATCH == 0 && db_begin(d) == -1) {
			fprintf(stderr, "archive-fill: begin failed\n");
			return 1;
		}
		/* Skewed: the square of a uniform draw favours low numbers. */
		p = (size_t)(next() % PEERS);
		p = p * p / PEERS;
		snprintf(peer, sizeof(peer), "peer%zu@%s", p, host);
		when = now - span + span * i / count;
		util_random_id(id, ID_LEN);
		body(text, sizeof(text));
		/* Half sent, half received: the kept stanza's from and to. */
		if (next() & 1)
			len = (size_t)snprintf(value, sizeof(value),
			    "<message to='%s' type='chat' id='%016llx' "
			    "from='%s'><body>%s</body></message>",
			    peer, (unsigned long long)next(), self, text);
		else
			len = (size_t)snprintf(value, sizeof(value),
			    "<message to='%s' type='chat' id='%016llx' "
			    "from='%s'><body>%s</body></message>",
			    self, (unsigned long long)next(), peer, text);
		{
			const char *w = peer;
			const void *v = value;

			if (ring != NULL &&
			    sealdb_archive_prepare(ring, d, a, "archive", host,
			        user, &w, &v, &len) != STORE_OK) {
				fprintf(stderr, "archive-fill: seal failed\n");
				return 1;
			}
			if (db_archive_append(d, a, "archive", host, user, id,
			        when, w, v, len, &r) != STORE_OK) {
				fprintf(
				    stderr, "archive-fill: append failed\n");
				return 1;
			}
			sealdb_done(d);
		}
		arena_reset(a);
		if (i % 1000 == 500)
			fprintf(ids, "%s %lld %s\n", id, when, peer);
		if ((i + 1) % BATCH == 0 || i + 1 == count) {
			if (db_commit(d) == -1) {
				fprintf(
				    stderr, "archive-fill: commit failed\n");
				return 1;
			}
		}
	}
	fclose(ids);
	arena_free(a);
	sealring_free(ring);
	db_close(d);
	return 0;
}
