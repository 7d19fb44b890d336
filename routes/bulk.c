/* bulk.c: PATCH and DELETE /api/{res}?filter=... (SPEC §10 D): the rows
 * the filter and the equality shorthand choose (the row filter holding),
 * updated or deleted as a loop of single-object writes in one unit would
 * (orm/bulk.h does the writing). Here: the parameters (a filter, or
 * all=true; dry_run; nothing else), the PATCH body (writable columns
 * only), the resource's max_bulk_rows, and the answer
 *   200 {"matched", "tables": {table: {"updated"?, "deleted"?}}, "max_bulk_rows", "dry_run"}
 * or, past max_bulk_rows, a 422 at /query/filter (/query/all) carrying the
 * same matched, tables and max_bulk_rows, nothing written. A dry run is
 * the same request undone before its unit ends. */
#include <stdlib.h>
#include <string.h>

#include "lib/problem.h"
#include "orm/bulk.h"
#include "routes/routes_int.h"

typedef struct bulk_unit {
    rm_ctx *ctx;
    rm_list_params lp;          /* the query: filter and shorthand */
    bool update;                /* PATCH, else DELETE */
    const orm_column **cols;    /* PATCH: the columns set and their values */
    orm_value *vals;
    size_t ncols;
    bool all, dry_run;
    int max_rows;               /* the resource's max_bulk_rows */
    orm_bulk_result result;
    bool over;                  /* the result is past max_rows */
} bulk_unit;

/* "true" or "false" for a boolean parameter; 400 at it otherwise. */
static int flag(rm_ctx *ctx, const rm_kv *kv, bool *out)
{
    const char *v = kv->value ? kv->value : "";
    if (!strcmp(v, "true") || !strcmp(v, "false")) {
        *out = !strcmp(v, "true");
        return 0;
    }
    return rm_bad_param(ctx, kv->key, "must be true or false");
}

/* Does the filter text choose something: anything but an empty object
 * (an invalid one is left to the filter's own parsing)? */
static bool filter_chooses(const char *text)
{
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    bool empty = json_is_object(j) && json_object_size(j) == 0;
    json_decref(j);
    return !empty;
}

/* The query string: all and dry_run read here, filter and the shorthand
 * by the list's parser (the same rules and pointers), anything else 400. */
static int parse_params(rm_ctx *ctx, const orm_mapper *m, bulk_unit *u)
{
    const rm_request *req = ctx->req;
    rm_request rest = *req;
    rest.query = RM_NEW_ARRAY(ctx->a, rm_kv, req->nquery + 1);
    rest.nquery = 0;
    bool chooses = false;
    for (size_t i = 0; i < req->nquery; i++) {
        const rm_kv *kv = &req->query[i];
        int rc = 0;
        if (!strcmp(kv->key, "all") || !strcmp(kv->key, "dry_run")) {
            bool *to = !strcmp(kv->key, "all") ? &u->all : &u->dry_run;
            if (rm_request_query(req, kv->key) != kv->value) rc = rm_bad_param(ctx, kv->key, "is given more than once");
            else rc = flag(ctx, kv, to);
            if (rc) return rc;
            continue;
        }
        if (!strcmp(kv->key, "filter")) chooses |= filter_chooses(kv->value ? kv->value : "");
        else if (orm_mapper_column(m, kv->key, ORM_COL_READ)) chooses = true;
        else return rm_bad_param(ctx, kv->key, "is not taken by a bulk write (filter, the equality "
                                               "shorthand, all and dry_run are)");
        rest.query[rest.nquery++] = *kv;
    }
    ctx->req = &rest;
    int rc = rm_parse_list_params(ctx, m, NULL, &u->lp);
    ctx->req = req;
    if (rc) return rc;
    if (u->all && chooses) return rm_bad_param(ctx, "all", "cannot be combined with a filter");
    if (!u->all && !chooses)
        return rm_bad_param(ctx, "filter", "a bulk write needs a filter that chooses rows (or all=true "
                                           "to write every row)");
    return 0;
}

/* A PATCH body: an object of writable columns, at least one; relationship
 * and proxy keys, key and version columns and {"$col": ...} values 400 at
 * their member; values decoded and validated as a single PATCH's. */
