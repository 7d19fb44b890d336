/* check.h: a table's named CHECK constraints (SPEC §9 "checks") evaluated
 * in C on a row as it will be stored, before it is written, with SQL's
 * three-valued logic: a comparison with NULL is unknown, and a check fails
 * only when its condition is false (a NULL passes, as in SQL). The
 * conditions are compiled once at load (orm_filter_parse_check); ddl.c
 * prints the same conditions as CONSTRAINT ... CHECK. */
#ifndef ORM_CHECK_H
#define ORM_CHECK_H

#include "orm/expr.h"

typedef enum orm_truth { ORM_FALSE = 0, ORM_TRUE, ORM_UNKNOWN } orm_truth;

/* The truth of condition e (columns at any alias read from row, which
 * holds the values of their table's columns in order). */
orm_truth orm_check_eval(const orm_expr *e, const orm_value *row);
/* The first check of t that row (t's columns in order) breaks, or NULL. */
const orm_check *orm_check_row(const orm_table *t, const orm_value *row);
/* The first check that a row of class cls (t's columns in order, t being
 * cls's table) breaks, or NULL: t's own checks, or, when t is a span
 * (joined-table inheritance, metadata.h), the checks of every level's
 * table that cls or an ancestor of it owns, root first, each evaluated on
 * the level's share of the row (a lower level's key is the root's). a
 * holds the level rows. */
const orm_check *orm_check_class_row(const orm_table *t, const struct orm_mapper *cls, const orm_value *row,
                                     rm_arena *a);

#endif
