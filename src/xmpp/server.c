/*
 * server: the process-wide context.
 */
#include "xmpp/server.h"

#include "core/conf.h"

struct server server;

int
server_is_local(const char *domain)
{
	return server.conf != NULL &&
	    conf_host_find(server.conf, domain) != NULL;
}
