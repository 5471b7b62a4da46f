/*
 * csi: XEP-0352 client state indication. While a client says it is
 * inactive, stanzas it does not need at once are held: presence updates
 * (only the latest per contact full JID) and messages that carry nothing
 * but a chat state (only the latest per contact). Anything else is
 * delivered at once, after what was held, so order is kept.
 */
#ifndef LETHE_CSI_H
#define LETHE_CSI_H

#include <stddef.h>

#define CSI_NS "urn:xmpp:csi:0"

struct xml_node;

struct csi_item {
	struct csi_item *next;
	char *key; /* owned: kind and sender */
	size_t len;
	char *data; /* owned: the serialized stanza */
};

struct csi {
	struct csi_item *head, *tail; /* owned, oldest first */
	size_t n;
};

/*
 * Whether st can wait: 1 with the replacement key written to key[cap]
 * (a stanza with the same key replaces an older one), else 0.
 */
int csi_holdable(const struct xml_node *st, char *key, size_t cap);
/* Holds a copy of p[0..n) under key, dropping an older one with the same
 * key. 0, or -1 on OOM (the caller then delivers it at once). */
int csi_hold(struct csi *c, const char *key, const char *p, size_t n);
/* Unlinks and returns everything held, oldest first; the caller frees
 * each item with csi_item_free(). */
struct csi_item *csi_take(struct csi *c);
void csi_item_free(struct csi_item *it);
/* Drops everything held. */
void csi_clear(struct csi *c);

#endif
