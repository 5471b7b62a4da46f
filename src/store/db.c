/* placeholder */ typedef int lethe_placeholder_store_db_c;
