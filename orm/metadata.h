/* metadata.h: tables, columns, types and constraints (SQLAlchemy's
 * MetaData/Table/Column), as loaded from schema files by schema_load.c.
 *
 * Everything here lives in the schema's arena and is read-only once the
 * schema is resolved, so any number of request threads may share it. */
#ifndef ORM_METADATA_H
#define ORM_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#include "orm/value.h"

/* The column types of SPEC §2: enum name, schema spelling. */
#define ORM_TYPES(X)              \
    X(INTEGER, "integer")         \
    X(BIGINT, "bigint")           \
    X(FLOAT, "float")             \
    X(NUMERIC, "numeric")         \
    X(STRING, "string")           \
    X(TEXT, "text")               \
    X(BOOLEAN, "boolean")         \
    X(DATE, "date")               \
    X(DATETIME, "datetime")       \
    X(JSON, "json")               \
    X(UUID, "uuid")

typedef enum orm_type {
#define X(n, s) ORM_T_##n,
    ORM_TYPES(X)
#undef X
    ORM_T__COUNT
} orm_type;

/* Schema spelling of a type ("integer"). */
const char *orm_type_name(orm_type t);
/* Parse a schema spelling; 0 on success, -1 if unknown. */
int orm_type_parse(const char *name, orm_type *out);
/* Storage kind of a type's non-null values (INT for integer/bigint/boolean...). */
orm_vkind orm_type_storage(orm_type t);

struct orm_table;
struct orm_mapper;

typedef enum orm_on_delete {
    ORM_FK_NO_ACTION = 0,
    ORM_FK_CASCADE,
    ORM_FK_SET_NULL,
    ORM_FK_RESTRICT,
    ORM_FK_SET_DEFAULT
} orm_on_delete;

typedef struct orm_foreign_key {
    const char *table_name;        /* as written: "users" */
    const char *column_name;       /* as written: "id" */
    struct orm_table *table;       /* resolved referenced table */
    struct orm_column *column;     /* resolved referenced column */
    orm_on_delete on_delete;
    struct orm_column *stored;     /* when table and column are a span's (joined-table
                                      inheritance, below): the database column referred to;
                                      else NULL */
} orm_foreign_key;

/* Dynamic defaults (SPEC §9). A generator restmap runs for a new row
 * lacking the column ("default": {"$uuid4": true} / {"$now": true}). */
typedef enum orm_generator { ORM_GEN_NONE = 0, ORM_GEN_UUID4, ORM_GEN_NOW } orm_generator;
/* What the database fills when an INSERT leaves the column out
 * ("server_default": a literal, "now" on a date or datetime, "uuid" on a
 * uuid column): the DDL DEFAULT of --create-all. */
typedef enum orm_server_default {
    ORM_SD_NONE = 0,
    ORM_SD_LITERAL,
    ORM_SD_NOW,
    ORM_SD_UUID
} orm_server_default;

typedef struct orm_column {
    const char *name;              /* the key: the only name the API and schema files use */
    const char *sql_name;          /* the SQL column's name ("column", else the key): only the
                                      SQL and DDL emitters (compile.c, ddl.c, dialect*.c) use it */
    struct orm_table *table;       /* owner */
    int index;                     /* position in table->columns */
    orm_type type;
    bool primary_key;
    bool autoincrement;            /* database generates the value */
    bool nullable;
    bool unique;
    bool indexed;
    bool hidden;                   /* never read, written or filtered via the API */
    bool read_only;                /* output only */
    bool write_only;               /* input only */
    bool version;                  /* optimistic-concurrency counter */
    int length;                    /* string length limit; 0 = none */
    int precision, scale;          /* numeric; 0 = unspecified */
    bool has_min, has_max;
    double min, max;               /* inclusive bounds on numeric values */
    bool has_default;
    orm_value default_value;       /* literal, canonical storage form */
    orm_generator generator;       /* "default" is a generator (has_default is then false) */
    const char *default_json;      /* "default" as written (compact JSON), or NULL */
    orm_server_default server_default;
    orm_value server_default_value; /* ORM_SD_LITERAL: canonical storage form */
    const char *server_default_json; /* "server_default" as written, or NULL */
    bool onupdate_now;             /* "onupdate": "now": every UPDATE sets the current time */
    orm_value *choices;            /* enumeration, canonical storage form */
    size_t nchoices;
    orm_foreign_key *fk;           /* NULL when not a foreign key */
    bool deferred;                 /* not loaded unless asked for by name (SPEC §9) */
    const char *computed_json;     /* a computed attribute: its "computed" as written (JSON
                                      text); never stored, written or made by DDL */
    const struct orm_computed *computed; /* its compiled form (orm/computed.h) */
    const struct orm_column *storage; /* a span's column (joined-table inheritance, below):
                                         the table column it is stored in; else NULL */
} orm_column;

