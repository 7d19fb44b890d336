/* openapi_paths.c: the operations of each path /openapi.json describes
 * (router.c gathers the paths: rm_path_doc). Each operation has a tag (the
 * resource it belongs to), a unique operationId, a summary, its parameters
 * (openapi_params.c), its request body (openapi_schemas.c: the Create,
 * Replace, Update or Member shape, a query body's members, a batch) and the
 * answers the handlers give: the success with its headers (ETag on one
 * object, Location on a create), 304 for a GET with If-None-Match, and the
 * problem+json answers by status (400, 404, 409, 412, 413, 415, 422; 401
 * and 403 with access control); "default" stands for those any route may
 * give (414, 431, 500, 503). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "routes/openapi_int.h"

/* The fixed routes (no resource): their summary, tag and success answer. */
static json_t *json_content(json_t *schema)
{
    return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

static json_t *success(const char *description, json_t *content)
{
    json_t *r = json_pack("{s:s}", "description", description);
    if (content) json_object_set_new(r, "content", content);
    return r;
}

static void answer(json_t *responses, int status, json_t *r)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_object_set_new(responses, code, r);
}

static void problem(json_t *responses, int status, const char *name)
{
    answer(responses, status, rm_oa_ref("responses", name, ""));
}

/* The problem answers of an operation. */
typedef struct errs {
    bool found;     /* 404: a key, a parent or a member that is not there */
    bool body;      /* 413, 415: a request body */
    bool writes;    /* 409, 412: a write */
    bool invalid;   /* 422: values past their columns' rules, max_bulk_rows, a sum past 64 bits */
    bool access;    /* 401 (any route: a token that does not verify), 403 (/api): access control is on */
    bool api;       /* 403 with access, 413: under /api (a body, an answer or the rows read past a limit) */
} errs;

static json_t *responses_with(json_t *r, errs e)
{
    problem(r, 400, "BadRequest");
    if (e.access) problem(r, 401, "Unauthorized");
    if (e.access && e.api) problem(r, 403, "Forbidden");
    if (e.found) problem(r, 404, "NotFound");
    if (e.writes) problem(r, 409, "Conflict");
    if (e.writes) problem(r, 412, "PreconditionFailed");
    if (e.api) problem(r, 413, "TooLarge");
    if (e.body) problem(r, 415, "UnsupportedMediaType");
    if (e.invalid) problem(r, 422, "Invalid");
    json_object_set_new(r, "default", rm_oa_ref("responses", "Problem", ""));
    return r;
}

/* If-Match, If-None-Match: entity tags or "*" (the router refuses other
 * values with 400). */
static json_t *conditional(const char *name, const char *desc)
{
    return json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", name, "in", "header", "description", desc, "schema", "type",
                     "string");
}

/* The resource a path belongs to ("users" for /api/users/{id}/addresses). */
static const char *tag_of(const char *path, char *buf, size_t len)
{
    if (strncmp(path, "/api/", 5)) return "service";
    size_t n = strcspn(path + 5, "/");
    if (!strncmp(path + 5, "_batch", n)) return "api";
    snprintf(buf, len, "%.*s", (int)n, path + 5);
    return buf;
}

/* "get_users_by_id_addresses": the method and the path's segments. */
static void operation_id(json_t *o, const char *method, const char *path)
{
    char id[400];
    size_t n = 0;
    for (const char *p = method; *p && n < sizeof id - 1; p++) id[n++] = (char)tolower((unsigned char)*p);
    for (const char *p = path; *p && n < sizeof id - 8;) {
        if (*p == '/') {
            p++;
            if (!strncmp(p, "api/", 4) || !strcmp(p, "api")) {
                p += 3;
                if (!*p) memcpy(id + n, "_index", 6), n += 6; /* GET /api */
                continue;
            }
            id[n++] = '_';
        } else if (*p == '{') {
            memcpy(id + n, "by_", 3), n += 3;
            p++;
        } else if (*p == '}') {
            p++;
        } else {
            id[n++] = isalnum((unsigned char)*p) ? *p : '_';
            p++;
        }
    }
    id[n] = '\0';
    json_object_set_new(o, "operationId", json_string(id));
}

