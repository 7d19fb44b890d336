/* auth.c: authentication (SPEC §6): the request's bearer token, verified
 * once per request before routing, becomes its principal (routes_int.h).
 * The only file that calls libjwt (Debian 12: 1.10.2, over OpenSSL; its
 * HMAC check compares in constant time since CVE-2024-25189's fix).
 *
 * The rules, in the order they are checked:
 *   - access control off (no --jwt-secret): the header is ignored;
 *   - no Authorization header: the role "anonymous", no claims;
 *   - the header must be exactly one "Bearer <token>" (the scheme in any
 *     case, RFC 7235 §2.1), the token at most 8 KiB of base64url in three
 *     dot-separated parts; anything else is 401;
 *   - libjwt verifies the signature with the secret; the header's alg must
 *     be exactly "HS256" (none, HS512, RS256 ... are 401: libjwt 1.10
 *     verifies HS384/HS512 with the same key, so this is checked here);
 *   - the payload must be a JSON object; "exp" and "nbf", when present,
 *     numbers, checked here with 30 s of leeway (libjwt 1.10 checks no
 *     claims); with --jwt-audience, "aud" (a string or an array of them)
 *     must name it; "role", when present, a non-empty string.
 * Every 401 carries WWW-Authenticate: Bearer, with error="invalid_token"
 * when a bearer token was sent (RFC 6750 §3). */
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "routes/routes_int.h"

#define MIN_SECRET 32
#define MAX_TOKEN 8192
#define LEEWAY_S 30

static const rm_principal anonymous = {.role = "anonymous"};

int rm_auth_check_config(const rm_app_config *cfg, char *err, size_t errlen)
{
    if (cfg->secret && strlen(cfg->secret) < MIN_SECRET) {
        snprintf(err, errlen, "--jwt-secret (RESTMAP_JWT_SECRET): the secret has %zu bytes; "
                              "an HS256 secret needs at least %d (e.g. openssl rand -hex 32)",
                 strlen(cfg->secret), MIN_SECRET);
        return -1;
    }
    if (cfg->audience && !*cfg->audience) {
        snprintf(err, errlen, "--jwt-audience (RESTMAP_JWT_AUDIENCE): empty audience");
        return -1;
    }
    if (cfg->audience && !cfg->secret) {
        snprintf(err, errlen, "--jwt-audience (RESTMAP_JWT_AUDIENCE) needs --jwt-secret: "
                              "without a secret no token is read");
        return -1;
    }
    return 0;
}

int rm_refuse_unauthenticated(rm_ctx *ctx, const char *detail)
{
    rm_response_header(ctx->resp, ctx->a, "WWW-Authenticate", "Bearer");
    return rm_refuse(ctx, 401, detail);
}

/* 401 for a bearer token that is not valid. */
static int invalid_token(rm_ctx *ctx, const char *why)
{
    rm_response_header(ctx->resp, ctx->a, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return rm_refuse(ctx, 401, rm_arena_sprintf(ctx->a, "invalid bearer token: %s", why));
}

/* The request's one Authorization header: 0 none, 1 (*out set), 2 more. */
static int authorization_header(const rm_request *req, const char **out)
{
    int n = 0;
    for (size_t i = 0; i < req->nheaders; i++)
        if (!strcasecmp(req->headers[i].key, "Authorization")) {
            if (n++) return 2;
            *out = req->headers[i].value;
        }
    return n;
}

static bool base64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* The token of "Bearer <token>", or NULL with *why. Blanks after the token
 * are ignored; *bearer says whether the scheme was Bearer at all. */
static const char *bearer_token(rm_arena *a, const char *v, bool *bearer, const char **why)
{
    *bearer = !strncasecmp(v, "Bearer", 6) && (v[6] == ' ' || v[6] == '\0');
    if (!*bearer) {
        *why = "the Authorization header must be \"Bearer <token>\"";
        return NULL;
    }
    const char *p = v + 6;
    while (*p == ' ') p++;
    size_t n = 0, dots = 0;
    for (; p[n] && p[n] != ' ' && p[n] != '\t'; n++) {
        if (p[n] == '.') dots++;
        else if (!base64url_char(p[n])) {
            *why = "a token is three base64url parts joined by dots";
            return NULL;
        }
    }
    const char *end = p + n;
    while (*end == ' ' || *end == '\t') end++;
    if (!n) *why = "no token after Bearer";
    else if (*end) *why = "more than one token";
    else if (n > MAX_TOKEN) *why = "longer than 8192 bytes";
    else if (dots != 2) *why = "a token is three base64url parts joined by dots";
    else return rm_arena_strndup(a, p, n);
    return NULL;
}

/* A NumericDate claim: 0 absent, 1 present (*out), -1 not a number. */
static int numeric_date(const json_t *claims, const char *name, double *out)
{
    const json_t *v = json_object_get(claims, name);
    if (!v) return 0;
    if (!json_is_number(v)) return -1;
    *out = json_number_value(v);
    return 1;
}

static bool names_audience(const json_t *aud, const char *want)
{
    if (json_is_string(aud)) return !strcmp(json_string_value(aud), want);
    size_t i;
    const json_t *v;
    json_array_foreach(aud, i, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), want)) return true;
    }
    return false;
}

