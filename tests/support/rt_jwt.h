/* rt_jwt.h: tokens minted for the HTTP tests with OpenSSL (never with the
 * server's code): base64url, JWS signing input, HMAC-signed tokens; and
 * case requests that carry one (rt_as). Header
 * and payload are JSON written with ' for " (rt_jsonf). Every result is
 * malloc'd (the caller frees it). */
#ifndef RT_JWT_H
#define RT_JWT_H

#include <openssl/evp.h>
#include <stddef.h>

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

#endif
