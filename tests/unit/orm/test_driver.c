/* test_driver.c: the SQLite driver through orm/driver.h alone (no engine):
 * connections in memory and on disk with their set-up (WAL, foreign keys,
 * case-sensitive LIKE), prepare/bind/step/column for every value kind, rows
 * changed, the statement cache keyed by SQL text, errors mapped to orm
 * codes (unique, primary key, foreign key, not null, check, syntax, busy,
 * unopenable file) and the statement and unit deadlines. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "orm/driver.h"
#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static const orm_driver *D = &orm_driver_sqlite;
static rm_arena *A;
static orm_error ERR;
static orm_conn *C;      /* an in-memory connection, open in every test */
static char DIR_[256];   /* a temporary directory, when a test makes one */

static orm_conn *open_conn(const char *target, int busy_ms, int timeout_ms)
{
    orm_conn_options o = {.busy_timeout_ms = busy_ms, .statement_timeout_ms = timeout_ms};
    orm_conn *c = NULL;
    int rc = D->connect(target, &o, &c, &ERR);
    ck_assert_msg(rc == 0, "connect %s: %s", target, ERR.detail);
    return c;
}

static void setup(void)
{
    A = rm_arena_new();
    orm_error_init(&ERR, A);
    C = open_conn(":memory:", 1000, 0);
    DIR_[0] = '\0';
}

static void teardown(void)
{
    D->disconnect(C);
    if (DIR_[0]) ts_rmtree(DIR_);
    rm_arena_destroy(A);
}

/* A path in a fresh temporary directory (removed at teardown). */
static const char *temp_db(void)
{
    rt_mkdtemp(DIR_, sizeof DIR_);
    return rm_arena_sprintf(A, "%s/driver.db", DIR_);
}

static void exec_ok(orm_conn *c, const char *sql)
{
    ck_assert_msg(D->exec(c, sql, &ERR) == 0, "%s: %s", sql, ERR.internal);
}

typedef struct res {
    orm_value *v;       /* row r, column k: v[r * ncols + k] (arena copies) */
    size_t nrows;
    int64_t changes;
} res;

/* Run sql with params through query/next/column/close. Returns 0, or the
 * code query() or next() gave (err set). */
static int run(orm_conn *c, const char *sql, const orm_value *params, size_t np, size_t ncols, res *out)
{
    orm_compiled q;
    orm_compiled_text(&q, sql);
    q.params = (orm_value *)params;
    q.nparams = np;
    q.nresult = ncols;
    q.returns_rows = ncols > 0;
    memset(out, 0, sizeof *out);
    orm_cursor *cur;
    int rc = D->query(c, &q, &cur, &ERR);
    if (rc) return rc;
    size_t cap = 0;
    while ((rc = D->next(cur, &ERR)) == 1) {
        if (out->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            out->v = rm_arena_realloc(A, out->v, cap * ncols * sizeof *out->v, ncap * ncols * sizeof *out->v);
            cap = ncap;
        }
        for (size_t k = 0; k < ncols; k++)
            out->v[out->nrows * ncols + k] = orm_value_copy(A, D->column(cur, k));
        out->nrows++;
    }
    if (rc == 0) out->changes = D->changes(cur);
    D->close(cur);
    return rc;
}

/* A cursor on a one-column query (rows not read yet). */
static orm_cursor *open_cursor(orm_conn *c, const char *sql)
{
    orm_compiled *q = RM_NEW(A, orm_compiled);
    orm_compiled_text(q, sql);
    q->nresult = 1;
    q->returns_rows = true;
    orm_cursor *cur;
    ck_assert_int_eq(D->query(c, q, &cur, &ERR), 0);
    return cur;
}

/* The single value of a one-row, one-column query. */
static orm_value scalar(orm_conn *c, const char *sql)
{
    res r;
    ck_assert_msg(run(c, sql, NULL, 0, 1, &r) == 0, "%s: %s", sql, ERR.internal);
    ck_assert_uint_eq(r.nrows, 1);
    return r.v[0];
}

static bool text_is(orm_value v, const char *s)
{
    return v.kind == ORM_V_TEXT && v.u.s.n == strlen(s) && memcmp(v.u.s.p, s, v.u.s.n) == 0;
}

