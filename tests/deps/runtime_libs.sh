#!/bin/sh
# runtime_libs.sh: the runtime list of scripts/install-deps.sh (what the
# container's runtime stage installs) against what the binary links:
#  - every shared library the binary names (readelf NEEDED), found where
#    ldd finds it, belongs to a package (dpkg -S) of the runtime list or of
#    BASE, the part of debian:12-slim's base system it may link unlisted;
#  - every package of the runtime list owns one of them (no extra).
# So adding a -l (or a pkg-config module) to the Makefile without its
# package in the runtime list fails here, and so does a stale entry.
#   sh tests/deps/runtime_libs.sh [BIN]   (default build/restmap; the plain
#   build: an ASan binary links libasan too)
set -eu
cd "$(dirname "$0")/../.."
. tests/deps/lib.sh
bin=${1:-build/restmap}
# glibc (libc.so.6, libm.so.6, the loader) is in every Debian image
BASE="libc6"

[ -x "$bin" ] || { echo "runtime_libs: no binary at $bin (make all)" >&2; exit 1; }
command -v readelf >/dev/null || { echo "runtime_libs: readelf (binutils) is missing" >&2; exit 1; }
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
[ -n "$needed" ] || { echo "runtime_libs: $bin names no shared library" >&2; exit 1; }
libs=$(ldd "$bin")
files=$(for so in $needed; do
    path=$(printf '%s\n' "$libs" | awk -v so="$so" '$1 == so && $2 == "=>" { print $3; exit }')
    echo "${path:--} $so (linked by $bin)"
done)
check_list runtime "$BASE" <<EOF
$files
EOF
[ "$fails" = 0 ] || exit 1
echo "runtime_libs: every library $bin links comes from the runtime list or $BASE, and every runtime package is linked"
