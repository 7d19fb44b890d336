/* flush_scope.c: the request scope's criteria on what a flush wrote
 * (SPEC §6): every row inserted or updated (or linked through an
 * association row) must meet its mapper's criteria, and the rows its
 * foreign keys name anew must be rows the scope sees; counted in the
 * database after the writes, CHECK_BATCH rows per statement. See
 * flush_int.h. */
#include <stdlib.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/flush_int.h"
#include "orm/scope.h"

/* Rows one check statement looks up at most. */
#define CHECK_BATCH 500

/* Do the rows objs[0..n) just written (one mapper) all meet the scope's
 * criteria? One count. */
static int check_batch(orm_uow *u, orm_instance **objs, size_t n)
{
    rm_arena *a = u->a;
    const orm_mapper *m = objs[0]->mapper;
    const orm_table *t = m->table;
    orm_expr *keys = NULL;
    if (t->npk == 1) {
        orm_expr **items = RM_NEW_ARRAY(a, orm_expr *, n);
        for (size_t i = 0; i < n; i++) items[i] = orm_expr_param(a, objs[i]->committed[t->pk[0]->index], t->pk[0]);
        keys = orm_expr_binary(a, ORM_OP_IN, orm_expr_column(a, 0, t->pk[0]), orm_expr_list(a, items, n));
    } else {
        orm_value *pk = RM_NEW_ARRAY(a, orm_value, t->npk * n);
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < t->npk; k++) pk[i * t->npk + k] = objs[i]->committed[t->pk[k]->index];
            keys = orm_expr_or(a, keys, orm_pk_where(a, m, 0, pk + i * t->npk));
        }
    }
    orm_alias_seq seq = orm_alias_seq_start(1, u->s->scope);
    orm_select sel = {.from = t, .alias = 0, .flags = ORM_SELECT_COUNT};
    sel.where = orm_expr_and(a, keys, orm_scope_where(a, m, 0, &seq));
    orm_compiled c;
    orm_result r;
    int rc = orm_compile_select(flush_dialect(u), &sel, a, &c, u->s->err);
    if (rc || (rc = flush_run(u, &c, &r))) return rc;
    int64_t seen = r.nrows && r.values[0].kind == ORM_V_INT ? r.values[0].u.i : 0;
    if (seen != (int64_t)n)
        return orm_error_set(u->s->err, ORM_E_FORBIDDEN, "the %s would be outside the rows you may see", m->name);
    return 0;
}

static int by_value(const void *x, const void *y) { return orm_value_cmp(x, y); }

/* Do the k rows of target that `keys` (at alias 0) names all meet the
 * scope's criteria? One count; a row outside (or missing) is the foreign-key
 * conflict. */
static int all_seen(orm_uow *u, const orm_mapper *target, orm_expr *keys, size_t k)
{
    rm_arena *a = u->a;
    orm_alias_seq seq = orm_alias_seq_start(1, u->s->scope);
    orm_select sel = {.from = target->table, .alias = 0, .flags = ORM_SELECT_COUNT};
    sel.where = orm_expr_and(a, keys, orm_scope_where(a, target, 0, &seq));
    orm_compiled cc;
    orm_result r;
    int rc = orm_compile_select(flush_dialect(u), &sel, a, &cc, u->s->err);
    if (rc || (rc = flush_run(u, &cc, &r))) return rc;
    if (!r.nrows || r.values[0].kind != ORM_V_INT || r.values[0].u.i != (int64_t)k)
        return orm_error_set(u->s->err, ORM_E_CONFLICT, "the change would break a foreign-key reference");
    return 0;
}

/* The values of c (a one-column foreign key) the written rows objs[0..n)
 * set anew must name rows the scope sees in the referenced table: a row
 * outside is answered as a missing one (the same conflict), so a foreign
 * key column neither links to a row outside nor tells whether one exists.
 * One count of the distinct values. */
