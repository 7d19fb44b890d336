/* schema_constraints.c: the table-level "unique", "indexes", "checks" and
 * "foreign_keys" of an entity or a table (SPEC §9), read once every column
 * is known (an inheriting entity's too). "unique" and "indexes" are lists
 * of the table's columns, with a name (given, or uq_/ix_<table>_<columns>, of the columns' SQL
 * names) unique in the schema; a check is a named §5 filter over the row itself,
 * compiled once here (orm_filter_parse_check); a composite foreign key is
 * read once every table's "unique" is, since it must reference a key. */
#include <stdlib.h>
#include <string.h>

#include "lib/sb.h"
#include "orm/compile.h"
#include "orm/filter.h"
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
        for (size_t k = 0; k < t->nchecks; k++)
            if (!strcmp(t->checks[k].name, name)) return true;
    }
    return false;
}

/* cols (at path), a non-empty array of distinct column names of t → *out
 * (schema arena), *n of them. */
static int column_list(orm_loader *L, const orm_origin *o, const char *path, const orm_table *t, json_t *cols,
                       orm_column ***out, size_t *n)
{
    const char **names;
    if (!cols) return orm_loader_fail(L, o, path, "missing (the columns, in order)");
    if (!json_is_array(cols) || !json_array_size(cols))
        return orm_loader_fail(L, o, path, "must be a non-empty array of column names");
    if (orm_loader_get_name_list(L, o, path, cols, &names, n)) return ORM_E_SCHEMA;
    *out = RM_NEW_ARRAY(L->s->arena, orm_column *, *n);
    for (size_t i = 0; i < *n; i++) {
        const char *ip = rm_arena_sprintf(L->tmp, "%s[%zu]", path, i);
        if (!((*out)[i] = orm_table_column(t, names[i])))
            return orm_loader_fail(L, o, ip, "table %s has no column \"%s\"", t->name, names[i]);
        for (size_t k = 0; k < i; k++)
            if ((*out)[k] == (*out)[i]) return orm_loader_fail(L, o, ip, "\"%s\" is listed twice", names[i]);
    }
    return 0;
}

/* An optional "name" at path: letters, digits and _, at most 63 bytes. */
static int get_name(orm_loader *L, const orm_origin *o, const char *path, json_t *e, const char **out)
{
    if (orm_loader_get_string(L, o, path, e, "name", out)) return ORM_E_SCHEMA;
    if (*out && (!orm_loader_is_ident(*out) || strlen(*out) > 63))
        return orm_loader_fail(L, o, orm_loader_subpath(L, path, "name"),
                               "\"%s\" is not a valid name (letters, digits and _, at most 63 bytes)", *out);
    return 0;
}

/* One entry of "unique" (constraint) or "indexes" at path. */
static int read_entry(orm_loader *L, const orm_origin *o, orm_table *t, const char *path, json_t *e, bool constraint)
{
    if (!json_is_object(e)) return orm_loader_fail(L, o, path, "must be an object with \"columns\"");
    if (orm_loader_check_keys(L, o, path, e, constraint ? (const char *const[]){"columns", "name", NULL} : entry_keys))
        return ORM_E_SCHEMA;
    json_t *cols = json_object_get(e, "columns");
    const char *cpath = orm_loader_subpath(L, path, "columns");
    orm_index ix = {.unique = constraint, .constraint = constraint};
    if (column_list(L, o, cpath, t, cols, &ix.columns, &ix.ncolumns)) return ORM_E_SCHEMA;
    size_t n = ix.ncolumns;
    for (size_t k = 0; k < t->nindexes; k++) {
        const orm_index *other = &t->indexes[k];
        if (other->constraint == constraint && other->ncolumns == n &&
            !memcmp(other->columns, ix.columns, n * sizeof *ix.columns))
            return orm_loader_fail(L, o, cpath, "the same columns as %s", other->name);
    }
    const char *name;
    if (get_name(L, o, path, e, &name) || (!constraint && orm_loader_get_bool(L, o, path, e, "unique", &ix.unique)))
        return ORM_E_SCHEMA;
    ix.name = name ? rm_arena_strdup(L->s->arena, name) : default_name(L, constraint ? "uq" : "ix", t, ix.columns, n);
    if (name_taken(L, ix.name))
        return orm_loader_fail(L, o, name ? orm_loader_subpath(L, path, "name") : cpath,
                               "another constraint or index of the schema is named \"%s\"", ix.name);
    t->indexes = rm_arena_realloc(L->s->arena, t->indexes, t->nindexes * sizeof *t->indexes,
                                  (t->nindexes + 1) * sizeof *t->indexes);
    t->indexes[t->nindexes++] = ix;
    return 0;
}

/* ---- checks -------------------------------------------------------------------- */

