/* test_filters.c: the query language of lists over HTTP (SPEC §4, §5, §8)
 * on the seeded blog schema: the seed tutorial's filters, the equality
 * shorthand AND-ed with filter, like/ilike case rules, sorting through a
 * many-to-one, count under the filter, keyset cursors (followed, tampered,
 * reused for another sort), error pointers into the filter, the
 * statement cache reusing one prepared statement for filters of one shape,
 * and date, datetime and uuid values compared, sorted and matched alike on
 * both backends. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server srv;

RT_FIXTURE(srv, "schemas/blog.json", "schemas/blog.seed.json", NULL)

/* (A filter written as JSON in a case's path is sent percent-encoded; see
 * rt_case.) */

START_TEST(seed_tutorial_filters)
{
    RT_CASES(&srv,
        {"/api/users?filter={\"name\": {\"in\": [\"ed\", \"wendy\", \"jack\"]}}", "data[].id = [1, 2, 5]"},
        {"/api/users?filter={\"or\": [{\"name\": \"ed\"}, {\"name\": \"wendy\"}]}", "data[].id = [1, 2]"},
        {"/api/users?filter={\"addresses\": {\"any\": {\"email_address\": {\"like\": \"%google%\"}}}}", "data[].id = [5]"},
        {"/api/users?filter={\"addresses\": {\"none\": {}}}", "data[].id = [1, 2, 3, 4]"},
        /* vacuously true without addresses */
        {"/api/users?filter={\"addresses\": {\"every\": {\"email_address\": {\"endswith\": \".com\"}}}}",
         "data[].id = [1, 2, 3, 4, 5]"},
        {"/api/addresses?filter={\"user\": {\"has\": {\"name\": \"jack\"}}}", "data[].id = [1, 2]"},
        {"/api/addresses?filter={\"not\": {\"user\": {\"has\": {\"name\": \"jack\"}}}}", "data # 0"},
        {"/api/addresses?filter={\"user.name\": {\"startswith\": \"ja\"}}", "data[].id = [1, 2]"},
        {"/api/posts?filter={\"author\": {\"has\": {\"name\": \"wendy\"}}}", "data[].id = [1]"},
        {"/api/users?filter={\"posts\": {\"any\": {}}}", "data[].id = [2]"},
        {"/api/posts?filter={\"keywords\": {\"any\": {\"keyword\": \"firstpost\"}}}", "data[].id = [1]"},
        {"/api/keywords?filter={\"posts\": {\"any\": {\"author.name\": \"wendy\"}}}", "data[].id = [1, 2]"},
        {"/api/posts?filter={\"keywords\": {\"none\": {\"keyword\": {\"in\": [\"wendy\", \"x\"]}}}}", "data # 0"},
        {"/api/users?filter={\"name\": \"ed\", \"fullname\": {\"ne\": null}}", "data[].id = [1]"},
        {"/api/users?filter={\"id\": {\"between\": [2, 4], \"nin\": [3]}}", "data[].id = [2, 4]"},
        {"/api/users?filter={\"not\": {\"or\": [{\"id\": 1}, {\"id\": {\"ge\": 3}}]}}", "data[].id = [2]"},
        {"/api/users?filter={}", "data[].id = [1, 2, 3, 4, 5]"},
    );
}
END_TEST

START_TEST(case_rules)
{
    RT_CASES(&srv,
        {"/api/users?filter={\"name\": {\"like\": \"E%\"}}", "data # 0"}, /* like is case-sensitive */
        {"/api/users?filter={\"name\": {\"ilike\": \"E%\"}}", "data[].id = [1]"}, /* ilike is not */
        {"/api/users?filter={\"fullname\": {\"contains\": \"Jo\"}}", "data[].id = [1]"},
        {"/api/users?filter={\"fullname\": {\"contains\": \"jo\"}}", "data # 0"},
        {"/api/users?filter={\"name\": {\"contains\": \"%\"}}", "data # 0"}, /* literal: % is not a wildcard */
        {"/api/users?filter={\"name\": {\"like\": \"_d\"}}", "data[].id = [1]"},
    );
}
END_TEST

