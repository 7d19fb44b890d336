/* raw_side.c: the workloads with the raw sqlite3 C API, the limit the ORM
 * is measured against: statements prepared once per run, values bound and
 * read in place (no copies), the ORM's transaction pattern (BEGIN for
 * reads, BEGIN IMMEDIATE for writes, one per session/unit; none around a
 * unit's only statement, a look-up by key, as the server's GET). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/orm/bench_orm.h"

typedef struct raw raw;
void raw_timed(raw *r, const bench_job *j, void (*body)(raw *r, const bench_job *j));

struct raw {
    sqlite3 *db;
    sqlite3_stmt *begin_read, *begin_write, *commit;
    bench_out *o;
};

static bool raw_open(raw *r, const bench_job *j, bench_out *o)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    if (!(r->db = bench_raw_open(j->db_path, o))) return false;
    sqlite3_prepare_v2(r->db, "BEGIN", -1, &r->begin_read, NULL);
    sqlite3_prepare_v2(r->db, "BEGIN IMMEDIATE", -1, &r->begin_write, NULL);
    sqlite3_prepare_v2(r->db, "COMMIT", -1, &r->commit, NULL);
    return true;
}

static void raw_close(raw *r)
{
    sqlite3_finalize(r->begin_read);
    sqlite3_finalize(r->begin_write);
    sqlite3_finalize(r->commit);
    sqlite3_close(r->db); /* finalizes nothing else: each workload finalizes its own */
}

/* The timed part: body. Not inlined: profile.sh counts this function
 * alone, as the clock does. */
__attribute__((noinline)) void raw_timed(raw *r, const bench_job *j, void (*body)(raw *r, const bench_job *j))
{
    body(r, j);
}

/* Time body after the untimed open. */
static void timed(const bench_job *j, bench_out *o, void (*body)(raw *r, const bench_job *j))
{
    raw r;
    if (!raw_open(&r, j, o)) return;
    double t0 = bench_now();
    raw_timed(&r, j, body);
    o->secs = bench_now() - t0;
    raw_close(&r);
}

/* The public name of a workload whose body is NAME_body. */
#define RAW_WORKLOAD(name) \
    void raw_##name(const bench_job *j, bench_out *o) { timed(j, o, name##_body); }

static sqlite3_stmt *prep(raw *r, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        bench_fail(r->o, "%s: %s", sql, sqlite3_errmsg(r->db));
    return st;
}

/* Step a statement that returns no rows, then reset it. */
static bool done(raw *r, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return true;
    bench_fail(r->o, "%s: %s", sqlite3_sql(st), sqlite3_errmsg(r->db));
    return false;
}

/* A customer row's checksum term from the current row of st (id, name, description). */
static uint64_t row_check(sqlite3_stmt *st)
{
    int64_t id = sqlite3_column_int64(st, 0);
    sqlite3_column_text(st, 1);
    size_t nl = (size_t)sqlite3_column_bytes(st, 1);
    sqlite3_column_text(st, 2);
    return bench_row_check(id, nl, (size_t)sqlite3_column_bytes(st, 2));
}

static const char *const INSERT = "INSERT INTO customer (name, description) VALUES (?, ?)";

static bool insert_one(raw *r, sqlite3_stmt *ins, long i, uint64_t *check)
{
    char name[96], desc[96];
    int nl = bench_name(name, i), dl = bench_description(desc, i);
    sqlite3_bind_text(ins, 1, name, nl, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, desc, dl, SQLITE_STATIC);
    if (!done(r, ins)) return false;
    *check += bench_row_check(0, (size_t)nl, (size_t)dl);
    return true;
}

static void bulk_inserts_body(raw *r, const bench_job *j)
{
    sqlite3_stmt *ins = prep(r, INSERT);
    bool ok = ins && done(r, r->begin_write);
    for (long i = 0; ok && i < j->sz.bulk; i++) ok = insert_one(r, ins, i, &r->o->check);
    if (ok) done(r, r->commit);
    sqlite3_finalize(ins);
}
RAW_WORKLOAD(bulk_inserts)

static void single_inserts_body(raw *r, const bench_job *j)
{
    sqlite3_stmt *ins = prep(r, INSERT);
    bool ok = ins != NULL;
    for (long i = 0; ok && i < j->sz.single; i++)
        ok = done(r, r->begin_write) && insert_one(r, ins, i, &r->o->check) && done(r, r->commit);
    sqlite3_finalize(ins);
}
RAW_WORKLOAD(single_inserts)

static void short_selects_body(raw *r, const bench_job *j)
{
    sqlite3_stmt *sel = prep(r, "SELECT id, name, description FROM customer WHERE id = ?");
    bool ok = sel != NULL;
    for (long k = 0; ok && k < j->sz.selects; k++) {
        sqlite3_bind_int64(sel, 1, bench_lookup_id(&j->sz, k));
        int rc = sqlite3_step(sel);
        if (rc == SQLITE_ROW) r->o->check += row_check(sel);
        else if (rc != SQLITE_DONE) {
            bench_fail(r->o, "%s: %s", sqlite3_sql(sel), sqlite3_errmsg(r->db));
            ok = false;
        }
        sqlite3_reset(sel);
    }
    sqlite3_finalize(sel);
}
RAW_WORKLOAD(short_selects)

