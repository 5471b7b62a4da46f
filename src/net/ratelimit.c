/*
 * ratelimit: keyed-hash counters with fixed windows. A table is an array
 * of TABLE_SLOTS entries; a key's place is found by its first bytes (an
 * HMAC output is uniform) and PROBE slots after it. A new key takes an
 * empty or expired slot there, or else the slot with the oldest window:
 * bounded memory, and under a flood the oldest entries are forgotten
 * first. The key and the tables never leave this process's memory.
 */
#include "net/ratelimit.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/conf.h"
#include "core/loop.h"
#include "core/util.h"

#define TABLE_SLOTS 4096
#define PROBE 8
#define ROTATE_MS (24ULL * 3600 * 1000)

struct entry {
	unsigned char k[RATELIMIT_KEY_LEN];
	uint32_t count; /* 0: slot free */
	uint64_t since; /* loop ms when this window began */
};

static struct entry *tables[RATELIMIT_NKINDS]; /* owned */
static struct ratelimit_key *fdkeys; /* owned, indexed by fd */
static size_t nfdkeys;
static unsigned char hkey[32]; /* the day's HMAC key */
static int have_key;
static struct loop *rl_loop;
static const struct conf_limits *rl_lim;
static struct timer rotate_timer;

static void
wipe_all(void)
{
	size_t i;

	for (i = 0; i < RATELIMIT_NKINDS; i++)
		if (tables[i] != NULL)
			util_wipe(
			    tables[i], TABLE_SLOTS * sizeof(struct entry));
	if (fdkeys != NULL)
		util_wipe(fdkeys, nfdkeys * sizeof(*fdkeys));
}

static void
rotate(struct loop *l, void *arg)
{
	wipe_all();
	util_random(hkey, sizeof(hkey));
	timer_set(l, &rotate_timer, ROTATE_MS);
}

int
ratelimit_init(struct loop *l, const struct conf_limits *lim)
{
	size_t i;

	for (i = 0; i < RATELIMIT_NKINDS; i++)
		if (tables[i] == NULL &&
		    (tables[i] = calloc(TABLE_SLOTS, sizeof(struct entry))) ==
		        NULL)
			return -1;
	rl_loop = l;
	rl_lim = lim;
	util_random(hkey, sizeof(hkey));
	have_key = 1;
	timer_init(&rotate_timer, rotate, NULL);
	timer_set(l, &rotate_timer, ROTATE_MS);
	return 0;
}

void
ratelimit_end(void)
{
	size_t i;

	wipe_all();
	util_wipe(hkey, sizeof(hkey));
	have_key = 0;
	timer_cancel(&rotate_timer);
	for (i = 0; i < RATELIMIT_NKINDS; i++) {
		free(tables[i]);
		tables[i] = NULL;
	}
	free(fdkeys);
	fdkeys = NULL;
	nfdkeys = 0;
}

static void
mac(const void *p, size_t n, struct ratelimit_key *k)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int outlen = 0;

	memset(k, 0, sizeof(*k));
	if (!have_key)
		return;
	if (HMAC(EVP_sha256(), hkey, sizeof(hkey), p, n, out, &outlen) !=
	        NULL &&
	    outlen >= RATELIMIT_KEY_LEN) {
		memcpy(k->b, out, RATELIMIT_KEY_LEN);
		k->set = 1;
	}
	util_wipe(out, sizeof(out));
}

void
ratelimit_key_addr(const void *sa, size_t salen, struct ratelimit_key *k)
{
	const struct sockaddr *s = sa;
	const struct sockaddr_in *in4 = sa;
	const struct sockaddr_in6 *in6 = sa;
	static const unsigned char mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	/* A family byte keeps IPv4 and IPv6 keys apart. */
	unsigned char buf[17];
	size_t n = 0;

	memset(k, 0, sizeof(*k));
	if (s->sa_family == AF_INET && salen >= sizeof(*in4)) {
		buf[0] = 4;
		memcpy(buf + 1, &in4->sin_addr, 4);
		n = 5;
	} else if (s->sa_family == AF_INET6 && salen >= sizeof(*in6) &&
	    memcmp(&in6->sin6_addr, mapped, 12) == 0) {
		buf[0] = 4;
		memcpy(buf + 1, (const unsigned char *)&in6->sin6_addr + 12, 4);
		n = 5;
	} else if (s->sa_family == AF_INET6 && salen >= sizeof(*in6)) {
		buf[0] = 6;
		memcpy(buf + 1, &in6->sin6_addr, 16);
		n = 17;
	}
	if (n > 0)
		mac(buf, n, k);
	util_wipe(buf, sizeof(buf));
}

