/* test_hostile.c: requests a hostile client sends (issue 9) against the
 * real binary: batches that try to run inside themselves or smuggle a NUL
 * into an operation path, invalid UTF-8 in every part of a target, work
 * that outlasts the statement timeout (long patterns over long values,
 * alone and in a batch, while writers keep being served), work bounded per
 * request (rows read, bytes read, size of the answer), filter and sort
 * paths too deep for the database's parser, loose numbers and entity tags,
 * If-Match on every write route, capped error lists, and answers that
 * never carry invalid UTF-8 (also when another program stored some: an
 * SQLite file can hold it, test_sqlite_file.c).
 *
 * Servers, one per TCase: "blog" (schemas/blog.json seeded, statement
 * timeout 400 ms), "budget" (the same with --max-request-rows 300 and
 * --max-response 65536), "keys" (tests/http/schemas/keys.json) and "tree"
 * (tests/http/schemas/tree.json). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/utf8.h"
#include "tests/suites.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"

static rt_server blog, budget, keys, tree;

static const char *const blog_args[] = {"--statement-timeout-ms", "400", NULL};
static const char *const budget_args[] = {"--max-request-rows", "300", "--max-response", "65536", NULL};

RT_FIXTURE(blog, BLOG, BLOG_SEED, blog_args)
RT_FIXTURE(budget, BLOG, BLOG_SEED, budget_args)
RT_FIXTURE(keys, "tests/http/schemas/keys.json", NULL, NULL)
RT_FIXTURE(tree, "tests/http/schemas/tree.json", NULL, NULL)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every answer must be valid UTF-8. */
static void check_utf8(const rt_response *r)
{
    ck_assert_msg(rm_utf8_valid(r->body, r->body_len), "%s: the answer is not valid UTF-8: %.300s", r->what, r->body);
}

/* rt_checked and rt_check, and check_utf8 on the answer; HOSTILE_CASES is
 * RT_CASES with check_utf8. */
static rt_response *hostile(const rt_server *s, const char *request, const char *expect)
{
    rt_response *r = rt_checked(s, request, expect);
    check_utf8(r);
    return r;
}

static void hostile_check(const rt_server *s, const char *request, const char *expect)
{
    rt_response_free(hostile(s, request, expect));
}

#define HOSTILE_CASES(s, ...) RT_CASES_CHECK((s), NULL, check_utf8, __VA_ARGS__)

/* ------------------------------------------------------------ item 1: batches */

/* /api/%5Fbatch is /api/_batch once decoded: refused as a nested batch,
 * and the server keeps answering writes (it used to wait for its own lock). */
