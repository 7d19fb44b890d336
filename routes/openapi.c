/* openapi.c: GET /openapi.json, an OpenAPI 3.1 document of what the server
 * serves to the request's role: the router's table described path by path
 * (router.c gathers them: rm_path_doc; openapi_paths.c writes their
 * operations), the component schemas of the entities the role may read
 * (openapi_schemas.c: answers apart from request bodies), the shared
 * problem answers and headers (ETag, Location), one tag per resource, and with access
 * control on (--jwt-secret) the bearer JWT security scheme. QUERY, which
 * OpenAPI 3.1 has no field for, is the path item's extension "x-query".
 * Built with jansson per request (it is small and rarely asked for). */
#include <string.h>

#include "routes/openapi_int.h"

/* One tag per resource the document has paths of, then the service's. */
static json_t *tags(const rm_ctx *ctx, json_t *paths)
{
    json_t *all = json_array();
    const rm_resources *rs = &ctx->app->resources;
    for (size_t i = 0; i < rs->n; i++) {
        char path[200];
        snprintf(path, sizeof path, "/api/%s", rs->items[i].name);
        bool listed = json_object_get(paths, path) != NULL;
        snprintf(path, sizeof path, "/api/%s/{id}", rs->items[i].name);
        if (!listed && !json_object_get(paths, path)) continue;
        json_array_append_new(all, json_pack("{s:s, s:s}", "name", rs->items[i].name, "description",
                                             rs->items[i].mapper->name));
    }
    json_array_append_new(all, json_pack("{s:s, s:s}", "name", "api", "description", "the index and batches"));
    json_array_append_new(all, json_pack("{s:s, s:s}", "name", "service", "description", "health, metrics, this "
                                                                                          "document"));
    return all;
}

int rm_reply_openapi(rm_ctx *ctx, const rm_path_doc *docs, size_t n)
{
    bool access = ctx->app->cfg.secret != NULL;
    json_t *schemas = json_object(), *paths = json_object();
    rm_oa_schemas(schemas, ctx->app->schema, ctx->session.scope);
    for (size_t i = 0; i < n; i++)
        json_object_set_new(paths, docs[i].path, rm_oa_path_item(&docs[i], ctx->session.scope, access));
    json_t *components = json_pack("{s:o, s:o, s:o}", "schemas", schemas, "responses", rm_oa_responses(),
                                   "headers", rm_oa_headers());
    if (access)
        json_object_set_new(components, "securitySchemes",
                            json_pack("{s:{s:s, s:s, s:s, s:s}}", "bearerAuth", "type", "http", "scheme", "bearer",
                                      "bearerFormat", "JWT", "description",
                                      "HS256; the role claim picks the role; no token: the role anonymous"));
    json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:o}", "openapi", "3.1.0", "info", "title", "restmap",
                            "version", "1", "description",
                            "generated from the schema for the request's role (SPEC §3-§6, §10)", "tags",
                            tags(ctx, paths), "paths", paths, "components", components);
    return rm_reply_json_doc(ctx, 200, doc);
}
