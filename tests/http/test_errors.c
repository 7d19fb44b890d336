/* test_errors.c: every error status of SPEC §3 and §8 against the real
 * binary. Each answer must be application/problem+json with type, title,
 * status, detail and an errors array (with the pointer when the error has
 * a place), and after every rejected request the database file must be
 * byte-for-byte the same (rt_db_fingerprint).
 *
 * Servers, one per TCase: "blog" (seeded blog), "validation"
 * (tests/http/schemas/validate.json), "limits" (blog with --max-body 64),
 * "internal" (a blog whose table is renamed behind its back: a real 500). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"

#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"
#define VALIDATE "tests/http/schemas/validate.json"
#define MAX_BODY 64

static rt_server blog, val, lim, internal;

RT_FIXTURE(blog, BLOG, BLOG_SEED, NULL)
RT_FIXTURE(val, VALIDATE, NULL, NULL)
static const char *const lim_args[] = {"--max-body", "64", NULL};
RT_FIXTURE(lim, BLOG, BLOG_SEED, lim_args)
RT_FIXTURE(internal, BLOG, BLOG_SEED, NULL)

static rt_server stat_srv;
static char static_dir[256];

static void static_start(void)
{
    rt_mkdtemp(static_dir, sizeof static_dir);
    char path[320];
    snprintf(path, sizeof path, "%s/index.html", static_dir);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs("<!doctype html><title>restmap</title>\n", f);
    fclose(f);
    const char *const args[] = {"--static", static_dir, NULL};
    rt_server_start(&stat_srv, BLOG, NULL, args);
}

static void static_stop(void)
{
    rt_server_stop(&stat_srv);
    rt_rmtree(static_dir);
}

/* ------------------------------------------------------------ helpers */

/* A raw request rejected with status; body is problem+json; db unchanged. */
static void reject_raw(const rt_server *s, const char *request, int status)
{
    char *before = rt_db_fingerprint(s);
    char *raw = rt_raw(s, request, strlen(request));
    ck_assert_msg(rt_raw_status(raw) == status, "expected %d for %.200s, got: %.400s", status,
                  request, raw);
    ck_assert_msg(strstr(raw, "application/problem+json") != NULL, "not problem+json: %.400s", raw);
    json_t *j = json_loads(rt_raw_body(raw), 0, NULL);
    ck_assert_msg(json_integer_value(json_object_get(j, "status")) == status, "body: %.400s", raw);
    json_decref(j);
    free(raw);
    char *after = rt_db_fingerprint(s);
    ck_assert_msg(strcmp(before, after) == 0, "raw request (%d) changed the database", status);
    free(before);
    free(after);
}

/* The request (as in rt_case) is refused with 422, writing nothing, and
 * the errors array has exactly one entry per pointer of the space-separated
 * list want, and no other. */
static void refused_422(const rt_server *s, const char *request, const char *want)
{
    char first[64];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(want, " "), want);
    rt_response *r = rt_checked(s, request, rt_fmt("422 %s; @unchanged", first));
    json_t *errors = rt_json_at(r, "errors");
    char *list = strdup(want), *save = NULL;
    size_t n = 0;
    for (char *p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save), n++) {
        size_t i, hits = 0;
        json_t *e;
        json_array_foreach(errors, i, e) {
            const char *at = json_string_value(json_object_get(e, "pointer"));
            if (at && !strcmp(at, p)) hits++;
        }
        ck_assert_msg(hits == 1, "%s: %zu errors at %s: %s", r->what, hits, p, r->body);
    }
    ck_assert_msg(json_array_size(errors) == n, "%s: %zu errors, expected %zu: %s", r->what, json_array_size(errors), n,
                  r->body);
    free(list);
    rt_response_free(r);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    ck_assert(s != NULL);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ------------------------------------------------------------ 400 bodies */

