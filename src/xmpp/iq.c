/* placeholder */ typedef int lethe_placeholder_xmpp_iq_c;
