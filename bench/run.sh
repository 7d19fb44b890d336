#!/usr/bin/env bash
# bench/run.sh: `make bench` (issue 15). restmap against hand-written
# servers (bench/hand_sqlite.c, bench/hand_pg.c) that answer the same
# requests with the same JSON bytes, on bench/schema.json with 1,000 users x
# 2 addresses, on SQLite and on a throwaway PostgreSQL 15 cluster
# (scripts/pg-test-cluster.sh); then the ORM workloads (build/bench_orm,
# when built). Prints one table and writes the generated part of
# docs/performance.md (bench/report.py), keeping its hand-written notes.
#
# Before measuring, every case is sent once to each server, on two copies
# of the same database, and the bodies are compared byte for byte: the
# bench fails loudly if they differ.
#
# For each backend, each number of connections and each case, BENCH_ROUNDS
# rounds alternate restmap and the hand-written server, each started fresh
# on a fresh copy of the database (peak RSS is the run's VmHWM), under wrk
# for BENCH_SECS seconds; the tables show medians. Server CPU per request:
# utime+stime of the server (/proc/PID/stat) over the requests wrk counted.
#
# wrk keeps every connection busy, so at saturation each request waits for
# the others: mean latency = connections / throughput (Little's law), 256 /
# 5,000 req/s = 51 ms. The p99 target at 256 connections is therefore judged
# on paced runs: after a case's saturated runs at 256 connections, each
# server gets the same offered load, half of the hand-written server's
# median req/s there, from 256 connections that each wait a random 0..2x
# the mean gap between requests (wrk's delay(), so that they do not send in
# step); a server slower than that load queues, and its p99 shows it.
#
# Bulk POST: restmap's one request of 10,000 users x 2 addresses alternates
# with the hand-written server's (the same request over HTTP) and with the
# raw driver's limit (hand_sqlite|hand_pg --raw-bulk: the same rows through
# prepared INSERTs in one transaction, no HTTP, bench/hand_bulk.c).
#
# Settings (environment, or make variables of the same names):
#   BENCH_SECS=10          seconds of wrk per run
#   BENCH_CONNS="8 64 256" connection counts
#   BENCH_ROUNDS=3         alternating rounds per case
#   BENCH_SOAK=600         seconds of the RSS soak (restmap, SQLite, 64 connections)
#   BENCH_BACKENDS="sqlite postgresql"
#   BENCH_DEEP_ROWS=1000000 rows of the keyset paging table
#   BENCH_THREADS=4        server threads, both servers
#   BENCH_RESTMAP_ARGS=""  more restmap options (its access log is on, as by default,
#                          into a file)
#   BENCH_ORM_ARGS=""      options of build/bench_orm (e.g. --quick)
#   BENCH_OUT=docs/performance.md
#   BENCH_BUILD=build      where restmap and the hand-written servers are built
# Quick: BENCH_SECS=1 BENCH_SOAK=5 BENCH_CONNS=8 BENCH_ROUNDS=1 BENCH_BACKENDS=sqlite BENCH_ORM_ARGS=--quick bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${BENCH_SECS:-10}
conns_list=${BENCH_CONNS:-8 64 256}
rounds=${BENCH_ROUNDS:-3}
soak=${BENCH_SOAK:-600}
backends=${BENCH_BACKENDS:-sqlite postgresql}
deep_rows=${BENCH_DEEP_ROWS:-1000000}
threads=${BENCH_THREADS:-4}
out=${BENCH_OUT:-docs/performance.md}
restmap_args=${BENCH_RESTMAP_ARGS:-}
orm_args=${BENCH_ORM_ARGS:-}

for tool in wrk python3 curl sqlite3; do
    command -v $tool >/dev/null || { echo "bench: $tool is not installed (make bench-deps)" >&2; exit 1; }
done
bld=${BENCH_BUILD:-build}
for bin in "$bld/restmap" "$bld/bench/hand_sqlite" "$bld/bench/hand_pg"; do
    [ -x "$bin" ] || { echo "bench: $bin is not built (make bench builds it)" >&2; exit 1; }
done

