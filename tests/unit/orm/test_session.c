/* test_session.c: orm/session.h: a unit runs in one transaction (BEGIN or
 * BEGIN IMMEDIATE, then COMMIT, or ROLLBACK keeping the first error; a
 * read-only unit whose one statement is declared its last runs it alone), rows
 * are copied out of the driver, statements are counted (transaction verbs
 * not), the read budgets (max_rows, max_bytes) stop a unit at the row that
 * passes them, BUSY units are retried whole while a wait for the write lock
 * is not, a unit inside a unit is refused, the statement timeout bounds the
 * whole unit, and --echo hides write-only values. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "orm/compile.h"
#include "tests/suites.h"
#include "tests/support/ormdb.h"
#include "tests/support/suite.h"
#include "tests/support/util.h"

static const char *SCHEMA =
    "{\"entities\": {\"Item\": {\"table\": \"items\", \"columns\": {"
    " \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    " \"name\": {\"type\": \"string\"},"
    " \"password\": {\"type\": \"string\", \"write_only\": true}}}}}";

static tdb DB;

static void open_db(int statement_timeout_ms, int busy_timeout_ms)
{
    orm_engine_options o = {.pool_size = 1, .statement_timeout_ms = statement_timeout_ms,
                            .busy_timeout_ms = busy_timeout_ms};
    tdb_open(&DB, SCHEMA, NULL, &o);
}

static void setup(void) { open_db(0, 0); }
static void teardown(void) { tdb_close(&DB); }

static const orm_table *items(void) { return tdb_mapper(&DB, "Item")->table; }

/* SELECT every item ordered by id, compiled. */
static orm_compiled select_items(orm_session *s)
{
    orm_select sel = {.from = items()};
    orm_order_item order = {orm_expr_column(s->arena, 0, items()->pk[0]), false};
    sel.order = &order;
    sel.norder = 1;
    orm_compiled q;
    ck_assert_int_eq(orm_compile_select(orm_engine_dialect(s->engine), &sel, s->arena, &q, s->err), 0);
    return q;
}

/* INSERT INTO items (name, password) ... RETURNING *, compiled. */
static orm_compiled insert_item(orm_session *s, const char *name, const char *password)
{
    static const orm_column *cols[2];
    cols[0] = tdb_column(&DB, "Item", "name");
    cols[1] = tdb_column(&DB, "Item", "password");
    orm_value *vals = RM_NEW_ARRAY(s->arena, orm_value, 2);
    vals[0] = tdb_text(name);
    vals[1] = password ? tdb_text(password) : orm_null();
    orm_insert ins = {.table = items(), .columns = cols, .values = vals, .ncolumns = 2, .returning = true};
    orm_compiled q;
    ck_assert_int_eq(orm_compile_insert(orm_engine_dialect(s->engine), &ins, s->arena, &q, s->err), 0);
    return q;
}

/* What a unit did, and what it should do. */
typedef struct script {
    int inserts;             /* items to insert first */
    int selects;             /* then SELECT every item this many times */
    long sleep_between_ms;   /* pause before each select after the first */
    int fail_with;           /* then return this code (0: commit) */
    int busy_times;          /* return ORM_E_BUSY on the first attempts */
    bool last;               /* declare the first statement the unit's last (orm_session_last) */
    bool nested;             /* run the statements inside orm_session_nested */
    size_t expect;           /* the rows each select is expected to return (orm_session_query) */
    int calls;               /* attempts that ran the body */
    bool saw_tx;             /* the body's statements ran with a connection, in a transaction */
    orm_result rows;         /* rows of the last select */
} script;

static int run_statements(orm_session *s, void *ud)
{
    script *sc = ud;
    if (sc->last) orm_session_last(s, true);
    for (int i = 0; i < sc->inserts; i++) {
        orm_compiled q = insert_item(s, rm_arena_sprintf(s->arena, "item %d", i), "pw");
        int rc = orm_session_execute(s, &q, NULL);
        if (rc) return rc;
    }
    for (int i = 0; i < sc->selects; i++) {
        if (i && sc->sleep_between_ms) ts_sleep_ms(sc->sleep_between_ms);
        orm_compiled q = select_items(s);
        int rc = orm_session_query(s, &q, sc->expect, &sc->rows);
        if (rc) return rc;
    }
    sc->saw_tx = s->in_tx && s->conn;
    return 0;
}

