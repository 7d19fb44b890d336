/* aggregate.c: GET /api/{res}/_aggregate and GET /api/{res}/{id}/{rel}/_aggregate
 * (SPEC §10 A): the request's query parameters (ctx->req->query, which a
 * query body may fill instead) → an orm_aggregate (orm/aggregate.h), one
 * statement, and {"data": [groups], "meta": {"limit", "offset"}, "links"}.
 * Every error about a parameter points at rm_param_pointer(param). */
#include <string.h>

#include "orm/aggregate.h"
#include "routes/routes_int.h"

/* The parameter naming an aggregate function, or -1. */
static int fn_of(const char *key)
{
    for (int k = ORM_AGG_COUNT; k < ORM_AGG__COUNT; k++)
        if (!strcmp(key, orm_agg_fn_names[k])) return k;
    return -1;
}

/* Each path of a comma list as output fn. */
static int add_paths(rm_ctx *ctx, orm_aggregate *g, orm_agg_fn fn, const char *param, const char *list)
{
    if (!*list) return rm_bad_param(ctx, param, "must name at least one column");
    char *copy = rm_arena_strdup(ctx->a, list), *save = NULL;
    const char *ptr = rm_param_pointer(ctx, param);
    for (char *path = strtok_r(copy, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
        int rc = orm_aggregate_add(g, ctx->a, fn, path, ptr, &ctx->err);
        if (rc) return rc;
    }
    return 0;
}

static int parse_having(rm_ctx *ctx, orm_aggregate *g, const char *text)
{
    json_t *j = rm_param_json(ctx, text, "/having");
    if (!j) return ORM_E_INVALID;
    int rc = orm_aggregate_having(g, ctx->a, j, "/having", &ctx->err);
    json_decref(j);
    return rc;
}

/* The parameters, in this order: WHERE (filter, shorthand) and paging as
 * met, then group_by, then the aggregates in the order given, then having
 * and sort (they name outputs). */
static int parse_params(rm_ctx *ctx, orm_aggregate *g, const rm_resource *res)
{
    const rm_request *req = ctx->req;
    const orm_mapper *m = g->q.mapper;
    const char *group_by = NULL, *having = NULL, *sort = NULL;
    g->limit = res->max_page_size;
    int rc = 0;
    for (size_t i = 0; !rc && i < req->nquery; i++) {
        const rm_kv *kv = &req->query[i];
        const char *val = kv->value ? kv->value : "";
        if (rm_param_repeated(req, i)) rc = rm_bad_param(ctx, kv->key, "is given more than once");
        else if (!strcmp(kv->key, "group_by")) group_by = val;
        else if (!strcmp(kv->key, "having")) having = val;
        else if (!strcmp(kv->key, "sort")) sort = val;
        else if (fn_of(kv->key) >= 0) {
            if (!strcmp(kv->key, "count") && !strcmp(val, "exact"))
                rc = rm_bad_param(ctx, "count", "count=exact is not taken by _aggregate: aggregate without "
                                                "group_by for totals");
        } else if (!strcmp(kv->key, "limit")) {
            rc = rm_param_bounded(ctx, "limit", val, res->max_page_size, "", &g->limit);
        } else if (!strcmp(kv->key, "offset")) {
            rc = rm_param_bounded(ctx, "offset", val, -1, "", &g->offset);
        } else if (!strcmp(kv->key, "cursor") || !strcmp(kv->key, "include") || !strcmp(kv->key, "fields") ||
                   !strncmp(kv->key, "fields[", 7)) {
            rc = rm_bad_param(ctx, kv->key, "is not taken by _aggregate (its answer is groups, not objects)");
        } else {
            rc = rm_param_where(ctx, m, kv, &g->q);
        }
    }
    if (!rc && group_by) rc = add_paths(ctx, g, ORM_AGG_KEY, "group_by", group_by);
    for (size_t i = 0; !rc && i < req->nquery; i++) {
        int fn = fn_of(req->query[i].key);
        if (fn >= 0) rc = add_paths(ctx, g, (orm_agg_fn)fn, req->query[i].key, req->query[i].value ? req->query[i].value : "");
    }
    if (!rc && !g->n) rc = rm_bad_param(ctx, "group_by", "give group_by, an aggregate (count, count_distinct, "
                                                         "sum, avg, min, max), or both");
    if (!rc && having) rc = parse_having(ctx, g, having);
    if (!rc && sort) rc = orm_aggregate_order(g, ctx->a, sort, rm_param_pointer(ctx, "sort"), &ctx->err);
    return rc;
}

typedef struct agg_unit {
    const orm_aggregate *g;
    orm_agg_rows rows;
} agg_unit;

static int run_aggregate(orm_session *s, void *ud)
{
    agg_unit *u = ud;
    orm_session_last(s, true); /* one statement, all the unit reads */
    return orm_aggregate_run(s, u->g, &u->rows);
}

int rm_handle_aggregate(rm_ctx *ctx, const rm_match *at)
{
    orm_aggregate g;
    const char *base;
    if (at->rel) {
        if (!at->rel->uselist)
            return rm_refuse(ctx, 404, rm_arena_sprintf(ctx->a, "%s is not a collection: it has no _aggregate",
                                                        at->rel->name));
        orm_aggregate_of_parent(&g, at->mapper, at->rel, at->key, ctx->session.scope);
    } else {
        orm_aggregate_init(&g, at->mapper, ctx->session.scope);
    }
    base = ctx->req->raw_path ? ctx->req->raw_path : ctx->req->path;
    int rc = parse_params(ctx, &g, rm_resource_of(g.q.mapper));
    agg_unit u = {&g, {0}};
    if (rc || (rc = rm_run(ctx, false, run_aggregate, &u))) return rc;
    rm_sb sb;
    rm_answer_init(ctx, &sb);
    rm_sb_append(&sb, "{\"data\":[");
    for (size_t r = 0; r < u.rows.n; r++) {
        rm_sb_append(&sb, r ? ",{" : "{");
        for (size_t k = 0; k < g.n; k++) {
            if (k) rm_sb_appendc(&sb, ',');
            rm_sb_append_json_string(&sb, g.out[k].name, strlen(g.out[k].name));
            rm_sb_appendc(&sb, ':');
            orm_aggregate_write_value(&sb, &g.out[k], &u.rows.values[r * g.n + k]);
        }
        rm_sb_appendc(&sb, '}');
    }
    rm_sb_appendf(&sb, "],\"meta\":{\"limit\":%lld,\"offset\":%lld},\"links\":{\"self\":", (long long)g.limit,
                  (long long)g.offset);
    /* parameters from a query body (SPEC §10 E): links.self is the path alone */
    const char *self = ctx->param_at ? base : rm_list_link(ctx, base, false, 0, NULL);
    rm_sb_append_json_string(&sb, self, strlen(self));
    if (u.rows.more && !ctx->param_at) {
        const char *next = rm_list_link(ctx, base, true, g.offset + g.limit, NULL);
        rm_sb_append(&sb, ",\"next\":");
        rm_sb_append_json_string(&sb, next, strlen(next));
    }
    rm_sb_append(&sb, "}}");
    return rm_reply_json(ctx, 200, &sb);
}
