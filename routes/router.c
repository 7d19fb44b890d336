/* router.c: routing as data. The table below is every route the API
 * serves: a path pattern, the flags of its query string, which methods the
 * resource allows there, and the handler per method (with the status of
 * its success where /openapi.json describes it). rm_route matches a
 * request against it and does, for every route alike, what no handler
 * repeats: the metrics label (the pattern with {res} and {rel} filled in,
 * so their number is bounded), {res}/{id}/{rel} resolved or 404, query
 * parameters refused where a route takes none, OPTIONS and 405 with an
 * Allow built from the table, HEAD sent to the GET handler, and the
 * handler's failure answered once (the convention is in routes_int.h).
 * A read whose parameters come as a JSON body (POST /api/{res}/_query,
 * QUERY /api/{res}: SPEC §10 E) has a body handler of query_body.c, which
 * runs the read's own handler on the body's parameters.
 * GET /openapi.json is the same table described, resource by resource
 * (openapi.c writes it). */
#include <string.h>

#include "routes/routes_int.h"

#define MAX_SEGMENTS 5

enum {
    NO_QUERY = 1u << 0,     /* query parameters are 400 */
    NOT_IN_BATCH = 1u << 1, /* a batch's operation may not address it (400) */
};

typedef struct route_method {
    const char *method;     /* GET (HEAD too), POST, PUT, PATCH, DELETE or QUERY */
    rm_handler handler;
    int status;             /* the status of its success, as /openapi.json describes it;
                             * 0: not described there */
    unsigned perm;          /* RM_PERM_* the role needs on {res} (access.c), checked
                             * before the handler runs */
    unsigned target_perm;   /* ... and on {rel}'s target */
} route_method;

typedef struct route {
    const char *pattern;    /* literal segments, {res}, {id}, {rel}, {child} */
    unsigned flags;
    /* The methods the matched resource allows here, as method bits (see
     * method_name: GET = RM_ALLOW_READ, POST = CREATE, PUT = REPLACE, PATCH
     * = UPDATE, DELETE = DELETE, QUERY = ALLOW_QUERY); NULL: every method
     * the route lists. */
    unsigned (*allows)(const rm_match *at);
    route_method methods[6]; /* up to a NULL method */
} route;

/* The methods the router tells apart, bit k for method k: the schema's
 * (rm_method_names, as RM_ALLOW_*), then QUERY, which no schema names: a
 * route allows it where the resource allows GET (SPEC §10 E). */
enum { QUERY_METHOD = 5, ALLOW_QUERY = 1u << QUERY_METHOD };
_Static_assert(RM_ALLOW_ALL == ALLOW_QUERY - 1, "QUERY's bit follows the schema's methods");

static const char *method_name(size_t k)
{
    return k < QUERY_METHOD ? rm_method_names[k] : k == QUERY_METHOD ? "QUERY" : NULL;
}

static unsigned resource_allows(const rm_match *at) { return rm_resource_of(at->mapper)->methods; }

/* A list is read by GET, or by QUERY with its parameters as a body. */
static unsigned list_allows(const rm_match *at)
{
    unsigned m = resource_allows(at);
    return m & RM_ALLOW_READ ? m | ALLOW_QUERY : m;
}

/* POST /api/{res}/_query reads the list (POST's bit where GET is allowed). */
static unsigned query_allows(const rm_match *at)
{
    return resource_allows(at) & RM_ALLOW_READ ? RM_ALLOW_CREATE : 0;
}

/* An aggregate is read by GET, or by POST or QUERY with its parameters as
 * a body: all three where the resource allows GET. */
static unsigned aggregate_allows(const rm_match *at)
{
    return resource_allows(at) & RM_ALLOW_READ ? RM_ALLOW_READ | RM_ALLOW_CREATE | ALLOW_QUERY : 0;
}

/* Changing a collection is updating its parent (never a view-only one). */
static bool collection_writable(const rm_match *at)
{
    return at->rel->uselist && !at->rel->viewonly && (resource_allows(at) & RM_ALLOW_UPDATE);
}

/* GET reads the target; POST adds to the collection. */
static unsigned related_allows(const rm_match *at)
{
    return (rm_resource_of(at->rel->target)->methods & RM_ALLOW_READ) |
           (collection_writable(at) ? RM_ALLOW_CREATE : 0);
}

/* A collection's aggregate reads its target. */
static unsigned related_read_allows(const rm_match *at)
{
    return at->rel->uselist ? rm_resource_of(at->rel->target)->methods & RM_ALLOW_READ : 0;
}

