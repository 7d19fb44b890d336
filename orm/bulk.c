/* bulk.c: UPDATE and DELETE of the rows a query chooses, set-wise (SPEC
 * §10 D; see bulk.h). The chosen rows are read once (one statement); then
 * every statement names a set of them by key (IN lists, cut only at the
 * dialect's parameter limit), never one row:
 *
 *   update  the CHECKs of each new row in C (orm_flush_check_row), one
 *           UPDATE per table (a span: per level) of the rows that change,
 *           version incremented, "onupdate" set, the scope in its WHERE;
 *           then the scope's criteria on the new rows (orm_flush_check_rows)
 *   delete  round by round (round 0: the chosen rows; round k + 1: the
 *           rows a `delete` cascade reaches from round k, loaded through
 *           join.c as the scope sees them), each round's detaching UPDATEs
 *           and association-row DELETEs per relationship; the foreign keys
 *           between deleted rows that the order would break set NULL; then
 *           the DELETEs, last round first, one per class and table
 *
 * The rules of which relationship cascades, detaches or is left alone
 * are the flush's (flush_int.h), so a bulk write does what a loop of
 * single writes in one unit does. */
#include <stdlib.h>
#include <string.h>

#include "orm/bulk.h"
#include "orm/flush_int.h"
#include "orm/join.h"
#include "orm/scope.h"

typedef struct bulk {
    orm_session *s;
    orm_uow *u;
    rm_arena *a;
    orm_bulk_result *out;
} bulk;

/* A list of instances. */
typedef struct rows {
    orm_instance **items;
    size_t n, cap;
} rows;

static void rows_add(rm_arena *a, rows *r, orm_instance *inst)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        r->items = rm_arena_realloc(a, r->items, r->cap * sizeof *r->items, cap * sizeof *r->items);
        r->cap = cap;
    }
    r->items[r->n++] = inst;
}

static void begin(bulk *b, orm_session *s, orm_bulk_result *out)
{
    *out = (orm_bulk_result){0};
    *b = (bulk){.s = s, .u = orm_session_uow(s), .a = s->arena, .out = out};
}

/* t's counts in the answer, added at the end the first time. */
static orm_bulk_count *count_of(bulk *b, const orm_table *t)
{
    orm_bulk_result *o = b->out;
    for (size_t i = 0; i < o->ntables; i++)
        if (o->tables[i].table == t) return &o->tables[i];
    o->tables = rm_arena_realloc(b->a, o->tables, o->ntables * sizeof *o->tables, (o->ntables + 1) * sizeof *o->tables);
    o->tables[o->ntables] = (orm_bulk_count){.table = t};
    return &o->tables[o->ntables++];
}

int64_t orm_bulk_total(const orm_bulk_result *r)
{
    int64_t n = 0;
    for (size_t i = 0; i < r->ntables; i++) n += r->tables[i].updated + r->tables[i].deleted;
    return n;
}

/* Rows one statement names by key tuples of w values: as many as the
 * dialect's parameters allow, a margin kept for the statement's others. */
static size_t chunk_of(bulk *b, size_t w)
{
    size_t max = (size_t)flush_dialect(b->u)->max_params;
    max = max > 256 ? max - 128 : max / 2;
    return max / (w ? w : 1) ? max / (w ? w : 1) : 1;
}

/* cols (at alias) equal to one of the tuples of the committed values at
 * vals of rows[from..to): "c IN (...)" for one column, else an OR of
 * tuples; a tuple holding a NULL names no row. FALSE when none is left. */
static orm_expr *keys_in(rm_arena *a, int alias, orm_column *const *cols, orm_column *const *vals, size_t w,
                         orm_instance **rs, size_t from, size_t to)
{
    orm_expr **items = RM_NEW_ARRAY(a, orm_expr *, to - from + 1), *any = NULL;
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        const orm_value *row = rs[i]->committed;
        bool null = false;
        for (size_t k = 0; k < w; k++) null |= row[vals[k]->index].kind == ORM_V_NULL;
        if (null) continue;
        if (w == 1) {
            items[n++] = orm_expr_param(a, row[vals[0]->index], cols[0]);
            continue;
        }
        orm_expr *one = NULL;
        for (size_t k = 0; k < w; k++) one = orm_expr_and(a, one, orm_expr_col_eq(a, alias, cols[k], row[vals[k]->index]));
        any = orm_expr_or(a, any, one);
        n++;
    }
    if (!n) return orm_expr_const(a, false);
    if (w > 1) return any;
    return orm_expr_binary(a, ORM_OP_IN, orm_expr_column(a, alias, cols[0]), orm_expr_list(a, items, n));
}

