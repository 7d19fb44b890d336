/* item.c: one object: GET/PUT/PATCH/DELETE /api/{res}/{id}, and its
 * sub-resources: GET /api/{res}/{id}/{rel} (a to-one answers the object or
 * null; a collection answers a list, see list.c), POST .../{rel} (add a
 * member) and DELETE .../{rel}/{child} (remove one). The router has
 * resolved the resource, key and relationship and checked the method. Each
 * request is one unit of work; the answer embeds the included
 * relationships. */
#include "routes/routes_int.h"

typedef enum { OP_GET, OP_REPLACE, OP_UPDATE, OP_DELETE } item_op;

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

/* The persistent object m/key in s's unit of work: 404 when gone, 412
 * when the request's If-Match does not hold for it (own: as rm_check_if_match). */
static int begin_write(orm_session *s, rm_ctx *ctx, const orm_mapper *m, const orm_value *key, bool own,
                       orm_instance **inst)
{
    int rc = orm_uow_get(orm_session_uow(s), m, key, inst);
    return rc ? rc : rm_check_if_match(s, ctx, m, *inst, own);
}

/* GET: one statement for the object and its joined relationships, one per
 * selectin level, as for lists. */
static int read_item(orm_session *s, item_unit *u)
{
    rm_ctx *ctx = u->ctx;
    orm_query q;
    orm_query_init(&q, u->m, s->scope);
    q.where = orm_pk_where(ctx->a, u->m, 0, u->key);
    q.limit = 1;
    q.defer = true; /* deferred columns only when fields names them */
    q.fields = u->fields;
    q.counts = u->include->counts; /* count[REL]: read by the same statement */
    q.ncounts = u->include->ncounts;
    orm_loaded got;
    orm_session_last(s, true); /* the load is all the unit reads */
    int rc = orm_load_query(s, &q, u->include->nodes, u->include->n, &got);
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
    orm_uow *w = orm_session_uow(s);
    orm_instance *inst;
    int rc = begin_write(s, ctx, u->m, u->key, true, &inst);
    if (rc) return rc;
    if (u->op == OP_DELETE) {
        orm_uow_delete(w, inst);
        return orm_uow_flush(w);
    }
    if ((rc = rm_build(ctx, w, u->plan, &inst)) || (rc = rm_flush_refreshed(s, w, inst)) ||
        (rc = orm_load_related(s, &inst, 1, u->include->nodes, u->include->n)))
        return rc;
    u->inst = inst;
    rm_sb_init(&u->body, ctx->a); /* a write's answer: bounded by its body */
    rm_write_instance(&u->body, inst, u->include->nodes, u->include->n, u->fields, u->include);
    return 0;
}

/* GET, PUT (replace), PATCH (update) or DELETE one object. */
static int handle_object(rm_ctx *ctx, const rm_match *at, item_op op)
{
    const orm_mapper *m = at->mapper;
    item_unit u = {.ctx = ctx, .m = m, .key = at->key, .op = op};
    rm_include inc;
    bool *fields = NULL, widened = false;
    int rc = rm_parse_object_params(ctx, m, &inc, &fields);
    if (rc) return rc;
    u.include = &inc;
    u.fields = fields;
    if (op == OP_REPLACE || op == OP_UPDATE) {
        if (!ctx->req->json || !json_is_object(ctx->req->json)) {
            orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object is required");
            return ORM_E_INVALID;
        }
        rm_write_mode mode = op == OP_REPLACE ? RM_WRITE_REPLACE : RM_WRITE_UPDATE;
        if ((rc = rm_parse_write(ctx, m, ctx->req->json, mode, "", at->key, &u.plan))) return rc;
        widened = rm_include_written(ctx, u.plan, &inc);
    }
    if ((rc = rm_run(ctx, op != OP_GET, run_item, &u))) return rm_point_conflict(ctx, &u.plan, u.plan ? 1 : 0, rc);
    if (op == OP_DELETE) {
        rm_response_body(ctx->resp, 204, NULL, NULL, 0);
        return 0;
    }
    if (widened) return rm_reply_json(ctx, 200, &u.body); /* not GET's representation: no tag */
    const char *etag = rm_etag(ctx, u.inst, &inc, fields, u.body.buf, u.body.len);
    rm_response_header(ctx->resp, ctx->a, "ETag", etag);
    const char *inm = rm_request_header(ctx->req, "If-None-Match");
    if (op == OP_GET && inm && rm_etag_matches(inm, etag, true)) {
        rm_response_body(ctx->resp, 304, NULL, NULL, 0);
        return 0;
    }
    return rm_reply_json(ctx, 200, &u.body);
}

int rm_handle_get_object(rm_ctx *ctx, const rm_match *at) { return handle_object(ctx, at, OP_GET); }
int rm_handle_replace_object(rm_ctx *ctx, const rm_match *at) { return handle_object(ctx, at, OP_REPLACE); }
int rm_handle_update_object(rm_ctx *ctx, const rm_match *at) { return handle_object(ctx, at, OP_UPDATE); }
int rm_handle_delete_object(rm_ctx *ctx, const rm_match *at) { return handle_object(ctx, at, OP_DELETE); }

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
    orm_query_init(&q, u->rel->target, s->scope);
    q.where = orm_with_parent(u->ctx->a, u->rel, row, 0, &q.aliases);
    q.limit = 1;
    q.counts = u->include->counts;
    q.ncounts = u->include->ncounts;
    orm_loaded got;
    rc = orm_load_query(s, &q, u->include->nodes, u->include->n, &got);
    u->inst = rc == 0 && got.n ? got.items[0] : NULL;
    return rc;
}

