/*
 * ctl_view: `lethectl view [JID]`, the live trace of routed stanzas
 * (src/ctl/view.h). Prints each line as it arrives, flushed, until the
 * user interrupts the tool or the daemon stops. Nothing is written but
 * standard output.
 */
#include <stdio.h>
#include <string.h>

#include "core/conf.h"
#include "ctl/control.h"
#include "ctl/ctl.h"

static void
print_flushed(void *arg, const char *l)
{
	puts(l);
	fflush(stdout);
}

int
ctl_cmd_view(struct ctl *c, int argc, char **argv)
{
	char req[CONTROL_LINE_MAX];
	int rc;

	if (argc > 1) {
		ctl_err("usage: view [JID]");
		return EXIT_USAGE;
	}
	if (argc == 1 && strchr(argv[0], ' ') != NULL) {
		ctl_err("not a JID: %s", argv[0]);
		return EXIT_ERR;
	}
	snprintf(
	    req, sizeof(req), "view%s%s", argc ? " " : "", argc ? argv[0] : "");
	rc = ctl_call(c, req, print_flushed, NULL);
	if (rc == CTL_CALL_NODAEMON) {
		ctl_err("the server is not running (no control socket in %s)",
		    c->conf->data_dir);
		return EXIT_ERR;
	}
	return rc == CTL_CALL_OK ? EXIT_OK : EXIT_ERR;
}
