/* test_access.c: access control (SPEC §6) over HTTP on both backends,
 * organised as OWASP API Security Top 10 (2023) items, on a multi-tenant
 * schema (tests/http/schemas/tenants.json): orgs readable by everyone,
 * projects visible to their owner (row filter on the "sub" claim, admin
 * exempt), tasks visible to their assignee, secrets for admins only.
 *
 *   API1 broken object-level authorization: alice and bob (both "member")
 *        on each other's rows through every path: lists, objects, counts,
 *        keyset cursors, include (given and default), sub-resources,
 *        any/has/every and dotted filters, sort through a to-one outside
 *        the filter (as NULL), batch operations, nested writes; rows outside
 *        are 404, never 403, and a refused write writes nothing.
 *   API3 broken object-property-level authorization: a row filter holds
 *        for the new state of creates and updates (403, nothing written);
 *        replacing a collection leaves members outside it untouched.
 *   API5 broken function-level authorization: methods outside the role
 *        (401 without a token, 403 with one, before any row is looked up),
 *        a resource the role may not read gone from GET /api, _links,
 *        include, filters, sub-resources, nested writes and OpenAPI.
 *   API8/injection: a claim value with SQL in it is a bound parameter.
 * Authentication itself (API2) is test_auth.c's. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

#define SECRET "rt-access-secret-0123456789abcdef-xyz"

static rt_server ten;
/* Who sends a case of a table: their token is TOKEN[who] (ANON: none). */
enum { ANON, ALICE, BOB, ADMIN, NOROLE, NOSUB, INJECT, NWHO };
static char *TOKEN[NWHO];

static void ten_start(void)
{
    TOKEN[ALICE] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'alice'}");
    TOKEN[BOB] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'bob'}");
    TOKEN[ADMIN] = rt_hs256(SECRET, "{'role': 'admin', 'sub': 'root'}");
    TOKEN[NOROLE] = rt_hs256(SECRET, "{'sub': 'alice'}");
    TOKEN[NOSUB] = rt_hs256(SECRET, "{'role': 'member'}");
    TOKEN[INJECT] = rt_hs256(SECRET, "{'role': 'member', 'sub': 'x%s'}", "\\u0027 OR \\u00271\\u0027=\\u00271");
    static const char *const args[] = {"--jwt-secret", SECRET, "--echo", NULL};
    rt_server_start(&ten, "tests/http/schemas/tenants.json", "tests/http/schemas/tenants.seed.json", args);
}

static void ten_stop(void)
{
    rt_server_stop(&ten);
    for (int i = 0; i < NWHO; i++) free(TOKEN[i]), TOKEN[i] = NULL;
}

/* ------------------------------------------------------------ API1: object level */

START_TEST(each_sees_only_their_rows)
{
    RT_AS_CASES(&ten, TOKEN,
        {ALICE, "/api/projects?fields=id", "data[].id = [1, 3]"},
        {BOB, "/api/projects?fields=id", "data[].id = [2]"},
        {ADMIN, "/api/projects?fields=id", "data[].id = [1, 2, 3]"}, /* exempt */
        {ALICE, "/api/projects?count=exact&fields=id", "meta.total = 2"},
        {ALICE, "/api/projects/1", "name = 'alpha'"},
        {ALICE, "/api/projects/2", "404"}, /* bob's: not found, not forbidden */
        {BOB, "/api/projects/1", "404"},
        {ALICE, "/api/projects/99", "404"}, /* the same answer as a row that is not there */
        {ALICE, "/api/tasks?fields=id", "data[].id = [1, 4, 5]"},
        {BOB, "/api/tasks?fields=id", "data[].id = [2, 3]"},
    );
}
END_TEST

START_TEST(cursors_walk_only_their_rows)
{
    rt_response *r = rt_checked(&ten, rt_as(TOKEN[ALICE], "/api/projects?limit=1&fields=id"), "data[].id = [1]");
    const char *next = rt_json_str(r, "links.next");
    ck_assert_ptr_nonnull(next);
    rt_check(&ten, rt_as(TOKEN[ALICE], next), "data[].id = [3]; !links.next");
    /* a cursor is a position: bob following alice's sees his own rows after it */
    rt_check(&ten, rt_as(TOKEN[BOB], next), "data[].id = [2]");
    rt_response_free(r);
}
END_TEST

