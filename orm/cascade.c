/* cascade.c: delete with relationship cascades; see cascade.h. Statements
 * per level: one SELECT of the children to cascade into (or one UPDATE
 * setting their foreign key to NULL), one DELETE of association rows. */
#include "orm/cascade.h"

#include "orm/compile.h"

#define MAX_CASCADE_DEPTH 64

static int exec(orm_session *s, const orm_compiled *c, orm_result *r)
{
    return orm_session_execute(s, c, r);
}

/* target.remote = parent.local for relationship r, given the parent row. */
static orm_expr *children_of(rm_arena *a, const orm_relationship *r, const orm_value *parent_row,
                             int alias)
{
    orm_expr *w = NULL;
    for (size_t k = 0; k < r->npairs; k++)
        w = orm_expr_and(a, w, orm_expr_col_eq(a, alias, r->remote[k], parent_row[r->local[k]->index]));
    return w;
}

static int delete_row(orm_session *s, const orm_mapper *m, const orm_value *row, int depth);

/* Children of a one-to-many: cascade into them, or detach them. */
static int one_to_many(orm_session *s, const orm_relationship *r, const orm_value *row, int depth)
{
    rm_arena *a = s->arena;
    const orm_dialect *d = orm_engine_dialect(s->engine);
    orm_compiled c;
    int rc;
    if (r->cascade & ORM_CASCADE_DELETE) {
        orm_select sel = {.from = r->target->table, .where = children_of(a, r, row, 0)};
        orm_result kids;
        if ((rc = orm_compile_select(d, &sel, a, &c, s->err)) || (rc = exec(s, &c, &kids))) return rc;
        for (size_t i = 0; i < kids.nrows; i++)
            if ((rc = delete_row(s, r->target, orm_result_row(&kids, i), depth + 1))) return rc;
        return 0;
    }
    /* no delete cascade: the children stay, without their parent */
    orm_update up = {.table = r->target->table, .ncolumns = r->npairs, .where = children_of(a, r, row, -1)};
    up.columns = (const orm_column **)r->remote;
    up.values = RM_NEW_ARRAY(a, orm_expr *, r->npairs);
    for (size_t k = 0; k < r->npairs; k++) up.values[k] = orm_expr_param(a, orm_null(), r->remote[k]);
    if ((rc = orm_compile_update(d, &up, a, &c, s->err))) return rc;
    rc = exec(s, &c, NULL);
    if (rc == ORM_E_CONFLICT)
        orm_error_set(s->err, ORM_E_CONFLICT,
                      "%s still has %s, whose %s cannot be NULL; delete them first or cascade the delete",
                      r->parent->name, r->name, r->remote[0]->name);
    return rc;
}

/* Association rows of a many-to-many that name the deleted row. */
static int many_to_many(orm_session *s, const orm_relationship *r, const orm_value *row)
{
    rm_arena *a = s->arena;
    orm_expr *w = NULL;
    for (size_t k = 0; k < r->npairs; k++)
        w = orm_expr_and(a, w, orm_expr_col_eq(a, -1, r->sec_local[k], row[r->local[k]->index]));
    orm_delete del = {.table = r->secondary, .where = w};
    orm_compiled c;
    int rc = orm_compile_delete(orm_engine_dialect(s->engine), &del, a, &c, s->err);
    return rc ? rc : exec(s, &c, NULL);
}

static int delete_row(orm_session *s, const orm_mapper *m, const orm_value *row, int depth)
{
    if (depth > MAX_CASCADE_DEPTH)
        return orm_error_set(s->err, ORM_E_CONFLICT, "the delete cascades deeper than %d levels",
                             MAX_CASCADE_DEPTH);
    int rc;
    for (const orm_mapper *mm = m; mm; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++) {
            const orm_relationship *r = &mm->relationships[i];
            if (r->direction == ORM_ONE_TO_MANY) rc = one_to_many(s, r, row, depth);
            else if (r->direction == ORM_MANY_TO_MANY) rc = many_to_many(s, r, row);
            else continue;
            if (rc) return rc;
        }
    orm_value *pk = RM_NEW_ARRAY(s->arena, orm_value, m->table->npk);
    orm_row_pk(m, row, pk);
    return orm_delete_row(s, m, pk);
}

int orm_delete_cascade(orm_session *s, const orm_mapper *m, const orm_value *pk)
{
    orm_value *row;
    int rc = orm_get(s, m, pk, &row);
    return rc ? rc : delete_row(s, m, row, 0);
}
