/* app.h: the REST application as the server sees it: open it from a
 * configuration (loads schemas, connects the engine, creates tables and
 * seeds when asked), hand it requests, close it. The server knows nothing
 * else of schemas, the ORM or SQL. */
#ifndef RM_APP_H
#define RM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/http_msg.h"

typedef struct rm_app_config {
    const char *schema_path;     /* --schema: file or directory */
    const char *db_url;          /* --db */
    bool create_all;             /* --create-all */
    bool echo;                   /* --echo: log SQL with parameters to stderr */
    const char *seed_path;       /* --seed FILE or NULL */
    int threads;                 /* worker threads (sizes the SQLite pool) */
    int pool_size;               /* --pool-size */
    int max_overflow;            /* --max-overflow */
    int statement_timeout_ms;    /* --statement-timeout-ms */
    size_t max_body;             /* --max-body (reported in GET /api) */
    int max_request_rows;        /* --max-request-rows: rows one request may read (0 = 100000) */
    size_t max_response;         /* --max-response: bytes of one answer, and of values one
                                    request may read (0 = 64 MiB) */
    const char *secret;          /* --jwt-secret: turns on access control (at least 32
                                    bytes, else rm_app_open fails) and keys cursor MACs;
                                    NULL: access control off */
    const char *audience;        /* --jwt-audience: the "aud" a token must name; NULL */
} rm_app_config;

typedef struct rm_app rm_app;

/* Open the application. On failure returns -1 and writes one clear message
 * (naming the file/option and the problem) into errbuf. */
int rm_app_open(const rm_app_config *cfg, rm_app **out, char *errbuf, size_t errlen);
/* The request handler (an rm_handler_fn; ud is the rm_app). Thread-safe. */
void rm_app_handle(void *app, const rm_request *req, rm_response *resp);
/* Count an answer the server gave without the handler (a static file's)
 * in GET /metrics, as the handler counts its own (an rm_observe_fn, server/http.h;
 * ud is the rm_app). Thread-safe. */
void rm_app_observe(void *app, const char *route, const char *method, int status, double seconds);
/* Close the pool and free everything. NULL is a no-op. */
void rm_app_close(rm_app *app);

#endif