START_TEST(batch_cannot_nest_through_an_encoded_path)
{
    static const char *const paths[] = {"/api/%5Fbatch", "/api/%5fbatch/", "/api/_batch", "/api/%5F%62atch?x=1"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        hostile_check(&blog,
                      rt_fmt("POST /api/_batch {'operations': [{'method': 'POST', 'path': '%s',"
                             " 'body': {'operations': []}}]}", paths[i]),
                      "400 /operations/0/path");
    double t0 = now_s();
    hostile_check(&blog, "POST /api/keywords {'keyword': 'after-nested'}", "201");
    ck_assert_msg(now_s() - t0 < 5, "a write after the nested batch waited %.1f s", now_s() - t0);
    hostile_check(&blog, "/healthz", "200");
}
END_TEST

/* A NUL in an operation's path is refused as it is when sent directly; it
 * used to be cut at the NUL and delete keyword 1. */
START_TEST(batch_paths_are_decoded_like_requests)
{
    HOSTILE_CASES(&blog,
        {"DELETE /api/keywords/1%00x", "400; @unchanged"},
        {"POST /api/_batch {'operations': [{'method': 'DELETE', 'path': '/api/keywords/1%00x'}]}",
         "400 /operations/0/path; @unchanged"},
        {"POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users?sort=%FF'}]}",
         "400 /operations/0/path; @unchanged"},
    );
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM keywords WHERE id = 1");
    /* the same decoding: '+' is a space in a query, a literal '+' in a path */
    hostile_check(&blog,
                  "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users?fullname=Ed+Jones'},"
                  " {'method': 'GET', 'path': '/api/users?name=%65d'}]}",
                  "results.0.body.data.0.name = 'ed'; results.1.body.data.0.name = 'ed'");
}
END_TEST

/* A failing operation's problem carries its own errors (a 404 has one at
 * the operation), pointers under /operations/N. */
START_TEST(batch_failure_lists_the_operation_errors)
{
    rt_response *r = hostile(&blog,
                             "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users/1'},"
                             " {'method': 'GET', 'path': '/api/users/99999'}]}",
                             "404 /operations/1");
    ck_assert_msg(strstr(r->body, "no User with that key") != NULL, "%s", r->body);
    rt_response_free(r);
    HOSTILE_CASES(&blog,
        {"POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/users?limit=x'}]}",
         "400 /operations/0/query/limit"},
        {"POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/users', 'body': {'fullname': 'x'}}]}",
         "422 /operations/0/body/name"},
    );
}
END_TEST

/* "Expect: 100-continue" on a request without a body: answered, not
 * dropped (libmicrohttpd used to read the next bytes as its body and close
 * the connection unanswered). */
START_TEST(expect_without_a_body_is_answered)
{
    static const char req[] = "GET /api/users/1 HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n{}";
    char *raw = rt_raw(&blog, req, sizeof req - 1);
    ck_assert_msg(rt_raw_status(raw) == 200, "%s", raw);
    free(raw);
}
END_TEST

/* ------------------------------------------------------------ item 3: time */

/* 1 MB values and a pattern that costs one full scan of each: with a
 * 400 ms statement timeout the list answers 503 in about that time, not
 * after one slow comparison per row; through a read-only batch too,
 * while writes go on (a batch that only reads holds no write lock). */
static const char *slow_pattern(void)
{
    static char pat[401];
    pat[0] = '%';
    memset(pat + 1, 'a', 398);
    pat[399] = 'b';
    pat[400] = '\0';
    return pat;
}

/* The SQL text before, n times c, then after (malloc'd): long values as
 * one literal, which every backend reads alike. */
static char *with_run(const char *before, char c, size_t n, const char *after)
{
    size_t k = strlen(before), m = strlen(after);
    char *sql = malloc(k + n + m + 1);
    ck_assert_ptr_nonnull(sql);
    memcpy(sql, before, k);
    memset(sql + k, c, n);
    memcpy(sql + k + n, after, m + 1);
    return sql;
}

static void add_long_posts(const rt_server *s)
{
    char *sql = with_run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12) "
                         "INSERT INTO posts (user_id, headline, body) SELECT 1, 'long ' || i, '",
                         'a', 1000000, "' FROM n");
    rt_db_exec(s, sql);
    free(sql);
}

typedef struct slow_call {
    const rt_server *s;
    const char *path, *body;
    long status;
    double seconds;
} slow_call;

static void *slow_thread(void *ud)
{
    slow_call *c = ud;
    double t0 = now_s();
    rt_response *r = c->body ? rt_send_json(c->s, "POST", c->path, c->body) : rt_get(c->s, c->path);
    c->status = r->status;
    c->seconds = now_s() - t0;
    rt_response_free(r);
    return NULL;
}

