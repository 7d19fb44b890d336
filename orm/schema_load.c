/* schema_load.c: schema files (JSON) → orm_schema: tables, columns, mappers
 * and relationship options, checked key by key (SPEC §2). The resolution
 * that needs everything loaded first (foreign keys, table order,
 * relationship directions, back_populates) is relationship.c's.
 *
 * Loading runs in phases over the merged files: collect the declarations
 * (entities and plain tables, duplicates across files refused), link
 * inheritance, build tables and columns (bases first, then the columns that
 * single-table-inheritance children add to their base's table), finish the
 * tables (primary keys, autoincrement), mapper options, relationship
 * options, then resolve. The first error stops loading; its message names
 * the file, the entity or table, and the key path:
 *   "schemas/blog.json: entity User: columns.name.type: unknown type \"strin\"". */
#include "orm/schema.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "orm/convert.h"
#include "orm/filter.h"
#include "orm/schema_int.h"

/* One entity or plain-table declaration, in the order of the files. */
typedef struct decl {
    bool entity;                  /* "entities" member, else "tables" member */
    const char *name;             /* entity or table name (borrowed from the doc) */
    json_t *json;                 /* its object (borrowed) */
    orm_origin origin;
    orm_mapper *m;                /* entities: the mapper */
    int depth;                    /* entities: inheritance depth, 0 = base */
    size_t col_first, col_end;    /* inheriting entities: the table columns they add */
} decl;

typedef struct loadctx {
    orm_loader L;                 /* first: shared with relationship.c */
    decl *decls;
    size_t ndecls, capdecls;
    int maxdepth;
} loadctx;

static const char *const top_keys[] = {"entities", "tables", NULL};
static const char *const table_keys[] = {"columns", NULL};
static const char *const entity_keys[] = {
    "table", "resource", "columns", "relationships", "methods", "page_size", "max_page_size",
    "default_order", "permissions", "row_filter", "inherits", "polymorphic_on",
    "polymorphic_identity", NULL};
static const char *const column_keys[] = {
    "type", "primary_key", "autoincrement", "nullable", "unique", "index", "default",
    "foreign_key", "on_delete", "choices", "min", "max", "length", "precision", "scale",
    "hidden", "read_only", "write_only", "version", NULL};
static const char *const relationship_keys[] = {
    "target", "back_populates", "secondary", "uselist", "remote_side", "join", "order_by",
    "cascade", "lazy", NULL};
static const char *const join_keys[] = {"local", "remote", "where", NULL};
static const char *const method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
static const unsigned method_bits[] = {ORM_ALLOW_READ, ORM_ALLOW_CREATE, ORM_ALLOW_REPLACE,
                                       ORM_ALLOW_UPDATE, ORM_ALLOW_DELETE};
static const char *const permission_names[] = {"read", "create", "update", "delete", "*", NULL};
static const char *const lazy_names[] = {
#define X(n, s) s,
    ORM_LAZY_KINDS(X)
#undef X
    NULL};
static const char *const type_names[] = {
#define X(n, s) s,
    ORM_TYPES(X)
#undef X
    NULL};

/* ---- errors, names and suggestions ---------------------------------------- */

int orm_loader_fail(orm_loader *L, const orm_origin *o, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (o->what && path)
        return orm_error_set(L->err, ORM_E_SCHEMA, "%s: %s: %s: %s", o->source, o->what, path, msg);
    if (o->what) return orm_error_set(L->err, ORM_E_SCHEMA, "%s: %s: %s", o->source, o->what, msg);
    if (path) return orm_error_set(L->err, ORM_E_SCHEMA, "%s: %s: %s", o->source, path, msg);
    return orm_error_set(L->err, ORM_E_SCHEMA, "%s: %s", o->source, msg);
}

orm_tdecl *orm_loader_tdecl(orm_loader *L, const orm_table *t)
{
    for (size_t i = 0; i < L->ntables; i++)
        if (L->tables[i].table == t) return &L->tables[i];
    return NULL;
}

bool orm_types_compatible(orm_type a, orm_type b)
{
    bool ia = a == ORM_T_INTEGER || a == ORM_T_BIGINT;
    bool ib = b == ORM_T_INTEGER || b == ORM_T_BIGINT;
    return a == b || (ia && ib);
}

/* "prefix.key", or key alone when prefix is NULL (scratch arena). */
static const char *subpath(orm_loader *L, const char *prefix, const char *key)
{
    return prefix ? rm_arena_sprintf(L->tmp, "%s.%s", prefix, key) : key;
}

static bool in_list(const char *word, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(word, *list) == 0) return true;
    return false;
}

/* Levenshtein distance of two short words (longer ones count as far apart). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), row[65];
    if (na > 64 || nb > 64) return SIZE_MAX;
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

const char *orm_loader_suggest(orm_loader *L, const char *word, const char *const *cands)
{
    const char *best = NULL;
    size_t bestd = 3;
    for (; *cands; cands++) {
        size_t d = edit_distance(word, *cands);
        if (d < bestd && d < strlen(word)) best = *cands, bestd = d;
    }
    return best ? rm_arena_sprintf(L->tmp, " (did you mean \"%s\"?)", best) : "";
}

/* "a, b, c" from a NULL-terminated list (scratch arena). */
static const char *list_text(orm_loader *L, const char *const *list)
{
    rm_sb sb;
    rm_sb_init(&sb, L->tmp);
    for (size_t i = 0; list[i]; i++) {
        if (i) rm_sb_append(&sb, ", ");
        rm_sb_append(&sb, list[i]);
    }
    return sb.buf;
}

/* Letters, digits and '_', not starting with a digit: safe as an SQL
 * identifier, a JSON member and a URL segment. */
static bool is_ident(const char *s)
{
    if (!*s || isdigit((unsigned char)*s)) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

/* A resource (URL segment): letters, digits, '_' and '-', not starting with
 * '_' (reserved: /api/_batch) or '-'. */
static bool is_segment(const char *s)
{
    if (!*s || *s == '_' || *s == '-') return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

/* ---- typed members ------------------------------------------------------------ */

/* Every key of obj must be in allowed. */
static int check_keys(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                      const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!in_list(key, allowed))
            return orm_loader_fail(L, o, subpath(L, prefix, key), "unknown key \"%s\"%s", key,
                                   orm_loader_suggest(L, key, allowed));
    }
    return 0;
}

/* Optional boolean member; *out is left alone when absent. */
static int get_bool(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                    const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return 0;
    if (!json_is_boolean(v))
        return orm_loader_fail(L, o, subpath(L, prefix, key), "must be true or false");
    *out = json_is_true(v);
    return 0;
}

