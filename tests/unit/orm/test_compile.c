/* test_compile.c: statements → SQL text and bound parameters (SQLite
 * dialect): every operator, combinator nesting, ORDER/LIMIT, DML, and the
 * property that values never enter the text; and the compiled cache (orm/compile_cache.h, orm/cache_key.h), which
 * must never confuse two statements. Every statement is compiled through
 * a dialect with a cache and through the bare dialect, and the two must
 * agree on the text, every parameter (value and column), the result
 * columns and the flags:
 *
 *  - many hand-built shapes (each operator, IN lists of several lengths,
 *    LIMIT with and without OFFSET, ORDER BY directions, joins, labels,
 *    COUNT/ONE, scaled aggregates, the DML statements), each with three
 *    sets of values, interleaved through one cache (later rounds hit);
 *  - a cache of four entries (eviction);
 *  - random filter trees (tests/support/filter_gen.c), each parsed twice
 *    and once more with its values changed, and small random filters (of
 *    one shape with different columns and operators, often), sorted and
 *    paged at random, on both dialects: the copies of a shape hit, with
 *    their own values. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/compile_cache.h"
#include "orm/filter.h"
#include "orm/query.h"
#include "tests/suites.h"
#include "tests/support/filter_gen.h"
#include "tests/support/fixtures.h"
#include "tests/support/suite.h"

static _Thread_local rm_arena *A; /* each thread's (threads_share_one_cache) */
static fx_tables FX;

static void setup(void)
{
    A = rm_arena_new();
    fx_tables_init(&FX);
}

static void teardown(void) { rm_arena_destroy(A); }

static orm_expr *col(int i) { return orm_expr_column(A, 0, &FX.ucols[i]); }
static orm_expr *pint(int64_t v) { return orm_expr_param(A, orm_int(v), NULL); }
static orm_expr *ptext(const char *s) { return orm_expr_param(A, orm_text(s, strlen(s)), NULL); }

static const char *where_sql(orm_expr *w, orm_compiled *c)
{
    orm_select s = {.from = &FX.users, .columns = (orm_expr *[]){col(0)}, .ncolumns = 1, .where = w};
    orm_error err;
    orm_error_init(&err, A);
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, c, &err), 0);
    const char *prefix = "SELECT t0.\"id\" FROM \"users\" AS t0 WHERE ";
    ck_assert_msg(strncmp(c->sql, prefix, strlen(prefix)) == 0, "got %s", c->sql);
    return c->sql + strlen(prefix);
}

START_TEST(select_all_columns)
{
    orm_select s = {.from = &FX.users};
    orm_compiled c;
    orm_error err;
    orm_error_init(&err, A);
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "SELECT t0.\"id\", t0.\"name\", t0.\"fullname\", t0.\"age\", t0.\"active\" "
                            "FROM \"users\" AS t0");
    ck_assert_uint_eq(c.nresult, 5);
    ck_assert_ptr_eq(c.result_columns[1], &FX.ucols[1]);
    ck_assert_uint_eq(c.nparams, 0);
}
END_TEST

