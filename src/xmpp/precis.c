/* placeholder */ typedef int lethe_placeholder_xmpp_precis_c;
