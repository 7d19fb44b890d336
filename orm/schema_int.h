/* schema_int.h: the loader's private state, shared by schema_load.c (JSON →
 * tables, columns, mappers, relationship options) and relationship.c
 * (foreign keys, table order, relationship directions and pairs). Not part
 * of the ORM's public interface: nothing outside these two files includes it.
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

/* Set err to ORM_E_SCHEMA with "SOURCE: WHAT: PATH: message"; the WHAT part
 * is left out when o->what is NULL, the PATH part when path is NULL.
 * Returns ORM_E_SCHEMA. */
int orm_loader_fail(orm_loader *L, const orm_origin *o, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* " (did you mean \"x\"?)" naming the candidate closest to word within
 * two edits, else "" (for "unknown ..." messages; scratch arena).
 * cands is NULL-terminated. */
const char *orm_loader_suggest(orm_loader *L, const char *word, const char *const *cands);
/* The mappers' names, NULL-terminated (scratch arena), for suggestions. */
const char *const *orm_loader_entity_names(orm_loader *L);

/* The loader declaration of table t, or NULL. */
orm_tdecl *orm_loader_tdecl(orm_loader *L, const orm_table *t);

/* Check a sort string ("name,-id", as ?sort takes it) against table t's
 * columns; on success *canon gets the string without blanks (arena). When
 * api_only is set, hidden and write_only columns are refused too. Reports
 * errors at o/path. Returns 0 or ORM_E_SCHEMA. */
int orm_loader_check_order(orm_loader *L, const orm_origin *o, const char *path,
                           const char *order, const orm_table *t, bool api_only,
                           const char **canon);

/* Columns of the same type family (integer and bigint are interchangeable). */
bool orm_types_compatible(orm_type a, orm_type b);

/* relationship.c: run in this order once every table, column and mapper is
 * built. Each returns 0 or ORM_E_SCHEMA (err filled). */
int orm_loader_resolve_foreign_keys(orm_loader *L);
int orm_loader_sort_tables(orm_loader *L);      /* fills s->tables */
int orm_loader_resolve_relationships(orm_loader *L);

#endif
