/* mapper.h: entities mapped to tables and their relationships
 * (SQLAlchemy's mapper() and relationship()). What an application makes of
 * an entity beyond the mapping (routes/: its URL, methods, paging,
 * permissions) it reads from the entity's declaration (decl) and keeps
 * itself; the mapper carries only a slot for it (info).
 *
 * Relationship direction is inferred from foreign keys at resolve time
 * (relationship.c); loading strategies are used by loading.c. Everything
 * lives in the schema arena and is read-only after resolution. */
#ifndef ORM_MAPPER_H
#define ORM_MAPPER_H

#include <jansson.h>
#include <stdbool.h>

#include "orm/expr.h"
#include "orm/metadata.h"
#include "orm/template.h"

typedef enum orm_direction {
    ORM_MANY_TO_ONE,
    ORM_ONE_TO_MANY,
    ORM_MANY_TO_MANY
} orm_direction;

const char *orm_direction_name(orm_direction d); /* "many_to_one" ... */

#define ORM_LAZY_KINDS(X)        \
    X(SELECT, "select")          \
    X(JOINED, "joined")          \
    X(SELECTIN, "selectin")      \
    X(DYNAMIC, "dynamic")        \
    X(NOLOAD, "noload")

typedef enum orm_lazy {
#define X(n, s) ORM_LAZY_##n,
    ORM_LAZY_KINDS(X)
#undef X
} orm_lazy;

const char *orm_lazy_name(orm_lazy l);

enum {
    ORM_CASCADE_SAVE_UPDATE = 1u << 0,
    ORM_CASCADE_DELETE = 1u << 1,
    ORM_CASCADE_DELETE_ORPHAN = 1u << 2,
    ORM_CASCADE_MERGE = 1u << 3,
    /* "all" as SQLAlchemy spells it: save-update, merge, delete (no orphan) */
    ORM_CASCADE_ALL = ORM_CASCADE_SAVE_UPDATE | ORM_CASCADE_MERGE | ORM_CASCADE_DELETE
};

struct orm_mapper;

typedef struct orm_relationship {
    const char *name;
    struct orm_mapper *parent;         /* the mapper it is declared on */
    struct orm_mapper *target;
    orm_direction direction;
    bool uselist;                      /* collection (true) or scalar */
    orm_table *secondary;              /* many-to-many association table */
    const char *back_populates;        /* name on the target, or NULL */
    struct orm_relationship *reverse;  /* resolved back_populates pair */
    unsigned cascade;                  /* ORM_CASCADE_* bits (none on a viewonly one) */
    bool viewonly;                     /* read only: never written, no cascade, no flush */
    bool passive_deletes;              /* one-to-many: a deleted parent leaves its rows to
                                          their foreign key's ON DELETE (not loaded, nulled
                                          or deleted by the flush) */
    orm_lazy lazy;
    const char *order_by;              /* "name,-id" as in ?sort, or NULL */
    /* Join condition as column pairs, parent side first:
     *   many-to-one:  local = parent FK columns, remote = target key columns
     *   one-to-many:  local = parent key columns, remote = target FK columns
     *   many-to-many: local = parent key, sec_local = secondary columns that
     *                 refer to it; sec_remote = secondary columns referring to
     *                 the target's remote (key) columns
     * A custom "join" gives local (parent) and remote (target) columns; on a
     * many-to-many its "local"/"remote" name the secondary's columns that
     * refer to the parent / the target (needed when both refer to the same
     * table). Both sides have npairs columns. */
    size_t npairs;
    orm_column **local;
    orm_column **remote;
    orm_column **sec_local;
    orm_column **sec_remote;
    json_t *join_where;                /* custom join's extra filter (borrowed from the schema JSON), or NULL */
    bool custom_join;                  /* "join" given in the schema */
    /* Compiled once at load (join.c): the join "where" over the target
     * (template.h); an empty template = none. */
    orm_template where;
    bool compiled;                     /* `where` is installed */
    /* What writing through it sets on the target: the columns its "where"
     * fixes by equality (target column = literal, AND-ed); where_settable
     * when that is all the "where" says (else rows cannot be made to
     * satisfy it by writing through the relationship). */
    const orm_column **where_cols;
    orm_value *where_vals;
    size_t nwhere_sets;
    bool where_settable;
} orm_relationship;