static int check_references(orm_uow *u, orm_instance **objs, size_t n, const orm_column *c)
{
    rm_arena *a = u->a;
    const orm_mapper *target = c->fk->table->mapper; /* its base entity, or NULL (a plain table) */
    if (!target || !orm_scope_restricts(u->s->scope, target)) return 0;
    orm_value *vals = RM_NEW_ARRAY(a, orm_value, n + 1);
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (objs[i]->mapper->table != c->table) continue;
        const orm_value *v = &objs[i]->committed[c->index];
        if (v->kind == ORM_V_NULL || (objs[i]->before && orm_value_eq(v, &objs[i]->before[c->index]))) continue;
        vals[nv++] = *v;
    }
    if (!nv) return 0;
    qsort(vals, nv, sizeof *vals, by_value);
    size_t distinct = 0;
    for (size_t i = 0; i < nv; i++)
        if (!distinct || !orm_value_eq(&vals[i], &vals[distinct - 1])) vals[distinct++] = vals[i];
    for (size_t at = 0; at < distinct; at += CHECK_BATCH) {
        size_t k = distinct - at < CHECK_BATCH ? distinct - at : CHECK_BATCH;
        orm_expr **items = RM_NEW_ARRAY(a, orm_expr *, k);
        for (size_t i = 0; i < k; i++) items[i] = orm_expr_param(a, vals[at + i], c->fk->column);
        int rc = all_seen(u, target, orm_expr_binary(a, ORM_OP_IN, orm_expr_column(a, 0, c->fk->column),
                                                     orm_expr_list(a, items, k)), k);
        if (rc) return rc;
    }
    return 0;
}

/* A key tuple of a table-level foreign key: n values. */
typedef struct key_tuple {
    const orm_value *v;
    size_t n;
} key_tuple;

static int by_tuple(const void *x, const void *y)
{
    const key_tuple *a = x, *b = y;
    for (size_t i = 0; i < a->n; i++) {
        int c = orm_value_cmp(&a->v[i], &b->v[i]);
        if (c) return c;
    }
    return 0;
}

/* check_references for a table-level (composite) foreign key fk of the
 * rows objs[0..n): the key tuples they set anew, every column set (a key
 * with a NULL names no row), must name rows the scope sees; one count of
 * the distinct tuples per batch. */
static int check_key_references(orm_uow *u, orm_instance **objs, size_t n, const orm_fkey *fk,
                                const orm_mapper *target)
{
    rm_arena *a = u->a;
    if (!target || !orm_scope_restricts(u->s->scope, target)) return 0;
    key_tuple *keys = RM_NEW_ARRAY(a, key_tuple, n + 1);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (objs[i]->mapper->table != fk->columns[0]->table) continue;
        orm_value *v = RM_NEW_ARRAY(a, orm_value, fk->n);
        bool set = true, changed = !objs[i]->before;
        for (size_t k = 0; k < fk->n; k++) {
            size_t at = (size_t)fk->columns[k]->index;
            v[k] = objs[i]->committed[at];
            set &= v[k].kind != ORM_V_NULL;
            changed |= objs[i]->before && !orm_value_eq(&v[k], &objs[i]->before[at]);
        }
        if (set && changed) keys[nk++] = (key_tuple){v, fk->n};
    }
    qsort(keys, nk, sizeof *keys, by_tuple);
    size_t distinct = 0;
    for (size_t i = 0; i < nk; i++)
        if (!distinct || by_tuple(&keys[i], &keys[distinct - 1])) keys[distinct++] = keys[i];
    for (size_t at = 0; at < distinct; at += CHECK_BATCH) {
        size_t k = distinct - at < CHECK_BATCH ? distinct - at : CHECK_BATCH;
        orm_expr *any = NULL;
        for (size_t i = 0; i < k; i++) {
            orm_expr *one = NULL;
            for (size_t c = 0; c < fk->n; c++)
                one = orm_expr_and(a, one, orm_expr_col_eq(a, 0, fk->ref_columns[c], keys[at + i].v[c]));
            any = orm_expr_or(a, any, one);
        }
        int rc = all_seen(u, target, any, k);
        if (rc) return rc;
    }
    return 0;
}

/* fk, a table-level foreign key of t or (t a span) of one of its levels, as
 * the rows of t see it: its columns t's, its referenced columns those of
 * the referenced table's span when it has one, and *target the class whose
 * rows it names (a level's owner). False for a level's key to its parent
 * level, which is the span's own join. */
