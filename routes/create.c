/* create.c: POST /api/{res}: one object (201 with Location) or an array
 * (201 {"data": [...]}), validated whole before anything is written and
 * inserted in one unit, so one bad item writes nothing. Shared with --seed
 * through rm_insert_objects. */
#include <string.h>

#include "routes/routes_int.h"

int rm_insert_objects(orm_session *s, const orm_mapper *m, rm_row_input *inputs, size_t n,
                      orm_value **rows)
{
    for (size_t i = 0; i < n; i++) {
        int rc = orm_insert_row(s, m, inputs[i].values, inputs[i].given, &rows[i]);
        if (rc) return rc;
    }
    return 0;
}

typedef struct create_unit {
    rm_ctx *ctx;
    const orm_mapper *m;
    rm_row_input *inputs;
    size_t n;
    orm_value **rows;
    orm_instance **insts;
    rm_include include;
} create_unit;

static int run_create(orm_session *s, void *ud)
{
    create_unit *u = ud;
    int rc = rm_insert_objects(s, u->m, u->inputs, u->n, u->rows);
    if (rc) return rc;
    orm_identity_map map;
    orm_identity_map_init(&map, u->ctx->a);
    for (size_t i = 0; i < u->n; i++) {
        u->insts[i] = orm_identity_map_add(&map, u->m, u->rows[i], NULL);
        u->insts[i]->mapper = orm_schema_polymorphic(u->ctx->app->schema, u->m, u->insts[i]->row);
    }
    return orm_load_related(s, u->ctx->app->schema, u->insts, u->n, u->include.nodes, u->include.n, &map);
}

void rm_handle_create(rm_ctx *ctx, const orm_mapper *m)
{
    json_t *body = ctx->req->json;
    if (!body) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object or array is required");
        rm_fail(ctx);
        return;
    }
    bool bulk = json_is_array(body);
    size_t n = bulk ? json_array_size(body) : 1;
    create_unit u = {.ctx = ctx, .m = m, .n = n};
    bool *fields = NULL;
    if (rm_parse_object_params(ctx, m, &u.include, &fields)) {
        rm_fail(ctx);
        return;
    }
    u.inputs = RM_NEW_ARRAY(ctx->a, rm_row_input, n);
    u.rows = RM_NEW_ARRAY(ctx->a, orm_value *, n);
    u.insts = RM_NEW_ARRAY(ctx->a, orm_instance *, n);
    for (size_t i = 0; i < n; i++) {
        const char *prefix = bulk ? rm_arena_sprintf(ctx->a, "/%zu", i) : "";
        rm_decode_row(ctx, m, bulk ? json_array_get(body, i) : body, RM_WRITE_CREATE, prefix, NULL,
                      &u.inputs[i]);
    }
    if (ctx->err.code || orm_session_run(&ctx->session, true, run_create, &u)) {
        rm_fail(ctx);
        return;
    }
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    if (bulk) rm_sb_append(&sb, "{\"data\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) rm_sb_appendc(&sb, ',');
        rm_write_instance(&sb, u.insts[i], u.include.nodes, u.include.n, fields, &u.include);
    }
    if (bulk) rm_sb_append(&sb, "]}");
    else rm_response_header(ctx->resp, ctx->a, "Location", rm_object_path(ctx->a, m, u.rows[0]));
    rm_reply_json(ctx, 201, &sb);
}

void rm_handle_collection(rm_ctx *ctx, const orm_mapper *m)
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
