/* test_column_names.c: column names and several entities over one table
 * (SPEC §9), on both backends, over the shipped example
 * (schemas/members.json).
 *
 * Club and Member name their SQL columns apart from their keys ("column":
 * club_no, club_name, member_id, member_name, club_ref): rows are stored
 * under the SQL names (read back from the database directly) while the API
 * (bodies, filters, sort, fields, cursors, error pointers, GET /api,
 * /openapi.json) knows only the keys; Member.club_id is a foreign key to
 * "clubs.id", by key. PublicMember is a view-only projection of Member's
 * table: the public members only ("where": {"public": true} over a hidden
 * column), GET only (405 with Allow otherwise), reached from Club through
 * the view-only public_members; a batch's reads see its earlier writes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_db.h"
#include "tests/support/rt_strs.h"

static rt_server club;

RT_FIXTURE(club, "schemas/members.json", "schemas/members.seed.json", NULL)

/* Filters, sort, fields, cursors, includes and error pointers use keys; a
 * SQL column name is unknown to the API. */
START_TEST(the_api_knows_keys_only)
{
    RT_CASES(&club,
        {"/api/members?filter={\"name\": {\"like\": \"%i%\"}}&sort=-name&fields=name",
         "data[].name = ['dmitri', 'brian']; !data.0.public"},
        {"/api/members?filter={\"club_id\": 1, \"public\": true}", "data[].id = [1, 5]"},
        {"/api/members?sort=club_id,-name&fields=id", "data[].id = [5, 2, 1, 4, 3]"},
        {"/api/clubs/1/members", "data[].name = ['ada', 'brian', 'eve']"},
        {"/api/members/3?include=club", "club.name = 'Rowing'; club.id = 2"},
        {"/api/clubs?filter={\"members.name\": \"chloe\"}", "data[].id = [2]"},
        {"/api/members?filter={\"member_name\": \"ada\"}", "400 /filter/member_name"},
        {"/api/members?sort=member_name", "400 /query/sort"},
        {"/api/members?fields=member_name", "400 /query/fields"},
        {"POST /api/members {'member_name': 'x'}", "400 /member_name; @unchanged"},
        {"POST /api/members {'name': 5}", "400 /name; @unchanged"},
        {"POST /api/members {'club_id': 1}", "422 /name; @unchanged"},
        {"PATCH /api/members/1 {'name': null}", "422 /name; @unchanged"},
        {"POST /api/members {'name': 'ada', 'club_id': 1}", "409; @unchanged"},
        {"POST /api/members {'name': 'x', 'club_id': 99}", "409; @unchanged"},
    );
    /* a keyset cursor over a renamed column */
    rt_response *r = rt_checked(&club, "/api/members?sort=name&limit=2", "data[].id = [1, 2]");
    char *next = strdup(rt_json_str(r, "links.next"));
    rt_response_free(r);
    rt_check(&club, next, "data[].id = [3, 4]");
    free(next);
}
END_TEST

/* The projection lists only the rows its where keeps, everywhere it is read. */
START_TEST(a_projection_reads_its_rows_only)
{
    RT_CASES(&club,
        {"/api/public_members", "data[].id = [1, 3, 5]; !data.0.public; data.0.name = 'ada'"},
        {"/api/public_members/2", "404"},
        {"/api/public_members/1", "name = 'ada'; !public; !club_id"},
        {"/api/public_members/1", "_links.self = '/api/public_members/1'"},
        {"/api/public_members?filter={\"name\": {\"in\": [\"ada\", \"brian\"]}}", "data[].id = [1]"},
        {"/api/public_members?filter={\"public\": false}", "400 /filter/public"},
        {"/api/public_members?sort=-name&limit=2", "data[].name = ['eve', 'chloe']"},
        {"/api/public_members/3/club", "name = 'Rowing'"},
        {"/api/clubs/1/public_members", "data[].id = [1, 5]"},
        /* the owner and the projection of one row in one answer: each shown its own way */
        {"/api/clubs/1?include=members,public_members",
         "members[].id = [1, 2, 5]; members.0.public = true; public_members[].id = [1, 5]; !public_members.0.public; "
         "public_members.0._links.self = '/api/public_members/1'; members.0._links.self = '/api/members/1'"},
        {"/api/clubs?filter={\"public_members\": {\"any\": {\"name\": \"brian\"}}}", "data # 0"},
        {"/api/clubs?filter={\"members\": {\"any\": {\"name\": \"brian\"}}}", "data[].id = [1]"},
    );
}
END_TEST

START_TEST(a_projection_is_never_written)
{
    RT_REFUSED(&club,
        {"POST /api/public_members {'name': 'x'}", "405; @Allow = GET, HEAD, QUERY, OPTIONS"},
        {"PATCH /api/public_members/1 {'name': 'x'}", "405; @Allow = GET, HEAD, OPTIONS"},
        {"PUT /api/public_members/1 {'name': 'x'}", "405; @Allow = GET, HEAD, OPTIONS"},
        {"DELETE /api/public_members/1", "405; @Allow = GET, HEAD, OPTIONS"},
        {"POST /api/clubs/1/public_members {'name': 'x'}", "405; @Allow = GET, HEAD, OPTIONS"},
        {"PATCH /api/clubs/1 {'public_members': []}", "400 /public_members"},
        {"POST /api/_batch {'operations': [{'method': 'DELETE', 'path': '/api/public_members/1'}]}",
         "405 /operations/0"},
    );
    rt_check(&club, "HEAD /api/public_members/1", "200 @empty");
}
END_TEST

