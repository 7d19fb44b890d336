/* test_mapping_edges.c: three edges where SPEC §9's parts meet, on both
 * backends: computed attributes in the write answers of objects a nested
 * write created (tests/http/schemas/computed.json: every written object
 * refreshed, one statement per mapper of the written graph, never one per
 * object); association proxies a subclass declares (single-table Manager,
 * joined Engineer: tests/http/schemas/edges_proxies.json) on the rows of
 * that class wherever they are listed, one statement per proxy
 * relationship per level, none for a proxy a fields[rel] leaves out. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server cs, px;

RT_FIXTURE(cs, "tests/http/schemas/computed.json", "tests/http/schemas/computed.seed.json", NULL)
RT_FIXTURE(px, "tests/http/schemas/edges_proxies.json", "tests/http/schemas/edges_proxies.seed.json", NULL)

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

/* ---- subclass proxies ------------------------------------------------------------ */

START_TEST(subclass_proxies_show_through_the_base_resource)
{
    RT_CASES(&px,
        /* each row its own class's proxies (and the base's), a statement per proxy relationship */
        {"/api/people?sort=id",
         "data[].badge_codes = [['B1'], ['B2'], ['B3'], [], []]; data.1.machine_names = ['lathe', 'drill'];"
         " data.3.machine_names = ['saw']; data.2.perk_labels = ['car', 'gym']; data.4.perk_labels = [];"
         " !data.0.machine_names; !data.0.perk_labels; !data.1.perk_labels; !data.2.machine_names; @queries = 4"},
        {"/api/people/2", "machine_names = ['lathe', 'drill']; badge_codes = ['B2']; !perk_labels"},
        {"/api/people/3", "perk_labels = ['car', 'gym']; !machine_names"},
        /* embedded rows too: one statement per level and proxy relationship, never per row */
        {"/api/companies/1?include=people",
         "people[].name = ['ann', 'eve', 'max', 'ed', 'mia']; people.1.machine_names = ['lathe', 'drill'];"
         " people.2.perk_labels = ['car', 'gym']; !people.0.perk_labels; @queries = 5"},
        /* the subclass resources as before */
        {"/api/engineers?sort=id", "data[].machine_names = [['lathe', 'drill'], ['saw']]; @queries = 3"},
        {"/api/managers?sort=id", "data[].perk_labels = [['car', 'gym'], []]; @queries = 3"},
    );
}
END_TEST

START_TEST(a_fieldset_leaving_proxies_out_loads_none)
{
    RT_CASES(&px,
        /* fields[people] names no proxy: no statement loads one */
        {"/api/companies/1?include=people&fields[people]=name",
         "people[].name = ['ann', 'eve', 'max', 'ed', 'mia']; !people.1.badge_codes; !people.1.machine_names;"
         " @queries = 2"},
        /* one named: only its relationship is loaded */
        {"/api/companies/1?include=people&fields[people]=name,badge_codes",
         "people[].badge_codes = [['B1'], ['B2'], ['B3'], [], []]; !people.1.machine_names; @queries = 3"},
        {"/api/companies?include=people&fields[people]=id", "data.0.people # 5; !data.0.people.2.perk_labels; @queries = 2"},
    );
}
END_TEST

Suite *http_mapping_edges_suite(void)
{
    Suite *s = suite_create("http_mapping_edges");
    TS_TCASE(s, "computed", cs_start, cs_stop, 60, nested_creates_answer_their_computed_values,
             refreshing_is_one_statement_per_mapper);
    TS_TCASE(s, "proxies", px_start, px_stop, 60, subclass_proxies_show_through_the_base_resource,
             a_fieldset_leaving_proxies_out_loads_none);
    return s;
}
