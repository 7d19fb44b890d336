/* main.c: build/bench_orm: the ORM workloads of SQLAlchemy's
 * examples/performance suite, through orm/ and with raw sqlite3, on one
 * SQLite file (WAL, synchronous=NORMAL). Each run of each side is a child
 * process of its own (fork): it opens what it needs, times the workload
 * alone, and reports its time and checksum through a pipe; its peak RSS
 * is the child's ru_maxrss. Sides alternate (ORM first on even runs, raw
 * first on odd ones); the table shows each side's median.
 *
 * Usage: bench_orm [--quick] [--runs N] [--only NAME[,NAME...]]
 *                  [--side orm|raw|both] [--tsv FILE] [--db FILE]
 *                  [--timeout-ms MS] [--schema DIR] [--echo] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/orm/bench_orm.h"
#include "orm/ddl.h"
#include "orm/schema.h"

static const bench_workload WORKLOADS[] = {
    {"bulk_inserts", DATA_EMPTY, orm_bulk_inserts, raw_bulk_inserts},
    {"single_inserts", DATA_EMPTY, orm_single_inserts, raw_single_inserts},
    {"short_selects", DATA_CUSTOMERS, orm_short_selects, raw_short_selects},
    {"large_resultsets", DATA_CUSTOMERS, orm_large_resultsets, raw_large_resultsets},
    {"bulk_updates", DATA_CUSTOMERS, orm_bulk_updates, raw_bulk_updates},
    {"rel_lazy", DATA_FAMILY, orm_rel_lazy, raw_rel_lazy},
    {"rel_joined", DATA_FAMILY, orm_rel_joined, raw_rel_joined},
    {"rel_selectin", DATA_FAMILY, orm_rel_selectin, raw_rel_selectin},
};
#define NWORK (sizeof WORKLOADS / sizeof *WORKLOADS)
#define MAX_RUNS 15

static const bench_sizes FULL = {100000, 10000, 10000, 500000, 100000, 1000, 100};
static const bench_sizes QUICK = {10000, 1000, 1000, 50000, 10000, 100, 100};

static long rows_of(const bench_workload *w, const bench_sizes *sz)
{
    switch (w->data) {
    case DATA_EMPTY: return w->orm == orm_bulk_inserts ? sz->bulk : sz->single;
    case DATA_CUSTOMERS:
        return w->orm == orm_short_selects ? sz->selects : w->orm == orm_bulk_updates ? sz->updates : sz->large;
    case DATA_FAMILY: return sz->parents * sz->children;
    }
    return 0;
}

/* What a side measured over its runs. */
typedef struct side {
    double secs[MAX_RUNS];
    int n;
    long rss_kib;             /* the largest child's peak */
    uint64_t check;
} side;

typedef struct opts {
    bench_sizes sz;
    int runs;
    const char *only;         /* comma-separated names, or NULL */
    bool orm, raw;
    const char *tsv;
    const char *db;
    const char *schema;
    int timeout_ms;
    bool echo;
} opts;

static void usage(FILE *f)
{
    fputs("usage: bench_orm [--quick] [--runs N] [--only NAME[,NAME...]] [--side orm|raw|both]\n"
          "                 [--tsv FILE] [--db FILE] [--timeout-ms MS] [--schema DIR] [--echo]\n"
          "  --quick        small sizes (a tenth; for profiling)\n"
          "  --runs N       runs per side, the median shown (default 3)\n"
          "  --only NAMES   these workloads:", f);
    for (size_t i = 0; i < NWORK; i++) fprintf(f, " %s", WORKLOADS[i].name);
    fputs("\n  --side S       orm, raw or both (default; ORM/raw needs both)\n"
          "  --tsv FILE     also write the table as tab-separated values with a header\n"
          "  --db FILE      the SQLite file (default: a new one in a temporary directory, removed after)\n"
          "  --timeout-ms   the ORM engine's statement timeout (default 0: none; the server's is 5000)\n"
          "  --schema DIR   the schema files (default bench/orm/schema)\n"
          "  --echo         the ORM's statements on stderr (use with --quick: every row is a line)\n", f);
}

