/* test_mapping_edges.c: three edges where SPEC §9's parts meet, on both
 * backends: computed attributes in the write answers of objects a nested
 * write created (tests/http/schemas/computed.json: every written object
 * refreshed, one statement per mapper of the written graph, never one per
 * object); association proxies a subclass declares (single-table Manager,
 * joined Engineer: tests/http/schemas/edges_proxies.json) on the rows of
 * that class wherever they are listed, one statement per proxy
 * relationship per level, none for a proxy a fields[rel] leaves out;
 * composite table-level foreign keys into a joined-inheritance lower table
 * and out of one (tests/http/schemas/edges_fkeys.json: permits → trucks'
 * unique plate, trucks → depots' two-column key): relationships inferred
 * as for per-column keys, the DDL naming the real tables. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/backend.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"
#include "tests/support/rt_jwt.h"

static rt_server cs, px, fk;

RT_FIXTURE(cs, "tests/http/schemas/computed.json", "tests/http/schemas/computed.seed.json", NULL)
RT_FIXTURE(px, "tests/http/schemas/edges_proxies.json", "tests/http/schemas/edges_proxies.seed.json", NULL)
RT_FIXTURE(fk, "tests/http/schemas/edges_fkeys.json", "tests/http/schemas/edges_fkeys.seed.json", NULL)

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
    /* a write answer the same: a statement for the named proxy's relationship only */
    rt_response *none = rt_checked(&px, "PATCH /api/companies/1?include=people&fields[people]=name {'name': 'uno'}",
                                   "name = 'uno'; people # 5; !people.1.badge_codes; !people.1.machine_names");
    rt_response *one = rt_checked(&px, "PATCH /api/companies/1?include=people&fields[people]=name,badge_codes {'name': 'one'}",
                                  "people[].badge_codes = [['B1'], ['B2'], ['B3'], [], []]; !people.1.machine_names");
    ck_assert_int_eq(rt_queries(one), rt_queries(none) + 1);
    rt_response_free(none);
    rt_response_free(one);
}
END_TEST

/* ---- composite foreign keys and joined tables ------------------------------------ */

