/*
 * ctl: what lethectl's commands share. Each command is a function
 * `int f(struct ctl *c, int argc, char **argv)` returning an exit status;
 * commands that live in files of their own (src/ctl/ctl_*.c) are declared
 * here and listed in lethectl.c's command table.
 */
#ifndef LETHE_CTL_H
#define LETHE_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct conf;
struct db;
struct jid;

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

struct ctl {
	struct conf *conf; /* loaded before any command runs */
	struct db *db; /* opened on demand by ctl_open_db() */
	int yes; /* -y: do not ask */
};

/* "lethectl: ..." and a newline on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* y or yes typed on standard input; anything else declines. */
int ctl_confirm(const char *question);
/* A bare JID on a configured host, into j (jid_free it). 0, or -1
 * reported. */
int ctl_account_jid(struct ctl *c, const char *s, struct jid *j);
/* Opens c->db. 0, or -1 reported. */
int ctl_open_db(struct ctl *c);
/* STORE_OK if the account exists, STORE_NOTFOUND, or STORE_ERR. */
enum store_status ctl_account_exists(struct ctl *c, const struct jid *j);
/* Opens c->db if needed and checks that the account exists. 0, or -1
 * reported ("no such user", "database error"). */
int ctl_require_account(struct ctl *c, const struct jid *j);

/*
 * Sends one request to the running daemon over its control socket
 * (src/ctl/control.h) and calls line(arg, l) for each response line.
 * CTL_CALL_OK on "ok"; CTL_CALL_ERR with the error reported on stderr;
 * CTL_CALL_NODAEMON (nothing reported) when no daemon is listening, so a
 * caller can fall back to the database.
 */
enum { CTL_CALL_OK = 0, CTL_CALL_ERR = -1, CTL_CALL_NODAEMON = -2 };
int ctl_call(struct ctl *c, const char *request,
    void (*line)(void *arg, const char *l), void *arg);

/* The new password from standard input (see lethectl.c), normalized, in
 * *out (malloc'd; the caller wipes and frees it). 0, or -1 reported. */
int ctl_read_password(char **out, size_t *outlen);
/* Verifiers for every SCRAM hash, with ClientKeys (has_client_key) for
 * the sealing keys. 0, or -1 reported. */
struct scram_cred;
int ctl_make_creds(struct ctl *c, const char *pw, size_t len,
    struct scram_cred *creds /* [SCRAM_NHASH] */);
/*
 * Accounts with sealing keys and all accounts (db_seal_count()) into
 * *sealed and *all. 0, or -1 reported. Opens c->db if needed.
 */
int ctl_seal_count(struct ctl *c, uint64_t *sealed, uint64_t *all);

int ctl_cmd_passwd(struct ctl *c, int argc, char **argv);
int ctl_cmd_status(struct ctl *c, int argc, char **argv);
int ctl_cmd_view(struct ctl *c, int argc, char **argv);

int ctl_cmd_deluser(struct ctl *c, int argc, char **argv);
/* 0 if no live tombstone names j; else reported ("used by a deleted
 * account until DATE") and -1. c->db must be open. */
int ctl_tombstoned(struct ctl *c, const struct jid *j);

int ctl_cmd_privacy_report(struct ctl *c, int argc, char **argv);

int ctl_cmd_export(struct ctl *c, int argc, char **argv);
int ctl_cmd_import(struct ctl *c, int argc, char **argv);

#endif
