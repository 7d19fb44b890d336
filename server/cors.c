/* cors.c: the CORS headers of an answer and the preflight rule (cors.h). */
#include "server/cors.h"

#include <stdio.h>
#include <string.h>

#include "server/http.h"

/* what a page on another origin may send and read (cors.h) */
#define ALLOW_METHODS RM_SERVER_METHODS
#define ALLOW_HEADERS "Authorization, Content-Type, If-Match, If-None-Match, Prefer"
#define EXPOSE_HEADERS "ETag, Location, Link, Server-Timing, X-Request-Id, Allow, WWW-Authenticate"

/* The next origin of a comma list from *p ("a, b"): its start, its length
 * in *len; NULL past the last. */
static const char *next_origin(const char **p, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == ',') s++;
    if (!*s) return NULL;
    const char *e = s;
    while (*e && *e != ',' && *e != ' ') e++;
    *len = (size_t)(e - s);
    *p = e;
    return s;
}

/* Whether s[0..len) is an origin "scheme://host[:port]". */
static bool is_origin(const char *s, size_t len)
{
    size_t skip = len > 8 && !strncmp(s, "https://", 8) ? 8 : len > 7 && !strncmp(s, "http://", 7) ? 7 : 0;
    if (!skip || s[skip] == ':' || len > 512) return false;
    for (size_t i = skip; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@') return false;
    }
    return true;
}

int rm_cors_check(const char *allowed, char *err, size_t errlen)
{
    if (!strcmp(allowed, "*")) return 0;
    const char *p = allowed, *o;
    size_t len, n = 0;
    bool ok = strlen(allowed) <= 4096;
    while (ok && (o = next_origin(&p, &len))) ok = is_origin(o, len) && ++n <= RM_CORS_MAX_ORIGINS;
    if (ok && n) return 0;
    snprintf(err, errlen, "--cors-origin: expected * or origins such as https://app.example.com, comma-separated "
                          "(scheme and host, optional port, no path; at most %d), got '%.64s'", RM_CORS_MAX_ORIGINS,
             allowed);
    return -1;
}

/* Whether origin is one the configuration allows. */
static bool allowed_origin(const char *allowed, const char *origin)
{
    if (!allowed || !origin) return false;
    if (!strcmp(allowed, "*")) return true;
    size_t n = strlen(origin), len;
    const char *p = allowed, *o;
    while ((o = next_origin(&p, &len)))
        if (len == n && !memcmp(o, origin, n)) return true;
    return false;
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
