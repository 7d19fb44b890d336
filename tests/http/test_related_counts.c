/* test_related_counts.c: count[REL] and sort=_count.REL (SPEC §10 B) on
 * both backends, over the SPEC's shop (schemas/shop.json): counts of
 * one-to-many, many-to-many and dynamic relationships, with and without a
 * filter, on lists, sub-resource lists, one object and the rows include
 * embeds (count[PATH.REL]); `fields` keeps _count; sorting by a count (its
 * count[REL] filter when given) with ties by key and keyset cursors walked
 * both ways; the statements a page runs unchanged by counts; every error
 * with its pointer; /openapi.json; dynamic and noload relationships
 * (tests/http/schemas/kinds_select.json); and, over
 * tests/http/schemas/tenants.json, the target's row_filter and permissions
 * inside a count.
 *
 * The figures come from schemas/shop.seed.json: orders per customer
 * 1:3 2:2 3:4 4:1 5:0 6:1 (paid: 1:1 2:1 3:2, none else); notes 1:2 2:0
 * 3:1 4:1 5:0 6:1; lines per order 1:2 2:1 3:1 4:2 5:1 6:2 7:2 8:1 9:1
 * 10:1 11:2 12:1 13:3; tags per order 1:2 2:1 4:1 6:1 7:2 9:1 11:1 13:1;
 * orders per tag 1:3 2:4 3:3. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

static rt_server shop;

RT_FIXTURE(shop, "schemas/shop.json", "schemas/shop.seed.json", NULL)

START_TEST(counts_on_lists_objects_and_sub_resources)
{
    RT_CASES(&shop,
        {"/api/customers?count[orders]=*&fields=id",
         "data[]._count.orders = [3, 2, 4, 1, 0, 1]; @queries = 1"},
        /* a dynamic relationship: never embedded, still counted */
        {"/api/customers?count[notes]=*&count[orders]=*&fields=name",
         "data[]._count.notes = [2, 0, 1, 1, 0, 1]; data[]._count.orders = [3, 2, 4, 1, 0, 1];"
         "data.0._count = {'notes': 2, 'orders': 3}; !data.0.notes; @queries = 1"},
        /* a filter on the target counts only the rows that match */
        {"/api/customers?count[orders]={\"status\": \"paid\"}&fields=id",
         "data[]._count.orders = [1, 1, 2, 0, 0, 0]; @queries = 1"},
        {"/api/customers?count[orders]={}&fields=id", "data[]._count.orders = [3, 2, 4, 1, 0, 1]"},
        {"/api/customers?count[notes]={\"body\": {\"startswith\": \"new\"}}&fields=id",
         "data[]._count.notes = [0, 0, 0, 1, 0, 0]"},
        /* through a relationship of the target: lines of 2 or more items */
        {"/api/customers?count[orders]={\"lines\": {\"any\": {\"quantity\": {\"ge\": 2}}}}&fields=id",
         "data[]._count.orders = [2, 1, 2, 1, 0, 0]"},
        /* many-to-many, from either side */
        {"/api/tags?count[orders]=*", "data[]._count.orders = [3, 4, 3]; @queries = 1"},
        {"/api/orders?count[tags]=*&fields=id&limit=4", "data[]._count.tags = [2, 1, 0, 1]"},
        /* fields does not remove _count; the filtered page is counted row by row */
        {"/api/customers?count[orders]=*&fields=city&filter={\"city\": \"Paris\"}",
         "data[].id = [2, 3]; data[]._count.orders = [2, 4]; !data.0.name"},
        /* one object, and a to-one sub-resource: the same statement */
        {"/api/customers/3?count[orders]=*&count[notes]=*", "_count = {'orders': 4, 'notes': 1}; @queries = 1"},
        {"/api/orders/6/customer?count[orders]=*", "id = 3; _count.orders = 4; @queries = 2"},
        /* a collection sub-resource: its page counts too */
        {"/api/customers/3/orders?count[lines]=*&count[tags]=*&fields=id",
         "data[].id = [6, 7, 8, 9]; data[]._count.lines = [2, 2, 1, 1]; data[]._count.tags = [1, 2, 0, 1]"},
        {"/api/tags/2/orders?count[lines]={\"price\": {\"lt\": \"20\"}}&fields=id",
         "data[].id = [1, 2, 7, 13]; data[]._count.lines = [2, 0, 1, 2]"},
    );
    /* the rows the figures are counted from, read behind the server's back */
    static const char *const orders[] = {"3", "2", "4", "1", "0", "1"}, *const notes[] = {"2", "0", "1", "1", "0", "1"};
    for (int id = 1; id <= 6; id++) {
        rt_assert_sql(&shop, orders[id - 1], "SELECT count(*) FROM orders WHERE customer_id = %d", id);
        rt_assert_sql(&shop, notes[id - 1], "SELECT count(*) FROM notes WHERE customer_id = %d", id);
    }
}
END_TEST

