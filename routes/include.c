/* include.c: ?include=author,keywords,author.addresses → an include tree
 * for the ORM loader (SPEC §4): depth at most 3; noload relationships
 * cannot be included, nor dynamic ones unless limit[PATH] bounds them
 * (SPEC §10 C, rm_include_check_bounded); each node loads with its
 * relationship's strategy when that is joined or selectin, else selectin.
 * Without ?include, the schema's eager relationships (joined, selectin) are
 * embedded, following eager relationships of the targets too, up to depth
 * 3 and never straight back over the relationship just followed. */
#include <stdarg.h>
#include <string.h>

#include "routes/routes_int.h"

#define MAX_INCLUDE_DEPTH 3

static orm_lazy strategy_of(const orm_relationship *r)
{
    return r->lazy == ORM_LAZY_JOINED ? ORM_LAZY_JOINED : ORM_LAZY_SELECTIN;
}

/* The child of (nodes, n) for r, appended when missing. */
static orm_include *child_for(rm_arena *a, orm_include **nodes, size_t *n, const orm_relationship *r)
{
    for (size_t i = 0; i < *n; i++)
        if ((*nodes)[i].rel == r) return &(*nodes)[i];
    *nodes = rm_arena_realloc(a, *nodes, *n * sizeof **nodes, (*n + 1) * sizeof **nodes);
    orm_include *c = &(*nodes)[(*n)++];
    memset(c, 0, sizeof *c);
    c->rel = r;
    c->strategy = strategy_of(r);
    return c;
}

static int bad_include(rm_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad_include(rm_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = rm_arena_vsprintf(ctx->a, fmt, ap);
    va_end(ap);
    orm_error_field(&ctx->err, ORM_E_INVALID, rm_param_pointer(ctx, "include"), "%s", msg);
    return ORM_E_INVALID;
}

/* Add one dotted path ("author.addresses") to the tree. Children arrays are
 * reallocated as paths are added, so nodes are found again from the root. */
static int add_path(rm_ctx *ctx, const orm_mapper *m, char *path, rm_include *inc)
{
    orm_include **nodes = &inc->nodes;
    size_t *n = &inc->n;
    int depth = 0;
    size_t len = strlen(path);
    if (!len || path[0] == '.' || path[len - 1] == '.' || strstr(path, ".."))
        return bad_include(ctx, "\"%s\": an empty relationship name", path);
    for (char *save = NULL, *name = strtok_r(path, ".", &save); name; name = strtok_r(NULL, ".", &save)) {
        if (++depth > MAX_INCLUDE_DEPTH) return bad_include(ctx, "\"%s\": include paths are at most 3 deep", name);
        const orm_relationship *r = rm_relationship(ctx, m, name);
        const orm_proxy *x = r ? NULL : rm_proxy(ctx, m, name);
        if (x)
            return bad_include(ctx, "\"%s\" is an association proxy, shown without include: include its "
                               "relationship \"%s\" to embed the %s rows", name, x->through->name,
                               x->through->target->name);
        if (!r) return bad_include(ctx, "unknown relationship \"%s\"", name);
        if (r->lazy == ORM_LAZY_NOLOAD)
            return bad_include(ctx, "\"%s\" is a noload relationship: use its sub-resource", name);
        orm_include *c = child_for(ctx->a, nodes, n, r);
        nodes = &c->children;
        n = &c->nchildren;
        m = r->target;
    }
    if (!depth) return bad_include(ctx, "an empty relationship path");
    return 0;
}

int rm_parse_include(rm_ctx *ctx, const orm_mapper *m, const char *spec, rm_include *out)
{
    memset(out, 0, sizeof *out);
    out->scope = ctx->session.scope;
    out->mapper = m;
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *path = strtok_r(copy, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
        int rc = add_path(ctx, m, path, out);
        if (rc) return rc;
    }
    return 0;
}

static void add_defaults(rm_arena *a, const orm_scope *sc, const orm_mapper *m, const orm_relationship *via,
                         int depth, orm_include **nodes, size_t *n)
{
    if (depth > MAX_INCLUDE_DEPTH) return;
    for (const orm_mapper *mm = m; mm; mm = mm->inherits)
        for (size_t i = 0; i < mm->nrelationships; i++) {
            const orm_relationship *r = &mm->relationships[i];
            if (r->lazy != ORM_LAZY_JOINED && r->lazy != ORM_LAZY_SELECTIN) continue;
            if (via && (r == via->reverse || r->reverse == via)) continue;
            if (!orm_scope_visible(sc, r->target)) continue; /* the role may not read it */
            orm_include *c = child_for(a, nodes, n, r);
            add_defaults(a, sc, r->target, r, depth + 1, &c->children, &c->nchildren);
        }
}

void rm_default_include(rm_ctx *ctx, const orm_mapper *m, rm_include *out)
{
    memset(out, 0, sizeof *out);
    out->scope = ctx->session.scope;
    out->mapper = m;
    add_defaults(ctx->a, out->scope, m, NULL, 1, &out->nodes, &out->n);
}

/* fields[path]=a,b: the node for path in the tree (one the client sees), or NULL. */
static const orm_include *find_node(const rm_include *inc, const orm_mapper *m, const char *path, rm_arena *a)
{
    const orm_include *nodes = inc->nodes, *found = NULL;
    size_t n = inc->n;
    char *copy = rm_arena_strdup(a, path), *save = NULL;
    for (char *name = strtok_r(copy, ".", &save); name; name = strtok_r(NULL, ".", &save)) {
        const orm_relationship *r = orm_mapper_relationship(m, name);
        found = NULL;
        for (size_t i = 0; r && i < n; i++)
            if (nodes[i].rel == r && !nodes[i].unshown) found = &nodes[i]; /* not one a proxy loads */
        if (!found) return NULL;
        nodes = found->children;
        n = found->nchildren;
        m = r->target;
    }
    return found;
}

const orm_include *rm_include_node(const rm_include *inc, const orm_mapper *m, const char *path, rm_arena *a)
{
    return find_node(inc, m, path, a);
}

int rm_parse_rel_fields(rm_ctx *ctx, const orm_mapper *m, const char *path, const char *spec,
                        const char *param, rm_include *inc)
{
    const orm_include *node = find_node(inc, m, path, ctx->a);
    if (!node) {
        return rm_bad_param(ctx, param, "\"%s\" is not an included relationship", path);
    }
    const orm_table *t = node->rel->target->table;
    bool *fields = RM_NEW_ARRAY(ctx->a, bool, t->ncolumns);
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        const orm_column *c = orm_mapper_column(node->rel->target, key, ORM_COL_READ);
        const orm_proxy *x = c ? NULL : rm_proxy(ctx, node->rel->target, key);
        if (x) {
            rm_proxy_pick_add(ctx, inc, node, x);
            continue;
        }
        if (!c) return rm_bad_param(ctx, param, "unknown column \"%s\"", key);
        fields[c->index] = true;
    }
    inc->views = rm_arena_realloc(ctx->a, inc->views, inc->nviews * sizeof *inc->views,
                                  (inc->nviews + 1) * sizeof *inc->views);
    inc->views[inc->nviews++] = (rm_view){node, fields};
    rm_proxy_prune(inc, (orm_include *)node);
    return 0;
}

