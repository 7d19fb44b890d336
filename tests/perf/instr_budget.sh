#!/usr/bin/env bash
# instr_budget.sh: a regression guard on the work restmap does per request,
# counted in instructions (callgrind), not timed. `make test` runs it
# (`make test-instr`) on the plain -O2 build and the SQLite backend.
#
# It starts the server under valgrind --tool=callgrind (one worker thread,
# a new SQLite file, schemas/blog.json), loads the benchmark's data (1000
# users with 2 addresses each, one bulk POST), and for each benchmark
# request (tests/support/bench_requests.h, sent by tests/perf/instr_client)
# warms up with 20 requests, zeroes the counters (callgrind_control -z),
# sends N more over one keep-alive connection, dumps the counters
# (callgrind_control -d) and divides the whole process's instructions
# (libmicrohttpd, sqlite3 and restmap together) by N.
#
# The cases named in tests/perf/budget.txt are guarded: each is measured
# in two windows of N requests that must agree within 1 % (the figures are
# deterministic: same binary, data and requests), and must stay at or under
# its budget there; the others are printed only. Every run prints the
# measured figures and the budgets. It never skips: without valgrind it
# fails, saying so (scripts/install-deps.sh installs it).
#
# Usage: tests/perf/instr_budget.sh [--record] [--bin PATH] [--client PATH]
#   --record       measure, then write tests/perf/budget.txt anew: for each
#                  guarded case (GUARDED below) measured x 1.5, rounded to
#                  a thousand (a change that doubles the work then fails)
#   --bin PATH     the server (default build/restmap; not an ASan build)
#   --client PATH  the client (default build/instr_client)
# Environment: INSTR_N requests per window (default 100).
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

budget_file=tests/perf/budget.txt
guarded="get_id page_include"              # the cases --record writes budgets for
all_cases="get_id page_include filtered post_nested patch"   # in this order: reads before writes
n=${INSTR_N:-100}
warm=20
bin=build/restmap client=build/instr_client record=""
while [ $# -gt 0 ]; do
    case $1 in
    --record) record=1; shift ;;
    --bin) bin=${2:?--bin needs a path}; shift 2 ;;
    --client) client=${2:?--client needs a path}; shift 2 ;;
    -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "instr_budget: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

fail() { echo "instr_budget: FAILED: $*" >&2; exit 1; }
trap 'echo "instr_budget: FAILED: the command at line $LINENO of $0 failed" >&2' ERR

for tool in valgrind callgrind_control; do
    command -v "$tool" >/dev/null ||
        fail "$tool is not installed: the instruction budget needs valgrind (scripts/install-deps.sh installs it; apt-get install valgrind)"
done
[ -x "$bin" ] || fail "no server at $bin (make all)"
[ -x "$client" ] || fail "no client at $client (make $client)"
if nm "$bin" 2>/dev/null | grep -q __asan_init; then
    fail "$bin is an ASan build; valgrind needs the plain build (make all)"
fi
if [ -z "$record" ]; then
    [ -f "$budget_file" ] || fail "no $budget_file (record one: $0 --record)"
    # every line "name budget" of a case this script measures
    bad=$(awk -v cases=" $all_cases " '!/^#/ && NF && (index(cases, " " $1 " ") == 0 || $2 !~ /^[0-9]+$/)' "$budget_file")
    [ -z "$bad" ] || fail "$budget_file: not \"case budget\" of a case of [$all_cases]: $bad"
fi

dir=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

# The server, without the caller's RESTMAP_* settings, on a port it picks.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^RESTMAP_' || true)
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$bin" --schema schemas/blog.json \
    --db "sqlite:///$dir/bench.db" --create-all --port 0 --threads 1 --access-log=no \
    >"$dir/out" 2>"$dir/err" &
pid=$!
port=""
for _ in $(seq 600); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$dir/err" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || fail "the server did not start under valgrind: $(tail -20 "$dir/err")"

