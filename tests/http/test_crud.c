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

/* Each user object of the list at path (NULL: the body is one) as
 * assert_user_object. */
static void assert_user_objects(const rt_response *r, const char *path)
{
    if (!path) {
        assert_user_object(r->json);
        return;
    }
    size_t i;
    json_t *o;
    json_array_foreach(rt_json_at(r, path), i, o) assert_user_object(o);
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
    rt_response *r = rt_checked(&ro, "/api", "@json");
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

START_TEST(test_healthz) { rt_check(&ro, "/healthz", "status = 'ok'"); }
END_TEST

/* ------------------------------------------------------------ lists */

START_TEST(test_list_users)
{
    rt_response *r = rt_checked(&ro, "/api/users",
                                "data[].id = [1,2,3,4,5]; data.0.name = 'ed'; data.0.fullname = 'Ed Jones'; "
                                "meta.limit = 20; meta.offset = 0; !meta.total; links.self = '/api/users'; "
                                "!links.next; !links.prev"); /* no total without count=exact, one page */
    assert_user_objects(r, "data");
    ck_assert_msg(strstr(r->body, "f8s7ccs") == NULL, "a password value was output");
    rt_response_free(r);
}
END_TEST

/* Follow links.next from ?limit=2 to the end: every row once, in order. */
START_TEST(test_list_next_links)
{
    static const char *const pages[] = {"data[].id = [1,2]; meta.limit = 2; !links.prev", "data[].id = [3,4]; meta.limit = 2",
                                        "data[].id = [5]; meta.limit = 2; !links.next"};
    char next[512] = "/api/users?limit=2";
    for (size_t i = 0; i < 3; i++) {
        rt_response *r = rt_checked(&ro, next, pages[i]);
        if (i < 2) {
            json_t *n = rt_json_at(r, "links.next");
            ck_assert_msg(json_is_string(n), "%s: no next link: %s", r->what, r->body);
            snprintf(next, sizeof next, "%s", json_string_value(n));
            ck_assert_msg(strncmp(next, "/api/users?", 11) == 0 && strstr(next, "limit=2"), "next link %s", next);
        }
        rt_response_free(r);
    }
}
END_TEST

START_TEST(test_list_offset_paging)
{
    rt_response *r = rt_checked(&ro, "/api/users?limit=2&offset=2",
                                "data[].id = [3,4]; meta.offset = 2; links.self = '/api/users?limit=2&offset=2'");
    char prev[512], next[512];
    snprintf(prev, sizeof prev, "%s", rt_json_str(r, "links.prev"));
    snprintf(next, sizeof next, "%s", rt_json_str(r, "links.next"));
    rt_response_free(r);
    rt_check(&ro, prev, "data[].id = [1,2]; !links.prev");
    rt_check(&ro, next, "data[].id = [5]; !links.next");
    rt_check(&ro, "/api/users?offset=4", "data[].id = [5]; meta.offset = 4");
}
END_TEST

START_TEST(test_list_offset_past_end_and_limit_zero)
{
    RT_CASES(&ro,
        {"/api/users?offset=10", "data[].id = []; meta.offset = 10; !links.next"},
        {"/api/users?limit=0&count=exact", "data[].id = []; meta.limit = 0; meta.total = 5"},
        {"/api/users?limit=1000", "meta.limit = 1000"}, /* max_page_size itself is allowed */
    );
}
END_TEST

START_TEST(test_list_sort)
{
    RT_CASES(&ro,
        {"/api/users?sort=name", "data[].name = ['ed', 'fred', 'jack', 'mary', 'wendy']"},
        {"/api/users?sort=-name", "data[].name = ['wendy', 'mary', 'jack', 'fred', 'ed']"},
        {"/api/users?sort=-id&limit=2", "data[].id = [5,4]"},
    );
}
END_TEST

START_TEST(test_list_shorthand_count_fields)
{
    RT_CASES(&ro,
        {"/api/users?name=ed", "data[].id = [1]"},
        {"/api/users?fullname=Ed%20Jones", "data[].id = [1]; links.self = '/api/users?fullname=Ed%20Jones'"},
        {"/api/users?id=3", "data[].id = [3]"},
        {"/api/users?name=nobody&count=exact", "data[].id = []; meta.total = 0"},
        {"/api/users?count=exact&limit=2", "meta.total = 5; data # 2"},
        {"/api/addresses?user_id=5&count=exact", "meta.total = 2"},
    );
    rt_response *r = rt_checked(&ro, "/api/users?fields=name", "data # 5");
    size_t i;
    json_t *o;
    json_array_foreach(rt_json_at(r, "data"), i, o) {
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
    rt_response *r =
        rt_checked(&ro, "/api/users/1", "id = 1; name = 'ed'; fullname = 'Ed Jones'; version = 1; _links.self = '/api/users/1'");
    assert_user_objects(r, NULL);
    ck_assert_msg(strncmp(rt_header(r, "Content-Type"), "application/json", 16) == 0, "ctype");
    rt_response_free(r);
    rt_check(&ro, "/api/addresses/2",
             "email_address = 'j25@yahoo.com'; user_id = 5; _links.self = '/api/addresses/2'");
}
END_TEST

START_TEST(test_head)
{
    static const char *const heads[] = {"HEAD /api/users", "HEAD /api/users/1", "HEAD /api", "HEAD /healthz"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        rt_response *r = rt_checked(&ro, heads[i], "@empty");
        const char *ct = rt_header(r, "Content-Type");
        ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "%s: Content-Type %s", r->what,
                      ct ? ct : "(none)");
        rt_response_free(r);
    }
}
END_TEST

START_TEST(test_server_timing)
{
    RT_CASES(&ro,
        /* users embed addresses by default (lazy selectin): one more statement */
        {"/api/users/1", "@queries = 2"},
        {"/api/keywords/1", "@queries = 1"},
        {"/api/users?count=exact", "@queries = 3"}, /* list, selectin, count */
        {"/api/users", "@queries = 2"},
        {"/api/keywords?count=exact", "@queries = 2"},
    );
    /* present on answers that run no statement too, and on errors */
    static const char *const paths[] = {"/api", "/healthz", "/api/nosuch", "/api/users/999", "/api/users?limit=abc"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        rt_response *r = rt_get(&ro, paths[i]);
        ck_assert_msg(rt_queries(r) >= 0, "%s: Server-Timing %s", r->what,
                      rt_header(r, "Server-Timing") ? rt_header(r, "Server-Timing") : "(none)");
        rt_response_free(r);
    }
}
END_TEST

/* ------------------------------------------------------------ writes */

START_TEST(test_post_one)
{
    char *before = rt_db_fingerprint(&rw);
    /* the INSERT only: the new user's addresses (the default selectin) are
     * known empty (orm/flush.c, settle_new_collections) */
    rt_response *r = rt_checked(&rw, "POST /api/users {\"name\":\"alice\",\"fullname\":\"Alice A\",\"password\":\"s3cret\"}",
                                "201 name = 'alice'; fullname = 'Alice A'; version = 1; addresses # 0; @queries = 1");
    assert_user_objects(r, NULL);
    long long id = rt_json_int(r, "id");
    char self[64];
    snprintf(self, sizeof self, "/api/users/%lld", id);
    const char *loc = rt_header(r, "Location");
    ck_assert_msg(loc && strcmp(loc, self) == 0, "Location %s, expected %s", loc ? loc : "(none)", self);
    ck_assert_str_eq(rt_json_str(r, "_links.self"), self);
    rt_response_free(r);
    char *after = rt_db_fingerprint(&rw);
    ck_assert_msg(strcmp(before, after) != 0, "the fingerprint missed a new row");
    free(before);
    free(after);

    rt_check(&rw, self, "name = 'alice'");
    rt_assert_sql(&rw, "s3cret", "SELECT password FROM users WHERE id = %lld", id); /* write_only, stored as given */
}
END_TEST

START_TEST(test_post_array)
{
    rt_response *r = rt_checked(&rw, "POST /api/users [{\"name\":\"bulk1\"},{\"name\":\"bulk2\",\"fullname\":\"B Two\"}]",
                                "201 !@Location; data # 2; data.0.name = 'bulk1'; data.1.fullname = 'B Two'");
    assert_user_objects(r, "data");
    for (size_t i = 0; i < 2; i++) /* each can be read */
        rt_check(&rw, rt_fmt("/api/users/%lld", rt_json_int_in(r, json_array_get(rt_json_at(r, "data"), i), "id")),
                 "@json");
    rt_response_free(r);
}
END_TEST

/* One bad item: nothing of the array is written. */
START_TEST(test_post_array_all_or_nothing)
{
    RT_REFUSED(&rw,
        {"POST /api/users [{\"name\":\"aon1\"},{\"fullname\":\"no name\"}]", "422 /1/name"},
        {"POST /api/users [{\"name\":\"aon2\"},{\"name\":7}]", "400 /1/name"},
        /* the second insert fails in the database, after the first one ran */
        {"POST /api/keywords [{\"keyword\":\"aon3\"},{\"keyword\":\"firstpost\"}]", "409"},
        {"POST /api/keywords [{\"keyword\":\"aon4\"},{\"keyword\":\"aon4\"}]", "409"},
    );
    rt_check(&rw, "/api/users?name=aon1", "data[].id = []");
}
END_TEST

START_TEST(test_put_replaces)
{
    long long id = rt_create(&rw, "POST /api/users {\"name\":\"putme\",\"fullname\":\"Put Me\",\"password\":\"pw\"}");
    /* omitted columns become NULL, the password too (never output) */
    rt_check(&rw, rt_fmt("PUT /api/users/%lld {\"name\":\"put2\"}", id),
             rt_fmt("id = %lld; name = 'put2'; fullname = null; version = 2; !password", id));
    rt_assert_sql(&rw, "NULL", "SELECT password FROM users WHERE id = %lld", id);
    /* the key may be repeated in the body when it matches the URL */
    rt_check(&rw, rt_fmt("PUT /api/users/%lld {\"id\":%lld,\"name\":\"put3\",\"fullname\":\"F\"}", id, id),
             "fullname = 'F'; version = 3");
    rt_check(&rw, rt_fmt("/api/users/%lld", id), "name = 'put3'");
}
END_TEST

/* keys.json secrets: label NOT NULL (omitted on PUT: 422), kind has the
 * default "basic", pin is write_only, token hidden (never touched) */
START_TEST(test_put_defaults_and_required)
{
    long long id = rt_create(&keys, "POST /api/secrets {\"label\":\"l1\",\"pin\":\"1\",\"kind\":\"fancy\"}");
    RT_CASES_AT(&keys, rt_fmt("/api/secrets/%lld", id),
        {"PUT %s {\"pin\":\"2\"}", "422 /label; @unchanged"},
        {"PUT %s {\"label\":\"l2\"}", "label = 'l2'; kind = 'basic'"},
    );
    rt_assert_sql(&keys, "NULL", "SELECT pin FROM secrets WHERE id = %lld", id);
    rt_assert_sql(&keys, "t0", "SELECT token FROM secrets WHERE id = %lld", id);
}
END_TEST

START_TEST(test_patch_updates_part)
{
    long long id = rt_create(&rw, "POST /api/users {\"name\":\"patchme\",\"fullname\":\"Patch Me\",\"password\":\"keep\"}");
    rt_check(&rw, rt_fmt("PATCH /api/users/%lld {\"fullname\":\"Patched\"}", id),
             "name = 'patchme'; fullname = 'Patched'; version = 2");
    rt_assert_sql(&rw, "keep", "SELECT password FROM users WHERE id = %lld", id); /* omitted: unchanged */
    RT_CASES_AT(&rw, rt_fmt("/api/users/%lld", id),
        {"PATCH %s {\"fullname\":null}", "fullname = null; version = 3"},
        {"%s", "version = 3; name = 'patchme'"},
    );
}
END_TEST

START_TEST(test_delete)
{
    long long id = rt_create(&rw, "POST /api/users {\"name\":\"deleteme\"}");
    rt_check(&rw, rt_fmt("DELETE /api/users/%lld", id), "204 @empty");
    rt_check(&rw, rt_fmt("/api/users/%lld", id), "404");
    rt_check(&rw, rt_fmt("DELETE /api/users/%lld", id), "404"); /* twice */
    rt_assert_sql(&rw, "0", "SELECT count(*) FROM users WHERE id = %lld", id);
}
END_TEST

START_TEST(test_sort_ties_and_nulls)
{
    /* three users with the same name: the key breaks the tie, ascending,
     * whichever the direction of the sort */
    long long a = rt_create(&rw, "POST /api/users {\"name\":\"tie\",\"fullname\":\"b\"}");
    long long b = rt_create(&rw, "POST /api/users {\"name\":\"tie\"}");
    long long c = rt_create(&rw, "POST /api/users {\"name\":\"tie\",\"fullname\":\"a\"}");
    const long long abc[] = {a, b, c};
    const char *ids = rt_fmt("data[].id = [%lld,%lld,%lld]", a, b, c);
    rt_check(&rw, "/api/users?name=tie&sort=name", ids);
    rt_check(&rw, "/api/users?name=tie&sort=-name", ids);
    /* stable pages over the tie */
    for (long long i = 0; i < 3; i++)
        rt_check(&rw, rt_fmt("/api/users?name=tie&sort=-name&limit=1&offset=%lld", i),
                 rt_fmt("data[].id = [%lld]", abc[i]));
    /* NULL is the smallest value: first ascending, last descending */
    rt_check(&rw, "/api/users?name=tie&sort=fullname", rt_fmt("data[].id = [%lld,%lld,%lld]", b, c, a));
    rt_check(&rw, "/api/users?name=tie&sort=-fullname", rt_fmt("data[].id = [%lld,%lld,%lld]", a, c, b));
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
    rt_check(&rw, "/healthz", "@json"); /* libcurl set up before the threads */
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
    long long uid =
        rt_create(&rw, "POST /api/users {\"name\":\"walker\",\"fullname\":\"Walker Texas\",\"password\":\"pw\"}");
    char upath[64], apath[64];
    snprintf(upath, sizeof upath, "/api/users/%lld", uid);
    rt_response *r =
        rt_checked(&rw, rt_fmt("POST /api/addresses {\"email_address\":\"walker@example.com\",\"user_id\":%lld}", uid),
                   rt_fmt("201 user_id = %lld", uid));
    long long aid = rt_json_int(r, "id");
    snprintf(apath, sizeof apath, "/api/addresses/%lld", aid);
    ck_assert_str_eq(rt_header(r, "Location"), apath);
    rt_response_free(r);

    rt_check(&rw, rt_fmt("/api/addresses?user_id=%lld", uid),
             rt_fmt("data[].id = [%lld]; data.0.email_address = 'walker@example.com'", aid));
    rt_check(&rw, rt_fmt("PUT %s {\"email_address\":\"w2@example.com\",\"user_id\":%lld}", apath, uid),
             "email_address = 'w2@example.com'");
    rt_check(&rw, rt_fmt("PATCH %s {\"email_address\":\"w3@example.com\"}", apath),
             rt_fmt("email_address = 'w3@example.com'; user_id = %lld", uid));
    rt_check(&rw, rt_fmt("PATCH %s {\"fullname\":\"Walker T\"}", upath), "200");
    RT_CASES_AT(&rw, apath, {"DELETE %s", "204"}, {"%s", "404"});
    RT_CASES_AT(&rw, upath, {"DELETE %s", "204"}, {"%s", "404"});
}
END_TEST

/* users.addresses is "all, delete-orphan": deleting a user deletes its
 * addresses (SPEC §3 DELETE "with the relationship cascades"). */
START_TEST(test_delete_cascades)
{
    long long uid = rt_create(&rw, "POST /api/users {\"name\":\"cascade\"}");
    long long aid = rt_create(&rw, "POST /api/addresses {\"email_address\":\"c@example.com\",\"user_id\":%lld}", uid);
    rt_check(&rw, rt_fmt("DELETE /api/users/%lld", uid), "204");
    rt_check(&rw, rt_fmt("/api/addresses/%lld", aid), "404");
}
END_TEST

/* ------------------------------------------------------------ keys */

START_TEST(test_composite_integer_key)
{
    RT_CASES(&keys,
        {"POST /api/cells {\"row\":1,\"col\":2,\"value\":\"a\"}",
         "201 @Location = /api/cells/1,2; _links.self = '/api/cells/1,2'"},
        {"POST /api/cells [{\"row\":2,\"col\":1},{\"row\":2,\"col\":2}]",
         "201 data[]._links.self = ['/api/cells/2,1', '/api/cells/2,2']"},
        {"/api/cells?row=2&sort=-col", "data[]._links.self = ['/api/cells/2,2', '/api/cells/2,1']"},
    );
}
END_TEST

START_TEST(test_composite_key_routes)
{
    RT_CASES(&keys,
        {"POST /api/cells {\"row\":7,\"col\":8,\"value\":\"x\"}", "201"},
        {"POST /api/cells {\"row\":8,\"col\":7,\"value\":\"y\"}", "201"},
        {"/api/cells/7,8", "row = 7; col = 8; value = 'x'"},
        {"/api/cells/8,7", "value = 'y'"},
        {"/api/cells/7", "404"},
        {"/api/cells/7,9", "404"},
        {"/api/cells/7,8,9", "404"},
        {"/api/cells/,8", "404"},
        {"/api/cells/7,", "404"},
        {"/api/cells/a,8", "404"},
        {"PATCH /api/cells/7,8 {\"value\":\"x2\"}", "value = 'x2'"},
        {"PUT /api/cells/7,8 {\"row\":7,\"col\":8}", "value = null"},
        /* a key in the body that contradicts the URL */
        {"PATCH /api/cells/7,8 {\"col\":9}", "400 /col; @unchanged"},
        {"DELETE /api/cells/7,8", "204"},
        {"/api/cells/7,8", "404"},
        {"/api/cells/8,7", "@json"},
    );
}
END_TEST

/* POST a tag, check its Location and self link, and read it back through
 * that link. */
static void tag_roundtrip(const char *body, const char *want_path)
{
    json_t *posted = json_loads(body, 0, NULL);
    const char *ns = json_string_value(json_object_get(posted, "ns"));
    const char *name = json_string_value(json_object_get(posted, "name"));
    rt_check(&keys, rt_fmt("POST /api/tags %s", body),
             rt_fmt("201 @Location = %s; _links.self = \"%s\"", want_path, want_path));
    rt_response *r = rt_checked(&keys, want_path, "200");
    ck_assert_str_eq(rt_json_str(r, "ns"), ns);
    ck_assert_str_eq(rt_json_str(r, "name"), name);
    rt_response_free(r);
    json_decref(posted);
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
    rt_response *r = rt_checked(&keys, "/api", "@json");
    json_t *secrets = find_named(rt_json_at(r, "resources"), "secrets");
    ck_assert_msg(secrets != NULL, "%s", r->body);
    ck_assert_msg(find_named(json_object_get(secrets, "columns"), "token") == NULL,
                  "a hidden column is listed: %s", r->body);
    assert_column(secrets, "pin", "string", 1, 0, 0, 1);
    ck_assert_uint_eq(json_array_size(json_object_get(secrets, "columns")), 4);
    rt_response_free(r);

    long long id = rt_create(&keys, "POST /api/secrets {\"label\":\"hid\",\"pin\":\"9876\"}");
    rt_check(&keys, rt_fmt("/api/secrets/%lld", id), "!token; !pin; label = 'hid'"); /* hidden, write_only */
    rt_assert_sql(&keys, "t0", "SELECT token FROM secrets WHERE id = %lld", id); /* the hidden column's default */
    rt_assert_sql(&keys, "9876", "SELECT pin FROM secrets WHERE id = %lld", id);
    r = rt_checked(&keys, "/api/secrets", "@json");
    ck_assert_msg(!strstr(r->body, "9876") && !strstr(r->body, "\"token\""), "%s", r->body);
    rt_response_free(r);
}
END_TEST

Suite *http_crud_suite(void)
{
    Suite *s = suite_create("http_crud");
    TS_TCASE(s, "read", ro_start, ro_stop, 60, test_index_lists_every_resource, test_healthz, test_list_users,
             test_list_next_links, test_list_offset_paging, test_list_offset_past_end_and_limit_zero, test_list_sort,
             test_list_shorthand_count_fields, test_get_one_user, test_head, test_server_timing);
    TS_TCASE(s, "write", rw_start, rw_stop, 60, test_post_one, test_post_array, test_post_array_all_or_nothing,
             test_put_replaces, test_patch_updates_part, test_delete, test_sort_ties_and_nulls,
             test_concurrent_writes, test_user_and_address_walkthrough, test_delete_cascades);
    TS_TCASE(s, "keys", keys_start, keys_stop, 60, test_composite_integer_key, test_composite_key_routes,
             test_string_keys_encoded, test_string_keys_with_comma, test_string_keys_with_slash,
             test_put_defaults_and_required, test_hidden_and_write_only);
    return s;
}
