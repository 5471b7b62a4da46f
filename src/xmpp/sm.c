/*
 * sm: XEP-0198 counters and the queue of unacknowledged stanzas.
 *
 * Invariant: n == out - acked (mod 2^32), and the queue holds exactly
 * the stanzas numbered acked+1 .. out, oldest first, unless a copy could
 * not be allocated (then fewer are kept than counted, and an ack that
 * covers the gap drops what is there).
 */
#include "xmpp/sm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct sm *
sm_new(int resumable, unsigned max)
{
	struct sm *sm;

	if ((sm = calloc(1, sizeof(*sm))) == NULL)
		return NULL;
	util_random_id(sm->id, 16);
	sm->resumable = resumable != 0;
	sm->max = max;
	return sm;
}

void
sm_free(struct sm *sm)
{
	struct sm_item *it, *next;

	if (sm == NULL)
		return;
	for (it = sm->head; it != NULL; it = next) {
		next = it->next;
		free(it);
	}
	free(sm);
}

int
sm_push(struct sm *sm, const char *p, size_t n, int msg)
{
	struct sm_item *it;

	sm->out++;
	if (n > SIZE_MAX - sizeof(*it) ||
	    (it = malloc(sizeof(*it) + n)) == NULL)
		return -1;
	it->next = NULL;
	it->msg = msg != 0;
	it->len = n;
	memcpy(it->data, p, n);
	if (sm->tail != NULL)
		sm->tail->next = it;
	else
		sm->head = it;
	sm->tail = it;
	sm->n++;
	return 0;
}

int
sm_ack(struct sm *sm, uint32_t h)
{
	uint32_t newly = h - sm->acked, unacked = sm->out - sm->acked;
	struct sm_item *it;

	if (newly > unacked)
		return -1;
	sm->acked = h;
	/* Items beyond `unacked - newly` from the tail are acknowledged;
	 * when copies were lost, the queue is shorter than the count. */
	while (sm->head != NULL && sm->n > (size_t)(unacked - newly)) {
		it = sm->head;
		sm->head = it->next;
		free(it);
		sm->n--;
	}
	if (sm->head == NULL)
		sm->tail = NULL;
	return 0;
}

int
sm_parse_h(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}
