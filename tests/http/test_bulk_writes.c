/* test_bulk_writes.c: PATCH and DELETE /api/{res}?filter=... (SPEC §10 D)
 * on both backends: the SPEC's two examples on schemas/shop.json, the
 * cascades (order lines, order_tags association rows, notes set NULL),
 * versions (a row that holds the values keeps its version), validation
 * with nothing written, 409s, max_bulk_rows, dry runs, statements that do
 * not grow with the rows matched, one round per level of a
 * self-referential cascade (tests/http/schemas/bulk.json), the row filter
 * and permissions, /api/_batch, and every error pointer. Each test starts
 * its own server: they all write. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

#define SHOP "schemas/shop.json", "schemas/shop.seed.json", NULL
#define BULK "tests/http/schemas/bulk.json", NULL, NULL

static rt_server srv;

/* PATCH /api/orders?filter={"status":"new","placed":{"lt":"2024-01-01"}} {"status":"cancelled"} */
START_TEST(spec_examples)
{
    rt_server_start(&srv, SHOP);
    RT_CASES(&srv,
        {"PATCH /api/orders?filter={\"status\":\"new\",\"placed\":{\"lt\":\"2024-01-01\"}} {'status': 'cancelled'}",
         "matched = 2; tables = {'orders': {'updated': 2}}; max_bulk_rows = 1000; dry_run = false; @queries = 2"},
        {"/api/orders/10", "status = 'cancelled'; version = 2"},
        {"/api/orders/12", "status = 'cancelled'; version = 2"},
        {"/api/orders/3", "status = 'new'; version = 1"},
        /* no customer without a tier and without orders yet: nothing chosen */
        {"DELETE /api/customers?filter={\"tier\":null,\"orders\":{\"none\":{}}}&dry_run=true",
         "matched = 0; tables = {}; dry_run = true; @unchanged"},
        /* Farid's only order goes: he is chosen, his note detached */
        {"DELETE /api/orders/13", "204"},
        {"DELETE /api/customers?filter={\"tier\":null,\"orders\":{\"none\":{}}}&dry_run=true",
         "matched = 1; tables = {'customers': {'deleted': 1}, 'notes': {'updated': 1}}; max_bulk_rows = 1000; "
         "dry_run = true; @unchanged"},
        {"DELETE /api/customers?filter={\"tier\":null,\"orders\":{\"none\":{}}}",
         "matched = 1; tables = {'customers': {'deleted': 1}, 'notes': {'updated': 1}}; dry_run = false"},
        {"/api/customers/6", "404"},
    );
    rt_assert_sql(&srv, "NULL", "SELECT customer_id FROM notes WHERE id = 6");
    rt_assert_sql(&srv, "moved to Berlin", "SELECT body FROM notes WHERE id = 6");
    rt_server_stop(&srv);
}
END_TEST

START_TEST(cascades)
{
    rt_server_start(&srv, SHOP);
    RT_CASES(&srv,
        /* orders 6-9: their lines (delete-orphan) and association rows go */
        {"DELETE /api/orders?customer_id=3",
         "matched = 4; tables = {'orders': {'deleted': 4}, 'order_lines': {'deleted': 6}, "
         "'order_tags': {'deleted': 4}}"},
        /* a product without a delete cascade: its lines are detached */
        {"DELETE /api/products?filter={\"name\":\"Grinder\"}",
         "matched = 1; tables = {'products': {'deleted': 1}, 'order_lines': {'updated': 1}}"},
        /* a tag: its association rows only */
        {"DELETE /api/tags?filter={\"name\":{\"eq\":\"rush\"}}",
         "matched = 1; tables = {'tags': {'deleted': 1}, 'order_tags': {'deleted': 3}}"},
        /* a customer: orders, their lines and tags, and notes detached */
        {"DELETE /api/customers?name=Ada",
         "matched = 1; tables = {'customers': {'deleted': 1}, 'orders': {'deleted': 3}, "
         "'order_lines': {'deleted': 4}, 'order_tags': {'deleted': 1}, 'notes': {'updated': 2}}"},
    );
    rt_assert_sql_list(&srv, "4,5,10,11,12,13", "SELECT id FROM orders ORDER BY id");
    rt_assert_sql_list(&srv, "5,6,7,14,15,16,17,18,19,20", "SELECT id FROM order_lines ORDER BY id");
    rt_assert_sql(&srv, "NULL", "SELECT product_id FROM order_lines WHERE id = 7");
    rt_assert_sql_list(&srv, "4:1,11:3", "SELECT order_id || ':' || tag_id FROM order_tags ORDER BY order_id");
    rt_assert_sql_list(&srv, "NULL,NULL", "SELECT customer_id FROM notes WHERE id IN (1, 2) ORDER BY id");
    rt_assert_foreign_keys(&srv);
    rt_server_stop(&srv);
}
END_TEST