static int parse_body(rm_ctx *ctx, const orm_mapper *m, bulk_unit *u)
{
    const json_t *body = ctx->req->json;
    if (!json_is_object(body)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "a JSON object of the columns to set is required");
        return ORM_E_INVALID;
    }
    if (!json_object_size(body)) {
        orm_error_field(&ctx->err, ORM_E_INVALID, "", "the body sets no column");
        return ORM_E_INVALID;
    }
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)body, name, v) {
        const char *at = rm_pointer_child(ctx->a, "", name);
        const orm_column *c = orm_mapper_column(m, name, ORM_COL_INPUT);
        const char *why = !c && (rm_relationship(ctx, m, name) || rm_proxy(ctx, m, name))
                              ? "a bulk write sets columns only: write relationships object by object"
                          : c && c->primary_key ? "a key column cannot be set by a bulk write"
                          : c && c->version     ? "a version column cannot be set: each written row's is incremented"
                          : json_is_object(v) && json_object_get(v, "$col")
                              ? "{\"$col\": ...} values are reserved in bulk writes"
                              : NULL;
        if (why) orm_error_field(&ctx->err, ORM_E_INVALID, at, "%s", why);
    }
    if (ctx->err.code) return ctx->err.code;
    rm_row_input in;
    int rc = rm_decode_row(ctx, m, body, RM_WRITE_UPDATE, "", NULL, NULL, &in);
    if (rc) return rc;
    const orm_table *t = m->table;
    u->cols = RM_NEW_ARRAY(ctx->a, const orm_column *, t->ncolumns);
    u->vals = RM_NEW_ARRAY(ctx->a, orm_value, t->ncolumns);
    for (size_t i = 0; i < t->ncolumns; i++)
        if (in.given[i]) {
            u->cols[u->ncols] = &t->columns[i];
            u->vals[u->ncols++] = in.values[i];
        }
    return 0;
}

/* The parameter a refusal of the whole set points at. */
static const char *chooser(const bulk_unit *u) { return u->all ? "all" : "filter"; }

static int run_bulk(orm_session *s, void *ud)
{
    bulk_unit *u = ud;
    u->over = false;
    int rc = u->dry_run ? orm_bulk_savepoint(s) : 0;
    if (!rc) rc = u->update ? orm_bulk_update(s, &u->lp.query, u->cols, u->vals, u->ncols, &u->result)
                            : orm_bulk_delete(s, &u->lp.query, &u->result);
    if (rc) return rc;
    int64_t total = orm_bulk_total(&u->result);
    if (total > u->max_rows) {
        u->over = true;
        orm_error_field(&u->ctx->err, ORM_E_VALIDATION, rm_param_pointer(u->ctx, chooser(u)),
                        "the request would write %lld rows, cascades included; max_bulk_rows is %d: "
                        "narrow the filter", (long long)total, u->max_rows);
        return ORM_E_VALIDATION;
    }
    return u->dry_run ? orm_bulk_undo(s) : 0;
}

/* matched, tables and max_bulk_rows (both answers carry them). */
static void add_counts(json_t *doc, const bulk_unit *u)
{
    json_t *tables = json_object();
    for (size_t i = 0; i < u->result.ntables; i++) {
        const orm_bulk_count *c = &u->result.tables[i];
        if (!c->updated && !c->deleted) continue;
        json_t *one = json_object();
        if (c->updated) json_object_set_new(one, "updated", json_integer(c->updated));
        if (c->deleted) json_object_set_new(one, "deleted", json_integer(c->deleted));
        json_object_set_new(tables, c->table->name, one);
    }
    json_object_set_new(doc, "matched", json_integer(u->result.matched));
    json_object_set_new(doc, "tables", tables);
    json_object_set_new(doc, "max_bulk_rows", json_integer(u->max_rows));
}

/* The 422 past max_bulk_rows: the problem as every refusal answers it,
 * with the counts added. */
static int answer_over(rm_ctx *ctx, const bulk_unit *u, int rc)
{
    rm_answer_outcome(ctx, rc);
    json_t *doc = json_loadb(ctx->resp->body, ctx->resp->body_len, 0, NULL);
    if (!doc) return 0; /* cannot happen: the problem is JSON */
    add_counts(doc, u);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text) return 0;
    const char *copy = rm_arena_strdup(ctx->a, text);
    free(text);
    rm_response_body(ctx->resp, ctx->resp->status, ctx->resp->content_type, copy, strlen(copy));
    return 0;
}

static int handle_bulk(rm_ctx *ctx, const rm_match *at, bool update)
{
    const orm_mapper *m = at->mapper;
    bulk_unit u = {.ctx = ctx, .update = update, .max_rows = rm_resource_of(m)->max_bulk_rows};
    /* no one representation to compare: only If-Match "*" holds (412) */
    int rc = rm_check_if_match_none(ctx);
    if (!rc) rc = parse_params(ctx, m, &u);
    if (!rc && update) rc = parse_body(ctx, m, &u);
    if (rc) return rc;
    rc = rm_run(ctx, true, run_bulk, &u);
    if (rc && u.over) return answer_over(ctx, &u, rc);
    if (rc) return rc;
    json_t *doc = json_object();
    add_counts(doc, &u);
    json_object_set_new(doc, "dry_run", json_boolean(u.dry_run));
    return rm_reply_json_doc(ctx, 200, doc);
}

int rm_handle_bulk_update(rm_ctx *ctx, const rm_match *at) { return handle_bulk(ctx, at, true); }
int rm_handle_bulk_delete(rm_ctx *ctx, const rm_match *at) { return handle_bulk(ctx, at, false); }
