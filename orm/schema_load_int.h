/* schema_load_int.h: the loading phases and the declarations they walk,
 * shared by schema_load.c (which reads the files, collects the
 * declarations and runs the phases in order), schema_columns.c,
 * schema_mappers.c and relationship.c (which implement them). Private
 * to those files, like schema_int.h below it.
 *
 * The phases, in the order orm_schema_load() runs them; each returns 0 or
 * ORM_E_SCHEMA (err filled) and the first error stops loading:
 *   collect        schema_load.c      entities and plain tables of every file
 *   inheritance    schema_mappers.c   "inherits" linked, depths computed
 *   projections    schema_projections.c  the view-only entities' keys
 *   tables         schema_columns.c   tables and columns, bases first
 *   projections    schema_projections.c  view-only entities over their owner's table
 *   mappers        schema_mappers.c   default order, polymorphism, visible columns
 *   relationships  schema_mappers.c   each relationship's declared options
 *   foreign keys, table order, relationship directions and pairs: relationship.c
 *   projections    schema_projections.c  relationships from and to them view-only
 *   join filters   schema_load.c      each custom join's "where" parsed once
 *   proxies        proxy.c            association proxies over the resolved relationships
 *   computed       computed.c         computed attributes typed and compiled */
#ifndef ORM_SCHEMA_LOAD_INT_H
#define ORM_SCHEMA_LOAD_INT_H

#include "orm/schema_int.h"

/* One entity or plain-table declaration, in the order of the files. */
typedef struct orm_decl {
    bool entity;                  /* "entities" member, else "tables" member */
    const char *name;             /* entity or table name (borrowed from the doc) */
    json_t *json;                 /* its object (borrowed) */
    orm_origin origin;
    orm_mapper *m;                /* entities: the mapper */
    int depth;                    /* entities: inheritance depth, 0 = base */
    size_t col_first, col_end;    /* entities: the table columns they declare */
    orm_table *store;             /* entities: the database table its columns are in */
    bool joined;                  /* an inheriting entity with a table of its own */
    bool viewonly;                /* entities: a projection of another entity's table */
} orm_decl;

typedef struct orm_loadctx {
    orm_loader L;                 /* first: what relationship.c and the helpers see */
    const char *const *entity_keys; /* the ORM's and the caller's (orm_schema_options) */
    orm_decl *decls;
    size_t ndecls, capdecls;
    int maxdepth;
} orm_loadctx;

/* schema_mappers.c */
/* A new mapper for entity d, registered by name (duplicates across files
 * refused), keeping its declaration (m->decl); sets d->m. */
int orm_loader_add_mapper(orm_loadctx *C, orm_decl *d);
int orm_loader_link_inheritance(orm_loadctx *C);
int orm_loader_build_mappers(orm_loadctx *C);
int orm_loader_build_relationships(orm_loadctx *C);
/* For each entity that declares the object member `key` ("relationships",
 * "proxies"): start(d, its number of members), then each(d, name, value)
 * for every member in order; the first failure stops it (ORM_E_SCHEMA). */
typedef void (*orm_members_fn)(orm_loader *L, orm_decl *d, size_t n);
typedef int (*orm_member_fn)(orm_loader *L, orm_decl *d, const char *name, json_t *v);
int orm_loader_each_member(orm_loadctx *C, const char *key, orm_members_fn start, orm_member_fn each);

/* schema_columns.c: every table with its columns, primary key and
 * autoincrement (needs the inheritance depths). */
int orm_loader_build_tables(orm_loadctx *C);
/* An "on_delete" spelling ("cascade", "set null", ...) → *out; -1 if unknown. */
int orm_loader_parse_on_delete(const char *s, orm_on_delete *out);
/* schema_constraints.c: the tables' "unique", "indexes", "checks" and
 * "foreign_keys" (every column known). */
int orm_loader_build_constraints(orm_loadctx *C);
/* computed.c: the computed attributes (every relationship resolved). */
int orm_loader_build_computed(orm_loadctx *C);

/* schema_projections.c: several entities over one table (SPEC §9): the
 * view-only keys read (after inheritance), projections bound to their
 * owner's table with their columns and "where" (after the tables), and
 * their relationships checked and writes kept out (after relationships). */
int orm_loader_mark_projections(orm_loadctx *C);
int orm_loader_build_projections(orm_loadctx *C);
int orm_loader_check_projections(orm_loadctx *C);

/* relationship.c: run in this order once every table, column and mapper is
 * built. */
int orm_loader_resolve_foreign_keys(orm_loader *L);
int orm_loader_sort_tables(orm_loader *L);      /* fills s->tables */
/* schema_mappers.c, after the table order: foreign keys into a joined
 * hierarchy's tables refer to its span (a level's key keeps its parent's
 * table), so relationships to its classes find them. */
int orm_loader_bind_spans(orm_loader *L);
int orm_loader_resolve_relationships(orm_loader *L);

/* proxy.c: each entity's "proxies", once its relationships are resolved. */
int orm_loader_build_proxies(orm_loadctx *C);

#endif
