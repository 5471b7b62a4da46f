/*
 * lethectl: the admin tool. Creates and deletes accounts, sets passwords
 * and lists users, working on the database directly through db.h (WAL
 * and a busy timeout let it run beside the daemon), or through the
 * daemon's control socket where the daemon must act (deluser, passwd).
 *
 * Passwords come from standard input: the first line, without its line
 * ending; or, on a terminal, typed twice without echo. They are
 * normalized (PRECIS OpaqueString) and only SCRAM verifiers for SHA-1,
 * SHA-256 and SHA-512 are written; every copy of the password is wiped
 * before exit. Exit status: 0 done, 1 error (one line on stderr), 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/conf.h"
#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/precis.h"
#include "xmpp/scram.h"
#include "ctl/ctl.h"

#define DEFAULT_CONF "/etc/lethe/lethe.ini"
#define PASSWORD_MAX 1024 /* bytes, before normalization */

static const char usage_text[] =
    "usage: lethectl [-y] [-c FILE] COMMAND ARG\n"
    "\n"
    "commands:\n"
    "  adduser JID   create an account (password on standard input)\n"
    "  deluser JID   delete an account and everything stored for it\n"
    "  export JID    write an account's data to standard output (XEP-0227)\n"
    "  import FILE   create the accounts of a XEP-0227 file\n"
    "  passwd JID [--yes]\n"
    "                set a new password (password on standard input);\n"
    "                sealed data is lost unless the user is online\n"
    "  privacy-report [--format md|html|json]\n"
    "                what is stored, for how long, who can read it\n"
    "  users HOST    list the accounts of a host, one per line (how many\n"
    "                are sealed on standard error)\n"
    "  status        the running server's uptime and counts, sealed\n"
    "                accounts\n"
    "  view [JID]    live trace of routed stanzas (no content), until ^C\n"
    "\n"
    "options:\n"
    "  -c FILE       configuration file (default " DEFAULT_CONF ")\n"
    "  -y            do not ask for confirmation\n"
    "  -h            show this help\n";

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("lethectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- terminal handling --- */

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

static void
restore_echo(void)
{
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		echo_off = 0;
	}
}

/* A ^C at the prompt must not leave the terminal without echo. */
static void
on_signal(int sig)
{
	restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads one line from standard input into buf[cap] with read(2), so no
 * stdio buffer keeps a copy. Strips "\n" or "\r\n". Returns the length,
 * -1 on error or end of input before anything was read, -2 if the line
 * does not fit.
 */
static long
read_line(char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (n == 0)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 >= cap) {
			/* Drain the rest of the line so nothing is echoed. */
			while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n')
				;
			return -2;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (long)n;
}

static long
prompt_hidden(const char *prompt, char *buf, size_t cap)
{
	struct termios tio;
	long n;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return -1;
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tio.c_lflag |= ICANON;
	fputs(prompt, stderr);
	fflush(stderr);
	echo_off = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) < 0) {
		echo_off = 0;
		return -1;
	}
	n = read_line(buf, cap);
	restore_echo();
	fputc('\n', stderr);
	return n;
}

/*
 * The new password, normalized, in *out (malloc'd; the caller wipes and
 * frees it). 0, or -1 with the error reported.
 */
int
ctl_read_password(char **out, size_t *outlen)
{
	char a[PASSWORD_MAX + 1], b[PASSWORD_MAX + 1];
	long n, m;
	int rc = -1;

	if (isatty(STDIN_FILENO)) {
		n = prompt_hidden("New password: ", a, sizeof(a));
		if (n >= 0) {
			m = prompt_hidden("Again: ", b, sizeof(b));
			if (m != n || memcmp(a, b, (size_t)n) != 0) {
				ctl_err("passwords do not match");
				goto out;
			}
		}
	} else {
		n = read_line(a, sizeof(a));
	}
	if (n == -2) {
		ctl_err("password longer than %d bytes", PASSWORD_MAX);
		goto out;
	}
	if (n < 0) {
		ctl_err("no password on standard input");
		goto out;
	}
	if (precis_enforce(PRECIS_OPAQUE_STRING, a, (size_t)n, out, outlen) <
	    0) {
		ctl_err("password is empty or not allowed (invalid UTF-8 or "
		        "characters PRECIS forbids)");
		goto out;
	}
	rc = 0;
out:
	util_wipe(a, sizeof(a));
	util_wipe(b, sizeof(b));
	return rc;
}

