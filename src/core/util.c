/* placeholder */ typedef int lethe_placeholder_core_util_c;
