/* test_crud.c: the happy paths of the HTTP API against the real binary
 * (SPEC §3, §4, §8): the index and /healthz, lists with paging, sorting,
 * the equality shorthand, count and sparse fields; reading, creating (one
 * and in bulk, all or nothing), replacing, updating and deleting objects;
 * the version column; composite and percent-encoded keys; hidden and
 * write-only columns; and the Server-Timing statement counts.
 *
 * Three servers, one per TCase: "read" (seeded blog, never written to),
 * "write" (seeded blog; each test creates its own rows) and "keys"
 * (tests/http/schemas/keys.json). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"
#define KEYS "tests/http/schemas/keys.json"

static rt_server ro, rw, keys;

RT_FIXTURE(ro, BLOG, BLOG_SEED, NULL)
RT_FIXTURE(rw, BLOG, BLOG_SEED, NULL)
RT_FIXTURE(keys, KEYS, NULL, NULL)

/* ------------------------------------------------------------ helpers */

/* GET path and assert 200 with a JSON body. */
static rt_response *get_ok(const rt_server *s, const char *path)
{
    rt_response *r = rt_get(s, path);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_msg(r->json != NULL, "%s: body is not JSON: %.300s", r->what, r->body);
    return r;
}

/* Assert a list answer's data ids, in order. */
static void assert_ids(const rt_response *r, const long long *ids, size_t n)
{
    json_t *data = rt_json_at(r, "data");
    ck_assert_msg(json_is_array(data), "%s: no data array: %.300s", r->what, r->body);
    ck_assert_msg(json_array_size(data) == n, "%s: %zu rows, expected %zu: %.600s", r->what,
                  json_array_size(data), n, r->body);
    for (size_t i = 0; i < n; i++) {
        json_t *id = json_object_get(json_array_get(data, i), "id");
        ck_assert_msg(json_is_integer(id) && json_integer_value(id) == ids[i],
                      "%s: row %zu is not id %lld: %.600s", r->what, i, ids[i], r->body);
    }
}

/* Assert data[i].name, in order. */
static void assert_names(const rt_response *r, const char *const *names, size_t n)
{
    json_t *data = rt_json_at(r, "data");
    ck_assert_msg(json_array_size(data) == n, "%s: %zu rows, expected %zu", r->what,
                  json_array_size(data), n);
    for (size_t i = 0; i < n; i++) {
        const char *got = json_string_value(json_object_get(json_array_get(data, i), "name"));
        ck_assert_msg(got && strcmp(got, names[i]) == 0, "%s: row %zu is %s, expected %s",
                      r->what, i, got ? got : "(null)", names[i]);
    }
}

/* Every object of a list (or one object) has _links.self = /api/res/<id>
 * and never a password. */
static void assert_user_object(const json_t *o)
{
    char want[64];
    json_t *id = json_object_get(o, "id");
    ck_assert(json_is_integer(id));
    snprintf(want, sizeof want, "/api/users/%lld", (long long)json_integer_value(id));
    const char *self = json_string_value(json_object_get(json_object_get(o, "_links"), "self"));
    ck_assert_msg(self && strcmp(self, want) == 0, "_links.self is %s, expected %s",
                  self ? self : "(none)", want);
    ck_assert_msg(json_object_get(o, "password") == NULL, "write_only password was output");
    ck_assert(json_is_string(json_object_get(o, "name")));
    ck_assert(json_is_integer(json_object_get(o, "version")));
}

/* POST body to path, assert 201, return the new object's id. */
static long long create(const rt_server *s, const char *path, const char *body)
{
    rt_response *r = rt_send_json(s, "POST", path, body);
    RT_ASSERT_STATUS(r, 201);
    long long id = rt_json_int(r, "id");
    rt_response_free(r);
    return id;
}

/* The db value of one column of one row, as text ("NULL" for NULL). */
static char *db_value(const rt_server *s, const char *table, const char *col, long long id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = %lld", col, table, id);
    return rt_db_scalar(s, sql);
}

/* The K of Server-Timing: db;desc="K queries";dur=MS, or -1. */
static int timing_queries(const rt_response *r)
{
    const char *h = rt_header(r, "Server-Timing");
    int k = -1;
    double dur = -1;
    if (!h || sscanf(h, "db;desc=\"%d queries\";dur=%lf", &k, &dur) != 2 || dur < 0) return -1;
    return k;
}

/* ------------------------------------------------------------ index */

static json_t *find_named(json_t *array, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(array, i, e) {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (n && !strcmp(n, name)) return e;
    }
    return NULL;
}

static void assert_column(json_t *res, const char *name, const char *type, int nullable,
                          int pk, int ro_, int wo)
{
    json_t *c = find_named(json_object_get(res, "columns"), name);
    ck_assert_msg(c != NULL, "column %s missing from /api", name);
    ck_assert_str_eq(json_string_value(json_object_get(c, "type")), type);
    ck_assert_msg(json_is_boolean(json_object_get(c, "nullable")) &&
                      json_boolean_value(json_object_get(c, "nullable")) == nullable,
                  "%s.nullable", name);
    ck_assert_msg(json_boolean_value(json_object_get(c, "primary_key")) == pk, "%s.primary_key", name);
    ck_assert_msg(json_is_boolean(json_object_get(c, "read_only")) &&
                      json_boolean_value(json_object_get(c, "read_only")) == ro_,
                  "%s.read_only", name);
    ck_assert_msg(json_is_boolean(json_object_get(c, "write_only")) &&
                      json_boolean_value(json_object_get(c, "write_only")) == wo,
                  "%s.write_only", name);
}