/* Optional non-empty string member (borrowed from the doc); NULL when absent. */
static int get_string(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                      const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_string(v) || json_string_length(v) == 0)
        return orm_loader_fail(L, o, subpath(L, prefix, key), "must be a non-empty string");
    *out = json_string_value(v);
    return 0;
}

/* Optional integer member within [lo, hi]; *present tells whether given. */
static int get_int(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                   const char *key, int lo, int hi, int *out, bool *present)
{
    json_t *v = json_object_get(obj, key);
    *present = v != NULL;
    if (!v) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        if (hi == INT_MAX) return orm_loader_fail(L, o, subpath(L, prefix, key), "must be an integer >= %d", lo);
        return orm_loader_fail(L, o, subpath(L, prefix, key), "must be an integer from %d to %d", lo, hi);
    }
    *out = (int)json_integer_value(v);
    return 0;
}

/* Optional object member (borrowed); NULL when absent. */
static int get_object(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                      const char *key, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v) return 0;
    if (!json_is_object(v)) return orm_loader_fail(L, o, subpath(L, prefix, key), "must be an object");
    *out = v;
    return 0;
}

/* A column name or a non-empty array of them → arena array of names. */
static int get_name_list(orm_loader *L, const orm_origin *o, const char *path, json_t *v,
                         const char ***out, size_t *n)
{
    if (json_is_string(v) && json_string_length(v)) {
        *out = RM_NEW_ARRAY(L->tmp, const char *, 1);
        (*out)[0] = json_string_value(v);
        *n = 1;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return orm_loader_fail(L, o, path, "must be a column name or a non-empty array of them");
    *n = json_array_size(v);
    *out = RM_NEW_ARRAY(L->tmp, const char *, *n);
    for (size_t i = 0; i < *n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e) || !json_string_length(e))
            return orm_loader_fail(L, o, rm_arena_sprintf(L->tmp, "%s[%zu]", path, i),
                                   "must be a column name");
        (*out)[i] = json_string_value(e);
    }
    return 0;
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

/* ---- phase 1: collect declarations ---------------------------------------------- */

static decl *add_decl(loadctx *C)
{
    if (C->ndecls == C->capdecls) {
        size_t ncap = C->capdecls ? C->capdecls * 2 : 16;
        C->decls = rm_arena_realloc(C->L.tmp, C->decls, C->capdecls * sizeof *C->decls,
                                    ncap * sizeof *C->decls);
        C->capdecls = ncap;
    }
    decl *d = &C->decls[C->ndecls++];
    memset(d, 0, sizeof *d);
    return d;
}

/* A new mapper for entity d, registered by name (duplicates across files refused). */
static int add_mapper(loadctx *C, decl *d)
{
    orm_loader *L = &C->L;
    orm_schema *s = L->s;
    orm_mapper *prev = rm_strmap_get(&s->mappers_by_name, d->name);
    if (prev)
        return orm_loader_fail(L, &d->origin, NULL, "entity declared twice (also in %s)", prev->source);
    orm_mapper *m = RM_NEW(s->arena, orm_mapper);
    m->name = rm_arena_strdup(s->arena, d->name);
    m->source = rm_arena_strdup(s->arena, d->origin.source);
    m->methods = ORM_ALLOW_ALL;
    m->page_size = 20;
    m->max_page_size = 1000;
    s->mappers = rm_arena_realloc(s->arena, s->mappers, s->nmappers * sizeof *s->mappers,
                                  (s->nmappers + 1) * sizeof *s->mappers);
    s->mappers[s->nmappers++] = m;
    rm_strmap_put(&s->mappers_by_name, m->name, m);
    d->m = m;
    return 0;
}