START_TEST(composite_keys_into_and_out_of_a_joined_table)
{
    RT_CASES(&fk,
        /* into the joined level (trucks' unique plate): both directions */
        {"/api/permits/1?include=truck", "truck.name = 'big'; truck.plate_no = 100; truck.kind = 'truck'"},
        {"/api/trucks/2/permits", "data[].area = ['alps', 'coast']"},
        {"/api/trucks/2?include=permits", "permits[].id = [1, 2]"},
        {"/api/permits?filter={\"truck\": {\"has\": {\"name\": \"small\"}}}", "data[].id = [3]"},
        {"/api/trucks?filter={\"permits\": {\"any\": {\"area\": \"coast\"}}}", "data[].id = [2]"},
        /* out of the joined level (trucks → depots) */
        {"/api/trucks/2?include=depot", "depot.name = 'north one'"},
        {"/api/depots/NO,1/trucks", "data[].id = [2, 3]"},
        {"/api/depots?filter={\"trucks\": {\"any\": {\"plate_country\": \"FR\"}}}", "data[].name = ['north one']"},
        {"/api/trucks?filter={\"depot\": {\"has\": {\"region\": \"NO\"}}}&sort=id", "data[].id = [2, 3]"},
        /* nested creates: the key's columns from the new row */
        {"POST /api/trucks {'name': 'new', 'plate_country': 'IT', 'plate_no': 9, 'permits': [{'area': 'lakes'}]}",
         "201 permits.0.t_country = 'IT'; permits.0.t_no = 9"},
        {"POST /api/depots {'region': 'EA', 'num': 2, 'name': 'east', 'trucks': [{'name': 't', 'plate_country': 'AT', 'plate_no': 1}]}",
         "201 trucks.0.depot_region = 'EA'; trucks.0.depot_num = 2"},
        {"POST /api/permits {'area': 'hills', 'truck': {'id': 4}}", "201 t_country = 'DE'; t_no = 5"},
        {"PATCH /api/trucks/4 {'depot': {'region': 'SO', 'num': 1}}", "depot_region = 'SO'; depot_num = 1"},
    );
    rt_assert_sql(&fk, "lakes", "SELECT area FROM permits WHERE t_country = 'IT' AND t_no = 9");
    rt_assert_sql(&fk, "1", "SELECT count(*) FROM trucks t JOIN vehicles v ON v.id = t.id "
                            "WHERE t.depot_region = 'EA' AND t.depot_num = 2 AND v.kind = 'truck'");
    rt_assert_sql(&fk, "SO", "SELECT depot_region FROM trucks WHERE id = 4");
    /* passive_deletes: the key's ON DELETE SET NULL (on the trucks table) does the work */
    rt_check(&fk, "DELETE /api/depots/SO,1", "204");
    rt_assert_sql(&fk, "1", "SELECT count(*) FROM trucks WHERE id = 4 AND depot_region IS NULL AND depot_num IS NULL");
    rt_assert_foreign_keys(&fk);
    /* the DDL refers to the database tables, not the span */
    bool lite = rt_backend() == RT_SQLITE;
    const char *want = lite ? "1" : "FOREIGN KEY (t_country, t_no) REFERENCES trucks(plate_country, plate_no)";
    rt_assert_sql(&fk, want, lite ? "SELECT count(*) FROM sqlite_master WHERE name = 'permits' AND sql LIKE "
                                    "'%%FOREIGN KEY (\"t_country\", \"t_no\") REFERENCES \"trucks\" "
                                    "(\"plate_country\", \"plate_no\")%%'"
                                  : "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                    "WHERE conrelid = 'permits'::regclass AND contype = 'f'");
}
END_TEST

/* ---- composite keys of a joined level under a row filter -------------------- */

/* edges_fkeys_scoped.json: edges_fkeys.json with a row filter on Depot
 * (region = the token's sub). A truck's composite key to depots lives in
 * the trucks level of the vehicles span: naming a depot outside the filter
 * anew is a key naming no row (409), as for a plain table. */
#define SECRET "mapping-edges-secret-0123456789abcdef"
static rt_server sk;
static char *north;

static void sk_start(void)
{
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    north = rt_hs256(SECRET, "{'role': 'member', 'sub': 'NO'}");
    rt_server_start(&sk, "tests/http/schemas/edges_fkeys_scoped.json", "tests/http/schemas/edges_fkeys.seed.json",
                    args);
}

static void sk_stop(void)
{
    rt_server_stop(&sk);
    free(north);
}

START_TEST(a_joined_levels_composite_key_meets_the_row_filter)
{
    rt_check(&sk, rt_as(north, "/api/depots"), "data[].region = ['NO']");
    rt_check_refused(&sk, rt_as(north, "POST /api/trucks {'name': 't', 'plate_country': 'IT', 'plate_no': 1,"
                                       " 'depot_region': 'SO', 'depot_num': 1}"), "409");
    rt_check_refused(&sk, rt_as(north, "PATCH /api/trucks/4 {'depot_region': 'SO', 'depot_num': 1}"), "409");
    rt_check(&sk, rt_as(north, "POST /api/trucks {'name': 't', 'plate_country': 'IT', 'plate_no': 1,"
                               " 'depot_region': 'NO', 'depot_num': 1}"), "201 depot_region = 'NO'");
    rt_check(&sk, rt_as(north, "PATCH /api/trucks/4 {'depot_region': 'NO', 'depot_num': 1}"), "200");
    rt_assert_sql(&sk, "NO", "SELECT depot_region FROM trucks WHERE id = 4");
}
END_TEST

Suite *http_mapping_edges_suite(void)
{
    Suite *s = suite_create("http_mapping_edges");
    TS_TCASE(s, "computed", cs_start, cs_stop, 60, nested_creates_answer_their_computed_values,
             refreshing_is_one_statement_per_mapper);
    TS_TCASE(s, "proxies", px_start, px_stop, 60, subclass_proxies_show_through_the_base_resource,
             a_fieldset_leaving_proxies_out_loads_none);
    TS_TCASE(s, "foreign_keys", fk_start, fk_stop, 60, composite_keys_into_and_out_of_a_joined_table);
    TS_TCASE(s, "scoped_keys", sk_start, sk_stop, 60, a_joined_levels_composite_key_meets_the_row_filter);
    return s;
}