static unsigned member_allows(const rm_match *at)
{
    return collection_writable(at) ? RM_ALLOW_DELETE : 0;
}

static int handle_openapi(rm_ctx *ctx, const rm_match *at);

/* First match wins: literal routes before the patterns they would fit. */
static const route routes[] = {
    {"/healthz", NO_QUERY, NULL, {{"GET", rm_handle_healthz, 200, 0, 0}}},
    {"/openapi.json", NO_QUERY, NULL, {{"GET", handle_openapi, 200, 0, 0}}},
    {"/metrics", NO_QUERY, NULL, {{"GET", rm_handle_metrics, 200, 0, 0}}},
    {"/api", NO_QUERY, NULL, {{"GET", rm_handle_index, 200, 0, 0}}},
    {"/api/_batch", NO_QUERY | NOT_IN_BATCH, NULL, {{"POST", rm_handle_batch, 200, 0, 0}}},
    {"/api/{res}", 0, list_allows,
     {{"GET", rm_handle_list, 200, RM_PERM_READ, 0}, {"POST", rm_handle_create, 201, RM_PERM_CREATE, 0},
      {"QUERY", rm_handle_list_body, 200, RM_PERM_READ, 0},
      {"PATCH", rm_handle_bulk_update, 200, RM_PERM_UPDATE, 0},
      {"DELETE", rm_handle_bulk_delete, 200, RM_PERM_DELETE, 0}}},
    /* reserved segments (SPEC §10): before {id}, which they never fill (fits) */
    {"/api/{res}/_query", 0, query_allows, {{"POST", rm_handle_list_body, 200, RM_PERM_READ, 0}}},
    {"/api/{res}/_aggregate", 0, aggregate_allows,
     {{"GET", rm_handle_aggregate, 200, RM_PERM_READ, 0}, {"POST", rm_handle_aggregate_body, 200, RM_PERM_READ, 0},
      {"QUERY", rm_handle_aggregate_body, 200, RM_PERM_READ, 0}}},
    {"/api/{res}/{id}", 0, resource_allows,
     {{"GET", rm_handle_get_object, 200, RM_PERM_READ, 0}, {"PUT", rm_handle_replace_object, 200, RM_PERM_UPDATE, 0},
      {"PATCH", rm_handle_update_object, 200, RM_PERM_UPDATE, 0},
      {"DELETE", rm_handle_delete_object, 204, RM_PERM_DELETE, 0}}},
    /* a member added to a collection is a new or a linked target row, and a change of the parent */
    {"/api/{res}/{id}/{rel}", 0, related_allows,
     {{"GET", rm_handle_get_related, 200, RM_PERM_READ, RM_PERM_READ},
      {"POST", rm_handle_add_member, 201, RM_PERM_UPDATE, RM_PERM_CREATE}}},
    {"/api/{res}/{id}/{rel}/_aggregate", 0, related_read_allows,
     {{"GET", rm_handle_aggregate, 200, RM_PERM_READ, RM_PERM_READ}}},
    {"/api/{res}/{id}/{rel}/{child}", 0, member_allows,
     {{"DELETE", rm_handle_remove_member, 204, RM_PERM_UPDATE, RM_PERM_READ}}},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* The path's segments: raw (still percent-encoded: keys are split on ','
 * before decoding) and decoded (names, of strlen name_len). A
 * trailing slash is ignored. */
typedef struct path_segments {
    const char *raw[MAX_SEGMENTS], *name[MAX_SEGMENTS];
    size_t name_len[MAX_SEGMENTS];
    size_t n;               /* MAX_SEGMENTS + 1: more than fit */
} path_segments;

/* A pattern split once into its segments: literals, or what they fill. */
typedef enum { SEG_LITERAL, SEG_RES, SEG_ID, SEG_REL, SEG_CHILD } seg_kind;

typedef struct pattern_segs {
    struct {
        seg_kind kind;
        const char *text;   /* a literal: into the pattern, len bytes */
        size_t len;
    } seg[MAX_SEGMENTS];
    size_t n;
} pattern_segs;

static pattern_segs compiled[NROUTES];
static pthread_once_t compiled_once = PTHREAD_ONCE_INIT;

static void compile_patterns(void)
{
    static const char *const holes[] = {NULL, "{res}", "{id}", "{rel}", "{child}"};
    for (size_t r = 0; r < NROUTES; r++) {
        pattern_segs *ps = &compiled[r];
        for (const char *p = routes[r].pattern + 1; *p; ps->n++) {
            const char *end = strchr(p, '/');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            ps->seg[ps->n].kind = SEG_LITERAL;
            for (seg_kind k = SEG_RES; k <= SEG_CHILD; k++)
                if (strlen(holes[k]) == len && !strncmp(p, holes[k], len)) ps->seg[ps->n].kind = k;
            ps->seg[ps->n].text = p;
            ps->seg[ps->n].len = len;
            p += len;
            if (*p == '/') p++;
        }
    }
}

