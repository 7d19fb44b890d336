/* item.c: one object: GET/PUT/PATCH/DELETE /api/{res}/{id}, and
 * sub-resources GET /api/{res}/{id}/{rel} (a to-one answers the object or
 * null; a collection answers a list, see list.c). Each request is one unit
 * of work; the answer embeds the included relationships. */
#include <string.h>

#include "routes/routes_int.h"

typedef enum { OP_GET, OP_UPDATE, OP_DELETE } item_op;

typedef struct item_unit {
    rm_ctx *ctx;
    const orm_mapper *m;
    const orm_value *key;
    rm_plan *plan;              /* PUT/PATCH */
    item_op op;
    rm_include *include;
    const bool *fields;
    orm_instance *inst;
    rm_sb body;                 /* the answer, built inside the unit */
} item_unit;

/* A unit of work on s and the persistent object m/key in it (404 when gone). */
static int begin(orm_session *s, rm_ctx *ctx, const orm_mapper *m, const orm_value *key, orm_uow *w,
                 orm_instance **inst)
{
    orm_uow_init(w, s, ctx->app->schema);
    return orm_uow_get(w, m, key, inst);
}

/* GET: one statement for the object and its joined relationships, one per
 * selectin level, as for lists. */
static int read_item(orm_session *s, item_unit *u)
{
    rm_ctx *ctx = u->ctx;
    orm_query q;
    orm_query_init(&q, u->m);
    q.where = orm_pk_where(ctx->a, u->m, 0, u->key);
    q.limit = 1;
    orm_identity_map map;
    orm_identity_map_init(&map, ctx->a);
    orm_loaded got;
    int rc = orm_load_query(s, ctx->app->schema, &q, u->include->nodes, u->include->n, &map, &got);
    if (rc) return rc;
    if (!got.n) return orm_error_set(&ctx->err, ORM_E_NOT_FOUND, "no %s with that key", u->m->name);
    u->inst = got.items[0];
    rm_answer_init(ctx, &u->body);
    rm_write_instance(&u->body, u->inst, u->include->nodes, u->include->n, u->fields, u->include);
    return 0;
}

static int run_item(orm_session *s, void *ud)
{
    item_unit *u = ud;
    rm_ctx *ctx = u->ctx;
    if (u->op == OP_GET) return read_item(s, u);
    orm_uow w;
    orm_instance *inst;
    int rc = begin(s, ctx, u->m, u->key, &w, &inst);
    if (rc) return rc;
    if ((rc = rm_check_if_match(s, ctx, u->m, inst, &w.map))) return rc;
    if (u->op == OP_DELETE) {
        orm_uow_delete(&w, inst);
        return orm_uow_flush(&w);
    }
    if (u->op == OP_UPDATE) {
        if ((rc = rm_build(ctx, &w, u->plan, &inst)) || (rc = orm_uow_flush(&w))) return rc;
    }
    if ((rc = orm_load_related(s, ctx->app->schema, &inst, 1, u->include->nodes, u->include->n, &w.map)))
        return rc;
    u->inst = inst;
    rm_sb_init(&u->body, ctx->a); /* a write's answer: bounded by its body */
    rm_write_instance(&u->body, inst, u->include->nodes, u->include->n, u->fields, u->include);
    return 0;
}

static bool is_read(const char *method) { return !strcmp(method, "GET") || !strcmp(method, "HEAD"); }

