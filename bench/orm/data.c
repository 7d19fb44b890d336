/* data.c: what both sides of the benchmark share: the values written, the
 * look-up sequence, the checksum, the raw connection's set-up, and the
 * database states workloads start from (prepared untimed, with raw
 * sqlite3, between runs). */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/orm/bench_orm.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_name(char *buf, long i) { return snprintf(buf, 96, "customer name %ld", i); }
int bench_description(char *buf, long i) { return snprintf(buf, 96, "customer description %ld", i); }
int bench_updated(char *buf, long i, int run) { return snprintf(buf, 96, "customer description %ld updated %d", i, run); }

long bench_lookup_id(const bench_sizes *sz, long k)
{
    uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ULL + 1; /* splitmix64 */
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return 1 + (long)(x % (uint64_t)sz->large);
}

uint64_t bench_row_check(int64_t id, size_t name_len, size_t desc_len)
{
    return (uint64_t)id * 31 + name_len * 7 + desc_len;
}

uint64_t bench_child_check(int64_t parent_id, int64_t child_id, size_t name_len)
{
    return (uint64_t)parent_id * 1000003 + (uint64_t)child_id * 7 + name_len;
}

void bench_fail(bench_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->err, sizeof o->err, fmt, ap);
    va_end(ap);
}

sqlite3 *bench_raw_open(const char *db_path, bench_out *o)
{
    sqlite3 *db;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL,
                     NULL, NULL) != SQLITE_OK) {
        bench_fail(o, "cannot open %s: %s", db_path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    fprintf(stderr, "bench_orm: %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
}

static long count(sqlite3 *db, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

long bench_count(const char *db_path, const char *table)
{
    bench_out o = {0};
    sqlite3 *db = bench_raw_open(db_path, &o);
    long n = db ? count(db, table) : -1;
    sqlite3_close(db);
    return n;
}

/* customer rows 1..n, ids given (the read workloads look them up). */
static int fill_customers(sqlite3 *db, long n)
{
    sqlite3_stmt *st;
    if (exec(db, "DELETE FROM customer") || exec(db, "BEGIN IMMEDIATE") ||
        sqlite3_prepare_v2(db, "INSERT INTO customer (id, name, description) VALUES (?, ?, ?)", -1, &st, NULL))
        return -1;
    char name[96], desc[96];
    int rc = 0;
    for (long i = 1; i <= n && !rc; i++) {
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_text(st, 2, name, bench_name(name, i), SQLITE_STATIC);
        sqlite3_bind_text(st, 3, desc, bench_description(desc, i), SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc ? rc : exec(db, "COMMIT");
}

/* parents 1..P, each with C children (child ids in parent order). */
static int fill_family(sqlite3 *db, long parents, long children)
{
    sqlite3_stmt *p, *c;
    if (exec(db, "DELETE FROM child; DELETE FROM parent") || exec(db, "BEGIN IMMEDIATE") ||
        sqlite3_prepare_v2(db, "INSERT INTO parent (id, name) VALUES (?, ?)", -1, &p, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO child (parent_id, name) VALUES (?, ?)", -1, &c, NULL))
        return -1;
    char name[96];
    int rc = 0;
    for (long i = 1; i <= parents && !rc; i++) {
        sqlite3_bind_int64(p, 1, i);
        sqlite3_bind_text(p, 2, name, snprintf(name, sizeof name, "parent %ld", i), SQLITE_STATIC);
        rc = sqlite3_step(p) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(p);
        for (long k = 0; k < children && !rc; k++) {
            sqlite3_bind_int64(c, 1, i);
            sqlite3_bind_text(c, 2, name, snprintf(name, sizeof name, "child %ld of %ld", k, i), SQLITE_STATIC);
            rc = sqlite3_step(c) == SQLITE_DONE ? 0 : -1;
            sqlite3_reset(c);
        }
    }
    sqlite3_finalize(p);
    sqlite3_finalize(c);
    return rc ? rc : exec(db, "COMMIT");
}

int bench_prepare(const char *db_path, const bench_sizes *sz, bench_data data)
{
    bench_out o = {0};
    sqlite3 *db = bench_raw_open(db_path, &o);
    if (!db) {
        fprintf(stderr, "bench_orm: %s\n", o.err);
        return -1;
    }
    int rc = 0;
    switch (data) {
    case DATA_EMPTY: rc = exec(db, "DELETE FROM customer"); break;
    case DATA_CUSTOMERS:
        if (count(db, "customer") != sz->large) rc = fill_customers(db, sz->large);
        break;
    case DATA_FAMILY:
        if (count(db, "parent") != sz->parents || count(db, "child") != sz->parents * sz->children)
            rc = fill_family(db, sz->parents, sz->children);
        break;
    }
    if (!rc) rc = exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    return rc;
}
