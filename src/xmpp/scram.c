/* placeholder */ typedef int lethe_placeholder_xmpp_scram_c;
