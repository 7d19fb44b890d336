/* http_fuzz.c: the HTTP-level mutation fuzzer of restmap (issue 9).
 *
 * It starts the real binary itself, one target at a time (a schema and its
 * seed from tests/fuzz/http_targets.txt, a fresh SQLite file, port 0),
 * first replays every raw request of the corpus (tests/fuzz/http_corpus)
 * against a fresh server of its target, then, until the time is up, builds
 * valid requests of every route from the server's own GET /api and the
 * values its answers carry (hf_gen), mutates most of them (hf_mutate:
 * bytes, JSON structure, numbers, strings, headers, framing), sends them
 * over raw sockets (hf_wire) and judges every exchange (hf_check,
 * hf_session): a crash or sanitizer report, an owed answer that never
 * comes, /healthz failing its liveness deadline, a malformed answer, a
 * 4xx/5xx that is not a problem+json with the right status, JSON that does
 * not parse, invalid UTF-8, any 500, and an unclean exit on SIGTERM. Each
 * new kind of finding is saved to the corpus as the raw request that
 * caused it. The server is restarted on a fresh copy of the seeded
 * database every --restart-every requests (and after a crash or hang), the
 * targets in turn. A run is reproducible from its --seed (with
 * --requests instead of --time). Exit status: 0 clean, 1 findings, 2 usage
 * or setup error. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/fuzz/hf_corpus.h"
#include "tests/fuzz/hf_gen.h"
#include "tests/fuzz/hf_mutate.h"
#include "tests/fuzz/hf_session.h"

#define MAX_TARGETS 64
#define MAX_SERVER_ARGS 16
#define RECENT 16
#define REPEATS_SHOWN 3

typedef struct options {
    const char *bin, *targets_file, *only_target, *corpus, *static_dir;
    const char *replay_one, *dump, *sequence;
    double seconds;
    unsigned long max_requests, restart_every;
    uint64_t seed;
    bool save, replay, verbose;
    const char *server_args[MAX_SERVER_ARGS + 1];
    size_t nserver_args;
    hf_config cfg;
} options;

typedef struct run {
    options *o;
    hf_target targets[MAX_TARGETS];
    size_t ntargets;
    hf_findings findings;
    unsigned long requests, replayed, restarts, probes;
    unsigned long by_class[6];           /* none, 1xx, 2xx, 3xx, 4xx, 5xx */
    hf_rng rng;
} run;

static void usage(FILE *f)
{
    fputs("usage: http_fuzz [options]\n"
          "  --bin PATH           restmap binary (default $RESTMAP_BIN, else build/restmap)\n"
          "  --time SECONDS       fuzz this long after the corpus replay (default 60; 0: replay only)\n"
          "  --requests N         stop after N fuzz requests (reproducible with --seed)\n"
          "  --seed N             random seed (default: from the clock; printed)\n"
          "  --targets FILE       targets: lines \"name schema [seed]\" (default tests/fuzz/http_targets.txt)\n"
          "  --target NAME        fuzz only this target\n"
          "  --corpus DIR         corpus replayed first, new findings saved there\n"
          "                       (default tests/fuzz/http_corpus)\n"
          "  --no-save            do not add findings to the corpus\n"
          "  --no-replay          do not replay the corpus\n"
          "  --replay FILE        replay only this request file and show the answer\n"
          "  --restart-every N    fresh server and database every N requests (default 2000)\n"
          "  --timeout-ms MS      deadline for an answer the server owes (default 10000)\n"
          "  --liveness-ms MS     deadline for GET /healthz (default 5000)\n"
          "  --grace-ms MS        wait for answers the server does not owe (default 15)\n"
          "  --slow-ms MS         an answer slower than this is a finding (default 6000)\n"
          "  --static DIR         explorer files for / and /static/ (default static)\n"
          "  --server-arg ARG     one more argument for restmap (repeatable)\n"
          "  --dump DIR           write every request sent as DIR/<target>--<n>.http (to bisect)\n"
          "  --sequence DIR       send every request file of DIR in name order to one server\n"
          "                       (the target of the first), for failures that need earlier requests\n"
          "  -v                   one line per request\n",
          f);
}

