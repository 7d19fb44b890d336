/* test_openapi_routes.c: /openapi.json describes what the router serves.
 * For every path of the document (with {id} and {child} = 1), OPTIONS answers an
 * Allow that lists exactly the operations the document gives there (GET
 * bringing HEAD, "x-query" standing for QUERY, and OPTIONS), on the blog
 * schema (its lists with their POST .../_query paths, SPEC §10 E) and on
 * tests/http/schemas/routing.json, whose resources allow only some methods
 * or none (a sub-resource whose target refuses GET has no "get"). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/suite.h"

/* The Allow the document's path item implies, in the router's order. */
static void implied_allow(json_t *item, char *out, size_t len)
{
    static const char *const order[] = {"get", "post", "put", "patch", "delete", "x-query"};
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!json_object_get(item, order[i])) continue;
        const char *method = strncmp(order[i], "x-", 2) ? order[i] : order[i] + 2;
        char upper[8] = {0};
        for (size_t k = 0; method[k]; k++) upper[k] = (char)toupper((unsigned char)method[k]);
        n += (size_t)snprintf(out + n, len - n, "%s%s%s", n ? ", " : "", upper, i ? "" : ", HEAD");
    }
    snprintf(out + n, len - n, "%sOPTIONS", n ? ", " : "");
}

/* Every documented path's Allow equals what the document implies;
 * returns how many paths were compared. */
static size_t check_document(const rt_server *s)
{
    rt_response *doc = rt_get(s, "/openapi.json");
    RT_ASSERT_STATUS(doc, 200);
    const char *pattern;
    json_t *item;
    size_t n = 0;
    json_object_foreach(json_object_get(doc->json, "paths"), pattern, item) {
        char path[256], want[128];
        snprintf(path, sizeof path, "%s", pattern);
        for (const char *const *hole = (const char *const[]){"{id}", "{child}", NULL}; *hole; hole++) {
            char *at = strstr(path, *hole), rest[256];
            if (!at) continue;
            snprintf(rest, sizeof rest, "%s", at + strlen(*hole));
            snprintf(at, sizeof path - (size_t)(at - path), "1%s", rest);
        }
        implied_allow(item, want, sizeof want);
        rt_response *r = rt_request(s, "OPTIONS", path, NULL, NULL, NULL);
        RT_ASSERT_STATUS(r, 204);
        const char *allow = rt_header(r, "Allow");
        ck_assert_msg(allow && !strcmp(allow, want), "%s: Allow \"%s\", the document says \"%s\"", path,
                      allow ? allow : "(none)", want);
        rt_response_free(r);
        n++;
    }
    rt_response_free(doc);
    return n;
}

/* The schemas, their seeds and how many paths their documents have. */
static const struct {
    const char *schema, *seed;
    size_t paths;
} SCHEMAS[] = {
    /* each readable resource and each readable to-many relationship also has
     * its .../_aggregate (SPEC §10 A), each writable collection its
     * .../{child}; and /healthz, /openapi.json, /metrics, /api, /api/_batch */
    {"schemas/blog.json", "schemas/blog.seed.json", 37},
    {"tests/http/schemas/routing.json", "tests/http/schemas/routing.seed.json", 24},
};

START_TEST(document_follows_the_router)
{
    rt_server s;
    rt_server_start(&s, SCHEMAS[_i].schema, SCHEMAS[_i].seed, NULL);
    ck_assert_uint_eq(check_document(&s), SCHEMAS[_i].paths);
    rt_server_stop(&s);
}
END_TEST

TS_SUITE(http_openapi_routes_suite, "http_openapi_routes", NULL, NULL, (int)(sizeof SCHEMAS / sizeof SCHEMAS[0]),
         document_follows_the_router)