static int parse(int argc, char **argv, opts *o)
{
    *o = (opts){.sz = FULL, .runs = 3, .orm = true, .raw = true, .schema = "bench/orm/schema"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (!strcmp(a, "--quick")) o->sz = QUICK, takes = false;
        else if (!strcmp(a, "--echo")) o->echo = true, takes = false;
        else if (!strcmp(a, "--runs") && v) o->runs = atoi(v);
        else if (!strcmp(a, "--only") && v) o->only = v;
        else if (!strcmp(a, "--side") && v && (!strcmp(v, "orm") || !strcmp(v, "raw") || !strcmp(v, "both")))
            o->orm = strcmp(v, "raw") != 0, o->raw = strcmp(v, "orm") != 0;
        else if (!strcmp(a, "--tsv") && v) o->tsv = v;
        else if (!strcmp(a, "--db") && v) o->db = v;
        else if (!strcmp(a, "--schema") && v) o->schema = v;
        else if (!strcmp(a, "--timeout-ms") && v) o->timeout_ms = atoi(v);
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            return -1;
        }
        i += takes;
    }
    if (o->runs < 1 || o->runs > MAX_RUNS) {
        fprintf(stderr, "bench_orm: --runs is 1..%d\n", MAX_RUNS);
        return -1;
    }
    for (const char *p = o->only; p && *p;) { /* every name known */
        size_t len = strcspn(p, ","), k = 0;
        while (k < NWORK && (strlen(WORKLOADS[k].name) != len || strncmp(WORKLOADS[k].name, p, len))) k++;
        if (k == NWORK) {
            fprintf(stderr, "bench_orm: unknown workload '%.*s'\n", (int)len, p);
            return -1;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

static bool chosen(const opts *o, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = o->only; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, name, n)) return true;
        p += len + (p[len] == ',');
    }
    return !o->only;
}

