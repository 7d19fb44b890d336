/* test_routing.c: the route table of routes/router.c, seen from outside
 * against the real binary. For one path of every route and every method
 * (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS) the answer is the one the
 * table and the resource's methods give:
 *   - OPTIONS: 204 with exactly the route's Allow;
 *   - a method Allow lists: GET 200, HEAD 200 without a body, and a write
 *     (sent with a valid body and a stale If-Match) 412 from its handler,
 *     so the handler ran and nothing was written;
 *   - any other method: 405 problem+json with exactly the same Allow;
 *   - query parameters on a route that takes none: 400 at /query/<name>,
 *     whatever the method;
 * and /metrics counts each answer under the route's label. Paths whose
 * resource, key or relationship does not exist are 404 for every method
 * (OPTIONS too), labelled "unmatched" unless the pattern resolved; a
 * batch's operations go through the same table.
 *
 * Servers, one per TCase: "blog" (schemas/blog.json seeded) and
 * "methods" (tests/http/schemas/routing.json: resources that allow only
 * some methods, or none). Each metrics series a test asserts is made by
 * that test alone, so the tests do not depend on their order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server blog, methods;

static void blog_start(void) { rt_server_start(&blog, "schemas/blog.json", "schemas/blog.seed.json", NULL); }
static void blog_stop(void) { rt_server_stop(&blog); }
static void methods_start(void)
{
    rt_server_start(&methods, "tests/http/schemas/routing.json", "tests/http/schemas/routing.seed.json", NULL);
}
static void methods_stop(void) { rt_server_stop(&methods); }

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
#define NMETHODS (sizeof METHODS / sizeof METHODS[0])

typedef struct route_case {
    const char *path;    /* a path the route serves */
    const char *allow;   /* its Allow, exactly, on OPTIONS and on every 405 */
    const char *label;   /* its metrics label */
    const char *body;    /* a valid body for its POST/PUT/PATCH (NULL: "{}") */
    bool no_query;       /* query parameters are refused */
} route_case;

/* Is method listed in the Allow value allow? */
static bool listed(const char *allow, const char *method)
{
    char padded[160], want[16];
    snprintf(padded, sizeof padded, ", %s,", allow);
    snprintf(want, sizeof want, " %s,", method);
    return strstr(padded, want) != NULL;
}

static bool is_write(const char *method)
{
    return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

/* What method on c's path (without a query) answers, by the table. */
static int expected_status(const route_case *c, const char *method)
{
    if (!strcmp(method, "OPTIONS")) return 204;
    if (!listed(c->allow, method)) return 405;
    return is_write(method) ? 412 : 200;
}

/* method on path: writes carry c's body (POST/PUT/PATCH) and an If-Match
 * no representation has. */
static rt_response *send(const rt_server *s, const route_case *c, const char *method, const char *path)
{
    static const char *const stale[] = {"If-Match: \"stale\"", NULL};
    bool body = !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    return rt_request(s, method, path, body ? (c->body ? c->body : "{}") : NULL, NULL,
                      is_write(method) ? stale : NULL);
}

/* The answer has status (a problem from 400 on: for HEAD only its head);
 * Allow equals allow on 204 and 405 and is absent otherwise; HEAD and 204
 * answers have no body. */
static void check_answer(const rt_response *r, const char *method, int status, const char *allow)
{
    bool head = !strcmp(method, "HEAD");
    if (status >= 400 && !head) {
        rt_assert_problem(r, status, NULL);
    } else {
        RT_ASSERT_STATUS(r, status);
        const char *ct = rt_header(r, "Content-Type");
        if (status >= 400)
            ck_assert_msg(ct && !strncmp(ct, "application/problem+json", 24), "%s: Content-Type %s", r->what,
                          ct ? ct : "(none)");
    }
    const char *got = rt_header(r, "Allow");
    if (status == 204 || status == 405)
        ck_assert_msg(got && !strcmp(got, allow), "%s: Allow \"%s\", expected \"%s\"", r->what,
                      got ? got : "(none)", allow);
    else
        ck_assert_msg(!got, "%s: Allow \"%s\" on a %d", r->what, got, status);
    if (status == 204 || head)
        ck_assert_msg(r->body_len == 0, "%s: %zu bytes of body", r->what, r->body_len);
}

/* /metrics counts exactly one method answer with status under label. */
static void expect_once(const rt_response *metrics, const char *label, const char *method, int status)
{
    char line[300];
    snprintf(line, sizeof line, "restmap_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} 1\n", label,
             method, status);
    ck_assert_msg(strstr(metrics->body, line) != NULL, "/metrics lacks %s", line);
}

/* Every case × every method (and with ?x=1 where no query is taken), then
 * the metrics of it all; nothing may be written. */
static void run_matrix(const rt_server *s, const route_case *cases, size_t n)
{
    char *before = rt_db_fingerprint(s);
    for (size_t i = 0; i < n; i++) {
        const route_case *c = &cases[i];
        for (size_t k = 0; k < NMETHODS; k++) {
            rt_response *r = send(s, c, METHODS[k], c->path);
            check_answer(r, METHODS[k], expected_status(c, METHODS[k]), c->allow);
            rt_response_free(r);
            if (!c->no_query) continue;
            char path[200];
            snprintf(path, sizeof path, "%s?x=1", c->path);
            r = send(s, c, METHODS[k], path);
            check_answer(r, METHODS[k], 400, NULL);
            if (strcmp(METHODS[k], "HEAD")) rt_assert_problem(r, 400, "/query/x");
            rt_response_free(r);
        }
    }
    char *after = rt_db_fingerprint(s);
    ck_assert_msg(!strcmp(before, after), "the route matrix changed the database");
    free(before);
    free(after);
    rt_response *m = rt_get(s, "/metrics");
    RT_ASSERT_STATUS(m, 200);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < NMETHODS; k++) {
            expect_once(m, cases[i].label, METHODS[k], expected_status(&cases[i], METHODS[k]));
            if (cases[i].no_query) expect_once(m, cases[i].label, METHODS[k], 400);
        }
    rt_response_free(m);
}