/* Versions: each written row's incremented once; a row that already holds
 * the values is not written (not counted, its version kept), as a single
 * PATCH of it. */
START_TEST(versions_and_unchanged_rows)
{
    rt_server_start(&srv, SHOP);
    RT_CASES(&srv,
        {"PATCH /api/orders?customer_id=1 {'status': 'paid'}", "matched = 3; tables = {'orders': {'updated': 2}}"},
        {"/api/orders?customer_id=1&fields=id,version", "data[].version = [1, 2, 2]"},
        {"PATCH /api/orders?customer_id=1 {'status': 'paid'}", "matched = 3; tables = {}; @unchanged"},
        {"PATCH /api/orders?customer_id=1 {'status': 'paid', 'total': '1.00'}",
         "matched = 3; tables = {'orders': {'updated': 3}}"},
        {"/api/orders?customer_id=1&fields=id,version,total", "data[].version = [2, 3, 3]; data[].total = ['1.00', '1.00', '1.00']"},
        /* the shorthand and the filter together */
        {"PATCH /api/orders?customer_id=1&filter={\"id\":{\"gt\":1}} {'shipped': null}",
         "matched = 2; tables = {'orders': {'updated': 1}}"},
        /* nothing chosen */
        {"PATCH /api/orders?filter={\"id\":{\"gt\":99}} {'status': 'paid'}", "matched = 0; tables = {}; @unchanged"},
    );
    rt_server_stop(&srv);
}
END_TEST

/* A value that a single PATCH refuses is refused whole: 400/422 at the
 * body's pointer, nothing written; a CHECK broken by one row too. */
START_TEST(validation_writes_nothing)
{
    rt_server_start(&srv, SHOP);
    RT_CASES(&srv,
        {"PATCH /api/orders?all=true {'status': 'lost'}", "422 /status; @unchanged"},
        {"PATCH /api/orders?all=true {'placed': null}", "422 /placed; @unchanged"},
        {"PATCH /api/orders?all=true {'placed': 'yesterday'}", "422 /placed; @unchanged"},
        {"PATCH /api/customers?all=true {'name': null, 'tier': 'tin'}", "422 /name; @unchanged"},
        {"PATCH /api/products?all=true {'secret': 's', 'nope': 1}", "400 /nope; @unchanged"},
    );
    rt_server_stop(&srv);
    rt_server_start(&srv, BULK);
    RT_CASES(&srv,
        {"POST /api/folders [{'id': 1, 'name': 'a', 'size': 1}, {'id': 2, 'name': 'b', 'size': 2, 'code': 'B'}]", "201"},
        {"PATCH /api/folders?all=true {'size': 13}", "422 /size; @unchanged"},
        {"PATCH /api/folders?all=true {'size': 101}", "422 /size; @unchanged"},
        {"PATCH /api/folders?name=a {'size': 13}", "422 /size; @unchanged"},
        {"PATCH /api/folders?name=a {'size': 12}", "tables = {'folders': {'updated': 1}}"},
    );
    rt_server_stop(&srv);
}
END_TEST