START_TEST(long_patterns_are_bounded_by_the_timeout)
{
    add_long_posts(&blog);
    char *filter = rt_jsonf("{'body': {'like': '%s'}}", slow_pattern());
    char *esc = NULL;
    {   /* URL-encode the filter: only % and quotes/braces matter here */
        size_t n = strlen(filter);
        esc = malloc(n * 3 + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) k += (size_t)sprintf(esc + k, "%%%02X", (unsigned char)filter[i]);
    }
    char path[4096];
    snprintf(path, sizeof path, "/api/posts?filter=%s", esc);
    double t0 = now_s();
    rt_response *r = rt_get(&blog, path);
    double took = now_s() - t0;
    check_utf8(r);
    rt_expect(r, 503, NULL);
    /* one comparison is ~1 s on a slow machine: the deadline is checked
     * between rows, so 12 rows never run (it took 12+ s before) */
    ck_assert_msg(took < 4.0, "a 400 ms statement timeout answered after %.1f s", took);

    /* the same read 20 times in one batch: one deadline for the unit */
    size_t cap = 64 + 20 * (strlen(path) + 64);
    char *batch = malloc(cap);
    size_t k = (size_t)snprintf(batch, cap, "{\"operations\": [");
    for (int i = 0; i < 20; i++)
        k += (size_t)snprintf(batch + k, cap - k, "%s{\"method\": \"GET\", \"path\": \"%s\"}", i ? "," : "", path);
    snprintf(batch + k, cap - k, "]}");
    slow_call reader = {&blog, "/api/_batch", batch, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, slow_thread, &reader);
    struct timespec pause = {0, 100 * 1000000L};
    nanosleep(&pause, NULL);
    slow_call writer = {&blog, "/api/keywords", "{\"keyword\": \"during-slow-batch\"}", 0, 0};
    slow_thread(&writer);
    pthread_join(th, NULL);
    ck_assert_msg(writer.status == 201, "a write during a read-only batch answered %ld", writer.status);
    ck_assert_msg(writer.seconds < 2.0, "a write waited %.1f s behind a read-only batch", writer.seconds);
    ck_assert_msg(reader.status == 503, "the slow batch answered %ld", reader.status);
    ck_assert_msg(reader.seconds < 4.0, "the slow batch ran %.1f s past a 400 ms timeout", reader.seconds);
    free(batch);
    free(esc);
    free(filter);
    rt_db_exec(&blog, "DELETE FROM posts WHERE headline LIKE 'long %'");
}
END_TEST

START_TEST(patterns_are_at_most_400_characters)
{
    char long_pat[402];
    memset(long_pat, 'x', 401);
    long_pat[401] = '\0';
    static const char *const ops[] = {"like", "ilike", "startswith", "endswith", "contains"};
    for (size_t i = 0; i < 5; i++) {
        char path[1024], want[64];
        snprintf(path, sizeof path, "/api/users?filter=%%7B%%22name%%22:%%7B%%22%s%%22:%%22%s%%22%%7D%%7D", ops[i], long_pat);
        snprintf(want, sizeof want, "/filter/name/%s", ops[i]);
        hostile_check(&blog, path, rt_fmt("400 %s", want));
        long_pat[1] = '\0'; /* 400 is fine */
        char ok[1024];
        memset(long_pat, 'x', 400);
        long_pat[400] = '\0';
        snprintf(ok, sizeof ok, "/api/users?filter=%%7B%%22name%%22:%%7B%%22%s%%22:%%22%s%%22%%7D%%7D", ops[i], long_pat);
        hostile_check(&blog, ok, "200");
        memset(long_pat, 'x', 401);
        long_pat[401] = '\0';
    }
}
END_TEST

/* ------------------------------------------------------------ item 4: work */

START_TEST(rows_read_per_request_are_bounded)
{
    /* 400 users: a page of 1000 reads more than the 300-row budget */
    char *request = malloc(400 * 40 + 32);
    size_t k = (size_t)sprintf(request, "POST /api/users [");
    for (int i = 0; i < 400; i++) k += (size_t)sprintf(request + k, "%s{\"name\": \"bulk%d\"}", i ? "," : "", i);
    sprintf(request + k, "]");
    hostile_check(&budget, request, "201");
    free(request);
    HOSTILE_CASES(&budget,
        {"/api/users?limit=1000&fields=id", "413"},
        {"/api/users?limit=200&fields=id", "200"},
        /* operations x page size: two pages of 200 in one batch pass it;
         * nothing the batch wrote is kept */
        {"POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/keywords', 'body': {'keyword': 'kept?'}},"
         " {'method': 'GET', 'path': '/api/users?limit=200&fields=id'},"
         " {'method': 'GET', 'path': '/api/users?limit=200&offset=200&fields=id'}]}",
         "413; @unchanged"},
    );
}
END_TEST

START_TEST(answers_are_bounded)
{
    /* 200 rows of ~500 bytes: 100 KB of answer against a 64 KiB bound (posts,
     * whose body is text of any length on every backend) */
    char *sql = with_run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                         "INSERT INTO posts (headline, body) SELECT 'big ' || i, '",
                         'z', 480, "' FROM n");
    rt_db_exec(&budget, sql);
    free(sql);
    rt_response *r = hostile(&budget, "/api/posts?limit=200", "413");
    ck_assert_msg(strstr(r->body, "65536") != NULL, "the problem names the bound: %s", r->body);
    rt_response_free(r);
    HOSTILE_CASES(&budget,
        {"/api/posts?limit=50", "200"},
        /* a batch whose answers add up past it */
        {"POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/posts?limit=80'},"
         " {'method': 'GET', 'path': '/api/posts?limit=80&offset=80'}]}",
         "413"},
    );
    rt_db_exec(&budget, "DELETE FROM posts WHERE headline LIKE 'big %'");
}
END_TEST

