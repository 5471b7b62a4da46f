/*
 * myview: "What the server holds about me", an ad-hoc command (XEP-0050)
 * an account runs on itself. For every registered store an account owns
 * it answers how many items the server holds, when the oldest of them
 * was written (archives: map rows carry no time) and when the first of
 * them expires, in one XEP-0004 result table; it is read from the store
 * registry, so a new store shows up without a change here.
 *
 * The adhoc framework lets only the account itself run it. The stores
 * are counted one request at a time, the state riding in the IQ's
 * arena; the IQ layer finds the sender again by full JID when the
 * answer is ready.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"
#include "xml/xml.h"
#include "xmpp/adhoc.h"
#include "xmpp/myview.h"
#include "xmpp/server.h"

#define MYVIEW_NODE "urn:lethe:myview:0"
#define NS_DATA "jabber:x:data"

struct view {
	struct iq_req *req;
	const struct store_def *const *reg;
	size_t nreg, next; /* the store being counted */
	struct xml_node *x; /* the result form being built */
};

static void
field(struct arena *a, struct xml_node *parent, const char *var,
    const char *value)
{
	struct xml_node *f = xml_add(a, parent, NS_DATA, "field"), *v;

	if (f == NULL)
		return;
	xml_set_attr(a, f, "var", var);
	if (value != NULL && (v = xml_add(a, f, NS_DATA, "value")) != NULL)
		xml_add_text(a, v, value, strlen(value));
}

/* ISO 8601 UTC, or "" for 0. */
static void
stamp(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t when = (time_t)t;

	buf[0] = '\0';
	if (t > 0 && gmtime_r(&when, &tm) != NULL)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int next_store(struct view *v);

static void
counted(void *arg, const struct store_res *r)
{
	struct view *v = arg;
	struct arena *a = v->req->a;
	const struct store_def *d = v->reg[v->next];
	struct xml_node *item;
	char num[24], ret[24], oldest[32], expires[32];

	if (r->status != STORE_OK) {
		iq_error(v->req, "wait", "internal-server-error", NULL);
		iq_req_free(v->req);
		return;
	}
	snprintf(num, sizeof(num), "%" PRIu64, r->count);
	snprintf(ret, sizeof(ret), "%" PRId64,
	    __atomic_load_n(&d->retention, __ATOMIC_RELAXED));
	stamp(r->oldest, oldest, sizeof(oldest));
	stamp(r->next_expiry, expires, sizeof(expires));
	if ((item = xml_add(a, v->x, NS_DATA, "item")) != NULL) {
		field(a, item, "store", d->name);
		field(a, item, "what", d->what != NULL ? d->what : "");
		field(a, item, "items", num);
		field(a, item, "oldest", oldest);
		field(a, item, "first-expiry", expires);
		field(a, item, "retention", ret);
	}
	v->next++;
	if (next_store(v) == 1)
		return;
}

/* Counts the next user-owned store; 1 if a request is in flight, else
 * the answer has been sent and req freed. */
static int
next_store(struct view *v)
{
	struct xml_node *c;

	while (v->next < v->nreg && v->reg[v->next]->owner != STORE_OWNER_USER)
		v->next++;
	if (v->next < v->nreg) {
		if (store_stats(server.store, v->reg[v->next]->name,
		        v->req->to.domain, v->req->to.local, counted,
		        v) != NULL)
			return 1;
		iq_error(v->req, "wait", "resource-constraint", NULL);
		iq_req_free(v->req);
		return 0;
	}
	if ((c = adhoc_response(v->req, "completed")) == NULL) {
		iq_error(v->req, "wait", "resource-constraint", NULL);
	} else {
		xml_append(c, v->x);
		iq_reply(v->req, c);
	}
	iq_req_free(v->req);
	return 0;
}

static enum iq_status
cmd_view(struct iq_req *req, const char *action, const struct xml_node *form)
{
	static const char *const cols[][2] = {
	    {"store", "Store"},
	    {"what", "What it holds"},
	    {"items", "Items"},
	    {"oldest", "Oldest item written"},
	    {"first-expiry", "First expiry"},
	    {"retention", "Retention (seconds, 0: until removed)"},
	};
	struct arena *a = req->a;
	struct view *v;
	struct xml_node *rep, *f;
	size_t i;

	if ((v = arena_zalloc(a, sizeof(*v))) == NULL ||
	    (v->x = xml_new(a, NS_DATA, "x")) == NULL ||
	    xml_set_attr(a, v->x, "type", "result") == -1 ||
	    xml_add_text(a, xml_add(a, v->x, NS_DATA, "title"),
	        "What the server holds about you", 31) == -1 ||
	    (rep = xml_add(a, v->x, NS_DATA, "reported")) == NULL) {
		iq_error(req, "wait", "resource-constraint", NULL);
		return IQ_DONE;
	}
	for (i = 0; i < ARRAY_LEN(cols); i++) {
		if ((f = xml_add(a, rep, NS_DATA, "field")) == NULL ||
		    xml_set_attr(a, f, "var", cols[i][0]) == -1 ||
		    xml_set_attr(a, f, "label", cols[i][1]) == -1) {
			iq_error(req, "wait", "resource-constraint", NULL);
			return IQ_DONE;
		}
	}
	v->req = req;
	v->reg = store_registry(&v->nreg);
	next_store(v);
	return IQ_ASYNC;
}

void
myview_module_init(void)
{
	if (adhoc_register(
	        MYVIEW_NODE, "What the server holds about me", cmd_view) < 0)
		log_err("event=module_init_failed module=myview");
}
