/* flush_levels.c: the statements of one persistent row's UPDATE and
 * DELETE that the flush (flush.c) shares: "onupdate" columns, the scoped
 * key condition, CHECKs evaluated before a write, the versioned UPDATE,
 * and a joined-table span's writes level by level (update_levels,
 * delete_levels). See flush_int.h. */
#include <string.h>

#include "orm/check.h"
#include "orm/compile.h"
#include "orm/flush_int.h"
#include "orm/scope.h"

/* up's UPDATE of a row of t also sets t's "onupdate": "now" columns it
 * does not set already (the request's value wins) to the unit's instant.
 * up's arrays have room for every column of t besides what they hold. */
size_t orm_flush_onupdate(orm_uow *u, const orm_table *t, const orm_column **cols, orm_value *vals, size_t n)
{
    size_t given = n;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (!c->onupdate_now) continue;
        size_t k = 0;
        while (k < given && cols[k] != c) k++;
        if (k < given) continue;
        cols[n] = c;
        vals[n++] = orm_clock_value(&u->clock, c, u->a);
    }
    return n;
}

void orm_flush_add_onupdate(orm_uow *u, orm_update *up, const orm_table *t)
{
    orm_value *vals = RM_NEW_ARRAY(u->a, orm_value, up->ncolumns + t->ncolumns);
    size_t n = orm_flush_onupdate(u, t, up->columns, vals, up->ncolumns);
    for (size_t k = up->ncolumns; k < n; k++) up->values[k] = orm_expr_param(u->a, vals[k], up->columns[k]);
    up->ncolumns = n;
}

/* keys (a condition on the unaliased key columns of an UPDATE or DELETE
 * of m's rows: one key, or a set of them) and the rows the session's
 * scope sees (a row outside it is not found). */
static orm_expr *scoped_where(orm_uow *u, rm_arena *a, const orm_mapper *m, orm_expr *keys)
{
    orm_alias_seq seq = orm_alias_seq_start(1, u->s->scope);
    if (m->table->levels && orm_scope_restricts(u->s->scope, m)) {
        /* a span's criteria may name any level: EXISTS (SELECT 1 FROM the
         * span AS t1 WHERE t1.key = <root table>.key AND criteria), the
         * statement being the root table's */
        const orm_table *t = m->table;
        int at = seq.next++;
        orm_select *sub = RM_NEW(a, orm_select);
        *sub = (orm_select){.from = t, .alias = at, .flags = ORM_SELECT_ONE, .cls = m};
        for (size_t i = 0; i < t->npk; i++)
            sub->where = orm_expr_and(a, sub->where,
                                      orm_expr_binary(a, ORM_OP_EQ, orm_expr_column(a, at, t->pk[i]),
                                                      orm_expr_column(a, -1, t->pk[i])));
        sub->where = orm_expr_and(a, sub->where, orm_scope_where(a, m, at, &seq));
        return orm_expr_and(a, keys, orm_expr_exists(a, sub));
    }
    return orm_expr_and(a, keys, orm_scope_where(a, m, -1, &seq));
}

orm_expr *orm_flush_scoped_where(orm_uow *u, const orm_mapper *m, orm_expr *keys)
{
    return scoped_where(u, u->a, m, keys);
}

orm_expr *orm_flush_scoped_pk_where(orm_uow *u, rm_arena *a, const orm_mapper *m, const orm_value *pk)
{
    return scoped_where(u, a, m, orm_pk_where(a, m, -1, pk));
}

/* The row inst is about to store breaks none of its table's checks (SPEC
 * §9), else ORM_E_VALIDATION: one field error at the first column the
 * broken check names, under the body object inst came from
 * (orm_uow_locate). A new row's unset columns count with their literal
 * defaults (or server defaults), as its INSERT stores them; generated
 * ones are set before. */
