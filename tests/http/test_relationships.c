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

/* The values at paths a and b serialize to the same text; returns that
 * text (malloc'd). */
static char *expect_same_at(const rt_response *r, const char *a, const char *b)
{
    json_t *x = rt_json_at(r, a), *y = rt_json_at(r, b);
    ck_assert_msg(x && y, "%s: %s or %s is missing: %.1000s", r->what, a, b, r->body);
    char *tx = dump(x), *ty = dump(y);
    ck_assert_msg(strcmp(tx, ty) == 0, "%s: %s and %s differ:\n  %.1500s\n  %.1500s", r->what, a, b, tx, ty);
    free(ty);
    return tx;
}

/* ------------------------------------------------------------ blog */

static void blog_start(void)
{
    rt_server_start(&blog, BLOG, BLOG_SEED, NULL);
    /* the seed links post 1 to keywords 1 and 2; post 2 shares keyword 2 */
    rt_check(&blog, "POST /api/posts {\"id\": 2, \"user_id\": 5, \"headline\": \"Jack's post\", \"keywords\": [{\"id\": 2}]}",
             "201");
}
static void blog_stop(void) { rt_server_stop(&blog); }

/* select (the default): not embedded, a link is given instead. */
START_TEST(test_blog_select_is_a_link)
{
    RT_CASES(&blog,
        {"/api/addresses/1",
         "!user; _links.self = '/api/addresses/1'; _links.user = '/api/addresses/1/user'; @queries = 1"},
        {"/api/posts/1",
         "!author; !keywords; _links.author = '/api/posts/1/author'; _links.keywords = '/api/posts/1/keywords'; "
         "@queries = 1"},
        {"/api/addresses",
         "data[].id = [1,2]; !data.0.user; !data.1.user; "
         "data[]._links.user = ['/api/addresses/1/user', '/api/addresses/2/user']; @queries = 1"},
    );
}
END_TEST

/* selectin: embedded by default (no link); with ?include exactly the listed ones. */
START_TEST(test_blog_selectin_embedded_by_default)
{
    rt_response *r = rt_checked(&blog, "/api/users/5",
                                "addresses[].id = [1,2]; !_links.addresses; !posts; "
                                "_links.posts = '/api/users/5/posts'; @queries = 2");
    rt_response *same = rt_checked(&blog, "/api/users/5?include=addresses", "@json");
    ck_assert_msg(strcmp(r->body, same->body) == 0, "include=addresses differs from the default:\n%.1500s\n%.1500s", r->body,
                  same->body);
    rt_response_free(same);
    rt_response_free(r);

    RT_CASES(&blog,
        {"/api/users",
         "data[].id = [1,2,3,4,5]; data.0.addresses[].id = []; data.4.addresses[].id = [1,2]; @queries = 2"},
        /* the include replaces the defaults: the user under an address does
         * not embed its addresses */
        {"/api/addresses/1?include=user",
         "user.id = 5; user.name = 'jack'; !user.addresses; user._links.addresses = '/api/users/5/addresses'; "
         "!_links.user; @queries = 2"},
    );
}
END_TEST

/* dynamic: never embedded, include is 400, reachable as a sub-resource with
 * list semantics. */
START_TEST(test_blog_dynamic)
{
    RT_CASES(&blog,
        {"/api/users/2", "!posts; _links.posts = '/api/users/2/posts'"},
        {"/api/users/2/posts",
         "data[].id = [1]; meta.limit = 20; meta.offset = 0; links.self = '/api/users/2/posts'; "
         "data.0.headline = \"Wendy's Blog Post\""},
        {"/api/users/5/posts", "data[].id = [2]"},
        {"/api/users/1/posts", "data[].id = []"},
        {"/api/users/2/posts?filter={\"headline\": {\"startswith\": \"Wendy\"}}&count=exact",
         "data[].id = [1]; meta.total = 1"},
        {"/api/users/2/posts?filter={\"headline\": {\"startswith\": \"Jack\"}}&count=exact",
         "data[].id = []; meta.total = 0"},
        {"/api/users/5/posts?limit=0&count=exact", "data[].id = []; meta.total = 1"},
        /* include on the sub-resource's rows */
        {"/api/users/2/posts?include=keywords", "data.0.keywords[].id = [1,2]"},
        {"/api/users/2?include=posts", "400 /query/include"},
        {"/api/users?include=addresses,posts", "400 /query/include"},
        {"/api/addresses?include=user.posts", "400 /query/include"},
        {"/api/users/5?include=addresses.user.posts", "400 /query/include"},
        {"/api/users/99/posts", "404"},
        {"/api/users/2/posts?bogus=1", "400 /query/bogus"},
    );
}
END_TEST

START_TEST(test_blog_sub_resources)
{
    rt_response *r = rt_checked(&blog, "/api/users/5/addresses?limit=1&count=exact",
                                "data[].id = [1]; meta.total = 2");
    const char *next = json_string_value(rt_json_at(r, "links.next"));
    ck_assert_msg(next && strncmp(next, "/api/users/5/addresses?", 23) == 0, "links.next: %.1500s", r->body);
    rt_check(&blog, next, "data[].id = [2]; !links.next");
    rt_response_free(r);

    RT_CASES(&blog,
        {"/api/users/5/addresses", "data[].id = [1,2]; links.self = '/api/users/5/addresses'; meta.limit = 20"},
        {"/api/users/5/addresses?sort=-id", "data[].id = [2,1]"},
        {"/api/users/5/addresses?email_address=j25@yahoo.com", "data[].id = [2]"},
        {"/api/users/5/addresses?filter={\"email_address\": {\"like\": \"%google%\"}}", "data[].id = [1]"},
        {"/api/users/1/addresses", "data[].id = []"},
        /* a to-one: the object itself (with its own eager relationships) */
        {"/api/addresses/1/user",
         "id = 5; name = 'jack'; !data; addresses[].id = [1,2]; _links.self = '/api/users/5'"},
        {"/api/posts/1/author", "id = 2"},
        /* many-to-many both ways */
        {"/api/posts/1/keywords", "data[].id = [1,2]"},
        {"/api/keywords/2/posts", "data[].id = [1,2]"},
        {"/api/keywords/2/posts?sort=-id&limit=1", "data[].id = [2]"},
        {"/api/users/999/addresses", "404"}, {"/api/users/abc/addresses", "404"},
        {"/api/addresses/999/user", "404"},  {"/api/posts/9/keywords", "404"},
        {"/api/users/5/nope", "404"},
    );
}
END_TEST

