/* write_plan.c: a write request's body → a plan (SPEC §3 nested writes),
 * then the plan → instances in the unit of work.
 *
 * Parsing is pure and happens before any SQL: every column is validated,
 * every relationship key checked, and each nested object classified as new
 * (no key: created), a reference (only its key: linked) or an update (key
 * and fields: that row updated). Building runs inside the unit: references
 * and updates are loaded (a missing one is 422 at its pointer), new
 * objects become pending instances, and relationships are linked (create)
 * or replaced (PUT/PATCH, and nested updates). */
#include <string.h>

#include "orm/convert.h"
#include "routes/routes_int.h"

#define MAX_NESTING 32

/* prefix + "/" + the n bytes of token. */
static const char *join_ptr(rm_arena *a, const char *prefix, const char *token, size_t n)
{
    size_t np = strlen(prefix);
    char *p = rm_arena_alloc(a, np + n + 2);
    memcpy(p, prefix, np);
    p[np] = '/';
    memcpy(p + np + 1, token, n);
    p[np + 1 + n] = '\0';
    return p;
}

static const char *child_ptr(rm_arena *a, const char *prefix, const char *key)
{
    return join_ptr(a, prefix, key, strlen(key));
}

const char *rm_index_pointer(rm_arena *a, const char *prefix, size_t i)
{
    char num[24], *end = num + sizeof num, *d = end;
    do *--d = (char)('0' + i % 10); while (i /= 10);
    return join_ptr(a, prefix, d, (size_t)(end - d));
}

/* A nested object's kind: all key columns present and non-null → a
 * reference when that is all it holds, else an update. */
static rm_plan_kind classify(const orm_mapper *m, const json_t *obj)
{
    const orm_table *t = m->table;
    for (size_t i = 0; i < t->npk; i++) {
        json_t *v = json_object_get(obj, t->pk[i]->name);
        if (!v || json_is_null(v)) return RM_PLAN_NEW;
    }
    return json_object_size(obj) == t->npk ? RM_PLAN_REF : RM_PLAN_UPDATE;
}

/* The key values of a reference/update (validated like URL keys). */
static int plan_key(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, const char *prefix, orm_value **out)
{
    const orm_table *t = m->table;
    orm_value *key = RM_NEW_ARRAY(ctx->a, orm_value, t->npk);
    for (size_t i = 0; i < t->npk; i++) {
        const char *msg;
        int rc = orm_value_parse_json(t->pk[i], json_object_get(obj, t->pk[i]->name), ctx->a, &key[i], &msg);
        if (rc) {
            orm_error_field(&ctx->err, ORM_E_INVALID, child_ptr(ctx->a, prefix, t->pk[i]->name), "%s", msg);
            return ORM_E_INVALID;
        }
    }
    *out = key;
    return 0;
}

/* Columns that relationships present in obj will fill: for a one-to-many
 * from the parent, the child's foreign key (`via`); for a many-to-one in
 * obj, obj's own foreign key. */
static bool *implied_columns(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, const orm_relationship *via)
{
    bool *imp = RM_NEW_ARRAY(ctx->a, bool, m->table->ncolumns);
    if (via && via->direction == ORM_ONE_TO_MANY)
        for (size_t k = 0; k < via->npairs; k++) imp[via->remote[k]->index] = true;
    if (via) /* what its join "where" fixes (orm_uow_fit sets them) */
        for (size_t k = 0; k < via->nwhere_sets; k++) imp[via->where_cols[k]->index] = true;
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)obj, name, v) {
        const orm_relationship *r = rm_relationship(ctx, m, name);
        if (r && r->direction == ORM_MANY_TO_ONE && !json_is_null(v))
            for (size_t k = 0; k < r->npairs; k++) imp[r->local[k]->index] = true;
    }
    return imp;
}

/* A new object with no parent through a delete-orphan relationship would be
 * a pending orphan: SQLAlchemy refuses it, and so does restmap (422). */
