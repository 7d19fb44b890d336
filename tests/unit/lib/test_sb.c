/* test_sb.c: the contract of lib/sb.h, for both backings (arena and
 * malloc; each test runs once per backing): always NUL-terminated text,
 * growth far past the first buffer, integers without printf, formatted
 * appends that fit in the room left or need growth, the bounded builder
 * (an exact fit passes, one byte more sets the sticky error and leaves the
 * text as it was), reset, steal, the JSON string and pointer writers, and
 * the JSON writers byte for byte against jansson's json_dumps. */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
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
        {"\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\""}, {"\x01\x1f\x7f/", 4, "\"\\u0001\\u001F\x7f/\""},
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

/* ---- the JSON writers against jansson ---------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void) /* xorshift64*: a fixed sequence, so a failure repeats */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Random valid UTF-8 of up to max bytes, drawn mostly from what needs care:
 * every control byte, '"', '\\', '/', DEL, and 2-, 3- and 4-byte
 * characters (U+0080, U+07FF, U+2028, U+FFFD, U+FFFF, U+10000, U+10FFFF),
 * embedded NULs included. */
static size_t random_text(char *out, size_t max)
{
    static const char *const pieces[] = {"\xC2\x80", "\xDF\xBF", "\xE2\x80\xA8", "\xEF\xBF\xBD", "\xEF\xBF\xBF",
                                         "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xC3\xA9", "\"", "\\", "/",
                                         "\x7f", "abcdefgh", "0123456789012345"};
    size_t n = 0, want = (size_t)(rng() % (max + 1));
    while (n < want) {
        uint64_t r = rng() % 4;
        const char *p;
        char c[1];
        size_t k;
        if (r == 0) { /* a control byte */
            c[0] = (char)(rng() % 0x20);
            p = c;
            k = 1;
        } else if (r == 1) { /* printable ASCII */
            c[0] = (char)(0x20 + rng() % 0x5f);
            p = c;
            k = 1;
        } else {
            p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
            k = strlen(p);
        }
        if (n + k > max) break;
        memcpy(out + n, p, k);
        n += k;
    }
    return n;
}

static double random_real(void)
{
    static const double fixed[] = {0.0, -0.0, 0.1, 1.0, -2.5, 1e300, -1e-300, 5e-324, 1e16, 1e21,
                                   123456789012345678.0, 1e-5, 3.0e-7, 1.7976931348623157e308};
    if (rng() % 2) return fixed[rng() % (sizeof fixed / sizeof fixed[0])];
    for (;;) { /* any finite bit pattern */
        uint64_t bits = rng();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d)) return d;
    }
}

static json_int_t random_integer(void)
{
    static const json_int_t fixed[] = {0, 1, -1, 9, 10, 99, 100, -100, 1000000007, INT64_MAX, INT64_MIN};
    switch (rng() % 3) {
    case 0: return fixed[rng() % (sizeof fixed / sizeof fixed[0])];
    case 1: return (json_int_t)(rng() % 100000) - 50000;
    default: return (json_int_t)rng();
    }
}

