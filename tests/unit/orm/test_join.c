/* test_join.c: a relationship's join condition (orm/join.c): the
 * join "where" template compiled once at load, copied with its aliases
 * renumbered for every use; templates that go through other relationships
 * compiled in dependency order; a circle of them refused at start-up; an
 * unaliased (DML) target named by its table inside subqueries. */
#include <check.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/filter.h"
#include "orm/schema.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

/* Team.gold_members goes through Person.gold_badges, declared after it. */
static const char *const NESTED =
    "{\"entities\": {"
    " \"Team\": {\"table\": \"teams\", \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}},"
    "  \"relationships\": {\"gold_members\": {\"target\": \"Person\", \"join\": {\"local\": [\"id\"],"
    "   \"remote\": [\"team_id\"], \"where\": {\"gold_badges\": {\"any\": {}}}}}}},"
    " \"Person\": {\"table\": \"people\", \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"team_id\": {\"type\": \"integer\"}},"
    "  \"relationships\": {\"gold_badges\": {\"target\": \"Badge\", \"join\": {\"local\": [\"id\"],"
    "   \"remote\": [\"person_id\"], \"where\": {\"name\": \"gold\"}}}}},"
    " \"Badge\": {\"table\": \"badges\", \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"person_id\": {\"type\": \"integer\"}, \"name\": {\"type\": \"string\"}}}}}";

static orm_schema *load(const char *text, orm_error *err)
{
    orm_schema *s = NULL;
    orm_error_init(err, NULL);
    orm_schema_load_string(text, "test.json", &s, err);
    return s;
}

/* SELECT 1 FROM parent AS t0 WHERE EXISTS (r's subquery) [AND again], as SQL. */
static const char *exists_sql(rm_arena *a, const orm_relationship *r, int times)
{
    orm_alias_seq seq = {.next = 1};
    orm_expr *w = NULL;
    for (int i = 0; i < times; i++) {
        int t;
        w = orm_expr_and(a, w, orm_expr_exists(a, orm_relationship_subquery(a, r, 0, &seq, &t)));
    }
    orm_select s = {.from = r->parent->table, .flags = ORM_SELECT_ONE, .where = w};
    orm_compiled c;
    orm_error err;
    orm_error_init(&err, a);
    ck_assert_int_eq(orm_compile_select(&orm_dialect_sqlite, &s, a, &c, &err), 0);
    return c.sql;
}

START_TEST(templates_compile_in_dependency_order)
{
    orm_error err;
    orm_schema *s = load(NESTED, &err);
    ck_assert_msg(s != NULL, "%s", err.detail);
    const orm_relationship *r = orm_mapper_relationship(orm_schema_mapper(s, "Team"), "gold_members");
    ck_assert(r->compiled);
    ck_assert_int_eq(r->where.naliases, 1); /* gold_badges' subquery */
    rm_arena *a = rm_arena_new();
    ck_assert_str_eq(exists_sql(a, r, 1),
                     "SELECT 1 FROM \"teams\" AS t0 WHERE EXISTS (SELECT 1 FROM \"people\" AS t1 WHERE "
                     "t1.\"team_id\" = t0.\"id\" AND EXISTS (SELECT 1 FROM \"badges\" AS t2 WHERE "
                     "t2.\"person_id\" = t1.\"id\" AND t2.\"name\" = ?1))");
    /* the same relationship twice: the second copy takes fresh aliases */
    ck_assert_str_eq(exists_sql(a, r, 2),
                     "SELECT 1 FROM \"teams\" AS t0 WHERE EXISTS (SELECT 1 FROM \"people\" AS t1 WHERE "
                     "t1.\"team_id\" = t0.\"id\" AND EXISTS (SELECT 1 FROM \"badges\" AS t2 WHERE "
                     "t2.\"person_id\" = t1.\"id\" AND t2.\"name\" = ?1)) AND EXISTS (SELECT 1 FROM "
                     "\"people\" AS t3 WHERE t3.\"team_id\" = t0.\"id\" AND EXISTS (SELECT 1 FROM "
                     "\"badges\" AS t4 WHERE t4.\"person_id\" = t3.\"id\" AND t4.\"name\" = ?2))");
    /* the template itself is untouched by its copies */
    ck_assert_int_eq(r->where.expr->u.sub->alias, 1);
    rm_arena_destroy(a);
    orm_schema_free(s);
}
END_TEST

START_TEST(a_circle_of_join_wheres_is_refused)
{
    static const char *const circle =
        "{\"entities\": {"
        " \"A\": {\"table\": \"a\", \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
        "   \"b_id\": {\"type\": \"integer\"}},"
        "  \"relationships\": {\"bs\": {\"target\": \"B\", \"join\": {\"local\": [\"b_id\"], \"remote\": [\"id\"],"
        "   \"where\": {\"as_\": {\"any\": {}}}}}}},"
        " \"B\": {\"table\": \"b\", \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}},"
        "  \"relationships\": {\"as_\": {\"target\": \"A\", \"join\": {\"local\": [\"id\"], \"remote\": [\"b_id\"],"
        "   \"where\": {\"bs\": {\"has\": {}}}}}}}}}";
    orm_error err;
    orm_schema *s = load(circle, &err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.detail, "join.where") && strstr(err.detail, "reaches back to relationship"),
                  "%s", err.detail);
}
END_TEST

/* The flush's detaching UPDATE is unaliased: inside the where's EXISTS the
 * target's columns carry its table's name ("id" alone would be badges.id). */
START_TEST(unaliased_target_is_qualified_in_subqueries)
{
    orm_error err;
    orm_schema *s = load(NESTED, &err);
    ck_assert_msg(s != NULL, "%s", err.detail);
    const orm_relationship *r = orm_mapper_relationship(orm_schema_mapper(s, "Team"), "gold_members");
    rm_arena *a = rm_arena_new();
    orm_value parent[1] = {orm_int(7)};
    orm_alias_seq seq = {.next = 1};
    orm_join_ends ends = {.parent_row = parent, .target = -1};
    orm_rel_join j;
    orm_relationship_join(a, r, &ends, &seq, &j);
    orm_update up = {.table = r->target->table, .ncolumns = 1, .where = orm_expr_and(a, j.link, j.target_where)};
    up.columns = (const orm_column **)r->remote;
    orm_expr *null = orm_expr_param(a, orm_null(), r->remote[0]);
    up.values = &null;
    orm_compiled c;
    orm_error_init(&err, a);
    ck_assert_int_eq(orm_compile_update(&orm_dialect_sqlite, &up, a, &c, &err), 0);
    ck_assert_str_eq(c.sql, "UPDATE \"people\" SET \"team_id\" = ?1 WHERE \"team_id\" = ?2 AND EXISTS (SELECT 1 "
                            "FROM \"badges\" AS t1 WHERE t1.\"person_id\" = \"people\".\"id\" AND t1.\"name\" = ?3)");
    /* a NULL parent key reaches nothing */
    parent[0] = orm_null();
    orm_relationship_join(a, r, &ends, &seq, &j);
    ck_assert_int_eq(j.link->op, ORM_OP_FALSE);
    rm_arena_destroy(a);
    orm_schema_free(s);
}
END_TEST

TS_SUITE(join_suite, "orm/join", NULL, NULL, 1, templates_compile_in_dependency_order,
         a_circle_of_join_wheres_is_refused, unaliased_target_is_qualified_in_subqueries)