START_TEST(conflicts)
{
    rt_server_start(&srv, SHOP);
    RT_CASES(&srv,
        /* a foreign key to no row */
        {"PATCH /api/orders?customer_id=2 {'customer_id': 99}", "409; @unchanged"},
        {"PATCH /api/order_lines?filter={\"id\":{\"in\":[1,2]}} {'product_id': 42}", "409; @unchanged"},
    );
    rt_server_stop(&srv);
    rt_server_start(&srv, BULK);
    RT_CASES(&srv,
        {"POST /api/folders [{'id': 1, 'name': 'a', 'code': 'A'}, {'id': 2, 'name': 'b'}, {'id': 3, 'name': 'c'}]", "201"},
        {"POST /api/pins {'folder_id': 3}", "201"},
        /* unique: two rows cannot take one code */
        {"PATCH /api/folders?filter={\"id\":{\"gt\":1}} {'code': 'B'}", "409; @unchanged"},
        {"PATCH /api/folders?id=2 {'code': 'A'}", "409; @unchanged"},
        /* a NOT NULL child would be orphaned: 409 as a single DELETE */
        {"DELETE /api/folders?filter={\"id\":{\"ge\":2}}", "409; @unchanged"},
        {"DELETE /api/folders/3", "409; @unchanged"},
        {"DELETE /api/folders?filter={\"id\":{\"le\":2}}", "matched = 2; tables = {'folders': {'deleted': 2}}"},
    );
    rt_server_stop(&srv);
}
END_TEST

/* Past max_bulk_rows (folders: 6), counted over every table: 422 at the
 * parameter that chose the rows, with the counts, nothing written. */
START_TEST(max_bulk_rows)
{
    rt_server_start(&srv, BULK);
    RT_CASES(&srv,
        {"POST /api/folders [{'id': 1, 'name': 'a'}, {'id': 2, 'name': 'b', 'parent_id': 1}, "
         "{'id': 3, 'name': 'c', 'parent_id': 2}, {'id': 4, 'name': 'd', 'parent_id': 3}, "
         "{'id': 5, 'name': 'e'}, {'id': 6, 'name': 'f', 'parent_id': 5}, {'id': 7, 'name': 'g'}]", "201"},
        {"PATCH /api/folders?all=true {'size': 1}",
         "422 /query/all; matched = 7; tables = {'folders': {'updated': 7}}; max_bulk_rows = 6; @unchanged"},
        {"PATCH /api/folders?all=true&dry_run=true {'size': 1}",
         "422 /query/all; matched = 7; tables = {'folders': {'updated': 7}}; max_bulk_rows = 6; @unchanged"},
        {"DELETE /api/folders?filter={\"parent_id\":null}",
         "422 /query/filter; matched = 3; tables = {'folders': {'deleted': 7}}; max_bulk_rows = 6; @unchanged"},
        {"PATCH /api/folders?filter={\"id\":{\"lt\":7}} {'size': 1}", "matched = 6; tables = {'folders': {'updated': 6}}"},
        {"DELETE /api/folders?filter={\"id\":{\"in\":[1,5]}}", "matched = 2; tables = {'folders': {'deleted': 6}}"},
    );
    rt_server_stop(&srv);
}
END_TEST

/* A dry run answers what the request answers, writes nothing, and a
 * request after it does not see its changes. */
