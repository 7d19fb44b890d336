/* schema_projections.c: several entities over one table (SPEC §9). One
 * entity owns a table (orm_table.mapper: it creates and writes it); any
 * other entity naming that table must say "viewonly": true and is a
 * read-only projection of it: its columns are some of the owner's (same
 * keys, types, SQL names and key flags, the primary key included), shown
 * through its own visible mask; its optional "where" (a filter over its own
 * columns, hidden ones included) is compiled once into
 * orm_mapper.view_where, which orm_scope_where applies wherever its rows
 * are read. It inherits nothing and nothing inherits from it; its
 * relationships, and those that target it, are view-only. Two writable
 * mappings of one row in one unit of work could not be kept consistent,
 * so there are none. */
#include <string.h>

#include "orm/filter.h"
#include "orm/schema_load_int.h"

static const char *const projection_column_keys[] = {"type", "primary_key", "column", "hidden", NULL};
/* keys that belong to the table's owner */
static const char *const owner_keys[] = {"polymorphic_on", "polymorphic_identity", "unique", "indexes", NULL};

/* "viewonly" read; a projection inherits nothing, nothing inherits from
 * it, and only a projection has a "where". */
int orm_loader_mark_projections(orm_loadctx *C)
{
    orm_loader *L = &C->L;
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (!d->entity) continue;
        if (orm_loader_get_bool(L, &d->origin, NULL, d->json, "viewonly", &d->viewonly)) return ORM_E_SCHEMA;
        d->m->viewonly = d->viewonly;
        if (!d->viewonly) {
            if (json_object_get(d->json, "where"))
                return orm_loader_fail(L, &d->origin, "where",
                                       "only a view-only entity has a \"where\" (add \"viewonly\": true)");
            continue;
        }
        if (d->m->inherits)
            return orm_loader_fail(L, &d->origin, "inherits",
                                   "a view-only entity cannot inherit (it projects its table's owner)");
        for (const char *const *k = owner_keys; *k; k++)
            if (json_object_get(d->json, *k))
                return orm_loader_fail(L, &d->origin, *k, "belongs to the table's owner, not a view-only entity");
    }
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (d->entity && d->m->inherits && d->m->inherits->viewonly)
            return orm_loader_fail(L, &d->origin, "inherits", "entity %s is view-only: nothing inherits from it",
                                   d->m->inherits->name);
    }
    return 0;
}

/* One column of projection d: the owner's column of that key, declared
 * alike; marks it declared (and shown unless "hidden"). */
static int projection_column(orm_loader *L, orm_decl *d, const char *key, json_t *col, bool *declared, bool *shown)
{
    const orm_table *t = d->m->table;
    const char *p = rm_arena_sprintf(L->tmp, "columns.%s", key), *type, *sql;
    bool pk = false, hidden = false;
    if (!json_is_object(col)) return orm_loader_fail(L, &d->origin, p, "must be an object");
    if (orm_loader_check_keys(L, &d->origin, p, col, projection_column_keys) ||
        orm_loader_get_string(L, &d->origin, p, col, "type", &type) ||
        orm_loader_get_string(L, &d->origin, p, col, "column", &sql) ||
        orm_loader_get_bool(L, &d->origin, p, col, "primary_key", &pk) ||
        orm_loader_get_bool(L, &d->origin, p, col, "hidden", &hidden))
        return ORM_E_SCHEMA;
    const orm_column *c = orm_table_column(t, key);
    if (!c)
        return orm_loader_fail(L, &d->origin, p, "table %s (entity %s) has no column \"%s\"", t->name,
                               t->mapper->name, key);
    if (!type || strcmp(type, orm_type_name(c->type)))
        return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "type"),
                               "must be the type entity %s gives it (\"%s\")", t->mapper->name,
                               orm_type_name(c->type));
    if (strcmp(sql ? sql : key, c->sql_name))
        return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "column"),
                               "must name the column entity %s maps it to (\"%s\")", t->mapper->name, c->sql_name);
    if (pk != c->primary_key)
        return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "primary_key"),
                               pk ? "is not part of entity %s's primary key" : "is part of entity %s's primary key",
                               t->mapper->name);
    if (pk && hidden)
        return orm_loader_fail(L, &d->origin, orm_loader_subpath(L, p, "hidden"),
                               "a primary key column is always shown");
    declared[c->index] = true;
    shown[c->index] = !hidden;
    return 0;
}

