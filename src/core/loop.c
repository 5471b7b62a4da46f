/* placeholder */ typedef int lethe_placeholder_core_loop_c;
