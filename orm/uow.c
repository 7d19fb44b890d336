/* uow.c: building the unit of work's object graph: new, loaded, changed,
 * linked, unlinked and deleted instances; see uow.h. The flush is flush.c. */
#include "orm/uow.h"

#include <assert.h>
#include <string.h>

static void *grow_array(rm_arena *a, void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return p;
    size_t ncap = *cap ? *cap * 2 : 16;
    p = rm_arena_realloc(a, p, *cap * size, ncap * size);
    *cap = ncap;
    return p;
}

static void touch(orm_uow *u, orm_instance *inst)
{
    /* a read-only unit's instances have no unit-of-work fields (ORM_INSTANCE_LEAN) */
    assert(u->s->write || inst->state == ORM_PENDING);
    if (inst->touched) return; /* O(1): a bulk POST of many rows stays linear */
    inst->touched = true;
    u->objs = grow_array(u->a, u->objs, &u->capobjs, u->nobjs, sizeof *u->objs);
    u->objs[u->nobjs++] = inst;
}

orm_uow *orm_session_uow(orm_session *s)
{
    if (!s->uow) {
        s->uow = RM_NEW(s->arena, orm_uow);
        s->uow->s = s;
        s->uow->a = s->arena;
    }
    return s->uow;
}

orm_instance *orm_uow_new(orm_uow *u, const orm_mapper *m)
{
    orm_instance *inst = RM_NEW(u->a, orm_instance);
    inst->mapper = m;
    inst->state = ORM_PENDING;
    inst->row = RM_NEW_ARRAY(u->a, orm_value, m->table->ncolumns);
    inst->given = RM_NEW_ARRAY(u->a, bool, m->table->ncolumns);
    touch(u, inst);
    u->nnew++;
    return inst;
}

int orm_uow_get(orm_uow *u, const orm_mapper *m, const orm_value *pk, orm_instance **out)
{
    orm_instance *inst = orm_identity_map_get(&u->s->map, m->table, pk);
    if (!inst) {
        orm_value *row;
        int rc = orm_get(u->s, m, pk, &row);
        if (rc) return rc;
        inst = orm_identity_map_add(&u->s->map, m, row, NULL);
        inst->mapper = orm_schema_polymorphic(u->s->schema, m, inst->row);
    }
    *out = inst;
    return 0;
}

void orm_uow_set(orm_uow *u, orm_instance *inst, const orm_column *c, orm_value v)
{
    touch(u, inst); /* first: it checks the instance has the fields used next */
    inst->row[c->index] = orm_value_copy(u->a, v);
    if (inst->given) inst->given[c->index] = true;
}

/* The foreign-key side of rel between inst and target: which instance owns
 * the foreign key, and its columns. Many-to-many has none (association). */
static void fk_side(const orm_relationship *r, orm_instance *inst, orm_instance *target,
                    orm_link *out)
{
    memset(out, 0, sizeof *out);
    out->n = r->npairs;
    if (r->direction == ORM_ONE_TO_MANY) { /* target holds remote → inst.local */
        out->child = target;
        out->parent = inst;
        out->fk = r->remote;
        out->ref = r->local;
    } else {                               /* many-to-one: inst holds local → target.remote */
        out->child = inst;
        out->parent = target;
        out->fk = r->local;
        out->ref = r->remote;
    }
}

static void add_link(orm_uow *u, orm_link l)
{
    touch(u, l.child); /* first: it checks the instance has the fields used next */
    u->links = grow_array(u->a, u->links, &u->caplinks, u->nlinks, sizeof *u->links);
    l.next = l.child->link_head; /* each child chains its own links */
    u->links[u->nlinks++] = l;
    l.child->link_head = u->nlinks;
}

static void add_assoc(orm_uow *u, const orm_relationship *r, orm_instance *from, orm_instance *to, bool remove)
{
    u->assocs = grow_array(u->a, u->assocs, &u->capassocs, u->nassocs, sizeof *u->assocs);
    u->assocs[u->nassocs++] = (orm_assoc){r, from, to, remove};
}

/* Put target in inst's slot for r (a scalar slot holds one). */
static void slot_put(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_instance *target)
{
    orm_related *slot = orm_instance_load_slot(inst, r, u->a);
    if (!r->uselist) orm_related_clear(slot);
    orm_related_add(slot, target, u->a, true);
}

static void slot_drop(orm_instance *inst, const orm_relationship *r, orm_instance *target)
{
    orm_related *slot = orm_instance_related(inst, r);
    if (slot) orm_related_remove(slot, target);
}

/* The reverse side is kept in step when it is loaded or the object new. */
static bool reverse_known(const orm_instance *target, const orm_relationship *rev)
{
    return rev && (target->state == ORM_PENDING || orm_instance_related(target, rev));
}

void orm_uow_link(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_instance *target)
{
    slot_put(u, inst, r, target);
    if (reverse_known(target, r->reverse)) slot_put(u, target, r->reverse, inst);
    if (r->direction == ORM_MANY_TO_MANY) {
        add_assoc(u, r, inst, target, false);
        touch(u, inst);
        touch(u, target);
        return;
    }
    orm_link l;
    fk_side(r, inst, target, &l);
    add_link(u, l);
    touch(u, l.parent);
}

