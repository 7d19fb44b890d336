/* test_openapi.c: GET /openapi.json on the blog schema: an OpenAPI 3.1
 * document whose paths follow each resource's methods and relationships,
 * whose component schemas carry the column rules, and whose every $ref
 * resolves inside the document. */
#include <check.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support/rt.h"

static rt_server srv;

RT_FIXTURE(srv, "schemas/blog.json", NULL, NULL)

/* Every "$ref" under j names an existing member of the document. */
static void check_refs(json_t *doc, json_t *j, int *count)
{
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) check_refs(doc, json_array_get(j, i), count);
        return;
    }
    if (!json_is_object(j)) return;
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (!strcmp(k, "$ref")) {
            const char *ref = json_string_value(v);
            ck_assert_msg(ref && !strncmp(ref, "#/components/", 13), "bad $ref %s", ref ? ref : "?");
            char kind[64], name[128];
            ck_assert_int_eq(sscanf(ref + 13, "%63[^/]/%127s", kind, name), 2);
            ck_assert_msg(json_object_get(json_object_get(json_object_get(doc, "components"), kind), name),
                          "%s does not resolve", ref);
            (*count)++;
        } else {
            check_refs(doc, v, count);
        }
    }
}

START_TEST(document)
{
    rt_response *r = rt_get(&srv, "/openapi.json");
    RT_ASSERT_STATUS(r, 200);
    json_t *d = r->json;
    ck_assert_str_eq(json_string_value(json_object_get(d, "openapi")), "3.1.0");
    json_t *paths = json_object_get(d, "paths");
    static const char *const expected[] = {"/api/users", "/api/users/{id}", "/api/users/{id}/addresses",
                                           "/api/addresses/{id}/user", "/api/posts/{id}/keywords",
                                           "/api/keywords"};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(json_object_get(paths, expected[i]), "no path %s", expected[i]);
    json_t *item = json_object_get(paths, "/api/users/{id}");
    ck_assert_ptr_nonnull(json_object_get(item, "get"));
    ck_assert_ptr_nonnull(json_object_get(item, "patch"));
    ck_assert_ptr_nonnull(json_object_get(item, "delete"));
    ck_assert_ptr_nonnull(json_object_get(json_object_get(paths, "/api/users/{id}/addresses"), "post"));
    ck_assert_ptr_null(json_object_get(json_object_get(paths, "/api/addresses/{id}/user"), "post"));
    json_t *user = json_object_get(json_object_get(json_object_get(d, "components"), "schemas"), "User");
    json_t *props = json_object_get(user, "properties");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(props, "name"), "maxLength")), 50);
    ck_assert(json_is_true(json_object_get(json_object_get(props, "password"), "writeOnly")));
    ck_assert(json_is_true(json_object_get(json_object_get(props, "version"), "readOnly")));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(user, "required"), 0)), "name");
    int refs = 0;
    check_refs(d, d, &refs);
    ck_assert_int_gt(refs, 10);
    rt_response_free(r);
}
END_TEST

Suite *http_openapi_suite(void)
{
    Suite *s = suite_create("http_openapi");
    RT_TCASE(s, "blog", srv_start, srv_stop, 0, document);
    return s;
}