# the commit measured (the report is written at the end of a long run)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo "?")
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit (with uncommitted changes)"
dir=$(mktemp -d "${TMPDIR:-/tmp}/restmap-bench-XXXXXX")
chmod 755 "$dir"
results=$dir/results.tsv # backend conns case server round rps p50 p99 cpu_us rss_kib non2xx
paced=$dir/paced.tsv     # backend case server round offered_rps rps p50 p99 non2xx
extras=$dir/extras.tsv   # key value: bulk, soak, keyset and check figures
: >"$results"
: >"$paced"
: >"$extras"
spid="" pg_dir="" pg_url=""

cleanup() {
    stop_server
    [ -n "$pg_dir" ] && sh scripts/pg-test-cluster.sh stop "$pg_dir"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "bench: $*" >&2; }
extra() { printf '%s\t%s\n' "$1" "$2" >>"$extras"; }

# ---- servers ----------------------------------------------------------------------

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server restmap|hand BACKEND DB_URL: sets spid and base
start_server() {
    local kind=$1 backend=$2 url=$3
    : >"$dir/server.log"
    if [ "$kind" = restmap ]; then
        # shellcheck disable=SC2086 # options, split on purpose
        "$bld/restmap" --schema bench/schema.json --db "$url" --port 0 --threads "$threads" \
            --max-body 67108864 --max-connections-per-ip 0 --static "" $restmap_args 2>"$dir/server.log" &
        spid=$!
    else
        local port
        port=$(free_port)
        "$bld/bench/hand_$([ "$backend" = sqlite ] && echo sqlite || echo pg)" "$url" "$port" "$threads" \
            bench/schema.json 2>"$dir/server.log" &
        spid=$!
    fi
    for _ in $(seq 200); do
        grep -q "listening on" "$dir/server.log" && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.05
    done
    base=$(grep -o 'http://[0-9.:]*' "$dir/server.log" | head -1 || true)
    [ -n "$base" ] || { log "$kind did not start:"; cat "$dir/server.log" >&2; exit 1; }
}

stop_server() {
    [ -n "$spid" ] || return 0
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    spid=""
}

cpu_ticks() { sed 's/.*) //' "/proc/$spid/stat" | awk '{print $12 + $13}'; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$spid/status"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$spid/status"; }
hz=$(getconf CLK_TCK)

# ---- databases --------------------------------------------------------------------

# The URL of database $1 on the throwaway PostgreSQL cluster.
db_url() {
    python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
        "$pg_url" "$1"
}

# A database URL for a new, empty database named $2 of backend $1.
new_db() {
    if [ "$1" = sqlite ]; then
        echo "sqlite:///$dir/$2.db"
    else
        psql "$pg_url" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $2" >/dev/null
        db_url "$2"
    fi
}

# A copy of database $2 (named $2) as $3: its URL. The servers are stopped.
copy_db() {
    if [ "$1" = sqlite ]; then
        sqlite3 "$dir/$2.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
        cp "$dir/$2.db" "$dir/$3.db"
        echo "sqlite:///$dir/$3.db"
    else
        psql "$pg_url" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $3 TEMPLATE $2" >/dev/null
        db_url "$3"
    fi
}

# Drops database $2 (a copy) of backend $1.
drop_db() {
    if [ "$1" = sqlite ]; then
        rm -f "$dir/$2.db" "$dir/$2.db-wal" "$dir/$2.db-shm"
    else
        psql "$pg_url" -qAtX -v ON_ERROR_STOP=1 -c "DROP DATABASE $2" >/dev/null
    fi
}

# POSTs $2 users with 2 addresses each to $1/api/users in one request;
# prints the seconds it took.
post_users() {
    python3 - "$1" "$2" "${3:-user}" <<'PY'
import json, sys, time, urllib.request
base, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
users = [{"name": f"{tag}{i}", "fullname": f"User {i}",
          "addresses": [{"email_address": f"u{i}a@example.com"}, {"email_address": f"u{i}b@example.com"}]}
         for i in range(n)]
body = json.dumps(users).encode()
req = urllib.request.Request(base + "/api/users", data=body, headers={"Content-Type": "application/json"}, method="POST")
t0 = time.monotonic()
with urllib.request.urlopen(req) as r:
    r.read()
    assert r.status == 201, r.status
print(f"{time.monotonic() - t0:.6f}")
PY
}

