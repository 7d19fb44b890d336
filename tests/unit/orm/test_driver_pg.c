/* test_driver_pg.c: the PostgreSQL driver through orm/driver.h alone (no
 * engine; the pool's part at the end), on the PostgreSQL run's server
 * (tests/support/pgtmp.h), one fresh database per test: the connection's
 * set-up, URLs refused and servers not reachable, every value kind both
 * ways with parameters typed by their column (numeric exact, booleans,
 * timestamptz as ISO 8601 with Z, dates, jsonb compact, uuid, int8
 * extremes, floats exact and not finite), rows changed, the statement
 * cache keyed by SQL text (and emptied when full), errors by SQLSTATE
 * (unique, foreign key, not null, check → CONFLICT with SQLite's details;
 * serialization failure, deadlock, lock timeout → BUSY; statement timeout
 * and the unit deadline → TIMEOUT; a refused value → VALIDATION; bad SQL →
 * INTERNAL), and a killed connection → UNAVAILABLE, found by check()
 * without a round trip, and replaced by the pool on the next checkout;
 * BEGIN kept by begin() and sent with the first statement: the same
 * transaction, errors and deadlines as sent alone. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "orm/convert.h"
#include "orm/session.h"
#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/drvtest.h"
#include "tests/support/pgtmp.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static const orm_driver *D = &orm_driver_pg;
static rm_arena *A;
static orm_error ERR;
static char URL[512];   /* a fresh database per test */
static orm_conn *C;     /* a connection to it, open in every test */
static dt DT;           /* the shared driver checks (drvtest.h) on this driver */

static orm_conn *open_conn(int busy_ms, int timeout_ms)
{
    orm_conn_options o = {.busy_timeout_ms = busy_ms, .statement_timeout_ms = timeout_ms};
    orm_conn *c = NULL;
    int rc = D->connect(URL, &o, &c, &ERR);
    ck_assert_msg(rc == 0, "connect %s: %s (%s)", URL, ERR.detail, ERR.internal);
    return c;
}

static void setup(void)
{
    A = rm_arena_new();
    orm_error_init(&ERR, A);
    DT = (dt){D, A, &ERR};
    pgtmp_fresh_db(URL, sizeof URL);
    C = open_conn(1000, 0);
}

static void teardown(void)
{
    D->disconnect(C);
    pgtmp_drop_db(URL);
    rm_arena_destroy(A);
}

static void exec_ok(orm_conn *c, const char *sql) { dt_exec(&DT, c, sql); }

typedef dt_res res;

/* Run sql with params (typed by cols when not NULL; drvtest.h). */
static int run_typed(orm_conn *c, const char *sql, const orm_value *params, const orm_column **cols, size_t np,
                     size_t ncols, res *out)
{
    return dt_run(&DT, c, sql, params, cols, np, ncols, out);
}

static int run(orm_conn *c, const char *sql, const orm_value *params, size_t np, size_t ncols, res *out)
{
    return dt_run(&DT, c, sql, params, NULL, np, ncols, out);
}

static orm_value scalar(orm_conn *c, const char *sql) { return dt_scalar(&DT, c, sql); }

#define ck_text(v, s)                                                                                  \
    do {                                                                                               \
        orm_value v_ = (v);                                                                            \
        ck_assert_msg(dt_text_is(v_, s), "got %s, want '%s'", orm_value_repr(A, &v_), s);                 \
    } while (0)

START_TEST(driver_describes_itself)
{
    ck_assert_str_eq(D->name, "postgresql");
    ck_assert_ptr_eq(D->dialect, &orm_dialect_pg);
    ck_assert(!D->single_writer); /* no process-wide write lock: the server orders writers */
    ck_assert(D->check != NULL);
}
END_TEST

START_TEST(connections_are_set_up)
{
    orm_conn *c = open_conn(250, 1500);
    static const struct { const char *setting, *want; } set[] = {
        {"statement_timeout", "1500ms"}, {"lock_timeout", "250ms"}, {"TimeZone", "UTC"},
        {"DateStyle", "ISO, YMD"}, {"client_encoding", "UTF8"}, {"standard_conforming_strings", "on"},
        {"extra_float_digits", "3"}, {"application_name", "restmap"},
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        ck_text(scalar(c, rm_arena_sprintf(A, "SHOW %s", set[i].setting)), set[i].want);
    ck_assert_int_eq(scalar(c, "SELECT 'A' LIKE 'a'").u.i, 0); /* LIKE is case-sensitive, as on SQLite */
    ck_assert_int_eq(scalar(c, "SELECT 'A' ILIKE 'a'").u.i, 1);
    D->disconnect(c);
    c = open_conn(0, 0); /* no timeouts */
    ck_text(scalar(c, "SHOW statement_timeout"), "0");
    D->disconnect(c);
    D->disconnect(NULL); /* no-op */
}
END_TEST

START_TEST(bad_urls_and_unreachable_servers)
{
    orm_conn_options o = {0};
    orm_conn *c = NULL;
    ck_assert_int_eq(D->connect("postgresql://u@h/db?nosuchoption=1", &o, &c, &ERR), ORM_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "not a valid PostgreSQL URL"));
    ck_assert_int_eq(D->connect("postgresql://[::1/db", &o, &c, &ERR), ORM_E_CONFIG);
    /* nothing listens on port 1; the detail names no host (it may reach a client) */
    orm_error_init(&ERR, A);
    ck_assert_int_eq(D->connect("postgresql://postgres@127.0.0.1:1/x", &o, &c, &ERR), ORM_E_UNAVAILABLE);
    ck_assert_str_eq(ERR.detail, "cannot connect to the PostgreSQL database");
    ck_assert_ptr_nonnull(strstr(ERR.internal, "127.0.0.1"));
    ck_assert_ptr_null(c);
    /* a database that does not exist */
    char url[512];
    ck_assert(rt_pg_database_url("no_such_db", url, sizeof url));
    ck_assert_int_eq(D->connect(url, &o, &c, &ERR), ORM_E_UNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "no_such_db"));
}
END_TEST

