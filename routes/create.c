/* create.c: POST /api/{res}: one object (201 with Location) or an array
 * (201 {"data": [...]}), with nested relationship objects (created, linked
 * or updated). The whole body is validated before any SQL; then one unit
 * of work builds and flushes the object graph, so one bad item writes
 * nothing. --seed loads its rows through rm_create_objects too. */
#include <stdlib.h>
#include <string.h>

#include "routes/routes_int.h"

typedef struct create_unit {
    rm_ctx *ctx;
    const orm_mapper *m;
    rm_plan **plans;
    size_t n;
    orm_instance **insts;
    const rm_include *include;   /* what the answer embeds (NULL: nothing loaded) */
} create_unit;

int rm_flush_refreshed(orm_session *s, orm_uow *u, orm_instance *top)
{
    /* the flush settles u (its list of objects emptied): keep the list */
    size_t n = u->nobjs;
    orm_instance **written = RM_NEW_ARRAY(s->arena, orm_instance *, n + 1);
    if (n) memcpy(written, u->objs, n * sizeof *written);
    bool listed = !top;
    for (size_t i = 0; i < n && !listed; i++) listed = written[i] == top;
    if (!listed) written[n++] = top;
    int rc = orm_uow_flush(u);
    /* RETURNING does not compute them */
    return rc ? rc : orm_load_computed(s, written, n);
}

static int run_create(orm_session *s, void *ud)
{
    create_unit *c = ud;
    orm_uow *u = orm_session_uow(s);
    for (size_t i = 0; i < c->n; i++) {
        int rc = rm_build(c->ctx, u, c->plans[i], &c->insts[i]);
        if (rc) return rc;
    }
    int rc = rm_flush_refreshed(s, u, NULL); /* the new objects are all written */
    if (rc || !c->include) return rc;
    return orm_load_related(s, c->insts, c->n, c->include->nodes, c->include->n);
}

int rm_plan_objects(rm_ctx *ctx, const orm_mapper *m, const json_t *body, const char *prefix,
                    rm_plan ***plans, size_t *n)
{
    bool bulk = json_is_array(body);
    *n = bulk ? json_array_size(body) : 1;
    *plans = RM_NEW_ARRAY(ctx->a, rm_plan *, *n + 1);
    for (size_t i = 0; i < *n; i++) {
        const char *p = bulk ? rm_index_pointer(ctx->a, prefix, i) : prefix;
        int rc = rm_parse_write(ctx, m, bulk ? json_array_get(body, i) : body, RM_WRITE_CREATE, p, NULL, &(*plans)[i]);
        if (rc >= 400) return rc; /* a refusal (access.c): not a field error */
    }
    return ctx->err.code;
}

int rm_create_objects(rm_ctx *ctx, orm_session *s, const orm_mapper *m, rm_plan **plans, size_t n,
                      const rm_include *include, orm_instance **insts)
{
    create_unit c = {ctx, m, plans, n, insts, include};
    return run_create(s, &c);
}

static void drop_arena(void *a) { rm_arena_destroy(a); }

/* 201 {"data": [...]}: the objects one by one into a builder in the arena
 * (the serializer's), appended to the answer, which grows by realloc (in
 * place, megabytes for 10,000 objects) rather than leaving each outgrown
 * copy behind in the arena; it is freed with the arena. */
static int reply_bulk(rm_ctx *ctx, const create_unit *c, const rm_include *inc, const bool *fields)
{
    rm_sb one, all;
    rm_sb_init(&one, ctx->a);
    rm_sb_init(&all, NULL);
    rm_sb_append(&all, "{\"data\":[");
    for (size_t i = 0; i < c->n; i++) {
        if (i) rm_sb_appendc(&all, ',');
        rm_sb_reset(&one);
        rm_write_instance(&one, c->insts[i], inc->nodes, inc->n, fields, inc);
        rm_sb_appendn(&all, one.buf, one.len);
    }
    rm_sb_append(&all, "]}");
    rm_arena_on_reset(ctx->a, free, all.buf);
    return rm_reply_json(ctx, 201, &all);
}

int rm_handle_create(rm_ctx *ctx, const rm_match *at)
{
    const orm_mapper *m = at->mapper;
    json_t *body = ctx->req->json;
    if (!body) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object or array is required");
        return ctx->err.code;
    }
    rm_include inc;
    bool *fields = NULL;
    create_unit c = {.ctx = ctx, .m = m, .include = &inc};
    int rc;
    if ((rc = rm_parse_object_params(ctx, m, &inc, &fields))) return rc;
    /* the plans, in an arena of their own, are dropped once the unit is
     * written: for a bulk body they are megabytes the answer can reuse */
    rm_arena *request = ctx->a, *plans = rm_arena_new();
    rm_arena_on_reset(request, drop_arena, plans);
    ctx->a = plans;
    rc = rm_plan_objects(ctx, m, body, "", &c.plans, &c.n);
    ctx->a = request;
    if (rc) return rc;
    bool widened = false;
    for (size_t i = 0; i < c.n; i++) widened |= rm_include_written(ctx, c.plans[i], &inc);
    bool bulk = json_is_array(body);
    /* the plans hold all the body says (values copied): a bulk body's
     * parsed tree (some 10 MB for 10,000 objects) goes before the unit's
     * rows and the answer are made; not a batch's operation, which the
     * batch's unit runs again from its body when it retries */
    if (bulk && !ctx->outer) json_array_clear(body);
    c.insts = RM_NEW_ARRAY(ctx->a, orm_instance *, c.n + 1);
    if ((rc = rm_check_if_match_none(ctx))) return rc;
    if ((rc = rm_run(ctx, true, run_create, &c))) return rm_point_conflict(ctx, c.plans, c.n, rc);
    rm_arena_reset(plans);
    if (bulk) return reply_bulk(ctx, &c, &inc, fields);
    rm_sb sb;
    rm_sb_init(&sb, ctx->a); /* bounded by the body it answers */
    rm_write_instance(&sb, c.insts[0], inc.nodes, inc.n, fields, &inc);
    rm_response_header(ctx->resp, ctx->a, "Location", rm_object_path(ctx->a, c.insts[0]->mapper, c.insts[0]->row));
    if (!widened) /* else not the representation GET answers: no tag */
        rm_response_header(ctx->resp, ctx->a, "ETag", rm_etag(ctx, c.insts[0], &inc, fields, sb.buf, sb.len));
    return rm_reply_json(ctx, 201, &sb);
}