static unsigned long long number_arg(const char *name, const char *v)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v ? v : "", &end, 10);
    if (!v || !*v || *end || errno) {
        fprintf(stderr, "http_fuzz: %s needs a number, not \"%s\"\n", name, v ? v : "");
        exit(2);
    }
    return n;
}

static void parse_options(int argc, char **argv, options *o)
{
    const char *env_bin = getenv("RESTMAP_BIN");
    *o = (options){
        .bin = env_bin && *env_bin ? env_bin : "build/restmap",
        .targets_file = "tests/fuzz/http_targets.txt",
        .corpus = "tests/fuzz/http_corpus",
        .static_dir = "static",
        .seconds = 60,
        .restart_every = 2000,
        .seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32),
        .save = true,
        .replay = true,
        .cfg = {.timeout_ms = 10000, .grace_ms = 15, .slow_ms = 6000, .liveness_ms = 5000, .probe_every_ms = 1000,
                .stop_ms = 15000, .slow_stop_ms = 5000, .start_ms = 30000,
                .limits = {.max_body = 1048576, .max_uri = 8192, .max_header_bytes = 8192}},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(a, "--bin")) o->bin = v;
        else if (!strcmp(a, "--time")) o->seconds = (double)number_arg(a, v);
        else if (!strcmp(a, "--requests")) o->max_requests = number_arg(a, v);
        else if (!strcmp(a, "--seed")) o->seed = number_arg(a, v);
        else if (!strcmp(a, "--targets")) o->targets_file = v;
        else if (!strcmp(a, "--target")) o->only_target = v;
        else if (!strcmp(a, "--corpus")) o->corpus = v;
        else if (!strcmp(a, "--replay")) o->replay_one = v;
        else if (!strcmp(a, "--dump")) o->dump = v;
        else if (!strcmp(a, "--sequence")) o->sequence = v;
        else if (!strcmp(a, "--server-arg")) {
            if (o->nserver_args == MAX_SERVER_ARGS) hf_die("too many --server-arg");
            o->server_args[o->nserver_args++] = v;
        }
        else if (!strcmp(a, "--restart-every")) o->restart_every = number_arg(a, v);
        else if (!strcmp(a, "--timeout-ms")) o->cfg.timeout_ms = (int)number_arg(a, v);
        else if (!strcmp(a, "--liveness-ms")) o->cfg.liveness_ms = (int)number_arg(a, v);
        else if (!strcmp(a, "--grace-ms")) o->cfg.grace_ms = (int)number_arg(a, v);
        else if (!strcmp(a, "--slow-ms")) o->cfg.slow_ms = (int)number_arg(a, v);
        else if (!strcmp(a, "--static")) o->static_dir = v;
        else {
            takes = false;
            if (!strcmp(a, "--no-save")) o->save = false;
            else if (!strcmp(a, "--no-replay")) o->replay = false;
            else if (!strcmp(a, "-v")) o->verbose = true;
            else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(0); }
            else { fprintf(stderr, "http_fuzz: unknown option %s\n", a); usage(stderr); exit(2); }
        }
        if (takes) {
            if (!v) { fprintf(stderr, "http_fuzz: %s needs a value\n", a); exit(2); }
            i++;
        }
    }
    if (!o->restart_every) o->restart_every = 1;
    o->cfg.server_args = o->server_args;
}

/* ------------------------------------------------------------ targets */

static char *absolute(const char *path)
{
    char *abs = realpath(path, NULL);
    if (!abs) hf_die("%s: %s", path, strerror(errno));
    return abs;
}

static void load_targets(run *R)
{
    char *text = hf_read_file(R->o->targets_file, NULL);
    if (!text) hf_die("cannot read the targets file %s", R->o->targets_file);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64], schema[PATH_MAX], seed[PATH_MAX];
        if (line[0] == '#') continue;
        int got = sscanf(line, "%63s %4095s %4095s", name, schema, seed);
        if (got < 2) continue;
        if (R->ntargets == MAX_TARGETS) hf_die("more than %d targets", MAX_TARGETS);
        R->targets[R->ntargets++] = (hf_target){hf_xstrdup(name), absolute(schema), got == 3 ? absolute(seed) : NULL};
    }
    free(text);
    if (!R->ntargets) hf_die("no target in %s", R->o->targets_file);
}

