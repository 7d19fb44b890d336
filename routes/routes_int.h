/* routes_int.h: what the files of routes/ share: the application record,
 * the per-request context, and the helpers each file exports to the
 * others. Not a public header: server/ sees only app.h. */
#ifndef RM_ROUTES_INT_H
#define RM_ROUTES_INT_H

#include <pthread.h>

#include "lib/etag.h"
#include "lib/http_msg.h"
#include "lib/sb.h"
#include "lib/target.h"
#include "orm/loading.h"
#include "orm/scope.h"
#include "orm/query.h"
#include "orm/uow.h"
#include "orm/schema.h"
#include "routes/app.h"

#define RM_METRICS_MAX_SERIES 1024
#define RM_METRICS_BUCKETS 9

typedef struct rm_metrics_series {
    char *route;            /* "/api/users/{id}" */
    char method[8];
    int status;
    uint64_t count;
} rm_metrics_series;

typedef struct rm_metrics {
    pthread_mutex_t mu;
    rm_metrics_series series[RM_METRICS_MAX_SERIES];
    size_t n;
    uint64_t buckets[RM_METRICS_BUCKETS]; /* cumulative, as Prometheus wants */
    uint64_t observations;
    double seconds_sum;
} rm_metrics;

struct rm_ctx;

/* ---- auth.c: who sent the request (SPEC §6) ------------------------------
 *
 * With --jwt-secret (app->cfg.secret set) access control is on: every
 * request is authenticated once, before routing, from its Authorization
 * header (a bearer token, HS256, verified with libjwt; auth.c is the only
 * caller of libjwt). Without it the header is ignored and every request is
 * anonymous. A token in the query string (?access_token=) is never read. */
typedef struct rm_principal {
    const char *role;      /* the token's "role" claim; "anonymous" without a token,
                            * or for a valid token without a role claim (as PostgREST) */
    json_t *claims;        /* the token's payload, a JSON object (read "sub" etc. for
                            * $claim), NULL without a token; freed with the request arena */
    bool token;            /* a valid token came with the request: a refusal of its
                            * role is 403; without one, 401 (rm_refuse_unauthenticated) */
} rm_principal;

/* At start-up: NULL secret (access control off), or one of at least 32
 * bytes; an audience only with a secret. -1 with a message naming the
 * option in err otherwise. */
int rm_auth_check_config(const rm_app_config *cfg, char *err, size_t errlen);
/* Set ctx->who for ctx->req and return 0; or, for an invalid token or a
 * malformed Authorization header, return 401 in the handler convention
 * below (WWW-Authenticate set; answer it with rm_answer_outcome). */
int rm_authenticate(struct rm_ctx *ctx);
/* `return rm_refuse_unauthenticated(ctx, detail);` for a request without a
 * token: 401 with WWW-Authenticate: Bearer (RFC 6750 §3). */
int rm_refuse_unauthenticated(struct rm_ctx *ctx, const char *detail);

/* ---- resource.c: the REST resources --------------------------------------
 *
 * What the schema says of an entity as a REST resource (SPEC §2, §6), kept
 * here rather than in its ORM mapper: one record per mapper, built at app
 * open from the entity keys the ORM's loader lets through unread
 * (rm_resource_keys) and checked with the loader's own rules and messages. */

/* The methods a resource may allow (schema "methods"): method k of
 * rm_method_names is bit 1u << k. */
enum {
    RM_ALLOW_READ = 1u << 0,    /* GET (and HEAD) */
    RM_ALLOW_CREATE = 1u << 1,  /* POST */
    RM_ALLOW_REPLACE = 1u << 2, /* PUT */
    RM_ALLOW_UPDATE = 1u << 3,  /* PATCH */
    RM_ALLOW_DELETE = 1u << 4,  /* DELETE */
    RM_ALLOW_ALL = 0x1f
};
/* "GET", "POST", "PUT", "PATCH", "DELETE", NULL. */
extern const char *const rm_method_names[];

/* What a role may do with a resource's rows (schema "permissions"). */
enum {
    RM_PERM_READ = 1u << 0,
    RM_PERM_CREATE = 1u << 1,
    RM_PERM_UPDATE = 1u << 2,
    RM_PERM_DELETE = 1u << 3,
    RM_PERM_ALL = 0xf
};

typedef struct rm_grant {
    const char *role;
    unsigned perms;             /* RM_PERM_* */
} rm_grant;

/* A text built once, with its length. */
typedef struct rm_piece {
    const char *s;
    size_t len;
} rm_piece;

