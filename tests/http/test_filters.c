/* test_filters.c: the query language of lists over HTTP (SPEC §4, §5, §8)
 * on the seeded blog schema: the seed tutorial's filters, the equality
 * shorthand AND-ed with filter, like/ilike case rules, sorting through a
 * many-to-one, count under the filter, keyset cursors (followed, tampered,
 * reused for another sort), error pointers into the filter, and the
 * statement cache reusing one prepared statement for filters of one shape. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server srv;

RT_FIXTURE(srv, "schemas/blog.json", "schemas/blog.seed.json", NULL)

/* GET /api/<res>?filter=<json>[&extra] */
static rt_response *get_filtered(const char *res, const char *filter, const char *extra)
{
    CURL *c = curl_easy_init();
    char *enc = curl_easy_escape(c, filter, 0);
    char path[8192];
    snprintf(path, sizeof path, "/api/%s?filter=%s%s%s", res, enc, extra ? "&" : "", extra ? extra : "");
    curl_free(enc);
    curl_easy_cleanup(c);
    return rt_get(&srv, path);
}

static void assert_ids(const rt_response *r, const long long *ids, size_t n)
{
    RT_ASSERT_STATUS(r, 200);
    json_t *data = rt_json_at(r, "data");
    ck_assert_msg(json_array_size(data) == n, "%s: %zu rows, expected %zu: %.600s", r->what,
                  json_array_size(data), n, r->body);
    for (size_t i = 0; i < n; i++) {
        json_t *id = json_object_get(json_array_get(data, i), "id");
        ck_assert_msg(json_integer_value(id) == ids[i], "%s: row %zu is %lld, expected %lld", r->what, i,
                      (long long)json_integer_value(id), ids[i]);
    }
}

#define IDS(...) (const long long[]){__VA_ARGS__}, sizeof((const long long[]){__VA_ARGS__}) / sizeof(long long)

static void expect(const char *res, const char *filter, const char *extra, const long long *ids, size_t n)
{
    rt_response *r = get_filtered(res, filter, extra);
    assert_ids(r, ids, n);
    rt_response_free(r);
}

static void expect_none(const char *res, const char *filter)
{
    rt_response *r = get_filtered(res, filter, NULL);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_uint_eq(json_array_size(rt_json_at(r, "data")), 0);
    rt_response_free(r);
}

static void expect_400(const char *res, const char *filter, const char *extra, const char *pointer)
{
    char *before = rt_db_fingerprint(&srv);
    rt_response *r = get_filtered(res, filter, extra);
    rt_assert_problem(r, 400, pointer);
    rt_response_free(r);
    char *after = rt_db_fingerprint(&srv);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}

START_TEST(seed_tutorial_filters)
{
    expect("users", "{\"name\": {\"in\": [\"ed\", \"wendy\", \"jack\"]}}", NULL, IDS(1, 2, 5));
    expect("users", "{\"or\": [{\"name\": \"ed\"}, {\"name\": \"wendy\"}]}", NULL, IDS(1, 2));
    expect("users", "{\"addresses\": {\"any\": {\"email_address\": {\"like\": \"%google%\"}}}}", NULL, IDS(5));
    expect("users", "{\"addresses\": {\"none\": {}}}", NULL, IDS(1, 2, 3, 4));
    expect("users", "{\"addresses\": {\"every\": {\"email_address\": {\"endswith\": \".com\"}}}}", NULL,
           IDS(1, 2, 3, 4, 5)); /* vacuously true without addresses */
    expect("addresses", "{\"user\": {\"has\": {\"name\": \"jack\"}}}", NULL, IDS(1, 2));
    expect_none("addresses", "{\"not\": {\"user\": {\"has\": {\"name\": \"jack\"}}}}");
    expect("addresses", "{\"user.name\": {\"startswith\": \"ja\"}}", NULL, IDS(1, 2));
    expect("posts", "{\"author\": {\"has\": {\"name\": \"wendy\"}}}", NULL, IDS(1));
    expect("users", "{\"posts\": {\"any\": {}}}", NULL, IDS(2));
    expect("posts", "{\"keywords\": {\"any\": {\"keyword\": \"firstpost\"}}}", NULL, IDS(1));
    expect("keywords", "{\"posts\": {\"any\": {\"author.name\": \"wendy\"}}}", NULL, IDS(1, 2));
    expect_none("posts", "{\"keywords\": {\"none\": {\"keyword\": {\"in\": [\"wendy\", \"x\"]}}}}");
    expect("users", "{\"name\": \"ed\", \"fullname\": {\"ne\": null}}", NULL, IDS(1));
    expect("users", "{\"id\": {\"between\": [2, 4], \"nin\": [3]}}", NULL, IDS(2, 4));
    expect("users", "{\"not\": {\"or\": [{\"id\": 1}, {\"id\": {\"ge\": 3}}]}}", NULL, IDS(2));
    expect("users", "{}", NULL, IDS(1, 2, 3, 4, 5));
}
END_TEST