static const hf_target *find_target(const run *R, const char *name)
{
    for (size_t i = 0; i < R->ntargets; i++)
        if (!strcmp(R->targets[i].name, name)) return &R->targets[i];
    return NULL;
}

static void start_session(run *R, hf_session *s, const hf_target *t)
{
    hf_buf err = {0};
    if (hf_session_start(s, &R->o->cfg, t, &err)) hf_die("%s", err.p ? err.p : "the server did not start");
    hf_buf_free(&err);
}

/* ------------------------------------------------------------ findings */

static void print_block(const char *title, const char *text)
{
    printf("  %s:\n    ", title);
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1]) fputs("    ", stdout);
    }
    putchar('\n');
}

/* Count and show one finding (in full the first time its identity is
 * seen, a line for the next few, then silently). */
static void report(run *R, hf_session *s, const hf_verdict *v, const char *bytes, size_t n,
                   const char *mutations, const char *shown)
{
    bool is_new;
    hf_sig *sig = hf_findings_add(&R->findings, s->target->name, v, bytes, n, &is_new);
    if (!is_new && sig->count > REPEATS_SHOWN) return;
    printf("http_fuzz: %s [%s] target %s, request %lu: %s\n", is_new ? "FINDING" : "again",
           hf_kind_name(v->kind), s->target->name, R->requests, v->detail);
    if (!is_new) return;
    printf("  identity: %s\n", sig->key);
    if (mutations && *mutations) printf("  mutations: %s\n", mutations);
    if (n) {
        hf_buf b = {0};
        hf_buf_printable(&b, bytes, n, 1500);
        printf("  request (%zu bytes):\n", n);
        print_block("bytes", b.p ? b.p : "");
        hf_buf_free(&b);
    }
    if (shown && *shown) print_block("answer", shown);
    if (v->kind == HF_CRASH || v->kind == HF_BAD_EXIT || v->kind == HF_DEAD || v->kind == HF_HANG) {
        char *log = hf_session_log_excerpt(s, 3000);
        if (*log) print_block("server log", log);
        free(log);
    }
    if (sig->file) printf("  saved: %s\n", sig->file);
    fflush(stdout);
}

static void count_status(run *R, int status)
{
    R->by_class[status >= 100 && status < 600 ? status / 100 : 0]++;
}

/* Send one request and judge it; returns false when the session must be
 * restarted. */
static bool exchange(run *R, hf_session *s, const char *bytes, size_t n, const char *mutations,
                     const char *route)
{
    hf_verdict v;
    hf_buf shown = {0};
    if (R->o->dump) {
        char *path = hf_xasprintf("%s/%s--%08lu.http", R->o->dump, s->target->name, R->requests + 1);
        if (hf_write_file(path, bytes, n)) hf_die("cannot write %s", path);
        free(path);
    }
    long long t0 = ts_now_ms();
    int status = hf_session_send(s, &R->rng, bytes, n, &v, &shown);
    R->requests++;
    count_status(R, status);
    if (R->o->verbose) {
        char *cls = hf_route_class(bytes, n);
        printf("%lu %s %s %s [%s] %zu bytes -> %d in %lld ms%s%s\n", R->requests, s->target->name,
               route ? route : "-", cls,
               mutations ? mutations : "", n, status, ts_now_ms() - t0, v.kind ? " " : "",
               v.kind ? hf_kind_name(v.kind) : "");
        free(cls);
    }
    if (v.kind != HF_OK) report(R, s, &v, bytes, n, mutations, shown.p);
    hf_buf_free(&shown);
    return !s->poisoned;
}

/* Stop the session and judge its exit; an exit after a crash or a hang
 * was already reported with its request. */
static void end_session(run *R, hf_session *s)
{
    bool known = s->poisoned;
    hf_verdict v;
    hf_session_stop(s, &v);
    if (v.kind != HF_OK) {
        if (known)
            printf("http_fuzz: after that, %s\n", v.detail);
        else
            report(R, s, &v, NULL, 0, NULL, NULL);
    }
    hf_session_close(s);
}

/* ------------------------------------------------------------ replay */

