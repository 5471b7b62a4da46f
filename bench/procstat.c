/*
 * procstat: /proc readings for the server under load (see procstat.h).
 * utime and stime are in clock ticks (usually 10 ms): scenarios measure
 * over seconds so the tick is well under a percent of the figure.
 */
#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint64_t
procstat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
procstat_self_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (uint64_t)ru.ru_utime.tv_sec * 1000000ull +
	    (uint64_t)ru.ru_utime.tv_usec +
	    (uint64_t)ru.ru_stime.tv_sec * 1000000ull +
	    (uint64_t)ru.ru_stime.tv_usec;
}

/* Reads /proc/PID/stat: parent pid, utime + stime. -1 if gone. */
static int
read_stat(pid_t pid, pid_t *ppid, uint64_t *ticks)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	int pp = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* The command name may hold spaces and parentheses: skip past
	 * the last ')'. Fields from there: state ppid ... utime(14)
	 * stime(15). */
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	        &pp, &ut, &st) != 3)
		return -1;
	if (ppid != NULL)
		*ppid = pp;
	if (ticks != NULL)
		*ticks = (uint64_t)ut + st;
	return 0;
}

static int
has(const struct procstat *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->pid[i] == pid)
			return 1;
	return 0;
}

int
procstat_add(struct procstat *p, pid_t pid, int children)
{
	struct dirent *de;
	DIR *d;
	int grew = 1;

	if (read_stat(pid, NULL, NULL) == -1 || p->n == PROCSTAT_MAX)
		return -1;
	if (!has(p, pid))
		p->pid[p->n++] = pid;
	/* Descendants: sweep /proc until no new child of a known PID. */
	while (children && grew && p->n < PROCSTAT_MAX) {
		grew = 0;
		if ((d = opendir("/proc")) == NULL)
			break;
		while ((de = readdir(d)) != NULL && p->n < PROCSTAT_MAX) {
			pid_t q = (pid_t)atoi(de->d_name), pp;

			if (q <= 0 || has(p, q) ||
			    read_stat(q, &pp, NULL) == -1)
				continue;
			if (has(p, pp)) {
				p->pid[p->n++] = q;
				grew = 1;
			}
		}
		closedir(d);
	}
	return 0;
}

uint64_t
procstat_cpu_us(const struct procstat *p)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t sum = 0, t;
	size_t i;

	if (hz <= 0)
		hz = 100;
	for (i = 0; i < p->n; i++)
		if (read_stat(p->pid[i], NULL, &t) == 0)
			sum += t;
	return sum * 1000000ull / (uint64_t)hz;
}

uint64_t
procstat_rss_kib(const struct procstat *p)
{
	char path[64], line[256];
	uint64_t sum = 0;
	size_t i;
	FILE *f;

	for (i = 0; i < p->n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)p->pid[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "VmRSS:", 6) == 0) {
				sum += strtoull(line + 6, NULL, 10);
				break;
			}
		}
		fclose(f);
	}
	return sum;
}