START_TEST(relationships_reach_only_their_rows)
{
    RT_AS_CASES(&ten, TOKEN,
        /* include, given and by default (Project.tasks is selectin) */
        {ALICE, "/api/orgs/1?include=projects", "projects[].id = [1]"},
        {BOB, "/api/orgs/1?include=projects", "projects[].id = [2]"},
        {ALICE, "/api/projects/1", "tasks[].id = [1]"}, /* task 2 is bob's */
        {ADMIN, "/api/projects/1", "tasks[].id = [1, 2]"},
        {ALICE, "/api/tasks/5?include=project", "project = null"}, /* on bob's project */
        {ALICE, "/api/tasks?include=project&fields=id", "data[].id = [1, 4, 5]"},
        /* sub-resources */
        {ALICE, "/api/orgs/1/projects", "data[].id = [1]"},
        {ALICE, "/api/projects/1/tasks", "data[].id = [1]"},
        {ALICE, "/api/projects/2/tasks", "404"}, /* the parent is bob's */
        {ALICE, "/api/tasks/5/project", "@body = null"}, /* as a NULL foreign key */
        /* filters: rows outside do not exist for any/has/every/none and dotted paths */
        {ALICE, "/api/orgs?filter={\"projects\": {\"any\": {\"owner\": \"bob\"}}}", "data # 0"},
        {ADMIN, "/api/orgs?filter={\"projects\": {\"any\": {\"owner\": \"bob\"}}}&fields=id", "data[].id = [1]"},
        {ALICE, "/api/orgs?filter={\"projects\": {\"every\": {\"owner\": \"alice\"}}}&fields=id",
         "data[].id = [1, 2]"},
        {ADMIN, "/api/orgs?filter={\"projects\": {\"every\": {\"owner\": \"alice\"}}}&fields=id",
         "data[].id = [2]"},
        {ALICE, "/api/orgs?filter={\"projects\": {\"none\": {}}}&fields=id", "data # 0"},
        {ALICE, "/api/tasks?filter={\"project.owner\": \"bob\"}", "data # 0"},
        {ALICE, "/api/tasks?filter={\"project\": {\"has\": {}}}&fields=id", "data[].id = [1, 4]"},
        {ALICE, "/api/tasks?filter={\"project\": null}&fields=id", "data[].id = [5]"},
        /* a sort through a to-one outside its row filter sorts as NULL (first) */
        {ALICE, "/api/tasks?sort=project.name&fields=id", "data[].id = [5, 1, 4]"},
        {ADMIN, "/api/tasks?sort=-project.name,id&fields=id", "data[].id = [4, 3, 5, 1, 2]"},
    );
}
END_TEST

START_TEST(writes_to_their_rows_only)
{
    RT_AS_CASES(&ten, TOKEN,
        {ALICE, "PATCH /api/projects/2 {'name': 'mine'}", "404; @unchanged"},
        {ALICE, "PUT /api/projects/2 {'name': 'mine', 'owner': 'alice'}", "404; @unchanged"},
        {ALICE, "DELETE /api/projects/2", "404; @unchanged"},
        {ALICE, "DELETE /api/tasks/3", "404; @unchanged"},
        {ALICE, "POST /api/projects/2/tasks {'title': 't', 'assignee': 'alice'}", "404; @unchanged"},
        /* nested: linking or updating a row outside is not found, nothing written */
        {ALICE, "POST /api/projects {'name': 'n', 'owner': 'alice', 'tasks': [{'id': 3}]}", "422 /tasks/0; @unchanged"},
        {ALICE, "PATCH /api/projects/1 {'tasks': [{'id': 1}, {'id': 3, 'title': 'mine'}]}", "422 /tasks/1; @unchanged"},
        {ALICE, "POST /api/tasks {'title': 't', 'assignee': 'alice', 'project': {'id': 2}}", "422 /project; @unchanged"},
        /* a batch: one operation on bob's row and the whole batch writes nothing */
        {ALICE, "POST /api/_batch {'operations': [{'method': 'PATCH', 'path': '/api/projects/1', 'body': "
                   "{'name': 'renamed'}}, {'method': 'DELETE', 'path': '/api/projects/2'}]}",
         "404; @unchanged"},
    );
    rt_check(&ten,
             rt_as(TOKEN[ALICE], "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/projects/2'}]}"),
             "404 /operations/0");
    rt_check(&ten, rt_as(TOKEN[ALICE], "POST /api/_batch {'operations': [{'method': 'GET', 'path': '/api/secrets'}]}"),
             "403 /operations/0");
    rt_check(&ten, rt_as(TOKEN[ADMIN], "/api/projects/2"), "name = 'beta'");
}
END_TEST

