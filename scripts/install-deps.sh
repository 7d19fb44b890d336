#!/bin/sh
# Installs the Debian 12 packages restmap needs to build, run and test.
# Used by `make run`, `make test`, .ci/run and the Dockerfile, so a fresh
# machine and the container are set up by the same steps.
#   install-deps.sh          everything: runtime + build + test tools
#   install-deps.sh runtime  only the shared libraries the binary links
#                            (tests/deps/runtime_libs.sh checks them with ldd)
#   install-deps.sh build    only what `make all` needs: compiler, pkg-config,
#                            the -dev packages (the Dockerfile's build stage)
#   install-deps.sh --list [MODE]  print MODE's packages, one a line; installs nothing
set -eu

# libjwt0 (bearer tokens) links OpenSSL's libcrypto (libssl3), which is also
# restmap's SHA-256/HMAC: one crypto library (not libjwt-gnutls0);
# libxxhash0: XXH3-128, the fingerprint in ETags (lib/digest.h);
# zlib1g: gzip of the static files, made once per file (server/static.c)
runtime="libmicrohttpd12 libjansson4 libsqlite3-0 libpq5 libjwt0 libssl3 libxxhash0 zlib1g"
build="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev \
libpq-dev libjwt-dev libssl-dev libxxhash-dev zlib1g-dev"
# the test suites and tools of `make test`: check and libcurl (run_tests),
# clang (fuzzers), chromium (the browser tests, tests/browser, driven by
# playwright-core from npm with Debian's chromium: no browser download);
# valgrind: callgrind counts the instructions of the benchmark requests
# (make test-instr, tests/perf/instr_budget.sh); its callgrind_control is
# Perl (perl comes with build-essential)
# postgresql-15: the tests' throwaway server (scripts/pg-test-cluster.sh runs
# /usr/lib/postgresql/15/bin/initdb and pg_ctl; amcheck comes with it)
test="check libcurl4-openssl-dev sqlite3 curl clang libclang-rt-14-dev postgresql-15 valgrind chromium"
# node and npm run the browser tests (tests/browser) and check /openapi.json
# (tests/openapi: swagger-parser, ajv); any node >= 18 will do (Debian 12's
# nodejs is 18), so they are installed only when the commands are missing
# (a NodeSource nodejs brings its own npm, which Debian's npm conflicts with)
command -v node >/dev/null 2>&1 || test="$test nodejs"
command -v npm >/dev/null 2>&1 || test="$test npm"

list=""
if [ "${1:-}" = "--list" ]; then list=1; shift; fi
case "${1:-}" in
    runtime) want="$runtime" ;;
    build) want="$build" ;;
    "") want="$runtime $build $test" ;;
    *) echo "install-deps: unknown mode '$1' (runtime, build, or none for everything)" >&2; exit 2 ;;
esac
if [ -n "$list" ]; then
    printf '%s\n' $want
    exit 0
fi

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
