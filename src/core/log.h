/*
 * log: one line per event, key=value, to stderr (journald priority
 * prefixes when stderr is the journal).
 *
 * Privacy by construction (PRIVACY.md): no function here takes a socket
 * address, and callers never pass message content. Local user names only
 * at debug level; sessions are named by a random per-session id.
 */
#ifndef LETHE_LOG_H
#define LETHE_LOG_H

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(enum log_level lvl);
void log_set_level(enum log_level lvl);
int log_level_parse(const char *s, enum log_level *out);
int log_enabled(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_enabled(LOG_LVL_DEBUG))                                \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);                   \
	} while (0)

/* Start-up failure or a broken invariant: log and exit(1). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
