/* facets.c: facet=PATH,...&facet_size=N on lists (SPEC §10 B): for each
 * path, meta.facets gives its values with their counts over the list's
 * whole filtered set (filter, shorthand, row filter, a sub-resource's
 * parent; not the page or the cursor). A facet is exactly
 * _aggregate?group_by=PATH&count=*&sort=-count,PATH&limit=facet_size with
 * the same filter (orm/aggregate.h), one statement each. */
#include <string.h>

#include "orm/aggregate.h"
#include "routes/routes_int.h"

#define MAX_FACETS 10
#define DEFAULT_FACET_SIZE 30
#define MAX_FACET_SIZE 1000

struct rm_facet_result {
    orm_aggregate g;
    orm_agg_rows rows;
};

/* The facet of path over m as g: group_by=PATH, count=*,
 * sort=-count,PATH, limit=size; its joins take aliases from `next` on
 * (past those of the WHERE it will get). */
static int facet_of(rm_ctx *ctx, const orm_mapper *m, const char *path, int64_t size, int next, orm_aggregate *g)
{
    orm_aggregate_init(g, m, ctx->session.scope);
    if (next > g->q.aliases.next) g->q.aliases.next = next;
    const char *ptr = rm_param_pointer(ctx, "facet");
    int rc = orm_aggregate_add(g, ctx->a, ORM_AGG_KEY, path, ptr, &ctx->err);
    if (!rc) rc = orm_aggregate_add(g, ctx->a, ORM_AGG_COUNT, "*", ptr, &ctx->err);
    if (!rc) rc = orm_aggregate_order(g, ctx->a, rm_arena_sprintf(ctx->a, "-count,%s", path), ptr, &ctx->err);
    g->limit = size;
    return rc;
}

int rm_facets_parse(rm_ctx *ctx, const orm_mapper *m, rm_facets *out)
{
    memset(out, 0, sizeof *out);
    out->size = DEFAULT_FACET_SIZE;
    const char *spec = rm_request_query(ctx->req, "facet"), *size = rm_request_query(ctx->req, "facet_size");
    if (size) {
        out->size = rm_param_count(size);
        if (!spec) return rm_bad_param(ctx, "facet_size", "is taken only with facet");
        if (out->size < 1 || out->size > MAX_FACET_SIZE)
            return rm_bad_param(ctx, "facet_size", "must be an integer from 1 to %d", MAX_FACET_SIZE);
    }
    if (!spec) return 0;
    out->paths = RM_NEW_ARRAY(ctx->a, const char *, MAX_FACETS);
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *path = strtok_r(copy, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
        if (out->n == MAX_FACETS) return rm_bad_param(ctx, "facet", "at most %d facets", MAX_FACETS);
        for (size_t i = 0; i < out->n; i++)
            if (!strcmp(out->paths[i], path)) return rm_bad_param(ctx, "facet", "\"%s\" is given twice", path);
        orm_aggregate g; /* checked now: the statement is built in the unit, after the list's WHERE */
        int rc = facet_of(ctx, m, path, out->size, 1, &g);
        if (rc) return rc;
        out->paths[out->n++] = path;
    }
    if (!out->n) return rm_bad_param(ctx, "facet", "must name at least one column");
    return 0;
}

int rm_facets_run(rm_ctx *ctx, orm_session *s, const orm_query *q, rm_facets *f)
{
    if (!f->n) return 0;
    f->results = RM_NEW_ARRAY(ctx->a, struct rm_facet_result, f->n);
    for (size_t i = 0; i < f->n; i++) {
        struct rm_facet_result *r = &f->results[i];
        /* the list's rows: its WHERE, whose subqueries' aliases come before ours */
        int rc = facet_of(ctx, q->mapper, f->paths[i], f->size, q->aliases.next, &r->g);
        if (rc) return rc;
        r->g.q.where = q->where;
        if ((rc = orm_aggregate_run(s, &r->g, &r->rows))) return rc;
    }
    return 0;
}

void rm_facets_write(rm_sb *sb, const rm_facets *f)
{
    if (!f->n || !f->results) return;
    rm_sb_append(sb, ",\"facets\":{");
    for (size_t i = 0; i < f->n; i++) {
        const struct rm_facet_result *r = &f->results[i];
        if (i) rm_sb_appendc(sb, ',');
        rm_sb_append_json_string(sb, f->paths[i], strlen(f->paths[i]));
        rm_sb_append(sb, ":{\"values\":[");
        for (size_t k = 0; k < r->rows.n; k++) {
            rm_sb_append(sb, k ? ",{\"value\":" : "{\"value\":");
            orm_aggregate_write_value(sb, &r->g.out[0], &r->rows.values[k * r->g.n]);
            rm_sb_append(sb, ",\"count\":");
            orm_aggregate_write_value(sb, &r->g.out[1], &r->rows.values[k * r->g.n + 1]);
            rm_sb_appendc(sb, '}');
        }
        rm_sb_appendf(sb, "],\"truncated\":%s}", r->rows.more ? "true" : "false");
    }
    rm_sb_appendc(sb, '}');
}
