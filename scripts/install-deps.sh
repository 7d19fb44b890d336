#!/bin/sh
# Installs the Debian 12 packages restmap needs to build, run and test.
# Used by `make run`, `make test`, .ci/run and the Dockerfile, so a fresh
# machine and the container are set up by the same steps.
#   install-deps.sh          build + test dependencies
#   install-deps.sh runtime  only the shared libraries the binary links
set -eu

# libjwt0 (bearer tokens) links OpenSSL's libcrypto (libssl3), which is also
# restmap's SHA-256/HMAC: one crypto library (not libjwt-gnutls0);
# libxxhash0: XXH3-128, the fingerprint in ETags (lib/digest.h)
runtime="libmicrohttpd12 libjansson4 libsqlite3-0 libpq5 libjwt0 libssl3 libxxhash0"
# valgrind: callgrind counts the instructions of the benchmark requests
# (make test-instr, tests/perf/instr_budget.sh); its callgrind_control is
# Perl (perl comes with build-essential)
# postgresql-15: the tests' throwaway server (scripts/pg-test-cluster.sh runs
# /usr/lib/postgresql/15/bin/initdb and pg_ctl; amcheck comes with it)
build="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev \
libpq-dev libjwt-dev libssl-dev libxxhash-dev check libcurl4-openssl-dev sqlite3 curl clang libclang-rt-14-dev postgresql-15 valgrind"

if [ "${1:-}" = "runtime" ]; then want="$runtime"; else want="$runtime $build"; fi

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
# node and npm: tests/openapi (swagger-parser, ajv) checks /openapi.json;
# Debian 12's packages, unless a node with its npm is there already (a
# NodeSource nodejs brings npm and conflicts with Debian's npm package)
if [ "${1:-}" != "runtime" ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
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