START_TEST(counts_on_embedded_rows)
{
    RT_CASES(&shop,
        /* customers.orders embedded, and each order's lines and tags counted */
        {"/api/customers?include=orders&count[orders.lines]=*&count[orders.tags]=*&fields=id"
         "&fields[orders]=id&limit=3",
         "data.0.orders[].id = [1, 2, 3]; data.0.orders[]._count.lines = [2, 1, 1];"
         "data.0.orders[]._count.tags = [2, 1, 0]; data.2.orders[]._count.lines = [2, 2, 1, 1];"
         "!data.0._count; @queries = 2"},
        /* the top objects' count beside the embedded rows' own */
        {"/api/customers/3?include=orders&count[orders]={\"status\": \"paid\"}"
         "&count[orders.lines]={\"quantity\": {\"gt\": 1}}&fields[orders]=id",
         "_count.orders = 2; orders[]._count.lines = [1, 0, 1, 0]; @queries = 2"},
        /* two levels down: the order's customer's notes */
        {"/api/orders?include=customer&count[customer.notes]=*&count[customer.orders]=*&fields=id&limit=3",
         "data[].customer._count.notes = [2, 2, 2]; data[].customer._count.orders = [3, 3, 3]"},
        {"/api/order_lines?include=order.customer&count[order.customer.orders]=*&count[order.tags]=*"
         "&fields=id&limit=2",
         "data[].order._count.tags = [2, 2]; data[].order.customer._count.orders = [3, 3]; @queries = 3"},
        /* the schema's eager include (orders embed lines by selectin) counts too */
        {"/api/orders?count[lines.product]=*", "400 /query/count[lines.product]"},
        {"/api/products?include=lines&count[lines]=*&fields=id&fields[lines]=id",
         "data[]._count.lines = [4, 4, 5, 2, 4]; data.2.lines # 5"},
        /* the same statements as without the counts */
        {"/api/customers?include=orders.lines&fields=id", "@queries = 3"},
        {"/api/customers?include=orders.lines&count[orders]=*&count[orders.lines]=*&count[orders.tags]=*&fields=id",
         "data.0._count.orders = 3; data.0.orders[]._count.tags = [2, 1, 0]; @queries = 3"},
        {"/api/customers/3/orders?fields=id", "@queries = 3"},
        {"/api/customers/3/orders?count[lines]=*&count[tags]=*&fields=id", "@queries = 3"},
    );
}
END_TEST

/* Walk a list by links.next to its end, then back by links.prev: each page
 * is want[page] (a JSON array of ids). */
static void walk(const char *first, const char *const *want, int npages)
{
    rt_response *r = rt_checked(&shop, first, rt_fmt("data[].id = %s", want[0]));
    for (int i = 1; i < npages; i++) {
        rt_response *next = rt_checked(&shop, rt_json_str(r, "links.next"), rt_fmt("data[].id = %s", want[i]));
        rt_response_free(r);
        r = next;
    }
    rt_assert_wants(r, "!links.next");
    for (int i = npages - 2; i >= 0; i--) {
        rt_response *prev = rt_checked(&shop, rt_json_str(r, "links.prev"), rt_fmt("data[].id = %s", want[i]));
        rt_response_free(r);
        r = prev;
    }
    rt_response_free(r);
}

