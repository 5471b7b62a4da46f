#!/bin/sh
# Regenerates docs/configuration.md from the schema in src/core/conf.c.
#
# Usage: tools/gen-conf-reference.sh [BUILDDIR]   (default: build)
#
# Uses BUILDDIR/conf-reference when the build has it; otherwise compiles
# tools/conf-reference.c against BUILDDIR/src/liblethe.a (run ninja first).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in
/*) ;;
*) build=$top/$build ;;
esac

bin=$build/conf-reference
if [ ! -x "$bin" ]; then
	lib=$build/src/liblethe.a
	if [ ! -f "$lib" ]; then
		echo "gen-conf-reference: no $lib; build first" >&2
		exit 1
	fi
	bin=$build/conf-reference-tool
	${CC:-cc} -std=gnu11 -D_GNU_SOURCE -I"$top/src" \
	    -o "$bin" "$top/tools/conf-reference.c" "$lib" \
	    $(pkg-config --libs openssl expat libidn2 libutf8proc sqlite3 \
		libsodium inih) -lpthread
fi

out=$top/docs/configuration.md
"$bin" >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