START_TEST(shorthand_sort_count_fields)
{
    RT_CASES(&srv,
        {"/api/users?filter={\"id\": {\"gt\": 1}}&name=jack", "data[].id = [5]"},
        {"/api/users?filter={\"id\": {\"lt\": 5}}&sort=-name", "data[].id = [2, 3, 4, 1]"},
        {"/api/addresses?filter={}&sort=-user.name,-id", "data[].id = [2, 1]"},
        {"/api/users?filter={\"id\": {\"ge\": 2}}&count=exact&limit=1", "meta.total = 4; data # 1"},
        /* the key is always kept */
        {"/api/users?filter={\"id\": 1}&fields=name", "data.0.id; data.0.name; !data.0.fullname"},
    );
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
    char cur[512], flipped[512];
    snprintf(cur, sizeof cur, "%s", strstr(next, "cursor=") + 7);
    rt_response_free(r);
    snprintf(flipped, sizeof flipped, "%s", cur);
    flipped[strlen(flipped) - 3] ^= 1; /* a bit of the MAC */
    rt_check(&srv, rt_fmt("/api/users?limit=2&sort=name&cursor=%s", cur), "400 /query/cursor");
    rt_check(&srv, rt_fmt("/api/users?limit=2&sort=-name&cursor=%s", flipped), "400 /query/cursor");
    RT_CASES_AT(&srv, cur,
        {"/api/users?limit=2&sort=-name&offset=2&cursor=%s", "400 /query/offset"},
        {"/api/users?cursor=garbage", "400 /query/cursor"},
    );
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
    rt_check(&srv,
             "POST /api/users [{\"name\": \"w1\"}, {\"name\": \"w2\", \"fullname\": \"Ed Jones\"},"
             " {\"name\": \"w3\"}, {\"name\": \"ed\"}]",
             "201");
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
    RT_REFUSED(&srv,
        {"/api/users?filter={\"or\": [{\"name\": \"ed\"}, {\"addresses\": {\"any\": {\"email_address\": {\"like\": 5}}}}]}",
         "400 /filter/or/1/addresses/any/email_address/like"},
        {"/api/users?filter={\"name\": ", "400 /filter"},
        {"/api/users?filter={\"name\": 1, \"name\": 2}", "400 /filter"},
        {"/api/users?filter={\"nosuch\": 1}", "400 /filter/nosuch"},
        {"/api/users?filter={\"password\": \"x\"}", "400 /filter/password"},
        {"/api/users?filter={\"id\": {\"in\": [1, null]}}", "400 /filter/id/in/1"},
        {"/api/users?filter={\"addresses\": {\"has\": {}}}", "400 /filter/addresses/has"},
        {"/api/users?filter={\"or\": []}", "400 /filter/or"},
        {"/api/users?filter={}&sort=addresses.email_address", "400 /query/sort"},
        {"/api/users?filter={}&sort=password", "400 /query/sort"},
    );
    char big[9000] = "{\"id\": {\"in\": [0";
    for (int i = 1; i <= 1000; i++) snprintf(big + strlen(big), sizeof big - strlen(big), ",%d", i);
    strcat(big, "]}}");
    RT_CASES_AT(&srv, big, {"/api/users?filter=%s", "400 /filter/id/in; @unchanged"});
}
END_TEST

static long long metric(const char *name) { return rt_metric(&srv, name); }

START_TEST(same_shape_reuses_the_prepared_statement)
{
    rt_check(&srv, "/api/users?filter={\"name\": {\"in\": [\"ed\", \"mary\"]}, \"id\": {\"gt\": 0}}", "data[].id = [1, 3]");
    long long hits0 = metric("restmap_db_statement_cache_hits_total");
    long long stmts0 = metric("restmap_db_statements_total");
    RT_CASES(&srv,
        {"/api/users?filter={\"name\": {\"in\": [\"fred\", \"jack\"]}, \"id\": {\"gt\": 1}}", "data[].id = [4, 5]"},
        {"/api/users?filter={\"name\": {\"in\": [\"wendy\", \"zed\"]}, \"id\": {\"gt\": 1}}", "data[].id = [2]"},
    );
    long long hits = metric("restmap_db_statement_cache_hits_total") - hits0;
    long long stmts = metric("restmap_db_statements_total") - stmts0;
    /* each list runs its SELECT and the selectin of addresses: all cached now */
    ck_assert_int_eq(stmts, 4);
    ck_assert_int_eq(hits, stmts);
    /* the pool between requests: every open connection idle, no one waiting */
    long long open = metric("restmap_db_pool_connections");
    ck_assert_int_ge(open, 1);
    ck_assert_int_eq(metric("restmap_db_pool_idle"), open - metric("restmap_db_pool_in_use"));
    ck_assert_int_eq(metric("restmap_db_pool_waiting"), 0);
    ck_assert_int_ge(metric("restmap_db_pool_capacity"), open);
    ck_assert_int_ge(metric("restmap_db_connections_opened_total"), open);
    ck_assert_int_eq(metric("restmap_db_connections_lost_total"), 0);
}
END_TEST

