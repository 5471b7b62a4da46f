/* placeholder */ typedef int lethe_placeholder_xmpp_modules_c;
