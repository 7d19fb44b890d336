/* hf_gen.c: the request templates (see hf_gen.h). Each template builds one
 * valid request of its route for a random resource, from what the model
 * knows; the weights keep most traffic on lists, objects and writes. */
#include "tests/fuzz/hf_gen.h"

#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/hf_values.h"

#define MAX_BATCH_OPS 6

typedef void template_fn(const hf_model *m, hf_rng *r, hf_req *q, int res);

static int pick_res(const hf_model *m, hf_rng *r) { return (int)hf_rng_below(r, m->nres); }

/* An object path of res: a known one, or one made up from a plausible key. */
static void item_path(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    q->res = res;
    const char *known = hf_rng_chance(r, 90) ? hf_model_item(m, r, res) : NULL;
    if (known) {
        hf_req_path(q, known);
        return;
    }
    const hf_res *rs = &m->res[res];
    hf_req_segment(q, "api");
    hf_req_segment(q, rs->name);
    hf_buf key = {0};
    for (size_t i = 0; i < rs->ncols; i++) {
        const hf_col *c = &rs->cols[i];
        if (!c->pk) continue;
        if (key.len) hf_buf_addc(&key, ',');
        if (!strcmp(c->type, "integer") || !strcmp(c->type, "bigint")) hf_buf_fmt(&key, "%u", 1 + (unsigned)hf_rng_below(r, 12));
        else hf_buf_str(&key, hf_rng_chance(r, 50) ? "a" : "ed");
    }
    hf_req_segment(q, key.len ? key.p : "1");
    hf_buf_free(&key);
}

static void collection_path(const hf_model *m, hf_req *q, int res)
{
    q->res = res;
    hf_req_segment(q, "api");
    hf_req_segment(q, m->res[res].name);
}

/* A relationship of res, to-many ones when many is set (NULL if none). */
static const hf_rel *pick_rel(const hf_model *m, hf_rng *r, int res, bool many)
{
    const hf_res *rs = &m->res[res];
    for (int tries = 0; tries < 8 && rs->nrels; tries++) {
        const hf_rel *l = &rs->rels[hf_rng_below(r, rs->nrels)];
        if (!many || l->uselist) return l;
    }
    return NULL;
}

/* The list query parameters, each with its own chance. */
static void list_params(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    if (hf_rng_chance(r, 40)) hf_req_param_json(q, "filter", hf_gen_filter(m, r, res, 0));
    if (hf_rng_chance(r, 30)) {
        char *s = hf_gen_sort(m, r, res);
        hf_req_param(q, "sort", s);
        free(s);
    }
    if (hf_rng_chance(r, 30) && m->res[res].nrels) {
        char *s = hf_gen_include(m, r, res);
        hf_req_param(q, "include", s);
        if (hf_rng_chance(r, 30)) {
            char *dot = strchr(s, '.'), *comma = strchr(s, ',');
            if (dot) *dot = '\0';
            if (comma) *comma = '\0';
            const hf_rel *l = NULL;
            for (size_t i = 0; i < m->res[res].nrels; i++)
                if (!strcmp(m->res[res].rels[i].name, s)) l = &m->res[res].rels[i];
            if (l && l->target >= 0) {
                char *key = hf_xasprintf("fields[%s]", s), *f = hf_gen_fields(m, r, l->target);
                hf_req_param(q, key, f);
                free(key);
                free(f);
            }
        }
        free(s);
    }
    if (hf_rng_chance(r, 15)) {
        char *s = hf_gen_fields(m, r, res);
        hf_req_param(q, "fields", s);
        free(s);
    }
    char num[32];
    if (hf_rng_chance(r, 30)) {
        snprintf(num, sizeof num, "%u", (unsigned)hf_rng_size(r, 60) - 1);
        hf_req_param(q, "limit", num);
    }
    if (hf_rng_chance(r, 15)) {
        snprintf(num, sizeof num, "%u", (unsigned)hf_rng_size(r, 30) - 1);
        hf_req_param(q, "offset", num);
    }
    if (hf_rng_chance(r, 20)) hf_req_param(q, "count", "exact");
    if (hf_rng_chance(r, 15)) {
        const hf_col *c = hf_pick_readable(m, r, res);
        if (c) {
            char *v = hf_value_text(m, r, c);
            hf_req_param(q, c->name, v);
            free(v);
        }
    }
}