/* A table-level "unique" constraint or an entry of "indexes" (SPEC §9). */
typedef struct orm_index {
    const char *name;
    struct orm_column **columns;   /* in order */
    size_t ncolumns;
    bool unique;
    bool constraint;               /* a "unique" entry: CONSTRAINT ... UNIQUE in the table */
} orm_index;

/* A table-level composite foreign key (SPEC §9 "foreign_keys"): columns[i]
 * refers to ref_columns[i] of `table` (its primary key or a unique entry). */
typedef struct orm_fkey {
    const char *name;              /* fk_<table>_<columns> (DDL, where a name is needed) */
    struct orm_column **columns;   /* in this table, in order */
    struct orm_column **ref_columns; /* in the referenced table, in order */
    size_t n;
    struct orm_table *table;       /* referenced table */
    orm_on_delete on_delete;
} orm_fkey;

struct orm_expr;

/* A named CHECK constraint (SPEC §9 "checks"): a §5 filter over the row's
 * own columns, compiled once at load (filter.c) into an expression whose
 * columns are at alias 0; evaluated in C by check.c, printed by ddl.c. */
typedef struct orm_check {
    const char *name;
    const char *written;           /* the "check" as written (compact JSON, GET /api) */
    struct orm_expr *expr;
    const struct orm_column *first; /* the first column it names (the error's pointer) */
} orm_check;

typedef struct orm_table {
    const char *name;
    const char *source;            /* schema file it came from */
    orm_column *columns;
    size_t ncolumns;
    orm_column **pk;               /* primary-key columns, in declaration order */
    size_t npk;
    struct orm_mapper *mapper;     /* the (base) entity mapped to it, or NULL */
    orm_index *indexes;            /* table-level unique constraints and indexes */
    size_t nindexes;
    orm_fkey *fkeys;               /* table-level (composite) foreign keys */
    size_t nfkeys;
    orm_check *checks;             /* named CHECK constraints */
    size_t nchecks;
    /* Joined-table inheritance (SPEC §9). A hierarchy with tables of its
     * own is mapped to one "span": a table that is no database table,
     * named as its root table, whose columns are the root table's and each
     * further level's non-key ones (orm_column.storage says where each is
     * stored), so a row of any class of the hierarchy is one row of the
     * span. The compiler prints a span as its levels joined on the key;
     * the flush writes each level's table. */
    struct orm_table **levels;     /* on a span: the stored tables, root first, each after
                                      its parent level; NULL on any other table */
    const struct orm_mapper **level_owner; /* the class each level's table belongs to */
    size_t nlevels;
    struct orm_table *span;        /* on a level's table: its hierarchy's span, else NULL */
} orm_table;

/* Column by key (orm_column.name), or NULL. */
orm_column *orm_table_column(const orm_table *t, const char *name);
/* The column of t stored as c: on a span, its column whose storage is c (a
 * lower level's key column: the span's key column at its position);
 * elsewhere c itself when t holds it; else NULL. */
orm_column *orm_table_stored(const orm_table *t, const orm_column *c);

#endif
