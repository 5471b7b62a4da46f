/* placeholder */ typedef int lethe_placeholder_xml_serialize_c;
