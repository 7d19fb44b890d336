#!/usr/bin/env bash
# bench/orm/profile.sh: instructions (callgrind, deterministic: not moved
# by a busy machine) of each ORM workload of build/bench_orm at --quick
# sizes, ORM side and raw side, their ratio, and the ORM side's top
# inclusive functions. Only what the clock times is counted: each side's
# timed function (orm_timed, raw_timed; --toggle-collect), not the open
# (schema load, engine, connection) around it.
#
# Usage: bench/orm/profile.sh [--top N] [--keep DIR] [WORKLOAD...]
#   --top N     the ORM side's N top inclusive functions per workload (default 0: none)
#   --keep DIR  keep the callgrind files there (callgrind_annotate them later)
#   WORKLOAD    some of: bulk_inserts single_inserts short_selects large_resultsets
#               bulk_updates rel_lazy rel_joined rel_selectin (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
top=0 keep=""
while [ $# -gt 0 ]; do
    case $1 in
    --top) top=${2:?--top needs a number}; shift 2 ;;
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
command -v valgrind >/dev/null || { echo "profile.sh: valgrind is not installed" >&2; exit 1; }
make -s build/bench_orm
works=${*:-bulk_inserts single_inserts short_selects large_resultsets bulk_updates rel_lazy rel_joined rel_selectin}
dir=${keep:-$(mktemp -d)}
mkdir -p "$dir"
[ -n "$keep" ] || trap 'rm -rf "$dir"' EXIT

# The instructions of one side of workload $1 ($2: orm or raw); its file is $dir/$2.$1.
count() {
    rm -f "$dir/$2.$1".*
    valgrind --tool=callgrind --toggle-collect="$2_timed" --callgrind-out-file="$dir/$2.$1.%p" \
        build/bench_orm --quick --runs 1 --side "$2" --only "$1" >/dev/null 2>"$dir/$2.$1.log" ||
        { echo "profile.sh: $2 $1 failed, see $dir/$2.$1.log" >&2; exit 1; }
    local f # the child's file: the parent's counted nothing and is the smaller
    f=$(ls -S "$dir/$2.$1".[0-9]* | head -1)
    mv "$f" "$dir/$2.$1"
    rm -f "$dir/$2.$1".[0-9]*
    callgrind_annotate "$dir/$2.$1" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

printf "%-17s %14s %14s %8s\n" workload "ORM instr" "raw instr" ORM/raw
for w in $works; do
    o=$(count "$w" orm) r=$(count "$w" raw)
    printf "%-17s %14d %14d %8.2f\n" "$w" "$o" "$r" "$(echo "$o / $r" | bc -l)"
    [ "$top" -gt 0 ] || continue
    callgrind_annotate --inclusive=yes --auto=no "$dir/orm.$w" | sed -n '/file:function/,$p' |
        grep -E '^ *[0-9,]+ \(' | grep -vE 'below main|libc-start|libc_start_call|0x0000|main\.c:main|ld-linux' |
        sed -E 's/ \[[^]]*\]$//; s#'"$PWD"'/##; s#^\./##' |
        awk '{fn = $NF; sub(/.*:/, "", fn)} !seen[fn]++' | head -"$top" | sed 's/^/    /'
done
