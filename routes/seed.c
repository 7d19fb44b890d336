/* seed.c: --seed FILE: a JSON object mapping resource names to arrays of
 * objects, loaded into tables that are still empty, through the same
 * decode-validate-insert path as POST, all in one transaction. */
#include <stdio.h>
#include <string.h>

#include "routes/routes_int.h"

typedef struct seed_unit {
    rm_app *app;
    json_t *doc;
    rm_ctx *ctx;
    int loaded;
} seed_unit;

static int seed_resource(orm_session *s, seed_unit *u, const char *res, json_t *rows)
{
    rm_ctx *ctx = u->ctx;
    const rm_resource *r = rm_resource_named(&u->app->resources, res);
    if (!r) return orm_error_set(&ctx->err, ORM_E_INVALID, "unknown resource \"%s\"", res);
    const orm_mapper *m = r->mapper;
    if (m->viewonly) /* a projection writes nothing (SPEC §9): its owner's resource does */
        return orm_error_set(&ctx->err, ORM_E_INVALID, "\"%s\" is view-only: seed %s", res,
                             rm_resource_of(m->table->mapper)->name);
    if (!json_is_array(rows))
        return orm_error_set(&ctx->err, ORM_E_INVALID, "\"%s\" must be an array of objects", res);
    orm_query q;
    orm_query_init(&q, m, s->scope);
    int64_t count;
    int rc = orm_query_count(s, &q, &count);
    if (rc || count > 0) return rc; /* only empty tables are seeded */
    rm_plan **plans;
    size_t n;
    if ((rc = rm_plan_objects(ctx, m, rows, rm_arena_sprintf(ctx->a, "/%s", res), &plans, &n))) return rc;
    u->loaded += (int)n;
    orm_instance **insts = RM_NEW_ARRAY(ctx->a, orm_instance *, n + 1);
    return rm_create_objects(ctx, s, m, plans, n, NULL, insts);
}

static int run_seed(orm_session *s, void *ud)
{
    seed_unit *u = ud;
    const char *res;
    json_t *rows;
    u->loaded = 0;
    json_object_foreach(u->doc, res, rows) {
        int rc = seed_resource(s, u, res, rows);
        if (rc) return rc;
    }
    return 0;
}

int rm_seed(rm_app *app, const char *path, char *errbuf, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc || !json_is_object(doc)) {
        snprintf(errbuf, errlen, "--seed %s: %s", path,
                 doc ? "must be a JSON object of resource arrays" : jerr.text);
        json_decref(doc);
        return -1;
    }
    rm_arena *a = rm_arena_new();
    rm_ctx ctx = {.app = app, .a = a};
    orm_error_init(&ctx.err, a);
    orm_session_init(&ctx.session, app->engine, app->schema, a, &ctx.err);
    seed_unit u = {.app = app, .doc = doc, .ctx = &ctx};
    int rc = orm_session_run(&ctx.session, true, run_seed, &u);
    if (rc) {
        const orm_field_error *f = ctx.err.nfields ? &ctx.err.fields[0] : NULL;
        snprintf(errbuf, errlen, "--seed %s: %s%s%s", path, f ? f->pointer : "", f ? ": " : "",
                 f ? f->message : ctx.err.detail);
    } else if (u.loaded) {
        fprintf(stderr, "restmap: seeded %d rows from %s\n", u.loaded, path);
    }
    json_decref(doc);
    rm_arena_destroy(a);
    return rc ? -1 : 0;
}
