/* openapi_answers.c: what every operation of /openapi.json is made of: its
 * tag (the resource a path belongs to), operationId (the method and the
 * path's segments) and security; its answers: a success with its content
 * and headers, and the problem+json answers by status (components.responses,
 * one Problem schema); and the ETag and Location headers (components.headers).
 * Also the helpers every part uses: references into components, and
 * constant shapes written as JSON. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes/openapi_int.h"

json_t *rm_oa_ref(const char *kind, const char *name, const char *suffix)
{
    char buf[320];
    snprintf(buf, sizeof buf, "#/components/%s/%s%s", kind, name, suffix);
    return json_pack("{s:s}", "$ref", buf);
}

json_t *rm_oa_schema_ref(const orm_mapper *m, const char *suffix) { return rm_oa_ref("schemas", m->name, suffix); }

json_t *rm_oa_shape(const char *text)
{
    size_t n = strlen(text);
    char *json = malloc(n + 1);
    if (!json) return json_object();
    for (size_t i = 0; i <= n; i++) json[i] = text[i] == '\'' ? '"' : text[i];
    json_t *s = json_loads(json, 0, NULL);
    free(json);
    return s ? s : json_object();
}

json_t *rm_oa_json_content(json_t *schema)
{
    return json_pack("{s:{s:o}}", "application/json", "schema", schema);
}

json_t *rm_oa_success(const char *description, json_t *content)
{
    json_t *r = json_pack("{s:s}", "description", description);
    if (content) json_object_set_new(r, "content", content);
    return r;
}

void rm_oa_answer(json_t *responses, int status, json_t *r)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_object_set_new(responses, code, r);
}

static void problem(json_t *responses, int status, const char *name)
{
    rm_oa_answer(responses, status, rm_oa_ref("responses", name, ""));
}

json_t *rm_oa_problems(json_t *r, rm_oa_errs e)
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

json_t *rm_oa_operation(const char *method, const char *path, const char *summary, bool access)
{
    char tag[160];
    json_t *o = json_pack("{s:[s], s:s}", "tags", tag_of(path, tag, sizeof tag), "summary", summary);
    operation_id(o, method, path);
    if (access) json_object_set_new(o, "security", json_pack("[{s:[]}, {}]", "bearerAuth"));
    return o;
}

/* A success answer with a JSON schema and headers (NULL-ended pairs: the
 * header's name, its component in components.headers). */
json_t *rm_oa_success_with(const char *description, json_t *schema, const char *const *headers)
{
    json_t *r = rm_oa_success(description, schema ? rm_oa_json_content(schema) : NULL);
    json_t *h = json_object();
    for (const char *const *n = headers; n && *n; n += 2) json_object_set_new(h, n[0], rm_oa_ref("headers", n[1], ""));
    if (json_object_size(h)) json_object_set_new(r, "headers", h);
    else json_decref(h);
    return r;
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

/* ETag and Location where every such answer has them (required); on a
 * POST's 201, which has them for one object and not for an array; and on
 * a PUT/PATCH's 200, which has no ETag when the body wrote a relationship
 * that GET of the same URI does not embed (routes/etag.c). */
json_t *rm_oa_headers(void)
{
    static const char *const etag = "the entity tag of this representation: \"v<version>\" for a versioned row "
                                    "shown alone, else \"v<version>-h<hash>\" or \"h<hash>\" (a hash of the answer)",
                             *const location = "the created row's path";
    json_t *string = json_pack("{s:s}", "type", "string");
    json_t *h = json_pack("{s:{s:s, s:b, s:O}, s:{s:s, s:b, s:O}, s:{s:s, s:O}, s:{s:s, s:O}, s:{s:s, s:O}}", "ETag",
                          "description", etag, "required", 1, "schema", string, "Location", "description", location,
                          "required", 1, "schema", string, "CreatedETag", "description",
                          "for one object created (none for an array)", "schema", string, "CreatedLocation",
                          "description", "for one object created (none for an array)", "schema", string,
                          "WrittenETag", "description",
                          "the ETag of GET of the same URI; none when the body wrote a relationship that GET does "
                          "not embed (the answer then shows more than GET would)",
                          "schema", string);
    json_decref(string);
    return h;
}