/* Every row q chooses, each column loaded (a write's read). */
static int load_chosen(bulk *b, const orm_query *q0, orm_loaded *got)
{
    orm_query q = *q0;
    q.limit = -1;
    q.offset = 0;
    q.after = NULL;
    q.defer = false;
    q.fields = NULL;
    int rc = orm_load_query(b->s, &q, NULL, 0, got);
    if (!rc) b->out->matched = (int64_t)got->n;
    return rc;
}

static int run_stmt(bulk *b, const orm_compiled *c, orm_result *r) { return flush_run(b->u, c, r); }

/* ---- update ------------------------------------------------------------------------ */

/* UPDATE lt (t's table, or one of a span's levels) of rs: the nset
 * columns set to vals, the version vc (NULL: none) incremented, "onupdate"
 * columns set; scoped: the scope's criteria in the WHERE (m's). A row
 * that is gone since it was read is stale data (409) with a version, else
 * not found. */
static int update_rows(bulk *b, const orm_mapper *m, const orm_table *lt, const orm_column *const *set,
                       const orm_value *vals, size_t nset, const orm_column *vc, bool scoped, orm_instance **rs,
                       size_t n)
{
    rm_arena *a = b->a;
    const orm_table *t = m->table;
    size_t chunk = chunk_of(b, lt->npk);
    for (size_t from = 0; from < n; from += chunk) {
        size_t to = from + chunk < n ? from + chunk : n;
        orm_update up = {.table = lt};
        up.columns = RM_NEW_ARRAY(a, const orm_column *, nset + lt->ncolumns + 1);
        up.values = RM_NEW_ARRAY(a, orm_expr *, nset + lt->ncolumns + 1);
        for (size_t k = 0; k < nset; k++) {
            up.columns[up.ncolumns] = set[k];
            up.values[up.ncolumns++] = orm_expr_param(a, vals[k], set[k]);
        }
        if (vc) {
            const orm_column *stored = vc->storage ? vc->storage : vc;
            up.columns[up.ncolumns] = stored;
            up.values[up.ncolumns++] = orm_expr_binary(a, ORM_OP_PLUS, orm_expr_column(a, -1, stored),
                                                       orm_expr_param(a, orm_int(1), vc));
        }
        orm_flush_add_onupdate(b->u, &up, lt);
        orm_expr *keys = keys_in(a, -1, lt->pk, t->pk, t->npk, rs, from, to);
        up.where = scoped ? orm_flush_scoped_where(b->u, m, keys) : keys;
        orm_compiled c;
        orm_result r;
        int rc = orm_compile_update(flush_dialect(b->u), &up, a, &c, b->s->err);
        if (rc || (rc = run_stmt(b, &c, &r))) return rc;
        if (r.changes != (int64_t)(to - from))
            return orm_error_set(b->s->err, vc ? ORM_E_STALE : ORM_E_NOT_FOUND,
                                 vc ? "%s was changed or deleted by someone else: reload it and retry"
                                    : "%s no longer exists", m->name);
        count_of(b, lt)->updated += r.changes;
    }
    return 0;
}

/* Does inst's new row differ from its committed one in a column stored in lt? */
static bool level_changed(const orm_instance *inst, const orm_table *t, const orm_table *lt)
{
    for (size_t i = 0; i < t->ncolumns; i++) {
        const orm_column *c = &t->columns[i];
        if ((c->storage ? c->storage->table : t) == lt && !orm_value_eq(&inst->row[i], &inst->committed[i]))
            return true;
    }
    return false;
}

/* The UPDATEs of the changed rows: one table's, or a span's level by
 * level (a level's UPDATE holds the rows whose columns there change; the
 * root's every row when it carries the version, as the flush does). */
