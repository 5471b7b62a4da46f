/*
 * presence: RFC 6121 §4 for local sessions. Every presence stanza a
 * session sends comes here (router_set_presence); subscription stanzas
 * go on to the roster, the rest run as roster jobs so that they are
 * handled after the account's roster is loaded and in order with
 * subscription changes.
 *
 *   initial presence   broadcast to the account's available resources
 *                      and to contacts subscribed from it (from, both);
 *                      the server answers the probes itself, from the
 *                      last presence of the available resources of each
 *                      contact it is subscribed to (to, both) and of the
 *                      account's other resources; then the initial hooks
 *   update             the same broadcast, no probes
 *   unavailable        the same broadcast, plus every target of directed
 *                      presence; also when a session ends for any reason
 *   directed           delivered as RFC 6121 §8.5 says; targets tracked
 *                      per session until it sends them unavailable
 *   probe from client  answered like the server's own probe
 *
 * Nothing here is written down (PRIVACY.md): the last presence lives on
 * the session, directed-presence targets in its slot, until it ends.
 * An offline contact's probe gets no answer (§4.3.2 allows that), and
 * must not: with sealed rosters (PRIVACY.md) the roster of an account
 * with no session cannot be read, so whether the prober may see it is
 * unknown, and any answer, even unavailable, would say something about
 * it. A probe to an offline account, to an account that does not let
 * the prober see it, and to no account at all look the same: silence.
 */
#include "xmpp/presence.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "xml/xml.h"
#include "xmpp/jid.h"
#include "xmpp/roster.h"
#include "xmpp/router.h"
#include "xmpp/server.h"
#include "xmpp/session.h"

#define INITIAL_MAX 8
#define DIRECTED_MAX 64 /* targets tracked per session */

enum ptype { P_AVAILABLE, P_UNAVAILABLE, P_PROBE, P_ERROR, P_SUB, P_BAD };

/* Per session, in session->slot[pslot]; made on first directed presence. */
struct pres_sess {
	char *directed[DIRECTED_MAX]; /* owned: normalized target JIDs */
	size_t n;
};

struct pres_job {
	char *from_full; /* the sender, found again when the job runs */
	struct xml_node *st;
	struct arena *a; /* owns all of this */
	enum ptype type;
	int priority;
	int has_to;
	struct jid to; /* parts in a */
};

/* A stanza sent on to several places, with the arena for 'to' stamps. */
struct fanout {
	struct session *s; /* the session sending or asking */
	struct xml_node *st;
	struct arena *a;
};

static presence_fn initial_hooks[INITIAL_MAX];
static size_t ninitial;
static presence_fn available_hooks[INITIAL_MAX];
static size_t navailable;
static int pslot = -1;

int
presence_on_initial(presence_fn fn)
{
	if (ninitial == INITIAL_MAX)
		return -1;
	initial_hooks[ninitial++] = fn;
	return 0;
}

int
presence_on_available(presence_fn fn)
{
	if (navailable == INITIAL_MAX)
		return -1;
	available_hooks[navailable++] = fn;
	return 0;
}

static enum ptype
ptype(const char *t)
{
	if (t == NULL)
		return P_AVAILABLE;
	if (strcmp(t, "unavailable") == 0)
		return P_UNAVAILABLE;
	if (strcmp(t, "probe") == 0)
		return P_PROBE;
	if (strcmp(t, "error") == 0)
		return P_ERROR;
	if (strcmp(t, "subscribe") == 0 || strcmp(t, "subscribed") == 0 ||
	    strcmp(t, "unsubscribe") == 0 || strcmp(t, "unsubscribed") == 0)
		return P_SUB;
	return P_BAD; /* §4.7.1 */
}

/* §4.7.2: at most one <show/> of the four values and one <priority/>
 * in -128..127. -1 if the presence breaks that. */