static int run_script(orm_session *s, void *ud)
{
    script *sc = ud;
    sc->calls++;
    int rc = sc->nested ? orm_session_nested(s, run_statements, sc) : run_statements(s, sc);
    if (rc) return rc;
    if (sc->calls <= sc->busy_times) return orm_error_set(s->err, ORM_E_BUSY, "pretend busy");
    return sc->fail_with ? orm_error_set(s->err, sc->fail_with, "the body failed first") : 0;
}

/* Run sc in a fresh session with the given budgets; *s gets the session. */
static int run(bool write, script *sc, size_t max_rows, size_t max_bytes, orm_session *s)
{
    orm_session_init(s, DB.engine, DB.schema, DB.arena, &DB.err);
    s->max_rows = max_rows;
    s->max_bytes = max_bytes;
    return orm_session_run(s, write, run_script, sc);
}

START_TEST(read_unit_runs_in_one_transaction)
{
    tdb_sql(&DB, "INSERT INTO items (name) VALUES ('a'), ('b')");
    tdb_echo_reset(&DB);
    script sc = {.selects = 2};
    orm_session s;
    ck_assert_int_eq(run(false, &sc, 100, 0, &s), 0);
    ck_assert(sc.saw_tx);
    ck_assert(!s.in_tx);
    ck_assert_ptr_null(s.conn); /* returned to the pool */
    ck_assert_uint_eq(s.statements, 2); /* BEGIN and COMMIT are not counted */
    ck_assert_int_eq(s.attempts, 1);
    ck_assert_uint_eq(s.rows, 4);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL BEGIN"), 1);
    ck_assert_int_eq(tdb_echo_count(&DB, "BEGIN IMMEDIATE"), 0);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL COMMIT"), 1);
    const char *echo = tdb_echo(&DB), *begin = strstr(echo, "SQL BEGIN\n"), *select = strstr(echo, "SELECT"),
               *commit = strstr(echo, "SQL COMMIT");
    ck_assert(begin && select && commit && begin < select && select < commit);
    /* rows are counted with no bound too (lists decide on streaming by them) */
    sc = (script){.selects = 2};
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
    ck_assert_uint_eq(s.rows, 4);
}
END_TEST

/* A read-only unit of one statement declared its last runs it without
 * BEGIN/COMMIT; a failure then has nothing to roll back. The declaration
 * means nothing to a write unit, nor inside orm_session_nested (a batch's
 * operations read in one transaction). */
START_TEST(a_lone_read_runs_without_a_transaction)
{
    tdb_sql(&DB, "INSERT INTO items (name) VALUES ('a'), ('b')");
    tdb_echo_reset(&DB);
    script sc = {.selects = 1, .last = true};
    orm_session s;
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
    ck_assert(!sc.saw_tx);
    ck_assert_uint_eq(sc.rows.nrows, 2);
    ck_assert_uint_eq(s.statements, 1);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL SELECT"), 1);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL BEGIN"), 0);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL COMMIT"), 0);

    tdb_echo_reset(&DB);
    sc = (script){.selects = 1, .last = true, .fail_with = ORM_E_VALIDATION};
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), ORM_E_VALIDATION);
    ck_assert_str_eq(DB.err.detail, "the body failed first");
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL ROLLBACK"), 0);

    struct { bool write, nested; const char *begin; } in_tx[] = {
        {true, false, "SQL BEGIN IMMEDIATE"}, {false, true, "SQL BEGIN\n"}, {true, true, "SQL BEGIN IMMEDIATE"}};
    for (size_t i = 0; i < sizeof in_tx / sizeof in_tx[0]; i++) {
        tdb_echo_reset(&DB);
        sc = (script){.selects = 1, .last = true, .nested = in_tx[i].nested};
        ck_assert_int_eq(run(in_tx[i].write, &sc, 0, 0, &s), 0);
        ck_assert(sc.saw_tx);
        ck_assert_int_eq(tdb_echo_count(&DB, in_tx[i].begin), 1);
        ck_assert_int_eq(tdb_echo_count(&DB, "SQL COMMIT"), 1);
    }
}
END_TEST