static void assert_rel(json_t *res, const char *name, const char *target, const char *dir,
                       int uselist, const char *lazy)
{
    json_t *r = find_named(json_object_get(res, "relationships"), name);
    ck_assert_msg(r != NULL, "relationship %s missing from /api", name);
    ck_assert_str_eq(json_string_value(json_object_get(r, "target")), target);
    ck_assert_str_eq(json_string_value(json_object_get(r, "direction")), dir);
    ck_assert_msg(json_is_boolean(json_object_get(r, "uselist")) &&
                      json_boolean_value(json_object_get(r, "uselist")) == uselist,
                  "%s.uselist", name);
    ck_assert_str_eq(json_string_value(json_object_get(r, "lazy")), lazy);
}

START_TEST(test_index_lists_every_resource)
{
    rt_response *r = get_ok(&ro, "/api");
    json_t *res = rt_json_at(r, "resources");
    ck_assert_msg(json_is_array(res) && json_array_size(res) == 4, "%.600s", r->body);
    static const char *const names[][2] = {
        {"users", "User"}, {"addresses", "Address"}, {"posts", "BlogPost"}, {"keywords", "Keyword"}};
    for (size_t i = 0; i < 4; i++) {
        json_t *e = find_named(res, names[i][0]);
        ck_assert_msg(e != NULL, "resource %s missing", names[i][0]);
        ck_assert_str_eq(json_string_value(json_object_get(e, "entity")), names[i][1]);
        char href[64];
        snprintf(href, sizeof href, "/api/%s", names[i][0]);
        ck_assert_str_eq(json_string_value(json_object_get(e, "href")), href);
        ck_assert(json_is_array(json_object_get(e, "columns")));
        ck_assert(json_is_array(json_object_get(e, "relationships")));
    }
    json_t *users = find_named(res, "users");
    ck_assert_uint_eq(json_array_size(json_object_get(users, "columns")), 5);
    assert_column(users, "id", "integer", 0, 1, 0, 0);
    assert_column(users, "name", "string", 0, 0, 0, 0);
    assert_column(users, "fullname", "string", 1, 0, 0, 0);
    assert_column(users, "password", "string", 1, 0, 0, 1);
    assert_column(users, "version", "integer", 1, 0, 1, 0);
    assert_rel(users, "addresses", "Address", "one_to_many", 1, "selectin");
    assert_rel(users, "posts", "BlogPost", "one_to_many", 1, "dynamic");
    assert_rel(find_named(res, "addresses"), "user", "User", "many_to_one", 0, "select");
    assert_rel(find_named(res, "posts"), "author", "User", "many_to_one", 0, "select");
    assert_rel(find_named(res, "posts"), "keywords", "Keyword", "many_to_many", 1, "select");
    assert_rel(find_named(res, "keywords"), "posts", "BlogPost", "many_to_many", 1, "select");
    rt_response_free(r);
}
END_TEST

