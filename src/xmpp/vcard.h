/*
 * vcard: vCard-temp (XEP-0054), and the two calls through which the
 * avatar module keeps the vCard's photo in step with the account's
 * published avatar (avatar.h).
 */
#ifndef LETHE_VCARD_H
#define LETHE_VCARD_H

struct xml_node;

/* Called after an account's own vCard set was stored: v is the vCard
 * (valid for the call only; without children when it was removed). */
typedef void (*vcard_set_fn)(
    const char *host, const char *user, const struct xml_node *v);
/* Registers fn; at start-up. */
void vcard_on_set(vcard_set_fn fn);

/*
 * Replaces the PHOTO of the vCard of local account user@host by one of
 * MIME type `type` with base64 content b64 (both copied), or removes it
 * if type is NULL, keeping every other property. Calls no hook; a vCard
 * that would exceed [limits] vcard_bytes is left as it was. 0, or -1
 * (out of memory).
 */
int vcard_set_photo(
    const char *host, const char *user, const char *type, const char *b64);

#endif
