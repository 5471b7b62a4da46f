/* placeholder */ typedef int lethe_placeholder_store_store_c;
