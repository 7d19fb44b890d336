#!/bin/sh
# healthcheck.sh: the Dockerfile's HEALTHCHECK command, run as Docker runs
# it (sh -c, the image's RESTMAP_PORT_FILE) against the real binary started
# as `docker run IMAGE --port 0` would start it: RESTMAP_PORT=8080 and
# RESTMAP_BIND=0.0.0.0 in the environment, the port on the command line
# (0: the kernel picks one, so only the port file can tell). It must pass
# while the server runs, and fail once it has stopped (the file is gone).
#   sh tests/deps/healthcheck.sh [BIN]   (default build/restmap)
set -eu
cd "$(dirname "$0")/../.."
bin=${1:-build/restmap}
[ -x "$bin" ] || { echo "healthcheck: no binary at $bin (make all)" >&2; exit 1; }

# the command: the line after "HEALTHCHECK ... \", without its "CMD "
check=$(awk '/^HEALTHCHECK/ { getline; sub(/^ *CMD /, ""); print; exit }' Dockerfile)
[ -n "$check" ] || { echo "healthcheck: no HEALTHCHECK ... CMD in the Dockerfile" >&2; exit 1; }
file=$(sed -n 's/.*RESTMAP_PORT_FILE=\([^ \\]*\).*/\1/p' Dockerfile | head -1)
[ -n "$file" ] || { echo "healthcheck: the Dockerfile sets no RESTMAP_PORT_FILE" >&2; exit 1; }

dir=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
# the image's path would be shared by concurrent runs: a private one here
portfile="$dir/$(basename "$file")"
env -i PATH="$PATH" RESTMAP_PORT=8080 RESTMAP_BIND=0.0.0.0 RESTMAP_PORT_FILE="$portfile" \
    "$bin" --schema schemas/blog.json --db "sqlite:///$dir/test.db" --create-all --static "" \
    --port 0 --access-log=no 2>"$dir/log" &
pid=$!
i=0
until grep -q "listening on" "$dir/log"; do
    i=$((i + 1))
    [ "$i" -lt 200 ] || { echo "healthcheck: the server did not start:" >&2; cat "$dir/log" >&2; exit 1; }
    kill -0 "$pid" 2>/dev/null || { echo "healthcheck: the server exited:" >&2; cat "$dir/log" >&2; exit 1; }
    sleep 0.1
done
port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\)$/\1/p' "$dir/log")

if ! env -i PATH="$PATH" RESTMAP_PORT=8080 RESTMAP_PORT_FILE="$portfile" sh -c "$check"; then
    echo "healthcheck: FAIL: unhealthy while the server listens on port $port (port file: $(cat "$portfile" 2>&1))" >&2
    exit 1
fi
kill "$pid"
wait "$pid" || { echo "healthcheck: the server did not exit 0" >&2; exit 1; }
pid=""
if env -i PATH="$PATH" RESTMAP_PORT_FILE="$portfile" sh -c "$check" 2>/dev/null; then
    echo "healthcheck: FAIL: healthy after the server stopped" >&2
    exit 1
fi
echo "healthcheck: the Dockerfile's HEALTHCHECK passes on port $port (given as --port 0, RESTMAP_PORT=8080) and fails once stopped"