static void large_resultsets_body(raw *r, const bench_job *j)
{
    sqlite3_stmt *sel = prep(r, "SELECT id, name, description FROM customer ORDER BY id");
    if (sel && done(r, r->begin_read)) {
        while (sqlite3_step(sel) == SQLITE_ROW) r->o->check += row_check(sel);
        sqlite3_reset(sel);
        done(r, r->commit);
    }
    sqlite3_finalize(sel);
}
RAW_WORKLOAD(large_resultsets)

static void bulk_updates_body(raw *r, const bench_job *j)
{
    sqlite3_stmt *sel = prep(r, "SELECT id, name, description FROM customer WHERE id BETWEEN ? AND ? ORDER BY id");
    sqlite3_stmt *upd = prep(r, "UPDATE customer SET description = ? WHERE id = ?");
    int64_t ids[BENCH_CHUNK];
    bool ok = sel && upd && done(r, r->begin_write);
    for (long lo = 1; ok && lo <= j->sz.updates; lo += BENCH_CHUNK) {
        long hi = lo + BENCH_CHUNK - 1 < j->sz.updates ? lo + BENCH_CHUNK - 1 : j->sz.updates;
        size_t n = 0;
        sqlite3_bind_int64(sel, 1, lo);
        sqlite3_bind_int64(sel, 2, hi);
        while (sqlite3_step(sel) == SQLITE_ROW && n < BENCH_CHUNK) ids[n++] = sqlite3_column_int64(sel, 0);
        sqlite3_reset(sel);
        for (size_t i = 0; ok && i < n; i++) {
            char desc[96];
            int dl = bench_updated(desc, (long)ids[i], j->run);
            sqlite3_bind_text(upd, 1, desc, dl, SQLITE_STATIC);
            sqlite3_bind_int64(upd, 2, ids[i]);
            ok = done(r, upd);
            r->o->check += bench_row_check(ids[i], 0, 0); /* the run number in the value varies */
        }
    }
    if (ok) done(r, r->commit);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
}
RAW_WORKLOAD(bulk_updates)

/* Parent ids in order (the parents' own rows are read as the ORM reads them). */
static int64_t *parent_ids(raw *r, const bench_job *j, size_t *n)
{
    int64_t *ids = malloc(sizeof *ids * (size_t)(j->sz.parents ? j->sz.parents : 1));
    sqlite3_stmt *p = prep(r, "SELECT id, name FROM parent ORDER BY id");
    *n = 0;
    while (p && sqlite3_step(p) == SQLITE_ROW && *n < (size_t)j->sz.parents) {
        sqlite3_column_text(p, 1);
        ids[(*n)++] = sqlite3_column_int64(p, 0);
    }
    sqlite3_finalize(p);
    return ids;
}

/* The children rows of st (id, parent_id, name), each under its parent_id. */
static void child_rows(sqlite3_stmt *st, uint64_t *check)
{
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_column_text(st, 2);
        *check += bench_child_check(sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 0),
                                    (size_t)sqlite3_column_bytes(st, 2));
    }
    sqlite3_reset(st);
}

static void rel_lazy_body(raw *r, const bench_job *j)
{
    if (done(r, r->begin_read)) {
        size_t n;
        int64_t *ids = parent_ids(r, j, &n);
        sqlite3_stmt *c = prep(r, "SELECT id, parent_id, name FROM child WHERE parent_id = ? ORDER BY id");
        for (size_t i = 0; c && i < n; i++) {
            sqlite3_bind_int64(c, 1, ids[i]);
            child_rows(c, &r->o->check);
        }
        sqlite3_finalize(c);
        free(ids);
        done(r, r->commit);
    }
}
RAW_WORKLOAD(rel_lazy)

static void rel_joined_body(raw *r, const bench_job *j)
{
    sqlite3_stmt *st = prep(r, "SELECT c.id, p.id, c.name, p.name FROM parent p LEFT OUTER JOIN child c "
                               "ON c.parent_id = p.id ORDER BY p.id, c.id");
    if (st && done(r, r->begin_read)) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            sqlite3_column_text(st, 3);
            if (sqlite3_column_type(st, 0) == SQLITE_NULL) continue;
            sqlite3_column_text(st, 2);
            r->o->check += bench_child_check(sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 0),
                                             (size_t)sqlite3_column_bytes(st, 2));
        }
        sqlite3_reset(st);
        done(r, r->commit);
    }
    sqlite3_finalize(st);
}
RAW_WORKLOAD(rel_joined)

static void rel_selectin_body(raw *r, const bench_job *j)
{
    if (done(r, r->begin_read)) {
        size_t n;
        int64_t *ids = parent_ids(r, j, &n);
        /* WHERE parent_id IN (?, ... BENCH_CHUNK) ORDER BY id, as the ORM's selectin */
        char *sql = malloc(64 + 3 * BENCH_CHUNK), *p = sql;
        p += sprintf(p, "SELECT id, parent_id, name FROM child WHERE parent_id IN (?");
        for (int k = 1; k < BENCH_CHUNK; k++) p += sprintf(p, ",?");
        strcpy(p, ") ORDER BY id");
        sqlite3_stmt *c = prep(r, sql);
        for (size_t from = 0; c && from < n; from += BENCH_CHUNK) {
            for (size_t k = 0; k < BENCH_CHUNK; k++) /* a short last chunk repeats its last key */
                sqlite3_bind_int64(c, (int)k + 1, ids[from + k < n ? from + k : n - 1]);
            child_rows(c, &r->o->check);
        }
        sqlite3_finalize(c);
        free(sql);
        free(ids);
        done(r, r->commit);
    }
}
RAW_WORKLOAD(rel_selectin)