START_TEST(test_healthz)
{
    rt_response *r = get_ok(&ro, "/healthz");
    ck_assert_str_eq(rt_json_str(r, "status"), "ok");
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ lists */

START_TEST(test_list_users)
{
    rt_response *r = get_ok(&ro, "/api/users");
    static const long long ids[] = {1, 2, 3, 4, 5};
    assert_ids(r, ids, 5);
    json_t *data = rt_json_at(r, "data");
    for (size_t i = 0; i < 5; i++) assert_user_object(json_array_get(data, i));
    ck_assert_str_eq(rt_json_str(r, "data.0.name"), "ed");
    ck_assert_str_eq(rt_json_str(r, "data.0.fullname"), "Ed Jones");
    ck_assert_int_eq(rt_json_int(r, "meta.limit"), 20);
    ck_assert_int_eq(rt_json_int(r, "meta.offset"), 0);
    ck_assert_msg(rt_json_at(r, "meta.total") == NULL, "total without count=exact");
    ck_assert_str_eq(rt_json_str(r, "links.self"), "/api/users");
    ck_assert_msg(rt_json_at(r, "links.next") == NULL, "next on the only page");
    ck_assert_msg(rt_json_at(r, "links.prev") == NULL, "prev on the first page");
    ck_assert_msg(strstr(r->body, "f8s7ccs") == NULL, "a password value was output");
    rt_response_free(r);
}
END_TEST

/* Follow links.next from ?limit=2 to the end: every row once, in order. */
START_TEST(test_list_next_links)
{
    static const long long pages[][2] = {{1, 2}, {3, 4}, {5, 0}};
    char next[512] = "/api/users?limit=2";
    for (size_t i = 0; i < 3; i++) {
        rt_response *r = get_ok(&ro, next);
        assert_ids(r, pages[i], i < 2 ? 2 : 1);
        ck_assert_int_eq(rt_json_int(r, "meta.limit"), 2);
        json_t *n = rt_json_at(r, "links.next");
        if (i < 2) {
            ck_assert_msg(json_is_string(n), "%s: no next link: %s", r->what, r->body);
            snprintf(next, sizeof next, "%s", json_string_value(n));
            ck_assert_msg(strncmp(next, "/api/users?", 11) == 0 && strstr(next, "limit=2"),
                          "next link %s", next);
        } else {
            ck_assert_msg(n == NULL, "next on the last page: %s", r->body);
        }
        if (i == 0) ck_assert_msg(rt_json_at(r, "links.prev") == NULL, "prev on the first page");
        rt_response_free(r);
    }
}
END_TEST

START_TEST(test_list_offset_paging)
{
    rt_response *r = get_ok(&ro, "/api/users?limit=2&offset=2");
    static const long long p1[] = {1, 2}, p2[] = {3, 4}, p3[] = {5};
    assert_ids(r, p2, 2);
    ck_assert_int_eq(rt_json_int(r, "meta.offset"), 2);
    ck_assert_str_eq(rt_json_str(r, "links.self"), "/api/users?limit=2&offset=2");
    char prev[512], next[512];
    snprintf(prev, sizeof prev, "%s", rt_json_str(r, "links.prev"));
    snprintf(next, sizeof next, "%s", rt_json_str(r, "links.next"));
    rt_response_free(r);

    r = get_ok(&ro, prev);
    assert_ids(r, p1, 2);
    ck_assert_msg(rt_json_at(r, "links.prev") == NULL, "prev before the first row: %s", r->body);
    rt_response_free(r);

    r = get_ok(&ro, next);
    assert_ids(r, p3, 1);
    ck_assert_msg(rt_json_at(r, "links.next") == NULL, "next on the last page: %s", r->body);
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?offset=4");
    assert_ids(r, p3, 1);
    ck_assert_int_eq(rt_json_int(r, "meta.offset"), 4);
    rt_response_free(r);
}
END_TEST

START_TEST(test_list_offset_past_end_and_limit_zero)
{
    rt_response *r = get_ok(&ro, "/api/users?offset=10");
    assert_ids(r, NULL, 0);
    ck_assert_int_eq(rt_json_int(r, "meta.offset"), 10);
    ck_assert_msg(rt_json_at(r, "links.next") == NULL, "next past the end");
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?limit=0&count=exact");
    assert_ids(r, NULL, 0);
    ck_assert_int_eq(rt_json_int(r, "meta.limit"), 0);
    ck_assert_int_eq(rt_json_int(r, "meta.total"), 5);
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?limit=1000"); /* max_page_size itself is allowed */
    ck_assert_int_eq(rt_json_int(r, "meta.limit"), 1000);
    rt_response_free(r);
}
END_TEST

START_TEST(test_list_sort)
{
    static const char *const asc[] = {"ed", "fred", "jack", "mary", "wendy"};
    static const char *const desc[] = {"wendy", "mary", "jack", "fred", "ed"};
    rt_response *r = get_ok(&ro, "/api/users?sort=name");
    assert_names(r, asc, 5);
    rt_response_free(r);
    r = get_ok(&ro, "/api/users?sort=-name");
    assert_names(r, desc, 5);
    rt_response_free(r);
    r = get_ok(&ro, "/api/users?sort=-id&limit=2");
    static const long long ids[] = {5, 4};
    assert_ids(r, ids, 2);
    rt_response_free(r);
}
END_TEST

START_TEST(test_list_shorthand_count_fields)
{
    rt_response *r = get_ok(&ro, "/api/users?name=ed");
    static const long long ed[] = {1}, mary[] = {3};
    assert_ids(r, ed, 1);
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?fullname=Ed%20Jones");
    assert_ids(r, ed, 1);
    ck_assert_str_eq(rt_json_str(r, "links.self"), "/api/users?fullname=Ed%20Jones");
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?id=3");
    assert_ids(r, mary, 1);
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?name=nobody&count=exact");
    assert_ids(r, NULL, 0);
    ck_assert_int_eq(rt_json_int(r, "meta.total"), 0);
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?count=exact&limit=2");
    ck_assert_int_eq(rt_json_int(r, "meta.total"), 5);
    ck_assert_uint_eq(json_array_size(rt_json_at(r, "data")), 2);
    rt_response_free(r);

    r = get_ok(&ro, "/api/addresses?user_id=5&count=exact");
    ck_assert_int_eq(rt_json_int(r, "meta.total"), 2);
    rt_response_free(r);

    r = get_ok(&ro, "/api/users?fields=name");
    json_t *data = rt_json_at(r, "data");
    ck_assert_uint_eq(json_array_size(data), 5);
    size_t i;
    json_t *o;
    json_array_foreach(data, i, o) {
        ck_assert_msg(json_is_integer(json_object_get(o, "id")), "the key is always present");
        ck_assert(json_is_string(json_object_get(o, "name")));
        ck_assert_msg(!json_object_get(o, "fullname") && !json_object_get(o, "version"),
                      "fields=name output other columns: %s", r->body);
        ck_assert(json_is_object(json_object_get(o, "_links")));
    }
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ one object */

START_TEST(test_get_one_user)
{
    rt_response *r = get_ok(&ro, "/api/users/1");
    assert_user_object(r->json);
    ck_assert_int_eq(rt_json_int(r, "id"), 1);
    ck_assert_str_eq(rt_json_str(r, "name"), "ed");
    ck_assert_str_eq(rt_json_str(r, "fullname"), "Ed Jones");
    ck_assert_int_eq(rt_json_int(r, "version"), 1);
    ck_assert_str_eq(rt_json_str(r, "_links.self"), "/api/users/1");
    ck_assert_msg(strncmp(rt_header(r, "Content-Type"), "application/json", 16) == 0, "ctype");
    rt_response_free(r);

    r = get_ok(&ro, "/api/addresses/2");
    ck_assert_str_eq(rt_json_str(r, "email_address"), "j25@yahoo.com");
    ck_assert_int_eq(rt_json_int(r, "user_id"), 5);
    ck_assert_str_eq(rt_json_str(r, "_links.self"), "/api/addresses/2");
    rt_response_free(r);
}
END_TEST

START_TEST(test_head)
{
    static const char *const paths[] = {"/api/users", "/api/users/1", "/api", "/healthz"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        rt_response *r = rt_request(&ro, "HEAD", paths[i], NULL, NULL, NULL);
        RT_ASSERT_STATUS(r, 200);
        ck_assert_uint_eq(r->body_len, 0);
        const char *ct = rt_header(r, "Content-Type");
        ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "%s: Content-Type %s", r->what,
                      ct ? ct : "(none)");
        rt_response_free(r);
    }
}
END_TEST

START_TEST(test_server_timing)
{
    /* users embed addresses by default (lazy selectin): one more statement */
    rt_response *r = get_ok(&ro, "/api/users/1");
    ck_assert_msg(timing_queries(r) == 2, "GET one: Server-Timing %s", rt_header(r, "Server-Timing"));
    rt_response_free(r);
    r = get_ok(&ro, "/api/keywords/1");
    ck_assert_msg(timing_queries(r) == 1, "GET one keyword: Server-Timing %s", rt_header(r, "Server-Timing"));
    rt_response_free(r);
    r = get_ok(&ro, "/api/users?count=exact");
    ck_assert_msg(timing_queries(r) == 3, "list+selectin+count: Server-Timing %s",
                  rt_header(r, "Server-Timing"));
    rt_response_free(r);
    r = get_ok(&ro, "/api/users");
    ck_assert_msg(timing_queries(r) == 2, "list+selectin: Server-Timing %s", rt_header(r, "Server-Timing"));
    rt_response_free(r);
    r = get_ok(&ro, "/api/keywords?count=exact");
    ck_assert_msg(timing_queries(r) == 2, "list+count: Server-Timing %s", rt_header(r, "Server-Timing"));
    rt_response_free(r);
    /* present on answers that run no statement too, and on errors */
    static const char *const paths[] = {"/api", "/healthz", "/api/nosuch", "/api/users/999",
                                        "/api/users?limit=abc"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        r = rt_get(&ro, paths[i]);
        ck_assert_msg(timing_queries(r) >= 0, "%s: Server-Timing %s", r->what,
                      rt_header(r, "Server-Timing") ? rt_header(r, "Server-Timing") : "(none)");
        rt_response_free(r);
    }
}
END_TEST

/* ------------------------------------------------------------ writes */

START_TEST(test_post_one)
{
    char *before = rt_db_fingerprint(&rw);
    rt_response *r = rt_send_json(&rw, "POST", "/api/users",
                                  "{\"name\":\"alice\",\"fullname\":\"Alice A\",\"password\":\"s3cret\"}");
    RT_ASSERT_STATUS(r, 201);
    assert_user_object(r->json);
    long long id = rt_json_int(r, "id");
    char self[64];
    snprintf(self, sizeof self, "/api/users/%lld", id);
    const char *loc = rt_header(r, "Location");
    ck_assert_msg(loc && strcmp(loc, self) == 0, "Location %s, expected %s", loc ? loc : "(none)", self);
    ck_assert_str_eq(rt_json_str(r, "_links.self"), self);
    ck_assert_str_eq(rt_json_str(r, "name"), "alice");
    ck_assert_str_eq(rt_json_str(r, "fullname"), "Alice A");
    ck_assert_int_eq(rt_json_int(r, "version"), 1);
    /* the INSERT, then the default selectin of addresses for the answer */
    ck_assert_msg(timing_queries(r) == 2, "Server-Timing on a create: %s", rt_header(r, "Server-Timing"));
    rt_response_free(r);
    char *after = rt_db_fingerprint(&rw);
    ck_assert_msg(strcmp(before, after) != 0, "the fingerprint missed a new row");
    free(before);
    free(after);

    r = get_ok(&rw, self);
    ck_assert_str_eq(rt_json_str(r, "name"), "alice");
    rt_response_free(r);
    char *pw = db_value(&rw, "users", "password", id);
    ck_assert_msg(pw && strcmp(pw, "s3cret") == 0, "write_only value stored as given: %s", pw);
    free(pw);
}
END_TEST

START_TEST(test_post_array)
{
    rt_response *r = rt_send_json(&rw, "POST", "/api/users",
                                  "[{\"name\":\"bulk1\"},{\"name\":\"bulk2\",\"fullname\":\"B Two\"}]");
    RT_ASSERT_STATUS(r, 201);
    ck_assert_msg(rt_header(r, "Location") == NULL, "a bulk create has no Location");
    json_t *data = rt_json_at(r, "data");
    ck_assert_msg(json_is_array(data) && json_array_size(data) == 2, "%s", r->body);
    ck_assert_str_eq(rt_json_str(r, "data.0.name"), "bulk1");
    ck_assert_str_eq(rt_json_str(r, "data.1.fullname"), "B Two");
    for (size_t i = 0; i < 2; i++) {
        assert_user_object(json_array_get(data, i));
        char path[64];
        snprintf(path, sizeof path, "/api/users/%lld",
                 (long long)json_integer_value(json_object_get(json_array_get(data, i), "id")));
        rt_response *g = get_ok(&rw, path);
        rt_response_free(g);
    }
    rt_response_free(r);
}
END_TEST

/* One bad item: nothing of the array is written. */
static void assert_bulk_rejected(const char *path, const char *body, int status, const char *pointer)
{
    char *before = rt_db_fingerprint(&rw);
    rt_response *r = rt_send_json(&rw, "POST", path, body);
    rt_assert_problem(r, status, pointer);
    char *after = rt_db_fingerprint(&rw);
    ck_assert_msg(strcmp(before, after) == 0, "%s %s wrote something", r->what, body);
    free(before);
    free(after);
    rt_response_free(r);
}

START_TEST(test_post_array_all_or_nothing)
{
    assert_bulk_rejected("/api/users", "[{\"name\":\"aon1\"},{\"fullname\":\"no name\"}]", 422,
                         "/1/name");
    assert_bulk_rejected("/api/users", "[{\"name\":\"aon2\"},{\"name\":7}]", 400, "/1/name");
    /* the second insert fails in the database, after the first one ran */
    assert_bulk_rejected("/api/keywords", "[{\"keyword\":\"aon3\"},{\"keyword\":\"firstpost\"}]",
                         409, NULL);
    assert_bulk_rejected("/api/keywords", "[{\"keyword\":\"aon4\"},{\"keyword\":\"aon4\"}]", 409,
                         NULL);
    rt_response *r = get_ok(&rw, "/api/users?name=aon1");
    assert_ids(r, NULL, 0);
    rt_response_free(r);
}
END_TEST

START_TEST(test_put_replaces)
{
    long long id = create(&rw, "/api/users",
                          "{\"name\":\"putme\",\"fullname\":\"Put Me\",\"password\":\"pw\"}");
    char path[64];
    snprintf(path, sizeof path, "/api/users/%lld", id);
    rt_response *r = rt_send_json(&rw, "PUT", path, "{\"name\":\"put2\"}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(rt_json_int(r, "id"), id);
    ck_assert_str_eq(rt_json_str(r, "name"), "put2");
    ck_assert_msg(json_is_null(rt_json_at(r, "fullname")), "omitted column not NULL: %s", r->body);
    ck_assert_int_eq(rt_json_int(r, "version"), 2);
    ck_assert_msg(rt_json_at(r, "password") == NULL, "password output");
    rt_response_free(r);
    char *pw = db_value(&rw, "users", "password", id);
    ck_assert_msg(pw && strcmp(pw, "NULL") == 0, "PUT left the omitted password: %s", pw);
    free(pw);

    /* the key may be repeated in the body when it matches the URL */
    char body[128];
    snprintf(body, sizeof body, "{\"id\":%lld,\"name\":\"put3\",\"fullname\":\"F\"}", id);
    r = rt_send_json(&rw, "PUT", path, body);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "fullname"), "F");
    ck_assert_int_eq(rt_json_int(r, "version"), 3);
    rt_response_free(r);

    r = get_ok(&rw, path);
    ck_assert_str_eq(rt_json_str(r, "name"), "put3");
    rt_response_free(r);
}
END_TEST

