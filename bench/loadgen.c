/*
 * lethe-bench: the load generator and its scenarios.
 *
 *   idle        server RSS per authenticated, idle TLS connection at
 *               several client counts
 *   throughput  pairs of clients chatting with a bounded window of
 *               messages in flight: delivered messages/s, server CPU per
 *               message
 *   latency     sender-to-recipient latency at fixed, paced rates
 *   logins      full logins/s (TCP, STARTTLS, SCRAM, bind, roster,
 *               presence) and server CPU per login
 *   archive     message archive (XEP-0313) query latency and server CPU
 *               per query on a large archive, with a concurrent ping
 *
 * One thread, one epoll loop (client.c does the protocol). Every scenario
 * is bounded in time (its own durations and an overall --timeout) and in
 * count (clients, logins, messages in flight); it talks only to loopback
 * addresses, from 127.0.0.1 up to 127.0.0.N source addresses (--sources).
 * Its own CPU time is reported beside the server's: a figure taken while
 * the generator was near a full core is marked, since it may measure the
 * generator rather than the server.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "client.h"
#include "hist.h"
#include "procstat.h"
#include "scram.h"

#define MAX_STEPS 8
#define MAX_CLIENTS 1000000
#define GEN_BOUND_PCT 90.0 /* generator CPU above this taints a figure */
#define INFLIGHT_CAP 2000 /* open-loop: most unanswered per sender */

struct opts {
	const char *scenario;
	uint32_t server;
	uint16_t port;
	const char *domain;
	const char *user_fmt;
	const char *password;
	const char *label;
	const char *json;
	const char *cache;
	unsigned sources;
	long steps[MAX_STEPS];
	size_t nsteps;
	long concurrency;
	long pairs;
	long window;
	long accounts;
	double rates[MAX_STEPS];
	size_t nrates;
	double warmup, duration, settle, hold, timeout, login_timeout;
	size_t body;
	int sha1;
	long owner, queries;
	const char *ids;
};

static struct opts o = {
    .server = 0x7f000001,
    .port = 5222,
    .domain = "localhost",
    .user_fmt = "b%ld",
    .password = "bench-password",
    .label = "server",
    .sources = 8,
    .concurrency = 64,
    .pairs = 100,
    .window = 16,
    .accounts = 1000,
    .warmup = 2,
    .duration = 10,
    .settle = 7,
    .timeout = 900,
    .login_timeout = 60,
    .body = 64,
    .queries = 200,
};

static struct procstat srv;
static uint64_t deadline; /* overall, ns */
static volatile sig_atomic_t interrupted;
static FILE *json;

/* --- small helpers --- */

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double
secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static uint32_t
source_of(long i)
{
	return 0x7f000001u + (uint32_t)(i % (long)o.sources);
}

static void
user_of(long account, char *out, size_t cap)
{
	snprintf(out, cap, o.user_fmt, account);
}

static void
bare_of(long account, char *out, size_t cap)
{
	char u[48];

	user_of(account, u, sizeof(u));
	snprintf(out, cap, "%s@%s", u, o.domain);
}

/* Server and generator CPU between two points. */
struct sample {
	uint64_t t, srv_us, gen_us;
};

static void
sample(struct sample *s)
{
	s->t = procstat_now_ns();
	s->srv_us = procstat_cpu_us(&srv);
	s->gen_us = procstat_self_cpu_us();
}

static double
pct(uint64_t us, uint64_t ns)
{
	return ns ? 100.0 * (double)us * 1000.0 / (double)ns : 0;
}

/*
 * Runs the loop until done() says so, `until` passes, the overall
 * deadline passes or a signal arrives. tick() runs at least every
 * tick_ns. 0 when done() ended it, -1 otherwise.
 */
static int
run(int (*done)(void), void (*tick)(uint64_t now), uint64_t until,
    uint64_t tick_ns)
{
	struct epoll_event ev[512];
	struct timespec ts;
	static int no_pwait2;
	uint64_t now, last_expire = 0;
	int n = 0, i;

	for (;;) {
		now = procstat_now_ns();
		if (done != NULL && done())
			return 0;
		if (interrupted || now >= until || now >= deadline)
			return -1;
		if (tick != NULL)
			tick(now);
		if (now - last_expire > 1000000000ull) {
			client_expire(now, (uint64_t)(o.login_timeout * 1e9));
			last_expire = now;
		}
		client_flush();
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(tick_ns < 100000000 ? tick_ns : 100000000);
		if (!no_pwait2) {
			n = epoll_pwait2(client_epoll_fd(), ev, 512, &ts, NULL);
			if (n == -1 && errno == ENOSYS)
				no_pwait2 = 1; /* valgrind; old kernels */
		}
		if (no_pwait2)
			n = epoll_wait(client_epoll_fd(), ev, 512,
			    (int)((ts.tv_nsec + 999999) / 1000000));
		if (n == -1 && errno != EINTR) {
			perror("epoll_wait");
			return -1;
		}
		for (i = 0; i < n; i++)
			client_event(ev[i].data.ptr, ev[i].events);
		client_flush();
	}
}

/* --- the clients of a scenario --- */

struct slot {
	struct client *c;
	long account;
	int ready;
	long inflight; /* messages sent to the partner, not yet received */
};

static struct slot *slots;
static long nslots, nready, nfailed;
static void (*on_ready_fn)(struct client *c);
static void (*on_message_fn)(struct client *c, uint64_t stamp, int error);
static void (*on_gone_fn)(struct client *c, int failed);
static const char *last_failure;
static unsigned long long resource_seq;

static void
cb_ready(struct client *c)
{
	if (on_ready_fn != NULL)
		on_ready_fn(c);
}

static void
cb_message(struct client *c, uint64_t stamp, int error)
{
	if (on_message_fn != NULL)
		on_message_fn(c, stamp, error);
}

static void
cb_gone(struct client *c, int failed)
{
	if (failed) {
		nfailed++;
		last_failure = c->why;
	}
	if (on_gone_fn != NULL)
		on_gone_fn(c, failed);
}

static const struct client_cb callbacks = {cb_ready, cb_message, cb_gone, NULL};

/* Starts slot i's login as account (1-based). */
static int
start_slot(long i, long account)
{
	char user[48], res[24];

	user_of(account, user, sizeof(user));
	snprintf(res, sizeof(res), "r%llx", ++resource_seq);
	slots[i].account = account;
	slots[i].ready = 0;
	slots[i].inflight = 0;
	slots[i].c = client_start(source_of(i), user, res, NULL, i);
	if (slots[i].c == NULL) {
		nfailed++;
		last_failure = "no socket (descriptor limit?)";
		return -1;
	}
	slots[i].c->t_start = procstat_now_ns();
	return 0;
}

