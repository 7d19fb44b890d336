/* openapi_int.h: what the parts of GET /openapi.json share. openapi.c
 * assembles the document; openapi_schemas.c writes the component schemas
 * (answers, request bodies, problems); openapi_params.c the query
 * parameters; openapi_paths.c the operations of each resource path the
 * router describes, openapi_service.c those of the others;
 * openapi_answers.c what operations are made of (tags, ids, answers). All
 * build jansson values the caller owns. */
#ifndef RM_ROUTES_OPENAPI_INT_H
#define RM_ROUTES_OPENAPI_INT_H

#include "routes/routes_int.h"

/* ---- openapi_answers.c (which uses no other part) ---- */
/* {"$ref": "#/components/<kind>/<name><suffix>"} */
json_t *rm_oa_ref(const char *kind, const char *name, const char *suffix);
/* {"$ref": "#/components/schemas/<m's name><suffix>"}: "" the answer's
 * shape, "Create"/"Replace"/"Update" a top-level body, "Member" a nested
 * object or a collection member (new, linked or updated). */
json_t *rm_oa_schema_ref(const orm_mapper *m, const char *suffix);

/* A schema written as JSON text with ' for " (a constant shape, no prose
 * with apostrophes in it); an empty object if the text does not parse. */
json_t *rm_oa_shape(const char *text);
/* A new operation of method at path: its tag, operationId, summary and,
 * with access control, its security (a bearer token, or none). */
json_t *rm_oa_operation(const char *method, const char *path, const char *summary, bool access);
/* {"application/json": {"schema": schema}} */
json_t *rm_oa_json_content(json_t *schema);
/* An answer described, with content (may be NULL). */
json_t *rm_oa_success(const char *description, json_t *content);
/* An answer with a JSON schema (may be NULL: no content) and headers
 * (NULL-ended pairs: the header's name, its component in
 * components.headers). */
json_t *rm_oa_success_with(const char *description, json_t *schema, const char *const *headers);
/* responses[status] = r */
void rm_oa_answer(json_t *responses, int status, json_t *r);
/* The problem answers of an operation. */
typedef struct rm_oa_errs {
    bool found;     /* 404: a key, a parent or a member that is not there */
    bool body;      /* 415: a request body */
    bool writes;    /* 409, 412: a write */
    bool invalid;   /* 422: values past their columns' rules, max_bulk_rows, a sum past 64 bits */
    bool access;    /* 401 (any route: a token that does not verify), 403 (/api): access control is on */
    bool api;       /* 403 with access, 413: under /api (a body, an answer or the rows read past a limit) */
} rm_oa_errs;
/* Add to responses r the problem answers e says, 400 and "default" (the
 * server's own: 405, 414, 431, 500, 503); returns r. */
json_t *rm_oa_problems(json_t *r, rm_oa_errs e);
/* The shared responses (components.responses) and headers
 * (components.headers) the operations refer to. */
json_t *rm_oa_responses(void);
json_t *rm_oa_headers(void);

/* ---- openapi_schemas.c ---- */
/* Add to schemas the component schemas of every entity the role may read
 * (answer shapes, and request bodies of writable ones) and Problem. */
void rm_oa_schemas(json_t *schemas, const orm_schema *s, const orm_scope *scope);
/* What an answer holds for one row of m: m's schema, or, when m has
 * subclasses the role may read, anyOf them with a discriminator. */
json_t *rm_oa_answer_of(const orm_mapper *m, const orm_scope *scope);
/* {"data": [rows of m], "meta": ..., "links": ...}: a list's answer (a
 * query body's too, SPEC §10 E: its links hold only self). */
json_t *rm_oa_list_of(const orm_mapper *m, const orm_scope *scope);

/* ---- openapi_params.c ---- */
/* The list parameters of a list of m (SPEC §4, §10 B, C). */
json_t *rm_oa_list_params(const orm_mapper *m, const orm_scope *scope);
/* The parameters of a request answering one object of m: include and
 * fields; on reads (reads) also counts and criteria. */
json_t *rm_oa_object_params(const orm_mapper *m, const orm_scope *scope, bool reads);
/* PATCH and DELETE /api/{res}?filter=... (SPEC §10 D). */
json_t *rm_oa_bulk_params(const orm_mapper *m);
/* GET .../_aggregate (SPEC §10 A). */
json_t *rm_oa_aggregate_params(void);

/* ---- openapi_paths.c, openapi_service.c ---- */
/* The path item of p (operations by lower-case method, QUERY as
 * "x-query"); access: whether access control is on (bearer security, 401,
 * 403). A path of no resource is rm_oa_service_item's. */
json_t *rm_oa_path_item(const rm_path_doc *p, const orm_scope *scope, bool access);
json_t *rm_oa_service_item(const rm_path_doc *p, bool access);

#endif
