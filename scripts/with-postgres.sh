#!/bin/sh
# with-postgres.sh CMD [ARG...]: run CMD with a throwaway PostgreSQL 15
# cluster (scripts/pg-test-cluster.sh) whose URL is in RT_PG_URL and whose
# directory is in RT_PG_DIR (for `pg-test-cluster.sh restart|down|up`), and stop
# and remove the cluster afterwards on every way out: CMD passing, failing,
# or this script being interrupted. Exits with CMD's status; when the
# cluster cannot start, exits 1 with the reason and never runs CMD.
set -eu

[ $# -gt 0 ] || { echo "usage: with-postgres.sh CMD [ARG...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
cluster="$here/pg-test-cluster.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/restmap-pg-XXXXXX") || { echo "with-postgres: mktemp failed" >&2; exit 1; }
cleanup() {
    s0=$(date +%s%N)
    sh "$cluster" stop "$dir"
    echo "with-postgres: PostgreSQL stopped and removed in $((($(date +%s%N) - s0) / 1000000)) ms" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

t0=$(date +%s%N)
if ! vars=$(sh "$cluster" start "$dir"); then
    echo "with-postgres: PostgreSQL could not start, so nothing was run (see above)" >&2
    exit 1
fi
eval "$vars"
t1=$(date +%s%N)
export RT_PG_URL RT_PG_DIR
echo "with-postgres: PostgreSQL 15 at $RT_PG_URL (started in $(((t1 - t0) / 1000000)) ms)" >&2

# CMD in the background, so that a signal to this script is handled at
# once: passed on to CMD, then the cluster goes (trap on EXIT)
"$@" 0<&0 &
child=$!
on_signal() {
    kill -"$1" "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
    exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP
status=0
wait "$child" || status=$?
exit "$status"
