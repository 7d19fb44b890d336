/* test_auth.c: authentication (SPEC §6), organised as OWASP API Security
 * Top 10 (2023) API2: Broken Authentication. With --jwt-secret, a request
 * without a token is anonymous, a valid HS256 token is accepted, and every
 * other Authorization is 401 problem+json with WWW-Authenticate: Bearer,
 * answered before any statement runs (Server-Timing: 0 queries) and
 * writing nothing: alg none and every other alg, a wrong key or a tampered
 * token, exp/nbf past the 30 s leeway (within it: accepted), a wrong or
 * missing aud with --jwt-audience, malformed headers and tokens. A token
 * in ?access_token= is never read. Without a secret the header is ignored.
 * A secret under 32 bytes refuses to start.
 *
 * Tokens are minted here with OpenSSL (HMAC, RSA) and with libjwt's
 * encoder, never with the server's code. Servers, one per TCase:
 * "guarded" (schemas/blog.json seeded, --jwt-secret SECRET and
 * RESTMAP_JWT_AUDIENCE=restmap-api), "plain" (the secret, no audience) and
 * "open" (no secret). Without permissions enforced yet, "accepted" is a
 * 2xx from the route; "anonymous" shows as the absence of a 401. */
#include <check.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/suites.h"
#include "tests/support/rt.h"
#include "tests/support/rt_jwt.h"

#define SECRET "rt-auth-secret-0123456789abcdef-xyz" /* 35 bytes */
#define AUDIENCE "restmap-api"
#define BLOG "schemas/blog.json"
#define BLOG_SEED "schemas/blog.seed.json"

static rt_server guarded, plain, open_srv;

static void guarded_start(void)
{
    /* heads up to 16 KiB: a token over the 8 KiB tokens may have reaches
     * the check of tokens (at the default 8 KiB of headers it is 431) */
    static const char *const args[] = {"--jwt-secret", SECRET, "--max-header-bytes", "16384", NULL};
    static const char *const env[] = {"RESTMAP_JWT_AUDIENCE=" AUDIENCE, NULL};
    rt_server_start_ex(&guarded, &(rt_start){.schema = BLOG, .seed = BLOG_SEED, .args = args, .env = env});
}
static void guarded_stop(void) { rt_server_stop(&guarded); }
static void plain_start(void)
{
    rt_server_start(&plain, BLOG, BLOG_SEED, (const char *const[]){"--jwt-secret=" SECRET, NULL});
}
static void plain_stop(void) { rt_server_stop(&plain); }
static void open_start(void) { rt_server_start(&open_srv, BLOG, BLOG_SEED, NULL); }
static void open_stop(void) { rt_server_stop(&open_srv); }

/* ------------------------------------------------------------ minting */

static long long now(void) { return (long long)time(NULL); }

/* An HS256 token of the payload claims (printf, ' for ") with the secret. */
#define hs256(...) rt_hs256(SECRET, __VA_ARGS__)

/* An RS256 token signed with a fresh RSA key (a real signature). */
static char *rs256(const char *payload)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    ck_assert_ptr_nonnull(key);
    char *input = rt_jws_signing_input("{'alg': 'RS256', 'typ': 'JWT'}", payload);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t n = sizeof sig;
    ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    ck_assert_int_eq(EVP_DigestSign(md, sig, &n, (const unsigned char *)input, strlen(input)), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return rt_jws_join(input, sig, n);
}

/* An HS256 token minted by libjwt's encoder (an implementation other than
 * the one above), with grants given as JSON. */
static char *libjwt_hs256(const char *grants)
{
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_new(&jwt), 0);
    char *g = rt_jsonf("%s", grants);
    ck_assert_int_eq(jwt_add_grants_json(jwt, g), 0);
    ck_assert_int_eq(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)SECRET, (int)strlen(SECRET)), 0);
    char *t = jwt_encode_str(jwt);
    ck_assert_ptr_nonnull(t);
    char *out = strdup(t);
    free(t);
    free(g);
    jwt_free(jwt);
    return out;
}

/* ------------------------------------------------------------ requests */