START_TEST(comparison_operators)
{
    static const struct { orm_expr_op op; const char *sql; } cases[] = {
        {ORM_OP_EQ, "t0.\"age\" = ?1"}, {ORM_OP_NE, "t0.\"age\" <> ?1"},
        {ORM_OP_LT, "t0.\"age\" < ?1"}, {ORM_OP_LE, "t0.\"age\" <= ?1"},
        {ORM_OP_GT, "t0.\"age\" > ?1"}, {ORM_OP_GE, "t0.\"age\" >= ?1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orm_compiled c;
        ck_assert_str_eq(where_sql(orm_expr_binary(A, cases[i].op, col(3), pint(42)), &c), cases[i].sql);
        ck_assert_uint_eq(c.nparams, 1);
        ck_assert_int_eq(c.params[0].u.i, 42);
    }
}
END_TEST

START_TEST(in_between_null_like)
{
    orm_compiled c;
    orm_expr *items[] = {pint(1), pint(2), pint(3)};
    ck_assert_str_eq(where_sql(orm_expr_binary(A, ORM_OP_IN, col(0), orm_expr_list(A, items, 3)), &c),
                     "t0.\"id\" IN (?1, ?2, ?3)");
    ck_assert_uint_eq(c.nparams, 3);
    ck_assert_int_eq(c.params[2].u.i, 3);
    ck_assert_str_eq(where_sql(orm_expr_binary(A, ORM_OP_NOT_IN, col(0), orm_expr_list(A, items, 2)), &c),
                     "t0.\"id\" NOT IN (?1, ?2)");
    orm_expr *range[] = {pint(18), pint(65)};
    ck_assert_str_eq(where_sql(orm_expr_binary(A, ORM_OP_BETWEEN, col(3), orm_expr_list(A, range, 2)), &c),
                     "t0.\"age\" BETWEEN ?1 AND ?2");
    ck_assert_str_eq(where_sql(orm_expr_unary(A, ORM_OP_IS_NULL, col(2)), &c), "t0.\"fullname\" IS NULL");
    ck_assert_str_eq(where_sql(orm_expr_unary(A, ORM_OP_IS_NOT_NULL, col(2)), &c),
                     "t0.\"fullname\" IS NOT NULL");
    orm_expr *like = orm_expr_binary(A, ORM_OP_LIKE, col(1), ptext("e%"));
    like->flags |= ORM_EXPR_ESCAPE;
    ck_assert_str_eq(where_sql(like, &c), "t0.\"name\" LIKE ?1 ESCAPE '\\'");
    ck_assert_str_eq(where_sql(orm_expr_binary(A, ORM_OP_ILIKE, col(1), ptext("E%")), &c),
                     "lower(t0.\"name\") LIKE lower(?1)");
    ck_assert_str_eq(where_sql(orm_expr_const(A, false), &c), "1 = 0");
}
END_TEST

START_TEST(combinators_parenthesise_only_what_needs_it)
{
    orm_compiled c;
    orm_expr *a = orm_expr_col_eq(A, 0, &FX.ucols[1], orm_text("ed", 2));
    orm_expr *b = orm_expr_col_eq(A, 0, &FX.ucols[1], orm_text("wendy", 5));
    orm_expr *d = orm_expr_binary(A, ORM_OP_GT, col(3), pint(30));
    /* (a OR b) AND d */
    ck_assert_str_eq(where_sql(orm_expr_and(A, orm_expr_or(A, a, b), d), &c),
                     "(t0.\"name\" = ?1 OR t0.\"name\" = ?2) AND t0.\"age\" > ?3");
    /* a AND b AND d: no parentheses */
    ck_assert_str_eq(where_sql(orm_expr_and(A, orm_expr_and(A, a, b), d), &c),
                     "t0.\"name\" = ?1 AND t0.\"name\" = ?2 AND t0.\"age\" > ?3");
    /* NOT (a AND b) */
    ck_assert_str_eq(where_sql(orm_expr_unary(A, ORM_OP_NOT, orm_expr_and(A, a, b)), &c),
                     "NOT (t0.\"name\" = ?1 AND t0.\"name\" = ?2)");
    ck_assert_str_eq(where_sql(orm_expr_unary(A, ORM_OP_NOT, a), &c), "NOT (t0.\"name\" = ?1)");
    /* NULL sides vanish */
    ck_assert_ptr_eq(orm_expr_and(A, NULL, a), a);
    ck_assert_ptr_eq(orm_expr_or(A, a, NULL), a);
    /* equality with NULL is IS NULL */
    ck_assert_str_eq(where_sql(orm_expr_col_eq(A, 0, &FX.ucols[2], orm_null()), &c),
                     "t0.\"fullname\" IS NULL");
}
END_TEST

START_TEST(exists_subquery_with_own_alias)
{
    orm_expr *corr = orm_expr_binary(A, ORM_OP_EQ, orm_expr_column(A, 1, &FX.acols[2]), col(0));
    orm_expr *inner = orm_expr_binary(A, ORM_OP_LIKE, orm_expr_column(A, 1, &FX.acols[1]), ptext("%@x"));
    orm_select sub = {.from = &FX.addresses, .alias = 1, .flags = ORM_SELECT_ONE,
                      .where = orm_expr_and(A, corr, inner)};
    orm_compiled c;
    ck_assert_str_eq(where_sql(orm_expr_exists(A, &sub), &c),
                     "EXISTS (SELECT 1 FROM \"addresses\" AS t1 WHERE t1.\"user_id\" = t0.\"id\" AND "
                     "t1.\"email\" LIKE ?1)");
}
END_TEST

START_TEST(order_limit_offset_are_parameters)
{
    orm_select s = {.from = &FX.users, .columns = (orm_expr *[]){col(0)}, .ncolumns = 1};
    orm_order_item order[] = {{col(1), true}, {col(0), false}};
    s.order = order;
    s.norder = 2;
    s.limit = pint(20);
    s.offset = pint(40);
    orm_compiled c;
    orm_error err;
    orm_error_init(&err, A);
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "SELECT t0.\"id\" FROM \"users\" AS t0 ORDER BY t0.\"name\" DESC, t0.\"id\" "
                            "LIMIT ?1 OFFSET ?2");
    ck_assert_int_eq(c.params[0].u.i, 20);
    ck_assert_int_eq(c.params[1].u.i, 40);
    /* another page, same text: the statement cache hits */
    const char *first = c.sql;
    s.offset = pint(60);
    orm_compiled c2;
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &c2, &err), 0);
    ck_assert_str_eq(c2.sql, first);
    /* count ignores order and paging */
    s.flags = ORM_SELECT_COUNT;
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "SELECT count(*) FROM \"users\" AS t0");
}
END_TEST