START_TEST(dry_run)
{
    static const rt_case requests[] = {
        {"DELETE /api/customers?filter={\"city\":\"Paris\"}", "200"},
        {"PATCH /api/orders?filter={\"status\":{\"in\":[\"new\",\"paid\"]}} {'status': 'shipped'}", "200"},
        {"DELETE /api/tags?all=true", "200"},
        {"PATCH /api/orders?all=true {'status': 'lost'}", "422 /status"},
        {"PATCH /api/orders?customer_id=1 {'customer_id': 99}", "409"},
    };
    rt_server_start(&srv, SHOP);
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        const char *req = requests[i].request, *q = strchr(req, '?');
        size_t at = (size_t)(q - req) + 1;
        char dry[1024];
        snprintf(dry, sizeof dry, "%.*sdry_run=true&%s", (int)at, req, req + at);
        char *before = rt_db_fingerprint(&srv);
        rt_response *d = rt_case_send(&srv, &(rt_case){dry, requests[i].expect});
        char *after = rt_db_fingerprint(&srv);
        ck_assert_msg(!strcmp(before, after), "%s wrote", dry);
        rt_response *r = rt_case_send(&srv, &requests[i]);
        ck_assert_int_eq(d->status, r->status);
        if (r->status == 200) {
            ck_assert(json_is_true(rt_json_at(d, "dry_run")) && json_is_false(rt_json_at(r, "dry_run")));
            json_object_del(d->json, "dry_run");
            json_object_del(r->json, "dry_run");
            ck_assert_msg(json_equal(d->json, r->json), "%s: %s vs %s", req, d->body, r->body);
        } else {
            /* the same problem but for its request id */
            ck_assert_str_eq(rt_json_str(d, "detail"), rt_json_str(r, "detail"));
            ck_assert(json_equal(rt_json_at(d, "errors"), rt_json_at(r, "errors")));
        }
        rt_response_free(d);
        rt_response_free(r);
        free(before);
        free(after);
    }
    rt_check(&srv, "/api/customers?city=Paris", "data # 0");
    rt_server_stop(&srv);
}
END_TEST