int orm_flush_check_row(orm_uow *u, const orm_instance *inst)
{
    const orm_table *t = inst->mapper->table;
    bool any = t->nchecks > 0;
    for (size_t k = 0; k < t->nlevels; k++) any |= t->levels[k]->nchecks > 0;
    if (!any) return 0;
    const orm_value *row = inst->row;
    if (inst->state == ORM_PENDING && inst->given) {
        orm_value *full = RM_NEW_ARRAY(u->a, orm_value, t->ncolumns);
        for (size_t i = 0; i < t->ncolumns; i++)
            full[i] = inst->given[i]                                   ? inst->row[i]
                      : t->columns[i].has_default                        ? t->columns[i].default_value
                      : t->columns[i].server_default == ORM_SD_LITERAL ? t->columns[i].server_default_value
                                                                         : inst->row[i];
        row = full;
    }
    const orm_check *ck = orm_check_class_row(t, inst->mapper, row, u->a);
    if (!ck) return 0;
    orm_error_field(u->s->err, ORM_E_VALIDATION, rm_pointer_child(u->a, orm_uow_pointer(u, inst), ck->first->name),
                    "the %s would break the check %s", inst->mapper->name, ck->name);
    return ORM_E_VALIDATION;
}

/* Run up, an UPDATE of inst's row (of one of its tables; its pieces and
 * statement made in a); with vc (its mapper's version column), increment
 * it and require the committed version in the WHERE. No row (returned,
 * or changed when up has no RETURNING): stale data (versioned) or gone. */
void orm_flush_add_version(rm_arena *a, const orm_instance *inst, orm_update *up, const orm_column *vc)
{
    const orm_column *stored = vc->storage ? vc->storage : vc;
    up->columns[up->ncolumns] = stored;
    up->values[up->ncolumns++] = orm_expr_binary(a, ORM_OP_PLUS, orm_expr_column(a, -1, stored),
                                                 orm_expr_param(a, orm_int(1), vc));
    up->where = orm_expr_and(a, up->where, orm_expr_col_eq(a, -1, vc, inst->committed[vc->index]));
}

int orm_flush_run_update(orm_uow *u, rm_arena *a, const orm_instance *inst, orm_update *up, const orm_column *vc,
                         orm_result *r)
{
    if (vc) orm_flush_add_version(a, inst, up, vc);
    orm_compiled c;
    int rc = orm_compile_update(flush_dialect(u), up, a, &c, u->s->err);
    return rc ? rc : orm_flush_exec_update(u, inst, &c, vc, r);
}

int orm_flush_exec_update(orm_uow *u, const orm_instance *inst, const orm_compiled *c, const orm_column *vc,
                          orm_result *r)
{
    int rc = flush_run_own(u, c, r);
    if (rc) return rc;
    if (c->returns_rows ? !r->nrows : !r->changes)
        return orm_error_set(u->s->err, vc ? ORM_E_STALE : ORM_E_NOT_FOUND,
                             vc ? "%s was changed or deleted by someone else: reload it and retry"
                                : "%s no longer exists", inst->mapper->name);
    return 0;
}

/* Joined-table inheritance (a span, metadata.h): an UPDATE of each
 * level's table whose columns changed, by key; the root's carries the
 * scope's criteria and the version (incremented whenever any level
 * changes, checked as for one table). Each statement's returned row
 * refreshes its columns of the span row. */
