/* test_driver_pg.c: the PostgreSQL driver (orm/driver_pg.c) through
 * orm/driver.h, against the throwaway server of the test run (RT_PG_URL,
 * started by scripts/with-postgres.sh; without it the suite fails, it does
 * not skip): values both ways in the ORM's storage forms, the statement
 * cache, errors by SQLSTATE, the statement timeout, and a connection the
 * server drops (UNAVAILABLE; the engine's next unit runs on a new one). */
#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orm/driver.h"
#include "orm/engine.h"
#include "orm/session.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static orm_conn *C;

static orm_value T(const char *s) { return orm_text(s, strlen(s)); }
static orm_error ERR;

static const char *pg_url(void)
{
    const char *url = getenv("RT_PG_URL");
    ck_assert_msg(url && *url, "RT_PG_URL is not set: run the PostgreSQL suites through scripts/with-postgres.sh");
    return url;
}

static void setup(void)
{
    orm_error_init(&ERR, NULL);
    orm_conn_options o = {.statement_timeout_ms = 2000};
    ck_assert_msg(orm_driver_pg.connect(pg_url(), &o, &C, &ERR) == 0, "%s %s", ERR.detail, ERR.internal);
    ck_assert_int_eq(orm_driver_pg.exec(C, "DROP TABLE IF EXISTS drv_kid; DROP TABLE IF EXISTS drv_t", &ERR), 0);
    ck_assert_int_eq(orm_driver_pg.exec(C, "CREATE TABLE drv_t (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                                           "n INTEGER CHECK (n >= 0))", &ERR), 0);
    ck_assert_int_eq(orm_driver_pg.exec(C, "CREATE TABLE drv_kid (id BIGINT PRIMARY KEY, "
                                           "t_id BIGINT REFERENCES drv_t (id))", &ERR), 0);
}

static void teardown(void)
{
    if (C) orm_driver_pg.disconnect(C);
    C = NULL;
}

/* Run sql with params; the cursor's first row is current (or none). */
static int run(const char *sql, const orm_value *params, size_t n, orm_cursor **cur)
{
    orm_compiled q;
    orm_compiled_text(&q, sql);
    q.params = (orm_value *)params;
    q.nparams = n;
    orm_error_init(&ERR, NULL);
    int rc = orm_driver_pg.query(C, &q, cur, &ERR);
    if (rc) return rc;
    int step = orm_driver_pg.next(*cur, &ERR);
    return step < 0 ? step : 0;
}

static void expect_text(orm_cursor *cur, size_t i, const char *want)
{
    orm_value v = orm_driver_pg.column(cur, i);
    ck_assert_int_eq(v.kind, ORM_V_TEXT);
    ck_assert_msg(v.u.s.n == strlen(want) && !memcmp(v.u.s.p, want, v.u.s.n), "column %zu: %.*s, not %s", i,
                  (int)v.u.s.n, v.u.s.p, want);
}

START_TEST(values_come_back_in_storage_forms)
{
    orm_value p[] = {orm_int(-9223372036854775807LL - 1), orm_float(0.1), orm_int(1),
                     T("12345678901234567890.125"), T("2024-05-01T14:00:00+02:00"),
                     T("2024-02-29"), T("{\"a\": [1, 2]}"),
                     T("0f0e0d0c-0b0a-0908-0706-050403020100"), T("h\xc3\xa9llo 'x'"),
                     orm_null()};
    orm_cursor *cur;
    ck_assert_int_eq(run("SELECT $1::bigint, $2::float8, $3::boolean, $4::numeric, $5::timestamptz, $6::date, "
                         "$7::jsonb, $8::uuid, $9::text, $10::text", p, 10, &cur), 0);
    orm_value v = orm_driver_pg.column(cur, 0);
    ck_assert_int_eq(v.kind, ORM_V_INT);
    ck_assert(v.u.i == -9223372036854775807LL - 1);
    v = orm_driver_pg.column(cur, 1);
    ck_assert_int_eq(v.kind, ORM_V_FLOAT);
    ck_assert(v.u.f == 0.1);
    v = orm_driver_pg.column(cur, 2);
    ck_assert_int_eq(v.kind, ORM_V_INT); /* booleans are 0/1 */
    ck_assert_int_eq(v.u.i, 1);
    expect_text(cur, 3, "12345678901234567890.125"); /* numeric exact, as text */
    expect_text(cur, 4, "2024-05-01T12:00:00Z");     /* UTC, ISO 8601 */
    expect_text(cur, 5, "2024-02-29");
    expect_text(cur, 6, "{\"a\": [1, 2]}");
    expect_text(cur, 7, "0f0e0d0c-0b0a-0908-0706-050403020100");
    expect_text(cur, 8, "h\xc3\xa9llo 'x'"); /* a value is never SQL text */
    ck_assert_int_eq(orm_driver_pg.column(cur, 9).kind, ORM_V_NULL);
    ck_assert_int_eq(orm_driver_pg.next(cur, &ERR), 0);
    orm_driver_pg.close(cur);
}
END_TEST

START_TEST(statements_are_prepared_once_per_text)
{
    orm_conn_stats before, after;
    orm_driver_pg.stats(C, &before);
    for (int i = 0; i < 3; i++) {
        orm_value p[] = {orm_int(i)};
        orm_cursor *cur;
        ck_assert_int_eq(run("SELECT $1::int + 1", p, 1, &cur), 0);
        ck_assert_int_eq(orm_driver_pg.column(cur, 0).u.i, i + 1);
        orm_driver_pg.close(cur);
    }
    orm_driver_pg.stats(C, &after);
    ck_assert_uint_eq(after.cache_misses - before.cache_misses, 1);
    ck_assert_uint_eq(after.cache_hits - before.cache_hits, 2);
    /* rows changed by DML */
    orm_value row[] = {orm_int(1), T("a"), orm_int(1)};
    orm_cursor *cur;
    ck_assert_int_eq(run("INSERT INTO drv_t (id, name, n) VALUES ($1, $2, $3)", row, 3, &cur), 0);
    ck_assert_int_eq(orm_driver_pg.changes(cur), 1);
    orm_driver_pg.close(cur);
}
END_TEST

START_TEST(errors_map_by_sqlstate)
{
    orm_value row[] = {orm_int(1), T("a"), orm_int(1)};
    orm_cursor *cur;
    ck_assert_int_eq(run("INSERT INTO drv_t (id, name, n) VALUES ($1, $2, $3)", row, 3, &cur), 0);
    orm_driver_pg.close(cur);
    static const struct { const char *sql, *detail; int code; } cases[] = {
        {"INSERT INTO drv_t (id, name) VALUES (2, 'a')", "same unique value", ORM_E_CONFLICT},
        {"INSERT INTO drv_kid (id, t_id) VALUES (1, 99)", "foreign-key", ORM_E_CONFLICT},
        {"INSERT INTO drv_t (id) VALUES (3)", "required column", ORM_E_CONFLICT},
        {"INSERT INTO drv_t (id, name, n) VALUES (4, 'd', -1)", "violates a constraint", ORM_E_CONFLICT},
        {"SELECT 'x'::int", "does not fit", ORM_E_VALIDATION},
        {"DO $$BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END$$", "busy", ORM_E_BUSY},
        {"DO $$BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40P01'; END$$", "busy", ORM_E_BUSY},
        {"SELECT pg_sleep(5)", "took too long", ORM_E_TIMEOUT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run(cases[i].sql, NULL, 0, &cur);
        ck_assert_msg(rc == cases[i].code, "%s: %d (%s)", cases[i].sql, rc, ERR.internal);
        ck_assert_msg(strstr(ERR.detail, cases[i].detail), "%s: %s", cases[i].sql, ERR.detail);
        ck_assert_msg(!strstr(ERR.detail, "drv_"), "%s: the detail names a table: %s", cases[i].sql, ERR.detail);
    }
}
END_TEST

static int select_one(orm_session *s, void *ud)
{
    orm_compiled q;
    orm_compiled_text(&q, "SELECT 1");
    return orm_session_execute(s, &q, NULL);
}

/* The server drops connections (a restart does): the driver answers
 * UNAVAILABLE, and a unit run on the engine's stale pooled connections
 * still succeeds: the pool starts over and the unit runs once more on a
 * new connection. */
START_TEST(dropped_connections_are_replaced)
{
    orm_engine *e;
    orm_engine_options o = {.pool_size = 2};
    ck_assert_int_eq(orm_engine_open(pg_url(), &o, &e, &ERR), 0);
    orm_conn *pooled[2];
    for (int i = 0; i < 2; i++) ck_assert_int_eq(orm_engine_checkout(e, &pooled[i], &ERR), 0);
    for (int i = 0; i < 2; i++) orm_engine_checkin(e, pooled[i], false);
    orm_conn *doomed;
    orm_conn_options co = {0};
    ck_assert_int_eq(orm_driver_pg.connect(pg_url(), &co, &doomed, &ERR), 0);
    orm_cursor *cur;
    /* this test's own connection ends every other backend of the database */
    ck_assert_int_eq(run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()", NULL, 0, &cur), 0);
    orm_driver_pg.close(cur);
    usleep(100 * 1000);
    ck_assert_int_eq(orm_driver_pg.exec(doomed, "SELECT 1", &ERR), ORM_E_UNAVAILABLE);
    orm_driver_pg.disconnect(doomed);
    orm_session s;
    orm_error err;
    orm_error_init(&err, NULL);
    rm_arena *a = rm_arena_new();
    orm_session_init(&s, e, NULL, a, &err);
    ck_assert_msg(orm_session_run(&s, false, select_one, NULL) == 0, "%s", err.detail);
    ck_assert_int_eq(s.attempts, 2);
    ck_assert_int_eq(orm_engine_ping(e, &err), 0);
    rm_arena_destroy(a);
    orm_engine_close(e);
}
END_TEST

TS_SUITE(driver_pg_suite, "orm/driver_pg", setup, teardown, 1, values_come_back_in_storage_forms,
         statements_are_prepared_once_per_text, errors_map_by_sqlstate, dropped_connections_are_replaced)
