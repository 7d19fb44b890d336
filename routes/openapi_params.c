/* openapi_params.c: the query parameters of /openapi.json's operations,
 * as params.c, facets.c, bulk.c and aggregate.c take them: lists (SPEC §4:
 * filter as JSON text, sort, limit and offset as bounded integers, cursor,
 * include, fields, count=exact, the equality shorthand per readable
 * column; §10 B counts and facets; §10 C criteria per to-many
 * relationship), one object (include, fields, counts and criteria on
 * reads), bulk writes (§10 D) and aggregates (§10 A). */
#include <stdio.h>
#include <string.h>

#include "routes/openapi_int.h"

static json_t *with_schema(const char *name, const char *desc, json_t *schema)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "name", name, "in", "query", "description", desc, "schema", schema);
}

static json_t *param(const char *name, const char *desc)
{
    return with_schema(name, desc, json_pack("{s:s}", "type", "string"));
}

/* A JSON parameter (a filter): a string whose content is JSON. */
static json_t *json_param(const char *name, const char *desc)
{
    return with_schema(name, desc, json_pack("{s:s, s:s}", "type", "string", "contentMediaType", "application/json"));
}

/* An integer from min to max (max < 0: unbounded). */
static json_t *int_param(const char *name, const char *desc, long long min, long long max)
{
    json_t *s = json_pack("{s:s, s:I}", "type", "integer", "minimum", (json_int_t)min);
    if (max >= 0) json_object_set_new(s, "maximum", json_integer(max));
    return with_schema(name, desc, s);
}

static json_t *enum_param(const char *name, const char *desc, const char *const *values)
{
    json_t *e = json_array();
    for (const char *const *v = values; *v; v++) json_array_append_new(e, json_string(*v));
    return with_schema(name, desc, json_pack("{s:s, s:o}", "type", "string", "enum", e));
}

/* Append p unless a parameter of its name is there (a column named like a
 * list parameter is not reachable by the shorthand). */
static void add(json_t *params, json_t *p)
{
    const char *name = json_string_value(json_object_get(p, "name"));
    size_t i;
    json_t *q;
    json_array_foreach(params, i, q)
        if (!strcmp(json_string_value(json_object_get(q, "name")), name)) {
            json_decref(p);
            return;
        }
    json_array_append_new(params, p);
}

/* "name[REL]" for r, into buf. */
static const char *bracket(char *buf, size_t len, const char *name, const orm_relationship *r)
{
    snprintf(buf, len, "%s[%s]", name, r->name);
    return buf;
}

/* Per relationship of m the role may read: fields[REL]; and on reads, per
 * to-many one, count[REL] and the criteria filter/sort/limit/offset[REL]
 * (dotted paths below them work too). */
static void relationship_params(json_t *params, const orm_mapper *m, const orm_scope *scope, bool reads)
{
    char name[200];
    for (const orm_mapper *k = m; k; k = k->inherits)
        for (size_t i = 0; i < k->nrelationships; i++) {
            const orm_relationship *r = &k->relationships[i];
            if (!orm_scope_visible(scope, r->target)) continue;
            if (r->lazy != ORM_LAZY_NOLOAD && r->lazy != ORM_LAZY_DYNAMIC)
                add(params, param(bracket(name, sizeof name, "fields", r),
                                        "columns of the embedded rows (with include); the key is kept"));
            if (!reads || !r->uselist) continue;
            add(params, param(bracket(name, sizeof name, "count", r),
                                    "* or a JSON filter on the target: adds _count.REL to each object "
                                    "(count[PATH.REL]: to the objects include=PATH embeds); at most 10"));
            if (r->lazy == ORM_LAZY_NOLOAD) continue;
            long long max = rm_resource_of(r->target)->max_page_size;
            add(params, json_param(bracket(name, sizeof name, "filter", r),
                                   "JSON filter (SPEC §5) on the embedded rows: keeps those that match, never "
                                   "drops a parent"));
            add(params, param(bracket(name, sizeof name, "sort", r),
                                    "order of the embedded rows, as sort (replaces the relationship's order_by)"));
            add(params, int_param(bracket(name, sizeof name, "limit", r),
                                  "at most this many embedded rows per parent (a dynamic relationship is "
                                  "included with it)", 0, max));
            add(params, int_param(bracket(name, sizeof name, "offset", r), "embedded rows skipped per parent", 0,
                                  -1));
        }
}

/* The equality shorthand column=value for each column m's lists filter on. */
static void shorthand_params(json_t *params, const orm_mapper *m)
{
    const orm_table *t = m->table;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!orm_mapper_column_allows(m, c, ORM_COL_READ) || !orm_mapper_column_allows(m, c, ORM_COL_LISTED))
            continue;
        if (orm_mapper_column(m, c->name, ORM_COL_READ) != c) continue; /* another class's in the table */
        add(params, param(c->name, "equality shorthand: rows whose column equals the value (its text), "
                                         "AND-ed with filter"));
    }
}

json_t *rm_oa_list_params(const orm_mapper *m, const orm_scope *scope)
{
    static const char *const exact[] = {"exact", NULL};
    const rm_resource *res = rm_resource_of(m);
    json_t *params = json_array();
    add(params, json_param("filter", "JSON filter (SPEC §5)"));
    add(params, param("sort", "keys, - for descending, dotted through many-to-one; _count.REL: the rows of "
                                    "a to-many relationship (count[REL]'s filter)"));
    add(params, int_param("limit", "page size (default page_size)", 0, res->max_page_size));
    add(params, int_param("offset", "rows to skip (not with cursor)", 0, -1));
    add(params, param("cursor", "keyset cursor from links.next or meta.next_cursor"));
    add(params, param("include", "relationships to embed, comma-separated, dotted, depth <= 3"));
    add(params, param("fields", "columns to return, comma-separated (the key is always kept)"));
    add(params, enum_param("count", "exact: adds meta.total", exact));
    add(params, param("facet", "columns or many-to-one paths: meta.facets counts their values (at most 10)"));
    add(params, int_param("facet_size", "values per facet (default 30; only with facet)", 1, 1000));
    relationship_params(params, m, scope, true);
    shorthand_params(params, m);
    return params;
}

json_t *rm_oa_object_params(const orm_mapper *m, const orm_scope *scope, bool reads)
{
    json_t *params = json_array();
    add(params, param("include", "relationships to embed, comma-separated, dotted, depth <= 3"));
    add(params, param("fields", "columns to return, comma-separated (the key is always kept)"));
    relationship_params(params, m, scope, reads);
    return params;
}

json_t *rm_oa_bulk_params(const orm_mapper *m)
{
    static const char *const flag[] = {"true", "false", NULL};
    json_t *params = json_array();
    add(params, json_param("filter", "JSON filter choosing the rows (SPEC §5); the equality shorthand too; one of "
                                     "them, or all=true, is required"));
    add(params, enum_param("all", "true: every row the row filter lets the request see (no filter)", flag));
    add(params, enum_param("dry_run", "true: answer what the request would do and write nothing", flag));
    shorthand_params(params, m);
    return params;
}

json_t *rm_oa_aggregate_params(void)
{
    json_t *all = json_array();
    for (const rm_body_member *e = rm_body_members(rm_handle_aggregate_body); e->name; e++)
        add(all, e->takes & RM_BODY_INTEGER ? int_param(e->name, e->doc, 0, -1)
                 : e->takes & RM_BODY_JSON  ? json_param(e->name, e->doc)
                                            : param(e->name, e->doc));
    return all;
}
