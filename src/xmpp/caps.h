/*
 * caps: entity capabilities (XEP-0115). A client's available presence
 * may carry <c node ver hash/>; ver names the client's disco#info. The
 * server learns what a ver stands for by asking one client that sent it
 * (disco#info on node#ver), keeps the answer in memory only if it hashes
 * to ver (sha-1, XEP-0115 §5), and then trusts ver for every session.
 * Other modules ask whether a session's current caps include a feature
 * (PEP: NODE+notify).
 */
#ifndef LETHE_CAPS_H
#define LETHE_CAPS_H

struct session;

/*
 * 1 if the last available presence of s carries caps whose verified
 * feature list includes `feature`, else 0. An unknown ver starts a query
 * to s (once per ver at a time); the on_known hooks run when it verifies.
 */
int caps_has(struct session *s, const char *feature);

/* Hooks run for a session whose caps just became known through a query
 * it answered or another session answered. -1 when the table is full. */
typedef void (*caps_fn)(struct session *s);
int caps_on_known(caps_fn fn);

void caps_module_init(void);

#endif
