/* computed_sql.c: the SQL of a computed attribute's use, built per
 * statement (the scope differs per request); see computed.h. An
 * aggregate's joins come from join.c, the one home of a relationship's
 * join, never re-derived here. */
#include "orm/computed.h"

#include <string.h>

#include "orm/join.h"
#include "orm/scope.h"

/* Expansions nest only through an aggregate over a computed expression
 * (sum of a row's amount): deeper than this is a loader bug. */
#define MAX_NESTING 4

static const char *const agg_names[] = {
    [ORM_COMPUTED_COUNT] = "count", [ORM_COMPUTED_SUM] = "sum",
    [ORM_COMPUTED_MIN] = "min", [ORM_COMPUTED_MAX] = "max"};

/* SELECT count(*) | fn(tN.col) FROM first target [JOIN ...] WHERE link AND
 * the targets' rows the scope sees AND the filter, correlated with alias. */
static orm_expr *aggregate(rm_arena *a, const orm_computed *k, int alias, orm_alias_seq *seq)
{
    int at;
    orm_select *s = orm_relationship_subquery(a, k->path[0], alias, seq, &at);
    s->flags = k->kind == ORM_COMPUTED_COUNT ? ORM_SELECT_COUNT : 0;
    for (size_t h = 1; h < k->npath; h++) {
        const orm_relationship *r = k->path[h];
        bool m2m = r->direction == ORM_MANY_TO_MANY;
        orm_join_ends ends = {.parent = at, .target = seq->next++};
        ends.secondary = m2m ? seq->next++ : ends.target;
        orm_rel_join j;
        orm_relationship_join(a, r, &ends, seq, &j);
        size_t n = s->njoins + (m2m ? 2 : 1);
        s->joins = rm_arena_realloc(a, s->joins, s->njoins * sizeof *s->joins, n * sizeof *s->joins);
        if (m2m) {
            s->joins[s->njoins++] = (orm_join){ORM_JOIN_INNER, r->secondary, ends.secondary, j.link, r, NULL};
            s->joins[s->njoins++] = (orm_join){ORM_JOIN_INNER, r->target->table, ends.target,
                                               orm_expr_and(a, j.secondary_on, j.target_where), r, r->target};
        } else {
            s->joins[s->njoins++] = (orm_join){ORM_JOIN_INNER, r->target->table, ends.target,
                                               orm_expr_and(a, j.link, j.target_where), r, r->target};
        }
        at = ends.target;
    }
    s->where = orm_expr_and(a, s->where, orm_template_use(a, &k->filter, at, seq));
    /* a target the request may not read counts as having no rows (no leak) */
    for (size_t h = 0; h < k->npath; h++)
        if (!orm_scope_visible(seq->scope, k->path[h]->target)) s->where = orm_expr_and(a, s->where, orm_expr_const(a, false));
    if (k->kind != ORM_COMPUTED_COUNT) {
        orm_expr *fn = orm_expr_unary(a, ORM_OP_CALL, orm_expr_column(a, at, k->column));
        fn->u.func = agg_names[k->kind];
        s->columns = RM_NEW_ARRAY(a, orm_expr *, 1);
        s->columns[0] = fn;
        s->ncolumns = 1;
    }
    orm_expr *e = orm_expr_unary(a, ORM_OP_SUBQUERY, NULL);
    e->u.sub = s;
    return e;
}

orm_expr *orm_computed_expr(rm_arena *a, const orm_column *c, int alias, orm_alias_seq *seq)
{
    const orm_computed *k = c->computed;
    if (k->kind == ORM_COMPUTED_EXPR) return orm_template_use(a, &k->expr, alias, seq);
    return aggregate(a, k, alias, seq);
}

typedef struct xctx {
    rm_arena *a;
    orm_alias_seq *seq;
    int depth;
} xctx;

static orm_expr *expand_expr(xctx *x, orm_expr *e, int keep_alias);

/* A copy of n bytes at p (NULL for none). */
static void *dup(rm_arena *a, const void *p, size_t n)
{
    if (!n) return (void *)p;
    void *c = rm_arena_alloc(a, n);
    memcpy(c, p, n);
    return c;
}

