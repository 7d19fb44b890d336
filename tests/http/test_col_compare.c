/* test_col_compare.c: column comparisons in filters ({"$col": PATH}, SPEC
 * §10 F), on both backends.
 *
 * Over the shop example (schemas/shop.json and its seed): the SPEC's three
 * examples with their exact rows (orders shipped before they were placed,
 * order lines sold above / below the list price, orders with a line sold
 * below cost: the compared column and the $col path read from the same
 * order line); SQL's NULL semantics (a NULL value or a NULL foreign key
 * along the path matches nothing, ne and not included); paths of one and
 * two many-to-one hops; inside any / none / every; numbers of every kind
 * compared by value (integer, bigint, float and numeric; 1 = 1.00 and
 * 0.1 = 0.10 on both backends); strings with text bytewise; dates; a
 * sub-resource list, count=exact, count[REL] (and sorting by it), query
 * bodies, and the statement count (a path adds none); and every error
 * with its pointer.
 *
 * Over a scoped schema (tests/http/schemas/colcmp.json, tokens as in
 * test_access.c): a row_filter with a $col path (expenses within their
 * budget's cap: reads, creates and updates), the request's row filters
 * inside a filter's $col path (a budget the user may not see reads as
 * NULL), hidden and write_only columns refused, and datetime (offsets
 * normalised), boolean and uuid comparisons. */
#include <check.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

static rt_server shop;

RT_FIXTURE(shop, "schemas/shop.json", "schemas/shop.seed.json", NULL)

/* The SPEC's three examples, exactly. */
START_TEST(the_spec_examples)
{
    RT_CASES(&shop,
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"placed\"}}}&fields=id", "data[].id = [2, 7]"},
        {"/api/order_lines?filter={\"price\": {\"gt\": {\"$col\": \"product.price\"}}}", "data # 0"},
        {"/api/order_lines?filter={\"price\": {\"lt\": {\"$col\": \"product.price\"}}}&fields=id",
         "data[].id = [5, 6, 9, 11, 13, 19]"},
        /* each line against its own product: not any line against any product */
        {"/api/orders?filter={\"lines.price\": {\"lt\": {\"$col\": \"product.cost\"}}}&fields=id",
         "data[].id = [2, 6, 7, 13]"},
        {"/api/orders?filter={\"lines\": {\"any\": {\"price\": {\"lt\": {\"$col\": \"product.cost\"}}}}}&fields=id",
         "data[].id = [2, 6, 7, 13]"},
    );
}
END_TEST

/* NULL on either side never matches: a NULL column, a NULL foreign key
 * along the path, ne and not included. */
START_TEST(null_never_matches)
{
    RT_CASES(&shop,
        /* line 14 has no product: in neither the lt, the ge, the eq nor the ne answer */
        {"/api/order_lines?filter={\"price\": {\"ge\": {\"$col\": \"product.price\"}}}&fields=id",
         "data[].id = [1, 2, 3, 4, 7, 8, 10, 12, 15, 16, 17, 18, 20]"},
        {"/api/order_lines?filter={\"price\": {\"$col\": \"product.price\"}}&fields=id",
         "data[].id = [1, 2, 3, 4, 7, 8, 10, 12, 15, 16, 17, 18, 20]"},
        {"/api/order_lines?filter={\"price\": {\"ne\": {\"$col\": \"product.price\"}}}&fields=id",
         "data[].id = [5, 6, 9, 11, 13, 19]"},
        {"/api/order_lines?filter={\"not\": {\"price\": {\"lt\": {\"$col\": \"product.price\"}}}}&fields=id",
         "data[].id = [1, 2, 3, 4, 7, 8, 10, 12, 15, 16, 17, 18, 20]"},
        /* orders 3, 5, 8, 10 and 12 were never shipped */
        {"/api/orders?filter={\"not\": {\"shipped\": {\"lt\": {\"$col\": \"placed\"}}}}&fields=id",
         "data[].id = [1, 4, 6, 9, 11, 13]"},
        {"/api/orders?filter={\"shipped\": {\"ne\": {\"$col\": \"placed\"}}}&fields=id",
         "data[].id = [1, 2, 4, 6, 7, 9, 11, 13]"},
        /* two hops (line → order → customer): a NULL customer, a NULL credit */
        {"/api/order_lines?filter={\"price\": {\"lt\": {\"$col\": \"order.customer.credit\"}}}&fields=id",
         "data[].id = [1, 2, 3, 4, 5, 6, 7]"},
        {"/api/order_lines?filter={\"price\": {\"gt\": {\"$col\": \"order.customer.credit\"}}}&fields=id",
         "data[].id = [14]"},
        {"/api/order_lines?filter={\"or\": [{\"price\": {\"le\": {\"$col\": \"order.customer.credit\"}}}, "
         "{\"price\": {\"gt\": {\"$col\": \"order.customer.credit\"}}}]}&fields=id",
         "data[].id = [1, 2, 3, 4, 5, 6, 7, 14]"},
        /* a product without a cost (the grinder) is below nothing */
        {"/api/order_lines?filter={\"price\": {\"ge\": {\"$col\": \"product.cost\"}}, \"product_id\": 4}", "data # 0"},
    );
}
END_TEST