static orm_value T(const char *s) { return orm_text(s, strlen(s)); }

/* A column of each ORM type, for typed parameters. */
static orm_column COLS[ORM_T__COUNT];

static const orm_column *col(orm_type t)
{
    COLS[t].type = t;
    COLS[t].name = orm_type_name(t);
    return &COLS[t];
}

/* Insert `in` into the column of type t, read it back: the text `want`
 * (NULL: the same value). */
static void round_trip(orm_type t, orm_value in, const char *want)
{
    const char *cname = orm_type_name(t);
    orm_value p[2] = {orm_int(1), in};
    const orm_column *pc[2] = {col(ORM_T_BIGINT), col(t)};
    res r;
    exec_ok(C, "DELETE FROM vals");
    const char *ins = rm_arena_sprintf(A, "INSERT INTO vals (k, \"%s\") VALUES ($1, $2)", cname);
    ck_assert_msg(run_typed(C, ins, p, pc, 2, 0, &r) == 0, "%s %s: %s", cname, orm_value_repr(A, &in), ERR.internal);
    ck_assert_int_eq(r.changes, 1);
    const char *sel = rm_arena_sprintf(A, "SELECT \"%s\" FROM vals WHERE k = $1", cname);
    ck_assert_int_eq(run_typed(C, sel, p, pc, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 1);
    orm_value got = r.v[0], w = want ? orm_text(want, strlen(want)) : in;
    if (w.kind == ORM_V_FLOAT && w.u.f != w.u.f) {
        ck_assert_msg(got.kind == ORM_V_FLOAT && got.u.f != got.u.f, "%s: NaN came back as %s", cname,
                      orm_value_repr(A, &got));
        return;
    }
    ck_assert_msg(orm_value_eq(&got, &w), "%s: sent %s, got %s, want %s", cname, orm_value_repr(A, &in),
                  orm_value_repr(A, &got), orm_value_repr(A, &w));
    /* the same value finds the row as a typed parameter */
    const char *where = rm_arena_sprintf(A, "SELECT count(*) FROM vals WHERE \"%s\" = $1", cname);
    if (in.kind != ORM_V_NULL && t != ORM_T_FLOAT) {
        orm_value back = w;
        const orm_column *bc = col(t);
        ck_assert_int_eq(run_typed(C, where, &back, &bc, 1, 1, &r), 0);
        ck_assert_msg(r.v[0].u.i == 1, "%s: %s does not find itself", cname, orm_value_repr(A, &back));
    }
}

START_TEST(every_value_kind_round_trips)
{
    exec_ok(C, "CREATE TABLE vals (k BIGINT PRIMARY KEY, \"integer\" INTEGER, \"bigint\" BIGINT, \"float\" DOUBLE "
               "PRECISION, \"numeric\" NUMERIC, \"string\" VARCHAR(20) COLLATE \"C\", \"text\" TEXT, \"boolean\" "
               "BOOLEAN, \"date\" DATE, \"datetime\" TIMESTAMPTZ, \"json\" JSONB, \"uuid\" UUID)");
    round_trip(ORM_T_BIGINT, orm_int(INT64_MAX), NULL);
    round_trip(ORM_T_BIGINT, orm_int(INT64_MIN), NULL);
    round_trip(ORM_T_INTEGER, orm_int(-1), NULL);
    round_trip(ORM_T_INTEGER, orm_null(), NULL);
    round_trip(ORM_T_FLOAT, orm_float(0.1), NULL);
    round_trip(ORM_T_FLOAT, orm_float(-1e300), NULL);
    round_trip(ORM_T_FLOAT, orm_float(5e-324), NULL);
    round_trip(ORM_T_FLOAT, orm_float(1.0 / 0.0), NULL);
    round_trip(ORM_T_FLOAT, orm_float(-1.0 / 0.0), NULL);
    round_trip(ORM_T_FLOAT, orm_float(0.0 / 0.0), NULL);
    round_trip(ORM_T_NUMERIC, T("12345678901234567890.123456789012345678"), NULL); /* exact, no double */
    round_trip(ORM_T_NUMERIC, T("-0.50"), NULL);                                   /* scale kept */
    round_trip(ORM_T_STRING, T("caf\xC3\xA9 it's \"q\" \\n"), NULL);
    round_trip(ORM_T_STRING, T(""), NULL);
    round_trip(ORM_T_TEXT, orm_text(NULL, 0), "");
    round_trip(ORM_T_BOOLEAN, orm_int(1), NULL);
    round_trip(ORM_T_BOOLEAN, orm_int(0), NULL);
    round_trip(ORM_T_DATE, T("2024-02-29"), NULL);
    /* datetimes come back in UTC as ISO 8601 with 'T' and 'Z', fraction as stored */
    round_trip(ORM_T_DATETIME, T("2026-11-22T10:15:00Z"), NULL);
    round_trip(ORM_T_DATETIME, T("2026-11-22T10:15:00.123456Z"), NULL);
    round_trip(ORM_T_DATETIME, T("2026-11-22T12:15:00.5+02:00"), "2026-11-22T10:15:00.5Z");
    round_trip(ORM_T_DATETIME, T("2026-11-22 10:15"), "2026-11-22T10:15:00Z");
    /* jsonb: compact text, keys in jsonb's order (shorter first), strings untouched */
    round_trip(ORM_T_JSON, T("{\"bb\":[1,2.50,{\"x\":null}],\"a\":\"x: y, z\"}"),
               "{\"a\":\"x: y, z\",\"bb\":[1,2.50,{\"x\":null}]}");
    round_trip(ORM_T_JSON, T("\"a \\\" b\""), NULL);
    round_trip(ORM_T_JSON, T("true"), NULL);
    round_trip(ORM_T_UUID, T("0e5c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"), NULL);
}
END_TEST

/* restmap's stored form of a date-time (orm/convert.c: UTC, microseconds,
 * 'Z') is what TIMESTAMPTZ makes of the same text, for random date-times
 * with and without seconds, fractions of 1 to 9 digits and offsets. A
 * fraction whose 7th to 9th digits are exactly half a microsecond is left
 * out: PostgreSQL rounds it through a double, either way. */
static int rnd(uint64_t *x, int n)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int)((*x >> 33) % (uint64_t)n);
}

