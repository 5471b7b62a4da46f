/* placeholder */ typedef int lethe_placeholder_xmpp_jid_c;