START_TEST(test_every_route_and_method)
{
    static const route_case cases[] = {
        {"/healthz", "GET, HEAD, OPTIONS", "/healthz", NULL, true},
        {"/openapi.json", "GET, HEAD, OPTIONS", "/openapi.json", NULL, true},
        {"/metrics", "GET, HEAD, OPTIONS", "/metrics", NULL, true},
        {"/api", "GET, HEAD, OPTIONS", "/api", NULL, true},
        {"/api/_batch", "POST, OPTIONS", "/api/_batch", "{\"operations\": []}", true},
        {"/api/users", "GET, HEAD, POST, PATCH, DELETE, QUERY, OPTIONS", "/api/users", "{\"name\": \"x\"}", false},
        {"/api/users/5", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS", "/api/users/{id}", "{\"name\": \"x\"}", false},
        {"/api/users/5/addresses", "GET, HEAD, POST, OPTIONS", "/api/users/{id}/addresses",
         "{\"email_address\": \"x@y\"}", false},
        {"/api/users/5/addresses/1", "DELETE, OPTIONS", "/api/users/{id}/addresses/{child}", NULL, false},
        {"/api/addresses/1/user", "GET, HEAD, OPTIONS", "/api/addresses/{id}/user", NULL, false},
        {"/api/addresses/1/user/5", "OPTIONS", "/api/addresses/{id}/user/{child}", NULL, false},
        {"/api/posts/1/keywords", "GET, HEAD, POST, OPTIONS", "/api/posts/{id}/keywords",
         "{\"keyword\": \"zz\"}", false},
    };
    run_matrix(&blog, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* The methods a resource allows narrow its routes: PATCH only on owners,
 * POST only on pets, nothing on tags; a sub-resource reads as its target
 * allows and is written as its parent allows PATCH. */
START_TEST(test_resource_methods_narrow_the_table)
{
    static const route_case cases[] = {
        {"/api/owners", "GET, HEAD, PATCH, QUERY, OPTIONS", "/api/owners", "{\"name\": \"x\"}", false},
        {"/api/owners/1", "GET, HEAD, PATCH, OPTIONS", "/api/owners/{id}", "{\"name\": \"x\"}", false},
        {"/api/owners/1/pets", "POST, OPTIONS", "/api/owners/{id}/pets", "{\"name\": \"x\"}", false},
        {"/api/owners/1/pets/1", "DELETE, OPTIONS", "/api/owners/{id}/pets/{child}", NULL, false},
        {"/api/owners/1/tag", "OPTIONS", "/api/owners/{id}/tag", NULL, false},
        {"/api/pets", "POST, OPTIONS", "/api/pets", "{\"name\": \"x\"}", false},
        {"/api/pets/1", "OPTIONS", "/api/pets/{id}", NULL, false},
        {"/api/pets/1/owner", "GET, HEAD, OPTIONS", "/api/pets/{id}/owner", NULL, false},
        {"/api/tags", "OPTIONS", "/api/tags", NULL, false},
        {"/api/tags/1/owners", "GET, HEAD, OPTIONS", "/api/tags/{id}/owners", NULL, false},
        {"/api/tags/1/owners/1", "OPTIONS", "/api/tags/{id}/owners/{child}", NULL, false},
    };
    run_matrix(&methods, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

/* A resource, key or relationship that does not resolve is 404 for every
 * method, before the method is looked at; the label is the pattern only
 * once the resource and relationship exist. */
START_TEST(test_unresolved_paths)
{
    static const route_case cases[] = { /* Allow: none */
        {"/nothing", NULL, "unmatched", NULL, false},
        {"/healthz/x", NULL, "unmatched", NULL, false},
        {"/api/nope", NULL, "unmatched", NULL, false},
        {"/api/owners/1/pets/1/more", NULL, "unmatched", NULL, false},
        {"/api/owners/1/nope", NULL, "unmatched", NULL, false},
        {"/api/owners/abc/nope", NULL, "unmatched", NULL, false},
        {"/api/owners/1/nope/1", NULL, "unmatched", NULL, false},
        {"/api/owners/abc", NULL, "/api/owners/{id}", NULL, false},
        {"/api/owners/abc/pets", NULL, "/api/owners/{id}/pets", NULL, false},
        {"/api/tags/abc", NULL, "/api/tags/{id}", NULL, false},
    };
    size_t n = sizeof cases / sizeof cases[0], unmatched = 0;
    for (size_t i = 0; i < n; i++) {
        unmatched += !strcmp(cases[i].label, "unmatched");
        for (size_t k = 0; k < NMETHODS; k++) {
            rt_response *r = send(&methods, &cases[i], METHODS[k], cases[i].path);
            check_answer(r, METHODS[k], 404, NULL);
            rt_response_free(r);
        }
    }
    rt_response *m = rt_get(&methods, "/metrics");
    for (size_t k = 0; k < NMETHODS; k++) {
        char line[200];
        snprintf(line, sizeof line, "restmap_http_requests_total{route=\"unmatched\",method=\"%s\",status=\"404\"} %zu\n",
                 METHODS[k], unmatched);
        ck_assert_msg(strstr(m->body, line) != NULL, "/metrics lacks %s", line);
        for (size_t i = 0; i < n; i++)
            if (strcmp(cases[i].label, "unmatched")) expect_once(m, cases[i].label, METHODS[k], 404);
    }
    rt_response_free(m);
}
END_TEST

/* A batch routes each operation through the same table: a method the
 * route or the resource does not allow is the operation's 405, the batch
 * route itself is refused inside a batch, and what fails to resolve is
 * the operation's 404. */
START_TEST(test_batch_operations_use_the_table)
{
    static const struct {
        const char *op;
        int status;
        const char *pointer;
    } cases[] = {
        {"{'method': 'PUT', 'path': '/api/owners/1', 'body': {'name': 'x'}}", 405, "/operations/0"},
        {"{'method': 'POST', 'path': '/api/owners', 'body': {'name': 'x'}}", 405, "/operations/0"},
        {"{'method': 'GET', 'path': '/api/tags/1/owners/1'}", 405, "/operations/0"},
        {"{'method': 'GET', 'path': '/api/_batch'}", 400, "/operations/0/path"},
        {"{'method': 'GET', 'path': '/api/owners/1/nope'}", 404, "/operations/0"},
        {"{'method': 'DELETE', 'path': '/api/owners/1/pets/abc'}", 404, "/operations/0"},
    };
    char *before = rt_db_fingerprint(&methods);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_response *r = rt_sendf(&methods, "POST", "/api/_batch", "{'operations': [%s]}", cases[i].op);
        rt_assert_problem(r, cases[i].status, cases[i].pointer);
        rt_response_free(r);
    }
    char *after = rt_db_fingerprint(&methods);
    ck_assert_msg(!strcmp(before, after), "a refused batch changed the database");
    free(before);
    free(after);
    rt_response *r = rt_sendf(&methods, "POST", "/api/_batch",
                              "{'operations': [{'method': 'GET', 'path': '/api/tags/1/owners'},"
                              " {'method': 'GET', 'path': '/api/pets/1/owner'}]}");
    RT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(rt_json_int(r, "results.0.status"), 200);
    ck_assert_int_eq(rt_json_int(r, "results.0.body.data.0.id"), 1);
    ck_assert_int_eq(rt_json_int(r, "results.1.status"), 200);
    ck_assert_int_eq(rt_json_int(r, "results.1.body.id"), 1);
    rt_response_free(r);
}
END_TEST

Suite *http_routing_suite(void)
{
    Suite *s = suite_create("http_routing");
    TS_TCASE(s, "blog", blog_start, blog_stop, 60, test_every_route_and_method);
    TS_TCASE(s, "methods", methods_start, methods_stop, 60, test_resource_methods_narrow_the_table,
             test_unresolved_paths, test_batch_operations_use_the_table);
    return s;
}