START_TEST(datetime_input_agrees_with_timestamptz)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
#define RND(n) rnd(&x, n)
    orm_column dtc = {.name = "x", .type = ORM_T_DATETIME, .nullable = true};
    for (int i = 0; i < 2000; i++) {
        char text[64];
        int n = snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d", 2 + RND(9997), 1 + RND(12), 1 + RND(28),
                         RND(2) ? 'T' : ' ', RND(24), RND(60));
        if (RND(4)) {
            n += snprintf(text + n, sizeof text - (size_t)n, ":%02d", RND(20) ? RND(60) : 60);
            int digits = RND(3) ? 0 : 1 + RND(9);
            if (digits) text[n++] = '.';
            for (int k = 0; k < digits; k++) text[n++] = (char)('0' + RND(10));
            text[n] = 0;
            if (digits > 6 && text[n - digits + 6] == '5' && strspn(text + n - digits + 7, "0") == (size_t)digits - 7)
                continue;
        }
        int zone = RND(3);
        if (zone == 1) text[n++] = 'Z';
        if (zone == 2) n += snprintf(text + n, sizeof text - (size_t)n, "%c%02d:%02d", RND(2) ? '+' : '-', RND(16), RND(60));
        text[n] = 0;
        json_t *j = json_string(text);
        orm_value mine;
        const char *msg = NULL;
        ck_assert_msg(orm_value_from_json(&dtc, j, A, &mine, &msg) == 0, "%s: %s", text, msg);
        json_decref(j);
        orm_value in = T(text);
        res r;
        ck_assert_msg(run(C, "SELECT CAST(#1 AS text)::timestamptz", &in, 1, 1, &r) == 0, "%s: %s (%s)", text, ERR.detail, ERR.internal);
        ck_assert_msg(dt_text_is(r.v[0], mine.u.s.p), "%s: restmap stores %s, PostgreSQL %s", text, mine.u.s.p,
                      orm_value_repr(A, &r.v[0]));
    }
#undef RND
}
END_TEST

START_TEST(results_take_their_kind_from_the_result_type)
{
    /* untyped expressions too: the server's result type decides */
    ck_assert_int_eq(scalar(C, "SELECT 7::smallint").kind, ORM_V_INT);
    ck_assert_int_eq(scalar(C, "SELECT count(*) FROM pg_class WHERE false").u.i, 0);
    ck_assert_int_eq(scalar(C, "SELECT true").u.i, 1);
    orm_value f = scalar(C, "SELECT 0.5::real");
    ck_assert(f.kind == ORM_V_FLOAT && f.u.f == 0.5);
    ck_text(scalar(C, "SELECT 1.50::numeric"), "1.50");
    ck_text(scalar(C, "SELECT '2024-01-02 03:04:05'::timestamp"), "2024-01-02T03:04:05"); /* no zone: no Z */
    ck_text(scalar(C, "SELECT 'infinity'::timestamptz"), "infinity");
    ck_assert_int_eq(scalar(C, "SELECT NULL::text").kind, ORM_V_NULL);
}
END_TEST