/* The members of a document's "entities" or "tables" object. */
static int collect_group(loadctx *C, const char *source, json_t *group, bool entity)
{
    orm_loader *L = &C->L;
    orm_origin o = {source, NULL};
    const char *gname = entity ? "entities" : "tables";
    const char *name;
    json_t *v;
    if (!json_is_object(group)) return orm_loader_fail(L, &o, gname, "must be an object");
    json_object_foreach(group, name, v) {
        decl *d = add_decl(C);
        d->entity = entity;
        d->name = name;
        d->json = v;
        d->origin.source = source;
        d->origin.what = rm_arena_sprintf(L->tmp, "%s %s", entity ? "entity" : "table", name);
        if (!is_ident(name))
            return orm_loader_fail(L, &d->origin, NULL,
                                   "not a valid name (letters, digits and _, not starting with a digit)");
        if (!json_is_object(v)) return orm_loader_fail(L, &d->origin, NULL, "must be an object");
        if (check_keys(L, &d->origin, NULL, v, entity ? entity_keys : table_keys)) return ORM_E_SCHEMA;
        if (entity && add_mapper(C, d)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* Top-level members of one document, in the document's order. */
static int collect_doc(loadctx *C, const char *source, json_t *doc)
{
    orm_origin o = {source, NULL};
    const char *key;
    json_t *v;
    if (check_keys(&C->L, &o, NULL, doc, top_keys)) return ORM_E_SCHEMA;
    json_object_foreach(doc, key, v) {
        if (collect_group(C, source, v, strcmp(key, "entities") == 0)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* ---- phase 2: inheritance ----------------------------------------------------------- */

static orm_mapper *root_of(orm_mapper *m)
{
    while (m->inherits) m = m->inherits;
    return m;
}

const char *const *orm_loader_entity_names(orm_loader *L)
{
    const char **names = RM_NEW_ARRAY(L->tmp, const char *, L->s->nmappers + 1);
    for (size_t i = 0; i < L->s->nmappers; i++) names[i] = L->s->mappers[i]->name;
    return names;
}

/* Link each "inherits" to its parent mapper; refuse unknown parents and
 * cycles; compute depths (bases 0). */
static int link_inheritance(loadctx *C)
{
    orm_loader *L = &C->L;
    for (size_t i = 0; i < C->ndecls; i++) {
        decl *d = &C->decls[i];
        const char *parent;
        if (!d->entity) continue;
        if (get_string(L, &d->origin, NULL, d->json, "inherits", &parent)) return ORM_E_SCHEMA;
        if (!parent) continue;
        d->m->inherits = rm_strmap_get(&L->s->mappers_by_name, parent);
        if (!d->m->inherits)
            return orm_loader_fail(L, &d->origin, "inherits", "unknown entity \"%s\"%s", parent,
                                   orm_loader_suggest(L, parent, orm_loader_entity_names(L)));
    }
    for (size_t i = 0; i < C->ndecls; i++) {
        decl *d = &C->decls[i];
        if (!d->entity) continue;
        int depth = 0;
        for (orm_mapper *p = d->m->inherits; p; p = p->inherits)
            if (++depth > (int)L->s->nmappers || p == d->m)
                return orm_loader_fail(L, &d->origin, "inherits", "inheritance cycle through \"%s\"",
                                       d->m->inherits->name);
        d->depth = depth;
        if (depth > C->maxdepth) C->maxdepth = depth;
    }
    return 0;
}

/* ---- phase 3: tables and columns -------------------------------------------------- */

/* Room for one more column in td; returns it zeroed, with its info. */
static orm_column *add_column(orm_loader *L, orm_tdecl *td, orm_colinfo **info)
{
    orm_table *t = td->table;
    if (t->ncolumns == td->cap) {
        size_t ncap = td->cap ? td->cap * 2 : 8;
        t->columns = rm_arena_realloc(L->s->arena, t->columns, td->cap * sizeof *t->columns,
                                      ncap * sizeof *t->columns);
        td->info = rm_arena_realloc(L->tmp, td->info, td->cap * sizeof *td->info,
                                    ncap * sizeof *td->info);
        td->cap = ncap;
    }
    orm_column *c = &t->columns[t->ncolumns];
    memset(c, 0, sizeof *c);
    c->table = t;
    c->index = (int)t->ncolumns++;
    *info = &td->info[c->index];
    memset(*info, 0, sizeof **info);
    return c;
}

static int parse_type(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    json_t *v = json_object_get(col, "type");
    if (!v)
        return orm_loader_fail(L, o, subpath(L, p, "type"), "missing (one of %s)", list_text(L, type_names));
    if (!json_is_string(v))
        return orm_loader_fail(L, o, subpath(L, p, "type"), "must be a string (one of %s)",
                               list_text(L, type_names));
    if (orm_type_parse(json_string_value(v), &c->type))
        return orm_loader_fail(L, o, subpath(L, p, "type"), "unknown type \"%s\"%s",
                               json_string_value(v), orm_loader_suggest(L, json_string_value(v), type_names));
    return 0;
}

/* primary_key, nullable, unique, index, hidden, read_only, write_only,
 * autoincrement (kept as given: finish_table decides). */
static int parse_flags(orm_loader *L, const orm_origin *o, const char *p, json_t *col,
                       orm_column *c, orm_colinfo *ci)
{
    bool autoinc = false;
    if (get_bool(L, o, p, col, "primary_key", &c->primary_key)) return ORM_E_SCHEMA;
    c->nullable = !c->primary_key;
    if (get_bool(L, o, p, col, "nullable", &c->nullable) || get_bool(L, o, p, col, "unique", &c->unique) ||
        get_bool(L, o, p, col, "index", &c->indexed) || get_bool(L, o, p, col, "hidden", &c->hidden) ||
        get_bool(L, o, p, col, "read_only", &c->read_only) ||
        get_bool(L, o, p, col, "write_only", &c->write_only) ||
        get_bool(L, o, p, col, "autoincrement", &autoinc))
        return ORM_E_SCHEMA;
    ci->autoincrement = json_object_get(col, "autoincrement") ? autoinc : -1;
    if (c->primary_key && c->nullable)
        return orm_loader_fail(L, o, subpath(L, p, "nullable"), "a primary key column cannot be nullable");
    if (c->read_only && c->write_only)
        return orm_loader_fail(L, o, subpath(L, p, "write_only"), "a column cannot be both read_only and write_only");
    if (c->primary_key && (c->hidden || c->write_only))
        return orm_loader_fail(L, o, subpath(L, p, c->hidden ? "hidden" : "write_only"),
                               "a primary key column is always shown");
    return 0;
}

static bool is_numeric_type(orm_type t)
{
    return t == ORM_T_INTEGER || t == ORM_T_BIGINT || t == ORM_T_FLOAT || t == ORM_T_NUMERIC;
}

/* length, precision/scale, min/max: each only for the types it applies to. */
static int parse_limits(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    bool has_len, has_prec, has_scale;
    json_t *v;
    if (get_int(L, o, p, col, "length", 1, INT_MAX, &c->length, &has_len) ||
        get_int(L, o, p, col, "precision", 1, 1000, &c->precision, &has_prec) ||
        get_int(L, o, p, col, "scale", 0, 1000, &c->scale, &has_scale))
        return ORM_E_SCHEMA;
    if (has_len && c->type != ORM_T_STRING)
        return orm_loader_fail(L, o, subpath(L, p, "length"), "only for string columns (this one is %s)",
                               orm_type_name(c->type));
    if ((has_prec || has_scale) && c->type != ORM_T_NUMERIC)
        return orm_loader_fail(L, o, subpath(L, p, has_prec ? "precision" : "scale"),
                               "only for numeric columns (this one is %s)", orm_type_name(c->type));
    if (has_scale && !has_prec)
        return orm_loader_fail(L, o, subpath(L, p, "scale"), "needs a precision");
    if (has_scale && c->scale > c->precision)
        return orm_loader_fail(L, o, subpath(L, p, "scale"), "must be at most the precision (%d)",
                               c->precision);
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "max" : "min";
        if (!(v = json_object_get(col, key))) continue;
        if (!is_numeric_type(c->type))
            return orm_loader_fail(L, o, subpath(L, p, key),
                                   "only for integer, bigint, float and numeric columns (this one is %s)",
                                   orm_type_name(c->type));
        if (!json_is_number(v)) return orm_loader_fail(L, o, subpath(L, p, key), "must be a number");
        *(i ? &c->max : &c->min) = json_number_value(v);
        *(i ? &c->has_max : &c->has_min) = true;
    }
    if (c->has_min && c->has_max && c->min > c->max)
        return orm_loader_fail(L, o, subpath(L, p, "min"), "must not be greater than max (%g > %g)",
                               c->min, c->max);
    return 0;
}

static int parse_on_delete(const char *s, orm_on_delete *out)
{
    static const struct { const char *name; orm_on_delete v; } names[] = {
        {"cascade", ORM_FK_CASCADE}, {"set null", ORM_FK_SET_NULL}, {"restrict", ORM_FK_RESTRICT},
        {"no action", ORM_FK_NO_ACTION}, {"set default", ORM_FK_SET_DEFAULT}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].v;
            return 0;
        }
    return -1;
}

/* "table.column" and the optional on_delete; resolved in relationship.c. */
static int parse_foreign_key(orm_loader *L, const orm_origin *o, const char *p, json_t *col,
                             orm_column *c)
{
    const char *ref, *ondel, *dot;
    if (get_string(L, o, p, col, "foreign_key", &ref) || get_string(L, o, p, col, "on_delete", &ondel))
        return ORM_E_SCHEMA;
    if (!ref) {
        if (ondel) return orm_loader_fail(L, o, subpath(L, p, "on_delete"), "needs a foreign_key");
        return 0;
    }
    dot = strchr(ref, '.');
    if (!dot || dot == ref || !dot[1] || strchr(dot + 1, '.'))
        return orm_loader_fail(L, o, subpath(L, p, "foreign_key"), "must be \"table.column\", not \"%s\"", ref);
    c->fk = RM_NEW(L->s->arena, orm_foreign_key);
    c->fk->table_name = rm_arena_strndup(L->s->arena, ref, (size_t)(dot - ref));
    c->fk->column_name = rm_arena_strdup(L->s->arena, dot + 1);
    if (ondel && parse_on_delete(ondel, &c->fk->on_delete))
        return orm_loader_fail(L, o, subpath(L, p, "on_delete"),
                               "unknown action \"%s\" (one of cascade, set null, restrict, no action, set default)",
                               ondel);
    if (c->fk->on_delete == ORM_FK_SET_NULL && !c->nullable)
        return orm_loader_fail(L, o, subpath(L, p, "on_delete"), "\"set null\" on a column that is not nullable");
    return 0;
}

/* A literal for column c → canonical value in the schema arena, checked
 * against the column's rules (length, choices, min/max). */
static int convert_literal(orm_loader *L, const orm_origin *o, const char *path, orm_column *c,
                           json_t *j, orm_value *out)
{
    const char *msg = NULL;
    if (orm_value_from_json(c, j, L->s->arena, out, &msg))
        return orm_loader_fail(L, o, path, "%s", msg ? msg : "is not a valid value");
    if (out->kind != ORM_V_NULL && orm_column_check(c, out, L->tmp, &msg))
        return orm_loader_fail(L, o, path, "%s", msg);
    return 0;
}

static int parse_choices(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    json_t *v = json_object_get(col, "choices");
    const char *path = subpath(L, p, "choices");
    if (!v) return 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return orm_loader_fail(L, o, path, "must be a non-empty array of %s values", orm_type_name(c->type));
    size_t n = json_array_size(v);
    orm_value *choices = RM_NEW_ARRAY(L->s->arena, orm_value, n);
    for (size_t i = 0; i < n; i++) {
        const char *ipath = rm_arena_sprintf(L->tmp, "%s[%zu]", path, i);
        json_t *e = json_array_get(v, i);
        if (json_is_null(e)) return orm_loader_fail(L, o, ipath, "null is not a choice (use nullable)");
        if (convert_literal(L, o, ipath, c, e, &choices[i])) return ORM_E_SCHEMA;
        for (size_t k = 0; k < i; k++)
            if (orm_value_eq(&choices[k], &choices[i])) return orm_loader_fail(L, o, ipath, "duplicate choice");
    }
    c->choices = choices;
    c->nchoices = n;
    return 0;
}

static int parse_default(orm_loader *L, const orm_origin *o, const char *p, json_t *col, orm_column *c)
{
    json_t *v = json_object_get(col, "default");
    if (!v) return 0;
    if (json_is_null(v) && !c->nullable)
        return orm_loader_fail(L, o, subpath(L, p, "default"), "null for a column that is not nullable");
    if (convert_literal(L, o, subpath(L, p, "default"), c, v, &c->default_value)) return ORM_E_SCHEMA;
    c->has_default = true;
    return 0;
}

/* "version": an integer counter, at most one per table (and so per entity
 * hierarchy), never part of the key; only entities have one. */
static int parse_version(orm_loader *L, const orm_origin *o, const char *p, json_t *col,
                         orm_tdecl *td, orm_column *c, bool entity)
{
    if (get_bool(L, o, p, col, "version", &c->version)) return ORM_E_SCHEMA;
    if (!c->version) return 0;
    const char *path = subpath(L, p, "version");
    if (!entity) return orm_loader_fail(L, o, path, "only an entity's column can be a version counter");
    if (c->type != ORM_T_INTEGER && c->type != ORM_T_BIGINT)
        return orm_loader_fail(L, o, path, "a version column must be integer or bigint (this one is %s)",
                               orm_type_name(c->type));
    if (c->primary_key) return orm_loader_fail(L, o, path, "a primary key column cannot be the version column");
    if (td->version_index >= 0)
        return orm_loader_fail(L, o, path, "a second version column (\"%s\" already is one)",
                               td->table->columns[td->version_index].name);
    td->version_index = c->index;
    return 0;
}

/* One column of a table or entity. extra: declared by an inheriting entity
 * on its base's table (then it must be nullable and not a key). */
static int parse_column(orm_loader *L, orm_tdecl *td, const orm_origin *o, const char *name,
                        json_t *col, bool entity, bool extra)
{
    const char *p = rm_arena_sprintf(L->tmp, "columns.%s", name);
    orm_colinfo *ci;
    if (!is_ident(name))
        return orm_loader_fail(L, o, p, "not a valid column name (letters, digits and _, not starting with a digit)");
    if (orm_table_column(td->table, name))
        return orm_loader_fail(L, o, p, "column \"%s\" already exists in table %s", name, td->table->name);
    if (!json_is_object(col)) return orm_loader_fail(L, o, p, "must be an object");
    if (check_keys(L, o, p, col, column_keys)) return ORM_E_SCHEMA;
    orm_column *c = add_column(L, td, &ci);
    c->name = rm_arena_strdup(L->s->arena, name);
    ci->origin = *o;
    if (parse_type(L, o, p, col, c) || parse_flags(L, o, p, col, c, ci) || parse_limits(L, o, p, col, c) ||
        parse_version(L, o, p, col, td, c, entity) || parse_foreign_key(L, o, p, col, c) ||
        parse_choices(L, o, p, col, c) || parse_default(L, o, p, col, c))
        return ORM_E_SCHEMA;
    if (extra && c->primary_key)
        return orm_loader_fail(L, o, subpath(L, p, "primary_key"),
                               "an inheriting entity cannot add key columns to its base's table");
    if (extra && !c->nullable)
        return orm_loader_fail(L, o, subpath(L, p, "nullable"),
                               "a column of an inheriting entity must be nullable (the table is shared)");
    return 0;
}

static int parse_columns(orm_loader *L, orm_tdecl *td, const orm_origin *o, json_t *obj, bool entity,
                         bool extra)
{
    json_t *cols = json_object_get(obj, "columns"), *v;
    const char *name;
    if (!cols) {
        if (extra) return 0;
        return orm_loader_fail(L, o, "columns", "missing (a table needs columns)");
    }
    if (!json_is_object(cols) || (!extra && json_object_size(cols) == 0))
        return orm_loader_fail(L, o, "columns", "must be a non-empty object of columns");
    json_object_foreach(cols, name, v) {
        if (parse_column(L, td, o, name, v, entity, extra)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* A new table named name for declaration d, registered by name. */
static int add_table(loadctx *C, decl *d, const char *name, const char *path, orm_tdecl **out)
{
    orm_loader *L = &C->L;
    orm_schema *s = L->s;
    orm_table *prev = rm_strmap_get(&s->tables_by_name, name);
    if (!is_ident(name))
        return orm_loader_fail(L, &d->origin, path, "\"%s\" is not a valid table name", name);
    if (prev) {
        orm_tdecl *pd = orm_loader_tdecl(L, prev);
        return orm_loader_fail(L, &d->origin, path, "table \"%s\" is already declared by %s (%s)", name,
                               pd->origin.what, pd->origin.source);
    }
    if (L->ntables == L->captables) {
        size_t ncap = L->captables ? L->captables * 2 : 16;
        L->tables = rm_arena_realloc(L->tmp, L->tables, L->captables * sizeof *L->tables,
                                     ncap * sizeof *L->tables);
        L->captables = ncap;
    }
    orm_tdecl *td = &L->tables[L->ntables++];
    memset(td, 0, sizeof *td);
    td->origin = d->origin;
    td->version_index = -1;
    td->table = RM_NEW(s->arena, orm_table);
    td->table->name = rm_arena_strdup(s->arena, name);
    td->table->source = rm_arena_strdup(s->arena, d->origin.source);
    rm_strmap_put(&s->tables_by_name, td->table->name, td->table);
    *out = td;
    return 0;
}

/* The table of a plain-table declaration or of a base entity. */
static int build_base_table(loadctx *C, decl *d)
{
    orm_loader *L = &C->L;
    const char *name = d->name, *path = NULL;
    orm_tdecl *td = NULL;
    if (d->entity) {
        if (get_string(L, &d->origin, NULL, d->json, "table", &name)) return ORM_E_SCHEMA;
        if (name) path = "table";
        else name = orm_default_table_name(L->tmp, d->name);
    }
    if (add_table(C, d, name, path, &td)) return ORM_E_SCHEMA;
    if (d->entity) {
        d->m->table = td->table;
        td->table->mapper = d->m;
    }
    return parse_columns(L, td, &d->origin, d->json, d->entity, false);
}

/* An inheriting entity: its base's table, plus the columns it adds. */
static int build_child_table(loadctx *C, decl *d)
{
    orm_loader *L = &C->L;
    if (json_object_get(d->json, "table"))
        return orm_loader_fail(L, &d->origin, "table",
                               "an inheriting entity shares its base's table (single-table inheritance)");
    d->m->table = root_of(d->m)->table;
    d->col_first = d->m->table->ncolumns;
    int rc = parse_columns(L, orm_loader_tdecl(L, d->m->table), &d->origin, d->json, true, true);
    d->col_end = d->m->table->ncolumns;
    return rc;
}

static bool is_ancestor_or_self(const orm_mapper *a, const orm_mapper *m)
{
    for (; m; m = m->inherits)
        if (m == a) return true;
    return false;
}

/* Columns each mapper of an inheritance hierarchy shows: the base's and
 * those its own line of ancestors added (a Manager does not show an
 * Engineer's columns). Mappers outside hierarchies keep visible = NULL. */
static void mark_visible_columns(loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        decl *d = &C->decls[i];
        if (!d->entity || (!d->m->inherits && !d->m->polymorphic_on)) continue;
        size_t n = d->m->table->ncolumns;
        bool *vis = RM_NEW_ARRAY(C->L.s->arena, bool, n);
        for (size_t k = 0; k < n; k++) vis[k] = true;
        for (size_t j = 0; j < C->ndecls; j++) {
            decl *o = &C->decls[j];
            if (!o->entity || o->m->table != d->m->table || is_ancestor_or_self(o->m, d->m)) continue;
            for (size_t k = o->col_first; k < o->col_end; k++) vis[k] = false;
        }
        d->m->visible = vis;
    }
}

/* Primary-key array and autoincrement (as SQLAlchemy's "auto": a single
 * integer key without foreign key or default; an explicit false turns it
 * off, an explicit true needs a single integer key). */
static int finish_table(orm_loader *L, orm_tdecl *td)
{
    orm_table *t = td->table;
    for (size_t i = 0; i < t->ncolumns; i++) t->npk += t->columns[i].primary_key;
    if (!t->npk) return orm_loader_fail(L, &td->origin, "columns", "no primary key column (give one \"primary_key\": true)");
    t->pk = RM_NEW_ARRAY(L->s->arena, orm_column *, t->npk);
    for (size_t i = 0, k = 0; i < t->ncolumns; i++)
        if (t->columns[i].primary_key) t->pk[k++] = &t->columns[i];
    for (size_t i = 0; i < t->ncolumns; i++) {
        orm_column *c = &t->columns[i];
        orm_colinfo *ci = &td->info[i];
        bool integer = c->type == ORM_T_INTEGER || c->type == ORM_T_BIGINT;
        if (ci->autoincrement == 1) {
            const char *path = rm_arena_sprintf(L->tmp, "columns.%s.autoincrement", c->name);
            if (!c->primary_key || !integer)
                return orm_loader_fail(L, &ci->origin, path, "only an integer primary key can autoincrement");
            if (t->npk > 1)
                return orm_loader_fail(L, &ci->origin, path, "a composite primary key cannot autoincrement");
            c->autoincrement = true;
        } else if (ci->autoincrement == -1) {
            c->autoincrement = c->primary_key && integer && t->npk == 1 && !c->fk && !c->has_default;
        }
    }
    return 0;
}

static int build_tables(loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        decl *d = &C->decls[i];
        if ((!d->entity || !d->m->inherits) && build_base_table(C, d)) return ORM_E_SCHEMA;
    }
    for (int depth = 1; depth <= C->maxdepth; depth++)
        for (size_t i = 0; i < C->ndecls; i++) {
            decl *d = &C->decls[i];
            if (d->entity && d->depth == depth && build_child_table(C, d)) return ORM_E_SCHEMA;
        }
    for (size_t i = 0; i < C->L.ntables; i++)
        if (finish_table(&C->L, &C->L.tables[i])) return ORM_E_SCHEMA;
    return 0;
}

/* ---- phase 4: mapper options ------------------------------------------------------ */

int orm_loader_check_order(orm_loader *L, const orm_origin *o, const char *path, const char *order,
                           const orm_table *t, bool api_only, const char **canon)
{
    rm_sb sb;
    rm_sb_init(&sb, L->s->arena);
    const char *p = order;
    for (;;) {
        while (*p == ' ') p++;
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *end = p;
        while (end > start && end[-1] == ' ') end--;
        const char *key = start + (start < end && *start == '-');
        char *name = rm_arena_strndup(L->tmp, key, (size_t)(end - key));
        const orm_column *c = *name ? orm_table_column(t, name) : NULL;
        if (!*name) return orm_loader_fail(L, o, path, "empty sort key in \"%s\"", order);
        if (!c) return orm_loader_fail(L, o, path, "table %s has no column \"%s\"", t->name, name);
        if (api_only && (c->hidden || c->write_only))
            return orm_loader_fail(L, o, path, "column \"%s\" is %s and cannot be sorted on", name,
                                   c->hidden ? "hidden" : "write_only");
        if (sb.len) rm_sb_appendc(&sb, ',');
        rm_sb_appendn(&sb, start, (size_t)(end - start));
        if (!*p) break;
        p++;
    }
    *canon = sb.buf;
    return 0;
}

static int parse_methods(orm_loader *L, decl *d)
{
    json_t *v = json_object_get(d->json, "methods"), *e;
    size_t i;
    if (!v) return 0;
    if (!json_is_array(v)) return orm_loader_fail(L, &d->origin, "methods", "must be an array of %s",
                                                  list_text(L, method_names));
    d->m->methods = 0;
    json_array_foreach(v, i, e) {
        size_t k;
        for (k = 0; method_names[k]; k++)
            if (json_is_string(e) && strcmp(json_string_value(e), method_names[k]) == 0) break;
        if (!method_names[k])
            return orm_loader_fail(L, &d->origin, rm_arena_sprintf(L->tmp, "methods[%zu]", i),
                                   "unknown method (one of %s)", list_text(L, method_names));
        d->m->methods |= method_bits[k];
    }
    return 0;
}

static int parse_paging(orm_loader *L, decl *d)
{
    bool given;
    orm_mapper *m = d->m;
    if (get_int(L, &d->origin, NULL, d->json, "page_size", 1, INT_MAX, &m->page_size, &given) ||
        get_int(L, &d->origin, NULL, d->json, "max_page_size", 1, INT_MAX, &m->max_page_size, &given))
        return ORM_E_SCHEMA;
    if (m->max_page_size < m->page_size)
        return orm_loader_fail(L, &d->origin, given ? "max_page_size" : "page_size",
                               "page_size (%d) is greater than max_page_size (%d)", m->page_size,
                               m->max_page_size);
    return 0;
}

/* "permissions": {"role": ["read", "create", "update", "delete" | "*"]} (SPEC §6). */
static int parse_permissions(orm_loader *L, decl *d)
{
    const char *role;
    json_t *perms, *v, *e;
    size_t i;
    if (get_object(L, &d->origin, NULL, d->json, "permissions", &perms)) return ORM_E_SCHEMA;
    d->m->permissions = perms;
    if (!perms) return 0;
    json_object_foreach(perms, role, v) {
        const char *path = rm_arena_sprintf(L->tmp, "permissions.%s", role);
        if (!json_is_array(v))
            return orm_loader_fail(L, &d->origin, path, "must be an array of %s", list_text(L, permission_names));
        json_array_foreach(v, i, e) {
            if (!json_is_string(e) || !in_list(json_string_value(e), permission_names))
                return orm_loader_fail(L, &d->origin, rm_arena_sprintf(L->tmp, "%s[%zu]", path, i),
                                       "unknown permission (one of %s)", list_text(L, permission_names));
        }
    }
    return 0;
}

/* resource (unique URL segment; default: the table name, or an inheriting
 * entity's own default table name), methods, paging, default_order,
 * permissions, row_filter. */
static int parse_resource_options(loadctx *C, decl *d)
{
    orm_loader *L = &C->L;
    orm_mapper *m = d->m;
    const char *res, *order;
    if (get_string(L, &d->origin, NULL, d->json, "resource", &res)) return ORM_E_SCHEMA;
    if (!res) res = m->inherits ? orm_default_table_name(L->tmp, m->name) : m->table->name;
    if (!is_segment(res))
        return orm_loader_fail(L, &d->origin, "resource",
                               "\"%s\" is not a valid URL segment (letters, digits, _ and -, not starting with _ or -)", res);
    orm_mapper *other = rm_strmap_get(&L->s->mappers_by_resource, res);
    if (other)
        return orm_loader_fail(L, &d->origin, "resource", "\"%s\" is already the resource of entity %s (%s)",
                               res, other->name, other->source);
    m->resource = rm_arena_strdup(L->s->arena, res);
    rm_strmap_put(&L->s->mappers_by_resource, m->resource, m);
    if (parse_methods(L, d) || parse_paging(L, d) || parse_permissions(L, d) ||
        get_object(L, &d->origin, NULL, d->json, "row_filter", &m->row_filter) ||
        get_string(L, &d->origin, NULL, d->json, "default_order", &order))
        return ORM_E_SCHEMA;
    if (order && orm_loader_check_order(L, &d->origin, "default_order", order, m->table, true, &m->default_order))
        return ORM_E_SCHEMA;
    return 0;
}

/* "polymorphic_on": a column of the base's table, declared on the base. */
static int parse_polymorphic_on(loadctx *C, decl *d)
{
    orm_loader *L = &C->L;
    const char *col;
    if (get_string(L, &d->origin, NULL, d->json, "polymorphic_on", &col)) return ORM_E_SCHEMA;
    if (!col) return 0;
    if (d->m->inherits)
        return orm_loader_fail(L, &d->origin, "polymorphic_on", "belongs on the base entity (%s)",
                               root_of(d->m)->name);
    d->m->polymorphic_on = orm_table_column(d->m->table, col);
    if (!d->m->polymorphic_on)
        return orm_loader_fail(L, &d->origin, "polymorphic_on", "table %s has no column \"%s\"",
                               d->m->table->name, col);
    return 0;
}

/* "polymorphic_identity" converted to the discriminator's type, unique in
 * the hierarchy; an inheriting entity must have one. */
static int parse_identity(loadctx *C, decl *d)
{
    orm_loader *L = &C->L;
    orm_mapper *m = d->m, *root = root_of(m);
    json_t *v = json_object_get(d->json, "polymorphic_identity");
    m->polymorphic_on = root->polymorphic_on;
    if (!v && !m->inherits) return 0;
    if (!root->polymorphic_on)
        return orm_loader_fail(L, &d->origin, v ? "polymorphic_identity" : "inherits",
                               "the base entity %s has no \"polymorphic_on\" column", root->name);
    if (!v) return orm_loader_fail(L, &d->origin, "polymorphic_identity",
                                   "missing (an inheriting entity needs one)");
    if (json_is_null(v)) return orm_loader_fail(L, &d->origin, "polymorphic_identity", "cannot be null");
    if (convert_literal(L, &d->origin, "polymorphic_identity", m->polymorphic_on, v, &m->polymorphic_identity))
        return ORM_E_SCHEMA;
    m->has_identity = true;
    for (size_t i = 0; i < L->s->nmappers; i++) {
        orm_mapper *o = L->s->mappers[i];
        if (o != m && o->has_identity && root_of(o) == root &&
            orm_value_eq(&o->polymorphic_identity, &m->polymorphic_identity))
            return orm_loader_fail(L, &d->origin, "polymorphic_identity", "entity %s has the same identity",
                                   o->name);
    }
    return 0;
}

static int build_mappers(loadctx *C)
{
    for (size_t i = 0; i < C->ndecls; i++) {
        decl *d = &C->decls[i];
        if (!d->entity) continue;
        if (parse_resource_options(C, d) || parse_polymorphic_on(C, d)) return ORM_E_SCHEMA;
        orm_tdecl *td = orm_loader_tdecl(&C->L, d->m->table);
        d->m->version_col = td->version_index >= 0 ? &td->table->columns[td->version_index] : NULL;
    }
    for (size_t i = 0; i < C->ndecls; i++)
        if (C->decls[i].entity && parse_identity(C, &C->decls[i])) return ORM_E_SCHEMA;
    mark_visible_columns(C);
    return 0;
}

/* ---- phase 5: relationship options -------------------------------------------------- */

/* "save-update, merge, delete, delete-orphan, all" → ORM_CASCADE_* bits. */
static int parse_cascade(orm_loader *L, const orm_origin *o, const char *path, const char *text,
                         unsigned *out)
{
    static const char *const words[] = {"save-update", "merge", "delete", "delete-orphan", "all", NULL};
    static const unsigned bits[] = {ORM_CASCADE_SAVE_UPDATE, ORM_CASCADE_MERGE, ORM_CASCADE_DELETE,
                                    ORM_CASCADE_DELETE_ORPHAN, ORM_CASCADE_ALL};
    const char *p = text;
    *out = 0;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ') p++;
        if (p == start) break;
        char *word = rm_arena_strndup(L->tmp, start, (size_t)(p - start));
        size_t k;
        for (k = 0; words[k] && strcmp(words[k], word) != 0; k++) {}
        if (!words[k])
            return orm_loader_fail(L, o, path, "unknown cascade \"%s\"%s (one of %s)", word,
                                   orm_loader_suggest(L, word, words), list_text(L, words));
        *out |= bits[k];
    }
    return 0;
}

static int parse_lazy(orm_loader *L, const orm_origin *o, const char *p, json_t *obj, orm_lazy *out)
{
    const char *text;
    *out = ORM_LAZY_SELECT;
    if (get_string(L, o, p, obj, "lazy", &text)) return ORM_E_SCHEMA;
    if (!text) return 0;
    for (int k = 0; lazy_names[k]; k++)
        if (strcmp(lazy_names[k], text) == 0) {
            *out = (orm_lazy)k;
            return 0;
        }
    return orm_loader_fail(L, o, subpath(L, p, "lazy"), "unknown loader \"%s\"%s (one of %s)", text,
                           orm_loader_suggest(L, text, lazy_names), list_text(L, lazy_names));
}

/* "join": {"local": [...], "remote": [...], "where": {filter}}. */
static int parse_join(orm_loader *L, const orm_origin *o, const char *p, json_t *obj, orm_relspec *rs)
{
    json_t *j = json_object_get(obj, "join"), *v;
    const char *jp = subpath(L, p, "join");
    if (!j) return 0;
    if (!json_is_object(j)) return orm_loader_fail(L, o, jp, "must be an object with \"local\" and \"remote\"");
    if (check_keys(L, o, jp, j, join_keys)) return ORM_E_SCHEMA;
    rs->has_join = true;
    rs->rel->custom_join = true;
    for (int i = 0; i < 2; i++) {
        const char *key = i ? "remote" : "local";
        if (!(v = json_object_get(j, key))) return orm_loader_fail(L, o, subpath(L, jp, key), "missing");
        if (get_name_list(L, o, subpath(L, jp, key), v, i ? &rs->join_remote : &rs->join_local,
                          i ? &rs->njoin_remote : &rs->njoin_local))
            return ORM_E_SCHEMA;
    }
    if (get_object(L, o, jp, j, "where", &rs->rel->join_where)) return ORM_E_SCHEMA;
    return 0;
}

static orm_relspec *add_relspec(orm_loader *L)
{
    if (L->nrels == L->caprels) {
        size_t ncap = L->caprels ? L->caprels * 2 : 16;
        L->rels = rm_arena_realloc(L->tmp, L->rels, L->caprels * sizeof *L->rels, ncap * sizeof *L->rels);
        L->caprels = ncap;
    }
    orm_relspec *rs = &L->rels[L->nrels++];
    memset(rs, 0, sizeof *rs);
    return rs;
}

/* One relationship's options; direction and columns come in relationship.c. */
static int parse_relationship(orm_loader *L, decl *d, const char *name, json_t *obj)
{
    const char *p = rm_arena_sprintf(L->tmp, "relationships.%s", name), *s;
    orm_mapper *m = d->m;
    json_t *v;
    if (!is_ident(name))
        return orm_loader_fail(L, &d->origin, p, "not a valid name (letters, digits and _, not starting with a digit)");
    if (orm_table_column(m->table, name))
        return orm_loader_fail(L, &d->origin, p, "table %s already has a column of that name", m->table->name);
    if (!json_is_object(obj)) return orm_loader_fail(L, &d->origin, p, "must be an object");
    if (check_keys(L, &d->origin, p, obj, relationship_keys)) return ORM_E_SCHEMA;
    orm_relationship *r = &m->relationships[m->nrelationships++];
    orm_relspec *rs = add_relspec(L);
    rs->rel = r;
    rs->origin = d->origin;
    r->name = rm_arena_strdup(L->s->arena, name);
    r->parent = m;
    r->cascade = ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_MERGE;
    if (get_string(L, &d->origin, p, obj, "target", &rs->target_name)) return ORM_E_SCHEMA;
    if (!rs->target_name) return orm_loader_fail(L, &d->origin, subpath(L, p, "target"), "missing (the target entity)");
    if (get_string(L, &d->origin, p, obj, "back_populates", &s)) return ORM_E_SCHEMA;
    r->back_populates = s ? rm_arena_strdup(L->s->arena, s) : NULL;
    if (get_string(L, &d->origin, p, obj, "secondary", &rs->secondary_name) ||
        get_bool(L, &d->origin, p, obj, "uselist", &rs->uselist) ||
        parse_join(L, &d->origin, p, obj, rs) || parse_lazy(L, &d->origin, p, obj, &r->lazy) ||
        get_string(L, &d->origin, p, obj, "order_by", &s))
        return ORM_E_SCHEMA;
    rs->has_uselist = json_object_get(obj, "uselist") != NULL;
    r->order_by = s; /* checked against the target's columns once it is known */
    if ((v = json_object_get(obj, "remote_side")) &&
        get_name_list(L, &d->origin, subpath(L, p, "remote_side"), v, &rs->remote_side, &rs->nremote_side))
        return ORM_E_SCHEMA;
    if ((v = json_object_get(obj, "cascade"))) {
        if (!json_is_string(v))
            return orm_loader_fail(L, &d->origin, subpath(L, p, "cascade"), "must be a string such as \"all, delete-orphan\"");
        if (parse_cascade(L, &d->origin, subpath(L, p, "cascade"), json_string_value(v), &r->cascade))
            return ORM_E_SCHEMA;
    }
    return 0;
}

static int build_relationships(loadctx *C)
{
    orm_loader *L = &C->L;
    for (size_t i = 0; i < C->ndecls; i++) {
        decl *d = &C->decls[i];
        json_t *rels, *v;
        const char *name;
        if (!d->entity) continue;
        if (get_object(L, &d->origin, NULL, d->json, "relationships", &rels)) return ORM_E_SCHEMA;
        if (!rels) continue;
        d->m->relationships = RM_NEW_ARRAY(L->s->arena, orm_relationship, json_object_size(rels));
        json_object_foreach(rels, name, v) {
            if (parse_relationship(L, d, name, v)) return ORM_E_SCHEMA;
        }
    }
    /* a child's relationship may not hide one it inherits */
    for (size_t i = 0; i < L->nrels; i++) {
        orm_relationship *r = L->rels[i].rel;
        if (r->parent->inherits && orm_mapper_relationship(r->parent->inherits, r->name))
            return orm_loader_fail(L, &L->rels[i].origin, rm_arena_sprintf(L->tmp, "relationships.%s", r->name),
                                   "entity %s already has a relationship of that name",
                                   orm_mapper_relationship(r->parent->inherits, r->name)->parent->name);
    }
    return 0;
}

/* ---- driver ----------------------------------------------------------------------- */

static orm_schema *schema_new(void)
{
    rm_arena *a = rm_arena_new();
    orm_schema *s = RM_NEW(a, orm_schema);
    s->arena = a;
    s->docs = json_array();
    rm_strmap_init(&s->tables_by_name);
    rm_strmap_init(&s->mappers_by_name);
    rm_strmap_init(&s->mappers_by_resource);
    return s;
}

void orm_schema_free(orm_schema *s)
{
    if (!s) return;
    rm_strmap_free(&s->tables_by_name);
    rm_strmap_free(&s->mappers_by_name);
    rm_strmap_free(&s->mappers_by_resource);
    json_decref(s->docs);
    rm_arena_destroy(s->arena); /* s itself lives in it */
}

/* Read the sources: text (one document named source), or the file or
 * directory at path. */
static int read_sources(loadctx *C, const char *path, const char *text, const char *source)
{
    orm_loader *L = &C->L;
    const char **files = &source;
    size_t nfiles = 1;
    struct stat st;
    if (!text) {
        orm_origin o = {path, NULL};
        if (stat(path, &st) != 0) return orm_loader_fail(L, &o, NULL, "cannot read: no such file or directory");
        if (S_ISDIR(st.st_mode) && list_dir(L, path, &files, &nfiles)) return ORM_E_SCHEMA;
    }
    for (size_t i = 0; i < nfiles; i++) {
        json_t *doc;
        const char *src = rm_arena_strdup(L->s->arena, files[i]);
        if (read_doc(L, text, src, &doc) || collect_doc(C, src, doc)) return ORM_E_SCHEMA;
    }
    return 0;
}

/* Compile r's target_where template (join.h): its join "where" parsed once
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

static int load(const char *path, const char *text, const char *source, orm_schema **out, orm_error *err)
{
    loadctx C;
    int rc;
    memset(&C, 0, sizeof C);
    C.L.s = schema_new();
    C.L.err = err;
    C.L.tmp = rm_arena_new();
    *out = NULL;
    rc = read_sources(&C, path, text, source ? source : path);
    if (!rc) rc = link_inheritance(&C);
    if (!rc) rc = build_tables(&C);
    if (!rc) rc = build_mappers(&C);
    if (!rc) rc = build_relationships(&C);
    if (!rc) rc = orm_loader_resolve_foreign_keys(&C.L);
    if (!rc) rc = orm_loader_sort_tables(&C.L);
    if (!rc) rc = orm_loader_resolve_relationships(&C.L);
    if (!rc) rc = compile_joins(&C.L);
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
    return load(path, NULL, NULL, out, err);
}

int orm_schema_load_string(const char *text, const char *source, orm_schema **out, orm_error *err)
{
    return load(NULL, text, source ? source : "<string>", out, err);
}

orm_table *orm_schema_table(const orm_schema *s, const char *name)
{
    return rm_strmap_get(&s->tables_by_name, name);
}

orm_mapper *orm_schema_mapper(const orm_schema *s, const char *entity)
{
    return rm_strmap_get(&s->mappers_by_name, entity);
}

orm_mapper *orm_schema_resource(const orm_schema *s, const char *resource)
{
    return rm_strmap_get(&s->mappers_by_resource, resource);
}

/* ---- default table names ------------------------------------------------------------ */

static bool is_vowel(char c) { return c && strchr("aeiou", c) != NULL; }

/* Append the English plural ending to the snake_case word in buf[0..k). */
static size_t pluralise(char *buf, size_t k)
{
    char last = k ? buf[k - 1] : '\0', prev = k > 1 ? buf[k - 2] : '\0';
    if (last == 'y' && k > 1 && !is_vowel(prev) && prev != '_') {
        memcpy(buf + k - 1, "ies", 3);
        return k + 2;
    }
    if (last == 's' || last == 'x' || last == 'z' || (last == 'h' && (prev == 'c' || prev == 's'))) {
        memcpy(buf + k, "es", 2);
        return k + 2;
    }
    buf[k] = 's';
    return k + 1;
}

char *orm_default_table_name(rm_arena *a, const char *entity)
{
    size_t n = strlen(entity), k = 0;
    char *out = rm_arena_alloc(a, 2 * n + 4);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)entity[i];
        if (isupper(ch) && k && out[k - 1] != '_') {
            unsigned char prev = (unsigned char)entity[i - 1], next = (unsigned char)entity[i + 1];
            /* BlogPost → blog_post, HTTPRequest → http_request, Item2 stays */
            if (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next))) out[k++] = '_';
        }
        out[k++] = (char)tolower(ch);
    }
    k = pluralise(out, k);
    out[k] = '\0';
    return out;
}
