/* test_include_criteria.c: criteria inside include (SPEC §10 C) on both
 * backends: filter[PATH], sort[PATH] (columns and many-to-one paths,
 * replacing order_by, ties by key), limit[PATH] / offset[PATH] per parent,
 * on lists, sub-resource lists and single objects, over one-to-many,
 * many-to-many and dynamic relationships (schemas/shop.json); parents are
 * never dropped; one statement per level (@queries), a joined relationship
 * with criteria loaded by a statement of its own; links.next and cursors
 * keep the parameters; computed and deferred columns through the window
 * (tests/http/schemas/computed.json); the target's row_filter holds
 * (tests/http/schemas/incl_scope.json); a collection reached twice shows
 * each path's own criteria, and a batch's later write sees the whole
 * collection; every error with its pointer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

static rt_server shop, scoped, computed;

RT_FIXTURE(shop, "schemas/shop.json", "schemas/shop.seed.json", NULL)
RT_FIXTURE(computed, "tests/http/schemas/computed.json", "tests/http/schemas/computed.seed.json", NULL)

START_TEST(the_spec_example_embeds_the_top_orders_per_customer)
{
    RT_CASES(&shop,
        {"/api/customers?include=orders.lines&filter[orders]={\"status\":\"paid\"}&sort[orders]=-placed"
         "&limit[orders]=1&limit[orders.lines]=2&fields=name",
         "data[].id = [1, 2, 3, 4, 5, 6]; data.0.orders[].id = [1]; data.0.orders.0.lines[].id = [1, 2];"
         "data.1.orders[].id = [4]; data.1.orders.0.lines[].id = [5, 6]; data.2.orders[].id = [7];"
         "data.2.orders.0.lines[].id = [10, 11]; data.3.orders # 0; data.4.orders # 0; data.5.orders # 0;"
         "!data.0._links.orders; @queries = 3"},
        /* lines one per order now: the window of the second level */
        {"/api/customers?include=orders.lines&sort[orders]=-placed&limit[orders]=2&limit[orders.lines]=1",
         "data.0.orders[].id = [3, 2]; data.0.orders.0.lines[].id = [4]; data.1.orders[].id = [4, 5];"
         "data.1.orders.0.lines[].id = [5]; data.2.orders[].id = [8, 7]; data.2.orders.1.lines[].id = [10];"
         "data.3.orders[].id = [10]; data.4.orders # 0; data.5.orders[].id = [13]; @queries = 3"},
    );
}
END_TEST

START_TEST(limit_and_offset_apply_to_each_parent)
{
    RT_CASES(&shop,
        {"/api/customers?include=orders&sort[orders]=-placed&offset[orders]=1&limit[orders]=2",
         "data.0.orders[].id = [2, 1]; data.1.orders[].id = [5]; data.2.orders[].id = [7, 6];"
         "data.3.orders # 0; data.4.orders # 0; data.5.orders # 0; @queries = 2"},
        /* offset alone, in the relationship's order_by (id) */
        {"/api/customers?include=orders&offset[orders]=2",
         "data.0.orders[].id = [3]; data.1.orders # 0; data.2.orders[].id = [8, 9]; @queries = 2"},
        /* limit 0: every parent, no row */
        {"/api/customers?include=orders&limit[orders]=0", "data # 6; data.0.orders # 0; data.2.orders # 0"},
        /* a limit past the collection: all of it */
        {"/api/customers?include=orders&limit[orders]=1000", "data.2.orders[].id = [6, 7, 8, 9]"},
        /* the page's own limit counts parents, not embedded rows */
        {"/api/customers?include=orders&limit=2&limit[orders]=1", "data[].id = [1, 2]; data.1.orders[].id = [4]"},
    );
}
END_TEST

