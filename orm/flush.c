/* flush.c: writing a unit of work (SQLAlchemy's UOWTransaction): cascade
 * expansion, dependency-ordered INSERTs with key propagation and
 * post-updates for cycles, UPDATEs of changed columns with version checks,
 * association rows, then DELETEs children first. See uow.h. */
#include <string.h>

#include "orm/compile.h"
#include "orm/uow.h"

#define MAX_CASCADE 100000

static const orm_dialect *dialect(orm_uow *u) { return orm_engine_dialect(u->s->engine); }

static int run(orm_uow *u, const orm_compiled *c, orm_result *r) { return orm_session_execute(u->s, c, r); }

/* ---- cascades on delete ------------------------------------------------------ */

/* A deleted persistent instance: cascade into one-to-many children (loaded
 * and deleted), or set their foreign key to NULL with one UPDATE; delete its
 * many-to-many association rows. Newly deleted children are appended to
 * u->objs, so the caller's loop reaches them too. */
static int expand_delete(orm_uow *u, orm_instance *inst)
{
    rm_arena *a = u->a;
    int rc;
    for (const orm_mapper *m = inst->mapper; m; m = m->inherits)
        for (size_t i = 0; i < m->nrelationships; i++) {
            const orm_relationship *r = &m->relationships[i];
            orm_compiled c;
            if (r->direction == ORM_ONE_TO_MANY && (r->cascade & ORM_CASCADE_DELETE)) {
                orm_related *slot = orm_instance_related(inst, r);
                if (!slot) {
                    orm_include node = {.rel = r, .strategy = ORM_LAZY_SELECTIN};
                    if ((rc = orm_load_related(u->s, u->schema, &inst, 1, &node, 1, &u->map))) return rc;
                    slot = orm_instance_related(inst, r);
                }
                for (size_t k = 0; slot && k < slot->n; k++)
                    if (slot->items[k]->state == ORM_PERSISTENT) orm_uow_delete(u, slot->items[k]);
            } else if (r->direction == ORM_ONE_TO_MANY) {
                /* children stay, without a parent; a NOT NULL key makes it a conflict */
                orm_update up = {.table = r->target->table, .ncolumns = r->npairs};
                up.columns = (const orm_column **)r->remote;
                up.values = RM_NEW_ARRAY(a, orm_expr *, r->npairs);
                for (size_t k = 0; k < r->npairs; k++) {
                    up.values[k] = orm_expr_param(a, orm_null(), r->remote[k]);
                    up.where = orm_expr_and(a, up.where, orm_expr_col_eq(a, -1, r->remote[k],
                                                                         inst->committed[r->local[k]->index]));
                }
                if ((rc = orm_compile_update(dialect(u), &up, a, &c, u->s->err))) return rc;
                rc = run(u, &c, NULL);
                if (rc == ORM_E_CONFLICT)
                    return orm_error_set(u->s->err, ORM_E_CONFLICT,
                                         "%s still has %s, whose %s cannot be NULL: delete them first or "
                                         "cascade the delete", m->name, r->name, r->remote[0]->name);
                if (rc) return rc;
            } else if (r->direction == ORM_MANY_TO_MANY) {
                orm_delete del = {.table = r->secondary};
                for (size_t k = 0; k < r->npairs; k++)
                    del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, r->sec_local[k],
                                                                           inst->committed[r->local[k]->index]));
                if ((rc = orm_compile_delete(dialect(u), &del, a, &c, u->s->err)) || (rc = run(u, &c, NULL)))
                    return rc;
            }
        }
    return 0;
}

/* ---- saves ------------------------------------------------------------------- */

/* Copy a link's parent key into the child's foreign key (or NULL). */
static void apply_link(orm_uow *u, const orm_link *l, bool clear)
{
    for (size_t k = 0; k < l->n; k++) {
        orm_value v = clear || !l->parent ? orm_null() : l->parent->row[l->ref[k]->index];
        l->child->row[l->fk[k]->index] = v;
        if (l->child->given) l->child->given[l->fk[k]->index] = true;
    }
}

