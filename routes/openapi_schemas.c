/* openapi_schemas.c: the component schemas of /openapi.json. Per entity
 * the role may read:
 *   X        what answers hold for a row: readable columns (write-only and
 *            hidden ones absent; server-managed, computed and view-only ones
 *            readOnly; deferred and computed ones never required),
 *            relationships (a to-one oneOf [row, null], a to-many an array),
 *            _count, proxies and _links; only the key and _links are
 *            required (fields= leaves out the rest). A subclass whose parent
 *            the role reads is allOf [parent, what it adds].
 * and per writable entity the request bodies (SPEC §3, §8 "Requests"):
 *   XCreate  POST: the columns a client may write, the required ones
 *            those body.c refuses to miss (NOT NULL, no default, not
 *            generated, not filled by a to-one given in the body);
 *   XReplace PUT: the same, the key not required (the URL names it), the
 *            version accepted (the one the change is based on);
 *   XUpdate  PATCH: the same members, none required;
 *   XBulkUpdate  PATCH /api/{res}?filter=: writable columns but the key and
 *            the version, at least one;
 *   XLink    {key}: an existing row to link;
 *   XNew     a nested new row (its parent fills what the relationship sets);
 *   XMember  a nested to-one or collection member: anyOf link, new, or key
 *            and fields (an update of that row).
 * Bodies are closed (an unknown member is 400). Problem is the shared
 * problem+json shape (RFC 9457). */
#include <stdio.h>
#include <string.h>

#include "orm/convert.h"
#include "orm/defaults.h"
#include "routes/openapi_int.h"

/* The JSON types of c's values: an array when null is one of them. */
static json_t *types_of(const char *type, const char *also, bool nullable)
{
    json_t *t = json_pack("[s]", type);
    if (also) json_array_append_new(t, json_string(also));
    if (nullable) json_array_append_new(t, json_string("null"));
    if (json_array_size(t) == 1) {
        json_t *one = json_string(type);
        json_decref(t);
        return one;
    }
    return t;
}

/* c's value schema. request: as a body may send it (a numeric also as an
 * integer, an autoincrement key also null: generated); else as answers
 * write it. Choices are an enum, with null when the column is nullable. */
static json_t *column_schema(const orm_mapper *m, const orm_column *c, bool request)
{
    json_t *s = json_object();
    const char *type = "string", *also = NULL, *format = NULL;
    switch (c->type) {
    case ORM_T_INTEGER: type = "integer"; format = "int32"; break;
    case ORM_T_BIGINT: type = "integer"; format = "int64"; break;
    case ORM_T_FLOAT: type = "number"; format = "double"; break;
    case ORM_T_NUMERIC: format = "decimal"; also = request ? "integer" : NULL; break;
    case ORM_T_BOOLEAN: type = "boolean"; break;
    case ORM_T_DATE: format = "date"; break;
    case ORM_T_DATETIME: format = "date-time"; break;
    case ORM_T_UUID: format = "uuid"; break;
    case ORM_T_JSON: type = NULL; break; /* any JSON value */
    default: break;
    }
    bool nullable = c->nullable || (request && c->primary_key && c->autoincrement);
    if (type) json_object_set_new(s, "type", types_of(type, also, nullable));
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
    if (!request && (orm_mapper_column_server_managed(m, c) || m->viewonly))
        json_object_set_new(s, "readOnly", json_true());
    if (request && c->write_only) json_object_set_new(s, "writeOnly", json_true());
    json_t *e = rm_choices_json(c);
    if (e && c->nullable) json_array_append_new(e, json_null());
    if (e) json_object_set_new(s, "enum", e);
    return s;
}

/* ---- answers --------------------------------------------------------------------- */

json_t *rm_oa_answer_of(const orm_mapper *m, const orm_scope *scope)
{
    if (!m->ndescendants || !m->polymorphic_on) return rm_oa_schema_ref(m, "");
    json_t *any = json_array(), *mapping = json_object();
    rm_arena *a = rm_arena_new();
    for (size_t i = 0; i <= m->ndescendants; i++) {
        const orm_mapper *c = i ? m->descendants[i - 1] : m;
        if (i && !orm_scope_visible(scope, c)) continue;
        json_t *r = rm_oa_schema_ref(c, "");
        if (c->has_identity)
            json_object_set(mapping, orm_value_to_text(a, &c->polymorphic_identity), json_object_get(r, "$ref"));
        json_array_append_new(any, r);
    }
    rm_arena_destroy(a);
    /* anyOf: a subclass's row is also a valid row of its (open) parent's schema */
    return json_pack("{s:o, s:{s:s, s:o}}", "anyOf", any, "discriminator", "propertyName", m->polymorphic_on->name,
                     "mapping", mapping);
}

