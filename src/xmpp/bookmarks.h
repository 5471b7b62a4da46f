/*
 * bookmarks: group chat bookmarks kept equal in PEP (XEP-0402), private
 * XML and PEP in the older form (XEP-0048), as XEP-0411 describes.
 */
#ifndef LETHE_BOOKMARKS_H
#define LETHE_BOOKMARKS_H

void bookmarks_module_init(void);

#endif