START_TEST(case_rules)
{
    expect_none("users", "{\"name\": {\"like\": \"E%\"}}");           /* like is case-sensitive */
    expect("users", "{\"name\": {\"ilike\": \"E%\"}}", NULL, IDS(1)); /* ilike is not */
    expect("users", "{\"fullname\": {\"contains\": \"Jo\"}}", NULL, IDS(1));
    expect_none("users", "{\"fullname\": {\"contains\": \"jo\"}}");
    expect_none("users", "{\"name\": {\"contains\": \"%\"}}"); /* literal: % is not a wildcard */
    expect("users", "{\"name\": {\"like\": \"_d\"}}", NULL, IDS(1));
}
END_TEST

START_TEST(shorthand_sort_count_fields)
{
    expect("users", "{\"id\": {\"gt\": 1}}", "name=jack", IDS(5));
    expect("users", "{\"id\": {\"lt\": 5}}", "sort=-name", IDS(2, 3, 4, 1));
    expect("addresses", "{}", "sort=-user.name,-id", IDS(2, 1));
    rt_response *r = get_filtered("users", "{\"id\": {\"ge\": 2}}", "count=exact&limit=1");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(rt_json_int(r, "meta.total"), 4);
    ck_assert_uint_eq(json_array_size(rt_json_at(r, "data")), 1);
    rt_response_free(r);
    r = get_filtered("users", "{\"id\": 1}", "fields=name");
    RT_ASSERT_STATUS(r, 200);
    json_t *o = json_array_get(rt_json_at(r, "data"), 0);
    ck_assert_ptr_nonnull(json_object_get(o, "id")); /* the key is always kept */
    ck_assert_ptr_nonnull(json_object_get(o, "name"));
    ck_assert_ptr_null(json_object_get(o, "fullname"));
    rt_response_free(r);
}
END_TEST

/* Follow links.next from the first page; return how many pages it took. */
static int walk(const char *first, long long *ids, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", first);
    int pages = 0;
    *n = 0;
    for (;;) {
        rt_response *r = rt_get(&srv, path);
        RT_ASSERT_STATUS(r, 200);
        pages++;
        json_t *data = rt_json_at(r, "data");
        for (size_t i = 0; i < json_array_size(data); i++)
            ids[(*n)++] = json_integer_value(json_object_get(json_array_get(data, i), "id"));
        json_t *next = json_object_get(rt_json_at(r, "links"), "next");
        if (!next) {
            rt_response_free(r);
            return pages;
        }
        snprintf(path, sizeof path, "%s", json_string_value(next));
        rt_response_free(r);
        ck_assert_int_lt(pages, 20);
    }
}