/* The identity map: the same keyword under two posts is one object,
 * serialized twice (the same text both times). */
START_TEST(test_blog_identity_map)
{
    static const struct {
        const char *path, *wants, *a, *b;
        size_t copies; /* how often the text of a stands in the body (0: not checked) */
    } cases[] = {
        /* keyword 2 under post 1 and under post 2 */
        {"/api/posts?include=keywords",
         "data[].id = [1,2]; data.0.keywords[].id = [1,2]; data.1.keywords[].id = [2]; @queries = 2",
         "data.0.keywords.1", "data.1.keywords.0", 2},
        /* one level deeper: both copies carry the same loaded collection */
        {"/api/posts?include=keywords.posts",
         "data.0.keywords.1.posts[].id = [1,2]; data.1.keywords.0.posts[].id = [1,2]; "
         "data.0.keywords.0.posts[].id = [1]; @queries = 3",
         "data.0.keywords.1", "data.1.keywords.0", 0},
        /* post 1 under keyword 1 and under keyword 2 */
        {"/api/keywords?include=posts.author",
         "data.1.posts[].id = [1,2]; data.1.posts.0.author.id = 2; data.1.posts.1.author.id = 5; @queries = 3",
         "data.0.posts.0", "data.1.posts.0", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_response *r = rt_checked(&blog, cases[i].path, cases[i].wants);
        char *text = expect_same_at(r, cases[i].a, cases[i].b);
        ck_assert_msg(!cases[i].copies || count_occurrences(r->body, text) == cases[i].copies,
                      "%s: %s is not serialized exactly %zu times as %.500s: %.2000s", r->what, cases[i].a,
                      cases[i].copies, text, r->body);
        free(text);
        rt_response_free(r);
    }
}
END_TEST

/* a.b.a include paths end at depth 3 and load each collection once. */
START_TEST(test_blog_include_cycles)
{
    RT_CASES(&blog,
        {"/api/users/5?include=addresses.user.addresses",
         "addresses[].id = [1,2]; addresses[].user.id = [5,5]; addresses.0.user.addresses[].id = [1,2]; "
         "addresses.1.user.addresses[].id = [1,2]; !addresses.0.user.addresses.0.user; "
         "!addresses.1.user.addresses.0.user; "
         "addresses[].user.addresses.0._links.user = ['/api/addresses/1/user', '/api/addresses/1/user']; "
         "@queries <= 4"},
        {"/api/addresses?include=user.addresses.user",
         "data[].id = [1,2]; data.0.user.addresses[].id = [1,2]; data.1.user.addresses[].id = [1,2]; "
         "data.0.user.addresses.1.user.id = 5; !data.0.user.addresses.1.user.addresses; @queries <= 4"},
        {"/api/users?include=addresses.user.addresses",
         "data[].id = [1,2,3,4,5]; data.4.addresses[].id = [1,2]; data.4.addresses.0.user.addresses[].id = [1,2]; "
         "@queries <= 4"},
        {"/api/posts/1?include=keywords.posts.keywords",
         "keywords[].id = [1,2]; keywords.0.posts[].id = [1]; keywords.1.posts[].id = [1,2]; "
         "keywords.1.posts.0.keywords[].id = [1,2]; keywords.1.posts.1.keywords[].id = [2]"},
    );
    rt_check(&blog, "/api/users?include=addresses.user.addresses.user", "400 /query/include");
}
END_TEST

/* A filter picks the parents; the embedded collections stay whole. */
START_TEST(test_blog_filter_and_include)
{
    RT_CASES(&blog,
        {"/api/users?filter={\"addresses\": {\"any\": {\"email_address\": {\"like\": \"%google%\"}}}}"
         "&include=addresses",
         "data[].id = [5]; data.0.addresses[].id = [1,2]"},
        {"/api/addresses?filter={\"user\": {\"has\": {\"name\": \"jack\"}}}&include=user",
         "data[].id = [1,2]; data.0.user.id = 5; data.1.user.id = 5"},
        {"/api/posts?filter={\"keywords\": {\"any\": {\"keyword\": \"wendy\"}}}&include=keywords,author",
         "data[].id = [1]; data.0.keywords[].id = [1,2]; data.0.author.id = 2; @queries = 3"},
        /* sparse fieldsets on the parent and on the embedded rows */
        {"/api/users?name=jack&include=addresses&fields=name&fields%5Baddresses%5D=email_address",
         "data[].id = [5]; !data.0.fullname; data.0.name; data.0.addresses[].id = [1,2]; "
         "data.0.addresses.0.email_address; !data.0.addresses.0.user_id"},
    );
}
END_TEST

START_TEST(test_blog_include_errors)
{
    RT_CASES(&blog,
        {"/api/users?include=nope", "400 /query/include"},
        {"/api/users?include=addresses.nope", "400 /query/include"},
        {"/api/users/5?include=addresses.user.addresses.user", "400 /query/include"},
        {"/api/posts?fields%5Bkeywords%5D=keyword", "400 /query/fields[keywords]"},
    );
}
END_TEST

/* ------------------------------------------------------------ tree */

RT_FIXTURE(tree, TREE, TREE_SEED, NULL)

/* children of each node in the seed, in name order */
static const char *const tree_children[11] = {"[]",    "[2,4,3]", "[]", "[7]", "[5,6]", "[8,9]",
                                              "[]",    "[10]",    "[]", "[]",  "[]"};

/* Every embedded "children" array in the tree under node matches the seed. */
static void expect_tree(const rt_response *r, json_t *node, int *seen)
{
    long long id = rt_json_int_in(r, node, "id");
    ck_assert(id >= 1 && id <= 10);
    json_t *kids = json_object_get(node, "children");
    if (!kids) return;
    (*seen)++;
    char want[64];
    snprintf(want, sizeof want, "[].id = %s", tree_children[id]);
    rt_assert_wants_in(r, kids, want);
    snprintf(want, sizeof want, "parent_id = %lld", id);
    size_t i;
    json_t *k;
    json_array_foreach(kids, i, k) {
        rt_assert_wants_in(r, k, want);
        expect_tree(r, k, seen);
    }
}

/* Every node of a list answer, as expect_tree. */
static void expect_tree_list(const rt_response *r, int *seen)
{
    size_t i;
    json_t *n;
    json_array_foreach(rt_json_at(r, "data"), i, n) expect_tree(r, n, seen);
}

START_TEST(test_tree_children_selectin_default)
{
    /* three levels deep, then links */
    rt_response *r = rt_checked(&tree, "/api/nodes/1",
                                "children[].id = [2,4,3]; children.1.children[].id = [5,6]; "
                                "children.1.children.0.children[].id = [8,9]; "
                                "!children.1.children.0.children.0.children; "
                                "children.1.children.0.children.0._links.children = '/api/nodes/8/children'; "
                                "children.1.children.0.children.0._links.parent = '/api/nodes/8/parent'; !parent; "
                                "_links.parent = '/api/nodes/1/parent'; !_links.children; @queries = 4");
    int seen = 0;
    expect_tree(r, r->json, &seen);
    rt_response_free(r);
}
END_TEST

/* The list reaches the same nodes at several levels of the include tree:
 * each one's children are still listed once. */
START_TEST(test_tree_list_children_once)
{
    rt_response *r = rt_checked(&tree, "/api/nodes?limit=100", "data[].id = [1,2,3,4,5,6,7,8,9,10]; @queries <= 4");
    int seen = 0;
    expect_tree_list(r, &seen);
    ck_assert_int_ge(seen, 10);
    rt_response_free(r);

    r = rt_checked(&tree, "/api/nodes?include=children&limit=100", "@queries = 2");
    expect_tree_list(r, &seen);
    rt_response_free(r);
}
END_TEST

START_TEST(test_tree_parent_many_to_one)
{
    RT_CASES(&tree,
        /* the root has no parent key: the third level may run nothing */
        {"/api/nodes/5?include=parent.parent.parent",
         "parent.id = 4; parent.parent.id = 1; parent.parent.parent = null; !children; "
         "_links.children = '/api/nodes/5/children'; !_links.parent; @queries <= 4"},
        {"/api/nodes/1?include=parent", "parent = null"},
        {"/api/nodes?include=parent&limit=100",
         "data[].id = [1,2,3,4,5,6,7,8,9,10]; data.0.parent = null; data.9.parent.id = 7; data.7.parent.id = 5; "
         "@queries = 2"},
    );
}
END_TEST

START_TEST(test_tree_sub_resources)
{
    rt_response *r = rt_checked(&tree, "/api/nodes/1/children?limit=2", "data[].id = [2,4]");
    const char *next = json_string_value(rt_json_at(r, "links.next"));
    ck_assert_msg(next != NULL, "%s: no links.next: %.1500s", r->what, r->body);
    rt_check(&tree, next, "data[].id = [3]");
    rt_response_free(r);

    RT_CASES(&tree,
        /* the relationship's order_by (name) is the default sort */
        {"/api/nodes/1/children", "data[].id = [2,4,3]; links.self = '/api/nodes/1/children'"},
        {"/api/nodes/1/children?sort=-name", "data[].id = [3,4,2]"},
        {"/api/nodes/1/children?sort=id", "data[].id = [2,3,4]"},
        {"/api/nodes/4/children?name=subnode2", "data[].id = [6]"},
        {"/api/nodes/8/children", "data[].id = []"},
        {"/api/nodes/8/parent", "id = 5; name = 'subnode1'; children[].id = [8,9]"},
        {"/api/nodes/99/children", "404"},
        {"/api/nodes/99/parent", "404"},
        {"/api/nodes/x/children", "404"},
    );
    rt_check(&tree, "/api/nodes/1/parent", "@body = null"); /* the root's parent */
}
END_TEST

START_TEST(test_tree_include_cycles)
{
    RT_CASES(&tree,
        {"/api/nodes/4?include=children.parent.children",
         "children[].id = [5,6]; children.0.parent.id = 4; children.0.parent.children[].id = [5,6]; "
         "children.1.parent.children[].id = [5,6]; !children.0.parent.children.0.parent; @queries <= 4"},
        {"/api/nodes/5?include=parent.children.parent",
         "parent.id = 4; parent.children[].id = [5,6]; parent.children.0.parent.id = 4; "
         "parent.children.1.parent.id = 4"},
    );
    rt_response *r = rt_checked(&tree, "/api/nodes?include=children.children.children&limit=100", "@queries <= 4");
    int seen = 0;
    expect_tree_list(r, &seen);
    rt_response_free(r);
}
END_TEST

START_TEST(test_tree_filter_and_include)
{
    RT_CASES(&tree,
        {"/api/nodes?filter={\"parent_id\": null}&include=children",
         "data[].id = [1]; data.0.children[].id = [2,4,3]"},
        {"/api/nodes?filter={\"children\": {\"any\": {\"name\": \"leaf1\"}}}&include=children",
         "data[].id = [5]; data.0.children[].id = [8,9]"},
        {"/api/nodes?filter={\"parent\": {\"has\": {\"name\": \"rootnode\"}}}&include=parent&sort=name",
         "data[].id = [2,4,3]; data.0.parent.id = 1; data.2.parent.id = 1"},
    );
}
END_TEST

/* ------------------------------------------------------------ orders */

RT_FIXTURE(orders, ORDERS, ORDERS_SEED, NULL)

START_TEST(test_orders_association_object)
{
    RT_CASES(&orders,
        /* the association's own price, and the item's (joined) */
        {"/api/orders/1",
         "order_items[].item_id = [1,2,4]; order_items[].order_id = [1,1,1]; order_items.2.price = 10.0; "
         "order_items.2.item.id = 4; order_items.2.item.price = 16.5; order_items.0.item.description = 'SA T-Shirt'; "
         "order_items.0._links.self = '/api/order_items/1,1'; "
         "order_items.0._links.order = '/api/order_items/1,1/order'; !order_items.0._links.item; "
         "!_links.order_items; _links.items = '/api/orders/1/items'; !items; @queries = 2"},
        /* the joined item adds none */
        {"/api/orders?include=order_items.item",
         "data[].id = [1,2,3]; data.1.order_items[].item_id = [2,3]; data.1.order_items.1.item.id = 3; "
         "data.2.order_items[].item_id = []; @queries = 2"},
        {"/api/orders?include=order_items.order",
         "data.0.order_items.0.order.id = 1; !data.0.order_items.0.item; @queries = 3"},
        {"/api/items/2?include=order_items.order",
         "order_items[].order_id = [1,2]; order_items.1.order.customer_name = 'jane doe'; order_items.1.price = 5.0"},
    );
}
END_TEST

/* Order.items: many-to-many through order_items, the association
 * object's own table. */
START_TEST(test_orders_many_to_many_through_association)
{
    RT_CASES(&orders,
        {"/api/orders/1?include=items", "items[].id = [4,2,1]; !order_items"}, /* order_by description */
        {"/api/orders/1/items", "data[].id = [4,2,1]"},
        {"/api/orders/3/items", "data[].id = []"},
        {"/api/items/2/orders", "data[].id = [1,2]"},
        {"/api/items/3?include=orders", "orders[].id = [2]"},
        {"/api/orders?include=items.orders",
         "data.0.items[].id = [4,2,1]; data.0.items.1.orders[].id = [1,2]; data.1.items[].id = [3,2]; "
         "data.1.items.1.orders[].id = [1,2]; data.2.items[].id = []; @queries = 3"},
    );
}
END_TEST

START_TEST(test_orders_sub_resources)
{
    RT_CASES(&orders,
        {"/api/order_items/1,2/order", "id = 1"},
        {"/api/order_items/1,2/item", "id = 2"},
        {"/api/items/2/order_items", "data[].order_id = [1,2]; data.0.item.id = 2"},
        {"/api/orders/1/order_items?sort=-price", "data[].item_id = [1,4,2]"},
        {"/api/orders/1/order_items", "data[].item_id = [1,2,4]"},
        {"/api/order_items/9,9/item", "404"},
        {"/api/orders/9/order_items", "404"},
    );
}
END_TEST

START_TEST(test_orders_identity_map)
{
    rt_response *r = rt_checked(&orders, "/api/orders?include=order_items.item,items",
                                "data.0.order_items.1.item.id = 2; @queries = 3");
    free(expect_same_at(r, "data.0.order_items.1.item", "data.1.order_items.0.item")); /* item 2 in both orders */
    free(expect_same_at(r, "data.0.items.1", "data.1.items.1"));
    rt_response_free(r);
}
END_TEST

START_TEST(test_orders_filter_and_include)
{
    RT_CASES(&orders,
        {"/api/orders?filter={\"order_items\": {\"any\": {\"price\": {\"lt\": 6}}}}&include=order_items",
         "data[].id = [2]; data.0.order_items[].item_id = [2,3]"},
        {"/api/orders?filter={\"items\": {\"any\": {\"description\": \"SA Hat\"}}}&include=items",
         "data[].id = [2]; data.0.items[].id = [3,2]"},
        {"/api/items?filter={\"orders\": {\"none\": {}}}&include=orders", "data[].id = []"},
    );
}
END_TEST

/* ------------------------------------------------------------ graph */

RT_FIXTURE(graph, GRAPH, GRAPH_SEED, NULL)

/* edges (1,2) (1,3) (2,1) (2,5) (3,6) (5,7) (6,7) */
static const char *const higher[8] = {"", "[2,3]", "[1,5]", "[6]", "[]", "[7]", "[7]", "[]"};
static const char *const lower[8] = {"", "[2]", "[1]", "[1]", "[]", "[2]", "[3]", "[5,6]"};

START_TEST(test_graph_custom_joins)
{
    rt_check(&graph, "/api/nodes/2?include=lower_edges,upper_edges",
             "lower_edges[].upper_id = [1,5]; lower_edges[].lower_id = [2,2]; upper_edges[].lower_id = [1]; "
             "lower_edges.1._links.self = '/api/edges/2,5'; @queries = 3");

    /* the edges' nodes are joined: one statement for the list */
    rt_response *r = rt_checked(&graph, "/api/edges?limit=100",
                                "data[].lower_id = [1,1,2,2,3,5,6]; data[].upper_id = [2,3,1,5,6,7,7]; "
                                "data[].lower_node.id = [1,1,2,2,3,5,6]; data[].upper_node.id = [2,3,1,5,6,7,7]; "
                                "@queries = 1");
    size_t i;
    json_t *e;
    json_array_foreach(rt_json_at(r, "data"), i, e) rt_assert_wants_in(r, e, "!_links.lower_node");
    rt_response_free(r);

    RT_CASES(&graph,
        {"/api/edges/2,5/upper_node", "id = 5"},
        {"/api/edges/2,5/lower_node", "id = 2"},
        {"/api/nodes/2/lower_edges", "data[].upper_id = [1,5]"},
        {"/api/nodes/7/upper_edges", "data[].lower_id = [5,6]"},
        {"/api/nodes/4/lower_edges", "data[].upper_id = []"},
    );
    rt_check(&graph, "/api/edges/4,4/upper_node", "404");
}
END_TEST

START_TEST(test_graph_neighbors)
{
    rt_check(&graph, "/api/nodes/2?include=higher_neighbors,lower_neighbors",
             "higher_neighbors[].id = [1,5]; lower_neighbors[].id = [1]; "
             "_links.lower_edges = '/api/nodes/2/lower_edges'");

    rt_response *r = rt_checked(&graph, "/api/nodes?include=higher_neighbors,lower_neighbors&limit=100",
                                "data[].id = [1,2,3,4,5,6,7]; @queries = 3");
    for (int id = 1; id <= 7; id++) {
        char want[128];
        snprintf(want, sizeof want, "higher_neighbors[].id = %s; lower_neighbors[].id = %s", higher[id], lower[id]);
        rt_assert_wants_in(r, json_array_get(rt_json_at(r, "data"), (size_t)id - 1), want);
    }
    rt_response_free(r);

    RT_CASES(&graph,
        {"/api/nodes/7/lower_neighbors", "data[].id = [5,6]"},
        {"/api/nodes/7/higher_neighbors", "data[].id = []"},
        {"/api/nodes/1/higher_neighbors?sort=-id", "data[].id = [3,2]"},
    );
}
END_TEST

START_TEST(test_graph_include_cycles)
{
    RT_CASES(&graph,
        {"/api/nodes/1?include=higher_neighbors.higher_neighbors.higher_neighbors",
         "higher_neighbors[].id = [2,3]; higher_neighbors.0.higher_neighbors[].id = [1,5]; "
         "higher_neighbors.1.higher_neighbors[].id = [6]; "
         "higher_neighbors.0.higher_neighbors.0.higher_neighbors[].id = [2,3]; "
         "higher_neighbors.0.higher_neighbors.1.higher_neighbors[].id = [7]; "
         "!higher_neighbors.0.higher_neighbors.0.higher_neighbors.0.higher_neighbors; @queries <= 4"},
        {"/api/nodes/1?include=lower_edges.upper_node.lower_edges",
         "lower_edges[].upper_id = [2,3]; lower_edges.0.upper_node.id = 2; "
         "lower_edges.0.upper_node.lower_edges[].upper_id = [1,5]; "
         "lower_edges.1.upper_node.lower_edges[].upper_id = [6]"},
        {"/api/nodes/2?include=upper_edges.lower_node.lower_edges",
         "upper_edges[].lower_id = [1]; upper_edges.0.lower_node.id = 1; "
         "upper_edges.0.lower_node.lower_edges[].upper_id = [2,3]"},
    );
}
END_TEST

START_TEST(test_graph_filter_and_include)
{
    RT_CASES(&graph,
        {"/api/nodes?filter={\"higher_neighbors\": {\"any\": {\"id\": 7}}}&include=higher_neighbors",
         "data[].id = [5,6]; data.0.higher_neighbors[].id = [7]"},
        {"/api/nodes?filter={\"lower_edges\": {\"any\": {\"upper_id\": 5}}}&include=lower_edges",
         "data[].id = [2]; data.0.lower_edges[].upper_id = [1,5]"},
        {"/api/edges?filter={\"upper_node\": {\"has\": {\"name\": \"n7\"}}}",
         "data[].lower_id = [5,6]; data.1.upper_node.id = 7"},
    );
}
END_TEST

/* ------------------------------------------------------------ company */

RT_FIXTURE(company, COMPANY, COMPANY_SEED, NULL)

/* Each employee (an object with a type) under node shows its own type's
 * columns only. */
static void expect_employee_columns(const rt_response *r, json_t *node)
{
    const char *type = json_string_value(json_object_get(node, "type"));
    if (type) {
        char want[64];
        snprintf(want, sizeof want, "name; %smanager_data; %sengineer_info", strcmp(type, "manager") ? "!" : "",
                 strcmp(type, "engineer") ? "!" : "");
        rt_assert_wants_in(r, node, want);
    }
    const char *k;
    size_t i;
    json_t *v;
    if (json_is_object(node)) json_object_foreach(node, k, v) expect_employee_columns(r, v);
    json_array_foreach(node, i, v) expect_employee_columns(r, v);
}

/* The employees of an answer (not a problem's) as expect_employee_columns. */
static void check_employees(const rt_response *r)
{
    if (r->status < 400) expect_employee_columns(r, r->json);
}

#define COMPANY_CASES(...) RT_CASES_CHECK(&company, NULL, check_employees, __VA_ARGS__)

START_TEST(test_company_child_resources)
{
    COMPANY_CASES(
        {"/api/managers?count=exact",
         "data[].id = [2,7]; meta.total = 2; data[].type = ['manager', 'manager']; data.0.manager_data = 'manager2'"},
        {"/api/engineers?count=exact",
         "data[].id = [3,4,5]; meta.total = 3; data[].type = ['engineer', 'engineer', 'engineer']"},
        {"/api/engineers?filter={\"name\": \"jsmith\"}", "data[].id = []"},
        {"/api/managers/2", "manager_data = 'manager2'; !engineer_info"},
        {"/api/managers/3", "404"},
        {"/api/engineers/2", "404"},
    );
}
END_TEST

/* The parent resource lists every row, each with its own type's columns. */
START_TEST(test_company_base_resource)
{
    COMPANY_CASES(
        {"/api/employees?count=exact",
         "data[].id = [1,2,3,4,5,6,7]; meta.total = 7; "
         "data[].type = ['employee', 'manager', 'engineer', 'engineer', 'engineer', 'employee', 'manager']; "
         "data.1.manager_data = 'manager2'; data.2.engineer_info = 'java'"},
        {"/api/employees/1", "type = 'employee'"},
        {"/api/managers/1", "404"},
        {"/api/employees?type=employee", "data[].id = [1,6]"},
        {"/api/employees/3", "type = 'engineer'"},
        {"/api/employees?type=manager", "data[].id = [2,7]"},
    );
}
END_TEST

START_TEST(test_company_relationships)
{
    COMPANY_CASES(
        {"/api/companies/1",
         "employees[].id = [1,2,3,4]; employees[].type = ['employee', 'manager', 'engineer', 'engineer']; "
         "!_links.employees; _links.managers = '/api/companies/1/managers'; "
         "_links.engineers = '/api/companies/1/engineers'; @queries = 2"},
        {"/api/companies/1?include=managers,engineers",
         "managers[].id = [2]; engineers[].id = [3,4]; managers[].type = ['manager']; "
         "engineers[].type = ['engineer', 'engineer']; !employees; _links.employees = '/api/companies/1/employees'; "
         "@queries = 3"},
        {"/api/companies?include=engineers,managers",
         "data.0.engineers[].id = [3,4]; data.1.engineers[].id = [5]; data.1.managers[].id = [7]; @queries = 3"},
        {"/api/companies/2/managers", "data[].id = [7]; data[].type = ['manager']"},
        {"/api/companies/2/engineers", "data[].id = [5]"},
        {"/api/companies/1/employees",
         "data[].id = [1,2,3,4]; data[].type = ['employee', 'manager', 'engineer', 'engineer']"},
        {"/api/companies/9/managers", "404"},
        /* the relationship the children inherit */
        {"/api/managers/2/company", "id = 1"},
        {"/api/engineers?include=company",
         "data[].id = [3,4,5]; data.0.company.id = 1; data.2.company.id = 2; !data.0.company.employees"},
        {"/api/managers/7?include=company.employees",
         "company.employees[].id = [5,6,7]; company.employees[].type = ['engineer', 'employee', 'manager']"},
        {"/api/companies?filter={\"engineers\": {\"any\": {\"engineer_info\": \"java\"}}}&include=engineers",
         "data[].id = [1]; data.0.engineers[].id = [3,4]"},
        {"/api/companies?filter={\"managers\": {\"any\": {\"manager_data\": \"boss\"}}}&include=managers",
         "data[].id = [2]; data.0.managers[].id = [7]"},
    );
}
END_TEST

START_TEST(test_company_create_child)
{
    RT_CASES(&company,
        {"POST /api/engineers {\"id\": 9, \"name\": \"ted\", \"engineer_info\": \"rust\", \"company_id\": 2}",
         "201 type = 'engineer'"},
        {"/api/companies/2?include=engineers,managers", "engineers[].id = [5,9]; managers[].id = [7]"},
    );
}
END_TEST

/* A row of the base type itself (polymorphic_identity "employee"),
 * created through the base resource. */
START_TEST(test_company_create_base)
{
    COMPANY_CASES(
        {"POST /api/employees {\"id\": 8, \"name\": \"joesmith\", \"company_id\": 1}", "201 type = 'employee'"},
        {"/api/companies/1",
         "employees[].id = [1,2,3,4,8]; "
         "employees[].type = ['employee', 'manager', 'engineer', 'engineer', 'employee']"},
        {"/api/managers", "data[].id = [2,7]"},
    );
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
        int k = rt_queries(r);
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
        RT_CASES(servers[v],
            /* books by title, tags by name */
            {"/api/authors?include=books.tags",
             "data[].id = [1,2,3]; data.0.books[].id = [2,5,1]; data.0.books.2.tags[].id = [2,1]; "
             "data.1.books[].id = [3]; data.2.books[].id = []"},
            {"/api/books/4?include=author,tags", "author = null; tags[].id = []"},
            {"/api/cats/1?include=kids.kids", "kids[].id = [7,2,3]; kids.1.kids[].id = [4]"}, /* by -name */
            {"/api/cats/5?include=mother.mother.mother", "mother.mother.mother.id = 1"},
            {"/api/stations/1?include=next,prev,outgoing,incoming", /* next by -name */
             "next[].id = [3,2]; prev[].id = [3]; outgoing[].to_id = [2,3]; incoming[].from_id = [3]"},
            /* workers by -id, Worker rows only */
            {"/api/teams/1?include=members,workers",
             "members[].id = [1,2,3]; members.0.kind = 'boss'; members.0.budget; !members.0.skill; "
             "!members.1.budget; workers[].id = [3,2]"},
            {"/api/teams/3?include=workers,members", "workers[].id = []; members[].id = []"},
            /* book_tags by -weight */
            {"/api/tags/1?include=book_tags.book", "book_tags[].book_id = [1,3]; book_tags.1.book.id = 3"},
            {"/api/workers?include=team", "data[].id = [2,3,4,5]; data.2.team.id = 2; data.3.team = null"},
        );
    }
}
END_TEST