/* items[i] expanded: *copy (NULL at first) becomes a copy of the n items
 * of `size` bytes, at items, at the first item that changes; slot(item)
 * is where an item holds its expression. Whether one changed. */
#define EXPAND_ITEMS(x, items, n, copy, slot, keep)                                   \
    do {                                                                               \
        for (size_t i_ = 0; i_ < (n); i_++) {                                          \
            orm_expr *e_ = expand_expr((x), (items)[i_] slot, (keep));                 \
            if (e_ == (items)[i_] slot) continue;                                      \
            if (!(copy)) (copy) = dup((x)->a, (items), (n) * sizeof *(items));         \
            (copy)[i_] slot = e_;                                                      \
        }                                                                              \
    } while (0)

/* A copy of s with its computed references expanded, or s itself when it
 * has none (arrays are copied only when one of their items changes). */
static orm_select *expand_select(xctx *x, orm_select *s)
{
    orm_select c = *s;
    int keep = s->from_select ? s->alias : -2; /* the derived table's own columns stay */
    if (s->from_select) c.from_select = expand_select(x, s->from_select);
    orm_expr **columns = NULL;
    orm_join *joins = NULL;
    orm_order_item *order = NULL;
    EXPAND_ITEMS(x, s->columns, s->ncolumns, columns, , keep);
    EXPAND_ITEMS(x, s->joins, s->njoins, joins, .on, keep);
    EXPAND_ITEMS(x, s->order, s->norder, order, .expr, keep);
    c.where = expand_expr(x, s->where, keep);
    if (!columns && !joins && !order && c.where == s->where && c.from_select == s->from_select) return s;
    if (columns) c.columns = columns;
    if (joins) c.joins = joins;
    if (order) c.order = order;
    orm_select *out = RM_NEW(x->a, orm_select);
    *out = c;
    return out;
}

static orm_expr *expand_expr(xctx *x, orm_expr *e, int keep_alias)
{
    if (!e) return NULL;
    if (e->op == ORM_OP_COLUMN) {
        if (!e->u.col.column->computed || e->u.col.alias == keep_alias || x->depth >= MAX_NESTING) return e;
        orm_expr *n = orm_expr_unary(x->a, ORM_OP_COMPUTED, NULL);
        n->u.col = e->u.col;
        x->depth++;
        n->left = expand_expr(x, orm_computed_expr(x->a, e->u.col.column, e->u.col.alias, x->seq), -2);
        x->depth--;
        return n;
    }
    if (e->op == ORM_OP_COMPUTED) return e; /* expanded already */
    orm_select *sub = NULL;
    orm_expr **items = NULL, *left = e->left, *right = e->right;
    if (e->op == ORM_OP_EXISTS || e->op == ORM_OP_SUBQUERY) sub = expand_select(x, e->u.sub);
    else if (e->op == ORM_OP_LIST) EXPAND_ITEMS(x, e->u.list.items, e->u.list.n, items, , keep_alias);
    if (e->op != ORM_OP_PARAM && e->op != ORM_OP_LABEL && e->op != ORM_OP_CLAIM) {
        left = expand_expr(x, e->left, keep_alias);
        right = expand_expr(x, e->right, keep_alias);
    }
    if ((!sub || sub == e->u.sub) && !items && left == e->left && right == e->right) return e;
    orm_expr *out = RM_NEW(x->a, orm_expr);
    *out = *e;
    if (sub) out->u.sub = sub;
    if (items) out->u.list.items = items;
    out->left = left;
    out->right = right;
    return out;
}

void orm_computed_expand(rm_arena *a, orm_select *sel, orm_alias_seq *seq)
{
    xctx x = {a, seq, 0};
    *sel = *expand_select(&x, sel);
}

bool orm_table_has_computed(const orm_table *t)
{
    for (size_t k = 0; k < t->ncolumns; k++)
        if (t->columns[k].computed) return true;
    return false;
}