static void split_path(rm_arena *a, const char *path, path_segments *ps)
{
    ps->n = 0;
    const char *p = path;
    while (*p == '/') p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (ps->n == MAX_SEGMENTS) {
            ps->n++;
            return;
        }
        ps->raw[ps->n] = rm_arena_strndup(a, p, len);
        if (memchr(p, '%', len)) {
            ps->name[ps->n] = rm_percent_decode(a, p, len, 0, NULL);
            ps->name_len[ps->n] = strlen(ps->name[ps->n]); /* up to an encoded NUL, as compared */
        } else { /* nothing to decode (the target has no NUL: rm_target_parse) */
            ps->name[ps->n] = ps->raw[ps->n];
            ps->name_len[ps->n] = len;
        }
        ps->n++;
        p += len;
        if (*p == '/') p++;
    }
}

/* What a path's segments fill into a pattern: the names and texts, before
 * they are resolved into the rm_match. */
typedef struct fill {
    const char *res, *id, *rel, *child;
} fill;

/* After a resource, these segments name routes, never an object (SPEC
 * §10): a row whose key is one of them is reached through its list. */
static bool reserved(const char *segment)
{
    return !strcmp(segment, "_query") || !strcmp(segment, "_aggregate");
}

/* Does the path fit the pattern? Literal segments compare decoded. */
static bool fits(const pattern_segs *pat, const path_segments *ps, fill *f)
{
    if (pat->n != ps->n) return false;
    *f = (fill){0};
    for (size_t i = 0; i < pat->n; i++) {
        switch (pat->seg[i].kind) {
        case SEG_RES: f->res = ps->name[i]; break;
        case SEG_ID:
            if (reserved(ps->name[i])) return false;
            f->id = ps->raw[i];
            break;
        case SEG_REL: f->rel = ps->name[i]; break;
        case SEG_CHILD: f->child = ps->raw[i]; break;
        case SEG_LITERAL:
            if (ps->name_len[i] != pat->seg[i].len || memcmp(pat->seg[i].text, ps->name[i], ps->name_len[i]))
                return false;
        }
    }
    return true;
}

/* The metrics label: the pattern (pat, its segments) with the resource's
 * and the relationship's names in place of {res} and {rel}; other holes
 * stay as written. One allocation of the exact size: it runs per request. */
static const char *label_of(rm_arena *a, const pattern_segs *pat, const rm_match *at)
{
    const char *text[MAX_SEGMENTS];
    size_t len[MAX_SEGMENTS], total = 0;
    for (size_t i = 0; i < pat->n; i++) {
        text[i] = pat->seg[i].kind == SEG_RES   ? rm_resource_of(at->mapper)->name
                  : pat->seg[i].kind == SEG_REL ? at->rel->name
                                                : NULL;
        len[i] = text[i] ? strlen(text[i]) : pat->seg[i].len;
        if (!text[i]) text[i] = pat->seg[i].text;
        total += 1 + len[i];
    }
    char *out = rm_arena_alloc(a, total + 1), *p = out;
    for (size_t i = 0; i < pat->n; i++) {
        *p++ = '/';
        memcpy(p, text[i], len[i]);
        p += len[i];
    }
    *p = '\0';
    return out;
}

/* The If-Match / If-None-Match syntax, for every route (400). */
static int check_conditionals(rm_ctx *ctx)
{
    static const char *const conditionals[] = {"If-Match", "If-None-Match"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = rm_request_header(ctx->req, conditionals[i]);
        if (v && !rm_etag_list_valid(v))
            return rm_refuse(ctx, 400, rm_arena_sprintf(ctx->a, "%s must be \"*\" or a comma-separated "
                                                                "list of entity tags", conditionals[i]));
    }
    return 0;
}

/* Resolve what the path filled into r's pattern; sets the label. 404 for a
 * resource, key or relationship that does not exist. */
