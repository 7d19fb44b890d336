/* params.c: the query string of a list request → an orm_query plus paging,
 * fields and count options (SPEC §4), and the criteria of included
 * collections (filter[PATH], sort[PATH], limit[PATH], offset[PATH]: SPEC
 * §10 C) on the include tree's nodes. Every unknown parameter, repeated
 * parameter or bad value is a 400 whose pointer is /query/<param>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json_error.h"
#include "orm/convert.h"
#include "orm/related_count.h"
#include "routes/routes_int.h"

/* count[...] parameters one request may give (SPEC §10 limits). */
#define MAX_COUNTS 10

static int bad(rm_ctx *ctx, const char *param, const char *msg) { return rm_bad_param(ctx, param, "%s", msg); }

/* Non-negative integer in plain digits (no sign, no space), or -1. */
static int64_t parse_count(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    if (!*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return *end || errno || v < 0 ? -1 : (int64_t)v;
}

/* A JSON filter's text for m at alias 0 → *out (NULL for {}); errors
 * point under `pointer` ("/filter", "/filter[orders]"). */
json_t *rm_param_json(rm_ctx *ctx, const char *text, const char *pointer)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        orm_error_field(&ctx->err, ORM_E_INVALID, pointer, "not valid JSON: %s (at character %d)",
                        rm_json_error_message(&jerr), jerr.position);
    return j;
}

int rm_param_bounded(rm_ctx *ctx, const char *param, const char *val, int64_t max, const char *why, int64_t *out)
{
    *out = parse_count(val);
    if (*out < 0) return bad(ctx, param, "must be a non-negative integer");
    if (max >= 0 && *out > max) return rm_bad_param(ctx, param, "must be at most %lld%s", (long long)max, why);
    return 0;
}

static int parse_json_filter(rm_ctx *ctx, const orm_mapper *m, const char *text, const char *pointer,
                             orm_alias_seq *aliases, orm_expr **out)
{
    *out = NULL;
    json_t *j = rm_param_json(ctx, text, pointer);
    if (!j) return ORM_E_INVALID;
    int rc = orm_filter_parse(ctx->a, m, j, 0, aliases, pointer, out, &ctx->err);
    json_decref(j); /* the tree keeps copies of every value it needs */
    return rc;
}

/* filter=JSON → WHERE, AND-ed with what is there. */
static int parse_filter(rm_ctx *ctx, const orm_mapper *m, const char *text, orm_alias_seq *aliases,
                        orm_query *q)
{
    orm_expr *e;
    int rc = parse_json_filter(ctx, m, text, "/filter", aliases, &e);
    if (!rc) q->where = orm_expr_and(ctx->a, q->where, e);
    return rc;
}

/* cursor=... → the keyset condition; it must have been issued for this sort. */
static int apply_cursor(rm_ctx *ctx, const orm_mapper *m, rm_list_params *out)
{
    size_t n;
    orm_query_effective_order(&out->query, ctx->a, &n);
    orm_value *values = RM_NEW_ARRAY(ctx->a, orm_value, n);
    bool before = false;
    if (rm_cursor_decode(ctx, m, out->sort, out->cursor, values, n, &before))
        return bad(ctx, "cursor", "is not a cursor this server issued for this list and sort");
    out->before = before;
    out->query.reverse = before; /* the keyset condition then looks backwards */
    orm_query_after(&out->query, ctx->a, values);
    return 0;
}

