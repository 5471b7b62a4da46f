/* placeholder */ typedef int lethe_placeholder_core_log_c;
