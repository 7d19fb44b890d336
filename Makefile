# restmap build. `make` builds build/restmap; `make test` installs what is
# missing, builds, and runs every test (plain and under ASan+UBSan, each on
# SQLite and on a throwaway PostgreSQL);
# `make run` serves schemas/blog.json on port 8080.
CC      ?= cc
MAKEFLAGS += --jobs=$(shell nproc 2>/dev/null || echo 2)
PKGS    := libmicrohttpd jansson sqlite3 libpq libjwt libcrypto libxxhash zlib
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
OPT     ?= -O2 -g
BUILD   ?= build
SAN_FLAGS :=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all -DRM_ARENA_DEBUG
OPT     := -O1 -g
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(SAN_FLAGS) -I. $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm $(LDLIBS)

LIB_SRC    := $(wildcard lib/*.c)
ORM_SRC    := $(wildcard orm/*.c)
ROUTES_SRC := $(wildcard routes/*.c)
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c))
CORE_SRC   := $(LIB_SRC) $(ORM_SRC) $(ROUTES_SRC) $(SERVER_SRC)
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)

TEST_SRC   := $(wildcard tests/unit/*/*.c) $(wildcard tests/http/*.c) $(wildcard tests/support/*.c) tests/run_tests.c
TEST_OBJ   := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
TEST_LIBS  = $(shell pkg-config --libs check libcurl 2>/dev/null)

.PHONY: all deps run test test-plain test-sqlite test-postgresql test-openapi test-openapi-postgresql test-asan test-instr asan valgrind bench bench-deps \
        bench-orm fuzz fuzz-smoke fuzz-http fuzz-http-smoke clean

all: $(BUILD)/restmap

deps:
	@sh scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/librestmap.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/restmap: $(BUILD)/obj/server/main.o $(BUILD)/librestmap.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/run_tests: $(TEST_OBJ) $(BUILD)/librestmap.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS_ALL)

run: deps
	$(MAKE) all
	./$(BUILD)/restmap --schema schemas/blog.json --db sqlite:///restmap.db \
	    --create-all --seed schemas/blog.seed.json --port 8080 --static static

# Every test, twice: a plain build, then AddressSanitizer + UBSan; the
# instruction budget of the plain build in between; then short runs of the
# HTTP fuzzer (under ASan) and of the filter fuzzer.
test: deps
	$(MAKE) test-plain
	$(MAKE) test-deps
	$(MAKE) test-browser
	$(MAKE) test-instr
	$(MAKE) test-asan
	$(MAKE) fuzz-http-smoke
	$(MAKE) fuzz-smoke

# Each build runs the suites once per database backend (tests/suites.def
# says which suite runs where): test-sqlite runs them all on SQLite files;
# test-postgresql runs the HTTP suites on a throwaway PostgreSQL 15 cluster
# that scripts/with-postgres.sh starts for the run and always removes (the
# run fails, saying why, when it cannot start).
test-plain: test-sqlite
	$(MAKE) test-openapi
	$(MAKE) test-postgresql
	$(MAKE) test-openapi-postgresql

# Both runs record every HTTP exchange (RT_RECORD, tests/support/rt_record.c)
# for test-openapi to check against /openapi.json.
test-sqlite: $(BUILD)/restmap $(BUILD)/run_tests
	rm -rf $(BUILD)/exchanges && mkdir -p $(BUILD)/exchanges
	RT_RECORD=$(CURDIR)/$(BUILD)/exchanges RESTMAP_BIN=$(BUILD)/restmap RT_BACKEND=sqlite ./$(BUILD)/run_tests

test-postgresql: $(BUILD)/restmap $(BUILD)/run_tests
	rm -rf $(BUILD)/exchanges-postgresql && mkdir -p $(BUILD)/exchanges-postgresql
	RT_RECORD=$(CURDIR)/$(BUILD)/exchanges-postgresql RESTMAP_BIN=$(BUILD)/restmap RT_BACKEND=postgresql \
	    sh scripts/with-postgres.sh ./$(BUILD)/run_tests

# /openapi.json checked by independent tools (tests/openapi: swagger-parser
# and ajv under node): the document of every example schema (validate-docs.js),
# then every exchange test-sqlite recorded against its server's document
# (validate-exchanges.js), and both validators' self-tests (planted faults
# must be reported). Fails when node or npm is missing, or nothing was
# recorded; never skips.
OPENAPI_DIR := tests/openapi
OPENAPI_RUN := RESTMAP_BIN=$(BUILD)/restmap node $(OPENAPI_DIR)

test-openapi: $(BUILD)/restmap $(OPENAPI_DIR)/node_modules/.package-lock.json
	$(OPENAPI_RUN)/validate-docs.js
	$(OPENAPI_RUN)/validate-docs.js --self-test
	$(OPENAPI_RUN)/validate-exchanges.js $(BUILD)/exchanges
	$(OPENAPI_RUN)/validate-exchanges.js --self-test $(BUILD)/exchanges

test-openapi-postgresql: $(BUILD)/restmap $(OPENAPI_DIR)/node_modules/.package-lock.json
	$(OPENAPI_RUN)/validate-exchanges.js $(BUILD)/exchanges-postgresql

$(OPENAPI_DIR)/node_modules/.package-lock.json: $(OPENAPI_DIR)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || \
	    { echo "test-openapi: node and npm are required (scripts/install-deps.sh installs them)" >&2; exit 1; }
	npm ci --prefix $(OPENAPI_DIR) --no-audit --no-fund

test-asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined test-plain

.PHONY: test-deps test-browser

# The package lists of scripts/install-deps.sh against the build (the
# container's two stages install them): every library the binary links is
# in the runtime list and every runtime package is linked
# (tests/deps/runtime_libs.sh: readelf, ldd, dpkg -S); every pkg-config
# module of PKGS is a package of the build list and nothing else is
# (tests/deps/build_pkgs.sh). And the Dockerfile's HEALTHCHECK command
# against the binary started with --port 0 (tests/deps/healthcheck.sh).
# The plain build only: ASan links libasan.
test-deps: $(BUILD)/restmap
	$(if $(SANITIZE),$(error test-deps checks the libraries of the plain build, without SANITIZE))
	sh tests/deps/runtime_libs.sh $(BUILD)/restmap
	sh tests/deps/build_pkgs.sh $(PKGS)
	sh tests/deps/healthcheck.sh $(BUILD)/restmap

# The explorer in headless Chromium (tests/browser: node:test specs driving
# Debian's chromium with playwright-core, whose exact version
# tests/browser/package-lock.json pins; npm ci installs it the first time).
# Screenshots land in build/browser-artifacts. Never skipped: without
# node, npm or chromium it fails, saying which.
BROWSER_DIR := tests/browser

test-browser: $(BUILD)/restmap
	@command -v node >/dev/null || { echo "test-browser: node is not installed (scripts/install-deps.sh installs nodejs)" >&2; exit 1; }
	@[ -d $(BROWSER_DIR)/node_modules/playwright-core ] || { command -v npm >/dev/null || \
	    { echo "test-browser: npm is not installed (scripts/install-deps.sh installs npm)" >&2; exit 1; }; \
	    npm ci --prefix $(BROWSER_DIR) --no-audit --no-fund; }
	RESTMAP_BIN=$(BUILD)/restmap node $(BROWSER_DIR)/run.js

# Instructions per request under callgrind (tests/perf/instr_budget.sh, on
# SQLite): GET by id and a page with include must stay within the budgets
# of tests/perf/budget.txt; the other benchmark requests are printed. Fails
# without valgrind. Re-record after an intended change:
# tests/perf/instr_budget.sh --record.
INSTR_CLIENT_OBJ := $(BUILD)/obj/tests/perf/instr_client.o $(BUILD)/obj/tests/support/bench_requests.o

$(BUILD)/instr_client: $(INSTR_CLIENT_OBJ)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(shell pkg-config --libs libcurl 2>/dev/null)

test-instr: $(BUILD)/restmap $(BUILD)/instr_client
	$(if $(SANITIZE),$(error test-instr runs under valgrind: the plain build only, without SANITIZE))
	bash tests/perf/instr_budget.sh --bin $(BUILD)/restmap --client $(BUILD)/instr_client

asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined all

valgrind: $(BUILD)/restmap $(BUILD)/run_tests
	CK_FORK=no RESTMAP_BIN=$(BUILD)/restmap valgrind --leak-check=full --error-exitcode=1 ./$(BUILD)/run_tests

# libFuzzer (clang) over the filter parser + SQL compiler: ORM and lib only.
FUZZ_BIN  := build/fuzz/fuzz_filter
FUZZ_TIME ?= 60
$(FUZZ_BIN): tests/fuzz/fuzz_filter.c $(LIB_SRC) $(ORM_SRC) $(wildcard lib/*.h orm/*.h)
	@mkdir -p $(dir $@)
	clang $(CSTD) -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
	    -fsanitize=fuzzer,address,undefined -DRM_ARENA_DEBUG -I. $(PKG_CFLAGS) \
	    tests/fuzz/fuzz_filter.c $(LIB_SRC) $(ORM_SRC) -o $@ $(PKG_LIBS) -lpthread -lm

fuzz: deps $(FUZZ_BIN)
	@mkdir -p build/fuzz/corpus
	./$(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -max_len=4096 build/fuzz/corpus tests/fuzz/corpus

fuzz-smoke: $(FUZZ_BIN)
	@rm -rf build/fuzz/smoke && mkdir -p build/fuzz/smoke
	./$(FUZZ_BIN) -max_total_time=5 -max_len=2048 -seed=1 build/fuzz/smoke tests/fuzz/corpus

# HTTP-level mutation fuzzer (a plain C program, tests/fuzz/http_fuzz.c):
# starts $(BUILD)/restmap itself for each target of tests/fuzz/http_targets.txt,
# replays tests/fuzz/http_corpus, then mutates valid requests of every route
# for FUZZ_HTTP_TIME seconds; new findings are saved to the corpus. Both
# targets run against the ASan+UBSan build. FUZZ_HTTP_ARGS passes options
# (--seed N, --target NAME, --no-save, ...; see http_fuzz --help).
HTTP_FUZZ_SRC := tests/fuzz/http_fuzz.c $(wildcard tests/fuzz/hf_*.c) tests/support/util.c
HTTP_FUZZ_OBJ := $(HTTP_FUZZ_SRC:%.c=$(BUILD)/obj/%.o)
FUZZ_HTTP_TIME ?= 600
FUZZ_HTTP_SMOKE_TIME ?= 45
FUZZ_HTTP_ARGS ?=
# make test: a fixed seed (a failure reproduces) and nothing written into the tree
FUZZ_HTTP_SMOKE_ARGS ?= --seed 1 --no-save

$(BUILD)/http_fuzz: $(HTTP_FUZZ_OBJ)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS_ALL)

fuzz-http: deps
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined build/asan/restmap build/asan/http_fuzz
	./build/asan/http_fuzz --bin build/asan/restmap --time $(FUZZ_HTTP_TIME) $(FUZZ_HTTP_ARGS)

fuzz-http-smoke:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined build/asan/restmap build/asan/http_fuzz
	./build/asan/http_fuzz --bin build/asan/restmap --time $(FUZZ_HTTP_SMOKE_TIME) $(FUZZ_HTTP_SMOKE_ARGS)

# `make bench` (never part of `make test`): restmap against hand-written
# libmicrohttpd + sqlite3 / libpq servers (bench/hand_*.c) with the same
# JSON bytes, on SQLite and a throwaway PostgreSQL, then the ORM workloads
# (build/bench_orm, bench/orm/); prints one table and writes the generated
# part of docs/performance.md (see bench/run.sh for what is measured).
# Quick: make bench BENCH_SECS=1 BENCH_SOAK=5 BENCH_CONNS=8 BENCH_ROUNDS=1 BENCH_BACKENDS=sqlite BENCH_ORM_ARGS=--quick
BENCH_SECS     ?= 10
BENCH_SOAK     ?= 600
BENCH_CONNS    ?= 8 64 256
BENCH_ROUNDS   ?= 3
BENCH_BACKENDS ?= sqlite postgresql
BENCH_BIN      := $(BUILD)/bench/hand_sqlite $(BUILD)/bench/hand_pg

$(BUILD)/bench/hand_%: bench/hand_%.c bench/hand_http.c bench/hand_sql.c bench/hand_bulk.c bench/hand.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -g -I. $(PKG_CFLAGS) bench/hand_http.c bench/hand_sql.c bench/hand_bulk.c $< -o $@ $(LDLIBS_ALL)

bench-deps: deps
	@command -v wrk >/dev/null && command -v python3 >/dev/null || \
	    { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk python3 >/dev/null; }

bench: bench-deps
	$(MAKE) $(BUILD)/restmap $(BENCH_BIN) $(BUILD)/bench_orm
	BENCH_BUILD=$(BUILD) BENCH_SECS=$(BENCH_SECS) BENCH_SOAK=$(BENCH_SOAK) BENCH_CONNS="$(BENCH_CONNS)" BENCH_ROUNDS=$(BENCH_ROUNDS) \
	    BENCH_BACKENDS="$(BENCH_BACKENDS)" BENCH_ORM_ARGS="$(BENCH_ORM_ARGS)" bash bench/run.sh

# ORM workloads after SQLAlchemy's examples/performance suite, through orm/
# as a library and with raw sqlite3 (bench/orm/main.c); one table of
# ORM/raw. BENCH_ORM_ARGS passes options (--quick, --runs N, --only NAME,
# --tsv FILE, ...; see build/bench_orm --help; bench/orm/profile.sh counts
# instructions instead, with callgrind). Never part of `make test`.
BENCH_ORM_SRC := $(wildcard bench/orm/*.c)
BENCH_ORM_OBJ := $(BENCH_ORM_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_ORM_ARGS ?=

$(BUILD)/bench_orm: $(BENCH_ORM_OBJ) $(BUILD)/librestmap.a
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS_ALL)

bench-orm: $(BUILD)/bench_orm
	./$(BUILD)/bench_orm $(BENCH_ORM_ARGS)

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(HTTP_FUZZ_OBJ:.o=.d) $(INSTR_CLIENT_OBJ:.o=.d) $(BENCH_ORM_OBJ:.o=.d) \
         $(BUILD)/obj/server/main.d