static int resolve(rm_ctx *ctx, const route *r, const fill *f, rm_match *at)
{
    *at = (rm_match){.child = f->child};
    if (f->res) {
        const rm_resource *res = rm_resource_named(&ctx->app->resources, f->res);
        if (!res) return rm_refuse(ctx, 404, rm_arena_sprintf(ctx->a, "no resource named \"%s\"", f->res));
        at->mapper = res->mapper;
    }
    if (f->rel) at->rel = rm_relationship(ctx, at->mapper, f->rel);
    /* the label names the relationship only when it exists: bounded cardinality */
    ctx->route = f->rel && !at->rel ? "unmatched" : label_of(ctx->a, &compiled[r - routes], at);
    if ((r->flags & NOT_IN_BATCH) && ctx->outer) { /* it would re-enter the running unit */
        orm_error_field(&ctx->err, ORM_E_INVALID, "/path", "batches do not nest");
        return ORM_E_INVALID;
    }
    if ((r->flags & NO_QUERY) && ctx->req->nquery) { /* as lists answer an unknown parameter */
        orm_error_field(&ctx->err, ORM_E_INVALID,
                        rm_arena_sprintf(ctx->a, "/query/%s", ctx->req->query[0].key),
                        "%s takes no query parameters", ctx->route);
        return ORM_E_INVALID;
    }
    if (f->id) {
        orm_value *key = RM_NEW_ARRAY(ctx->a, orm_value, at->mapper->table->npk);
        if (rm_parse_key(ctx->a, at->mapper, f->id, key))
            return orm_error_set(&ctx->err, ORM_E_NOT_FOUND, "no %s with that key", at->mapper->name);
        at->key = key;
    }
    if (f->rel && !at->rel)
        return rm_refuse(ctx, 404, rm_arena_sprintf(ctx->a, "%s has no relationship \"%s\"", at->mapper->name,
                                                    f->rel));
    return 0;
}

/* "GET, HEAD, POST, QUERY, OPTIONS": the methods of r that allowed holds,
 * in method_name order (GET brings HEAD). */
static const char *allow_header(rm_arena *a, const route *r, unsigned allowed)
{
    rm_sb sb;
    rm_sb_init(&sb, a);
    for (size_t k = 0; method_name(k); k++) {
        if (!(allowed & 1u << k)) continue;
        for (const route_method *m = r->methods; m->method; m++)
            if (!strcmp(m->method, method_name(k))) {
                rm_sb_append(&sb, sb.len ? ", " : "");
                rm_sb_append(&sb, k ? method_name(k) : "GET, HEAD");
            }
    }
    rm_sb_append(&sb, sb.len ? ", OPTIONS" : "OPTIONS");
    return sb.buf;
}

/* The bit of a method name (HEAD is GET's), or 0. */
static unsigned bit_of(const char *method)
{
    if (!strcmp(method, "HEAD")) method = "GET";
    for (size_t k = 0; method_name(k); k++)
        if (!strcmp(method, method_name(k))) return 1u << k;
    return 0;
}

/* The role's permissions for m at `at` (access.c), before any row is
 * looked up: 0, or the refusal (401/403). */
static int authorize(rm_ctx *ctx, const route_method *m, const rm_match *at)
{
    int rc = 0;
    if (m->perm && at->mapper) rc = rm_require(ctx, rm_resource_of(at->mapper), m->perm);
    if (!rc && m->target_perm && at->rel) rc = rm_require(ctx, rm_resource_of(at->rel->target), m->target_perm);
    return rc;
}

/* Call r's handler for the request's method when r and the resource allow
 * it and the role may; else answer OPTIONS (204) or refuse with 405, both
 * with Allow. */
static int dispatch(rm_ctx *ctx, const route *r, const rm_match *at)
{
    const char *method = ctx->req->method;
    unsigned allowed = r->allows ? r->allows(at) : RM_ALLOW_ALL, bit = bit_of(method);
    size_t k = 0;
    while (bit >> (k + 1)) k++;
    const char *name = method_name(k); /* the method's as the table spells it (HEAD: GET) */
    for (const route_method *m = r->methods; m->method && (allowed & bit); m++) {
        if (strcmp(m->method, name)) continue;
        int rc = authorize(ctx, m, at);
        return rc ? rc : m->handler(ctx, at);
    }
    rm_response_header(ctx->resp, ctx->a, "Allow", allow_header(ctx->a, r, allowed));
    if (strcmp(method, "OPTIONS"))
        return rm_refuse(ctx, 405, rm_arena_sprintf(ctx->a, "%s is not allowed here", method));
    rm_response_body(ctx->resp, 204, NULL, NULL, 0); /* listed in Allow: answered, not 405 */
    return 0;
}

/* The route the path fits (filling f), or NULL. */
static const route *match(rm_ctx *ctx, fill *f)
{
    path_segments ps;
    split_path(ctx->a, ctx->req->raw_path ? ctx->req->raw_path : ctx->req->path, &ps);
    pthread_once(&compiled_once, compile_patterns);
    for (size_t i = 0; i < NROUTES; i++)
        if (fits(&compiled[i], &ps, f)) return &routes[i];
    return NULL;
}