static json_t *obj_schema(json_t *props, json_t *required, bool closed)
{
    json_t *s = json_pack("{s:s, s:o}", "type", "object", "properties", props);
    if (required && json_array_size(required)) json_object_set_new(s, "required", required);
    else json_decref(required);
    if (closed) json_object_set_new(s, "additionalProperties", json_false());
    return s;
}

/* The relationships m declares below `up` (m and its ancestors up to it) that
 * the role may read, each through add(props, r, ud). */
static void each_relationship(const orm_mapper *m, const orm_mapper *up, const orm_scope *scope, json_t *props,
                              void (*add)(json_t *, const orm_relationship *, const orm_scope *))
{
    for (const orm_mapper *mm = m; mm && mm != up; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++)
            if (orm_scope_visible(scope, mm->relationships[i].target)) add(props, &mm->relationships[i], scope);
}

static void answer_relationship(json_t *props, const orm_relationship *r, const orm_scope *scope)
{
    if (r->lazy == ORM_LAZY_NOLOAD) return;
    json_t *one = rm_oa_answer_of(r->target, scope);
    json_t *prop = r->uselist ? json_pack("{s:s, s:o}", "type", "array", "items", one)
                              : json_pack("{s:[o, {s:s}]}", "oneOf", one, "type", "null");
    if (r->viewonly) json_object_set_new(prop, "readOnly", json_true());
    json_object_set_new(props, r->name, prop);
}

static void answer_count(json_t *counts, const orm_relationship *r, const orm_scope *scope)
{
    (void)scope;
    if (r->uselist) json_object_set_new(counts, r->name, json_pack("{s:s, s:i}", "type", "integer", "minimum", 0));
}

static json_t *entity_answer(const orm_mapper *m, const orm_scope *scope)
{
    const orm_table *t = m->table;
    const orm_mapper *up = m->inherits && orm_scope_visible(scope, m->inherits) ? m->inherits : NULL;
    json_t *props = json_object(), *required = json_array();
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!orm_mapper_column_allows(m, c, ORM_COL_LISTED) || c->write_only) continue;
        if (up && orm_mapper_column_allows(up, c, ORM_COL_LISTED)) continue;
        json_object_set_new(props, c->name, column_schema(m, c, false));
        if (c->primary_key) json_array_append_new(required, json_string(c->name)); /* fields= keeps it */
    }
    each_relationship(m, up, scope, props, answer_relationship);
    json_t *counts = json_object(); /* count[REL] (SPEC §10 B): "_count" when asked */
    each_relationship(m, up, scope, counts, answer_count);
    if (json_object_size(counts))
        json_object_set_new(props, "_count",
                            json_pack("{s:s, s:o, s:b, s:b, s:s}", "type", "object", "properties", counts,
                                      "additionalProperties", 0, "readOnly", 1, "description",
                                      "with count[REL]: the rows of each to-many relationship asked"));
    else
        json_decref(counts);
    for (const orm_mapper *mm = m; mm && mm != up; mm = mm->inherits) /* association proxies: lists of values */
        for (size_t i = 0; i < mm->nproxies; i++) {
            const orm_proxy *x = &mm->proxies[i];
            if (!orm_scope_visible(scope, x->through->target)) continue;
            json_t *prop = json_pack("{s:s, s:o}", "type", "array", "items",
                                     column_schema(x->through->target, x->attribute, false));
            if (x->read_only) json_object_set_new(prop, "readOnly", json_true());
            json_object_set_new(props, x->name, prop);
        }
    if (!up) {
        json_object_set_new(props, "_links", json_pack("{s:s, s:{s:s}, s:[s]}", "type", "object",
                                                       "additionalProperties", "type", "string", "required",
                                                       "self"));
        json_array_append_new(required, json_string("_links"));
    }
    /* closed unless rows of other classes share it (a hierarchy) */
    json_t *s = obj_schema(props, required, !m->inherits && !m->ndescendants);
    return up ? json_pack("{s:[o, o]}", "allOf", rm_oa_schema_ref(up, ""), s) : s;
}