static bool fkey_seen_from(rm_arena *a, const orm_table *t, const orm_fkey *fk, orm_fkey *view,
                           const orm_mapper **target)
{
    orm_table *to = fk->table->span ? fk->table->span : fk->table;
    *view = *fk;
    view->table = to;
    *target = fk->table->mapper;
    if (!t->levels && !to->levels) return true;
    for (size_t k = 0; to->levels && k < to->nlevels; k++)
        if (to->levels[k] == fk->table) *target = to->level_owner[k];
    view->columns = RM_NEW_ARRAY(a, orm_column *, fk->n);
    view->ref_columns = RM_NEW_ARRAY(a, orm_column *, fk->n);
    bool own_key = to == t;
    for (size_t i = 0; i < fk->n; i++) {
        view->columns[i] = orm_table_stored(t, fk->columns[i]);
        view->ref_columns[i] = orm_table_stored(to, fk->ref_columns[i]);
        if (!view->columns[i] || !view->ref_columns[i]) return false;
        own_key &= view->columns[i]->primary_key && view->columns[i] == view->ref_columns[i];
    }
    return !own_key;
}

/* Every table-level foreign key of t's rows (a span's: its levels'). */
static int check_table_keys(orm_uow *u, orm_instance **objs, size_t n, const orm_table *t)
{
    size_t nl = t->levels ? t->nlevels : 1;
    for (size_t l = 0; l < nl; l++) {
        const orm_table *lt = t->levels ? t->levels[l] : t;
        for (size_t c = 0; c < lt->nfkeys; c++) {
            orm_fkey view;
            const orm_mapper *target;
            if (!fkey_seen_from(u->a, t, &lt->fkeys[c], &view, &target)) continue;
            int rc = check_key_references(u, objs, n, &view, target);
            if (rc) return rc;
        }
    }
    return 0;
}

static int by_mapper(const void *x, const void *y)
{
    const orm_instance *a = *(orm_instance *const *)x, *b = *(orm_instance *const *)y;
    int c = strcmp(a->mapper->table->name, b->mapper->table->name);
    if (!c) c = strcmp(a->mapper->name, b->mapper->name);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Every row the flush inserted or updated (or linked or unlinked through
 * an association row) must meet the scope's criteria for its mapper, and
 * the rows its foreign keys name anew be rows the scope sees
 * (check_references) (a row filter holds for the new state of a create or an
 * update, not only the old one), checked in the database after the
 * writes, so the criteria mean exactly what they mean for reads: rows of
 * one mapper together, CHECK_BATCH at a time. */
int orm_flush_check_written(orm_uow *u)
{
    size_t n = 0, nall = u->nobjs + 2 * u->nassocs;
    orm_instance **objs = RM_NEW_ARRAY(u->a, orm_instance *, nall + 1);
    for (size_t i = 0; i < nall; i++) {
        /* the unit's objects, then the ends of its association rows (an end
         * need not be in the unit's list: its own row did not change) */
        orm_instance *o = i < u->nobjs ? u->objs[i]
                          : (i - u->nobjs) % 2 ? u->assocs[(i - u->nobjs) / 2].to : u->assocs[(i - u->nobjs) / 2].from;
        if (o->wrote && o->state == ORM_PERSISTENT && u->s->scope) {
            o->seq = i;
            objs[n++] = o;
        }
        o->wrote = false; /* collected once */
    }
    return n ? orm_flush_check_rows(u, objs, n) : 0;
}

int orm_flush_check_rows(orm_uow *u, orm_instance **objs, size_t n)
{
    qsort(objs, n, sizeof *objs, by_mapper);
    /* the rows themselves (a row outside is 403), then the rows their
     * foreign keys name anew (one outside is a missing one: 409) */
    for (size_t at = 0; at < n;) {
        size_t m = 1;
        while (at + m < n && m < CHECK_BATCH && objs[at + m]->mapper == objs[at]->mapper) m++;
        int rc = orm_scope_restricts(u->s->scope, objs[at]->mapper) ? check_batch(u, objs + at, m) : 0;
        if (rc) return rc;
        at += m;
    }
    for (size_t at = 0; at < n;) {
        size_t k = 1;
        const orm_table *t = objs[at]->mapper->table;
        while (at + k < n && objs[at + k]->mapper->table == t) k++;
        for (size_t c = 0; c < t->ncolumns; c++) {
            int rc = t->columns[c].fk ? check_references(u, objs + at, k, &t->columns[c]) : 0;
            if (rc) return rc;
        }
        int rc = check_table_keys(u, objs + at, k, t);
        if (rc) return rc;
        at += k;
    }
    return 0;
}