/* In a batch the projection's reads see the earlier operations' writes. */
START_TEST(a_batch_reads_its_own_writes_through_the_projection)
{
    rt_check(&club,
             "POST /api/_batch {'operations': ["
             "{'method': 'GET', 'path': '/api/public_members'},"
             "{'method': 'PATCH', 'path': '/api/members/2', 'body': {'public': true, 'name': 'bryan'}},"
             "{'method': 'GET', 'path': '/api/public_members/2'},"
             "{'method': 'PATCH', 'path': '/api/members/1', 'body': {'public': false}},"
             "{'method': 'GET', 'path': '/api/public_members'}]}",
             "results[].status = [200, 200, 200, 200, 200]; results.0.body.data[].id = [1, 3, 5]; "
             "results.2.body.name = 'bryan'; !results.2.body.public; results.4.body.data[].id = [2, 3, 5]");
    rt_check(&club, "/api/public_members/1", "404");
    rt_assert_sql_list(&club, "2,3,5", "SELECT member_id FROM members WHERE public ORDER BY member_id");
}
END_TEST

START_TEST(api_and_openapi_show_keys_and_the_projection)
{
    rt_check(&club, "/api",
             "resources[].name = ['clubs', 'members', 'public_members']; "
             "resources.1.columns[].name = ['id', 'name', 'public', 'club_id']; !resources.1.viewonly; "
             "resources.2.viewonly = true; resources.2.columns[].name = ['id', 'name']; "
             "resources.0.relationships.1.viewonly = true");
    rt_response *r = rt_checked(&club, "/openapi.json",
                                "components.schemas.PublicMember.properties.name.readOnly = true; "
                                "components.schemas.Member.properties.name.maxLength = 80; "
                                "!components.schemas.Member.properties.member_name");
    ck_assert_ptr_nonnull(rt_json_at(r, "paths./api/public_members.get"));
    ck_assert_ptr_null(rt_json_at(r, "paths./api/public_members.post"));
    ck_assert_ptr_nonnull(rt_json_at(r, "paths./api/public_members/{id}.get"));
    ck_assert_ptr_null(rt_json_at(r, "paths./api/public_members/{id}.patch"));
    ck_assert_ptr_null(rt_json_at(r, "paths./api/public_members/{id}.delete"));
    ck_assert_ptr_nonnull(rt_json_at(r, "paths./api/members.post"));
    rt_response_free(r);
}
END_TEST

/* A seed names the owner's resource: a projection's is refused at start. */
START_TEST(a_projection_is_not_seeded)
{
    rt_server s;
    rt_start o = {.schema = "schemas/members.json", .seed = "tests/http/schemas/members_projection.seed.json"};
    char *err;
    int status;
    ck_assert_int_eq(rt_server_try_start(&s, &o, &err, &status), -1);
    ck_assert_msg(status > 0, "exit status %d", status);
    ck_assert_msg(strstr(err, "\"public_members\" is view-only: seed members"), "seed error: %s", err);
    free(err);
}
END_TEST

/* Writes land in the SQL columns; the answers speak in keys. */
START_TEST(renamed_columns_are_stored_under_their_sql_names)
{
    long long c = rt_create(&club, "POST /api/clubs {'name': 'Go'}");
    rt_assert_sql(&club, "Go", "SELECT club_name FROM clubs WHERE club_no = %lld", c);
    long long id = rt_create(&club, "POST /api/members {'name': 'fay', 'club_id': %lld}", c);
    rt_assert_sql(&club, "fay|Go",
                  "SELECT member_name || '|' || club_name FROM members JOIN clubs ON club_ref = club_no "
                  "WHERE member_id = %lld", id);
    char path[64];
    snprintf(path, sizeof path, "/api/members/%lld", id);
    RT_CASES_AT(&club, path,
        {"PATCH %s {'name': 'faye'}", "name = 'faye'; public = true; !member_name; !club_ref"},
        {"PUT %s {'name': 'fay', 'public': false, 'club_id': 1}", "club_id = 1; public = false"},
        {"%s", "name = 'fay'; club_id = 1"},
    );
    rt_assert_sql(&club, "fay|1", "SELECT member_name || '|' || club_ref FROM members WHERE member_id = %lld", id);
    rt_check(&club, rt_strf("DELETE %s", path), "204");
    rt_check(&club, "DELETE /api/clubs/2", "204");
    /* the new member is gone by its key column, and deleting club 2 set its
     * members' club_ref NULL (on_delete, declared by key) */
    rt_assert_sql_list(&club, "1,2,5", "SELECT member_id FROM members WHERE club_ref IS NOT NULL ORDER BY member_id");
    rt_assert_sql_list(&club, "3,4", "SELECT member_id FROM members WHERE club_ref IS NULL ORDER BY member_id");
}
END_TEST

/* one server, in this order: reads first, then the tests that write */
RT_SUITE(http_column_names_suite, "http_column_names", "members", club_start, club_stop, 60,
         api_and_openapi_show_keys_and_the_projection, the_api_knows_keys_only, a_projection_reads_its_rows_only,
         a_projection_is_never_written, a_batch_reads_its_own_writes_through_the_projection,
         renamed_columns_are_stored_under_their_sql_names, a_projection_is_not_seeded)