/* ---- date, datetime and uuid values (tests/http/schemas/stamps.json) ---- */

static rt_server stamps;

RT_FIXTURE(stamps, "tests/http/schemas/stamps.json", "tests/http/schemas/stamps.seed.json", NULL)

/* Date-times are stored in UTC ("...T...Z", the fraction without trailing
 * zeros) on both backends, so they compare and sort by time whatever
 * offset they were given with; pattern operators on date, datetime and
 * uuid columns match that stored text on both backends. */
START_TEST(datetimes_compare_in_utc_and_match_patterns)
{
    RT_CASES(&stamps,
        {"/api/events/1", "at = '2024-02-29T23:30:00Z'; uid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"},
        {"/api/events/2", "at = '2024-03-01T00:45:00.25Z'"},
        {"/api/events/3", "at = '2024-03-01T00:15:00Z'"},
        {"/api/events?sort=at&fields=id", "data[].id = [4, 1, 3, 2]"},
        {"/api/events?sort=-at&fields=id", "data[].id = [2, 3, 1, 4]"},
        {"/api/events?filter={\"at\": {\"gt\": \"2024-02-29T23:00:00-01:00\"}}&fields=id", "data[].id = [2, 3]"},
        {"/api/events?filter={\"at\": {\"eq\": \"2024-03-01T01:30:00+02:00\"}}&fields=id", "data[].id = [1]"},
        {"/api/events?at=2024-03-01T00:15:00Z&fields=id", "data[].id = [3]"},
        {"/api/events?filter={\"at\": {\"startswith\": \"2024-03-01T00\"}}&fields=id", "data[].id = [2, 3]"},
        {"/api/events?filter={\"at\": {\"endswith\": \".25Z\"}}&fields=id", "data[].id = [2]"},
        {"/api/events?filter={\"at\": {\"like\": \"2024-02-29T__:30%\"}}&fields=id", "data[].id = [1]"},
        {"/api/events?filter={\"on\": {\"endswith\": \"-29\"}}&fields=id", "data[].id = [1]"},
        {"/api/events?filter={\"on\": {\"contains\": \"-03-\"}}&fields=id", "data[].id = [2]"},
        {"/api/events?filter={\"uid\": {\"startswith\": \"a0ee\"}}&fields=id", "data[].id = [1]"},
        {"/api/events?filter={\"uid\": {\"ilike\": \"A0EE%\"}}&fields=id", "data[].id = [1]"},
        {"/api/events?filter={\"uid\": {\"like\": \"%-4000-%\"}}&fields=id", "data[].id = [3]"},
    );
    rt_check(&stamps, "POST /api/events {\"at\": \"2024-01-01T00:30:00.1234567+01:00\"}",
             "201 at = '2023-12-31T23:30:00.123457Z'");
    rt_check(&stamps, "POST /api/events {\"at\": \"0001-01-01T00:30:00+01:00\"}", "422");
}
END_TEST

Suite *http_filters_suite(void)
{
    Suite *s = suite_create("http_filters");
    TS_TCASE(s, "blog", srv_start, srv_stop, 60, seed_tutorial_filters, case_rules, shorthand_sort_count_fields, cursors,
             cursors_both_ways, error_pointers, same_shape_reuses_the_prepared_statement);
    TS_TCASE(s, "stamps", stamps_start, stamps_stop, 60, datetimes_compare_in_utc_and_match_patterns);
    return s;
}
