#!/usr/bin/env bash
# bench/run.sh: throughput and latency of typical requests against a
# restmap built with -O2, on an SQLite file, with wrk on loopback. Loads
# 1000 users with 2 addresses each through one bulk POST, then measures:
# one object, a page of 20, a page with an embedded collection (selectin),
# a filtered page, and single creates. Prints one line per case.
# Usage: bench/run.sh [seconds per case (default 5)] [connections (default 8)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
conns=${2:-8}
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
make -s all
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
./build/restmap --schema schemas/blog.json --db "sqlite:///$dir/bench.db" --create-all \
    --port 0 --threads 4 --access-log=no --max-body 16777216 2> "$dir/log" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/log" && break; sleep 0.05; done
base=$(grep -o 'http://[^ ]*' "$dir/log" | head -1)

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

cat > "$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/keywords", nil, '{"keyword": "k' .. math.random(1, 1e9) .. '-' .. counter .. '"}')
end
LUA

run() { # name, path, [script]
    local out
    out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency ${3:+-s "$3"} "$base$2" 2>&1)
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local st
    st=$(curl -s -o /dev/null -D - "$base$2" | grep -i '^server-timing' | tr -d '\r' | sed 's/.*desc="\([^"]*\)".*/\1/' || true)
    [ -n "${3:-}" ] && st="1 INSERT"
    printf "%-38s %10s req/s   p50 %-8s p99 %-8s %s\n" "$1" "$rps" "$p50" "$p99" "$st"
}
echo "restmap bench: ${secs}s per case, $conns connections, 4 server threads, $(nproc) cores"
run "GET one user (+selectin addresses)" "/api/users/500"
run "GET one keyword (no relationships)" "/api/keywords/1" 
run "GET page of 20 users (+addresses)" "/api/users?limit=20&offset=400"
run "GET page of 20 users, fields only" "/api/users?limit=20&offset=400&include="
run "GET filtered page" "/api/users?filter=%7B%22addresses%22%3A%7B%22any%22%3A%7B%22email_address%22%3A%7B%22like%22%3A%22u1%25%22%7D%7D%7D%7D&limit=20"
run "GET page of 100, joined user" "/api/addresses?limit=100&include=user"
run "POST one keyword" "/api/keywords" "$dir/post.lua"

# the hand-written baseline: raw libmicrohttpd + sqlite3, the same GET
cc -std=c11 -O2 -D_DEFAULT_SOURCE -o "$dir/baseline" bench/baseline.c $(pkg-config --cflags --libs libmicrohttpd sqlite3)
"$dir/baseline" "$dir/bench.db" 18777 &
bpid=$!
sleep 0.3
base_saved=$base
base=http://127.0.0.1:18777
run "baseline: GET one keyword (raw MHD)" "/api/keywords/1"
kill $bpid 2>/dev/null || true
wait $bpid 2>/dev/null || true
base=$base_saved
