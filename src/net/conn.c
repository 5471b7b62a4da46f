/* placeholder */ typedef int lethe_placeholder_net_conn_c;