/* ------------------------------------------------------------ API3: properties and new state */

START_TEST(new_state_must_stay_inside)
{
    RT_AS_CASES(&ten, TOKEN,
        {ALICE, "POST /api/projects {'name': 'evil', 'owner': 'bob', 'org_id': 1}", "403; @unchanged"},
        {ALICE, "PATCH /api/projects/1 {'owner': 'bob'}", "403; @unchanged"},
        {ALICE, "POST /api/tasks {'title': 't', 'assignee': 'bob', 'project_id': 1}", "403; @unchanged"},
        {ALICE, "POST /api/projects {'name': 'n', 'owner': 'alice', 'tasks': [{'title': 't', 'assignee': 'bob'}]}",
         "403; @unchanged"},
        {ALICE, "POST /api/projects [{'name': 'n1', 'owner': 'alice'}, {'name': 'n2', 'owner': 'bob'}]",
         "403; @unchanged"},
        /* a missing claim matches no row: nothing to see, nothing to write */
        {NOSUB, "/api/projects", "data # 0"},
        {NOSUB, "POST /api/projects {'name': 'n', 'owner': 'alice'}", "403; @unchanged"},
    );
    long long p = rt_create(&ten, "%s",
                            rt_as(TOKEN[ALICE], "POST /api/projects {'name': 'delta', 'owner': 'alice', 'org_id': 2, "
                                                "'tasks': [{'title': 'd1', 'assignee': 'alice'}]}"));
    rt_check(&ten, rt_as(TOKEN[ALICE], rt_fmt("/api/projects/%lld", p)), "tasks[].title = ['d1']");
    rt_check(&ten, rt_as(TOKEN[BOB], rt_fmt("/api/projects/%lld", p)), "404");
    rt_check(&ten, rt_as(TOKEN[ALICE], rt_fmt("DELETE /api/projects/%lld", p)), "204");
}
END_TEST

/* Replacing a collection leaves its members outside the row filter alone:
 * task 2 (bob's) stays on project 1 when alice sets its tasks. */
START_TEST(replacing_a_collection_spares_rows_outside)
{
    long long t = rt_create(&ten, "%s", rt_as(TOKEN[ALICE], "POST /api/tasks {'title': 'new', 'assignee': 'alice'}"));
    rt_check(&ten, rt_as(TOKEN[ALICE], rt_fmt("PATCH /api/projects/1 {'tasks': [{'id': %lld}]}", t)),
             rt_fmt("tasks[].id = [%lld]", t));
    rt_check(&ten, rt_as(TOKEN[ADMIN], "/api/projects/1?fields=id"), rt_fmt("tasks[].id = [2, %lld]", t));
    rt_check(&ten, rt_as(TOKEN[ADMIN], "/api/tasks/1"), "project_id = null"); /* alice's, detached */
    rt_check(&ten, rt_as(TOKEN[ADMIN], "PATCH /api/tasks/1 {'project_id': 1}"), "200");
    rt_check(&ten, rt_as(TOKEN[ADMIN], rt_fmt("DELETE /api/tasks/%lld", t)), "204");
}
END_TEST

/* ------------------------------------------------------------ API5: function level */

START_TEST(methods_outside_the_role)
{
    RT_AS_CASES(&ten, TOKEN,
        {ANON, "/api/orgs?fields=id", "data[].id = [1, 2]"},              /* anonymous may read orgs */
        {ANON, "POST /api/orgs {'name': 'x'}", "401; @WWW-Authenticate = Bearer; @unchanged"},
        {ANON, "/api/projects", "401; @WWW-Authenticate = Bearer"},
        {ANON, "/api/projects/99", "401"},                                  /* before any row is looked up */
        {ALICE, "POST /api/orgs {'name': 'x'}", "403; !@WWW-Authenticate; @unchanged"},
        {ALICE, "DELETE /api/orgs/1", "403; @unchanged"},
        {ALICE, "/api/secrets", "403"},
        {ALICE, "/api/secrets/99", "403"},                        /* whether the row exists or not */
        {NOROLE, "/api/projects", "403"},                         /* a token, a role not named */
        {NOROLE, "/api/orgs?fields=id", "data[].id = [1, 2]"},    /* no role claim: anonymous */
        {ADMIN, "/api/secrets?fields=id", "data[].id = [1, 2]"},
    );
    long long o = rt_create(&ten, "%s", rt_as(TOKEN[ADMIN], "POST /api/orgs {'name': 'initech'}"));
    rt_check(&ten, rt_as(TOKEN[ADMIN], rt_fmt("DELETE /api/orgs/%lld", o)), "204");
}
END_TEST