/* A page of many rows is streamed (chunked, written as it is sent) and
 * reads exactly as a built one: every object, meta and links. */
START_TEST(large_pages_are_streamed)
{
    char *request = malloc(600 * 96 + 32);
    size_t k = (size_t)sprintf(request, "POST /api/users [");
    for (int i = 0; i < 600; i++)
        k += (size_t)sprintf(request + k, "%s{\"name\": \"stream%d\", \"fullname\": \"S \\u00e9 %d\"}", i ? "," : "", i, i);
    sprintf(request + k, "]");
    hostile_check(&blog, request, "201");
    free(request);
    /* a small page is sent whole */
    hostile_check(&blog, "/api/users?name=stream1&fullname=S%20%C3%A9%201", "data # 1; !@Transfer-Encoding");
    rt_response *r = hostile(&blog, "/api/users?limit=1000&sort=-id&include=addresses&count=exact", "200");
    const char *te = rt_header(r, "Transfer-Encoding");
    ck_assert_msg(te && strstr(te, "chunked"), "a page of 600 objects is streamed");
    ck_assert_msg(r->json != NULL, "the streamed page is JSON: %.200s", r->body);
    size_t n = json_array_size(rt_json_at(r, "data"));
    ck_assert_uint_ge(n, 600);
    ck_assert_int_eq(rt_json_int(r, "meta.total"), (long long)n);
    ck_assert_str_eq(rt_json_str(r, "data.0.name"), "stream599");
    ck_assert_str_eq(rt_json_str(r, "data.0.fullname"), "S \xC3\xA9 599");
    ck_assert_msg(json_is_array(rt_json_at(r, "data.0.addresses")), "includes are written");
    ck_assert_msg(rt_json_at(r, "links.self") != NULL, "links follow the data");
    rt_response_free(r);
    /* HEAD of a large page: a head only, the connection still usable */
    static const char head[] = "HEAD /api/users?limit=1000 HTTP/1.1\r\nHost: t\r\n\r\n"
                               "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    int fd = rt_connect(&blog);
    rt_send_all(fd, head, sizeof head - 1);
    char all[8192];
    size_t got = 0;
    ssize_t nread;
    while (got < sizeof all - 1 && (nread = recv(fd, all + got, sizeof all - 1 - got, 0)) > 0) got += (size_t)nread;
    all[got] = '\0';
    close(fd);
    /* the HEAD's head, then directly the next answer: no body, no chunk */
    const char *end_of_head = strstr(all, "\r\n\r\n");
    ck_assert_msg(!strncmp(all, "HTTP/1.1 200", 12) && end_of_head && !strncmp(end_of_head + 4, "HTTP/1.1 200", 12),
                  "HEAD of a large page then GET: %s", all);
    rt_db_exec(&blog, "DELETE FROM users WHERE name LIKE 'stream%'");
}
END_TEST

/* ------------------------------------------------------------ item 7: If-Match */

/* The ETag of GET path, as an If-Match line (in one of rt_fmt's buffers). */
static const char *if_match_now(const rt_server *s, const char *path)
{
    rt_response *r = hostile(s, path, "200");
    const char *line = rt_fmt("If-Match: %s", rt_header(r, "ETag"));
    rt_response_free(r);
    return line;
}