static int parse_fields(rm_ctx *ctx, const orm_mapper *m, const char *spec, bool **out_fields)
{
    bool *fields = *out_fields = RM_NEW_ARRAY(ctx->a, bool, m->table->ncolumns);
    char *copy = rm_arena_strdup(ctx->a, spec), *save = NULL;
    for (char *key = strtok_r(copy, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        const orm_column *c = orm_mapper_column(m, key, ORM_COL_READ);
        if (!c && rm_proxy(ctx, m, key)) continue; /* rm_proxy_pick_fields records it */
        if (!c) return bad(ctx, "fields", rm_arena_sprintf(ctx->a, "unknown column \"%s\"", key));
        fields[c->index] = true;
    }
    return 0;
}

/* ?column=value equality shorthand. */
static int parse_shorthand(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, orm_query *q)
{
    const orm_column *c = orm_mapper_column(m, kv->key, ORM_COL_READ);
    const orm_proxy *x = c ? NULL : rm_proxy(ctx, m, kv->key);
    if (x)
        return bad(ctx, kv->key, rm_arena_sprintf(ctx->a, "is an association proxy, not a column: filter through "
                                                  "its relationship, as in filter={\"%s.%s\": ...}",
                                                  x->through->name, x->attribute->name));
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

/* "NAME[author.addresses]" → "author.addresses", else NULL. */
static const char *bracket_path(rm_ctx *ctx, const char *key, const char *name)
{
    size_t n = strlen(key), k = strlen(name);
    if (n < k + 3 || strncmp(key, name, k) || key[k] != '[' || key[n - 1] != ']') return NULL;
    return rm_arena_strndup(ctx->a, key + k + 1, n - k - 2);
}

static const char *rel_fields_path(rm_ctx *ctx, const char *key) { return bracket_path(ctx, key, "fields"); }

/* The criteria of an included collection (SPEC §10 C), by parameter name. */
enum { CRIT_FILTER, CRIT_SORT, CRIT_LIMIT, CRIT_OFFSET, NCRIT };
static const char *const CRITERIA[NCRIT] = {"filter", "sort", "limit", "offset"};

/* Which criterion key is ("sort[orders]" → CRIT_SORT, *path "orders"), or -1. */
static int criterion_of(rm_ctx *ctx, const char *key, const char **path)
{
    for (int k = 0; k < NCRIT; k++)
        if ((*path = bracket_path(ctx, key, CRITERIA[k]))) return k;
    return -1;
}

/* limit[PATH] / offset[PATH]: 0 to the target's max_page_size. */
static int parse_per_parent(rm_ctx *ctx, const rm_kv *kv, const orm_mapper *target, int64_t *out)
{
    return rm_param_bounded(ctx, kv->key, kv->value ? kv->value : "", rm_resource_of(target)->max_page_size,
                            rm_arena_sprintf(ctx->a, " (%s's max_page_size)", target->name), out);
}

/* One criterion parameter onto its node of inc (m's include tree).
 * Returns 1 when kv is not one. */
static int parse_criterion(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, rm_include *inc)
{
    const char *path, *val = kv->value ? kv->value : "";
    int kind = criterion_of(ctx, kv->key, &path);
    if (kind < 0) return 1;
    orm_include *node = rm_include_criteria_node(ctx, m, path, kv->key, inc);
    if (!node) return ORM_E_INVALID;
    const orm_mapper *target = node->rel->target;
    int rc = 0;
    if (kind == CRIT_FILTER) {
        orm_alias_seq seq = orm_alias_seq_start(1, ctx->session.scope);
        orm_expr *e;
        rc = parse_json_filter(ctx, target, val, rm_arena_sprintf(ctx->a, "/%s", kv->key), &seq, &e);
        node->where = (orm_template){e, seq.next - 1};
    } else if (kind == CRIT_SORT) {
        orm_query check; /* the order is built again for each statement that loads the node */
        orm_query_init(&check, target, ctx->session.scope);
        rc = orm_query_order_by(&check, ctx->a, val, &check.aliases, rm_param_pointer(ctx, kv->key), &ctx->err);
        node->sort = val;
    } else if (kind == CRIT_LIMIT) {
        rc = parse_per_parent(ctx, kv, target, &node->limit);
        node->limited = true;
    } else {
        rc = parse_per_parent(ctx, kv, target, &node->offset);
    }
    if (!rc) orm_include_criteria(ctx->a, node);
    return rc;
}

/* "count[orders.lines]" → "orders.lines", else NULL. */
static const char *count_path(rm_ctx *ctx, const char *key) { return bracket_path(ctx, key, "count"); }

/* include, fields, fields[rel], count[PATH]: shared by lists and single
 * objects. Returns 1 when kv is not one of them. */
static int parse_shape_param(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, bool **fields)
{
    const char *val = kv->value ? kv->value : "";
    if (!strcmp(kv->key, "fields")) return parse_fields(ctx, m, val, fields);
    const char *path;
    if (!strcmp(kv->key, "include") || rel_fields_path(ctx, kv->key) || count_path(ctx, kv->key) ||
        criterion_of(ctx, kv->key, &path) >= 0)
        return 0; /* after the loop: they refer into the include tree */
    return 1;
}

/* One count[PATH.REL]=VALUE (SPEC §10 B) → the count column of REL, a
 * to-many relationship of m (no PATH) or of the targets of the included
 * PATH, whose node *node gets (NULL: the top objects). VALUE is * or a
 * JSON filter on REL's target (errors inside it at /count[PATH.REL]/...). */
static int parse_related_count(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, const char *path,
                               rm_include *inc, orm_include **node, const orm_column **out)
{
    const char *dot = strrchr(path, '.'), *name = dot ? dot + 1 : path;
    *node = NULL;
    if (dot) {
        const char *at = rm_arena_strndup(ctx->a, path, (size_t)(dot - path));
        *node = (orm_include *)rm_include_node(inc, m, at, ctx->a);
        if (!*node)
            return rm_bad_param(ctx, kv->key, "\"%s\" is not an included relationship: include it to count "
                                "the %s of its rows", at, name);
        m = (*node)->rel->target;
    }
    const orm_relationship *r = rm_relationship(ctx, m, name);
    if (!r) return rm_bad_param(ctx, kv->key, "unknown relationship \"%s\" of %s", name, m->name);
    if (!r->uselist)
        return rm_bad_param(ctx, kv->key, "\"%s\" is a to-one relationship: count takes a collection", name);
    const char *val = kv->value ? kv->value : "";
    if (!strcmp(val, "*")) {
        *out = orm_count_column(ctx->a, r, NULL);
        return 0;
    }
    json_t *j = json_loads(val, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return rm_bad_param(ctx, kv->key, "must be * or a JSON filter on %s (SPEC §5)", r->target->name);
    }
    orm_template filter;
    int rc = orm_count_filter(ctx->a, r, j, ctx->session.scope, rm_arena_sprintf(ctx->a, "/%s", kv->key), &filter,
                              &ctx->err);
    json_decref(j); /* the tree keeps copies of every value it needs */
    if (!rc) *out = orm_count_column(ctx->a, r, &filter);
    return rc;
}

static void add_count(rm_arena *a, const orm_column *const **counts, size_t *n, const orm_column *c)
{
    *counts = rm_arena_realloc(a, (void *)*counts, *n * sizeof **counts, (*n + 1) * sizeof **counts);
    ((const orm_column **)*counts)[(*n)++] = c;
}

/* Every count[...] of the request, in the order given, onto inc's tree:
 * the top objects' in inc->counts, an included PATH's on its node. */
static int parse_counts(rm_ctx *ctx, const orm_mapper *m, rm_include *inc)
{
    size_t n = 0;
    for (size_t i = 0; i < ctx->req->nquery; i++) {
        const rm_kv *kv = &ctx->req->query[i];
        const char *path = count_path(ctx, kv->key);
        if (!path) continue;
        if (++n > MAX_COUNTS) return rm_bad_param(ctx, kv->key, "at most %d count[...] parameters", MAX_COUNTS);
        orm_include *node = NULL;
        const orm_column *c = NULL;
        int rc = parse_related_count(ctx, m, kv, path, inc, &node, &c);
        if (rc) return rc;
        if (node) add_count(ctx->a, &node->counts, &node->ncounts, c);
        else add_count(ctx->a, &inc->counts, &inc->ncounts, c);
    }
    return 0;
}

/* The include tree (the given one or the schema's eager default) with its
 * nodes' criteria, the nodes its proxies need (fields: the top objects'
 * fieldset), then the fields[rel] fieldsets that refer into it. */
static int parse_include_and_views(rm_ctx *ctx, const orm_mapper *m, rm_fields fields, rm_include *inc)
{
    const char *spec = rm_request_query(ctx->req, "include");
    int rc = 0;
    if (spec) rc = rm_parse_include(ctx, m, spec, inc);
    else rm_default_include(ctx, m, inc);
    for (size_t i = 0; !rc && i < ctx->req->nquery; i++) {
        rc = parse_criterion(ctx, m, &ctx->req->query[i], inc);
        if (rc == 1) rc = 0;
    }
    if (!rc) rc = rm_include_check_bounded(ctx, inc);
    if (!rc) {
        rm_proxy_pick_fields(ctx, m, rm_request_query(ctx->req, "fields"), inc);
        rm_proxy_includes(ctx, m, fields, inc);
    }
    for (size_t i = 0; !rc && i < ctx->req->nquery; i++) {
        const rm_kv *kv = &ctx->req->query[i];
        const char *path = rel_fields_path(ctx, kv->key);
        if (path) rc = rm_parse_rel_fields(ctx, m, path, kv->value ? kv->value : "", kv->key, inc);
    }
    /* an embedded row loads a deferred column only when its fieldset names it */
    for (size_t i = 0; !rc && i < inc->nviews; i++) ((orm_include *)inc->views[i].node)->fields = inc->views[i].fields;
    return rc ? rc : parse_counts(ctx, m, inc);
}

int rm_parse_object_params(rm_ctx *ctx, const orm_mapper *m, rm_include *inc, bool **fields)
{
    *fields = NULL;
    memset(inc, 0, sizeof *inc);
    bool read = !strcmp(ctx->req->method, "GET") || !strcmp(ctx->req->method, "HEAD");
    for (size_t i = 0; i < ctx->req->nquery; i++) {
        const rm_kv *kv = &ctx->req->query[i];
        int rc = seen_before(ctx->req, i) ? bad(ctx, kv->key, "is given more than once")
                 : !read && count_path(ctx, kv->key)
                     ? bad(ctx, kv->key, "is taken by reads only: GET the object for its counts")
                     : parse_shape_param(ctx, m, kv, fields);
        if (rc == 1) rc = bad(ctx, kv->key, "unknown query parameter");
        if (rc) return rc;
    }
    return parse_include_and_views(ctx, m, *fields, inc);
}

int rm_parse_list_params(rm_ctx *ctx, const orm_mapper *m, const char *default_sort,
                         rm_list_params *out)
{
    const rm_request *req = ctx->req;
    memset(out, 0, sizeof *out);
    orm_query_init(&out->query, m, ctx->session.scope);
    const rm_resource *res = rm_resource_of(m);
    out->limit = res->page_size;
    const char *sort = default_sort;
    bool offset_given = false;
    int rc = 0;
    for (size_t i = 0; i < req->nquery; i++) {
        const rm_kv *kv = &req->query[i];
        const char *val = kv->value ? kv->value : "";
        if (seen_before(req, i)) {
            rc = bad(ctx, kv->key, "is given more than once");
        } else if (!strcmp(kv->key, "limit")) {
            rc = rm_param_bounded(ctx, "limit", val, res->max_page_size, "", &out->limit);
        } else if (!strcmp(kv->key, "offset")) {
            offset_given = true;
            rc = rm_param_bounded(ctx, "offset", val, -1, "", &out->offset);
        } else if (!strcmp(kv->key, "sort")) {
            sort = out->sort = val;
            if (!*val) rc = bad(ctx, "sort", "must name at least one column");
        } else if (!strcmp(kv->key, "filter")) {
            rc = parse_filter(ctx, m, val, &out->query.aliases, &out->query);
        } else if (!strcmp(kv->key, "cursor")) {
            out->cursor = val;
        } else if (!strcmp(kv->key, "count")) {
            if (strcmp(val, "exact")) rc = bad(ctx, "count", "must be \"exact\"");
            out->count = true;
        } else if (!strcmp(kv->key, "facet") || !strcmp(kv->key, "facet_size")) {
            /* facets.c reads them (rm_facets_parse) */
        } else if ((rc = parse_shape_param(ctx, m, kv, &out->fields)) == 1) {
            rc = parse_shorthand(ctx, m, kv, &out->query);
        }
        if (rc) return rc;
    }
    if ((rc = parse_include_and_views(ctx, m, out->fields, &out->include))) return rc;
    out->query.counts = out->include.counts; /* read by the page's statement; _count.REL sorts by them */
    out->query.ncounts = out->include.ncounts;
    if (sort && (rc = orm_query_order_by(&out->query, ctx->a, sort, &out->query.aliases, rm_param_pointer(ctx, "sort"),
                                        &ctx->err)))
        return rc;
    if (out->cursor && offset_given) return bad(ctx, "offset", "cannot be combined with cursor");
    if (out->cursor && (rc = apply_cursor(ctx, m, out))) return rc;
    out->query.limit = out->limit;
    out->query.offset = out->offset;
    out->query.defer = true; /* a representation: deferred columns only when fields names them */
    out->query.fields = out->fields;
    return 0;
}

/* ---- shared with the other readers of a list's WHERE (aggregate.c, facets.c) ---- */

int64_t rm_param_count(const char *s) { return parse_count(s); }

int rm_param_where(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, orm_query *q)
{
    if (!strcmp(kv->key, "filter")) return parse_filter(ctx, m, kv->value ? kv->value : "", &q->aliases, q);
    return parse_shorthand(ctx, m, kv, q);
}

bool rm_param_repeated(const rm_request *req, size_t i) { return seen_before(req, i); }
