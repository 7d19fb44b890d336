/* openapi_paths.c: the operations of each resource path /openapi.json
 * describes (router.c gathers the paths: rm_path_doc; the routes of no
 * resource are openapi_service.c's). Each operation has its parameters
 * (openapi_params.c), its request body (openapi_schemas.c: the Create,
 * Replace, Update, BulkUpdate or Member shape, or a query body's members)
 * and the answers the handlers give: the success with its headers (ETag
 * on one object, Location on a create), 304 for a GET with If-None-Match,
 * and the problem answers of its kind (openapi_answers.c). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "routes/openapi_int.h"

/* If-Match, If-None-Match: entity tags or "*" (the router refuses other
 * values with 400). */
static json_t *conditional(const char *name, const char *desc)
{
    return json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", name, "in", "header", "description", desc, "schema", "type",
                     "string");
}

static json_t *groups_answer(void)
{
    return rm_oa_shape("{'type': 'object', 'required': ['data', 'meta', 'links'], 'properties': {"
                       "  'data': {'type': 'array', 'items': {'type': 'object'}},"
                       "  'meta': {'type': 'object'}, 'links': {'type': 'object'}}}");
}

/* A bulk write's answer: the rows chosen and written per table. */
static json_t *bulk_answer(void)
{
    return rm_oa_shape("{'type': 'object', 'required': ['matched', 'tables', 'max_bulk_rows', 'dry_run'], 'properties': {"
                       "  'matched': {'type': 'integer'},"
                       "  'tables': {'type': 'object', 'additionalProperties': {'type': 'object', "
                       "    'additionalProperties': false,"
                       "    'properties': {'updated': {'type': 'integer'}, 'deleted': {'type': 'integer'}}}},"
                       "  'max_bulk_rows': {'type': 'integer'}, 'dry_run': {'type': 'boolean'}}}");
}

/* A query body: an object of the members of its table, each with its JSON
 * types; a family "fields[]" is the pattern property ^fields\[.+\]$. */
static json_t *query_body_of(const rm_body_member *members)
{
    static const char *const types[] = {"string", "integer", "object"}; /* RM_BODY_TEXT, _INTEGER, _JSON */
    json_t *props = json_object(), *patterns = json_object();
    for (const rm_body_member *e = members; e->name; e++) {
        json_t *t = json_array();
        for (size_t k = 0; k < 3; k++)
            if (e->takes & 1u << k) json_array_append_new(t, json_string(types[k]));
        json_t *member = json_object();
        json_object_set(member, "type", json_array_size(t) == 1 ? json_array_get(t, 0) : t);
        if (e->doc) json_object_set_new(member, "description", json_string(e->doc));
        json_decref(t);
        size_t n = strlen(e->name);
        if (n > 2 && !strcmp(e->name + n - 2, "[]")) {
            char pattern[64];
            snprintf(pattern, sizeof pattern, "^%.*s\\[.+\\]$", (int)(n - 2), e->name);
            json_object_set_new(patterns, pattern, member);
        } else {
            json_object_set_new(props, e->name, member);
        }
    }
    json_t *schema = json_pack("{s:s, s:s, s:o, s:o, s:b}", "type", "object", "description",
                               "the list's query parameters by name, as the query string would carry them "
                               "(filters as JSON objects, limits and offsets as integers)",
                               "properties", props, "patternProperties", patterns, "additionalProperties", 0);
    return json_pack("{s:b, s:o}", "required", 1, "content", rm_oa_json_content(schema));
}

static json_t *body_ref(const orm_mapper *m, const char *suffix)
{
    return json_pack("{s:b, s:o}", "required", 1, "content", rm_oa_json_content(rm_oa_schema_ref(m, suffix)));
}

static bool is(const rm_operation *op, const char *method) { return !strcmp(op->method, method); }

