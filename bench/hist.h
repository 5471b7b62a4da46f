/*
 * hist: a latency histogram with bounded relative error.
 *
 * Values (nanoseconds) fall into log-linear buckets: each power of two is
 * split into HIST_SUB equal parts, so a reported percentile is within
 * 1/HIST_SUB of the true value. The histogram is a fixed array: recording
 * allocates nothing, and values past the top bucket count in it.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_EXP 40 /* up to 2^40 ns, about 18 minutes */

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint64_t bucket[HIST_EXP * HIST_SUB];
};

void hist_reset(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
/* The value at quantile q (0..1), 0 if empty. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
