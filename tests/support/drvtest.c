/* drvtest.c: see drvtest.h. */
#include "tests/support/drvtest.h"

#include <check.h>
#include <string.h>

#include "tests/support/util.h"

const char *dt_sql(const dt *t, const char *sql)
{
    char *out = rm_arena_strdup(t->a, sql);
    char mark = t->d->dialect == &orm_dialect_pg ? '$' : '?';
    for (char *p = out; (p = strchr(p, '#')); p++) *p = mark;
    return out;
}

int dt_run(const dt *t, orm_conn *c, const char *sql, const orm_value *params, const orm_column **cols, size_t np,
           size_t ncols, dt_res *out)
{
    orm_compiled q;
    orm_compiled_text(&q, dt_sql(t, sql));
    q.params = (orm_value *)params;
    q.param_columns = cols;
    q.nparams = np;
    q.nresult = ncols;
    q.returns_rows = ncols > 0;
    memset(out, 0, sizeof *out);
    orm_cursor *cur;
    int rc = t->d->query(c, &q, &cur, t->err);
    if (rc) return rc;
    size_t cap = 0;
    while ((rc = t->d->next(cur, t->err)) == 1) {
        if (out->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            out->v = rm_arena_realloc(t->a, out->v, cap * ncols * sizeof *out->v, ncap * ncols * sizeof *out->v);
            cap = ncap;
        }
        orm_value *row = out->v + out->nrows * ncols;
        t->d->row(cur, row, ncols);
        for (size_t k = 0; k < ncols; k++) row[k] = orm_value_copy(t->a, row[k]);
        out->nrows++;
    }
    if (rc == 0) out->changes = t->d->changes(cur);
    t->d->close(cur);
    return rc;
}

void dt_exec(const dt *t, orm_conn *c, const char *sql)
{
    ck_assert_msg(t->d->exec(c, sql, t->err) == 0, "%s: %s", sql, t->err->internal);
}

orm_value dt_scalar(const dt *t, orm_conn *c, const char *sql)
{
    dt_res r;
    ck_assert_msg(dt_run(t, c, sql, NULL, NULL, 0, 1, &r) == 0, "%s: %s", sql, t->err->internal);
    ck_assert_uint_eq(r.nrows, 1);
    return r.v[0];
}

bool dt_text_is(orm_value v, const char *s)
{
    return v.kind == ORM_V_TEXT && v.u.s.n == strlen(s) && memcmp(v.u.s.p, s, v.u.s.n) == 0;
}

orm_conn_stats dt_stats(const dt *t, orm_conn *c)
{
    orm_conn_stats s;
    t->d->stats(c, &s);
    return s;
}

/* ---- the contracts ---------------------------------------------------------------- */

void dt_rows_changed_by_dml(const dt *t, orm_conn *c)
{
    dt_exec(t, c, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3), (4);");
    orm_value lim = orm_int(3);
    dt_res r;
    ck_assert_int_eq(dt_run(t, c, "UPDATE t SET x = x * 10 WHERE x <= #1", &lim, NULL, 1, 0, &r), 0);
    ck_assert_int_eq(r.changes, 3);
    ck_assert_int_eq(dt_run(t, c, "DELETE FROM t WHERE x = 999", NULL, NULL, 0, 0, &r), 0);
    ck_assert_int_eq(r.changes, 0);
    ck_assert_int_eq(dt_run(t, c, "DELETE FROM t WHERE x >= 10", NULL, NULL, 0, 0, &r), 0);
    ck_assert_int_eq(r.changes, 3);
    ck_assert_int_eq(dt_scalar(t, c, "SELECT sum(x) FROM t").u.i, 4);
}

