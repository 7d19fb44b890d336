/* test_compile.c: statements → SQL text and bound parameters (SQLite
 * dialect): every operator, combinator nesting, ORDER/LIMIT, DML, and the
 * property that values never enter the text. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/suite.h"
#include <string.h>

#include "orm/compile.h"
#include "tests/support/fixtures.h"

static rm_arena *A;
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

TS_SUITE(compile_suite, "orm/compile", setup, teardown, 1, select_all_columns, comparison_operators,
         in_between_null_like, combinators_parenthesise_only_what_needs_it, exists_subquery_with_own_alias,
         order_limit_offset_are_parameters, dml_statements, identifiers_are_quoted,
         malformed_tree_is_an_error)
