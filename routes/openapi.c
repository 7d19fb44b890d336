/* openapi.c: GET /openapi.json, an OpenAPI 3.1 document generated from the
 * schema and the route table: one component schema per entity (column
 * types, formats, nullability, read-only/write-only, choices, bounds,
 * literal defaults but a write-only column's, relationships), the list/object/sub-resource paths with the operations
 * the router serves there (router.c gathers them: rm_path_doc), the list
 * query parameters of SPEC §4 (and, per to-many relationship of the
 * subject, the criteria of SPEC §10 C: filter[REL], sort[REL], limit[REL],
 * offset[REL]), those of bulk writes (SPEC §10 D), query bodies (SPEC §10
 * E: the body's members from its table in query_body.c; QUERY, which
 * OpenAPI 3.1 has no field for, as the path item's extension "x-query"),
 * and problem+json for errors. Built once per request with jansson (it is
 * small and rarely asked for). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm/convert.h"
#include "orm/defaults.h"
#include "routes/routes_int.h"

static json_t *column_schema(const orm_mapper *m, const orm_column *c)
{
    json_t *s = json_object();
    const char *type = "string", *format = NULL;
    switch (c->type) {
    case ORM_T_INTEGER: type = "integer"; format = "int32"; break;
    case ORM_T_BIGINT: type = "integer"; format = "int64"; break;
    case ORM_T_FLOAT: type = "number"; format = "double"; break;
    case ORM_T_NUMERIC: format = "decimal"; break;
    case ORM_T_BOOLEAN: type = "boolean"; break;
    case ORM_T_DATE: format = "date"; break;
    case ORM_T_DATETIME: format = "date-time"; break;
    case ORM_T_UUID: format = "uuid"; break;
    case ORM_T_JSON: type = NULL; break; /* any JSON value */
    default: break;
    }
    if (type) {
        if (c->nullable) json_object_set_new(s, "type", json_pack("[s, s]", type, "null"));
        else json_object_set_new(s, "type", json_string(type));
    }
    if (format) json_object_set_new(s, "format", json_string(format));
    if (c->length) json_object_set_new(s, "maxLength", json_integer(c->length));
    if (c->has_min) json_object_set_new(s, "minimum", json_real(c->min));
    if (c->has_max) json_object_set_new(s, "maximum", json_real(c->max));
    orm_value lit; /* a literal default or server_default (SPEC §9), unless write-only: a value of it */
    if (!c->write_only && orm_column_literal_default(c, &lit) && lit.kind != ORM_V_NULL) {
        rm_arena *a = rm_arena_new();
        rm_sb sb;
        rm_sb_init(&sb, a);
        orm_value_write_json(&sb, c, &lit);
        json_t *d = json_loads(sb.buf, JSON_DECODE_ANY, NULL);
        if (d) json_object_set_new(s, "default", d);
        rm_arena_destroy(a);
    }
    if (orm_mapper_column_server_managed(m, c)) json_object_set_new(s, "readOnly", json_true());
    if (c->write_only) json_object_set_new(s, "writeOnly", json_true());
    json_t *e = rm_choices_json(c);
    if (e) json_object_set_new(s, "enum", e);
    return s;
}

static json_t *ref(const orm_mapper *m)
{
    char buf[300];
    snprintf(buf, sizeof buf, "#/components/schemas/%s", m->name);
    return json_pack("{s:s}", "$ref", buf);
}

/* m's component schema. A subclass whose parent the role may read is
 * allOf [the parent's schema, what it adds: the columns its parent does
 * not show and the relationships it declares]; any other entity lists
 * its columns and relationships, inherited ones included. */