START_TEST(refused_values)
{
    exec_ok(C, "CREATE TABLE t (s TEXT, d DATE, x VARCHAR(3))");
    res r;
    orm_value nul = orm_text("a\0b", 3);
    ck_assert_int_eq(run(C, "INSERT INTO t (s) VALUES ($1)", &nul, 1, 0, &r), ORM_E_VALIDATION);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "NUL"));
    orm_value year0 = T("0000-01-01");
    const orm_column *dc = col(ORM_T_DATE);
    ck_assert_int_eq(run_typed(C, "INSERT INTO t (d) VALUES ($1)", &year0, &dc, 1, 0, &r), ORM_E_VALIDATION);
    ck_assert_str_eq(ERR.detail, "a value does not fit its column");
    ck_assert_ptr_nonnull(strstr(ERR.internal, "22008"));
    orm_value longer = T("abcd");
    ck_assert_int_eq(run(C, "INSERT INTO t (x) VALUES ($1)", &longer, 1, 0, &r), ORM_E_VALIDATION);
    /* a value too large for a btree index entry */
    exec_ok(C, "CREATE TABLE u (s TEXT UNIQUE)");
    char *big = rm_arena_alloc(A, 12001);
    uint32_t x = 12345;
    for (int i = 0; i < 12000; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)('!' + (x >> 16) % 90);
    }
    big[12000] = '\0';
    orm_value b = T(big);
    ck_assert_int_eq(run(C, "INSERT INTO u (s) VALUES ($1)", &b, 1, 0, &r), ORM_E_VALIDATION);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "54000"));
    ck_assert_int_eq(scalar(C, "SELECT count(*) FROM t").u.i, 0);
}
END_TEST

START_TEST(rows_changed_by_dml)
{
    dt_rows_changed_by_dml(&DT, C);
    res r; /* and with RETURNING: the rows are read, and counted */
    ck_assert_int_eq(run(C, "DELETE FROM t RETURNING x", NULL, 0, 1, &r), 0);
    ck_assert_int_eq(r.changes, 1);
    ck_assert_uint_eq(r.nrows, 1);
}
END_TEST

START_TEST(statement_cache_is_keyed_by_sql_text)
{
    dt_cache_keyed_by_sql_text(&DT, C);
    orm_conn_stats s1 = dt_stats(&DT, C);
    /* they are server-side prepared statements of this connection */
    ck_assert_int_eq(scalar(C, "SELECT count(*) FROM pg_prepared_statements").u.i, 3);
    /* transaction verbs go through the simple protocol: not prepared */
    exec_ok(C, "BEGIN");
    exec_ok(C, "COMMIT");
    orm_conn_stats s2 = dt_stats(&DT, C);
    ck_assert_uint_eq(s2.cache_misses - s1.cache_misses, 1); /* the count above */
    ck_assert_uint_eq(s2.cache_hits, s1.cache_hits);
    /* another connection starts with an empty cache (the count itself is
     * its first statement) */
    orm_conn *other = open_conn(1000, 0);
    ck_assert_int_eq(scalar(other, "SELECT count(*) FROM pg_prepared_statements").u.i, 1);
    D->disconnect(other);
}
END_TEST

START_TEST(a_cursor_closed_early_starts_over) { dt_cursor_closed_early_starts_over(&DT, C); }
END_TEST

START_TEST(many_distinct_statements_stay_correct)
{
    /* more distinct texts than the cache keeps: it is emptied (DEALLOCATE
     * ALL) and each statement still answers its own */
    dt_many_distinct_statements(&DT, C, 1200);
    ck_assert_int_le(scalar(C, "SELECT count(*) FROM pg_prepared_statements").u.i, 512);
}
END_TEST

/* A table changed under a prepared statement (its result has another
 * column): BUSY, so the session runs the unit again; the statement is
 * prepared afresh and answers with the new column, and the server's old
 * statements are deallocated, not left behind. */
START_TEST(a_changed_table_prepares_afresh)
{
    exec_ok(C, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)");
    res r;
    ck_assert_int_eq(run(C, "SELECT * FROM t", NULL, 0, 1, &r), 0);
    ck_assert_int_eq(run(C, "SELECT id FROM t WHERE id > 0", NULL, 0, 1, &r), 0);
    exec_ok(C, "ALTER TABLE t ADD COLUMN x INTEGER DEFAULT 7");
    ck_assert_int_eq(run(C, "SELECT * FROM t", NULL, 0, 2, &r), ORM_E_BUSY);
    ck_assert_int_eq(run(C, "SELECT * FROM t", NULL, 0, 2, &r), 0);
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_int_eq(r.v[1].u.i, 7);
    /* SELECT * again, and this count: nothing from before the change */
    ck_assert_int_eq(scalar(C, "SELECT count(*) FROM pg_prepared_statements").u.i, 2);
}
END_TEST

/* Each violation maps to CONFLICT with SQLite's detail for it, by SQLSTATE. */
START_TEST(constraint_violations_are_conflicts)
{
    static const char *const states[] = {"23505", "23505", "23503", "23502", "23514", "23503"};
    dt_constraint_violations_are_conflicts(&DT, C, states);
}
END_TEST

START_TEST(bad_sql_is_internal)
{
    dt_bad_sql_is_internal(&DT, C, "42601", "42P01"); /* by SQLSTATE */
    ck_assert_int_eq(D->check(C, true, &ERR), 0);
}
END_TEST