/* Inside any / none / every (and after a dotted path) PATH starts at the
 * related row; every is not broken by an UNKNOWN row. */
START_TEST(inside_relationship_operators)
{
    RT_CASES(&shop,
        {"/api/orders?filter={\"lines\": {\"any\": {\"price\": {\"lt\": {\"$col\": \"product.price\"}}}}}&fields=id",
         "data[].id = [4, 6, 7, 9, 13]"},
        {"/api/orders?filter={\"lines\": {\"none\": {\"price\": {\"lt\": {\"$col\": \"product.price\"}}}}}&fields=id",
         "data[].id = [1, 2, 3, 5, 8, 10, 11, 12]"},
        /* order 10's only line has no product: UNKNOWN, which does not break every */
        {"/api/orders?filter={\"lines\": {\"every\": {\"price\": {\"$col\": \"product.price\"}}}}&fields=id",
         "data[].id = [1, 2, 3, 5, 8, 10, 11, 12]"},
        {"/api/customers?filter={\"orders\": {\"any\": {\"shipped\": {\"lt\": {\"$col\": \"placed\"}}}}}&fields=id",
         "data[].id = [1, 3]"},
        {"/api/customers?filter={\"orders.lines.price\": {\"lt\": {\"$col\": \"product.cost\"}}}&fields=id",
         "data[].id = [1, 3, 6]"},
        /* orders placed before their customer joined */
        {"/api/orders?filter={\"placed\": {\"lt\": {\"$col\": \"customer.joined\"}}}&fields=id", "data[].id = [10]"},
        /* a sub-resource list, a total, and no extra statement for the path (lines: one selectin) */
        {"/api/customers/1/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"placed\"}}}&fields=id", "data[].id = [2]"},
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"placed\"}}}&count=exact&limit=1&fields=id",
         "data[].id = [2]; meta.total = 2; @queries = 3"},
        {"/api/order_lines?filter={\"price\": {\"lt\": {\"$col\": \"order.customer.credit\"}}}&limit=2",
         "data[].id = [1, 2]; @queries = 1"},
    );
}
END_TEST

