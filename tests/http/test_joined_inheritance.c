/* test_joined_inheritance.c: joined-table inheritance mixed with
 * single-table levels (SPEC §9) on both backends.
 *
 * joined.json is schemas/inheritance.json (the seed documents'
 * examples/inheritance joined.py and single.py): Person in people (the
 * discriminator "type"); Engineer and Manager each with a table of its own
 * (joined); Principal under Engineer and Intern under Person single-table
 * (their columns in engineers and people); Director under Manager joined
 * again (directors), so a director's row spans three tables. Person has
 * badges, Engineer machines (both delete-orphan): cascades at two levels.
 * Manager's key and one column have SQL names of their own ("column":
 * managers.person_id, mgr_name), referred to by directors' key.
 *
 * Checked: a page of any resource is one statement and its rows are
 * polymorphic; a subclass resource filters and sorts on inherited
 * columns; another branch's row is 404 and a sibling's column 400; a
 * relationship to a joined subclass reaches only its rows; a POST writes
 * one row per table of its class and nothing else; a PATCH updates only
 * the tables whose columns change (statement counts); a DELETE through
 * any resource removes the row from every table, with the cascades of
 * every level; GET /api and /openapi.json describe the hierarchy. */
#include <check.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"
#include "tests/support/rt_jwt.h"

static rt_server j;

RT_FIXTURE(j, "tests/http/schemas/joined.json", "tests/http/schemas/joined.seed.json", NULL)

/* Rows of the key in each table of s, "people,engineers,managers,directors". */
static void assert_rows(const rt_server *s, long long id, const char *want)
{
    static const char *const tables[] = {"people", "engineers", "managers", "directors"};
    char got[64] = "";
    for (size_t i = 0; i < 4; i++) {
        const char *key = s == &j && i == 2 ? "person_id" : "id"; /* joined.json names managers' key apart */
        long long n = rt_db_int(s, rt_fmt("SELECT count(*) FROM %s WHERE %s = %lld", tables[i], key, id));
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? "," : "", n);
    }
    ck_assert_msg(strcmp(got, want) == 0, "rows of %lld in people,engineers,managers,directors: %s, not %s", id,
                  got, want);
}

static void assert_levels(long long id, const char *want) { assert_rows(&j, id, want); }

