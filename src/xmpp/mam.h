/*
 * mam: the message archive (XEP-0313, urn:xmpp:mam:2 and its #extended
 * queries) with archiving preferences (XEP-0441) and unique stanza ids
 * (XEP-0359). One-to-one messages between local accounts are kept in
 * each party's own archive for [retention] archive, at most [limits]
 * archive_messages per account (the oldest go first).
 */
#ifndef LETHE_MAM_H
#define LETHE_MAM_H

struct xml_node;

/*
 * 1 if a message is one the archive keeps: type chat or normal, with a
 * body or an end-to-end encrypted payload, and no XEP-0334 <no-store/> or
 * <no-permanent-store/> hint. Chat states alone, errors, headlines and
 * group chat are not.
 */
int mam_archivable(const struct xml_node *msg);

/* Registers the stores, the router filter (after blocking's, so blocked
 * messages are never archived), the IQ handlers and disco features. */
void mam_module_init(void);

#endif