static void replay_file(run *R, const char *path, bool show)
{
    char name[128];
    hf_corpus_target(path, name, sizeof name);
    const hf_target *t = find_target(R, name);
    if (!t) hf_die("%s: no target named \"%s\" in %s", path, name, R->o->targets_file);
    size_t n;
    char *bytes = hf_read_file(path, &n);
    if (!bytes) hf_die("cannot read %s", path);
    hf_session s;
    start_session(R, &s, t);
    hf_verdict v;
    hf_buf shown = {0};
    int status = hf_session_send(&s, &R->rng, bytes, n, &v, &shown);
    R->requests++;
    R->replayed++;
    count_status(R, status);
    if (v.kind == HF_OK && !s.poisoned) hf_session_probe(&s, &v);
    printf("http_fuzz: replay %s: %s%s%s\n", path, v.kind ? hf_kind_name(v.kind) : "ok",
           v.kind ? ": " : "", v.kind ? v.detail : "");
    if (show) print_block("answer", shown.p ? shown.p : "");
    if (v.kind != HF_OK) report(R, &s, &v, bytes, n, "corpus", shown.p);
    end_session(R, &s);
    hf_buf_free(&shown);
    free(bytes);
}

/* Every file of dir, in order, to one server; then its exit is judged. */
static void replay_sequence(run *R, const char *dir)
{
    size_t n;
    char **files = hf_corpus_list(dir, &n);
    if (!n) hf_die("no request file (*.http) in %s", dir);
    char name[128];
    hf_corpus_target(files[0], name, sizeof name);
    const hf_target *t = find_target(R, name);
    if (!t) hf_die("%s: no target named \"%s\"", files[0], name);
    hf_session s;
    start_session(R, &s, t);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *bytes = hf_read_file(files[i], &len);
        if (!bytes) hf_die("cannot read %s", files[i]);
        bool alive = exchange(R, &s, bytes, len, files[i], "sequence");
        R->replayed++;
        free(bytes);
        if (!alive) break;
    }
    end_session(R, &s);
    for (size_t i = 0; i < n; i++) free(files[i]);
    free(files);
}

static void replay_corpus(run *R)
{
    size_t n;
    char **files = hf_corpus_list(R->o->corpus, &n);
    bool save = R->findings.save;
    R->findings.save = false; /* a replayed failure is already in the corpus */
    for (size_t i = 0; i < n; i++) {
        replay_file(R, files[i], false);
        free(files[i]);
    }
    free(files);
    R->findings.save = save;
    printf("http_fuzz: replayed %zu corpus file%s from %s\n", n, n == 1 ? "" : "s", R->o->corpus);
}

/* ------------------------------------------------------------ fuzzing */

/* One list of every resource: the model learns keys, links and values. */
static bool warm_up(run *R, hf_session *s)
{
    for (size_t i = 0; i < s->model.nres; i++) {
        char *req = hf_xasprintf("GET /api/%s?limit=50 HTTP/1.1\r\nHost: fuzz\r\n\r\n", s->model.res[i].name);
        bool ok = exchange(R, s, req, strlen(req), "warm-up", "list");
        free(req);
        if (!ok) return false;
    }
    return true;
}

static bool time_left(const run *R, long long deadline)
{
    return ts_now_ms() < deadline && (!R->o->max_requests || R->requests - R->replayed < R->o->max_requests);
}

static void fuzz(run *R, long long deadline)
{
    hf_buf recent[RECENT] = {{0}};
    size_t round = 0;
    while (time_left(R, deadline)) {
        const hf_target *t = R->o->only_target ? find_target(R, R->o->only_target) : &R->targets[round % R->ntargets];
        if (!t) hf_die("no target named \"%s\"", R->o->only_target);
        round++;
        hf_session s;
        start_session(R, &s, t);
        R->restarts++;
        bool alive = warm_up(R, &s);
        hf_buf bytes = {0}, log = {0};
        for (unsigned long k = 0; alive && k < R->o->restart_every && time_left(R, deadline); k++) {
            hf_req q;
            hf_gen_request(&s.model, &R->rng, &q);
            hf_buf_reset(&log);
            unsigned roll = (unsigned)hf_rng_below(&R->rng, 100);
            unsigned structured = roll < 20 ? 0 : roll < 85 ? 1 + (unsigned)hf_rng_below(&R->rng, 3)
                                                            : (unsigned)hf_rng_below(&R->rng, 2);
            hf_mutate_request(&q, &s.model, &R->rng, structured, &log);
            hf_req_serialize(&q, &R->rng, &bytes);
            if (roll >= 85)
                hf_mutate_bytes(&bytes, &R->rng, 1 + (unsigned)hf_rng_below(&R->rng, 3),
                                &recent[hf_rng_below(&R->rng, RECENT)], &log);
            alive = exchange(R, &s, bytes.p, bytes.len, log.p ? log.p : "", q.route);
            hf_buf *slot = &recent[R->requests % RECENT];
            hf_buf_reset(slot);
            if (bytes.len < 65536) hf_buf_add(slot, bytes.p, bytes.len);
            hf_req_free(&q);
        }
        end_session(R, &s);
        hf_buf_free(&bytes);
        hf_buf_free(&log);
    }
    for (size_t i = 0; i < RECENT; i++) hf_buf_free(&recent[i]);
}