static json_t *new_operation(const char *method, const char *path, const char *summary, bool access)
{
    char tag[160];
    json_t *o = json_pack("{s:[s], s:s}", "tags", tag_of(path, tag, sizeof tag), "summary", summary);
    operation_id(o, method, path);
    if (access) json_object_set_new(o, "security", json_pack("[{s:[]}, {}]", "bearerAuth"));
    return o;
}

/* ---- the fixed routes --------------------------------------------------------------- */

static json_t *batch_body(void)
{
    return json_pack("{s:b, s:{s:{s:{s:s, s:{s:{s:s, s:{s:s, s:{s:{s:s, s:[s, s, s, s, s]}, s:{s:s}, s:{s:[s, s]}},"
                     " s:[s, s], s:b}}}, s:[s], s:b}}}}",
                     "required", 1, "content", "application/json", "schema", "type", "object", "properties",
                     "operations", "type", "array", "items", "type", "object", "properties", "method", "type",
                     "string", "enum", "GET", "POST", "PUT", "PATCH", "DELETE", "path", "type", "string", "body",
                     "type", "object", "array", "required", "method", "path", "additionalProperties", 0,
                     "required", "operations", "additionalProperties", 0);
}

static json_t *batch_answer(void)
{
    return json_pack("{s:s, s:{s:{s:s, s:{s:s, s:{s:{s:s}, s:{}, s:{s:s}}, s:[s, s], s:b}}}, s:[s], s:b}", "type",
                     "object", "properties", "results", "type", "array", "items", "type", "object", "properties",
                     "status", "type", "integer", "body", "location", "type", "string", "required", "status",
                     "body", "additionalProperties", 0, "required", "results", "additionalProperties", 0);
}

static json_t *index_answer(void)
{
    return json_pack("{s:s, s:{s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}, s:[s, s, s]}}},"
                     " s:[s]}",
                     "type", "object", "properties", "resources", "type", "array", "items", "type", "object",
                     "properties", "name", "type", "string", "entity", "type", "string", "href", "type", "string",
                     "columns", "type", "array", "relationships", "type", "array", "required", "name", "entity",
                     "href", "required", "resources");
}

/* GET /healthz, /openapi.json, /metrics, /api and POST /api/_batch. */
static json_t *fixed_item(const rm_path_doc *p, bool access)
{
    const char *path = p->path;
    json_t *r = json_object();
    if (!strcmp(path, "/api/_batch")) {
        json_t *o = new_operation("POST", path, "Run operations in one unit of work: all or nothing", access);
        json_object_set_new(o, "requestBody", batch_body());
        answer(r, 200, success("every operation's status, body and location", json_content(batch_answer())));
        json_object_set_new(o, "responses", responses_with(r, (errs){true, true, true, true, access, true}));
        return json_pack("{s:o}", "post", o);
    }
    const char *summary = "The index: every resource with its columns and relationships";
    json_t *content = json_content(index_answer());
    if (!strcmp(path, "/healthz")) {
        summary = "Health: 200 when the database answers, 503 otherwise";
        content = json_content(json_pack("{s:s, s:{s:{s:s, s:[s]}}, s:[s]}", "type", "object", "properties",
                                         "status", "type", "string", "enum", "ok", "required", "status"));
        answer(r, 503, rm_oa_ref("responses", "Unavailable", ""));
    } else if (!strcmp(path, "/metrics")) {
        summary = "Prometheus metrics: requests by route and status, latency, pool use";
        content = json_pack("{s:{s:{s:s}}}", "text/plain", "schema", "type", "string");
    } else if (!strcmp(path, "/openapi.json")) {
        summary = "This document (OpenAPI 3.1), for the request's role";
        content = json_content(json_pack("{s:s}", "type", "object"));
    }
    json_t *o = new_operation("GET", path, summary, access);
    answer(r, 200, success("ok", content));
    json_object_set_new(o, "responses", responses_with(r, (errs){.access = access, .api = !strcmp(path, "/api")}));
    return json_pack("{s:o}", "get", o);
}

/* ---- resource routes ------------------------------------------------------------------ */

static json_t *groups_answer(void)
{
    return json_pack("{s:s, s:{s:{s:s, s:{s:s}}, s:{s:s}, s:{s:s}}, s:[s, s, s]}", "type", "object", "properties",
                     "data", "type", "array", "items", "type", "object", "meta", "type", "object", "links", "type",
                     "object", "required", "data", "meta", "links");
}

