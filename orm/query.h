/* query.h: reading and writing mapped rows (SQLAlchemy's Query and the
 * persistence half of the unit of work, for single rows): list with WHERE,
 * ORDER BY, LIMIT/OFFSET; count; get by primary key; insert, update and
 * delete one row. Builds orm_select/orm_insert/... and runs them in a
 * session; callers never see SQL text.
 *
 * Rows are arrays of table->ncolumns values in table column order, in the
 * session arena. A single-table-inheritance child mapper restricts every
 * statement to its polymorphic identity and sets it on insert. */
#ifndef ORM_QUERY_H
#define ORM_QUERY_H

#include "orm/filter.h"
#include "orm/mapper.h"
#include "orm/session.h"
#include "orm/stmt.h"

typedef struct orm_query {
    const orm_mapper *mapper;
    orm_expr *where;            /* over alias 0 (the mapper's table); NULL = all rows */
    orm_order_item *order;      /* the primary key is appended as an ascending tiebreak */
    size_t norder;
    orm_join *joins;            /* LEFT JOINs that sort keys through many-to-one need */
    size_t njoins;
    orm_expr *after;            /* keyset condition (rows after a cursor); not counted */
    orm_alias_seq aliases;      /* table aliases handed out so far (0 is the mapper's table) */
    int64_t limit;              /* < 0: no limit */
    int64_t offset;             /* 0: none */
    bool reverse;               /* every key's direction flipped: the rows before a cursor,
                                   nearest first (the caller reverses the page back) */
    bool defer;                 /* a representation's read: deferred columns not in `fields`
                                   are not loaded (SPEC §9); false: every column (writes) */
    const bool *fields;         /* with defer: the sparse fieldset by column index, or NULL */
    const orm_column *const *counts; /* related counts of each row (orm/related_count.h): result
                                        columns after the sort keys; a "_count.REL" sort key
                                        takes REL's from here (its filter) */
    size_t ncounts;
} orm_query;

/* A query on m's rows as the scope lets the request see them (orm/scope.h:
 * every statement the query makes applies it; NULL: every row). */
void orm_query_init(orm_query *q, const orm_mapper *m, const struct orm_scope *scope);

/* Relationships one sort key may go through ("a.b.c.name" is 3): each is
 * a LEFT JOIN of every page's statement. */
#define ORM_SORT_MAX_HOPS 3

/* Parse a sort spec ("name,-id", "user.name": dotted paths through
 * many-to-one relationships become LEFT OUTER JOINs, so rows whose foreign
 * key is NULL stay) into q->order and q->joins, replacing any order.
 * "_count.REL" sorts by the number of rows of the to-many relationship REL
 * (q->counts' count of REL when it has one, with its filter).
 * Hidden and write-only columns are not sortable. Errors: ORM_E_INVALID
 * with a field error at `pointer`. */
int orm_query_order_by(orm_query *q, rm_arena *a, const char *spec, orm_alias_seq *aliases,
                       const char *pointer, orm_error *err);
/* The order actually used: q->order, then the primary-key columns it lacks.
 * *n receives the count. */
orm_order_item *orm_query_effective_order(const orm_query *q, rm_arena *a, size_t *n);
/* The effective-order values of a row loaded by the query (what a keyset
 * cursor records): row is the table's columns, extra the sort keys through
 * joins that followed them. out has room for the effective order's count. */
void orm_query_sort_values(const orm_query *q, rm_arena *a, const orm_value *row,
                           const orm_value *extra, orm_value *out);
/* ORDER BY items of a relationship's order_by (or the target's key) over
 * the target at alias. */
orm_order_item *orm_relationship_order(rm_arena *a, const orm_relationship *r, int alias, size_t *n);
/* Restrict q to rows strictly after the row whose effective-order values
 * are `values` (keyset paging; NULL sorts first ascending, last descending). */
void orm_query_after(orm_query *q, rm_arena *a, const orm_value *values);
/* The SELECT of the query (joins, WHERE with keyset and the rows the scope
 * sees, effective order, paging; the table's columns then the sort keys
 * through joins), built in a, for callers that extend it (eager loading);
 * its subqueries take their aliases from seq (start from q->aliases). */
void orm_query_select(const orm_query *q, rm_arena *a, orm_alias_seq *seq, orm_select *out);
/* Append table t's columns over alias to sel->columns, in table order
 * (rows keep one value per column): a deferred column not named by fields
 * (when defer) is the constant NULL, not read; with labels, a computed or
 * such a column is labelled with its name (a derived table's columns). */
void orm_row_columns(rm_arena *a, orm_select *sel, const orm_table *t, int alias, bool defer,
                     const bool *fields, bool labels);
/* Rows of the query: each row is the table's columns, followed by one
 * value per effective-order key that is not a column of the table (sort
 * keys through joins, related counts), for orm_query_sort_values, then
 * one per q->counts. */
int orm_query_all(orm_session *s, const orm_query *q, orm_result *out);
/* count(*) of the query's WHERE (order and paging ignored). */
int orm_query_count(orm_session *s, const orm_query *q, int64_t *out);
/* Expression "primary key = pk" over alias (pk: table->npk values); the
 * class's identity and the scope are the statement's to add
 * (orm_scope_where). */
orm_expr *orm_pk_where(rm_arena *a, const orm_mapper *m, int alias, const orm_value *pk);

/* The rows of r's target related to the parent row (SQLAlchemy's
 * with_parent()), over the target at alias: remote = the parent's values,
 * or for many-to-many an EXISTS on the secondary table; with the
 * relationship's join "where". For a query on r->target, which adds the
 * target's polymorphic identity itself. FALSE when the parent's key has a
 * NULL. */
orm_expr *orm_with_parent(rm_arena *a, const orm_relationship *r, const orm_value *parent_row, int alias,
                          orm_alias_seq *aliases);

/* One row by primary key into *row (arena); ORM_E_NOT_FOUND when absent
 * or outside what the session's scope sees. */
int orm_get(orm_session *s, const orm_mapper *m, const orm_value *pk, orm_value **row);

/* The columns an INSERT of one row of m names, in table order, with their
 * values: the given ones (values[i] where given[i]), else a version
 * column's 1, m's polymorphic identity, a column's default. cols and vals
 * have room for every column; returns how many were written. */
size_t orm_insert_columns(const orm_mapper *m, const orm_value *values, const bool *given,
                          const orm_column **cols, orm_value *vals);
/* Insert one row: values[i] is used where given[i] (table column order);
 * the rest take their defaults. A version column starts at 1. *row gets
 * the stored row (generated key included). */
int orm_insert_row(orm_session *s, const orm_mapper *m, const orm_value *values, const bool *given,
               orm_value **row);


#endif
