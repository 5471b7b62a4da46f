/*
 * precis: the PRECIS framework (RFC 8264) profiles XMPP needs (RFC 8265):
 * UsernameCaseMapped for localparts, OpaqueString for resourceparts and
 * passwords. Built on utf8proc. Input is (pointer, length) UTF-8; output
 * is a malloc'd NUL-terminated string the caller frees.
 */
#ifndef LETHE_PRECIS_H
#define LETHE_PRECIS_H

#include <stddef.h>

/* Longest input precis_enforce() accepts, in bytes. */
#define PRECIS_INPUT_MAX 65536

enum precis_profile {
	PRECIS_USERNAME_CASEMAPPED,
	PRECIS_USERNAME_CASEPRESERVED,
	PRECIS_OPAQUE_STRING,
};

/*
 * Enforces profile on in[0..n). On success stores a malloc'd normalized
 * string in *out (length in *outlen if non-NULL) and returns 0; returns -1
 * for a disallowed code point, invalid UTF-8, an empty result, an input
 * longer than PRECIS_INPUT_MAX or OOM (*out is then NULL).
 */
int precis_enforce(enum precis_profile profile, const char *in, size_t n,
    char **out, size_t *outlen);

#endif
