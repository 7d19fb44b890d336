/* test_relationships.c: relationship loading end to end (SPEC §2, §3, §4):
 * the example schemas (blog, tree, orders, graph, company), every
 * relationship kind under every strategy, joined and selectin answering
 * byte-identical JSON, filter + include, paging with joined collections,
 * cycles in include paths, the statement budget reported by Server-Timing
 * (at most 1 + selectin nodes, whatever N), the identity map, sub-resources,
 * dynamic / noload / select relationships and single-table inheritance.
 *
 * One server per schema, one TCase per server:
 *   "blog"     schemas/blog.json (+ seed, + a second post sharing a keyword)
 *   "tree"     schemas/tree.json       adjacency list
 *   "orders"   schemas/orders.json     association object + many-to-many through it
 *   "graph"    schemas/graph.json      two foreign keys to one table, custom joins
 *   "company"  schemas/company.json    single-table inheritance
 *   "variants" tests/http/schemas/kinds_{select,joined,selectin}.json: one
 *              schema with every relationship kind, three copies identical
 *              except for "lazy" (three servers, one per schema)
 *   "budget"   tests/http/schemas/budget.json with 1000 users and 1500
 *              addresses posted by the fixture */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"
#define TREE "schemas/tree.json"
#define TREE_SEED "schemas/tree.seed.json"
#define ORDERS "schemas/orders.json"
#define ORDERS_SEED "schemas/orders.seed.json"
#define GRAPH "schemas/graph.json"
#define GRAPH_SEED "schemas/graph.seed.json"
#define COMPANY "schemas/company.json"
#define COMPANY_SEED "schemas/company.seed.json"
#define KINDS_SELECT "tests/http/schemas/kinds_select.json"
#define KINDS_JOINED "tests/http/schemas/kinds_joined.json"
#define KINDS_SELECTIN "tests/http/schemas/kinds_selectin.json"
#define KINDS_SEED "tests/http/schemas/kinds.seed.json"
#define BUDGET "tests/http/schemas/budget.json"

#define BUDGET_USERS 1000

static rt_server blog, tree, orders, graph, company, kv_select, kv_joined, kv_selectin, budget;

/* ------------------------------------------------------------ helpers */

/* The K of Server-Timing: db;desc="K queries";dur=MS, or -1. */
static int timing_queries(const rt_response *r)
{
    const char *h = rt_header(r, "Server-Timing");
    int k = -1;
    double dur = -1;
    if (!h || sscanf(h, "db;desc=\"%d queries\";dur=%lf", &k, &dur) != 2 || dur < 0) return -1;
    return k;
}

#define ASSERT_QUERIES(r, k)                                                                      \
    ck_assert_msg(timing_queries(r) == (k), "%s: expected %d statements, Server-Timing: %s",      \
                  (r)->what, (int)(k),                                                           \
                  rt_header(r, "Server-Timing") ? rt_header(r, "Server-Timing") : "(none)")

/* At most k statements (a level with no key to look up runs none). */
#define ASSERT_QUERIES_MAX(r, k)                                                                  \
    ck_assert_msg(timing_queries(r) >= 1 && timing_queries(r) <= (k),                             \
                  "%s: expected at most %d statements, Server-Timing: %s", (r)->what, (int)(k),  \
                  rt_header(r, "Server-Timing") ? rt_header(r, "Server-Timing") : "(none)")

/* Percent-encode a query value (a ring of static buffers: up to 8 live at once). */
static const char *enc(const char *s)
{
    static char ring[8][2048];
    static int next;
    char *out = ring[next++ % 8];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 4 < sizeof ring[0]; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            out[k++] = (char)*p;
        else
            k += (size_t)snprintf(out + k, 4, "%%%02X", *p);
    }
    out[k] = '\0';
    return out;
}

/* GET a formatted path and assert the status (and a JSON body). */
static rt_response *__attribute__((format(printf, 3, 4))) getf(const rt_server *s, int status, const char *fmt, ...)
{
    char path[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    rt_response *r = rt_get(s, path);
    RT_ASSERT_STATUS(r, status);
    ck_assert_msg(r->json != NULL || !strcmp(r->body, "null"), "%s: body is not JSON: %.300s", r->what,
                  r->body);
    return r;
}

/* The member at a dotted path ("data.0.children") under root, or NULL. */
static json_t *jget(json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save)) {
        if (json_is_array(cur)) {
            char *end;
            long i = strtol(k, &end, 10);
            cur = *end ? NULL : json_array_get(cur, (size_t)i);
        } else {
            cur = json_object_get(cur, k);
        }
    }
    return cur;
}

/* "a,b,c": arr[i][key] of an array of objects (integers, or the JSON of
 * anything else); "<missing>" when arr is not an array. */
static void ids_text(json_t *arr, const char *key, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    if (!json_is_array(arr)) {
        snprintf(out, len, "<%s>", arr ? "not an array" : "missing");
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        json_t *v = json_object_get(e, key);
        char one[64];
        if (json_is_integer(v)) snprintf(one, sizeof one, "%lld", (long long)json_integer_value(v));
        else snprintf(one, sizeof one, "<%s>", v ? "not an integer" : "no key");
        k += (size_t)snprintf(out + k, k < len ? len - k : 0, "%s%s", i ? "," : "", one);
    }
}

/* Assert the ids of the array at path (under r's body, or under node). */
static void expect_ids_at(const rt_response *r, json_t *node, const char *path, const char *key,
                          const char *want)
{
    char got[4096];
    json_t *arr = path && *path ? jget(node ? node : r->json, path) : node;
    ids_text(arr, key, got, sizeof got);
    ck_assert_msg(strcmp(got, want) == 0, "%s: %s[].%s is [%.300s], expected [%.300s]; body: %.1500s", r->what,
                  path && *path ? path : "(array)", key, got, want, r->body);
}

#define EXPECT_IDS(r, path, want) expect_ids_at(r, NULL, path, "id", want)
#define EXPECT_KEYS(r, path, key, want) expect_ids_at(r, NULL, path, key, want)

static long long int_at(const rt_response *r, json_t *node, const char *path)
{
    json_t *v = jget(node ? node : r->json, path);
    ck_assert_msg(json_is_integer(v), "%s: %s is not an integer: %.1000s", r->what, path, r->body);
    return (long long)json_integer_value(v);
}

static void expect_int(const rt_response *r, json_t *node, const char *path, long long want)
{
    long long got = int_at(r, node, path);
    ck_assert_msg(got == want, "%s: %s is %lld, expected %lld: %.1000s", r->what, path, got, want, r->body);
}

static void expect_str(const rt_response *r, json_t *node, const char *path, const char *want)
{
    const char *got = json_string_value(jget(node ? node : r->json, path));
    ck_assert_msg(got && strcmp(got, want) == 0, "%s: %s is %s, expected \"%s\": %.1000s", r->what, path,
                  got ? got : "(not a string)", want, r->body);
}

/* The object obj has (present) or has not the member name. */
static void expect_member(const rt_response *r, json_t *obj, const char *name, bool present)
{
    ck_assert_msg(json_is_object(obj), "%s: not an object where %s was expected: %.1000s", r->what, name, r->body);
    ck_assert_msg((json_object_get(obj, name) != NULL) == present, "%s: member \"%s\" %s: %.1000s", r->what,
                  name, present ? "missing" : "present but must not be", r->body);
}

/* obj._links.rel is want (NULL: no such link). */
static void expect_link(const rt_response *r, json_t *obj, const char *rel, const char *want)
{
    json_t *links = json_object_get(obj, "_links");
    ck_assert_msg(json_is_object(links), "%s: no _links: %.1000s", r->what, r->body);
    const char *got = json_string_value(json_object_get(links, rel));
    if (!want) {
        ck_assert_msg(json_object_get(links, rel) == NULL, "%s: _links.%s is given (%s) but must not be: %.1000s",
                      r->what, rel, got ? got : "?", r->body);
        return;
    }
    ck_assert_msg(got && strcmp(got, want) == 0, "%s: _links.%s is %s, expected %s: %.1000s", r->what, rel,
                  got ? got : "(none)", want, r->body);
}

/* Compact JSON of a node, members in the server's order (malloc'd). */
static char *dump(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    ck_assert(s != NULL);
    return s;
}

static size_t count_occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* The two nodes serialize to the same text; returns that text (malloc'd). */
static char *expect_same_object(const rt_response *r, json_t *a, json_t *b, const char *what)
{
    ck_assert_msg(a && b, "%s: %s: missing: %.1000s", r->what, what, r->body);
    char *x = dump(a), *y = dump(b);
    ck_assert_msg(strcmp(x, y) == 0, "%s: %s differ:\n  %.1500s\n  %.1500s", r->what, what, x, y);
    free(y);
    return x;
}

/* POST a JSON body, assert the status. */
static void post_ok(const rt_server *s, const char *path, const char *body, int status)
{
    rt_response *r = rt_send_json(s, "POST", path, body);
    RT_ASSERT_STATUS(r, status);
    rt_response_free(r);
}

/* ------------------------------------------------------------ blog */

static void blog_start(void)
{
    rt_server_start(&blog, BLOG, BLOG_SEED, NULL);
    /* the seed links post 1 to keywords 1 and 2; post 2 shares keyword 2 */
    post_ok(&blog, "/api/posts",
            "{\"id\": 2, \"user_id\": 5, \"headline\": \"Jack's post\", \"keywords\": [{\"id\": 2}]}", 201);
}
static void blog_stop(void) { rt_server_stop(&blog); }

/* select (the default): not embedded, a link is given instead. */
START_TEST(test_blog_select_is_a_link)
{
    rt_response *r = getf(&blog, 200, "/api/addresses/1");
    expect_member(r, r->json, "user", false);
    expect_link(r, r->json, "self", "/api/addresses/1");
    expect_link(r, r->json, "user", "/api/addresses/1/user");
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/posts/1");
    expect_member(r, r->json, "author", false);
    expect_member(r, r->json, "keywords", false);
    expect_link(r, r->json, "author", "/api/posts/1/author");
    expect_link(r, r->json, "keywords", "/api/posts/1/keywords");
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/addresses");
    EXPECT_IDS(r, "data", "1,2");
    for (int i = 0; i < 2; i++) {
        json_t *a = jget(r->json, i ? "data.1" : "data.0");
        expect_member(r, a, "user", false);
        char want[64];
        snprintf(want, sizeof want, "/api/addresses/%d/user", i + 1);
        expect_link(r, a, "user", want);
    }
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);
}
END_TEST

