/* filter.h: the JSON filter language of SPEC §5 → an expression tree,
 * checked against the mappers (unknown paths, operand types, hidden and
 * write-only columns, relationship operators on columns and the reverse).
 * Relationship operators become correlated EXISTS subqueries, each with a
 * fresh table alias, so the same relationship used twice gives two
 * independent subqueries (SQLAlchemy's aliased()). A comparison's operand
 * may be another column, {"$col": PATH} (SPEC §10 F; see
 * orm_filter_is_col_operand below).
 *
 * Errors are ORM_E_INVALID field errors whose pointer is the JSON pointer of
 * the offending node under `pointer` ("/filter/or/1/addresses/any/...").
 * Limits: depth 16 (nested objects/arrays), 256 nodes (operators,
 * combinators, relationship operators, each $col operand), 1000 items in
 * one in/nin list. */
#ifndef ORM_FILTER_H
#define ORM_FILTER_H

#include <jansson.h>

#include "orm/error.h"
#include "orm/expr.h"
#include "orm/join.h"
#include "orm/mapper.h"

#define ORM_FILTER_MAX_DEPTH 16
#define ORM_FILTER_MAX_NODES 256
#define ORM_FILTER_MAX_IN 1000
/* Characters in one like/ilike/startswith/endswith/contains operand: one
 * comparison of a long pattern with a long value is one step the statement
 * timeout cannot interrupt. */
#define ORM_FILTER_MAX_PATTERN 400

/* Relationships one {"$col": PATH} operand may go through (SPEC §10 F). */
#define ORM_FILTER_COL_MAX_HOPS 3

/* Parse `filter` (a JSON object) for mapper m whose table is `alias` in the
 * enclosing statement. *out is NULL for an empty filter ({}). Returns 0 or
 * ORM_E_INVALID (err has one field error with the pointer). */
int orm_filter_parse(rm_arena *a, const orm_mapper *m, const json_t *filter, int alias,
                     orm_alias_seq *aliases, const char *pointer, orm_expr **out, orm_error *err);

/* A row criterion compiled once (a resource's row filter): `filter` over
 * m's table as a template (template.h), where a column's operand may be
 * {"$claim": "name"}, bound per request from the scope's claims (a missing
 * claim matches no row). Errors as orm_filter_parse. */
int orm_filter_parse_criterion(rm_arena *a, const orm_mapper *m, const json_t *filter, const char *pointer,
                               orm_template *out, orm_error *err);

/* A CHECK constraint's condition (SPEC §9 "checks"), compiled once at
 * load: `filter` over table t's row itself — its own columns only (no
 * relationship, no $claim), the column operators, and/or/not, operands
 * literal or {"$col": "other_column"} of a comparable type (numbers with
 * numbers, string with text, others with their own type, never json) —
 * as an expression whose columns are at alias 0. *first is the first
 * column it names. An empty filter is an error. Errors as orm_filter_parse. */
int orm_filter_parse_check(rm_arena *a, const orm_table *t, const json_t *filter, const char *pointer,
                           orm_expr **out, const orm_column **first, orm_error *err);

/* Whether a JSON operand is a column reference {"$col": PATH} (SPEC §10
 * F): an operand of eq ne lt le gt ge, whose PATH is a column or a dotted
 * path through many-to-one relationships (at most ORM_FILTER_COL_MAX_HOPS)
 * from the row holding the compared column, read as a correlated scalar
 * subquery per hop (a NULL key along it, or a row outside the target's
 * scope, reads as NULL: SQL's NULL semantics). Every filter parser above
 * takes it (a check: the row's own columns only); a grammar that does not
 * (having) asks here to refuse it at its operator. */
bool orm_filter_is_col_operand(const json_t *j);

#endif
