/* rt_jwt.h: tokens minted for the HTTP tests with OpenSSL (never with the
 * server's code): base64url, JWS signing input, HMAC-signed tokens; case
 * requests that carry one (rt_as) and tables of them (RT_AS_CASES); a server
 * started with --jwt-secret. Header
 * and payload are JSON written with ' for " (rt_jsonf). Every result is
 * malloc'd (the caller frees it). */
#ifndef RT_JWT_H
#define RT_JWT_H

#include <openssl/evp.h>
#include <stddef.h>

#include "tests/support/rt.h"

/* base64url without padding (RFC 7515 §2). */
char *rt_b64url(const void *data, size_t n);
/* "h.p": the encoded header and payload. */
char *rt_jws_signing_input(const char *header, const char *payload);
/* input + "." + the encoded signature; frees input. */
char *rt_jws_join(char *input, const unsigned char *sig, size_t n);
/* A compact JWS of header and payload HMAC-signed with md and key. */
char *rt_jws(const char *header, const char *payload, const EVP_MD *md, const char *key);
/* An HS256 token of the claims (printf-style, ' for ") signed with key. */
char *rt_hs256(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The request ("METHOD PATH BODY", as rt_case) with the header
 * "Authorization: Bearer token" (token NULL: the request as it is), in one
 * of 16 rotating buffers of 8 KiB (only the test's own thread may call it;
 * a longer request fails the test). */
const char *rt_as(const char *token, const char *request);

/* A case sent as one user: tokens[who] of the table's token array. */
typedef struct rt_as_case {
    int who;
    const char *request, *expect;
} rt_as_case;
/* Each case in turn, sent with tokens[who] (rt_as: a NULL token sends no
 * Authorization header) and checked as rt_check; check (when not NULL) is
 * called on each answer as well. RT_AS_CASES takes the cases themselves:
 *   RT_AS_CASES(&srv, TOKEN,
 *       {ALICE, "/api/projects/1", "name = 'alpha'"},
 *       {ANON, "/api/projects", "401"},
 *   ); */
void rt_check_as(const rt_server *s, char *const *tokens, const rt_as_case *cases, size_t n,
                 void (*check)(const rt_response *r));
#define RT_AS_CASES(s, tokens, ...) RT_AS_CASES_CHECK((s), (tokens), NULL, __VA_ARGS__)
#define RT_AS_CASES_CHECK(s, tokens, check, ...)                                                         \
    do {                                                                                                 \
        static const rt_as_case rt_as_cases_[] = {__VA_ARGS__};                                          \
        rt_check_as((s), (tokens), rt_as_cases_, sizeof rt_as_cases_ / sizeof rt_as_cases_[0], (check)); \
    } while (0)

/* rt_server_start of schema and seed with --jwt-secret secret, no other
 * argument. */
void rt_server_start_secured(rt_server *s, const char *schema, const char *seed, const char *secret);

#endif