/* selectin: embedded by default (no link); with ?include exactly the listed ones. */
START_TEST(test_blog_selectin_embedded_by_default)
{
    rt_response *r = getf(&blog, 200, "/api/users/5");
    EXPECT_IDS(r, "addresses", "1,2");
    expect_link(r, r->json, "addresses", NULL);
    expect_member(r, r->json, "posts", false);
    expect_link(r, r->json, "posts", "/api/users/5/posts");
    ASSERT_QUERIES(r, 2);
    rt_response *same = getf(&blog, 200, "/api/users/5?include=addresses");
    ck_assert_msg(strcmp(r->body, same->body) == 0, "include=addresses differs from the default:\n%.1500s\n%.1500s", r->body,
                  same->body);
    rt_response_free(same);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/users");
    EXPECT_IDS(r, "data", "1,2,3,4,5");
    EXPECT_IDS(r, "data.0.addresses", "");
    EXPECT_IDS(r, "data.4.addresses", "1,2");
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);

    /* the include replaces the defaults: the user under an address does
     * not embed its addresses */
    r = getf(&blog, 200, "/api/addresses/1?include=user");
    expect_int(r, NULL, "user.id", 5);
    expect_str(r, NULL, "user.name", "jack");
    expect_member(r, jget(r->json, "user"), "addresses", false);
    expect_link(r, jget(r->json, "user"), "addresses", "/api/users/5/addresses");
    expect_link(r, r->json, "user", NULL);
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);
}
END_TEST

/* dynamic: never embedded, include is 400, reachable as a sub-resource with
 * list semantics. */
START_TEST(test_blog_dynamic)
{
    rt_response *r = getf(&blog, 200, "/api/users/2");
    expect_member(r, r->json, "posts", false);
    expect_link(r, r->json, "posts", "/api/users/2/posts");
    rt_response_free(r);

    static const char *const bad[] = {"/api/users/2?include=posts", "/api/users?include=addresses,posts",
                                      "/api/addresses?include=user.posts",
                                      "/api/users/5?include=addresses.user.posts"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = rt_get(&blog, bad[i]);
        rt_assert_problem(r, 400, "/query/include");
        rt_response_free(r);
    }

    r = getf(&blog, 200, "/api/users/2/posts");
    EXPECT_IDS(r, "data", "1");
    expect_int(r, NULL, "meta.limit", 20);
    expect_int(r, NULL, "meta.offset", 0);
    expect_str(r, NULL, "links.self", "/api/users/2/posts");
    expect_str(r, NULL, "data.0.headline", "Wendy's Blog Post");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/users/5/posts");
    EXPECT_IDS(r, "data", "2");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/users/1/posts");
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);

    r = getf(&blog, 200, "/api/users/2/posts?filter=%s&count=exact", enc("{\"headline\": {\"startswith\": \"Wendy\"}}"));
    EXPECT_IDS(r, "data", "1");
    expect_int(r, NULL, "meta.total", 1);
    rt_response_free(r);
    r = getf(&blog, 200, "/api/users/2/posts?filter=%s&count=exact", enc("{\"headline\": {\"startswith\": \"Jack\"}}"));
    EXPECT_IDS(r, "data", "");
    expect_int(r, NULL, "meta.total", 0);
    rt_response_free(r);
    r = getf(&blog, 200, "/api/users/5/posts?limit=0&count=exact");
    EXPECT_IDS(r, "data", "");
    expect_int(r, NULL, "meta.total", 1);
    rt_response_free(r);

    /* include on the sub-resource's rows */
    r = getf(&blog, 200, "/api/users/2/posts?include=keywords");
    EXPECT_IDS(r, "data.0.keywords", "1,2");
    rt_response_free(r);

    r = rt_get(&blog, "/api/users/99/posts");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
    r = rt_get(&blog, "/api/users/2/posts?bogus=1");
    rt_assert_problem(r, 400, "/query/bogus");
    rt_response_free(r);
}
END_TEST

START_TEST(test_blog_sub_resources)
{
    rt_response *r = getf(&blog, 200, "/api/users/5/addresses");
    EXPECT_IDS(r, "data", "1,2");
    expect_str(r, NULL, "links.self", "/api/users/5/addresses");
    expect_int(r, NULL, "meta.limit", 20);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/users/5/addresses?sort=-id");
    EXPECT_IDS(r, "data", "2,1");
    rt_response_free(r);

    r = getf(&blog, 200, "/api/users/5/addresses?limit=1&count=exact");
    EXPECT_IDS(r, "data", "1");
    expect_int(r, NULL, "meta.total", 2);
    const char *next = json_string_value(jget(r->json, "links.next"));
    ck_assert_msg(next && strncmp(next, "/api/users/5/addresses?", 23) == 0, "links.next: %.1500s", r->body);
    rt_response *r2 = getf(&blog, 200, "%s", next);
    EXPECT_IDS(r2, "data", "2");
    ck_assert_msg(jget(r2->json, "links.next") == NULL, "%s: a next link after the last page: %.1500s", r2->what,
                  r2->body);
    rt_response_free(r2);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/users/5/addresses?email_address=j25@yahoo.com");
    EXPECT_IDS(r, "data", "2");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/users/5/addresses?filter=%s",
             enc("{\"email_address\": {\"like\": \"%google%\"}}"));
    EXPECT_IDS(r, "data", "1");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/users/1/addresses");
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);

    /* a to-one: the object itself (with its own eager relationships) */
    r = getf(&blog, 200, "/api/addresses/1/user");
    expect_int(r, NULL, "id", 5);
    expect_str(r, NULL, "name", "jack");
    expect_member(r, r->json, "data", false);
    EXPECT_IDS(r, "addresses", "1,2");
    expect_link(r, r->json, "self", "/api/users/5");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/posts/1/author");
    expect_int(r, NULL, "id", 2);
    rt_response_free(r);

    /* many-to-many both ways */
    r = getf(&blog, 200, "/api/posts/1/keywords");
    EXPECT_IDS(r, "data", "1,2");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/keywords/2/posts");
    EXPECT_IDS(r, "data", "1,2");
    rt_response_free(r);
    r = getf(&blog, 200, "/api/keywords/2/posts?sort=-id&limit=1");
    EXPECT_IDS(r, "data", "2");
    rt_response_free(r);

    static const char *const missing[] = {"/api/users/999/addresses", "/api/users/abc/addresses",
                                          "/api/addresses/999/user", "/api/posts/9/keywords",
                                          "/api/users/5/nope"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        r = rt_get(&blog, missing[i]);
        rt_assert_problem(r, 404, NULL);
        rt_response_free(r);
    }
}
END_TEST

/* The identity map: the same keyword under two posts is one object,
 * serialized twice (the same text both times). */
START_TEST(test_blog_identity_map)
{
    rt_response *r = getf(&blog, 200, "/api/posts?include=keywords");
    EXPECT_IDS(r, "data", "1,2");
    EXPECT_IDS(r, "data.0.keywords", "1,2");
    EXPECT_IDS(r, "data.1.keywords", "2");
    ASSERT_QUERIES(r, 2);
    char *kw = expect_same_object(r, jget(r->json, "data.0.keywords.1"), jget(r->json, "data.1.keywords.0"),
                                  "keyword 2 under post 1 and under post 2");
    ck_assert_msg(count_occurrences(r->body, kw) == 2, "%s: keyword 2 is not serialized exactly twice as %.500s: %.2000s",
                  r->what, kw, r->body);
    free(kw);
    rt_response_free(r);

    /* one level deeper: both copies carry the same loaded collection */
    r = getf(&blog, 200, "/api/posts?include=keywords.posts");
    EXPECT_IDS(r, "data.0.keywords.1.posts", "1,2");
    EXPECT_IDS(r, "data.1.keywords.0.posts", "1,2");
    EXPECT_IDS(r, "data.0.keywords.0.posts", "1");
    free(expect_same_object(r, jget(r->json, "data.0.keywords.1"), jget(r->json, "data.1.keywords.0"),
                            "keyword 2 with its posts under post 1 and under post 2"));
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/keywords?include=posts.author");
    EXPECT_IDS(r, "data.1.posts", "1,2");
    expect_int(r, NULL, "data.1.posts.0.author.id", 2);
    expect_int(r, NULL, "data.1.posts.1.author.id", 5);
    free(expect_same_object(r, jget(r->json, "data.0.posts.0"), jget(r->json, "data.1.posts.0"),
                            "post 1 under keyword 1 and under keyword 2"));
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);
}
END_TEST

/* a.b.a include paths end at depth 3 and load each collection once. */
START_TEST(test_blog_include_cycles)
{
    rt_response *r = getf(&blog, 200, "/api/users/5?include=addresses.user.addresses");
    EXPECT_IDS(r, "addresses", "1,2");
    for (int i = 0; i < 2; i++) {
        json_t *a = json_array_get(jget(r->json, "addresses"), (size_t)i);
        expect_int(r, a, "user.id", 5);
        expect_ids_at(r, a, "user.addresses", "id", "1,2");
        json_t *inner = jget(a, "user.addresses.0");
        expect_member(r, inner, "user", false);
        expect_link(r, inner, "user", "/api/addresses/1/user");
    }
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/addresses?include=user.addresses.user");
    EXPECT_IDS(r, "data", "1,2");
    EXPECT_IDS(r, "data.0.user.addresses", "1,2");
    EXPECT_IDS(r, "data.1.user.addresses", "1,2");
    expect_int(r, NULL, "data.0.user.addresses.1.user.id", 5);
    expect_member(r, jget(r->json, "data.0.user.addresses.1.user"), "addresses", false);
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/users?include=addresses.user.addresses");
    EXPECT_IDS(r, "data", "1,2,3,4,5");
    EXPECT_IDS(r, "data.4.addresses", "1,2");
    EXPECT_IDS(r, "data.4.addresses.0.user.addresses", "1,2");
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/posts/1?include=keywords.posts.keywords");
    EXPECT_IDS(r, "keywords", "1,2");
    EXPECT_IDS(r, "keywords.0.posts", "1");
    EXPECT_IDS(r, "keywords.1.posts", "1,2");
    EXPECT_IDS(r, "keywords.1.posts.0.keywords", "1,2");
    EXPECT_IDS(r, "keywords.1.posts.1.keywords", "2");
    rt_response_free(r);

    r = rt_get(&blog, "/api/users?include=addresses.user.addresses.user");
    rt_assert_problem(r, 400, "/query/include");
    rt_response_free(r);
}
END_TEST