const bool *rm_view_fields(const rm_include *inc, const orm_include *node)
{
    for (size_t i = 0; inc && i < inc->nviews; i++)
        if (inc->views[i].node == node) return inc->views[i].fields;
    return NULL;
}

orm_include *rm_include_criteria_node(rm_ctx *ctx, const orm_mapper *m, const char *path, const char *param,
                                      rm_include *inc)
{
    const orm_include *node = find_node(inc, m, path, ctx->a);
    if (!node) {
        rm_bad_param(ctx, param, "\"%s\" is not an included relationship (name it in include)", path);
        return NULL;
    }
    if (!node->rel->uselist) {
        rm_bad_param(ctx, param, "\"%s\" is a to-one relationship: criteria apply to included collections", path);
        return NULL;
    }
    return (orm_include *)node; /* the tree is the caller's */
}

/* The dynamic nodes of (nodes, n) and below, under the dotted prefix. */
static int check_bounded(rm_ctx *ctx, const orm_include *nodes, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        const char *path = prefix ? rm_arena_sprintf(ctx->a, "%s.%s", prefix, nodes[i].rel->name) : nodes[i].rel->name;
        if (nodes[i].rel->lazy == ORM_LAZY_DYNAMIC && !nodes[i].limited)
            return bad_include(ctx, "\"%s\" is a dynamic relationship: bound it with limit[%s], or use its "
                               "sub-resource", nodes[i].rel->name, path);
        int rc = check_bounded(ctx, nodes[i].children, nodes[i].nchildren, path);
        if (rc) return rc;
    }
    return 0;
}

int rm_include_check_bounded(rm_ctx *ctx, const rm_include *inc)
{
    return check_bounded(ctx, inc->nodes, inc->n, NULL);
}
