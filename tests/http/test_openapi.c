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

/* Every "$ref" under j names an existing member of the document; returns
 * how many there are. */
static int check_refs(json_t *doc, json_t *j)
{
    int count = 0;
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) count += check_refs(doc, v);
    if (!json_is_object(j)) return count;
    const char *k;
    json_object_foreach(j, k, v) {
        if (strcmp(k, "$ref") != 0) {
            count += check_refs(doc, v);
            continue;
        }
        const char *ref = json_string_value(v);
        ck_assert_msg(ref && !strncmp(ref, "#/components/", 13), "bad $ref %s", ref ? ref : "?");
        char kind[64], name[128];
        ck_assert_int_eq(sscanf(ref + 13, "%63[^/]/%127s", kind, name), 2);
        ck_assert_msg(json_object_get(json_object_get(json_object_get(doc, "components"), kind), name),
                      "%s does not resolve", ref);
        count++;
    }
    return count;
}

START_TEST(document)
{
    rt_response *r = rt_checked(
        &srv, "/openapi.json",
        "openapi = '3.1.0'; paths./api/users; paths./api/users/{id}; paths./api/users/{id}/addresses; "
        "paths./api/addresses/{id}/user; paths./api/posts/{id}/keywords; paths./api/keywords; "
        "paths./api/users/{id}.get; paths./api/users/{id}.patch; paths./api/users/{id}.delete; "
        "paths./api/users/{id}/addresses.post; !paths./api/addresses/{id}/user.post; "
        "components.schemas.User.properties.name.maxLength = 50; "
        "components.schemas.User.properties.password.writeOnly = true; "
        "components.schemas.User.properties.version.readOnly = true; components.schemas.User.required.0 = 'name'; "
        "paths./api/users.post.responses.409; paths./api/users.post.responses.422; "
        "paths./api/users/{id}.patch.responses.422; paths./api/users/{id}.delete.responses.409; "
        "!paths./api/users/{id}.delete.responses.422; !paths./api/users.get.responses.409");
    ck_assert_int_gt(check_refs(r->json, r->json), 10);
    rt_response_free(r);
}
END_TEST

RT_SUITE(http_openapi_suite, "http_openapi", "blog", srv_start, srv_stop, 0, document)
