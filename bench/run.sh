#!/usr/bin/env bash
# bench/run.sh: throughput and latency of typical requests against a
# restmap built with -O2, with wrk on loopback. Loads 1000 users with 2
# addresses each through one bulk POST, then measures: one object, a page
# of 20, a page with an embedded collection (selectin), a filtered page,
# and single creates. Prints one line per case.
#
# Usage: bench/run.sh [--db URL | --compare URL] [seconds per case (default 5)]
#                     [connections (default 8)]
#   (no option)     a temporary SQLite file, then the hand-written baseline
#   --db URL        that database instead: sqlite:///... or a PostgreSQL URL
#                   (postgresql://user:pass@host:port/db, postgres://...; PG*
#                   variables such as PGPASSWORD apply as for psql). On
#                   PostgreSQL a fresh database restmap_bench_<pid> is created
#                   on that server and dropped at the end; without the
#                   CREATEDB privilege the given database is used if it has
#                   no tables (and keeps the bench's tables afterwards).
#   --compare URL   both in one run, SQLite first, then PostgreSQL at URL,
#                   and a closing table: req/s of each case side by side.
set -euo pipefail
cd "$(dirname "$0")/.."

db="" compare=""
args=()
while [ $# -gt 0 ]; do
    case $1 in
    --db) db=${2:?--db needs a URL}; shift 2 ;;
    --db=*) db=${1#--db=}; shift ;;
    --compare) compare=${2:?--compare needs a PostgreSQL URL}; shift 2 ;;
    --compare=*) compare=${1#--compare=}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
    esac
done
secs=${args[0]:-5}
conns=${args[1]:-8}
[ -n "$db" ] && [ -n "$compare" ] && { echo "bench: --db and --compare do not go together" >&2; exit 2; }

is_pg() { case $1 in postgresql://* | postgres://*) return 0 ;; *) return 1 ;; esac; }
if [ -n "$compare" ] && ! is_pg "$compare"; then
    echo "bench: --compare takes a PostgreSQL URL (postgresql://...), got '$compare'" >&2
    exit 2
fi
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
if is_pg "$db$compare"; then
    command -v psql >/dev/null || { echo "bench: psql is not installed (apt-get install postgresql-client)" >&2; exit 1; }
fi
make -s all
dir=$(mktemp -d)
pid="" bpid="" pg_admin="" pg_fresh="" pg_url=""

cleanup() {
    stop_server
    [ -n "$bpid" ] && { kill "$bpid" 2>/dev/null; wait "$bpid" 2>/dev/null; }
    drop_pg
    rm -rf "$dir"
}
trap cleanup EXIT

# ---- PostgreSQL: a fresh database for the run -------------------------------

# The URL with its database name replaced (user, password, host, port and
# ?parameters kept).
with_dbname() {
    python3 - "$1" "$2" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
PY
}

# Sets pg_url, the URL restmap is to use: a new database on the server of
# $1 (dropped by drop_pg), or $1 itself when it may not create one but $1
# has no tables yet.
pg_prepare() {
    local url=$1 name=restmap_bench_$$ err
    if err=$(psql "$url" -v ON_ERROR_STOP=1 -qAtX -c "CREATE DATABASE $name" 2>&1); then
        pg_admin=$url pg_fresh=$name
        pg_url=$(with_dbname "$url" "$name")
        return
    fi
    local tables
    tables=$(psql "$url" -v ON_ERROR_STOP=1 -qAtX -c \
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()" 2>&1) || {
        echo "bench: cannot reach $url: $tables" >&2; return 1; }
    if [ "$tables" != 0 ]; then
        echo "bench: could not create a database ($err), and $url already has $tables tables:" \
             "give an empty database or a role with CREATEDB" >&2
        return 1
    fi
    echo "bench: using the empty database of $url (CREATE DATABASE refused: $err)" >&2
    pg_url=$url
}

drop_pg() {
    [ -n "$pg_fresh" ] || return 0
    psql "$pg_admin" -qAtX -c "DROP DATABASE IF EXISTS $pg_fresh" >/dev/null 2>&1 \
        || echo "bench: could not drop database $pg_fresh" >&2
    pg_fresh=""
}

# ---- one restmap under load ---------------------------------------------------

start_server() { # database URL
    : > "$dir/log"
    ./build/restmap --schema schemas/blog.json --db "$1" --create-all \
        --port 0 --threads 4 --access-log=no --max-body 16777216 2> "$dir/log" &
    pid=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$dir/log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    base=$(grep -o 'http://[^ ]*' "$dir/log" | head -1 || true)
    [ -n "$base" ] || { echo "bench: restmap did not start:" >&2; cat "$dir/log" >&2; return 1; }
}

stop_server() {
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
}

load_rows() {
    python3 - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
users = [{"name": f"user{i}", "fullname": f"User {i}", "password": "x",
          "addresses": [{"email_address": f"u{i}a@example.com"}, {"email_address": f"u{i}b@example.com"}]}
         for i in range(1000)]
req = urllib.request.Request(base + "/api/users", data=json.dumps(users).encode(),
                             headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(req).read()
PY
}

cat > "$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/keywords", nil, '{"keyword": "k' .. math.random(1, 1e9) .. '-' .. counter .. '"}')
end
LUA

# req/s of each case, in order, for the closing comparison
declare -a names=() rps_of=()

run() { # name, path, [script]
    local out
    out=$(wrk -t$((conns < 2 ? conns : 2)) -c"$conns" -d"${secs}s" --latency ${3:+-s "$3"} "$base$2" 2>&1)
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local st
    st=$(curl -s -o /dev/null -D - "$base$2" | grep -i '^server-timing' | tr -d '\r' | sed 's/.*desc="\([^"]*\)".*/\1/' || true)
    [ -n "${3:-}" ] && st="1 INSERT"
    printf "%-38s %10s req/s   p50 %-8s p99 %-8s %s\n" "$1" "$rps" "$p50" "$p99" "$st"
    names+=("$1")
    rps_of+=("${rps:-0}")
}

run_cases() {
    run "GET one user (+selectin addresses)" "/api/users/500"
    run "GET one keyword (no relationships)" "/api/keywords/1" 
    run "GET page of 20 users (+addresses)" "/api/users?limit=20&offset=400"
    run "GET page of 20 users, fields only" "/api/users?limit=20&offset=400&include="
    run "GET filtered page" "/api/users?filter=%7B%22addresses%22%3A%7B%22any%22%3A%7B%22email_address%22%3A%7B%22like%22%3A%22u1%25%22%7D%7D%7D%7D&limit=20"
    run "GET page of 100, joined user" "/api/addresses?limit=100&include=user"
    run "POST one keyword" "/api/keywords" "$dir/post.lua"
}

# the hand-written baseline: raw libmicrohttpd + sqlite3, the same GET
run_baseline() { # SQLite file
    # shellcheck disable=SC2046 # pkg-config prints several words on purpose
    cc -std=c11 -O2 -D_DEFAULT_SOURCE -o "$dir/baseline" bench/baseline.c $(pkg-config --cflags --libs libmicrohttpd sqlite3)
    "$dir/baseline" "$1" 18777 &
    bpid=$!
    sleep 0.3
    local base_saved=$base
    base=http://127.0.0.1:18777
    run "baseline: GET one keyword (raw MHD)" "/api/keywords/1"
    kill $bpid 2>/dev/null || true
    wait $bpid 2>/dev/null || true
    bpid=""
    base=$base_saved
}

bench_one() { # label, database URL
    local url=$2
    if is_pg "$url"; then
        pg_prepare "$url" || exit 1
        url=$pg_url
    fi
    start_server "$url" || exit 1
    load_rows
    echo "restmap bench${1:+ on $1}: ${secs}s per case, $conns connections, 4 server threads, $(nproc) cores"
    run_cases
    stop_server
    drop_pg
}

if [ -n "$compare" ]; then
    bench_one SQLite "sqlite:///$dir/bench.db"
    n_sqlite=${#rps_of[@]}
    echo
    bench_one PostgreSQL "$compare"
    echo
    printf "%-38s %12s %12s %8s\n" "req/s" "SQLite" "PostgreSQL" "PG/SQLite"
    for ((i = 0; i < n_sqlite; i++)); do
        awk -v n="${names[i]}" -v s="${rps_of[i]}" -v p="${rps_of[i + n_sqlite]}" \
            'BEGIN { printf "%-38s %12.0f %12.0f %8.2f\n", n, s, p, (s > 0 ? p / s : 0) }'
    done
elif [ -n "$db" ]; then
    label=SQLite
    is_pg "$db" && label=PostgreSQL
    bench_one "$label" "$db"
else
    # as before: a temporary SQLite file, then the baseline on the same file
    start_server "sqlite:///$dir/bench.db"
    load_rows
    echo "restmap bench: ${secs}s per case, $conns connections, 4 server threads, $(nproc) cores"
    run_cases
    run_baseline "$dir/bench.db"
fi