START_TEST(filters_keep_the_matching_rows_and_never_drop_a_parent)
{
    RT_CASES(&shop,
        /* a relationship operator through a many-to-one inside */
        {"/api/customers?include=orders&filter[orders]={\"lines\":{\"any\":{\"product.name\":\"Mug\"}}}",
         "data.0.orders[].id = [1]; data.1.orders[].id = [4]; data.2.orders[].id = [8]; data.3.orders # 0;"
         "data.5.orders[].id = [13]; data # 6"},
        {"/api/customers?include=orders&filter[orders]={\"total\":null}", "data.3.orders[].id = [10]; data.0.orders # 0"},
        /* the list's own filter still selects the parents */
        {"/api/customers?filter={\"tier\":\"gold\"}&include=orders&filter[orders]={\"status\":\"new\"}",
         "data[].id = [1, 3]; data.0.orders[].id = [3]; data.1.orders[].id = [8]"},
        /* {} is every row */
        {"/api/customers/1?include=orders&filter[orders]={}", "orders[].id = [1, 2, 3]"},
    );
}
END_TEST

START_TEST(sort_replaces_order_by_with_ties_by_key)
{
    RT_CASES(&shop,
        {"/api/orders/13?include=lines&sort[lines]=product.price", "lines[].id = [20, 19, 18]; @queries = 2"},
        {"/api/orders/13?include=lines&sort[lines]=-product.price", "lines[].id = [18, 19, 20]"},
        /* equal quantities: the next key, then the key */
        {"/api/orders/13?include=lines&sort[lines]=quantity,-price", "lines[].id = [18, 20, 19]"},
        {"/api/orders/13?include=lines&sort[lines]=quantity", "lines[].id = [18, 19, 20]"},
        /* a NULL foreign key sorts as NULL, the row stays */
        {"/api/orders/10?include=lines&sort[lines]=product.name", "lines[].id = [14]"},
        {"/api/customers/3?include=orders&filter[orders]={\"status\":\"paid\"}&sort[orders]=-total",
         "orders[].id = [6, 7]"},
        /* NULL is the smallest value */
        {"/api/customers?include=orders&sort[orders]=-shipped&filter={\"id\":3}", "data.0.orders[].id = [7, 6, 9, 8]"},
    );
}
END_TEST

START_TEST(sub_resource_lists_and_objects_take_them)
{
    RT_CASES(&shop,
        {"/api/customers/3/orders?include=lines&limit[lines]=1&sort[lines]=-price",
         "data[].id = [6, 7, 8, 9]; data.0.lines[].id = [8]; data.1.lines[].id = [11]; data.2.lines[].id = [12];"
         "data.3.lines[].id = [13]; @queries = 3"},
        {"/api/customers/1?include=orders.lines&limit[orders]=1&sort[orders]=-id&limit[orders.lines]=1",
         "orders[].id = [3]; orders.0.lines[].id = [4]; @queries = 3"},
    );
}
END_TEST

START_TEST(many_to_many_both_ways)
{
    RT_CASES(&shop,
        {"/api/orders?include=tags&limit[tags]=1&fields=status",
         "data.0.tags[].name = ['gift']; data.1.tags[].id = [2]; data.2.tags # 0; data.6.tags[].name = ['rush'];"
         "data.10.tags[].id = [3]; @queries = 2"},
        {"/api/orders?include=tags&sort[tags]=-name&limit[tags]=1&filter={\"id\":{\"in\":[1,7]}}",
         "data.0.tags[].name = ['rush']; data.1.tags[].name = ['wholesale']"},
        {"/api/tags?include=orders&limit[orders]=2&sort[orders]=-placed",
         "data.0.orders[].id = [4, 1]; data.1.orders[].id = [13, 7]; data.2.orders[].id = [7, 11]; @queries = 2"},
        {"/api/tags?include=orders&filter[orders]={\"customer_id\":{\"is_null\":true}}",
         "data.0.orders # 0; data.1.orders # 0; data.2.orders[].id = [11]"},
        {"/api/tags?include=orders&offset[orders]=1&limit[orders]=1",
         "data.0.orders[].id = [4]; data.1.orders[].id = [2]; data.2.orders[].id = [7]"},
    );
}
END_TEST