/* Why the verified payload is not acceptable, or NULL. */
static const char *check_claims(const rm_app_config *cfg, const json_t *claims)
{
    if (!json_is_object(claims)) return "the payload is not a JSON object";
    double now = (double)time(NULL), exp = 0, nbf = 0;
    int has_exp = numeric_date(claims, "exp", &exp), has_nbf = numeric_date(claims, "nbf", &nbf);
    if (has_exp < 0 || has_nbf < 0) return "exp and nbf must be numbers (seconds since 1970)";
    if (has_exp && now >= exp + LEEWAY_S) return "expired";
    if (has_nbf && now < nbf - LEEWAY_S) return "not valid yet (nbf)";
    if (cfg->audience && !names_audience(json_object_get(claims, "aud"), cfg->audience))
        return "not issued for this audience (aud)";
    const json_t *role = json_object_get(claims, "role");
    if (role && (!json_is_string(role) || !json_string_length(role) ||
                 strlen(json_string_value(role)) != json_string_length(role)))
        return "the role claim must be a non-empty string";
    return NULL;
}

static void release_claims(void *claims) { json_decref(claims); }

/* The payload of token if libjwt verifies it as HS256 with the secret;
 * else NULL with *why. */
static json_t *verify(const char *secret, const char *token, const char **why)
{
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, (const unsigned char *)secret, (int)strlen(secret)) || !jwt) {
        *why = "it does not verify as an HS256 token signed with this server's secret";
        return NULL;
    }
    const char *alg = jwt_get_header(jwt, "alg");
    json_t *claims = NULL;
    if (jwt_get_alg(jwt) != JWT_ALG_HS256 || !alg || strcmp(alg, "HS256")) {
        *why = "only HS256 tokens are accepted";
    } else {
        char *text = jwt_get_grants_json(jwt, NULL);
        claims = text ? json_loads(text, 0, NULL) : NULL;
        free(text);
        if (!claims) *why = "the payload is not a JSON object";
    }
    jwt_free(jwt);
    return claims;
}

int rm_authenticate(rm_ctx *ctx)
{
    const rm_app_config *cfg = &ctx->app->cfg;
    ctx->who = &anonymous;
    const char *value = NULL;
    int nheaders = cfg->secret ? authorization_header(ctx->req, &value) : 0;
    if (nheaders == 0) return 0;
    if (nheaders > 1) return invalid_token(ctx, "more than one Authorization header");
    bool bearer;
    const char *why = NULL;
    const char *token = bearer_token(ctx->a, value, &bearer, &why);
    if (!token) return bearer ? invalid_token(ctx, why) : rm_refuse_unauthenticated(ctx, why);
    json_t *claims = verify(cfg->secret, token, &why);
    if (!claims) return invalid_token(ctx, why);
    rm_arena_on_reset(ctx->a, release_claims, claims);
    if ((why = check_claims(cfg, claims))) return invalid_token(ctx, why);
    rm_principal *p = RM_NEW(ctx->a, rm_principal);
    const json_t *role = json_object_get(claims, "role");
    *p = (rm_principal){.role = role ? json_string_value(role) : "anonymous", .claims = claims, .token = true};
    ctx->who = p;
    return 0;
}
