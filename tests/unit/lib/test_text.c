/* test_text.c: lib/ text helpers every request goes through: UTF-8
 * validation (utf8.c), request targets (target.c), the JSON string writer
 * that keeps answers valid UTF-8 (sb.c), the string map (strmap.c) and the
 * arena (arena.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/sb.h"
#include "lib/strmap.h"
#include "lib/target.h"
#include "lib/utf8.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

START_TEST(utf8_accepts_and_refuses)
{
    static const struct { const char *s; size_t n; bool ok; } cases[] = {
        {"", 0, true}, {"ascii", 5, true}, {"\xC3\xA9", 2, true}, {"\xE2\x82\xAC", 3, true},
        {"\xF0\x9F\x98\x80", 4, true}, {"\xF4\x8F\xBF\xBF", 4, true},
        {"\xC3", 1, false},              /* cut short */
        {"\xC0\xAF", 2, false},          /* overlong '/' */
        {"\xE0\x80\xAF", 3, false},      /* overlong */
        {"\xED\xA0\x80", 3, false},      /* a surrogate */
        {"\xF4\x90\x80\x80", 4, false},  /* past U+10FFFF */
        {"\xFF", 1, false}, {"\x80", 1, false}, {"a\xC3(", 3, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(rm_utf8_valid(cases[i].s, cases[i].n) == cases[i].ok, "case %zu", i);
    ck_assert_uint_eq(rm_utf8_count("a\xC3\xA9\xE2\x82\xAC", 6), 3);
    ck_assert_uint_eq(rm_utf8_count("\xFF\xFE", 2), 2);
}
END_TEST

START_TEST(targets_are_decoded_once_by_one_rule)
{
    rm_arena *a = rm_arena_new();
    rm_request req;
    const char *why, *where;
    static const char t1[] = "/api/us%65rs/a%2Cb?name=Ed+Jones&sort=-id&x&&q=%2B1&e=";
    ck_assert_int_eq(rm_target_parse(a, t1, sizeof t1 - 1, &req, &why, &where), 0);
    ck_assert_str_eq(req.raw_path, "/api/us%65rs/a%2Cb");
    ck_assert_str_eq(req.path, "/api/users/a,b");
    ck_assert_uint_eq(req.nquery, 5);
    ck_assert_str_eq(req.query[0].key, "name");
    ck_assert_str_eq(req.query[0].value, "Ed Jones"); /* + is a space in a query */
    ck_assert_str_eq(req.query[2].key, "x");
    ck_assert_str_eq(req.query[2].value, "");
    ck_assert_str_eq(req.query[3].value, "+1");
    ck_assert_str_eq(req.query[4].value, "");
    static const char t2[] = "/a+b/%zz%4";
    ck_assert_int_eq(rm_target_parse(a, t2, sizeof t2 - 1, &req, &why, &where), 0);
    ck_assert_str_eq(req.path, "/a+b/%zz%4"); /* + is itself in a path; bad escapes stay */
    static const struct { const char *t, *where; } refused[] = {
        {"/api/%00", "path"}, {"/api/x?a=%00", "query"}, {"/api/%FF", "path"},
        {"/api?%C3=1", "query"}, {"/api?a=%ED%A0%80", "query"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ck_assert_int_eq(rm_target_parse(a, refused[i].t, strlen(refused[i].t), &req, &why, &where), -1);
        ck_assert_str_eq(where, refused[i].where);
    }
    static const char nul[] = "/api\0/x";
    ck_assert_int_eq(rm_target_parse(a, nul, sizeof nul - 1, &req, &why, &where), -1);
    size_t len;
    char *d = rm_percent_decode(a, "a%00b", 5, 0, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(d[1], 0);
    rm_arena_destroy(a);
}
END_TEST

START_TEST(json_strings_are_always_valid_utf8)
{
    rm_arena *a = rm_arena_new();
    rm_sb sb;
    rm_sb_init(&sb, a);
    rm_sb_append_json_string(&sb, "a\"\\\n\x01\xC3\xA9\xFF" "b\xE2\x82", 11);
    ck_assert_str_eq(sb.buf, "\"a\\\"\\\\\\n\\u0001\xC3\xA9\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD\"");
    ck_assert(rm_utf8_valid(sb.buf, sb.len));
    /* a bounded builder keeps its sticky error */
    rm_sb_init(&sb, a);
    sb.limit = 8;
    rm_sb_append(&sb, "12345");
    rm_sb_append(&sb, "67890");
    ck_assert_int_eq(sb.err, 1);
    ck_assert_uint_le(sb.len, 8);
    rm_arena_destroy(a);
}
END_TEST

START_TEST(strmap_and_arena)
{
    rm_strmap m;
    rm_strmap_init(&m);
    char keys[500][16];
    for (int i = 0; i < 500; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        ck_assert_ptr_null(rm_strmap_put(&m, keys[i], keys[i]));
    }
    for (int i = 0; i < 500; i++) ck_assert_ptr_eq(rm_strmap_get(&m, keys[i]), keys[i]);
    ck_assert_ptr_eq(rm_strmap_getn(&m, "k12xyz", 3), keys[12]);
    ck_assert_ptr_null(rm_strmap_get(&m, "k500"));
    ck_assert_ptr_eq(rm_strmap_put(&m, "k7", NULL), keys[7]);
    rm_strmap_free(&m);

    rm_arena *a = rm_arena_new();
    char *p = rm_arena_alloc(a, 10);
    memcpy(p, "123456789", 10);
    p = rm_arena_realloc(a, p, 10, 100000);
    ck_assert_str_eq(p, "123456789");
    ck_assert_str_eq(rm_arena_sprintf(a, "%d-%s", 42, "x"), "42-x");
    ck_assert_uint_gt(rm_arena_used(a), 100000);
    rm_arena_reset(a);
    ck_assert_str_eq(rm_arena_strndup(a, "abcdef", 3), "abc");
    rm_arena_destroy(a);
}
END_TEST

TS_SUITE(text_suite, "lib/text", NULL, NULL, 1, utf8_accepts_and_refuses,
         targets_are_decoded_once_by_one_rule, json_strings_are_always_valid_utf8, strmap_and_arena)
