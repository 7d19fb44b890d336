/* cors.h: cross-origin resource sharing for browser clients on another
 * origin (--cors-origin, docs/decisions.md "Static files and CORS").
 *
 * One rule for every answer the server sends (routes/ answers, its own
 * 4xx/5xx, static files): with CORS on, an answer to a request whose
 * Origin is allowed carries Access-Control-Allow-Origin and
 * Access-Control-Expose-Headers; a preflight (OPTIONS with
 * Access-Control-Request-Method from an allowed origin) is answered 204 by
 * the server with the methods, request headers and max age it allows.
 * "*" allows every origin (no credentials: the API's bearer token is a
 * header the page sets, not a cookie); a list of origins ("https://a.example,
 * https://b.example") is compared byte for byte, the request's Origin is
 * echoed when it is one of them, and answers carry Vary: Origin. Pure
 * string logic: server/http.c adds the headers. */
#ifndef RM_CORS_H
#define RM_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/http_msg.h"

#define RM_CORS_MAX_HEADERS 6
/* origins a --cors-origin list may name */
#define RM_CORS_MAX_ORIGINS 32
/* seconds a browser may keep a preflight's answer */
#define RM_CORS_MAX_AGE "600"

/* 0 when allowed is a usable --cors-origin value: "*", or a comma list of
 * origins "scheme://host[:port]" (http or https, no path, no trailing '/');
 * else -1 with a message naming the option in err. */
int rm_cors_check(const char *allowed, char *err, size_t errlen);

/* Whether a request is a preflight the server answers itself: CORS on
 * (allowed not NULL), OPTIONS, an Access-Control-Request-Method header
 * (acrm) and an allowed Origin. Any other OPTIONS goes on as without CORS. */
bool rm_cors_is_preflight(const char *allowed, const char *method, const char *origin,
                          const char *acrm);

/* The CORS headers of an answer (preflight: of a preflight's 204) to a
 * request with Origin origin (NULL: none): written to out, their number
 * returned; 0 with CORS off (allowed NULL). Values are static strings or
 * origin itself. */
size_t rm_cors_headers(const char *allowed, const char *origin, bool preflight,
                       rm_kv out[RM_CORS_MAX_HEADERS]);

#endif