START_TEST(a_page_is_one_polymorphic_statement)
{
    RT_CASES(&j,
        {"/api/people?fields=id,type",
         "data[].type = ['person', 'engineer', 'engineer', 'principal', 'manager', 'director', 'intern']; "
         "@queries = 1"},
        {"/api/people",
         "data[].id = [1, 2, 3, 4, 5, 6, 7]; @queries = 1; data.3.tier = 2; data.3.primary_language = 'cobol'; "
         "data.3._links.self = '/api/principals/4'; data.5.budget = 1000; data.5.status = 'ZZZ'; "
         "data.5._links.self = '/api/directors/6'; data.6.school = 'MIT'; !data.0.status; !data.4.budget"},
        {"/api/engineers?fields=id", "data[].id = [2, 3, 4]; @queries = 1"},
        {"/api/managers?fields=id", "data[].id = [5, 6]"},
        {"/api/engineers?count=exact&fields=id", "meta.total = 3"},
        /* each row its own class's columns and relationship links, whichever resource lists it */
        {"/api/people/4", "type = 'principal'; engineer_name = 'engineer3'; tier = 2; "
                          "_links.machines = '/api/principals/4/machines'; !manager_name"},
        {"/api/managers/6", "type = 'director'; manager_name = 'director1'; budget = 1000; "
                            "_links.self = '/api/directors/6'; !engineer_name"},
        {"/api/people/1", "type = 'person'; !status; !_links.machines"},
        /* a subclass names inherited columns, at any level */
        {"/api/engineers?filter={\"name\": \"asok\"}&fields=id", "data[].id = [4]"},
        {"/api/principals?filter={\"company_id\": 2, \"primary_language\": \"cobol\"}&fields=id", "data[].id = [4]"},
        {"/api/engineers?sort=-primary_language&fields=id", "data[].id = [3, 2, 4]"},
        {"/api/directors?filter={\"status\": \"ZZZ\"}&sort=name&fields=id,status,budget",
         "data[].id = [6]; data.0.budget = 1000"},
        {"/api/engineers?fields=name,status&sort=id", "data[].status = ['BBB', 'CGG', 'BBD']"},
        {"/api/managers?fields=status&sort=id", "data[].status = ['AAB', 'ZZZ']"},
        /* another branch's row */
        {"/api/engineers/5", "404"},
        {"/api/managers/2", "404"},
        {"/api/principals/2", "404"},
        {"/api/directors/5", "404"},
        /* a subclass's or sibling's column */
        {"/api/people?filter={\"status\": \"BBB\"}", "400"},
        {"/api/managers?sort=engineer_name", "400"},
        {"/api/engineers?fields=budget", "400"},
        {"/api/managers?filter={\"tier\": 2}", "400"},
        /* a relationship to a joined subclass reaches its class and descendants only */
        {"/api/companies/1/engineers?fields=id", "data[].id = [2, 3]"},
        {"/api/companies/2/engineers?fields=id&count=exact", "data[].id = [4]; meta.total = 1"},
        {"/api/companies?filter={\"engineers\": {\"any\": {\"primary_language\": \"cobol\"}}}&fields=id",
         "data[].id = [2]"},
        {"/api/companies/2?include=engineers", "engineers[].id = [4]; engineers.0.tier = 2"},
        {"/api/machines/2/engineer", "id = 4; type = 'principal'"},
        {"/api/machines?filter={\"engineer\": {\"has\": {\"name\": \"dilbert\"}}}&fields=id", "data[].id = [1]"},
        {"/api/engineers/2?include=machines", "machines[].id = [1]"},
        {"/api/principals/4/machines?fields=name", "data[].name = ['pc-4']"},
    );
}
END_TEST

START_TEST(a_post_writes_one_row_per_table_of_its_class)
{
    long long p = rt_create(&j, "POST /api/principals {'name': 'neo', 'company_id': 1, 'engineer_name': 'e9', "
                                "'tier': 3, 'machines': [{'name': 'm9'}], 'badges': [{'code': 'N'}]}");
    assert_levels(p, "1,1,0,0");
    rt_assert_sql(&j, "neo|principal|1", "SELECT name || '|' || type || '|' || CAST(company_id AS TEXT) FROM people WHERE id = %lld", p);
    rt_assert_sql(&j, "e9|3", "SELECT engineer_name || '|' || CAST(tier AS TEXT) FROM engineers WHERE id = %lld", p);
    rt_assert_sql(&j, "m9", "SELECT name FROM machines WHERE engineer_id = %lld", p);
    rt_check(&j, rt_fmt("/api/people/%lld", p), rt_fmt("type = 'principal'; tier = 3; _links.self = '/api/principals/%lld'", p));

    long long d = rt_create(&j, "POST /api/directors {'name': 'dd', 'company_id': 1, 'status': 'S', "
                                "'manager_name': 'mm', 'budget': 5}");
    assert_levels(d, "1,0,1,1");
    rt_assert_sql(&j, "S|mm", "SELECT status || '|' || mgr_name FROM managers WHERE person_id = %lld", d);
    rt_assert_sql(&j, "5", "SELECT CAST(budget AS TEXT) FROM directors WHERE id = %lld", d);

    long long i = rt_create(&j, "POST /api/interns {'name': 'ii', 'company_id': 2, 'school': 'KTH'}");
    assert_levels(i, "1,0,0,0");
    rt_assert_sql(&j, "intern|KTH", "SELECT type || '|' || school FROM people WHERE id = %lld", i);

    long long m = rt_create(&j, "POST /api/managers {'name': 'mo', 'company_id': 2, 'status': 'Q'}");
    assert_levels(m, "1,0,1,0");

    /* the discriminator is set on create and read-only; a sibling's column is no field */
    rt_check_refused(&j, "POST /api/directors {'name': 'x', 'company_id': 1, 'type': 'manager'}", "400");
    rt_check_refused(&j, "POST /api/principals {'name': 'x', 'company_id': 1, 'budget': 1}", "400");
    rt_check_refused(&j, "POST /api/managers {'name': 'x', 'company_id': 1, 'school': 'y'}", "400");
    rt_check_refused(&j, rt_fmt("PATCH /api/directors/%lld {'type': 'manager'}", d), "400");
}
END_TEST