START_TEST(sort_by_a_count_with_cursors)
{
    RT_CASES(&shop,
        /* ties by key: 4 and 6 have one order each */
        {"/api/customers?sort=-_count.orders&fields=id", "data[].id = [3, 1, 2, 4, 6, 5]; !data.0._count"},
        {"/api/customers?sort=_count.orders&fields=id", "data[].id = [5, 4, 6, 2, 1, 3]"},
        {"/api/customers?sort=%2B_count.orders&fields=id", "data[].id = [5, 4, 6, 2, 1, 3]"},
        /* count[REL]'s filter is the sort's: paid orders */
        {"/api/customers?sort=-_count.orders&count[orders]={\"status\": \"paid\"}&fields=id",
         "data[].id = [3, 1, 2, 4, 5, 6]; data[]._count.orders = [2, 1, 1, 0, 0, 0]; @queries = 1"},
        {"/api/customers?sort=-_count.notes,name&fields=id", "data[].id = [1, 3, 4, 6, 2, 5]"},
        {"/api/customers?sort=tier,-_count.orders&fields=id", "data[].id = [4, 6, 5, 3, 1, 2]"},
        {"/api/tags?sort=-_count.orders", "data[].id = [2, 1, 3]"},
        /* a sub-resource list sorts by its rows' counts */
        {"/api/customers/1/orders?sort=-_count.tags&fields=id", "data[].id = [1, 2, 3]"},
        {"/api/customers?sort=-_count.orders&count=exact&limit=0", "meta.total = 6; data # 0; @queries = 2"},
    );
    static const char *const all[] = {"[3, 1]", "[2, 4]", "[6, 5]"};
    walk("/api/customers?sort=-_count.orders&limit=2&fields=id", all, 3);
    static const char *const paid[] = {"[3, 1, 2, 4]", "[5, 6]"};
    walk("/api/customers?sort=-_count.orders&count[orders]={\"status\": \"paid\"}&limit=4&fields=id", paid, 2);
    static const char *const up[] = {"[5]", "[4]", "[6]", "[2]", "[1]", "[3]"};
    walk("/api/customers?sort=_count.orders&limit=1&fields=id&count[notes]=*", up, 6);
    /* ties by key across pages, with the embedded lines loaded per page */
    static const char *const lines[] = {"[13, 1, 4]", "[6, 7, 11]", "[2, 3, 5]", "[8, 9, 10]", "[12]"};
    walk("/api/orders?sort=-_count.lines&limit=3&fields=id", lines, 5);
}
END_TEST

