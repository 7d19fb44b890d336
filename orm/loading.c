/* loading.c: turning result rows into instances and running the eager
 * loader strategies; see loading.h for the statement budget.
 *
 * A statement loads the rows of one mapper (the "base") plus, through LEFT
 * OUTER JOINs, the JOINED descendants of the include nodes at that level
 * (a join plan of "segments"). After it has run, each level's remaining
 * include nodes are loaded by selectin statements on the instances that
 * level produced, which again join their own JOINED descendants. */
#include "orm/loading.h"

#include "orm/computed.h"

#include <stdint.h>
#include <string.h>

#include "orm/compile.h"
#include "orm/filter.h"
#include "orm/key_load.h"
#include "orm/related_count.h"
#include "orm/window.h"

typedef struct lctx {
    orm_session *s;
    const orm_schema *schema;
    orm_identity_map *map;
    rm_arena *a;
} lctx;

/* A joined relationship inside one statement. */
typedef struct seg {
    const orm_include *node;
    int parent;            /* index of the parent segment; -1 = the base */
    int alias;             /* the target's alias */
    size_t offset;         /* where its columns start in a row */
    size_t count_at;       /* where its node's related counts are in a row */
    orm_instance **loaded; /* distinct instances it produced */
    size_t nloaded, cap;
} seg;

typedef struct plan {
    seg *segs;
    size_t n;
    size_t width;          /* columns per row */
    bool to_many;          /* some segment is a collection: rows repeat parents */
} plan;

/* ---- helpers ---------------------------------------------------------------- */

/* The instance of row, a row as the driver passes it (*fresh: made now,
 * its values kept, and in no slot yet). */
static orm_instance *materialize(lctx *L, const orm_mapper *m, const orm_value *row, bool *fresh)
{
    orm_instance *inst = orm_identity_map_load(L->map, m, row, fresh);
    if (*fresh && orm_mapper_resolves_rows(m)) inst->mapper = orm_schema_polymorphic(L->schema, m, inst->row);
    return inst;
}

static bool all_null(const orm_value *v, const orm_table *t)
{
    for (size_t i = 0; i < t->npk; i++)
        if (v[t->pk[i]->index].kind != ORM_V_NULL) return false;
    return true;
}

static void push(rm_arena *a, orm_instance *inst, orm_instance ***list, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        *list = rm_arena_realloc(a, *list, *cap * sizeof **list, ncap * sizeof **list);
        *cap = ncap;
    }
    (*list)[(*n)++] = inst;
}

/* Add inst to a list unless this generation has seen it. */
static void collect(rm_arena *a, unsigned gen, orm_instance *inst, orm_instance ***list, size_t *n,
                    size_t *cap)
{
    if (inst->mark == gen) return;
    inst->mark = gen;
    push(a, inst, list, n, cap);
}

/* LEFT OUTER JOIN t (the rows of class cls, or NULL) at alias. */
static void add_join(rm_arena *a, orm_select *sel, const orm_table *t, int alias, orm_expr *on,
                     const orm_mapper *cls)
{
    sel->joins = rm_arena_realloc(a, sel->joins, sel->njoins * sizeof *sel->joins,
                                  (sel->njoins + 1) * sizeof *sel->joins);
    sel->joins[sel->njoins++] = (orm_join){ORM_JOIN_LEFT, t, alias, on, NULL, cls};
}

/* An embedded row's columns: its deferred ones only when the include's
 * fieldset names them. */
static void add_columns(rm_arena *a, orm_select *sel, const orm_table *t, int alias, const orm_include *node)
{
    orm_row_columns(a, sel, t, alias, true, node->fields, false);
}

static void add_order(rm_arena *a, orm_select *sel, const orm_order_item *items, size_t n)
{
    sel->order = rm_arena_realloc(a, sel->order, sel->norder * sizeof *sel->order,
                                  (sel->norder + n) * sizeof *sel->order);
    for (size_t i = 0; i < n; i++) sel->order[sel->norder++] = items[i];
}

/* ---- join plans ------------------------------------------------------------- */

/* Is node loaded by the statement of its parents (a joined segment)? A
 * node with criteria has a statement of its own whatever its strategy. */
static bool joined_segment(const orm_include *node)
{
    return node->strategy == ORM_LAZY_JOINED && !node->slot;
}