/* y or yes on a terminal; anything else declines. */
int
ctl_confirm(const char *question)
{
	char line[16];
	long n;

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	n = read_line(line, sizeof(line));
	return n > 0 &&
	    (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 ||
	        strcmp(line, "yes") == 0);
}

/* --- commands --- */

/*
 * Parses a bare JID on a configured host into j. 0, or -1 reported.
 */
int
ctl_account_jid(struct ctl *c, const char *s, struct jid *j)
{
	if (jid_parse(s, strlen(s), j) < 0) {
		ctl_err("invalid JID: %s", s);
		return -1;
	}
	if (j->local == NULL || j->resource != NULL) {
		ctl_err("not an account (expected user@host): %s", s);
		jid_free(j);
		return -1;
	}
	if (conf_host_find(c->conf, j->domain) == NULL) {
		ctl_err("not a host in %s: %s", c->conf->path, j->domain);
		jid_free(j);
		return -1;
	}
	return 0;
}

int
ctl_open_db(struct ctl *c)
{
	char e[512];

	if ((c->db = db_open(c->conf->data_dir, e, sizeof(e))) == NULL) {
		ctl_err("%s", e);
		return -1;
	}
	return 0;
}

/* STORE_OK if the account exists, STORE_NOTFOUND, or STORE_ERR. */
enum store_status
ctl_account_exists(struct ctl *c, const struct jid *j)
{
	struct store_res r = {0};
	struct arena *a;
	enum store_status st;

	if ((a = arena_new(512)) == NULL)
		return STORE_ERR;
	st = db_account_creds(c->db, a, j->domain, j->local, &r);
	if (r.creds != NULL)
		util_wipe((void *)r.creds, r.ncreds * sizeof(*r.creds));
	arena_free(a);
	return st;
}

int
ctl_require_account(struct ctl *c, const struct jid *j)
{
	enum store_status st;

	if (c->db == NULL && ctl_open_db(c) < 0)
		return -1;
	st = ctl_account_exists(c, j);
	if (st == STORE_NOTFOUND)
		ctl_err("no such user: %s@%s", j->local, j->domain);
	else if (st != STORE_OK)
		ctl_err("database error");
	return st == STORE_OK ? 0 : -1;
}

int
ctl_seal_count(struct ctl *c, uint64_t *sealed, uint64_t *all)
{
	if (c->db == NULL && ctl_open_db(c) < 0)
		return -1;
	if (db_seal_count(c->db, sealed, all) != STORE_OK) {
		ctl_err("database error");
		return -1;
	}
	return 0;
}

/* Verifiers for every hash the server offers. 0, or -1 reported. */
int
ctl_make_creds(
    struct ctl *c, const char *pw, size_t len, struct scram_cred *creds)
{
	int h;

	for (h = 0; h < SCRAM_NHASH; h++) {
		if (scram_make_cred((enum scram_hash)h, pw, len,
		        c->conf->scram_iterations, &creds[h]) < 0) {
			ctl_err("cannot compute the password verifiers");
			return -1;
		}
	}
	return 0;
}

/*
 * adduser: the account must not exist before a password is read. With
 * [server] sealing on, its sealing keys are made in the same transaction
 * (db_seal_reset() with the fresh verifiers, which carry the ClientKeys),
 * so nothing it ever stores is written in clear.
 */
static int
cmd_adduser(struct ctl *c, int argc, char **argv)
{
	struct scram_cred creds[SCRAM_NHASH];
	struct jid j;
	char *pw = NULL;
	size_t len = 0;
	enum store_status st;
	int rc = EXIT_ERR;

	(void)argc;
	if (ctl_account_jid(c, argv[0], &j) < 0)
		return EXIT_ERR;
	if (ctl_open_db(c) < 0)
		goto out;
	/* Refuse before asking for a password that would be thrown away. */
	st = ctl_account_exists(c, &j);
	if (st == STORE_OK) {
		ctl_err("user exists: %s@%s", j.local, j.domain);
		goto out;
	}
	if (st != STORE_NOTFOUND) {
		ctl_err("database error");
		goto out;
	}
	if (ctl_tombstoned(c, &j) != 0)
		goto out;
	if (ctl_read_password(&pw, &len) < 0)
		goto out;
	if (ctl_make_creds(c, pw, len, creds) < 0)
		goto out_pw;
	if (db_begin(c->db) < 0) {
		ctl_err("database error");
		goto out_creds;
	}
	st = db_account_create(c->db, j.domain, j.local, creds, SCRAM_NHASH);
	if (st == STORE_OK && c->conf->sealing)
		st = db_seal_reset(
		    c->db, j.domain, j.local, creds, SCRAM_NHASH, NULL);
	if (st != STORE_OK)
		db_rollback(c->db);
	else if (db_commit(c->db) < 0)
		st = STORE_ERR;
	if (st == STORE_EXISTS)
		ctl_err("user exists: %s@%s", j.local, j.domain);
	else if (st != STORE_OK)
		ctl_err("database error");
	else
		rc = EXIT_OK;
out_creds:
	util_wipe(creds, sizeof(creds));
out_pw:
	util_wipe(pw, len);
	free(pw);
out:
	jid_free(&j);
	return rc;
}

