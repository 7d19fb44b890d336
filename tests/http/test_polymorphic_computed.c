/* test_polymorphic_computed.c: computed attributes and named checks in a
 * joined-table hierarchy (SPEC §9) on both backends.
 *
 * polycomp.json: Staff in staff (discriminator "kind") with a count of its
 * badges and a concat expression; Contractor under it single-table;
 * Engineer joined (engineers) with a count of its machines and an
 * expression over an inherited and an own column (salary + bonus); Lead
 * under Engineer single-table. staff and engineers each have a check.
 *
 * Checked: a page of polymorphic rows with every computed attribute is one
 * statement (two with one selectin include), each row with its values and
 * a subclass's attributes absent from other classes' rows; the subclass
 * resource filters, sorts and pages on them; a POST or PATCH of a joined
 * class breaking its own table's check or its root table's is 422 at the
 * column, naming the check, and writes nothing; GET /api and /openapi.json
 * describe a subclass's computed attributes. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"

static rt_server pc;

RT_FIXTURE(pc, "tests/http/schemas/polycomp.json", "tests/http/schemas/polycomp.seed.json", NULL)

START_TEST(a_polymorphic_page_with_computed_attributes_is_one_statement)
{
    RT_CASES(&pc,
        {"/api/staff",
         "data[].kind = ['staff', 'contractor', 'engineer', 'engineer', 'lead']; "
         "data[].badge_count = [1, 0, 2, 0, 1]; "
         "data[].label = ['ann/staff', 'bob/contractor', 'cid/engineer', 'dee/engineer', 'eve/lead']; "
         "data.2.machine_count = 1; data.2.pay = 220; data.3.machine_count = 0; data.3.pay = 300; "
         "data.4.machine_count = 3; data.4.pay = 450; data.4.reports = 2; "
         "!data.0.pay; !data.0.machine_count; !data.1.pay; !data.1.machine_count; @queries = 1"},
        {"/api/staff?include=badges",
         "data[].badge_count = [1, 0, 2, 0, 1]; data.2.badges[].code = ['C1', 'C2']; data.4.pay = 450; @queries = 2"},
        {"/api/engineers", "data[].id = [3, 4, 5]; data[].pay = [220, 300, 450]; "
                           "data[].machine_count = [1, 0, 3]; data[].badge_count = [2, 0, 1]; @queries = 1"},
        {"/api/teams/2?include=members", "members[].id = [4, 5]; members.1.pay = 450; members.1.machine_count = 3; "
                                         "members.0.badge_count = 0; @queries = 2"},
        {"/api/engineers/5?fields=pay,machine_count,label", "pay = 450; machine_count = 3; label = 'eve/lead'; "
                                                             "!bonus; @queries = 1"},
        {"/api/staff/2?fields=label,badge_count", "label = 'bob/contractor'; badge_count = 0"},
        /* GET /api and /openapi.json: a subclass's computed attributes as written, read-only */
        {"/api", "resources.3.name = 'engineers'; resources.3.columns[].name = ['id', 'team_id', 'name', 'kind', "
                 "'salary', 'badge_count', 'label', 'level', 'bonus', 'machine_count', 'pay']; "
                 "resources.3.columns.10.computed = {'add': [{'$col': 'salary'}, {'$col': 'bonus'}]}"},
        {"/openapi.json", "components.schemas.Engineer.allOf.1.properties.pay.readOnly = true; "
                          "components.schemas.Engineer.allOf.1.properties.machine_count.readOnly = true; "
                          "!components.schemas.Engineer.allOf.1.properties.label"},
    );
}
END_TEST

