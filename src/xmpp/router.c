/* placeholder */ typedef int lethe_placeholder_xmpp_router_c;
