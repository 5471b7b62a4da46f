/* placeholder */ typedef int lethe_placeholder_store_registry_c;
