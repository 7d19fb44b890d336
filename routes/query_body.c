/* query_body.c: query bodies (SPEC §10 E). A read whose parameters are too
 * long for a URL sends them as a JSON object, one member per parameter
 * (POST /api/{res}/_query, QUERY /api/{res}; POST and QUERY
 * /api/{res}/_aggregate for an aggregate's). The adapter checks the body
 * against a member table (each member's name and JSON types), writes each
 * member as the text the query string would carry (filters as JSON text,
 * integers in decimal), and runs the route's own handler on a copy of the
 * request whose parameter list that is: the parsers of params.c run
 * unchanged, and their errors point at "/<param>" (ctx->param_at = "";
 * inside a JSON parameter "/filter/...", as for a query string). The
 * tables are the one place a parameter is named for bodies. */
#include <stdlib.h>
#include <string.h>

#include "routes/routes_int.h"

/* A list's parameters (SPEC §4, §10 B and C). */
static const rm_body_member list_body[] = {
    {"filter", RM_BODY_JSON, NULL},
    {"sort", RM_BODY_TEXT, NULL},
    {"limit", RM_BODY_INTEGER, NULL},
    {"offset", RM_BODY_INTEGER, NULL},
    {"cursor", RM_BODY_TEXT, NULL},
    {"include", RM_BODY_TEXT, NULL},
    {"fields", RM_BODY_TEXT, NULL},
    {"fields[]", RM_BODY_TEXT, NULL},
    {"count", RM_BODY_TEXT, NULL},
    {"count[]", RM_BODY_TEXT | RM_BODY_JSON, NULL}, /* "*" or a filter on the relationship's target */
    {"filter[]", RM_BODY_JSON, NULL},
    {"sort[]", RM_BODY_TEXT, NULL},
    {"limit[]", RM_BODY_INTEGER, NULL},
    {"offset[]", RM_BODY_INTEGER, NULL},
    {"facet", RM_BODY_TEXT, NULL},
    {"facet_size", RM_BODY_INTEGER, NULL},
    {NULL, 0, NULL},
};

/* An aggregate's parameters (SPEC §10 A): the one list of them, which
 * /openapi.json also documents the GET's query parameters from. */
static const rm_body_member aggregate_body[] = {
    {"group_by", RM_BODY_TEXT, "columns or many-to-one paths (<= 3 hops) to group by, at most 8"},
    {"count", RM_BODY_TEXT, "* (rows) or paths: non-NULL values; output count, count_PATH"},
    {"count_distinct", RM_BODY_TEXT, "paths: distinct non-NULL values"},
    {"sum", RM_BODY_TEXT, "numeric paths; numeric sums exact at the column's scale (a string)"},
    {"avg", RM_BODY_TEXT, "numeric paths; numeric means at scale + 4, half away from zero"},
    {"min", RM_BODY_TEXT, "paths (not boolean or json)"},
    {"max", RM_BODY_TEXT, "paths (not boolean or json)"},
    {"filter", RM_BODY_JSON, "JSON filter (SPEC §5) on the rows, before grouping"},
    {"having", RM_BODY_JSON, "JSON filter over the output names, after grouping"},
    {"sort", RM_BODY_TEXT, "output names, - for descending; ties by the group keys"},
    {"limit", RM_BODY_INTEGER, "groups per page (default and at most max_page_size)"},
    {"offset", RM_BODY_INTEGER, "groups to skip"},
    {NULL, 0, NULL},
};

/* Does the member called key belong to entry e: the same name, or, for a
 * family "fields[]", "fields[PATH]" with a PATH? */
static bool is_member(const rm_body_member *e, const char *key)
{
    size_t n = strlen(e->name), k = strlen(key);
    if (n < 2 || strcmp(e->name + n - 2, "[]")) return !strcmp(e->name, key);
    return k > n && !strncmp(key, e->name, n - 1) && key[k - 1] == ']';
}

static const rm_body_member *member_named(const rm_body_member *members, const char *key)
{
    for (const rm_body_member *e = members; e->name; e++)
        if (is_member(e, key)) return e;
    return NULL;
}