/* method path with "Authorization: <authorization>" (NULL: none). */
static rt_response *send_auth(const rt_server *s, const char *method, const char *path, const char *body,
                              const char *authorization)
{
    char *line = NULL;
    if (authorization) {
        line = malloc(strlen(authorization) + 32);
        ck_assert_ptr_nonnull(line);
        sprintf(line, "Authorization: %s", authorization);
    }
    const char *const headers[] = {line, NULL};
    rt_response *r = rt_request(s, method, path, body, NULL, headers);
    free(line);
    return r;
}

/* A 401 as SPEC §6 and RFC 6750 §3 want it: problem+json, WWW-Authenticate
 * Bearer (with error="invalid_token" when a bearer token was sent), and no
 * statement run. Frees r. */
static void assert_401(rt_response *r, bool token_sent, const char *why)
{
    ck_assert_msg(r->status == 401, "%s (%s): expected 401, got %ld: %.400s", why, r->what, r->status, r->body);
    rt_assert_problem(r, 401, NULL);
    const char *www = rt_header(r, "WWW-Authenticate");
    ck_assert_msg(www != NULL, "%s: 401 without WWW-Authenticate", why);
    ck_assert_msg(!strcmp(www, token_sent ? "Bearer error=\"invalid_token\"" : "Bearer"),
                  "%s: WWW-Authenticate is '%s'", why, www);
    ck_assert_msg(rt_queries(r) == 0, "%s: %d statements ran before the 401", why, rt_queries(r));
    rt_response_free(r);
}

/* GET /api/users with "Bearer <token>" is refused (token freed). */
static void refused(const rt_server *s, char *token, const char *why)
{
    char *v = malloc(strlen(token) + 8);
    ck_assert_ptr_nonnull(v);
    sprintf(v, "Bearer %s", token);
    assert_401(send_auth(s, "GET", "/api/users", NULL, v), true, why);
    free(v);
    free(token);
}

/* GET /api/users with authorization is answered 200 (value freed). */
static void accepted_header(const rt_server *s, char *authorization, const char *why)
{
    rt_response *r = send_auth(s, "GET", "/api/users", NULL, authorization);
    ck_assert_msg(r->status == 200, "%s: expected 200, got %ld: %.400s", why, r->status, r->body);
    ck_assert_msg(rt_json_at(r, "data.0.name") != NULL, "%s: no users listed: %.300s", why, r->body);
    rt_response_free(r);
    free(authorization);
}

static char *bearer(char *token)
{
    char *v = malloc(strlen(token) + 8);
    ck_assert_ptr_nonnull(v);
    sprintf(v, "Bearer %s", token);
    free(token);
    return v;
}

static void accepted(const rt_server *s, char *token, const char *why) { accepted_header(s, bearer(token), why); }

/* ------------------------------------------------------------ API2: what passes */

START_TEST(test_no_token_is_anonymous)
{
    rt_response *r = send_auth(&guarded, "GET", "/api/users", NULL, NULL);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(rt_header(r, "WWW-Authenticate"));
    rt_response_free(r);
    rt_check(&guarded, "/api", NULL);
}
END_TEST

START_TEST(test_valid_token_is_accepted)
{
    long long t = now();
    accepted(&guarded, hs256("{'sub': '42', 'role': 'editor', 'aud': '" AUDIENCE "', 'exp': %lld, 'iat': %lld}",
                             t + 3600, t),
             "HS256, minted with OpenSSL's HMAC");
    accepted(&guarded, libjwt_hs256("{'sub': '42', 'role': 'editor', 'aud': '" AUDIENCE "'}"),
             "HS256, minted with libjwt's encoder");
    accepted(&guarded, hs256("{'sub': '42', 'aud': '" AUDIENCE "'}"), "no role claim: the anonymous role with claims");
    /* RFC 7235 §2.1: the scheme is case-insensitive; 1*SP before the token */
    char *tok = hs256("{'role': 'editor', 'aud': '" AUDIENCE "'}");
    char v[1024];
    static const char *const schemes[] = {"bearer ", "BEARER ", "bEaReR ", "Bearer   "};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        snprintf(v, sizeof v, "%s%s", schemes[i], tok);
        accepted_header(&guarded, strdup(v), schemes[i]);
    }
    /* writes too, and a batch: 2xx from the route */
    snprintf(v, sizeof v, "Bearer %s", tok);
    rt_response *r = send_auth(&guarded, "POST", "/api/users", "{\"name\": \"authed\"}", v);
    RT_ASSERT_STATUS(r, 201);
    rt_response_free(r);
    r = send_auth(&guarded, "POST", "/api/_batch",
                  "{\"operations\": [{\"method\": \"GET\", \"path\": \"/api/users\"}]}", v);
    RT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(rt_json_int(r, "results.0.status"), 200);
    rt_response_free(r);
    free(tok);
}
END_TEST