static const char *summary_of(const rm_path_doc *p, const rm_operation *op, rm_arena *a)
{
    const char *what = p->subject->name;
    if (p->aggregate) return rm_arena_sprintf(a, "Grouped aggregates of %s rows", what);
    if (op->body) return rm_arena_sprintf(a, "List %s rows, the parameters as a JSON body", what);
    bool member = strstr(p->path, "{child}") != NULL, related = strstr(p->path, "}/") != NULL;
    if (member) return rm_arena_sprintf(a, "Remove a %s from the collection (unlink; delete-orphan deletes)", what);
    if (is(op, "GET") && related && p->collection) return rm_arena_sprintf(a, "List the related %s rows", what);
    if (is(op, "GET") && related) return rm_arena_sprintf(a, "The related %s (or null)", what);
    if (is(op, "POST") && related)
        return rm_arena_sprintf(a, "Add a %s to the collection: new (created), {key} (linked) or key and fields", what);
    if (is(op, "GET")) return rm_arena_sprintf(a, p->collection ? "List %s rows" : "Read one %s", what);
    if (is(op, "POST")) return rm_arena_sprintf(a, "Create a %s (an object), or several (an array)", what);
    if (is(op, "PUT")) return rm_arena_sprintf(a, "Replace a %s's writable columns", what);
    if (is(op, "PATCH"))
        return rm_arena_sprintf(a, p->keyed ? "Update some of a %s's columns" : "Update every %s row the filter chooses",
                                what);
    return rm_arena_sprintf(a, p->keyed ? "Delete a %s (with its cascades)" : "Delete every %s row the filter chooses",
                            what);
}

