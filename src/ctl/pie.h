/*
 * pie: what lethectl's export and import (XEP-0227, urn:xmpp:pie:0) share:
 * the stores they read and write, registered in lethectl's process with
 * the shape, owner and retention the server's modules give them, and the
 * roster's stored form.
 */
#ifndef LETHE_CTL_PIE_H
#define LETHE_CTL_PIE_H

#include <stddef.h>

struct buf;
struct conf;

#define PIE_NS "urn:xmpp:pie:0"
#define PIE_NS_SCRAM "urn:xmpp:pie:0#scram"
#define PIE_NS_MAM "urn:xmpp:pie:0#mam"
#define PIE_NS_ROSTER "jabber:iq:roster"
#define PIE_NS_PRIVATE "jabber:iq:private"
#define PIE_NS_VCARD "vcard-temp"
#define PIE_NS_PUBSUB "http://jabber.org/protocol/pubsub"
#define PIE_NS_OWNER "http://jabber.org/protocol/pubsub#owner"
#define PIE_NS_DELAY "urn:xmpp:delay"
#define PIE_NS_FORWARD "urn:xmpp:forward:0"
#define PIE_NS_MAM2 "urn:xmpp:mam:2"

/* Store names, as the modules register them. */
#define PIE_ROSTER "roster"
#define PIE_VCARD "vcard"
#define PIE_PRIVATE "private"
#define PIE_OFFLINE "offline"
#define PIE_ARCHIVE "archive"
#define PIE_PEP_NODES "pep_nodes"
#define PIE_PEP_ITEMS "pep_items"

/* Roster entry flags, as roster.c stores them. */
enum {
	PIE_F_TO = 1,
	PIE_F_FROM = 2,
	PIE_F_ASK = 4,
	PIE_F_IN = 8,
	PIE_F_APPROVED = 16,
	PIE_F_ITEM = 32,
};
#define PIE_GROUPS_MAX 64

/* A roster entry; the strings point into the stored value or the
 * caller's memory. */
struct pie_ritem {
	unsigned flags;
	const char *name; /* not NUL-terminated; name_len 0: none */
	size_t name_len;
	const char *groups[PIE_GROUPS_MAX]; /* not NUL-terminated */
	size_t glen[PIE_GROUPS_MAX];
	size_t ngroups;
};

/* Registers the stores above (retentions from c). 0, or -1 reported. */
int pie_register(const struct conf *c);
/* Decodes a stored roster entry into it. 0, or -1 if malformed. */
int pie_roster_decode(const char *v, size_t n, struct pie_ritem *it);
/* Appends the stored form of it to b. 0, or -1 on OOM. */
int pie_roster_encode(const struct pie_ritem *it, struct buf *b);

#endif
