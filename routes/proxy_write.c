/* proxy_write.c: an association proxy's list in a POST/PUT/PATCH body
 * (SPEC §9): its values checked before any SQL, then, inside the unit,
 * the rows they name found: the targets of a many-to-many by their
 * (unique) attribute in one statement, the members of a one-to-many by
 * their value. write_plan.c creates the rest and links the collection as
 * it would a nested list of objects, so scope, permissions and cascades
 * are the same. */
#include <string.h>

#include "orm/convert.h"
#include "orm/lookup.h"
#include "routes/routes_int.h"

int rm_proxy_parse(rm_ctx *ctx, const orm_mapper *m, const orm_proxy *x, const json_t *obj, const json_t *v,
                   const char *ptr, rm_plan_proxy *out)
{
    const orm_relationship *r = x->through;
    const orm_column *c = x->attribute;
    memset(out, 0, sizeof *out);
    out->proxy = x;
    out->pointer = ptr;
    if (x->read_only) {
        orm_error_field(&ctx->err, ORM_E_INVALID, ptr, "is read-only: %s",
                        r->viewonly ? "its relationship is view-only"
                                    : "its attribute is not unique, so a value cannot name its row");
        return ORM_E_INVALID;
    }
    if (json_object_get(obj, r->name)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, ptr, "cannot be given with its relationship \"%s\" (%s)", r->name,
                        m->name);
        return ORM_E_INVALID;
    }
    if (!json_is_array(v)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, ptr, "must be an array of %s values", orm_type_name(c->type));
        return ORM_E_INVALID;
    }
    size_t n = json_array_size(v);
    out->values = RM_NEW_ARRAY(ctx->a, orm_value, n + 1);
    size_t before = orm_error_count(&ctx->err);
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(v, i);
        const char *p = rm_arena_sprintf(ctx->a, "%s/%zu", ptr, i);
        const char *msg = NULL;
        orm_value val;
        int rc = orm_value_from_json(c, item, ctx->a, &val, &msg);
        if (rc) {
            orm_error_field(&ctx->err, rc, p, "%s", msg);
            continue;
        }
        if (val.kind == ORM_V_NULL) {
            orm_error_field(&ctx->err, ORM_E_VALIDATION, p, "must not be null");
            continue;
        }
        size_t k = 0;
        while (k < out->n && !orm_value_eq(&out->values[k], &val)) k++;
        if (k < out->n) {
            orm_error_field(&ctx->err, ORM_E_VALIDATION, p, "repeats a value given earlier in the list");
            continue;
        }
        out->values[out->n++] = val;
    }
    return orm_error_count(&ctx->err) > before ? ctx->err.code : 0;
}

/* The many-to-many targets proxy lists created in one unit, by (table,
 * attribute value): a chained hash in the request arena. */
typedef struct made_row {
    const orm_column *attribute;
    orm_value value;
    uint64_t hash;
    orm_instance *inst;
    struct made_row *next;
} made_row;

struct rm_made_rows {
    const orm_uow *unit;       /* whose rows (a retried unit starts a new uow) */
    made_row **buckets;
    size_t nbuckets, n;
};

static made_row **made_bucket(struct rm_made_rows *m, uint64_t h) { return &m->buckets[h & (m->nbuckets - 1)]; }

static orm_instance *made_get(const rm_ctx *ctx, const orm_uow *u, const orm_column *c, const orm_value *v)
{
    struct rm_made_rows *m = ctx->made;
    if (!m || m->unit != u) return NULL;
    uint64_t h = orm_values_hash(v, 1);
    for (made_row *e = *made_bucket(m, h); e; e = e->next)
        if (e->hash == h && e->attribute == c && orm_value_eq(&e->value, v)) return e->inst;
    return NULL;
}

void rm_proxy_created(rm_ctx *ctx, orm_uow *u, const rm_plan_proxy *pp, size_t i, orm_instance *target)
{
    if (pp->proxy->through->direction != ORM_MANY_TO_MANY) return; /* a child belongs to one parent */
    struct rm_made_rows *m = ctx->made;
    if (!m || m->unit != u) {
        m = ctx->made = RM_NEW(ctx->a, struct rm_made_rows);
        m->unit = u;
        m->nbuckets = 64;
        m->buckets = RM_NEW_ARRAY(ctx->a, made_row *, m->nbuckets);
    }
    if (m->n >= m->nbuckets) { /* rehash into twice the buckets */
        made_row **old = m->buckets;
        size_t nold = m->nbuckets;
        m->nbuckets *= 2;
        m->buckets = RM_NEW_ARRAY(ctx->a, made_row *, m->nbuckets);
        for (size_t b = 0; b < nold; b++)
            for (made_row *e = old[b], *next; e; e = next) {
                next = e->next;
                e->next = *made_bucket(m, e->hash);
                *made_bucket(m, e->hash) = e;
            }
    }
    made_row *e = RM_NEW(ctx->a, made_row);
    *e = (made_row){pp->proxy->attribute, pp->values[i], orm_values_hash(&pp->values[i], 1), target, NULL};
    e->next = *made_bucket(m, e->hash);
    *made_bucket(m, e->hash) = e;
    m->n++;
}

/* items[i] = the instance among rows[0..nrows) whose attribute is value i. */
static void match(const orm_proxy *x, const rm_plan_proxy *pp, orm_instance **rows, size_t nrows,
                  orm_instance **items)
{
    size_t at = x->attribute->index;
    for (size_t i = 0; i < pp->n; i++)
        for (size_t k = 0; k < nrows && !items[i]; k++)
            if (orm_value_eq(&rows[k]->row[at], &pp->values[i])) items[i] = rows[k];
}

int rm_proxy_members(rm_ctx *ctx, orm_uow *u, const rm_plan_proxy *pp, orm_instance *inst, orm_instance ***items)
{
    const orm_proxy *x = pp->proxy;
    const orm_relationship *r = x->through;
    *items = RM_NEW_ARRAY(ctx->a, orm_instance *, pp->n + 1);
    if (r->direction == ORM_MANY_TO_MANY) {
        orm_loaded found;
        int rc = orm_lookup_in(u->s, r->target, x->attribute, pp->values, pp->n, &found);
        if (rc) return rc;
        match(x, pp, found.items, found.n, *items);
        for (size_t i = 0; i < pp->n; i++)
            if (!(*items)[i]) (*items)[i] = made_get(ctx, u, x->attribute, &pp->values[i]);
        return 0;
    }
    /* one-to-many: the current members (none for a new parent) */
    if (inst->state != ORM_PERSISTENT) return 0;
    if (!orm_instance_related(inst, r)) {
        orm_include node = {.rel = r, .strategy = ORM_LAZY_SELECTIN};
        int rc = orm_load_related(u->s, &inst, 1, &node, 1);
        if (rc) return rc;
    }
    const orm_related *cur = orm_instance_related(inst, r);
    match(x, pp, cur->items, cur->n, *items);
    return 0;
}