/* select: links; noload: neither embedded nor linked; dynamic: a link, a
 * sub-resource, never an include. */
START_TEST(test_variants_links_dynamic_noload)
{
    RT_CASES(&kv_select,
        {"/api/authors/1", "!books; _links.books = '/api/authors/1/books'; @queries = 1"},
        {"/api/books/1",
         "!author; _links.author = '/api/books/1/author'; !book_tags; _links.book_tags = '/api/books/1/book_tags'; "
         "!tags; _links.tags = '/api/books/1/tags'; @queries = 1"},
        {"/api/book_tags/1,2",
         "!book; _links.book = '/api/book_tags/1,2/book'; !tag; _links.tag = '/api/book_tags/1,2/tag'; @queries = 1"},
        {"/api/cats/2",
         "!kids; _links.kids = '/api/cats/2/kids'; !mother; _links.mother = '/api/cats/2/mother'; @queries = 1"},
        {"/api/stations/1",
         "!outgoing; _links.outgoing = '/api/stations/1/outgoing'; !incoming; "
         "_links.incoming = '/api/stations/1/incoming'; !next; _links.next = '/api/stations/1/next'; !prev; "
         "_links.prev = '/api/stations/1/prev'; @queries = 1"},
        {"/api/links/1,2",
         "!src; _links.src = '/api/links/1,2/src'; !dst; _links.dst = '/api/links/1,2/dst'; @queries = 1"},
        {"/api/teams/1",
         "!members; _links.members = '/api/teams/1/members'; !workers; _links.workers = '/api/teams/1/workers'; "
         "@queries = 1"},
        {"/api/workers/2", "!team; _links.team = '/api/workers/2/team'; @queries = 1"},
    );

    /* joined and selectin: embedded by default, no link */
    rt_server *const servers[] = {&kv_select, &kv_joined, &kv_selectin};
    for (size_t v = 0; v < 3; v++) {
        RT_CASES(servers[v],
            {"/api/authors/1", "!drafts; !_links.drafts; !all_books; _links.all_books = '/api/authors/1/all_books'"},
            {"/api/authors/1/all_books", "data[].id = [1,2,5]"}, /* order_by id */
            {"/api/authors/1/all_books?filter={\"title\": {\"like\": \"%e%\"}}", "data[].id = [1,5]"},
            {"/api/authors/1/all_books?limit=1&count=exact&sort=-title", "data[].id = [1]; meta.total = 3; links.next"},
        );
        RT_CASES(servers[v],
            {"/api/authors/1?include=drafts", "400 /query/include"},
            {"/api/authors?include=all_books", "400 /query/include"},
            {"/api/books?include=author.all_books", "400 /query/include"},
            {"/api/tags/1?include=books.author.drafts", "400 /query/include"},
            {"/api/authors/9/all_books", "404"},
        );
    }
    for (size_t v = 1; v < 3; v++) rt_check(servers[v], "/api/authors/1", "books[].id = [2,5,1]; !_links.books");
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
    rt_expect(rt_send_json(&budget, "POST", "/api/users", body), 201, NULL);
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
    rt_expect(rt_send_json(&budget, "POST", "/api/addresses", body), 201, NULL);
    free(body);
}
static void budget_stop(void) { rt_server_stop(&budget); }

