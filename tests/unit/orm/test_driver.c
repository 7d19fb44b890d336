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
#include "tests/support/drvtest.h"
#include "tests/support/rt.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static const orm_driver *D = &orm_driver_sqlite;
static rm_arena *A;
static orm_error ERR;
static orm_conn *C;      /* an in-memory connection, open in every test */
static char DIR_[256];   /* a temporary directory, when a test makes one */
static dt DT;             /* the shared driver checks (drvtest.h) on this driver */

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
    DT = (dt){D, A, &ERR};
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

static void exec_ok(orm_conn *c, const char *sql) { dt_exec(&DT, c, sql); }

typedef dt_res res;

/* Run sql with params through query/next/column/close (drvtest.h). */
static int run(orm_conn *c, const char *sql, const orm_value *params, size_t np, size_t ncols, res *out)
{
    return dt_run(&DT, c, sql, params, NULL, np, ncols, out);
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

static orm_value scalar(orm_conn *c, const char *sql) { return dt_scalar(&DT, c, sql); }

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
    ck_assert(dt_text_is(scalar(f, "PRAGMA journal_mode"), "wal"));
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

START_TEST(rows_changed_by_dml) { dt_rows_changed_by_dml(&DT, C); }
END_TEST

START_TEST(statement_cache_is_keyed_by_sql_text)
{
    dt_cache_keyed_by_sql_text(&DT, C);
    orm_conn_stats s1 = dt_stats(&DT, C);
    /* transaction verbs are cached too */
    exec_ok(C, "BEGIN");
    exec_ok(C, "COMMIT");
    exec_ok(C, "BEGIN");
    exec_ok(C, "COMMIT");
    orm_conn_stats s2 = dt_stats(&DT, C);
    ck_assert_uint_eq(s2.cache_misses - s1.cache_misses, 2);
    ck_assert_uint_eq(s2.cache_hits - s1.cache_hits, 2);
}
END_TEST

START_TEST(a_cursor_closed_early_starts_over) { dt_cursor_closed_early_starts_over(&DT, C); }
END_TEST

/* far more distinct texts than any cache keeps: each answers its own */
START_TEST(many_distinct_statements_stay_correct) { dt_many_distinct_statements(&DT, C, 1500); }
END_TEST

/* Each violation, raised at step time, maps to CONFLICT with its own detail. */
START_TEST(constraint_violations_are_conflicts) { dt_constraint_violations_are_conflicts(&DT, C, NULL); }
END_TEST

START_TEST(bad_sql_is_internal) { dt_bad_sql_is_internal(&DT, C, "syntax error", "no such table"); }
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
    dt_unit_deadline_spans_statements(&DT, c, 150);
    D->disconnect(c);
}
END_TEST

TS_SUITE(driver_suite, "orm/driver", setup, teardown, 1, driver_describes_itself, connections_are_set_up,
         file_database_persists_across_connections, unopenable_database_is_unavailable,
         every_value_kind_round_trips, rows_changed_by_dml, statement_cache_is_keyed_by_sql_text,
         a_cursor_closed_early_starts_over, many_distinct_statements_stay_correct,
         constraint_violations_are_conflicts, bad_sql_is_internal, locked_database_is_busy,
         statement_timeout_interrupts, deadline_is_checked_between_rows, unit_deadline_spans_statements)