static void handle_object(rm_ctx *ctx, const orm_mapper *m, const orm_value *key)
{
    const char *method = ctx->req->method;
    unsigned allowed = m->methods & (ORM_ALLOW_READ | ORM_ALLOW_REPLACE | ORM_ALLOW_UPDATE | ORM_ALLOW_DELETE);
    item_unit u = {.ctx = ctx, .m = m, .key = key};
    rm_include inc;
    bool *fields = NULL;
    if (is_read(method) && (allowed & ORM_ALLOW_READ)) {
        u.op = OP_GET;
    } else if (!strcmp(method, "PUT") && (allowed & ORM_ALLOW_REPLACE)) {
        u.op = OP_UPDATE;
    } else if (!strcmp(method, "PATCH") && (allowed & ORM_ALLOW_UPDATE)) {
        u.op = OP_UPDATE;
    } else if (!strcmp(method, "DELETE") && (allowed & ORM_ALLOW_DELETE)) {
        u.op = OP_DELETE;
    } else {
        rm_fail_method(ctx, allowed);
        return;
    }
    if (rm_parse_object_params(ctx, m, &inc, &fields)) {
        rm_fail(ctx);
        return;
    }
    u.include = &inc;
    u.fields = fields;
    if (u.op == OP_UPDATE) {
        if (!ctx->req->json || !json_is_object(ctx->req->json)) {
            orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object is required");
            rm_fail(ctx);
            return;
        }
        rm_write_mode mode = !strcmp(method, "PUT") ? RM_WRITE_REPLACE : RM_WRITE_UPDATE;
        if (rm_parse_write(ctx, m, ctx->req->json, mode, "", key, &u.plan)) {
            rm_fail(ctx);
            return;
        }
        rm_include_written(ctx, u.plan, &inc);
    }
    if (rm_run(ctx, u.op != OP_GET, run_item, &u)) {
        rm_fail(ctx);
        return;
    }
    if (u.op == OP_DELETE) {
        rm_response_body(ctx->resp, 204, NULL, NULL, 0);
        return;
    }
    const char *etag = rm_etag(ctx, u.inst, u.body.buf, u.body.len);
    rm_response_header(ctx->resp, ctx->a, "ETag", etag);
    const char *inm = rm_request_header(ctx->req, "If-None-Match");
    if (u.op == OP_GET && inm && rm_etag_matches(inm, etag, true)) {
        rm_response_body(ctx->resp, 304, NULL, NULL, 0);
        return;
    }
    rm_reply_json(ctx, 200, &u.body);
}

static void reply_instance(rm_ctx *ctx, int status, const orm_instance *inst, const rm_include *inc,
                           const bool *fields)
{
    rm_sb sb;
    rm_answer_init(ctx, &sb);
    if (inst) rm_write_instance(&sb, inst, inc->nodes, inc->n, fields, inc);
    else rm_sb_append(&sb, "null");
    rm_reply_json(ctx, status, &sb);
}

/* ---- to-one sub-resources ------------------------------------------------------ */

typedef struct to_one_unit {
    rm_ctx *ctx;
    const orm_mapper *parent;
    const orm_relationship *rel;
    const orm_value *key;
    rm_include *include;
    orm_instance *inst;
} to_one_unit;

static int run_to_one(orm_session *s, void *ud)
{
    to_one_unit *u = ud;
    orm_value *row;
    int rc = orm_get(s, u->parent, u->key, &row);
    if (rc) return rc;
    orm_query q;
    orm_query_init(&q, u->rel->target);
    if ((rc = orm_with_parent(u->ctx->a, u->rel, row, 0, &q.aliases, &q.where, &u->ctx->err))) return rc;
    q.limit = 1;
    orm_identity_map map;
    orm_identity_map_init(&map, u->ctx->a);
    orm_loaded got;
    rc = orm_load_query(s, u->ctx->app->schema, &q, u->include->nodes, u->include->n, &map, &got);
    u->inst = rc == 0 && got.n ? got.items[0] : NULL;
    return rc;
}

/* ---- adding to and removing from collections ---------------------------------- */

typedef struct member_unit {
    rm_ctx *ctx;
    const orm_mapper *m;
    const orm_value *key;
    const orm_relationship *rel;
    rm_plan *plan;              /* POST: the member */
    const orm_value *child_key; /* DELETE: the member's key */
    rm_include include;
    orm_instance *child;
    rm_sb body;
} member_unit;

static int run_add_member(orm_session *s, void *ud)
{
    member_unit *u = ud;
    rm_ctx *ctx = u->ctx;
    orm_uow w;
    orm_instance *parent;
    int rc = begin(s, ctx, u->m, u->key, &w, &parent);
    if (rc || (rc = rm_check_if_match(s, ctx, u->m, parent, &w.map)) ||
        (rc = rm_build(ctx, &w, u->plan, &u->child)))
        return rc;
    orm_uow_link(&w, parent, u->rel, u->child);
    if ((rc = orm_uow_flush(&w))) return rc;
    if ((rc = orm_load_related(s, ctx->app->schema, &u->child, 1, u->include.nodes, u->include.n, &w.map)))
        return rc;
    rm_sb_init(&u->body, ctx->a);
    rm_write_instance(&u->body, u->child, u->include.nodes, u->include.n, NULL, &u->include);
    return 0;
}