START_TEST(driver_describes_itself)
{
    ck_assert_str_eq(D->name, "sqlite");
    ck_assert_ptr_eq(D->dialect, &orm_dialect_sqlite);
    ck_assert(D->single_writer);
}
END_TEST

START_TEST(connections_are_set_up)
{
    ck_assert_int_eq(scalar(C, "PRAGMA foreign_keys").u.i, 1);
    ck_assert_int_eq(scalar(C, "SELECT 'A' LIKE 'a'").u.i, 0); /* LIKE is case-sensitive */
    ck_assert_int_eq(scalar(C, "SELECT 'abc' LIKE 'a%'").u.i, 1);
    orm_conn *f = open_conn(temp_db(), 1000, 0);
    ck_assert(text_is(scalar(f, "PRAGMA journal_mode"), "wal"));
    ck_assert_int_eq(scalar(f, "PRAGMA synchronous").u.i, 1); /* NORMAL */
    D->disconnect(f);
    D->disconnect(NULL); /* no-op */
}
END_TEST

START_TEST(file_database_persists_across_connections)
{
    const char *path = temp_db();
    orm_conn *f = open_conn(path, 1000, 0);
    exec_ok(f, "CREATE TABLE t (x INTEGER)");
    orm_value v = orm_int(42);
    res r;
    ck_assert_int_eq(run(f, "INSERT INTO t (x) VALUES (?1)", &v, 1, 0, &r), 0);
    D->disconnect(f);
    f = open_conn(path, 1000, 0);
    ck_assert_int_eq(scalar(f, "SELECT x FROM t").u.i, 42);
    D->disconnect(f);
}
END_TEST

START_TEST(unopenable_database_is_unavailable)
{
    orm_conn_options o = {.busy_timeout_ms = 10};
    orm_conn *c = NULL;
    int rc = D->connect("/nonexistent-restmap-dir/sub/x.db", &o, &c, &ERR);
    ck_assert_int_eq(rc, ORM_E_UNAVAILABLE);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "cannot open"));
}
END_TEST

START_TEST(every_value_kind_round_trips)
{
    exec_ok(C, "CREATE TABLE vals (k INTEGER PRIMARY KEY, v)");
    const orm_value in[] = {
        orm_null(), orm_int(0), orm_int(INT64_MAX), orm_int(INT64_MIN), orm_int(-1),
        orm_float(0.1), orm_float(-1e300), orm_float(3.5), orm_text("caf\xC3\xA9", 5),
        orm_text("", 0), orm_text(NULL, 0), orm_text("a\0b", 3), orm_text("it's \"q\"", 8),
    };
    size_t n = sizeof in / sizeof in[0];
    for (size_t i = 0; i < n; i++) {
        orm_value p[2] = {orm_int((int64_t)i), in[i]};
        res r;
        ck_assert_int_eq(run(C, "INSERT INTO vals (k, v) VALUES (?1, ?2)", p, 2, 0, &r), 0);
        ck_assert_int_eq(r.changes, 1);
    }
    res r;
    ck_assert_int_eq(run(C, "SELECT k, v FROM vals ORDER BY k", NULL, 0, 2, &r), 0);
    ck_assert_uint_eq(r.nrows, n);
    for (size_t i = 0; i < n; i++) {
        orm_value got = r.v[i * 2 + 1], want = in[i];
        if (want.kind == ORM_V_TEXT && !want.u.s.p) want = orm_text("", 0); /* NULL text binds as "" */
        ck_assert_int_eq(r.v[i * 2].u.i, (int64_t)i);
        ck_assert_msg(orm_value_eq(&got, &want), "value %zu: got %s, want %s", i, orm_value_repr(A, &got),
                      orm_value_repr(A, &want));
    }
}
END_TEST

START_TEST(rows_changed_by_dml)
{
    exec_ok(C, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3), (4);");
    orm_value lim = orm_int(3);
    res r;
    ck_assert_int_eq(run(C, "UPDATE t SET x = x * 10 WHERE x <= ?1", &lim, 1, 0, &r), 0);
    ck_assert_int_eq(r.changes, 3);
    ck_assert_int_eq(run(C, "DELETE FROM t WHERE x = 999", NULL, 0, 0, &r), 0);
    ck_assert_int_eq(r.changes, 0);
    ck_assert_int_eq(run(C, "DELETE FROM t WHERE x >= 10", NULL, 0, 0, &r), 0);
    ck_assert_int_eq(r.changes, 3);
    ck_assert_int_eq(scalar(C, "SELECT sum(x) FROM t").u.i, 4);
}
END_TEST