static void check_orphan(rm_ctx *ctx, const orm_mapper *m, const rm_plan *p, const orm_relationship *via)
{
    const orm_schema *s = ctx->app->schema;
    for (size_t i = 0; i < s->nmappers; i++)
        for (size_t j = 0; j < s->mappers[i]->nrelationships; j++) {
            const orm_relationship *r = &s->mappers[i]->relationships[j];
            /* a self-referential tree has roots: they are nobody's orphans */
            if (r->target->table != m->table || r->direction != ORM_ONE_TO_MANY ||
                !(r->cascade & ORM_CASCADE_DELETE_ORPHAN) || r == via || r->parent->table == m->table)
                continue;
            bool has_parent = false;
            for (size_t k = 0; k < r->npairs; k++)
                has_parent |= p->in.given[r->remote[k]->index] &&
                              p->in.values[r->remote[k]->index].kind != ORM_V_NULL;
            for (size_t k = 0; k < p->nrels; k++) has_parent |= p->rels[k].rel == r->reverse && p->rels[k].n;
            if (!has_parent)
                orm_error_field(&ctx->err, ORM_E_VALIDATION, child_ptr(ctx->a, p->pointer, r->remote[0]->name),
                                "a new %s needs its %s (%s.%s is delete-orphan)", m->name, r->parent->name,
                                r->parent->name, r->name);
        }
}

static int parse_object(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, rm_write_mode mode,
                        const char *prefix, const orm_value *url_key, const orm_relationship *via,
                        int depth, rm_plan **out);

static int parse_relationship(rm_ctx *ctx, const orm_relationship *r, const json_t *v, const char *ptr,
                              int depth, rm_plan_rel *out)
{
    out->rel = r;
    if (r->viewonly) {
        orm_error_field(&ctx->err, ORM_E_INVALID, ptr, "is view-only: write through the relationship it reads");
        return ORM_E_INVALID;
    }
    if (r->uselist) {
        if (!json_is_array(v)) {
            orm_error_field(&ctx->err, ORM_E_INVALID, ptr, "must be an array of objects");
            return ORM_E_INVALID;
        }
        out->n = json_array_size(v);
    } else {
        if (!json_is_object(v) && !json_is_null(v)) {
            orm_error_field(&ctx->err, ORM_E_INVALID, ptr, "must be an object or null");
            return ORM_E_INVALID;
        }
        out->n = json_is_null(v) ? 0 : 1;
    }
    out->items = RM_NEW_ARRAY(ctx->a, rm_plan *, out->n + 1);
    for (size_t i = 0; i < out->n; i++) {
        const json_t *item = r->uselist ? json_array_get(v, i) : v;
        const char *p = r->uselist ? rm_index_pointer(ctx->a, ptr, i) : ptr;
        if (!json_is_object(item)) {
            orm_error_field(&ctx->err, ORM_E_INVALID, p, "must be an object");
            continue;
        }
        parse_object(ctx, r->target, item, RM_WRITE_CREATE, p, NULL, r, depth + 1, &out->items[i]);
    }
    return 0;
}

/* An association proxy's list (proxy_write.c checks the values), and for
 * each value the row it would create: a nested object holding only the
 * attribute, parsed as any nested create through the relationship. Whether
 * that row is needed is known only in the unit, so its problems (a column
 * the row needs besides the attribute) are kept, not reported, here. */
static void parse_proxy(rm_ctx *ctx, const orm_mapper *m, const orm_proxy *x, const json_t *obj, const json_t *v,
                        const char *ptr, int depth, rm_plan *p)
{
    rm_plan_proxy pp;
    if (rm_proxy_parse(ctx, m, x, obj, v, ptr, &pp)) return;
    pp.news = RM_NEW_ARRAY(ctx->a, rm_plan *, pp.n + 1);
    pp.refused = RM_NEW_ARRAY(ctx->a, const char *, pp.n + 1);
    for (size_t i = 0; i < pp.n; i++) {
        json_t *row = json_object();
        json_object_set(row, x->attribute->name, json_array_get(v, i));
        orm_error outer = ctx->err;
        orm_error_init(&ctx->err, ctx->a);
        const char *vp = rm_index_pointer(ctx->a, ptr, i);
        /* as a top object (depth 0): always a create, even when the attribute is the key */
        parse_object(ctx, x->through->target, row, RM_WRITE_CREATE, vp, NULL, x->through, 0, &pp.news[i]);
        if (orm_error_count(&ctx->err) && ctx->err.nfields) /* "/code is required" */
            pp.refused[i] = rm_arena_sprintf(ctx->a, "a new %s for this value: %s %s", x->through->target->name,
                                             ctx->err.fields[0].pointer + strlen(vp), ctx->err.fields[0].message);
        else if (orm_error_count(&ctx->err) || ctx->err.code)
            pp.refused[i] = rm_arena_sprintf(ctx->a, "a new %s for this value: %s", x->through->target->name,
                                             ctx->err.detail);
        ctx->err = outer;
        json_decref(row);
    }
    p->proxies = rm_arena_realloc(ctx->a, p->proxies, p->nproxies * sizeof *p->proxies,
                                  (p->nproxies + 1) * sizeof *p->proxies);
    p->proxies[p->nproxies++] = pp;
}