/* The statements of a bulk write do not depend on the rows it matches. */
START_TEST(statements_independent_of_rows)
{
    rt_server_start(&srv, BULK);
    size_t cap = 64 + 200 * 64;
    char *body = malloc(cap);
    size_t len = (size_t)snprintf(body, cap, "POST /api/items [");
    for (int i = 0; i < 202; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s{'batch': %d, 'parts': [{}, {}]}", i ? ", " : "", i < 2 ? 1 : 2);
    snprintf(body + len, cap - len, "]");
    rt_check(&srv, body, "201");
    free(body);
    static const char *const requests[2][2][2] = {
        {{"PATCH /api/items?batch=1 {'flag': true}", "matched = 2; tables = {'items': {'updated': 2}}"},
         {"PATCH /api/items?batch=2 {'flag': true}", "matched = 200; tables = {'items': {'updated': 200}}"}},
        {{"DELETE /api/items?batch=1", "matched = 2; tables = {'items': {'deleted': 2}, 'parts': {'deleted': 4}}"},
         {"DELETE /api/items?batch=2", "matched = 200; tables = {'items': {'deleted': 200}, 'parts': {'deleted': 400}}"}},
    };
    int k[2][2];
    for (int op = 0; op < 2; op++)
        for (int b = 0; b < 2; b++) {
            rt_response *r = rt_checked(&srv, requests[op][b][0], requests[op][b][1]);
            k[op][b] = rt_queries(r);
            rt_response_free(r);
        }
    /* passive_deletes: the logs go by their foreign key's ON DELETE, unread and uncounted */
    RT_CASES(&srv,
        {"POST /api/items [{'id': 900, 'batch': 3}, {'id': 901, 'batch': 3}]", "201"},
        {"POST /api/logs [{'item_id': 900}, {'item_id': 900}, {'item_id': 901}]", "201"},
        {"DELETE /api/items?filter={\"id\":900}", "matched = 1; tables = {'items': {'deleted': 1}}; @queries = 3"},
    );
    rt_assert_sql(&srv, "901", "SELECT item_id FROM logs");
    ck_assert_int_eq(k[0][0], 2); /* the rows, one UPDATE */
    ck_assert_int_eq(k[0][0], k[0][1]);
    ck_assert_int_eq(k[1][0], 4); /* the rows, their parts, two DELETEs */
    ck_assert_int_eq(k[1][0], k[1][1]);
    rt_server_stop(&srv);
}
END_TEST

/* A self-referential cascade: one round per level, a chosen descendant
 * deleted before its parent. */
START_TEST(self_referential_rounds)
{
    rt_server_start(&srv, BULK);
    RT_CASES(&srv,
        {"POST /api/folders [{'id': 1, 'name': 'a'}, {'id': 2, 'name': 'b', 'parent_id': 1}, "
         "{'id': 3, 'name': 'c', 'parent_id': 2}, {'id': 4, 'name': 'd'}]", "201"},
        /* the rows; rounds {1, 3, 4}, {2}, {3} (3 moves below 2): each a read of
         * children and a detach of pins; then 3 DELETEs */
        {"DELETE /api/folders?filter={\"id\":{\"in\":[1,3,4]}}",
         "matched = 3; tables = {'folders': {'deleted': 4}}; @queries = 10"},
    );
    rt_assert_sql(&srv, "0", "SELECT count(*) FROM folders");
    rt_server_stop(&srv);
}
END_TEST

/* Rows deleted together that refer to each other against the order of the
 * DELETEs (a user's favourite address, deleted with the user before it):
 * that key is set NULL first, as a single DELETE does. */
START_TEST(rows_that_refer_to_each_other)
{
    rt_server_start(&srv, "tests/http/schemas/cycle.json", NULL, NULL);
    RT_CASES(&srv,
        {"POST /api/users [{'id': 1, 'name': 'ed', 'addresses': [{'email_address': 'a'}, "
         "{'email_address': 'b'}]}, {'id': 2, 'name': 'jo', 'addresses': [{'email_address': 'c'}]}]",
         "201"},
        {"PATCH /api/users/1 {'favorite_address_id': 2}", "200"},
        {"PATCH /api/users/2 {'favorite_address_id': 1}", "200"},
        /* jo still names ed's address 1 as his favourite: 409, as a single DELETE of ed */
        {"DELETE /api/users?name=ed", "409; @unchanged"},
        {"PATCH /api/users/2 {'favorite_address_id': 3}", "200"},
        {"DELETE /api/users?name=ed&dry_run=true", "matched = 1; tables = {'users': {'deleted': 1}, 'addresses': {'deleted': 2}}; @unchanged"},
        {"DELETE /api/users?name=ed", "matched = 1; tables = {'users': {'deleted': 1}, 'addresses': {'deleted': 2}}"},
        {"DELETE /api/users?filter={\"id\":{\"ge\":1}}", "matched = 1; tables = {'users': {'deleted': 1}, 'addresses': {'deleted': 1}}"},
    );
    rt_assert_sql(&srv, "0", "SELECT count(*) FROM addresses");
    rt_server_stop(&srv);
}
END_TEST

#define SECRET "rt-bulk-secret-0123456789abcdef-xyz"

/* The row filter chooses and holds; permissions and methods are those of
 * the single-object methods. */
START_TEST(row_filter_and_permissions)
{
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    char *alice = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    char *reader = rt_hs256(SECRET, "{'role': 'reader', 'sub': 'alice'}");
    char *admin = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    rt_server_start(&srv, "tests/http/schemas/bulk.json", NULL, args);
    rt_check(&srv, rt_as(admin, "POST /api/docs [{'owner': 'alice', 'title': 'a'}, {'owner': 'alice', 'title': 'b'}, "
                                "{'owner': 'bob', 'title': 'c'}]"), "201");
    rt_check(&srv, rt_as(alice, "PATCH /api/docs?all=true {'title': 'x'}"), "matched = 2; tables = {'docs': {'updated': 2}}");
    rt_assert_sql(&srv, "c", "SELECT title FROM docs WHERE owner = 'bob'");
    rt_check(&srv, rt_as(alice, "PATCH /api/docs?title=c {'title': 'y'}"), "matched = 0; tables = {}");
    /* a new state outside the row filter: refused, as a single PATCH */
    rt_check_refused(&srv, rt_as(alice, "PATCH /api/docs?all=true {'owner': 'bob'}"), "403");
    rt_check_refused(&srv, rt_as(alice, "PATCH /api/docs/1 {'owner': 'bob'}"), "403");
    rt_check_refused(&srv, rt_as(reader, "PATCH /api/docs?all=true {'title': 'z'}"), "403");
    rt_check_refused(&srv, "PATCH /api/docs?all=true {'title': 'z'}", "401");
    rt_check_refused(&srv, rt_as(admin, "DELETE /api/docs?all=true"), "405; @Allow = GET, HEAD, POST, PATCH, QUERY, OPTIONS");
    rt_check(&srv, rt_as(admin, "PATCH /api/docs?all=true {'title': 'z'}"), "matched = 3; tables = {'docs': {'updated': 3}}");
    /* a DELETE chooses within the row filter too; PATCH there needs update */
    rt_check(&srv, rt_as(admin, "POST /api/memos [{'owner': 'alice'}, {'owner': 'bob'}, {'owner': 'alice'}]"), "201");
    rt_check_refused(&srv, rt_as(alice, "PATCH /api/memos?all=true {'owner': 'alice'}"), "403");
    rt_check(&srv, rt_as(alice, "DELETE /api/memos?owner=bob"), "matched = 0; tables = {}");
    rt_check(&srv, rt_as(alice, "DELETE /api/memos?all=true"), "matched = 2; tables = {'memos': {'deleted': 2}}");
    rt_assert_sql(&srv, "bob", "SELECT owner FROM memos");
    rt_server_stop(&srv);
    free(alice);
    free(reader);
    free(admin);
}
END_TEST

START_TEST(in_batch)
{
    rt_server_start(&srv, SHOP);
    RT_CASES(&srv,
        {"POST /api/_batch {'operations': ["
         "{'method': 'PATCH', 'path': '/api/orders?filter=%7B%22status%22%3A%22new%22%7D', 'body': {'status': 'paid'}}, "
         "{'method': 'DELETE', 'path': '/api/notes?customer_id=1'}, "
         "{'method': 'GET', 'path': '/api/orders?status=new'}]}",
         "results[].status = [200, 200, 200]; results.0.body.matched = 4; "
         "results.1.body.tables = {'notes': {'deleted': 2}}; results.2.body.data # 0"},
        /* an operation's errors point under it; the batch writes nothing */
        {"POST /api/_batch {'operations': ["
         "{'method': 'DELETE', 'path': '/api/notes?customer_id=3'}, {'method': 'DELETE', 'path': '/api/notes'}]}",
         "400 /operations/1/query/filter; @unchanged"},
        {"POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/orders?all=true', 'body': {'status': 'x'}}]}",
         "422 /operations/0/body/status; @unchanged"},
        {"POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/orders?all=true&limit=2', 'body': {'status': 'paid'}}]}",
         "400 /operations/0/query/limit; @unchanged"},
    );
    rt_server_stop(&srv);
    rt_server_start(&srv, BULK);
    RT_CASES(&srv,
        {"POST /api/folders [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}, {'name': 'd'}]", "201"},
        /* max_bulk_rows per operation: 4 + 4 rows pass, 7 do not */
        {"POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/folders?all=true', 'body': {'size': 1}}, "
         "{'method': 'PATCH', 'path': '/api/folders?all=true', 'body': {'size': 2}}]}", "results[].status = [200, 200]"},
        {"POST /api/folders [{'name': 'e'}, {'name': 'f'}, {'name': 'g'}]", "201"},
        {"POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/folders?all=true', 'body': {'size': 3}}]}",
         "422 /operations/0/query/all; @unchanged"},
    );
    rt_server_stop(&srv);
}
END_TEST

/* Every refusal of the parameters and the body, at its pointer. */
START_TEST(error_pointers)
{
    rt_server_start(&srv, SHOP);
    RT_REFUSED(&srv,
        {"DELETE /api/orders", "400 /query/filter"},
        {"DELETE /api/orders?filter={}", "400 /query/filter"},
        {"PATCH /api/orders?filter={} {'status': 'paid'}", "400 /query/filter"},
        {"DELETE /api/orders?all=false", "400 /query/filter"},
        {"DELETE /api/orders?all=true&filter={\"id\":1}", "400 /query/all"},
        {"DELETE /api/orders?all=true&id=1", "400 /query/all"},
        {"DELETE /api/orders?all=yes", "400 /query/all"},
        {"DELETE /api/orders?all=true&all=true", "400 /query/all"},
        {"DELETE /api/orders?all=true&dry_run=1", "400 /query/dry_run"},
        {"DELETE /api/orders?id=1&limit=5", "400 /query/limit"},
        {"DELETE /api/orders?id=1&sort=id", "400 /query/sort"},
        {"DELETE /api/orders?id=1&include=lines", "400 /query/include"},
        {"DELETE /api/orders?id=1&fields=id", "400 /query/fields"},
        {"DELETE /api/orders?id=1&count=exact", "400 /query/count"},
        {"DELETE /api/orders?id=1&cursor=x", "400 /query/cursor"},
        {"DELETE /api/orders?id=1&offset=0", "400 /query/offset"},
        {"DELETE /api/orders?nope=1", "400 /query/nope"},
        {"DELETE /api/orders?id=x", "400 /query/id"},
        {"DELETE /api/products?secret=k", "400 /query/secret"},
        {"DELETE /api/orders?filter={\"nope\":1}", "400 /filter/nope"},
        {"DELETE /api/orders?filter=[", "400 /filter"},
        {"PATCH /api/orders?all=true", "400"},
        {"PATCH /api/orders?all=true []", "400"},
        {"PATCH /api/orders?all=true {}", "400"},
        {"PATCH /api/orders?all=true {'lines': []}", "400 /lines"},
        {"PATCH /api/orders?all=true {'tags': [{'id': 1}]}", "400 /tags"},
        {"PATCH /api/orders?all=true {'id': 3}", "400 /id"},
        {"PATCH /api/orders?all=true {'version': 2}", "400 /version"},
        {"PATCH /api/orders?all=true {'total': {'$col': 'total'}}", "400 /total"},
        {"PATCH /api/products?all=true {'specs': {'$col': 'specs'}}", "400 /specs"},
        {"PATCH /api/orders?all=true {'status': 3}", "400 /status"},
        {"PUT /api/orders?all=true {'status': 'paid'}", "405; @Allow = GET, HEAD, POST, PATCH, DELETE, QUERY, OPTIONS"},
    );
    rt_check(&srv, "OPTIONS /api/orders", "204; @Allow = GET, HEAD, POST, PATCH, DELETE, QUERY, OPTIONS");
    /* /openapi.json documents both */
    rt_check(&srv, "/openapi.json",
             "paths./api/orders.patch.parameters[].name = ['filter', 'all', 'dry_run', 'id', 'customer_id', 'status', "
             "'placed', 'shipped', 'total', 'version', 'If-Match']; "
             "paths./api/orders.delete.parameters[].name = ['filter', 'all', 'dry_run', 'id', 'customer_id', 'status', "
             "'placed', 'shipped', 'total', 'version', 'If-Match']; "
             "paths./api/orders.delete.responses.200.content.application/json.schema.properties.matched; "
             "paths./api/orders.patch.responses.422; paths./api/orders/{id}.patch.responses.200; "
             "paths./api/orders.patch.requestBody.content.application/json.schema = "
             "{'$ref': '#/components/schemas/OrderBulkUpdate'}; !components.schemas.OrderBulkUpdate.properties.id; "
             "!components.schemas.OrderBulkUpdate.properties.version; "
             "components.schemas.OrderBulkUpdate.minProperties = 1");
    /* a json column takes an object that is not a $col */
    rt_check(&srv, "PATCH /api/products?id=3 {'specs': {'col': 1}}", "matched = 1; tables = {'products': {'updated': 1}}");
    rt_server_stop(&srv);
}
END_TEST

Suite *http_bulk_writes_suite(void)
{
    Suite *s = suite_create("http_bulk_writes");
    TS_TCASE(s, "bulk", NULL, NULL, 120, spec_examples, cascades, versions_and_unchanged_rows, validation_writes_nothing,
             conflicts, max_bulk_rows, dry_run, statements_independent_of_rows, self_referential_rounds, rows_that_refer_to_each_other,
             row_filter_and_permissions, in_batch, error_pointers);
    return s;
}