static int run_remove_member(orm_session *s, void *ud)
{
    member_unit *u = ud;
    rm_ctx *ctx = u->ctx;
    orm_uow w;
    orm_instance *parent;
    int rc = begin(s, ctx, u->m, u->key, &w, &parent);
    if (rc || (rc = rm_check_if_match(s, ctx, u->m, parent, &w.map))) return rc;
    orm_include node = {.rel = u->rel, .strategy = ORM_LAZY_SELECTIN};
    if ((rc = orm_load_related(s, ctx->app->schema, &parent, 1, &node, 1, &w.map))) return rc;
    orm_instance *child = orm_identity_map_get(&w.map, u->rel->target->table, u->child_key);
    const orm_related *slot = orm_instance_related(parent, u->rel);
    bool member = false;
    for (size_t i = 0; child && slot && i < slot->n; i++) member |= slot->items[i] == child;
    if (!member)
        return orm_error_set(&ctx->err, ORM_E_NOT_FOUND, "that %s is not in %s.%s", u->rel->target->name,
                             u->m->name, u->rel->name);
    if ((rc = orm_uow_unlink(&w, parent, u->rel, child))) return rc;
    return orm_uow_flush(&w);
}

static void handle_member_write(rm_ctx *ctx, const orm_mapper *m, const orm_value *key,
                                const orm_relationship *r, const char *child_key)
{
    member_unit u = {.ctx = ctx, .m = m, .key = key, .rel = r};
    bool *fields;
    if (rm_parse_object_params(ctx, r->target, &u.include, &fields)) {
        rm_fail(ctx);
        return;
    }
    if (child_key) {
        orm_value *ck = RM_NEW_ARRAY(ctx->a, orm_value, r->target->table->npk);
        if (rm_parse_key(ctx->a, r->target, child_key, ck)) {
            rm_fail_status(ctx, 404, rm_arena_sprintf(ctx->a, "no %s with that key", r->target->name));
            return;
        }
        u.child_key = ck;
        if (rm_run(ctx, true, run_remove_member, &u)) rm_fail(ctx);
        else rm_response_body(ctx->resp, 204, NULL, NULL, 0);
        return;
    }
    if (rm_parse_member(ctx, r, ctx->req->json, &u.plan)) {
        rm_fail(ctx);
        return;
    }
    rm_include_written(ctx, u.plan, &u.include);
    if (rm_run(ctx, true, run_add_member, &u)) {
        rm_fail(ctx);
        return;
    }
    rm_response_header(ctx->resp, ctx->a, "Location", rm_object_path(ctx->a, u.child->mapper, u.child->row));
    rm_reply_json(ctx, 201, &u.body);
}

static void handle_related(rm_ctx *ctx, const orm_mapper *m, const orm_value *key,
                           const orm_relationship *r, const char *path, const char *child_key)
{
    const char *method = ctx->req->method;
    /* changing a collection is updating its parent */
    bool can_write = r->uselist && (m->methods & ORM_ALLOW_UPDATE);
    if (child_key) {
        if (!strcmp(method, "DELETE") && can_write) handle_member_write(ctx, m, key, r, child_key);
        else rm_fail_method(ctx, can_write ? ORM_ALLOW_DELETE : 0);
        return;
    }
    if (!strcmp(method, "POST") && can_write) {
        handle_member_write(ctx, m, key, r, NULL);
        return;
    }
    if (!is_read(method) || !(r->target->methods & ORM_ALLOW_READ)) {
        rm_fail_method(ctx, (r->target->methods & ORM_ALLOW_READ) | (can_write ? ORM_ALLOW_CREATE : 0));
        return;
    }
    if (r->uselist) {
        rm_handle_related_list(ctx, m, r, key, path);
        return;
    }
    rm_include inc;
    bool *fields = NULL;
    if (rm_parse_object_params(ctx, r->target, &inc, &fields)) {
        rm_fail(ctx);
        return;
    }
    to_one_unit u = {ctx, m, r, key, &inc, NULL};
    if (rm_run(ctx, false, run_to_one, &u)) {
        rm_fail(ctx);
        return;
    }
    reply_instance(ctx, 200, u.inst, &inc, fields);
}

void rm_handle_item(rm_ctx *ctx, const orm_mapper *m, const char *key_text, const char *rel_name,
                    const char *child_key)
{
    orm_value *key = RM_NEW_ARRAY(ctx->a, orm_value, m->table->npk);
    if (rm_parse_key(ctx->a, m, key_text, key)) {
        orm_error_set(&ctx->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
        rm_fail(ctx);
        return;
    }
    if (!rel_name) {
        handle_object(ctx, m, key);
        return;
    }
    const orm_relationship *r = orm_mapper_relationship(m, rel_name);
    if (!r) {
        rm_fail_status(ctx, 404, rm_arena_sprintf(ctx->a, "%s has no relationship \"%s\"", m->name, rel_name));
        return;
    }
    handle_related(ctx, m, key, r, ctx->req->raw_path ? ctx->req->raw_path : ctx->req->path, child_key);
}