START_TEST(test_put_defaults_and_required)
{
    /* keys.json secrets: label NOT NULL (omitted on PUT: 422), kind has
     * the default "basic", pin is write_only, token hidden (never touched) */
    long long id = create(&keys, "/api/secrets", "{\"label\":\"l1\",\"pin\":\"1\",\"kind\":\"fancy\"}");
    char path[64];
    snprintf(path, sizeof path, "/api/secrets/%lld", id);
    char *before = rt_db_fingerprint(&keys);
    rt_response *r = rt_send_json(&keys, "PUT", path, "{\"pin\":\"2\"}");
    rt_assert_problem(r, 422, "/label");
    rt_response_free(r);
    char *after = rt_db_fingerprint(&keys);
    ck_assert_msg(strcmp(before, after) == 0, "rejected PUT wrote");
    free(before);
    free(after);

    r = rt_send_json(&keys, "PUT", path, "{\"label\":\"l2\"}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "label"), "l2");
    ck_assert_str_eq(rt_json_str(r, "kind"), "basic");
    rt_response_free(r);
    char *pin = db_value(&keys, "secrets", "pin", id);
    ck_assert_msg(pin && strcmp(pin, "NULL") == 0, "PUT kept the omitted write_only pin: %s", pin);
    free(pin);
    char *token = db_value(&keys, "secrets", "token", id);
    ck_assert_msg(token && strcmp(token, "t0") == 0, "PUT touched the hidden token: %s", token);
    free(token);
}
END_TEST

START_TEST(test_patch_updates_part)
{
    long long id = create(&rw, "/api/users",
                          "{\"name\":\"patchme\",\"fullname\":\"Patch Me\",\"password\":\"keep\"}");
    char path[64];
    snprintf(path, sizeof path, "/api/users/%lld", id);
    rt_response *r = rt_send_json(&rw, "PATCH", path, "{\"fullname\":\"Patched\"}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "name"), "patchme");
    ck_assert_str_eq(rt_json_str(r, "fullname"), "Patched");
    ck_assert_int_eq(rt_json_int(r, "version"), 2);
    rt_response_free(r);
    char *pw = db_value(&rw, "users", "password", id);
    ck_assert_msg(pw && strcmp(pw, "keep") == 0, "PATCH changed an omitted column: %s", pw);
    free(pw);

    r = rt_send_json(&rw, "PATCH", path, "{\"fullname\":null}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert(json_is_null(rt_json_at(r, "fullname")));
    ck_assert_int_eq(rt_json_int(r, "version"), 3);
    rt_response_free(r);

    r = get_ok(&rw, path);
    ck_assert_int_eq(rt_json_int(r, "version"), 3);
    ck_assert_str_eq(rt_json_str(r, "name"), "patchme");
    rt_response_free(r);
}
END_TEST

START_TEST(test_delete)
{
    long long id = create(&rw, "/api/users", "{\"name\":\"deleteme\"}");
    char path[64];
    snprintf(path, sizeof path, "/api/users/%lld", id);
    rt_response *r = rt_request(&rw, "DELETE", path, NULL, NULL, NULL);
    RT_ASSERT_STATUS(r, 204);
    ck_assert_uint_eq(r->body_len, 0);
    rt_response_free(r);
    r = rt_get(&rw, path);
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
    r = rt_request(&rw, "DELETE", path, NULL, NULL, NULL);
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
    char *n = db_value(&rw, "users", "count(*)", id);
    ck_assert_str_eq(n, "0");
    free(n);
}
END_TEST

START_TEST(test_sort_ties_and_nulls)
{
    /* three users with the same name: the key breaks the tie, ascending,
     * whichever the direction of the sort */
    long long a = create(&rw, "/api/users", "{\"name\":\"tie\",\"fullname\":\"b\"}");
    long long b = create(&rw, "/api/users", "{\"name\":\"tie\"}");
    long long c = create(&rw, "/api/users", "{\"name\":\"tie\",\"fullname\":\"a\"}");
    const long long abc[] = {a, b, c};
    rt_response *r = get_ok(&rw, "/api/users?name=tie&sort=name");
    assert_ids(r, abc, 3);
    rt_response_free(r);
    r = get_ok(&rw, "/api/users?name=tie&sort=-name");
    assert_ids(r, abc, 3);
    rt_response_free(r);
    /* stable pages over the tie */
    for (long long i = 0; i < 3; i++) {
        char path[96];
        snprintf(path, sizeof path, "/api/users?name=tie&sort=-name&limit=1&offset=%lld", i);
        r = get_ok(&rw, path);
        assert_ids(r, &abc[i], 1);
        rt_response_free(r);
    }
    /* NULL is the smallest value: first ascending, last descending */
    const long long up[] = {b, c, a}, down[] = {a, c, b};
    r = get_ok(&rw, "/api/users?name=tie&sort=fullname");
    assert_ids(r, up, 3);
    rt_response_free(r);
    r = get_ok(&rw, "/api/users?name=tie&sort=-fullname");
    assert_ids(r, down, 3);
    rt_response_free(r);
}
END_TEST

/* Writers on several connections at once: every request succeeds (the
 * server serialises SQLite writers and retries when the file is busy). */
typedef struct writer {
    const rt_server *s;
    int index, created;
    long last_bad;
} writer;

static void *write_users(void *ud)
{
    writer *w = ud;
    for (int i = 0; i < 10; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"name\":\"conc-%d-%d\"}", w->index, i);
        rt_response *r = rt_send_json(w->s, "POST", "/api/users", body);
        if (r->status == 201) w->created++;
        else w->last_bad = r->status;
        rt_response_free(r);
    }
    return NULL;
}

START_TEST(test_concurrent_writes)
{
    rt_response *r = get_ok(&rw, "/healthz"); /* libcurl set up before the threads */
    rt_response_free(r);
    writer w[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (writer){.s = &rw, .index = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, write_users, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 8; i++)
        ck_assert_msg(w[i].created == 10, "writer %d: %d of 10 created, last failure %ld", i,
                      w[i].created, w[i].last_bad);
    char *n = rt_db_scalar(&rw, "SELECT count(*) FROM users WHERE name LIKE 'conc-%'");
    ck_assert_str_eq(n, "80");
    free(n);
}
END_TEST

/* The README tour: create, read, replace, update and delete a user and
 * its addresses. */
START_TEST(test_user_and_address_walkthrough)
{
    long long uid = create(&rw, "/api/users",
                           "{\"name\":\"walker\",\"fullname\":\"Walker Texas\",\"password\":\"pw\"}");
    char upath[64], body[256], apath[64];
    snprintf(upath, sizeof upath, "/api/users/%lld", uid);
    snprintf(body, sizeof body, "{\"email_address\":\"walker@example.com\",\"user_id\":%lld}", uid);
    rt_response *r = rt_send_json(&rw, "POST", "/api/addresses", body);
    RT_ASSERT_STATUS(r, 201);
    long long aid = rt_json_int(r, "id");
    snprintf(apath, sizeof apath, "/api/addresses/%lld", aid);
    ck_assert_str_eq(rt_header(r, "Location"), apath);
    ck_assert_int_eq(rt_json_int(r, "user_id"), uid);
    rt_response_free(r);

    snprintf(body, sizeof body, "/api/addresses?user_id=%lld", uid);
    r = get_ok(&rw, body);
    assert_ids(r, &aid, 1);
    ck_assert_str_eq(rt_json_str(r, "data.0.email_address"), "walker@example.com");
    rt_response_free(r);

    snprintf(body, sizeof body, "{\"email_address\":\"w2@example.com\",\"user_id\":%lld}", uid);
    r = rt_send_json(&rw, "PUT", apath, body);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "email_address"), "w2@example.com");
    rt_response_free(r);

    r = rt_send_json(&rw, "PATCH", apath, "{\"email_address\":\"w3@example.com\"}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "email_address"), "w3@example.com");
    ck_assert_int_eq(rt_json_int(r, "user_id"), uid);
    rt_response_free(r);

    r = rt_send_json(&rw, "PATCH", upath, "{\"fullname\":\"Walker T\"}");
    RT_ASSERT_STATUS(r, 200);
    rt_response_free(r);

    r = rt_request(&rw, "DELETE", apath, NULL, NULL, NULL);
    RT_ASSERT_STATUS(r, 204);
    rt_response_free(r);
    r = rt_get(&rw, apath);
    RT_ASSERT_STATUS(r, 404);
    rt_response_free(r);

    r = rt_request(&rw, "DELETE", upath, NULL, NULL, NULL);
    RT_ASSERT_STATUS(r, 204);
    rt_response_free(r);
    r = rt_get(&rw, upath);
    RT_ASSERT_STATUS(r, 404);
    rt_response_free(r);
}
END_TEST

/* users.addresses is "all, delete-orphan": deleting a user deletes its
 * addresses (SPEC §3 DELETE "with the relationship cascades"). */
START_TEST(test_delete_cascades)
{
    long long uid = create(&rw, "/api/users", "{\"name\":\"cascade\"}");
    char body[128], upath[64], apath[64];
    snprintf(body, sizeof body, "{\"email_address\":\"c@example.com\",\"user_id\":%lld}", uid);
    long long aid = create(&rw, "/api/addresses", body);
    snprintf(upath, sizeof upath, "/api/users/%lld", uid);
    snprintf(apath, sizeof apath, "/api/addresses/%lld", aid);
    rt_response *r = rt_request(&rw, "DELETE", upath, NULL, NULL, NULL);
    RT_ASSERT_STATUS(r, 204);
    rt_response_free(r);
    r = rt_get(&rw, apath);
    RT_ASSERT_STATUS(r, 404);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ keys */

START_TEST(test_composite_integer_key)
{
    rt_response *r = rt_send_json(&keys, "POST", "/api/cells", "{\"row\":1,\"col\":2,\"value\":\"a\"}");
    RT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(rt_header(r, "Location"), "/api/cells/1,2");
    ck_assert_str_eq(rt_json_str(r, "_links.self"), "/api/cells/1,2");
    rt_response_free(r);
    r = rt_send_json(&keys, "POST", "/api/cells", "[{\"row\":2,\"col\":1},{\"row\":2,\"col\":2}]");
    RT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(rt_json_str(r, "data.0._links.self"), "/api/cells/2,1");
    ck_assert_str_eq(rt_json_str(r, "data.1._links.self"), "/api/cells/2,2");
    rt_response_free(r);
    r = get_ok(&keys, "/api/cells?row=2&sort=-col");
    ck_assert_str_eq(rt_json_str(r, "data.0._links.self"), "/api/cells/2,2");
    ck_assert_str_eq(rt_json_str(r, "data.1._links.self"), "/api/cells/2,1");
    rt_response_free(r);
}
END_TEST

START_TEST(test_composite_key_routes)
{
    rt_response *r = rt_send_json(&keys, "POST", "/api/cells", "{\"row\":7,\"col\":8,\"value\":\"x\"}");
    RT_ASSERT_STATUS(r, 201);
    rt_response_free(r);
    r = rt_send_json(&keys, "POST", "/api/cells", "{\"row\":8,\"col\":7,\"value\":\"y\"}");
    RT_ASSERT_STATUS(r, 201);
    rt_response_free(r);

    r = get_ok(&keys, "/api/cells/7,8");
    ck_assert_int_eq(rt_json_int(r, "row"), 7);
    ck_assert_int_eq(rt_json_int(r, "col"), 8);
    ck_assert_str_eq(rt_json_str(r, "value"), "x");
    rt_response_free(r);
    r = get_ok(&keys, "/api/cells/8,7");
    ck_assert_str_eq(rt_json_str(r, "value"), "y");
    rt_response_free(r);

    static const char *const missing[] = {"/api/cells/7", "/api/cells/7,9", "/api/cells/7,8,9",
                                          "/api/cells/,8", "/api/cells/7,", "/api/cells/a,8"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        r = rt_get(&keys, missing[i]);
        rt_assert_problem(r, 404, NULL);
        rt_response_free(r);
    }

    r = rt_send_json(&keys, "PATCH", "/api/cells/7,8", "{\"value\":\"x2\"}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "value"), "x2");
    rt_response_free(r);
    r = rt_send_json(&keys, "PUT", "/api/cells/7,8", "{\"row\":7,\"col\":8}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert(json_is_null(rt_json_at(r, "value")));
    rt_response_free(r);
    /* a key in the body that contradicts the URL */
    char *before = rt_db_fingerprint(&keys);
    r = rt_send_json(&keys, "PATCH", "/api/cells/7,8", "{\"col\":9}");
    rt_assert_problem(r, 400, "/col");
    rt_response_free(r);
    char *after = rt_db_fingerprint(&keys);
    ck_assert_msg(strcmp(before, after) == 0, "a rejected PATCH wrote");
    free(before);
    free(after);

    r = rt_request(&keys, "DELETE", "/api/cells/7,8", NULL, NULL, NULL);
    RT_ASSERT_STATUS(r, 204);
    rt_response_free(r);
    r = rt_get(&keys, "/api/cells/7,8");
    RT_ASSERT_STATUS(r, 404);
    rt_response_free(r);
    r = get_ok(&keys, "/api/cells/8,7");
    rt_response_free(r);
}
END_TEST

/* POST a tag, check its Location and self link, and read it back through
 * that link. */
static void tag_roundtrip(const char *body, const char *want_path)
{
    rt_response *r = rt_send_json(&keys, "POST", "/api/tags", body);
    RT_ASSERT_STATUS(r, 201);
    const char *loc = rt_header(r, "Location");
    ck_assert_msg(loc && strcmp(loc, want_path) == 0, "Location %s, expected %s",
                  loc ? loc : "(none)", want_path);
    ck_assert_str_eq(rt_json_str(r, "_links.self"), want_path);
    json_t *posted = json_loads(body, 0, NULL);
    rt_response_free(r);

    r = rt_get(&keys, want_path);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(rt_json_str(r, "ns"), json_string_value(json_object_get(posted, "ns")));
    ck_assert_str_eq(rt_json_str(r, "name"), json_string_value(json_object_get(posted, "name")));
    json_decref(posted);
    rt_response_free(r);
}

START_TEST(test_string_keys_encoded)
{
    tag_roundtrip("{\"ns\":\"plain\",\"name\":\"key\"}", "/api/tags/plain,key");
    tag_roundtrip("{\"ns\":\"a b\",\"name\":\"x%y\"}", "/api/tags/a%20b,x%25y");
    tag_roundtrip("{\"ns\":\"caf\\u00e9\",\"name\":\"q?&=#\"}", "/api/tags/caf%C3%A9,q%3F%26%3D%23");
    tag_roundtrip("{\"ns\":\"a+b\",\"name\":\"~._-\"}", "/api/tags/a%2Bb,~._-");
}
END_TEST

/* ',' separates key parts and '/' path segments: inside a key part they
 * are percent-encoded in _links and must route back to the same row. */
START_TEST(test_string_keys_with_comma)
{
    tag_roundtrip("{\"ns\":\"x\",\"name\":\"c,d\"}", "/api/tags/x,c%2Cd");
    tag_roundtrip("{\"ns\":\"a,b\",\"name\":\"y\"}", "/api/tags/a%2Cb,y");
}
END_TEST

START_TEST(test_string_keys_with_slash)
{
    tag_roundtrip("{\"ns\":\"p/q\",\"name\":\"z\"}", "/api/tags/p%2Fq,z");
}
END_TEST

START_TEST(test_hidden_and_write_only)
{
    rt_response *r = get_ok(&keys, "/api");
    json_t *secrets = find_named(rt_json_at(r, "resources"), "secrets");
    ck_assert_msg(secrets != NULL, "%s", r->body);
    ck_assert_msg(find_named(json_object_get(secrets, "columns"), "token") == NULL,
                  "a hidden column is listed: %s", r->body);
    assert_column(secrets, "pin", "string", 1, 0, 0, 1);
    ck_assert_uint_eq(json_array_size(json_object_get(secrets, "columns")), 4);
    rt_response_free(r);

    long long id = create(&keys, "/api/secrets", "{\"label\":\"hid\",\"pin\":\"9876\"}");
    char path[64];
    snprintf(path, sizeof path, "/api/secrets/%lld", id);
    r = get_ok(&keys, path);
    ck_assert_msg(!rt_json_at(r, "token") && !rt_json_at(r, "pin"), "hidden/write_only output: %s",
                  r->body);
    ck_assert_str_eq(rt_json_str(r, "label"), "hid");
    rt_response_free(r);
    char *token = db_value(&keys, "secrets", "token", id);
    ck_assert_msg(token && strcmp(token, "t0") == 0, "hidden column default not applied: %s", token);
    free(token);
    char *pin = db_value(&keys, "secrets", "pin", id);
    ck_assert_str_eq(pin, "9876");
    free(pin);

    r = get_ok(&keys, "/api/secrets");
    ck_assert_msg(!strstr(r->body, "9876") && !strstr(r->body, "\"token\""), "%s", r->body);
    rt_response_free(r);
}
END_TEST

Suite *http_crud_suite(void)
{
    Suite *s = suite_create("http_crud");
    RT_TCASE(s, "read", ro_start, ro_stop, 60, test_index_lists_every_resource, test_healthz, test_list_users,
             test_list_next_links, test_list_offset_paging, test_list_offset_past_end_and_limit_zero, test_list_sort,
             test_list_shorthand_count_fields, test_get_one_user, test_head, test_server_timing);
    RT_TCASE(s, "write", rw_start, rw_stop, 60, test_post_one, test_post_array, test_post_array_all_or_nothing,
             test_put_replaces, test_patch_updates_part, test_delete, test_sort_ties_and_nulls,
             test_concurrent_writes, test_user_and_address_walkthrough, test_delete_cascades);
    RT_TCASE(s, "keys", keys_start, keys_stop, 60, test_composite_integer_key, test_composite_key_routes,
             test_string_keys_encoded, test_string_keys_with_comma, test_string_keys_with_slash,
             test_put_defaults_and_required, test_hidden_and_write_only);
    return s;
}