START_TEST(unreadable_resources_disappear)
{
    RT_AS_CASES(&ten, TOKEN,
        {ANON, "/api", "resources[].name = ['orgs']; resources.0.relationships # 0"},
        {ALICE, "/api", "resources[].name = ['orgs', 'projects', 'tasks']"},
        {ADMIN, "/api", "resources[].name = ['orgs', 'projects', 'tasks', 'secrets']"},
        {ALICE, "/api/projects/1", "_links.org; !_links.secrets; !secrets"},
        {ADMIN, "/api/projects/1", "_links.secrets"},
        {ALICE, "/api/projects/1?include=secrets", "400 /query/include"},
        {ALICE, "/api/projects?filter={\"secrets\": {\"any\": {}}}", "400 /filter/secrets"},
        {ALICE, "/api/projects?filter={\"secrets.note\": \"x\"}", "400 /filter/secrets.note"},
        {ALICE, "/api/projects/1/secrets", "404"},
        {ALICE, "POST /api/projects {'name': 'n', 'owner': 'alice', 'secrets': [{'note': 'x'}]}",
         "400 /secrets; @unchanged"},
        {ANON, "/api/orgs/1?include=projects", "400 /query/include"},      /* anonymous may not read projects */
        {ANON, "/api/orgs/1", "!_links.projects"},
    );
    rt_response *r =
        rt_checked(&ten, rt_as(TOKEN[ALICE], "/openapi.json"), "paths./api/projects; components.schemas.Project");
    ck_assert_ptr_null(rt_json_at(r, "paths./api/secrets"));
    ck_assert_ptr_null(rt_json_at(r, "components.schemas.Secret"));
    ck_assert_ptr_null(rt_json_at(r, "components.schemas.Project.properties.secrets"));
    rt_response_free(r);
    r = rt_checked(&ten, "/openapi.json", "paths./api/orgs");
    ck_assert_ptr_null(rt_json_at(r, "paths./api/projects"));
    rt_response_free(r);
}
END_TEST

/* ------------------------------------------------------------ injection */

/* A claim with SQL in it is one bound value: no row matches, and the SQL
 * text the server ran never contains it. */
START_TEST(claims_are_bound_parameters)
{
    rt_check(&ten, rt_as(TOKEN[INJECT], "/api/projects"), "data # 0");
    rt_check(&ten, rt_as(TOKEN[INJECT], "POST /api/projects {'name': 'n', 'owner': 'alice'}"), "403; @unchanged");
    char *log = rt_server_log(&ten);
    int placeholders = 0;
    for (const char *p = strstr(log, "\"owner\" = "); p; p = strstr(p + 1, "\"owner\" = ")) {
        char c = p[strlen("\"owner\" = ")];
        ck_assert_msg(c == '?' || c == '$', "the owner is compared with something else than a parameter: %.60s", p);
        placeholders++;
    }
    ck_assert_int_gt(placeholders, 0);
    ck_assert_ptr_null(strstr(log, "OR '1'='1' ")); /* never in the SQL text (only in the logged parameters) */
    free(log);
}
END_TEST

Suite *http_access_suite(void)
{
    Suite *s = suite_create("http_access");
    TS_TCASE(s, "tenants", ten_start, ten_stop, 60, each_sees_only_their_rows, cursors_walk_only_their_rows,
             relationships_reach_only_their_rows, writes_to_their_rows_only, new_state_must_stay_inside,
             replacing_a_collection_spares_rows_outside, methods_outside_the_role, unreadable_resources_disappear,
             claims_are_bound_parameters);
    return s;
}