/* Does the whole tree load in the statement of its top level's parents? */
static bool one_statement(const orm_include *inc, size_t ninc)
{
    for (size_t i = 0; i < ninc; i++)
        if (!joined_segment(&inc[i]) || !one_statement(inc[i].children, inc[i].nchildren)) return false;
    return true;
}

static void plan_segments(rm_arena *a, plan *p, const orm_include *inc, size_t ninc, int parent,
                          orm_alias_seq *seq)
{
    for (size_t i = 0; i < ninc; i++) {
        if (!joined_segment(&inc[i])) continue;
        p->segs = rm_arena_realloc(a, p->segs, p->n * sizeof *p->segs, (p->n + 1) * sizeof *p->segs);
        seg *sg = &p->segs[p->n];
        memset(sg, 0, sizeof *sg);
        sg->node = &inc[i];
        sg->parent = parent;
        sg->alias = seq->next++;
        if (inc[i].rel->direction == ORM_MANY_TO_MANY) seq->next++; /* the secondary's alias */
        p->to_many |= inc[i].rel->uselist;
        int me = (int)p->n++;
        plan_segments(a, p, inc[i].children, inc[i].nchildren, me, seq);
    }
}

/* Add the plan's LEFT JOINs, columns and collection orders to sel, whose
 * base mapper's table is at base_alias. */
static void apply_plan(lctx *L, plan *p, orm_select *sel, int base_alias, orm_alias_seq *seq)
{
    p->width = sel->ncolumns;
    for (size_t i = 0; i < p->n; i++) {
        seg *sg = &p->segs[i];
        const orm_relationship *r = sg->node->rel;
        int pa = sg->parent < 0 ? base_alias : p->segs[sg->parent].alias;
        orm_join_ends ends = {.parent = pa, .target = sg->alias, .secondary = sg->alias + 1};
        orm_rel_join j;
        orm_relationship_join(L->a, r, &ends, seq, &j);
        if (r->direction == ORM_MANY_TO_MANY) {
            add_join(L->a, sel, r->secondary, ends.secondary, j.link, NULL);
            add_join(L->a, sel, r->target->table, sg->alias, orm_expr_and(L->a, j.secondary_on, j.target_where),
                     r->target);
        } else {
            add_join(L->a, sel, r->target->table, sg->alias, orm_expr_and(L->a, j.link, j.target_where), r->target);
        }
        sg->offset = sel->ncolumns;
        add_columns(L->a, sel, r->target->table, sg->alias, sg->node);
        sg->count_at = orm_count_columns(L->a, sel, sg->node->counts, sg->node->ncounts, sg->alias);
        if (r->uselist) {
            size_t n;
            orm_order_item *o = orm_relationship_order(L->a, r, sg->alias, &n);
            add_order(L->a, sel, o, n);
        }
    }
    p->width = sel->ncolumns;
}

/* Decode the joined segments of one row, given its base instance. */
static void decode_segments(lctx *L, plan *p, orm_value *row, orm_instance *base,
                            orm_instance **insts)
{
    for (size_t i = 0; i < p->n; i++) {
        seg *sg = &p->segs[i];
        orm_instance *parent = sg->parent < 0 ? base : insts[sg->parent];
        insts[i] = NULL;
        if (!parent) continue;
        const orm_relationship *r = sg->node->rel;
        orm_related *slot = orm_instance_load_slot(parent, r, L->a);
        orm_value *cols = row + sg->offset;
        if (all_null(cols, r->target->table)) continue;
        bool fresh;
        orm_instance *child = materialize(L, r->target, cols, &fresh);
        orm_count_record(L->a, child, sg->node->counts, sg->node->ncounts, row + sg->count_at);
        orm_related_add(slot, child, L->a, !fresh); /* a fresh one is in no slot yet */
        insts[i] = child;
        if (!sg->nloaded || sg->loaded[sg->nloaded - 1] != child) /* rows repeat it */
            push(L->a, child, &sg->loaded, &sg->nloaded, &sg->cap);
    }
}

/* Keep the first of each instance in every segment's list. Each segment
 * has a generation of its own: an instance reached through two segments
 * (an engineer among a company's employees and its engineers) is in both
 * lists, so each goes on to load its own children. */
