/*
 * log: formats one line per event to stderr. When stderr is connected to
 * the journal ($JOURNAL_STREAM names its device and inode) each line
 * carries a "<N>" priority prefix instead of a timestamp; journald adds
 * its own. Nothing here knows about sockets or addresses.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static enum log_level log_lvl = LOG_LVL_INFO;
static int log_journal;

static const char *const level_names[] = {"err", "warn", "info", "debug"};
static const int level_prio[] = {3, 4, 6, 7};

void
log_init(enum log_level lvl)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	log_lvl = lvl;
	log_journal = 0;
	if (js != NULL && sscanf(js, "%lu:%lu", &dev, &ino) == 2 &&
	    fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		log_journal = 1;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void
log_set_level(enum log_level lvl)
{
	log_lvl = lvl;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int
log_enabled(enum log_level lvl)
{
	return lvl <= log_lvl;
}

static void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[1024], ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", level_prio[lvl], line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s level=%s %s\n", ts, level_names[lvl], line);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(lvl))
		return;
	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
