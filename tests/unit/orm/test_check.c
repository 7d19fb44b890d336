/* test_check.c: named checks and composite foreign keys (SPEC §9) below
 * HTTP: the conditions evaluated in C with SQL's three-valued logic
 * (check.c: numbers by value, numeric text as decimals, LIKE with its
 * escape and one-character _, ILIKE folding ASCII), the DDL both dialects
 * print for them (exact text), and the relationship inferred from a
 * composite foreign key (pairs in key order, direction both ways); SQL
 * names of renamed columns ("column") in the DDL. */
#include <check.h>
#include <string.h>

#include "orm/check.h"
#include "orm/ddl.h"
#include "orm/schema.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static const char SCHEMA[] =
    "{\"entities\": {"
    " \"Trip\": {\"table\": \"trips\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true}, \"start\": {\"type\": \"date\"},"
    "   \"end\": {\"type\": \"date\"}, \"n\": {\"type\": \"integer\"}, \"price\": {\"type\": \"numeric\"},"
    "   \"cost\": {\"type\": \"float\"}, \"code\": {\"type\": \"string\", \"column\": \"trip_code\"}, \"ok\": {\"type\": \"boolean\"}},"
    "  \"checks\": ["
    "   {\"name\": \"ck_dates\", \"check\": {\"end\": {\"ge\": {\"$col\": \"start\"}}}},"
    "   {\"name\": \"ck_n\", \"check\": {\"or\": [{\"n\": {\"between\": [1, 5]}}, {\"n\": {\"in\": [10, 20]}}]}},"
    "   {\"name\": \"ck_price\", \"check\": {\"price\": {\"gt\": {\"$col\": \"n\"}}}},"
    "   {\"name\": \"ck_cost\", \"check\": {\"cost\": {\"le\": {\"$col\": \"price\"}}}},"
    "   {\"name\": \"ck_code\", \"check\": {\"not\": {\"code\": {\"like\": \"x\\\\_%\"}}, \"code\": {\"ilike\": \"%a_c\"}}},"
    "   {\"name\": \"ck_ok\", \"check\": {\"ok\": true, \"code\": {\"ne\": \"it's\"}}}]},"
    " \"City\": {\"table\": \"cities\", \"columns\": {"
    "   \"id\": {\"type\": \"integer\", \"primary_key\": true},"
    "   \"rc\": {\"type\": \"integer\", \"column\": \"region_code\"}, \"rk\": {\"type\": \"string\"}},"
    "  \"foreign_keys\": [{\"columns\": [\"rk\", \"rc\"], \"references\": \"regions\", \"on_delete\": \"cascade\"}],"
    "  \"relationships\": {\"region\": {\"target\": \"Region\"}}},"
    " \"Region\": {\"table\": \"regions\", \"columns\": {"
    "   \"country\": {\"type\": \"string\", \"primary_key\": true}, \"code\": {\"type\": \"integer\", \"primary_key\": true}},"
    "  \"relationships\": {\"cities\": {\"target\": \"City\", \"passive_deletes\": true}}}}}";

static orm_schema *S;
static rm_arena *A;
static orm_table *T;

static void setup(void)
{
    orm_error err;
    A = rm_arena_new();
    orm_error_init(&err, A);
    ck_assert_msg(orm_schema_load_string(SCHEMA, "check.json", &S, &err) == 0, "%s", err.detail);
    T = orm_schema_table(S, "trips");
}

static void teardown(void)
{
    orm_schema_free(S);
    rm_arena_destroy(A);
}

/* A trips row: id, start, end, n, price, cost, code, ok. */
static void row(orm_value *r, const char *start, const char *end, int64_t n, const char *price, double cost,
                const char *code)
{
    orm_value vals[] = {orm_int(1),
                        start ? orm_text(start, strlen(start)) : orm_null(),
                        end ? orm_text(end, strlen(end)) : orm_null(),
                        n >= 0 ? orm_int(n) : orm_null(),
                        price ? orm_text(price, strlen(price)) : orm_null(),
                        cost >= 0 ? orm_float(cost) : orm_null(),
                        code ? orm_text(code, strlen(code)) : orm_null(),
                        orm_int(1)};
    memcpy(r, vals, sizeof vals);
}