static json_t *entity_schema(const orm_mapper *m, const orm_scope *scope)
{
    const orm_table *t = m->table;
    const orm_mapper *up = m->inherits && orm_scope_visible(scope, m->inherits) ? m->inherits : NULL;
    json_t *props = json_object(), *required = json_array();
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!orm_mapper_column_allows(m, c, ORM_COL_LISTED)) continue;
        if (up && orm_mapper_column_allows(up, c, ORM_COL_LISTED)) continue;
        json_t *prop = column_schema(m, c);
        if (m->viewonly) json_object_set_new(prop, "readOnly", json_true()); /* a projection: read only */
        json_object_set_new(props, c->name, prop);
        if (!c->nullable && !orm_column_defaulted(c) && !(c->primary_key && c->autoincrement) && !c->version &&
            !c->deferred && !c->computed_json) /* deferred: absent unless asked; computed: never written */
            json_array_append_new(required, json_string(c->name));
    }
    for (const orm_mapper *mm = m; mm && mm != up; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++) {
            const orm_relationship *r = &mm->relationships[i];
            if (r->lazy == ORM_LAZY_NOLOAD || !orm_scope_visible(scope, r->target)) continue;
            json_t *one = ref(r->target);
            json_t *prop = r->uselist ? json_pack("{s:s, s:o}", "type", "array", "items", one)
                                      : json_pack("{s:[o, {s:s}]}", "anyOf", one, "type", "null");
            if (r->viewonly) json_object_set_new(prop, "readOnly", json_true());
            json_object_set_new(props, r->name, prop);
        }
    json_t *counts = json_object(); /* count[REL] (SPEC §10 B): "_count" when asked */
    for (const orm_mapper *mm = m; mm && mm != up; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++) {
            const orm_relationship *r = &mm->relationships[i];
            if (r->uselist && orm_scope_visible(scope, r->target))
                json_object_set_new(counts, r->name, json_pack("{s:s}", "type", "integer"));
        }
    if (json_object_size(counts))
        json_object_set_new(props, "_count",
                            json_pack("{s:s, s:o, s:b, s:s}", "type", "object", "properties", counts, "readOnly", 1,
                                      "description", "with count[REL]: the rows of each to-many relationship asked"));
    else
        json_decref(counts);
    for (const orm_mapper *mm = m; mm && mm != up; mm = mm->inherits) /* association proxies: lists of values */
        for (size_t i = 0; i < mm->nproxies; i++) {
            const orm_proxy *x = &mm->proxies[i];
            if (!orm_scope_visible(scope, x->through->target)) continue;
            json_t *prop = json_pack("{s:s, s:o}", "type", "array", "items",
                                     column_schema(x->through->target, x->attribute));
            if (x->read_only) json_object_set_new(prop, "readOnly", json_true());
            json_object_set_new(props, x->name, prop);
        }
    if (!up)
        json_object_set_new(props, "_links", json_pack("{s:s, s:{s:s}}", "type", "object",
                                                       "additionalProperties", "type", "string"));
    json_t *s = json_pack("{s:s, s:o}", "type", "object", "properties", props);
    if (json_array_size(required)) json_object_set_new(s, "required", required);
    else json_decref(required);
    return up ? json_pack("{s:[o, o]}", "allOf", ref(up), s) : s;
}

/* What an answer holds for rows of m: m's schema, or, when m has
 * subclasses the role may read, oneOf m and them with the discriminator
 * mapping each identity to its class. */
static json_t *answer_of(const orm_mapper *m, const orm_scope *scope)
{
    if (!m->ndescendants || !m->polymorphic_on) return ref(m);
    json_t *one = json_array(), *mapping = json_object();
    rm_arena *a = rm_arena_new();
    for (size_t i = 0; i <= m->ndescendants; i++) {
        const orm_mapper *c = i ? m->descendants[i - 1] : m;
        if (i && !orm_scope_visible(scope, c)) continue;
        json_t *r = ref(c);
        if (c->has_identity)
            json_object_set(mapping, orm_value_to_text(a, &c->polymorphic_identity), json_object_get(r, "$ref"));
        json_array_append_new(one, r);
    }
    rm_arena_destroy(a);
    return json_pack("{s:o, s:{s:s, s:o}}", "oneOf", one, "discriminator", "propertyName",
                     m->polymorphic_on->name, "mapping", mapping);
}

static json_t *param(const char *name, const char *in, const char *desc)
{
    return json_pack("{s:s, s:s, s:s, s:{s:s}}", "name", name, "in", in, "description", desc, "schema",
                     "type", "string");
}

/* count[REL] for each to-many relationship of m the role may read (SPEC
 * §10 B), appended to params; count[PATH.REL] of included rows are
 * described by the first. */
static json_t *count_params(json_t *params, const orm_mapper *m, const orm_scope *scope)
{
    for (const orm_mapper *mm = m; mm; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++) {
            const orm_relationship *r = &mm->relationships[i];
            if (!r->uselist || !orm_scope_visible(scope, r->target)) continue;
            char name[300];
            snprintf(name, sizeof name, "count[%s]", r->name);
            json_array_append_new(params, param(name, "query",
                                                "* or a JSON filter on the target: adds _count.REL to each object "
                                                "(count[PATH.REL]: to the objects include=PATH embeds); at most 10"));
        }
    return params;
}

/* filter[REL], sort[REL], limit[REL], offset[REL] for each to-many
 * relationship of m the role may read (dotted paths below them work too),
 * appended to params (returned). */