/* ------------------------------------------------------------ main */

static void summary(const run *R, double fuzz_secs)
{
    unsigned long fuzzed = R->requests - R->replayed, answered = 0;
    for (int i = 0; i < 6; i++) answered += R->by_class[i];
    printf("http_fuzz: seed %llu; %lu requests (%lu replayed, %lu fuzzed) on %lu server starts; "
           "%.1f s fuzzing, %.1f requests/s\n",
           (unsigned long long)R->o->seed, R->requests, R->replayed, fuzzed, R->restarts, fuzz_secs,
           fuzz_secs > 0 ? (double)fuzzed / fuzz_secs : 0.0);
    if (answered)
        printf("http_fuzz: answers: 2xx %.1f%%, 3xx %.1f%%, 4xx %.1f%%, 5xx %.1f%%, none %.1f%%\n",
               100.0 * (double)R->by_class[2] / (double)answered, 100.0 * (double)R->by_class[3] / (double)answered,
               100.0 * (double)R->by_class[4] / (double)answered, 100.0 * (double)R->by_class[5] / (double)answered,
               100.0 * (double)(R->by_class[0] + R->by_class[1]) / (double)answered);
    unsigned long library, timeouts;
    hf_check_known(&library, &timeouts);
    printf("http_fuzz: known outcomes: %lu answers by libmicrohttpd itself (malformed framing), "
           "%lu statement timeouts (503)\n", library, timeouts);
    printf("http_fuzz: %lu finding%s, %zu distinct\n", R->findings.total, R->findings.total == 1 ? "" : "s",
           R->findings.nsigs);
    for (size_t i = 0; i < R->findings.nsigs; i++) {
        const hf_sig *s = &R->findings.sigs[i];
        printf("  %6lux  %s%s%s\n", s->count, s->key, s->file ? "  -> " : "", s->file ? s->file : "");
    }
}

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0); /* findings show up as they happen, also in CI logs */
    char *bin = absolute(o.bin);
    char *static_dir = o.static_dir && *o.static_dir ? realpath(o.static_dir, NULL) : NULL;
    o.cfg.bin = bin;
    o.cfg.static_dir = static_dir;
    run R = {.o = &o, .findings = {.dir = o.corpus, .save = o.save}};
    hf_rng_seed(&R.rng, o.seed);
    load_targets(&R);
    printf("http_fuzz: seed %llu, binary %s, %zu targets\n", (unsigned long long)o.seed, bin, R.ntargets);
    fflush(stdout);
    if (o.replay_one || o.sequence) {
        R.findings.save = false;
        if (o.replay_one) replay_file(&R, o.replay_one, true);
        else replay_sequence(&R, o.sequence);
    } else {
        if (o.replay) replay_corpus(&R);
        long long start = ts_now_ms();
        if (o.seconds > 0) fuzz(&R, start + (long long)(o.seconds * 1000));
        summary(&R, (double)(ts_now_ms() - start) / 1000.0);
    }
    int rc = R.findings.total ? 1 : 0;
    if (o.replay_one || o.sequence) printf("http_fuzz: %lu finding%s\n", R.findings.total, R.findings.total == 1 ? "" : "s");
    hf_findings_free(&R.findings);
    for (size_t i = 0; i < R.ntargets; i++) {
        free(R.targets[i].name);
        free(R.targets[i].schema);
        free(R.targets[i].seed);
    }
    free(bin);
    free(static_dir);
    return rc;
}
