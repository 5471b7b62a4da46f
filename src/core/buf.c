/* placeholder */ typedef int lethe_placeholder_core_buf_c;