/* An association proxy (SQLAlchemy's association_proxy, SPEC §9): the
 * values of one column (`attribute`) of the rows a to-many relationship
 * (`through`) reaches, read and written as a list of scalars. Resolved by
 * orm/proxy.c once the relationships are. */
typedef struct orm_proxy {
    const char *name;
    struct orm_mapper *parent;         /* the mapper it is declared on */
    const orm_relationship *through;   /* a to-many relationship of parent (or inherited) */
    const orm_column *attribute;       /* a readable column of through's target */
    bool read_only;                    /* through is viewonly, or many-to-many with a
                                          non-unique attribute (a value cannot name its row) */
} orm_proxy;

typedef struct orm_mapper {
    const char *name;                  /* entity name: "User" */
    const char *source;                /* schema file */
    orm_table *table;
    const char *default_order;         /* rows' default order, "name,-id" as in ?sort;
                                        * NULL = primary key */
    orm_relationship *relationships;   /* declared on this mapper; a child's inherited
                                        * ones are its parents' (see orm_mapper_relationship) */
    size_t nrelationships;
    orm_proxy *proxies;                /* association proxies declared on this mapper (a child
                                        * also has its parents': see orm_mapper_proxy) */
    size_t nproxies;
    orm_column *version_col;           /* or NULL */
    struct orm_mapper *inherits;       /* inheritance parent (single-table, or joined-table: then
                                          every class of the hierarchy has its span as table) */
    orm_column *polymorphic_on;        /* discriminator column (on the base) */
    const bool *visible;               /* per table column: shown for this mapper (single-table
                                          inheritance hides siblings' columns); NULL = all */
    bool has_identity;
    orm_value polymorphic_identity;    /* this mapper's discriminator value */
    const orm_value *identities;       /* its own and every descendant's identity: the
                                          rows its queries reach */
    size_t nidentities;
    struct orm_mapper *const *descendants; /* every class below it, any depth */
    size_t ndescendants;
    bool viewonly;                     /* a read-only projection of another entity's table
                                          (table->mapper owns it): never written */
    orm_template view_where;           /* a projection's "where" over alias 0, compiled once
                                          (orm_scope_where applies it); empty: every row */
    json_t *decl;                      /* the entity's declaration as written (borrowed from the
                                        * schema JSON): the caller's own keys are read from it
                                        * (orm_schema_options.entity_keys, orm_decl_reader) */
    const void *info;                  /* the application's record of this mapper (SQLAlchemy's
                                        * Mapper.info): set by the schema's owner once, before
                                        * the schema is shared; the ORM never reads it */
} orm_mapper;

/* Relationship by name, or NULL; looks in m, then in the mappers it
 * inherits from. */
orm_relationship *orm_mapper_relationship(const orm_mapper *m, const char *name);

/* m is ancestor or inherits from it, at any depth. */
bool orm_mapper_isa(const orm_mapper *m, const orm_mapper *ancestor);

/* Association proxy by name, or NULL; looks in m, then in the mappers it
 * inherits from (orm/proxy.c). */
const orm_proxy *orm_mapper_proxy(const orm_mapper *m, const char *name);

/* For a single-table-inheritance child mapper at alias, the discriminator
 * naming its class or a descendant's (= identity, or IN (identities)); else
 * NULL. */
orm_expr *orm_mapper_identity_where(rm_arena *a, const orm_mapper *m, int alias);

/* What a column of a mapper may be used for: the one home of "may this
 * column be read / named in a body / listed" that every path asks. */
typedef enum orm_column_use {
    ORM_COL_READ,    /* output, fields, filter, sort, the equality shorthand */
    ORM_COL_INPUT,   /* a key a body may name (read-only ones are then refused by name) */
    ORM_COL_LISTED   /* described in GET /api and /openapi.json */
} orm_column_use;

/* Whether m may use c for use: c must be one of m's own or inherited
 * columns (a Manager does not have an Engineer's), never hidden, and not
 * write_only to be read. */
bool orm_mapper_column_allows(const orm_mapper *m, const orm_column *c, orm_column_use use);
/* Whether the server alone fills c for m (a body may not name it): a
 * read_only or version column, or the discriminator of a class with an
 * identity (set on create from the class). */
bool orm_mapper_column_server_managed(const orm_mapper *m, const orm_column *c);
/* m's column called name if m may use it for use, else NULL. */
const orm_column *orm_mapper_column(const orm_mapper *m, const char *name, orm_column_use use);

#endif