/* "[a,b,c]": the address ids of user id */
static void user_addresses(long long id, char *out, size_t len)
{
    size_t k = (size_t)snprintf(out, len, "[");
    for (long long n = 0; n < id % 4; n++)
        k += (size_t)snprintf(out + k, len - k, "%s%lld", n ? "," : "", first_address[id] + n);
    snprintf(out + k, len - k, "]");
}

/* Each user of the list embeds exactly its addresses under rel. */
static void expect_user_addresses(const rt_response *r, json_t *users, const char *rel)
{
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) {
        char ids[64], want[128];
        user_addresses(rt_json_int_in(r, u, "id"), ids, sizeof ids);
        snprintf(want, sizeof want, "%s[].id = %s", rel, ids);
        rt_assert_wants_in(r, u, want);
    }
}

/* Under each user of the list, the user (rel `user`) of each of its
 * addresses (rel `addresses`) is that user, embedding exactly its own
 * addresses. */
static void expect_address_users(const rt_response *r, const char *addresses, const char *user)
{
    size_t i;
    json_t *u;
    json_array_foreach(rt_json_at(r, "data"), i, u) {
        long long id = rt_json_int_in(r, u, "id");
        char ids[64], want[192];
        user_addresses(id, ids, sizeof ids);
        snprintf(want, sizeof want, "%s.id = %lld; %s.%s[].id = %s", user, id, user, addresses, ids);
        size_t k;
        json_t *a;
        json_array_foreach(json_object_get(u, addresses), k, a) rt_assert_wants_in(r, a, want);
    }
}