START_TEST(a_patch_updates_only_the_tables_it_changes)
{
    long long d = rt_create(&j, "POST /api/directors {'name': 'pd', 'company_id': 1, 'status': 'A', "
                                "'manager_name': 'pm', 'budget': 1}");
    /* load + one UPDATE per changed table */
    RT_CASES_AT(&j, rt_fmt("/api/directors/%lld", d),
        {"PATCH %s {'budget': 2}", "budget = 2; @queries = 2"},
        {"PATCH %s {'status': 'B'}", "status = 'B'; @queries = 2"},
        {"PATCH %s {'name': 'pe'}", "name = 'pe'; @queries = 2"},
        {"PATCH %s {'name': 'pf', 'status': 'C', 'budget': 3}", "name = 'pf'; status = 'C'; budget = 3; @queries = 4"},
        {"PATCH %s {'budget': 3}", "budget = 3; @queries = 1"},
    );
    rt_check_refused(&j, rt_fmt("PATCH /api/managers/%lld {'name': 'pf', 'budget': 3}", d), "400");
    rt_assert_sql(&j, "pf|C|3",
                  "SELECT p.name || '|' || m.status || '|' || CAST(d.budget AS TEXT) FROM people p, managers m, "
                  "directors d WHERE p.id = %lld AND m.person_id = p.id AND d.id = p.id", d);
    rt_check(&j, rt_fmt("PUT /api/directors/%lld {'name': 'pg', 'company_id': 1, 'status': 'C', "
                        "'manager_name': 'pm', 'budget': 4}", d), "name = 'pg'; budget = 4");
    assert_levels(d, "1,0,1,1");
}
END_TEST

START_TEST(a_delete_removes_every_level_with_its_cascades)
{
    long long p = rt_create(&j, "POST /api/principals {'name': 'del', 'company_id': 1, 'tier': 1, "
                                "'machines': [{'name': 'dm1'}, {'name': 'dm2'}], 'badges': [{'code': 'D'}]}");
    /* another branch's resource does not reach it */
    rt_check_refused(&j, rt_fmt("DELETE /api/managers/%lld", p), "404");
    rt_check(&j, rt_fmt("DELETE /api/people/%lld", p), "204");
    assert_levels(p, "0,0,0,0");
    rt_assert_sql(&j, "0", "SELECT count(*) FROM machines WHERE engineer_id = %lld", p);
    rt_assert_sql(&j, "0", "SELECT count(*) FROM badges WHERE person_id = %lld", p);

    long long d = rt_create(&j, "POST /api/directors {'name': 'dd', 'company_id': 1, 'budget': 1, "
                                "'badges': [{'code': 'E'}]}");
    rt_check(&j, rt_fmt("DELETE /api/managers/%lld", d), "204");
    assert_levels(d, "0,0,0,0");
    rt_assert_sql(&j, "0", "SELECT count(*) FROM badges WHERE person_id = %lld", d);
    rt_check(&j, rt_fmt("/api/people/%lld", d), "404");

    /* a company's delete-orphan cascade reaches each person's levels and their own cascades */
    rt_check(&j, "DELETE /api/companies/2", "204");
    assert_levels(4, "0,0,0,0");
    assert_levels(6, "0,0,0,0");
    assert_levels(7, "0,0,0,0");
    assert_levels(5, "1,0,1,0");
    rt_assert_sql(&j, "0", "SELECT count(*) FROM people WHERE company_id = 2");
    rt_assert_sql(&j, "0", "SELECT count(*) FROM machines WHERE engineer_id = 4");
    rt_assert_sql(&j, "0", "SELECT count(*) FROM badges WHERE person_id IN (4, 6)");
    rt_assert_foreign_keys(&j);
}
END_TEST

