/*
 * procstat: what the kernel says about the server's processes, read
 * from /proc: CPU time (utime + stime of /proc/PID/stat, all threads)
 * and resident memory (VmRSS of /proc/PID/status). A server may be a
 * tree of processes (ejabberd: the Erlang VM under its start scripts);
 * the caller names every PID to count and the figures are summed.
 */
#ifndef BENCH_PROCSTAT_H
#define BENCH_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCSTAT_MAX 16

struct procstat {
	pid_t pid[PROCSTAT_MAX];
	size_t n;
};

/* Adds pid and, when children != 0, its descendants. -1 if none. */
int procstat_add(struct procstat *p, pid_t pid, int children);
/* CPU time used so far, microseconds; 0 when unreadable. */
uint64_t procstat_cpu_us(const struct procstat *p);
/* Resident set, KiB. */
uint64_t procstat_rss_kib(const struct procstat *p);
/* CPU time of this process so far (getrusage), microseconds. */
uint64_t procstat_self_cpu_us(void);
/* Monotonic clock, nanoseconds. */
uint64_t procstat_now_ns(void);

#endif