/* Mark the pending instances that still wait for a pending parent (one
 * pass over the links). */
static void mark_blocked(orm_uow *u)
{
    for (size_t i = 0; i < u->nobjs; i++) u->objs[i]->blocked = false;
    for (size_t i = 0; i < u->nlinks; i++) {
        const orm_link *l = &u->links[i];
        if (!l->post_update && l->parent && l->parent != l->child && l->parent->state == ORM_PENDING &&
            l->child->state == ORM_PENDING)
            l->child->blocked = true;
    }
}

static int insert_one(orm_uow *u, orm_instance *inst)
{
    /* the links are applied oldest first, as they were made */
    size_t n = 0;
    for (size_t k = inst->link_head; k; k = u->links[k - 1].next) n++;
    size_t *order = RM_NEW_ARRAY(u->a, size_t, n + 1), at = n;
    for (size_t k = inst->link_head; k; k = u->links[k - 1].next) order[--at] = k - 1;
    for (size_t j = 0; j < n; j++) {
        const orm_link *l = &u->links[order[j]];
        /* a post-update link, or a link to itself, is written after the INSERT */
        apply_link(u, l, l->post_update || l->parent == inst);
    }
    orm_value *row;
    int rc = orm_insert_row(u->s, inst->mapper, inst->row, inst->given, &row);
    if (rc) return rc;
    const orm_table *t = inst->mapper->table;
    for (size_t i = 0; i < t->ncolumns; i++) inst->row[i] = row[i];
    inst->committed = RM_NEW_ARRAY(u->a, orm_value, t->ncolumns);
    memcpy(inst->committed, row, t->ncolumns * sizeof *row);
    inst->state = ORM_PERSISTENT;
    orm_identity_map_put(&u->map, inst);
    return 0;
}

/* INSERT the pending instances parents first; a cycle is broken by
 * deferring one foreign key of the first waiting instance (post-update). */
static int insert_pending(orm_uow *u)
{
    for (;;) {
        bool progress = false, any = false;
        mark_blocked(u);
        for (size_t i = 0; i < u->nobjs; i++) {
            orm_instance *inst = u->objs[i];
            if (inst->state != ORM_PENDING) continue;
            any = true;
            if (inst->blocked) continue;
            int rc = insert_one(u, inst);
            if (rc) return rc;
            progress = true;
        }
        if (!any) return 0;
        if (progress) continue;
        /* every pending instance waits on another: defer the first one's links */
        for (size_t i = 0; i < u->nobjs; i++) {
            orm_instance *inst = u->objs[i];
            if (inst->state != ORM_PENDING) continue;
            for (size_t k = inst->link_head; k; k = u->links[k - 1].next) {
                orm_link *l = &u->links[k - 1];
                if (!l->parent || l->parent->state != ORM_PENDING) continue;
                for (size_t c = 0; c < l->n; c++)
                    if (!l->fk[c]->nullable)
                        return orm_error_set(u->s->err, ORM_E_CONFLICT,
                                             "rows refer to each other through NOT NULL foreign keys "
                                             "(%s.%s): they cannot be inserted in any order",
                                             inst->mapper->table->name, l->fk[c]->name);
                l->post_update = true;
            }
            break;
        }
    }
}

/* UPDATE the columns of a persistent instance that differ from its
 * committed state; with a version column, increment it and require the
 * committed version in the WHERE (0 rows: stale data). */