/* Two connections; c1 holds a row lock on t (x = 1) in an open transaction. */
static orm_conn *lock_row(orm_conn *c1)
{
    exec_ok(c1, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER); INSERT INTO t VALUES (1, 0), (2, 0);");
    exec_ok(c1, "BEGIN");
    exec_ok(c1, "UPDATE t SET x = 1 WHERE id = 1");
    return c1;
}

START_TEST(lock_timeout_is_busy)
{
    lock_row(C);
    orm_conn *c2 = open_conn(100, 0); /* lock_timeout 100 ms */
    res r;
    ck_assert_int_eq(run(c2, "UPDATE t SET x = 2 WHERE id = 1", NULL, 0, 0, &r), ORM_E_BUSY);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "55P03"));
    exec_ok(C, "COMMIT");
    ck_assert_int_eq(run(c2, "UPDATE t SET x = 2 WHERE id = 1", NULL, 0, 0, &r), 0);
    D->disconnect(c2);
}
END_TEST

START_TEST(serialization_failure_is_busy)
{
    exec_ok(C, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER); INSERT INTO t VALUES (1, 0);");
    orm_conn *c2 = open_conn(1000, 0);
    exec_ok(C, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    ck_assert_int_eq(scalar(C, "SELECT x FROM t WHERE id = 1").u.i, 0); /* the snapshot is taken */
    res r;
    ck_assert_int_eq(run(c2, "UPDATE t SET x = 5 WHERE id = 1", NULL, 0, 0, &r), 0); /* committed meanwhile */
    ck_assert_int_eq(run(C, "UPDATE t SET x = 6 WHERE id = 1", NULL, 0, 0, &r), ORM_E_BUSY);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "40001"));
    exec_ok(C, "ROLLBACK");
    ck_assert_int_eq(scalar(C, "SELECT x FROM t WHERE id = 1").u.i, 5);
    D->disconnect(c2);
}
END_TEST

/* The update of row 2 that C makes on another thread (it waits for c2's
 * lock): its code and error. */
static int BLOCKED_RC;
static orm_error BLOCKED_ERR;

static void *update_row_2(void *conn)
{
    rm_arena *a = rm_arena_new();
    orm_error_init(&BLOCKED_ERR, NULL);
    dt t = {D, a, &BLOCKED_ERR};
    dt_res r;
    BLOCKED_RC = dt_run(&t, conn, "UPDATE t SET x = 1 WHERE id = 2", NULL, NULL, 0, 0, &r);
    rm_arena_destroy(a);
    return NULL;
}

START_TEST(deadlock_is_busy)
{
    /* lock waits longer than deadlock_timeout (1 s): the deadlock, not a
     * lock timeout, ends the wait */
    D->disconnect(C);
    C = open_conn(10000, 0);
    lock_row(C);
    orm_conn *c2 = open_conn(10000, 0);
    exec_ok(c2, "BEGIN");
    exec_ok(c2, "UPDATE t SET x = 2 WHERE id = 2");
    pthread_t th;
    pthread_create(&th, NULL, update_row_2, C); /* waits for c2 */
    ts_sleep_ms(100);
    res r;
    int rc = run(c2, "UPDATE t SET x = 2 WHERE id = 1", NULL, 0, 0, &r); /* waits for C: a cycle */
    pthread_join(th, NULL);
    /* the server breaks the cycle after deadlock_timeout: one of the two fails */
    ck_assert_msg((rc == ORM_E_BUSY) != (BLOCKED_RC == ORM_E_BUSY), "c2 %d, C %d", rc, BLOCKED_RC);
    ck_assert_ptr_nonnull(strstr(rc ? ERR.internal : BLOCKED_ERR.internal, "40P01"));
    exec_ok(C, "ROLLBACK");
    exec_ok(c2, "ROLLBACK");
    D->disconnect(c2);
}
END_TEST

START_TEST(statement_timeout_interrupts)
{
    orm_conn *c = open_conn(10, 100);
    res r;
    ck_assert_int_eq(run(c, "SELECT pg_sleep(30)", NULL, 0, 1, &r), ORM_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(ERR.detail, "too long"));
    ck_assert_ptr_nonnull(strstr(ERR.internal, "57014"));
    /* the next statement gets its own time */
    ck_assert_int_eq(scalar(c, "SELECT 3").u.i, 3);
    ck_assert_int_eq(D->check(c, true, &ERR), 0);
    D->disconnect(c);
}
END_TEST

START_TEST(unit_deadline_spans_statements)
{
    orm_conn *c = open_conn(10, 300);
    dt_unit_deadline_spans_statements(&DT, c, 300); /* past the unit's end: not even sent */
    res r;
    /* a statement running past the unit's end is cancelled by the client,
     * although the server's own per-statement timeout is not reached */
    D->unit_deadline(c, true);
    ck_assert_int_eq(run(c, "SELECT pg_sleep(0.2)", NULL, 0, 1, &r), 0);
    ck_assert_int_eq(run(c, "SELECT pg_sleep(0.25)", NULL, 0, 1, &r), ORM_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "57014"));
    D->unit_deadline(c, false);
    ck_assert_int_eq(scalar(c, "SELECT 5").u.i, 5);
    D->disconnect(c);
}
END_TEST

