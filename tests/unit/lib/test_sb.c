/* test_sb.c: the contract of lib/sb.h, for both backings (arena and
 * malloc; each test runs once per backing): always NUL-terminated text,
 * growth far past the first buffer, integers without printf, formatted
 * appends that fit in the room left or need growth, the bounded builder
 * (an exact fit passes, one byte more sets the sticky error and leaves the
 * text as it was), reset, steal, the JSON string and pointer writers. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"
#include "lib/utf8.h"
#include "tests/suites.h"
#include "tests/support/suite.h"

static rm_arena *A;
static rm_sb SB;

static void setup(void) { A = rm_arena_new(); }

static void teardown(void)
{
    if (!SB.arena) rm_sb_free(&SB);
    rm_arena_destroy(A);
}

/* The builder under test: _i = 0 arena-backed, 1 malloc-backed. */
static void init(int backing) { rm_sb_init(&SB, backing == 0 ? A : NULL); }

START_TEST(starts_empty_and_terminated)
{
    init(_i);
    ck_assert_ptr_nonnull(SB.buf);
    ck_assert_str_eq(SB.buf, "");
    ck_assert_uint_eq(SB.len, 0);
    ck_assert_int_eq(SB.err, 0);
    rm_sb_append(&SB, "");
    rm_sb_appendn(&SB, "ignored", 0);
    ck_assert_str_eq(SB.buf, "");
    ck_assert_uint_eq(SB.len, 0);
}
END_TEST

START_TEST(grows_far_past_the_first_buffer)
{
    init(_i);
    char *want = malloc(100001);
    size_t n = 0;
    for (int i = 0; n < 99000; i++) {
        switch (i % 4) {
        case 0: rm_sb_append(&SB, "abc"); memcpy(want + n, "abc", 3); n += 3; break;
        case 1: rm_sb_appendc(&SB, 'Z'); want[n++] = 'Z'; break;
        case 2: rm_sb_appendn(&SB, "xyz-tail", 3); memcpy(want + n, "xyz", 3); n += 3; break;
        default: rm_sb_appendf(&SB, "<%d>", i); n += (size_t)sprintf(want + n, "<%d>", i);
        }
        ck_assert_uint_eq(SB.len, n);
        ck_assert_int_eq(SB.buf[SB.len], '\0');
    }
    ck_assert_uint_ge(SB.cap, SB.len + 1);
    ck_assert(memcmp(SB.buf, want, n) == 0);
    ck_assert_int_eq(SB.err, 0);
    free(want);
}
END_TEST

START_TEST(appendn_keeps_embedded_nul)
{
    init(_i);
    rm_sb_appendn(&SB, "a\0b", 3);
    ck_assert_uint_eq(SB.len, 3);
    ck_assert(memcmp(SB.buf, "a\0b\0", 4) == 0);
}
END_TEST

START_TEST(integers_without_printf)
{
    init(_i);
    static const long long vals[] = {0, 7, -1, 10, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    char want[256] = "";
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        rm_sb_append_int(&SB, vals[i]);
        rm_sb_appendc(&SB, ',');
        snprintf(want + strlen(want), sizeof want - strlen(want), "%lld,", vals[i]);
    }
    ck_assert_str_eq(SB.buf, want);
    ck_assert_str_eq(want, "0,7,-1,10,-10,1234567890123,9223372036854775807,-9223372036854775808,");
}
END_TEST

START_TEST(formatted_appends_fit_or_grow)
{
    init(_i);
    rm_sb_append(&SB, "head ");
    rm_sb_appendf(&SB, "%s=%d;", "a", 1);       /* fits in the room left (after the first growth) */
    ck_assert_str_eq(SB.buf, "head a=1;");
    size_t cap = SB.cap;
    rm_sb_appendf(&SB, "%*s|", (int)cap * 3, "r"); /* needs growth: the second pass */
    ck_assert_uint_eq(SB.len, 9 + cap * 3 + 1);
    ck_assert_str_eq(SB.buf + SB.len - 2, "r|");
    ck_assert_int_eq(SB.buf[9], ' ');
    rm_sb_appendf(&SB, "%s", "");
    ck_assert_uint_eq(SB.len, 9 + cap * 3 + 1);
    /* a format into a brand-new builder (no buffer yet) */
    rm_sb fresh;
    rm_sb_init(&fresh, A);
    rm_sb_appendf(&fresh, "%05d", 42);
    ck_assert_str_eq(fresh.buf, "00042");
}
END_TEST