START_TEST(a_dynamic_relationship_is_included_when_bounded)
{
    RT_CASES(&shop,
        {"/api/customers?include=notes&limit[notes]=1&sort[notes]=-written",
         "data.0.notes[].id = [2]; data.1.notes # 0; data.2.notes[].id = [3]; data.3.notes[].id = [4];"
         "data.4.notes # 0; data.5.notes[].id = [6]; !data.0._links.notes; @queries = 2"},
        {"/api/customers/1?include=notes&limit[notes]=5", "notes[].id = [1, 2]"},
        {"/api/customers?include=notes&limit[notes]=2&filter[notes]={\"body\":{\"contains\":\"bulk\"}}",
         "data.0.notes[].id = [2]; data.2.notes # 0"},
    );
    RT_REFUSED(&shop,
        {"/api/customers?include=notes", "400 /query/include"},
        {"/api/customers?include=notes&filter[notes]={}&sort[notes]=id", "400 /query/include"},
        {"/api/customers?include=notes&offset[notes]=1", "400 /query/include"},
        {"/api/orders?include=customer.notes", "400 /query/include"},
    );
    rt_check(&shop, "/api/orders/1?include=customer.notes&limit[customer.notes]=1", "customer.notes[].id = [1]");
}
END_TEST

START_TEST(one_statement_per_level_whatever_the_parents)
{
    /* more parents than chunks would make: still one statement per level */
    RT_CASES(&shop,
        {"/api/orders?include=lines.product&limit[lines]=1&sort[lines]=-quantity", "data # 13; @queries = 3"},
        {"/api/orders?include=lines,tags&limit[lines]=1&limit[tags]=1&filter[tags]={\"name\":{\"ne\":\"x\"}}",
         "data # 13; @queries = 3"},
        {"/api/customers?include=orders.lines.product&limit[orders]=1&limit[orders.lines]=1", "@queries = 4"},
    );
}
END_TEST

START_TEST(links_and_cursors_keep_the_parameters)
{
    rt_response *r = rt_checked(&shop, "/api/customers?include=orders&limit=2&limit[orders]=1&sort[orders]=-placed",
                                "data[].id = [1, 2]; data.0.orders[].id = [3]; links.next");
    const char *next = rt_json_str(r, "links.next");
    ck_assert_msg(strstr(next, "limit%5Borders%5D=1") && strstr(next, "sort%5Borders%5D=-placed"), "%s", next);
    rt_response *r2 = rt_checked(&shop, next, "data[].id = [3, 4]; data.0.orders[].id = [8]; data.1.orders[].id = [10]");
    rt_check(&shop, rt_json_str(r2, "links.next"), "data[].id = [5, 6]; data.0.orders # 0; data.1.orders[].id = [13]");
    rt_response_free(r2);
    rt_response_free(r);
    /* a keyset cursor on a sorted page */
    r = rt_checked(&shop, "/api/customers?sort=-name&limit=3&include=orders&filter[orders]={\"status\":\"paid\"}",
                   "data[].id = [6, 5, 4]; meta.next_cursor");
    rt_check(&shop, rt_json_str(r, "links.next"), "data[].id = [3, 2, 1]; data.0.orders[].id = [6, 7]; data.2.orders[].id = [1]");
    rt_response_free(r);
}
END_TEST

START_TEST(each_path_keeps_its_own_criteria)
{
    /* the customer reached back through its order shows all its orders */
    RT_CASES(&shop,
        {"/api/customers/1?include=orders.customer.orders&limit[orders]=1&sort[orders]=-id",
         "orders[].id = [3]; orders.0.customer.orders[].id = [1, 2, 3]"},
        {"/api/customers/1?include=orders.customer.orders&limit[orders.customer.orders]=1",
         "orders[].id = [1, 2, 3]; orders.0.customer.orders[].id = [1]; orders.2.customer.orders[].id = [1]"},
    );
}
END_TEST

