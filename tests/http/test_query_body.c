/* test_query_body.c: query bodies (SPEC §10 E) on both backends.
 *
 *   - POST /api/{res}/_query and QUERY /api/{res} answer a table of list
 *     requests on schemas/shop.json exactly as the GET with the same
 *     parameters: status, data, meta and statements (Server-Timing), but
 *     links holds only self (the request's path);
 *   - filters too long for a URL (414 there) work in a body, and §5's
 *     filter limits still hold in it;
 *   - every refusal points into the body: /filter/or/1/name, /limit, an
 *     unknown member, a value of the wrong type, "" for a body that is not
 *     an object; 415 and 413 as for any body; a query string is 400 at
 *     /query/<param>; a parameter error that a GET points at /query/<p>
 *     points at /<p> in a body;
 *   - meta.next_cursor, sent back as "cursor", walks every page;
 *   - the row_filter and permissions of SPEC §6 hold (tenants.json with
 *     tokens): _query is a read whatever its HTTP method;
 *   - reserved segments: _query names the route, never an object (a row
 *     whose key is "_query" is reached through the list); 405 with Allow,
 *     OPTIONS, resources without GET, the metrics labels and
 *     /openapi.json (tests/http/schemas/qbody.json). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

static rt_server shop, codes, ten;

RT_FIXTURE(shop, "schemas/shop.json", "schemas/shop.seed.json", NULL)
RT_FIXTURE(codes, "tests/http/schemas/qbody.json", "tests/http/schemas/qbody.seed.json", NULL)

#define SECRET "rt-qbody-secret-0123456789abcdef-xyz"
/* Who sends a case of the ten tables: their token is TOKEN[who] (ANON: none). */
enum { ANON, ALICE, BOB, ADMIN, NWHO };
static char *TOKEN[NWHO];

static void ten_start(void)
{
    TOKEN[ALICE] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    TOKEN[BOB] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    TOKEN[ADMIN] = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    rt_server_start_secured(&ten, "tests/http/schemas/tenants.json", "tests/http/schemas/tenants.seed.json", SECRET);
}

static void ten_stop(void)
{
    rt_server_stop(&ten);
    for (int i = 0; i < NWHO; i++) free(TOKEN[i]), TOKEN[i] = NULL;
}

/* "METHOD PATH BODY" in a malloc'd string. */
static char *request_of(const char *method, const char *path, const char *body)
{
    size_t n = strlen(method) + strlen(path) + strlen(body) + 3;
    char *out = malloc(n);
    snprintf(out, n, "%s %s %s", method, path, body);
    return out;
}

/* The path of a list request: "/api/orders" of "/api/orders?limit=2". */
static char *path_of(const char *query)
{
    const char *q = strchr(query, '?');
    return strndup(query, q ? (size_t)(q - query) : strlen(query));
}

/* The member `key` of a and b is the same JSON (both present). */
static void assert_same(const rt_response *a, const rt_response *b, const char *key)
{
    json_t *x = json_object_get(a->json, key), *y = json_object_get(b->json, key);
    ck_assert_msg(x && y, "%s / %s: \"%s\" missing", a->what, b->what, key);
    if (json_equal(x, y)) return;
    char *tx = json_dumps(x, JSON_COMPACT), *ty = json_dumps(y, JSON_COMPACT);
    ck_abort_msg("%s answers %s = %.600s\n%s answers %.600s", a->what, key, tx, b->what, ty);
}

/* ------------------------------------------------------------ the GET's answer */

typedef struct same_case {
    const char *get;     /* the GET: "/api/orders?limit=2" (JSON values as written) */
    const char *body;    /* the same parameters as a body (' for ") */
    int queries;         /* the statements the request runs (SPEC §4: 1 + R, + 1 with count) */
    const char *wants;   /* what the GET answers (rt_assert_wants) */
} same_case;

/* The GET, POST .../_query and QUERY of c: the same status, data, meta
 * and statements; links of a body: self alone, the path it was sent to. */
