/* test_rel_paths.c: one relationship, one set of rows, whichever way it is
 * reached (issue 10). For every relationship of every resource with a
 * one-column key, in the seeded example and test schemas (plain, custom
 * join, many-to-many, self-referential, single-table inheritance), and for
 * every parent row:
 *   - the sub-resource URL (/api/{res}/{id}/{rel}),
 *   - `include={rel}` on the parent (when the relationship can be included),
 *   - the filter `{rel: {any|has: {pk: T}}}` for every target row T,
 * reach the same target rows. Before, a filter through a relationship to a
 * subclass left out the subclass's identity (company 2 "had" the engineer
 * "temp", a plain employee). Also: a delete detaches children once, not
 * once per relationship over the same key, and a class's resource knows
 * only its own and inherited columns (orm_mapper_column_allows). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

/* A resource of GET /api with a one-column key. */
typedef struct res_info {
    const char *name, *entity, *pk;
    json_t *rels;      /* borrowed from the index document */
} res_info;

static const res_info *by_entity(const res_info *all, size_t n, const char *entity)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i].entity, entity)) return &all[i];
    return NULL;
}

/* Key values (as text) of the objects in a (array of objects | object | null). */
static void collect_keys(const json_t *v, const char *pk, char keys[][32], size_t *n)
{
    *n = 0;
    if (json_is_object(v)) v = json_pack("[O]", v);
    else if (json_is_array(v)) json_incref((json_t *)v);
    else return;
    size_t i;
    json_t *o;
    json_array_foreach(v, i, o) {
        ck_assert_msg(*n < 256, "too many related rows for this test");
        snprintf(keys[(*n)++], 32, "%lld", (long long)json_integer_value(json_object_get(o, pk)));
    }
    json_decref((json_t *)v);
}

static bool has_key(char keys[][32], size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(keys[i], k)) return true;
    return false;
}

static void same_sets(const char *what, char a[][32], size_t na, char b[][32], size_t nb)
{
    ck_assert_msg(na == nb, "%s: %zu rows one way, %zu the other", what, na, nb);
    for (size_t i = 0; i < na; i++) ck_assert_msg(has_key(b, nb, a[i]), "%s: row %s only one way", what, a[i]);
}

static char SUB[256][32], INC[256][32], ALL[256][32], PARENTS[256][32], HIT[256][32];

static void check_relationship(const rt_server *s, const res_info *all, size_t nres, const res_info *res,
                               const json_t *rel, size_t *checked)
{
    const char *name = json_string_value(json_object_get(rel, "name"));
    const char *lazy = json_string_value(json_object_get(rel, "lazy"));
    bool uselist = json_is_true(json_object_get(rel, "uselist"));
    const res_info *target = by_entity(all, nres, json_string_value(json_object_get(rel, "target")));
    if (!target) return; /* a target with a composite key */
    char path[1024];
    size_t nparents, ntargets;
    snprintf(path, sizeof path, "/api/%s?limit=1000&fields=%s", res->name, res->pk);
    rt_response *r = rt_checked(s, path, "@json");
    collect_keys(rt_json_at(r, "data"), res->pk, PARENTS, &nparents);
    rt_response_free(r);
    /* candidate targets: every key of every resource, not only the target
     * resource's rows, so a filter that reaches rows the relationship does
     * not (another class in the same table) is caught */
    ntargets = 0;
    for (size_t i = 0; i < nres; i++) {
        char keys[256][32];
        size_t nk;
        snprintf(path, sizeof path, "/api/%s?limit=1000&fields=%s", all[i].name, all[i].pk);
        r = rt_checked(s, path, "@json");
        collect_keys(rt_json_at(r, "data"), all[i].pk, keys, &nk);
        rt_response_free(r);
        for (size_t k = 0; k < nk; k++)
            if (!has_key(ALL, ntargets, keys[k])) {
                ck_assert_msg(ntargets < 256, "too many keys for this test");
                memcpy(ALL[ntargets++], keys[k], sizeof ALL[0]);
            }
    }
    /* the parents each target row makes match the filter */
    static char matched[256][256][32];
    static size_t nmatched[256];
    for (size_t t = 0; t < ntargets; t++) {
        char *f = rt_jsonf("{'%s': {'%s': {'%s': %s}}}", name, uselist ? "any" : "has", target->pk, ALL[t]);
        char enc[512] = "";
        for (size_t k = 0, o = 0; f[k] && o + 4 < sizeof enc; k++) o += (size_t)sprintf(enc + o, "%%%02X", (unsigned char)f[k]);
        free(f);
        snprintf(path, sizeof path, "/api/%s?limit=1000&fields=%s&filter=%s", res->name, res->pk, enc);
        r = rt_checked(s, path, "@json");
        collect_keys(rt_json_at(r, "data"), res->pk, matched[t], &nmatched[t]);
        rt_response_free(r);
    }
    for (size_t p = 0; p < nparents; p++) {
        char what[256];
        size_t nsub, ninc, nhit = 0;
        snprintf(path, sizeof path, "/api/%s/%s/%s%s", res->name, PARENTS[p], name, uselist ? "?limit=1000" : "");
        r = rt_get(s, path);
        RT_ASSERT_STATUS(r, 200);
        json_t *body = json_loads(r->body, JSON_DECODE_ANY, NULL); /* a to-one may be null */
        ck_assert_msg(body != NULL, "%s: not JSON", r->what);
        collect_keys(uselist ? json_object_get(body, "data") : body, target->pk, SUB, &nsub);
        json_decref(body);
        rt_response_free(r);
        for (size_t t = 0; t < ntargets; t++)
            if (has_key(matched[t], nmatched[t], PARENTS[p])) memcpy(HIT[nhit++], ALL[t], sizeof HIT[0]);
        snprintf(what, sizeof what, "%s %s.%s: sub-resource vs filter", res->name, PARENTS[p], name);
        same_sets(what, SUB, nsub, HIT, nhit);
        if (strcmp(lazy, "dynamic") && strcmp(lazy, "noload")) {
            snprintf(path, sizeof path, "/api/%s/%s?include=%s", res->name, PARENTS[p], name);
            r = rt_checked(s, path, "@json");
            collect_keys(rt_json_at(r, name), target->pk, INC, &ninc);
            rt_response_free(r);
            snprintf(what, sizeof what, "%s %s.%s: sub-resource vs include", res->name, PARENTS[p], name);
            same_sets(what, SUB, nsub, INC, ninc);
        }
        (*checked)++;
    }
}