/* A filter picks the parents; the embedded collections stay whole. */
START_TEST(test_blog_filter_and_include)
{
    rt_response *r = getf(&blog, 200, "/api/users?filter=%s&include=addresses",
                          enc("{\"addresses\": {\"any\": {\"email_address\": {\"like\": \"%google%\"}}}}"));
    EXPECT_IDS(r, "data", "5");
    EXPECT_IDS(r, "data.0.addresses", "1,2");
    rt_response_free(r);

    r = getf(&blog, 200, "/api/addresses?filter=%s&include=user", enc("{\"user\": {\"has\": {\"name\": \"jack\"}}}"));
    EXPECT_IDS(r, "data", "1,2");
    expect_int(r, NULL, "data.0.user.id", 5);
    expect_int(r, NULL, "data.1.user.id", 5);
    rt_response_free(r);

    r = getf(&blog, 200, "/api/posts?filter=%s&include=keywords,author",
             enc("{\"keywords\": {\"any\": {\"keyword\": \"wendy\"}}}"));
    EXPECT_IDS(r, "data", "1");
    EXPECT_IDS(r, "data.0.keywords", "1,2");
    expect_int(r, NULL, "data.0.author.id", 2);
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    /* sparse fieldsets on the parent and on the embedded rows */
    r = getf(&blog, 200, "/api/users?name=jack&include=addresses&fields=name&fields%%5Baddresses%%5D=email_address");
    EXPECT_IDS(r, "data", "5");
    json_t *u = jget(r->json, "data.0");
    expect_member(r, u, "fullname", false);
    expect_member(r, u, "name", true);
    EXPECT_IDS(r, "data.0.addresses", "1,2");
    expect_member(r, jget(u, "addresses.0"), "email_address", true);
    expect_member(r, jget(u, "addresses.0"), "user_id", false);
    rt_response_free(r);
}
END_TEST

START_TEST(test_blog_include_errors)
{
    static const char *const bad[] = {"/api/users?include=nope", "/api/users?include=addresses.nope",
                                      "/api/users/5?include=addresses.user.addresses.user"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rt_response *r = rt_get(&blog, bad[i]);
        rt_assert_problem(r, 400, "/query/include");
        rt_response_free(r);
    }
    rt_response *r = rt_get(&blog, "/api/posts?fields%5Bkeywords%5D=keyword");
    rt_assert_problem(r, 400, "/query/fields[keywords]");
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ tree */

static void tree_start(void) { rt_server_start(&tree, TREE, TREE_SEED, NULL); }
static void tree_stop(void) { rt_server_stop(&tree); }

/* children of each node in the seed, in name order */
static const char *const tree_children[11] = {"", "2,4,3", "", "7", "5,6", "8,9", "", "10", "", "", ""};

/* Every embedded "children" array in the tree under node matches the seed. */
static void expect_tree(const rt_response *r, json_t *node, int *seen)
{
    long long id = int_at(r, node, "id");
    ck_assert(id >= 1 && id <= 10);
    json_t *kids = json_object_get(node, "children");
    if (!kids) return;
    (*seen)++;
    expect_ids_at(r, kids, "", "id", tree_children[id]);
    size_t i;
    json_t *k;
    json_array_foreach(kids, i, k) {
        expect_int(r, k, "parent_id", id);
        expect_tree(r, k, seen);
    }
}

START_TEST(test_tree_children_selectin_default)
{
    rt_response *r = getf(&tree, 200, "/api/nodes/1");
    EXPECT_IDS(r, "children", "2,4,3");
    EXPECT_IDS(r, "children.1.children", "5,6");
    EXPECT_IDS(r, "children.1.children.0.children", "8,9");
    /* three levels deep, then links */
    json_t *leaf = jget(r->json, "children.1.children.0.children.0");
    expect_member(r, leaf, "children", false);
    expect_link(r, leaf, "children", "/api/nodes/8/children");
    expect_link(r, leaf, "parent", "/api/nodes/8/parent");
    expect_member(r, r->json, "parent", false);
    expect_link(r, r->json, "parent", "/api/nodes/1/parent");
    expect_link(r, r->json, "children", NULL);
    ASSERT_QUERIES(r, 4);
    int seen = 0;
    expect_tree(r, r->json, &seen);
    rt_response_free(r);
}
END_TEST

/* The list reaches the same nodes at several levels of the include tree:
 * each one's children are still listed once. */
START_TEST(test_tree_list_children_once)
{
    rt_response *r = getf(&tree, 200, "/api/nodes?limit=100");
    EXPECT_IDS(r, "data", "1,2,3,4,5,6,7,8,9,10");
    ASSERT_QUERIES_MAX(r, 4);
    int seen = 0;
    size_t i;
    json_t *n;
    json_array_foreach(jget(r->json, "data"), i, n) expect_tree(r, n, &seen);
    ck_assert_int_ge(seen, 10);
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes?include=children&limit=100");
    json_array_foreach(jget(r->json, "data"), i, n) expect_tree(r, n, &seen);
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);
}
END_TEST

START_TEST(test_tree_parent_many_to_one)
{
    rt_response *r = getf(&tree, 200, "/api/nodes/5?include=parent.parent.parent");
    expect_int(r, NULL, "parent.id", 4);
    expect_int(r, NULL, "parent.parent.id", 1);
    ck_assert_msg(json_is_null(jget(r->json, "parent.parent.parent")), "%s: the root's parent: %.1500s", r->what, r->body);
    expect_member(r, r->json, "children", false);
    expect_link(r, r->json, "children", "/api/nodes/5/children");
    expect_link(r, r->json, "parent", NULL);
    ASSERT_QUERIES_MAX(r, 4); /* the root has no parent key: the third level may run nothing */
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes/1?include=parent");
    ck_assert_msg(json_is_null(json_object_get(r->json, "parent")), "%s: %.1500s", r->what, r->body);
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes?include=parent&limit=100");
    EXPECT_IDS(r, "data", "1,2,3,4,5,6,7,8,9,10");
    ck_assert(json_is_null(jget(r->json, "data.0.parent")));
    expect_int(r, NULL, "data.9.parent.id", 7);
    expect_int(r, NULL, "data.7.parent.id", 5);
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);
}
END_TEST

START_TEST(test_tree_sub_resources)
{
    /* the relationship's order_by (name) is the default sort */
    rt_response *r = getf(&tree, 200, "/api/nodes/1/children");
    EXPECT_IDS(r, "data", "2,4,3");
    expect_str(r, NULL, "links.self", "/api/nodes/1/children");
    rt_response_free(r);
    r = getf(&tree, 200, "/api/nodes/1/children?sort=-name");
    EXPECT_IDS(r, "data", "3,4,2");
    rt_response_free(r);
    r = getf(&tree, 200, "/api/nodes/1/children?sort=id");
    EXPECT_IDS(r, "data", "2,3,4");
    rt_response_free(r);
    r = getf(&tree, 200, "/api/nodes/1/children?limit=2");
    EXPECT_IDS(r, "data", "2,4");
    const char *next = json_string_value(jget(r->json, "links.next"));
    ck_assert_msg(next != NULL, "%s: no links.next: %.1500s", r->what, r->body);
    rt_response *r2 = getf(&tree, 200, "%s", next);
    EXPECT_IDS(r2, "data", "3");
    rt_response_free(r2);
    rt_response_free(r);
    r = getf(&tree, 200, "/api/nodes/4/children?name=subnode2");
    EXPECT_IDS(r, "data", "6");
    rt_response_free(r);
    r = getf(&tree, 200, "/api/nodes/8/children");
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes/8/parent");
    expect_int(r, NULL, "id", 5);
    expect_str(r, NULL, "name", "subnode1");
    EXPECT_IDS(r, "children", "8,9");
    rt_response_free(r);
    r = getf(&tree, 200, "/api/nodes/1/parent");
    ck_assert_msg(r->json == NULL || json_is_null(r->json), "%s: the root's parent is not null: %.1500s", r->what, r->body);
    rt_response_free(r);

    static const char *const missing[] = {"/api/nodes/99/children", "/api/nodes/99/parent", "/api/nodes/x/children"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        r = rt_get(&tree, missing[i]);
        rt_assert_problem(r, 404, NULL);
        rt_response_free(r);
    }
}
END_TEST

START_TEST(test_tree_include_cycles)
{
    rt_response *r = getf(&tree, 200, "/api/nodes/4?include=children.parent.children");
    EXPECT_IDS(r, "children", "5,6");
    expect_int(r, NULL, "children.0.parent.id", 4);
    EXPECT_IDS(r, "children.0.parent.children", "5,6");
    EXPECT_IDS(r, "children.1.parent.children", "5,6");
    expect_member(r, jget(r->json, "children.0.parent.children.0"), "parent", false);
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes/5?include=parent.children.parent");
    expect_int(r, NULL, "parent.id", 4);
    EXPECT_IDS(r, "parent.children", "5,6");
    expect_int(r, NULL, "parent.children.0.parent.id", 4);
    expect_int(r, NULL, "parent.children.1.parent.id", 4);
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes?include=children.children.children&limit=100");
    int seen = 0;
    size_t i;
    json_t *n;
    json_array_foreach(jget(r->json, "data"), i, n) expect_tree(r, n, &seen);
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);
}
END_TEST