START_TEST(if_match_holds_on_sub_resource_writes)
{
    rt_response *r = hostile(&blog,
                             "POST /api/users {'name': 'im', 'addresses': [{'email_address': 'im1@x.org'},"
                             " {'email_address': 'im2@x.org'}]}",
                             "201");
    long long uid = rt_json_int(r, "id"), aid = rt_json_int(r, "addresses.0.id");
    rt_response_free(r);
    char user[64], address[96];
    snprintf(user, sizeof user, "/api/users/%lld", uid);
    snprintf(address, sizeof address, "%s/addresses/%lld", user, aid);
    /* a failed If-Match writes nothing */
    hostile_check(&blog, rt_fmt("DELETE %s\nIf-Match: \"v999\"", address), "412; @unchanged");
    hostile_check(&blog, rt_fmt("POST %s/addresses\nIf-Match: \"v999\"\n\n{\"email_address\": \"im3@x.org\"}", user),
                  "412; @unchanged");
    HOSTILE_CASES(&blog,
        {"POST /api/posts/1/keywords\nIf-Match: \"hnope\"\n\n{\"keyword\": \"im-kw\"}", "412; @unchanged"},
        {"POST /api/keywords\nIf-Match: \"x\"\n\n{\"keyword\": \"im-kw\"}", "412; @unchanged"},
    );
    /* the parent's current ETag lets them through */
    hostile_check(&blog, rt_fmt("DELETE %s\n%s", address, if_match_now(&blog, user)), "204");
    const char *post_etag = if_match_now(&blog, "/api/posts/1");
    hostile_check(&blog, rt_fmt("POST /api/posts/1/keywords\n%s\n\n{\"keyword\": \"im-kw\"}", post_etag), "201");
    hostile_check(&blog, "POST /api/keywords\nIf-Match: *\n\n{\"keyword\": \"im-kw2\"}", "201");
}
END_TEST

/* ------------------------------------------------------------ item 8: 500s */

START_TEST(deep_filter_paths_are_400)
{
    /* 12 hops through addresses/user: SQLite's parser overflows on such nests */
    char key[512] = "addresses";
    for (int i = 1; i < 12; i++) strcat(key, i % 2 ? ".user" : ".addresses");
    char path[1024], want[600];
    snprintf(path, sizeof path, "/api/users?filter=%%7B%%22%s.id%%22:1%%7D", key);
    snprintf(want, sizeof want, "/filter/%s.id", key);
    hostile_check(&blog, path, rt_fmt("400 %s", want));
    /* JSON nesting and dotted hops count alike: this one is within bounds */
    hostile_check(&blog, "/api/users?filter=%7B%22addresses.user.addresses.user.name%22:%22jack%22%7D", "200");
}
END_TEST

START_TEST(deep_sort_paths_are_400)
{
    /* sort paths: at most 3 relationships */
    char deep[1024] = "parent";
    for (int i = 0; i < 70; i++) strcat(deep, ".parent");
    RT_CASES_CHECK(&tree, deep, check_utf8,
        {"/api/nodes?sort=parent.parent.parent.parent.name", "400 /query/sort"},
        {"/api/nodes?sort=%s.name", "400 /query/sort"},
        {"/api/nodes?sort=parent.parent.parent.name", "200"},
    );
}
END_TEST

/* Invalid UTF-8 anywhere in a target is 400; it never reaches an answer. */
START_TEST(invalid_utf8_in_targets_is_400)
{
    HOSTILE_CASES(&blog,
        {"/api/users/%FF", "400"},
        {"/api/%C3", "400"},
        {"/api/users?%FF=1", "400"},
        {"/api/users?sort=%FF", "400"},
        {"/api/users?fields=%C3%28", "400"},
        {"/api/users?include=%80", "400"},
        {"/api/users/1/%ED%A0%80", "400"},
        {"/api/users?name=%F4%90%80%80", "400"},
        {"/api/users?filter=%7B%22name%22:%22%C0%AF%22%7D", "400"},
    );
}
END_TEST