START_TEST(cursors)
{
    long long ids[16];
    size_t n;
    ck_assert_int_eq(walk("/api/users?limit=2", ids, &n), 3);
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(ids[i], (long long)i + 1);
    ck_assert_int_eq(walk("/api/users?limit=2&sort=-name", ids, &n), 3);
    const long long by_name_desc[] = {2, 3, 5, 4, 1};
    ck_assert_uint_eq(n, 5);
    for (size_t i = 0; i < n; i++) ck_assert_int_eq(ids[i], by_name_desc[i]);

    /* a cursor is bound to its sort and cannot be edited */
    rt_response *r = rt_get(&srv, "/api/users?limit=2&sort=-name");
    const char *next = json_string_value(json_object_get(rt_json_at(r, "links"), "next"));
    const char *cur = strstr(next, "cursor=") + 7;
    char path[1024];
    snprintf(path, sizeof path, "/api/users?limit=2&sort=name&cursor=%s", cur);
    rt_response *bad = rt_get(&srv, path);
    rt_assert_problem(bad, 400, "/query/cursor");
    rt_response_free(bad);
    snprintf(path, sizeof path, "/api/users?limit=2&sort=-name&cursor=%s", cur);
    path[strlen(path) - 3] ^= 1; /* flip a bit of the MAC */
    bad = rt_get(&srv, path);
    rt_assert_problem(bad, 400, "/query/cursor");
    rt_response_free(bad);
    snprintf(path, sizeof path, "/api/users?limit=2&sort=-name&offset=2&cursor=%s", cur);
    bad = rt_get(&srv, path);
    rt_assert_problem(bad, 400, "/query/offset");
    rt_response_free(bad);
    bad = rt_get(&srv, "/api/users?cursor=garbage");
    rt_assert_problem(bad, 400, "/query/cursor");
    rt_response_free(bad);
    rt_response_free(r);
}
END_TEST

/* Follow links.next from path to the end, then links.prev back to the
 * start: the pages come back the same, in reverse; meta.next_cursor is the
 * cursor links.next carries. */
static void walk_both_ways(const char *path)
{
    enum { MAXP = 16 };
    char *pages[MAXP], *link = strdup(path);
    size_t n = 0;
    for (;;) {
        ck_assert_uint_lt(n, MAXP);
        rt_response *r = rt_get(&srv, link);
        RT_ASSERT_STATUS(r, 200);
        pages[n++] = json_dumps(rt_json_at(r, "data"), JSON_COMPACT);
        const char *next = json_string_value(rt_json_at(r, "links.next"));
        const char *meta = json_string_value(rt_json_at(r, "meta.next_cursor"));
        ck_assert_msg(!next == !meta, "%s: links.next and meta.next_cursor go together", link);
        if (next) ck_assert_msg(strstr(next, "cursor=") != NULL, "%s", next);
        free(link);
        link = next ? strdup(next) : NULL;
        if (!link) {
            /* the last page: walk back from its prev */
            const char *prev = json_string_value(rt_json_at(r, "links.prev"));
            link = n > 1 ? strdup(prev ? prev : "") : NULL;
            ck_assert_msg(n == 1 || (prev && strstr(prev, "cursor=")), "%s: no keyset prev on the last page", path);
            rt_response_free(r);
            break;
        }
        rt_response_free(r);
    }
    for (size_t i = n - 1; i-- > 0;) {
        rt_response *r = rt_get(&srv, link);
        RT_ASSERT_STATUS(r, 200);
        char *back = json_dumps(rt_json_at(r, "data"), JSON_COMPACT);
        ck_assert_msg(!strcmp(back, pages[i]), "%s: page %zu walking back:\n%s\nforward:\n%s", path, i, back, pages[i]);
        free(back);
        const char *prev = json_string_value(rt_json_at(r, "links.prev"));
        ck_assert_msg(i == 0 ? prev == NULL : prev != NULL, "%s: page %zu prev %s", path, i, prev ? prev : "none");
        ck_assert_msg(rt_json_at(r, "links.next") != NULL, "a page walked back to has a next");
        free(link);
        link = prev ? strdup(prev) : NULL;
        rt_response_free(r);
    }
    free(link);
    for (size_t i = 0; i < n; i++) free(pages[i]);
}