START_TEST(dml_statements)
{
    orm_error err;
    orm_error_init(&err, A);
    orm_compiled c;
    const orm_column *cols[] = {&FX.ucols[1], &FX.ucols[3]};
    orm_value vals[] = {orm_text("Robert'); DROP TABLE users;--", 29), orm_int(7)};
    orm_insert ins = {.table = &FX.users, .columns = cols, .values = vals, .ncolumns = 2, .returning = true};
    ck_assert_int_eq(orm_compile_insert(&orm_dialect_sqlite, &ins, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "INSERT INTO \"users\" (\"name\", \"age\") VALUES (?1, ?2) RETURNING \"id\", "
                            "\"name\", \"fullname\", \"age\", \"active\"");
    ck_assert_ptr_null(strstr(c.sql, "DROP")); /* values are parameters only */
    ck_assert_uint_eq(c.nparams, 2);
    ck_assert_ptr_eq(c.param_columns[0], &FX.ucols[1]);

    orm_insert empty = {.table = &FX.users};
    ck_assert_int_eq(orm_compile_insert(&orm_dialect_sqlite, &empty, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "INSERT INTO \"users\" DEFAULT VALUES");

    orm_expr *setv[] = {orm_expr_param(A, orm_text("ed", 2), &FX.ucols[1]),
                        orm_expr_binary(A, ORM_OP_PLUS, orm_expr_column(A, -1, &FX.ucols[3]), pint(1))};
    orm_update up = {.table = &FX.users, .columns = cols, .values = setv, .ncolumns = 2,
                     .where = orm_expr_col_eq(A, -1, &FX.ucols[0], orm_int(5))};
    ck_assert_int_eq(orm_compile_update(&orm_dialect_sqlite, &up, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "UPDATE \"users\" SET \"name\" = ?1, \"age\" = \"age\" + ?2 WHERE \"id\" = ?3");
    ck_assert_int_eq(c.params[2].u.i, 5);

    orm_delete del = {.table = &FX.users, .where = orm_expr_col_eq(A, -1, &FX.ucols[0], orm_int(5))};
    ck_assert_int_eq(orm_compile_delete(&orm_dialect_sqlite, &del, A, &c, &err), 0);
    ck_assert_str_eq(c.sql, "DELETE FROM \"users\" WHERE \"id\" = ?1");
}
END_TEST

START_TEST(identifiers_are_quoted)
{
    rm_sb sb;
    rm_sb_init(&sb, A);
    orm_quote_ident(&sb, "we\"ird");
    ck_assert_str_eq(sb.buf, "\"we\"\"ird\"");
    rm_sb_reset(&sb);
    orm_quote_string(&sb, "it's", 4);
    ck_assert_str_eq(sb.buf, "'it''s'");
}
END_TEST

START_TEST(malformed_tree_is_an_error)
{
    orm_error err;
    orm_error_init(&err, A);
    orm_compiled c;
    orm_expr *bad = orm_expr_binary(A, ORM_OP_BETWEEN, col(3), pint(1)); /* not a 2-list */
    orm_select s = {.from = &FX.users, .where = bad};
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &c, &err), ORM_E_INTERNAL);
    orm_update up = {.table = &FX.users}; /* nothing to set */
    ck_assert_int_eq(orm_compile_update(&orm_dialect_sqlite, &up, A, &c, &err), ORM_E_INTERNAL);
}
END_TEST

/* ---- the compiled cache ------------------------------------------------------------------- */

/* A copy of d with a cache of its own. */
static orm_dialect with_cache(const orm_dialect *d, size_t entries)
{
    orm_dialect c = *d;
    c.cache = orm_compile_cache_new(entries, 0);
    return c;
}

static void same(const orm_compiled *x, const orm_compiled *y, const char *what)
{
    ck_assert_msg(x->sql_len == y->sql_len && !memcmp(x->sql, y->sql, x->sql_len) && !x->sql[x->sql_len],
                  "%s:\n  cached %s\n  fresh  %s", what, x->sql, y->sql);
    ck_assert_msg(x->nparams == y->nparams, "%s: %zu parameters, fresh %zu", what, x->nparams, y->nparams);
    for (size_t i = 0; i < x->nparams; i++) {
        ck_assert_msg(x->params[i].kind == y->params[i].kind && orm_value_eq(&x->params[i], &y->params[i]),
                      "%s: parameter %zu is %s, fresh %s (%s)", what, i + 1, orm_value_repr(A, &x->params[i]),
                      orm_value_repr(A, &y->params[i]), y->sql);
        ck_assert_msg(x->param_columns[i] == y->param_columns[i], "%s: parameter %zu's column", what, i + 1);
    }
    ck_assert_uint_eq(x->nresult, y->nresult);
    for (size_t i = 0; i < x->nresult && y->result_columns; i++)
        ck_assert_ptr_eq(x->result_columns[i], y->result_columns[i]);
    ck_assert_int_eq(x->returns_rows, y->returns_rows);
    ck_assert_int_eq(x->is_query, y->is_query);
}

/* ---- hand-built shapes ------------------------------------------------------------------------ */

typedef enum { S_SELECT, S_INSERT, S_UPDATE, S_DELETE } skind;

typedef struct stmt {
    skind kind;
    orm_select sel;
    orm_insert ins;
    orm_update up;
    orm_delete del;
} stmt;

static int compile_stmt(const orm_dialect *d, const stmt *s, orm_compiled *out)
{
    orm_error err;
    orm_error_init(&err, A);
    switch (s->kind) {
    case S_SELECT: return orm_compile_select(d, &s->sel, A, out, &err);
    case S_INSERT: return orm_compile_insert(d, &s->ins, A, out, &err);
    case S_UPDATE: return orm_compile_update(d, &s->up, A, out, &err);
    case S_DELETE: return orm_compile_delete(d, &s->del, A, out, &err);
    }
    return -1;
}

static orm_expr *vint(int64_t v) { return orm_expr_param(A, orm_int(v), &FX.ucols[0]); }
static orm_value text_value(const char *s, int v)
{
    const char *t = rm_arena_sprintf(A, "%s%d", s, v);
    return orm_text(t, strlen(t));
}
static orm_expr *vtext(const char *s, int v) { return orm_expr_param(A, text_value(s, v), &FX.ucols[1]); }
static orm_expr *bin(orm_expr_op op, orm_expr *l, orm_expr *r) { return orm_expr_binary(A, op, l, r); }

static orm_expr *in_list(int n, int v)
{
    orm_expr **items = RM_NEW_ARRAY(A, orm_expr *, n);
    for (int i = 0; i < n; i++) items[i] = vint(v * 100 + i);
    return orm_expr_list(A, items, (size_t)n);
}

#define NSHAPES 40

/* Shape i with values from v: no two shapes print the same text. */
static void build(int i, int v, stmt *s)
{
    memset(s, 0, sizeof *s);
    s->kind = S_SELECT;
    orm_select *q = &s->sel;
    q->from = &FX.users;
    static const orm_expr_op cmp[] = {ORM_OP_EQ, ORM_OP_NE, ORM_OP_LT, ORM_OP_LE, ORM_OP_GT, ORM_OP_GE};
    if (i < 6) { /* each comparison */
        q->where = bin(cmp[i], col(3), vint(v));
        return;
    }
    switch (i) {
    case 6: case 7: case 8: q->where = bin(ORM_OP_IN, col(0), in_list(i - 5, v)); return;
    case 9: q->where = bin(ORM_OP_NOT_IN, col(0), in_list(2, v)); return;
    case 10: q->where = bin(ORM_OP_BETWEEN, col(3), in_list(2, v)); return;
    case 11: q->where = bin(ORM_OP_LIKE, col(1), vtext("a%", v)); return;
    case 12:
        q->where = bin(ORM_OP_LIKE, col(1), vtext("a%", v));
        q->where->flags = ORM_EXPR_ESCAPE;
        return;
    case 13: q->where = bin(ORM_OP_ILIKE, col(1), vtext("a%", v)); return;
    case 14: q->where = orm_expr_unary(A, ORM_OP_IS_NULL, col(2)); return;
    case 15: q->where = orm_expr_unary(A, ORM_OP_IS_NOT_NULL, col(2)); return;
    case 16: /* a AND (b OR c) */
        q->where = orm_expr_and(A, bin(ORM_OP_EQ, col(0), vint(v)),
                                orm_expr_or(A, bin(ORM_OP_EQ, col(3), vint(v + 1)), bin(ORM_OP_EQ, col(1), vtext("n", v))));
        return;
    case 17: /* (a AND b) OR c: the same nodes, another nesting */
        q->where = orm_expr_or(A, orm_expr_and(A, bin(ORM_OP_EQ, col(0), vint(v)), bin(ORM_OP_EQ, col(3), vint(v + 1))),
                               bin(ORM_OP_EQ, col(1), vtext("n", v)));
        return;
    case 18: q->where = orm_expr_unary(A, ORM_OP_NOT, bin(ORM_OP_EQ, col(3), vint(v))); return;
    case 19: q->where = orm_expr_unary(A, ORM_OP_NOT, orm_expr_const(A, false)); return;
    case 20: q->limit = vint(v); return;
    case 21: q->offset = vint(v); return; /* LIMIT -1 made by the compiler */
    case 22:
        q->limit = vint(v);
        q->offset = vint(v + 5);
        return;
    case 23:
    case 24:
        q->order = RM_NEW_ARRAY(A, orm_order_item, 2);
        q->order[0] = (orm_order_item){col(3), i == 24};
        q->order[1] = (orm_order_item){col(0), false};
        q->norder = 2;
        q->limit = vint(v);
        return;
    case 25: q->flags = ORM_SELECT_COUNT; q->where = bin(ORM_OP_GT, col(3), vint(v)); return;
    case 26: q->flags = ORM_SELECT_ONE; q->where = bin(ORM_OP_GT, col(3), vint(v)); return;
    case 27:
    case 28: { /* a column by itself, then labelled */
        q->columns = RM_NEW_ARRAY(A, orm_expr *, 1);
        q->columns[0] = col(1);
        q->ncolumns = 1;
        if (i == 28) {
            q->labels = RM_NEW_ARRAY(A, const char *, 1);
            q->labels[0] = rm_arena_strdup(A, "label");
        }
        q->where = bin(ORM_OP_EQ, col(0), vint(v));
        return;
    }
    case 29:
    case 30: { /* users JOIN / LEFT JOIN addresses */
        q->joins = RM_NEW_ARRAY(A, orm_join, 1);
        q->joins[0] = (orm_join){.kind = i == 29 ? ORM_JOIN_INNER : ORM_JOIN_LEFT, .table = &FX.addresses, .alias = 1,
                                 .on = bin(ORM_OP_EQ, orm_expr_column(A, 1, &FX.acols[2]), col(0))};
        q->njoins = 1;
        q->where = bin(ORM_OP_EQ, orm_expr_column(A, 1, &FX.acols[1]), vtext("e", v));
        return;
    }
    case 31: { /* EXISTS (SELECT 1 FROM addresses AS t1 WHERE ...) */
        orm_select *sub = RM_NEW(A, orm_select);
        *sub = (orm_select){.from = &FX.addresses, .alias = 1, .flags = ORM_SELECT_ONE,
                            .where = orm_expr_and(A, bin(ORM_OP_EQ, orm_expr_column(A, 1, &FX.acols[2]), col(0)),
                                                  bin(ORM_OP_EQ, orm_expr_column(A, 1, &FX.acols[1]), vtext("x", v)))};
        q->where = orm_expr_and(A, bin(ORM_OP_GT, col(3), vint(v)), orm_expr_exists(A, sub));
        return;
    }
    case 32:
    case 33: { /* exact sums: the compiler binds the scale's constants */
        orm_expr *e = orm_expr_unary(A, i == 32 ? ORM_OP_SCALED_SUM : ORM_OP_SCALED_AVG, col(3));
        e->u.scale = 2;
        q->columns = RM_NEW_ARRAY(A, orm_expr *, 1);
        q->columns[0] = e;
        q->ncolumns = 1;
        q->flags = 0;
        q->where = bin(ORM_OP_LT, col(3), vint(v));
        return;
    }
    case 34:
    case 35: { /* one row, two rows */
        s->kind = S_INSERT;
        const orm_column **cols = RM_NEW_ARRAY(A, const orm_column *, 2);
        cols[0] = &FX.ucols[1];
        cols[1] = &FX.ucols[3];
        size_t rows = (size_t)(i - 33);
        orm_value *vals = RM_NEW_ARRAY(A, orm_value, 2 * rows);
        for (size_t r = 0; r < rows; r++) {
            vals[2 * r] = text_value("n", v);
            vals[2 * r + 1] = v & 1 ? orm_null() : orm_int(v + (int)r);
        }
        s->ins = (orm_insert){.table = &FX.users, .columns = cols, .values = vals, .ncolumns = 2, .nrows = rows,
                              .returning = i == 35};
        return;
    }
    case 36: s->kind = S_INSERT; s->ins = (orm_insert){.table = &FX.users}; return; /* DEFAULT VALUES */
    case 37:
    case 38: { /* SET age = age + ?, name = ? WHERE id = ? [RETURNING] */
        s->kind = S_UPDATE;
        const orm_column **cols = RM_NEW_ARRAY(A, const orm_column *, 2);
        cols[0] = &FX.ucols[3];
        cols[1] = &FX.ucols[1];
        orm_expr **vals = RM_NEW_ARRAY(A, orm_expr *, 2);
        vals[0] = bin(ORM_OP_PLUS, orm_expr_column(A, -1, &FX.ucols[3]), vint(1));
        vals[1] = vtext("u", v);
        s->up = (orm_update){.table = &FX.users, .columns = cols, .values = vals, .ncolumns = 2,
                             .where = bin(ORM_OP_EQ, orm_expr_column(A, -1, &FX.ucols[0]), vint(v)),
                             .returning = i == 38};
        return;
    }
    case 39:
        s->kind = S_DELETE;
        s->del = (orm_delete){.table = &FX.users, .where = bin(ORM_OP_EQ, orm_expr_column(A, -1, &FX.ucols[0]), vint(v))};
        return;
    }
    ck_abort_msg("no shape %d", i);
}

/* Every shape, twice over with new values, through one cache; each agrees
 * with the bare dialect's compile. (Two shapes may print one text: on
 * SQLite, OFFSET alone is LIMIT ?1 OFFSET ?2 with -1 made by the compiler,
 * as is LIMIT with OFFSET from two values; their keys differ.) */
static void run_shapes(const orm_dialect *bare, size_t entries)
{
    orm_dialect d = with_cache(bare, entries);
    const char *texts[NSHAPES];
    const char *limit_offset = NULL;
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < NSHAPES; i++) {
            int v = round * 7 + i % 5 + 1;
            stmt s;
            build(i, v, &s);
            orm_compiled cached, fresh;
            ck_assert_int_eq(compile_stmt(&d, &s, &cached), 0);
            ck_assert_int_eq(compile_stmt(bare, &s, &fresh), 0);
            same(&cached, &fresh, rm_arena_sprintf(A, "%s shape %d round %d", bare->name, i, round));
            if (round == 0) texts[i] = fresh.sql;
            else ck_assert_str_eq(texts[i], fresh.sql);
            if (i == 21) limit_offset = fresh.sql;
            for (int j = 0; j < i && round == 0; j++)
                ck_assert_msg(strcmp(texts[j], texts[i]) || (i == 22 && j == 21), "shapes %d and %d: %s", j, i,
                              texts[i]);
            if (i == 22 && !strcmp(bare->name, "sqlite")) ck_assert_str_eq(limit_offset, fresh.sql);
        }
    orm_compile_cache_stats st;
    orm_compile_cache_stats_get(d.cache, &st);
    if (!entries) { /* the default size: every shape stays */
        ck_assert_uint_eq(st.misses, NSHAPES);
        ck_assert_uint_eq(st.hits, 2 * NSHAPES);
    } else {
        ck_assert_uint_le(st.entries, entries);
        ck_assert_uint_ge(st.evictions, 3 * NSHAPES - entries - st.hits);
    }
    orm_compile_cache_free(d.cache);
}

