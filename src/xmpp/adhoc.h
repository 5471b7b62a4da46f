/*
 * adhoc: a small XEP-0050 (ad-hoc commands) framework for commands an
 * account runs on itself. A module registers a node, a name and one step
 * function; the framework lists the commands (disco#items on the bare
 * JID, node http://jabber.org/protocol/commands), checks that the sender
 * is the account itself, and hands each <command/> to its step function
 * with the action and the submitted form. Commands keep no state between
 * steps: the sessionid only ties the steps together for the client.
 */
#ifndef LETHE_ADHOC_H
#define LETHE_ADHOC_H

#include "xmpp/iq.h"

#define ADHOC_NS "http://jabber.org/protocol/commands"

/*
 * One step: req is the IQ (req->to is the account), action "execute",
 * "complete", "next" or "cancel" (cancel is answered by the framework),
 * form the submitted jabber:x:data <x/> or NULL. iq.h's contract.
 */
typedef enum iq_status (*adhoc_fn)(
    struct iq_req *req, const char *action, const struct xml_node *form);

/* At module init; node and name are static strings. 0, or -1 if full. */
int adhoc_register(const char *node, const char *name, adhoc_fn fn);
/*
 * A <command/> answer for req in req->a: node and sessionid copied from
 * the request (a new sessionid when it had none), status "executing",
 * "completed" or "canceled". NULL on OOM.
 */
struct xml_node *adhoc_response(struct iq_req *req, const char *status);
/* Adds <note type>text</note> to a response. */
void adhoc_note(struct iq_req *req, struct xml_node *cmd, const char *type,
    const char *text);
/* The values of field var in a submitted form (NULL-terminated array in
 * req->a, possibly empty), or NULL on OOM. */
const char **adhoc_values(
    struct iq_req *req, const struct xml_node *form, const char *var);

void adhoc_module_init(void);

#endif
