/* openapi_service.c: the routes of no resource in /openapi.json: GET
 * /healthz ({"status": "ok"}, 503 when the database does not answer),
 * /metrics (Prometheus text), /openapi.json, /api (the index) and POST
 * /api/_batch (operations in, results out, or the first failure). */
#include <string.h>

#include "routes/openapi_int.h"

static json_t *batch_body(void)
{
    json_t *schema = rm_oa_shape(
        "{'type': 'object', 'required': ['operations'], 'additionalProperties': false, 'properties': {"
        "  'operations': {'type': 'array', 'items': {"
        "    'type': 'object', 'required': ['method', 'path'], 'additionalProperties': false, 'properties': {"
        "      'method': {'type': 'string', 'enum': ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']},"
        "      'path': {'type': 'string'},"
        "      'body': {'type': ['object', 'array']}}}}}}");
    return json_pack("{s:b, s:o}", "required", 1, "content", rm_oa_json_content(schema));
}

static json_t *batch_answer(void)
{
    return rm_oa_shape("{'type': 'object', 'required': ['results'], 'additionalProperties': false, 'properties': {"
                       "  'results': {'type': 'array', 'items': {"
                       "    'type': 'object', 'required': ['status', 'body'], 'additionalProperties': false,"
                       "    'properties': {'status': {'type': 'integer'}, 'body': {}, 'location': {'type': 'string'}}}}}}");
}

static json_t *index_answer(void)
{
    return rm_oa_shape("{'type': 'object', 'required': ['resources'], 'properties': {"
                       "  'resources': {'type': 'array', 'items': {"
                       "    'type': 'object', 'required': ['name', 'entity', 'href'], 'properties': {"
                       "      'name': {'type': 'string'}, 'entity': {'type': 'string'}, 'href': {'type': 'string'},"
                       "      'columns': {'type': 'array'}, 'relationships': {'type': 'array'}}}}}}");
}

/* The GET routes: summary, media type and schema of the success (JSON
 * text with ' for "). */
static const struct {
    const char *path, *summary, *media, *shape;
} reads[] = {
    {"/healthz", "Health: 200 when the database answers, 503 otherwise", "application/json",
     "{'type': 'object', 'required': ['status'], 'properties': {'status': {'type': 'string', 'enum': ['ok']}}}"},
    {"/metrics", "Prometheus metrics: requests by route and status, latency, pool use", "text/plain",
     "{'type': 'string'}"},
    {"/openapi.json", "This document (OpenAPI 3.1), for the role of the request", "application/json",
     "{'type': 'object', 'required': ['openapi', 'paths'], 'properties': {'openapi': {'const': '3.1.0'}}}"},
    {"/api", "The index: every resource with its columns and relationships", "application/json", NULL},
};

/* GET /healthz, /openapi.json, /metrics, /api and POST /api/_batch. */
json_t *rm_oa_service_item(const rm_path_doc *p, bool access)
{
    const char *path = p->path;
    json_t *r = json_object();
    if (!strcmp(path, "/api/_batch")) {
        json_t *o = rm_oa_operation("POST", path, "Run operations in one unit of work: all or nothing", access);
        json_object_set_new(o, "requestBody", batch_body());
        rm_oa_answer(r, 200, rm_oa_success_with("every operation's status, body and location", batch_answer(), NULL));
        json_object_set_new(o, "responses", rm_oa_problems(r, (rm_oa_errs){true, true, true, true, access, true}));
        return json_pack("{s:o}", "post", o);
    }
    size_t k = 0;
    while (k + 1 < sizeof reads / sizeof reads[0] && strcmp(reads[k].path, path)) k++; /* else the index */
    json_t *schema = reads[k].shape ? rm_oa_shape(reads[k].shape) : index_answer();
    rm_oa_answer(r, 200, rm_oa_success("ok", json_pack("{s:{s:o}}", reads[k].media, "schema", schema)));
    if (!strcmp(path, "/healthz")) rm_oa_answer(r, 503, rm_oa_ref("responses", "Unavailable", ""));
    json_t *o = rm_oa_operation("GET", path, reads[k].summary, access);
    json_object_set_new(o, "responses",
                        rm_oa_problems(r, (rm_oa_errs){.access = access, .api = !strcmp(path, "/api")}));
    return json_pack("{s:o}", "get", o);
}