START_TEST(test_400_malformed_json)
{
    RT_REFUSED(&blog,
        {"POST /api/users {\"name\":", "400"},
        {"POST /api/users {name: 1}", "400"},
        {"PATCH /api/users/1 {\"name\":\"x\"", "400"},
        {"POST /api/users \"just a string\"", "400"},
        {"POST /api/users [1, 2]", "400 /0"},
        {"PUT /api/users/1 [{\"name\":\"x\"}]", "400"},
        {"PUT /api/users/1", "400"}, /* no body at all */
    );
}
END_TEST

START_TEST(test_400_unknown_field)
{
    RT_REFUSED(&blog,
        {"POST /api/users {\"name\":\"x\",\"bogus\":1}", "400 /bogus"},
        {"PATCH /api/users/1 {\"bogus\":1}", "400 /bogus"},
        {"POST /api/users [{\"name\":\"x\"},{\"name\":\"y\",\"bogus\":1}]", "400 /1/bogus"},
        /* JSON pointer escaping of the member name */
        {"POST /api/users {\"name\":\"x\",\"a/b~c\":1}", "400 /a~1b~0c"},
    );
}
END_TEST

START_TEST(test_400_wrong_type)
{
    RT_REFUSED(&blog,
        {"POST /api/users {\"name\":5}", "400 /name"},
        {"POST /api/users {\"name\":\"x\",\"fullname\":true}", "400 /fullname"},
        {"POST /api/users {\"name\":[\"x\"]}", "400 /name"},
        {"POST /api/users {\"name\":\"x\",\"id\":\"seven\"}", "400 /id"},
        {"PATCH /api/addresses/1 {\"user_id\":\"5\"}", "400 /user_id"},
        {"PATCH /api/addresses/1 {\"user_id\":1.5}", "400 /user_id"},
    );
}
END_TEST

START_TEST(test_400_read_only)
{
    RT_REFUSED(&blog,
        {"POST /api/users {\"name\":\"x\",\"version\":3}", "400 /version"},
        /* on an update the version is the one the change is based on: not an
         * integer is 400, another version than the row's is stale data (409) */
        {"PATCH /api/users/1 {\"version\":\"five\"}", "400 /version"},
        {"PATCH /api/users/1 {\"version\":5, \"fullname\":\"X\"}", "409"},
        {"PUT /api/users/1 {\"name\":\"ed\",\"version\":99}", "409"},
        /* the key in the body must match the URL */
        {"PATCH /api/users/1 {\"id\":2}", "400 /id"},
    );
}
END_TEST

START_TEST(test_400_duplicate_keys_and_nul)
{
    RT_REFUSED(&blog,
        {"POST /api/users {\"name\":\"a\",\"name\":\"b\"}", "400"},
        {"PATCH /api/users/1 {\"fullname\":\"a\",\"fullname\":\"a\"}", "400"},
        {"POST /api/users {\"name\":\"a\\u0000b\"}", "400"},
        {"PATCH /api/users/1 {\"fullname\":\"\\u0000\"}", "400"},
    );
}
END_TEST

/* ------------------------------------------------------------ 400 query */

START_TEST(test_400_query_params)
{
    RT_REFUSED(&blog,
        {"/api/users?limit=-1", "400 /query/limit"},
        {"/api/users?limit=abc", "400 /query/limit"},
        {"/api/users?limit=1001", "400 /query/limit"},
        {"/api/users?limit=", "400 /query/limit"},
        {"/api/users?limit=1.5", "400 /query/limit"},
        {"/api/users?offset=-1", "400 /query/offset"},
        {"/api/users?offset=x", "400 /query/offset"},
        {"/api/users?count=maybe", "400 /query/count"},
        {"/api/users?sort=nosuch", "400 /query/sort"},
        {"/api/users?sort=name,-nosuch", "400 /query/sort"},
        {"/api/users?bogus=1", "400 /query/bogus"},
        {"/api/users?fields=nosuch", "400 /query/fields"},
        {"/api/users?sort=password", "400 /query/sort"},
        {"/api/users?password=f8s7ccs", "400 /query/password"},
        {"/api/users?fields=password", "400 /query/fields"},
        {"/api/users?id=abc", "400 /query/id"},
        {"/api/users?limit=1&limit=2", "400 /query/limit"},
    );
}
END_TEST