/* A list of N users with an include tree runs at most 1 + (selectin
 * nodes) statements, the same for N = 1, 100 and 1000; joined nodes add
 * none. Exactly 1 + R when no level meets rows loaded already; an a.b.a
 * path may skip its last level (every user's addresses are loaded). */
START_TEST(test_budget_statements)
{
    /* (the rows of a.b.a paths are checked by test_budget_include_cycles) */
    static const struct { const char *include, *queries; } cases[] = {
        {"addresses", "@queries = 2"},
        {"addresses.user", "@queries = 3"},
        {"addresses.user.addresses", "@queries <= 4"},
        {"addresses_j", "@queries = 1"},
        {"addresses_j.user_j", "@queries = 1"},
        {"addresses_j.user_j.addresses_j", "@queries = 1"},
        {"addresses.user_j", "@queries = 2"},
        {"addresses_j.user", "@queries = 2"},
        {"addresses.user_j.addresses", "@queries <= 3"},
        {"addresses_j.user.addresses_j", "@queries = 2"},
        {"addresses_j.user_j.addresses", "@queries <= 2"},
        {"addresses,addresses_j", "@queries = 2"},
        {"addresses.user,addresses_j.user_j", "@queries = 3"},
    };
    static const int limits[] = {1, 100, 1000};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int first_k = -1;
        for (size_t l = 0; l < 3; l++) {
            rt_response *r = rt_checked(&budget, rt_fmt("/api/users?limit=%d&include=%s", limits[l], cases[c].include),
                                        cases[c].queries);
            json_t *data = rt_json_at(r, "data");
            ck_assert_msg(json_array_size(data) == (size_t)limits[l], "%s: %zu users", r->what, json_array_size(data));
            if (first_k < 0) first_k = rt_queries(r);
            ck_assert_msg(rt_queries(r) == first_k, "%s: %d statements, but %d for limit=1", r->what, rt_queries(r),
                          first_k);
            const char *first = strncmp(cases[c].include, "addresses_j", 11) == 0 ? "addresses_j" : "addresses";
            if (count_occurrences(cases[c].include, ".") < 2) expect_user_addresses(r, data, first);
            rt_response_free(r);
        }
    }

    /* the same from the other side, and with a count (one statement more) */
    _Static_assert(BUDGET_USERS == 1000, "meta.total above");
    RT_CASES(&budget,
        {"/api/addresses?limit=1000&include=user.addresses_j", "@queries = 2"},
        {"/api/users?limit=1000&include=addresses.user&count=exact", "meta.total = 1000; @queries = 4"},
    );
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
        rt_response *r = rt_checked(&budget, pages[i], "@json");
        json_t *data = rt_json_at(r, "data");
        ck_assert_msg(json_array_size(data) == 20, "%s: %zu users, expected 20", r->what, json_array_size(data));
        expect_user_addresses(r, data, "addresses_j");
        /* and the next page by cursor */
        const char *next = json_string_value(rt_json_at(r, "links.next"));
        ck_assert_msg(next != NULL, "%s: no links.next", r->what);
        rt_response *r2 = rt_checked(&budget, next, "@json");
        ck_assert_msg(json_array_size(rt_json_at(r2, "data")) == 20, "%s: %zu users", r2->what,
                      json_array_size(rt_json_at(r2, "data")));
        expect_user_addresses(r2, rt_json_at(r2, "data"), "addresses_j");
        long long last = rt_json_int_in(r, data, "19.id"), after = rt_json_int_in(r2, NULL, "data.0.id");
        ck_assert_msg(last != after, "%s: the next page repeats user %lld", r2->what, last);
        rt_response_free(r2);
        rt_response_free(r);
    }
    /* filter + joined collection: the filter picks users, not addresses */
    rt_response *r = rt_checked(&budget,
                                "/api/users?include=addresses_j&limit=20"
                                "&filter={\"addresses\": {\"any\": {\"email_address\": {\"like\": \"a1%\"}}}}",
                                "data.0.addresses_j[].id = [1]; data.1.addresses_j[].id = [10,11,12]; @queries = 1");
    json_t *data = rt_json_at(r, "data");
    ck_assert_msg(json_array_size(data) == 20, "%s: %zu users", r->what, json_array_size(data));
    expect_user_addresses(r, data, "addresses_j");
    rt_response_free(r);

    RT_CASES(&budget,
        {"/api/users?include=addresses_j&limit=20",
         "data[].id = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]; @queries = 1"},
        /* sorting through a many-to-one with a joined collection below it */
        {"/api/addresses?include=user_j.addresses_j&sort=-user.name,id&limit=5",
         "data[].id = [1498,1499,1500,1496,1497]; data.0.user_j.addresses_j[].id = [1498,1499,1500]; "
         "data.3.user_j.addresses_j[].id = [1496,1497]; @queries = 1"},
        {"/api/addresses?include=user.addresses&sort=-user.name,id&limit=5",
         "data[].id = [1498,1499,1500,1496,1497]; data.3.user.addresses[].id = [1496,1497]; @queries = 3"},
    );
}
END_TEST

