/* cors.c: the CORS headers of an answer and the preflight rule (cors.h). */
#include "server/cors.h"

#include <stdio.h>
#include <string.h>

#include "server/http.h"

/* what a page on another origin may send and read (cors.h) */
#define ALLOW_METHODS RM_SERVER_METHODS
#define ALLOW_HEADERS "Authorization, Content-Type, If-Match, If-None-Match, Prefer"
#define EXPOSE_HEADERS "ETag, Location, Link, Server-Timing, X-Request-Id, Allow, WWW-Authenticate"

int rm_cors_check(const char *allowed, char *err, size_t errlen)
{
    if (!strcmp(allowed, "*")) return 0;
    const char *host = !strncmp(allowed, "https://", 8) ? allowed + 8
                       : !strncmp(allowed, "http://", 7) ? allowed + 7 : NULL;
    bool ok = host && *host && *host != ':' && strlen(allowed) <= 512;
    for (const char *p = host; ok && *p; p++) {
        unsigned char c = (unsigned char)*p;
        ok = c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '@' && c != ',';
    }
    if (ok) return 0;
    snprintf(err, errlen, "--cors-origin: expected * or an origin such as https://app.example.com "
                          "(scheme and host, optional port, no path), got '%.64s'", allowed);
    return -1;
}

/* Whether origin is one the configuration allows. */
static bool allowed_origin(const char *allowed, const char *origin)
{
    return allowed && origin && (!strcmp(allowed, "*") || !strcmp(allowed, origin));
}

bool rm_cors_is_preflight(const char *allowed, const char *method, const char *origin,
                          const char *acrm)
{
    return acrm && !strcmp(method, "OPTIONS") && allowed_origin(allowed, origin);
}

size_t rm_cors_headers(const char *allowed, const char *origin, bool preflight,
                       rm_kv out[RM_CORS_MAX_HEADERS])
{
    if (!allowed) return 0;
    bool any = !strcmp(allowed, "*");
    size_t n = 0;
    if (!any) out[n++] = (rm_kv){"Vary", "Origin"}; /* the answer depends on it */
    if (!allowed_origin(allowed, origin)) return n;
    out[n++] = (rm_kv){"Access-Control-Allow-Origin", any ? "*" : origin};
    if (preflight) {
        out[n++] = (rm_kv){"Access-Control-Allow-Methods", ALLOW_METHODS};
        out[n++] = (rm_kv){"Access-Control-Allow-Headers", ALLOW_HEADERS};
        out[n++] = (rm_kv){"Access-Control-Max-Age", RM_CORS_MAX_AGE};
    } else {
        out[n++] = (rm_kv){"Access-Control-Expose-Headers", EXPOSE_HEADERS};
    }
    return n;
}