/* orm_session_query's expected row count only sizes the result array at
 * first: fewer, as many or more rows than expected (past the cap too) come
 * back whole and in order. */
START_TEST(expected_row_counts_only_size_the_result)
{
    tdb_sql(&DB, "INSERT INTO items (name) SELECT printf('n%d', value) FROM json_each("
                 "(SELECT json_group_array(x) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                 "WHERE x < 300) SELECT x FROM c)))");
    static const size_t expects[] = {0, 1, 299, 300, 301, ORM_EXPECT_ROWS_MAX, 100000};
    for (size_t i = 0; i < sizeof expects / sizeof expects[0]; i++) {
        script sc = {.selects = 1, .expect = expects[i]};
        orm_session s;
        ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
        ck_assert_uint_eq(sc.rows.nrows, 300);
        for (size_t r = 0; r < 300; r++) {
            const orm_value *row = orm_result_row(&sc.rows, r);
            ck_assert_int_eq(row[0].u.i, (int64_t)r + 1);
            ck_assert_str_eq(row[1].u.s.p, rm_arena_sprintf(DB.arena, "n%zu", r + 1));
        }
    }
}
END_TEST

START_TEST(rows_outlive_the_unit)
{
    tdb_sql(&DB, "INSERT INTO items (name) VALUES ('first'), (NULL), ('third')");
    script sc = {.selects = 1};
    orm_session s;
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
    orm_result *r = &sc.rows;
    ck_assert_uint_eq(r->nrows, 3);
    ck_assert_uint_eq(r->ncols, 3);
    ck_assert_ptr_eq(r->columns[1], tdb_column(&DB, "Item", "name"));
    ck_assert_int_eq(orm_result_row(r, 0)[0].u.i, 1);
    ck_assert_int_eq(orm_result_row(r, 1)[1].kind, ORM_V_NULL);
    orm_value want = tdb_text("third");
    ck_assert(orm_value_eq(&orm_result_row(r, 2)[1], &want));
}
END_TEST

START_TEST(write_unit_commits)
{
    tdb_echo_reset(&DB);
    script sc = {.inserts = 3};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), 0);
    ck_assert_uint_eq(s.statements, 3);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL BEGIN IMMEDIATE"), 1);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL COMMIT"), 1);
    ck_assert_int_eq(tdb_count(&DB, "items", NULL), 3);
    /* --echo shows each statement with its values, write-only ones hidden */
    ck_assert_ptr_null(strstr(tdb_echo(&DB), "'pw'"));
    ck_assert_int_eq(tdb_echo_count(&DB, "-- ['item 0', '***'] (prepared)"), 1);
    ck_assert_int_eq(tdb_echo_count(&DB, "-- ['item 2', '***'] (cached)"), 1);
}
END_TEST

START_TEST(failed_unit_rolls_back_keeping_its_error)
{
    tdb_echo_reset(&DB);
    script sc = {.inserts = 2, .fail_with = ORM_E_VALIDATION};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), ORM_E_VALIDATION);
    ck_assert_int_eq(DB.err.code, ORM_E_VALIDATION);
    ck_assert_str_eq(DB.err.detail, "the body failed first");
    ck_assert_int_eq(s.attempts, 1); /* only BUSY is retried */
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL ROLLBACK"), 1);
    ck_assert_int_eq(tdb_echo_count(&DB, "SQL COMMIT"), 0);
    ck_assert_int_eq(tdb_count(&DB, "items", NULL), 0);
}
END_TEST

/* max_rows and max_bytes: exactly the budget passes, one more fails; the
 * budget spans every statement of the unit; rows returned by DML are not
 * reads. Six items of 100 bytes each. */