START_TEST(shapes_compile_as_fresh)
{
    run_shapes(&orm_dialect_sqlite, 0);
    run_shapes(&orm_dialect_pg, 0);
}
END_TEST

START_TEST(bounded_cache_evicts)
{
    run_shapes(&orm_dialect_sqlite, 4);
}
END_TEST

/* A shape a reader holds stays whole after another statement evicts its
 * entry: the reader's arena pins the entry until it is reset, and then
 * frees it (ASan sees any read of freed memory or a leak). */
START_TEST(an_evicted_shape_lives_as_long_as_its_reader)
{
    orm_dialect d = with_cache(&orm_dialect_sqlite, 1);
    stmt first, second;
    build(0, 1, &first);
    build(1, 2, &second);
    orm_compiled stored, held, other, fresh;
    orm_error err;
    orm_error_init(&err, A);
    rm_arena *reader = rm_arena_new();
    ck_assert_int_eq(compile_stmt(&d, &first, &stored), 0);                         /* a miss: stored */
    ck_assert_int_eq(orm_compile_select(&d, &first.sel, reader, &held, &err), 0); /* a hit, pinned */
    ck_assert_int_eq(compile_stmt(&d, &second, &other), 0);                         /* evicts the first */
    orm_compile_cache_stats st;
    orm_compile_cache_stats_get(d.cache, &st);
    ck_assert_uint_eq(st.hits, 1);
    ck_assert_uint_eq(st.evictions, 1);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_int_eq(compile_stmt(&orm_dialect_sqlite, &first, &fresh), 0);
    same(&held, &fresh, "held after eviction");
    ck_assert_uint_ne(held.shape_id, 0);
    rm_arena_destroy(reader);
    orm_compile_cache_free(d.cache);
}
END_TEST

