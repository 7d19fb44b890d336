/* app.c: the application: open (access-control options → schemas →
 * resources → engine → create_all → seed), the request entry point that
 * authenticates each request (auth.c) and hands it to the router
 * (router.c), and what every answer carries and counts (Server-Timing,
 * metrics). Resources are data from the schema: no C per resource. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/fmt.h"
#include "orm/ddl.h"
#include "routes/routes_int.h"

int rm_app_open(const rm_app_config *cfg, rm_app **out, char *errbuf, size_t errlen)
{
    if (rm_auth_check_config(cfg, errbuf, errlen)) return -1;
    rm_app *app = calloc(1, sizeof *app);
    if (!app) return -1;
    app->cfg = *cfg;
    if (app->cfg.max_request_rows <= 0) app->cfg.max_request_rows = 100000;
    if (!app->cfg.max_response) app->cfg.max_response = (size_t)64 << 20;
    app->route = rm_route;
    app->route_reads = rm_route_reads;
    rm_metrics_init(&app->metrics);
    orm_error err;
    orm_error_init(&err, NULL);
    orm_schema_options so = {.path = cfg->schema_path, .entity_keys = rm_resource_keys};
    if (orm_schema_load_opts(&so, &app->schema, &err) || rm_resources_build(&app->resources, app->schema, &err))
        goto fail;
    rm_cursor_key_derive(app);
    /* wait for another process's lock, or for a free connection, at most as
     * long as a statement may run (then 503) */
    int wait_ms = cfg->statement_timeout_ms > 0 && cfg->statement_timeout_ms < 5000 ? cfg->statement_timeout_ms
                                                                                    : 5000;
    orm_engine_options eo = {
        .pool_size = cfg->threads > cfg->pool_size ? cfg->threads : cfg->pool_size,
        .max_overflow = cfg->max_overflow,
        .statement_timeout_ms = cfg->statement_timeout_ms,
        .busy_timeout_ms = wait_ms,
        .pool_timeout_ms = wait_ms,
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
    rm_resources_free(&app->resources);
    orm_schema_free(app->schema);
    rm_metrics_destroy(&app->metrics);
    free(app);
}

/* Server-Timing: db;desc="K queries";dur=MS (transaction verbs not counted). */
static void add_timing(rm_ctx *ctx)
{
    static const char desc[] = "db;desc=\"", queries[] = " queries\";dur=";
    char v[sizeof desc + RM_FMT_INT_MAX + sizeof queries + RM_FMT_FIXED3_MAX];
    size_t n = sizeof desc - 1;
    memcpy(v, desc, n);
    n += rm_fmt_u64(v + n, ctx->session.statements);
    memcpy(v + n, queries, sizeof queries - 1);
    n += sizeof queries - 1;
    n += rm_fmt_fixed3(v + n, ctx->session.db_ms);
    rm_response_header(ctx->resp, ctx->a, "Server-Timing", rm_arena_strndup(ctx->a, v, n));
}

void rm_app_handle(void *ud, const rm_request *req, rm_response *resp)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rm_ctx ctx = {.app = ud, .req = req, .resp = resp, .a = req->arena};
    orm_error_init(&ctx.err, req->arena);
    orm_session_init(&ctx.session, ctx.app->engine, ctx.app->schema, req->arena, &ctx.err);
    ctx.session.max_rows = (size_t)ctx.app->cfg.max_request_rows;
    ctx.session.max_bytes = ctx.app->cfg.max_response;
    /* a 401 is answered before any route runs a statement */
    int rc = rm_authenticate(&ctx);
    if (!rc) rm_access_begin(&ctx);
    if (rc) {
        ctx.route = "unauthenticated";
        rm_answer_outcome(&ctx, rc);
    } else {
        rm_route(&ctx);
    }
    add_timing(&ctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    rm_metrics_observe(&ctx.app->metrics, ctx.route, req->method, resp->status, secs);
}