START_TEST(test_400_above_schema_max_page_size)
{
    /* validate.json: entries have max_page_size 3 */
    RT_CASES(&val,
        {"/api/entries?limit=4", "400 /query/limit; @unchanged"},
        {"/api/entries?limit=3", "200"},
    );
}
END_TEST

/* ------------------------------------------------------------ 404 */

START_TEST(test_404)
{
    RT_REFUSED(&blog,
        {"GET /api/nosuch", "404"},
        {"POST /api/nosuch {\"name\":\"x\"}", "404"},
        {"GET /api/nosuch/1", "404"},
        {"GET /api/users/999", "404"},
        {"PUT /api/users/999 {\"name\":\"x\"}", "404"},
        {"PATCH /api/users/999 {\"name\":\"x\"}", "404"},
        {"DELETE /api/users/999", "404"},
        {"GET /nothing/here", "404"},
        {"GET /api/users/1/addresses/1/more", "404"},
    );
    /* keys that do not parse for an integer key */
    static const char *const bad_keys[] = {"abc", "1.5", "1,2", "-", "1x", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        RT_CASES_AT(&blog, bad_keys[i],
            {"GET /api/users/%s", "404; @unchanged"},
            {"PATCH /api/users/%s {\"fullname\":\"x\"}", "404; @unchanged"},
            {"DELETE /api/users/%s", "404; @unchanged"},
        );
    }
}
END_TEST

/* ------------------------------------------------------------ 405 */

/* Requests refused with 405, writing nothing, whose Allow header lists each
 * method of allow and none of those written -METHOD there. */
typedef struct allow_case {
    const char *request, *allow;
} allow_case;

static void allow_cases(const rt_server *s, const allow_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rt_response *r = rt_checked(s, cases[i].request, "405; @unchanged");
        const char *allow = rt_header(r, "Allow");
        ck_assert_msg(allow != NULL, "%s: 405 without Allow", r->what);
        char padded[256], want[32], *save = NULL, *list = strdup(cases[i].allow);
        snprintf(padded, sizeof padded, ", %s,", allow);
        for (char *m = strtok_r(list, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
            snprintf(want, sizeof want, " %s,", m + (*m == '-'));
            ck_assert_msg(!strstr(padded, want) == (*m == '-'), "%s: Allow \"%s\" %s %s", r->what, allow,
                          *m == '-' ? "has" : "lacks", m + (*m == '-'));
        }
        free(list);
        rt_response_free(r);
    }
}

#define ALLOW_CASES(s, ...)                                                    \
    do {                                                                       \
        static const allow_case cases_[] = {__VA_ARGS__};                      \
        allow_cases((s), cases_, sizeof cases_ / sizeof cases_[0]);            \
    } while (0)

START_TEST(test_405_with_allow)
{
    ALLOW_CASES(&blog,
        /* PATCH and DELETE there are bulk writes (SPEC §10 D) */
        {"PUT /api/users {\"name\":\"x\"}", "GET POST PATCH DELETE -PUT"},
        {"POST /api/users/1 {\"name\":\"x\"}", "GET PUT PATCH DELETE -POST"},
        {"POST /api {}", "GET -POST -PUT -PATCH -DELETE"},
        {"DELETE /healthz", "GET -POST -PUT -PATCH -DELETE"},
    );
}
END_TEST

START_TEST(test_405_schema_methods)
{
    /* validate.json: entries allow only GET */
    ALLOW_CASES(&val,
        {"POST /api/entries {\"msg\":\"x\"}", "GET -POST -PUT -PATCH -DELETE"},
        {"DELETE /api/entries/1", "GET -POST -PUT -PATCH -DELETE"},
        {"PATCH /api/entries/1 {\"msg\":\"x\"}", "GET -POST -PUT -PATCH -DELETE"},
    );
    rt_check(&val, "/api/entries", "200");
}
END_TEST