/* A value met twice by the walk (one node in two places) cannot tell its
 * placeholders apart: such a statement is not stored. It may still take a
 * shape stored from distinct nodes (each place its own source). */
/* Threads compiling at once through one small cache, so that evictions
 * race look-ups: every statement still agrees with the bare dialect's. */
static orm_dialect SHARED;

static void *compile_many(void *ud)
{
    A = rm_arena_new();
    uint64_t x = (uint64_t)(uintptr_t)ud * 0x9e3779b97f4a7c15u + 1;
    for (int n = 0; n < 3000; n++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        stmt s;
        build((int)(x % NSHAPES), n % 7 + 1, &s);
        orm_compiled cached, fresh;
        ck_assert_int_eq(compile_stmt(&SHARED, &s, &cached), 0);
        ck_assert_int_eq(compile_stmt(&orm_dialect_sqlite, &s, &fresh), 0);
        same(&cached, &fresh, "threads");
        if (n % 100 == 99) rm_arena_reset(A);
    }
    rm_arena_destroy(A);
    return NULL;
}

START_TEST(threads_share_one_cache)
{
    SHARED = with_cache(&orm_dialect_sqlite, 8);
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, compile_many, (void *)(i + 1)), 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    orm_compile_cache_stats st;
    orm_compile_cache_stats_get(SHARED.cache, &st);
    ck_assert_uint_eq(st.hits + st.misses, 4 * 3000);
    ck_assert_uint_gt(st.hits, 0);
    ck_assert_uint_gt(st.evictions, 0);
    ck_assert_uint_le(st.entries, 8);
    orm_compile_cache_free(SHARED.cache);
}
END_TEST