typedef struct rm_resource {
    const orm_mapper *mapper;
    const char *name;           /* URL segment: "users" (default: the table name, or an
                                 * inheriting entity's own default table name) */
    unsigned methods;           /* RM_ALLOW_* (default all) */
    int page_size;              /* default 20 */
    int max_page_size;          /* default 1000 */
    int max_bulk_rows;          /* rows one bulk write may write, cascades included
                                   (SPEC §10 D; default 1000) */
    bool has_permissions;       /* "permissions" given: only the roles it names get in */
    rm_grant *grants;           /* SPEC §6 "permissions", one per role */
    size_t ngrants;
    orm_template row_criterion; /* SPEC §6 "row_filter" compiled once ($claim bound per
                                   request); empty: none */
    const char **exempt;        /* "row_filter_exempt": roles the row filter spares */
    size_t nexempt;
    /* What serialize.c writes for every object, built once at start-up: */
    rm_piece *member_keys;      /* per column of mapper->table: "\"<name>\":" (escaped) */
    rm_piece *link_heads;       /* per relationship of mapper (its own, not inherited
                                 * ones): ",\"<name>\":\"" before the object's path */
    rm_piece *link_tails;       /* ... and "/<name>\"" after it */
    rm_piece path_prefix;       /* "/api/<name>/", its objects' paths before the key */
} rm_resource;

typedef struct rm_resources {
    rm_arena *arena;            /* the records and their names */
    rm_resource *items;         /* one per mapper, in the schema's declaration order */
    size_t n;
    rm_strmap by_name;
} rm_resources;

/* The entity keys resources are read from, NULL-terminated: for
 * orm_schema_options.entity_keys. */
extern const char *const rm_resource_keys[];
/* Build the resources of schema s (loaded with rm_resource_keys) and set
 * each mapper's info to its record. Returns 0, or ORM_E_SCHEMA with err
 * set as the loader sets it ("SOURCE: entity NAME: PATH: message"); free
 * with rm_resources_free either way. */
int rm_resources_build(rm_resources *rs, orm_schema *s, orm_error *err);
/* A zeroed rs is a no-op. */
void rm_resources_free(rm_resources *rs);
/* The resource named name, or NULL. */
const rm_resource *rm_resource_named(const rm_resources *rs, const char *name);
/* m's resource (m belongs to a schema rm_resources_build has run on). */
const rm_resource *rm_resource_of(const orm_mapper *m);

struct rm_app {
    rm_app_config cfg;
    orm_schema *schema;
    rm_resources resources;        /* what the schema serves, by name */
    orm_engine *engine;
    struct rm_hmac_key *cursor_key; /* HMAC key of keyset cursors, ready at start-up (cursor.c) */
    rm_metrics metrics;
    /* The router (rm_route, set by rm_app_open): batches route each
     * operation through it as data, so batch.c and router.c do not call
     * each other by name. */
    void (*route)(struct rm_ctx *ctx);
    bool (*route_reads)(struct rm_ctx *ctx); /* rm_route_reads, the same way */
};

/* Everything one request needs, on the handler's stack. */
typedef struct rm_ctx {
    rm_app *app;
    const rm_request *req;
    rm_response *resp;
    rm_arena *a;                 /* the request arena */
    orm_error err;               /* the request's error record */
    orm_session session;         /* statement counts for Server-Timing */
    const char *route;           /* route pattern for metrics ("/api/users/{id}") */
    orm_session *outer;          /* inside POST /api/_batch: the batch's running unit */
    const char *refusal;         /* the detail of a handler's rm_refuse */
    const rm_principal *who;     /* who sent it (auth.c), set before routing; a batch's
                                    operations share the batch's */
    orm_scope scope;             /* what `who` may see (access.c); session.scope points here
                                    when access control is on */
    struct rm_made_rows *made;   /* proxy_write.c: the targets proxy lists created in the
                                    running unit, by value (NULL: none yet) */
    const char *param_at;        /* where a parameter's error points: NULL for the query
                                    string ("/query/<param>"), "" for a query body
                                    ("/<param>", SPEC §10 E); see rm_param_pointer */
} rm_ctx;

/* ---- access.c: a role's permissions and row filter, the one place --------
 *
 * rm_access_begin (once per request, after authentication) gives the
 * session the request's scope: resources the role may not read are hidden
 * from filters, sort paths, include, sub-resources and nested writes, and
 * each resource's row filter (unless the role is exempt) holds in every
 * statement on its rows and for every row a write leaves (orm/scope.h).
 * Without --jwt-secret there is no scope and every role may do everything;
 * a resource without "permissions" is open to every role. */
void rm_access_begin(rm_ctx *ctx);
/* Whether the request's role holds every RM_PERM_* bit of perm on r. */
bool rm_may(const rm_ctx *ctx, const rm_resource *r, unsigned perm);
/* `if ((rc = rm_require(ctx, r, perm))) return rc;`: 0 when the role may;
 * else 401 without a token (WWW-Authenticate), 403 with one. */