START_TEST(read_budgets_bound_the_unit)
{
    tdb_sql(&DB, "INSERT INTO items (name) SELECT printf('%0100d', value) FROM json_each('[1,2,3,4,5,6]')");
    static const struct {
        int selects;
        size_t max_rows, max_bytes;
        int rc;
        const char *detail;
    } cases[] = {
        {1, 6, 0, 0, NULL},         {1, 5, 0, ORM_E_TOO_LARGE, "more than 5 rows"},
        {2, 12, 0, 0, NULL},        {2, 11, 0, ORM_E_TOO_LARGE, "more than 11 rows"},
        {1, 0, 600, 0, NULL},       {1, 0, 599, ORM_E_TOO_LARGE, "more than 599 bytes"},
        {2, 100, 1200, 0, NULL},    {2, 100, 1199, ORM_E_TOO_LARGE, "more than 1199 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script sc = {.selects = cases[i].selects};
        orm_session s;
        int rc = run(false, &sc, cases[i].max_rows, cases[i].max_bytes, &s);
        ck_assert_msg(rc == cases[i].rc, "case %zu: %d (%s)", i, rc, DB.err.detail);
        if (cases[i].detail) ck_assert_ptr_nonnull(strstr(DB.err.detail, cases[i].detail));
        else ck_assert_uint_eq(s.bytes, (size_t)cases[i].selects * 600);
    }
    script sc = {.inserts = 3};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 1, 1, &s), 0);
    ck_assert_int_eq(tdb_count(&DB, "items", NULL), 9);
}
END_TEST

START_TEST(busy_units_are_retried_whole)
{
    script sc = {.inserts = 1, .busy_times = 2};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), 0);
    ck_assert_int_eq(s.attempts, 3);
    ck_assert_int_eq(sc.calls, 3);
    ck_assert_uint_eq(s.statements, 3);               /* every attempt's statements */
    ck_assert_int_eq(tdb_count(&DB, "items", NULL), 1); /* the failed attempts rolled back */
    /* a unit that stays busy gives up after a bounded number of attempts */
    sc = (script){.busy_times = 1000};
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), ORM_E_BUSY);
    ck_assert_int_gt(s.attempts, 1);
    ck_assert_int_eq(sc.calls, s.attempts);
    ck_assert_ptr_nonnull(strstr(DB.err.detail, "stayed busy"));
}
END_TEST

/* A thread holding the engine's write lock until told to let go. */
typedef struct holder {
    atomic_int state; /* 0 starting, 1 holding, 2 release asked, 3 done */
} holder;

static void *hold_write_lock(void *ud)
{
    holder *h = ud;
    orm_error err;
    orm_error_init(&err, NULL);
    ck_assert_int_eq(orm_engine_write_lock(DB.engine, &err), 0);
    atomic_store(&h->state, 1);
    while (atomic_load(&h->state) != 2) ts_sleep_ms(1);
    orm_engine_write_unlock(DB.engine);
    atomic_store(&h->state, 3);
    return NULL;
}

START_TEST(waiting_for_the_write_lock_is_not_retried)
{
    tdb_close(&DB);
    open_db(0, 40);
    holder h = {0};
    pthread_t t;
    pthread_create(&t, NULL, hold_write_lock, &h);
    while (atomic_load(&h.state) != 1) ts_sleep_ms(1);
    script sc = {.inserts = 1};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), ORM_E_BUSY);
    ck_assert(s.lock_waited);
    ck_assert_int_eq(s.attempts, 1);
    ck_assert_int_eq(sc.calls, 0);
    /* readers do not need the write lock */
    sc = (script){.selects = 1};
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
    atomic_store(&h.state, 2);
    pthread_join(t, NULL);
    sc = (script){.inserts = 1};
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), 0);
    ck_assert(!s.lock_waited);
}
END_TEST

/* No free connection within the pool's wait: the unit is not tried again
 * (five more waits would hold the request for five times as long). */
START_TEST(waiting_for_a_connection_is_not_retried)
{
    tdb_close(&DB);
    orm_engine_options o = {.pool_size = 1, .pool_timeout_ms = 40};
    tdb_open(&DB, SCHEMA, NULL, &o);
    orm_conn *held;
    ck_assert_int_eq(orm_engine_checkout(DB.engine, &held, &DB.err), 0);
    script sc = {.selects = 1};
    orm_session s;
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), ORM_E_BUSY);
    ck_assert_int_eq(s.attempts, 1);
    ck_assert_int_eq(sc.calls, 0);
    orm_engine_checkin(DB.engine, held, false);
    sc = (script){.selects = 1};
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
}
END_TEST