START_TEST(cursors_both_ways)
{
    /* NULL full names and ties make the keyset non-trivial */
    rt_response *r = rt_send_json(&srv, "POST", "/api/users",
                                  "[{\"name\": \"w1\"}, {\"name\": \"w2\", \"fullname\": \"Ed Jones\"},"
                                  " {\"name\": \"w3\"}, {\"name\": \"ed\"}]");
    RT_ASSERT_STATUS(r, 201);
    rt_response_free(r);
    static const char *const paths[] = {
        "/api/users?limit=2", "/api/users?limit=3&sort=-name", "/api/users?limit=2&sort=fullname",
        "/api/users?limit=2&sort=-fullname,name", "/api/addresses?limit=1&sort=user.name,-id",
        "/api/users?limit=3&include=addresses&sort=-fullname",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) walk_both_ways(paths[i]);
    rt_db_exec(&srv, "DELETE FROM users WHERE name IN ('w1', 'w2', 'w3') OR (name = 'ed' AND fullname IS NULL)");
}
END_TEST

START_TEST(error_pointers)
{
    expect_400("users", "{\"or\": [{\"name\": \"ed\"}, {\"addresses\": {\"any\": {\"email_address\": {\"like\": 5}}}}]}",
               NULL, "/filter/or/1/addresses/any/email_address/like");
    expect_400("users", "{\"name\": ", NULL, "/filter");
    expect_400("users", "{\"name\": 1, \"name\": 2}", NULL, "/filter");
    expect_400("users", "{\"nosuch\": 1}", NULL, "/filter/nosuch");
    expect_400("users", "{\"password\": \"x\"}", NULL, "/filter/password");
    expect_400("users", "{\"id\": {\"in\": [1, null]}}", NULL, "/filter/id/in/1");
    expect_400("users", "{\"addresses\": {\"has\": {}}}", NULL, "/filter/addresses/has");
    expect_400("users", "{\"or\": []}", NULL, "/filter/or");
    expect_400("users", "{}", "sort=addresses.email_address", "/query/sort");
    expect_400("users", "{}", "sort=password", "/query/sort");
    char big[9000] = "{\"id\": {\"in\": [0";
    for (int i = 1; i <= 1000; i++) snprintf(big + strlen(big), sizeof big - strlen(big), ",%d", i);
    strcat(big, "]}}");
    expect_400("users", big, NULL, "/filter/id/in");
}
END_TEST

static long long metric(const char *name)
{
    rt_response *r = rt_get(&srv, "/metrics");
    RT_ASSERT_STATUS(r, 200);
    char line[128];
    snprintf(line, sizeof line, "\n%s ", name); /* the sample, not its # HELP line */
    const char *p = strstr(r->body, line);
    ck_assert_msg(p != NULL, "no %s in /metrics", name);
    long long v = atoll(p + strlen(line));
    rt_response_free(r);
    return v;
}

START_TEST(same_shape_reuses_the_prepared_statement)
{
    expect("users", "{\"name\": {\"in\": [\"ed\", \"mary\"]}, \"id\": {\"gt\": 0}}", NULL, IDS(1, 3));
    long long hits0 = metric("restmap_db_statement_cache_hits_total");
    long long stmts0 = metric("restmap_db_statements_total");
    expect("users", "{\"name\": {\"in\": [\"fred\", \"jack\"]}, \"id\": {\"gt\": 1}}", NULL, IDS(4, 5));
    expect("users", "{\"name\": {\"in\": [\"wendy\", \"zed\"]}, \"id\": {\"gt\": 1}}", NULL, IDS(2));
    long long hits = metric("restmap_db_statement_cache_hits_total") - hits0;
    long long stmts = metric("restmap_db_statements_total") - stmts0;
    /* each list runs its SELECT and the selectin of addresses: all cached now */
    ck_assert_int_eq(stmts, 4);
    ck_assert_int_eq(hits, stmts);
}
END_TEST

RT_SUITE(http_filters_suite, "http_filters", "blog", srv_start, srv_stop, 60,
         seed_tutorial_filters, case_rules, shorthand_sort_count_fields, cursors, cursors_both_ways, error_pointers,
         same_shape_reuses_the_prepared_statement)