void dt_cache_keyed_by_sql_text(const dt *t, orm_conn *c)
{
    dt_exec(t, c, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
    orm_conn_stats s0 = dt_stats(t, c);
    dt_res r;
    orm_value p = orm_int(1);
    ck_assert_int_eq(dt_run(t, c, "SELECT x FROM t WHERE x > #1 ORDER BY x", &p, NULL, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 2);
    p = orm_int(2); /* same text, other value: the cached statement, bound afresh */
    ck_assert_int_eq(dt_run(t, c, "SELECT x FROM t WHERE x > #1 ORDER BY x", &p, NULL, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_int_eq(r.v[0].u.i, 3);
    ck_assert_int_eq(dt_run(t, c, "SELECT x FROM t WHERE x >= #1 ORDER BY x", &p, NULL, 1, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 2);
    orm_conn_stats s1 = dt_stats(t, c);
    ck_assert_uint_eq(s1.cache_misses - s0.cache_misses, 2);
    ck_assert_uint_eq(s1.cache_hits - s0.cache_hits, 1);
}

void dt_cursor_closed_early_starts_over(const dt *t, orm_conn *c)
{
    dt_exec(t, c, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
    orm_compiled q;
    orm_compiled_text(&q, "SELECT x FROM t ORDER BY x");
    q.nresult = 1;
    q.returns_rows = true;
    orm_cursor *cur;
    ck_assert_int_eq(t->d->query(c, &q, &cur, t->err), 0);
    ck_assert_int_eq(t->d->next(cur, t->err), 1);
    orm_value first;
    t->d->row(cur, &first, 1);
    ck_assert_int_eq(first.u.i, 1);
    t->d->close(cur); /* two rows left unread */
    dt_res r;
    ck_assert_int_eq(dt_run(t, c, "SELECT x FROM t ORDER BY x", NULL, NULL, 0, 1, &r), 0);
    ck_assert_uint_eq(r.nrows, 3);
    ck_assert_int_eq(r.v[0].u.i, 1);
}

void dt_many_distinct_statements(const dt *t, orm_conn *c, int n)
{
    dt_exec(t, c, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);");
    for (int i = 0; i < n; i++) {
        const char *sql = rm_arena_sprintf(t->a, "SELECT x + %d FROM t", i);
        ck_assert_int_eq(dt_scalar(t, c, sql).u.i, 7 + i);
    }
    orm_conn_stats s0 = dt_stats(t, c);
    const char *last = rm_arena_sprintf(t->a, "SELECT x + %d FROM t", n - 1);
    ck_assert_int_eq(dt_scalar(t, c, last).u.i, 7 + n - 1);
    ck_assert_uint_eq(dt_stats(t, c).cache_hits - s0.cache_hits, 1); /* the latest is still cached */
}

void dt_constraint_violations_are_conflicts(const dt *t, orm_conn *c, const char *const *states)
{
    dt_exec(t, c, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                  "CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL REFERENCES parent (id),"
                  " code TEXT UNIQUE, n INTEGER CHECK (n > 0));"
                  "INSERT INTO parent VALUES (1);"
                  "INSERT INTO child VALUES (1, 1, 'a', 1);");
    static const struct { const char *sql, *detail; int code; } cases[] = {
        {"INSERT INTO child VALUES (1, 1, 'b', 1)", "same unique value", ORM_E_CONFLICT},   /* primary key */
        {"INSERT INTO child VALUES (2, 1, 'a', 1)", "same unique value", ORM_E_CONFLICT},   /* unique */
        {"INSERT INTO child VALUES (2, 9, 'b', 1)", "foreign-key", ORM_E_CONFLICT},
        {"INSERT INTO child VALUES (2, NULL, 'b', 1)", "required column", ORM_E_CONFLICT},  /* not null */
        {"INSERT INTO child VALUES (2, 1, 'b', 0)", "check constraint", ORM_E_VALIDATION},  /* check: 422 */
        {"DELETE FROM parent WHERE id = 1", "foreign-key", ORM_E_CONFLICT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_error_init(t->err, t->a);
        dt_res r;
        ck_assert_int_eq(dt_run(t, c, cases[i].sql, NULL, NULL, 0, 0, &r), cases[i].code);
        ck_assert_msg(strstr(t->err->detail, cases[i].detail) != NULL, "%s: %s", cases[i].sql, t->err->detail);
        /* the detail names no table, column or constraint */
        ck_assert_msg(!strstr(t->err->detail, "child") && !strstr(t->err->detail, "parent"), "%s", t->err->detail);
        ck_assert_msg(strstr(t->err->internal, cases[i].sql) != NULL, "internal text names the SQL: %s",
                      t->err->internal);
        if (states)
            ck_assert_msg(strstr(t->err->internal, states[i]) != NULL, "%s: not %s", t->err->internal, states[i]);
    }
    ck_assert_int_eq(dt_scalar(t, c, "SELECT count(*) FROM child").u.i, 1); /* nothing got in */
}

void dt_bad_sql_is_internal(const dt *t, orm_conn *c, const char *syntax, const char *missing)
{
    dt_res r;
    ck_assert_int_eq(dt_run(t, c, "SELEKT 1", NULL, NULL, 0, 1, &r), ORM_E_INTERNAL);
    ck_assert_msg(strstr(t->err->internal, syntax) != NULL, "%s", t->err->internal);
    orm_error_init(t->err, t->a);
    ck_assert_int_eq(dt_run(t, c, "SELECT * FROM missing", NULL, NULL, 0, 1, &r), ORM_E_INTERNAL);
    ck_assert_msg(strstr(t->err->internal, missing) != NULL, "%s", t->err->internal);
    orm_error_init(t->err, t->a);
    ck_assert_int_eq(t->d->exec(c, "DROP TABLE missing", t->err), ORM_E_INTERNAL);
    ck_assert_int_eq(t->d->exec(c, "CREATE TABLE a (x INTEGER); CREATE TABLE a (x INTEGER);", t->err), ORM_E_INTERNAL);
    /* the connection is still usable */
    ck_assert_int_eq(dt_scalar(t, c, "SELECT 5").u.i, 5);
}

void dt_unit_deadline_spans_statements(const dt *t, orm_conn *c, int timeout_ms)
{
    t->d->unit_deadline(c, true);
    ck_assert_int_eq(dt_scalar(t, c, "SELECT 1").u.i, 1);
    ts_sleep_ms(timeout_ms + 100); /* each statement is quick, but the unit has run too long */
    dt_res r;
    ck_assert_int_eq(dt_run(t, c, "SELECT 2", NULL, NULL, 0, 1, &r), ORM_E_TIMEOUT);
    t->d->unit_deadline(c, false); /* back to one timeout per statement */
    ck_assert_int_eq(dt_scalar(t, c, "SELECT 2").u.i, 2);
    ts_sleep_ms(timeout_ms + 100);
    ck_assert_int_eq(dt_scalar(t, c, "SELECT 4").u.i, 4);
}