static int update_changed(orm_uow *u, orm_instance *inst)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    rm_arena *a = u->a;
    orm_update up = {.table = t, .returning = true};
    up.columns = RM_NEW_ARRAY(a, const orm_column *, t->ncolumns + 1);
    up.values = RM_NEW_ARRAY(a, orm_expr *, t->ncolumns + 1);
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if (c->version || orm_value_eq(&inst->row[i], &inst->committed[i])) continue;
        if (c->primary_key)
            return orm_error_set(u->s->err, ORM_E_INVALID, "the primary key of %s cannot change", m->name);
        up.columns[up.ncolumns] = c;
        up.values[up.ncolumns++] = orm_expr_param(a, inst->row[i], c);
    }
    if (!up.ncolumns) return 0; /* nothing changed: no statement */
    orm_value *pk = RM_NEW_ARRAY(a, orm_value, t->npk);
    for (size_t i = 0; i < t->npk; i++) pk[i] = inst->committed[t->pk[i]->index];
    up.where = orm_pk_where(a, m, -1, pk);
    if (m->version_col) {
        const orm_column *vc = m->version_col;
        up.columns[up.ncolumns] = vc;
        up.values[up.ncolumns++] = orm_expr_binary(a, ORM_OP_PLUS, orm_expr_column(a, -1, vc),
                                                   orm_expr_param(a, orm_int(1), vc));
        up.where = orm_expr_and(a, up.where, orm_expr_col_eq(a, -1, vc, inst->committed[vc->index]));
    }
    orm_compiled c;
    orm_result r;
    int rc = orm_compile_update(dialect(u), &up, a, &c, u->s->err);
    if (rc || (rc = run(u, &c, &r))) return rc;
    if (!r.nrows)
        return orm_error_set(u->s->err, m->version_col ? ORM_E_STALE : ORM_E_NOT_FOUND,
                             m->version_col ? "%s was changed or deleted by someone else: reload it and retry"
                                            : "%s no longer exists", m->name);
    memcpy(inst->row, r.values, t->ncolumns * sizeof *inst->row);
    memcpy(inst->committed, r.values, t->ncolumns * sizeof *inst->row);
    return 0;
}

static int update_persistent(orm_uow *u)
{
    for (size_t i = 0; i < u->nlinks; i++) {
        const orm_link *l = &u->links[i];
        if (l->child->state == ORM_PERSISTENT && !l->post_update) apply_link(u, l, false);
    }
    for (size_t i = 0; i < u->nobjs; i++) {
        orm_instance *inst = u->objs[i];
        if (inst->state != ORM_PERSISTENT || !inst->committed) continue;
        int rc = update_changed(u, inst);
        if (rc) return rc;
    }
    /* post-updates: the deferred foreign keys, now that every row exists */
    for (size_t i = 0; i < u->nlinks; i++) {
        const orm_link *l = &u->links[i];
        if (!l->post_update && l->parent != l->child) continue;
        if (l->child->state != ORM_PERSISTENT) continue;
        apply_link(u, l, false);
        int rc = update_changed(u, l->child);
        if (rc) return rc;
    }
    return 0;
}

/* ---- association rows ------------------------------------------------------------ */

static int write_assocs(orm_uow *u)
{
    rm_arena *a = u->a;
    for (size_t i = 0; i < u->nassocs; i++) {
        const orm_assoc *as = &u->assocs[i];
        const orm_relationship *r = as->rel;
        if (as->from->state != ORM_PERSISTENT || as->to->state != ORM_PERSISTENT) continue;
        orm_compiled c;
        int rc;
        if (as->remove) {
            orm_delete del = {.table = r->secondary};
            for (size_t k = 0; k < r->npairs; k++) {
                del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, r->sec_local[k], as->from->row[r->local[k]->index]));
                del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, r->sec_remote[k], as->to->row[r->remote[k]->index]));
            }
            rc = orm_compile_delete(dialect(u), &del, a, &c, u->s->err);
        } else {
            orm_insert ins = {.table = r->secondary, .ncolumns = 2 * r->npairs};
            ins.columns = RM_NEW_ARRAY(a, const orm_column *, ins.ncolumns);
            ins.values = RM_NEW_ARRAY(a, orm_value, ins.ncolumns);
            for (size_t k = 0; k < r->npairs; k++) {
                ins.columns[2 * k] = r->sec_local[k];
                ins.values[2 * k] = as->from->row[r->local[k]->index];
                ins.columns[2 * k + 1] = r->sec_remote[k];
                ins.values[2 * k + 1] = as->to->row[r->remote[k]->index];
            }
            rc = orm_compile_insert(dialect(u), &ins, a, &c, u->s->err);
        }
        if (rc || (rc = run(u, &c, NULL))) return rc;
    }
    return 0;
}

