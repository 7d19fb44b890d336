/* window.c: derived tables and per-parent top-N; see window.h. */
#include "orm/window.h"

#include <string.h>

/* The rank column's label in the derived table. */
#define RANK "_rm_rank"

/* Does column i of t have the name of an earlier one? (A span may hold
 * one name twice, in two branches' tables: a derived table labels the
 * second.) */
static bool repeated_name(const orm_table *t, size_t i)
{
    for (size_t k = 0; t->levels && k < i; k++)
        if (strcmp(t->columns[k].sql_name, t->columns[i].sql_name) == 0) return true;
    return false;
}

void orm_derive(rm_arena *a, const orm_table *t, const orm_select *base, orm_select *out)
{
    orm_select *inner = RM_NEW(a, orm_select);
    *inner = *base;
    inner->labels = RM_NEW_ARRAY(a, const char *, base->ncolumns ? base->ncolumns : 1);
    *out = (orm_select){.from = t, .from_select = inner, .alias = 0};
    out->columns = RM_NEW_ARRAY(a, orm_expr *, base->ncolumns ? base->ncolumns : 1);
    for (size_t i = 0; i < base->ncolumns; i++) {
        if (i < t->ncolumns && !repeated_name(t, i)) {
            if (base->labels) inner->labels[i] = base->labels[i]; /* computed, deferred */
            out->columns[out->ncolumns++] = orm_expr_column(a, 0, &t->columns[i]);
            continue;
        }
        inner->labels[i] = i < t->ncolumns ? rm_arena_sprintf(a, "_c%zu", i)
                                           : rm_arena_sprintf(a, "_s%zu", i - t->ncolumns);
        out->columns[out->ncolumns++] = orm_expr_label(a, 0, inner->labels[i]);
    }
}

void orm_window_top(rm_arena *a, const orm_table *t, orm_select *sel, orm_expr **partition, size_t np,
                    int64_t offset, int64_t limit)
{
    orm_select outer;
    orm_derive(a, t, sel, &outer);
    orm_select *inner = outer.from_select;
    /* the rank, the inner select's last column (the outer one does not read it) */
    size_t n = inner->ncolumns;
    inner->columns = rm_arena_realloc(a, inner->columns, n * sizeof *inner->columns, (n + 1) * sizeof *inner->columns);
    inner->labels = rm_arena_realloc(a, inner->labels, (n ? n : 1) * sizeof *inner->labels,
                                     (n + 1) * sizeof *inner->labels);
    inner->columns[n] = orm_expr_row_number(a, partition, np, inner->order, inner->norder);
    inner->labels[n] = RANK;
    inner->ncolumns = n + 1;
    inner->order = NULL;
    inner->norder = 0;
    orm_expr *rank = orm_expr_label(a, outer.alias, RANK);
    if (offset > 0)
        outer.where = orm_expr_binary(a, ORM_OP_GT, rank, orm_expr_param(a, orm_int(offset), NULL));
    if (limit >= 0)
        outer.where = orm_expr_and(a, outer.where,
                                   orm_expr_binary(a, ORM_OP_LE, rank, orm_expr_param(a, orm_int(offset + limit), NULL)));
    outer.order = RM_NEW(a, orm_order_item);
    outer.order[0] = (orm_order_item){rank, false};
    outer.norder = 1;
    *sel = outer;
}
