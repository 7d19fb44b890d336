/* batch.c: POST /api/_batch {"operations": [{"method", "path", "body"?}]}
 * (SPEC §3, §8): every operation is routed like a request of its own
 * (through app->route, the router as data: router.c routes here), but
 * all of them run in one unit of work and one transaction, in order. The
 * answer is 200 {"results": [{"status", "body", "location"?}]}, or the first
 * failure's problem+json, its pointers under /operations/N, and nothing
 * written. */
#include <string.h>

#include "lib/problem.h"
#include "routes/routes_int.h"

#define MAX_OPERATIONS 1000

typedef struct batch_op {
    rm_request req;
    rm_response resp;
    rm_ctx ctx;
} batch_op;

typedef struct batch_unit {
    rm_ctx *ctx;
    batch_op *ops;
    size_t n;
    size_t failed;       /* index of the failing operation, or n */
    bool writes;         /* some operation writes: the unit takes the write lock */
} batch_unit;

static int bad_op(rm_ctx *ctx, size_t i, const char *field, const char *msg)
{
    orm_error_field(&ctx->err, ORM_E_INVALID,
                    rm_arena_sprintf(ctx->a, "/operations/%zu%s%s", i, field ? "/" : "", field ? field : ""),
                    "%s", msg);
    return ORM_E_INVALID;
}

/* Shape checks before anything runs. */
static int parse_ops(rm_ctx *ctx, batch_unit *b)
{
    json_t *body = ctx->req->json;
    json_t *ops = json_is_object(body) ? json_object_get(body, "operations") : NULL;
    if (!json_is_array(ops)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "/operations", "an array of operations is required");
        return ORM_E_INVALID;
    }
    if (json_object_size(body) != 1) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "only \"operations\" is allowed");
        return ORM_E_INVALID;
    }
    b->n = json_array_size(ops);
    if (b->n > MAX_OPERATIONS) return bad_op(ctx, MAX_OPERATIONS, NULL, "at most 1000 operations");
    b->ops = RM_NEW_ARRAY(ctx->a, batch_op, b->n + 1);
    static const char *const verbs[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    for (size_t i = 0; i < b->n; i++) {
        json_t *op = json_array_get(ops, i), *method = json_object_get(op, "method"),
               *path = json_object_get(op, "path"), *obody = json_object_get(op, "body");
        if (!json_is_object(op)) return bad_op(ctx, i, NULL, "must be an object");
        const char *k;
        json_t *v;
        json_object_foreach(op, k, v) {
            if (strcmp(k, "method") && strcmp(k, "path") && strcmp(k, "body")) return bad_op(ctx, i, k, "unknown field");
        }
        size_t vi = 0;
        while (json_is_string(method) && verbs[vi] && strcmp(verbs[vi], json_string_value(method))) vi++;
        if (!json_is_string(method) || !verbs[vi]) return bad_op(ctx, i, "method", "must be GET, POST, PUT, PATCH or DELETE");
        if (!json_is_string(path) || strncmp(json_string_value(path), "/api/", 5))
            return bad_op(ctx, i, "path", "must be a path under /api/");
        if (obody && !json_is_object(obody) && !json_is_array(obody))
            return bad_op(ctx, i, "body", "must be a JSON object or array");
        batch_op *o = &b->ops[i];
        o->req = (rm_request){.arena = ctx->a, .id = ctx->req->id, .method = verbs[vi], .json = obody};
        /* decoded exactly as the same request sent alone would be */
        const char *why, *where;
        if (rm_target_parse(ctx->a, json_string_value(path), json_string_length(path), &o->req, &why, &where))
            return bad_op(ctx, i, "path", rm_arena_sprintf(ctx->a, "the %s %s", where, why));
        rm_ctx probe = {.app = ctx->app, .req = &o->req, .a = ctx->a};
        if (!ctx->app->route_reads(&probe)) b->writes = true; /* a batch of reads takes no write lock */
    }
    return 0;
}

static int run_batch(orm_session *s, void *ud)
{
    batch_unit *b = ud;
    b->failed = b->n;
    size_t answer = 0;
    for (size_t i = 0; i < b->n; i++) {
        batch_op *o = &b->ops[i];
        memset(&o->resp, 0, sizeof o->resp);
        o->ctx = (rm_ctx){.app = b->ctx->app, .req = &o->req, .resp = &o->resp, .a = b->ctx->a, .outer = s,
                          .who = b->ctx->who};
        orm_error_init(&o->ctx.err, b->ctx->a);
        orm_session_init(&o->ctx.session, b->ctx->app->engine, b->ctx->app->schema, b->ctx->a, &o->ctx.err);
        o->ctx.session.scope = s->scope; /* the batch's principal, every operation */
        /* the shared session reports into this operation's error record */
        orm_error *batch_err = s->err;
        s->err = &o->ctx.err;
        b->ctx->app->route(&o->ctx);
        s->err = batch_err;
        if (o->resp.status >= 400) {
            b->failed = i;
            *s->err = o->ctx.err;
            return o->ctx.err.code ? o->ctx.err.code : ORM_E_INVALID;
        }
        /* the answer repeats every body: past --max-response nothing is kept */
        answer += o->resp.body_len + 64;
        if (answer > b->ctx->app->cfg.max_response)
            return orm_error_set(s->err, ORM_E_TOO_LARGE,
                                 "the batch's answer would be larger than %zu bytes (at operation %zu): "
                                 "split it or ask for less", b->ctx->app->cfg.max_response, i);
    }
    return 0;
}