/* ------------------------------------------------------------ API2: forged tokens */

START_TEST(test_alg_none_is_refused)
{
    static const char *const headers[] = {"{'alg': 'none'}", "{'alg': 'none', 'typ': 'JWT'}", "{'alg': 'None'}",
                                          "{'alg': 'NONE'}", "{'typ': 'JWT'}", "{'alg': ''}", "{'alg': null}"};
    const char *claims = "{'role': 'admin', 'aud': '" AUDIENCE "'}";
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        char *unsigned_tok = rt_jws_signing_input(headers[i], claims);
        char *t = malloc(strlen(unsigned_tok) + 2);
        sprintf(t, "%s.", unsigned_tok); /* an empty signature, as alg none has */
        refused(&guarded, t, headers[i]);
        /* the same with the secret's HS256 signature: the header still says none */
        refused(&guarded, rt_jws(headers[i], claims, EVP_sha256(), SECRET), headers[i]);
        free(unsigned_tok);
    }
}
END_TEST

START_TEST(test_other_algorithms_are_refused)
{
    const char *claims = "{'role': 'admin', 'aud': '" AUDIENCE "'}";
    /* signed with the right secret: only the algorithm is wrong */
    refused(&guarded, rt_jws("{'alg': 'HS512', 'typ': 'JWT'}", claims, EVP_sha512(), SECRET), "HS512");
    refused(&guarded, rt_jws("{'alg': 'HS384', 'typ': 'JWT'}", claims, EVP_sha384(), SECRET), "HS384");
    /* alg names are case-sensitive (RFC 7515 §4.1.1) */
    refused(&guarded, rt_jws("{'alg': 'hs256', 'typ': 'JWT'}", claims, EVP_sha256(), SECRET), "alg hs256");
    /* RS256: a real RSA signature, and the key-confusion forgery (HMAC with the secret) */
    refused(&guarded, rs256(claims), "RS256 with an RSA key");
    refused(&guarded, rt_jws("{'alg': 'RS256', 'typ': 'JWT'}", claims, EVP_sha256(), SECRET), "RS256 header, HMAC");
    refused(&guarded, rt_jws("{'alg': 'ES256', 'typ': 'JWT'}", claims, EVP_sha256(), SECRET), "ES256 header");
    refused(&guarded, rt_jws("{'alg': 'HS256', 'typ': 'JOSE+XML'}", claims, EVP_sha256(), SECRET), "typ not JWT");
}
END_TEST

START_TEST(test_wrong_key_or_tampering_is_refused)
{
    const char *claims = "{'role': 'editor', 'aud': '" AUDIENCE "'}";
    refused(&guarded, rt_jws("{'alg': 'HS256'}", claims, EVP_sha256(), "another-secret-of-32-bytes-or-more!"),
            "signed with another key");
    refused(&guarded, rt_jws("{'alg': 'HS256'}", claims, EVP_sha256(), SECRET "x"), "the secret and one byte more");
    refused(&guarded, rt_jws("{'alg': 'HS256'}", claims, EVP_sha256(), ""), "an empty key");
    /* a valid token whose payload is replaced: the signature no longer holds */
    char *good = hs256("%s", claims), *forged_payload = rt_jws_signing_input("{'alg': 'HS256'}", "{'role': 'admin', "
                                                                                           "'aud': '" AUDIENCE "'}");
    char *dot = strrchr(good, '.'), *pdot = strchr(forged_payload, '.');
    char *t = malloc(strlen(good) + strlen(forged_payload) + 2);
    sprintf(t, "%.*s%s%s", (int)(strchr(good, '.') - good), good, pdot, dot);
    refused(&guarded, t, "payload swapped");
    /* the signature cut short, emptied, or of another token */
    t = strdup(good);
    t[strlen(t) - 2] = '\0';
    refused(&guarded, t, "signature truncated");
    t = strdup(good);
    strrchr(t, '.')[1] = '\0';
    refused(&guarded, t, "signature removed");
    char *other = hs256("{'role': 'other'}");
    t = malloc(strlen(good) + strlen(other) + 1);
    sprintf(t, "%.*s%s", (int)(dot - good), good, strrchr(other, '.'));
    refused(&guarded, t, "another token's signature");
    /* one bit flipped in the signature's last full character */
    t = strdup(good);
    char *last = t + strlen(t) - 3;
    *last = *last == 'A' ? 'B' : 'A';
    refused(&guarded, t, "signature bit flipped");
    free(other);
    free(forged_payload);
    accepted(&guarded, good, "the untouched token");
}
END_TEST