START_TEST(a_subclass_resource_filters_and_sorts_on_them)
{
    /* pages in the order of a computed attribute, through the cursor */
    rt_response *r = rt_checked(&pc, "/api/engineers?sort=-pay&limit=2&fields=id", "data[].id = [5, 4]");
    const char *next = rt_json_str(r, "links.next");
    ck_assert_ptr_nonnull(next);
    rt_check(&pc, next, "data[].id = [3]; !links.next");
    rt_response_free(r);
    RT_CASES(&pc,
        {"/api/engineers?filter={\"machine_count\": {\"gt\": 0}}&fields=id", "data[].id = [3, 5]; @queries = 1"},
        {"/api/engineers?filter={\"pay\": {\"ge\": 300}}&sort=machine_count&fields=id", "data[].id = [4, 5]"},
        {"/api/engineers?sort=-pay&fields=id,pay", "data[].id = [5, 4, 3]; data[].pay = [450, 300, 220]"},
        {"/api/engineers?sort=-machine_count,id&fields=id", "data[].id = [5, 3, 4]"},
        {"/api/engineers?filter={\"badge_count\": 0}&fields=id", "data[].id = [4]"},
        {"/api/leads?filter={\"pay\": 450, \"machine_count\": 3}&fields=id", "data[].id = [5]"},
        {"/api/staff?filter={\"label\": {\"like\": \"%/engineer\"}}&fields=id", "data[].id = [3, 4]"},
        {"/api/engineers?count=exact&filter={\"machine_count\": {\"ge\": 1}}&fields=id", "meta.total = 2"},
        /* a subclass's attribute is no field of its parent's resource */
        {"/api/staff?filter={\"pay\": 1}", "400"},
        {"/api/contractors?sort=machine_count", "400"},
    );
}
END_TEST

START_TEST(every_level_checks_the_row_before_the_write)
{
    RT_CASES(&pc,
        {"POST /api/engineers {'name': 'x', 'level': 9}",
         "422 /level; errors.0.message = 'the Engineer would break the check ck_engineers_level'; @unchanged"},
        {"POST /api/leads {'name': 'x', 'salary': -1, 'level': 2}",
         "422 /salary; errors.0.message = 'the Lead would break the check ck_staff_salary'; @unchanged"},
        {"POST /api/engineers {'name': 'x', 'level': 0, 'salary': -1}", "422; @unchanged"},
        {"PATCH /api/engineers/3 {'level': 0}",
         "422 /level; errors.0.message = 'the Engineer would break the check ck_engineers_level'; @unchanged"},
        {"PATCH /api/leads/5 {'salary': -5}",
         "422 /salary; errors.0.message = 'the Lead would break the check ck_staff_salary'; @unchanged"},
        {"PATCH /api/engineers/5 {'level': 6}",
         "422 /level; errors.0.message = 'the Lead would break the check ck_engineers_level'; @unchanged"},
        /* a nested new row: the pointer is under its body object */
        {"POST /api/teams {'name': 't', 'members': [{'name': 'y'}, {'name': 'y', 'salary': -3}]}",
         "422 /members/1/salary; errors.0.message = 'the Staff would break the check ck_staff_salary'; @unchanged"},
        /* a class without that level is not held to its check */
        {"POST /api/contractors {'name': 'z', 'salary': 5}", "201; !pay; badge_count = 0; label = 'z/contractor'"},
    );
    rt_assert_sql(&pc, "2|200", "SELECT CAST(e.level AS TEXT) || '|' || CAST(s.salary AS TEXT) FROM engineers e, "
                                "staff s WHERE e.id = %d AND s.id = e.id", 3);
    rt_check(&pc, "PATCH /api/engineers/3 {'level': 4, 'bonus': 5}", "level = 4; pay = 205");
    long long e = rt_create(&pc, "POST /api/engineers {'name': 'w', 'salary': 10, 'level': 5}");
    rt_assert_sql(&pc, "5", "SELECT CAST(level AS TEXT) FROM engineers WHERE id = %lld", e);
}
END_TEST

Suite *http_polymorphic_computed_suite(void)
{
    Suite *s = suite_create("http_polymorphic_computed");
    TS_TCASE(s, "polycomp", pc_start, pc_stop, 60,
             a_polymorphic_page_with_computed_attributes_is_one_statement,
             a_subclass_resource_filters_and_sorts_on_them,
             every_level_checks_the_row_before_the_write);
    return s;
}