int rm_require(rm_ctx *ctx, const rm_resource *r, unsigned perm);
/* m's relationship called name as the request may see it (NULL: none, or
 * its target is hidden from the role): what every route resolving a
 * relationship name from a client asks. */
const orm_relationship *rm_relationship(const rm_ctx *ctx, const orm_mapper *m, const char *name);

/* ---- unit.c ---- Run a handler's database work as one unit: its own transaction, or, inside
 * a batch, as part of the batch's. Returns 0 or an orm_code (ctx->err set). */
int rm_run(rm_ctx *ctx, bool write, orm_unit_fn fn, void *ud);

/* ---- router.c: routing as data ------------------------------------------
 *
 * router.c holds the route table: every path pattern the API serves, the
 * methods each takes and the handler per method. The router matches the
 * path, sets the metrics label, resolves {res}, {id} and {rel} (404),
 * refuses query parameters where a route takes none (400), answers OPTIONS
 * (204 with Allow) and a method the route or the resource does not allow
 * (405 with Allow), sends HEAD to the GET handler (the server drops the
 * body), calls the handler and answers its outcome.
 *
 * The handler convention: a handler returns its outcome and the router
 * answers a failure, once (handlers never answer errors themselves):
 *   0                 the handler has answered (ctx->resp is set; a
 *                     handler that builds its own problem, as a batch does
 *                     for a failed operation, returns 0 too);
 *   ORM_E_* (< 0)     the problem is in ctx->err: answered from it
 *                     (status by rm_status_of, field errors as pointers);
 *   an HTTP status    (>= 400, only as `return rm_refuse(...)`): a problem
 *                     with that status and detail, no field errors. */

/* What a route's pattern matched (the parts its pattern has; others NULL). */
typedef struct rm_match {
    const orm_mapper *mapper;        /* {res} */
    const orm_value *key;            /* {id}, parsed for mapper's primary key */
    const orm_relationship *rel;     /* {rel} */
    const char *child;               /* {child} as sent: percent-encoded, parsed by the handler */
} rm_match;

typedef int (*rm_handler)(rm_ctx *ctx, const rm_match *at);

/* ---- query_body.c: a read's parameters as a JSON body (SPEC §10 E) --------
 *
 * POST /api/{res}/_query and QUERY /api/{res} carry a list's query
 * parameters as the members of a JSON object. Their body handler checks
 * the body against its member table and runs the read's own handler on a
 * copy of the request whose parameter list the body gives, so that its
 * parsers read the body as they read a query string, with errors at
 * "/<param>" (ctx->param_at = ""). A query string is then 400 at
 * /query/<param>; a body that is not a JSON object 400 at ""; an unknown
 * member, or one of a type its table does not give it, 400 at "/<member>".
 * A new body route is a member table, a body handler and its line in
 * query_body.c's table of them. */
enum {
    RM_BODY_TEXT = 1u << 0,    /* a JSON string: the text the URL would carry */
    RM_BODY_INTEGER = 1u << 1, /* a JSON integer, written in decimal */
    RM_BODY_JSON = 1u << 2     /* a JSON object, written as JSON text (a filter) */
};
typedef struct rm_body_member {
    const char *name;          /* "limit"; "fields[]" names the family fields[PATH] */
    unsigned takes;            /* RM_BODY_*: the JSON types the member may have */
    const char *doc;           /* what /openapi.json says of it (query parameter and body member), or NULL */
} rm_body_member;
/* POST /api/{res}/_query, QUERY /api/{res}: rm_handle_list on the body. */
int rm_handle_list_body(rm_ctx *ctx, const rm_match *at);
/* POST and QUERY /api/{res}/_aggregate: rm_handle_aggregate on the body. */
int rm_handle_aggregate_body(rm_ctx *ctx, const rm_match *at);
/* The members (up to a NULL name) of body handler h's body, or NULL when h
 * is not a body handler: what /openapi.json documents. */
const rm_body_member *rm_body_members(rm_handler h);

/* Match ctx->req against the route table and answer it. Set into app->route
 * for batches. */
void rm_route(rm_ctx *ctx);
/* Whether ctx->req only reads, by the route table: GET, HEAD, and the
 * methods whose permission is read (POST .../_query, QUERY, ...). A batch
 * of reads takes no write lock. */
bool rm_route_reads(rm_ctx *ctx);

/* GET /openapi.json is the route table described: router.c gathers, for
 * each resource and each route the document describes, what it serves
 * there, and openapi.c writes it. */
typedef struct rm_operation {
    const char *method;          /* "GET", "POST", "PUT", "PATCH", "DELETE" or "QUERY" */
    int status;                  /* the status of its success */
    const rm_body_member *body;  /* a query body's members (SPEC §10 E): the body holds the
                                    parameters and it answers as the path's list; or NULL */
} rm_operation;

