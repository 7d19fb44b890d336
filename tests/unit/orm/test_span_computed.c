/* test_span_computed.c: a joined-table hierarchy's computed attributes and
 * named checks below HTTP (SPEC §9). The schema schema_errors.json once
 * refused (Manager with a table of its own and "twice" = n + n) loads:
 * its computed attribute is compiled over the span's columns (typed from
 * them) and, not being stored, is in neither table's DDL; a row of a class
 * is held to the checks of every level its class has (root first, on the
 * level's share of the row), not to those of another branch's level. */
#include <check.h>
#include <string.h>

#include "orm/check.h"
#include "orm/computed.h"
#include "orm/ddl.h"
#include "orm/mapper.h"
#include "orm/schema.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static const char SCHEMA[] =
    "{\"entities\": {"
    " \"Employee\": {\"table\": \"employees\", \"polymorphic_on\": \"type\", \"polymorphic_identity\": \"e\","
    "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true}, \"type\": {\"type\": \"string\"},"
    "   \"pay\": {\"type\": \"integer\"}},"
    "  \"checks\": [{\"name\": \"ck_pay\", \"check\": {\"pay\": {\"ge\": 0}}}]},"
    " \"Manager\": {\"inherits\": \"Employee\", \"table\": \"managers\", \"polymorphic_identity\": \"m\","
    "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true, \"foreign_key\": \"employees.id\"},"
    "   \"n\": {\"type\": \"integer\"}, \"twice\": {\"computed\": {\"add\": [{\"$col\": \"n\"}, {\"$col\": \"n\"}]}},"
    "   \"total\": {\"computed\": {\"add\": [{\"$col\": \"n\"}, {\"$col\": \"pay\"}]}}},"
    "  \"checks\": [{\"name\": \"ck_n\", \"check\": {\"n\": {\"lt\": 10}}}]},"
    " \"Clerk\": {\"inherits\": \"Employee\", \"table\": \"clerks\", \"polymorphic_identity\": \"c\","
    "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true, \"foreign_key\": \"employees.id\"},"
    "   \"desk\": {\"type\": \"integer\"}},"
    "  \"checks\": [{\"name\": \"ck_desk\", \"check\": {\"desk\": {\"gt\": 0}}}]}}}";

static orm_schema *S;
static rm_arena *A;

/* The schema loaded once per test, with an arena for its rows and DDL. */
static void setup(void)
{
    orm_error err;
    rm_arena *a = rm_arena_new();
    orm_error_init(&err, a);
    int rc = orm_schema_load_string(SCHEMA, "test.json", &S, &err);
    ck_assert_msg(rc == 0, "the joined hierarchy with computed attributes loads: %s", err.detail);
    A = a;
}

static void teardown(void)
{
    rm_arena_destroy(A);
    orm_schema_free(S);
}

START_TEST(a_computed_attribute_of_a_joined_class_is_over_the_span)
{
    const orm_mapper *m = orm_schema_mapper(S, "Manager");
    const orm_table *span = m->table;
    ck_assert_ptr_nonnull(span->levels);
    const orm_column *twice = orm_mapper_column(m, "twice", ORM_COL_READ);
    ck_assert_ptr_nonnull(twice);
    ck_assert_ptr_eq(twice->table, span);
    ck_assert_ptr_nonnull(twice->computed);
    ck_assert_int_eq(twice->computed->kind, ORM_COMPUTED_EXPR);
    ck_assert_int_eq(twice->type, ORM_T_INTEGER);
    /* the stored table's own column is marked computed too: no DDL, no DML */
    ck_assert_ptr_eq(twice->storage->computed, twice->computed);
    const orm_column *total = orm_mapper_column(m, "total", ORM_COL_READ);
    ck_assert_ptr_nonnull(total->computed);
    ck_assert_int_eq(total->type, ORM_T_INTEGER);
    orm_ddl ddl;
    orm_ddl_build(&orm_dialect_sqlite, S, A, &ddl);
    size_t creates = 0;
    for (size_t i = 0; i < ddl.n; i++) {
        if (strncmp(ddl.statements[i], "CREATE TABLE", 12)) continue;
        creates++;
        ck_assert_msg(!strstr(ddl.statements[i], "twice") && !strstr(ddl.statements[i], "total"), "%s",
                      ddl.statements[i]);
    }
    ck_assert_uint_eq(creates, 3);
}
END_TEST

/* A span row of S's hierarchy: id, type, pay, then n, twice, total
 * (Manager's) and desk (Clerk's) in the span's order. */
static const orm_check *check(const char *cls, int64_t pay, int64_t n, int64_t desk)
{
    const orm_mapper *m = orm_schema_mapper(S, cls);
    const orm_table *span = m->table;
    orm_value *row = rm_arena_alloc(A, span->ncolumns * sizeof *row);
    for (size_t i = 0; i < span->ncolumns; i++) row[i] = orm_null();
    row[orm_mapper_column(m, "id", ORM_COL_READ)->index] = orm_int(1);
    row[orm_mapper_column(m, "pay", ORM_COL_READ)->index] = orm_int(pay);
    row[orm_table_column(span, "n")->index] = orm_int(n);
    row[orm_table_column(span, "desk")->index] = orm_int(desk);
    return orm_check_class_row(span, m, row, A);
}

START_TEST(a_row_is_held_to_every_level_of_its_class)
{
    ck_assert_ptr_null(check("Manager", 1, 9, 0));      /* desk is a clerk's: ck_desk is not the manager's */
    ck_assert_str_eq(check("Manager", 1, 10, 1)->name, "ck_n");
    ck_assert_str_eq(check("Manager", -1, 10, 1)->name, "ck_pay"); /* the root's first */
    ck_assert_str_eq(check("Clerk", 1, 99, 0)->name, "ck_desk");
    ck_assert_ptr_null(check("Clerk", 1, 99, 3));
    ck_assert_str_eq(check("Employee", -1, 99, 0)->name, "ck_pay");
    ck_assert_ptr_null(check("Employee", 0, 99, 0));
}
END_TEST

TS_SUITE(span_computed_suite, "orm/span_computed", setup, teardown, 1,
         a_computed_attribute_of_a_joined_class_is_over_the_span, a_row_is_held_to_every_level_of_its_class)
