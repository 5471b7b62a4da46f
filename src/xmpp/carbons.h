/*
 * carbons: message carbons (XEP-0280, urn:xmpp:carbons:2). A resource
 * that enabled carbons gets a copy of the one-to-one messages its
 * account's other resources send (<sent/>) and of those sent to the
 * account that reached another resource or none (<received/>).
 */
#ifndef LETHE_CARBONS_H
#define LETHE_CARBONS_H

struct session;

/* Turns carbons on (on != 0) or off for session s, as <enable/> and
 * <disable/> do (Bind2 enables them inline). 0, or -1 if s is NULL or
 * the module is not initialized. */
int carbons_enable(struct session *s, int on);

/* 1 if s has carbons enabled. */
int carbons_enabled(const struct session *s);

/* Registers the IQ handlers, the router filter (after the archive's, so
 * copies carry the recipient's stanza-id) and the disco feature. */
void carbons_module_init(void);

#endif
