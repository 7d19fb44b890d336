/* test_mapper.c: the one rule of column use (orm_mapper_column_allows):
 * every column flag x every use x the inheritance mask, as a table. */
#include <check.h>
#include <stdbool.h>
#include <string.h>

#include "orm/schema.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static const char *SCHEMA =
    "{\"entities\": {"
    " \"Person\": {\"table\": \"people\", \"polymorphic_on\": \"kind\", \"polymorphic_identity\": \"person\","
    "  \"columns\": {\"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"kind\": {\"type\": \"string\"},"
    "   \"plain\": {\"type\": \"string\"},"
    "   \"secret\": {\"type\": \"string\", \"hidden\": true},"
    "   \"password\": {\"type\": \"string\", \"write_only\": true},"
    "   \"stamp\": {\"type\": \"string\", \"read_only\": true},"
    "   \"version\": {\"type\": \"integer\", \"version\": true}}},"
    " \"Pilot\": {\"inherits\": \"Person\", \"polymorphic_identity\": \"pilot\","
    "  \"columns\": {\"licence\": {\"type\": \"string\"}}},"
    " \"Cook\": {\"inherits\": \"Person\", \"polymorphic_identity\": \"cook\","
    "  \"columns\": {\"dish\": {\"type\": \"string\"}}}}}";

/* entity, column, READ, INPUT, LISTED */
static const struct {
    const char *entity, *col;
    bool read, input, listed;
} CASES[] = {
    {"Person", "plain", true, true, true},     {"Person", "secret", false, false, false},
    {"Person", "password", false, true, true}, {"Person", "stamp", true, true, true},
    {"Person", "version", true, true, true},   {"Person", "licence", false, false, false},
    {"Person", "dish", false, false, false},   {"Pilot", "licence", true, true, true},
    {"Pilot", "dish", false, false, false},    {"Pilot", "plain", true, true, true},
    {"Pilot", "secret", false, false, false},  {"Pilot", "password", false, true, true},
    {"Cook", "dish", true, true, true},        {"Cook", "licence", false, false, false},
};

START_TEST(column_use_table)
{
    orm_error err;
    orm_error_init(&err, NULL);
    orm_schema *s;
    ck_assert_msg(orm_schema_load_string(SCHEMA, "mapper.json", &s, &err) == 0, "%s", err.detail);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const orm_mapper *m = orm_schema_mapper(s, CASES[i].entity);
        ck_assert_msg(m != NULL, "no entity %s", CASES[i].entity);
        const orm_column *c = orm_table_column(m->table, CASES[i].col);
        ck_assert_msg(c != NULL, "no column %s", CASES[i].col);
        static const orm_column_use uses[] = {ORM_COL_READ, ORM_COL_INPUT, ORM_COL_LISTED};
        const bool want[] = {CASES[i].read, CASES[i].input, CASES[i].listed};
        for (size_t u = 0; u < 3; u++) {
            ck_assert_msg(orm_mapper_column_allows(m, c, uses[u]) == want[u], "%s.%s use %zu: expected %d",
                          CASES[i].entity, CASES[i].col, u, want[u]);
            ck_assert_msg((orm_mapper_column(m, CASES[i].col, uses[u]) != NULL) == want[u],
                          "%s.%s lookup for use %zu", CASES[i].entity, CASES[i].col, u);
        }
    }
    orm_schema_free(s);
}
END_TEST

TS_SUITE(mapper_suite, "orm/mapper", NULL, NULL, 1, column_use_table)
