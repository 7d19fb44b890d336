/* app.c: the application: open (schemas → engine → create_all → seed),
 * the router that matches /api/{res}[/{id}] and /healthz and dispatches to
 * the handlers, and the response headers every answer carries
 * (Server-Timing). Resources are data from the schema: no C per resource. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orm/ddl.h"
#include "routes/routes_int.h"

int rm_app_open(const rm_app_config *cfg, rm_app **out, char *errbuf, size_t errlen)
{
    rm_app *app = calloc(1, sizeof *app);
    if (!app) return -1;
    app->cfg = *cfg;
    if (app->cfg.max_request_rows <= 0) app->cfg.max_request_rows = 100000;
    if (!app->cfg.max_response) app->cfg.max_response = (size_t)64 << 20;
    rm_metrics_init(&app->metrics);
    orm_error err;
    orm_error_init(&err, NULL);
    if (orm_schema_load(cfg->schema_path, &app->schema, &err)) goto fail;
    rm_cursor_key_derive(app);
    orm_engine_options eo = {
        .pool_size = cfg->threads > cfg->pool_size ? cfg->threads : cfg->pool_size,
        .max_overflow = cfg->max_overflow,
        .statement_timeout_ms = cfg->statement_timeout_ms,
        /* wait for another process's lock at most as long as a statement may run */
        .busy_timeout_ms = cfg->statement_timeout_ms > 0 && cfg->statement_timeout_ms < 5000
                               ? cfg->statement_timeout_ms : 5000,
        .echo = cfg->echo ? stderr : NULL,
    };
    if (orm_engine_open(cfg->db_url, &eo, &app->engine, &err)) goto fail;
    if (cfg->create_all && orm_create_all(app->engine, app->schema, &err)) {
        snprintf(errbuf, errlen, "--create-all failed: %s %s", err.detail, err.internal);
        rm_app_close(app);
        return -1;
    }
    if (cfg->seed_path && rm_seed(app, cfg->seed_path, errbuf, errlen)) {
        rm_app_close(app);
        return -1;
    }
    *out = app;
    return 0;
fail:
    snprintf(errbuf, errlen, "%s", err.detail);
    rm_app_close(app);
    return -1;
}

void rm_app_close(rm_app *app)
{
    if (!app) return;
    orm_engine_close(app->engine);
    orm_schema_free(app->schema);
    rm_metrics_destroy(&app->metrics);
    free(app);
}

/* Server-Timing: db;desc="K queries";dur=MS (transaction verbs not counted). */
static void add_timing(rm_ctx *ctx)
{
    rm_response_header(ctx->resp, ctx->a, "Server-Timing",
                       rm_arena_sprintf(ctx->a, "db;desc=\"%u queries\";dur=%.3f",
                                        ctx->session.statements, ctx->session.db_ms));
}

/* The routes that take no query parameters answer 400 at the first one
 * (as lists answer an unknown one); true when there is none. */
static bool no_query(rm_ctx *ctx)
{
    if (!ctx->req->nquery) return true;
    orm_error_field(&ctx->err, ORM_E_INVALID,
                    rm_arena_sprintf(ctx->a, "/query/%s", ctx->req->query[0].key),
                    "%s takes no query parameters", ctx->route);
    rm_fail(ctx);
    return false;
}

/* Split the raw path "/api/tags/a%2Cb,y" into at most max segments, still
 * percent-encoded (decoding is per segment, and per key part for keys);
 * returns the count, or max + 1 when there are more. A trailing slash is
 * ignored. */
static size_t split_path(rm_arena *a, const char *path, const char **seg, size_t max)
{
    size_t n = 0;
    const char *p = path;
    while (*p == '/') p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (n == max) return max + 1;
        seg[n++] = rm_arena_strndup(a, p, len);
        p += len;
        if (*p == '/') p++;
    }
    return n;
}

/* /api/{res}: GET/HEAD lists, POST creates, as the resource allows. */
static void route_collection(rm_ctx *ctx, const orm_mapper *m)
{
    const char *method = ctx->req->method;
    unsigned allowed = m->methods & (ORM_ALLOW_READ | ORM_ALLOW_CREATE);
    if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && (allowed & ORM_ALLOW_READ))
        rm_handle_list(ctx, m);
    else if (!strcmp(method, "POST") && (allowed & ORM_ALLOW_CREATE))
        rm_handle_create(ctx, m);
    else
        rm_fail_method(ctx, allowed);
}