/* One operation of a resource's path. */
static json_t *operation(const rm_path_doc *p, const rm_operation *op, const orm_scope *scope, bool access)
{
    rm_arena *a = rm_arena_new();
    json_t *o = rm_oa_operation(op->method, p->path, summary_of(p, op, a), access);
    rm_arena_destroy(a);
    const orm_mapper *m = p->subject;
    bool related = strstr(p->path, "}/") != NULL, member = strstr(p->path, "{child}") != NULL;
    bool bulk = p->collection && !p->keyed && !op->body && (is(op, "PATCH") || is(op, "DELETE"));
    bool write = !op->body && !p->aggregate && !is(op, "GET");
    json_t *r = json_object(), *params = NULL;
    static const char *const etag[] = {"ETag", "ETag", NULL},
                             *const created[] = {"Location", "CreatedLocation", "ETag", "CreatedETag", NULL},
                             *const located[] = {"Location", "Location", NULL},
                             *const written[] = {"ETag", "WrittenETag", NULL};
    rm_oa_errs e = {.found = p->keyed, .body = op->body || is(op, "POST") || is(op, "PUT") || is(op, "PATCH"),
              .writes = write, .invalid = p->aggregate || (write && !(member || (is(op, "DELETE") && !bulk))),
              .access = access,
              .api = true};
    if (p->aggregate) {
        if (op->body) json_object_set_new(o, "requestBody", query_body_of(op->body));
        else params = rm_oa_aggregate_params();
        rm_oa_answer(r, op->status, rm_oa_success_with("the groups", groups_answer(), NULL));
    } else if (op->body) {
        json_object_set_new(o, "requestBody", query_body_of(op->body));
        rm_oa_answer(r, op->status, rm_oa_success_with("a page", rm_oa_list_of(m, scope), NULL));
    } else if (bulk) {
        params = rm_oa_bulk_params(m);
        if (is(op, "PATCH")) json_object_set_new(o, "requestBody", body_ref(m, "BulkUpdate"));
        rm_oa_answer(r, op->status, rm_oa_success_with("the rows chosen and written per table", bulk_answer(), NULL));
    } else if (is(op, "GET") && p->collection) {
        params = rm_oa_list_params(m, scope);
        rm_oa_answer(r, op->status, rm_oa_success_with("a page", rm_oa_list_of(m, scope), NULL));
    } else if (is(op, "GET") && related) {
        params = rm_oa_object_params(m, scope, true);
        rm_oa_answer(r, op->status,
               rm_oa_success_with("the related row, or null", json_pack("{s:[o, {s:s}]}", "oneOf",
                                                                  rm_oa_answer_of(m, scope), "type", "null"), NULL));
    } else if (is(op, "GET")) {
        params = rm_oa_object_params(m, scope, true);
        json_array_append_new(params, conditional("If-None-Match", "entity tags (or *): 304 when one is the ETag"));
        rm_oa_answer(r, op->status, rm_oa_success_with("the object", rm_oa_answer_of(m, scope), etag));
        rm_oa_answer(r, 304, rm_oa_success_with("If-None-Match holds: not modified", NULL, etag));
    } else if (is(op, "POST") && related) {
        params = rm_oa_object_params(m, scope, false);
        json_object_set_new(o, "requestBody", body_ref(m, "Member"));
        rm_oa_answer(r, op->status, rm_oa_success_with("the member, as it is now", rm_oa_answer_of(m, scope), located));
    } else if (is(op, "POST")) {
        params = rm_oa_object_params(m, scope, false);
        json_object_set_new(o, "requestBody",
                            json_pack("{s:b, s:o}", "required", 1, "content",
                                      rm_oa_json_content(json_pack("{s:[o, {s:s, s:o}]}", "oneOf",
                                                             rm_oa_schema_ref(m, "Create"), "type", "array", "items",
                                                             rm_oa_schema_ref(m, "Create")))));
        json_t *many = json_pack("{s:s, s:{s:{s:s, s:o}}, s:[s], s:b}", "type", "object", "properties", "data",
                                 "type", "array", "items", rm_oa_answer_of(m, scope), "required", "data",
                                 "additionalProperties", 0);
        rm_oa_answer(r, op->status,
               rm_oa_success_with("the object created (Location, ETag), or for an array {\"data\": [...]} (no Location)",
                            json_pack("{s:[o, o]}", "oneOf", rm_oa_answer_of(m, scope), many), created));
    } else if (is(op, "PUT") || is(op, "PATCH")) {
        params = rm_oa_object_params(m, scope, false);
        json_object_set_new(o, "requestBody", body_ref(m, is(op, "PUT") ? "Replace" : "Update"));
        rm_oa_answer(r, op->status, rm_oa_success_with("the object, as it is now", rm_oa_answer_of(m, scope), written));
    } else {
        rm_oa_answer(r, op->status ? op->status : 204, rm_oa_success_with("done", NULL, NULL));
    }
    if (write) {
        if (!params) params = json_array();
        json_array_append_new(params, conditional("If-Match", "entity tags (or *): the write happens only if one "
                                                             "is the current ETag (412 otherwise)"));
    }
    if (params) json_object_set_new(o, "parameters", params);
    json_object_set_new(o, "responses", rm_oa_problems(r, e));
    return o;
}

/* The path parameters of p: {id} (a composite key as k1,k2) and {child}. */
static json_t *path_params(const rm_path_doc *p)
{
    json_t *params = json_array();
    static const char *const names[] = {"id", "child"};
    for (size_t i = 0; i < 2; i++) {
        char hole[16];
        snprintf(hole, sizeof hole, "{%s}", names[i]);
        if (strstr(p->path, hole))
            json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", names[i], "in", "path",
                                                    "required", 1, "description",
                                                    "the row's key; a composite key as k1,k2 in key order",
                                                    "schema", "type", "string"));
    }
    return params;
}

json_t *rm_oa_path_item(const rm_path_doc *p, const orm_scope *scope, bool access)
{
    if (!p->subject) return rm_oa_service_item(p, access);
    json_t *item = json_object();
    for (size_t i = 0; i < p->nops; i++) {
        char key[8] = {0};
        for (size_t k = 0; k < sizeof key - 1 && p->ops[i].method[k]; k++)
            key[k] = (char)tolower((unsigned char)p->ops[i].method[k]);
        if (!strcmp(key, "query")) memcpy(key, "x-query", 8);
        json_object_set_new(item, key, operation(p, &p->ops[i], scope, access));
    }
    json_t *params = path_params(p);
    if (json_array_size(params)) json_object_set_new(item, "parameters", params);
    else json_decref(params);
    return item;
}