/* A to-one answers its object or null; a collection answers a list. */
int rm_handle_get_related(rm_ctx *ctx, const rm_match *at)
{
    const orm_relationship *r = at->rel;
    if (r->uselist)
        return rm_handle_related_list(ctx, at->mapper, r, at->key,
                                      ctx->req->raw_path ? ctx->req->raw_path : ctx->req->path);
    rm_include inc;
    bool *fields = NULL;
    int rc = rm_parse_object_params(ctx, r->target, &inc, &fields);
    if (rc) return rc;
    to_one_unit u = {ctx, at->mapper, r, at->key, &inc, NULL};
    if ((rc = rm_run(ctx, false, run_to_one, &u))) return rc;
    rm_sb sb;
    rm_answer_init(ctx, &sb);
    if (u.inst) rm_write_instance(&sb, u.inst, inc.nodes, inc.n, fields, &inc);
    else rm_sb_append(&sb, "null");
    return rm_reply_json(ctx, 200, &sb);
}

/* ---- adding to and removing from collections ---------------------------------- */

typedef struct member_unit member_unit;
/* The change itself, inside the unit, with the parent loaded and checked. */
typedef int (*member_op)(orm_session *s, member_unit *u, orm_uow *w, orm_instance *parent);

struct member_unit {
    rm_ctx *ctx;
    const orm_mapper *m;
    const orm_value *key;
    const orm_relationship *rel;
    member_op op;
    rm_plan *plan;              /* POST: the member */
    const orm_value *child_key; /* DELETE: the member's key */
    rm_include include;
    orm_instance *child;
    rm_sb body;
};

/* A member request's unit doing op, with the include and fields
 * parameters of the relationship's target checked (the answer is the
 * whole member). */
static int member_init(rm_ctx *ctx, const rm_match *at, member_op op, member_unit *u)
{
    *u = (member_unit){.ctx = ctx, .m = at->mapper, .key = at->key, .rel = at->rel, .op = op};
    bool *fields;
    return rm_parse_object_params(ctx, at->rel->target, &u->include, &fields);
}

/* The parent (404, If-Match) in a write unit, then the member's op. */
static int run_member(orm_session *s, void *ud)
{
    member_unit *u = ud;
    orm_instance *parent;
    int rc = begin_write(s, u->ctx, u->m, u->key, false, &parent);
    return rc ? rc : u->op(s, u, orm_session_uow(s), parent);
}

static int add_member(orm_session *s, member_unit *u, orm_uow *w, orm_instance *parent)
{
    rm_ctx *ctx = u->ctx;
    int rc = rm_build(ctx, w, u->plan, &u->child);
    if (rc || (rc = rm_fit(ctx, w, u->rel, u->child, ""))) return rc;
    orm_uow_link(w, parent, u->rel, u->child);
    if ((rc = orm_uow_flush(w))) return rc;
    if ((rc = orm_load_related(s, &u->child, 1, u->include.nodes, u->include.n))) return rc;
    rm_sb_init(&u->body, ctx->a);
    rm_write_instance(&u->body, u->child, u->include.nodes, u->include.n, NULL, &u->include);
    return 0;
}

int rm_handle_add_member(rm_ctx *ctx, const rm_match *at)
{
    member_unit u;
    int rc;
    if ((rc = member_init(ctx, at, add_member, &u)) ||
        (rc = rm_parse_member(ctx, at->rel, ctx->req->json, &u.plan)))
        return rc;
    rm_include_written(ctx, u.plan, &u.include);
    if ((rc = rm_run(ctx, true, run_member, &u))) return rm_point_conflict(ctx, &u.plan, 1, rc);
    rm_response_header(ctx->resp, ctx->a, "Location", rm_object_path(ctx->a, u.child->mapper, u.child->row));
    return rm_reply_json(ctx, 201, &u.body);
}

static int remove_member(orm_session *s, member_unit *u, orm_uow *w, orm_instance *parent)
{
    orm_include node = {.rel = u->rel, .strategy = ORM_LAZY_SELECTIN};
    int rc = orm_load_related(s, &parent, 1, &node, 1);
    if (rc) return rc;
    orm_instance *child = orm_identity_map_get(&s->map, u->rel->target->table, u->child_key);
    const orm_related *slot = orm_instance_related(parent, u->rel);
    bool member = false;
    for (size_t i = 0; child && slot && i < slot->n; i++) member |= slot->items[i] == child;
    if (!member)
        return orm_error_set(&u->ctx->err, ORM_E_NOT_FOUND, "that %s is not in %s.%s", u->rel->target->name,
                             u->m->name, u->rel->name);
    if ((rc = orm_uow_unlink(w, parent, u->rel, child))) return rc;
    return orm_uow_flush(w);
}

int rm_handle_remove_member(rm_ctx *ctx, const rm_match *at)
{
    const orm_mapper *target = at->rel->target;
    member_unit u;
    int rc = member_init(ctx, at, remove_member, &u);
    if (rc) return rc;
    orm_value *ck = RM_NEW_ARRAY(ctx->a, orm_value, target->table->npk);
    if (rm_parse_key(ctx->a, target, at->child, ck))
        return rm_refuse(ctx, 404, rm_arena_sprintf(ctx->a, "no %s with that key", target->name));
    u.child_key = ck;
    if ((rc = rm_run(ctx, true, run_member, &u))) return rc;
    rm_response_body(ctx->resp, 204, NULL, NULL, 0);
    return 0;
}