void rm_route(rm_ctx *ctx)
{
    const char *seg[6];
    const char *raw = ctx->req->raw_path ? ctx->req->raw_path : ctx->req->path;
    size_t n = split_path(ctx->a, raw, seg, 5);
    /* every segment but the keys is a name: decode it now (n may be max + 1:
     * only the first max segments were kept) */
    for (size_t i = 0; i < n && i < 5; i++)
        if (i != 2 && i != 4) seg[i] = rm_percent_decode(ctx->a, seg[i], strlen(seg[i]), 0, NULL);
    ctx->route = "unmatched";
    static const char *const conditionals[] = {"If-Match", "If-None-Match"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = rm_request_header(ctx->req, conditionals[i]);
        if (v && !rm_etag_list_valid(v)) {
            rm_fail_status(ctx, 400, rm_arena_sprintf(ctx->a, "%s must be \"*\" or a comma-separated "
                                                              "list of entity tags", conditionals[i]));
            return;
        }
    }
    if (n == 1 && !strcmp(seg[0], "healthz")) {
        ctx->route = "/healthz";
        if (no_query(ctx)) rm_handle_healthz(ctx);
        return;
    }
    if (n == 1 && !strcmp(seg[0], "openapi.json")) {
        ctx->route = "/openapi.json";
        if (no_query(ctx)) rm_handle_openapi(ctx);
        return;
    }
    if (n == 1 && !strcmp(seg[0], "metrics")) {
        ctx->route = "/metrics";
        if (no_query(ctx)) rm_handle_metrics(ctx);
        return;
    }
    if (n == 2 && !strcmp(seg[0], "api") && !strcmp(seg[1], "_batch")) {
        ctx->route = "/api/_batch";
        if (ctx->outer) { /* an operation of a batch: it would re-enter the running unit */
            orm_error_field(&ctx->err, ORM_E_INVALID, "/path", "batches do not nest");
            rm_fail(ctx);
            return;
        }
        if (no_query(ctx)) rm_handle_batch(ctx);
        return;
    }
    if (n == 0 || n > 5 || strcmp(seg[0], "api") != 0) {
        rm_fail_status(ctx, 404, "no such resource");
        return;
    }
    if (n == 1) {
        ctx->route = "/api";
        if (no_query(ctx)) rm_handle_index(ctx);
        return;
    }
    const orm_mapper *m = orm_schema_resource(ctx->app->schema, seg[1]);
    if (!m) {
        rm_fail_status(ctx, 404, rm_arena_sprintf(ctx->a, "no resource named \"%s\"", seg[1]));
        return;
    }
    ctx->mapper = m;
    if (n == 2) {
        ctx->route = rm_arena_sprintf(ctx->a, "/api/%s", m->resource);
        route_collection(ctx, m);
    } else if (n == 3) {
        ctx->route = rm_arena_sprintf(ctx->a, "/api/%s/{id}", m->resource);
        rm_handle_item(ctx, m, seg[2], NULL, NULL);
    } else {
        /* the label is the relationship only when it exists: bounded cardinality */
        ctx->route = orm_mapper_relationship(m, seg[3])
                         ? rm_arena_sprintf(ctx->a, n == 4 ? "/api/%s/{id}/%s" : "/api/%s/{id}/%s/{child}",
                                            m->resource, seg[3])
                         : "unmatched";
        rm_handle_item(ctx, m, seg[2], seg[3], n == 5 ? seg[4] : NULL);
    }
}

void rm_app_handle(void *ud, const rm_request *req, rm_response *resp)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rm_ctx ctx = {.app = ud, .req = req, .resp = resp, .a = req->arena};
    orm_error_init(&ctx.err, req->arena);
    orm_session_init(&ctx.session, ctx.app->engine, req->arena, &ctx.err);
    ctx.session.max_rows = (size_t)ctx.app->cfg.max_request_rows;
    ctx.session.max_bytes = ctx.app->cfg.max_response;
    rm_route(&ctx);
    add_timing(&ctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    rm_metrics_observe(&ctx.app->metrics, ctx.route, req->method, resp->status, secs);
}