/* Ramp-up: keeps up to o.concurrency logins in progress until slots
 * [0, target) are all ready. */
static long ramp_next, ramp_target, ramp_pending;
static long ramp_fail_limit;

static void
ramp_ready(struct client *c)
{
	slots[c->index].ready = 1;
	nready++;
	ramp_pending--;
}

static void
ramp_gone(struct client *c, int failed)
{
	struct slot *s = &slots[c->index];

	if (!s->ready)
		ramp_pending--;
	else
		nready--;
	s->c = NULL;
	s->ready = 0;
	/* A failed slot is retried by ramp_tick() once every slot has
	 * been tried. */
}

static void
ramp_tick(uint64_t now)
{
	long i;

	(void)now;
	while (ramp_pending < o.concurrency && ramp_next < ramp_target) {
		i = ramp_next++;
		if (slots[i].c != NULL)
			continue;
		if (start_slot(i, (i % o.accounts) + 1) == 0)
			ramp_pending++;
	}
	/* Retry slots whose login failed, within the failure limit. */
	if (ramp_next >= ramp_target && ramp_pending == 0 &&
	    nready < ramp_target && nfailed <= ramp_fail_limit) {
		for (i = 0; i < ramp_target && ramp_pending < o.concurrency;
		     i++)
			if (slots[i].c == NULL &&
			    start_slot(i, (i % o.accounts) + 1) == 0)
				ramp_pending++;
	}
}

static int
ramp_done(void)
{
	return nready >= ramp_target || nfailed > ramp_fail_limit;
}

static int
ramp_to(long target)
{
	uint64_t t0 = procstat_now_ns();

	on_ready_fn = ramp_ready;
	on_gone_fn = ramp_gone;
	ramp_target = target;
	ramp_next = 0;
	ramp_fail_limit = nfailed + 100 + target / 20;
	run(ramp_done, ramp_tick, UINT64_MAX, 1000000);
	if (nready < target) {
		fprintf(stderr,
		    "lethe-bench: only %ld of %ld clients logged in "
		    "(%ld failed, last: %s)\n",
		    nready, target, nfailed,
		    last_failure ? last_failure : "none");
		return -1;
	}
	fprintf(stderr, "lethe-bench: %ld clients ready in %.1f s\n", target,
	    secs(procstat_now_ns() - t0));
	return 0;
}

static int
alloc_slots(long n)
{
	if (n <= 0 || n > MAX_CLIENTS) {
		fprintf(stderr, "lethe-bench: bad client count %ld\n", n);
		return -1;
	}
	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL)
		return -1;
	nslots = n;
	return 0;
}

static void
close_all(void)
{
	on_ready_fn = NULL;
	on_message_fn = NULL;
	on_gone_fn = NULL;
	client_close_all();
}

/* --- JSON --- */

static void
json_open(const char *scenario)
{
	const char *f = o.json;

	if (f == NULL) {
		json = NULL;
		return;
	}
	if ((json = fopen(f, "w")) == NULL) {
		perror(f);
		return;
	}
	fprintf(json, "{\"scenario\": \"%s\", \"server\": \"%s\"", scenario,
	    o.label);
}

static void
json_close(void)
{
	if (json == NULL)
		return;
	fprintf(json, "}\n");
	fclose(json);
	json = NULL;
}

/*
 * Lines on stderr where the load starts (clients logged in, or the
 * logins' warm-up done) and where it has ended and drained: bench/profile
 * turns the profiler on and off there.
 */
static void
load_mark(int start)
{
	fprintf(stderr, "lethe-bench: load %s\n", start ? "starts" : "ends");
	fflush(stderr);
}

static void
gen_bound_note(double gen_pct)
{
	if (gen_pct > GEN_BOUND_PCT)
		printf("  note: the generator used %.0f%% of its core: this "
		       "figure may be the generator's limit\n",
		    gen_pct);
}

/* --- idle --- */

static int
scenario_idle(void)
{
	uint64_t base, rss[MAX_STEPS];
	double gen[MAX_STEPS];
	struct sample a, b;
	long max = 0;
	size_t k;
	int bad = 0;

	for (k = 0; k < o.nsteps; k++)
		if (o.steps[k] > max)
			max = o.steps[k];
	if (alloc_slots(max) == -1)
		return 1;
	base = procstat_rss_kib(&srv);
	printf("idle memory: server RSS per authenticated idle TLS "
	       "connection (%s)\n",
	    o.label);
	printf("  baseline RSS %.1f MiB\n", (double)base / 1024);
	printf("  %8s %10s %10s %12s %8s\n", "clients", "RSS MiB", "KiB/conn",
	    "marginal", "gen CPU");
	json_open("idle");
	if (json)
		fprintf(json,
		    ", \"baseline_rss_kib\": %" PRIu64 ", \"steps\": [", base);
	for (k = 0; k < o.nsteps; k++) {
		sample(&a);
		if (ramp_to(o.steps[k]) == -1) {
			bad = 1;
			break;
		}
		/* Let idle timers run (parsers shrink, buffers drop). */
		run(NULL, NULL, procstat_now_ns() + (uint64_t)(o.settle * 1e9),
		    100000000);
		sample(&b);
		rss[k] = procstat_rss_kib(&srv);
		gen[k] = pct(b.gen_us - a.gen_us, b.t - a.t);
		{
			double per = (double)(rss[k] - base) / o.steps[k];
			double marg = k == 0 ? per
			                     : (double)(rss[k] - rss[k - 1]) /
			        (o.steps[k] - o.steps[k - 1]);

			printf("  %8ld %10.1f %10.2f %12.2f %7.0f%%\n",
			    o.steps[k], (double)rss[k] / 1024, per, marg,
			    gen[k]);
			if (json)
				fprintf(json,
				    "%s{\"clients\": %ld, \"rss_kib\": "
				    "%" PRIu64 ", \"kib_per_conn\": %.3f, "
				    "\"marginal_kib_per_conn\": %.3f, "
				    "\"gen_cpu_pct\": %.1f}",
				    k ? ", " : "", o.steps[k], rss[k], per,
				    marg, gen[k]);
		}
		fflush(stdout);
	}
	if (json)
		fprintf(json, "], \"failed_logins\": %ld, \"complete\": %s",
		    nfailed, bad ? "false" : "true");
	if (!bad && o.hold > 0) {
		/* Clients stay connected (and answer pings) while another
		 * tool looks at the server: bench/budget. */
		fprintf(stderr, "lethe-bench: idle clients held\n");
		fflush(stderr);
		run(NULL, NULL, procstat_now_ns() + (uint64_t)(o.hold * 1e9),
		    100000000);
	}
	if (nfailed > 0)
		fprintf(stderr, "lethe-bench: %ld failed logins, last: %s\n",
		    nfailed, last_failure);
	json_close();
	close_all();
	return bad;
}

