/* placeholder */ typedef int lethe_placeholder_xmpp_sasl_c;
