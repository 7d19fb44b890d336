/* aggregate.h: grouped aggregates over a mapper's rows (SPEC §10 A), one
 * statement: SELECT group keys, aggregates FROM the table LEFT OUTER
 * JOINed through many-to-one paths WHERE filter AND scope GROUP BY keys
 * HAVING ... ORDER BY ... LIMIT/OFFSET. Optionally over one to-many
 * collection of a parent named by its key (a missing parent is
 * ORM_E_NOT_FOUND, still one statement).
 *
 * The caller (routes/aggregate.c) adds group keys and aggregates by path,
 * then having, order and paging, each with the pointer its errors carry,
 * and runs it. Paths are columns or dotted many-to-one paths (at most
 * ORM_SORT_MAX_HOPS), resolved as sort paths are (orm_query_order_by: the
 * same joins, hidden/write-only columns unknown, a NULL foreign key a NULL
 * key), so a group key through a NULL foreign key is the null group.
 *
 * Exact values: sums of integer and numeric columns and means of numeric
 * ones are computed as integers in units of 10^-scale (ORM_OP_SCALED_SUM/
 * AVG, compiled per dialect: SQLite's driver sums the decimals a list
 * shows, PostgreSQL's numeric is exact) and written at the column's scale
 * (a mean at scale + 4, rounded half away from zero); a result beyond 64
 * bits is ORM_E_VALIDATION at the output's pointer. having compares those
 * outputs exactly too (its operands are turned into bounds in the same
 * units). */
#ifndef ORM_AGGREGATE_H
#define ORM_AGGREGATE_H

#include <jansson.h>

#include "lib/sb.h"
#include "orm/query.h"

#define ORM_AGG_MAX_KEYS 8
#define ORM_AGG_MAX_OUTPUTS 32

typedef enum orm_agg_fn {
    ORM_AGG_KEY,            /* a group key */
    ORM_AGG_COUNT,          /* count=* (path NULL) or count=PATH */
    ORM_AGG_COUNT_DISTINCT,
    ORM_AGG_SUM,
    ORM_AGG_AVG,
    ORM_AGG_MIN,
    ORM_AGG_MAX,
    ORM_AGG__COUNT
} orm_agg_fn;

/* "count", "count_distinct", "sum", "avg", "min", "max" (the parameter and
 * the output name's prefix); "group_by" for keys. */
extern const char *const orm_agg_fn_names[ORM_AGG__COUNT];

typedef struct orm_agg_output {
    const char *name;          /* "customer.tier", "count", "sum_total", "max_customer.joined" */
    orm_agg_fn fn;
    const orm_column *column;  /* where the path ends; NULL for count(*) */
    const orm_mapper *owner;   /* the mapper column belongs to (NULL for count(*)) */
    int alias;                 /* column's table alias in the statement */
    orm_expr *expr;            /* its SQL */
    int scale;                 /* a scaled output's scale (written at it); -1: not scaled */
    const char *pointer;       /* where an error about it points ("/query/sum") */
} orm_agg_output;

typedef struct orm_aggregate {
    orm_query q;               /* the mapper, WHERE (the caller ANDs its filter into q.where),
                                  the paths' joins, the aliases */
    orm_agg_output *out;       /* keys first, then aggregates, as added */
    size_t n, nkeys;
    orm_expr *having;
    orm_order_item *order;     /* over outputs; NULL: the keys ascending */
    size_t norder;
    int64_t limit, offset;     /* groups of the page (limit < 0: all) */
    /* a collection: the rows of rel of the parent whose key is parent_key */
    const orm_mapper *parent;
    const orm_relationship *rel;
    const orm_value *parent_key;
} orm_aggregate;

/* An aggregate over m's rows as scope sees them (NULL: all). */
void orm_aggregate_init(orm_aggregate *g, const orm_mapper *m, const struct orm_scope *scope);
/* ... over the rows of parent's to-many rel (rel's target is the mapper)
 * of the parent row with key pk: a missing parent is ORM_E_NOT_FOUND. */
void orm_aggregate_of_parent(orm_aggregate *g, const orm_mapper *parent, const orm_relationship *rel,
                             const orm_value *pk, const struct orm_scope *scope);
/* Add output fn of path (NULL: count(*)) with its checks (types, the same
 * name twice, a name of a key, the limits): ORM_E_INVALID with a field
 * error at pointer. Keys are added before aggregates. */
int orm_aggregate_add(orm_aggregate *g, rm_arena *a, orm_agg_fn fn, const char *path, const char *pointer,
                      orm_error *err);
/* having: a JSON filter over the output names (column operators,
 * and/or/not); errors at pointer + "/...". */
int orm_aggregate_having(orm_aggregate *g, rm_arena *a, const json_t *having, const char *pointer,
                         orm_error *err);
/* sort: "name,-name" over output names; ties by the keys ascending. */
int orm_aggregate_order(orm_aggregate *g, rm_arena *a, const char *spec, const char *pointer, orm_error *err);

typedef struct orm_agg_rows {
    orm_value *values;         /* row r, output k: values[r * g->n + k] (arena) */
    size_t n;                  /* rows of the page */
    bool more;                 /* groups follow the page */
} orm_agg_rows;

/* Run it: one statement (rows read into s's arena). */
int orm_aggregate_run(orm_session *s, const orm_aggregate *g, orm_agg_rows *out);
/* Append the JSON value of output o for value v (as run produced it). */
void orm_aggregate_write_value(rm_sb *sb, const orm_agg_output *o, const orm_value *v);

#endif
