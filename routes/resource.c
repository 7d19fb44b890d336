/* resource.c: the handlers of /api/{res} and /api/{res}/{id}: list, read,
 * create (one or many), replace, update, delete. Each runs its database
 * work as one unit (one transaction) through the ORM, then writes JSON. */
#include <string.h>

#include "orm/cascade.h"
#include "routes/routes_int.h"

/* ---- list ----------------------------------------------------------------- */

typedef struct list_unit {
    rm_list_params *p;
    orm_result rows;
    int64_t total;
} list_unit;

static int run_list(orm_session *s, void *ud)
{
    list_unit *u = ud;
    orm_query q = u->p->query;
    q.limit = u->p->limit + 1; /* one more row tells whether there is a next page */
    int rc = orm_query_all(s, &q, &u->rows);
    if (!rc && u->p->count) rc = orm_query_count(s, &u->p->query, &u->total);
    return rc;
}

/* This list's URL: the request's parameters, with offset and cursor
 * replaced when `replace` (then offset > 0 and cursor non-NULL are added). */
static const char *list_link(rm_ctx *ctx, const orm_mapper *m, bool replace, int64_t offset,
                             const char *cursor)
{
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_sb_appendf(&sb, "/api/%s", m->resource);
    char sep = '?';
    for (size_t i = 0; i < ctx->req->nquery; i++) {
        const rm_kv *kv = &ctx->req->query[i];
        if (replace && (!strcmp(kv->key, "offset") || !strcmp(kv->key, "cursor"))) continue;
        rm_sb_appendc(&sb, sep);
        sep = '&';
        rm_url_encode(&sb, kv->key, strlen(kv->key));
        rm_sb_appendc(&sb, '=');
        if (kv->value) rm_url_encode(&sb, kv->value, strlen(kv->value));
    }
    if (replace && offset > 0) rm_sb_appendf(&sb, "%coffset=%lld", sep, (long long)offset), sep = '&';
    if (replace && cursor) {
        rm_sb_appendf(&sb, "%ccursor=", sep);
        rm_url_encode(&sb, cursor, strlen(cursor));
    }
    return sb.buf;
}

/* links.next carries a keyset cursor from the page's last row; links.prev
 * steps back by offset (a cursor page has no prev). */
static void write_list_links(rm_ctx *ctx, const orm_mapper *m, rm_list_params *p,
                             const orm_result *rows, size_t n, rm_sb *sb)
{
    rm_sb_append(sb, "\"links\":{\"self\":");
    const char *self = list_link(ctx, m, false, 0, NULL);
    rm_sb_append_json_string(sb, self, strlen(self));
    if (rows->nrows > n && n > 0) {
        size_t nkeys;
        orm_query_effective_order(&p->query, ctx->a, &nkeys);
        orm_value *keys = RM_NEW_ARRAY(ctx->a, orm_value, nkeys);
        orm_query_sort_values(&p->query, ctx->a, rows, n - 1, keys);
        const char *cursor = rm_cursor_encode(ctx, m, p->sort, keys, nkeys);
        const char *next = list_link(ctx, m, true, 0, cursor);
        rm_sb_append(sb, ",\"next\":");
        rm_sb_append_json_string(sb, next, strlen(next));
    }
    if (p->offset > 0 && !p->cursor) {
        const char *prev = list_link(ctx, m, true, p->offset > p->limit ? p->offset - p->limit : 0, NULL);
        rm_sb_append(sb, ",\"prev\":");
        rm_sb_append_json_string(sb, prev, strlen(prev));
    }
    rm_sb_appendc(sb, '}');
}

static void handle_list(rm_ctx *ctx, const orm_mapper *m)
{
    rm_list_params p;
    if (rm_parse_list_params(ctx, m, &p)) { rm_fail(ctx); return; }
    list_unit u = {.p = &p};
    if (orm_session_run(&ctx->session, false, run_list, &u)) { rm_fail(ctx); return; }

    size_t n = u.rows.nrows > (size_t)p.limit ? (size_t)p.limit : u.rows.nrows;
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_sb_append(&sb, "{\"data\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) rm_sb_appendc(&sb, ',');
        rm_write_object(&sb, m, orm_result_row(&u.rows, i), p.fields);
    }
    rm_sb_appendf(&sb, "],\"meta\":{\"limit\":%lld,\"offset\":%lld", (long long)p.limit,
                  (long long)p.offset);
    if (p.count) rm_sb_appendf(&sb, ",\"total\":%lld", (long long)u.total);
    rm_sb_append(&sb, "},");
    write_list_links(ctx, m, &p, &u.rows, n, &sb);
    rm_sb_appendc(&sb, '}');
    rm_reply_json(ctx, 200, &sb);
}

/* ---- create --------------------------------------------------------------- */

int rm_insert_objects(orm_session *s, const orm_mapper *m, rm_row_input *inputs,
                      size_t n, orm_value **rows)
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
} create_unit;

static int run_create(orm_session *s, void *ud)
{
    create_unit *u = ud;
    return rm_insert_objects(s, u->m, u->inputs, u->n, u->rows);
}

