/* placeholder */ typedef int lethe_placeholder_core_conf_c;
