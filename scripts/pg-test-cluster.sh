#!/bin/sh
# A throwaway PostgreSQL 15 cluster for the tests: initdb into a temporary
# directory, its own free port on 127.0.0.1 and its own socket directory
# inside that directory, trust authentication from 127.0.0.1 only, fsync off.
# Run as the postgres user when called as root (initdb refuses root).
#
#   pg-test-cluster.sh start [DIR]   initdb into DIR (new, empty or absent;
#                                    default: a new mktemp directory) and
#                                    start; prints two shell assignments:
#                                      RT_PG_DIR='DIR'
#                                      RT_PG_URL='postgresql://postgres@127.0.0.1:PORT/postgres'
#                                    (eval them). Fails with the reason (and
#                                    the server log) when it cannot start,
#                                    leaving nothing behind.
#   pg-test-cluster.sh stop DIR      pg_ctl stop -m immediate, then rm -rf DIR
#                                    (also after a start that failed half-way)
#
# A crash of the server, for the tests that need one (RT_PG_DIR names the
# cluster; scripts/with-postgres.sh exports it). Each waits until done:
#   pg-test-cluster.sh restart DIR   pg_ctl restart -m immediate: the server
#                                    dies at once, recovers and answers
#                                    again on the same port
#   pg-test-cluster.sh down DIR      pg_ctl stop -m immediate, the cluster kept
#   pg-test-cluster.sh up DIR        pg_ctl start again after down, same port
#
# Binaries: PG_BIN, default /usr/lib/postgresql/15/bin (Debian's
# postgresql-15, installed by scripts/install-deps.sh).
set -eu

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() {
    echo "pg-test-cluster: $*" >&2
    exit 1
}

# Run a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port in 20000..59999 (random: /dev/urandom, no bash needed).
random_port() {
    n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((20000 + n % 40000))
}

stop() {
    dir=$1
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        if ! as_owner "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w -t 20 >/dev/null 2>&1; then
            # pg_ctl could not stop it: end the postmaster by its own id
            pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
            case $pid in '' | *[!0-9]*) ;; *) kill -9 "$pid" 2>/dev/null || true ;; esac
        fi
    fi
    rm -rf "$dir"
}

start() {
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] ||
        die "PostgreSQL 15 is not installed: $PG_BIN/initdb is missing (scripts/install-deps.sh installs postgresql-15)"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root, but there is no postgres user to run the cluster as"
    fi
    dir=${1:-}
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/restmap-pg-XXXXXX") || die "mktemp failed"
    fi
    mkdir -p "$dir" || die "cannot create $dir"
    # from here on a failure removes what was made
    trap 'stop "$dir"' EXIT
    trap 'exit 1' HUP INT TERM
    mkdir -p "$dir/sock"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi
    chmod 700 "$dir"
    # C collation: text sorts by bytes, as SQLite's BINARY does
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
        --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
        die "initdb failed: $(cat "$dir/initdb.log")"
    # trust on 127.0.0.1 only: no other host, no unix socket logins
    printf 'host all all 127.0.0.1/32 trust\n' >"$dir/data/pg_hba.conf"
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF
    # a port taken between the pick and the bind: pick another
    tries=0
    while :; do
        port=$(random_port)
        tries=$((tries + 1))
        if as_owner "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port" >/dev/null 2>&1; then
            break
        fi
        if [ "$tries" -lt 5 ] && grep -q "could not bind\|already in use" "$dir/server.log" 2>/dev/null; then
            continue
        fi
        die "postgres did not start (port $port): $(tail -n 20 "$dir/server.log" 2>/dev/null)"
    done
    echo "$port" >"$dir/port" # for up
    trap - EXIT HUP INT TERM
    echo "RT_PG_DIR='$dir'"
    echo "RT_PG_URL='postgresql://postgres@127.0.0.1:$port/postgres'"
}

# pg_ctl ACTION on the cluster in DIR, its server's output to the log;
# fails with the log's end when pg_ctl does.
control() {
    action=$1 dir=$2
    shift 2
    [ -f "$dir/data/PG_VERSION" ] || die "$dir: no cluster there"
    if ! as_owner "$PG_BIN/pg_ctl" "$action" -D "$dir/data" -l "$dir/server.log" -w -t 60 "$@" >/dev/null 2>&1; then
        die "pg_ctl $action $*: failed: $(tail -n 20 "$dir/server.log" 2>/dev/null)"
    fi
}

usage="usage: pg-test-cluster.sh start [DIR] | stop DIR | restart DIR | down DIR | up DIR"
case ${1:-} in
start) start "${2:-}" ;;
stop | restart | down | up)
    [ -n "${2:-}" ] || die "$usage"
    case $1 in
    stop) stop "$2" ;;
    restart) control restart "$2" -m immediate ;;
    down) control stop "$2" -m immediate ;;
    up) control start "$2" -o "-p $(cat "$2/port")" ;;
    esac
    ;;
*) die "$usage" ;;
esac
