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
    const orm_mapper *m = orm_schema_resource(u->app->schema, res);
    if (!m) return orm_error_set(&ctx->err, ORM_E_INVALID, "unknown resource \"%s\"", res);
    if (!json_is_array(rows))
        return orm_error_set(&ctx->err, ORM_E_INVALID, "\"%s\" must be an array of objects", res);
    orm_query q;
    orm_query_init(&q, m);
    int64_t count;
    int rc = orm_query_count(s, &q, &count);
    if (rc || count > 0) return rc; /* only empty tables are seeded */
    size_t n = json_array_size(rows);
    rm_row_input *in = RM_NEW_ARRAY(ctx->a, rm_row_input, n);
    orm_value **out = RM_NEW_ARRAY(ctx->a, orm_value *, n);
    for (size_t i = 0; i < n; i++) {
        const char *prefix = rm_arena_sprintf(ctx->a, "/%s/%zu", res, i);
        if ((rc = rm_decode_row(ctx, m, json_array_get(rows, i), RM_WRITE_CREATE, prefix, NULL, &in[i])))
            return rc;
    }
    u->loaded += (int)n;
    return rm_insert_objects(s, m, in, n, out);
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
    orm_session_init(&ctx.session, app->engine, a, &ctx.err);
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