/* Numbers compare by value whatever their kinds; strings bytewise. */
START_TEST(types_compare_by_value)
{
    RT_CASES(&shop,
        /* integer with numeric: line 9 is 1 × 1.00 */
        {"/api/order_lines?filter={\"quantity\": {\"gt\": {\"$col\": \"price\"}}}&fields=id", "data[].id = [15, 19]"},
        {"/api/order_lines?filter={\"quantity\": {\"ge\": {\"$col\": \"price\"}}}&fields=id", "data[].id = [9, 15, 19]"},
        {"/api/order_lines?filter={\"quantity\": {\"$col\": \"price\"}}&fields=id", "data[].id = [9]"},
        /* bigint and float with numeric */
        {"/api/products?filter={\"views\": {\"lt\": {\"$col\": \"price\"}}}&fields=id", "data[].id = [4]"},
        {"/api/products?filter={\"weight\": {\"lt\": {\"$col\": \"cost\"}}}&fields=id", "data[].id = [1, 2, 3, 5]"},
        /* string with string, text with string: bytewise */
        {"/api/customers?filter={\"city\": {\"lt\": {\"$col\": \"name\"}}}&fields=id", "data[].id = [6]"},
        {"/api/notes?filter={\"body\": {\"gt\": {\"$col\": \"customer.name\"}}}&fields=id", "data[].id = [1, 2, 3, 4, 6]"},
    );
    /* float = numeric: 0.1 and "0.10" are one value on both backends */
    long long id = rt_create(&shop, "POST /api/products {'name': 'Spoon', 'price': '1.00', 'cost': '0.10', 'weight': 0.1}");
    rt_check(&shop, "/api/products?filter={\"weight\": {\"$col\": \"cost\"}}&fields=id",
             rt_fmt("data[].id = [%lld]", id));
    rt_check(&shop, rt_fmt("DELETE /api/products/%lld", id), "204");
}
END_TEST

/* Wherever a filter is: count[REL] (and sorting by it), query bodies. */
START_TEST(taken_wherever_a_filter_is)
{
    RT_CASES(&shop,
        {"/api/customers?count[orders]={\"shipped\": {\"lt\": {\"$col\": \"placed\"}}}&fields=id",
         "data[]._count.orders = [1, 0, 1, 0, 0, 0]; @queries = 1"},
        {"/api/customers?count[orders]={\"lines.price\": {\"lt\": {\"$col\": \"product.cost\"}}}&sort=-_count.orders"
         "&fields=id", "data[].id = [3, 1, 6, 2, 4, 5]; data[]._count.orders = [2, 1, 1, 0, 0, 0]"},
        {"/api/customers?count[orders]={\"shipped\": {\"lt\": {\"$col\": \"nosuch\"}}}",
         "400 /count[orders]/shipped/lt/$col"},
        {"POST /api/orders/_query {'filter': {'shipped': {'lt': {'$col': 'placed'}}}, 'fields': 'id', 'count': 'exact'}",
         "data[].id = [2, 7]; meta.total = 2"},
        {"POST /api/order_lines/_query {'filter': {'price': {'lt': {'$col': 'order.customer.credit'}}}, 'limit': 3}",
         "data[].id = [1, 2, 3]"},
        {"POST /api/orders/_query {'filter': {'placed': {'in': [{'$col': 'shipped'}]}}}", "400 /filter/placed/in"},
        {"POST /api/orders/_query {'filter': {'or': [{'shipped': {'ge': {'$col': 'lines'}}}]}}",
         "400 /filter/or/0/shipped/ge/$col"},
    );
}
END_TEST

/* Every error: at the $col member, or at the operator. */
START_TEST(errors_point_at_the_operand)
{
    RT_REFUSED(&shop,
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"nosuch\"}}}", "400 /filter/shipped/lt/$col"},
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"customer.nosuch\"}}}", "400 /filter/shipped/lt/$col"},
        {"/api/orders?filter={\"total\": {\"lt\": {\"$col\": \"lines.price\"}}}", "400 /filter/total/lt/$col"},
        {"/api/order_lines?filter={\"price\": {\"$col\": \"order.tags.id\"}}", "400 /filter/price/$col"},
        {"/api/products?filter={\"name\": {\"$col\": \"secret\"}}", "400 /filter/name/$col"},
        {"/api/order_lines?filter={\"price\": {\"ne\": {\"$col\": \"product.secret\"}}}", "400 /filter/price/ne/$col"},
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"total\"}}}", "400 /filter/shipped/lt/$col"},
        {"/api/products?filter={\"name\": {\"$col\": \"specs\"}}", "400 /filter/name/$col"},
        {"/api/products?filter={\"specs\": {\"$col\": \"specs\"}}", "400 /filter/specs/$col"},
        {"/api/orders?filter={\"status\": {\"$col\": \"customer\"}}", "400 /filter/status/$col"},
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": \"placed\", \"as\": \"date\"}}}",
         "400 /filter/shipped/lt/$col"},
        {"/api/orders?filter={\"shipped\": {\"lt\": {\"$col\": 7}}}", "400 /filter/shipped/lt/$col"},
        {"/api/notes?filter={\"body\": {\"like\": {\"$col\": \"body\"}}}", "400 /filter/body/like"},
        {"/api/orders?filter={\"placed\": {\"in\": [{\"$col\": \"shipped\"}]}}", "400 /filter/placed/in"},
        {"/api/orders?filter={\"placed\": {\"between\": [{\"$col\": \"shipped\"}, \"2030-01-01\"]}}",
         "400 /filter/placed/between"},
        {"/api/orders?filter={\"or\": [{\"id\": 1}, {\"lines\": {\"any\": {\"quantity\": {\"gt\": {\"$col\": \"placed\"}}}}}]}",
         "400 /filter/or/1/lines/any/quantity/gt/$col"},
    );
}
END_TEST

