/* test_convert.c: JSON and URL text → column values (type errors are
 * INVALID, rule violations VALIDATION), and values → JSON output. */
#include <check.h>

#include "tests/suites.h"
#include <string.h>

#include "orm/convert.h"
#include "tests/support/fixtures.h"

static rm_arena *A;

static void setup(void) { A = rm_arena_new(); }
static void teardown(void) { rm_arena_destroy(A); }

static orm_column column(orm_type t)
{
    orm_column c;
    memset(&c, 0, sizeof c);
    c.name = "x";
    c.type = t;
    c.nullable = true;
    return c;
}

static int from_json(const orm_column *c, const char *text, orm_value *v)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    ck_assert_ptr_nonnull(j);
    const char *msg = NULL;
    int rc = orm_value_from_json(c, j, A, v, &msg);
    if (rc) ck_assert_ptr_nonnull(msg);
    json_decref(j);
    return rc;
}

static const char *to_json(const orm_column *c, orm_value v)
{
    rm_sb sb;
    rm_sb_init(&sb, A);
    orm_value_write_json(&sb, c, &v);
    return sb.buf;
}

START_TEST(integers)
{
    orm_column c = column(ORM_T_INTEGER);
    orm_value v;
    ck_assert_int_eq(from_json(&c, "42", &v), 0);
    ck_assert_int_eq(v.u.i, 42);
    ck_assert_int_eq(from_json(&c, "\"42\"", &v), ORM_E_INVALID);
    ck_assert_int_eq(from_json(&c, "4.5", &v), ORM_E_INVALID);
    ck_assert_int_eq(from_json(&c, "true", &v), ORM_E_INVALID);
    ck_assert_int_eq(from_json(&c, "3000000000", &v), ORM_E_VALIDATION); /* past 32 bits */
    c.type = ORM_T_BIGINT;
    ck_assert_int_eq(from_json(&c, "3000000000", &v), 0);
    ck_assert_int_eq(from_json(&c, "null", &v), 0);
    ck_assert_int_eq(v.kind, ORM_V_NULL);
    c.has_min = c.has_max = true;
    c.min = 1;
    c.max = 10;
    ck_assert_int_eq(from_json(&c, "0", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "11", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "10", &v), 0);
    ck_assert_str_eq(to_json(&c, orm_int(-7)), "-7");
}
END_TEST

