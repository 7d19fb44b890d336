/* expr.c: constructors for expression nodes; see expr.h. */
#include "orm/expr.h"

#include "lib/names.h"

RM_ENUM_NAMES(orm_expr_op_name, orm_expr_op, ORM_EXPR_OPS)

static orm_expr *node(rm_arena *a, orm_expr_op op)
{
    orm_expr *e = RM_NEW(a, orm_expr);
    e->op = op;
    return e;
}

orm_expr *orm_expr_column(rm_arena *a, int alias, const orm_column *c)
{
    orm_expr *e = node(a, ORM_OP_COLUMN);
    e->u.col.alias = alias;
    e->u.col.column = c;
    return e;
}

orm_expr *orm_expr_param(rm_arena *a, orm_value v, const orm_column *c)
{
    orm_expr *e = node(a, ORM_OP_PARAM);
    e->u.param.value = v;
    e->u.param.column = c;
    return e;
}

orm_expr *orm_expr_list(rm_arena *a, orm_expr **items, size_t n)
{
    orm_expr *e = node(a, ORM_OP_LIST);
    e->u.list.items = items;
    e->u.list.n = n;
    return e;
}

orm_expr *orm_expr_binary(rm_arena *a, orm_expr_op op, orm_expr *l, orm_expr *r)
{
    orm_expr *e = node(a, op);
    e->left = l;
    e->right = r;
    return e;
}

orm_expr *orm_expr_unary(rm_arena *a, orm_expr_op op, orm_expr *operand)
{
    orm_expr *e = node(a, op);
    e->left = operand;
    return e;
}

orm_expr *orm_expr_and(rm_arena *a, orm_expr *l, orm_expr *r)
{
    if (!l) return r;
    if (!r) return l;
    return orm_expr_binary(a, ORM_OP_AND, l, r);
}

orm_expr *orm_expr_or(rm_arena *a, orm_expr *l, orm_expr *r)
{
    if (!l) return r;
    if (!r) return l;
    return orm_expr_binary(a, ORM_OP_OR, l, r);
}

orm_expr *orm_expr_exists(rm_arena *a, struct orm_select *sub)
{
    orm_expr *e = node(a, ORM_OP_EXISTS);
    e->u.sub = sub;
    return e;
}

orm_expr *orm_expr_const(rm_arena *a, bool value)
{
    return node(a, value ? ORM_OP_TRUE : ORM_OP_FALSE);
}

orm_expr *orm_expr_col_eq(rm_arena *a, int alias, const orm_column *c, orm_value v)
{
    if (v.kind == ORM_V_NULL)
        return orm_expr_unary(a, ORM_OP_IS_NULL, orm_expr_column(a, alias, c));
    return orm_expr_binary(a, ORM_OP_EQ, orm_expr_column(a, alias, c), orm_expr_param(a, v, c));
}

orm_expr *orm_expr_row_number(rm_arena *a, orm_expr **partition, size_t npartition,
                              const struct orm_order_item *order, size_t norder)
{
    orm_expr *e = node(a, ORM_OP_ROW_NUMBER);
    e->u.window.partition = partition;
    e->u.window.npartition = npartition;
    e->u.window.order = order;
    e->u.window.norder = norder;
    return e;
}

orm_expr *orm_expr_label(rm_arena *a, int alias, const char *name)
{
    orm_expr *e = node(a, ORM_OP_LABEL);
    e->u.label.alias = alias;
    e->u.label.name = name;
    return e;
}

orm_expr *orm_expr_columns_eq(rm_arena *a, size_t n, orm_column *const *x, int ax, orm_column *const *y,
                              int ay)
{
    orm_expr *w = NULL;
    for (size_t i = 0; i < n; i++)
        w = orm_expr_and(a, w, orm_expr_binary(a, ORM_OP_EQ, orm_expr_column(a, ax, x[i]),
                                                 orm_expr_column(a, ay, y[i])));
    return w;
}