static int parse_object(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, rm_write_mode mode,
                        const char *prefix, const orm_value *url_key, const orm_relationship *via,
                        int depth, rm_plan **out)
{
    rm_plan *p = RM_NEW(ctx->a, rm_plan);
    *out = p;
    p->mapper = m;
    p->pointer = prefix;
    p->nested = depth > 0;
    if (depth > MAX_NESTING) {
        orm_error_field(&ctx->err, ORM_E_INVALID, prefix, "nested more than %d levels", MAX_NESTING);
        return ORM_E_INVALID;
    }
    p->kind = depth == 0 ? (url_key ? RM_PLAN_UPDATE : RM_PLAN_NEW) : classify(m, obj);
    if (p->kind == RM_PLAN_REF) return plan_key(ctx, m, obj, prefix, &p->key);
    if (p->kind == RM_PLAN_UPDATE && depth > 0) {
        if (plan_key(ctx, m, obj, prefix, &p->key)) return ORM_E_INVALID;
        url_key = p->key;
        mode = RM_WRITE_UPDATE;
    }
    if (depth == 0 && url_key) p->key = (orm_value *)url_key;
    p->mode = mode;
    rm_decode_row(ctx, m, obj, mode, prefix, url_key, implied_columns(ctx, m, obj, via), &p->in);
    /* relationship keys */
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)obj, name, v) {
        const orm_relationship *r = rm_relationship(ctx, m, name);
        const orm_proxy *x = r ? NULL : rm_proxy(ctx, m, name); /* most keys are neither: no column look-up */
        if (x && !orm_table_column(m->table, name)) parse_proxy(ctx, m, x, obj, v, child_ptr(ctx->a, prefix, name), depth, p);
        if (!r || orm_table_column(m->table, name)) continue;
        const char *ptr = child_ptr(ctx->a, prefix, name);
        p->rels = rm_arena_realloc(ctx->a, p->rels, p->nrels * sizeof *p->rels, (p->nrels + 1) * sizeof *p->rels);
        rm_plan_rel *pr = &p->rels[p->nrels++];
        memset(pr, 0, sizeof *pr);
        parse_relationship(ctx, r, v, ptr, depth, pr);
    }
    if (p->kind == RM_PLAN_NEW && !orm_error_count(&ctx->err)) check_orphan(ctx, m, p, via);
    return orm_error_count(&ctx->err) ? ctx->err.code : 0;
}

/* The role's permissions for what a plan's nested objects do (access.c):
 * a new row needs create on its resource, a change to an existing one
 * update; a link needs only that the role sees the resource, which the
 * scope settled when the key was read. The top object is the router's. */
static int authorize_nested(rm_ctx *ctx, const rm_plan *p)
{
    if (p->nested && p->kind != RM_PLAN_REF) {
        int rc = rm_require(ctx, rm_resource_of(p->mapper), p->kind == RM_PLAN_NEW ? RM_PERM_CREATE : RM_PERM_UPDATE);
        if (rc) return rc;
    }
    for (size_t k = 0; k < p->nrels; k++)
        for (size_t i = 0; i < p->rels[k].n; i++) {
            int rc = p->rels[k].items[i] ? authorize_nested(ctx, p->rels[k].items[i]) : 0;
            if (rc) return rc;
        }
    return 0;
}

int rm_parse_write(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, rm_write_mode mode,
                   const char *prefix, const orm_value *url_key, rm_plan **out)
{
    if (!json_is_object(obj)) {
        *out = NULL;
        orm_error_field(&ctx->err, ORM_E_INVALID, prefix, "must be a JSON object");
        return ORM_E_INVALID;
    }
    int rc = parse_object(ctx, m, obj, mode, prefix, url_key, NULL, 0, out);
    return rc ? rc : authorize_nested(ctx, *out);
}