/* One entry of "checks" at path: {"name": ..., "check": {filter}}. */
static int read_check(orm_loader *L, const orm_origin *o, orm_table *t, const char *path, json_t *e)
{
    static const char *const keys[] = {"name", "check", NULL};
    if (!json_is_object(e)) return orm_loader_fail(L, o, path, "must be an object with \"name\" and \"check\"");
    if (orm_loader_check_keys(L, o, path, e, keys)) return ORM_E_SCHEMA;
    orm_check ck = {0};
    json_t *cond = json_object_get(e, "check");
    const char *cpath = orm_loader_subpath(L, path, "check");
    if (get_name(L, o, path, e, &ck.name)) return ORM_E_SCHEMA;
    if (!ck.name) return orm_loader_fail(L, o, orm_loader_subpath(L, path, "name"), "missing (a check is named)");
    if (!cond) return orm_loader_fail(L, o, cpath, "missing (a filter on the row's own columns)");
    if (!json_is_object(cond)) return orm_loader_fail(L, o, cpath, "must be a filter object");
    if (name_taken(L, ck.name))
        return orm_loader_fail(L, o, orm_loader_subpath(L, path, "name"),
                               "another constraint or index of the schema is named \"%s\"", ck.name);
    orm_error err;
    orm_error_init(&err, L->tmp);
    if (orm_filter_parse_check(L->s->arena, t, cond, "", &ck.expr, &ck.first, &err))
        return orm_loader_fail(L, o, rm_arena_sprintf(L->tmp, "%s%s", cpath, err.nfields ? err.fields[0].pointer : ""),
                               "%s", err.nfields ? err.fields[0].message : err.detail);
    /* the DDL prints it on every dialect: a condition that does not print is refused here */
    static const orm_dialect *const dialects[] = {&orm_dialect_sqlite, &orm_dialect_pg};
    for (size_t i = 0; i < sizeof dialects / sizeof *dialects; i++) {
        const char *sql;
        if (orm_compile_condition(dialects[i], ck.expr, L->tmp, &sql, &err))
            return orm_loader_fail(L, o, cpath, "cannot be written as SQL for %s", dialects[i]->name);
    }
    char *text = json_dumps(cond, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) return orm_loader_fail(L, o, cpath, "cannot be written back as JSON");
    ck.written = rm_arena_strdup(L->s->arena, text);
    free(text);
    ck.name = rm_arena_strdup(L->s->arena, ck.name);
    t->checks = rm_arena_realloc(L->s->arena, t->checks, t->nchecks * sizeof *t->checks,
                                 (t->nchecks + 1) * sizeof *t->checks);
    t->checks[t->nchecks++] = ck;
    return 0;
}

/* ---- composite foreign keys --------------------------------------------------------- */

/* cols (of t->... referenced table r) make r's primary key or one of its
 * unique entries (in any order). */
static bool is_key_of(const orm_table *r, orm_column *const *cols, size_t n)
{
    bool pk = n == r->npk;
    for (size_t i = 0; i < n && pk; i++) pk = cols[i]->primary_key;
    if (pk) return true;
    if (n == 1 && cols[0]->unique) return true;
    for (size_t k = 0; k < r->nindexes; k++) {
        const orm_index *ix = &r->indexes[k];
        if (!ix->unique || ix->ncolumns != n) continue;
        size_t hit = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) hit += ix->columns[j] == cols[i];
        if (hit == n) return true;
    }
    return false;
}

/* One entry of "foreign_keys" at path: {"columns", "references",
 * "ref_columns" (default: the primary key, in order), "on_delete"}. */