START_TEST(strings_length_and_choices)
{
    orm_column c = column(ORM_T_STRING);
    c.length = 3;
    orm_value v;
    ck_assert_int_eq(from_json(&c, "\"abc\"", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"h\\u00e9\\u00e9\"", &v), 0); /* 3 characters, 5 bytes */
    ck_assert_int_eq(from_json(&c, "\"abcd\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "5", &v), ORM_E_INVALID);
    orm_value choices[] = {orm_text("a", 1), orm_text("b", 1)};
    c.choices = choices;
    c.nchoices = 2;
    ck_assert_int_eq(from_json(&c, "\"b\"", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"c\"", &v), ORM_E_VALIDATION);
    ck_assert_str_eq(to_json(&c, orm_text("q\"\n", 3)), "\"q\\\"\\n\"");
}
END_TEST

START_TEST(booleans_and_floats)
{
    orm_column b = column(ORM_T_BOOLEAN), f = column(ORM_T_FLOAT);
    orm_value v;
    ck_assert_int_eq(from_json(&b, "true", &v), 0);
    ck_assert_int_eq(v.u.i, 1);
    ck_assert_int_eq(from_json(&b, "1", &v), ORM_E_INVALID);
    ck_assert_str_eq(to_json(&b, orm_int(0)), "false");
    ck_assert_int_eq(from_json(&f, "2", &v), 0);
    ck_assert_double_eq(v.u.f, 2.0);
    ck_assert_int_eq(from_json(&f, "\"2\"", &v), ORM_E_INVALID);
    ck_assert_str_eq(to_json(&f, orm_float(2.0)), "2.0");
    ck_assert_str_eq(to_json(&f, orm_float(0.5)), "0.5");
}
END_TEST

START_TEST(numeric_keeps_exactness)
{
    orm_column c = column(ORM_T_NUMERIC);
    c.precision = 6;
    c.scale = 2;
    orm_value v;
    ck_assert_int_eq(from_json(&c, "\"1234.50\"", &v), 0);
    ck_assert_str_eq(v.u.s.p, "1234.50");
    ck_assert_int_eq(from_json(&c, "12", &v), 0);
    ck_assert_int_eq(from_json(&c, "\"1.234\"", &v), ORM_E_VALIDATION);   /* scale */
    ck_assert_int_eq(from_json(&c, "\"123456.5\"", &v), ORM_E_VALIDATION); /* precision */
    ck_assert_int_eq(from_json(&c, "\"12a\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&c, "true", &v), ORM_E_INVALID);
    /* SQLite hands numerics back as numbers: output is a string at the scale */
    ck_assert_str_eq(to_json(&c, orm_float(12.5)), "\"12.50\"");
    ck_assert_str_eq(to_json(&c, orm_int(3)), "\"3.00\"");
    ck_assert_str_eq(to_json(&c, orm_text("7.25", 4)), "\"7.25\"");
}
END_TEST

START_TEST(dates_uuids_json)
{
    orm_column d = column(ORM_T_DATE), dt = column(ORM_T_DATETIME), u = column(ORM_T_UUID),
               j = column(ORM_T_JSON);
    orm_value v;
    ck_assert_int_eq(from_json(&d, "\"2024-02-29\"", &v), 0);
    ck_assert_int_eq(from_json(&d, "\"2023-02-29\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&d, "\"2024-13-01\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&d, "\"yesterday\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02T03:04:05Z\"", &v), 0);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02T03:04:05.123+02:00\"", &v), 0);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02 03:04\"", &v), 0);
    ck_assert_int_eq(from_json(&dt, "\"2024-01-02T25:00\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&u, "\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\"", &v), 0);
    ck_assert_str_eq(v.u.s.p, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    ck_assert_int_eq(from_json(&u, "\"not-a-uuid\"", &v), ORM_E_VALIDATION);
    ck_assert_int_eq(from_json(&j, "{\"a\": [1, 2]}", &v), 0);
    ck_assert_str_eq(v.u.s.p, "{\"a\":[1,2]}");
    ck_assert_str_eq(to_json(&j, v), "{\"a\":[1,2]}");
}
END_TEST

START_TEST(text_from_urls)
{
    orm_column i = column(ORM_T_INTEGER), b = column(ORM_T_BOOLEAN), d = column(ORM_T_DATE);
    orm_value v;
    const char *msg;
    ck_assert_int_eq(orm_value_from_text(&i, "17", A, &v, &msg), 0);
    ck_assert_int_eq(v.u.i, 17);
    ck_assert_int_eq(orm_value_from_text(&i, "abc", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&i, "", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&i, "1x", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&b, "true", A, &v, &msg), 0);
    ck_assert_int_eq(v.u.i, 1);
    ck_assert_int_eq(orm_value_from_text(&b, "yes", A, &v, &msg), ORM_E_INVALID);
    ck_assert_int_eq(orm_value_from_text(&d, "2024-01-01", A, &v, &msg), 0);
    ck_assert_int_eq(orm_value_from_text(&d, "2024-1-1", A, &v, &msg), ORM_E_INVALID);
}
END_TEST

Suite *convert_suite(void)
{
    Suite *s = suite_create("orm/convert");
    TCase *tc = tcase_create("convert");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, strings_length_and_choices);
    tcase_add_test(tc, booleans_and_floats);
    tcase_add_test(tc, numeric_keeps_exactness);
    tcase_add_test(tc, dates_uuids_json);
    tcase_add_test(tc, text_from_urls);
    suite_add_tcase(s, tc);
    return s;
}