/* joined_scoped.json: joined.json with a row filter on Engineer over a
 * column of its own level (engineers.status = the token's sub): the
 * flush's UPDATE and DELETE of the root table check it over the span. */
#define SECRET "joined-inheritance-secret-0123456789abcdef"
static rt_server sc;
static char *member;

static void sc_start(void)
{
    static const char *const args[] = {"--jwt-secret", SECRET, NULL};
    member = rt_hs256(SECRET, "{'role': 'member', 'sub': 'BBB'}");
    rt_server_start(&sc, "tests/http/schemas/joined_scoped.json", "tests/http/schemas/joined.seed.json", args);
}

static void sc_stop(void)
{
    rt_server_stop(&sc);
    free(member);
}

START_TEST(a_row_filter_on_a_level_holds_for_every_write)
{
    rt_check(&sc, rt_as(member, "/api/engineers?fields=id"), "data[].id = [2]");
    rt_check_refused(&sc, rt_as(member, "DELETE /api/engineers/3"), "404");
    rt_check(&sc, rt_as(member, "PATCH /api/engineers/2 {'name': 'dil'}"), "name = 'dil'; status = 'BBB'");
    rt_check_refused(&sc, rt_as(member, "PATCH /api/engineers/2 {'status': 'ZZZ'}"), "403");
    rt_check(&sc, rt_as(member, "DELETE /api/engineers/2"), "204");
    assert_rows(&sc, 2, "0,0,0,0");
    assert_rows(&sc, 3, "1,1,0,0");
    rt_assert_sql(&sc, "0", "SELECT count(*) FROM machines WHERE engineer_id = 2");
}
END_TEST

/* Document (documents, with the version column and an "onupdate" one)
 * and Report (reports): a change to a subclass's column alone still
 * increments and checks the version, in the root table, which sets its
 * onupdate column. */
START_TEST(the_version_is_the_root_tables_for_every_level)
{
    long long r = rt_create(&j, "POST /api/reports {'title': 'q1', 'pages': 10}");
    rt_assert_sql(&j, "1|report", "SELECT CAST(version AS TEXT) || '|' || kind FROM documents WHERE id = %lld", r);
    rt_db_exec(&j, rt_fmt("UPDATE documents SET updated = '2000-01-01 00:00:00' WHERE id = %lld", r));
    RT_CASES_AT(&j, rt_fmt("/api/reports/%lld", r),
        {"PATCH %s {'pages': 11, 'version': 1}", "pages = 11; version = 2; @ETag = \"v2\"; @queries = 3"},
        {"PATCH %s {'pages': 12, 'version': 1}", "409"},
        {"PATCH %s {'title': 'q2', 'pages': 12}", "title = 'q2'; pages = 12; version = 3; @queries = 3"},
    );
    rt_check(&j, rt_fmt("/api/documents/%lld", r), rt_fmt("version = 3; pages = 12; _links.self = '/api/reports/%lld'", r));
    rt_assert_sql(&j, "3|12", "SELECT CAST(d.version AS TEXT) || '|' || CAST(r.pages AS TEXT) FROM documents d, "
                              "reports r WHERE d.id = %lld AND r.id = d.id", r);
    /* the root's UPDATE (its version) sets its "onupdate" column too */
    rt_assert_sql(&j, "1", "SELECT count(*) FROM documents WHERE id = %lld AND updated IS NOT NULL AND "
                           "CAST(updated AS TEXT) NOT LIKE '2000-%%'", r);
    rt_check(&j, rt_fmt("DELETE /api/documents/%lld", r), "204");
    rt_assert_sql(&j, "0", "SELECT count(*) FROM reports WHERE id = %lld", r);
    rt_assert_sql(&j, "0", "SELECT count(*) FROM documents WHERE id = %lld", r);
}
END_TEST

