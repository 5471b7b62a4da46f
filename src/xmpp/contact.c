/*
 * contact: server contact addresses (XEP-0157). The addresses an operator
 * configured for a host ([host] contact_admin, contact_abuse, ...) go into
 * that host's disco#info as an extended-information form (XEP-0128) of
 * FORM_TYPE http://jabber.org/network/serverinfo, one list-multi field per
 * kind that has addresses. With no address configured there is no form at
 * all: an empty one would only say that nobody can be reached.
 */
#include <stddef.h>
#include <string.h>

#include "core/conf.h"
#include "xml/xml.h"
#include "xmpp/disco.h"
#include "xmpp/modules.h"
#include "xmpp/server.h"

#define NS_DATA "jabber:x:data"
#define SERVERINFO "http://jabber.org/network/serverinfo"

struct kind {
	const char *var;
	size_t off; /* of the string in struct conf_host */
};

/* In the XEP's order, which is alphabetical. */
static const struct kind kinds[] = {
    {"abuse-addresses", offsetof(struct conf_host, contact_abuse)},
    {"admin-addresses", offsetof(struct conf_host, contact_admin)},
    {"feedback-addresses", offsetof(struct conf_host, contact_feedback)},
    {"security-addresses", offsetof(struct conf_host, contact_security)},
    {"support-addresses", offsetof(struct conf_host, contact_support)},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *
addresses(const struct conf_host *h, const struct kind *k)
{
	const char *s = *(char *const *)((const char *)h + k->off);

	return s != NULL ? s : "";
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* 1 if s holds at least one address. */
static int
has_any(const char *s)
{
	for (; *s != '\0'; s++)
		if (!is_sep(*s))
			return 1;
	return 0;
}

/* One <value/> per space-separated URI in s. */
static int
add_values(struct arena *a, struct xml_node *field, const char *s)
{
	struct xml_node *v;
	size_t n;

	for (;;) {
		while (is_sep(*s))
			s++;
		if (*s == '\0')
			return 0;
		for (n = 0; s[n] != '\0' && !is_sep(s[n]); n++)
			;
		if ((v = xml_add(a, field, NS_DATA, "value")) == NULL ||
		    xml_add_text(a, v, s, n) == -1)
			return -1;
		s += n;
	}
}

static void
contact_form(struct arena *a, struct xml_node *query, const char *host)
{
	const struct conf_host *h;
	struct xml_node *x = NULL, *f;
	size_t i;

	if (server.conf == NULL ||
	    (h = conf_host_find(server.conf, host)) == NULL)
		return;
	for (i = 0; i < NKINDS; i++) {
		if (!has_any(addresses(h, &kinds[i])))
			continue;
		if (x == NULL && (x = disco_form(a, query, SERVERINFO)) == NULL)
			return;
		if ((f = xml_add(a, x, NS_DATA, "field")) == NULL ||
		    xml_set_attr(a, f, "var", kinds[i].var) == -1 ||
		    xml_set_attr(a, f, "type", "list-multi") == -1 ||
		    add_values(a, f, addresses(h, &kinds[i])) == -1) {
			/* Half a form would misinform: send none. */
			xml_remove(x);
			return;
		}
	}
}

void
contact_module_init(void)
{
	disco_add_form(contact_form);
}
