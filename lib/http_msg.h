/* http_msg.h: the request and response records passed from server/ to
 * routes/ (and back). Neither side sees the other's internals: the server
 * fills an rm_request from libmicrohttpd and sends whatever rm_response
 * the handler leaves; routes never see libmicrohttpd.
 *
 * Everything a request points to lives in req->arena (or is owned by the
 * server, like `json`) and is valid until the response has been sent. */
#ifndef RM_HTTP_MSG_H
#define RM_HTTP_MSG_H

#include <jansson.h>
#include <stddef.h>

#include "lib/arena.h"

typedef struct rm_kv {
    const char *key;
    const char *value;
} rm_kv;

typedef struct rm_request {
    rm_arena *arena;        /* per-request arena, reset after the response */
    const char *id;         /* request id; also sent as X-Request-Id */
    const char *method;     /* as sent, e.g. "GET" (HEAD is passed as "HEAD") */
    const char *path;       /* percent-decoded path without the query: "/api/users/1" */
    const char *raw_path;   /* the same as sent, still percent-encoded: split it first
                               when a segment may hold an encoded '/' or ',' */
    rm_kv *query;           /* decoded query arguments in order, duplicates kept */
    size_t nquery;
    rm_kv *headers;         /* request headers in order */
    size_t nheaders;
    const char *body;       /* raw body bytes or NULL when empty */
    size_t body_len;
    json_t *json;           /* body parsed with JSON_REJECT_DUPLICATES, or NULL when no
                               body; borrowed: the server frees it */
} rm_request;

#define RM_MAX_RESPONSE_HEADERS 16

/* A body written while it is sent: fill buf with up to max bytes and return
 * how many; 0 means the body is complete. Called by the server after the
 * handler has returned, from one thread at a time, until it returns 0 or
 * the connection ends; its state lives in the request arena. */
typedef size_t (*rm_body_writer)(void *state, char *buf, size_t max);

typedef struct rm_response {
    int status;                 /* 0 means the handler did not answer (server sends 500) */
    const char *content_type;   /* NULL = "application/json" */
    rm_kv headers[RM_MAX_RESPONSE_HEADERS];
    size_t nheaders;
    const char *body;           /* arena memory or static; may be NULL (empty body) */
    size_t body_len;
    rm_body_writer writer;      /* when set: the body, streamed (body is ignored) */
    void *writer_state;
} rm_response;

/* A request handler: fills resp; never fails (errors are responses). */
typedef void (*rm_handler_fn)(void *ud, const rm_request *req, rm_response *resp);

/* Header value by case-insensitive name, or NULL (first occurrence). */
const char *rm_request_header(const rm_request *req, const char *name);
/* Query argument by exact name, or NULL (first occurrence). */
const char *rm_request_query(const rm_request *req, const char *name);
/* Add a response header (name and value are copied into a). Extra headers
 * past RM_MAX_RESPONSE_HEADERS are dropped. */
void rm_response_header(rm_response *resp, rm_arena *a, const char *name, const char *value);
/* Set a body (not copied: must outlive the response). */
void rm_response_body(rm_response *resp, int status, const char *content_type,
                      const char *body, size_t len);

#endif
