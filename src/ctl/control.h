/*
 * control: the daemon's control socket, DATA_DIR/control.sock (mode 0600
 * in a 0700 directory), through which lethectl talks to a running server.
 *
 * Protocol: the client sends one request line "COMMAND ARG...\n" (at most
 * CONTROL_LINE_MAX bytes, arguments separated by single spaces); the
 * server answers with any number of lines "- TEXT\n" and a last line
 * "ok\n" or "error TEXT\n", then closes the connection. The "- " prefix
 * keeps a response line from ever being taken for the last one.
 *
 * Commands are registered by modules. A handler may answer at once or
 * later (after a store request): it holds the struct control_req until it
 * calls control_done(), exactly once, which frees it. If the client
 * disconnects first the req stays valid: control_line() becomes a no-op,
 * control_req_gone() says so, and the optional close callback runs once so
 * a streaming command (view) can finish.
 */
#ifndef LETHE_CONTROL_H
#define LETHE_CONTROL_H

#include <stddef.h>

#define CONTROL_LINE_MAX 4096 /* bytes of a request line, with "\n" */
#define CONTROL_ARGS_MAX 16 /* arguments after the command's name */
#define CONTROL_CLIENTS_MAX 8 /* clients connected at once */

struct loop;
struct control_req;

/* argv[0..argc) are the arguments (not the command's name); they live
 * until control_done(). */
typedef void (*control_fn)(struct control_req *req, int argc, char **argv);
typedef void (*control_close_fn)(struct control_req *req, void *arg);

/* Adds a command; -1 when the table is full or the name is taken. Call
 * at module init. */
int control_register(const char *name, control_fn fn);

/*
 * Opens the socket under data_dir and starts accepting on loop l. Fails
 * (-1, message in err) when another live daemon holds the socket; a
 * stale socket file left by a crash is replaced.
 */
int control_open(
    struct loop *l, const char *data_dir, char *err, size_t errlen);
/* Stops accepting, disconnects every client and unlinks the socket. */
void control_close(void);

/*
 * Queues one response line (a newline in it becomes a space). 0, or -1
 * when the client is gone or its output queue is full (the line is
 * dropped: a client that does not read cannot make the server hold
 * memory).
 */
int control_line(struct control_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the request with "ok" or "error TEXT" (text may be NULL) and frees
 * req. Safe whether or not the client is still connected. */
void control_done(struct control_req *req, int ok, const char *text);
/*
 * The JID argument of a command that names a local account, parsed into
 * j (jid_free it): 0, or -1 with the request ended (control_done) by
 * "usage" when s is not a JID, or "not an account here".
 */
struct jid;
int control_account_arg(
    struct control_req *req, const char *s, struct jid *j, const char *usage);
/* 1 once the client has disconnected. */
int control_req_gone(const struct control_req *req);
/* fn(req, arg) runs once if the client disconnects before control_done. */
void control_req_on_close(
    struct control_req *req, control_close_fn fn, void *arg);

#endif