START_TEST(test_405_unknown_method)
{
    ALLOW_CASES(&blog,
        {"BREW /api/users", "GET -BREW"},
        {"BREW /api/users/1 {\"name\":\"x\"}", "GET -BREW"},
    );
}
END_TEST

/* A method an Allow header lists must not itself answer 405. */
START_TEST(test_options_matches_allow)
{
    static const char *const paths[] = {"/api/users", "/api/users/1", "/api", "/healthz"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        rt_response *r = rt_request(&blog, "OPTIONS", paths[i], NULL, NULL, NULL);
        const char *allow = rt_header(r, "Allow");
        ck_assert_msg(allow != NULL, "%s: no Allow", r->what);
        if (strstr(allow, "OPTIONS"))
            ck_assert_msg(r->status != 405, "%s: 405 but Allow lists OPTIONS: %s", r->what, allow);
        ck_assert_msg(strstr(allow, "GET") != NULL, "%s: Allow %s", r->what, allow);
        rt_response_free(r);
    }
}
END_TEST

/* ------------------------------------------------------------ 409 */

START_TEST(test_409_unique_and_foreign_key)
{
    RT_REFUSED(&blog,
        {"POST /api/keywords {\"keyword\":\"firstpost\"}", "409"},
        {"PATCH /api/keywords/1 {\"keyword\":\"firstpost\"}", "409"},
        {"POST /api/users {\"id\":1,\"name\":\"again\"}", "409"},
        {"POST /api/addresses {\"email_address\":\"x@y\",\"user_id\":999}", "409"},
        {"PATCH /api/addresses/1 {\"user_id\":999}", "409"},
        {"PUT /api/posts/1 {\"headline\":\"h\",\"user_id\":999}", "409"},
    );
}
END_TEST

/* ------------------------------------------------------------ 415 */

START_TEST(test_415_not_json)
{
    RT_REFUSED(&blog,
        {"POST /api/users\nContent-Type: text/plain\n\n{\"name\":\"x\"}", "415"},
        {"POST /api/users\nContent-Type:\n\n{\"name\":\"x\"}", "415"}, /* none at all */
        {"PATCH /api/users/1\nContent-Type: application/x-www-form-urlencoded\n\n{\"name\":\"x\"}", "415"},
        {"POST /api/users\nContent-Type: application/jsonx\n\n{\"name\":\"x\"}", "415"},
    );
    /* parameters are fine */
    rt_check(&blog, "POST /api/users\nContent-Type: application/json; charset=utf-8\n\n{\"name\":\"charset\"}", "201");
}
END_TEST

/* ------------------------------------------------------------ 422 */