# Instructions of the requests `client CASE count` sends, counted from a
# zeroed counter to a dump: the dump's total, into $got.
count_instructions() {
    callgrind_control -z "$pid" >"$dir/ctl" 2>&1 || fail "callgrind_control -z $pid: $(cat "$dir/ctl")"
    "$client" "$port" "$1" "$2" || fail "the requests of $1 failed (above)"
    rm -f "$dir"/cg."$pid".*
    callgrind_control -d "$pid" >"$dir/ctl" 2>&1 || fail "callgrind_control -d $pid: $(cat "$dir/ctl")"
    local dumps=("$dir"/cg."$pid".*) dump
    dump=${dumps[0]}
    [ -f "$dump" ] || fail "callgrind_control -d wrote no dump: $(cat "$dir/ctl")"
    got=$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")
    [[ $got =~ ^[0-9]+$ ]] || fail "no total in the dump $dump"
}

# Instructions per request of a case over n requests after a warm-up, into $got.
per_request() {
    "$client" "$port" "$1" "$warm" || fail "the warm-up of $1 failed (above)"
    count_instructions "$1" "$n"
    got=$((got / n))
}

# The budget of a case in budget.txt, or nothing.
budget_of() {
    [ -f "$budget_file" ] || return 0
    awk -v c="$1" '!/^#/ && $1 == c { print $2 }' "$budget_file"
}

count_instructions load 1
load=$got
echo "instr_budget: instructions per request (callgrind, whole process) of $bin on SQLite, 1 thread,"
echo "instr_budget: blog schema, 1000 users x 2 addresses; $n requests per window after $warm of warm-up"
printf '  %-14s %14s %14s  %s\n' case measured budget ""
declare -A measured
over=""
for c in $all_cases; do
    b=""
    per_request "$c"
    a=$got
    budget=$(budget_of "$c")
    if [ -n "$budget" ] || [[ " $guarded " == *" $c "* && -n "$record" ]]; then
        # a guarded case: a second window must give the same figure within 1 %
        per_request "$c"
        b=$got
        diff=$((a > b ? a - b : b - a))
        [ $((diff * 100)) -le "$a" ] ||
            fail "$c measured $a then $b instructions per request: more than 1 % apart, the measure is not deterministic"
    fi
    measured[$c]=$a
    if [ -z "$budget" ]; then
        printf '  %-14s %14d %14s  %s\n' "$c" "$a" - "${b:+recorded (second window: $b)}${b:-reported}"
    elif [ "$a" -le "$budget" ]; then
        printf '  %-14s %14d %14d  ok, %d %% of the budget (second window: %d)\n' "$c" "$a" "$budget" \
            $((a * 100 / budget)) "$b"
    else
        printf '  %-14s %14d %14d  OVER BUDGET (%d %%)\n' "$c" "$a" "$budget" $((a * 100 / budget))
        over="$over $c"
    fi
done
printf '  %-14s %14d %14s  %s\n' bulk_post "$load" - "reported: the load, once ($((load / 1000)) per user and its 2 addresses)"

if [ -n "$record" ]; then
    {
        echo "# tests/perf/budget.txt: instructions per request that tests/perf/instr_budget.sh"
        echo "# (make test-instr, run by make test) lets each guarded benchmark request take:"
        echo "# one line per case, \"name budget\". A budget is the figure measured when it was"
        echo "# recorded x 1.5, rounded to a thousand, so a change that doubles a request's work"
        echo "# fails. Recorded $(date -u +%Y-%m-%d) on $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
        echo "# with valgrind $(valgrind --version | sed 's/^valgrind-//'), INSTR_N=$n."
        echo "# Re-record (after an intended change, on the -O2 build): make all build/instr_client"
        echo "# && tests/perf/instr_budget.sh --record (then commit this file)."
        for c in $guarded; do
            echo "$c $(((measured[$c] * 3 / 2 + 500) / 1000 * 1000))  # measured ${measured[$c]}"
        done
    } >"$budget_file"
    echo "instr_budget: recorded $budget_file:"
    grep -v '^#' "$budget_file" | sed 's/^/  /'
    exit 0
fi
[ -z "$over" ] || fail "over budget:$over. If the extra work is intended, re-record: $0 --record"
echo "instr_budget: every guarded request within its budget ($budget_file)"