/* Terminate c's server process from another connection. */
static void kill_backend(orm_conn *c)
{
    int64_t pid = scalar(c, "SELECT pg_backend_pid()").u.i;
    orm_conn_options o = {0};
    orm_conn *admin;
    ck_assert_int_eq(D->connect(pgtmp_admin_url(), &o, &admin, &ERR), 0);
    orm_value p = orm_int(pid);
    res r;
    ck_assert_int_eq(run(admin, "SELECT pg_terminate_backend($1::int, 5000)", &p, 1, 1, &r), 0);
    ck_assert_int_eq(r.v[0].u.i, 1);
    D->disconnect(admin);
}

START_TEST(killed_connection_is_unavailable)
{
    orm_conn *c = open_conn(1000, 0);
    kill_backend(c);
    ts_sleep_ms(50);
    /* found without a round trip: the socket was closed under it */
    ck_assert_int_eq(D->check(c, false, &ERR), ORM_E_UNAVAILABLE);
    res r;
    ck_assert_int_eq(run(c, "SELECT 1", NULL, 0, 1, &r), ORM_E_UNAVAILABLE);
    ck_assert_int_eq(D->exec(c, "ROLLBACK", &ERR), ORM_E_UNAVAILABLE);
    D->disconnect(c);
    /* a statement on a connection killed while in use */
    c = open_conn(1000, 0);
    kill_backend(c);
    orm_error_init(&ERR, A);
    ck_assert_int_eq(run(c, "SELECT 1", NULL, 0, 1, &r), ORM_E_UNAVAILABLE);
    ck_assert_str_eq(ERR.detail, "the database is unavailable");
    ck_assert_int_eq(D->check(c, false, &ERR), ORM_E_UNAVAILABLE);
    D->disconnect(c);
}
END_TEST

START_TEST(pool_replaces_a_killed_connection)
{
    orm_engine_options o = {.pool_size = 1, .pool_timeout_ms = 1000};
    orm_engine *e;
    ck_assert_msg(orm_engine_open(URL, &o, &e, &ERR) == 0, "%s", ERR.detail);
    ck_assert_ptr_eq(orm_engine_driver(e), &orm_driver_pg);
    orm_conn *c;
    ck_assert_int_eq(orm_engine_checkout(e, &c, &ERR), 0);
    kill_backend(c);
    orm_engine_checkin(e, c, false); /* returned as if fine */
    ts_sleep_ms(50);
    orm_conn *again;
    ck_assert_int_eq(orm_engine_checkout(e, &again, &ERR), 0);
    ck_assert_int_eq(scalar(again, "SELECT 6").u.i, 6); /* a new connection: it works */
    orm_engine_stats s;
    orm_engine_stats_get(e, &s);
    ck_assert_uint_eq(s.connections_lost, 1);
    ck_assert_uint_eq(s.connections_opened, 2);
    ck_assert_int_eq(s.pool_in_use, 1);
    ck_assert_int_eq(s.pool_idle, 0);
    orm_engine_checkin(e, again, false);
    ck_assert_int_eq(orm_engine_ping(e, &ERR), 0);
    orm_engine_close(e);
}
END_TEST

static int select_one(orm_session *s, void *ud)
{
    orm_compiled q;
    orm_compiled_text(&q, "SELECT 1");
    return orm_session_execute(s, &q, NULL);
}

/* The server drops every connection (a restart does): a unit run on the
 * engine's stale pooled connections succeeds at its first attempt, the
 * pool having found them lost on checkout (no failed attempt first). */
