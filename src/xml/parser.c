/* placeholder */ typedef int lethe_placeholder_xml_parser_c;