START_TEST(test_tree_filter_and_include)
{
    rt_response *r = getf(&tree, 200, "/api/nodes?filter=%s&include=children", enc("{\"parent_id\": null}"));
    EXPECT_IDS(r, "data", "1");
    EXPECT_IDS(r, "data.0.children", "2,4,3");
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes?filter=%s&include=children",
             enc("{\"children\": {\"any\": {\"name\": \"leaf1\"}}}"));
    EXPECT_IDS(r, "data", "5");
    EXPECT_IDS(r, "data.0.children", "8,9");
    rt_response_free(r);

    r = getf(&tree, 200, "/api/nodes?filter=%s&include=parent&sort=name",
             enc("{\"parent\": {\"has\": {\"name\": \"rootnode\"}}}"));
    EXPECT_IDS(r, "data", "2,4,3");
    expect_int(r, NULL, "data.0.parent.id", 1);
    expect_int(r, NULL, "data.2.parent.id", 1);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ orders */

static void orders_start(void) { rt_server_start(&orders, ORDERS, ORDERS_SEED, NULL); }
static void orders_stop(void) { rt_server_stop(&orders); }

static void expect_real(const rt_response *r, json_t *node, const char *path, double want)
{
    json_t *v = jget(node ? node : r->json, path);
    ck_assert_msg(json_is_number(v) && json_number_value(v) == want, "%s: %s is not %g: %.1000s", r->what, path,
                  want, r->body);
}

START_TEST(test_orders_association_object)
{
    rt_response *r = getf(&orders, 200, "/api/orders/1");
    EXPECT_KEYS(r, "order_items", "item_id", "1,2,4");
    EXPECT_KEYS(r, "order_items", "order_id", "1,1,1");
    /* the association's own price, and the item's (joined) */
    expect_real(r, NULL, "order_items.2.price", 10.0);
    expect_int(r, NULL, "order_items.2.item.id", 4);
    expect_real(r, NULL, "order_items.2.item.price", 16.5);
    expect_str(r, NULL, "order_items.0.item.description", "SA T-Shirt");
    expect_link(r, jget(r->json, "order_items.0"), "self", "/api/order_items/1,1");
    expect_link(r, jget(r->json, "order_items.0"), "order", "/api/order_items/1,1/order");
    expect_link(r, jget(r->json, "order_items.0"), "item", NULL);
    expect_link(r, r->json, "order_items", NULL);
    expect_link(r, r->json, "items", "/api/orders/1/items");
    expect_member(r, r->json, "items", false);
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);

    r = getf(&orders, 200, "/api/orders?include=order_items.item");
    EXPECT_IDS(r, "data", "1,2,3");
    EXPECT_KEYS(r, "data.1.order_items", "item_id", "2,3");
    expect_int(r, NULL, "data.1.order_items.1.item.id", 3);
    EXPECT_KEYS(r, "data.2.order_items", "item_id", "");
    ASSERT_QUERIES(r, 2); /* the joined item adds none */
    rt_response_free(r);

    r = getf(&orders, 200, "/api/orders?include=order_items.order");
    expect_int(r, NULL, "data.0.order_items.0.order.id", 1);
    expect_member(r, jget(r->json, "data.0.order_items.0"), "item", false);
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    r = getf(&orders, 200, "/api/items/2?include=order_items.order");
    EXPECT_KEYS(r, "order_items", "order_id", "1,2");
    expect_str(r, NULL, "order_items.1.order.customer_name", "jane doe");
    expect_real(r, NULL, "order_items.1.price", 5.0);
    rt_response_free(r);
}
END_TEST

/* Order.items: many-to-many through order_items, the association
 * object's own table. */
START_TEST(test_orders_many_to_many_through_association)
{
    rt_response *r = getf(&orders, 200, "/api/orders/1?include=items");
    EXPECT_IDS(r, "items", "4,2,1"); /* order_by description */
    expect_member(r, r->json, "order_items", false);
    rt_response_free(r);
    r = getf(&orders, 200, "/api/orders/1/items");
    EXPECT_IDS(r, "data", "4,2,1");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/orders/3/items");
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/items/2/orders");
    EXPECT_IDS(r, "data", "1,2");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/items/3?include=orders");
    EXPECT_IDS(r, "orders", "2");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/orders?include=items.orders");
    EXPECT_IDS(r, "data.0.items", "4,2,1");
    EXPECT_IDS(r, "data.0.items.1.orders", "1,2");
    EXPECT_IDS(r, "data.1.items", "3,2");
    EXPECT_IDS(r, "data.1.items.1.orders", "1,2");
    EXPECT_IDS(r, "data.2.items", "");
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);
}
END_TEST

START_TEST(test_orders_sub_resources)
{
    rt_response *r = getf(&orders, 200, "/api/order_items/1,2/order");
    expect_int(r, NULL, "id", 1);
    rt_response_free(r);
    r = getf(&orders, 200, "/api/order_items/1,2/item");
    expect_int(r, NULL, "id", 2);
    rt_response_free(r);
    r = getf(&orders, 200, "/api/items/2/order_items");
    EXPECT_KEYS(r, "data", "order_id", "1,2");
    expect_int(r, NULL, "data.0.item.id", 2);
    rt_response_free(r);
    r = getf(&orders, 200, "/api/orders/1/order_items?sort=-price");
    EXPECT_KEYS(r, "data", "item_id", "1,4,2");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/orders/1/order_items");
    EXPECT_KEYS(r, "data", "item_id", "1,2,4");
    rt_response_free(r);
    r = rt_get(&orders, "/api/order_items/9,9/item");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
    r = rt_get(&orders, "/api/orders/9/order_items");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
}
END_TEST

START_TEST(test_orders_identity_map)
{
    rt_response *r = getf(&orders, 200, "/api/orders?include=order_items.item,items");
    json_t *a = jget(r->json, "data.0.order_items.1.item"), *b = jget(r->json, "data.1.order_items.0.item");
    expect_int(r, a, "id", 2);
    free(expect_same_object(r, a, b, "item 2 under order 1 and order 2"));
    free(expect_same_object(r, jget(r->json, "data.0.items.1"), jget(r->json, "data.1.items.1"),
                            "item 2 in order 1's and order 2's items"));
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);
}
END_TEST

START_TEST(test_orders_filter_and_include)
{
    rt_response *r = getf(&orders, 200, "/api/orders?filter=%s&include=order_items",
                          enc("{\"order_items\": {\"any\": {\"price\": {\"lt\": 6}}}}"));
    EXPECT_IDS(r, "data", "2");
    EXPECT_KEYS(r, "data.0.order_items", "item_id", "2,3");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/orders?filter=%s&include=items", enc("{\"items\": {\"any\": {\"description\": \"SA Hat\"}}}"));
    EXPECT_IDS(r, "data", "2");
    EXPECT_IDS(r, "data.0.items", "3,2");
    rt_response_free(r);
    r = getf(&orders, 200, "/api/items?filter=%s&include=orders", enc("{\"orders\": {\"none\": {}}}"));
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ graph */

static void graph_start(void) { rt_server_start(&graph, GRAPH, GRAPH_SEED, NULL); }
static void graph_stop(void) { rt_server_stop(&graph); }

/* edges (1,2) (1,3) (2,1) (2,5) (3,6) (5,7) (6,7) */
static const char *const higher[8] = {"", "2,3", "1,5", "6", "", "7", "7", ""};
static const char *const lower[8] = {"", "2", "1", "1", "", "2", "3", "5,6"};

START_TEST(test_graph_custom_joins)
{
    rt_response *r = getf(&graph, 200, "/api/nodes/2?include=lower_edges,upper_edges");
    EXPECT_KEYS(r, "lower_edges", "upper_id", "1,5");
    EXPECT_KEYS(r, "lower_edges", "lower_id", "2,2");
    EXPECT_KEYS(r, "upper_edges", "lower_id", "1");
    expect_link(r, jget(r->json, "lower_edges.1"), "self", "/api/edges/2,5");
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    /* the edges' nodes are joined: one statement for the list */
    r = getf(&graph, 200, "/api/edges?limit=100");
    EXPECT_KEYS(r, "data", "lower_id", "1,1,2,2,3,5,6");
    EXPECT_KEYS(r, "data", "upper_id", "2,3,1,5,6,7,7");
    size_t i;
    json_t *e;
    json_array_foreach(jget(r->json, "data"), i, e) {
        expect_int(r, e, "lower_node.id", int_at(r, e, "lower_id"));
        expect_int(r, e, "upper_node.id", int_at(r, e, "upper_id"));
        expect_link(r, e, "lower_node", NULL);
    }
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);

    r = getf(&graph, 200, "/api/edges/2,5/upper_node");
    expect_int(r, NULL, "id", 5);
    rt_response_free(r);
    r = getf(&graph, 200, "/api/edges/2,5/lower_node");
    expect_int(r, NULL, "id", 2);
    rt_response_free(r);
    r = getf(&graph, 200, "/api/nodes/2/lower_edges");
    EXPECT_KEYS(r, "data", "upper_id", "1,5");
    rt_response_free(r);
    r = getf(&graph, 200, "/api/nodes/7/upper_edges");
    EXPECT_KEYS(r, "data", "lower_id", "5,6");
    rt_response_free(r);
    r = getf(&graph, 200, "/api/nodes/4/lower_edges");
    EXPECT_KEYS(r, "data", "upper_id", "");
    rt_response_free(r);
    r = rt_get(&graph, "/api/edges/4,4/upper_node");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
}
END_TEST

