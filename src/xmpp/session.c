/* placeholder */ typedef int lethe_placeholder_xmpp_session_c;
