/* placeholder */ typedef int lethe_placeholder_xml_node_c;