/* The builder has failed (sticky error) and holds exactly text, terminated. */
static void assert_refused(const char *text)
{
    ck_assert_int_eq(SB.err, 1);
    ck_assert_uint_eq(SB.len, strlen(text));
    ck_assert(memcmp(SB.buf, text, SB.len) == 0);
}

/* An exact fit passes; one byte more fails whichever way it comes: a plain
 * append, a format that fits in the buffer's room but not in the limit,
 * a format that needs growth past the limit. */
START_TEST(bounded_exact_fit_passes_one_more_byte_fails)
{
    init(_i);
    SB.limit = 8;
    rm_sb_append(&SB, "1234");
    rm_sb_append(&SB, "5678");
    ck_assert_int_eq(SB.err, 0);
    ck_assert_str_eq(SB.buf, "12345678");
    rm_sb_append(&SB, "9");
    assert_refused("12345678");
    ck_assert_str_eq(SB.buf, "12345678");

    rm_sb_reset(&SB);
    SB.limit = 5;
    rm_sb_append(&SB, "ab");
    ck_assert_uint_gt(SB.cap, 10);
    rm_sb_appendf(&SB, "%s", "cdef");   /* 6 > 5, in a buffer with room for it */
    assert_refused("ab");
    ck_assert_str_eq(SB.buf, "ab");

    rm_sb_reset(&SB);
    SB.limit = 1000;
    char want[1000] = "";
    for (int i = 0; i < 99; i++) {
        rm_sb_append(&SB, "0123456789");
        strcat(want, "0123456789");
    }
    ck_assert_int_eq(SB.err, 0);
    rm_sb_appendf(&SB, "%0600d", 1);    /* past both the buffer and the limit */
    assert_refused(want);
    ck_assert_uint_eq(strlen(SB.buf), 990); /* the refused first pass left no text past len */

    rm_sb_reset(&SB);
    SB.limit = 3;
    rm_sb_append(&SB, "abc");
    rm_sb_appendc(&SB, 'd');            /* one character at a time is bounded too */
    assert_refused("abc");
    ck_assert_str_eq(SB.buf, "abc");
}
END_TEST

START_TEST(bounded_error_is_sticky)
{
    init(_i);
    SB.limit = 10;
    rm_sb_append(&SB, "12345678");
    rm_sb_append(&SB, "abc");           /* would reach 11 */
    assert_refused("12345678");
    rm_sb_append(&SB, "x");             /* would fit, but the builder already failed */
    rm_sb_appendn(&SB, "y", 1);
    rm_sb_appendc(&SB, 'z');
    rm_sb_appendf(&SB, "%d", 1);
    rm_sb_append_int(&SB, 2);
    rm_sb_append_json_string(&SB, "q", 1);
    assert_refused("12345678");
}
END_TEST

START_TEST(reset_empties_and_clears_the_error)
{
    init(_i);
    rm_sb_append(&SB, "abcd");
    SB.limit = 4;                       /* a limit may be set on a builder in use */
    rm_sb_append(&SB, "e");
    assert_refused("abcd");
    char *buf = SB.buf;
    size_t cap = SB.cap;
    rm_sb_reset(&SB);
    ck_assert_int_eq(SB.err, 0);
    ck_assert_uint_eq(SB.len, 0);
    ck_assert_str_eq(SB.buf, "");
    ck_assert_ptr_eq(SB.buf, buf); /* the buffer is kept */
    ck_assert_uint_eq(SB.cap, cap);
    rm_sb_append(&SB, "wxyz");
    ck_assert_str_eq(SB.buf, "wxyz");
    /* reset of a builder that never allocated */
    rm_sb fresh;
    rm_sb_init(&fresh, SB.arena);
    rm_sb_reset(&fresh);
    ck_assert_str_eq(fresh.buf, "");
}
END_TEST