/* ---- a scoped schema ---------------------------------------------------------------- */

#define SECRET "rt-colcmp-secret-0123456789abcdef-xyz"

static rt_server bud;
static char *ALICE, *BOB, *ADMIN;

static void bud_start(void)
{
    ALICE = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    BOB = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    ADMIN = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    rt_server_start_ex(&bud, &(rt_start){.schema = "tests/http/schemas/colcmp.json",
                                         .seed = "tests/http/schemas/colcmp.seed.json", .args = args});
}

static void bud_stop(void)
{
    rt_server_stop(&bud);
    free(ALICE), free(BOB), free(ADMIN);
}

/* A case's request line, then the bearer token RT_CASES_AT puts for %s. */
#define AS "\nAuthorization: Bearer %s"

/* The expenses' row_filter: the user's own, at most their budget's cap
 * (none without a budget, none when the cap is NULL). */
START_TEST(a_row_filter_with_a_col_path)
{
    RT_CASES_AT(&bud, ALICE,
        {"/api/expenses?fields=id" AS, "data[].id = [1, 2]"},
        {"/api/expenses/3" AS, "404"},
        {"/api/expenses/5" AS, "404"},
        {"/api/budgets/1/expenses?fields=id" AS, "data[].id = [1, 2]"},
        {"/api/expenses?filter={\"amount\": {\"gt\": \"50\"}}&count=exact&fields=id" AS, "data[].id = [2]; meta.total = 1"},
        {"POST /api/expenses" AS "\n\n{'owner': 'alice', 'budget_id': 1, 'amount': '100.01'}", "403; @unchanged"},
        {"POST /api/expenses" AS "\n\n{'owner': 'alice', 'budget_id': 2, 'amount': '1.00'}", "403; @unchanged"},
        {"POST /api/expenses" AS "\n\n{'owner': 'alice', 'amount': '1.00'}", "403; @unchanged"},
        {"PATCH /api/expenses/1" AS "\n\n{'amount': '100.50'}", "403; @unchanged"},
        {"PATCH /api/expenses/1" AS "\n\n{'amount': '99.99'}", "amount = '99.99'"},
        {"PATCH /api/expenses/1" AS "\n\n{'amount': '40.00'}", "amount = '40.00'"},
    );
    RT_CASES_AT(&bud, BOB,
        {"/api/expenses?fields=id" AS, "data[].id = [6]"},
    );
    RT_CASES_AT(&bud, ADMIN,
        {"/api/expenses?fields=id" AS, "data[].id = [1, 2, 3, 4, 5, 6]"},
    );
    rt_response *r = rt_checked(&bud, rt_as(ALICE, "POST /api/expenses {'owner': 'alice', 'budget_id': 1, 'amount': '100'}"),
                                "201 amount = '100.00'");
    long long id = rt_json_int(r, "id");
    rt_response_free(r);
    rt_check(&bud, rt_as(ALICE, "/api/expenses?fields=id"), rt_fmt("data[].id = [1, 2, %lld]", id));
    rt_check(&bud, rt_as(ALICE, rt_fmt("DELETE /api/expenses/%lld", id)), "204");
}
END_TEST