static void dedupe_segments(lctx *L, plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        seg *sg = &p->segs[i];
        unsigned gen = ++L->map->generation;
        size_t k = 0;
        for (size_t j = 0; j < sg->nloaded; j++) {
            if (sg->loaded[j]->mark == gen) continue;
            sg->loaded[j]->mark = gen;
            sg->loaded[k++] = sg->loaded[j];
        }
        sg->nloaded = k;
    }
}

/* ---- statements --------------------------------------------------------------- */

/* Called with each row's base instance. */
typedef void (*row_fn)(lctx *L, orm_instance *base, const orm_value *row, void *ud);

/* One statement's rows as they are read (orm_session_each). */
typedef struct plan_run {
    lctx *L;
    const orm_mapper *m;
    plan *p;
    row_fn fn;
    void *ud;
    orm_instance **insts;   /* scratch: each segment's instance in the row */
    orm_instance *last;     /* the previous row's base, where joined rows repeat it (p->to_many) */
} plan_run;

static void plan_row(void *ud, orm_value *row)
{
    plan_run *pr = ud;
    bool fresh;
    orm_instance *base = pr->last && orm_instance_keyed(pr->last, pr->m->table, row) ? pr->last
                                                                                     : materialize(pr->L, pr->m, row, &fresh);
    if (pr->p->to_many) pr->last = base;
    pr->fn(pr->L, base, row, pr->ud);
    decode_segments(pr->L, pr->p, row, base, pr->insts);
}

/* Instances a statement's expected rows reserve room for in the map, at most. */
#define RESERVE_MAX 4096

/* Run sel, each row made instances as it is read (only new instances'
 * values kept: a joined row's repeated parent is not copied); expect: the rows it is
 * expected to return (0: unknown), for which the map makes room first. */
static int run_compiled(lctx *L, const orm_compiled *c, const orm_mapper *m, plan *p, size_t expect, row_fn fn,
                        void *ud)
{
    orm_identity_map_reserve(L->map, expect < RESERVE_MAX ? expect : RESERVE_MAX);
    plan_run pr = {L, m, p, fn, ud, RM_NEW_ARRAY(L->a, orm_instance *, p->n + 1), NULL};
    int rc = orm_session_each(L->s, c, plan_row, &pr);
    if (rc) return rc;
    dedupe_segments(L, p);
    return 0;
}

/* run_compiled for sel, compiled first; kl: the plain load by key sel is
 * (its statement then cached under its spec, orm/key_load.h), or NULL. */
static int run_plan(lctx *L, orm_select *sel, const orm_mapper *m, plan *p, size_t expect, row_fn fn,
                    void *ud, const orm_key_load *kl)
{
    orm_compiled c;
    const orm_dialect *d = orm_engine_dialect(L->s->engine);
    int rc = kl ? orm_compile_select_as(d, &kl->key, sel, L->a, &c, L->s->err)
                : orm_compile_select(d, sel, L->a, &c, L->s->err);
    if (rc) return rc;
    return run_compiled(L, &c, m, p, expect, fn, ud);
}

static int finish_level(lctx *L, orm_instance **insts, size_t n, const orm_include *inc, size_t ninc,
                        plan *p, int level);

/* The selectin load of one include node for the given parents. */
typedef struct keyed {
    orm_instance *parent;
    uint64_t hash;
    struct keyed *next;
} keyed;

typedef struct selectin_state {
    const orm_relationship *r;
    const orm_relationship *slot; /* the key of the parents' slot it fills (orm_include.slot) */
    keyed **buckets;
    size_t nbuckets;
    size_t key_offset;       /* where the key values start in a row */
    orm_column *const *key_cols; /* their columns (r->remote, or r->sec_local for many-to-many) */
    const orm_include *node;
    size_t count_at;         /* where the node's related counts are in a row */
    bool dedupe;             /* a child may come twice for one parent (see selectin) */
} selectin_state;