static int update_changed(bulk *b, const orm_mapper *m, const orm_column *const *cols, const orm_value *vals,
                          size_t n, orm_instance **rs, size_t nrows)
{
    const orm_table *t = m->table;
    if (!t->levels) return update_rows(b, m, t, cols, vals, n, m->version_col, true, rs, nrows);
    for (size_t k = 0; k < t->nlevels; k++) {
        const orm_table *lt = t->levels[k];
        const orm_column *vc = k ? NULL : m->version_col;
        const orm_column **set = RM_NEW_ARRAY(b->a, const orm_column *, n + 1);
        orm_value *sv = RM_NEW_ARRAY(b->a, orm_value, n + 1);
        size_t nset = 0, nr = 0;
        for (size_t i = 0; i < n; i++)
            if (cols[i]->storage->table == lt) {
                set[nset] = cols[i]->storage;
                sv[nset++] = vals[i];
            }
        orm_instance **level = RM_NEW_ARRAY(b->a, orm_instance *, nrows + 1);
        for (size_t i = 0; i < nrows; i++)
            if (vc || level_changed(rs[i], t, lt)) level[nr++] = rs[i];
        if (!nr || (!nset && !vc)) continue;
        int rc = update_rows(b, m, lt, set, sv, nset, vc, k == 0, level, nr);
        if (rc) return rc;
    }
    return 0;
}

int orm_bulk_update(orm_session *s, const orm_query *q, const orm_column *const *cols, const orm_value *vals,
                    size_t n, orm_bulk_result *out)
{
    bulk b;
    begin(&b, s, out);
    orm_loaded got;
    int rc = load_chosen(&b, q, &got);
    if (rc) return rc;
    const orm_table *t = q->mapper->table;
    orm_instance **changed = RM_NEW_ARRAY(b.a, orm_instance *, got.n + 1);
    size_t nc = 0;
    for (size_t i = 0; i < got.n; i++) {
        orm_instance *inst = got.items[i];
        orm_value *row = RM_NEW_ARRAY(b.a, orm_value, t->ncolumns);
        memcpy(row, inst->committed, t->ncolumns * sizeof *row);
        bool differs = false;
        for (size_t k = 0; k < n; k++)
            if (!orm_value_eq(&row[cols[k]->index], &vals[k])) {
                row[cols[k]->index] = vals[k];
                differs = true;
            }
        if (!differs) continue; /* holds the values already: not written, its version stays */
        inst->row = row;
        if ((rc = orm_flush_check_row(b.u, inst))) return rc;
        changed[nc++] = inst;
    }
    if (!nc) return 0;
    if ((rc = update_changed(&b, q->mapper, cols, vals, n, changed, nc))) return rc;
    for (size_t i = 0; i < nc; i++) { /* the new state, for the scope's checks */
        changed[i]->before = changed[i]->committed;
        changed[i]->committed = changed[i]->row;
        changed[i]->seq = i;
    }
    return s->scope ? orm_flush_check_rows(b.u, changed, nc) : 0;
}

/* ---- delete ------------------------------------------------------------------------ */

/* The rows of rs (round at, those still in it) of classes that have r; with detach, only
 * those whose delete detaches r's rows (orm_flush_detaches). */
static rows parents_of(bulk *b, const rows *rs, size_t at, const orm_relationship *r, bool detach)
{
    rows p = {0};
    for (size_t i = 0; i < rs->n; i++) {
        const orm_mapper *cls = rs->items[i]->mapper;
        if (rs->items[i]->seq == at && orm_mapper_isa(cls, r->parent) && (!detach || orm_flush_detaches(cls, r))) rows_add(b->a, &p, rs->items[i]);
    }
    return p;
}

/* The rows the delete cascade r reaches from parents (of round `round`),
 * as the scope sees them: marked deleted in the next round and added to
 * next. A row already deleted in an earlier round (a descendant the
 * filter chose too) moves to the next one, so it goes before its parent;
 * with its own descendants, as next is expanded again (bounded by the
 * rows deleted: a cycle of rows stops moving). */