json_t *rm_oa_list_of(const orm_mapper *m, const orm_scope *scope)
{
    json_t *list = rm_oa_shape(
        "{'type': 'object', 'required': ['data', 'meta', 'links'], 'additionalProperties': false, 'properties': {"
        "  'data': {'type': 'array'},"
        "  'meta': {'type': 'object', 'required': ['limit', 'offset'], 'additionalProperties': false, 'properties': {"
        "    'limit': {'type': 'integer'}, 'offset': {'type': 'integer'}, 'total': {'type': 'integer'},"
        "    'next_cursor': {'type': 'string'},"
        "    'facets': {'type': 'object', 'additionalProperties': {"
        "      'type': 'object', 'required': ['values', 'truncated'], 'properties': {"
        "        'values': {'type': 'array', 'items': {'type': 'object', 'required': ['value', 'count'],"
        "          'properties': {'value': {}, 'count': {'type': 'integer'}}}},"
        "        'truncated': {'type': 'boolean'}}}}}},"
        "  'links': {'type': 'object', 'required': ['self'], 'additionalProperties': false, 'properties': {"
        "    'self': {'type': 'string'}, 'next': {'type': 'string'}, 'prev': {'type': 'string'}}}}}");
    json_t *data = json_object_get(json_object_get(list, "properties"), "data");
    if (data) json_object_set_new(data, "items", rm_oa_answer_of(m, scope));
    return list;
}

/* ---- request bodies ---------------------------------------------------------------- */

typedef enum { BODY_CREATE, BODY_REPLACE, BODY_UPDATE, BODY_NEW, BODY_BULK } body_kind;

/* Is c a member of m's bodies of this kind? Server-managed columns are not
 * (read-only: 400), but for the version an update is based on; a bulk
 * PATCH (SPEC §10 D) takes no key and no version. */
static bool body_member(const orm_mapper *m, const orm_column *c, body_kind kind)
{
    if (!orm_mapper_column_allows(m, c, ORM_COL_INPUT)) return false;
    if (kind == BODY_BULK && (c->primary_key || c->version)) return false;
    if (c->version) return kind == BODY_REPLACE || kind == BODY_UPDATE;
    return !orm_mapper_column_server_managed(m, c);
}

/* The writable to-one of m whose foreign key holds c (a body giving that
 * relationship fills c), or NULL. */
static const orm_relationship *filled_by(const orm_mapper *m, const orm_column *c, const orm_scope *scope)
{
    for (const orm_mapper *mm = m; mm; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++) {
            const orm_relationship *r = &mm->relationships[i];
            if (r->direction != ORM_MANY_TO_ONE || r->viewonly || !orm_scope_visible(scope, r->target)) continue;
            for (size_t k = 0; k < r->npairs; k++)
                if (r->local[k] == c) return r;
        }
    return NULL;
}

static void body_relationship(json_t *props, const orm_relationship *r, const orm_scope *scope)
{
    (void)scope;
    if (r->viewonly) return; /* 400 in a body */
    json_t *one = rm_oa_schema_ref(r->target, "Member");
    json_object_set_new(props, r->name,
                        r->uselist ? json_pack("{s:s, s:o, s:s}", "type", "array", "items", one, "description",
                                               "the collection's members: new rows, {key} links, key and fields "
                                               "updates; on PUT/PATCH it replaces the collection")
                                   : json_pack("{s:[o, {s:s}]}", "oneOf", one, "type", "null"));
}

