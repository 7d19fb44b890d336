/* window.h: selects read through a derived table, for eager loading
 * (orm/loading.c): a select's rows as a derived table whose columns keep
 * their names (orm_derive: a paged parent query under joined
 * collections), and the per-parent top-N of SPEC §10 C (orm_window_top):
 * the rows ranked (offset, offset + limit] within their partition by
 * ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...), which SQLite (3.25
 * and later) and PostgreSQL both have. One statement whatever the number
 * of partitions. */
#ifndef ORM_WINDOW_H
#define ORM_WINDOW_H

#include "orm/stmt.h"

/* out = SELECT ... FROM (a copy of base) AS t<0>: one outer column per
 * column of base, reading it by name: t's columns (i < t->ncolumns) by
 * their own name (a computed or unloaded one by base's label, a name a
 * span repeats as "_c<i>"), the ones after them as "_s<k>". out has no
 * join, WHERE or order; out->from_select is the copy, its labels set. */
void orm_derive(rm_arena *a, const orm_table *t, const orm_select *base, orm_select *out);

/* Keep of *sel (rows of t, its columns labelled as orm_derive needs them)
 * the rows ranked (offset, offset + limit] by sel's order among the rows
 * with their values of partition[0..np) (limit < 0: no upper bound), in
 * rank order: *sel becomes the derived select, whose columns are sel's,
 * and sel's order moves into the ranking. */
void orm_window_top(rm_arena *a, const orm_table *t, orm_select *sel, orm_expr **partition, size_t np,
                    int64_t offset, int64_t limit);

#endif
