/* drvtest.h: what the driver suites share (test_driver.c on SQLite,
 * test_driver_pg.c on PostgreSQL): running a statement through
 * orm/driver.h alone (query, next, column, changes, close), and the
 * contracts every driver keeps, written once and run by each suite on a
 * connection of its own driver. SQL given to these functions writes its
 * placeholders as "#1", "#2"; they become the driver's own mark (?1 or
 * $1). Every function fails the running check test when something it
 * needs does not work. */
#ifndef RM_TEST_DRVTEST_H
#define RM_TEST_DRVTEST_H

#include <stdbool.h>

#include "orm/driver.h"

/* The driver under test, and where results and errors go. */
typedef struct dt {
    const orm_driver *d;
    rm_arena *a;      /* result copies, SQL texts */
    orm_error *err;   /* the last error */
} dt;

typedef struct dt_res {
    orm_value *v;     /* row r, column k: v[r * ncols + k] (arena copies) */
    size_t nrows;
    int64_t changes;
} dt_res;

/* sql with its "#n" placeholders in the driver's spelling (arena text). */
const char *dt_sql(const dt *t, const char *sql);
/* Run sql (placeholders as in dt_sql) with np parameters, typed by cols
 * when not NULL, reading ncols columns of every row. Returns 0, or the
 * code query() or next() gave (t->err set). */
int dt_run(const dt *t, orm_conn *c, const char *sql, const orm_value *params, const orm_column **cols, size_t np,
           size_t ncols, dt_res *out);
/* exec() that must succeed. */
void dt_exec(const dt *t, orm_conn *c, const char *sql);
/* The single value of a one-row, one-column query. */
orm_value dt_scalar(const dt *t, orm_conn *c, const char *sql);
bool dt_text_is(orm_value v, const char *s);
orm_conn_stats dt_stats(const dt *t, orm_conn *c);

/* ---- the contracts ---------------------------------------------------------------- */

/* UPDATE/DELETE report the rows they changed (0 when none). */
void dt_rows_changed_by_dml(const dt *t, orm_conn *c);
/* The prepared-statement cache is keyed by SQL text: the same text with
 * other values hits, another text misses. */
void dt_cache_keyed_by_sql_text(const dt *t, orm_conn *c);
/* A cursor closed before its last row leaves the statement ready to run
 * again from the start. */
void dt_cursor_closed_early_starts_over(const dt *t, orm_conn *c);
/* More distinct statements than any cache keeps each answer their own;
 * the latest one is still cached. */
void dt_many_distinct_statements(const dt *t, orm_conn *c, int n);
/* Primary key, unique, foreign key (insert and delete), not null and
 * check violations are ORM_E_CONFLICT with SQLite's details, the internal
 * text naming the SQL (and, when states is not NULL, states[i] for the
 * i-th case: pk, unique, fk, not null, check, fk on delete); nothing gets
 * in. */
void dt_constraint_violations_are_conflicts(const dt *t, orm_conn *c, const char *const *states);
/* A syntax error, a missing table (their internal texts containing
 * syntax and missing) and failing exec() statements are ORM_E_INTERNAL,
 * and the connection stays usable. */
void dt_bad_sql_is_internal(const dt *t, orm_conn *c, const char *syntax, const char *missing);
/* On c, opened with statement timeout timeout_ms: a unit's statements
 * share one deadline (a quick statement after the unit's time is up is
 * TIMEOUT), and after the unit each statement has its own again. */
void dt_unit_deadline_spans_statements(const dt *t, orm_conn *c, int timeout_ms);

#endif
