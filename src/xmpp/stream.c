/* placeholder */ typedef int lethe_placeholder_xmpp_stream_c;
