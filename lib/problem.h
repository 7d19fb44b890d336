/* problem.h: application/problem+json bodies (RFC 9457) as every 4xx/5xx
 * of restmap answers them: {"type", "title", "status", "detail",
 * "errors": [{"pointer", "message", "status"?}], "error_count"?, "request_id"?}. Every
 * string is written through the one JSON string writer, so text echoed from
 * a request (names, paths) never puts invalid UTF-8 in an answer. Shared by server/
 * (framing, size and media-type errors) and routes/ (everything else). */
#ifndef RM_PROBLEM_H
#define RM_PROBLEM_H

#include "lib/http_msg.h"

typedef struct rm_problem_error {
    const char *pointer;  /* JSON pointer ("/name", "/filter/or/1", "/query/limit") */
    const char *message;
} rm_problem_error;

/* Standard reason phrase for a status ("Not Found"); "Error" if unknown. */
const char *rm_status_title(int status);

/* Fill resp with a problem+json answer. detail may be NULL; errors may be
 * NULL with n == 0; request_id may be NULL. Body is built in arena a. */
void rm_problem(rm_response *resp, rm_arena *a, int status, const char *detail,
                const rm_problem_error *errors, size_t n, const char *request_id);
/* The same when errors holds only the first n of total errors: the body
 * then also says "error_count": total. */
void rm_problem_some(rm_response *resp, rm_arena *a, int status, const char *detail,
                     const rm_problem_error *errors, size_t n, size_t total,
                     const char *request_id);
/* The same with each entry's own status (statuses[i], 0: not written), for
 * an answer that mixes 400 and 422 field errors; statuses may be NULL. */
void rm_problem_kinds(rm_response *resp, rm_arena *a, int status, const char *detail,
                      const rm_problem_error *errors, const int *statuses, size_t n, size_t total,
                      const char *request_id);

#endif