/* Every relationship of every one-key resource of the schema. */
static void check_schema(const char *schema, const char *seed)
{
    rt_server s;
    rt_server_start(&s, schema, seed, NULL);
    rt_response *idx = rt_checked(&s, "/api", "@json");
    json_t *list = rt_json_at(idx, "resources");
    res_info all[64];
    size_t n = 0, i;
    json_t *res;
    json_array_foreach(list, i, res) {
        const char *pk = NULL;
        int npk = 0;
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(res, "columns"), k, c) {
            if (!json_is_true(json_object_get(c, "primary_key"))) continue;
            npk++;
            if (!strcmp(json_string_value(json_object_get(c, "type")), "integer")) pk = json_string_value(json_object_get(c, "name"));
        }
        if (npk != 1 || !pk || n == 64) continue;
        all[n++] = (res_info){json_string_value(json_object_get(res, "name")),
                              json_string_value(json_object_get(res, "entity")), pk, json_object_get(res, "relationships")};
    }
    size_t checked = 0;
    for (size_t r = 0; r < n; r++) {
        size_t k;
        json_t *rel;
        json_array_foreach(all[r].rels, k, rel) check_relationship(&s, all, n, &all[r], rel, &checked);
    }
    ck_assert_msg(checked > 0, "%s: no relationship was checked", schema);
    rt_response_free(idx);
    rt_server_stop(&s);
}

START_TEST(company_inheritance) { check_schema("schemas/company.json", "schemas/company.seed.json"); }
END_TEST
START_TEST(blog_many_to_many) { check_schema("schemas/blog.json", "schemas/blog.seed.json"); }
END_TEST
START_TEST(graph_custom_joins) { check_schema("schemas/graph.json", "schemas/graph.seed.json"); }
END_TEST
START_TEST(tree_self_referential) { check_schema("schemas/tree.json", "schemas/tree.seed.json"); }
END_TEST
START_TEST(custom_join_with_where) { check_schema("tests/http/schemas/where.json", "tests/http/schemas/where.seed.json"); }
END_TEST
/* joined-table inheritance mixed with single-table levels, at depth 3 */
START_TEST(joined_inheritance) { check_schema("schemas/inheritance.json", "schemas/inheritance.seed.json"); }
END_TEST
START_TEST(joined_inheritance_tests) { check_schema("tests/http/schemas/joined.json", "tests/http/schemas/joined.seed.json"); }
END_TEST
START_TEST(single_table_deep) { check_schema("tests/http/schemas/company_deep.json", "tests/http/schemas/company_deep.seed.json"); }
END_TEST
/* SPEC §10's shop: a dynamic collection, an association table, NULL keys */
START_TEST(shop_every_kind) { check_schema("schemas/shop.json", "schemas/shop.seed.json"); }
END_TEST

/* Sorting through a relationship whose join has a "where": a row whose
 * related row falls outside it sorts as a NULL (order 2's party is a
 * supplier, not a customer), as it reads as null through include. */
START_TEST(sort_through_a_join_where)
{
    rt_server s;
    rt_server_start(&s, "tests/http/schemas/where.json", "tests/http/schemas/where.seed.json", NULL);
    RT_CASES(&s,
        /* NULLs first (supplier, no party), then bob, carol */
        {"/api/orders?sort=customer.name&fields=id", "data[].id = [2,4,3,1]"},
        {"/api/orders/2?include=customer", "customer = null"},
    );
    rt_server_stop(&s);
}
END_TEST