static void attach(lctx *L, orm_instance *child, const orm_value *row, void *ud)
{
    selectin_state *st = ud;
    const orm_relationship *r = st->r;
    orm_count_record(L->a, child, st->node->counts, st->node->ncounts, row + st->count_at);
    orm_value few[8], *key = r->npairs <= 8 ? few : RM_NEW_ARRAY(L->a, orm_value, r->npairs);
    for (size_t k = 0; k < r->npairs; k++)
        key[k] = r->direction == ORM_MANY_TO_MANY ? row[st->key_offset + k] : row[r->remote[k]->index];
    uint64_t h = orm_values_hash(key, r->npairs);
    for (keyed *e = st->buckets[h & (st->nbuckets - 1)]; e; e = e->next) {
        if (e->hash != h) continue;
        bool same = true;
        for (size_t k = 0; k < r->npairs && same; k++)
            same = orm_value_eq(&e->parent->row[r->local[k]->index], &key[k]);
        if (!same) continue;
        /* joined children repeat a child's row, and the same slot may also be
         * filled through a joined path of this statement: add each child once */
        orm_related *slot = orm_instance_load_slot(e->parent, st->slot, L->a);
        if (!slot->n || slot->items[slot->n - 1] != child) orm_related_add(slot, child, L->a, st->dedupe);
    }
}

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n) p *= 2;
    return p;
}

/* WHERE key IN (...) for keys[from, to), padded by repeating the last key. */
static orm_expr *key_in(lctx *L, const selectin_state *st, int alias, orm_value **keys, size_t from,
                        size_t to, size_t chunk)
{
    const orm_relationship *r = st->r;
    size_t n = to - from, padded = next_pow2(n) < chunk ? next_pow2(n) : chunk;
    if (padded < n) padded = n;
    if (r->npairs == 1) {
        orm_expr **items = RM_NEW_ARRAY(L->a, orm_expr *, padded);
        for (size_t i = 0; i < padded; i++)
            items[i] = orm_expr_param(L->a, keys[from + (i < n ? i : n - 1)][0], st->key_cols[0]);
        return orm_expr_binary(L->a, ORM_OP_IN, orm_expr_column(L->a, alias, st->key_cols[0]),
                               orm_expr_list(L->a, items, padded));
    }
    orm_expr *any = NULL;
    for (size_t i = from; i < to; i++) {
        orm_expr *all = NULL;
        for (size_t k = 0; k < r->npairs; k++)
            all = orm_expr_and(L->a, all, orm_expr_col_eq(L->a, alias, st->key_cols[k], keys[i][k]));
        any = orm_expr_or(L->a, any, all);
    }
    return any;
}

/* Is p a row of r's hierarchy that is not of r's class (nor below it)? A
 * relationship a subclass declares is no relationship of its base's or
 * its siblings' rows: they get no slot (a polymorphic page loads a
 * subclass proxy's relationship for the rows of that class only). */
static bool not_of_class(const orm_instance *p, const orm_relationship *r)
{
    const orm_mapper *root = r->parent;
    while (root->inherits) root = root->inherits;
    return orm_mapper_isa(p->mapper, root) && !orm_mapper_isa(p->mapper, r->parent);
}

/* The order of a node with sort[PATH]: the spec's keys (their LEFT JOINs
 * added to sel) then the target's primary key. */
static int criteria_order(lctx *L, const orm_include *node, orm_select *sel, orm_alias_seq *seq,
                          orm_order_item **order, size_t *n)
{
    orm_query q;
    orm_query_init(&q, node->rel->target, seq->scope);
    int rc = orm_query_order_by(&q, L->a, node->sort, seq, "/sort", L->s->err); /* checked when parsed */
    if (rc) return rc;
    sel->joins = rm_arena_realloc(L->a, sel->joins, sel->njoins * sizeof *sel->joins,
                                  (sel->njoins + q.njoins) * sizeof *sel->joins);
    for (size_t i = 0; i < q.njoins; i++) sel->joins[sel->njoins++] = q.joins[i];
    *order = orm_query_effective_order(&q, L->a, n);
    return 0;
}

/* Is e column c at alias? */
static bool is_column(const orm_expr *e, int alias, const orm_column *c)
{
    return e->op == ORM_OP_COLUMN && e->u.col.alias == alias && e->u.col.column == c;
}

/* ORDER BY the parent key (`key` at key_alias), then `order` less the key's
 * columns. attach() puts each row in its parent's collection, so only the
 * order within one parent is the node's; leading with the key lets the
 * index on the foreign key, whose entries for one key SQLite keeps in rowid
 * order, give a relationship ordered by the target's INTEGER PRIMARY KEY
 * its rows without a sort. The key takes the direction of the first item
 * (an index is read forward or backward). */