START_TEST(dropped_connections_are_replaced)
{
    orm_engine *e;
    orm_engine_options o = {.pool_size = 2};
    ck_assert_int_eq(orm_engine_open(URL, &o, &e, &ERR), 0);
    orm_conn *pooled[2];
    for (int i = 0; i < 2; i++) ck_assert_int_eq(orm_engine_checkout(e, &pooled[i], &ERR), 0);
    for (int i = 0; i < 2; i++) orm_engine_checkin(e, pooled[i], false);
    /* this test's own connection ends every other backend of the database */
    res r;
    ck_assert_int_eq(run(C, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()", NULL, 0, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 2);
    ts_sleep_ms(100);
    orm_session s;
    orm_session_init(&s, e, NULL, A, &ERR);
    ck_assert_msg(orm_session_run(&s, false, select_one, NULL) == 0, "%s", ERR.detail);
    ck_assert_int_eq(s.attempts, 1);
    orm_engine_stats st;
    orm_engine_stats_get(e, &st);
    ck_assert_uint_eq(st.connections_lost, 2);
    ck_assert_int_eq(orm_engine_ping(e, &ERR), 0);
    orm_engine_close(e);
}
END_TEST

/* Terminate KILL_PID's server process from connection ud after 200 ms. */
static int64_t KILL_PID;

static void *kill_after(void *ud)
{
    ts_sleep_ms(200);
    rm_arena *a = rm_arena_new();
    orm_error e;
    orm_error_init(&e, NULL);
    dt t = {D, a, &e};
    dt_res r;
    orm_value p = orm_int(KILL_PID);
    dt_run(&t, ud, "SELECT pg_terminate_backend(#1::int, 5000)", &p, NULL, 1, 1, &r);
    rm_arena_destroy(a);
    return NULL;
}
/* ---- BEGIN sent with the first statement (pg_begin) --------------------------- */

/* begin() sends nothing: on a connection whose server process is gone it
 * succeeds, and the statement it goes with finds the loss. */
START_TEST(begin_waits_for_the_first_statement)
{
    orm_conn *c = open_conn(1000, 0);
    kill_backend(c);
    ts_sleep_ms(50);
    ck_assert_int_eq(D->begin(c, "BEGIN", &ERR), 0);
    res r;
    ck_assert_int_eq(run(c, "SELECT 1", NULL, 0, 1, &r), ORM_E_UNAVAILABLE);
    ck_assert_int_eq(D->exec(c, "ROLLBACK", &ERR), ORM_E_UNAVAILABLE);
    ck_assert_int_eq(D->check(c, false, &ERR), ORM_E_UNAVAILABLE);
    ck_assert_int_eq(D->begin(c, "BEGIN", &ERR), ORM_E_UNAVAILABLE);
    D->disconnect(c);
}
END_TEST

/* The kept BEGIN opens the transaction the statement runs in, with its
 * isolation level, whether the statement is prepared already or new, and
 * COMMIT and ROLLBACK end it as before. */
START_TEST(begin_opens_the_statements_transaction)
{
    exec_ok(C, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)");
    for (int cached = 0; cached < 2; cached++) {
        orm_conn_stats before = dt_stats(&DT, C);
        ck_assert_int_eq(D->begin(C, "BEGIN ISOLATION LEVEL REPEATABLE READ", &ERR), 0);
        ck_assert(dt_text_is(scalar(C, "SELECT current_setting('transaction_isolation')"), "repeatable read"));
        orm_conn_stats after = dt_stats(&DT, C);
        ck_assert_uint_eq(after.cache_hits - before.cache_hits, (unsigned)cached);
        orm_value p = orm_int(cached);
        res r;
        ck_assert_int_eq(run(C, "INSERT INTO t VALUES (#1, 1)", &p, 1, 0, &r), 0);
        ck_assert_int_eq(D->exec(C, cached ? "COMMIT" : "ROLLBACK", &ERR), 0);
    }
    ck_assert_int_eq(scalar(C, "SELECT count(*) FROM t").u.i, 1); /* the rolled back one is gone */
    ck_assert(dt_text_is(scalar(C, "SELECT current_setting('transaction_isolation')"), "read committed"));
    /* a unit without a statement: BEGIN and COMMIT in one message */
    ck_assert_int_eq(D->begin(C, "BEGIN", &ERR), 0);
    ck_assert_int_eq(D->exec(C, "COMMIT", &ERR), 0);
    ck_assert_int_eq(D->check(C, true, &ERR), 0); /* idle, outside a transaction */
}
END_TEST

/* An error in the first statement, sent with BEGIN: its code and details
 * as alone, the transaction failed (nothing else runs in it) until
 * ROLLBACK, and the connection fine afterwards. */
START_TEST(first_statement_errors_leave_the_transaction_failed)
{
    exec_ok(C, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER UNIQUE)");
    exec_ok(C, "INSERT INTO t VALUES (1, 1)");
    static const struct {
        const char *sql;
        int rc;
        const char *state;
    } cases[] = {
        {"INSERT INTO t VALUES (2, 1)", ORM_E_CONFLICT, "23505"},   /* new statement: Prepare in the pipeline */
        {"INSERT INTO t VALUES (2, 1)", ORM_E_CONFLICT, "23505"},   /* prepared then: cached */
        {"SELEC 1", ORM_E_INTERNAL, "42601"},                       /* the Prepare fails */
        {"SELEC 1", ORM_E_INTERNAL, "42601"},                       /* and was not cached */
        {"SELECT 1 / (x - 1) FROM t", ORM_E_VALIDATION, "22012"},   /* the Execute fails */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        orm_conn_stats before = dt_stats(&DT, C);
        ck_assert_int_eq(D->begin(C, "BEGIN", &ERR), 0);
        res r;
        int rc = run(C, cases[i].sql, NULL, 0, 1, &r);
        orm_conn_stats after = dt_stats(&DT, C);
        ck_assert_msg(i == 1 ? after.cache_hits == before.cache_hits + 1 : after.cache_misses == before.cache_misses + 1,
                      "case %zu: the cache", i);
        ck_assert_int_eq(rc, cases[i].rc);
        ck_assert_msg(strstr(ERR.internal, cases[i].state), "case %zu: %s", i, ERR.internal);
        if (rc == ORM_E_CONFLICT) ck_assert_ptr_nonnull(strstr(ERR.detail, "unique"));
        /* the transaction BEGIN opened is failed: nothing more runs in it */
        ck_assert_int_ne(run(C, "SELECT 7", NULL, 0, 1, &r), 0);
        ck_assert_msg(strstr(ERR.internal, "25P02"), "case %zu: %s", i, ERR.internal);
        ck_assert_int_eq(D->exec(C, "ROLLBACK", &ERR), 0);
        ck_assert_int_eq(D->check(C, true, &ERR), 0);
        ck_assert_int_eq(scalar(C, "SELECT count(*) FROM t").u.i, 1);
    }
}
END_TEST

/* Lock timeout and the unit deadline on the first statement: BUSY and
 * TIMEOUT as alone, ROLLBACK fine, the connection usable; a unit whose
 * time is up sends nothing, and its ROLLBACK ends the kept BEGIN. */
START_TEST(first_statement_waits_and_deadlines)
{
    lock_row(C);
    orm_conn *c2 = open_conn(100, 0); /* lock_timeout 100 ms */
    res r;
    ck_assert_int_eq(D->begin(c2, "BEGIN ISOLATION LEVEL REPEATABLE READ", &ERR), 0);
    ck_assert_int_eq(run(c2, "UPDATE t SET x = 2 WHERE id = 1", NULL, 0, 0, &r), ORM_E_BUSY);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "55P03"));
    ck_assert_int_eq(D->exec(c2, "ROLLBACK", &ERR), 0);
    ck_assert_int_eq(D->check(c2, true, &ERR), 0);
    exec_ok(C, "COMMIT");
    D->disconnect(c2);
    c2 = open_conn(10, 150); /* statement timeout 150 ms */
    /* the unit's deadline cancels the first statement (57014) */
    ck_assert_int_eq(D->begin(c2, "BEGIN", &ERR), 0);
    D->unit_deadline(c2, true);
    ck_assert_int_eq(run(c2, "SELECT pg_sleep(0.5)", NULL, 0, 1, &r), ORM_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "57014"));
    D->unit_deadline(c2, false);
    ck_assert_int_eq(D->exec(c2, "ROLLBACK", &ERR), 0);
    ck_assert_int_eq(D->check(c2, true, &ERR), 0);
    /* time up before the first statement: not sent */
    ck_assert_int_eq(D->begin(c2, "BEGIN", &ERR), 0);
    D->unit_deadline(c2, true);
    ts_sleep_ms(200);
    ck_assert_int_eq(run(c2, "SELECT 1", NULL, 0, 1, &r), ORM_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(ERR.internal, "time was up"));
    D->unit_deadline(c2, false);
    ck_assert_int_eq(D->check(c2, false, &ERR), ORM_E_UNAVAILABLE); /* a BEGIN kept: no unit ended so */
    D->disconnect(c2);
    c2 = open_conn(10, 150);
    ck_assert_int_eq(D->begin(c2, "BEGIN", &ERR), 0);
    D->unit_deadline(c2, true);
    ts_sleep_ms(200);
    ck_assert_int_eq(run(c2, "SELECT 1", NULL, 0, 1, &r), ORM_E_TIMEOUT);
    D->unit_deadline(c2, false);
    ck_assert_int_eq(D->exec(c2, "ROLLBACK", &ERR), 0);
    ck_assert_int_eq(D->check(c2, true, &ERR), 0);
    D->disconnect(c2);
}
END_TEST

