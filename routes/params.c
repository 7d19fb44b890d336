/* params.c: the query string of a list request → an orm_query plus paging,
 * fields and count options (SPEC §4). Every unknown parameter, repeated
 * parameter or bad value is a 400 whose pointer is /query/<param>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "orm/convert.h"
#include "routes/routes_int.h"

static int bad(rm_ctx *ctx, const char *param, const char *msg)
{
    orm_error_field(&ctx->err, ORM_E_INVALID, rm_arena_sprintf(ctx->a, "/query/%s", param), "%s", msg);
    return ORM_E_INVALID;
}

/* Non-negative integer, or -1. */
static int64_t parse_count(const char *s)
{
    if (!*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return *end || errno || v < 0 ? -1 : (int64_t)v;
}

/* A readable column of m by name, or NULL. */
static const orm_column *readable_column(const orm_mapper *m, const char *name)
{
    const orm_column *c = orm_table_column(m->table, name);
    return c && rm_column_readable(c) ? c : NULL;
}

/* "name,-id" → ORDER BY items over alias 0. */
static int parse_sort(rm_ctx *ctx, const orm_mapper *m, const char *spec, const char *param,
                      orm_query *q)
{
    size_t n = 1;
    for (const char *p = spec; *p; p++) n += *p == ',';
    q->order = RM_NEW_ARRAY(ctx->a, orm_order_item, n);
    q->norder = 0;
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        bool desc = *key == '-';
        if (*key == '-' || *key == '+') key++;
        const orm_column *c = readable_column(m, key);
        if (!c) return bad(ctx, param, rm_arena_sprintf(ctx->a, "unknown column \"%s\"", key));
        q->order[q->norder++] = (orm_order_item){orm_expr_column(ctx->a, 0, c), desc};
    }
    if (!q->norder) return bad(ctx, param, "must name at least one column");
    return 0;
}

static int parse_fields(rm_ctx *ctx, const orm_mapper *m, const char *spec, rm_list_params *out)
{
    out->fields = RM_NEW_ARRAY(ctx->a, bool, m->table->ncolumns);
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        const orm_column *c = readable_column(m, key);
        if (!c) return bad(ctx, "fields", rm_arena_sprintf(ctx->a, "unknown column \"%s\"", key));
        out->fields[c->index] = true;
    }
    return 0;
}

/* ?column=value equality shorthand. */
static int parse_shorthand(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, orm_query *q)
{
    const orm_column *c = readable_column(m, kv->key);
    if (!c) return bad(ctx, kv->key, "unknown query parameter");
    orm_value v;
    const char *msg;
    if (orm_value_from_text(c, kv->value ? kv->value : "", ctx->a, &v, &msg))
        return bad(ctx, kv->key, msg);
    q->where = orm_expr_and(ctx->a, q->where, orm_expr_col_eq(ctx->a, 0, c, v));
    return 0;
}

static bool seen_before(const rm_request *req, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(req->query[k].key, req->query[i].key) == 0) return true;
    return false;
}

int rm_parse_list_params(rm_ctx *ctx, const orm_mapper *m, rm_list_params *out)
{
    const rm_request *req = ctx->req;
    memset(out, 0, sizeof *out);
    orm_query_init(&out->query, m);
    out->limit = m->page_size;
    const char *sort = m->default_order;
    int rc = 0;
    for (size_t i = 0; i < req->nquery; i++) {
        const rm_kv *kv = &req->query[i];
        const char *val = kv->value ? kv->value : "";
        if (seen_before(req, i)) {
            rc = bad(ctx, kv->key, "is given more than once");
        } else if (!strcmp(kv->key, "limit")) {
            out->limit = parse_count(val);
            if (out->limit < 0) rc = bad(ctx, "limit", "must be a non-negative integer");
            else if (out->limit > m->max_page_size)
                rc = bad(ctx, "limit", rm_arena_sprintf(ctx->a, "must be at most %d", m->max_page_size));
        } else if (!strcmp(kv->key, "offset")) {
            out->offset = parse_count(val);
            if (out->offset < 0) rc = bad(ctx, "offset", "must be a non-negative integer");
        } else if (!strcmp(kv->key, "sort")) {
            sort = val;
            if (!*val) rc = bad(ctx, "sort", "must name at least one column");
        } else if (!strcmp(kv->key, "count")) {
            if (strcmp(val, "exact")) rc = bad(ctx, "count", "must be \"exact\"");
            out->count = true;
        } else if (!strcmp(kv->key, "fields")) {
            rc = parse_fields(ctx, m, val, out);
        } else {
            rc = parse_shorthand(ctx, m, kv, &out->query);
        }
        if (rc) return rc;
    }
    if (sort && (rc = parse_sort(ctx, m, sort, "sort", &out->query))) return rc;
    out->query.limit = out->limit;
    out->query.offset = out->offset;
    return 0;
}