START_TEST(steal_hands_over_the_text)
{
    init(_i);
    rm_sb_appendf(&SB, "%s", "taken");
    char *t = rm_sb_steal(&SB);
    ck_assert_str_eq(t, "taken");
    ck_assert_uint_eq(SB.len, 0);
    ck_assert_str_eq(SB.buf, "");
    rm_sb_append(&SB, "again");       /* the builder is usable afterwards */
    ck_assert_str_eq(SB.buf, "again");
    ck_assert_str_eq(t, "taken");
    char *again = rm_sb_steal(&SB);
    char *empty = rm_sb_steal(&SB);   /* nothing appended: "" that the caller owns too */
    ck_assert_str_eq(empty, "");
    ck_assert_str_eq(again, "again");
    if (!SB.arena) { /* malloc-backed texts are the caller's: ASan finds a double or bad free */
        free(t);
        free(again);
        free(empty);
    }
}
END_TEST

START_TEST(json_strings_escape_what_json_requires)
{
    init(_i);
    static const struct { const char *in; size_t n; const char *out; } cases[] = {
        {"", 0, "\"\""}, {"plain", 5, "\"plain\""}, {"q\"b\\", 4, "\"q\\\"b\\\\\""},
        {"\n\r\t", 3, "\"\\n\\r\\t\""}, {"\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\""},
        {"\0", 1, "\"\\u0000\""},
        {"\xF0\x9F\x98\x80", 4, "\"\xF0\x9F\x98\x80\""},       /* a valid 4-byte sequence passes */
        {"a\xE2\x82", 3, "\"a\xEF\xBF\xBD\xEF\xBF\xBD\""},     /* cut short: each byte U+FFFD */
        {"\xC0\xAF/", 3, "\"\xEF\xBF\xBD\xEF\xBF\xBD/\""},     /* overlong */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rm_sb_reset(&SB);
        rm_sb_append_json_string(&SB, cases[i].in, cases[i].n);
        ck_assert_msg(strcmp(SB.buf, cases[i].out) == 0, "case %zu: got %s", i, SB.buf);
        ck_assert(rm_utf8_valid(SB.buf, SB.len));
    }
    /* pieces of one literal, without quotes */
    rm_sb_reset(&SB);
    rm_sb_appendc(&SB, '"');
    rm_sb_append_json_chars(&SB, "a\"", 2);
    rm_sb_append_json_chars(&SB, "\tb", 2);
    rm_sb_appendc(&SB, '"');
    ck_assert_str_eq(SB.buf, "\"a\\\"\\tb\"");
}
END_TEST

START_TEST(pointer_tokens_escape_tilde_and_slash)
{
    init(_i);
    rm_sb_append_pointer_token(&SB, "filter");
    rm_sb_append_pointer_token(&SB, "a/b~c");
    rm_sb_append_pointer_token(&SB, "");
    rm_sb_append_pointer_token(&SB, "~1");
    ck_assert_str_eq(SB.buf, "/filter/a~1b~0c//~01");
    rm_arena *a = rm_arena_new();
    ck_assert_str_eq(rm_pointer_child(a, "/filter", "a/b~c"), "/filter/a~1b~0c");
    ck_assert_str_eq(rm_pointer_child(a, "", ""), "/");
    rm_arena_destroy(a);
}
END_TEST

TS_SUITE(sb_suite, "lib/sb", setup, teardown, 2, starts_empty_and_terminated, grows_far_past_the_first_buffer,
         appendn_keeps_embedded_nul, integers_without_printf, formatted_appends_fit_or_grow,
         bounded_exact_fit_passes_one_more_byte_fails, bounded_error_is_sticky,
         reset_empties_and_clears_the_error, steal_hands_over_the_text,
         json_strings_escape_what_json_requires, pointer_tokens_escape_tilde_and_slash)