/* a.b.a over many parents: every collection listed once, both strategies. */
START_TEST(test_budget_include_cycles)
{
    rt_response *r = rt_checked(&budget, "/api/users?limit=20&include=addresses_j.user_j.addresses_j",
                                "@queries = 1");
    expect_address_users(r, "addresses_j", "user_j");
    rt_response_free(r);

    r = rt_checked(&budget, "/api/users?limit=20&include=addresses.user.addresses", "@queries <= 4");
    expect_user_addresses(r, rt_json_at(r, "data"), "addresses");
    expect_address_users(r, "addresses", "user");
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ suite */

Suite *http_relationships_suite(void)
{
    Suite *s = suite_create("http_relationships");
    TS_TCASE(s, "blog", blog_start, blog_stop, 120, test_blog_select_is_a_link,
             test_blog_selectin_embedded_by_default, test_blog_dynamic, test_blog_sub_resources,
             test_blog_identity_map, test_blog_include_cycles, test_blog_filter_and_include,
             test_blog_include_errors);
    TS_TCASE(s, "tree", tree_start, tree_stop, 120, test_tree_children_selectin_default, test_tree_list_children_once,
             test_tree_parent_many_to_one, test_tree_sub_resources, test_tree_include_cycles,
             test_tree_filter_and_include);
    TS_TCASE(s, "orders", orders_start, orders_stop, 120, test_orders_association_object,
             test_orders_many_to_many_through_association, test_orders_sub_resources, test_orders_identity_map,
             test_orders_filter_and_include);
    TS_TCASE(s, "graph", graph_start, graph_stop, 120, test_graph_custom_joins, test_graph_neighbors,
             test_graph_include_cycles, test_graph_filter_and_include);
    TS_TCASE(s, "company", company_start, company_stop, 120, test_company_child_resources, test_company_base_resource,
             test_company_relationships, test_company_create_child, test_company_create_base);
    TS_TCASE(s, "variants", variants_start, variants_stop, 120, test_variants_defaults_joined_equals_selectin,
             test_variants_include_identical, test_variants_content, test_variants_links_dynamic_noload);
    TS_TCASE(s, "budget", budget_start, budget_stop, 120, test_budget_statements, test_budget_joined_paging,
             test_budget_include_cycles);
    return s;
}
