#!/bin/sh
# build_pkgs.sh: the build list of scripts/install-deps.sh (what the
# container's build stage installs) against the Makefile's pkg-config
# modules: the .pc file of every module belongs to a package (dpkg -S) of
# the build list, every package of the list besides the tools (TOOLS)
# owns one of them (no extra), and the tools are on the list.
#   sh tests/deps/build_pkgs.sh MODULE...   (make test-deps passes $(PKGS))
set -eu
cd "$(dirname "$0")/../.."
. tests/deps/lib.sh
# the compiler, make, binutils, libc6-dev; and pkg-config itself
TOOLS="build-essential pkg-config"

[ $# -gt 0 ] || { echo "usage: build_pkgs.sh MODULE... (the Makefile's PKGS)" >&2; exit 2; }
for tool in $TOOLS; do
    in_list "$tool" "$(sh scripts/install-deps.sh --list build)" ||
        fail "$tool is not in the build list of scripts/install-deps.sh"
done
files=$(for mod in "$@"; do
    echo "$(pkg-config --path "$mod" 2>/dev/null || echo -) pkg-config module $mod"
done)
check_list build "$TOOLS" <<EOF
$files
EOF
[ "$fails" = 0 ] || exit 1
echo "build_pkgs: the build list is exactly $TOOLS and the packages of the modules $*"