/* With the other parts of §10: related counts of the windowed rows (no
 * statement more), and the same parameters in a query body (E), with the
 * body's pointers. */
START_TEST(counts_and_query_bodies_take_them)
{
    RT_CASES(&shop,
        {"/api/customers?include=orders&limit[orders]=1&sort[orders]=-placed&count[orders.lines]=*&limit=3",
         "data.0.orders[].id = [3]; data.0.orders.0._count.lines = 1; data.1.orders[].id = [4];"
         "data.1.orders.0._count.lines = 2; @queries = 2"},
        {"POST /api/customers/_query {'include': 'orders.lines', 'filter[orders]': {'status': 'paid'},"
         " 'sort[orders]': '-placed', 'limit[orders]': 1, 'limit[orders.lines]': 2, 'limit': 3}",
         "data.2.orders[].id = [7]; data.2.orders.0.lines[].id = [10, 11]; data.0.orders[].id = [1]; @queries = 3"},
    );
    RT_REFUSED(&shop,
        {"POST /api/customers/_query {'include': 'orders', 'limit[orders]': -1}", "400 /limit[orders]"},
        {"POST /api/customers/_query {'include': 'orders', 'filter[orders]': {'zz': 1}}", "400 /filter[orders]/zz"},
        {"POST /api/customers/_query {'include': 'orders', 'sort[orders]': 'zz'}", "400 /sort[orders]"},
        {"POST /api/customers/_query {'limit[orders]': 1}", "400 /limit[orders]"},
    );
}
END_TEST

START_TEST(errors_point_at_the_parameter)
{
    RT_REFUSED(&shop,
        /* not included, or to-one */
        {"/api/customers?filter[orders]={\"status\":\"paid\"}", "400 /query/filter[orders]"},
        {"/api/customers?include=orders&sort[orders.lines]=id", "400 /query/sort[orders.lines]"},
        {"/api/customers?include=orders&limit[nope]=1", "400 /query/limit[nope]"},
        {"/api/orders?include=customer&limit[customer]=1", "400 /query/limit[customer]"},
        {"/api/orders?include=customer&offset[customer]=1", "400 /query/offset[customer]"},
        {"/api/order_lines?include=product&filter[product]={}", "400 /query/filter[product]"},
        {"/api/orders?include=lines&limit[lines.product]=1", "400 /query/limit[lines.product]"},
        /* bad filters, inside the parameter */
        {"/api/customers?include=orders&filter[orders]={\"nope\":1}", "400 /filter[orders]/nope"},
        {"/api/customers?include=orders&filter[orders]={\"lines\":{\"any\":{\"zzz\":1}}}",
         "400 /filter[orders]/lines/any/zzz"},
        {"/api/customers?include=orders&filter[orders]=nope", "400 /filter[orders]"},
        {"/api/orders?include=lines&filter[lines]={\"product.secret\":\"k\"}", "400 /filter[lines]/product.secret"},
        /* bad sorts */
        {"/api/customers?include=orders&sort[orders]=nope", "400 /query/sort[orders]"},
        {"/api/customers?include=orders&sort[orders]=", "400 /query/sort[orders]"},
        {"/api/customers?include=orders&sort[orders]=lines.id", "400 /query/sort[orders]"},
        {"/api/orders?include=lines&sort[lines]=product.secret", "400 /query/sort[lines]"},
        /* limits and offsets */
        {"/api/customers?include=orders&limit[orders]=-1", "400 /query/limit[orders]"},
        {"/api/customers?include=orders&limit[orders]=abc", "400 /query/limit[orders]"},
        {"/api/customers?include=orders&limit[orders]=1001", "400 /query/limit[orders]"},
        {"/api/customers?include=orders&offset[orders]=1.5", "400 /query/offset[orders]"},
        {"/api/customers?include=orders&offset[orders]=1001", "400 /query/offset[orders]"},
        {"/api/customers?include=orders&limit[orders]=", "400 /query/limit[orders]"},
        {"/api/customers?include=orders&limit[orders]=1&limit[orders]=2", "400 /query/limit[orders]"},
    );
    /* the filter limits hold for each filter: 1000 in-items pass, 1001 do not */
    char *big = malloc(16 * 1024);
    size_t n = (size_t)sprintf(big, "/api/customers?include=orders&filter[orders]={\"id\":{\"in\":[");
    for (int i = 0; i < 1001; i++) n += (size_t)sprintf(big + n, "%s%d", i ? "," : "", i);
    sprintf(big + n, "]}}");
    rt_check(&shop, big, "400 /filter[orders]/id/in");
    rt_check(&shop, "/api/customers?include=orders&filter[orders]={\"id\":{\"in\":[1]}}&filter={\"id\":{\"in\":[1]}}",
             "data.0.orders[].id = [1]");
    free(big);
}
END_TEST