# A database named $2 with the bench's tables and 1,000 users x 2 addresses,
# created through restmap (--create-all, one bulk POST).
load_db() {
    local url
    url=$(new_db "$1" "$2")
    "$bld/restmap" --schema bench/schema.json --db "$url" --create-all --port 0 --access-log=no \
        --max-body 67108864 --static "" 2>"$dir/server.log" &
    spid=$!
    for _ in $(seq 200); do grep -q "listening on" "$dir/server.log" && break; sleep 0.05; done
    base=$(grep -o 'http://[0-9.:]*' "$dir/server.log" | head -1 || true)
    [ -n "$base" ] || { log "restmap did not start:"; cat "$dir/server.log" >&2; exit 1; }
    post_users "$base" 1000 >/dev/null
    stop_server
    echo "$url"
}

# ---- the cases --------------------------------------------------------------------

filter='%7B%22addresses%22%3A%7B%22any%22%3A%7B%22email_address%22%3A%7B%22like%22%3A%22u1%25%22%7D%7D%7D%7D'
cases="get_id page_include filtered post_nested patch"
declare -A path=(
    [get_id]="/api/users/500"
    [page_include]="/api/users?limit=20&offset=400"
    [filtered]="/api/users?limit=20&filter=$filter"
    [post_nested]="/api/users"
    [patch]="/api/users/7"
)
cat >"$dir/post_nested.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench","fullname":"Bench User","addresses":[{"email_address":"a@bench.example"},{"email_address":"b@bench.example"}]}'
LUA
# each PATCH changes the column (an unchanged value writes nothing), of a
# user picked at random (concurrent writes to one row would wait on its lock)
cat >"$dir/patch.lua" <<'LUA'
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/users/" .. math.random(1, 1000), nil,
                    '{"fullname":"p' .. n .. '-' .. math.random(1, 1000000000) .. '"}')
end
LUA

# curl arguments of case $1's request, for the byte comparison
case_curl() {
    case $1 in
    post_nested) echo "-X POST -H Content-Type:application/json --data-binary @$dir/post_nested.json" ;;
    patch) echo "-X PATCH -H Content-Type:application/json --data-binary @$dir/patch.json" ;;
    bulk) echo "-X POST -H Content-Type:application/json --data-binary @$dir/bulk.json" ;;
    *) echo "" ;;
    esac
}
sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$dir/post_nested.lua" >"$dir/post_nested.json"
echo '{"fullname":"Patched \"once\""}' >"$dir/patch.json"
python3 -c 'import json; print(json.dumps([{"name": f"b{i}", "fullname": None if i == 1 else f"B {i}", "addresses": [{"email_address": f"b{i}@x"}] * (i % 3)} for i in range(5)]))' >"$dir/bulk.json"

# ---- the byte-for-byte check --------------------------------------------------------

