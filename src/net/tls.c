/* placeholder */ typedef int lethe_placeholder_net_tls_c;
