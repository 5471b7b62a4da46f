/*
 * conf-reference: writes the configuration reference generated from the
 * schema in src/core/conf.c to standard output. tools/gen-conf-reference.sh
 * runs it to refresh docs/configuration.md.
 */
#include <stdio.h>

#include "core/buf.h"
#include "core/conf.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	if (conf_reference(&b) == -1 ||
	    fwrite(buf_ptr(&b), 1, buf_size(&b), stdout) != buf_size(&b) ||
	    fflush(stdout) == EOF) {
		fputs("conf-reference: cannot write the reference\n", stderr);
		rc = 1;
	}
	buf_free(&b);
	return rc;
}