/* The text of value v for a member taking `takes`, or NULL when v has none
 * of those types. */
static const char *member_text(rm_ctx *ctx, unsigned takes, json_t *v)
{
    if ((takes & RM_BODY_TEXT) && json_is_string(v))
        return rm_arena_strndup(ctx->a, json_string_value(v), json_string_length(v));
    if ((takes & RM_BODY_INTEGER) && json_is_integer(v))
        return rm_arena_sprintf(ctx->a, "%lld", (long long)json_integer_value(v));
    if ((takes & RM_BODY_JSON) && json_is_object(v)) {
        /* reals with 17 digits: parsed back, the same double the body held */
        char *text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17));
        if (!text) return NULL;
        const char *copy = rm_arena_strdup(ctx->a, text);
        free(text);
        return copy;
    }
    return NULL;
}

/* "a string", "an integer or a JSON object", ...: what `takes` allows. */
static const char *types_text(rm_ctx *ctx, unsigned takes)
{
    static const char *const names[] = {"a string", "an integer", "a JSON object"};
    const char *out = NULL;
    for (size_t i = 0; i < 3; i++)
        if (takes & 1u << i) out = out ? rm_arena_sprintf(ctx->a, "%s or %s", out, names[i]) : names[i];
    return out;
}

/* 400 at pointer. */
static int refuse_at(rm_ctx *ctx, const char *pointer, const char *msg)
{
    orm_error_field(&ctx->err, ORM_E_INVALID, pointer, "%s", msg);
    return ORM_E_INVALID;
}

/* Run handler on the body's parameters, checked against members. Leaves
 * ctx->param_at set: the request's parameters were its body (a batch
 * moves the operation's pointers under /body by it). */
static int run_body(rm_ctx *ctx, const rm_match *at, const rm_body_member *members, rm_handler handler)
{
    const rm_request *sent = ctx->req;
    if (sent->nquery) /* one place for the parameters: the body */
        return rm_bad_param(ctx, sent->query[0].key, "a query body takes no query string: send it as a member "
                                                     "of the body");
    ctx->param_at = "";
    json_t *body = sent->json;
    if (!json_is_object(body))
        return refuse_at(ctx, "", "the body must be a JSON object whose members are the query parameters");
    rm_kv *params = RM_NEW_ARRAY(ctx->a, rm_kv, json_object_size(body) + 1);
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        const rm_body_member *e = member_named(members, key);
        const char *pointer = rm_pointer_child(ctx->a, "", key);
        if (!e) return refuse_at(ctx, pointer, "unknown member: the body takes the query parameters by name");
        const char *text = member_text(ctx, e->takes, v);
        if (!text) return refuse_at(ctx, pointer, rm_arena_sprintf(ctx->a, "must be %s", types_text(ctx, e->takes)));
        params[n++] = (rm_kv){rm_arena_strdup(ctx->a, key), text};
    }
    rm_request req = *sent;
    req.query = params;
    req.nquery = n;
    ctx->req = &req;
    ctx->param_at = "";
    int rc = handler(ctx, at);
    ctx->req = sent;
    return rc;
}

/* ---- the body routes ------------------------------------------------------ */

int rm_handle_list_body(rm_ctx *ctx, const rm_match *at) { return run_body(ctx, at, list_body, rm_handle_list); }

int rm_handle_aggregate_body(rm_ctx *ctx, const rm_match *at)
{
    return run_body(ctx, at, aggregate_body, rm_handle_aggregate);
}

static const struct {
    rm_handler handler;
    const rm_body_member *members;
} body_routes[] = {
    {rm_handle_list_body, list_body},
    {rm_handle_aggregate_body, aggregate_body},
};

const rm_body_member *rm_body_members(rm_handler h)
{
    for (size_t i = 0; i < sizeof body_routes / sizeof body_routes[0]; i++)
        if (body_routes[i].handler == h) return body_routes[i].members;
    return NULL;
}