# Sends every case once to restmap on one copy of database $2 and to the
# hand-written server on another; fails the bench when a status or a body
# differs. Records restmap's statements per request (Server-Timing).
check_bytes() {
    local backend=$1 db=$2 k
    local a b
    a=$(copy_db "$backend" "$db" "${db}_ca")
    b=$(copy_db "$backend" "$db" "${db}_cb")
    local -A got=()
    for kind in restmap hand; do
        start_server "$kind" "$backend" "$([ $kind = restmap ] && echo "$a" || echo "$b")"
        for k in $cases bulk; do
            local p=${path[$k]:-/api/users}
            # shellcheck disable=SC2046
            curl -s -D "$dir/$kind.$k.head" -o "$dir/$kind.$k.body" -w '%{http_code}' $(case_curl "$k") "$base$p" \
                >"$dir/$kind.$k.status"
        done
        stop_server
    done
    local bad=0
    for k in $cases bulk; do
        if ! cmp -s "$dir/restmap.$k.status" "$dir/hand.$k.status" || ! cmp -s "$dir/restmap.$k.body" "$dir/hand.$k.body"; then
            # from a little before the first byte that differs
            local at
            at=$(cmp "$dir/restmap.$k.body" "$dir/hand.$k.body" 2>/dev/null | awk '{print $5 + 0}' || true)
            at=$((${at:-1} > 200 ? ${at:-1} - 200 : 0))
            log "$backend $k: restmap and the hand-written server answer differently (from byte $at):"
            echo "  restmap $(cat "$dir/restmap.$k.status"): $(tail -c +$((at + 1)) "$dir/restmap.$k.body" | head -c 500)" >&2
            echo "  hand    $(cat "$dir/hand.$k.status"): $(tail -c +$((at + 1)) "$dir/hand.$k.body" | head -c 500)" >&2
            bad=1
        fi
        local st
        st=$(tr -d '\r' <"$dir/restmap.$k.head" | sed -n 's/^[Ss]erver-[Tt]iming:.*desc="\([0-9]*\) quer.*/\1/p')
        got[$k]=${st:-?}
        extra "stmts.$backend.$k" "${got[$k]}"
    done
    [ $bad = 0 ] || { log "FAILED: the hand-written server is no measuring stick while its bytes differ"; exit 1; }
    log "$backend: all cases answer the same bytes from restmap and the hand-written server"
}

# ---- measuring ------------------------------------------------------------------------

wrk_run() { # case conns [script]
    local k=$1 c=$2 script=""
    [ -f "$dir/$k.lua" ] && script="-s $dir/$k.lua"
    [ -n "${3:-}" ] && script="-s $3"
    # shellcheck disable=SC2086
    wrk -t$((c < 2 ? c : 2)) -c"$c" -d"${secs}s" --timeout 10s --latency $script "$base${path[$k]}" 2>&1
}

# One run of case $3 on server $1 at $4 connections, on a fresh copy of
# database $6 (the writing cases would otherwise grow the tables the later
# cases read: 5 s of POSTs add some 100,000 users): a line of results.tsv.
measure() {
    local kind=$1 backend=$2 k=$3 c=$4 round=$5 db=$6 out t0 t1 url
    url=$(copy_db "$backend" "$db" run)
    start_server "$kind" "$backend" "$url"
    t0=$(cpu_ticks)
    out=$(wrk_run "$k" "$c")
    t1=$(cpu_ticks)
    local hwm
    hwm=$(hwm_kib)
    stop_server
    drop_db "$backend" run
    local reqs rps p50 p99 errs
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    errs=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    [ -z "$errs" ] || log "$kind $backend $k c=$c: $errs answers were not 2xx"
    local cpu_us
    cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="${reqs:-0}" 'BEGIN { printf "%.1f", (n > 0 ? d * 1e6 / hz / n : 0) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$c" "$k" "$kind" "$round" "${rps:-0}" \
        "${p50:-?}" "${p99:-?}" "$cpu_us" "$hwm" "${errs:-0}" >>"$results"
    printf '  %-7s %-12s c=%-3s %-7s %10s req/s  p50 %-8s p99 %-8s %7s us/req  %6s KiB\n' \
        "$backend" "$k" "$c" "$kind" "${rps:-0}" "$p50" "$p99" "$cpu_us" "$hwm" >&2
}