/* --- throughput --- */

static int measuring, stopping;
static uint64_t delivered, bounced, t_measure0, t_measure1;
static uint64_t sent_all, received_all; /* whole run, warm-up included */
static struct hist *lat;
static char (*bare)[96];

static void
tp_message(struct client *c, uint64_t stamp, int error)
{
	long r = c->index, s = r ^ 1;
	uint64_t now = procstat_now_ns();

	if (error) {
		bounced++;
		return;
	}
	received_all++;
	slots[s].inflight--;
	if (measuring && stamp >= t_measure0) {
		delivered++;
		hist_add(lat, now - stamp);
	}
	if (!stopping && slots[s].c != NULL) {
		client_send_chat(slots[s].c, bare[r], now);
		slots[s].inflight++;
		sent_all++;
	}
}

static void
tp_gone(struct client *c, int failed)
{
	slots[c->index].c = NULL;
	if (failed)
		nready--;
}

static int
setup_pairs(void)
{
	long i, n = o.pairs * 2;

	if (alloc_slots(n) == -1)
		return -1;
	if ((bare = calloc((size_t)n, sizeof(*bare))) == NULL ||
	    (lat = malloc(sizeof(*lat))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		bare_of((i % o.accounts) + 1, bare[i], sizeof(bare[i]));
	if (o.accounts < n)
		fprintf(stderr,
		    "lethe-bench: %ld clients share %ld accounts: a "
		    "message to a bare JID reaches every resource\n",
		    n, o.accounts);
	return ramp_to(n);
}

static int
drained(void)
{
	long i;

	for (i = 0; i < nslots; i++)
		if (slots[i].inflight > 0 && slots[i].c != NULL)
			return 0;
	return 1;
}

static int
scenario_throughput(void)
{
	struct sample a, b;
	uint64_t now;
	double rate, srv_pct, gen_pct, us;
	long i, w;

	printf("throughput: %ld pairs, window %ld (%s)\n", o.pairs, o.window,
	    o.label);
	if (setup_pairs() == -1)
		return 1;
	on_message_fn = tp_message;
	on_gone_fn = tp_gone;
	hist_reset(lat);
	load_mark(1);
	now = procstat_now_ns();
	for (i = 0; i < nslots; i++)
		for (w = 0; w < o.window; w++) {
			client_send_chat(slots[i].c, bare[i ^ 1], now);
			slots[i].inflight++;
			sent_all++;
		}
	run(NULL, NULL, now + (uint64_t)(o.warmup * 1e9), 100000000);
	sample(&a);
	t_measure0 = a.t;
	measuring = 1;
	run(NULL, NULL, a.t + (uint64_t)(o.duration * 1e9), 100000000);
	sample(&b);
	measuring = 0;
	t_measure1 = b.t;
	stopping = 1;
	run(drained, NULL, procstat_now_ns() + 5000000000ull, 10000000);
	load_mark(0);
	rate = (double)delivered / secs(b.t - a.t);
	srv_pct = pct(b.srv_us - a.srv_us, b.t - a.t);
	gen_pct = pct(b.gen_us - a.gen_us, b.t - a.t);
	us = delivered ? (double)(b.srv_us - a.srv_us) / (double)delivered : 0;
	printf("  %12s %10s %10s %8s %8s %8s %8s\n", "delivered/s", "srv CPU",
	    "us/msg", "gen CPU", "p50 us", "p99 us", "errors");
	printf("  %12.0f %9.0f%% %10.2f %7.0f%% %8.0f %8.0f %8" PRIu64 "\n",
	    rate, srv_pct, us, gen_pct, (double)hist_quantile(lat, 0.5) / 1e3,
	    (double)hist_quantile(lat, 0.99) / 1e3, bounced);
	gen_bound_note(gen_pct);
	json_open("throughput");
	if (json)
		fprintf(json,
		    ", \"pairs\": %ld, \"window\": %ld, \"body_bytes\": %zu, "
		    "\"duration_s\": %.3f, \"delivered\": %" PRIu64 ", "
		    "\"msgs_per_s\": %.1f, \"server_cpu_pct\": %.1f, "
		    "\"server_us_per_msg\": %.3f, \"gen_cpu_pct\": %.1f, "
		    "\"generator_bound\": %s, \"p50_us\": %.1f, "
		    "\"p99_us\": %.1f, \"errors\": %" PRIu64
		    ", \"failed_clients\": %ld",
		    o.pairs, o.window, o.body, secs(b.t - a.t), delivered, rate,
		    srv_pct, us, gen_pct,
		    gen_pct > GEN_BOUND_PCT ? "true" : "false",
		    (double)hist_quantile(lat, 0.5) / 1e3,
		    (double)hist_quantile(lat, 0.99) / 1e3, bounced, nfailed);
	if (json)
		fprintf(json,
		    ", \"sent_all\": %" PRIu64 ", \"received_all\": %" PRIu64,
		    sent_all, received_all);
	json_close();
	close_all();
	return delivered == 0;
}

/* --- latency (open loop) --- */

static double pace_rate;
static uint64_t pace_t0, pace_sent, pace_skipped, pace_rr;

static void
lat_message(struct client *c, uint64_t stamp, int error)
{
	long s = c->index ^ 1;
	uint64_t now = procstat_now_ns();

	if (error) {
		bounced++;
		return;
	}
	received_all++;
	slots[s].inflight--;
	if (measuring && stamp >= t_measure0 && stamp < t_measure1) {
		delivered++;
		hist_add(lat, now - stamp);
	}
}

static void
lat_tick(uint64_t now)
{
	uint64_t due;
	long k;

	if (stopping)
		return;
	due = (uint64_t)(pace_rate * secs(now - pace_t0));
	while (pace_sent < due) {
		k = (long)(pace_rr++ % (uint64_t)nslots);
		pace_sent++;
		if (slots[k].c == NULL || slots[k].inflight >= INFLIGHT_CAP) {
			pace_skipped++;
			continue;
		}
		client_send_chat(slots[k].c, bare[k ^ 1], procstat_now_ns());
		slots[k].inflight++;
		sent_all++;
	}
}

static int
scenario_latency(void)
{
	struct sample a, b;
	uint64_t tick;
	size_t r;
	int bad = 0;

	printf("latency: sender to recipient, %ld pairs, paced (%s)\n", o.pairs,
	    o.label);
	if (setup_pairs() == -1)
		return 1;
	on_message_fn = lat_message;
	on_gone_fn = tp_gone;
	load_mark(1);
	printf("  %9s %9s %8s %8s %8s %8s %8s %8s %8s\n", "rate/s", "achieved",
	    "p50 us", "p90 us", "p99 us", "p999 us", "max us", "srv CPU",
	    "gen CPU");
	json_open("latency");
	if (json)
		fprintf(json,
		    ", \"pairs\": %ld, \"body_bytes\": %zu, \"runs\": [",
		    o.pairs, o.body);
	for (r = 0; r < o.nrates; r++) {
		double ach, srv_pct, gen_pct;

		hist_reset(lat);
		delivered = bounced = 0;
		pace_rate = o.rates[r];
		pace_sent = pace_skipped = 0;
		stopping = 0;
		measuring = 0;
		/* Wake often enough to send one message at a time. */
		tick = (uint64_t)(1e9 / pace_rate);
		if (tick < 20000)
			tick = 20000;
		pace_t0 = procstat_now_ns();
		t_measure0 = pace_t0 + (uint64_t)(o.warmup * 1e9);
		t_measure1 = t_measure0 + (uint64_t)(o.duration * 1e9);
		measuring = 1;
		run(NULL, lat_tick, t_measure0, tick);
		sample(&a);
		run(NULL, lat_tick, t_measure1, tick);
		sample(&b);
		stopping = 1;
		run(drained, NULL, procstat_now_ns() + 5000000000ull, 10000000);
		measuring = 0;
		ach = (double)delivered / secs(b.t - a.t);
		srv_pct = pct(b.srv_us - a.srv_us, b.t - a.t);
		gen_pct = pct(b.gen_us - a.gen_us, b.t - a.t);
		printf("  %9.0f %9.0f %8.0f %8.0f %8.0f %8.0f %8.0f %7.0f%% "
		       "%7.0f%%\n",
		    pace_rate, ach, (double)hist_quantile(lat, 0.5) / 1e3,
		    (double)hist_quantile(lat, 0.9) / 1e3,
		    (double)hist_quantile(lat, 0.99) / 1e3,
		    (double)hist_quantile(lat, 0.999) / 1e3,
		    (double)lat->max / 1e3, srv_pct, gen_pct);
		gen_bound_note(gen_pct);
		if (pace_skipped > 0)
			printf("  note: %" PRIu64
			       " sends skipped: a sender had "
			       "%d messages unanswered\n",
			    pace_skipped, INFLIGHT_CAP);
		if (json)
			fprintf(json,
			    "%s{\"rate\": %.1f, \"achieved\": %.1f, "
			    "\"delivered\": %" PRIu64 ", \"p50_us\": %.1f, "
			    "\"p90_us\": %.1f, \"p99_us\": %.1f, "
			    "\"p999_us\": %.1f, \"max_us\": %.1f, "
			    "\"server_cpu_pct\": %.1f, \"gen_cpu_pct\": %.1f, "
			    "\"generator_bound\": %s, \"skipped\": %" PRIu64
			    ", \"errors\": %" PRIu64 "}",
			    r ? ", " : "", pace_rate, ach, delivered,
			    (double)hist_quantile(lat, 0.5) / 1e3,
			    (double)hist_quantile(lat, 0.9) / 1e3,
			    (double)hist_quantile(lat, 0.99) / 1e3,
			    (double)hist_quantile(lat, 0.999) / 1e3,
			    (double)lat->max / 1e3, srv_pct, gen_pct,
			    gen_pct > GEN_BOUND_PCT ? "true" : "false",
			    pace_skipped, bounced);
		if (delivered == 0)
			bad = 1;
	}
	load_mark(0);
	if (json)
		fprintf(json,
		    "], \"failed_clients\": %ld, \"sent_all\": %" PRIu64
		    ", \"received_all\": %" PRIu64,
		    nfailed, sent_all, received_all);
	json_close();
	close_all();
	return bad;
}

/* --- logins --- */

static long login_next, login_pending;
static uint64_t logins, logins_all, logins_base, login_fail_limit;
static int login_counting;

static void
login_ready(struct client *c)
{
	logins_all++;
	if (login_counting) {
		logins++;
		hist_add(lat, procstat_now_ns() - c->t_start);
	}
	client_quit(c);
}

static void
login_gone(struct client *c, int failed)
{
	slots[c->index].c = NULL;
	login_pending--;
}

static void
login_tick(uint64_t now)
{
	long i;

	(void)now;
	if (stopping)
		return;
	for (i = 0; i < nslots && login_pending < o.concurrency; i++) {
		if (slots[i].c != NULL)
			continue;
		if (start_slot(i, (login_next++ % o.accounts) + 1) == 0)
			login_pending++;
	}
}

static int
login_warm_done(void)
{
	return (long)logins >= o.accounts ||
	    (uint64_t)nfailed > login_fail_limit;
}

static int
login_none(void)
{
	return login_pending == 0;
}

static int
scenario_logins(void)
{
	struct sample a, b;
	uint64_t t0;
	double rate, srv_pct, gen_pct, us;

	printf("logins: TCP + STARTTLS + SCRAM + bind + roster + presence, "
	       "%ld at a time over %ld accounts (%s)\n",
	    o.concurrency, o.accounts, o.label);
	if (alloc_slots(o.concurrency) == -1 ||
	    (lat = malloc(sizeof(*lat))) == NULL)
		return 1;
	on_ready_fn = login_ready;
	on_gone_fn = login_gone;
	/* Warm-up: each account logs in once, so the generator has its
	 * salted password before the clock starts. */
	login_counting = 1;
	login_fail_limit = 100 + (uint64_t)o.accounts / 20;
	hist_reset(lat);
	t0 = procstat_now_ns();
	run(login_warm_done, login_tick, UINT64_MAX, 1000000);
	if ((long)logins < o.accounts) {
		fprintf(stderr,
		    "lethe-bench: warm-up logged in %" PRIu64 " of %ld "
		    "accounts (%ld failed, last: %s)\n",
		    logins, o.accounts, nfailed,
		    last_failure ? last_failure : "none");
		close_all();
		return 1;
	}
	fprintf(stderr, "lethe-bench: warm-up: %" PRIu64 " logins in %.1f s\n",
	    logins, secs(procstat_now_ns() - t0));
	logins = 0;
	nfailed = 0;
	hist_reset(lat);
	load_mark(1);
	logins_base = logins_all;
	run(NULL, login_tick, procstat_now_ns() + (uint64_t)(o.warmup * 1e9),
	    1000000);
	logins = 0;
	sample(&a);
	run(NULL, login_tick, a.t + (uint64_t)(o.duration * 1e9), 1000000);
	sample(&b);
	login_counting = 0;
	stopping = 1;
	run(login_none, NULL, procstat_now_ns() + 10000000000ull, 10000000);
	load_mark(0);
	rate = (double)logins / secs(b.t - a.t);
	srv_pct = pct(b.srv_us - a.srv_us, b.t - a.t);
	gen_pct = pct(b.gen_us - a.gen_us, b.t - a.t);
	us = logins ? (double)(b.srv_us - a.srv_us) / (double)logins : 0;
	printf("  %9s %9s %10s %8s %9s %9s %7s\n", "logins/s", "srv CPU",
	    "us/login", "gen CPU", "p50 ms", "p99 ms", "failed");
	printf("  %9.0f %8.0f%% %10.0f %7.0f%% %9.2f %9.2f %7ld\n", rate,
	    srv_pct, us, gen_pct, (double)hist_quantile(lat, 0.5) / 1e6,
	    (double)hist_quantile(lat, 0.99) / 1e6, nfailed);
	if (nfailed > 0)
		printf("  note: last failure: %s\n", last_failure);
	gen_bound_note(gen_pct);
	json_open("logins");
	if (json)
		fprintf(json,
		    ", \"concurrency\": %ld, \"accounts\": %ld, "
		    "\"duration_s\": %.3f, \"logins\": %" PRIu64 ", "
		    "\"logins_per_s\": %.1f, \"server_cpu_pct\": %.1f, "
		    "\"server_us_per_login\": %.1f, \"gen_cpu_pct\": %.1f, "
		    "\"generator_bound\": %s, \"p50_ms\": %.3f, "
		    "\"p99_ms\": %.3f, \"failed\": %ld",
		    o.concurrency, o.accounts, secs(b.t - a.t), logins, rate,
		    srv_pct, us, gen_pct,
		    gen_pct > GEN_BOUND_PCT ? "true" : "false",
		    (double)hist_quantile(lat, 0.5) / 1e6,
		    (double)hist_quantile(lat, 0.99) / 1e6, nfailed);
	if (json)
		fprintf(json, ", \"logins_all\": %" PRIu64,
		    logins_all - logins_base);
	json_close();
	close_all();
	return logins == 0;
}

/* --- archive --- */

/*
 * One account (--owner) holds a large archive (filled by archive-fill,
 * whose sample of ids and peers is --ids). Its client runs message
 * archive queries (urn:xmpp:mam:2) one at a time, kind after kind; a
 * second account's client pings the server every 10 ms throughout, so
 * the ping's round trip shows whether the server's loop stays free for
 * other clients while the queries run.
 */
#define NS_MAM "urn:xmpp:mam:2"
#define NS_RSM "http://jabber.org/protocol/rsm"
#define ARCH_IDS_MAX 100000
#define PING_EVERY_NS 10000000ull

enum arch_kind { AK_LAST, AK_MIDDLE, AK_WITH, AK_RANGE, AK_IDS, AK_N };

static const char *const arch_names[AK_N] = {
    "last", "middle", "with", "range", "ids"};
static const char *const arch_what[AK_N] = {
    "the last page (RSM <before/>, max 50)",
    "a page after a random id (RSM <after/>, max 50)",
    "the last page with one peer (form: with, max 50)",
    "one day from a random time (form: start, end, max 50)",
    "10 random ids (form: ids)",
};

struct arch_sample {
	char id[24];
	long long when;
	char peer[96];
};

static struct arch_sample *arch_ids;
static size_t arch_nids;
static struct client *arch_c, *ping_c;
static int arch_ready;
static uint64_t arch_sent_ns, arch_seq, arch_results, arch_errors;
static int arch_busy; /* a query is out */
static struct hist *arch_lat, *ping_idle, *ping_load, *ping_cur;
static uint64_t ping_sent_ns, ping_seq;
static int ping_out;
static uint64_t xrand = 0x2545f4914f6cdd1dull;

static uint64_t
arch_rand(void)
{
	xrand ^= xrand << 13;
	xrand ^= xrand >> 7;
	xrand ^= xrand << 17;
	return xrand;
}

static int
arch_load_ids(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if ((arch_ids = calloc(ARCH_IDS_MAX, sizeof(*arch_ids))) == NULL) {
		fclose(f);
		return -1;
	}
	while (arch_nids < ARCH_IDS_MAX && fgets(line, sizeof(line), f)) {
		struct arch_sample *s = &arch_ids[arch_nids];

		if (sscanf(line, "%23s %lld %95s", s->id, &s->when, s->peer) ==
		    3)
			arch_nids++;
	}
	fclose(f);
	return arch_nids > 0 ? 0 : -1;
}

static void
arch_stamp(long long t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define FORM_HEAD                                                              \
	"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' "       \
	"type='hidden'><value>" NS_MAM "</value></field>"

static void
arch_send(enum arch_kind k)
{
	const struct arch_sample *s = &arch_ids[arch_rand() % arch_nids];
	unsigned long long q = (unsigned long long)++arch_seq;
	char a[32], b[32], ids[10 * 64];
	size_t n = 0, i;

	arch_busy = 1;
	arch_sent_ns = procstat_now_ns();
	switch (k) {
	case AK_LAST:
		client_sendf(arch_c,
		    "<iq type='set' id='a%llx'><query xmlns='" NS_MAM
		    "' queryid='a%llx'><set xmlns='" NS_RSM "'><max>50</max>"
		    "<before/></set></query></iq>",
		    q, q);
		break;
	case AK_MIDDLE:
		client_sendf(arch_c,
		    "<iq type='set' id='a%llx'><query xmlns='" NS_MAM
		    "' queryid='a%llx'><set xmlns='" NS_RSM "'><max>50</max>"
		    "<after>%s</after></set></query></iq>",
		    q, q, s->id);
		break;
	case AK_WITH:
		client_sendf(arch_c,
		    "<iq type='set' id='a%llx'><query xmlns='" NS_MAM
		    "' queryid='a%llx'>" FORM_HEAD
		    "<field var='with'><value>%s</value></field></x>"
		    "<set xmlns='" NS_RSM "'><max>50</max><before/></set>"
		    "</query></iq>",
		    q, q, s->peer);
		break;
	case AK_RANGE:
		arch_stamp(s->when, a, sizeof(a));
		arch_stamp(s->when + 86400, b, sizeof(b));
		client_sendf(arch_c,
		    "<iq type='set' id='a%llx'><query xmlns='" NS_MAM
		    "' queryid='a%llx'>" FORM_HEAD
		    "<field var='start'><value>%s</value></field>"
		    "<field var='end'><value>%s</value></field></x>"
		    "<set xmlns='" NS_RSM "'><max>50</max></set>"
		    "</query></iq>",
		    q, q, a, b);
		break;
	default:
		for (i = 0; i < 10; i++)
			n += (size_t)snprintf(ids + n, sizeof(ids) - n,
			    "<value>%s</value>",
			    arch_ids[arch_rand() % arch_nids].id);
		client_sendf(arch_c,
		    "<iq type='set' id='a%llx'><query xmlns='" NS_MAM
		    "' queryid='a%llx'>" FORM_HEAD
		    "<field var='ids'>%s</field></x></query></iq>",
		    q, q, ids);
		break;
	}
}

static int
arch_stanza(struct client *c, const char *p, const char *end)
{
	uint64_t now = procstat_now_ns();
	size_t len = (size_t)(end - p);

	if (c == ping_c) {
		if (p[1] == 'i' && memmem(p, len, "id='k", 5) != NULL &&
		    ping_out) {
			ping_out = 0;
			if (ping_cur != NULL)
				hist_add(ping_cur, now - ping_sent_ns);
			return 1;
		}
		return 0;
	}
	if (c != arch_c)
		return 0;
	if (p[1] == 'm') {
		if (memmem(p, len, "<result xmlns='" NS_MAM,
		        sizeof("<result xmlns='" NS_MAM) - 1) != NULL) {
			arch_results++;
			return 1;
		}
		return 0;
	}
	if (memmem(p, len, "id='a", 5) == NULL || !arch_busy)
		return 0;
	if (memmem(p, len, "type='error'", 12) != NULL ||
	    memmem(p, len, "type=\"error\"", 12) != NULL)
		arch_errors++;
	arch_busy = 0;
	hist_add(arch_lat, now - arch_sent_ns);
	return 1;
}

static void
arch_ready_cb(struct client *c)
{
	arch_ready++;
}

/* Anything else that arrives (none is expected) is ignored. */
static void
arch_message_cb(struct client *c, uint64_t stamp, int error)
{
}

static void
arch_gone_cb(struct client *c, int failed)
{
	if (failed)
		fprintf(stderr,
		    "lethe-bench: archive: %s's client failed: %s\n",
		    c == arch_c ? "the owner" : "the pinger",
		    c->why ? c->why : "?");
	if (c == arch_c)
		arch_c = NULL;
	if (c == ping_c)
		ping_c = NULL;
}

static void
ping_tick(uint64_t now)
{
	if (ping_c == NULL)
		return;
	if (ping_out && now - ping_sent_ns > 5000000000ull)
		ping_out = 0; /* lost: counted nowhere; shows as max */
	if (!ping_out && now - ping_sent_ns >= PING_EVERY_NS) {
		ping_out = 1;
		ping_sent_ns = now;
		client_sendf(ping_c,
		    "<iq type='get' id='k%llx' to='%s'><ping "
		    "xmlns='urn:xmpp:ping'/></iq>",
		    (unsigned long long)++ping_seq, o.domain);
	}
}

static enum arch_kind arch_cur;
static uint64_t arch_left;

static void
arch_tick(uint64_t now)
{
	ping_tick(now);
	if (!arch_busy && arch_left > 0 && arch_c != NULL) {
		arch_left--;
		arch_send(arch_cur);
	}
}

static int
arch_done(void)
{
	return (arch_left == 0 && !arch_busy) || arch_c == NULL;
}

static int
arch_both_ready(void)
{
	return arch_ready >= 2 || arch_c == NULL || ping_c == NULL;
}

static void
ping_only_tick(uint64_t now)
{
	ping_tick(now);
}

static int
scenario_archive(void)
{
	static const struct client_cb cbs = {
	    arch_ready_cb, arch_message_cb, arch_gone_cb, arch_stanza};
	struct sample a, b, i0, i1;
	char user[48];
	double idle_us_per_s, srv_us[AK_N], lat50[AK_N], lat99[AK_N];
	double res_per_q[AK_N], qps[AK_N], gen_pct = 0;
	uint64_t errs[AK_N], warm;
	long owner = o.owner > 0 ? o.owner : o.accounts;
	int k;

	printf("archive: MAM queries on %s's archive (%s), %ld of each "
	       "kind, one at a time; a ping every 10 ms from another "
	       "client\n",
	    o.user_fmt, o.label, o.queries);
	if (o.ids == NULL || arch_load_ids(o.ids) == -1) {
		fprintf(stderr,
		    "lethe-bench: archive needs --ids FILE "
		    "(from archive-fill)\n");
		return 1;
	}
	if (owner < 2) {
		fprintf(stderr, "lethe-bench: archive needs two accounts\n");
		return 1;
	}
	if ((arch_lat = malloc(sizeof(*arch_lat))) == NULL ||
	    (ping_idle = malloc(sizeof(*ping_idle))) == NULL ||
	    (ping_load = malloc(sizeof(*ping_load))) == NULL)
		return 1;
	hist_reset(ping_idle);
	hist_reset(ping_load);
	client_set_callbacks(&cbs);
	user_of(owner, user, sizeof(user));
	arch_c = client_start(source_of(0), user, "archive", NULL, 0);
	user_of(owner - 1, user, sizeof(user));
	ping_c = client_start(source_of(1), user, "ping", NULL, 1);
	if (arch_c == NULL || ping_c == NULL)
		return 1;
	arch_c->t_start = ping_c->t_start = procstat_now_ns();
	run(arch_both_ready, NULL, procstat_now_ns() + 60000000000ull, 1000000);
	if (arch_ready < 2 || arch_c == NULL || ping_c == NULL) {
		fprintf(stderr, "lethe-bench: archive: login failed\n");
		return 1;
	}
	/* The ping alone: its round trip and the server's CPU with no
	 * query running. */
	ping_cur = ping_idle;
	sample(&i0);
	run(NULL, ping_only_tick, i0.t + 3000000000ull, 1000000);
	sample(&i1);
	idle_us_per_s = (double)(i1.srv_us - i0.srv_us) / secs(i1.t - i0.t);
	load_mark(1);
	for (k = 0; k < AK_N; k++) {
		arch_cur = (enum arch_kind)k;
		/* Warm-up: the first few queries of a kind read pages
		 * the ones before did not. */
		warm = (uint64_t)(o.queries / 10 + 1);
		ping_cur = NULL;
		hist_reset(arch_lat);
		arch_left = warm;
		run(arch_done, arch_tick, UINT64_MAX, 1000000);
		hist_reset(arch_lat);
		arch_results = arch_errors = 0;
		ping_cur = ping_load;
		arch_left = (uint64_t)o.queries;
		sample(&a);
		run(arch_done, arch_tick, UINT64_MAX, 1000000);
		sample(&b);
		if (arch_c == NULL || arch_left > 0 || arch_busy) {
			fprintf(stderr,
			    "lethe-bench: archive: %s queries "
			    "did not finish\n",
			    arch_names[k]);
			return 1;
		}
		srv_us[k] = ((double)(b.srv_us - a.srv_us) -
		                idle_us_per_s * secs(b.t - a.t)) /
		    (double)o.queries;
		lat50[k] = (double)hist_quantile(arch_lat, 0.5) / 1e3;
		lat99[k] = (double)hist_quantile(arch_lat, 0.99) / 1e3;
		res_per_q[k] = (double)arch_results / (double)o.queries;
		qps[k] = (double)o.queries / secs(b.t - a.t);
		errs[k] = arch_errors;
		if (pct(b.gen_us - a.gen_us, b.t - a.t) > gen_pct)
			gen_pct = pct(b.gen_us - a.gen_us, b.t - a.t);
	}
	ping_cur = NULL;
	load_mark(0);
	printf("  %-7s %9s %9s %10s %9s %8s %6s  %s\n", "query", "p50 ms",
	    "p99 ms", "srv us/q", "queries/s", "items/q", "errors", "what");
	for (k = 0; k < AK_N; k++)
		printf("  %-7s %9.2f %9.2f %10.0f %9.0f %8.1f %6" PRIu64
		       "  %s\n",
		    arch_names[k], lat50[k] / 1e3, lat99[k] / 1e3, srv_us[k],
		    qps[k], res_per_q[k], errs[k], arch_what[k]);
	printf("  ping round trip, µs: alone p50 %.0f p99 %.0f; during the "
	       "queries p50 %.0f p99 %.0f max %.0f (%" PRIu64 " pings)\n",
	    (double)hist_quantile(ping_idle, 0.5) / 1e3,
	    (double)hist_quantile(ping_idle, 0.99) / 1e3,
	    (double)hist_quantile(ping_load, 0.5) / 1e3,
	    (double)hist_quantile(ping_load, 0.99) / 1e3,
	    (double)ping_load->max / 1e3, ping_load->count);
	gen_bound_note(gen_pct);
	json_open("archive");
	if (json) {
		fprintf(json,
		    ", \"queries_per_kind\": %ld, \"owner\": %ld, "
		    "\"sample_ids\": %zu, \"server_idle_us_per_s\": %.1f, "
		    "\"gen_cpu_pct_max\": %.1f, \"kinds\": {",
		    o.queries, owner, arch_nids, idle_us_per_s, gen_pct);
		for (k = 0; k < AK_N; k++)
			fprintf(json,
			    "%s\"%s\": {\"p50_us\": %.1f, \"p99_us\": %.1f, "
			    "\"server_us_per_query\": %.1f, "
			    "\"queries_per_s\": %.1f, "
			    "\"items_per_query\": %.2f, \"errors\": %" PRIu64
			    "}",
			    k ? ", " : "", arch_names[k], lat50[k], lat99[k],
			    srv_us[k], qps[k], res_per_q[k], errs[k]);
		fprintf(json,
		    "}, \"ping_idle_p50_us\": %.1f, \"ping_idle_p99_us\": "
		    "%.1f, \"ping_load_p50_us\": %.1f, "
		    "\"ping_load_p99_us\": %.1f, \"ping_load_max_us\": %.1f, "
		    "\"pings_during_queries\": %" PRIu64,
		    (double)hist_quantile(ping_idle, 0.5) / 1e3,
		    (double)hist_quantile(ping_idle, 0.99) / 1e3,
		    (double)hist_quantile(ping_load, 0.5) / 1e3,
		    (double)hist_quantile(ping_load, 0.99) / 1e3,
		    (double)ping_load->max / 1e3, ping_load->count);
	}
	json_close();
	close_all();
	for (k = 0; k < AK_N; k++)
		if (errs[k] > 0)
			return 1;
	return 0;
}

/* --- options --- */

static const char usage_text[] =
    "usage: lethe-bench SCENARIO [options]\n"
    "\n"
    "scenarios: idle, throughput, latency, logins, archive\n"
    "\n"
    "  --server ADDR       server address, loopback only (127.0.0.1)\n"
    "  --port N            STARTTLS port (5222)\n"
    "  --domain NAME       XMPP domain (localhost)\n"
    "  --user FMT          account name format, with %ld (b%ld)\n"
    "  --password PW       every account's password (bench-password)\n"
    "  --accounts N        accounts FMT(1)..FMT(N) exist (1000)\n"
    "  --pid PID           server process to measure (repeatable;\n"
    "                      its descendants are counted too)\n"
    "  --label NAME        server name in the output (server)\n"
    "  --json FILE         write the results as JSON\n"
    "  --sources N         source addresses 127.0.0.1..N (8)\n"
    "  --clients N,N,...   idle: client counts (5000,10000,18000)\n"
    "  --settle SEC        idle: quiet time before reading RSS (7)\n"
    "  --hold SEC          idle: keep the clients SEC longer at the end\n"
    "  --concurrency N     logins in progress at once (64)\n"
    "  --pairs N           throughput, latency: client pairs (100)\n"
    "  --window N          throughput: messages in flight per "
    "client (16)\n"
    "  --rates R,R,...     latency: messages/s (2000)\n"
    "  --body N            bytes of text per message body (64)\n"
    "  --warmup SEC        before measuring (2)\n"
    "  --duration SEC      measured time (10)\n"
    "  --timeout SEC       the whole run at most (900)\n"
    "  --sha1              use SCRAM-SHA-1 even if SHA-256 is offered\n"
    "  --cache FILE        keep salted passwords in FILE between runs\n"
    "  --owner N           archive: the account holding the archive\n"
    "                      (default: the last, --accounts)\n"
    "  --ids FILE          archive: sample of its ids (archive-fill)\n"
    "  --queries N         archive: measured queries per kind (200)\n";

static size_t
parse_list(const char *s, double *out, size_t cap)
{
	size_t n = 0;
	char *end;

	while (*s && n < cap) {
		out[n++] = strtod(s, &end);
		if (end == s)
			return 0;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return 0;
	}
	return n;
}

static int
parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"server", required_argument, NULL, 's'},
	    {"port", required_argument, NULL, 'p'},
	    {"domain", required_argument, NULL, 'd'},
	    {"user", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'w'},
	    {"accounts", required_argument, NULL, 'a'},
	    {"pid", required_argument, NULL, 'P'},
	    {"label", required_argument, NULL, 'l'},
	    {"json", required_argument, NULL, 'j'},
	    {"sources", required_argument, NULL, 'S'},
	    {"clients", required_argument, NULL, 'c'},
	    {"settle", required_argument, NULL, 'e'},
	    {"hold", required_argument, NULL, 'H'},
	    {"concurrency", required_argument, NULL, 'C'},
	    {"pairs", required_argument, NULL, 'n'},
	    {"window", required_argument, NULL, 'W'},
	    {"rates", required_argument, NULL, 'r'},
	    {"body", required_argument, NULL, 'b'},
	    {"warmup", required_argument, NULL, 'U'},
	    {"duration", required_argument, NULL, 'D'},
	    {"timeout", required_argument, NULL, 't'},
	    {"sha1", no_argument, NULL, '1'},
	    {"cache", required_argument, NULL, 'K'},
	    {"owner", required_argument, NULL, 'O'},
	    {"ids", required_argument, NULL, 'I'},
	    {"queries", required_argument, NULL, 'Q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	double list[MAX_STEPS];
	struct in_addr ia;
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (inet_pton(AF_INET, optarg, &ia) != 1 ||
			    (ntohl(ia.s_addr) >> 24) != 127) {
				fprintf(stderr,
				    "lethe-bench: --server must "
				    "be a 127.x.y.z address\n");
				return -1;
			}
			o.server = ntohl(ia.s_addr);
			break;
		case 'p':
			o.port = (uint16_t)atoi(optarg);
			break;
		case 'd':
			o.domain = optarg;
			break;
		case 'u':
			o.user_fmt = optarg;
			break;
		case 'w':
			o.password = optarg;
			break;
		case 'a':
			o.accounts = atol(optarg);
			break;
		case 'P':
			if (procstat_add(&srv, (pid_t)atoi(optarg), 1) == -1) {
				fprintf(stderr, "lethe-bench: no process %s\n",
				    optarg);
				return -1;
			}
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'S':
			o.sources = (unsigned)atoi(optarg);
			break;
		case 'c':
			o.nsteps = parse_list(optarg, list, MAX_STEPS);
			for (i = 0; i < o.nsteps; i++)
				o.steps[i] = (long)list[i];
			break;
		case 'e':
			o.settle = atof(optarg);
			break;
		case 'H':
			o.hold = atof(optarg);
			break;
		case 'C':
			o.concurrency = atol(optarg);
			break;
		case 'n':
			o.pairs = atol(optarg);
			break;
		case 'W':
			o.window = atol(optarg);
			break;
		case 'r':
			o.nrates = parse_list(optarg, o.rates, MAX_STEPS);
			break;
		case 'b':
			o.body = (size_t)atol(optarg);
			break;
		case 'U':
			o.warmup = atof(optarg);
			break;
		case 'D':
			o.duration = atof(optarg);
			break;
		case 't':
			o.timeout = atof(optarg);
			break;
		case '1':
			o.sha1 = 1;
			break;
		case 'K':
			o.cache = optarg;
			break;
		case 'O':
			o.owner = atol(optarg);
			break;
		case 'I':
			o.ids = optarg;
			break;
		case 'Q':
			o.queries = atol(optarg);
			if (o.queries < 1 || o.queries > 1000000)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	o.scenario = argv[optind];
	if (o.nsteps == 0) {
		o.steps[0] = 5000;
		o.steps[1] = 10000;
		o.steps[2] = 18000;
		o.nsteps = 3;
	}
	if (o.nrates == 0) {
		o.rates[0] = 2000;
		o.nrates = 1;
	}
	for (i = 0; i < o.nrates; i++)
		if (o.rates[i] <= 0)
			return -1;
	if (o.sources < 1 || o.sources > 254 || o.accounts < 1 ||
	    o.concurrency < 1 || o.pairs < 1 || o.window < 1 ||
	    o.window > INFLIGHT_CAP || o.body > 65536 || o.duration <= 0 ||
	    o.warmup < 0 || o.timeout <= 0)
		return -1;
	if (strstr(o.user_fmt, "%ld") == NULL ||
	    strchr(strstr(o.user_fmt, "%ld") + 1, '%') != NULL) {
		fprintf(stderr, "lethe-bench: --user needs one %%ld\n");
		return -1;
	}
	return 0;
}

/* As many descriptors as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	int r;

	if (parse_opts(argc, argv) == -1) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (srv.n == 0)
		fprintf(stderr,
		    "lethe-bench: no --pid: server CPU and "
		    "memory are not measured\n");
	raise_nofile();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = procstat_now_ns() + (uint64_t)(o.timeout * 1e9);
	if (client_init(o.server, o.port, o.domain, o.password, &callbacks,
	        o.sha1, o.body) == -1) {
		fprintf(stderr, "lethe-bench: set-up failed\n");
		return 1;
	}
	if (o.cache != NULL)
		scram_cache_load(o.cache);
	if (strcmp(o.scenario, "idle") == 0)
		r = scenario_idle();
	else if (strcmp(o.scenario, "throughput") == 0)
		r = scenario_throughput();
	else if (strcmp(o.scenario, "latency") == 0)
		r = scenario_latency();
	else if (strcmp(o.scenario, "logins") == 0)
		r = scenario_logins();
	else if (strcmp(o.scenario, "archive") == 0)
		r = scenario_archive();
	else {
		fputs(usage_text, stderr);
		return 2;
	}
	if (o.cache != NULL && scram_cache_save(o.cache) == -1)
		fprintf(stderr, "lethe-bench: could not write %s\n", o.cache);
	return r;
}