static int
check_available(const struct xml_node *st, struct arena *a, int *prio)
{
	static const char *const shows[] = {"away", "chat", "dnd", "xa"};
	struct xml_node *p;
	char *v, *end;
	size_t i;
	long n;

	*prio = 0;
	if ((p = xml_child(st, XML_NS_CLIENT, "priority")) != NULL) {
		if (xml_next(p, XML_NS_CLIENT, "priority") != NULL ||
		    (v = xml_text(a, p)) == NULL)
			return -1;
		/* xs:byte: surrounding whitespace collapses. */
		n = strtol(v, &end, 10);
		while (end != v &&
		    (*end == ' ' || *end == '\t' || *end == '\n' ||
		        *end == '\r'))
			end++;
		if (end == v || *end != '\0' || n < -128 || n > 127)
			return -1;
		*prio = (int)n;
	}
	if ((p = xml_child(st, XML_NS_CLIENT, "show")) != NULL) {
		if (xml_next(p, XML_NS_CLIENT, "show") != NULL ||
		    (v = xml_text(a, p)) == NULL)
			return -1;
		for (i = 0; i < 4; i++)
			if (strcmp(v, shows[i]) == 0)
				break;
		if (i == 4)
			return -1;
	}
	return 0;
}

/* --- delivery --- */

/* To every available resource of account acct. */
static void
to_available(struct account *acct, const struct xml_node *st)
{
	struct session *s;

	for (s = acct ? acct->sessions : NULL; s != NULL; s = s->next)
		if (s->available)
			router_deliver(s, st);
}

/* The stanza to one contact's available resources, 'to' its bare JID. */
static void
to_contact(void *arg, const char *contact)
{
	struct fanout *f = arg;
	struct account *c = session_account(contact);

	if (c == NULL || xml_set_attr(f->a, f->st, "to", contact) == -1)
		return;
	to_available(c, f->st);
}

/* A copy of a stored presence, addressed to session `to`. */
static void
send_copy(struct session *to, const struct xml_node *pres, struct arena *a)
{
	struct xml_node *p = xml_copy(a, pres);

	if (p != NULL && xml_set_attr(a, p, "to", to->full) == 0)
		router_deliver(to, p);
}

/* The last presence of each available resource of acct except `skip`. */
static void
send_presences_of(struct account *acct, struct session *to,
    struct session *skip, struct arena *a)
{
	struct session *o;

	for (o = acct ? acct->sessions : NULL; o != NULL; o = o->next)
		if (o != skip && o->available && o->presence != NULL)
			send_copy(to, o->presence, a);
}

/*
 * A probe from f->s to contact (§4.3.2), answered here: the contact's
 * available resources' presence if the contact's roster says f->s's
 * account is subscribed to it; nothing otherwise.
 */
static void
probe_contact(void *arg, const char *contact)
{
	struct fanout *f = arg;
	struct account *c = session_account(contact);

	if (c == NULL ||
	    !(roster_subscription(c, f->s->acct->bare) & ROSTER_FROM))
		return;
	send_presences_of(c, f->s, NULL, f->a);
}

/* To a JID: that bound resource (§8.5.3.1), or the available resources
 * of a bare JID (§8.5.2.1); other cases are ignored (§8.5.2.2,
 * §8.5.3.2.2). Returns the number of deliveries. */
static size_t
to_jid(const char *target, const struct xml_node *st, struct arena *a)
{
	struct session *d;
	struct jid j;
	char *bare;
	size_t n = 0;

	if (jid_parse_arena(a, target, strlen(target), &j) == -1 ||
	    j.local == NULL)
		return 0;
	if (j.resource != NULL) {
		if ((d = session_find(&j)) == NULL)
			return 0;
		router_deliver(d, st);
		return 1;
	}
	if ((bare = jid_bare_str(a, &j)) == NULL)
		return 0;
	for (d = session_account(bare) ? session_account(bare)->sessions : NULL;
	     d != NULL; d = d->next) {
		if (d->available) {
			router_deliver(d, st);
			n++;
		}
	}
	return n;
}

/* --- directed presence targets --- */

static struct pres_sess *
pres_of(struct session *s, int create)
{
	struct pres_sess *p = s->slot[pslot];

	if (p == NULL && create) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return NULL;
		s->slot[pslot] = p;
	}
	return p;
}

static void
track(struct session *s, const char *target)
{
	struct pres_sess *p = pres_of(s, 1);
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->directed[i], target) == 0)
			return;
	if (p->n == DIRECTED_MAX) {
		log_debug("event=directed_presence_untracked reason=limit");
		return;
	}
	if ((p->directed[p->n] = strdup(target)) != NULL)
		p->n++;
}

