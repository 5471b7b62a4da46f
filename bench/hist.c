/*
 * hist: log-linear latency buckets (see hist.h). Bucket i covers values
 * whose top bit is e and whose next HIST_SUB_BITS bits are s, with
 * i = e * HIST_SUB + s; values below HIST_SUB are exact.
 */
#include "hist.h"

#include <string.h>

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned
bucket_of(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* e >= HIST_SUB_BITS */
	if (e - HIST_SUB_BITS + 1 >= HIST_EXP)
		return HIST_EXP * HIST_SUB - 1;
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	    (unsigned)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The middle of bucket i. */
static uint64_t
value_of(unsigned i)
{
	unsigned e = i / HIST_SUB, s = i % HIST_SUB;
	uint64_t lo, width;

	if (e == 0)
		return s;
	width = 1ull << (e - 1);
	lo = ((uint64_t)HIST_SUB + s) << (e - 1);
	return lo + width / 2;
}

void
hist_add(struct hist *h, uint64_t v)
{
	h->bucket[bucket_of(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	want = (uint64_t)(q * (double)h->count) + 1;
	if (want > h->count)
		want = h->count;
	for (i = 0; i < HIST_EXP * HIST_SUB; i++) {
		seen += h->bucket[i];
		if (seen >= want) {
			uint64_t v = value_of(i);

			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}