START_TEST(errors_point_at_the_parameter)
{
    RT_REFUSED(&shop,
        {"/api/customers?count[nothing]=*", "400 /query/count[nothing]"},
        {"/api/customers?count[name]=*", "400 /query/count[name]"},
        {"/api/orders?count[customer]=*", "400 /query/count[customer]"},           /* to-one */
        {"/api/customers?count[orders.lines]=*", "400 /query/count[orders.lines]"}, /* not included */
        {"/api/customers?include=orders&count[orders.customer]=*", "400 /query/count[orders.customer]"},
        {"/api/customers?include=orders&count[orders.nothing]=*", "400 /query/count[orders.nothing]"},
        {"/api/customers?count[]=*", "400 /query/count[]"},
        {"/api/customers?count[orders]=", "400 /query/count[orders]"},
        {"/api/customers?count[orders]=all", "400 /query/count[orders]"},
        {"/api/customers?count[orders]=[1]", "400 /query/count[orders]"},
        {"/api/customers?count[orders]={\"status\"", "400 /query/count[orders]"},
        {"/api/customers?count[orders]={\"nothing\": 1}", "400 /count[orders]/nothing"},
        {"/api/customers?count[orders]={\"status\": {\"gt\": [1]}}", "400 /count[orders]/status/gt"},
        {"/api/customers?include=orders&count[orders.lines]={\"quantity\": \"x\"}",
         "400 /count[orders.lines]/quantity"},
        {"/api/products?count[lines]={\"order\": {\"has\": {\"nothing\": 1}}}", "400 /count[lines]/order/has/nothing"},
        {"/api/customers/1?count[orders]={\"bad\": 1}", "400 /count[orders]/bad"},
        {"/api/customers/1?count[customer]=*", "400 /query/count[customer]"},
        {"/api/customers?sort=-_count.nothing", "400 /query/sort"},
        {"/api/orders?sort=_count.customer", "400 /query/sort"},
        {"/api/orders?sort=_count.status", "400 /query/sort"},
        {"/api/customers?sort=_count", "400 /query/sort"},
        /* writes take no counts */
        {"PATCH /api/customers/1?count[orders]=* {'city': 'Rome'}", "400 /query/count[orders]"},
    );
    /* at most 10: the 11th is refused at its own name */
#define TEN "/api/customers?include=orders.lines.product,orders.tags.orders,orders.customer,orders.lines.order" \
            "&count[orders]=*&count[notes]=*&count[orders.lines]=*&count[orders.tags]=*"                     \
            "&count[orders.lines.product.lines]=*&count[orders.tags.orders]=*&count[orders.customer.orders]=*" \
            "&count[orders.customer.notes]=*&count[orders.tags.orders.lines]=*&count[orders.tags.orders.tags]=*" \
            "&limit=1&fields=id"
    rt_check(&shop, TEN,
             "data.0._count = {'orders': 3, 'notes': 2}; data.0.orders.0._count = {'lines': 2, 'tags': 2};"
             "data.0.orders.0.lines.0.product._count.lines = 4; data.0.orders.0.tags[].name = ['gift', 'rush'];"
             "data.0.orders.0.tags.0._count.orders = 3; data.0.orders.0.tags.0.orders[].id = [1, 4, 9];"
             "data.0.orders.0.tags.0.orders[]._count.lines = [2, 2, 1];"
             "data.0.orders.0.tags.0.orders[]._count.tags = [2, 1, 1];"
             "data.0.orders.0.customer._count = {'orders': 3, 'notes': 2}; !data.0.orders.0.lines.0.order._count");
    rt_check_refused(&shop, TEN "&count[orders.lines.order.lines]=*", "400 /query/count[orders.lines.order.lines]");
#undef TEN
}
END_TEST

/* Whether the operation at `at` of r's document lists a parameter called name. */
static bool has_param(const rt_response *r, const char *at, const char *name)
{
    json_t *params = rt_json_at(r, at), *p;
    size_t i;
    json_array_foreach(params, i, p) if (!strcmp(json_string_value(json_object_get(p, "name")), name)) return true;
    return false;
}

START_TEST(openapi_documents_counts)
{
    rt_response *r = rt_checked(&shop, "/openapi.json",
                                "components.schemas.Customer.properties._count.properties.orders.type = 'integer';"
                                "components.schemas.Customer.properties._count.properties.notes.type = 'integer';"
                                "components.schemas.Order.properties._count.properties.tags.type = 'integer';"
                                "!components.schemas.Order.properties._count.properties.customer;"
                                "!components.schemas.OrderLine.properties._count");
    ck_assert(has_param(r, "paths./api/customers.get.parameters", "count[orders]"));
    ck_assert(has_param(r, "paths./api/customers.get.parameters", "count[notes]"));
    ck_assert(has_param(r, "paths./api/customers/{id}.get.parameters", "count[orders]"));
    ck_assert(has_param(r, "paths./api/customers/{id}/orders.get.parameters", "count[tags]"));
    ck_assert(!has_param(r, "paths./api/orders.get.parameters", "count[customer]"));
    ck_assert(!has_param(r, "paths./api/order_lines.get.parameters", "count[order]"));
    rt_response_free(r);
}
END_TEST

/* ---- every loading strategy ------------------------------------------------------------ */

static rt_server kinds;

RT_FIXTURE(kinds, "tests/http/schemas/kinds_select.json", "tests/http/schemas/kinds.seed.json", NULL)

START_TEST(dynamic_and_noload_relationships_count)
{
    /* Author.all_books is dynamic, Author.drafts noload: never embedded, still counted */
    rt_assert_sql(&kinds, "3", "SELECT count(*) FROM books WHERE author_id = 1");
    rt_check(&kinds, "/api/authors?count[all_books]=*&count[drafts]={\"title\": {\"lt\": \"N\"}}&fields=id",
             "data[]._count.all_books = [3, 1, 0]; data[]._count.drafts = [2, 1, 0]; !data.0.drafts; @queries = 1");
    rt_check(&kinds, "/api/authors?sort=-_count.drafts&fields=id", "data[].id = [1, 2, 3]");
    rt_check(&kinds, "/api/authors/2?count[drafts]=*", "_count.drafts = 1; !drafts");
}
END_TEST