void
ratelimit_key_account(
    const char *host, const char *user, struct ratelimit_key *k)
{
	/* "a" keeps account keys apart from address keys; "@" cannot
	 * appear in a localpart, so the join is unambiguous. */
	char buf[1 + 1024 + 1 + 1024];
	size_t u = strlen(user), h = strlen(host);

	memset(k, 0, sizeof(*k));
	if (u > 1024 || h > 1024)
		return;
	buf[0] = 'a';
	memcpy(buf + 1, user, u);
	buf[1 + u] = '@';
	memcpy(buf + 2 + u, host, h);
	mac(buf, 2 + u + h, k);
	util_wipe(buf, 2 + u + h);
}

static void
limits_of(enum ratelimit_kind kind, unsigned *limit, uint64_t *window_ms)
{
	switch (kind) {
	case RATELIMIT_CONNECT:
		*limit = rl_lim->connections_per_address;
		*window_ms = (uint64_t)rl_lim->connection_window * 1000;
		break;
	case RATELIMIT_LOGIN_ADDR:
		*limit = rl_lim->login_failures_per_address;
		*window_ms = (uint64_t)rl_lim->account_window * 1000;
		break;
	default:
		*limit = rl_lim->account_failures;
		*window_ms = (uint64_t)rl_lim->account_window * 1000;
		break;
	}
}

/* The entry for k, or (create) a slot for it; NULL if absent. */
static struct entry *
find(enum ratelimit_kind kind, const struct ratelimit_key *k, int create)
{
	struct entry *t = tables[kind], *e, *victim = NULL;
	uint64_t now = loop_now(rl_loop), window;
	unsigned limit;
	uint32_t h;
	size_t i;

	if (t == NULL || !k->set)
		return NULL;
	limits_of(kind, &limit, &window);
	memcpy(&h, k->b, sizeof(h));
	for (i = 0; i < PROBE; i++) {
		e = &t[(h + i) % TABLE_SLOTS];
		if (e->count != 0 && now - e->since >= window) {
			util_wipe(e, sizeof(*e)); /* expired: forget it */
		}
		if (e->count != 0 && memcmp(e->k, k->b, sizeof(e->k)) == 0)
			return e;
		if (e->count == 0) {
			if (victim == NULL || victim->count != 0)
				victim = e;
		} else if (victim == NULL ||
		    (victim->count != 0 && e->since < victim->since)) {
			victim = e;
		}
	}
	if (!create)
		return NULL;
	memcpy(victim->k, k->b, sizeof(victim->k));
	victim->count = 0;
	victim->since = now;
	return victim;
}

int
ratelimit_over(enum ratelimit_kind kind, const struct ratelimit_key *k)
{
	struct entry *e;
	uint64_t window;
	unsigned limit;

	if (rl_lim == NULL)
		return 0;
	limits_of(kind, &limit, &window);
	if (limit == 0)
		return 0;
	e = find(kind, k, 0);
	return e != NULL && e->count >= limit;
}

void
ratelimit_note(enum ratelimit_kind kind, const struct ratelimit_key *k)
{
	struct entry *e;

	if (rl_lim != NULL && (e = find(kind, k, 1)) != NULL &&
	    e->count < UINT32_MAX)
		e->count++;
}

void
ratelimit_fd_set(int fd, const struct ratelimit_key *k)
{
	struct ratelimit_key *n;
	size_t cap;

	if (fd < 0)
		return;
	if ((size_t)fd >= nfdkeys) {
		cap = nfdkeys ? nfdkeys : 64;
		while (cap <= (size_t)fd)
			cap *= 2;
		if ((n = realloc(fdkeys, cap * sizeof(*n))) == NULL)
			return;
		memset(n + nfdkeys, 0, (cap - nfdkeys) * sizeof(*n));
		fdkeys = n;
		nfdkeys = cap;
	}
	fdkeys[fd] = *k;
}

void
ratelimit_fd_get(int fd, struct ratelimit_key *k)
{
	if (fd >= 0 && (size_t)fd < nfdkeys)
		*k = fdkeys[fd];
	else
		memset(k, 0, sizeof(*k));
}