static void add_keyed_order(rm_arena *a, orm_select *sel, const orm_order_item *order, size_t n,
                            orm_column *const *key, size_t nkey, int key_alias)
{
    orm_order_item *items = RM_NEW_ARRAY(a, orm_order_item, nkey + n);
    size_t k = 0;
    for (size_t i = 0; i < nkey; i++)
        items[k++] = (orm_order_item){orm_expr_column(a, key_alias, key[i]), n && order[0].desc};
    for (size_t i = 0; i < n; i++) {
        bool is_key = false;
        for (size_t j = 0; j < nkey && !is_key; j++) is_key = is_column(order[i].expr, key_alias, key[j]);
        if (!is_key) items[k++] = order[i];
    }
    add_order(a, sel, items, k);
}

/* A node's criteria on the selectin statement sel (the target at alias 0,
 * the parent key's columns `key` at key_alias): the filter, the order
 * (sort[PATH] or the relationship's, after the key: add_keyed_order), and
 * the per-parent window (whose rank orders the rows instead). */
static int apply_criteria(lctx *L, const orm_include *node, orm_select *sel, orm_alias_seq *seq,
                          orm_column *const *key, int key_alias)
{
    rm_arena *a = L->a;
    const orm_relationship *r = node->rel;
    sel->where = orm_expr_and(a, sel->where, orm_template_use(a, &node->where, 0, seq));
    orm_order_item *order;
    size_t no;
    if (node->sort) {
        int rc = criteria_order(L, node, sel, seq, &order, &no);
        if (rc) return rc;
    } else {
        order = orm_relationship_order(a, r, 0, &no);
    }
    if (!node->limited && node->offset <= 0) {
        add_keyed_order(a, sel, order, no, key, r->npairs, key_alias);
        return 0;
    }
    add_order(a, sel, order, no);
    orm_computed_expand(a, sel, seq); /* the ranking takes the order as it is */
    orm_expr **part = RM_NEW_ARRAY(a, orm_expr *, r->npairs);
    for (size_t k = 0; k < r->npairs; k++) part[k] = orm_expr_column(a, key_alias, key[k]);
    orm_window_top(a, r->target->table, sel, part, r->npairs, node->offset, node->limited ? node->limit : -1);
    return 0;
}