START_TEST(test_graph_neighbors)
{
    rt_response *r = getf(&graph, 200, "/api/nodes/2?include=higher_neighbors,lower_neighbors");
    EXPECT_IDS(r, "higher_neighbors", "1,5");
    EXPECT_IDS(r, "lower_neighbors", "1");
    expect_link(r, r->json, "lower_edges", "/api/nodes/2/lower_edges");
    rt_response_free(r);

    r = getf(&graph, 200, "/api/nodes?include=higher_neighbors,lower_neighbors&limit=100");
    EXPECT_IDS(r, "data", "1,2,3,4,5,6,7");
    for (int id = 1; id <= 7; id++) {
        json_t *n = json_array_get(jget(r->json, "data"), (size_t)id - 1);
        expect_ids_at(r, n, "higher_neighbors", "id", higher[id]);
        expect_ids_at(r, n, "lower_neighbors", "id", lower[id]);
    }
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    r = getf(&graph, 200, "/api/nodes/7/lower_neighbors");
    EXPECT_IDS(r, "data", "5,6");
    rt_response_free(r);
    r = getf(&graph, 200, "/api/nodes/7/higher_neighbors");
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);
    r = getf(&graph, 200, "/api/nodes/1/higher_neighbors?sort=-id");
    EXPECT_IDS(r, "data", "3,2");
    rt_response_free(r);
}
END_TEST

START_TEST(test_graph_include_cycles)
{
    rt_response *r = getf(&graph, 200, "/api/nodes/1?include=higher_neighbors.higher_neighbors.higher_neighbors");
    EXPECT_IDS(r, "higher_neighbors", "2,3");
    EXPECT_IDS(r, "higher_neighbors.0.higher_neighbors", "1,5");
    EXPECT_IDS(r, "higher_neighbors.1.higher_neighbors", "6");
    EXPECT_IDS(r, "higher_neighbors.0.higher_neighbors.0.higher_neighbors", "2,3");
    EXPECT_IDS(r, "higher_neighbors.0.higher_neighbors.1.higher_neighbors", "7");
    expect_member(r, jget(r->json, "higher_neighbors.0.higher_neighbors.0.higher_neighbors.0"), "higher_neighbors",
                  false);
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);

    r = getf(&graph, 200, "/api/nodes/1?include=lower_edges.upper_node.lower_edges");
    EXPECT_KEYS(r, "lower_edges", "upper_id", "2,3");
    expect_int(r, NULL, "lower_edges.0.upper_node.id", 2);
    EXPECT_KEYS(r, "lower_edges.0.upper_node.lower_edges", "upper_id", "1,5");
    EXPECT_KEYS(r, "lower_edges.1.upper_node.lower_edges", "upper_id", "6");
    rt_response_free(r);

    r = getf(&graph, 200, "/api/nodes/2?include=upper_edges.lower_node.lower_edges");
    EXPECT_KEYS(r, "upper_edges", "lower_id", "1");
    expect_int(r, NULL, "upper_edges.0.lower_node.id", 1);
    EXPECT_KEYS(r, "upper_edges.0.lower_node.lower_edges", "upper_id", "2,3");
    rt_response_free(r);
}
END_TEST

START_TEST(test_graph_filter_and_include)
{
    rt_response *r = getf(&graph, 200, "/api/nodes?filter=%s&include=higher_neighbors",
                          enc("{\"higher_neighbors\": {\"any\": {\"id\": 7}}}"));
    EXPECT_IDS(r, "data", "5,6");
    EXPECT_IDS(r, "data.0.higher_neighbors", "7");
    rt_response_free(r);
    r = getf(&graph, 200, "/api/nodes?filter=%s&include=lower_edges",
             enc("{\"lower_edges\": {\"any\": {\"upper_id\": 5}}}"));
    EXPECT_IDS(r, "data", "2");
    EXPECT_KEYS(r, "data.0.lower_edges", "upper_id", "1,5");
    rt_response_free(r);
    r = getf(&graph, 200, "/api/edges?filter=%s", enc("{\"upper_node\": {\"has\": {\"name\": \"n7\"}}}"));
    EXPECT_KEYS(r, "data", "lower_id", "5,6");
    expect_int(r, NULL, "data.1.upper_node.id", 7);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ company */

static void company_start(void) { rt_server_start(&company, COMPANY, COMPANY_SEED, NULL); }
static void company_stop(void) { rt_server_stop(&company); }

/* Each row shows its own type's columns only. */
static void expect_employee_columns(const rt_response *r, json_t *e)
{
    const char *type = json_string_value(json_object_get(e, "type"));
    ck_assert_msg(type != NULL, "%s: no type: %.1000s", r->what, r->body);
    expect_member(r, e, "name", true);
    expect_member(r, e, "manager_data", strcmp(type, "manager") == 0);
    expect_member(r, e, "engineer_info", strcmp(type, "engineer") == 0);
}

static void expect_employee_list(const rt_response *r, json_t *arr, const char *type)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        if (type) expect_str(r, e, "type", type);
        expect_employee_columns(r, e);
    }
}

START_TEST(test_company_child_resources)
{
    rt_response *r = getf(&company, 200, "/api/managers?count=exact");
    EXPECT_IDS(r, "data", "2,7");
    expect_int(r, NULL, "meta.total", 2);
    expect_employee_list(r, jget(r->json, "data"), "manager");
    expect_str(r, NULL, "data.0.manager_data", "manager2");
    rt_response_free(r);

    r = getf(&company, 200, "/api/engineers?count=exact");
    EXPECT_IDS(r, "data", "3,4,5");
    expect_int(r, NULL, "meta.total", 3);
    expect_employee_list(r, jget(r->json, "data"), "engineer");
    rt_response_free(r);

    r = getf(&company, 200, "/api/engineers?filter=%s", enc("{\"name\": \"jsmith\"}"));
    EXPECT_IDS(r, "data", "");
    rt_response_free(r);
    r = getf(&company, 200, "/api/managers/2");
    expect_str(r, NULL, "manager_data", "manager2");
    expect_member(r, r->json, "engineer_info", false);
    rt_response_free(r);
    r = rt_get(&company, "/api/managers/3");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
    r = rt_get(&company, "/api/engineers/2");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
}
END_TEST

/* The parent resource lists every row, each with its own type's columns. */
START_TEST(test_company_base_resource)
{
    rt_response *r = getf(&company, 200, "/api/employees?count=exact");
    EXPECT_IDS(r, "data", "1,2,3,4,5,6,7");
    expect_int(r, NULL, "meta.total", 7);
    expect_employee_list(r, jget(r->json, "data"), NULL);
    expect_str(r, NULL, "data.0.type", "employee");
    expect_str(r, NULL, "data.1.type", "manager");
    expect_str(r, NULL, "data.1.manager_data", "manager2");
    expect_str(r, NULL, "data.2.engineer_info", "java");
    rt_response_free(r);

    r = getf(&company, 200, "/api/employees/1");
    expect_str(r, NULL, "type", "employee");
    expect_employee_columns(r, r->json);
    rt_response_free(r);
    r = rt_get(&company, "/api/managers/1");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);
    r = getf(&company, 200, "/api/employees?type=employee");
    EXPECT_IDS(r, "data", "1,6");
    rt_response_free(r);

    r = getf(&company, 200, "/api/employees/3");
    expect_str(r, NULL, "type", "engineer");
    expect_employee_columns(r, r->json);
    rt_response_free(r);

    r = getf(&company, 200, "/api/employees?type=manager");
    EXPECT_IDS(r, "data", "2,7");
    rt_response_free(r);
}
END_TEST

START_TEST(test_company_relationships)
{
    rt_response *r = getf(&company, 200, "/api/companies/1");
    EXPECT_IDS(r, "employees", "1,2,3,4");
    expect_employee_list(r, jget(r->json, "employees"), NULL);
    expect_link(r, r->json, "employees", NULL);
    expect_link(r, r->json, "managers", "/api/companies/1/managers");
    expect_link(r, r->json, "engineers", "/api/companies/1/engineers");
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);

    r = getf(&company, 200, "/api/companies/1?include=managers,engineers");
    EXPECT_IDS(r, "managers", "2");
    EXPECT_IDS(r, "engineers", "3,4");
    expect_employee_list(r, jget(r->json, "managers"), "manager");
    expect_employee_list(r, jget(r->json, "engineers"), "engineer");
    expect_member(r, r->json, "employees", false);
    expect_link(r, r->json, "employees", "/api/companies/1/employees");
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    r = getf(&company, 200, "/api/companies?include=engineers,managers");
    EXPECT_IDS(r, "data.0.engineers", "3,4");
    EXPECT_IDS(r, "data.1.engineers", "5");
    EXPECT_IDS(r, "data.1.managers", "7");
    ASSERT_QUERIES(r, 3);
    rt_response_free(r);

    r = getf(&company, 200, "/api/companies/2/managers");
    EXPECT_IDS(r, "data", "7");
    expect_employee_list(r, jget(r->json, "data"), "manager");
    rt_response_free(r);
    r = getf(&company, 200, "/api/companies/2/engineers");
    EXPECT_IDS(r, "data", "5");
    rt_response_free(r);
    r = getf(&company, 200, "/api/companies/1/employees");
    EXPECT_IDS(r, "data", "1,2,3,4");
    expect_employee_list(r, jget(r->json, "data"), NULL);
    rt_response_free(r);
    r = rt_get(&company, "/api/companies/9/managers");
    rt_assert_problem(r, 404, NULL);
    rt_response_free(r);

    /* the relationship the children inherit */
    r = getf(&company, 200, "/api/managers/2/company");
    expect_int(r, NULL, "id", 1);
    rt_response_free(r);
    r = getf(&company, 200, "/api/engineers?include=company");
    EXPECT_IDS(r, "data", "3,4,5");
    expect_int(r, NULL, "data.0.company.id", 1);
    expect_int(r, NULL, "data.2.company.id", 2);
    expect_member(r, jget(r->json, "data.0.company"), "employees", false);
    rt_response_free(r);
    r = getf(&company, 200, "/api/managers/7?include=company.employees");
    EXPECT_IDS(r, "company.employees", "5,6,7");
    expect_employee_list(r, jget(r->json, "company.employees"), NULL);
    rt_response_free(r);

    r = getf(&company, 200, "/api/companies?filter=%s&include=engineers",
             enc("{\"engineers\": {\"any\": {\"engineer_info\": \"java\"}}}"));
    EXPECT_IDS(r, "data", "1");
    EXPECT_IDS(r, "data.0.engineers", "3,4");
    rt_response_free(r);
    r = getf(&company, 200, "/api/companies?filter=%s&include=managers",
             enc("{\"managers\": {\"any\": {\"manager_data\": \"boss\"}}}"));
    EXPECT_IDS(r, "data", "2");
    EXPECT_IDS(r, "data.0.managers", "7");
    rt_response_free(r);
}
END_TEST

