/* query.c: statements for mapped rows, built as data and run in a session;
 * see query.h. */
#include "orm/query.h"

#include <string.h>

#include "orm/compile.h"

void orm_query_init(orm_query *q, const orm_mapper *m)
{
    memset(q, 0, sizeof *q);
    q->mapper = m;
    q->limit = -1;
}

/* discriminator = identity, for a single-table-inheritance child */
static orm_expr *identity_where(rm_arena *a, const orm_mapper *m, int alias)
{
    if (!m->inherits || !m->has_identity || !m->polymorphic_on) return NULL;
    return orm_expr_col_eq(a, alias, m->polymorphic_on, m->polymorphic_identity);
}

orm_expr *orm_pk_where(rm_arena *a, const orm_mapper *m, int alias, const orm_value *pk)
{
    orm_expr *w = NULL;
    for (size_t i = 0; i < m->table->npk; i++)
        w = orm_expr_and(a, w, orm_expr_col_eq(a, alias, m->table->pk[i], pk[i]));
    return orm_expr_and(a, w, identity_where(a, m, alias));
}

void orm_row_pk(const orm_mapper *m, const orm_value *row, orm_value *pk_out)
{
    for (size_t i = 0; i < m->table->npk; i++) pk_out[i] = row[m->table->pk[i]->index];
}

static int run_select(orm_session *s, const orm_select *sel, orm_result *out)
{
    orm_compiled c;
    int rc = orm_compile_select(orm_engine_dialect(s->engine), sel, s->arena, &c, s->err);
    return rc ? rc : orm_session_execute(s, &c, out);
}

/* ORDER BY the query's keys, then every primary-key column not already
 * used, ascending: paging is stable. */
static void build_order(rm_arena *a, const orm_query *q, orm_select *sel)
{
    const orm_table *t = q->mapper->table;
    sel->order = RM_NEW_ARRAY(a, orm_order_item, q->norder + t->npk);
    for (size_t i = 0; i < q->norder; i++) sel->order[sel->norder++] = q->order[i];
    for (size_t k = 0; k < t->npk; k++) {
        bool used = false;
        for (size_t i = 0; i < q->norder; i++) {
            const orm_expr *e = q->order[i].expr;
            if (e->op == ORM_OP_COLUMN && e->u.col.alias == 0 && e->u.col.column == t->pk[k])
                used = true;
        }
        if (!used) sel->order[sel->norder++] = (orm_order_item){orm_expr_column(a, 0, t->pk[k]), false};
    }
}

int orm_query_all(orm_session *s, const orm_query *q, orm_result *out)
{
    rm_arena *a = s->arena;
    orm_select sel = {.from = q->mapper->table, .alias = 0};
    sel.where = orm_expr_and(a, q->where, identity_where(a, q->mapper, 0));
    build_order(a, q, &sel);
    if (q->limit >= 0) sel.limit = orm_expr_param(a, orm_int(q->limit), NULL);
    if (q->offset > 0) {
        if (!sel.limit) sel.limit = orm_expr_param(a, orm_int(-1), NULL);
        sel.offset = orm_expr_param(a, orm_int(q->offset), NULL);
    }
    return run_select(s, &sel, out);
}

int orm_query_count(orm_session *s, const orm_query *q, int64_t *out)
{
    orm_select sel = {.from = q->mapper->table, .alias = 0, .flags = ORM_SELECT_COUNT};
    sel.where = orm_expr_and(s->arena, q->where, identity_where(s->arena, q->mapper, 0));
    orm_result r;
    int rc = run_select(s, &sel, &r);
    if (rc) return rc;
    *out = r.nrows && r.values[0].kind == ORM_V_INT ? r.values[0].u.i : 0;
    return 0;
}

int orm_get(orm_session *s, const orm_mapper *m, const orm_value *pk, orm_value **row)
{
    orm_select sel = {.from = m->table, .alias = 0};
    sel.where = orm_pk_where(s->arena, m, 0, pk);
    orm_result r;
    int rc = run_select(s, &sel, &r);
    if (rc) return rc;
    if (!r.nrows) return orm_error_set(s->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
    *row = r.values;
    return 0;
}

/* Run DML with RETURNING and hand back its one row, or NOT_FOUND. */
static int run_returning(orm_session *s, const orm_mapper *m, const orm_compiled *c, orm_value **row)
{
    orm_result r;
    int rc = orm_session_execute(s, c, &r);
    if (rc) return rc;
    if (!r.nrows) return orm_error_set(s->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
    *row = r.values;
    return 0;
}

int orm_insert_row(orm_session *s, const orm_mapper *m, const orm_value *values, const bool *given,
               orm_value **row)
{
    const orm_table *t = m->table;
    orm_insert ins = {.table = t, .returning = true};
    ins.columns = RM_NEW_ARRAY(s->arena, const orm_column *, t->ncolumns);
    ins.values = RM_NEW_ARRAY(s->arena, orm_value, t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        orm_value v;
        if (given[i]) v = values[i];
        else if (c->version) v = orm_int(1);
        else if (m->inherits && m->has_identity && c == m->polymorphic_on) v = m->polymorphic_identity;
        else if (c->has_default) v = c->default_value;
        else continue;
        ins.columns[ins.ncolumns] = c;
        ins.values[ins.ncolumns++] = v;
    }
    orm_compiled cc;
    int rc = orm_compile_insert(orm_engine_dialect(s->engine), &ins, s->arena, &cc, s->err);
    return rc ? rc : run_returning(s, m, &cc, row);
}

int orm_update_row(orm_session *s, const orm_mapper *m, const orm_value *pk, const orm_value *values,
               const bool *given, orm_value **row)
{
    const orm_table *t = m->table;
    rm_arena *a = s->arena;
    orm_update up = {.table = t, .returning = true};
    up.columns = RM_NEW_ARRAY(a, const orm_column *, t->ncolumns);
    up.values = RM_NEW_ARRAY(a, orm_expr *, t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++) {
        if (!given[i] || t->columns[i].version) continue;
        up.columns[up.ncolumns] = &t->columns[i];
        up.values[up.ncolumns++] = orm_expr_param(a, values[i], &t->columns[i]);
    }
    if (!up.ncolumns) return orm_get(s, m, pk, row);
    if (m->version_col) {
        const orm_column *vc = m->version_col;
        /* version = version + 1 is computed by the database: no read needed */
        up.columns[up.ncolumns] = vc;
        up.values[up.ncolumns++] = orm_expr_binary(a, ORM_OP_PLUS, orm_expr_column(a, -1, vc),
                                                   orm_expr_param(a, orm_int(1), vc));
    }
    up.where = orm_pk_where(a, m, -1, pk);
    orm_compiled cc;
    int rc = orm_compile_update(orm_engine_dialect(s->engine), &up, a, &cc, s->err);
    return rc ? rc : run_returning(s, m, &cc, row);
}

int orm_delete_row(orm_session *s, const orm_mapper *m, const orm_value *pk)
{
    orm_delete del = {.table = m->table, .where = orm_pk_where(s->arena, m, -1, pk)};
    orm_compiled cc;
    int rc = orm_compile_delete(orm_engine_dialect(s->engine), &del, s->arena, &cc, s->err);
    if (rc) return rc;
    orm_result r;
    if ((rc = orm_session_execute(s, &cc, &r))) return rc;
    if (r.changes == 0) return orm_error_set(s->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
    return 0;
}
