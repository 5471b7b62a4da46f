/*
 * retention: the configuration's retentions applied to the store
 * registry, the periodic sweep, and the retention form on disco#info
 * (see retention.h).
 *
 * Invariants: `keys` below is the only place that ties a configuration
 * key to a store; a registered store with a non-zero retention that no
 * key sets is reported by retention_configure() (and by the privacy
 * report as built in). The sweep deletes at most SWEEP_ROWS rows per
 * request, so a large backlog never holds the storage thread for long:
 * when a sweep ends with rows possibly left, the next runs after
 * SWEEP_AGAIN_MS instead of the full interval. Expiry times are one
 * column per row (db.c): no table or index records who held data on
 * which day.
 */
#include "xmpp/retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/inactive.h"
#include "xmpp/server.h"

#define NS_DATA "jabber:x:data"
#define SWEEP_INTERVAL_MS (60 * 1000)
#define SWEEP_AGAIN_MS 1000
#define SWEEP_ROWS 4096

static unsigned
get_offline(const struct conf *c)
{
	return c->retention.offline;
}

static unsigned
get_archive(const struct conf *c)
{
	return c->retention.archive;
}

static unsigned
get_push(const struct conf *c)
{
	return c->retention.push;
}

static unsigned
get_fast(const struct conf *c)
{
	return c->retention.fast_token;
}

static const struct {
	const char *store;
	const char *key;
	unsigned (*get)(const struct conf *c);
} keys[] = {
    {"offline", "[retention] offline", get_offline},
    {"archive", "[retention] archive", get_archive},
    {"push", "[retention] push", get_push},
    {"fast_tokens", "[retention] fast_token", get_fast},
};

static struct {
	struct loop *loop;
	struct store *store;
	struct timer timer;
	int running; /* a sweep request in flight */
} sweeper;

const char *
retention_conf_key(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].store, name) == 0)
			return keys[i].key;
	return NULL;
}

int
retention_configure(const struct conf *c)
{
	const struct store_def *const *reg;
	size_t n, i, k;
	int builtin = 0;

	for (k = 0; k < ARRAY_LEN(keys); k++)
		if (store_lookup(keys[k].store) != NULL)
			store_set_retention(keys[k].store, keys[k].get(c));
	reg = store_registry(&n);
	for (i = 0; i < n; i++) {
		if (reg[i]->retention == 0 ||
		    retention_conf_key(reg[i]->name) != NULL)
			continue;
		log_warn("event=retention_builtin store=%s seconds=%" PRId64,
		    reg[i]->name, reg[i]->retention);
		builtin++;
	}
	return builtin;
}

/* --- the sweep --- */

static void
sweep_done(void *arg, const struct store_res *r)
{
	uint64_t ms = SWEEP_INTERVAL_MS;

	sweeper.running = 0;
	if (r->status == STORE_OK && r->count > 0)
		log_info(
		    "event=expired items=%llu", (unsigned long long)r->count);
	/* A full batch: there may be more; come back soon, not at once,
	 * so other requests get the storage thread in between. */
	if (r->status == STORE_OK && r->count >= SWEEP_ROWS)
		ms = SWEEP_AGAIN_MS;
	if (sweeper.loop != NULL)
		timer_set(sweeper.loop, &sweeper.timer, ms);
}

static void
sweep(struct loop *l, void *arg)
{
	if (sweeper.running)
		return;
	if (store_sweep_max(sweeper.store, SWEEP_ROWS, sweep_done, NULL) ==
	    NULL) {
		timer_set(l, &sweeper.timer, SWEEP_INTERVAL_MS);
		return;
	}
	sweeper.running = 1;
}

void
retention_start(struct loop *l, struct store *st)
{
	sweeper.loop = l;
	sweeper.store = st;
	timer_init(&sweeper.timer, sweep, NULL);
	timer_set(l, &sweeper.timer, SWEEP_INTERVAL_MS);
	/* An account's own expiry: deletion after long inactivity. */
	inactive_start(l);
}

void
retention_stop(void)
{
	inactive_stop();
	if (sweeper.loop != NULL)
		timer_cancel(&sweeper.timer);
	/* A sweep still in flight completes inside store_close(). */
	sweeper.loop = NULL;
}

/* --- disco --- */

/*
 * One text-single field per registered store, var = the store's name,
 * value = its retention in seconds ("0": kept until the owner removes it
 * or the account is deleted).
 */
static void
retention_form(struct arena *a, struct xml_node *query, const char *host)
{
	const struct store_def *const *reg;
	struct xml_node *x, *f, *v;
	char num[24];
	size_t n, i;
	int len;

	if ((x = disco_form(a, query, RETENTION_FORM_TYPE)) == NULL)
		return;
	reg = store_registry(&n);
	for (i = 0; i < n; i++) {
		len = snprintf(num, sizeof(num), "%" PRId64,
		    __atomic_load_n(&reg[i]->retention, __ATOMIC_RELAXED));
		if ((f = xml_add(a, x, NS_DATA, "field")) == NULL ||
		    xml_set_attr(a, f, "var", reg[i]->name) == -1 ||
		    xml_set_attr(a, f, "type", "text-single") == -1 ||
		    (v = xml_add(a, f, NS_DATA, "value")) == NULL ||
		    xml_add_text(a, v, num, (size_t)len) == -1) {
			/* Half a form would misinform: send none. */
			xml_remove(x);
			return;
		}
	}
}

void
retention_module_init(void)
{
	disco_add_form(retention_form);
}