static json_t *criteria_params(json_t *params, const orm_mapper *m, const orm_scope *scope)
{
    static const char *const what[][3] = {
        {"filter", "JSON filter (SPEC §5) on the embedded ", " rows: keeps those that match, never drops a parent"},
        {"sort", "order of the embedded ", " rows, as sort (replaces the relationship's order_by)"},
        {"limit", "at most this many embedded ", " rows per parent (a dynamic relationship is included with it)"},
        {"offset", "embedded ", " rows skipped per parent"},
    };
    for (const orm_mapper *k = m; k; k = k->inherits)
        for (size_t i = 0; i < k->nrelationships; i++) {
            const orm_relationship *r = &k->relationships[i];
            if (!r->uselist || r->lazy == ORM_LAZY_NOLOAD || !orm_scope_visible(scope, r->target)) continue;
            for (size_t w = 0; w < sizeof what / sizeof *what; w++) {
                char name[160], desc[240];
                snprintf(name, sizeof name, "%s[%s]", what[w][0], r->name);
                snprintf(desc, sizeof desc, "%s%s%s", what[w][1], r->name, what[w][2]);
                json_array_append_new(params, param(name, "query", desc));
            }
        }
    return params;
}

static json_t *list_params(const orm_mapper *m, const orm_scope *scope)
{
    json_t *params = json_pack("[o, o, o, o, o, o, o, o, o, o]",
                     param("facet", "query", "columns or many-to-one paths: meta.facets counts their values"),
                     param("facet_size", "query", "values per facet, 1 to 1000 (default 30)"),
                     param("filter", "query", "JSON filter (SPEC §5)"),
                     param("sort", "query", "keys, - for descending, dotted through many-to-one; _count.REL: "
                                            "the rows of a to-many relationship (count[REL]'s filter)"),
                     param("limit", "query", "page size"), param("offset", "query", "rows to skip"),
                     param("cursor", "query", "keyset cursor from links.next"),
                     param("include", "query", "relationships to embed, dotted, depth <= 3"),
                     param("fields", "query", "columns to return (the key is always kept)"),
                     param("count", "query", "exact: adds meta.total"));
    return criteria_params(count_params(params, m, scope), m, scope);
}

/* GET .../_aggregate (SPEC §10 A): its parameters (the body's members of
 * POST .../_aggregate, as query parameters) and its answer. */
static json_t *aggregate_params(void)
{
    json_t *all = json_array();
    for (const rm_body_member *e = rm_body_members(rm_handle_aggregate_body); e->name; e++)
        json_array_append_new(all, param(e->name, "query", e->doc));
    return all;
}

static json_t *groups_answer(void)
{
    return json_pack("{s:s, s:{s:{s:s, s:{s:s}}, s:{s:s}, s:{s:s}}}", "type", "object", "properties", "data",
                     "type", "array", "items", "type", "object", "meta", "type", "object", "links", "type",
                     "object");
}

static json_t *responses(int status, json_t *schema)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_t *r = json_pack("{s:{s:s}}", "default", "$ref", "#/components/responses/Problem");
    json_object_set_new(r, code, schema ? json_pack("{s:s, s:{s:{s:o}}}", "description", "ok", "content",
                                                    "application/json", "schema", schema)
                                        : json_pack("{s:s}", "description", "no content"));
    return r;
}

static json_t *list_of(const orm_mapper *m, const orm_scope *scope)
{
    return json_pack("{s:s, s:{s:{s:s, s:o}, s:{s:s}, s:{s:s}}}", "type", "object", "properties", "data",
                     "type", "array", "items", answer_of(m, scope), "meta", "type", "object", "links", "type",
                     "object");
}

static json_t *body_of(const orm_mapper *m)
{
    return json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema", ref(m));
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
    return json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content", "application/json", "schema", schema);
}

/* PATCH and DELETE /api/{res}?filter=... (SPEC §10 D): the rows they choose. */
static json_t *bulk_params(void)
{
    return json_pack("[o, o, o]",
                     param("filter", "query", "JSON filter choosing the rows (SPEC §5); the equality "
                                              "shorthand column=value too; one of them, or all=true, is required"),
                     param("all", "query", "true: every row the row filter lets the request see (no filter)"),
                     param("dry_run", "query", "true: answer what the request would do and write nothing"));
}

/* A bulk write's answer: the rows chosen and written per table. */
static json_t *bulk_answer(void)
{
    return json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}}}}, s:{s:s}, s:{s:s}}}", "type",
                     "object", "properties", "matched", "type", "integer", "tables", "type", "object",
                     "additionalProperties", "type", "object", "properties", "updated", "type", "integer",
                     "deleted", "type", "integer", "max_bulk_rows", "type", "integer", "dry_run", "type",
                     "boolean");
}

/* One operation of a path: the list parameters for a list's GET (in the
 * body for a query body), the subject as the body of a write that sends
 * one, and its success; a PATCH or DELETE of a resource's collection is a
 * bulk write. */