/* A filter's $col path sees the rows the request may see: a budget outside
 * the user's row_filter reads as NULL. */
START_TEST(the_row_filter_holds_in_col_paths)
{
    RT_CASES_AT(&bud, ALICE,
        {"/api/payments?fields=id" AS, "data[].id = [1, 2]"},
        {"/api/payments?filter={\"amount\": {\"le\": {\"$col\": \"budget.cap\"}}}&fields=id" AS, "data[].id = [1]"},
        {"/api/payments?filter={\"not\": {\"amount\": {\"le\": {\"$col\": \"budget.cap\"}}}}&fields=id" AS, "data # 0"},
    );
    RT_CASES_AT(&bud, ADMIN,
        {"/api/payments?filter={\"amount\": {\"le\": {\"$col\": \"budget.cap\"}}}&fields=id" AS, "data[].id = [1, 2]"},
    );
    RT_CASES_AT(&bud, BOB,
        {"/api/payments?filter={\"amount\": {\"gt\": {\"$col\": \"budget.cap\"}}}&fields=id" AS, "data[].id = [3]"},
    );
}
END_TEST

/* datetime (offsets normalised), boolean and uuid; hidden and write_only
 * columns are unknown to $col, through a path too. */
START_TEST(other_types_and_refused_columns)
{
    RT_CASES_AT(&bud, ADMIN,
        {"/api/expenses?filter={\"at\": {\"lt\": {\"$col\": \"budget.closes\"}}}&fields=id" AS, "data[].id = [1]"},
        {"/api/expenses?filter={\"at\": {\"ge\": {\"$col\": \"budget.closes\"}}}&fields=id" AS, "data[].id = [2]"},
        {"/api/expenses?filter={\"approved\": {\"$col\": \"budget.strict\"}}&fields=id" AS, "data[].id = [1, 3]"},
        {"/api/expenses?filter={\"approved\": {\"ne\": {\"$col\": \"budget.strict\"}}}&fields=id" AS, "data[].id = [2]"},
        {"/api/expenses?filter={\"ref\": {\"$col\": \"budget.ref\"}}&fields=id" AS, "data[].id = [1, 6]"},
        {"/api/expenses?filter={\"ref\": {\"ne\": {\"$col\": \"budget.ref\"}}}&fields=id" AS, "data[].id = [2]"},
        {"/api/budgets?filter={\"owner\": {\"$col\": \"code\"}}" AS, "400 /filter/owner/$col; @unchanged"},
        {"/api/budgets?filter={\"owner\": {\"lt\": {\"$col\": \"pin\"}}}" AS, "400 /filter/owner/lt/$col; @unchanged"},
        {"/api/expenses?filter={\"owner\": {\"$col\": \"budget.code\"}}" AS, "400 /filter/owner/$col; @unchanged"},
        {"/api/expenses?filter={\"owner\": {\"$col\": \"budget.pin\"}}" AS, "400 /filter/owner/$col; @unchanged"},
        {"/api/expenses?filter={\"at\": {\"lt\": {\"$col\": \"budget.cap\"}}}" AS, "400 /filter/at/lt/$col; @unchanged"},
        {"/api/expenses?filter={\"approved\": {\"lt\": {\"$col\": \"ref\"}}}" AS, "400 /filter/approved/lt/$col; @unchanged"},
        {"/api/budgets?filter={\"cap\": {\"$col\": \"expenses.amount\"}}" AS, "400 /filter/cap/$col; @unchanged"},
    );
}
END_TEST

Suite *http_col_compare_suite(void)
{
    Suite *s = suite_create("http_col_compare");
    TS_TCASE(s, "shop", shop_start, shop_stop, 60, the_spec_examples, null_never_matches,
             inside_relationship_operators, types_compare_by_value, taken_wherever_a_filter_is,
             errors_point_at_the_operand);
    TS_TCASE(s, "scoped", bud_start, bud_stop, 60, a_row_filter_with_a_col_path, the_row_filter_holds_in_col_paths,
             other_types_and_refused_columns);
    return s;
}
