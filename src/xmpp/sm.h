/*
 * sm: the bookkeeping of XEP-0198 stream management for one session: the
 * count of stanzas handled from the client, the count sent to it, and
 * the stanzas it has not acknowledged yet, kept serialized so they can
 * be written again after a resumption or re-routed when the session
 * ends. The protocol elements themselves are handled by the stream.
 *
 * Counters are uint32_t and wrap at 2^32 (XEP-0198 §4): every comparison
 * is made on differences, never on raw values.
 */
#ifndef LETHE_SM_H
#define LETHE_SM_H

#include <stddef.h>
#include <stdint.h>

#define SM_NS "urn:xmpp:sm:3"

struct sm_item {
	struct sm_item *next;
	unsigned msg : 1; /* a <message/>: re-routed if never acknowledged */
	size_t len;
	char data[]; /* the serialized stanza, not NUL-terminated */
};

struct sm {
	char id[17]; /* resumption id (random; names nothing else) */
	uint32_t in; /* stanzas handled from the client */
	uint32_t out; /* stanzas sent to the client */
	uint32_t acked; /* the client's last h */
	uint32_t requested; /* `out` when the last <r/> was sent */
	unsigned resumable : 1;
	unsigned r_out : 1; /* an <r/> awaits its <a/> */
	unsigned max; /* seconds the session may wait for a resumption */
	struct sm_item *head, *tail; /* owned: unacknowledged, oldest first */
	size_t n; /* items in the queue: always out - acked */
};

/* A new state with a random id; NULL on OOM. */
struct sm *sm_new(int resumable, unsigned max);
/* Frees the state and its queue. NULL is a no-op. */
void sm_free(struct sm *sm);
/* Counts one stanza sent and keeps a copy of p[0..n). 0, or -1 on OOM
 * (the stanza is counted all the same, so the counters stay in step with
 * the client's). */
int sm_push(struct sm *sm, const char *p, size_t n, int msg);
/*
 * The client handled h stanzas in all: drops what that acknowledges.
 * Returns 0, or -1 (nothing changed) when h acknowledges more than was
 * sent or goes backwards.
 */
int sm_ack(struct sm *sm, uint32_t h);
/* Parses a decimal h attribute (0 .. 2^32-1). 0, or -1 if malformed. */
int sm_parse_h(const char *s, uint32_t *out);

#endif