/* A bulk write's answer: the rows chosen and written per table. */
static json_t *bulk_answer(void)
{
    return json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}}, s:b}}, s:{s:s}, s:{s:s}},"
                     " s:[s, s, s, s]}",
                     "type", "object", "properties", "matched", "type", "integer", "tables", "type", "object",
                     "additionalProperties", "type", "object", "properties", "updated", "type", "integer",
                     "deleted", "type", "integer", "additionalProperties", 0, "max_bulk_rows", "type", "integer",
                     "dry_run", "type", "boolean", "required", "matched", "tables", "max_bulk_rows", "dry_run");
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
    return json_pack("{s:b, s:o}", "required", 1, "content", json_content(schema));
}

static json_t *body_ref(const orm_mapper *m, const char *suffix)
{
    return json_pack("{s:b, s:o}", "required", 1, "content", json_content(rm_oa_schema_ref(m, suffix)));
}

/* A success answer with a JSON schema and headers (NULL-ended pairs: the
 * header's name, its component in components.headers). */
static json_t *success_with(const char *description, json_t *schema, const char *const *headers)
{
    json_t *r = success(description, schema ? json_content(schema) : NULL);
    json_t *h = json_object();
    for (const char *const *n = headers; n && *n; n += 2) json_object_set_new(h, n[0], rm_oa_ref("headers", n[1], ""));
    if (json_object_size(h)) json_object_set_new(r, "headers", h);
    else json_decref(h);
    return r;
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
    json_t *o = new_operation(op->method, p->path, summary_of(p, op, a), access);
    rm_arena_destroy(a);
    const orm_mapper *m = p->subject;
    bool related = strstr(p->path, "}/") != NULL, member = strstr(p->path, "{child}") != NULL;
    bool bulk = p->collection && !p->keyed && !op->body && (is(op, "PATCH") || is(op, "DELETE"));
    bool write = !op->body && !p->aggregate && !is(op, "GET");
    json_t *r = json_object(), *params = NULL;
    static const char *const etag[] = {"ETag", "ETag", NULL},
                             *const created[] = {"Location", "CreatedLocation", "ETag", "CreatedETag", NULL},
                             *const located[] = {"Location", "Location", NULL};
    errs e = {.found = p->keyed, .body = op->body || is(op, "POST") || is(op, "PUT") || is(op, "PATCH"),
              .writes = write, .invalid = p->aggregate || (write && !(member || (is(op, "DELETE") && !bulk))),
              .access = access,
              .api = true};
    if (p->aggregate) {
        if (op->body) json_object_set_new(o, "requestBody", query_body_of(op->body));
        else params = rm_oa_aggregate_params();
        answer(r, op->status, success_with("the groups", groups_answer(), NULL));
    } else if (op->body) {
        json_object_set_new(o, "requestBody", query_body_of(op->body));
        answer(r, op->status, success_with("a page", rm_oa_list_of(m, scope), NULL));
    } else if (bulk) {
        params = rm_oa_bulk_params(m);
        if (is(op, "PATCH")) json_object_set_new(o, "requestBody", body_ref(m, "Update"));
        answer(r, op->status, success_with("the rows chosen and written per table", bulk_answer(), NULL));
    } else if (is(op, "GET") && p->collection) {
        params = rm_oa_list_params(m, scope);
        answer(r, op->status, success_with("a page", rm_oa_list_of(m, scope), NULL));
    } else if (is(op, "GET") && related) {
        params = rm_oa_object_params(m, scope, true);
        answer(r, op->status,
               success_with("the related row, or null", json_pack("{s:[o, {s:s}]}", "oneOf",
                                                                  rm_oa_answer_of(m, scope), "type", "null"), NULL));
    } else if (is(op, "GET")) {
        params = rm_oa_object_params(m, scope, true);
        json_array_append_new(params, conditional("If-None-Match", "entity tags (or *): 304 when one is the ETag"));
        answer(r, op->status, success_with("the object", rm_oa_answer_of(m, scope), etag));
        answer(r, 304, success_with("If-None-Match holds: not modified", NULL, etag));
    } else if (is(op, "POST") && related) {
        params = rm_oa_object_params(m, scope, false);
        json_object_set_new(o, "requestBody", body_ref(m, "Member"));
        answer(r, op->status, success_with("the member, as it is now", rm_oa_answer_of(m, scope), located));
    } else if (is(op, "POST")) {
        params = rm_oa_object_params(m, scope, false);
        json_object_set_new(o, "requestBody",
                            json_pack("{s:b, s:o}", "required", 1, "content",
                                      json_content(json_pack("{s:[o, {s:s, s:o}]}", "oneOf",
                                                             rm_oa_schema_ref(m, "Create"), "type", "array", "items",
                                                             rm_oa_schema_ref(m, "Create")))));
        json_t *many = json_pack("{s:s, s:{s:{s:s, s:o}}, s:[s], s:b}", "type", "object", "properties", "data",
                                 "type", "array", "items", rm_oa_answer_of(m, scope), "required", "data",
                                 "additionalProperties", 0);
        answer(r, op->status,
               success_with("the object created (Location, ETag), or for an array {\"data\": [...]} (no Location)",
                            json_pack("{s:[o, o]}", "oneOf", rm_oa_answer_of(m, scope), many), created));
    } else if (is(op, "PUT") || is(op, "PATCH")) {
        params = rm_oa_object_params(m, scope, false);
        json_object_set_new(o, "requestBody", body_ref(m, is(op, "PUT") ? "Replace" : "Update"));
        answer(r, op->status, success_with("the object, as it is now", rm_oa_answer_of(m, scope), etag));
    } else {
        answer(r, op->status ? op->status : 204, success_with("done", NULL, NULL));
    }
    if (write) {
        if (!params) params = json_array();
        json_array_append_new(params, conditional("If-Match", "entity tags (or *): the write happens only if one "
                                                             "is the current ETag (412 otherwise)"));
    }
    if (params) json_object_set_new(o, "parameters", params);
    json_object_set_new(o, "responses", responses_with(r, e));
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
    if (!p->subject) return fixed_item(p, access);
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

/* A problem+json answer (components.responses) described by description. */
static json_t *problem_answer(const char *description)
{
    return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content", "application/problem+json",
                     "schema", "$ref", "#/components/schemas/Problem");
}