int rm_parse_member(rm_ctx *ctx, const orm_relationship *r, const json_t *obj, rm_plan **out)
{
    if (!json_is_object(obj)) {
        *out = NULL;
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "must be a JSON object");
        return ORM_E_INVALID;
    }
    int rc = parse_object(ctx, r->target, obj, RM_WRITE_CREATE, "", NULL, r, 1, out);
    return rc ? rc : authorize_nested(ctx, *out);
}

/* ---- building ---------------------------------------------------------------- */

int rm_fit(rm_ctx *ctx, orm_uow *u, const orm_relationship *r, orm_instance *target, const char *pointer)
{
    int rc = orm_uow_fit(u, r, target);
    if (rc != ORM_E_VALIDATION) return rc;
    char detail[sizeof ctx->err.detail];
    memcpy(detail, ctx->err.detail, sizeof detail);
    ctx->err.code = 0;
    orm_error_field(&ctx->err, ORM_E_VALIDATION, pointer, "%s", detail);
    return ORM_E_VALIDATION;
}

/* inst.rel becomes items: linked on a new object, replaced on an existing one. */
static int set_collection(orm_uow *u, const rm_plan *p, orm_instance *inst, const orm_relationship *r,
                          orm_instance **items, size_t n)
{
    if (p->kind != RM_PLAN_NEW) return orm_uow_replace(u, inst, r, items, n);
    for (size_t i = 0; i < n; i++) orm_uow_link(u, inst, r, items[i]);
    return 0;
}

/* A proxy's list: the rows its values name (proxy_write.c), the missing
 * ones created as nested creates (the role needs create on the target),
 * then the collection set as a nested list would be. */
static int build_proxy(rm_ctx *ctx, orm_uow *u, const rm_plan *p, const rm_plan_proxy *pp, orm_instance *inst)
{
    const orm_relationship *r = pp->proxy->through;
    orm_instance **items;
    int rc = rm_proxy_members(ctx, u, pp, inst, &items);
    for (size_t i = 0; !rc && i < pp->n; i++) {
        if (items[i]) continue;
        if (pp->refused[i]) {
            orm_error_field(&ctx->err, ORM_E_VALIDATION, pp->news[i]->pointer, "%s", pp->refused[i]);
            return ORM_E_VALIDATION;
        }
        if ((rc = rm_require(ctx, rm_resource_of(r->target), RM_PERM_CREATE)) ||
            (rc = rm_build(ctx, u, pp->news[i], &items[i])))
            return rc;
        rm_proxy_created(ctx, u, pp, i, items[i]);
    }
    for (size_t i = 0; !rc && i < pp->n; i++) rc = rm_fit(ctx, u, r, items[i], pp->news[i]->pointer);
    return rc ? rc : set_collection(u, p, inst, r, items, pp->n);
}

int rm_build(rm_ctx *ctx, orm_uow *u, const rm_plan *p, orm_instance **out)
{
    const orm_mapper *m = p->mapper;
    const orm_table *t = m->table;
    orm_instance *inst;
    int rc;
    if ((rc = orm_uow_check_size(u))) return rc; /* stop building past the bound */
    if (p->kind == RM_PLAN_NEW) {
        inst = orm_uow_new(u, m);
    } else {
        rc = orm_uow_get(u, m, p->key, &inst);
        if (rc == ORM_E_NOT_FOUND && p->nested) {
            /* a nested reference to a row that does not exist */
            ctx->err.code = 0;
            orm_error_field(&ctx->err, ORM_E_VALIDATION, p->pointer, "no %s with that key", m->name);
            return ORM_E_VALIDATION;
        }
        if (rc) return rc;
    }
    *out = inst;
    if (p->kind == RM_PLAN_REF) return 0;
    orm_uow_locate(u, inst, p->pointer); /* where a check it breaks at flush points */
    const orm_column *vc = m->version_col;
    if (p->in.has_version && vc && inst->committed && !orm_value_eq(&inst->committed[vc->index], &p->in.version))
        return orm_error_set(&ctx->err, ORM_E_STALE,
                             "%s is at version %lld, not %lld: it was changed by someone else", m->name,
                             (long long)inst->committed[vc->index].u.i, (long long)p->in.version.u.i);
    for (size_t i = 0; i < t->ncolumns; i++)
        if (p->in.given[i]) orm_uow_set(u, inst, &t->columns[i], p->in.values[i]);
    for (size_t k = 0; k < p->nrels; k++) {
        const rm_plan_rel *pr = &p->rels[k];
        orm_instance **items = RM_NEW_ARRAY(ctx->a, orm_instance *, pr->n + 1);
        for (size_t i = 0; i < pr->n; i++) {
            if ((rc = rm_build(ctx, u, pr->items[i], &items[i]))) return rc;
            if ((rc = rm_fit(ctx, u, pr->rel, items[i], pr->items[i]->pointer))) return rc;
        }
        if ((rc = set_collection(u, p, inst, pr->rel, items, pr->n))) return rc;
    }
    for (size_t k = 0; k < p->nproxies; k++)
        if ((rc = build_proxy(ctx, u, p, &p->proxies[k], inst))) return rc;
    return 0;
}

