/* schema_load.c: schema files (JSON) → orm_schema (SPEC §2): the entry
 * points, reading the files, and the loading phases in their order.
 *
 * Loading runs in phases over the merged files (schema_load_int.h lists
 * them): collect the declarations (entities and plain tables, duplicates
 * across files refused; here), link inheritance (schema_mappers.c), build
 * tables and columns (schema_columns.c: bases first, then the columns that
 * single-table-inheritance children add to their base's table, then
 * primary keys and autoincrement), mapper options and relationship options
 * (schema_mappers.c), then resolve what needs everything loaded first:
 * foreign keys, table order, relationship directions, back_populates
 * (relationship.c). The first error stops loading; its message names the
 * file, the entity or table, and the key path:
 *   "schemas/blog.json: entity User: columns.name.type: unknown type \"strin\"". */
#include "orm/schema.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "orm/filter.h"
#include "orm/schema_load_int.h"

static const char *const top_keys[] = {"entities", "tables", NULL};
static const char *const table_keys[] = {"columns", "unique", "indexes", "checks", "foreign_keys", NULL};
static const char *const entity_keys[] = {
    "table", "columns", "relationships", "default_order", "inherits", "polymorphic_on",
    "polymorphic_identity", "unique", "indexes", "checks", "foreign_keys", "viewonly", "where", "proxies",
    NULL};

/* The entity keys accepted: the ORM's own, then the caller's (scratch arena). */
static const char *const *accepted_entity_keys(orm_loader *L, const char *const *extra)
{
    size_t n = 0, k = 0;
    for (const char *const *p = extra; p && *p; p++) n++;
    if (!n) return entity_keys;
    const char **keys = RM_NEW_ARRAY(L->tmp, const char *, sizeof entity_keys / sizeof *entity_keys + n);
    for (const char *const *p = entity_keys; *p; p++) keys[k++] = *p;
    for (size_t i = 0; i < n; i++) keys[k++] = extra[i];
    keys[k] = NULL;
    return keys;
}

/* ---- reading files --------------------------------------------------------------- */

/* Parse one document (text when given, else the file at source) and append
 * it to s->docs. The top level must be an object. */
static int read_doc(orm_loader *L, const char *text, const char *source, json_t **out)
{
    json_error_t jerr;
    orm_origin o = {source, NULL};
    json_t *doc = text ? json_loads(text, JSON_REJECT_DUPLICATES, &jerr)
                       : json_load_file(source, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (jerr.line < 1) return orm_loader_fail(L, &o, NULL, "cannot read: %s", jerr.text);
        return orm_loader_fail(L, &o, NULL, "line %d, column %d: invalid JSON: %s", jerr.line,
                               jerr.column, jerr.text);
    }
    json_array_append_new(L->s->docs, doc);
    if (!json_is_object(doc)) return orm_loader_fail(L, &o, NULL, "the top level must be a JSON object");
    *out = doc;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.json files of directory dir, sorted by name (scratch arena).
 * "*.seed.json" files are data for --seed, not schemas, and are skipped. */
static int list_dir(orm_loader *L, const char *dir, const char ***out, size_t *n)
{
    orm_origin o = {dir, NULL};
    DIR *d = opendir(dir);
    if (!d) return orm_loader_fail(L, &o, NULL, "cannot open directory");
    size_t cap = 0;
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    struct dirent *e;
    *n = 0;
    *out = NULL;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        if (len >= 10 && strcmp(e->d_name + len - 10, ".seed.json") == 0) continue;
        char *full = rm_arena_sprintf(L->tmp, "%s%s%s", dir, sep, e->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            *out = rm_arena_realloc(L->tmp, *out, cap * sizeof **out, ncap * sizeof **out);
            cap = ncap;
        }
        (*out)[(*n)++] = full;
    }
    closedir(d);
    if (!*n) return orm_loader_fail(L, &o, NULL, "no *.json schema files in the directory");
    qsort(*out, *n, sizeof **out, cmp_names);
    return 0;
}

/* ---- collecting declarations ------------------------------------------------------ */

