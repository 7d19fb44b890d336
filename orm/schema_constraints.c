/* schema_constraints.c: the table-level "unique" and "indexes" of an
 * entity or a table (SPEC §9), read once every column is known (an
 * inheriting entity's too): each a list of the table's columns, with a
 * name (given, or uq_/ix_<table>_<columns>, of the columns' SQL names)
 * unique in the schema. */
#include <string.h>

#include "lib/sb.h"
#include "orm/schema_load_int.h"

static const char *const entry_keys[] = {"columns", "name", "unique", NULL};

/* "<prefix>_<table>_<col>_<col>..." */
static const char *default_name(orm_loader *L, const char *prefix, const orm_table *t, orm_column **cols, size_t n)
{
    rm_sb sb;
    rm_sb_init(&sb, L->s->arena);
    rm_sb_appendf(&sb, "%s_%s", prefix, t->name);
    for (size_t i = 0; i < n; i++) rm_sb_appendf(&sb, "_%s", cols[i]->sql_name);
    return sb.buf;
}

/* Is name taken by another constraint or index of the schema? */
static bool name_taken(const orm_loader *L, const char *name)
{
    for (size_t i = 0; i < L->ntables; i++) {
        const orm_table *t = L->tables[i].table;
        for (size_t k = 0; k < t->nindexes; k++)
            if (!strcmp(t->indexes[k].name, name)) return true;
    }
    return false;
}

/* One entry of "unique" (constraint) or "indexes" at path. */
static int read_entry(orm_loader *L, const orm_origin *o, orm_table *t, const char *path, json_t *e, bool constraint)
{
    if (!json_is_object(e)) return orm_loader_fail(L, o, path, "must be an object with \"columns\"");
    if (orm_loader_check_keys(L, o, path, e, constraint ? (const char *const[]){"columns", "name", NULL} : entry_keys))
        return ORM_E_SCHEMA;
    json_t *cols = json_object_get(e, "columns");
    const char *cpath = orm_loader_subpath(L, path, "columns"), **names;
    size_t n;
    if (!cols) return orm_loader_fail(L, o, cpath, "missing (the columns, in order)");
    if (!json_is_array(cols) || !json_array_size(cols))
        return orm_loader_fail(L, o, cpath, "must be a non-empty array of column names");
    if (orm_loader_get_name_list(L, o, cpath, cols, &names, &n)) return ORM_E_SCHEMA;
    orm_index ix = {.unique = constraint, .constraint = constraint, .ncolumns = n};
    ix.columns = RM_NEW_ARRAY(L->s->arena, orm_column *, n);
    for (size_t i = 0; i < n; i++) {
        const char *ip = rm_arena_sprintf(L->tmp, "%s[%zu]", cpath, i);
        if (!(ix.columns[i] = orm_table_column(t, names[i])))
            return orm_loader_fail(L, o, ip, "table %s has no column \"%s\"", t->name, names[i]);
        for (size_t k = 0; k < i; k++)
            if (ix.columns[k] == ix.columns[i]) return orm_loader_fail(L, o, ip, "\"%s\" is listed twice", names[i]);
    }
    for (size_t k = 0; k < t->nindexes; k++) {
        const orm_index *other = &t->indexes[k];
        if (other->constraint == constraint && other->ncolumns == n &&
            !memcmp(other->columns, ix.columns, n * sizeof *ix.columns))
            return orm_loader_fail(L, o, cpath, "the same columns as %s", other->name);
    }
    const char *name;
    if (orm_loader_get_string(L, o, path, e, "name", &name) ||
        (!constraint && orm_loader_get_bool(L, o, path, e, "unique", &ix.unique)))
        return ORM_E_SCHEMA;
    if (name && (!orm_loader_is_ident(name) || strlen(name) > 63))
        return orm_loader_fail(L, o, orm_loader_subpath(L, path, "name"),
                               "\"%s\" is not a valid name (letters, digits and _, at most 63 bytes)", name);
    ix.name = name ? rm_arena_strdup(L->s->arena, name) : default_name(L, constraint ? "uq" : "ix", t, ix.columns, n);
    if (name_taken(L, ix.name))
        return orm_loader_fail(L, o, name ? orm_loader_subpath(L, path, "name") : cpath,
                               "another constraint or index of the schema is named \"%s\"", ix.name);
    t->indexes = rm_arena_realloc(L->s->arena, t->indexes, t->nindexes * sizeof *t->indexes,
                                  (t->nindexes + 1) * sizeof *t->indexes);
    t->indexes[t->nindexes++] = ix;
    return 0;
}

static int read_list(orm_loader *L, orm_decl *d, orm_table *t, const char *key, bool constraint)
{
    json_t *v = json_object_get(d->json, key), *e;
    size_t i;
    if (!v) return 0;
    if (!json_is_array(v)) return orm_loader_fail(L, &d->origin, key, "must be an array of {\"columns\": [...]}");
    json_array_foreach(v, i, e) {
        if (read_entry(L, &d->origin, t, rm_arena_sprintf(L->tmp, "%s[%zu]", key, i), e, constraint))
            return ORM_E_SCHEMA;
    }
    return 0;
}

int orm_loader_build_constraints(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        orm_table *t = d->entity ? d->m->table : rm_strmap_get(&C->L.s->tables_by_name, d->name);
        if (!t || read_list(&C->L, d, t, "unique", true) || read_list(&C->L, d, t, "indexes", false))
            return ORM_E_SCHEMA;
    }
    return 0;
}