START_TEST(openapi_documents_the_bracket_parameters)
{
    rt_response *r = rt_checked(&shop, "/openapi.json", NULL);
    json_t *params = rt_json_path(r->json, "paths./api/customers.get.parameters");
    ck_assert_ptr_nonnull(params);
    const char *want[] = {"filter[orders]", "sort[orders]", "limit[orders]", "offset[orders]", "limit[notes]"};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        bool found = false;
        for (size_t i = 0; i < json_array_size(params); i++)
            found |= !strcmp(json_string_value(json_object_get(json_array_get(params, i), "name")), want[k]);
        ck_assert_msg(found, "no parameter %s for /api/customers", want[k]);
    }
    rt_response_free(r);
}
END_TEST

/* The window's derived table carries computed attributes and deferred
 * columns (by their labels), and ranks by a computed one. */
START_TEST(computed_and_deferred_columns_through_the_window)
{
    RT_CASES(&computed,
        {"/api/carts?include=lines&limit[lines]=1&sort[lines]=-amount&fields[lines]=amount",
         "data.0.lines[].id = [2]; data.0.lines.0.amount = '10.25'; data.1.lines # 0; data.2.lines[].id = [3]"},
        {"/api/carts?include=lines&sort[lines]=-average&offset[lines]=1", "data.0.lines[].id = [1]; data.2.lines # 0"},
        {"/api/authors?include=books&limit[books]=1&fields[books]=excerpt",
         "data.0.books[].excerpt = ['Only in silence the word.']; data.1.books[].id = [3]; data.2.books # 0"},
        {"/api/authors?include=books&limit[books]=1", "data.0.books[].id = [1]; !data.0.books.0.excerpt"},
    );
}
END_TEST

/* ---- a row filter on the target, joined relationships ----------------------------------------- */

#define SECRET "include-criteria-secret-of-32-bytes!"
static char *ALICE, *BOB, *ADMIN;

static void scoped_start(void)
{
    ALICE = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    BOB = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    ADMIN = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    rt_server_start(&scoped, "tests/http/schemas/incl_scope.json", "tests/http/schemas/incl_scope.seed.json", args);
}

static void scoped_stop(void)
{
    rt_server_stop(&scoped);
    free(ALICE);
    free(BOB);
    free(ADMIN);
}

START_TEST(the_targets_row_filter_holds)
{
    const char *q = "/api/accounts?include=orders&limit[orders]=2&sort[orders]=id";
    rt_check(&scoped, rt_as(ADMIN, q), "data.0.orders[].id = [1, 2]; data.1.orders[].id = [5]; data.2.orders # 0");
    /* bob's row 2 is not alice's: her two are 1 and 3 */
    rt_check(&scoped, rt_as(ALICE, q), "data.0.orders[].id = [1, 3]; data.1.orders # 0; data.2.orders # 0");
    rt_check(&scoped, rt_as(BOB, q), "data.0.orders[].id = [2]; data.1.orders[].id = [5]");
    rt_check(&scoped, rt_as(ALICE, "/api/accounts/1?include=orders&filter[orders]={\"amount\":{\"ge\":20}}"),
             "orders[].id = [1, 4]");
    rt_check(&scoped, rt_as(ALICE, "/api/accounts/1?include=orders&offset[orders]=2"), "orders[].id = [4]");
    /* anonymous may not read purchases: not includable at all */
    rt_check(&scoped, rt_as(NULL, q), "400 /query/include");
}
END_TEST