/* ---- the row_filter and permissions inside a count ----------------------------------- */

#define SECRET "rt-counts-secret-0123456789abcdef-xyz"

static rt_server ten;

static void ten_start(void)
{
    rt_server_start_secured(&ten, "tests/http/schemas/tenants.json", "tests/http/schemas/tenants.seed.json", SECRET);
}

static void ten_stop(void) { rt_server_stop(&ten); }

START_TEST(a_count_sees_only_the_rows_the_request_may_read)
{
    enum { ANON, AL, BO, AD };
    char *who[] = {NULL, rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}"),
                   rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}"),
                   rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}")};
    /* projects: 1 alice (org 1), 2 bob (org 1), 3 alice (org 2); tasks by
     * assignee: project 1 a1 alice, a2 bob; 2 b1 bob, x1 alice; 3 g1 alice */
    RT_AS_CASES(&ten, who,
        {AL, "/api/orgs?count[projects]=*", "data[]._count.projects = [1, 1]"},
        {BO, "/api/orgs?count[projects]=*", "data[]._count.projects = [1, 0]"},
        {AD, "/api/orgs?count[projects]=*", "data[]._count.projects = [2, 1]"},
        {BO, "/api/orgs?sort=_count.projects&fields=id", "data[].id = [2, 1]"},
        {AD, "/api/orgs?sort=_count.projects&fields=id", "data[].id = [2, 1]"},
        {AL, "/api/orgs?sort=-_count.projects&fields=id", "data[].id = [1, 2]"},
        /* a filter inside the count: its relationship operators see the scope too */
        {BO, "/api/orgs?count[projects]={\"tasks\": {\"any\": {\"title\": \"x1\"}}}", "data[]._count.projects = [0, 0]"},
        {AD, "/api/orgs?count[projects]={\"tasks\": {\"any\": {\"title\": \"x1\"}}}", "data[]._count.projects = [1, 0]"},
        /* the embedded rows' counts */
        {AL, "/api/orgs?include=projects&count[projects.tasks]=*",
         "data.0.projects[].id = [1]; data.1.projects[].id = [3]; data.0.projects.0._count.tasks = 1"},
        {AD, "/api/orgs/1?include=projects&count[projects.tasks]=*&count[projects]=*",
         "_count.projects = 2; projects[]._count.tasks = [2, 2]"},
        {BO, "/api/projects/2?count[tasks]=*", "_count.tasks = 1"},
        /* a resource the role may not read is no relationship to count */
        {ANON, "/api/orgs?count[projects]=*", "400 /query/count[projects]"},
        {ANON, "/api/orgs?sort=_count.projects", "400 /query/sort"},
        {AL, "/api/projects?count[secrets]=*", "400 /query/count[secrets]"},
        {AD, "/api/projects?count[secrets]=*", "data[]._count.secrets = [1, 1, 0]"},
        /* the document the role reads names only what it may count */
        {AL, "/openapi.json",
         "components.schemas.Project.properties._count.properties.tasks.type = 'integer';"
         "!components.schemas.Project.properties._count.properties.secrets"},
        {AD, "/openapi.json", "components.schemas.Project.properties._count.properties.secrets.type = 'integer'"},
    );
    for (int i = AL; i <= AD; i++) free(who[i]);
}
END_TEST

Suite *http_related_counts_suite(void)
{
    Suite *s = suite_create("http/related_counts");
    TS_TCASE(s, "shop", shop_start, shop_stop, 60, counts_on_lists_objects_and_sub_resources,
             counts_on_embedded_rows, sort_by_a_count_with_cursors, errors_point_at_the_parameter,
             openapi_documents_counts);
    TS_TCASE(s, "row_filter", ten_start, ten_stop, 60, a_count_sees_only_the_rows_the_request_may_read);
    TS_TCASE(s, "kinds", kinds_start, kinds_stop, 60, dynamic_and_noload_relationships_count);
    return s;
}
