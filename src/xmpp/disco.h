/*
 * disco: service discovery (XEP-0030). Modules add the features they
 * implement, for the server and/or for accounts; disco#info answers from
 * that list, so what we advertise is what is registered. Modules may also
 * contribute extended information forms (XEP-0128) to the server's
 * disco#info.
 */
#ifndef LETHE_DISCO_H
#define LETHE_DISCO_H

#include "xmpp/iq.h"

struct arena;
struct xml_node;

int disco_add_feature(const char *var, unsigned where /* IQ_SERVER... */);

/* Adds an identity (category/type) to disco#info at `where`, after the
 * built-in one (e.g. pubsub/pep for accounts). 0, or -1 when full. */
int disco_add_identity(const char *category, const char *type, unsigned where);

/*
 * An extended-information contributor: appends zero or more data forms
 * (disco_form()) to `query`, the disco#info result being built in arena a
 * for the local domain `host` (normalized). Runs on every disco#info to
 * the server, in registration order; it must not keep a or query.
 */
typedef void (*disco_form_fn)(
    struct arena *a, struct xml_node *query, const char *host);
/* Registers fn at module init; 0, or -1 when the table is full. */
int disco_add_form(disco_form_fn fn);
/*
 * Appends to query a result form (jabber:x:data, type 'result') whose
 * hidden FORM_TYPE field is form_type, as XEP-0128 requires; returns the
 * <x/> element to add fields to, or NULL on OOM.
 */
struct xml_node *disco_form(
    struct arena *a, struct xml_node *query, const char *form_type);

/*
 * A module that answers disco#items for a node (e.g. XEP-0050's command
 * list) registers fn for it; fn has iq.h's contract. 0, or -1 when full.
 */
int disco_add_items_node(const char *node, iq_fn fn);

void disco_module_init(void);

#endif