/* ------------------------------------------------------------ API2: lifetime */

START_TEST(test_exp_and_nbf_with_leeway)
{
    long long t = now();
    const char *aud = "'aud': '" AUDIENCE "'";
    refused(&guarded, hs256("{%s, 'exp': %lld}", aud, t - 120), "expired 120 s ago");
    refused(&guarded, hs256("{%s, 'exp': %lld}", aud, t - 3600), "expired an hour ago");
    accepted(&guarded, hs256("{%s, 'exp': %lld}", aud, t - 5), "expired 5 s ago: within the 30 s leeway");
    accepted(&guarded, hs256("{%s, 'exp': %lld.5}", aud, t + 600), "exp a fractional NumericDate");
    refused(&guarded, hs256("{%s, 'nbf': %lld}", aud, t + 120), "valid only in 120 s");
    accepted(&guarded, hs256("{%s, 'nbf': %lld}", aud, t + 5), "valid in 5 s: within the leeway");
    accepted(&guarded, hs256("{%s, 'nbf': %lld, 'exp': %lld}", aud, t - 100, t + 100), "inside its window");
    refused(&guarded, hs256("{%s, 'exp': '%lld'}", aud, t + 3600), "exp as a string");
    refused(&guarded, hs256("{%s, 'exp': null}", aud), "exp null");
    refused(&guarded, hs256("{%s, 'nbf': true}", aud), "nbf a boolean");
}
END_TEST

/* ------------------------------------------------------------ API2: audience */

START_TEST(test_audience)
{
    accepted(&guarded, hs256("{'aud': '" AUDIENCE "'}"), "aud the configured audience");
    accepted(&guarded, hs256("{'aud': ['other', '" AUDIENCE "']}"), "aud an array naming it");
    refused(&guarded, hs256("{'aud': 'other'}"), "another audience");
    refused(&guarded, hs256("{'aud': ['other', 'third']}"), "an array without it");
    refused(&guarded, hs256("{'aud': []}"), "an empty array");
    refused(&guarded, hs256("{'aud': 'RESTMAP-API'}"), "case differs");
    refused(&guarded, hs256("{'aud': '" AUDIENCE " '}"), "a trailing blank");
    refused(&guarded, hs256("{'aud': {'aud': '" AUDIENCE "'}}"), "an object");
    refused(&guarded, hs256("{'role': 'editor'}"), "no aud at all");
}
END_TEST

START_TEST(test_no_audience_configured)
{
    accepted(&plain, hs256("{'role': 'editor', 'aud': 'anyone'}"), "aud not checked without --jwt-audience");
    accepted(&plain, hs256("{'role': 'editor'}"), "no aud");
    refused(&plain, hs256("{'role': 'editor', 'exp': %lld}", now() - 100), "exp still checked");
    refused(&plain, rt_jws("{'alg': 'HS512'}", "{'role': 'editor'}", EVP_sha512(), SECRET), "HS512");
}
END_TEST

/* ------------------------------------------------------------ API2: malformed */