static orm_truth eval(const char *name, const orm_value *r)
{
    for (size_t i = 0; i < T->nchecks; i++)
        if (!strcmp(T->checks[i].name, name)) return orm_check_eval(T->checks[i].expr, r);
    ck_abort_msg("no check %s", name);
    return ORM_UNKNOWN;
}

START_TEST(three_valued_evaluation)
{
    orm_value r[8];
    row(r, "2024-05-01", "2024-05-02", 3, "10", 9.5, "xABC");
    ck_assert_int_eq(eval("ck_dates", r), ORM_TRUE);
    ck_assert_int_eq(eval("ck_n", r), ORM_TRUE);
    ck_assert_int_eq(eval("ck_price", r), ORM_TRUE);     /* numeric '10' > integer 3 */
    ck_assert_int_eq(eval("ck_cost", r), ORM_TRUE);      /* float 9.5 <= numeric '10' */
    ck_assert_int_eq(eval("ck_code", r), ORM_TRUE);      /* ILIKE '%a_c': 'ABC' folds */
    ck_assert_ptr_null(orm_check_row(T, r));
    row(r, "2024-05-02", "2024-05-01", 7, "9.99", 10.0, "xa\xc3\xa9" "c");
    ck_assert_int_eq(eval("ck_dates", r), ORM_FALSE);
    ck_assert_int_eq(eval("ck_n", r), ORM_FALSE);        /* 7: neither between 1 and 5 nor in (10, 20) */
    ck_assert_int_eq(eval("ck_price", r), ORM_TRUE);     /* '9.99' > 7, not text order */
    ck_assert_int_eq(eval("ck_cost", r), ORM_FALSE);     /* 10.0 > '9.99' */
    ck_assert_int_eq(eval("ck_code", r), ORM_TRUE);      /* _ is one character: é is two bytes */
    ck_assert_str_eq(orm_check_row(T, r)->name, "ck_dates");
    row(r, "2024-05-02", NULL, -1, NULL, -1, "x_ac");
    ck_assert_int_eq(eval("ck_dates", r), ORM_UNKNOWN);  /* NULL passes */
    ck_assert_int_eq(eval("ck_n", r), ORM_UNKNOWN);
    ck_assert_int_eq(eval("ck_price", r), ORM_UNKNOWN);
    ck_assert_int_eq(eval("ck_code", r), ORM_FALSE);     /* x\_% (escaped _) matches 'x_ac' */
    ck_assert_str_eq(orm_check_row(T, r)->name, "ck_code");
    row(r, NULL, NULL, 10, "10.00", -1, "xyABx");
    ck_assert_int_eq(eval("ck_price", r), ORM_FALSE);    /* '10.00' = 10 */
    ck_assert_int_eq(eval("ck_code", r), ORM_FALSE);     /* ends with b then one more: no */
    r[7] = orm_int(0);
    ck_assert_int_eq(eval("ck_ok", r), ORM_FALSE);
    r[7] = orm_int(1);
    r[6] = orm_text("it's", 4);
    ck_assert_int_eq(eval("ck_ok", r), ORM_FALSE);
    r[6] = orm_null();
    ck_assert_int_eq(eval("ck_ok", r), ORM_UNKNOWN);     /* TRUE AND unknown */
    r[7] = orm_int(0);
    ck_assert_int_eq(eval("ck_ok", r), ORM_FALSE);       /* FALSE AND unknown */
}
END_TEST

static const char *create_table(const orm_dialect *d, const char *name)
{
    orm_ddl ddl;
    orm_ddl_build(d, S, A, &ddl);
    const char *want = rm_arena_sprintf(A, "CREATE TABLE IF NOT EXISTS \"%s\" (", name);
    for (size_t i = 0; i < ddl.n; i++)
        if (!strncmp(ddl.statements[i], want, strlen(want))) return ddl.statements[i];
    ck_abort_msg("no CREATE TABLE %s", name);
    return NULL;
}

