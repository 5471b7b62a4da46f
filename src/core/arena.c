/* placeholder */ typedef int lethe_placeholder_core_arena_c;