START_TEST(test_company_create_child)
{
    rt_response *r = rt_send_json(&company, "POST", "/api/engineers",
                                  "{\"id\": 9, \"name\": \"ted\", \"engineer_info\": \"rust\", \"company_id\": 2}");
    RT_ASSERT_STATUS(r, 201);
    expect_str(r, NULL, "type", "engineer");
    rt_response_free(r);
    r = getf(&company, 200, "/api/companies/2?include=engineers,managers");
    EXPECT_IDS(r, "engineers", "5,9");
    EXPECT_IDS(r, "managers", "7");
    rt_response_free(r);
}
END_TEST

/* A row of the base type itself (polymorphic_identity "employee"),
 * created through the base resource. */
START_TEST(test_company_create_base)
{
    rt_response *r = rt_send_json(&company, "POST", "/api/employees",
                                  "{\"id\": 8, \"name\": \"joesmith\", \"company_id\": 1}");
    RT_ASSERT_STATUS(r, 201);
    expect_str(r, NULL, "type", "employee");
    expect_employee_columns(r, r->json);
    rt_response_free(r);
    r = getf(&company, 200, "/api/companies/1");
    EXPECT_IDS(r, "employees", "1,2,3,4,8");
    expect_employee_list(r, jget(r->json, "employees"), NULL);
    rt_response_free(r);
    r = getf(&company, 200, "/api/managers");
    EXPECT_IDS(r, "data", "2,7");
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ lazy variants */

static void variants_start(void)
{
    rt_server_start(&kv_select, KINDS_SELECT, KINDS_SEED, NULL);
    rt_server_start(&kv_joined, KINDS_JOINED, KINDS_SEED, NULL);
    rt_server_start(&kv_selectin, KINDS_SELECTIN, KINDS_SEED, NULL);
}
static void variants_stop(void)
{
    rt_server_stop(&kv_select);
    rt_server_stop(&kv_joined);
    rt_server_stop(&kv_selectin);
}

/* A body with the MAC of each keyset cursor cut out (malloc'd): cursors
 * are MAC'd with a key derived from the schema text, which differs between
 * the variants by design; the cursor's position part must still agree. */
static char *strip_cursor_macs(const char *body)
{
    char *out = strdup(body);
    ck_assert(out != NULL);
    char *w = out;
    for (const char *p = body; *p;) {
        /* in a link (cursor=...) or as meta.next_cursor ("...cursor":"...") */
        size_t at = !strncmp(p, "cursor=", 7) ? 7 : !strncmp(p, "cursor\":\"", 9) ? 9 : 0;
        if (at) {
            const char *end = strchr(p + at, '"'), *dot = strchr(p, '.');
            if (end && dot && dot < end) {
                size_t n = (size_t)(dot - p);
                memcpy(w, p, n);
                w += n;
                p = end;
                continue;
            }
        }
        *w++ = *p++;
    }
    *w = '\0';
    return out;
}

/* Append to a failure message of at most len bytes (check refuses
 * messages over 4 KiB). */
static void __attribute__((format(printf, 4, 5))) append(char *msg, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0) *used = *used + (size_t)n < len ? *used + (size_t)n : len - 1;
}

/* Where two texts first differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i]) i++;
    size_t from = i > 80 ? i - 80 : 0;
    snprintf(out, len, "at byte %zu:\n    %.160s\n    %.160s", i, a + from, b + from);
}

typedef struct variant_req {
    const char *path;
    int selectin_k;   /* at most this many statements on the selectin variant (and on the
                         select one, whose includes load by selectin): 1 + R; fewer when a
                         level finds every row loaded already; -1: not checked */
    int joined_k;     /* exactly this many on the joined variant; -1: not checked */
} variant_req;

/* GET path on each server; every body must equal the first one's and
 * each server run at most (exact[i]: exactly) ks[i] statements (-1: not
 * checked). Returns the number of mismatches, described in msg. */
static int compare_variants(const char *path, rt_server *const *servers, const char *const *names, size_t n,
                            const int *ks, const bool *exact, char *msg, size_t len, size_t *used)
{
    rt_response *first = rt_get(servers[0], path);
    RT_ASSERT_STATUS(first, 200);
    char *a = strip_cursor_macs(first->body);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        rt_response *r = i ? rt_get(servers[i], path) : first;
        RT_ASSERT_STATUS(r, 200);
        int k = timing_queries(r);
        if (ks && ks[i] >= 0 && (exact[i] ? k != ks[i] : k < 1 || k > ks[i])) {
            bad++;
            append(msg, len, used, "\n  %s (%s): %d statements, expected %s%d", path, names[i], k,
                   exact[i] ? "" : "at most ", ks[i]);
        }
        if (i) {
            char *b = strip_cursor_macs(r->body);
            if (strcmp(a, b) != 0) {
                char where[600];
                first_difference(a, b, where, sizeof where);
                bad++;
                append(msg, len, used, "\n  %s: %s and %s differ %s", path, names[0], names[i], where);
            }
            free(b);
            rt_response_free(r);
        }
    }
    free(a);
    rt_response_free(first);
    return bad;
}

/* Without ?include each variant embeds its eager relationships (the same
 * tree for joined and selectin): byte-identical answers. */
START_TEST(test_variants_defaults_joined_equals_selectin)
{
    static const char *const paths[] = {
        "/api/authors", "/api/books", "/api/book_tags", "/api/tags", "/api/cats", "/api/links",
        "/api/teams", "/api/staff", "/api/workers", "/api/bosses", "/api/authors/1", "/api/books/3",
        "/api/cats/1", "/api/stations/3", "/api/teams/1", "/api/staff/4", "/api/links/1,2",
        "/api/book_tags/1,2", "/api/authors/1/books", "/api/books/1/author", "/api/cats/1/kids",
        "/api/stations/1/next", "/api/teams/1/workers", "/api/teams/1/members", "/api/authors?limit=2",
        "/api/cats?limit=3&offset=1"};
    rt_server *const servers[] = {&kv_joined, &kv_selectin};
    static const char *const names[] = {"joined", "selectin"};
    char msg[3400] = "";
    size_t used = 0;
    int bad = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        /* a plain list on the joined variant: one statement */
        bool list = !strchr(paths[i] + 5, '/');
        int ks[2] = {list ? 1 : -1, -1};
        static const bool exact[2] = {true, false};
        bad += compare_variants(paths[i], servers, names, 2, ks, exact, msg, sizeof msg, &used);
    }
    ck_assert_msg(bad == 0, "%d differences between joined and selectin:%s", bad, msg);
}
END_TEST

/* With ?include the three variants embed the same rows: select (loaded by
 * selectin), joined and selectin answer byte-identical JSON, in 1 + R
 * statements for selectin and one for joined (lists). */
START_TEST(test_variants_include_identical)
{
    static const variant_req reqs[] = {
        {"/api/authors?include=books", 2, 1},
        {"/api/authors?include=books.tags", 3, 1},
        {"/api/authors?include=books.tags.books", 4, 1},
        {"/api/authors?include=books.book_tags.tag", 4, 1},
        {"/api/books?include=author", 2, 1},
        {"/api/books?include=author,tags,book_tags", 4, 1},
        {"/api/books?include=author.books", 3, 1},
        {"/api/tags?include=books.author", 3, 1},
        {"/api/tags?include=book_tags.book.author", 4, 1},
        {"/api/book_tags?include=book,tag", 3, 1},
        {"/api/cats?include=kids", 2, 1},
        {"/api/cats?include=kids.kids.kids", 4, 1},
        {"/api/cats?include=mother.mother.mother", 4, 1},
        {"/api/cats?include=kids.mother", 3, 1},
        {"/api/cats?include=mother.kids", 3, 1},
        {"/api/cats?include=kids.mother.kids", 4, 1},
        {"/api/stations?include=outgoing", 2, 1},
        {"/api/stations?include=outgoing.dst", 3, 1},
        {"/api/stations?include=next", 2, 1},
        {"/api/stations?include=next.prev", 3, 1},
        {"/api/stations?include=incoming.src,prev", 4, 1},
        {"/api/links?include=src,dst", 3, 1},
        {"/api/links?include=src.next,dst.prev", 5, 1},
        {"/api/teams?include=members", 2, 1},
        {"/api/teams?include=workers", 2, 1},
        {"/api/teams?include=members,workers", 3, 1},
        {"/api/staff?include=team", 2, 1},
        {"/api/workers?include=team.members", 3, 1},
        {"/api/bosses?include=team.workers", 3, 1},
        /* paging a joined collection: LIMIT counts parents */
        {"/api/authors?include=books&limit=2", 2, 1},
        {"/api/authors?include=books&limit=1&offset=1", 2, 1},
        {"/api/authors?include=books.tags&sort=-name&limit=2", 3, 1},
        {"/api/books?include=tags&sort=author.name,-title&limit=3", 2, 1},
        {"/api/cats?include=kids.kids&limit=3&sort=name", 3, 1},
        /* filter + include */
        {"/api/authors?include=books&filter=%7B%22books%22%3A%7B%22any%22%3A%7B%22title%22%3A%7B%22like%22%3A%22%25e%25%22%7D%7D%7D%7D", 2, 1},
        {"/api/teams?include=workers&filter=%7B%22workers%22%3A%7B%22any%22%3A%7B%22skill%22%3A%22go%22%7D%7D%7D", 2, 1},
        /* sparse fieldsets of the embedded rows */
        {"/api/authors?include=books&fields%5Bbooks%5D=title", 2, 1},
        /* single objects and sub-resources */
        {"/api/authors/1?include=books", -1, -1},
        {"/api/authors/1?include=books.tags", -1, -1},
        {"/api/books/1?include=author.books", -1, -1},
        {"/api/cats/1?include=kids.kids", -1, -1},
        {"/api/cats/1?include=kids.mother.kids", -1, -1},
        {"/api/cats/2?include=mother.kids.mother", -1, -1},
        {"/api/stations/1?include=next.next", -1, -1},
        {"/api/teams/1?include=workers,members", -1, -1},
        {"/api/authors/1/books?include=tags", -1, -1},
        {"/api/books/1/author?include=books", -1, -1},
        {"/api/cats/1/kids?include=kids", -1, -1},
        {"/api/teams/1/workers?include=team", -1, -1},
        {"/api/stations/3/outgoing?include=dst", -1, -1},
        {"/api/links/1,2/src?include=outgoing", -1, -1},
    };
    rt_server *const servers[] = {&kv_selectin, &kv_joined, &kv_select};
    static const char *const names[] = {"selectin", "joined", "select"};
    char msg[3400] = "";
    size_t used = 0;
    int bad = 0;
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        int ks[3] = {reqs[i].selectin_k, reqs[i].joined_k, reqs[i].selectin_k};
        static const bool exact[3] = {false, true, false};
        bad += compare_variants(reqs[i].path, servers, names, 3, ks, exact, msg, sizeof msg, &used);
    }
    ck_assert_msg(bad == 0, "%d differences:%s", bad, msg);
}
END_TEST