static int read_fkey(orm_loader *L, const orm_origin *o, orm_table *t, const char *path, json_t *e)
{
    static const char *const keys[] = {"columns", "references", "ref_columns", "on_delete", NULL};
    if (!json_is_object(e))
        return orm_loader_fail(L, o, path, "must be an object with \"columns\" and \"references\"");
    if (orm_loader_check_keys(L, o, path, e, keys)) return ORM_E_SCHEMA;
    orm_fkey fk = {0};
    const char *ref, *ondel, *rpath = orm_loader_subpath(L, path, "references");
    const char *refcpath = orm_loader_subpath(L, path, "ref_columns");
    if (column_list(L, o, orm_loader_subpath(L, path, "columns"), t, json_object_get(e, "columns"), &fk.columns, &fk.n) ||
        orm_loader_get_string(L, o, path, e, "references", &ref) || orm_loader_get_string(L, o, path, e, "on_delete", &ondel))
        return ORM_E_SCHEMA;
    if (!ref) return orm_loader_fail(L, o, rpath, "missing (the referenced table)");
    if (!(fk.table = rm_strmap_get(&L->s->tables_by_name, ref)))
        return orm_loader_fail(L, o, rpath, "unknown table \"%s\"", ref);
    if (json_object_get(e, "ref_columns")) {
        size_t n;
        if (column_list(L, o, refcpath, fk.table, json_object_get(e, "ref_columns"), &fk.ref_columns, &n))
            return ORM_E_SCHEMA;
        if (n != fk.n)
            return orm_loader_fail(L, o, refcpath, "%zu columns refer to %zu: give as many on both sides", fk.n, n);
    } else {
        if (fk.table->npk != fk.n)
            return orm_loader_fail(L, o, rpath, "%zu columns refer to the %zu-column primary key of %s", fk.n,
                                   fk.table->npk, ref);
        fk.ref_columns = RM_NEW_ARRAY(L->s->arena, orm_column *, fk.n);
        memcpy(fk.ref_columns, fk.table->pk, fk.n * sizeof *fk.ref_columns);
    }
    if (!is_key_of(fk.table, fk.ref_columns, fk.n))
        return orm_loader_fail(L, o, json_object_get(e, "ref_columns") ? refcpath : rpath,
                               "the referenced columns of %s are neither its primary key nor a unique entry", ref);
    for (size_t i = 0; i < fk.n; i++)
        if (!orm_types_compatible(fk.columns[i]->type, fk.ref_columns[i]->type))
            return orm_loader_fail(L, o, rm_arena_sprintf(L->tmp, "%s.columns[%zu]", path, i),
                                   "type %s does not match %s.%s (%s)", orm_type_name(fk.columns[i]->type), ref,
                                   fk.ref_columns[i]->name, orm_type_name(fk.ref_columns[i]->type));
    if (ondel && orm_loader_parse_on_delete(ondel, &fk.on_delete))
        return orm_loader_fail(L, o, orm_loader_subpath(L, path, "on_delete"),
                               "unknown action \"%s\" (one of cascade, set null, restrict, no action, set default)",
                               ondel);
    for (size_t i = 0; i < fk.n && fk.on_delete == ORM_FK_SET_NULL; i++)
        if (!fk.columns[i]->nullable)
            return orm_loader_fail(L, o, orm_loader_subpath(L, path, "on_delete"),
                                   "\"set null\" on a column that is not nullable (%s)", fk.columns[i]->name);
    for (size_t k = 0; k < t->nfkeys; k++)
        if (t->fkeys[k].n == fk.n && !memcmp(t->fkeys[k].columns, fk.columns, fk.n * sizeof *fk.columns))
            return orm_loader_fail(L, o, orm_loader_subpath(L, path, "columns"), "the same columns as another foreign key");
    fk.name = default_name(L, "fk", t, fk.columns, fk.n);
    t->fkeys = rm_arena_realloc(L->s->arena, t->fkeys, t->nfkeys * sizeof *t->fkeys, (t->nfkeys + 1) * sizeof *t->fkeys);
    t->fkeys[t->nfkeys++] = fk;
    return 0;
}

/* ---- the lists ------------------------------------------------------------------ */

typedef enum { L_UNIQUE, L_INDEXES, L_CHECKS, L_FOREIGN_KEYS } list_kind;

static int read_list(orm_loader *L, orm_decl *d, orm_table *t, const char *key, list_kind kind)
{
    json_t *v = json_object_get(d->json, key), *e;
    size_t i;
    if (!v) return 0;
    if (!json_is_array(v))
        return orm_loader_fail(L, &d->origin, key, "must be an array of %s",
                               kind == L_CHECKS ? "{\"name\": ..., \"check\": {...}}" : "{\"columns\": [...]}");
    json_array_foreach(v, i, e) {
        const char *path = rm_arena_sprintf(L->tmp, "%s[%zu]", key, i);
        int rc = kind == L_CHECKS         ? read_check(L, &d->origin, t, path, e)
                 : kind == L_FOREIGN_KEYS ? read_fkey(L, &d->origin, t, path, e)
                                          : read_entry(L, &d->origin, t, path, e, kind == L_UNIQUE);
        if (rc) return ORM_E_SCHEMA;
    }
    return 0;
}

static orm_table *decl_table(orm_loadctx *C, orm_decl *d)
{
    return d->entity ? d->m->table : rm_strmap_get(&C->L.s->tables_by_name, d->name);
}

int orm_loader_build_constraints(orm_loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        orm_table *t = decl_table(C, d);
        if (!t || read_list(&C->L, d, t, "unique", L_UNIQUE) || read_list(&C->L, d, t, "indexes", L_INDEXES) ||
            read_list(&C->L, d, t, "checks", L_CHECKS))
            return ORM_E_SCHEMA;
    }
    /* foreign keys once every table's keys are known */
    for (size_t i = 0; i < C->ndecls; i++) {
        orm_decl *d = &C->decls[i];
        if (read_list(&C->L, d, decl_table(C, d), "foreign_keys", L_FOREIGN_KEYS)) return ORM_E_SCHEMA;
    }
    return 0;
}
