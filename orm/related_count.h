/* related_count.h: related counts (SPEC §10 B, Prisma's _count): the number
 * of rows in one to-many relationship of each loaded object, optionally
 * only the rows matching a filter on the relationship's target.
 *
 * A count is a computed attribute made per request: a column of no table
 * (index -1) whose `computed` is a COUNT over the one relationship, so the
 * statement builders treat it as any computed column (orm/computed.h):
 * orm_computed_expand turns each use into a correlated scalar subquery
 * built through join.c with the request's scope (the target's identity and
 * row filter hold). It is used
 *   - as an extra result column of the statement that loads the objects
 *     (orm_query.counts for a page's rows, orm_include.counts for the rows
 *     an include node embeds), so a count adds no statement;
 *   - as a sort key (orm_query_order_by's "_count.REL"), with keyset
 *     cursors, like any computed sort key.
 * The loader records each loaded object's values on its instance; callers
 * read them with orm_count_value. */
#ifndef ORM_RELATED_COUNT_H
#define ORM_RELATED_COUNT_H

#include <jansson.h>

#include "orm/error.h"
#include "orm/instance.h"
#include "orm/stmt.h"
#include "orm/template.h"

/* The count of r's target rows related to a row of r->parent (r is
 * to-many) that match filter (a template over the target at alias 0, or
 * NULL: every row), as a column of no table named "_count.<r>", built in a. */
const orm_column *orm_count_column(rm_arena *a, const orm_relationship *r, const orm_template *filter);
/* Is c such a column? */
bool orm_column_is_count(const orm_column *c);
/* The relationship a count column counts. */
const orm_relationship *orm_count_relationship(const orm_column *c);

/* A count's filter: `filter` (a JSON object) parsed for r's target at
 * alias 0 with the rows seq's scope sees in its relationship operators, as
 * a template for each statement that uses it (an empty filter: an empty
 * template). Errors as orm_filter_parse, under pointer. */
int orm_count_filter(rm_arena *a, const orm_relationship *r, const json_t *filter, const struct orm_scope *scope,
                     const char *pointer, orm_template *out, orm_error *err);

/* Append counts[0..n) over the rows at alias to sel's result columns;
 * returns the position of the first. */
size_t orm_count_columns(rm_arena *a, orm_select *sel, const orm_column *const *counts, size_t n, int alias);
/* Record on inst the values vals[0..n) that a statement read for
 * counts[0..n) (a value already recorded for a column is kept). */
void orm_count_record(rm_arena *a, orm_instance *inst, const orm_column *const *counts, size_t n,
                      const orm_value *vals);
/* inst's value of count column c into *out; false when none was loaded. */
bool orm_count_value(const orm_instance *inst, const orm_column *c, int64_t *out);

#endif