static int selectin(lctx *L, const orm_include *node, orm_instance **parents, size_t n)
{
    const orm_relationship *r = node->rel;
    rm_arena *a = L->a;
    bool m2m = r->direction == ORM_MANY_TO_MANY;
    bool ranked = node->limited || node->offset > 0;
    selectin_state st = {.r = r, .slot = node->slot ? node->slot : r, .nbuckets = next_pow2(n * 2 + 1),
                         .node = node};
    st.buckets = RM_NEW_ARRAY(a, keyed *, st.nbuckets);
    st.key_cols = orm_relationship_near(r);
    /* distinct non-NULL parent keys; every parent's slot is loaded, maybe
     * empty. One block each for the keys' values and the bucket entries. */
    orm_value **keys = RM_NEW_ARRAY(a, orm_value *, n ? n : 1);
    orm_value *key_values = rm_arena_alloc(a, (n ? n : 1) * r->npairs * sizeof *key_values);
    keyed *entries = rm_arena_alloc(a, (n ? n : 1) * sizeof *entries);
    size_t nkeys = 0, nentries = 0;
    for (size_t i = 0; i < n; i++) {
        orm_instance *p = parents[i];
        /* loaded (or just written): not again, unless the node reads counts of the targets */
        if ((orm_instance_related(p, st.slot) && !node->ncounts) || not_of_class(p, r)) continue;
        orm_instance_load_slot(p, st.slot, a);
        orm_value *key = key_values + i * r->npairs;
        bool has_null = false;
        for (size_t k = 0; k < r->npairs; k++) {
            key[k] = p->row[r->local[k]->index];
            has_null |= key[k].kind == ORM_V_NULL;
        }
        if (has_null) continue;
        uint64_t h = orm_values_hash(key, r->npairs);
        bool seen = false;
        for (keyed *e = st.buckets[h & (st.nbuckets - 1)]; e && !seen; e = e->next) {
            if (e->hash != h) continue;
            seen = true;
            for (size_t k = 0; k < r->npairs && seen; k++)
                seen = orm_value_eq(&e->parent->row[r->local[k]->index], &key[k]);
        }
        keyed *e = &entries[nentries++];
        *e = (keyed){p, h, st.buckets[h & (st.nbuckets - 1)]};
        st.buckets[h & (st.nbuckets - 1)] = e;
        if (!seen) keys[nkeys++] = key;
    }
    /* one statement per chunk; the same join plan for every chunk */
    const orm_dialect *d = orm_engine_dialect(L->s->engine);
    size_t chunk = ORM_SELECTIN_CHUNK;
    if ((size_t)d->max_params / (r->npairs + 1) < chunk) chunk = (size_t)d->max_params / (r->npairs + 1);
    orm_alias_seq seq = orm_alias_seq_start(m2m ? 2 : 1, L->s->scope);
    plan p = {0};
    plan_segments(a, &p, node->children, node->nchildren, -1, &seq);
    /* Each row is another child, each entry a parent whose slot was just
     * made empty, and a child has one key: it comes once per parent, but
     * through an association table (rows may repeat a pair), joined
     * segments (which may fill the same slot), or into slots loaded before
     * (a node that reads counts loads them again). */
    st.dedupe = m2m || p.n || node->ncounts;
    for (size_t from = 0; from < nkeys; from += chunk) {
        size_t to = from + chunk < nkeys ? from + chunk : nkeys;
        orm_select sel = {.from = r->target->table, .alias = 0, .cls = r->target};
        orm_row_columns(a, &sel, r->target->table, 0, true, node->fields, ranked); /* ranked: a derived table's */
        orm_alias_seq sub = seq;
        orm_join_ends ends = {.parent = ORM_JOIN_NO_PARENT, .target = 0, .secondary = 1};
        orm_rel_join j;
        orm_relationship_join(a, r, &ends, &sub, &j);
        int key_alias = 0;
        if (m2m) {
            key_alias = 1;
            sel.joins = RM_NEW(a, orm_join);
            sel.joins[0] = (orm_join){ORM_JOIN_INNER, r->secondary, 1, j.secondary_on, r, NULL};
            sel.njoins = 1;
            st.key_offset = sel.ncolumns;
            sel.columns = rm_arena_realloc(a, sel.columns, sel.ncolumns * sizeof *sel.columns,
                                           (sel.ncolumns + r->npairs) * sizeof *sel.columns);
            for (size_t k = 0; k < r->npairs; k++)
                sel.columns[sel.ncolumns++] = orm_expr_column(a, 1, r->sec_local[k]);
        }
        st.count_at = orm_count_columns(a, &sel, node->counts, node->ncounts, 0);
        sel.where = orm_expr_and(a, key_in(L, &st, key_alias, keys, from, to, chunk), j.target_where);
        int rc = apply_criteria(L, node, &sel, &sub, st.key_cols, key_alias);
        if (rc) return rc;
        apply_plan(L, &p, &sel, 0, &sub);
        orm_computed_expand(a, &sel, &sub);
        if ((rc = run_plan(L, &sel, r->target, &p, to - from, attach, &st, NULL))) return rc; /* a row a parent, say */
    }
    /* the next level: the distinct targets loaded */
    if (!node->nchildren) return 0;
    unsigned gen = ++L->map->generation;
    orm_instance **targets = NULL;
    size_t nt = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        orm_related *slot = orm_instance_related(parents[i], st.slot);
        for (size_t k = 0; slot && k < slot->n; k++) collect(a, gen, slot->items[k], &targets, &nt, &cap);
    }
    return finish_level(L, targets, nt, node->children, node->nchildren, &p, -1);
}

/* After a statement: descend into each include node at this level, through
 * the joined segments it produced (seg index `level`, -1 = base) or by
 * selectin. */
static int finish_level(lctx *L, orm_instance **insts, size_t n, const orm_include *inc, size_t ninc,
                        plan *p, int level)
{
    for (size_t i = 0; i < ninc; i++) {
        const orm_include *node = &inc[i];
        int rc = 0;
        int j = -1;
        for (size_t k = 0; p && k < p->n; k++)
            if (p->segs[k].node == node && p->segs[k].parent == level) j = (int)k;
        if (j >= 0) {
            /* parents that got no row still need an (empty) loaded slot */
            for (size_t k = 0; k < n; k++) orm_instance_load_slot(insts[k], node->rel, L->a);
            rc = finish_level(L, p->segs[j].loaded, p->segs[j].nloaded, node->children,
                              node->nchildren, p, j);
        } else if (n) {
            rc = selectin(L, node, insts, n);
        }
        if (rc) return rc;
    }
    return 0;
}

/* ---- entry points ------------------------------------------------------------- */