START_TEST(test_malformed_tokens_and_headers)
{
    const char *aud = "{'role': 'editor', 'aud': '" AUDIENCE "'}";
    refused(&guarded, strdup("garbage"), "garbage");
    refused(&guarded, strdup("eyJhbGciOiJIUzI1NiJ9.e30"), "one dot");
    refused(&guarded, strdup("eyJhbGciOiJIUzI1NiJ9"), "no dot");
    refused(&guarded, strdup("a.b.c.d"), "four parts");
    refused(&guarded, strdup(".."), "three empty parts");
    refused(&guarded, strdup("eyJhbGciOiJIUzI1NiJ9.e30!.abc"), "a character outside base64url");
    refused(&guarded, strdup("eyJhbGciOiJIUzI1NiJ9.e30=.abc"), "base64 padding");
    refused(&guarded, strdup("eyJhbGciOiJIUzI1NiJ9.e+0/.abc"), "standard base64, not base64url");
    refused(&guarded, strdup("eyJhbGciOiJIUzI1NiJ9.e.abc"), "a base64url part of impossible length");
    refused(&guarded, rt_jws("{'alg': 'HS256'}", "not json", EVP_sha256(), SECRET), "a payload that is not JSON");
    refused(&guarded, rt_jws("{'alg': 'HS256'}", "['role', 'admin']", EVP_sha256(), SECRET), "a payload array");
    refused(&guarded, rt_jws("not json", aud, EVP_sha256(), SECRET), "a header that is not JSON");
    refused(&guarded, hs256("{'role': 5, 'aud': '" AUDIENCE "'}"), "role a number");
    refused(&guarded, hs256("{'role': '', 'aud': '" AUDIENCE "'}"), "role empty");
    refused(&guarded, hs256("{'role': ['admin'], 'aud': '" AUDIENCE "'}"), "role an array");
    /* a signed token over 8 KiB is refused unread; one just under is fine */
    char *pad = malloc(9000);
    memset(pad, 'x', 8999);
    pad[8999] = '\0';
    refused(&guarded, hs256("{'aud': '" AUDIENCE "', 'pad': '%s'}", pad), "a 12 KiB token");
    pad[5900] = '\0';
    accepted(&guarded, hs256("{'aud': '" AUDIENCE "', 'pad': '%s'}", pad), "an 8 KiB token");
    free(pad);

    char *tok = hs256("%s", aud), v[2048];
    /* the header itself */
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, tok), false, "the token without Bearer");
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, "Basic dXNlcjpwYXNzd29yZA=="), false, "Basic");
    snprintf(v, sizeof v, "Bearer%s", tok);
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, v), false, "no space after Bearer");
    snprintf(v, sizeof v, "Token %s", tok);
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, v), false, "another scheme");
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, "Bearer"), true, "Bearer and no token");
    snprintf(v, sizeof v, "Bearer %s %s", tok, tok);
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, v), true, "two tokens");
    snprintf(v, sizeof v, "Bearer %s, Bearer %s", tok, tok);
    assert_401(send_auth(&guarded, "GET", "/api/users", NULL, v), true, "two credentials in one header");
    /* two Authorization headers, each valid alone */
    char line[1024];
    snprintf(line, sizeof line, "Authorization: Bearer %s", tok);
    const char *const two[] = {line, line, NULL};
    assert_401(rt_request(&guarded, "GET", "/api/users", NULL, NULL, two), true, "two Authorization headers");
    /* an empty Authorization header (curl cannot send one: a raw request) */
    static const char raw[] = "GET /api/users HTTP/1.1\r\nHost: x\r\nAuthorization: \r\nConnection: close\r\n\r\n";
    char *answer = rt_raw(&guarded, raw, sizeof raw - 1);
    ck_assert_msg(rt_raw_status(answer) == 401, "empty Authorization: %.300s", answer);
    ck_assert_msg(strstr(answer, "WWW-Authenticate: Bearer\r\n") != NULL, "empty Authorization: %.300s", answer);
    free(answer);
    free(tok);
}
END_TEST

/* ------------------------------------------------------------ API2: where tokens come from */

START_TEST(test_query_string_token_is_ignored)
{
    char *good = hs256("{'role': 'editor', 'aud': '" AUDIENCE "'}");
    /* an invalid token there is not a credential (no 401): the parameter is
     * as unknown as any other (400), the request anonymous */
    rt_response *r = rt_get(&guarded, "/api/users?access_token=garbage.not.atoken");
    rt_assert_problem(r, 400, "/query/access_token");
    ck_assert_ptr_null(rt_header(r, "WWW-Authenticate"));
    rt_response_free(r);
    char path[1024];
    snprintf(path, sizeof path, "/api/users?access_token=%s", good);
    r = rt_get(&guarded, path);
    rt_assert_problem(r, 400, "/query/access_token");
    rt_response_free(r);
    /* nor does a valid one there rescue an invalid header token */
    assert_401(send_auth(&guarded, "GET", path, NULL, "Bearer garbage"), true, "header invalid, query valid");
    snprintf(path, sizeof path, "/healthz?access_token=%s", "garbage");
    r = rt_get(&guarded, path);
    rt_assert_problem(r, 400, "/query/access_token");
    rt_response_free(r);
    free(good);
}
END_TEST

