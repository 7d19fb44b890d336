# lib.sh: shared by the tests of scripts/install-deps.sh (sourced, not run).

# owner PATH: the Debian package(s) that installed PATH, one a line, without
# the ":arch" suffix; nothing when no package did. Debian 12 is merged-/usr
# while dpkg keeps the paths packages were built with, so /lib/x/y is also
# looked up as /usr/lib/x/y (and the other way round), then as the file a
# symlink points to.
owner() {
    for p in "$1" "$(printf %s "$1" | sed 's,^/usr/,/,')" "/usr$1" "$(readlink -f "$1")"; do
        out=$(dpkg -S "$p" 2>/dev/null) || continue
        printf '%s\n' "$out" | sed 's/: .*//' | tr ',' '\n' | sed 's/^ *//; s/:.*//' | sort -u
        return 0
    done
}

# in_list WORD LIST: whether WORD is one of the blank-separated words of LIST.
in_list() {
    case " $(printf %s "$2" | tr '\n' ' ') " in *" $1 "*) return 0 ;; esac
    return 1
}

fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# check_list MODE ALSO: the packages of `install-deps.sh MODE` against the
# files read from stdin, one "PATH LABEL..." a line (PATH empty: "-"): each
# file must belong to a package of the list or of ALSO (allowed unlisted),
# and each package of the list that is not in ALSO must own one of them.
# Prints a line per file; failures go through fail(). Run it with a
# here-document, not in a pipe, so that `fails` counts.
check_list() {
    mode=$1 also=$2
    list=$(sh scripts/install-deps.sh --list "$mode")
    owned=""
    while read -r path label; do
        if [ "$path" = - ] || [ ! -e "$path" ]; then fail "$label: not found"; continue; fi
        pkgs=$(owner "$path")
        [ -n "$pkgs" ] || { fail "$label ($path): no Debian package owns it"; continue; }
        for pkg in $pkgs; do
            owned="$owned $pkg"
            in_list "$pkg" "$list $also" ||
                fail "$label: its package $pkg is not in the $mode list of scripts/install-deps.sh"
        done
        echo "  $label  $path  $(echo $pkgs)"
    done
    for pkg in $list; do
        in_list "$pkg" "$also $owned" ||
            fail "$pkg is in the $mode list of scripts/install-deps.sh, but owns none of these files"
    done
}