json_t *rm_oa_responses(void)
{
    static const char *const answers[][2] = {
        {"Problem", "an error (RFC 9457): 414, 431, 500, 503 and the like"},
        {"BadRequest", "malformed JSON, an unknown field or parameter, a wrong type, a bad filter (errors[] by "
                       "pointer)"},
        {"Unauthorized", "no valid bearer token (WWW-Authenticate: Bearer)"},
        {"Forbidden", "the role may not do this here"},
        {"NotFound", "no such row (or outside the row filter)"},
        {"Conflict", "a unique key taken, a foreign key naming no row, a NOT NULL child orphaned, or a stale version"},
        {"PreconditionFailed", "If-Match does not hold"},
        {"TooLarge", "the body is over --max-body, or the answer over --max-response, or the rows the request "
                     "would read over --max-request-rows"},
        {"UnsupportedMediaType", "the body is not application/json"},
        {"Invalid", "values that break a column's rules or a named check (errors[] by pointer)"},
        {"Unavailable", "the database does not answer"},
    };
    json_t *all = json_object();
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        json_object_set_new(all, answers[i][0], problem_answer(answers[i][1]));
    json_object_set_new(json_object_get(all, "Unauthorized"), "headers",
                        json_pack("{s:{s:s, s:{s:s}}}", "WWW-Authenticate", "description", "Bearer", "schema", "type",
                                  "string"));
    return all;
}

/* ETag and Location where every such answer has them (required), and on
 * a POST's 201, which has them for one object and not for an array. */
json_t *rm_oa_headers(void)
{
    static const char *const etag = "the entity tag: \"v<version>\" from the version column, else a hash of the "
                                    "representation",
                             *const location = "the created row's path";
    return json_pack("{s:{s:s, s:b, s:{s:s}}, s:{s:s, s:b, s:{s:s}}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}}", "ETag",
                     "description", etag, "required", 1, "schema", "type", "string", "Location", "description",
                     location, "required", 1, "schema", "type", "string", "CreatedETag", "description",
                     "for one object created (none for an array)", "schema", "type", "string", "CreatedLocation",
                     "description", "for one object created (none for an array)", "schema", "type", "string");
}
