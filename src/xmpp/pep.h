/*
 * pep: personal eventing (XEP-0163), the subset of publish-subscribe
 * (XEP-0060) every account's bare JID offers: nodes made on first
 * publish, items kept per node, access models, publish-options, and
 * notifications to the account's own resources and its contacts by
 * entity capabilities (caps.h) or explicit subscription.
 */
#ifndef LETHE_PEP_H
#define LETHE_PEP_H

struct arena;
struct xml_node;

void pep_module_init(void);

/*
 * Other modules that keep something in step with a node (bookmarks.h,
 * avatar.h) work on a service through a context, given to them only
 * while the service's queue runs them: nothing else touches the service
 * meanwhile, and changes made through a context call no change hook, so
 * two modules mirroring each other cannot loop.
 */
struct pep_ctx;

/*
 * Declares node (a static string) owner-only, at start-up: made with
 * access model whitelist, which no publish-options or configuration may
 * change, so its items are always sealed to the owner (pep.c).
 */
void pep_owner_only(const char *node);

/* Called after the owner's own request changed `node` (publish,
 * retract, purge, delete), with the reply already sent. */
typedef void (*pep_change_fn)(struct pep_ctx *c, const char *node);
/* Registers fn for changes of node (a static string); at start-up. */
void pep_on_change(const char *node, pep_change_fn fn);

/* Runs after the requests already queued for user@host's service; c is
 * NULL if the service could not be read (fn must still free arg). */
typedef void (*pep_job_fn)(struct pep_ctx *c, void *arg);
/* Queues fn(c, arg) on the service of the local account user@host.
 * 0, or -1 (queue full, out of memory) and fn will not be called. */
int pep_job(const char *host, const char *user, pep_job_fn fn, void *arg);

const char *pep_ctx_host(const struct pep_ctx *c);
const char *pep_ctx_user(const struct pep_ctx *c);
/* An arena that lives as long as the call that was given c. */
struct arena *pep_ctx_arena(const struct pep_ctx *c);
/* A new <items/> (pubsub namespace) holding node's <item id/> elements
 * oldest first, none if the node does not exist; NULL on OOM. */
struct xml_node *pep_ctx_items(struct pep_ctx *c, const char *node);
/*
 * Publishes payload (copied) as item id of node, creating the node if
 * it does not exist with the defaults changed by opts ("key", "value",
 * ..., NULL; keys as in pubsub#node_config without the prefix), and
 * notifies as an owner's publish would. 0, or -1 (too big, too many
 * nodes, OOM).
 */
int pep_ctx_publish(struct pep_ctx *c, const char *node, const char *id,
    const struct xml_node *payload, const char *const *opts);
/* Retracts item id of node, notifying if the node says so; 0, or -1 if
 * there was no such item. */
int pep_ctx_retract(struct pep_ctx *c, const char *node, const char *id);

#endif