START_TEST(shared_value_is_not_cached)
{
    orm_dialect d = with_cache(&orm_dialect_sqlite, 0);
    for (int v = 1; v <= 2; v++) {
        orm_expr *p = vint(v);
        orm_select s = {.from = &FX.users, .where = orm_expr_and(A, bin(ORM_OP_EQ, col(0), p), bin(ORM_OP_LT, col(3), p))};
        orm_compiled cached, fresh;
        orm_error err;
        orm_error_init(&err, A);
        ck_assert_int_eq(orm_compile_select(&d, &s, A, &cached, &err), 0);
        ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &fresh, &err), 0);
        same(&cached, &fresh, "shared value");
        /* the same shape with two nodes is another statement for the cache */
        s.where = orm_expr_and(A, bin(ORM_OP_EQ, col(0), vint(v)), bin(ORM_OP_LT, col(3), vint(v + 10)));
        ck_assert_int_eq(orm_compile_select(&d, &s, A, &cached, &err), 0);
        ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, A, &fresh, &err), 0);
        same(&cached, &fresh, "two values");
    }
    orm_compile_cache_stats st;
    orm_compile_cache_stats_get(d.cache, &st);
    ck_assert_uint_eq(st.entries, 1); /* the first two-value statement's */
    ck_assert_uint_eq(st.hits, 2);    /* both statements of the second round */
    orm_compile_cache_free(d.cache);
}
END_TEST

