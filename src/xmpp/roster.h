/*
 * roster: contact lists (RFC 6121 §2) and the subscription state machine
 * (§3). The roster of an account is read from the store when its first
 * session binds and cached on the account while it is online; every
 * change is written through. With [server] sealing on, the roster of an
 * account with no session is never read (it is sealed): what others do
 * to it waits in its rosterinbox and is applied at its next login, and
 * the queries below answer ROSTER_NONE for it. This header is what other
 * modules may ask of it.
 */
#ifndef LETHE_ROSTER_H
#define LETHE_ROSTER_H

/* Where rosters live: map store ROSTER_STORE, one key per contact's bare
 * JID and ROSTER_VER_KEY for the version (for code that works on the
 * database directly, such as lethectl). */
#define ROSTER_STORE "roster"
#define ROSTER_VER_KEY ""

struct account;
struct arena;
struct jid;
struct session;
struct xml_node;

enum roster_sub {
	ROSTER_NONE = 0,
	ROSTER_TO = 1, /* the account sees the contact's presence */
	ROSTER_FROM = 2, /* the contact sees the account's presence */
	ROSTER_BOTH = 3,
};

/* The subscription of online account a with the contact's bare JID
 * (ROSTER_NONE when not in the roster or not loaded yet). */
enum roster_sub roster_subscription(
    struct account *a, const char *contact_bare);

/*
 * The same by the account's bare JID, for a roster that is loaded, as it
 * is inside a roster_job() on `bare` (ROSTER_NONE otherwise); and whether
 * the contact is a roster item in group `group` (1) or not (0).
 */
enum roster_sub roster_subscription_of(
    const char *bare, const char *contact_bare);
int roster_in_group(
    const char *bare, const char *contact_bare, const char *group);

/*
 * Calls fn(arg, contact_bare) for each contact of online account a whose
 * subscription shares a bit with `mask` (ROSTER_TO, ROSTER_FROM). fn must
 * not change rosters.
 */
void roster_each(struct account *a, enum roster_sub mask,
    void (*fn)(void *arg, const char *contact_bare), void *arg);

/*
 * Runs fn(arg) once the rosters of the accounts `bare` and `other` (a
 * second bare JID, or NULL) are loaded and every job queued earlier on
 * either has run. This is the one order in which roster and presence
 * state change, so both ends of a subscription always agree and a
 * session's presence is handled after its roster is known. fn may run
 * before this returns. -1 (out of memory): fn will not run.
 */
typedef void (*roster_job_fn)(void *arg);
int roster_job(
    const char *bare, const char *other, roster_job_fn fn, void *arg);

/*
 * An account is going away (erasure): for each contact whose roster
 * names `bare` (those in its own roster and every roster loaded here),
 * the contact gets unavailable presence from each available resource of
 * `bare` it could see, then <presence type='unsubscribe'/> and/or
 * 'unsubscribed' as its subscriptions were, and loses the roster item
 * (stored, and pushed to its interested resources). From then on `bare`
 * is treated as no account by subscription jobs. done(arg) runs once all
 * of that is done (possibly before this returns). The contacts are known
 * only if `bare`'s roster can be read (sealing: it has a session); a
 * contact whose roster is sealed and closed gets the change in its inbox.
 * Rosters not reached here that name `bare` are the caller's to clean
 * in the store where they are in clear; sealed ones lose the entry at
 * their owner's next login, from `bare`'s tombstone. -1 (out of memory):
 * done will not run.
 */
int roster_forget(const char *bare, roster_job_fn done, void *arg);

/*
 * A presence subscription stanza (subscribe, subscribed, unsubscribe,
 * unsubscribed) from a local session, 'from' stamped; to is its parsed
 * 'to' or NULL. Takes ownership of arena a.
 */
void roster_presence(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to);

void roster_module_init(void);

#endif