/* ------------------------------------------------------------ API2: what a 401 does */

START_TEST(test_refusal_comes_before_routing_and_writes_nothing)
{
    char *expired = bearer(hs256("{'role': 'editor', 'aud': '" AUDIENCE "', 'exp': %lld}", now() - 100));
    char *before = rt_db_fingerprint(&guarded);
    static const struct { const char *method, *path, *body; } reqs[] = {
        {"POST", "/api/users", "{\"name\": \"intruder\"}"},
        {"PATCH", "/api/users/1", "{\"name\": \"intruder\"}"},
        {"PUT", "/api/users/1", "{\"name\": \"intruder\"}"},
        {"DELETE", "/api/users/1", NULL},
        {"POST", "/api/_batch", "{\"operations\": [{\"method\": \"DELETE\", \"path\": \"/api/users/1\"}]}"},
        {"DELETE", "/api/users/1/posts/1", NULL},
        {"GET", "/api/nosuch", NULL},          /* 401, not 404: before routing */
        {"OPTIONS", "/api/users", NULL},
        {"GET", "/api/users?limit=-1", NULL},  /* 401, not 400 */
        {"HEAD", "/api/users", NULL},
        {"GET", "/openapi.json", NULL},
        {"GET", "/api", NULL},
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        rt_response *r = send_auth(&guarded, reqs[i].method, reqs[i].path, reqs[i].body, expired);
        if (!strcmp(reqs[i].method, "HEAD")) { /* no body to check */
            RT_ASSERT_STATUS(r, 401);
            ck_assert_str_eq(rt_header(r, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
            rt_response_free(r);
            continue;
        }
        assert_401(r, true, reqs[i].path);
    }
    char *after = rt_db_fingerprint(&guarded);
    ck_assert_msg(!strcmp(before, after), "a refused request changed the database");
    free(before);
    free(after);
    free(expired);
    /* the refusals are counted under one bounded label */
    rt_response *m = rt_get(&guarded, "/metrics");
    RT_ASSERT_STATUS(m, 200);
    ck_assert_msg(strstr(m->body, "route=\"unauthenticated\",method=\"DELETE\",status=\"401\"") != NULL,
                  "%.2000s", m->body);
    rt_response_free(m);
}
END_TEST

/* cursor.c's MAC: HMAC-SHA256 under SHA-256("restmap cursor v1" || secret)
 * (docs/deployment.md), truncated to 16 bytes; computed here with
 * OpenSSL, and a cursor whose MAC differs is 400. */
START_TEST(test_cursor_mac_is_keyed_by_the_secret)
{
    rt_response *r = rt_get(&guarded, "/api/users?limit=1&sort=name");
    RT_ASSERT_STATUS(r, 200);
    char *cursor = strdup(rt_json_str(r, "meta.next_cursor"));
    rt_response_free(r);
    char *dot = strchr(cursor, '.');
    ck_assert_ptr_nonnull(dot);
    unsigned char key[32], mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const char label[] = "restmap cursor v1" SECRET;
    ck_assert_int_eq(EVP_Digest(label, sizeof label - 1, key, &n, EVP_sha256(), NULL), 1);
    /* the MAC covers the decoded payload */
    size_t plen = (size_t)(dot - cursor);
    char *b64 = malloc(plen + 4);
    for (size_t i = 0; i < plen; i++) b64[i] = cursor[i] == '-' ? '+' : cursor[i] == '_' ? '/' : cursor[i];
    size_t padded = plen;
    while (padded % 4) b64[padded++] = '=';
    unsigned char *payload = malloc(padded);
    int dn = EVP_DecodeBlock(payload, (unsigned char *)b64, (int)padded);
    ck_assert_int_gt(dn, 0);
    dn -= (int)(padded - plen); /* DecodeBlock counts the padding's zero bytes */
    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, 32, payload, (size_t)dn, mac, &n));
    char *want = rt_b64url(mac, 16);
    ck_assert_str_eq(dot + 1, want);
    /* and the server holds it: the same cursor with one MAC character changed is 400 */
    char path[1024];
    snprintf(path, sizeof path, "/api/users?limit=1&sort=name&cursor=%s", cursor);
    rt_check(&guarded, path, "data # 1");
    char *last = cursor + strlen(cursor) - 2;
    *last = *last == 'A' ? 'B' : 'A';
    snprintf(path, sizeof path, "/api/users?limit=1&sort=name&cursor=%s", cursor);
    rt_check(&guarded, path, "400 /query/cursor");
    free(want);
    free(payload);
    free(b64);
    free(cursor);
}
END_TEST

