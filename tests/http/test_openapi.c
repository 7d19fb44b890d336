/* test_openapi.c: GET /openapi.json on the blog schema: an OpenAPI 3.1
 * document whose paths follow each resource's methods and relationships
 * (sub-resource POST and DELETE, bulk writes, the fixed routes), whose
 * request bodies differ from answers (POST's required columns, PATCH with
 * none, read-only and write-only columns where the server takes them,
 * nested links and members), whose answers declare 304/409/412 and their
 * headers, whose parameters are typed (limit an integer up to
 * max_page_size, the equality shorthand per column), whose operations
 * have a tag, a summary and a unique operationId, with the bearer JWT
 * scheme only under --jwt-secret; and whose every $ref resolves inside the
 * document. (tests/openapi validates every example schema's document with
 * swagger-parser and ajv, and every exchange of the suites against it.) */
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
        "components.schemas.User.properties.version.readOnly = true; "
        "paths./api/users.post.responses.409; paths./api/users.post.responses.422; "
        "paths./api/users/{id}.patch.responses.422; paths./api/users/{id}.delete.responses.409; "
        "!paths./api/users/{id}.delete.responses.422; !paths./api/users.get.responses.409");
    ck_assert_int_gt(check_refs(r->json, r->json), 10);
    rt_response_free(r);
}
END_TEST

/* Answers and request bodies are apart: a write-only column only in
 * bodies, a version only in the bodies of updates, the key and _links
 * the only members an answer always has (fields= drops the others). */
START_TEST(requests_apart_from_answers)
{
    rt_check(&srv, "/openapi.json",
             "!components.schemas.User.properties.password; components.schemas.User.required = ['id', '_links']; "
             "components.schemas.User.additionalProperties = false; "
             "components.schemas.UserCreate.required = ['name']; "
             "components.schemas.UserCreate.properties.password.writeOnly = true; "
             "!components.schemas.UserCreate.properties.version; "
             "components.schemas.UserCreate.additionalProperties = false; "
             "components.schemas.UserCreate.properties.id.type = ['integer', 'null']; "
             "components.schemas.UserReplace.required = ['name']; "
             "components.schemas.UserReplace.properties.version.type = ['integer', 'null']; "
             "!components.schemas.UserUpdate.required; components.schemas.UserUpdate.properties.version; "
             "paths./api/users/{id}.patch.requestBody.content.application/json.schema = "
             "{'$ref': '#/components/schemas/UserUpdate'}; "
             "paths./api/users/{id}.put.requestBody.content.application/json.schema = "
             "{'$ref': '#/components/schemas/UserReplace'}; "
             "paths./api/users.post.requestBody.content.application/json.schema.oneOf.1.items = "
             "{'$ref': '#/components/schemas/UserCreate'}; "
             "paths./api/users.post.responses.201.content.application/json.schema.oneOf.1.required = ['data']");
}
END_TEST

/* Nested writes: a collection of members (link, new, or key and fields),
 * a to-one a member or null; a required foreign key that the to-one in the
 * body fills; a to-one in answers an object or null. */
START_TEST(nested_writes_and_nullable_to_one)
{
    rt_check(&srv, "/openapi.json",
             "components.schemas.UserCreate.properties.addresses.items = {'$ref': '#/components/schemas/AddressMember'}; "
             "components.schemas.AddressMember.anyOf.0 = {'$ref': '#/components/schemas/AddressLink'}; "
             "components.schemas.AddressMember.anyOf.1 = {'$ref': '#/components/schemas/AddressNew'}; "
             "components.schemas.AddressMember.anyOf.2.allOf.1.required = ['id']; "
             "components.schemas.AddressLink.required = ['id']; components.schemas.AddressLink.additionalProperties = false; "
             "components.schemas.AddressCreate.properties.user.oneOf.1 = {'type': 'null'}; "
             "components.schemas.Address.properties.user.oneOf = [{'$ref': '#/components/schemas/User'}, {'type': 'null'}]; "
             "paths./api/users/{id}/addresses.post.requestBody.content.application/json.schema = "
             "{'$ref': '#/components/schemas/AddressMember'}; "
             "paths./api/users/{id}/addresses/{child}.delete.responses.204; "
             "paths./api/addresses/{id}/user.get.responses.200.content.application/json.schema.oneOf.1 = "
             "{'type': 'null'}");
}
END_TEST

/* Conditional requests and their headers; problem answers by status. */
START_TEST(conditionals_and_problems)
{
    rt_check(&srv, "/openapi.json",
             "paths./api/users/{id}.get.responses.304; "
             "paths./api/users/{id}.get.responses.200.headers.ETag = {'$ref': '#/components/headers/ETag'}; "
             "paths./api/users/{id}.get.parameters.13.name = 'If-None-Match'; "
             "paths./api/users/{id}.patch.parameters[].name = ['include', 'fields', 'fields[addresses]', 'If-Match']; "
             "paths./api/users/{id}.patch.responses.412 = {'$ref': '#/components/responses/PreconditionFailed'}; "
             "paths./api/users/{id}.delete.responses.412; paths./api/users.post.responses.412; "
             "paths./api/users.post.responses.201.headers.Location; "
             "components.schemas.Problem.required = ['type', 'title', 'status', 'detail', 'errors']; "
             "components.schemas.Problem.properties.errors.items.required = ['pointer', 'message']; "
             "components.responses.Invalid.content.application/problem+json.schema = "
             "{'$ref': '#/components/schemas/Problem'}; "
             "!paths./api/users.get.responses.401; !components.securitySchemes; !paths./api/users.get.security");
}
END_TEST

