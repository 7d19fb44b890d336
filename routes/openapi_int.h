/* openapi_int.h: what the parts of GET /openapi.json share. openapi.c
 * assembles the document; openapi_schemas.c writes the component schemas
 * (answers, request bodies, problems); openapi_params.c the query
 * parameters; openapi_paths.c the operations of each path the router
 * describes. All build jansson values the caller owns. */
#ifndef RM_ROUTES_OPENAPI_INT_H
#define RM_ROUTES_OPENAPI_INT_H

#include "routes/routes_int.h"

/* {"$ref": "#/components/<kind>/<name><suffix>"} */
json_t *rm_oa_ref(const char *kind, const char *name, const char *suffix);
/* {"$ref": "#/components/schemas/<m's name><suffix>"}: "" the answer's
 * shape, "Create"/"Replace"/"Update" a top-level body, "Member" a nested
 * object or a collection member (new, linked or updated). */
json_t *rm_oa_schema_ref(const orm_mapper *m, const char *suffix);

/* ---- openapi_schemas.c ---- */
/* Add to schemas the component schemas of every entity the role may read
 * (answer shapes, and request bodies of writable ones) and Problem. */
void rm_oa_schemas(json_t *schemas, const orm_schema *s, const orm_scope *scope);
/* What an answer holds for one row of m: m's schema, or, when m has
 * subclasses the role may read, anyOf them with a discriminator. */
json_t *rm_oa_answer_of(const orm_mapper *m, const orm_scope *scope);
/* {"data": [rows of m], "meta": ..., "links": ...}: a list's answer; for a
 * query body (SPEC §10 E) links holds only self. */
json_t *rm_oa_list_of(const orm_mapper *m, const orm_scope *scope);

/* ---- openapi_params.c ---- */
/* A query parameter with a string schema. */
json_t *rm_oa_param(const char *name, const char *desc);
/* The list parameters of a list of m (SPEC §4, §10 B, C). */
json_t *rm_oa_list_params(const orm_mapper *m, const orm_scope *scope);
/* The parameters of one object's GET (include, fields, counts, criteria). */
json_t *rm_oa_object_params(const orm_mapper *m, const orm_scope *scope, bool reads);
/* PATCH and DELETE /api/{res}?filter=... (SPEC §10 D). */
json_t *rm_oa_bulk_params(const orm_mapper *m);
/* GET .../_aggregate (SPEC §10 A). */
json_t *rm_oa_aggregate_params(void);

/* ---- openapi_paths.c ---- */
/* The path item of p (operations by lower-case method, QUERY as
 * "x-query"); access: whether access control is on (bearer security, 401,
 * 403). */
json_t *rm_oa_path_item(const rm_path_doc *p, const orm_scope *scope, bool access);
/* The shared responses (components.responses) and headers
 * (components.headers) the operations refer to. */
json_t *rm_oa_responses(void);
json_t *rm_oa_headers(void);

#endif