/* A join "where" that goes through another relationship with a "where"
 * (Team.gold_members: people with a gold badge, through Person.gold_badges):
 * its template is compiled after the one it needs. */
START_TEST(custom_join_through_a_join_where)
{
    check_schema("tests/http/schemas/where_nested.json", "tests/http/schemas/where_nested.seed.json");
}
END_TEST

/* Deleting a team detaches only the people its gold_members reaches: the
 * UPDATE's EXISTS names people's own columns by table (unqualified, "id"
 * inside the subquery was badges.id: badge 10 of person 10 made everyone
 * gold). */
START_TEST(delete_detaches_through_a_join_where)
{
    rt_server s;
    rt_server_start(&s, "tests/http/schemas/where_nested.json", "tests/http/schemas/where_nested.seed.json", NULL);
    RT_CASES(&s,
        {"/api/teams/1/gold_members", "data[].id = [10]"}, /* ben's badge is silver */
        {"/api/teams/2/gold_members", "data[].id = [13]"}, /* once, though dee has two gold badges */
        {"/api/teams?filter=%7B%22gold_members%22:%7B%22any%22:%7B%22name%22:%22ben%22%7D%7D%7D", "data[].id = []"},
        {"DELETE /api/teams/1", "204"},
    );
    rt_assert_sql_list(&s, "10:null,11:1,12:2,13:2",
                       "SELECT id || ':' || coalesce(CAST(team_id AS TEXT), 'null') FROM people ORDER BY id");
    rt_server_stop(&s);
}
END_TEST

START_TEST(kinds_every_kind) { check_schema("tests/http/schemas/kinds_selectin.json", "tests/http/schemas/kinds.seed.json"); }
END_TEST

/* Company.employees, .managers and .engineers share employees.company_id:
 * deleting a company detaches its employees with one UPDATE. */
START_TEST(delete_detaches_once)
{
    rt_server s;
    static const char *const args[] = {"--echo", NULL};
    rt_server_start(&s, "schemas/company.json", "schemas/company.seed.json", args);
    rt_check(&s, "DELETE /api/companies/2", "204");
    char *log = rt_server_log(&s);
    int updates = 0;
    for (const char *p = strstr(log, "SQL UPDATE \"employees\""); p; p = strstr(p + 1, "SQL UPDATE \"employees\"")) updates++;
    ck_assert_msg(updates == 1, "%d UPDATEs of employees for one delete:\n%s", updates, log);
    free(log);
    char *left = rt_db_scalar(&s, "SELECT count(*) FROM employees WHERE company_id IS NULL");
    ck_assert_str_eq(left, "3"); /* temp, pointy and asok: company 2 only */
    free(left);
    rt_server_stop(&s);
}
END_TEST

/* A class's resource names only its own and inherited columns: a
 * sibling's column is unknown everywhere (it used to be listed in GET /api
 * and taken by filter, shorthand, fields and sort, though never output). */
START_TEST(sibling_columns_are_unknown)
{
    rt_server s;
    rt_server_start(&s, "schemas/company.json", "schemas/company.seed.json", NULL);
    rt_response *r = rt_checked(&s, "/api", "@json");
    size_t i;
    json_t *res;
    json_array_foreach(rt_json_at(r, "resources"), i, res) {
        if (strcmp(json_string_value(json_object_get(res, "name")), "managers")) continue;
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(res, "columns"), k, c)
            ck_assert_msg(strcmp(json_string_value(json_object_get(c, "name")), "engineer_info"),
                          "GET /api lists engineer_info under managers");
    }
    rt_response_free(r);
    RT_CASES(&s,
        {"/api/managers?filter=%7B%22engineer_info%22:%22java%22%7D", "400 /filter/engineer_info"},
        {"/api/managers?engineer_info=java", "400 /query/engineer_info"},
        {"/api/managers?fields=engineer_info", "400 /query/fields"},
        {"/api/managers?sort=engineer_info", "400 /query/sort"},
        {"/api/companies?filter=%7B%22managers.engineer_info%22:%22java%22%7D", "400 /filter/managers.engineer_info"},
        {"POST /api/managers {\"name\": \"m\", \"engineer_info\": \"x\"}", "400 /engineer_info"},
        /* the class that has it takes it everywhere */
        {"/api/engineers?filter=%7B%22engineer_info%22:%22java%22%7D&sort=engineer_info&fields=engineer_info", "data # 1"},
    );
    rt_server_stop(&s);
}
END_TEST

RT_SUITE(http_rel_paths_suite, "http_rel_paths", "paths", NULL, NULL, 120,
         company_inheritance, blog_many_to_many, graph_custom_joins, tree_self_referential, kinds_every_kind,
         custom_join_with_where, joined_inheritance, joined_inheritance_tests, single_table_deep,
         shop_every_kind,
         sort_through_a_join_where, custom_join_through_a_join_where,
         delete_detaches_through_a_join_where, delete_detaches_once, sibling_columns_are_unknown)