/* The rows themselves, on every variant (equal answers could be equally
 * wrong). */
START_TEST(test_variants_content)
{
    rt_server *const servers[] = {&kv_select, &kv_joined, &kv_selectin};
    for (size_t v = 0; v < 3; v++) {
        rt_server *s = servers[v];
        rt_response *r = getf(s, 200, "/api/authors?include=books.tags");
        EXPECT_IDS(r, "data", "1,2,3");
        EXPECT_IDS(r, "data.0.books", "2,5,1"); /* order_by title */
        EXPECT_IDS(r, "data.0.books.2.tags", "2,1"); /* order_by name */
        EXPECT_IDS(r, "data.1.books", "3");
        EXPECT_IDS(r, "data.2.books", "");
        rt_response_free(r);

        r = getf(s, 200, "/api/books/4?include=author,tags");
        ck_assert_msg(json_is_null(json_object_get(r->json, "author")), "%s: %.1500s", r->what, r->body);
        EXPECT_IDS(r, "tags", "");
        rt_response_free(r);

        r = getf(s, 200, "/api/cats/1?include=kids.kids");
        EXPECT_IDS(r, "kids", "7,2,3"); /* order_by -name */
        EXPECT_IDS(r, "kids.1.kids", "4");
        rt_response_free(r);
        r = getf(s, 200, "/api/cats/5?include=mother.mother.mother");
        expect_int(r, NULL, "mother.mother.mother.id", 1);
        rt_response_free(r);

        r = getf(s, 200, "/api/stations/1?include=next,prev,outgoing,incoming");
        EXPECT_IDS(r, "next", "3,2"); /* order_by -name */
        EXPECT_IDS(r, "prev", "3");
        EXPECT_KEYS(r, "outgoing", "to_id", "2,3");
        EXPECT_KEYS(r, "incoming", "from_id", "3");
        rt_response_free(r);

        r = getf(s, 200, "/api/teams/1?include=members,workers");
        EXPECT_IDS(r, "members", "1,2,3");
        expect_str(r, NULL, "members.0.kind", "boss");
        expect_member(r, jget(r->json, "members.0"), "budget", true);
        expect_member(r, jget(r->json, "members.0"), "skill", false);
        expect_member(r, jget(r->json, "members.1"), "budget", false);
        EXPECT_IDS(r, "workers", "3,2"); /* order_by -id, Worker rows only */
        rt_response_free(r);
        r = getf(s, 200, "/api/teams/3?include=workers,members");
        EXPECT_IDS(r, "workers", "");
        EXPECT_IDS(r, "members", "");
        rt_response_free(r);

        r = getf(s, 200, "/api/tags/1?include=book_tags.book");
        EXPECT_KEYS(r, "book_tags", "book_id", "1,3"); /* order_by -weight */
        expect_int(r, NULL, "book_tags.1.book.id", 3);
        rt_response_free(r);

        r = getf(s, 200, "/api/workers?include=team");
        EXPECT_IDS(r, "data", "2,3,4,5");
        expect_int(r, NULL, "data.2.team.id", 2);
        ck_assert(json_is_null(jget(r->json, "data.3.team")));
        rt_response_free(r);
    }
}
END_TEST

/* select: links; noload: neither embedded nor linked; dynamic: a link, a
 * sub-resource, never an include. */
START_TEST(test_variants_links_dynamic_noload)
{
    rt_response *r = getf(&kv_select, 200, "/api/authors/1");
    expect_member(r, r->json, "books", false);
    expect_link(r, r->json, "books", "/api/authors/1/books");
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);
    static const struct {
        const char *path, *links[4];
    } linked[] = {
        {"/api/books/1", {"author", "book_tags", "tags"}},
        {"/api/book_tags/1,2", {"book", "tag"}},
        {"/api/cats/2", {"kids", "mother"}},
        {"/api/stations/1", {"outgoing", "incoming", "next", "prev"}},
        {"/api/links/1,2", {"src", "dst"}},
        {"/api/teams/1", {"members", "workers"}},
        {"/api/workers/2", {"team"}},
    };
    for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
        r = getf(&kv_select, 200, "%s", linked[i].path);
        for (size_t k = 0; k < 4 && linked[i].links[k]; k++) {
            char want[128];
            snprintf(want, sizeof want, "%s/%s", linked[i].path, linked[i].links[k]);
            expect_member(r, r->json, linked[i].links[k], false);
            expect_link(r, r->json, linked[i].links[k], want);
        }
        ASSERT_QUERIES(r, 1);
        rt_response_free(r);
    }

    rt_server *const servers[] = {&kv_select, &kv_joined, &kv_selectin};
    for (size_t v = 0; v < 3; v++) {
        rt_server *s = servers[v];
        r = getf(s, 200, "/api/authors/1");
        expect_member(r, r->json, "drafts", false);
        expect_link(r, r->json, "drafts", NULL);
        expect_member(r, r->json, "all_books", false);
        expect_link(r, r->json, "all_books", "/api/authors/1/all_books");
        rt_response_free(r);

        static const char *const bad[] = {"/api/authors/1?include=drafts", "/api/authors?include=all_books",
                                          "/api/books?include=author.all_books",
                                          "/api/tags/1?include=books.author.drafts"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            r = rt_get(s, bad[i]);
            rt_assert_problem(r, 400, "/query/include");
            rt_response_free(r);
        }

        r = getf(s, 200, "/api/authors/1/all_books");
        EXPECT_IDS(r, "data", "1,2,5"); /* order_by id */
        rt_response_free(r);
        r = getf(s, 200, "/api/authors/1/all_books?filter=%s", enc("{\"title\": {\"like\": \"%e%\"}}"));
        EXPECT_IDS(r, "data", "1,5");
        rt_response_free(r);
        r = getf(s, 200, "/api/authors/1/all_books?limit=1&count=exact&sort=-title");
        EXPECT_IDS(r, "data", "1");
        expect_int(r, NULL, "meta.total", 3);
        ck_assert_msg(jget(r->json, "links.next") != NULL, "%s: no next: %.1500s", r->what, r->body);
        rt_response_free(r);
        r = rt_get(s, "/api/authors/9/all_books");
        rt_assert_problem(r, 404, NULL);
        rt_response_free(r);
    }

    /* joined and selectin: embedded by default, no link */
    for (size_t v = 1; v < 3; v++) {
        r = getf(servers[v], 200, "/api/authors/1");
        EXPECT_IDS(r, "books", "2,5,1");
        expect_link(r, r->json, "books", NULL);
        rt_response_free(r);
    }
}
END_TEST

/* ------------------------------------------------------------ budget */

/* user i has i % 4 addresses, with consecutive ids from first_address[i] */
static long long first_address[BUDGET_USERS + 1];

static void budget_start(void)
{
    static const char *const args[] = {"--max-body", "4194304", NULL};
    rt_server_start(&budget, BUDGET, NULL, args);
    size_t cap = 256 * 1024, len = 0;
    char *body = malloc(cap);
    ck_assert(body != NULL);
    len += (size_t)snprintf(body + len, cap - len, "[");
    for (int i = 1; i <= BUDGET_USERS; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":%d,\"name\":\"u%04d\"}", i > 1 ? "," : "", i, i);
    snprintf(body + len, cap - len, "]");
    post_ok(&budget, "/api/users", body, 201);
    len = 0;
    len += (size_t)snprintf(body + len, cap - len, "[");
    long long aid = 1;
    for (int i = 1; i <= BUDGET_USERS; i++) {
        first_address[i] = aid;
        for (int k = 0; k < i % 4; k++, aid++)
            len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":%lld,\"email_address\":\"a%lld@u%d\",\"user_id\":%d}",
                                    aid > 1 ? "," : "", aid, aid, i, i);
    }
    ck_assert(len + 2 < cap);
    snprintf(body + len, cap - len, "]");
    post_ok(&budget, "/api/addresses", body, 201);
    free(body);
}
static void budget_stop(void) { rt_server_stop(&budget); }

/* "a,b,c": the address ids of user id */
static void user_addresses(long long id, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (long long n = 0; n < id % 4; n++)
        k += (size_t)snprintf(out + k, len - k, "%s%lld", n ? "," : "", first_address[id] + n);
}

/* Each user of the list embeds exactly its addresses under rel. */
static void expect_user_addresses(const rt_response *r, json_t *users, const char *rel)
{
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) {
        char want[64];
        user_addresses(int_at(r, u, "id"), want, sizeof want);
        expect_ids_at(r, u, rel, "id", want);
    }
}