static int cascade(bulk *b, const orm_relationship *r, const rows *parents, size_t round, rows *next)
{
    rm_arena *a = b->a;
    size_t chunk = chunk_of(b, r->npairs);
    for (size_t from = 0; from < parents->n; from += chunk) {
        size_t to = from + chunk < parents->n ? from + chunk : parents->n;
        orm_query q;
        orm_query_init(&q, r->target, b->s->scope);
        orm_join_ends ends = {.parent = ORM_JOIN_NO_PARENT, .target = 0, .secondary = 1};
        orm_rel_join j;
        orm_relationship_join(a, r, &ends, &q.aliases, &j);
        q.where = orm_expr_and(a, keys_in(a, 0, r->remote, r->local, r->npairs, parents->items, from, to),
                               j.target_where);
        q.limit = -1;
        orm_loaded got;
        int rc = orm_load_query(b->s, &q, NULL, 0, &got);
        if (rc) return rc;
        for (size_t i = 0; i < got.n; i++) {
            orm_instance *child = got.items[i];
            if (child->state == ORM_DELETED && (child->seq > round || round >= b->u->ndeleted)) continue;
            if (child->state != ORM_DELETED && ++b->u->ndeleted > ORM_MAX_DELETE_ROWS)
                return orm_flush_too_many_deletes(b->u);
            child->state = ORM_DELETED;
            child->seq = round + 1;
            rows_add(a, next, child);
        }
    }
    return 0;
}

/* Set r's rows' foreign key NULL for the parents being deleted: one
 * UPDATE (per chunk), restricted to the rows r reaches. */
static int detach(bulk *b, const orm_relationship *r, const rows *parents)
{
    rm_arena *a = b->a;
    const orm_table *t = r->target->table;
    size_t chunk = chunk_of(b, r->npairs);
    for (size_t from = 0; from < parents->n; from += chunk) {
        size_t to = from + chunk < parents->n ? from + chunk : parents->n;
        orm_update up;
        orm_flush_detach_set(b->u, r, &up);
        orm_alias_seq seq = orm_alias_seq_start(1, b->s->scope);
        orm_join_ends ends = {.parent = ORM_JOIN_NO_PARENT, .target = -1};
        orm_rel_join j;
        orm_relationship_join(a, r, &ends, &seq, &j);
        up.where = orm_expr_and(a, keys_in(a, -1, r->remote, r->local, r->npairs, parents->items, from, to),
                                j.target_where);
        orm_compiled c;
        orm_result res;
        int rc = orm_compile_update(flush_dialect(b->u), &up, a, &c, b->s->err);
        if (!rc) rc = run_stmt(b, &c, &res);
        if (rc) return rc == ORM_E_CONFLICT ? orm_flush_detach_conflict(b->u, r->parent, r) : rc;
        if (res.changes) count_of(b, t)->updated += res.changes;
    }
    return 0;
}

/* Delete the association rows of the many-to-many r for parents. */
static int unlink_secondary(bulk *b, const orm_relationship *r, const rows *parents)
{
    size_t chunk = chunk_of(b, r->npairs);
    for (size_t from = 0; from < parents->n; from += chunk) {
        size_t to = from + chunk < parents->n ? from + chunk : parents->n;
        orm_delete del = {.table = r->secondary,
                          .where = keys_in(b->a, -1, r->sec_local, r->local, r->npairs, parents->items, from, to)};
        orm_compiled c;
        orm_result res;
        int rc = orm_compile_delete(flush_dialect(b->u), &del, b->a, &c, b->s->err);
        if (rc || (rc = run_stmt(b, &c, &res))) return rc;
        if (res.changes) count_of(b, r->secondary)->deleted += res.changes;
    }
    return 0;
}

/* One round's cascades, relationship by relationship (each relationship
 * of the rows' classes once, in declaration order from the first row's
 * class up): the rows deleted with them go into next. */
