/*
 * view: viewers are control requests that never finish on their own;
 * each ends when its client disconnects (the close callback) or the
 * daemon stops. A line that does not fit a slow client's queue is
 * dropped and counted, so a view can never make the server hold memory
 * or wait.
 */
#include "ctl/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "ctl/control.h"
#include "xml/xml.h"
#include "xmpp/jid.h"
#include "xmpp/router.h"
#include "xmpp/session.h"

#define VIEWERS_MAX CONTROL_CLIENTS_MAX

struct viewer {
	struct control_req *req; /* NULL: slot free */
	char *filter; /* owned: bare JID or domain, or NULL for all */
	unsigned long long lines, dropped;
};

static struct viewer viewers[VIEWERS_MAX];
static size_t nviewers;

static int
matches(
    const struct viewer *v, const struct session *from, const struct jid *to)
{
	size_t n;

	if (v->filter == NULL)
		return 1;
	if (strcmp(from->acct->bare, v->filter) == 0)
		return 1;
	if (to == NULL || to->local == NULL)
		return 0;
	n = strlen(to->local);
	return strncmp(v->filter, to->local, n) == 0 && v->filter[n] == '@' &&
	    strcmp(v->filter + n + 1, to->domain) == 0;
}

static enum router_verdict
view_out(struct session *from, struct xml_node *st, struct arena *a,
    const struct jid *to)
{
	struct buf b = BUF_INIT;
	const char *type, *tos;
	size_t i, size = 0;
	int sized = 0;

	if (nviewers == 0)
		return ROUTER_PASS;
	for (i = 0; i < VIEWERS_MAX; i++) {
		struct viewer *v = &viewers[i];

		if (v->req == NULL || !matches(v, from, to))
			continue;
		if (!sized) {
			/* Only the length: the bytes are freed unread. */
			if (xml_serialize(st, XML_NS_CLIENT, &b) == 0)
				size = buf_size(&b);
			buf_free(&b);
			sized = 1;
		}
		type = xml_attr(st, "type");
		tos = xml_attr(st, "to");
		if (control_line(v->req,
		        "from=%s to=%s kind=%s type=%s size=%zu", from->full,
		        tos ? tos : "-", st->name, type ? type : "-",
		        size) == 0)
			v->lines++;
		else
			v->dropped++;
	}
	return ROUTER_PASS;
}

static void
viewer_closed(struct control_req *req, void *arg)
{
	struct viewer *v = arg;

	log_info(
	    "event=view_closed lines=%llu dropped=%llu", v->lines, v->dropped);
	free(v->filter);
	memset(v, 0, sizeof(*v));
	nviewers--;
	control_done(req, 1, NULL);
}

/* Normalizes a JID argument to "local@domain"; NULL if it is not an
 * account's bare JID. */
static char *
filter_of(const char *s)
{
	struct jid j;
	char *out = NULL;
	size_t n;

	if (jid_parse(s, strlen(s), &j) < 0)
		return NULL;
	if (j.local != NULL && j.resource == NULL) {
		n = strlen(j.local) + 1 + strlen(j.domain) + 1;
		if ((out = malloc(n)) != NULL)
			snprintf(out, n, "%s@%s", j.local, j.domain);
	}
	jid_free(&j);
	return out;
}

static void
cmd_view(struct control_req *req, int argc, char **argv)
{
	struct viewer *v = NULL;
	char *filter = NULL;
	size_t i;

	if (argc > 1) {
		control_done(req, 0, "usage: view [JID]");
		return;
	}
	if (argc == 1 && (filter = filter_of(argv[0])) == NULL) {
		control_done(req, 0, "not an account's bare JID");
		return;
	}
	for (i = 0; i < VIEWERS_MAX && v == NULL; i++)
		if (viewers[i].req == NULL)
			v = &viewers[i];
	if (v == NULL) {
		free(filter);
		control_done(req, 0, "too many views open");
		return;
	}
	v->req = req;
	v->filter = filter;
	nviewers++;
	control_req_on_close(req, viewer_closed, v);
	/* That a view was opened, and whether it is narrowed; not to whom. */
	log_info("event=view_opened filter=%s", filter ? "account" : "all");
	control_line(req, "view open: from to kind type size; no content");
}

void
view_init(void)
{
	if (control_register("view", cmd_view) == -1 ||
	    router_add_out_filter(view_out) == -1)
		log_err("event=module_init_failed module=view");
}
