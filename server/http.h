/* http.h: the HTTP front door of restmap, over libmicrohttpd.
 *
 * The server accepts connections on worker threads, enforces the framing
 * and size limits (414 URI, 431 headers, 405 method, 400 ambiguous framing,
 * 413 body, 415 media type, 400 malformed JSON), gives every request an
 * arena and an id (sent back as X-Request-Id), serves the explorer's static
 * files, and hands everything else to one rm_handler_fn as an rm_request.
 * Slow clients cannot hold it: a request's head and body each have a total
 * deadline (the connection is closed past it), one client address may hold
 * a bounded number of connections, and the whole server as many as its
 * file-descriptor limit allows.
 * It knows nothing of schemas, routes or SQL. Its errors are
 * application/problem+json (lib/problem.h). */
#ifndef RM_HTTP_H
#define RM_HTTP_H

#include <stddef.h>

#include "lib/http_msg.h"

/* Defaults of the limits below (also the command line's, server/options.c). */
#define RM_HEAD_TIMEOUT_MS 5000
#define RM_BODY_TIMEOUT_MS 30000
#define RM_MAX_CONNS_PER_IP 64
#define RM_MAX_HEADER_BYTES 8192
/* Every method the server knows (a 405's Allow; what CORS lets a page send). */
#define RM_SERVER_METHODS "GET, HEAD, POST, PUT, PATCH, DELETE, QUERY, OPTIONS"

/* Reports an answer the server gave itself (a static file's, whatever its
 * status): route "/" or "/static/{path}", as the handler's answers are
 * counted (routes/app.h rm_app_observe); ud is the handler's. */
typedef void (*rm_observe_fn)(void *ud, const char *route, const char *method, int status,
                              double seconds);

typedef struct rm_server_config {
    const char *bind;         /* IPv4/IPv6 literal or host name, e.g. "127.0.0.1", "::1" */
    int port;                 /* 0 = any free port (see rm_server_port) */
    int threads;              /* worker threads (<= 1: one) */
    size_t max_body;          /* largest request body in bytes (413 past it); 0 = 1 MiB */
    size_t max_uri;           /* longest request target in bytes (414); 0 = 8192 */
    size_t max_header_bytes;  /* sum of "name: value\r\n" over all headers (431);
                                 0 = RM_MAX_HEADER_BYTES */
    int head_timeout_ms;      /* from a connection being ready for a request (accepted, or
                                 the previous answer sent) to that request's complete
                                 head; past it the connection is closed. Also the
                                 keep-alive idle limit. <= 0: RM_HEAD_TIMEOUT_MS */
    int body_timeout_ms;      /* from the end of the head to the complete body; past it
                                 the connection is closed. <= 0: RM_BODY_TIMEOUT_MS */
    unsigned max_conns_per_ip;/* connections one client address may hold at once (more
                                 are closed on accept, unanswered); 0 = no limit */
    const char *static_dir;   /* serve GET/HEAD / and /static/... from it; NULL/"" = off */
    const char *cors_origin;  /* "*" or one origin: CORS on (server/cors.h); NULL = off */
    rm_observe_fn observe;    /* NULL: static answers are not reported */
    int log_requests;         /* non-zero: one access-log line per request (server/log.h) */
} rm_server_config;

typedef struct rm_server rm_server;

/* Bind, listen and start the worker threads. handler(ud, req, resp) is
 * called concurrently from several threads for every request the server
 * does not answer itself; req and everything in it are valid until the
 * response has been sent (the request arena is destroyed then).
 * On success returns 0 and *out (free with rm_server_stop). On failure
 * returns -1 and writes one message (address and reason) into err. */
int rm_server_start(const rm_server_config *cfg, rm_handler_fn handler, void *ud,
                    rm_server **out, char *err, size_t errlen);

/* Bytes of libmicrohttpd memory each connection gets with these limits:
 * a request target of max_uri bytes and headers one line past
 * max_header_bytes (lines of 6 bytes or more) fit, so our 414 and 431
 * answer them (docs/decisions.md, "HTTP"). */
size_t rm_server_connection_memory(size_t max_uri, size_t max_header_bytes);

/* The port actually bound (the ephemeral one when the config said 0). */
int rm_server_port(const rm_server *s);

/* Graceful stop: stop accepting; close at once every connection that waits
 * for a request or is in the middle of a head; give bodies still arriving
 * one more second; let requests whose handler runs finish (waiting at most
 * drain_timeout_ms in all; their responses carry "Connection: close");
 * then close every connection, join the threads and free s. NULL is a
 * no-op. */
void rm_server_stop(rm_server *s, int drain_timeout_ms);

#endif