static json_t *operation(const rm_path_doc *p, const rm_operation *op, const orm_scope *scope)
{
    bool listing = p->collection && (!strcmp(op->method, "GET") || op->body);
    bool body = !op->body && (!strcmp(op->method, "POST") || !strcmp(op->method, "PUT") ||
                              !strcmp(op->method, "PATCH"));
    bool bulk = p->collection && !p->keyed && !op->body &&
                (!strcmp(op->method, "PATCH") || !strcmp(op->method, "DELETE"));
    json_t *o = json_object();
    if (p->aggregate) { /* its parameters in the query string, or (POST, QUERY) as a body */
        if (op->body) json_object_set_new(o, "requestBody", query_body_of(op->body));
        else json_object_set_new(o, "parameters", aggregate_params());
        json_object_set_new(o, "responses", responses(op->status, groups_answer()));
        return o;
    }
    if (op->body) json_object_set_new(o, "requestBody", query_body_of(op->body));
    if (listing && !op->body) json_object_set_new(o, "parameters", list_params(p->subject, scope));
    else if (bulk) json_object_set_new(o, "parameters", bulk_params());
    else if (!strcmp(op->method, "GET")) /* one object: its counts and its collections' criteria */
        json_object_set_new(o, "parameters",
                            criteria_params(count_params(json_array(), p->subject, scope), p->subject, scope));
    if (body) json_object_set_new(o, "requestBody", body_of(p->subject));
    json_t *r = responses(op->status, op->status == 204 ? NULL
                                      : bulk            ? bulk_answer()
                                      : listing         ? list_of(p->subject, scope)
                                                        : answer_of(p->subject, scope));
    if (body || !strcmp(op->method, "DELETE")) /* a unique key, a foreign key, a version (SPEC §3, §9) */
        json_object_set_new(r, "409", json_pack("{s:s}", "$ref", "#/components/responses/Conflict"));
    if (body || bulk) /* a value out of its column's rules or breaking a named check; past max_bulk_rows */
        json_object_set_new(r, "422", json_pack("{s:s}", "$ref", "#/components/responses/Invalid"));
    json_object_set_new(o, "responses", r);
    return o;
}

/* A path item: its operations, keyed by the method in lower case (QUERY
 * as "x-query"), then the {id} parameter where the path has one. */
static json_t *path_item(const rm_path_doc *p, json_t *id, const orm_scope *scope)
{
    json_t *item = json_object();
    for (size_t i = 0; i < p->nops; i++) {
        char key[8] = {0};
        for (size_t k = 0; k < sizeof key - 1 && p->ops[i].method[k]; k++)
            key[k] = (char)tolower((unsigned char)p->ops[i].method[k]);
        if (!strcmp(key, "query")) memcpy(key, "x-query", 8);
        json_object_set_new(item, key, operation(p, &p->ops[i], scope));
    }
    if (p->keyed) json_object_set(item, "parameters", id);
    return item;
}

/* A problem+json answer (components.responses) described by description. */
static json_t *problem_answer(const char *description)
{
    return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", description, "content", "application/problem+json",
                     "schema", "$ref", "#/components/schemas/Problem");
}

int rm_reply_openapi(rm_ctx *ctx, const rm_path_doc *docs, size_t n)
{
    const orm_schema *s = ctx->app->schema;
    json_t *schemas = json_object(), *paths = json_object();
    json_t *id = json_pack("[{s:s, s:s, s:b, s:{s:s}}]", "name", "id", "in", "path", "required", 1, "schema",
                           "type", "string");
    for (size_t i = 0; i < s->nmappers; i++) /* the entities the role may read */
        if (orm_scope_visible(ctx->session.scope, s->mappers[i]))
            json_object_set_new(schemas, s->mappers[i]->name, entity_schema(s->mappers[i], ctx->session.scope));
    for (size_t i = 0; i < n; i++) json_object_set_new(paths, docs[i].path, path_item(&docs[i], id, ctx->session.scope));
    json_decref(id);
    json_object_set_new(schemas, "Problem",
                        json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}}}}}}",
                                  "type", "object", "properties", "type", "type", "string", "title", "type",
                                  "string", "status", "type", "integer", "detail", "type", "string", "errors",
                                  "type", "array", "items", "type", "object", "properties", "pointer", "type",
                                  "string", "message", "type", "string"));
    json_t *answers = json_object();
    json_object_set_new(answers, "Problem", problem_answer("an error (RFC 9457)"));
    json_object_set_new(answers, "Conflict",
                        problem_answer("a unique key taken, a foreign key naming no row, or a stale version"));
    json_object_set_new(answers, "Invalid",
                        problem_answer("values that break a column's rules or a named check (errors[] by pointer)"));
    json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:o, s:{s:o, s:o}}", "openapi", "3.1.0", "info", "title",
                            "restmap", "version", "1", "paths", paths, "components", "schemas", schemas,
                            "responses", answers);
    return rm_reply_json_doc(ctx, 200, doc);
}