/* ---- random filter trees ---------------------------------------------------------------------- */

/* f with every scalar changed (numbers moved, strings lengthened, booleans
 * flipped) and the same structure: a filter of the same shape, mostly. */
static json_t *other_values(const json_t *f)
{
    if (json_is_object(f)) {
        json_t *o = json_object();
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)f, k, v) json_object_set_new(o, k, other_values(v));
        return o;
    }
    if (json_is_array(f)) {
        json_t *o = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(f, i, v) json_array_append_new(o, other_values(v));
        return o;
    }
    if (json_is_integer(f)) return json_integer(json_integer_value(f) + 1);
    if (json_is_real(f)) return json_real(json_real_value(f) + 0.5);
    if (json_is_string(f)) return json_sprintf("%sz", json_string_value(f));
    if (json_is_boolean(f)) return json_boolean(!json_is_true(f));
    return json_deep_copy(f);
}

#define FILTERS_PER_SEED 300

START_TEST(random_filters_compile_as_fresh)
{
    fg_world W;
    uint64_t seed = 0x5eedc0de0000ull + (uint64_t)_i;
    fg_world_init(&W, seed, "sqlite://:memory:");
    const orm_dialect *bare[2] = {&orm_dialect_sqlite, &orm_dialect_pg};
    orm_dialect d[2] = {*orm_engine_dialect(W.engine), with_cache(&orm_dialect_pg, 0)};
    ck_assert_ptr_nonnull(d[0].cache); /* the engine's own cache */
    long compiled = 0;
    for (int i = 0; i < FILTERS_PER_SEED; i++) {
        fg_prng g;
        fg_seed(&g, seed ^ fg_splitmix((uint64_t)i + 1));
        int e;
        json_t *f = fg_gen_filter_case(&W, &g, &e);
        /* and two small filters: many share a shape with other columns or operators */
        json_t *variants[5] = {f, f, other_values(f), fg_gen_filter(&W, &g, e, 1, 2), fg_gen_filter(&W, &g, e, 2, 3)};
        fg_sort_case sc;
        fg_gen_sort_for(&W, &g, e, &sc);
        int64_t limit = fg_chance(&g, 50) ? fg_range(&g, 1, 20) : -1, offset = fg_chance(&g, 30) ? fg_range(&g, 1, 9) : 0;
        bool sorted = fg_chance(&g, 50);
        for (int k = 0; k < 5; k++) {
            orm_error err;
            orm_error_init(&err, A);
            orm_query q;
            orm_query_init(&q, W.ents[e].m, NULL);
            if (orm_filter_parse(A, W.ents[e].m, variants[k], 0, &q.aliases, "/filter", &q.where, &err)) continue;
            if (sorted && orm_query_order_by(&q, A, sc.spec, &q.aliases, "/sort", &err)) continue;
            q.limit = limit < 0 ? -1 : limit + k; /* another value, the same shape (LIMIT or none) */
            q.offset = offset ? offset + k : 0;
            orm_alias_seq seq = q.aliases;
            orm_select sel;
            orm_query_select(&q, A, &seq, &sel);
            for (int b = 0; b < 2; b++) {
                orm_compiled cached, fresh;
                int rc = orm_compile_select(&d[b], &sel, A, &cached, &err);
                ck_assert_int_eq(rc, orm_compile_select(bare[b], &sel, A, &fresh, &err));
                if (rc) continue;
                char *text = fg_dump(variants[k]);
                same(&cached, &fresh, rm_arena_sprintf(A, "seed %#llx filter %d (%s) %s", (unsigned long long)seed, i,
                                                       text, bare[b]->name));
                free(text);
                compiled++;
            }
        }
        for (int k = 2; k < 5; k++) json_decref(variants[k]);
        json_decref(f);
        if (sc.filter) json_decref(sc.filter);
        rm_arena_reset(A);
    }
    orm_compile_cache_stats st[2];
    for (int b = 0; b < 2; b++) orm_compile_cache_stats_get(d[b].cache, &st[b]);
    /* the second parse of each filter is the same shape: at least a fifth hit */
    ck_assert_msg(st[1].hits * 5 >= (uint64_t)compiled / 2, "%llu hits of %ld", (unsigned long long)st[1].hits,
                  compiled / 2);
    ck_assert_uint_gt(st[0].hits, 0);
    orm_compile_cache_free(d[1].cache);
    fg_world_free(&W);
}
END_TEST

Suite *compile_suite(void)
{
    const TTest *const compile[] = {select_all_columns, comparison_operators, in_between_null_like,
                                           combinators_parenthesise_only_what_needs_it, exists_subquery_with_own_alias,
                                           order_limit_offset_are_parameters, dml_statements, identifiers_are_quoted,
                                           malformed_tree_is_an_error};
    Suite *s = ts_suite("orm/compile", setup, teardown, 1, compile, sizeof compile / sizeof *compile);
    TS_TCASE(s, "cache", setup, teardown, 60, shapes_compile_as_fresh, bounded_cache_evicts, shared_value_is_not_cached,
             threads_share_one_cache, an_evicted_shape_lives_as_long_as_its_reader);
    TCase *tc = ts_tcase(s, "cache: random filters", setup, teardown, 120);
    tcase_add_loop_test(tc, random_filters_compile_as_fresh, 0, 3);
    return s;
}