typedef struct rm_path_doc {
    const char *path;            /* "/api/users/{id}/posts": the pattern, {res} and {rel} filled in */
    const orm_mapper *subject;   /* whose rows it answers with (under {rel}: the target's);
                                    NULL on the routes of no resource (/healthz, /api, ...) */
    bool collection;             /* a list of them: its GET takes the list parameters */
    bool keyed;                  /* the path holds {id} */
    rm_operation ops[5];         /* the methods the resource allows there, in the table's order */
    size_t nops;
    bool aggregate;              /* .../_aggregate: grouped rows of the subject (SPEC §10 A) */
} rm_path_doc;

/* ---- errors.c: outcomes → HTTP status and problem+json, in one place ---- */
int rm_status_of(int orm_code);
/* For `return rm_refuse(ctx, status, detail);`: the router answers status
 * (>= 400) as a problem with detail and no field errors. Returns status. */
int rm_refuse(rm_ctx *ctx, int status, const char *detail);
/* The pointer of list parameter `param` (a name such as "limit" or
 * "filter[orders]"): "/query/<param>" for the query string, "/<param>" for
 * a query body. Every error about a parameter's value as a whole points
 * here; errors inside a JSON parameter use "/<param>/..." either way. */
const char *rm_param_pointer(rm_ctx *ctx, const char *param);
/* Record a 400 at rm_param_pointer(param) with the formatted detail;
 * returns ORM_E_INVALID. */
