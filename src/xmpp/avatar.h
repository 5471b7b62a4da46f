/*
 * avatar: an account's avatar kept equal in PEP (XEP-0084) and its
 * vCard's PHOTO (XEP-0054), as XEP-0398 describes.
 */
#ifndef LETHE_AVATAR_H
#define LETHE_AVATAR_H

void avatar_module_init(void);

#endif