START_TEST(ddl_on_both_dialects)
{
    static const char checks_sqlite[] =
        ",\n  CONSTRAINT \"ck_dates\" CHECK (\"end\" >= \"start\")"
        ",\n  CONSTRAINT \"ck_n\" CHECK (\"n\" BETWEEN 1 AND 5 OR \"n\" IN (10, 20))"
        ",\n  CONSTRAINT \"ck_price\" CHECK (\"price\" > \"n\")"
        ",\n  CONSTRAINT \"ck_cost\" CHECK (\"cost\" <= \"price\")"
        ",\n  CONSTRAINT \"ck_code\" CHECK (NOT (\"trip_code\" LIKE 'x\\_%' ESCAPE '\\') AND lower(\"trip_code\") LIKE lower('%a_c') ESCAPE '\\')"
        ",\n  CONSTRAINT \"ck_ok\" CHECK (\"ok\" = 1 AND \"trip_code\" <> 'it''s')\n)";
    static const char checks_pg[] =
        ",\n  CONSTRAINT \"ck_dates\" CHECK (\"end\" >= \"start\")"
        ",\n  CONSTRAINT \"ck_n\" CHECK (\"n\" BETWEEN 1 AND 5 OR \"n\" IN (10, 20))"
        ",\n  CONSTRAINT \"ck_price\" CHECK (\"price\" > \"n\")"
        ",\n  CONSTRAINT \"ck_cost\" CHECK (\"cost\" <= \"price\")"
        ",\n  CONSTRAINT \"ck_code\" CHECK (NOT (\"trip_code\" LIKE 'x\\_%' ESCAPE '\\') AND \"trip_code\" ILIKE '%a_c' ESCAPE '\\')"
        ",\n  CONSTRAINT \"ck_ok\" CHECK (\"ok\" = TRUE AND \"trip_code\" <> 'it''s')\n)";
    const char *s = create_table(&orm_dialect_sqlite, "trips"), *p = create_table(&orm_dialect_pg, "trips");
    ck_assert_msg(strstr(s, checks_sqlite) != NULL, "%s", s);
    ck_assert_msg(strstr(p, checks_pg) != NULL, "%s", p);
    static const char fk[] = ",\n  FOREIGN KEY (\"rk\", \"region_code\") REFERENCES \"regions\" (\"country\", \"code\") ON DELETE CASCADE";
    s = create_table(&orm_dialect_sqlite, "cities");
    p = create_table(&orm_dialect_pg, "cities");
    ck_assert_msg(strstr(s, fk) != NULL, "%s", s);
    ck_assert_msg(strstr(p, fk) != NULL, "%s", p);
    /* and an index over the key's columns, as a column foreign key gets */
    orm_ddl ddl;
    orm_ddl_build(&orm_dialect_pg, S, A, &ddl);
    size_t found = 0;
    for (size_t i = 0; i < ddl.n; i++)
        found += !strcmp(ddl.statements[i], "CREATE INDEX IF NOT EXISTS \"ix_cities_rk_region_code\" ON \"cities\" (\"rk\", \"region_code\")");
    ck_assert_uint_eq(found, 1);
}
END_TEST

START_TEST(relationships_from_a_composite_key)
{
    const orm_relationship *up = orm_mapper_relationship(orm_schema_mapper(S, "City"), "region");
    const orm_relationship *down = orm_mapper_relationship(orm_schema_mapper(S, "Region"), "cities");
    ck_assert_int_eq(up->direction, ORM_MANY_TO_ONE);
    ck_assert_int_eq(down->direction, ORM_ONE_TO_MANY);
    ck_assert_uint_eq(up->npairs, 2);
    ck_assert_uint_eq(down->npairs, 2);
    /* pairs in the key's order: rk → country, rc → code */
    ck_assert_str_eq(up->local[0]->name, "rk");
    ck_assert_str_eq(up->remote[0]->name, "country");
    ck_assert_str_eq(up->local[1]->name, "rc");
    ck_assert_str_eq(up->remote[1]->name, "code");
    ck_assert_str_eq(down->local[0]->name, "country");
    ck_assert_str_eq(down->remote[0]->name, "rk");
    /* the cities table comes after regions (DDL order) */
    size_t ir = 0, ic = 0;
    for (size_t i = 0; i < S->ntables; i++) {
        if (!strcmp(S->tables[i]->name, "regions")) ir = i;
        if (!strcmp(S->tables[i]->name, "cities")) ic = i;
    }
    ck_assert_uint_lt(ir, ic);
}
END_TEST

TS_SUITE(check_suite, "orm/check", setup, teardown, 1, three_valued_evaluation, ddl_on_both_dialects,
         relationships_from_a_composite_key)
