/*
 * main: the lethe daemon. Loads and checks the configuration, opens the
 * store, the TLS contexts and the listeners, then runs the loop on this
 * thread until SIGTERM or SIGINT. SIGHUP reloads certificates.
 *
 * Runs in the foreground and logs to stderr; under systemd, readiness is
 * reported with sd_notify's datagram protocol (no libsystemd needed).
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "ctl/control.h"
#include "ctl/view.h"
#include "net/conn.h"
#include "net/listen.h"
#include "net/ratelimit.h"
#include "net/tls.h"
#include "store/store.h"
#include "xmpp/modules.h"
#include "xmpp/retention.h"
#include "xmpp/server.h"
#include "xmpp/session.h"
#include "xmpp/stream.h"

static struct conf *conf;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: lethe [-c FILE] [--check]\n"
	    "       lethe --version\n");
	exit(2);
}

/* sd_notify(3)'s protocol: one datagram to $NOTIFY_SOCKET. */
static void
notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    len);
	close(fd);
}

static void
reload(void)
{
	char err[512];
	struct conf *fresh;

	notify("RELOADING=1");
	/* Only certificates are reloaded; the rest needs a restart. */
	if ((fresh = conf_load(conf->path, err, sizeof(err))) == NULL) {
		log_err("event=reload_failed reason=\"%s\"", err);
	} else if (tls_ctx_reload(server.tls, fresh, err, sizeof(err)) == -1) {
		log_err("event=reload_failed reason=\"%s\"", err);
	} else {
		log_info("event=certificates_reloaded");
	}
	conf_free(fresh);
	notify("READY=1");
}

static void
on_signal(struct loop *l, int fd, unsigned ev, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload();
			break;
		case SIGTERM:
		case SIGINT:
			log_info("event=shutdown streams=%zu", stream_count());
			notify("STOPPING=1");
			listen_close();
			control_close();
			stream_shutdown_all();
			loop_stop(l);
			break;
		}
	}
}

/*
 * Back-pressure: when more storage requests wait than [limits]
 * store_backlog, stop reading from every client until a quarter of them
 * are left, so input is never turned into unbounded queued work.
 */
static void
backpressure(struct loop *l, void *arg)
{
	static int held;
	size_t n = store_inflight(server.store, NULL);
	size_t high = conf->limits.store_backlog;

	if (!held && n >= high) {
		held = 1;
		conn_hold_reads(1);
		log_warn("event=store_backlog reads=held requests=%zu", n);
	} else if (held && n <= high / 4) {
		held = 0;
		conn_hold_reads(0);
		log_info("event=store_backlog reads=resumed requests=%zu", n);
	}
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	const char *path = "/etc/lethe/lethe.ini";
	int check = 0, i, sfd;
	enum log_level lvl;
	struct loop *l;
	char err[512];
	sigset_t mask;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("lethe 0.1.0\n");
			return 0;
		} else
			usage();
	}
	log_init(LOG_LVL_INFO);
	if ((conf = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "lethe: %s\n", err);
		return 1;
	}
	if (log_level_parse(conf->log_level, &lvl) == 0)
		log_set_level(lvl);
	/* Modules read the configuration to decide what to register. */
	server.conf = conf;
	modules_init();
	view_init();
	/* Every retention from the configuration, before the store applies
	 * them to rows already written. */
	retention_configure(conf);
	server.started = util_time();
	util_random(server.secret, sizeof(server.secret));
	if ((server.tls = tls_ctx_new(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "lethe: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: configuration ok\n", path);
		return 0;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((l = loop_new()) == NULL)
		fatal("event=start_failed reason=loop");
	server.loop = l;
	conn_init(l, conf->limits.read_budget);
	if (session_init() == -1)
		fatal("event=start_failed reason=memory");
	if ((server.store = store_open(conf->data_dir, l, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "lethe: %s\n", err);
		return 1;
	}
	store_set_sealing(server.store, conf->sealing);
	loop_before_sleep(l, backpressure, NULL);
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    loop_add(l, sfd, LOOP_READ, on_signal, NULL) == -1)
		fatal("event=start_failed reason=signalfd");
	/* Before the listeners: a second daemon on the same data directory
	 * must stop here, not fight over ports and the database. */
	if (control_open(l, conf->data_dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "lethe: %s\n", err);
		return 1;
	}
	if (ratelimit_init(l, &conf->limits) == -1)
		fatal("event=start_failed reason=memory");
	if (listen_open(l, conf->listens, conf->nlistens, stream_accept, NULL,
	        err, sizeof(err)) == -1) {
		fprintf(stderr, "lethe: %s\n", err);
		control_close();
		return 1;
	}
	retention_start(l, server.store);
	log_info("event=started hosts=%zu listeners=%zu", conf->nhosts,
	    conf->nlistens);
	notify("READY=1");
	if (loop_run(l) == -1)
		return 1;
	/* Streams were told to close; their last bytes went out in the
	 * final iteration. */
	control_close();
	ratelimit_end();
	retention_stop();
	store_close(server.store);
	tls_ctx_free(server.tls);
	loop_free(l);
	conf_free(conf);
	log_info("event=stopped");
	return 0;
}
