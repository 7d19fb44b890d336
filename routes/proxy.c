/* proxy.c: association proxies read (SPEC §9): which proxies a level of a
 * representation shows (fields / fields[rel]), the include nodes that load
 * their relationships through orm/loading.c's selectin loader (one more
 * statement per level, whatever the relationship's lazy), and their
 * output: the attribute's values of the loaded members, in the
 * relationship's order. Writing them is proxy_write.c's. */
#include <string.h>

#include "orm/convert.h"
#include "routes/routes_int.h"

const orm_proxy *rm_proxy(const rm_ctx *ctx, const orm_mapper *m, const char *name)
{
    const orm_proxy *x = orm_mapper_proxy(m, name);
    return x && orm_scope_visible(ctx->session.scope, x->through->target) ? x : NULL;
}

void rm_proxy_pick_add(rm_ctx *ctx, rm_include *inc, const orm_include *level, const orm_proxy *x)
{
    inc->picks = rm_arena_realloc(ctx->a, inc->picks, inc->npicks * sizeof *inc->picks,
                                  (inc->npicks + 1) * sizeof *inc->picks);
    inc->picks[inc->npicks++] = (rm_proxy_pick){level, x};
}

void rm_proxy_pick_fields(rm_ctx *ctx, const orm_mapper *m, const char *spec, rm_include *inc)
{
    if (!spec) return;
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        const orm_proxy *x = rm_proxy(ctx, m, key);
        if (x) rm_proxy_pick_add(ctx, inc, NULL, x);
    }
}

/* Is x shown at level with fields (NULL: every proxy)? */
static bool shown(const rm_include *inc, const orm_include *level, rm_fields fields, const orm_proxy *x)
{
    if (!orm_scope_visible(inc ? inc->scope : NULL, x->through->target)) return false;
    if (!fields) return true;
    if (!inc) return false;
    for (size_t i = 0; i < inc->npicks; i++)
        if (inc->picks[i].level == level && inc->picks[i].proxy == x) return true;
    return false;
}

/* A node loading each shown proxy of cls's (its own, not inherited) among
 * (nodes, n), appended unshown where none loads its relationship yet. */
static void add_class_nodes(rm_arena *a, const rm_include *inc, const orm_mapper *cls, const orm_include *level,
                            rm_fields fields, orm_include **nodes, size_t *n)
{
    for (size_t k = 0; k < cls->nproxies; k++) {
        const orm_proxy *x = &cls->proxies[k];
        if (!shown(inc, level, fields, x)) continue;
        bool have = false;
        for (size_t i = 0; i < *n && !have; i++) /* one with criteria (SPEC §10 C) loads only some */
            have = (*nodes)[i].rel == x->through && !(*nodes)[i].slot;
        if (have) continue;
        *nodes = rm_arena_realloc(a, *nodes, *n * sizeof **nodes, (*n + 1) * sizeof **nodes);
        orm_include *c = &(*nodes)[(*n)++];
        memset(c, 0, sizeof *c);
        c->rel = x->through;
        c->strategy = ORM_LAZY_SELECTIN;
        c->unshown = true;
    }
}

/* The same for every class a row of m's may be: m, its ancestors, and its
 * descendants (a polymorphic row shows its own class's proxies; the loader
 * fills a subclass relationship only on rows of that class). */
static void add_nodes(rm_arena *a, const rm_include *inc, const orm_mapper *m, const orm_include *level,
                      rm_fields fields, orm_include **nodes, size_t *n)
{
    for (const orm_mapper *mm = m; mm; mm = mm->inherits) add_class_nodes(a, inc, mm, level, fields, nodes, n);
    for (size_t i = 0; i < m->ndescendants; i++) add_class_nodes(a, inc, m->descendants[i], level, fields, nodes, n);
}

void rm_proxy_includes_below(rm_ctx *ctx, orm_include *nodes, size_t n, const rm_include *inc)
{
    for (size_t i = 0; i < n; i++) {
        orm_include *node = &nodes[i];
        if (node->unshown) continue; /* its targets are not shown: nothing to list for them */
        /* a fields[rel] view already set on the node loads only the proxies
         * it picks; one parsed later prunes the others (rm_proxy_prune) */
        add_nodes(ctx->a, inc, node->rel->target, node, node->fields, &node->children, &node->nchildren);
        rm_proxy_includes_below(ctx, node->children, node->nchildren, inc);
    }
}

void rm_proxy_prune(rm_include *inc, orm_include *node)
{
    size_t kept = 0;
    for (size_t i = 0; i < node->nchildren; i++) {
        const orm_include *c = &node->children[i];
        bool keep = !c->unshown;
        for (size_t k = 0; k < inc->npicks && !keep; k++)
            keep = inc->picks[k].level == node && inc->picks[k].proxy->through == c->rel;
        if (keep) node->children[kept++] = *c;
    }
    node->nchildren = kept;
}

void rm_proxy_includes(rm_ctx *ctx, const orm_mapper *m, rm_fields top, rm_include *inc)
{
    add_nodes(ctx->a, inc, m, NULL, top, &inc->nodes, &inc->n);
    rm_proxy_includes_below(ctx, inc->nodes, inc->n, inc);
}

void rm_write_proxies(rm_sb *sb, const orm_instance *inst, const orm_include *level, rm_fields fields,
                      const rm_include *inc)
{
    for (const orm_mapper *m = inst->mapper; m; m = m->inherits)
        for (size_t k = 0; k < m->nproxies; k++) {
            const orm_proxy *x = &m->proxies[k];
            const orm_related *rel = orm_instance_related(inst, x->through);
            if (!rel || !shown(inc, level, fields, x)) continue;
            const orm_column *c = x->attribute;
            rm_sb_append_json_string(sb, x->name, strlen(x->name));
            rm_sb_append(sb, ":[");
            for (size_t i = 0; i < rel->n; i++) {
                if (i) rm_sb_appendc(sb, ',');
                orm_value_write_json(sb, c, &rel->items[i]->row[c->index]);
            }
            rm_sb_append(sb, "],");
        }
}