/* m's body of this kind. */
static json_t *entity_body(const orm_mapper *m, const orm_scope *scope, body_kind kind)
{
    const orm_table *t = m->table;
    json_t *props = json_object(), *required = json_array(), *either = json_array();
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!body_member(m, c, kind)) continue;
        json_t *prop = column_schema(m, c, true);
        if (c->version)
            json_object_set_new(prop, "description",
                                json_string("the version the change is based on: a stale one is 409"));
        json_object_set_new(props, c->name, prop);
        if (kind != BODY_CREATE && kind != BODY_REPLACE) continue; /* nested, PATCH: nothing required */
        if (!rm_body_requires(m, c, kind == BODY_CREATE ? RM_WRITE_CREATE : RM_WRITE_REPLACE)) continue;
        const orm_relationship *r = filled_by(m, c, scope);
        if (!r) {
            json_array_append_new(required, json_string(c->name));
            continue;
        }
        json_array_append_new(either, json_pack("{s:[{s:[s]}, {s:[s], s:{s:{s:s}}}]}", "anyOf", "required",
                                                c->name, "required", r->name, "properties", r->name, "type",
                                                "object"));
    }
    if (kind == BODY_BULK) { /* columns only, at least one */
        json_t *s = obj_schema(props, required, true);
        json_object_set_new(s, "minProperties", json_integer(1));
        json_decref(either);
        return s;
    }
    each_relationship(m, NULL, scope, props, body_relationship);
    for (const orm_mapper *mm = m; mm; mm = mm->inherits)
        for (size_t i = 0; i < mm->nproxies; i++) {
            const orm_proxy *x = &mm->proxies[i];
            if (x->read_only || !orm_scope_visible(scope, x->through->target)) continue;
            json_object_set_new(props, x->name,
                                json_pack("{s:s, s:o, s:b, s:s}", "type", "array", "items",
                                          column_schema(x->through->target, x->attribute, true), "uniqueItems", 1,
                                          "description", "replaces the collection, value by value"));
        }
    json_t *s = obj_schema(props, required, true);
    if (json_array_size(either)) json_object_set_new(s, "allOf", either);
    else json_decref(either);
    return s;
}

/* {key}: an existing row of m, linked. */
static json_t *entity_link(const orm_mapper *m)
{
    json_t *props = json_object(), *required = json_array();
    for (size_t i = 0; i < m->table->npk; i++) {
        const orm_column *c = m->table->pk[i];
        json_object_set_new(props, c->name, column_schema(m, c, false));
        json_object_del(json_object_get(props, c->name), "readOnly");
        json_array_append_new(required, json_string(c->name));
    }
    return obj_schema(props, required, true);
}

/* A nested object: a link, a new row, or the key and fields of a row to update. */
static json_t *entity_member(const orm_mapper *m)
{
    json_t *keyed = json_array();
    for (size_t i = 0; i < m->table->npk; i++) json_array_append_new(keyed, json_string(m->table->pk[i]->name));
    return json_pack("{s:[o, o, {s:[o, {s:o}]}], s:s}", "anyOf", rm_oa_schema_ref(m, "Link"),
                     rm_oa_schema_ref(m, "New"), "allOf", rm_oa_schema_ref(m, "Update"), "required", keyed,
                     "description", "{key} links an existing row; no key creates one; the key and fields update "
                                    "that row");
}

static json_t *problem_schema(void)
{
    return rm_oa_shape("{'type': 'object', 'required': ['type', 'title', 'status', 'detail', 'errors'], 'properties': {"
                       "  'type': {'type': 'string'}, 'title': {'type': 'string'},"
                       "  'status': {'type': 'integer', 'minimum': 400, 'maximum': 599}, 'detail': {'type': 'string'},"
                       "  'errors': {'type': 'array', 'items': {'type': 'object', 'required': ['pointer', 'message'],"
                       "    'properties': {'pointer': {'type': 'string'}, 'message': {'type': 'string'}}}},"
                       "  'error_count': {'type': 'integer'}, 'request_id': {'type': 'string'}}}");
}

void rm_oa_schemas(json_t *schemas, const orm_schema *s, const orm_scope *scope)
{
    static const struct {
        const char *suffix;
        body_kind kind;
    } bodies[] = {{"Create", BODY_CREATE}, {"Replace", BODY_REPLACE}, {"Update", BODY_UPDATE}, {"New", BODY_NEW},
                  {"BulkUpdate", BODY_BULK}};
    for (size_t i = 0; i < s->nmappers; i++) {
        const orm_mapper *m = s->mappers[i];
        if (!orm_scope_visible(scope, m)) continue;
        json_object_set_new(schemas, m->name, entity_answer(m, scope));
        if (m->viewonly) continue; /* a projection: never written */
        char name[300];
        for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
            snprintf(name, sizeof name, "%s%s", m->name, bodies[k].suffix);
            json_object_set_new(schemas, name, entity_body(m, scope, bodies[k].kind));
        }
        snprintf(name, sizeof name, "%sLink", m->name);
        json_object_set_new(schemas, name, entity_link(m));
        snprintf(name, sizeof name, "%sMember", m->name);
        json_object_set_new(schemas, name, entity_member(m));
    }
    json_object_set_new(schemas, "Problem", problem_schema());
}
