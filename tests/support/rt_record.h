/* rt_record.h: with RT_RECORD=<dir> in the environment, the harness (rt.c)
 * writes every exchange the HTTP suites have with a server, one JSON line
 * each, to <dir>/exchanges-<pid>.jsonl, for tests/openapi/validate-exchanges.js
 * to check against the server's /openapi.json:
 *   {"kind": "server", "server": ID, "schema": PATH, "schema_text": TEXT?,
 *    "args": [...], "env": [...]}                       when a server is up
 *   {"kind": "exchange", "server": ID, "method", "path", "request_headers":
 *    {...}, "request_body"?, "status", "content_type"?, "headers": {...},
 *    "body"}                                             per answered request
 * Without RT_RECORD both calls do nothing. */
#ifndef RM_TEST_RT_RECORD_H
#define RM_TEST_RT_RECORD_H

#include "tests/support/rt.h"

/* Server s is up, started as o. */
void rt_record_server(const rt_server *s, const rt_start *o);
/* s answered r to method path with body (may be NULL), its Content-Type
 * (NULL: application/json when there is a body) and extra headers
 * ("Name: value", NULL-terminated, may be NULL). */
void rt_record_exchange(const rt_server *s, const char *method, const char *path, const char *body,
                        const char *content_type, const char *const *extra_headers, const rt_response *r);

#endif