/* A list of N users with an include tree runs at most 1 + (selectin
 * nodes) statements, the same for N = 1, 100 and 1000; joined nodes add
 * none. Exactly 1 + R when no level meets rows loaded already; an a.b.a
 * path may skip its last level (every user's addresses are loaded). */
START_TEST(test_budget_statements)
{
    /* (the rows of a.b.a paths are checked by test_budget_include_cycles) */
    static const struct {
        const char *include;
        int k;
        bool exact;
    } cases[] = {
        {"addresses", 2, true},
        {"addresses.user", 3, true},
        {"addresses.user.addresses", 4, false},
        {"addresses_j", 1, true},
        {"addresses_j.user_j", 1, true},
        {"addresses_j.user_j.addresses_j", 1, true},
        {"addresses.user_j", 2, true},
        {"addresses_j.user", 2, true},
        {"addresses.user_j.addresses", 3, false},
        {"addresses_j.user.addresses_j", 2, true},
        {"addresses_j.user_j.addresses", 2, false},
        {"addresses,addresses_j", 2, true},
        {"addresses.user,addresses_j.user_j", 3, true},
    };
    static const int limits[] = {1, 100, 1000};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int first_k = -1;
        for (size_t l = 0; l < 3; l++) {
            rt_response *r = getf(&budget, 200, "/api/users?limit=%d&include=%s", limits[l], cases[c].include);
            json_t *data = jget(r->json, "data");
            ck_assert_msg(json_array_size(data) == (size_t)limits[l], "%s: %zu users", r->what, json_array_size(data));
            if (cases[c].exact) ASSERT_QUERIES(r, cases[c].k);
            else ASSERT_QUERIES_MAX(r, cases[c].k);
            if (first_k < 0) first_k = timing_queries(r);
            ck_assert_msg(timing_queries(r) == first_k, "%s: %d statements, but %d for limit=1", r->what,
                          timing_queries(r), first_k);
            const char *first = strncmp(cases[c].include, "addresses_j", 11) == 0 ? "addresses_j" : "addresses";
            if (count_occurrences(cases[c].include, ".") < 2) expect_user_addresses(r, data, first);
            rt_response_free(r);
        }
    }

    /* the same from the other side, and with a count */
    rt_response *r = getf(&budget, 200, "/api/addresses?limit=1000&include=user.addresses_j");
    ASSERT_QUERIES(r, 2);
    rt_response_free(r);
    r = getf(&budget, 200, "/api/users?limit=1000&include=addresses.user&count=exact");
    ASSERT_QUERIES(r, 4); /* + the count */
    expect_int(r, NULL, "meta.total", BUDGET_USERS);
    rt_response_free(r);
}
END_TEST

/* LIMIT counts parents when a to-many is joined: 20 users, each with all
 * of its addresses, on every page however it is reached. */
START_TEST(test_budget_joined_paging)
{
    static const char *const pages[] = {
        "/api/users?include=addresses_j&limit=20",
        "/api/users?include=addresses_j&limit=20&offset=40",
        "/api/users?include=addresses_j&limit=20&sort=-name",
        "/api/users?include=addresses_j.user_j.addresses_j&limit=20&offset=7",
        "/api/users?include=addresses_j,addresses&limit=20&sort=-id",
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        rt_response *r = getf(&budget, 200, "%s", pages[i]);
        json_t *data = jget(r->json, "data");
        ck_assert_msg(json_array_size(data) == 20, "%s: %zu users, expected 20", r->what, json_array_size(data));
        expect_user_addresses(r, data, "addresses_j");
        /* and the next page by cursor */
        const char *next = json_string_value(jget(r->json, "links.next"));
        ck_assert_msg(next != NULL, "%s: no links.next", r->what);
        rt_response *r2 = getf(&budget, 200, "%s", next);
        ck_assert_msg(json_array_size(jget(r2->json, "data")) == 20, "%s: %zu users", r2->what,
                      json_array_size(jget(r2->json, "data")));
        expect_user_addresses(r2, jget(r2->json, "data"), "addresses_j");
        long long last = int_at(r, data, "19.id"), after = int_at(r2, NULL, "data.0.id");
        ck_assert_msg(last != after, "%s: the next page repeats user %lld", r2->what, last);
        rt_response_free(r2);
        rt_response_free(r);
    }
    rt_response *r = getf(&budget, 200, "/api/users?include=addresses_j&limit=20");
    EXPECT_IDS(r, "data", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20");
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);

    /* filter + joined collection: the filter picks users, not addresses */
    r = getf(&budget, 200, "/api/users?include=addresses_j&limit=20&filter=%s",
             enc("{\"addresses\": {\"any\": {\"email_address\": {\"like\": \"a1%\"}}}}"));
    json_t *data = jget(r->json, "data");
    ck_assert_msg(json_array_size(data) == 20, "%s: %zu users", r->what, json_array_size(data));
    expect_user_addresses(r, data, "addresses_j");
    EXPECT_IDS(r, "data.0.addresses_j", "1");
    EXPECT_IDS(r, "data.1.addresses_j", "10,11,12");
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);

    /* sorting through a many-to-one with a joined collection below it */
    rt_response *j = getf(&budget, 200, "/api/addresses?include=user_j.addresses_j&sort=-user.name,id&limit=5");
    rt_response *s = getf(&budget, 200, "/api/addresses?include=user.addresses&sort=-user.name,id&limit=5");
    EXPECT_IDS(j, "data", "1498,1499,1500,1496,1497");
    EXPECT_IDS(s, "data", "1498,1499,1500,1496,1497");
    EXPECT_IDS(j, "data.0.user_j.addresses_j", "1498,1499,1500");
    EXPECT_IDS(j, "data.3.user_j.addresses_j", "1496,1497");
    EXPECT_IDS(s, "data.3.user.addresses", "1496,1497");
    ASSERT_QUERIES(j, 1);
    ASSERT_QUERIES(s, 3);
    rt_response_free(j);
    rt_response_free(s);
}
END_TEST

/* a.b.a over many parents: every collection listed once, both strategies. */
START_TEST(test_budget_include_cycles)
{
    rt_response *r = getf(&budget, 200, "/api/users?limit=20&include=addresses_j.user_j.addresses_j");
    size_t i;
    json_t *u;
    json_array_foreach(jget(r->json, "data"), i, u) {
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(u, "addresses_j"), k, a) {
            expect_int(r, a, "user_j.id", int_at(r, u, "id"));
            char want[64];
            user_addresses(int_at(r, u, "id"), want, sizeof want);
            expect_ids_at(r, a, "user_j.addresses_j", "id", want);
        }
    }
    ASSERT_QUERIES(r, 1);
    rt_response_free(r);

    r = getf(&budget, 200, "/api/users?limit=20&include=addresses.user.addresses");
    expect_user_addresses(r, jget(r->json, "data"), "addresses");
    json_array_foreach(jget(r->json, "data"), i, u) {
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(u, "addresses"), k, a) {
            expect_int(r, a, "user.id", int_at(r, u, "id"));
            char want[64];
            user_addresses(int_at(r, u, "id"), want, sizeof want);
            expect_ids_at(r, a, "user.addresses", "id", want);
        }
    }
    ASSERT_QUERIES_MAX(r, 4);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ suite */

static TCase *tcase(Suite *s, const char *name, void (*start)(void), void (*stop)(void))
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, start, stop);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tc;
}

Suite *http_relationships_suite(void)
{
    Suite *s = suite_create("http_relationships");
    TCase *tc = tcase(s, "blog", blog_start, blog_stop);
    tcase_add_test(tc, test_blog_select_is_a_link);
    tcase_add_test(tc, test_blog_selectin_embedded_by_default);
    tcase_add_test(tc, test_blog_dynamic);
    tcase_add_test(tc, test_blog_sub_resources);
    tcase_add_test(tc, test_blog_identity_map);
    tcase_add_test(tc, test_blog_include_cycles);
    tcase_add_test(tc, test_blog_filter_and_include);
    tcase_add_test(tc, test_blog_include_errors);

    tc = tcase(s, "tree", tree_start, tree_stop);
    tcase_add_test(tc, test_tree_children_selectin_default);
    tcase_add_test(tc, test_tree_list_children_once);
    tcase_add_test(tc, test_tree_parent_many_to_one);
    tcase_add_test(tc, test_tree_sub_resources);
    tcase_add_test(tc, test_tree_include_cycles);
    tcase_add_test(tc, test_tree_filter_and_include);

    tc = tcase(s, "orders", orders_start, orders_stop);
    tcase_add_test(tc, test_orders_association_object);
    tcase_add_test(tc, test_orders_many_to_many_through_association);
    tcase_add_test(tc, test_orders_sub_resources);
    tcase_add_test(tc, test_orders_identity_map);
    tcase_add_test(tc, test_orders_filter_and_include);

    tc = tcase(s, "graph", graph_start, graph_stop);
    tcase_add_test(tc, test_graph_custom_joins);
    tcase_add_test(tc, test_graph_neighbors);
    tcase_add_test(tc, test_graph_include_cycles);
    tcase_add_test(tc, test_graph_filter_and_include);

    tc = tcase(s, "company", company_start, company_stop);
    tcase_add_test(tc, test_company_child_resources);
    tcase_add_test(tc, test_company_base_resource);
    tcase_add_test(tc, test_company_relationships);
    tcase_add_test(tc, test_company_create_child);
    tcase_add_test(tc, test_company_create_base);

    tc = tcase(s, "variants", variants_start, variants_stop);
    tcase_add_test(tc, test_variants_defaults_joined_equals_selectin);
    tcase_add_test(tc, test_variants_include_identical);
    tcase_add_test(tc, test_variants_content);
    tcase_add_test(tc, test_variants_links_dynamic_noload);

    tc = tcase(s, "budget", budget_start, budget_stop);
    tcase_add_test(tc, test_budget_statements);
    tcase_add_test(tc, test_budget_joined_paging);
    tcase_add_test(tc, test_budget_include_cycles);
    return s;
}
