/*
 * archive-fill: writes N archived messages into one account's message
 * archive, through the server's own store code (src/store/db.c), into a
 * data directory while the server is stopped. The benchmark's "archive"
 * scenario then queries them.
 *
 *   archive-fill DATA_DIR HOST USER COUNT RETENTION_S IDS_OUT
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
#include "store/store.h"

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

int
main(int argc, char **argv)
{
	struct store_def def = {
	    .name = "archive",
	    .shape = STORE_ARCHIVE,
	    .owner = STORE_OWNER_USER,
	    .what = "benchmark archive",
	};
	char err[256], id[ID_LEN + 1], peer[96], self[96], text[512];
	char value[1024];
	const char *dir, *host, *user;
	struct store_res r;
	struct arena *a;
	struct db *d;
	FILE *ids;
	long long count, retention, i, now, span, when;
	size_t len, p;

	if (argc != 7) {
		fprintf(stderr,
		    "usage: archive-fill DATA_DIR HOST USER COUNT "
		    "RETENTION_S IDS_OUT\n");
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
		if (db_archive_append(d, a, "archive", host, user, id, when,
		        peer, value, len, &r) != STORE_OK) {
			fprintf(stderr, "archive-fill: append failed\n");
			return 1;
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
	db_close(d);
	return 0;
}
