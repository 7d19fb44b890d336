/* test_viewonly.c: view-only and passive-delete relationships (SPEC §9),
 * on both backends.
 *
 * orders (schemas/orders.json, the association-object example): Order.items
 * and Item.orders go through order_items, the table OrderItem owns, so they
 * are viewonly: read everywhere, written nowhere. Before they were, deleting
 * an order deleted its order_items rows twice (through the association
 * object's cascade and through the many-to-many) and answered 404 having
 * deleted nothing.
 * passive (tests/http/schemas/passive.json): Person.logs and Person.notes
 * are passive_deletes: deleting a person leaves them to their foreign key's
 * ON DELETE (cascade, set null) without loading them; Person.pets, not
 * passive, is loaded and deleted by restmap first. */
#include <check.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server orders, passive;

RT_FIXTURE(orders, "schemas/orders.json", "schemas/orders.seed.json", NULL)
RT_FIXTURE(passive, "tests/http/schemas/passive.json", "tests/http/schemas/passive.seed.json", NULL)

START_TEST(viewonly_is_read)
{
    RT_CASES(&orders,
        {"/api/orders/1?include=items", "items[].description = ['MySQL Crowbar', 'SA Mug', 'SA T-Shirt']"},
        {"/api/orders/2/items", "data[].id = [3, 2]"},
        {"/api/orders?filter={\"items\": {\"any\": {\"description\": \"SA Hat\"}}}&fields=id", "data[].id = [2]"},
        {"/api/items/2?include=orders", "orders[].id = [1, 2]"},
        {"/api/orders/1", "_links.items = '/api/orders/1/items'"},
    );
    rt_response *r = rt_checked(&orders, "/api", NULL);
    json_t *rels = rt_json_at(r, "resources.0.relationships");
    size_t i;
    json_t *rel;
    int viewonly = 0;
    json_array_foreach(rels, i, rel) {
        bool is_items = !strcmp(json_string_value(json_object_get(rel, "name")), "items");
        ck_assert_int_eq(json_is_true(json_object_get(rel, "viewonly")), is_items);
        viewonly += is_items;
    }
    ck_assert_int_eq(viewonly, 1);
    rt_response_free(r);
    r = rt_checked(&orders, "/openapi.json", "components.schemas.Order.properties.items.readOnly = true");
    ck_assert_ptr_nonnull(rt_json_at(r, "paths./api/orders/{id}/items.get"));
    ck_assert_ptr_null(rt_json_at(r, "paths./api/orders/{id}/items.post"));
    rt_response_free(r);
}
END_TEST

START_TEST(viewonly_is_never_written)
{
    RT_CASES(&orders,
        {"POST /api/orders {'customer_name': 'x', 'items': [{'id': 1}]}", "400 /items; @unchanged"},
        {"PATCH /api/orders/1 {'items': []}", "400 /items; @unchanged"},
        {"POST /api/orders/1/items {'id': 3}", "405; @Allow = GET, HEAD, OPTIONS; @unchanged"},
        /* the member path serves nothing else (Allow lists what a path serves) */
        {"DELETE /api/orders/1/items/1", "405; @Allow = OPTIONS; @unchanged"},
        {"PATCH /api/items/1 {'orders': [{'id': 3}]}", "400 /orders; @unchanged"},
    );
}
END_TEST

/* The bug viewonly fixes: an order with items is deleted, its association
 * objects with it (cascade), the items kept. */
START_TEST(deleting_an_order_with_items)
{
    rt_check(&orders, "DELETE /api/orders/1", "204");
    rt_check(&orders, "/api/orders/1", "404");
    rt_assert_sql(&orders, "0", "SELECT count(*) FROM order_items WHERE order_id = 1");
    rt_assert_sql(&orders, "2", "SELECT count(*) FROM order_items WHERE order_id = 2");
    rt_assert_sql(&orders, "4", "SELECT count(*) FROM items");
}
END_TEST

/* Logs go by ON DELETE CASCADE and notes by SET NULL, with no statement of
 * restmap's for either; pets are loaded and deleted first. */
START_TEST(passive_deletes_leave_rows_to_the_database)
{
    rt_response *r = rt_checked(&passive, "DELETE /api/people/1", "204");
    int queries = rt_queries(r);
    rt_response_free(r);
    rt_assert_sql(&passive, "0", "SELECT count(*) FROM logs WHERE person_id = 1");
    rt_assert_sql(&passive, "1", "SELECT count(*) FROM logs");
    rt_assert_sql(&passive, "1", "SELECT count(*) FROM notes WHERE person_id IS NULL AND id = 1");
    rt_assert_sql(&passive, "0", "SELECT count(*) FROM pets WHERE id = 1");
    /* the person (read), its pets (loaded), the pets' DELETE, the person's
     * DELETE: nothing for logs or notes */
    ck_assert_int_eq(queries, 4);
    rt_check(&passive, "/api/people/2/logs", "data[].id = [3]");
}
END_TEST

Suite *http_viewonly_suite(void)
{
    Suite *s = suite_create("http_viewonly");
    TS_TCASE(s, "orders", orders_start, orders_stop, 60, viewonly_is_read, viewonly_is_never_written,
             deleting_an_order_with_items);
    TS_TCASE(s, "passive", passive_start, passive_stop, 60, passive_deletes_leave_rows_to_the_database);
    return s;
}