/* include and fields for one object. */
static void object_params(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    if (hf_rng_chance(r, 25) && m->res[res].nrels) {
        char *s = hf_gen_include(m, r, res);
        hf_req_param(q, "include", s);
        free(s);
    }
    if (hf_rng_chance(r, 15)) {
        char *s = hf_gen_fields(m, r, res);
        hf_req_param(q, "fields", s);
        free(s);
    }
}

/* If-Match / If-None-Match with the path's real ETag, mostly. */
static void condition(const hf_model *m, hf_rng *r, hf_req *q, const char *header, unsigned percent)
{
    if (!hf_rng_chance(r, percent)) return;
    const char *etag = hf_model_etag(m, q->path.p ? q->path.p : "");
    static const char *const others[] = {"*", "\"nope\"", "W/\"x\"", "\"a\", \"b\""};
    hf_req_header(q, header, etag && hf_rng_chance(r, 75) ? etag : HF_PICK(r, others));
}

/* ------------------------------------------------------------ templates */

static void t_index(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "GET", "index");
    hf_req_path(q, "/api");
}

static void t_list(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "GET", "list");
    collection_path(m, q, res);
    list_params(m, r, q, res);
}

static void t_next(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    const char *next = hf_pool_pick(&m->nexts, r);
    if (!next) {
        t_list(m, r, q, res);
        return;
    }
    hf_req_init(q, "GET", "next");
    hf_req_path(q, next); /* the whole target, cursor included */
}

static void t_get(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "GET", "get");
    item_path(m, r, q, res);
    object_params(m, r, q, res);
    condition(m, r, q, "If-None-Match", 20);
}

static void t_sub_get(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    const hf_rel *l = pick_rel(m, r, res, false);
    const char *link = hf_rng_chance(r, 30) ? hf_pool_pick(&m->links, r) : NULL;
    hf_req_init(q, "GET", "sub-get");
    if (link || !l) {
        hf_req_path(q, link ? link : "/api");
        return;
    }
    item_path(m, r, q, res);
    hf_req_segment(q, l->name);
    if (l->uselist && l->target >= 0) list_params(m, r, q, l->target);
}

static void t_create(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "POST", "create");
    collection_path(m, q, res);
    hf_req_json(q, hf_gen_object(m, r, res, HF_BODY_CREATE, 0));
}

static void t_create_many(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "POST", "create-many");
    collection_path(m, q, res);
    json_t *list = json_array();
    size_t n = hf_rng_size(r, 8) - (hf_rng_chance(r, 10) ? 1 : 0);
    for (size_t i = 0; i < n; i++) json_array_append_new(list, hf_gen_object(m, r, res, HF_BODY_CREATE, 0));
    hf_req_json(q, list);
}

static void t_replace(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "PUT", "replace");
    item_path(m, r, q, res);
    hf_req_json(q, hf_gen_object(m, r, res, HF_BODY_REPLACE, 0));
    condition(m, r, q, "If-Match", 30);
}

static void t_patch(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "PATCH", "update");
    item_path(m, r, q, res);
    hf_req_json(q, hf_gen_object(m, r, res, HF_BODY_PATCH, 0));
    condition(m, r, q, "If-Match", 30);
}

static void t_delete(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "DELETE", "delete");
    item_path(m, r, q, res);
    condition(m, r, q, "If-Match", 20);
}

static void t_sub_post(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    const hf_rel *l = pick_rel(m, r, res, true);
    if (!l || l->target < 0) {
        t_create(m, r, q, res);
        return;
    }
    hf_req_init(q, "POST", "sub-post");
    item_path(m, r, q, res);
    hf_req_segment(q, l->name);
    json_t *body = hf_rng_chance(r, 40) ? hf_gen_link(m, r, l->target) : NULL;
    hf_req_json(q, body ? body : hf_gen_object(m, r, l->target, HF_BODY_CREATE, 1));
    condition(m, r, q, "If-Match", 15);
}

static void t_sub_delete(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    const hf_rel *l = pick_rel(m, r, res, true);
    const char *child = l && l->target >= 0 ? hf_model_key(m, r, l->target) : NULL;
    if (!child) {
        t_delete(m, r, q, res);
        return;
    }
    hf_req_init(q, "DELETE", "sub-delete");
    item_path(m, r, q, res);
    hf_req_segment(q, l->name);
    hf_req_path(q, "/");
    hf_req_path(q, child);
    condition(m, r, q, "If-Match", 15);
}

static void t_batch(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    hf_req_init(q, "POST", "batch");
    hf_req_path(q, "/api/_batch");
    json_t *ops = json_array();
    size_t n = hf_rng_size(r, MAX_BATCH_OPS);
    for (size_t i = 0; i < n; i++) json_array_append_new(ops, hf_gen_batch_op(m, r));
    hf_req_json(q, json_pack("{s:o}", "operations", ops));
}