START_TEST(test_422_each_constraint)
{
    static const struct { const char *body, *pointer; } cases[] = {
        {"{}", "/name"},
        {"{\"name\":null}", "/name"},
        {"{\"name\":\"toolong\"}", "/name"},
        {"{\"name\":\"ok\",\"kind\":\"c\"}", "/kind"},
        {"{\"name\":\"ok\",\"kind\":\"A\"}", "/kind"},
        {"{\"name\":\"ok\",\"qty\":0}", "/qty"},
        {"{\"name\":\"ok\",\"qty\":11}", "/qty"},
        {"{\"name\":\"ok\",\"qty\":-5}", "/qty"},
        {"{\"name\":\"ok\",\"born\":\"2024-02-30\"}", "/born"},
        {"{\"name\":\"ok\",\"born\":\"yesterday\"}", "/born"},
        {"{\"name\":\"ok\",\"born\":\"2024-13-01\"}", "/born"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        refused_422(&val, rt_fmt("POST /api/items %s", cases[i].body), cases[i].pointer);
    /* the boundaries themselves are valid; note has its default */
    rt_check(&val,
             "POST /api/items [{\"name\":\"abcde\",\"qty\":1,\"kind\":\"a\",\"born\":\"2024-02-29\"},"
             "{\"name\":\"b\",\"qty\":10,\"kind\":\"b\"}]",
             "201 data.0.born = '2024-02-29'; data.1.note = 'none'");
}
END_TEST

START_TEST(test_422_one_error_per_field)
{
    refused_422(&val, "POST /api/items {\"name\":\"toolong\",\"kind\":\"c\",\"qty\":0,\"born\":\"nope\"}",
                "/name /kind /qty /born");
    refused_422(&val, "POST /api/items [{\"name\":\"ok\"},{\"qty\":99},{\"name\":\"ok\",\"kind\":\"z\"}]",
                "/1/name /1/qty /2/kind");
}
END_TEST

START_TEST(test_422_on_put_and_patch)
{
    RT_CASES(&val,
        {"POST /api/items {\"name\":\"item\",\"qty\":5}", "201 id"}, /* %s: its Location */
        {"PUT %s {\"qty\":5}", "422 /name; @unchanged"},
        {"PUT %s {\"name\":null}", "422 /name; @unchanged"},
        {"PATCH %s {\"name\":null}", "422 /name; @unchanged"},
        {"PATCH %s {\"qty\":100}", "422 /qty; @unchanged"},
        {"PATCH %s {\"kind\":\"\"}", "422 /kind; @unchanged"},
        /* a type error and a validation error together: 400 decides */
        {"PATCH %s {\"qty\":\"five\",\"kind\":\"z\"}", "400 /qty; @unchanged"},
    );
}
END_TEST

/* String length counts characters, not bytes (users.name is string(50)). */
START_TEST(test_422_length_in_characters)
{
    char name[200] = "";
    for (int i = 0; i < 51; i++) strcat(name, "\xc3\xa9"); /* é */
    char body[256];
    snprintf(body, sizeof body, "POST /api/users {\"name\":\"%s\"}", name);
    rt_check_refused(&blog, body, "422 /name");
    name[strlen(name) - 2] = '\0'; /* 50 characters, 100 bytes */
    snprintf(body, sizeof body, "POST /api/users {\"name\":\"%s\"}", name);
    rt_response *r = rt_checked(&blog, body, "201");
    ck_assert_str_eq(rt_json_str(r, "name"), name);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ 413 */

START_TEST(test_413_content_length)
{
    char *big = repeat('x', 200);
    char body[300];
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", big);
    free(big);
    rt_check_refused(&lim, rt_fmt("POST /api/users %s", body), "413");
    rt_check_refused(&lim, rt_fmt("PUT /api/users/1 %s", body), "413");
    /* at the limit it is read: 64 bytes exactly; one more is 413 */
    char ok[MAX_BODY + 2];
    snprintf(ok, sizeof ok, "{\"name\":\"x\",\"password\":\"%s\"}", "0123456789abcdefghijklmnopqrstuvwxyzAB");
    ck_assert_uint_eq(strlen(ok), MAX_BODY);
    rt_check(&lim, rt_fmt("POST /api/users %s", ok), "201");
    snprintf(ok, sizeof ok, "{\"name\":\"x\",\"password\":\"%s\"}", "0123456789abcdefghijklmnopqrstuvwxyzABC");
    rt_check_refused(&lim, rt_fmt("POST /api/users %s", ok), "413");
}
END_TEST

START_TEST(test_413_chunked)
{
    char *big = repeat('y', 150);
    char req[1024];
    snprintf(req, sizeof req,
             "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
             "c\r\n{\"name\":\"zz\"\r\n%x\r\n,\"fullname\":\"%s\"}\r\n0\r\n\r\n",
             (unsigned)(strlen(big) + 15), big);
    free(big);
    reject_raw(&lim, req, 413);
    /* a small chunked body goes through */
    static const char small[] =
        "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "8\r\n{\"name\":\r\n7\r\n\"chunk\"\r\n1\r\n}\r\n0\r\n\r\n";
    char *raw = rt_raw(&lim, small, sizeof small - 1);
    ck_assert_msg(rt_raw_status(raw) == 201, "small chunked body: %.400s", raw);
    free(raw);
}
END_TEST

/* Expect: 100-continue with an over-limit Content-Length: 413 at once,
 * without asking for (or waiting for) the body. */
START_TEST(test_413_expect_continue)
{
    static const char req[] =
        "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n";
    char *before = rt_db_fingerprint(&lim);
    int fd = rt_connect(&lim);
    rt_send_all(fd, req, sizeof req - 1);
    char *raw = rt_read_response(fd, 5000);
    close(fd);
    ck_assert_msg(rt_raw_status(raw) == 413, "got: %.400s", raw);
    ck_assert_msg(strncmp(raw, "HTTP/1.1 100", 12) != 0, "asked for the body first: %.300s", raw);
    ck_assert_msg(strstr(raw, "application/problem+json") != NULL, "%.400s", raw);
    free(raw);
    char *after = rt_db_fingerprint(&lim);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    /* through libcurl as well */
    char *big = repeat('z', 2000);
    char body[2100];
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", big);
    free(big);
    static const char *const expect[] = {"Expect: 100-continue", NULL};
    rt_response *r = rt_request(&lim, "POST", "/api/users", body, "application/json", expect);
    rt_assert_problem(r, 413, NULL);
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ 414, 431 */

START_TEST(test_414_uri_too_long)
{
    char *q = repeat('a', 9000);
    RT_CASES_AT(&blog, q,
        {"GET /api/users?name=%s", "414; @unchanged"},
        {"DELETE /api/users/%s", "414; @unchanged"},
    );
    free(q);
}
END_TEST

START_TEST(test_431_headers_too_large)
{
    char *v = repeat('h', 40000);
    RT_CASES_AT(&blog, v, {"POST /api/users\nX-Big: %s\n\n{\"name\":\"big\"}", "431; @unchanged"});
    free(v);
    /* many small headers add up too: 500 of 18..20 bytes pass the 8 KiB */
    char *many = malloc(60000);
    size_t n = 0;
    n += (size_t)snprintf(many + n, 60000 - n, "GET /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (int i = 0; i < 500; i++) n += (size_t)snprintf(many + n, 60000 - n, "X-H%d: 0123456789\r\n", i);
    snprintf(many + n, 60000 - n, "Connection: close\r\n\r\n");
    reject_raw(&blog, many, 431);
    free(many);
}
END_TEST

/* ------------------------------------------------------------ framing */

START_TEST(test_400_ambiguous_framing)
{
    reject_raw(&blog,
               "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: 14\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{\"name\":\"cl\"}",
               400);
    reject_raw(&blog,
               "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: 14\r\nContent-Length: 99\r\nConnection: close\r\n\r\n{\"name\":\"cl\"}",
               400);
    reject_raw(&blog,
               "POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: 20\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               "e\r\n{\"name\":\"te\"}\r\n0\r\n\r\n",
               400);
}
END_TEST

/* ------------------------------------------------------------ Server-Timing */

/* Server-Timing on answers the HTTP layer gives before any handler runs
 * (they ran no statement: K is 0). */
START_TEST(test_server_timing_on_server_answers)
{
    static const struct { const char *method, *path, *body, *ctype; } reqs[] = {
        {"POST", "/api/users", "{\"name\":", "application/json"},   /* malformed JSON */
        {"POST", "/api/users", "{\"name\":\"x\"}", "text/plain"},  /* 415 */
        {"BREW", "/api/users", NULL, NULL},                         /* unknown method */
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        rt_response *r = rt_request(&blog, reqs[i].method, reqs[i].path, reqs[i].body,
                                    reqs[i].ctype, NULL);
        ck_assert_msg(r->status >= 400, "%s: %ld", r->what, r->status);
        const char *h = rt_header(r, "Server-Timing");
        ck_assert_msg(h && strstr(h, "db;desc=\"0 queries\""), "%s (%ld): Server-Timing %s", r->what,
                      r->status, h ? h : "(none)");
        rt_response_free(r);
    }
}
END_TEST

/* ------------------------------------------------------------ 500 */

/* A table renamed behind the server's back makes every statement on it
 * fail: a real internal error. The answer is a 500 problem without SQL,
 * driver text or paths, carrying the request id the log line has. */
START_TEST(test_500_hides_internals)
{
    rt_db_exec(&internal, "ALTER TABLE keywords RENAME TO keywords_gone");
    static const char *const requests[] = {"/api/keywords/1", "/api/keywords?count=exact",
                                           "POST /api/keywords {\"keyword\":\"k\"}", "DELETE /api/keywords/2"};
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        rt_response *r = rt_checked(&internal, requests[i], "500; @unchanged");
        /* the backend's words too: its name, its error for the missing table */
        const char *const leaks[] = {"SELECT", "INSERT", "DELETE FROM", "keywords", "sqlite",
                                     "no such table", "/tmp", ".c:", ".db", rt_backend_name(),
                                     rt_backend_missing_table()};
        for (size_t k = 0; k < sizeof leaks / sizeof leaks[0]; k++)
            ck_assert_msg(strstr(r->body, leaks[k]) == NULL, "%s: the 500 shows \"%s\": %s",
                          r->what, leaks[k], r->body);
        const char *id = rt_header(r, "X-Request-Id");
        ck_assert_msg(id && *id, "%s: no X-Request-Id", r->what);
        ck_assert_str_eq(rt_json_str(r, "request_id"), id);
        ck_assert_msg(rt_server_log_wait(&internal, id, 2000), "request id %s not in the log", id);
        rt_response_free(r);
    }
    char *log = rt_server_log(&internal);
    ck_assert_msg(strstr(log, rt_backend_missing_table()) != NULL, "the cause is not logged (no \"%s\")",
                  rt_backend_missing_table());
    free(log);
    rt_check(&internal, "/api/users/1", "200"); /* the other tables still work */
    rt_db_exec(&internal, "ALTER TABLE keywords_gone RENAME TO keywords");
    rt_check(&internal, "/api/keywords/1", "200");
}
END_TEST

/* ------------------------------------------------------------ static */

START_TEST(test_static_errors_are_problems)
{
    rt_response *r = rt_checked(&stat_srv, "/", "200");
    ck_assert_msg(strstr(r->body, "<title>restmap</title>") != NULL, "%s", r->body);
    rt_response_free(r);
    rt_check(&stat_srv, "/static/index.html", "200");
    r = rt_get(&stat_srv, "/static/%2e%2e/%2e%2e/etc/passwd");
    rt_assert_problem(r, r->status == 400 ? 400 : 404, NULL);
    ck_assert_msg(!strstr(r->body, "root:"), "path traversal: %s", r->body);
    rt_response_free(r);
    RT_REFUSED(&stat_srv,
        {"/static/nosuch.js", "404"},
        {"POST / {}", "405"},
        {"DELETE /static/index.html", "405"},
    );
}
END_TEST

Suite *http_errors_suite(void)
{
    Suite *s = suite_create("http_errors");
    TS_TCASE(s, "blog", blog_start, blog_stop, 60, test_400_malformed_json, test_400_unknown_field,
             test_400_wrong_type, test_400_read_only, test_400_duplicate_keys_and_nul, test_400_query_params,
             test_404, test_405_with_allow, test_405_unknown_method, test_options_matches_allow,
             test_409_unique_and_foreign_key, test_415_not_json, test_414_uri_too_long, test_431_headers_too_large,
             test_400_ambiguous_framing, test_422_length_in_characters, test_server_timing_on_server_answers);
    TS_TCASE(s, "validation", val_start, val_stop, 60, test_400_above_schema_max_page_size, test_405_schema_methods,
             test_422_each_constraint, test_422_one_error_per_field, test_422_on_put_and_patch);
    TS_TCASE(s, "limits", lim_start, lim_stop, 60, test_413_content_length, test_413_chunked,
             test_413_expect_continue);
    TS_TCASE(s, "static", static_start, static_stop, 60, test_static_errors_are_problems);
    TS_TCASE(s, "internal", internal_start, internal_stop, 60, test_500_hides_internals);
    return s;
}
