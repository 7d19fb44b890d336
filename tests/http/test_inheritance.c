/* test_inheritance.c: inheritance hierarchies (SPEC §9) on both backends.
 *
 * company_deep (schemas/company.json with a third level, Principal under
 * Engineer, single-table): a resource lists its class and every
 * descendant (/api/engineers has the principal too) and reads the rows
 * polymorphically (each with its own class's columns and self link);
 * another branch's row is 404; a relationship to a middle class reaches
 * its subclasses' rows. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server deep;

RT_FIXTURE(deep, "tests/http/schemas/company_deep.json", "tests/http/schemas/company_deep.seed.json", NULL)

START_TEST(a_class_lists_its_descendants)
{
    RT_CASES(&deep,
        {"/api/employees?fields=id", "data[].id = [1, 2, 3, 4, 5, 6, 7, 8]"},
        {"/api/engineers?fields=id", "data[].id = [3, 4, 5, 8]"},
        {"/api/engineers?count=exact&fields=id", "meta.total = 4"},
        {"/api/principals?fields=id", "data[].id = [8]"},
        {"/api/managers?fields=id", "data[].id = [2, 7]"},
        /* polymorphic rows: the principal carries its own columns and self link */
        {"/api/engineers/8", "type = 'principal'; tier = 3; engineer_info = 'rust'; _links.self = '/api/principals/8'"},
        {"/api/engineers?filter={\"engineer_info\": \"rust\"}&fields=id", "data[].id = [8]"},
        {"/api/managers/8", "404"},
        {"/api/principals/3", "404"},
        /* a relationship to the middle class reaches the subclass */
        {"/api/companies/1/engineers?fields=id", "data[].id = [3, 4, 8]"},
        {"/api/companies?filter={\"engineers\": {\"any\": {\"name\": \"alice\"}}}&fields=id", "data[].id = [1]"},
        {"/api/companies/1?include=engineers", "engineers[].id = [3, 4, 8]"},
    );
    long long id = rt_create(&deep, "POST /api/principals {'name': 'bob', 'tier': 1, 'company_id': 2}");
    rt_check(&deep, rt_fmt("/api/engineers/%lld", id), "type = 'principal'");
    rt_check(&deep, rt_fmt("DELETE /api/engineers/%lld", id), "204");
}
END_TEST

Suite *http_inheritance_suite(void)
{
    Suite *s = suite_create("http_inheritance");
    TS_TCASE(s, "company_deep", deep_start, deep_stop, 60, a_class_lists_its_descendants);
    return s;
}