static void check_same(const rt_server *s, const same_case *c)
{
    char expect[600];
    snprintf(expect, sizeof expect, "%s; @queries = %d", c->wants, c->queries);
    rt_response *get = rt_checked(s, c->get, expect);
    ck_assert_msg(json_object_get(get->json, "links") && rt_json_at(get, "links.self"), "%s: no links.self",
                  get->what);
    char *path = path_of(c->get), *query_path = malloc(strlen(path) + 8);
    sprintf(query_path, "%s/_query", path);
    const char *routes[][2] = {{"POST", query_path}, {"QUERY", path}};
    for (size_t i = 0; i < 2; i++) {
        char *req = request_of(routes[i][0], routes[i][1], c->body), self[300];
        snprintf(self, sizeof self, "@queries = %d; links = {'self': '%s'}", c->queries, routes[i][1]);
        rt_response *r = rt_checked(s, req, self);
        assert_same(get, r, "data");
        assert_same(get, r, "meta");
        rt_response_free(r);
        free(req);
    }
    free(query_path);
    free(path);
    rt_response_free(get);
}

START_TEST(bodies_answer_as_the_get)
{
    static const same_case cases[] = {
        /* SPEC §10 E's example, on the shop seed: the paid orders, newest first */
        {"/api/orders?filter={\"status\": \"paid\"}&sort=-placed&limit=2&include=lines&fields[lines]=price"
         "&count=exact",
         "{'filter': {'status': 'paid'}, 'sort': '-placed', 'limit': 2, 'include': 'lines', "
         "'fields[lines]': 'price', 'count': 'exact'}",
         3, "data[].id = [7, 4]; data.0.lines[].price = ['19.90', '22.00']; meta.total = 5; meta.next_cursor"},
        /* no parameters: the schema's eager include (lines, selectin), the default page */
        {"/api/orders", "{}", 2, "data # 13; meta.limit = 20; !meta.next_cursor"},
        {"/api/customers?filter={\"or\": [{\"tier\": \"gold\"}, {\"city\": \"Paris\"}]}&sort=name&fields=name,tier",
         "{'filter': {'or': [{'tier': 'gold'}, {'city': 'Paris'}]}, 'sort': 'name', 'fields': 'name,tier'}", 1,
         "data[].id = [1, 2, 3]; data[].tier = ['gold', 'silver', 'gold']"},
        /* dotted paths through a many-to-one, in the filter and the sort; two included relationships */
        {"/api/orders?filter={\"customer.tier\": \"gold\"}&include=customer,tags&sort=customer.name,-id&fields=id",
         "{'filter': {'customer.tier': 'gold'}, 'include': 'customer,tags', 'sort': 'customer.name,-id', "
         "'fields': 'id'}",
         3, "data[].id = [3, 2, 1, 9, 8, 7, 6]; data.0.customer.name = 'Ada'; data.6.tags[].name = ['wholesale']"},
        /* JSON reals (a float column): the body's double is the URL's, bounds included */
        {"/api/products?filter={\"weight\": {\"between\": [0.3, 1.2]}}&sort=-views&offset=1&limit=2",
         "{'filter': {'weight': {'between': [0.3, 1.2]}}, 'sort': '-views', 'offset': 1, 'limit': 2}", 1,
         "data[].id = [1, 2]; meta.offset = 1; meta.limit = 2; !meta.next_cursor"},
        /* numeric values as decimal strings; text beyond ASCII */
        {"/api/customers?filter={\"credit\": {\"gt\": \"0.15\"}, \"name\": {\"ne\": \"Zo\\u00eb\"}}",
         "{'filter': {'credit': {'gt': '0.15'}, 'name': {'ne': 'Zo\\u00eb'}}}", 1, "data[].id = [1, 2, 5]"},
        {"/api/order_lines?filter={\"product\": {\"has\": {\"active\": true}}}&sort=-price&limit=3&offset=2",
         "{'filter': {'product': {'has': {'active': true}}}, 'sort': '-price', 'limit': 3, 'offset': 2}", 1,
         "data[].id = [18, 11, 1]; meta.next_cursor"},
        /* relationship filters two levels down */
        {"/api/customers?filter={\"orders\": {\"any\": {\"lines\": {\"any\": {\"product.name\": \"Mug\"}}}}}"
         "&fields=id",
         "{'filter': {'orders': {'any': {'lines': {'any': {'product.name': 'Mug'}}}}}, 'fields': 'id'}", 1,
         "data[].id = [1, 2, 3, 6]"},
        {"/api/notes?filter={\"written\": {\"is_null\": false}}&count=exact&limit=0",
         "{'filter': {'written': {'is_null': false}}, 'count': 'exact', 'limit': 0}", 2,
         "data # 0; meta.total = 5; meta.limit = 0"},
        {"/api/tags?include=orders&fields[orders]=status&sort=-name",
         "{'include': 'orders', 'fields[orders]': 'status', 'sort': '-name'}", 2,
         "data[].name = ['wholesale', 'rush', 'gift']; data.2.orders[].id = [1, 4, 9]; "
         "data.2.orders[].status = ['paid', 'paid', 'shipped']"},
        {"/api/tags?offset=10", "{'offset': 10}", 1, "data # 0; meta.offset = 10"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_same(&shop, &cases[i]);
}
END_TEST

/* ------------------------------------------------------------ long filters */

/* {"name": {"in": ["Ada", "name-0000", ...]}}: n names in (' for "). */
static char *long_filter(size_t n)
{
    size_t cap = 64 + n * 16, len = 0;
    char *f = malloc(cap);
    len += (size_t)snprintf(f + len, cap - len, "{'name': {'in': ['Ada'");
    for (size_t i = 0; i < n; i++) len += (size_t)snprintf(f + len, cap - len, ", 'name-%04zu'", i);
    snprintf(f + len, cap - len, "]}}");
    return f;
}

START_TEST(long_filters_go_in_the_body)
{
    char *filter = long_filter(900); /* about 13 KiB, over the 8 KiB a URL may have */
    ck_assert_uint_gt(strlen(filter), 8192);
    char *url = malloc(strlen(filter) + 64), *body = malloc(strlen(filter) + 64);
    sprintf(url, "/api/customers?filter=%s&fields=id", filter);
    for (char *p = url; *p; p++)
        if (*p == '\'') *p = '"';
    rt_check(&shop, url, "414");
    sprintf(body, "{'filter': %s, 'fields': 'id', 'count': 'exact'}", filter);
    char *post = request_of("POST", "/api/customers/_query", body), *query = request_of("QUERY", "/api/customers", body);
    rt_check(&shop, post, "data[].id = [1]; meta.total = 1; @queries = 2");
    rt_check(&shop, query, "data[].id = [1]; meta.total = 1; @queries = 2");
    free(post), free(query), free(body), free(url), free(filter);
    /* §5's limits hold in a body: 1000 items in an in list at most */
    filter = long_filter(1000);
    body = malloc(strlen(filter) + 32);
    sprintf(body, "{'filter': %s}", filter);
    post = request_of("POST", "/api/customers/_query", body);
    rt_check(&shop, post, "400 /filter/name/in");
    free(post), free(body), free(filter);
}
END_TEST

/* ------------------------------------------------------------ refusals */

/* A body refused at pointer by both routes of the orders list. */
static void refused(const char *body, const char *expect)
{
    char *post = request_of("POST", "/api/orders/_query", body), *query = request_of("QUERY", "/api/orders", body);
    rt_check(&shop, post, expect);
    rt_check(&shop, query, expect);
    free(post), free(query);
}

START_TEST(refusals_point_into_the_body)
{
    static const char *const cases[][2] = {
        {"{'filter': {'or': [{'status': 'paid'}, {'name': 'x'}]}}", "400 /filter/or/1/name"},
        /* the wrong JSON type */
        {"{'limit': '2'}", "400 /limit"},
        {"{'limit': 2.5}", "400 /limit"},
        {"{'limit': null}", "400 /limit"},
        {"{'offset': true}", "400 /offset"},
        {"{'filter': '{}'}", "400 /filter"},
        {"{'filter': [{'status': 'paid'}]}", "400 /filter"},
        {"{'sort': ['id']}", "400 /sort"},
        {"{'count': true}", "400 /count"},
        {"{'fields[lines]': ['price']}", "400 /fields[lines]"},
        /* unknown members: no equality shorthand, no made-up names (pointers escaped, RFC 6901) */
        {"{'status': 'paid'}", "400 /status"},
        {"{'a/b~c': 1}", "400 /a~1b~0c"},
        {"{'fields[]': 'id'}", "400 /fields[]"},
        {"{'limit': 1, 'Limit': 1}", "400 /Limit"},
        /* not an object */
        {"[]", "400 "},
        {"[{'limit': 1}]", "400 "},
        {"'limit'", "400 "},
        {"{", "400 "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) refused(cases[i][0], cases[i][1]);
    rt_check(&shop, "POST /api/orders/_query", "400 ");                      /* no body at all */
    rt_check(&shop, "QUERY /api/orders", "400 ");
    rt_check(&shop, "POST /api/orders/_query\nContent-Type: text/plain\n\n{}", "415");
    rt_check(&shop, "QUERY /api/orders\nContent-Type: application/x-www-form-urlencoded\n\nlimit=1", "415");
    /* the parameters come in the body only */
    rt_check(&shop, "POST /api/orders/_query?limit=1 {}", "400 /query/limit");
    rt_check(&shop, "QUERY /api/orders?filter={\"id\": 1} {'limit': 1}", "400 /query/filter");
}
END_TEST

START_TEST(over_max_body_is_413)
{
    size_t n = (1u << 20) + 100; /* --max-body is 1 MiB by default */
    char *body = malloc(n + 32);
    int len = sprintf(body, "{'cursor': '");
    memset(body + len, 'x', n);
    strcpy(body + len + n, "'}");
    char *post = request_of("POST", "/api/orders/_query", body), *query = request_of("QUERY", "/api/orders", body);
    rt_check(&shop, post, "413");
    rt_check(&shop, query, "413");
    free(post), free(query), free(body);
}
END_TEST

/* A parameter's error is the GET's, at /<param> in a body instead of
 * /query/<param>, and at the same /filter/... inside a filter. */
START_TEST(parameter_errors_move_with_the_parameter)
{
    static const struct {
        const char *get, *body, *pointer; /* pointer: the body's */
    } cases[] = {
        {"/api/orders?limit=-1", "{'limit': -1}", "/limit"},
        {"/api/orders?limit=1001", "{'limit': 1001}", "/limit"},
        {"/api/orders?offset=-3", "{'offset': -3}", "/offset"},
        {"/api/orders?sort=nope", "{'sort': 'nope'}", "/sort"},
        {"/api/orders?sort=", "{'sort': ''}", "/sort"},
        {"/api/orders?include=nope", "{'include': 'nope'}", "/include"},
        {"/api/customers?include=notes", "{'include': 'notes'}", "/include"}, /* dynamic */
        {"/api/orders?fields=nope", "{'fields': 'nope'}", "/fields"},
        {"/api/orders?include=lines&fields[lines]=nope", "{'include': 'lines', 'fields[lines]': 'nope'}",
         "/fields[lines]"},
        {"/api/orders?fields[tags]=name", "{'fields[tags]': 'name'}", "/fields[tags]"},
        {"/api/orders?count=yes", "{'count': 'yes'}", "/count"},
        {"/api/orders?cursor=junk", "{'cursor': 'junk'}", "/cursor"},
        {"/api/products?filter={\"secret\": \"k\"}", "{'filter': {'secret': 'k'}}", "/filter/secret"},
        {"/api/orders?filter={\"total\": {\"like\": 3}}", "{'filter': {'total': {'like': 3}}}", "/filter/total/like"},
        {"/api/orders?filter={\"lines\": {\"has\": {}}}", "{'filter': {'lines': {'has': {}}}}", "/filter/lines/has"},
        {"/api/orders?filter={\"or\": []}", "{'filter': {'or': []}}", "/filter/or"},
        {"/api/orders?filter={\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": "
         "{\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"not\": {\"id\": 1}}}}}}}}"
         "}}}}}}}}}}",
         "{'filter': {'not': {'not': {'not': {'not': {'not': {'not': {'not': {'not': {'not': {'not': {'not': "
         "{'not': {'not': {'not': {'not': {'not': {'not': {'id': 1}}}}}}}}}}}}}}}}}}}",
         NULL}, /* depth 18 > 16: the same pointer as the GET's */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_response *get = rt_checked(&shop, cases[i].get, "400");
        const char *got = rt_json_str(get, "errors.0.pointer");
        const char *want = cases[i].pointer;
        char moved[200];
        if (want) {
            snprintf(moved, sizeof moved, "%s%s", strncmp(want, "/filter", 7) ? "/query" : "", want);
            ck_assert_msg(!strcmp(got, moved), "%s: pointer %s, expected %s", get->what, got, moved);
        } else {
            ck_assert_msg(!strncmp(got, "/filter", 7), "%s: pointer %s", get->what, got);
            want = got;
        }
        /* the same refusal in the same words, at the body's pointer */
        char expect[300];
        snprintf(expect, sizeof expect, "400 %s; errors # 1; errors.0.pointer = '%s'", want, want);
        char *path = path_of(cases[i].get), *query_path = malloc(strlen(path) + 8);
        sprintf(query_path, "%s/_query", path);
        char *reqs[] = {request_of("POST", query_path, cases[i].body), request_of("QUERY", path, cases[i].body)};
        free(path), free(query_path);
        for (size_t k = 0; k < 2; k++) {
            rt_response *r = rt_checked(&shop, reqs[k], expect);
            ck_assert_str_eq(rt_json_str(r, "detail"), rt_json_str(get, "detail"));
            ck_assert_str_eq(rt_json_str(r, "errors.0.message"), rt_json_str(get, "errors.0.message"));
            rt_response_free(r);
            free(reqs[k]);
        }
        rt_response_free(get);
    }
    /* a cursor and an offset: refused at the offset either way */
    rt_response *page = rt_checked(&shop, "POST /api/orders/_query {'limit': 2}", "meta.next_cursor");
    char body[300];
    snprintf(body, sizeof body, "{'cursor': '%s', 'offset': 2}", rt_json_str(page, "meta.next_cursor"));
    refused(body, "400 /offset");
    /* a cursor issued for another sort */
    snprintf(body, sizeof body, "{'cursor': '%s', 'sort': '-id'}", rt_json_str(page, "meta.next_cursor"));
    refused(body, "400 /cursor");
    rt_response_free(page);
}
END_TEST

/* ------------------------------------------------------------ cursors */

/* The ids of every page of body (a JSON object without its closing
 * brace, ' for "), page after page by meta.next_cursor, through both
 * routes in turn; n: how many pages were read. */
static json_t *walk(const char *open_body, size_t *pages)
{
    json_t *ids = json_array();
    char *cursor = NULL;
    *pages = 0;
    for (;;) {
        char body[600];
        if (cursor) snprintf(body, sizeof body, "%s, 'cursor': '%s'}", open_body, cursor);
        else snprintf(body, sizeof body, "%s}", open_body);
        char *req = request_of(*pages % 2 ? "QUERY" : "POST", *pages % 2 ? "/api/orders" : "/api/orders/_query", body);
        rt_response *r = rt_checked(&shop, req, "@queries = 1; !links.next; !links.prev");
        free(req);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(r->json, "data"), i, row)
            json_array_append(ids, json_object_get(row, "id"));
        free(cursor);
        json_t *next = rt_json_at(r, "meta.next_cursor");
        cursor = next ? strdup(json_string_value(next)) : NULL;
        rt_response_free(r);
        ck_assert_uint_lt(++*pages, 20);
        if (!cursor) return ids;
    }
}

/* The ids a GET of query lists in one page. */
static json_t *ids_of(const char *query)
{
    rt_response *r = rt_checked(&shop, query, "!meta.next_cursor");
    json_t *ids = json_array(), *row;
    size_t i;
    json_array_foreach(json_object_get(r->json, "data"), i, row) json_array_append(ids, json_object_get(row, "id"));
    rt_response_free(r);
    return ids;
}

START_TEST(next_cursor_walks_the_pages)
{
    static const struct {
        const char *body, *get;
        size_t pages;
    } cases[] = {
        {"{'sort': '-placed', 'limit': 4, 'fields': 'id', 'include': ''", "/api/orders?sort=-placed&fields=id&include=",
         4},
        {"{'filter': {'status': {'ne': 'cancelled'}}, 'sort': 'customer.name,total', 'limit': 5, 'include': ''",
         "/api/orders?filter={\"status\": {\"ne\": \"cancelled\"}}&sort=customer.name,total&include=", 3},
        {"{'limit': 13, 'include': ''", "/api/orders?include=", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t pages;
        json_t *walked = walk(cases[i].body, &pages), *all = ids_of(cases[i].get);
        ck_assert_msg(json_equal(walked, all), "%s: the pages' ids differ from the list's", cases[i].body);
        ck_assert_uint_eq(pages, cases[i].pages);
        json_decref(walked), json_decref(all);
    }
    /* a GET list carries the same cursor as its links.next */
    rt_response *r = rt_checked(&shop, "/api/orders?limit=4&sort=-placed", "meta.next_cursor; links.next");
    ck_assert_ptr_nonnull(strstr(rt_json_str(r, "links.next"), rt_json_str(r, "meta.next_cursor")));
    rt_response_free(r);
    rt_check(&shop, "/api/orders?limit=13", "!meta.next_cursor; !links.next");
}
END_TEST

/* ------------------------------------------------------------ batches */

START_TEST(a_batch_operation_may_be_a_query_body)
{
    rt_check(&shop,
             "POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/orders/_query', 'body': "
             "{'filter': {'status': 'new'}, 'fields': 'id', 'include': ''}}]}",
             "results.0.status = 200; results.0.body.data[].id = [3, 8, 10, 12]; "
             "results.0.body.links = {'self': '/api/orders/_query'}");
    rt_check(&shop,
             "POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/orders/_query', 'body': "
             "{'limit': 'x'}}]}",
             "400 /operations/0/body/limit");
    /* a query body's filter is in the operation's body; a query string's
     * JSON parameters (filter, count[REL]) beside it */
    rt_check(&shop,
             "POST /api/_batch {'operations': [{'method': 'POST', 'path': '/api/orders/_query', 'body': "
             "{'filter': {'nope': 1}}}]}",
             "400 /operations/0/body/filter/nope");
    rt_check(&shop,
             "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/orders?filter=%7B%22nope%22:1%7D'}]}",
             "400 /operations/0/filter/nope");
    rt_check(&shop,
             "POST /api/_batch {'operations': [{'method': 'GET', 'path': "
             "'/api/orders?count%5Blines%5D=%7B%22nope%22:1%7D'}]}",
             "400 /operations/0/count[lines]/nope");
}
END_TEST

/* ------------------------------------------------------------ access control */

START_TEST(row_filter_and_permissions_hold)
{
    RT_AS_CASES(&ten, TOKEN,
        /* the row filter: each member sees the projects they own, the admin (exempt) all */
        {ALICE, "POST /api/projects/_query {'fields': 'id'}", "data[].id = [1, 3]"},
        {ALICE, "QUERY /api/projects {'fields': 'id'}", "data[].id = [1, 3]"},
        {BOB, "POST /api/projects/_query {'fields': 'id'}", "data[].id = [2]"},
        {ADMIN, "QUERY /api/projects {'fields': 'id'}", "data[].id = [1, 2, 3]"},
        {ALICE, "POST /api/projects/_query {'filter': {'id': {'in': [1, 2, 3]}}, 'count': 'exact', 'fields': 'id'}",
         "data[].id = [1, 3]; meta.total = 2; @queries = 3"},
        /* ... in include, and in relationship filters (rows outside it do not exist) */
        {ALICE, "QUERY /api/projects {'include': 'tasks', 'fields': 'id', 'fields[tasks]': 'title'}",
         "data[].id = [1, 3]; data.0.tasks[].title = ['a1']; data.1.tasks[].title = ['g1']"},
        {ALICE, "POST /api/projects/_query {'filter': {'tasks': {'any': {'assignee': 'bob'}}}}", "data # 0"},
        {ADMIN, "POST /api/projects/_query {'filter': {'tasks': {'any': {'assignee': 'bob'}}}, 'fields': 'id'}",
         "data[].id = [1, 2]"},
        {ALICE, "POST /api/orgs/_query {'filter': {'projects.name': 'beta'}}", "data # 0"},
        {BOB, "POST /api/orgs/_query {'filter': {'projects.name': 'beta'}, 'fields': 'name'}",
         "data[].name = ['acme']"},
        /* a resource the role may not read is not there to filter through */
        {ALICE, "POST /api/projects/_query {'filter': {'secrets': {'any': {}}}}", "400 /filter/secrets"},
        {ADMIN, "POST /api/projects/_query {'filter': {'secrets': {'any': {}}}, 'fields': 'id'}",
         "data[].id = [1, 2]"},
        /* a read, whatever the method: read permission, not create */
        {ALICE, "POST /api/orgs/_query {'fields': 'name'}", "data[].name = ['acme', 'globex']"},
        {ALICE, "POST /api/orgs {'name': 'x'}", "403"},
        {ANON, "POST /api/orgs/_query {'fields': 'name'}", "data # 2"},
        {ANON, "POST /api/projects/_query {}", "401"},
        {ANON, "QUERY /api/projects {}", "401"},
        {ALICE, "POST /api/secrets/_query {}", "403"},
        {ALICE, "QUERY /api/secrets {}", "403"},
        {ADMIN, "QUERY /api/secrets {'fields': 'note'}", "data[].note = ['s-alpha', 's-beta']"},
        /* permissions before the body is looked at */
        {ANON, "POST /api/projects/_query {'nope': 1}", "401"},
        {ALICE, "QUERY /api/secrets [1]", "403"},
    );
    /* a cursor is a position: bob following alice's page sees his own rows after it */
    rt_response *r = rt_checked(&ten, rt_as(TOKEN[ALICE], "POST /api/projects/_query {'limit': 1, 'fields': 'id'}"),
                                "data[].id = [1]; meta.next_cursor");
    char req[600];
    snprintf(req, sizeof req, "QUERY /api/projects {'limit': 1, 'fields': 'id', 'cursor': '%s'}",
             rt_json_str(r, "meta.next_cursor"));
    rt_check(&ten, rt_as(TOKEN[ALICE], req), "data[].id = [3]; !meta.next_cursor");
    rt_check(&ten, rt_as(TOKEN[BOB], req), "data[].id = [2]; !meta.next_cursor");
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ routes */

START_TEST(reserved_segments_name_the_routes)
{
    RT_CASES(&codes,
        {"/api/codes/abc", "label = 'x'"},
        /* _query is the route: other methods are 405, whatever row has that key */
        {"/api/codes/_query", "405; @Allow = POST, OPTIONS"},
        {"/api/codes/%5Fquery", "405; @Allow = POST, OPTIONS"},
        {"QUERY /api/codes/_query {}", "405; @Allow = POST, OPTIONS"},
        {"PATCH /api/codes/_query {'label': 'z'}", "405; @Allow = POST, OPTIONS; @unchanged"},
        {"DELETE /api/codes/_query", "405; @Allow = POST, OPTIONS; @unchanged"},
        {"OPTIONS /api/codes/_query", "204; @Allow = POST, OPTIONS"},
        {"POST /api/codes/_query {'filter': {'code': '_query'}}", "data[].label = ['q']; links = {'self': "
                                                                  "'/api/codes/_query'}"},
        /* such rows are reached through the list */
        {"/api/codes?code=_query", "data[].label = ['q']"},
        {"QUERY /api/codes {'filter': {'code': {'in': ['_aggregate', 'abc']}}}", "data[].label = ['a', 'x']"},
        /* nor is a reserved segment ever a key below the resource */
        {"/api/codes/_query/x", "404"},
        {"/api/codes/_aggregate/x", "404"},
        {"PUT /api/codes/_aggregate/x {}", "404; @unchanged"},
    );
    rt_response *head = rt_request(&codes, "HEAD", "/api/codes/_query", NULL, NULL, NULL);
    RT_ASSERT_STATUS(head, 405);
    ck_assert_str_eq(rt_header(head, "Allow"), "POST, OPTIONS");
    rt_response_free(head);
}
END_TEST

START_TEST(methods_follow_the_resource)
{
    RT_CASES(&codes,
        {"OPTIONS /api/codes", "204; @Allow = GET, HEAD, POST, PATCH, DELETE, QUERY, OPTIONS"},
        {"PUT /api/codes {}", "405; @Allow = GET, HEAD, POST, PATCH, DELETE, QUERY, OPTIONS"},
        {"QUERY /api/codes/abc {}", "405; @Allow = GET, HEAD, PUT, PATCH, DELETE, OPTIONS"},
        /* a resource without GET has no reads by body either */
        {"POST /api/drops/_query {}", "405; @Allow = OPTIONS"},
        {"QUERY /api/drops {}", "405; @Allow = POST, OPTIONS"},
        {"OPTIONS /api/drops/_query", "204; @Allow = OPTIONS"},
        /* one with only GET has both */
        {"POST /api/readings/_query {'sort': '-value'}", "data[].id = [2, 1]"},
        {"QUERY /api/readings {'filter': {'value': {'lt': 1}}}", "data[].id = [1]"},
        {"POST /api/readings {'value': 3}", "405; @Allow = GET, HEAD, QUERY, OPTIONS; @unchanged"},
    );
    rt_response *m = rt_get(&codes, "/metrics");
    static const char *const lines[] = {
        "restmap_http_requests_total{route=\"/api/readings/_query\",method=\"POST\",status=\"200\"} 1\n",
        "restmap_http_requests_total{route=\"/api/readings\",method=\"QUERY\",status=\"200\"} 1\n",
        "restmap_http_requests_total{route=\"/api/drops/_query\",method=\"POST\",status=\"405\"} 1\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ck_assert_msg(strstr(m->body, lines[i]) != NULL, "/metrics lacks %s", lines[i]);
    rt_response_free(m);
}
END_TEST

START_TEST(openapi_documents_the_bodies)
{
    rt_check(&codes, "/openapi.json",
             "paths./api/codes/_query.post.responses.200; "
             "paths./api/codes/_query.post.requestBody.required = true; "
             "paths./api/codes/_query.post.requestBody.content.application/json.schema.properties.limit.type = "
             "'integer'; "
             "paths./api/codes/_query.post.requestBody.content.application/json.schema.properties.filter.type = "
             "'object'; "
             "paths./api/codes/_query.post.requestBody.content.application/json.schema.properties.sort.type = "
             "'string'; "
             "paths./api/codes/_query.post.requestBody.content.application/json.schema.additionalProperties = false; "
             "!paths./api/codes/_query.post.parameters; "
             "paths./api/codes.x-query.requestBody.content.application/json.schema.properties.cursor.type = "
             "'string'; "
             "paths./api/codes.get.parameters; "
             "!paths./api/drops/_query.post; !paths./api/drops.x-query; "
             "paths./api/readings/_query.post; paths./api/readings.x-query");
}
END_TEST

Suite *http_query_body_suite(void)
{
    Suite *s = suite_create("http_query_body");
    TS_TCASE(s, "shop", shop_start, shop_stop, 120, bodies_answer_as_the_get, long_filters_go_in_the_body,
             refusals_point_into_the_body, over_max_body_is_413, parameter_errors_move_with_the_parameter,
             next_cursor_walks_the_pages, a_batch_operation_may_be_a_query_body);
    TS_TCASE(s, "tenants", ten_start, ten_stop, 60, row_filter_and_permissions_hold);
    TS_TCASE(s, "codes", codes_start, codes_stop, 60, reserved_segments_name_the_routes, methods_follow_the_resource,
             openapi_documents_the_bodies);
    return s;
}
