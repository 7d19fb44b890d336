/* test_json_bytes.c: answers are written straight from the rows into one
 * buffer (routes/serialize.c, lib/sb.c), byte for byte as jansson's
 * json_dumps(JSON_COMPACT) prints the same document: an object with its
 * embedded collection, a page with its meta, links and cursor, whose text
 * values hold every control byte, quotes, backslashes, '/', DEL and
 * multi-byte UTF-8. The keyset cursor's payload too is jansson's bytes
 * (cursors issued by earlier builds read the same), including a text sort
 * value with escapes. On both backends, over schemas/blog.json. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server blog;

RT_FIXTURE(blog, "schemas/blog.json", NULL, NULL)

/* A JSON string literal's body (no quotes) holding the bytes 0x01-0x1f,
 * '"', '\\', '/', DEL, é, U+2028 and U+1F600, then tag. */
static char *nasty(const char *tag)
{
    char *out = malloc(512), *p = out;
    for (int c = 1; c < 0x20; c++) p += sprintf(p, "\\u%04x", c);
    p += sprintf(p, "\\\"\\\\/\x7f\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80%s", tag);
    return out;
}

/* r's body is exactly what json_dumps(JSON_COMPACT) prints for it. */
static void assert_jansson_bytes(const rt_response *r)
{
    ck_assert_msg(r->json != NULL, "%s: not JSON: %s", r->what, r->body);
    char *want = json_dumps(r->json, JSON_COMPACT | JSON_ENCODE_ANY);
    ck_assert_msg(strlen(want) == r->body_len && memcmp(want, r->body, r->body_len) == 0,
                  "%s:\n answer:  %s\n jansson: %s", r->what, r->body, want);
    free(want);
}

/* The payload of a cursor (before its '.') is jansson's bytes for it. */
static void assert_cursor_payload(const char *cursor)
{
    const char *dot = strchr(cursor, '.');
    ck_assert_ptr_nonnull(dot);
    size_t n = (size_t)(dot - cursor);
    unsigned char *payload = malloc(n + 1);
    long len = rm_base64url_decode(cursor, n, payload);
    ck_assert_int_gt(len, 0);
    json_error_t e;
    json_t *doc = json_loadb((const char *)payload, (size_t)len, 0, &e);
    ck_assert_msg(doc != NULL, "cursor payload is not JSON: %.*s", (int)len, payload);
    char *want = json_dumps(doc, JSON_COMPACT);
    ck_assert_msg(strlen(want) == (size_t)len && memcmp(want, payload, (size_t)len) == 0,
                  "cursor payload %.*s, jansson %s", (int)len, payload, want);
    free(want);
    json_decref(doc);
    free(payload);
}

START_TEST(answers_are_jansson_bytes)
{
    char *names[3];
    for (int i = 0; i < 3; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "%d", i);
        names[i] = nasty(tag);
        char *body = malloc(4096);
        snprintf(body, 4096,
                 "{\"name\": \"n%d\", \"fullname\": \"%s\", \"password\": \"x\", \"addresses\": "
                 "[{\"email_address\": \"a%s\"}, {\"email_address\": \"b%s\"}]}",
                 i, names[i], names[i], names[i]);
        rt_response *r = rt_send_json(&blog, "POST", "/api/users", body);
        ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body);
        assert_jansson_bytes(r);
        rt_response_free(r);
        free(body);
    }
    static const char *const paths[] = {
        "/api/users/1",
        "/api/users/2?include=addresses",
        "/api/users?limit=2&include=addresses&count=exact",
        "/api/users?limit=1&offset=1",
        "/api/addresses?limit=2&sort=-email_address",
        "/api/addresses/3",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        rt_response *r = rt_get(&blog, paths[i]);
        ck_assert_msg(r->status == 200, "%s: %ld", paths[i], r->status);
        assert_jansson_bytes(r);
        const char *next = json_string_value(json_object_get(json_object_get(r->json, "meta"), "next_cursor"));
        if (next) assert_cursor_payload(next);
        rt_response_free(r);
    }
    /* a cursor over a text sort value full of escapes leads to the next page */
    rt_response *r = rt_get(&blog, "/api/users?limit=1&sort=fullname");
    const char *next = json_string_value(json_object_get(json_object_get(r->json, "links"), "next"));
    ck_assert_ptr_nonnull(next);
    char *link = strdup(next);
    assert_cursor_payload(json_string_value(json_object_get(json_object_get(r->json, "meta"), "next_cursor")));
    rt_response_free(r);
    rt_check(&blog, link, "data # 1; data.0.id = 2");
    free(link);
    for (int i = 0; i < 3; i++) free(names[i]);
}
END_TEST

RT_SUITE(http_json_bytes_suite, "http_json_bytes", "blog", blog_start, blog_stop, 60, answers_are_jansson_bytes)