/* Typed query parameters, the equality shorthand per readable column,
 * tags, summaries, operation ids and the routes of no resource. */
START_TEST(parameters_and_operations)
{
    rt_response *r = rt_checked(
        &srv, "/openapi.json",
        "paths./api/users.get.parameters[].name = ['filter', 'sort', 'limit', 'offset', 'cursor', 'include', "
        "'fields', 'count', 'facet', 'facet_size', 'fields[addresses]', 'count[addresses]', 'filter[addresses]', "
        "'sort[addresses]', 'limit[addresses]', 'offset[addresses]', 'count[posts]', 'filter[posts]', "
        "'sort[posts]', 'limit[posts]', 'offset[posts]', 'id', 'name', 'fullname', 'version']; "
        "paths./api/users.get.parameters.2.schema = {'type': 'integer', 'minimum': 0, 'maximum': 1000}; "
        "paths./api/users.get.parameters.7.schema.enum = ['exact']; "
        "paths./api/users.get.parameters.0.schema.contentMediaType = 'application/json'; "
        "paths./api/users.get.tags = ['users']; paths./api/users/{id}/addresses.get.tags = ['users']; "
        "paths./api/users/{id}.get.operationId = 'get_users_by_id'; paths./api/users.get.summary = 'List User rows'; "
        "paths./healthz.get.responses.503; paths./metrics.get.responses.200.content.text/plain; "
        "paths./api.get.operationId = 'get_index'; paths./api/_batch.post.requestBody.required = true; "
        "paths./api/_batch.post.requestBody.content.application/json.schema.required = ['operations']; "
        "paths./api/_batch.post.responses.200.content.application/json.schema.properties.results.items.required = "
        "['status', 'body']; paths./api.get.responses.200.content.application/json.schema.required = ['resources']; "
        "paths./api/users.get.responses.200.content.application/json.schema.properties.meta.required = "
        "['limit', 'offset']; paths./api/users.get.responses.200.content.application/json.schema.properties.data.items = "
        "{'$ref': '#/components/schemas/User'}; "
        "paths./api/users.patch.responses.200.content.application/json.schema.required = "
        "['matched', 'tables', 'max_bulk_rows', 'dry_run']; "
        "paths./api/users/_aggregate.get.responses.200.content.application/json.schema.required = "
        "['data', 'meta', 'links']; "
        "tags[].name = ['users', 'addresses', 'posts', 'keywords', 'api', 'service']");
    json_t *ids = json_object(), *item, *op;
    const char *path, *method;
    json_object_foreach(json_object_get(r->json, "paths"), path, item) json_object_foreach(item, method, op) {
        if (!json_is_object(op) || !json_object_get(op, "responses")) continue;
        const char *id = json_string_value(json_object_get(op, "operationId"));
        ck_assert_msg(id && !json_object_get(ids, id), "%s %s: operationId %s missing or repeated", method, path,
                      id ? id : "(none)");
        ck_assert_msg(json_string_value(json_object_get(op, "summary")), "%s %s: no summary", method, path);
        json_object_set_new(ids, id, json_true());
    }
    ck_assert_uint_gt(json_object_size(ids), 40);
    json_decref(ids);
    rt_response_free(r);
}
END_TEST

/* With access control on, the bearer JWT scheme, security on every /api
 * operation, and 401/403 among their answers. */
START_TEST(bearer_security_with_access_control)
{
    rt_server guarded;
    static const char *const args[] = {"--jwt-secret", "openapi-test-secret-0123456789abcdef", NULL};
    rt_server_start(&guarded, "schemas/blog.json", NULL, args);
    rt_check(&guarded, "/openapi.json",
             "components.securitySchemes.bearerAuth = {'type': 'http', 'scheme': 'bearer', 'bearerFormat': 'JWT', "
             "'description': 'HS256; the role claim picks the role; no token: the role anonymous'}; "
             "paths./api/users.get.security = [{'bearerAuth': []}, {}]; paths./api/users.get.responses.401; "
             "paths./api/users/{id}.patch.responses.403; paths./healthz.get.responses.401; "
             "!paths./healthz.get.responses.403");
    rt_server_stop(&guarded);
}
END_TEST

/* Choices are an enum, with null when the column is nullable, in answers
 * and bodies alike; a numeric column is a decimal string in answers and
 * also an integer in bodies. */
START_TEST(choices_and_numerics)
{
    rt_server shop;
    rt_server_start(&shop, "schemas/shop.json", NULL, NULL);
    rt_check(&shop, "/openapi.json",
             "components.schemas.Customer.properties.tier.enum = ['gold', 'silver', 'bronze', null]; "
             "components.schemas.CustomerUpdate.properties.tier.enum = ['gold', 'silver', 'bronze', null]; "
             "components.schemas.Order.properties.total.format = 'decimal'; "
             "components.schemas.Order.properties.total.type = ['string', 'null']; "
             "components.schemas.OrderCreate.properties.total.type = ['string', 'integer', 'null']");
    rt_server_stop(&shop);
}
END_TEST

RT_SUITE(http_openapi_suite, "http_openapi", "blog", srv_start, srv_stop, 0, document, requests_apart_from_answers,
         nested_writes_and_nullable_to_one, conditionals_and_problems, parameters_and_operations,
         bearer_security_with_access_control, choices_and_numerics)