int orm_flush_update_levels(orm_uow *u, orm_instance *inst)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    rm_arena *a = u->a;
    size_t *changed = RM_NEW_ARRAY(a, size_t, t->nlevels), total = 0;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (c->version || c->computed || orm_value_eq(&inst->row[i], &inst->committed[i])) continue;
        if (c->primary_key)
            return orm_error_set(u->s->err, ORM_E_INVALID, "the primary key of %s cannot change", m->name);
        size_t k = 0;
        while (t->levels[k] != c->storage->table) k++;
        changed[k]++;
        total++;
    }
    if (!total) return 0;
    int crc = orm_flush_check_row(u, inst); /* every level's checks of its class */
    if (crc) return crc;
    if (u->s->scope && !inst->wrote) {
        inst->before = RM_NEW_ARRAY(a, orm_value, t->ncolumns);
        memcpy(inst->before, inst->committed, t->ncolumns * sizeof *inst->before);
    }
    orm_value *pk = RM_NEW_ARRAY(a, orm_value, t->npk);
    for (size_t i = 0; i < t->npk; i++) pk[i] = inst->committed[t->pk[i]->index];
    for (size_t k = 0; k < t->nlevels; k++) {
        const orm_table *lt = t->levels[k];
        const orm_column *vc = k ? NULL : m->version_col;
        if (!changed[k] && !vc) continue;
        orm_update up = {.table = lt, .returning = true};
        up.columns = RM_NEW_ARRAY(a, const orm_column *, lt->ncolumns + 1);
        up.values = RM_NEW_ARRAY(a, orm_expr *, lt->ncolumns + 1);
        for (size_t i = 0; i < t->ncolumns; i++) {
            const orm_column *c = &t->columns[i];
            if (c->storage->table != lt || c->version || c->computed || orm_value_eq(&inst->row[i], &inst->committed[i])) continue;
            up.columns[up.ncolumns] = c->storage;
            up.values[up.ncolumns++] = orm_expr_param(a, inst->row[i], c->storage);
        }
        orm_flush_add_onupdate(u, &up, lt); /* the level's own "onupdate" columns */
        if (k) {
            for (size_t i = 0; i < lt->npk; i++)
                up.where = orm_expr_and(a, up.where, orm_expr_col_eq(a, -1, lt->pk[i], pk[i]));
        } else {
            up.where = orm_flush_scoped_pk_where(u, a, m, pk);
        }
        orm_result r;
        int rc = orm_flush_run_update(u, a, inst, &up, vc, &r);
        if (rc) return rc;
        for (size_t i = 0; i < t->ncolumns; i++)
            if (t->columns[i].storage->table == lt)
                inst->row[i] = inst->committed[i] = r.values[t->columns[i].storage->index];
    }
    inst->wrote = true;
    return 0;
}

/* Joined-table inheritance (a span, metadata.h): the row leaves every
 * table of its class below the root, most derived first, by key; *root
 * is then the root table's condition (the key and the class; the version
 * is added by the caller). A scope that restricts the class is checked
 * first, over the span (its criteria may name any level, and the levels
 * are gone by the root's DELETE): a row outside it is not found. */
int orm_flush_delete_levels(orm_uow *u, const orm_instance *inst, const orm_value *pk, orm_expr **root)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    if (orm_scope_restricts(u->s->scope, m)) {
        orm_select sel = {.from = t, .alias = 0, .flags = ORM_SELECT_COUNT, .cls = m};
        orm_alias_seq seq = orm_alias_seq_start(1, u->s->scope);
        sel.where = orm_expr_and(u->a, orm_pk_where(u->a, m, 0, pk), orm_scope_where(u->a, m, 0, &seq));
        orm_compiled c;
        orm_result r;
        int rc = orm_compile_select(flush_dialect(u), &sel, u->a, &c, u->s->err);
        if (rc || (rc = flush_run(u, &c, &r))) return rc;
        if (!r.nrows || r.values[0].kind != ORM_V_INT || r.values[0].u.i == 0)
            return orm_error_set(u->s->err, ORM_E_STALE, "%s was changed or deleted by someone else", m->name);
    }
    for (size_t k = t->nlevels; k-- > 1;) {
        const orm_table *lt = t->levels[k];
        if (!orm_mapper_isa(m, t->level_owner[k])) continue;
        orm_delete del = {.table = lt};
        for (size_t i = 0; i < lt->npk; i++)
            del.where = orm_expr_and(u->a, del.where, orm_expr_col_eq(u->a, -1, lt->pk[i], pk[i]));
        orm_compiled c;
        orm_result r;
        int rc = orm_compile_delete(flush_dialect(u), &del, u->a, &c, u->s->err);
        if (rc || (rc = flush_run(u, &c, &r))) return rc;
    }
    *root = orm_expr_and(u->a, orm_pk_where(u->a, m, -1, pk), orm_mapper_identity_where(u->a, m, -1));
    return 0;
}