static void
untrack(struct session *s, const char *target)
{
	struct pres_sess *p = pres_of(s, 0);
	size_t i;

	for (i = 0; p != NULL && i < p->n; i++) {
		if (strcmp(p->directed[i], target) == 0) {
			free(p->directed[i]);
			p->directed[i] = p->directed[--p->n];
			return;
		}
	}
}

static void
pres_free(struct session *s)
{
	struct pres_sess *p = pres_of(s, 0);
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->directed[i]);
	free(p);
	s->slot[pslot] = NULL;
}

/* --- broadcast --- */

static void
available(struct session *s, struct xml_node *st, struct arena *a, int prio)
{
	struct fanout f = {s, st, a};
	struct session *o;
	int initial = !s->available;
	size_t i;

	s->priority = prio;
	s->available = 1;
	arena_free(s->pres_arena);
	s->pres_arena = arena_new(512);
	s->presence = s->pres_arena ? xml_copy(s->pres_arena, st) : NULL;
	/* §4.2.2: the account's available resources, the sender too. */
	for (o = s->acct->sessions; o != NULL; o = o->next)
		if (o != s && o->available)
			router_deliver(o, st);
	router_deliver(s, st);
	roster_each(s->acct, ROSTER_FROM, to_contact, &f);
	for (i = 0; i < navailable; i++)
		available_hooks[i](s);
	if (!initial)
		return;
	/* §4.2.2 and §4.3: what the probes would bring back. */
	send_presences_of(s->acct, s, s, a);
	roster_each(s->acct, ROSTER_TO, probe_contact, &f);
	for (i = 0; i < ninitial; i++)
		initial_hooks[i](s);
}

/*
 * Unavailable from s (§4.5.2): to the account's other available
 * resources (and s itself unless it is ending), to its subscribers if
 * it was available, and to the targets of its directed presence not
 * already among those.
 */
static void
unavailable(struct session *s, struct xml_node *st, struct arena *a, int ending)
{
	struct fanout f = {s, st, a};
	struct pres_sess *p;
	struct session *o;
	struct jid j;
	char *bare;
	int was = s->available;
	size_t i;

	s->available = 0;
	arena_free(s->pres_arena);
	s->pres_arena = NULL;
	s->presence = NULL;
	for (o = s->acct->sessions; o != NULL; o = o->next)
		if (o != s && o->available && (was || !ending))
			router_deliver(o, st);
	if (!ending)
		router_deliver(s, st);
	if (was)
		roster_each(s->acct, ROSTER_FROM, to_contact, &f);
	if ((p = pres_of(s, 0)) == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		if (was &&
		    jid_parse_arena(
		        a, p->directed[i], strlen(p->directed[i]), &j) == 0 &&
		    (bare = jid_bare_str(a, &j)) != NULL &&
		    (roster_subscription(s->acct, bare) & ROSTER_FROM))
			continue; /* has had it with the broadcast */
		if (xml_set_attr(a, st, "to", p->directed[i]) == 0)
			to_jid(p->directed[i], st, a);
	}
	pres_free(s);
}

/* --- stanzas with a 'to' --- */

static void
directed(struct session *s, struct pres_job *x)
{
	const char *own = s->acct->bare;
	char *bare, *full;
	struct session *d;
	size_t n;

	if (x->to.local == NULL)
		return; /* to the server itself: nothing to do */
	if ((bare = jid_bare_str(x->a, &x->to)) == NULL ||
	    (full = jid_full_str(x->a, &x->to)) == NULL)
		return;
	switch (x->type) {
	case P_PROBE:
		if (strcmp(bare, own) == 0) {
			send_presences_of(s->acct, s, s, x->a);
		} else {
			struct fanout f = {s, x->st, x->a};

			probe_contact(&f, bare);
		}
		return;
	case P_ERROR:
		if (x->to.resource != NULL &&
		    (d = session_find(&x->to)) != NULL)
			router_deliver(d, x->st);
		return;
	case P_AVAILABLE:
	case P_UNAVAILABLE:
		n = to_jid(full, x->st, x->a);
		if (strcmp(bare, own) == 0)
			return; /* one's own resources need no tracking */
		/* §4.6.2: remembered, to be told of our unavailability. */
		if (x->type == P_AVAILABLE && n > 0)
			track(s, full);
		else if (x->type == P_UNAVAILABLE)
			untrack(s, full);
		return;
	default:
		return;
	}
}

