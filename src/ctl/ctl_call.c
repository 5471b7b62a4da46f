/*
 * ctl_call: lethectl's side of the control socket (protocol in
 * src/ctl/control.h). Connects to DATA_DIR/control.sock, sends one
 * request line, hands each response line to the caller without its
 * "- " prefix, and reads the last line for the outcome. Blocking: the
 * tool does nothing else meanwhile; a streaming command (view) runs until
 * the daemon ends it or the user interrupts the tool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/conf.h"
#include "ctl/control.h"
#include "ctl/ctl.h"

/* Sends all of p[0..n); 0 or -1. */
static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
ctl_call(struct ctl *c, const char *request,
    void (*line)(void *arg, const char *l), void *arg)
{
	struct sockaddr_un sun;
	char buf[CONTROL_LINE_MAX + 8];
	size_t len = 0, rl = strlen(request);
	char *nl;
	ssize_t r;
	int fd, n;

	if (rl + 1 > CONTROL_LINE_MAX || memchr(request, '\n', rl) != NULL) {
		ctl_err("request too long");
		return CTL_CALL_ERR;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/control.sock",
	    c->conf->data_dir);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		ctl_err("control socket path too long");
		return CTL_CALL_ERR;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		ctl_err("socket: %s", strerror(errno));
		return CTL_CALL_ERR;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		n = errno;
		close(fd);
		if (n == ENOENT || n == ECONNREFUSED)
			return CTL_CALL_NODAEMON;
		ctl_err("%s: %s", sun.sun_path, strerror(n));
		return CTL_CALL_ERR;
	}
	if (send_all(fd, request, rl) == -1 || send_all(fd, "\n", 1) == -1) {
		ctl_err("cannot send the request: %s", strerror(errno));
		close(fd);
		return CTL_CALL_ERR;
	}
	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			if (strncmp(buf, "- ", 2) == 0) {
				if (line != NULL)
					line(arg, buf + 2);
			} else if (strcmp(buf, "ok") == 0) {
				close(fd);
				return CTL_CALL_OK;
			} else {
				ctl_err("%s",
				    strncmp(buf, "error ", 6) == 0 ? buf + 6
				                                   : buf);
				close(fd);
				return CTL_CALL_ERR;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1) {
			/* A line longer than the daemon ever sends. */
			ctl_err("response line too long");
			break;
		}
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			ctl_err("the server closed the control connection");
			break;
		}
		len += (size_t)r;
	}
	close(fd);
	return CTL_CALL_ERR;
}

static void
print_line(void *arg, const char *l)
{
	puts(l);
}

/*
 * The daemon's counts, then sealing from the database: whether new data
 * is sealed, the accounts and how many of them have sealing keys (the
 * others are sealed at their next login while sealing is on).
 */
int
ctl_cmd_status(struct ctl *c, int argc, char **argv)
{
	uint64_t sealed, all;
	int rc = ctl_call(c, "status", print_line, NULL);

	if (rc == CTL_CALL_NODAEMON) {
		ctl_err("the server is not running (no control socket in %s)",
		    c->conf->data_dir);
		return EXIT_ERR;
	}
	if (rc != CTL_CALL_OK)
		return EXIT_ERR;
	if (ctl_seal_count(c, &sealed, &all) < 0)
		return EXIT_ERR;
	printf("sealing=%s\n", c->conf->sealing ? "on" : "off");
	printf("accounts=%" PRIu64 "\n", all);
	printf("accounts_sealed=%" PRIu64 "\n", sealed);
	printf("accounts_not_sealed=%" PRIu64 "\n", all - sealed);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
}