static orm_conn_stats stats(orm_conn *c)
{
    orm_conn_stats s;
    D->stats(c, &s);
    return s;
}

START_TEST(statement_cache_is_keyed_by_sql_text)
{
    exec_ok(C, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
    orm_conn_stats s0 = stats(C);
    res r;
    orm_value p = orm_int(1);
    ck_assert_int_eq(run(C, "SELECT x FROM t WHERE x > ?1 ORDER BY x", &p, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 2);
    p = orm_int(2); /* same text, other value: the cached statement, bound afresh */
    ck_assert_int_eq(run(C, "SELECT x FROM t WHERE x > ?1 ORDER BY x", &p, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_int_eq(r.v[0].u.i, 3);
    ck_assert_int_eq(run(C, "SELECT x FROM t WHERE x >= ?1 ORDER BY x", &p, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 2);
    orm_conn_stats s1 = stats(C);
    ck_assert_uint_eq(s1.cache_misses - s0.cache_misses, 2);
    ck_assert_uint_eq(s1.cache_hits - s0.cache_hits, 1);
    /* transaction verbs are cached too */
    exec_ok(C, "BEGIN");
    exec_ok(C, "COMMIT");
    exec_ok(C, "BEGIN");
    exec_ok(C, "COMMIT");
    orm_conn_stats s2 = stats(C);
    ck_assert_uint_eq(s2.cache_misses - s1.cache_misses, 2);
    ck_assert_uint_eq(s2.cache_hits - s1.cache_hits, 2);
}
END_TEST

START_TEST(a_cursor_closed_early_starts_over)
{
    exec_ok(C, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
    orm_cursor *cur = open_cursor(C, "SELECT x FROM t ORDER BY x");
    ck_assert_int_eq(D->next(cur, &ERR), 1);
    ck_assert_int_eq(D->column(cur, 0).u.i, 1);
    D->close(cur); /* two rows left unread */
    res r;
    ck_assert_int_eq(run(C, "SELECT x FROM t ORDER BY x", NULL, 0, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 3);
    ck_assert_int_eq(r.v[0].u.i, 1);
}
END_TEST

START_TEST(many_distinct_statements_stay_correct)
{
    /* far more distinct texts than any cache keeps: each answers its own */
    exec_ok(C, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);");
    for (int i = 0; i < 1500; i++) {
        const char *sql = rm_arena_sprintf(A, "SELECT x + %d FROM t", i);
        ck_assert_int_eq(scalar(C, sql).u.i, 7 + i);
    }
    orm_conn_stats s0 = stats(C);
    ck_assert_int_eq(scalar(C, "SELECT x + 1499 FROM t").u.i, 1506);
    ck_assert_uint_eq(stats(C).cache_hits - s0.cache_hits, 1); /* the latest is still cached */
}
END_TEST

/* Each violation, raised at step time, maps to CONFLICT with its own detail. */
START_TEST(constraint_violations_are_conflicts)
{
    exec_ok(C, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
               "CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL REFERENCES parent (id),"
               " code TEXT UNIQUE, n INTEGER CHECK (n > 0));"
               "INSERT INTO parent VALUES (1);"
               "INSERT INTO child VALUES (1, 1, 'a', 1);");
    static const struct { const char *sql, *detail; } cases[] = {
        {"INSERT INTO child VALUES (1, 1, 'b', 1)", "same unique value"},          /* primary key */
        {"INSERT INTO child VALUES (2, 1, 'a', 1)", "same unique value"},          /* unique */
        {"INSERT INTO child VALUES (2, 9, 'b', 1)", "foreign-key"},
        {"INSERT INTO child VALUES (2, NULL, 'b', 1)", "required column"},         /* not null */
        {"INSERT INTO child VALUES (2, 1, 'b', 0)", "violates a constraint"},      /* check */
        {"DELETE FROM parent WHERE id = 1", "foreign-key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_error_init(&ERR, A);
        res r;
        ck_assert_int_eq(run(C, cases[i].sql, NULL, 0, 0, &r), ORM_E_CONFLICT);
        ck_assert_msg(strstr(ERR.detail, cases[i].detail) != NULL, "%s: %s", cases[i].sql, ERR.detail);
        ck_assert_msg(strstr(ERR.internal, cases[i].sql) != NULL, "internal text names the SQL: %s",
                      ERR.internal);
    }
    ck_assert_int_eq(scalar(C, "SELECT count(*) FROM child").u.i, 1); /* nothing got in */
}
END_TEST

START_TEST(bad_sql_is_internal)
{
    res r;
    ck_assert_int_eq(run(C, "SELEKT 1", NULL, 0, 1, &r), ORM_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "syntax error"));
    orm_error_init(&ERR, A);
    ck_assert_int_eq(run(C, "SELECT * FROM missing", NULL, 0, 1, &r), ORM_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "no such table"));
    orm_error_init(&ERR, A);
    ck_assert_int_eq(D->exec(C, "DROP TABLE missing", &ERR), ORM_E_INTERNAL);
    ck_assert_int_eq(D->exec(C, "CREATE TABLE a (x); CREATE TABLE a (x);", &ERR), ORM_E_INTERNAL);
    /* the connection is still usable */
    ck_assert_int_eq(scalar(C, "SELECT 5").u.i, 5);
}
END_TEST

START_TEST(locked_database_is_busy)
{
    const char *path = temp_db();
    orm_conn *w1 = open_conn(path, 1000, 0), *w2 = open_conn(path, 10, 0);
    exec_ok(w1, "CREATE TABLE t (x INTEGER)");
    exec_ok(w1, "BEGIN IMMEDIATE");
    ck_assert_int_eq(D->exec(w2, "BEGIN IMMEDIATE", &ERR), ORM_E_BUSY);
    /* readers are not blocked by a writer (WAL) */
    ck_assert_int_eq(scalar(w2, "SELECT count(*) FROM t").u.i, 0);
    exec_ok(w1, "COMMIT");
    exec_ok(w2, "BEGIN IMMEDIATE");
    exec_ok(w2, "COMMIT");
    D->disconnect(w1);
    D->disconnect(w2);
}
END_TEST

static const char FOREVER[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

START_TEST(statement_timeout_interrupts)
{
    orm_conn *c = open_conn(":memory:", 10, 50);
    res r;
    ck_assert_int_eq(run(c, FOREVER, NULL, 0, 1, &r), ORM_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "too long"));
    /* the next statement gets its own time */
    ck_assert_int_eq(scalar(c, "SELECT 3").u.i, 3);
    D->disconnect(c);
}
END_TEST

START_TEST(deadline_is_checked_between_rows)
{
    orm_conn *c = open_conn(":memory:", 10, 100);
    exec_ok(c, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);");
    orm_cursor *cur = open_cursor(c, "SELECT x FROM t");
    ck_assert_int_eq(D->next(cur, &ERR), 1);
    ts_sleep_ms(200); /* the caller is slow between rows: the statement's time is up */
    ck_assert_int_eq(D->next(cur, &ERR), ORM_E_TIMEOUT);
    D->close(cur);
    D->disconnect(c);
}
END_TEST

START_TEST(unit_deadline_spans_statements)
{
    orm_conn *c = open_conn(":memory:", 10, 150);
    D->unit_deadline(c, true);
    ck_assert_int_eq(scalar(c, "SELECT 1").u.i, 1);
    ts_sleep_ms(250); /* each statement is quick, but the unit has run too long */
    res r;
    ck_assert_int_eq(run(c, "SELECT 2", NULL, 0, 1, &r), ORM_E_TIMEOUT);
    D->unit_deadline(c, false); /* back to one timeout per statement */
    ck_assert_int_eq(scalar(c, "SELECT 2").u.i, 2);
    ts_sleep_ms(250);
    ck_assert_int_eq(scalar(c, "SELECT 4").u.i, 4);
    D->disconnect(c);
}
END_TEST

TS_SUITE(driver_suite, "orm/driver", setup, teardown, 1, driver_describes_itself, connections_are_set_up,
         file_database_persists_across_connections, unopenable_database_is_unavailable,
         every_value_kind_round_trips, rows_changed_by_dml, statement_cache_is_keyed_by_sql_text,
         a_cursor_closed_early_starts_over, many_distinct_statements_stay_correct,
         constraint_violations_are_conflicts, bad_sql_is_internal, locked_database_is_busy,
         statement_timeout_interrupts, deadline_is_checked_between_rows, unit_deadline_spans_statements)