static void handle_create(rm_ctx *ctx, const orm_mapper *m)
{
    json_t *body = ctx->req->json;
    if (!body) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object or array is required");
        { rm_fail(ctx); return; }
    }
    bool bulk = json_is_array(body);
    size_t n = bulk ? json_array_size(body) : 1;
    create_unit u = {.ctx = ctx, .m = m, .n = n};
    u.inputs = RM_NEW_ARRAY(ctx->a, rm_row_input, n);
    u.rows = RM_NEW_ARRAY(ctx->a, orm_value *, n);
    for (size_t i = 0; i < n; i++) {
        const char *prefix = bulk ? rm_arena_sprintf(ctx->a, "/%zu", i) : "";
        rm_decode_row(ctx, m, bulk ? json_array_get(body, i) : body, RM_WRITE_CREATE, prefix, NULL,
                      &u.inputs[i]);
    }
    if (ctx->err.code) { rm_fail(ctx); return; }
    if (orm_session_run(&ctx->session, true, run_create, &u)) { rm_fail(ctx); return; }

    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    if (bulk) {
        rm_sb_append(&sb, "{\"data\":[");
        for (size_t i = 0; i < n; i++) {
            if (i) rm_sb_appendc(&sb, ',');
            rm_write_object(&sb, m, u.rows[i], NULL);
        }
        rm_sb_append(&sb, "]}");
    } else {
        rm_write_object(&sb, m, u.rows[0], NULL);
        rm_response_header(ctx->resp, ctx->a, "Location", rm_object_path(ctx->a, m, u.rows[0]));
    }
    rm_reply_json(ctx, 201, &sb);
}

void rm_handle_collection(rm_ctx *ctx, const orm_mapper *m)
{
    const char *method = ctx->req->method;
    unsigned allowed = m->methods & (ORM_ALLOW_READ | ORM_ALLOW_CREATE);
    if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && (allowed & ORM_ALLOW_READ))
        { handle_list(ctx, m); return; }
    if (!strcmp(method, "POST") && (allowed & ORM_ALLOW_CREATE)) { handle_create(ctx, m); return; }
    rm_fail_method(ctx, allowed);
}

/* ---- one object ----------------------------------------------------------- */

typedef struct item_unit {
    const orm_mapper *m;
    const orm_value *key;
    rm_row_input in;
    int op; /* 'G'et, 'U'pdate, 'D'elete */
    orm_value *row;
} item_unit;

static int run_item(orm_session *s, void *ud)
{
    item_unit *u = ud;
    switch (u->op) {
    case 'G': return orm_get(s, u->m, u->key, &u->row);
    case 'U': return orm_update_row(s, u->m, u->key, u->in.values, u->in.given, &u->row);
    default: return orm_delete_cascade(s, u->m, u->key);
    }
}

static void reply_object(rm_ctx *ctx, const orm_mapper *m, const orm_value *row)
{
    rm_sb sb;
    rm_sb_init(&sb, ctx->a);
    rm_write_object(&sb, m, row, NULL);
    rm_reply_json(ctx, 200, &sb);
}

void rm_handle_item(rm_ctx *ctx, const orm_mapper *m, const char *key_text)
{
    const char *method = ctx->req->method;
    unsigned allowed = m->methods & (ORM_ALLOW_READ | ORM_ALLOW_REPLACE | ORM_ALLOW_UPDATE | ORM_ALLOW_DELETE);
    item_unit u = {.m = m};
    bool write = true;
    if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && (allowed & ORM_ALLOW_READ)) {
        u.op = 'G';
        write = false;
    } else if (!strcmp(method, "PUT") && (allowed & ORM_ALLOW_REPLACE)) {
        u.op = 'U';
    } else if (!strcmp(method, "PATCH") && (allowed & ORM_ALLOW_UPDATE)) {
        u.op = 'U';
    } else if (!strcmp(method, "DELETE") && (allowed & ORM_ALLOW_DELETE)) {
        u.op = 'D';
    } else {
        { rm_fail_method(ctx, allowed); return; }
    }
    orm_value *key = RM_NEW_ARRAY(ctx->a, orm_value, m->table->npk);
    if (rm_parse_key(ctx->a, m, key_text, key)) {
        orm_error_set(&ctx->err, ORM_E_NOT_FOUND, "no %s with that key", m->name);
        { rm_fail(ctx); return; }
    }
    u.key = key;
    if (u.op == 'U') {
        if (!ctx->req->json || !json_is_object(ctx->req->json)) {
            orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object is required");
            { rm_fail(ctx); return; }
        }
        rm_write_mode mode = !strcmp(method, "PUT") ? RM_WRITE_REPLACE : RM_WRITE_UPDATE;
        if (rm_decode_row(ctx, m, ctx->req->json, mode, "", key, &u.in)) { rm_fail(ctx); return; }
    }
    if (orm_session_run(&ctx->session, write, run_item, &u)) { rm_fail(ctx); return; }
    if (u.op == 'D') { rm_response_body(ctx->resp, 204, NULL, NULL, 0); return; }
    reply_object(ctx, m, u.row);
}