/* ---- deletes ------------------------------------------------------------------------ */

static int delete_one(orm_uow *u, orm_instance *inst)
{
    const orm_mapper *m = inst->mapper;
    const orm_table *t = m->table;
    rm_arena *a = u->a;
    orm_value *pk = RM_NEW_ARRAY(a, orm_value, t->npk);
    for (size_t i = 0; i < t->npk; i++) pk[i] = inst->committed[t->pk[i]->index];
    orm_delete del = {.table = t, .where = orm_pk_where(a, m, -1, pk)};
    if (m->version_col)
        del.where = orm_expr_and(a, del.where, orm_expr_col_eq(a, -1, m->version_col,
                                                                inst->committed[m->version_col->index]));
    orm_compiled c;
    orm_result r;
    int rc = orm_compile_delete(dialect(u), &del, a, &c, u->s->err);
    if (rc || (rc = run(u, &c, &r))) return rc;
    if (r.changes == 0)
        return orm_error_set(u->s->err, m->version_col ? ORM_E_STALE : ORM_E_NOT_FOUND,
                             "%s was changed or deleted by someone else", m->name);
    return 0;
}

/* Deleted rows that refer to rows deleted before them (a cycle, such as a
 * user's favourite address among the addresses deleted with the user) get
 * that foreign key set to NULL first, as SQLAlchemy's post_update does. */
static int detach_deleted(orm_uow *u)
{
    for (size_t i = 0; i < u->nobjs; i++) {
        orm_instance *d = u->objs[i];
        if (d->state != ORM_DELETED) continue;
        const orm_table *t = d->mapper->table;
        bool changed = false;
        for (size_t c = 0; c < t->ncolumns; c++) {
            const orm_column *col = &t->columns[c];
            if (!col->fk || !col->nullable || d->committed[c].kind == ORM_V_NULL) continue;
            /* deletes run in reverse: rows met after d are deleted before it */
            for (size_t k = i + 1; k < u->nobjs; k++) {
                const orm_instance *e = u->objs[k];
                if (e->state == ORM_DELETED && e->mapper->table == col->fk->table &&
                    orm_value_eq(&e->committed[col->fk->column->index], &d->committed[c])) {
                    d->row[c] = orm_null();
                    changed = true;
                }
            }
        }
        int rc = changed ? update_changed(u, d) : 0;
        if (rc) return rc;
    }
    return 0;
}

int orm_uow_flush(orm_uow *u)
{
    int rc;
    /* cascades first: they may add instances to delete (u->objs grows) */
    for (size_t i = 0; i < u->nobjs; i++) {
        if (i > MAX_CASCADE) return orm_error_set(u->s->err, ORM_E_CONFLICT, "the delete cascades too far");
        if (u->objs[i]->state == ORM_DELETED && (rc = expand_delete(u, u->objs[i]))) return rc;
    }
    if ((rc = insert_pending(u)) || (rc = update_persistent(u)) || (rc = write_assocs(u))) return rc;
    if ((rc = detach_deleted(u))) return rc;
    /* children were met after their parents: delete in reverse */
    for (size_t i = u->nobjs; i-- > 0;)
        if (u->objs[i]->state == ORM_DELETED && (rc = delete_one(u, u->objs[i]))) return rc;
    return 0;
}