static int expand(bulk *b, const rows *round, size_t at, rows *next)
{
    const orm_relationship **seen = NULL;
    size_t nseen = 0;
    for (size_t i = 0; i < round->n; i++)
        for (const orm_mapper *m = round->items[i]->mapper; m; m = m->inherits)
            for (size_t k = 0; k < m->nrelationships; k++) {
                const orm_relationship *r = &m->relationships[k];
                size_t j = 0;
                while (j < nseen && seen[j] != r) j++;
                if (j < nseen || r->viewonly || r->passive_deletes) continue;
                seen = rm_arena_realloc(b->a, seen, nseen * sizeof *seen, (nseen + 1) * sizeof *seen);
                seen[nseen++] = r;
                int rc = 0;
                if (r->direction == ORM_ONE_TO_MANY && (r->cascade & ORM_CASCADE_DELETE)) {
                    rows p = parents_of(b, round, at, r, false);
                    rc = cascade(b, r, &p, at, next);
                } else if (r->direction == ORM_ONE_TO_MANY) {
                    rows p = parents_of(b, round, at, r, true);
                    rc = p.n ? detach(b, r, &p) : 0;
                } else if (r->direction == ORM_MANY_TO_MANY) {
                    rows p = parents_of(b, round, at, r, false);
                    rc = unlink_secondary(b, r, &p);
                }
                if (rc) return rc;
            }
    return 0;
}

/* DELETE rs (rows of class m) from table lt by key: where (the scope's
 * criteria, the class) added to the keys; every row must go. */
static int delete_keys(bulk *b, const orm_mapper *m, const orm_table *lt, bool root, orm_instance **rs, size_t n)
{
    const orm_table *t = m->table;
    size_t chunk = chunk_of(b, lt->npk);
    for (size_t from = 0; from < n; from += chunk) {
        size_t to = from + chunk < n ? from + chunk : n;
        orm_expr *keys = keys_in(b->a, -1, lt->pk, t->pk, t->npk, rs, from, to);
        orm_delete del = {.table = lt};
        if (!t->levels) del.where = orm_flush_scoped_where(b->u, m, keys);
        else del.where = root ? orm_expr_and(b->a, keys, orm_mapper_identity_where(b->a, m, -1)) : keys;
        orm_compiled c;
        orm_result res;
        int rc = orm_compile_delete(flush_dialect(b->u), &del, b->a, &c, b->s->err);
        if (rc || (rc = run_stmt(b, &c, &res))) return rc;
        if (root && res.changes != (int64_t)(to - from))
            return orm_error_set(b->s->err, ORM_E_STALE, "%s was changed or deleted by someone else", m->name);
        if (res.changes) count_of(b, lt)->deleted += res.changes;
    }
    return 0;
}

/* A round's DELETEs: its rows (those that did not move to a later round)
 * class by class (in the order met), a span's tables most derived first. */
static int delete_round(bulk *b, const rows *round, size_t at)
{
    bool *done = RM_NEW_ARRAY(b->a, bool, round->n + 1);
    orm_instance **cls = RM_NEW_ARRAY(b->a, orm_instance *, round->n + 1);
    for (size_t i = 0; i < round->n; i++) done[i] = round->items[i]->seq != at;
    for (size_t i = 0; i < round->n; i++) {
        if (done[i]) continue;
        const orm_mapper *m = round->items[i]->mapper;
        size_t n = 0;
        for (size_t j = i; j < round->n; j++)
            if (!done[j] && round->items[j]->mapper == m) {
                done[j] = true;
                cls[n++] = round->items[j];
            }
        const orm_table *t = m->table;
        for (size_t k = t->levels ? t->nlevels : 0; k-- > 1;) {
            if (!orm_mapper_isa(m, t->level_owner[k])) continue;
            int rc = delete_keys(b, m, t->levels[k], false, cls, n);
            if (rc) return rc;
        }
        int rc = delete_keys(b, m, t->levels ? t->levels[0] : t, true, cls, n);
        if (rc) return rc;
    }
    return 0;
}

static int by_value(const void *x, const void *y) { return orm_value_cmp(x, y); }

/* Rows deleted together that refer to each other against the order of the
 * DELETEs (a row whose nullable foreign key names a row of a later round,
 * deleted before it: an album's cover among its photos) get that key set
 * NULL first, as the flush's detach_deleted does (SQLAlchemy's
 * post_update): per round, class and such column, one UPDATE of the rows
 * that need it, none when none does. */