/* A connection killed while the BEGIN and first statement wait for
 * their answer: UNAVAILABLE, and the connection is not used again. */
START_TEST(connection_lost_under_the_first_statement)
{
    orm_conn *c = open_conn(1000, 0);
    int64_t pid = scalar(c, "SELECT pg_backend_pid()").u.i;
    orm_conn_options o = {0};
    orm_conn *admin;
    ck_assert_int_eq(D->connect(pgtmp_admin_url(), &o, &admin, &ERR), 0);
    ck_assert_int_eq(D->begin(c, "BEGIN", &ERR), 0);
    pthread_t th;
    KILL_PID = pid;
    pthread_create(&th, NULL, kill_after, admin);
    res r;
    ck_assert_int_eq(run(c, "SELECT pg_sleep(5)", NULL, 0, 1, &r), ORM_E_UNAVAILABLE);
    pthread_join(th, NULL);
    ck_assert_int_eq(D->exec(c, "ROLLBACK", &ERR), ORM_E_UNAVAILABLE);
    ck_assert_int_eq(D->check(c, false, &ERR), ORM_E_UNAVAILABLE);
    D->disconnect(c);
    D->disconnect(admin);
}
END_TEST

TS_SUITE(driver_pg_suite, "orm/driver_pg", setup, teardown, 1, driver_describes_itself, connections_are_set_up,
         bad_urls_and_unreachable_servers, every_value_kind_round_trips, datetime_input_agrees_with_timestamptz,
         results_take_their_kind_from_the_result_type,
         refused_values, rows_changed_by_dml, statement_cache_is_keyed_by_sql_text, a_cursor_closed_early_starts_over,
         many_distinct_statements_stay_correct, a_changed_table_prepares_afresh, constraint_violations_are_conflicts,
         bad_sql_is_internal,
         lock_timeout_is_busy, serialization_failure_is_busy, deadlock_is_busy, statement_timeout_interrupts,
         unit_deadline_spans_statements, killed_connection_is_unavailable, pool_replaces_a_killed_connection,
         dropped_connections_are_replaced, begin_waits_for_the_first_statement,
         begin_opens_the_statements_transaction, first_statement_errors_leave_the_transaction_failed,
         first_statement_waits_and_deadlines, connection_lost_under_the_first_statement)