static json_t *random_doc(int depth)
{
    char text[64];
    switch (rng() % (depth < 4 ? 8 : 6)) {
    case 0: return json_null();
    case 1: return rng() % 2 ? json_true() : json_false();
    case 2: return json_integer(random_integer());
    case 3: return json_real(random_real());
    case 4:
    case 5: return json_stringn(text, random_text(text, sizeof text));
    case 6: {
        json_t *a = json_array();
        for (uint64_t i = rng() % 6; i > 0; i--) json_array_append_new(a, random_doc(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (uint64_t i = rng() % 6; i > 0; i--) {
            size_t n = random_text(text, 16);
            json_object_setn_new(o, text, n, random_doc(depth + 1));
        }
        return o;
    }
    }
}

/* doc written with the builder's JSON writers, as the serializer writes
 * answers; strings alternate between one call and pieces of chars. */
static void write_doc(rm_sb *sb, const json_t *doc)
{
    switch (json_typeof(doc)) {
    case JSON_NULL: rm_sb_append(sb, "null"); break;
    case JSON_TRUE: rm_sb_append(sb, "true"); break;
    case JSON_FALSE: rm_sb_append(sb, "false"); break;
    case JSON_INTEGER: rm_sb_append_int(sb, (long long)json_integer_value(doc)); break;
    case JSON_REAL: rm_sb_append_json_real(sb, json_real_value(doc)); break;
    case JSON_STRING: {
        const char *t = json_string_value(doc);
        size_t n = json_string_length(doc);
        if (rng() % 2) {
            rm_sb_append_json_string(sb, t, n);
        } else { /* in two pieces, one of them raw and escaped afterwards */
            size_t cut = (size_t)(rng() % (n + 1));
            while (cut < n && ((unsigned char)t[cut] & 0xC0) == 0x80) cut++; /* between characters */
            rm_sb_appendc(sb, '"');
            rm_sb_append_json_chars(sb, t, cut);
            size_t at = sb->len;
            rm_sb_appendn(sb, t + cut, n - cut);
            rm_sb_json_escape_from(sb, at);
            rm_sb_appendc(sb, '"');
        }
        break;
    }
    case JSON_ARRAY:
        rm_sb_appendc(sb, '[');
        for (size_t i = 0; i < json_array_size(doc); i++) {
            if (i) rm_sb_appendc(sb, ',');
            write_doc(sb, json_array_get(doc, i));
        }
        rm_sb_appendc(sb, ']');
        break;
    case JSON_OBJECT: {
        const char *key;
        size_t klen;
        json_t *v;
        bool first = true;
        rm_sb_appendc(sb, '{');
        json_object_keylen_foreach((json_t *)doc, key, klen, v) {
            if (!first) rm_sb_appendc(sb, ',');
            first = false;
            rm_sb_append_json_string(sb, key, klen);
            rm_sb_appendc(sb, ':');
            write_doc(sb, v);
        }
        rm_sb_appendc(sb, '}');
        break;
    }
    }
}

/* Random documents (strings of every control byte, quotes, backslashes,
 * multi-byte UTF-8 and NULs, integers to INT64_MIN/MAX, reals of any bit
 * pattern, nested arrays and objects) written by the builder and by
 * json_dumps(JSON_COMPACT): the same bytes. */
START_TEST(json_writers_match_jansson_byte_for_byte)
{
    init(_i);
    rng_state = 0x9E3779B97F4A7C15ULL + (uint64_t)_i;
    for (int round = 0; round < 3000; round++) {
        json_t *doc = random_doc(0);
        char *want = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
        ck_assert_ptr_nonnull(want);
        rm_sb_reset(&SB);
        write_doc(&SB, doc);
        ck_assert_int_eq(SB.err, 0);
        ck_assert_msg(SB.len == strlen(want) && memcmp(SB.buf, want, SB.len) == 0,
                      "round %d:\n jansson: %s\n writer:  %s", round, want, SB.buf);
        free(want);
        json_decref(doc);
    }
}
END_TEST

/* Every single byte, alone and amid plain text at each offset of an
 * eight-byte word (the writer scans words): jansson's escape for each. */
START_TEST(json_string_bytes_match_jansson_at_every_offset)
{
    init(_i);
    for (int c = 0; c < 0x80; c++)
        for (size_t at = 0; at < 20; at++) {
            char text[24];
            memset(text, 'a', sizeof text);
            text[at] = (char)c;
            json_t *s = json_stringn(text, sizeof text);
            char *want = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
            rm_sb_reset(&SB);
            rm_sb_append_json_string(&SB, text, sizeof text);
            ck_assert_msg(strcmp(SB.buf, want) == 0, "byte 0x%02x at %zu: %s, jansson %s", c, at, SB.buf, want);
            free(want);
            json_decref(s);
        }
}
END_TEST

TS_SUITE(sb_suite, "lib/sb", setup, teardown, 2, starts_empty_and_terminated, grows_far_past_the_first_buffer,
         appendn_keeps_embedded_nul, integers_without_printf, formatted_appends_fit_or_grow,
         bounded_exact_fit_passes_one_more_byte_fails, bounded_error_is_sticky,
         reset_empties_and_clears_the_error, steal_hands_over_the_text,
         json_strings_escape_what_json_requires, pointer_tokens_escape_tilde_and_slash,
         json_writers_match_jansson_byte_for_byte, json_string_bytes_match_jansson_at_every_offset)