/* Whether name is one of the comma-separated names of list. */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !memcmp(p, name, n)) return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* The objects of p's tree that wrote a column of err's unique violation:
 * counted in *n, the first one's pointer and column kept. */
static void conflict_writers(const rm_plan *p, const orm_error *err, const rm_plan **at, const orm_column **col, size_t *n)
{
    if (!p || p->kind == RM_PLAN_REF) return;
    const orm_table *t = p->mapper->table;
    for (size_t i = 0; p->in.given && !strcmp(t->name, err->conflict_table) && i < t->ncolumns; i++) {
        if (!p->in.given[i] || !listed(err->conflict_columns, t->columns[i].sql_name)) continue;
        if (!(*n)++) {
            *at = p;
            *col = &t->columns[i];
        }
        break;
    }
    for (size_t k = 0; k < p->nrels; k++)
        for (size_t i = 0; i < p->rels[k].n; i++) conflict_writers(p->rels[k].items[i], err, at, col, n);
}

int rm_point_conflict(rm_ctx *ctx, rm_plan *const *plans, size_t n, int rc)
{
    orm_error *err = &ctx->err;
    if (rc != ORM_E_CONFLICT || !err->conflict_columns[0]) return rc;
    const rm_plan *at = NULL;
    const orm_column *col = NULL;
    size_t found = 0;
    for (size_t i = 0; i < n; i++) conflict_writers(plans[i], err, &at, &col, &found);
    if (found == 1)
        orm_error_field(err, ORM_E_CONFLICT, rm_pointer_child(ctx->a, at->pointer, col->name),
                        "another %s has this %s", at->mapper->name, col->name);
    return rc;
}

/* The include tree of what the body wrote (to embed it in the answer),
 * merged into inc; true when a node was added or made shown. */
static bool merge_written(rm_arena *a, const rm_plan *p, orm_include **nodes, size_t *n)
{
    bool widened = false;
    for (size_t k = 0; p && k < p->nrels; k++) {
        const orm_relationship *r = p->rels[k].rel;
        if (r->lazy == ORM_LAZY_DYNAMIC || r->lazy == ORM_LAZY_NOLOAD) continue; /* never embedded */
        orm_include *node = NULL;
        for (size_t i = 0; i < *n; i++)
            if ((*nodes)[i].rel == r) node = &(*nodes)[i];
        if (node && node->unshown) { /* loaded for a proxy: now shown too */
            node->unshown = false;
            widened = true;
        }
        if (!node) {
            *nodes = rm_arena_realloc(a, *nodes, *n * sizeof **nodes, (*n + 1) * sizeof **nodes);
            node = &(*nodes)[(*n)++];
            memset(node, 0, sizeof *node);
            node->rel = r;
            node->strategy = ORM_LAZY_SELECTIN;
            widened = true;
        }
        for (size_t i = 0; i < p->rels[k].n; i++)
            widened |= merge_written(a, p->rels[k].items[i], &node->children, &node->nchildren);
    }
    return widened;
}

bool rm_include_written(rm_ctx *ctx, const rm_plan *p, rm_include *inc)
{
    bool widened = merge_written(ctx->a, p, &inc->nodes, &inc->n);
    rm_proxy_includes_below(ctx, inc->nodes, inc->n, inc); /* the proxies of the rows it embeds */
    return widened;
}
