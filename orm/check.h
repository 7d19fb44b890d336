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

#endif
