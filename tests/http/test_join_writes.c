/* test_join_writes.c: writing through a relationship whose join has a
 * "where" (SPEC §9, fixes to §2/§3), on both backends
 * (tests/http/schemas/where_write.json: an account's billing and shipping
 * addresses are one table told apart by "kind"). A nested create or link,
 * or POST /api/{res}/{id}/{rel}, sets the columns the "where" fixes by
 * equality, as it sets the foreign key (before, the kind was left NULL and
 * the INSERT failed); a body value contradicting it, or a "where" writing
 * cannot meet (like), is 422 at the row's pointer, nothing written. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server ww;

RT_FIXTURE(ww, "tests/http/schemas/where_write.json", NULL, NULL)

START_TEST(writes_set_what_the_where_fixes)
{
    long long a = rt_create(&ww, "POST /api/accounts {'name': 'acme', 'billing': [{'street': 'Main 1'}], "
                                 "'shipping': [{'street': 'Dock 2'}, {'street': 'Dock 3', 'kind': 'shipping'}]}");
    rt_check(&ww, rt_fmt("/api/accounts/%lld?include=billing,shipping", a),
             "billing[].kind = ['billing']; shipping[].street = ['Dock 2', 'Dock 3']; shipping[].kind = ['shipping', 'shipping']");
    rt_check(&ww, rt_fmt("POST /api/accounts/%lld/billing {'street': 'Main 9'}", a), "201 kind = 'billing'");
    rt_assert_sql(&ww, "2", "SELECT count(*) FROM addresses WHERE kind = 'billing' AND account_id = %lld", a);
    /* linking an existing row sets it too */
    long long loose = rt_create(&ww, "POST /api/addresses {'kind': 'shipping', 'street': 'Loose'}");
    rt_check(&ww, rt_fmt("PATCH /api/accounts/%lld {'billing': [{'id': %lld}]}", a, loose), "billing # 1");
    rt_check(&ww, rt_fmt("/api/addresses/%lld", loose), rt_fmt("kind = 'billing'; account_id = %lld", a));
}
END_TEST

START_TEST(contradictions_are_refused)
{
    long long a = rt_create(&ww, "POST /api/accounts {'name': 'globex'}");
    RT_CASES_AT(&ww, rt_fmt("%lld", a),
        {"POST /api/accounts {'name': 'x', 'billing': [{'street': 's', 'kind': 'shipping'}]}",
         "422 /billing/0; @unchanged"},
        {"POST /api/accounts/%s/shipping {'street': 's', 'kind': 'billing'}", "422; @unchanged"},
        {"POST /api/accounts {'name': 'x', 'a_streets': [{'street': 'Avenue', 'kind': 'billing'}]}",
         "422 /a_streets/0; @unchanged"},
    );
}
END_TEST

Suite *http_join_writes_suite(void)
{
    Suite *s = suite_create("http_join_writes");
    TS_TCASE(s, "where_write", ww_start, ww_stop, 60, writes_set_what_the_where_fixes, contradictions_are_refused);
    return s;
}