/* One run of fn in a child process: its report and peak RSS. -1 on failure. */
static int run_child(bench_fn fn, const bench_job *j, bench_out *out, long *rss_kib)
{
    int fd[2];
    if (pipe(fd)) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fd[0]);
        bench_out o = {0};
        fn(j, &o);
        ssize_t w = write(fd[1], &o, sizeof o);
        exit(w == (ssize_t)sizeof o ? 0 : 1); /* not _exit: LeakSanitizer checks the child too */
    }
    close(fd[1]);
    memset(out, 0, sizeof *out);
    ssize_t got = read(fd[0], out, sizeof *out);
    close(fd[0]);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
    if (got != (ssize_t)sizeof *out || !WIFEXITED(status) || WEXITSTATUS(status)) {
        snprintf(out->err, sizeof out->err, "the run ended badly (status %d)", status);
        return -1;
    }
    *rss_kib = ru.ru_maxrss;
    return out->err[0] ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const side *s)
{
    double v[MAX_RUNS];
    memcpy(v, s->secs, sizeof(double) * (size_t)s->n);
    qsort(v, (size_t)s->n, sizeof *v, cmp_double);
    return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

/* Runs of one side of w; the table's database state before each. */
static int run_side(const opts *o, const bench_workload *w, bool orm, bench_job *j, side *s)
{
    if (bench_prepare(j->db_path, &o->sz, w->data)) return -1;
    bench_out out;
    long rss = 0;
    j->run++;
    if (run_child(orm ? w->orm : w->raw, j, &out, &rss)) {
        fprintf(stderr, "bench_orm: %s (%s): %s\n", w->name, orm ? "orm" : "raw", out.err);
        return -1;
    }
    if (s->n && out.check != s->check) {
        fprintf(stderr, "bench_orm: %s (%s): checksum %llu, an earlier run had %llu\n", w->name,
                orm ? "orm" : "raw", (unsigned long long)out.check, (unsigned long long)s->check);
        return -1;
    }
    long want = w->data == DATA_EMPTY ? rows_of(w, &o->sz) : -1; /* inserts: every row is there */
    if (want >= 0 && bench_count(j->db_path, "customer") != want) {
        fprintf(stderr, "bench_orm: %s (%s): the table does not hold %ld rows\n", w->name, orm ? "orm" : "raw", want);
        return -1;
    }
    s->check = out.check;
    s->secs[s->n++] = out.secs;
    if (rss > s->rss_kib) s->rss_kib = rss;
    return 0;
}

/* The schema's tables in a new file (the ORM's own DDL). */
static int create_tables(const opts *o, const char *path)
{
    orm_error err;
    orm_error_init(&err, NULL);
    orm_schema *schema = NULL;
    orm_engine *e = NULL;
    char url[4200];
    snprintf(url, sizeof url, "sqlite:///%s", path);
    orm_engine_options eo = {.pool_size = 1, .pool_timeout_ms = 5000, .busy_timeout_ms = 5000};
    int rc = orm_schema_load(o->schema, &schema, &err) || orm_engine_open(url, &eo, &e, &err) ||
             orm_create_all(e, schema, &err);
    if (rc) fprintf(stderr, "bench_orm: %s %s\n", err.detail, err.internal);
    orm_engine_close(e);
    orm_schema_free(schema);
    return rc ? -1 : 0;
}

static void print_row(FILE *f, bool tsv, const bench_workload *w, long rows, const side *orm, const side *raw)
{
    double os = orm->n ? median(orm) : 0, rs = raw->n ? median(raw) : 0;
    double ratio = orm->n && raw->n && rs > 0 ? os / rs : 0;
    if (tsv) {
        fprintf(f, "%s\t%ld\t%.4f\t%.4f\t%.2f\t%.0f\t%ld\t%ld\n", w->name, rows, os, rs, ratio,
                os > 0 ? rows / os : 0, orm->rss_kib, raw->rss_kib);
        return;
    }
    fprintf(f, "%-17s %8ld %9.3f %9.3f %8.2f %11.0f %9.1f %9.1f\n", w->name, rows, os, rs, ratio,
            os > 0 ? rows / os : 0, orm->rss_kib / 1024.0, raw->rss_kib / 1024.0);
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o)) return 2;
    char dir[] = "/tmp/bench_orm.XXXXXX", path[4096];
    bool temp = !o.db;
    if (temp) {
        if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
        snprintf(path, sizeof path, "%s/bench.db", dir);
    } else {
        snprintf(path, sizeof path, "%s", o.db);
    }
    int rc = create_tables(&o, path);
    bench_job j = {.db_path = path, .schema_dir = o.schema, .sz = o.sz, .timeout_ms = o.timeout_ms,
                   .echo = o.echo};
    FILE *tsv = !rc && o.tsv ? fopen(o.tsv, "w") : NULL;
    if (o.tsv && !tsv && !rc) {
        perror(o.tsv);
        rc = -1;
    }
    if (tsv) fputs("workload\trows\torm_s\traw_s\torm_over_raw\torm_rows_per_s\torm_peak_rss_kib\traw_peak_rss_kib\n", tsv);
    if (!rc) {
        printf("ORM workloads (SQLAlchemy's examples/performance) on SQLite, WAL, synchronous=NORMAL; "
               "median of %d run%s per side\n", o.runs, o.runs > 1 ? "s" : "");
        printf("%-17s %8s %9s %9s %8s %11s %9s %9s\n", "workload", "rows", "ORM s", "raw s", "ORM/raw",
               "ORM rows/s", "ORM MiB", "raw MiB");
    }
    for (size_t k = 0; k < NWORK && !rc; k++) {
        const bench_workload *w = &WORKLOADS[k];
        if (!chosen(&o, w->name)) continue;
        side orm = {0}, raw = {0};
        for (int r = 0; r < o.runs && !rc; r++) {
            bool orm_first = r % 2 == 0;
            for (int half = 0; half < 2 && !rc; half++) {
                bool is_orm = orm_first == (half == 0);
                if (is_orm ? o.orm : o.raw) rc = run_side(&o, w, is_orm, &j, is_orm ? &orm : &raw);
            }
        }
        if (!rc && orm.n && raw.n && orm.check != raw.check) {
            fprintf(stderr, "bench_orm: %s: the ORM's checksum %llu is not raw's %llu\n", w->name,
                    (unsigned long long)orm.check, (unsigned long long)raw.check);
            rc = -1;
        }
        if (rc) break;
        long rows = rows_of(w, &o.sz);
        print_row(stdout, false, w, rows, &orm, &raw);
        fflush(stdout);
        if (tsv) print_row(tsv, true, w, rows, &orm, &raw);
    }
    if (tsv) fclose(tsv);
    if (temp) {
        const char *suffix[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            char f[4200];
            snprintf(f, sizeof f, "%s%s", path, suffix[i]);
            unlink(f);
        }
        rmdir(dir);
    }
    return rc ? 1 : 0;
}