/*
 * The summary under `users HOST`, on standard error so that standard
 * output stays one account per line: how many of the host's accounts
 * have sealing keys, and what becomes of the others.
 */
static int
users_summary(struct ctl *c, const char *host, const struct store_res *r)
{
	uint64_t sealed = 0;
	size_t i;

	for (i = 0; i < r->nitems; i++) {
		switch (db_seal_has_keys(c->db, host, r->items[i].key)) {
		case STORE_OK:
			sealed++;
			break;
		case STORE_NOTFOUND:
			break;
		default:
			ctl_err("database error");
			return -1;
		}
	}
	fprintf(stderr, "%zu account%s on %s, %" PRIu64 " sealed", r->nitems,
	    r->nitems == 1 ? "" : "s", host, sealed);
	if (sealed < r->nitems)
		fprintf(stderr, ", %" PRIu64 " not yet sealed%s",
		    (uint64_t)r->nitems - sealed,
		    c->conf->sealing
		        ? " (sealed at their next login)"
		        : " (sealing is off: their data stays in clear)");
	fputc('\n', stderr);
	return 0;
}

static int
cmd_users(struct ctl *c, int argc, char **argv)
{
	const char *arg = argv[0];

	struct store_res r = {0};
	struct arena *a = NULL;
	char *host;
	size_t i;
	int rc = EXIT_ERR;

	if ((host = jid_domain_prep(arg, strlen(arg))) == NULL) {
		ctl_err("invalid host: %s", arg);
		return EXIT_ERR;
	}
	if (conf_host_find(c->conf, host) == NULL) {
		ctl_err("not a host in %s: %s", c->conf->path, host);
		goto out;
	}
	if (ctl_open_db(c) < 0)
		goto out;
	if ((a = arena_new(4096)) == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	if (db_account_list(c->db, a, host, &r) != STORE_OK) {
		ctl_err("database error");
		goto out;
	}
	for (i = 0; i < r.nitems; i++)
		printf("%s@%s\n", r.items[i].key, host);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ctl_err("cannot write the list: %s", strerror(errno));
		goto out;
	}
	if (users_summary(c, host, &r) < 0)
		goto out;
	rc = EXIT_OK;
out:
	arena_free(a);
	free(host);
	return rc;
}

/*
 * The commands. A command in a file of its own (ctl_*.c) is declared in
 * ctl.h and added here with one line. nargs: the exact number of
 * arguments after the command's name, or -1 to check them itself.
 */
static const struct command {
	const char *name;
	int nargs;
	int (*fn)(struct ctl *c, int argc, char **argv);
} commands[] = {
    {"adduser", 1, cmd_adduser},
    {"deluser", 1, ctl_cmd_deluser},
    {"export", 1, ctl_cmd_export},
    {"import", 1, ctl_cmd_import},
    {"passwd", -1, ctl_cmd_passwd},
    {"privacy-report", -1, ctl_cmd_privacy_report},
    {"status", 0, ctl_cmd_status},
    {"view", -1, ctl_cmd_view},
    {"users", 1, cmd_users},
};

int
main(int argc, char **argv)
{
	struct ctl c = {0};
	const struct command *cmd = NULL;
	const char *path = DEFAULT_CONF;
	char e[1024];
	size_t i;
	int opt, rc;

	while ((opt = getopt(argc, argv, "+c:hy")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'y':
			c.yes = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		ctl_err("unknown command: %s", argv[optind]);
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (cmd->nargs >= 0 && argc - optind - 1 != cmd->nargs) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}

	/* Only problems are worth a line; the tool's result is its exit. */
	log_init(LOG_LVL_WARN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if ((c.conf = conf_load(path, e, sizeof(e))) == NULL) {
		ctl_err("%s", e);
		return EXIT_ERR;
	}
	rc = cmd->fn(&c, argc - optind - 1, argv + optind + 1);
	db_close(c.db);
	conf_free(c.conf);
	return rc;
}
