/* join.c: a relationship's join condition, the one place it is built; see
 * join.h. The join "where" template is copied per use with its aliases
 * renumbered (orm_template_use), so nothing is parsed per request; the
 * target's rows are those the request's scope lets it see (orm_scope_where:
 * the class's identity and the row criteria). */
#include "orm/join.h"

#include "orm/scope.h"

#include <string.h>

/* Count (cols NULL) or collect the equalities "target column = literal"
 * AND-ed in e; false when e says anything else. */
static bool equalities(const orm_expr *e, const orm_column **cols, orm_value *vals, size_t *n)
{
    if (e->op == ORM_OP_AND) return equalities(e->left, cols, vals, n) && equalities(e->right, cols, vals, n);
    if (e->op != ORM_OP_EQ || e->left->op != ORM_OP_COLUMN || e->left->u.col.alias != 0 || e->right->op != ORM_OP_PARAM)
        return false;
    if (cols) cols[*n] = e->left->u.col.column, vals[*n] = e->right->u.param.value;
    (*n)++;
    return true;
}

void orm_join_compile(rm_arena *a, orm_relationship *r, orm_expr *where, int seq_next)
{
    r->where = (orm_template){where, seq_next - 1};
    r->compiled = true;
    r->where_settable = true;
    if (!where) return;
    size_t n = 0;
    r->where_settable = equalities(where, NULL, NULL, &n);
    if (!r->where_settable) return;
    r->where_cols = RM_NEW_ARRAY(a, const orm_column *, n);
    r->where_vals = RM_NEW_ARRAY(a, orm_value, n);
    equalities(where, r->where_cols, r->where_vals, &r->nwhere_sets);
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
    out->target_where = orm_template_use(a, &r->where, ends->target, seq);
    if (!ends->without_identity)
        out->target_where = orm_expr_and(a, out->target_where, orm_scope_where(a, r->target, ends->target, seq));
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
        s->cls = r->target;
        return s;
    }
    /* secondary AS ts JOIN target AS t ON t.key = ts.fk WHERE ts.fk = parent.key */
    s->from = r->secondary;
    s->alias = ends.secondary;
    s->joins = RM_NEW(a, orm_join);
    s->njoins = 1;
    s->joins[0] = (orm_join){ORM_JOIN_INNER, r->target->table, t, j.secondary_on, r, r->target};
    return s;
}