/* Errors speak restmap's words, never a library's internals. */
START_TEST(filter_json_errors_name_no_internals)
{
    rt_response *r = hostile(&blog, "/api/users?filter=%7B%22name%22%3A%22a%5Cu0000%22%7D", "400 /filter");
    ck_assert_msg(!strstr(r->body, "JSON_ALLOW_NUL") && !strstr(r->body, "near '"), "%s", r->body);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ item 9 */

START_TEST(numbers_and_entity_tags_parse_strictly)
{
    HOSTILE_CASES(&blog,
        {"/api/users?limit=%205", "400 /query/limit"},
        {"/api/users?limit=+5", "400 /query/limit"},
        {"/api/users?limit=5%20", "400 /query/limit"},
        {"/api/users?offset=0x10", "400 /query/offset"},
        {"/api/users?limit=5.0", "400 /query/limit"},
        {"/api/users/+1", "404"},
        {"/api/users/01", "404"},
        {"/api/users/%201", "404"},
        {"/api/users/1.0", "404"},
        {"/api/users/-0", "404"},
        {"/api/users?id=%2B1", "400 /query/id"},
        /* entity tags that do not parse */
        {"DELETE /api/users/1\nIf-Match: \"v1\" junk", "400"},
        {"DELETE /api/users/1\nIf-Match: v1", "400"},
        {"DELETE /api/users/1\nIf-Match: \"v1", "400"},
        {"DELETE /api/users/1\nIf-Match: *, \"v1\"", "400"},
        {"GET /api/users/1\nIf-None-Match: W/\"x\" \"y\"", "400"},
        {"DELETE /api/users/1\nIf-Match;", "400"},
    );
    rt_assert_sql(&blog, "1", "SELECT count(*) FROM users WHERE id = 1");
    HOSTILE_CASES(&blog,
        /* routes that take no parameters say so, as lists do for unknown ones */
        {"/api?limit=/..", "400 /query/limit"},
        {"/healthz?x=1", "400 /query/x"},
        {"/openapi.json?a", "400 /query/a"},
        {"GET /api/users/1\nIf-None-Match: \"a\", W/\"b\" ,\"c\"", "200"},
    );
}
END_TEST

START_TEST(composite_keys_parse_strictly)
{
    HOSTILE_CASES(&keys,
        {"POST /api/cells {\"row\": 1, \"col\": 2, \"value\": \"v\"}", "201"},
        {"/api/cells/1,2", "200"},
        {"/api/cells/01,+2", "404"},
        {"/api/cells/1,%202", "404"},
    );
}
END_TEST

/* An empty key part could never be addressed: refused at create. */
START_TEST(empty_string_keys_are_refused)
{
    HOSTILE_CASES(&keys,
        {"POST /api/tags {\"ns\": \"\", \"name\": \"a\"}", "422 /ns; @unchanged"},
        {"POST /api/tags {\"ns\": \"n\", \"name\": \"\"}", "422 /name; @unchanged"},
        {"POST /api/tags {\"ns\": \"a,b/c\", \"name\": \" \"}", "201"},
        {"%s", "200"}, /* its Location */
    );
}
END_TEST

/* 3000 bad objects: the first 100 errors and the count, not 3000. */
START_TEST(error_lists_are_capped)
{
    size_t n = 3000;
    char *request = malloc(n * 3 + 32);
    size_t k = (size_t)sprintf(request, "POST /api/users [");
    for (size_t i = 0; i < n; i++) k += (size_t)sprintf(request + k, "%s{}", i ? "," : "");
    sprintf(request + k, "]");
    rt_response *r = hostile(&blog, request, "422 /0/name");
    free(request);
    ck_assert_uint_eq(json_array_size(rt_json_at(r, "errors")), 100);
    ck_assert_int_eq(rt_json_int(r, "error_count"), 3000);
    ck_assert_msg(r->body_len < 20000, "a capped list is still %zu bytes", r->body_len);
    rt_response_free(r);
    /* under the cap, no count */
    r = hostile(&blog, "POST /api/users [{}, {}]", "422 /1/name");
    ck_assert_msg(rt_json_at(r, "error_count") == NULL, "%s", r->body);
    rt_response_free(r);
}
END_TEST

Suite *http_hostile_suite(void)
{
    Suite *s = suite_create("http_hostile");
    TS_TCASE(s, "blog", blog_start, blog_stop, 120, batch_cannot_nest_through_an_encoded_path,
             batch_paths_are_decoded_like_requests, batch_failure_lists_the_operation_errors,
             expect_without_a_body_is_answered, long_patterns_are_bounded_by_the_timeout,
             patterns_are_at_most_400_characters, large_pages_are_streamed, if_match_holds_on_sub_resource_writes,
             deep_filter_paths_are_400, invalid_utf8_in_targets_is_400,
             filter_json_errors_name_no_internals, numbers_and_entity_tags_parse_strictly, error_lists_are_capped);
    TS_TCASE(s, "budget", budget_start, budget_stop, 60, rows_read_per_request_are_bounded, answers_are_bounded);
    TS_TCASE(s, "keys", keys_start, keys_stop, 60, composite_keys_parse_strictly, empty_string_keys_are_refused);
    TS_TCASE(s, "tree", tree_start, tree_stop, 60, deep_sort_paths_are_400);
    return s;
}