void orm_include_criteria(rm_arena *a, orm_include *node)
{
    if (!node->slot) {
        orm_relationship *own = RM_NEW(a, orm_relationship);
        *own = *node->rel; /* only its address is used: a slot key no mapper has */
        node->slot = own;
    }
    node->strategy = ORM_LAZY_SELECTIN;
}

const orm_related *orm_include_loaded(const orm_instance *inst, const orm_include *node)
{
    return orm_instance_related(inst, node->slot ? node->slot : node->rel);
}

typedef struct top_rows {
    orm_loaded *out;
    size_t cap, nextra, extra_at;
    const orm_query *q;     /* its related counts follow the extra columns */
    size_t keep;            /* rows to keep */
    orm_instance *last;     /* last base instance seen (joined rows repeat it) */
} top_rows;

static void add_top(lctx *L, orm_instance *base, const orm_value *row, void *ud)
{
    top_rows *t = ud;
    orm_loaded *out = t->out;
    if (t->last == base) return; /* joined rows repeat their parent */
    t->last = base;
    if (out->n >= t->keep) {
        out->more = true;
        return;
    }
    if (out->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 32;
        out->items = rm_arena_realloc(L->a, out->items, t->cap * sizeof *out->items, ncap * sizeof *out->items);
        t->cap = ncap;
    }
    out->items[out->n++] = base;
    if (t->nextra) {
        base->extra = RM_NEW_ARRAY(L->a, orm_value, t->nextra);
        for (size_t i = 0; i < t->nextra; i++) base->extra[i] = orm_value_copy(L->a, row[t->extra_at + i]);
    }
    if (t->q->ncounts) orm_count_record(L->a, base, t->q->counts, t->q->ncounts, row + t->extra_at + t->nextra);
}

int orm_load_query(orm_session *s, const orm_query *q, const orm_include *inc, size_t ninc,
                   orm_loaded *out)
{
    return orm_load_page(s, q, SIZE_MAX, inc, ninc, out);
}

int orm_load_page(orm_session *s, const orm_query *q, size_t keep, const orm_include *inc,
                  size_t ninc, orm_loaded *out)
{
    lctx L = {s, s->schema, &s->map, s->arena};
    rm_arena *a = s->arena;
    memset(out, 0, sizeof *out);
    const orm_table *t = q->mapper->table;
    orm_key_load kl;
    bool by_key = orm_key_load_spec(s, q, ninc, &kl);
    orm_compiled kc;
    if (by_key && orm_compile_find(orm_engine_dialect(s->engine), &kl.key, a, &kc)) {
        top_rows tr = {.out = out, .extra_at = t->ncolumns, .keep = keep, .q = q};
        plan none = {0};
        return run_compiled(&L, &kc, q->mapper, &none, 1, add_top, &tr);
    }
    orm_alias_seq seq = q->aliases;
    plan p = {0};
    plan_segments(a, &p, inc, ninc, -1, &seq);
    orm_select base;
    orm_query_select(q, a, &seq, &base);
    top_rows tr = {.out = out, .nextra = base.ncolumns - t->ncolumns - q->ncounts, .extra_at = t->ncolumns,
                   .keep = keep, .q = q};
    orm_select sel = base;
    if (p.to_many && (base.limit || base.offset)) {
        /* page the parents in a derived table, then join: LIMIT counts parents */
        orm_derive(a, t, &base, &sel);
        const orm_select *inner = sel.from_select;
        /* the same order outside, by the derived table's columns */
        size_t x = t->ncolumns;
        sel.order = RM_NEW_ARRAY(a, orm_order_item, base.norder);
        for (size_t i = 0; i < base.norder; i++) {
            orm_expr *e = base.order[i].expr;
            bool own = (e->op == ORM_OP_COLUMN || e->op == ORM_OP_COMPUTED) && e->u.col.alias == 0 &&
                       e->u.col.column->index >= 0; /* a related count is the derived table's extra column */
            if (own && inner->labels[e->u.col.column->index]) e = sel.columns[e->u.col.column->index];
            else if (own && e->op == ORM_OP_COMPUTED) e = orm_expr_column(a, 0, e->u.col.column); /* its label */
            sel.order[sel.norder++] = (orm_order_item){own ? e : sel.columns[x++], base.order[i].desc};
        }
    }
    apply_plan(&L, &p, &sel, 0, &seq);
    /* base came expanded (orm_query_select): again only what was added,
     * the joined rows' computed attributes, a derived table's order */
    if (p.n || sel.from_select) orm_computed_expand(a, &sel, &seq);
    if (!one_statement(inc, ninc)) orm_session_last(s, false); /* selectin statements follow */
    int rc = run_plan(&L, &sel, q->mapper, &p, q->limit > 0 ? (size_t)q->limit : 0, add_top, &tr,
                      by_key ? &kl : NULL);
    if (rc) return rc;
    return finish_level(&L, out->items, out->n, inc, ninc, &p, -1);
}

