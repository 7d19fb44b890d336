/* schema_int.h: the loader's private state (orm_loader) and the helpers
 * every step of schema loading shares (schema_loader.c): the error message
 * format, suggestions, typed JSON members, name rules and small look-ups.
 * The bottom layer of loading: schema_load.c (the phases), schema_columns.c,
 * schema_mappers.c and relationship.c all call down into it, and it calls
 * none of them. Not part of the ORM's public interface: nothing outside
 * those files includes it.
 *
 * Everything here lives in the loader's scratch arena (L->tmp) and is gone
 * once orm_schema_load() returns; what the schema keeps lives in s->arena. */
#ifndef ORM_SCHEMA_INT_H
#define ORM_SCHEMA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "orm/schema.h"

/* Where a declaration came from, for error messages:
 * source "schemas/blog.json", what "entity User" or "table post_keywords". */
typedef struct orm_origin {
    const char *source;
    const char *what;
} orm_origin;

/* Per-column loader facts that orm_column does not carry. */
typedef struct orm_colinfo {
    orm_origin origin;            /* the declaration the column is written in */
    int autoincrement;            /* -1 not given, else the explicit 0/1 */
} orm_colinfo;

/* A table under construction, then resolved. */
typedef struct orm_tdecl {
    orm_table *table;             /* schema arena */
    orm_origin origin;            /* entity or "tables" entry that declares it */
    orm_colinfo *info;            /* parallel to table->columns */
    size_t cap;                   /* capacity of table->columns and info */
    int version_index;            /* column index of the version column, or -1 */
} orm_tdecl;

/* A relationship's schema options that need resolution (relationship.c). */
typedef struct orm_relspec {
    orm_relationship *rel;        /* in rel->parent->relationships */
    orm_origin origin;            /* the entity declaring it */
    const char *target_name;
    const char *secondary_name;   /* or NULL */
    const char **remote_side;     /* column names, or NULL */
    size_t nremote_side;
    bool has_join;
    const char **join_local, **join_remote;
    size_t njoin_local, njoin_remote;
    bool has_uselist, uselist;    /* explicit "uselist" */
    bool has_cascade;             /* explicit "cascade" */
} orm_relspec;

typedef struct orm_loader {
    orm_schema *s;
    orm_error *err;
    rm_arena *tmp;                /* scratch, destroyed when loading ends */
    orm_tdecl *tables;            /* declaration order */
    size_t ntables, captables;
    orm_relspec *rels;            /* declaration order */
    size_t nrels, caprels;
} orm_loader;

/* ---- errors and suggestions ---- */

/* Set err to ORM_E_SCHEMA with "SOURCE: WHAT: PATH: message"; the WHAT part
 * is left out when o->what is NULL, the PATH part when path is NULL.
 * Returns ORM_E_SCHEMA. */
int orm_loader_fail(orm_loader *L, const orm_origin *o, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* " (did you mean \"x\"?)" naming the candidate closest to word within
 * two edits, else "" (for "unknown ..." messages; scratch arena).
 * cands is NULL-terminated. */
const char *orm_loader_suggest(orm_loader *L, const char *word, const char *const *cands);
/* "a, b, c" from a NULL-terminated list (scratch arena). */
const char *orm_loader_list_text(orm_loader *L, const char *const *list);
/* word is one of the NULL-terminated list. */
bool orm_loader_in_list(const char *word, const char *const *list);
/* Letters, digits and '_', not starting with a digit: safe as an SQL
 * identifier, a JSON member and a URL segment. */
bool orm_loader_is_ident(const char *s);

/* ---- typed members of a schema object ----
 * Each reads obj's member key, reports a wrong kind at "prefix.key" (key
 * alone when prefix is NULL) and returns 0 or ORM_E_SCHEMA. Strings and
 * objects are borrowed from the document. */

/* "prefix.key", or key alone when prefix is NULL (scratch arena). */
const char *orm_loader_subpath(orm_loader *L, const char *prefix, const char *key);
/* Every key of obj must be in allowed (NULL-terminated); an unknown one
 * is refused with a suggestion. */
int orm_loader_check_keys(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                          const char *const *allowed);
/* Optional boolean; *out is left alone when absent. */
int orm_loader_get_bool(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                        const char *key, bool *out);
/* Optional non-empty string; *out = NULL when absent. */
int orm_loader_get_string(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                          const char *key, const char **out);
/* Optional integer within [lo, hi]; *present tells whether given. */
int orm_loader_get_int(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                       const char *key, int lo, int hi, int *out, bool *present);
/* Optional object; *out = NULL when absent. */
int orm_loader_get_object(orm_loader *L, const orm_origin *o, const char *prefix, json_t *obj,
                          const char *key, json_t **out);
/* v, a column name or a non-empty array of them, → *out, an array of *n
 * names (scratch arena); errors are reported at path. */
int orm_loader_get_name_list(orm_loader *L, const orm_origin *o, const char *path, json_t *v,
                             const char ***out, size_t *n);

/* ---- look-ups and checks ---- */

/* The loader declaration of table t, or NULL. */
orm_tdecl *orm_loader_tdecl(orm_loader *L, const orm_table *t);
/* The mappers' names, NULL-terminated (scratch arena), for suggestions. */
const char *const *orm_loader_entity_names(orm_loader *L);
/* The base of m's inheritance hierarchy (m itself when it inherits nothing). */
orm_mapper *orm_loader_root(orm_mapper *m);
/* m is ancestor or inherits from it (at any depth). */
bool orm_loader_isa(const orm_mapper *m, const orm_mapper *ancestor);

/* Columns of the same type family (integer and bigint are interchangeable). */
bool orm_types_compatible(orm_type a, orm_type b);

/* A literal j for column c (a default, a choice, a polymorphic identity) →
 * *out, canonical and in the schema arena, checked against the column's
 * rules (length, choices, min/max). Errors are reported at o/path. */
int orm_loader_convert_literal(orm_loader *L, const orm_origin *o, const char *path, orm_column *c,
                               json_t *j, orm_value *out);

/* Check a sort string ("name,-id", as ?sort takes it) against table t's
 * columns; on success *canon gets the string without blanks (arena). When
 * api_only is set, hidden and write_only columns are refused too. Reports
 * errors at o/path. Returns 0 or ORM_E_SCHEMA. */
int orm_loader_check_order(orm_loader *L, const orm_origin *o, const char *path,
                           const char *order, const orm_table *t, bool api_only,
                           const char **canon);

#endif