# Paced runs of case $2 at 256 connections (see the top): each server on a
# fresh copy of database $3, at half the hand-written server's median req/s
# of the saturated runs: lines of paced.tsv.
paced_runs() {
    local backend=$1 k=$2 db=$3 hand_rps rate gap r kind
    hand_rps=$(awk -F'\t' -v b="$backend" -v k="$k" '$1 == b && $2 == 256 && $3 == k && $4 == "hand" {print $6}' \
        "$results" | sort -g | awk '{v[NR] = $1} END {print NR ? (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) : 0}')
    rate=$(awk -v h="$hand_rps" 'BEGIN { printf "%d", h / 2 }')
    [ "$rate" -gt 0 ] || { log "  $backend $k: no hand-written req/s at 256 connections, no paced run"; return 0; }
    # the mean gap between one connection's requests, in whole ms
    gap=$(awk -v r="$rate" 'BEGIN { g = int(256 * 1000 / r + 0.5); print g < 1 ? 1 : g }')
    { [ -f "$dir/$k.lua" ] && cat "$dir/$k.lua"
      printf 'local gap = %d\ndelay = function() return math.random(0, 2 * gap) end\n' "$gap"; } >"$dir/paced.lua"
    for r in $(seq "$rounds"); do
        for kind in restmap hand; do
            local url out rps p50 p99 errs
            url=$(copy_db "$backend" "$db" run)
            start_server "$kind" "$backend" "$url"
            out=$(wrk_run "$k" 256 "$dir/paced.lua")
            stop_server
            drop_db "$backend" run
            rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
            p50=$(awk '$1=="50%" {print $2}' <<<"$out")
            p99=$(awk '$1=="99%" {print $2}' <<<"$out")
            errs=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$k" "$kind" "$r" "$rate" "${rps:-0}" \
                "${p50:-?}" "${p99:-?}" "${errs:-0}" >>"$paced"
            printf '  %-7s %-12s c=256 paced at %6s req/s  %-7s %10s req/s  p50 %-8s p99 %-8s\n' \
                "$backend" "$k" "$rate" "$kind" "${rps:-0}" "$p50" "$p99" >&2
        done
    done
}

# Bulk POST of 10,000 users x 2 addresses (30,000 rows), each server fresh
# on a fresh copy of the database, alternating with the raw driver's limit
# (--raw-bulk: the same rows, no HTTP): seconds and peak RSS (0 for raw).
bulk() {
    local backend=$1 db=$2 r kind hand
    hand=$bld/bench/hand_$([ "$backend" = sqlite ] && echo sqlite || echo pg)
    for r in $(seq "$rounds"); do
        for kind in restmap hand raw; do
            local url s hwm=0
            url=$(copy_db "$backend" "$db" "${db}_bulk_${kind}_$r")
            if [ $kind = raw ]; then
                s=$("$hand" --raw-bulk "$url" 10000 | awk '$2 == 30000 {print $1}')
                [ -n "$s" ] || { log "$hand --raw-bulk failed"; exit 1; }
            else
                start_server "$kind" "$backend" "$url"
                s=$(post_users "$base" 10000 bulk)
                hwm=$(hwm_kib)
                stop_server
            fi
            drop_db "$backend" "${db}_bulk_${kind}_$r"
            extra "bulk.$backend.$kind.$r" "$s $hwm"
            log "  $backend bulk 10,000 users x 2 addresses: $kind $s s, peak RSS $hwm KiB"
        done
    done
}

# Keyset paging on a table of deep_rows users: pages by cursor near row
# 1,000 and near the last row, alternating.
keyset() {
    local backend=$1 url
    url=$(new_db "$backend" deep)
    "$bld/restmap" --schema bench/schema.json --db "$url" --create-all --port 0 --access-log=no --static "" \
        2>"$dir/server.log" &
    spid=$!
    for _ in $(seq 200); do
        grep -q "listening on" "$dir/server.log" && break
        kill -0 "$spid" 2>/dev/null || { log "restmap did not start:"; cat "$dir/server.log" >&2; exit 1; }
        sleep 0.05
    done
    grep -q "listening on" "$dir/server.log" || { log "restmap did not start in 10 s:"; cat "$dir/server.log" >&2; ls -l "$dir" >&2; exit 1; }
    stop_server
    local fill="INSERT INTO users (id, name, fullname) SELECT i, 'user' || i, 'User ' || i"
    if [ "$backend" = sqlite ]; then
        sqlite3 "$dir/deep.db" "$fill FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $deep_rows) SELECT i FROM n);"
    else
        psql "$url" -qAtX -v ON_ERROR_STOP=1 -c "$fill FROM generate_series(1, $deep_rows) AS i; ANALYZE users" >/dev/null
    fi
    start_server restmap "$backend" "$url"
    local next='import json, sys; print(json.load(sys.stdin)["links"]["next"])'
    path[keyset_shallow]=$(curl -s "$base/api/users?limit=20&offset=1000" | python3 -c "$next")
    path[keyset_deep]=$(curl -s "$base/api/users?limit=20&offset=$((deep_rows - 1000))" | python3 -c "$next")
    stop_server
    local r where
    for r in $(seq "$rounds"); do
        for where in shallow deep; do
            start_server restmap "$backend" "$url"
            local out rps p50
            out=$(wrk_run "keyset_$where" 8)
            rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
            p50=$(awk '$1=="50%" {print $2}' <<<"$out")
            stop_server
            extra "keyset.$backend.$where.$r" "$rps $p50"
            log "  $backend keyset page near row $([ $where = shallow ] && echo 1,000 || echo "$deep_rows"): $rps req/s, p50 $p50"
        done
    done
}

