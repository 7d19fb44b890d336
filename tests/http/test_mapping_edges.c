/* test_mapping_edges.c: three edges where SPEC §9's parts meet, on both
 * backends: computed attributes in the write answers of objects a nested
 * write created (tests/http/schemas/computed.json: every written object
 * refreshed, one statement per mapper of the written graph, never one per
 * object). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server cs;

RT_FIXTURE(cs, "tests/http/schemas/computed.json", "tests/http/schemas/computed.seed.json", NULL)

/* ---- computed attributes of nested writes ----------------------------------- */

START_TEST(nested_creates_answer_their_computed_values)
{
    /* the lines made inside the cart's POST carry their amount, the cart its totals */
    rt_check(&cs, "POST /api/carts {'owner': 'zoe', 'lines': [{'qty': 1, 'price': '1.25'}, {'qty': 2, 'price': '2.74'}]}",
             "201 total_qty = 3; total = '6.73'; lines[].amount = ['1.25', '5.48']; lines[].average = [1.25, 1.37]");
    rt_assert_sql(&cs, "2", "SELECT count(*) FROM cart_lines WHERE cart_id = (SELECT max(id) FROM carts)");
    rt_check(&cs, "/api/carts/4?include=lines", "total = '6.73'; lines[].amount = ['1.25', '5.48']");
    /* a PATCH that creates lines: the same */
    rt_check(&cs, "PATCH /api/carts/2 {'lines': [{'qty': 3, 'price': '2.25'}]}",
             "200 total_qty = 3; total = '6.75'; lines[].amount = ['6.75']");
    rt_assert_sql(&cs, "3", "SELECT qty FROM cart_lines WHERE cart_id = 2");
}
END_TEST

/* POST n carts of two lines each; the statements the request ran. */
static int post_carts(size_t n)
{
    char body[4096] = "POST /api/carts [";
    for (size_t i = 0; i < n; i++)
        snprintf(body + strlen(body), sizeof body - strlen(body),
                 "%s{'owner': 'o%zu', 'lines': [{'qty': 1, 'price': '1.25'}, {'qty': 2, 'price': '1.25'}]}",
                 i ? ", " : "", i);
    strcat(body, "]");
    char expect[128];
    snprintf(expect, sizeof expect, "201 data # %zu; data.0.total = '3.75'; data.%zu.lines.0.amount = '1.25'", n, n - 1);
    rt_response *r = rt_checked(&cs, body, expect);
    int k = rt_queries(r);
    rt_response_free(r);
    return k;
}

START_TEST(refreshing_is_one_statement_per_mapper)
{
    /* every written object's values: the carts' totals and each line's amount */
    rt_check(&cs,
        "POST /api/carts [{'owner': 'b', 'lines': [{'qty': 1, 'price': '1.25'}, {'qty': 2, 'price': '1.25'}]},"
        " {'owner': 'c', 'lines': [{'qty': 4, 'price': '1.25'}]}]",
        "201 data.0.total = '3.75'; data[].total_qty = [3, 4]; data.0.lines.0.amount = '1.25';"
        " data.1.lines[].average = [0.3125]");
    /* rows are refreshed by mapper (pk IN (...)), not one by one: twice the
     * carts and lines, the same statements (the INSERTs are multi-row too) */
    int k3 = post_carts(3), k6 = post_carts(6);
    ck_assert_int_gt(k3, 0);
    ck_assert_int_eq(k6, k3);
    rt_assert_sql(&cs, "18", "SELECT count(*) FROM cart_lines WHERE cart_id IN (SELECT id FROM carts WHERE owner LIKE 'o%%')");
}
END_TEST

Suite *http_mapping_edges_suite(void)
{
    Suite *s = suite_create("http_mapping_edges");
    TS_TCASE(s, "computed", cs_start, cs_stop, 60, nested_creates_answer_their_computed_values,
             refreshing_is_one_statement_per_mapper);
    return s;
}