bool rm_route_reads(rm_ctx *ctx)
{
    if (!strcmp(ctx->req->method, "GET") || !strcmp(ctx->req->method, "HEAD")) return true;
    fill f;
    const route *r = match(ctx, &f);
    for (const route_method *m = r ? r->methods : NULL; m && m->method; m++)
        if (!strcmp(m->method, ctx->req->method)) return m->perm == RM_PERM_READ;
    return false;
}

void rm_route(rm_ctx *ctx)
{
    ctx->route = "unmatched";
    fill f;
    const route *r = NULL;
    rm_match at;
    int rc = check_conditionals(ctx);
    if (!rc && !(r = match(ctx, &f))) rc = rm_refuse(ctx, 404, "no such resource");
    if (!rc && !(rc = resolve(ctx, r, &f, &at))) rc = dispatch(ctx, r, &at);
    rm_answer_outcome(ctx, rc);
}

/* ---- GET /openapi.json: the table described ------------------------------------- */

/* Does /openapi.json describe r (does any of its methods have a status)? */
static bool described(const route *r)
{
    for (const route_method *m = r->methods; m->method; m++)
        if (m->status) return true;
    return false;
}

/* Whether the request's role may use m at `at` (authorize, as a question). */
static bool permitted(const rm_ctx *ctx, const route_method *m, const rm_match *at)
{
    return (!m->perm || rm_may(ctx, rm_resource_of(at->mapper), m->perm)) &&
           (!m->target_perm || !at->rel || rm_may(ctx, rm_resource_of(at->rel->target), m->target_perm));
}

/* Append to docs what r serves at `at`: the described methods the resource
 * allows there and the role may use (none: no path). */
static void describe(const rm_ctx *ctx, const route *r, const rm_match *at, rm_path_doc **docs, size_t *n)
{
    rm_arena *a = ctx->a;
    bool any = false;
    for (const route_method *m = r->methods; m->method; m++) any |= m->status && permitted(ctx, m, at);
    if (!any || (at->rel && !orm_scope_visible(ctx->session.scope, at->rel->target))) return;
    bool aggregate = strstr(r->pattern, "/_aggregate") != NULL;
    if (aggregate && !((r->allows ? r->allows(at) : RM_ALLOW_ALL) & RM_ALLOW_READ)) return; /* nothing to read */
    *docs = rm_arena_realloc(a, *docs, *n * sizeof **docs, (*n + 1) * sizeof **docs);
    rm_path_doc *d = &(*docs)[(*n)++];
    bool keyed = strstr(r->pattern, "{id}") != NULL;
    unsigned allowed = r->allows ? r->allows(at) : RM_ALLOW_ALL;
    *d = (rm_path_doc){.path = label_of(a, &compiled[r - routes], at), .subject = at->rel ? at->rel->target : at->mapper,
                       .collection = at->rel ? at->rel->uselist : !keyed, .keyed = keyed,
                       .aggregate = aggregate};
    for (const route_method *m = r->methods; m->method; m++)
        if (m->status && (allowed & bit_of(m->method)) && permitted(ctx, m, at))
            d->ops[d->nops++] = (rm_operation){m->method, m->status, rm_body_members(m->handler)};
}

/* The routes of no resource, then every resource, in declaration order,
 * through every described route (a {rel} route once per relationship,
 * inherited ones included). */
static int handle_openapi(rm_ctx *ctx, const rm_match *unused)
{
    const rm_resources *rs = &ctx->app->resources;
    rm_path_doc *docs = NULL;
    size_t n = 0;
    for (const route *r = routes; r < routes + NROUTES; r++)
        if (described(r) && !strstr(r->pattern, "{res}")) describe(ctx, r, &(rm_match){0}, &docs, &n);
    for (size_t i = 0; i < rs->n; i++)
        for (const route *r = routes; r < routes + NROUTES; r++) {
            rm_match at = {.mapper = rs->items[i].mapper};
            if (!described(r) || !strstr(r->pattern, "{res}")) continue;
            if (!strstr(r->pattern, "{rel}")) {
                describe(ctx, r, &at, &docs, &n);
                continue;
            }
            for (const orm_mapper *mm = at.mapper; mm; mm = mm->inherits)
                for (size_t k = 0; k < mm->nrelationships; k++) {
                    at.rel = &mm->relationships[k];
                    describe(ctx, r, &at, &docs, &n);
                }
        }
    return rm_reply_openapi(ctx, docs, n);
}