/* orm_uow_unlink; keep_slot leaves inst's own slot alone (its caller
 * rewrites it: removing members one by one would be O(n^2)). */
static int unlink(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_instance *target, bool keep_slot)
{
    if (!keep_slot) slot_drop(inst, r, target);
    if (r->reverse) slot_drop(target, r->reverse, inst);
    if (r->direction == ORM_MANY_TO_MANY) {
        add_assoc(u, r, inst, target, true);
        return 0;
    }
    if (r->direction == ORM_ONE_TO_MANY && (r->cascade & ORM_CASCADE_DELETE_ORPHAN)) {
        orm_uow_delete(u, target);
        return 0;
    }
    orm_link l;
    fk_side(r, inst, target, &l);
    l.parent = NULL; /* clear the foreign key */
    add_link(u, l);
    return 0;
}

int orm_uow_unlink(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_instance *target)
{
    return unlink(u, inst, r, target, false);
}

/* The current members of inst.rel, loading them when the slot is not. */
static int current_members(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_related **out)
{
    if (!orm_instance_related(inst, r) && inst->state == ORM_PERSISTENT) {
        orm_include node = {.rel = r, .strategy = ORM_LAZY_SELECTIN};
        int rc = orm_load_related(u->s, &inst, 1, &node, 1);
        if (rc) return rc;
    }
    *out = orm_instance_load_slot(inst, r, u->a);
    return 0;
}

int orm_uow_replace(orm_uow *u, orm_instance *inst, const orm_relationship *r, orm_instance **items,
                    size_t n)
{
    orm_related *slot;
    int rc = current_members(u, inst, r, &slot);
    if (rc) return rc;
    /* membership both ways by generation marks (O(n), not O(n * current));
     * nothing below loads rows, so no loader reuses the marks meanwhile */
    size_t ncur = slot->n;
    orm_instance **cur = RM_NEW_ARRAY(u->a, orm_instance *, ncur + 1);
    if (ncur) memcpy(cur, slot->items, ncur * sizeof *cur);
    unsigned in_items = ++u->s->map.generation;
    for (size_t k = 0; k < n; k++) items[k]->mark = in_items;
    for (size_t i = 0; i < ncur; i++)
        if (cur[i]->mark != in_items && (rc = unlink(u, inst, r, cur[i], true))) return rc;
    unsigned in_cur = ++u->s->map.generation;
    for (size_t i = 0; i < ncur; i++) cur[i]->mark = in_cur;
    for (size_t k = 0; k < n; k++)
        if (items[k]->mark != in_cur) orm_uow_link(u, inst, r, items[k]);
    /* the collection's order is the body's */
    slot = orm_instance_load_slot(inst, r, u->a);
    orm_related_clear(slot);
    for (size_t k = 0; k < n; k++) orm_related_add(slot, items[k], u->a, true);
    return 0;
}

int orm_uow_fit(orm_uow *u, const orm_relationship *r, orm_instance *target)
{
    if (!r->where.expr) return 0;
    if (!r->where_settable)
        return orm_error_set(u->s->err, ORM_E_VALIDATION,
                             "%s.%s reaches only the rows its join \"where\" selects, and writing through it "
                             "cannot make a row so (only column = value conditions can be set)",
                             r->parent->name, r->name);
    for (size_t k = 0; k < r->nwhere_sets; k++) {
        const orm_column *c = r->where_cols[k];
        const orm_value *want = &r->where_vals[k], *cur = &target->row[c->index];
        if (orm_value_eq(cur, want)) continue;
        bool given = target->state == ORM_PENDING ? target->given && target->given[c->index]
                                                  : target->committed && !orm_value_eq(cur, &target->committed[c->index]);
        if (given)
            return orm_error_set(u->s->err, ORM_E_VALIDATION, "\"%s\" must be %s in %s.%s (its join \"where\")",
                                 c->name, orm_value_repr(u->a, want), r->parent->name, r->name);
        orm_uow_set(u, target, c, *want);
    }
    return 0;
}

void orm_uow_delete(orm_uow *u, orm_instance *inst)
{
    if (inst->state == ORM_PERSISTENT) u->ndeleted++;
    inst->state = inst->state == ORM_PENDING ? ORM_TRANSIENT : ORM_DELETED;
    touch(u, inst);
}

int orm_uow_check_size(orm_uow *u)
{
    if (u->nnew + u->s->map.count <= ORM_MAX_UNIT_OBJECTS) return 0;
    return orm_error_set(u->s->err, ORM_E_TOO_LARGE,
                         "the request would write more than %d objects (the limit of one request): "
                         "send them in several requests", ORM_MAX_UNIT_OBJECTS);
}

void orm_uow_locate(orm_uow *u, const orm_instance *inst, const char *pointer)
{
    u->located = grow_array(u->a, u->located, &u->caplocated, u->nlocated, sizeof *u->located);
    u->located[u->nlocated++] = (orm_located){inst, pointer};
}

const char *orm_uow_pointer(const orm_uow *u, const orm_instance *inst)
{
    for (size_t i = u->nlocated; i-- > 0;) /* once, when a row fails: linear is enough */
        if (u->located[i].inst == inst) return u->located[i].pointer;
    return "";
}