START_TEST(the_index_and_openapi_describe_the_hierarchy)
{
    RT_CASES(&j,
        {"/api", "resources[].name = ['companies', 'people', 'engineers', 'principals', 'managers', 'directors', "
                 "'interns', 'badges', 'documents', 'reports', 'machines']; !resources.0.inheritance; "
                 "!resources.7.inheritance; resources.9.inheritance.parent = 'documents'"},
        {"/api", "resources.1.inheritance = {'parent': null, 'polymorphic_on': 'type', 'polymorphic_identity': "
                 "'person', 'subclasses': ['engineers', 'managers', 'interns']}"},
        {"/api", "resources.3.inheritance = {'parent': 'engineers', 'polymorphic_on': 'type', "
                 "'polymorphic_identity': 'principal', 'subclasses': []}; "
                 "resources.5.inheritance.parent = 'managers'; resources.4.inheritance.subclasses = ['directors']"},
        /* the columns and relationships it may be filtered on: own and inherited ones; the discriminator read-only */
        {"/api", "resources.5.columns[].name = ['id', 'company_id', 'name', 'type', 'status', 'manager_name', 'budget']; "
                 "resources.5.columns.3.read_only = true; resources.5.columns.4.read_only = false; "
                 "resources.3.relationships[].name = ['machines', 'company', 'badges']"},
        {"/api", "resources.2.columns[].name = ['id', 'company_id', 'name', 'type', 'status', 'engineer_name', "
                 "'primary_language']"},
        /* OpenAPI: a subclass is allOf [its parent, what it adds]; a class with subclasses answers anyOf */
        {"/openapi.json", "components.schemas.Director.allOf.0 = {'$ref': '#/components/schemas/Manager'}; "
                          "components.schemas.Director.allOf.1.properties.budget.format = 'int32'; "
                          "!components.schemas.Director.allOf.1.properties.status; "
                          "components.schemas.Engineer.allOf.1.properties.machines.type = 'array'; "
                          "components.schemas.Person.properties.type.readOnly = true; "
                          "!components.schemas.Person.allOf"},
        {"/openapi.json", "paths./api/managers/{id}.get.responses.200.content.application/json.schema = "
                          "{'anyOf': [{'$ref': '#/components/schemas/Manager'}, {'$ref': '#/components/schemas/Director'}], "
                          "'discriminator': {'propertyName': 'type', 'mapping': {'manager': '#/components/schemas/Manager', "
                          "'director': '#/components/schemas/Director'}}}"},
        {"/openapi.json", "paths./api/people.get.responses.200.content.application/json.schema.properties.data.items.anyOf # 6; "
                          "paths./api/directors/{id}.get.responses.200.content.application/json.schema = "
                          "{'$ref': '#/components/schemas/Director'}"},
    );
}
END_TEST

Suite *http_joined_inheritance_suite(void)
{
    Suite *s = suite_create("http_joined_inheritance");
    TS_TCASE(s, "row_filter", sc_start, sc_stop, 60, a_row_filter_on_a_level_holds_for_every_write);
    TS_TCASE(s, "joined", j_start, j_stop, 60,
             a_page_is_one_polymorphic_statement,
             a_post_writes_one_row_per_table_of_its_class,
             a_patch_updates_only_the_tables_it_changes,
             a_delete_removes_every_level_with_its_cascades,
             the_version_is_the_root_tables_for_every_level,
             the_index_and_openapi_describe_the_hierarchy);
    return s;
}