int rm_bad_param(rm_ctx *ctx, const char *param, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Answer a handler's outcome rc by the convention above (0: nothing to do).
 * 500s log the internal text with the request id, never show it. */
void rm_answer_outcome(rm_ctx *ctx, int rc);

/* ---- include.c: ?include and fields[rel] -------------------------------- */
typedef struct rm_view {
    const orm_include *node;   /* an included relationship */
    const bool *fields;        /* its target's sparse fieldset */
} rm_view;

typedef struct rm_include {
    orm_include *nodes;        /* the include tree's first level */
    size_t n;
    rm_view *views;            /* fields[rel] fieldsets */
    size_t nviews;
    const orm_scope *scope;    /* the request's (access.c): _links leave out what it hides */
    const orm_mapper *mapper;  /* whose rows it is for: a view-only projection's rows are
                                  written through it (their instances are of the owner's class) */
    struct rm_proxy_pick *picks; /* proxies a fields / fields[rel] list names (proxy.c) */
    size_t npicks;
    const orm_column *const *counts; /* count[REL] of the top objects (params.c; a node's own
                                        count[PATH.REL] are on the node): orm/related_count.h */
    size_t ncounts;
} rm_include;

/* Parse ?include for m (400 at /query/include on error). */
int rm_parse_include(rm_ctx *ctx, const orm_mapper *m, const char *spec, rm_include *out);
/* The schema's eager relationships of m, followed to depth 3. */
void rm_default_include(rm_ctx *ctx, const orm_mapper *m, rm_include *out);
/* The node of the included relationship path ("author.addresses") in
 * inc's tree for m's rows, or NULL (not included, or only for a proxy). */
const orm_include *rm_include_node(const rm_include *inc, const orm_mapper *m, const char *path, rm_arena *a);
/* fields[path]=spec for an included relationship path (400 at /query/<param>). */
int rm_parse_rel_fields(rm_ctx *ctx, const orm_mapper *m, const char *path, const char *spec,
                        const char *param, rm_include *inc);
/* The fieldset for an include node, or NULL (all columns). */
const bool *rm_view_fields(const rm_include *inc, const orm_include *node);
/* The node of an included to-many path for a criterion parameter
 * (filter[PATH], sort[PATH], limit[PATH], offset[PATH]: SPEC §10 C), or
 * NULL with a 400 at rm_param_pointer(param): a path not included, or a
 * to-one. */
orm_include *rm_include_criteria_node(rm_ctx *ctx, const orm_mapper *m, const char *path, const char *param,
                                      rm_include *inc);
/* 400 at include for a dynamic relationship included without limit[PATH]. */
int rm_include_check_bounded(rm_ctx *ctx, const rm_include *inc);

/* ---- serialize.c: rows → JSON text ------------------------------------- */
/* Columns to output: NULL = every readable column; else fields[i] for table
 * column i (the primary key is always written). */
typedef const bool *rm_fields;
/* "/api/users/5" (composite keys "k1,k2", each percent-encoded). */
const char *rm_object_path(rm_arena *a, const orm_mapper *m, const orm_value *row);
/* One instance: its mapper's readable columns (inc->mapper's when that is
 * a view-only projection; fields: sparse fieldset or NULL), the relationships of the include nodes embedded (recursively, with
 * inc's fieldsets), and "_links": self plus each relationship neither
 * embedded nor noload. */
void rm_write_instance(rm_sb *sb, const orm_instance *inst, const orm_include *nodes, size_t n,
                       rm_fields fields, const rm_include *inc);
/* Begin an answer's text: an arena builder bounded by --max-response. */
void rm_answer_init(rm_ctx *ctx, rm_sb *sb);
/* Answer status with body text in sb (application/json) and return 0; a
 * builder past its bound returns ORM_E_TOO_LARGE (413) instead. */
int rm_reply_json(rm_ctx *ctx, int status, rm_sb *sb);
/* Answer a json_t document (stolen: freed here), as rm_reply_json. */
int rm_reply_json_doc(rm_ctx *ctx, int status, json_t *doc);
/* c's choices as a JSON array of values written as rows write them (GET
 * /api's "choices", OpenAPI's "enum"), or NULL when it has none. */
json_t *rm_choices_json(const orm_column *c);

/* ---- proxy.c: association proxies (SPEC §9) -------------------------------
 *
 * Read: each proxy's relationship is loaded like a selectin relationship
 * (an include node, `unshown` unless the client included it too) and the
 * serializer lists its attribute's values. Written: a list in a body
 * replaces the collection (rm_plan.proxies, built by rm_build_proxies). */

/* A proxy a fields list names at one level of the include tree. */
typedef struct rm_proxy_pick {
    const orm_include *level;  /* NULL: the top objects; else an include node's targets */
    const orm_proxy *proxy;
} rm_proxy_pick;

/* m's proxy called name as the request may see it (its relationship's
 * target visible to the role), or NULL. */
const orm_proxy *rm_proxy(const rm_ctx *ctx, const orm_mapper *m, const char *name);
/* A fields list at level names proxy x. */
void rm_proxy_pick_add(rm_ctx *ctx, rm_include *inc, const orm_include *level, const orm_proxy *x);
/* The proxies named by ?fields (spec, may be NULL) for the top objects of m. */
void rm_proxy_pick_fields(rm_ctx *ctx, const orm_mapper *m, const char *spec, rm_include *inc);
/* Make inc's tree load every proxy shown at each of its levels: a node on
 * the proxy's relationship where there is none (unshown). top: the top
 * level's fieldset (a proxy it does not pick is neither loaded nor shown).
 * Call once the tree's nodes are all there and before fields[rel] views
 * refer into it. */
void rm_proxy_includes(rm_ctx *ctx, const orm_mapper *m, rm_fields top, rm_include *inc);
/* Nodes only proxies needed, under nodes[0..n) and below (for trees merged into later). */
void rm_proxy_includes_below(rm_ctx *ctx, orm_include *nodes, size_t n, const rm_include *inc);
/* node has just got a fields[rel] view (its proxies picked): drop the
 * unshown children that load a proxy it leaves out (no statement for them). */
void rm_proxy_prune(rm_include *inc, orm_include *node);
struct rm_plan_proxy;
/* proxy_write.c: the list v at ptr in obj (an object of m's) for proxy x
 * → out. A read-only proxy, a body that also gives its relationship, or a
 * value of the wrong type is 400; null or a repeated value 422 at ptr/i. */
int rm_proxy_parse(rm_ctx *ctx, const orm_mapper *m, const orm_proxy *x, const json_t *obj, const json_t *v,
                   const char *ptr, struct rm_plan_proxy *out);
/* proxy_write.c, inside a unit: the existing rows the list names for
 * inst, items[i] for value i, NULL where the value needs a new row:
 * many-to-many, the targets whose attribute equals a value, looked up in
 * one statement (or created by an earlier list of the unit); one-to-many, the current member with that value. The
 * caller creates the missing ones (pp->news), fits and links them. */
int rm_proxy_members(rm_ctx *ctx, orm_uow *u, const struct rm_plan_proxy *pp, orm_instance *inst,
                     orm_instance ***items);
/* Many-to-many: value i of pp's list created target in unit u; a later
 * list of the same unit naming that value links it (one row per value,
 * whatever the number of lists that name it before the flush). */
void rm_proxy_created(rm_ctx *ctx, orm_uow *u, const struct rm_plan_proxy *pp, size_t i, orm_instance *target);
/* "name":[values], for each proxy of inst shown at level (NULL = top) with
 * fields (NULL = all) whose relationship is loaded. */
void rm_write_proxies(rm_sb *sb, const orm_instance *inst, const orm_include *level, rm_fields fields,
                      const rm_include *inc);

/* ---- body.c: JSON input → column values ---------------------------------- */
typedef enum rm_write_mode {
    RM_WRITE_CREATE,  /* POST: missing required columns are 422 */
    RM_WRITE_REPLACE, /* PUT: omitted writable columns become default/NULL */
    RM_WRITE_UPDATE   /* PATCH: only the given columns */
} rm_write_mode;

typedef struct rm_row_input {
    orm_value *values;  /* table->ncolumns */
    bool *given;        /* which values to write */
    bool has_version;   /* an update carried the version it was based on */
    orm_value version;  /* ... that version: a mismatch is stale data (409) */
} rm_row_input;

/* Must a create (RM_WRITE_CREATE) or replace (RM_WRITE_REPLACE) body give
 * column c? The one rule behind a body's 422 "is required" and the
 * OpenAPI request schemas' "required": a column bodies write (not
 * server-managed), not a generated key (on PUT no key: the URL's), without
 * a default, NOT NULL. A to-one in the body may still fill it. */
bool rm_body_requires(const orm_mapper *m, const orm_column *c, rm_write_mode mode);
/* Decode and validate the columns of one JSON object for mapper m
 * (relationship keys are left to write_plan.c). Field errors go into
 * ctx->err with pointers prefix + "/column". key (may be NULL) is the
 * primary key from the URL for PUT/PATCH: a key column in the body must
 * match it. implied (may be NULL) marks columns a relationship in the body
 * fills, which are therefore not required. Returns 0 or ORM_E_INVALID /
 * ORM_E_VALIDATION. */
int rm_decode_row(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, rm_write_mode mode,
                  const char *prefix, const orm_value *key, const bool *implied, rm_row_input *out);

/* ---- etag.c ------------------------------------------------------------------- */
/* The ETag of inst's representation json[0..len), written with inc (NULL:
 * nothing embedded) and fields (docs/decisions.md "ETag"). */
const char *rm_etag(rm_ctx *ctx, const orm_instance *inst, const rm_include *inc, rm_fields fields,
                    const char *json, size_t len);
/* Inside a write unit: the request's If-Match (if any) against inst of m as
 * GET answers it: with the request's include and fields (own: the request
 * names inst), or by default (a member route: inst is the parent); the
 * embedded rows are loaded for the comparison when the tag covers them.
 * ORM_E_PRECONDITION on a mismatch. */
int rm_check_if_match(orm_session *s, rm_ctx *ctx, const orm_mapper *m, orm_instance *inst, bool own);
/* For writes that change no existing representation: only If-Match "*" holds. */
int rm_check_if_match_none(rm_ctx *ctx);

/* ---- write_plan.c: nested writes ------------------------------------------ */
typedef enum rm_plan_kind {
    RM_PLAN_NEW,     /* no key: create */
    RM_PLAN_REF,     /* only the key: link the existing row */
    RM_PLAN_UPDATE   /* key and fields: update the existing row */
} rm_plan_kind;

struct rm_plan;
/* An association proxy's list in a body (proxy_write.c): the collection
 * it replaces. */
typedef struct rm_plan_proxy {
    const orm_proxy *proxy;
    orm_value *values;          /* distinct, non-null, validated for the attribute */
    size_t n;
    const char *pointer;        /* the list's ("/keyword_names"): value i is at pointer/i */
    struct rm_plan **news;      /* per value: the row a missing value creates, as a nested
                                   create with only the attribute (write_plan.c) */
    const char **refused;       /* per value: why that row could not be created, or NULL */
} rm_plan_proxy;

typedef struct rm_plan_rel {
    const orm_relationship *rel;
    struct rm_plan **items;     /* a scalar has n 0 (null) or 1 */
    size_t n;
} rm_plan_rel;

typedef struct rm_plan {
    const orm_mapper *mapper;
    rm_plan_kind kind;
    rm_write_mode mode;
    const char *pointer;        /* where the object is in the body ("" at the top) */
    bool nested;                /* inside a body (or a collection member): a missing key is 422 */
    orm_value *key;             /* REF / UPDATE */
    rm_row_input in;            /* the columns given */
    rm_plan_rel *rels;          /* relationship keys present */
    size_t nrels;
    rm_plan_proxy *proxies;     /* association proxy keys present */
    size_t nproxies;
} rm_plan;

/* Validate a write body into a plan (no SQL). url_key: the key of PUT/PATCH
 * (the top object is then an update). Errors in ctx->err with pointers. */
int rm_parse_write(rm_ctx *ctx, const orm_mapper *m, const json_t *obj, rm_write_mode mode,
                   const char *prefix, const orm_value *url_key, rm_plan **out);
/* prefix + "/" + i: the pointer of a body's i-th array member (without
 * printf: a bulk body has tens of thousands). */
const char *rm_index_pointer(rm_arena *a, const char *prefix, size_t i);
/* A body for POST /api/{res}/{id}/{rel}: an object as it would be nested
 * under rel (new, a reference, or an update). */
int rm_parse_member(rm_ctx *ctx, const orm_relationship *r, const json_t *obj, rm_plan **out);
/* orm_uow_fit for a row of the body at pointer: a refusal becomes a field
 * error there (422). */
int rm_fit(rm_ctx *ctx, orm_uow *u, const orm_relationship *r, orm_instance *target, const char *pointer);
/* Inside a unit: the plan's objects as instances of u, linked as the body
 * says. A nested reference to a missing row is 422 at its pointer. */
int rm_build(rm_ctx *ctx, orm_uow *u, const rm_plan *p, orm_instance **out);
/* After a unit of plans[0..n) failed with a unique violation (ctx->err's
 * conflict table and columns): a field error at the one object of the
 * plans that wrote one of those columns, "/tags/1/code"; none when no
 * object or several could be it. Returns rc. */
int rm_point_conflict(rm_ctx *ctx, rm_plan *const *plans, size_t n, int rc);
/* Add the relationships the body wrote to an include tree; true when that
 * widened it (the answer then embeds more than GET of its URI). */
bool rm_include_written(rm_ctx *ctx, const rm_plan *p, rm_include *inc);

/* ---- create.c ----------------------------------------------------------------- */
/* Plans for a POST body (object or array) whose pointers start at prefix. */
int rm_plan_objects(rm_ctx *ctx, const orm_mapper *m, const json_t *body, const char *prefix,
                    rm_plan ***plans, size_t *n);
/* Inside a unit: build, flush, and load `include` (may be NULL) on the new objects. */
int rm_create_objects(rm_ctx *ctx, orm_session *s, const orm_mapper *m, struct rm_plan **plans, size_t n,
                      const rm_include *include, orm_instance **insts);
/* Flush u and read again the computed attributes of every object it
 * wrote, nested ones included, and of the answer's subject `top` (NULL:
 * none), which a write through its relationships alone (a proxy's orphans)
 * leaves unwritten yet changed (orm_load_computed: one statement per
 * mapper of the written graph): what a write answer shows. */
int rm_flush_refreshed(orm_session *s, orm_uow *u, orm_instance *top);

/* ---- keys ----------------------------------------------------------------- */
/* Parse "{k1},{k2}" from the URL (still percent-encoded: split on ',',
 * then each part decoded) into m's key values; -1 if it does not parse for
 * the key's types (the caller answers 404). */
int rm_parse_key(rm_arena *a, const orm_mapper *m, const char *text, orm_value *out);

/* ---- params.c: list query parameters -------------------------------------- */
typedef struct rm_list_params {
    orm_query query;
    bool *fields;        /* NULL = all */
    bool count;          /* count=exact */
    int64_t limit, offset;
    const char *sort;    /* ?sort as given, NULL = the resource's default order */
    const char *cursor;  /* ?cursor as given, or NULL */
    bool before;         /* the cursor asks for the rows before it (links.prev) */
    rm_include include;  /* relationships to embed */
} rm_list_params;
/* Parse the query string of a list request for m (default_sort: the order
 * when ?sort is absent, NULL = primary key). Errors are 400 with pointers
 * rm_param_pointer(<param>). */
int rm_parse_list_params(rm_ctx *ctx, const orm_mapper *m, const char *default_sort,
                         rm_list_params *out);
/* A non-negative integer in plain digits, or -1 (limit, offset). */
int64_t rm_param_count(const char *s);
/* Parameter param's value val as an integer from 0 to max (max < 0: no
 * bound) into *out; else 400 at it: "must be a non-negative integer", or
 * "must be at most MAX" followed by why (e.g. "" or " (X's max_page_size)"). */
int rm_param_bounded(rm_ctx *ctx, const char *param, const char *val, int64_t max, const char *why, int64_t *out);
/* A JSON parameter's text parsed (the caller decrefs it), or NULL after a
 * 400 "not valid JSON" at pointer ("/filter", "/having", "/count[REL]"). */
json_t *rm_param_json(rm_ctx *ctx, const char *text, const char *pointer);
/* filter=JSON, or else kv as the equality shorthand (an unknown parameter
 * is 400 at its name): AND-ed into q->where. */
int rm_param_where(rm_ctx *ctx, const orm_mapper *m, const rm_kv *kv, orm_query *q);
/* Is the request's query parameter i a repetition of an earlier one? */
bool rm_param_repeated(const rm_request *req, size_t i);
/* The query string of a single-object request: include, fields,
 * fields[rel] and (reads only) count[PATH]; the top object's counts are
 * inc->counts. */
int rm_parse_object_params(rm_ctx *ctx, const orm_mapper *m, rm_include *inc, bool **fields);

/* ---- facets.c: facet=PATH,... and facet_size on lists (SPEC §10 B) ---- */
typedef struct rm_facets {
    const char **paths;              /* the facets asked for (n 0: none) */
    size_t n;
    int64_t size;                    /* facet_size: values per facet (default 30) */
    struct rm_facet_result *results; /* per path, once rm_facets_run has run */
} rm_facets;
/* Read and check facet and facet_size from ctx->req->query for a list of
 * m's rows (400 at /query/facet or /query/facet_size). */
int rm_facets_parse(rm_ctx *ctx, const orm_mapper *m, rm_facets *out);
/* Inside the list's unit: one statement per facet over q's WHERE (the
 * list's filter, shorthand and parent; not its paging or cursor). */
int rm_facets_run(rm_ctx *ctx, orm_session *s, const orm_query *q, rm_facets *f);
/* ,"facets":{...} for meta (nothing when none was asked). */
void rm_facets_write(rm_sb *sb, const rm_facets *f);

/* ---- cursor.c: keyset cursors ------------------------------------------- */
/* Opaque, MAC-protected cursor for the n effective-sort values of a row,
 * bound to m and the sort spec (NULL = default order). */
const char *rm_cursor_encode(rm_ctx *ctx, const orm_mapper *m, const char *sort,
                             const orm_value *values, size_t n, bool before);
/* Set app->cursor_key: from the deployment secret when there is one, else
 * from the schema (every replica serving it accepts the others' cursors).
 * Once, at start-up, after the resources (it is freed with their arena). */
void rm_cursor_key_derive(rm_app *app);
/* Decode into n values; -1 unless issued by this server for m and sort. */
int rm_cursor_decode(rm_ctx *ctx, const orm_mapper *m, const char *sort, const char *text,
                     orm_value *values, size_t n, bool *before);

/* ---- metrics.c ------------------------------------------------------------ */
void rm_metrics_init(rm_metrics *m);
void rm_metrics_destroy(rm_metrics *m);
/* Count one answered request. */
void rm_metrics_observe(rm_metrics *m, const char *route, const char *method, int status,
                        double seconds);

/* ---- handlers (rm_handler: see the convention under router.c) ------------- */
int rm_handle_healthz(rm_ctx *ctx, const rm_match *at);     /* GET /healthz (index.c) */
int rm_handle_metrics(rm_ctx *ctx, const rm_match *at);     /* GET /metrics */
int rm_handle_index(rm_ctx *ctx, const rm_match *at);       /* GET /api (index.c) */
int rm_handle_batch(rm_ctx *ctx, const rm_match *at);       /* POST /api/_batch */
int rm_handle_list(rm_ctx *ctx, const rm_match *at);        /* GET /api/{res} (list.c) */
int rm_handle_create(rm_ctx *ctx, const rm_match *at);      /* POST /api/{res} (create.c) */
int rm_handle_bulk_update(rm_ctx *ctx, const rm_match *at); /* PATCH /api/{res}?filter= (bulk.c) */
int rm_handle_bulk_delete(rm_ctx *ctx, const rm_match *at); /* DELETE /api/{res}?filter= (bulk.c) */
/* item.c: /api/{res}/{id} and its sub-resources */
int rm_handle_get_object(rm_ctx *ctx, const rm_match *at);     /* GET */
int rm_handle_replace_object(rm_ctx *ctx, const rm_match *at); /* PUT */
int rm_handle_update_object(rm_ctx *ctx, const rm_match *at);  /* PATCH */
int rm_handle_delete_object(rm_ctx *ctx, const rm_match *at);  /* DELETE */
int rm_handle_get_related(rm_ctx *ctx, const rm_match *at);    /* GET /api/{res}/{id}/{rel} */
/* aggregate.c: GET /api/{res}/_aggregate and /api/{res}/{id}/{rel}/_aggregate
 * (SPEC §10 A), parameters read from ctx->req->query */
int rm_handle_aggregate(rm_ctx *ctx, const rm_match *at);
int rm_handle_add_member(rm_ctx *ctx, const rm_match *at);     /* POST /api/{res}/{id}/{rel} */
int rm_handle_remove_member(rm_ctx *ctx, const rm_match *at);  /* DELETE .../{rel}/{child} */
/* A collection sub-resource: r's rows related to the parent with key, as a
 * list whose links start at base (list.c). */
/* list.c: this list's URL: base and the request's parameters, with offset
 * and cursor replaced when `replace` (then offset > 0 and cursor non-NULL
 * are added). */
const char *rm_list_link(rm_ctx *ctx, const char *base, bool replace, int64_t offset, const char *cursor);
int rm_handle_related_list(rm_ctx *ctx, const orm_mapper *parent, const orm_relationship *r,
                           const orm_value *key, const char *base);
/* ---- openapi.c ---- */
/* Answer GET /openapi.json: an OpenAPI 3.1 document of the schema's
 * entities (components) and the n paths, in their order. */
int rm_reply_openapi(rm_ctx *ctx, const rm_path_doc *paths, size_t n);

/* Load --seed FILE into empty tables through the POST path. */
int rm_seed(rm_app *app, const char *path, char *errbuf, size_t errlen);

#endif