int orm_load_related(orm_session *s, orm_instance **parents, size_t n, const orm_include *inc,
                     size_t ninc)
{
    lctx L = {s, s->schema, &s->map, s->arena};
    orm_session_last(s, false); /* a statement per selectin node, maybe several */
    return finish_level(&L, parents, n, inc, ninc, NULL, -1);
}

/* Refresh insts[0..n) (one mapper, persistent, distinct) from one SELECT
 * of their keys. Rows are matched back to instances by key. */
static int refresh_batch(orm_session *s, orm_instance **insts, size_t n)
{
    rm_arena *a = s->arena;
    const orm_mapper *m = insts[0]->mapper;
    const orm_table *t = m->table;
    /* one column: an IN list of the keys; several: an OR of key equalities */
    orm_expr **items = RM_NEW_ARRAY(a, orm_expr *, n), *any = NULL;
    for (size_t i = 0; i < n; i++) {
        const orm_value *row = insts[i]->row;
        if (t->npk == 1) {
            items[i] = orm_expr_param(a, row[t->pk[0]->index], t->pk[0]);
            continue;
        }
        orm_value *pk = RM_NEW_ARRAY(a, orm_value, t->npk);
        for (size_t k = 0; k < t->npk; k++) pk[k] = row[t->pk[k]->index];
        any = orm_expr_or(a, any, orm_pk_where(a, m, 0, pk));
    }
    orm_expr *keys = t->npk > 1 ? any
                                : orm_expr_binary(a, ORM_OP_IN, orm_expr_column(a, 0, t->pk[0]), orm_expr_list(a, items, n));
    orm_query q;
    orm_query_init(&q, m, s->scope);
    q.where = keys;
    orm_result r;
    int rc = orm_query_all(s, &q, &r);
    if (rc) return rc;
    for (size_t j = 0; j < r.nrows; j++) {
        const orm_value *row = orm_result_row(&r, j);
        for (size_t i = 0; i < n; i++) {
            orm_instance *inst = insts[i];
            bool same = true;
            for (size_t k = 0; same && k < t->npk; k++)
                same = orm_value_eq(&inst->row[t->pk[k]->index], &row[t->pk[k]->index]);
            if (!same) continue;
            for (size_t k = 0; k < t->ncolumns; k++)
                if (t->columns[k].computed) inst->row[k] = inst->committed[k] = orm_value_copy(a, row[k]);
            break;
        }
    }
    return 0;
}

/* Rows per refreshing statement: well under every dialect's parameter limit
 * (room for the scope's own parameters). */
#define REFRESH_CHUNK 250

int orm_load_computed(orm_session *s, orm_instance **insts, size_t n)
{
    rm_arena *a = s->arena;
    /* the instances to refresh, grouped by mapper (first met first) */
    orm_instance **todo = RM_NEW_ARRAY(a, orm_instance *, n ? n : 1);
    bool *taken = RM_NEW_ARRAY(a, bool, n ? n : 1);
    size_t ntodo = 0;
    for (size_t i = 0; i < n; i++) taken[i] = insts[i]->state != ORM_PERSISTENT || !orm_table_has_computed(insts[i]->mapper->table);
    for (size_t i = 0; i < n; i++) {
        if (taken[i]) continue;
        size_t from = ntodo;
        for (size_t j = i; j < n; j++)
            if (!taken[j] && insts[j]->mapper == insts[i]->mapper) {
                taken[j] = true;
                todo[ntodo++] = insts[j];
            }
        for (size_t k = from; k < ntodo; k += REFRESH_CHUNK) {
            int rc = refresh_batch(s, todo + k, ntodo - k < REFRESH_CHUNK ? ntodo - k : REFRESH_CHUNK);
            if (rc) return rc;
        }
    }
    return 0;
}
