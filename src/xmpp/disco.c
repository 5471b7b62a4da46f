/* placeholder */ typedef int lethe_placeholder_xmpp_disco_c;
