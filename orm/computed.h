/* computed.h: computed attributes (SPEC §9, SQLAlchemy's column_property):
 * read-only values the database computes per row, kept as columns of the
 * table marked `computed` so name look-ups, filters, sort, fields and
 * cursors find them as any column. DDL, INSERT and UPDATE skip them; a
 * statement that names one gets its expression instead of alias.column
 * (orm_computed_expand), an aggregate as a correlated scalar subquery
 * built per request with the request's scope.
 *
 * computed.c parses the declarations once the relationships are resolved
 * (orm_loader_build_computed, a loading phase); computed_sql.c builds the
 * SQL of a use. */
#ifndef ORM_COMPUTED_H
#define ORM_COMPUTED_H

#include "orm/mapper.h"
#include "orm/stmt.h"
#include "orm/template.h"

/* Relationships an aggregate's path goes through at most. */
#define ORM_COMPUTED_MAX_HOPS 3

typedef enum orm_computed_kind {
    ORM_COMPUTED_EXPR,  /* add, sub, mul, div, concat over the row's own columns */
    ORM_COMPUTED_COUNT,
    ORM_COMPUTED_SUM,
    ORM_COMPUTED_MIN,
    ORM_COMPUTED_MAX
} orm_computed_kind;

typedef struct orm_computed {
    orm_computed_kind kind;
    orm_template expr;                                /* EXPR: over the row at alias 0 */
    const orm_relationship *path[ORM_COMPUTED_MAX_HOPS]; /* aggregates: the relationships */
    size_t npath;
    const orm_column *column;                         /* sum/min/max: the last target's column */
    orm_template filter;                              /* on the last target's rows (alias 0) */
} orm_computed;

/* The value of computed column c for the row at alias: its expression, or
 * for an aggregate (SELECT count(*) | fn(col) FROM the path's tables WHERE
 * the joins (orm_relationship_join: the targets' identities and the
 * scope's criteria) AND the filter), its subquery aliases from seq. */
orm_expr *orm_computed_expr(rm_arena *a, const orm_column *c, int alias, orm_alias_seq *seq);

/* sel with every reference to a computed column replaced by an
 * ORM_OP_COMPUTED node carrying its expression (result columns, WHERE,
 * ORDER BY, joins, subqueries); copy on write, so shared trees stay as
 * they are. Over a derived table the outer statement's own columns are the
 * derived table's (already computed inside it) and stay. */
void orm_computed_expand(rm_arena *a, orm_select *sel, orm_alias_seq *seq);
/* Whether t has a computed attribute. */
bool orm_table_has_computed(const orm_table *t);

#endif
