/* bench_orm.h: the ORM workloads of bench/orm (SQLAlchemy's
 * examples/performance suite, in C): each written twice, through orm/ as
 * a library (orm_side.c) and with the raw sqlite3 C API (raw_side.c, the
 * limit: prepared statements, the same transaction pattern). main.c runs
 * each side in a child process of its own (its peak RSS is the child's)
 * and prints the table; data.c prepares the database between runs.
 *
 * Both sides of a workload compute the same checksum over what they read
 * or wrote, so a side that skipped work would not go unnoticed. */
#ifndef BENCH_ORM_H
#define BENCH_ORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_sizes {
    long bulk;        /* bulk_inserts: rows, flushed every BENCH_CHUNK */
    long single;      /* single_inserts: rows, one commit each */
    long selects;     /* short_selects: primary-key look-ups, a fresh session each */
    long large;       /* large_resultsets: rows streamed (also the customer rows read workloads find) */
    long updates;     /* bulk_updates: rows loaded BENCH_CHUNK at a time, changed, flushed */
    long parents;     /* relationship loading: parents ... */
    long children;    /* ... and children per parent */
} bench_sizes;

#define BENCH_CHUNK 1000

/* What one run is given. */
typedef struct bench_job {
    const char *db_path;      /* the SQLite file */
    const char *schema_dir;   /* bench/orm/schema */
    bench_sizes sz;
    int run;                  /* this run's number (bulk_updates writes values no run wrote) */
    int timeout_ms;           /* the ORM engine's statement timeout (0: none) */
    bool echo;                /* the ORM engine logs its statements on stderr */
} bench_job;

/* What one run reports. */
typedef struct bench_out {
    double secs;              /* the workload alone: no open, no schema load */
    uint64_t check;           /* checksum: the same on both sides */
    char err[240];            /* non-empty: the run failed */
} bench_out;

typedef void (*bench_fn)(const bench_job *j, bench_out *out);

typedef enum bench_data { DATA_EMPTY, DATA_CUSTOMERS, DATA_FAMILY } bench_data;

typedef struct bench_workload {
    const char *name;
    bench_data data;          /* what the database holds before each run */
    bench_fn orm, raw;
} bench_workload;

/* The workloads of each side (orm_side.c, raw_side.c). */
void orm_bulk_inserts(const bench_job *j, bench_out *o);
void orm_single_inserts(const bench_job *j, bench_out *o);
void orm_short_selects(const bench_job *j, bench_out *o);
void orm_large_resultsets(const bench_job *j, bench_out *o);
void orm_bulk_updates(const bench_job *j, bench_out *o);
void orm_rel_lazy(const bench_job *j, bench_out *o);
void orm_rel_joined(const bench_job *j, bench_out *o);
void orm_rel_selectin(const bench_job *j, bench_out *o);
void raw_bulk_inserts(const bench_job *j, bench_out *o);
void raw_single_inserts(const bench_job *j, bench_out *o);
void raw_short_selects(const bench_job *j, bench_out *o);
void raw_large_resultsets(const bench_job *j, bench_out *o);
void raw_bulk_updates(const bench_job *j, bench_out *o);
void raw_rel_lazy(const bench_job *j, bench_out *o);
void raw_rel_joined(const bench_job *j, bench_out *o);
void raw_rel_selectin(const bench_job *j, bench_out *o);

/* ---- shared by both sides (data.c) ---- */
/* Monotonic seconds. */
double bench_now(void);
/* The values a workload writes: "customer name N", "customer description N"
 * and bulk_updates' "customer description N updated R"; buf has 96 bytes;
 * returns the length. */
int bench_name(char *buf, long i);
int bench_description(char *buf, long i);
int bench_updated(char *buf, long i, int run);
/* The k-th customer id short_selects looks up (1..large, pseudo-random,
 * the same sequence on both sides). */
long bench_lookup_id(const bench_sizes *sz, long k);
/* Checksum terms: a customer row; a child row under its parent. */
uint64_t bench_row_check(int64_t id, size_t name_len, size_t desc_len);
uint64_t bench_child_check(int64_t parent_id, int64_t child_id, size_t name_len);
/* Record a failure in o (printf-style). */
void bench_fail(bench_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Put the database in the state a workload starts from (raw sqlite3,
 * untimed): the customer table empty, or holding sz->large rows, or the
 * parents and children; then a WAL checkpoint. 0 or -1 (message on stderr). */
int bench_prepare(const char *db_path, const bench_sizes *sz, bench_data data);
/* Rows in table (-1: error). */
long bench_count(const char *db_path, const char *table);
/* Open a raw connection as the ORM's driver opens one: WAL,
 * synchronous=NORMAL, foreign keys on. NULL on error (o set). */
struct sqlite3 *bench_raw_open(const char *db_path, bench_out *o);

#endif