# restmap's RSS at 64 connections over soak seconds of pages with include:
# ten samples of VmRSS, one in the middle of each tenth.
soak_run() {
    local backend=$1 url=$2
    start_server restmap "$backend" "$url"
    # a little longer than the sampling, so that the last sample is under load
    wrk -t2 -c64 -d"$((soak + 2))s" --timeout 10s "$base${path[page_include]}" >"$dir/soak.out" 2>&1 &
    local wpid=$! samples="" i
    # in the middle of each tenth of the run
    sleep "$(awk -v s="$soak" 'BEGIN { printf "%.2f", s / 20 }')"
    for i in $(seq 10); do
        samples="$samples $(rss_kib)"
        [ "$i" = 10 ] || sleep "$(awk -v s="$soak" 'BEGIN { printf "%.2f", s / 10 }')"
    done
    wait $wpid || true
    extra "soak.$backend" "$soak$samples $(hwm_kib)"
    log "  $backend soak ${soak}s at 64 connections, VmRSS KiB:$samples"
    stop_server
}

bench_backend() {
    local backend=$1 c k r kind
    log "$backend: loading 1,000 users x 2 addresses"
    load_db "$backend" main >/dev/null
    check_bytes "$backend" main
    for c in $conns_list; do
        for k in $cases; do
            for r in $(seq "$rounds"); do
                for kind in restmap hand; do
                    measure "$kind" "$backend" "$k" "$c" "$r" main
                done
            done
            if [ "$c" = 256 ]; then paced_runs "$backend" "$k" main; fi
        done
    done
    bulk "$backend" main
    keyset "$backend"
    [ "$backend" = sqlite ] && soak_run "$backend" "$(copy_db "$backend" main soak)"
    return 0
}

for backend in $backends; do
    case $backend in
    sqlite) ;;
    postgresql)
        vars=$(sh scripts/pg-test-cluster.sh start "$dir/pg") || { log "PostgreSQL could not start"; exit 1; }
        eval "$vars"
        pg_dir=$RT_PG_DIR pg_url=$RT_PG_URL
        ;;
    *) log "unknown backend $backend (sqlite, postgresql)"; exit 2 ;;
    esac
    bench_backend "$backend"
    if [ -n "$pg_dir" ]; then
        extra "version.postgresql" "$(psql "$pg_url" -qAtX -c 'SHOW server_version')"
        sh scripts/pg-test-cluster.sh stop "$pg_dir"
        pg_dir=""
    fi
done

# ---- the ORM workloads (bench/orm, another part of the bench) ----------------------
orm_tsv=""
if make -n "$bld/bench_orm" >/dev/null 2>&1; then
    log "ORM workloads: $bld/bench_orm $orm_args"
    # shellcheck disable=SC2086 # options, split on purpose
    if make -s "$bld/bench_orm" && "$bld/bench_orm" $orm_args --tsv "$dir/orm.tsv" >&2; then
        orm_tsv=$dir/orm.tsv
    else
        log "$bld/bench_orm failed: its table says so"
        echo failed >"$dir/orm.tsv"
        orm_tsv=$dir/orm.tsv
    fi
fi

python3 bench/report.py --results "$results" --paced "$paced" --extras "$extras" ${orm_tsv:+--orm "$orm_tsv"} --out "$out" \
    --secs "$secs" --rounds "$rounds" --threads "$threads" --deep-rows "$deep_rows" --backends "$backends" \
    --restmap-args="$restmap_args" --commit="$commit"