static void
pres_job(void *arg)
{
	struct pres_job *x = arg;
	struct session *s = session_find_str(x->from_full);

	if (s == NULL)
		; /* gone meanwhile: its unavailable was sent as it ended */
	else if (x->has_to)
		directed(s, x);
	else if (x->type == P_AVAILABLE)
		available(s, x->st, x->a, x->priority);
	else if (x->type == P_UNAVAILABLE)
		unavailable(s, x->st, x->a, 0);
	arena_free(x->a);
}

/* The router's presence handler: every presence from a local session. */
static void
presence_route(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	enum ptype t = ptype(xml_attr(st, "type"));
	struct pres_job *x;
	int prio = 0;

	if (t == P_SUB) {
		roster_presence(from, st, a, to);
		return;
	}
	if (t == P_BAD ||
	    (t == P_AVAILABLE && check_available(st, a, &prio) == -1)) {
		router_error(from, st, a, "modify", "bad-request", NULL);
		arena_free(a);
		return;
	}
	if (to != NULL && !server_is_local(to->domain)) {
		router_error(
		    from, st, a, "cancel", "remote-server-not-found", NULL);
		arena_free(a);
		return;
	}
	if ((to == NULL && (t == P_PROBE || t == P_ERROR)) ||
	    (x = arena_zalloc(a, sizeof(*x))) == NULL ||
	    (x->from_full = arena_strdup(a, from->full)) == NULL) {
		arena_free(a);
		return;
	}
	x->st = st;
	x->a = a;
	x->type = t;
	x->priority = prio;
	if (to != NULL) {
		x->has_to = 1;
		x->to = *to;
	}
	if (roster_job(from->acct->bare, NULL, pres_job, x) == -1)
		arena_free(a);
}

/* --- for other modules --- */

void
presence_send_current(struct account *a, const char *to_bare)
{
	struct account *c;
	struct session *s;
	struct xml_node *p;
	struct arena *ar;

	if (a == NULL || (c = session_account(to_bare)) == NULL ||
	    !(roster_subscription(a, to_bare) & ROSTER_FROM) ||
	    (ar = arena_new(1024)) == NULL)
		return;
	for (s = a->sessions; s != NULL; s = s->next) {
		if (!s->available || s->presence == NULL ||
		    (p = xml_copy(ar, s->presence)) == NULL ||
		    xml_set_attr(ar, p, "to", to_bare) == -1)
			continue;
		to_available(c, p);
	}
	arena_free(ar);
}

void
presence_send_unavailable(struct account *a, const char *to_bare)
{
	struct account *c;
	struct session *s;
	struct xml_node *p;
	struct arena *ar;

	if (a == NULL || (c = session_account(to_bare)) == NULL ||
	    (ar = arena_new(512)) == NULL)
		return;
	for (s = a->sessions; s != NULL; s = s->next) {
		if (!s->available ||
		    (p = xml_new(ar, XML_NS_CLIENT, "presence")) == NULL)
			continue;
		xml_set_attr(ar, p, "type", "unavailable");
		xml_set_attr(ar, p, "from", s->full);
		xml_set_attr(ar, p, "to", to_bare);
		to_available(c, p);
	}
	arena_free(ar);
}

/* --- session end --- */

static void
presence_unbind(struct session *s)
{
	struct pres_sess *p = pres_of(s, 0);
	struct session *now = session_find_str(s->full);
	struct xml_node *st;
	struct arena *a;

	/* Replaced by a new session with the same full JID (RFC 6120
	 * §7.7.2.2) that is already available: contacts see that one. */
	if (now != NULL && now != s && now->available) {
		pres_free(s);
		return;
	}
	if ((s->available || (p != NULL && p->n > 0)) &&
	    (a = arena_new(256)) != NULL) {
		if ((st = xml_new(a, XML_NS_CLIENT, "presence")) != NULL &&
		    xml_set_attr(a, st, "type", "unavailable") == 0 &&
		    xml_set_attr(a, st, "from", s->full) == 0)
			unavailable(s, st, a, 1);
		arena_free(a);
	}
	pres_free(s);
}

void
presence_module_init(void)
{
	if ((pslot = session_slot()) < 0 ||
	    session_on_unbind(presence_unbind) == -1)
		fatal("presence: cannot register the module");
	router_set_presence(presence_route);
}