static int unlink_between(bulk *b, rows *rounds, size_t nrounds)
{
    rm_arena *a = b->a;
    for (size_t r = 0; r + 1 < nrounds; r++)
        for (size_t i = 0; i < rounds[r].n; i++) {
            const orm_instance *first = rounds[r].items[i];
            const orm_mapper *m = first->mapper;
            const orm_table *t = m->table;
            bool seen = first->seq != r;
            for (size_t j = 0; j < i && !seen; j++)
                seen = rounds[r].items[j]->seq == r && rounds[r].items[j]->mapper == m;
            if (seen) continue; /* the class's rows of this round: once, at its first */
            for (size_t c = 0; c < t->ncolumns; c++) {
                const orm_column *col = &t->columns[c];
                if (!col->fk || !col->nullable) continue;
                const orm_column *ref = col->fk->column;
                /* the values of ref among the rows deleted before these */
                orm_value *later = NULL;
                size_t nl = 0;
                for (size_t k = r + 1; k < nrounds; k++)
                    for (size_t j = 0; j < rounds[k].n; j++) {
                        const orm_instance *d = rounds[k].items[j];
                        if (d->seq != k || ref->table != d->mapper->table) continue;
                        later = rm_arena_realloc(a, later, nl * sizeof *later, (nl + 1) * sizeof *later);
                        later[nl++] = d->committed[ref->index];
                    }
                if (!nl) continue;
                qsort(later, nl, sizeof *later, by_value);
                rows refer = {0};
                for (size_t j = i; j < rounds[r].n; j++) {
                    orm_instance *d = rounds[r].items[j];
                    const orm_value *v = &d->committed[c];
                    if (d->seq == r && d->mapper == m && v->kind != ORM_V_NULL &&
                        bsearch(v, later, nl, sizeof *later, by_value))
                        rows_add(a, &refer, d);
                }
                if (!refer.n) continue;
                orm_update up = {.table = t, .ncolumns = 1};
                up.columns = RM_NEW_ARRAY(a, const orm_column *, t->ncolumns + 1);
                up.values = RM_NEW_ARRAY(a, orm_expr *, t->ncolumns + 1);
                up.columns[0] = col;
                up.values[0] = orm_expr_param(a, orm_null(), col);
                up.where = keys_in(a, -1, t->pk, t->pk, t->npk, refer.items, 0, refer.n);
                orm_compiled cc;
                int rc = orm_compile_update(flush_dialect(b->u), &up, a, &cc, b->s->err);
                if (rc || (rc = run_stmt(b, &cc, NULL))) return rc;
            }
        }
    return 0;
}

int orm_bulk_delete(orm_session *s, const orm_query *q, orm_bulk_result *out)
{
    bulk b;
    begin(&b, s, out);
    orm_loaded got;
    int rc = load_chosen(&b, q, &got);
    if (rc) return rc;
    rows *rounds = RM_NEW_ARRAY(b.a, rows, 1);
    size_t nrounds = 1;
    rounds[0] = (rows){0};
    for (size_t i = 0; i < got.n; i++) {
        got.items[i]->state = ORM_DELETED;
        got.items[i]->seq = 0; /* its round */
        rows_add(b.a, &rounds[0], got.items[i]);
    }
    if ((b.u->ndeleted += got.n) > ORM_MAX_DELETE_ROWS) return orm_flush_too_many_deletes(b.u);
    for (size_t r = 0; r < nrounds && rounds[r].n; r++) {
        rows next = {0};
        if ((rc = expand(&b, &rounds[r], r, &next))) return rc;
        if (!next.n) break;
        rounds = rm_arena_realloc(b.a, rounds, nrounds * sizeof *rounds, (nrounds + 1) * sizeof *rounds);
        rounds[nrounds++] = next;
    }
    if ((rc = unlink_between(&b, rounds, nrounds))) return rc;
    for (size_t r = nrounds; r-- > 0;)
        if ((rc = delete_round(&b, &rounds[r], r))) return rc;
    return 0;
}

/* ---- dry runs --------------------------------------------------------------------- */

static int verb(orm_session *s, const char *sql)
{
    orm_compiled c;
    orm_compiled_text(&c, sql);
    return orm_session_execute(s, &c, NULL);
}

int orm_bulk_savepoint(orm_session *s) { return verb(s, "SAVEPOINT restmap_bulk"); }

int orm_bulk_undo(orm_session *s)
{
    int rc = verb(s, "ROLLBACK TO SAVEPOINT restmap_bulk");
    return rc ? rc : verb(s, "RELEASE SAVEPOINT restmap_bulk");
}