static void t_misc(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    static const char *const paths[] = {"/healthz", "/metrics", "/openapi.json", "/",
                                        "/static/app.js", "/static/index.html", "/static/app.css",
                                        "/static/missing.js", "/api/"};
    hf_req_init(q, "GET", "misc");
    hf_req_path(q, HF_PICK(r, paths));
}

/* Any read template, then OPTIONS or HEAD instead of GET. */
static void t_options_head(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    template_fn *const reads[] = {t_index, t_list, t_get, t_sub_get, t_misc};
    HF_PICK(r, reads)(m, r, q, res);
    hf_req_set_method(q, hf_rng_chance(r, 50) ? "OPTIONS" : "HEAD");
    q->route = "options-head";
}

/* SPEC §10: aggregates, query bodies, bulk writes by filter. */
static void t_query_depth(const hf_model *m, hf_rng *r, hf_req *q, int res)
{
    const hf_col *c = hf_pick_readable(m, r, res);
    const char *cname = c ? c->name : "id";
    switch (hf_rng_below(r, 5)) {
    case 0:
        hf_req_init(q, "GET", "aggregate");
        collection_path(m, q, res);
        hf_req_path(q, "/_aggregate");
        hf_req_param(q, "group_by", cname);
        hf_req_param(q, "count", "*");
        if (hf_rng_chance(r, 50)) hf_req_param(q, "max", cname);
        break;
    case 1:
    case 2: {
        hf_req_init(q, hf_rng_chance(r, 50) ? "POST" : "QUERY", "query-body");
        collection_path(m, q, res);
        if (!strcmp(q->method, "POST")) hf_req_path(q, "/_query");
        json_t *body = json_object();
        json_object_set_new(body, "filter", hf_gen_filter(m, r, res, 0));
        json_object_set_new(body, "limit", json_integer((json_int_t)hf_rng_below(r, 10)));
        hf_req_json(q, body);
        break;
    }
    default:
        hf_req_init(q, hf_rng_chance(r, 50) ? "PATCH" : "DELETE", "bulk");
        collection_path(m, q, res);
        hf_req_param_json(q, "filter", hf_gen_filter(m, r, res, 0));
        hf_req_param(q, "dry_run", "true");
        if (!strcmp(q->method, "PATCH")) hf_req_json(q, hf_gen_object(m, r, res, HF_BODY_PATCH, 1));
        break;
    }
}

typedef struct weighted {
    template_fn *fn;
    unsigned weight;
    bool batchable;
} weighted;

static const weighted templates[] = {
    {t_index, 2, false},    {t_list, 20, true},     {t_next, 3, true},
    {t_get, 12, true},      {t_sub_get, 8, true},   {t_create, 10, true},
    {t_create_many, 4, true}, {t_replace, 5, true}, {t_patch, 7, true},
    {t_delete, 4, true},    {t_sub_post, 5, true},  {t_sub_delete, 3, true},
    {t_batch, 8, false},    {t_misc, 3, false},     {t_options_head, 4, false},
    {t_query_depth, 2, true},
};

static template_fn *pick_template(hf_rng *r, bool batch)
{
    unsigned total = 0;
    for (size_t i = 0; i < HF_COUNT(templates); i++)
        if (!batch || templates[i].batchable) total += templates[i].weight;
    size_t x = hf_rng_below(r, total);
    for (size_t i = 0; i < HF_COUNT(templates); i++) {
        if (batch && !templates[i].batchable) continue;
        if (x < templates[i].weight) return templates[i].fn;
        x -= templates[i].weight;
    }
    return t_list;
}

void hf_gen_request(const hf_model *m, hf_rng *r, hf_req *q)
{
    if (!m->nres) {
        t_misc(m, r, q, 0);
        return;
    }
    pick_template(r, false)(m, r, q, pick_res(m, r));
}

json_t *hf_gen_batch_op(const hf_model *m, hf_rng *r)
{
    hf_req sub;
    if (m->nres) pick_template(r, true)(m, r, &sub, pick_res(m, r));
    else t_index(m, r, &sub, 0);
    char *target = hf_req_target(&sub);
    json_t *op = json_pack("{s:s,s:s}", "method", sub.method, "path", target);
    if (!op) op = json_pack("{s:s,s:s}", "method", "GET", "path", "/api/");
    if (sub.json) json_object_set(op, "body", sub.json);
    free(target);
    hf_req_free(&sub);
    return op;
}