/* Does pointer p lead into one of the operation's query parameters (a JSON
 * one such as /filter/..., /count[orders]/..., /having/...)? */
static bool into_query_param(const batch_op *o, const char *p)
{
    if (o->ctx.param_at || *p != '/') return false; /* a query body: its parameters were its body */
    const char *end = strchr(p + 1, '/');
    size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
    for (size_t k = 0; k < o->req.nquery; k++)
        if (strlen(o->req.query[k].key) == len && !strncmp(o->req.query[k].key, p + 1, len)) return true;
    return false;
}

/* Where an operation's own pointer goes under /operations/N: into its body,
 * or (query parameters, JSON ones included, and the path) beside it. */
static const char *op_pointer(rm_ctx *ctx, size_t i, const batch_op *o, const char *p)
{
    bool body = strncmp(p, "/query/", 7) && !into_query_param(o, p) && strcmp(p, "/path");
    return rm_arena_sprintf(ctx->a, "/operations/%zu%s%s", i, body ? "/body" : "", p);
}

/* The failing operation's problem, as that operation answered it alone:
 * its detail and errors, pointers moved under /operations/N (a problem
 * without errors gets one at the operation). */
static int reply_failure(rm_ctx *ctx, batch_unit *b)
{
    batch_op *o = &b->ops[b->failed];
    json_t *doc = o->resp.body ? json_loadb(o->resp.body, o->resp.body_len, 0, NULL) : NULL;
    json_t *jerrs = json_object_get(doc, "errors");
    const char *op_detail = json_string_value(json_object_get(doc, "detail"));
    if (!op_detail) op_detail = rm_status_title(o->resp.status);
    size_t n = 0, cap = json_array_size(jerrs) + 1;
    rm_problem_error *errs = RM_NEW_ARRAY(ctx->a, rm_problem_error, cap);
    int *kinds = RM_NEW_ARRAY(ctx->a, int, cap); /* each entry's own status, when given */
    size_t k;
    json_t *je;
    json_array_foreach(jerrs, k, je) {
        const char *p = json_string_value(json_object_get(je, "pointer"));
        const char *m = json_string_value(json_object_get(je, "message"));
        kinds[n] = (int)json_integer_value(json_object_get(je, "status"));
        errs[n++] = (rm_problem_error){op_pointer(ctx, b->failed, o, p ? p : ""),
                                       rm_arena_strdup(ctx->a, m ? m : "")};
    }
    if (!n) errs[n++] = (rm_problem_error){rm_arena_sprintf(ctx->a, "/operations/%zu", b->failed),
                                           rm_arena_strdup(ctx->a, op_detail)};
    const char *detail = rm_arena_sprintf(ctx->a, "operation %zu (%s %s) failed: %s", b->failed,
                                          o->req.method, o->req.raw_path, op_detail);
    json_int_t total = json_integer_value(json_object_get(doc, "error_count"));
    json_decref(doc);
    rm_problem_kinds(ctx->resp, ctx->a, o->resp.status, detail, errs, kinds, n,
                    total > (json_int_t)n ? (size_t)total : n, ctx->req->id);
    return 0;
}

int rm_handle_batch(rm_ctx *ctx, const rm_match *at)
{
    batch_unit b = {.ctx = ctx};
    int rc;
    if ((rc = parse_ops(ctx, &b)) || (rc = rm_check_if_match_none(ctx))) return rc;
    b.failed = b.n; /* no operation failed, also when the unit never began (a busy database: 503) */
    if ((rc = orm_session_run(&ctx->session, b.writes, run_batch, &b)))
        return b.failed < b.n ? reply_failure(ctx, &b) : rc;
    rm_sb sb;
    rm_answer_init(ctx, &sb);
    rm_sb_append(&sb, "{\"results\":[");
    for (size_t i = 0; i < b.n; i++) {
        rm_response *r = &b.ops[i].resp;
        if (i) rm_sb_appendc(&sb, ',');
        rm_sb_appendf(&sb, "{\"status\":%d,\"body\":", r->status);
        if (r->body && r->body_len) rm_sb_appendn(&sb, r->body, r->body_len);
        else rm_sb_append(&sb, "null");
        for (size_t h = 0; h < r->nheaders; h++)
            if (!strcmp(r->headers[h].key, "Location")) {
                rm_sb_append(&sb, ",\"location\":");
                rm_sb_append_json_string(&sb, r->headers[h].value, strlen(r->headers[h].value));
            }
        rm_sb_appendc(&sb, '}');
    }
    rm_sb_append(&sb, "]}");
    return rm_reply_json(ctx, 200, &sb);
}
