/* placeholder */ typedef int lethe_placeholder_xmpp_ping_c;