/* "where": a filter over the projection's declared columns only (hidden
 * ones included, no relationship), compiled once over alias 0. */
static int compile_where(orm_loader *L, orm_decl *d, const bool *declared)
{
    json_t *where;
    if (orm_loader_get_object(L, &d->origin, NULL, d->json, "where", &where)) return ORM_E_SCHEMA;
    if (!where) return 0;
    orm_mapper view = *d->m;
    view.visible = declared;
    view.nrelationships = 0;
    orm_alias_seq seq = orm_alias_seq_start(1, NULL);
    orm_error ferr;
    orm_error_init(&ferr, L->tmp);
    orm_expr *e;
    if (orm_filter_parse(L->s->arena, &view, where, 0, &seq, "", &e, &ferr)) {
        const char *ptr = ferr.nfields ? ferr.fields[0].pointer : "";
        return orm_loader_fail(L, &d->origin, rm_arena_sprintf(L->tmp, "where%s", ptr), "%s",
                               ferr.nfields ? ferr.fields[0].message : ferr.detail);
    }
    d->m->view_where = (orm_template){e, seq.next - 1};
    return 0;
}

/* Projection d on its owner's table: columns checked, visible mask, where. */
static int build_projection(orm_loader *L, orm_decl *d)
{
    const char *name;
    json_t *cols, *v;
    if (orm_loader_get_string(L, &d->origin, NULL, d->json, "table", &name)) return ORM_E_SCHEMA;
    if (!name) name = orm_default_table_name(L->tmp, d->name);
    orm_table *t = rm_strmap_get(&L->s->tables_by_name, name);
    if (!t || !t->mapper)
        return orm_loader_fail(L, &d->origin, json_object_get(d->json, "table") ? "table" : "viewonly",
                               "no entity owns table \"%s\": a view-only entity projects another entity's table",
                               name);
    d->m->table = t;
    if (orm_loader_get_object(L, &d->origin, NULL, d->json, "columns", &cols)) return ORM_E_SCHEMA;
    if (!cols || !json_object_size(cols))
        return orm_loader_fail(L, &d->origin, "columns", "must be a non-empty object of %s's columns", t->mapper->name);
    bool *declared = RM_NEW_ARRAY(L->tmp, bool, t->ncolumns), *shown = RM_NEW_ARRAY(L->s->arena, bool, t->ncolumns);
    json_object_foreach(cols, name, v) {
        if (projection_column(L, d, name, v, declared, shown)) return ORM_E_SCHEMA;
    }
    for (size_t i = 0; i < t->npk; i++)
        if (!declared[t->pk[i]->index])
            return orm_loader_fail(L, &d->origin, "columns", "lacks the primary key column \"%s\"", t->pk[i]->name);
    d->m->visible = shown;
    return compile_where(L, d, declared);
}

int orm_loader_build_projections(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && C->decls[i].viewonly && build_projection(&C->L, &C->decls[i])) return ORM_E_SCHEMA;
    return 0;
}

/* A projection's "default_order" (checked against the table as written)
 * names only columns it shows. */
static int check_default_order(orm_loader *L, orm_decl *d)
{
    const char *p = d->m->default_order;
    while (p && *p) {
        size_t n = strcspn(p, ",");
        const char *name = rm_arena_strndup(L->tmp, p[0] == '-' ? p + 1 : p, p[0] == '-' ? n - 1 : n);
        if (!orm_mapper_column(d->m, name, ORM_COL_READ))
            return orm_loader_fail(L, &d->origin, "default_order", "\"%s\" is not a column entity %s shows", name,
                                   d->m->name);
        p += n + (p[n] == ',');
    }
    return 0;
}

int orm_loader_check_projections(orm_loadctx *C)
{
    orm_loader *L = &C->L;
    for (size_t i = 0; i < L->nrels; i++) {
        const orm_relationship *r = L->rels[i].rel;
        if (r->viewonly || !(r->parent->viewonly || r->target->viewonly)) continue;
        return orm_loader_fail(L, &L->rels[i].origin, rm_arena_sprintf(L->tmp, "relationships.%s", r->name),
                               "entity %s is view-only: a relationship %s it must be \"viewonly\": true",
                               r->parent->viewonly ? r->parent->name : r->target->name,
                               r->parent->viewonly ? "from" : "to");
    }
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (!d->entity || !d->viewonly) continue;
        d->m->version_col = NULL; /* it writes nothing */
        if (check_default_order(L, d)) return ORM_E_SCHEMA;
    }
    return 0;
}