static orm_decl *add_decl(orm_loadctx *C)
{
    if (C->ndecls == C->capdecls) {
        size_t ncap = C->capdecls ? C->capdecls * 2 : 16;
        C->decls = rm_arena_realloc(C->L.tmp, C->decls, C->capdecls * sizeof *C->decls,
                                    ncap * sizeof *C->decls);
        C->capdecls = ncap;
    }
    orm_decl *d = &C->decls[C->ndecls++];
    memset(d, 0, sizeof *d);
    return d;
}

/* The members of a document's "entities" or "tables" object. */
static int collect_group(orm_loadctx *C, const char *source, json_t *group, bool entity)
{
    orm_loader *L = &C->L;
    orm_origin o = {source, NULL};
    const char *gname = entity ? "entities" : "tables";
    const char *name;
    json_t *v;
    if (!json_is_object(group)) return orm_loader_fail(L, &o, gname, "must be an object");
    json_object_foreach(group, name, v) {
        orm_decl *d = add_decl(C);
        d->entity = entity;
        d->name = name;
        d->json = v;
        d->origin.source = source;
        d->origin.what = rm_arena_sprintf(L->tmp, "%s %s", entity ? "entity" : "table", name);
        if (!orm_loader_is_ident(name))
            return orm_loader_fail(L, &d->origin, NULL,
                                   "not a valid name (letters, digits and _, not starting with a digit)");
        if (!json_is_object(v)) return orm_loader_fail(L, &d->origin, NULL, "must be an object");
        if (orm_loader_check_keys(L, &d->origin, NULL, v, entity ? C->entity_keys : table_keys))
            return ORM_E_SCHEMA;
        if (entity && orm_loader_add_mapper(C, d)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* Top-level members of one document, in the document's order. */
static int collect_doc(orm_loadctx *C, const char *source, json_t *doc)
{
    orm_origin o = {source, NULL};
    const char *key;
    json_t *v;
    if (orm_loader_check_keys(&C->L, &o, NULL, doc, top_keys)) return ORM_E_SCHEMA;
    json_object_foreach(doc, key, v) {
        if (collect_group(C, source, v, strcmp(key, "entities") == 0)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* ---- the phases, in order ---------------------------------------------------------- */

static orm_schema *schema_new(void)
{
    rm_arena *a = rm_arena_new();
    orm_schema *s = RM_NEW(a, orm_schema);
    s->arena = a;
    s->docs = json_array();
    rm_strmap_init(&s->tables_by_name);
    rm_strmap_init(&s->mappers_by_name);
    return s;
}

void orm_schema_free(orm_schema *s)
{
    if (!s) return;
    rm_strmap_free(&s->tables_by_name);
    rm_strmap_free(&s->mappers_by_name);
    json_decref(s->docs);
    rm_arena_destroy(s->arena); /* s itself lives in it */
}

/* Read the sources: text (one document named source), or the file or
 * directory at path. */
static int read_sources(orm_loadctx *C, const char *path, const char *text, const char *source)
{
    orm_loader *L = &C->L;
    const char **files = &source;
    size_t nfiles = 1;
    struct stat st;
    if (!text) {
        orm_origin o = {path, NULL};
        if (stat(path, &st) != 0)
            return orm_loader_fail(L, &o, NULL, "cannot read: no such file or directory");
        if (S_ISDIR(st.st_mode) && list_dir(L, path, &files, &nfiles)) return ORM_E_SCHEMA;
    }
    for (size_t i = 0; i < nfiles; i++) {
        json_t *doc;
        const char *src = rm_arena_strdup(L->s->arena, files[i]);
        if (read_doc(L, text, src, &doc) || collect_doc(C, src, doc)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* Compile r's join "where" template (join.h): its join "where" parsed once
 * now, so a bad one is a start-up error naming the relationship, not a
 * request's. A "where" that goes through other relationships needs their
 * templates first: compile those (depth first) and parse again; a circle of
 * them is an error. */
static int compile_join(orm_loader *L, const orm_relspec *rs, size_t depth)
{
    orm_relationship *r = rs->rel;
    for (;;) {
        if (r->compiled) return 0;
        if (depth > L->nrels)
            return orm_loader_fail(L, &rs->origin, rm_arena_sprintf(L->tmp, "relationships.%s.join.where", r->name),
                                   "the join's where reaches back to relationship %s through other "
                                   "relationships' joins", r->name);
        orm_expr *e = NULL;
        orm_alias_seq seq = {.next = 1};
        if (r->join_where) {
            orm_error ferr;
            orm_error_init(&ferr, L->tmp);
            if (orm_filter_parse(L->s->arena, r->target, r->join_where, 0, &seq, "", &e, &ferr)) {
                const char *ptr = ferr.nfields ? ferr.fields[0].pointer : "";
                return orm_loader_fail(L, &rs->origin,
                                       rm_arena_sprintf(L->tmp, "relationships.%s.join.where%s", r->name, ptr),
                                       "%s", ferr.nfields ? ferr.fields[0].message : ferr.detail);
            }
        }
        if (!seq.uncompiled) {
            orm_join_compile(L->s->arena, r, e, seq.next);
            return 0;
        }
        for (size_t i = 0; i < L->nrels; i++)
            if (L->rels[i].rel == seq.uncompiled) {
                int rc = compile_join(L, &L->rels[i], depth + 1);
                if (rc) return rc;
            }
    }
}

static int compile_joins(orm_loader *L)
{
    for (size_t i = 0; i < L->nrels; i++) {
        int rc = compile_join(L, &L->rels[i], 0);
        if (rc) return rc;
    }
    return 0;
}

int orm_schema_load_opts(const orm_schema_options *opt, orm_schema **out, orm_error *err)
{
    orm_loadctx C;
    int rc;
    memset(&C, 0, sizeof C);
    C.L.s = schema_new();
    C.L.err = err;
    C.L.tmp = rm_arena_new();
    C.entity_keys = accepted_entity_keys(&C.L, opt->entity_keys);
    *out = NULL;
    rc = read_sources(&C, opt->path, opt->text,
                      opt->text ? (opt->source ? opt->source : "<string>") : opt->path);
    if (!rc) rc = orm_loader_link_inheritance(&C);
    if (!rc) rc = orm_loader_mark_projections(&C);
    if (!rc) rc = orm_loader_build_tables(&C);
    if (!rc) rc = orm_loader_build_projections(&C);
    if (!rc) rc = orm_loader_build_constraints(&C);
    if (!rc) rc = orm_loader_build_mappers(&C);
    if (!rc) rc = orm_loader_build_relationships(&C);
    if (!rc) rc = orm_loader_resolve_foreign_keys(&C.L);
    if (!rc) rc = orm_loader_sort_tables(&C.L);
    if (!rc) rc = orm_loader_bind_spans(&C.L);
    if (!rc) rc = orm_loader_resolve_relationships(&C.L);
    if (!rc) rc = orm_loader_check_projections(&C);
    if (!rc) rc = compile_joins(&C.L);
    if (!rc) rc = orm_loader_build_proxies(&C);
    if (!rc) rc = orm_loader_build_computed(&C);
    rm_arena_destroy(C.L.tmp);
    if (rc) {
        orm_schema_free(C.L.s);
        return ORM_E_SCHEMA;
    }
    *out = C.L.s;
    return 0;
}

int orm_schema_load(const char *path, orm_schema **out, orm_error *err)
{
    return orm_schema_load_opts(&(orm_schema_options){.path = path}, out, err);
}

int orm_schema_load_string(const char *text, const char *source, orm_schema **out, orm_error *err)
{
    return orm_schema_load_opts(&(orm_schema_options){.text = text, .source = source}, out, err);
}

orm_table *orm_schema_table(const orm_schema *s, const char *name)
{
    return rm_strmap_get(&s->tables_by_name, name);
}

orm_mapper *orm_schema_mapper(const orm_schema *s, const char *entity)
{
    return rm_strmap_get(&s->mappers_by_name, entity);
}