/* ------------------------------------------------------------ access control off */

START_TEST(test_without_secret_the_header_is_ignored)
{
    accepted_header(&open_srv, strdup("Bearer garbage"), "no secret: a garbage token");
    accepted_header(&open_srv, strdup("Basic dXNlcjpwYXNzd29yZA=="), "no secret: Basic");
    accepted(&open_srv, rt_jws("{'alg': 'none'}", "{'role': 'admin'}", EVP_sha256(), "k"), "no secret: alg none");
}
END_TEST

/* ------------------------------------------------------------ start-up */

/* The binary with args (and env) must exit non-zero naming what is wrong. */
static void refuses_to_start(const char *const *args, const char *const *env, const char *needle)
{
    char *err = NULL;
    int status = rt_run(args, env, NULL, &err);
    ck_assert_msg(status != 0, "started (exit %d) where it should refuse: %s", status, err);
    ck_assert_msg(strstr(err, needle) != NULL, "exit %d without '%s' in: %s", status, needle, err);
    free(err);
}

START_TEST(test_short_secret_refuses_to_start)
{
    char schema[4096];
    ck_assert_ptr_nonnull(realpath(BLOG, schema));
    const char *const short_arg[] = {"--schema", schema, "--db", "sqlite:///t.db", "--jwt-secret",
                                     "0123456789abcdef0123456789abcde" /* 31 bytes */, NULL};
    refuses_to_start(short_arg, NULL, "--jwt-secret");
    refuses_to_start(short_arg, NULL, "at least 32");
    const char *const empty_arg[] = {"--schema", schema, "--db", "sqlite:///t.db", "--jwt-secret=", NULL};
    refuses_to_start(empty_arg, NULL, "--jwt-secret");
    const char *const env_only[] = {"--schema", schema, "--db", "sqlite:///t.db", NULL};
    const char *const short_env[] = {"RESTMAP_JWT_SECRET=too-short", NULL};
    refuses_to_start(env_only, short_env, "RESTMAP_JWT_SECRET");
    const char *const aud_env[] = {"RESTMAP_JWT_AUDIENCE=" AUDIENCE, NULL};
    refuses_to_start(env_only, aud_env, "--jwt-audience");
    /* 32 bytes is enough */
    rt_server s;
    const char *const ok[] = {"--jwt-secret", "0123456789abcdef0123456789abcdef", NULL};
    rt_server_start(&s, BLOG, NULL, ok);
    rt_check(&s, "/api/users", "data # 0");
    rt_server_stop(&s);
}
END_TEST

Suite *http_auth_suite(void)
{
    Suite *s = suite_create("http_auth");
    TS_TCASE(s, "guarded", guarded_start, guarded_stop, 120, test_no_token_is_anonymous, test_valid_token_is_accepted,
             test_alg_none_is_refused, test_other_algorithms_are_refused, test_wrong_key_or_tampering_is_refused,
             test_exp_and_nbf_with_leeway, test_audience, test_malformed_tokens_and_headers,
             test_query_string_token_is_ignored, test_refusal_comes_before_routing_and_writes_nothing,
             test_cursor_mac_is_keyed_by_the_secret);
    TS_TCASE(s, "plain", plain_start, plain_stop, 60, test_no_audience_configured);
    TS_TCASE(s, "open", open_start, open_stop, 60, test_without_secret_the_header_is_ignored);
    TS_TCASE(s, "start-up", NULL, NULL, 60, test_short_secret_refuses_to_start);
    return s;
}
