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
