/* placeholder */ typedef int lethe_placeholder_net_listen_c;