START_TEST(a_joined_relationship_with_criteria_has_its_own_statement)
{
    rt_check(&scoped, rt_as(ADMIN, "/api/accounts?include=orders.items"),
             "data.0.orders[].id = [1, 2, 3, 4]; data.0.orders.3.items[].id = [5, 6]; @queries = 1");
    /* the orders by a windowed statement that still joins their items */
    rt_check(&scoped, rt_as(ADMIN, "/api/accounts?include=orders.items&limit[orders]=2&sort[orders]=-amount"),
             "data.0.orders[].id = [2, 1]; data.0.orders.1.items[].id = [1, 2]; data.1.orders[].id = [5];"
             "data.1.orders.0.items[].id = [7]; data.2.orders # 0; @queries = 2");
    rt_check(&scoped, rt_as(ADMIN, "/api/accounts?include=orders.items&limit[orders.items]=1&sort[orders.items]=-qty"),
             "data.0.orders[].id = [1, 2, 3, 4]; data.0.orders.0.items[].id = [1]; data.0.orders.3.items[].id = [6];"
             "@queries = 2");
    rt_check(&scoped, rt_as(ALICE, "/api/accounts?include=orders.items&filter[orders.items]={\"qty\":{\"gt\":2}}"),
             "data.0.orders[].id = [1, 3, 4]; data.0.orders.0.items[].id = [1]; data.0.orders.1.items # 0;"
             "data.0.orders.2.items[].id = [5, 6]; @queries = 2");
}
END_TEST

START_TEST(a_batch_write_after_a_limited_read_sees_the_whole_collection)
{
    /* the read embeds one order; the write that follows replaces the
     * collection by that one: the others leave it */
    rt_check(&scoped, rt_as(ADMIN, "POST /api/_batch {'operations': ["
                                   "{'method': 'GET', 'path': '/api/accounts/1?include=orders&limit[orders]=1'},"
                                   "{'method': 'PATCH', 'path': '/api/accounts/1', 'body': {'orders': [{'id': 1}]}}]}"),
             "results.0.body.orders[].id = [1]; results.1.body.orders[].id = [1]");
    rt_assert_sql(&scoped, "1", "SELECT count(*) FROM purchases WHERE account_id = 1");
}
END_TEST

Suite *http_include_criteria_suite(void)
{
    Suite *s = suite_create("http_include_criteria");
    TS_TCASE(s, "shop", shop_start, shop_stop, 120, the_spec_example_embeds_the_top_orders_per_customer,
             limit_and_offset_apply_to_each_parent, filters_keep_the_matching_rows_and_never_drop_a_parent,
             sort_replaces_order_by_with_ties_by_key, sub_resource_lists_and_objects_take_them,
             many_to_many_both_ways, a_dynamic_relationship_is_included_when_bounded,
             one_statement_per_level_whatever_the_parents, links_and_cursors_keep_the_parameters,
             each_path_keeps_its_own_criteria, counts_and_query_bodies_take_them, errors_point_at_the_parameter,
             openapi_documents_the_bracket_parameters);
    TS_TCASE(s, "computed", computed_start, computed_stop, 60, computed_and_deferred_columns_through_the_window);
    /* the batch writes last */
    TS_TCASE(s, "scoped", scoped_start, scoped_stop, 60, the_targets_row_filter_holds,
             a_joined_relationship_with_criteria_has_its_own_statement,
             a_batch_write_after_a_limited_read_sees_the_whole_collection);
    return s;
}
