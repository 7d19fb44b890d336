/* join.c: a relationship's join condition, the one place it is built; see
 * join.h. The join "where" template is copied per use with its aliases
 * renumbered (0 → the target's alias, k → k + shift), so nothing is parsed
 * per request. */
#include "orm/join.h"

#include <string.h>

static orm_expr *rebase_expr(rm_arena *a, const orm_expr *e, int alias0, int shift);

static int rebase_alias(int alias, int alias0, int shift)
{
    return alias == 0 ? alias0 : alias + shift;
}

static orm_select *rebase_select(rm_arena *a, const orm_select *s, int alias0, int shift)
{
    orm_select *c = RM_NEW(a, orm_select);
    *c = *s;
    c->alias = rebase_alias(s->alias, alias0, shift);
    if (s->from_select) c->from_select = rebase_select(a, s->from_select, alias0, shift);
    if (s->ncolumns) {
        c->columns = RM_NEW_ARRAY(a, orm_expr *, s->ncolumns);
        for (size_t i = 0; i < s->ncolumns; i++) c->columns[i] = rebase_expr(a, s->columns[i], alias0, shift);
    }
    if (s->njoins) {
        c->joins = RM_NEW_ARRAY(a, orm_join, s->njoins);
        for (size_t i = 0; i < s->njoins; i++) {
            c->joins[i] = s->joins[i];
            c->joins[i].alias = rebase_alias(s->joins[i].alias, alias0, shift);
            c->joins[i].on = rebase_expr(a, s->joins[i].on, alias0, shift);
        }
    }
    if (s->norder) {
        c->order = RM_NEW_ARRAY(a, orm_order_item, s->norder);
        for (size_t i = 0; i < s->norder; i++)
            c->order[i] = (orm_order_item){rebase_expr(a, s->order[i].expr, alias0, shift), s->order[i].desc};
    }
    c->where = rebase_expr(a, s->where, alias0, shift);
    c->limit = rebase_expr(a, s->limit, alias0, shift);
    c->offset = rebase_expr(a, s->offset, alias0, shift);
    return c;
}

/* A copy of e with its aliases renumbered; values are shared (immutable). */
static orm_expr *rebase_expr(rm_arena *a, const orm_expr *e, int alias0, int shift)
{
    if (!e) return NULL;
    orm_expr *c = RM_NEW(a, orm_expr);
    *c = *e;
    switch (e->op) {
    case ORM_OP_COLUMN: c->u.col.alias = rebase_alias(e->u.col.alias, alias0, shift); break;
    case ORM_OP_LABEL: c->u.label.alias = rebase_alias(e->u.label.alias, alias0, shift); break;
    case ORM_OP_EXISTS: c->u.sub = rebase_select(a, e->u.sub, alias0, shift); break;
    case ORM_OP_LIST:
        c->u.list.items = RM_NEW_ARRAY(a, orm_expr *, e->u.list.n ? e->u.list.n : 1);
        for (size_t i = 0; i < e->u.list.n; i++) c->u.list.items[i] = rebase_expr(a, e->u.list.items[i], alias0, shift);
        break;
    default: break;
    }
    c->left = rebase_expr(a, e->left, alias0, shift);
    c->right = rebase_expr(a, e->right, alias0, shift);
    return c;
}

void orm_join_compile(orm_relationship *r, orm_expr *where, int seq_next)
{
    r->where_template = where;
    r->where_aliases = seq_next - 1;
    r->compiled = true;
}

orm_column *const *orm_relationship_near(const orm_relationship *r)
{
    return r->direction == ORM_MANY_TO_MANY ? r->sec_local : r->remote;
}

/* near[k] = the parent's key value k, for every k; FALSE when one is NULL
 * (SQL's = NULL would be unknown: no row is related to a missing key). */
static orm_expr *link_values(rm_arena *a, const orm_relationship *r, int near_alias, const orm_value *row)
{
    orm_column *const *near = orm_relationship_near(r);
    orm_expr *w = NULL;
    for (size_t k = 0; k < r->npairs; k++) {
        orm_value v = row[r->local[k]->index];
        if (v.kind == ORM_V_NULL) return orm_expr_const(a, false);
        w = orm_expr_and(a, w, orm_expr_col_eq(a, near_alias, near[k], v));
    }
    return w;
}

void orm_relationship_join(rm_arena *a, const orm_relationship *r, const orm_join_ends *ends,
                           orm_alias_seq *seq, orm_rel_join *out)
{
    bool m2m = r->direction == ORM_MANY_TO_MANY;
    int near = m2m ? ends->secondary : ends->target;
    memset(out, 0, sizeof *out);
    if (ends->parent_row)
        out->link = link_values(a, r, near, ends->parent_row);
    else if (ends->parent != ORM_JOIN_NO_PARENT)
        out->link = orm_expr_columns_eq(a, r->npairs, orm_relationship_near(r), near, r->local, ends->parent);
    if (m2m)
        out->secondary_on = orm_expr_columns_eq(a, r->npairs, r->remote, ends->target, r->sec_remote,
                                                ends->secondary);
    if (!r->compiled) { /* only while the schema loads: the loader compiles r first */
        if (!seq->uncompiled) seq->uncompiled = r;
        return;
    }
    if (r->where_template) {
        out->target_where = rebase_expr(a, r->where_template, ends->target, seq->next - 1);
        seq->next += r->where_aliases;
    }
    if (!ends->without_identity)
        out->target_where = orm_expr_and(a, out->target_where, orm_mapper_identity_where(a, r->target, ends->target));
}

orm_select *orm_relationship_subquery(rm_arena *a, const orm_relationship *r, int parent_alias,
                                      orm_alias_seq *aliases, int *target_alias)
{
    orm_select *s = RM_NEW(a, orm_select);
    s->flags = ORM_SELECT_ONE;
    int t = aliases->next++;
    *target_alias = t;
    orm_join_ends ends = {.parent = parent_alias, .target = t, .secondary = t};
    if (r->direction == ORM_MANY_TO_MANY) ends.secondary = aliases->next++;
    orm_rel_join j;
    orm_relationship_join(a, r, &ends, aliases, &j);
    s->where = orm_expr_and(a, j.link, j.target_where);
    if (r->direction != ORM_MANY_TO_MANY) {
        s->from = r->target->table;
        s->alias = t;
        return s;
    }
    /* secondary AS ts JOIN target AS t ON t.key = ts.fk WHERE ts.fk = parent.key */
    s->from = r->secondary;
    s->alias = ends.secondary;
    s->joins = RM_NEW(a, orm_join);
    s->njoins = 1;
    s->joins[0] = (orm_join){ORM_JOIN_INNER, r->target->table, t, j.secondary_on, r};
    return s;
}