static int nested_unit(orm_session *s, void *ud)
{
    orm_error inner_err;
    orm_error_init(&inner_err, NULL);
    orm_session inner;
    orm_session_init(&inner, s->engine, s->schema, s->arena, &inner_err);
    script sc = {.inserts = 1};
    int rc = orm_session_run(&inner, true, run_script, &sc);
    *(int *)ud = rc;
    return rc ? orm_error_set(s->err, rc, "%s", inner_err.detail) : 0;
}

START_TEST(a_unit_inside_a_unit_is_refused)
{
    int inner_rc = 1;
    ck_assert_int_eq(tdb_unit(&DB, true, nested_unit, &inner_rc, NULL), ORM_E_INTERNAL);
    ck_assert_int_eq(inner_rc, ORM_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(DB.err.detail, "inside another"));
    /* the engine is fine afterwards */
    script sc = {.inserts = 1};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), 0);
}
END_TEST

static int run_forever(orm_session *s, void *ud)
{
    orm_compiled q;
    orm_compiled_text(&q, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
    q.nresult = 1;
    q.returns_rows = q.is_query = true;
    orm_result r;
    return orm_session_execute(s, &q, &r);
}

START_TEST(statement_timeout_bounds_the_whole_unit)
{
    tdb_close(&DB);
    open_db(150, 0);
    ck_assert_int_eq(tdb_unit(&DB, false, run_forever, NULL, NULL), ORM_E_TIMEOUT);
    /* quick statements, but the unit as a whole runs past the timeout */
    script sc = {.selects = 2, .sleep_between_ms = 300};
    orm_session s;
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), ORM_E_TIMEOUT);
    ck_assert_int_eq(s.attempts, 1);
    /* the next unit has its own time */
    sc = (script){.selects = 2};
    ck_assert_int_eq(run(false, &sc, 0, 0, &s), 0);
}
END_TEST

START_TEST(statements_reach_the_engine_statistics)
{
    orm_engine_stats s0, s1;
    orm_engine_stats_get(DB.engine, &s0);
    script sc = {.inserts = 2, .selects = 2};
    orm_session s;
    ck_assert_int_eq(run(true, &sc, 0, 0, &s), 0);
    orm_engine_stats_get(DB.engine, &s1);
    ck_assert_uint_eq(s1.statements - s0.statements, 4);
    ck_assert_uint_ge(s1.cache_hits - s0.cache_hits, 2); /* the second insert and select */
    ck_assert_int_eq(s1.pool_in_use, 0);
}
END_TEST

/* orm_session_each: every row passed as it is read, the driver's, which
 * the callee keeps in a block of its own (orm_values_keep) whose texts
 * (NUL-terminated, "" too) outlive the unit; the row budget stops it at
 * the row past it, after the rows before were passed. */
typedef struct each_rows {
    orm_value *rows[8];
    size_t n;
} each_rows;

static void keep_row(void *ud, orm_value *row)
{
    each_rows *e = ud;
    if (e->n < 8) e->rows[e->n] = orm_values_keep(DB.arena, row, 3, 0, NULL); /* id, name, password */
    e->n++;
}

static int each_unit(orm_session *s, void *ud)
{
    orm_compiled q = select_items(s);
    return orm_session_each(s, &q, keep_row, ud);
}

