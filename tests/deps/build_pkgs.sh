#!/bin/sh
# build_pkgs.sh: the build list of scripts/install-deps.sh (what the
# container's build stage installs) against the Makefile's pkg-config
# modules: the .pc file of every module belongs to a package (dpkg -S) of
# the build list, and every package of the list besides the tools (TOOLS)
# owns one of them (no extra).
#   sh tests/deps/build_pkgs.sh MODULE...   (make test-deps passes $(PKGS))
set -eu
cd "$(dirname "$0")/../.."
. tests/deps/lib.sh
# the compiler, make, binutils, libc6-dev; and pkg-config itself
TOOLS="build-essential pkg-config"

[ $# -gt 0 ] || { echo "usage: build_pkgs.sh MODULE... (the Makefile's PKGS)" >&2; exit 2; }
build=$(sh scripts/install-deps.sh --list build)
for tool in $TOOLS; do
    in_list "$tool" "$build" || fail "$tool is not in the build list of scripts/install-deps.sh"
done
owners=""
for mod in "$@"; do
    pc=$(pkg-config --path "$mod" 2>/dev/null) || { fail "pkg-config finds no module $mod"; continue; }
    pkgs=$(owner "$pc")
    [ -n "$pkgs" ] || { fail "$mod ($pc): no Debian package owns it"; continue; }
    for pkg in $pkgs; do
        owners="$owners $pkg"
        in_list "$pkg" "$build" ||
            fail "the build uses pkg-config module $mod, but its package $pkg is not in the build list of scripts/install-deps.sh"
    done
    echo "  $mod  $pc  $(echo $pkgs)"
done
for pkg in $build; do
    in_list "$pkg" "$TOOLS $owners" || fail "$pkg is in the build list of scripts/install-deps.sh, but no pkg-config module of the build is in it"
done
[ "$fails" = 0 ] || exit 1
echo "build_pkgs: the build list ($(echo $build)) is exactly the tools and the packages of the modules $*"