START_TEST(each_passes_rows_as_they_are_read)
{
    tdb_sql(&DB, "INSERT INTO items (name, password) VALUES ('first', 'a'), (NULL, ''), ('', 'c'), ('fourth', NULL)");
    each_rows e = {0};
    orm_session s;
    orm_session_init(&s, DB.engine, DB.schema, DB.arena, &DB.err);
    ck_assert_int_eq(orm_session_run(&s, false, each_unit, &e), 0);
    ck_assert_uint_eq(e.n, 4);
    static const char *names[] = {"first", NULL, "", "fourth"}, *passwords[] = {"a", "", "c", NULL};
    for (size_t i = 0; i < 4; i++) {
        const orm_value *row = e.rows[i];
        ck_assert_int_eq(row[0].u.i, (int64_t)i + 1);
        for (size_t c = 1; c < 3; c++) {
            const char *want = c == 1 ? names[i] : passwords[i];
            if (!want) {
                ck_assert_int_eq(row[c].kind, ORM_V_NULL);
                continue;
            }
            ck_assert_int_eq(row[c].kind, ORM_V_TEXT);
            ck_assert_uint_eq(row[c].u.s.n, strlen(want));
            ck_assert_str_eq(row[c].u.s.p, want); /* NUL-terminated */
        }
        for (size_t j = 0; j < i; j++) ck_assert_ptr_ne(e.rows[j], e.rows[i]);
    }
    ck_assert_uint_eq(s.bytes, strlen("firstacfourth"));
    each_rows bounded = {0};
    orm_session_init(&s, DB.engine, DB.schema, DB.arena, &DB.err);
    s.max_rows = 2;
    ck_assert_int_eq(orm_session_run(&s, false, each_unit, &bounded), ORM_E_TOO_LARGE);
    ck_assert_uint_eq(bounded.n, 2);
}
END_TEST

/* A statement from the compiled cache is found by its shape; once the
 * driver's statement cache has been emptied (more distinct statements than
 * it keeps), the shape's statement is prepared again (a miss), not taken
 * from the finalized one. */
static int many_statements(orm_session *s, void *ud)
{
    int *round = ud;
    orm_result r;
    orm_compiled begin; /* the unit's BEGIN, before the statements counted below */
    orm_compiled_text(&begin, "SELECT 0");
    int brc = orm_session_execute(s, &begin, NULL);
    if (brc) return brc;
    for (int i = 0; i < 2; i++) { /* the first compile stores the shape, the second is found by it */
        orm_compiled q = select_items(s);
        ck_assert(i == 0 || q.shape_id != 0);
        orm_engine_stats s0, s1;
        orm_engine_stats_get(s->engine, &s0);
        int rc = orm_session_query(s, &q, 0, &r);
        if (rc) return rc;
        orm_engine_stats_get(s->engine, &s1);
        /* prepared once per round: the statement cache was emptied between */
        ck_assert_uint_eq(s1.cache_misses - s0.cache_misses, i == 0 ? 1 : 0);
        ck_assert_uint_eq(r.nrows, 2);
        ck_assert_str_eq(orm_result_row(&r, 1)[1].u.s.p, "two");
    }
    for (int k = 0; *round == 0 && k < 600; k++) {
        orm_compiled q;
        orm_compiled_text(&q, rm_arena_sprintf(s->arena, "SELECT %d", k));
        int rc = orm_session_execute(s, &q, NULL);
        if (rc) return rc;
    }
    return 0;
}

START_TEST(statements_found_by_shape_survive_an_emptied_cache)
{
    tdb_sql(&DB, "INSERT INTO items (name) VALUES ('one'), ('two')");
    for (int round = 0; round < 2; round++) {
        orm_session s;
        orm_session_init(&s, DB.engine, DB.schema, DB.arena, &DB.err);
        ck_assert_int_eq(orm_session_run(&s, false, many_statements, &round), 0);
    }
}
END_TEST

TS_SUITE(session_suite, "orm/session", setup, teardown, 1, read_unit_runs_in_one_transaction,
         a_lone_read_runs_without_a_transaction, expected_row_counts_only_size_the_result, rows_outlive_the_unit, write_unit_commits, failed_unit_rolls_back_keeping_its_error,
         read_budgets_bound_the_unit, busy_units_are_retried_whole,
         waiting_for_the_write_lock_is_not_retried, waiting_for_a_connection_is_not_retried,
         a_unit_inside_a_unit_is_refused, statement_timeout_bounds_the_whole_unit, statements_reach_the_engine_statistics,
         each_passes_rows_as_they_are_read, statements_found_by_shape_survive_an_emptied_cache)
